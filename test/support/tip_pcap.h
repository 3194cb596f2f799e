/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A minimal pcap writer for tests (classic libpcap format, microsecond
 * timestamps, LINKTYPE_RAW = 101: every record is an IPv4 or IPv6 packet
 * without a link-layer header). Uses stdio; test code only.
 */
#ifndef TIP_PCAP_H
#define TIP_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tinyipsec/types.h"
#include "tip_test_port.h"

/** LINKTYPE_RAW: records begin with the IP header (version nibble decides). */
#define TIP_PCAP_LINKTYPE_RAW 101
/** Snapshot length written into the file header. */
#define TIP_PCAP_SNAPLEN 65535

/** An open capture file. */
typedef struct {
    FILE *f;        /**< NULL when closed */
    uint32_t count; /**< records written */
    int failed;     /**< nonzero once a write failed */
} tip_pcap_t;

/**
 * Create (truncate) @p path and write the pcap file header.
 * Returns 0 or TIP_ERR_PORT (errno tells why).
 */
int tip_pcap_open(tip_pcap_t *pc, const char *path);

/**
 * Append IP packet @p pkt (@p len bytes) with timestamp @p t_us
 * (microseconds). Returns 0, TIP_ERR_ARG or TIP_ERR_PORT.
 */
int tip_pcap_write(tip_pcap_t *pc, const uint8_t *pkt, size_t len, uint64_t t_us);

/**
 * Append a UDP datagram as a whole IPv4/UDP or IPv6/UDP packet (family of
 * @p src, which must match @p dst), UDP checksum computed, so that an
 * ESP-in-UDP capture holds real packets. Returns 0, TIP_ERR_ARG (families)
 * or TIP_ERR_PORT.
 */
int tip_pcap_write_udp(tip_pcap_t *pc, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                       uint16_t dport, const uint8_t *data, size_t len, uint64_t t_us);

/**
 * Append a packet recorded by the test port: send_ip packets as they are,
 * send_udp datagrams through tip_pcap_write_udp() (a datagram whose src was
 * not given gets @p default_src, or 0.0.0.0 / :: when that is NULL too).
 * The timestamp is the packet's t_ms. Returns 0 or an error.
 */
int tip_pcap_write_sent(tip_pcap_t *pc, const tip_test_sent_t *s, const tip_addr_t *default_src);

/** Flush and close. Returns 0, or TIP_ERR_PORT if any write failed. */
int tip_pcap_close(tip_pcap_t *pc);

#endif /* TIP_PCAP_H */
