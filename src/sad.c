/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Security Association Database (RFC 4301 4.4.2): a fixed pool of SAs, a
 * hash index on the inbound SPI, lifetimes and counters.
 */
#include <string.h>

#include "crypto.h"
#include "replay.h"
#include "tip_internal.h"

static unsigned tip_spi_bucket(uint32_t spi)
{
    /* Peers choose SPIs at random, but some count up: mix the bits. */
    spi ^= spi >> 16;
    spi *= 0x45D9F3Bu;
    spi ^= spi >> 16;
    return spi & (TIP_SPI_HASH_SIZE - 1u);
}

tip_sa_t *tip_sa_get(tip_ctx_t *ctx, tip_handle_t h, int *err)
{
    unsigned idx = tip_handle_idx(h);
    tip_sa_t *sa;

    if (h == 0 || idx >= TIP_MAX_SA) {
        *err = TIP_ERR_NOT_FOUND;
        return NULL;
    }
    sa = &ctx->sa[idx];
    if (!sa->in_use || sa->gen != tip_handle_gen(h)) {
        *err = TIP_ERR_STALE;
        return NULL;
    }
    *err = TIP_OK;
    return sa;
}

tip_handle_t tip_sa_handle(const tip_ctx_t *ctx, const tip_sa_t *sa)
{
    return tip_handle_make((unsigned)(sa - ctx->sa), sa->gen);
}

tip_sa_t *tip_sad_lookup_in(const tip_ctx_t *ctx, uint32_t spi, const tip_addr_t *dst)
{
    uint16_t cur = ctx->spi_hash[tip_spi_bucket(spi)];

    while (cur != 0) {
        const tip_sa_t *sa = &ctx->sa[cur - 1u];
        if (sa->spi == spi && (dst == NULL || tip_addr_equal(&sa->dst, dst)))
            return (tip_sa_t *)sa;
        cur = sa->hash_next;
    }
    return NULL;
}

int tip_sad_find_inbound(const tip_ctx_t *ctx, uint32_t spi, const tip_addr_t *dst,
                         tip_handle_t *out)
{
    const tip_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    sa = tip_sad_lookup_in(ctx, spi, dst);
    if (sa == NULL)
        return TIP_ERR_NOT_FOUND;
    if (out != NULL)
        *out = tip_sa_handle(ctx, sa);
    return TIP_OK;
}

static int tip_sa_params_check(const tip_sa_params_t *p)
{
    size_t n;

    if (p->dir != TIP_DIR_IN && p->dir != TIP_DIR_OUT)
        return TIP_ERR_ARG;
    if (p->mode != TIP_MODE_TUNNEL && p->mode != TIP_MODE_TRANSPORT)
        return TIP_ERR_ARG;
    /* RFC 4303 2.1: SPIs 1..255 are reserved by IANA, 0 is local use only. */
    if (p->spi < 256u)
        return TIP_ERR_ARG;
    if (p->src.family != p->dst.family ||
        (p->src.family != TIP_AF_INET && p->src.family != TIP_AF_INET6))
        return TIP_ERR_ARG;
#if !TIP_CONF_IPV6
    if (p->src.family == TIP_AF_INET6)
        return TIP_ERR_UNSUPPORTED;
#endif
    if ((p->natt_sport == 0) != (p->natt_dport == 0))
        return TIP_ERR_ARG;
#if !TIP_CONF_NATT
    if (p->natt_sport != 0)
        return TIP_ERR_UNSUPPORTED;
#endif
    n = p->encr_key_len;
    if (n > TIP_MAX_KEY_LEN || p->integ_key_len > TIP_MAX_KEY_LEN)
        return TIP_ERR_KEY_LEN;
    if ((n != 0 && p->encr_key == NULL) || (p->integ_key_len != 0 && p->integ_key == NULL))
        return TIP_ERR_ARG;
    if (p->has_sel && (p->sel.local_port_lo > p->sel.local_port_hi ||
                       p->sel.remote_port_lo > p->sel.remote_port_hi))
        return TIP_ERR_ARG;
    if (!p->esn && p->seq_start > UINT32_MAX)
        return TIP_ERR_ARG;
    return TIP_OK;
}

/* Wire sizes per algorithm (RFC 4106 3, RFC 7634 2, RFC 3602 2-3, RFC 4303 2.4). */
static void tip_sa_set_sizes(tip_sa_t *sa)
{
    switch ((tip_encr_t)sa->encr) {
    case TIP_ENCR_AES_GCM_16:
    case TIP_ENCR_CHACHA20_POLY1305:
        sa->iv_len = 8;
        sa->icv_len = 16;
        sa->block = 4;
        break;
    case TIP_ENCR_AES_CBC:
        sa->iv_len = 16;
        sa->icv_len = (uint8_t)tip_crypto_integ_icv_len((tip_integ_t)sa->integ);
        sa->block = 16;
        break;
    default: /* ENCR_NULL: no IV, 4-byte alignment */
        sa->iv_len = 0;
        sa->icv_len = (uint8_t)tip_crypto_integ_icv_len((tip_integ_t)sa->integ);
        sa->block = 4;
        break;
    }
}

int tip_sad_add(tip_ctx_t *ctx, const tip_sa_params_t *p, tip_handle_t *out)
{
    int err = TIP_ERR_INTERNAL;
    tip_sa_t *sa = NULL;
    unsigned i;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || p == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx); /* added_ms: lifetimes count from now */
    err = tip_sa_params_check(p);
    if (err != TIP_OK)
        return err;
    /* RFC 4301 4.4.2: inbound SAs are found by SPI (and destination). */
    if (p->dir == TIP_DIR_IN && tip_sad_lookup_in(ctx, p->spi, &p->dst) != NULL)
        return TIP_ERR_EXISTS;
    for (i = 0; i < TIP_MAX_SA; i++) {
        if (!ctx->sa[i].in_use) {
            sa = &ctx->sa[i];
            break;
        }
    }
    if (sa == NULL)
        return TIP_ERR_FULL;
    {
        uint16_t gen = sa->gen;
        memset(sa, 0, sizeof(*sa));
        sa->gen = gen;
    }
    err = tip_crypto_sa_init(&sa->crypto, p->dir, p->encr, p->encr_key, p->encr_key_len,
                             p->integ, p->integ_key, p->integ_key_len);
    if (err != TIP_OK)
        return err;
    sa->dir = (uint8_t)p->dir;
    sa->mode = (uint8_t)p->mode;
    sa->esn = p->esn ? 1 : 0;
    sa->no_replay = p->no_replay ? 1 : 0;
    sa->has_sel = p->has_sel ? 1 : 0;
    sa->encr = (uint8_t)p->encr;
    sa->integ = (uint8_t)p->integ;
    tip_sa_set_sizes(sa);
    sa->natt_sport = p->natt_sport;
    sa->natt_dport = p->natt_dport;
    sa->spi = p->spi;
    sa->reqid = p->reqid;
    sa->src = p->src;
    sa->dst = p->dst;
    if (p->has_sel)
        sa->sel = p->sel;
    sa->soft = p->soft;
    sa->hard = p->hard;
    tip_replay_init(&sa->replay, p->replay_window);
    /* Where the sequence numbers start: seq_start, or for manual keys the
     * port's stored mark when that is higher. */
    err = tip_seq_restore(ctx, sa, p);
    if (err != TIP_OK) {
        uint16_t gen = sa->gen;
        tip_crypto_sa_free(&sa->crypto);
        tip_crypto_zeroize(sa, sizeof(*sa));
        sa->gen = gen;
        return err;
    }
    sa->in_use = 1;
    sa->serial = ++ctx->sa_serial;
    sa->stats.added_ms = ctx->now_ms;
    sa->last_tx_ms = ctx->now_ms;
    if (p->dir == TIP_DIR_IN) {
        unsigned b = tip_spi_bucket(p->spi);
        sa->hash_next = ctx->spi_hash[b];
        ctx->spi_hash[b] = (uint16_t)(i + 1u);
    }
    if (out != NULL)
        *out = tip_handle_make(i, sa->gen);
    return TIP_OK;
}

void tip_sa_remove(tip_ctx_t *ctx, tip_sa_t *sa)
{
    uint16_t me = (uint16_t)(sa - ctx->sa + 1);
    uint16_t gen = sa->gen;

    if (sa->dir == TIP_DIR_IN) {
        uint16_t *link = &ctx->spi_hash[tip_spi_bucket(sa->spi)];
        while (*link != 0 && *link != me)
            link = &ctx->sa[*link - 1u].hash_next;
        if (*link == me)
            *link = sa->hash_next;
    }
    /* Keys die with the SA. */
    tip_crypto_sa_free(&sa->crypto);
    tip_crypto_zeroize(sa, sizeof(*sa));
    sa->gen = (uint16_t)(gen + 1u);
}

int tip_sad_del(tip_ctx_t *ctx, tip_handle_t h)
{
    int err = TIP_ERR_INTERNAL;
    tip_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    sa = tip_sa_get(ctx, h, &err);
    if (sa == NULL)
        return err;
    tip_sa_remove(ctx, sa);
    return TIP_OK;
}

void tip_sad_flush(tip_ctx_t *ctx)
{
    unsigned i;

    TIP_ASSERT_CORE_LOCKED(ctx);
    for (i = 0; i < TIP_MAX_SA; i++) {
        if (ctx->sa[i].in_use)
            tip_sa_remove(ctx, &ctx->sa[i]);
    }
}

int tip_sad_stats(const tip_ctx_t *ctx, tip_handle_t h, tip_sa_stats_t *out)
{
    int err = TIP_ERR_INTERNAL;
    const tip_sa_t *sa;
    unsigned i;

    TIP_ASSERT_CORE_LOCKED(ctx);
    sa = tip_sa_get((tip_ctx_t *)ctx, h, &err);
    if (sa == NULL)
        return err;
    memset(out, 0, sizeof(*out));
    out->packets = sa->stats.packets;
    out->bytes = sa->stats.bytes;
    out->added_ms = sa->stats.added_ms;
    for (i = 0; i < TIP_DROP_COUNT; i++)
        out->drops[i] = sa->stats.drops[i];
    out->seq = sa->dir == TIP_DIR_OUT ? sa->seq : sa->replay.top;
    return TIP_OK;
}

unsigned tip_sad_count(const tip_ctx_t *ctx)
{
    unsigned i, n = 0;

    TIP_ASSERT_CORE_LOCKED(ctx);
    for (i = 0; i < TIP_MAX_SA; i++)
        n += ctx->sa[i].in_use;
    return n;
}

int tip_sa_over_hard(const tip_sa_t *sa, size_t bytes)
{
    if (sa->hard.packets != 0 && sa->stats.packets + 1u > sa->hard.packets)
        return 1;
    if (sa->hard.bytes != 0 && sa->stats.bytes + bytes > sa->hard.bytes)
        return 1;
    return 0;
}

int tip_sa_account(tip_ctx_t *ctx, tip_sa_t *sa, size_t bytes, tip_ev_batch_t *evs)
{
    sa->stats.packets++;
    sa->stats.bytes += bytes;
    /* RFC 4301 4.4.2.1: the soft limit warns (rekey), the hard one ends
     * the SA. Reaching the hard limit exactly still lets this packet pass. */
    if (!sa->soft_fired &&
        ((sa->soft.packets != 0 && sa->stats.packets >= sa->soft.packets) ||
         (sa->soft.bytes != 0 && sa->stats.bytes >= sa->soft.bytes))) {
        sa->soft_fired = 1;
        tip_ev_note(ctx, evs, TIP_EV_SA_SOFT_EXPIRED, sa, 0);
    }
    if ((sa->hard.packets != 0 && sa->stats.packets >= sa->hard.packets) ||
        (sa->hard.bytes != 0 && sa->stats.bytes >= sa->hard.bytes)) {
        tip_ev_note(ctx, evs, TIP_EV_SA_HARD_EXPIRED, sa, 0);
        tip_sa_remove(ctx, sa);
        return TIP_ERR_LIFETIME;
    }
    return TIP_OK;
}

tip_sa_t *tip_sad_find_outbound(tip_ctx_t *ctx, tip_policy_slot_t *ps, const tip_flow_t *flow)
{
    const tip_policy_t *p = &ps->pol;
    tip_sa_t *best = NULL;
    unsigned i;
    int err;

    if (ps->sa != 0) {
        tip_sa_t *sa = tip_sa_get(ctx, ps->sa, &err);
        if (sa != NULL)
            return sa;
        ps->sa = 0; /* the bound SA died: fall back to a search */
    }
    /* Several SAs can fit while a rekey is in progress: the newest one
     * carries the traffic (make-before-break, RFC 7296 2.8). */
    for (i = 0; i < TIP_MAX_SA; i++) {
        tip_sa_t *sa = &ctx->sa[i];
        if (!sa->in_use || sa->dir != TIP_DIR_OUT || sa->mode != p->mode)
            continue;
        if (p->reqid != 0 && sa->reqid != p->reqid)
            continue;
        if (p->mode == TIP_MODE_TUNNEL) {
            if (!tip_addr_equal(&sa->src, &p->tunnel_local) ||
                !tip_addr_equal(&sa->dst, &p->tunnel_remote))
                continue;
        } else if (!tip_addr_equal(&sa->src, &flow->local) ||
                   !tip_addr_equal(&sa->dst, &flow->remote)) {
            continue;
        }
        if (sa->has_sel && !tip_selector_match(&sa->sel, flow))
            continue;
        if (best == NULL || (int32_t)(sa->serial - best->serial) > 0)
            best = sa;
    }
    return best;
}
