/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The certificate switch: a build without TIP_CONF_IKE_CERT refuses a
 * certificate connection (TIP_ERR_UNSUPPORTED) and still takes PSK ones; a
 * build with it refuses one that lacks its certificate, anchor or signer
 * (TIP_ERR_ARG). CI runs this test in the default and in the embedded
 * configuration (certificates off).
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
#include "tip_test_ike.h"
#include "tip_test_port.h"

static tip_test_port_t tp;
static tip_ctx_t ctx;

static void test_cert_connection_needs_the_switch(void **state)
{
    tip_ike_conn_t c;
    tip_port_t port;
    tip_handle_t h;
    (void)state;
    tip_test_port_init(&tp, 1, 1000);
    tip_test_port_fill(&tp, &port);
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
    tip_test_ike_conn(&c, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    c.auth = TIP_AUTH_CERT;
    c.psk_len = 0;
#if TIP_CONF_IKE_CERT
    assert_int_equal(tip_ike_conn_add(&ctx, &c, &h), TIP_ERR_ARG); /* no certificate */
#else
    assert_int_equal(tip_ike_conn_add(&ctx, &c, &h), TIP_ERR_UNSUPPORTED);
#endif
    c.auth = 7; /* no such method */
    assert_int_equal(tip_ike_conn_add(&ctx, &c, &h), TIP_ERR_ARG);
    /* PSK as before */
    tip_test_ike_conn(&c, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    assert_int_equal(tip_ike_conn_add(&ctx, &c, &h), TIP_OK);
    tip_ctx_deinit(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_connection_needs_the_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
