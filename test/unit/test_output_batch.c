/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tip_output_batch(): a batch of packets gives what tip_output() gives
 * packet by packet (results, ESP bytes on the wire, drop counters, SA
 * counters), whatever mix of flows, packets no policy covers and malformed
 * ones it holds; a change of the SPD or the SAD between two batches, or
 * made by an event callback inside a batch, applies from the next packet
 * on although the batch looks a flow up only once.
 *
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_NATT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "ip.h"
#include "tip_test_fixture.h"

#define CAP 2048
#define NPKT 14

static tip_test_fixture_t f1, f2;
static uint8_t mem[NPKT][CAP];

/* What packet i is: 0 the fixture's flow, 1 the same hosts with another
 * source port, 2 a destination no policy covers, 3 malformed. */
static const int kinds[NPKT] = {0, 0, 0, 1, 1, 0, 2, 0, 3, 1, 1, 1, 0, 0};

static void setup(tip_test_fixture_t *fx)
{
    static const tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, 1, 0};
    const tip_test_suite_t *s;

    for (s = tip_test_suites; s->name != NULL; s++)
        if (strcmp(s->name, "aes128gcm16") == 0)
            break;
    assert_non_null(s->name);
    tip_fx_init(fx);
    assert_int_equal(tip_fx_setup(fx, s, &l), TIP_OK);
}

static void packet(tip_test_fixture_t *fx, unsigned i, int kind, tip_buf_t *b)
{
    assert_int_equal(tip_fx_packet(fx, b, mem[i], CAP, 100 + i, (uint8_t)i), TIP_OK);
    if (kind == 1) {
        b->base[b->off + 20] ^= 0x40; /* UDP source port */
    } else if (kind == 2) {
        b->base[b->off + 18] ^= 0x01; /* another /24 */
        tip_ipv4_fix_checksum(b->base + b->off);
    } else if (kind == 3) {
        b->len = 10; /* no IP header fits */
    }
}

/* SPI of ESP-in-UDP datagram @p k that a's port sent. */
static uint32_t spi_of(const tip_test_fixture_t *fx, uint32_t k)
{
    const tip_test_sent_t *s = tip_test_port_get(&fx->pa, k);

    assert_non_null(s);
    assert_int_equal(s->kind, TIP_TEST_SENT_UDP);
    return tip_load_be32(s->data);
}

static void test_batch_equals_one_by_one(void **state)
{
    tip_buf_t bufs[NPKT];
    int r1[NPKT], r2[NPKT], sent = 0;
    tip_sa_stats_t s1, s2;
    uint32_t k;
    unsigned i;

    (void)state;
    setup(&f1);
    for (i = 0; i < NPKT; i++) {
        packet(&f1, i, kinds[i], &bufs[0]);
        r1[i] = tip_output(&f1.a, &bufs[0]);
        sent += r1[i] == TIP_SENT;
    }
    setup(&f2);
    for (i = 0; i < NPKT; i++)
        packet(&f2, i, kinds[i], &bufs[i]);
    assert_int_equal(tip_output_batch(&f2.a, bufs, NPKT, r2), sent);
    for (i = 0; i < NPKT; i++)
        assert_int_equal(r2[i], r1[i]);
    assert_int_equal(r1[6], TIP_ERR_POLICY);
    assert_int_equal(r1[8], TIP_ERR_MALFORMED);
    assert_int_equal(sent, NPKT - 2);
    /* the same ESP, byte for byte, in the same order */
    assert_int_equal(tip_test_port_count(&f2.pa), tip_test_port_count(&f1.pa));
    for (k = 0; k < tip_test_port_count(&f1.pa); k++) {
        const tip_test_sent_t *a = tip_test_port_get(&f1.pa, k), *b = tip_test_port_get(&f2.pa, k);

        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->dport, b->dport);
        assert_int_equal(a->len, b->len);
        assert_memory_equal(a->data, b->data, a->len);
    }
    assert_int_equal(tip_ctx_drops(&f2.a, TIP_DROP_POLICY), 1);
    assert_int_equal(tip_ctx_drops(&f2.a, TIP_DROP_MALFORMED), 1);
    assert_int_equal(tip_sad_stats(&f1.a, f1.sa_out, &s1), TIP_OK);
    assert_int_equal(tip_sad_stats(&f2.a, f2.sa_out, &s2), TIP_OK);
    assert_int_equal(s2.packets, s1.packets);
    assert_int_equal(s2.bytes, s1.bytes);
    /* an empty batch and bad arguments */
    assert_int_equal(tip_output_batch(&f2.a, NULL, 0, NULL), 0);
    assert_int_equal(tip_output_batch(&f2.a, NULL, 1, r2), TIP_ERR_ARG);
    assert_int_equal(tip_output_batch(NULL, bufs, 1, r2), TIP_ERR_ARG);
    tip_fx_fini(&f1);
    tip_fx_fini(&f2);
}

/* A batch of @p n packets of the fixture's flow; all must be sent. */
static void batch_sent(tip_test_fixture_t *fx, unsigned n)
{
    tip_buf_t bufs[NPKT];
    int r[NPKT];
    unsigned i;

    for (i = 0; i < n; i++)
        packet(fx, i, 0, &bufs[i]);
    assert_int_equal(tip_output_batch(&fx->a, bufs, n, r), (int)n);
}

static tip_handle_t new_sa(tip_test_fixture_t *fx, uint32_t spi)
{
    tip_sa_params_t p = fx->out_params;
    tip_handle_t h;

    p.spi = spi;
    memset(&p.soft, 0, sizeof(p.soft));
    assert_int_equal(tip_sad_add(&fx->a, &p, &h), TIP_OK);
    return h;
}

static void test_change_between_batches(void **state)
{
    tip_policy_t pol;
    tip_buf_t bufs[3];
    int r[3];
    uint32_t k, first;
    unsigned i;

    (void)state;
    setup(&f1);
    batch_sent(&f1, 4);
    first = spi_of(&f1, 0);
    assert_int_not_equal(first, 0x2002);
    for (k = 1; k < 4; k++)
        assert_int_equal(spi_of(&f1, k), first);
    /* a newer SA (a rekey) carries the next batch */
    (void)new_sa(&f1, 0x2002);
    batch_sent(&f1, 4);
    for (k = 4; k < 8; k++)
        assert_int_equal(spi_of(&f1, k), 0x2002);
    /* a DISCARD policy in front of the PROTECT one takes the next */
    memset(&pol, 0, sizeof(pol));
    pol.action = TIP_ACTION_DISCARD;
    pol.dir = TIP_DIR_OUT;
    pol.sel.local_port_hi = 0xFFFF;
    pol.sel.remote_port_hi = 0xFFFF;
    assert_int_equal(tip_spd_add(&f1.a, &pol, TIP_SPD_PREPEND, NULL), TIP_OK);
    for (i = 0; i < 3; i++)
        packet(&f1, i, 0, &bufs[i]);
    assert_int_equal(tip_output_batch(&f1.a, bufs, 3, r), 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(r[i], TIP_ERR_DISCARD);
    assert_int_equal(tip_test_port_count(&f1.pa), 8);
    tip_fx_fini(&f1);
}

/* The soft lifetime's event arrives inside the batch; the callback adds
 * the replacement SA at once, and the very next packet must leave on it. */
static int soft_at = -1;
static uint32_t sent_before;

static void on_event(void *arg, const tip_event_t *ev)
{
    tip_test_fixture_t *fx = arg;

    if (ev->type != TIP_EV_SA_SOFT_EXPIRED || soft_at >= 0)
        return;
    soft_at = (int)(tip_test_port_count(&fx->pa) - sent_before);
    (void)new_sa(fx, 0x3003);
}

static void test_change_by_event_inside_batch(void **state)
{
    tip_sa_params_t p;
    tip_buf_t bufs[NPKT];
    int r[NPKT];
    uint32_t k, old;
    unsigned i;

    (void)state;
    setup(&f1);
    /* the fixture's SA again, with a soft lifetime of 5 packets */
    p = f1.out_params;
    assert_int_equal(tip_sad_del(&f1.a, f1.sa_out), TIP_OK);
    p.soft.packets = 5;
    assert_int_equal(tip_sad_add(&f1.a, &p, &f1.sa_out), TIP_OK);
    old = p.spi;
    tip_ctx_set_event_cb(&f1.a, on_event, &f1);
    sent_before = tip_test_port_count(&f1.pa);
    for (i = 0; i < NPKT; i++)
        packet(&f1, i, 0, &bufs[i]);
    assert_int_equal(tip_output_batch(&f1.a, bufs, NPKT, r), NPKT);
    assert_true(soft_at >= 1 && soft_at < NPKT);
    for (k = 0; k < NPKT; k++)
        assert_int_equal(spi_of(&f1, sent_before + k), (int)k < soft_at ? old : 0x3003u);
    tip_fx_fini(&f1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_equals_one_by_one),
        cmocka_unit_test(test_change_between_batches),
        cmocka_unit_test(test_change_by_event_inside_batch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
