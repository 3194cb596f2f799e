/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * Security Policy Database (RFC 4301 4.4.1): an ordered list of policies per
 * direction. Outbound, the first policy whose selectors match the packet
 * decides (PROTECT / BYPASS / DISCARD). Inbound, cleartext packets are
 * checked the same way, and decrypted packets must match the policy of the
 * SA they came through (RFC 4301 5.2).
 */
#ifndef TINYIPSEC_SPD_H
#define TINYIPSEC_SPD_H

#include "tinyipsec/types.h"

struct tip_ctx;

/** A policy, as given to tip_spd_add(). */
typedef struct {
    tip_selector_t sel;    /**< which packets this policy covers */
    tip_dir_t dir;         /**< TIP_DIR_IN or TIP_DIR_OUT */
    tip_action_t action;   /**< PROTECT, BYPASS or DISCARD */
    tip_mode_t mode;       /**< PROTECT only: tunnel or transport */
    tip_addr_t tunnel_local;  /**< PROTECT + tunnel: our outer address */
    tip_addr_t tunnel_remote; /**< PROTECT + tunnel: the peer's outer address */
    /**
     * PROTECT only: ties the policy to SAs with the same reqid (0 = match
     * SAs by mode and endpoints alone, as setkey's "require" does).
     */
    uint32_t reqid;
} tip_policy_t;

/**
 * Where a new policy goes in the ordered list of its direction.
 * Policies are evaluated first to last.
 */
typedef enum {
    TIP_SPD_APPEND = 0, /**< after all existing policies */
    TIP_SPD_PREPEND = 1 /**< before all existing policies */
} tip_spd_pos_t;

/**
 * Add a policy (copied).
 * @param ctx the context
 * @param pol the policy
 * @param pos where it goes in its direction's order
 * @param out receives its handle; may be NULL
 * @return 0; TIP_ERR_ARG (an inconsistent policy, such as tunnel mode
 *         without endpoints or mixed families in a range) or TIP_ERR_FULL
 */
int tip_spd_add(struct tip_ctx *ctx, const tip_policy_t *pol, tip_spd_pos_t pos,
                tip_handle_t *out);

/**
 * Remove a policy.
 * @param ctx the context
 * @param h the policy's handle
 * @return 0, TIP_ERR_NOT_FOUND (not a policy handle) or TIP_ERR_STALE
 *         (already removed)
 */
int tip_spd_del(struct tip_ctx *ctx, tip_handle_t h);

/**
 * Remove every policy, IKE's included.
 * @param ctx the context
 */
void tip_spd_flush(struct tip_ctx *ctx);

/**
 * Copy a policy out.
 * @param ctx the context
 * @param h the policy's handle
 * @param out receives the policy
 * @return 0, TIP_ERR_NOT_FOUND or TIP_ERR_STALE
 */
int tip_spd_get(const struct tip_ctx *ctx, tip_handle_t h, tip_policy_t *out);

/**
 * Bind the outbound SA used by a PROTECT policy (as IKE does after a
 * negotiation). Without a binding, or once the bound SA is gone, an
 * outbound SA is searched by reqid, mode and tunnel endpoints.
 * @param ctx the context
 * @param pol an outbound PROTECT policy's handle
 * @param sa an outbound SA of the policy's mode
 * @return 0; TIP_ERR_ARG (not an outbound PROTECT policy, not an outbound
 *         SA of its mode), or a handle error of either
 */
int tip_spd_bind_sa(struct tip_ctx *ctx, tip_handle_t pol, tip_handle_t sa);

/** tip_flow_t.opaque: local_port is not in the packet (RFC 4301 4.4.1.1 OPAQUE). */
#define TIP_FLOW_OPAQUE_LOCAL_PORT 1u
/** tip_flow_t.opaque: remote_port is not in the packet. */
#define TIP_FLOW_OPAQUE_REMOTE_PORT 2u

/** The five-tuple a packet presents to the SPD. */
typedef struct {
    tip_addr_t local;  /**< our address (source outbound, destination inbound) */
    tip_addr_t remote; /**< the peer's address */
    uint8_t proto;     /**< IP protocol (next header) */
    uint16_t local_port;  /**< our port (ICMP: type << 8 | code when we sent it) */
    uint16_t remote_port; /**< the peer's port (ICMP: type << 8 | code when it sent it) */
    /**
     * TIP_FLOW_OPAQUE_* bits: ports (or ICMP type and code) the packet does
     * not carry. Such a field reads 0 and matches only a selector range that
     * accepts any value (0..65535).
     */
    uint8_t opaque;
} tip_flow_t;

/**
 * Extract the flow of an IP packet (IPv4 or IPv6) as seen in direction
 * @p dir. Ports are 0 for protocols without ports. A non-first fragment
 * (RFC 4301 7) or an upper-layer header too short to hold its ports or
 * ICMP type and code is not malformed: those fields are OPAQUE
 * (RFC 4301 4.4.1.1, tip_flow_t.opaque) and match only policies that
 * accept any value.
 * @param pkt the packet, IP header first
 * @param len its length
 * @param dir TIP_DIR_OUT: we send it (source = local); TIP_DIR_IN: we received it
 * @param out receives the flow
 * @return 0, TIP_ERR_ARG, or TIP_ERR_MALFORMED (the IP header itself is bad)
 */
int tip_flow_from_packet(const uint8_t *pkt, size_t len, tip_dir_t dir,
                         tip_flow_t *out);

/**
 * Whether a flow matches a selector (RFC 4301 4.4.1.1).
 * @param sel the selector
 * @param flow the flow
 * @return 1 when it matches, else 0
 */
int tip_selector_match(const tip_selector_t *sel, const tip_flow_t *flow);

/**
 * Find the first policy of a direction that matches a flow (the SPD is
 * ordered, RFC 4301 4.4.1).
 * @param ctx the context
 * @param dir TIP_DIR_IN or TIP_DIR_OUT
 * @param flow the flow
 * @param out receives the policy's handle; may be NULL
 * @return 0; TIP_ERR_ARG (bad direction) or TIP_ERR_NOT_FOUND (no policy:
 *         the caller decides; the packet paths treat it as DISCARD, see
 *         tip_output())
 */
int tip_spd_lookup(const struct tip_ctx *ctx, tip_dir_t dir,
                   const tip_flow_t *flow, tip_handle_t *out);

/**
 * Fill a range from an address and a prefix length (e.g. 10.1.0.0/24).
 * @param r receives the range
 * @param a the address (host bits may be set; they are ignored)
 * @param prefix the prefix length in bits
 * @return 0, or TIP_ERR_ARG (no address family, or a prefix longer than
 *         the address)
 */
int tip_addr_range_prefix(tip_addr_range_t *r, const tip_addr_t *a, unsigned prefix);

#endif /* TINYIPSEC_SPD_H */
