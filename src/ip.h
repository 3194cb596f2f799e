/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IPv4 / IPv6 header parsing and the Internet checksum. Pure functions:
 * bytes in, a description out, every length checked before it is read.
 */
#ifndef TIP_IP_H
#define TIP_IP_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/types.h"

#define TIP_IPPROTO_ICMP 1
#define TIP_IPPROTO_IPIP 4
#define TIP_IPPROTO_TCP 6
#define TIP_IPPROTO_UDP 17
#define TIP_IPPROTO_IPV6 41
#define TIP_IPPROTO_ESP 50
#define TIP_IPPROTO_AH 51
#define TIP_IPPROTO_ICMPV6 58
#define TIP_IPPROTO_NONE 59
#define TIP_IPPROTO_SCTP 132

#define TIP_IPV4_HLEN 20
#define TIP_IPV6_HLEN 40
#define TIP_UDP_HLEN 8

/** What tip_ip_parse() learns about a packet. */
typedef struct tip_ip_info_s {
    uint8_t version;   /**< 4 or 6 */
    uint8_t proto;     /**< upper-layer protocol after any IPv6 extension headers */
    uint8_t nonfirst_frag; /**< 1 for a fragment other than the first (no ports) */
    uint8_t frag;      /**< 1 for any fragment (IPv4 MF or offset, IPv6 fragment header) */
    size_t hdr_len;    /**< IPv4: IHL * 4; IPv6: 40 */
    size_t l4_off;     /**< offset of the upper-layer header */
    size_t nh_off;     /**< offset of the byte that names the upper-layer protocol */
    size_t total_len;  /**< length the header claims (<= buffer length) */
    tip_addr_t src, dst;
} tip_ip_info_t;

/**
 * Parse the IP header (and IPv6 extension headers) of @p p. Returns 0 or
 * TIP_ERR_MALFORMED (truncated, bad version, lengths that do not fit).
 * IPv6 is refused with TIP_ERR_UNSUPPORTED when TIP_CONF_IPV6 is 0.
 */
int tip_ip_parse(const uint8_t *p, size_t len, tip_ip_info_t *out);

/** One's-complement sum of @p len bytes added to @p sum (not folded). */
uint32_t tip_csum_add(uint32_t sum, const uint8_t *p, size_t len);

/** Fold and complement a sum into a checksum. */
uint16_t tip_csum_fold(uint32_t sum);

/** Recompute the IPv4 header checksum of the header at @p hdr. */
void tip_ipv4_fix_checksum(uint8_t *hdr);

/**
 * Recompute the TCP or UDP checksum of a packet with pseudo-header
 * addresses @p src / @p dst (RFC 3948 3.1.2: transport mode behind a NAT
 * invalidates the original one). @p l4 points at the TCP/UDP header.
 */
void tip_l4_fix_checksum(uint8_t proto, const tip_addr_t *src, const tip_addr_t *dst,
                         uint8_t *l4, size_t l4_len);

#endif /* TIP_IP_H */
