/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the two files of the PSA Crypto backend share (src/crypto_psa.c for
 * ESP, src/crypto_psa_ike.c for IKEv2). Internal: only those two include it.
 * It names no PSA type, so that it stays a plain project header; PSA's
 * psa_status_t is an int32_t by definition (PSA Crypto API 1.x, 9.1).
 */
#ifndef TIP_CRYPTO_PSA_H
#define TIP_CRYPTO_PSA_H

#include <stdint.h>

#include "crypto.h"

#if TIP_CONF_CRYPTO_PSA

/**
 * Make sure the PSA Crypto library is initialised (psa_crypto_init(), which
 * may be called any number of times). Every backend entry point that
 * creates keys or computes without a key (hash, random) calls it first;
 * the per-packet functions do not (their keys exist, so PSA is up).
 * Returns TIP_OK, or TIP_ERR_CRYPTO when PSA cannot start (no entropy).
 */
int tip_psa_ready(void);

/**
 * A psa_status_t as a tip_err_t: PSA_SUCCESS -> TIP_OK,
 * PSA_ERROR_INVALID_SIGNATURE -> TIP_ERR_AUTH, PSA_ERROR_NOT_SUPPORTED ->
 * TIP_ERR_UNSUPPORTED, everything else -> TIP_ERR_CRYPTO (callers that give
 * a status a more precise meaning, e.g. an invalid peer public value, check
 * for it before calling this).
 */
int tip_psa_err(int32_t status);

#endif /* TIP_CONF_CRYPTO_PSA */

#endif /* TIP_CRYPTO_PSA_H */
