/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKE message dispatch: header checks, IKE SA lookup by SPI, message IDs
 * and the responder's cached response for retransmitted requests
 * (RFC 7296 2.1, 2.2), SK verification before anything acts on a message,
 * then the exchange's handler.
 */
#include <string.h>

#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

static int tip_ike_drop(tip_ctx_t *ctx, int err)
{
    ctx->ike.drops++;
    return err;
}

/* A CHILD SA pair follows its IKE SA to the peer's new address and port. */
static void tip_ike_child_follow(tip_ctx_t *ctx, const tip_ike_child_t *ch, const tip_addr_t *src,
                                 uint16_t sport)
{
    int err;
    tip_sa_t *out = ch->sa_out != 0 ? tip_sa_get(ctx, ch->sa_out, &err) : NULL;
    tip_sa_t *in = ch->sa_in != 0 ? tip_sa_get(ctx, ch->sa_in, &err) : NULL;

    if (out != NULL && out->natt_sport != 0) {
        out->dst = *src;
        out->natt_dport = sport;
    }
    if (in != NULL && in->natt_sport != 0) {
        in->src = *src;
        in->natt_sport = sport;
    }
}

/*
 * RFC 7296 2.23: after a new, authenticated request on our NAT-T port,
 * follow the peer's address and port (its NAT may have rebound them). Only
 * a new request moves the path: a retransmitted or older copy, or a
 * response, may have been raced or replayed from anywhere. The first
 * request there is the peer's move to the NAT-T port; later ones move the
 * path only if we are not behind a NAT ourselves (2.23: a host behind a
 * NAT does not, one forged path change could cut it off).
 */
static void tip_ike_follow_peer(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_addr_t *src,
                                uint16_t sport, uint16_t dport)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    int floated = 0;
    unsigned i;

    if (c == NULL || dport != c->cfg.local_natt_port)
        return;
#if TIP_CONF_IKE_MOBIKE
    /* RFC 4555 3.8: with MOBIKE the peer moves the SA only by
     * UPDATE_SA_ADDRESSES (ike_mobike.c); its other requests are answered
     * where they came from and move nothing (one with a rewritten source
     * could otherwise turn the tunnel's traffic on a third party). Only
     * the switch to the NAT-T port from the same address is followed. */
    if (sa->peer_mobike && (sa->use_natt || !tip_addr_equal(&sa->remote, src)))
        return;
#endif
    if (!sa->use_natt) {
        sa->use_natt = 1;
        sa->lport = dport;
        floated = 1;
    }
    if ((sa->nat_local && !floated) || (tip_addr_equal(&sa->remote, src) && sa->rport == sport))
        return;
    sa->remote = *src;
    sa->rport = sport;
    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        tip_ike_child_follow(ctx, &sa->child[i], src, sport);
    tip_ike_child_follow(ctx, &sa->old_child, src, sport);
    tip_ike_child_follow(ctx, &sa->extra_child, src, sport);
}

/* The path a request took: @p src : @p sport to @p dst : @p dport. */
static tip_ike_path_t tip_ike_req_path(const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                                       uint16_t dport)
{
    tip_ike_path_t p;

    p.local = *dst;
    p.remote = *src;
    p.lport = dport;
    p.rport = sport;
    return p;
}

/* A request that repeats the last one: send the cached response again
 * (RFC 7296 2.11: where the repeat came from, on a MOBIKE SA; RFC 4555 3.5:
 * a repeat moves nothing). */
static int tip_ike_resend_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                                   const tip_ike_path_t *req)
{
    const tip_ike_path_t *to = NULL;
    tip_ike_msg_t inner;
    uint8_t *resp = tip_ike_buf_get(ctx, sa->resp_buf);
    const uint8_t *init_i;

    if (!sa->resp_valid || resp == NULL)
        return tip_ike_drop(ctx, TIP_ERR_REPLAY);
    /* Only a genuine retransmission earns a resend (no amplification for
     * forged copies): IKE_SA_INIT must be byte-identical, others must
     * authenticate. */
    if (m->hdr.exchange == TIP_IKE_EXCH_IKE_SA_INIT) {
        init_i = tip_ike_buf_get(ctx, sa->init_i_buf);
        if (init_i == NULL || m->len != sa->init_i_len ||
            memcmp(m->buf, TIP_IKE_BUF_MSG(init_i), m->len) != 0)
            return tip_ike_drop(ctx, TIP_ERR_REPLAY);
    } else if (m->sk_index >= 0 && m->pl[m->sk_index].type == TIP_IKE_PL_SKF) {
#if TIP_CONF_IKE_FRAG
        if (!tip_ike_frag_retransmit_first(sa, m))
            return TIP_OK; /* RFC 7383 2.6.1: only fragment 1 has the response sent again */
#else
        return tip_ike_drop(ctx, TIP_ERR_UNSUPPORTED);
#endif
    } else if (tip_ike_sk_open(sa, m->wbuf, m, &inner) != TIP_OK) {
        return tip_ike_drop(ctx, TIP_ERR_AUTH);
    }
#if TIP_CONF_IKE_MOBIKE
    to = tip_ike_mobike_reply_to(sa, req);
#else
    (void)req;
#endif
#if TIP_CONF_IKE_FRAG
    return tip_ike_send_msg(ctx, sa, to, resp, sa->resp_len, sa->resp_frag, 0);
#else
    return tip_ike_send_msg(ctx, sa, to, resp, sa->resp_len, 0, 0);
#endif
}

/*
 * Verify and decrypt the encrypted message @p m for @p sa into @p inner:
 * an SK payload at once, SKF payloads (RFC 7383) once all fragments are
 * there (TIP_IKE_FRAG_KEPT until then; without TIP_CONF_IKE_FRAG they are
 * refused). Drops are counted by the caller, except fragments' (counted
 * per reason where they are checked).
 */
static int tip_ike_open(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m, int response,
                        tip_ike_msg_t *inner)
{
    if (m->sk_index >= 0 && m->pl[m->sk_index].type == TIP_IKE_PL_SKF) {
#if TIP_CONF_IKE_FRAG
        return tip_ike_frag_input(ctx, sa, m, response, inner);
#else
        ctx->ike.drops++; /* fragmentation is compiled out */
        return TIP_ERR_POLICY;
#endif
    }
    (void)response;
    return tip_ike_sk_open(sa, m->wbuf, m, inner);
}

/* A fragment's outcome that is not the whole message: kept, or dropped (counted). */
static int tip_ike_frag_only(int err)
{
#if TIP_CONF_IKE_FRAG
    return err == TIP_IKE_FRAG_KEPT;
#else
    (void)err;
    return 0;
#endif
}

static int tip_ike_is_skf(const tip_ike_msg_t *m)
{
    return m->sk_index >= 0 && m->pl[m->sk_index].type == TIP_IKE_PL_SKF;
}

static int tip_ike_request(tip_ctx_t *ctx, const tip_addr_t *src, uint16_t sport,
                           const tip_addr_t *dst, uint16_t dport, const tip_ike_msg_t *m)
{
    tip_ike_path_t path = tip_ike_req_path(src, sport, dst, dport);
    tip_ike_msg_t inner;
    tip_ike_sa_t *sa;
    int err;

    if (m->hdr.exchange == TIP_IKE_EXCH_IKE_SA_INIT) {
#if TIP_CONF_IKE_RESPONDER
        unsigned i;
        if (m->hdr.msg_id != 0)
            return tip_ike_drop(ctx, TIP_ERR_MALFORMED);
        /* A retransmitted IKE_SA_INIT reaches the half-open SA it made. */
        for (i = 0; i < TIP_MAX_IKE_SA; i++) {
            sa = &ctx->ike.sa[i];
            if (sa->state != TIP_IKE_S_FREE && !sa->initiator &&
                memcmp(sa->spi_i, m->hdr.spi_i, 8) == 0 && tip_addr_equal(&sa->remote, src)) {
                if (sa->msg_id_in == 1)
                    return tip_ike_resend_response(ctx, sa, m, &path);
                return tip_ike_drop(ctx, TIP_ERR_REPLAY);
            }
        }
        err = tip_ike_init_request(ctx, src, sport, dst, dport, m);
        return err == TIP_OK ? TIP_OK : tip_ike_drop(ctx, err);
#else
        (void)dst;
        return tip_ike_drop(ctx, TIP_ERR_UNSUPPORTED); /* an initiator-only build */
#endif
    }
    sa = tip_ike_sa_find(ctx, m->hdr.spi_i, m->hdr.spi_r,
                         (m->hdr.flags & TIP_IKE_FLAG_INITIATOR) != 0);
    if (sa == NULL || sa->sk_iv_len == 0)
        return tip_ike_drop(ctx, TIP_ERR_NO_SA);
    if (m->hdr.msg_id + 1u == sa->msg_id_in)
        return tip_ike_resend_response(ctx, sa, m, &path);
    if (m->hdr.msg_id != sa->msg_id_in)
        return tip_ike_drop(ctx, TIP_ERR_REPLAY); /* 2.3: outside the window */
    /* IKE_AUTH only on a half-open SA, the others only once it is up (a
     * message that does not fit is dropped before it can move anything). */
    if ((m->hdr.exchange == TIP_IKE_EXCH_IKE_AUTH) != (sa->state == TIP_IKE_S_INIT_DONE) ||
        (m->hdr.exchange != TIP_IKE_EXCH_IKE_AUTH &&
         m->hdr.exchange != TIP_IKE_EXCH_CREATE_CHILD_SA &&
         m->hdr.exchange != TIP_IKE_EXCH_INFORMATIONAL))
        return tip_ike_drop(ctx, TIP_ERR_POLICY);
    err = tip_ike_open(ctx, sa, m, 0, &inner);
    if (tip_ike_frag_only(err))
        return TIP_OK; /* a fragment kept: the message is not complete yet */
    if (tip_ike_is_skf(m) && err != TIP_OK && err != TIP_ERR_UNSUPPORTED)
        return err; /* a fragment dropped (counted per reason) */
    /* RFC 7296 2.3: a request we cannot answer now is not taken: without
     * a buffer for the response it is dropped before it changes anything,
     * and its retransmission is processed once a buffer is free. A
     * half-open SA's cached response is also the IKE_SA_INIT response its
     * AUTH covers (2.15): an answer that leaves the SA half-open goes into
     * a buffer of its own (an IKE_AUTH request frees one first). */
    if (err == TIP_ERR_UNSUPPORTED && sa->init_r_buf != 0 && sa->resp_buf == sa->init_r_buf) {
        tip_handle_t own = 0;
        if (tip_ike_buf_take(ctx, &own) == NULL)
            return tip_ike_drop(ctx, TIP_ERR_FULL);
        sa->resp_buf = own;
    }
    if ((err == TIP_OK || err == TIP_ERR_UNSUPPORTED) &&
        tip_ike_buf_take(ctx, &sa->resp_buf) == NULL)
        return tip_ike_drop(ctx, TIP_ERR_FULL);
    if (err == TIP_ERR_UNSUPPORTED) {
        /* 2.5: an unknown critical payload gets UNSUPPORTED_CRITICAL_PAYLOAD.
         * The message authenticated, so the window moves. */
        uint8_t type = inner.unsupported_critical;
        sa->msg_id_in++;
        (void)tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
                                     &type, 1);
        return TIP_OK;
    }
    if (err != TIP_OK)
        return tip_ike_drop(ctx, err); /* unauthenticated: changes nothing */
    sa->msg_id_in++;
    sa->resp_valid = 0;
    sa->last_rx_ms = ctx->now_ms;
    tip_ike_follow_peer(ctx, sa, src, sport, dport);
    switch (m->hdr.exchange) {
#if TIP_CONF_IKE_RESPONDER
    case TIP_IKE_EXCH_IKE_AUTH:
        return tip_ike_auth_request(ctx, sa, m, &inner, &path);
#endif
    case TIP_IKE_EXCH_CREATE_CHILD_SA:
        return tip_ike_child_request(ctx, sa, m, &inner);
    case TIP_IKE_EXCH_INFORMATIONAL:
#if TIP_CONF_IKE_MOBIKE
        return tip_ike_mobike_info(ctx, sa, m, &inner, &path);
#else
        return tip_ike_info_request(ctx, sa, m, &inner, NULL);
#endif
    default:
        return tip_ike_drop(ctx, TIP_ERR_UNSUPPORTED);
    }
}

static int tip_ike_response(tip_ctx_t *ctx, const tip_ike_msg_t *m)
{
    tip_ike_msg_t inner;
    tip_ike_sa_t *sa;
    const uint8_t *req;
    tip_handle_t h;
    int err;

    sa = tip_ike_sa_find(ctx, m->hdr.spi_i, m->hdr.spi_r,
                         (m->hdr.flags & TIP_IKE_FLAG_INITIATOR) != 0);
    /* 2.2: a response must answer our outstanding request, in kind. */
    req = sa != NULL ? tip_ike_buf_get(ctx, sa->req_buf) : NULL;
    if (sa == NULL || !sa->req_outstanding || req == NULL || m->hdr.msg_id != sa->msg_id_out ||
        m->hdr.exchange != TIP_IKE_BUF_MSG(req)[18])
        return tip_ike_drop(ctx, TIP_ERR_REPLAY);
    if (m->hdr.exchange == TIP_IKE_EXCH_IKE_SA_INIT) {
#if TIP_CONF_IKE_INITIATOR
        if (sa->state != TIP_IKE_S_INIT_SENT)
            return tip_ike_drop(ctx, TIP_ERR_POLICY);
        err = tip_ike_init_response(ctx, sa, m);
        return err == TIP_OK ? TIP_OK : tip_ike_drop(ctx, err);
#else
        return tip_ike_drop(ctx, TIP_ERR_POLICY); /* we never sent one */
#endif
    }
    err = tip_ike_open(ctx, sa, m, 1, &inner);
    if (tip_ike_frag_only(err))
        return TIP_OK; /* a fragment kept: the message is not complete yet */
    if (tip_ike_is_skf(m) && err != TIP_OK && err != TIP_ERR_UNSUPPORTED)
        return err; /* a fragment dropped (counted per reason) */
    if (err != TIP_OK)
        return tip_ike_drop(ctx, err);
    sa->req_outstanding = 0;
    sa->msg_id_out++;
    sa->last_rx_ms = ctx->now_ms;
    h = tip_ike_sa_handle(ctx, sa);
    /* The response authenticated and ended the exchange: whatever the
     * handler concludes (a failed rekey is retried later, an error notify
     * ends the SA), the message was acted on, so this reports success.
     * The peer's address moves only with its requests (2.23). */
    switch (m->hdr.exchange) {
#if TIP_CONF_IKE_INITIATOR
    case TIP_IKE_EXCH_IKE_AUTH:
        (void)tip_ike_auth_response(ctx, sa, m, &inner);
        break;
#endif
    case TIP_IKE_EXCH_CREATE_CHILD_SA:
        (void)tip_ike_child_response(ctx, sa, &inner);
        break;
    default:
        (void)tip_ike_info_response(ctx, sa, &inner);
        break;
    }
    tip_ike_after_response(ctx, h); /* a Delete(IKE) waiting for the window goes now */
    return TIP_OK;
}

int tip_ike_input(tip_ctx_t *ctx, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                  uint16_t dport, const uint8_t *msg, size_t len)
{
    tip_ike_msg_t m;
    uint8_t *work;
    tip_handle_t big = 0;
    int err;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || src == NULL || dst == NULL || msg == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    if (!ctx->ike.enabled)
        return TIP_ERR_NO_SA;
    /* A private copy: SK content is decrypted in place. RFC 7296 2: "All
     * IKEv2 implementations MUST be able to send, receive, and process
     * messages that are up to 1280 octets long". A datagram larger than the
     * receive buffer (TIP_IKE_DGRAM_MAX) is copied into a buffer of the
     * message pool (TIP_IKE_MSG_MAX) borrowed for this call. */
    work = ctx->ike.rx;
    if (len > TIP_IKE_DGRAM_MAX) {
        if (len > TIP_IKE_MSG_MAX)
            return tip_ike_drop(ctx, TIP_ERR_TOO_LARGE);
        work = tip_ike_buf_take(ctx, &big); /* counts buf_exhausted when empty */
        if (work == NULL)
            return tip_ike_drop(ctx, TIP_ERR_FULL);
        work = TIP_IKE_BUF_MSG(work);
    }
    memcpy(work, msg, len);
    err = tip_ike_msg_parse(work, len, &m);
    m.wbuf = work;
    if (err == TIP_ERR_UNSUPPORTED && m.unsupported_critical != 0 && m.sk_index >= 0)
        err = TIP_OK; /* outside SK only IKE_SA_INIT has payloads; checked there */
    if (err == TIP_OK) {
        if (m.hdr.flags & TIP_IKE_FLAG_RESPONSE)
            err = tip_ike_response(ctx, &m);
        else
            err = tip_ike_request(ctx, src, sport, dst, dport, &m);
    } else {
        err = tip_ike_drop(ctx, err);
    }
    tip_ike_buf_release(ctx, &big);
    tip_ike_bufs_tidy(ctx); /* what the exchange no longer needs goes back to the pool */
    return err;
}

#endif /* TIP_CONF_IKEV2 */
