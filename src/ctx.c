/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Context set-up and timers (tip_poll): the work that is due, then the
 * next deadline.
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
    TIP_ASSERT_CORE_LOCKED(ctx);
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

int tip_ctx_deinit(tip_ctx_t *ctx)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL)
        return TIP_ERR_ARG;
    /* The call that raised the event still works on this context. */
    if (tip_in_callback(ctx))
        return TIP_ERR_BUSY;
    if (ctx->ike_deinit != NULL)
        ctx->ike_deinit(ctx);
    tip_sad_flush(ctx);
    tip_spd_flush(ctx);
    tip_crypto_zeroize(ctx, sizeof(*ctx));
    return TIP_OK;
}

void tip_ctx_set_event_cb(tip_ctx_t *ctx, tip_event_cb_t cb, void *arg)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
    ctx->event_cb = cb;
    ctx->event_arg = arg;
}

void tip_ctx_set_natt_keepalive(tip_ctx_t *ctx, uint32_t interval_ms)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
    ctx->natt_keepalive_ms = interval_ms;
}

uint64_t tip_ctx_drops(const tip_ctx_t *ctx, tip_drop_t reason)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
    if ((unsigned)reason >= (unsigned)TIP_DROP_COUNT)
        return 0;
    return ctx->drops[reason];
}

void tip_time_update(tip_ctx_t *ctx)
{
    uint64_t now;

    if (ctx->port.now_ms == NULL)
        return; /* not initialised (or deinitialised): nothing to follow */
    now = ctx->port.now_ms(ctx->port.arg);
    if (now > ctx->now_ms)
        ctx->now_ms = now;
}

void tip_log(const tip_ctx_t *ctx, int level, const char *msg)
{
    if (ctx->port.log != NULL)
        ctx->port.log(ctx->port.arg, level, msg);
}

/* ---- timers ------------------------------------------------------------------- */

/* The lifetime deadline @p seconds after @p sa was added (ms, absolute). */
static uint64_t tip_lifetime_at(const tip_sa_t *sa, uint32_t seconds)
{
    return sa->stats.added_ms + (uint64_t)seconds * 1000u;
}

/* Seconds-based lifetimes (RFC 4301 4.4.2.1): soft raises an event once,
 * hard removes the SA. Each SA is done before its event is raised; the
 * next one is read afresh (the callback may have changed any slot). */
static void tip_poll_lifetimes(tip_ctx_t *ctx, uint64_t now)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_SA; i++) {
        tip_sa_t *sa = &ctx->sa[i];
        tip_event_t ev;

        if (!sa->in_use)
            continue;
        if (sa->hard.seconds != 0 && now >= tip_lifetime_at(sa, sa->hard.seconds)) {
            tip_event_make(ctx, TIP_EV_SA_HARD_EXPIRED, sa, 0, &ev);
            tip_sa_remove(ctx, sa);
            tip_event_emit(ctx, &ev);
        } else if (sa->soft.seconds != 0 && !sa->soft_fired &&
                   now >= tip_lifetime_at(sa, sa->soft.seconds)) {
            sa->soft_fired = 1;
            tip_event_make(ctx, TIP_EV_SA_SOFT_EXPIRED, sa, 0, &ev);
            tip_event_emit(ctx, &ev);
        }
    }
}

/* ms from @p now until @p at (0 when it has passed). */
static uint64_t tip_ms_until(uint64_t at, uint64_t now)
{
    return at > now ? at - now : 0;
}

/* ms until the next seconds-based lifetime, UINT64_MAX when none. */
static uint64_t tip_lifetimes_next(const tip_ctx_t *ctx, uint64_t now)
{
    uint64_t next = UINT64_MAX, k;
    unsigned i;

    for (i = 0; i < TIP_MAX_SA; i++) {
        const tip_sa_t *sa = &ctx->sa[i];

        if (!sa->in_use)
            continue;
        if (sa->hard.seconds != 0) {
            k = tip_ms_until(tip_lifetime_at(sa, sa->hard.seconds), now);
            if (k < next)
                next = k;
        }
        if (sa->soft.seconds != 0 && !sa->soft_fired) {
            k = tip_ms_until(tip_lifetime_at(sa, sa->soft.seconds), now);
            if (k < next)
                next = k;
        }
    }
    return next;
}

uint32_t tip_poll(tip_ctx_t *ctx, uint64_t now_ms)
{
    uint64_t next, k;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (tip_in_callback(ctx))
        return 0; /* the call that raised the event is still running */
    if (now_ms > ctx->now_ms)
        ctx->now_ms = now_ms;
    tip_poll_lifetimes(ctx, ctx->now_ms);
    tip_natt_poll(ctx, ctx->now_ms);
    if (ctx->ike_poll != NULL)
        ctx->ike_poll(ctx, ctx->now_ms);
    /* The deadlines as the work and every callback left them (a callback
     * may have added an SA or started a negotiation). */
    next = tip_lifetimes_next(ctx, ctx->now_ms);
    k = tip_natt_next(ctx, ctx->now_ms);
    if (k < next)
        next = k;
    if (ctx->ike_next != NULL) {
        k = ctx->ike_next(ctx, ctx->now_ms);
        if (k < next)
            next = k;
    }
    if (next == UINT64_MAX)
        return TIP_POLL_NONE;
    return next >= TIP_POLL_NONE ? TIP_POLL_NONE - 1u : (uint32_t)next;
}
