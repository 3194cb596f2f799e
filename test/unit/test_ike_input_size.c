/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tip_ike_input() on messages larger than the build takes (TIP_IKE_MSG_MAX):
 * reported as TIP_ERR_TOO_LARGE, which the application can log with the
 * size, not as a malformed message; counted, never acted on. A datagram
 * above the receive buffer (TIP_IKE_DGRAM_MAX) but within TIP_IKE_MSG_MAX
 * is processed in a pool buffer, or dropped as TIP_ERR_FULL when the pool
 * is empty (builds where the two sizes differ, e.g. config_embedded.h).
 *
 * tip-requires: TIP_CONF_IKEV2
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t tp;
static tip_ctx_t ctx;
static uint8_t msg[TIP_IKE_MSG_MAX + 64];

static void responder(void)
{
    tip_port_t port;
    tip_ike_conn_t c;

    tip_test_port_init(&tp, 7, 0);
    tip_test_port_fill(&tp, &port);
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
    tip_ike_conn_init(&c);
    c.local_addr = tip_test_addr("192.0.2.1");
    c.remote_addr = tip_test_addr("192.0.2.2");
    assert_int_equal(tip_ike_id_set(&c.local_id, TIP_ID_FQDN, "a.test"), TIP_OK);
    assert_int_equal(tip_ike_id_set(&c.remote_id, TIP_ID_FQDN, "b.test"), TIP_OK);
    memcpy(c.psk, "0123456789abcdef", 16);
    c.psk_len = 16;
    assert_int_equal(tip_ike_conn_add(&ctx, &c, NULL), TIP_OK);
}

/* An IKE header (RFC 7296 3.1) saying the message is @p len bytes long. */
static void ike_header(size_t len)
{
    memset(msg, 0, sizeof(msg));
    msg[0] = 0x11;                 /* initiator SPI, nonzero */
    msg[17] = 0x20;                /* version 2.0 */
    msg[18] = 34;                  /* IKE_SA_INIT */
    msg[19] = 0x08;                /* initiator */
    msg[24] = (uint8_t)(len >> 24);
    msg[25] = (uint8_t)(len >> 16);
    msg[26] = (uint8_t)(len >> 8);
    msg[27] = (uint8_t)len;
}

static void test_larger_than_the_buffer_is_too_large(void **state)
{
    tip_addr_t src = tip_test_addr("192.0.2.2"), dst = tip_test_addr("192.0.2.1");
    uint32_t sent;
    (void)state;

    responder();
    sent = tp.total;
    ike_header(TIP_IKE_MSG_MAX + 1);
    assert_int_equal(tip_ike_input(&ctx, &src, 500, &dst, 500, msg, TIP_IKE_MSG_MAX + 1),
                     TIP_ERR_TOO_LARGE);
    ike_header(sizeof(msg));
    assert_int_equal(tip_ike_input(&ctx, &src, 500, &dst, 500, msg, sizeof(msg)),
                     TIP_ERR_TOO_LARGE);
    assert_int_equal(tp.total, sent); /* nothing answered */
    assert_int_equal(ctx.ike.drops, 2);
    assert_int_equal(tip_ike_buf_free_count(&ctx), TIP_IKE_MSG_BUFS);
    tip_ctx_deinit(&ctx);
}

#if TIP_IKE_DGRAM_MAX < TIP_IKE_MSG_MAX
/* Above the receive buffer, within TIP_IKE_MSG_MAX: parsed (here found
 * malformed: its length field disagrees), in a pool buffer given back. */
static void test_above_the_receive_buffer_is_parsed(void **state)
{
    tip_addr_t src = tip_test_addr("192.0.2.2"), dst = tip_test_addr("192.0.2.1");
    tip_handle_t held[TIP_IKE_MSG_BUFS];
    unsigned i;
    (void)state;

    responder();
    ike_header(TIP_IKE_MSG_MAX);
    assert_int_equal(tip_ike_input(&ctx, &src, 500, &dst, 500, msg, TIP_IKE_DGRAM_MAX + 1),
                     TIP_ERR_MALFORMED);
    assert_int_equal(ctx.ike.drops, 1);
    assert_int_equal(ctx.ike.buf_exhausted, 0);
    assert_int_equal(tip_ike_buf_free_count(&ctx), TIP_IKE_MSG_BUFS);
    /* The pool empty: dropped as TIP_ERR_FULL, counted both ways. */
    memset(held, 0, sizeof(held));
    for (i = 0; i < TIP_IKE_MSG_BUFS; i++)
        assert_non_null(tip_ike_buf_take(&ctx, &held[i]));
    assert_int_equal(tip_ike_input(&ctx, &src, 500, &dst, 500, msg, TIP_IKE_DGRAM_MAX + 1),
                     TIP_ERR_FULL);
    assert_int_equal(ctx.ike.drops, 2);
    assert_int_equal(ctx.ike.buf_exhausted, 1);
    /* Within the receive buffer the pool is not needed. */
    ike_header(TIP_IKE_DGRAM_MAX + 1);
    assert_int_equal(tip_ike_input(&ctx, &src, 500, &dst, 500, msg, TIP_IKE_DGRAM_MAX),
                     TIP_ERR_MALFORMED);
    assert_int_equal(ctx.ike.buf_exhausted, 1);
    for (i = 0; i < TIP_IKE_MSG_BUFS; i++)
        tip_ike_buf_release(&ctx, &held[i]);
    tip_ctx_deinit(&ctx);
}
#endif

static void test_garbage_within_the_buffer_is_malformed(void **state)
{
    tip_addr_t src = tip_test_addr("192.0.2.2"), dst = tip_test_addr("192.0.2.1");
    (void)state;

    responder();
    ike_header(TIP_IKE_DGRAM_MAX + 1); /* length field disagrees with the datagram */
    assert_int_equal(tip_ike_input(&ctx, &src, 500, &dst, 500, msg, TIP_IKE_DGRAM_MAX),
                     TIP_ERR_MALFORMED);
    tip_ctx_deinit(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_larger_than_the_buffer_is_too_large),
        cmocka_unit_test(test_garbage_within_the_buffer_is_malformed),
#if TIP_IKE_DGRAM_MAX < TIP_IKE_MSG_MAX
        cmocka_unit_test(test_above_the_receive_buffer_is_parsed),
#endif
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
