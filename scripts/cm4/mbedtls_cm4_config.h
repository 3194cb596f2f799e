/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Mbed TLS 3.6 configuration for tinyipsec on Cortex-M (scripts/cm4-build.sh):
 * the ESP ciphers and HMACs tinyipsec's default config enables, plus what
 * IKEv2 will need (ECDH P-256/P-384/X25519, SHA-1 for NAT-D, CTR_DRBG).
 * SHA-512 is built with MBEDTLS_SHA512_SMALLER: the smaller of its two code
 * paths is enough for the PRF and HMAC-SHA-384/512 on a microcontroller.
 */
#ifndef TIP_MBEDTLS_CM4_CONFIG_H
#define TIP_MBEDTLS_CM4_CONFIG_H

#define MBEDTLS_HAVE_ASM              /* bignum UMAAL asm on Cortex-M */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT  /* app provides mbedtls_hardware_poll() */
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
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_C
#define MBEDTLS_DHM_C

#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

#endif /* TIP_MBEDTLS_CM4_CONFIG_H */
