/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKE_AUTH (RFC 7296 1.2): identities, pre-shared key authentication
 * (2.15) and the first CHILD SA, for both roles.
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"
#include "ike/ike_cp.h"

#if TIP_CONF_IKEV2

static const char tip_ike_key_pad[] = "Key Pad for IKEv2"; /* 2.15, 17 octets, no NUL */

int tip_ike_signed_octets(tip_ctx_t *ctx, const tip_ike_sa_t *sa, int of_initiator,
                          const uint8_t *id_body, size_t id_len, tip_iov_t iov[3],
                          uint8_t macid[TIP_IKE_PRF_MAX])
{
    const uint8_t *init;
    int err;

    /* SignedOctets = RealMessage | Nonce of the other side | prf(SK_px, IDx')
     * (2.15): the initiator's covers its IKE_SA_INIT request and Nr, the
     * responder's its response and Ni. */
    iov[0].p = id_body;
    iov[0].len = id_len;
    err = tip_crypto_prf((tip_prf_t)sa->prf, of_initiator ? sa->sk_pi : sa->sk_pr, sa->prf_len,
                         iov, 1, macid);
    init = tip_ike_buf_get(ctx, of_initiator ? sa->init_i_buf : sa->init_r_buf);
    if (err == TIP_OK && init == NULL)
        err = TIP_ERR_INTERNAL; /* held from IKE_SA_INIT until IKE_AUTH is done */
    iov[0].p = init != NULL ? TIP_IKE_BUF_MSG(init) : NULL;
    iov[0].len = of_initiator ? sa->init_i_len : sa->init_r_len;
    iov[1].p = of_initiator ? sa->nr : sa->ni;
    iov[1].len = of_initiator ? sa->nr_len : sa->ni_len;
    iov[2].p = macid;
    iov[2].len = sa->prf_len;
    return err;
}

/*
 * AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) (2.15).
 * @p of_initiator selects whose AUTH.
 */
static int tip_ike_psk_auth(tip_ctx_t *ctx, const tip_ike_sa_t *sa, const tip_ike_conn_t *conn,
                            int of_initiator, const uint8_t *id_body, size_t id_len,
                            uint8_t out[TIP_IKE_PRF_MAX])
{
    tip_prf_t prf = (tip_prf_t)sa->prf;
    uint8_t macid[TIP_IKE_PRF_MAX], key[TIP_IKE_PRF_MAX];
    tip_iov_t iov[3], pad;
    int err;

    pad.p = (const uint8_t *)tip_ike_key_pad;
    pad.len = sizeof(tip_ike_key_pad) - 1u;
    err = tip_crypto_prf(prf, conn->psk, conn->psk_len, &pad, 1, key);
    if (err == TIP_OK)
        err = tip_ike_signed_octets(ctx, sa, of_initiator, id_body, id_len, iov, macid);
    if (err == TIP_OK)
        err = tip_crypto_prf(prf, key, sa->prf_len, iov, 3, out);
    tip_crypto_zeroize(key, sizeof(key));
    tip_crypto_zeroize(macid, sizeof(macid));
    return err;
}

/* The ID payload body of an identity: type, 3 reserved bytes, data (3.5). */
static size_t tip_ike_id_body(const tip_ike_identity_t *id, uint8_t out[4 + TIP_IKE_ID_MAX])
{
    out[0] = id->type;
    out[1] = out[2] = out[3] = 0;
    memcpy(out + 4, id->data, id->len);
    return 4u + id->len;
}

static int tip_ike_id_matches(const tip_ike_identity_t *want, const tip_ike_id_t *got)
{
    return got->type == want->type && got->len == want->len &&
           memcmp(got->data, want->data, want->len) == 0;
}

/*
 * The peer's identity is the one @p conn expects. A certificate connection
 * without a configured identity takes any the trust anchors vouch for (its
 * certificate must hold it, which tip_ike_cert_verify() checks).
 */
static int tip_ike_peer_id_ok(const tip_ike_conn_t *conn, const tip_ike_id_t *got)
{
    if (conn->auth == TIP_AUTH_CERT && conn->remote_id.type == TIP_ID_NONE)
        return 1;
    return tip_ike_id_matches(&conn->remote_id, got);
}

/* Check the peer's AUTH payload against what it must be, in constant time. */
static int tip_ike_verify_auth(tip_ctx_t *ctx, const tip_ike_sa_t *sa, const tip_ike_conn_t *conn,
                               const tip_ike_msg_t *in, const tip_ike_id_t *id)
{
    const tip_ike_pl_t *pl = tip_ike_msg_find(in, TIP_IKE_PL_AUTH, 0);
    tip_ike_auth_t a;
    uint8_t want[TIP_IKE_PRF_MAX];
    int ok;

#if TIP_CONF_IKE_CERT
    if (conn->auth == TIP_AUTH_CERT)
        return tip_ike_cert_verify(ctx, sa, conn, in, id);
#endif
    if (pl == NULL || tip_ike_auth_parse(tip_ike_pl_body(in, pl), pl->len, &a) != TIP_OK)
        return TIP_ERR_AUTH;
    if (a.method != TIP_IKE_AUTH_PSK || a.len != sa->prf_len)
        return TIP_ERR_AUTH;
    if (tip_ike_psk_auth(ctx, sa, conn, !sa->initiator, id->body, id->body_len, want) != TIP_OK)
        return TIP_ERR_AUTH;
    ok = tip_crypto_ct_memcmp(want, a.data, sa->prf_len) == 0;
    tip_crypto_zeroize(want, sizeof(want));
    return ok ? TIP_OK : TIP_ERR_AUTH;
}

/*
 * Our ID and AUTH payloads, in the order of RFC 7296 1.2: IDx, CERT,
 * CERTREQ, IDr (the initiator may name the responder it wants, 3.5), AUTH.
 */
static void tip_ike_w_id_auth(tip_ctx_t *ctx, tip_ike_w_t *w, const tip_ike_sa_t *sa,
                              const tip_ike_conn_t *conn)
{
    uint8_t body[4 + TIP_IKE_ID_MAX], auth[TIP_IKE_PRF_MAX];
    size_t n = tip_ike_id_body(&conn->local_id, body);

    tip_ike_w_id(w, sa->initiator ? TIP_IKE_PL_IDI : TIP_IKE_PL_IDR, conn->local_id.type,
                 conn->local_id.data, conn->local_id.len);
#if TIP_CONF_IKE_CERT
    if (conn->auth == TIP_AUTH_CERT)
        tip_ike_cert_w_certs(w, conn, sa->initiator);
#endif
    if (sa->initiator && conn->remote_id.type != TIP_ID_NONE)
        tip_ike_w_id(w, TIP_IKE_PL_IDR, conn->remote_id.type, conn->remote_id.data,
                     conn->remote_id.len);
#if TIP_CONF_IKE_CERT
    if (conn->auth == TIP_AUTH_CERT) {
        tip_ike_cert_w_auth(ctx, w, sa, conn, body, n);
        return;
    }
#endif
    if (tip_ike_psk_auth(ctx, sa, conn, sa->initiator, body, n, auth) != TIP_OK)
        w->err = TIP_ERR_CRYPTO;
    tip_ike_w_auth(w, TIP_IKE_AUTH_PSK, auth, sa->prf_len);
    tip_crypto_zeroize(auth, sizeof(auth));
}

#if TIP_CONF_IKE_INITIATOR
/*
 * RFC 7296 2.4, 3.10.1: INITIAL_CONTACT asserts that this IKE SA is the
 * only one between the two identities, and the peer may delete any other
 * it holds at once (after a reboot it still has the old ones). So it goes
 * out only when we hold no other IKE SA with this peer that has reached
 * authentication: none of this connection, none of another connection
 * with our identity to the same address (the peer would remove those
 * too). Half-open ones do not count: of two connections started together
 * only the first to reach IKE_AUTH sends it. Never with no_initial_contact
 * (3.10.1: an identity that may be in use from two places at once must
 * not send it).
 */
static int tip_ike_initial_contact_due(tip_ctx_t *ctx, const tip_ike_sa_t *sa,
                                       const tip_ike_conn_t *cfg)
{
    unsigned i;

    if (cfg->no_initial_contact)
        return 0;
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *o = &ctx->ike.sa[i];
        const tip_ike_conn_slot_t *oc;
        if (o == sa || (o->state != TIP_IKE_S_AUTH_SENT && o->state != TIP_IKE_S_ESTABLISHED &&
                        o->state != TIP_IKE_S_REKEYED && o->state != TIP_IKE_S_DELETING))
            continue;
        if (o->conn == sa->conn)
            return 0;
        oc = tip_ike_sa_conn(ctx, o);
        if (oc != NULL && tip_addr_equal(&o->remote, &sa->remote) &&
            oc->cfg.local_id.type == cfg->local_id.type && oc->cfg.local_id.len == cfg->local_id.len &&
            memcmp(oc->cfg.local_id.data, cfg->local_id.data, cfg->local_id.len) == 0)
            return 0;
    }
    return 1;
}

/* Our IKE_AUTH request, with INITIAL_CONTACT when @p initial_contact. */
static int tip_ike_auth_build(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_conn_slot_t *c,
                              int initial_contact, size_t *len)
{
    tip_ike_hdr_t h;
    tip_ike_w_t w;

    tip_ike_hdr_request(sa, TIP_IKE_EXCH_IKE_AUTH, &h);
    (void)tip_ike_w_pool(ctx, &sa->req_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    tip_ike_w_id_auth(ctx, &w, sa, &c->cfg);
    if (initial_contact)
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_INITIAL_CONTACT, NULL, 0);
#if TIP_CONF_IKE_MOBIKE
    tip_ike_mobike_w_supported(&w, &c->cfg);
#endif
#if TIP_CONF_IKE_CP
    /* RFC 7296 2.19: the virtual address is asked for in IKE_AUTH. */
    if (c->cfg.vip_request != 0)
        tip_ike_cp_w_request(&w, c->cfg.vip_request, &c->vip);
#endif
    if (c->cfg.mode == TIP_MODE_TRANSPORT)
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
    tip_ike_w_sa_child(&w, &c->cfg, sa->child_pending_spi, 0, TIP_DH_NONE);
    tip_ike_w_ts_pair(&w, &c->cfg.ts, 1);
    return tip_ike_sk_end(sa, &w, len);
}

int tip_ike_auth_start(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    size_t len = 0;
    int err, ic;

    if (c == NULL)
        return TIP_ERR_INTERNAL;
    sa->child_pending_spi = tip_ike_new_spi(ctx);
    sa->child_pending_spi_valid = 1;
    ic = tip_ike_initial_contact_due(ctx, sa, &c->cfg);
    err = tip_ike_auth_build(ctx, sa, c, ic, &len);
    /* The notify is optional (3.10.1: MAY): a request that fits
     * TIP_IKE_MSG_MAX only without it (a long certificate chain) goes
     * without it rather than not at all. */
    if (err == TIP_ERR_BUF_SPACE && ic)
        err = tip_ike_auth_build(ctx, sa, c, 0, &len);
    if (err == TIP_OK)
        err = tip_ike_sa_set_state(ctx, sa, TIP_IKE_S_AUTH_SENT);
    if (err != TIP_OK)
        return err;
    return tip_ike_send_request(ctx, sa, len, TIP_IKE_P_NONE);
}
#endif /* TIP_CONF_IKE_INITIATOR */

/* Schedule the IKE SA rekey with jitter (2.8: spread rekeys out). */
void tip_ike_schedule_rekey(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    uint32_t s, pct;
    uint8_t r[2] = {0, 0};
    uint64_t ms, jitter;

    if (c == NULL)
        return;
    s = c->cfg.ike_rekey_s != 0 ? c->cfg.ike_rekey_s : TIP_IKE_DEF_IKE_REKEY_S;
    pct = c->cfg.jitter_pct != 0 ? c->cfg.jitter_pct : TIP_IKE_DEF_JITTER_PCT;
    ms = (uint64_t)s * 1000u;
    (void)tip_ike_random(ctx, r, 2);
    jitter = ms * pct / 100u * tip_load_be16(r) / 65536u;
    sa->rekey_at_ms = ctx->now_ms + ms - jitter;
}

/* Both sides at the end of a successful IKE_AUTH (the caller raises IKE_UP, last). */
static int tip_ike_established(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_conn_slot_t *c)
{
    int err = tip_ike_sa_set_state(ctx, sa, TIP_IKE_S_ESTABLISHED);

    if (err != TIP_OK)
        return err;
    sa->established_ms = ctx->now_ms;
    sa->last_rx_ms = ctx->now_ms;
    sa->auth_initiator = sa->initiator;
    c->ike_sa = tip_ike_sa_handle(ctx, sa);
    c->last_error = 0;
    tip_ike_schedule_rekey(ctx, sa);
    return TIP_OK;
}

#if TIP_CONF_IKE_RESPONDER
/* The older IKE SAs of @p sa's connection, which is current now: they are
 * not current, so they go without events. */
static void tip_ike_initial_contact(tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *o = &ctx->ike.sa[i];
        if (o != sa && o->conn == sa->conn &&
            (o->state == TIP_IKE_S_ESTABLISHED || o->state == TIP_IKE_S_DELETING ||
             o->state == TIP_IKE_S_REKEYED))
            tip_ike_sa_down(ctx, o, TIP_OK);
    }
}

/* The responder's choice of connection: addresses fit and IDi is the one configured. */
static tip_ike_conn_slot_t *tip_ike_conn_by_id(tip_ctx_t *ctx, const tip_ike_sa_t *sa,
                                               const tip_ike_id_t *idi, const tip_ike_id_t *idr)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        tip_ike_conn_slot_t *c = &ctx->ike.conn[i];
        if (!c->in_use || !tip_addr_equal(&c->cfg.local_addr, &sa->local))
            continue;
        if (c->cfg.remote_addr.family != TIP_AF_NONE && !tip_addr_equal(&c->cfg.remote_addr, &sa->remote))
            continue;
        if (!tip_ike_peer_id_ok(&c->cfg, idi))
            continue;
        if (idr != NULL && !tip_ike_id_matches(&c->cfg.local_id, idr))
            continue;
        return c;
    }
    return NULL;
}

int tip_ike_auth_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                         const tip_ike_msg_t *in, const tip_ike_path_t *req)
{
    const tip_ike_pl_t *pl_idi = tip_ike_msg_find(in, TIP_IKE_PL_IDI, 0);
    const tip_ike_pl_t *pl_idr = tip_ike_msg_find(in, TIP_IKE_PL_IDR, 0);
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    tip_ike_conn_slot_t *c;
    tip_ike_id_t idi, idr;
    tip_child_proposal_t cp;
    tip_selector_t sel;
#if TIP_CONF_IKE_CP
    int cp_reply = 0, cp_dns = 0;
#endif
    tip_ike_notify_t n;
    uint16_t child_err = 0;
    uint32_t peer_spi = 0;
    uint8_t num = 0, pair = 0;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    tip_handle_t conn;
    size_t len;
    int err, transport = 0;
    unsigned i;

    if (sa->state != TIP_IKE_S_INIT_DONE)
        return TIP_ERR_POLICY;
    if (pl_idi == NULL || tip_ike_id_parse(tip_ike_pl_body(in, pl_idi), pl_idi->len, &idi) != TIP_OK ||
        (pl_idr != NULL &&
         tip_ike_id_parse(tip_ike_pl_body(in, pl_idr), pl_idr->len, &idr) != TIP_OK)) {
        (void)tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_INVALID_SYNTAX, NULL, 0);
        tip_ike_sa_down(ctx, sa, TIP_ERR_MALFORMED);
        return TIP_OK;
    }
    /* RFC 7296 2.15: the peer proves the identity we expect for it, with
     * the key configured for that identity. No AUTH payload means EAP,
     * which tinyipsec does not do. */
    c = tip_ike_conn_by_id(ctx, sa, &idi, pl_idr != NULL ? &idr : NULL);
    err = TIP_ERR_AUTH;
    if (c != NULL && tip_ike_msg_find(in, TIP_IKE_PL_AUTH, 0) != NULL)
        err = tip_ike_verify_auth(ctx, sa, &c->cfg, in, &idi);
    if (err != TIP_OK) {
        /* The event says why (a certificate's fault is named); the IKE SA
         * goes down as an authentication failure, which does not restart. */
        (void)tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_AUTHENTICATION_FAILED, NULL, 0);
        tip_ike_fail(ctx, sa, err);
        tip_ike_sa_down_ev(ctx, sa, TIP_ERR_AUTH, TIP_EV_AUTH_FAILED, err);
        return TIP_OK;
    }
#if TIP_CONF_IKE_MOBIKE
    if (!tip_ike_mobike_auth_nat_ok(&c->cfg, in, req)) {
        /* RFC 4555 3.9: a NAT on the way where the initiator allows none:
         * UNEXPECTED_NAT_DETECTED where the request came from, and (RFC
         * 7296 2.21.2) no IKE SA; the initiator may try again from a new
         * IKE_SA_INIT. */
        tip_ike_log(ctx, TIP_LOG_WARN, "MOBIKE: IKE_AUTH through a NAT the peer prohibits");
        (void)tip_ike_respond_notify_to(ctx, sa, req->lport == sa->lport ? req : NULL, &m->hdr,
                                        TIP_IKE_N_UNEXPECTED_NAT_DETECTED, NULL, 0);
        tip_ike_sa_down(ctx, sa, TIP_ERR_POLICY);
        return TIP_OK;
    }
#else
    (void)req;
#endif
    conn = tip_ike_conn_handle(ctx, c);
    sa->conn = conn;
    for (i = 0; tip_ike_msg_find(in, TIP_IKE_PL_N, i) != NULL; i++) {
        const tip_ike_pl_t *pl = tip_ike_msg_find(in, TIP_IKE_PL_N, i);
        if (tip_ike_notify_parse(tip_ike_pl_body(in, pl), pl->len, &n) == TIP_OK &&
            n.type == TIP_IKE_N_USE_TRANSPORT_MODE)
            transport = 1;
    }
    /* The first CHILD SA (1.2): proposal, virtual address (2.19),
     * selectors (2.9), mode (1.3.1). Intended clones: different checks, in
     * this order, two of which answer with the same notify. */
    if (pl_sa == NULL)
        child_err = TIP_IKE_N_NO_PROPOSAL_CHOSEN; /* NOLINT(bugprone-branch-clone) */
    else if (tip_ike_select_child(c->cfg.child, c->cfg.child_count, tip_ike_pl_body(in, pl_sa),
                                  pl_sa->len, 0, &cp, &num, &peer_spi) != TIP_OK)
        child_err = TIP_IKE_N_NO_PROPOSAL_CHOSEN;
#if TIP_CONF_IKE_CP
    if (child_err == 0)
        child_err = tip_ike_cp_assign(ctx, c, in, &cp_reply, &cp_dns);
#endif
    /* 2.9: narrowed against each of the connection's selector pairs. */
    if (child_err == 0 && tip_ike_conn_narrow(c, 0, in, 0, &sel, &pair) != TIP_OK)
        child_err = TIP_IKE_N_TS_UNACCEPTABLE;
    else if (child_err == 0 && transport != (c->cfg.mode == TIP_MODE_TRANSPORT))
        child_err = TIP_IKE_N_NO_PROPOSAL_CHOSEN;

    /* The IKE_SA_INIT response our AUTH covers (init_r) is also the
     * cached response: ours goes into a buffer of its own, the one the
     * initiator's IKE_SA_INIT request leaves (its AUTH is verified). */
    tip_ike_buf_release(ctx, &sa->init_i_buf);
    if (sa->resp_buf == sa->init_r_buf)
        sa->resp_buf = 0;
    tip_ike_hdr_response(sa, &m->hdr, &h);
    if (tip_ike_w_pool(ctx, &sa->resp_buf, &w) == NULL) {
        tip_ike_sa_down(ctx, sa, TIP_ERR_FULL); /* never: init_i's buffer was just freed */
        return TIP_ERR_FULL;
    }
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    tip_ike_w_id_auth(ctx, &w, sa, &c->cfg);
    if (w.err == TIP_ERR_SIGN) {
        /* Our signer failed: nothing is established; the peer hears that
         * the exchange failed (2.21.2: the error notify alone). */
        (void)tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_AUTHENTICATION_FAILED, NULL, 0);
        tip_ike_fail(ctx, sa, TIP_ERR_SIGN);
        tip_ike_sa_down_ev(ctx, sa, TIP_ERR_AUTH, TIP_EV_AUTH_FAILED, TIP_ERR_SIGN);
        return TIP_OK;
    }
#if TIP_CONF_IKE_MOBIKE
    /* RFC 4555 3.1: answer MOBIKE_SUPPORTED with ours when we allow it. */
    tip_ike_mobike_take(sa, &c->cfg, in);
    if (sa->peer_mobike)
        tip_ike_mobike_w_supported(&w, &c->cfg);
#endif
    err = tip_ike_established(ctx, sa, c);
    if (err != TIP_OK)
        return err;
    if (child_err == 0) {
        uint32_t spi_in = tip_ike_new_spi(ctx);
        err = tip_ike_child_install(ctx, sa, &cp, spi_in, peer_spi, &sel, sa->ni, sa->ni_len,
                                    sa->nr, sa->nr_len, NULL, 0, 0, &sa->child[0]);
        sa->child[0].ts_idx = pair;
        if (err != TIP_OK) {
            child_err = TIP_IKE_N_NO_ADDITIONAL_SAS; /* our tables are full */
        } else {
#if TIP_CONF_IKE_CP
            if (cp_reply)
                tip_ike_cp_w_reply(&w, &c->vip, cp_dns);
#endif
            if (transport)
                tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
            tip_ike_w_sa_child_chosen(&w, num, &cp, spi_in, 0);
            tip_ike_w_ts_pair(&w, &sel, 0);
        }
    }
    if (child_err != 0)
        tip_ike_w_notify(&w, 0, NULL, 0, child_err, NULL, 0);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_response(ctx, sa, len);
    if (child_err == 0)
        tip_ike_child_schedule(ctx, sa, &sa->child[0]);
    /* RFC 7296 2.4: with INITIAL_CONTACT the peer holds no other IKE SA
     * with us; older ones of this identity go (without telling it). The
     * SAs of a connection open to any identity (certificates) may belong
     * to other peers: there they stay until they die otherwise (3.10.1
     * limits the notify to the sender's own identity). */
    if (tip_ike_find_notify(in, TIP_IKE_N_INITIAL_CONTACT, &n) &&
        c->cfg.remote_id.type != TIP_ID_NONE)
        tip_ike_initial_contact(ctx, sa);
    /* Events last, from copies: the callback may change anything. */
    {
        tip_handle_t child_in = sa->child[0].sa_in;
        uint32_t spi_in = sa->child[0].spi_in;
        tip_ike_raise(ctx, conn, TIP_EV_IKE_UP, 0, 0, 0);
        if (child_err != 0)
            tip_ike_raise(ctx, conn, TIP_EV_PROPOSAL_MISMATCH, child_err, 0, 0);
        else
            tip_ike_raise(ctx, conn, TIP_EV_CHILD_UP, 0, child_in, spi_in);
    }
    return err;
}

#endif /* TIP_CONF_IKE_RESPONDER */

#if TIP_CONF_IKE_INITIATOR
int tip_ike_auth_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                          const tip_ike_msg_t *in)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    const tip_ike_pl_t *pl_idr = tip_ike_msg_find(in, TIP_IKE_PL_IDR, 0);
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    const tip_ike_pl_t *pl;
    tip_child_proposal_t cp;
    tip_selector_t sel, ours;
    tip_ike_id_t idr;
    tip_handle_t conn;
    uint32_t peer_spi;
    uint16_t child_err = 0;
    unsigned i;
    int err, vip_fail = 0;
#if TIP_CONF_IKE_CP
    int vip_up = 0;
    tip_ike_vip_t vip;
#endif

    (void)m;
    if (c == NULL || sa->state != TIP_IKE_S_AUTH_SENT)
        return TIP_ERR_POLICY;
    /* Errors the responder reports instead of authenticating. */
    for (i = 0; (pl = tip_ike_msg_find(in, TIP_IKE_PL_N, i)) != NULL; i++) {
        tip_ike_notify_t n;
        if (tip_ike_notify_parse(tip_ike_pl_body(in, pl), pl->len, &n) != TIP_OK ||
            n.type > TIP_IKE_N_ERROR_MAX)
            continue;
        if (n.type == TIP_IKE_N_NO_PROPOSAL_CHOSEN || n.type == TIP_IKE_N_TS_UNACCEPTABLE ||
            n.type == TIP_IKE_N_SINGLE_PAIR_REQUIRED || n.type == TIP_IKE_N_NO_ADDITIONAL_SAS ||
            n.type == TIP_IKE_N_INTERNAL_ADDRESS_FAILURE || n.type == TIP_IKE_N_FAILED_CP_REQUIRED) {
            child_err = n.type; /* the IKE SA may still be fine (2.21.2) */
            continue;
        }
        tip_ike_fail(ctx, sa, TIP_ERR_AUTH);
        tip_ike_sa_down_ev(ctx, sa, TIP_ERR_AUTH,
                           n.type == TIP_IKE_N_AUTHENTICATION_FAILED ? TIP_EV_AUTH_FAILED
                                                                     : TIP_EV_IKE_DOWN,
                           n.type);
        return TIP_OK;
    }
    err = TIP_ERR_AUTH;
    if (pl_idr != NULL && tip_ike_id_parse(tip_ike_pl_body(in, pl_idr), pl_idr->len, &idr) == TIP_OK &&
        tip_ike_peer_id_ok(&c->cfg, &idr))
        err = tip_ike_verify_auth(ctx, sa, &c->cfg, in, &idr);
    if (err != TIP_OK) {
        tip_ike_fail(ctx, sa, err);
        tip_ike_sa_down_ev(ctx, sa, TIP_ERR_AUTH, TIP_EV_AUTH_FAILED, err);
        return TIP_OK;
    }
#if TIP_CONF_IKE_MOBIKE
    tip_ike_mobike_take(sa, &c->cfg, in); /* RFC 4555 3.1 */
#endif
    err = tip_ike_established(ctx, sa, c);
    if (err != TIP_OK)
        return err;
    conn = sa->conn;
#if TIP_CONF_IKE_CP
    /* RFC 7296 2.19, 3.15.4: the address asked for, or none (then the
     * connection fails unless it may go on with its own selectors). */
    if (c->cfg.vip_request != 0) {
        int got = child_err == 0 && tip_ike_cp_take_reply(c, in);
        if (!got && !c->cfg.vip_optional) {
            vip_fail = 1;
            if (child_err == 0)
                child_err = TIP_IKE_N_INTERNAL_ADDRESS_FAILURE;
        }
        vip_up = c->vip_valid;
        vip = c->vip;
    }
#endif
    if (child_err == 0) {
        if (pl_sa == NULL ||
            tip_ike_accept_child(c->cfg.child, c->cfg.child_count, tip_ike_pl_body(in, pl_sa),
                                 pl_sa->len, 0, &cp, &peer_spi) != TIP_OK)
            child_err = TIP_IKE_N_NO_PROPOSAL_CHOSEN;
    }
    if (child_err == 0) {
        tip_ike_conn_ts(c, 1, &ours);
        if (tip_ike_ts_narrow(&ours, in, 1, &sel) != TIP_OK)
            child_err = TIP_IKE_N_TS_UNACCEPTABLE; /* 2.9: within what we proposed (ts) */
    }
    /* The further selector pairs follow in CREATE_CHILD_SA (1.3.1). */
    if (!vip_fail)
        tip_ike_child_want_pairs(ctx, sa);
    if (child_err == 0) {
        err = tip_ike_child_install(ctx, sa, &cp, sa->child_pending_spi, peer_spi, &sel, sa->ni,
                                    sa->ni_len, sa->nr, sa->nr_len, NULL, 0, 1, &sa->child[0]);
        if (err == TIP_OK) {
            tip_handle_t child_in = sa->child[0].sa_in;
            uint32_t spi_in = sa->child[0].spi_in;
            tip_ike_child_schedule(ctx, sa, &sa->child[0]);
            tip_ike_raise(ctx, conn, TIP_EV_IKE_UP, 0, 0, 0);
#if TIP_CONF_IKE_CP
            if (vip_up)
                tip_ike_cp_raise(ctx, conn, &vip);
#endif
            tip_ike_raise(ctx, conn, TIP_EV_CHILD_UP, 0, child_in, spi_in);
            return TIP_OK;
        }
        child_err = TIP_IKE_N_NO_ADDITIONAL_SAS;
    }
    tip_ike_fail(ctx, sa, TIP_ERR_POLICY);
    /* Without its virtual address the connection has no use: it ends
     * (Delete, RFC 7296 1.4.1; IKE_DOWN follows, no restart). */
    if (vip_fail)
        (void)tip_ike_sa_terminate(ctx, sa);
    tip_ike_raise(ctx, conn, TIP_EV_IKE_UP, 0, 0, 0);
#if TIP_CONF_IKE_CP
    if (vip_up)
        tip_ike_cp_raise(ctx, conn, &vip);
#endif
    tip_ike_raise(ctx, conn, TIP_EV_PROPOSAL_MISMATCH, child_err, 0, 0);
    return TIP_OK;
}

#endif /* TIP_CONF_IKE_INITIATOR */

#endif /* TIP_CONF_IKEV2 */
