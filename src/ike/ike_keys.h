/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 key derivation (RFC 7296 2.13, 2.14, 2.17, 2.18): prf+, SKEYSEED,
 * the seven IKE SA keys and the Child SA KEYMAT. Pure functions over
 * src/crypto.h (tip_crypto_prf); no Mbed TLS, no allocation, fixed-size
 * buffers only. Every temporary holding key material is zeroized before
 * return, and an output buffer is zeroized when a function fails.
 */
#ifndef TIP_IKE_KEYS_H
#define TIP_IKE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "tinyipsec/types.h"

/** Largest PRF output (HMAC-SHA2-512). */
#define TIP_IKE_MAX_PRF_LEN 64
/** Largest integrity key (HMAC-SHA2-512-256, RFC 4868 2.1.1). */
#define TIP_IKE_MAX_INTEG_KEY 64
/** Largest encryption keying material: a 32-byte key + 4-byte AEAD salt. */
#define TIP_IKE_MAX_ENCR_KEY 36
/** Nonce length limits (RFC 7296 3.9). */
#define TIP_IKE_NONCE_MIN 16
#define TIP_IKE_NONCE_MAX 256
/** prf+ produces at most 255 blocks (RFC 7296 2.13: the counter is one octet). */
#define TIP_IKE_PRF_PLUS_MAX_BLOCKS 255
/** Most seed pieces tip_ike_prf_plus() accepts in one call. */
#define TIP_IKE_PRF_PLUS_MAX_IOV 6

/**
 * prf+ (RFC 7296 2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n),
 * output T1 | T2 | ... truncated to @p out_len. The seed S is the
 * concatenation of @p seed[0..n-1] (at most TIP_IKE_PRF_PLUS_MAX_IOV pieces,
 * not copied together).
 * Returns 0; TIP_ERR_ARG for NULL pointers, too many pieces, or @p out_len
 * beyond 255 blocks of the PRF output; TIP_ERR_UNSUPPORTED for an unknown
 * PRF; TIP_ERR_CRYPTO if the backend fails (then @p out is zeroized).
 */
int tip_ike_prf_plus(tip_prf_t prf, const uint8_t *key, size_t key_len, const tip_iov_t *seed,
                     size_t n, uint8_t *out, size_t out_len);

/**
 * SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 2.14) for an IKE SA made by
 * IKE_SA_INIT. Nonces are 16..256 bytes; @p g_ir is the padded shared secret
 * of tip_crypto_dh_compute(). Writes tip_crypto_prf_len(@p prf) bytes.
 * (The AES-XCBC/CMAC special case of 2.14, 64 bits of each nonce, does not
 * apply: only HMAC-SHA2 PRFs are supported.)
 */
int tip_ike_skeyseed(tip_prf_t prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                     size_t nr_len, const uint8_t *g_ir, size_t g_ir_len, uint8_t *out);

/**
 * SKEYSEED of a rekeyed IKE SA (RFC 7296 2.18):
 * prf(SK_d (old), g^ir (new) | Ni | Nr), with the fresh nonces of the
 * CREATE_CHILD_SA exchange. RFC 7296 2.18: "Because the rekeying exchange
 * belongs to the old IKE SA, it is the old IKE SA's PRF that is used to
 * generate SKEYSEED" -- so @p prf_old is the PRF of the SA being rekeyed,
 * and tip_crypto_prf_len(@p prf_old) bytes are written. The new SA's keys
 * then come from tip_ike_derive_keys() with the NEW SA's PRF and SPIs.
 */
int tip_ike_skeyseed_rekey(tip_prf_t prf_old, const uint8_t *sk_d_old, size_t sk_d_len,
                           const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni, size_t ni_len,
                           const uint8_t *nr, size_t nr_len, uint8_t *out);

/**
 * Keying material length of an encryption algorithm for an IKE or Child SA:
 * the key plus, for AEAD, the 4-byte salt (AES-GCM: RFC 5282 for IKE SAs,
 * RFC 4106 8.1 for ESP; ChaCha20-Poly1305: RFC 7634). @p key_bits is the Key Length
 * attribute (128 or 256 for AES; 0 or 256 for ChaCha20-Poly1305). ENCR_NULL
 * gives 0. Returns 0 for an unknown algorithm or key size -- callers must
 * tell ENCR_NULL apart by its id.
 */
size_t tip_ike_encr_keymat_len(tip_encr_t encr, unsigned key_bits);

/** The seven secrets of an IKE SA (RFC 7296 2.14). Zeroize with tip_ike_keys_wipe(). */
typedef struct {
    uint8_t sk_d[TIP_IKE_MAX_PRF_LEN];    /**< derives Child SA keys and rekeyed SKEYSEED */
    uint8_t sk_ai[TIP_IKE_MAX_INTEG_KEY]; /**< integrity, initiator -> responder */
    uint8_t sk_ar[TIP_IKE_MAX_INTEG_KEY]; /**< integrity, responder -> initiator */
    uint8_t sk_ei[TIP_IKE_MAX_ENCR_KEY];  /**< encryption (+ salt), initiator -> responder */
    uint8_t sk_er[TIP_IKE_MAX_ENCR_KEY];  /**< encryption (+ salt), responder -> initiator */
    uint8_t sk_pi[TIP_IKE_MAX_PRF_LEN];   /**< AUTH payload of the initiator */
    uint8_t sk_pr[TIP_IKE_MAX_PRF_LEN];   /**< AUTH payload of the responder */
    uint8_t prf_len;   /**< bytes of sk_d, sk_pi, sk_pr */
    uint8_t integ_len; /**< bytes of sk_ai, sk_ar (0 with an AEAD cipher) */
    uint8_t encr_len;  /**< bytes of sk_ei, sk_er, salt included */
} tip_ike_keys_t;

/**
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)              (RFC 7296 2.14)
 * SK_d, SK_pi, SK_pr are the PRF output length; SK_a* the integrity key
 * length (tip_crypto_integ_key_len(), none for AEAD); SK_e* the
 * tip_ike_encr_keymat_len() of @p encr / @p encr_key_bits (salt included).
 * @p spi_i, @p spi_r are the 8-byte SPIs as on the wire. AEAD ciphers need
 * TIP_INTEG_NONE, the others an integrity algorithm (RFC 7296 3.3.3);
 * ENCR_NULL is refused (not for IKE).
 * Returns 0, TIP_ERR_ARG, TIP_ERR_UNSUPPORTED or TIP_ERR_CRYPTO; on failure
 * @p keys is zeroized.
 */
int tip_ike_derive_keys(tip_ike_keys_t *keys, tip_prf_t prf, tip_encr_t encr,
                        unsigned encr_key_bits, tip_integ_t integ, const uint8_t *skeyseed,
                        size_t skeyseed_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                        size_t nr_len, const uint8_t spi_i[8], const uint8_t spi_r[8]);

/** Zeroize a keys structure (when the IKE SA dies). */
void tip_ike_keys_wipe(tip_ike_keys_t *keys);

/**
 * Child SA keying material (RFC 7296 2.17):
 *   KEYMAT = prf+(SK_d, Ni | Nr)            without PFS (@p g_ir NULL, len 0)
 *   KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)   with a KE in CREATE_CHILD_SA
 * Ni/Nr are the IKE_SA_INIT nonces for the Child SA of IKE_AUTH, else the
 * CREATE_CHILD_SA ones.
 *
 * How to split KEYMAT for one ESP Child SA (RFC 7296 2.17 and RFC 4301):
 * all keys of the initiator -> responder SA come first, then those of the
 * responder -> initiator SA; within each SA the encryption key (for AEAD
 * followed by its 4-byte salt) comes first, then the integrity key:
 *
 *   | encr i->r (+salt) | integ i->r | encr r->i (+salt) | integ r->i |
 *
 * tip_ike_child_keys() does exactly this split.
 */
int tip_ike_child_keymat(tip_prf_t prf, const uint8_t *sk_d, size_t sk_d_len,
                         const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni, size_t ni_len,
                         const uint8_t *nr, size_t nr_len, uint8_t *out, size_t out_len);

/** The keys of one ESP Child SA pair, split from KEYMAT. */
typedef struct {
    uint8_t encr_i[TIP_IKE_MAX_ENCR_KEY];   /**< initiator -> responder, salt included */
    uint8_t integ_i[TIP_IKE_MAX_INTEG_KEY]; /**< initiator -> responder */
    uint8_t encr_r[TIP_IKE_MAX_ENCR_KEY];   /**< responder -> initiator, salt included */
    uint8_t integ_r[TIP_IKE_MAX_INTEG_KEY]; /**< responder -> initiator */
    uint8_t encr_len;  /**< bytes in encr_i / encr_r (as tip_sa_params_t wants them) */
    uint8_t integ_len; /**< bytes in integ_i / integ_r (0 for AEAD) */
} tip_ike_child_keys_t;

/**
 * KEYMAT of tip_ike_child_keymat() for one ESP SA pair using @p encr
 * (@p encr_key_bits as in tip_ike_encr_keymat_len(); ENCR_NULL allowed
 * with an integrity algorithm) and @p integ, split as documented there.
 * On failure @p keys is zeroized.
 */
int tip_ike_child_keys(tip_ike_child_keys_t *keys, tip_prf_t prf, const uint8_t *sk_d,
                       size_t sk_d_len, const uint8_t *g_ir, size_t g_ir_len, const uint8_t *ni,
                       size_t ni_len, const uint8_t *nr, size_t nr_len, tip_encr_t encr,
                       unsigned encr_key_bits, tip_integ_t integ);

/** Zeroize a Child SA key structure. */
void tip_ike_child_keys_wipe(tip_ike_child_keys_t *keys);

#endif /* TIP_IKE_KEYS_H */
