/*
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * @file
 * Basic types shared by the whole public API: addresses, buffers, handles,
 * algorithm identifiers and traffic selectors.
 */
#ifndef TINYIPSEC_TYPES_H
#define TINYIPSEC_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/config.h"
#include "tinyipsec/error.h"

/** Address family of a tip_addr_t. */
typedef enum {
    TIP_AF_NONE = 0, /**< unset / wildcard */
    TIP_AF_INET = 4, /**< IPv4: the first 4 bytes of addr are used */
    TIP_AF_INET6 = 6 /**< IPv6: all 16 bytes */
} tip_af_t;

/** An IPv4 or IPv6 address in network byte order. */
typedef struct {
    uint8_t family;   /**< tip_af_t */
    uint8_t addr[16]; /**< address bytes; IPv4 uses addr[0..3], rest zero */
} tip_addr_t;

/**
 * A caller-owned packet buffer with head- and tailroom, like an lwIP pbuf or
 * a Linux skb. The packet is base[off .. off+len). Encapsulation grows the
 * packet into the room around it; decapsulation shrinks it in place.
 */
typedef struct {
    uint8_t *base; /**< start of the memory */
    size_t cap;    /**< bytes at base */
    size_t off;    /**< where the packet starts */
    size_t len;    /**< packet length */
} tip_buf_t;

/**
 * Handle to a pool entry (SA or policy): index + 1 in the low 16 bits and a
 * generation in the high 16 bits, so a handle to a deleted entry is
 * detected (TIP_ERR_STALE) instead of dangling. 0 is never a valid handle.
 */
typedef uint32_t tip_handle_t;

/** Traffic direction, as seen from this host. */
typedef enum {
    TIP_DIR_IN = 1,  /**< inbound */
    TIP_DIR_OUT = 2  /**< outbound */
} tip_dir_t;

/** IPsec mode (RFC 4301 4.1). */
typedef enum {
    TIP_MODE_TRANSPORT = 1,
    TIP_MODE_TUNNEL = 2
} tip_mode_t;

/** SPD actions (RFC 4301 4.4.1). */
typedef enum {
    TIP_ACTION_DISCARD = 0, /**< drop and count */
    TIP_ACTION_BYPASS = 1,  /**< pass in clear */
    TIP_ACTION_PROTECT = 2  /**< apply ESP */
} tip_action_t;

/** ESP encryption algorithms (IKEv2 transform type 1 numbers). */
typedef enum {
    TIP_ENCR_NONE = 0,
    TIP_ENCR_AES_CBC = 12,       /**< RFC 3602; key 16 or 32 bytes */
    TIP_ENCR_NULL = 11,          /**< RFC 2410; needs an HMAC */
    TIP_ENCR_AES_GCM_16 = 20,    /**< RFC 4106; key 16 or 32 bytes + 4 salt */
    TIP_ENCR_CHACHA20_POLY1305 = 28 /**< RFC 7634; 32-byte key + 4 salt */
} tip_encr_t;

/** ESP integrity algorithms (IKEv2 transform type 3 numbers). */
typedef enum {
    TIP_INTEG_NONE = 0,             /**< with AEAD ciphers */
    TIP_INTEG_HMAC_SHA2_256_128 = 12, /**< RFC 4868; 32-byte key */
    TIP_INTEG_HMAC_SHA2_384_192 = 13, /**< RFC 4868; 48-byte key */
    TIP_INTEG_HMAC_SHA2_512_256 = 14  /**< RFC 4868; 64-byte key */
} tip_integ_t;

/** IKEv2 pseudo-random functions (transform type 2 numbers). */
typedef enum {
    TIP_PRF_NONE = 0,
    TIP_PRF_HMAC_SHA2_256 = 5, /**< RFC 4868 */
    TIP_PRF_HMAC_SHA2_384 = 6,
    TIP_PRF_HMAC_SHA2_512 = 7
} tip_prf_t;

/** Key exchange (Diffie-Hellman) groups (transform type 4 numbers). */
typedef enum {
    TIP_DH_NONE = 0,
    TIP_DH_MODP_2048 = 14,  /**< RFC 3526; classic Mbed TLS backend only, not the PSA backend */
    TIP_DH_ECP_256 = 19,    /**< RFC 5903 */
    TIP_DH_ECP_384 = 20,    /**< RFC 5903 */
    TIP_DH_CURVE25519 = 31  /**< RFC 8031 */
} tip_dh_group_t;

/** Inclusive range of addresses; both ends have the same family. */
typedef struct {
    tip_addr_t lo; /**< the lowest address; TIP_AF_NONE: any address */
    tip_addr_t hi; /**< the highest address */
} tip_addr_range_t;

/**
 * Traffic selectors (RFC 4301 4.4.1.1). A family of TIP_AF_NONE in a range
 * matches any address. proto 0 matches any protocol. Port ranges are
 * inclusive; 0..65535 matches any. For ICMP and ICMPv6 the 16-bit value
 * type << 8 | code (the encoding of RFC 7296 3.13.1) stands where the source
 * port would be (local_port outbound, remote_port inbound) and the other port
 * is 0, as Linux XFRM does.
 */
typedef struct {
    tip_addr_range_t local;  /**< our side: source outbound, destination inbound */
    tip_addr_range_t remote; /**< the peer's side */
    uint8_t proto;           /**< IP protocol / next header, 0 = any */
    uint16_t local_port_lo;  /**< our side's ports (ICMP: see above), lowest */
    uint16_t local_port_hi;  /**< ... highest (0xFFFF with lo 0: any) */
    uint16_t remote_port_lo; /**< the peer's ports, lowest */
    uint16_t remote_port_hi; /**< ... highest (0xFFFF with lo 0: any) */
} tip_selector_t;

/** Lifetime limits; 0 in a field means "no limit of this kind". */
typedef struct {
    uint64_t bytes;   /**< payload bytes protected or accepted */
    uint64_t packets; /**< packets */
    uint32_t seconds; /**< seconds since the SA was added */
} tip_lifetime_t;

#endif /* TINYIPSEC_TYPES_H */
