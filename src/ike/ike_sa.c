/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKE SA and connection tables, sending with retransmission (RFC 7296 2.1,
 * 2.4) and the timers tip_poll() runs: retransmission, half-open expiry,
 * rekeying, liveness checks.
 */
#include <string.h>

#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

/* ---- connections ------------------------------------------------------ */

tip_ike_conn_slot_t *tip_ike_conn_get(tip_ctx_t *ctx, tip_handle_t h, int *err)
{
    unsigned idx = tip_handle_idx(h);
    tip_ike_conn_slot_t *c;

    if (h == 0 || idx >= TIP_MAX_IKE_CONN) {
        *err = TIP_ERR_NOT_FOUND;
        return NULL;
    }
    c = &ctx->ike.conn[idx];
    if (!c->in_use || c->gen != tip_handle_gen(h)) {
        *err = TIP_ERR_STALE;
        return NULL;
    }
    *err = TIP_OK;
    return c;
}

tip_ike_conn_slot_t *tip_ike_sa_conn(tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    if (sa->conn == 0 || sa->conn > TIP_MAX_IKE_CONN || !ctx->ike.conn[sa->conn - 1u].in_use)
        return NULL;
    return &ctx->ike.conn[sa->conn - 1u];
}

static tip_handle_t tip_ike_conn_handle(const tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    if (sa->conn == 0)
        return 0;
    return tip_handle_make(sa->conn - 1u, ctx->ike.conn[sa->conn - 1u].gen);
}

/* ---- IKE SA table ----------------------------------------------------- */

tip_ike_sa_t *tip_ike_sa_alloc(tip_ctx_t *ctx)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (sa->state == TIP_IKE_S_FREE) {
            uint16_t gen = sa->gen;
            memset(sa, 0, sizeof(*sa));
            sa->gen = gen;
            return sa;
        }
    }
    return NULL;
}

void tip_ike_sa_free(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    uint16_t gen = sa->gen;

    if (c != NULL && c->ike_sa == (uint16_t)(sa - ctx->ike.sa + 1))
        c->ike_sa = 0;
    tip_crypto_dh_free(&sa->dh);
    tip_crypto_sa_free(&sa->sk_in);
    tip_crypto_sa_free(&sa->sk_out);
    /* Keys, nonces and messages die with the SA. */
    tip_crypto_zeroize(sa, sizeof(*sa));
    sa->gen = (uint16_t)(gen + 1u);
}

const uint8_t *tip_ike_sa_our_spi(const tip_ike_sa_t *sa)
{
    return sa->initiator ? sa->spi_i : sa->spi_r;
}

tip_ike_sa_t *tip_ike_sa_find(tip_ctx_t *ctx, const uint8_t spi_i[8], const uint8_t spi_r[8],
                              int from_initiator)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (sa->state == TIP_IKE_S_FREE)
            continue;
        /* A message from the original initiator reaches the responder's SA
         * (our SPI is SPIr, except in the very first message), and the
         * other way round. */
        if (from_initiator && !sa->initiator && memcmp(sa->spi_i, spi_i, 8) == 0 &&
            memcmp(sa->spi_r, spi_r, 8) == 0)
            return sa;
        if (!from_initiator && sa->initiator && memcmp(sa->spi_i, spi_i, 8) == 0)
            return sa;
    }
    return NULL;
}

unsigned tip_ike_half_open(const tip_ctx_t *ctx)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += ctx->ike.sa[i].state == TIP_IKE_S_INIT_DONE;
    return n;
}

void tip_ike_event(tip_ctx_t *ctx, const tip_ike_sa_t *sa, tip_event_type_t type, int reason)
{
    tip_event_t ev;

    if (ctx->event_cb == NULL)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.conn = tip_ike_conn_handle(ctx, sa);
    ev.reason = reason;
    if (type == TIP_EV_CHILD_UP || type == TIP_EV_CHILD_REKEYED) {
        ev.sa = sa->child.sa_in;
        ev.spi = sa->child.spi_in;
    }
    ctx->event_cb(ctx->event_arg, &ev);
}

void tip_ike_fail(tip_ctx_t *ctx, tip_ike_sa_t *sa, int err)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);

    if (sa->first_error == 0)
        sa->first_error = err;
    if (c != NULL)
        c->last_error = sa->first_error;
}

int tip_ike_random(tip_ctx_t *ctx, uint8_t *out, size_t len)
{
    return ctx->port.random(ctx->port.arg, out, len) == 0 ? TIP_OK : TIP_ERR_CRYPTO;
}

void tip_ike_log(tip_ctx_t *ctx, int level, const char *msg)
{
    tip_log(ctx, level, msg);
}

/* ---- sending ---------------------------------------------------------- */

int tip_ike_send_raw(tip_ctx_t *ctx, const tip_ike_sa_t *sa, uint8_t *buf, size_t len)
{
    int err;

    if (ctx->port.send_udp == NULL)
        return TIP_ERR_PORT;
    if (sa->use_natt) {
        /* RFC 3948 2.2: on the NAT-T port IKE carries a non-ESP marker. */
        memset(buf, 0, 4);
        err = ctx->port.send_udp(ctx->port.arg, &sa->local, sa->lport, &sa->remote, sa->rport,
                                 buf, len + 4);
    } else {
        err = ctx->port.send_udp(ctx->port.arg, &sa->local, sa->lport, &sa->remote, sa->rport,
                                 TIP_IKE_BUF_MSG(buf), len);
    }
    return err == 0 ? TIP_OK : TIP_ERR_PORT;
}

static uint32_t tip_ike_rto(const tip_ike_sa_t *sa, const tip_ike_conn_slot_t *c)
{
    uint32_t base = (c != NULL && c->cfg.retransmit_ms != 0) ? c->cfg.retransmit_ms
                                                             : TIP_IKE_DEF_RETRANSMIT_MS;
    unsigned shift = sa->req_tries < 6 ? sa->req_tries : 6;

    /* RFC 7296 2.4: exponential back-off. */
    return base << shift;
}

int tip_ike_send_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, size_t len, uint8_t pending)
{
    sa->req_len = (uint16_t)len;
    sa->req_outstanding = 1;
    sa->req_tries = 0;
    sa->pend.kind = pending;
    sa->req_deadline_ms = ctx->now_ms + tip_ike_rto(sa, tip_ike_sa_conn(ctx, sa));
    /* A lost first send is just a retransmission later. */
    (void)tip_ike_send_raw(ctx, sa, sa->req, len);
    return TIP_OK;
}

int tip_ike_send_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, size_t len)
{
    sa->resp_len = (uint16_t)len;
    sa->resp_valid = 1;
    return tip_ike_send_raw(ctx, sa, sa->resp, len);
}

void tip_ike_hdr_request(const tip_ike_sa_t *sa, uint8_t exchange, tip_ike_hdr_t *h)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->spi_i, sa->spi_i, 8);
    memcpy(h->spi_r, sa->spi_r, 8);
    h->exchange = exchange;
    h->flags = sa->initiator ? TIP_IKE_FLAG_INITIATOR : 0;
    h->msg_id = sa->msg_id_out;
}

void tip_ike_hdr_response(const tip_ike_sa_t *sa, const tip_ike_hdr_t *req, tip_ike_hdr_t *h)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->spi_i, sa->spi_i, 8);
    memcpy(h->spi_r, sa->spi_r, 8);
    h->exchange = req->exchange;
    h->flags = (uint8_t)(TIP_IKE_FLAG_RESPONSE | (sa->initiator ? TIP_IKE_FLAG_INITIATOR : 0));
    h->msg_id = req->msg_id;
}

int tip_ike_respond_notify(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_hdr_t *req,
                           uint16_t type, const uint8_t *data, size_t len)
{
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t n;

    tip_ike_hdr_response(sa, req, &h);
    tip_ike_w_init(&w, TIP_IKE_BUF_MSG(sa->resp), TIP_IKE_MSG_MAX);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    tip_ike_w_notify(&w, 0, NULL, 0, type, data, len);
    if (tip_ike_sk_end(sa, &w, &n) != TIP_OK)
        return TIP_ERR_INTERNAL;
    return tip_ike_send_response(ctx, sa, n);
}

/* ---- timers ----------------------------------------------------------- */

static uint64_t tip_ike_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Retransmit or give up (RFC 7296 2.4: after the tries, the peer is dead). */
static uint64_t tip_ike_poll_retransmit(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    unsigned tries = (c != NULL && c->cfg.retransmit_tries != 0) ? c->cfg.retransmit_tries
                                                                 : TIP_IKE_DEF_TRIES;

    if (!sa->req_outstanding)
        return UINT64_MAX;
    if (now < sa->req_deadline_ms)
        return sa->req_deadline_ms - now;
    if (sa->req_tries >= tries) {
        tip_ike_fail(ctx, sa, TIP_ERR_PORT);
        tip_log(ctx, TIP_LOG_WARN, "ike: peer does not answer, giving up");
        tip_ike_sa_down(ctx, sa, TIP_ERR_PORT);
        return UINT64_MAX;
    }
    sa->req_tries++;
    sa->req_deadline_ms = now + tip_ike_rto(sa, c);
    (void)tip_ike_send_raw(ctx, sa, sa->req, sa->req_len);
    return sa->req_deadline_ms - now;
}

static uint64_t tip_ike_poll_sa(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    uint64_t next = tip_ike_poll_retransmit(ctx, sa, now);

    if (sa->state == TIP_IKE_S_FREE)
        return next;
    if (sa->state == TIP_IKE_S_INIT_DONE) {
        /* Half-open responder SAs do not live forever (2.6: resource
         * exhaustion). The initiator's attempts end by retransmission. */
        if (now - sa->established_ms >= TIP_IKE_HALF_OPEN_MS) {
            tip_ike_fail(ctx, sa, TIP_ERR_PORT);
            tip_ike_sa_down(ctx, sa, TIP_ERR_PORT);
            return next;
        }
        return tip_ike_min(next, sa->established_ms + TIP_IKE_HALF_OPEN_MS - now);
    }
    if (sa->state == TIP_IKE_S_REKEYED && !sa->req_outstanding) {
        /* Replaced (or a rekey that never finished): wait for the peer's
         * delete a while, then forget it (its CHILD SAs moved on). */
        if (now - sa->last_rx_ms >= TIP_IKE_HALF_OPEN_MS) {
            tip_ike_sa_free(ctx, sa);
            return next;
        }
        return tip_ike_min(next, sa->last_rx_ms + TIP_IKE_HALF_OPEN_MS - now);
    }
    if (sa->state != TIP_IKE_S_ESTABLISHED || c == NULL)
        return next;
    {
        /* Hard lifetime (RFC 7296 2.8: lifetimes are local policy): an IKE
         * SA that could not be rekeyed in time goes, with its keys. */
        uint64_t rekey = (uint64_t)(c->cfg.ike_rekey_s != 0 ? c->cfg.ike_rekey_s
                                                            : TIP_IKE_DEF_IKE_REKEY_S);
        uint64_t hard = c->cfg.ike_lifetime_s != 0 ? (uint64_t)c->cfg.ike_lifetime_s
                                                   : rekey + rekey / 10u + 300u;
        uint64_t age = now - sa->established_ms;
        if (age >= hard * 1000u) {
            tip_ike_fail(ctx, sa, TIP_ERR_LIFETIME);
            if (!sa->req_outstanding)
                (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE); /* tell the peer */
            tip_ike_sa_down(ctx, sa, TIP_ERR_LIFETIME);
            return next;
        }
        next = tip_ike_min(next, hard * 1000u - age);
    }
    if (sa->req_outstanding)
        return next;
    if (sa->rekey_at_ms != 0) {
        if (now >= sa->rekey_at_ms) {
            sa->rekey_at_ms = 0;
            (void)tip_ike_ike_rekey_start(ctx, sa);
            return tip_ike_min(next, 100);
        }
        next = tip_ike_min(next, sa->rekey_at_ms - now);
    }
    if (sa->child.rekey_at_ms != 0) {
        if (now >= sa->child.rekey_at_ms) {
            sa->child.rekey_at_ms = 0;
            (void)tip_ike_child_rekey_start(ctx, sa);
            return tip_ike_min(next, 100);
        }
        next = tip_ike_min(next, sa->child.rekey_at_ms - now);
    }
    if (c->cfg.dpd_s != 0) {
        uint64_t idle = (uint64_t)c->cfg.dpd_s * 1000u;
        /* RFC 7296 2.4: an empty INFORMATIONAL request checks liveness. */
        if (now - sa->last_rx_ms >= idle) {
            sa->last_rx_ms = now;
            (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DPD);
            return tip_ike_min(next, 100);
        }
        next = tip_ike_min(next, sa->last_rx_ms + idle - now);
    }
    return next;
}

static uint64_t tip_ike_poll(tip_ctx_t *ctx, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    unsigned i;

    /* RFC 7296 2.6: rotate the cookie secret; the previous one stays valid
     * for one more period so cookies in flight still work. */
    if (now >= ctx->ike.cookie_rotate_ms) {
        memcpy(ctx->ike.cookie_secret_old, ctx->ike.cookie_secret, 32);
        (void)tip_ike_random(ctx, ctx->ike.cookie_secret, 32);
        ctx->ike.cookie_version++;
        ctx->ike.cookie_rotate_ms = now + TIP_IKE_COOKIE_ROTATE_MS;
    }
    next = ctx->ike.cookie_rotate_ms - now;
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        if (ctx->ike.sa[i].state != TIP_IKE_S_FREE)
            next = tip_ike_min(next, tip_ike_poll_sa(ctx, &ctx->ike.sa[i], now));
    }
    return next;
}

/* Data-path events: an acquire starts the negotiation of its connection. */
static void tip_ike_on_event(tip_ctx_t *ctx, const tip_event_t *ev)
{
    unsigned i;

    if (ev->type != TIP_EV_ACQUIRE)
        return;
    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        tip_ike_conn_slot_t *c = &ctx->ike.conn[i];
        tip_policy_t pol;
        if (!c->in_use || c->ike_sa != 0 || c->cfg.remote_addr.family == TIP_AF_NONE)
            continue;
        /* the policy must be one of this connection's selectors */
        if (tip_spd_get(ctx, ev->policy, &pol) != TIP_OK)
            return;
        if (memcmp(&pol.sel.local, &c->cfg.ts.local, sizeof(pol.sel.local)) == 0 &&
            memcmp(&pol.sel.remote, &c->cfg.ts.remote, sizeof(pol.sel.remote)) == 0) {
            (void)tip_ike_initiate(ctx, tip_handle_make(i, c->gen));
            return;
        }
    }
}

static void tip_ike_deinit(tip_ctx_t *ctx)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (ctx->ike.sa[i].state != TIP_IKE_S_FREE)
            tip_ike_sa_free(ctx, &ctx->ike.sa[i]);
    tip_crypto_zeroize(&ctx->ike, sizeof(ctx->ike));
}

static void tip_ike_enable(tip_ctx_t *ctx)
{
    if (ctx->ike.enabled)
        return;
    ctx->ike.enabled = 1;
    ctx->ike_poll = tip_ike_poll;
    ctx->ike_event = tip_ike_on_event;
    ctx->ike_deinit = tip_ike_deinit;
    (void)tip_ike_random(ctx, ctx->ike.cookie_secret, 32);
    ctx->ike.cookie_rotate_ms = ctx->now_ms + TIP_IKE_COOKIE_ROTATE_MS;
}

/* ---- public: connections ------------------------------------------------ */

void tip_ike_conn_init(tip_ike_conn_t *conn)
{
    memset(conn, 0, sizeof(*conn));
    conn->mode = TIP_MODE_TUNNEL;
    conn->ike[0].encr = TIP_ENCR_AES_GCM_16;
    conn->ike[0].key_bits = 128;
    conn->ike[0].prf = TIP_PRF_HMAC_SHA2_256;
    conn->ike[0].dh = TIP_DH_CURVE25519;
    conn->ike_count = 1;
    conn->child[0].encr = TIP_ENCR_AES_GCM_16;
    conn->child[0].key_bits = 128;
    conn->child_count = 1;
    conn->ts.local_port_hi = 0xFFFF;
    conn->ts.remote_port_hi = 0xFFFF;
}

int tip_ike_id_set(tip_ike_identity_t *id, tip_id_type_t type, const char *text)
{
    size_t n;
    tip_addr_t a;

    if (id == NULL || text == NULL)
        return TIP_ERR_ARG;
    memset(id, 0, sizeof(*id));
    switch (type) {
    case TIP_ID_IPV4_ADDR:
    case TIP_ID_IPV6_ADDR:
        if (tip_addr_parse(&a, text) != TIP_OK ||
            a.family != (type == TIP_ID_IPV4_ADDR ? TIP_AF_INET : TIP_AF_INET6))
            return TIP_ERR_ARG;
        id->len = type == TIP_ID_IPV4_ADDR ? 4 : 16;
        memcpy(id->data, a.addr, id->len);
        break;
    case TIP_ID_FQDN:
    case TIP_ID_RFC822_ADDR:
    case TIP_ID_KEY_ID:
        n = strlen(text);
        if (n == 0 || n > TIP_IKE_ID_MAX)
            return TIP_ERR_ARG;
        id->len = (uint8_t)n;
        memcpy(id->data, text, n);
        break;
    default:
        return TIP_ERR_ARG;
    }
    id->type = (uint8_t)type;
    return TIP_OK;
}

/* An unset side of the selectors means: the host itself in transport
 * mode, anything of our address family in tunnel mode. */
static void tip_ike_fill_range(tip_addr_range_t *r, const tip_addr_t *host, uint8_t family,
                               int transport)
{
    tip_addr_t any;

    if (r->lo.family != TIP_AF_NONE)
        return;
    if (transport && host->family != TIP_AF_NONE) {
        r->lo = r->hi = *host;
        return;
    }
    memset(&any, 0, sizeof(any));
    any.family = family;
    (void)tip_addr_range_prefix(r, &any, 0);
}

static void tip_ike_conn_fill_ts(tip_ike_conn_t *c)
{
    int transport = c->mode == TIP_MODE_TRANSPORT;

    tip_ike_fill_range(&c->ts.local, &c->local_addr, c->local_addr.family, transport);
    tip_ike_fill_range(&c->ts.remote, &c->remote_addr, c->local_addr.family, transport);
    if (c->ts.local_port_hi == 0 && c->ts.local_port_lo == 0)
        c->ts.local_port_hi = 0xFFFF;
    if (c->ts.remote_port_hi == 0 && c->ts.remote_port_lo == 0)
        c->ts.remote_port_hi = 0xFFFF;
}

static int tip_ike_conn_valid(const tip_ike_conn_t *c)
{
    unsigned i;

    if (c->psk_len == 0 || c->psk_len > TIP_IKE_PSK_MAX || c->ike_count == 0 ||
        c->ike_count > TIP_IKE_MAX_PROPOSALS || c->child_count == 0 ||
        c->child_count > TIP_IKE_MAX_PROPOSALS)
        return TIP_ERR_ARG;
    if (c->local_id.type == TIP_ID_NONE || c->remote_id.type == TIP_ID_NONE ||
        c->local_id.len == 0 || c->remote_id.len == 0)
        return TIP_ERR_ARG;
    if (c->local_addr.family != TIP_AF_INET && c->local_addr.family != TIP_AF_INET6)
        return TIP_ERR_ARG;
    if (c->remote_addr.family != TIP_AF_NONE && c->remote_addr.family != c->local_addr.family)
        return TIP_ERR_ARG;
    if (c->mode != TIP_MODE_TUNNEL && c->mode != TIP_MODE_TRANSPORT)
        return TIP_ERR_ARG;
    for (i = 0; i < c->ike_count; i++) {
        const tip_ike_proposal_t *p = &c->ike[i];
        if (tip_ike_encr_keymat_len(p->encr, p->key_bits) == 0 || tip_crypto_prf_len(p->prf) == 0 ||
            tip_crypto_dh_pub_len(p->dh) == 0)
            return TIP_ERR_UNSUPPORTED;
        if ((p->encr == TIP_ENCR_AES_CBC) != (p->integ != TIP_INTEG_NONE))
            return TIP_ERR_ARG;
    }
    for (i = 0; i < c->child_count; i++) {
        const tip_child_proposal_t *p = &c->child[i];
        if (tip_ike_encr_keymat_len(p->encr, p->key_bits) == 0 && p->encr != TIP_ENCR_NULL)
            return TIP_ERR_UNSUPPORTED;
        if (p->pfs != TIP_DH_NONE && tip_crypto_dh_pub_len(p->pfs) == 0)
            return TIP_ERR_UNSUPPORTED;
    }
    return TIP_OK;
}

int tip_ike_conn_add(tip_ctx_t *ctx, const tip_ike_conn_t *conn, tip_handle_t *out)
{
    int err = TIP_ERR_INTERNAL;
    unsigned i;

    if (ctx == NULL || conn == NULL)
        return TIP_ERR_ARG;
    err = tip_ike_conn_valid(conn);
    if (err != TIP_OK)
        return err;
    tip_ike_enable(ctx);
    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        tip_ike_conn_slot_t *c = &ctx->ike.conn[i];
        if (c->in_use)
            continue;
        {
            uint16_t gen = c->gen;
            memset(c, 0, sizeof(*c));
            c->gen = gen;
        }
        c->in_use = 1;
        c->cfg = *conn;
        if (c->cfg.local_port == 0)
            c->cfg.local_port = TIP_PORT_IKE;
        if (c->cfg.remote_port == 0)
            c->cfg.remote_port = TIP_PORT_IKE;
        if (c->cfg.local_natt_port == 0)
            c->cfg.local_natt_port = TIP_PORT_NATT;
        if (c->cfg.remote_natt_port == 0)
            c->cfg.remote_natt_port = TIP_PORT_NATT;
        tip_ike_conn_fill_ts(&c->cfg);
        if (out != NULL)
            *out = tip_handle_make(i, c->gen);
        return TIP_OK;
    }
    return TIP_ERR_FULL;
}

int tip_ike_initiate(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_conn_slot_t *c;
    tip_ike_sa_t *sa;

    if (ctx == NULL)
        return TIP_ERR_ARG;
    c = tip_ike_conn_get(ctx, conn, &err);
    if (c == NULL)
        return err;
    if (c->cfg.remote_addr.family == TIP_AF_NONE)
        return TIP_ERR_ARG; /* a responder-only connection has nobody to call */
    if (c->ike_sa != 0)
        return TIP_ERR_EXISTS;
    sa = tip_ike_sa_alloc(ctx);
    if (sa == NULL)
        return TIP_ERR_FULL;
    sa->conn = (uint16_t)(c - ctx->ike.conn + 1);
    sa->initiator = 1;
    sa->local = c->cfg.local_addr;
    sa->remote = c->cfg.remote_addr;
    sa->lport = c->cfg.local_port;
    sa->rport = c->cfg.remote_port;
    c->ike_sa = (uint16_t)(sa - ctx->ike.sa + 1);
    c->last_error = 0;
    err = tip_ike_init_start(ctx, sa, c->cfg.ike[0].dh);
    if (err != TIP_OK) {
        tip_ike_fail(ctx, sa, err);
        tip_ike_sa_free(ctx, sa);
    }
    return err;
}

int tip_ike_status(const tip_ctx_t *ctx, tip_handle_t conn, tip_ike_status_t *out)
{
    int err = TIP_ERR_INTERNAL;
    const tip_ike_conn_slot_t *c;
    const tip_ike_sa_t *sa;

    if (ctx == NULL || out == NULL)
        return TIP_ERR_ARG;
    c = tip_ike_conn_get((tip_ctx_t *)ctx, conn, &err);
    if (c == NULL)
        return err;
    memset(out, 0, sizeof(*out));
    out->last_error = c->last_error;
    out->ike_rekeys = c->ike_rekeys;
    out->child_rekeys = c->child_rekeys;
    if (c->ike_sa == 0)
        return TIP_OK;
    sa = &ctx->ike.sa[c->ike_sa - 1u];
    out->ike_up = sa->state == TIP_IKE_S_ESTABLISHED || sa->state == TIP_IKE_S_DELETING;
    out->child_up = sa->child.sa_in != 0;
    out->natt = sa->use_natt;
    out->initiator = sa->initiator;
    memcpy(out->spi_i, sa->spi_i, 8);
    memcpy(out->spi_r, sa->spi_r, 8);
    out->child_spi_in = sa->child.spi_in;
    out->child_spi_out = sa->child.spi_out;
    out->child_in = sa->child.sa_in;
    out->child_out = sa->child.sa_out;
    out->peer_addr = sa->remote;
    out->peer_port = sa->rport;
    out->ike_alg.encr = (tip_encr_t)sa->encr;
    out->ike_alg.key_bits = sa->key_bits;
    out->ike_alg.integ = (tip_integ_t)sa->integ;
    out->ike_alg.prf = (tip_prf_t)sa->prf;
    out->ike_alg.dh = (tip_dh_group_t)sa->dh_group;
    out->child_alg.encr = (tip_encr_t)sa->child.encr;
    out->child_alg.key_bits = sa->child.key_bits;
    out->child_alg.integ = (tip_integ_t)sa->child.integ;
    out->child_alg.pfs = (tip_dh_group_t)sa->child.pfs;
    out->child_alg.esn = sa->child.esn;
    return TIP_OK;
}

static tip_ike_sa_t *tip_ike_conn_sa(tip_ctx_t *ctx, tip_handle_t conn, int *err)
{
    tip_ike_conn_slot_t *c = tip_ike_conn_get(ctx, conn, err);
    tip_ike_sa_t *sa;

    if (c == NULL)
        return NULL;
    if (c->ike_sa == 0) {
        *err = TIP_ERR_NO_SA;
        return NULL;
    }
    sa = &ctx->ike.sa[c->ike_sa - 1u];
    if (sa->state != TIP_IKE_S_ESTABLISHED) {
        *err = TIP_ERR_NO_SA;
        return NULL;
    }
    if (sa->req_outstanding) {
        *err = TIP_ERR_EXISTS; /* window size 1 (2.3): one request at a time */
        return NULL;
    }
    return sa;
}

int tip_ike_rekey_child(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa = tip_ike_conn_sa(ctx, conn, &err);

    return sa == NULL ? err : tip_ike_child_rekey_start(ctx, sa);
}

int tip_ike_rekey_ike(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa = tip_ike_conn_sa(ctx, conn, &err);

    return sa == NULL ? err : tip_ike_ike_rekey_start(ctx, sa);
}

int tip_ike_terminate(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa = tip_ike_conn_sa(ctx, conn, &err);

    return sa == NULL ? err : tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE);
}

int tip_ike_delete_child(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa = tip_ike_conn_sa(ctx, conn, &err);

    if (sa == NULL)
        return err;
    if (sa->child.sa_in == 0)
        return TIP_ERR_NO_SA;
    return tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_CHILD);
}

#endif /* TIP_CONF_IKEV2 */
