/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 between two tinyipsec contexts over the simulated network: the
 * handshake, traffic through the negotiated CHILD SAs, rekeys, deletes,
 * and the same under loss, duplication and reordering.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_MAX_IKE_SA>=4 TIP_CONF_AES_GCM TIP_CONF_AES_CBC
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_CHACHAPOLY TIP_CONF_ENCR_NULL TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384
 * tip-requires: TIP_CONF_HMAC_SHA512
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

static void expect_traffic_both_ways(void)
{
    uint32_t ra = sim.n[0].rx_data, rb = sim.n[1].rx_data;
    assert_int_equal(tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[1].rx_data, rb + 1);
    assert_int_equal(sim.n[1].last[28], 0xAB);
    assert_int_equal(tip_sim_send_udp(&b, "10.2.0.7", "10.1.0.5", 0xCD), TIP_SENT);
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


static void up(void)
{
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
}

static void test_child_rekey_both_directions(void **state)
{
    tip_ike_status_t s1, s2;
    (void)state;
    setup_pair(NULL, NULL, 2);
    up();
    assert_int_equal(tip_ike_status(&a, conn_a, &s1), TIP_OK);
    /* initiator side rekeys */
    assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(tip_ike_status(&a, conn_a, &s2), TIP_OK);
    assert_true(s2.child_up);
    assert_int_not_equal(s1.child_spi_in, s2.child_spi_in);
    assert_int_equal(s2.child_rekeys, 1);
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(ev[1][TIP_EV_CHILD_REKEYED], 1);
    /* the old pair is gone on both sides: 2 SAs each */
    assert_int_equal(tip_sad_count(&a), 2);
    assert_int_equal(tip_sad_count(&b), 2);
    expect_traffic_both_ways();
    /* responder side rekeys */
    assert_int_equal(tip_ike_rekey_child(&b, conn_b), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 2);
    assert_int_equal(tip_sad_count(&a), 2);
    assert_int_equal(tip_sad_count(&b), 2);
    expect_traffic_both_ways();
}

static void test_child_rekey_with_pfs(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    ca.child[0].pfs = cb.child[0].pfs = TIP_DH_ECP_256;
    setup_pair(&ca, &cb, 3);
    up();
    assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 1);
    expect_traffic_both_ways();
}

static void test_ike_rekey_keeps_children(void **state)
{
    tip_ike_status_t s1, s2;
    (void)state;
    setup_pair(NULL, NULL, 4);
    up();
    assert_int_equal(tip_ike_status(&a, conn_a, &s1), TIP_OK);
    assert_int_equal(tip_ike_rekey_ike(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(tip_ike_status(&a, conn_a, &s2), TIP_OK);
    assert_true(s2.ike_up);
    assert_true(s2.child_up);
    assert_int_equal(s2.ike_rekeys, 1);
    assert_memory_not_equal(s1.spi_i, s2.spi_i, 8);
    assert_int_equal(s1.child_spi_in, s2.child_spi_in);
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
    expect_traffic_both_ways();
    /* the new IKE SA works: rekey the child through it, then rekey it from b */
    assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(ev[1][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(tip_ike_rekey_ike(&b, conn_b), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 2);
    expect_traffic_both_ways();
}

static void test_delete_from_either_side(void **state)
{
    (void)state;
    setup_pair(NULL, NULL, 5);
    up();
    assert_int_equal(tip_ike_terminate(&b, conn_b), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(tip_sad_count(&a), 0);
    assert_int_equal(tip_sad_count(&b), 0);
    /* and again, deleting only the CHILD SA from the initiator */
    up();
    assert_int_equal(tip_ike_delete_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(tip_sad_count(&a), 0);
    assert_int_equal(tip_sad_count(&b), 0);
    assert_int_equal(ev[1][TIP_EV_CHILD_DOWN], 2);
    assert_int_equal(tip_ike_terminate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 2);
}

static void test_wrong_psk_fails_cleanly(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_ike_status_t st;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    cb.psk[0] ^= 1;
    setup_pair(&ca, &cb, 6);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[1][TIP_EV_AUTH_FAILED], 1);
    assert_int_equal(ev[0][TIP_EV_AUTH_FAILED], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 0);
    assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
    assert_int_equal(st.last_error, TIP_ERR_AUTH);
    assert_int_equal(tip_sad_count(&a), 0);
    assert_int_equal(tip_sad_count(&b), 0);
}

static void test_wrong_identity_refused(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "mallory.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    setup_pair(&ca, &cb, 7);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[0][TIP_EV_AUTH_FAILED], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 0);
}

static void test_proposal_mismatch(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    cb.ike[0].encr = TIP_ENCR_CHACHA20_POLY1305;
    cb.ike[0].key_bits = 256;
    setup_pair(&ca, &cb, 8);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    /* RFC 7296 2.21.1: b's NO_PROPOSAL_CHOSEN is unauthenticated, so a
     * keeps trying until its normal timeout (1+2+4+8+16+32 s), then
     * reports it as the reason. */
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[0][TIP_EV_PROPOSAL_MISMATCH], 0);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
    tip_sim_run(&sim, 62000, 100);
    assert_int_equal(ev[0][TIP_EV_PROPOSAL_MISMATCH], 0);
    tip_sim_run(&sim, 2000, 100);
    assert_int_equal(ev[0][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 0);
    {
        tip_ike_status_t st;
        assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
        assert_int_equal(st.last_error, TIP_ERR_POLICY);
        assert_false(st.ike_up);
    }
}

static void test_invalid_ke_retry(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    /* a offers X25519 first, then P-256; b only accepts P-256 */
    ca.ike[1] = ca.ike[0];
    ca.ike[1].dh = TIP_DH_ECP_256;
    ca.ike_count = 2;
    cb.ike[0].dh = TIP_DH_ECP_256;
    setup_pair(&ca, &cb, 9);
    up();
    expect_traffic_both_ways();
}

static void test_every_ike_suite(void **state)
{
    static const tip_ike_proposal_t suites[] = {
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_256, TIP_DH_ECP_256},
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_384, TIP_DH_ECP_384},
#if TIP_CONF_CRYPTO_PSA /* the PSA backend has no MODP-2048 (test_ike_ke_steer.c) */
        {TIP_ENCR_AES_CBC, 256, TIP_INTEG_HMAC_SHA2_256_128, TIP_PRF_HMAC_SHA2_256, TIP_DH_ECP_256},
#else
        {TIP_ENCR_AES_CBC, 256, TIP_INTEG_HMAC_SHA2_256_128, TIP_PRF_HMAC_SHA2_256, TIP_DH_MODP_2048},
#endif
        {TIP_ENCR_AES_CBC, 128, TIP_INTEG_HMAC_SHA2_512_256, TIP_PRF_HMAC_SHA2_512, TIP_DH_CURVE25519},
        {TIP_ENCR_CHACHA20_POLY1305, 256, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_256, TIP_DH_CURVE25519},
    };
    static const tip_child_proposal_t esp[] = {
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_DH_NONE, 0},
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_DH_NONE, 1},
        {TIP_ENCR_AES_CBC, 256, TIP_INTEG_HMAC_SHA2_256_128, TIP_DH_NONE, 0},
        {TIP_ENCR_AES_CBC, 128, TIP_INTEG_HMAC_SHA2_384_192, TIP_DH_NONE, 1},
        {TIP_ENCR_CHACHA20_POLY1305, 256, TIP_INTEG_NONE, TIP_DH_NONE, 0},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        tip_ike_conn_t ca, cb;
        conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
        conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
        ca.ike[0] = cb.ike[0] = suites[i];
        ca.child[0] = cb.child[0] = esp[i];
        setup_pair(&ca, &cb, 20 + i);
        up();
        expect_traffic_both_ways();
        assert_int_equal(tip_ike_rekey_ike(&a, conn_a), TIP_OK);
        tip_sim_run(&sim, 300, 10);
        assert_int_equal(ev[1][TIP_EV_IKE_REKEYED], 1);
        expect_traffic_both_ways();
    }
}

static void test_force_encap_natt(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_ike_status_t st;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    ca.force_encap = 1;
    setup_pair(&ca, &cb, 10);
    up();
    assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
    assert_true(st.natt);
    assert_int_equal(tip_ike_status(&b, conn_b, &st), TIP_OK);
    assert_true(st.natt);
    assert_int_equal(st.peer_port, 4500);
    expect_traffic_both_ways();
    assert_int_equal(tip_test_port_last(&pa)->dport, 4500);
    /* keepalives flow on the NAT-T path, and are consumed silently */
    tip_sim_run(&sim, 21000, 500);
    assert_true(tip_test_port_last(&pa)->len == 1 || tip_test_port_last(&pb)->len == 1);
}

static void impaired(unsigned loss, unsigned dup, unsigned reorder, uint64_t seed)
{
    tip_ike_conn_t ca, cb;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    /* On a link this bad a user allows more retransmissions (5 tries lose
     * about 2 % of exchanges at 30 % loss each way). */
    ca.retransmit_tries = cb.retransmit_tries = 10;
    setup_pair(&ca, &cb, seed);
    sim.loss_pct = loss;
    sim.dup_pct = dup;
    sim.reorder_pct = reorder;
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 600000));
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 1);
    assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 120000, 50);
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(tip_sad_count(&a), 2);
    sim.loss_pct = sim.dup_pct = sim.reorder_pct = 0;
    tip_sim_run(&sim, 1000, 50);
    expect_traffic_both_ways();
}

static void test_loss_30(void **state)
{
    uint64_t seed;
    (void)state;
    for (seed = 100; seed < 110; seed++) {
        impaired(30, 0, 0, seed);
        assert_true(sim.lost > 0);
    }
}

static void test_duplication_and_reordering(void **state)
{
    uint64_t seed;
    (void)state;
    for (seed = 200; seed < 210; seed++) {
        impaired(0, 50, 50, seed);
        assert_true(sim.duplicated > 0);
    }
}

static void test_dpd_and_responder_restart(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_port_t port;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    ca.dpd_s = 10;
    ca.restart = 1;
    setup_pair(&ca, &cb, 11);
    up();
    /* nothing happens while both live: liveness checks are answered */
    tip_sim_run(&sim, 60000, 100);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
    /* b reboots: all its state is gone */
    tip_ctx_deinit(&b);
    tip_test_port_fill(&pb, &port);
    assert_int_equal(tip_ctx_init(&b, &port), TIP_OK);
    tip_ctx_set_event_cb(&b, on_event, (void *)(intptr_t)1);
    assert_int_equal(tip_ike_conn_add(&b, &cb, &conn_b), TIP_OK);
    /* a notices within dpd + retransmissions, tears down and starts again */
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 200000));
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 2);
    assert_int_equal(tip_sad_count(&a), 2);
    expect_traffic_both_ways();
}

static void test_acquire_starts_negotiation(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_policy_t pol;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    setup_pair(&ca, &cb, 12);
    /* a trap policy: PROTECT for the connection's selectors, no SA yet */
    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_OUT;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.sel = ca.ts;
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
    pol.tunnel_local = ca.local_addr;
    pol.tunnel_remote = ca.remote_addr;
    assert_int_equal(tip_spd_add(&a, &pol, TIP_SPD_APPEND, NULL), TIP_OK);
    assert_int_equal(tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", 1), TIP_ERR_NO_SA);
    assert_int_equal(ev[0][TIP_EV_ACQUIRE], 1);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
    expect_traffic_both_ways();
}

static void test_garbage_never_changes_state(void **state)
{
    uint8_t junk[300];
    tip_ike_status_t s1, s2;
    tip_addr_t from = tip_test_addr("10.99.0.1"), to = tip_test_addr("10.99.0.2");
    unsigned i, k;
    (void)state;
    setup_pair(NULL, NULL, 13);
    up();
    assert_int_equal(tip_ike_status(&b, conn_b, &s1), TIP_OK);
    /* forged messages with the right SPIs and message IDs but no keys */
    for (i = 0; i < 200; i++) {
        for (k = 0; k < sizeof(junk); k++)
            junk[k] = (uint8_t)(tip_test_port_rand64(&pa) >> 13);
        memcpy(junk, s1.spi_i, 8);
        memcpy(junk + 8, s1.spi_r, 8);
        junk[16] = 46;   /* SK */
        junk[17] = 0x20;
        junk[18] = (uint8_t)(34 + i % 4);
        junk[19] = (uint8_t)((i % 2) ? 0x08 : 0x28);
        junk[20] = junk[21] = junk[22] = 0;
        junk[23] = (uint8_t)(i % 3);
        junk[24] = 0;
        junk[25] = 0;
        junk[26] = 0x01;
        junk[27] = 0x2C; /* length 300 */
        junk[28] = 0;
        junk[29] = 0;
        junk[30] = 0x01;
        junk[31] = 0x10; /* SK length 272 */
        (void)tip_ike_input(&b, &from, 500, &to, 500, junk, sizeof(junk));
    }
    assert_int_equal(tip_ike_status(&b, conn_b, &s2), TIP_OK);
    assert_memory_equal(&s1, &s2, sizeof(s1));
    assert_true(b.ike.drops >= 200);
    expect_traffic_both_ways();
    /* and the SA still rekeys normally */
    assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(ev[1][TIP_EV_CHILD_REKEYED], 1);
}

static void test_simultaneous_child_rekey(void **state)
{
    uint64_t seed;
    (void)state;
    /* RFC 7296 2.8.1: both ends rekey the same CHILD SA at the same moment.
     * Across seeds the nonces order both ways, so both branches run. */
    for (seed = 300; seed < 316; seed++) {
        tip_ike_status_t sa_, sb_;
        setup_pair(NULL, NULL, seed);
        up();
        assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
        assert_int_equal(tip_ike_rekey_child(&b, conn_b), TIP_OK);
        tip_sim_run(&sim, 1000, 10);
        assert_int_equal(tip_ike_status(&a, conn_a, &sa_), TIP_OK);
        assert_int_equal(tip_ike_status(&b, conn_b, &sb_), TIP_OK);
        /* one pair survives, the same on both sides */
        assert_int_equal(tip_sad_count(&a), 2);
        assert_int_equal(tip_sad_count(&b), 2);
        assert_int_equal(sa_.child_spi_out, sb_.child_spi_in);
        assert_int_equal(sa_.child_spi_in, sb_.child_spi_out);
        assert_true(ev[0][TIP_EV_CHILD_REKEYED] >= 1);
        assert_true(ev[1][TIP_EV_CHILD_REKEYED] >= 1);
        assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 0);
        expect_traffic_both_ways();
        /* and the survivor rekeys normally afterwards */
        assert_int_equal(tip_ike_rekey_child(&b, conn_b), TIP_OK);
        tip_sim_run(&sim, 300, 10);
        assert_int_equal(tip_sad_count(&a), 2);
        expect_traffic_both_ways();
    }
}

static void test_ike_hard_lifetime(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    ca.ike_lifetime_s = 30; /* shorter than the rekey time: the SA must go */
    setup_pair(&ca, &cb, 14);
    up();
    tip_sim_run(&sim, 29000, 100);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
    tip_sim_run(&sim, 2000, 100);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 1); /* the peer was told */
    assert_int_equal(tip_sad_count(&a), 0);
    assert_int_equal(tip_sad_count(&b), 0);
}

/* After every test: no IKE SA state change was refused as illegal. */
static int no_illegal_transition(void **state)
{
    (void)state;
    assert_int_equal(a.ike.bad_transitions, 0);
    assert_int_equal(b.ike.bad_transitions, 0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_handshake_and_traffic, no_illegal_transition),
        cmocka_unit_test_teardown(test_child_rekey_both_directions, no_illegal_transition),
        cmocka_unit_test_teardown(test_child_rekey_with_pfs, no_illegal_transition),
        cmocka_unit_test_teardown(test_ike_rekey_keeps_children, no_illegal_transition),
        cmocka_unit_test_teardown(test_delete_from_either_side, no_illegal_transition),
        cmocka_unit_test_teardown(test_wrong_psk_fails_cleanly, no_illegal_transition),
        cmocka_unit_test_teardown(test_wrong_identity_refused, no_illegal_transition),
        cmocka_unit_test_teardown(test_proposal_mismatch, no_illegal_transition),
        cmocka_unit_test_teardown(test_invalid_ke_retry, no_illegal_transition),
        cmocka_unit_test_teardown(test_every_ike_suite, no_illegal_transition),
        cmocka_unit_test_teardown(test_force_encap_natt, no_illegal_transition),
        cmocka_unit_test_teardown(test_loss_30, no_illegal_transition),
        cmocka_unit_test_teardown(test_duplication_and_reordering, no_illegal_transition),
        cmocka_unit_test_teardown(test_dpd_and_responder_restart, no_illegal_transition),
        cmocka_unit_test_teardown(test_acquire_starts_negotiation, no_illegal_transition),
        cmocka_unit_test_teardown(test_garbage_never_changes_state, no_illegal_transition),
        cmocka_unit_test_teardown(test_simultaneous_child_rekey, no_illegal_transition),
        cmocka_unit_test_teardown(test_ike_hard_lifetime, no_illegal_transition),
    };
    return cmocka_run_group_tests_name("ike_sim", tests, NULL, NULL);
}
