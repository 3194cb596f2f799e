/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * IKEv2 (RFC 7296): connections, negotiation and the events they raise.
 *
 * A connection describes one peer: addresses, identities, pre-shared key,
 * ordered proposals and the traffic to protect. The initiator starts it
 * with tip_ike_initiate() (or on the first packet that needs it, an
 * "acquire"); a responder answers any peer that matches a connection.
 * Negotiated CHILD SAs are installed into the SAD and bound to SPD entries
 * through the same public calls manual keying uses.
 *
 * Sans-I/O as everywhere: IKE messages arrive through tip_ike_input(), go
 * out through the port's send_udp, and timers run from tip_poll().
 */
#ifndef TINYIPSEC_IKE_H
#define TINYIPSEC_IKE_H

#include "tinyipsec/config.h"
#include "tinyipsec/types.h"

struct tip_ctx;

/** IKEv2 identification types (RFC 7296 3.5) supported for PSK. */
typedef enum {
    TIP_ID_NONE = 0,        /**< unset */
    TIP_ID_IPV4_ADDR = 1,   /**< an IPv4 address */
    TIP_ID_FQDN = 2,        /**< a host name, "gw.example" */
    TIP_ID_RFC822_ADDR = 3, /**< an e-mail address, "gw@example" */
    TIP_ID_IPV6_ADDR = 5,   /**< an IPv6 address */
    TIP_ID_KEY_ID = 11      /**< opaque bytes */
} tip_id_type_t;

/** An identity: its type and raw bytes (no terminating NUL). */
typedef struct {
    uint8_t type; /**< tip_id_type_t */
    uint8_t len;  /**< bytes of data */
    uint8_t data[TIP_IKE_ID_MAX]; /**< the identity (an address in network order) */
} tip_ike_identity_t;

/** One IKE SA proposal (one transform of each type). */
typedef struct {
    tip_encr_t encr;      /**< AES-GCM-16, AES-CBC or ChaCha20-Poly1305 */
    uint16_t key_bits;    /**< 128 or 256 (ignored for ChaCha20-Poly1305) */
    tip_integ_t integ;    /**< TIP_INTEG_NONE with AEAD */
    tip_prf_t prf;        /**< pseudo-random function */
    tip_dh_group_t dh;    /**< key exchange group */
} tip_ike_proposal_t;

/** One CHILD SA (ESP) proposal. */
typedef struct {
    tip_encr_t encr;      /**< cipher (TIP_ENCR_NULL: integrity only) */
    uint16_t key_bits;    /**< 128 or 256 (ignored for ChaCha20-Poly1305) */
    tip_integ_t integ;    /**< TIP_INTEG_NONE with AEAD */
    tip_dh_group_t pfs;   /**< group for PFS in CREATE_CHILD_SA, TIP_DH_NONE = none */
    uint8_t esn;          /**< 1: offer/require extended sequence numbers */
} tip_child_proposal_t;

/** A connection: everything needed to negotiate with one peer. Copied on add. */
typedef struct {
    tip_addr_t local_addr;   /**< our address */
    tip_addr_t remote_addr;  /**< the peer; TIP_AF_NONE: any (responder only) */
    uint16_t local_port;     /**< our IKE port, 0 = 500 */
    uint16_t remote_port;    /**< the peer's IKE port, 0 = 500 */
    uint16_t local_natt_port;  /**< our NAT-T port (IKE after the float, ESP-in-UDP), 0 = 4500 */
    uint16_t remote_natt_port; /**< the peer's NAT-T port, 0 = 4500 */
    tip_ike_identity_t local_id;   /**< our identity (tip_ike_id_set()) */
    tip_ike_identity_t remote_id;  /**< the peer must present exactly this identity */
    uint8_t psk[TIP_IKE_PSK_MAX];  /**< the pre-shared key (copied; wiped when deleted) */
    uint8_t psk_len;               /**< bytes of psk */
    tip_ike_proposal_t ike[TIP_IKE_MAX_PROPOSALS]; /**< in order of preference */
    uint8_t ike_count;             /**< entries of ike */
    tip_child_proposal_t child[TIP_IKE_MAX_PROPOSALS]; /**< in order of preference */
    uint8_t child_count;           /**< entries of child */
    tip_selector_t ts;       /**< local = our protected side, remote = the peer's */
    tip_mode_t mode;         /**< tunnel (default) or transport */
    uint32_t ike_rekey_s;    /**< IKE SA rekey after this many seconds, 0 = default (4 h) */
    uint32_t child_rekey_s;  /**< CHILD SA rekey, 0 = default (1 h) */
    /**
     * Hard lifetime of an IKE SA in seconds: if it has not been replaced by
     * a rekey by then (the peer keeps refusing), it is deleted. 0 = the
     * rekey time + 10 % + 5 minutes. CHILD SAs get the same margin in the SAD.
     */
    uint32_t ike_lifetime_s;
    uint8_t jitter_pct;      /**< rekey times are reduced by up to this percentage, 0 = 10 */
    uint32_t dpd_s;          /**< liveness check after this many idle seconds, 0 = off */
    uint32_t retransmit_ms;  /**< first retransmission timeout, 0 = default (1000) */
    uint8_t retransmit_tries;/**< retransmissions before the peer is declared dead, 0 = 5 */
    uint8_t restart;         /**< 1: initiate again after the peer died / deleted */
    uint8_t force_encap;     /**< 1: UDP-encapsulate ESP even without a NAT (RFC 3948) */
    /**
     * 1: do not offer or accept IKE fragmentation (RFC 7383) on this
     * connection; messages then go out whole.
     */
    uint8_t no_frag;
    /**
     * Largest IP datagram of an IKE fragment in bytes (RFC 7383 2.5.1: IP
     * and UDP headers included), 160..65535; 0 = the RFC's defaults, 576
     * for IPv4 and 1280 for IPv6. Capped at what TIP_IKE_DGRAM_MAX holds.
     * Non-zero needs TIP_CONF_IKE_FRAG (else TIP_ERR_UNSUPPORTED).
     */
    uint16_t frag_size;
    /**
     * Initiator: ask the peer for a virtual address in IKE_AUTH (RFC 7296
     * 2.19, CP(CFG_REQUEST)): TIP_IKE_VIP_IP4 and/or TIP_IKE_VIP_IP6, with
     * TIP_IKE_VIP_DNS also its DNS servers; 0 = none. The assigned address
     * of the CHILD SA's family becomes our side of its selectors, and
     * TIP_EV_VIRTUAL_IP reports what was assigned. Needs TIP_CONF_IKE_CP.
     */
    uint8_t vip_request;
    /**
     * Initiator, with vip_request: what happens when the peer assigns no
     * address of the CHILD SA's family. 0 (the default): the connection
     * fails (no CHILD SA, the IKE SA is deleted; PROPOSAL_MISMATCH with
     * reason INTERNAL_ADDRESS_FAILURE). 1: go on without, with the
     * configured selectors.
     */
    uint8_t vip_optional;
    /**
     * Responder: the address pool (tip_ike_pool_add()) the peer's virtual
     * address comes from, 0 = none. The peer must then ask for an address
     * (else FAILED_CP_REQUIRED, no CHILD SA) and its side of the selectors
     * is narrowed to the address it got. Needs TIP_CONF_IKE_CP.
     */
    tip_handle_t vip_pool;
} tip_ike_conn_t;

/** tip_ike_conn_t.vip_request: ask for an IPv4 address (INTERNAL_IP4_ADDRESS). */
#define TIP_IKE_VIP_IP4 0x01u
/** tip_ike_conn_t.vip_request: ask for an IPv6 address (INTERNAL_IP6_ADDRESS). */
#define TIP_IKE_VIP_IP6 0x02u
/** tip_ike_conn_t.vip_request: ask for DNS servers of the families asked for. */
#define TIP_IKE_VIP_DNS 0x04u

/**
 * A virtual address assignment (RFC 7296 3.15.1): what the peer assigned
 * to us (initiator), or what we assigned to the peer (responder).
 */
typedef struct tip_ike_vip_s {
    tip_addr_t ip4;          /**< INTERNAL_IP4_ADDRESS; family TIP_AF_NONE: none */
    tip_addr_t ip6;          /**< INTERNAL_IP6_ADDRESS; family TIP_AF_NONE: none */
    uint8_t ip6_prefix;      /**< the prefix length sent with ip6 (3.15.1) */
    uint8_t dns_count;       /**< entries of dns */
    tip_addr_t dns[TIP_IKE_CP_DNS_MAX]; /**< INTERNAL_IP4_DNS / IP6_DNS, in the peer's order */
} tip_ike_vip_t;

/** An address pool for virtual addresses (responder). Copied on add. */
typedef struct {
    tip_addr_t start;        /**< the first address (IPv4 or IPv6) */
    uint32_t count;          /**< addresses from start on, 1..65536 */
    uint8_t dns_count;       /**< entries of dns, 0..TIP_IKE_CP_DNS_MAX */
    tip_addr_t dns[TIP_IKE_CP_DNS_MAX]; /**< DNS servers handed out with each address */
} tip_ike_pool_cfg_t;

/** Usage of an address pool. */
typedef struct {
    uint32_t in_use;         /**< addresses held by a connected peer */
    uint32_t remembered;     /**< released addresses kept for their identity's return */
    uint32_t refused;        /**< requests refused with INTERNAL_ADDRESS_FAILURE (pool full) */
} tip_ike_pool_status_t;

/**
 * Add an address pool (caller-configured, held in the context: nothing is
 * allocated). Each peer identity gets one address from it while it is
 * connected; the address is released when its IKE SA goes (deleted, dead
 * or replaced without a rekey) or its connection is deleted, and kept for
 * that identity (TIP_IKE_POOL_LEASES identities are remembered) so that it
 * gets the same address when it comes back. When every address is held,
 * the request is refused with INTERNAL_ADDRESS_FAILURE (RFC 7296 3.15.4).
 *
 * @param ctx   the context
 * @param cfg   the pool
 * @param out   receives its handle (for tip_ike_conn_t.vip_pool; may be NULL)
 * @return 0; TIP_ERR_ARG (bad family, count 0 or above 65536, range past the
 *         end of the address space, DNS of no family), TIP_ERR_FULL (all
 *         TIP_IKE_POOLS slots used), TIP_ERR_UNSUPPORTED (TIP_CONF_IKE_CP
 *         or TIP_CONF_IKE_RESPONDER off)
 */
int tip_ike_pool_add(struct tip_ctx *ctx, const tip_ike_pool_cfg_t *cfg, tip_handle_t *out);

/**
 * Usage of pool @p pool.
 *
 * @return 0, TIP_ERR_ARG, TIP_ERR_NOT_FOUND, TIP_ERR_UNSUPPORTED
 */
int tip_ike_pool_status(const struct tip_ctx *ctx, tip_handle_t pool, tip_ike_pool_status_t *out);

/**
 * The virtual addresses of connection @p conn's current IKE SA: assigned
 * to us (initiator, vip_request) or to the peer (responder, vip_pool).
 *
 * @return 0; TIP_ERR_NO_SA (nothing assigned now), a handle error,
 *         TIP_ERR_UNSUPPORTED (TIP_CONF_IKE_CP off)
 */
int tip_ike_vip_get(const struct tip_ctx *ctx, tip_handle_t conn, tip_ike_vip_t *out);

/**
 * Fill @p conn with defaults (tunnel mode, one proposal AES-GCM-128/SHA-256/X25519).
 *
 * @param conn  the connection to fill
 */
void tip_ike_conn_init(tip_ike_conn_t *conn);

/**
 * Set an identity from text of type @p type (FQDN, e-mail, key id, or address).
 *
 * @param id    the identity to set
 * @param type  its type
 * @param text  NUL-terminated text (an address for the address types)
 * @return 0, or TIP_ERR_ARG (bad type, empty or too long, not an address of that family)
 */
int tip_ike_id_set(tip_ike_identity_t *id, tip_id_type_t type, const char *text);

/**
 * Add a connection (copied). The first one starts IKE in @p ctx: the
 * cookie secret (RFC 7296 2.6) comes from the port's random source then.
 *
 * @param ctx   the context
 * @param conn  the connection
 * @param out   receives its handle (may be NULL)
 * @return 0; TIP_ERR_ARG (no PSK, no proposal, bad identity or selector),
 *         TIP_ERR_UNSUPPORTED (an algorithm or key exchange group compiled out
 *         or not in the crypto backend, e.g. MODP-2048 with the PSA backend),
 *         TIP_ERR_CRYPTO (the random source failed; nothing was added) or
 *         TIP_ERR_FULL
 */
int tip_ike_conn_add(struct tip_ctx *ctx, const tip_ike_conn_t *conn, tip_handle_t *out);

/**
 * Delete connection @p conn. Its CHILD SAs and their policies are removed
 * at once, and TIP_EV_CHILD_DOWN / TIP_EV_IKE_DOWN (reason 0) are raised
 * before this returns, for what was up. An established IKE SA then tells
 * the peer on its own (INFORMATIONAL Delete, RFC 7296 1.4.1; right away,
 * or when a request still outstanding is answered) and is gone when the
 * peer confirms or stops answering; a half-open one is dropped at once.
 * Nothing restarts. The handle is stale from now on (TIP_ERR_STALE) and
 * the slot free for tip_ike_conn_add().
 *
 * @param ctx   the context
 * @param conn  a handle from tip_ike_conn_add()
 * @return 0; TIP_ERR_ARG (NULL context), TIP_ERR_NOT_FOUND (not a
 *         connection handle) or TIP_ERR_STALE (already deleted)
 */
int tip_ike_conn_del(struct tip_ctx *ctx, tip_handle_t conn);

/**
 * Start negotiating connection @p conn as initiator (IKE_SA_INIT, then
 * IKE_AUTH with the first CHILD SA). The outcome arrives as events. Error
 * notifies in IKE_SA_INIT responses are not authenticated: they are only
 * reported (TIP_EV_PROPOSAL_MISMATCH, TIP_EV_IKE_DOWN) if no valid response
 * comes before the retransmissions give up (RFC 7296 2.21.1).
 *
 * @param ctx   the context
 * @param conn  the connection
 * @return 0 once the first message is sent; TIP_ERR_ARG (responder-only
 *         connection), TIP_ERR_EXISTS (it has an IKE SA), TIP_ERR_FULL (no
 *         IKE SA slot), TIP_ERR_STALE / TIP_ERR_NOT_FOUND (bad handle), or
 *         TIP_ERR_CRYPTO
 */
int tip_ike_initiate(struct tip_ctx *ctx, tip_handle_t conn);

/**
 * Process one IKE message received over UDP from @p src:@p sport on our
 * @p dst:@p dport (for port 4500 the caller has already removed the
 * non-ESP marker, which tip_input_udp() does). Replies go out through the
 * port. Only a new, authenticated request moves the peer's address and
 * port (RFC 7296 2.23).
 *
 * @param ctx    the context
 * @param src    the address it came from
 * @param sport  the port it came from
 * @param dst    our address it arrived at
 * @param dport  our port it arrived at
 * @param msg    the IKE message (copied; the caller keeps it)
 * @param len    its length
 * @return 0 when the message was handled, or a negative error when it was
 *         dropped (counted, never acted on); TIP_ERR_TOO_LARGE when @p len
 *         is above TIP_IKE_DGRAM_MAX, the largest datagram this build
 *         holds (a larger message must come in fragments, RFC 7383). A
 *         fragment of a message not complete yet returns 0.
 */
int tip_ike_input(struct tip_ctx *ctx, const tip_addr_t *src, uint16_t sport,
                  const tip_addr_t *dst, uint16_t dport, const uint8_t *msg, size_t len);

/**
 * Rekey the CHILD SA of connection @p conn now (CREATE_CHILD_SA). Rekeys
 * also run by themselves; one that fails is tried again, with back-off.
 *
 * @param ctx   the context
 * @param conn  the connection
 * @return 0 once the request is sent; TIP_ERR_NO_SA (no established IKE SA
 *         or CHILD SA, or the last rekey is not finished), TIP_ERR_EXISTS (a
 *         request is outstanding: one at a time, RFC 7296 2.3), a handle error
 */
int tip_ike_rekey_child(struct tip_ctx *ctx, tip_handle_t conn);

/**
 * Rekey the IKE SA of connection @p conn now.
 *
 * @param ctx   the context
 * @param conn  the connection
 * @return 0 once the request is sent; TIP_ERR_NO_SA, TIP_ERR_EXISTS (as for
 *         tip_ike_rekey_child()), TIP_ERR_FULL (no IKE SA slot for the new
 *         one), a handle error
 */
int tip_ike_rekey_ike(struct tip_ctx *ctx, tip_handle_t conn);

/**
 * Delete the IKE SA (and its CHILD SAs) of @p conn, telling the peer
 * (INFORMATIONAL Delete, RFC 7296 1.4.1). With a request of ours still
 * outstanding (a rekey, a liveness check; one at a time, 2.3), the Delete
 * goes out as soon as it is answered; an IKE SA rekey that completes
 * meanwhile is deleted in its place. The SAs stay until the peer confirms
 * (or stops answering); then TIP_EV_CHILD_DOWN / TIP_EV_IKE_DOWN. A
 * half-open IKE SA is dropped at once. The connection stays; it does not
 * restart by itself after this.
 *
 * @param ctx   the context
 * @param conn  the connection
 * @return 0 (also when the delete is already under way); TIP_ERR_NO_SA (no
 *         IKE SA), a handle error
 */
int tip_ike_terminate(struct tip_ctx *ctx, tip_handle_t conn);

/**
 * Delete only the CHILD SA of @p conn (INFORMATIONAL with a Delete payload).
 *
 * @param ctx   the context
 * @param conn  the connection
 * @return 0 once the request is sent; TIP_ERR_NO_SA, TIP_ERR_EXISTS (as for
 *         tip_ike_rekey_child()), a handle error
 */
int tip_ike_delete_child(struct tip_ctx *ctx, tip_handle_t conn);

/** State of a connection, for status displays. */
typedef struct {
    uint8_t ike_up;          /**< an IKE SA is established */
    uint8_t child_up;        /**< a CHILD SA is installed */
    uint8_t natt;            /**< UDP encapsulation in use (NAT detected or forced) */
    uint8_t initiator;       /**< we initiated the current IKE SA */
    uint8_t spi_i[8];        /**< the IKE SA's initiator SPI */
    uint8_t spi_r[8];        /**< ... and responder SPI */
    uint32_t child_spi_in;   /**< the CHILD SA's inbound SPI */
    uint32_t child_spi_out;  /**< ... and outbound SPI */
    tip_handle_t child_in;   /**< SAD handle of the inbound CHILD SA (for tip_sad_stats()) */
    tip_handle_t child_out;  /**< ... and of the outbound one */
    tip_addr_t peer_addr;    /**< where the peer is now (it may move, RFC 7296 2.23) */
    uint16_t peer_port;      /**< ... and its UDP port */
    tip_ike_proposal_t ike_alg;    /**< the IKE SA's negotiated algorithms */
    tip_child_proposal_t child_alg;/**< the CHILD SA's negotiated algorithms */
    int last_error;          /**< the first failure reason of the last attempt */
    uint32_t ike_rekeys;     /**< IKE SA rekeys of this connection so far */
    uint32_t child_rekeys;   /**< CHILD SA rekeys so far */
} tip_ike_status_t;

/**
 * Fill @p out with the state of connection @p conn.
 *
 * @param ctx   the context
 * @param conn  the connection
 * @param out   receives the state
 * @return 0, TIP_ERR_ARG, TIP_ERR_NOT_FOUND or TIP_ERR_STALE (deleted connection)
 */
int tip_ike_status(const struct tip_ctx *ctx, tip_handle_t conn, tip_ike_status_t *out);

#endif /* TINYIPSEC_IKE_H */
