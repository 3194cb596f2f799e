/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKE_SA_INIT (RFC 7296 1.2): proposals, key exchange, nonces, NAT
 * detection (2.23), cookies (2.6) and INVALID_KE_PAYLOAD retries (1.2),
 * for both roles. Ends with the IKE SA's keys derived (2.14).
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

/* The largest KE data and g^ir (MODP-2048). Both are kept in message
 * buffers of the SA that hold nothing yet (TIP_IKE_MSG_MAX is at least
 * 512), not on the stack under the key derivation. */
#define TIP_IKE_DH_PUB_MAX 256
#define TIP_IKE_DH_SECRET_MAX 256

int tip_ike_natd(const uint8_t spi_i[8], const uint8_t spi_r[8], const tip_addr_t *a,
                 uint16_t port, uint8_t out[20])
{
    uint8_t p[2];
    tip_iov_t iov[4];

    tip_store_be16(p, port);
    iov[0].p = spi_i;
    iov[0].len = 8;
    iov[1].p = spi_r;
    iov[1].len = 8;
    iov[2].p = a->addr;
    iov[2].len = a->family == TIP_AF_INET6 ? 16u : 4u;
    iov[3].p = p;
    iov[3].len = 2;
    return tip_crypto_sha1(iov, 4, out);
}

int tip_ike_esp_encap(const tip_ike_sa_t *sa)
{
    return sa->use_natt && (sa->nat_local || sa->nat_remote || sa->force_encap);
}

/*
 * Our two NAT_DETECTION notifies (2.23): source = us, destination = them.
 * A connection that forces UDP encapsulation sends a source hash that
 * cannot match (each byte inverted), so the peer sees a NAT in front of us
 * and encapsulates too, whatever its implementation.
 */
void tip_ike_w_natd(tip_ike_w_t *w, const tip_ike_sa_t *sa, const tip_ike_path_t *to)
{
    const tip_addr_t *local = to != NULL ? &to->local : &sa->local;
    const tip_addr_t *remote = to != NULL ? &to->remote : &sa->remote;
    uint8_t h[20];
    unsigned i;

    if (tip_ike_natd(sa->spi_i, sa->spi_r, local, to != NULL ? to->lport : sa->lport, h) !=
        TIP_OK) {
        w->err = TIP_ERR_CRYPTO;
        return;
    }
    for (i = 0; sa->force_encap && i < sizeof(h); i++)
        h[i] = (uint8_t)~h[i];
    tip_ike_w_notify(w, 0, NULL, 0, TIP_IKE_N_NAT_DETECTION_SOURCE_IP, h, 20);
    if (tip_ike_natd(sa->spi_i, sa->spi_r, remote, to != NULL ? to->rport : sa->rport, h) !=
        TIP_OK) {
        w->err = TIP_ERR_CRYPTO;
        return;
    }
    tip_ike_w_notify(w, 0, NULL, 0, TIP_IKE_N_NAT_DETECTION_DESTINATION_IP, h, 20);
}

/* RFC 7296 2.23 (the description is in ike_core.h). */
int tip_ike_natd_check(tip_ike_sa_t *sa, const uint8_t spi_i[8], const uint8_t spi_r[8],
                       const tip_ike_msg_t *m)
{
    const tip_ike_pl_t *pl;
    unsigned i;
    int src_ok = 0, src_seen = 0, dst_seen = 0, dst_ok = 0;
    uint8_t mine[20], theirs[20];

    if (tip_ike_natd(spi_i, spi_r, &sa->local, sa->lport, mine) != TIP_OK ||
        tip_ike_natd(spi_i, spi_r, &sa->remote, sa->rport, theirs) != TIP_OK)
        return 0;
    for (i = 0; (pl = tip_ike_msg_find(m, TIP_IKE_PL_N, i)) != NULL; i++) {
        tip_ike_notify_t n;
        if (tip_ike_notify_parse(tip_ike_pl_body(m, pl), pl->len, &n) != TIP_OK ||
            n.len != TIP_IKE_NATD_LEN)
            continue;
        if (n.type == TIP_IKE_N_NAT_DETECTION_SOURCE_IP) {
            src_seen = 1;
            src_ok |= memcmp(n.data, theirs, 20) == 0;
        } else if (n.type == TIP_IKE_N_NAT_DETECTION_DESTINATION_IP) {
            dst_seen = 1;
            dst_ok |= memcmp(n.data, mine, 20) == 0;
        }
    }
    if (!src_seen || !dst_seen)
        return 0; /* the peer does not do NAT-T: stay on plain ESP */
    sa->nat_remote = (uint8_t)!src_ok;
    sa->nat_local = (uint8_t)!dst_ok;
    return 1;
}

/* Find a notify of @p type; fills @p out. */
int tip_ike_find_notify(const tip_ike_msg_t *m, uint16_t type, tip_ike_notify_t *out)
{
    const tip_ike_pl_t *pl;
    unsigned i;

    for (i = 0; (pl = tip_ike_msg_find(m, TIP_IKE_PL_N, i)) != NULL; i++) {
        if (tip_ike_notify_parse(tip_ike_pl_body(m, pl), pl->len, out) == TIP_OK &&
            out->type == type)
            return 1;
    }
    return 0;
}

/* The first error notify of a response, 0 if none. */
uint16_t tip_ike_error_notify(const tip_ike_msg_t *m)
{
    const tip_ike_pl_t *pl;
    unsigned i;

    for (i = 0; (pl = tip_ike_msg_find(m, TIP_IKE_PL_N, i)) != NULL; i++) {
        tip_ike_notify_t n;
        if (tip_ike_notify_parse(tip_ike_pl_body(m, pl), pl->len, &n) == TIP_OK &&
            n.type <= TIP_IKE_N_ERROR_MAX)
            return n.type;
    }
    return 0;
}

int tip_ike_sa_set_keys(tip_ctx_t *ctx, tip_ike_sa_t *sa, const uint8_t *skeyseed,
                        size_t skeyseed_len)
{
    tip_ike_keys_t k;
    int err;

    /* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
     *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)   (2.14) */
    err = tip_ike_derive_keys(&k, (tip_prf_t)sa->prf, (tip_encr_t)sa->encr, sa->key_bits,
                              (tip_integ_t)sa->integ, skeyseed, skeyseed_len, sa->ni, sa->ni_len,
                              sa->nr, sa->nr_len, sa->spi_i, sa->spi_r);
    if (err == TIP_OK && k.prf_len > sizeof(sa->sk_d))
        err = TIP_ERR_UNSUPPORTED; /* never: the PRFs follow TIP_IKE_PRF_MAX's switches */
    if (err != TIP_OK) {
        tip_ike_keys_wipe(&k);
        return err;
    }
    sa->prf_len = k.prf_len;
    memcpy(sa->sk_d, k.sk_d, k.prf_len);
    memcpy(sa->sk_pi, k.sk_pi, k.prf_len);
    memcpy(sa->sk_pr, k.sk_pr, k.prf_len);
    err = tip_ike_sk_setup(sa, k.sk_ei, k.sk_er, k.encr_len, k.sk_ai, k.sk_ar, k.integ_len);
    if (err == TIP_OK)
        tip_ike_keylog_ike(ctx, sa, &k);
    tip_ike_keys_wipe(&k);
    return err;
}

/* SKEYSEED = prf(Ni | Nr, g^ir) (2.14), then the keys. */
static int tip_ike_keys_from_exchange(tip_ctx_t *ctx, tip_ike_sa_t *sa, const uint8_t *g_ir,
                                      size_t g_ir_len)
{
    uint8_t skeyseed[TIP_IKE_PRF_MAX];
    int err;

    err = tip_ike_skeyseed((tip_prf_t)sa->prf, sa->ni, sa->ni_len, sa->nr, sa->nr_len, g_ir,
                           g_ir_len, skeyseed);
    if (err == TIP_OK)
        err = tip_ike_sa_set_keys(ctx, sa, skeyseed, tip_crypto_prf_len((tip_prf_t)sa->prf));
    tip_crypto_zeroize(skeyseed, sizeof(skeyseed));
    return err;
}

/*
 * g^ir from the peer's KE payload, then the keys. A KE that does not
 * compute (TIP_ERR_MALFORMED, or the backend's error) leaves our private
 * value in place: the initiator keeps waiting for a valid response.
 * @p g_ir is where g^ir is kept meanwhile: a message buffer of the SA
 * (TIP_IKE_MSG_MAX bytes) that holds nothing yet, wiped before returning,
 * so the shared secret does not sit on the stack under the key derivation.
 */
static int tip_ike_finish_dh(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_ke_t *ke,
                             uint8_t *g_ir, int *bad_ke)
{
    size_t n = tip_crypto_dh_secret_len((tip_dh_group_t)sa->dh_group);
    int err;

    *bad_ke = 1;
    if (ke->group != sa->dh_group || n == 0 || n > TIP_IKE_DH_SECRET_MAX)
        return TIP_ERR_MALFORMED;
    err = tip_crypto_dh_compute(&sa->dh, ke->data, ke->len, g_ir, n);
    if (err == TIP_OK) {
        *bad_ke = 0;
        tip_crypto_dh_free(&sa->dh); /* the private value is no longer needed */
        err = tip_ike_keys_from_exchange(ctx, sa, g_ir, n);
    }
    tip_crypto_zeroize(g_ir, n);
    return err;
}

/* ---- initiator ---------------------------------------------------------- */
#if TIP_CONF_IKE_INITIATOR

/* Build the IKE_SA_INIT request into the request buffer and keep a copy
 * in init_i (both from the message pool). */
static int tip_ike_init_build(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_conn_t *conn)
{
    size_t publen = tip_crypto_dh_pub_len((tip_dh_group_t)sa->dh_group);
    uint8_t *req, *init_i, *pub;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    int err;

    if (publen == 0 || publen > TIP_IKE_DH_PUB_MAX)
        return TIP_ERR_UNSUPPORTED;
    req = tip_ike_buf_take(ctx, &sa->req_buf);
    init_i = tip_ike_buf_take(ctx, &sa->init_i_buf);
    if (req == NULL || init_i == NULL)
        return TIP_ERR_FULL;
    pub = TIP_IKE_BUF_MSG(init_i); /* our KE data; the copy of the request is made last */
    err = tip_crypto_dh_generate(&sa->dh, (tip_dh_group_t)sa->dh_group, ctx->port.random,
                                 ctx->port.arg, pub, publen);
    if (err != TIP_OK)
        return err;
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_IKE_SA_INIT, &h);
    tip_ike_w_init(&w, TIP_IKE_BUF_MSG(req), TIP_IKE_MSG_MAX); /* never fragmented */
    tip_ike_w_hdr(&w, &h);
    /* RFC 7296 2.6: the cookie goes first. */
    if (sa->cookie_len != 0)
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_COOKIE, sa->cookie, sa->cookie_len);
    tip_ike_w_sa_ike(&w, conn, NULL, TIP_DH_NONE); /* all proposals; KE of one (1.2) */
    tip_ike_w_ke(&w, sa->dh_group, pub, publen);
    tip_ike_w_nonce(&w, sa->ni, sa->ni_len);
    tip_ike_w_natd(&w, sa, NULL);
#if TIP_CONF_IKE_FRAG
    tip_ike_frag_w_notify(&w, conn);
#endif
#if TIP_CONF_IKE_CERT
    tip_ike_cert_w_init(&w, conn, 0);
#endif
    err = tip_ike_w_finish(&w);
    if (err != TIP_OK)
        return err;
    memcpy(TIP_IKE_BUF_MSG(init_i), TIP_IKE_BUF_MSG(req), w.len);
    sa->init_i_len = (uint16_t)w.len;
    sa->msg_id_out = 0;
    return tip_ike_send_request(ctx, sa, w.len, TIP_IKE_P_NONE);
}

int tip_ike_init_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_dh_group_t group)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    int err;

    if (c == NULL)
        return TIP_ERR_INTERNAL;
    /* A fresh, non-zero SPI and nonce (2.10: at least half the PRF size). */
    do {
        err = tip_ike_random(ctx, sa->spi_i, 8);
    } while (err == TIP_OK && tip_load_be32(sa->spi_i) == 0 && tip_load_be32(sa->spi_i + 4) == 0);
    if (err == TIP_OK)
        err = tip_ike_random(ctx, sa->ni, TIP_IKE_NONCE_LEN);
    if (err != TIP_OK)
        return err;
    sa->ni_len = TIP_IKE_NONCE_LEN;
    memset(sa->spi_r, 0, 8);
    sa->dh_group = (uint8_t)group;
    err = tip_ike_sa_set_state(ctx, sa, TIP_IKE_S_INIT_SENT);
    if (err != TIP_OK)
        return err;
    sa->established_ms = ctx->now_ms;
    return tip_ike_init_build(ctx, sa, &c->cfg);
}

static int tip_ike_group_offered(const tip_ike_conn_t *conn, uint16_t group)
{
    unsigned i;

    for (i = 0; i < conn->ike_count; i++)
        if ((uint16_t)conn->ike[i].dh == group)
            return 1;
    return 0;
}

/*
 * RFC 7296 2.21.1: an IKE_SA_INIT response is not authenticated, so an
 * error in it (or a choice we never offered) is only a hint: it is kept
 * as the likely reason, and the exchange goes on waiting for a valid
 * response until the normal timeout (tip_ike_init_give_up reports it).
 */
static int tip_ike_init_hint(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint16_t notify)
{
    if (sa->init_hint == 0)
        sa->init_hint = notify;
    tip_log(ctx, TIP_LOG_INFO, "ike: unauthenticated IKE_SA_INIT error kept as a hint");
    return TIP_OK;
}

int tip_ike_init_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    const tip_ike_pl_t *pl_sa, *pl_ke, *pl_n;
    tip_ike_notify_t n;
    tip_ike_proposal_t chosen;
    tip_ike_ke_t ke;
    const uint8_t *nonce;
    size_t nonce_len;
    uint16_t errn;
    uint8_t *init_r;
    int err, natd, bad_ke;

    if (c == NULL || sa->state != TIP_IKE_S_INIT_SENT || m->hdr.msg_id != 0)
        return TIP_ERR_POLICY;
    /* Where the response is kept for AUTH: without it nothing here may
     * change (the request is retransmitted, the response comes again). */
    init_r = tip_ike_buf_take(ctx, &sa->init_r_buf);
    if (init_r == NULL)
        return TIP_ERR_FULL;
    /* RFC 7296 2.6: a cookie request; retry with it, all else unchanged. */
    if (tip_ike_find_notify(m, TIP_IKE_N_COOKIE, &n)) {
        if (n.len == 0 || n.len > TIP_IKE_COOKIE_MAX || sa->cookie_len != 0)
            return TIP_ERR_MALFORMED; /* a second cookie round is a loop: ignore */
        memcpy(sa->cookie, n.data, n.len);
        sa->cookie_len = (uint8_t)n.len;
        tip_crypto_dh_free(&sa->dh);
        return tip_ike_init_build(ctx, sa, &c->cfg);
    }
    /* RFC 7296 1.2: the responder wants another group of ours: retry once
     * with it. Any other INVALID_KE_PAYLOAD is only a hint. */
    if (tip_ike_find_notify(m, TIP_IKE_N_INVALID_KE_PAYLOAD, &n)) {
        uint16_t g = n.len == 2 ? tip_load_be16(n.data) : 0;
        if (g == sa->dh_group || !tip_ike_group_offered(&c->cfg, g) || sa->ke_retried)
            return tip_ike_init_hint(ctx, sa, TIP_IKE_N_INVALID_KE_PAYLOAD);
        tip_crypto_dh_free(&sa->dh);
        sa->dh_group = (uint8_t)g;
        sa->ke_retried = 1;
        return tip_ike_init_build(ctx, sa, &c->cfg);
    }
    errn = tip_ike_error_notify(m);
    if (errn != 0)
        return tip_ike_init_hint(ctx, sa, errn);
    pl_sa = tip_ike_msg_find(m, TIP_IKE_PL_SA, 0);
    pl_ke = tip_ike_msg_find(m, TIP_IKE_PL_KE, 0);
    pl_n = tip_ike_msg_find(m, TIP_IKE_PL_NONCE, 0);
    if (pl_sa == NULL || pl_ke == NULL || pl_n == NULL ||
        tip_ike_ke_parse(tip_ike_pl_body(m, pl_ke), pl_ke->len, &ke) != TIP_OK ||
        tip_ike_nonce_parse(tip_ike_pl_body(m, pl_n), pl_n->len, &nonce, &nonce_len) != TIP_OK)
        return TIP_ERR_MALFORMED;
    err = tip_ike_accept_ike(c->cfg.ike, c->cfg.ike_count, tip_ike_pl_body(m, pl_sa), pl_sa->len,
                             &chosen, NULL);
    if (err != TIP_OK || (uint16_t)chosen.dh != sa->dh_group)
        return tip_ike_init_hint(ctx, sa, TIP_IKE_N_NO_PROPOSAL_CHOSEN); /* never offered */
    memcpy(sa->spi_r, m->hdr.spi_r, 8);
    memcpy(sa->nr, nonce, nonce_len);
    sa->nr_len = (uint16_t)nonce_len;
    sa->encr = (uint8_t)chosen.encr;
    sa->integ = (uint8_t)chosen.integ;
    sa->prf = (uint8_t)chosen.prf;
    sa->key_bits = chosen.encr == TIP_ENCR_CHACHA20_POLY1305 ? 256 : chosen.key_bits;
    err = tip_ike_finish_dh(ctx, sa, &ke, TIP_IKE_BUF_MSG(init_r), &bad_ke);
    if (err != TIP_OK && bad_ke) {
        memset(sa->spi_r, 0, 8); /* a KE that does not compute: drop it, keep waiting */
        return TIP_ERR_MALFORMED;
    }
    if (err != TIP_OK) {
        tip_ike_fail(ctx, sa, err);
        tip_ike_sa_down(ctx, sa, err);
        return TIP_OK;
    }
    memcpy(TIP_IKE_BUF_MSG(init_r), m->buf, m->len);
    sa->init_r_len = (uint16_t)m->len;
    natd = tip_ike_natd_check(sa, m->hdr.spi_i, m->hdr.spi_r, m);
#if TIP_CONF_IKE_FRAG
    (void)tip_ike_frag_negotiate(sa, &c->cfg, m); /* RFC 7383 2.3 */
#endif
#if TIP_CONF_IKE_CERT
    sa->peer_sig_hashes = tip_ike_cert_peer_hashes(m);
#endif
    /* RFC 7296 2.23: behind a NAT (either side), or when asked to, move
     * to port 4500 (ESP is then UDP-encapsulated, tip_ike_esp_encap()).
     * RFC 4555 3.3: with MOBIKE offered, NAT-T built in and a peer that
     * does NAT-T, IKE moves there in IKE_AUTH even without a NAT, so that
     * a NAT met after a move finds the SA on the right port; ESP stays
     * plain then. */
    if (natd && (sa->nat_local || sa->nat_remote || c->cfg.force_encap
#if TIP_CONF_IKE_MOBIKE && TIP_CONF_NATT
                 || !c->cfg.no_mobike
#endif
                 )) {
        sa->use_natt = 1;
        sa->lport = c->cfg.local_natt_port;
        sa->rport = c->cfg.remote_natt_port;
    }
    sa->req_outstanding = 0;
    sa->msg_id_out = 1;
    sa->last_rx_ms = ctx->now_ms;
    sa->init_hint = 0;
    err = tip_ike_auth_start(ctx, sa);
    if (err != TIP_OK) {
        /* The response was good; the failure is ours (no buffer, our
         * signer): the IKE SA ends and says why rather than waiting. A
         * signer's failure is an authentication failure: no restart. */
        tip_ike_fail(ctx, sa, err);
        if (err == TIP_ERR_SIGN)
            tip_ike_sa_down_ev(ctx, sa, TIP_ERR_AUTH, TIP_EV_AUTH_FAILED, err);
        else
            tip_ike_sa_down(ctx, sa, err);
    }
    return TIP_OK;
}
#endif /* TIP_CONF_IKE_INITIATOR */

/* ---- responder -------------------------------------------------------- */
#if TIP_CONF_IKE_RESPONDER

/* The first connection that may answer @p src on our @p dst. */
static tip_ike_conn_slot_t *tip_ike_conn_for(tip_ctx_t *ctx, const tip_addr_t *src,
                                             const tip_addr_t *dst)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        tip_ike_conn_slot_t *c = &ctx->ike.conn[i];
        if (!c->in_use || c->cfg.local_addr.family != dst->family)
            continue;
        if (!tip_addr_equal(&c->cfg.local_addr, dst))
            continue;
        if (c->cfg.remote_addr.family == TIP_AF_NONE || tip_addr_equal(&c->cfg.remote_addr, src))
            return c;
    }
    return NULL;
}

/* RFC 7296 2.6: Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>),
 * here HMAC-SHA-256 keyed with the secret of that version. */
static int tip_ike_cookie(const tip_ctx_t *ctx, uint32_t version, const uint8_t *ni,
                          size_t ni_len, const tip_addr_t *ip, const uint8_t spi_i[8],
                          uint8_t out[36])
{
    const uint8_t *secret = version == ctx->ike.cookie_version ? ctx->ike.cookie_secret
                                                               : ctx->ike.cookie_secret_old;
    tip_iov_t iov[3];

    tip_store_be32(out, version);
    iov[0].p = ni;
    iov[0].len = ni_len;
    iov[1].p = ip->addr;
    iov[1].len = ip->family == TIP_AF_INET6 ? 16u : 4u;
    iov[2].p = spi_i;
    iov[2].len = 8;
    return tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, secret, 32, iov, 3, out + 4);
}

/* A stateless answer to an IKE_SA_INIT request: one notify (2.6, 2.21). */
static void tip_ike_init_reject(tip_ctx_t *ctx, const tip_addr_t *src, uint16_t sport,
                                const tip_addr_t *dst, uint16_t dport, const tip_ike_hdr_t *req,
                                int natt, uint16_t type, const uint8_t *data, size_t len)
{
    uint8_t buf[4 + 128];
    tip_ike_hdr_t h;
    tip_ike_w_t w;

    memset(&h, 0, sizeof(h));
    memcpy(h.spi_i, req->spi_i, 8);
    h.exchange = TIP_IKE_EXCH_IKE_SA_INIT;
    h.flags = TIP_IKE_FLAG_RESPONSE;
    h.msg_id = 0;
    tip_ike_w_init(&w, buf + 4, sizeof(buf) - 4);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_notify(&w, 0, NULL, 0, type, data, len);
    if (tip_ike_w_finish(&w) != TIP_OK || ctx->port.send_udp == NULL)
        return;
    memset(buf, 0, 4);
    (void)ctx->port.send_udp(ctx->port.arg, dst, dport, src, sport, natt ? buf : buf + 4,
                             natt ? w.len + 4 : w.len);
}

/* 1 when any IKE SA, half-open ones included, belongs to connection @p c. */
static int tip_ike_conn_busy(tip_ctx_t *ctx, const tip_ike_conn_slot_t *c)
{
    tip_handle_t h = tip_ike_conn_handle(ctx, c);
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (ctx->ike.sa[i].state != TIP_IKE_S_FREE && ctx->ike.sa[i].conn == h)
            return 1;
    return 0;
}

int tip_ike_init_request(tip_ctx_t *ctx, const tip_addr_t *src, uint16_t sport,
                         const tip_addr_t *dst, uint16_t dport, const tip_ike_msg_t *m)
{
    const tip_ike_pl_t *pl_sa, *pl_ke, *pl_n;
    tip_ike_conn_slot_t *c = tip_ike_conn_for(ctx, src, dst);
    tip_ike_proposal_t chosen;
    tip_ike_notify_t n;
    tip_ike_ke_t ke;
    tip_ike_sa_t *sa;
    const uint8_t *nonce;
    size_t nonce_len;
    uint8_t num, cookie[36], *pub;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    int err, natd, natt;
    size_t publen;
    uint8_t *resp, *init_i;

    if (c == NULL)
        return TIP_ERR_POLICY; /* nobody configured for this peer: drop */
    natt = dport == c->cfg.local_natt_port;
    pl_sa = tip_ike_msg_find(m, TIP_IKE_PL_SA, 0);
    pl_ke = tip_ike_msg_find(m, TIP_IKE_PL_KE, 0);
    pl_n = tip_ike_msg_find(m, TIP_IKE_PL_NONCE, 0);
    if (pl_sa == NULL || pl_ke == NULL || pl_n == NULL ||
        tip_ike_ke_parse(tip_ike_pl_body(m, pl_ke), pl_ke->len, &ke) != TIP_OK ||
        tip_ike_nonce_parse(tip_ike_pl_body(m, pl_n), pl_n->len, &nonce, &nonce_len) != TIP_OK ||
        m->len > TIP_IKE_MSG_MAX)
        return TIP_ERR_MALFORMED;
    /* RFC 7296 2.6: under load, only peers that can show they receive at
     * their address get state. */
    if (tip_ike_half_open(ctx) >= TIP_IKE_COOKIE_THRESHOLD) {
        int ok = 0;
        tip_ike_cookie_refresh(ctx);
        if (tip_ike_find_notify(m, TIP_IKE_N_COOKIE, &n) && n.len == 36) {
            uint32_t v = tip_load_be32(n.data);
            /* The current secret, or the one before it once there was a
             * rotation (before the first one there is no earlier secret). */
            int known = v == ctx->ike.cookie_version ||
                        (ctx->ike.cookie_old_valid && v + 1u == ctx->ike.cookie_version);
            if (known &&
                tip_ike_cookie(ctx, v, nonce, nonce_len, src, m->hdr.spi_i, cookie) == TIP_OK)
                ok = tip_crypto_ct_memcmp(cookie, n.data, 36) == 0;
        }
        if (!ok) {
            if (tip_ike_cookie(ctx, ctx->ike.cookie_version, nonce, nonce_len, src,
                               m->hdr.spi_i, cookie) == TIP_OK)
                tip_ike_init_reject(ctx, src, sport, dst, dport, &m->hdr, natt, TIP_IKE_N_COOKIE,
                                    cookie, sizeof(cookie));
            return TIP_OK;
        }
    }
    err = tip_ike_select_ike(c->cfg.ike, c->cfg.ike_count, tip_ike_pl_body(m, pl_sa), pl_sa->len,
                             &chosen, &num, NULL);
    if (err != TIP_OK) {
        tip_ike_init_reject(ctx, src, sport, dst, dport, &m->hdr, natt,
                            TIP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
        /* Unauthenticated: recorded only for a connection with no IKE SA
         * at all, never over a live or half-open one's status. */
        if (!tip_ike_conn_busy(ctx, c))
            c->last_error = TIP_ERR_POLICY;
        return TIP_OK;
    }
    if (ke.group != (uint16_t)chosen.dh) {
        uint8_t g[2];
        tip_store_be16(g, (uint16_t)chosen.dh);
        tip_ike_init_reject(ctx, src, sport, dst, dport, &m->hdr, natt,
                            TIP_IKE_N_INVALID_KE_PAYLOAD, g, 2);
        return TIP_OK;
    }
    /* A bounded number per source, never a slot kept for rekeys (2.6). */
    sa = tip_ike_sa_alloc(ctx, TIP_IKE_FOR_HALF_OPEN, src, &err);
    if (sa == NULL)
        return err;
    err = tip_ike_sa_set_state(ctx, sa, TIP_IKE_S_INIT_DONE);
    if (err != TIP_OK)
        return err;
    /* The half-open SA holds both IKE_SA_INIT messages from the message
     * pool: the request, and the response, which is at once the cached
     * response (2.1) and the message our AUTH covers (2.15), one buffer
     * under two handles (resp_buf, init_r_buf) until IKE_AUTH. Without
     * them it is not made (the request is dropped unanswered, its
     * retransmission may find room). */
    resp = tip_ike_buf_take(ctx, &sa->resp_buf);
    init_i = tip_ike_buf_take(ctx, &sa->init_i_buf);
    if (resp == NULL || init_i == NULL) {
        tip_ike_sa_free(ctx, sa); /* returns what it took */
        return TIP_ERR_FULL;
    }
    sa->conn = tip_ike_conn_handle(ctx, c);
    sa->initiator = 0;
    sa->local = *dst;
    sa->remote = *src;
    sa->lport = dport;
    sa->rport = sport;
    sa->use_natt = (uint8_t)natt;
    sa->force_encap = c->cfg.force_encap;
    sa->established_ms = ctx->now_ms;
    memcpy(sa->spi_i, m->hdr.spi_i, 8);
    memcpy(sa->ni, nonce, nonce_len);
    sa->ni_len = (uint16_t)nonce_len;
    sa->encr = (uint8_t)chosen.encr;
    sa->integ = (uint8_t)chosen.integ;
    sa->prf = (uint8_t)chosen.prf;
    sa->dh_group = (uint8_t)chosen.dh;
    sa->key_bits = chosen.encr == TIP_ENCR_CHACHA20_POLY1305 ? 256 : chosen.key_bits;
    memcpy(TIP_IKE_BUF_MSG(init_i), m->buf, m->len);
    sa->init_i_len = (uint16_t)m->len;
    /* g^ir waits at the start of resp (the response is written after the
     * keys), our KE data at its end, behind the room the response may
     * take. (tip_ike_ke_room() does this for CREATE_CHILD_SA; here it is
     * done in place, as a room structure in this frame adds 24 B to the
     * handshake's deepest stack.) */
    publen = tip_crypto_dh_pub_len(chosen.dh);
    pub = TIP_IKE_BUF_MSG(resp) + TIP_IKE_MSG_MAX - publen;
    if (publen == 0 || publen > TIP_IKE_DH_PUB_MAX ||
        tip_crypto_dh_secret_len(chosen.dh) > TIP_IKE_MSG_MAX - publen) {
        tip_ike_sa_free(ctx, sa);
        return TIP_ERR_UNSUPPORTED;
    }
    do {
        err = tip_ike_random(ctx, sa->spi_r, 8);
    } while (err == TIP_OK && tip_load_be32(sa->spi_r) == 0 && tip_load_be32(sa->spi_r + 4) == 0);
    if (err == TIP_OK)
        err = tip_ike_random(ctx, sa->nr, TIP_IKE_NONCE_LEN);
    sa->nr_len = TIP_IKE_NONCE_LEN;
    if (err == TIP_OK)
        err = tip_crypto_dh_generate(&sa->dh, chosen.dh, ctx->port.random, ctx->port.arg, pub,
                                     publen);
    if (err == TIP_OK) {
        int bad_ke;
        err = tip_ike_finish_dh(ctx, sa, &ke, TIP_IKE_BUF_MSG(resp), &bad_ke);
    }
    if (err != TIP_OK) {
        tip_ike_sa_free(ctx, sa);
        return err;
    }
    natd = tip_ike_natd_check(sa, m->hdr.spi_i, m->hdr.spi_r, m); /* SPIr 0 in the request */

    tip_ike_hdr_response(sa, &m->hdr, &h);
    tip_ike_w_init(&w, TIP_IKE_BUF_MSG(resp), TIP_IKE_MSG_MAX - publen); /* never fragmented */
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_sa_ike_chosen(&w, num, &chosen, NULL);
    tip_ike_w_ke(&w, (uint16_t)chosen.dh, pub, publen);
    tip_ike_w_nonce(&w, sa->nr, sa->nr_len);
    if (natd)
        tip_ike_w_natd(&w, sa, NULL);
#if TIP_CONF_IKE_FRAG
    /* RFC 7383 2.3: answered only when the initiator offered it. */
    if (tip_ike_frag_negotiate(sa, &c->cfg, m))
        tip_ike_frag_w_notify(&w, &c->cfg);
#endif
#if TIP_CONF_IKE_CERT
    sa->peer_sig_hashes = tip_ike_cert_peer_hashes(m);
    tip_ike_cert_w_init(&w, &c->cfg, 1);
#endif
    err = tip_ike_w_finish(&w);
    if (err != TIP_OK) {
        tip_ike_sa_free(ctx, sa);
        return err;
    }
    sa->init_r_buf = sa->resp_buf;
    sa->init_r_len = (uint16_t)w.len;
    sa->msg_id_in = 1;
    sa->msg_id_out = 0;
    return tip_ike_send_response(ctx, sa, w.len);
}

#endif /* TIP_CONF_IKE_RESPONDER */

#endif /* TIP_CONF_IKEV2 */
