/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 between two tinyipsec contexts over the simulated network: the
 * handshake, traffic through the negotiated CHILD SAs, rekeys, deletes,
 * and the same under loss, duplication and reordering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;
static int ev[2][TIP_EV_COUNT_];

static void on_event(void *arg, const tip_event_t *e)
{
    int who = (int)(intptr_t)arg;
    ev[who][e->type]++;
}

static void conn_fill(tip_ike_conn_t *c, const char *me, const char *peer, const char *my_id,
                      const char *peer_id, const char *my_net, const char *peer_net)
{
    tip_addr_t n;
    tip_ike_conn_init(c);
    c->local_addr = tip_test_addr(me);
    c->remote_addr = tip_test_addr(peer);
    assert_int_equal(tip_ike_id_set(&c->local_id, TIP_ID_FQDN, my_id), TIP_OK);
    assert_int_equal(tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, peer_id), TIP_OK);
    memcpy(c->psk, "correct horse battery staple", 28);
    c->psk_len = 28;
    n = tip_test_addr(my_net);
    assert_int_equal(tip_addr_range_prefix(&c->ts.local, &n, 24), TIP_OK);
    n = tip_test_addr(peer_net);
    assert_int_equal(tip_addr_range_prefix(&c->ts.remote, &n, 24), TIP_OK);
}

/* Two gateways: a (10.99.0.1, protects 10.1.0.0/24) and b (10.99.0.2, 10.2.0.0/24). */
static void setup_pair(const tip_ike_conn_t *ca_in, const tip_ike_conn_t *cb_in, uint64_t seed)
{
    tip_port_t port;
    tip_ike_conn_t ca, cb;

    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
    memset(ev, 0, sizeof(ev));
    tip_test_port_init(&pa, seed, 1000);
    tip_test_port_init(&pb, seed + 1, 1000);
    tip_test_port_fill(&pa, &port);
    assert_int_equal(tip_ctx_init(&a, &port), TIP_OK);
    tip_test_port_fill(&pb, &port);
    assert_int_equal(tip_ctx_init(&b, &port), TIP_OK);
    tip_ctx_set_event_cb(&a, on_event, (void *)(intptr_t)0);
    tip_ctx_set_event_cb(&b, on_event, (void *)(intptr_t)1);
    if (ca_in == NULL) {
        conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
        ca_in = &ca;
    }
    if (cb_in == NULL) {
        conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
        cb_in = &cb;
    }
    assert_int_equal(tip_ike_conn_add(&a, ca_in, &conn_a), TIP_OK);
    assert_int_equal(tip_ike_conn_add(&b, cb_in, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", seed);
}

static int both_children_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&a, conn_a, &sa) == TIP_OK && tip_ike_status(&b, conn_b, &sb) == TIP_OK &&
           sa.child_up && sb.child_up;
}

/* A UDP packet from a host behind @p from to a host behind the other side. */
static int send_traffic(tip_ctx_t *from, const char *src, const char *dst, uint8_t fill)
{
    static uint8_t mem[2048];
    uint8_t pl[100];
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr(src), d = tip_test_addr(dst);
    memset(pl, fill, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    return tip_output(from, &buf);
}

static void expect_traffic_both_ways(void)
{
    uint32_t ra = sim.n[0].rx_data, rb = sim.n[1].rx_data;
    assert_int_equal(send_traffic(&a, "10.1.0.5", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[1].rx_data, rb + 1);
    assert_int_equal(sim.n[1].last[28], 0xAB);
    assert_int_equal(send_traffic(&b, "10.2.0.7", "10.1.0.5", 0xCD), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[0].rx_data, ra + 1);
    assert_int_equal(sim.n[0].last[28], 0xCD);
}

static void test_handshake_and_traffic(void **state)
{
    tip_ike_status_t st;
    (void)state;
    setup_pair(NULL, NULL, 1);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 1);
    assert_int_equal(ev[0][TIP_EV_CHILD_UP], 1);
    assert_int_equal(ev[1][TIP_EV_CHILD_UP], 1);
    assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
    assert_true(st.initiator);
    assert_false(st.natt);
    expect_traffic_both_ways();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_and_traffic),
    };
    return cmocka_run_group_tests_name("ike_sim", tests, NULL, NULL);
}
