/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * TF-PSA-Crypto 1.0 configuration for tinyipsec's embedded configuration
 * (include/tinyipsec/config_embedded.h: AES-GCM, HMAC-SHA-256, ECDH):
 * tf_psa_crypto_cm4_config.h without AES-CBC, ChaCha20-Poly1305 and
 * SHA-384/512. Built by
 *
 *     TIP_CM4_PSA_CONFIG=scripts/cm4/tf_psa_crypto_cm4_gcm_config.h scripts/cm4/mbedtls4-cm4.sh
 *
 * Without any unauthenticated cipher mode TF-PSA-Crypto leaves its cipher
 * module out (and AES-GCM runs on the block-cipher module by itself): the
 * PSA core links every mechanism a configuration enables, so leaving out
 * what the device never calls is 5 KB less flash. Per packet neither
 * configuration touches the heap.
 * Every key fits 64-byte slots (HMAC-SHA-256 keys up to its block, P-384
 * private keys of 48 bytes).
 */
#ifndef TIP_TF_PSA_CRYPTO_CM4_GCM_CONFIG_H
#define TIP_TF_PSA_CRYPTO_CM4_GCM_CONFIG_H

#define TIP_PSA_CM4_NO_CBC
#define TIP_PSA_CM4_NO_CHACHAPOLY
#define TIP_PSA_CM4_NO_SHA512
#define MBEDTLS_PSA_STATIC_KEY_SLOT_BUFFER_SIZE 64
#include "tf_psa_crypto_cm4_config.h"

#endif /* TIP_TF_PSA_CRYPTO_CM4_GCM_CONFIG_H */
