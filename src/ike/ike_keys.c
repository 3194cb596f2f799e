/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 key derivation (RFC 7296 2.13, 2.14, 2.17, 2.18) over the crypto
 * seam's PRF. No Mbed TLS here and no allocation: prf+ writes each key
 * straight where the caller keeps it, one PRF block at a time; the only
 * buffers are small fixed-size locals, zeroized before every return.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike_keys.h"

#if TIP_CONF_IKEV2 /* the whole file */

#define TIP_AEAD_SALT 4

static int tip_nonce_ok(const uint8_t *p, size_t len)
{
    return p != NULL && len >= TIP_IKE_NONCE_MIN && len <= TIP_IKE_NONCE_MAX;
}

/* One piece of prf+ output: the keys are written where they are kept. */
typedef struct {
    uint8_t *p;
    size_t len;
} tip_prf_out_t;

/* prf+ (RFC 7296 2.13) into @p out[0..nout-1] in order, one PRF block at a
 * time: no buffer for the whole keying material. */
static int tip_prf_plus_to(tip_prf_t prf, const uint8_t *key, size_t key_len,
                           const tip_iov_t *seed, size_t n, const tip_prf_out_t *out, size_t nout)
{
    tip_iov_t iov[TIP_IKE_PRF_PLUS_MAX_IOV + 2];
    uint8_t t[TIP_IKE_MAX_PRF_LEN];
    uint8_t ctr;
    size_t plen, total, done, i, seg, segoff, tpos, take;
    int err = TIP_ERR_INTERNAL;

    if ((key == NULL && key_len != 0) || (seed == NULL && n != 0) ||
        n > TIP_IKE_PRF_PLUS_MAX_IOV)
        return TIP_ERR_ARG;
    for (total = 0, i = 0; i < nout; i++) {
        if (out[i].p == NULL && out[i].len != 0)
            return TIP_ERR_ARG;
        total += out[i].len;
    }
    plen = tip_crypto_prf_len(prf);
    if (plen == 0 || plen > sizeof(t))
        return TIP_ERR_UNSUPPORTED;
    /* RFC 7296 2.13: the counter is one octet, so at most 255 blocks. */
    if (total > TIP_IKE_PRF_PLUS_MAX_BLOCKS * plen)
        return TIP_ERR_ARG;

    /* iov[0] = T(n-1) (empty for T1), iov[1..n] = S, iov[n+1] = counter. */
    for (i = 0; i < n; i++)
        iov[1 + i] = seed[i];
    iov[n + 1].p = &ctr;
    iov[n + 1].len = 1;
    iov[0].p = t;
    iov[0].len = 0;
    err = TIP_OK;
    seg = 0;
    segoff = 0;
    for (done = 0, ctr = 1; done < total && err == TIP_OK; ctr++) {
        err = tip_crypto_prf(prf, key, key_len, iov, n + 2, t);
        /* T(ctr) continues the current piece, then the next ones. */
        for (tpos = 0; err == TIP_OK && tpos < plen && seg < nout;) {
            take = out[seg].len - segoff < plen - tpos ? out[seg].len - segoff : plen - tpos;
            if (take != 0)
                memcpy(out[seg].p + segoff, t + tpos, take);
            tpos += take;
            segoff += take;
            done += take;
            if (segoff == out[seg].len) {
                seg++;
                segoff = 0;
            }
        }
        iov[0].len = plen;
    }
    tip_crypto_zeroize(t, sizeof(t));
    if (err != TIP_OK)
        for (i = 0; i < nout; i++)
            if (out[i].len != 0)
                tip_crypto_zeroize(out[i].p, out[i].len);
    return err;
}

int tip_ike_prf_plus(tip_prf_t prf, const uint8_t *key, size_t key_len, const tip_iov_t *seed,
                     size_t n, uint8_t *out, size_t out_len)
{
    tip_prf_out_t o;

    if (out == NULL && out_len != 0)
        return TIP_ERR_ARG;
    o.p = out;
    o.len = out_len;
    return tip_prf_plus_to(prf, key, key_len, seed, n, &o, 1);
}

int tip_ike_skeyseed(tip_prf_t prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                     size_t nr_len, const uint8_t *g_ir, size_t g_ir_len, uint8_t *out)
{
    uint8_t k[2 * TIP_IKE_NONCE_MAX];
    tip_iov_t iov;
    int err;

    if (out == NULL || !tip_nonce_ok(ni, ni_len) || !tip_nonce_ok(nr, nr_len) || g_ir == NULL ||
        g_ir_len == 0)
        return TIP_ERR_ARG;
    /* RFC 7296 2.14: the PRF key is Ni | Nr (the HMAC key must be one piece). */
    memcpy(k, ni, ni_len);
    memcpy(k + ni_len, nr, nr_len);
    iov.p = g_ir;
    iov.len = g_ir_len;
    err = tip_crypto_prf(prf, k, ni_len + nr_len, &iov, 1, out);
    tip_crypto_zeroize(k, sizeof(k));
    return err;
}

int tip_ike_skeyseed_rekey(tip_prf_t prf_old, const uint8_t *sk_d_old, size_t sk_d_len,
                           const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni, size_t ni_len,
                           const uint8_t *nr, size_t nr_len, uint8_t *out)
{
    tip_iov_t iov[3];

    if (out == NULL || sk_d_old == NULL || sk_d_len == 0 || g_ir == NULL || g_ir_len == 0 ||
        !tip_nonce_ok(ni, ni_len) || !tip_nonce_ok(nr, nr_len))
        return TIP_ERR_ARG;
    /* RFC 7296 2.18: a rekey always has a fresh DH (g^ir is mandatory), and
     * the old SA's PRF keyed with the old SK_d makes the new SKEYSEED. */
    iov[0].p = g_ir;
    iov[0].len = g_ir_len;
    iov[1].p = ni;
    iov[1].len = ni_len;
    iov[2].p = nr;
    iov[2].len = nr_len;
    return tip_crypto_prf(prf_old, sk_d_old, sk_d_len, iov, 3, out);
}

size_t tip_ike_encr_keymat_len(tip_encr_t encr, unsigned key_bits)
{
    switch (encr) {
    case TIP_ENCR_AES_CBC: /* RFC 3602 / RFC 7296 3.3.5: the Key Length attribute */
        return key_bits == 128 ? 16 : key_bits == 256 ? 32 : 0;
    case TIP_ENCR_AES_GCM_16: /* key + 4-byte salt (RFC 5282, RFC 4106 8.1) */
        return key_bits == 128 ? 16 + TIP_AEAD_SALT
               : key_bits == 256 ? 32 + TIP_AEAD_SALT : 0;
    case TIP_ENCR_CHACHA20_POLY1305: /* RFC 7634: 256-bit key + 4-byte salt */
        return key_bits == 0 || key_bits == 256 ? 32 + TIP_AEAD_SALT : 0;
    default: /* ENCR_NULL has no key; unknown ids have none either */
        return 0;
    }
}

static int tip_is_aead(tip_encr_t encr)
{
    return encr == TIP_ENCR_AES_GCM_16 || encr == TIP_ENCR_CHACHA20_POLY1305;
}

/* Lengths of one SA's encryption and integrity material; checks the pairing
 * (AEAD <=> no integrity algorithm, RFC 7296 3.3.3). */
static int tip_suite_lens(tip_encr_t encr, unsigned bits, tip_integ_t integ, int allow_null,
                          size_t *elen, size_t *ilen)
{
    *elen = tip_ike_encr_keymat_len(encr, bits);
    *ilen = tip_crypto_integ_key_len(integ);
    if (*elen == 0 && !(allow_null && encr == TIP_ENCR_NULL))
        return TIP_ERR_ARG;
    if (integ != TIP_INTEG_NONE && *ilen == 0)
        return TIP_ERR_UNSUPPORTED;
    if (tip_is_aead(encr) != (integ == TIP_INTEG_NONE))
        return TIP_ERR_ARG;
    return TIP_OK;
}

void tip_ike_keys_wipe(tip_ike_keys_t *keys)
{
    if (keys != NULL)
        tip_crypto_zeroize(keys, sizeof(*keys));
}

int tip_ike_derive_keys(tip_ike_keys_t *keys, tip_prf_t prf, tip_encr_t encr,
                        unsigned encr_key_bits, tip_integ_t integ, const uint8_t *skeyseed,
                        size_t skeyseed_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                        size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8])
{
    tip_prf_out_t out[7];
    tip_iov_t seed[4];
    size_t plen, elen, ilen;
    int err = TIP_ERR_INTERNAL;

    if (keys == NULL)
        return TIP_ERR_ARG;
    tip_ike_keys_wipe(keys);
    if (skeyseed == NULL || skeyseed_len == 0 || !tip_nonce_ok(ni, ni_len) ||
        !tip_nonce_ok(nr, nr_len) || spi_i == NULL || spi_r == NULL)
        return TIP_ERR_ARG;
    plen = tip_crypto_prf_len(prf);
    if (plen == 0)
        return TIP_ERR_UNSUPPORTED;
    err = tip_suite_lens(encr, encr_key_bits, integ, 0, &elen, &ilen);
    if (err != TIP_OK)
        return err;

    /* RFC 7296 2.14: prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
    seed[0].p = ni;
    seed[0].len = ni_len;
    seed[1].p = nr;
    seed[1].len = nr_len;
    seed[2].p = spi_i;
    seed[2].len = 8;
    seed[3].p = spi_r;
    seed[3].len = 8;
    /* Taken in order: SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr,
     * each straight into @p keys. */
    out[0].p = keys->sk_d;
    out[0].len = plen;
    out[1].p = keys->sk_ai;
    out[1].len = ilen;
    out[2].p = keys->sk_ar;
    out[2].len = ilen;
    out[3].p = keys->sk_ei;
    out[3].len = elen;
    out[4].p = keys->sk_er;
    out[4].len = elen;
    out[5].p = keys->sk_pi;
    out[5].len = plen;
    out[6].p = keys->sk_pr;
    out[6].len = plen;
    err = tip_prf_plus_to(prf, skeyseed, skeyseed_len, seed, 4, out, 7);
    if (err != TIP_OK) {
        tip_ike_keys_wipe(keys);
        return err;
    }
    keys->prf_len = (uint8_t)plen;
    keys->integ_len = (uint8_t)ilen;
    keys->encr_len = (uint8_t)elen;
    return TIP_OK;
}

/* The Child SA prf+ seed: [g^ir (new)] | Ni | Nr (RFC 7296 2.17); 0 if a
 * piece is missing. */
static size_t tip_child_seed(tip_iov_t seed[3], const uint8_t *sk_d, size_t sk_d_len,
                             const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni,
                             size_t ni_len, const uint8_t *nr, size_t nr_len)
{
    size_t n = 0;

    if (sk_d == NULL || sk_d_len == 0 || (g_ir == NULL && g_ir_len != 0) ||
        !tip_nonce_ok(ni, ni_len) || !tip_nonce_ok(nr, nr_len))
        return 0;
    /* RFC 7296 2.17: with PFS, g^ir (new) goes in front of the nonces. */
    if (g_ir_len != 0) {
        seed[n].p = g_ir;
        seed[n++].len = g_ir_len;
    }
    seed[n].p = ni;
    seed[n++].len = ni_len;
    seed[n].p = nr;
    seed[n++].len = nr_len;
    return n;
}

int tip_ike_child_keymat(tip_prf_t prf, const uint8_t *sk_d, size_t sk_d_len,
                         const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni, size_t ni_len,
                         const uint8_t *nr, size_t nr_len, uint8_t *out, size_t out_len)
{
    tip_iov_t seed[3];
    size_t n = tip_child_seed(seed, sk_d, sk_d_len, g_ir, g_ir_len, ni, ni_len, nr, nr_len);

    if (n == 0 || out == NULL)
        return TIP_ERR_ARG;
    return tip_ike_prf_plus(prf, sk_d, sk_d_len, seed, n, out, out_len);
}

void tip_ike_child_keys_wipe(tip_ike_child_keys_t *keys)
{
    if (keys != NULL)
        tip_crypto_zeroize(keys, sizeof(*keys));
}

int tip_ike_child_keys(tip_ike_child_keys_t *keys, tip_prf_t prf, const uint8_t *sk_d,
                       size_t sk_d_len, const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni,
                       size_t ni_len, const uint8_t *nr, size_t nr_len, tip_encr_t encr,
                       unsigned encr_key_bits, tip_integ_t integ)
{
    tip_prf_out_t out[4];
    tip_iov_t seed[3];
    size_t elen, ilen, n;
    int err = TIP_ERR_INTERNAL;

    if (keys == NULL)
        return TIP_ERR_ARG;
    tip_ike_child_keys_wipe(keys);
    err = tip_suite_lens(encr, encr_key_bits, integ, 1, &elen, &ilen);
    if (err != TIP_OK)
        return err;
    n = tip_child_seed(seed, sk_d, sk_d_len, g_ir, g_ir_len, ni, ni_len, nr, nr_len);
    if (n == 0)
        return TIP_ERR_ARG;
    /* RFC 7296 2.17: initiator -> responder first; per SA encryption key
     * (+ salt) first, then the integrity key (RFC 4301). */
    out[0].p = keys->encr_i;
    out[0].len = elen;
    out[1].p = keys->integ_i;
    out[1].len = ilen;
    out[2].p = keys->encr_r;
    out[2].len = elen;
    out[3].p = keys->integ_r;
    out[3].len = ilen;
    err = tip_prf_plus_to(prf, sk_d, sk_d_len, seed, n, out, 4);
    if (err != TIP_OK) {
        tip_ike_child_keys_wipe(keys);
        return err;
    }
    keys->encr_len = (uint8_t)elen;
    keys->integ_len = (uint8_t)ilen;
    return TIP_OK;
}

#else
typedef int tip_ike_keys_empty; /* ISO C: no empty translation unit */
#endif /* TIP_CONF_IKEV2 */
