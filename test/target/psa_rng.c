/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * PSA's random generator for the on-target tests with the PSA backend: the
 * Cortex-M4 TF-PSA-Crypto (scripts/cm4/tf_psa_crypto_cm4_config.h) is built
 * with MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG, so the application supplies
 * mbedtls_psa_external_get_random(). QEMU's mps2-an386 has no TRNG; this is
 * a SplitMix64 sequence from a fixed seed: reproducible test runs, NOT
 * random, never for a device (docs/porting.md says what a device uses).
 */
#include <stddef.h>
#include <stdint.h>

#include <psa/crypto.h>

static uint64_t tip_test_rng_state = 0x7469706970736563ull;

static uint64_t tip_test_rng_next(void)
{
    uint64_t z = (tip_test_rng_state += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size,
                                             size_t *output_length)
{
    size_t i;
    uint64_t v = 0;

    (void)context;
    for (i = 0; i < output_size; i++) {
        if ((i & 7u) == 0)
            v = tip_test_rng_next();
        output[i] = (uint8_t)(v >> (8u * (i & 7u)));
    }
    *output_length = output_size;
    return PSA_SUCCESS;
}
