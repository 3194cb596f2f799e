/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * RSA-3072 certificate chains of two (end entity + intermediate, 2.2 KB of
 * certificates and a 384-byte signature in each IKE_AUTH) between two
 * tinyipsec contexts: whole messages of TIP_IKE_MSG_MAX 3072 hold them,
 * fragmentation carries them, both sides authenticate and traffic flows.
 * The size docs/footprint.md#certificates gives a device with such chains;
 * the on-target certificate tests (scripts/cm4/cert-measure.sh) run it on
 * the Cortex-M4.
 *
 * tip-requires: TIP_CONF_IKE_CERT TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_HMAC_SHA256 TIP_CONF_IKE_FRAG TIP_IKE_MSG_MAX>=3072
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_cert.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;
static tip_test_der_t store_a[3], store_b[3];
static tip_test_signer_t sig_a, sig_b;
static int ike_up[2], auth_failed[2];

static void on_event(void *arg, const tip_event_t *e)
{
    int who = (int)(intptr_t)arg;
    if (e->type == TIP_EV_IKE_UP)
        ike_up[who]++;
    if (e->type == TIP_EV_AUTH_FAILED)
        auth_failed[who]++;
}

static void conn_fill(tip_ike_conn_t *c, const char *me, const char *peer, const char *my_id,
                      const char *peer_id, const char *my_net, const char *peer_net)
{
    tip_addr_t n;
    tip_ike_conn_init(c);
    c->local_addr = tip_test_addr(me);
    c->remote_addr = tip_test_addr(peer);
    assert_int_equal(tip_ike_id_set(&c->local_id, TIP_ID_FQDN, my_id), TIP_OK);
    assert_int_equal(tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, peer_id), TIP_OK);
    n = tip_test_addr(my_net);
    assert_int_equal(tip_addr_range_prefix(&c->ts.local, &n, 24), TIP_OK);
    n = tip_test_addr(peer_net);
    assert_int_equal(tip_addr_range_prefix(&c->ts.remote, &n, 24), TIP_OK);
}

static int both_children_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&a, conn_a, &sa) == TIP_OK && tip_ike_status(&b, conn_b, &sb) == TIP_OK &&
           sa.child_up && sb.child_up;
}

static void test_rsa3072_chains_of_two(void **state)
{
    static const char *const chain_a[] = {"rsa-dev.der", "rsa-int.der", NULL};
    static const char *const chain_b[] = {"rsa-vpn.der", "rsa-int.der", NULL};
    static const char *const root[] = {"rsa-ca.der", NULL};
    tip_port_t port;
    tip_ike_conn_t ca, cb;
    uint32_t rb;

    (void)state;
    tip_test_port_init(&pa, 7, 1000);
    tip_test_port_init(&pb, 8, 1000);
    tip_test_port_fill(&pa, &port);
    assert_int_equal(tip_ctx_init(&a, &port), TIP_OK);
    tip_test_port_fill(&pb, &port);
    assert_int_equal(tip_ctx_init(&b, &port), TIP_OK);
    tip_ctx_set_event_cb(&a, on_event, (void *)(intptr_t)0);
    tip_ctx_set_event_cb(&b, on_event, (void *)(intptr_t)1);
    tip_test_signer_init(&sig_a, "rsa-dev.key");
    tip_test_signer_init(&sig_b, "rsa-vpn.key");
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "rsa-dev.test", "rsa-vpn.test", "10.1.0.0",
              "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", "rsa-vpn.test", "rsa-dev.test", "10.2.0.0",
              "10.1.0.0");
    tip_test_conn_cert(&ca, store_a, chain_a, root, &sig_a);
    tip_test_conn_cert(&cb, store_b, chain_b, root, &sig_b);
    assert_int_equal(tip_ike_conn_add(&a, &ca, &conn_a), TIP_OK);
    assert_int_equal(tip_ike_conn_add(&b, &cb, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", 7);

    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
    assert_int_equal(ike_up[0], 1);
    assert_int_equal(ike_up[1], 1);
    assert_int_equal(auth_failed[0] + auth_failed[1], 0);
    /* Each side signed its IKE_AUTH once with its RSA key. */
    assert_int_equal(sig_a.calls, 1);
    assert_int_equal(sig_b.calls, 1);
    rb = sim.n[1].rx_data;
    assert_int_equal(tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[1].rx_data, rb + 1);

    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
    tip_test_signer_free(&sig_a);
    tip_test_signer_free(&sig_b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa3072_chains_of_two),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
