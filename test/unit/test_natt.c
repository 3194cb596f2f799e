/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * NAT traversal (RFC 3948): demultiplexing on port 4500 and keepalives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

#define CAP 2048
static tip_test_fixture_t fx;
static uint8_t mem[CAP];

static void setup_natt(void)
{
    tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, 1, 0};
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, &tip_test_suites[0], &l), TIP_OK);
}

static void test_demux(void **state)
{
    tip_buf_t buf;
    static const uint8_t ka[1] = {0xFF};
    static const uint8_t ike[32] = {0, 0, 0, 0, 0x11, 0x22};
    static const uint8_t junk[5] = {1, 2, 3, 4, 5};
    tip_addr_t src = tip_test_addr("10.99.0.1"), dst = tip_test_addr("10.99.0.2");
    (void)state;
    setup_natt();
    assert_int_equal(tip_test_buf_set(&buf, mem, CAP, 64, ka, 1), TIP_OK);
    assert_int_equal(tip_input_udp(&fx.b, &src, 4500, &dst, 4500, &buf), TIP_RX_CONSUMED);
    assert_int_equal(tip_test_buf_set(&buf, mem, CAP, 64, ike, sizeof(ike)), TIP_OK);
    assert_int_equal(tip_input_udp(&fx.b, &src, 4500, &dst, 4500, &buf), TIP_RX_IKE);
    assert_int_equal(buf.off, 68); /* the non-ESP marker is stripped */
    assert_int_equal(buf.len, sizeof(ike) - 4);
    assert_int_equal(buf.base[buf.off], 0x11);
    assert_int_equal(tip_test_buf_set(&buf, mem, CAP, 64, junk, sizeof(junk)), TIP_OK);
    assert_int_equal(tip_input_udp(&fx.b, &src, 4500, &dst, 4500, &buf), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ctx_drops(&fx.b, TIP_DROP_MALFORMED), 1);
}

static void test_keepalive_timer(void **state)
{
    const tip_test_sent_t *s;
    tip_buf_t buf;
    (void)state;
    setup_natt(); /* SA added at t = 1000 */
    (void)tip_poll(&fx.a, 1000 + TIP_NATT_KEEPALIVE_MS - 1);
    assert_int_equal(tip_test_port_count(&fx.pa), 0);
    (void)tip_poll(&fx.a, 1000 + TIP_NATT_KEEPALIVE_MS);
    assert_int_equal(tip_test_port_count(&fx.pa), 1);
    s = tip_test_port_last(&fx.pa);
    assert_int_equal(s->kind, TIP_TEST_SENT_UDP);
    assert_int_equal(s->len, 1);
    assert_int_equal(s->data[0], 0xFF);
    assert_int_equal(s->dport, 4500);
    /* traffic counts as keepalive: no keepalive 20 s after the last packet... */
    tip_test_port_set_time(&fx.pa, 1000 + TIP_NATT_KEEPALIVE_MS + 5000);
    (void)tip_poll(&fx.a, 1000 + TIP_NATT_KEEPALIVE_MS + 5000);
    assert_int_equal(tip_fx_packet(&fx, &buf, mem, CAP, 10, 1), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    assert_int_equal(tip_test_port_count(&fx.pa), 2);
    (void)tip_poll(&fx.a, 1000 + 2 * TIP_NATT_KEEPALIVE_MS + 4999);
    assert_int_equal(tip_test_port_count(&fx.pa), 2);
    (void)tip_poll(&fx.a, 1000 + 2 * TIP_NATT_KEEPALIVE_MS + 5000);
    assert_int_equal(tip_test_port_count(&fx.pa), 3);
    /* switched off */
    tip_ctx_set_natt_keepalive(&fx.a, 0);
    (void)tip_poll(&fx.a, 1000 + 10 * TIP_NATT_KEEPALIVE_MS);
    assert_int_equal(tip_test_port_count(&fx.pa), 3);
}

static void test_one_keepalive_per_path(void **state)
{
    tip_sa_params_t p;
    uint32_t next;
    (void)state;
    setup_natt();
    p = fx.out_params;
    p.spi = 0x2222; /* a second SA on the same path (a rekey in progress) */
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_OK);
    next = tip_poll(&fx.a, 1000 + TIP_NATT_KEEPALIVE_MS);
    assert_int_equal(tip_test_port_count(&fx.pa), 1);
    assert_int_equal(next, TIP_NATT_KEEPALIVE_MS); /* both SAs' next keepalive, exactly */
}

static int group_teardown(void **state)
{
    (void)state;
    tip_fx_fini(&fx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demux),
        cmocka_unit_test(test_keepalive_timer),
        cmocka_unit_test(test_one_keepalive_per_path),
    };
    return cmocka_run_group_tests_name("natt", tests, NULL, group_teardown);
}
