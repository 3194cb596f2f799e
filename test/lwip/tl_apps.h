/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Raw-API applications of the NO_SYS test: a UDP and a TCP echo server
 * (port 7) for side B, and the clients side A runs through the tunnel.
 */
#ifndef TL_APPS_H
#define TL_APPS_H

#include <stddef.h>
#include <stdint.h>

/** The echo servers' address for the clients (IPv4 or, with LWIP_IPV6, IPv6
 *  text, kept by reference): 10.2.0.1 (tunnel) unless set here. */
void tl_apps_peer(const char *ip);

/** Start the UDP and TCP echo servers on port 7. 0 or -1. */
int tl_echo_start(void);
/** Datagrams and TCP bytes the servers echoed so far. */
unsigned tl_echo_udp_count(void);
size_t tl_echo_tcp_bytes(void);

/** How tl_udp_send() builds datagram i: the pbuf kinds the tunnel sees. */
typedef enum {
    TL_PBUF_RAM = 0,   /**< one PBUF_RAM pbuf (its tailroom is unknown: copied) */
    TL_PBUF_POOL = 1,  /**< one PBUF_POOL pbuf with the stack's headroom (protected in place) */
    TL_PBUF_CHAIN = 2  /**< two PBUF_POOL pbufs chained (copied) */
} tl_pbuf_kind_t;

/** The pbuf kind of datagram @p i. */
tl_pbuf_kind_t tl_udp_kind(unsigned i);
/** The payload bytes of datagram @p i. */
size_t tl_udp_len(unsigned i);

/** UDP client: send datagram @p i (sizes and pbuf kinds vary with i) to the peer, port 7. 0 or -1. */
int tl_udp_send(unsigned i);
/** Echoes received back intact so far; wrong or corrupted ones count in *bad. */
unsigned tl_udp_echoes(unsigned *bad);

/** TCP client: connect to the peer, port 7, and stream @p total bytes of a pattern. 0 or -1. */
int tl_tcp_start(size_t total);
/** Bytes echoed back so far; 1 in *bad once one differed from the pattern or the connection failed. */
size_t tl_tcp_echoed(int *bad);
/** Close the TCP client connection. */
void tl_tcp_close(void);

#endif /* TL_APPS_H */
