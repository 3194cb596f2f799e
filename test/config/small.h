/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A small gateway configuration, built and tested by CI (.ci/run test_small)
 * besides the default: small pools, IPv4 only, one cipher (AES-GCM), no
 * setkey parser, one IKE connection, no virtual addresses.
 */
#define TIP_MAX_SA 4
#define TIP_MAX_POLICIES 4
#define TIP_SPI_HASH_SIZE 8
#define TIP_REPLAY_WINDOW 64
#define TIP_CONF_IPV6 0
#define TIP_CONF_AES_CBC 0
#define TIP_CONF_CHACHAPOLY 0
#define TIP_CONF_ENCR_NULL 0
#define TIP_CONF_HMAC_SHA384 0
#define TIP_CONF_HMAC_SHA512 0
#define TIP_CONF_SETKEY 0
#define TIP_CONF_IKE_CP 0
#define TIP_MAX_IKE_CONN 1
#define TIP_MAX_IKE_SA 2
#define TIP_IKE_MAX_PROPOSALS 2
