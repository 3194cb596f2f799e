/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Known answers for the ESP integrity algorithms through tip_crypto_hmac():
 * the authenticator test cases of RFC 4868 2.7.2.1 (HMAC-SHA-256-128),
 * 2.7.2.2 (HMAC-SHA-384-192) and 2.7.2.3 (HMAC-SHA-512-256). Keys are the
 * full hash size, as RFC 4868 2.1.1 requires for IPsec; the expected values
 * are the truncated authenticators (leftmost half of the HMAC output).
 * Cross-checked against OpenSSL's HMAC (Python hmac module).
 *
 * tip-requires: TIP_CONF_AES_CBC TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384
 * tip-requires: TIP_CONF_HMAC_SHA512
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
    tip_integ_t integ;
    const char *key;  /* hex */
    const char *data; /* hex ("Hi There" = 4869205468657265) */
    const char *icv;  /* hex, truncated authenticator */
} hmac_kat_t;

#define K0B32 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
#define K0B48 K0B32 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
#define K0B64 K0B32 K0B32
#define JEFE4 "4a656665"
#define JEFE32 JEFE4 JEFE4 JEFE4 JEFE4 JEFE4 JEFE4 JEFE4 JEFE4
#define JEFE48 JEFE32 JEFE4 JEFE4 JEFE4 JEFE4
#define JEFE64 JEFE32 JEFE32
#define KAA32 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KAA48 KAA32 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KAA64 KAA32 KAA32
#define HI_THERE "4869205468657265"
#define WHAT_DO_YA "7768617420646f2079612077616e7420666f72206e6f7468696e673f"
#define DD10 "dddddddddddddddddddd"
#define DD50 DD10 DD10 DD10 DD10 DD10
#define CD10 "cdcdcdcdcdcdcdcdcdcd"
#define CD50 CD10 CD10 CD10 CD10 CD10

static const hmac_kat_t kats[] = {
    /* RFC 4868 2.7.2.1 */
    {"AUTH256-1", TIP_INTEG_HMAC_SHA2_256_128, K0B32, HI_THERE,
     "198a607eb44bfbc69903a0f1cf2bbdc5"},
    {"AUTH256-2", TIP_INTEG_HMAC_SHA2_256_128, JEFE32, WHAT_DO_YA,
     "167f928588c5cc2eef8e3093caa0e87c"},
    {"AUTH256-3", TIP_INTEG_HMAC_SHA2_256_128, KAA32, DD50,
     "cdcb1220d1ecccea91e53aba3092f962"},
    {"AUTH256-4", TIP_INTEG_HMAC_SHA2_256_128,
     "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", CD50,
     "372efcf9b40b35c2115b1346903d2ef4"},
    /* RFC 4868 2.7.2.2 */
    {"AUTH384-1", TIP_INTEG_HMAC_SHA2_384_192, K0B48, HI_THERE,
     "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973"},
    {"AUTH384-2", TIP_INTEG_HMAC_SHA2_384_192, JEFE48, WHAT_DO_YA,
     "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d"},
    {"AUTH384-3", TIP_INTEG_HMAC_SHA2_384_192, KAA48, DD50,
     "809f439be00274321d4a538652164b53554a508184a0c316"},
    /* RFC 4868 2.7.2.3 */
    {"AUTH512-1", TIP_INTEG_HMAC_SHA2_512_256, K0B64, HI_THERE,
     "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8"},
    {"AUTH512-2", TIP_INTEG_HMAC_SHA2_512_256, JEFE64, WHAT_DO_YA,
     "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454"},
    {"AUTH512-3", TIP_INTEG_HMAC_SHA2_512_256, KAA64, DD50,
     "2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8"},
};

/* Hex via the shared test helper; a bad vector fails the test. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = tip_test_hex(s, out, cap);

    assert_true(n != (size_t)-1);
    return n;
}

static int integ_enabled(tip_integ_t integ)
{
    switch (integ) {
    case TIP_INTEG_HMAC_SHA2_256_128: return TIP_CONF_HMAC_SHA256;
    case TIP_INTEG_HMAC_SHA2_384_192: return TIP_CONF_HMAC_SHA384;
    case TIP_INTEG_HMAC_SHA2_512_256: return TIP_CONF_HMAC_SHA512;
    default: return 0;
    }
}

/* An SA that carries only an HMAC: ENCR_NULL, or AES-CBC when NULL is off. */
static int hmac_sa_init(tip_crypto_sa_t *c, tip_integ_t integ, const uint8_t *key, size_t len)
{
    static const uint8_t aes_key[16] = {0};

#if TIP_CONF_ENCR_NULL
    (void)aes_key;
    return tip_crypto_sa_init(c, TIP_DIR_IN, TIP_ENCR_NULL, NULL, 0, integ, key, len);
#else
    return tip_crypto_sa_init(c, TIP_DIR_IN, TIP_ENCR_AES_CBC, aes_key, sizeof(aes_key),
                              integ, key, len);
#endif
}

static void run_kats(tip_integ_t integ)
{
    size_t i, split, ran = 0;

    if (!integ_enabled(integ))
        skip();
    for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
        const hmac_kat_t *k = &kats[i];
        uint8_t key[64], data[64], want[32], mac[TIP_CRYPTO_MAX_MAC];
        size_t key_len, data_len, icv_len;
        tip_crypto_sa_t c;

        if (k->integ != integ)
            continue;
        ran++;
        key_len = unhex(k->key, key, sizeof(key));
        data_len = unhex(k->data, data, sizeof(data));
        icv_len = unhex(k->icv, want, sizeof(want));
        assert_int_equal(key_len, tip_crypto_integ_key_len(k->integ));
        assert_int_equal(icv_len, tip_crypto_integ_icv_len(k->integ));

        assert_int_equal(hmac_sa_init(&c, k->integ, key, key_len), TIP_OK);
        /* Every split of the message into two parts gives the same ICV,
         * and the SA's HMAC state carries nothing from one call to the next. */
        for (split = 0; split <= data_len; split++) {
            memset(mac, 0xEE, sizeof(mac));
            assert_int_equal(tip_crypto_hmac(&c, data, split, data + split, data_len - split,
                                             mac),
                             TIP_OK);
            if (memcmp(mac, want, icv_len) != 0)
                fail_msg("%s: ICV mismatch (split %zu)", k->name, split);
            /* Truncated: nothing written past the ICV length. */
            assert_int_equal(mac[icv_len], 0xEE);
        }
        tip_crypto_sa_free(&c);
    }
    assert_true(ran >= 3);
}

static void test_hmac_sha2_256_128(void **state)
{
    (void)state;
    run_kats(TIP_INTEG_HMAC_SHA2_256_128);
}

static void test_hmac_sha2_384_192(void **state)
{
    (void)state;
    run_kats(TIP_INTEG_HMAC_SHA2_384_192);
}

static void test_hmac_sha2_512_256(void **state)
{
    (void)state;
    run_kats(TIP_INTEG_HMAC_SHA2_512_256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_sha2_256_128),
        cmocka_unit_test(test_hmac_sha2_384_192),
        cmocka_unit_test(test_hmac_sha2_512_256),
    };
    return cmocka_run_group_tests_name("kat_hmac_sha2", tests, NULL, NULL);
}
