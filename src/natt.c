/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * NAT traversal timers (RFC 3948 4): an outbound UDP-encapsulated SA that
 * has sent nothing for the keepalive interval sends a single 0xFF byte, so
 * the NAT keeps its mapping.
 */
#include "tip_internal.h"

#if TIP_CONF_NATT

static int tip_natt_same_path(const tip_sa_t *a, const tip_sa_t *b)
{
    return a->natt_sport == b->natt_sport && a->natt_dport == b->natt_dport &&
           tip_addr_equal(&a->src, &b->src) && tip_addr_equal(&a->dst, &b->dst);
}

/* An outbound UDP-encapsulated SA (the ones that keep a NAT mapping). */
static int tip_natt_sa(const tip_sa_t *sa)
{
    return sa->in_use && sa->dir == TIP_DIR_OUT && sa->natt_sport != 0;
}

void tip_natt_poll(tip_ctx_t *ctx, uint64_t now)
{
    static const uint8_t keepalive = 0xFF;
    unsigned i, j;

    if (ctx->natt_keepalive_ms == 0 || ctx->port.send_udp == NULL)
        return;
    for (i = 0; i < TIP_MAX_SA; i++) {
        tip_sa_t *sa = &ctx->sa[i];

        if (!tip_natt_sa(sa) || now - sa->last_tx_ms < ctx->natt_keepalive_ms)
            continue;
        (void)ctx->port.send_udp(ctx->port.arg, &sa->src, sa->natt_sport, &sa->dst,
                                 sa->natt_dport, &keepalive, 1);
        /* One keepalive per path, however many SAs share it. */
        for (j = 0; j < TIP_MAX_SA; j++) {
            tip_sa_t *o = &ctx->sa[j];
            if (tip_natt_sa(o) && tip_natt_same_path(sa, o))
                o->last_tx_ms = now;
        }
    }
}

uint64_t tip_natt_next(const tip_ctx_t *ctx, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    unsigned i;

    if (ctx->natt_keepalive_ms == 0 || ctx->port.send_udp == NULL)
        return next;
    for (i = 0; i < TIP_MAX_SA; i++) {
        const tip_sa_t *sa = &ctx->sa[i];
        uint64_t at;

        if (!tip_natt_sa(sa))
            continue;
        at = sa->last_tx_ms + ctx->natt_keepalive_ms;
        if (at <= now)
            return 0;
        if (at - now < next)
            next = at - now;
    }
    return next;
}

#else

void tip_natt_poll(tip_ctx_t *ctx, uint64_t now)
{
    (void)ctx;
    (void)now;
}

uint64_t tip_natt_next(const tip_ctx_t *ctx, uint64_t now)
{
    (void)ctx;
    (void)now;
    return UINT64_MAX;
}

#endif
