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
#include "tip_test_ike.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;
static int ev[2][TIP_EV_COUNT_];
static int last_reason[2][TIP_EV_COUNT_];

static void on_event(void *arg, const tip_event_t *e)
{
    int who = (int)(intptr_t)arg;
    ev[who][e->type]++;
    last_reason[who][e->type] = e->reason;
}

/* a initiates (10.99.0.1), b answers; @p ta / @p tb tweak their connections. */
static void pair(uint64_t seed, void (*ta)(tip_ike_conn_t *k), void (*tb)(tip_ike_conn_t *k))
{
    tip_port_t p;
    tip_ike_conn_t k;

    (void)tip_ctx_deinit(&a);
    (void)tip_ctx_deinit(&b);
    memset(ev, 0, sizeof(ev));
    memset(last_reason, 0, sizeof(last_reason));
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
}

/* Both sides up, and in step: the same IKE SA, mirrored CHILD SPIs. */
static int in_step(void)
{
    tip_ike_status_t sa, sb;
    return tip_ike_status(&a, conn_a, &sa) == TIP_OK && tip_ike_status(&b, conn_b, &sb) == TIP_OK &&
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
    assert_int_equal(tip_poll(&a, 1000), TIP_POLL_NONE);
    assert_int_equal(tip_poll(&b, 1000), TIP_POLL_NONE);
    assert_int_equal(tip_poll(&b, 1000 + 86400000u), TIP_POLL_NONE);
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
    sim.n[1].down = 1; /* b never answers */
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    tip_test_port_clear(&pa);
    for (i = 0; i < sizeof(rto) / sizeof(rto[0]); i++) {
        uint32_t sent = tip_test_port_count(&pa);
        assert_int_equal(tip_poll(&a, now), rto[i]);
        tip_test_port_set_time(&pa, now + rto[i] - 1u);
        assert_int_equal(tip_poll(&a, now + rto[i] - 1u), 1u);
        assert_int_equal(tip_test_port_count(&pa), sent); /* nothing early */
        now += rto[i];
        tip_test_port_set_time(&pa, now);
        if (i + 1u < sizeof(rto) / sizeof(rto[0])) {
            assert_int_equal(tip_poll(&a, now), rto[i + 1u]);
            assert_int_equal(tip_test_port_count(&pa), sent + 1u); /* the retransmission */
        }
    }
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(tip_poll(&a, now), TIP_POLL_NONE); /* gave up, no restart */
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(last_reason[0][TIP_EV_IKE_DOWN], TIP_ERR_PORT);
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
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_up, NULL, 5000));
    /* everything arrived at sim.now: the last message from the peer too */
    assert_int_equal(tip_poll(&a, sim.now), 30000u);
    assert_int_equal(tip_poll(&b, sim.now), 30000u);
    sent = tip_test_port_count(&pa);
    tip_test_port_set_time(&pa, sim.now + 29999u);
    assert_int_equal(tip_poll(&a, sim.now + 29999u), 1u);
    assert_int_equal(tip_test_port_count(&pa), sent);
    tip_test_port_set_time(&pa, sim.now + 30000u);
    assert_int_equal(tip_poll(&a, sim.now + 30000u), 1000u); /* its retransmission next */
    assert_int_equal(tip_test_port_count(&pa), sent + 1u);
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
    sim.loss_pct = 10;
    sim.dup_pct = 5;
    sim.reorder_pct = 10;

    /* the handshake, with loss: retransmissions at their deadlines */
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    while (!in_step() && ms < 120000u) {
        tip_sim_sleep(&sim, 1000, &st);
        ms += 1000;
    }
    assert_true(in_step());
    assert_int_equal(tip_ike_status(&a, conn_a, &sa0), TIP_OK);

    /* half an hour: CHILD rekeys every 2 min, IKE rekeys every 5 min,
     * liveness checks when idle, all with loss */
    tip_sim_sleep(&sim, 1800000u, &st);
    sim.loss_pct = 0;
    sim.dup_pct = 0;
    sim.reorder_pct = 0;
    tip_sim_sleep(&sim, 10000u, &st); /* let an exchange in flight finish */
    assert_true(in_step());
    assert_int_equal(tip_ike_status(&a, conn_a, &sa1), TIP_OK);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb1), TIP_OK);
    assert_true(sa1.ike_rekeys >= 4);    /* every 5 min, minus jitter */
    assert_true(sa1.child_rekeys >= 10); /* every 2 min */
    assert_true(sb1.child_rekeys >= 10);
    assert_true(memcmp(sa0.spi_i, sa1.spi_i, 8) != 0); /* another IKE SA by now */
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0); /* nothing was lost to a late timer */
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(ev[0][TIP_EV_SA_HARD_EXPIRED], 0);
    assert_int_equal(ev[1][TIP_EV_SA_HARD_EXPIRED], 0);

    /* b goes away: a's liveness check finds it dead, a tries again */
    sim.n[1].down = 1;
    tip_sim_sleep(&sim, 180000u, &st);
    assert_true(ev[0][TIP_EV_IKE_DOWN] >= 1);
    assert_int_equal(last_reason[0][TIP_EV_IKE_DOWN], TIP_ERR_PORT);

    /* b is back: a's next attempt brings the tunnel up again */
    sim.n[1].down = 0;
    ms = 0;
    while (!in_step() && ms < 300000u) {
        tip_sim_sleep(&sim, 1000, &st);
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
    (void)tip_ctx_deinit(&a);
    (void)tip_ctx_deinit(&b);
    return r;
}
