/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 engine internals shared by the exchange files (src/ike/ike_*.c).
 * Each exchange has its build/process pair in its own file; this header is
 * the glue: IKE SA table, sending and retransmission, SK protection,
 * proposals, CHILD SA installation.
 */
#ifndef TIP_IKE_CORE_H
#define TIP_IKE_CORE_H

#include "crypto.h"
#include "ike/ike_keys.h"
#include "ike/ike_msg.h"
#include "tip_internal.h"

#if TIP_CONF_IKEV2

/** Outstanding requests other than IKE_SA_INIT / IKE_AUTH. */
typedef enum {
    TIP_IKE_P_NONE = 0,
    TIP_IKE_P_CHILD_REKEY,   /**< CREATE_CHILD_SA rekeying our CHILD SA */
    TIP_IKE_P_IKE_REKEY,     /**< CREATE_CHILD_SA rekeying the IKE SA */
    TIP_IKE_P_DELETE_CHILD,  /**< INFORMATIONAL with Delete(ESP) */
    TIP_IKE_P_DELETE_IKE,    /**< INFORMATIONAL with Delete(IKE) */
    TIP_IKE_P_DPD,           /**< empty INFORMATIONAL (liveness check) */
    TIP_IKE_P_CHILD_CREATE,  /**< CREATE_CHILD_SA for a new CHILD SA (pend.child_idx) */
    TIP_IKE_P_MOBIKE_UPDATE, /**< INFORMATIONAL with UPDATE_SA_ADDRESSES (RFC 4555 3.5) */
    TIP_IKE_P_MOBIKE_CHECK   /**< INFORMATIONAL with COOKIE2: return routability (RFC 4555 3.7) */
} tip_ike_pending_t;

/* Defaults (RFC 7296 leaves them to the implementation). */
#define TIP_IKE_DEF_IKE_REKEY_S (4u * 3600u)
#define TIP_IKE_DEF_CHILD_REKEY_S 3600u
#define TIP_IKE_DEF_JITTER_PCT 10u
#define TIP_IKE_DEF_RETRANSMIT_MS 1000u
#define TIP_IKE_DEF_TRIES 5u
#define TIP_IKE_HALF_OPEN_MS 30000u     /**< a half-open SA is dropped after this */
#define TIP_IKE_COOKIE_ROTATE_MS 60000u /**< cookie secret lifetime (2.6) */

/* ---- tables (ike_sa.c) ---- */

/** Why an IKE SA slot is wanted (tip_ike_sa_alloc() admits each differently). */
typedef enum {
    TIP_IKE_FOR_INITIATE,    /**< our own IKE_SA_INIT for a configured connection */
    TIP_IKE_FOR_HALF_OPEN,   /**< a responder's half-open SA for an unauthenticated source */
    TIP_IKE_FOR_REKEY        /**< the new IKE SA of an authenticated rekey */
} tip_ike_alloc_t;

/** An active connection by its public handle (TIP_ERR_NOT_FOUND / TIP_ERR_STALE). */
tip_ike_conn_slot_t *tip_ike_conn_get(tip_ctx_t *ctx, tip_handle_t h, int *err);
/** The connection @p sa belongs to, or NULL (none, or deleted since). */
tip_ike_conn_slot_t *tip_ike_sa_conn(tip_ctx_t *ctx, const tip_ike_sa_t *sa);
/** The handle of connection slot @p c. */
tip_handle_t tip_ike_conn_handle(const tip_ctx_t *ctx, const tip_ike_conn_slot_t *c);
/** The current IKE SA of @p c, or NULL (its handle is checked and must point back). */
tip_ike_sa_t *tip_ike_conn_cur(tip_ctx_t *ctx, const tip_ike_conn_slot_t *c);
/** The handle of IKE SA slot @p sa. */
tip_handle_t tip_ike_sa_handle(const tip_ctx_t *ctx, const tip_ike_sa_t *sa);
/** The IKE SA behind @p h, or NULL when the slot is free or was reused since. */
tip_ike_sa_t *tip_ike_sa_get(tip_ctx_t *ctx, tip_handle_t h);
/**
 * The CREATING slot that @p sa's outstanding IKE SA rekey reserved, or
 * NULL; checked both ways (pend.new_ike_sa and the slot's parent).
 */
tip_ike_sa_t *tip_ike_sa_rekey_slot(tip_ctx_t *ctx, const tip_ike_sa_t *sa);
/**
 * The peer's new IKE SA (CREATING, keyed) of a rekey collision (RFC 7296
 * 2.8.2) that @p sa holds until its own IKE SA rekey is answered, or
 * NULL; checked both ways (pend.peer_ike_sa and the slot's parent).
 */
tip_ike_sa_t *tip_ike_sa_collide_slot(tip_ctx_t *ctx, const tip_ike_sa_t *sa);
/**
 * A free IKE SA slot for @p why, or NULL with *err = TIP_ERR_FULL. A
 * half-open slot (from @p src) is refused when that source already holds
 * TIP_IKE_HALF_OPEN_PER_SRC of them, or when it would take one of the slots
 * kept for rekeying established IKE SAs (TIP_IKE_REKEY_RESERVE).
 */
tip_ike_sa_t *tip_ike_sa_alloc(tip_ctx_t *ctx, tip_ike_alloc_t why, const tip_addr_t *src,
                               int *err);
/**
 * Change the state of @p sa: the only place that does. Checks the change
 * against the table of allowed transitions and logs it; an illegal one is
 * refused (TIP_ERR_INTERNAL), logged as an error and counted in
 * ctx->ike.bad_transitions.
 */
int tip_ike_sa_set_state(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_sa_state_t to);
/**
 * Free an IKE SA: unlink every reference to it (its connection's current
 * SA, its rekey slot or parent), free its rekey slot, zeroize keys, free DH
 * and SK state, bump the generation so old handles go stale.
 */
void tip_ike_sa_free(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/** Find by our SPI (the initiator's SPI when we initiated, else the responder's). */
tip_ike_sa_t *tip_ike_sa_find(tip_ctx_t *ctx, const uint8_t spi_i[8], const uint8_t spi_r[8],
                              int from_initiator);
/** Our own SPI of @p sa. */
const uint8_t *tip_ike_sa_our_spi(const tip_ike_sa_t *sa);
/** Record the first failure of @p sa (and on its connection). */
void tip_ike_fail(tip_ctx_t *ctx, tip_ike_sa_t *sa, int err);
/**
 * Raise an IKE event about connection @p conn (none when 0, or when a
 * callback deleted the connection meanwhile). @p sa / @p spi: the CHILD
 * SA's inbound SA and SPI for CHILD events. Call it last, from copied
 * values: the callback may change or free anything.
 */
void tip_ike_raise(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason,
                   tip_handle_t sa, uint32_t spi);
/** tip_ike_raise() naming entry @p child of the CHILD SA table (tip_event_t.child). */
void tip_ike_raise_child(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason,
                         tip_handle_t sa, uint32_t spi, unsigned child);
/** tip_ike_raise() about security policy @p policy (tip_event_t.policy). */
void tip_ike_raise_policy(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason,
                          tip_handle_t policy);
/** tip_ike_raise() for connection @p conn that tip_ike_conn_del() just deleted. */
void tip_ike_raise_gone(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason);
/** tip_ike_raise() about @p sa's connection (and CHILD SA). Call it last. */
void tip_ike_event(tip_ctx_t *ctx, const tip_ike_sa_t *sa, tip_event_type_t type, int reason);
/** Random bytes from the port. */
int tip_ike_random(tip_ctx_t *ctx, uint8_t *out, size_t len);
/** Log a line. */
void tip_ike_log(tip_ctx_t *ctx, int level, const char *msg);
/** Half-open responder SAs (state INIT_DONE). */
unsigned tip_ike_half_open(const tip_ctx_t *ctx);
/** Fill the cookie secrets (RFC 7296 2.6) from the port's random source. */
int tip_ike_cookie_init(tip_ctx_t *ctx);
/** Rotate the cookie secrets if their period is over (before using them). */
void tip_ike_cookie_refresh(tip_ctx_t *ctx);

/* ---- message pool (ike_buf.c) ---- */

/** The buffer @p h names, or NULL (none, released, or reused since). */
uint8_t *tip_ike_buf_get(tip_ctx_t *ctx, tip_handle_t h);
/**
 * The buffer *@p h names, or else a free one from the pool (*@p h set to
 * its handle). NULL when the pool is empty: *@p h is 0 and
 * ctx->ike.buf_exhausted counts it.
 */
uint8_t *tip_ike_buf_take(tip_ctx_t *ctx, tip_handle_t *h);
/** Wipe and return the buffer *@p h names (if any); *@p h becomes 0. */
void tip_ike_buf_release(tip_ctx_t *ctx, tip_handle_t *h);
/** Buffers of the pool not held by any IKE SA. */
unsigned tip_ike_buf_free_count(const tip_ctx_t *ctx);
/**
 * Start writer @p w in the buffer *@p h (taken from the pool if not held
 * yet). Returns the buffer; with the pool empty, NULL, and the writer
 * fails (a sticky error) so that nothing is sent.
 */
uint8_t *tip_ike_w_pool(tip_ctx_t *ctx, tip_handle_t *h, tip_ike_w_t *w);
/**
 * Room for a key exchange at the end of a message buffer an IKE SA holds,
 * so that its data is not on the stack under the key derivation that
 * follows (a public value and g^ir are 256 bytes each with MODP-2048):
 * the responder's, in the buffer its response is built in; the
 * initiator's, in the buffer of its request once the response to it came.
 */
typedef struct {
    uint8_t *msg;      /**< the buffer's message */
    size_t cap;        /**< bytes at msg a message may take: up to pub */
    uint8_t *pub;      /**< our KE data, the group's public value length */
    uint8_t *g_ir;     /**< g^ir, just in front of pub: wiped before the message is written */
    size_t g_ir_room;  /**< bytes at g_ir */
} tip_ike_ke_room_t;

/**
 * Lay out @p r in the buffer @p h names for a key exchange in @p group
 * (TIP_DH_NONE: no room; the message may take the whole buffer).
 * TIP_ERR_INTERNAL when @p h names no buffer, TIP_ERR_UNSUPPORTED when the
 * group's data does not fit TIP_IKE_MSG_MAX.
 */
int tip_ike_ke_room(tip_ctx_t *ctx, tip_handle_t h, tip_dh_group_t group, tip_ike_ke_room_t *r);
/** Return every buffer @p sa holds (the SA is going). */
void tip_ike_sa_bufs_release(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/**
 * Return what no IKE SA needs any more: the request buffer once no request
 * is outstanding, the IKE_SA_INIT messages once IKE_AUTH is over. Run at
 * the end of every input and poll.
 */
void tip_ike_bufs_tidy(tip_ctx_t *ctx);

/* ---- sending (ike_sa.c) ---- */

/** The path a datagram took: our address and port, the peer's. */
typedef struct {
    tip_addr_t local, remote;
    uint16_t lport, rport;
} tip_ike_path_t;

/** Message inside a pool buffer: it starts 4 bytes in (room for the non-ESP marker). */
#define TIP_IKE_BUF_MSG(b) ((b) + 4)

/**
 * Send the message at TIP_IKE_BUF_MSG(buf) (len bytes) on path @p to, or
 * on @p sa's current path when @p to is NULL. A path given is on the same
 * local port as the SA's (the non-ESP marker follows the SA's port).
 */
int tip_ike_send_raw(tip_ctx_t *ctx, const tip_ike_sa_t *sa, const tip_ike_path_t *to,
                     uint8_t *buf, size_t len);
/** The retransmission timeout for @p sa's next try (RFC 7296 2.4: exponential back-off). */
uint32_t tip_ike_rto(tip_ctx_t *ctx, const tip_ike_sa_t *sa);
/** Start a request: it was built in sa's req_buf; send it, arm retransmission. */
int tip_ike_send_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, size_t len, uint8_t pending);
/** Send a response built in sa's resp_buf and keep it for retransmitted requests (2.1). */
int tip_ike_send_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, size_t len);
/** tip_ike_send_response() on path @p to (NULL: the SA's), see tip_ike_send_raw(). */
int tip_ike_send_response_to(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_path_t *to,
                             size_t len);
/** An encrypted response to request @p req carrying one notify (errors, 2.21.2). */
int tip_ike_respond_notify(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_hdr_t *req,
                           uint16_t type, const uint8_t *data, size_t len);
/** tip_ike_respond_notify() on path @p to (NULL: the SA's). */
int tip_ike_respond_notify_to(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_path_t *to,
                              const tip_ike_hdr_t *req, uint16_t type, const uint8_t *data,
                              size_t len);
/** Start a header for a request (I flag from our role, msg id = msg_id_out). */
void tip_ike_hdr_request(const tip_ike_sa_t *sa, uint8_t exchange, tip_ike_hdr_t *h);
/** Header of a response to @p req. */
void tip_ike_hdr_response(const tip_ike_sa_t *sa, const tip_ike_hdr_t *req, tip_ike_hdr_t *h);

/* ---- SK payload (ike_sk.c) ---- */

/** Set up SK_e/SK_a state for @p sa from derived keys (initiator/responder direction). */
int tip_ike_sk_setup(tip_ike_sa_t *sa, const uint8_t *sk_ei, const uint8_t *sk_er, size_t ek,
                     const uint8_t *sk_ai, const uint8_t *sk_ar, size_t ak);
/** Begin the SK payload in a writer (IV filled). Returns the plaintext offset. */
size_t tip_ike_sk_begin(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_w_t *w);
/** Pad, encrypt and authenticate; returns the final message length or < 0. */
int tip_ike_sk_end(tip_ike_sa_t *sa, tip_ike_w_t *w, size_t *len);
/**
 * Verify and decrypt the SK payload of @p msg in place (the datagram must be
 * writable: @p mbuf), then parse the inner chain into @p inner.
 */
int tip_ike_sk_open(tip_ike_sa_t *sa, uint8_t *mbuf, const tip_ike_msg_t *msg,
                    tip_ike_msg_t *inner);

/**
 * Protect the SK or SKF payload the writer @p w holds (pad, encrypt,
 * authenticate; the AAD is everything before the IV). *@p len: the
 * message's final length.
 */
int tip_ike_sk_seal(tip_ike_sa_t *sa, tip_ike_w_t *w, size_t *len);

/**
 * Send the message in @p buf (len bytes) on path @p to (NULL: the SA's),
 * in fragments when @p frag (ike_sa.c); @p first: its first transmission
 * (fragments get their IVs).
 */
int tip_ike_send_msg(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_path_t *to, uint8_t *buf,
                     size_t len, int frag, int first);

/* ---- fragmentation (ike_frag.c, RFC 7383) ---- */
#if TIP_CONF_IKE_FRAG
/** RFC 7383 2.3: negotiated once, in IKE_SA_INIT; the IKE SA a rekey makes keeps it. */
#define TIP_IKE_FRAG_INHERIT(to, from) \
    ((to)->frag_ok = (from)->frag_ok, (to)->frag_room = (from)->frag_room)
/** A fragment was authenticated and kept; the message is not complete yet. */
#define TIP_IKE_FRAG_KEPT 1
/** A message whose fragments did not all arrive in this time is dropped. */
#define TIP_IKE_FRAG_REASM_MS 10000u
/**
 * Verify and decrypt the SKF payload of @p msg in place (in @p mbuf):
 * *@p pt / *@p pt_len are the fragment's content (padding removed).
 */
int tip_ike_skf_open(tip_ike_sa_t *sa, uint8_t *mbuf, const tip_ike_msg_t *msg, uint8_t **pt,
                     size_t *pt_len);
/** Write N(IKEV2_FRAGMENTATION_SUPPORTED) unless @p conn turns fragmentation off. */
void tip_ike_frag_w_notify(tip_ike_w_t *w, const tip_ike_conn_t *conn);
/** Set sa->frag_room from @p conn's fragment size and the peer's address family. */
void tip_ike_frag_set_room(tip_ike_sa_t *sa, const tip_ike_conn_t *conn);
/**
 * After IKE_SA_INIT: fragmentation is on for @p sa when @p conn allows it
 * and the peer's message @p m carries the notify. Returns sa->frag_ok.
 */
int tip_ike_frag_negotiate(tip_ike_sa_t *sa, const tip_ike_conn_t *conn, const tip_ike_msg_t *m);
/** Fragments of at most sa->frag_room bytes that @p inner_len bytes of content need (0: none fit). */
size_t tip_ike_frag_count(const tip_ike_sa_t *sa, size_t inner_len);
/**
 * Send the plaintext message in pool buffer @p buf (len bytes: header, SK
 * header, IV room, inner payloads) as Encrypted Fragment payloads of at
 * most sa->frag_room bytes each. @p first: draw each fragment's IV and
 * keep it behind the message; else (a retransmission) use the kept ones,
 * so the fragments are the same bytes as before. @p to: the path (NULL:
 * the SA's), as for tip_ike_send_raw().
 */
int tip_ike_frag_send(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_path_t *to, uint8_t *buf,
                      size_t len, int first);
/**
 * Take the peer's SKF message @p m (a request when @p response is 0) for
 * the message @p sa expects: every RFC 7383 2.6 check, the fragment's
 * integrity before it is kept. TIP_IKE_FRAG_KEPT: kept, not complete;
 * TIP_OK (or TIP_ERR_UNSUPPORTED: an unknown critical payload) with the
 * whole message's payloads in @p inner; < 0: dropped and counted (also
 * while another IKE SA's message is being reassembled).
 */
int tip_ike_frag_input(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m, int response,
                       tip_ike_msg_t *inner);
/** 1 when @p m is fragment 1 of a retransmitted request and authenticates (2.6.1). */
int tip_ike_frag_retransmit_first(tip_ike_sa_t *sa, const tip_ike_msg_t *m);
/** Forget the reassembly if it is @p sa's, and return its buffer. */
void tip_ike_frag_reset(tip_ctx_t *ctx, const tip_ike_sa_t *sa);
/** Between calls: return a handled reassembly's buffer; drop one past its time. */
void tip_ike_frag_tidy(tip_ctx_t *ctx);
#else
#define TIP_IKE_FRAG_INHERIT(to, from) ((void)(to), (void)(from))
#endif

/* ---- proposals (ike_prop.c) ---- */

/** Write the SA payload offering @p conn's IKE proposals (@p spi: 8 bytes or NULL). */
void tip_ike_w_sa_ike(tip_ike_w_t *w, const tip_ike_conn_t *conn, const uint8_t *spi,
                      tip_dh_group_t only_dh);
/** Write the SA payload offering @p conn's CHILD proposals with SPI @p spi. */
void tip_ike_w_sa_child(tip_ike_w_t *w, const tip_ike_conn_t *conn, uint32_t spi, int with_dh,
                        tip_dh_group_t only_dh);
/** Write an SA payload with exactly the chosen IKE proposal. */
void tip_ike_w_sa_ike_chosen(tip_ike_w_t *w, uint8_t num, const tip_ike_proposal_t *p,
                             const uint8_t *spi);
/** Write an SA payload with exactly the chosen CHILD proposal. */
void tip_ike_w_sa_child_chosen(tip_ike_w_t *w, uint8_t num, const tip_child_proposal_t *p,
                               uint32_t spi, int with_dh);
/**
 * Responder: pick the first of the peer's IKE proposals (in its order) that
 * one of @p ours (@p n of them) accepts (2.7). @p out gets the choice, @p
 * num the peer's proposal number, @p spi its SPI if any.
 * TIP_ERR_NOT_FOUND: NO_PROPOSAL_CHOSEN.
 */
int tip_ike_select_ike(const tip_ike_proposal_t *ours, unsigned n, const uint8_t *sa_body,
                       size_t len, tip_ike_proposal_t *out, uint8_t *num, uint8_t spi[8]);
/**
 * The same for CHILD proposals; @p spi receives the peer's 4-byte SPI.
 * @p want_dh (CREATE_CHILD_SA): the DH group must match exactly, so a
 * proposal of ours with a PFS group only fits an offer with that group.
 * Without (IKE_AUTH) DH transforms are ignored and @p out keeps our group.
 */
int tip_ike_select_child(const tip_child_proposal_t *ours, unsigned n, const uint8_t *sa_body,
                         size_t len, int want_dh, tip_child_proposal_t *out, uint8_t *num,
                         uint32_t *spi);
/** Initiator: parse the responder's single proposal and check it is one of @p offered. */
int tip_ike_accept_ike(const tip_ike_proposal_t *offered, unsigned n, const uint8_t *sa_body,
                       size_t len, tip_ike_proposal_t *out, uint8_t spi[8]);
int tip_ike_accept_child(const tip_child_proposal_t *offered, unsigned n, const uint8_t *sa_body,
                         size_t len, int want_dh, tip_child_proposal_t *out, uint32_t *spi);

/* ---- CHILD SAs and traffic selectors (ike_child.c) ---- */

/**
 * Write TSi and TSr for selector @p sel (local = our side): the exchange's
 * initiator puts its own side in TSi (2.9).
 */
void tip_ike_w_ts_pair(tip_ike_w_t *w, const tip_selector_t *sel, int we_initiate);
/**
 * Narrow the peer's TSi/TSr (2.9) against what @p ours allows (the
 * connection's selector, with a virtual address in place: see
 * tip_ike_conn_ts()); the result is the selector this side installs
 * (local/remote from our view). TIP_ERR_POLICY: TS_UNACCEPTABLE.
 */
int tip_ike_ts_narrow(const tip_selector_t *ours, const tip_ike_msg_t *m, int we_initiated,
                      tip_selector_t *out);
/**
 * The selector connection @p c negotiates with in role @p initiator: its
 * configured one, narrowed to the virtual address assigned (RFC 7296 2.19)
 * when TIP_CONF_IKE_CP is on.
 */
void tip_ike_conn_ts(const tip_ike_conn_slot_t *c, int initiator, tip_selector_t *out);
/** Like tip_ike_conn_ts() for the connection's selector pair @p idx (0 = ts, n = ts_more[n - 1]). */
void tip_ike_conn_ts_at(const tip_ike_conn_slot_t *c, int initiator, unsigned idx,
                        tip_selector_t *out);
/** The selector pairs of connection @p c: ts and ts_more. */
unsigned tip_ike_conn_pairs(const tip_ike_conn_slot_t *c);
/**
 * tip_ike_ts_narrow() against each selector pair of @p c in turn
 * (tip_ike_conn_ts_at()), @p ike_initiator saying whether we were
 * IKE_AUTH's initiator (tip_ike_sa_t.auth_initiator: the virtual address
 * side stays with IKE_AUTH's roles, whoever starts a CREATE_CHILD_SA or
 * rekeyed the IKE SA): the first that fits wins, its index goes to
 * @p pair (may be NULL).
 */
int tip_ike_conn_narrow(const tip_ike_conn_slot_t *c, int ike_initiator, const tip_ike_msg_t *m,
                        int we_initiated, tip_selector_t *out, uint8_t *pair);
/**
 * Derive KEYMAT (2.17) and install the CHILD SA pair. @p ni / @p nr are the
 * nonces of the exchange's initiator / responder, @p we_initiated says which
 * we were (it decides which half of KEYMAT protects what we send). @p g_ir
 * may be NULL (no PFS). Policies are added when @p out has none yet, else
 * rebound to the new outbound SA (a rekey).
 */
int tip_ike_child_install(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_child_proposal_t *p,
                          uint32_t spi_in, uint32_t spi_out, const tip_selector_t *sel,
                          const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
                          const uint8_t *g_ir, size_t g_ir_len, int we_initiated,
                          tip_ike_child_t *out);
/**
 * Remove a CHILD SA pair and its policies from the SAD/SPD (an acquire's
 * policy, app_pol, stays: it is the application's) and clear the entry.
 */
void tip_ike_child_remove(tip_ctx_t *ctx, tip_ike_child_t *child);
/** Remove every CHILD SA of @p sa (the table, the old and the extra pair). */
void tip_ike_child_remove_all(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/** 1 when CHILD SA table entry @p ch is not free. */
int tip_ike_child_used(const tip_ike_child_t *ch);
/** A free entry of @p sa's CHILD SA table, or -1 (full). */
int tip_ike_child_free_idx(const tip_ike_sa_t *sa);
/** The first entry with a CHILD SA up (what the calls without an index act on), else 0. */
unsigned tip_ike_child_first(const tip_ike_sa_t *sa);
/** The entry whose pair is up with outbound SPI @p spi, or -1. */
int tip_ike_child_by_spi_out(const tip_ike_sa_t *sa, uint32_t spi);
/**
 * Responder of a CREATE_CHILD_SA: the key exchange for group @p group (none:
 * nothing). @p notify receives the error to answer with (INVALID_SYNTAX,
 * INVALID_KE_PAYLOAD naming our group in @p g), or 0.
 */
int tip_ike_child_resp_ke(tip_ctx_t *ctx, const tip_ike_msg_t *in, tip_dh_group_t group,
                          uint8_t *pub, size_t *publen, uint8_t *g_ir, size_t *g_ir_len,
                          uint16_t *notify, uint8_t g[2]);
/** Raise CHILD event @p type for entry @p idx of @p sa's table. */
void tip_ike_child_event(tip_ctx_t *ctx, const tip_ike_sa_t *sa, unsigned idx,
                         tip_event_type_t type, int reason);
/**
 * Remove a CHILD SA pair from the SAD but keep its policies and what it
 * was (algorithms, selectors) for the pair that will replace it.
 */
void tip_ike_child_remove_sas(tip_ctx_t *ctx, tip_ike_child_t *child);
/**
 * RFC 7296 2.8.1: the peer's new pair kept aside (extra_child, PENDING)
 * becomes the current one on the current pair's policies; the pair it
 * replaces becomes old_child. The caller raises CHILD_REKEYED.
 */
void tip_ike_child_adopt_peers(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/** A fresh random inbound SPI not used in the SAD. */
uint32_t tip_ike_new_spi(tip_ctx_t *ctx);
/** Schedule the CHILD rekey of @p sa (with jitter). */
void tip_ike_child_schedule(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_child_t *ch);
/** Schedule the IKE SA rekey of @p sa (with jitter). */
void tip_ike_schedule_rekey(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/**
 * When to try a failed rekey again: 2 s doubling with each failure in a
 * row (@p fails, counted here) up to 64 s, plus up to half of it at random
 * so that two peers do not collide again (RFC 7296 2.25: try later).
 */
uint64_t tip_ike_retry_at(tip_ctx_t *ctx, uint8_t *fails);

/* ---- timers (ike_timer.c) ---- */

/** Everything IKE does from tip_poll(). */
void tip_ike_poll(tip_ctx_t *ctx, uint64_t now);
/** ms from @p now to IKE's next deadline (0: due), UINT64_MAX when none. */
uint64_t tip_ike_next_deadline(const tip_ctx_t *ctx, uint64_t now);

/* ---- exchanges ---- */

/**
 * 1 when @p sa's CHILD SAs UDP-encapsulate ESP: IKE is on the NAT-T port and
 * a NAT was detected on either side, or the connection forces it (RFC 7296
 * 2.23, RFC 3948). IKE on port 4500 alone does not encapsulate: a MOBIKE
 * peer moves there without a NAT (RFC 4555 3.3) and keeps plain ESP.
 */
int tip_ike_esp_encap(const tip_ike_sa_t *sa);

/**
 * Compare the peer's NAT_DETECTION notifies in @p m with @p sa's path
 * (RFC 7296 2.23), hashed with the SPIs @p spi_i / @p spi_r: a wrong
 * DESTINATION hash means a NAT in front of us, a wrong SOURCE hash one in
 * front of the peer (sa->nat_local / nat_remote). Returns 0, changing
 * nothing, when either notify is missing (ike_init.c).
 */
int tip_ike_natd_check(tip_ike_sa_t *sa, const uint8_t spi_i[8], const uint8_t spi_r[8],
                       const tip_ike_msg_t *m);
int tip_ike_init_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_dh_group_t group);
int tip_ike_init_request(tip_ctx_t *ctx, const tip_addr_t *src, uint16_t sport,
                         const tip_addr_t *dst, uint16_t dport, const tip_ike_msg_t *m);
int tip_ike_init_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m);
int tip_ike_auth_start(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/** The peer's IKE_AUTH request @p m (decrypted: @p in), which came on path @p req. */
int tip_ike_auth_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                         const tip_ike_msg_t *in, const tip_ike_path_t *req);
int tip_ike_auth_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                          const tip_ike_msg_t *in);
int tip_ike_child_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                          const tip_ike_msg_t *in);
/** The peer's CHILD SA rekey (CREATE_CHILD_SA with REKEY_SA @p rn, nonce
 *  @p nonce), from tip_ike_child_request() once the request is checked. */
int tip_ike_child_rekey_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                                const tip_ike_msg_t *in, const uint8_t *nonce, size_t nlen,
                                const tip_ike_notify_t *rn);
int tip_ike_child_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in);
int tip_ike_child_rekey_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, unsigned idx);
/* ---- new CHILD SAs (ike_child_new.c, RFC 7296 1.3.1) ---- */
int tip_ike_child_create_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, unsigned idx);
int tip_ike_child_create_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in,
                                  const uint8_t *nonce, size_t nlen, int failed);
int tip_ike_child_new_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                              const tip_ike_msg_t *in, const uint8_t *nonce, size_t nlen);
void tip_ike_child_want_pairs(tip_ctx_t *ctx, tip_ike_sa_t *sa);
void tip_ike_child_acquire(tip_ctx_t *ctx, tip_handle_t policy);
int tip_ike_info_delete_child(tip_ctx_t *ctx, tip_ike_sa_t *sa, unsigned idx);
int tip_ike_ike_rekey_start(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/**
 * The response to our IKE SA rekey (ike_rekey.c); @p nonce / @p nlen the
 * peer's nonce, @p failed: an error notify or an unusable response.
 */
int tip_ike_ike_rekey_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in,
                               const uint8_t *nonce, size_t nlen, int failed);
/**
 * The peer's request @p m (payloads @p in) rekeying the IKE SA @p sa; also
 * while our own rekey of it is outstanding (a collision, RFC 7296 2.8.2).
 */
int tip_ike_ike_rekey_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                              const tip_ike_msg_t *in, const uint8_t *nonce, size_t nlen);
/**
 * The peer deleted the IKE SA @p sa (its Delete answered): it goes. In a
 * rekey collision the peer's new IKE SA we hold takes over first (2.8.2).
 */
void tip_ike_ike_deleted(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/**
 * g^ir of a CREATE_CHILD_SA exchange from the peer's KE in @p in (of
 * @p group) and our key exchange state in @p dh, which is freed.
 */
int tip_ike_dh_from(tip_crypto_dh_t *dh, tip_dh_group_t group, const tip_ike_msg_t *in,
                    uint8_t *g_ir, size_t *g_ir_len);
/**
 * RFC 7296 2.8 compares nonces octet by octet; when the leading octets
 * tie, the nonce that ends first is the lower. Returns <0, 0, >0.
 */
int tip_ike_nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl);
/** The lower of an exchange's two nonces (@p a or @p b); its length in *@p len. */
const uint8_t *tip_ike_nonce_low(const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
                                 size_t *len);
/**
 * The peer's INFORMATIONAL request @p m (decrypted: @p in), answered on
 * path @p to (NULL: the SA's).
 */
int tip_ike_info_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                         const tip_ike_msg_t *in, const tip_ike_path_t *to);
int tip_ike_info_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in);
/** Send an INFORMATIONAL request: Delete(ESP), Delete(IKE) or empty (DPD). */
int tip_ike_info_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint8_t pending);
/**
 * Tear down @p sa and its CHILD SAs locally, restart the connection when it
 * asks for that (not after a delete we started, nor for @p reason TIP_OK or
 * TIP_ERR_AUTH), then raise the events.
 */
void tip_ike_sa_down(tip_ctx_t *ctx, tip_ike_sa_t *sa, int reason);
/**
 * tip_ike_sa_down() that first raises @p first (reason @p first_reason),
 * for example AUTH_FAILED; when @p first is TIP_EV_IKE_DOWN it is the only
 * IKE_DOWN.
 */
void tip_ike_sa_down_ev(tip_ctx_t *ctx, tip_ike_sa_t *sa, int reason, tip_event_type_t first,
                        int first_reason);
/**
 * Delete @p sa at our initiative (RFC 7296 1.4.1): an established IKE SA
 * goes to DELETING and sends Delete(IKE) now, or as soon as its outstanding
 * request is answered; a half-open one is torn down locally at once.
 */
int tip_ike_sa_terminate(tip_ctx_t *ctx, tip_ike_sa_t *sa);
/**
 * After a response ended @p sa's outstanding exchange: a DELETING SA sends
 * the Delete(IKE) that waited for it.
 */
void tip_ike_after_response(tip_ctx_t *ctx, tip_handle_t sa);

/** Derive the IKE SA's secrets from SKEYSEED (2.14) with its nonces, SPIs, algorithms. */
int tip_ike_sa_set_keys(tip_ctx_t *ctx, tip_ike_sa_t *sa, const uint8_t *skeyseed,
                        size_t skeyseed_len);

/* ---- key log for Wireshark (ike_keylog.c; TIP_KEYLOG only) ---- */
#if TIP_KEYLOG
void tip_ike_keylog_ike(tip_ctx_t *ctx, const tip_ike_sa_t *sa, const tip_ike_keys_t *k);
void tip_ike_keylog_esp(tip_ctx_t *ctx, const tip_sa_params_t *p);
#else
#define tip_ike_keylog_ike(ctx, sa, k) ((void)(ctx), (void)(sa), (void)(k))
#define tip_ike_keylog_esp(ctx, p) ((void)(ctx), (void)(p))
#endif
/** The first notify of @p type in @p m (1) or none (0). */
int tip_ike_find_notify(const tip_ike_msg_t *m, uint16_t type, tip_ike_notify_t *out);
/** The first error notify type of @p m, 0 if none. */
uint16_t tip_ike_error_notify(const tip_ike_msg_t *m);

/**
 * The AUTH payload's signed octets (2.15) as three pieces: the IKE_SA_INIT
 * message of the side whose AUTH it is (@p of_initiator), the other side's
 * nonce, and prf(SK_px, IDx') written to @p macid (zeroize it after use).
 */
int tip_ike_signed_octets(tip_ctx_t *ctx, const tip_ike_sa_t *sa, int of_initiator,
                          const uint8_t *id_body, size_t id_len, tip_iov_t iov[3],
                          uint8_t macid[TIP_IKE_PRF_MAX]);

/* ---- certificates (ike_cert.c; TIP_CONF_IKE_CERT) ---- */
#if TIP_CONF_IKE_CERT
/** IKE_SA_INIT: SIGNATURE_HASH_ALGORITHMS (RFC 7427 4) and, as @p responder, CERTREQ. */
void tip_ike_cert_w_init(tip_ike_w_t *w, const tip_ike_conn_t *conn, int responder);
/** The hash algorithms the peer announced in @p m, as a bit set (0: none). */
uint8_t tip_ike_cert_peer_hashes(const tip_ike_msg_t *m);
/** The scheme an RFC 7427 AlgorithmIdentifier names, TIP_SIG_NONE when unknown. */
tip_sig_scheme_t tip_ike_sig_alg_scheme(const uint8_t *der, size_t len);
/** IKE_AUTH: our CERT payloads and, as @p initiator, CERTREQ. */
void tip_ike_cert_w_certs(tip_ike_w_t *w, const tip_ike_conn_t *conn, int initiator);
/** Our AUTH payload, signed through conn->sign (a failure sticks in @p w). */
void tip_ike_cert_w_auth(tip_ctx_t *ctx, tip_ike_w_t *w, const tip_ike_sa_t *sa,
                         const tip_ike_conn_t *conn, const uint8_t *id_body, size_t id_len);
/**
 * Check the peer's AUTH payload in @p in with the certificates it sent, for
 * identity @p id. 0, TIP_ERR_AUTH, TIP_ERR_CERT, TIP_ERR_CERT_ID or
 * TIP_ERR_CERT_TIME.
 */
int tip_ike_cert_verify(tip_ctx_t *ctx, const tip_ike_sa_t *sa, const tip_ike_conn_t *conn,
                        const tip_ike_msg_t *in, const tip_ike_id_t *id);
/** The certificate fields of a TIP_AUTH_CERT connection (tip_ike_conn_add()). */
int tip_ike_cert_conn_valid(const tip_ike_conn_t *c);
#endif

/** NAT_DETECTION_SOURCE/DESTINATION_IP for path @p to (NULL: @p sa's current path) (ike_init.c). */
void tip_ike_w_natd(tip_ike_w_t *w, const tip_ike_sa_t *sa, const tip_ike_path_t *to);

/* ---- MOBIKE (ike_mobike.c; TIP_CONF_IKE_MOBIKE, RFC 4555) ---- */
#if TIP_CONF_IKE_MOBIKE
/** IKE_AUTH: MOBIKE_SUPPORTED when connection @p conn allows it. */
void tip_ike_mobike_w_supported(tip_ike_w_t *w, const tip_ike_conn_t *conn);
/** IKE_AUTH: record whether both sides support MOBIKE (the peer's message @p in). */
void tip_ike_mobike_take(tip_ike_sa_t *sa, const tip_ike_conn_t *conn, const tip_ike_msg_t *in);
/**
 * IKE_AUTH request @p in that came on path @p req: 0 when it carries
 * NO_NATS_ALLOWED that does not match @p req and connection @p conn does
 * MOBIKE (RFC 4555 3.9: the IKE SA is then refused with
 * UNEXPECTED_NAT_DETECTED); otherwise 1.
 */
int tip_ike_mobike_auth_nat_ok(const tip_ike_conn_t *conn, const tip_ike_msg_t *in,
                               const tip_ike_path_t *req);
/** A request of the peer's (@p in) that carries UPDATE_SA_ADDRESSES and should be handled here. */
int tip_ike_mobike_is_update(const tip_ike_sa_t *sa, const tip_ike_msg_t *in);
/**
 * The peer's authenticated, new INFORMATIONAL request @p m (decrypted:
 * @p in) that arrived on path @p req: an UPDATE_SA_ADDRESSES of a MOBIKE
 * peer (tip_ike_mobike_request()), or another one, answered on @p req
 * (RFC 7296 2.11) without moving the SA (RFC 4555 3.8).
 */
int tip_ike_mobike_info(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                        const tip_ike_msg_t *in, const tip_ike_path_t *req);
/**
 * Responder: the peer's UPDATE_SA_ADDRESSES (RFC 4555 3.5): the IKE SA
 * moves to @p req at once, the CHILD SAs after a return-routability check
 * of a new peer address (3.7); NO_NATS_ALLOWED (3.9) and ADDITIONAL_*
 * (3.6) checked first.
 */
int tip_ike_mobike_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                           const tip_ike_msg_t *in, const tip_ike_path_t *req);
/**
 * Where the answer to a request that came on @p req goes: @p req for a
 * MOBIKE SA elsewhere on the same kind of port (RFC 7296 2.11; the SA does
 * not follow, RFC 4555 3.8), NULL (the SA's own path) otherwise.
 */
const tip_ike_path_t *tip_ike_mobike_reply_to(const tip_ike_sa_t *sa, const tip_ike_path_t *req);
/**
 * INFORMATIONAL answers on a MOBIKE SA, going on path @p to (NULL: the
 * SA's): the request's COOKIE2 (3.7) and NAT detection for that path (3.8).
 */
void tip_ike_mobike_w_echo(tip_ike_w_t *w, const tip_ike_sa_t *sa, const tip_ike_msg_t *in,
                           const tip_ike_path_t *to);
/** Our liveness check: NAT detection when we are the original initiator behind a NAT (3.8). */
void tip_ike_mobike_w_probe(tip_ike_w_t *w, const tip_ike_sa_t *sa);
/** The answer to our liveness check: a changed NAT mapping makes an update due (3.8). */
void tip_ike_mobike_probe_answer(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in);
/** The answer to our UPDATE_SA_ADDRESSES or return-routability check. */
void tip_ike_mobike_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in);
/** Send a MOBIKE request that waited for the window (after a response, from the poll). */
void tip_ike_mobike_after_response(tip_ctx_t *ctx, tip_ike_sa_t *sa);
#endif

/** NAT_DETECTION hash (2.23): SHA-1(SPIi | SPIr | IP | port). */
int tip_ike_natd(const uint8_t spi_i[8], const uint8_t spi_r[8], const tip_addr_t *a,
                 uint16_t port, uint8_t out[20]);

#endif /* TIP_CONF_IKEV2 */
#endif /* TIP_IKE_CORE_H */
