/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The example firmware on the Arm MPS2 AN386 board as QEMU emulates it
 * (Cortex-M4F, LAN9118 Ethernet): lwIP over the LAN9118, the echo services,
 * and the on-target measurements. Settings come from the semihosting
 * command line (qemu ... -append "ip=10.0.0.2/24 gw=10.0.0.1 run=30"):
 *
 *   ip=A.B.C.D/N   address and prefix (default 10.9.0.2/24)
 *   gw=A.B.C.D     default gateway (default: none)
 *   run=S          stop after S seconds (default 0: forever)
 *   measure=1      run app_measure() first and print the figures
 *   icount=1       QEMU runs with -icount shift=0: print instruction counts
 *   net=0          no network (with measure=1: measure and stop)
 *   ike=1          IKEv2 initiator (src/app_ike.c) with these settings:
 *     peer=A.B.C.D   the gateway's outer address
 *     tun=A.B.C.D/N  the tunnel netif's address; its subnet is our selector
 *     remote=A.B.C.D/N  the network behind the gateway (remote selector)
 *     echo=A.B.C.D   a host there with UDP and TCP echo on port 7
 *     count=N        UDP datagrams to send through the tunnel (default 20)
 *     rekey=1        rekey the CHILD SA half-way through them
 *     tcp=1          one TCP echo exchange too
 *     encap=1        ESP in UDP (port 4500) even without a NAT
 *   The run stops when all that is done (or after run= seconds) and prints
 *   "ike: result: PASS" when every datagram came back intact, the rekey
 *   happened and the TCP exchange worked.
 *
 * Output (status lines, figures) goes to the host through semihosting.
 * The exit status is 0 when everything asked for worked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "board_rt.h"
#include "lan9118_netif.h"

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/sha256.h"
#include "netif/ethernet.h"
#include "app_ike.h"

/* APP_WITH_IKE: built with tinyipsec's lwIP port (scripts/firmware.mk) */
#if !defined(APP_WITH_IKE)
#define APP_WITH_IKE 0
#endif

/* ---- time: SysTick at 1 kHz from the 25 MHz CPU clock ------------------------ */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define BOARD_CPU_HZ 25000000u

static volatile uint32_t ticks_ms;

void SysTick_Handler(void)
{
    ticks_ms++;
}

uint32_t board_now_ms(void)
{
    return ticks_ms;
}

uint32_t sys_now(void)
{
    return ticks_ms;
}

/* ---- randomness ------------------------------------------------------------------
 * The emulated board has no random number generator. This is a hash of the
 * host's time, QEMU's virtual clock and a counter: good enough for nonces
 * and keys in an emulator test, NOT for a device. A real board must use its
 * hardware RNG (the STM32 example uses the RNG peripheral). */
static uint8_t rng_state[32];
static uint32_t rng_counter;

static void rng_seed(void)
{
    struct {
        uint32_t host_clock, ticks, sp, lan_free_run;
    } s;

    s.host_clock = board_elapsed_ms();
    s.ticks = SYST_CVR;
    s.sp = board_stack_sp();
    s.lan_free_run = *(volatile uint32_t *)(LAN9118_BASE + 0x9Cu); /* FREE_RUN */
    (void)mbedtls_sha256((const unsigned char *)&s, sizeof(s), rng_state, 0);
}

int board_random(uint8_t *out, size_t len)
{
    while (len > 0) {
        uint8_t in[36], block[32];
        size_t n = len < 16 ? len : 16;

        memcpy(in, rng_state, 32);
        memcpy(in + 32, &rng_counter, 4);
        rng_counter++;
        if (mbedtls_sha256(in, sizeof(in), block, 0) != 0)
            return -1;
        /* first half is output, second half the next state */
        memcpy(out, block, n);
        memcpy(rng_state, block + 16, 16);
        memcpy(rng_state + 16, block, 16);
        rng_state[0] ^= (uint8_t)SYST_CVR;
        out += n;
        len -= n;
    }
    return 0;
}

/* ---- the Mbed TLS arena ------------------------------------------------------------ */
#ifndef APP_MBEDTLS_ARENA
#define APP_MBEDTLS_ARENA (16 * 1024)
#endif
static unsigned char mbedtls_arena[APP_MBEDTLS_ARENA] __attribute__((aligned(8)));

/* ---- command line ---------------------------------------------------------------- */
typedef struct {
    ip4_addr_t ip, mask, gw;
    unsigned run_s;
    int measure;
    int icount;
    int net;
    int ike;
    app_ike_cfg_t ike_cfg;
} settings_t;

static void parse_prefix(char *text, ip4_addr_t *addr, ip4_addr_t *mask)
{
    char *slash = strchr(text, '/');

    if (slash != NULL) {
        unsigned n = (unsigned)atoi(slash + 1);
        *slash = '\0';
        mask->addr = n == 0 ? 0 : lwip_htonl(0xFFFFFFFFu << (32u - (n > 32 ? 32 : n)));
    }
    (void)ip4addr_aton(text, addr);
}

static void cmdline(settings_t *st)
{
    static char buf[256];
    char *tok, *end;

    IP4_ADDR(&st->ip, 10, 9, 0, 2);
    IP4_ADDR(&st->mask, 255, 255, 255, 0);
    ip4_addr_set_zero(&st->gw);
    st->run_s = 0;
    st->measure = 0;
    st->icount = 0;
    st->net = 1;
    st->ike = 0;
    memset(&st->ike_cfg, 0, sizeof(st->ike_cfg));
    st->ike_cfg.psk = "tinyipsec firmware end-to-end test key";
    st->ike_cfg.local_id = "dev.test";
    st->ike_cfg.remote_id = "gw.test";
    st->ike_cfg.udp_count = 20;
    IP4_ADDR(&st->ike_cfg.tun_mask, 255, 255, 255, 0);
    IP4_ADDR(&st->ike_cfg.remote_mask, 255, 255, 255, 0);
    if (board_semihost_cmdline(buf, sizeof(buf)) != 0)
        return;
    for (tok = buf; *tok != '\0'; tok = end) {
        while (*tok == ' ')
            tok++;
        end = tok + strcspn(tok, " ");
        if (*end != '\0')
            *end++ = '\0';
        if (strncmp(tok, "ip=", 3) == 0) {
            parse_prefix(tok + 3, &st->ip, &st->mask);
        } else if (strncmp(tok, "ike=", 4) == 0) {
            st->ike = atoi(tok + 4);
        } else if (strncmp(tok, "peer=", 5) == 0) {
            (void)ip4addr_aton(tok + 5, &st->ike_cfg.gateway);
        } else if (strncmp(tok, "tun=", 4) == 0) {
            parse_prefix(tok + 4, &st->ike_cfg.tun_ip, &st->ike_cfg.tun_mask);
        } else if (strncmp(tok, "remote=", 7) == 0) {
            parse_prefix(tok + 7, &st->ike_cfg.remote_net, &st->ike_cfg.remote_mask);
        } else if (strncmp(tok, "echo=", 5) == 0) {
            (void)ip4addr_aton(tok + 5, &st->ike_cfg.echo_host);
        } else if (strncmp(tok, "count=", 6) == 0) {
            st->ike_cfg.udp_count = (uint32_t)atoi(tok + 6);
        } else if (strncmp(tok, "rekey=", 6) == 0) {
            st->ike_cfg.rekey = (uint8_t)atoi(tok + 6);
        } else if (strncmp(tok, "tcp=", 4) == 0) {
            st->ike_cfg.tcp = (uint8_t)atoi(tok + 4);
        } else if (strncmp(tok, "encap=", 6) == 0) {
            st->ike_cfg.force_encap = (uint8_t)atoi(tok + 6);
        } else if (strncmp(tok, "gw=", 3) == 0) {
            (void)ip4addr_aton(tok + 3, &st->gw);
        } else if (strncmp(tok, "run=", 4) == 0) {
            st->run_s = (unsigned)atoi(tok + 4);
        } else if (strncmp(tok, "measure=", 8) == 0) {
            st->measure = atoi(tok + 8);
        } else if (strncmp(tok, "icount=", 7) == 0) {
            st->icount = atoi(tok + 7);
        } else if (strncmp(tok, "net=", 4) == 0) {
            st->net = atoi(tok + 4);
        }
    }
}

int main(void)
{
    static struct netif eth;
    settings_t st;
    int rc = 0;

    SYST_RVR = BOARD_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* CPU clock, interrupt, enable */
    setvbuf(stdout, NULL, _IONBF, 0);
    mbedtls_memory_buffer_alloc_init(mbedtls_arena, sizeof(mbedtls_arena));
    rng_seed();
    cmdline(&st);
    printf("firmware: mps2-an386 (Cortex-M4F), lwIP %s, Mbed TLS arena %u B, stack %u B\n",
           LWIP_VERSION_STRING, (unsigned)sizeof(mbedtls_arena), (unsigned)board_stack_size());

    if (st.measure && app_measure(st.icount) != 0)
        rc = 1;
    if (!st.net)
        return rc;

    lwip_init();
    if (netif_add(&eth, &st.ip, &st.mask, &st.gw, NULL, lan9118_netif_init, ethernet_input) == NULL) {
        printf("firmware: no LAN9118\n");
        return 2;
    }
    netif_set_default(&eth);
    netif_set_up(&eth);
    app_echo_init();
    printf("firmware: up, %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", ip4addr_ntoa(&st.ip),
           eth.hwaddr[0], eth.hwaddr[1], eth.hwaddr[2], eth.hwaddr[3], eth.hwaddr[4], eth.hwaddr[5]);
    if (st.ike && (!APP_WITH_IKE || app_ike_start(&eth, &st.ike_cfg) != 0)) {
        printf("firmware: ike=1: %s\n", APP_WITH_IKE ? "the tunnel did not start" : "built without port/lwip");
        return 3;
    }

    for (;;) {
        (void)lan9118_netif_poll(&eth);
        sys_check_timeouts();
#if APP_WITH_IKE
        if (st.ike) {
            app_ike_poll();
            if (app_ike_done())
                break;
        }
#endif
        if (st.run_s != 0 && board_now_ms() >= st.run_s * 1000u)
            break;
    }
    printf("firmware: stop after %lu ms: %lu echoes, %lu frames dropped\n",
           (unsigned long)board_now_ms(), app_echo_count(), lan9118_netif_drops());
#if APP_WITH_IKE
    if (st.ike) {
        const app_ike_stats_t *k = app_ike_stats();
        int pass = k->udp_replies == st.ike_cfg.udp_count && k->udp_bad == 0 &&
                   (!st.ike_cfg.rekey || k->child_rekeyed > 0) && (!st.ike_cfg.tcp || k->tcp_ok) &&
                   k->failed == 0;

        printf("ike: CHILD SA up %lu, rekeyed %lu; UDP %lu sent, %lu came back intact, %lu wrong; "
               "TCP %s\n",
               (unsigned long)k->child_up, (unsigned long)k->child_rekeyed,
               (unsigned long)k->udp_sent, (unsigned long)k->udp_replies, (unsigned long)k->udp_bad,
               !st.ike_cfg.tcp ? "not asked" : k->tcp_ok ? "echo intact" : "FAILED");
        app_ike_report();
        printf("ike: result: %s\n", pass ? "PASS" : "FAIL");
        if (!pass)
            rc = 4;
    }
#endif
    return rc;
}
