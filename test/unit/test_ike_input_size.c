/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tip_ike_input() on messages larger than the receive buffer
 * (TIP_IKE_DGRAM_MAX): reported as TIP_ERR_TOO_LARGE, which the application
 * can log with the size, not as a malformed message; counted, never acted on.
 *
 * tip-requires: TIP_CONF_IKEV2
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t tp;
static tip_ctx_t ctx;
static uint8_t msg[TIP_IKE_DGRAM_MAX + 64];

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
    ike_header(TIP_IKE_DGRAM_MAX + 1);
    assert_int_equal(tip_ike_input(&ctx, &src, 500, &dst, 500, msg, TIP_IKE_DGRAM_MAX + 1),
                     TIP_ERR_TOO_LARGE);
    ike_header(sizeof(msg));
    assert_int_equal(tip_ike_input(&ctx, &src, 500, &dst, 500, msg, sizeof(msg)),
                     TIP_ERR_TOO_LARGE);
    assert_int_equal(tp.total, sent); /* nothing answered */
    tip_ctx_deinit(&ctx);
}

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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
