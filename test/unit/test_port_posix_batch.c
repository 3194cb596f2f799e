/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's batches over loopback (no root): datagrams queued
 * between tip_port_posix_tx_begin() and tip_port_posix_tx_flush() leave in
 * one sendmmsg, with UDP GSO where the kernel has it, and arrive intact and
 * in order through tip_port_posix_recv_batch(), with and without UDP GRO;
 * a datagram from outside the batch memory is not overtaken. Kernels that
 * lack the UDP offloads are simulated: the port's sendmmsg() and
 * setsockopt() go through the wrappers below (linked with
 * --wrap=sendmmsg,--wrap=setsockopt), which pass everything through unless
 * a test makes them refuse. Raw ESP sockets (root only) have neither
 * offload: their packets are batched with sendmmsg and recvmmsg alone.
 */
#define _GNU_SOURCE /* sendmmsg, struct mmsghdr */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"
#include "tip_test_pkt.h"

#define SLOT 2048u

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

static int refuse_gso_send; /* a sendmmsg message with UDP_SEGMENT: EIO (udp(7)) */
static int refuse_udp_opts; /* setsockopt(SOL_UDP, UDP_SEGMENT or UDP_GRO): ENOPROTOOPT */
static unsigned gso_messages; /* messages with UDP_SEGMENT the port passed */
static unsigned gso_refused;  /* calls failed with EIO */
static unsigned mmsg_calls;   /* sendmmsg calls that reached the wrapper */
static unsigned mmsg_msgs;    /* messages they carried */
static int refuse_next_first = -1; /* fd whose next sendmmsg fails on its first message */

int __real_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags);
int __wrap_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags);
int __real_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int __wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len);

static int has_gso(struct msghdr *m)
{
    struct cmsghdr *c;

    for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c))
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_SEGMENT)
            return 1;
    return 0;
}

/* Like the kernel: the messages before the refused one are sent and
 * counted; the refused one fails the call only when it comes first. */
int __wrap_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
    unsigned i;

    mmsg_calls++;
    mmsg_msgs += n;
    if (fd == refuse_next_first) { /* e.g. a packet too big for the route */
        refuse_next_first = -1;
        errno = EMSGSIZE;
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!has_gso(&v[i].msg_hdr))
            continue;
        gso_messages++;
        if (!refuse_gso_send)
            continue;
        if (i == 0) {
            gso_refused++;
            errno = EIO;
            return -1;
        }
        return __real_sendmmsg(fd, v, i, flags);
    }
    return __real_sendmmsg(fd, v, n, flags);
}

int __wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    if (refuse_udp_opts && level == SOL_UDP && (name == UDP_SEGMENT || name == UDP_GRO)) {
        errno = ENOPROTOOPT;
        return -1;
    }
    return __real_setsockopt(fd, level, name, val, len);
}

static tip_port_posix_t tx, rx;
static tip_port_t ptx;
static uint8_t txmem[64 * SLOT];
static uint8_t rxmem[4 * TIP_PORT_POSIX_GRO_SLOT];
static tip_port_posix_rx_t ents[256];

static void open_pair(int gso, int gro)
{
    tip_port_posix_cfg_t cfg;

    tip_port_posix_cfg_init(&cfg);
    cfg.local = tip_test_addr("127.0.0.1");
    cfg.natt_port = 0;
    cfg.log_level = -1;
    cfg.udp_gso = (uint8_t)gso;
    assert_int_equal(tip_port_posix_open(&tx, &cfg), TIP_OK);
    cfg.udp_gso = 0;
    cfg.udp_gro = (uint8_t)gro;
    assert_int_equal(tip_port_posix_open(&rx, &cfg), TIP_OK);
    tip_port_posix_port(&tx, &ptx);
}

static void close_pair(void)
{
    tip_port_posix_close(&tx);
    tip_port_posix_close(&rx);
}

/* Datagram i: @p len bytes in slot i of txmem, each byte naming i. */
static const uint8_t *fill(unsigned i, size_t len)
{
    uint8_t *d = txmem + i * SLOT;
    size_t k;

    for (k = 0; k < len; k++)
        d[k] = (uint8_t)(i * 7u + k);
    return d;
}

static void send_one(const uint8_t *d, size_t len)
{
    tip_addr_t lo = tip_test_addr("127.0.0.1");

    assert_int_equal(ptx.send_udp(ptx.arg, &lo, tx.natt_port, &lo, rx.natt_port, d, len), TIP_OK);
}

/* Receive until @p want datagrams arrived; they must be datagram i of
 * length lens[i] in order. */
static void expect(const size_t *lens, unsigned want)
{
    unsigned got = 0, tries = 0;

    while (got < want && tries++ < 200) {
        int n = tip_port_posix_recv_batch(&rx, rxmem, sizeof(rxmem), TIP_PORT_POSIX_GRO_SLOT, ents,
                                          sizeof(ents) / sizeof(ents[0]));
        int i;

        assert_true(n >= 0);
        if (n == 0) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        for (i = 0; i < n; i++) {
            tip_port_posix_rx_t *e = &ents[i];
            size_t k;

            assert_true(got < want);
            assert_int_equal(tip_port_posix_rx_dispatch(&rx, NULL, e), TIP_PORT_POSIX_RAW);
            assert_int_equal(e->info.source, TIP_PORT_POSIX_SRC_NATT);
            assert_int_equal(e->info.sport, tx.natt_port);
            assert_int_equal(e->info.dport, rx.natt_port);
            assert_int_equal(e->buf.len, lens[got]);
            for (k = 0; k < e->buf.len; k++)
                if (e->buf.base[e->buf.off + k] != (uint8_t)(got * 7u + k))
                    fail_msg("datagram %u byte %u differs", got, (unsigned)k);
            got++;
        }
    }
    assert_int_equal(got, want);
}

static void batch_roundtrip(int gso, int gro)
{
    size_t lens[40];
    unsigned i;

    open_pair(gso, gro);
    /* 20 of 1400 bytes, one of 900, 10 of 1000, then 9 of 1400 */
    for (i = 0; i < 40; i++)
        lens[i] = i < 20 ? 1400 : i == 20 ? 900 : i < 31 ? 1000 : 1400;
    memset(&tx.stats, 0, sizeof(tx.stats));
    tip_port_posix_tx_begin(&tx, txmem, sizeof(txmem));
    for (i = 0; i < 40; i++)
        send_one(fill(i, lens[i]), lens[i]);
    assert_int_equal(tx.stats.tx_calls, 0); /* all queued */
    assert_int_equal(tip_port_posix_tx_flush(&tx), TIP_OK);
    assert_int_equal(tx.stats.tx_calls, 1); /* one sendmmsg */
    assert_int_equal(tx.stats.tx_datagrams, 40);
    if (gso && tx.gso) /* 21 (the short one ends a group), 10, 9 */
        assert_int_equal(tx.stats.gso_sends, 3);
    else
        assert_int_equal(tx.stats.gso_sends, 0);
    expect(lens, 40);
    if (gro && rx.gro && gso && tx.gso)
        assert_true(rx.stats.gro_datagrams > 0); /* loopback coalesces a GSO send */
    assert_int_equal(rx.stats.rx_datagrams, 40);
    close_pair();
}

static void test_batch_plain(void **state)
{
    (void)state;
    batch_roundtrip(0, 0);
}

static void test_batch_gso(void **state)
{
    (void)state;
    batch_roundtrip(1, 0);
}

static void test_batch_gso_gro(void **state)
{
    (void)state;
    batch_roundtrip(1, 1);
}

static void test_batch_gro_without_gso(void **state)
{
    (void)state;
    batch_roundtrip(0, 1);
}

/* A datagram from outside the batch memory (an IKE message) flushes what is
 * queued before it leaves: the peer sees the order the core sent in. */
static void test_outside_datagram_keeps_order(void **state)
{
    size_t lens[4] = {600, 600, 600, 300};
    uint8_t own[300];
    unsigned k;

    (void)state;
    open_pair(1, 1);
    for (k = 0; k < sizeof(own); k++)
        own[k] = (uint8_t)(3u * 7u + k);
    tip_port_posix_tx_begin(&tx, txmem, sizeof(txmem));
    send_one(fill(0, 600), 600);
    send_one(fill(1, 600), 600);
    send_one(fill(2, 600), 600);
    send_one(own, sizeof(own)); /* not in txmem: goes out now, after the three */
    assert_int_equal(tx.tx_count, 0);
    assert_int_equal(tip_port_posix_tx_flush(&tx), TIP_OK);
    expect(lens, 4);
    close_pair();
}

/* A receive slot too small for a GRO datagram is refused, not truncated. */
static void test_gro_needs_big_slots(void **state)
{
    (void)state;
    open_pair(0, 1);
    if (rx.gro)
        assert_int_equal(tip_port_posix_recv_batch(&rx, rxmem, sizeof(rxmem), SLOT, ents, 256),
                         TIP_ERR_ARG);
    assert_int_equal(tip_port_posix_recv_batch(&rx, rxmem, 10, SLOT, ents, 256), TIP_ERR_ARG);
    close_pair();
}

/* A device that cannot checksum segments refuses GSO sends with EIO: the
 * port sends the batch one datagram at a time and never tries GSO again. */
static void test_gso_refused_when_sending(void **state)
{
    size_t lens[24];
    unsigned i;

    (void)state;
    open_pair(1, 0);
    tx.gso = 1; /* as on a kernel with UDP_SEGMENT, whatever this one has */
    refuse_gso_send = 1;
    gso_refused = 0;
    /* a short one first: it leaves before the refused group */
    for (i = 0; i < 24; i++)
        lens[i] = i == 0 ? 300 : 1200;
    memset(&tx.stats, 0, sizeof(tx.stats));
    tip_port_posix_tx_begin(&tx, txmem, sizeof(txmem));
    for (i = 0; i < 12; i++)
        send_one(fill(i, lens[i]), lens[i]);
    assert_int_equal(tip_port_posix_tx_flush(&tx), TIP_OK);
    assert_int_equal(gso_refused, 1);
    assert_int_equal(tx.gso, 0);
    assert_int_equal(tx.stats.tx_datagrams, 12);
    assert_int_equal(tx.stats.tx_dropped, 0);
    assert_int_equal(tx.stats.gso_sends, 0);
    /* the next batch goes without GSO from the start */
    tip_port_posix_tx_begin(&tx, txmem, sizeof(txmem));
    for (i = 12; i < 24; i++)
        send_one(fill(i, lens[i]), lens[i]);
    assert_int_equal(tip_port_posix_tx_flush(&tx), TIP_OK);
    assert_int_equal(gso_refused, 1);
    assert_int_equal(tx.stats.tx_datagrams, 24);
    expect(lens, 24);
    refuse_gso_send = 0;
    close_pair();
}

/* A kernel without UDP_SEGMENT and UDP_GRO: both off, batches still work. */
static void test_kernel_without_udp_offloads(void **state)
{
    (void)state;
    refuse_udp_opts = 1;
    gso_messages = 0;
    open_pair(1, 1);
    assert_int_equal(tx.gso, 0);
    assert_int_equal(rx.gro, 0);
    close_pair();
    batch_roundtrip(1, 1);
    assert_int_equal(gso_messages, 0);
    refuse_udp_opts = 0;
}

/* ---- raw ESP (IP protocol 50): no GSO or GRO, still batched -------------- */

#define RAW_N 24u

/* ESP packet i of a raw batch in slot i of txmem: SPI @p spi, sequence
 * number i + 1, 40 + i bytes of payload; the IPv6 hop limit varies, to
 * show that each packet's own goes out. Returns its length. */
static size_t raw_pkt(unsigned i, const tip_addr_t *lo, uint32_t spi)
{
    uint8_t *d = txmem + i * SLOT;
    size_t plen = 8 + 40 + i, h = tip_test_pkt_ip_hdr(d, lo, lo, 50, plen, (uint16_t)(0x100 + i)), k;
    uint8_t *e = d + h;

    if (lo->family == TIP_AF_INET6)
        d[7] = (uint8_t)(10 + i);
    e[0] = (uint8_t)(spi >> 24), e[1] = (uint8_t)(spi >> 16), e[2] = (uint8_t)(spi >> 8);
    e[3] = (uint8_t)spi;
    e[4] = e[5] = e[6] = 0;
    e[7] = (uint8_t)(i + 1);
    for (k = 8; k < plen; k++)
        e[k] = (uint8_t)(i * 5u + k);
    return h + plen;
}

/* Read the raw socket until the packets of @p spi with sequence numbers
 * @p first + 1 .. @p first + @p n arrived, in order and byte for byte as
 * sent (ESP that other programs send over loopback is skipped). Returns
 * how many reads returned something. */
static unsigned raw_expect(tip_port_posix_t *p, const tip_addr_t *lo, uint32_t spi,
                           unsigned first, unsigned n)
{
    unsigned got = 0, tries = 0, reads = 0;
    size_t h = lo->family == TIP_AF_INET6 ? 40 : 20;

    while (got < n && tries++ < 200) {
        int r = tip_port_posix_recv_batch(p, rxmem, sizeof(rxmem), SLOT, ents, 64), i;

        assert_true(r >= 0);
        if (r == 0) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        reads++;
        for (i = 0; i < r; i++) {
            tip_port_posix_rx_t *e = &ents[i];
            const uint8_t *d;
            unsigned want = first + got;

            assert_int_equal(tip_port_posix_rx_dispatch(p, NULL, e), TIP_PORT_POSIX_RAW);
            assert_int_equal(e->info.source, lo->family == TIP_AF_INET6 ? TIP_PORT_POSIX_SRC_RAW6
                                                                        : TIP_PORT_POSIX_SRC_RAW4);
            d = e->buf.base + e->buf.off;
            if (e->buf.len < h + 8 || ((uint32_t)d[h] << 24 | (uint32_t)d[h + 1] << 16 |
                                       (uint32_t)d[h + 2] << 8 | d[h + 3]) != spi)
                continue; /* not ours */
            assert_true(got < n);
            assert_int_equal(d[h + 7], want + 1);
            assert_int_equal(e->buf.len, raw_pkt(want, lo, spi));
            assert_memory_equal(d, txmem + want * SLOT, e->buf.len);
            got++;
        }
    }
    assert_int_equal(got, n);
    return reads;
}

static void raw_batch(const char *addr)
{
    tip_port_posix_cfg_t cfg;
    tip_port_posix_t p;
    tip_port_t port;
    tip_addr_t lo = tip_test_addr(addr);
    int v6 = lo.family == TIP_AF_INET6, r;
    /* unique to this process: other tests on the host send ESP over loopback too */
    uint32_t spi = 0xEE000000u | ((uint32_t)getpid() & 0xFFFFFFu);
    unsigned i, reads;

    tip_port_posix_cfg_init(&cfg);
    cfg.local = lo;
    cfg.natt_port = 0;
    cfg.raw_esp4 = (uint8_t)!v6;
    cfg.raw_esp6 = (uint8_t)v6;
    cfg.log_level = -1;
    r = tip_port_posix_open(&p, &cfg);
    if (geteuid() != 0 && r != TIP_OK) { /* raw sockets need root: refused cleanly */
        assert_int_equal(r, TIP_ERR_PORT);
        return;
    }
    if (r != TIP_OK)
        fail_msg("raw open as root: %s", tip_port_posix_errmsg(&p));
    tip_port_posix_port(&p, &port);
    assert_non_null(port.send_ip);

    /* RAW_N packets queued: one sendmmsg with RAW_N messages */
    mmsg_calls = mmsg_msgs = 0;
    memset(&p.stats, 0, sizeof(p.stats));
    tip_port_posix_tx_begin(&p, txmem, sizeof(txmem));
    for (i = 0; i < RAW_N; i++)
        assert_int_equal(port.send_ip(port.arg, txmem + i * SLOT, raw_pkt(i, &lo, spi)), TIP_OK);
    assert_int_equal(p.stats.tx_calls, 0);
    assert_int_equal(tip_port_posix_tx_flush(&p), TIP_OK);
    assert_int_equal(mmsg_calls, 1);
    assert_int_equal(mmsg_msgs, RAW_N);
    assert_int_equal(p.stats.tx_calls, 1);
    assert_int_equal(p.stats.tx_datagrams, RAW_N);
    assert_int_equal(p.stats.gso_sends, 0);
    /* ... and they come back through recvmmsg, several per call */
    reads = raw_expect(&p, &lo, spi, 0, RAW_N);
    assert_true(reads < RAW_N);
    assert_true(p.stats.rx_datagrams >= RAW_N);

    /* A packet the kernel refuses is lost alone: the rest of the run goes. */
    spi++;
    mmsg_calls = 0;
    memset(&p.stats, 0, sizeof(p.stats));
    tip_port_posix_tx_begin(&p, txmem, sizeof(txmem));
    for (i = 0; i < 6; i++)
        assert_int_equal(port.send_ip(port.arg, txmem + i * SLOT, raw_pkt(i, &lo, spi)), TIP_OK);
    refuse_next_first = v6 ? p.fd_raw6 : p.fd_raw4;
    assert_int_equal(tip_port_posix_tx_flush(&p), TIP_ERR_PORT);
    assert_int_equal(mmsg_calls, 2);
    assert_int_equal(p.stats.tx_dropped, 1);
    assert_int_equal(p.stats.tx_datagrams, 5);
    (void)raw_expect(&p, &lo, spi, 1, 5);

    /* Outside a batch each packet still leaves at once. */
    spi++;
    mmsg_calls = 0;
    assert_int_equal(port.send_ip(port.arg, txmem, raw_pkt(0, &lo, spi)), TIP_OK);
    assert_int_equal(mmsg_calls, 0);
    (void)raw_expect(&p, &lo, spi, 0, 1);
    tip_port_posix_close(&p);
}

static void test_raw_esp4_batch(void **state)
{
    (void)state;
    raw_batch("127.0.0.1");
}

static void test_raw_esp6_batch(void **state)
{
    (void)state;
    raw_batch("::1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_plain),
        cmocka_unit_test(test_batch_gso),
        cmocka_unit_test(test_batch_gso_gro),
        cmocka_unit_test(test_batch_gro_without_gso),
        cmocka_unit_test(test_outside_datagram_keeps_order),
        cmocka_unit_test(test_gro_needs_big_slots),
        cmocka_unit_test(test_gso_refused_when_sending),
        cmocka_unit_test(test_kernel_without_udp_offloads),
        cmocka_unit_test(test_raw_esp4_batch),
        cmocka_unit_test(test_raw_esp6_batch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
