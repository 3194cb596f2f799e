/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * One side of the lwIP integration tests: an lwIP stack with a link netif
 * on the in-memory link (192.0.2.1 or .2), tinyipsec through port/lwip, a
 * tunnel netif (10.1.0.1 or 10.2.0.1, /8, routed into the tunnel) and an
 * IKEv2 connection protecting 10.1.0.0/16 <-> 10.2.0.0/16. Counts what
 * crosses the link so the test can prove no inner packet leaked in clear.
 */
#ifndef TL_GW_H
#define TL_GW_H

#include "lwip/netif.h"

#include "tip_port_lwip.h"

/** Side A initiates; side B responds. */
enum { TL_SIDE_A = 0, TL_SIDE_B = 1 };

/** tl_gw_start() flags. */
#define TL_PLAIN_ESP 1 /**< plain ESP (protocol 50) instead of ESP-in-UDP */
#define TL_POLICY 2    /**< policy-based: no tunnel netif, the link netif under the SPD, transport mode */
#define TL_V6 4        /**< IPv6 outside (2001:db8::1, ::2) and inside (fd01::/64, fd02::/64); needs LWIP_IPV6 */

typedef struct {
    int side;
    int fd;                 /**< this side's end of the link */
    struct netif link;
    struct netif tun;
    tip_lwip_t port;
    tip_ctx_t ctx;
    tip_handle_t conn;
    volatile int ike_up;
    volatile int child_up;
    /* what this side sent on the link */
    unsigned ike;           /**< IKE messages (UDP 500, or 4500 with the non-ESP marker) */
    unsigned esp_udp;       /**< ESP-in-UDP */
    unsigned esp;           /**< plain ESP (protocol 50), fragments counted once */
    unsigned frags;         /**< IP fragments (IPv4, or IPv6 fragment headers) */
    unsigned clear;         /**< anything else: an inner packet in clear would land here */
} tl_gw_t;

/**
 * Set up side @p side on link descriptor @p fd: link netif with MTU
 * @p link_mtu, the port, the tunnel netif (input @p input: netif_input with
 * NO_SYS, tcpip_input with tcpip_thread) and a tunnel-mode connection
 * between the inner networks; or with TL_POLICY the link netif under the
 * SPD and a transport-mode connection between the link addresses. ESP in
 * UDP, or plain ESP with TL_PLAIN_ESP. With the core lock held. 0 or -1.
 */
int tl_gw_start(tl_gw_t *g, int side, int fd, int flags, uint16_t link_mtu, netif_input_fn input);

/** Feed one packet read from the link into lwIP (from any thread in OS mode). */
void tl_gw_link_input(tl_gw_t *g, const void *pkt, size_t len);

#endif /* TL_GW_H */
