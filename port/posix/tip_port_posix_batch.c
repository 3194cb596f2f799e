/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * POSIX port: sending and receiving in batches (see tip_port_posix.h,
 * tip_port_posix_tx_begin() and tip_port_posix_recv_batch()). One
 * sendmmsg(2) / recvmmsg(2) moves a batch of datagrams; with UDP GSO
 * (UDP_SEGMENT) consecutive datagrams of one size to one peer share one
 * message, and with UDP GRO the kernel hands over several received
 * datagrams of one flow as one, which is split here. Raw ESP sockets,
 * which have neither, still send and receive a batch per system call. Each feature is
 * probed when the port opens and switched off when the kernel refuses it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg, recvmmsg, struct in6_pktinfo */
#endif

#include "tip_port_posix_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h, since Linux 4.18 */
#endif
#ifndef UDP_GRO
#define UDP_GRO 104 /* linux/udp.h, since Linux 5.0 */
#endif

/* Segments of one GSO send (the kernel's UDP_MAX_SEGMENTS is at least 64)
 * and its payload bytes (an IPv4 datagram holds 65507). */
#define PX_GSO_MAX_SEGS  64u
#define PX_GSO_MAX_BYTES 65000u
/* Segments of one GRO datagram (the kernel coalesces at most 64). */
#define PX_GRO_MAX_SEGS 64u
/* Messages of one recvmmsg. */
#define PX_RX_MSGS 64u

typedef union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))]; /* int >= the GSO size */
} px_tx_cmsg_t;

typedef union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)) +
             CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(int)) + 64];
} px_rx_cmsg_t;

void tip_px_offloads_open(tip_port_posix_t *p, const tip_port_posix_cfg_t *cfg)
{
    int zero = 0, on = 1;

    p->gso = 0;
    p->gro = 0;
    /* A socket-wide segment size of 0 changes nothing; the kernel takes
     * the option only if it knows UDP_SEGMENT. */
    if (cfg->udp_gso && setsockopt(p->fd_natt, SOL_UDP, UDP_SEGMENT, &zero, sizeof(zero)) == 0)
        p->gso = 1;
    if (cfg->udp_gro && setsockopt(p->fd_natt, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0)
        p->gro = 1;
}

/* ---- sending ------------------------------------------------------------ */

static int same_flow(const tip_port_posix_txq_t *a, const tip_port_posix_txq_t *b)
{
    return a->fd == b->fd && a->dport == b->dport && a->dst.family == b->dst.family &&
           memcmp(a->dst.addr, b->dst.addr, sizeof(a->dst.addr)) == 0 &&
           a->src.family == b->src.family && memcmp(a->src.addr, b->src.addr, sizeof(a->src.addr)) == 0;
}

/* Send @p n queued datagrams that all leave from one socket. */
static int send_run(tip_port_posix_t *p, const tip_port_posix_txq_t *q, unsigned n)
{
    struct mmsghdr msgs[TIP_PORT_POSIX_TXQ];
    struct iovec iov[TIP_PORT_POSIX_TXQ];
    struct sockaddr_storage names[TIP_PORT_POSIX_TXQ];
    px_tx_cmsg_t cm[TIP_PORT_POSIX_TXQ];
    unsigned first[TIP_PORT_POSIX_TXQ], segs[TIP_PORT_POSIX_TXQ];
    unsigned i = 0, m = 0, k;
    int err = TIP_OK;

    memset(msgs, 0, sizeof(msgs[0]) * n);
    memset(cm, 0, sizeof(cm[0]) * n);
    while (i < n) {
        struct msghdr *mh = &msgs[m].msg_hdr;
        unsigned j = i + 1, x;
        size_t total = q[i].len;

        /* UDP_SEGMENT: all segments of the size of the first, but the last
         * may be shorter (udp(7)). */
        if (p->gso)
            while (j < n && j - i < PX_GSO_MAX_SEGS && same_flow(&q[i], &q[j]) &&
                   q[j - 1].len == q[i].len && q[j].len <= q[i].len && q[j].len > 0 &&
                   total + q[j].len <= PX_GSO_MAX_BYTES) {
                total += q[j].len;
                j++;
            }
        for (x = i; x < j; x++) {
            iov[x].iov_base = (void *)(uintptr_t)q[x].data;
            iov[x].iov_len = q[x].len;
        }
        mh->msg_namelen = tip_px_to_sockaddr(p->udp_family, &q[i].dst, q[i].dport, &names[m]);
        mh->msg_name = &names[m];
        mh->msg_iov = &iov[i];
        mh->msg_iovlen = j - i;
        mh->msg_control = cm[m].buf;
        tip_px_pktinfo(p, &q[i].src, &q[i].dst, mh);
        if (j - i > 1) {
            struct cmsghdr *c = (struct cmsghdr *)(void *)(cm[m].buf + mh->msg_controllen);
            uint16_t gso_size = q[i].len;

            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(gso_size));
            memcpy(CMSG_DATA(c), &gso_size, sizeof(gso_size));
            mh->msg_control = cm[m].buf;
            mh->msg_controllen += CMSG_SPACE(sizeof(gso_size));
        }
        first[m] = i;
        segs[m] = j - i;
        if (mh->msg_namelen == 0) { /* an IPv6 peer on an IPv4-only port */
            p->stats.tx_dropped += j - i;
            err = TIP_ERR_PORT;
        } else {
            m++;
        }
        i = j;
    }
    for (k = 0; k < m;) {
        int r = sendmmsg(q[0].fd, &msgs[k], m - k, MSG_NOSIGNAL);

        p->stats.tx_calls++;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EIO && p->gso && segs[k] > 1) {
                /* The outgoing device cannot checksum segments (udp(7)):
                 * no GSO from now on; send the rest one by one. */
                p->gso = 0;
                return send_run(p, q + first[k], n - first[k]);
            }
            for (; k < m; k++)
                p->stats.tx_dropped += segs[k];
            return tip_px_fail(p, TIP_ERR_PORT, "sendmmsg");
        }
        if ((unsigned)r > m - k) /* never more than asked */
            r = (int)(m - k);
        for (i = k; i < k + (unsigned)r; i++) {
            p->stats.tx_datagrams += segs[i];
            if (segs[i] > 1)
                p->stats.gso_sends++;
        }
        k += (unsigned)r;
    }
    return err;
}

/* Send @p n queued raw ESP packets that all leave from one raw socket: one
 * message each (no GSO for raw sockets), one sendmmsg for the run. IPv4
 * packets carry their own header (IP_HDRINCL, raw(7)); IPv6 ones get the
 * source and hop limit of the header the kernel builds as ancillary data
 * (tip_px_raw6_cmsg(), as for a single packet). */
static int send_raw_run(tip_port_posix_t *p, const tip_port_posix_txq_t *q, unsigned n)
{
    struct mmsghdr msgs[TIP_PORT_POSIX_TXQ];
    struct iovec iov[TIP_PORT_POSIX_TXQ];
    struct sockaddr_storage names[TIP_PORT_POSIX_TXQ];
    px_tx_cmsg_t cm[TIP_PORT_POSIX_TXQ];
    int v6 = q[0].fd == p->fd_raw6, err = TIP_OK;
    unsigned i, k;

    memset(msgs, 0, sizeof(msgs[0]) * n);
    memset(cm, 0, sizeof(cm[0]) * n);
    for (i = 0; i < n; i++) {
        struct msghdr *mh = &msgs[i].msg_hdr;

        iov[i].iov_base = (void *)(uintptr_t)q[i].data;
        iov[i].iov_len = q[i].len;
        mh->msg_iov = &iov[i];
        mh->msg_iovlen = 1;
        mh->msg_name = &names[i];
        mh->msg_namelen = tip_px_to_sockaddr(v6 ? AF_INET6 : AF_INET, &q[i].dst, 0, &names[i]);
        if (v6) {
            mh->msg_control = cm[i].buf;
            tip_px_raw6_cmsg(mh, q[i].src.addr, (int)q[i].hops);
        }
    }
    for (k = 0; k < n;) {
        int r = sendmmsg(q[0].fd, &msgs[k], n - k, MSG_NOSIGNAL);

        p->stats.tx_calls++;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            /* The first packet was refused (no route, too big...): it is
             * lost, the ones behind it still go. */
            p->stats.tx_dropped++;
            err = tip_px_fail(p, TIP_ERR_PORT, "sendmmsg (raw ESP)");
            k++;
            continue;
        }
        if ((unsigned)r > n - k)
            r = (int)(n - k);
        p->stats.tx_datagrams += (unsigned)r;
        k += (unsigned)r;
    }
    return err;
}

static int flush_queue(tip_port_posix_t *p)
{
    unsigned i = 0, n = p->tx_count;
    int err = TIP_OK;

    p->tx_count = 0;
    while (i < n) {
        unsigned j = i + 1;
        int e;

        while (j < n && p->tx_q[j].fd == p->tx_q[i].fd)
            j++;
        if (p->tx_q[i].fd == p->fd_raw4 || p->tx_q[i].fd == p->fd_raw6)
            e = send_raw_run(p, &p->tx_q[i], j - i);
        else
            e = send_run(p, &p->tx_q[i], j - i);
        if (e != TIP_OK)
            err = e;
        i = j;
    }
    return err;
}

int tip_px_tx_queue(tip_port_posix_t *p, int fd, const tip_addr_t *src, const tip_addr_t *dst,
                    uint16_t dport, unsigned hops, const uint8_t *data, size_t len)
{
    uintptr_t lo = (uintptr_t)p->tx_mem, at = (uintptr_t)data;
    tip_port_posix_txq_t *q;

    if (data == NULL || len == 0 || len > 0xFFFFu || at < lo || at - lo > p->tx_mem_len ||
        len > p->tx_mem_len - (at - lo)) {
        (void)flush_queue(p); /* what was queued goes first */
        return TIP_PX_NOT_QUEUED;
    }
    if (p->tx_count == TIP_PORT_POSIX_TXQ)
        (void)flush_queue(p); /* losses are counted in stats.tx_dropped */
    q = &p->tx_q[p->tx_count++];
    q->data = data;
    q->len = (uint16_t)len;
    q->dport = dport;
    q->fd = fd;
    if (src != NULL)
        q->src = *src;
    else
        memset(&q->src, 0, sizeof(q->src));
    q->dst = *dst;
    q->hops = (uint8_t)hops;
    return TIP_OK;
}

void tip_port_posix_tx_begin(tip_port_posix_t *p, const uint8_t *mem, size_t len)
{
    if (p->tx_count > 0)
        (void)flush_queue(p);
    p->tx_mem = len > 0 ? mem : NULL;
    p->tx_mem_len = len;
}

int tip_port_posix_tx_flush(tip_port_posix_t *p)
{
    int err = flush_queue(p);

    p->tx_mem = NULL;
    p->tx_mem_len = 0;
    return err;
}

/* ---- receiving ------------------------------------------------------------ */

/* Addresses and the GRO segment size of a received message. */
static void rx_meta(struct msghdr *mh, const struct sockaddr_storage *ss,
                    tip_port_posix_rx_info_t *info, int *hops, unsigned *gso_size)
{
    struct cmsghdr *c;

    tip_px_from_sockaddr(ss, &info->src, &info->sport);
    for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            memset(&info->dst, 0, sizeof(info->dst));
            info->dst.family = TIP_AF_INET;
            memcpy(info->dst.addr, &pi.ipi_addr, 4);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            tip_px_from_in6(&pi.ipi6_addr, &info->dst);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
            memcpy(hops, CMSG_DATA(c), sizeof(int));
        } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
            int g;

            memcpy(&g, CMSG_DATA(c), sizeof(g));
            *gso_size = g > 0 ? (unsigned)g : 0u;
        }
    }
}

/* One recvmmsg on @p fd; the entries it gives, 0 when nothing was waiting. */
static int recv_socket(tip_port_posix_t *p, int fd, int source, uint8_t *mem, size_t mem_len,
                       size_t slot, tip_port_posix_rx_t *out, unsigned max)
{
    struct mmsghdr msgs[PX_RX_MSGS];
    struct iovec iov[PX_RX_MSGS];
    struct sockaddr_storage names[PX_RX_MSGS];
    px_rx_cmsg_t cm[PX_RX_MSGS];
    int gro = source == TIP_PORT_POSIX_SRC_NATT && p->gro;
    size_t nslots = mem_len / slot;
    unsigned nmsg, i, n_out = 0;
    int r;

    if (gro && (slot < TIP_PORT_POSIX_GRO_SLOT || max < PX_GRO_MAX_SEGS))
        return tip_px_fail(p, TIP_ERR_ARG, "GRO needs slots of TIP_PORT_POSIX_GRO_SLOT");
    nmsg = gro ? max / PX_GRO_MAX_SEGS : max;
    if (nslots < nmsg)
        nmsg = (unsigned)nslots;
    if (nmsg > PX_RX_MSGS)
        nmsg = PX_RX_MSGS;
    if (nmsg == 0)
        return tip_px_fail(p, TIP_ERR_ARG, "no room for a datagram");
    memset(msgs, 0, sizeof(msgs[0]) * nmsg);
    for (i = 0; i < nmsg; i++) {
        iov[i].iov_base = mem + i * slot + TIP_ESP_HEADROOM;
        iov[i].iov_len = slot - TIP_ESP_HEADROOM;
        msgs[i].msg_hdr.msg_name = &names[i];
        msgs[i].msg_hdr.msg_namelen = (socklen_t)sizeof(names[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = cm[i].buf;
        msgs[i].msg_hdr.msg_controllen = sizeof(cm[i].buf);
    }
    do {
        r = recvmmsg(fd, msgs, nmsg, MSG_DONTWAIT, NULL);
        p->stats.rx_calls++;
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return tip_px_fail(p, TIP_ERR_PORT, "recvmmsg");
    }
    for (i = 0; i < (unsigned)r; i++) {
        tip_port_posix_rx_info_t info;
        uint8_t *data = mem + i * slot + TIP_ESP_HEADROOM;
        size_t len = msgs[i].msg_len, at;
        unsigned gso_size = 0;
        int hops = TIP_OUTER_TTL;

        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
            p->stats.rx_truncated++; /* longer than the slot: dropped */
            continue;
        }
        memset(&info, 0, sizeof(info));
        info.source = source;
        rx_meta(&msgs[i].msg_hdr, &names[i], &info, &hops, &gso_size);
        if (gso_size == 0 || gso_size >= len) {
            tip_port_posix_rx_t *e = &out[n_out++];

            e->buf.base = mem + i * slot;
            e->buf.cap = slot;
            e->buf.off = TIP_ESP_HEADROOM;
            e->buf.len = len;
            e->info = info;
            e->info.wire_len = len;
            e->hops = hops;
            p->stats.rx_datagrams++;
            continue;
        }
        /* UDP GRO: datagrams of gso_size bytes back to back, the last one
         * possibly shorter (udp(7)). Each is its own buffer. */
        for (at = 0; at < len && n_out < max; at += gso_size) {
            tip_port_posix_rx_t *e = &out[n_out++];
            size_t seg = len - at < gso_size ? len - at : gso_size;

            e->buf.base = data + at;
            e->buf.cap = seg;
            e->buf.off = 0;
            e->buf.len = seg;
            e->info = info;
            e->info.wire_len = seg;
            e->hops = hops;
            p->stats.rx_datagrams++;
            p->stats.gro_datagrams++;
        }
    }
    return (int)n_out;
}

int tip_port_posix_recv_batch(tip_port_posix_t *p, uint8_t *mem, size_t mem_len, size_t slot,
                              tip_port_posix_rx_t *out, unsigned max)
{
    int fds[4], src[4];
    unsigned nfds = 0, i;

    if (p == NULL || mem == NULL || out == NULL || max == 0 || slot <= TIP_ESP_HEADROOM ||
        mem_len < slot)
        return TIP_ERR_ARG;
    if (p->fd_natt >= 0) {
        fds[nfds] = p->fd_natt;
        src[nfds++] = TIP_PORT_POSIX_SRC_NATT;
    }
    if (p->fd_ike >= 0) {
        fds[nfds] = p->fd_ike;
        src[nfds++] = TIP_PORT_POSIX_SRC_IKE;
    }
    if (p->fd_raw4 >= 0) {
        fds[nfds] = p->fd_raw4;
        src[nfds++] = TIP_PORT_POSIX_SRC_RAW4;
    }
    if (p->fd_raw6 >= 0) {
        fds[nfds] = p->fd_raw6;
        src[nfds++] = TIP_PORT_POSIX_SRC_RAW6;
    }
    if (nfds == 0)
        return tip_px_fail(p, TIP_ERR_PORT, "no socket open");
    /* As tip_port_posix_recv() drains: the socket of the last batch first,
     * the next one after TIP_PORT_POSIX_BURST datagrams in a row. */
    for (i = 0; i < nfds; i++) {
        unsigned k = (p->rr + i) % nfds;
        int r = recv_socket(p, fds[k], src[k], mem, mem_len, slot, out, max);

        if (r == 0)
            continue;
        if (r < 0)
            return r;
        if (k != p->rr % nfds)
            p->rr_burst = 0;
        p->rr = k;
        p->rr_burst += (unsigned)r;
        if (p->rr_burst >= TIP_PORT_POSIX_BURST) {
            p->rr = k + 1;
            p->rr_burst = 0;
        }
        return r;
    }
    return 0;
}

int tip_port_posix_rx_dispatch(tip_port_posix_t *p, tip_ctx_t *ctx, tip_port_posix_rx_t *rx)
{
    if (p == NULL || rx == NULL)
        return TIP_ERR_ARG;
    return tip_px_dispatch(p, ctx, &rx->buf, &rx->info, rx->hops);
}
