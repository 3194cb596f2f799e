/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP with NO_SYS=1 (super-loop, raw API) and tinyipsec through
 * port/lwip, two stacks joined by the in-memory link: IKEv2 between them,
 * then UDP and TCP echo through the tunnel netifs.
 *
 * lwIP keeps its state in globals, so each stack runs in its own process
 * (forked from the test), joined by a socketpair; the test process itself
 * runs no lwIP. Each side's super-loop sleeps until the next lwIP timeout
 * (sys_timeouts_sleeptime(), which includes tip_poll()'s deadline) or a
 * packet. Side A exits with a code that says which check failed.
 *
 * Cases: ESP-in-UDP (RFC 3948, forced); plain ESP (protocol 50, received
 * through LWIP_HOOK_IP4_INPUT) over a link with a 1000-byte MTU, so that
 * full-size tunnel packets are fragmented on the link and reach tinyipsec
 * after lwIP reassembled them; policy-based (no tunnel netif: the link
 * netif under the SPD, transport mode between the link addresses, plain
 * ESP), where a datagram A slips onto the link in clear must not reach B's
 * echo server.
 *
 * Built a second time as test_lwip_nosys6 (TL_IPV6, lwIP with IPv6 on,
 * nosys6/lwipopts.h): the same cases with IPv6 outside and inside the
 * tunnel; plain ESP then arrives through LWIP_HOOK_IP6_INPUT, and over a
 * 1280-byte link as IPv6 fragments that lwIP reassembles before the port
 * takes them from its raw pcb.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"

#include "tl_apps.h"
#include "tl_gw.h"
#include "tl_link.h"

/* tip-requires: TIP_CONF_IKEV2 TIP_CONF_NATT TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER */

#define TCP_TOTAL (200u * 1024u)
#define UDP_COUNT 24u

static tl_gw_t gw;
static int peer_closed;
static uint8_t pkt[2048];

/* The super-loop: one packet or one timeout per turn, until done() or max_ms. */
static int run_until(int (*done)(void), uint32_t max_ms)
{
    uint64_t end = tl_now_ms() + max_ms;

    while (!done()) {
        uint64_t now = tl_now_ms();
        u32_t sleep = sys_timeouts_sleeptime();
        long n;
        int wait;

        if (now >= end || peer_closed)
            return done();
        wait = sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE || sleep > end - now ? (int)(end - now)
                                                                             : (int)sleep;
        n = tl_link_recv(gw.fd, pkt, sizeof(pkt), wait);
        if (n > 0)
            tl_gw_link_input(&gw, pkt, (size_t)n);
        else if (n == 0 || n == -1)
            peer_closed = 1;
        sys_check_timeouts();
    }
    return 1;
}

static int never(void)
{
    return 0;
}

static int child_up(void)
{
    return gw.child_up > 0;
}

static int udp_done(void)
{
    unsigned bad;
    return tl_udp_echoes(&bad) + bad >= UDP_COUNT;
}

static int tcp_done(void)
{
    int bad;
    return tl_tcp_echoed(&bad) >= TCP_TOTAL || bad;
}

static int side_b(int fd, int flags, uint16_t mtu)
{
    lwip_init();
    if (tl_gw_start(&gw, TL_SIDE_B, fd, flags, mtu, netif_input) != 0 || tl_echo_start() != 0)
        return 10;
    (void)run_until(never, 60000); /* until A closes the link */
    fprintf(stderr, "side B: echoed %u datagrams, %zu TCP bytes; sent %u IKE, %u ESP-in-UDP, "
            "%u ESP, %u fragments, %u other; port: %u in place, %u copied, %u refused\n",
            tl_echo_udp_count(), tl_echo_tcp_bytes(), gw.ike, gw.esp_udp, gw.esp, gw.frags,
            gw.clear, (unsigned)gw.port.in_place, (unsigned)gw.port.copies,
            (unsigned)gw.port.rx_dropped);
    if (gw.child_up == 0)
        return 11;
    if (tl_echo_udp_count() != UDP_COUNT)
        return 19; /* one more: the datagram sent in clear got through */
    return gw.clear == 0 ? 0 : 16;
}

#ifndef TL_IPV6
#define TL_IPV6 0
#endif
#define TL_FAMILY (TL_IPV6 ? TL_V6 : 0)

/* A UDP datagram 192.0.2.1:5555 -> 192.0.2.2:7 (or 2001:db8::1 ->
 * 2001:db8::2), put on the link in clear. */
static void send_clear(void)
{
#if TL_IPV6
    uint8_t p[53];
    size_t k;
    u32_t sum;

    memset(p, 0, sizeof(p));
    p[0] = 0x60, p[5] = sizeof(p) - 40, p[6] = 17, p[7] = 64;
    p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
    p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
    p[40] = 5555 >> 8, p[41] = 5555 & 0xFF, p[43] = 7, p[45] = sizeof(p) - 40;
    memcpy(p + 48, "clear", 5);
    /* RFC 8200 8.1: the UDP checksum over the pseudo-header is mandatory */
    sum = 17u + (sizeof(p) - 40u) ;
    for (k = 8; k < sizeof(p); k += 2)
        sum += (u32_t)p[k] << 8 | (k + 1 < sizeof(p) ? p[k + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    sum = ~sum & 0xFFFF;
    p[46] = (uint8_t)(sum >> 8), p[47] = (uint8_t)sum;
    (void)tl_link_send(gw.fd, p, sizeof(p));
    return;
#else
    uint8_t p[33];
    u16_t c;

    memset(p, 0, sizeof(p));
    p[0] = 0x45, p[3] = sizeof(p), p[8] = 64, p[9] = 17;
    p[12] = 192, p[13] = 0, p[14] = 2, p[15] = 1;
    p[16] = 192, p[17] = 0, p[18] = 2, p[19] = 2;
    c = inet_chksum(p, 20);
    memcpy(p + 10, &c, 2);
    p[20] = 5555 >> 8, p[21] = 5555 & 0xFF, p[23] = 7, p[25] = 13;
    memcpy(p + 28, "clear", 5);
    (void)tl_link_send(gw.fd, p, sizeof(p));
#endif
}

static int side_a(int fd, int flags, uint16_t mtu)
{
    int plain_esp = (flags & TL_PLAIN_ESP) != 0;
    unsigned i, ubad;
    int tbad;
    size_t got;

    lwip_init();
    if (flags & TL_POLICY) /* transport mode between the link addresses */
        tl_apps_peer(TL_IPV6 ? "2001:db8::2" : "192.0.2.2");
    else if (TL_IPV6)
        tl_apps_peer("fd02::1");
    if (tl_gw_start(&gw, TL_SIDE_A, fd, flags, mtu, netif_input) != 0)
        return 10;
    if (tip_ike_initiate(&gw.ctx, gw.conn) != TIP_OK)
        return 10;
    tip_lwip_kick(&gw.port);
    if (!run_until(child_up, 20000)) {
        fprintf(stderr, "side A: no CHILD SA\n");
        return 11;
    }
    for (i = 0; i < UDP_COUNT; i++) {
        if (tl_udp_send(i) != 0)
            return 12;
        (void)run_until(never, 5); /* let the echo come back before the next one */
    }
    (void)run_until(udp_done, 10000);
    i = tl_udp_echoes(&ubad);
    fprintf(stderr, "side A: %u of %u UDP echoes intact, %u corrupted; sent %u IKE, %u ESP-in-UDP, "
            "%u ESP, %u fragments\n", i, UDP_COUNT, ubad, gw.ike, gw.esp_udp, gw.esp, gw.frags);
    if (i != UDP_COUNT)
        return ubad != 0 ? 13 : 12;
    if (flags & TL_POLICY)
        send_clear(); /* B must drop it: its SPD protects all traffic from A */

    if (tl_tcp_start(TCP_TOTAL) != 0)
        return 14;
    (void)run_until(tcp_done, 30000);
    got = tl_tcp_echoed(&tbad);
    fprintf(stderr, "side A: %zu of %u TCP bytes echoed%s\n", got, TCP_TOTAL,
            tbad ? ", corrupted or reset" : "");
    tl_tcp_close();
    (void)run_until(never, 50);
    fprintf(stderr, "side A: sent %u IKE, %u ESP-in-UDP, %u ESP, %u fragments, %u other; "
            "port: %u in place, %u copied, %u refused; out: %u in place, %u copied\n", gw.ike,
            gw.esp_udp, gw.esp, gw.frags, gw.clear, (unsigned)gw.port.in_place,
            (unsigned)gw.port.copies, (unsigned)gw.port.rx_dropped,
            (unsigned)gw.port.tx_in_place, (unsigned)gw.port.tx_copies);
    if (tbad)
        return 15;
    if (got != TCP_TOTAL)
        return 14;
    if (gw.clear != 0)
        return 16;
    if (plain_esp ? (gw.esp == 0 || gw.esp_udp != 0 || (mtu < 1400 && gw.frags == 0))
                  : gw.esp_udp == 0)
        return 17;
    /* The tunnel's MTU (1400) leaves room for ESP on a 1500-byte link: the
     * tunnel netif, not the link, fragments what is larger */
    if (mtu >= 1500 && gw.frags != 0)
        return 20;
    /* ESP-in-UDP arrives in one pool pbuf with its headers in front:
     * decrypted where it lies, not copied */
    if (!plain_esp && gw.port.in_place == 0)
        return 18;
    /* Outbound: a datagram in one PBUF_POOL pbuf (PBUF_LINK_ENCAPSULATION_HLEN
     * in front, the pool buffer's rest behind) is protected where it lies,
     * unless the tunnel netif fragments it (IPv6 run); only those are; a
     * chain, PBUF_RAM (TCP too: its tailroom is unknown) are copied once. */
    {
        unsigned pool = 0, small = 0, chains = 0;
        for (i = 0; i < UDP_COUNT; i++) {
            if (tl_udp_kind(i) == TL_PBUF_POOL) {
                pool++;
                small += tl_udp_len(i) < 576;
            }
            chains += tl_udp_kind(i) == TL_PBUF_CHAIN;
        }
        if (gw.port.tx_in_place < small || gw.port.tx_in_place > pool ||
            gw.port.tx_copies < chains)
            return 21;
    }
    return 0;
}

static void run_case(int flags, uint16_t mtu)
{
    int fd[2], pa, pb, sa, sb;

    assert_int_equal(tl_link_pair(fd), 0);
    pb = tl_fork();
    assert_true(pb >= 0);
    if (pb == 0) {
        tl_link_close(fd[0]);
        tl_exit(side_b(fd[1], flags, mtu));
    }
    pa = tl_fork();
    assert_true(pa >= 0);
    if (pa == 0) {
        tl_link_close(fd[1]);
        tl_exit(side_a(fd[0], flags, mtu));
    }
    tl_link_close(fd[0]);
    tl_link_close(fd[1]);
    sa = tl_wait(pa, 120);
    sb = tl_wait(pb, 10);
    assert_int_equal(sa, 0);
    assert_int_equal(sb, 0);
}

static void test_lwip_nosys_esp_in_udp(void **state)
{
    (void)state;
    run_case(TL_FAMILY, 1500);
}

/* IPv6's minimum MTU, 1280 (RFC 8200 5), fragments full-size tunnel packets
 * as surely as IPv4's 1000-byte link. */
static void test_lwip_nosys_plain_esp_fragmented(void **state)
{
    (void)state;
    run_case(TL_FAMILY | TL_PLAIN_ESP, TL_IPV6 ? 1280 : 1000);
}

static void test_lwip_nosys_policy_transport(void **state)
{
    (void)state;
    run_case(TL_FAMILY | TL_POLICY | TL_PLAIN_ESP, 1500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lwip_nosys_esp_in_udp),
        cmocka_unit_test(test_lwip_nosys_plain_esp_fragmented),
        cmocka_unit_test(test_lwip_nosys_policy_transport),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
