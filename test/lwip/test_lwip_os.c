/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP in OS mode (tcpip_thread, the Unix port's threads, core locking)
 * with tinyipsec through port/lwip: two stacks, each in its own process,
 * joined by the in-memory link. IKEv2, then UDP and TCP echo through the
 * tunnel netifs with lwIP's socket API, from application threads.
 *
 * The library is built with TIP_ASSERT_CORE_LOCKED() asserting lwIP's core
 * lock (os/tip_config.h) and lwIP with the Unix port's
 * sys_check_core_locking(): a call into the context without the lock
 * aborts the side, which fails the test. Each side: the main thread sets
 * up under LOCK_TCPIP_CORE() and runs the application; a reader thread
 * feeds the link into tcpip_input(); the port's timer and receive paths
 * run on tcpip_thread.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "tl_gw.h"
#include "tl_link.h"

/* tip-requires: TIP_CONF_IKEV2 TIP_CONF_NATT TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER */

#define TCP_TOTAL (200u * 1024u)
#define TCP_CHUNK 4096u
#define UDP_COUNT 24u

static tl_gw_t gw;
static volatile int peer_closed;
static volatile unsigned echoed_udp;
static volatile size_t echoed_tcp;

static void link_reader(void *arg)
{
    static uint8_t pkt[2048];
    (void)arg;

    while (!peer_closed) {
        long n = tl_link_recv(gw.fd, pkt, sizeof(pkt), 100);
        if (n > 0) {
            /* pbuf_alloc() from this thread: with the core lock */
            LOCK_TCPIP_CORE();
            tl_gw_link_input(&gw, pkt, (size_t)n);
            UNLOCK_TCPIP_CORE();
        } else if (n == 0 || n == -1) {
            peer_closed = 1;
        }
    }
}

static void tcpip_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

static int side_start(int side, int fd, int plain_esp)
{
    sys_sem_t sem;
    int r;

    if (sys_sem_new(&sem, 0) != ERR_OK)
        return -1;
    tcpip_init(tcpip_ready, &sem);
    sys_sem_wait(&sem);
    sys_sem_free(&sem);
    LOCK_TCPIP_CORE();
    r = tl_gw_start(&gw, side, fd, plain_esp, 1500, tcpip_input);
    UNLOCK_TCPIP_CORE();
    if (r != 0)
        return -1;
    sys_thread_new("link", link_reader, NULL, DEFAULT_THREAD_STACKSIZE, DEFAULT_THREAD_PRIO);
    return 0;
}

static struct sockaddr_in echo_addr(void)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = lwip_htons(7);
    a.sin_addr.s_addr = lwip_htonl(0x0A020001u); /* 10.2.0.1 */
    return a;
}

static void set_timeout(int s, int ms)
{
    struct timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    (void)lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* ---- side B: echo servers on sockets -------------------------------------------- */

static void udp_echo(void *arg)
{
    static uint8_t b[2048];
    struct sockaddr_in me, from;
    int s = lwip_socket(AF_INET, SOCK_DGRAM, 0);
    (void)arg;

    memset(&me, 0, sizeof(me));
    me.sin_family = AF_INET;
    me.sin_port = lwip_htons(7);
    if (s < 0 || lwip_bind(s, (struct sockaddr *)&me, sizeof(me)) != 0)
        return;
    set_timeout(s, 100);
    while (!peer_closed) {
        socklen_t fl = sizeof(from);
        int n = lwip_recvfrom(s, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
        if (n > 0 && lwip_sendto(s, b, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
            echoed_udp++;
    }
    lwip_close(s);
}

static void tcp_echo(void *arg)
{
    static uint8_t b[4096];
    struct sockaddr_in me;
    int l = lwip_socket(AF_INET, SOCK_STREAM, 0), c;
    (void)arg;

    memset(&me, 0, sizeof(me));
    me.sin_family = AF_INET;
    me.sin_port = lwip_htons(7);
    if (l < 0 || lwip_bind(l, (struct sockaddr *)&me, sizeof(me)) != 0 || lwip_listen(l, 1) != 0)
        return;
    c = lwip_accept(l, NULL, NULL);
    if (c < 0)
        return;
    for (;;) {
        int n = lwip_recv(c, b, sizeof(b), 0);
        if (n <= 0 || lwip_send(c, b, (size_t)n, 0) != n)
            break;
        echoed_tcp += (size_t)n;
    }
    lwip_close(c);
    lwip_close(l);
}

static int side_b(int fd, int plain_esp)
{
    int i;

    if (side_start(TL_SIDE_B, fd, plain_esp) != 0)
        return 10;
    sys_thread_new("udp-echo", udp_echo, NULL, DEFAULT_THREAD_STACKSIZE, DEFAULT_THREAD_PRIO);
    sys_thread_new("tcp-echo", tcp_echo, NULL, DEFAULT_THREAD_STACKSIZE, DEFAULT_THREAD_PRIO);
    for (i = 0; i < 6000 && !peer_closed; i++) /* until A closes the link */
        sys_msleep(10);
    fprintf(stderr, "side B: echoed %u datagrams, %zu TCP bytes; sent %u IKE, %u ESP-in-UDP, "
            "%u ESP, %u other\n", echoed_udp, (size_t)echoed_tcp, gw.ike, gw.esp_udp, gw.esp,
            gw.clear);
    if (gw.child_up == 0)
        return 11;
    return gw.clear == 0 ? 0 : 16;
}

/* ---- side A: clients ------------------------------------------------------------------ */

static uint8_t stream_byte(size_t k)
{
    return (uint8_t)((k * 131u) ^ (k >> 8));
}

static int udp_client(void)
{
    static uint8_t out[1400], in[2048];
    struct sockaddr_in to = echo_addr();
    unsigned i, good = 0, late = 0;
    int s = lwip_socket(AF_INET, SOCK_DGRAM, 0);

    if (s < 0)
        return -1;
    /* A loaded machine may delay an echo past one wait: an echo that turns
     * up late is told apart by its length (every datagram has its own) and
     * skipped, so a delay is never counted as a loss, and a loss is never
     * hidden: each datagram needs its own intact echo. */
    set_timeout(s, 5000);
    for (i = 0; i < UDP_COUNT; i++) {
        size_t n = 1 + (i * 97u) % 1372u, k;
        int r, waits;
        for (k = 0; k < n; k++)
            out[k] = (uint8_t)(i * 31u + k * 7u + 1u);
        if (lwip_sendto(s, out, n, 0, (struct sockaddr *)&to, sizeof(to)) != (int)n)
            break;
        for (waits = 0; waits < (int)UDP_COUNT; waits++) {
            r = lwip_recv(s, in, sizeof(in), 0);
            if (r == (int)n && memcmp(in, out, n) == 0) {
                good++;
                break;
            }
            if (r < 0 || r == (int)n) {
                fprintf(stderr, "side A: UDP datagram %u (%zu bytes): %s\n", i, n,
                        r < 0 ? "no echo within 5 s" : "echo corrupted");
                break;
            }
            late++; /* an earlier datagram's echo */
        }
    }
    lwip_close(s);
    if (late > 0)
        fprintf(stderr, "side A: %u UDP echoes came after their wait\n", late);
    fprintf(stderr, "side A: %u of %u UDP echoes intact\n", good, UDP_COUNT);
    return good == UDP_COUNT ? 0 : -1;
}

/*
 * Raw-API datagrams from an application thread, with the core lock: the
 * even ones in one PBUF_POOL pbuf (lwIP's headroom in front, the pool
 * buffer's rest behind: protected where they lie), the odd ones a chain of
 * two (copied once). All come back from the socket echo server.
 */
#define RAW_COUNT 8u
static volatile unsigned raw_echoes;

static uint8_t raw_byte(unsigned i, size_t k)
{
    return (uint8_t)(i * 17u + k * 3u);
}

static void raw_rx(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                   u16_t port)
{
    size_t k;
    unsigned i = pbuf_get_at(p, 0), ok = p->tot_len == 200;

    (void)arg;
    (void)pcb;
    (void)addr;
    (void)port;
    for (k = 1; ok && k < 200; k++)
        ok = pbuf_get_at(p, (u16_t)k) == raw_byte(i, k);
    raw_echoes += ok;
    pbuf_free(p);
}

static int raw_udp_client(void)
{
    uint8_t d[200];
    struct udp_pcb *pcb;
    ip_addr_t to;
    unsigned i, in_place, copied;
    uint32_t in0, c0;
    int k, bad = 0;

    IP_ADDR4(&to, 10, 2, 0, 1);
    LOCK_TCPIP_CORE();
    pcb = udp_new();
    if (pcb == NULL || udp_bind(pcb, IP_ADDR_ANY, 0) != ERR_OK) {
        UNLOCK_TCPIP_CORE();
        return -1;
    }
    udp_recv(pcb, raw_rx, NULL);
    in0 = gw.port.tx_in_place;
    c0 = gw.port.tx_copies;
    for (i = 0; i < RAW_COUNT && !bad; i++) {
        struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, i % 2 ? 100 : 200, PBUF_POOL);
        if (p != NULL && i % 2) {
            struct pbuf *t = pbuf_alloc(PBUF_RAW, 100, PBUF_POOL);
            if (t != NULL)
                pbuf_cat(p, t);
            else
                bad = 1;
        }
        for (k = 0; k < (int)sizeof(d); k++)
            d[k] = k == 0 ? (uint8_t)i : raw_byte(i, (size_t)k);
        if (p == NULL || bad || pbuf_take(p, d, sizeof(d)) != ERR_OK ||
            udp_sendto(pcb, p, &to, 7) != ERR_OK)
            bad = 1;
        if (p != NULL)
            pbuf_free(p);
    }
    in_place = (unsigned)(gw.port.tx_in_place - in0);
    copied = (unsigned)(gw.port.tx_copies - c0);
    UNLOCK_TCPIP_CORE();
    for (k = 0; k < 300 && raw_echoes < RAW_COUNT; k++)
        sys_msleep(10);
    LOCK_TCPIP_CORE();
    udp_remove(pcb);
    UNLOCK_TCPIP_CORE();
    fprintf(stderr, "side A: raw API: %u of %u echoes intact; out: %u in place, %u copied\n",
            raw_echoes, RAW_COUNT, in_place, copied);
    return !bad && raw_echoes == RAW_COUNT && in_place == RAW_COUNT / 2 &&
                   copied == RAW_COUNT / 2
               ? 0
               : -1;
}

static int tcp_client(void)
{
    static uint8_t out[TCP_CHUNK], in[TCP_CHUNK];
    struct sockaddr_in to = echo_addr();
    size_t sent = 0, got = 0, k;
    int s = lwip_socket(AF_INET, SOCK_STREAM, 0), bad = 0;

    if (s < 0)
        return -1;
    set_timeout(s, 5000);
    if (lwip_connect(s, (struct sockaddr *)&to, sizeof(to)) != 0) {
        lwip_close(s);
        return -1;
    }
    /* one chunk out, the same chunk back: neither side's buffers fill up */
    while (sent < TCP_TOTAL && !bad) {
        for (k = 0; k < TCP_CHUNK; k++)
            out[k] = stream_byte(sent + k);
        if (lwip_send(s, out, TCP_CHUNK, 0) != (int)TCP_CHUNK)
            break;
        sent += TCP_CHUNK;
        while (got < sent) {
            int n = lwip_recv(s, in, sent - got, 0);
            if (n <= 0) {
                /* say why (a timeout is EAGAIN after SO_RCVTIMEO's 5 s) */
                fprintf(stderr, "side A: recv returned %d (errno %d) after %zu bytes\n", n,
                        errno, got);
                bad = 1;
                break;
            }
            for (k = 0; k < (size_t)n; k++)
                bad |= in[k] != stream_byte(got + k);
            got += (size_t)n;
        }
    }
    lwip_close(s);
    fprintf(stderr, "side A: %zu of %u TCP bytes echoed%s\n", got, TCP_TOTAL,
            bad ? ", corrupted or cut" : "");
    return !bad && got == TCP_TOTAL ? 0 : -1;
}

static int side_a(int fd, int plain_esp)
{
    int i, r;

    if (side_start(TL_SIDE_A, fd, plain_esp) != 0)
        return 10;
    LOCK_TCPIP_CORE();
    r = tip_ike_initiate(&gw.ctx, gw.conn);
    tip_lwip_kick(&gw.port);
    UNLOCK_TCPIP_CORE();
    if (r != TIP_OK)
        return 10;
    for (i = 0; i < 2000 && gw.child_up == 0; i++)
        sys_msleep(10);
    if (gw.child_up == 0) {
        fprintf(stderr, "side A: no CHILD SA\n");
        return 11;
    }
    r = udp_client() != 0 ? 12 : raw_udp_client() != 0 ? 13 : tcp_client() != 0 ? 14 : 0;
    /* the counters also when an echo failed: they tell where packets went */
    fprintf(stderr, "side A: sent %u IKE, %u ESP-in-UDP, %u ESP, %u other; port: %u in place, "
            "%u copied, %u refused; out: %u in place, %u copied\n", gw.ike, gw.esp_udp, gw.esp,
            gw.clear, (unsigned)gw.port.in_place, (unsigned)gw.port.copies,
            (unsigned)gw.port.rx_dropped, (unsigned)gw.port.tx_in_place,
            (unsigned)gw.port.tx_copies);
    if (r != 0)
        return r;
    if (gw.clear != 0)
        return 16;
    if (plain_esp ? gw.esp == 0 : gw.esp_udp == 0)
        return 17;
    return 0;
}

static void run_case(int plain_esp)
{
    int fd[2], pa, pb;

    assert_int_equal(tl_link_pair(fd), 0);
    pb = tl_fork();
    assert_true(pb >= 0);
    if (pb == 0) {
        tl_link_close(fd[0]);
        tl_exit(side_b(fd[1], plain_esp));
    }
    pa = tl_fork();
    assert_true(pa >= 0);
    if (pa == 0) {
        tl_link_close(fd[1]);
        tl_exit(side_a(fd[0], plain_esp));
    }
    tl_link_close(fd[0]);
    tl_link_close(fd[1]);
    assert_int_equal(tl_wait(pa, 120), 0);
    assert_int_equal(tl_wait(pb, 10), 0);
}

static void test_lwip_os_esp_in_udp(void **state)
{
    (void)state;
    run_case(0);
}

static void test_lwip_os_plain_esp(void **state)
{
    (void)state;
    run_case(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lwip_os_esp_in_udp),
        cmocka_unit_test(test_lwip_os_plain_esp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
