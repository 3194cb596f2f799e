/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Certificates and signatures for IKEv2 (TIP_CONF_IKE_CERT), for both
 * crypto backends: Mbed TLS's X.509 and PK modules have the same API on
 * the classic backend (2.28, 3.6) and on the PSA one (3.6 with PSA, 4.x
 * on TF-PSA-Crypto), apart from the few calls marked below. Hashes go
 * through the backend's own API (mbedtls_md or psa_hash_*), and each
 * backend has its ready signer: an mbedtls_pk_context (classic) or a PSA
 * key id (PSA).
 *
 * Certificates are parsed on Mbed TLS's heap while one IKE_AUTH is built
 * or checked, and freed before the call returns: nothing is kept, and no
 * ESP packet ever comes here.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"

#if TIP_CONF_IKE_CERT

#include <mbedtls/version.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#if !TIP_CONF_CRYPTO_PSA
#include <mbedtls/ecdsa.h>
#endif
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#if TIP_CONF_CRYPTO_PSA
#include <psa/crypto.h>
#endif

#if MBEDTLS_VERSION_NUMBER >= 0x04000000
#define TIP_MBEDTLS4 1
#else
#define TIP_MBEDTLS4 0
#endif

/* An Mbed TLS built without X.509 certificates (a small embedded
 * configuration) leaves the certificate calls answering
 * TIP_ERR_UNSUPPORTED, so tip_ike_conn_add() refuses a certificate
 * connection; the ECDSA encoding helpers need nothing from it. */
#if defined(MBEDTLS_X509_CRT_PARSE_C) && defined(MBEDTLS_PK_C) && defined(MBEDTLS_MD_C)
#define TIP_HAVE_X509 1
#else
#define TIP_HAVE_X509 0
#endif
#if defined(MBEDTLS_RSA_C) && !TIP_MBEDTLS4
#define TIP_HAVE_RSA_CTX 1
#else
#define TIP_HAVE_RSA_CTX 0
#endif

/* ---- schemes ---------------------------------------------------------- */

static mbedtls_md_type_t tip_sig_md(tip_sig_scheme_t s)
{
    switch (s) {
    case TIP_SIG_RSA_PKCS1_SHA1:
        return MBEDTLS_MD_SHA1;
    case TIP_SIG_ECDSA_SHA256:
    case TIP_SIG_RSA_PKCS1_SHA256:
    case TIP_SIG_RSA_PSS_SHA256:
        return MBEDTLS_MD_SHA256;
    case TIP_SIG_ECDSA_SHA384:
    case TIP_SIG_RSA_PKCS1_SHA384:
    case TIP_SIG_RSA_PSS_SHA384:
        return MBEDTLS_MD_SHA384;
    case TIP_SIG_ECDSA_SHA512:
    case TIP_SIG_RSA_PKCS1_SHA512:
    case TIP_SIG_RSA_PSS_SHA512:
        return MBEDTLS_MD_SHA512;
    default:
        return MBEDTLS_MD_NONE;
    }
}

static inline int tip_sig_is_ecdsa(tip_sig_scheme_t s)
{
    return s == TIP_SIG_ECDSA_SHA256 || s == TIP_SIG_ECDSA_SHA384 || s == TIP_SIG_ECDSA_SHA512;
}

static inline int tip_sig_is_pss(tip_sig_scheme_t s)
{
    return s == TIP_SIG_RSA_PSS_SHA256 || s == TIP_SIG_RSA_PSS_SHA384 ||
           s == TIP_SIG_RSA_PSS_SHA512;
}

size_t tip_crypto_sig_hash_len(tip_sig_scheme_t scheme)
{
    switch (tip_sig_md(scheme)) {
    case MBEDTLS_MD_SHA1:
        return 20;
    case MBEDTLS_MD_SHA256:
        return 32;
    case MBEDTLS_MD_SHA384:
        return 48;
    case MBEDTLS_MD_SHA512:
        return 64;
    default:
        return 0;
    }
}

#if TIP_CONF_CRYPTO_PSA
static psa_algorithm_t tip_psa_hash(mbedtls_md_type_t md)
{
    switch (md) {
    case MBEDTLS_MD_SHA1:
        return PSA_ALG_SHA_1;
    case MBEDTLS_MD_SHA256:
        return PSA_ALG_SHA_256;
    case MBEDTLS_MD_SHA384:
        return PSA_ALG_SHA_384;
    default:
        return PSA_ALG_SHA_512;
    }
}
#endif

int tip_crypto_sig_hash(tip_sig_scheme_t scheme, const tip_iov_t *iov, size_t n, uint8_t *out)
{
    mbedtls_md_type_t md = tip_sig_md(scheme);
    size_t i;
#if TIP_CONF_CRYPTO_PSA
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    psa_status_t st;
    size_t olen = 0;

    if (md == MBEDTLS_MD_NONE || out == NULL || psa_crypto_init() != PSA_SUCCESS)
        return md == MBEDTLS_MD_NONE ? TIP_ERR_UNSUPPORTED : TIP_ERR_CRYPTO;
    st = psa_hash_setup(&op, tip_psa_hash(md));
    for (i = 0; st == PSA_SUCCESS && i < n; i++)
        if (iov[i].len != 0)
            st = psa_hash_update(&op, iov[i].p, iov[i].len);
    if (st == PSA_SUCCESS)
        st = psa_hash_finish(&op, out, tip_crypto_sig_hash_len(scheme), &olen);
    if (st != PSA_SUCCESS) {
        psa_hash_abort(&op);
        return TIP_ERR_CRYPTO;
    }
    return TIP_OK;
#elif !TIP_HAVE_X509
    (void)md;
    (void)i;
    (void)iov;
    (void)n;
    (void)out;
    return TIP_ERR_UNSUPPORTED;
#else
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
    mbedtls_md_context_t c;
    int ret;

    if (info == NULL || out == NULL)
        return TIP_ERR_UNSUPPORTED;
    mbedtls_md_init(&c);
    ret = mbedtls_md_setup(&c, info, 0);
    if (ret == 0)
        ret = mbedtls_md_starts(&c);
    for (i = 0; ret == 0 && i < n; i++)
        if (iov[i].len != 0)
            ret = mbedtls_md_update(&c, iov[i].p, iov[i].len);
    if (ret == 0)
        ret = mbedtls_md_finish(&c, out);
    mbedtls_md_free(&c);
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
#endif
}

/* ---- a small DER reader (bounds-checked; definite lengths up to 3 bytes) */

static int tip_der_tl(const uint8_t **p, const uint8_t *end, uint8_t *tag, size_t *len)
{
    const uint8_t *q = *p;
    size_t l, k;

    if (end - q < 2)
        return -1;
    *tag = *q++;
    l = *q++;
    if (l & 0x80u) {
        k = l & 0x7Fu;
        if (k == 0 || k > 3 || (size_t)(end - q) < k)
            return -1;
        for (l = 0; k > 0; k--)
            l = (l << 8) | *q++;
    }
    if ((size_t)(end - q) < l)
        return -1;
    *p = q;
    *len = l;
    return 0;
}

/* ---- ECDSA signature forms ------------------------------------------- */

static size_t tip_der_int_len(const uint8_t *v, size_t n)
{
    while (n > 1 && v[0] == 0) {
        v++;
        n--;
    }
    return n + ((v[0] & 0x80u) ? 1u : 0u);
}

static uint8_t *tip_der_put_int(uint8_t *o, const uint8_t *v, size_t n)
{
    while (n > 1 && v[0] == 0) {
        v++;
        n--;
    }
    *o++ = 0x02;
    *o++ = (uint8_t)(n + ((v[0] & 0x80u) ? 1u : 0u));
    if (v[0] & 0x80u)
        *o++ = 0;
    memcpy(o, v, n);
    return o + n;
}

int tip_crypto_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t *der, size_t size,
                                size_t *der_len)
{
    size_t h = raw_len / 2, lr, ls, body, hdr;
    uint8_t *o = der;

    if (raw == NULL || der == NULL || der_len == NULL || raw_len == 0 || (raw_len & 1u) ||
        h > 100)
        return TIP_ERR_ARG;
    lr = tip_der_int_len(raw, h);
    ls = tip_der_int_len(raw + h, h);
    body = 2 + lr + 2 + ls;
    hdr = body < 128 ? 2 : 3;
    if (size < hdr + body)
        return TIP_ERR_BUF_SPACE;
    *o++ = 0x30;
    if (body >= 128)
        *o++ = 0x81;
    *o++ = (uint8_t)body;
    o = tip_der_put_int(o, raw, h);
    o = tip_der_put_int(o, raw + h, h);
    *der_len = (size_t)(o - der);
    return TIP_OK;
}

int tip_crypto_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t *raw, size_t raw_len)
{
    const uint8_t *p, *end;
    size_t h = raw_len / 2, l;
    uint8_t tag;
    int i;

    if (der == NULL || raw == NULL || raw_len == 0 || (raw_len & 1u))
        return TIP_ERR_ARG;
    p = der;
    end = der + der_len;
    if (tip_der_tl(&p, end, &tag, &l) != 0 || tag != 0x30 || p + l != end)
        return TIP_ERR_MALFORMED;
    memset(raw, 0, raw_len);
    for (i = 0; i < 2; i++) {
        if (tip_der_tl(&p, end, &tag, &l) != 0 || tag != 0x02 || l == 0)
            return TIP_ERR_MALFORMED;
        while (l > 1 && p[0] == 0) {
            p++;
            l--;
        }
        if (l > h)
            return TIP_ERR_MALFORMED;
        memcpy(raw + (size_t)i * h + (h - l), p, l);
        p += l;
    }
    return p == end ? TIP_OK : TIP_ERR_MALFORMED;
}

#if TIP_HAVE_X509

/* ---- certificates ------------------------------------------------------ */

/* The key kind from the SubjectPublicKeyInfo's algorithm OID (RFC 5280 4.1). */
static int tip_spki_kind(const mbedtls_x509_crt *crt)
{
    static const uint8_t ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
    static const uint8_t rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
    const uint8_t *p = crt->pk_raw.p, *end = p + crt->pk_raw.len;
    uint8_t tag;
    size_t l;

    if (tip_der_tl(&p, end, &tag, &l) != 0 || tag != 0x30 ||   /* SubjectPublicKeyInfo */
        tip_der_tl(&p, end, &tag, &l) != 0 || tag != 0x30 ||   /* AlgorithmIdentifier */
        tip_der_tl(&p, end, &tag, &l) != 0 || tag != 0x06)     /* algorithm */
        return 0;
    if (l == sizeof(ec) && memcmp(p, ec, l) == 0)
        return TIP_CRYPTO_KEY_EC;
    if (l == sizeof(rsa) && memcmp(p, rsa, l) == 0)
        return TIP_CRYPTO_KEY_RSA;
    return 0;
}

static int tip_x509_ready(void)
{
#if TIP_CONF_CRYPTO_PSA
    /* X.509 and PK run on PSA here; psa_crypto_init() may be called again. */
    return psa_crypto_init() == PSA_SUCCESS ? TIP_OK : TIP_ERR_CRYPTO;
#else
    return TIP_OK;
#endif
}

int tip_crypto_cert_key(const uint8_t *der, size_t len, uint8_t *kind, size_t *bits)
{
    mbedtls_x509_crt crt;
    int err = tip_x509_ready(), k;

    if (der == NULL || kind == NULL || bits == NULL)
        return TIP_ERR_ARG;
    if (err != TIP_OK)
        return err;
    mbedtls_x509_crt_init(&crt);
    if (mbedtls_x509_crt_parse_der(&crt, der, len) != 0) {
        err = TIP_ERR_MALFORMED;
    } else {
        k = tip_spki_kind(&crt);
        *kind = (uint8_t)k;
        *bits = mbedtls_pk_get_bitlen(&crt.pk);
        err = k == 0 ? TIP_ERR_UNSUPPORTED : TIP_OK;
    }
    mbedtls_x509_crt_free(&crt);
    return err;
}

int tip_crypto_cert_spki_sha1(const uint8_t *der, size_t len, uint8_t out[20])
{
    mbedtls_x509_crt crt;
    tip_iov_t iov;
    int err = tip_x509_ready();

    if (der == NULL || out == NULL)
        return TIP_ERR_ARG;
    if (err != TIP_OK)
        return err;
    mbedtls_x509_crt_init(&crt);
    if (mbedtls_x509_crt_parse_der(&crt, der, len) != 0) {
        err = TIP_ERR_MALFORMED;
    } else {
        iov.p = crt.pk_raw.p;
        iov.len = crt.pk_raw.len;
        err = tip_crypto_sha1(&iov, 1, out);
    }
    mbedtls_x509_crt_free(&crt);
    return err;
}

/* ASCII case-insensitive equality of two strings of equal length. */
static int tip_eq_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        uint8_t x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (uint8_t)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (uint8_t)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/*
 * Is the identity in the subjectAltName extension (RFC 5280 4.2.1.6)?
 * RFC 4945 3.1: ID_FQDN matches a dNSName, ID_RFC822_ADDR an rfc822Name,
 * ID_IPV4_ADDR / ID_IPV6_ADDR an iPAddress. The extensions are walked here
 * rather than through Mbed TLS's parsed list, which 2.28 fills only with
 * dNSName entries.
 */
static int tip_san_has(const mbedtls_x509_crt *crt, uint8_t want_tag, const uint8_t *id,
                       size_t id_len)
{
    static const uint8_t san_oid[] = {0x55, 0x1d, 0x11};
    const uint8_t *p = crt->v3_ext.p, *end;
    uint8_t tag;
    size_t l;

    if (p == NULL)
        return 0;
    end = p + crt->v3_ext.len;
    if (tip_der_tl(&p, end, &tag, &l) != 0)
        return 0;
    if (tag == 0xA3 && (tip_der_tl(&p, end, &tag, &l) != 0))
        return 0;
    if (tag != 0x30)
        return 0;
    end = p + l;
    while (p < end) { /* Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue } */
        const uint8_t *e, *eend, *oid;
        size_t oid_len;

        if (tip_der_tl(&p, end, &tag, &l) != 0 || tag != 0x30)
            return 0;
        e = p;
        eend = p + l;
        p = eend;
        if (tip_der_tl(&e, eend, &tag, &oid_len) != 0 || tag != 0x06)
            return 0;
        oid = e;
        e += oid_len;
        if (oid_len != sizeof(san_oid) || memcmp(oid, san_oid, oid_len) != 0)
            continue;
        if (tip_der_tl(&e, eend, &tag, &l) != 0)
            return 0;
        if (tag == 0x01) { /* critical */
            e += l;
            if (tip_der_tl(&e, eend, &tag, &l) != 0)
                return 0;
        }
        if (tag != 0x04 || tip_der_tl(&e, e + l, &tag, &l) != 0 || tag != 0x30)
            return 0;
        eend = e + l;
        while (e < eend) { /* GeneralName */
            if (tip_der_tl(&e, eend, &tag, &l) != 0)
                return 0;
            if (tag == want_tag && l == id_len &&
                (want_tag == 0x87 ? memcmp(e, id, l) == 0 : tip_eq_nocase(e, id, l)))
                return 1;
            e += l;
        }
        return 0;
    }
    return 0;
}

static int tip_id_in_cert(const mbedtls_x509_crt *crt, uint8_t type, const uint8_t *id,
                          size_t len)
{
    switch (type) {
    case TIP_ID_FQDN:
        return tip_san_has(crt, 0x82, id, len); /* [2] dNSName */
    case TIP_ID_RFC822_ADDR:
        return tip_san_has(crt, 0x81, id, len); /* [1] rfc822Name */
    case TIP_ID_IPV4_ADDR:
    case TIP_ID_IPV6_ADDR:
        return tip_san_has(crt, 0x87, id, len); /* [7] iPAddress */
    case TIP_ID_DER_ASN1_DN:
        return crt->subject_raw.len == len && memcmp(crt->subject_raw.p, id, len) == 0;
    default:
        return 0; /* KEY_ID names no certificate field */
    }
}

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian). */
static void tip_civil(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2 ? 1 : 0));
}

/* -1, 0, 1: @p now before, at, after time @p t. */
static int tip_time_cmp(const int now[6], const mbedtls_x509_time *t)
{
    const int tt[6] = {t->year, t->mon, t->day, t->hour, t->min, t->sec};
    int i;

    for (i = 0; i < 6; i++)
        if (now[i] != tt[i])
            return now[i] < tt[i] ? -1 : 1;
    return 0;
}

typedef struct {
    int have_time;
    int now[6];
} tip_vrfy_t;

/*
 * Called by mbedtls_x509_crt_verify() for every certificate of the chain it
 * built (trust anchor included): the validity times are judged by the
 * port's wall clock, not by the C library's time() that Mbed TLS would use
 * (an embedded target often has none, or a wrong one).
 */
static int tip_vrfy_time(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    const tip_vrfy_t *v = (const tip_vrfy_t *)arg;

    (void)depth;
    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (v->have_time) {
        if (tip_time_cmp(v->now, &crt->valid_from) < 0)
            *flags |= MBEDTLS_X509_BADCERT_FUTURE;
        if (tip_time_cmp(v->now, &crt->valid_to) > 0)
            *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
    }
    return 0;
}

static int tip_verify_sig(mbedtls_x509_crt *crt, const tip_crypto_cert_check_t *r)
{
    mbedtls_md_type_t md = tip_sig_md(r->scheme);
    int kind = tip_spki_kind(crt), ret;

    if (md == MBEDTLS_MD_NONE || r->hash_len != tip_crypto_sig_hash_len(r->scheme))
        return TIP_ERR_AUTH;
    if (kind != (tip_sig_is_ecdsa(r->scheme) ? TIP_CRYPTO_KEY_EC : TIP_CRYPTO_KEY_RSA))
        return TIP_ERR_AUTH;
    if (r->key_bits != 0 && mbedtls_pk_get_bitlen(&crt->pk) != r->key_bits)
        return TIP_ERR_AUTH;
#if TIP_MBEDTLS4
    ret = mbedtls_pk_verify_ext(tip_sig_is_ecdsa(r->scheme) ? MBEDTLS_PK_SIGALG_ECDSA
                                : tip_sig_is_pss(r->scheme) ? MBEDTLS_PK_SIGALG_RSA_PSS
                                                            : MBEDTLS_PK_SIGALG_RSA_PKCS1V15,
                                &crt->pk, md, r->hash, r->hash_len, r->sig, r->sig_len);
#else
    if (tip_sig_is_pss(r->scheme)) {
        mbedtls_pk_rsassa_pss_options o;
        o.mgf1_hash_id = md;
        o.expected_salt_len = (int)r->hash_len; /* RFC 7427 A.4: salt as long as the hash */
        ret = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &o, &crt->pk, md, r->hash,
                                    r->hash_len, r->sig, r->sig_len);
    } else if (tip_sig_is_ecdsa(r->scheme)) {
        ret = mbedtls_pk_verify_ext(MBEDTLS_PK_ECDSA, NULL, &crt->pk, md, r->hash, r->hash_len,
                                    r->sig, r->sig_len);
    } else {
        ret = mbedtls_pk_verify_ext(MBEDTLS_PK_RSA, NULL, &crt->pk, md, r->hash, r->hash_len,
                                    r->sig, r->sig_len);
    }
#endif
    return ret == 0 ? TIP_OK : TIP_ERR_AUTH;
}

int tip_crypto_cert_check(const tip_crypto_cert_check_t *r)
{
    mbedtls_x509_crt chain, trust;
    tip_vrfy_t v;
    uint32_t flags = 0;
    size_t i;
    int err = TIP_ERR_INTERNAL, ret;

    if (r == NULL || r->chain_n == 0 || r->ca_n == 0 || r->sig == NULL || r->hash == NULL)
        return TIP_ERR_ARG;
    err = tip_x509_ready();
    if (err != TIP_OK)
        return err;
    memset(&v, 0, sizeof(v));
    if (r->now >= 0) {
        int64_t s = r->now % 86400;
        v.have_time = 1;
        tip_civil(r->now / 86400, &v.now[0], &v.now[1], &v.now[2]);
        v.now[3] = (int)(s / 3600);
        v.now[4] = (int)(s / 60 % 60);
        v.now[5] = (int)(s % 60);
    }
    mbedtls_x509_crt_init(&chain);
    mbedtls_x509_crt_init(&trust);
    err = TIP_OK;
    for (i = 0; err == TIP_OK && i < r->ca_n; i++)
        if (mbedtls_x509_crt_parse_der(&trust, r->ca[i], r->ca_len[i]) != 0)
            err = TIP_ERR_CERT;
    /* RFC 7296 3.6: the first certificate holds the key that signs AUTH;
     * the others are intermediates, untrusted until the chain checks. */
    for (i = 0; err == TIP_OK && i < r->chain_n; i++)
        if (mbedtls_x509_crt_parse_der(&chain, r->chain[i], r->chain_len[i]) != 0)
            err = TIP_ERR_CERT;
    if (err == TIP_OK) {
        ret = mbedtls_x509_crt_verify_with_profile(&chain, &trust, NULL,
                                                   &mbedtls_x509_crt_profile_default, NULL,
                                                   &flags, tip_vrfy_time, &v);
        if (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE))
            err = TIP_ERR_CERT_TIME;
        else if (ret != 0 || flags != 0)
            err = TIP_ERR_CERT;
    }
    /* RFC 5280 4.2.1.3: a key usage extension without digitalSignature
     * forbids signing AUTH; no extension allows it. */
    if (err == TIP_OK &&
        mbedtls_x509_crt_check_key_usage(&chain, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0)
        err = TIP_ERR_CERT;
    if (err == TIP_OK && !tip_id_in_cert(&chain, r->id_type, r->id, r->id_len))
        err = TIP_ERR_CERT_ID;
    if (err == TIP_OK)
        err = tip_verify_sig(&chain, r);
    mbedtls_x509_crt_free(&chain);
    mbedtls_x509_crt_free(&trust);
    return err;
}

/* ---- ready signers ------------------------------------------------------ */

#if !TIP_CONF_CRYPTO_PSA
int tip_ike_sign_mbedtls_pk(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash,
                            size_t hash_len, uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    const tip_ike_pk_signer_t *s = (const tip_ike_pk_signer_t *)arg;
    mbedtls_md_type_t md = tip_sig_md(scheme);
    mbedtls_pk_context *pk;
    /* Only ECDSA signatures pass through here, as DER: the largest curve's
     * Ecdsa-Sig-Value, not MBEDTLS_PK_SIGNATURE_MAX_SIZE (1 KB with RSA). */
    uint8_t der[MBEDTLS_ECDSA_MAX_LEN];
    size_t dlen = 0, half;
    int ret;

    if (s == NULL || s->pk == NULL || s->random == NULL || hash == NULL || sig == NULL ||
        sig_len == NULL || md == MBEDTLS_MD_NONE || hash_len != tip_crypto_sig_hash_len(scheme))
        return TIP_ERR_ARG;
    pk = (mbedtls_pk_context *)s->pk;
    if (tip_sig_is_ecdsa(scheme)) {
        if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA))
            return TIP_ERR_ARG;
        half = (mbedtls_pk_get_bitlen(pk) + 7) / 8;
        if (sig_size < 2 * half)
            return TIP_ERR_BUF_SPACE;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
        ret = mbedtls_pk_sign(pk, md, hash, hash_len, der, sizeof(der), &dlen, s->random,
                              s->random_arg);
#else
        ret = mbedtls_pk_sign(pk, md, hash, hash_len, der, &dlen, s->random, s->random_arg);
#endif
        if (ret != 0)
            return TIP_ERR_CRYPTO;
        *sig_len = 2 * half;
        return tip_crypto_ecdsa_der_to_raw(der, dlen, sig, 2 * half) == TIP_OK ? TIP_OK
                                                                            : TIP_ERR_CRYPTO;
    }
#if !TIP_HAVE_RSA_CTX
    return TIP_ERR_UNSUPPORTED;
#else
    if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_RSA)
        return TIP_ERR_ARG;
    if (sig_size < mbedtls_pk_get_len(pk))
        return TIP_ERR_BUF_SPACE;
    /* The key's padding decides PKCS#1 v1.5 or PSS; it goes back to v1.5. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    (void)mbedtls_rsa_set_padding(mbedtls_pk_rsa(*pk),
                                  tip_sig_is_pss(scheme) ? MBEDTLS_RSA_PKCS_V21
                                                         : MBEDTLS_RSA_PKCS_V15,
                                  tip_sig_is_pss(scheme) ? md : MBEDTLS_MD_NONE);
#else
    /* 2.28 takes the hash as an int */
    mbedtls_rsa_set_padding(mbedtls_pk_rsa(*pk),
                            tip_sig_is_pss(scheme) ? MBEDTLS_RSA_PKCS_V21 : MBEDTLS_RSA_PKCS_V15,
                            (int)(tip_sig_is_pss(scheme) ? md : MBEDTLS_MD_NONE));
#endif
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    ret = mbedtls_pk_sign(pk, md, hash, hash_len, sig, sig_size, sig_len, s->random,
                          s->random_arg);
#else
    ret = mbedtls_pk_sign(pk, md, hash, hash_len, sig, sig_len, s->random, s->random_arg);
#endif
    (void)mbedtls_rsa_set_padding(mbedtls_pk_rsa(*pk), MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
#endif
}
#endif /* !TIP_CONF_CRYPTO_PSA */

#else /* !TIP_HAVE_X509 */

int tip_crypto_cert_key(const uint8_t *der, size_t len, uint8_t *kind, size_t *bits)
{
    (void)der;
    (void)len;
    (void)kind;
    (void)bits;
    return TIP_ERR_UNSUPPORTED;
}

int tip_crypto_cert_spki_sha1(const uint8_t *der, size_t len, uint8_t out[20])
{
    (void)der;
    (void)len;
    (void)out;
    return TIP_ERR_UNSUPPORTED;
}

int tip_crypto_cert_check(const tip_crypto_cert_check_t *req)
{
    (void)req;
    return TIP_ERR_UNSUPPORTED;
}

#if !TIP_CONF_CRYPTO_PSA
int tip_ike_sign_mbedtls_pk(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash,
                            size_t hash_len, uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    (void)arg;
    (void)scheme;
    (void)hash;
    (void)hash_len;
    (void)sig;
    (void)sig_size;
    (void)sig_len;
    return TIP_ERR_UNSUPPORTED;
}
#endif
#endif /* TIP_HAVE_X509 */

#if TIP_CONF_CRYPTO_PSA
int tip_ike_sign_psa(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash, size_t hash_len,
                     uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    mbedtls_md_type_t md = tip_sig_md(scheme);
    psa_algorithm_t h, alg;

    if (arg == NULL || hash == NULL || sig == NULL || sig_len == NULL ||
        md == MBEDTLS_MD_NONE || hash_len != tip_crypto_sig_hash_len(scheme))
        return TIP_ERR_ARG;
    if (psa_crypto_init() != PSA_SUCCESS)
        return TIP_ERR_CRYPTO;
    h = tip_psa_hash(md);
    alg = tip_sig_is_ecdsa(scheme) ? PSA_ALG_ECDSA(h)
          : tip_sig_is_pss(scheme) ? PSA_ALG_RSA_PSS(h)
                                   : PSA_ALG_RSA_PKCS1V15_SIGN(h);
    if (tip_sig_is_ecdsa(scheme)) {
        /* A key made for deterministic ECDSA (RFC 6979) permits only that. */
        psa_key_attributes_t at = PSA_KEY_ATTRIBUTES_INIT;
        if (psa_get_key_attributes(*(const psa_key_id_t *)arg, &at) == PSA_SUCCESS &&
            PSA_ALG_IS_DETERMINISTIC_ECDSA(psa_get_key_algorithm(&at)))
            alg = PSA_ALG_DETERMINISTIC_ECDSA(h);
        psa_reset_key_attributes(&at);
    }
    /* psa_sign_hash gives ECDSA as r || s already (PSA Crypto API 10.10). */
    return psa_sign_hash(*(const psa_key_id_t *)arg, alg, hash, hash_len, sig, sig_size,
                         sig_len) == PSA_SUCCESS
               ? TIP_OK
               : TIP_ERR_CRYPTO;
}
#endif

#endif /* TIP_CONF_IKE_CERT */
