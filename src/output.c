/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The outbound packet path: SPD lookup, then bypass, discard or ESP and
 * hand-off to the port (RFC 4301 5.1); for a batch, the lookups once per
 * run of packets of one flow.
 */
#include "esp.h"
#include "ip.h"

/* @p hdr: bytes of IP header in front of the UDP header (ESP-in-UDP). */
static int tip_output_send(tip_ctx_t *ctx, const tip_addr_t *src, const tip_addr_t *dst,
                           uint16_t sport, uint16_t dport, size_t hdr, const tip_buf_t *buf)
{
    const uint8_t *pkt = buf->base + buf->off;

    if (sport != 0) {
        /* ESP-in-UDP goes out of the port's UDP socket: skip our IP and
         * UDP headers, the socket writes its own. */
        if (ctx->port.send_udp == NULL || buf->len < hdr + TIP_UDP_HLEN)
            return TIP_ERR_PORT;
        return ctx->port.send_udp(ctx->port.arg, src, sport, dst, dport,
                                  pkt + hdr + TIP_UDP_HLEN, buf->len - hdr - TIP_UDP_HLEN);
    }
    if (ctx->port.send_ip == NULL)
        return TIP_ERR_PORT;
    return ctx->port.send_ip(ctx->port.arg, pkt, buf->len);
}

/*
 * The decision for the last flow of a tip_output_batch(): its PROTECT
 * policy and the SA that carried it. RFC 4301 5 allows outbound traffic to
 * consult the SPD through a cache; keyed by the exact flow, an entry gives
 * what the ordered search gives for as long as the SPD and the SAD stay as
 * they are, which inside one batch only an event callback can change (the
 * batch forgets the entry when it delivers events).
 */
typedef struct {
    tip_handle_t ph; /* the policy */
    tip_handle_t sh; /* the SA */
    tip_flow_t flow;
    uint8_t valid;
} tip_out_cache_t;

static int tip_flow_same(const tip_flow_t *a, const tip_flow_t *b)
{
    return a->proto == b->proto && a->local_port == b->local_port &&
           a->remote_port == b->remote_port && a->opaque == b->opaque &&
           tip_addr_equal(&a->local, &b->local) && tip_addr_equal(&a->remote, &b->remote);
}

/* The cached policy and SA of @p flow, or NULL (no entry, another flow, or
 * either has died). */
static tip_sa_t *tip_out_cache_get(tip_ctx_t *ctx, const tip_out_cache_t *c,
                                   const tip_flow_t *flow)
{
    const tip_policy_slot_t *p;
    int err;

    if (c == NULL || !c->valid || !tip_flow_same(&c->flow, flow))
        return NULL;
    p = &ctx->spd[tip_handle_idx(c->ph)];
    if (!p->in_use || tip_handle_make(tip_handle_idx(c->ph), p->gen) != c->ph)
        return NULL;
    return tip_sa_get(ctx, c->sh, &err);
}

/* SPD decision and ESP; the packet is sent when it returns TIP_SENT.
 * @p cache (NULL: none) holds the decision of the previous packet. */
static int tip_output_do(tip_ctx_t *ctx, tip_buf_t *buf, tip_ev_batch_t *evs,
                         tip_out_cache_t *cache)
{
    int err = TIP_ERR_INTERNAL;
    tip_ip_info_t ip;
    tip_flow_t flow;
    tip_handle_t ph, sh;
    size_t hdr;
    tip_policy_slot_t *ps;
    tip_sa_t *sa;
    tip_addr_t src, dst;
    uint16_t sport, dport;

    /* One parse serves the SPD lookup and the encapsulation. */
    if (tip_ip_parse(buf->base + buf->off, buf->len, &ip) != TIP_OK ||
        tip_flow_from_ip(buf->base + buf->off, &ip, TIP_DIR_OUT, &flow) != TIP_OK) {
        tip_drop(ctx, NULL, TIP_DROP_MALFORMED);
        return TIP_ERR_MALFORMED;
    }
    sa = tip_out_cache_get(ctx, cache, &flow);
    if (sa != NULL)
        goto protect;
    if (cache != NULL)
        cache->valid = 0;
    if (tip_spd_lookup(ctx, TIP_DIR_OUT, &flow, &ph) != TIP_OK) {
        /* No policy covers it: RFC 4301 4.4.1 says such traffic is
         * discarded; an explicit BYPASS policy lets it through. */
        tip_drop(ctx, NULL, TIP_DROP_POLICY);
        return TIP_ERR_POLICY;
    }
    ps = &ctx->spd[tip_handle_idx(ph)];
    switch (ps->pol.action) {
    case TIP_ACTION_BYPASS:
        return TIP_BYPASS;
    case TIP_ACTION_DISCARD:
        tip_drop(ctx, NULL, TIP_DROP_DISCARD);
        return TIP_ERR_DISCARD;
    default:
        break;
    }
    sa = tip_sad_find_outbound(ctx, ps, &flow);
    if (sa == NULL) {
        /* Ask the key manager (IKE, or the application) for an SA. */
        tip_drop(ctx, NULL, TIP_DROP_NO_SA);
        tip_ev_note(ctx, evs, TIP_EV_ACQUIRE, NULL, ph);
        return TIP_ERR_NO_SA;
    }
    if (cache != NULL) {
        cache->flow = flow;
        cache->ph = ph;
        cache->sh = tip_sa_handle(ctx, sa);
        cache->valid = 1;
    }
protect:
    /* The SA may end inside encapsulation (hard lifetime): keep what the
     * send needs. */
    sh = tip_sa_handle(ctx, sa);
    src = sa->src;
    dst = sa->dst;
    sport = sa->natt_sport;
    dport = sa->natt_dport;
    /* The outer header: ours in tunnel mode, the packet's own in transport. */
    hdr = sa->mode == TIP_MODE_TUNNEL
              ? (sa->src.family == TIP_AF_INET6 ? (size_t)TIP_IPV6_HLEN : (size_t)TIP_IPV4_HLEN)
              : ip.l4_off;
    err = tip_esp_encap_sa(ctx, sa, buf, NULL, &ip, evs);
    if (err != TIP_OK)
        return err;
    err = tip_output_send(ctx, &src, &dst, sport, dport, hdr, buf);
    if (err != 0) {
        sa = tip_sa_get(ctx, sh, &err);
        tip_drop(ctx, sa, TIP_DROP_SEND);
        return TIP_ERR_PORT;
    }
    return TIP_SENT;
}

int tip_output(tip_ctx_t *ctx, tip_buf_t *buf)
{
    tip_ev_batch_t evs;
    int r;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || buf == NULL || buf->base == NULL || buf->off > buf->cap ||
        buf->len > buf->cap - buf->off)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    evs.n = 0;
    r = tip_output_do(ctx, buf, &evs, NULL);
    /* Events last: the packet is out, the SA as this packet left it. */
    tip_ev_flush(ctx, &evs);
    return r;
}

int tip_output_batch(tip_ctx_t *ctx, tip_buf_t *bufs, unsigned n, int *results)
{
    tip_out_cache_t cache;
    tip_ev_batch_t evs;
    unsigned i;
    int sent = 0;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || (n > 0 && (bufs == NULL || results == NULL)))
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    cache.valid = 0;
    for (i = 0; i < n; i++) {
        tip_buf_t *b = &bufs[i];

        if (b->base == NULL || b->off > b->cap || b->len > b->cap - b->off) {
            results[i] = TIP_ERR_ARG;
            continue;
        }
        evs.n = 0;
        results[i] = tip_output_do(ctx, b, &evs, &cache);
        sent += results[i] == TIP_SENT;
        if (evs.n > 0) {
            /* Events last, per packet as tip_output() raises them; a
             * callback may change the SPD or the SAD. */
            cache.valid = 0;
            tip_ev_flush(ctx, &evs);
        }
    }
    return sent;
}
