/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The inner-packet check after decryption (RFC 4301 5.2): a packet must be
 * one the SA it arrived on may carry. Two halves:
 *  - the addresses: in transport mode the packet's own addresses are the
 *    SA's endpoints, so a peer cannot use its SA to pass off packets as
 *    coming from another peer;
 *  - fields no selector asks about never cause a drop: a header too short
 *    to hold ports or ICMP type/code, or a non-first fragment, is OPAQUE
 *    (RFC 4301 4.4.1.1) and matches selectors that accept any value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

#define CAP 2048

static tip_test_fixture_t fx;
static uint8_t mem_out[CAP], mem_in[CAP], mem_save[CAP];

static const tip_test_suite_t *gcm128(void)
{
    return &tip_test_suites[0];
}

static void setup(tip_mode_t mode, int natt)
{
    tip_test_layout_t l = {mode, 0, 0, 0, natt, 0};
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, gcm128(), &l), TIP_OK);
}

/* An IPv4 packet of protocol @p proto carrying @p l4_len bytes of @p l4. */
static void raw_pkt(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst, uint8_t proto,
                    const uint8_t *l4, size_t l4_len)
{
    size_t h;
    tip_test_buf_init(buf, mem_out, CAP, TIP_ESP_HEADROOM);
    h = tip_test_pkt_ip_hdr(buf->base + buf->off, src, dst, proto, l4_len, 7);
    assert_int_equal(h, 20);
    if (l4_len != 0)
        memcpy(buf->base + buf->off + h, l4, l4_len);
    buf->len = h + l4_len;
}

/* a protects @p proto / @p l4 (inner_a -> inner_b) with its SA (no
 * outbound SPD lookup: this is about b's inbound check), b receives it. */
static int send_and_deliver(uint8_t proto, const uint8_t *l4, size_t l4_len)
{
    tip_buf_t buf, in;
    raw_pkt(&buf, &fx.inner_a, &fx.inner_b, proto, l4, l4_len);
    assert_int_equal(tip_esp_encap(&fx.a, fx.sa_out, &buf), TIP_OK);
    assert_int_equal(tip_test_buf_set(&in, mem_in, CAP, TIP_ESP_HEADROOM, buf.base + buf.off,
                                      buf.len), TIP_OK);
    return tip_input_ip(&fx.b, &in);
}

/* Replace b's inbound policy by one that accepts only @p proto with the
 * peer's port (or ICMP type << 8 | code) in lo..hi. */
static void b_policy_only(uint8_t proto, uint16_t lo, uint16_t hi)
{
    tip_policy_t pol;
    tip_spd_flush(&fx.b);
    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_IN;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = fx.layout.mode;
    pol.tunnel_local = fx.outer_b;
    pol.tunnel_remote = fx.outer_a;
    (void)tip_addr_range_prefix(&pol.sel.local, &fx.inner_b, 24);
    (void)tip_addr_range_prefix(&pol.sel.remote, &fx.inner_a, 24);
    pol.sel.proto = proto;
    pol.sel.local_port_hi = 0xFFFF;
    pol.sel.remote_port_lo = lo;
    pol.sel.remote_port_hi = hi;
    assert_int_equal(tip_spd_add(&fx.b, &pol, TIP_SPD_APPEND, NULL), TIP_OK);
}

/* ---- fields no selector asks about ------------------------------------- */

static void test_short_icmp_accepted_by_any_icmp_policy(void **state)
{
    static const uint8_t icmp1[1] = {8};
    tip_sa_stats_t st;
    (void)state;
    setup(TIP_MODE_TUNNEL, 0);
    /* The fixture's policy accepts any protocol and port. */
    assert_int_equal(send_and_deliver(1, icmp1, 1), TIP_RX_DATA);
    assert_int_equal(send_and_deliver(1, NULL, 0), TIP_RX_DATA);
    /* A policy for "any ICMP" does not ask about type or code either. */
    b_policy_only(1, 0, 0xFFFF);
    assert_int_equal(send_and_deliver(1, icmp1, 1), TIP_RX_DATA);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.packets, 3);
    assert_int_equal(st.drops[TIP_DROP_MALFORMED], 0);
}

static void test_short_udp_and_tcp_accepted_by_any_port_policy(void **state)
{
    static const uint8_t l4[3] = {0x12, 0x34, 0x00};
    (void)state;
    setup(TIP_MODE_TUNNEL, 0);
    assert_int_equal(send_and_deliver(17, l4, 2), TIP_RX_DATA);
    assert_int_equal(send_and_deliver(6, l4, 3), TIP_RX_DATA);
    b_policy_only(17, 0, 0xFFFF);
    assert_int_equal(send_and_deliver(17, l4, 3), TIP_RX_DATA);
}

static void test_opaque_fields_do_not_match_a_specific_selector(void **state)
{
    static const uint8_t icmp1[1] = {8};
    static const uint8_t echo[8] = {8, 0, 0, 0, 0, 1, 0, 1};
    static const uint8_t udp3[3] = {0x00, 0x35, 0x00};
    tip_sa_stats_t st;
    (void)state;
    setup(TIP_MODE_TUNNEL, 0);
    /* Only ICMP echo requests (type 8): a header without a type is OPAQUE
     * and refused by the policy, not as malformed. */
    b_policy_only(1, 0x0800, 0x08FF);
    assert_int_equal(send_and_deliver(1, echo, sizeof(echo)), TIP_RX_DATA);
    assert_int_equal(send_and_deliver(1, icmp1, 1), TIP_ERR_POLICY);
    /* Only UDP from ports 0..1023: a cut header has no port, even "0". */
    b_policy_only(17, 0, 1023);
    assert_int_equal(send_and_deliver(17, udp3, 3), TIP_ERR_POLICY);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_POLICY], 2);
    assert_int_equal(st.drops[TIP_DROP_MALFORMED], 0);
}

static void test_non_first_fragment_is_opaque(void **state)
{
    static const uint8_t data[16] = {0};
    tip_buf_t buf, in;
    (void)state;
    setup(TIP_MODE_TUNNEL, 0);
    /* A non-first UDP fragment carries no port: an any-port policy takes
     * it, a policy for ports 0..1023 does not (its "port 0" is not real). */
    raw_pkt(&buf, &fx.inner_a, &fx.inner_b, 17, data, sizeof(data));
    buf.base[buf.off + 6] = 0x20; /* MF */
    buf.base[buf.off + 7] = 3;    /* offset 24 bytes */
    buf.base[buf.off + 10] = buf.base[buf.off + 11] = 0;
    {
        uint16_t c = tip_test_csum(buf.base + buf.off, 20);
        buf.base[buf.off + 10] = (uint8_t)(c >> 8);
        buf.base[buf.off + 11] = (uint8_t)c;
    }
    memcpy(mem_save, buf.base, CAP);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    b_policy_only(17, 0, 1023);
    buf.base = mem_out;
    memcpy(mem_out, mem_save, CAP);
    buf.off = TIP_ESP_HEADROOM;
    buf.len = 20 + sizeof(data);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_POLICY);
}

static void test_short_packet_sent_by_any_port_policy(void **state)
{
    static const uint8_t icmp1[1] = {8};
    tip_buf_t buf;
    (void)state;
    setup(TIP_MODE_TUNNEL, 0);
    raw_pkt(&buf, &fx.inner_a, &fx.inner_b, 1, icmp1, 1);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    assert_int_equal(tip_ctx_drops(&fx.a, TIP_DROP_MALFORMED), 0);
}

/* ---- transport mode: the packet's addresses are the SA's ---------------- */

static const char *const peer_y = "10.99.0.3";

/* b also has a transport SA with peer Y (its own SPI and key); b's inbound
 * policy (10.99.0.0/24, any protocol) covers both peers. a holds only X's
 * key and now sends with it as if it were Y: its outbound SA keeps X's SPI
 * and key but names Y as the source. */
static void setup_spoof(int natt, int x_has_sel)
{
    tip_sa_params_t p;
    static uint8_t ykey[20];
    setup(TIP_MODE_TRANSPORT, natt);
    memset(ykey, 0x77, sizeof(ykey));
    p = fx.in_params;
    p.spi = 0x2002;
    p.src = tip_test_addr(peer_y);
    p.encr_key = ykey;
    assert_int_equal(tip_sad_add(&fx.b, &p, NULL), TIP_OK);
    if (x_has_sel) {
        /* X's SA with negotiated-style selectors that accept anything. */
        p = fx.in_params;
        assert_int_equal(tip_sad_del(&fx.b, fx.sa_in), TIP_OK);
        p.has_sel = 1;
        memset(&p.sel, 0, sizeof(p.sel));
        p.sel.local_port_hi = p.sel.remote_port_hi = 0xFFFF;
        assert_int_equal(tip_sad_add(&fx.b, &p, &fx.sa_in), TIP_OK);
    }
}

static void spoof_sa(void)
{
    tip_sa_params_t p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.src = tip_test_addr(peer_y);
    p.seq_start = 100; /* X's SA goes on where it was */
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
}

static int send_from(const char *src, const tip_addr_t *udp_src)
{
    static const uint8_t pl[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    tip_addr_t s = tip_test_addr(src);
    tip_buf_t buf, in;
    const tip_test_sent_t *sent;

    tip_test_buf_init(&buf, mem_out, CAP, TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &fx.outer_b, 1000, 2000, pl, sizeof(pl)),
                     TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    sent = tip_test_port_last(&fx.pa);
    assert_non_null(sent);
    assert_int_equal(tip_test_port_to_buf(sent, &in, mem_in, CAP, TIP_ESP_HEADROOM), TIP_OK);
    if (sent->kind == TIP_TEST_SENT_UDP)
        return tip_input_udp(&fx.b, udp_src, sent->sport, &sent->dst, sent->dport, &in);
    return tip_input_ip(&fx.b, &in);
}

static void test_transport_source_must_be_the_sa_peer(void **state)
{
    tip_addr_t y = tip_test_addr(peer_y);
    tip_sa_stats_t st;
    (void)state;
    setup_spoof(0, 0);
    /* X itself: accepted. */
    assert_int_equal(send_from("10.99.0.1", NULL), TIP_RX_DATA);
    /* X's key and SPI, Y's address in the (raw ESP) header: refused. */
    spoof_sa();
    assert_int_equal(send_from(peer_y, &y), TIP_ERR_POLICY);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.packets, 1);
    assert_int_equal(st.drops[TIP_DROP_POLICY], 1);
}

static void test_transport_source_checked_over_udp(void **state)
{
    tip_addr_t y = tip_test_addr(peer_y), x = tip_test_addr("10.99.0.1");
    (void)state;
    setup_spoof(1, 0);
    assert_int_equal(send_from("10.99.0.1", &x), TIP_RX_DATA);
    /* ESP-in-UDP from Y's address (the header is rebuilt from it). */
    spoof_sa();
    assert_int_equal(send_from(peer_y, &y), TIP_ERR_POLICY);
}

static void test_transport_source_checked_with_sa_selectors(void **state)
{
    tip_addr_t y = tip_test_addr(peer_y);
    (void)state;
    /* Broad negotiated selectors do not widen who the peer is. */
    setup_spoof(0, 1);
    assert_int_equal(send_from("10.99.0.1", NULL), TIP_RX_DATA);
    spoof_sa();
    assert_int_equal(send_from(peer_y, &y), TIP_ERR_POLICY);
}

static void test_transport_destination_must_be_us(void **state)
{
    tip_sa_params_t p;
    tip_addr_t other = tip_test_addr("10.99.0.9");
    (void)state;
    setup(TIP_MODE_TRANSPORT, 0);
    /* a sends X's packets to another host of b's network through the SA
     * b holds for itself: not what that SA carries. */
    p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.dst = other;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    {
        static const uint8_t pl[4] = {0};
        tip_buf_t buf, in;
        tip_test_buf_init(&buf, mem_out, CAP, TIP_ESP_HEADROOM);
        assert_int_equal(tip_test_pkt_udp(&buf, &fx.outer_a, &other, 1, 2, pl, 4), TIP_OK);
        assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
        assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_POLICY);
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
        cmocka_unit_test(test_short_icmp_accepted_by_any_icmp_policy),
        cmocka_unit_test(test_short_udp_and_tcp_accepted_by_any_port_policy),
        cmocka_unit_test(test_opaque_fields_do_not_match_a_specific_selector),
        cmocka_unit_test(test_non_first_fragment_is_opaque),
        cmocka_unit_test(test_short_packet_sent_by_any_port_policy),
        cmocka_unit_test(test_transport_source_must_be_the_sa_peer),
        cmocka_unit_test(test_transport_source_checked_over_udp),
        cmocka_unit_test(test_transport_source_checked_with_sa_selectors),
        cmocka_unit_test(test_transport_destination_must_be_us),
    };
    return cmocka_run_group_tests_name("esp_selectors", tests, NULL, group_teardown);
}
