/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * TF-PSA-Crypto 1.0 configuration for the on-target tests with the PSA
 * backend (TIP_TARGET_CRYPTO=psa scripts/cm4/target-tests.sh):
 * tf_psa_crypto_cm4_config.h with a key store sized for the tests, not for
 * a device. The tests use tinyipsec's default configuration (16 SAs and
 * 4 IKE SAs per context, every cipher) and run up to four contexts in one
 * program, all sharing PSA's one key store: at most 4 x (16 x 2 + 4 x 5) + 1
 * keys at once (docs/porting.md has the formula), so 256 slots.
 */
#ifndef TIP_TF_PSA_CRYPTO_CM4_TEST_CONFIG_H
#define TIP_TF_PSA_CRYPTO_CM4_TEST_CONFIG_H

#define MBEDTLS_PSA_KEY_SLOT_COUNT 256
#include "tf_psa_crypto_cm4_config.h"

#endif /* TIP_TF_PSA_CRYPTO_CM4_TEST_CONFIG_H */
