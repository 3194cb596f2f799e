/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * CHILD SA rekeys that race each other (RFC 7296 2.8.1, 2.25.1), with the
 * exact packet order written out: both ends rekey the same CHILD SA, and
 * one end's Delete of the old pair crosses the other end's unfinished
 * rekey. Whatever the order, both ends must end up with the same single
 * CHILD SA pair, no CHILD SA may be reported down, and the SAD and SPD
 * must hold nothing else.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_MAX_IKE_SA>=2 TIP_CONF_AES_GCM TIP_MAX_SA>=6
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_IKE_REKEY_IKE (rekeys the IKE SA)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"
#include "tip_wire.h"

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;

/* ---- the wire, one datagram at a time (tip_wire.h) ---------------------- */

static tip_wire_t wire;

static unsigned find(int from, uint8_t exch, int response)
{
    return tip_wire_find(&wire, from, exch, response);
}

static void take(unsigned i)
{
    tip_wire_take(&wire, i);
}

static void deliver(unsigned i)
{
    assert_int_equal(tip_wire_deliver(&wire, i), TIP_OK);
}

/* Advance both clocks by @p ms and poll (retransmissions go onto the wire). */
static void tick(uint64_t ms)
{
    tip_wire_tick(&wire, ms);
}

/* Hand the wire back to the simulated network (in order) and let it run. */
static void settle(uint64_t ms)
{
    tip_wire_settle(&wire, ms, 1);
}

/* ---- the world ----------------------------------------------------------- */

static unsigned spd_in_use(const tip_ctx_t *c)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_POLICIES; i++)
        n += c->spd[i].in_use != 0;
    return n;
}

static unsigned spd0[2];

/* A and B with their CHILD SA up (with PFS group @p pfs on both sides); the wire empty. */
static void world_pfs(uint64_t seed, tip_dh_group_t pfs)
{
    tip_ike_conn_t c[2];
    int n;

    tip_sim_pair_init(&sp, seed);
    for (n = 0; n < 2; n++) {
        tip_sim_pair_conn(&c[n], n);
        c[n].child[0].pfs = pfs;
    }
    tip_sim_pair_add(&sp, &c[A], &c[B]);
    tip_sim_pair_up(&sp, 5000);
    tip_sim_run(&sp.sim, 100, 10);
    memset(sp.ev, 0, sizeof(sp.ev));
    tip_wire_init(&wire, &sp.sim);
    spd0[A] = spd_in_use(&sp.ctx[A]);
    spd0[B] = spd_in_use(&sp.ctx[B]);
}

static void world(uint64_t seed)
{
    world_pfs(seed, TIP_DH_NONE);
}

/* A packet from a host behind @p x reaches a host behind the other end. */
static void expect_traffic(int x)
{
    static uint8_t mem[2048];
    uint8_t pl[64];
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr(x == A ? "10.1.0.5" : "10.2.0.7");
    tip_addr_t d = tip_test_addr(x == A ? "10.2.0.7" : "10.1.0.5");
    uint32_t before = sp.sim.n[1 - x].rx_data;

    memset(pl, 0x5A, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&sp.ctx[x], &buf), TIP_SENT);
    settle(0);
    assert_int_equal(sp.sim.n[1 - x].rx_data, before + 1);
}

/* Both ends hold one CHILD SA pair, the same one, and nothing else. */
static void expect_in_step(void)
{
    tip_ike_status_t s0, s1;

    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s0), TIP_OK);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &s1), TIP_OK);
    assert_true(s0.child_up);
    assert_true(s1.child_up);
    assert_int_equal(s0.child_spi_in, s1.child_spi_out);
    assert_int_equal(s0.child_spi_out, s1.child_spi_in);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    assert_int_equal(spd_in_use(&sp.ctx[A]), spd0[A]);
    assert_int_equal(spd_in_use(&sp.ctx[B]), spd0[B]);
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_DOWN], 0);
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_DOWN], 0);
    assert_int_equal(sp.ctx[A].ike.bad_transitions, 0);
    assert_int_equal(sp.ctx[B].ike.bad_transitions, 0);
    expect_traffic(A);
    expect_traffic(B);
}

/* The established IKE SA of @p c. */
static tip_ike_sa_t *ike_sa(tip_ctx_t *c)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (c->ike.sa[i].state == TIP_IKE_S_ESTABLISHED)
            return &c->ike.sa[i];
    fail_msg("no established IKE SA");
    return NULL;
}

/* ---- the races ------------------------------------------------------------ */

/*
 * RFC 7296 2.8.1, the second sequence: A's rekey request is late, B's rekey
 * completes first (A answered it) and B deletes the old pair while A's own
 * rekey is still open. That Delete tells A that B's new pair replaced the
 * old one: A must switch to it at once (not lose its CHILD SA), and the
 * error B gives A's late request changes nothing.
 * @p late_first: A's request reaches B before B's Delete is answered.
 */
static void crossing_delete(int late_first)
{
    uint32_t b_new_in;
    tip_ike_status_t s;

    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK); /* req1, late */
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK); /* req2 */
    deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 0));                /* A answers req2 */
    deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 1));                /* B is done */
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &s), TIP_OK);
    b_new_in = s.child_spi_in;
    deliver(find(B, TIP_IKE_EXCH_INFORMATIONAL, 0)); /* B's Delete(old) reaches A */
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s), TIP_OK);
    assert_true(s.child_up);
    assert_int_equal(s.child_spi_out, b_new_in);
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_DOWN], 0);
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_REKEYED], 1);
    if (late_first) {
        deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 0)); /* req1: B refuses */
        deliver(find(A, TIP_IKE_EXCH_INFORMATIONAL, 1));
    } else {
        deliver(find(A, TIP_IKE_EXCH_INFORMATIONAL, 1));
        deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 0));
    }
    deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 1)); /* the refusal: nothing to do */
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s), TIP_OK);
    assert_int_equal(s.child_spi_out, b_new_in);
    assert_int_equal(s.last_error, TIP_OK);
    settle(2000);
    expect_in_step();
    /* and the pair rekeys normally from either end afterwards */
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    settle(1000);
    expect_in_step();
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK);
    settle(1000);
    expect_in_step();
}

static void test_delete_crosses_late_rekey(void **state)
{
    (void)state;
    world(700);
    crossing_delete(0);
}

static void test_late_rekey_meets_delete(void **state)
{
    (void)state;
    world(710);
    crossing_delete(1);
}

/*
 * Both ends see the collision, but B's response to A's request is lost:
 * A decides by the nonces alone and deletes what it must, while B's own
 * rekey is still waiting for its answer (B retransmits and gets A's cached
 * response). RFC 7296 2.8.1: the creator of the redundant pair deletes
 * it, the creator of the surviving pair deletes the old one; B, still
 * waiting, must not take A's Delete for the end of its CHILD SA. Across
 * seeds the nonces order both ways.
 */
static void test_collision_response_lost(void **state)
{
    uint64_t seed;
    int a_lost = 0, a_won = 0;

    (void)state;
    for (seed = 720; seed < 740 && !(a_lost >= 2 && a_won >= 2); seed++) {
        world(seed);
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK); /* req1 */
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK); /* req2 */
        deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 0));                /* A answers req2 */
        take(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 1));                   /* ... lost */
        deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 0));                /* B answers req1 */
        deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 1));                /* A decides */
        if (ike_sa(&sp.ctx[A])->extra_role == TIP_IKE_X_OURS)
            a_lost++;
        else
            a_won++;
        deliver(find(A, TIP_IKE_EXCH_INFORMATIONAL, 0)); /* A's Delete reaches B */
        assert_int_equal(sp.ev[B][TIP_EV_CHILD_DOWN], 0);
        deliver(find(B, TIP_IKE_EXCH_INFORMATIONAL, 1));
        tick(1000); /* B retransmits req2, A answers from its cache */
        deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 0));
        deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 1));
        settle(2000);
        expect_in_step();
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK);
        settle(1000);
        expect_in_step();
    }
    assert_true(a_lost >= 2);
    assert_true(a_won >= 2);
}

/*
 * The plain collision of RFC 7296 2.8.1 (both requests cross, both are
 * answered) with PFS: answering the peer's rekey needs a key exchange of
 * its own, which must not touch the one our own rekey is waiting with.
 * Across seeds the nonces order both ways.
 */
static void test_collision_with_pfs(void **state)
{
    uint64_t seed;
    int a_lost = 0, a_won = 0;

    (void)state;
    for (seed = 770; seed < 790 && !(a_lost >= 2 && a_won >= 2); seed++) {
        tip_ike_status_t s;
        world_pfs(seed, TIP_DH_CURVE25519);
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
        assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK);
        deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 0)); /* A answers B */
        deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 0)); /* B answers A */
        deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 1)); /* A decides */
        deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 1)); /* B decides */
        if (ike_sa(&sp.ctx[A])->extra_role == TIP_IKE_X_OURS)
            a_lost++;
        else
            a_won++;
        settle(2000);
        expect_in_step();
        assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s), TIP_OK);
        assert_int_equal(s.child_alg.pfs, TIP_DH_CURVE25519);
        assert_int_equal(s.last_error, TIP_OK);
    }
    assert_true(a_lost >= 2);
    assert_true(a_won >= 2);
}

/*
 * RFC 7296 2.25: A rekeys its CHILD SA while B rekeys the IKE SA, which
 * would move the CHILD SAs to a new IKE SA while A's exchange on the old
 * one is still open. Each end asks the other to wait (TEMPORARY_FAILURE),
 * both try again later (back-off with jitter), both rekeys happen, and no
 * SA or policy is left behind on either side.
 */
static void test_ike_rekey_waits_for_child_rekey(void **state)
{
    tip_ike_status_t s0, s1;

    (void)state;
    world(800);
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK); /* late */
    assert_int_equal(tip_ike_rekey_ike(&sp.ctx[B], sp.conn[B]), TIP_OK);
    deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 0)); /* A: wait */
    assert_int_equal(sp.ev[A][TIP_EV_IKE_REKEYED], 0);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
    deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 0)); /* B: wait */
    deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 1));
    deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 1));
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_REKEYED], 0);
    assert_int_equal(sp.ev[B][TIP_EV_IKE_REKEYED], 0);
    settle(0);
    expect_in_step();
    settle(150000); /* the retries, 2 s doubling with each failure */
    assert_true(sp.ev[A][TIP_EV_IKE_REKEYED] >= 1);
    assert_true(sp.ev[B][TIP_EV_IKE_REKEYED] >= 1);
    assert_true(sp.ev[A][TIP_EV_CHILD_REKEYED] >= 1);
    assert_true(sp.ev[B][TIP_EV_CHILD_REKEYED] >= 1);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s0), TIP_OK);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &s1), TIP_OK);
    assert_memory_equal(s0.spi_i, s1.spi_i, 8);
    assert_memory_equal(s0.spi_r, s1.spi_r, 8);
    expect_in_step();
}

/*
 * RFC 7296 2.25.1: B deletes the CHILD SA while A's rekey of it is in
 * flight. B answers A's late request with an error; both ends end without
 * a CHILD SA, and nothing of it is left in either SAD or SPD.
 */
static void test_peer_deletes_during_rekey(void **state)
{
    tip_ike_status_t s;

    (void)state;
    world(750);
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK); /* late */
    assert_int_equal(tip_ike_delete_child(&sp.ctx[B], sp.conn[B]), TIP_OK);
    deliver(find(B, TIP_IKE_EXCH_INFORMATIONAL, 0));
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_DOWN], 1);
    deliver(find(A, TIP_IKE_EXCH_INFORMATIONAL, 1));
    deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 0));
    deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 1));
    settle(70000);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s), TIP_OK);
    assert_true(s.ike_up);
    assert_false(s.child_up);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 0);
    assert_int_equal(spd_in_use(&sp.ctx[A]), spd0[A] - 2u);
    assert_int_equal(spd_in_use(&sp.ctx[B]), spd0[B] - 2u);
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(sp.ctx[A].ike.bad_transitions, 0);
}

/*
 * B answers A's rekey, then deletes the old pair itself before its answer
 * reaches A (a responder may: RFC 7296 1.4.1 lets either end delete a
 * CHILD SA). When the answer arrives, A's new pair carries the CHILD SA.
 */
static void test_old_pair_deleted_before_answer(void **state)
{
    (void)state;
    world(760);
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    deliver(find(A, TIP_IKE_EXCH_CREATE_CHILD_SA, 0)); /* B answers, the answer waits */
    assert_int_equal(tip_ike_delete_child(&sp.ctx[B], sp.conn[B]), TIP_OK); /* the old pair */
    deliver(find(B, TIP_IKE_EXCH_INFORMATIONAL, 0));
    deliver(find(A, TIP_IKE_EXCH_INFORMATIONAL, 1));
    deliver(find(B, TIP_IKE_EXCH_CREATE_CHILD_SA, 1));
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_UP], 1);
    sp.ev[A][TIP_EV_CHILD_DOWN] = 0; /* the gap between the delete and the answer */
    settle(2000);
    expect_in_step();
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    settle(1000);
    expect_in_step();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delete_crosses_late_rekey),
        cmocka_unit_test(test_late_rekey_meets_delete),
        cmocka_unit_test(test_collision_response_lost),
        cmocka_unit_test(test_collision_with_pfs),
        cmocka_unit_test(test_ike_rekey_waits_for_child_rekey),
        cmocka_unit_test(test_peer_deletes_during_rekey),
        cmocka_unit_test(test_old_pair_deleted_before_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
