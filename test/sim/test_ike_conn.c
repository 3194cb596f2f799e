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

/* a (restart on: nothing must bring it back after a delete) and b. */
static void pair(uint64_t seed)
{
    tip_port_t p;
    tip_ike_conn_t k;

    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
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
    k.restart = 1;
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
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

static void up(void)
{
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_up, NULL, 5000));
}

static unsigned ike_sas(const tip_ctx_t *c)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += c->ike.sa[i].state != TIP_IKE_S_FREE;
    return n;
}

static tip_ike_sa_t *established(tip_ctx_t *c)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (c->ike.sa[i].state == TIP_IKE_S_ESTABLISHED)
            return &c->ike.sa[i];
    return NULL;
}

/* Both ends hold nothing: no IKE SA, no CHILD SA, no negotiated policy. */
static void expect_all_gone(void)
{
    assert_int_equal(ike_sas(&a), 0);
    assert_int_equal(ike_sas(&b), 0);
    assert_int_equal(tip_sad_count(&a), 0);
    assert_int_equal(tip_sad_count(&b), 0);
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(a.ike.bad_transitions, 0);
    assert_int_equal(b.ike.bad_transitions, 0);
    return 0;
}

/* A handle of a deleted connection is stale everywhere. */
static void expect_stale(tip_handle_t h)
{
    tip_ike_status_t st;

    assert_int_equal(tip_ike_status(&a, h, &st), TIP_ERR_STALE);
    assert_int_equal(tip_ike_initiate(&a, h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_terminate(&a, h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_rekey_child(&a, h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_rekey_ike(&a, h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_delete_child(&a, h), TIP_ERR_STALE);
    assert_int_equal(tip_ike_conn_del(&a, h), TIP_ERR_STALE);
}

/* Every slot can be taken again, and a fresh connection works. */
static void expect_slots_reusable(tip_handle_t old)
{
    tip_ike_conn_t k;
    tip_handle_t h[TIP_MAX_IKE_CONN];
    unsigned i;

    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        assert_int_equal(tip_ike_conn_add(&a, &k, &h[i]), TIP_OK);
        assert_int_not_equal(h[i], old);
    }
    assert_int_equal(tip_ike_conn_add(&a, &k, NULL), TIP_ERR_FULL);
    expect_stale(old);
    for (i = 1; i < TIP_MAX_IKE_CONN; i++)
        assert_int_equal(tip_ike_conn_del(&a, h[i]), TIP_OK);
    conn_a = h[0];
    up();
}

static void test_conn_del_established(void **state)
{
    tip_handle_t old;
    (void)state;
    pair(10);
    up();
    old = conn_a;
    assert_int_equal(tip_ike_conn_del(&a, conn_a), TIP_OK);
    /* at once: the tunnel is gone here, and said so */
    assert_int_equal(tip_sad_count(&a), 0);
    assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    expect_stale(old);
    /* the peer is told (RFC 7296 1.4.1) */
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 1);
    expect_all_gone();
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1); /* no more events for a deleted connection */
    tip_sim_run(&sim, 70000, 1000);
    expect_all_gone(); /* and it did not come back (restart was on) */
    expect_slots_reusable(old);
}

static void test_conn_del_half_open(void **state)
{
    tip_handle_t old;
    (void)state;
    pair(11);
    /* our own IKE_SA_INIT is out */
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    old = conn_a;
    assert_int_equal(tip_ike_conn_del(&a, conn_a), TIP_OK);
    assert_int_equal(ike_sas(&a), 0);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    expect_stale(old);
    tip_sim_run(&sim, 40000, 100); /* b's half-open SA from it expires */
    expect_all_gone();
    /* the responder's side: b's half-open SA goes with b's connection */
    {
        tip_ike_conn_t k;
        const tip_test_sent_t *req;
        tip_addr_t from = tip_test_addr("10.99.0.1"), to = tip_test_addr("10.99.0.2");
        tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0",
                          "10.2.0.0");
        assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
        assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
        req = tip_test_port_last(&pa);
        sim.n[0].consumed = tip_test_port_count(&pa);
        assert_int_equal(tip_ike_input(&b, &from, 500, &to, 500, req->data, req->len), TIP_OK);
        sim.n[1].consumed = tip_test_port_count(&pb);
    }
    assert_int_equal(ike_sas(&b), 1);
    assert_int_equal(b.ike.sa[0].state, TIP_IKE_S_INIT_DONE);
    assert_int_equal(tip_ike_conn_del(&b, conn_b), TIP_OK);
    assert_int_equal(ike_sas(&b), 0);
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 0); /* nothing was up */
    tip_sim_run(&sim, 70000, 1000);
    assert_int_equal(ike_sas(&b), 0);
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 0);
}

/* What a can have outstanding when the delete comes. */
enum { OUT_CHILD_REKEY, OUT_IKE_REKEY, OUT_DPD };

static void start_outstanding(int what)
{
    switch (what) {
    case OUT_CHILD_REKEY:
        assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
        break;
    case OUT_IKE_REKEY:
        assert_int_equal(tip_ike_rekey_ike(&a, conn_a), TIP_OK);
        break;
    default:
        assert_int_equal(tip_ike_info_start(&a, established(&a), TIP_IKE_P_DPD), TIP_OK);
        break;
    }
    assert_true(established(&a)->req_outstanding);
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
        old = conn_a;
        assert_int_equal(tip_ike_conn_del(&a, conn_a), TIP_OK);
        assert_int_equal(tip_sad_count(&a), 0);
        assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
        expect_stale(old);
        /* the outstanding exchange ends, then the delete goes out */
        tip_sim_run(&sim, 500, 10);
        expect_all_gone();
        assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 1);
        assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
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
        assert_int_equal(tip_ike_terminate(&a, conn_a), TIP_OK);
        assert_int_equal(tip_ike_terminate(&a, conn_a), TIP_OK); /* again: already under way */
        assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_ERR_NO_SA);
        tip_sim_run(&sim, 500, 10);
        expect_all_gone();
        assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
        assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 1);
        assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 1);
        assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
        assert_false(st.ike_up);
        assert_int_equal(st.last_error, 0);
        tip_sim_run(&sim, 70000, 1000);
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
        sim.n[1].down = 1;
        start_outstanding(what);
        assert_int_equal(tip_ike_terminate(&a, conn_a), TIP_OK);
        tip_sim_run(&sim, 70000, 100);
        assert_int_equal(ike_sas(&a), 0);
        assert_int_equal(tip_sad_count(&a), 0);
        assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
        tip_sim_run(&sim, 70000, 1000);
        assert_int_equal(ike_sas(&a), 0); /* no restart */
    }
}

static void test_terminate_half_open(void **state)
{
    (void)state;
    pair(50);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_int_equal(tip_ike_terminate(&a, conn_a), TIP_OK);
    assert_int_equal(ike_sas(&a), 0);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(tip_ike_terminate(&a, conn_a), TIP_ERR_NO_SA);
    tip_sim_run(&sim, 70000, 1000);
    assert_int_equal(ike_sas(&a), 0);
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
