/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The example firmware on a Nucleo-F429ZI (PlatformIO, framework stm32cube):
 * Ethernet with DHCP through lwIP (NO_SYS=1 super-loop), UDP and TCP echo on
 * port 7, status on the ST-LINK's virtual COM port (115200 8N1). The QEMU
 * build of the same application is board/mps2-an386/main.c.
 */
#include <stdio.h>

#include "app.h"
#include "board_stm32.h"
#include "eth_netif.h"

#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "netif/ethernet.h"

/* Every Mbed TLS allocation comes from here (MBEDTLS_MEMORY_BUFFER_ALLOC_C);
 * 8 KB is enough for one IKE exchange with MODP-2048 (docs/footprint.md). */
static unsigned char mbedtls_arena[8 * 1024] __attribute__((aligned(8)));
static struct netif eth;

static void on_status(struct netif *n)
{
    if (netif_is_up(n) && !ip4_addr_isany_val(*netif_ip4_addr(n)))
        printf("eth: %s (DHCP)\n", ip4addr_ntoa(netif_ip4_addr(n)));
}

int main(void)
{
    uint32_t last = 0;

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
        if (board_now_ms() - last >= 10000u) {
            last = board_now_ms();
            printf("status: link %s, %lu echoes, stack high-water %u B\n",
                   netif_is_link_up(&eth) ? "up" : "down", app_echo_count(),
                   (unsigned)board_stack_high_water());
        }
    }
}
