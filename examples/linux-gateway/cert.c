/*
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cert.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#if TIP_CONF_IKE_CERT
#include <mbedtls/pk.h>
#include <mbedtls/version.h>
#if TIP_CONF_CRYPTO_PSA
#include <psa/crypto.h>
#endif

#define GW_FILES (TIP_IKE_CERT_CHAIN_MAX + TIP_IKE_CA_MAX + 1)

/* Static: the connection keeps pointers into these for the program's life. */
static unsigned char files[GW_FILES][GW_CERT_FILE_MAX];
static size_t n_files;
static mbedtls_pk_context key_ctx;
#if TIP_CONF_CRYPTO_PSA
static psa_key_id_t key_id;
#else
static tip_ike_pk_signer_t signer;
#endif

static int read_file(const char *path, const unsigned char **out, size_t *len, char *err,
                     size_t err_len)
{
    FILE *f;
    size_t n;

    if (n_files == GW_FILES) {
        snprintf(err, err_len, "too many files");
        return -1;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* one byte more for the NUL that Mbed TLS wants after PEM text */
    n = fread(files[n_files], 1, GW_CERT_FILE_MAX - 1, f);
    fclose(f);
    if (n == 0 || n == GW_CERT_FILE_MAX - 1) {
        snprintf(err, err_len, "%s: empty or larger than %d bytes", path, GW_CERT_FILE_MAX - 2);
        return -1;
    }
    files[n_files][n] = 0;
    *out = files[n_files++];
    *len = n;
    return 0;
}

/* Read the comma-separated files of @p list into @p der / @p len (at most @p max). */
static int read_list(const char *list, const uint8_t **der, size_t *len, uint8_t *count,
                     unsigned max, char *err, size_t err_len)
{
    char buf[512], *p, *next;

    snprintf(buf, sizeof(buf), "%s", list);
    *count = 0;
    for (p = buf; p != NULL; p = next) {
        next = strchr(p, ',');
        if (next != NULL)
            *next++ = '\0';
        while (*p == ' ')
            p++;
        if (*p == '\0')
            continue;
        if (*count == max) {
            snprintf(err, err_len, "more than %u files", max);
            return -1;
        }
        if (read_file(p, &der[*count], &len[*count], err, err_len) != 0)
            return -1;
        (*count)++;
    }
    return 0;
}

static int random_bytes(void *arg, uint8_t *out, size_t len)
{
    FILE *f = fopen("/dev/urandom", "rb");
    size_t n = 0;

    (void)arg;
    if (f != NULL) {
        n = fread(out, 1, len, f);
        fclose(f);
    }
    return n == len ? 0 : TIP_ERR_CRYPTO;
}

int gw_cert_load(tip_ike_conn_t *c, const char *certs, const char *cas, const char *key,
                 char *err, size_t err_len)
{
    const unsigned char *k;
    size_t klen;
    int ret;

    c->auth = TIP_AUTH_CERT;
    if (read_list(certs, c->cert, c->cert_len, &c->cert_count, TIP_IKE_CERT_CHAIN_MAX, err,
                  err_len) != 0 ||
        read_list(cas, c->ca, c->ca_len, &c->ca_count, TIP_IKE_CA_MAX, err, err_len) != 0 ||
        read_file(key, &k, &klen, err, err_len) != 0)
        return -1;
    mbedtls_pk_init(&key_ctx);
#if TIP_CONF_CRYPTO_PSA
    if (psa_crypto_init() != PSA_SUCCESS) {
        snprintf(err, err_len, "psa_crypto_init failed");
        return -1;
    }
#endif
    /* PEM text is parsed with its NUL (read_file() put one after it) */
    if (k[0] != 0x30)
        klen++;
#if MBEDTLS_VERSION_NUMBER >= 0x04000000
    ret = mbedtls_pk_parse_key(&key_ctx, k, klen, NULL, 0);
#elif MBEDTLS_VERSION_NUMBER >= 0x03000000
    ret = mbedtls_pk_parse_key(&key_ctx, k, klen, NULL, 0, random_bytes, NULL);
#else
    ret = mbedtls_pk_parse_key(&key_ctx, k, klen, NULL, 0);
#endif
    if (ret != 0) {
        snprintf(err, err_len, "%s: not a private key Mbed TLS can read (-0x%04x)", key,
                 (unsigned)-ret);
        return -1;
    }
#if TIP_CONF_CRYPTO_PSA
    {
        psa_key_attributes_t at = PSA_KEY_ATTRIBUTES_INIT;
        (void)random_bytes;
        int bad = mbedtls_pk_get_psa_attributes(&key_ctx, PSA_KEY_USAGE_SIGN_HASH, &at) != 0;
        /* A PSA key permits one algorithm: PKCS#1 v1.5 for an RSA key
         * unless rsa_pss asks for PSS (the library signs with that). */
        if (!bad && c->rsa_pss && PSA_KEY_TYPE_IS_RSA(psa_get_key_type(&at)))
            psa_set_key_algorithm(&at, PSA_ALG_RSA_PSS(PSA_ALG_ANY_HASH));
        if (bad || mbedtls_pk_import_into_psa(&key_ctx, &at, &key_id) != 0) {
            snprintf(err, err_len, "%s: cannot import the key into PSA", key);
            return -1;
        }
        psa_reset_key_attributes(&at);
        mbedtls_pk_free(&key_ctx); /* the key lives in the PSA key store now */
    }
    c->sign = tip_ike_sign_psa;
    c->sign_arg = &key_id;
#else
    signer.pk = &key_ctx;
    signer.random = random_bytes;
    signer.random_arg = NULL;
    c->sign = tip_ike_sign_mbedtls_pk;
    c->sign_arg = &signer;
#endif
    return 0;
}

#else /* !TIP_CONF_IKE_CERT */

int gw_cert_load(tip_ike_conn_t *c, const char *certs, const char *cas, const char *key,
                 char *err, size_t err_len)
{
    (void)c;
    (void)certs;
    (void)cas;
    (void)key;
    snprintf(err, err_len, "this build has no certificate support (TIP_CONF_IKE_CERT=0)");
    return -1;
}

#endif
