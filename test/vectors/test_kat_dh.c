/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 key exchange through src/crypto.h (tip_crypto_dh_*):
 *  - ECP-256 / ECP-384 known answers of RFC 5903 section 8 (i, g^i, r, g^r,
 *    g^ir), KE data as x || y and g^ir as the x coordinate (RFC 5903 7);
 *  - X25519 of RFC 7748 section 6.1 (Alice, Bob, K), little-endian u
 *    (RFC 8031 2);
 *  - MODP-2048: a vector computed with Python's pow() by
 *    test/vectors/gen_kat_dh_modp.py, chosen so that both g^x_b and g^ir
 *    begin with a zero byte (the left-padding path of RFC 7296 2.14 / 3.4),
 *    plus two generated sides that must agree;
 *  - refused peer values: MODP 0, 1, p-1, p, > p (RFC 6989 2.2); P-256/384
 *    points off the curve; the RFC 7748 low-order X25519 inputs that give an
 *    all-zero secret (RFC 8031 2.2); wrong lengths. All TIP_ERR_MALFORMED.
 *
 * The same tests run with every backend. The PSA backend has no MODP-2048
 * (src/crypto_psa_ike.c): there its vectors are reported as skipped and
 * test_modp2048_availability checks that the group is refused as absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "tip_test_pkt.h"
#include "kat_dh_modp.h"

#if TIP_CONF_CRYPTO_PSA
#include <psa/crypto.h> /* test_psa_keys_released: Mbed TLS's key store statistics */
#endif

#if TIP_CONF_IKEV2 /* the whole test; see the #else at the end */

/* MODP-2048 is in the classic Mbed TLS backend only. */
#if TIP_CONF_CRYPTO_PSA
#define HAVE_MODP 0
#else
#define HAVE_MODP 1
#endif

/* Hex via the shared test helper; a bad vector fails the test. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = tip_test_hex(s, out, cap);

    assert_true(n != (size_t)-1);
    return n;
}

/* Deterministic test RNG (xorshift64*): the keys only need to differ. */
typedef struct {
    uint64_t s;
    int fail;
} test_rng_t;

static int test_rng(void *arg, uint8_t *out, size_t len)
{
    test_rng_t *r = arg;
    size_t i;

    if (r->fail)
        return -1;
    for (i = 0; i < len; i++) {
        r->s ^= r->s >> 12;
        r->s ^= r->s << 25;
        r->s ^= r->s >> 27;
        out[i] = (uint8_t)((r->s * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return 0;
}

static int all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    size_t i;

    for (i = 0; i < len; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

/* ---- ECP: RFC 5903 section 8 ------------------------------------------------------- */

typedef struct {
    tip_dh_group_t group;
    const char *i, *gix, *giy, *r, *grx, *gry, *girx;
} rfc5903_t;

static const rfc5903_t rfc5903[] = {
    {TIP_DH_ECP_256, /* 8.1 */
     "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433",
     "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
     "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
     "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53",
     "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
     "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
     "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"},
    {TIP_DH_ECP_384, /* 8.2 */
     "099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194",
     "667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA",
     "9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C",
     "41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC",
     "E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571",
     "DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C",
     "11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746"},
};

static void kat_side(tip_dh_group_t group, const uint8_t *priv, size_t priv_len,
                     const uint8_t *want_pub, const uint8_t *peer, const uint8_t *want_secret)
{
    tip_crypto_dh_t dh;
    uint8_t pub[256], secret[256];
    size_t pl = tip_crypto_dh_pub_len(group), sl = tip_crypto_dh_secret_len(group);

    memset(&dh, 0xA5, sizeof(dh)); /* set_private must not trust old contents */
    assert_int_equal(tip_crypto_dh_set_private(&dh, group, priv, priv_len, pub, pl), TIP_OK);
    assert_int_equal(tip_crypto_dh_group(&dh), group);
    assert_memory_equal(pub, want_pub, pl);
    assert_int_equal(tip_crypto_dh_compute(&dh, peer, pl, secret, sl), TIP_OK);
    assert_memory_equal(secret, want_secret, sl);
    tip_crypto_dh_free(&dh);
    assert_true(all_zero(&dh, sizeof(dh)));
    assert_int_equal(tip_crypto_dh_group(&dh), TIP_DH_NONE);
}

static void test_rfc5903(void **state)
{
    size_t v;

    (void)state;
    for (v = 0; v < sizeof(rfc5903) / sizeof(rfc5903[0]); v++) {
        const rfc5903_t *t = &rfc5903[v];
        uint8_t i[48], r[48], gi[96], gr[96], gir[48];
        size_t n = unhex(t->i, i, sizeof(i));

        assert_int_equal(tip_crypto_dh_pub_len(t->group), 2 * n);
        assert_int_equal(tip_crypto_dh_secret_len(t->group), n);
        unhex(t->r, r, sizeof(r));
        unhex(t->gix, gi, n);
        unhex(t->giy, gi + n, n);
        unhex(t->grx, gr, n);
        unhex(t->gry, gr + n, n);
        unhex(t->girx, gir, n);
        kat_side(t->group, i, n, gi, gr, gir); /* initiator */
        kat_side(t->group, r, n, gr, gi, gir); /* responder */
    }
}

/* ---- X25519: RFC 7748 section 6.1 ---------------------------------------------------- */

static void test_rfc7748_x25519(void **state)
{
    uint8_t a[32], ga[32], b[32], gb[32], k[32];

    (void)state;
    unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
    unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", ga, 32);
    unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b, 32);
    unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", gb, 32);
    unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", k, 32);
    assert_int_equal(tip_crypto_dh_pub_len(TIP_DH_CURVE25519), 32);
    assert_int_equal(tip_crypto_dh_secret_len(TIP_DH_CURVE25519), 32);
    kat_side(TIP_DH_CURVE25519, a, 32, ga, gb, k); /* Alice */
    kat_side(TIP_DH_CURVE25519, b, 32, gb, ga, k); /* Bob */
}

/* ---- MODP-2048 ------------------------------------------------------------------------- */

/* Where the group is compiled out it says so through every entry point. */
static void test_modp2048_availability(void **state)
{
    test_rng_t rng = {3, 0};
    tip_crypto_dh_t dh;
    uint8_t pub[256];

    (void)state;
    assert_int_equal(tip_crypto_dh_pub_len(TIP_DH_MODP_2048), HAVE_MODP ? 256 : 0);
    assert_int_equal(tip_crypto_dh_secret_len(TIP_DH_MODP_2048), HAVE_MODP ? 256 : 0);
    if (HAVE_MODP)
        return;
    memset(&dh, 0xA5, sizeof(dh));
    assert_int_equal(tip_crypto_dh_generate(&dh, TIP_DH_MODP_2048, test_rng, &rng, pub, 256),
                     TIP_ERR_UNSUPPORTED);
    assert_true(all_zero(&dh, sizeof(dh)));
    assert_int_equal(tip_crypto_dh_set_private(&dh, TIP_DH_MODP_2048, modp_xa, sizeof(modp_xa),
                                               pub, 256),
                     TIP_ERR_UNSUPPORTED);
    assert_int_equal(tip_crypto_dh_group(&dh), TIP_DH_NONE);
}

static void test_modp2048_kat_padding(void **state)
{
    (void)state;
    if (!HAVE_MODP)
        skip(); /* group compiled out of this backend: test_modp2048_availability */
    /* Both g^x_b and g^(x_a x_b) start with 0x00: the bytes must still be 256. */
    assert_int_equal(modp_gb[0], 0);
    assert_int_equal(modp_gab[0], 0);
    assert_int_equal(tip_crypto_dh_pub_len(TIP_DH_MODP_2048), 256);
    assert_int_equal(tip_crypto_dh_secret_len(TIP_DH_MODP_2048), 256);
    kat_side(TIP_DH_MODP_2048, modp_xa, sizeof(modp_xa), modp_ga, modp_gb, modp_gab);
    kat_side(TIP_DH_MODP_2048, modp_xb, sizeof(modp_xb), modp_gb, modp_ga, modp_gab);
}

/* ---- both sides generated, for every group ---------------------------------------------- */

static const tip_dh_group_t groups[] = {
#if HAVE_MODP
    TIP_DH_MODP_2048,
#endif
    TIP_DH_ECP_256, TIP_DH_ECP_384, TIP_DH_CURVE25519};

static void test_generate_agree(void **state)
{
    test_rng_t rng = {0x0123456789ABCDEFULL, 0};
    size_t g;
    int round;

    (void)state;
    for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        tip_dh_group_t grp = groups[g];
        size_t pl = tip_crypto_dh_pub_len(grp), sl = tip_crypto_dh_secret_len(grp);

        for (round = 0; round < 3; round++) {
            tip_crypto_dh_t a, b;
            uint8_t pa[256], pb[256], sa[256], sb[256];

            assert_int_equal(tip_crypto_dh_generate(&a, grp, test_rng, &rng, pa, pl), TIP_OK);
            assert_int_equal(tip_crypto_dh_generate(&b, grp, test_rng, &rng, pb, pl), TIP_OK);
            assert_memory_not_equal(pa, pb, pl);
            assert_int_equal(tip_crypto_dh_compute(&a, pb, pl, sa, sl), TIP_OK);
            assert_int_equal(tip_crypto_dh_compute(&b, pa, pl, sb, sl), TIP_OK);
            assert_memory_equal(sa, sb, sl);
            assert_false(all_zero(sa, sl));
            tip_crypto_dh_free(&a);
            tip_crypto_dh_free(&b);
            assert_true(all_zero(&a, sizeof(a)));
        }
    }
}

/* ---- refused peer values --------------------------------------------------------------- */

static void expect_refused(tip_dh_group_t grp, const uint8_t *peer, size_t peer_len)
{
    test_rng_t rng = {0xFEEDFACECAFEBEEFULL, 0};
    tip_crypto_dh_t dh;
    uint8_t pub[256], secret[256];
    size_t sl = tip_crypto_dh_secret_len(grp);

    assert_int_equal(tip_crypto_dh_generate(&dh, grp, test_rng, &rng, pub,
                                            tip_crypto_dh_pub_len(grp)),
                     TIP_OK);
    memset(secret, 0x5A, sizeof(secret));
    assert_int_equal(tip_crypto_dh_compute(&dh, peer, peer_len, secret, sl), TIP_ERR_MALFORMED);
    assert_true(all_zero(secret, sl)); /* nothing usable left behind */
    tip_crypto_dh_free(&dh);
}

static void test_modp_refused(void **state)
{
    uint8_t y[258];

    (void)state;
    if (!HAVE_MODP)
        skip(); /* group compiled out of this backend: test_modp2048_availability */
    memset(y, 0, sizeof(y));
    expect_refused(TIP_DH_MODP_2048, y, 256); /* 0 */
    y[255] = 1;
    expect_refused(TIP_DH_MODP_2048, y, 256); /* 1 */
    memcpy(y, modp_p_be, 256);
    expect_refused(TIP_DH_MODP_2048, y, 256); /* p */
    y[255] = 0xFE;
    expect_refused(TIP_DH_MODP_2048, y, 256); /* p - 1 (p ends in 0xFF) */
    memset(y, 0xFF, sizeof(y));
    expect_refused(TIP_DH_MODP_2048, y, 256); /* 2^2048 - 1 > p */
    memcpy(y, modp_gb, 256);
    expect_refused(TIP_DH_MODP_2048, y, 255); /* wrong lengths */
    expect_refused(TIP_DH_MODP_2048, y, 257);
    expect_refused(TIP_DH_MODP_2048, NULL, 0);
    /* And p - 2 (the largest legal value) is accepted. */
    {
        test_rng_t rng = {42, 0};
        tip_crypto_dh_t dh;
        uint8_t pub[256], secret[256];

        memcpy(y, modp_p_be, 256);
        y[255] = 0xFD;
        assert_int_equal(tip_crypto_dh_generate(&dh, TIP_DH_MODP_2048, test_rng, &rng, pub, 256),
                         TIP_OK);
        assert_int_equal(tip_crypto_dh_compute(&dh, y, 256, secret, 256), TIP_OK);
        tip_crypto_dh_free(&dh);
    }
}

static void test_ecp_refused(void **state)
{
    uint8_t pt[97];
    size_t v;

    (void)state;
    for (v = 0; v < sizeof(rfc5903) / sizeof(rfc5903[0]); v++) {
        const rfc5903_t *t = &rfc5903[v];
        size_t n = tip_crypto_dh_secret_len(t->group);

        unhex(t->grx, pt, n);
        unhex(t->gry, pt + n, n);
        pt[2 * n - 1] ^= 1; /* y + or - 1: off the curve */
        expect_refused(t->group, pt, 2 * n);
        pt[2 * n - 1] ^= 1;
        expect_refused(t->group, pt, 2 * n - 1); /* wrong lengths */
        expect_refused(t->group, pt, 2 * n + 1);
        memset(pt, 0, sizeof(pt)); /* (0, 0): not on the curve (and no infinity encoding) */
        expect_refused(t->group, pt, 2 * n);
        memset(pt, 0xFF, sizeof(pt)); /* coordinates >= p */
        expect_refused(t->group, pt, 2 * n);
    }
}

/* RFC 7748 7 / RFC 8031 2.2: u values of small order (and their
 * non-canonical encodings) make X25519 output all zeros. RFC 7748 5 masks
 * the top bit of u, so the same values with bit 255 set must be refused too. */
static const char *const x25519_low_order[] = {
    "0000000000000000000000000000000000000000000000000000000000000000", /* 0 */
    "0100000000000000000000000000000000000000000000000000000000000000", /* 1 */
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", /* order 8 */
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", /* order 8 */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p - 1 */
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p (= 0) */
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p + 1 (= 1) */
    "0000000000000000000000000000000000000000000000000000000000000080", /* with bit 255 */
    "0100000000000000000000000000000000000000000000000000000000000080",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
};

static void test_x25519_refused(void **state)
{
    uint8_t u[33];
    size_t v;

    (void)state;
    for (v = 0; v < sizeof(x25519_low_order) / sizeof(x25519_low_order[0]); v++) {
        unhex(x25519_low_order[v], u, 32);
        expect_refused(TIP_DH_CURVE25519, u, 32);
    }
    unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", u, 32);
    expect_refused(TIP_DH_CURVE25519, u, 31);
    expect_refused(TIP_DH_CURVE25519, u, 33);
}

/* ---- API contract ------------------------------------------------------------------------ */

static void test_api_errors(void **state)
{
    test_rng_t rng = {7, 0};
    tip_crypto_dh_t dh;
    uint8_t pub[256], secret[256], zero32[32], big[48];
    size_t g;

    (void)state;
    memset(&dh, 0, sizeof(dh));
    tip_crypto_dh_free(&dh); /* safe on a zeroed state */
    tip_crypto_dh_free(NULL);
    assert_int_equal(tip_crypto_dh_group(&dh), TIP_DH_NONE);
    /* compute before generate */
    assert_int_equal(tip_crypto_dh_compute(&dh, pub, 32, secret, 32), TIP_ERR_ARG);
    /* unknown groups */
    assert_int_equal(tip_crypto_dh_pub_len((tip_dh_group_t)2), 0);
    assert_int_equal(tip_crypto_dh_secret_len(TIP_DH_NONE), 0);
    assert_int_equal(tip_crypto_dh_generate(&dh, (tip_dh_group_t)21, test_rng, &rng, pub, 132),
                     TIP_ERR_UNSUPPORTED);
    for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        tip_dh_group_t grp = groups[g];
        size_t pl = tip_crypto_dh_pub_len(grp), sl = tip_crypto_dh_secret_len(grp);

        /* wrong pub buffer length, no RNG */
        assert_int_equal(tip_crypto_dh_generate(&dh, grp, test_rng, &rng, pub, pl - 1),
                         TIP_ERR_ARG);
        assert_int_equal(tip_crypto_dh_generate(&dh, grp, NULL, NULL, pub, pl), TIP_ERR_ARG);
        /* a failing RNG: error, state freed and zeroized. PSA draws keys
         * from its own generator and never calls the port's. */
        rng.fail = 1;
#if TIP_CONF_CRYPTO_PSA
        assert_int_equal(tip_crypto_dh_generate(&dh, grp, test_rng, &rng, pub, pl), TIP_OK);
        tip_crypto_dh_free(&dh);
#else
        assert_int_equal(tip_crypto_dh_generate(&dh, grp, test_rng, &rng, pub, pl),
                         TIP_ERR_CRYPTO);
#endif
        assert_true(all_zero(&dh, sizeof(dh)));
        rng.fail = 0;
        /* wrong secret length */
        assert_int_equal(tip_crypto_dh_generate(&dh, grp, test_rng, &rng, pub, pl), TIP_OK);
        assert_int_equal(tip_crypto_dh_compute(&dh, pub, pl, secret, sl + 1), TIP_ERR_ARG);
        tip_crypto_dh_free(&dh);
    }
    /* set_private refuses a scalar outside [1, n-1] */
    memset(zero32, 0, sizeof(zero32));
    assert_int_equal(tip_crypto_dh_set_private(&dh, TIP_DH_ECP_256, zero32, 32, pub, 64),
                     TIP_ERR_ARG);
    assert_true(all_zero(&dh, sizeof(dh)));
    memset(big, 0xFF, sizeof(big));
    assert_int_equal(tip_crypto_dh_set_private(&dh, TIP_DH_ECP_384, big, 48, pub, 96),
                     TIP_ERR_ARG);
    assert_int_equal(tip_crypto_dh_set_private(&dh, TIP_DH_CURVE25519, big, 31, pub, 32),
                     TIP_ERR_ARG);
}

#if TIP_CONF_CRYPTO_PSA
/* PSA backend: our key pair lives in a volatile PSA key from generate (or
 * set_private) to free, and the PRF's HMAC key only for the call. Counted
 * through Mbed TLS's key store statistics. */
static size_t psa_volatile_keys(void)
{
    mbedtls_psa_stats_t st;

    mbedtls_psa_get_stats(&st);
    return st.MBEDTLS_PRIVATE(volatile_slots);
}

static void test_psa_keys_released(void **state)
{
    test_rng_t rng = {11, 0};
    tip_crypto_dh_t dh[3];
    uint8_t pub[96], out[64], key[200];
    tip_iov_t iov = {pub, 32};
    size_t g, base;

    (void)state;
    assert_int_equal(psa_crypto_init(), PSA_SUCCESS);
    base = psa_volatile_keys();
    for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        size_t pl = tip_crypto_dh_pub_len(groups[g]);

        assert_int_equal(tip_crypto_dh_generate(&dh[g], groups[g], test_rng, &rng, pub, pl),
                         TIP_OK);
        assert_int_equal(psa_volatile_keys(), base + g + 1);
    }
    for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
        tip_crypto_dh_free(&dh[g]);
    assert_int_equal(psa_volatile_keys(), base);
    /* a refused private value and a wrong length leave no key behind */
    memset(key, 0, sizeof(key));
    assert_int_equal(tip_crypto_dh_set_private(&dh[0], TIP_DH_ECP_256, key, 32, pub, 64),
                     TIP_ERR_ARG);
    assert_int_equal(tip_crypto_dh_generate(&dh[0], TIP_DH_ECP_256, test_rng, &rng, pub, 63),
                     TIP_ERR_ARG);
    /* the PRF's key, short and longer than a hash block */
    assert_int_equal(tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, key, 16, &iov, 1, out), TIP_OK);
    assert_int_equal(tip_crypto_prf(TIP_PRF_HMAC_SHA2_512, key, sizeof(key), &iov, 1, out), TIP_OK);
    assert_int_equal(psa_volatile_keys(), base);
}
#endif

static void test_report_state_size(void **state)
{
    (void)state;
    printf("[ info ] DH backend state %zu bytes of TIP_CRYPTO_DH_STORAGE %zu\n",
           tip_crypto_dh_state_size(), sizeof(tip_crypto_dh_t));
    assert_true(tip_crypto_dh_state_size() <= sizeof(tip_crypto_dh_t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5903),
        cmocka_unit_test(test_rfc7748_x25519),
        cmocka_unit_test(test_modp2048_availability),
        cmocka_unit_test(test_modp2048_kat_padding),
        cmocka_unit_test(test_generate_agree),
        cmocka_unit_test(test_modp_refused),
        cmocka_unit_test(test_ecp_refused),
        cmocka_unit_test(test_x25519_refused),
        cmocka_unit_test(test_api_errors),
#if TIP_CONF_CRYPTO_PSA
        cmocka_unit_test(test_psa_keys_released),
#endif
        cmocka_unit_test(test_report_state_size),
    };

    return cmocka_run_group_tests_name("kat_dh (RFC 5903 8, RFC 7748 6.1, MODP-2048)", tests,
                                       NULL, NULL);
}

#else
int main(void)
{
    return 0; /* IKEv2 compiled out: nothing to test */
}
#endif
