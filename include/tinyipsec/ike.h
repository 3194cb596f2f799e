/*
 * SPDX-License-Identifier: Apache-2.0
 *
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
    TIP_ID_NONE = 0,
    TIP_ID_IPV4_ADDR = 1,
    TIP_ID_FQDN = 2,
    TIP_ID_RFC822_ADDR = 3,
    TIP_ID_IPV6_ADDR = 5,
    TIP_ID_KEY_ID = 11
} tip_id_type_t;

/** An identity: its type and raw bytes (no terminating NUL). */
typedef struct {
    uint8_t type; /**< tip_id_type_t */
    uint8_t len;
    uint8_t data[TIP_IKE_ID_MAX];
} tip_ike_identity_t;

/** One IKE SA proposal (one transform of each type). */
typedef struct {
    tip_encr_t encr;      /**< AES-GCM-16, AES-CBC or ChaCha20-Poly1305 */
    uint16_t key_bits;    /**< 128 or 256 (ignored for ChaCha20-Poly1305) */
    tip_integ_t integ;    /**< TIP_INTEG_NONE with AEAD */
    tip_prf_t prf;
    tip_dh_group_t dh;
} tip_ike_proposal_t;

/** One CHILD SA (ESP) proposal. */
typedef struct {
    tip_encr_t encr;
    uint16_t key_bits;
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
    tip_ike_identity_t local_id;
    tip_ike_identity_t remote_id;  /**< the peer must present exactly this identity */
    uint8_t psk[TIP_IKE_PSK_MAX];
    uint8_t psk_len;
    tip_ike_proposal_t ike[TIP_IKE_MAX_PROPOSALS]; /**< in order of preference */
    uint8_t ike_count;
    tip_child_proposal_t child[TIP_IKE_MAX_PROPOSALS];
    uint8_t child_count;
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
} tip_ike_conn_t;

/** Fill @p conn with defaults (tunnel mode, one proposal AES-GCM-128/SHA-256/X25519). */
void tip_ike_conn_init(tip_ike_conn_t *conn);

/** Set an identity from text of type @p type (FQDN, e-mail, key id, or address). */
int tip_ike_id_set(tip_ike_identity_t *id, tip_id_type_t type, const char *text);

/**
 * Add a connection. Returns 0, TIP_ERR_ARG (no PSK, no proposal, bad
 * identity or selector), TIP_ERR_UNSUPPORTED (algorithm compiled out) or
 * TIP_ERR_FULL. @p out (may be NULL) receives its handle.
 */
int tip_ike_conn_add(struct tip_ctx *ctx, const tip_ike_conn_t *conn, tip_handle_t *out);

/**
 * Start negotiating connection @p conn as initiator (IKE_SA_INIT, then
 * IKE_AUTH with the first CHILD SA). Returns 0 once the first message is
 * sent; the outcome arrives as events.
 */
int tip_ike_initiate(struct tip_ctx *ctx, tip_handle_t conn);

/**
 * Process one IKE message received over UDP from @p src:@p sport on our
 * @p dst:@p dport (for port 4500 the caller has already removed the
 * non-ESP marker, which tip_input_udp() does). Replies go out through the
 * port. Returns 0 when the message was handled, or a negative error when it
 * was dropped (counted, never acted on); TIP_ERR_TOO_LARGE means @p len is
 * above TIP_IKE_MSG_MAX, the largest message this build can hold.
 */
int tip_ike_input(struct tip_ctx *ctx, const tip_addr_t *src, uint16_t sport,
                  const tip_addr_t *dst, uint16_t dport, const uint8_t *msg, size_t len);

/** Rekey the CHILD SA of connection @p conn now (CREATE_CHILD_SA). */
int tip_ike_rekey_child(struct tip_ctx *ctx, tip_handle_t conn);

/** Rekey the IKE SA of connection @p conn now. */
int tip_ike_rekey_ike(struct tip_ctx *ctx, tip_handle_t conn);

/** Delete the IKE SA (and its CHILD SAs) of @p conn, telling the peer. */
int tip_ike_terminate(struct tip_ctx *ctx, tip_handle_t conn);

/** Delete only the CHILD SA of @p conn (INFORMATIONAL with a Delete payload). */
int tip_ike_delete_child(struct tip_ctx *ctx, tip_handle_t conn);

/** State of a connection, for status displays. */
typedef struct {
    uint8_t ike_up;          /**< an IKE SA is established */
    uint8_t child_up;        /**< a CHILD SA is installed */
    uint8_t natt;            /**< UDP encapsulation in use (NAT detected or forced) */
    uint8_t initiator;       /**< we initiated the current IKE SA */
    uint8_t spi_i[8], spi_r[8];
    uint32_t child_spi_in, child_spi_out;
    tip_handle_t child_in, child_out; /**< SAD handles (for tip_sad_stats()) */
    tip_addr_t peer_addr;
    uint16_t peer_port;
    tip_ike_proposal_t ike_alg;    /**< the IKE SA's negotiated algorithms */
    tip_child_proposal_t child_alg;/**< the CHILD SA's negotiated algorithms */
    int last_error;          /**< the first failure reason of the last attempt */
    uint32_t ike_rekeys, child_rekeys;
} tip_ike_status_t;

/** Fill @p out with the state of connection @p conn. */
int tip_ike_status(const struct tip_ctx *ctx, tip_handle_t conn, tip_ike_status_t *out);

#endif /* TINYIPSEC_IKE_H */
