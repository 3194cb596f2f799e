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
 * An IKE SA carries up to TIP_IKE_CHILD_MAX CHILD SAs (RFC 7296 1.3.1):
 * the one IKE_AUTH makes for the connection's `ts`, one per further
 * selector pair (`ts_more`, created by the IKE SA's initiator with
 * CREATE_CHILD_SA), those an acquire asks for, and those the peer creates.
 * An acquire (TIP_EV_ACQUIRE: an outbound PROTECT policy without an SA)
 * belongs to the first connection with a peer address whose mode is the
 * policy's, whose peer is the policy's tunnel_remote (tunnel mode, when
 * set), and one of whose selector pairs holds the policy's selectors: its
 * IKE SA is started if there is none; once it is established, a CHILD SA
 * for the policy's selectors is negotiated and bound to that policy (no
 * policy is added; the policy stays when the CHILD SA goes). One
 * negotiation per policy at a time; a refused one is tried again with
 * back-off, and given up after five refusals (the next packet asks again).
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
    TIP_ID_DER_ASN1_DN = 9, /**< a distinguished name, DER (set data and len directly) */
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

/** How the two ends of a connection prove who they are. */
typedef enum {
    TIP_AUTH_PSK = 0, /**< pre-shared key (RFC 7296 2.15) */
    TIP_AUTH_CERT = 1 /**< certificates and signatures (TIP_CONF_IKE_CERT) */
} tip_auth_t;

/**
 * Signature schemes: what a signer is asked to make. ECDSA signatures are
 * returned as r || s, each as long as the curve's order (64 bytes for
 * P-256, 96 for P-384), as a secure element or psa_sign_hash() gives them;
 * RSA signatures as long as the modulus.
 */
typedef enum {
    TIP_SIG_NONE = 0,
    TIP_SIG_ECDSA_SHA256,     /**< ECDSA over a SHA-256 hash */
    TIP_SIG_ECDSA_SHA384,     /**< ECDSA over a SHA-384 hash */
    TIP_SIG_ECDSA_SHA512,     /**< ECDSA over a SHA-512 hash */
    TIP_SIG_RSA_PKCS1_SHA1,   /**< RSASSA-PKCS1-v1_5 with SHA-1 (AUTH method 1 only) */
    TIP_SIG_RSA_PKCS1_SHA256, /**< RSASSA-PKCS1-v1_5 with SHA-256 */
    TIP_SIG_RSA_PKCS1_SHA384, /**< RSASSA-PKCS1-v1_5 with SHA-384 */
    TIP_SIG_RSA_PKCS1_SHA512, /**< RSASSA-PKCS1-v1_5 with SHA-512 */
    TIP_SIG_RSA_PSS_SHA256,   /**< RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt */
    TIP_SIG_RSA_PSS_SHA384,   /**< RSASSA-PSS, SHA-384, MGF1-SHA-384, 48-byte salt */
    TIP_SIG_RSA_PSS_SHA512    /**< RSASSA-PSS, SHA-512, MGF1-SHA-512, 64-byte salt */
} tip_sig_scheme_t;

/**
 * The signing callback: sign @p hash (the hash of the AUTH payload's
 * signed octets, RFC 7296 2.15, with the scheme's hash) with our private
 * key. The key never needs to be in tinyipsec's memory: it may sit in a
 * secure element or a PSA key slot. Called from inside tip_input_udp() /
 * tip_ike_input() and tip_poll() (while IKE_AUTH is built); no other call
 * into the library is allowed from it.
 *
 * @param arg       tip_ike_conn_t.sign_arg
 * @param scheme    what to make (chosen for our certificate's key)
 * @param hash      the hash to sign
 * @param hash_len  its length (20, 32, 48 or 64)
 * @param sig       receives the signature (format: tip_sig_scheme_t)
 * @param sig_size  bytes at @p sig (TIP_IKE_SIG_MAX)
 * @param sig_len   receives its length
 * @return 0, or a negative tip_err_t: the IKE SA then fails at once,
 *         with TIP_EV_AUTH_FAILED and the reason TIP_ERR_SIGN (it is
 *         not restarted), and the log says the signer failed
 */
typedef int (*tip_ike_sign_fn)(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash,
                               size_t hash_len, uint8_t *sig, size_t sig_size, size_t *sig_len);

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
    /**
     * TIP_AUTH_PSK (the default) or TIP_AUTH_CERT. With TIP_AUTH_CERT both
     * sides sign (RFC 7427 digital signatures, or the classic methods for a
     * peer without SIGNATURE_HASH_ALGORITHMS); psk is not used, remote_id
     * may be TIP_ID_NONE (any identity the trust anchors vouch for), and
     * the peer's identity must be in its certificate. TIP_AUTH_CERT in a
     * build without TIP_CONF_IKE_CERT: TIP_ERR_UNSUPPORTED.
     */
    uint8_t auth;
#if TIP_CONF_IKE_CERT
    /**
     * Our certificate (DER, end entity first) and the intermediates to send
     * with it, in CERT payloads. The memory is the caller's and must live as
     * long as the connection (only the pointers are copied). One chain per
     * connection: it is sent in every IKE_AUTH whatever CAs the peer's
     * CERTREQ names (RFC 7296 3.6, 3.7; docs/security.md).
     */
    const uint8_t *cert[TIP_IKE_CERT_CHAIN_MAX];
    size_t cert_len[TIP_IKE_CERT_CHAIN_MAX];  /**< bytes of each cert */
    uint8_t cert_count;                        /**< entries of cert, >= 1 */
    /**
     * Trust anchors: the CA certificates (DER, caller's memory like cert)
     * a peer's chain must lead to. Their key hashes go out in CERTREQ.
     */
    const uint8_t *ca[TIP_IKE_CA_MAX];
    size_t ca_len[TIP_IKE_CA_MAX];  /**< bytes of each ca */
    uint8_t ca_count;               /**< entries of ca, >= 1 */
    tip_ike_sign_fn sign;           /**< makes our signatures with our certificate's key */
    void *sign_arg;                 /**< handed to sign */
    uint8_t rsa_pss;                /**< 1: sign with RSA-PSS rather than PKCS#1 v1.5 (RSA keys) */
#endif
    tip_ike_proposal_t ike[TIP_IKE_MAX_PROPOSALS]; /**< in order of preference */
    uint8_t ike_count;             /**< entries of ike */
    tip_child_proposal_t child[TIP_IKE_MAX_PROPOSALS]; /**< in order of preference */
    uint8_t child_count;           /**< entries of child */
    tip_selector_t ts;       /**< local = our protected side, remote = the peer's */
    /**
     * Further selector pairs, each its own CHILD SA (RFC 7296 1.3.1): the
     * initiator of the IKE SA creates them with CREATE_CHILD_SA once
     * IKE_AUTH (which carries `ts`) is done; a responder narrows a peer's
     * proposal against `ts` and these (2.9). Unset sides are filled like
     * those of `ts`. Both sides of a pair are of one family; in tunnel mode
     * it need not be the outer addresses' (IPv4 pairs over IPv6), and an
     * unset side of `ts` or of a pair takes the family of the set one.
     * ts_more_count = 0: only `ts`.
     */
    tip_selector_t ts_more[TIP_IKE_TS_MORE_MAX];
    uint8_t ts_more_count;   /**< entries of ts_more, at most TIP_IKE_CHILD_MAX - 1 */
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
    /**
     * Initiator: 1 = never send INITIAL_CONTACT. By default (0) the first
     * IKE_AUTH carries it whenever we hold no other IKE SA with the peer
     * under our identity (after start-up, or after the last one died), so
     * the peer drops the IKE and CHILD SAs it still keeps from before at
     * once (RFC 7296 2.4). Set it when the same identity may be connected
     * from two devices at a time (3.10.1 forbids the notify then: each
     * would log the other out).
     */
    uint8_t no_initial_contact;
    /**
     * 1: UDP-encapsulate ESP even without a NAT (RFC 3948). Our
     * NAT_DETECTION_SOURCE_IP is then sent with every bit inverted, so the
     * peer sees a NAT in front of us and encapsulates too. Without it, ESP
     * is encapsulated only when NAT detection finds a NAT; IKE on port 4500
     * alone (MOBIKE moves there in IKE_AUTH, RFC 4555 3.3) keeps ESP plain.
     */
    uint8_t force_encap;
    /**
     * 1: do not offer or accept IKE fragmentation (RFC 7383) on this
     * connection; messages then go out whole.
     */
    uint8_t no_frag;
    /**
     * 1: do not announce or accept MOBIKE (RFC 4555) on this connection.
     * By default (0) both sides announce MOBIKE_SUPPORTED in IKE_AUTH (with
     * TIP_CONF_IKE_MOBIKE), and an established IKE SA can move to a new
     * local address (tip_ike_update_address()) or follow the peer's: only
     * its UPDATE_SA_ADDRESSES moves the SA then (not any request from a new
     * address, RFC 4555 3.8), the CHILD SAs after a return-routability
     * check of a new peer address (3.7). A responder also refuses an
     * IKE_AUTH whose NO_NATS_ALLOWED does not match the IP header (3.9).
     */
    uint8_t no_mobike;
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
 * @param ctx   the context
 * @param pool  the pool's handle (tip_ike_pool_add())
 * @param out   receives its usage
 * @return 0, TIP_ERR_ARG, TIP_ERR_NOT_FOUND, TIP_ERR_UNSUPPORTED
 */
int tip_ike_pool_status(const struct tip_ctx *ctx, tip_handle_t pool, tip_ike_pool_status_t *out);

/**
 * The virtual addresses of connection @p conn's current IKE SA: assigned
 * to us (initiator, vip_request) or to the peer (responder, vip_pool).
 *
 * @param ctx   the context
 * @param conn  the connection's handle
 * @param out   receives the addresses and DNS servers
 * @return 0; TIP_ERR_NO_SA (nothing assigned now), a handle error,
 *         TIP_ERR_UNSUPPORTED (TIP_CONF_IKE_CP off)
 */
int tip_ike_vip_get(const struct tip_ctx *ctx, tip_handle_t conn, tip_ike_vip_t *out);

#if TIP_CONF_IKE_CERT
/**
 * A ready signer on an Mbed TLS key (the classic backend): tip_ike_conn_t's
 * sign = tip_ike_sign_mbedtls_pk, sign_arg = a tip_ike_pk_signer_t.
 */
typedef struct {
    void *pk;  /**< the private key: an mbedtls_pk_context * (EC or RSA) */
    /** Random source for the signature (the port's random function will do). */
    int (*random)(void *arg, uint8_t *out, size_t len);
    void *random_arg; /**< handed to random */
} tip_ike_pk_signer_t;

#if !TIP_CONF_CRYPTO_PSA
/**
 * tip_ike_sign_fn on a tip_ike_pk_signer_t (@p arg). Classic backend only.
 *
 * @param arg       see the function's description
 * @param scheme    what to make
 * @param hash      the hash to sign
 * @param hash_len  its length
 * @param sig       receives the signature
 * @param sig_size  bytes at @p sig
 * @param sig_len   receives its length
 * @return 0; TIP_ERR_ARG (a key that cannot make @p scheme),
 *         TIP_ERR_BUF_SPACE, TIP_ERR_CRYPTO, TIP_ERR_UNSUPPORTED (an Mbed
 *         TLS without the key's algorithm)
 */
int tip_ike_sign_mbedtls_pk(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash,
                            size_t hash_len, uint8_t *sig, size_t sig_size, size_t *sig_len);
#else
/**
 * tip_ike_sign_fn on a PSA key: @p arg points to the key's psa_key_id_t
 * (a uint32_t), a key pair allowed PSA_KEY_USAGE_SIGN_HASH with the
 * algorithm of the scheme asked for (PSA_ALG_ECDSA, PSA_ALG_RSA_PKCS1V15_SIGN
 * or PSA_ALG_RSA_PSS of the scheme's hash, or a wildcard). PSA backend only.
 *
 * @param arg       see the function's description
 * @param scheme    what to make
 * @param hash      the hash to sign
 * @param hash_len  its length
 * @param sig       receives the signature
 * @param sig_size  bytes at @p sig
 * @param sig_len   receives its length
 * @return 0; TIP_ERR_ARG (a key that cannot make @p scheme),
 *         TIP_ERR_BUF_SPACE, TIP_ERR_CRYPTO, TIP_ERR_UNSUPPORTED (an Mbed
 *         TLS without the key's algorithm)
 */
int tip_ike_sign_psa(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash, size_t hash_len,
                     uint8_t *sig, size_t sig_size, size_t *sig_len);
#endif
#endif /* TIP_CONF_IKE_CERT */

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
 * @return 0; TIP_ERR_ARG (no PSK, no proposal, bad identity or selector;
 *         more than TIP_IKE_CHILD_MAX - 1 further selector pairs, or one
 *         with a side of another address family or a range out of order;
 *         a certificate connection without certificate, trust anchor or signer),
 *         TIP_ERR_UNSUPPORTED (an algorithm or key exchange group compiled out
 *         or not in the crypto backend, e.g. MODP-2048 with the PSA backend;
 *         TIP_AUTH_CERT without TIP_CONF_IKE_CERT, or our certificate's key
 *         neither ECDSA P-256/P-384 nor RSA),
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
 *         is above TIP_IKE_MSG_MAX, the largest message this build takes
 *         (a larger one must come in fragments, RFC 7383); TIP_ERR_FULL
 *         when it is above TIP_IKE_DGRAM_MAX (the receive buffer) and no
 *         buffer of the message pool is free to take it in. A fragment of
 *         a message not complete yet returns 0.
 */
int tip_ike_input(struct tip_ctx *ctx, const tip_addr_t *src, uint16_t sport,
                  const tip_addr_t *dst, uint16_t dport, const uint8_t *msg, size_t len);

/**
 * Rekey the (first) CHILD SA of connection @p conn now (CREATE_CHILD_SA):
 * the one with the lowest index in the connection's CHILD SA table that is
 * up. Rekeys also run by themselves; one that fails is tried again, with
 * back-off.
 *
 * @param ctx   the context
 * @param conn  the connection
 * @return 0 once the request is sent; TIP_ERR_NO_SA (no established IKE SA
 *         or CHILD SA, or the last rekey is not finished), TIP_ERR_EXISTS (a
 *         request is outstanding: one at a time, RFC 7296 2.3), a handle error
 */
int tip_ike_rekey_child(struct tip_ctx *ctx, tip_handle_t conn);

/**
 * Rekey CHILD SA @p index of connection @p conn (tip_ike_child_status(),
 * tip_event_t.child) now. One CHILD SA of an IKE SA is rekeyed at a time.
 *
 * @param ctx    the context
 * @param conn   the connection
 * @param index  the entry of its CHILD SA table, below TIP_IKE_CHILD_MAX
 * @return as tip_ike_rekey_child(); TIP_ERR_ARG for an index out of range
 */
int tip_ike_rekey_child_at(struct tip_ctx *ctx, tip_handle_t conn, unsigned index);

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
 * Delete only the (first) CHILD SA of @p conn (INFORMATIONAL with a Delete
 * payload): the one tip_ike_rekey_child() acts on. The IKE SA and its
 * other CHILD SAs stay.
 *
 * @param ctx   the context
 * @param conn  the connection
 * @return 0 once the request is sent; TIP_ERR_NO_SA, TIP_ERR_EXISTS (as for
 *         tip_ike_rekey_child()), a handle error
 */
int tip_ike_delete_child(struct tip_ctx *ctx, tip_handle_t conn);

/**
 * Delete CHILD SA @p index of @p conn (INFORMATIONAL with a Delete
 * payload); TIP_EV_CHILD_DOWN names it when the peer confirms. A CHILD SA
 * of a configured selector pair is not negotiated again by itself.
 *
 * @param ctx    the context
 * @param conn   the connection
 * @param index  the entry of its CHILD SA table, below TIP_IKE_CHILD_MAX
 * @return as tip_ike_delete_child(); TIP_ERR_ARG for an index out of range
 */
int tip_ike_delete_child_at(struct tip_ctx *ctx, tip_handle_t conn, unsigned index);

/** State of a connection, for status displays. */
typedef struct {
    uint8_t ike_up;          /**< an IKE SA is established */
    uint8_t child_up;        /**< a CHILD SA is installed (the first; the fields below describe it) */
    uint8_t child_count;     /**< CHILD SAs up on the IKE SA (tip_ike_child_status() for each) */
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
    uint8_t peer_mobike;     /**< both sides announced MOBIKE_SUPPORTED (RFC 4555 3.1) */
    tip_addr_t local_addr;   /**< our address the IKE SA uses now (it moves with MOBIKE) */
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

/**
 * Tell the library that this host's address changed (MOBIKE, RFC 4555
 * 3.5): the connection's IKE SA sends from @p new_local at once (on the
 * NAT-T port, RFC 4555 3.1), and an INFORMATIONAL request with
 * UPDATE_SA_ADDRESSES, fresh NAT_DETECTION_* hashes and a COOKIE2 goes to
 * the peer (after the request outstanding, if any, is answered). When the
 * peer's authenticated answer comes back echoing the COOKIE2, the CHILD SAs
 * move to the new address (UDP encapsulation on or off as NAT detection
 * says) without being rekeyed, and TIP_EV_IKE_MOVED is raised; an answer
 * with another COOKIE2 closes the IKE SA (RFC 4555 3.7), one with an error
 * (UNEXPECTED_NAT_DETECTED ...) moves nothing. It is retransmitted like any
 * request; a peer that never answers is declared dead. Behind a NAT the
 * IKE SA also notices a changed mapping by itself (NAT detection in its
 * liveness checks, RFC 4555 3.8) and updates.
 *
 * The peer (a responder) moves its IKE SA with the update and its CHILD
 * SAs after it checked the new address (an INFORMATIONAL with COOKIE2
 * there, answered by this side); it raises TIP_EV_IKE_MOVED then.
 *
 * @param ctx        the context
 * @param conn       the connection
 * @param new_local  our new address (same family as the peer's)
 * @return 0; TIP_ERR_UNSUPPORTED (the peer did not announce MOBIKE, the
 *         connection has no_mobike, this side was the responder of the
 *         first IKE SA (RFC 4555 3.5: only the original initiator moves
 *         the SAs), or TIP_CONF_IKE_MOBIKE is off),
 *         TIP_ERR_NO_SA (no established IKE SA), TIP_ERR_ARG, TIP_ERR_FULL
 *         (no message buffer), TIP_ERR_NOT_FOUND or TIP_ERR_STALE
 */
int tip_ike_update_address(struct tip_ctx *ctx, tip_handle_t conn, const tip_addr_t *new_local);

/** State of one CHILD SA of a connection (tip_ike_child_status()). */
typedef struct {
    uint8_t up;              /**< its SA pair is installed */
    uint8_t pending;         /**< not up yet: our CREATE_CHILD_SA for it is due or out */
    uint8_t pair;            /**< the connection's selector pair it is for (0 = ts, n = ts_more[n - 1]),
                                  0xFF: proposed by the peer outside them, or an acquire's */
    uint32_t spi_in;         /**< inbound SPI */
    uint32_t spi_out;        /**< outbound SPI */
    tip_handle_t sa_in;      /**< SAD handle of the inbound SA (for tip_sad_stats()) */
    tip_handle_t sa_out;     /**< ... and of the outbound one */
    tip_handle_t policy;     /**< its outbound policy (an acquire's: the application's) */
    tip_selector_t sel;      /**< negotiated selectors (pending: proposed), local = our side */
    tip_child_proposal_t alg;/**< negotiated algorithms */
} tip_ike_child_status_t;

/**
 * Fill @p out with the state of CHILD SA @p index of connection @p conn's
 * current IKE SA. The table has TIP_IKE_CHILD_MAX entries; entry 0 is the
 * CHILD SA of IKE_AUTH, the others come from CREATE_CHILD_SA (RFC 7296
 * 1.3.1). CHILD events name their entry in tip_event_t.child.
 *
 * @param ctx    the context
 * @param conn   the connection
 * @param index  the entry, below TIP_IKE_CHILD_MAX
 * @param out    receives the state
 * @return 0; TIP_ERR_NO_SA (no IKE SA, or the entry is free), TIP_ERR_ARG,
 *         TIP_ERR_NOT_FOUND or TIP_ERR_STALE
 */
int tip_ike_child_status(const struct tip_ctx *ctx, tip_handle_t conn, unsigned index,
                         tip_ike_child_status_t *out);

#endif /* TINYIPSEC_IKE_H */
