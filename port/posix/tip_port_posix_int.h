/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * POSIX port, private: what tip_port_posix.c shares with the batch code
 * (tip_port_posix_batch.c).
 */
#ifndef TIP_PORT_POSIX_INT_H
#define TIP_PORT_POSIX_INT_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "tip_port_posix.h"

/* Datagrams read in a row from one socket while draining before the others
 * get their turn. */
#define TIP_PORT_POSIX_BURST 64

/** tip_px_tx_queue(): the datagram was not queued; send it now. */
#define TIP_PX_NOT_QUEUED 1

/** Record why a step failed in p->errmsg (keeps errno); returns @p err. */
int tip_px_fail(tip_port_posix_t *p, int err, const char *fmt, ...);

/** The address is TIP_AF_NONE or all zero. */
int tip_px_is_unspecified(const tip_addr_t *a);

/** A sockaddr of @p family for @p a and @p port; its length, 0 if impossible. */
socklen_t tip_px_to_sockaddr(int family, const tip_addr_t *a, uint16_t port,
                             struct sockaddr_storage *ss);

/** The reverse (v4-mapped IPv6 addresses come back as IPv4). */
void tip_px_from_sockaddr(const struct sockaddr_storage *ss, tip_addr_t *a, uint16_t *port);

/** An in6_addr as a tip_addr_t (v4-mapped ones as IPv4). */
void tip_px_from_in6(const struct in6_addr *in6, tip_addr_t *a);

/** The source-address ancillary data of a UDP send (see tip_port_posix.c). */
void tip_px_pktinfo(const tip_port_posix_t *p, const tip_addr_t *src, const tip_addr_t *dst,
                    struct msghdr *mh);

/** The source and hop-limit ancillary data of a raw IPv6 ESP send (see tip_port_posix.c). */
void tip_px_raw6_cmsg(struct msghdr *mh, const uint8_t src[16], int hops);

/** Dispatch one received datagram (see tip_port_posix.c). */
int tip_px_dispatch(tip_port_posix_t *p, tip_ctx_t *ctx, tip_buf_t *buf,
                    tip_port_posix_rx_info_t *info, int hops);

/**
 * Queue a datagram of a send batch (tip_port_posix_tx_begin()): TIP_OK when
 * queued, TIP_PX_NOT_QUEUED when it lies outside the batch memory (the
 * queue has been flushed: send it at once), or an error of the flush.
 * A raw IPv4 ESP packet is queued whole (IP_HDRINCL), a raw IPv6 one
 * without its header, whose source, destination and hop limit
 * (@p hops) go with it.
 */
int tip_px_tx_queue(tip_port_posix_t *p, int fd, const tip_addr_t *src, const tip_addr_t *dst,
                    uint16_t dport, unsigned hops, const uint8_t *data, size_t len);

/** Switch UDP GSO / GRO on for the NAT-T socket as @p cfg asks (when the kernel can). */
void tip_px_offloads_open(tip_port_posix_t *p, const tip_port_posix_cfg_t *cfg);

#endif /* TIP_PORT_POSIX_INT_H */
