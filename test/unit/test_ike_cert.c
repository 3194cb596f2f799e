/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Certificates and signatures behind the crypto seam: signatures made by
 * another implementation (OpenSSL) verify, chains are checked against the
 * trust anchors, the identity rules of RFC 4945 3.1, key usage, validity
 * times against the port's clock, and the RFC 7427 signature encodings.
 *
 * tip-requires: TIP_CONF_IKE_CERT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_test_cert.h"

/* 2030-06-01 00:00:00 UTC: inside every test certificate's validity but expired.der's. */
#define T_2030 1906502400
/* 2025-06-01: before the 2026-01-01 start of the test certificates. */
#define T_2025 1748736000

static tip_test_der_t f_ca, f_int, f_dev, f_gw, f_p384, f_exp, f_nosig, f_other, f_stranger;
static tip_test_der_t f_rsaca, f_rsagw, f_rsaint, f_rsavpn, f_msg, f_sig;

static int setup(void **state)
{
    (void)state;
    tip_test_cert_load(&f_ca, "ca.der");
    tip_test_cert_load(&f_int, "int.der");
    tip_test_cert_load(&f_dev, "dev.der");
    tip_test_cert_load(&f_gw, "gw.der");
    tip_test_cert_load(&f_p384, "p384.der");
    tip_test_cert_load(&f_exp, "expired.der");
    tip_test_cert_load(&f_nosig, "nosig.der");
    tip_test_cert_load(&f_other, "other-ca.der");
    tip_test_cert_load(&f_stranger, "stranger.der");
    tip_test_cert_load(&f_rsaca, "rsa-ca.der");
    tip_test_cert_load(&f_rsagw, "rsa-gw.der");
    tip_test_cert_load(&f_rsaint, "rsa-int.der");
    tip_test_cert_load(&f_rsavpn, "rsa-vpn.der");
    tip_test_cert_load(&f_msg, "kat.msg");
    return 0;
}

/* A check of @p ee (+ @p im when not NULL) against anchor @p ca for a signature
 * made by @p signer (its key) over the known-answer message. */
typedef struct {
    const uint8_t *chain[2];
    size_t chain_len[2];
    const uint8_t *ca[1];
    size_t ca_len[1];
    uint8_t hash[64];
    uint8_t der[TIP_IKE_SIG_MAX];
    tip_crypto_cert_check_t r;
} check_t;

static void check_init(check_t *c, const tip_test_der_t *ee, const tip_test_der_t *im,
                       const tip_test_der_t *ca, uint8_t id_type, const char *id)
{
    memset(c, 0, sizeof(*c));
    c->chain[0] = ee->der;
    c->chain_len[0] = ee->len;
    c->r.chain_n = 1;
    if (im != NULL) {
        c->chain[1] = im->der;
        c->chain_len[1] = im->len;
        c->r.chain_n = 2;
    }
    c->ca[0] = ca->der;
    c->ca_len[0] = ca->len;
    c->r.chain = c->chain;
    c->r.chain_len = c->chain_len;
    c->r.ca = c->ca;
    c->r.ca_len = c->ca_len;
    c->r.ca_n = 1;
    c->r.id_type = id_type;
    c->r.id = (const uint8_t *)id;
    c->r.id_len = strlen(id);
    c->r.now = T_2030;
}

/* Sign the message with key file @p key for @p scheme through the backend's signer. */
static void check_sign(check_t *c, const char *key, tip_sig_scheme_t scheme)
{
    tip_test_signer_t s;
    tip_iov_t iov = {f_msg.der, f_msg.len};
    uint8_t raw[TIP_IKE_SIG_MAX];
    size_t n = 0;

    c->r.scheme = scheme;
    c->r.hash_len = tip_crypto_sig_hash_len(scheme);
    assert_int_equal(tip_crypto_sig_hash(scheme, &iov, 1, c->hash), TIP_OK);
    c->r.hash = c->hash;
    tip_test_signer_init(&s, key);
    assert_int_equal(tip_test_sign(&s, scheme, c->hash, c->r.hash_len, raw, sizeof(raw), &n),
                     TIP_OK);
    tip_test_signer_free(&s);
    if (scheme == TIP_SIG_ECDSA_SHA256 || scheme == TIP_SIG_ECDSA_SHA384) {
        assert_int_equal(n, scheme == TIP_SIG_ECDSA_SHA256 ? 64 : 96); /* r || s */
        assert_int_equal(tip_crypto_ecdsa_raw_to_der(raw, n, c->der, sizeof(c->der), &n), TIP_OK);
    } else {
        memcpy(c->der, raw, n);
    }
    c->r.sig = c->der;
    c->r.sig_len = n;
}

/* A signature file made by OpenSSL over the message. */
static void check_kat(check_t *c, const char *sigfile, tip_sig_scheme_t scheme)
{
    tip_iov_t iov = {f_msg.der, f_msg.len};

    tip_test_cert_load(&f_sig, sigfile);
    c->r.scheme = scheme;
    c->r.hash_len = tip_crypto_sig_hash_len(scheme);
    assert_int_equal(tip_crypto_sig_hash(scheme, &iov, 1, c->hash), TIP_OK);
    c->r.hash = c->hash;
    c->r.sig = f_sig.der;
    c->r.sig_len = f_sig.len;
}

static void test_known_answer_signatures(void **state)
{
    check_t c;
    (void)state;
    check_init(&c, &f_gw, &f_int, &f_ca, TIP_ID_FQDN, "gw.test");
    check_kat(&c, "kat-gw.sig", TIP_SIG_ECDSA_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    c.hash[5] ^= 1; /* another message */
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_AUTH);

    check_init(&c, &f_p384, &f_int, &f_ca, TIP_ID_FQDN, "p384.test");
    check_kat(&c, "kat-p384.sig", TIP_SIG_ECDSA_SHA384);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);

    check_init(&c, &f_rsagw, NULL, &f_rsaca, TIP_ID_FQDN, "rsa-gw.test");
    check_kat(&c, "kat-rsa.sig", TIP_SIG_RSA_PKCS1_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    /* the same bytes are no PSS signature */
    c.r.scheme = TIP_SIG_RSA_PSS_SHA256;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_AUTH);

    check_init(&c, &f_rsagw, NULL, &f_rsaca, TIP_ID_FQDN, "rsa-gw.test");
    check_kat(&c, "kat-rsa-pss.sig", TIP_SIG_RSA_PSS_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);

    /* an ECDSA signature claimed for an RSA key, and the reverse */
    check_init(&c, &f_gw, &f_int, &f_ca, TIP_ID_FQDN, "gw.test");
    check_kat(&c, "kat-gw.sig", TIP_SIG_RSA_PKCS1_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_AUTH);
}

static void test_our_signatures_verify(void **state)
{
    static const tip_sig_scheme_t rsa[] = {TIP_SIG_RSA_PKCS1_SHA256, TIP_SIG_RSA_PKCS1_SHA384,
                                           TIP_SIG_RSA_PKCS1_SHA512, TIP_SIG_RSA_PSS_SHA256,
                                           TIP_SIG_RSA_PSS_SHA384, TIP_SIG_RSA_PSS_SHA512,
                                           TIP_SIG_RSA_PKCS1_SHA1};
    check_t c;
    unsigned i;
    (void)state;
    check_init(&c, &f_gw, &f_int, &f_ca, TIP_ID_FQDN, "gw.test");
    check_sign(&c, "gw.key", TIP_SIG_ECDSA_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    check_init(&c, &f_p384, &f_int, &f_ca, TIP_ID_FQDN, "p384.test");
    check_sign(&c, "p384.key", TIP_SIG_ECDSA_SHA384);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    /* the classic ECDSA methods pin the curve (RFC 4754): P-384 is not method 9 */
    c.r.key_bits = 256;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_AUTH);
    for (i = 0; i < sizeof(rsa) / sizeof(rsa[0]); i++) {
        check_init(&c, &f_rsagw, NULL, &f_rsaca, TIP_ID_FQDN, "rsa-gw.test");
        check_sign(&c, "rsa-gw.key", rsa[i]);
        assert_int_equal(c.r.sig_len, 384); /* RSA-3072 */
        assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    }
}

/* The RSA-3072 chain of the interop case cert-rsa: root, intermediate, end entity. */
static void test_rsa_chain_with_intermediate(void **state)
{
    static const tip_sig_scheme_t schemes[] = {TIP_SIG_RSA_PSS_SHA256, TIP_SIG_RSA_PKCS1_SHA256};
    check_t c;
    unsigned i;
    (void)state;
    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        check_init(&c, &f_rsavpn, &f_rsaint, &f_rsaca, TIP_ID_FQDN, "rsa-vpn.test");
        check_sign(&c, "rsa-vpn.key", schemes[i]);
        assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    }
    c.r.chain_n = 1; /* without the intermediate */
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT);
    c.r.chain_n = 2;
    c.r.id = (const uint8_t *)"rsa-gw.test"; /* another name */
    c.r.id_len = strlen("rsa-gw.test");
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_ID);
}

static void test_chain_refusals(void **state)
{
    check_t c;
    (void)state;
    /* the full chain from the peer */
    check_init(&c, &f_dev, &f_int, &f_ca, TIP_ID_FQDN, "dev.test");
    check_sign(&c, "dev.key", TIP_SIG_ECDSA_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    /* missing intermediate */
    c.r.chain_n = 1;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT);
    /* the intermediate itself as the anchor is enough */
    c.ca[0] = f_int.der;
    c.ca_len[0] = f_int.len;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    /* a chain to another root, same name in it */
    check_init(&c, &f_stranger, NULL, &f_ca, TIP_ID_FQDN, "gw.test");
    check_sign(&c, "stranger.key", TIP_SIG_ECDSA_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT);
    c.ca[0] = f_other.der;
    c.ca_len[0] = f_other.len;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    /* key usage without digitalSignature */
    check_init(&c, &f_nosig, &f_int, &f_ca, TIP_ID_FQDN, "nosig.test");
    check_sign(&c, "nosig.key", TIP_SIG_ECDSA_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT);
    /* garbage instead of a certificate */
    check_init(&c, &f_msg, NULL, &f_ca, TIP_ID_FQDN, "gw.test");
    check_sign(&c, "gw.key", TIP_SIG_ECDSA_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT);
}

static void test_validity_times(void **state)
{
    check_t c;
    (void)state;
    check_init(&c, &f_exp, NULL, &f_ca, TIP_ID_FQDN, "expired.test");
    check_sign(&c, "expired.key", TIP_SIG_ECDSA_SHA256);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_TIME);
    c.r.now = 1593561600; /* 2020-07-01: it was valid then, but its anchor was not yet */
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_TIME);
    c.r.now = -1; /* no clock: not checked (docs/security.md) */
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    /* not yet valid (and the anchor neither) */
    check_init(&c, &f_dev, &f_int, &f_ca, TIP_ID_FQDN, "dev.test");
    check_sign(&c, "dev.key", TIP_SIG_ECDSA_SHA256);
    c.r.now = T_2025;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_TIME);
    c.r.now = 2082844800; /* 2036-01-02: after every notAfter */
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_TIME);
}

static void test_identity_rules(void **state)
{
    static const uint8_t ip_dev[4] = {192, 0, 2, 2}, ip_gw[4] = {192, 0, 2, 1};
    check_t c;
    (void)state;
    check_init(&c, &f_dev, &f_int, &f_ca, TIP_ID_FQDN, "dev.test");
    check_sign(&c, "dev.key", TIP_SIG_ECDSA_SHA256);
    c.r.id = (const uint8_t *)"DEV.Test"; /* DNS names compare without case */
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    c.r.id = (const uint8_t *)"gw.test\0";
    c.r.id_len = 7;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_ID);
    c.r.id = (const uint8_t *)"dev.tes"; /* a prefix is no match */
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_ID);
    /* the e-mail name is an rfc822Name, not a dNSName */
    c.r.id_type = TIP_ID_RFC822_ADDR;
    c.r.id = (const uint8_t *)"dev@test";
    c.r.id_len = 8;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    c.r.id_type = TIP_ID_FQDN;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_ID);
    c.r.id_type = TIP_ID_RFC822_ADDR;
    c.r.id = (const uint8_t *)"dev.test";
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_ID);
    /* addresses against iPAddress */
    c.r.id_type = TIP_ID_IPV4_ADDR;
    c.r.id = ip_dev;
    c.r.id_len = 4;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    c.r.id = ip_gw;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_ID);
    /* a key id names no certificate field */
    c.r.id_type = TIP_ID_KEY_ID;
    c.r.id = (const uint8_t *)"dev.test";
    c.r.id_len = 8;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_ID);
}

/* The subject DER of dev.der: "C=CH, O=tinyipsec test, CN=dev.test". */
static const uint8_t dev_dn[] = {
    0x30, 0x39, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x43, 0x48,
    0x31, 0x17, 0x30, 0x15, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x0e, 0x74, 0x69, 0x6e, 0x79,
    0x69, 0x70, 0x73, 0x65, 0x63, 0x20, 0x74, 0x65, 0x73, 0x74, 0x31, 0x11, 0x30, 0x0f, 0x06,
    0x03, 0x55, 0x04, 0x03, 0x13, 0x08, 0x64, 0x65, 0x76, 0x2e, 0x74, 0x65, 0x73, 0x74,
};

static void test_identity_dn(void **state)
{
    uint8_t other[sizeof(dev_dn)];
    check_t c;
    (void)state;
    check_init(&c, &f_dev, &f_int, &f_ca, TIP_ID_FQDN, "dev.test");
    check_sign(&c, "dev.key", TIP_SIG_ECDSA_SHA256);
    c.r.id_type = TIP_ID_DER_ASN1_DN;
    c.r.id = dev_dn;
    c.r.id_len = sizeof(dev_dn);
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_OK);
    memcpy(other, dev_dn, sizeof(other));
    other[sizeof(other) - 8] = 'g'; /* CN=gev.test */
    c.r.id = other;
    assert_int_equal(tip_crypto_cert_check(&c.r), TIP_ERR_CERT_ID);
}

static void test_ecdsa_encodings(void **state)
{
    uint8_t raw[64], back[64], der[80];
    size_t n = 0;
    (void)state;
    /* r with its top bit set gets a zero byte; s with leading zeros loses them */
    memset(raw, 0, sizeof(raw));
    raw[0] = 0x80;
    raw[31] = 1;
    raw[62] = 0x12;
    raw[63] = 0x34;
    assert_int_equal(tip_crypto_ecdsa_raw_to_der(raw, 64, der, sizeof(der), &n), TIP_OK);
    assert_int_equal(n, 2 + 2 + 33 + 2 + 2);
    assert_int_equal(der[0], 0x30);
    assert_int_equal(der[3], 33);
    assert_int_equal(der[4], 0);
    assert_int_equal(der[2 + 2 + 33 + 1], 2);
    assert_int_equal(tip_crypto_ecdsa_der_to_raw(der, n, back, 64), TIP_OK);
    assert_memory_equal(raw, back, 64);
    assert_int_equal(tip_crypto_ecdsa_raw_to_der(raw, 64, der, 10, &n), TIP_ERR_BUF_SPACE);
    /* an integer longer than the curve is refused */
    assert_int_equal(tip_crypto_ecdsa_raw_to_der(raw, 64, der, sizeof(der), &n), TIP_OK);
    assert_int_equal(tip_crypto_ecdsa_der_to_raw(der, n, back, 32), TIP_ERR_MALFORMED);
    /* a length running past the end */
    der[1] = 0x7f;
    assert_int_equal(tip_crypto_ecdsa_der_to_raw(der, n, back, 64), TIP_ERR_MALFORMED);
}

static void test_rfc7427_algorithm_identifiers(void **state)
{
    /* RFC 7427 appendix A.3.1 and A.1.2 */
    static const uint8_t ecdsa256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                       0xce, 0x3d, 0x04, 0x03, 0x02};
    static const uint8_t rsa256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                     0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    uint8_t bad[sizeof(ecdsa256)];
    (void)state;
    assert_int_equal(tip_ike_sig_alg_scheme(ecdsa256, sizeof(ecdsa256)), TIP_SIG_ECDSA_SHA256);
    assert_int_equal(tip_ike_sig_alg_scheme(rsa256, sizeof(rsa256)), TIP_SIG_RSA_PKCS1_SHA256);
    memcpy(bad, ecdsa256, sizeof(bad));
    bad[11] = 0x01; /* ecdsa-with-SHA224: not ours */
    assert_int_equal(tip_ike_sig_alg_scheme(bad, sizeof(bad)), TIP_SIG_NONE);
    assert_int_equal(tip_ike_sig_alg_scheme(ecdsa256, sizeof(ecdsa256) - 1), TIP_SIG_NONE);
}

static void test_cert_key_and_certreq_hash(void **state)
{
    uint8_t kind = 0, h[20], h2[20];
    size_t bits = 0;
    (void)state;
    assert_int_equal(tip_crypto_cert_key(f_gw.der, f_gw.len, &kind, &bits), TIP_OK);
    assert_int_equal(kind, TIP_CRYPTO_KEY_EC);
    assert_int_equal(bits, 256);
    assert_int_equal(tip_crypto_cert_key(f_p384.der, f_p384.len, &kind, &bits), TIP_OK);
    assert_int_equal(bits, 384);
    assert_int_equal(tip_crypto_cert_key(f_rsagw.der, f_rsagw.len, &kind, &bits), TIP_OK);
    assert_int_equal(kind, TIP_CRYPTO_KEY_RSA);
    assert_int_equal(bits, 3072);
    assert_int_equal(tip_crypto_cert_key(f_msg.der, f_msg.len, &kind, &bits), TIP_ERR_MALFORMED);
    assert_int_equal(tip_crypto_cert_spki_sha1(f_ca.der, f_ca.len, h), TIP_OK);
    assert_int_equal(tip_crypto_cert_spki_sha1(f_int.der, f_int.len, h2), TIP_OK);
    assert_memory_not_equal(h, h2, 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer_signatures),
        cmocka_unit_test(test_our_signatures_verify),
        cmocka_unit_test(test_rsa_chain_with_intermediate),
        cmocka_unit_test(test_chain_refusals),
        cmocka_unit_test(test_validity_times),
        cmocka_unit_test(test_identity_rules),
        cmocka_unit_test(test_identity_dn),
        cmocka_unit_test(test_ecdsa_encodings),
        cmocka_unit_test(test_rfc7427_algorithm_identifiers),
        cmocka_unit_test(test_cert_key_and_certreq_hash),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
