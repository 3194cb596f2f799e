/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ESP (RFC 4303) end to end between two contexts: every suite in every
 * layout, and every way an inbound packet can be refused. A refused packet
 * must return its error, bump exactly its drop counter and leave the SA
 * otherwise unchanged (the same packet, repaired, is still accepted).
 *
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_AES_CBC TIP_CONF_CHACHAPOLY TIP_CONF_ENCR_NULL
 * tip-requires: TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384 TIP_CONF_HMAC_SHA512 TIP_CONF_IPV6
 * tip-requires: TIP_CONF_NATT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "crypto.h"
#include "ip.h"
#include "tip_internal.h"
#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

#define CAP 4096

static tip_test_fixture_t fx;
static uint8_t mem_out[CAP], mem_in[CAP], mem_orig[CAP];

static const tip_test_layout_t layouts[] = {
    {TIP_MODE_TUNNEL, 0, 0, 0, 0, 0},
    {TIP_MODE_TUNNEL, 0, 0, 1, 0, 0},
    {TIP_MODE_TUNNEL, 0, 0, 0, 1, 0},
    {TIP_MODE_TUNNEL, 0, 1, 0, 0, 0},
    {TIP_MODE_TUNNEL, 1, 0, 1, 0, 0},
    {TIP_MODE_TUNNEL, 1, 1, 0, 1, 0},
    {TIP_MODE_TRANSPORT, 0, 0, 0, 0, 0},
    {TIP_MODE_TRANSPORT, 0, 0, 1, 1, 0},
    {TIP_MODE_TRANSPORT, 1, 1, 0, 0, 0},
    {TIP_MODE_TRANSPORT, 1, 1, 1, 1, 0},
};

static const tip_test_suite_t *suite_named(const char *name)
{
    const tip_test_suite_t *s;
    for (s = tip_test_suites; s->name != NULL; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    fail();
    return NULL;
}

static void setup_pair(const char *suite, tip_mode_t mode, int natt, int esn)
{
    tip_test_layout_t l = {mode, 0, 0, esn, natt, 0};
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, suite_named(suite), &l), TIP_OK);
}

/* Send one packet from a; returns the original inner packet in mem_orig. */
static size_t send_one(size_t payload, uint8_t fill)
{
    tip_buf_t buf;
    assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, payload, fill), TIP_OK);
    memcpy(mem_orig, buf.base + buf.off, buf.len);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    if ((mem_orig[0] >> 4) == 6)
        return 40u + tip_load_be16(mem_orig + 4);
    return tip_load_be16(mem_orig + 2);
}

static void test_roundtrip_matrix(void **state)
{
    const tip_test_suite_t *s;
    size_t li;
    static const size_t sizes[] = {0, 1, 13, 64, 200, 1400};
    (void)state;
    for (s = tip_test_suites; s->name != NULL; s++) {
        for (li = 0; li < sizeof(layouts) / sizeof(layouts[0]); li++) {
            size_t k;
            tip_fx_init(&fx);
            assert_int_equal(tip_fx_setup(&fx, s, &layouts[li]), TIP_OK);
            for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
                tip_buf_t in;
                tip_sa_stats_t st;
                size_t olen = send_one(sizes[k], (uint8_t)(k + 1));
                const tip_test_sent_t *sent = tip_test_port_last(&fx.pa);
                assert_non_null(sent);
                assert_int_equal(sent->kind,
                                 layouts[li].natt ? TIP_TEST_SENT_UDP : TIP_TEST_SENT_IP);
                assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
                if (in.len != olen) print_error("suite %s layout %zu size %zu\n", s->name, li, sizes[k]);
                assert_int_equal(in.len, olen);
                if (layouts[li].mode == TIP_MODE_TUNNEL) {
                    assert_memory_equal(in.base + in.off, mem_orig, olen);
                } else {
                    /* Transport: the header was rebuilt; payload identical
                     * and every checksum valid. */
                    size_t h = (mem_orig[0] >> 4) == 6 ? 40u : 20u;
                    assert_memory_equal(in.base + in.off + h, mem_orig + h, olen - h);
                    assert_int_equal(tip_test_pkt_verify(in.base + in.off, in.len), 0);
                }
                assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
                assert_int_equal(st.packets, k + 1);
                assert_int_equal(st.seq, k + 1);
            }
        }
    }
}

static void test_outer_header(void **state)
{
    tip_buf_t buf;
    const uint8_t *p;
    (void)state;
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 0, 0);
    assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, 100, 7), TIP_OK);
    buf.base[buf.off + 6] |= 0x40; /* DF on the inner packet */
    tip_ipv4_fix_checksum(buf.base + buf.off);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    p = tip_test_port_last(&fx.pa)->data;
    assert_int_equal(p[0], 0x45);
    assert_int_equal(p[9], 50);
    assert_int_equal(p[8], TIP_OUTER_TTL);
    assert_int_equal(p[6] & 0x40, 0x40); /* RFC 4301 8.1: DF copied */
    assert_true(tip_test_ip4_csum_ok(p, 20));
    assert_int_equal(tip_load_be32(p + 20), 0x1001);
    assert_int_equal(tip_load_be32(p + 24), 1);
    /* GCM: the IV is the 64-bit sequence number */
    assert_int_equal(tip_load_be32(p + 28), 0);
    assert_int_equal(tip_load_be32(p + 32), 1);
    /* 128 inner + 2 trailer, padded to 4 -> 132 + 8 hdr + 8 iv + 16 icv */
    assert_int_equal(tip_load_be16(p + 2), 20 + 8 + 8 + 132 + 16);
}

static void test_natt_wire_format(void **state)
{
    const tip_test_sent_t *s;
    (void)state;
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 1, 0);
    (void)send_one(50, 1);
    s = tip_test_port_last(&fx.pa);
    assert_int_equal(s->kind, TIP_TEST_SENT_UDP);
    assert_int_equal(s->sport, 4500);
    assert_int_equal(s->dport, 4500);
    /* RFC 3948 2.1: the UDP payload starts with the (non-zero) SPI. */
    assert_int_equal(tip_load_be32(s->data), 0x1001);
}

/* tip_esp_encap() hands back the whole packet (for a port that sends raw
 * IP): ESP in UDP over IPv6 must carry a correct UDP checksum, never zero
 * (RFC 8200 8.1), for every payload length's padding. */
static void test_natt_ipv6_udp_checksum(void **state)
{
    tip_test_layout_t l = {TIP_MODE_TUNNEL, 1, 0, 0, 1, 0};
    size_t payload;
    (void)state;
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, suite_named("aes128gcm16"), &l), TIP_OK);
    for (payload = 0; payload < 40; payload++) {
        tip_buf_t buf;
        const uint8_t *p, *u;
        size_t ulen;
        assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, payload, (uint8_t)payload),
                         TIP_OK);
        assert_int_equal(tip_esp_encap(&fx.a, fx.sa_out, &buf), TIP_OK);
        p = buf.base + buf.off;
        assert_int_equal(p[0] >> 4, 6);
        assert_int_equal(p[6], 17); /* UDP */
        assert_int_equal(tip_load_be16(p + 4), buf.len - 40);
        assert_memory_equal(p + 8, fx.outer_a.addr, 16);
        assert_memory_equal(p + 24, fx.outer_b.addr, 16);
        u = p + 40;
        ulen = buf.len - 40;
        assert_int_equal(tip_load_be16(u), 4500);
        assert_int_equal(tip_load_be16(u + 2), 4500);
        assert_int_equal(tip_load_be16(u + 4), ulen);
        assert_int_not_equal(tip_load_be16(u + 6), 0);
        assert_int_equal(tip_test_l4_csum(&fx.outer_a, &fx.outer_b, 17, u, ulen), 0);
        assert_int_equal(tip_load_be32(u + 8), 0x1001); /* the SPI */
    }
}

/* Resend the last packet after @p mutate; returns what b said. */
static int deliver_mutated(void (*mutate)(uint8_t *p, size_t len))
{
    tip_buf_t in;
    assert_int_equal(tip_test_port_to_buf(tip_test_port_last(&fx.pa), &in, mem_in, CAP,
                                          TIP_ESP_HEADROOM), TIP_OK);
    if (mutate != NULL)
        mutate(in.base + in.off, in.len);
    return tip_input_ip(&fx.b, &in);
}

static void flip_last_byte(uint8_t *p, size_t len) { p[len - 1] ^= 1; }
static void flip_payload(uint8_t *p, size_t len) { (void)len; p[40] ^= 0x80; }
static void flip_spi(uint8_t *p, size_t len) { (void)len; p[22] ^= 0x55; }

static void expect_only_drop(const tip_sa_stats_t *before, const tip_sa_stats_t *after,
                             tip_drop_t reason)
{
    int r;
    assert_int_equal(after->packets, before->packets);
    assert_int_equal(after->bytes, before->bytes);
    assert_int_equal(after->seq, before->seq);
    for (r = 0; r < TIP_DROP_COUNT; r++)
        assert_int_equal(after->drops[r], before->drops[r] + (r == (int)reason ? 1u : 0u));
}

static void test_bad_icv_changes_nothing(void **state)
{
    const char *suites[] = {"aes128gcm16", "chacha20poly1305", "aes128-sha256", "null-sha256"};
    size_t i;
    (void)state;
    for (i = 0; i < 4; i++) {
        tip_sa_stats_t before, after;
        tip_buf_t in;
        setup_pair(suites[i], TIP_MODE_TUNNEL, 0, 0);
        (void)send_one(80, 3);
        assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &before), TIP_OK);
        assert_int_equal(deliver_mutated(flip_last_byte), TIP_ERR_AUTH);
        assert_int_equal(deliver_mutated(flip_payload), TIP_ERR_AUTH);
        assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &after), TIP_OK);
        before.drops[TIP_DROP_ICV]++;
        expect_only_drop(&before, &after, TIP_DROP_ICV);
        /* the genuine packet still passes: the window did not move */
        assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    }
}

static void test_replayed_packet(void **state)
{
    tip_sa_stats_t before, after;
    tip_buf_t in;
    (void)state;
    setup_pair("aes256gcm16", TIP_MODE_TUNNEL, 0, 1);
    (void)send_one(30, 1);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &before), TIP_OK);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_REPLAY);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &after), TIP_OK);
    expect_only_drop(&before, &after, TIP_DROP_REPLAY);
}

/* An SA's drop counters stop at 2^32 - 1 rather than wrap to 0. */
static void test_sa_drop_counter_saturates(void **state)
{
    tip_sa_stats_t st;
    tip_buf_t in;
    int err = 0;
    tip_sa_t *sa;
    (void)state;
    setup_pair("aes256gcm16", TIP_MODE_TUNNEL, 0, 1);
    (void)send_one(30, 1);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    sa = tip_sa_get(&fx.b, fx.sa_in, &err);
    assert_non_null(sa);
    sa->stats.drops[TIP_DROP_REPLAY] = UINT32_MAX - 1u; /* as after 4 G replays */
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_REPLAY);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_REPLAY], UINT32_MAX);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_REPLAY);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_REPLAY], UINT32_MAX);
    assert_int_equal(st.packets, 1);
}

static void test_unknown_spi_and_truncated(void **state)
{
    tip_buf_t in;
    tip_sa_stats_t before, after;
    static const uint8_t tiny[] = {0x45, 0, 0, 24, 0, 0, 0, 0, 64, 50, 0, 0,
                                   10, 99, 0, 1, 10, 99, 0, 2, 0, 0, 0x10, 0x01};
    (void)state;
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 0, 0);
    (void)send_one(30, 1);
    assert_int_equal(deliver_mutated(flip_spi), TIP_ERR_NO_SA);
    assert_int_equal(tip_ctx_drops(&fx.b, TIP_DROP_NO_SA), 1);
    /* truncated: only part of an ESP header */
    assert_int_equal(tip_test_buf_set(&in, mem_in, CAP, 64, tiny, sizeof(tiny)), TIP_OK);
    assert_int_equal(tip_input_ip(&fx.b, &in), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ctx_drops(&fx.b, TIP_DROP_MALFORMED), 1);
    /* truncated: SPI known, but shorter than header + IV + ICV */
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &before), TIP_OK);
    assert_int_equal(tip_test_port_to_buf(tip_test_port_last(&fx.pa), &in, mem_in, CAP, 64),
                     TIP_OK);
    in.len = 20 + 8 + 8 + 10;
    tip_store_be16(in.base + in.off + 2, (uint16_t)in.len);
    assert_int_equal(tip_input_ip(&fx.b, &in), TIP_ERR_MALFORMED);
    /* ciphertext not a multiple of 4 */
    assert_int_equal(tip_test_port_to_buf(tip_test_port_last(&fx.pa), &in, mem_in, CAP, 64),
                     TIP_OK);
    in.len -= 1;
    tip_store_be16(in.base + in.off + 2, (uint16_t)in.len);
    assert_int_equal(tip_input_ip(&fx.b, &in), TIP_ERR_MALFORMED);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &after), TIP_OK);
    before.drops[TIP_DROP_MALFORMED]++;
    expect_only_drop(&before, &after, TIP_DROP_MALFORMED);
}

/* With ENCR_NULL the trailer is visible: rewrite it and re-sign, so the
 * packet authenticates and only the trailer check can refuse it. */
static void resign(uint8_t *p, size_t len)
{
    tip_crypto_sa_t c;
    uint8_t mac[TIP_CRYPTO_MAX_MAC];
    assert_int_equal(tip_crypto_sa_init(&c, TIP_DIR_OUT, TIP_ENCR_NULL, NULL, 0,
                                        TIP_INTEG_HMAC_SHA2_256_128, fx.ikey, 32), TIP_OK);
    assert_int_equal(tip_crypto_hmac(&c, p + 20, len - 20 - 16, NULL, 0, mac), TIP_OK);
    memcpy(p + len - 16, mac, 16);
    tip_crypto_sa_free(&c);
}

static void bad_pad_byte(uint8_t *p, size_t len)
{
    /* trailer: ... pad(1,2,..) padlen nh | ICV(16) */
    uint8_t padlen = p[len - 16 - 2];
    assert_true(padlen >= 1);
    p[len - 16 - 2 - padlen] ^= 0x20;
    resign(p, len);
}

static void pad_len_too_big(uint8_t *p, size_t len)
{
    p[len - 16 - 2] = 250;
    resign(p, len);
}

static void next_header_dummy(uint8_t *p, size_t len)
{
    p[len - 16 - 1] = 59;
    resign(p, len);
}

static void next_header_bogus(uint8_t *p, size_t len)
{
    p[len - 16 - 1] = 17; /* tunnel SA, but says UDP */
    resign(p, len);
}

static void test_trailer_checks(void **state)
{
    struct {
        void (*mutate)(uint8_t *, size_t);
        int err;
        tip_drop_t reason;
    } cases[] = {
        {bad_pad_byte, TIP_ERR_PADDING, TIP_DROP_PADDING},
        {pad_len_too_big, TIP_ERR_PADDING, TIP_DROP_PADDING},
        {next_header_dummy, TIP_ERR_DUMMY, TIP_DROP_DUMMY},
        {next_header_bogus, TIP_ERR_MALFORMED, TIP_DROP_MALFORMED},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tip_sa_stats_t st;
        setup_pair("null-sha256", TIP_MODE_TUNNEL, 0, 0);
        (void)send_one(33, 1); /* 61-byte inner + 2 -> 1 byte of padding */
        assert_int_equal(deliver_mutated(cases[i].mutate), cases[i].err);
        assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
        assert_int_equal(st.drops[cases[i].reason], 1);
        assert_int_equal(st.packets, 0);
        assert_int_equal(st.seq, 0); /* authenticated, refused: the window did not move */
    }
}

static void test_inner_policy_check(void **state)
{
    tip_buf_t buf, in;
    tip_sa_stats_t st;
    tip_policy_t pol;
    tip_addr_t stranger = tip_test_addr("10.7.7.7");
    uint8_t payload[8] = {0};
    (void)state;
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 0, 0);
    /* a also protects 10.7.0.0/16 -> inner_b through the same SA, but b's
     * inbound policy only allows 10.1.0.0/24: RFC 4301 5.2 says drop. */
    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_OUT;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = fx.outer_a;
    pol.tunnel_remote = fx.outer_b;
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
    (void)tip_addr_range_prefix(&pol.sel.local, &stranger, 16);
    (void)tip_addr_range_prefix(&pol.sel.remote, &fx.inner_b, 24);
    assert_int_equal(tip_spd_add(&fx.a, &pol, TIP_SPD_APPEND, NULL), TIP_OK);
    tip_test_buf_init(&buf, mem_out, CAP, TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &stranger, &fx.inner_b, 1, 2, payload, 8), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_POLICY);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_POLICY], 1);
    assert_int_equal(st.packets, 0);
}

static int events[TIP_EV_COUNT_];
static tip_event_t last_event;
static void on_event(void *arg, const tip_event_t *ev)
{
    (void)arg;
    events[ev->type]++;
    last_event = *ev;
}

static void test_lifetime_packets(void **state)
{
    tip_buf_t buf;
    (void)state;
    memset(events, 0, sizeof(events));
    tip_fx_init(&fx);
    {
        tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, 0, 0};
        tip_sa_params_t p;
        assert_int_equal(tip_fx_setup(&fx, suite_named("aes128gcm16"), &l), TIP_OK);
        /* replace a's SA by one with packet lifetimes soft 2, hard 3 */
        p = fx.out_params;
        assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
        p.soft.packets = 2;
        p.hard.packets = 3;
        assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    }
    tip_ctx_set_event_cb(&fx.a, on_event, NULL);
    (void)send_one(10, 1);
    assert_int_equal(events[TIP_EV_SA_SOFT_EXPIRED], 0);
    (void)send_one(10, 1);
    assert_int_equal(events[TIP_EV_SA_SOFT_EXPIRED], 1);
    (void)send_one(10, 1); /* the third packet reaches the hard limit */
    assert_int_equal(events[TIP_EV_SA_HARD_EXPIRED], 1);
    assert_int_equal(tip_sad_count(&fx.a), 0);
    assert_int_equal(tip_sad_stats(&fx.a, fx.sa_out, NULL), TIP_ERR_STALE);
    /* now the policy has no SA: acquire */
    assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, 10, 1), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_ERR_NO_SA);
    assert_int_equal(events[TIP_EV_ACQUIRE], 1);
    assert_int_not_equal(last_event.policy, 0);
    assert_int_equal(tip_ctx_drops(&fx.a, TIP_DROP_NO_SA), 1);
}

static void test_lifetime_bytes_inbound(void **state)
{
    tip_buf_t in;
    tip_sa_params_t p;
    (void)state;
    memset(events, 0, sizeof(events));
    setup_pair("aes128-sha256", TIP_MODE_TUNNEL, 0, 0);
    p = fx.in_params;
    assert_int_equal(tip_sad_del(&fx.b, fx.sa_in), TIP_OK);
    p.hard.bytes = 250; /* two 100-byte-payload packets fit, the third not */
    assert_int_equal(tip_sad_add(&fx.b, &p, &fx.sa_in), TIP_OK);
    tip_ctx_set_event_cb(&fx.b, on_event, NULL);
    (void)send_one(72, 1);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    (void)send_one(72, 1);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    (void)send_one(72, 1);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_LIFETIME);
    assert_int_equal(events[TIP_EV_SA_HARD_EXPIRED], 1);
    assert_int_equal(tip_sad_count(&fx.b), 0);
}

static void test_lifetime_seconds(void **state)
{
    tip_sa_params_t p;
    uint32_t next;
    (void)state;
    memset(events, 0, sizeof(events));
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 0, 0);
    p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.soft.seconds = 10;
    p.hard.seconds = 20;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    tip_ctx_set_event_cb(&fx.a, on_event, NULL);
    next = tip_poll(&fx.a, 1000 + 9999);
    assert_int_equal(next, 1); /* the soft lifetime, exactly */
    assert_int_equal(events[TIP_EV_SA_SOFT_EXPIRED], 0);
    (void)tip_poll(&fx.a, 1000 + 10000);
    assert_int_equal(events[TIP_EV_SA_SOFT_EXPIRED], 1);
    (void)tip_poll(&fx.a, 1000 + 15000);
    assert_int_equal(events[TIP_EV_SA_SOFT_EXPIRED], 1);
    assert_int_equal(tip_sad_count(&fx.a), 1);
    (void)tip_poll(&fx.a, 1000 + 20000);
    assert_int_equal(events[TIP_EV_SA_HARD_EXPIRED], 1);
    assert_int_equal(tip_sad_count(&fx.a), 0);
}

static void test_sequence_exhaustion(void **state)
{
    tip_sa_params_t p;
    tip_buf_t buf, in;
    tip_sa_stats_t st;
    (void)state;
    memset(events, 0, sizeof(events));
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 0, 0);
    p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.seq_start = 0xFFFFFFFEu;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    tip_ctx_set_event_cb(&fx.a, on_event, NULL);
    (void)send_one(10, 1); /* seq 0xFFFFFFFF: the last one */
    assert_int_equal(events[TIP_EV_SA_REKEY_NEEDED], 1);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, 10, 1), TIP_OK);
    /* RFC 4303 3.3.3: never wrap */
    assert_int_equal(tip_output(&fx.a, &buf), TIP_ERR_SEQ_EXHAUSTED);
    assert_int_equal(events[TIP_EV_SA_SEQ_EXHAUSTED], 1);
    assert_int_equal(tip_sad_stats(&fx.a, fx.sa_out, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_SEQ_EXHAUSTED], 1);
    assert_true(st.seq == 0xFFFFFFFFu);
}

static void test_esn_crosses_epoch(void **state)
{
    tip_sa_params_t p;
    tip_buf_t in;
    tip_sa_stats_t st;
    int i;
    (void)state;
    setup_pair("aes128-sha256", TIP_MODE_TUNNEL, 0, 1);
    p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.seq_start = 0xFFFFFFFDu;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    for (i = 0; i < 5; i++) {
        (void)send_one(20, 1);
        assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    }
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_true(st.seq == 0x100000002ull);
    /* on the wire only the low 32 bits travel */
    assert_int_equal(tip_load_be32(tip_test_port_last(&fx.pa)->data + 24), 2);
}

/* RFC 4303 2.2.1 / appendix A: the receiver infers the high 32 bits from
 * where its window is, so it has to track the window even when the replay
 * check is off; otherwise every packet after 2^32 fails the ICV. */
static void test_esn_without_replay_check_crosses_epoch(void **state)
{
    tip_sa_params_t p;
    tip_buf_t in;
    tip_sa_stats_t st;
    int i;
    (void)state;
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 0, 1);
    p = fx.in_params;
    assert_int_equal(tip_sad_del(&fx.b, fx.sa_in), TIP_OK);
    p.no_replay = 1;
    assert_int_equal(tip_sad_add(&fx.b, &p, &fx.sa_in), TIP_OK);
    p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.seq_start = 0xFFFFFFFDu;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    for (i = 0; i < 5; i++) {
        (void)send_one(20, 1);
        assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    }
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.packets, 5);
    assert_true(st.seq == 0x100000002ull);
    /* Replays are accepted (the check is off), and do not move the window. */
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_true(st.seq == 0x100000002ull);
}

static void test_no_room(void **state)
{
    tip_buf_t buf;
    tip_sa_stats_t st;
    uint8_t payload[16] = {0};
    (void)state;
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 0, 0);
    tip_test_buf_init(&buf, mem_out, CAP, 10); /* too little headroom */
    assert_int_equal(tip_test_pkt_udp(&buf, &fx.inner_a, &fx.inner_b, 1, 2, payload, 16), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_ERR_BUF_SPACE);
    tip_test_buf_init(&buf, mem_out, 64 + 44 + 10, 64); /* too little tailroom */
    assert_int_equal(tip_test_pkt_udp(&buf, &fx.inner_a, &fx.inner_b, 1, 2, payload, 16), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_ERR_BUF_SPACE);
    assert_int_equal(tip_sad_stats(&fx.a, fx.sa_out, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_NO_ROOM], 2);
    assert_int_equal(st.seq, 0); /* no sequence number burnt */
}

static void test_send_failure_counted(void **state)
{
    tip_buf_t buf;
    tip_sa_stats_t st;
    (void)state;
    setup_pair("aes128gcm16", TIP_MODE_TUNNEL, 0, 0);
    tip_test_port_fail_next(&fx.pa, 1, 0);
    assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, 10, 1), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_ERR_PORT);
    assert_int_equal(tip_sad_stats(&fx.a, fx.sa_out, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_SEND], 1);
}

static void test_wrong_key_fails_auth(void **state)
{
    tip_sa_params_t p;
    tip_buf_t in;
    (void)state;
    setup_pair("chacha20poly1305", TIP_MODE_TUNNEL, 1, 0);
    p = fx.in_params;
    assert_int_equal(tip_sad_del(&fx.b, fx.sa_in), TIP_OK);
    fx.ekey[3] ^= 1;
    assert_int_equal(tip_sad_add(&fx.b, &p, &fx.sa_in), TIP_OK);
    (void)send_one(10, 1);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_AUTH);
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
        cmocka_unit_test(test_roundtrip_matrix),
        cmocka_unit_test(test_outer_header),
        cmocka_unit_test(test_natt_wire_format),
        cmocka_unit_test(test_natt_ipv6_udp_checksum),
        cmocka_unit_test(test_bad_icv_changes_nothing),
        cmocka_unit_test(test_replayed_packet),
        cmocka_unit_test(test_sa_drop_counter_saturates),
        cmocka_unit_test(test_unknown_spi_and_truncated),
        cmocka_unit_test(test_trailer_checks),
        cmocka_unit_test(test_inner_policy_check),
        cmocka_unit_test(test_lifetime_packets),
        cmocka_unit_test(test_lifetime_bytes_inbound),
        cmocka_unit_test(test_lifetime_seconds),
        cmocka_unit_test(test_sequence_exhaustion),
        cmocka_unit_test(test_esn_crosses_epoch),
        cmocka_unit_test(test_esn_without_replay_check_crosses_epoch),
        cmocka_unit_test(test_no_room),
        cmocka_unit_test(test_send_failure_counted),
        cmocka_unit_test(test_wrong_key_fails_auth),
    };
    return cmocka_run_group_tests_name("esp", tests, NULL, group_teardown);
}
