/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Mbed TLS 3.6 configuration for the Cortex-M4F firmware and the on-target
 * tests (scripts/cm4/target-libs.sh): the tinyipsec Cortex-M set
 * (mbedtls_cm4_config.h) plus a static heap. Until the application calls
 * mbedtls_memory_buffer_alloc_init(), Mbed TLS allocates with newlib's
 * calloc (the on-target tests); the firmware gives it a static arena and
 * reads the arena's high-water mark (MBEDTLS_MEMORY_DEBUG).
 */
#ifndef TIP_MBEDTLS_FW_CONFIG_H
#define TIP_MBEDTLS_FW_CONFIG_H

#include "mbedtls_cm4_config.h"

#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG

#endif /* TIP_MBEDTLS_FW_CONFIG_H */
