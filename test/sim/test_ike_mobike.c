/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * MOBIKE (RFC 4555) over the simulated network: both sides announce it in
 * IKE_AUTH; the initiator (10.99.0.1) moves to 10.99.0.3 with
 * tip_ike_update_address() and traffic flows both ways again on the same
 * IKE and CHILD SPIs (nothing rekeyed), also over a lossy, duplicating
 * network; a forged or replayed UPDATE_SA_ADDRESSES moves nothing; with a
 * peer that does not do MOBIKE the update is refused locally.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_MOBIKE TIP_MAX_IKE_SA>=2 TIP_CONF_AES_GCM
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_IKE_REKEY_IKE (rekeys the IKE SA)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;
static int ev[2][TIP_EV_COUNT_];

static void on_event(void *arg, const tip_event_t *e)
{
    ev[(int)(intptr_t)arg][e->type]++;
}

static int same_addr(const tip_addr_t *x, const tip_addr_t *y)
{
    return x->family == y->family && memcmp(x->addr, y->addr, sizeof(x->addr)) == 0;
}

static void no_mobike(tip_ike_conn_t *k)
{
    k->no_mobike = 1;
}

/* a initiates from 10.99.0.1, b answers at 10.99.0.2; both up. */
static void pair_up2(uint64_t seed, void (*ta)(tip_ike_conn_t *k), void (*tb)(tip_ike_conn_t *k))
{
    tip_port_t p;
    tip_ike_conn_t k;
    tip_ike_status_t st;

    (void)tip_ctx_deinit(&a);
    (void)tip_ctx_deinit(&b);
    memset(ev, 0, sizeof(ev));
    tip_test_port_init(&pa, seed, 1000);
    tip_test_port_init(&pb, seed + 1, 1000);
    tip_test_port_fill(&pa, &p);
    assert_int_equal(tip_ctx_init(&a, &p), TIP_OK);
    tip_test_port_fill(&pb, &p);
    assert_int_equal(tip_ctx_init(&b, &p), TIP_OK);
    tip_ctx_set_event_cb(&a, on_event, (void *)(intptr_t)0);
    tip_ctx_set_event_cb(&b, on_event, (void *)(intptr_t)1);
    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    if (ta != NULL)
        ta(&k);
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    if (tb != NULL)
        tb(&k);
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", seed);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 2000, 10);
    assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
    assert_true(st.ike_up && st.child_up);
}

static void pair_up(uint64_t seed, void (*tb)(tip_ike_conn_t *k))
{
    pair_up2(seed, NULL, tb);
}

static void encap(tip_ike_conn_t *k)
{
    k->force_encap = 1;
}

static int moved(void *arg)
{
    (void)arg;
    return ev[0][TIP_EV_IKE_MOVED] >= 1 && ev[1][TIP_EV_IKE_MOVED] >= 1;
}

/* Traffic both ways through the CHILD SA; returns 1 when both arrived. */
static int traffic_both_ways(uint8_t fill)
{
    uint32_t ra = sim.n[0].rx_data, rb = sim.n[1].rx_data;
    if (tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", fill) != TIP_SENT)
        return 0;
    tip_sim_pump(&sim);
    if (tip_sim_send_udp(&b, "10.2.0.7", "10.1.0.5", fill) != TIP_SENT)
        return 0;
    tip_sim_pump(&sim);
    return sim.n[1].rx_data > rb && sim.n[0].rx_data > ra;
}

/* RFC 4555 3.1: both sides announced MOBIKE_SUPPORTED. */
static void test_mobike_announced_both_ways(void **state)
{
    tip_ike_status_t sa, sb;
    (void)state;
    pair_up(11, NULL);
    assert_int_equal(tip_ike_status(&a, conn_a, &sa), TIP_OK);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_int_equal(sa.peer_mobike, 1);
    assert_int_equal(sb.peer_mobike, 1);
}

/* The device moves: same SPIs, traffic both ways, no rekey. */
static void move_once(uint64_t seed, unsigned loss, unsigned dup)
{
    tip_ike_status_t before, sa, sb;
    tip_addr_t now_at = tip_test_addr("10.99.0.3");

    pair_up(seed, NULL);
    assert_int_equal(tip_ike_status(&a, conn_a, &before), TIP_OK);
    sim.loss_pct = loss;
    sim.dup_pct = dup;
    sim.n[0].addr = now_at; /* the old address is gone */
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    assert_true(tip_sim_until(&sim, moved, NULL, 60000));
    sim.loss_pct = 0;
    sim.dup_pct = 0;
    tip_sim_run(&sim, 100, 10);
    assert_int_equal(tip_ike_status(&a, conn_a, &sa), TIP_OK);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(sa.ike_up && sb.ike_up && sa.child_up && sb.child_up);
    assert_true(same_addr(&sa.local_addr, &now_at));
    assert_true(same_addr(&sb.peer_addr, &now_at));
    assert_memory_equal(sa.spi_i, before.spi_i, 8);
    assert_memory_equal(sa.spi_r, before.spi_r, 8);
    assert_int_equal(sa.child_spi_in, before.child_spi_in);
    assert_int_equal(sa.child_spi_out, before.child_spi_out);
    assert_int_equal(sb.child_spi_in, before.child_spi_out);
    assert_true(traffic_both_ways(0x5A));
    assert_int_equal(ev[0][TIP_EV_IKE_MOVED], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED] + ev[1][TIP_EV_CHILD_REKEYED], 0);
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED] + ev[1][TIP_EV_IKE_REKEYED], 0);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN] + ev[1][TIP_EV_IKE_DOWN], 0);
}

static void test_mobike_move_keeps_spis(void **state)
{
    (void)state;
    move_once(21, 0, 0);
}

static void test_mobike_move_lossy(void **state)
{
    uint64_t seed;
    (void)state;
    for (seed = 100; seed < 108; seed++)
        move_once(seed, 25, 20);
}

/* Before the move, traffic to the old address would not arrive: the
 * responder's CHILD SA must have followed. Also checks b sends ESP to the
 * new address (the simulated network routes by destination). */
static void test_mobike_forged_and_replayed_update_change_nothing(void **state)
{
    static uint8_t copy[TIP_TEST_PORT_PKT_MAX];
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_addr_t old_at = tip_test_addr("10.99.0.1");
    tip_addr_t evil = tip_test_addr("10.99.0.66");
    tip_addr_t b_at = tip_test_addr("10.99.0.2");
    const tip_test_sent_t *req;
    tip_ike_status_t sb;
    size_t len;
    (void)state;

    pair_up(31, NULL);
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    req = tip_test_port_get(&pa, tip_test_port_count(&pa) - 1u);
    assert_non_null(req);
    assert_int_equal(req->dport, TIP_PORT_NATT);
    assert_true(req->len > 4 + 28 && req->len <= sizeof(copy));
    len = req->len - 4u; /* past the non-ESP marker */
    memcpy(copy, req->data + 4, len);
    /* Forged: the ICV does not verify; from an attacker's address. */
    copy[len - 1u] ^= 0x01;
    assert_int_not_equal(tip_ike_input(&b, &evil, TIP_PORT_NATT, &b_at, TIP_PORT_NATT, copy, len),
                         TIP_OK);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &old_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
    /* The genuine update moves b to the new address. */
    copy[len - 1u] ^= 0x01;
    assert_true(tip_sim_until(&sim, moved, NULL, 10000));
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &now_at));
    /* Replayed from elsewhere: answered from the cache at most, not followed. */
    (void)tip_ike_input(&b, &evil, TIP_PORT_NATT, &b_at, TIP_PORT_NATT, copy, len);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &now_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    tip_sim_run(&sim, 100, 10);
    assert_true(traffic_both_ways(0x11));
}

/* RFC 4555 3.1: after the responder rekeyed the IKE SA (it is the new
 * SA's initiator, RFC 7296 2.18), MOBIKE and its roles carry over: the
 * device still moves it, the gateway still follows. */
static void test_mobike_after_ike_rekey_by_responder(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_ike_status_t sa, sb;
    (void)state;

    pair_up(51, NULL);
    assert_int_equal(tip_ike_rekey_ike(&b, conn_b), TIP_OK);
    tip_sim_run(&sim, 1000, 10);
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(tip_ike_status(&a, conn_a, &sa), TIP_OK);
    assert_int_equal(sa.initiator, 0);
    assert_int_equal(sa.peer_mobike, 1);
    assert_int_equal(tip_ike_update_address(&b, conn_b, &now_at), TIP_ERR_UNSUPPORTED);
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    assert_true(tip_sim_until(&sim, moved, NULL, 10000));
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &now_at));
    tip_sim_run(&sim, 100, 10);
    assert_true(traffic_both_ways(0x33));
}

/* With UDP encapsulation (forced, as behind a NAT) the CHILD SAs keep it
 * on the new path: ESP-in-UDP between the new address and the gateway. */
static void test_mobike_move_keeps_udp_encap(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    const tip_test_sent_t *last;
    tip_ike_status_t sa;
    (void)state;

    pair_up2(61, encap, encap);
    assert_int_equal(tip_ike_status(&a, conn_a, &sa), TIP_OK);
    assert_int_equal(sa.natt, 1);
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    assert_true(tip_sim_until(&sim, moved, NULL, 10000));
    tip_sim_run(&sim, 100, 10);
    assert_true(traffic_both_ways(0x44));
    last = tip_test_port_get(&pb, tip_test_port_count(&pb) - 1u); /* b's ESP to a */
    assert_non_null(last);
    assert_int_equal(last->kind, TIP_TEST_SENT_UDP);
    assert_int_equal(last->dport, TIP_PORT_NATT);
    assert_true(same_addr(&last->dst, &now_at));
}

/* A peer without MOBIKE: refused locally, nothing sent, nothing moved. */
static void test_mobike_refused_without_peer_support(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_addr_t old_at = tip_test_addr("10.99.0.1");
    tip_ike_status_t sa;
    uint32_t sent;
    (void)state;

    pair_up(41, no_mobike);
    assert_int_equal(tip_ike_status(&a, conn_a, &sa), TIP_OK);
    assert_int_equal(sa.peer_mobike, 0);
    sent = tip_test_port_count(&pa);
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_ERR_UNSUPPORTED);
    assert_int_equal(tip_test_port_count(&pa), sent);
    assert_int_equal(tip_ike_status(&a, conn_a, &sa), TIP_OK);
    assert_true(same_addr(&sa.local_addr, &old_at));
    /* The responder only updates on request: it never moves either. */
    assert_int_equal(tip_ike_update_address(&b, conn_b, &now_at), TIP_ERR_UNSUPPORTED);
    assert_true(traffic_both_ways(0x22));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mobike_announced_both_ways),
        cmocka_unit_test(test_mobike_move_keeps_spis),
        cmocka_unit_test(test_mobike_move_lossy),
        cmocka_unit_test(test_mobike_forged_and_replayed_update_change_nothing),
        cmocka_unit_test(test_mobike_after_ike_rekey_by_responder),
        cmocka_unit_test(test_mobike_move_keeps_udp_encap),
        cmocka_unit_test(test_mobike_refused_without_peer_support),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
