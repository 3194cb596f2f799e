/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Test certificates (test/data/certs, made by its make-certs.sh) and a
 * signer on their private keys for the crypto backend of the build: an
 * mbedtls_pk_context for the classic one, a volatile PSA key for PSA.
 */
#ifndef TIP_TEST_CERT_H
#define TIP_TEST_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/tinyipsec.h"

#if TIP_CONF_IKE_CERT

/** A loaded file. */
typedef struct {
    uint8_t der[4096]; /**< the bytes */
    size_t len;        /**< how many */
} tip_test_der_t;

/** Load test/data/certs/@p name (e.g. "gw.der"); fails the test if it cannot. */
void tip_test_cert_load(tip_test_der_t *out, const char *name);

/** A signer on a test key. */
typedef struct {
    tip_test_der_t key;       /**< the key file */
    void *pk;                 /**< the parsed key (classic backend; heap) */
    tip_ike_pk_signer_t pks;  /**< classic: sign_arg */
    uint32_t psa_id;          /**< PSA: the key id, sign_arg points here */
    uint32_t psa_id_pss;      /**< PSA: the same RSA key for RSA-PSS */
    tip_ike_sign_fn fn;       /**< the signing function */
    void *arg;                /**< its argument */
    unsigned calls;           /**< signatures made (the test's wrapper counts them) */
} tip_test_signer_t;

/** Set up @p s on key file @p keyname ("gw.key"). */
void tip_test_signer_init(tip_test_signer_t *s, const char *keyname);

/** Free what tip_test_signer_init() made. */
void tip_test_signer_free(tip_test_signer_t *s);

/** tip_ike_sign_fn over a tip_test_signer_t (counts calls, picks the PSS key for PSS). */
int tip_test_sign(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash, size_t hash_len,
                  uint8_t *sig, size_t sig_size, size_t *sig_len);

/**
 * Make @p c a certificate connection: our chain from the files in
 * @p chain (NULL-terminated, end entity first), the anchors in @p cas
 * (NULL-terminated), signed by @p s. The DER buffers in @p store (at least
 * as many as names) must outlive the connection.
 */
void tip_test_conn_cert(tip_ike_conn_t *c, tip_test_der_t *store, const char *const *chain,
                        const char *const *cas, tip_test_signer_t *s);

#endif /* TIP_CONF_IKE_CERT */
#endif /* TIP_TEST_CERT_H */
