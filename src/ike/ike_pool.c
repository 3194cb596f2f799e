/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Address pools for virtual addresses (RFC 7296 2.19): a range of
 * addresses and a bounded table of leases, each tying one peer identity to
 * one address. A lease is held while the identity's IKE SA lives, then
 * kept as released, so the identity gets the same address when it comes
 * back; the oldest released lease is forgotten first when a new identity
 * needs room. Nothing is allocated: the pools live in the context.
 */
#include <string.h>

#include "ike/ike_cp.h"

#if TIP_CONF_IKEV2 && TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER

enum { TIP_LEASE_FREE = 0, TIP_LEASE_HELD = 1, TIP_LEASE_RELEASED = 2 };

tip_ike_pool_t *tip_ike_pool_get(tip_ctx_t *ctx, tip_handle_t h)
{
    unsigned idx = tip_handle_idx(h);
    tip_ike_pool_t *p;

    if (h == 0 || idx >= TIP_IKE_POOLS)
        return NULL;
    p = &ctx->ike.pool[idx];
    return p->in_use && p->gen == tip_handle_gen(h) ? p : NULL;
}

/* start + offset; 0 when it runs past the end of the address space. */
static int tip_ike_pool_addr(const tip_addr_t *start, uint32_t offset, tip_addr_t *out)
{
    int i = start->family == TIP_AF_INET ? 3 : 15;
    uint32_t carry = offset;

    *out = *start;
    for (; i >= 0 && carry != 0; i--) {
        uint32_t v = (uint32_t)out->addr[i] + (carry & 0xFFu);
        out->addr[i] = (uint8_t)v;
        carry = (carry >> 8) + (v >> 8);
    }
    return carry == 0;
}

static int tip_ike_id_same(const tip_ike_identity_t *a, const tip_ike_identity_t *b)
{
    return a->type == b->type && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* Whether a lease that is not free has @p offset. */
static int tip_ike_pool_taken(const tip_ike_pool_t *p, uint32_t offset)
{
    unsigned i;

    for (i = 0; i < TIP_IKE_POOL_LEASES; i++)
        if (p->lease[i].state != TIP_LEASE_FREE && p->lease[i].offset == offset)
            return 1;
    return 0;
}

int tip_ike_pool_lease(tip_ike_pool_t *pool, const tip_ike_identity_t *id, tip_handle_t conn,
                       tip_addr_t *out)
{
    tip_ike_lease_t *l = NULL, *oldest = NULL, *free_slot = NULL;
    uint32_t off;
    unsigned i;

    for (i = 0; i < TIP_IKE_POOL_LEASES; i++) {
        tip_ike_lease_t *x = &pool->lease[i];
        if (x->state != TIP_LEASE_FREE && tip_ike_id_same(&x->id, id)) {
            l = x; /* the identity's own address, held or released */
            break;
        }
        if (x->state == TIP_LEASE_FREE && free_slot == NULL)
            free_slot = x;
        if (x->state == TIP_LEASE_RELEASED &&
            (oldest == NULL || (uint32_t)(pool->clock - x->stamp) > (uint32_t)(pool->clock - oldest->stamp)))
            oldest = x;
    }
    if (l == NULL && free_slot != NULL) {
        /* The lowest address no lease has; the leases are fewer than the
         * addresses checked, so one of the first TIP_IKE_POOL_LEASES + 1 is. */
        for (off = 0; off < pool->cfg.count && tip_ike_pool_taken(pool, off); off++) {
        }
        if (off < pool->cfg.count) {
            l = free_slot;
            l->offset = off;
        }
    }
    if (l == NULL && oldest != NULL)
        l = oldest; /* the identity longest gone gives its address up */
    /* One holder at a time: the identity's address in use by another
     * connection's IKE SA (the same identity configured twice) is not
     * given out again, which would take that connection's traffic. */
    if (l == NULL || (l->state == TIP_LEASE_HELD && l->conn != conn))
        return TIP_ERR_FULL;
    l->id = *id;
    l->state = TIP_LEASE_HELD;
    l->conn = conn;
    l->stamp = ++pool->clock;
    return tip_ike_pool_addr(&pool->cfg.start, l->offset, out) ? TIP_OK : TIP_ERR_INTERNAL;
}

void tip_ike_pool_release(tip_ctx_t *ctx, tip_handle_t conn)
{
    unsigned p, i;

    for (p = 0; p < TIP_IKE_POOLS; p++) {
        tip_ike_pool_t *pool = &ctx->ike.pool[p];
        if (!pool->in_use)
            continue;
        for (i = 0; i < TIP_IKE_POOL_LEASES; i++) {
            tip_ike_lease_t *l = &pool->lease[i];
            if (l->state == TIP_LEASE_HELD && l->conn == conn) {
                l->state = TIP_LEASE_RELEASED;
                l->conn = 0;
                l->stamp = ++pool->clock;
            }
        }
    }
}

static int tip_ike_pool_valid(const tip_ike_pool_cfg_t *cfg)
{
    tip_addr_t last;
    unsigned i;

    if (cfg->start.family != TIP_AF_INET && cfg->start.family != TIP_AF_INET6)
        return TIP_ERR_ARG;
    if (cfg->count == 0 || cfg->count > 65536u || !tip_ike_pool_addr(&cfg->start, cfg->count - 1u, &last))
        return TIP_ERR_ARG;
    if (cfg->dns_count > TIP_IKE_CP_DNS_MAX)
        return TIP_ERR_ARG;
    for (i = 0; i < cfg->dns_count; i++)
        if (cfg->dns[i].family != TIP_AF_INET && cfg->dns[i].family != TIP_AF_INET6)
            return TIP_ERR_ARG;
    return TIP_OK;
}
#endif /* TIP_CONF_IKEV2 && TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER */

#if TIP_CONF_IKEV2
int tip_ike_pool_add(tip_ctx_t *ctx, const tip_ike_pool_cfg_t *cfg, tip_handle_t *out)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
#if TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER
    int err = TIP_ERR_INTERNAL;
    unsigned i;

    if (ctx == NULL || cfg == NULL)
        return TIP_ERR_ARG;
    err = tip_ike_pool_valid(cfg);
    if (err != TIP_OK)
        return err;
    for (i = 0; i < TIP_IKE_POOLS; i++) {
        tip_ike_pool_t *p = &ctx->ike.pool[i];
        uint16_t gen = p->gen;
        if (p->in_use)
            continue;
        memset(p, 0, sizeof(*p));
        p->gen = (uint16_t)(gen + 1u);
        p->in_use = 1;
        p->cfg = *cfg;
        if (out != NULL)
            *out = tip_handle_make(i, p->gen);
        return TIP_OK;
    }
    return TIP_ERR_FULL;
#else
    (void)ctx;
    (void)cfg;
    (void)out;
    return TIP_ERR_UNSUPPORTED;
#endif
}

int tip_ike_pool_status(const tip_ctx_t *ctx, tip_handle_t pool, tip_ike_pool_status_t *out)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
#if TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER
    const tip_ike_pool_t *p;
    unsigned i;

    if (ctx == NULL || out == NULL)
        return TIP_ERR_ARG;
    p = tip_ike_pool_get((tip_ctx_t *)ctx, pool);
    if (p == NULL)
        return TIP_ERR_NOT_FOUND;
    memset(out, 0, sizeof(*out));
    out->refused = p->refused;
    for (i = 0; i < TIP_IKE_POOL_LEASES; i++) {
        out->in_use += p->lease[i].state == TIP_LEASE_HELD;
        out->remembered += p->lease[i].state == TIP_LEASE_RELEASED;
    }
    return TIP_OK;
#else
    (void)ctx;
    (void)pool;
    (void)out;
    return TIP_ERR_UNSUPPORTED;
#endif
}
#endif /* TIP_CONF_IKEV2 */
