/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The IKE message pool: TIP_IKE_MSG_POOL buffers in the context that the
 * IKE SAs borrow for what a live exchange needs (our outstanding request,
 * our cached response, the IKE_SA_INIT messages until IKE_AUTH is done, a
 * peer's datagram larger than the receive buffer while it is processed) and
 * give back when it is over. An IKE SA names a buffer by handle (index +
 * generation); a released buffer is wiped and its generation moves on, so
 * a handle kept past the release finds nothing.
 */
#include <string.h>

#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

uint8_t *tip_ike_buf_get(tip_ctx_t *ctx, tip_handle_t h)
{
    unsigned idx = tip_handle_idx(h);
    tip_ike_msgbuf_t *b;

    if (h == 0 || idx >= TIP_IKE_MSG_BUFS)
        return NULL;
    b = &ctx->ike.buf[idx];
    if (!b->in_use || b->gen != tip_handle_gen(h))
        return NULL;
    return b->data;
}

uint8_t *tip_ike_buf_take(tip_ctx_t *ctx, tip_handle_t *h)
{
    uint8_t *p = tip_ike_buf_get(ctx, *h);
    unsigned i;

    if (p != NULL)
        return p;
    for (i = 0; i < TIP_IKE_MSG_BUFS; i++) {
        tip_ike_msgbuf_t *b = &ctx->ike.buf[i];
        if (!b->in_use) {
            b->in_use = 1;
            *h = tip_handle_make(i, b->gen);
            return b->data;
        }
    }
    *h = 0;
    ctx->ike.buf_exhausted++;
    tip_log(ctx, TIP_LOG_WARN, "ike: message pool empty (TIP_IKE_MSG_POOL)");
    return NULL;
}

void tip_ike_buf_release(tip_ctx_t *ctx, tip_handle_t *h)
{
    tip_ike_msgbuf_t *b;

    if (tip_ike_buf_get(ctx, *h) != NULL) {
        b = &ctx->ike.buf[tip_handle_idx(*h)];
        /* Messages carry nonces and, in IKE_SA_INIT, key exchange data. */
        tip_crypto_zeroize(b->data, sizeof(b->data));
        b->in_use = 0;
        b->gen = (uint16_t)(b->gen + 1u);
    }
    *h = 0;
}

uint8_t *tip_ike_w_pool(tip_ctx_t *ctx, tip_handle_t *h, tip_ike_w_t *w)
{
    uint8_t *b = tip_ike_buf_take(ctx, h);

    tip_ike_w_init(w, b != NULL ? TIP_IKE_BUF_MSG(b) : NULL, TIP_IKE_MSG_MAX);
    return b;
}

int tip_ike_ke_room(tip_ctx_t *ctx, tip_handle_t h, tip_dh_group_t group, tip_ike_ke_room_t *r)
{
    uint8_t *b = tip_ike_buf_get(ctx, h);
    size_t pub_len = group != TIP_DH_NONE ? tip_crypto_dh_pub_len(group) : 0;
    size_t g_ir_len = group != TIP_DH_NONE ? tip_crypto_dh_secret_len(group) : 0;

    memset(r, 0, sizeof(*r));
    if (b == NULL)
        return TIP_ERR_INTERNAL;
    if (pub_len + g_ir_len > TIP_IKE_MSG_MAX)
        return TIP_ERR_UNSUPPORTED;
    r->msg = TIP_IKE_BUF_MSG(b);
    r->cap = TIP_IKE_MSG_MAX - pub_len;
    r->pub = r->msg + r->cap;
    r->g_ir = r->pub - g_ir_len;
    r->g_ir_room = g_ir_len;
    return TIP_OK;
}

unsigned tip_ike_buf_free_count(const tip_ctx_t *ctx)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_IKE_MSG_BUFS; i++)
        n += ctx->ike.buf[i].in_use ? 0u : 1u;
    return n;
}

void tip_ike_sa_bufs_release(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_ike_buf_release(ctx, &sa->req_buf);
    tip_ike_buf_release(ctx, &sa->resp_buf);
    tip_ike_buf_release(ctx, &sa->init_i_buf);
    tip_ike_buf_release(ctx, &sa->init_r_buf);
    sa->resp_valid = 0;
#if TIP_CONF_IKE_FRAG
    tip_ike_frag_reset(ctx, sa);
#endif
}

/* Only between calls (the end of an input or a poll): while a message is
 * built, its buffer is held before the request is outstanding. */
void tip_ike_bufs_tidy(tip_ctx_t *ctx)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (sa->state == TIP_IKE_S_FREE)
            continue;
        /* The exchange is over: nothing will be retransmitted. */
        if (!sa->req_outstanding)
            tip_ike_buf_release(ctx, &sa->req_buf);
#if TIP_CONF_IKE_INITIATOR
        /* Our AUTH, computed when the IKE_AUTH request was built, was the
         * last use of our IKE_SA_INIT request (2.15): only the response
         * is still needed, for the peer's AUTH. */
        if (sa->state == TIP_IKE_S_AUTH_SENT)
            tip_ike_buf_release(ctx, &sa->init_i_buf);
#endif

        /* RFC 7296 2.15: the IKE_SA_INIT messages are needed only for the
         * AUTH payloads (and, half-open, to recognise a retransmitted
         * IKE_SA_INIT request). */
        if (sa->state != TIP_IKE_S_INIT_SENT && sa->state != TIP_IKE_S_AUTH_SENT &&
            sa->state != TIP_IKE_S_INIT_DONE) {
            tip_ike_buf_release(ctx, &sa->init_i_buf);
            tip_ike_buf_release(ctx, &sa->init_r_buf);
        }
    }
#if TIP_CONF_IKE_FRAG
    tip_ike_frag_tidy(ctx); /* a handled or timed-out reassembly */
#endif
}

#endif /* TIP_CONF_IKEV2 */
