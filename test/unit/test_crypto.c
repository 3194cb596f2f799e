/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The crypto seam (src/crypto.h) as the ESP code relies on it: which
 * algorithm/key combinations an SA accepts, CBC in place in both directions,
 * IV derivation, two-part HMAC, constant-time compare and key zeroization.
 * The known-answer vectors are in test/vectors/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

static uint8_t k36[36] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
    0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
};
static uint8_t k64[64]; /* HMAC keys: filled in main() */

#if TIP_CONF_AES_CBC && TIP_CONF_HMAC_SHA256
/* NIST SP 800-38A F.1.1 / F.2.1: AES-128 key, CBC IV, 4 blocks in and out. */
static const uint8_t sp_key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                   0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const uint8_t sp_iv[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                  0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const uint8_t sp_pt[64] = {
    0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
    0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
    0x30, 0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11, 0xe5, 0xfb, 0xc1, 0x19, 0x1a, 0x0a, 0x52, 0xef,
    0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b, 0x17, 0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10};
static const uint8_t sp_cbc_ct[64] = {
    0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46, 0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d,
    0x50, 0x86, 0xcb, 0x9b, 0x50, 0x72, 0x19, 0xee, 0x95, 0xdb, 0x11, 0x3a, 0x91, 0x76, 0x78, 0xb2,
    0x73, 0xbe, 0xd6, 0xb8, 0xe3, 0xc1, 0x74, 0x3b, 0x71, 0x16, 0xe6, 0x9e, 0x22, 0x22, 0x95, 0x16,
    0x3f, 0xf1, 0xca, 0xa1, 0x68, 0x1f, 0xac, 0x09, 0x12, 0x0e, 0xca, 0x30, 0x75, 0x86, 0xe1, 0xa7};
static const uint8_t sp_ecb_ct0[16] = {0x3a, 0xd7, 0x7b, 0xb4, 0x0d, 0x7a, 0x36, 0x60,
                                       0xa8, 0x9e, 0xca, 0xf3, 0x24, 0x66, 0xef, 0x97};
#endif

static int all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    size_t i;

    for (i = 0; i < len; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

static int init(tip_crypto_sa_t *c, tip_dir_t dir, tip_encr_t encr, size_t ek_len,
                tip_integ_t integ, size_t ik_len)
{
    return tip_crypto_sa_init(c, dir, encr, ek_len ? k36 : NULL, ek_len, integ,
                              ik_len ? k64 : NULL, ik_len);
}

static void test_integ_tables(void **state)
{
    (void)state;
    /* RFC 4868 2.1.1 and 2.3 */
    assert_int_equal(tip_crypto_integ_key_len(TIP_INTEG_HMAC_SHA2_256_128), 32);
    assert_int_equal(tip_crypto_integ_key_len(TIP_INTEG_HMAC_SHA2_384_192), 48);
    assert_int_equal(tip_crypto_integ_key_len(TIP_INTEG_HMAC_SHA2_512_256), 64);
    assert_int_equal(tip_crypto_integ_icv_len(TIP_INTEG_HMAC_SHA2_256_128), 16);
    assert_int_equal(tip_crypto_integ_icv_len(TIP_INTEG_HMAC_SHA2_384_192), 24);
    assert_int_equal(tip_crypto_integ_icv_len(TIP_INTEG_HMAC_SHA2_512_256), 32);
    assert_int_equal(tip_crypto_integ_key_len(TIP_INTEG_NONE), 0);
    assert_int_equal(tip_crypto_integ_icv_len(TIP_INTEG_NONE), 0);
    assert_int_equal(tip_crypto_integ_icv_len((tip_integ_t)2), 0); /* HMAC-SHA1-96: not ours */
    assert_true(TIP_CRYPTO_MAX_MAC >= 32);
}

static void test_wrong_key_lengths(void **state)
{
    tip_crypto_sa_t c;
    (void)state;

    memset(&c, 0xA5, sizeof(c));
#if TIP_CONF_AES_GCM
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, 16, TIP_INTEG_NONE, 0),
                     TIP_ERR_KEY_LEN); /* salt missing */
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, 28, TIP_INTEG_NONE, 0),
                     TIP_ERR_KEY_LEN); /* AES-192 is not offered */
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, 35, TIP_INTEG_NONE, 0),
                     TIP_ERR_KEY_LEN);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 32),
                     TIP_ERR_KEY_LEN); /* an integ key with no integ algorithm */
#endif
#if TIP_CONF_CHACHAPOLY
    assert_int_equal(init(&c, TIP_DIR_IN, TIP_ENCR_CHACHA20_POLY1305, 32, TIP_INTEG_NONE, 0),
                     TIP_ERR_KEY_LEN);
#endif
#if TIP_CONF_AES_CBC && TIP_CONF_HMAC_SHA256
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_CBC, 20, TIP_INTEG_HMAC_SHA2_256_128,
                          32), TIP_ERR_KEY_LEN);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_CBC, 24, TIP_INTEG_HMAC_SHA2_256_128,
                          32), TIP_ERR_KEY_LEN);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_256_128,
                          16), TIP_ERR_KEY_LEN);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_256_128,
                          64), TIP_ERR_KEY_LEN);
#endif
#if TIP_CONF_ENCR_NULL && TIP_CONF_HMAC_SHA512
    assert_int_equal(init(&c, TIP_DIR_IN, TIP_ENCR_NULL, 16, TIP_INTEG_HMAC_SHA2_512_256, 64),
                     TIP_ERR_KEY_LEN);
    assert_int_equal(init(&c, TIP_DIR_IN, TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_512_256, 32),
                     TIP_ERR_KEY_LEN);
#endif
    /* A failed init leaves nothing behind (crypto.h: zeroized, no free needed). */
    assert_true(all_zero(&c, sizeof(c)));
}

static void test_bad_combinations(void **state)
{
    tip_crypto_sa_t c;
    (void)state;

    /* Unknown algorithm numbers (3DES = 3, HMAC-SHA1-96 = 2). */
    assert_int_equal(init(&c, TIP_DIR_OUT, (tip_encr_t)3, 24, TIP_INTEG_HMAC_SHA2_256_128, 32),
                     TIP_ERR_UNSUPPORTED);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_CBC, 16, (tip_integ_t)2, 20),
                     TIP_ERR_UNSUPPORTED);
    /* AEAD with an HMAC, CBC or NULL without one, no cipher at all. */
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_HMAC_SHA2_256_128,
                          32), TIP_ERR_ARG);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_CHACHA20_POLY1305, 36,
                          TIP_INTEG_HMAC_SHA2_256_128, 32), TIP_ERR_ARG);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_CBC, 16, TIP_INTEG_NONE, 0),
                     TIP_ERR_ARG);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_NULL, 0, TIP_INTEG_NONE, 0), TIP_ERR_ARG);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_NONE, 0, TIP_INTEG_HMAC_SHA2_256_128, 32),
                     TIP_ERR_ARG);
    /* Bad direction, missing key pointers; the storage is wiped all the same. */
    memset(&c, 0xA5, sizeof(c));
    assert_int_equal(init(&c, (tip_dir_t)0, TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0),
                     TIP_ERR_ARG);
    assert_true(all_zero(&c, sizeof(c)));
    assert_int_equal(tip_crypto_sa_init(&c, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, NULL, 20,
                                        TIP_INTEG_NONE, NULL, 0), TIP_ERR_ARG);
    assert_int_equal(tip_crypto_sa_init(NULL, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, k36, 20,
                                        TIP_INTEG_NONE, NULL, 0), TIP_ERR_ARG);
}

/* Every combination the build enables comes up, and down again cleanly. */
static void test_good_combinations(void **state)
{
    tip_crypto_sa_t c;
    int d;
    (void)state;

    for (d = TIP_DIR_IN; d <= TIP_DIR_OUT; d++) {
        tip_dir_t dir = (tip_dir_t)d;
        assert_int_equal(init(&c, dir, TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0),
                         TIP_CONF_AES_GCM ? TIP_OK : TIP_ERR_UNSUPPORTED);
        tip_crypto_sa_free(&c);
        assert_int_equal(init(&c, dir, TIP_ENCR_AES_GCM_16, 36, TIP_INTEG_NONE, 0),
                         TIP_CONF_AES_GCM ? TIP_OK : TIP_ERR_UNSUPPORTED);
        tip_crypto_sa_free(&c);
        assert_int_equal(init(&c, dir, TIP_ENCR_CHACHA20_POLY1305, 36, TIP_INTEG_NONE, 0),
                         TIP_CONF_CHACHAPOLY ? TIP_OK : TIP_ERR_UNSUPPORTED);
        tip_crypto_sa_free(&c);
        assert_int_equal(init(&c, dir, TIP_ENCR_AES_CBC, 32, TIP_INTEG_HMAC_SHA2_384_192, 48),
                         TIP_CONF_AES_CBC && TIP_CONF_HMAC_SHA384 ? TIP_OK
                                                                  : TIP_ERR_UNSUPPORTED);
        tip_crypto_sa_free(&c);
        assert_int_equal(init(&c, dir, TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_512_256, 64),
                         TIP_CONF_ENCR_NULL && TIP_CONF_HMAC_SHA512 ? TIP_OK
                                                                    : TIP_ERR_UNSUPPORTED);
        tip_crypto_sa_free(&c);
        assert_true(all_zero(&c, sizeof(c)));
    }
}

static void test_cbc_round_trip_in_place(void **state)
{
#if TIP_CONF_AES_CBC && TIP_CONF_HMAC_SHA256
    tip_crypto_sa_t out, in;
    uint8_t buf[64], iv[16];
    (void)state;

    assert_int_equal(tip_crypto_sa_init(&out, TIP_DIR_OUT, TIP_ENCR_AES_CBC, sp_key, 16,
                                        TIP_INTEG_HMAC_SHA2_256_128, k64, 32), TIP_OK);
    assert_int_equal(tip_crypto_sa_init(&in, TIP_DIR_IN, TIP_ENCR_AES_CBC, sp_key, 16,
                                        TIP_INTEG_HMAC_SHA2_256_128, k64, 32), TIP_OK);
    memcpy(buf, sp_pt, sizeof(buf));
    memcpy(iv, sp_iv, sizeof(iv));
    assert_int_equal(tip_crypto_cbc(&out, iv, buf, sizeof(buf)), TIP_OK);
    assert_memory_equal(buf, sp_cbc_ct, sizeof(buf)); /* SP 800-38A F.2.1 */
    assert_memory_equal(iv, sp_iv, sizeof(iv));       /* the caller's IV is untouched */
    assert_int_equal(tip_crypto_cbc(&in, iv, buf, sizeof(buf)), TIP_OK);
    assert_memory_equal(buf, sp_pt, sizeof(buf));
    /* Twice with the same IV: the SA keeps no chaining state between packets. */
    assert_int_equal(tip_crypto_cbc(&out, iv, buf, sizeof(buf)), TIP_OK);
    assert_memory_equal(buf, sp_cbc_ct, sizeof(buf));
    /* Partial blocks and ciphers without CBC are refused. */
    assert_int_equal(tip_crypto_cbc(&out, iv, buf, 15), TIP_ERR_ARG);
    assert_int_equal(tip_crypto_cbc(&out, iv, buf, 0), TIP_OK);
    tip_crypto_sa_free(&out);
    tip_crypto_sa_free(&in);
#if TIP_CONF_AES_GCM
    assert_int_equal(init(&out, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0),
                     TIP_OK);
    assert_int_equal(tip_crypto_cbc(&out, iv, buf, 16), TIP_ERR_ARG);
    tip_crypto_sa_free(&out);
#endif
#else
    (void)state;
    skip();
#endif
}

static void test_cbc_iv(void **state)
{
#if TIP_CONF_AES_CBC && TIP_CONF_HMAC_SHA256
    tip_crypto_sa_t out, in;
    uint8_t block[16], iv1[16], iv2[16], iv3[16];
    (void)state;

    assert_int_equal(tip_crypto_sa_init(&out, TIP_DIR_OUT, TIP_ENCR_AES_CBC, sp_key, 16,
                                        TIP_INTEG_HMAC_SHA2_256_128, k64, 32), TIP_OK);
    /* It is AES-ECB of the block under the SA key (SP 800-38A F.1.1). */
    assert_int_equal(tip_crypto_cbc_iv(&out, sp_pt, iv1), TIP_OK);
    assert_memory_equal(iv1, sp_ecb_ct0, 16);
    /* Deterministic per block, different for another block (next sequence number). */
    memset(block, 0, sizeof(block));
    block[7] = 1;
    assert_int_equal(tip_crypto_cbc_iv(&out, block, iv1), TIP_OK);
    assert_int_equal(tip_crypto_cbc_iv(&out, block, iv2), TIP_OK);
    assert_memory_equal(iv1, iv2, 16);
    block[7] = 2;
    assert_int_equal(tip_crypto_cbc_iv(&out, block, iv3), TIP_OK);
    assert_memory_not_equal(iv1, iv3, 16);
    /* Only the outbound SA derives IVs. */
    assert_int_equal(tip_crypto_sa_init(&in, TIP_DIR_IN, TIP_ENCR_AES_CBC, sp_key, 16,
                                        TIP_INTEG_HMAC_SHA2_256_128, k64, 32), TIP_OK);
    assert_int_equal(tip_crypto_cbc_iv(&in, block, iv3), TIP_ERR_ARG);
    tip_crypto_sa_free(&out);
    tip_crypto_sa_free(&in);
#else
    (void)state;
    skip();
#endif
}

static void test_hmac_two_parts(void **state)
{
#if TIP_CONF_ENCR_NULL && TIP_CONF_HMAC_SHA256
    tip_crypto_sa_t c;
    uint8_t msg[300], whole[TIP_CRYPTO_MAX_MAC], parts[TIP_CRYPTO_MAX_MAC];
    uint8_t other[TIP_CRYPTO_MAX_MAC];
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7u + 1u);
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_256_128, 32),
                     TIP_OK);
    assert_int_equal(tip_crypto_hmac(&c, msg, sizeof(msg), NULL, 0, whole), TIP_OK);
    /* RFC 4303 2.2.1: packet then ESN high bits, as two parts. */
    assert_int_equal(tip_crypto_hmac(&c, msg, 296, msg + 296, 4, parts), TIP_OK);
    assert_memory_equal(whole, parts, 16);
    assert_int_equal(tip_crypto_hmac(&c, NULL, 0, msg, sizeof(msg), parts), TIP_OK);
    assert_memory_equal(whole, parts, 16);
    /* One changed byte changes the ICV. */
    msg[150] ^= 1;
    assert_int_equal(tip_crypto_hmac(&c, msg, sizeof(msg), NULL, 0, other), TIP_OK);
    assert_memory_not_equal(whole, other, 16);
    assert_int_equal(tip_crypto_hmac(&c, NULL, 5, NULL, 0, other), TIP_ERR_ARG);
    tip_crypto_sa_free(&c);
#if TIP_CONF_AES_GCM
    /* AEAD SAs have no HMAC. */
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0), TIP_OK);
    assert_int_equal(tip_crypto_hmac(&c, msg, 16, NULL, 0, other), TIP_ERR_ARG);
    tip_crypto_sa_free(&c);
#endif
#else
    (void)state;
    skip();
#endif
}

static void test_ct_memcmp(void **state)
{
    uint8_t a[32], b[32];
    (void)state;

    memset(a, 0x5A, sizeof(a));
    memcpy(b, a, sizeof(b));
    assert_int_equal(tip_crypto_ct_memcmp(a, b, sizeof(a)), 0);
    assert_int_equal(tip_crypto_ct_memcmp(a, b, 0), 0);
    b[0] ^= 0x01;
    assert_int_not_equal(tip_crypto_ct_memcmp(a, b, sizeof(a)), 0);
    b[0] ^= 0x01;
    b[31] ^= 0x80;
    assert_int_not_equal(tip_crypto_ct_memcmp(a, b, sizeof(a)), 0);
    assert_int_equal(tip_crypto_ct_memcmp(a, b, 31), 0);
}

static void test_free_zeroizes(void **state)
{
    tip_crypto_sa_t c;
    uint8_t junk[40];
    (void)state;

#if TIP_CONF_AES_GCM
    assert_int_equal(init(&c, TIP_DIR_OUT, TIP_ENCR_AES_GCM_16, 36, TIP_INTEG_NONE, 0), TIP_OK);
    assert_false(all_zero(&c, sizeof(c)));
    tip_crypto_sa_free(&c);
    assert_true(all_zero(&c, sizeof(c)));
#endif
#if TIP_CONF_CHACHAPOLY
    assert_int_equal(init(&c, TIP_DIR_IN, TIP_ENCR_CHACHA20_POLY1305, 36, TIP_INTEG_NONE, 0),
                     TIP_OK);
    tip_crypto_sa_free(&c);
    assert_true(all_zero(&c, sizeof(c)));
#endif
#if TIP_CONF_AES_CBC && TIP_CONF_HMAC_SHA512
    assert_int_equal(init(&c, TIP_DIR_IN, TIP_ENCR_AES_CBC, 32, TIP_INTEG_HMAC_SHA2_512_256, 64),
                     TIP_OK);
    tip_crypto_sa_free(&c);
    assert_true(all_zero(&c, sizeof(c)));
#endif
    /* Freeing twice, or freeing never-used (zeroed) storage, is harmless. */
    tip_crypto_sa_free(&c);
    assert_true(all_zero(&c, sizeof(c)));
    tip_crypto_sa_free(NULL);

    memset(junk, 0xFF, sizeof(junk));
    tip_crypto_zeroize(junk + 4, 32);
    assert_true(all_zero(junk + 4, 32));
    assert_int_equal(junk[3], 0xFF);
    assert_int_equal(junk[36], 0xFF);
    tip_crypto_zeroize(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integ_tables),
        cmocka_unit_test(test_wrong_key_lengths),
        cmocka_unit_test(test_bad_combinations),
        cmocka_unit_test(test_good_combinations),
        cmocka_unit_test(test_cbc_round_trip_in_place),
        cmocka_unit_test(test_cbc_iv),
        cmocka_unit_test(test_hmac_two_parts),
        cmocka_unit_test(test_ct_memcmp),
        cmocka_unit_test(test_free_zeroizes),
    };
    size_t i;

    for (i = 0; i < sizeof(k64); i++)
        k64[i] = (uint8_t)(0xC0u + i);
    return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
