/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKE fragmentation (RFC 7383): the IKEV2_FRAGMENTATION_SUPPORTED
 * negotiation, splitting a protected message into Encrypted Fragment
 * payloads, and reassembling a peer's fragments in a buffer of the message
 * pool. Every fragment is authenticated before anything is kept.
 *
 * A message we send in fragments stays in its pool buffer as plaintext,
 * followed by the IV each fragment got when it was first sent. RFC 7296
 * 2.1 wants a retransmitted request bitwise identical to the first (and
 * strongSwan recognises a retransmission by its bytes): the fragments are
 * protected again with the same key, IVs and content, which gives the same
 * bytes and reveals nothing new. The pool buffer thus holds the message
 * and 8 or 16 bytes per fragment, not every fragment's headers and ICV,
 * and one datagram buffer (ctx->ike.tx) serves every fragment.
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2 && TIP_CONF_IKE_FRAG

/* ---- negotiation -------------------------------------------------------------- */

void tip_ike_frag_w_notify(tip_ike_w_t *w, const tip_ike_conn_t *conn)
{
    /* RFC 7383 2.3: an empty status notify in IKE_SA_INIT. */
    if (!conn->no_frag)
        tip_ike_w_notify(w, 0, NULL, 0, TIP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
}

void tip_ike_frag_set_room(tip_ike_sa_t *sa, const tip_ike_conn_t *conn)
{
    int v6 = sa->remote.family == TIP_AF_INET6;
    /* RFC 7383 2.5.1: without better knowledge, 576 bytes for IPv4 and
     * 1280 for IPv6, IP and UDP headers included; the non-ESP marker is
     * always reserved (the path may move to port 4500). */
    size_t dgram = conn->frag_size != 0 ? conn->frag_size : (v6 ? 1280u : 576u);
    size_t room = dgram - (v6 ? 40u : 20u) - 8u - TIP_IKE_NON_ESP_MARKER_LEN;

    sa->frag_room = (uint16_t)(room < TIP_IKE_DGRAM_MAX ? room : TIP_IKE_DGRAM_MAX);
}

int tip_ike_frag_negotiate(tip_ike_sa_t *sa, const tip_ike_conn_t *conn, const tip_ike_msg_t *m)
{
    tip_ike_notify_t n;

    sa->frag_ok = (uint8_t)(!conn->no_frag &&
                            tip_ike_find_notify(m, TIP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, &n));
    tip_ike_frag_set_room(sa, conn);
    return sa->frag_ok;
}

/* ---- sending ------------------------------------------------------------------ */

/* Bytes of content per fragment: the most whose padded plaintext (content,
 * padding, pad length byte: a multiple of the block) fits frag_room. 0:
 * none fits. */
static size_t tip_ike_frag_chunk(const tip_ike_sa_t *sa)
{
    size_t fixed = TIP_IKE_HDR_LEN + TIP_IKE_GEN_HDR_LEN + TIP_IKE_SKF_HDR_LEN + sa->sk_iv_len +
                   sa->sk_icv_len;

    if (sa->sk_block == 0 || sa->frag_room <= fixed + sa->sk_block)
        return 0;
    return (sa->frag_room - fixed) / sa->sk_block * sa->sk_block - 1u;
}

size_t tip_ike_frag_count(const tip_ike_sa_t *sa, size_t inner_len)
{
    size_t chunk = tip_ike_frag_chunk(sa);

    if (chunk == 0)
        return 0;
    return inner_len == 0 ? 1u : (inner_len + chunk - 1u) / chunk;
}

int tip_ike_frag_send(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_path_t *to, uint8_t *buf,
                      size_t len, int first)
{
    uint8_t *msg = TIP_IKE_BUF_MSG(buf), *ivs;
    size_t pre = TIP_IKE_HDR_LEN + TIP_IKE_GEN_HDR_LEN + sa->sk_iv_len;
    size_t chunk = tip_ike_frag_chunk(sa), inner_len, total, i;
    const uint8_t *inner;
    tip_ike_hdr_t h;
    int err = TIP_OK;

    if (len <= pre || msg[16] != TIP_IKE_PL_SK || chunk == 0)
        return TIP_ERR_INTERNAL;
    inner = msg + pre;
    inner_len = len - pre;
    total = tip_ike_frag_count(sa, inner_len);
    /* tip_ike_sk_end() made sure the IVs fit behind the message. */
    if (total > 0xffffu || len + total * sa->sk_iv_len > TIP_IKE_MSG_MAX)
        return TIP_ERR_INTERNAL;
    ivs = msg + len;
    /* RFC 7296 3.14: fresh, unpredictable IVs the first time; the same
     * ones again for a retransmission (2.1: bitwise identical). */
    if (first && tip_ike_random(ctx, ivs, total * sa->sk_iv_len) != TIP_OK)
        return TIP_ERR_CRYPTO;
    memset(&h, 0, sizeof(h));
    memcpy(h.spi_i, msg, 8);
    memcpy(h.spi_r, msg + 8, 8);
    h.version = msg[17];
    h.exchange = msg[18];
    h.flags = msg[19];
    h.msg_id = tip_load_be32(msg + 20);
    /* RFC 7383 2.6: all fragments of a message go out together. */
    for (i = 0; i < total; i++) {
        size_t n = i + 1u < total ? chunk : inner_len - i * chunk, out_len;
        tip_ike_w_t w;
        int e;

        tip_ike_w_init(&w, TIP_IKE_BUF_MSG(ctx->ike.tx), TIP_IKE_DGRAM_MAX);
        tip_ike_w_hdr(&w, &h);
        /* RFC 7383 2.5: fragment 1 names the first inner payload, the
         * others carry 0. */
        (void)tip_ike_w_skf_begin(&w, (uint16_t)(i + 1u), (uint16_t)total,
                                  i == 0 ? msg[TIP_IKE_HDR_LEN] : TIP_IKE_PL_NONE,
                                  sa->sk_iv_len);
        if (w.err == TIP_OK)
            memcpy(w.buf + w.sk_iv, ivs + i * sa->sk_iv_len, sa->sk_iv_len);
        tip_ike_w_bytes(&w, inner + i * chunk, n);
        e = tip_ike_sk_seal(sa, &w, &out_len);
        if (e == TIP_OK)
            e = tip_ike_send_raw(ctx, sa, to, ctx->ike.tx, out_len);
        if (e != TIP_OK && err == TIP_OK)
            err = e;
    }
    return err;
}

/* ---- reassembly --------------------------------------------------------------- */

static int tip_ike_frag_drop(tip_ctx_t *ctx, tip_ike_frag_drop_t why, int err)
{
    ctx->ike.frag_drops[why]++;
    ctx->ike.drops++;
    return err;
}

static void tip_ike_reasm_clear(tip_ctx_t *ctx)
{
    tip_ike_buf_release(ctx, &ctx->ike.reasm.buf);
    memset(&ctx->ike.reasm, 0, sizeof(ctx->ike.reasm));
}

void tip_ike_frag_reset(tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    if (ctx->ike.reasm.total != 0 && ctx->ike.reasm.sa == tip_ike_sa_handle(ctx, sa))
        tip_ike_reasm_clear(ctx);
}

/* Swap [s, s + a) and [s + a, s + a + b) in place (three reversals). */
static void tip_ike_reverse(uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n / 2u; i++) {
        uint8_t t = p[i];
        p[i] = p[n - 1u - i];
        p[n - 1u - i] = t;
    }
}

/* Put the fragments' contents, kept in arrival order, in fragment order. */
static size_t tip_ike_frag_order(tip_ike_reasm_t *r, uint8_t *b)
{
    size_t pos = 0;
    unsigned i, j;

    for (i = 0; i < r->total; i++) {
        size_t o = r->off[i], n = (size_t)r->len[i] - 1u;
        /* An empty fragment has nothing to move (and may share its offset
         * with a later one). The others lie at pos or after it. */
        if (n != 0 && o > pos) {
            /* [pos, o) holds later fragments: rotate fragment i in front. */
            tip_ike_reverse(b + pos, o + n - pos);
            tip_ike_reverse(b + pos, n);
            tip_ike_reverse(b + pos + n, o - pos);
            for (j = i + 1u; j < r->total; j++) {
                if (r->off[j] >= pos && r->off[j] < o)
                    r->off[j] = (uint16_t)(r->off[j] + n);
            }
            r->off[i] = (uint16_t)pos;
        }
        pos += n;
    }
    return pos;
}

int tip_ike_frag_input(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m, int response,
                       tip_ike_msg_t *inner)
{
    const tip_ike_pl_t *pl = &m->pl[m->sk_index];
    tip_ike_reasm_t *r = &ctx->ike.reasm;
    tip_handle_t h = tip_ike_sa_handle(ctx, sa);
    const uint8_t *body = m->buf + pl->off;
    uint16_t num, total;
    uint8_t *pt, *b;
    size_t pt_len, len;
    int err;

    if (!sa->frag_ok)
        return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_UNNEGOTIATED, TIP_ERR_POLICY);
    if (pl->len < TIP_IKE_SKF_HDR_LEN)
        return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_NUMBER, TIP_ERR_MALFORMED);
    num = tip_load_be16(body);
    total = tip_load_be16(body + 2);
    /* RFC 7383 2.6: numbered 1..Total; and we hold at most TIP_IKE_FRAG_MAX. */
    if (num == 0 || num > total || total > TIP_IKE_FRAG_MAX)
        return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_NUMBER, TIP_ERR_MALFORMED);
    /* One reassembly at a time: another IKE SA's peer retransmits later. */
    if (r->total != 0 && r->sa != h && tip_ike_sa_get(ctx, r->sa) != NULL)
        return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_BUSY, TIP_ERR_FULL);
    if (r->total != 0 && r->sa == h && r->msg_id == m->hdr.msg_id &&
        r->response == (uint8_t)response) {
        /* 2.6: a smaller Total than the message's so far is stale (the
         * sender re-fragments only into more, smaller fragments). */
        if (total < r->total)
            return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_TOTAL, TIP_ERR_REPLAY);
        if (total == r->total && r->len[num - 1u] != 0)
            return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_DUPLICATE, TIP_ERR_REPLAY);
    }
    /* 2.6: each fragment's integrity is checked before it is kept. */
    err = tip_ike_skf_open(sa, m->wbuf, m, &pt, &pt_len);
    if (err != TIP_OK)
        return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_AUTH, err);
    /* 2.5: fragment 1's Next Payload is the first inner payload. */
    if (num == 1 && m->sk_first_inner == TIP_IKE_PL_NONE)
        return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_FIRST_NP, TIP_ERR_MALFORMED);
    /* Authenticated: a fragment of another message, or of this one cut
     * into more fragments (2.6), starts the reassembly afresh. */
    if (r->total != 0 && (r->sa != h || r->msg_id != m->hdr.msg_id ||
                          r->response != (uint8_t)response || total > r->total))
        tip_ike_reasm_clear(ctx);
    b = tip_ike_buf_take(ctx, &r->buf);
    if (b == NULL)
        return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_NO_BUF, TIP_ERR_FULL);
    b = TIP_IKE_BUF_MSG(b);
    if (pt_len > TIP_IKE_MSG_MAX - (size_t)r->used) {
        tip_ike_reasm_clear(ctx); /* the whole message cannot be held */
        return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_TOO_LARGE, TIP_ERR_TOO_LARGE);
    }
    if (r->total == 0) {
        r->sa = h;
        r->msg_id = m->hdr.msg_id;
        r->response = (uint8_t)response;
        r->total = total;
        r->deadline_ms = ctx->now_ms + TIP_IKE_FRAG_REASM_MS;
    }
    memcpy(b + r->used, pt, pt_len);
    r->off[num - 1u] = r->used;
    r->len[num - 1u] = (uint16_t)(pt_len + 1u);
    r->used = (uint16_t)(r->used + pt_len);
    if (num == 1)
        r->first_np = m->sk_first_inner;
    if (++r->have < r->total)
        return TIP_IKE_FRAG_KEPT;
    len = tip_ike_frag_order(r, b);
    ctx->ike.frag_msgs++;
    /* The buffer stays until the handler is done (tip_ike_bufs_tidy()). */
    err = tip_ike_chain_parse(b, len, r->first_np, 0, inner);
    inner->hdr = m->hdr;
    if (err == TIP_OK || err == TIP_ERR_UNSUPPORTED)
        return err;
    tip_ike_reasm_clear(ctx);
    return tip_ike_frag_drop(ctx, TIP_IKE_FRAG_DROP_INVALID, TIP_ERR_MALFORMED);
}

int tip_ike_frag_retransmit_first(tip_ike_sa_t *sa, const tip_ike_msg_t *m)
{
    const tip_ike_pl_t *pl = &m->pl[m->sk_index];
    uint8_t *pt;
    size_t pt_len;

    /* RFC 7383 2.6.1: only fragment 1 of a retransmitted request, once it
     * authenticates, has the whole response sent again; the others are
     * ignored. */
    if (!sa->frag_ok || pl->len < TIP_IKE_SKF_HDR_LEN ||
        tip_load_be16(m->buf + pl->off) != 1)
        return 0;
    return tip_ike_skf_open(sa, m->wbuf, m, &pt, &pt_len) == TIP_OK;
}

void tip_ike_frag_tidy(tip_ctx_t *ctx)
{
    tip_ike_reasm_t *r = &ctx->ike.reasm;

    if (r->total == 0)
        return;
    if (r->have == r->total || tip_ike_sa_get(ctx, r->sa) == NULL) {
        tip_ike_reasm_clear(ctx); /* handled, or its IKE SA is gone */
    } else if (ctx->now_ms >= r->deadline_ms) {
        /* 2.6: not complete in time: dropped, nothing changed. */
        ctx->ike.frag_drops[TIP_IKE_FRAG_DROP_TIMEOUT] += r->have;
        tip_ike_reasm_clear(ctx);
    }
}

#endif /* TIP_CONF_IKEV2 && TIP_CONF_IKE_FRAG */
