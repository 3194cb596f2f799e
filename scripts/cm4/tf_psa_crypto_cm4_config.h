/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * TF-PSA-Crypto 1.0 (Mbed TLS 4.0) configuration for tinyipsec's PSA backend
 * on a Cortex-M (scripts/cm4-build.sh --mbedtls4-prefix): a complete
 * replacement of include/psa/crypto_config.h, passed to the library and to
 * every file that includes a PSA header as
 *
 *     -DTF_PSA_CRYPTO_CONFIG_FILE='"tf_psa_crypto_cm4_config.h"'
 *
 * Only what IPsec and IKEv2 use: the ESP and IKE ciphers, HMAC-SHA2 for the
 * ESP integrity algorithms and the IKE PRF, SHA-1 for NAT detection, and
 * ECDH on P-256, P-384 and Curve25519. No persistent keys, no file system,
 * no threading, no entropy module: the application supplies the random
 * generator (mbedtls_psa_external_get_random(), fed by the MCU's TRNG), and
 * every key lives in a statically allocated PSA key slot: no ESP packet
 * touches the heap (test/alloc/test_alloc_zero.c on the target says so).
 * What still allocates: the AES context of an AES-CBC SA's ECB operation,
 * once at SA install and freed when the SA dies, and the bignums of the
 * elliptic-curve arithmetic of a key exchange. docs/porting.md explains each
 * option.
 */
#ifndef TIP_TF_PSA_CRYPTO_CM4_CONFIG_H
#define TIP_TF_PSA_CRYPTO_CM4_CONFIG_H

#define TF_PSA_CRYPTO_CONFIG_VERSION 0x01000000

/* ---- mechanisms (PSA_WANT_*) ---------------------------------------------- */

/* ESP ENCR_AES_GCM_16 (RFC 4106) and the IKE SK payload with AES-GCM (RFC 5282). */
#define PSA_WANT_KEY_TYPE_AES                   1
#define PSA_WANT_ALG_GCM                        1
/* ESP and IKE ENCR_AES_CBC (RFC 3602): tinyipsec chains the blocks itself
 * over one AES-ECB operation per SA, set up at SA install (ECB also encrypts
 * the block from which an outbound SA derives its IV), so PSA's CBC mode is
 * not needed. ECB brings in TF-PSA-Crypto's cipher module, which allocates
 * the operation's AES context once per SA at install; feeding blocks to the
 * operation never allocates. */
#ifndef TIP_PSA_CM4_NO_CBC
#define PSA_WANT_ALG_ECB_NO_PADDING             1
/* With the cipher module built, the built-in GCM would sit on it and every
 * psa_aead_encrypt()/psa_aead_decrypt() would allocate a cipher context
 * (mbedtls_cipher_setup). This internal option puts GCM on the block-cipher
 * module (key schedule inside the operation, no heap), as TF-PSA-Crypto
 * does by itself when no unauthenticated cipher mode is enabled. */
#define MBEDTLS_BLOCK_CIPHER_C
#endif
/* ENCR_CHACHA20_POLY1305 for ESP and IKE (RFC 7634). */
#ifndef TIP_PSA_CM4_NO_CHACHAPOLY
#define PSA_WANT_KEY_TYPE_CHACHA20              1
#define PSA_WANT_ALG_CHACHA20_POLY1305          1
#endif

/* AUTH_HMAC_SHA2_*_* (RFC 4868) for ESP and IKE, PRF_HMAC_SHA2_* for IKE. */
#define PSA_WANT_KEY_TYPE_HMAC                  1
#define PSA_WANT_ALG_HMAC                       1
#define PSA_WANT_ALG_SHA_256                    1
#ifndef TIP_PSA_CM4_NO_SHA512
#define PSA_WANT_ALG_SHA_384                    1
#define PSA_WANT_ALG_SHA_512                    1
#endif
/* NAT_DETECTION_*_IP hashes (RFC 7296 2.23 fixes SHA-1; not used for security). */
#define PSA_WANT_ALG_SHA_1                      1

/* Key exchange: groups 19, 20 (RFC 5903) and 31 (RFC 8031), psa_raw_key_agreement().
 * A fresh key pair per exchange (GENERATE), its public half exported for the
 * KE payload (EXPORT), known private values imported by the known-answer tests
 * (IMPORT). Deriving key pairs from a key derivation (..._DERIVE) is not used. */
#define PSA_WANT_ALG_ECDH                       1
#define PSA_WANT_ECC_SECP_R1_256                1
#define PSA_WANT_ECC_SECP_R1_384                1
#define PSA_WANT_ECC_MONTGOMERY_255             1
#define PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY        1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_BASIC    1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_IMPORT   1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_EXPORT   1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_GENERATE 1

/* ---- PSA core -------------------------------------------------------------- */

#define MBEDTLS_PSA_CRYPTO_C
/* Random numbers come from mbedtls_psa_external_get_random(), which the
 * application defines (a TRNG read, or a DRBG the application seeds from it).
 * No entropy module, no CTR_DRBG/HMAC_DRBG, no built-in entropy source. */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
/* Buffers handed to PSA are tinyipsec's own (SA packet buffers, IKE message
 * buffers), never memory shared with a less trusted party: PSA need not copy
 * them first (the copies would be heap allocations on every packet). */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS
/* A fixed table of key slots with the key material inside each slot: no heap
 * for keys. MBEDTLS_PSA_KEY_STORE_DYNAMIC is left out on purpose (it would
 * grow the table on the heap). Slots needed by the embedded configuration
 * (include/tinyipsec/config_embedded.h, docs/porting.md has the formula):
 * 8 ESP SAs x 1 AEAD key, 2 IKE SAs x (2 SK_e keys + 1 key-exchange private
 * key), 1 transient HMAC key for the IKE PRF = 15, rounded up to 16. */
#define MBEDTLS_PSA_STATIC_KEY_SLOTS
#ifndef MBEDTLS_PSA_KEY_SLOT_COUNT
#define MBEDTLS_PSA_KEY_SLOT_COUNT              16
#endif
/* The largest key kept in a slot: a 64-byte HMAC key (a SHA-256 PRF key
 * longer than the 64-byte block is hashed first, RFC 2104 2) or an ECC
 * private key (48 bytes for P-384). HMAC-SHA-384/512 keys of up to their
 * 128-byte block need 128. */
#ifndef MBEDTLS_PSA_STATIC_KEY_SLOT_BUFFER_SIZE
#define MBEDTLS_PSA_STATIC_KEY_SLOT_BUFFER_SIZE 128
#endif

/* ---- built-in implementations: small rather than fast ------------------- */

#define MBEDTLS_HAVE_ASM                        /* bignum multiply in Thumb-2 asm */
#define MBEDTLS_AES_ROM_TABLES                  /* AES tables in flash, not RAM */
#define MBEDTLS_AES_FEWER_TABLES                /* 2 KB of tables instead of 8 KB */
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_ECP_NIST_OPTIM                  /* fast reduction for P-256/P-384 */
#define MBEDTLS_ECP_WINDOW_SIZE                 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM           0

/* Left out on purpose: MBEDTLS_FS_IO, MBEDTLS_PSA_CRYPTO_STORAGE_C,
 * MBEDTLS_PSA_ITS_FILE_C (no persistent keys), MBEDTLS_HAVE_TIME,
 * MBEDTLS_THREADING_C (one context per thread, as tinyipsec's own rule),
 * MBEDTLS_PSA_BUILTIN_GET_ENTROPY, MBEDTLS_CTR_DRBG_C, MBEDTLS_MD_C,
 * MBEDTLS_PK_C and the ASN.1/PEM/Base64 modules (no certificates yet),
 * MBEDTLS_SELF_TEST. */

#endif /* TIP_TF_PSA_CRYPTO_CM4_CONFIG_H */
