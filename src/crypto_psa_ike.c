/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The PSA Crypto backend for IKEv2 (Mbed TLS 3.6 LTS through its PSA API,
 * Mbed TLS 4.x / TF-PSA-Crypto): SHA-1 for NAT detection, the PRF and the
 * key exchange groups of src/crypto.h. With crypto_psa.c (ESP) it is the
 * backend chosen by TIP_CONF_CRYPTO_PSA = 1; it calls nothing but the PSA
 * Crypto API, so a PSA driver (a hash or ECC accelerator, a secure element)
 * serves it without changes here.
 *
 * Groups and how each is computed:
 *   19/20 ECP-256/384 (RFC 5903)  PSA_ECC_FAMILY_SECP_R1, PSA_ALG_ECDH
 *   31 Curve25519 (RFC 8031)      PSA_ECC_FAMILY_MONTGOMERY (255), PSA_ALG_ECDH
 *   14 MODP-2048 (RFC 3526)       not available: PSA's finite-field family
 *                                 is RFC 7919 (other primes, no IKE group
 *                                 number) and Mbed TLS 4 has no public
 *                                 bignum API. tip_crypto_dh_pub_len()
 *                                 returns 0, so a connection that lists it
 *                                 is refused (TIP_ERR_UNSUPPORTED) and a
 *                                 peer's KE in it gets INVALID_KE_PAYLOAD
 *                                 naming one of ours (RFC 7296 1.2).
 *
 * Our private key is a volatile PSA key (usage DERIVE, PSA_ALG_ECDH) made
 * by psa_generate_key() and kept, by its key id, in the caller's
 * tip_crypto_dh_t until tip_crypto_dh_free() destroys it: the private value
 * never leaves the PSA key store. The PRF imports its key as a volatile
 * HMAC key for the one call and destroys it before returning. Both may
 * allocate inside PSA (IKE path, never per ESP packet).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"

#if TIP_CONF_CRYPTO_PSA /* the whole file: the classic backend is crypto_mbedtls*.c */

#include <psa/crypto.h>

#include "crypto_psa.h"

/* ---- SHA-1 for NAT detection (RFC 7296 2.23 fixes the hash) ------------ */

#if TIP_CONF_IKEV2 && defined(PSA_WANT_ALG_SHA_1)
int tip_crypto_sha1(const tip_iov_t *iov, size_t n, uint8_t out[20])
{
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    psa_status_t st;
    size_t i, olen = 0;
    int err;

    if (out == NULL || (iov == NULL && n != 0))
        return TIP_ERR_ARG;
    err = tip_psa_ready();
    if (err != TIP_OK)
        return err;
    st = psa_hash_setup(&op, PSA_ALG_SHA_1);
    for (i = 0; st == PSA_SUCCESS && i < n; i++)
        if (iov[i].len != 0)
            st = psa_hash_update(&op, iov[i].p, iov[i].len);
    if (st == PSA_SUCCESS)
        st = psa_hash_finish(&op, out, 20, &olen);
    if (st != PSA_SUCCESS) {
        psa_hash_abort(&op);
        return TIP_ERR_CRYPTO;
    }
    return olen == 20 ? TIP_OK : TIP_ERR_CRYPTO;
}
#else
int tip_crypto_sha1(const tip_iov_t *iov, size_t n, uint8_t out[20])
{
    (void)iov;
    (void)n;
    (void)out;
    return TIP_ERR_UNSUPPORTED;
}
#endif

#if TIP_CONF_IKEV2

/* ---- what this PSA configuration offers ---------------------------------- */

#if defined(PSA_WANT_ALG_HMAC) && defined(PSA_WANT_KEY_TYPE_HMAC)
#define TIP_PSA_HMAC 1
#else
#define TIP_PSA_HMAC 0
#endif
#if TIP_PSA_HMAC && defined(PSA_WANT_ALG_SHA_256)
#define TIP_PSA_PRF256 1
#else
#define TIP_PSA_PRF256 0
#endif
#if TIP_PSA_HMAC && defined(PSA_WANT_ALG_SHA_384) && TIP_CONF_HMAC_SHA384
#define TIP_PSA_PRF384 1
#else
#define TIP_PSA_PRF384 0
#endif
#if TIP_PSA_HMAC && defined(PSA_WANT_ALG_SHA_512) && TIP_CONF_HMAC_SHA512
#define TIP_PSA_PRF512 1
#else
#define TIP_PSA_PRF512 0
#endif

/* Key pairs we generate (key exchange) and import (known-answer tests). */
#if defined(PSA_WANT_ALG_ECDH) && defined(PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_GENERATE) && \
    defined(PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_IMPORT) && defined(PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_EXPORT)
#define TIP_PSA_ECDH 1
#else
#define TIP_PSA_ECDH 0
#endif
#if TIP_PSA_ECDH && defined(PSA_WANT_ECC_SECP_R1_256)
#define TIP_PSA_ECP256 1
#else
#define TIP_PSA_ECP256 0
#endif
#if TIP_PSA_ECDH && defined(PSA_WANT_ECC_SECP_R1_384)
#define TIP_PSA_ECP384 1
#else
#define TIP_PSA_ECP384 0
#endif
#if TIP_PSA_ECDH && defined(PSA_WANT_ECC_MONTGOMERY_255)
#define TIP_PSA_X25519 1
#else
#define TIP_PSA_X25519 0
#endif

#define TIP_X25519_LEN 32
#define TIP_ECP_MAX 48 /* field size of P-384 */

/* ---- per-exchange state, kept inside the caller's tip_crypto_dh_t ------- */

struct tip_psa_dh {
    psa_key_id_t key; /* our key pair; PSA_KEY_ID_NULL (0) when none */
    uint8_t group;    /* tip_dh_group_t once set up, else 0 */
};

/* If this fails, raise TIP_CRYPTO_DH_STORAGE (config.h or your
 * TIP_USER_CONFIG_FILE); the PSA state is a key id and the group. */
typedef char tip_assert_psa_dh_fits[(sizeof(struct tip_psa_dh) <= sizeof(tip_crypto_dh_t)) ? 1 : -1];

struct tip_psa_dh_align_mine { char c; struct tip_psa_dh s; };
struct tip_psa_dh_align_storage { char c; tip_crypto_dh_t s; };
typedef char tip_assert_psa_dh_align[(offsetof(struct tip_psa_dh_align_mine, s) <=
                                      offsetof(struct tip_psa_dh_align_storage, s)) ? 1 : -1];

/** Bytes of backend state one key exchange needs (for sizing reports). */
size_t tip_crypto_dh_state_size(void)
{
    return sizeof(struct tip_psa_dh);
}

static struct tip_psa_dh *tip_pdh(tip_crypto_dh_t *dh)
{
    return (struct tip_psa_dh *)(void *)dh->bytes;
}

/* ---- PRF (RFC 7296 2.13, RFC 4868: HMAC-SHA2 with its full output) ------ */

static psa_algorithm_t tip_prf_hash(tip_prf_t prf)
{
    switch (prf) {
#if TIP_PSA_PRF256
    case TIP_PRF_HMAC_SHA2_256: return PSA_ALG_SHA_256;
#endif
#if TIP_PSA_PRF384
    case TIP_PRF_HMAC_SHA2_384: return PSA_ALG_SHA_384;
#endif
#if TIP_PSA_PRF512
    case TIP_PRF_HMAC_SHA2_512: return PSA_ALG_SHA_512;
#endif
    default: return 0;
    }
}

size_t tip_crypto_prf_len(tip_prf_t prf)
{
    psa_algorithm_t hash = tip_prf_hash(prf);

    return hash != 0 ? (size_t)PSA_HASH_LENGTH(hash) : 0;
}

#if TIP_PSA_HMAC
static int tip_prf_run(psa_algorithm_t hash, const uint8_t *key, size_t key_len,
                       const tip_iov_t *iov, size_t n, uint8_t *out, size_t out_len)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_mac_operation_t op = PSA_MAC_OPERATION_INIT;
    psa_key_id_t id = PSA_KEY_ID_NULL;
    uint8_t kh[PSA_HASH_MAX_SIZE];
    size_t i, olen = 0;
    psa_status_t st = PSA_SUCCESS;

    /* RFC 2104 2: a key longer than the hash block is replaced by its hash,
     * a shorter one is padded with zeros. So the empty key and one zero
     * byte give the same HMAC (PSA refuses to import an empty key), and a
     * long key (a PSK, Ni | Nr of large nonces) is hashed here, whatever
     * the PSA implementation's largest key. */
    if (key_len > PSA_HASH_BLOCK_LENGTH(hash)) {
        st = psa_hash_compute(hash, key, key_len, kh, sizeof(kh), &key_len);
        key = kh;
    } else if (key_len == 0) {
        kh[0] = 0;
        key = kh;
        key_len = 1;
    }
    psa_set_key_type(&attr, PSA_KEY_TYPE_HMAC);
    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_SIGN_MESSAGE);
    psa_set_key_algorithm(&attr, PSA_ALG_HMAC(hash));
    if (st == PSA_SUCCESS)
        st = psa_import_key(&attr, key, key_len, &id);
    tip_crypto_zeroize(kh, sizeof(kh));
    if (st == PSA_SUCCESS)
        st = psa_mac_sign_setup(&op, id, PSA_ALG_HMAC(hash));
    for (i = 0; st == PSA_SUCCESS && i < n; i++)
        if (iov[i].len != 0)
            st = psa_mac_update(&op, iov[i].p, iov[i].len);
    if (st == PSA_SUCCESS)
        st = psa_mac_sign_finish(&op, out, out_len, &olen);
    /* abort wipes the operation's HMAC state (a no-op after finish). */
    psa_mac_abort(&op);
    psa_destroy_key(id); /* PSA_KEY_ID_NULL: nothing */
    psa_reset_key_attributes(&attr);
    return st == PSA_SUCCESS && olen == out_len ? TIP_OK : TIP_ERR_CRYPTO;
}
#endif

int tip_crypto_prf(tip_prf_t prf, const uint8_t *key, size_t key_len,
                   const tip_iov_t *iov, size_t n, uint8_t *out)
{
    psa_algorithm_t hash;
    size_t i;
    int err;

    if (out == NULL || (key == NULL && key_len != 0) || (iov == NULL && n != 0))
        return TIP_ERR_ARG;
    for (i = 0; i < n; i++)
        if (iov[i].p == NULL && iov[i].len != 0)
            return TIP_ERR_ARG;
    hash = tip_prf_hash(prf);
    if (hash == 0)
        return TIP_ERR_UNSUPPORTED;
#if TIP_PSA_HMAC
    err = tip_psa_ready();
    if (err == TIP_OK)
        err = tip_prf_run(hash, key, key_len, iov, n, out, PSA_HASH_LENGTH(hash));
    if (err != TIP_OK)
        tip_crypto_zeroize(out, PSA_HASH_LENGTH(hash));
    return err;
#else
    (void)err;
    return TIP_ERR_UNSUPPORTED;
#endif
}

/* ---- lengths ------------------------------------------------------------ */

size_t tip_crypto_dh_pub_len(tip_dh_group_t group)
{
    switch (group) {
    case TIP_DH_MODP_2048: return 0;                       /* see the top of this file */
    case TIP_DH_ECP_256: return TIP_PSA_ECP256 ? 64 : 0;   /* RFC 5903 7: x || y */
    case TIP_DH_ECP_384: return TIP_PSA_ECP384 ? 96 : 0;
    case TIP_DH_CURVE25519: return TIP_PSA_X25519 ? TIP_X25519_LEN : 0; /* RFC 8031 2 */
    default: return 0;
    }
}

size_t tip_crypto_dh_secret_len(tip_dh_group_t group)
{
    switch (group) {
    case TIP_DH_ECP_256: return TIP_PSA_ECP256 ? 32 : 0;   /* RFC 5903 7: x only */
    case TIP_DH_ECP_384: return TIP_PSA_ECP384 ? 48 : 0;
    case TIP_DH_CURVE25519: return TIP_PSA_X25519 ? TIP_X25519_LEN : 0;
    default: return 0;
    }
}

tip_dh_group_t tip_crypto_dh_group(const tip_crypto_dh_t *dh)
{
    if (dh == NULL)
        return TIP_DH_NONE;
    return (tip_dh_group_t)((const struct tip_psa_dh *)(const void *)dh->bytes)->group;
}

/* ---- the key exchange ------------------------------------------------------ */

#if TIP_PSA_ECDH
static int tip_all_zero(const uint8_t *p, size_t len)
{
    uint8_t acc = 0;
    size_t i;

    for (i = 0; i < len; i++)
        acc |= p[i];
    return acc == 0;
}

/* The PSA key pair type and size of a supported group. */
static void tip_psa_dh_attr(psa_key_attributes_t *attr, tip_dh_group_t group)
{
    if (group == TIP_DH_CURVE25519) {
        psa_set_key_type(attr, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_MONTGOMERY));
        psa_set_key_bits(attr, 255);
    } else {
        psa_set_key_type(attr, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
        psa_set_key_bits(attr, group == TIP_DH_ECP_256 ? 256 : 384);
    }
    psa_set_key_usage_flags(attr, PSA_KEY_USAGE_DERIVE);
    psa_set_key_algorithm(attr, PSA_ALG_ECDH);
}

/* Our public value on the wire. PSA exports the 32-byte little-endian u of
 * X25519 as RFC 8031 2 sends it, and a Weierstrass point as 0x04 || x || y
 * of which RFC 5903 7 sends x || y. */
static int tip_psa_write_pub(const struct tip_psa_dh *s, uint8_t *pub, size_t pub_len)
{
    uint8_t buf[1 + 2 * TIP_ECP_MAX];
    size_t olen = 0;
    int err = TIP_ERR_CRYPTO;

    if (psa_export_public_key(s->key, buf, sizeof(buf), &olen) == PSA_SUCCESS) {
        if (s->group == TIP_DH_CURVE25519 && olen == pub_len) {
            memcpy(pub, buf, pub_len);
            err = TIP_OK;
        } else if (s->group != TIP_DH_CURVE25519 && olen == pub_len + 1 && buf[0] == 0x04) {
            memcpy(pub, buf + 1, pub_len);
            err = TIP_OK;
        }
    }
    return err;
}

static int tip_psa_compute(struct tip_psa_dh *s, const uint8_t *peer, size_t peer_len,
                           uint8_t *secret, size_t secret_len)
{
    uint8_t buf[1 + 2 * TIP_ECP_MAX];
    const uint8_t *in = peer;
    size_t in_len = peer_len, olen = 0;
    psa_status_t st;

    if (s->group != TIP_DH_CURVE25519) {
        buf[0] = 0x04; /* RFC 5903 7 sends x || y; PSA takes the uncompressed point */
        memcpy(buf + 1, peer, peer_len);
        in = buf;
        in_len = peer_len + 1;
    }
    /* RFC 7296 5.12 / RFC 6989 2.3: psa_raw_key_agreement checks that the
     * peer's point is on the curve (for X25519 it refuses the known
     * low-order u values, after masking bit 255 as RFC 7748 5 says);
     * PSA_ERROR_INVALID_ARGUMENT is the peer's fault. It writes the x
     * coordinate big-endian at the field size (RFC 5903 7) or the 32-byte
     * little-endian u (RFC 8031 2.1). */
    st = psa_raw_key_agreement(PSA_ALG_ECDH, s->key, in, in_len, secret, secret_len, &olen);
    if (st == PSA_ERROR_INVALID_ARGUMENT)
        return TIP_ERR_MALFORMED;
    if (st != PSA_SUCCESS || olen != secret_len)
        return TIP_ERR_CRYPTO;
    /* RFC 8031 2.2 / RFC 7748 6.1: an all-zero X25519 result means a
     * low-order peer value; refuse it whatever the implementation checked. */
    if (s->group == TIP_DH_CURVE25519 && tip_all_zero(secret, secret_len))
        return TIP_ERR_MALFORMED;
    return TIP_OK;
}
#endif /* TIP_PSA_ECDH */

static int tip_dh_args_ok(tip_crypto_dh_t *dh, tip_dh_group_t group, const uint8_t *pub,
                          size_t pub_len)
{
    return dh != NULL && pub != NULL && tip_crypto_dh_pub_len(group) != 0 &&
           pub_len == tip_crypto_dh_pub_len(group);
}

/*
 * @p rng is not used: PSA draws the private key from its own random
 * generator (its entropy sources and DRBG, or a driver's TRNG), which the
 * PSA configuration sets up; the port's random function does not reach it.
 * It is still required, so callers behave the same with every backend.
 */
int tip_crypto_dh_generate(tip_crypto_dh_t *dh, tip_dh_group_t group, tip_rng_fn rng,
                           void *rng_arg, uint8_t *pub, size_t pub_len)
{
    int err = TIP_ERR_INTERNAL;

    (void)rng_arg;
    if (dh == NULL)
        return TIP_ERR_ARG;
    tip_crypto_zeroize(dh, sizeof(*dh));
    if (tip_crypto_dh_pub_len(group) == 0)
        return TIP_ERR_UNSUPPORTED;
    if (rng == NULL || !tip_dh_args_ok(dh, group, pub, pub_len))
        return TIP_ERR_ARG;
#if TIP_PSA_ECDH
    {
        struct tip_psa_dh *s = tip_pdh(dh);
        psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;

        err = tip_psa_ready();
        if (err == TIP_OK) {
            tip_psa_dh_attr(&attr, group);
            s->group = (uint8_t)group;
            err = psa_generate_key(&attr, &s->key) == PSA_SUCCESS ? TIP_OK : TIP_ERR_CRYPTO;
            psa_reset_key_attributes(&attr);
        }
        if (err == TIP_OK)
            err = tip_psa_write_pub(s, pub, pub_len);
    }
#endif
    if (err != TIP_OK) {
        tip_crypto_dh_free(dh);
        tip_crypto_zeroize(pub, pub_len);
    }
    return err;
}

int tip_crypto_dh_set_private(tip_crypto_dh_t *dh, tip_dh_group_t group, const uint8_t *priv,
                              size_t priv_len, uint8_t *pub, size_t pub_len)
{
    int err = TIP_ERR_INTERNAL;

    if (dh == NULL)
        return TIP_ERR_ARG;
    tip_crypto_zeroize(dh, sizeof(*dh));
    if (tip_crypto_dh_pub_len(group) == 0)
        return TIP_ERR_UNSUPPORTED;
    if (priv == NULL || priv_len == 0 || !tip_dh_args_ok(dh, group, pub, pub_len))
        return TIP_ERR_ARG;
#if TIP_PSA_ECDH
    {
        struct tip_psa_dh *s = tip_pdh(dh);
        psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
        uint8_t k[TIP_ECP_MAX];
        size_t klen = tip_crypto_dh_secret_len(group);
        psa_status_t st;

        /* PSA's private key formats: for Weierstrass curves the scalar
         * big-endian at exactly the field size (we left-pad a shorter one);
         * for Montgomery curves the RFC 7748 byte string, little-endian,
         * which PSA clamps itself (decodeScalar25519, RFC 7748 5). PSA
         * refuses a Weierstrass scalar outside [1, n - 1]. */
        if (priv_len > klen || (group == TIP_DH_CURVE25519 && priv_len != klen))
            return TIP_ERR_ARG;
        memset(k, 0, klen - priv_len); /* tip-wipe-ok: left-pads the scalar */
        memcpy(k + (klen - priv_len), priv, priv_len);
        err = tip_psa_ready();
        if (err == TIP_OK) {
            tip_psa_dh_attr(&attr, group);
            s->group = (uint8_t)group;
            st = psa_import_key(&attr, k, klen, &s->key);
            err = st == PSA_SUCCESS                ? TIP_OK
                  : st == PSA_ERROR_INVALID_ARGUMENT ? TIP_ERR_ARG
                                                     : TIP_ERR_CRYPTO;
            psa_reset_key_attributes(&attr);
        }
        tip_crypto_zeroize(k, sizeof(k));
        if (err == TIP_OK)
            err = tip_psa_write_pub(s, pub, pub_len);
    }
#endif
    if (err != TIP_OK) {
        tip_crypto_dh_free(dh);
        tip_crypto_zeroize(pub, pub_len);
    }
    return err;
}

int tip_crypto_dh_compute(tip_crypto_dh_t *dh, const uint8_t *peer, size_t peer_len,
                          uint8_t *secret, size_t secret_len)
{
    struct tip_psa_dh *s;
    tip_dh_group_t group;
    int err = TIP_ERR_INTERNAL;

    if (dh == NULL || secret == NULL)
        return TIP_ERR_ARG;
    s = tip_pdh(dh);
    group = (tip_dh_group_t)s->group;
    if (group == TIP_DH_NONE || secret_len != tip_crypto_dh_secret_len(group))
        return TIP_ERR_ARG;
    /* RFC 7296 3.4: the KE data length is fixed by the group. */
    if (peer == NULL || peer_len != tip_crypto_dh_pub_len(group)) {
        tip_crypto_zeroize(secret, secret_len);
        return TIP_ERR_MALFORMED;
    }
#if TIP_PSA_ECDH
    err = tip_psa_compute(s, peer, peer_len, secret, secret_len);
#endif
    if (err != TIP_OK)
        tip_crypto_zeroize(secret, secret_len);
    return err;
}

void tip_crypto_dh_free(tip_crypto_dh_t *dh)
{
    struct tip_psa_dh *s;

    if (dh == NULL)
        return;
    s = tip_pdh(dh);
    /* A zeroed state holds PSA_KEY_ID_NULL: nothing to destroy (and PSA
     * need not be initialised). Destroying wipes the key slot. */
    if (s->key != PSA_KEY_ID_NULL)
        (void)psa_destroy_key(s->key);
    tip_crypto_zeroize(dh, sizeof(*dh));
}

#endif /* TIP_CONF_IKEV2 */

#else
typedef int tip_crypto_psa_ike_unused; /* ISO C: no empty translation unit */
#endif /* TIP_CONF_CRYPTO_PSA */
