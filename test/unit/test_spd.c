/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Security Policy Database (RFC 4301 4.4.1): selector matching, flow
 * extraction, ordering, handles, and what tip_output / tip_input_ip do
 * with BYPASS, DISCARD, PROTECT and no policy at all.
 *
 * tip-requires: TIP_CONF_IPV6
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

#define CAP 2048
static tip_test_fixture_t fx;
static uint8_t mem[CAP];

static tip_policy_t policy(tip_dir_t dir, tip_action_t act, const char *local, unsigned lp,
                           const char *remote, unsigned rp)
{
    tip_policy_t p;
    tip_addr_t a;
    memset(&p, 0, sizeof(p));
    p.dir = dir;
    p.action = act;
    p.sel.local_port_hi = p.sel.remote_port_hi = 0xFFFF;
    if (local != NULL) {
        a = tip_test_addr(local);
        assert_int_equal(tip_addr_range_prefix(&p.sel.local, &a, lp), TIP_OK);
    }
    if (remote != NULL) {
        a = tip_test_addr(remote);
        assert_int_equal(tip_addr_range_prefix(&p.sel.remote, &a, rp), TIP_OK);
    }
    return p;
}

static void test_prefix_ranges(void **state)
{
    tip_addr_range_t r;
    tip_addr_t a = tip_test_addr("10.1.2.3"), b = tip_test_addr("2001:db8::1:2");
    (void)state;
    assert_int_equal(tip_addr_range_prefix(&r, &a, 20), TIP_OK);
    assert_memory_equal(r.lo.addr, "\x0a\x01\x00\x00", 4);
    assert_memory_equal(r.hi.addr, "\x0a\x01\x0f\xff", 4);
    assert_int_equal(tip_addr_range_prefix(&r, &a, 33), TIP_ERR_ARG);
    assert_int_equal(tip_addr_range_prefix(&r, &a, 0), TIP_OK);
    assert_memory_equal(r.hi.addr, "\xff\xff\xff\xff", 4);
    assert_int_equal(tip_addr_range_prefix(&r, &b, 127), TIP_OK);
    assert_int_equal(r.lo.addr[15], 2);
    assert_int_equal(r.hi.addr[15], 3);
    assert_int_equal(tip_addr_range_prefix(&r, &b, 129), TIP_ERR_ARG);
}

static void test_flow_extraction(void **state)
{
    tip_buf_t buf;
    tip_flow_t f;
    tip_addr_t s = tip_test_addr("10.1.0.5"), d = tip_test_addr("10.2.0.9");
    tip_addr_t s6 = tip_test_addr("2001:db8:1::5"), d6 = tip_test_addr("2001:db8:2::9");
    uint8_t pl[4] = {1, 2, 3, 4};
    (void)state;
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1111, 53, pl, 4), TIP_OK);
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_OUT, &f), TIP_OK);
    assert_int_equal(f.proto, 17);
    assert_int_equal(f.local_port, 1111);
    assert_int_equal(f.remote_port, 53);
    assert_memory_equal(f.local.addr, s.addr, 4);
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_IN, &f), TIP_OK);
    assert_int_equal(f.local_port, 53);
    assert_memory_equal(f.local.addr, d.addr, 4);
    /* ICMP: type << 8 | code where the source port would be */
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_icmp_echo(&buf, &s6, &d6, 1, 1, pl, 4), TIP_OK);
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_OUT, &f), TIP_OK);
    assert_int_equal(f.proto, 58);
    assert_int_equal(f.local_port, 128 << 8);
    assert_int_equal(f.remote_port, 0);
    /* truncated and lying lengths */
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, 30, TIP_DIR_OUT, &f),
                     TIP_ERR_MALFORMED);
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1, 2, pl, 4), TIP_OK);
    buf.base[buf.off + 3] = 200; /* total length beyond the buffer */
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_OUT, &f),
                     TIP_ERR_MALFORMED);
    /* A UDP header cut to 2 bytes: no ports to read, so they are OPAQUE
     * (RFC 4301 4.4.1.1), not a malformed packet. */
    buf.base[buf.off + 3] = 22;
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_OUT, &f), TIP_OK);
    assert_int_equal(f.opaque, TIP_FLOW_OPAQUE_LOCAL_PORT | TIP_FLOW_OPAQUE_REMOTE_PORT);
    assert_int_equal(f.local_port, 0);
    assert_int_equal(f.remote_port, 0);
    /* ICMP without type and code: only that field is opaque (inbound, the
     * peer's type stands in remote_port). */
    buf.base[buf.off + 9] = 1;
    buf.base[buf.off + 3] = 21;
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_IN, &f), TIP_OK);
    assert_int_equal(f.opaque, TIP_FLOW_OPAQUE_REMOTE_PORT);
    /* A whole header has nothing opaque. */
    buf.base[buf.off + 3] = 24;
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_IN, &f), TIP_OK);
    assert_int_equal(f.opaque, 0);
}

static void test_non_first_fragment_has_no_ports(void **state)
{
    tip_buf_t buf;
    tip_flow_t f;
    tip_addr_t s = tip_test_addr("10.1.0.5"), d = tip_test_addr("10.2.0.9");
    uint8_t pl[16] = {0};
    (void)state;
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1111, 53, pl, 16), TIP_OK);
    buf.base[buf.off + 7] = 3; /* fragment offset 24 bytes */
    assert_int_equal(tip_flow_from_packet(buf.base + buf.off, buf.len, TIP_DIR_OUT, &f), TIP_OK);
    assert_int_equal(f.local_port, 0);
    assert_int_equal(f.remote_port, 0);
    assert_int_equal(f.opaque, TIP_FLOW_OPAQUE_LOCAL_PORT | TIP_FLOW_OPAQUE_REMOTE_PORT);
}

static void test_first_match_wins_and_order(void **state)
{
    tip_policy_t p;
    tip_handle_t h1, h2, h3, got;
    tip_flow_t f;
    tip_policy_t out;
    (void)state;
    tip_fx_init(&fx);
    memset(&f, 0, sizeof(f));
    f.local = tip_test_addr("10.1.0.7");
    f.remote = tip_test_addr("10.2.0.1");
    f.proto = 6;
    f.remote_port = 22;
    p = policy(TIP_DIR_OUT, TIP_ACTION_BYPASS, "10.1.0.0", 16, NULL, 0);
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, &h1), TIP_OK);
    p = policy(TIP_DIR_OUT, TIP_ACTION_DISCARD, "10.1.0.7", 32, NULL, 0);
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, &h2), TIP_OK);
    assert_int_equal(tip_spd_lookup(&fx.a, TIP_DIR_OUT, &f, &got), TIP_OK);
    assert_int_equal(got, h1); /* the broader rule came first */
    p = policy(TIP_DIR_OUT, TIP_ACTION_DISCARD, NULL, 0, NULL, 0);
    p.sel.proto = 6;
    p.sel.remote_port_lo = p.sel.remote_port_hi = 22;
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_PREPEND, &h3), TIP_OK);
    assert_int_equal(tip_spd_lookup(&fx.a, TIP_DIR_OUT, &f, &got), TIP_OK);
    assert_int_equal(got, h3);
    f.remote_port = 23;
    assert_int_equal(tip_spd_lookup(&fx.a, TIP_DIR_OUT, &f, &got), TIP_OK);
    assert_int_equal(got, h1);
    /* no inbound policies at all */
    assert_int_equal(tip_spd_lookup(&fx.a, TIP_DIR_IN, &f, &got), TIP_ERR_NOT_FOUND);
    /* delete the first: the host rule is next */
    assert_int_equal(tip_spd_del(&fx.a, h1), TIP_OK);
    assert_int_equal(tip_spd_lookup(&fx.a, TIP_DIR_OUT, &f, &got), TIP_OK);
    assert_int_equal(got, h2);
    assert_int_equal(tip_spd_del(&fx.a, h1), TIP_ERR_STALE);
    assert_int_equal(tip_spd_get(&fx.a, h1, &out), TIP_ERR_STALE);
    assert_int_equal(tip_spd_get(&fx.a, h2, &out), TIP_OK);
    assert_int_equal(out.action, TIP_ACTION_DISCARD);
    assert_int_equal(tip_spd_get(&fx.a, 0, &out), TIP_ERR_NOT_FOUND);
    tip_spd_flush(&fx.a);
    assert_int_equal(tip_spd_lookup(&fx.a, TIP_DIR_OUT, &f, &got), TIP_ERR_NOT_FOUND);
}

static void test_invalid_policies_and_full(void **state)
{
    tip_policy_t p;
    int i, err = TIP_OK;
    (void)state;
    tip_fx_init(&fx);
    p = policy(TIP_DIR_OUT, TIP_ACTION_PROTECT, "10.0.0.0", 8, NULL, 0);
    p.mode = TIP_MODE_TUNNEL; /* tunnel without endpoints */
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, NULL), TIP_ERR_ARG);
    p = policy(TIP_DIR_OUT, TIP_ACTION_BYPASS, "10.0.0.0", 8, NULL, 0);
    p.sel.local_port_lo = 10;
    p.sel.local_port_hi = 9;
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, NULL), TIP_ERR_ARG);
    p = policy(TIP_DIR_OUT, TIP_ACTION_BYPASS, "10.0.0.0", 8, NULL, 0);
    p.sel.local.hi = tip_test_addr("2001:db8::1"); /* mixed families */
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, NULL), TIP_ERR_ARG);
    p = policy(TIP_DIR_OUT, TIP_ACTION_BYPASS, NULL, 0, NULL, 0);
    for (i = 0; i < TIP_MAX_POLICIES + 1 && err == TIP_OK; i++)
        err = tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, NULL);
    assert_int_equal(err, TIP_ERR_FULL);
    assert_int_equal(i, TIP_MAX_POLICIES + 1);
}

static void test_output_actions(void **state)
{
    tip_policy_t p;
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr("10.1.0.5"), d = tip_test_addr("10.2.0.9");
    tip_addr_t other = tip_test_addr("192.0.2.1");
    uint8_t pl[4] = {9, 9, 9, 9}, copy[64];
    (void)state;
    tip_fx_init(&fx);
    p = policy(TIP_DIR_OUT, TIP_ACTION_BYPASS, "10.1.0.0", 24, "10.2.0.0", 24);
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, NULL), TIP_OK);
    p = policy(TIP_DIR_OUT, TIP_ACTION_DISCARD, NULL, 0, "192.0.2.0", 24);
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, NULL), TIP_OK);
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1, 2, pl, 4), TIP_OK);
    memcpy(copy, buf.base + buf.off, buf.len);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_BYPASS);
    assert_int_equal(buf.off, 64);
    assert_memory_equal(buf.base + buf.off, copy, buf.len); /* untouched */
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &other, 1, 2, pl, 4), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_ERR_DISCARD);
    assert_int_equal(tip_ctx_drops(&fx.a, TIP_DROP_DISCARD), 1);
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_udp(&buf, &d, &s, 1, 2, pl, 4), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_ERR_POLICY); /* no policy: discard */
    assert_int_equal(tip_ctx_drops(&fx.a, TIP_DROP_POLICY), 1);
    assert_int_equal(tip_test_port_count(&fx.pa), 0);
}

static void test_input_cleartext(void **state)
{
    tip_policy_t p;
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr("10.2.0.9"), d = tip_test_addr("10.1.0.5");
    tip_addr_t x = tip_test_addr("10.3.0.1");
    uint8_t pl[4] = {0};
    (void)state;
    tip_fx_init(&fx);
    p = policy(TIP_DIR_IN, TIP_ACTION_PROTECT, "10.1.0.0", 24, "10.2.0.0", 24);
    p.mode = TIP_MODE_TRANSPORT;
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, NULL), TIP_OK);
    p = policy(TIP_DIR_IN, TIP_ACTION_BYPASS, "10.1.0.0", 24, "10.3.0.0", 24);
    assert_int_equal(tip_spd_add(&fx.a, &p, TIP_SPD_APPEND, NULL), TIP_OK);
    /* cleartext where protection is required: dropped */
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1, 2, pl, 4), TIP_OK);
    assert_int_equal(tip_input_ip(&fx.a, &buf), TIP_ERR_POLICY);
    tip_test_buf_init(&buf, mem, CAP, 64);
    assert_int_equal(tip_test_pkt_udp(&buf, &x, &d, 1, 2, pl, 4), TIP_OK);
    assert_int_equal(tip_input_ip(&fx.a, &buf), TIP_RX_BYPASS);
}

static void test_bind_sa_and_fallback(void **state)
{
    tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, 0, 0};
    tip_handle_t ph, other;
    tip_flow_t f;
    tip_sa_params_t p;
    (void)state;
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, &tip_test_suites[0], &l), TIP_OK);
    memset(&f, 0, sizeof(f));
    f.local = fx.inner_a;
    f.remote = fx.inner_b;
    assert_int_equal(tip_spd_lookup(&fx.a, TIP_DIR_OUT, &f, &ph), TIP_OK);
    p = fx.out_params;
    p.spi = 0x2002;
    assert_int_equal(tip_sad_add(&fx.a, &p, &other), TIP_OK);
    p.spi = 0x3003; /* newest: picked while nothing is bound */
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_OK);
    {
        tip_buf_t buf;
        uint8_t pl[4] = {0};
        tip_test_buf_init(&buf, mem, CAP, TIP_ESP_HEADROOM);
        assert_int_equal(tip_test_pkt_udp(&buf, &fx.inner_a, &fx.inner_b, 1, 2, pl, 4), TIP_OK);
        assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
        assert_int_equal(tip_test_port_last(&fx.pa)->data[20 + 2], 0x30);
    }
    assert_int_equal(tip_spd_bind_sa(&fx.a, ph, other), TIP_OK);
    /* an inbound SA cannot serve an outbound policy */
    assert_int_equal(tip_spd_bind_sa(&fx.a, ph, 0), TIP_ERR_NOT_FOUND);
    {
        tip_buf_t buf;
        uint8_t pl[4] = {0};
        tip_test_buf_init(&buf, mem, CAP, TIP_ESP_HEADROOM);
        assert_int_equal(tip_test_pkt_udp(&buf, &fx.inner_a, &fx.inner_b, 1, 2, pl, 4), TIP_OK);
        assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
        /* sent with the bound SA's SPI */
        assert_int_equal(tip_test_port_last(&fx.pa)->data[20 + 3], 0x02);
        assert_int_equal(tip_test_port_last(&fx.pa)->data[20 + 2], 0x20);
        /* the bound SA dies: the policy falls back to the search */
        assert_int_equal(tip_sad_del(&fx.a, other), TIP_OK);
        tip_test_buf_init(&buf, mem, CAP, TIP_ESP_HEADROOM);
        assert_int_equal(tip_test_pkt_udp(&buf, &fx.inner_a, &fx.inner_b, 1, 2, pl, 4), TIP_OK);
        assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
        assert_int_equal(tip_test_port_last(&fx.pa)->data[20 + 2], 0x30);
    }
}

static int group_teardown(void **state)
{
    (void)state;
    tip_fx_fini(&fx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_ranges),
        cmocka_unit_test(test_flow_extraction),
        cmocka_unit_test(test_non_first_fragment_has_no_ports),
        cmocka_unit_test(test_first_match_wins_and_order),
        cmocka_unit_test(test_invalid_policies_and_full),
        cmocka_unit_test(test_output_actions),
        cmocka_unit_test(test_input_cleartext),
        cmocka_unit_test(test_bind_sa_and_fallback),
    };
    return cmocka_run_group_tests_name("spd", tests, NULL, group_teardown);
}
