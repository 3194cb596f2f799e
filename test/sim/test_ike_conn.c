/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The connection and IKE SA life-cycle contract, over the simulated
 * network: tip_ike_conn_del() in every state (established, half-open, a
 * request outstanding) ends everything, tells the peer, makes the handle
 * stale and frees the slot; tip_ike_terminate() works while a CHILD SA
 * rekey, an IKE SA rekey or a liveness check is outstanding; no IKE SA
 * state change is ever illegal.
 *
 * tip-requires: TIP_CONF_IKEV2
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_IKE_REKEY_IKE (rekeys the IKE SA)
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

/* a (restart on: nothing must bring it back after a delete) and b. */
static void restart_on(tip_ike_conn_t *k)
{
    k->restart = 1;
}

static void pair(uint64_t seed)
{
    tip_sim_pair_setup(&sp, seed, restart_on, NULL);
}

static void up(void)
{
    tip_sim_pair_up(&sp, 5000);
}

/* Both ends hold nothing: no IKE SA, no CHILD SA, no negotiated policy. */
static void expect_all_gone(void)
{
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[A]), 0);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 0);
}

static int teardown(void **state)
{
    (void)state;
    tip_sim_pair_check_transitions(&sp);
    return 0;
}

/* A handle of a deleted connection is stale everywhere. */
static void expect_stale(tip_handle_t h)
{
    tip_ike_status_t st;

    assert_int_equal(tip_ike_status(&sp.ctx[A], h, &st), TIP_ERR_STALE);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_terminate(&sp.ctx[A], h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_rekey_ike(&sp.ctx[A], h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_delete_child(&sp.ctx[A], h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_conn_del(&sp.ctx[A], h), TIP_ERR_STALE);
}

/* Every slot can be taken again, and a fresh connection works. */
static void expect_slots_reusable(tip_handle_t old)
{
    tip_ike_conn_t k;
    tip_handle_t h[TIP_MAX_IKE_CONN];
    unsigned i;

    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &k, &h[i]), TIP_OK);
        assert_int_not_equal(h[i], old);
    }
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &k, NULL), TIP_ERR_FULL);
    expect_stale(old);
    for (i = 1; i < TIP_MAX_IKE_CONN; i++)
        assert_int_equal(tip_ike_conn_del(&sp.ctx[A], h[i]), TIP_OK);
    sp.conn[A] = h[0];
    up();
}

static void test_conn_del_established(void **state)
{
    tip_handle_t old;
    (void)state;
    pair(10);
    up();
    old = sp.conn[A];
    assert_int_equal(tip_ike_conn_del(&sp.ctx[A], sp.conn[A]), TIP_OK);
    /* at once: the tunnel is gone here, and said so */
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    expect_stale(old);
    /* the peer is told (RFC 7296 1.4.1) */
    tip_sim_run(&sp.sim, 200, 10);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 1);
    expect_all_gone();
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1); /* no more events for a deleted connection */
    tip_sim_run(&sp.sim, 70000, 1000);
    expect_all_gone(); /* and it did not come back (restart was on) */
    expect_slots_reusable(old);
}

static void test_conn_del_half_open(void **state)
{
    tip_handle_t old;
    (void)state;
    pair(11);
    /* our own IKE_SA_INIT is out */
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    old = sp.conn[A];
    assert_int_equal(tip_ike_conn_del(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[A]), 0);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    expect_stale(old);
    tip_sim_run(&sp.sim, 40000, 100); /* b's half-open SA from it expires */
    expect_all_gone();
    /* the responder's side: b's half-open SA goes with b's connection */
    {
        tip_ike_conn_t k;
        const tip_test_sent_t *req;
        tip_addr_t from = tip_test_addr("10.99.0.1"), to = tip_test_addr("10.99.0.2");
        tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0",
                          "10.2.0.0");
        assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &k, &sp.conn[A]), TIP_OK);
        assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
        req = tip_test_port_last(&sp.port[A]);
        sp.sim.n[0].consumed = tip_test_port_count(&sp.port[A]);
        assert_int_equal(tip_ike_input(&sp.ctx[B], &from, 500, &to, 500, req->data, req->len), TIP_OK);
        sp.sim.n[1].consumed = tip_test_port_count(&sp.port[B]);
    }
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 1);
    assert_int_equal(sp.ctx[B].ike.sa[0].state, TIP_IKE_S_INIT_DONE);
    assert_int_equal(tip_ike_conn_del(&sp.ctx[B], sp.conn[B]), TIP_OK);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 0);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 0); /* nothing was up */
    tip_sim_run(&sp.sim, 70000, 1000);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 0);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_UP], 0);
}

/* What a can have outstanding when the delete comes. */
enum { OUT_CHILD_REKEY, OUT_IKE_REKEY, OUT_DPD };

static void start_outstanding(int what)
{
    switch (what) {
    case OUT_CHILD_REKEY:
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
        break;
    case OUT_IKE_REKEY:
        assert_int_equal(tip_ike_rekey_ike(&sp.ctx[A], sp.conn[A]), TIP_OK);
        break;
    default:
        assert_int_equal(tip_ike_info_start(&sp.ctx[A], tip_sim_pair_established(&sp.ctx[A]), TIP_IKE_P_DPD), TIP_OK);
        break;
    }
    assert_true(tip_sim_pair_established(&sp.ctx[A])->req_outstanding);
}

static void test_conn_del_with_request_outstanding(void **state)
{
    int what;
    (void)state;
    for (what = OUT_CHILD_REKEY; what <= OUT_DPD; what++) {
        tip_handle_t old;
        pair(20 + (uint64_t)what);
        up();
        start_outstanding(what);
        old = sp.conn[A];
        assert_int_equal(tip_ike_conn_del(&sp.ctx[A], sp.conn[A]), TIP_OK);
        assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
        assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
        expect_stale(old);
        /* the outstanding exchange ends, then the delete goes out */
        tip_sim_run(&sp.sim, 500, 10);
        expect_all_gone();
        assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 1);
        assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
        expect_slots_reusable(old);
    }
}

/*
 * tip_ike_terminate() while a request is outstanding (RFC 7296 2.3: one
 * request at a time): the Delete(IKE) goes out as soon as the outstanding
 * exchange is answered; an IKE SA rekey that completes meanwhile moves the
 * delete to the new IKE SA. Nothing restarts.
 */
static void test_terminate_with_request_outstanding(void **state)
{
    int what;
    (void)state;
    for (what = OUT_CHILD_REKEY; what <= OUT_DPD; what++) {
        tip_ike_status_t st;
        pair(30 + (uint64_t)what);
        up();
        start_outstanding(what);
        assert_int_equal(tip_ike_terminate(&sp.ctx[A], sp.conn[A]), TIP_OK);
        assert_int_equal(tip_ike_terminate(&sp.ctx[A], sp.conn[A]), TIP_OK); /* again: already under way */
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_ERR_NO_SA);
        tip_sim_run(&sp.sim, 500, 10);
        expect_all_gone();
        assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
        assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 1);
        assert_int_equal(sp.ev[0][TIP_EV_CHILD_DOWN], 1);
        assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
        assert_false(st.ike_up);
        assert_int_equal(st.last_error, 0);
        tip_sim_run(&sp.sim, 70000, 1000);
        expect_all_gone(); /* restart is on, but this was a delete */
        /* the connection itself stays and works */
        up();
    }
}

/* The same with the peer gone: the delete cannot be confirmed; the IKE SA
 * ends when the outstanding request and then the Delete time out. */
static void test_terminate_with_peer_gone(void **state)
{
    int what;
    (void)state;
    for (what = OUT_CHILD_REKEY; what <= OUT_DPD; what++) {
        pair(40 + (uint64_t)what);
        up();
        sp.sim.n[1].down = 1;
        start_outstanding(what);
        assert_int_equal(tip_ike_terminate(&sp.ctx[A], sp.conn[A]), TIP_OK);
        tip_sim_run(&sp.sim, 70000, 100);
        assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[A]), 0);
        assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
        assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
        tip_sim_run(&sp.sim, 70000, 1000);
        assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[A]), 0); /* no restart */
    }
}

static void test_terminate_half_open(void **state)
{
    (void)state;
    pair(50);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_int_equal(tip_ike_terminate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[A]), 0);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(tip_ike_terminate(&sp.ctx[A], sp.conn[A]), TIP_ERR_NO_SA);
    tip_sim_run(&sp.sim, 70000, 1000);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[A]), 0);
    up();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_conn_del_established, teardown),
        cmocka_unit_test_teardown(test_conn_del_half_open, teardown),
        cmocka_unit_test_teardown(test_conn_del_with_request_outstanding, teardown),
        cmocka_unit_test_teardown(test_terminate_with_request_outstanding, teardown),
        cmocka_unit_test_teardown(test_terminate_with_peer_gone, teardown),
        cmocka_unit_test_teardown(test_terminate_half_open, teardown),
    };
    return cmocka_run_group_tests_name("ike_conn", tests, NULL, NULL);
}
