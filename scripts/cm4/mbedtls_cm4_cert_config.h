/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Mbed TLS 3.6 configuration for tinyipsec on Cortex-M with certificate
 * authentication (TIP_CONF_IKE_CERT 1): the Cortex-M set of
 * mbedtls_cm4_config.h plus what src/crypto_mbedtls_x509.c needs to parse
 * and verify X.509 chains (DER only, no PEM) and to check and make the
 * AUTH signatures: ECDSA on P-256 and P-384, RSA with PKCS#1 v1.5 and
 * PSS (RFC 7427). Built by scripts/cm4-build.sh --mbedtls-cert-prefix
 * (make size) and scripts/cm4/target-libs.sh mbedtls-cert (the on-target
 * certificate tests, with a static heap: mbedtls_fw_cert_config.h).
 * Certificates signed with RSASSA-PSS would also need
 * MBEDTLS_X509_RSASSA_PSS_SUPPORT.
 */
#ifndef TIP_MBEDTLS_CM4_CERT_CONFIG_H
#define TIP_MBEDTLS_CM4_CERT_CONFIG_H

#include "mbedtls_cm4_config.h"

#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C          /* ECDSA signatures (DER) */
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C            /* keys in certificates; the device's own key */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

#define MBEDTLS_ECDSA_C               /* on the curves of mbedtls_cm4_config.h */

#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15             /* RSA certificates, AUTH methods 1 and 14 */
#define MBEDTLS_PKCS1_V21             /* RSASSA-PSS (RFC 7427) */

#endif /* TIP_MBEDTLS_CM4_CERT_CONFIG_H */
