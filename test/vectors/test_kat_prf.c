/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The IKEv2 PRF (tip_crypto_prf, RFC 7296 2.13 with RFC 4868 HMAC-SHA2)
 * against RFC 4231 section 4: test cases 1, 2, 3, 4, 6 and 7 (case 5 is the
 * truncated output, which a PRF never uses) for HMAC-SHA-256/384/512. The
 * expected values are copied from the RFC; each message is fed as several
 * iovs, split in different places (empty pieces included), to show that the
 * PRF hashes their concatenation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "tip_test_pkt.h"
#include "tip_test_prf.h"

#if TIP_CONF_IKEV2 /* the whole test; see the #else at the end */

typedef struct {
    int tc;            /* RFC 4231 test case */
    const char *h256;  /* expected outputs, hex */
    const char *h384;
    const char *h512;
} rfc4231_t;

static const rfc4231_t vec[] = {
    {1,
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
         "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
         "faea9ea9076ede7f4af152e8b2fa9cb6",
         "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
         "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
    {2,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
         "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
         "8e2240ca5e69e2c78b3239ecfab21649",
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
         "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
    {3,
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
         "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
         "2a5ab39dc13814b94e3ab6e101a34f27",
         "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
         "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
    {4,
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
         "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
         "6801dd23c4a7d679ccf8a386c674cffb",
         "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
         "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
    {6,
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
         "0c2ef6ab4030fe8296248df163f44952",
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
         "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
    {7,
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
         "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
         "a678cc31e799176d3860e6110c46523e",
         "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
         "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
};

static const char tc7_data[] = "This is a test using a larger than block-size key and a larger "
                               "than block-size data. The key needs to be hashed before being "
                               "used by the HMAC algorithm.";
static const char tc6_data[] = "Test Using Larger Than Block-Size Key - Hash Key First";

/* Hex via the shared test helper; a bad vector fails the test. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = tip_test_hex(s, out, cap);

    assert_true(n != (size_t)-1);
    return n;
}

/* RFC 4231 4.2-4.8: key and data of test case @p tc. */
static void inputs(int tc, uint8_t *key, size_t *key_len, uint8_t *data, size_t *data_len)
{
    size_t i;

    switch (tc) {
    case 1:
        memset(key, 0x0b, 20);
        *key_len = 20;
        memcpy(data, "Hi There", 8);
        *data_len = 8;
        break;
    case 2:
        memcpy(key, "Jefe", 4);
        *key_len = 4;
        memcpy(data, "what do ya want for nothing?", 28);
        *data_len = 28;
        break;
    case 3:
        memset(key, 0xaa, 20);
        *key_len = 20;
        memset(data, 0xdd, 50);
        *data_len = 50;
        break;
    case 4:
        for (i = 0; i < 25; i++)
            key[i] = (uint8_t)(i + 1);
        *key_len = 25;
        memset(data, 0xcd, 50);
        *data_len = 50;
        break;
    case 6:
        memset(key, 0xaa, 131);
        *key_len = 131;
        *data_len = sizeof(tc6_data) - 1;
        memcpy(data, tc6_data, *data_len);
        break;
    default: /* 7 */
        memset(key, 0xaa, 131);
        *key_len = 131;
        *data_len = sizeof(tc7_data) - 1;
        memcpy(data, tc7_data, *data_len);
        break;
    }
}

static void check_prf(tip_prf_t prf)
{
    uint8_t key[131], data[160], want[64], out[64];
    tip_iov_t iov[4];
    size_t key_len, data_len, want_len, v, cut;

    if (!tip_test_prf_built(prf)) { /* compiled out: refused, nothing written */
        memset(out, 0xA5, sizeof(out));
        assert_int_equal(tip_crypto_prf_len(prf), 0);
        assert_int_equal(tip_crypto_prf(prf, out, 4, NULL, 0, out), TIP_ERR_UNSUPPORTED);
        assert_int_equal(out[0], 0xA5);
        return;
    }
    for (v = 0; v < sizeof(vec) / sizeof(vec[0]); v++) {
        const char *h = prf == TIP_PRF_HMAC_SHA2_256   ? vec[v].h256
                        : prf == TIP_PRF_HMAC_SHA2_384 ? vec[v].h384
                                                       : vec[v].h512;

        inputs(vec[v].tc, key, &key_len, data, &data_len);
        want_len = unhex(h, want, sizeof(want));
        assert_int_equal(want_len, tip_crypto_prf_len(prf));

        /* One piece. */
        iov[0].p = data;
        iov[0].len = data_len;
        memset(out, 0, sizeof(out));
        assert_int_equal(tip_crypto_prf(prf, key, key_len, iov, 1, out), TIP_OK);
        assert_memory_equal(out, want, want_len);

        /* Four pieces, an empty one among them, cut at every position. */
        for (cut = 0; cut <= data_len; cut += 7) {
            size_t mid = cut + (data_len - cut) / 2;

            iov[0].p = data;
            iov[0].len = cut;
            iov[1].p = NULL; /* empty: a NULL pointer is allowed with length 0 */
            iov[1].len = 0;
            iov[2].p = data + cut;
            iov[2].len = mid - cut;
            iov[3].p = data + mid;
            iov[3].len = data_len - mid;
            memset(out, 0, sizeof(out));
            assert_int_equal(tip_crypto_prf(prf, key, key_len, iov, 4, out), TIP_OK);
            assert_memory_equal(out, want, want_len);
        }
    }
}

static void test_rfc4231_sha256(void **state)
{
    (void)state;
    check_prf(TIP_PRF_HMAC_SHA2_256);
}

static void test_rfc4231_sha384(void **state)
{
    (void)state;
    check_prf(TIP_PRF_HMAC_SHA2_384);
}

static void test_rfc4231_sha512(void **state)
{
    (void)state;
    check_prf(TIP_PRF_HMAC_SHA2_512);
}

static void test_prf_lengths_and_errors(void **state)
{
    uint8_t key[4] = {1, 2, 3, 4}, out[64];
    tip_iov_t bad = {NULL, 3};

    (void)state;
    assert_int_equal(tip_crypto_prf_len(TIP_PRF_HMAC_SHA2_256), 32);
    assert_int_equal(tip_crypto_prf_len(TIP_PRF_HMAC_SHA2_384), TIP_CONF_HMAC_SHA384 ? 48 : 0);
    assert_int_equal(tip_crypto_prf_len(TIP_PRF_HMAC_SHA2_512), TIP_CONF_HMAC_SHA512 ? 64 : 0);
    assert_int_equal(tip_crypto_prf_len(TIP_PRF_NONE), 0);
    assert_int_equal(tip_crypto_prf_len((tip_prf_t)2), 0); /* PRF_HMAC_SHA1: not offered */
    assert_int_equal(tip_crypto_prf(TIP_PRF_NONE, key, 4, NULL, 0, out), TIP_ERR_UNSUPPORTED);
    assert_int_equal(tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, key, 4, NULL, 0, NULL), TIP_ERR_ARG);
    assert_int_equal(tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, NULL, 4, NULL, 0, out), TIP_ERR_ARG);
    assert_int_equal(tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, key, 4, NULL, 1, out), TIP_ERR_ARG);
    assert_int_equal(tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, key, 4, &bad, 1, out), TIP_ERR_ARG);
    /* An empty key and an empty message are legal HMAC inputs (the value
     * is HMAC-SHA-256("", ""), as Python's hmac module computes it). */
    assert_int_equal(tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, NULL, 0, NULL, 0, out), TIP_OK);
    {
        uint8_t want[32];

        tip_test_hex("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad", want,
                     sizeof(want));
        assert_memory_equal(out, want, 32);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231_sha256),
        cmocka_unit_test(test_rfc4231_sha384),
        cmocka_unit_test(test_rfc4231_sha512),
        cmocka_unit_test(test_prf_lengths_and_errors),
    };

    return cmocka_run_group_tests_name("kat_prf (RFC 4231 through tip_crypto_prf)", tests, NULL,
                                       NULL);
}

#else
int main(void)
{
    return 0; /* IKEv2 compiled out: nothing to test */
}
#endif
