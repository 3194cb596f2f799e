/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * New CHILD SAs over an established IKE SA (RFC 7296 1.3.1): the CHILD SA
 * table's entries that wait to be created (a connection's further selector
 * pairs, acquires of the data path), CREATE_CHILD_SA without REKEY_SA as
 * initiator and as responder, and narrowing against all of a connection's
 * selector pairs (2.9). Rekeys of CHILD SAs are in ike_child.c.
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

/* A create that failed this many times in a row for an acquire is given up
 * (the entry freed: the next packet asks again); a configured pair keeps
 * trying, with back-off. */
#define TIP_IKE_ACQUIRE_TRIES 5u

/* ---- entries that wait to be created ------------------------------------- */

/* Entry @p idx of @p sa waits to be created for @p sel from now on. */
static void tip_ike_child_want(tip_ctx_t *ctx, tip_ike_sa_t *sa, unsigned idx,
                               const tip_selector_t *sel, uint8_t ts_idx, tip_handle_t pol)
{
    tip_ike_child_t *ch = &sa->child[idx];

    memset(ch, 0, sizeof(*ch));
    ch->sel = *sel;
    ch->ts_idx = ts_idx;
    ch->create = TIP_IKE_CREATE_DUE;
    ch->rekey_at_ms = ctx->now_ms;
    if (pol != 0) {
        ch->pol_out = pol;
        ch->app_pol = 1;
    }
}

void tip_ike_child_want_pairs(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    unsigned i, k;

    /* The initiator of the IKE SA creates the connection's further pairs
     * (the responder only answers, so no pair is made twice). */
    if (c == NULL || !sa->initiator)
        return;
    /* Entry 0 is IKE_AUTH's; tip_ike_conn_add() keeps the pairs within
     * the table. */
    for (i = 1, k = 1; i < tip_ike_conn_pairs(c); i++) {
        tip_selector_t sel;
        while (k < TIP_IKE_CHILD_MAX && tip_ike_child_used(&sa->child[k]))
            k++;
        if (k >= TIP_IKE_CHILD_MAX)
            return;
        tip_ike_conn_ts_at(c, 1, i, &sel);
        tip_ike_child_want(ctx, sa, k, &sel, (uint8_t)i, 0);
    }
}

/*
 * RFC 4301 5.2 / RFC 7296 2.9: a PROTECT policy without an SA (an acquire).
 * It belongs to the connection whose IKE SA peer is the policy's tunnel
 * peer (tunnel mode) or whose peer address lies in the policy's remote
 * selector (transport mode), and whose selector pairs hold the policy's
 * selectors (one pair contains both sides). With the IKE SA established
 * its CHILD SA is negotiated for the policy's selectors and bound to the
 * policy; without one, the IKE SA is started (its first CHILD SA is the
 * connection's `ts`).
 */
static int tip_ike_range_within(const tip_addr_range_t *in, const tip_addr_range_t *of)
{
    size_t n = in->lo.family == TIP_AF_INET6 ? 16u : 4u;

    return in->lo.family == of->lo.family && memcmp(in->lo.addr, of->lo.addr, n) >= 0 &&
           memcmp(in->hi.addr, of->hi.addr, n) <= 0;
}

static int tip_ike_sel_within(const tip_selector_t *in, const tip_selector_t *of)
{
    return tip_ike_range_within(&in->local, &of->local) &&
           tip_ike_range_within(&in->remote, &of->remote) &&
           (of->proto == 0 || in->proto == of->proto) && in->local_port_lo >= of->local_port_lo &&
           in->local_port_hi <= of->local_port_hi && in->remote_port_lo >= of->remote_port_lo &&
           in->remote_port_hi <= of->remote_port_hi;
}

/* What tip_ike_conn_holds() found. */
enum {
    TIP_IKE_HOLDS_NO = 0,  /* none of the connection's pairs */
    TIP_IKE_HOLDS_YES,     /* a pair as the IKE SA negotiates it */
    TIP_IKE_HOLDS_OUTSIDE  /* a configured pair, but not the address assigned */
};

/*
 * Whether connection @p c, with its current IKE SA @p sa (NULL: none),
 * holds @p pol. RFC 7296 2.19: once a virtual address is assigned, a pair
 * is what the IKE SA negotiates, its side narrowed to that address
 * (tip_ike_conn_ts_at()); a policy outside it is one the peer refuses.
 */
static int tip_ike_conn_holds(const tip_ike_conn_slot_t *c, const tip_ike_sa_t *sa,
                              const tip_policy_t *pol)
{
    int ike_initiator = sa != NULL ? sa->auth_initiator : 1;
    int found = TIP_IKE_HOLDS_NO;
    unsigned i;

    if (pol->mode != c->cfg.mode)
        return TIP_IKE_HOLDS_NO;
    if (pol->mode == TIP_MODE_TUNNEL && pol->tunnel_remote.family != TIP_AF_NONE &&
        !tip_addr_equal(&pol->tunnel_remote, &c->cfg.remote_addr))
        return TIP_IKE_HOLDS_NO;
    for (i = 0; i < tip_ike_conn_pairs(c); i++) {
        const tip_selector_t *s = i == 0 ? &c->cfg.ts : &c->cfg.ts_more[i - 1u];
        tip_selector_t now;
        if (!tip_ike_sel_within(&pol->sel, s))
            continue;
        tip_ike_conn_ts_at(c, ike_initiator, i, &now);
        if (sa != NULL && tip_ike_sel_within(&pol->sel, &now))
            return TIP_IKE_HOLDS_YES;
        found = sa != NULL ? TIP_IKE_HOLDS_OUTSIDE : TIP_IKE_HOLDS_YES;
    }
    return found;
}

void tip_ike_child_acquire(tip_ctx_t *ctx, tip_handle_t policy)
{
    tip_policy_t pol;
    tip_handle_t outside = 0;
    unsigned i, k;

    if (tip_spd_get(ctx, policy, &pol) != TIP_OK || pol.action != TIP_ACTION_PROTECT ||
        pol.dir != TIP_DIR_OUT)
        return;
    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        tip_ike_conn_slot_t *c = &ctx->ike.conn[i];
        tip_ike_sa_t *sa;
        int idx, holds;
        if (!c->in_use || c->cfg.remote_addr.family == TIP_AF_NONE)
            continue;
        sa = tip_ike_conn_cur(ctx, c);
        holds = tip_ike_conn_holds(c, sa, &pol);
        if (holds == TIP_IKE_HOLDS_NO)
            continue;
        if (holds == TIP_IKE_HOLDS_OUTSIDE && sa != NULL && sa->state == TIP_IKE_S_ESTABLISHED) {
            if (outside == 0)
                outside = tip_ike_conn_handle(ctx, c);
            continue; /* another connection may hold it */
        }
        if (sa == NULL) {
            (void)tip_ike_initiate(ctx, tip_ike_conn_handle(ctx, c));
            return;
        }
        if (sa->state != TIP_IKE_S_ESTABLISHED)
            return; /* being set up: its CHILD SAs come with it */
        /* One negotiation per policy: an entry bound to it (waiting, in
         * flight or up) is enough; an SA of it may just have expired. */
        for (k = 0; k < TIP_IKE_CHILD_MAX; k++) {
            if (sa->child[k].pol_out == policy &&
                (sa->child[k].create != TIP_IKE_CREATE_NONE || sa->child[k].sa_in != 0))
                return;
        }
        idx = tip_ike_child_free_idx(sa);
        if (idx < 0) {
            tip_log(ctx, TIP_LOG_INFO, "ike: acquire: CHILD SA table full");
            return;
        }
        tip_ike_child_want(ctx, sa, (unsigned)idx, &pol.sel, TIP_IKE_TS_NONE, policy);
        (void)tip_ike_child_create_start(ctx, sa, (unsigned)idx); /* else from the timer */
        return;
    }
    if (outside != 0) {
        /* 2.19: the peer accepts only the address it assigned; a policy
         * beyond it is refused here, not by the peer's TS_UNACCEPTABLE. */
        tip_log(ctx, TIP_LOG_WARN, "ike: acquire: policy outside the assigned virtual address");
        tip_ike_raise_policy(ctx, outside, TIP_EV_PROPOSAL_MISMATCH, TIP_ERR_POLICY, policy);
    }
}

/* ---- initiator ----------------------------------------------------------- */

int tip_ike_child_create_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, unsigned idx)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_ike_child_t *ch = &sa->child[idx];
    tip_dh_group_t g;
    tip_ike_ke_room_t ke;
    size_t publen = 0, len;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    int err;

    if (c == NULL || sa->state != TIP_IKE_S_ESTABLISHED || sa->req_outstanding ||
        ch->create != TIP_IKE_CREATE_DUE)
        return TIP_ERR_NO_SA;
    if (tip_ike_buf_take(ctx, &sa->req_buf) == NULL)
        return TIP_ERR_FULL; /* message pool empty: nothing changed, retried later */
    memset(&sa->pend, 0, sizeof(sa->pend));
    sa->pend.new_spi_in = tip_ike_new_spi(ctx);
    sa->pend.child_idx = (uint8_t)idx;
    /* 1.3.1: PFS with the group of our first proposal (the proposals of
     * other groups are left out: one KE payload). */
    g = c->cfg.child[0].pfs;
    /* our KE data at the end of the request's buffer */
    err = tip_ike_ke_room(ctx, sa->req_buf, g, &ke);
    if (err == TIP_OK)
        err = tip_ike_random(ctx, sa->pend.nonce, TIP_IKE_NONCE_LEN);
    if (err == TIP_OK && g != TIP_DH_NONE) {
        publen = tip_crypto_dh_pub_len(g);
        tip_crypto_dh_free(&sa->dh);
        err = tip_crypto_dh_generate(&sa->dh, g, ctx->port.random, ctx->port.arg, ke.pub,
                                     publen);
    }
    if (err != TIP_OK) {
        tip_ike_buf_release(ctx, &sa->req_buf);
        return err;
    }
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_CREATE_CHILD_SA, &h);
    tip_ike_w_init(&w, ke.msg, ke.cap);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    if (c->cfg.mode == TIP_MODE_TRANSPORT)
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
    tip_ike_w_sa_child(&w, &c->cfg, sa->pend.new_spi_in, g != TIP_DH_NONE, g);
    tip_ike_w_nonce(&w, sa->pend.nonce, TIP_IKE_NONCE_LEN);
    if (g != TIP_DH_NONE)
        tip_ike_w_ke(&w, (uint16_t)g, ke.pub, publen);
    tip_ike_w_ts_pair(&w, &ch->sel, 1);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_request(ctx, sa, len, TIP_IKE_P_CHILD_CREATE);
    if (err == TIP_OK)
        ch->create = TIP_IKE_CREATE_SENT;
    return err;
}

/* A create of entry @p ch failed: try again later, or give an acquire's up. */
static void tip_ike_child_create_failed(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_child_t *ch)
{
    if (ch->app_pol && ch->rekey_fails + 1u >= TIP_IKE_ACQUIRE_TRIES) {
        memset(ch, 0, sizeof(*ch)); /* the policy stays the application's */
        return;
    }
    ch->create = TIP_IKE_CREATE_DUE;
    ch->rekey_at_ms = tip_ike_retry_at(ctx, &ch->rekey_fails);
    (void)sa;
}

int tip_ike_child_create_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in,
                                  const uint8_t *nonce, size_t nlen, int failed)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    unsigned idx = sa->pend.child_idx;
    tip_ike_child_t *ch = &sa->child[idx];
    tip_dh_group_t g;
    tip_child_proposal_t p;
    tip_selector_t sel;
    tip_ike_child_t nc;
    tip_ike_ke_room_t ke;
    size_t g_ir_len = 0;
    uint32_t spi_out;
    uint16_t notify = tip_ike_error_notify(in);
    int err = failed ? TIP_ERR_POLICY : TIP_OK;

    memset(&ke, 0, sizeof(ke));
    if (idx >= TIP_IKE_CHILD_MAX || ch->create != TIP_IKE_CREATE_SENT || c == NULL ||
        sa->state != TIP_IKE_S_ESTABLISHED) {
        /* Being deleted (the Delete(IKE) takes the peer's new pair with
         * it, 1.4.1), or the entry went meanwhile. */
        tip_crypto_dh_free(&sa->dh);
        if (idx < TIP_IKE_CHILD_MAX && ch->create == TIP_IKE_CREATE_SENT)
            memset(ch, 0, sizeof(*ch));
        return TIP_OK;
    }
    g = c->cfg.child[0].pfs;
    /* 2.7: one of the proposals we offered; 1.3.1: with the group we sent
     * a KE of, whose KEr must come back. */
    if (err == TIP_OK && tip_ike_accept_child(c->cfg.child, c->cfg.child_count,
                                              tip_ike_pl_body(in, pl_sa), pl_sa->len,
                                              g != TIP_DH_NONE, &p, &spi_out) != TIP_OK)
        err = TIP_ERR_POLICY;
    /* With PFS offered, only proposals of that group went out; without,
     * the chosen one's group (if any) is kept for the rekeys (as IKE_AUTH's). */
    if (err == TIP_OK && g != TIP_DH_NONE && p.pfs != g)
        err = TIP_ERR_POLICY;
    /* g^ir at the end of our answered request's buffer */
    if (err == TIP_OK && g != TIP_DH_NONE) {
        err = tip_ike_ke_room(ctx, sa->req_buf, g, &ke);
        if (err == TIP_OK)
            err = tip_ike_dh_from(&sa->dh, g, in, ke.g_ir, &g_ir_len);
    }
    /* 2.9: the responder may narrow, never widen, what we proposed. */
    if (err == TIP_OK)
        err = tip_ike_ts_narrow(&ch->sel, in, 1, &sel);
    if (err == TIP_OK) {
        memset(&nc, 0, sizeof(nc));
        nc.pol_out = ch->pol_out; /* an acquire's policy, else new policies */
        err = tip_ike_child_install(ctx, sa, &p, sa->pend.new_spi_in, spi_out, &sel,
                                    sa->pend.nonce, TIP_IKE_NONCE_LEN, nonce, nlen,
                                    g != TIP_DH_NONE ? ke.g_ir : NULL, g_ir_len, 1, &nc);
        if (err != TIP_OK && !ch->app_pol) {
            if (nc.pol_in != 0)
                (void)tip_spd_del(ctx, nc.pol_in);
            if (nc.pol_out != 0)
                (void)tip_spd_del(ctx, nc.pol_out);
        }
    }
    tip_crypto_zeroize(ke.g_ir, ke.g_ir_room);
    tip_crypto_dh_free(&sa->dh);
    if (err != TIP_OK) {
        /* 2.21.2: the CHILD SA failed, the IKE SA is fine. */
        tip_ike_fail(ctx, sa, TIP_ERR_POLICY);
        tip_ike_child_create_failed(ctx, sa, ch);
        tip_log(ctx, TIP_LOG_INFO, "ike: new CHILD SA refused, retrying later");
        tip_ike_raise_child(ctx, sa->conn, TIP_EV_PROPOSAL_MISMATCH,
                            notify != 0 ? (int)notify : err, 0, 0, idx);
        return TIP_OK;
    }
    nc.ts_idx = ch->ts_idx;
    nc.app_pol = ch->app_pol;
    *ch = nc;
    tip_ike_child_schedule(ctx, sa, ch);
    tip_ike_child_event(ctx, sa, idx, TIP_EV_CHILD_UP, 0);
    return TIP_OK;
}

/* ---- responder ----------------------------------------------------------- */

int tip_ike_child_new_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                              const tip_ike_msg_t *in, const uint8_t *nonce, size_t nlen)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    tip_child_proposal_t p;
    tip_selector_t sel;
    tip_ike_notify_t n;
    tip_ike_child_t nc;
    tip_ike_ke_room_t ke;
    size_t len, publen = 0, g_ir_len = 0;
    uint8_t num, pair, nr[TIP_IKE_NONCE_LEN], g[2];
    uint32_t spi_out, spi_in;
    uint16_t notify;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    int err, idx = tip_ike_child_free_idx(sa);
    int transport = tip_ike_find_notify(in, TIP_IKE_N_USE_TRANSPORT_MODE, &n);

    /* RFC 7296 1.3.1 / 3.10.1: our table is full: NO_ADDITIONAL_SAS (the
     * IKE SA stays). */
    if (c == NULL || idx < 0)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
    /* As in IKE_AUTH: the mode is the connection's, the DH group of the
     * proposal must match exactly (3.3.3). */
    if (transport != (c->cfg.mode == TIP_MODE_TRANSPORT) ||
        tip_ike_select_child(c->cfg.child, c->cfg.child_count, tip_ike_pl_body(in, pl_sa),
                             pl_sa->len, 1, &p, &num, &spi_out) != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
    /* 2.9: narrowed to the first of our selector pairs the proposal meets;
     * 2.19: a virtual address stays the side of whoever got it in
     * IKE_AUTH, whoever rekeyed the IKE SA since (2.18). */
    err = tip_ike_conn_narrow(c, sa->auth_initiator, in, 0, &sel, &pair);
    if (err == TIP_ERR_MALFORMED)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_INVALID_SYNTAX, NULL, 0);
    if (err != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_TS_UNACCEPTABLE, NULL, 0);
    /* our KE data and g^ir at the end of the response's buffer */
    err = tip_ike_ke_room(ctx, sa->resp_buf, p.pfs, &ke);
    if (err == TIP_OK)
        err = tip_ike_random(ctx, nr, sizeof(nr));
    if (err == TIP_OK) {
        err = tip_ike_child_resp_ke(ctx, in, p.pfs, ke.pub, &publen, ke.g_ir, &g_ir_len, &notify,
                                    g);
        if (notify != 0)
            return tip_ike_respond_notify(ctx, sa, &m->hdr, notify, g,
                                          notify == TIP_IKE_N_INVALID_KE_PAYLOAD ? 2u : 0u);
    }
    spi_in = tip_ike_new_spi(ctx);
    memset(&nc, 0, sizeof(nc));
    if (err == TIP_OK)
        err = tip_ike_child_install(ctx, sa, &p, spi_in, spi_out, &sel, nonce, nlen, nr,
                                    sizeof(nr), p.pfs != TIP_DH_NONE ? ke.g_ir : NULL, g_ir_len, 0,
                                    &nc);
    tip_crypto_zeroize(ke.g_ir, ke.g_ir_room);
    if (err != TIP_OK) {
        if (nc.pol_in != 0)
            (void)tip_spd_del(ctx, nc.pol_in);
        if (nc.pol_out != 0)
            (void)tip_spd_del(ctx, nc.pol_out);
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
    }
    nc.ts_idx = pair;
    sa->child[idx] = nc;
    tip_ike_child_schedule(ctx, sa, &sa->child[idx]);
    tip_ike_hdr_response(sa, &m->hdr, &h);
    tip_ike_w_init(&w, ke.msg, ke.cap);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    if (transport)
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
    tip_ike_w_sa_child_chosen(&w, num, &p, spi_in, p.pfs != TIP_DH_NONE);
    tip_ike_w_nonce(&w, nr, sizeof(nr));
    if (p.pfs != TIP_DH_NONE)
        tip_ike_w_ke(&w, (uint16_t)p.pfs, ke.pub, publen);
    tip_ike_w_ts_pair(&w, &sel, 0);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_response(ctx, sa, len);
    tip_ike_child_event(ctx, sa, (unsigned)idx, TIP_EV_CHILD_UP, 0);
    return err;
}

#endif /* TIP_CONF_IKEV2 */
