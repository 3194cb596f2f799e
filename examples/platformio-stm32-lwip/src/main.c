/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The example firmware on a Nucleo-F429ZI (PlatformIO, framework stm32cube):
 * Ethernet with DHCP through lwIP (NO_SYS=1 super-loop), UDP and TCP echo on
 * port 7, status on the ST-LINK's virtual COM port (115200 8N1), and, once
 * DHCP gave an address, an IKEv2 tunnel to the gateway (src/app_ike.c) with
 * UDP datagrams and a TCP exchange through it to APP_ECHO_HOST. The tunnel's
 * settings are the APP_* macros below (override them in platformio.ini's
 * build_flags). The QEMU build of the same application is
 * board/mps2-an386/main.c.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "app_ike.h"
#include "board_stm32.h"
#include "eth_netif.h"

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "netif/ethernet.h"

/* The tunnel (README.md, "Wiring it to a real gateway") */
#ifndef APP_GATEWAY
#define APP_GATEWAY "192.168.1.1"   /* the gateway's address on the LAN */
#endif
#ifndef APP_TUN_ADDR
#define APP_TUN_ADDR "10.2.0.1"     /* the device inside the tunnel (selector 10.2.0.0/24) */
#endif
#ifndef APP_REMOTE_NET
#define APP_REMOTE_NET "10.1.0.0"   /* the network behind the gateway (/24) */
#endif
#ifndef APP_ECHO_HOST
#define APP_ECHO_HOST "10.1.0.10"   /* a host there with UDP/TCP echo on port 7 */
#endif
#ifndef APP_PSK
#define APP_PSK "change-me-to-a-long-random-secret"
#endif
#ifndef APP_ENCAP
#define APP_ENCAP 0                 /* 1: ESP in UDP 4500 (strongSwan with kernel-libipsec) */
#endif

/* Every Mbed TLS allocation comes from here (MBEDTLS_MEMORY_BUFFER_ALLOC_C);
 * 8 KB is enough for one IKE exchange with MODP-2048 (docs/footprint.md). */
static unsigned char mbedtls_arena[8 * 1024] __attribute__((aligned(8)));
static struct netif eth;

static void on_status(struct netif *n)
{
    if (netif_is_up(n) && !ip4_addr_isany_val(*netif_ip4_addr(n)))
        printf("eth: %s (DHCP)\n", ip4addr_ntoa(netif_ip4_addr(n)));
}

static void tunnel_start(void)
{
    app_ike_cfg_t c;

    memset(&c, 0, sizeof(c));
    (void)ip4addr_aton(APP_GATEWAY, &c.gateway);
    (void)ip4addr_aton(APP_TUN_ADDR, &c.tun_ip);
    IP4_ADDR(&c.tun_mask, 255, 255, 255, 0);
    (void)ip4addr_aton(APP_REMOTE_NET, &c.remote_net);
    IP4_ADDR(&c.remote_mask, 255, 255, 255, 0);
    (void)ip4addr_aton(APP_ECHO_HOST, &c.echo_host);
    c.psk = APP_PSK;
    c.local_id = "dev.test";
    c.remote_id = "gw.test";
    c.force_encap = APP_ENCAP;
    c.udp_count = 100;
    c.rekey = 1;
    c.tcp = 1;
    if (app_ike_start(&eth, &c) != 0)
        printf("ike: the tunnel did not start\n");
}

int main(void)
{
    uint32_t last = 0;
    int tunnel = 0;

    setvbuf(stdout, NULL, _IONBF, 0); /* no stdio buffer on the heap */
    if (board_init() != 0)
        for (;;) {
        }
    printf("\ntinyipsec example on Nucleo-F429ZI, lwIP %s\n", LWIP_VERSION_STRING);
    mbedtls_memory_buffer_alloc_init(mbedtls_arena, sizeof(mbedtls_arena));

    lwip_init();
    if (netif_add(&eth, NULL, NULL, NULL, NULL, eth_netif_init, ethernet_input) == NULL) {
        printf("eth: no Ethernet MAC\n");
        for (;;) {
        }
    }
    netif_set_default(&eth);
    netif_set_status_callback(&eth, on_status);
    netif_set_up(&eth);
    (void)dhcp_start(&eth);
    app_echo_init();

    for (;;) {
        eth_netif_poll(&eth);
        sys_check_timeouts();
        if (!tunnel && dhcp_supplied_address(&eth)) {
            tunnel = 1;
            tunnel_start();
        }
        if (tunnel)
            app_ike_poll();
        if (board_now_ms() - last >= 10000u) {
            last = board_now_ms();
            printf("status: link %s, %lu echoes, stack high-water %u B; tunnel: %lu of %lu "
                   "datagrams came back, %lu rekeys\n",
                   netif_is_link_up(&eth) ? "up" : "down", app_echo_count(),
                   (unsigned)board_stack_high_water(), (unsigned long)app_ike_stats()->udp_replies,
                   (unsigned long)app_ike_stats()->udp_sent, (unsigned long)app_ike_stats()->child_rekeyed);
        }
    }
}
