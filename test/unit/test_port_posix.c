/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The POSIX port over loopback: two ports on 127.0.0.1 / ::1 high ports
 * (kernel-chosen, no root needed), a datagram through the filled
 * tip_port_t.send_udp, received by tip_port_posix_recv() with its
 * destination address recovered through IP_PKTINFO / IPV6_PKTINFO; the
 * receive helper feeding the core (a NAT-T keepalive); getrandom() and the
 * monotonic clock.
 *
 * tip-requires: TIP_CONF_IPV6
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
#include <unistd.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"
#include "tip_test_pkt.h"

/* Receive timeout: generous, loopback delivers at once. */
#define RX_TIMEOUT_MS 2000

typedef struct {
    tip_port_posix_t a, b;
    tip_port_t pa, pb;
} pair_t;

static void open_port(tip_port_posix_t *p, const char *local, int v6only)
{
    tip_port_posix_cfg_t cfg;
    int err;

    tip_port_posix_cfg_init(&cfg);
    cfg.local = tip_test_addr(local);
    cfg.natt_port = 0; /* kernel picks a free high port */
    cfg.v6only = (uint8_t)v6only;
    cfg.log_level = -1;
    err = tip_port_posix_open(p, &cfg);
    if (err != TIP_OK)
        fail_msg("tip_port_posix_open(%s): %s", local, tip_port_posix_errmsg(p));
    assert_true(p->natt_port >= 1024);
}

static int teardown_pair(void **state)
{
    pair_t *pr = *state;

    tip_port_posix_close(&pr->a);
    tip_port_posix_close(&pr->b);
    tip_port_posix_close(&pr->b); /* twice is safe */
    return 0;
}

static pair_t g_pair;

static int setup_v4(void **state)
{
    memset(&g_pair, 0, sizeof(g_pair));
    open_port(&g_pair.a, "127.0.0.1", 0);
    open_port(&g_pair.b, "0.0.0.0", 0); /* wildcard: dst only known via PKTINFO */
    tip_port_posix_port(&g_pair.a, &g_pair.pa);
    tip_port_posix_port(&g_pair.b, &g_pair.pb);
    *state = &g_pair;
    return 0;
}

static int setup_v6(void **state)
{
    memset(&g_pair, 0, sizeof(g_pair));
    open_port(&g_pair.a, "::1", 1);
    open_port(&g_pair.b, "::", 0); /* dual stack wildcard */
    tip_port_posix_port(&g_pair.a, &g_pair.pa);
    tip_port_posix_port(&g_pair.b, &g_pair.pb);
    *state = &g_pair;
    return 0;
}

static void send_and_receive(pair_t *pr, const char *to, const char *from_a)
{
    static const uint8_t msg[] = "tinyipsec posix port";
    uint8_t mem[1024];
    tip_buf_t b;
    tip_port_posix_rx_info_t info;
    tip_addr_t dst = tip_test_addr(to), src = tip_test_addr(from_a);
    int r;

    r = pr->pa.send_udp(pr->pa.arg, &src, pr->a.natt_port, &dst, pr->b.natt_port, msg, sizeof(msg));
    assert_int_equal(r, TIP_OK);

    memset(mem, 0xAA, sizeof(mem));
    b.base = mem;
    b.cap = sizeof(mem);
    b.off = 0;
    b.len = 0;
    r = tip_port_posix_recv(&pr->b, NULL, &b, RX_TIMEOUT_MS, &info);
    assert_int_equal(r, TIP_PORT_POSIX_RAW);
    assert_int_equal(info.source, TIP_PORT_POSIX_SRC_NATT);
    assert_int_equal(b.off, TIP_ESP_HEADROOM);
    assert_int_equal(b.len, sizeof(msg));
    assert_int_equal(info.wire_len, sizeof(msg));
    assert_memory_equal(mem + b.off, msg, sizeof(msg));
    /* Sender as the socket saw it. */
    assert_int_equal(info.src.family, src.family);
    assert_memory_equal(info.src.addr, src.addr, sizeof(src.addr));
    assert_int_equal(info.sport, pr->a.natt_port);
    /* Our address from PKTINFO (b is bound to the wildcard) and our port. */
    assert_int_equal(info.dst.family, dst.family);
    assert_memory_equal(info.dst.addr, dst.addr, sizeof(dst.addr));
    assert_int_equal(info.dport, pr->b.natt_port);
}

static void test_udp_v4_pktinfo(void **state)
{
    send_and_receive(*state, "127.0.0.1", "127.0.0.1");
}

static void test_udp_v4_pktinfo_other_loopback(void **state)
{
    /* All of 127/8 is local on Linux: only PKTINFO can tell 127.0.0.2. */
    send_and_receive(*state, "127.0.0.2", "127.0.0.1");
}

static void test_udp_v6_pktinfo(void **state)
{
    send_and_receive(*state, "::1", "::1");
}

static void test_timeout(void **state)
{
    pair_t *pr = *state;
    uint8_t mem[256];
    tip_buf_t b = {mem, sizeof(mem), 0, 0};
    uint64_t t0 = pr->pb.now_ms(pr->pb.arg);
    int r = tip_port_posix_recv(&pr->b, NULL, &b, 30, NULL);

    assert_int_equal(r, TIP_PORT_POSIX_TIMEOUT);
    assert_true(pr->pb.now_ms(pr->pb.arg) - t0 >= 25);
    /* A buffer without room beyond the headroom is refused. */
    b.cap = TIP_ESP_HEADROOM;
    assert_int_equal(tip_port_posix_recv(&pr->b, NULL, &b, 0, NULL), TIP_ERR_ARG);
}

static void test_truncated_datagram_dropped(void **state)
{
    pair_t *pr = *state;
    uint8_t big[600], mem[TIP_ESP_HEADROOM + 100];
    tip_buf_t b = {mem, sizeof(mem), 0, 0};
    tip_addr_t lo = tip_test_addr("127.0.0.1");

    memset(big, 0x55, sizeof(big));
    assert_int_equal(
        pr->pa.send_udp(pr->pa.arg, NULL, pr->a.natt_port, &lo, pr->b.natt_port, big, sizeof(big)),
        TIP_OK);
    assert_int_equal(tip_port_posix_recv(&pr->b, NULL, &b, RX_TIMEOUT_MS, NULL), TIP_ERR_BUF_SPACE);
}

static void test_keepalive_into_core(void **state)
{
    pair_t *pr = *state;
    static tip_ctx_t ctx;
    static const uint8_t keepalive[1] = {0xFF};
    uint8_t mem[512];
    tip_buf_t b = {mem, sizeof(mem), 0, 0};
    tip_addr_t lo = tip_test_addr("127.0.0.1");
    tip_port_posix_rx_info_t info;

    assert_int_equal(tip_ctx_init(&ctx, &pr->pb), TIP_OK);
    assert_int_equal(pr->pa.send_udp(pr->pa.arg, &lo, pr->a.natt_port, &lo, pr->b.natt_port,
                                     keepalive, sizeof(keepalive)),
                     TIP_OK);
    /* RFC 3948 2.3: the core consumes a NAT-keepalive. */
    assert_int_equal(tip_port_posix_recv(&pr->b, &ctx, &b, RX_TIMEOUT_MS, &info), TIP_RX_CONSUMED);
    assert_int_equal(info.sport, pr->a.natt_port);
    tip_ctx_deinit(&ctx);
}

static void test_random_differs(void **state)
{
    pair_t *pr = *state;
    uint8_t r1[32], r2[32], big[1000];
    static const uint8_t zero[32];

    memset(r1, 0, sizeof(r1));
    memset(r2, 0, sizeof(r2));
    assert_int_equal(pr->pa.random(pr->pa.arg, r1, sizeof(r1)), TIP_OK);
    assert_int_equal(pr->pa.random(pr->pa.arg, r2, sizeof(r2)), TIP_OK);
    assert_memory_not_equal(r1, r2, sizeof(r1));
    /* Longer than one getrandom() guarantees (256 bytes): the loop fills it. */
    memset(big, 0, sizeof(big));
    assert_int_equal(pr->pa.random(pr->pa.arg, big, sizeof(big)), TIP_OK);
    assert_memory_not_equal(big + sizeof(big) - sizeof(zero), zero, sizeof(zero));
    assert_int_equal(pr->pa.random(pr->pa.arg, big, 0), TIP_OK);
}

static void test_now_ms_monotonic(void **state)
{
    pair_t *pr = *state;
    struct timespec ts = {0, 20 * 1000 * 1000};
    uint64_t t0, t1, t2;

    t0 = pr->pa.now_ms(pr->pa.arg);
    t1 = pr->pa.now_ms(pr->pa.arg);
    assert_true(t1 >= t0);
    nanosleep(&ts, NULL);
    t2 = pr->pa.now_ms(pr->pa.arg);
    assert_true(t2 >= t1 + 15);
    assert_true(t2 < t1 + 5000);
}

static void test_port_functions(void **state)
{
    pair_t *pr = *state;

    assert_non_null(pr->pa.send_udp);
    assert_null(pr->pa.send_ip); /* no raw socket opened */
    assert_non_null(pr->pa.now_ms);
    assert_non_null(pr->pa.random);
    assert_non_null(pr->pa.log);
    assert_ptr_equal(pr->pa.arg, &pr->a);
    pr->pa.log(pr->pa.arg, TIP_LOG_ERROR, "silenced (level -1)");
}

static void test_open_errors(void **state)
{
    tip_port_posix_t p, q;
    tip_port_posix_cfg_t cfg;

    (void)state;
    /* Port taken: a clear error, nothing left open. */
    open_port(&p, "127.0.0.1", 0);
    tip_port_posix_cfg_init(&cfg);
    cfg.local = tip_test_addr("127.0.0.1");
    cfg.natt_port = p.natt_port;
    assert_int_equal(tip_port_posix_open(&q, &cfg), TIP_ERR_PORT);
    assert_non_null(strstr(tip_port_posix_errmsg(&q), "bind"));
    assert_int_equal(q.fd_natt, -1);
    /* The IKE socket is opened next to NAT-T when asked for. */
    cfg.natt_port = 0;
    cfg.open_ike = 1;
    cfg.ike_port = 0;
    assert_int_equal(tip_port_posix_open(&q, &cfg), TIP_OK);
    assert_true(q.fd_ike >= 0 && q.ike_port >= 1024 && q.ike_port != q.natt_port);
    tip_port_posix_close(&q);
    tip_port_posix_close(&p);
    assert_int_equal(tip_port_posix_open(&q, NULL), TIP_ERR_ARG);
}

static void test_dual_stack_v4_mapped(void **state)
{
    pair_t *pr = *state;
    static const uint8_t msg[] = "v4 to a dual-stack socket";
    tip_port_posix_t c;
    tip_port_t pc;
    uint8_t mem[512];
    tip_buf_t b = {mem, sizeof(mem), 0, 0};
    tip_port_posix_rx_info_t info;
    tip_addr_t lo = tip_test_addr("127.0.0.1");

    open_port(&c, "127.0.0.1", 0);
    tip_port_posix_port(&c, &pc);
    assert_int_equal(pc.send_udp(pc.arg, &lo, c.natt_port, &lo, pr->b.natt_port, msg, sizeof(msg)),
                     TIP_OK);
    assert_int_equal(tip_port_posix_recv(&pr->b, NULL, &b, RX_TIMEOUT_MS, &info),
                     TIP_PORT_POSIX_RAW);
    /* v4-mapped addresses come back as plain IPv4. */
    assert_int_equal(info.src.family, TIP_AF_INET);
    assert_memory_equal(info.src.addr, lo.addr, 4);
    assert_int_equal(info.sport, c.natt_port);
    assert_int_equal(info.dst.family, TIP_AF_INET);
    assert_memory_equal(info.dst.addr, lo.addr, 4);
    /* And the reply goes out through the IPv6 socket as v4-mapped. */
    assert_int_equal(
        pr->pb.send_udp(pr->pb.arg, &lo, pr->b.natt_port, &lo, c.natt_port, msg, sizeof(msg)),
        TIP_OK);
    assert_int_equal(tip_port_posix_recv(&c, NULL, &b, RX_TIMEOUT_MS, &info), TIP_PORT_POSIX_RAW);
    assert_int_equal(info.sport, pr->b.natt_port);
    tip_port_posix_close(&c);
}

/* Raw ESP sockets need root / CAP_NET_RAW. Unprivileged, opening one must
 * fail cleanly with a message that says so; privileged, an ESP packet sent
 * to loopback through send_ip comes back byte for byte (IPv6: the header the
 * kernel strips is rebuilt) and reaches the core, which has no SA for it. */
static void raw_roundtrip(const char *addr, int v6)
{
    tip_port_posix_cfg_t cfg;
    tip_port_posix_t p;
    tip_port_t port;
    static tip_ctx_t ctx;
    uint8_t pkt[40 + 32], mem[512];
    tip_buf_t b = {mem, sizeof(mem), 0, 0};
    tip_port_posix_rx_info_t info;
    tip_addr_t lo = tip_test_addr(addr);
    size_t hlen, i;
    int r;

    tip_port_posix_cfg_init(&cfg);
    cfg.local = lo;
    cfg.natt_port = 0;
    cfg.raw_esp4 = (uint8_t)!v6;
    cfg.raw_esp6 = (uint8_t)v6;
    cfg.log_level = -1;
    r = tip_port_posix_open(&p, &cfg);
    if (geteuid() != 0 && r != TIP_OK) {
        assert_int_equal(r, TIP_ERR_PORT);
        assert_non_null(strstr(tip_port_posix_errmsg(&p), "raw"));
        assert_int_equal(p.fd_natt, -1); /* nothing left open */
        return;
    }
    if (r != TIP_OK)
        fail_msg("raw open as root: %s", tip_port_posix_errmsg(&p));
    tip_port_posix_port(&p, &port);
    assert_non_null(port.send_ip);

    hlen = tip_test_pkt_ip_hdr(pkt, &lo, &lo, 50, 32, 0x4242);
    for (i = 0; i < 32; i++)
        pkt[hlen + i] = (uint8_t)(0xE0 + i); /* SPI 0xE0E1E2E3: no such SA */
    assert_int_equal(port.send_ip(port.arg, pkt, hlen + 32), TIP_OK);
    r = tip_port_posix_recv(&p, NULL, &b, RX_TIMEOUT_MS, &info);
    assert_int_equal(r, TIP_PORT_POSIX_RAW);
    assert_int_equal(info.source, v6 ? TIP_PORT_POSIX_SRC_RAW6 : TIP_PORT_POSIX_SRC_RAW4);
    assert_int_equal(b.len, hlen + 32);
    assert_memory_equal(b.base + b.off, pkt, hlen + 32);
    assert_int_equal(info.dst.family, lo.family);
    assert_memory_equal(info.dst.addr, lo.addr, sizeof(lo.addr));

    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
    assert_int_equal(port.send_ip(port.arg, pkt, hlen + 32), TIP_OK);
    assert_int_equal(tip_port_posix_recv(&p, &ctx, &b, RX_TIMEOUT_MS, NULL), TIP_ERR_NO_SA);
    assert_int_equal(tip_ctx_drops(&ctx, TIP_DROP_NO_SA), 1);
    tip_ctx_deinit(&ctx);
    tip_port_posix_close(&p);
}

static void test_raw_esp4(void **state)
{
    (void)state;
    raw_roundtrip("127.0.0.1", 0);
}

static void test_raw_esp6(void **state)
{
    (void)state;
    raw_roundtrip("::1", 1);
}

/*
 * Draining (timeout 0) a burst of datagrams on the NAT-T socket of a port
 * that also has an IKE socket: the helper stays on the socket that has data
 * instead of trying the empty IKE socket before every datagram, so the burst
 * costs one recvmsg per datagram plus the final empty round over both
 * sockets. Datagrams waiting on the IKE socket are still served.
 */
static void test_drain_stays_on_busy_socket(void **state)
{
    static const uint8_t msg[] = "burst";
    tip_port_posix_cfg_t cfg;
    tip_port_posix_t rx, tx;
    tip_port_t ptx;
    tip_addr_t lo = tip_test_addr("127.0.0.1");
    uint8_t mem[512];
    tip_port_posix_rx_info_t info;
    unsigned i, natt = 0, ike = 0;
    int r;

    (void)state;
    tip_port_posix_cfg_init(&cfg);
    cfg.local = lo;
    cfg.natt_port = 0;
    cfg.open_ike = 1;
    cfg.ike_port = 0;
    cfg.log_level = -1;
    assert_int_equal(tip_port_posix_open(&rx, &cfg), TIP_OK);
    cfg.open_ike = 0;
    assert_int_equal(tip_port_posix_open(&tx, &cfg), TIP_OK);
    tip_port_posix_port(&tx, &ptx);
    for (i = 0; i < 40; i++)
        assert_int_equal(ptx.send_udp(ptx.arg, &lo, tx.natt_port, &lo, rx.natt_port, msg,
                                      sizeof(msg)),
                         TIP_OK);
    assert_int_equal(
        ptx.send_udp(ptx.arg, &lo, tx.natt_port, &lo, rx.ike_port, msg, sizeof(msg)), TIP_OK);
    {
        struct timespec ts = {0, 20000000}; /* loopback delivers at once; be generous */
        nanosleep(&ts, NULL);
    }
    memset(&rx.stats, 0, sizeof(rx.stats));
    for (;;) {
        tip_buf_t b = {mem, sizeof(mem), 0, 0};

        r = tip_port_posix_recv(&rx, NULL, &b, 0, &info);
        if (r == TIP_PORT_POSIX_TIMEOUT)
            break;
        assert_int_equal(r, TIP_PORT_POSIX_RAW);
        if (info.source == TIP_PORT_POSIX_SRC_NATT)
            natt++;
        else if (info.source == TIP_PORT_POSIX_SRC_IKE)
            ike++;
    }
    assert_int_equal(natt, 40);
    assert_int_equal(ike, 1);
    assert_int_equal(rx.stats.rx_datagrams, 41);
    /* 41 datagrams, a switch of socket or two, and the empty round */
    assert_in_range(rx.stats.rx_calls, 41, 41 + 4);
    tip_port_posix_close(&rx);
    tip_port_posix_close(&tx);
}

/* The kernel picks the name ("tip%d" -> "tip12"), so a caller cannot size
 * @p ifname for it: a buffer below IFNAMSIZ is refused before anything is
 * opened, never filled with a cut-off name that names another interface. */
static void test_tun_name_buffer_too_small(void **state)
{
    char name[4];
    int fd = 1234;

    (void)state;
    memset(name, 'x', sizeof(name));
    assert_int_equal(tip_port_posix_tun_open("tip%d", &fd, name, sizeof(name)), TIP_ERR_ARG);
    assert_int_equal(fd, 1234);           /* nothing opened */
    assert_memory_equal(name, "xxxx", 4); /* nothing written */
    assert_int_equal(tip_port_posix_tun_open("tip%d", &fd, name, 0), TIP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest v4[] = {
        cmocka_unit_test(test_port_functions),
        cmocka_unit_test(test_udp_v4_pktinfo),
        cmocka_unit_test(test_udp_v4_pktinfo_other_loopback),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_drain_stays_on_busy_socket),
        cmocka_unit_test(test_truncated_datagram_dropped),
        cmocka_unit_test(test_keepalive_into_core),
        cmocka_unit_test(test_random_differs),
        cmocka_unit_test(test_now_ms_monotonic),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_raw_esp4),
        cmocka_unit_test(test_tun_name_buffer_too_small),
    };
    const struct CMUnitTest v6[] = {
        cmocka_unit_test(test_udp_v6_pktinfo),
        cmocka_unit_test(test_dual_stack_v4_mapped),
        cmocka_unit_test(test_raw_esp6),
    };
    int fails = 0;

    fails += cmocka_run_group_tests_name("port_posix_v4", v4, setup_v4, teardown_pair);
    fails += cmocka_run_group_tests_name("port_posix_v6", v6, setup_v6, teardown_pair);
    return fails;
}
