/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * Security Association Database (RFC 4301 4.4.2): a fixed pool of SAs with a
 * hash index on the inbound SPI.
 */
#ifndef TINYIPSEC_SAD_H
#define TINYIPSEC_SAD_H

#include "tinyipsec/types.h"

struct tip_ctx;

/** Largest key accepted by tip_sad_add() (AES-256 + salt, HMAC-SHA-512). */
#define TIP_MAX_KEY_LEN 64

/** Everything needed to install an SA. Keys are copied. */
typedef struct {
    uint32_t spi;          /**< SPI in host order; 0..255 are reserved (RFC 4303 2.1) */
    tip_dir_t dir;         /**< TIP_DIR_IN or TIP_DIR_OUT */
    tip_mode_t mode;       /**< tunnel or transport */
    tip_addr_t src;        /**< outer source (the peer for inbound SAs) */
    tip_addr_t dst;        /**< outer destination (us for inbound SAs) */
    tip_encr_t encr;       /**< cipher (TIP_ENCR_NULL: integrity only) */
    /**
     * Cipher key. For AES-GCM and ChaCha20-Poly1305 the 4-byte salt follows
     * the key (RFC 4106 8.1, RFC 7634 2), as in IKEv2 KEYMAT.
     */
    const uint8_t *encr_key;
    size_t encr_key_len;       /**< bytes of encr_key (salt included) */
    tip_integ_t integ;         /**< TIP_INTEG_NONE with AEAD ciphers */
    const uint8_t *integ_key;  /**< HMAC key (copied) */
    size_t integ_key_len;      /**< bytes of integ_key */
    uint8_t esn;           /**< 1: 64-bit extended sequence numbers (RFC 4303 2.2.1) */
    /** Inbound: replay window in packets, 0 = TIP_REPLAY_WINDOW; capped at it. */
    uint16_t replay_window;
    /**
     * Inbound: 1 disables the replay check (allowed by RFC 4303 3.4.3 for
     * manual keying): replayed packets are accepted. The SA still follows
     * the highest sequence number it accepted, so ESN keeps working past
     * 2^32 packets.
     */
    uint8_t no_replay;
    /** NAT-T (RFC 3948): UDP source port of ESP-in-UDP, 0 for plain ESP. */
    uint16_t natt_sport;
    uint16_t natt_dport;   /**< NAT-T: UDP destination port, 0 for plain ESP */
    tip_lifetime_t soft;   /**< raises TIP_EV_SA_SOFT_EXPIRED once */
    tip_lifetime_t hard;   /**< removes the SA (TIP_EV_SA_HARD_EXPIRED) */
    uint32_t reqid;        /**< links the SA to policies with the same reqid, 0 = any */
    /**
     * Optional traffic selectors negotiated for this SA (IKE). Inbound
     * decrypted packets must match them (RFC 4301 5.2). Ignored when
     * has_sel is 0; then the inbound PROTECT policy that matches the SA is
     * used instead.
     */
    uint8_t has_sel;
    tip_selector_t sel;    /**< the selectors, when has_sel is 1 */
    /**
     * Where the SA's sequence numbers start; 0 for a new SA. With ESN the
     * full 64 bits (the high half is the epoch, never sent); without ESN at
     * most 2^32 - 1.
     * Outbound: the last number already used (the next packet gets
     * seq_start + 1).
     * Inbound: the highest number already received: the replay window
     * starts with its top there and everything at or below it counts as
     * received (refused as a replay). With ESN this also tells the SA which
     * epoch the peer is in.
     * For manual keys the port's stored mark wins when it is higher (see
     * fresh_keys), so a restart never goes back.
     */
    uint64_t seq_start;
    /**
     * Set ONLY when these keys were generated for this SA and will never be
     * installed again (IKE sets it for every SA it negotiates). Then
     * sequence numbers may start afresh and nothing is stored.
     *
     * Leave it 0 for manual keys (keys that come from a configuration and
     * are installed again after a restart). Such an SA keeps its sequence
     * state in the port's store (tip_port_t.seq_load / seq_store), so that
     * after a restart an outbound SA never uses a number again (AES-GCM and
     * ChaCha20-Poly1305 take their nonce from it, AES-CBC its IV) and an
     * inbound SA never accepts an old packet again. tip_sad_add() refuses
     * such an SA when the port has no store (TIP_ERR_NO_SEQ_STORE), except
     * an inbound SA with no_replay, which accepts replays anyway.
     */
    uint8_t fresh_keys;
} tip_sa_params_t;

/** Counters of one SA. */
typedef struct {
    uint64_t packets;  /**< packets protected (out) or accepted (in) */
    uint64_t bytes;    /**< their payload bytes (inner packet sizes) */
    /**
     * Outbound: last sequence number sent (or where seq_start / the stored
     * mark put it). Inbound: the replay window's top, the highest number
     * accepted (or where seq_start / the stored mark put it).
     */
    uint64_t seq;
    uint64_t drops[TIP_DROP_COUNT]; /**< per reason; an SA counts up to 2^32 - 1 of
                                         each and then stays there (the context's own
                                         counters, tip_ctx_drops(), are 64-bit) */
    uint64_t added_ms; /**< when the SA was added (port clock) */
} tip_sa_stats_t;

/**
 * Install an SA: checks the parameters, copies the keys and sets up the
 * crypto state (all allocation the crypto backend needs happens here, none
 * per packet). For manual keys (fresh_keys 0) it reads the SA's stored
 * sequence mark through the port (seq_load) and resumes above it.
 * Lifetimes count from now (the port's clock).
 * @param ctx the context
 * @param p the SA (copied, keys included)
 * @param out receives the SA's handle; may be NULL
 * @return 0; TIP_ERR_ARG, TIP_ERR_KEY_LEN, TIP_ERR_UNSUPPORTED (algorithm
 *         compiled out or combination not allowed), TIP_ERR_EXISTS (inbound
 *         SPI and destination already used), TIP_ERR_FULL, TIP_ERR_CRYPTO,
 *         TIP_ERR_NO_SEQ_STORE (manual keys, the port has no sequence
 *         store), TIP_ERR_SEQ_STORE (the store could not be read)
 */
int tip_sad_add(struct tip_ctx *ctx, const tip_sa_params_t *p, tip_handle_t *out);

/**
 * Remove an SA and zeroize its keys. A policy bound to it falls back to
 * looking up another SA.
 * @param ctx the context
 * @param h the SA's handle
 * @return 0, TIP_ERR_NOT_FOUND (not an SA handle) or TIP_ERR_STALE (the SA
 *         is already gone)
 */
int tip_sad_del(struct tip_ctx *ctx, tip_handle_t h);

/**
 * Remove every SA (keys zeroized), IKE's included.
 * @param ctx the context
 */
void tip_sad_flush(struct tip_ctx *ctx);

/**
 * Find the SA for an inbound SPI and destination.
 * @param ctx the context
 * @param spi the SPI (host order)
 * @param dst our address the SA is for; NULL matches any destination
 * @param out receives the SA's handle; may be NULL
 * @return 0 or TIP_ERR_NOT_FOUND
 */
int tip_sad_find_inbound(const struct tip_ctx *ctx, uint32_t spi,
                         const tip_addr_t *dst, tip_handle_t *out);

/**
 * Copy the counters of an SA.
 * @param ctx the context
 * @param h the SA's handle
 * @param out receives the counters
 * @return 0, TIP_ERR_NOT_FOUND or TIP_ERR_STALE
 */
int tip_sad_stats(const struct tip_ctx *ctx, tip_handle_t h, tip_sa_stats_t *out);

/**
 * The number of SAs installed (both directions, manual and negotiated).
 * @param ctx the context
 * @return the count
 */
unsigned tip_sad_count(const struct tip_ctx *ctx);

#endif /* TINYIPSEC_SAD_H */
