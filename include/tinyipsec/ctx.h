/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * The context: one caller-owned structure that holds every table. Its
 * definition is public only so that sizeof(tip_ctx_t) works and it can be
 * static or on a task's stack; its fields are private to the library and
 * may change between versions. Use the functions in tinyipsec.h, spd.h and
 * sad.h.
 */
#ifndef TINYIPSEC_CTX_H
#define TINYIPSEC_CTX_H

#include "tinyipsec/port.h"
#include "tinyipsec/sad.h"
#include "tinyipsec/spd.h"
#include "tinyipsec/types.h"

/** @cond INTERNAL */
/* The private types the context is made of (no API: sizeof only). */

/** Words of the RFC 6479 replay bitmap: one more block than the window needs. */
#define TIP_REPLAY_WORDS (TIP_REPLAY_WINDOW / 32 + 1)

/** Anti-replay state of an inbound SA (private). */
typedef struct {
    uint64_t top;      /**< highest authenticated sequence number (64-bit) */
    uint32_t window;   /**< window size in packets */
    uint32_t bitmap[TIP_REPLAY_WORDS];
} tip_replay_t;

/** Storage the crypto backend uses for one SA (private). */
typedef union {
    uint64_t align_u64;
    void *align_ptr;
    long double align_ld;
    uint8_t bytes[TIP_CRYPTO_SA_STORAGE];
} tip_crypto_sa_t;

/** Storage the crypto backend uses for one key exchange (private). */
typedef union {
    uint64_t align_u64;
    void *align_ptr;
    long double align_ld;
    uint8_t bytes[TIP_CRYPTO_DH_STORAGE];
} tip_crypto_dh_t;

/**
 * Counters of an SA slot (private): tip_sad_stats() widens them into a
 * tip_sa_stats_t. The drops saturate at UINT32_MAX.
 */
typedef struct {
    uint64_t packets;
    uint64_t bytes;
    uint64_t added_ms;
    uint32_t drops[TIP_DROP_COUNT];
} tip_sa_counters_t;

/** An SA slot (private). */
typedef struct {
    uint16_t gen;        /**< generation, bumped on delete */
    uint8_t in_use;
    uint8_t dir;         /**< tip_dir_t */
    uint8_t mode;        /**< tip_mode_t */
    uint8_t esn;
    uint8_t no_replay;
    uint8_t has_sel;
    uint8_t soft_fired;  /**< soft lifetime event already raised */
    uint8_t seq_warned;  /**< rekey-needed (sequence) event already raised */
    uint8_t seq_persist; /**< manual keys: sequence state kept in the port's store */
    uint8_t encr;        /**< tip_encr_t */
    uint8_t integ;       /**< tip_integ_t */
    uint8_t iv_len;      /**< bytes of IV on the wire */
    uint8_t icv_len;     /**< bytes of ICV on the wire */
    uint8_t block;       /**< padding alignment (RFC 4303 2.4) */
    uint16_t natt_sport, natt_dport;
    uint16_t hash_next;  /**< next slot + 1 in the SPI hash chain, 0 = end */
    uint32_t spi;
    uint32_t reqid;
    uint32_t serial;     /**< install order: newer SAs win (make-before-break) */
    tip_addr_t src, dst;
    tip_selector_t sel;
    tip_lifetime_t soft, hard;
    uint64_t seq_mark;   /**< seq_persist: the last mark stored (numbers up to it are covered) */
    uint64_t seq;        /**< outbound: last sequence number used */
    uint64_t last_tx_ms; /**< outbound NAT-T: last time anything was sent */
    tip_sa_counters_t stats;
    tip_replay_t replay;
    tip_crypto_sa_t crypto;
} tip_sa_t;

/** A policy slot (private). */
typedef struct {
    uint16_t gen;
    uint8_t in_use;
    uint16_t next;       /**< next slot + 1 in its direction's order, 0 = end */
    tip_policy_t pol;
    tip_handle_t sa;     /**< bound outbound SA, 0 = look it up */
} tip_policy_slot_t;

#if TIP_CONF_IKEV2
#include "tinyipsec/ike_ctx.h"
#endif
/** @endcond */

/**
 * Kinds of event raised to the application: X(name, meaning). The list
 * generates the enum (TIP_EV_<name>, numbered from 1 in this order) and the
 * names tip_event_name() returns, so every event has a name. New events go
 * at the end (the numbers are part of the ABI).
 */
#define TIP_EVENT_LIST(X)                                                              \
    X(SA_SOFT_EXPIRED, "soft lifetime reached: rekey soon")                            \
    X(SA_HARD_EXPIRED, "hard lifetime reached: the SA is gone")                        \
    X(SA_REKEY_NEEDED, "outbound sequence space nearly used up")                       \
    X(SA_SEQ_EXHAUSTED, "outbound sequence space used up: the SA stops sending")       \
    X(ACQUIRE, "PROTECT policy hit with no SA")                                        \
    X(IKE_UP, "IKE SA established (conn)")                                             \
    X(IKE_DOWN, "IKE SA gone (conn, reason)")                                          \
    X(CHILD_UP, "CHILD SA pair installed (conn, sa = inbound)")                        \
    X(CHILD_REKEYED, "CHILD SA replaced by a new pair (conn)")                         \
    X(CHILD_DOWN, "CHILD SA pair removed (conn, reason)")                              \
    X(AUTH_FAILED, "the peer's or our authentication failed (conn, reason)")           \
    X(PROPOSAL_MISMATCH, "no acceptable proposal (conn, reason)")                      \
    X(IKE_REKEYED, "IKE SA replaced by a new one (conn)")                             \
    X(VIRTUAL_IP, "the peer assigned us virtual addresses and DNS servers (conn, vip)") \
    X(IKE_MOVED, "IKE SA and its CHILD SAs moved to new addresses, MOBIKE (conn)")

/** Kinds of event raised to the application (see TIP_EVENT_LIST). */
typedef enum {
    TIP_EV_NONE_ = 0, /**< never raised */
#define TIP_X_EV_ENUM(name, text) TIP_EV_##name,
    TIP_EVENT_LIST(TIP_X_EV_ENUM)
#undef TIP_X_EV_ENUM
    TIP_EV_COUNT_     /**< one more than the last event */
} tip_event_type_t;

/**
 * The name of event type @p type without its TIP_EV_ prefix ("IKE_REKEYED"),
 * for logs. Kept in every build (TIP_CONF_STRINGS does not remove them).
 * @param type a tip_event_type_t
 * @return a constant string; "unknown" for a value that is not an event
 */
const char *tip_event_name(tip_event_type_t type);

/** An event, valid only during the callback: copy what you keep. */
typedef struct {
    tip_event_type_t type; /**< what happened */
    /**
     * The SA concerned (0 for ACQUIRE and most IKE events; CHILD_UP and
     * CHILD_REKEYED: the new inbound SA). Stale for SA_HARD_EXPIRED: the
     * SA is already gone when that is raised.
     */
    tip_handle_t sa;
    uint32_t spi;        /**< its SPI (0 for ACQUIRE) */
    tip_dir_t dir;       /**< its direction (SA events) */
    /**
     * ACQUIRE: the policy that had no SA; PROPOSAL_MISMATCH of an acquire
     * refused before any negotiation: that policy; else 0.
     */
    tip_handle_t policy;
    tip_handle_t conn;   /**< IKE events: the connection */
    int reason;          /**< IKE events: a tip_err_t, or a notify type for the peer's errors */
    /** VIRTUAL_IP: the addresses and DNS servers assigned (also tip_ike_vip_get()); else NULL. */
    const struct tip_ike_vip_s *vip;
    /**
     * CHILD_UP, CHILD_REKEYED, CHILD_DOWN: which CHILD SA of the connection,
     * the index for tip_ike_child_status() (0 = the one IKE_AUTH made).
     */
    uint8_t child;
} tip_event_t;

/**
 * Event callback installed with tip_ctx_set_event_cb().
 *
 * THE CONTRACT. The callback runs on the caller's thread, inside the call
 * that raised the event (tip_output(), tip_esp_encap(), tip_input_ip(),
 * tip_input_udp(), tip_poll(), tip_ike_input(), tip_ike_conn_del(),
 * tip_ike_terminate()), after the library has finished its own changes:
 * what the event reports has already happened, and nothing the library
 * does after the callback returns depends on what the callback changed.
 *
 * Allowed inside: every function of this API on the same context, except
 *  - tip_poll(): refused, it runs nothing and returns 0 (the call that
 *    raised the event is still running; poll again after it returns);
 *  - tip_ctx_deinit(): refused with TIP_ERR_BUSY;
 *  - tip_ctx_init() on this context: never (it cannot be detected).
 * Other contexts are independent: any call.
 *
 * A call made inside may raise events in turn: the callback is then
 * entered again before it returns (it must be re-entrant). ACQUIRE and
 * SA_SEQ_EXHAUSTED are raised for every packet that meets them; from
 * inside the callback of one, a packet that meets the same one again (the
 * same policy, the same SA) returns its error without raising it again.
 *
 * When one call raises several events (IKE_UP, VIRTUAL_IP, then CHILD_UP or
 * PROPOSAL_MISMATCH; AUTH_FAILED or PROPOSAL_MISMATCH, then CHILD_DOWN,
 * then IKE_DOWN; SA_SOFT_EXPIRED then SA_HARD_EXPIRED) they are delivered
 * one after the other in that order, each describing what had happened
 * before the first was raised. Once a callback deletes the connection
 * (tip_ike_conn_del()), the rest of that connection's events are not
 * delivered, except the CHILD_DOWN and IKE_DOWN tip_ike_conn_del() itself
 * raises.
 *
 * The state each event is raised in:
 *  - SA_SOFT_EXPIRED: the SA still exists and works. Install its
 *    replacement (tip_sad_add(), tip_spd_bind_sa()) and delete it
 *    (tip_sad_del()), or let IKE rekey it.
 *  - SA_HARD_EXPIRED: the SA is already removed (ev->sa is stale; ev->spi
 *    and ev->dir name it). Install a replacement if you have one.
 *  - SA_REKEY_NEEDED: the SA exists; the packet that crossed the margin
 *    was protected with it.
 *  - SA_SEQ_EXHAUSTED: the SA exists but sends nothing more; the packet
 *    was dropped (counted on it). Replace the SA.
 *  - ACQUIRE: the packet was dropped; ev->policy is valid. When an IKE
 *    connection covers the policy, its negotiation has already started.
 *    An SA installed now carries the next packet.
 *  - IKE_UP, IKE_REKEYED: the (new) IKE SA is established and current.
 *  - VIRTUAL_IP (initiator, between IKE_UP and CHILD_UP): ev->vip holds
 *    what the peer assigned; the CHILD SA that follows uses the address of
 *    its family as our side of its selectors. Put the address on the
 *    tunnel interface here.
 *  - CHILD_UP, CHILD_REKEYED: the new CHILD SA pair is installed and bound
 *    to the policies (after a rekey the old pair stays until its Delete
 *    is answered).
 *  - CHILD_DOWN: the pair and its policies are removed.
 *  - IKE_DOWN: the IKE SA is gone; a connection with restart may already
 *    be negotiating again (tip_ike_initiate() then says TIP_ERR_EXISTS).
 *  - AUTH_FAILED, PROPOSAL_MISMATCH: the failed attempt is gone (IKE_DOWN
 *    follows), or for a CHILD SA refused in IKE_AUTH the IKE SA is up
 *    without a CHILD SA; when that IKE SA did not get the virtual address
 *    it asked for (reason INTERNAL_ADDRESS_FAILURE, vip_optional 0), it is
 *    being deleted and IKE_DOWN follows. With ev->policy set (reason
 *    TIP_ERR_POLICY), raised before that policy's ACQUIRE: its selectors lie
 *    within the connection's but outside the virtual address assigned
 *    (RFC 7296 2.19), so nothing is negotiated; like ACQUIRE it comes with
 *    every packet.
 *
 * @param arg  the pointer given to tip_ctx_set_event_cb()
 * @param ev   the event (valid only during the call)
 */
typedef void (*tip_event_cb_t)(void *arg, const tip_event_t *ev);

struct tip_cb_frame_s;

/**
 * The context: every table of one IPsec instance, owned by the caller
 * (static, global or on a task's stack; nothing is allocated). Initialise
 * it with tip_ctx_init(). The fields are private to the library and may
 * change between versions; the definition is public so that sizeof works.
 */
typedef struct tip_ctx {
    /** @cond INTERNAL */
    tip_port_t port;
    tip_event_cb_t event_cb;
    void *event_arg;
    struct tip_cb_frame_s *cb_active; /**< the innermost event callback running, NULL = none */
    uint64_t now_ms;        /**< last time seen through tip_poll() or the port clock */
    uint32_t natt_keepalive_ms;
    uint16_t ip_id;         /**< IPv4 identification for outer headers */
    uint32_t sa_serial;     /**< install counter for tip_sa_t.serial */
    uint16_t spd_head[2];   /**< first slot + 1 per direction (in, out) */
    uint16_t spi_hash[TIP_SPI_HASH_SIZE]; /**< first slot + 1 per bucket */
    uint64_t drops[TIP_DROP_COUNT];       /**< drops with no SA to count them on */
    tip_policy_slot_t spd[TIP_MAX_POLICIES];
    tip_sa_t sa[TIP_MAX_SA];
    /** Set by IKE: timers run from tip_poll() (keeps the data path free of src/ike). */
    void (*ike_poll)(struct tip_ctx *ctx, uint64_t now);
    /** Set by IKE: ms from @p now to its next deadline, UINT64_MAX when none. */
    uint64_t (*ike_next)(const struct tip_ctx *ctx, uint64_t now);
    /** Set by IKE: told about data-path events (acquire, expiry) before the app. */
    void (*ike_event)(struct tip_ctx *ctx, const tip_event_t *ev);
    /** Set by IKE: frees its key material in tip_ctx_deinit(). */
    void (*ike_deinit)(struct tip_ctx *ctx);
#if TIP_CONF_IKEV2
    tip_ike_state_t ike;
#endif
    /** @endcond */
} tip_ctx_t;

#endif /* TINYIPSEC_CTX_H */
