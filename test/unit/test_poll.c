/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tip_poll() reports the real time to the next deadline, uncapped, so that
 * a device can sleep until then: exactly, TIP_POLL_NONE when nothing is
 * scheduled, saturated just below it when the deadline is too far for 32
 * bits; polling at the returned time runs the due work and polling before
 * it runs nothing. Input that arrives after a long sleep is processed at
 * the port's current time, not at the time of the last poll.
 *
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_NATT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

#define CAP 4096
#define T0 1000u /* the fixture's ports start there */

static tip_test_fixture_t fx;
static uint8_t mem[CAP];
static int events[TIP_EV_COUNT_];

static void on_event(void *arg, const tip_event_t *ev)
{
    (void)arg;
    events[ev->type]++;
}

static const tip_test_suite_t *gcm(void)
{
    const tip_test_suite_t *s;
    for (s = tip_test_suites; s->name != NULL && strcmp(s->name, "aes128gcm16") != 0; s++)
        ;
    assert_non_null(s->name);
    return s;
}

/* The fixture's tunnel, its outbound SA replaced by @p p (NULL: none). */
static void setup(const tip_sa_params_t *p, int natt)
{
    tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, natt, 0};
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, gcm(), &l), TIP_OK);
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    if (p != NULL)
        assert_int_equal(tip_sad_add(&fx.a, p, &fx.sa_out), TIP_OK);
    memset(events, 0, sizeof(events));
    tip_ctx_set_event_cb(&fx.a, on_event, NULL);
}

static tip_sa_params_t out_params(void)
{
    tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, 0, 0};
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, gcm(), &l), TIP_OK);
    return fx.out_params;
}

static void test_nothing_scheduled(void **state)
{
    (void)state;
    setup(NULL, 0); /* policies, an inbound SA without lifetimes, nothing else */
    assert_int_equal(tip_poll(&fx.a, T0), TIP_POLL_NONE);
    assert_int_equal(tip_poll(&fx.a, T0 + 86400000u), TIP_POLL_NONE);
    assert_int_equal(tip_poll(&fx.b, T0), TIP_POLL_NONE);
}

static void test_one_hour_lifetime(void **state)
{
    tip_sa_params_t p = out_params();
    (void)state;
    p.hard.seconds = 3600;
    setup(&p, 0);
    assert_int_equal(tip_poll(&fx.a, T0), 3600000u);
    assert_int_equal(tip_poll(&fx.a, T0 + 1000u), 3599000u);
    /* a device that sleeps exactly that long finds the work done */
    assert_int_equal(tip_poll(&fx.a, T0 + 3600000u - 1u), 1u);
    assert_int_equal(events[TIP_EV_SA_HARD_EXPIRED], 0);
    assert_int_equal(tip_sad_count(&fx.a), 1);
    assert_int_equal(tip_poll(&fx.a, T0 + 3600000u), TIP_POLL_NONE);
    assert_int_equal(events[TIP_EV_SA_HARD_EXPIRED], 1);
    assert_int_equal(tip_sad_count(&fx.a), 0);
}

static void test_soft_then_hard(void **state)
{
    tip_sa_params_t p = out_params();
    (void)state;
    p.soft.seconds = 3000;
    p.hard.seconds = 3600;
    setup(&p, 0);
    assert_int_equal(tip_poll(&fx.a, T0), 3000000u);
    assert_int_equal(tip_poll(&fx.a, T0 + 3000000u), 600000u); /* soft done: hard next */
    assert_int_equal(events[TIP_EV_SA_SOFT_EXPIRED], 1);
    assert_int_equal(tip_poll(&fx.a, T0 + 3600000u), TIP_POLL_NONE);
    assert_int_equal(events[TIP_EV_SA_HARD_EXPIRED], 1);
}

static void test_far_deadline_saturates(void **state)
{
    tip_sa_params_t p = out_params();
    (void)state;
    p.hard.seconds = 0xFFFFFFFFu; /* 136 years: more ms than 32 bits hold */
    setup(&p, 0);
    assert_int_equal(tip_poll(&fx.a, T0), TIP_POLL_NONE - 1u);
    p.hard.seconds = 4294967u; /* 4294967000 ms: still fits */
    setup(&p, 0);
    assert_int_equal(tip_poll(&fx.a, T0), 4294967000u);
}

static void test_keepalive_deadline(void **state)
{
    tip_sa_params_t p = out_params();
    tip_buf_t buf;
    (void)state;
    p.natt_sport = p.natt_dport = TIP_PORT_NATT;
    setup(&p, 1);
    tip_test_port_clear(&fx.pa);
    assert_int_equal(tip_poll(&fx.a, T0), TIP_NATT_KEEPALIVE_MS);
    /* traffic moves it: the keepalive is due an interval after the last packet */
    tip_test_port_set_time(&fx.pa, T0 + 5000u);
    assert_int_equal(tip_fx_packet(&fx, &buf, mem, CAP, 10, 1), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    assert_int_equal(tip_poll(&fx.a, T0 + 5000u), TIP_NATT_KEEPALIVE_MS);
    assert_int_equal(tip_poll(&fx.a, T0 + 5000u + TIP_NATT_KEEPALIVE_MS - 1u), 1u);
    assert_int_equal(tip_test_port_count(&fx.pa), 1);
    assert_int_equal(tip_poll(&fx.a, T0 + 5000u + TIP_NATT_KEEPALIVE_MS), TIP_NATT_KEEPALIVE_MS);
    assert_int_equal(tip_test_port_count(&fx.pa), 2);
    assert_int_equal(tip_test_port_last(&fx.pa)->len, 1); /* the 0xFF keepalive */
    tip_ctx_set_natt_keepalive(&fx.a, 0);
    assert_int_equal(tip_poll(&fx.a, T0 + 90000u), TIP_POLL_NONE);
}

/* An SA installed after a long sleep (no poll since) counts its lifetime
 * from the port's clock, and a packet processed then sees that time. */
static void test_calls_after_sleep_use_the_port_clock(void **state)
{
    tip_sa_params_t p = out_params();
    tip_sa_stats_t st;
    tip_buf_t buf;
    (void)state;
    setup(NULL, 0);
    assert_int_equal(tip_poll(&fx.a, T0), TIP_POLL_NONE);
    tip_test_port_set_time(&fx.pa, T0 + 7200000u); /* two hours asleep */
    p.hard.seconds = 60;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    assert_int_equal(tip_sad_stats(&fx.a, fx.sa_out, &st), TIP_OK);
    assert_true(st.added_ms == T0 + 7200000u);
    assert_int_equal(tip_fx_packet(&fx, &buf, mem, CAP, 10, 1), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    assert_int_equal(tip_poll(&fx.a, T0 + 7200000u), 60000u);
    assert_int_equal(events[TIP_EV_SA_HARD_EXPIRED], 0);
}

/* tip_poll() from inside an event callback runs nothing and returns 0. */
static uint32_t nested_result;
static uint32_t nested_count_before, nested_count_after;
static void on_event_poll(void *arg, const tip_event_t *ev)
{
    (void)arg;
    events[ev->type]++;
    nested_count_before = tip_sad_count(&fx.a);
    nested_result = tip_poll(&fx.a, T0 + 999999u);
    nested_count_after = tip_sad_count(&fx.a);
}

static void test_poll_refused_inside_callback(void **state)
{
    tip_sa_params_t p = out_params(), q;
    (void)state;
    p.soft.seconds = 10;
    setup(&p, 0);
    q = p;
    q.spi = 0x3333;
    q.soft.seconds = 0;
    q.hard.seconds = 20; /* due at the nested poll's time, not at the outer one */
    assert_int_equal(tip_sad_add(&fx.a, &q, NULL), TIP_OK);
    tip_ctx_set_event_cb(&fx.a, on_event_poll, NULL);
    nested_result = 12345;
    assert_int_equal(tip_poll(&fx.a, T0 + 10000u), 10000u);
    assert_int_equal(events[TIP_EV_SA_SOFT_EXPIRED], 1);
    assert_int_equal(nested_result, 0);
    assert_int_equal(nested_count_before, 2);
    assert_int_equal(nested_count_after, 2); /* q's hard lifetime did not run */
    assert_int_equal(events[TIP_EV_SA_HARD_EXPIRED], 0);
    assert_int_equal(tip_ctx_deinit(&fx.a), TIP_OK); /* outside: allowed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_scheduled),
        cmocka_unit_test(test_one_hour_lifetime),
        cmocka_unit_test(test_soft_then_hard),
        cmocka_unit_test(test_far_deadline_saturates),
        cmocka_unit_test(test_keepalive_deadline),
        cmocka_unit_test(test_calls_after_sleep_use_the_port_clock),
        cmocka_unit_test(test_poll_refused_inside_callback),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    tip_fx_fini(&fx);
    return r;
}
