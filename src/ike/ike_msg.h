/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 message codec (RFC 7296 section 3): wire constants, the header and
 * payload-chain parser, per-payload body parsers and a builder that writes
 * into a caller-owned fixed buffer.
 *
 * Parsing is pure: bytes in, a view out (offsets and pointers into the
 * caller's datagram); nothing is copied, allocated or written. Every length
 * is checked against the enclosing one before it is used.
 *
 * Conventions of the body parsers: they take the payload body (the bytes
 * after the 4-byte generic payload header, see tip_ike_pl_body()) and its
 * length, return TIP_OK or TIP_ERR_MALFORMED, and fill a view whose pointers
 * point into that body. Iterators ("..._next") return 1 when they produced an
 * element, 0 at the clean end, and TIP_ERR_MALFORMED on a broken encoding.
 *
 * The builder is a sticky-error writer: once a write does not fit, every later
 * write does nothing and tip_ike_w_finish() returns TIP_ERR_BUF_SPACE; nothing
 * is ever written at or past the capacity.
 */
#ifndef TIP_IKE_MSG_H
#define TIP_IKE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/types.h"

/* ==== limits ========================================================== */

/** Most payloads one parsed chain (outer, or inner SK content) may hold. */
#ifndef TIP_IKE_MAX_PAYLOADS
#define TIP_IKE_MAX_PAYLOADS 24
#endif
#if TIP_IKE_MAX_PAYLOADS < 1 || TIP_IKE_MAX_PAYLOADS > 255
#error "TIP_IKE_MAX_PAYLOADS must be 1..255"
#endif

/** Largest IKE message the codec handles (offsets are 16-bit). */
#define TIP_IKE_MAX_MSG_LEN 65535u

/* ==== header (RFC 7296 3.1) =========================================== */

#define TIP_IKE_HDR_LEN 28    /**< fixed IKE header */
#define TIP_IKE_GEN_HDR_LEN 4 /**< generic payload header (3.2) */
#define TIP_IKE_SPI_LEN 8     /**< IKE SPI size */

#define TIP_IKE_VERSION 0x20 /**< major 2, minor 0, as sent */
#define TIP_IKE_MAJOR(v) ((uint8_t)((v) >> 4))

/* Exchange types (3.1) */
#define TIP_IKE_EXCH_IKE_SA_INIT 34
#define TIP_IKE_EXCH_IKE_AUTH 35
#define TIP_IKE_EXCH_CREATE_CHILD_SA 36
#define TIP_IKE_EXCH_INFORMATIONAL 37

/* Header flags (3.1) */
#define TIP_IKE_FLAG_INITIATOR 0x08 /**< I: sent by the original initiator */
#define TIP_IKE_FLAG_VERSION 0x10   /**< V: sender can speak a higher major version */
#define TIP_IKE_FLAG_RESPONSE 0x20  /**< R: this is a response */

/** Critical bit in the generic payload header (3.2). */
#define TIP_IKE_CRITICAL 0x80

/* ==== payload types (3.2; 53 from RFC 7383) ========================== */

#define TIP_IKE_PL_NONE 0
#define TIP_IKE_PL_SA 33      /**< Security Association */
#define TIP_IKE_PL_KE 34      /**< Key Exchange */
#define TIP_IKE_PL_IDI 35     /**< Identification - Initiator */
#define TIP_IKE_PL_IDR 36     /**< Identification - Responder */
#define TIP_IKE_PL_CERT 37    /**< Certificate */
#define TIP_IKE_PL_CERTREQ 38 /**< Certificate Request */
#define TIP_IKE_PL_AUTH 39    /**< Authentication */
#define TIP_IKE_PL_NONCE 40   /**< Nonce (Ni, Nr) */
#define TIP_IKE_PL_N 41       /**< Notify */
#define TIP_IKE_PL_D 42       /**< Delete */
#define TIP_IKE_PL_V 43       /**< Vendor ID */
#define TIP_IKE_PL_TSI 44     /**< Traffic Selector - Initiator */
#define TIP_IKE_PL_TSR 45     /**< Traffic Selector - Responder */
#define TIP_IKE_PL_SK 46      /**< Encrypted and Authenticated */
#define TIP_IKE_PL_CP 47      /**< Configuration */
#define TIP_IKE_PL_EAP 48     /**< Extensible Authentication */
#define TIP_IKE_PL_SKF 53     /**< Encrypted and Authenticated Fragment (RFC 7383) */

/* ==== SA payload (3.3) ================================================= */

/* Protocol IDs (3.3.1) */
#define TIP_IKE_PROTO_IKE 1
#define TIP_IKE_PROTO_AH 2
#define TIP_IKE_PROTO_ESP 3

/* Last Substruc values (3.3.1, 3.3.2) */
#define TIP_IKE_LAST 0      /**< last proposal / last transform */
#define TIP_IKE_MORE_PROP 2 /**< more proposals follow */
#define TIP_IKE_MORE_XF 3   /**< more transforms follow */

#define TIP_IKE_PROP_HDR_LEN 8 /**< proposal substructure before the SPI */
#define TIP_IKE_XF_HDR_LEN 8   /**< transform substructure before attributes */

/* Transform types (3.3.2) */
#define TIP_IKE_XF_ENCR 1  /**< encryption algorithm */
#define TIP_IKE_XF_PRF 2   /**< pseudorandom function */
#define TIP_IKE_XF_INTEG 3 /**< integrity algorithm */
#define TIP_IKE_XF_DH 4    /**< Diffie-Hellman / key exchange method */
#define TIP_IKE_XF_ESN 5   /**< extended sequence numbers */

/* Transform IDs, type 1 (ENCR) */
#define TIP_IKE_ENCR_3DES 3
#define TIP_IKE_ENCR_NULL 11
#define TIP_IKE_ENCR_AES_CBC 12         /**< key length attribute required */
#define TIP_IKE_ENCR_AES_CTR 13
#define TIP_IKE_ENCR_AES_GCM_8 18
#define TIP_IKE_ENCR_AES_GCM_12 19
#define TIP_IKE_ENCR_AES_GCM_16 20      /**< key length attribute required */
#define TIP_IKE_ENCR_CHACHA20_POLY1305 28 /**< RFC 7634; no key length attribute */

/* Transform IDs, type 2 (PRF) */
#define TIP_IKE_PRF_HMAC_SHA1 2
#define TIP_IKE_PRF_AES128_XCBC 4
#define TIP_IKE_PRF_HMAC_SHA2_256 5
#define TIP_IKE_PRF_HMAC_SHA2_384 6
#define TIP_IKE_PRF_HMAC_SHA2_512 7

/* Transform IDs, type 3 (INTEG) */
#define TIP_IKE_AUTH_NONE 0
#define TIP_IKE_AUTH_HMAC_SHA1_96 2
#define TIP_IKE_AUTH_AES_XCBC_96 5
#define TIP_IKE_AUTH_HMAC_SHA2_256_128 12
#define TIP_IKE_AUTH_HMAC_SHA2_384_192 13
#define TIP_IKE_AUTH_HMAC_SHA2_512_256 14

/* Transform IDs, type 4 (DH group) */
#define TIP_IKE_DH_NONE 0
#define TIP_IKE_DH_MODP2048 14
#define TIP_IKE_DH_MODP3072 15
#define TIP_IKE_DH_MODP4096 16
#define TIP_IKE_DH_ECP256 19
#define TIP_IKE_DH_ECP384 20
#define TIP_IKE_DH_ECP521 21
#define TIP_IKE_DH_CURVE25519 31 /**< RFC 8031 */
#define TIP_IKE_DH_CURVE448 32

/* Transform IDs, type 5 (ESN) */
#define TIP_IKE_ESN_NO 0
#define TIP_IKE_ESN_YES 1

/* Transform attributes (3.3.5) */
#define TIP_IKE_ATTR_TV 0x8000     /**< AF bit: 2-byte value follows the type */
#define TIP_IKE_ATTR_KEY_LENGTH 14 /**< key length in bits, always TV */

/* ==== KE, ID, AUTH, NONCE ============================================= */

#define TIP_IKE_KE_HDR_LEN 4 /**< group (2) + reserved (2) */

/* ID types (3.5) */
#define TIP_IKE_ID_IPV4_ADDR 1
#define TIP_IKE_ID_FQDN 2
#define TIP_IKE_ID_RFC822_ADDR 3
#define TIP_IKE_ID_IPV6_ADDR 5
#define TIP_IKE_ID_DER_ASN1_DN 9
#define TIP_IKE_ID_DER_ASN1_GN 10
#define TIP_IKE_ID_KEY_ID 11

/* Certificate encodings (3.6) */
#define TIP_IKE_CERT_X509_SIG 4
#define TIP_IKE_CERT_RAW_RSA 11
#define TIP_IKE_CERT_HASH_URL_X509 12
#define TIP_IKE_CERT_RAW_PUBKEY 15 /**< RFC 7670 */

/* Authentication methods (3.8; 9..11 RFC 4754; 14 RFC 7427) */
#define TIP_IKE_AUTH_RSA_SIG 1
#define TIP_IKE_AUTH_PSK 2 /**< shared key message integrity code */
#define TIP_IKE_AUTH_DSS_SIG 3
#define TIP_IKE_AUTH_ECDSA_256 9
#define TIP_IKE_AUTH_ECDSA_384 10
#define TIP_IKE_AUTH_ECDSA_521 11
#define TIP_IKE_AUTH_DIGITAL_SIG 14

/* Nonce bounds (3.9) */
#define TIP_IKE_NONCE_MIN 16
#define TIP_IKE_NONCE_MAX 256

/* ==== notify (3.10.1; later RFCs as noted) ============================ */

/* error types */
#define TIP_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD 1
#define TIP_IKE_N_INVALID_IKE_SPI 4
#define TIP_IKE_N_INVALID_MAJOR_VERSION 5
#define TIP_IKE_N_INVALID_SYNTAX 7
#define TIP_IKE_N_INVALID_MESSAGE_ID 9
#define TIP_IKE_N_INVALID_SPI 11
#define TIP_IKE_N_NO_PROPOSAL_CHOSEN 14
#define TIP_IKE_N_INVALID_KE_PAYLOAD 17
#define TIP_IKE_N_AUTHENTICATION_FAILED 24
#define TIP_IKE_N_SINGLE_PAIR_REQUIRED 34
#define TIP_IKE_N_NO_ADDITIONAL_SAS 35
#define TIP_IKE_N_INTERNAL_ADDRESS_FAILURE 36
#define TIP_IKE_N_FAILED_CP_REQUIRED 37
#define TIP_IKE_N_TS_UNACCEPTABLE 38
#define TIP_IKE_N_INVALID_SELECTORS 39
#define TIP_IKE_N_UNACCEPTABLE_ADDRESSES 40  /**< RFC 4555 */
#define TIP_IKE_N_UNEXPECTED_NAT_DETECTED 41 /**< RFC 4555 */
#define TIP_IKE_N_TEMPORARY_FAILURE 43
#define TIP_IKE_N_CHILD_SA_NOT_FOUND 44
#define TIP_IKE_N_INVALID_GROUP_ID 45 /**< G-IKEv2 */
/** Notify types below this are errors (3.10.1). */
#define TIP_IKE_N_ERROR_MAX 16383

/* status types */
#define TIP_IKE_N_INITIAL_CONTACT 16384
#define TIP_IKE_N_SET_WINDOW_SIZE 16385
#define TIP_IKE_N_ADDITIONAL_TS_POSSIBLE 16386
#define TIP_IKE_N_IPCOMP_SUPPORTED 16387
#define TIP_IKE_N_NAT_DETECTION_SOURCE_IP 16388
#define TIP_IKE_N_NAT_DETECTION_DESTINATION_IP 16389
#define TIP_IKE_N_COOKIE 16390
#define TIP_IKE_N_USE_TRANSPORT_MODE 16391
#define TIP_IKE_N_HTTP_CERT_LOOKUP_SUPPORTED 16392
#define TIP_IKE_N_REKEY_SA 16393
#define TIP_IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED 16394
#define TIP_IKE_N_NON_FIRST_FRAGMENTS_ALSO 16395
#define TIP_IKE_N_MOBIKE_SUPPORTED 16396            /**< RFC 4555 */
#define TIP_IKE_N_ADDITIONAL_IP4_ADDRESS 16397      /**< RFC 4555 */
#define TIP_IKE_N_ADDITIONAL_IP6_ADDRESS 16398      /**< RFC 4555 */
#define TIP_IKE_N_NO_ADDITIONAL_ADDRESSES 16399     /**< RFC 4555 */
#define TIP_IKE_N_UPDATE_SA_ADDRESSES 16400         /**< RFC 4555 */
#define TIP_IKE_N_COOKIE2 16401                     /**< RFC 4555 */
#define TIP_IKE_N_NO_NATS_ALLOWED 16402             /**< RFC 4555 */
#define TIP_IKE_N_AUTH_LIFETIME 16403               /**< RFC 4478 */
#define TIP_IKE_N_MULTIPLE_AUTH_SUPPORTED 16404     /**< RFC 4739 */
#define TIP_IKE_N_ANOTHER_AUTH_FOLLOWS 16405        /**< RFC 4739 */
#define TIP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED 16430 /**< RFC 7383 */
#define TIP_IKE_N_SIGNATURE_HASH_ALGORITHMS 16431   /**< RFC 7427 */

#define TIP_IKE_N_HDR_LEN 4 /**< protocol id, SPI size, type */
/** NAT_DETECTION_*_IP data: SHA-1 digest (RFC 7296 2.23). */
#define TIP_IKE_NATD_LEN 20

/* ==== delete, TS, CP, EAP ============================================== */

#define TIP_IKE_D_HDR_LEN 4 /**< protocol id, SPI size, number of SPIs */

/* TS types (3.13.1) */
#define TIP_IKE_TS_IPV4_ADDR_RANGE 7
#define TIP_IKE_TS_IPV6_ADDR_RANGE 8
#define TIP_IKE_TS_HDR_LEN 4      /**< number of TSs (1) + reserved (3) */
#define TIP_IKE_TS_IPV4_LEN 16    /**< selector length of type 7 */
#define TIP_IKE_TS_IPV6_LEN 40    /**< selector length of type 8 */
#define TIP_IKE_TS_OPAQUE_LO 65535 /**< start port of OPAQUE ports (3.13.1) */
#define TIP_IKE_TS_OPAQUE_HI 0     /**< end port of OPAQUE ports */

/* CP types (3.15) */
#define TIP_IKE_CFG_REQUEST 1
#define TIP_IKE_CFG_REPLY 2
#define TIP_IKE_CFG_SET 3
#define TIP_IKE_CFG_ACK 4

/* CP attribute types (3.15.1) */
#define TIP_IKE_CFG_INTERNAL_IP4_ADDRESS 1
#define TIP_IKE_CFG_INTERNAL_IP4_NETMASK 2
#define TIP_IKE_CFG_INTERNAL_IP4_DNS 3
#define TIP_IKE_CFG_INTERNAL_IP4_NBNS 4
#define TIP_IKE_CFG_INTERNAL_IP4_DHCP 6
#define TIP_IKE_CFG_APPLICATION_VERSION 7
#define TIP_IKE_CFG_INTERNAL_IP6_ADDRESS 8
#define TIP_IKE_CFG_INTERNAL_IP6_DNS 10
#define TIP_IKE_CFG_INTERNAL_IP6_DHCP 12
#define TIP_IKE_CFG_INTERNAL_IP4_SUBNET 13
#define TIP_IKE_CFG_SUPPORTED_ATTRIBUTES 14
#define TIP_IKE_CFG_INTERNAL_IP6_SUBNET 15
#define TIP_IKE_CFG_ATTR_TYPE_MASK 0x7fff /**< the top bit is reserved */

/* EAP codes (RFC 3748 4) */
#define TIP_IKE_EAP_REQUEST 1
#define TIP_IKE_EAP_RESPONSE 2
#define TIP_IKE_EAP_SUCCESS 3
#define TIP_IKE_EAP_FAILURE 4

/* SKF (RFC 7383 2.5) */
#define TIP_IKE_SKF_HDR_LEN 4 /**< fragment number (2) + total fragments (2) */

/* NAT-T (RFC 3948 2.2): 4 zero bytes in front of IKE on port 4500 */
#define TIP_IKE_NON_ESP_MARKER_LEN 4

/* ==== message and chain ================================================ */

/** IKE header (3.1), decoded. */
typedef struct {
    uint8_t spi_i[TIP_IKE_SPI_LEN]; /**< initiator's SPI */
    uint8_t spi_r[TIP_IKE_SPI_LEN]; /**< responder's SPI, zero in the first message */
    uint8_t next_payload;           /**< type of the first payload */
    uint8_t version;                /**< major << 4 | minor */
    uint8_t exchange;               /**< TIP_IKE_EXCH_* */
    uint8_t flags;                  /**< TIP_IKE_FLAG_* */
    uint32_t msg_id;                /**< message ID */
    uint32_t length;                /**< total message length */
} tip_ike_hdr_t;

/** One payload of a chain: where its body lies in the chain's buffer. */
typedef struct {
    uint8_t type;     /**< payload type (TIP_IKE_PL_*), also for unknown types */
    uint8_t critical; /**< 1 when the critical bit was set */
    uint16_t off;     /**< body offset in the chain's buffer (after the generic header) */
    uint16_t len;     /**< body length (payload length - 4) */
} tip_ike_pl_t;

/**
 * A parsed payload chain: the outer message (buf = the datagram, offsets
 * from its first byte, the IKE header) or the decrypted content of an SK
 * payload (buf = the plaintext; hdr copied from the outer message).
 */
typedef struct {
    tip_ike_hdr_t hdr;    /**< the message header */
    const uint8_t *buf;   /**< the bytes the offsets in pl[] refer to */
    uint8_t *wbuf;        /**< the same bytes, writable (an SK payload is decrypted in
                               place): set by tip_ike_input() on the received message,
                               NULL after parsing */
    size_t len;           /**< bytes at buf */
    uint8_t count;        /**< payloads in pl[] */
    tip_ike_pl_t pl[TIP_IKE_MAX_PAYLOADS]; /**< in wire order */
    int sk_index; /**< index of the SK or SKF payload in pl[], -1 if none; always the last */
    uint8_t sk_first_inner; /**< the SK/SKF next-payload byte: type of the first inner payload */
    uint8_t unsupported_critical; /**< type of the first unknown critical payload, 0 if none */
} tip_ike_msg_t;

/**
 * Decode the fixed IKE header only (3.1), e.g. to look up the IKE SA by SPI
 * before anything else. Checks: @p len >= 28 and the header's length field
 * equals @p len. The major version is checked last, so that @p out is
 * complete when it fails (RFC 7296 2.5: a higher major version is answered
 * with INVALID_MAJOR_VERSION).
 *
 * @param buf  the IKE message (after any non-ESP marker)
 * @param len  bytes at buf (the UDP payload length)
 * @param out  decoded header
 * @return TIP_OK; TIP_ERR_MALFORMED (too short, longer than 65535 bytes,
 *         length field != @p len);
 *         TIP_ERR_UNSUPPORTED (major version is not 2; @p out is filled);
 *         TIP_ERR_ARG (NULL pointer).
 */
int tip_ike_hdr_parse(const uint8_t *buf, size_t len, tip_ike_hdr_t *out);

/**
 * Parse the header and the payload chain (3.1, 3.2). Every payload's
 * generic header is checked (length >= 4, inside the message); the chain must
 * end exactly at the end of the message. An SK (46) or SKF (53) payload ends
 * the chain and must reach the end of the message (3.14); its next-payload
 * byte is stored in sk_first_inner. The minor version and the reserved bits
 * are ignored. Unknown payload types are kept in pl[] with their type so the
 * caller can skip them; the first unknown one with the critical bit set is
 * recorded in unsupported_critical. Bodies are not parsed here: use the body
 * parsers on the payloads the exchange needs.
 *
 * @param buf  the IKE message; @p out points into it, so keep it alive
 * @param len  bytes at buf
 * @param out  the parsed view (filled as far as parsing got, count included)
 * @return TIP_OK; TIP_ERR_MALFORMED (any length inconsistency, header too
 *         short, length field != @p len, @p len > 65535);
 *         TIP_ERR_UNSUPPORTED (major version != 2, out->hdr filled and
 *         unsupported_critical 0; or the chain is well-formed but holds an
 *         unknown critical payload, out->unsupported_critical set and the
 *         whole chain listed: answer with UNSUPPORTED_CRITICAL_PAYLOAD);
 *         TIP_ERR_FULL (more than TIP_IKE_MAX_PAYLOADS payloads);
 *         TIP_ERR_ARG (NULL pointer).
 */
int tip_ike_msg_parse(const uint8_t *buf, size_t len, tip_ike_msg_t *out);

/**
 * Parse the payload chain inside decrypted SK content (the plaintext
 * without IV, padding, pad length and ICV) into a separate view @p inner,
 * whose buf is @p plain and whose hdr is copied from @p outer. The first
 * inner payload type is outer->sk_first_inner (for SKF, take the
 * next-payload byte of fragment 1). The chain must end exactly at
 * @p len; an SK/SKF payload inside is malformed.
 *
 * @return as tip_ike_msg_parse(), except for version errors; TIP_ERR_ARG if
 *         @p outer has no SK payload.
 */
int tip_ike_msg_parse_inner(const tip_ike_msg_t *outer, const uint8_t *plain, size_t len,
                            tip_ike_msg_t *inner);

/**
 * Parse a bare payload chain: the bytes @p buf[0..len) start with a payload
 * of type @p first_type. The low-level worker of the two functions above;
 * @p out->hdr is zeroed. SK/SKF is accepted only when @p allow_sk.
 *
 * @return as tip_ike_msg_parse_inner().
 */
int tip_ike_chain_parse(const uint8_t *buf, size_t len, uint8_t first_type, int allow_sk,
                        tip_ike_msg_t *out);

/**
 * The @p nth (0-based) payload of type @p type in @p m, or NULL.
 */
const tip_ike_pl_t *tip_ike_msg_find(const tip_ike_msg_t *m, uint8_t type, unsigned nth);

/** Number of payloads of type @p type in @p m. */
unsigned tip_ike_msg_count(const tip_ike_msg_t *m, uint8_t type);

/** Pointer to the body of payload @p pl of @p m (length pl->len). */
static inline const uint8_t *tip_ike_pl_body(const tip_ike_msg_t *m, const tip_ike_pl_t *pl)
{
    return m->buf + pl->off;
}

/* ==== SA payload: proposals and transforms (3.3) ======================= */

/** One proposal substructure (3.3.1), validated with all its transforms. */
typedef struct {
    uint8_t num;       /**< proposal number */
    uint8_t proto;     /**< TIP_IKE_PROTO_* */
    uint8_t spi_size;  /**< bytes at spi */
    uint8_t num_xf;    /**< number of transforms */
    const uint8_t *spi; /**< SPI bytes (NULL when spi_size is 0) */
    const uint8_t *xf; /**< first transform substructure */
    uint16_t xf_len;   /**< bytes of all transforms */
    uint8_t last;      /**< 1 for the last proposal of the SA payload */
} tip_ike_prop_t;

/** One transform substructure (3.3.2), decoded. */
typedef struct {
    uint8_t type;     /**< TIP_IKE_XF_* */
    uint16_t id;      /**< transform ID */
    uint16_t key_len; /**< key length attribute in bits; 0 when absent */
    uint8_t has_key_len; /**< 1 when the key length attribute was present */
    /** 1 when the transform carried an attribute this codec does not know
     * (or a repeated key length): it must not be chosen (3.3.6). */
    uint8_t unusable;
} tip_ike_xf_t;

/** Iterator over the proposals of an SA payload body. */
typedef struct {
    const uint8_t *body; /**< SA payload body */
    size_t len;          /**< its length */
    size_t pos;          /**< offset of the next proposal */
    uint8_t prev_num;    /**< number of the previous proposal, 0 before the first */
    uint8_t done;        /**< 1 after the last proposal */
} tip_ike_sa_iter_t;

/** Start iterating over the proposals in SA body @p body[0..len). */
void tip_ike_sa_iter_init(tip_ike_sa_iter_t *it, const uint8_t *body, size_t len);

/**
 * Next proposal. Checks the proposal length against the SA body, the
 * "last substructure" values (2 for more, 0 for the last, and the last must
 * end the body), the numbering (3.3.1: the first is 1 and each next one is
 * the previous + 1; a lone proposal, as in a response, may carry any
 * number), SPI size against the protocol (IKE 0 or 8, AH/ESP 4), at least one
 * transform, and walks every transform (lengths, last flags, count,
 * attribute encoding), so that tip_ike_prop_xf_next() cannot fail afterwards.
 * An SA body with no proposal is malformed.
 *
 * @return 1 with @p prop filled; 0 at the end; TIP_ERR_MALFORMED.
 */
int tip_ike_sa_next(tip_ike_sa_iter_t *it, tip_ike_prop_t *prop);

/**
 * Next transform of @p prop. Start with *pos = 0. Recognises the key length
 * attribute (14, TV); any other attribute, or a TLV-encoded or repeated key
 * length, marks the transform unusable.
 *
 * @return 1 with @p xf filled; 0 after the last; TIP_ERR_MALFORMED.
 */
int tip_ike_prop_xf_next(const tip_ike_prop_t *prop, size_t *pos, tip_ike_xf_t *xf);

/**
 * Validate a whole SA payload body (every proposal and transform).
 * @param nprops  number of proposals, may be NULL
 * @return TIP_OK or TIP_ERR_MALFORMED.
 */
int tip_ike_sa_validate(const uint8_t *body, size_t len, unsigned *nprops);

/* ==== simple payloads ==================================================== */

/** Key Exchange payload (3.4). */
typedef struct {
    uint16_t group;       /**< DH group / key exchange method */
    const uint8_t *data;  /**< key exchange data */
    size_t len;           /**< its length, >= 1 */
} tip_ike_ke_t;

/** Parse a KE body: 4-byte header and at least one data byte. */
int tip_ike_ke_parse(const uint8_t *body, size_t len, tip_ike_ke_t *out);

/** Identification payload (3.5). */
typedef struct {
    uint8_t type;        /**< TIP_IKE_ID_* */
    const uint8_t *data; /**< identification data */
    size_t len;          /**< its length, >= 1 */
    /** The 4-byte header plus data: what prf(SK_p, IDx') covers (2.15). */
    const uint8_t *body;
    size_t body_len; /**< bytes at body */
} tip_ike_id_t;

/** Parse an IDi/IDr body. IPV4_ADDR must hold 4 bytes, IPV6_ADDR 16. */
int tip_ike_id_parse(const uint8_t *body, size_t len, tip_ike_id_t *out);

/** Authentication payload (3.8). */
typedef struct {
    uint8_t method;      /**< TIP_IKE_AUTH_* method */
    const uint8_t *data; /**< authentication data */
    size_t len;          /**< its length, >= 1 */
} tip_ike_auth_t;

/** Parse an AUTH body: method, 3 reserved bytes, at least one data byte. */
int tip_ike_auth_parse(const uint8_t *body, size_t len, tip_ike_auth_t *out);

/** Parse a Nonce body (3.9): 16..256 bytes. @p data and @p dlen are the nonce. */
int tip_ike_nonce_parse(const uint8_t *body, size_t len, const uint8_t **data, size_t *dlen);

/** Notify payload (3.10). */
typedef struct {
    uint8_t proto;       /**< protocol ID (0 when no SPI) */
    uint8_t spi_size;    /**< bytes at spi */
    uint16_t type;       /**< TIP_IKE_N_* */
    const uint8_t *spi;  /**< SPI, NULL when spi_size is 0 */
    const uint8_t *data; /**< notification data */
    size_t len;          /**< its length (may be 0) */
} tip_ike_notify_t;

/** Parse a Notify body; the SPI must fit in the body. */
int tip_ike_notify_parse(const uint8_t *body, size_t len, tip_ike_notify_t *out);

/** Delete payload (3.11). */
typedef struct {
    uint8_t proto;       /**< TIP_IKE_PROTO_* */
    uint8_t spi_size;    /**< 0 for IKE, 4 for AH/ESP */
    uint16_t count;      /**< number of SPIs */
    const uint8_t *spis; /**< count * spi_size bytes, NULL when none */
} tip_ike_delete_t;

/**
 * Parse a Delete body: count * spi_size must equal the rest of the body;
 * proto IKE needs spi size 0 and count 0, AH/ESP spi size 4.
 */
int tip_ike_delete_parse(const uint8_t *body, size_t len, tip_ike_delete_t *out);

/** SPI @p i of a parsed ESP/AH Delete payload (host order). */
uint32_t tip_ike_delete_spi(const tip_ike_delete_t *d, unsigned i);

/** Parse a Vendor ID body (3.12): any non-empty data. */
int tip_ike_vendor_parse(const uint8_t *body, size_t len, const uint8_t **data, size_t *dlen);

/** Certificate or certificate request payload (3.6, 3.7). */
typedef struct {
    uint8_t encoding;    /**< TIP_IKE_CERT_* */
    const uint8_t *data; /**< certificate data / CA hashes */
    size_t len;          /**< its length */
} tip_ike_cert_t;

/** Parse a CERT or CERTREQ body: encoding byte plus data (CERT: >= 1 byte). */
int tip_ike_cert_parse(const uint8_t *body, size_t len, int is_req, tip_ike_cert_t *out);

/** EAP payload (3.16): only decoded, so that it can be refused. */
typedef struct {
    uint8_t code;        /**< TIP_IKE_EAP_* */
    uint8_t id;          /**< identifier */
    uint8_t type;        /**< EAP type for request/response, 0 otherwise */
    const uint8_t *data; /**< type data (after the type byte) */
    size_t len;          /**< its length */
} tip_ike_eap_t;

/** Parse an EAP body: the EAP length field must equal the body length. */
int tip_ike_eap_parse(const uint8_t *body, size_t len, tip_ike_eap_t *out);

/* ==== traffic selectors (3.13) =========================================== */

/** One traffic selector, decoded. */
typedef struct {
    uint8_t type;   /**< TIP_IKE_TS_*; another value = unknown type, skip it */
    uint8_t proto;  /**< IP protocol ID, 0 = any */
    uint16_t port_lo, port_hi; /**< inclusive; ICMP: type << 8 | code (3.13.1) */
    uint8_t opaque; /**< 1 for OPAQUE ports (start 65535, end 0) */
    tip_addr_range_t addr; /**< address range (families TIP_AF_INET/INET6) */
} tip_ike_ts_t;

/**
 * Validate a TSi/TSr body: number of TSs >= 1 and matching the content;
 * each selector length 16 (type 7) or 40 (type 8) (>= 4 and within the body
 * for unknown types, which are kept for the caller to skip); start port <=
 * end port except OPAQUE (65535..0); start address <= end address.
 * @param count  number of selectors, may be NULL
 */
int tip_ike_ts_parse(const uint8_t *body, size_t len, unsigned *count);

/**
 * Next selector of a TS body. Start with *pos = 0 (the header is skipped).
 * @return 1 with @p ts filled; 0 at the end; TIP_ERR_MALFORMED.
 */
int tip_ike_ts_next(const uint8_t *body, size_t len, size_t *pos, tip_ike_ts_t *ts);

/* ==== configuration payload (3.15) ======================================= */

/** Configuration payload header. */
typedef struct {
    uint8_t type;         /**< TIP_IKE_CFG_REQUEST etc. */
    const uint8_t *attrs; /**< attributes */
    size_t len;           /**< their length */
} tip_ike_cp_t;

/** One configuration attribute. */
typedef struct {
    const uint8_t *value; /**< value, NULL when empty */
    uint16_t type;        /**< TIP_IKE_CFG_* (reserved bit masked off) */
    uint16_t len;         /**< value length */
} tip_ike_cp_attr_t;

/** Parse a CP body and check that the attributes exactly fill it. */
int tip_ike_cp_parse(const uint8_t *body, size_t len, tip_ike_cp_t *out);

/** Next attribute of @p cp; start with *pos = 0. @return 1, 0 or TIP_ERR_MALFORMED. */
int tip_ike_cp_attr_next(const tip_ike_cp_t *cp, size_t *pos, tip_ike_cp_attr_t *attr);

/* ==== SK / SKF (3.14, RFC 7383) ========================================== */

/** The parts of an SK payload body (or of an SKF body after its 4 bytes). */
typedef struct {
    uint16_t frag_num;   /**< SKF: fragment number (>= 1); SK: 0 */
    uint16_t frag_total; /**< SKF: total fragments; SK: 0 */
    const uint8_t *iv;   /**< initialization vector (iv_len bytes) */
    const uint8_t *ct;   /**< ciphertext: encrypted inner payloads + padding + pad length */
    size_t ct_len;       /**< its length, >= 1 */
    const uint8_t *icv;  /**< integrity checksum (icv_len bytes) */
} tip_ike_sk_t;

/**
 * Split an SK body into IV, ciphertext and ICV for a cipher with @p iv_len
 * bytes of IV and @p icv_len bytes of ICV. The ciphertext must hold at least
 * one byte (the pad length) and, if @p block > 1, a multiple of @p block.
 */
int tip_ike_sk_split(const uint8_t *body, size_t len, size_t iv_len, size_t icv_len,
                     size_t block, tip_ike_sk_t *out);

/**
 * Split an SKF body (RFC 7383 2.5): fragment number 1..total, then as
 * tip_ike_sk_split().
 */
int tip_ike_skf_split(const uint8_t *body, size_t len, size_t iv_len, size_t icv_len,
                      size_t block, tip_ike_sk_t *out);

/* ==== builder ============================================================ */

/** Writer over a caller-owned buffer. Fields are read-only to callers. */
typedef struct {
    uint8_t *buf;  /**< the output */
    size_t cap;    /**< bytes at buf; nothing is ever written at or beyond */
    size_t len;    /**< bytes written so far */
    size_t np_off; /**< next-payload byte the next payload patches; SIZE_MAX: none */
    size_t sk_off; /**< offset of the SK/SKF generic header; SIZE_MAX: none */
    size_t sk_iv;  /**< SK/SKF: offset of the IV */
    size_t sk_pt;  /**< SK/SKF: offset of the plaintext (after the IV) */
    int has_hdr;   /**< 1 once tip_ike_w_hdr() wrote the IKE header */
    int err;       /**< first failure (sticky), TIP_OK while all fits */
} tip_ike_w_t;

/**
 * Start writing into @p buf[0..cap). Without tip_ike_w_hdr() the writer
 * builds a bare payload chain (whose first type the caller knows).
 */
void tip_ike_w_init(tip_ike_w_t *w, uint8_t *buf, size_t cap);

/**
 * Write the 28-byte header. h->next_payload is ignored (patched by the
 * first payload) and h->length is ignored (set by tip_ike_w_finish());
 * h->version 0 means TIP_IKE_VERSION. Must be the first write.
 */
void tip_ike_w_hdr(tip_ike_w_t *w, const tip_ike_hdr_t *h);

/**
 * Start a payload of type @p type: patch the previous next-payload byte,
 * write the generic header with a length placeholder. @p critical sets the
 * critical bit (RFC 7296 3.2: for known types it is sent as 0).
 * @return the payload's start offset, for tip_ike_w_end().
 */
size_t tip_ike_w_begin(tip_ike_w_t *w, uint8_t type, int critical);

/** End the payload started at @p start: patch its length. */
void tip_ike_w_end(tip_ike_w_t *w, size_t start);

void tip_ike_w_u8(tip_ike_w_t *w, uint8_t v);   /**< append one byte */
void tip_ike_w_u16(tip_ike_w_t *w, uint16_t v); /**< append big-endian 16 bits */
void tip_ike_w_u32(tip_ike_w_t *w, uint32_t v); /**< append big-endian 32 bits */
/** Append @p len bytes (zeros when @p p is NULL). */
void tip_ike_w_bytes(tip_ike_w_t *w, const uint8_t *p, size_t len);

/**
 * Patch the header length field. @return w->err (TIP_OK, or
 * TIP_ERR_BUF_SPACE / TIP_ERR_ARG from any earlier write).
 */
int tip_ike_w_finish(tip_ike_w_t *w);

/** A whole payload with a raw body (e.g. an unknown type for tests). */
void tip_ike_w_payload(tip_ike_w_t *w, uint8_t type, int critical, const uint8_t *body,
                       size_t len);

/** Transform description for tip_ike_w_sa(). */
typedef struct {
    uint8_t type;     /**< TIP_IKE_XF_* */
    uint16_t id;      /**< transform ID */
    uint16_t key_len; /**< key length in bits, 0 = no attribute */
} tip_ike_xf_desc_t;

/** Proposal description for tip_ike_w_sa(). */
typedef struct {
    uint8_t num;      /**< proposal number; 0 = position in the array + 1 */
    uint8_t proto;    /**< TIP_IKE_PROTO_* */
    uint8_t spi_size; /**< 0, 4 or 8 */
    uint8_t spi[8];   /**< SPI bytes (network order) */
    uint8_t nxf;      /**< transforms in xf */
    const tip_ike_xf_desc_t *xf; /**< the transforms */
} tip_ike_prop_desc_t;

/** SA payload with @p n proposals. */
void tip_ike_w_sa(tip_ike_w_t *w, const tip_ike_prop_desc_t *props, size_t n);
/** KE payload. */
void tip_ike_w_ke(tip_ike_w_t *w, uint16_t group, const uint8_t *data, size_t len);
/** Nonce payload. */
void tip_ike_w_nonce(tip_ike_w_t *w, const uint8_t *nonce, size_t len);
/** IDi (@p pl_type TIP_IKE_PL_IDI) or IDr payload. */
void tip_ike_w_id(tip_ike_w_t *w, uint8_t pl_type, uint8_t id_type, const uint8_t *data,
                  size_t len);
/** AUTH payload. */
void tip_ike_w_auth(tip_ike_w_t *w, uint8_t method, const uint8_t *data, size_t len);
/** Notify payload; @p spi may be NULL when @p spi_size is 0. */
void tip_ike_w_notify(tip_ike_w_t *w, uint8_t proto, const uint8_t *spi, uint8_t spi_size,
                      uint16_t type, const uint8_t *data, size_t len);
/** Delete payload: @p count SPIs of @p spi_size bytes each, contiguous at @p spis. */
void tip_ike_w_delete(tip_ike_w_t *w, uint8_t proto, uint8_t spi_size, const uint8_t *spis,
                      uint16_t count);
/** Vendor ID payload. */
void tip_ike_w_vendor(tip_ike_w_t *w, const uint8_t *data, size_t len);
/**
 * TSi (@p pl_type TIP_IKE_PL_TSI) or TSr payload from @p n selectors; the type
 * of each comes from its address family (ts->type is ignored).
 */
void tip_ike_w_ts(tip_ike_w_t *w, uint8_t pl_type, const tip_ike_ts_t *ts, size_t n);
/** CERT (@p pl_type TIP_IKE_PL_CERT) or CERTREQ payload. */
void tip_ike_w_cert(tip_ike_w_t *w, uint8_t pl_type, uint8_t encoding, const uint8_t *data,
                    size_t len);
/** CP payload of @p cfg_type with @p n attributes. */
void tip_ike_w_cp(tip_ike_w_t *w, uint8_t cfg_type, const tip_ike_cp_attr_t *attrs, size_t n);

/**
 * Start an SK payload (3.14): generic header and @p iv_len IV bytes
 * (zeroed; the caller fills them). The inner payloads are then written with
 * the ordinary builders; the first one patches the SK next-payload byte.
 * @return the offset where the plaintext (first inner payload) starts.
 */
size_t tip_ike_w_sk_begin(tip_ike_w_t *w, size_t iv_len);

/**
 * Start an SKF payload (RFC 7383 2.5) for fragment @p frag_num of
 * @p frag_total, then as tip_ike_w_sk_begin(). @p first_inner is the type of
 * the first inner payload for fragment 1 and must be 0 for the others; the
 * fragment's content is appended with tip_ike_w_bytes().
 */
size_t tip_ike_w_skf_begin(tip_ike_w_t *w, uint16_t frag_num, uint16_t frag_total,
                           uint8_t first_inner, size_t iv_len);

/** Where the parts of an SK payload lie in the writer's buffer. */
typedef struct {
    size_t iv_off;    /**< IV */
    size_t iv_len;    /**< IV length */
    size_t pt_off;    /**< plaintext to encrypt in place: inner payloads + padding + pad length */
    size_t pt_len;    /**< its length (a multiple of the block size) */
    size_t icv_off;   /**< ICV to fill, icv_len bytes, up to the end of the message */
    size_t icv_len;   /**< ICV length */
} tip_ike_sk_out_t;

/**
 * Close the SK/SKF payload: pad with zero bytes and the pad length byte so
 * that the plaintext is a multiple of @p block (0 or 1: no alignment),
 * reserve @p icv_len bytes (zeroed) for the ICV, patch the SK payload
 * length and the header length (tip_ike_w_finish()). The caller then
 * encrypts out->pt_off..pt_len in place and writes the ICV over everything
 * before icv_off.
 * @return w->err; TIP_ERR_ARG when no SK payload was begun.
 */
int tip_ike_w_sk_end(tip_ike_w_t *w, size_t block, size_t icv_len, tip_ike_sk_out_t *out);

#endif /* TIP_IKE_MSG_H */
