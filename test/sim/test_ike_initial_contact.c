/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * INITIAL_CONTACT over the simulated network (RFC 7296 2.4, 3.10.1): device
 * a (10.99.0.1, a.test, protects 10.1.0.0/24) connects to gateway b
 * (10.99.0.2, b.test, 10.2.0.0/24), then loses its state (a fresh context,
 * as after a reboot) while b still holds the old IKE and CHILD SAs. A
 * fresh a sends INITIAL_CONTACT in its IKE_AUTH and b removes the old SAs
 * at once; without the notify they stay until b's liveness check gives up
 * on them; an IKE_AUTH that fails authentication removes nothing; a sends
 * the notify again once its IKE SA died, and not while another IKE SA of
 * its identity with b lives.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_MAX_IKE_CONN>=2 TIP_MAX_IKE_SA>=3 TIP_MAX_SA>=4
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
static tip_handle_t conn_a2;

/* a's connection to b; @p no_ic turns INITIAL_CONTACT off, @p bad_psk
 * makes its key wrong. */
static void a_conn(tip_handle_t *out, uint8_t no_ic, int bad_psk, uint32_t dpd_s)
{
    tip_ike_conn_t k;

    tip_sim_pair_conn(&k, A);
    k.no_initial_contact = no_ic;
    k.dpd_s = dpd_s;
    if (bad_psk)
        k.psk[0] ^= 1;
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &k, out), TIP_OK);
}

/* Gateway b (liveness check after @p dpd_s idle seconds, 0 = none). */
static void setup(uint64_t seed, uint8_t no_ic, uint32_t b_dpd_s)
{
    tip_ike_conn_t k;

    tip_sim_pair_init(&sp, seed);
    tip_sim_pair_conn(&k, B);
    k.dpd_s = b_dpd_s;
    assert_int_equal(tip_ike_conn_add(&sp.ctx[B], &k, &sp.conn[B]), TIP_OK);
    a_conn(&sp.conn[A], no_ic, 0, 0);
}

/* a reboots: all its state is gone; it comes back with the same identity
 * (and, unless @p bad_psk, the same key). Its port's random stream goes
 * on, so its SPIs are new. */
static void a_reboots(uint8_t no_ic, int bad_psk)
{
    tip_sim_pair_reboot(&sp, A);
    memset(sp.ev[A], 0, sizeof(sp.ev[A]));
    a_conn(&sp.conn[A], no_ic, bad_psk, 0);
}

static int both_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&sp.ctx[A], sp.conn[A], &sa) == TIP_OK && tip_ike_status(&sp.ctx[B], sp.conn[B], &sb) == TIP_OK &&
           sa.child_up && sb.child_up && sb.child_spi_out == sa.child_spi_in;
}

/* b holds an IKE SA with these SPIs. */
static int b_has_ike_sa(const uint8_t spi_i[8], const uint8_t spi_r[8])
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *s = &sp.ctx[B].ike.sa[i];
        if (s->state != TIP_IKE_S_FREE && memcmp(s->spi_i, spi_i, 8) == 0 &&
            memcmp(s->spi_r, spi_r, 8) == 0)
            return 1;
    }
    return 0;
}

/* b's CHILD SA pair of @p st is (1) or is not (0) in its SAD, both halves. */
static void expect_b_child(const tip_ike_status_t *st, int present)
{
    tip_sa_stats_t s;
    int in = tip_sad_find_inbound(&sp.ctx[B], st->child_spi_in, NULL, NULL);
    int out = tip_sad_stats(&sp.ctx[B], st->child_out, &s);

    if (present) {
        assert_int_equal(in, TIP_OK);
        assert_int_equal(out, TIP_OK);
    } else {
        assert_int_equal(in, TIP_ERR_NOT_FOUND);
        assert_int_not_equal(out, TIP_OK);
    }
}

/* a up, b's view of it in @p old. */
static void first_up(tip_ike_status_t *old)
{
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 5000));
    tip_sim_pair_traffic(&sp);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], old), TIP_OK);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 1);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
}

/* A rebooted a connects again: b removes the old IKE SA and its CHILD SAs
 * as soon as the new IKE_AUTH is authenticated, with no liveness check. */
static void test_rebooted_peer_replaces_old_sas_at_once(void **state)
{
    tip_ike_status_t old, cur;
    (void)state;

    setup(31, 0, 0); /* b never checks liveness: only the notify can help */
    first_up(&old);
    a_reboots(0, 0);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 5000));
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &cur), TIP_OK);
    assert_memory_not_equal(cur.spi_i, old.spi_i, 8);
    /* only the new IKE SA and its pair are left at b */
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 1);
    assert_false(b_has_ike_sa(old.spi_i, old.spi_r));
    assert_true(b_has_ike_sa(cur.spi_i, cur.spi_r));
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    expect_b_child(&old, 0);
    expect_b_child(&cur, 1);
    /* the old SA was not the connection's any more: no down events */
    assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(sp.ev[1][TIP_EV_CHILD_DOWN], 0);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_UP], 2);
    tip_sim_pair_traffic(&sp);
}

/* With no_initial_contact the old SAs stay at b until its liveness check
 * on them fails (a rebooted a does not know their SPIs). */
static void test_without_notify_old_sas_stay_until_dead(void **state)
{
    tip_ike_status_t old, cur;
    (void)state;

    setup(32, 1, 30);
    first_up(&old);
    a_reboots(1, 0);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 5000));
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &cur), TIP_OK);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 2);
    assert_true(b_has_ike_sa(old.spi_i, old.spi_r));
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 4);
    expect_b_child(&old, 1);
    expect_b_child(&cur, 1);
    tip_sim_pair_traffic(&sp); /* on the new pair */
    /* still there well before the liveness check can give up */
    tip_sim_run(&sp.sim, 20000, 100);
    assert_true(b_has_ike_sa(old.spi_i, old.spi_r));
    expect_b_child(&old, 1);
    /* gone once it does (30 s idle, then 1+2+4+8+16+32 s of retries) */
    tip_sim_run(&sp.sim, 120000, 100);
    assert_false(b_has_ike_sa(old.spi_i, old.spi_r));
    expect_b_child(&old, 0);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 1);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    tip_sim_pair_traffic(&sp);
}

/* INITIAL_CONTACT in an IKE_AUTH that fails authentication (the rebooted
 * device has the wrong key) removes nothing; the same notify from the
 * right key does. */
static void test_notify_in_failed_auth_removes_nothing(void **state)
{
    tip_ike_status_t old, now;
    (void)state;

    setup(33, 0, 0);
    first_up(&old);
    a_reboots(0, 1);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 500, 10);
    assert_int_equal(sp.ev[1][TIP_EV_AUTH_FAILED], 1);
    assert_int_equal(sp.ev[0][TIP_EV_AUTH_FAILED], 1);
    /* b's old IKE SA is still the connection's, its pair still installed */
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &now), TIP_OK);
    assert_true(now.ike_up);
    assert_memory_equal(now.spi_i, old.spi_i, 8);
    assert_memory_equal(now.spi_r, old.spi_r, 8);
    assert_int_equal(now.child_spi_in, old.child_spi_in);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 1);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    expect_b_child(&old, 1);
    assert_int_equal(tip_sim_send_udp(&sp.ctx[B], "10.2.0.7", "10.1.0.5", 0xCD), TIP_SENT);
    /* the right key: the notify is honoured */
    assert_int_equal(tip_ike_conn_del(&sp.ctx[A], sp.conn[A]), TIP_OK);
    a_conn(&sp.conn[A], 0, 0, 0);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 5000));
    assert_false(b_has_ike_sa(old.spi_i, old.spi_r));
    expect_b_child(&old, 0);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    tip_sim_pair_traffic(&sp);
}

/* a (not rebooted) declares b dead while b was only cut off, and b kept
 * the IKE SA. When a initiates again it has no IKE SA with b: it sends the
 * notify again and b's stale SA goes at once. */
static void test_sent_again_after_ike_sa_died(void **state)
{
    tip_ike_status_t old, cur;
    (void)state;

    setup(34, 0, 0);
    assert_int_equal(tip_ike_conn_del(&sp.ctx[A], sp.conn[A]), TIP_OK);
    a_conn(&sp.conn[A], 0, 0, 10); /* a checks liveness after 10 s idle */
    first_up(&old);
    sp.sim.n[1].down = 1;
    tip_sim_run(&sp.sim, 100000, 100);
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    sp.sim.n[1].down = 0;
    assert_true(b_has_ike_sa(old.spi_i, old.spi_r));
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 5000));
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &cur), TIP_OK);
    assert_memory_not_equal(cur.spi_i, old.spi_i, 8);
    assert_false(b_has_ike_sa(old.spi_i, old.spi_r));
    expect_b_child(&old, 0);
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 1);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    tip_sim_pair_traffic(&sp);
}

/* a's second connection to b under the same identity comes up while the
 * first lives: it must not send the notify, or b (which takes both to its
 * one connection for a.test) would drop the first connection's SAs. */
static void test_not_sent_while_another_ike_sa_with_peer(void **state)
{
    tip_ike_status_t first, second, st;
    tip_ike_conn_t k;
    (void)state;

    setup(35, 0, 0);
    first_up(&first);
    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &k, &conn_a2), TIP_OK);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], conn_a2), TIP_OK);
    tip_sim_run(&sp.sim, 500, 10);
    assert_int_equal(tip_ike_status(&sp.ctx[A], conn_a2, &st), TIP_OK);
    assert_true(st.child_up);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &second), TIP_OK);
    assert_memory_not_equal(second.spi_i, first.spi_i, 8);
    /* b still holds the first IKE SA and its pair */
    assert_int_equal(tip_sim_pair_ike_sas(&sp.ctx[B]), 2);
    assert_true(b_has_ike_sa(first.spi_i, first.spi_r));
    assert_true(b_has_ike_sa(second.spi_i, second.spi_r));
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 4);
    expect_b_child(&first, 1);
    expect_b_child(&second, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebooted_peer_replaces_old_sas_at_once),
        cmocka_unit_test(test_without_notify_old_sas_stay_until_dead),
        cmocka_unit_test(test_notify_in_failed_auth_removes_nothing),
        cmocka_unit_test(test_sent_again_after_ike_sa_died),
        cmocka_unit_test(test_not_sent_while_another_ike_sa_with_peer),
    };
    return cmocka_run_group_tests_name("ike_initial_contact", tests, NULL, NULL);
}
