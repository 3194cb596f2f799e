/*
 * SPDX-License-Identifier: Apache-2.0
 */
#include "tip_test_cert.h"

#if TIP_CONF_IKE_CERT

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/pk.h>
#include <mbedtls/version.h>
#if TIP_CONF_CRYPTO_PSA
#include <psa/crypto.h>
#endif

void tip_test_cert_load(tip_test_der_t *out, const char *name)
{
    const char *dir = getenv("TIP_TEST_DATA");
    char path[512];
    FILE *f;

#ifdef TIP_TEST_DATA_DIR
    if (dir == NULL) /* on a target without an environment (test/target) */
        dir = TIP_TEST_DATA_DIR;
#endif
    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/certs/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    out->len = fread(out->der, 1, sizeof(out->der), f);
    fclose(f);
    assert_true(out->len > 0 && out->len < sizeof(out->der));
}

/* Deterministic bytes for the signatures' randomness (tests only). */
static int test_rng(void *arg, uint8_t *out, size_t len)
{
    uint64_t *st = (uint64_t *)arg;
    size_t i;
    for (i = 0; i < len; i++) {
        *st = *st * 6364136223846793005u + 1442695040888963407u;
        out[i] = (uint8_t)(*st >> 56);
    }
    return 0;
}

static uint64_t rng_state = 42;

void tip_test_signer_init(tip_test_signer_t *s, const char *keyname)
{
    mbedtls_pk_context *pk = calloc(1, sizeof(*pk));

    memset(s, 0, sizeof(*s));
    tip_test_cert_load(&s->key, keyname);
    assert_non_null(pk);
    mbedtls_pk_init(pk);
#if TIP_CONF_CRYPTO_PSA
    assert_int_equal(psa_crypto_init(), PSA_SUCCESS);
#endif
#if MBEDTLS_VERSION_NUMBER >= 0x04000000
    (void)test_rng; /* PSA draws its own randomness here */
    (void)rng_state;
    assert_int_equal(mbedtls_pk_parse_key(pk, s->key.der, s->key.len, NULL, 0), 0);
#elif MBEDTLS_VERSION_NUMBER >= 0x03000000
    assert_int_equal(mbedtls_pk_parse_key(pk, s->key.der, s->key.len, NULL, 0,
                                          (mbedtls_f_rng_t *)test_rng, &rng_state), 0);
#else
    assert_int_equal(mbedtls_pk_parse_key(pk, s->key.der, s->key.len, NULL, 0), 0);
#endif
    s->pk = pk;
#if TIP_CONF_CRYPTO_PSA
    {
        psa_key_attributes_t at = PSA_KEY_ATTRIBUTES_INIT;
        psa_key_id_t id = 0;
        assert_int_equal(mbedtls_pk_get_psa_attributes(pk, PSA_KEY_USAGE_SIGN_HASH, &at), 0);
        assert_int_equal(mbedtls_pk_import_into_psa(pk, &at, &id), 0);
        s->psa_id = id;
        if (PSA_KEY_TYPE_IS_RSA(psa_get_key_type(&at))) {
            psa_set_key_algorithm(&at, PSA_ALG_RSA_PSS(PSA_ALG_ANY_HASH));
            assert_int_equal(mbedtls_pk_import_into_psa(pk, &at, &id), 0);
            s->psa_id_pss = id;
        }
        psa_reset_key_attributes(&at);
    }
    s->fn = tip_ike_sign_psa;
    s->arg = &s->psa_id;
#else
    s->pks.pk = pk;
    s->pks.random = test_rng;
    s->pks.random_arg = &rng_state;
    s->fn = tip_ike_sign_mbedtls_pk;
    s->arg = &s->pks;
#endif
}

void tip_test_signer_free(tip_test_signer_t *s)
{
#if TIP_CONF_CRYPTO_PSA
    if (s->psa_id != 0)
        (void)psa_destroy_key(s->psa_id);
    if (s->psa_id_pss != 0)
        (void)psa_destroy_key(s->psa_id_pss);
#endif
    if (s->pk != NULL) {
        mbedtls_pk_free((mbedtls_pk_context *)s->pk);
        free(s->pk);
    }
    memset(s, 0, sizeof(*s));
}

int tip_test_sign(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash, size_t hash_len,
                  uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    tip_test_signer_t *s = (tip_test_signer_t *)arg;
    void *a = s->arg;

    s->calls++;
#if TIP_CONF_CRYPTO_PSA
    if (scheme == TIP_SIG_RSA_PSS_SHA256 || scheme == TIP_SIG_RSA_PSS_SHA384 ||
        scheme == TIP_SIG_RSA_PSS_SHA512)
        a = &s->psa_id_pss;
#endif
    return s->fn(a, scheme, hash, hash_len, sig, sig_size, sig_len);
}

void tip_test_conn_cert(tip_ike_conn_t *c, tip_test_der_t *store, const char *const *chain,
                        const char *const *cas, tip_test_signer_t *s)
{
    unsigned i, k = 0;

    c->auth = TIP_AUTH_CERT;
    c->psk_len = 0;
    c->cert_count = 0;
    c->ca_count = 0;
    for (i = 0; chain[i] != NULL; i++, k++) {
        tip_test_cert_load(&store[k], chain[i]);
        c->cert[i] = store[k].der;
        c->cert_len[i] = store[k].len;
        c->cert_count++;
    }
    for (i = 0; cas[i] != NULL; i++, k++) {
        tip_test_cert_load(&store[k], cas[i]);
        c->ca[i] = store[k].der;
        c->ca_len[i] = store[k].len;
        c->ca_count++;
    }
    c->sign = tip_test_sign;
    c->sign_arg = s;
}

#endif /* TIP_CONF_IKE_CERT */
