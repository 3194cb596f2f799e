/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Known answers for the ESP AEAD ciphers through tip_crypto_aead_seal() and
 * tip_crypto_aead_open():
 *
 *  - AES-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
 *    appendix B, test cases 3 and 4 (AES-128) and 15 and 16 (AES-256). Their
 *    96-bit IV cafebabefacedbaddecaf888 is split the RFC 4106 4 way: salt
 *    cafebabe (the last 4 bytes of the ESP key) || explicit IV facedbaddecaf888.
 *  - ChaCha20-Poly1305: RFC 8439 (RFC 7539) 2.8.2, whose nonce 07000000 ||
 *    4041424344454647 is likewise salt || IV (RFC 7634 2).
 *
 * Cross-checked against OpenSSL (Python cryptography AESGCM/ChaCha20Poly1305).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "tip_test_pkt.h"

typedef struct {
    const char *name;
    tip_encr_t encr;
    const char *key; /* hex: cipher key || 4-byte salt */
    const char *iv;  /* hex, 8 bytes */
    const char *aad; /* hex */
    const char *pt;  /* hex */
    const char *ct;  /* hex */
    const char *tag; /* hex, 16 bytes */
} aead_kat_t;

#define GCM_K128 "feffe9928665731c6d6a8f9467308308"
#define GCM_SALT "cafebabe"
#define GCM_IV "facedbaddecaf888"
#define GCM_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"
/* 60 bytes (cases 4 and 16) ... */
#define GCM_P60                                                                \
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"         \
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
/* ... and 4 more for 64 bytes (cases 3 and 15). */
#define GCM_P64 GCM_P60 "1aafd255"
#define GCM_C3_60                                                              \
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"         \
    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM_C15_60                                                             \
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"         \
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"

#define CP_KEY "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
/* "Ladies and Gentlemen of the class of '99: If I could offer you only one
 * tip for the future, sunscreen would be it." (114 bytes) */
#define CP_PT                                                                  \
    "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"         \
    "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"         \
    "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"         \
    "637265656e20776f756c642062652069742e"
#define CP_CT                                                                  \
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"         \
    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"         \
    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"         \
    "3ff4def08e4b7a9de576d26586cec64b6116"

static const aead_kat_t kats[] = {
    {"GCM test case 3", TIP_ENCR_AES_GCM_16, GCM_K128 GCM_SALT, GCM_IV, "", GCM_P64,
     GCM_C3_60 "473f5985", "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"GCM test case 4", TIP_ENCR_AES_GCM_16, GCM_K128 GCM_SALT, GCM_IV, GCM_AAD, GCM_P60,
     GCM_C3_60, "5bc94fbc3221a5db94fae95ae7121a47"},
    {"GCM test case 15", TIP_ENCR_AES_GCM_16, GCM_K128 GCM_K128 GCM_SALT, GCM_IV, "", GCM_P64,
     GCM_C15_60 "898015ad", "b094dac5d93471bdec1a502270e3cc6c"},
    {"GCM test case 16", TIP_ENCR_AES_GCM_16, GCM_K128 GCM_K128 GCM_SALT, GCM_IV, GCM_AAD,
     GCM_P60, GCM_C15_60, "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"RFC 8439 2.8.2", TIP_ENCR_CHACHA20_POLY1305, CP_KEY "07000000", "4041424344454647",
     "50515253c0c1c2c3c4c5c6c7", CP_PT, CP_CT, "1ae10b594f09e26a7e902ecbd0600691"},
};

/* Hex via the shared test helper; a bad vector fails the test. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = tip_test_hex(s, out, cap);

    assert_true(n != (size_t)-1);
    return n;
}

typedef struct {
    uint8_t key[36], iv[8], aad[32], pt[128], ct[128], tag[16];
    size_t key_len, aad_len, len;
} kat_bytes_t;

static void load(const aead_kat_t *k, kat_bytes_t *b)
{
    size_t n;

    b->key_len = unhex(k->key, b->key, sizeof(b->key));
    assert_int_equal(unhex(k->iv, b->iv, sizeof(b->iv)), 8);
    b->aad_len = unhex(k->aad, b->aad, sizeof(b->aad));
    b->len = unhex(k->pt, b->pt, sizeof(b->pt));
    n = unhex(k->ct, b->ct, sizeof(b->ct));
    assert_int_equal(n, b->len);
    assert_int_equal(unhex(k->tag, b->tag, sizeof(b->tag)), 16);
}

static void run_kat(const aead_kat_t *k)
{
    kat_bytes_t b;
    tip_crypto_sa_t out, in;
    uint8_t buf[128], tag[16];
    const uint8_t *aad;

    load(k, &b);
    aad = b.aad_len != 0 ? b.aad : NULL;
    assert_int_equal(tip_crypto_sa_init(&out, TIP_DIR_OUT, k->encr, b.key, b.key_len,
                                        TIP_INTEG_NONE, NULL, 0), TIP_OK);
    assert_int_equal(tip_crypto_sa_init(&in, TIP_DIR_IN, k->encr, b.key, b.key_len,
                                        TIP_INTEG_NONE, NULL, 0), TIP_OK);

    /* Seal in place: ciphertext and tag exact. */
    memcpy(buf, b.pt, b.len);
    assert_int_equal(tip_crypto_aead_seal(&out, b.iv, aad, b.aad_len, buf, b.len, tag), TIP_OK);
    if (memcmp(buf, b.ct, b.len) != 0)
        fail_msg("%s: ciphertext mismatch", k->name);
    if (memcmp(tag, b.tag, 16) != 0)
        fail_msg("%s: tag mismatch", k->name);

    /* Open in place gives the plaintext back. */
    assert_int_equal(tip_crypto_aead_open(&in, b.iv, aad, b.aad_len, buf, b.len, b.tag), TIP_OK);
    if (memcmp(buf, b.pt, b.len) != 0)
        fail_msg("%s: plaintext mismatch", k->name);

    /* One flipped bit in the tag, the ciphertext or the AAD: TIP_ERR_AUTH. */
    memcpy(tag, b.tag, 16);
    tag[15] ^= 0x01;
    memcpy(buf, b.ct, b.len);
    assert_int_equal(tip_crypto_aead_open(&in, b.iv, aad, b.aad_len, buf, b.len, tag),
                     TIP_ERR_AUTH);
    memcpy(buf, b.ct, b.len);
    buf[0] ^= 0x80;
    assert_int_equal(tip_crypto_aead_open(&in, b.iv, aad, b.aad_len, buf, b.len, b.tag),
                     TIP_ERR_AUTH);
    if (b.aad_len != 0) {
        b.aad[b.aad_len - 1] ^= 0x01;
        memcpy(buf, b.ct, b.len);
        assert_int_equal(tip_crypto_aead_open(&in, b.iv, b.aad, b.aad_len, buf, b.len, b.tag),
                         TIP_ERR_AUTH);
        b.aad[b.aad_len - 1] ^= 0x01;
    }
    /* A failed open leaves the SA usable. */
    memcpy(buf, b.ct, b.len);
    assert_int_equal(tip_crypto_aead_open(&in, b.iv, aad, b.aad_len, buf, b.len, b.tag), TIP_OK);
    assert_memory_equal(buf, b.pt, b.len);

    /* Each SA works in its own direction only. */
    assert_int_equal(tip_crypto_aead_seal(&in, b.iv, aad, b.aad_len, buf, b.len, tag),
                     TIP_ERR_ARG);
    assert_int_equal(tip_crypto_aead_open(&out, b.iv, aad, b.aad_len, buf, b.len, b.tag),
                     TIP_ERR_ARG);

    tip_crypto_sa_free(&out);
    tip_crypto_sa_free(&in);
}

static void run_encr(tip_encr_t encr, int enabled)
{
    size_t i, ran = 0;

    if (!enabled)
        skip();
    for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        if (kats[i].encr == encr) {
            run_kat(&kats[i]);
            ran++;
        }
    }
    assert_true(ran > 0);
}

static void test_aes_gcm_16(void **state)
{
    (void)state;
    run_encr(TIP_ENCR_AES_GCM_16, TIP_CONF_AES_GCM);
}

static void test_chacha20_poly1305(void **state)
{
    (void)state;
    run_encr(TIP_ENCR_CHACHA20_POLY1305, TIP_CONF_CHACHAPOLY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aes_gcm_16),
        cmocka_unit_test(test_chacha20_poly1305),
    };
    return cmocka_run_group_tests_name("kat_aead", tests, NULL, NULL);
}
