/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A context the application never initialised (static, so all zeros), or
 * whose tip_ctx_init() refused (here: a port without a random source,
 * TIP_ERR_ARG, the context left as it was): every call on it returns an
 * error or does nothing. None may call a port function that is not there:
 * on a device that is a jump to address 0.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER TIP_CONF_AES_GCM
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_ctx_t ctx;
static tip_test_port_t tp;
static uint8_t mem[2048];

/* A real IKE_SA_INIT request, from an initialised initiator. */
static const tip_test_sent_t *init_request(tip_ctx_t *ini)
{
    tip_port_t port;
    tip_ike_conn_t c;
    tip_handle_t h;

    tip_test_port_init(&tp, 3, 1000);
    tip_test_port_fill(&tp, &port);
    assert_int_equal(tip_ctx_init(ini, &port), TIP_OK);
    tip_test_ike_conn(&c, "192.0.2.2", "192.0.2.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    assert_int_equal(tip_ike_conn_add(ini, &c, &h), TIP_OK);
    assert_int_equal(tip_ike_initiate(ini, h), TIP_OK);
    assert_int_equal(tip_test_port_count(&tp), 1);
    return tip_test_port_last(&tp);
}

/* Every entry point a device uses, on the context as it is. */
static void calls_fail_safely(void)
{
    static tip_ctx_t ini;
    const tip_test_sent_t *req;
    tip_ike_conn_t c;
    tip_handle_t conn = 0, sa = 0, pol = 0;
    tip_sa_params_t sp;
    tip_policy_t p;
    tip_buf_t b;
    tip_addr_t s = tip_test_addr("10.1.0.1"), d = tip_test_addr("10.2.0.1");
    static const uint8_t key[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    static const uint8_t payload[16] = {0};

    (void)tip_poll(&ctx, 5000);
    /* manual keying: an SA whose keys are fresh needs no sequence store */
    memset(&sp, 0, sizeof(sp));
    sp.dir = TIP_DIR_OUT;
    sp.mode = TIP_MODE_TUNNEL;
    sp.spi = 0x1001;
    sp.encr = TIP_ENCR_AES_GCM_16;
    sp.encr_key = key;
    sp.encr_key_len = sizeof(key);
    sp.fresh_keys = 1;
    sp.src = tip_test_addr("192.0.2.1");
    sp.dst = tip_test_addr("192.0.2.2");
    if (tip_sad_add(&ctx, &sp, &sa) == TIP_OK) {
        memset(&p, 0, sizeof(p));
        p.dir = TIP_DIR_OUT;
        p.action = TIP_ACTION_PROTECT;
        p.mode = TIP_MODE_TUNNEL;
        p.tunnel_local = sp.src;
        p.tunnel_remote = sp.dst;
        assert_int_equal(tip_spd_add(&ctx, &p, TIP_SPD_APPEND, &pol), TIP_OK);
        assert_int_equal(tip_spd_bind_sa(&ctx, pol, sa), TIP_OK);
        tip_test_buf_init(&b, mem, sizeof(mem), TIP_ESP_HEADROOM);
        assert_int_equal(tip_test_pkt_udp(&b, &s, &d, 1000, 2000, payload, sizeof(payload)),
                         TIP_OK);
        /* protected, but there is no port to send it */
        assert_true(tip_output(&ctx, &b) < 0);
    }
    tip_test_buf_init(&b, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&b, &s, &d, 1000, 2000, payload, sizeof(payload)), TIP_OK);
    (void)tip_input_ip(&ctx, &b);
    /* IKE: no random source, so nothing starts and no request is answered */
    tip_test_ike_conn(&c, "192.0.2.1", "192.0.2.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    if (tip_ike_conn_add(&ctx, &c, &conn) == TIP_OK)
        assert_true(tip_ike_initiate(&ctx, conn) < 0);
    req = init_request(&ini);
    assert_true(tip_ike_input(&ctx, &req->src, req->sport, &req->dst, req->dport, req->data,
                              req->len) < 0);
    (void)tip_poll(&ctx, 10000);
    (void)tip_ctx_deinit(&ini);
    /* the SA added above holds its cipher state until the context goes */
    assert_int_equal(tip_ctx_deinit(&ctx), TIP_OK);
}

static void test_never_initialised(void **state)
{
    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    calls_fail_safely();
}

static void test_init_refused(void **state)
{
    tip_port_t port;

    (void)state;
    memset(&ctx, 0, sizeof(ctx));
    tip_test_port_init(&tp, 5, 1000);
    tip_test_port_fill(&tp, &port);
    port.random = NULL;
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_ERR_ARG);
    calls_fail_safely();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_initialised),
        cmocka_unit_test(test_init_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
