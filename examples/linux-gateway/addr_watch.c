/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: following this host's own address with MOBIKE (see
 * addr_watch.h).
 */
#define _DEFAULT_SOURCE /* struct sockaddr_nl, RTMGRP_* */
#include "addr_watch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int gw_route_source(const tip_addr_t *peer, uint16_t port, tip_addr_t *src)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, rc = -1, saved;

    memset(&ss, 0, sizeof(ss));
    if (peer->family == TIP_AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        memcpy(&sin->sin_addr, peer->addr, 4);
        len = sizeof(*sin);
    } else if (peer->family == TIP_AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        memcpy(&sin6->sin6_addr, peer->addr, 16);
        len = sizeof(*sin6);
    } else {
        errno = EAFNOSUPPORT;
        return -1;
    }
    fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* connect() on a UDP socket is a route lookup: it picks the source
     * address a datagram would leave from, and sends nothing. */
    if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
        len = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
            memset(src, 0, sizeof(*src));
            if (ss.ss_family == AF_INET) {
                src->family = TIP_AF_INET;
                memcpy(src->addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
                rc = 0;
            } else if (ss.ss_family == AF_INET6) {
                src->family = TIP_AF_INET6;
                memcpy(src->addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
                rc = 0;
            }
        }
    }
    saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int gw_addr_watch_open(gw_addr_watch_t *w)
{
    struct sockaddr_nl sa;

    memset(w, 0, sizeof(*w));
    w->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    if (w->nl_fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
                   RTMGRP_IPV6_ROUTE;
    if (bind(w->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int saved = errno;

        close(w->nl_fd);
        w->nl_fd = -1;
        errno = saved;
        return -1;
    }
    return 0;
}

void gw_addr_watch_close(gw_addr_watch_t *w)
{
    if (w->nl_fd >= 0)
        close(w->nl_fd);
    w->nl_fd = -1;
}

void gw_addr_watch_drain(gw_addr_watch_t *w)
{
    static uint8_t buf[8192]; /* what the messages say does not matter: any change asks */
    int i;

    /* bounded: a flood of route changes cannot hold the loop */
    for (i = 0; w->nl_fd >= 0 && i < 64; i++) {
        ssize_t n = recv(w->nl_fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0 || (n < 0 && errno == ENOBUFS)) /* ENOBUFS: messages were lost */
            w->change_seen = 1;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break;
    }
}

void gw_addr_watch_arm(gw_addr_watch_t *w, uint64_t now)
{
    if (w->probe_at == 0)
        w->probe_at = now + GW_ADDR_PROBE_MS;
}

uint64_t gw_addr_watch_deadline(const gw_addr_watch_t *w)
{
    return w->probe_at;
}

static int addr_same(const tip_addr_t *a, const tip_addr_t *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

gw_addr_result_t gw_addr_watch_check(gw_addr_watch_t *w, tip_ctx_t *ctx, tip_handle_t conn,
                                     uint64_t now)
{
    tip_ike_status_t st;
    tip_addr_t src;
    char was[64], now_txt[64], peer[64];
    int err;

    if (!w->change_seen && (w->probe_at == 0 || now < w->probe_at))
        return GW_ADDR_IDLE; /* the common case: two comparisons per wake-up */
    w->change_seen = 0;
    if (tip_ike_status(ctx, conn, &st) != TIP_OK || !st.ike_up || !st.peer_mobike) {
        w->probe_at = 0; /* nothing to move: until the next gw_addr_watch_arm() */
        return GW_ADDR_IDLE;
    }
    w->probe_at = now + GW_ADDR_PROBE_MS;
    if (gw_route_source(&st.peer_addr, st.peer_port, &src) != 0)
        return GW_ADDR_NO_ROUTE; /* e.g. between deleting the old address and the new route */
    if (addr_same(&src, &st.local_addr))
        return GW_ADDR_SAME;
    tip_addr_format(&st.local_addr, was, sizeof(was));
    tip_addr_format(&src, now_txt, sizeof(now_txt));
    tip_addr_format(&st.peer_addr, peer, sizeof(peer));
    err = tip_ike_update_address(ctx, conn, &src);
    if (err == TIP_OK) {
        printf("ADDRESS conn %u: the way to %s now leaves from %s, not %s: "
               "UPDATE_SA_ADDRESSES sent (MOBIKE)\n",
               (unsigned)conn, peer, now_txt, was);
        memset(&w->reported, 0, sizeof(w->reported));
        return GW_ADDR_UPDATED;
    }
    if (!addr_same(&src, &w->reported)) {
        /* both sides announced MOBIKE, so TIP_ERR_UNSUPPORTED means that we
         * answered the IKE SA: RFC 4555 3.5, only the initiator moves it */
        printf("ADDRESS conn %u: the way to %s now leaves from %s, not %s, but the IKE SA "
               "cannot move: %s\n",
               (unsigned)conn, peer, now_txt, was,
               err == TIP_ERR_UNSUPPORTED ? "only the side that started it may (RFC 4555 3.5)"
                                          : tip_strerror(err));
        w->reported = src;
    }
    return GW_ADDR_REFUSED;
}
