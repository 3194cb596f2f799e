/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * MOBIKE (RFC 4555): MOBIKE_SUPPORTED in IKE_AUTH; the original
 * initiator's UPDATE_SA_ADDRESSES when its address changes; the original
 * responder following an authenticated update with its IKE SA at once and
 * with its CHILD SAs after a return-routability check (COOKIE2); the
 * COOKIE2 and NAT detection echo in every INFORMATIONAL answer; NAT
 * prohibition (NO_NATS_ALLOWED in IKE_AUTH and in updates); moving CHILD
 * SAs without rekeying them.
 *
 * Only an authenticated, new request (window size 1, RFC 7296 2.3: one
 * Message ID at a time, so updates cannot arrive out of order and RFC 4555
 * 3.5's latest-update counter is not needed) changes a path here; a
 * retransmission is answered from the cache, where it came from.
 */
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2 && TIP_CONF_IKE_MOBIKE

#define TIP_MOBIKE_COOKIE2_MIN 8u  /* RFC 4555 4.2.5: 8..64 octets */
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

static int tip_ike_mobike_same_path(const tip_ike_sa_t *sa, const tip_ike_path_t *p)
{
    return tip_addr_equal(&sa->remote, &p->remote) && sa->rport == p->rport &&
           tip_addr_equal(&sa->local, &p->local) && sa->lport == p->lport;
}

static void tip_ike_mobike_path_put(tip_ike_sa_t *sa, const tip_ike_path_t *p)
{
    sa->local = p->local;
    sa->remote = p->remote;
    sa->lport = p->lport;
    sa->rport = p->rport;
}

const tip_ike_path_t *tip_ike_mobike_reply_to(const tip_ike_sa_t *sa, const tip_ike_path_t *req)
{
    /* RFC 7296 2.11: an answer goes back where its request came from. A
     * MOBIKE SA does not follow the peer there (RFC 4555 3.8), so only the
     * answer takes that path, on the same kind of port. */
    if (!sa->peer_mobike || tip_ike_mobike_same_path(sa, req) || req->lport != sa->lport)
        return NULL;
    return req;
}

/* RFC 4555 3.7: the peer's COOKIE2 (8..64 octets, 4.2.5) copied as it is. */
static void tip_ike_mobike_w_cookie2(tip_ike_w_t *w, const tip_ike_msg_t *in)
{
    tip_ike_notify_t n;

    if (tip_ike_find_notify(in, TIP_IKE_N_COOKIE2, &n) && n.len >= TIP_MOBIKE_COOKIE2_MIN &&
        n.len <= TIP_MOBIKE_COOKIE2_MAX)
        tip_ike_w_notify(w, 0, NULL, 0, TIP_IKE_N_COOKIE2, n.data, n.len);
}

void tip_ike_mobike_w_echo(tip_ike_w_t *w, const tip_ike_sa_t *sa, const tip_ike_msg_t *in,
                           const tip_ike_path_t *to)
{
    tip_ike_notify_t n;

    if (!sa->peer_mobike)
        return;
    /* RFC 4555 3.8: NAT detection in an INFORMATIONAL request is answered
     * with ours, for the path the answer takes. */
    if (tip_ike_find_notify(in, TIP_IKE_N_NAT_DETECTION_SOURCE_IP, &n) ||
        tip_ike_find_notify(in, TIP_IKE_N_NAT_DETECTION_DESTINATION_IP, &n))
        tip_ike_w_natd(w, sa, to);
    tip_ike_mobike_w_cookie2(w, in);
}

/* Re-point one SA pair and its policies to @p sa's path (RFC 4555 3.5). */
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
 * a NAT is in the way or the connection forces it (RFC 4555 3.5, RFC 7296
 * 2.23); nothing is rekeyed. Then TIP_EV_IKE_MOVED.
 */
static void tip_ike_mobike_move_children(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    int encap = tip_ike_esp_encap(sa);
    unsigned i;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        tip_ike_mobike_move_pair(ctx, sa, &sa->child[i], encap);
    tip_ike_mobike_move_pair(ctx, sa, &sa->old_child, encap);
    tip_ike_mobike_move_pair(ctx, sa, &sa->extra_child, encap);
    tip_ike_raise(ctx, sa->conn, TIP_EV_IKE_MOVED, 0, 0, 0);
}

/*
 * Our MOBIKE request from the current path: the original initiator's
 * UPDATE_SA_ADDRESSES (RFC 4555 3.5: fresh NAT detection; 3.6: this
 * device announces no other address), or the original responder's
 * return-routability check (3.7: COOKIE2 alone). A fresh, unpredictable
 * COOKIE2 each time (4.2.5); the answer must echo it.
 */
static int tip_ike_mobike_send(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    int update = sa->mobike_orig_init;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    int err;

    if (tip_ike_buf_take(ctx, &sa->req_buf) == NULL)
        return TIP_ERR_FULL;
    err = tip_ike_random(ctx, sa->cookie2, sizeof(sa->cookie2));
    if (err != TIP_OK)
        return err;
    sa->mobike_due = 0;
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_INFORMATIONAL, &h);
    (void)tip_ike_w_pool(ctx, &sa->req_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    if (update) {
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0);
        tip_ike_w_natd(&w, sa, NULL);
    }
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_COOKIE2, sa->cookie2, sizeof(sa->cookie2));
    err = tip_ike_sk_end(sa, &w, &len);
    if (err != TIP_OK)
        return err;
    return tip_ike_send_request(ctx, sa, len,
                                update ? TIP_IKE_P_MOBIKE_UPDATE : TIP_IKE_P_MOBIKE_CHECK);
}

void tip_ike_mobike_after_response(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    if (sa->mobike_due && !sa->req_outstanding && sa->state == TIP_IKE_S_ESTABLISHED)
        (void)tip_ike_mobike_send(ctx, sa); /* a failure is retried by the next poll */
}

/* RFC 4555 3.8: the original initiator behind a NAT watches its mapping. */
static int tip_ike_mobike_natted_init(const tip_ike_sa_t *sa)
{
    return sa->peer_mobike && sa->mobike_orig_init && sa->nat_local;
}

void tip_ike_mobike_w_probe(tip_ike_w_t *w, const tip_ike_sa_t *sa)
{
    /* RFC 4555 3.8: NAT detection in our liveness checks; the peer's
     * answer tells where it sees us now. */
    if (tip_ike_mobike_natted_init(sa))
        tip_ike_w_natd(w, sa, NULL);
}

/* Keep (a prefix of) the peer's NAT_DETECTION_DESTINATION_IP in @p in;
 * 1 when it differs from the one kept before (or none was). */
static int tip_ike_mobike_natd_seen(tip_ike_sa_t *sa, const tip_ike_msg_t *in)
{
    tip_ike_notify_t n;
    int changed;

    if (!tip_ike_find_notify(in, TIP_IKE_N_NAT_DETECTION_DESTINATION_IP, &n) ||
        n.len != TIP_IKE_NATD_LEN)
        return 0;
    changed = memcmp(n.data, sa->mobike_natd, sizeof(sa->mobike_natd)) != 0;
    memcpy(sa->mobike_natd, n.data, sizeof(sa->mobike_natd));
    return changed;
}

void tip_ike_mobike_probe_answer(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in)
{
    /* RFC 4555 3.8: another NAT_DETECTION_DESTINATION_IP than after the
     * last update means the NAT mapping changed: update (it goes once the
     * window is free, tip_ike_after_response()). The first answer after
     * IKE_AUTH has nothing to compare with: one update then, to be sure. */
    if (tip_ike_mobike_natted_init(sa) && tip_ike_mobike_natd_seen(sa, in)) {
        tip_ike_log(ctx, TIP_LOG_INFO, "MOBIKE: NAT mapping changed, updating addresses");
        sa->mobike_due = 1;
    }
}

void tip_ike_mobike_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in)
{
    tip_ike_notify_t n;

    /* RFC 4555 3.7: the answer must echo our COOKIE2; "if the values do
     * not match, the IKE_SA MUST be closed" (the answer authenticated:
     * only a broken peer does that). Nothing moves. */
    if (!tip_ike_find_notify(in, TIP_IKE_N_COOKIE2, &n) || n.len != sizeof(sa->cookie2) ||
        tip_crypto_ct_memcmp(n.data, sa->cookie2, sizeof(sa->cookie2)) != 0) {
        tip_ike_log(ctx, TIP_LOG_WARN, "MOBIKE: answer without our COOKIE2, IKE SA closed");
        (void)tip_ike_sa_terminate(ctx, sa);
        return;
    }
    if (sa->pend.kind == TIP_IKE_P_MOBIKE_UPDATE) {
        /* RFC 4555 3.9: UNEXPECTED_NAT_DETECTED (or another error notify,
         * UNACCEPTABLE_ADDRESSES, INVALID_SYNTAX ...): the peer did not take
         * the update; it is sent again with the next
         * address change. */
        if (tip_ike_error_notify(in) != 0) {
            tip_ike_log(ctx, TIP_LOG_WARN, "MOBIKE: update refused by the peer, SAs not moved");
            return;
        }
        /* RFC 4555 3.5: the responder's NAT detection for the new path
         * decides UDP encapsulation; without it the old decision stands. */
        (void)tip_ike_natd_check(sa, sa->spi_i, sa->spi_r, in);
        (void)tip_ike_mobike_natd_seen(sa, in); /* 3.8: what later checks compare with */
    } else if (sa->mobike_due) {
        return; /* the peer moved again meanwhile: a check of its newest path decides */
    }
    tip_ike_mobike_move_children(ctx, sa);
}

/*
 * RFC 4555 3.9: NO_NATS_ALLOWED holds the request's source and destination
 * addresses and ports as its sender put them (4.2.7: 12 octets for IPv4,
 * 36 for IPv6); they must be what arrived.
 */
static int tip_ike_mobike_no_nats_ok(const tip_ike_msg_t *in, const tip_ike_path_t *req)
{
    size_t alen = req->remote.family == TIP_AF_INET6 ? 16u : 4u;
    tip_ike_notify_t n;

    if (!tip_ike_find_notify(in, TIP_IKE_N_NO_NATS_ALLOWED, &n))
        return 1;
    return n.len == 2u * alen + 4u && memcmp(n.data, req->remote.addr, alen) == 0 &&
           memcmp(n.data + alen, req->local.addr, alen) == 0 &&
           tip_load_be16(n.data + 2u * alen) == req->rport &&
           tip_load_be16(n.data + 2u * alen + 2u) == req->lport;
}

int tip_ike_mobike_auth_nat_ok(const tip_ike_conn_t *conn, const tip_ike_msg_t *in,
                               const tip_ike_path_t *req)
{
    /* RFC 4555 3.9: "the first IKE_AUTH request" carries NO_NATS_ALLOWED
     * too, and the exchange responder must verify it. Without MOBIKE on
     * this connection it is a status notify of an extension we do not do
     * here, and ignored. */
    return conn->no_mobike || tip_ike_mobike_no_nats_ok(in, req);
}

/*
 * RFC 4555 3.6, 4.2.2-4.2.4: ADDITIONAL_IP4_ADDRESS (4 octets),
 * ADDITIONAL_IP6_ADDRESS (16), NO_ADDITIONAL_ADDRESSES (empty), none with
 * an SPI. The list is checked and not kept: only the original initiator
 * picks paths (3.6), and this responder follows the address its peer's
 * update comes from.
 */
static int tip_ike_mobike_addrs_ok(const tip_ike_msg_t *in)
{
    const tip_ike_pl_t *pl;
    unsigned i;

    for (i = 0; (pl = tip_ike_msg_find(in, TIP_IKE_PL_N, i)) != NULL; i++) {
        tip_ike_notify_t n;
        size_t want;
        if (tip_ike_notify_parse(tip_ike_pl_body(in, pl), pl->len, &n) != TIP_OK)
            continue;
        if (n.type == TIP_IKE_N_ADDITIONAL_IP4_ADDRESS)
            want = 4;
        else if (n.type == TIP_IKE_N_ADDITIONAL_IP6_ADDRESS)
            want = 16;
        else if (n.type == TIP_IKE_N_NO_ADDITIONAL_ADDRESSES)
            want = 0;
        else
            continue;
        if (n.len != want || n.spi_size != 0)
            return 0;
    }
    return 1;
}

/* The answer to the peer's UPDATE_SA_ADDRESSES, on path @p to (NULL: the
 * SA's): the error @p refuse, or our NAT detection for the path it came on
 * (RFC 4555 3.5, the SA's by then); its COOKIE2 copied either way (3.7). */
static int tip_ike_mobike_answer(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                                 const tip_ike_msg_t *in, uint16_t refuse,
                                 const tip_ike_path_t *to)
{
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    int err;

    tip_ike_hdr_response(sa, &m->hdr, &h);
    (void)tip_ike_w_pool(ctx, &sa->resp_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    if (refuse != 0)
        tip_ike_w_notify(&w, 0, NULL, 0, refuse, NULL, 0);
    else
        tip_ike_w_natd(&w, sa, NULL);
    tip_ike_mobike_w_cookie2(&w, in);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_response_to(ctx, sa, to, len);
    return err;
}

int tip_ike_mobike_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                           const tip_ike_msg_t *in, const tip_ike_path_t *req)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    uint16_t refuse = 0;
    int err, elsewhere;

    if (!tip_ike_mobike_no_nats_ok(in, req)) {
        /* RFC 4555 3.9: a NAT where the peer allows none. The notify's
         * content is used for nothing else; nothing changes. */
        tip_ike_log(ctx, TIP_LOG_WARN, "MOBIKE: update through a NAT the peer prohibits");
        refuse = TIP_IKE_N_UNEXPECTED_NAT_DETECTED;
    } else if (!tip_ike_mobike_addrs_ok(in)) {
        tip_ike_log(ctx, TIP_LOG_WARN, "MOBIKE: malformed additional address, update refused");
        refuse = TIP_IKE_N_INVALID_SYNTAX;
    }
    if (refuse != 0) /* answered where it came from; the SA stays */
        return tip_ike_mobike_answer(ctx, sa, m, in, refuse, tip_ike_mobike_reply_to(sa, req));
    /* RFC 4555 3.5: the IKE SA takes the addresses in the IP header of this
     * authenticated, new request; its NAT detection decides encapsulation. */
    elsewhere = !tip_addr_equal(&sa->remote, &req->remote) || sa->rport != req->rport;
    tip_ike_mobike_path_put(sa, req);
    sa->use_natt = (uint8_t)(c != NULL && req->lport == c->cfg.local_natt_port);
    (void)tip_ike_natd_check(sa, sa->spi_i, sa->spi_r, in);
    err = tip_ike_mobike_answer(ctx, sa, m, in, 0, NULL);
    /*
     * RFC 4555 3.5, 3.7, 5.2: the CHILD SAs (the bulk of the traffic) follow
     * a new peer address only after a return-routability check: an
     * INFORMATIONAL with a fresh COOKIE2 to that address, which the peer
     * must echo. The IP header of an authenticated request is not
     * authenticated: without the check, an attacker on the path could
     * rewrite it and turn the tunnel's traffic on a third party. 3.7 leaves
     * the check to policy ("SHOULD be performed by default", "MAY be
     * omitted" for well-behaved peers); it is always done here, once per
     * new address (an update from the verified address moves at once). The
     * window holds one request: a check waits for an outstanding one.
     */
    if (elsewhere || sa->mobike_due ||
        (sa->req_outstanding && sa->pend.kind == TIP_IKE_P_MOBIKE_CHECK)) {
        sa->mobike_due = 1;
        tip_ike_mobike_after_response(ctx, sa);
        return err;
    }
    tip_ike_mobike_move_children(ctx, sa);
    return err;
}

int tip_ike_mobike_info(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                        const tip_ike_msg_t *in, const tip_ike_path_t *req)
{
    if (tip_ike_mobike_is_update(sa, in))
        return tip_ike_mobike_request(ctx, sa, m, in, req);
    return tip_ike_info_request(ctx, sa, m, in, tip_ike_mobike_reply_to(sa, req));
}

#endif /* TIP_CONF_IKEV2 && TIP_CONF_IKE_MOBIKE */

#if TIP_CONF_IKEV2
int tip_ike_update_address(tip_ctx_t *ctx, tip_handle_t conn, const tip_addr_t *new_local)
{
#if TIP_CONF_IKE_MOBIKE
    int err = TIP_ERR_INTERNAL;
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
    return tip_ike_mobike_send(ctx, sa);
#else
    (void)conn;
    return TIP_ERR_UNSUPPORTED;
#endif
}
#endif /* TIP_CONF_IKEV2 */
