/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Context set-up, events and timers (tip_poll).
 */
#include <string.h>

#include "crypto.h"
#include "tip_internal.h"

uint32_t tip_config_fingerprint(void)
{
    return TIP_CONFIG_FINGERPRINT;
}

int tip_ctx_init_checked(tip_ctx_t *ctx, const tip_port_t *port, size_t ctx_size,
                         uint32_t config_fingerprint)
{
    /* First, before a byte of *ctx is written: the caller's tip_ctx_t may be
     * smaller than ours. tip_port_t has the same layout in every
     * configuration, so its log hook can still say why. */
    if (ctx_size != sizeof(tip_ctx_t) || config_fingerprint != TIP_CONFIG_FINGERPRINT) {
        if (port != NULL && port->log != NULL)
            port->log(port->arg, TIP_LOG_ERROR,
                      ctx_size != sizeof(tip_ctx_t)
                          ? "tip_ctx_init: sizeof(tip_ctx_t) differs between the library and "
                            "the application: build both with the same TIP_USER_CONFIG_FILE "
                            "and -D options"
                          : "tip_ctx_init: TIP_CONFIG_FINGERPRINT differs between the library "
                            "and the application: build both with the same "
                            "TIP_USER_CONFIG_FILE and -D options");
        return TIP_ERR_CONFIG;
    }
    if (ctx == NULL || port == NULL || port->now_ms == NULL || port->random == NULL ||
        (port->send_udp == NULL && port->send_ip == NULL))
        return TIP_ERR_ARG;
    memset(ctx, 0, sizeof(*ctx));
    ctx->port = *port;
    ctx->natt_keepalive_ms = TIP_NATT_KEEPALIVE_MS;
    ctx->now_ms = port->now_ms(port->arg);
    return TIP_OK;
}

void tip_ctx_deinit(tip_ctx_t *ctx)
{
    if (ctx == NULL)
        return;
    if (ctx->ike_deinit != NULL)
        ctx->ike_deinit(ctx);
    tip_sad_flush(ctx);
    tip_spd_flush(ctx);
    tip_crypto_zeroize(ctx, sizeof(*ctx));
}

void tip_ctx_set_event_cb(tip_ctx_t *ctx, tip_event_cb_t cb, void *arg)
{
    ctx->event_cb = cb;
    ctx->event_arg = arg;
}

void tip_ctx_set_natt_keepalive(tip_ctx_t *ctx, uint32_t interval_ms)
{
    ctx->natt_keepalive_ms = interval_ms;
}

uint64_t tip_ctx_drops(const tip_ctx_t *ctx, tip_drop_t reason)
{
    if ((unsigned)reason >= (unsigned)TIP_DROP_COUNT)
        return 0;
    return ctx->drops[reason];
}

void tip_event_raise(tip_ctx_t *ctx, tip_event_type_t type, const tip_sa_t *sa,
                     tip_handle_t policy)
{
    tip_event_t ev;

    if (ctx->event_cb == NULL && ctx->ike_event == NULL)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.policy = policy;
    if (sa != NULL) {
        ev.sa = tip_sa_handle(ctx, sa);
        ev.spi = sa->spi;
        ev.dir = (tip_dir_t)sa->dir;
    }
    /* IKE hears about acquires and expiries first (it may rekey), then
     * the application. */
    if (ctx->ike_event != NULL)
        ctx->ike_event(ctx, &ev);
    if (ctx->event_cb != NULL)
        ctx->event_cb(ctx->event_arg, &ev);
}

const char *tip_event_name(tip_event_type_t type)
{
    static const char *const names[TIP_EV_COUNT_] = {
        "unknown",
#define TIP_X_EV_NAME(name, text) #name,
        TIP_EVENT_LIST(TIP_X_EV_NAME)
#undef TIP_X_EV_NAME
    };

    if ((unsigned)type >= (unsigned)TIP_EV_COUNT_)
        return names[0];
    return names[type];
}

void tip_log(const tip_ctx_t *ctx, int level, const char *msg)
{
    if (ctx->port.log != NULL)
        ctx->port.log(ctx->port.arg, level, msg);
}

/* Seconds-based lifetimes (RFC 4301 4.4.2.1): soft raises an event once,
 * hard removes the SA. Returns ms until the next lifetime deadline. */
static uint64_t tip_poll_lifetimes(tip_ctx_t *ctx, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    unsigned i;

    for (i = 0; i < TIP_MAX_SA; i++) {
        tip_sa_t *sa = &ctx->sa[i];
        uint64_t age, deadline;

        if (!sa->in_use)
            continue;
        age = now - sa->stats.added_ms;
        if (sa->hard.seconds != 0) {
            deadline = (uint64_t)sa->hard.seconds * 1000u;
            if (age >= deadline) {
                tip_event_raise(ctx, TIP_EV_SA_HARD_EXPIRED, sa, 0);
                tip_sa_remove(ctx, sa);
                continue;
            }
            if (deadline - age < next)
                next = deadline - age;
        }
        if (sa->soft.seconds != 0 && !sa->soft_fired) {
            deadline = (uint64_t)sa->soft.seconds * 1000u;
            if (age >= deadline) {
                sa->soft_fired = 1;
                tip_event_raise(ctx, TIP_EV_SA_SOFT_EXPIRED, sa, 0);
            } else if (deadline - age < next) {
                next = deadline - age;
            }
        }
    }
    return next;
}

uint32_t tip_poll(tip_ctx_t *ctx, uint64_t now_ms)
{
    uint64_t next, k;

    if (now_ms > ctx->now_ms)
        ctx->now_ms = now_ms;
    next = tip_poll_lifetimes(ctx, ctx->now_ms);
#if TIP_CONF_NATT
    k = tip_natt_poll(ctx, ctx->now_ms);
    if (k < next)
        next = k;
#endif
    if (ctx->ike_poll != NULL) {
        k = ctx->ike_poll(ctx, ctx->now_ms);
        if (k < next)
            next = k;
    }
    return next > 1000u ? 1000u : (uint32_t)next;
}
