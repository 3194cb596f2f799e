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
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;

/* a (10.99.0.1) initiates, b (10.99.0.2) answers; fragment sizes 0 = default. */
static void pair(uint64_t seed, uint16_t frag_a, uint16_t frag_b, uint8_t off_b)
{
    tip_port_t p;
    tip_ike_conn_t k;

    (void)tip_ctx_deinit(&a);
    (void)tip_ctx_deinit(&b);
    tip_test_port_init(&pa, seed, 1000);
    tip_test_port_init(&pb, seed + 1, 1000);
    tip_test_port_fill(&pa, &p);
    assert_int_equal(tip_ctx_init(&a, &p), TIP_OK);
    tip_test_port_fill(&pb, &p);
    assert_int_equal(tip_ctx_init(&b, &p), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    k.frag_size = frag_a;
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    k.frag_size = frag_b;
    k.no_frag = off_b;
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", seed);
}

static int both_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&a, conn_a, &sa) == TIP_OK && tip_ike_status(&b, conn_b, &sb) == TIP_OK &&
           sa.child_up && sb.child_up;
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
    uint32_t rb = sim.n[1].rx_data;

    memset(pl, 0x5A, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&a, &buf), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[1].rx_data, rb + 1);
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
            sim.loss_pct = 15;
            sim.dup_pct = 15;
            sim.reorder_pct = 30;
        }
        assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
        assert_true(tip_sim_until(&sim, both_up, NULL, 120000));
        (void)count_ike(&pa, 0, &skf_a);
        (void)count_ike(&pb, 0, &skf_b);
        assert_true(skf_a >= 2); /* the IKE_AUTH request went in fragments */
        assert_true(skf_b >= 2); /* so did the response */
        assert_true(a.ike.frag_msgs >= 1);
        assert_true(b.ike.frag_msgs >= 1);
        sim.loss_pct = sim.dup_pct = sim.reorder_pct = 0;
        expect_ping();
    }
}

/* The same handshake with the RFC's default size (576 for IPv4) goes whole. */
static void test_default_size_sends_whole(void **state)
{
    unsigned skf;
    (void)state;
    pair(11, 0, 0, 0);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_up, NULL, 5000));
    (void)count_ike(&pa, 0, &skf);
    assert_int_equal(skf, 0);
    (void)count_ike(&pb, 0, &skf);
    assert_int_equal(skf, 0);
}

/* Turned off by the responder: not negotiated, nobody fragments. */
static void test_off_on_one_side(void **state)
{
    unsigned skf;
    tip_ike_sa_t *sa;
    (void)state;
    pair(12, 160, 160, 1);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_up, NULL, 5000));
    (void)count_ike(&pa, 0, &skf);
    assert_int_equal(skf, 0);
    (void)count_ike(&pb, 0, &skf);
    assert_int_equal(skf, 0);
    sa = &a.ike.sa[tip_handle_idx(a.ike.conn[tip_handle_idx(conn_a)].ike_sa)];
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
    src = from_port == &pa ? tip_test_addr("10.99.0.1") : tip_test_addr("10.99.0.2");
    dst = s->dst;
    (void)tip_ike_input(to, &src, s->sport, &dst, s->dport, s->data, s->len);
}

static void test_retransmit_all_fragments(void **state)
{
    uint32_t a0, a1, b0, i;
    unsigned n, skf_first, skf_again, skf_resp;
    (void)state;
    pair(13, 160, 160, 0);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    deliver(&pa, 0, &b); /* IKE_SA_INIT request */
    deliver(&pb, 0, &a); /* its response: a sends IKE_AUTH in fragments */
    a0 = tip_test_port_count(&pa);
    n = count_ike(&pa, 1, &skf_first);
    assert_true(skf_first >= 2);
    assert_int_equal(n, skf_first);
    /* All of them are lost; the network carries on from here. */
    sim.n[0].consumed = a0;
    sim.n[1].consumed = tip_test_port_count(&pb);
    tip_sim_run(&sim, 1500, 50); /* the first retransmission timeout */
    assert_true(both_up(NULL));
    (void)count_ike(&pa, a0, &skf_again);
    assert_int_equal(skf_again, skf_first); /* every fragment went again */
    /* RFC 7296 2.1: bitwise identical to the first transmission (peers
     * such as strongSwan recognise a retransmission by its bytes). */
    for (i = 0; i < skf_first; i++) {
        const tip_test_sent_t *o = tip_test_port_get(&pa, 1u + i), *r = tip_test_port_get(&pa, a0 + i);
        assert_non_null(o);
        assert_non_null(r);
        assert_int_equal(o->len, r->len);
        assert_memory_equal(o->data, r->data, o->len);
    }
    a1 = a0 + skf_again;
    /* The request comes once more (its response was lost, say): b sends
     * every fragment of its cached response, once, on fragment 1. */
    b0 = tip_test_port_count(&pb);
    for (i = a1; i > a0; i--)
        deliver(&pa, i - 1u, &b); /* last fragment first: only fragment 1 triggers */
    (void)count_ike(&pb, b0, &skf_resp);
    assert_true(skf_resp >= 2);
    assert_int_equal(tip_test_port_count(&pb) - b0, skf_resp);
    assert_int_equal(b.ike.frag_msgs, 1); /* the request was not taken again */
    /* A forged fragment 1 of that request (wrong ICV) earns nothing. */
    {
        const tip_test_sent_t *s = tip_test_port_get(&pa, a0);
        static uint8_t forged[TIP_TEST_PORT_PKT_MAX];
        tip_addr_t src = tip_test_addr("10.99.0.1"), dst = s->dst;
        uint32_t before = tip_test_port_count(&pb);
        assert_non_null(s);
        memcpy(forged, s->data, s->len);
        forged[s->len - 1u] ^= 1u;
        (void)tip_ike_input(&b, &src, s->sport, &dst, s->dport, forged, s->len);
        assert_int_equal(tip_test_port_count(&pb), before);
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
