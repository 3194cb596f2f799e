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
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;

static void test_handshake_and_traffic(void **state)
{
    tip_ike_status_t st;
    (void)state;
    tip_sim_pair_open(&sp, 1, NULL, NULL);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 5000));
    assert_int_equal(sp.ev[0][TIP_EV_IKE_UP], 1);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_UP], 1);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_UP], 1);
    assert_int_equal(sp.ev[1][TIP_EV_CHILD_UP], 1);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
    assert_true(st.initiator);
    assert_false(st.natt);
    tip_sim_pair_traffic(&sp);
}

static void up(void)
{
    tip_sim_pair_up(&sp, 5000);
}

static void test_child_rekey_both_directions(void **state)
{
    tip_ike_status_t s1, s2;
    (void)state;
    tip_sim_pair_open(&sp, 2, NULL, NULL);
    up();
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s1), TIP_OK);
    /* initiator side rekeys */
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 200, 10);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s2), TIP_OK);
    assert_true(s2.child_up);
    assert_int_not_equal(s1.child_spi_in, s2.child_spi_in);
    assert_int_equal(s2.child_rekeys, 1);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(sp.ev[1][TIP_EV_CHILD_REKEYED], 1);
    /* the old pair is gone on both sides: 2 SAs each */
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    tip_sim_pair_traffic(&sp);
    /* responder side rekeys */
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK);
    tip_sim_run(&sp.sim, 200, 10);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_REKEYED], 2);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    tip_sim_pair_traffic(&sp);
}

static void test_child_rekey_with_pfs(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    ca.child[0].pfs = cb.child[0].pfs = TIP_DH_ECP_256;
    tip_sim_pair_open(&sp, 3, &ca, &cb);
    up();
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 200, 10);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_REKEYED], 1);
    tip_sim_pair_traffic(&sp);
}

static void test_ike_rekey_keeps_children(void **state)
{
    tip_ike_status_t s1, s2;
    (void)state;
    tip_sim_pair_open(&sp, 4, NULL, NULL);
    up();
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s1), TIP_OK);
    assert_int_equal(tip_ike_rekey_ike(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 300, 10);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s2), TIP_OK);
    assert_true(s2.ike_up);
    assert_true(s2.child_up);
    assert_int_equal(s2.ike_rekeys, 1);
    assert_memory_not_equal(s1.spi_i, s2.spi_i, 8);
    assert_int_equal(s1.child_spi_in, s2.child_spi_in);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 0);
    tip_sim_pair_traffic(&sp);
    /* the new IKE SA works: rekey the child through it, then rekey it from b */
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 200, 10);
    assert_int_equal(sp.ev[1][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(tip_ike_rekey_ike(&sp.ctx[B], sp.conn[B]), TIP_OK);
    tip_sim_run(&sp.sim, 300, 10);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_REKEYED], 2);
    tip_sim_pair_traffic(&sp);
}

static void test_delete_from_either_side(void **state)
{
    (void)state;
    tip_sim_pair_open(&sp, 5, NULL, NULL);
    up();
    assert_int_equal(tip_ike_terminate(&sp.ctx[B], sp.conn[B]), TIP_OK);
    tip_sim_run(&sp.sim, 200, 10);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 0);
    /* and again, deleting only the CHILD SA from the initiator */
    up();
    assert_int_equal(tip_ike_delete_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 200, 10);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 0);
    assert_int_equal(sp.ev[1][TIP_EV_CHILD_DOWN], 2);
    assert_int_equal(tip_ike_terminate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 200, 10);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 2);
}

static void test_wrong_psk_fails_cleanly(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_ike_status_t st;
    (void)state;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    cb.psk[0] ^= 1;
    tip_sim_pair_open(&sp, 6, &ca, &cb);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 500, 10);
    assert_int_equal(sp.ev[1][TIP_EV_AUTH_FAILED], 1);
    assert_int_equal(sp.ev[0][TIP_EV_AUTH_FAILED], 1);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_UP], 0);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
    assert_int_equal(st.last_error, TIP_ERR_AUTH);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 0);
}

static void test_wrong_identity_refused(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    tip_test_ike_conn(&ca, "10.99.0.1", "10.99.0.2", "mallory.test", "b.test", "10.1.0.0", "10.2.0.0");
    tip_sim_pair_conn(&cb, B);
    tip_sim_pair_open(&sp, 7, &ca, &cb);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 500, 10);
    assert_int_equal(sp.ev[0][TIP_EV_AUTH_FAILED], 1);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_UP], 0);
}

static void test_proposal_mismatch(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    cb.ike[0].encr = TIP_ENCR_CHACHA20_POLY1305;
    cb.ike[0].key_bits = 256;
    tip_sim_pair_open(&sp, 8, &ca, &cb);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    /* RFC 7296 2.21.1: b's NO_PROPOSAL_CHOSEN is unauthenticated, so a
     * keeps trying until its normal timeout (1+2+4+8+16+32 s), then
     * reports it as the reason. */
    tip_sim_run(&sp.sim, 500, 10);
    assert_int_equal(sp.ev[0][TIP_EV_PROPOSAL_MISMATCH], 0);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 0);
    tip_sim_run(&sp.sim, 62000, 100);
    assert_int_equal(sp.ev[0][TIP_EV_PROPOSAL_MISMATCH], 0);
    tip_sim_run(&sp.sim, 2000, 100);
    assert_int_equal(sp.ev[0][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_UP], 0);
    {
        tip_ike_status_t st;
        assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
        assert_int_equal(st.last_error, TIP_ERR_POLICY);
        assert_false(st.ike_up);
    }
}

static void test_invalid_ke_retry(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    /* a offers X25519 first, then P-256; b only accepts P-256 */
    ca.ike[1] = ca.ike[0];
    ca.ike[1].dh = TIP_DH_ECP_256;
    ca.ike_count = 2;
    cb.ike[0].dh = TIP_DH_ECP_256;
    tip_sim_pair_open(&sp, 9, &ca, &cb);
    up();
    tip_sim_pair_traffic(&sp);
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
        tip_sim_pair_conn(&ca, A);
        tip_sim_pair_conn(&cb, B);
        ca.ike[0] = cb.ike[0] = suites[i];
        ca.child[0] = cb.child[0] = esp[i];
        tip_sim_pair_open(&sp, 20 + i, &ca, &cb);
        up();
        tip_sim_pair_traffic(&sp);
        assert_int_equal(tip_ike_rekey_ike(&sp.ctx[A], sp.conn[A]), TIP_OK);
        tip_sim_run(&sp.sim, 300, 10);
        assert_int_equal(sp.ev[1][TIP_EV_IKE_REKEYED], 1);
        tip_sim_pair_traffic(&sp);
    }
}

static void test_force_encap_natt(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_ike_status_t st;
    (void)state;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    ca.force_encap = 1;
    tip_sim_pair_open(&sp, 10, &ca, &cb);
    up();
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
    assert_true(st.natt);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &st), TIP_OK);
    assert_true(st.natt);
    assert_int_equal(st.peer_port, 4500);
    tip_sim_pair_traffic(&sp);
    assert_int_equal(tip_test_port_last(&sp.port[A])->dport, 4500);
    /* keepalives flow on the NAT-T path, and are consumed silently */
    tip_sim_run(&sp.sim, 21000, 500);
    assert_true(tip_test_port_last(&sp.port[A])->len == 1 || tip_test_port_last(&sp.port[B])->len == 1);
}

/* How node @p n sent ESP since packet @p from: TIP_TEST_SENT_IP (plain),
 * TIP_TEST_SENT_UDP (UDP-encapsulated, port 4500, no non-ESP marker), or 0
 * when it sent no ESP. Fails when both kinds were sent. */
static int esp_kind_since(int n, uint32_t from)
{
    uint32_t i, end = tip_test_port_count(&sp.port[n]);
    int kind = 0;

    for (i = from; i < end; i++) {
        const tip_test_sent_t *s = tip_test_port_get(&sp.port[n], i);
        int k = 0;
        assert_non_null(s);
        if (s->kind == TIP_TEST_SENT_IP && s->len > 20 && s->data[9] == 50)
            k = TIP_TEST_SENT_IP;
        else if (s->kind == TIP_TEST_SENT_UDP && s->dport == 4500 && s->len > 8 &&
                 (s->data[0] | s->data[1] | s->data[2] | s->data[3]) != 0)
            k = TIP_TEST_SENT_UDP;
        if (k != 0) {
            assert_true(kind == 0 || kind == k);
            kind = k;
        }
    }
    return kind;
}

/*
 * RFC 4555 3.3: with MOBIKE on both sides and no NAT, the initiator moves
 * IKE to port 4500 in IKE_AUTH, and ESP stays plain (RFC 7296 2.23: UDP
 * encapsulation only with a NAT). The responder must not take the move for
 * a NAT: a gateway (strongSwan among them) that moves the same way sends
 * plain ESP and drops encapsulated ESP. Without MOBIKE IKE stays on 500.
 */
static void test_mobike_moves_ike_not_esp(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_ike_status_t st;
    uint32_t a0, b0;
    int round;
    (void)state;
    for (round = 0; round < 2; round++) {
        tip_sim_pair_conn(&ca, A);
        tip_sim_pair_conn(&cb, B);
        ca.no_mobike = (uint8_t)round;
        tip_sim_pair_open(&sp, 11, &ca, &cb);
        up();
        assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
        assert_false(st.natt);
#if TIP_CONF_IKE_MOBIKE
        assert_int_equal(st.peer_port, round == 0 ? 4500 : 500);
#else
        assert_int_equal(st.peer_port, 500);
#endif
        assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &st), TIP_OK);
        assert_false(st.natt);
        a0 = tip_test_port_count(&sp.port[A]);
        b0 = tip_test_port_count(&sp.port[B]);
        tip_sim_pair_traffic(&sp);
        assert_int_equal(esp_kind_since(A, a0), TIP_TEST_SENT_IP);
        assert_int_equal(esp_kind_since(B, b0), TIP_TEST_SENT_IP);
        /* the CHILD SAs are rekeyed over IKE on its port, ESP stays plain */
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
        tip_sim_run(&sp.sim, 1000, 10);
        assert_int_equal(sp.ev[A][TIP_EV_CHILD_REKEYED], 1);
        a0 = tip_test_port_count(&sp.port[A]);
        tip_sim_pair_traffic(&sp);
        assert_int_equal(esp_kind_since(A, a0), TIP_TEST_SENT_IP);
    }
}

/*
 * A connection that forces UDP encapsulation on one side only: its source
 * NAT detection hash does not match, so the peer sees a NAT and
 * encapsulates too (RFC 7296 2.23); both directions are ESP in UDP.
 */
static void test_force_encap_one_side_each(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_ike_status_t st;
    uint32_t a0, b0;
    int forcer;
    (void)state;
    for (forcer = A; forcer <= B; forcer++) {
        tip_sim_pair_conn(&ca, A);
        tip_sim_pair_conn(&cb, B);
        ca.no_mobike = cb.no_mobike = 1; /* only the forced encapsulation moves IKE */
        (forcer == A ? &ca : &cb)->force_encap = 1;
        tip_sim_pair_open(&sp, 12, &ca, &cb);
        up();
        assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
        assert_true(st.natt);
        assert_int_equal(st.peer_port, 4500);
        assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &st), TIP_OK);
        assert_true(st.natt);
        a0 = tip_test_port_count(&sp.port[A]);
        b0 = tip_test_port_count(&sp.port[B]);
        tip_sim_pair_traffic(&sp);
        assert_int_equal(esp_kind_since(A, a0), TIP_TEST_SENT_UDP);
        assert_int_equal(esp_kind_since(B, b0), TIP_TEST_SENT_UDP);
    }
}

static void impaired(unsigned loss, unsigned dup, unsigned reorder, uint64_t seed)
{
    tip_ike_conn_t ca, cb;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    /* On a link this bad a user allows more retransmissions (5 tries lose
     * about 2 % of exchanges at 30 % loss each way). */
    ca.retransmit_tries = cb.retransmit_tries = 10;
    tip_sim_pair_open(&sp, seed, &ca, &cb);
    sp.sim.loss_pct = loss;
    sp.sim.dup_pct = dup;
    sp.sim.reorder_pct = reorder;
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 600000));
    assert_int_equal(sp.ev[0][TIP_EV_IKE_UP], 1);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_UP], 1);
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 120000, 50);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
    sp.sim.loss_pct = sp.sim.dup_pct = sp.sim.reorder_pct = 0;
    tip_sim_run(&sp.sim, 1000, 50);
    tip_sim_pair_traffic(&sp);
}

static void test_loss_30(void **state)
{
    uint64_t seed;
    (void)state;
    for (seed = 100; seed < 110; seed++) {
        impaired(30, 0, 0, seed);
        assert_true(sp.sim.lost > 0);
    }
}

static void test_duplication_and_reordering(void **state)
{
    uint64_t seed;
    (void)state;
    for (seed = 200; seed < 210; seed++) {
        impaired(0, 50, 50, seed);
        assert_true(sp.sim.duplicated > 0);
    }
}

static void test_dpd_and_responder_restart(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    ca.dpd_s = 10;
    ca.restart = 1;
    tip_sim_pair_open(&sp, 11, &ca, &cb);
    up();
    /* nothing happens while both live: liveness checks are answered */
    tip_sim_run(&sp.sim, 60000, 100);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 0);
    /* b reboots: all its state is gone */
    tip_sim_pair_reboot(&sp, B);
    assert_int_equal(tip_ike_conn_add(&sp.ctx[B], &cb, &sp.conn[B]), TIP_OK);
    /* a notices within dpd + retransmissions, tears down and starts again */
    assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 200000));
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_UP], 2);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
    tip_sim_pair_traffic(&sp);
}

static void test_acquire_starts_negotiation(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_policy_t pol;
    (void)state;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    tip_sim_pair_open(&sp, 12, &ca, &cb);
    /* a trap policy: PROTECT for the connection's selectors, no SA yet */
    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_OUT;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.sel = ca.ts;
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
    pol.tunnel_local = ca.local_addr;
    pol.tunnel_remote = ca.remote_addr;
    assert_int_equal(tip_spd_add(&sp.ctx[A], &pol, TIP_SPD_APPEND, NULL), TIP_OK);
    assert_int_equal(tip_sim_send_udp(&sp.ctx[A], "10.1.0.5", "10.2.0.7", 1), TIP_ERR_NO_SA);
    assert_int_equal(sp.ev[0][TIP_EV_ACQUIRE], 1);
    assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 5000));
    tip_sim_pair_traffic(&sp);
}

static void test_garbage_never_changes_state(void **state)
{
    uint8_t junk[300];
    tip_ike_status_t s1, s2;
    tip_addr_t from = tip_test_addr("10.99.0.1"), to = tip_test_addr("10.99.0.2");
    unsigned i, k;
    (void)state;
    tip_sim_pair_open(&sp, 13, NULL, NULL);
    up();
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &s1), TIP_OK);
    /* forged messages with the right SPIs and message IDs but no keys */
    for (i = 0; i < 200; i++) {
        for (k = 0; k < sizeof(junk); k++)
            junk[k] = (uint8_t)(tip_test_port_rand64(&sp.port[A]) >> 13);
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
        (void)tip_ike_input(&sp.ctx[B], &from, 500, &to, 500, junk, sizeof(junk));
    }
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &s2), TIP_OK);
    assert_memory_equal(&s1, &s2, sizeof(s1));
    assert_true(sp.ctx[B].ike.drops >= 200);
    tip_sim_pair_traffic(&sp);
    /* and the SA still rekeys normally */
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 300, 10);
    assert_int_equal(sp.ev[1][TIP_EV_CHILD_REKEYED], 1);
}

static void test_simultaneous_child_rekey(void **state)
{
    uint64_t seed;
    (void)state;
    /* RFC 7296 2.8.1: both ends rekey the same CHILD SA at the same moment.
     * Across seeds the nonces order both ways, so both branches run. */
    for (seed = 300; seed < 316; seed++) {
        tip_ike_status_t sa_, sb_;
        tip_sim_pair_open(&sp, seed, NULL, NULL);
        up();
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK);
        tip_sim_run(&sp.sim, 1000, 10);
        assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &sa_), TIP_OK);
        assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &sb_), TIP_OK);
        /* one pair survives, the same on both sides */
        assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
        assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
        assert_int_equal(sa_.child_spi_out, sb_.child_spi_in);
        assert_int_equal(sa_.child_spi_in, sb_.child_spi_out);
        assert_true(sp.ev[0][TIP_EV_CHILD_REKEYED] >= 1);
        assert_true(sp.ev[1][TIP_EV_CHILD_REKEYED] >= 1);
        assert_int_equal(sp.ev[0][TIP_EV_CHILD_DOWN], 0);
        tip_sim_pair_traffic(&sp);
        /* and the survivor rekeys normally afterwards */
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK);
        tip_sim_run(&sp.sim, 300, 10);
        assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
        tip_sim_pair_traffic(&sp);
    }
}

static void test_ike_hard_lifetime(void **state)
{
    tip_ike_conn_t ca, cb;
    (void)state;
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    ca.ike_lifetime_s = 30; /* shorter than the rekey time: the SA must go */
    tip_sim_pair_open(&sp, 14, &ca, &cb);
    up();
    tip_sim_run(&sp.sim, 29000, 100);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 0);
    tip_sim_run(&sp.sim, 2000, 100);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 1); /* the peer was told */
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 0);
}

/* After every test: no IKE SA state change was refused as illegal. */
static int no_illegal_transition(void **state)
{
    (void)state;
    tip_sim_pair_check_transitions(&sp);
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
        cmocka_unit_test_teardown(test_mobike_moves_ike_not_esp, no_illegal_transition),
        cmocka_unit_test_teardown(test_force_encap_one_side_each, no_illegal_transition),
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
