/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Virtual addresses (RFC 7296 2.19, 3.15): the initiator asks for an inner
 * address and DNS servers with CP(CFG_REQUEST) in IKE_AUTH and uses the
 * address it gets as its side of the CHILD SA's selectors; the responder
 * answers with CP(CFG_REPLY) from an address pool (ike_pool.c) and narrows
 * the peer's side to that address.
 */
#include <string.h>

#include "ike/ike_cp.h"

#if TIP_CONF_IKEV2 && TIP_CONF_IKE_CP

/* ---- codec ------------------------------------------------------------------ */

#define TIP_CP_IP6_ADDR_LEN 17u /* address + prefix length (3.15.1) */

/* An address a peer may be given or pointed at: not unspecified, not multicast. */
static int tip_ike_cp_usable(const uint8_t *a, uint8_t family)
{
    static const uint8_t zero[16] = {0};

    if (family == TIP_AF_INET)
        return memcmp(a, zero, 4) != 0 && a[0] < 224u;
    return memcmp(a, zero, 16) != 0 && a[0] != 0xFFu;
}

static void tip_ike_cp_addr(tip_addr_t *out, const uint8_t *a, uint8_t family)
{
    memset(out, 0, sizeof(*out));
    out->family = family;
    memcpy(out->addr, a, family == TIP_AF_INET ? 4u : 16u);
}

int tip_ike_cp_has_addr(const tip_ike_vip_t *vip)
{
    return vip->ip4.family != TIP_AF_NONE || vip->ip6.family != TIP_AF_NONE;
}

int tip_ike_cp_read_reply(const uint8_t *body, size_t len, tip_ike_vip_t *out)
{
    tip_ike_cp_t cp;
    tip_ike_cp_attr_t a;
    size_t pos = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    /* The whole attribute list is checked before any value is taken. */
    if (tip_ike_cp_parse(body, len, &cp) != TIP_OK)
        return TIP_ERR_MALFORMED;
    if (cp.type != TIP_IKE_CFG_REPLY)
        return TIP_ERR_POLICY;
    while ((rc = tip_ike_cp_attr_next(&cp, &pos, &a)) == 1) {
        switch (a.type) {
        case TIP_IKE_CFG_INTERNAL_IP4_ADDRESS:
            if (a.len == 4u && out->ip4.family == TIP_AF_NONE &&
                tip_ike_cp_usable(a.value, TIP_AF_INET))
                tip_ike_cp_addr(&out->ip4, a.value, TIP_AF_INET);
            break;
        case TIP_IKE_CFG_INTERNAL_IP6_ADDRESS:
            if (a.len == TIP_CP_IP6_ADDR_LEN && out->ip6.family == TIP_AF_NONE &&
                a.value[16] <= 128u && tip_ike_cp_usable(a.value, TIP_AF_INET6)) {
                tip_ike_cp_addr(&out->ip6, a.value, TIP_AF_INET6);
                out->ip6_prefix = a.value[16];
            }
            break;
        case TIP_IKE_CFG_INTERNAL_IP4_DNS:
        case TIP_IKE_CFG_INTERNAL_IP6_DNS: {
            uint8_t family = a.type == TIP_IKE_CFG_INTERNAL_IP4_DNS ? TIP_AF_INET : TIP_AF_INET6;
            if (a.len == (family == TIP_AF_INET ? 4u : 16u) && out->dns_count < TIP_IKE_CP_DNS_MAX &&
                tip_ike_cp_usable(a.value, family))
                tip_ike_cp_addr(&out->dns[out->dns_count++], a.value, family);
            break;
        }
        default:
            break; /* 3.15.1: attributes we did not ask for are ignored */
        }
    }
    return rc == 0 ? TIP_OK : TIP_ERR_MALFORMED;
}

int tip_ike_cp_read_request(const uint8_t *body, size_t len, uint8_t *want)
{
    tip_ike_cp_t cp;
    tip_ike_cp_attr_t a;
    size_t pos = 0;
    int rc;

    *want = 0;
    if (tip_ike_cp_parse(body, len, &cp) != TIP_OK)
        return TIP_ERR_MALFORMED;
    if (cp.type != TIP_IKE_CFG_REQUEST)
        return TIP_ERR_POLICY;
    while ((rc = tip_ike_cp_attr_next(&cp, &pos, &a)) == 1) {
        if (a.type == TIP_IKE_CFG_INTERNAL_IP4_ADDRESS && (a.len == 0u || a.len == 4u))
            *want |= TIP_IKE_VIP_IP4;
        else if (a.type == TIP_IKE_CFG_INTERNAL_IP6_ADDRESS &&
                 (a.len == 0u || a.len == TIP_CP_IP6_ADDR_LEN))
            *want |= TIP_IKE_VIP_IP6;
        else if (a.type == TIP_IKE_CFG_INTERNAL_IP4_DNS || a.type == TIP_IKE_CFG_INTERNAL_IP6_DNS)
            *want |= TIP_IKE_VIP_DNS;
    }
    if (rc != 0)
        *want = 0;
    return rc == 0 ? TIP_OK : TIP_ERR_MALFORMED;
}

void tip_ike_cp_w_request(tip_ike_w_t *w, uint8_t flags, const tip_ike_vip_t *hint)
{
    tip_ike_cp_attr_t at[4];
    uint8_t ip6[TIP_CP_IP6_ADDR_LEN];
    size_t n = 0;

    memset(at, 0, sizeof(at));
    if (flags & TIP_IKE_VIP_IP4) {
        at[n].type = TIP_IKE_CFG_INTERNAL_IP4_ADDRESS;
        /* 3.15.1: the address had before may be asked for again. */
        if (hint != NULL && hint->ip4.family == TIP_AF_INET) {
            at[n].value = hint->ip4.addr;
            at[n].len = 4;
        }
        n++;
        if (flags & TIP_IKE_VIP_DNS)
            at[n++].type = TIP_IKE_CFG_INTERNAL_IP4_DNS;
    }
    if (flags & TIP_IKE_VIP_IP6) {
        at[n].type = TIP_IKE_CFG_INTERNAL_IP6_ADDRESS;
        if (hint != NULL && hint->ip6.family == TIP_AF_INET6) {
            memcpy(ip6, hint->ip6.addr, 16);
            ip6[16] = hint->ip6_prefix;
            at[n].value = ip6;
            at[n].len = TIP_CP_IP6_ADDR_LEN;
        }
        n++;
        if (flags & TIP_IKE_VIP_DNS)
            at[n++].type = TIP_IKE_CFG_INTERNAL_IP6_DNS;
    }
    tip_ike_w_cp(w, TIP_IKE_CFG_REQUEST, at, n);
}

void tip_ike_cp_w_reply(tip_ike_w_t *w, const tip_ike_vip_t *vip, int with_dns)
{
    tip_ike_cp_attr_t at[2 + TIP_IKE_CP_DNS_MAX];
    uint8_t ip6[TIP_CP_IP6_ADDR_LEN];
    size_t n = 0;
    unsigned i;

    memset(at, 0, sizeof(at));
    if (vip->ip4.family == TIP_AF_INET) {
        at[n].type = TIP_IKE_CFG_INTERNAL_IP4_ADDRESS;
        at[n].value = vip->ip4.addr;
        at[n++].len = 4;
    }
    if (vip->ip6.family == TIP_AF_INET6) {
        memcpy(ip6, vip->ip6.addr, 16);
        ip6[16] = vip->ip6_prefix;
        at[n].type = TIP_IKE_CFG_INTERNAL_IP6_ADDRESS;
        at[n].value = ip6;
        at[n++].len = TIP_CP_IP6_ADDR_LEN;
    }
    for (i = 0; with_dns && i < vip->dns_count && i < TIP_IKE_CP_DNS_MAX; i++) {
        int v4 = vip->dns[i].family == TIP_AF_INET;
        at[n].type = v4 ? TIP_IKE_CFG_INTERNAL_IP4_DNS : TIP_IKE_CFG_INTERNAL_IP6_DNS;
        at[n].value = vip->dns[i].addr;
        at[n++].len = v4 ? 4u : 16u;
    }
    tip_ike_w_cp(w, TIP_IKE_CFG_REPLY, at, n);
}

/* ---- engine ----------------------------------------------------------------- */

void tip_ike_cp_selector(const tip_ike_conn_slot_t *c, int initiator, const tip_selector_t *base,
                         tip_selector_t *out)
{
    tip_addr_range_t *side;
    const tip_addr_t *a;

    *out = *base;
    if (!c->vip_valid)
        return;
    side = initiator ? &out->local : &out->remote;
    a = side->lo.family == TIP_AF_INET6 ? &c->vip.ip6 : &c->vip.ip4;
    /* RFC 7296 2.19: the assigned address is this side's traffic. */
    if (a->family != TIP_AF_NONE && a->family == side->lo.family)
        side->lo = side->hi = *a;
}

int tip_ike_cp_pair_ok(const tip_ike_conn_slot_t *c, int initiator, const tip_selector_t *sel)
{
    const tip_addr_t *a;

    if (initiator || c->cfg.vip_pool == 0)
        return 1;
    /* RFC 7296 2.19: a pool connection's peer sends only from the address
     * it was given; without one of the pair's family, no CHILD SA. */
    if (!c->vip_valid)
        return 0;
    a = sel->remote.lo.family == TIP_AF_INET6 ? &c->vip.ip6 : &c->vip.ip4;
    return a->family == sel->remote.lo.family;
}

int tip_ike_cp_take_reply(tip_ike_conn_slot_t *c, const tip_ike_msg_t *in)
{
    const tip_ike_pl_t *pl = tip_ike_msg_find(in, TIP_IKE_PL_CP, 0);
    tip_ike_vip_t got;
    uint8_t family = c->cfg.ts.local.lo.family;

    c->vip_valid = 0;
    if (pl == NULL || tip_ike_cp_read_reply(tip_ike_pl_body(in, pl), pl->len, &got) != TIP_OK)
        return 0;
    /* Only what was asked for. */
    if (!(c->cfg.vip_request & TIP_IKE_VIP_IP4))
        memset(&got.ip4, 0, sizeof(got.ip4));
    if (!(c->cfg.vip_request & TIP_IKE_VIP_IP6)) {
        memset(&got.ip6, 0, sizeof(got.ip6));
        got.ip6_prefix = 0;
    }
    if (!tip_ike_cp_has_addr(&got))
        return 0;
    c->vip = got;
    c->vip_valid = 1;
    return (family == TIP_AF_INET6 ? got.ip6.family : got.ip4.family) == family;
}

#if TIP_CONF_IKE_RESPONDER
uint16_t tip_ike_cp_assign(tip_ctx_t *ctx, tip_ike_conn_slot_t *c, const tip_ike_msg_t *in,
                           int *send_reply, int *with_dns)
{
    const tip_ike_pl_t *pl = tip_ike_msg_find(in, TIP_IKE_PL_CP, 0);
    tip_ike_pool_t *pool = tip_ike_pool_get(ctx, c->cfg.vip_pool);
    tip_ike_vip_t vip;
    tip_addr_t a;
    uint8_t want = 0, family;
    unsigned i;

    *send_reply = 0;
    *with_dns = 0;
    if (pl != NULL)
        (void)tip_ike_cp_read_request(tip_ike_pl_body(in, pl), pl->len, &want);
    if (c->cfg.vip_pool == 0)
        return 0; /* 3.15: a request we do not serve is simply not answered */
    if (pool == NULL)
        return TIP_IKE_N_INTERNAL_ADDRESS_FAILURE; /* the pool was never added */
    /* 3.10.1: the peer's side comes from the pool or there is no CHILD SA. */
    if (pl == NULL || (want & (TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6)) == 0)
        return TIP_IKE_N_FAILED_CP_REQUIRED;
    family = pool->cfg.start.family;
    if (!(want & (family == TIP_AF_INET ? TIP_IKE_VIP_IP4 : TIP_IKE_VIP_IP6)))
        return TIP_IKE_N_INTERNAL_ADDRESS_FAILURE;
    /* 3.15.4: no address left, no CHILD SA. */
    if (tip_ike_pool_lease(pool, &c->cfg.remote_id, tip_ike_conn_handle(ctx, c), &a) != TIP_OK) {
        pool->refused++;
        return TIP_IKE_N_INTERNAL_ADDRESS_FAILURE;
    }
    memset(&vip, 0, sizeof(vip));
    if (family == TIP_AF_INET) {
        vip.ip4 = a;
    } else {
        vip.ip6 = a;
        vip.ip6_prefix = 128;
    }
    for (i = 0; i < pool->cfg.dns_count && i < TIP_IKE_CP_DNS_MAX; i++)
        vip.dns[vip.dns_count++] = pool->cfg.dns[i];
    c->vip = vip;
    c->vip_valid = 1;
    *send_reply = 1;
    *with_dns = (want & TIP_IKE_VIP_DNS) != 0;
    return 0;
}
#endif

void tip_ike_cp_release(tip_ctx_t *ctx, tip_ike_conn_slot_t *c)
{
#if TIP_CONF_IKE_RESPONDER
    tip_ike_pool_release(ctx, tip_ike_conn_handle(ctx, c));
#else
    (void)ctx;
#endif
    c->vip_valid = 0;
}

void tip_ike_cp_raise(tip_ctx_t *ctx, tip_handle_t conn, const tip_ike_vip_t *vip)
{
    tip_ike_vip_t copy = *vip; /* the callback may change the connection */
    tip_event_t ev;
    int err;

    if (conn == 0 || tip_ike_conn_get(ctx, conn, &err) == NULL)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.type = TIP_EV_VIRTUAL_IP;
    ev.conn = conn;
    ev.vip = &copy;
    tip_event_deliver(ctx, &ev);
}

#endif /* TIP_CONF_IKEV2 && TIP_CONF_IKE_CP */

/* ---- public API ------------------------------------------------------------- */

#if TIP_CONF_IKEV2
int tip_ike_vip_get(const tip_ctx_t *ctx, tip_handle_t conn, tip_ike_vip_t *out)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
#if TIP_CONF_IKE_CP
    int err = TIP_ERR_INTERNAL;
    const tip_ike_conn_slot_t *c;

    if (ctx == NULL || out == NULL)
        return TIP_ERR_ARG;
    c = tip_ike_conn_get((tip_ctx_t *)ctx, conn, &err);
    if (c == NULL)
        return err;
    if (!c->vip_valid)
        return TIP_ERR_NO_SA;
    *out = c->vip;
    return TIP_OK;
#else
    (void)ctx;
    (void)conn;
    (void)out;
    return TIP_ERR_UNSUPPORTED;
#endif
}
#endif /* TIP_CONF_IKEV2 */
