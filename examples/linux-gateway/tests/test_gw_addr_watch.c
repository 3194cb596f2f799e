/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway, addr_watch.c: the source address toward the peer is the
 * kernel's choice (a route lookup), and the watch looks at the IKE SA only
 * when a probe is due.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addr_watch.h"

/* 127.0.0.2 is a local address, but the route to it says "src 127.0.0.1":
 * the answer is the kernel's source address, not the destination. */
static void test_route_source_is_the_kernels_choice(void **state)
{
    tip_addr_t peer, src, want;

    (void)state;
    assert_int_equal(tip_addr_parse(&peer, "127.0.0.2"), TIP_OK);
    assert_int_equal(tip_addr_parse(&want, "127.0.0.1"), TIP_OK);
    memset(&src, 0xAA, sizeof(src));
    assert_int_equal(gw_route_source(&peer, 4500, &src), 0);
    assert_int_equal(src.family, TIP_AF_INET);
    assert_memory_equal(src.addr, want.addr, sizeof(want.addr));
}

static void test_route_source_refuses_an_unset_address(void **state)
{
    tip_addr_t peer, src;

    (void)state;
    memset(&peer, 0, sizeof(peer)); /* TIP_AF_NONE */
    errno = 0;
    assert_int_equal(gw_route_source(&peer, 4500, &src), -1);
    assert_int_equal(errno, EAFNOSUPPORT);
}

/* Subscribing to rtnetlink's address and route groups needs no privilege;
 * with nothing reported, no probe is asked for. */
static void test_netlink_without_changes_asks_nothing(void **state)
{
    gw_addr_watch_t w;

    (void)state;
    assert_int_equal(gw_addr_watch_open(&w), 0);
    assert_true(w.nl_fd >= 0);
    gw_addr_watch_drain(&w);
    assert_int_equal(w.change_seen, 0);
    gw_addr_watch_close(&w);
    assert_int_equal(w.nl_fd, -1);
    gw_addr_watch_close(&w); /* twice: harmless */
}

static uint64_t t_now(void *arg)
{
    (void)arg;
    return 0;
}

static int t_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    memset(out, 0x5A, len);
    return 0;
}

static int t_send(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                  uint16_t dport, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)src;
    (void)sport;
    (void)dst;
    (void)dport;
    (void)data;
    (void)len;
    return TIP_OK;
}

/* The periodic probe: idle until armed and due; a due probe that finds no
 * MOBIKE IKE SA stops it, so an idle gateway does not wake up for it. */
static void test_probe_runs_only_when_due_and_stops_without_an_sa(void **state)
{
    static tip_ctx_t ctx;
    tip_port_t port;
    gw_addr_watch_t w;

    (void)state;
    memset(&port, 0, sizeof(port));
    port.now_ms = t_now;
    port.random = t_random;
    port.send_udp = t_send;
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
    memset(&w, 0, sizeof(w));
    w.nl_fd = -1;

    assert_int_equal(gw_addr_watch_check(&w, &ctx, 1, 1000), GW_ADDR_IDLE);
    assert_int_equal(gw_addr_watch_deadline(&w), 0);
    gw_addr_watch_arm(&w, 1000);
    assert_int_equal(gw_addr_watch_deadline(&w), 1000 + GW_ADDR_PROBE_MS);
    gw_addr_watch_arm(&w, 2000); /* armed already: the deadline stays */
    assert_int_equal(gw_addr_watch_deadline(&w), 1000 + GW_ADDR_PROBE_MS);
    assert_int_equal(gw_addr_watch_check(&w, &ctx, 1, 1500), GW_ADDR_IDLE);
    assert_int_equal(gw_addr_watch_deadline(&w), 1000 + GW_ADDR_PROBE_MS);
    /* due, but connection 1 does not exist: nothing to move, probe stopped */
    assert_int_equal(gw_addr_watch_check(&w, &ctx, 1, 1000 + GW_ADDR_PROBE_MS), GW_ADDR_IDLE);
    assert_int_equal(gw_addr_watch_deadline(&w), 0);
    /* a netlink report makes a probe due at once, with the same outcome */
    w.change_seen = 1;
    assert_int_equal(gw_addr_watch_check(&w, &ctx, 1, 9000), GW_ADDR_IDLE);
    assert_int_equal(w.change_seen, 0);
    assert_int_equal(gw_addr_watch_deadline(&w), 0);
    tip_ctx_deinit(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_source_is_the_kernels_choice),
        cmocka_unit_test(test_route_source_refuses_an_unset_address),
        cmocka_unit_test(test_netlink_without_changes_asks_nothing),
        cmocka_unit_test(test_probe_runs_only_when_due_and_stops_without_an_sa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
