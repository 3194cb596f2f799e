/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Mbed TLS 3.6 configuration for the on-target certificate tests and the
 * certificate measurement (scripts/cm4/target-libs.sh mbedtls-cert,
 * scripts/cm4/cert-measure.sh): mbedtls_cm4_cert_config.h plus the static
 * heap of mbedtls_fw_config.h, whose high-water mark the measurement reads
 * (MBEDTLS_MEMORY_DEBUG).
 */
#ifndef TIP_MBEDTLS_FW_CERT_CONFIG_H
#define TIP_MBEDTLS_FW_CERT_CONFIG_H

#include "mbedtls_cm4_cert_config.h"

#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG

#endif /* TIP_MBEDTLS_FW_CERT_CONFIG_H */
