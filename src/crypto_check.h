/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The checks tip_crypto_sa_init() makes before it touches the library, the
 * same for every backend (so both refuse the same bad SA with the same
 * error, in the same order). Included only by the backend files; inline, so
 * that a configuration without AES-CBC and NULL lets the compiler drop the
 * HMAC setup code it can then never reach.
 */
#ifndef TIP_CRYPTO_CHECK_H
#define TIP_CRYPTO_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/* Does encr_key_len fit the algorithm? AEAD keys carry the salt at the end. */
static inline int tip_crypto_encr_key_ok(tip_encr_t encr, size_t len)
{
    switch (encr) {
    case TIP_ENCR_AES_GCM_16:
        return len == 16 + TIP_CRYPTO_SALT_LEN || len == 32 + TIP_CRYPTO_SALT_LEN;
    case TIP_ENCR_CHACHA20_POLY1305: return len == 32 + TIP_CRYPTO_SALT_LEN;
    case TIP_ENCR_AES_CBC: return len == 16 || len == 32;
    case TIP_ENCR_NULL: return len == 0;
    default: return 0;
    }
}

/*
 * TIP_OK, or the error tip_crypto_sa_init() returns for these arguments;
 * @p encr_built says whether this backend and its library have the cipher,
 * @p integ_built (asked only for an integrity algorithm the cipher needs)
 * whether they have the HMAC.
 */
static inline int tip_crypto_sa_check(tip_dir_t dir, tip_encr_t encr, const uint8_t *encr_key,
                                      size_t encr_key_len, tip_integ_t integ,
                                      const uint8_t *integ_key, size_t integ_key_len,
                                      int encr_built, int (*integ_built)(tip_integ_t))
{
    if ((dir != TIP_DIR_IN && dir != TIP_DIR_OUT) || (encr_key_len != 0 && encr_key == NULL) ||
        (integ_key_len != 0 && integ_key == NULL))
        return TIP_ERR_ARG;
    /* Checked in an order that does not depend on the build: unknown ids,
     * then combinations (RFC 4303 3.2: AEAD carries its own ICV, the others
     * need an HMAC), then what is compiled in, then key lengths. */
    if (encr != TIP_ENCR_NONE && encr != TIP_ENCR_AES_CBC && encr != TIP_ENCR_NULL &&
        !tip_crypto_encr_is_aead(encr))
        return TIP_ERR_UNSUPPORTED;
    if (integ != TIP_INTEG_NONE && tip_crypto_integ_key_len(integ) == 0)
        return TIP_ERR_UNSUPPORTED;
    if (encr == TIP_ENCR_NONE || tip_crypto_encr_is_aead(encr) != (integ == TIP_INTEG_NONE))
        return TIP_ERR_ARG;
    if (!encr_built || (integ != TIP_INTEG_NONE && !integ_built(integ)))
        return TIP_ERR_UNSUPPORTED;
    /* RFC 4868 2.1.1: HMAC keys are exactly the hash size; NONE takes none. */
    if (!tip_crypto_encr_key_ok(encr, encr_key_len) ||
        integ_key_len != tip_crypto_integ_key_len(integ))
        return TIP_ERR_KEY_LEN;
    return TIP_OK;
}

#endif /* TIP_CRYPTO_CHECK_H */
