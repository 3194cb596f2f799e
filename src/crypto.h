/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The internal crypto interface. The core calls only these functions; one
 * backend implements them, chosen by TIP_CONF_CRYPTO_PSA: the classic one
 * (crypto_mbedtls.c + crypto_mbedtls_ike.c, Mbed TLS 2.28 and 3.6) or the
 * PSA Crypto one (crypto_psa.c + crypto_psa_ike.c, Mbed TLS 3.6 and 4.x,
 * through which PSA drivers reach hardware accelerators).
 *
 * Per-SA state lives in the caller's tip_crypto_sa_t (inside the SA slot).
 * All setup, and any allocation the backend library does, happens in
 * tip_crypto_sa_init(); the per-packet functions never allocate.
 */
#ifndef TIP_CRYPTO_H
#define TIP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/ctx.h"
#include "tinyipsec/types.h"

/** Largest ICV any supported algorithm produces (HMAC-SHA-512 full output). */
#define TIP_CRYPTO_MAX_MAC 64

/**
 * Set up SA crypto state for @p encr / @p integ in direction @p dir
 * (TIP_DIR_OUT encrypts, TIP_DIR_IN decrypts). For AEAD ciphers the key
 * is followed by the 4-byte salt (encr_key_len = 20 or 36); integ must
 * be TIP_INTEG_NONE. For AES-CBC and NULL an integ algorithm is required.
 * Returns 0; TIP_ERR_ARG for a bad direction, a NULL key with a length or
 * a wrong pairing (AEAD with an integ algorithm, AES-CBC/NULL without one,
 * TIP_ENCR_NONE); TIP_ERR_UNSUPPORTED for an unknown algorithm or one
 * compiled out (TIP_CONF_* or the Mbed TLS configuration); TIP_ERR_KEY_LEN
 * (AES 16 or 32 bytes, ChaCha20 32, each + 4 salt for AEAD; NULL none; HMAC
 * exactly tip_crypto_integ_key_len()); TIP_ERR_CRYPTO if the backend fails.
 * On failure the state is zeroized and needs no free. Once set up, the
 * state must not be copied or moved (it holds pointers into itself and heap).
 */
int tip_crypto_sa_init(tip_crypto_sa_t *c, tip_dir_t dir,
                       tip_encr_t encr, const uint8_t *encr_key, size_t encr_key_len,
                       tip_integ_t integ, const uint8_t *integ_key, size_t integ_key_len);

/** Release backend resources and zeroize the whole state (keys included). */
void tip_crypto_sa_free(tip_crypto_sa_t *c);

/**
 * AEAD seal (AES-GCM-16 per RFC 4106, ChaCha20-Poly1305 per RFC 7634):
 * nonce = salt || iv (8 bytes), encrypts @p data in place and writes the
 * 16-byte tag to @p tag. @p aad is SPI || [seq_hi ||] seq_lo.
 * Outbound SAs only (TIP_ERR_ARG otherwise); open, likewise, inbound only.
 */
int tip_crypto_aead_seal(tip_crypto_sa_t *c, const uint8_t iv[8],
                         const uint8_t *aad, size_t aad_len,
                         uint8_t *data, size_t len, uint8_t tag[16]);

/**
 * AEAD open: verifies @p tag (constant time) and decrypts @p data in place.
 * Returns 0 or TIP_ERR_AUTH (data left unusable but the state unchanged).
 */
int tip_crypto_aead_open(tip_crypto_sa_t *c, const uint8_t iv[8],
                         const uint8_t *aad, size_t aad_len,
                         uint8_t *data, size_t len, const uint8_t tag[16]);

/**
 * AES-CBC in place with @p iv (16 bytes, not modified); @p len is a
 * multiple of 16. Encrypts for an outbound SA, decrypts for an inbound one.
 */
int tip_crypto_cbc(tip_crypto_sa_t *c, const uint8_t iv[16], uint8_t *data, size_t len);

/**
 * Derive a CBC IV for an outbound SA by encrypting a 16-byte unique block
 * (the sequence number and SPI) with the SA's own AES key, as NIST SP
 * 800-38A appendix C allows: unpredictable to anyone without the key,
 * never repeated while the block is unique.
 */
int tip_crypto_cbc_iv(tip_crypto_sa_t *c, const uint8_t block[16], uint8_t iv[16]);

/**
 * HMAC over the concatenation of two parts (the ESP packet, then with ESN
 * the 4-byte high sequence number, RFC 4303 2.2.1), truncated to the
 * algorithm's ICV length, written to @p mac. Parts with len 0 are skipped.
 */
int tip_crypto_hmac(tip_crypto_sa_t *c,
                    const uint8_t *p1, size_t l1,
                    const uint8_t *p2, size_t l2,
                    uint8_t *mac);

/* ---- shared by every backend (src/crypto_params.c, src/crypto_check.h) - */

/** Bytes of salt at the end of an AEAD key (RFC 4106 4, RFC 7634 2). */
#define TIP_CRYPTO_SALT_LEN 4

/** ICV length of an integrity algorithm (0 for NONE / unknown). */
size_t tip_crypto_integ_icv_len(tip_integ_t integ);

/** Key length an integrity algorithm requires (0 for NONE / unknown). */
size_t tip_crypto_integ_key_len(tip_integ_t integ);

/** 1 for the AEAD ciphers (AES-GCM-16, ChaCha20-Poly1305), else 0. */
static inline int tip_crypto_encr_is_aead(tip_encr_t encr)
{
    return encr == TIP_ENCR_AES_GCM_16 || encr == TIP_ENCR_CHACHA20_POLY1305;
}

/** Constant-time comparison: 0 when equal. */
int tip_crypto_ct_memcmp(const uint8_t *a, const uint8_t *b, size_t len);

/**
 * Zeroize memory in a way the compiler may not optimise out. The only way
 * key material is wiped anywhere in the library (never a plain memset: a
 * store to a buffer that dies right after is removed by the optimiser).
 * Implemented once by the core (src/zeroize.c), not by a backend, so it is
 * the same for every backend and compiler. NULL or 0 bytes: nothing.
 */
void tip_crypto_zeroize(void *p, size_t len);

/* ---- IKEv2: PRF and key exchange ------------------------------------ */

/** A piece of a message fed to the PRF without copying it together. */
typedef struct {
    const uint8_t *p;
    size_t len;
} tip_iov_t;

/**
 * SHA-1 over iov[0] | iov[1] | ... (only for NAT detection, RFC 7296 2.23,
 * which fixes this hash; never for security).
 */
int tip_crypto_sha1(const tip_iov_t *iov, size_t n, uint8_t out[20]);

/** Output length of @p prf in bytes (32, 48, 64), 0 if unknown. */
size_t tip_crypto_prf_len(tip_prf_t prf);

/**
 * prf(key, iov[0] | iov[1] | ...) (RFC 7296 2.13 with HMAC-SHA2, RFC 4868).
 * Keys of any length (HMAC hashes long keys). Writes tip_crypto_prf_len()
 * bytes. May allocate inside the backend (IKE path, not the ESP path).
 * Returns 0, TIP_ERR_UNSUPPORTED or TIP_ERR_CRYPTO.
 */
int tip_crypto_prf(tip_prf_t prf, const uint8_t *key, size_t key_len,
                   const tip_iov_t *iov, size_t n, uint8_t *out);

/**
 * Length of the KE payload data for @p group (RFC 7296 3.4; 256 for MODP-2048,
 * 64 / 96 for ECP-256 / 384 as x || y (RFC 5903 7), 32 for Curve25519
 * (RFC 8031)), 0 if the group is unsupported or compiled out.
 */
size_t tip_crypto_dh_pub_len(tip_dh_group_t group);

/** Length of the shared secret g^ir of @p group (256, 32, 48, 32), 0 if unsupported. */
size_t tip_crypto_dh_secret_len(tip_dh_group_t group);

/** Random source handed to key generation (the port's random function). */
typedef int (*tip_rng_fn)(void *arg, uint8_t *out, size_t len);

/**
 * Generate a key pair for @p group and write our public value to @p pub
 * (exactly tip_crypto_dh_pub_len() bytes in @p pub_len). The private value
 * stays in @p dh until tip_crypto_dh_free(). The state must not be moved.
 */
int tip_crypto_dh_generate(tip_crypto_dh_t *dh, tip_dh_group_t group, tip_rng_fn rng,
                           void *rng_arg, uint8_t *pub, size_t pub_len);

/**
 * Compute g^ir from the peer's public value (checked first: on the curve,
 * or 1 < y < p - 1 for MODP, RFC 7296 5.12 / RFC 6989), written left-padded
 * to exactly tip_crypto_dh_secret_len() bytes. Returns 0, TIP_ERR_MALFORMED
 * (bad peer value, wrong length) or TIP_ERR_CRYPTO.
 */
int tip_crypto_dh_compute(tip_crypto_dh_t *dh, const uint8_t *peer, size_t peer_len,
                          uint8_t *secret, size_t secret_len);

/** Free the backend state and zeroize @p dh (safe on a zeroed state). */
void tip_crypto_dh_free(tip_crypto_dh_t *dh);

/** Bytes the backend's DH state needs (<= TIP_CRYPTO_DH_STORAGE). */
size_t tip_crypto_dh_state_size(void);

/** The group of an initialised state, TIP_DH_NONE when free. */
tip_dh_group_t tip_crypto_dh_group(const tip_crypto_dh_t *dh);

/**
 * Known-answer tests only: set up @p dh for @p group with a given private
 * value (big-endian for MODP and ECP, the RFC 7748 little-endian scalar for
 * Curve25519) and write the matching public value.
 */
int tip_crypto_dh_set_private(tip_crypto_dh_t *dh, tip_dh_group_t group, const uint8_t *priv,
                              size_t priv_len, uint8_t *pub, size_t pub_len);

/* ---- IKEv2: certificates and signatures (TIP_CONF_IKE_CERT) ---------- */
#if TIP_CONF_IKE_CERT

#include "tinyipsec/ike.h"

/** The hash of a signature scheme and its length (0: none). */
size_t tip_crypto_sig_hash_len(tip_sig_scheme_t scheme);

/** Hash iov[0] | iov[1] | ... with @p scheme's hash into @p out (its length). */
int tip_crypto_sig_hash(tip_sig_scheme_t scheme, const tip_iov_t *iov, size_t n, uint8_t *out);

/** Kinds of certificate keys (tip_crypto_cert_key()). */
#define TIP_CRYPTO_KEY_EC 1  /**< ECDSA (id-ecPublicKey) */
#define TIP_CRYPTO_KEY_RSA 2 /**< RSA (rsaEncryption) */

/**
 * The key of certificate @p der: its kind (TIP_CRYPTO_KEY_*) and size in
 * bits (256, 384 for EC; the modulus for RSA). TIP_ERR_MALFORMED when it
 * does not parse, TIP_ERR_UNSUPPORTED for another key type. Parses the
 * certificate on the heap and frees it.
 */
int tip_crypto_cert_key(const uint8_t *der, size_t len, uint8_t *kind, size_t *bits);

/** SHA-1 of certificate @p der's SubjectPublicKeyInfo (a CERTREQ entry, RFC 7296 3.7). */
int tip_crypto_cert_spki_sha1(const uint8_t *der, size_t len, uint8_t out[20]);

/** What tip_crypto_cert_check() checks. */
typedef struct {
    const uint8_t *const *chain; /**< the peer's certificates (DER), end entity first */
    const size_t *chain_len;     /**< their lengths */
    size_t chain_n;              /**< how many (>= 1) */
    const uint8_t *const *ca;    /**< trust anchors (DER) */
    const size_t *ca_len;        /**< their lengths */
    size_t ca_n;                 /**< how many (>= 1) */
    uint8_t id_type;             /**< the peer's IDx type (TIP_ID_*) */
    const uint8_t *id;           /**< its data */
    size_t id_len;               /**< its length */
    int64_t now;                 /**< wall-clock seconds since 1970 UTC, < 0: unknown */
    tip_sig_scheme_t scheme;     /**< the AUTH signature's scheme */
    size_t key_bits;             /**< the size the key must have (classic ECDSA methods), 0: any */
    const uint8_t *hash;         /**< the hash of the signed octets */
    size_t hash_len;             /**< its length */
    const uint8_t *sig;          /**< the signature (ECDSA: DER Ecdsa-Sig-Value) */
    size_t sig_len;              /**< its length */
} tip_crypto_cert_check_t;

/**
 * Authenticate a peer: its chain must verify against one of the trust
 * anchors (intermediates taken from the chain; the time of validity checked
 * only when @p now is known), the end entity's key usage must allow
 * digitalSignature, the identity must be in the end entity certificate
 * (RFC 4945 3.1: FQDN in a dNSName, RFC822_ADDR in an rfc822Name, an
 * address in an iPAddress, DER_ASN1_DN equal to the subject), and the
 * signature must verify with its key. Certificates are parsed on the
 * heap and freed before this returns.
 *
 * @return 0; TIP_ERR_CERT (chain not trusted, unparsable, wrong key usage),
 *         TIP_ERR_CERT_TIME (a certificate expired or not yet valid),
 *         TIP_ERR_CERT_ID (identity not in the certificate), TIP_ERR_AUTH
 *         (bad signature, or the scheme does not fit the key)
 */
int tip_crypto_cert_check(const tip_crypto_cert_check_t *req);

/**
 * ECDSA r || s (@p raw_len bytes, two equal halves) to the DER
 * Ecdsa-Sig-Value of RFC 3279 that RFC 7427 3 sends. TIP_ERR_BUF_SPACE
 * when @p size is too small.
 */
int tip_crypto_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t *der, size_t size,
                                size_t *der_len);

/** The reverse: DER to r || s of @p raw_len bytes (TIP_ERR_MALFORMED when it does not fit). */
int tip_crypto_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t *raw,
                                size_t raw_len);

#endif /* TIP_CONF_IKE_CERT */

#endif /* TIP_CRYPTO_H */
