/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Certificate authentication (TIP_CONF_IKE_CERT): the
 * SIGNATURE_HASH_ALGORITHMS notify of IKE_SA_INIT (RFC 7427 4), our CERT
 * and CERTREQ payloads (RFC 7296 3.6, 3.7), our signature in AUTH (RFC 7427
 * 3 method 14, or the classic methods 1 and 9/10 of RFC 7296 3.8 and
 * RFC 4754 for a peer that did not announce hashes), and the check of the
 * peer's AUTH with its certificate chain. The X.509 work is the backend's
 * (tip_crypto_cert_check()); nothing of a certificate is kept in the IKE SA.
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKE_CERT

/* RFC 7427 4 / IANA "Hash Algorithm Identifiers": the ones we sign and verify with. */
#define TIP_HASH_ID_SHA2_256 2
#define TIP_HASH_ID_SHA2_384 3
#define TIP_HASH_ID_SHA2_512 4
#define TIP_HASH_BIT(id) ((uint8_t)(1u << (id)))

/* ---- RFC 7427 appendix A: AlgorithmIdentifier of each scheme (DER) ---- */

#define TIP_OID_PKCS1(n) 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, (n)
#define TIP_OID_SHA2(n) 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, (n)
#define TIP_ALG_RSA(n) 0x30, 0x0d, 0x06, 0x09, TIP_OID_PKCS1(n), 0x05, 0x00
#define TIP_ALG_ECDSA(n) 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, (n)
/* RSASSA-PSS (RFC 4055 3.1) with the hash, MGF1 on the same hash and a salt
 * as long as the hash; the trailer field keeps its default. */
#define TIP_ALG_PSS(h, salt)                                                               \
    0x30, 0x41, 0x06, 0x09, TIP_OID_PKCS1(0x0a), 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06,  \
        0x09, TIP_OID_SHA2(h), 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09,               \
        TIP_OID_PKCS1(0x08), 0x30, 0x0d, 0x06, 0x09, TIP_OID_SHA2(h), 0x05, 0x00, 0xa2, 0x03, \
        0x02, 0x01, (salt)

static const uint8_t tip_alg_rsa256[] = {TIP_ALG_RSA(0x0b)};
static const uint8_t tip_alg_rsa384[] = {TIP_ALG_RSA(0x0c)};
static const uint8_t tip_alg_rsa512[] = {TIP_ALG_RSA(0x0d)};
static const uint8_t tip_alg_ecdsa256[] = {TIP_ALG_ECDSA(0x02)};
static const uint8_t tip_alg_ecdsa384[] = {TIP_ALG_ECDSA(0x03)};
static const uint8_t tip_alg_ecdsa512[] = {TIP_ALG_ECDSA(0x04)};
static const uint8_t tip_alg_pss256[] = {TIP_ALG_PSS(0x01, 0x20)};
static const uint8_t tip_alg_pss384[] = {TIP_ALG_PSS(0x02, 0x30)};
static const uint8_t tip_alg_pss512[] = {TIP_ALG_PSS(0x03, 0x40)};

static const struct {
    const uint8_t *der;
    tip_sig_scheme_t scheme;
    uint8_t hash_id;
    uint8_t len;
} tip_sig_algs[] = {
    {tip_alg_ecdsa256, TIP_SIG_ECDSA_SHA256, TIP_HASH_ID_SHA2_256, sizeof(tip_alg_ecdsa256)},
    {tip_alg_ecdsa384, TIP_SIG_ECDSA_SHA384, TIP_HASH_ID_SHA2_384, sizeof(tip_alg_ecdsa384)},
    {tip_alg_ecdsa512, TIP_SIG_ECDSA_SHA512, TIP_HASH_ID_SHA2_512, sizeof(tip_alg_ecdsa512)},
    {tip_alg_rsa256, TIP_SIG_RSA_PKCS1_SHA256, TIP_HASH_ID_SHA2_256, sizeof(tip_alg_rsa256)},
    {tip_alg_rsa384, TIP_SIG_RSA_PKCS1_SHA384, TIP_HASH_ID_SHA2_384, sizeof(tip_alg_rsa384)},
    {tip_alg_rsa512, TIP_SIG_RSA_PKCS1_SHA512, TIP_HASH_ID_SHA2_512, sizeof(tip_alg_rsa512)},
    {tip_alg_pss256, TIP_SIG_RSA_PSS_SHA256, TIP_HASH_ID_SHA2_256, sizeof(tip_alg_pss256)},
    {tip_alg_pss384, TIP_SIG_RSA_PSS_SHA384, TIP_HASH_ID_SHA2_384, sizeof(tip_alg_pss384)},
    {tip_alg_pss512, TIP_SIG_RSA_PSS_SHA512, TIP_HASH_ID_SHA2_512, sizeof(tip_alg_pss512)},
};
#define TIP_SIG_ALGS (sizeof(tip_sig_algs) / sizeof(tip_sig_algs[0]))

/* The scheme an AlgorithmIdentifier names, TIP_SIG_NONE when unknown. */
tip_sig_scheme_t tip_ike_sig_alg_scheme(const uint8_t *der, size_t len)
{
    unsigned i;

    for (i = 0; i < TIP_SIG_ALGS; i++)
        if (len == tip_sig_algs[i].len && memcmp(der, tip_sig_algs[i].der, len) == 0)
            return tip_sig_algs[i].scheme;
    return TIP_SIG_NONE;
}

static unsigned tip_sig_alg_index(tip_sig_scheme_t s)
{
    unsigned i;

    for (i = 0; i < TIP_SIG_ALGS && tip_sig_algs[i].scheme != s; i++) {
    }
    return i;
}

/* ---- IKE_SA_INIT -------------------------------------------------------- */

/* Our CERTREQ: SHA-1 of each trust anchor's SubjectPublicKeyInfo (3.7). */
static void tip_ike_w_certreq(tip_ike_w_t *w, const tip_ike_conn_t *conn)
{
    uint8_t h[20];
    size_t start = tip_ike_w_begin(w, TIP_IKE_PL_CERTREQ, 0);
    unsigned i;

    tip_ike_w_u8(w, TIP_IKE_CERT_X509_SIG);
    for (i = 0; i < conn->ca_count; i++)
        if (tip_crypto_cert_spki_sha1(conn->ca[i], conn->ca_len[i], h) == TIP_OK)
            tip_ike_w_bytes(w, h, sizeof(h));
    tip_ike_w_end(w, start);
}

void tip_ike_cert_w_init(tip_ike_w_t *w, const tip_ike_conn_t *conn, int responder)
{
    uint8_t d[6];

    if (conn->auth != TIP_AUTH_CERT)
        return;
    /* RFC 7296 3.7: the responder asks for certificates in its IKE_SA_INIT
     * response, the initiator in its IKE_AUTH request. */
    if (responder)
        tip_ike_w_certreq(w, conn);
    tip_store_be16(d, TIP_HASH_ID_SHA2_256);
    tip_store_be16(d + 2, TIP_HASH_ID_SHA2_384);
    tip_store_be16(d + 4, TIP_HASH_ID_SHA2_512);
    tip_ike_w_notify(w, 0, NULL, 0, TIP_IKE_N_SIGNATURE_HASH_ALGORITHMS, d, sizeof(d));
}

uint8_t tip_ike_cert_peer_hashes(const tip_ike_msg_t *m)
{
    tip_ike_notify_t n;
    uint8_t set = 0;
    size_t i;

    /* RFC 7427 4: a list of 2-octet hash identifiers; unknown ones ignored. */
    if (!tip_ike_find_notify(m, TIP_IKE_N_SIGNATURE_HASH_ALGORITHMS, &n))
        return 0;
    for (i = 0; i + 2 <= n.len; i += 2) {
        uint16_t id = tip_load_be16(n.data + i);
        if (id >= TIP_HASH_ID_SHA2_256 && id <= TIP_HASH_ID_SHA2_512)
            set |= TIP_HASH_BIT(id);
    }
    return set;
}

/* ---- our AUTH ------------------------------------------------------------ */

/*
 * Our method and scheme for the key of our certificate: RFC 7427 method 14
 * with a hash the peer announced (the curve's own hash first for ECDSA),
 * else the classic method of the key (RFC 4754 9/10 for P-256/P-384, RFC
 * 7296 method 1 for RSA).
 */
static int tip_ike_our_scheme(const tip_ike_sa_t *sa, const tip_ike_conn_t *conn,
                              uint8_t *method, tip_sig_scheme_t *scheme)
{
    static const uint8_t pref[3] = {TIP_HASH_ID_SHA2_256, TIP_HASH_ID_SHA2_384,
                                    TIP_HASH_ID_SHA2_512};
    uint8_t kind = 0, hid = 0;
    size_t bits = 0;
    unsigned i;
    int err = tip_crypto_cert_key(conn->cert[0], conn->cert_len[0], &kind, &bits);

    if (err != TIP_OK)
        return err;
    if (kind == TIP_CRYPTO_KEY_EC && bits != 256 && bits != 384)
        return TIP_ERR_UNSUPPORTED;
    if (sa->peer_sig_hashes != 0) {
        if (kind == TIP_CRYPTO_KEY_EC &&
            (sa->peer_sig_hashes & TIP_HASH_BIT(bits == 256 ? TIP_HASH_ID_SHA2_256
                                                            : TIP_HASH_ID_SHA2_384)))
            hid = bits == 256 ? TIP_HASH_ID_SHA2_256 : TIP_HASH_ID_SHA2_384;
        for (i = 0; hid == 0 && i < 3; i++)
            if (sa->peer_sig_hashes & TIP_HASH_BIT(pref[i]))
                hid = pref[i];
        *method = TIP_IKE_AUTH_DIGITAL_SIG;
        for (i = 0; i < TIP_SIG_ALGS; i++) {
            tip_sig_scheme_t s = tip_sig_algs[i].scheme;
            int ec = s == TIP_SIG_ECDSA_SHA256 || s == TIP_SIG_ECDSA_SHA384 ||
                     s == TIP_SIG_ECDSA_SHA512;
            int pss = s == TIP_SIG_RSA_PSS_SHA256 || s == TIP_SIG_RSA_PSS_SHA384 ||
                      s == TIP_SIG_RSA_PSS_SHA512;
            if (tip_sig_algs[i].hash_id == hid && ec == (kind == TIP_CRYPTO_KEY_EC) &&
                (ec || pss == (conn->rsa_pss != 0))) {
                *scheme = s;
                return TIP_OK;
            }
        }
        return TIP_ERR_UNSUPPORTED;
    }
    if (kind == TIP_CRYPTO_KEY_EC) {
        *method = bits == 256 ? TIP_IKE_AUTH_ECDSA_256 : TIP_IKE_AUTH_ECDSA_384;
        *scheme = bits == 256 ? TIP_SIG_ECDSA_SHA256 : TIP_SIG_ECDSA_SHA384;
    } else {
        *method = TIP_IKE_AUTH_RSA_SIG; /* RFC 7296 3.8: PKCS#1 v1.5 with SHA-1 */
        *scheme = TIP_SIG_RSA_PKCS1_SHA1;
    }
    return TIP_OK;
}

void tip_ike_cert_w_certs(tip_ike_w_t *w, const tip_ike_conn_t *conn, int initiator)
{
    unsigned i;

    /* RFC 7296 3.6: the first CERT holds the key that signs AUTH. Sent
     * whether or not the peer asked (CERTREQ), for the peer cannot know our
     * key otherwise. */
    for (i = 0; i < conn->cert_count; i++) {
        size_t start = tip_ike_w_begin(w, TIP_IKE_PL_CERT, 0);
        tip_ike_w_u8(w, TIP_IKE_CERT_X509_SIG);
        tip_ike_w_bytes(w, conn->cert[i], conn->cert_len[i]);
        tip_ike_w_end(w, start);
    }
    if (initiator)
        tip_ike_w_certreq(w, conn);
}

void tip_ike_cert_w_auth(tip_ctx_t *ctx, tip_ike_w_t *w, const tip_ike_sa_t *sa,
                         const tip_ike_conn_t *conn, const uint8_t *id_body, size_t id_len)
{
    uint8_t macid[TIP_IKE_PRF_MAX], hash[64], sig[TIP_IKE_SIG_MAX];
    uint8_t data[1 + 80 + TIP_IKE_SIG_MAX];
    tip_sig_scheme_t scheme = TIP_SIG_NONE;
    tip_iov_t iov[3];
    uint8_t method = 0;
    size_t sig_len = 0, n = 0;
    int err;

    err = tip_ike_our_scheme(sa, conn, &method, &scheme);
    if (err == TIP_OK)
        err = tip_ike_signed_octets(ctx, sa, sa->initiator, id_body, id_len, iov, macid);
    if (err == TIP_OK)
        err = tip_crypto_sig_hash(scheme, iov, 3, hash);
    tip_crypto_zeroize(macid, sizeof(macid));
    if (err == TIP_OK) {
        /* Whatever the signer says, the failure is reported as its own. */
        err = conn->sign(conn->sign_arg, scheme, hash, tip_crypto_sig_hash_len(scheme), sig,
                         sizeof(sig), &sig_len);
        if (err != TIP_OK || sig_len == 0 || sig_len > sizeof(sig)) {
            tip_ike_log(ctx, TIP_LOG_ERROR, "IKE_AUTH: the signer failed to sign our AUTH");
            err = TIP_ERR_SIGN;
        }
    }
    if (err == TIP_OK && method == TIP_IKE_AUTH_DIGITAL_SIG) {
        /* RFC 7427 3: length of the AlgorithmIdentifier, it, the signature
         * (ECDSA as the DER Ecdsa-Sig-Value of RFC 3279 2.2.3). */
        unsigned i = tip_sig_alg_index(scheme);
        data[0] = tip_sig_algs[i].len;
        memcpy(data + 1, tip_sig_algs[i].der, tip_sig_algs[i].len);
        n = 1u + tip_sig_algs[i].len;
        if (scheme == TIP_SIG_ECDSA_SHA256 || scheme == TIP_SIG_ECDSA_SHA384 ||
            scheme == TIP_SIG_ECDSA_SHA512) {
            size_t dl = 0;
            err = tip_crypto_ecdsa_raw_to_der(sig, sig_len, data + n, sizeof(data) - n, &dl);
            n += dl;
        } else {
            memcpy(data + n, sig, sig_len);
            n += sig_len;
        }
    } else if (err == TIP_OK) {
        memcpy(data, sig, sig_len); /* RFC 4754 7: r || s; method 1: the PKCS#1 block */
        n = sig_len;
    }
    if (err != TIP_OK) {
        if (w->err == TIP_OK)
            w->err = err;
        return;
    }
    tip_ike_w_auth(w, method, data, n);
}

/* ---- the peer's AUTH ---------------------------------------------------- */

int tip_ike_cert_verify(tip_ctx_t *ctx, const tip_ike_sa_t *sa, const tip_ike_conn_t *conn,
                        const tip_ike_msg_t *in, const tip_ike_id_t *id)
{
    const uint8_t *chain[TIP_IKE_CERT_CHAIN_MAX + 1];
    size_t chain_len[TIP_IKE_CERT_CHAIN_MAX + 1];
    uint8_t macid[TIP_IKE_PRF_MAX], hash[64], der[TIP_IKE_SIG_MAX];
    const tip_ike_pl_t *pl = tip_ike_msg_find(in, TIP_IKE_PL_AUTH, 0);
    tip_crypto_cert_check_t r;
    tip_ike_auth_t a;
    tip_iov_t iov[3];
    unsigned i, n = 0;
    size_t raw = 0;
    int err;

    if (pl == NULL || tip_ike_auth_parse(tip_ike_pl_body(in, pl), pl->len, &a) != TIP_OK)
        return TIP_ERR_AUTH;
    memset(&r, 0, sizeof(r));
    switch (a.method) {
    case TIP_IKE_AUTH_DIGITAL_SIG: /* RFC 7427 3 */
        if (a.len < 2 || (size_t)a.data[0] + 1u >= a.len)
            return TIP_ERR_AUTH;
        r.scheme = tip_ike_sig_alg_scheme(a.data + 1, a.data[0]);
        r.sig = a.data + 1 + a.data[0];
        r.sig_len = a.len - 1u - a.data[0];
        break;
    case TIP_IKE_AUTH_ECDSA_256: /* RFC 4754 7: r || s */
    case TIP_IKE_AUTH_ECDSA_384:
        r.scheme = a.method == TIP_IKE_AUTH_ECDSA_256 ? TIP_SIG_ECDSA_SHA256 : TIP_SIG_ECDSA_SHA384;
        r.key_bits = a.method == TIP_IKE_AUTH_ECDSA_256 ? 256 : 384;
        raw = r.key_bits / 4;
        break;
    case TIP_IKE_AUTH_RSA_SIG: /* RFC 7296 3.8: PKCS#1 v1.5 with SHA-1 */
        r.scheme = TIP_SIG_RSA_PKCS1_SHA1;
        r.sig = a.data;
        r.sig_len = a.len;
        break;
    default:
        return TIP_ERR_AUTH;
    }
    if (r.scheme == TIP_SIG_NONE)
        return TIP_ERR_AUTH;
    if (raw != 0) {
        if (a.len != raw ||
            tip_crypto_ecdsa_raw_to_der(a.data, a.len, der, sizeof(der), &r.sig_len) != TIP_OK)
            return TIP_ERR_AUTH;
        r.sig = der;
    }
    /* RFC 7296 3.6: X.509 certificates, the end entity first; other
     * encodings are not ours to use. */
    for (i = 0; (pl = tip_ike_msg_find(in, TIP_IKE_PL_CERT, i)) != NULL; i++) {
        tip_ike_cert_t c;
        if (tip_ike_cert_parse(tip_ike_pl_body(in, pl), pl->len, 0, &c) != TIP_OK ||
            c.encoding != TIP_IKE_CERT_X509_SIG)
            continue;
        if (n == TIP_IKE_CERT_CHAIN_MAX + 1)
            return TIP_ERR_CERT;
        chain[n] = c.data;
        chain_len[n++] = c.len;
    }
    if (n == 0)
        return TIP_ERR_CERT;
    err = tip_ike_signed_octets(ctx, sa, !sa->initiator, id->body, id->body_len, iov, macid);
    if (err == TIP_OK)
        err = tip_crypto_sig_hash(r.scheme, iov, 3, hash);
    tip_crypto_zeroize(macid, sizeof(macid));
    if (err != TIP_OK)
        return TIP_ERR_AUTH;
    r.chain = chain;
    r.chain_len = chain_len;
    r.chain_n = n;
    r.ca = conn->ca;
    r.ca_len = conn->ca_len;
    r.ca_n = conn->ca_count;
    r.id_type = id->type;
    r.id = id->data;
    r.id_len = id->len;
    r.now = ctx->port.wall_time != NULL ? ctx->port.wall_time(ctx->port.arg) : -1;
    if (r.now < 0 && !ctx->ike.cert_no_time_logged) {
        ctx->ike.cert_no_time_logged = 1;
        tip_ike_log(ctx, TIP_LOG_WARN,
                    "ike: no wall-clock time from the port: certificate validity times are "
                    "not checked");
    }
    r.hash = hash;
    r.hash_len = tip_crypto_sig_hash_len(r.scheme);
    return tip_crypto_cert_check(&r);
}

int tip_ike_cert_conn_valid(const tip_ike_conn_t *c)
{
    uint8_t kind = 0;
    size_t bits = 0;
    unsigned i;
    int err;

    if (c->cert_count == 0 || c->cert_count > TIP_IKE_CERT_CHAIN_MAX || c->ca_count == 0 ||
        c->ca_count > TIP_IKE_CA_MAX || c->sign == NULL)
        return TIP_ERR_ARG;
    for (i = 0; i < c->cert_count; i++)
        if (c->cert[i] == NULL || c->cert_len[i] == 0)
            return TIP_ERR_ARG;
    for (i = 0; i < c->ca_count; i++)
        if (c->ca[i] == NULL || c->ca_len[i] == 0)
            return TIP_ERR_ARG;
    /* Our own key must be one we can sign AUTH with. */
    err = tip_crypto_cert_key(c->cert[0], c->cert_len[0], &kind, &bits);
    if (err == TIP_ERR_MALFORMED)
        return TIP_ERR_ARG;
    if (err != TIP_OK || (kind == TIP_CRYPTO_KEY_EC && bits != 256 && bits != 384))
        return TIP_ERR_UNSUPPORTED;
    return TIP_OK;
}

#endif /* TIP_CONF_IKE_CERT */
