/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: noticing that this host's own address changed, so that the
 * IKE SA can follow it with MOBIKE (RFC 4555, tip_ike_update_address()).
 *
 * The question asked is the kernel's: "from which address would a datagram
 * to the peer leave now?" A UDP socket connect()ed to the peer answers it
 * with getsockname() (a route lookup; nothing is sent). It is asked when
 * rtnetlink reports an address, route or link change, and every
 * GW_ADDR_PROBE_MS while a MOBIKE IKE SA is up (in case a netlink message
 * was lost). When the answer differs from the IKE SA's address
 * (tip_ike_status_t.local_addr), the library is told.
 */
#ifndef GW_ADDR_WATCH_H
#define GW_ADDR_WATCH_H

#include <stdint.h>

#include "tinyipsec/tinyipsec.h"

#define GW_ADDR_PROBE_MS 5000u /* the periodic probe, besides netlink's reports */

typedef struct {
    int nl_fd;           /* rtnetlink socket (address, route, link changes), -1: none */
    uint64_t probe_at;   /* the next periodic probe (0: not armed) */
    int change_seen;     /* netlink reported a change: probe at once */
    tip_addr_t reported; /* the last address announced as refused (printed once) */
} gw_addr_watch_t;

/**
 * The source address the kernel would use now for a datagram to @p peer,
 * UDP port @p port, into @p src. Returns 0, or -1 with errno set (e.g.
 * ENETUNREACH: no route at all at the moment).
 */
int gw_route_source(const tip_addr_t *peer, uint16_t port, tip_addr_t *src);

/**
 * Open the rtnetlink socket (groups: IPv4 and IPv6 addresses and routes,
 * links). Returns 0, or -1 with errno set; the watch then works with the
 * periodic probe alone.
 */
int gw_addr_watch_open(gw_addr_watch_t *w);

/** Close the netlink socket (safe to call twice). */
void gw_addr_watch_close(gw_addr_watch_t *w);

/** Read every pending netlink message; any of them (or an overflow) asks for a probe. */
void gw_addr_watch_drain(gw_addr_watch_t *w);

/**
 * Start the periodic probe (an IKE SA came up, was rekeyed or moved); it
 * stops by itself at a probe that finds no MOBIKE IKE SA.
 */
void gw_addr_watch_arm(gw_addr_watch_t *w, uint64_t now);

/** What gw_addr_watch_check() found. */
typedef enum {
    GW_ADDR_IDLE = 0,    /* nothing due, or no MOBIKE IKE SA to move */
    GW_ADDR_SAME,        /* probed: the IKE SA's address is still the right one */
    GW_ADDR_NO_ROUTE,    /* probed: no route to the peer right now (wait for one) */
    GW_ADDR_UPDATED,     /* tip_ike_update_address() took the new address */
    GW_ADDR_REFUSED      /* the library refused (printed once per address) */
} gw_addr_result_t;

/**
 * When a probe is due (a netlink report, or the armed periodic time @p now
 * has come; otherwise nothing is looked at), compare the kernel's source address toward the peer with the IKE
 * SA's, and on a difference call tip_ike_update_address() and print one
 * line ("ADDRESS conn N: ..."). Probes only while connection @p conn has
 * an established IKE SA on which both sides announced MOBIKE.
 */
gw_addr_result_t gw_addr_watch_check(gw_addr_watch_t *w, tip_ctx_t *ctx, tip_handle_t conn,
                                     uint64_t now);

/** The time of the next periodic probe (0: none), for the poll() timeout. */
uint64_t gw_addr_watch_deadline(const gw_addr_watch_t *w);

#endif /* GW_ADDR_WATCH_H */
