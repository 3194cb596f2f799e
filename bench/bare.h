/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The bare crypto the benchmarks compare tinyipsec with: the calls of the
 * crypto backend the library is built with, and nothing around them.
 *
 *   bare_mbedtls.c  classic backend (TIP_CONF_CRYPTO_PSA = 0, Mbed TLS 2.28
 *                   or 3.6): the calls of src/crypto_mbedtls.c and
 *                   src/crypto_mbedtls_ike.c
 *   bare_psa.c      PSA backend (TIP_CONF_CRYPTO_PSA = 1, Mbed TLS 3.6 or
 *                   4.x): the calls of src/crypto_psa.c and
 *                   src/crypto_psa_ike.c
 *
 * Both are compiled always; each is empty unless it is the backend's.
 * The ESP state is the bench's one cell at a time (static in the file).
 */
#ifndef TIP_BENCH_BARE_H
#define TIP_BENCH_BARE_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/tinyipsec.h"

/* ---- the library underneath ---------------------------------------------------- */

/** Mbed TLS version, e.g. "3.6.6". */
const char *bare_version(void);

/** The backend's name as the tables print it: "classic" or "PSA". */
const char *bare_backend(void);

/** Sets up the random generator (and PSA); 0 on success. */
int bare_init(void);
void bare_deinit(void);

/** Random bytes for the ike_bench port and dh_bench (a tip_rng_fn); 0 on success. */
int bare_random(void *arg, uint8_t *out, size_t len);

/* ---- ESP: the cryptographic work of one packet --------------------------------- */

/** One line naming the calls the ESP side makes (printed in the header). */
const char *bare_esp_calls(void);

/**
 * Keys the bare ESP state: @p key without the salt, @p salt the 4 bytes that
 * follow it in the SA key (AEAD only), @p ikey the HMAC key (NONE: none).
 * Returns 0 on success.
 */
int bare_esp_setup(tip_encr_t encr, const uint8_t *key, size_t key_len, const uint8_t salt[4],
                   tip_integ_t integ, const uint8_t *ikey, size_t ikey_len);
void bare_esp_free(void);

/**
 * Encrypts / decrypts one ESP payload in place, on the packet's bytes:
 * @p esp points at SPI || seq || IV (ivl bytes of IV; what the AAD or the
 * HMAC covers starts there), @p data at the @p clen bytes of payload,
 * padding and trailer, the ICV right behind it. Decryption checks the ICV
 * first (ESP's order). Returns 0 on success.
 */
int bare_esp_seal(uint8_t *esp, size_t ivl, uint8_t *data, size_t clen);
int bare_esp_open(uint8_t *esp, size_t ivl, uint8_t *data, size_t clen);

/* ---- IKE: the key exchange ----------------------------------------------------- */

/** How X25519 is computed, e.g. "via Everest (mbedtls_ecdh_context)". */
const char *bare_x25519_note(void);

/** Whether the backend has group @p g (the PSA backend has no MODP-2048). */
int bare_kex_supported(tip_dh_group_t g);

/** What one handshake needs of the key exchange: two key generations and
 * two shared secrets. Returns 0 on success. */
int bare_kex_handshake(tip_dh_group_t g);

/** One side: a key generation and the shared secret with @p peer (the
 * group's public value as on the wire). Returns 0 on success. */
int bare_kex_side(tip_dh_group_t g, const uint8_t *peer, size_t peer_len);

/** Extra rows for dh_bench (other ways of computing a group, for
 * reference): each does one side's work against the peer value of @p group. */
typedef struct {
    const char *name;
    tip_dh_group_t group;
    int (*run)(const uint8_t *peer, size_t peer_len);
} bare_kex_ref_t;

/** The reference rows of this backend; their number in *n. */
const bare_kex_ref_t *bare_kex_refs(size_t *n);

#endif /* TIP_BENCH_BARE_H */
