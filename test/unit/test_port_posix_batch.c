/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port's batches over loopback (no root): datagrams queued
 * between tip_port_posix_tx_begin() and tip_port_posix_tx_flush() leave in
 * one sendmmsg, with UDP GSO where the kernel has it, and arrive intact and
 * in order through tip_port_posix_recv_batch(), with and without UDP GRO;
 * a datagram from outside the batch memory is not overtaken.
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"
#include "tip_test_pkt.h"

#define SLOT 2048u

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_plain),
        cmocka_unit_test(test_batch_gso),
        cmocka_unit_test(test_batch_gso_gro),
        cmocka_unit_test(test_batch_gro_without_gso),
        cmocka_unit_test(test_outside_datagram_keeps_order),
        cmocka_unit_test(test_gro_needs_big_slots),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
