/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Test packet builders: IPv4/IPv6 headers with correct checksums, UDP,
 * ICMP / ICMPv6 echo and minimal TCP SYN packets, written into a tip_buf_t
 * that lives inside a caller array; checksum verifiers; a hex parser.
 *
 * This code is deliberately independent of src/ip.c, so that it can serve as
 * a reference for the library's own header and checksum code.
 */
#ifndef TIP_TEST_PKT_H
#define TIP_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/types.h"

/** TTL / hop limit of packets built here. */
#define TIP_TEST_PKT_TTL 64

/**
 * Set up @p buf over @p mem (@p cap bytes) as an empty packet starting
 * @p headroom bytes in. Asserts headroom <= cap.
 */
void tip_test_buf_init(tip_buf_t *buf, uint8_t *mem, size_t cap, size_t headroom);

/**
 * Set up @p buf over @p mem with @p headroom in front and copy @p len bytes
 * of @p pkt in. Returns 0 or TIP_ERR_BUF_SPACE.
 */
int tip_test_buf_set(tip_buf_t *buf, uint8_t *mem, size_t cap, size_t headroom, const uint8_t *pkt,
                     size_t len);

/** Headroom of @p buf (bytes before the packet). */
size_t tip_test_buf_headroom(const tip_buf_t *buf);

/** Tailroom of @p buf (bytes after the packet). */
size_t tip_test_buf_tailroom(const tip_buf_t *buf);

/** Pointer to the first byte of the packet in @p buf. */
uint8_t *tip_test_buf_data(const tip_buf_t *buf);

/**
 * Parse an IPv4 or IPv6 address literal; aborts the test program on bad
 * input (test code only).
 */
tip_addr_t tip_test_addr(const char *text);

/** Internet checksum (RFC 1071) of @p len bytes, folded and complemented. */
uint16_t tip_test_csum(const uint8_t *p, size_t len);

/**
 * TCP / UDP / ICMPv6 checksum over the pseudo-header (RFC 768, RFC 8200
 * 8.1) of @p src, @p dst, @p proto and the @p len bytes at @p l4 (whose
 * checksum field must be zero, or be the value to verify: then the result is
 * 0 for a correct packet).
 */
uint16_t tip_test_l4_csum(const tip_addr_t *src, const tip_addr_t *dst, uint8_t proto,
                          const uint8_t *l4, size_t len);

/**
 * Write an IPv4 (20 bytes) or IPv6 (40 bytes) header for @p src -> @p dst
 * carrying @p payload_len bytes of protocol @p proto at @p out. The IPv4
 * identification is @p id, the header checksum is computed. Returns the
 * header length, 0 for a bad family.
 */
size_t tip_test_pkt_ip_hdr(uint8_t *out, const tip_addr_t *src, const tip_addr_t *dst,
                           uint8_t proto, size_t payload_len, uint16_t id);

/**
 * Build an IP/UDP packet (family of @p src) with @p payload into @p buf
 * (written at buf->off, buf->len set). UDP checksum computed. Returns 0,
 * TIP_ERR_ARG (families differ / unset) or TIP_ERR_BUF_SPACE.
 */
int tip_test_pkt_udp(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst, uint16_t sport,
                     uint16_t dport, const uint8_t *payload, size_t len);

/** tip_test_pkt_udp() that insists on IPv4 addresses (TIP_ERR_ARG otherwise). */
int tip_test_pkt_udp4(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst, uint16_t sport,
                      uint16_t dport, const uint8_t *payload, size_t len);

/** tip_test_pkt_udp() that insists on IPv6 addresses (TIP_ERR_ARG otherwise). */
int tip_test_pkt_udp6(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst, uint16_t sport,
                      uint16_t dport, const uint8_t *payload, size_t len);

/**
 * Build an ICMP echo request (IPv4, type 8) or ICMPv6 echo request (IPv6,
 * type 128, checksum with pseudo-header) with identifier @p ident, sequence
 * @p seq and @p payload. Returns 0, TIP_ERR_ARG or TIP_ERR_BUF_SPACE.
 */
int tip_test_pkt_icmp_echo(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst,
                           uint16_t ident, uint16_t seq, const uint8_t *payload, size_t len);

/**
 * Build a minimal TCP SYN (20-byte header, no options, window 65535) with
 * sequence number @p isn over IPv4 or IPv6. Returns 0, TIP_ERR_ARG or
 * TIP_ERR_BUF_SPACE.
 */
int tip_test_pkt_tcp_syn(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst,
                         uint16_t sport, uint16_t dport, uint32_t isn);

/** 1 if the IPv4 header at @p hdr (IHL taken from it) has a correct checksum. */
int tip_test_ip4_csum_ok(const uint8_t *hdr, size_t len);

/**
 * Check an IP packet: version, lengths, IPv4 header checksum, and the
 * UDP / TCP / ICMP / ICMPv6 checksum (no IPv6 extension headers; a UDP
 * checksum of 0 over IPv4 counts as "none" and passes). Returns 0 when all
 * is well, -1 malformed, -2 bad IPv4 header checksum, -3 bad L4 checksum.
 */
int tip_test_pkt_verify(const uint8_t *pkt, size_t len);

/**
 * Parse hex digits in @p hex into @p out (at most @p cap bytes). Spaces,
 * tabs, newlines, ':' and '-' are ignored, as is a leading "0x". Returns
 * the number of bytes, or (size_t)-1 on a bad digit, an odd number of
 * digits or too little room.
 */
size_t tip_test_hex(const char *hex, uint8_t *out, size_t cap);

/**
 * Write @p len bytes as lowercase hex into @p out (2 * len + 1 bytes, NUL
 * terminated). Returns @p out.
 */
char *tip_test_to_hex(const uint8_t *p, size_t len, char *out);

#endif /* TIP_TEST_PKT_H */
