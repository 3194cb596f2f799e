/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Traffic selectors (RFC 7296 2.9, 3.13): writing TSi/TSr from a selector
 * and narrowing what the peer proposes to what our connection allows.
 */
#include <string.h>

#include "ike/ike_core.h"
#include "ike/ike_cp.h"

#if TIP_CONF_IKEV2

/* ---- traffic selectors ------------------------------------------------- */

static size_t tip_ike_alen(uint8_t family)
{
    return family == TIP_AF_INET6 ? 16u : 4u;
}

static void tip_ike_ts_from(tip_ike_ts_t *ts, const tip_addr_range_t *r, uint8_t proto,
                            uint16_t lo, uint16_t hi)
{
    memset(ts, 0, sizeof(*ts));
    ts->proto = proto;
    ts->port_lo = lo;
    ts->port_hi = hi;
    ts->addr = *r;
}

void tip_ike_w_ts_pair(tip_ike_w_t *w, const tip_selector_t *sel, int we_initiate)
{
    tip_ike_ts_t l, r;

    tip_ike_ts_from(&l, &sel->local, sel->proto, sel->local_port_lo, sel->local_port_hi);
    tip_ike_ts_from(&r, &sel->remote, sel->proto, sel->remote_port_lo, sel->remote_port_hi);
    tip_ike_w_ts(w, TIP_IKE_PL_TSI, we_initiate ? &l : &r, 1);
    tip_ike_w_ts(w, TIP_IKE_PL_TSR, we_initiate ? &r : &l, 1);
}

static int tip_ike_range_cut(const tip_addr_range_t *a, const tip_addr_range_t *b,
                             tip_addr_range_t *out)
{
    size_t n;

    if (a->lo.family != b->lo.family)
        return 0;
    n = tip_ike_alen(a->lo.family);
    out->lo = memcmp(a->lo.addr, b->lo.addr, n) >= 0 ? a->lo : b->lo;
    out->hi = memcmp(a->hi.addr, b->hi.addr, n) <= 0 ? a->hi : b->hi;
    return memcmp(out->lo.addr, out->hi.addr, n) <= 0;
}

/* Intersect one peer selector with our side: address, protocol, ports. */
static int tip_ike_ts_cut(const tip_ike_ts_t *ts, const tip_addr_range_t *ours, uint8_t our_proto,
                          uint16_t our_lo, uint16_t our_hi, tip_addr_range_t *addr,
                          uint8_t *proto, uint16_t *lo, uint16_t *hi)
{
    if (ts->opaque || !tip_ike_range_cut(&ts->addr, ours, addr))
        return 0;
    if (ts->proto != 0 && our_proto != 0 && ts->proto != our_proto)
        return 0;
    *proto = ts->proto != 0 ? ts->proto : our_proto;
    *lo = ts->port_lo > our_lo ? ts->port_lo : our_lo;
    *hi = ts->port_hi < our_hi ? ts->port_hi : our_hi;
    return *lo <= *hi;
}

int tip_ike_ts_narrow(const tip_selector_t *ours, const tip_ike_msg_t *m, int we_initiated,
                      tip_selector_t *out)
{
    const tip_ike_pl_t *pi = tip_ike_msg_find(m, TIP_IKE_PL_TSI, 0);
    const tip_ike_pl_t *pr = tip_ike_msg_find(m, TIP_IKE_PL_TSR, 0);
    const tip_ike_pl_t *pl_local, *pl_remote;
    size_t pos_l = 0, pos_r;
    tip_ike_ts_t tl, tr;
    int rl, rr;

    if (pi == NULL || pr == NULL || tip_ike_ts_parse(tip_ike_pl_body(m, pi), pi->len, NULL) != TIP_OK ||
        tip_ike_ts_parse(tip_ike_pl_body(m, pr), pr->len, NULL) != TIP_OK)
        return TIP_ERR_MALFORMED;
    /* TSi is the initiator's side of the traffic, TSr the responder's. */
    pl_local = we_initiated ? pi : pr;
    pl_remote = we_initiated ? pr : pi;
    /* RFC 7296 2.9: the responder picks a subset of what is offered; the
     * first pair of selectors that overlaps our policy wins. */
    while ((rl = tip_ike_ts_next(tip_ike_pl_body(m, pl_local), pl_local->len, &pos_l, &tl)) == 1) {
        tip_selector_t s;
        uint8_t pl_proto;
        if (!tip_ike_ts_cut(&tl, &ours->local, ours->proto, ours->local_port_lo,
                            ours->local_port_hi, &s.local, &pl_proto, &s.local_port_lo,
                            &s.local_port_hi))
            continue;
        pos_r = 0;
        while ((rr = tip_ike_ts_next(tip_ike_pl_body(m, pl_remote), pl_remote->len, &pos_r, &tr)) == 1) {
            uint8_t pr_proto;
            if (!tip_ike_ts_cut(&tr, &ours->remote, pl_proto, ours->remote_port_lo,
                                ours->remote_port_hi, &s.remote, &pr_proto, &s.remote_port_lo,
                                &s.remote_port_hi))
                continue;
            s.proto = pr_proto;
            *out = s;
            return TIP_OK;
        }
        if (rr < 0)
            return TIP_ERR_MALFORMED;
    }
    return rl < 0 ? TIP_ERR_MALFORMED : TIP_ERR_POLICY;
}

void tip_ike_conn_ts_at(const tip_ike_conn_slot_t *c, int initiator, unsigned idx,
                        tip_selector_t *out)
{
    const tip_selector_t *base = idx == 0 ? &c->cfg.ts : &c->cfg.ts_more[idx - 1u];

#if TIP_CONF_IKE_CP
    tip_ike_cp_selector(c, initiator, base, out);
#else
    (void)initiator;
    *out = *base;
#endif
}

void tip_ike_conn_ts(const tip_ike_conn_slot_t *c, int initiator, tip_selector_t *out)
{
    tip_ike_conn_ts_at(c, initiator, 0, out);
}

unsigned tip_ike_conn_pairs(const tip_ike_conn_slot_t *c)
{
    return 1u + c->cfg.ts_more_count;
}

int tip_ike_conn_narrow(const tip_ike_conn_slot_t *c, int ike_initiator, const tip_ike_msg_t *m,
                        int we_initiated, tip_selector_t *out, uint8_t *pair)
{
    tip_selector_t ours;
    unsigned i;
    int err = TIP_ERR_POLICY;

    /* RFC 7296 2.9: the responder picks the first of its selector pairs
     * that the proposal meets and narrows to their intersection; none:
     * TS_UNACCEPTABLE. */
    for (i = 0; i < tip_ike_conn_pairs(c); i++) {
        tip_ike_conn_ts_at(c, ike_initiator, i, &ours);
#if TIP_CONF_IKE_CP
        if (!tip_ike_cp_pair_ok(c, ike_initiator, &ours))
            continue; /* 2.19: the peer has no address for this pair */
#endif
        err = tip_ike_ts_narrow(&ours, m, we_initiated, out);
        if (err != TIP_ERR_POLICY)
            break;
    }
    if (pair != NULL)
        *pair = (uint8_t)i;
    return err;
}

#endif /* TIP_CONF_IKEV2 */
