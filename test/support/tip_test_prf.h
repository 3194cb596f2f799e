/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Which IKE PRFs the build has: PRF_HMAC_SHA2_384 / _512 follow
 * TIP_CONF_HMAC_SHA384 / _512 (compiled out, they are refused).
 */
#ifndef TIP_TEST_PRF_H
#define TIP_TEST_PRF_H

#include "tinyipsec/tinyipsec.h"

/** 1 when @p prf is built in. */
static inline int tip_test_prf_built(tip_prf_t prf)
{
    if (prf == TIP_PRF_HMAC_SHA2_384)
        return TIP_CONF_HMAC_SHA384;
    if (prf == TIP_PRF_HMAC_SHA2_512)
        return TIP_CONF_HMAC_SHA512;
    return 1;
}

#endif /* TIP_TEST_PRF_H */
