/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Mbed TLS 3.6 configuration of the example firmware (MBEDTLS_CONFIG_FILE):
 * what tinyipsec uses (AES-GCM/CBC/CTR, ChaCha20-Poly1305, HMAC-SHA-1/2,
 * ECDH P-256/P-384/X25519, MODP-2048), no TLS, no X.509, and every
 * allocation from a static arena (mbedtls_memory_buffer_alloc_init()).
 */
#ifndef APP_MBEDTLS_CONFIG_H
#define APP_MBEDTLS_CONFIG_H

#define MBEDTLS_HAVE_ASM              /* bignum UMAAL asm on Cortex-M */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C /* heap = a static arena */
#define MBEDTLS_MEMORY_DEBUG          /* arena high-water mark */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_DEPRECATED_REMOVED

#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_GCM_C
#define MBEDTLS_CCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C

#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C                /* IKEv2 NAT_DETECTION_*_IP (RFC 7296 2.23) */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_SMALLER

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2     /* less RAM, slower (default 4) */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_C
#define MBEDTLS_DHM_C

#endif /* APP_MBEDTLS_CONFIG_H */
