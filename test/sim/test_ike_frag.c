/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKE fragmentation (RFC 7383) between two gateways over the simulated
 * network: both announce IKEV2_FRAGMENTATION_SUPPORTED, IKE_AUTH goes in
 * Encrypted Fragment payloads in both directions with a small fragment
 * size, through loss, duplication and reordering; a lost fragmented
 * request goes again in all its fragments, byte for byte the same, and
 * the responder answers a retransmitted request, on its fragment 1, with
 * all fragments of its cached response. Turned off on one side, messages
 * go out whole.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_FRAG TIP_CONF_AES_GCM
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;

/* a (10.99.0.1) initiates, b (10.99.0.2) answers; fragment sizes 0 = default. */
static void pair(uint64_t seed, uint16_t frag_a, uint16_t frag_b, uint8_t off_b)
{
    tip_ike_conn_t ka, kb;

    tip_sim_pair_init(&sp, seed);
    tip_sim_pair_conn(&ka, A);
    ka.frag_size = frag_a;
    tip_sim_pair_conn(&kb, B);
    kb.frag_size = frag_b;
    kb.no_frag = off_b;
    tip_sim_pair_add(&sp, &ka, &kb);
}

/* Encrypted Fragment datagrams (and all IKE datagrams) a port sent from packet @p from on. */
static unsigned count_ike(const tip_test_port_t *tp, uint32_t from, unsigned *skf)
{
    unsigned n = 0;
    uint32_t i;

    *skf = 0;
    for (i = from; i < tip_test_port_count(tp); i++) {
        const tip_test_sent_t *s = tip_test_port_get(tp, i);
        const uint8_t *m;
        if (s == NULL || s->kind != TIP_TEST_SENT_UDP || s->len < 28)
            continue;
        m = s->data + (s->dport == 4500 ? 4 : 0);
        n++;
        *skf += m[16] == TIP_IKE_PL_SKF;
    }
    return n;
}

static void expect_ping(void)
{
    static uint8_t mem[2048];
    uint8_t pl[64];
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr("10.1.0.5"), d = tip_test_addr("10.2.0.7");
    uint32_t rb = sp.sim.n[1].rx_data;

    memset(pl, 0x5A, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&sp.ctx[A], &buf), TIP_SENT);
    (void)tip_sim_pump(&sp.sim);
    assert_int_equal(sp.sim.n[1].rx_data, rb + 1);
}

/* IKE_AUTH goes in fragments both ways and the tunnel comes up, also
 * through loss, duplication and reordering. */
static void test_auth_fragmented_both_ways(void **state)
{
    uint64_t seed;
    (void)state;
    for (seed = 1; seed <= 6; seed++) {
        unsigned skf_a, skf_b;
        pair(seed, 160, 160, 0);
        if (seed > 1) {
            sp.sim.loss_pct = 15;
            sp.sim.dup_pct = 15;
            sp.sim.reorder_pct = 30;
        }
        assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
        assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 120000));
        (void)count_ike(&sp.port[A], 0, &skf_a);
        (void)count_ike(&sp.port[B], 0, &skf_b);
        assert_true(skf_a >= 2); /* the IKE_AUTH request went in fragments */
        assert_true(skf_b >= 2); /* so did the response */
        assert_true(sp.ctx[A].ike.frag_msgs >= 1);
        assert_true(sp.ctx[B].ike.frag_msgs >= 1);
        sp.sim.loss_pct = sp.sim.dup_pct = sp.sim.reorder_pct = 0;
        expect_ping();
    }
}

/* The same handshake with the RFC's default size (576 for IPv4) goes whole. */
static void test_default_size_sends_whole(void **state)
{
    unsigned skf;
    (void)state;
    pair(11, 0, 0, 0);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 5000));
    (void)count_ike(&sp.port[A], 0, &skf);
    assert_int_equal(skf, 0);
    (void)count_ike(&sp.port[B], 0, &skf);
    assert_int_equal(skf, 0);
}

/* Turned off by the responder: not negotiated, nobody fragments. */
static void test_off_on_one_side(void **state)
{
    unsigned skf;
    tip_ike_sa_t *sa;
    (void)state;
    pair(12, 160, 160, 1);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 5000));
    (void)count_ike(&sp.port[A], 0, &skf);
    assert_int_equal(skf, 0);
    (void)count_ike(&sp.port[B], 0, &skf);
    assert_int_equal(skf, 0);
    sa = &sp.ctx[A].ike.sa[tip_handle_idx(sp.ctx[A].ike.conn[tip_handle_idx(sp.conn[A])].ike_sa)];
    assert_int_equal(sa->frag_ok, 0);
}

/* A lost fragmented request goes again in all its fragments, and the
 * responder answers its retransmission with all fragments of its cached
 * response, once (on fragment 1), without processing the request again. */
/* Hand packet @p i that @p from_port sent to @p to (as the simulated network would). */
static void deliver(const tip_test_port_t *from_port, uint32_t i, tip_ctx_t *to)
{
    const tip_test_sent_t *s = tip_test_port_get(from_port, i);
    tip_addr_t src, dst;

    assert_non_null(s);
    src = from_port == &sp.port[A] ? tip_test_addr("10.99.0.1") : tip_test_addr("10.99.0.2");
    dst = s->dst;
    const uint8_t *ike;
    size_t len;

    ike = tip_test_sent_ike(s, &len);
    (void)tip_ike_input(to, &src, s->sport, &dst, s->dport, ike, len);
}

static void test_retransmit_all_fragments(void **state)
{
    uint32_t a0, a1, b0, i;
    unsigned n, skf_first, skf_again, skf_resp;
    (void)state;
    pair(13, 160, 160, 0);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    deliver(&sp.port[A], 0, &sp.ctx[B]); /* IKE_SA_INIT request */
    deliver(&sp.port[B], 0, &sp.ctx[A]); /* its response: a sends IKE_AUTH in fragments */
    a0 = tip_test_port_count(&sp.port[A]);
    n = count_ike(&sp.port[A], 1, &skf_first);
    assert_true(skf_first >= 2);
    assert_int_equal(n, skf_first);
    /* All of them are lost; the network carries on from here. */
    sp.sim.n[0].consumed = a0;
    sp.sim.n[1].consumed = tip_test_port_count(&sp.port[B]);
    tip_sim_run(&sp.sim, 1500, 50); /* the first retransmission timeout */
    assert_true(tip_sim_pair_both_up(&sp));
    (void)count_ike(&sp.port[A], a0, &skf_again);
    assert_int_equal(skf_again, skf_first); /* every fragment went again */
    /* RFC 7296 2.1: bitwise identical to the first transmission (peers
     * such as strongSwan recognise a retransmission by its bytes). */
    for (i = 0; i < skf_first; i++) {
        const tip_test_sent_t *o = tip_test_port_get(&sp.port[A], 1u + i), *r = tip_test_port_get(&sp.port[A], a0 + i);
        assert_non_null(o);
        assert_non_null(r);
        assert_int_equal(o->len, r->len);
        assert_memory_equal(o->data, r->data, o->len);
    }
    a1 = a0 + skf_again;
    /* The request comes once more (its response was lost, say): b sends
     * every fragment of its cached response, once, on fragment 1. */
    b0 = tip_test_port_count(&sp.port[B]);
    for (i = a1; i > a0; i--)
        deliver(&sp.port[A], i - 1u, &sp.ctx[B]); /* last fragment first: only fragment 1 triggers */
    (void)count_ike(&sp.port[B], b0, &skf_resp);
    assert_true(skf_resp >= 2);
    assert_int_equal(tip_test_port_count(&sp.port[B]) - b0, skf_resp);
    assert_int_equal(sp.ctx[B].ike.frag_msgs, 1); /* the request was not taken again */
    /* A forged fragment 1 of that request (wrong ICV) earns nothing. */
    {
        const tip_test_sent_t *s = tip_test_port_get(&sp.port[A], a0);
        static uint8_t forged[TIP_TEST_PORT_PKT_MAX];
        tip_addr_t src = tip_test_addr("10.99.0.1"), dst = s->dst;
        uint32_t before = tip_test_port_count(&sp.port[B]);
        assert_non_null(s);
        size_t len;
        const uint8_t *ike = tip_test_sent_ike(s, &len);
        memcpy(forged, ike, len);
        forged[len - 1u] ^= 1u;
        (void)tip_ike_input(&sp.ctx[B], &src, s->sport, &dst, s->dport, forged, len);
        assert_int_equal(tip_test_port_count(&sp.port[B]), before);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_fragmented_both_ways),
        cmocka_unit_test(test_default_size_sends_whole),
        cmocka_unit_test(test_off_on_one_side),
        cmocka_unit_test(test_retransmit_all_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
