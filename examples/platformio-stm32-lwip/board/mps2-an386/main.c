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
} settings_t;

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
    if (board_semihost_cmdline(buf, sizeof(buf)) != 0)
        return;
    for (tok = buf; *tok != '\0'; tok = end) {
        while (*tok == ' ')
            tok++;
        end = tok + strcspn(tok, " ");
        if (*end != '\0')
            *end++ = '\0';
        if (strncmp(tok, "ip=", 3) == 0) {
            char *slash = strchr(tok + 3, '/');
            if (slash != NULL) {
                unsigned n = (unsigned)atoi(slash + 1);
                *slash = '\0';
                st->mask.addr = n == 0 ? 0 : lwip_htonl(0xFFFFFFFFu << (32u - (n > 32 ? 32 : n)));
            }
            (void)ip4addr_aton(tok + 3, &st->ip);
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

    for (;;) {
        (void)lan9118_netif_poll(&eth);
        sys_check_timeouts();
        if (st.run_s != 0 && board_now_ms() >= st.run_s * 1000u)
            break;
    }
    printf("firmware: stop after %u s: %lu echoes, %lu frames dropped\n", st.run_s,
           app_echo_count(), lan9118_netif_drops());
    return rc;
}
