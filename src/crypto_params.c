/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * What every crypto backend agrees on, whatever library it calls: the
 * lengths RFC 4868 fixes for the HMAC integrity algorithms. (The checks
 * tip_crypto_sa_init() makes before it touches the library are in
 * crypto_check.h.)
 */
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

size_t tip_crypto_integ_icv_len(tip_integ_t integ)
{
    /* RFC 4868 2.3: the authenticator is half the hash output. */
    switch (integ) {
    case TIP_INTEG_HMAC_SHA2_256_128: return 16;
    case TIP_INTEG_HMAC_SHA2_384_192: return 24;
    case TIP_INTEG_HMAC_SHA2_512_256: return 32;
    default: return 0;
    }
}

size_t tip_crypto_integ_key_len(tip_integ_t integ)
{
    /* RFC 4868 2.1.1: the key is exactly the hash output size. */
    switch (integ) {
    case TIP_INTEG_HMAC_SHA2_256_128: return 32;
    case TIP_INTEG_HMAC_SHA2_384_192: return 48;
    case TIP_INTEG_HMAC_SHA2_512_256: return 64;
    default: return 0;
    }
}
