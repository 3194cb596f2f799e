/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 message codec: the header, the payload chain and the builder core
 * (RFC 7296 3.1, 3.2, 3.14). Per-payload bodies live in ike_payload*.c.
 */
#include "tinyipsec/config.h"

#if TIP_CONF_IKEV2

#include <string.h>

#include "bytes.h"
#include "ike/ike_msg.h"

#define TIP_W_NONE ((size_t)-1)

/* ---- parsing --------------------------------------------------------- */

int tip_ike_hdr_parse(const uint8_t *buf, size_t len, tip_ike_hdr_t *out)
{
    if (buf == NULL || out == NULL) {
        return TIP_ERR_ARG;
    }
    if (len < TIP_IKE_HDR_LEN || len > TIP_IKE_MAX_MSG_LEN) {
        return TIP_ERR_MALFORMED;
    }
    memcpy(out->spi_i, buf, TIP_IKE_SPI_LEN);
    memcpy(out->spi_r, buf + 8, TIP_IKE_SPI_LEN);
    out->next_payload = buf[16];
    out->version = buf[17];
    out->exchange = buf[18];
    out->flags = buf[19];
    out->msg_id = tip_load_be32(buf + 20);
    out->length = tip_load_be32(buf + 24);
    /* RFC 7296 3.1: Length is the total message; anything else is a
     * truncated or padded datagram that must not be interpreted. */
    if (out->length != len) {
        return TIP_ERR_MALFORMED;
    }
    /* RFC 7296 2.5: the minor version is ignored; a different major version
     * is reported so the caller can answer INVALID_MAJOR_VERSION. */
    if (TIP_IKE_MAJOR(out->version) != 2) {
        return TIP_ERR_UNSUPPORTED;
    }
    return TIP_OK;
}

/* Payload types this codec knows: the rest are "unrecognized" in the sense
 * of RFC 7296 3.2 (skipped, or refused when critical). */
static int known_type(uint8_t t)
{
    return (t >= TIP_IKE_PL_SA && t <= TIP_IKE_PL_EAP) || t == TIP_IKE_PL_SKF;
}

static void chain_reset(tip_ike_msg_t *m, const uint8_t *buf, size_t len)
{
    m->buf = buf;
    m->wbuf = NULL;
    m->len = len;
    m->count = 0;
    m->sk_index = -1;
    m->sk_first_inner = 0;
    m->unsupported_critical = 0;
}

/* Walk the chain from @p pos (first payload of type @p type) to the end of
 * m->buf. Every generic header is bounds-checked before it is read and its
 * length checked against what is left of the enclosing buffer. */
static int chain_walk(tip_ike_msg_t *m, size_t pos, uint8_t type, int allow_sk)
{
    const uint8_t *b = m->buf;
    size_t len = m->len;

    while (type != TIP_IKE_PL_NONE) {
        uint8_t np, crit;
        uint16_t plen;
        tip_ike_pl_t *pl;

        if (pos > len || len - pos < TIP_IKE_GEN_HDR_LEN) {
            return TIP_ERR_MALFORMED; /* next-payload says more, bytes say no */
        }
        np = b[pos];
        crit = (uint8_t)((b[pos + 1] & TIP_IKE_CRITICAL) != 0);
        plen = tip_load_be16(b + pos + 2);
        if (plen < TIP_IKE_GEN_HDR_LEN || plen > len - pos) {
            return TIP_ERR_MALFORMED;
        }
        if (m->count >= TIP_IKE_MAX_PAYLOADS) {
            return TIP_ERR_FULL;
        }
        pl = &m->pl[m->count++];
        pl->type = type;
        pl->critical = crit;
        pl->off = (uint16_t)(pos + TIP_IKE_GEN_HDR_LEN);
        pl->len = (uint16_t)(plen - TIP_IKE_GEN_HDR_LEN);

        if (type == TIP_IKE_PL_SK || type == TIP_IKE_PL_SKF) {
            /* RFC 7296 3.14: the Encrypted payload, if present, MUST be the
             * last payload; its next-payload byte names the first inner one. */
            if (!allow_sk || pos + plen != len) {
                return TIP_ERR_MALFORMED;
            }
            m->sk_index = m->count - 1;
            m->sk_first_inner = np;
            pos = len;
            break;
        }
        /* RFC 7296 3.2: an unrecognized payload is skipped unless critical,
         * then the message is rejected with UNSUPPORTED_CRITICAL_PAYLOAD. The
         * critical bit of a recognized payload is ignored. */
        if (crit && !known_type(type) && m->unsupported_critical == 0) {
            m->unsupported_critical = type;
        }
        pos += plen;
        type = np;
    }
    if (pos != len) {
        return TIP_ERR_MALFORMED; /* trailing bytes after the last payload */
    }
    return m->unsupported_critical != 0 ? TIP_ERR_UNSUPPORTED : TIP_OK;
}

int tip_ike_chain_parse(const uint8_t *buf, size_t len, uint8_t first_type, int allow_sk,
                        tip_ike_msg_t *out)
{
    if (out == NULL || (buf == NULL && len != 0)) {
        return TIP_ERR_ARG;
    }
    memset(&out->hdr, 0, sizeof(out->hdr));
    chain_reset(out, buf, len);
    if (len > TIP_IKE_MAX_MSG_LEN) {
        return TIP_ERR_MALFORMED;
    }
    return chain_walk(out, 0, first_type, allow_sk);
}

int tip_ike_msg_parse(const uint8_t *buf, size_t len, tip_ike_msg_t *out)
{
    int err;

    if (buf == NULL || out == NULL) {
        return TIP_ERR_ARG;
    }
    chain_reset(out, buf, len);
    err = tip_ike_hdr_parse(buf, len, &out->hdr);
    if (err != TIP_OK) {
        return err;
    }
    return chain_walk(out, TIP_IKE_HDR_LEN, out->hdr.next_payload, 1);
}

int tip_ike_msg_parse_inner(const tip_ike_msg_t *outer, const uint8_t *plain, size_t len,
                            tip_ike_msg_t *inner)
{
    int err;

    if (outer == NULL || inner == NULL || outer->sk_index < 0) {
        return TIP_ERR_ARG;
    }
    err = tip_ike_chain_parse(plain, len, outer->sk_first_inner, 0, inner);
    inner->hdr = outer->hdr;
    return err;
}

const tip_ike_pl_t *tip_ike_msg_find(const tip_ike_msg_t *m, uint8_t type, unsigned nth)
{
    unsigned i;

    if (m == NULL) {
        return NULL;
    }
    for (i = 0; i < m->count; i++) {
        if (m->pl[i].type == type) {
            if (nth == 0) {
                return &m->pl[i];
            }
            nth--;
        }
    }
    return NULL;
}

unsigned tip_ike_msg_count(const tip_ike_msg_t *m, uint8_t type)
{
    unsigned i, n = 0;

    if (m == NULL) {
        return 0;
    }
    for (i = 0; i < m->count; i++) {
        n += m->pl[i].type == type;
    }
    return n;
}

/* ---- builder core ------------------------------------------------------ */

void tip_ike_w_init(tip_ike_w_t *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf != NULL ? cap : 0;
    w->len = 0;
    w->np_off = TIP_W_NONE;
    w->sk_off = TIP_W_NONE;
    w->sk_iv = 0;
    w->sk_pt = 0;
    w->has_hdr = 0;
    w->err = TIP_OK;
}

/* Reserve @p n bytes; on failure the error sticks and nothing is written. */
static uint8_t *w_room(tip_ike_w_t *w, size_t n)
{
    uint8_t *p;

    if (w->err != TIP_OK) {
        return NULL;
    }
    if (w->cap - w->len < n) {
        w->err = TIP_ERR_BUF_SPACE;
        return NULL;
    }
    p = w->buf + w->len;
    w->len += n;
    return p;
}

void tip_ike_w_u8(tip_ike_w_t *w, uint8_t v)
{
    uint8_t *p = w_room(w, 1);

    if (p != NULL) {
        p[0] = v;
    }
}

void tip_ike_w_u16(tip_ike_w_t *w, uint16_t v)
{
    uint8_t *p = w_room(w, 2);

    if (p != NULL) {
        tip_store_be16(p, v);
    }
}

void tip_ike_w_u32(tip_ike_w_t *w, uint32_t v)
{
    uint8_t *p = w_room(w, 4);

    if (p != NULL) {
        tip_store_be32(p, v);
    }
}

void tip_ike_w_bytes(tip_ike_w_t *w, const uint8_t *src, size_t len)
{
    uint8_t *p = w_room(w, len);

    if (p != NULL && len != 0) {
        if (src != NULL) {
            memcpy(p, src, len);
        } else {
            memset(p, 0, len);
        }
    }
}

void tip_ike_w_hdr(tip_ike_w_t *w, const tip_ike_hdr_t *h)
{
    uint8_t *p;

    if (w->err == TIP_OK && (h == NULL || w->len != 0)) {
        w->err = TIP_ERR_ARG;
    }
    p = w_room(w, TIP_IKE_HDR_LEN);
    if (p == NULL) {
        return;
    }
    memcpy(p, h->spi_i, TIP_IKE_SPI_LEN);
    memcpy(p + 8, h->spi_r, TIP_IKE_SPI_LEN);
    p[16] = TIP_IKE_PL_NONE; /* patched by the first payload */
    p[17] = h->version != 0 ? h->version : TIP_IKE_VERSION;
    p[18] = h->exchange;
    p[19] = h->flags;
    tip_store_be32(p + 20, h->msg_id);
    tip_store_be32(p + 24, TIP_IKE_HDR_LEN); /* patched by tip_ike_w_finish() */
    w->np_off = 16;
    w->has_hdr = 1;
}

size_t tip_ike_w_begin(tip_ike_w_t *w, uint8_t type, int critical)
{
    size_t start = w->len;
    uint8_t *p = w_room(w, TIP_IKE_GEN_HDR_LEN);

    if (p == NULL) {
        return start;
    }
    if (w->np_off != TIP_W_NONE) {
        w->buf[w->np_off] = type;
    }
    p[0] = TIP_IKE_PL_NONE;
    p[1] = critical ? TIP_IKE_CRITICAL : 0;
    tip_store_be16(p + 2, TIP_IKE_GEN_HDR_LEN);
    w->np_off = start;
    return start;
}

void tip_ike_w_end(tip_ike_w_t *w, size_t start)
{
    size_t plen;

    if (w->err != TIP_OK) {
        return;
    }
    if (start > w->len || w->len - start < TIP_IKE_GEN_HDR_LEN) {
        w->err = TIP_ERR_ARG;
        return;
    }
    plen = w->len - start;
    if (plen > 0xffffu) {
        w->err = TIP_ERR_ARG; /* the payload length field is 16 bits */
        return;
    }
    tip_store_be16(w->buf + start + 2, (uint16_t)plen);
}

int tip_ike_w_finish(tip_ike_w_t *w)
{
    if (w->err == TIP_OK && w->has_hdr) {
        if (w->len > TIP_IKE_MAX_MSG_LEN) {
            w->err = TIP_ERR_BUF_SPACE;
        } else {
            tip_store_be32(w->buf + 24, (uint32_t)w->len);
        }
    }
    return w->err;
}

void tip_ike_w_payload(tip_ike_w_t *w, uint8_t type, int critical, const uint8_t *body,
                       size_t len)
{
    size_t s = tip_ike_w_begin(w, type, critical);

    tip_ike_w_bytes(w, body, len);
    tip_ike_w_end(w, s);
}

/* ---- SK / SKF ------------------------------------------------------------ */

size_t tip_ike_w_sk_begin(tip_ike_w_t *w, size_t iv_len)
{
    size_t s = tip_ike_w_begin(w, TIP_IKE_PL_SK, 0);

    /* np_off now points at the SK next-payload byte, which RFC 7296 3.14
     * defines as the type of the first inner payload: the first inner
     * builder patches it like any other link of the chain. */
    w->sk_iv = w->len;
    tip_ike_w_bytes(w, NULL, iv_len);
    w->sk_pt = w->len;
    if (w->err == TIP_OK) {
        w->sk_off = s;
    }
    return w->len;
}

size_t tip_ike_w_skf_begin(tip_ike_w_t *w, uint16_t frag_num, uint16_t frag_total,
                           uint8_t first_inner, size_t iv_len)
{
    size_t s = tip_ike_w_begin(w, TIP_IKE_PL_SKF, 0);

    if (w->err == TIP_OK) {
        /* RFC 7383 2.5: only fragment 1 names the first inner payload; the
         * content is raw bytes, so no inner payload patches this byte. */
        w->buf[s] = frag_num == 1 ? first_inner : TIP_IKE_PL_NONE;
        w->np_off = TIP_W_NONE;
    }
    tip_ike_w_u16(w, frag_num);
    tip_ike_w_u16(w, frag_total);
    w->sk_iv = w->len;
    tip_ike_w_bytes(w, NULL, iv_len);
    w->sk_pt = w->len;
    if (w->err == TIP_OK) {
        w->sk_off = s;
    }
    return w->len;
}

int tip_ike_w_sk_end(tip_ike_w_t *w, size_t block, size_t icv_len, tip_ike_sk_out_t *out)
{
    size_t data, pad;

    if (w->err != TIP_OK) {
        return w->err;
    }
    if (w->sk_off == TIP_W_NONE || out == NULL || block > 255) {
        w->err = TIP_ERR_ARG;
        return w->err;
    }
    /* RFC 7296 3.14: padding plus the pad length byte make the plaintext a
     * multiple of the cipher's block size; the padding may hold any value. */
    data = w->len - w->sk_pt;
    pad = block > 1 ? (block - (data + 1) % block) % block : 0;
    tip_ike_w_bytes(w, NULL, pad);
    tip_ike_w_u8(w, (uint8_t)pad);
    tip_ike_w_bytes(w, NULL, icv_len);
    tip_ike_w_end(w, w->sk_off);
    if (tip_ike_w_finish(w) != TIP_OK) {
        return w->err;
    }
    out->iv_off = w->sk_iv;
    out->iv_len = w->sk_pt - w->sk_iv;
    out->pt_off = w->sk_pt;
    out->pt_len = data + pad + 1;
    out->icv_off = w->len - icv_len;
    out->icv_len = icv_len;
    w->np_off = TIP_W_NONE; /* nothing may follow the Encrypted payload */
    return TIP_OK;
}

#endif /* TIP_CONF_IKEV2 */
