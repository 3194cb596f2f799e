/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 state inside tip_ctx_t (private: public only so that sizeof works).
 * Included by ctx.h only, after the crypto storage types it uses.
 */
#ifndef TINYIPSEC_IKE_CTX_H
#define TINYIPSEC_IKE_CTX_H

#include "tinyipsec/ike.h"

/** Largest nonce a peer may send (RFC 7296 3.9). */
#define TIP_IKE_PEER_NONCE_MAX 256
/** Largest PRF output (HMAC-SHA-512). */
#define TIP_IKE_PRF_MAX 64
/** Largest SK_e key: AES-256 + 4-byte salt. */
#define TIP_IKE_ENCR_KEY_MAX 36
/** Largest cookie we accept (RFC 7296 3.10.1: 1..64 bytes). */
#define TIP_IKE_COOKIE_MAX 64

/** States of an IKE SA (one small machine per exchange drives them). */
typedef enum {
    TIP_IKE_S_FREE = 0,
    TIP_IKE_S_INIT_SENT,     /**< initiator: IKE_SA_INIT request out */
    TIP_IKE_S_AUTH_SENT,     /**< initiator: IKE_AUTH request out */
    TIP_IKE_S_INIT_DONE,     /**< responder: IKE_SA_INIT answered, waiting for IKE_AUTH */
    TIP_IKE_S_ESTABLISHED,   /**< authenticated */
    TIP_IKE_S_REKEYED,       /**< replaced by a new IKE SA, waiting for its delete */
    TIP_IKE_S_DELETING       /**< our delete is out */
} tip_ike_sa_state_t;

/** The CHILD SA of an IKE SA (one per connection). */
typedef struct {
    uint32_t spi_in, spi_out;
    tip_handle_t sa_in, sa_out;     /**< SAD handles */
    tip_handle_t pol_out, pol_in;   /**< SPD handles */
    uint8_t encr, integ, esn, pfs;
    uint16_t key_bits;
    uint64_t rekey_at_ms;           /**< 0 = none scheduled */
    tip_selector_t sel;             /**< negotiated selectors (local = our side) */
} tip_ike_child_t;

/** An outstanding exchange that is not IKE_SA_INIT / IKE_AUTH. */
typedef struct {
    uint8_t kind;                   /**< tip_ike_pending_t (ike_core.h) */
    uint8_t nonce[TIP_IKE_NONCE_LEN];
    uint32_t new_spi_in;            /**< CHILD rekey / create: our new inbound SPI */
    uint8_t new_spi[8];             /**< IKE rekey: our new IKE SPI */
    uint16_t new_ike_sa;            /**< IKE rekey: slot + 1 of the new IKE SA */
    uint8_t del_n;                  /**< Delete(ESP): how many of our inbound SPIs we named */
    uint32_t del_spi[2];            /**< ... and which */
} tip_ike_pending_ex_t;

/** An IKE SA slot (private). */
typedef struct {
    uint16_t gen;
    uint8_t state;                  /**< tip_ike_sa_state_t */
    uint8_t initiator;              /**< we sent the IKE_SA_INIT request */
    uint16_t conn;                  /**< connection slot + 1 */
    uint8_t spi_i[8], spi_r[8];
    tip_addr_t local, remote;
    uint16_t lport, rport;
    uint8_t nat_local, nat_remote;  /**< RFC 7296 2.23: NAT in front of us / them */
    uint8_t use_natt;               /**< on port 4500 with the non-ESP marker */
    /* negotiated IKE SA algorithms */
    uint8_t encr, integ, prf, dh_group;
    uint16_t key_bits;
    /* keys (RFC 7296 2.14) */
    uint8_t prf_len;
    uint8_t sk_d[TIP_IKE_PRF_MAX], sk_pi[TIP_IKE_PRF_MAX], sk_pr[TIP_IKE_PRF_MAX];
    tip_crypto_sa_t sk_out;         /**< protects what we send */
    tip_crypto_sa_t sk_in;          /**< verifies what we receive */
    uint8_t sk_iv_len, sk_icv_len, sk_block;
    /* message IDs and the retransmission state (RFC 7296 2.1, 2.2) */
    uint32_t msg_id_out;            /**< ID of our next (or outstanding) request */
    uint32_t msg_id_in;             /**< ID of the peer's next expected request */
    uint8_t req_outstanding;
    uint8_t req_tries;
    uint64_t req_deadline_ms;
    uint16_t req_len, resp_len;
    uint8_t resp_valid;             /**< resp[] answers request msg_id_in - 1 */
    /* messages sit at offset 4, behind room for the non-ESP marker (RFC 3948 2.2) */
    uint8_t req[4 + TIP_IKE_MSG_MAX];
    uint8_t resp[4 + TIP_IKE_MSG_MAX];
    /* IKE_SA_INIT material, kept until IKE_AUTH is done (AUTH covers it) */
    uint16_t init_i_len, init_r_len;
    uint8_t init_i[TIP_IKE_MSG_MAX];
    uint8_t init_r[TIP_IKE_MSG_MAX];
    uint16_t ni_len, nr_len;
    uint8_t ni[TIP_IKE_PEER_NONCE_MAX], nr[TIP_IKE_PEER_NONCE_MAX];
    uint8_t cookie_len;
    uint8_t cookie[TIP_IKE_COOKIE_MAX];
    tip_crypto_dh_t dh;
    tip_ike_pending_ex_t pend;
    tip_ike_child_t child;
    tip_ike_child_t old_child;      /**< the pair a rekey replaced, until it is deleted */
    tip_ike_child_t extra_child;    /**< 2.8.1: the peer's pair of a simultaneous rekey */
    uint8_t collision;              /**< extra_child is set and awaits the nonce verdict */
    uint8_t extra_ours;             /**< extra_child is our redundant pair: we delete it */
    uint16_t collide_low_len;
    uint8_t collide_low[TIP_IKE_PEER_NONCE_MAX]; /**< lowest nonce of the peer's exchange */
    uint8_t ke_retried;             /**< INVALID_KE_PAYLOAD retry done (1.2: once) */
    uint8_t child_pending_spi_valid;
    uint32_t child_pending_spi;     /**< initiator: our inbound SPI offered in IKE_AUTH */
    /* timers */
    uint64_t established_ms;
    uint64_t rekey_at_ms;           /**< IKE SA rekey, 0 = none */
    uint64_t last_rx_ms;            /**< last authenticated message from the peer */
    int first_error;                /**< the first failure reason (kept) */
} tip_ike_sa_t;

/** A connection slot (private). */
typedef struct {
    uint16_t gen;
    uint8_t in_use;
    uint16_t ike_sa;                /**< current IKE SA slot + 1, 0 = none */
    int last_error;
    uint32_t ike_rekeys, child_rekeys;
    tip_ike_conn_t cfg;
} tip_ike_conn_slot_t;

/** All IKE state of a context (private). */
typedef struct {
    uint8_t enabled;
    uint8_t cookie_secret[32];      /**< RFC 7296 2.6, rotated */
    uint8_t cookie_secret_old[32];
    uint64_t cookie_rotate_ms;
    uint32_t cookie_version;
    tip_ike_conn_slot_t conn[TIP_MAX_IKE_CONN];
    tip_ike_sa_t sa[TIP_MAX_IKE_SA];
    uint64_t drops;                 /**< IKE messages dropped (all reasons) */
    uint8_t rx[TIP_IKE_MSG_MAX];    /**< writable copy of the message being processed */
} tip_ike_state_t;

#endif /* TINYIPSEC_IKE_CTX_H */
