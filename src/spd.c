/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Security Policy Database (RFC 4301 4.4.1): ordered policies per
 * direction, selector matching and the inbound check of decrypted packets.
 */
#include <string.h>

#include "bytes.h"
#include "ip.h"
#include "tip_internal.h"

#define TIP_SPD_IDX(dir) ((dir) == TIP_DIR_OUT ? 1 : 0)

int tip_addr_equal(const tip_addr_t *a, const tip_addr_t *b)
{
    size_t n;

    if (a->family != b->family)
        return 0;
    n = a->family == TIP_AF_INET6 ? 16u : a->family == TIP_AF_INET ? 4u : 0u;
    return memcmp(a->addr, b->addr, n) == 0;
}

static size_t tip_addr_len(uint8_t family)
{
    return family == TIP_AF_INET6 ? 16u : family == TIP_AF_INET ? 4u : 0u;
}

int tip_addr_range_prefix(tip_addr_range_t *r, const tip_addr_t *a, unsigned prefix)
{
    size_t n, i;

    if (r == NULL || a == NULL)
        return TIP_ERR_ARG;
    n = tip_addr_len(a->family);
    if (n == 0 || prefix > n * 8u)
        return TIP_ERR_ARG;
    r->lo = *a;
    r->hi = *a;
    for (i = 0; i < n; i++) {
        unsigned bits = prefix > i * 8u ? prefix - (unsigned)i * 8u : 0u;
        uint8_t mask = bits >= 8u ? 0xFF : (uint8_t)(0xFF00u >> bits);
        r->lo.addr[i] = (uint8_t)(a->addr[i] & mask);
        r->hi.addr[i] = (uint8_t)(a->addr[i] | (uint8_t)~mask);
    }
    return TIP_OK;
}

static int tip_range_match(const tip_addr_range_t *r, const tip_addr_t *a)
{
    size_t n;

    if (r->lo.family == TIP_AF_NONE)
        return 1;
    if (r->lo.family != a->family)
        return 0;
    n = tip_addr_len(a->family);
    return memcmp(a->addr, r->lo.addr, n) >= 0 && memcmp(a->addr, r->hi.addr, n) <= 0;
}

/* RFC 4301 4.4.1.1: a value the packet does not carry is OPAQUE and
 * matches only ANY (the whole range); a selector that asks about the field
 * does not match it, one that does not ask is not bothered by it. */
static int tip_port_match(uint16_t lo, uint16_t hi, uint16_t v, int opaque)
{
    if (opaque)
        return lo == 0 && hi == 0xFFFFu;
    return v >= lo && v <= hi;
}

int tip_selector_match(const tip_selector_t *sel, const tip_flow_t *flow)
{
    if (!tip_range_match(&sel->local, &flow->local) ||
        !tip_range_match(&sel->remote, &flow->remote))
        return 0;
    if (sel->proto != 0 && sel->proto != flow->proto)
        return 0;
    return tip_port_match(sel->local_port_lo, sel->local_port_hi, flow->local_port,
                          (flow->opaque & TIP_FLOW_OPAQUE_LOCAL_PORT) != 0) &&
           tip_port_match(sel->remote_port_lo, sel->remote_port_hi, flow->remote_port,
                          (flow->opaque & TIP_FLOW_OPAQUE_REMOTE_PORT) != 0);
}

int tip_flow_from_packet(const uint8_t *pkt, size_t len, tip_dir_t dir, tip_flow_t *out)
{
    tip_ip_info_t ip;
    int err;

    if (out == NULL)
        return TIP_ERR_ARG;
    err = tip_ip_parse(pkt, len, &ip);
    if (err != TIP_OK)
        return err;
    return tip_flow_from_ip(pkt, &ip, dir, out);
}

int tip_flow_from_ip(const uint8_t *pkt, const struct tip_ip_info_s *ipi, tip_dir_t dir,
                     tip_flow_t *out)
{
    const tip_ip_info_t ip = *ipi;
    const uint8_t *l4 = pkt + ip.l4_off;
    size_t l4_len = ip.total_len - ip.l4_off;
    uint16_t sport = 0, dport = 0;
    unsigned sopaque = 0, dopaque = 0;

    /* A non-first fragment carries no upper-layer header (RFC 4301 7), and
     * a header may be cut short: the fields it lacks are OPAQUE, never a
     * reason to call the packet malformed (only selectors that ask about
     * them can refuse it). */
    if (ip.nonfirst_frag)
        l4_len = 0;
    switch (ip.proto) {
    case TIP_IPPROTO_TCP:
    case TIP_IPPROTO_UDP:
    case TIP_IPPROTO_SCTP:
        if (l4_len < 4) {
            sopaque = dopaque = 1;
            break;
        }
        sport = tip_load_be16(l4);
        dport = tip_load_be16(l4 + 2);
        break;
    case TIP_IPPROTO_ICMP:
    case TIP_IPPROTO_ICMPV6:
        /* RFC 7296 3.13.1 encoding: type in the high byte, code low,
         * standing where the source port would be; the other port is 0. */
        if (l4_len < 2) {
            sopaque = 1;
            break;
        }
        sport = tip_load_be16(l4);
        break;
    default:
        break;
    }
    out->proto = ip.proto;
    if (dir == TIP_DIR_OUT) {
        out->local = ip.src;
        out->remote = ip.dst;
        out->local_port = sport;
        out->remote_port = dport;
        out->opaque = (uint8_t)((sopaque ? TIP_FLOW_OPAQUE_LOCAL_PORT : 0u) |
                                (dopaque ? TIP_FLOW_OPAQUE_REMOTE_PORT : 0u));
    } else {
        out->local = ip.dst;
        out->remote = ip.src;
        out->local_port = dport;
        out->remote_port = sport;
        out->opaque = (uint8_t)((dopaque ? TIP_FLOW_OPAQUE_LOCAL_PORT : 0u) |
                                (sopaque ? TIP_FLOW_OPAQUE_REMOTE_PORT : 0u));
    }
    return TIP_OK;
}

static int tip_range_valid(const tip_addr_range_t *r)
{
    size_t n;

    if (r->lo.family == TIP_AF_NONE)
        return r->hi.family == TIP_AF_NONE;
    if (r->lo.family != r->hi.family)
        return 0;
    n = tip_addr_len(r->lo.family);
    if (n == 0)
        return 0;
#if !TIP_CONF_IPV6
    if (r->lo.family == TIP_AF_INET6)
        return 0;
#endif
    return memcmp(r->lo.addr, r->hi.addr, n) <= 0;
}

static int tip_policy_valid(const tip_policy_t *p)
{
    const tip_selector_t *s = &p->sel;

    if (p->dir != TIP_DIR_IN && p->dir != TIP_DIR_OUT)
        return 0;
    if (!tip_range_valid(&s->local) || !tip_range_valid(&s->remote))
        return 0;
    if (s->local_port_lo > s->local_port_hi || s->remote_port_lo > s->remote_port_hi)
        return 0;
    switch (p->action) {
    case TIP_ACTION_DISCARD:
    case TIP_ACTION_BYPASS:
        return 1;
    case TIP_ACTION_PROTECT:
        if (p->mode == TIP_MODE_TRANSPORT)
            return 1;
        if (p->mode != TIP_MODE_TUNNEL)
            return 0;
        return tip_addr_len(p->tunnel_local.family) != 0 &&
               p->tunnel_local.family == p->tunnel_remote.family;
    default:
        return 0;
    }
}

int tip_spd_add(tip_ctx_t *ctx, const tip_policy_t *pol, tip_spd_pos_t pos, tip_handle_t *out)
{
    unsigned i;
    tip_policy_slot_t *ps = NULL;
    uint16_t *head;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || pol == NULL || !tip_policy_valid(pol))
        return TIP_ERR_ARG;
    for (i = 0; i < TIP_MAX_POLICIES; i++) {
        if (!ctx->spd[i].in_use) {
            ps = &ctx->spd[i];
            break;
        }
    }
    if (ps == NULL)
        return TIP_ERR_FULL;
    ps->in_use = 1;
    ps->pol = *pol;
    ps->sa = 0;
    ps->next = 0;
    head = &ctx->spd_head[TIP_SPD_IDX(pol->dir)];
    if (pos == TIP_SPD_PREPEND || *head == 0) {
        ps->next = pos == TIP_SPD_PREPEND ? *head : 0;
        *head = (uint16_t)(i + 1u);
    } else {
        uint16_t cur = *head;
        while (ctx->spd[cur - 1u].next != 0)
            cur = ctx->spd[cur - 1u].next;
        ctx->spd[cur - 1u].next = (uint16_t)(i + 1u);
    }
    if (out != NULL)
        *out = tip_handle_make(i, ps->gen);
    return TIP_OK;
}

static tip_policy_slot_t *tip_spd_slot(const tip_ctx_t *ctx, tip_handle_t h, int *err)
{
    unsigned idx = tip_handle_idx(h);
    const tip_policy_slot_t *ps;

    if (h == 0 || idx >= TIP_MAX_POLICIES) {
        *err = TIP_ERR_NOT_FOUND;
        return NULL;
    }
    ps = &ctx->spd[idx];
    if (!ps->in_use || ps->gen != tip_handle_gen(h)) {
        *err = TIP_ERR_STALE;
        return NULL;
    }
    *err = TIP_OK;
    return (tip_policy_slot_t *)ps;
}

int tip_spd_del(tip_ctx_t *ctx, tip_handle_t h)
{
    int err = TIP_ERR_INTERNAL;
    tip_policy_slot_t *ps;
    uint16_t *link;
    uint16_t me;

    TIP_ASSERT_CORE_LOCKED(ctx);
    ps = tip_spd_slot(ctx, h, &err);
    if (ps == NULL)
        return err;
    me = (uint16_t)(tip_handle_idx(h) + 1u);
    link = &ctx->spd_head[TIP_SPD_IDX(ps->pol.dir)];
    while (*link != 0 && *link != me)
        link = &ctx->spd[*link - 1u].next;
    if (*link == me)
        *link = ps->next;
    {
        uint16_t gen = ps->gen;
        memset(ps, 0, sizeof(*ps));
        ps->gen = (uint16_t)(gen + 1u);
    }
    return TIP_OK;
}

void tip_spd_flush(tip_ctx_t *ctx)
{
    unsigned i;

    TIP_ASSERT_CORE_LOCKED(ctx);
    for (i = 0; i < TIP_MAX_POLICIES; i++) {
        if (ctx->spd[i].in_use)
            (void)tip_spd_del(ctx, tip_handle_make(i, ctx->spd[i].gen));
    }
    ctx->spd_head[0] = 0;
    ctx->spd_head[1] = 0;
}

int tip_spd_get(const tip_ctx_t *ctx, tip_handle_t h, tip_policy_t *out)
{
    int err = TIP_ERR_INTERNAL;
    const tip_policy_slot_t *ps;

    TIP_ASSERT_CORE_LOCKED(ctx);
    ps = tip_spd_slot(ctx, h, &err);
    if (ps == NULL)
        return err;
    *out = ps->pol;
    return TIP_OK;
}

int tip_spd_set_tunnel(tip_ctx_t *ctx, tip_handle_t h, const tip_addr_t *local,
                       const tip_addr_t *remote)
{
    int err = TIP_ERR_INTERNAL;
    tip_policy_slot_t *ps;

    TIP_ASSERT_CORE_LOCKED(ctx);
    ps = tip_spd_slot(ctx, h, &err);
    if (ps == NULL)
        return err;
    if (ps->pol.action == TIP_ACTION_PROTECT && ps->pol.mode == TIP_MODE_TUNNEL) {
        ps->pol.tunnel_local = *local;
        ps->pol.tunnel_remote = *remote;
    }
    return TIP_OK;
}

int tip_spd_bind_sa(tip_ctx_t *ctx, tip_handle_t pol, tip_handle_t sa)
{
    int err = TIP_ERR_INTERNAL;
    tip_policy_slot_t *ps;
    tip_sa_t *s;

    TIP_ASSERT_CORE_LOCKED(ctx);
    ps = tip_spd_slot(ctx, pol, &err);
    if (ps == NULL)
        return err;
    if (ps->pol.action != TIP_ACTION_PROTECT || ps->pol.dir != TIP_DIR_OUT)
        return TIP_ERR_ARG;
    s = tip_sa_get(ctx, sa, &err);
    if (s == NULL)
        return err;
    if (s->dir != TIP_DIR_OUT || s->mode != ps->pol.mode)
        return TIP_ERR_ARG;
    ps->sa = sa;
    return TIP_OK;
}

int tip_spd_lookup(const tip_ctx_t *ctx, tip_dir_t dir, const tip_flow_t *flow,
                   tip_handle_t *out)
{
    uint16_t cur;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (dir != TIP_DIR_IN && dir != TIP_DIR_OUT)
        return TIP_ERR_ARG;
    /* RFC 4301 4.4.1: the SPD is ordered; the first match decides. */
    for (cur = ctx->spd_head[TIP_SPD_IDX(dir)]; cur != 0; cur = ctx->spd[cur - 1u].next) {
        const tip_policy_slot_t *ps = &ctx->spd[cur - 1u];
        if (tip_selector_match(&ps->pol.sel, flow)) {
            if (out != NULL)
                *out = tip_handle_make(cur - 1u, ps->gen);
            return TIP_OK;
        }
    }
    return TIP_ERR_NOT_FOUND;
}

/* Does inbound PROTECT policy @p p describe what SA @p sa carries? */
static int tip_policy_fits_sa(const tip_policy_t *p, const tip_sa_t *sa)
{
    if (p->action != TIP_ACTION_PROTECT || p->mode != sa->mode)
        return 0;
    if (p->reqid != 0 && sa->reqid != 0 && p->reqid != sa->reqid)
        return 0;
    if (p->mode == TIP_MODE_TUNNEL)
        return tip_addr_equal(&p->tunnel_remote, &sa->src) &&
               tip_addr_equal(&p->tunnel_local, &sa->dst);
    return 1;
}

int tip_spd_check_inbound_sa(const tip_ctx_t *ctx, const tip_sa_t *sa, const tip_flow_t *flow)
{
    uint16_t cur;

    /* RFC 4301 5.2 step 4: a decrypted packet must match the selectors of
     * the SA it arrived on: the negotiated ones, or else the first inbound
     * policy that matches the packet, which must be a PROTECT policy of
     * this SA's kind. In transport mode the packet's own addresses are the
     * SA's endpoints (the SA protects traffic between exactly these two
     * hosts), whatever the selectors allow: otherwise a peer could use its
     * own SA to pass packets off as another peer's. Tunnel mode binds the
     * inner addresses to the SA through the policy's tunnel endpoints or
     * the SA's selectors. */
    if (sa->mode == TIP_MODE_TRANSPORT &&
        (!tip_addr_equal(&flow->remote, &sa->src) || !tip_addr_equal(&flow->local, &sa->dst)))
        return TIP_ERR_POLICY;
    if (sa->has_sel)
        return tip_selector_match(&sa->sel, flow) ? TIP_OK : TIP_ERR_POLICY;
    for (cur = ctx->spd_head[TIP_SPD_IDX(TIP_DIR_IN)]; cur != 0; cur = ctx->spd[cur - 1u].next) {
        const tip_policy_slot_t *ps = &ctx->spd[cur - 1u];
        if (tip_selector_match(&ps->pol.sel, flow))
            return tip_policy_fits_sa(&ps->pol, sa) ? TIP_OK : TIP_ERR_POLICY;
    }
    return TIP_ERR_POLICY;
}
