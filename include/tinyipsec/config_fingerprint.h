/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * The configuration fingerprint: one 32-bit number computed at compile time
 * from every option of config.h. tip_ctx_init() hands the application's
 * fingerprint (and its sizeof(tip_ctx_t)) to the library, which refuses a
 * context whose configuration differs from its own (TIP_ERR_CONFIG) instead
 * of corrupting memory: a library and an application built with different
 * TIP_USER_CONFIG_FILEs or -D options fail loudly at start-up.
 *
 * Every option config.h defines must be listed in TIP_CONFIG_LIST; the test
 * config_list (scripts/check-config-list.sh) fails when one is missing.
 * Hooks (function-like macros such as TIP_ASSERT_CORE_LOCKED) are not
 * options: only the library's definition matters, so they are not listed.
 */
#ifndef TINYIPSEC_CONFIG_FINGERPRINT_H
#define TINYIPSEC_CONFIG_FINGERPRINT_H

#include <stdint.h>

#include "tinyipsec/config.h"

/** X(option): every limit and switch of config.h, in the order of that file. */
#define TIP_CONFIG_LIST(X)                                                     \
    X(TIP_MAX_SA)                                                              \
    X(TIP_MAX_POLICIES)                                                        \
    X(TIP_SPI_HASH_SIZE)                                                       \
    X(TIP_REPLAY_WINDOW)                                                       \
    X(TIP_CONF_CRYPTO_PSA)                                                     \
    X(TIP_CRYPTO_SA_STORAGE)                                                   \
    X(TIP_CRYPTO_DH_STORAGE)                                                   \
    X(TIP_NATT_KEEPALIVE_MS)                                                   \
    X(TIP_SEQ_SOFT_MARGIN)                                                     \
    X(TIP_SEQ_PERSIST_STEP)                                                    \
    X(TIP_SEQ_PERSIST_STEP_IN)                                                 \
    X(TIP_OUTER_TTL)                                                           \
    X(TIP_CONF_IPV6)                                                           \
    X(TIP_CONF_AES_GCM)                                                        \
    X(TIP_CONF_AES_CBC)                                                        \
    X(TIP_CONF_CHACHAPOLY)                                                     \
    X(TIP_CONF_ENCR_NULL)                                                      \
    X(TIP_CONF_HMAC_SHA256)                                                    \
    X(TIP_CONF_HMAC_SHA384)                                                    \
    X(TIP_CONF_HMAC_SHA512)                                                    \
    X(TIP_CONF_NATT)                                                           \
    X(TIP_CONF_SETKEY)                                                         \
    X(TIP_CONF_STRINGS)                                                        \
    X(TIP_CONF_IKEV2)                                                          \
    X(TIP_CONF_IKE_INITIATOR)                                                  \
    X(TIP_CONF_IKE_RESPONDER)                                                  \
    X(TIP_MAX_IKE_CONN)                                                        \
    X(TIP_MAX_IKE_SA)                                                          \
    X(TIP_CONF_IKE_FRAG)                                                       \
    X(TIP_IKE_DGRAM_MAX)                                                       \
    X(TIP_IKE_MSG_MAX)                                                         \
    X(TIP_IKE_FRAG_MAX)                                                        \
    X(TIP_IKE_MSG_POOL)                                                        \
    X(TIP_IKE_ID_MAX)                                                          \
    X(TIP_IKE_PSK_MAX)                                                         \
    X(TIP_CONF_IKE_CERT)                                                       \
    X(TIP_IKE_CERT_CHAIN_MAX)                                                  \
    X(TIP_IKE_CA_MAX)                                                          \
    X(TIP_IKE_SIG_MAX)                                                         \
    X(TIP_IKE_MAX_PROPOSALS)                                                   \
    X(TIP_IKE_CHILD_MAX)                                                       \
    X(TIP_IKE_NONCE_LEN)                                                       \
    X(TIP_IKE_PEER_NONCE_MAX)                                                  \
    X(TIP_IKE_COOKIE_THRESHOLD)                                                \
    X(TIP_IKE_HALF_OPEN_PER_SRC)                                               \
    X(TIP_IKE_REKEY_RESERVE)                                                   \
    X(TIP_CONF_IKE_CP)                                                         \
    X(TIP_IKE_CP_DNS_MAX)                                                      \
    X(TIP_IKE_POOLS)                                                           \
    X(TIP_IKE_POOL_LEASES)                                                     \
    X(TIP_CONF_IKE_MOBIKE)                                                     \
    X(TIP_CONF_IKE_REKEY_IKE)                                                  \
    X(TIP_KEYLOG)

/* Each option's position in the list (the enum numbers them). */
enum {
#define TIP_X_CONFIG_INDEX(opt) TIP_CONFIG_INDEX_##opt,
    TIP_CONFIG_LIST(TIP_X_CONFIG_INDEX)
#undef TIP_X_CONFIG_INDEX
    TIP_CONFIG_COUNT_
};

/* A 64-bit option value folded to 32 bits. */
#define TIP_CONFIG_FOLD_(v) ((uint32_t)((uint64_t)(v) ^ ((uint64_t)(v) >> 32)))
/* MurmurHash3's 32-bit finalizer (a bijection): distinct inputs, distinct outputs. */
#define TIP_CONFIG_MIX1_(x) ((uint32_t)(((x) ^ ((x) >> 16)) * 0x85EBCA6Bu))
#define TIP_CONFIG_MIX2_(x) ((uint32_t)(((x) ^ ((x) >> 13)) * 0xC2B2AE35u))
#define TIP_CONFIG_MIX3_(x) ((uint32_t)((x) ^ ((x) >> 16)))
#define TIP_CONFIG_MIX_(x) TIP_CONFIG_MIX3_(TIP_CONFIG_MIX2_(TIP_CONFIG_MIX1_((uint32_t)(x))))
/* One option's term: its value mixed with its position. False positive of
 * clang-tidy: the leading '+' joins the term to the sum TIP_CONFIG_LIST
 * builds, so the replacement list cannot be parenthesized. */
#define TIP_X_CONFIG_TERM(opt) /* NOLINTNEXTLINE(bugprone-macro-parentheses) */ \
    +TIP_CONFIG_MIX_(TIP_CONFIG_FOLD_(opt) +                                    \
                     (uint32_t)0x9E3779B9u * (uint32_t)(TIP_CONFIG_INDEX_##opt + 1))

/**
 * Fingerprint of the configuration this translation unit sees: an integer
 * constant expression over every option in TIP_CONFIG_LIST. Changing any
 * one option changes it. tip_ctx_init() passes it to the library.
 */
#define TIP_CONFIG_FINGERPRINT                                                  \
    ((uint32_t)((uint32_t)TIP_CONFIG_COUNT_ TIP_CONFIG_LIST(TIP_X_CONFIG_TERM)))

#endif /* TINYIPSEC_CONFIG_FINGERPRINT_H */
