/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Encrypted and Authenticated payload (RFC 7296 3.14): AES-CBC with an
 * HMAC, or an AEAD cipher as RFC 5282 (AES-GCM) and RFC 7634
 * (ChaCha20-Poly1305) define for IKEv2. The per-SA cipher state is the same
 * tip_crypto_sa_t the ESP data path uses, one per direction.
 */
#include <string.h>

#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

static int tip_ike_encr_aead(uint8_t encr)
{
    return encr == TIP_ENCR_AES_GCM_16 || encr == TIP_ENCR_CHACHA20_POLY1305;
}

int tip_ike_sk_setup(tip_ike_sa_t *sa, const uint8_t *sk_ei, const uint8_t *sk_er, size_t ek,
                     const uint8_t *sk_ai, const uint8_t *sk_ar, size_t ak)
{
    const uint8_t *eo = sa->initiator ? sk_ei : sk_er, *ei = sa->initiator ? sk_er : sk_ei;
    const uint8_t *ao = sa->initiator ? sk_ai : sk_ar, *ai = sa->initiator ? sk_ar : sk_ai;
    int err;

    tip_crypto_sa_free(&sa->sk_out);
    tip_crypto_sa_free(&sa->sk_in);
    err = tip_crypto_sa_init(&sa->sk_out, TIP_DIR_OUT, (tip_encr_t)sa->encr, eo, ek,
                             (tip_integ_t)sa->integ, ak != 0 ? ao : NULL, ak);
    if (err == TIP_OK)
        err = tip_crypto_sa_init(&sa->sk_in, TIP_DIR_IN, (tip_encr_t)sa->encr, ei, ek,
                                 (tip_integ_t)sa->integ, ak != 0 ? ai : NULL, ak);
    if (err != TIP_OK) {
        tip_crypto_sa_free(&sa->sk_out);
        return err;
    }
    if (tip_ike_encr_aead(sa->encr)) {
        sa->sk_iv_len = 8;   /* RFC 5282 3.1, RFC 7634 2 */
        sa->sk_icv_len = 16;
        sa->sk_block = 1;
    } else {
        sa->sk_iv_len = 16;  /* RFC 3602 with RFC 7296 3.14 */
        sa->sk_icv_len = (uint8_t)tip_crypto_integ_icv_len((tip_integ_t)sa->integ);
        sa->sk_block = 16;
    }
    return TIP_OK;
}

size_t tip_ike_sk_begin(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_w_t *w)
{
    size_t off = tip_ike_w_sk_begin(w, sa->sk_iv_len);

#if TIP_CONF_IKE_FRAG
    sa->frag_out = 0;
#endif

    /* RFC 7296 3.14: the IV must be unpredictable (CBC) / never repeat
     * under the key (AEAD): take it from the port's random source. */
    if (w->err == TIP_OK && tip_ike_random(ctx, w->buf + w->sk_iv, sa->sk_iv_len) != TIP_OK)
        w->err = TIP_ERR_CRYPTO;
    return off;
}

int tip_ike_sk_end(tip_ike_sa_t *sa, tip_ike_w_t *w, size_t *len)
{
#if TIP_CONF_IKE_FRAG
    sa->frag_out = 0;
    if (sa->frag_ok && w->err == TIP_OK && w->sk_off != (size_t)-1) {
        size_t data = w->len - w->sk_pt;
        size_t pad = sa->sk_block > 1 ? (sa->sk_block - (data + 1u) % sa->sk_block) % sa->sk_block
                                      : 0u;
        /* RFC 7383 2.5: a message that would not fit the fragment size is
         * sent in fragments; it stays plaintext until tip_ike_frag_send(). */
        size_t whole = w->len + pad + 1u + sa->sk_icv_len;
        if (whole > sa->frag_room) {
            size_t n = tip_ike_frag_count(sa, data);
            int err = tip_ike_w_finish(w);
            if (err != TIP_OK)
                return err;
            /* Room behind the message for each fragment's IV (kept for
             * retransmissions, tip_ike_frag_send()). A message too close to
             * TIP_IKE_MSG_MAX for that goes whole if one datagram holds it. */
            if (n != 0 && n <= 0xffffu && w->cap - w->len >= n * sa->sk_iv_len) {
                sa->frag_out = 1;
                *len = w->len;
                return TIP_OK;
            }
            if (whole > TIP_IKE_DGRAM_MAX)
                return TIP_ERR_BUF_SPACE;
        }
    }
#endif
    return tip_ike_sk_seal(sa, w, len);
}

int tip_ike_sk_seal(tip_ike_sa_t *sa, tip_ike_w_t *w, size_t *len)
{
    tip_ike_sk_out_t o;
    int err = tip_ike_w_sk_end(w, sa->sk_block, sa->sk_icv_len, &o);

    if (err != TIP_OK)
        return err;
    if (tip_ike_encr_aead(sa->encr)) {
        /* RFC 5282 5.1: the AAD is everything before the IV. */
        err = tip_crypto_aead_seal(&sa->sk_out, w->buf + o.iv_off, w->buf, o.iv_off,
                                   w->buf + o.pt_off, o.pt_len, w->buf + o.icv_off);
    } else {
        err = tip_crypto_cbc(&sa->sk_out, w->buf + o.iv_off, w->buf + o.pt_off, o.pt_len);
        if (err == TIP_OK)
            err = tip_crypto_hmac(&sa->sk_out, w->buf, o.icv_off, NULL, 0, w->buf + o.icv_off);
    }
    *len = w->len;
    return err;
}

/* Verify and decrypt the SK or SKF payload @p pl of the message in @p mbuf
 * in place; *@p pt / *@p pt_len: the content without padding. */
static int tip_ike_sk_decrypt(tip_ike_sa_t *sa, uint8_t *mbuf, const tip_ike_pl_t *pl,
                              uint8_t **pt, size_t *pt_len)
{
    size_t skf = pl->type == TIP_IKE_PL_SKF ? TIP_IKE_SKF_HDR_LEN : 0u;
    tip_ike_sk_t sk;
    uint8_t *ct;
    size_t pad;
    int err;

    if (skf != 0)
        err = tip_ike_skf_split(mbuf + pl->off, pl->len, sa->sk_iv_len, sa->sk_icv_len,
                                sa->sk_block, &sk);
    else
        err = tip_ike_sk_split(mbuf + pl->off, pl->len, sa->sk_iv_len, sa->sk_icv_len,
                               sa->sk_block, &sk);
    if (err != TIP_OK)
        return TIP_ERR_MALFORMED;
    ct = mbuf + (sk.ct - mbuf);
    if (tip_ike_encr_aead(sa->encr)) {
        /* RFC 5282 5.1, RFC 7383 2.5: the AAD is everything before the IV
         * (for a fragment, its number and total too). */
        err = tip_crypto_aead_open(&sa->sk_in, sk.iv, mbuf, pl->off + skf, ct, sk.ct_len,
                                   sk.icv);
    } else {
        uint8_t mac[TIP_CRYPTO_MAX_MAC];
        /* RFC 7296 3.14: the checksum covers the whole message up to it,
         * and is checked before anything is decrypted. */
        err = tip_crypto_hmac(&sa->sk_in, mbuf, (size_t)(sk.icv - mbuf), NULL, 0, mac);
        if (err == TIP_OK && tip_crypto_ct_memcmp(mac, sk.icv, sa->sk_icv_len) != 0)
            err = TIP_ERR_AUTH;
        tip_crypto_zeroize(mac, sizeof(mac));
        if (err == TIP_OK)
            err = tip_crypto_cbc(&sa->sk_in, sk.iv, ct, sk.ct_len);
    }
    if (err != TIP_OK)
        return TIP_ERR_AUTH;
    pad = ct[sk.ct_len - 1u];
    if (pad + 1u > sk.ct_len)
        return TIP_ERR_MALFORMED;
    *pt = ct;
    *pt_len = sk.ct_len - 1u - pad;
    return TIP_OK;
}

#if TIP_CONF_IKE_FRAG
int tip_ike_skf_open(tip_ike_sa_t *sa, uint8_t *mbuf, const tip_ike_msg_t *msg, uint8_t **pt,
                     size_t *pt_len)
{
    if (msg->sk_index < 0 || sa->sk_iv_len == 0 || msg->pl[msg->sk_index].type != TIP_IKE_PL_SKF)
        return TIP_ERR_MALFORMED;
    return tip_ike_sk_decrypt(sa, mbuf, &msg->pl[msg->sk_index], pt, pt_len);
}
#endif

int tip_ike_sk_open(tip_ike_sa_t *sa, uint8_t *mbuf, const tip_ike_msg_t *msg,
                    tip_ike_msg_t *inner)
{
    const tip_ike_pl_t *pl;
    uint8_t *pt;
    size_t pt_len;
    int err;

    if (msg->sk_index < 0 || sa->sk_iv_len == 0)
        return TIP_ERR_MALFORMED;
    pl = &msg->pl[msg->sk_index];
    if (pl->type != TIP_IKE_PL_SK)
        return TIP_ERR_MALFORMED; /* SKF: only tip_ike_frag_input() takes fragments */
    err = tip_ike_sk_decrypt(sa, mbuf, pl, &pt, &pt_len);
    if (err != TIP_OK)
        return err;
    err = tip_ike_msg_parse_inner(msg, pt, pt_len, inner);
    if (err == TIP_OK || err == TIP_ERR_UNSUPPORTED) /* unknown critical payload: caller answers */
        return err;
    return TIP_ERR_MALFORMED;
}

#endif /* TIP_CONF_IKEV2 */
