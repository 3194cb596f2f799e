/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The PSA Crypto backend, ESP half (Mbed TLS 3.6 with its PSA API, and
 * Mbed TLS 4.x / TF-PSA-Crypto 1.x, where PSA is the only crypto API).
 * Built when TIP_CONF_CRYPTO_PSA is 1; crypto_psa_ike.c is the IKEv2 half.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "crypto_psa.h"

#if TIP_CONF_CRYPTO_PSA /* the whole file: the classic backend is crypto_mbedtls.c */

#include <psa/crypto.h>

int tip_psa_ready(void)
{
    /* PSA Crypto API 1.x, 10.1: psa_crypto_init() may be called again; once
     * it succeeded, later calls succeed at once. No flag of our own, then
     * (no static state in the library); it is not called per packet. */
    return psa_crypto_init() == PSA_SUCCESS ? TIP_OK : TIP_ERR_CRYPTO;
}

int tip_psa_err(int32_t status)
{
    switch ((psa_status_t)status) {
    case PSA_SUCCESS: return TIP_OK;
    case PSA_ERROR_INVALID_SIGNATURE: return TIP_ERR_AUTH;
    case PSA_ERROR_NOT_SUPPORTED: return TIP_ERR_UNSUPPORTED;
    default: return TIP_ERR_CRYPTO;
    }
}

#else /* !TIP_CONF_CRYPTO_PSA */
/* ISO C forbids an empty translation unit. */
typedef int tip_crypto_psa_unused_t;
#endif /* TIP_CONF_CRYPTO_PSA */
