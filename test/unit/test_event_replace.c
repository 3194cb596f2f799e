/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The event callback contract on the data path: a callback that deletes
 * the SA an event is about and installs a replacement (the thing an
 * application does on expiry) keeps its replacement, on every path that
 * raises an SA event: the seconds-based lifetimes in tip_poll(), packet and
 * byte lifetimes on output and input, the sequence-number warning and the
 * end of the sequence space. The core finishes with the old SA before it
 * calls out and touches nothing the callback may have changed afterwards.
 *
 * tip-requires: TIP_CONF_AES_GCM
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

#define CAP 4096
#define REPLACEMENT_SPI 0x7777u

static tip_test_fixture_t fx;
static uint8_t mem_out[CAP], mem_in[CAP];

/* What the callback does: on event type `on`, in context `ctx`, delete
 * the event's SA and install `params` (with another SPI) in its place. */
static struct {
    tip_ctx_t *ctx;
    tip_event_type_t on;
    tip_sa_params_t params;
    tip_handle_t replacement;
    int del_result;
    int add_result;
    int fired;
    tip_handle_t old;
    uint32_t old_spi;
} cb;

static void on_event(void *arg, const tip_event_t *ev)
{
    tip_sa_params_t p;
    (void)arg;
    if (ev->type != cb.on || cb.fired++)
        return;
    cb.old = ev->sa;
    cb.old_spi = ev->spi;
    cb.del_result = tip_sad_del(cb.ctx, ev->sa);
    p = cb.params;
    p.spi = REPLACEMENT_SPI;
    cb.add_result = tip_sad_add(cb.ctx, &p, &cb.replacement);
}

static void arm(tip_ctx_t *ctx, tip_event_type_t on, const tip_sa_params_t *params)
{
    memset(&cb, 0, sizeof(cb));
    cb.ctx = ctx;
    cb.on = on;
    cb.params = *params;
    tip_ctx_set_event_cb(ctx, on_event, NULL);
}

/* Both contexts with an AES-GCM tunnel; the outbound SA of a (or the
 * inbound one of b) replaced by one with @p out / @p in changed. */
static void setup(const tip_sa_params_t *out, const tip_sa_params_t *in)
{
    static const tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, 0, 0};
    const tip_test_suite_t *s;

    for (s = tip_test_suites; s->name != NULL && strcmp(s->name, "aes128gcm16") != 0; s++)
        ;
    assert_non_null(s->name);
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, s, &l), TIP_OK);
    if (out != NULL) {
        assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
        assert_int_equal(tip_sad_add(&fx.a, out, &fx.sa_out), TIP_OK);
    }
    if (in != NULL) {
        assert_int_equal(tip_sad_del(&fx.b, fx.sa_in), TIP_OK);
        assert_int_equal(tip_sad_add(&fx.b, in, &fx.sa_in), TIP_OK);
    }
}

static int send_one(void)
{
    tip_buf_t buf;
    assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, 64, 0x42), TIP_OK);
    return tip_output(&fx.a, &buf);
}

/* The replacement is installed, alone, untouched, and carries traffic. */
static void expect_replacement_lives(tip_ctx_t *ctx)
{
    tip_sa_stats_t st;
    tip_handle_t h;

    assert_int_equal(cb.fired, 1);
    assert_int_equal(cb.add_result, TIP_OK);
    assert_int_equal(tip_sad_stats(ctx, cb.replacement, &st), TIP_OK);
    assert_int_equal(st.packets, 0);
    assert_true(st.seq == 0);
    assert_int_equal(tip_sad_count(ctx), 1);
    /* the old SA is gone, whoever removed it */
    assert_int_equal(tip_sad_stats(ctx, cb.old, &st), TIP_ERR_STALE);
    if (cb.params.dir == TIP_DIR_IN) {
        assert_int_equal(tip_sad_find_inbound(ctx, REPLACEMENT_SPI, NULL, &h), TIP_OK);
        assert_int_equal(h, cb.replacement);
    }
}

/* tip_poll(): the hard lifetime in seconds. */
static void test_poll_hard_expiry_replace(void **state)
{
    tip_sa_params_t p;
    (void)state;
    setup(NULL, NULL);
    p = fx.out_params;
    p.hard.seconds = 10;
    setup(&p, NULL);
    arm(&fx.a, TIP_EV_SA_HARD_EXPIRED, &fx.out_params);
    (void)tip_poll(&fx.a, 1000 + 10000);
    expect_replacement_lives(&fx.a);
    /* SA_HARD_EXPIRED announces an SA that is already gone */
    assert_int_equal(cb.del_result, TIP_ERR_STALE);
    assert_int_equal(cb.old_spi, fx.out_params.spi);
    assert_int_equal(send_one(), TIP_SENT);
    assert_int_equal(tip_load_be32(tip_test_port_last(&fx.pa)->data + 20), REPLACEMENT_SPI);
}

/* tip_poll(): the soft lifetime in seconds (the SA still exists). */
static void test_poll_soft_expiry_replace(void **state)
{
    tip_sa_params_t p;
    (void)state;
    setup(NULL, NULL);
    p = fx.out_params;
    p.soft.seconds = 10;
    p.hard.seconds = 20;
    setup(&p, NULL);
    arm(&fx.a, TIP_EV_SA_SOFT_EXPIRED, &fx.out_params);
    (void)tip_poll(&fx.a, 1000 + 10000);
    expect_replacement_lives(&fx.a);
    assert_int_equal(cb.del_result, TIP_OK);
    (void)tip_poll(&fx.a, 1000 + 30000); /* the old one's hard lifetime passes */
    expect_replacement_lives(&fx.a);
}

/* tip_output(): the last packet the hard packet limit allows. */
static void test_output_hard_expiry_replace(void **state)
{
    tip_sa_params_t p;
    (void)state;
    setup(NULL, NULL);
    p = fx.out_params;
    p.hard.packets = 1;
    setup(&p, NULL);
    arm(&fx.a, TIP_EV_SA_HARD_EXPIRED, &fx.out_params);
    assert_int_equal(send_one(), TIP_SENT); /* it still goes, on the old SA */
    assert_int_equal(tip_load_be32(tip_test_port_last(&fx.pa)->data + 20), fx.out_params.spi);
    expect_replacement_lives(&fx.a);
    assert_int_equal(cb.del_result, TIP_ERR_STALE);
    assert_int_equal(send_one(), TIP_SENT);
    assert_int_equal(tip_load_be32(tip_test_port_last(&fx.pa)->data + 20), REPLACEMENT_SPI);
}

/* tip_output(): the soft packet limit; the hard one right behind it. */
static void test_output_soft_expiry_replace(void **state)
{
    tip_sa_params_t p, r;
    (void)state;
    setup(NULL, NULL);
    p = fx.out_params;
    p.soft.packets = 1;
    p.hard.packets = 2;
    setup(&p, NULL);
    r = fx.out_params;
    r.hard.packets = 1; /* the replacement ends at its first packet, not before */
    arm(&fx.a, TIP_EV_SA_SOFT_EXPIRED, &r);
    assert_int_equal(send_one(), TIP_SENT);
    expect_replacement_lives(&fx.a);
    assert_int_equal(cb.del_result, TIP_OK);
}

/* tip_output(): the sequence-number warning comes before the packet is
 * built; the packet still goes out on the SA it was meant for. */
static void test_output_rekey_needed_replace(void **state)
{
    tip_sa_params_t p;
    tip_buf_t in;
    (void)state;
    setup(NULL, NULL);
    p = fx.out_params;
    p.seq_start = 0xFFFFFFF0u;
    setup(&p, NULL);
    arm(&fx.a, TIP_EV_SA_REKEY_NEEDED, &fx.out_params);
    assert_int_equal(send_one(), TIP_SENT);
    expect_replacement_lives(&fx.a);
    assert_int_equal(cb.del_result, TIP_OK);
    /* the packet: the old SPI and the old SA's next number, and b accepts it */
    assert_int_equal(tip_load_be32(tip_test_port_last(&fx.pa)->data + 20), fx.out_params.spi);
    assert_int_equal(tip_load_be32(tip_test_port_last(&fx.pa)->data + 24), 0xFFFFFFF1u);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
}

/* tip_output(): the end of the sequence space; the drop is the old SA's. */
static void test_output_seq_exhausted_replace(void **state)
{
    tip_sa_params_t p;
    tip_sa_stats_t st;
    (void)state;
    setup(NULL, NULL);
    p = fx.out_params;
    p.seq_start = 0xFFFFFFFFu;
    setup(&p, NULL);
    arm(&fx.a, TIP_EV_SA_SEQ_EXHAUSTED, &fx.out_params);
    assert_int_equal(send_one(), TIP_ERR_SEQ_EXHAUSTED);
    expect_replacement_lives(&fx.a);
    assert_int_equal(cb.del_result, TIP_OK);
    assert_int_equal(tip_sad_stats(&fx.a, cb.replacement, &st), TIP_OK);
    assert_true(st.drops[TIP_DROP_SEQ_EXHAUSTED] == 0);
}

/* tip_input_*(): the last packet the hard limit accepts. */
static void test_input_hard_expiry_replace(void **state)
{
    tip_sa_params_t p;
    tip_buf_t in;
    (void)state;
    setup(NULL, NULL);
    p = fx.in_params;
    p.hard.packets = 1;
    setup(NULL, &p);
    arm(&fx.b, TIP_EV_SA_HARD_EXPIRED, &fx.in_params);
    assert_int_equal(send_one(), TIP_SENT);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    expect_replacement_lives(&fx.b);
    assert_int_equal(cb.del_result, TIP_ERR_STALE);
}

/* tip_input_*(): a packet over the hard byte limit is refused. */
static void test_input_over_hard_replace(void **state)
{
    tip_sa_params_t p;
    tip_buf_t in;
    (void)state;
    setup(NULL, NULL);
    p = fx.in_params;
    p.hard.bytes = 10;
    setup(NULL, &p);
    arm(&fx.b, TIP_EV_SA_HARD_EXPIRED, &fx.in_params);
    assert_int_equal(send_one(), TIP_SENT);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_ERR_LIFETIME);
    expect_replacement_lives(&fx.b);
    assert_int_equal(cb.del_result, TIP_ERR_STALE);
}

/* tip_input_*(): the soft limit, and the hard one at the same packet. */
static void test_input_soft_and_hard_replace(void **state)
{
    tip_sa_params_t p;
    tip_buf_t in;
    (void)state;
    setup(NULL, NULL);
    p = fx.in_params;
    p.soft.packets = 1;
    p.hard.packets = 1;
    setup(NULL, &p);
    arm(&fx.b, TIP_EV_SA_SOFT_EXPIRED, &fx.in_params);
    assert_int_equal(send_one(), TIP_SENT);
    assert_int_equal(tip_fx_deliver_last(&fx, &in, mem_in, CAP), TIP_RX_DATA);
    /* both events describe the old SA, which is gone before either is raised */
    expect_replacement_lives(&fx.b);
    assert_int_equal(cb.del_result, TIP_ERR_STALE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poll_hard_expiry_replace),
        cmocka_unit_test(test_poll_soft_expiry_replace),
        cmocka_unit_test(test_output_hard_expiry_replace),
        cmocka_unit_test(test_output_soft_expiry_replace),
        cmocka_unit_test(test_output_rekey_needed_replace),
        cmocka_unit_test(test_output_seq_exhausted_replace),
        cmocka_unit_test(test_input_hard_expiry_replace),
        cmocka_unit_test(test_input_over_hard_replace),
        cmocka_unit_test(test_input_soft_and_hard_replace),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    tip_fx_fini(&fx);
    return r;
}
