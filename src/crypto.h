/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The internal crypto interface. The core calls only these functions; one
 * backend file implements them (crypto_mbedtls.c for Mbed TLS 2.28 and 3.6).
 * A hardware accelerator or PSA backend is one new file with the same
 * functions.
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

/** ICV length of an integrity algorithm (0 for NONE / unknown). */
size_t tip_crypto_integ_icv_len(tip_integ_t integ);

/** Key length an integrity algorithm requires (0 for NONE / unknown). */
size_t tip_crypto_integ_key_len(tip_integ_t integ);

/** Constant-time comparison: 0 when equal. */
int tip_crypto_ct_memcmp(const uint8_t *a, const uint8_t *b, size_t len);

/** Zeroize memory in a way the compiler may not optimise out. */
void tip_crypto_zeroize(void *p, size_t len);

#endif /* TIP_CRYPTO_H */
