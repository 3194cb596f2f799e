/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tip_poll() with IKE: an idle connection schedules nothing, the
 * retransmission and liveness deadlines are reported exactly, and two
 * gateways that only ever poll when tip_poll() told them to (or right
 * after input) still negotiate over a lossy network, rekey both SAs again
 * and again, notice a dead peer by the liveness check and come back
 * together once it returns (tip_sim_sleep: the clock jumps from one
 * deadline to the next).
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_MAX_IKE_SA>=2 TIP_CONF_AES_GCM
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
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_port.h"

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;

/* a initiates (10.99.0.1), b answers; @p ta / @p tb tweak their connections. */
static void pair(uint64_t seed, tip_sim_pair_tweak_t ta, tip_sim_pair_tweak_t tb)
{
    tip_sim_pair_setup(&sp, seed, ta, tb);
}

/* Both sides up, and in step: the same IKE SA, mirrored CHILD SPIs. */
static int in_step(void)
{
    tip_ike_status_t sa, sb;
    return tip_ike_status(&sp.ctx[A], sp.conn[A], &sa) == TIP_OK && tip_ike_status(&sp.ctx[B], sp.conn[B], &sb) == TIP_OK &&
           sa.ike_up && sb.ike_up && sa.child_up && sb.child_up &&
           memcmp(sa.spi_i, sb.spi_i, 8) == 0 && memcmp(sa.spi_r, sb.spi_r, 8) == 0 &&
           sa.child_spi_in == sb.child_spi_out && sa.child_spi_out == sb.child_spi_in;
}

static int both_up(void *arg)
{
    (void)arg;
    return in_step();
}

/* An IKE connection with no IKE SA schedules nothing (no timer of its
 * own, not even the cookie secret's). */
static void test_idle_connection_schedules_nothing(void **state)
{
    (void)state;
    pair(1, NULL, NULL);
    assert_int_equal(tip_poll(&sp.ctx[A], 1000), TIP_POLL_NONE);
    assert_int_equal(tip_poll(&sp.ctx[B], 1000), TIP_POLL_NONE);
    assert_int_equal(tip_poll(&sp.ctx[B], 1000 + 86400000u), TIP_POLL_NONE);
}

/* RFC 7296 2.4: retransmissions at 1, 2, 4, 8, 16, 32 s; giving up at the
 * last deadline. Each is reported exactly; a poll 1 ms early sends nothing. */
static void test_retransmission_deadlines_exact(void **state)
{
    static const uint32_t rto[] = {1000, 2000, 4000, 8000, 16000, 32000};
    uint64_t now = 1000;
    unsigned i;
    (void)state;
    pair(2, NULL, NULL);
    sp.sim.n[1].down = 1; /* b never answers */
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_test_port_clear(&sp.port[A]);
    for (i = 0; i < sizeof(rto) / sizeof(rto[0]); i++) {
        uint32_t sent = tip_test_port_count(&sp.port[A]);
        assert_int_equal(tip_poll(&sp.ctx[A], now), rto[i]);
        tip_test_port_set_time(&sp.port[A], now + rto[i] - 1u);
        assert_int_equal(tip_poll(&sp.ctx[A], now + rto[i] - 1u), 1u);
        assert_int_equal(tip_test_port_count(&sp.port[A]), sent); /* nothing early */
        now += rto[i];
        tip_test_port_set_time(&sp.port[A], now);
        if (i + 1u < sizeof(rto) / sizeof(rto[0])) {
            assert_int_equal(tip_poll(&sp.ctx[A], now), rto[i + 1u]);
            assert_int_equal(tip_test_port_count(&sp.port[A]), sent + 1u); /* the retransmission */
        }
    }
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(tip_poll(&sp.ctx[A], now), TIP_POLL_NONE); /* gave up, no restart */
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(sp.ev_reason[A][TIP_EV_IKE_DOWN], TIP_ERR_PORT);
}

static void dpd_30s(tip_ike_conn_t *k)
{
    k->dpd_s = 30;
}

/* An established, idle pair: the liveness check is the next deadline,
 * exactly 30 s after the last message, and polling then sends it. */
static void test_liveness_deadline_exact(void **state)
{
    uint32_t sent;
    (void)state;
    pair(3, dpd_30s, dpd_30s);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 5000));
    /* everything arrived at sim.now: the last message from the peer too */
    assert_int_equal(tip_poll(&sp.ctx[A], sp.sim.now), 30000u);
    assert_int_equal(tip_poll(&sp.ctx[B], sp.sim.now), 30000u);
    sent = tip_test_port_count(&sp.port[A]);
    tip_test_port_set_time(&sp.port[A], sp.sim.now + 29999u);
    assert_int_equal(tip_poll(&sp.ctx[A], sp.sim.now + 29999u), 1u);
    assert_int_equal(tip_test_port_count(&sp.port[A]), sent);
    tip_test_port_set_time(&sp.port[A], sp.sim.now + 30000u);
    assert_int_equal(tip_poll(&sp.ctx[A], sp.sim.now + 30000u), 1000u); /* its retransmission next */
    assert_int_equal(tip_test_port_count(&sp.port[A]), sent + 1u);
}

/* a rekeys often and restarts; b only checks liveness (its own rekeys are
 * an hour away, so the two never rekey the same SA at once). */
static void short_timers(tip_ike_conn_t *k)
{
    k->child_rekey_s = 120;
    k->ike_rekey_s = 300;
    k->dpd_s = 20;
    k->restart = 1;
}

static void dpd_20s(tip_ike_conn_t *k)
{
    k->dpd_s = 20;
}

/* Devices that sleep until the deadline tip_poll() gave them. */
static void test_sleeping_gateways(void **state)
{
    tip_sim_sleep_stats_t st;
    tip_ike_status_t sa0, sa1, sb1;
    uint64_t ms = 0;
    (void)state;
    pair(4, short_timers, dpd_20s);
    memset(&st, 0, sizeof(st));
    sp.sim.loss_pct = 10;
    sp.sim.dup_pct = 5;
    sp.sim.reorder_pct = 10;

    /* the handshake, with loss: retransmissions at their deadlines */
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    while (!in_step() && ms < 120000u) {
        tip_sim_sleep(&sp.sim, 1000, &st);
        ms += 1000;
    }
    assert_true(in_step());
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &sa0), TIP_OK);

    /* half an hour: CHILD rekeys every 2 min, IKE rekeys every 5 min,
     * liveness checks when idle, all with loss */
    tip_sim_sleep(&sp.sim, 1800000u, &st);
    sp.sim.loss_pct = 0;
    sp.sim.dup_pct = 0;
    sp.sim.reorder_pct = 0;
    tip_sim_sleep(&sp.sim, 10000u, &st); /* let an exchange in flight finish */
    assert_true(in_step());
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &sa1), TIP_OK);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &sb1), TIP_OK);
    assert_true(sa1.ike_rekeys >= 4);    /* every 5 min, minus jitter */
    assert_true(sa1.child_rekeys >= 10); /* every 2 min */
    assert_true(sb1.child_rekeys >= 10);
    assert_true(memcmp(sa0.spi_i, sa1.spi_i, 8) != 0); /* another IKE SA by now */
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 0); /* nothing was lost to a late timer */
    assert_int_equal(sp.ev[1][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(sp.ev[0][TIP_EV_SA_HARD_EXPIRED], 0);
    assert_int_equal(sp.ev[1][TIP_EV_SA_HARD_EXPIRED], 0);

    /* b goes away: a's liveness check finds it dead, a tries again */
    sp.sim.n[1].down = 1;
    tip_sim_sleep(&sp.sim, 180000u, &st);
    assert_true(sp.ev[0][TIP_EV_IKE_DOWN] >= 1);
    assert_int_equal(sp.ev_reason[A][TIP_EV_IKE_DOWN], TIP_ERR_PORT);

    /* b is back: a's next attempt brings the tunnel up again */
    sp.sim.n[1].down = 0;
    ms = 0;
    while (!in_step() && ms < 300000u) {
        tip_sim_sleep(&sp.sim, 1000, &st);
        ms += 1000;
    }
    assert_true(in_step());

    /* no poll ever had to be repeated at the same time, and the devices
     * slept: far fewer wake-ups than seconds went by */
    assert_int_equal(st.spins, 0);
    assert_true(st.wakeups < (1800u + 180u + ms / 1000u) / 2u);
    print_message("sleeping gateways: %lu wake-ups, %lu polls at a deadline, %lu after input\n",
                  (unsigned long)st.wakeups, (unsigned long)st.polls_due,
                  (unsigned long)st.polls_input);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_connection_schedules_nothing),
        cmocka_unit_test(test_retransmission_deadlines_exact),
        cmocka_unit_test(test_liveness_deadline_exact),
        cmocka_unit_test(test_sleeping_gateways),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    (void)tip_ctx_deinit(&sp.ctx[A]);
    (void)tip_ctx_deinit(&sp.ctx[B]);
    return r;
}
