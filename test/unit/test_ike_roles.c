/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The IKEv2 roles a build has (TIP_CONF_IKE_INITIATOR,
 * TIP_CONF_IKE_RESPONDER). Built and run in every configuration: each test
 * checks what this build must do. With the initiator role
 * tip_ike_initiate() sends an IKE_SA_INIT request, without it the call is
 * refused and nothing is sent. With the responder role a valid IKE_SA_INIT
 * request (built here with the codec) is answered and makes a half-open IKE
 * SA; without it the request is dropped unanswered and counted. Virtual
 * addresses (TIP_CONF_IKE_CP): a connection that asks for one, or hands
 * them out, is taken with them and refused (TIP_ERR_UNSUPPORTED) without.
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
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t tp;
static tip_ctx_t ctx;
static tip_handle_t conn;

/* Us at 10.99.0.2, a connection with the peer 10.99.0.1. */
static void setup_ctx(tip_ike_conn_t *k)
{
    tip_port_t p;

    tip_test_port_init(&tp, 7, 1000);
    tip_test_port_fill(&tp, &p);
    assert_int_equal(tip_ctx_init(&ctx, &p), TIP_OK);
    tip_test_ike_conn(k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    assert_int_equal(tip_ike_conn_add(&ctx, k, &conn), TIP_OK);
}

static unsigned ike_sas(void)
{
    unsigned i, n = 0;
    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += ctx.ike.sa[i].state != TIP_IKE_S_FREE;
    return n;
}

/* An IKE_SA_INIT request from the peer offering @p k's proposals, as an
 * initiator builds it (RFC 7296 1.2: HDR, SAi1, KEi, Ni). */
static size_t init_request(const tip_ike_conn_t *k, uint8_t *out, size_t cap)
{
    static const uint8_t nonce[32] = {1, 2, 3, 4, 5, 6, 7, 8};
    tip_dh_group_t g = k->ike[0].dh;
    uint8_t pub[256];
    size_t publen = tip_crypto_dh_pub_len(g);
    tip_crypto_dh_t dh;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    tip_port_t p;

    tip_test_port_fill(&tp, &p);
    assert_true(publen > 0 && publen <= sizeof(pub));
    memset(&dh, 0, sizeof(dh));
    assert_int_equal(tip_crypto_dh_generate(&dh, g, p.random, p.arg, pub, publen), TIP_OK);
    tip_crypto_dh_free(&dh);
    memset(&h, 0, sizeof(h));
    memset(h.spi_i, 0x5A, 8);
    h.exchange = TIP_IKE_EXCH_IKE_SA_INIT;
    h.flags = TIP_IKE_FLAG_INITIATOR;
    tip_ike_w_init(&w, out, cap);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_sa_ike(&w, k, NULL, TIP_DH_NONE);
    tip_ike_w_ke(&w, (uint16_t)g, pub, publen);
    tip_ike_w_nonce(&w, nonce, sizeof(nonce));
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    return w.len;
}

static void test_initiate(void **state)
{
    tip_ike_conn_t k;
    (void)state;
    setup_ctx(&k);
    tip_test_port_clear(&tp);
#if TIP_CONF_IKE_INITIATOR
    assert_int_equal(tip_ike_initiate(&ctx, conn), TIP_OK);
    assert_int_equal(tip_test_port_count(&tp), 1);
    assert_int_equal(tip_test_port_last(&tp)->data[18], TIP_IKE_EXCH_IKE_SA_INIT);
    assert_int_equal(tip_test_port_last(&tp)->data[19] & TIP_IKE_FLAG_RESPONSE, 0);
    assert_int_equal(ike_sas(), 1);
#else
    assert_int_equal(tip_ike_initiate(&ctx, conn), TIP_ERR_UNSUPPORTED);
    assert_int_equal(tip_test_port_count(&tp), 0);
    assert_int_equal(ike_sas(), 0);
#endif
    (void)tip_ctx_deinit(&ctx);
}

static void test_answer_init_request(void **state)
{
    static uint8_t msg[TIP_IKE_MSG_MAX];
    tip_addr_t peer = tip_test_addr("10.99.0.1"), me = tip_test_addr("10.99.0.2");
    tip_ike_conn_t k;
    uint64_t drops;
    size_t len;
    (void)state;
    setup_ctx(&k);
    len = init_request(&k, msg, sizeof(msg));
    tip_test_port_clear(&tp);
    drops = ctx.ike.drops;
#if TIP_CONF_IKE_RESPONDER
    assert_int_equal(tip_ike_input(&ctx, &peer, 500, &me, 500, msg, len), TIP_OK);
    assert_int_equal(tip_test_port_count(&tp), 1);
    {
        const tip_test_sent_t *r = tip_test_port_last(&tp);
        assert_int_equal(r->data[18], TIP_IKE_EXCH_IKE_SA_INIT);
        assert_int_not_equal(r->data[19] & TIP_IKE_FLAG_RESPONSE, 0);
        assert_true(tip_test_ike_has_payload(r->data, r->len, 33)); /* SA */
        assert_true(tip_test_ike_has_payload(r->data, r->len, 34)); /* KE */
    }
    assert_int_equal(ike_sas(), 1);
    assert_int_equal(ctx.ike.drops, drops);
#else
    assert_int_equal(tip_ike_input(&ctx, &peer, 500, &me, 500, msg, len), TIP_ERR_UNSUPPORTED);
    assert_int_equal(tip_test_port_count(&tp), 0);
    assert_int_equal(ike_sas(), 0);
    assert_int_equal(ctx.ike.drops, drops + 1u);
#endif
    (void)tip_ctx_deinit(&ctx);
}

static void test_virtual_addresses(void **state)
{
    tip_ike_conn_t k;
    tip_ike_pool_cfg_t pool;
    tip_ike_vip_t vip;
    tip_handle_t h = 0, c2;
    int want_init = TIP_CONF_IKE_CP && TIP_CONF_IKE_INITIATOR ? TIP_OK : TIP_ERR_UNSUPPORTED;
    int want_pool = TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER ? TIP_OK : TIP_ERR_UNSUPPORTED;
    (void)state;

    setup_ctx(&k);
    (void)tip_ike_conn_del(&ctx, conn); /* room for one more connection */
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    k.vip_request = TIP_IKE_VIP_IP4 | TIP_IKE_VIP_DNS;
    assert_int_equal(tip_ike_conn_add(&ctx, &k, &c2), want_init);
    if (want_init == TIP_OK) {
        assert_int_equal(tip_ike_vip_get(&ctx, c2, &vip), TIP_ERR_NO_SA); /* nothing yet */
        (void)tip_ike_conn_del(&ctx, c2);
    } else {
        assert_int_equal(tip_ike_vip_get(&ctx, conn, &vip),
                         TIP_CONF_IKE_CP ? TIP_ERR_STALE : TIP_ERR_UNSUPPORTED);
    }
    memset(&pool, 0, sizeof(pool));
    pool.start = tip_test_addr("10.3.0.10");
    pool.count = 4;
    assert_int_equal(tip_ike_pool_add(&ctx, &pool, &h), want_pool);
    tip_test_ike_conn(&k, "10.99.0.2", NULL, "b.test", "a.test", "10.2.0.0", "10.3.0.0");
    k.vip_pool = want_pool == TIP_OK ? h : 0x10001u;
    assert_int_equal(tip_ike_conn_add(&ctx, &k, &c2), want_pool);
    (void)tip_ctx_deinit(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initiate),
        cmocka_unit_test(test_answer_init_request),
        cmocka_unit_test(test_virtual_addresses),
    };
    return cmocka_run_group_tests_name("ike_roles", tests, NULL, NULL);
}
