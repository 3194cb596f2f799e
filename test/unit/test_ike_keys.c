/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 key derivation (src/ike/ike_keys.c): prf+, SKEYSEED, rekey SKEYSEED,
 * the seven IKE SA keys and Child SA KEYMAT.
 *
 * The expected values in ike_keys_vectors.h were computed independently of
 * tinyipsec and Mbed TLS by test/vectors/gen_ike_keys.py, which implements
 * the RFC 7296 formulas (2.13, 2.14, 2.17, 2.18) with nothing but Python's
 * hmac and hashlib modules. Regenerate with
 *   python3 test/vectors/gen_ike_keys.py > test/unit/ike_keys_vectors.h
 *
 * tip-requires: TIP_CONF_IKEV2
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "ike/ike_keys.h"

#include "ike_keys_vectors.h"
#include "tip_test_prf.h"

#if TIP_CONF_IKEV2 /* the whole test; see the #else at the end */

static uint8_t big[255 * 64 + 64];

static int all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    size_t i;

    for (i = 0; i < len; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

static const struct {
    tip_prf_t prf;
    const uint8_t *shrt;
    const uint8_t *t255;
    const uint8_t *skeyseed;
    const uint8_t *skeyseed_minmax;
} per_prf[] = {
    {TIP_PRF_HMAC_SHA2_256, pp_5_short, pp_5_t255, skeyseed_5, skeyseed_5_minmax},
    {TIP_PRF_HMAC_SHA2_384, pp_6_short, pp_6_t255, skeyseed_6, skeyseed_6_minmax},
    {TIP_PRF_HMAC_SHA2_512, pp_7_short, pp_7_t255, skeyseed_7, skeyseed_7_minmax},
};
#define N_PRF (sizeof(per_prf) / sizeof(per_prf[0]))


static void test_prf_plus(void **state)
{
    tip_iov_t seed[3];
    size_t i, h;

    (void)state;
    /* The 100-byte seed in three pieces, one of them empty. */
    seed[0].p = in_pp_seed;
    seed[0].len = 33;
    seed[1].p = NULL;
    seed[1].len = 0;
    seed[2].p = in_pp_seed + 33;
    seed[2].len = sizeof(in_pp_seed) - 33;
    for (i = 0; i < N_PRF; i++) {
        h = tip_crypto_prf_len(per_prf[i].prf);
        if (!tip_test_prf_built(per_prf[i].prf)) {
            assert_int_equal(h, 0);
            assert_int_equal(tip_ike_prf_plus(per_prf[i].prf, in_pp_key, sizeof(in_pp_key), seed,
                                              3, big, 32),
                             TIP_ERR_UNSUPPORTED);
            continue;
        }
        /* 3 blocks and 5 bytes of a fourth */
        memset(big, 0, sizeof(big));
        assert_int_equal(tip_ike_prf_plus(per_prf[i].prf, in_pp_key, sizeof(in_pp_key), seed, 3,
                                          big, 3 * h + 5),
                         TIP_OK);
        assert_memory_equal(big, per_prf[i].shrt, 3 * h + 5);
        assert_true(all_zero(big + 3 * h + 5, h)); /* nothing written past out_len */
        /* the maximum: 255 blocks, the last one made with counter 0xFF */
        assert_int_equal(tip_ike_prf_plus(per_prf[i].prf, in_pp_key, sizeof(in_pp_key), seed, 3,
                                          big, 255 * h),
                         TIP_OK);
        assert_memory_equal(big, per_prf[i].shrt, 3 * h + 5);
        assert_memory_equal(big + 254 * h, per_prf[i].t255, h);
        /* one byte more is an error (RFC 7296 2.13: the counter would wrap) */
        assert_int_equal(tip_ike_prf_plus(per_prf[i].prf, in_pp_key, sizeof(in_pp_key), seed, 3,
                                          big, 255 * h + 1),
                         TIP_ERR_ARG);
    }
}

static void test_prf_plus_errors(void **state)
{
    tip_iov_t seed[TIP_IKE_PRF_PLUS_MAX_IOV + 1];
    uint8_t out[32];
    size_t i;

    (void)state;
    for (i = 0; i < TIP_IKE_PRF_PLUS_MAX_IOV + 1; i++) {
        seed[i].p = in_ni;
        seed[i].len = 1;
    }
    assert_int_equal(tip_ike_prf_plus(TIP_PRF_HMAC_SHA2_256, in_pp_key, 8, seed,
                                      TIP_IKE_PRF_PLUS_MAX_IOV + 1, out, 32),
                     TIP_ERR_ARG);
    assert_int_equal(tip_ike_prf_plus(TIP_PRF_HMAC_SHA2_256, in_pp_key, 8, seed,
                                      TIP_IKE_PRF_PLUS_MAX_IOV, out, 32),
                     TIP_OK);
    assert_int_equal(tip_ike_prf_plus(TIP_PRF_NONE, in_pp_key, 8, seed, 1, out, 32),
                     TIP_ERR_UNSUPPORTED);
    assert_int_equal(tip_ike_prf_plus(TIP_PRF_HMAC_SHA2_256, in_pp_key, 8, seed, 1, NULL, 32),
                     TIP_ERR_ARG);
    assert_int_equal(tip_ike_prf_plus(TIP_PRF_HMAC_SHA2_256, in_pp_key, 8, NULL, 1, out, 32),
                     TIP_ERR_ARG);
}

static void test_skeyseed(void **state)
{
    uint8_t out[64];
    size_t i, h;

    (void)state;
    for (i = 0; i < N_PRF; i++) {
        h = tip_crypto_prf_len(per_prf[i].prf);
        if (!tip_test_prf_built(per_prf[i].prf)) {
            assert_int_not_equal(tip_ike_skeyseed(per_prf[i].prf, in_ni, sizeof(in_ni), in_nr,
                                                  sizeof(in_nr), in_gir, sizeof(in_gir), out),
                                 TIP_OK);
            continue;
        }
        assert_int_equal(tip_ike_skeyseed(per_prf[i].prf, in_ni, sizeof(in_ni), in_nr,
                                          sizeof(in_nr), in_gir, sizeof(in_gir), out),
                         TIP_OK);
        assert_memory_equal(out, per_prf[i].skeyseed, h);
        /* 16- and 256-byte nonces (RFC 7296 3.9 limits) */
        assert_int_equal(tip_ike_skeyseed(per_prf[i].prf, in_ni2, sizeof(in_ni2), in_nr2,
                                          sizeof(in_nr2), in_gir, sizeof(in_gir), out),
                         TIP_OK);
        assert_memory_equal(out, per_prf[i].skeyseed_minmax, h);
    }
    assert_int_equal(tip_ike_skeyseed(TIP_PRF_HMAC_SHA2_256, in_ni, 15, in_nr, sizeof(in_nr),
                                      in_gir, sizeof(in_gir), out),
                     TIP_ERR_ARG);
    assert_int_equal(tip_ike_skeyseed(TIP_PRF_HMAC_SHA2_256, in_ni, sizeof(in_ni), in_nr2, 257,
                                      in_gir, sizeof(in_gir), out),
                     TIP_ERR_ARG);
}

static void test_skeyseed_rekey(void **state)
{
    uint8_t out[64];

    (void)state;
    if (!tip_test_prf_built(TIP_PRF_HMAC_SHA2_384)) {
        assert_int_not_equal(tip_ike_skeyseed_rekey(TIP_PRF_HMAC_SHA2_384, in_skd_old,
                                                    sizeof(in_skd_old), in_gir_new,
                                                    sizeof(in_gir_new), in_ni2, sizeof(in_ni2),
                                                    in_nr2, sizeof(in_nr2), out),
                             TIP_OK);
        return;
    }
    /* RFC 7296 2.18: prf_old(SK_d (old), g^ir (new) | Ni | Nr), here with
     * the old SA's PRF_HMAC_SHA2_384 and its 48-byte SK_d. */
    assert_int_equal(tip_ike_skeyseed_rekey(TIP_PRF_HMAC_SHA2_384, in_skd_old, sizeof(in_skd_old),
                                            in_gir_new, sizeof(in_gir_new), in_ni2,
                                            sizeof(in_ni2), in_nr2, sizeof(in_nr2), out),
                     TIP_OK);
    assert_memory_equal(out, skeyseed_rekey_6, sizeof(skeyseed_rekey_6));
    /* a rekey always has a new DH (2.18) */
    assert_int_equal(tip_ike_skeyseed_rekey(TIP_PRF_HMAC_SHA2_384, in_skd_old, sizeof(in_skd_old),
                                            NULL, 0, in_ni2, sizeof(in_ni2), in_nr2,
                                            sizeof(in_nr2), out),
                     TIP_ERR_ARG);
}

static void check_keys(const tip_ike_keys_t *k, size_t plen, size_t ilen, size_t elen,
                       const uint8_t *d, const uint8_t *ai, const uint8_t *ar, const uint8_t *ei,
                       const uint8_t *er, const uint8_t *pi, const uint8_t *pr)
{
    assert_int_equal(k->prf_len, plen);
    assert_int_equal(k->integ_len, ilen);
    assert_int_equal(k->encr_len, elen);
    assert_memory_equal(k->sk_d, d, plen);
    if (ilen != 0) {
        assert_memory_equal(k->sk_ai, ai, ilen);
        assert_memory_equal(k->sk_ar, ar, ilen);
    } else {
        assert_true(all_zero(k->sk_ai, sizeof(k->sk_ai)));
        assert_true(all_zero(k->sk_ar, sizeof(k->sk_ar)));
    }
    assert_memory_equal(k->sk_ei, ei, elen);
    assert_memory_equal(k->sk_er, er, elen);
    assert_memory_equal(k->sk_pi, pi, plen);
    assert_memory_equal(k->sk_pr, pr, plen);
}

static tip_ike_keys_t keys;

static int derive(tip_prf_t prf, tip_encr_t encr, unsigned bits, tip_integ_t integ)
{
    uint8_t seed[64];

    if (tip_ike_skeyseed(prf, in_ni, sizeof(in_ni), in_nr, sizeof(in_nr), in_gir, sizeof(in_gir),
                         seed) != TIP_OK)
        return -100;
    return tip_ike_derive_keys(&keys, prf, encr, bits, integ, seed, tip_crypto_prf_len(prf), in_ni,
                               sizeof(in_ni), in_nr, sizeof(in_nr), in_spii, in_spir);
}

static void test_derive_keys(void **state)
{
    int err;

    (void)state;
    assert_int_equal(derive(TIP_PRF_HMAC_SHA2_256, TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE),
                     TIP_OK);
    check_keys(&keys, 32, 0, 36, k_gcm256_sha256_d, NULL, NULL, k_gcm256_sha256_ei,
               k_gcm256_sha256_er, k_gcm256_sha256_pi, k_gcm256_sha256_pr);

    /* Compiled out, a PRF's SKEYSEED is refused already (derive(): -100). */
    err = derive(TIP_PRF_HMAC_SHA2_384, TIP_ENCR_AES_CBC, 128, TIP_INTEG_HMAC_SHA2_256_128);
    if (!tip_test_prf_built(TIP_PRF_HMAC_SHA2_384)) {
        assert_int_equal(err, -100);
    } else {
        assert_int_equal(err, TIP_OK);
        check_keys(&keys, 48, 32, 16, k_cbc128_sha384_d, k_cbc128_sha384_ai, k_cbc128_sha384_ar,
                   k_cbc128_sha384_ei, k_cbc128_sha384_er, k_cbc128_sha384_pi,
                   k_cbc128_sha384_pr);
    }

    err = derive(TIP_PRF_HMAC_SHA2_512, TIP_ENCR_CHACHA20_POLY1305, 0, TIP_INTEG_NONE);
    if (!tip_test_prf_built(TIP_PRF_HMAC_SHA2_512)) {
        assert_int_equal(err, -100);
    } else {
        assert_int_equal(err, TIP_OK);
        check_keys(&keys, 64, 0, 36, k_chacha_sha512_d, NULL, NULL, k_chacha_sha512_ei,
                   k_chacha_sha512_er, k_chacha_sha512_pi, k_chacha_sha512_pr);

        assert_int_equal(derive(TIP_PRF_HMAC_SHA2_512, TIP_ENCR_AES_CBC, 256,
                                TIP_INTEG_HMAC_SHA2_512_256),
                         TIP_OK);
        check_keys(&keys, 64, 64, 32, k_cbc256_sha512_d, k_cbc256_sha512_ai, k_cbc256_sha512_ar,
                   k_cbc256_sha512_ei, k_cbc256_sha512_er, k_cbc256_sha512_pi,
                   k_cbc256_sha512_pr);
    }
    tip_ike_keys_wipe(&keys);
    assert_true(all_zero(&keys, sizeof(keys)));
}

static void test_derive_keys_errors(void **state)
{
    (void)state;
    /* RFC 7296 3.3.3: AEAD without an integrity transform, the others with one */
    memset(&keys, 0x77, sizeof(keys));
    assert_int_equal(derive(TIP_PRF_HMAC_SHA2_256, TIP_ENCR_AES_GCM_16, 128,
                            TIP_INTEG_HMAC_SHA2_256_128),
                     TIP_ERR_ARG);
    assert_true(all_zero(&keys, sizeof(keys))); /* zeroized on failure */
    assert_int_equal(derive(TIP_PRF_HMAC_SHA2_256, TIP_ENCR_AES_CBC, 128, TIP_INTEG_NONE),
                     TIP_ERR_ARG);
    assert_int_equal(derive(TIP_PRF_HMAC_SHA2_256, TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_256_128),
                     TIP_ERR_ARG); /* no ENCR_NULL for IKE */
    assert_int_equal(derive(TIP_PRF_HMAC_SHA2_256, TIP_ENCR_AES_CBC, 192,
                            TIP_INTEG_HMAC_SHA2_256_128),
                     TIP_ERR_ARG); /* key sizes offered: 128, 256 */
    assert_int_equal(derive(TIP_PRF_HMAC_SHA2_256, TIP_ENCR_AES_CBC, 128, (tip_integ_t)2),
                     TIP_ERR_UNSUPPORTED); /* AUTH_HMAC_SHA1_96 */
    assert_int_equal(tip_ike_derive_keys(&keys, TIP_PRF_NONE, TIP_ENCR_AES_GCM_16, 128,
                                         TIP_INTEG_NONE, in_pp_key, 32, in_ni, sizeof(in_ni),
                                         in_nr, sizeof(in_nr), in_spii, in_spir),
                     TIP_ERR_UNSUPPORTED);
}

static void test_encr_keymat_len(void **state)
{
    (void)state;
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_AES_CBC, 128), 16);
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_AES_CBC, 256), 32);
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_AES_GCM_16, 128), 20);
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_AES_GCM_16, 256), 36);
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_CHACHA20_POLY1305, 0), 36);
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_CHACHA20_POLY1305, 256), 36);
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_CHACHA20_POLY1305, 128), 0);
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_AES_GCM_16, 192), 0);
    assert_int_equal(tip_ike_encr_keymat_len(TIP_ENCR_NULL, 0), 0);
}

static void test_child_keymat(void **state)
{
    uint8_t km[128];
    tip_ike_child_keys_t ck;

    (void)state;
    /* Without PFS: prf+(SK_d, Ni | Nr), AES-CBC-256 + HMAC-SHA2-256-128. */
    assert_int_equal(tip_ike_child_keymat(TIP_PRF_HMAC_SHA2_256, child_skd, sizeof(child_skd),
                                          NULL, 0, in_ni, sizeof(in_ni), in_nr, sizeof(in_nr), km,
                                          sizeof(child_cbc_nopfs)),
                     TIP_OK);
    assert_memory_equal(km, child_cbc_nopfs, sizeof(child_cbc_nopfs));
    assert_int_equal(tip_ike_child_keys(&ck, TIP_PRF_HMAC_SHA2_256, child_skd, sizeof(child_skd),
                                        NULL, 0, in_ni, sizeof(in_ni), in_nr, sizeof(in_nr),
                                        TIP_ENCR_AES_CBC, 256, TIP_INTEG_HMAC_SHA2_256_128),
                     TIP_OK);
    assert_int_equal(ck.encr_len, 32);
    assert_int_equal(ck.integ_len, 32);
    /* | encr i->r | integ i->r | encr r->i | integ r->i | */
    assert_memory_equal(ck.encr_i, child_cbc_nopfs, 32);
    assert_memory_equal(ck.integ_i, child_cbc_nopfs + 32, 32);
    assert_memory_equal(ck.encr_r, child_cbc_nopfs + 64, 32);
    assert_memory_equal(ck.integ_r, child_cbc_nopfs + 96, 32);

    /* With PFS: prf+(SK_d, g^ir (new) | Ni | Nr), AES-GCM-128 + salt. */
    assert_int_equal(tip_ike_child_keymat(TIP_PRF_HMAC_SHA2_256, child_skd, sizeof(child_skd),
                                          in_gir_new, sizeof(in_gir_new), in_ni2, sizeof(in_ni2),
                                          in_nr2, sizeof(in_nr2), km, sizeof(child_gcm_pfs)),
                     TIP_OK);
    assert_memory_equal(km, child_gcm_pfs, sizeof(child_gcm_pfs));
    assert_int_equal(tip_ike_child_keys(&ck, TIP_PRF_HMAC_SHA2_256, child_skd, sizeof(child_skd),
                                        in_gir_new, sizeof(in_gir_new), in_ni2, sizeof(in_ni2),
                                        in_nr2, sizeof(in_nr2), TIP_ENCR_AES_GCM_16, 128,
                                        TIP_INTEG_NONE),
                     TIP_OK);
    assert_int_equal(ck.encr_len, 20);
    assert_int_equal(ck.integ_len, 0);
    assert_memory_equal(ck.encr_i, child_gcm_pfs, 20);
    assert_memory_equal(ck.encr_r, child_gcm_pfs + 20, 20);

    /* SK_d from the derivation matches the one the generator used. */
    assert_int_equal(derive(TIP_PRF_HMAC_SHA2_256, TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE),
                     TIP_OK);
    assert_memory_equal(keys.sk_d, child_skd, sizeof(child_skd));

    /* ENCR_NULL is fine for ESP with an HMAC; a mismatched pairing is not. */
    assert_int_equal(tip_ike_child_keys(&ck, TIP_PRF_HMAC_SHA2_256, child_skd, sizeof(child_skd),
                                        NULL, 0, in_ni, sizeof(in_ni), in_nr, sizeof(in_nr),
                                        TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_384_192),
                     TIP_OK);
    assert_int_equal(ck.encr_len, 0);
    assert_int_equal(ck.integ_len, 48);
    assert_int_equal(tip_ike_child_keys(&ck, TIP_PRF_HMAC_SHA2_256, child_skd, sizeof(child_skd),
                                        NULL, 0, in_ni, sizeof(in_ni), in_nr, sizeof(in_nr),
                                        TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_HMAC_SHA2_256_128),
                     TIP_ERR_ARG);
    assert_true(all_zero(&ck, sizeof(ck)));
    tip_ike_keys_wipe(&keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prf_plus),
        cmocka_unit_test(test_prf_plus_errors),
        cmocka_unit_test(test_skeyseed),
        cmocka_unit_test(test_skeyseed_rekey),
        cmocka_unit_test(test_derive_keys),
        cmocka_unit_test(test_derive_keys_errors),
        cmocka_unit_test(test_encr_keymat_len),
        cmocka_unit_test(test_child_keymat),
    };

    return cmocka_run_group_tests_name("ike_keys (RFC 7296 2.13-2.18)", tests, NULL, NULL);
}

#else
int main(void)
{
    return 0; /* IKEv2 compiled out: nothing to test */
}
#endif
