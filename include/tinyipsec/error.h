/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * Error codes and drop reasons. One flat list each, generated from X-macros
 * so the enum, the strings and the counters never disagree.
 */
#ifndef TINYIPSEC_ERROR_H
#define TINYIPSEC_ERROR_H

/**
 * The error codes, X(name, value, text). Every error is negative; 0 is
 * success. Some entry points also return small positive values that are
 * not errors (see tip_rx_t and TIP_BYPASS); they are documented where they
 * occur. The list generates tip_err_t and the strings of tip_strerror().
 */
#define TIP_ERROR_LIST(X)                                                      \
    X(TIP_OK, 0, "success")                                                    \
    X(TIP_ERR_INTERNAL, -1, "internal error")                                  \
    X(TIP_ERR_ARG, -2, "invalid argument")                                     \
    X(TIP_ERR_FULL, -3, "table full")                                          \
    X(TIP_ERR_NOT_FOUND, -4, "not found")                                      \
    X(TIP_ERR_EXISTS, -5, "already exists")                                    \
    X(TIP_ERR_BUF_SPACE, -6, "not enough head- or tailroom in the buffer")     \
    X(TIP_ERR_MALFORMED, -7, "malformed packet")                               \
    X(TIP_ERR_AUTH, -8, "integrity check failed")                              \
    X(TIP_ERR_REPLAY, -9, "replayed or too old sequence number")               \
    X(TIP_ERR_PADDING, -10, "invalid ESP padding")                             \
    X(TIP_ERR_POLICY, -11, "packet does not match the policy")                 \
    X(TIP_ERR_NO_SA, -12, "no SA")                                             \
    X(TIP_ERR_LIFETIME, -13, "SA lifetime expired")                            \
    X(TIP_ERR_SEQ_EXHAUSTED, -14, "sequence numbers exhausted, rekey needed")  \
    X(TIP_ERR_CRYPTO, -15, "crypto backend failure")                           \
    X(TIP_ERR_UNSUPPORTED, -16, "unsupported algorithm or feature")            \
    X(TIP_ERR_DISCARD, -17, "discarded by policy")                             \
    X(TIP_ERR_DUMMY, -18, "dummy packet (next header 59) dropped")             \
    X(TIP_ERR_PORT, -19, "port failed to send")                                \
    X(TIP_ERR_PARSE, -20, "configuration syntax error")                        \
    X(TIP_ERR_DEPRECATED, -21, "algorithm refused as deprecated")              \
    X(TIP_ERR_KEY_LEN, -22, "wrong key length for the algorithm")             \
    X(TIP_ERR_STALE, -23, "handle refers to a deleted entry")                  \
    X(TIP_ERR_CONFIG, -24,                                                     \
      "library and application were built with different configurations")      \
    X(TIP_ERR_TOO_LARGE, -25, "message larger than the build takes")          \
    X(TIP_ERR_NO_SEQ_STORE, -26,                                               \
      "manual keys need the port's sequence number store (seq_load, seq_store)") \
    X(TIP_ERR_SEQ_STORE, -27, "the port's sequence number store failed")    \
    X(TIP_ERR_BUSY, -28, "not allowed from inside an event callback")         \
    X(TIP_ERR_CERT, -29,                                                       \
      "peer certificate not trusted (chain, signature or key usage)")        \
    X(TIP_ERR_CERT_ID, -30, "peer identity does not match its certificate")   \
    X(TIP_ERR_CERT_TIME, -31, "peer certificate expired or not yet valid")    \
    X(TIP_ERR_SIGN, -32,                                                       \
      "our signer failed (key, scheme or the key's usage policy)")

/** Error codes: 0 is success, every error is negative. */
typedef enum {
#define TIP_X_ENUM(name, value, text) name = (value),
    TIP_ERROR_LIST(TIP_X_ENUM)
#undef TIP_X_ENUM
    TIP_ERR_LAST_ = -33 /**< one below the last error (not an error itself) */
} tip_err_t;

/**
 * A human-readable description of an error code, for logs.
 * @param err a tip_err_t (or any int)
 * @return a constant string, never NULL: "unknown error" for a value that
 *         is not a code; "" in a build with TIP_CONF_STRINGS 0
 */
const char *tip_strerror(int err);

/**
 * The drop reasons, X(name, text). Each SA and the context keep one counter
 * per reason (the context's counts drops that have no SA, such as an
 * unknown SPI). The list generates tip_drop_t and tip_drop_name().
 */
#define TIP_DROP_LIST(X)                                                       \
    X(REPLAY, "replay")                                                        \
    X(ICV, "integrity check failed")                                           \
    X(PADDING, "bad padding")                                                  \
    X(POLICY, "policy mismatch")                                               \
    X(NO_SA, "no SA")                                                          \
    X(LIFETIME, "lifetime expired")                                            \
    X(MALFORMED, "malformed")                                                  \
    X(DUMMY, "dummy packet")                                                   \
    X(DISCARD, "discard policy")                                               \
    X(SEQ_EXHAUSTED, "sequence exhausted")                                     \
    X(NO_ROOM, "no buffer room")                                               \
    X(SEND, "send failed")                                                     \
    X(SEQ_STORE, "sequence store failed")

/** Drop reasons, used as indices into the drop counter arrays. */
typedef enum {
#define TIP_X_DROP(name, text) TIP_DROP_##name,
    TIP_DROP_LIST(TIP_X_DROP)
#undef TIP_X_DROP
    TIP_DROP_COUNT /**< the number of drop reasons */
} tip_drop_t;

/**
 * A description of a drop reason, for logs and statistics.
 * @param reason a tip_drop_t
 * @return a constant string, never NULL: "unknown" for a value that is not
 *         a drop reason; "" in a build with TIP_CONF_STRINGS 0
 */
const char *tip_drop_name(tip_drop_t reason);

#endif /* TINYIPSEC_ERROR_H */
