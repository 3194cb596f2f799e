/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * Manual keying from text, in the subset of the KAME / ipsec-tools setkey(8)
 * syntax that matches what tinyipsec can do. Each statement becomes calls
 * to the public SAD / SPD functions (tip_sad_add(), tip_spd_add(), ...), so
 * a configuration loaded this way is the same as one built in C.
 *
 * Available when TIP_CONF_SETKEY is 1 (the default on hosted builds).
 *
 * Syntax. Statements end with ';' and may span lines; '#' starts a comment
 * that runs to the end of the line. Columns count bytes from 1 (a tab is one
 * column). Supported statements:
 *
 *     add SRC DST esp SPI [options] -E ENC KEY [-A AUTH KEY];
 *     add SRC[PORT] DST[PORT] esp-udp SPI [options] -E ENC KEY [-A AUTH KEY];
 *     delete SRC DST esp SPI;
 *     flush [esp];                    # every SA
 *     spdadd SRC[/PREFIX][[PORT]] DST[/PREFIX][[PORT]] UPPER -P DIR ACTION;
 *     spdflush;                       # every policy
 *
 * SPI: decimal or 0x hex, 256 and up (RFC 4303 2.1). esp-udp means NAT-T
 * (RFC 3948) with the UDP ports in brackets (4500 when left out).
 *
 * add options (each at most once):
 *
 *     -m tunnel|transport|any  mode; default transport, "any" = transport
 *     -u REQID                 reqid linking the SA to policies (unique:N)
 *     -r WINDOW                replay window in packets (capped at
 *                              TIP_REPLAY_WINDOW); "-r 0" turns the replay
 *                              check off. Unlike setkey, leaving -r out gives
 *                              the default window, never no check.
 *     -ls SECS / -lh SECS      soft / hard lifetime in seconds
 *     -bs BYTES / -bh BYTES    soft / hard lifetime in bytes
 *     -dir in|out              tinyipsec extension: the SA's direction
 *     -esn                     tinyipsec extension: 64-bit extended sequence
 *                              numbers (RFC 4303 2.2.1); both ends must agree
 *     -seq N                   tinyipsec extension: where the sequence numbers
 *                              start (tip_sa_params_t.seq_start), decimal or
 *                              0x hex, up to 2^32 - 1, or 2^64 - 1 with -esn
 *                              (the high 32 bits are the ESN epoch). Outbound:
 *                              the last number already used; inbound: the
 *                              highest already received (everything up to it
 *                              is refused as a replay). Default 0.
 *
 * Every SA added here is manually keyed: the context's port must provide
 * the sequence-number store (tip_port_t.seq_load / seq_store), or the add
 * fails with TIP_ERR_NO_SEQ_STORE (an inbound SA with "-r 0" excepted). The
 * stored mark wins over -seq when it is higher, so applying the same text
 * after a restart never reuses a sequence number.
 *
 * Direction of an SA (setkey has no syntax for it): "-dir" wins when given.
 * Otherwise the local addresses of tip_setkey_opts_t decide: DST local means
 * inbound, SRC local means outbound. When both or neither are local, or no
 * local addresses were declared, the statement is an error that asks for
 * "-dir".
 *
 * Algorithms. -E: aes-gcm-16 (aliases aes-gcm, rfc4106(gcm(aes))), aes-cbc
 * (rijndael-cbc), chacha20-poly1305 (rfc7539esp(chacha20,poly1305)), null
 * (no key). -A: hmac-sha256, hmac-sha384, hmac-sha512. AEAD keys include
 * the 4-byte salt: aes-gcm-16 takes 20 or 36 bytes, chacha20-poly1305 36;
 * aes-cbc 16 or 32; HMAC keys are 32, 48 and 64 bytes. AEAD ciphers take
 * no -A; aes-cbc and null need one. Keys are 0x<hex> or "string".
 * Algorithms RFC 8221 deprecates (des-cbc, 3des-cbc, blowfish-cbc,
 * cast128-cbc, des-deriv, 3des-deriv, hmac-md5, hmac-sha1, keyed-md5,
 * keyed-sha1) are refused with TIP_ERR_DEPRECATED; other unknown names give
 * TIP_ERR_UNSUPPORTED.
 *
 * spdadd: PREFIX defaults to the full address length; PORT is [N] or [any]
 * (any when left out) and needs a protocol with ports. UPPER is any, tcp,
 * udp, sctp, icmp, icmp6 / ipv6-icmp or a protocol number. DIR is in or out:
 * for "out" SRC is the local side of the selector, for "in" DST is. ACTION:
 *
 *     ipsec esp/tunnel/A-B/LEVEL   PROTECT in tunnel mode; A-B are the outer
 *                                  source and destination as on the wire (for
 *                                  "out" A is local, for "in" B is local)
 *     ipsec esp/transport//LEVEL   PROTECT in transport mode
 *     none                         BYPASS
 *     discard                      DISCARD
 *
 * LEVEL is "require", "unique" or "unique:N" (reqid N). "use" and "default"
 * are refused: a policy that says ipsec never lets traffic out in clear.
 * Policies are appended in the order given.
 */
#ifndef TINYIPSEC_SETKEY_H
#define TINYIPSEC_SETKEY_H

#include "tinyipsec/ctx.h"
#include "tinyipsec/types.h"

/** Size of tip_setkey_error_t.msg, terminating NUL included. */
#define TIP_SETKEY_MSG_MAX 128

/** Where and why a configuration was refused. */
typedef struct {
    int code;          /**< the tip_err_t returned; 0 on success */
    unsigned line;     /**< 1-based line of the error; 0 when there is none */
    unsigned column;   /**< 1-based column (bytes) of the error */
    /** Statements applied (tip_setkey_apply()) or validated (tip_setkey_parse()). */
    unsigned statements;
    /**
     * NUL-terminated, ready to print: "line 3, column 40: 3des-cbc is
     * deprecated (RFC 8221); use aes-gcm-16". Empty on success.
     */
    char msg[TIP_SETKEY_MSG_MAX];
} tip_setkey_error_t;

/** Options for tip_setkey_apply() and tip_setkey_parse(). */
typedef struct {
    /**
     * This host's addresses, used to tell the direction of an SA that has
     * no "-dir" (see the rule at the top of this header). May be NULL.
     */
    const tip_addr_t *local;
    size_t local_count; /**< entries in local */
} tip_setkey_opts_t;

/**
 * Check @p text (@p len bytes, need not be NUL-terminated) and apply its
 * statements to @p ctx, in order.
 *
 * The whole text is validated first (syntax, algorithms, key lengths,
 * directions), so a syntax error changes nothing. An error from the SAD or
 * SPD (TIP_ERR_FULL, TIP_ERR_EXISTS, TIP_ERR_NOT_FOUND for a delete of an
 * unknown SA, ...) stops at that statement; the statements before it stay
 * applied, as with setkey -f.
 *
 * @param ctx   an initialised context
 * @param text  the configuration
 * @param len   bytes of @p text
 * @param opts  local addresses; may be NULL
 * @param err   receives the position and message of an error; may be NULL
 * @return 0, TIP_ERR_PARSE, TIP_ERR_DEPRECATED, TIP_ERR_UNSUPPORTED,
 *         TIP_ERR_KEY_LEN, TIP_ERR_ARG, or an error of the SAD / SPD call
 *         (among them TIP_ERR_NO_SEQ_STORE and TIP_ERR_SEQ_STORE).
 */
int tip_setkey_apply(tip_ctx_t *ctx, const char *text, size_t len,
                     const tip_setkey_opts_t *opts, tip_setkey_error_t *err);

/**
 * Validate @p text like tip_setkey_apply() does, without a context and
 * without changing anything (a dry run, e.g. for a configuration tool).
 * Errors only the SAD / SPD can detect (a full table, an SPI in use) are
 * not found.
 *
 * @param text  the configuration
 * @param len   bytes of @p text
 * @param opts  local addresses; may be NULL
 * @param err   receives the position and message of an error; may be NULL
 * @return 0, TIP_ERR_PARSE, TIP_ERR_DEPRECATED, TIP_ERR_UNSUPPORTED,
 *         TIP_ERR_KEY_LEN or TIP_ERR_ARG; @p err as for tip_setkey_apply().
 */
int tip_setkey_parse(const char *text, size_t len, const tip_setkey_opts_t *opts,
                     tip_setkey_error_t *err);

#endif /* TINYIPSEC_SETKEY_H */
