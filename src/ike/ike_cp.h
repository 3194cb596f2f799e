/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Virtual addresses through the configuration payload (RFC 7296 2.19,
 * 3.15): reading and writing CP(CFG_REQUEST) / CP(CFG_REPLY), the
 * selectors narrowed to an assigned address, and the responder's address
 * pools (ike_pool.c).
 */
#ifndef TIP_IKE_CP_H
#define TIP_IKE_CP_H

#include "ike/ike_core.h"

#if TIP_CONF_IKEV2 && TIP_CONF_IKE_CP

/* ---- codec (ike_cp.c; pure: bytes in, values out) ---- */

/**
 * Read a CP(CFG_REPLY) body (3.15): INTERNAL_IP4_ADDRESS (4 bytes),
 * INTERNAL_IP6_ADDRESS (16 + prefix length), INTERNAL_IP4_DNS (4),
 * INTERNAL_IP6_DNS (16) into @p out (cleared first). A known attribute of
 * another length, an unknown attribute, a second address of a family and
 * DNS servers beyond TIP_IKE_CP_DNS_MAX are skipped; unspecified or
 * multicast addresses are not taken.
 * @return TIP_OK; TIP_ERR_MALFORMED (broken attribute framing, body
 *         shorter than its header); TIP_ERR_POLICY (not a CFG_REPLY)
 */
int tip_ike_cp_read_reply(const uint8_t *body, size_t len, tip_ike_vip_t *out);

/**
 * Read a CP(CFG_REQUEST) body: *@p want gets TIP_IKE_VIP_IP4 / _IP6 for
 * each address attribute asked for (empty or holding a wish, which is not
 * honoured: the pool assigns by identity) and TIP_IKE_VIP_DNS for a DNS
 * attribute of any family. Unknown attributes are skipped.
 * @return TIP_OK; TIP_ERR_MALFORMED; TIP_ERR_POLICY (not a CFG_REQUEST)
 */
int tip_ike_cp_read_request(const uint8_t *body, size_t len, uint8_t *want);

/**
 * Write CP(CFG_REQUEST) asking for what @p flags (TIP_IKE_VIP_*) name;
 * @p hint (may be NULL) holds addresses to ask for again (3.15.1).
 */
void tip_ike_cp_w_request(tip_ike_w_t *w, uint8_t flags, const tip_ike_vip_t *hint);

/** Write CP(CFG_REPLY) with the addresses of @p vip and, with @p with_dns, its DNS servers. */
void tip_ike_cp_w_reply(tip_ike_w_t *w, const tip_ike_vip_t *vip, int with_dns);

/* ---- engine ---- */

/**
 * The selector connection @p c negotiates with for its selector pair
 * @p base: @p base with the side of the virtual address (ours as
 * @p initiator, the peer's as responder) replaced by the address
 * assigned, when one of that family is.
 */
void tip_ike_cp_selector(const tip_ike_conn_slot_t *c, int initiator, const tip_selector_t *base,
                         tip_selector_t *out);

/**
 * Whether connection @p c may negotiate a CHILD SA for its selector pair
 * @p sel (as tip_ike_cp_selector() made it; @p initiator: we were
 * IKE_AUTH's initiator): 1, except for the responder of a pool connection
 * whose peer holds no address of the pair's family (its side would be the
 * whole configured range, other peers' addresses included).
 */
int tip_ike_cp_pair_ok(const tip_ike_conn_slot_t *c, int initiator, const tip_selector_t *sel);

/**
 * Initiator: take the peer's CP(CFG_REPLY) from IKE_AUTH response @p in
 * into @p c. @return 1 when an address of the CHILD SA's family was
 * assigned, else 0.
 */
int tip_ike_cp_take_reply(tip_ike_conn_slot_t *c, const tip_ike_msg_t *in);

/**
 * Responder: answer the CP(CFG_REQUEST) of IKE_AUTH request @p in for
 * connection @p c, leasing an address from its pool. @p reply gets what
 * to send (*@p send_reply 1: write CP(CFG_REPLY), *@p with_dns: with DNS).
 * @return 0, or the notify that refuses the CHILD SA:
 *         INTERNAL_ADDRESS_FAILURE (pool exhausted, no address of the
 *         pool's family asked for) or FAILED_CP_REQUIRED (no request).
 */
uint16_t tip_ike_cp_assign(tip_ctx_t *ctx, tip_ike_conn_slot_t *c, const tip_ike_msg_t *in,
                           int *send_reply, int *with_dns);

/**
 * Connection @p c lost its current IKE SA (not to a rekey), or is being
 * deleted: a responder's lease is released (kept for the identity), and
 * the assignment is no longer current.
 */
void tip_ike_cp_release(tip_ctx_t *ctx, tip_ike_conn_slot_t *c);

/** Raise TIP_EV_VIRTUAL_IP for @p conn with a copy of @p vip. Call it last. */
void tip_ike_cp_raise(tip_ctx_t *ctx, tip_handle_t conn, const tip_ike_vip_t *vip);

/** Whether @p vip holds any address. */
int tip_ike_cp_has_addr(const tip_ike_vip_t *vip);

#if TIP_CONF_IKE_RESPONDER
/* ---- address pools (ike_pool.c) ---- */

/** The pool behind handle @p h, or NULL. */
tip_ike_pool_t *tip_ike_pool_get(tip_ctx_t *ctx, tip_handle_t h);
/**
 * Lease an address of @p pool to identity @p id for connection @p conn:
 * the identity's own address if it has one, else a free one, else the
 * address of the oldest released lease. @return TIP_OK with @p out set,
 * TIP_ERR_FULL (every address held, or the identity's address held by
 * another connection: INTERNAL_ADDRESS_FAILURE).
 */
int tip_ike_pool_lease(tip_ike_pool_t *pool, const tip_ike_identity_t *id, tip_handle_t conn,
                       tip_addr_t *out);
/** Release every lease @p conn holds, in every pool (they stay remembered). */
void tip_ike_pool_release(tip_ctx_t *ctx, tip_handle_t conn);
#endif

#endif /* TIP_CONF_IKEV2 && TIP_CONF_IKE_CP */
#endif /* TIP_IKE_CP_H */
