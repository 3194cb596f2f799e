/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * POSIX / Linux port (see tip_port_posix.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct in6_pktinfo, IPV6_RECVPKTINFO, getrandom() */
#endif

#include "tip_port_posix.h"
#include "tip_port_posix_int.h"
#include "tip_port_posix_seq.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ESP_PROTO 50
/* Datagrams read in a row from one socket while draining before the others
 * get their turn. */

static const char *const level_names[] = {"error", "warn", "info", "debug"};

/* Record why a step failed; keeps errno for the caller. */
int tip_px_fail(tip_port_posix_t *p, int err, const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    (void)vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap); /* a long message is cut */
    va_end(ap);
    p->sys_errno = e;
    n = strlen(p->errmsg);
    if (e != 0 && n < sizeof(p->errmsg))
        (void)snprintf(p->errmsg + n, sizeof(p->errmsg) - n, ": %s", strerror(e));
    errno = e;
    return err;
}

void tip_port_posix_cfg_init(tip_port_posix_cfg_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->local.family = TIP_AF_NONE;
    cfg->natt_port = TIP_PORT_NATT;
    cfg->ike_port = TIP_PORT_IKE;
    cfg->log_level = TIP_LOG_WARN;
}

const char *tip_port_posix_errmsg(const tip_port_posix_t *p)
{
    return p->errmsg;
}

void tip_port_posix_set_log_level(tip_port_posix_t *p, int level)
{
    p->log_level = level;
}

/* ---- address conversion ----------------------------------------------- */

int tip_px_is_unspecified(const tip_addr_t *a)
{
    static const uint8_t zero[16];

    return a->family == TIP_AF_NONE ||
           memcmp(a->addr, zero, a->family == TIP_AF_INET ? 4u : 16u) == 0;
}

static int is_v4mapped(const uint8_t a[16])
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

    return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* Build a sockaddr for @p a in @p family (v4 addresses become v4-mapped in
 * an AF_INET6 socket). Returns the length or 0. */
socklen_t tip_px_to_sockaddr(int family, const tip_addr_t *a, uint16_t port,
                             struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;

        if (a->family != TIP_AF_INET && a->family != TIP_AF_NONE)
            return 0;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        if (a->family == TIP_AF_INET)
            memcpy(&sin->sin_addr, a->addr, 4);
        return (socklen_t)sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        if (a->family == TIP_AF_INET6) {
            memcpy(&sin6->sin6_addr, a->addr, 16);
        } else if (a->family == TIP_AF_INET) {
            sin6->sin6_addr.s6_addr[10] = 0xFF;
            sin6->sin6_addr.s6_addr[11] = 0xFF;
            memcpy(&sin6->sin6_addr.s6_addr[12], a->addr, 4);
        }
        return (socklen_t)sizeof(*sin6);
    }
}

/* The reverse; v4-mapped IPv6 addresses come back as IPv4. */
void tip_px_from_in6(const struct in6_addr *in6, tip_addr_t *a)
{
    memset(a, 0, sizeof(*a));
    if (is_v4mapped(in6->s6_addr)) {
        a->family = TIP_AF_INET;
        memcpy(a->addr, &in6->s6_addr[12], 4);
    } else {
        a->family = TIP_AF_INET6;
        memcpy(a->addr, in6->s6_addr, 16);
    }
}

void tip_px_from_sockaddr(const struct sockaddr_storage *ss, tip_addr_t *a, uint16_t *port)
{
    memset(a, 0, sizeof(*a));
    *port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

        a->family = TIP_AF_INET;
        memcpy(a->addr, &sin->sin_addr, 4);
        *port = ntohs(sin->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

        tip_px_from_in6(&sin6->sin6_addr, a);
        *port = ntohs(sin6->sin6_port);
    }
}

/* ---- opening ---------------------------------------------------------- */

/* Large socket buffers absorb bursts (best effort: a refusal is not fatal). */
static void set_buffers(int fd, int bytes)
{
    if (bytes <= 0)
        bytes = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

static int open_udp(tip_port_posix_t *p, const tip_port_posix_cfg_t *cfg, uint16_t port,
                    const char *what, int *fd_out, uint16_t *bound)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, on = 1;
    tip_addr_t a;
    uint16_t bport;

    fd = socket(p->udp_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return tip_px_fail(p, TIP_ERR_PORT, "%s UDP socket", what);
    *fd_out = fd;
    set_buffers(fd, cfg->sock_buf);
    if (p->udp_family == AF_INET) {
        if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) != 0)
            return tip_px_fail(p, TIP_ERR_PORT, "%s: IP_PKTINFO", what);
    } else {
        int v6only = cfg->v6only || !tip_px_is_unspecified(&p->local);

        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) != 0)
            return tip_px_fail(p, TIP_ERR_PORT, "%s: IPV6_V6ONLY", what);
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) != 0)
            return tip_px_fail(p, TIP_ERR_PORT, "%s: IPV6_RECVPKTINFO", what);
        /* Linux reports v4-mapped destinations through IPV6_PKTINFO too;
         * IP_PKTINFO is a harmless extra where the stack wants it. */
        if (!v6only)
            (void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
    }
    sl = tip_px_to_sockaddr(p->udp_family, &p->local, port, &ss);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        char txt[48];

        tip_addr_format(&p->local, txt, sizeof(txt));
        return tip_px_fail(p, TIP_ERR_PORT, "%s: bind %s port %u%s", what, txt, (unsigned)port,
                    errno == EACCES ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : "");
    }
    sl = (socklen_t)sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return tip_px_fail(p, TIP_ERR_PORT, "%s: getsockname", what);
    tip_px_from_sockaddr(&ss, &a, &bport);
    *bound = bport;
    return TIP_OK;
}

static int open_raw(tip_port_posix_t *p, int family, int *fd_out)
{
    const char *what = family == AF_INET ? "raw IPv4 ESP socket" : "raw IPv6 ESP socket";
    int fd, on = 1;

    fd = socket(family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, ESP_PROTO);
    if (fd < 0)
        return tip_px_fail(p, TIP_ERR_PORT, "%s%s", what,
                    (errno == EPERM || errno == EACCES) ? " (needs root or CAP_NET_RAW)" : "");
    *fd_out = fd;
    if (family == AF_INET) {
        /* We send complete packets (our own outer header); received IPv4
         * packets arrive with their header anyway (raw(7)). */
        if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) != 0)
            return tip_px_fail(p, TIP_ERR_PORT, "%s: IP_HDRINCL", what);
    } else {
        /* IPv6 raw sockets never deliver the header; learn its addresses and
         * hop limit from ancillary data and rebuild it (see recv). */
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) != 0)
            return tip_px_fail(p, TIP_ERR_PORT, "%s: IPV6_RECVPKTINFO", what);
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) != 0)
            return tip_px_fail(p, TIP_ERR_PORT, "%s: IPV6_RECVHOPLIMIT", what);
    }
    if ((family == AF_INET && p->local.family == TIP_AF_INET && !p->wildcard) ||
        (family == AF_INET6 && p->local.family == TIP_AF_INET6 && !p->wildcard)) {
        struct sockaddr_storage ss;
        socklen_t sl = tip_px_to_sockaddr(family, &p->local, 0, &ss);

        if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
            return tip_px_fail(p, TIP_ERR_PORT, "%s: bind", what);
    }
    return TIP_OK;
}

int tip_port_posix_open(tip_port_posix_t *p, const tip_port_posix_cfg_t *cfg)
{
    int err = TIP_ERR_INTERNAL;

    if (p == NULL)
        return TIP_ERR_ARG;
    memset(p, 0, sizeof(*p));
    p->fd_natt = p->fd_ike = p->fd_raw4 = p->fd_raw6 = p->fd_seq = -1;
    if (cfg == NULL || (cfg->local.family != TIP_AF_NONE && cfg->local.family != TIP_AF_INET &&
                        cfg->local.family != TIP_AF_INET6))
        return tip_px_fail(p, TIP_ERR_ARG, "bad configuration");
    p->log_level = cfg->log_level;
    p->local = cfg->local;
    if (p->local.family == TIP_AF_NONE)
        p->local.family = TIP_AF_INET;
    p->wildcard = (uint8_t)tip_px_is_unspecified(&p->local);
    p->udp_family = p->local.family == TIP_AF_INET6 ? AF_INET6 : AF_INET;

    err = open_udp(p, cfg, cfg->natt_port, "NAT-T", &p->fd_natt, &p->natt_port);
    if (err == TIP_OK)
        tip_px_offloads_open(p, cfg);
    if (err == TIP_OK && cfg->open_ike)
        err = open_udp(p, cfg, cfg->ike_port, "IKE", &p->fd_ike, &p->ike_port);
    if (err == TIP_OK && cfg->raw_esp4)
        err = open_raw(p, AF_INET, &p->fd_raw4);
    if (err == TIP_OK && cfg->raw_esp6)
        err = open_raw(p, AF_INET6, &p->fd_raw6);
    if (err == TIP_OK && cfg->seq_dir != NULL)
        err = tip_port_posix_seq_open(p, cfg->seq_dir);
    if (err != TIP_OK) {
        char msg[sizeof(p->errmsg)];
        int e = p->sys_errno;

        memcpy(msg, p->errmsg, sizeof(msg));
        tip_port_posix_close(p);
        memcpy(p->errmsg, msg, sizeof(msg));
        p->sys_errno = e;
        return err;
    }
    p->errmsg[0] = '\0';
    return TIP_OK;
}

void tip_port_posix_close(tip_port_posix_t *p)
{
    int *fds[5];
    size_t i;

    fds[0] = &p->fd_natt;
    fds[1] = &p->fd_ike;
    fds[2] = &p->fd_raw4;
    fds[3] = &p->fd_raw6;
    fds[4] = &p->fd_seq;
    for (i = 0; i < 5; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

/* ---- the tip_port_t functions ----------------------------------------- */

/*
 * A socket bound to the wildcard lets the kernel pick the source; when the
 * SA names one, ask for it with IP_PKTINFO / IPV6_PKTINFO in
 * @p mh->msg_control (room for CMSG_SPACE(sizeof(struct in6_pktinfo))), so
 * replies leave from the address the peer knows (multi-homed hosts). Sets
 * msg_controllen to the bytes used (0: none, and msg_control NULL).
 */
void tip_px_pktinfo(const tip_port_posix_t *p, const tip_addr_t *src, const tip_addr_t *dst,
                    struct msghdr *mh)
{
    struct cmsghdr *c;

    mh->msg_controllen = 0;
    if (!p->wildcard || src == NULL || src->family != dst->family || tip_px_is_unspecified(src)) {
        mh->msg_control = NULL;
        return;
    }
    if (p->udp_family == AF_INET) {
        struct in_pktinfo pi;

        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.ipi_spec_dst, src->addr, 4);
        mh->msg_controllen = CMSG_SPACE(sizeof(pi));
        c = CMSG_FIRSTHDR(mh);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    } else if (src->family == TIP_AF_INET6) {
        struct in6_pktinfo pi;

        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.ipi6_addr, src->addr, 16);
        mh->msg_controllen = CMSG_SPACE(sizeof(pi));
        c = CMSG_FIRSTHDR(mh);
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(pi));
        memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    } else {
        mh->msg_control = NULL; /* v4-mapped on a dual-stack socket */
    }
}

static int px_send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                       uint16_t dport, const uint8_t *data, size_t len)
{
    tip_port_posix_t *p = arg;
    struct sockaddr_storage ss;
    struct msghdr mh;
    struct iovec iov;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    } cm;
    int fd = p->fd_natt;
    ssize_t n;

    if (dst == NULL || (data == NULL && len > 0))
        return TIP_ERR_ARG;
    if (p->fd_ike >= 0 && sport == p->ike_port && sport != p->natt_port)
        fd = p->fd_ike;
    if (fd < 0)
        return TIP_ERR_PORT;
    if (p->tx_mem != NULL) { /* between tip_port_posix_tx_begin() and _flush() */
        int r = tip_px_tx_queue(p, fd, src, dst, dport, 0, data, len);

        if (r != TIP_PX_NOT_QUEUED)
            return r;
    }
    memset(&mh, 0, sizeof(mh));
    mh.msg_namelen = tip_px_to_sockaddr(p->udp_family, dst, dport, &ss);
    if (mh.msg_namelen == 0)
        return TIP_ERR_PORT; /* an IPv6 peer on an IPv4-only port */
    mh.msg_name = &ss;
    iov.iov_base = (void *)(uintptr_t)data;
    iov.iov_len = len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    memset(&cm, 0, sizeof(cm));
    mh.msg_control = cm.buf;
    tip_px_pktinfo(p, src, dst, &mh);
    do {
        n = sendmsg(fd, &mh, MSG_NOSIGNAL);
        p->stats.tx_calls++;
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)len)
        return TIP_ERR_PORT;
    p->stats.tx_datagrams++;
    return TIP_OK;
}

static int px_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    tip_port_posix_t *p = arg;
    struct sockaddr_storage ss;
    ssize_t n;

    if (pkt == NULL || len < 1)
        return TIP_ERR_ARG;
    memset(&ss, 0, sizeof(ss));
    if ((pkt[0] >> 4) == 4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

        if (p->fd_raw4 < 0 || len < 20)
            return TIP_ERR_PORT;
        /* IP_HDRINCL: the kernel sends our header as it is (filling in only
         * the checksum and total length, raw(7)); the address is for routing. */
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, pkt + 16, 4);
        if (p->tx_mem != NULL) { /* between tip_port_posix_tx_begin() and _flush() */
            tip_addr_t dst;
            int r;

            memset(&dst, 0, sizeof(dst));
            dst.family = TIP_AF_INET;
            memcpy(dst.addr, pkt + 16, 4);
            r = tip_px_tx_queue(p, p->fd_raw4, NULL, &dst, 0, 0, pkt, len);
            if (r != TIP_PX_NOT_QUEUED)
                return r;
        }
        do {
            n = sendto(p->fd_raw4, pkt, len, 0, (struct sockaddr *)sin, sizeof(*sin));
            p->stats.tx_calls++;
        } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)len)
            return TIP_ERR_PORT;
        p->stats.tx_datagrams++;
        return TIP_OK;
    }
    if ((pkt[0] >> 4) == 6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        struct msghdr mh;
        struct iovec iov;
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
        } cm;

        /* An IPv6 raw socket cannot take our header for ESP; hand the kernel
         * the payload and set the source and hop limit of the header it
         * builds through ancillary data. Extension headers are not
         * supported: the core builds none. */
        if (p->fd_raw6 < 0 || len < 40)
            return TIP_ERR_PORT;
        if (pkt[6] != ESP_PROTO)
            return TIP_ERR_UNSUPPORTED;
        if (p->tx_mem != NULL) {
            tip_addr_t src, dst;
            int r;

            memset(&src, 0, sizeof(src));
            memset(&dst, 0, sizeof(dst));
            src.family = dst.family = TIP_AF_INET6;
            memcpy(src.addr, pkt + 8, 16);
            memcpy(dst.addr, pkt + 24, 16);
            r = tip_px_tx_queue(p, p->fd_raw6, &src, &dst, 0, pkt[7], pkt + 40, len - 40);
            if (r != TIP_PX_NOT_QUEUED)
                return r;
        }
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, pkt + 24, 16);
        memset(&mh, 0, sizeof(mh));
        mh.msg_name = sin6;
        mh.msg_namelen = (socklen_t)sizeof(*sin6);
        iov.iov_base = (void *)(uintptr_t)(pkt + 40);
        iov.iov_len = len - 40;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cm.buf;
        tip_px_raw6_cmsg(&mh, pkt + 8, pkt[7]);
        do {
            n = sendmsg(p->fd_raw6, &mh, 0);
            p->stats.tx_calls++;
        } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)(len - 40))
            return TIP_ERR_PORT;
        p->stats.tx_datagrams++;
        return TIP_OK;
    }
    return TIP_ERR_ARG;
}

/* The ancillary data of a raw IPv6 ESP packet: the source address and hop
 * limit of the header the kernel builds for it (IPV6_PKTINFO, IPV6_HOPLIMIT,
 * RFC 3542 6.1, 6.3). @p mh's msg_control has room for both. */
void tip_px_raw6_cmsg(struct msghdr *mh, const uint8_t src[16], int hops)
{
    struct in6_pktinfo pi;
    struct cmsghdr *c;

    memset(&pi, 0, sizeof(pi));
    memcpy(&pi.ipi6_addr, src, 16);
    mh->msg_controllen = CMSG_SPACE(sizeof(pi)) + CMSG_SPACE(sizeof(int));
    memset(mh->msg_control, 0, mh->msg_controllen);
    c = CMSG_FIRSTHDR(mh);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(pi));
    memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    c = (struct cmsghdr *)(void *)((char *)mh->msg_control + CMSG_SPACE(sizeof(pi)));
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &hops, sizeof(int));
}

static uint64_t px_now_ms(void *arg)
{
    struct timespec ts;

    (void)arg;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wall-clock seconds (certificate validity times): CLOCK_REALTIME, which a
 * Linux host keeps with NTP; -1 when it cannot be read. */
static int64_t px_wall_time(void *arg)
{
    struct timespec ts;

    (void)arg;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec;
}

static int px_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    while (len > 0) {
        ssize_t n = getrandom(out, len, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return TIP_ERR_CRYPTO;
        }
        /* Requests above 256 bytes may be cut short (random(7)). */
        out += n;
        len -= (size_t)n;
    }
    return TIP_OK;
}

static void px_log(void *arg, int level, const char *msg)
{
    const tip_port_posix_t *p = arg;

    if (level > p->log_level)
        return;
    (void)fprintf(stderr, "tinyipsec[%s] %s\n",
                  level >= 0 && level <= TIP_LOG_DEBUG ? level_names[level] : "?",
                  msg != NULL ? msg : "");
}

void tip_port_posix_port(tip_port_posix_t *p, tip_port_t *port)
{
    memset(port, 0, sizeof(*port));
    port->send_udp = px_send_udp;
    port->send_ip = (p->fd_raw4 >= 0 || p->fd_raw6 >= 0) ? px_send_ip : NULL;
    port->now_ms = px_now_ms;
    port->random = px_random;
    port->log = px_log;
    port->wall_time = px_wall_time;
    port->arg = p;
    tip_port_posix_seq_fill(p, port);
}

/* ---- receiving -------------------------------------------------------- */

/* Read one datagram from @p fd into buf (data at off = TIP_ESP_HEADROOM).
 * Fills source address/port and our address from ancillary data. */
static int read_one(tip_port_posix_t *p, int fd, tip_buf_t *buf, tip_port_posix_rx_info_t *info,
                    int *hoplimit)
{
    struct sockaddr_storage ss;
    struct msghdr mh;
    struct iovec iov;
    struct cmsghdr *c;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)) +
                 CMSG_SPACE(sizeof(int)) + 64];
    } cm;
    ssize_t n;

    memset(&mh, 0, sizeof(mh));
    memset(&ss, 0, sizeof(ss));
    mh.msg_name = &ss;
    mh.msg_namelen = (socklen_t)sizeof(ss);
    iov.iov_base = buf->base + TIP_ESP_HEADROOM;
    iov.iov_len = buf->cap - TIP_ESP_HEADROOM;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cm.buf;
    mh.msg_controllen = sizeof(cm.buf);
    do {
        n = recvmsg(fd, &mh, 0);
        p->stats.rx_calls++;
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return TIP_PORT_POSIX_TIMEOUT; /* raced with another reader */
        return tip_px_fail(p, TIP_ERR_PORT, "recvmsg");
    }
    p->stats.rx_datagrams++;
    info->wire_len = (size_t)n;
    if (mh.msg_flags & MSG_TRUNC)
        return TIP_ERR_BUF_SPACE; /* datagram longer than the buffer: dropped */
    buf->off = TIP_ESP_HEADROOM;
    buf->len = (size_t)n;
    tip_px_from_sockaddr(&ss, &info->src, &info->sport);
    for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            memset(&info->dst, 0, sizeof(info->dst));
            info->dst.family = TIP_AF_INET;
            memcpy(info->dst.addr, &pi.ipi_addr, 4); /* header destination */
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi;

            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            tip_px_from_in6(&pi.ipi6_addr, &info->dst);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
            memcpy(hoplimit, CMSG_DATA(c), sizeof(int));
        }
    }
    return TIP_OK;
}

int tip_port_posix_recv(tip_port_posix_t *p, tip_ctx_t *ctx, tip_buf_t *buf, int timeout_ms,
                        tip_port_posix_rx_info_t *info)
{
    tip_port_posix_rx_info_t local_info;
    struct pollfd pfd[4];
    int src[4];
    unsigned nfds = 0, i;
    int r, hops = TIP_OUTER_TTL, err = TIP_ERR_INTERNAL;

    if (info == NULL)
        info = &local_info;
    memset(info, 0, sizeof(*info));
    if (p == NULL || buf == NULL || buf->base == NULL || buf->cap <= TIP_ESP_HEADROOM)
        return TIP_ERR_ARG;
    buf->off = TIP_ESP_HEADROOM;
    buf->len = 0;
#define ADD_FD(fd_, kind_)             \
    do {                               \
        if ((fd_) >= 0) {              \
            pfd[nfds].fd = (fd_);      \
            pfd[nfds].events = POLLIN; \
            pfd[nfds].revents = 0;     \
            src[nfds] = (kind_);       \
            nfds++;                    \
        }                              \
    } while (0)
    ADD_FD(p->fd_natt, TIP_PORT_POSIX_SRC_NATT);
    ADD_FD(p->fd_ike, TIP_PORT_POSIX_SRC_IKE);
    ADD_FD(p->fd_raw4, TIP_PORT_POSIX_SRC_RAW4);
    ADD_FD(p->fd_raw6, TIP_PORT_POSIX_SRC_RAW6);
#undef ADD_FD
    if (nfds == 0)
        return tip_px_fail(p, TIP_ERR_PORT, "no socket open");
    if (timeout_ms == 0) {
        /* Draining: the sockets are non-blocking, so try them directly and
         * save a poll() per datagram. Stay on the socket that gave the last
         * datagram (a burst of ESP would otherwise cost an empty recvmsg on
         * the IKE socket per datagram) and move on when it is empty or after
         * TIP_PORT_POSIX_BURST datagrams in a row, so a flood on one socket
         * cannot starve the others. */
        for (i = 0; i < nfds; i++) {
            unsigned k = (p->rr + i) % nfds;
            info->source = src[k];
            err = read_one(p, pfd[k].fd, buf, info, &hops);
            if (err == TIP_PORT_POSIX_TIMEOUT)
                continue;
            if (k != p->rr % nfds)
                p->rr_burst = 0;
            p->rr = k;
            if (++p->rr_burst >= TIP_PORT_POSIX_BURST) {
                p->rr = k + 1;
                p->rr_burst = 0;
            }
            break;
        }
        if (i == nfds)
            return TIP_PORT_POSIX_TIMEOUT;
        goto got_one;
    }
    do {
        r = poll(pfd, nfds, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return tip_px_fail(p, TIP_ERR_PORT, "poll");
    if (r == 0)
        return TIP_PORT_POSIX_TIMEOUT;
    /* Serve ready sockets round robin, so that a flood on one cannot starve
     * the others. */
    for (i = 0; i < nfds; i++) {
        unsigned k = (p->rr + i) % nfds;

        if (!(pfd[k].revents & (POLLIN | POLLERR)))
            continue;
        p->rr = k + 1;
        p->rr_burst = 0;
        info->source = src[k];
        err = read_one(p, pfd[k].fd, buf, info, &hops);
        break;
    }
    if (i == nfds)
        return TIP_PORT_POSIX_TIMEOUT;
got_one:
    if (err != TIP_OK)
        return err;
    return tip_px_dispatch(p, ctx, buf, info, hops);
}

/*
 * Hand a datagram read from socket info->source to the core (NULL: only
 * complete @p info and return TIP_PORT_POSIX_RAW). @p hops: the hop limit
 * of a raw IPv6 datagram.
 */
int tip_px_dispatch(tip_port_posix_t *p, tip_ctx_t *ctx, tip_buf_t *buf,
                    tip_port_posix_rx_info_t *info, int hops)
{
    switch (info->source) {
    case TIP_PORT_POSIX_SRC_NATT:
    case TIP_PORT_POSIX_SRC_IKE:
        info->dport = info->source == TIP_PORT_POSIX_SRC_IKE ? p->ike_port : p->natt_port;
        if (info->dst.family == TIP_AF_NONE)
            info->dst = p->local; /* no PKTINFO: the bound address */
        if (ctx == NULL)
            return TIP_PORT_POSIX_RAW;
        if (info->source == TIP_PORT_POSIX_SRC_IKE)
            return TIP_RX_IKE; /* port 500 carries IKE only, no marker (RFC 7296 2) */
        return tip_input_udp(ctx, &info->src, info->sport, &info->dst, info->dport, buf);
    case TIP_PORT_POSIX_SRC_RAW4:
        /* raw(7): IPv4 packets arrive with their header. */
        if (buf->len >= 20) {
            memset(&info->dst, 0, sizeof(info->dst));
            info->dst.family = TIP_AF_INET;
            memcpy(info->dst.addr, buf->base + buf->off + 16, 4);
        }
        return ctx == NULL ? TIP_PORT_POSIX_RAW : tip_input_ip(ctx, buf);
    case TIP_PORT_POSIX_SRC_RAW6: {
        uint8_t *h;

        /* Rebuild the 40-byte header the kernel stripped, in the headroom
         * (TIP_ESP_HEADROOM >= 40), so the core sees a whole packet. */
        if (buf->len > 0xFFFF || info->dst.family != TIP_AF_INET6 ||
            info->src.family != TIP_AF_INET6)
            return TIP_ERR_MALFORMED;
        buf->off -= 40;
        buf->len += 40;
        h = buf->base + buf->off;
        memset(h, 0, 40);
        h[0] = 0x60;
        h[4] = (uint8_t)((buf->len - 40) >> 8);
        h[5] = (uint8_t)(buf->len - 40);
        h[6] = ESP_PROTO;
        h[7] = (uint8_t)hops;
        memcpy(h + 8, info->src.addr, 16);
        memcpy(h + 24, info->dst.addr, 16);
        return ctx == NULL ? TIP_PORT_POSIX_RAW : tip_input_ip(ctx, buf);
    }
    default:
        return TIP_ERR_INTERNAL;
    }
}

/* ---- TUN -------------------------------------------------------------- */

static int tun_open(const char *name, short flags, int *fd, char *ifname, size_t ifname_len)
{
    struct ifreq ifr;
    int t;

    /* The kernel picks the name: only a buffer of IFNAMSIZ always holds it. */
    if (fd == NULL || (name != NULL && strlen(name) >= IFNAMSIZ) ||
        (ifname != NULL && ifname_len < IFNAMSIZ))
        return TIP_ERR_ARG;
    *fd = -1;
    t = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (t < 0)
        return TIP_ERR_PORT;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = flags;
    if (name != NULL)
        memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(t, TUNSETIFF, &ifr) != 0) {
        int e = errno;

        close(t);
        errno = e;
        return TIP_ERR_PORT;
    }
    if (ifname != NULL)
        (void)snprintf(ifname, ifname_len, "%s", ifr.ifr_name); /* fits (checked above) */
    *fd = t;
    return TIP_OK;
}

int tip_port_posix_tun_open(const char *name, int *fd, char *ifname, size_t ifname_len)
{
    return tun_open(name, IFF_TUN | IFF_NO_PI, fd, ifname, ifname_len);
}

/* linux/if_tun.h of Linux 6.2 and later */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

int tip_port_posix_tun_open_offload(const char *name, int *fd, char *ifname, size_t ifname_len,
                                    unsigned *features)
{
    static const unsigned tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    int err;

    if (features == NULL)
        return TIP_ERR_ARG;
    *features = 0;
    err = tun_open(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, fd, ifname, ifname_len);
    if (err == TIP_ERR_ARG)
        return err;
    if (err != TIP_OK) /* a kernel without IFF_VNET_HDR: a plain device */
        return tip_port_posix_tun_open(name, fd, ifname, ifname_len);
    *features = TIP_PORT_POSIX_TUN_VNET;
    /* Offered from the most to the least: the kernel refuses flags it lacks. */
    if (ioctl(*fd, TUNSETOFFLOAD, (unsigned long)(tso | TUN_F_USO4 | TUN_F_USO6)) == 0)
        *features |= TIP_PORT_POSIX_TUN_TSO | TIP_PORT_POSIX_TUN_USO;
    else if (ioctl(*fd, TUNSETOFFLOAD, (unsigned long)tso) == 0)
        *features |= TIP_PORT_POSIX_TUN_TSO;
    return TIP_OK;
}

int tip_port_posix_fds(const tip_port_posix_t *p, int *fds, int max)
{
    const int all[4] = {p->fd_natt, p->fd_ike, p->fd_raw4, p->fd_raw6};
    int i, n = 0;

    for (i = 0; i < 4; i++) {
        if (all[i] < 0)
            continue;
        if (n < max)
            fds[n] = all[i];
        n++;
    }
    return n;
}
