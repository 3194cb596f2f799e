/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * TUN offloads for the POSIX port: the virtio-net header that a TUN device
 * opened with IFF_VNET_HDR puts in front of every packet, splitting the
 * TCP (TSO) and UDP (USO) super-packets it hands over into MTU-sized
 * packets, completing a checksum the kernel left partial, and coalescing
 * consecutive TCP segments (and, with USO, equal-sized UDP datagrams) of
 * one flow back into one super-packet for the kernel (as GRO does). Plain C on caller memory: no system calls, no
 * allocation; tip_port_posix_tun_open_offload() opens such a device.
 *
 * The header is the legacy struct virtio_net_hdr (10 bytes, fields in the
 * host's byte order, as TUN uses it unless TUNSETVNETLE/BE says otherwise).
 */
#ifndef TIP_PORT_POSIX_VNET_H
#define TIP_PORT_POSIX_VNET_H

#include <stddef.h>
#include <stdint.h>

/** Bytes of the header in front of each packet. */
#define TIP_VNET_HDR_LEN 10u
/** Largest packet behind the header (an IPv4 or IPv6 super-packet). */
#define TIP_VNET_PKT_MAX 65535u

/** flags: the checksum at csum_start + csum_offset still has to be completed. */
#define TIP_VNET_F_NEEDS_CSUM 1u
/** gso_type values. */
#define TIP_VNET_GSO_NONE   0u
#define TIP_VNET_GSO_TCPV4  1u
#define TIP_VNET_GSO_TCPV6  4u
#define TIP_VNET_GSO_UDP_L4 5u
#define TIP_VNET_GSO_ECN    0x80u

/** struct virtio_net_hdr. */
typedef struct {
    uint8_t flags;        /**< TIP_VNET_F_* */
    uint8_t gso_type;     /**< TIP_VNET_GSO_* */
    uint16_t hdr_len;     /**< bytes of IP + L4 headers (a hint) */
    uint16_t gso_size;    /**< payload bytes per segment */
    uint16_t csum_start;  /**< where the checksummed bytes begin */
    uint16_t csum_offset; /**< where the checksum lies, from csum_start */
} tip_vnet_hdr_t;

/** Read the header at @p p (TIP_VNET_HDR_LEN bytes). */
void tip_vnet_hdr_get(const uint8_t *p, tip_vnet_hdr_t *h);

/** Write @p h at @p p (TIP_VNET_HDR_LEN bytes). */
void tip_vnet_hdr_put(uint8_t *p, const tip_vnet_hdr_t *h);

/**
 * Turn the packet @p pkt (@p len bytes, read behind header @p h) into
 * plain packets with complete headers and checksums: a TCP or UDP
 * super-packet is split into segments of h->gso_size payload bytes (IPv4
 * total length, identification and header checksum; IPv6 payload length;
 * TCP sequence numbers, FIN/PSH only on the last segment and CWR only on
 * the first; UDP length; every TCP and UDP checksum computed), and a
 * packet with a partial checksum (TIP_VNET_F_NEEDS_CSUM) gets it completed.
 * Packet i goes to @p out + i * @p slot + @p off, its length to lens[i].
 * Returns the number of packets (at most @p max), TIP_ERR_MALFORMED for
 * a header that does not describe the packet (an IPv6 extension header in
 * a super-packet included), or TIP_ERR_BUF_SPACE when the packets would
 * not fit.
 */
int tip_vnet_split(const tip_vnet_hdr_t *h, const uint8_t *pkt, size_t len, uint8_t *out,
                   size_t slot, size_t off, size_t *lens, unsigned max);

/** How many packets tip_vnet_split() will make of the packet (0: malformed). */
unsigned tip_vnet_split_count(const tip_vnet_hdr_t *h, const uint8_t *pkt, size_t len);

/**
 * A TCP or UDP super-packet being built for the TUN device: the header in
 * front (buf[0..TIP_VNET_HDR_LEN)), the packet behind it. Caller-owned;
 * start with tip_vnet_gro_init().
 */
typedef struct {
    uint8_t buf[TIP_VNET_HDR_LEN + TIP_VNET_PKT_MAX];
    uint8_t closed;    /**< a short or PSH segment ended it: nothing more is merged */
    uint8_t proto;     /**< 6 (TCP) or 17 (UDP) when more may be merged, else 0 */
    /**
     * Merge UDP datagrams too: only for a device that took USO
     * (TIP_PORT_POSIX_TUN_USO). 0 after tip_vnet_gro_init(); the caller
     * sets it, and starting or finishing a super-packet keeps it.
     */
    uint8_t udp;
    size_t len;        /**< bytes of the packet behind the header, 0: empty */
    unsigned segs;     /**< segments in it */
    uint16_t l3_len;   /**< IP header bytes */
    uint16_t l4_len;   /**< TCP or UDP header bytes (0: nothing may be merged) */
    uint16_t mss;      /**< payload bytes of the first segment */
    uint32_t next_seq; /**< TCP: sequence number a segment must have to be appended */
} tip_vnet_gro_t;

/** Empty @p g (UDP merging off). */
void tip_vnet_gro_init(tip_vnet_gro_t *g);

/**
 * Append the plain IP packet @p pkt to @p g when it continues the TCP
 * segment(s) there: the same addresses, ports, IP fields, TCP header
 * (acknowledgement, window, options, ACK with no other flag but PSH on the
 * last), the next sequence number, a payload no longer than the first
 * segment's, and a valid TCP checksum. With g->udp set, a UDP datagram is
 * appended to the UDP datagram(s) there in the same way: the same
 * addresses, ports and IP fields, a valid, non-zero checksum, and a
 * payload of the first one's size, or shorter, which ends the run. The
 * kernel cuts a UDP super-packet back into datagrams of the first one's
 * size (gso_size), so only datagrams of equal size can be merged without
 * moving a boundary. Returns 1 when appended, 0 when not: then write out
 * what @p g holds (tip_vnet_gro_finish()) and start again with
 * tip_vnet_gro_start(). A packet the kernel should check itself (neither
 * TCP nor UDP, a wrong or absent checksum) is taken alone.
 */
int tip_vnet_gro_append(tip_vnet_gro_t *g, const uint8_t *pkt, size_t len);

/** Put @p pkt into the empty @p g as its first packet. TIP_ERR_BUF_SPACE if too long. */
int tip_vnet_gro_start(tip_vnet_gro_t *g, const uint8_t *pkt, size_t len);

/**
 * Complete the header and the packet (lengths, IPv4 header checksum, the
 * partial TCP or UDP checksum and the virtio-net header of a super-packet:
 * TCPV4 / TCPV6, or UDP_L4 with the first datagram's payload as gso_size;
 * a zero header for a single packet) and return the bytes to write to the
 * TUN device from g->buf (0: empty). @p g is empty afterwards.
 */
size_t tip_vnet_gro_finish(tip_vnet_gro_t *g);

#endif /* TIP_PORT_POSIX_VNET_H */
