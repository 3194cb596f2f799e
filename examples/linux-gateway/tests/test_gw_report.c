/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway, report.c: what the log says. An IKE message larger than the
 * library takes (TIP_IKE_MSG_MAX) is reported as too large, with its size and the
 * limit, not as malformed; an event reason that is the peer's notify is
 * named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static tip_ctx_t ctx;
static uint8_t msg[TIP_IKE_MSG_MAX + 220];

static uint64_t now_ms(void *arg)
{
    (void)arg;
    return 0;
}

static int fill_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    memset(out, 0x42, len);
    return 0;
}

static int send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                    uint16_t dport, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)src;
    (void)sport;
    (void)dst;
    (void)dport;
    (void)data;
    (void)len;
    return 0;
}

static void test_a_too_large_ike_message_is_logged_with_its_size(void **state)
{
    tip_port_t port;
    tip_ike_conn_t c;
    tip_addr_t me, peer;
    char text[200], want[64];
    int err;
    (void)state;

    memset(&port, 0, sizeof(port));
    port.now_ms = now_ms;
    port.random = fill_random;
    port.send_udp = send_udp;
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
    tip_ike_conn_init(&c);
    assert_int_equal(tip_addr_parse(&me, "10.99.0.1"), TIP_OK);
    assert_int_equal(tip_addr_parse(&peer, "10.99.0.2"), TIP_OK);
    c.local_addr = me;
    c.remote_addr = peer;
    assert_int_equal(tip_ike_id_set(&c.local_id, TIP_ID_FQDN, "left.test"), TIP_OK);
    assert_int_equal(tip_ike_id_set(&c.remote_id, TIP_ID_FQDN, "right.test"), TIP_OK);
    memcpy(c.psk, "0123456789abcdef", 16);
    c.psk_len = 16;
    assert_int_equal(tip_ike_conn_add(&ctx, &c, NULL), TIP_OK);

    /* what strongSwan sends in IKE_AUTH with a certificate chain, say */
    memset(msg, 0, sizeof(msg));
    err = tip_ike_input(&ctx, &peer, 4500, &me, 4500, msg, sizeof(msg));
    assert_int_equal(err, TIP_ERR_TOO_LARGE);
    gw_ike_drop_text(err, &peer, 4500, sizeof(msg), text, sizeof(text));
    assert_non_null(strstr(text, "from 10.99.0.2:4500"));
    assert_non_null(strstr(text, "too large"));
    snprintf(want, sizeof(want), "%u bytes", (unsigned)sizeof(msg));
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof(want), "TIP_IKE_MSG_MAX = %u", (unsigned)TIP_IKE_MSG_MAX);
    assert_non_null(strstr(text, want));
    assert_null(strstr(text, "malformed"));
    tip_ctx_deinit(&ctx);
}

static void test_peer_notifies_are_named(void **state)
{
    char buf[64];
    (void)state;
    assert_string_equal(gw_reason_text(24, buf, sizeof(buf)),
                         "peer sent AUTHENTICATION_FAILED (24)");
    assert_string_equal(gw_reason_text(14, buf, sizeof(buf)), "peer sent NO_PROPOSAL_CHOSEN (14)");
    assert_string_equal(gw_reason_text(0, buf, sizeof(buf)), "no error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_too_large_ike_message_is_logged_with_its_size),
        cmocka_unit_test(test_peer_notifies_are_named),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
