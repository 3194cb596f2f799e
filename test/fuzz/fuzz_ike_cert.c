/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: what certificate authentication parses from a peer
 * (TIP_CONF_IKE_CERT). Byte 0 picks the target, the rest is its input:
 *
 *  0. an ECDSA signature in DER (RFC 7427 3): tip_crypto_ecdsa_der_to_raw()
 *     for P-256 and P-384 sizes; what converts must convert back to the same
 *     r || s (DER -> raw -> DER -> raw is the identity on the raw form).
 *  1. an RFC 7427 AlgorithmIdentifier: tip_ike_sig_alg_scheme() answers
 *     the same twice, and a known scheme never for a shorter prefix.
 *  2. a certificate (end entity, and its own trust anchor), with byte 1
 *     choosing the identity type and bytes 2..9 the identity:
 *     tip_crypto_cert_check() (Mbed TLS's parser, the subjectAltName walk,
 *     key usage, validity) answers one of its documented errors.
 *  3. an IKE message: tip_ike_msg_parse(), then the
 *     SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 4): only SHA2-256/384/512
 *     are taken.
 * Seeds: test/fuzz/corpus/fuzz_ike_cert.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ike/ike_core.h"

#define FZ_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                             \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

#if TIP_CONF_IKE_CERT
static void fz_ecdsa(const uint8_t *d, size_t n)
{
    static const size_t sizes[2] = {64, 96};
    uint8_t raw[96], raw2[96], der[120];
    size_t dl = 0;
    unsigned i;

    for (i = 0; i < 2; i++) {
        if (tip_crypto_ecdsa_der_to_raw(d, n, raw, sizes[i]) != TIP_OK)
            continue;
        FZ_CHECK(tip_crypto_ecdsa_raw_to_der(raw, sizes[i], der, sizeof(der), &dl) == TIP_OK);
        FZ_CHECK(dl <= sizeof(der));
        FZ_CHECK(tip_crypto_ecdsa_der_to_raw(der, dl, raw2, sizes[i]) == TIP_OK);
        FZ_CHECK(memcmp(raw, raw2, sizes[i]) == 0);
    }
}

static void fz_alg(const uint8_t *d, size_t n)
{
    tip_sig_scheme_t s = tip_ike_sig_alg_scheme(d, n);

    FZ_CHECK(s == tip_ike_sig_alg_scheme(d, n));
    if (s != TIP_SIG_NONE && n > 0)
        FZ_CHECK(tip_ike_sig_alg_scheme(d, n - 1) == TIP_SIG_NONE);
}

static void fz_cert(const uint8_t *d, size_t n)
{
    static const uint8_t sig[8] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    static const uint8_t types[4] = {TIP_ID_FQDN, TIP_ID_RFC822_ADDR, TIP_ID_IPV4_ADDR,
                                     TIP_ID_DER_ASN1_DN};
    const uint8_t *chain[1];
    size_t len[1];
    uint8_t hash[32];
    tip_crypto_cert_check_t r;
    int err;

    if (n < 10)
        return;
    memset(hash, 0x11, sizeof(hash));
    memset(&r, 0, sizeof(r));
    chain[0] = d + 10;
    len[0] = n - 10;
    r.chain = chain;
    r.chain_len = len;
    r.chain_n = 1;
    r.ca = chain;
    r.ca_len = len;
    r.ca_n = 1;
    r.id_type = types[d[1] & 3];
    r.id = d + 2;
    r.id_len = r.id_type == TIP_ID_IPV4_ADDR ? 4 : 8;
    r.now = (d[1] & 4) ? 1906502400 : -1;
    r.scheme = (d[1] & 8) ? TIP_SIG_RSA_PKCS1_SHA256 : TIP_SIG_ECDSA_SHA256;
    r.hash = hash;
    r.hash_len = sizeof(hash);
    r.sig = sig;
    r.sig_len = sizeof(sig);
    err = tip_crypto_cert_check(&r);
    FZ_CHECK(err == TIP_OK || err == TIP_ERR_CERT || err == TIP_ERR_CERT_ID ||
             err == TIP_ERR_CERT_TIME || err == TIP_ERR_AUTH);
}

static void fz_notify(const uint8_t *d, size_t n)
{
    tip_ike_msg_t m;
    uint8_t set;

    if (tip_ike_msg_parse(d, n, &m) != TIP_OK)
        return;
    set = tip_ike_cert_peer_hashes(&m);
    FZ_CHECK((set & ~(uint8_t)((1u << 2) | (1u << 3) | (1u << 4))) == 0);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if TIP_CONF_IKE_CERT
    if (size < 1)
        return 0;
    switch (data[0] & 3) {
    case 0:
        fz_ecdsa(data + 1, size - 1);
        break;
    case 1:
        fz_alg(data + 1, size - 1);
        break;
    case 2:
        fz_cert(data + 1, size - 1);
        break;
    default:
        fz_notify(data + 1, size - 1);
        break;
    }
#else
    (void)data;
    (void)size;
#endif
    return 0;
}
