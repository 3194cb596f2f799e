/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * MOBIKE (RFC 4555): MOBIKE_SUPPORTED in IKE_AUTH, the initiator's
 * UPDATE_SA_ADDRESSES when its address changes, the responder following
 * an authenticated update, and moving the CHILD SAs without rekeying them.
 */
#include <string.h>

#include "ike/ike_core.h"

#if TIP_CONF_IKEV2 && TIP_CONF_IKE_MOBIKE

#define TIP_MOBIKE_COOKIE2_MIN 8u  /* RFC 4555 4.2.2: 8..64 octets */
#define TIP_MOBIKE_COOKIE2_MAX 64u

void tip_ike_mobike_w_supported(tip_ike_w_t *w, const tip_ike_conn_t *conn)
{
    /* RFC 4555 3.1: both peers announce MOBIKE_SUPPORTED in IKE_AUTH. */
    if (!conn->no_mobike)
        tip_ike_w_notify(w, 0, NULL, 0, TIP_IKE_N_MOBIKE_SUPPORTED, NULL, 0);
}

void tip_ike_mobike_take(tip_ike_sa_t *sa, const tip_ike_conn_t *conn, const tip_ike_msg_t *in)
{
    tip_ike_notify_t n;

    sa->peer_mobike = (uint8_t)(!conn->no_mobike &&
                                tip_ike_find_notify(in, TIP_IKE_N_MOBIKE_SUPPORTED, &n));
    sa->mobike_orig_init = sa->initiator;
}

int tip_ike_mobike_is_update(const tip_ike_sa_t *sa, const tip_ike_msg_t *in)
{
    tip_ike_notify_t n;

    /* RFC 4555 3.5: only a peer that announced MOBIKE may move the SA;
     * from another, the notify is an unknown status notify (ignored). */
    return sa->peer_mobike && !sa->mobike_orig_init &&
           tip_ike_find_notify(in, TIP_IKE_N_UPDATE_SA_ADDRESSES, &n);
}

/* Re-point one SA pair and its policies to @p sa's path (RFC 4555 3.9). */
static void tip_ike_mobike_move_pair(tip_ctx_t *ctx, const tip_ike_sa_t *sa,
                                     const tip_ike_child_t *ch, int encap)
{
    int err;
    tip_sa_t *out = ch->sa_out != 0 ? tip_sa_get(ctx, ch->sa_out, &err) : NULL;
    tip_sa_t *in = ch->sa_in != 0 ? tip_sa_get(ctx, ch->sa_in, &err) : NULL;

    if (out != NULL) {
        out->src = sa->local;
        out->dst = sa->remote;
        out->natt_sport = encap ? sa->lport : 0;
        out->natt_dport = encap ? sa->rport : 0;
    }
    if (in != NULL) {
        in->src = sa->remote;
        in->dst = sa->local;
        in->natt_sport = encap ? sa->rport : 0;
        in->natt_dport = encap ? sa->lport : 0;
    }
    if (ch->pol_in != 0)
        (void)tip_spd_set_tunnel(ctx, ch->pol_in, &sa->local, &sa->remote);
    if (ch->pol_out != 0 && !ch->app_pol)
        (void)tip_spd_set_tunnel(ctx, ch->pol_out, &sa->local, &sa->remote);
}

/*
 * Every CHILD SA of @p sa follows the IKE SA's path, UDP-encapsulated when
 * a NAT is in the way or the connection forces it (RFC 4555 3.8, RFC 7296
 * 2.23); nothing is rekeyed.
 */
static void tip_ike_mobike_move_children(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    int encap = sa->use_natt &&
                (sa->nat_local || sa->nat_remote || (c != NULL && c->cfg.force_encap));
    unsigned i;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        tip_ike_mobike_move_pair(ctx, sa, &sa->child[i], encap);
    tip_ike_mobike_move_pair(ctx, sa, &sa->old_child, encap);
    tip_ike_mobike_move_pair(ctx, sa, &sa->extra_child, encap);
}

/* Our UPDATE_SA_ADDRESSES request (RFC 4555 3.5), from the current path. */
static int tip_ike_mobike_start(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    int err;

    if (tip_ike_buf_take(ctx, &sa->req_buf) == NULL)
        return TIP_ERR_FULL;
    /* RFC 4555 3.7: a fresh COOKIE2 for each update; the answer must echo it. */
    err = tip_ike_random(ctx, sa->cookie2, sizeof(sa->cookie2));
    if (err != TIP_OK)
        return err;
    sa->mobike_due = 0;
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_INFORMATIONAL, &h);
    (void)tip_ike_w_pool(ctx, &sa->req_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
    tip_ike_w_natd(&w, sa); /* RFC 4555 3.5: fresh NAT detection from the new path */
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_COOKIE2, sa->cookie2, sizeof(sa->cookie2));
    err = tip_ike_sk_end(sa, &w, &len);
    if (err != TIP_OK)
        return err;
    return tip_ike_send_request(ctx, sa, len, TIP_IKE_P_MOBIKE_UPDATE);
}

void tip_ike_mobike_after_response(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    if (sa->mobike_due && !sa->req_outstanding && sa->state == TIP_IKE_S_ESTABLISHED)
        (void)tip_ike_mobike_start(ctx, sa); /* a failure is retried by the next update */
}

void tip_ike_mobike_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in)
{
    tip_ike_notify_t n;
    tip_handle_t conn = sa->conn;

    /* RFC 4555 3.7: the answer echoes our COOKIE2 (the response is
     * authenticated already; a wrong echo is a broken peer: no move). */
    if (!tip_ike_find_notify(in, TIP_IKE_N_COOKIE2, &n) || n.len != sizeof(sa->cookie2) ||
        memcmp(n.data, sa->cookie2, sizeof(sa->cookie2)) != 0) {
        tip_ike_log(ctx, TIP_LOG_WARN, "MOBIKE: answer without our COOKIE2, SAs not moved");
        return;
    }
    /* RFC 4555 3.5: the responder's NAT detection for the new path decides
     * UDP encapsulation; without it the old decision stands. */
    (void)tip_ike_natd_check(sa, sa->spi_i, sa->spi_r, in);
    tip_ike_mobike_move_children(ctx, sa);
    tip_ike_raise(ctx, conn, TIP_EV_IKE_MOVED, 0, 0, 0);
}

int tip_ike_mobike_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                           const tip_ike_msg_t *in, const tip_addr_t *src, uint16_t sport,
                           const tip_addr_t *dst, uint16_t dport)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_ike_notify_t cookie2;
    int echo, err;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;

    /* RFC 4555 3.5: the new addresses are the ones in the IP header of
     * this authenticated, new request (retransmissions and replays were
     * answered from the cache or dropped before they got here). */
    sa->remote = *src;
    sa->rport = sport;
    sa->local = *dst;
    sa->lport = dport;
    if (c != NULL && dport == c->cfg.local_natt_port)
        sa->use_natt = 1;
    (void)tip_ike_natd_check(sa, sa->spi_i, sa->spi_r, in);
    tip_ike_mobike_move_children(ctx, sa);
    echo = tip_ike_find_notify(in, TIP_IKE_N_COOKIE2, &cookie2) &&
           cookie2.len >= TIP_MOBIKE_COOKIE2_MIN && cookie2.len <= TIP_MOBIKE_COOKIE2_MAX;
    tip_ike_hdr_response(sa, &m->hdr, &h);
    (void)tip_ike_w_pool(ctx, &sa->resp_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    tip_ike_w_natd(&w, sa);
    if (echo) /* RFC 4555 3.7: copied back unchanged */
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_COOKIE2, cookie2.data, cookie2.len);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_response(ctx, sa, len);
    tip_ike_raise(ctx, sa->conn, TIP_EV_IKE_MOVED, 0, 0, 0);
    return err;
}

#endif /* TIP_CONF_IKEV2 && TIP_CONF_IKE_MOBIKE */

#if TIP_CONF_IKEV2
int tip_ike_update_address(tip_ctx_t *ctx, tip_handle_t conn, const tip_addr_t *new_local)
{
    int err = TIP_ERR_INTERNAL;
#if TIP_CONF_IKE_MOBIKE
    tip_ike_conn_slot_t *c;
    tip_ike_sa_t *sa;
#endif

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || new_local == NULL)
        return TIP_ERR_ARG;
#if TIP_CONF_IKE_MOBIKE
    tip_time_update(ctx);
    c = tip_ike_conn_get(ctx, conn, &err);
    if (c == NULL)
        return err;
    sa = tip_ike_conn_cur(ctx, c);
    if (sa == NULL || sa->state != TIP_IKE_S_ESTABLISHED)
        return TIP_ERR_NO_SA;
    if (new_local->family != sa->remote.family)
        return TIP_ERR_ARG;
    /* RFC 4555 3.1, 3.5: only the original initiator of a MOBIKE IKE SA
     * moves it (the roles survive IKE SA rekeys). */
    if (c->cfg.no_mobike || !sa->peer_mobike || !sa->mobike_orig_init)
        return TIP_ERR_UNSUPPORTED;
    /* From now on everything goes from the new address, on the NAT-T port
     * (RFC 4555 3.1: MOBIKE peers use port 4500 once IKE_AUTH is done);
     * an outstanding request's retransmissions too, and the update
     * follows as soon as it is answered (the window holds one request). */
    sa->local = *new_local;
    if (!sa->use_natt) {
        sa->use_natt = 1;
        sa->lport = c->cfg.local_natt_port;
        sa->rport = c->cfg.remote_natt_port;
    }
    if (sa->req_outstanding) {
        sa->mobike_due = 1;
        return TIP_OK;
    }
    return tip_ike_mobike_start(ctx, sa);
#else
    (void)conn;
    return TIP_ERR_UNSUPPORTED;
#endif
}
#endif /* TIP_CONF_IKEV2 */
