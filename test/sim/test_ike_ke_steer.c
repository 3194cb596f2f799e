/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Key exchange groups a build does not have, or a responder does not
 * accept, over the simulated network. RFC 7296 1.2 / 3.4: a responder that
 * gets a KE payload in a group it does not take, while the initiator also
 * proposes one it does, answers INVALID_KE_PAYLOAD naming that group, and
 * the initiator starts again with it. The peer here sends its first KE in
 * MODP-2048 (group 14), which the PSA backend leaves out and which the
 * responder's proposals do not list with any backend; the handshake must
 * then complete in the group the responder named. And a connection that
 * lists only a group this build lacks is refused when it is added.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER TIP_CONF_AES_GCM
 * tip-requires: TIP_MAX_IKE_SA>=2 TIP_MAX_IKE_CONN>=3 TIP_CONF_HMAC_SHA256
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "crypto.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

#if TIP_CONF_CRYPTO_PSA
#include <psa/crypto.h> /* Mbed TLS's key store statistics */
#endif

/* MODP-2048 is in the classic Mbed TLS backend only (src/crypto_psa_ike.c). */
#if TIP_CONF_CRYPTO_PSA
#define HAVE_MODP 0
#else
#define HAVE_MODP 1
#endif

/* Keys in the PSA key store (0 with the classic backend, which has none). */
static size_t psa_keys(void)
{
#if TIP_CONF_CRYPTO_PSA
    mbedtls_psa_stats_t st;

    assert_int_equal(psa_crypto_init(), PSA_SUCCESS);
    mbedtls_psa_get_stats(&st);
    return st.MBEDTLS_PRIVATE(volatile_slots);
#else
    return 0;
#endif
}

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;

static void expect_traffic_both_ways(void)
{
    static uint8_t mem[2048];
    uint8_t pl[100];
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr("10.1.0.5"), d = tip_test_addr("10.2.0.7");
    uint32_t ra = sp.sim.n[0].rx_data, rb = sp.sim.n[1].rx_data;

    memset(pl, 0xAB, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&sp.ctx[A], &buf), TIP_SENT);
    (void)tip_sim_pump(&sp.sim);
    assert_int_equal(sp.sim.n[1].rx_data, rb + 1);
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &d, &s, 2000, 1000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&sp.ctx[B], &buf), TIP_SENT);
    (void)tip_sim_pump(&sp.sim);
    assert_int_equal(sp.sim.n[0].rx_data, ra + 1);
}

/*
 * The IKE_SA_INIT request of a peer that leads with MODP-2048: proposals
 * for groups 14, 31 and 19 in that order and a KE payload in group 14 (its
 * 256 bytes need not be a real public value: the responder refuses the
 * group before it looks at them). Same SPIi as @p req, so the responder's
 * answer reaches the SA that sent @p req.
 */
static size_t modp_first_request(const uint8_t *req, size_t req_len, uint8_t *out, size_t cap)
{
    static const tip_dh_group_t order[] = {TIP_DH_MODP_2048, TIP_DH_CURVE25519, TIP_DH_ECP_256};
    tip_ike_conn_t offer;
    tip_ike_msg_t m;
    tip_ike_w_t w;
    uint8_t ke[256], nonce[32];
    size_t i;

    assert_int_equal(tip_ike_msg_parse(req, req_len, &m), TIP_OK);
    tip_sim_pair_conn(&offer, A);
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        offer.ike[i] = offer.ike[0];
        offer.ike[i].dh = order[i];
    }
    offer.ike_count = (uint8_t)i;
    memset(ke, 0x5C, sizeof(ke));
    ke[0] = 0x01;
    memset(nonce, 0x4E, sizeof(nonce));
    tip_ike_w_init(&w, out, cap);
    tip_ike_w_hdr(&w, &m.hdr);
    tip_ike_w_sa_ike(&w, &offer, NULL, TIP_DH_NONE);
    tip_ike_w_ke(&w, TIP_IKE_DH_MODP2048, ke, sizeof(ke));
    tip_ike_w_nonce(&w, nonce, sizeof(nonce));
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    return w.len;
}

/*
 * b takes P-256 only. The peer's first request leads with group 14 and
 * sends its KE in it; b answers INVALID_KE_PAYLOAD naming 19 (the first of
 * the peer's proposals that b accepts, RFC 7296 2.7), keeps no state, and
 * the peer's second request, in group 19, makes the IKE and CHILD SAs.
 */
static void test_modp_ke_steered_to_supported_group(void **state)
{
    static uint8_t msg[TIP_IKE_MSG_MAX];
    tip_ike_conn_t ca, cb;
    tip_ike_status_t st;
    tip_addr_t from = tip_test_addr("10.99.0.1"), to = tip_test_addr("10.99.0.2");
    const tip_test_sent_t *req, *resp;
    uint8_t g[2];
    size_t len, keys;
    uint32_t sent_b;

    (void)state;
    keys = psa_keys();
    tip_sim_pair_conn(&ca, A);
    ca.ike[1] = ca.ike[0];
    ca.ike[1].dh = TIP_DH_ECP_256; /* a: X25519, then P-256 */
    ca.ike_count = 2;
    tip_sim_pair_conn(&cb, B);
    cb.ike[0].dh = TIP_DH_ECP_256; /* b: P-256 only; group 14 is not among its proposals */
    tip_sim_pair_open(&sp, 71, &ca, &cb);

    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    req = tip_test_port_last(&sp.port[A]);
    assert_non_null(req);
    /* a's own first request never arrives: the group-14 one stands in for it. */
    sp.sim.n[0].consumed = tip_test_port_count(&sp.port[A]);
    len = modp_first_request(req->data, req->len, msg, sizeof(msg));
    sent_b = tip_test_port_count(&sp.port[B]);
    assert_int_equal(tip_ike_input(&sp.ctx[B], &from, 500, &to, 500, msg, len), TIP_OK);

    assert_int_equal(tip_test_port_count(&sp.port[B]), sent_b + 1);
    resp = tip_test_port_last(&sp.port[B]);
    assert_int_equal(tip_test_ike_notify(resp->data, resp->len, TIP_IKE_N_INVALID_KE_PAYLOAD, g,
                                         sizeof(g)),
                     2);
    assert_int_equal(tip_load_be16(g), TIP_DH_ECP_256);
    assert_false(tip_test_ike_has_payload(resp->data, resp->len, TIP_IKE_PL_SA));
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &st), TIP_OK);
    assert_false(st.ike_up);

    /* The answer reaches a, which starts again in group 19 and gets through. */
    assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 5000));
    assert_int_equal(sp.ev[0][TIP_EV_IKE_UP], 1);
    assert_int_equal(sp.ev[1][TIP_EV_IKE_UP], 1);
    assert_int_equal(sp.ev[0][TIP_EV_PROPOSAL_MISMATCH], 0);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
    assert_int_equal(st.ike_alg.dh, TIP_DH_ECP_256);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &st), TIP_OK);
    assert_int_equal(st.ike_alg.dh, TIP_DH_ECP_256);
    expect_traffic_both_ways();
    /* Every key made on the way (a's first key pair, dropped for the
     * retry, included) leaves the PSA key store with the contexts. */
    tip_ctx_deinit(&sp.ctx[A]);
    tip_ctx_deinit(&sp.ctx[B]);
    assert_int_equal(psa_keys(), keys);
}

/*
 * Where a build has group 14, a tinyipsec initiator that leads with it is
 * steered the same way, by its own INVALID_KE_PAYLOAD retry. Where it does
 * not, a connection that lists only group 14 (for the IKE SA, or as the
 * CHILD SAs' PFS group) is refused when added, with TIP_ERR_UNSUPPORTED.
 */
static void test_modp_only_connection(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_handle_t h;
    tip_ike_status_t st;

    (void)state;
    assert_int_equal(tip_crypto_dh_pub_len(TIP_DH_MODP_2048), HAVE_MODP ? 256 : 0);
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    tip_sim_pair_open(&sp, 72, &ca, &cb);

    ca.ike[0].dh = TIP_DH_MODP_2048;
    ca.remote_addr = tip_test_addr("10.99.0.9");
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &ca, &h), HAVE_MODP ? TIP_OK : TIP_ERR_UNSUPPORTED);
    tip_sim_pair_conn(&ca, A);
    ca.child[0].pfs = TIP_DH_MODP_2048;
    ca.remote_addr = tip_test_addr("10.99.0.8");
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &ca, &h), HAVE_MODP ? TIP_OK : TIP_ERR_UNSUPPORTED);
    if (!HAVE_MODP)
        return;

    /* a: MODP-2048 first, then X25519; b: X25519 only (the default). */
    tip_sim_pair_conn(&ca, A);
    ca.ike[1] = ca.ike[0];
    ca.ike[0].dh = TIP_DH_MODP_2048;
    ca.ike_count = 2;
    tip_sim_pair_conn(&cb, B);
    tip_sim_pair_open(&sp, 73, &ca, &cb);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, tip_sim_pair_both_up, &sp, 5000));
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
    assert_int_equal(st.ike_alg.dh, TIP_DH_CURVE25519);
    expect_traffic_both_ways();
}

static int teardown(void **state)
{
    (void)state;
    tip_ctx_deinit(&sp.ctx[A]);
    tip_ctx_deinit(&sp.ctx[B]);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_modp_ke_steered_to_supported_group, teardown),
        cmocka_unit_test_teardown(test_modp_only_connection, teardown),
    };

    return cmocka_run_group_tests_name("ike_ke_steer (RFC 7296 1.2 INVALID_KE_PAYLOAD)", tests,
                                       NULL, NULL);
}
