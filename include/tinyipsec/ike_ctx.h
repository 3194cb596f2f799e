/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * IKEv2 state inside tip_ctx_t (private: public only so that sizeof works).
 * Included by ctx.h only, after the crypto storage types it uses.
 */
#ifndef TINYIPSEC_IKE_CTX_H
#define TINYIPSEC_IKE_CTX_H

#include "tinyipsec/ike.h"

/** @cond INTERNAL */

/** Largest PRF output of the build: HMAC-SHA-512, -384 or -256 (the PRFs
 *  follow TIP_CONF_HMAC_SHA384 / TIP_CONF_HMAC_SHA512). */
#if TIP_CONF_HMAC_SHA512
#define TIP_IKE_PRF_MAX 64
#elif TIP_CONF_HMAC_SHA384
#define TIP_IKE_PRF_MAX 48
#else
#define TIP_IKE_PRF_MAX 32
#endif
/** Largest SK_e key: AES-256 + 4-byte salt. */
#define TIP_IKE_ENCR_KEY_MAX 36
/** Largest cookie we accept (RFC 7296 3.10.1: 1..64 bytes). */
#define TIP_IKE_COOKIE_MAX 64

/**
 * States of an IKE SA. Only tip_ike_sa_set_state() (src/ike/ike_sa.c)
 * changes one: it checks the change against its table of allowed
 * transitions, logs it, and refuses and counts any other.
 *
 * Two things are deliberately not states, and live in their own fields:
 *  - req_outstanding / pend.kind: our one request in flight (window size 1,
 *    RFC 7296 2.3). INIT_SENT and AUTH_SENT always have one (kind NONE: the
 *    IKE_SA_INIT or IKE_AUTH request); ESTABLISHED may have any kind;
 *    REKEYED only DELETE_IKE; DELETING any kind (see below).
 *  - extra_role: what extra_child holds around a CHILD SA rekey collision
 *    (tip_ike_extra_role_t).
 */
typedef enum {
    TIP_IKE_S_FREE = 0,      /**< slot unused */
    TIP_IKE_S_INIT_SENT,     /**< initiator: IKE_SA_INIT request out, no valid response yet (an
                                  error notify in an unauthenticated response is only a hint,
                                  kept in init_hint, RFC 7296 2.21.1) */
    TIP_IKE_S_AUTH_SENT,     /**< initiator: IKE_AUTH request out */
    TIP_IKE_S_INIT_DONE,     /**< responder: IKE_SA_INIT answered, IKE_AUTH awaited (half-open) */
    TIP_IKE_S_CREATING,      /**< the new IKE SA of a rekey in progress: a slot reserved by the IKE
                                  SA in `parent` (whose pend.new_ike_sa names it back); it lives
                                  and dies with that exchange, no timer of its own. In a rekey
                                  collision (RFC 7296 2.8.2) also the peer's new IKE SA, keyed
                                  (its parent's pend.peer_ike_sa names it), until our own rekey
                                  is answered and the nonces tell which of the two stays */
    TIP_IKE_S_ESTABLISHED,   /**< authenticated and in use */
    TIP_IKE_S_REKEYED,       /**< replaced by a new IKE SA, its CHILD SAs moved there, or a new
                                  IKE SA a rekey collision made redundant (2.8.2); only its
                                  delete is left: ours when pend.kind is DELETE_IKE (we rekeyed,
                                  or created the redundant one), otherwise the peer's, awaited
                                  for TIP_IKE_HALF_OPEN_MS */
    TIP_IKE_S_DELETING,      /**< we delete it (tip_ike_terminate()): our Delete(IKE) is out when
                                  pend.kind is DELETE_IKE, otherwise it goes out as soon as the
                                  outstanding request is answered; it still carries its CHILD SAs */
    TIP_IKE_S_COUNT_
} tip_ike_sa_state_t;

/**
 * What extra_child of an IKE SA holds: a second new CHILD SA pair that a
 * simultaneous rekey of the same CHILD SA made (RFC 7296 2.8.1). Its SAs
 * are installed, but no policy points at them.
 */
typedef enum {
    TIP_IKE_X_NONE = 0,      /**< extra_child is empty */
    TIP_IKE_X_PENDING,       /**< the peer's new pair, kept until our own rekey's response
                                  shows which nonce is lowest (collide_low) */
    TIP_IKE_X_OURS,          /**< our new pair lost: it is redundant and we delete it */
    TIP_IKE_X_PEERS          /**< the peer's new pair lost: the peer deletes it */
} tip_ike_extra_role_t;

/** tip_ike_child_t.ts_idx of a CHILD SA that is not one of the connection's selector pairs. */
#define TIP_IKE_TS_NONE 0xFFu

/** tip_ike_child_t.create: a CHILD SA of ours still to be negotiated. */
typedef enum {
    TIP_IKE_CREATE_NONE = 0,        /**< nothing to create (the entry is free or in use) */
    TIP_IKE_CREATE_DUE,             /**< CREATE_CHILD_SA for `sel` is due at rekey_at_ms */
    TIP_IKE_CREATE_SENT             /**< our CREATE_CHILD_SA for it is outstanding */
} tip_ike_create_t;

/**
 * A CHILD SA of an IKE SA: an entry of its table. A pair in use has both
 * SAD handles. An entry may have none while still holding its policies:
 * the peer deleted it while our rekey of it was in flight (RFC 7296
 * 2.25.1), and the policies wait for the pair that rekey brings (or go
 * when it fails); or it waits to be created (create, `sel` = what we
 * propose). The entry is free when it holds none of that.
 */
typedef struct {
    uint32_t spi_in, spi_out;
    tip_handle_t sa_in, sa_out;     /**< SAD handles */
    tip_handle_t pol_out, pol_in;   /**< SPD handles */
    uint8_t encr, integ, esn, pfs;
    uint16_t key_bits;
    uint8_t rekey_fails;            /**< consecutive failed rekeys or creates (back-off) */
    uint8_t ts_idx;                 /**< the connection's selector pair it is for (0 = ts,
                                         n = ts_more[n - 1]), TIP_IKE_TS_NONE: the peer's or
                                         an acquire's */
    uint8_t create;                 /**< tip_ike_create_t */
    uint8_t app_pol;                /**< pol_out is the application's policy (an acquire):
                                         bound to the pair, never deleted; pol_in = 0 */
    uint64_t rekey_at_ms;           /**< rekey (or create) time, 0 = none scheduled */
    tip_selector_t sel;             /**< negotiated selectors (local = our side) */
} tip_ike_child_t;

/** An outstanding exchange that is not IKE_SA_INIT / IKE_AUTH. */
typedef struct {
    uint8_t kind;                   /**< tip_ike_pending_t (ike_core.h) */
    uint8_t nonce[TIP_IKE_NONCE_LEN];
    uint32_t new_spi_in;            /**< CHILD rekey / create: our new inbound SPI */
    uint32_t rekey_spi_in;          /**< CHILD rekey: our inbound SPI of the pair it replaces */
    tip_child_proposal_t child_offer; /**< CHILD rekey: the proposal we offered */
    uint8_t new_spi[8];             /**< IKE rekey: our new IKE SPI */
    tip_handle_t new_ike_sa;        /**< IKE rekey: the CREATING slot of the new IKE SA */
    tip_handle_t peer_ike_sa;       /**< IKE rekey collision (2.8.2): the peer's new IKE SA,
                                         CREATING, until our rekey is answered */
    uint32_t del_spi;               /**< Delete(ESP): our inbound SPI of the pair we named */
    uint8_t child_idx;              /**< CHILD create: the entry of child[] it is for */
} tip_ike_pending_ex_t;

#if TIP_CONF_IKE_FRAG
/**
 * Why a peer's Encrypted Fragment payload was dropped (RFC 7383 2.6), the
 * index of tip_ike_state_t's frag_drops. Each dropped fragment counts once.
 */
typedef enum {
    TIP_IKE_FRAG_DROP_UNNEGOTIATED = 0, /**< fragmentation was not negotiated on this IKE SA */
    TIP_IKE_FRAG_DROP_AUTH,      /**< the fragment's integrity check failed (nothing kept) */
    TIP_IKE_FRAG_DROP_NUMBER,    /**< Fragment Number 0 or above Total Fragments, or a Total
                                      of 0 or above TIP_IKE_FRAG_MAX */
    TIP_IKE_FRAG_DROP_TOTAL,     /**< a smaller Total Fragments than the message's so far */
    TIP_IKE_FRAG_DROP_DUPLICATE, /**< a fragment already held */
    TIP_IKE_FRAG_DROP_FIRST_NP,  /**< fragment 1 names no first inner payload */
    TIP_IKE_FRAG_DROP_TOO_LARGE, /**< the message would exceed TIP_IKE_MSG_MAX */
    TIP_IKE_FRAG_DROP_NO_BUF,    /**< no pool buffer to reassemble in */
    TIP_IKE_FRAG_DROP_TIMEOUT,   /**< fragments of a message not complete in time (each counts) */
    TIP_IKE_FRAG_DROP_INVALID,   /**< the reassembled message did not parse (all dropped) */
    TIP_IKE_FRAG_DROP_BUSY,      /**< another IKE SA's message is being reassembled */
    TIP_IKE_FRAG_DROP_COUNT_
} tip_ike_frag_drop_t;

/**
 * A peer's message being reassembled from fragments (private). One per
 * context: IKE SAs take turns (the peer's retransmission finds it free),
 * and its buffer comes from the message pool only while it is used.
 */
typedef struct {
    tip_handle_t sa;                /**< the IKE SA whose message it is */
    tip_handle_t buf;               /**< pool buffer with the decrypted fragments, 0 = none */
    uint32_t msg_id;                /**< the message's ID */
    uint8_t response;               /**< 1: a response to our request, 0: a request */
    uint8_t first_np;               /**< fragment 1's Next Payload: the first inner payload */
    uint16_t total;                 /**< Total Fragments, 0 = nothing held */
    uint16_t have;                  /**< fragments held */
    uint16_t used;                  /**< bytes of buf in use */
    uint64_t deadline_ms;           /**< dropped if not complete by then */
    uint16_t off[TIP_IKE_FRAG_MAX]; /**< where fragment n+1's content lies in buf */
    uint16_t len[TIP_IKE_FRAG_MAX]; /**< its length, 0 = not received */
} tip_ike_reasm_t;
#endif

/** An IKE SA slot (private). The members with the widest alignment (the
 *  crypto backend's state, then the 64-bit timers) come first, so that the
 *  small ones pack behind them without padding. */
typedef struct {
    tip_crypto_sa_t sk_out;         /**< protects what we send (RFC 7296 2.14) */
    tip_crypto_sa_t sk_in;          /**< verifies what we receive */
    tip_crypto_dh_t dh;
    /* timers */
    uint64_t req_deadline_ms;       /**< next retransmission of the outstanding request */
    uint64_t established_ms;
    uint64_t rekey_at_ms;           /**< IKE SA rekey, 0 = none */
    uint64_t last_rx_ms;            /**< last authenticated message from the peer */
    uint16_t gen;
    uint8_t state;                  /**< tip_ike_sa_state_t, set by tip_ike_sa_set_state() only */
    uint8_t initiator;              /**< we sent the IKE_SA_INIT request */
    tip_handle_t conn;              /**< its connection, 0 = none (tip_ike_conn_del() cut it) */
    tip_handle_t parent;            /**< CREATING: the IKE SA whose rekey reserved this slot */
    tip_handle_t successor;         /**< REKEYED: the new IKE SA its CHILD SAs moved to */
    uint8_t spi_i[8], spi_r[8];
    tip_addr_t local, remote;
    uint16_t lport, rport;
    uint8_t nat_local, nat_remote;  /**< RFC 7296 2.23: NAT in front of us / them */
    uint8_t use_natt;               /**< on port 4500 with the non-ESP marker */
    uint8_t force_encap;            /**< the connection forces UDP encapsulation of ESP: our
                                         NAT_DETECTION_SOURCE_IP is made not to match (set
                                         when IKE_SA_INIT is built, kept across rekeys) */
    uint8_t auth_initiator;         /**< we were IKE_AUTH's initiator: whose side a virtual
                                         address is (RFC 7296 2.19). Kept across IKE SA
                                         rekeys, which make the rekey's initiator the new
                                         `initiator` (2.18) */
    /* negotiated IKE SA algorithms */
    uint8_t encr, integ, prf, dh_group;
    uint16_t key_bits;
    /* keys (RFC 7296 2.14) */
    uint8_t prf_len;
    uint8_t sk_d[TIP_IKE_PRF_MAX], sk_pi[TIP_IKE_PRF_MAX], sk_pr[TIP_IKE_PRF_MAX];
    uint8_t sk_iv_len, sk_icv_len, sk_block;
    /* message IDs and the retransmission state (RFC 7296 2.1, 2.2) */
    uint32_t msg_id_out;            /**< ID of our next (or outstanding) request */
    uint32_t msg_id_in;             /**< ID of the peer's next expected request */
    uint8_t req_outstanding;
    uint8_t req_tries;
    uint16_t req_len, resp_len;
    uint8_t resp_valid;             /**< resp_buf answers request msg_id_in - 1 */
    /* Message buffers borrowed from the context's pool (tip_ike_msgbuf_t),
     * by handle, 0 = none held: our request while it is outstanding, our
     * last response (kept for retransmitted requests, RFC 7296 2.1), and
     * the IKE_SA_INIT messages until IKE_AUTH is done (AUTH covers them;
     * an initiator's own request only until its AUTH is computed; a
     * responder's init_r_buf is its resp_buf until it answers an IKE_AUTH
     * request). */
    tip_handle_t req_buf, resp_buf;
    tip_handle_t init_i_buf, init_r_buf;
    uint16_t init_i_len, init_r_len;
    uint16_t ni_len, nr_len;
    uint8_t ni[TIP_IKE_PEER_NONCE_MAX], nr[TIP_IKE_PEER_NONCE_MAX];
#if TIP_CONF_IKE_INITIATOR
    uint8_t cookie_len;
    uint8_t cookie[TIP_IKE_COOKIE_MAX]; /**< the responder's COOKIE, sent again (2.6) */
#endif
    tip_ike_pending_ex_t pend;
    /* The CHILD SA table: child[0] is the one IKE_AUTH makes, the others
     * come from CREATE_CHILD_SA. One CHILD SA is rekeyed at a time:
     * child[rekey_idx]; old_child and extra_child belong to it. */
    tip_ike_child_t child[TIP_IKE_CHILD_MAX];
    tip_ike_child_t old_child;      /**< the pair a rekey replaced, until it is deleted */
    tip_ike_child_t extra_child;    /**< 2.8.1: the second new pair of a simultaneous rekey */
    uint8_t rekey_idx;              /**< the entry of child[] being (or last) rekeyed */
    uint8_t del_idx;                /**< the entry our next Delete(ESP) names (tip_ike_info_start) */
    uint16_t collide_low_len;
    uint8_t extra_role;             /**< tip_ike_extra_role_t: what extra_child holds */
    uint8_t collide_low[TIP_IKE_PEER_NONCE_MAX]; /**< lowest nonce of the peer's exchange */
#if TIP_CONF_IKE_INITIATOR
    uint8_t ke_retried;             /**< INVALID_KE_PAYLOAD retry done (1.2: once) */
    uint16_t init_hint;             /**< INIT_SENT: error notify of an unauthenticated response,
                                         reported only if no valid response comes (2.21.1) */
#endif
    uint32_t child_pending_spi;     /**< initiator: our inbound SPI offered in IKE_AUTH */
    int first_error;                /**< the first failure reason (kept) */
    uint8_t child_pending_spi_valid;
    uint8_t rekey_fails;            /**< consecutive failed IKE SA rekeys (back-off) */
#if TIP_CONF_IKE_FRAG
    /* RFC 7383: both sides sent IKEV2_FRAGMENTATION_SUPPORTED; messages
     * whose protected size exceeds frag_room bytes go out in fragments. A
     * message sent in fragments is kept as plaintext in its buffer
     * (req_frag / resp_frag) and protected afresh each time it is sent. */
    uint8_t frag_ok;
    uint8_t req_frag, resp_frag;
    uint8_t frag_out;               /**< the message tip_ike_sk_end() just closed goes in fragments */
    uint16_t frag_room;             /**< bytes of IKE message per fragment datagram */
#endif
#if TIP_CONF_IKE_CERT
    uint8_t peer_sig_hashes;        /**< RFC 7427 4: hashes the peer announced (bit = id) */
#endif
#if TIP_CONF_IKE_MOBIKE
    uint8_t peer_mobike;            /**< RFC 4555 3.1: both sides announced MOBIKE_SUPPORTED */
    uint8_t mobike_due;             /**< our UPDATE_SA_ADDRESSES (original initiator) or
                                         return-routability check (original responder: the
                                         CHILD SAs wait for it) waits for the window */
    uint8_t mobike_orig_init;       /**< we initiated the first IKE SA (kept across rekeys) */
    uint8_t cookie2[8];             /**< RFC 4555 3.7: the COOKIE2 of our outstanding update
                                         or check */
    uint8_t mobike_natd[8];         /**< RFC 4555 3.8: the start of the peer's last
                                         NAT_DETECTION_DESTINATION_IP (behind a NAT) */
#endif
} tip_ike_sa_t;

/**
 * A message buffer of the context's pool (private). An IKE SA names the
 * ones it holds by handle; a released buffer is wiped and gets a new
 * generation, so a stale handle finds nothing.
 */
typedef struct {
    uint16_t gen;
    uint8_t in_use;
    /* the message sits at offset 4, behind room for the non-ESP marker (RFC 3948 2.2) */
    uint8_t data[4 + TIP_IKE_MSG_MAX];
} tip_ike_msgbuf_t;

/** A connection slot (private). */
typedef struct {
    uint16_t gen;
    uint8_t in_use;
    tip_handle_t ike_sa;            /**< its current IKE SA, 0 = none */
    int last_error;
    uint32_t ike_rekeys, child_rekeys;
    tip_ike_conn_t cfg;
#if TIP_CONF_IKE_CP
    uint8_t vip_valid;              /**< vip holds the current IKE SA's assignment */
    tip_ike_vip_t vip;              /**< assigned to us (initiator) or to the peer (responder);
                                         kept after the IKE SA goes, as the address to ask for
                                         again (RFC 7296 3.15.1) */
#endif
} tip_ike_conn_slot_t;

#if TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER
/** A lease of an address pool (private): one identity and its address. */
typedef struct {
    uint8_t state;                  /**< 0 free, 1 held (conn names the holder), 2 released */
    uint32_t offset;                /**< the address: pool start + offset */
    uint32_t stamp;                 /**< when it was last taken or released (oldest forgotten first) */
    tip_handle_t conn;              /**< held: the connection whose IKE SA holds it */
    tip_ike_identity_t id;          /**< the peer identity it belongs to */
} tip_ike_lease_t;

/** An address pool (private). */
typedef struct {
    uint16_t gen;
    uint8_t in_use;
    uint32_t clock;                 /**< lease stamps */
    uint32_t refused;               /**< requests refused: pool exhausted */
    tip_ike_pool_cfg_t cfg;
    tip_ike_lease_t lease[TIP_IKE_POOL_LEASES];
} tip_ike_pool_t;
#endif

/** All IKE state of a context (private). */
typedef struct {
    uint8_t enabled;
#if TIP_CONF_IKE_RESPONDER
    uint8_t cookie_old_valid;       /**< cookie_secret_old is an earlier secret (rotated) */
    uint8_t cookie_secret[32];      /**< RFC 7296 2.6, random, rotated */
    uint8_t cookie_secret_old[32];  /**< the previous secret, valid for one more period */
    uint64_t cookie_rotate_ms;
    uint32_t cookie_version;        /**< version of cookie_secret (the old one is version - 1) */
#endif
    uint32_t bad_transitions;       /**< IKE SA state changes refused as illegal (a bug if not 0) */
    tip_ike_conn_slot_t conn[TIP_MAX_IKE_CONN];
#if TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER
    tip_ike_pool_t pool[TIP_IKE_POOLS];
#endif
    tip_ike_sa_t sa[TIP_MAX_IKE_SA];
    tip_ike_msgbuf_t buf[TIP_IKE_MSG_BUFS]; /**< message buffers the IKE SAs borrow */
    uint32_t buf_exhausted;         /**< times a buffer was needed and the pool was empty */
    uint64_t drops;                 /**< IKE messages dropped (all reasons) */
#if TIP_CONF_IKE_CERT
    uint8_t cert_no_time_logged;    /**< "validity times not checked" was logged */
#endif
    uint8_t rx[TIP_IKE_DGRAM_MAX];  /**< writable copy of the datagram being processed */
#if TIP_CONF_IKE_FRAG
    uint32_t frag_drops[TIP_IKE_FRAG_DROP_COUNT_]; /**< fragments dropped, per reason */
    uint32_t frag_msgs;             /**< messages reassembled from fragments */
    tip_ike_reasm_t reasm;          /**< a peer's fragmented message being reassembled */
    uint8_t tx[4 + TIP_IKE_DGRAM_MAX]; /**< one outgoing fragment (non-ESP marker room first) */
#endif
} tip_ike_state_t;

/** @endcond */

#endif /* TINYIPSEC_IKE_CTX_H */
