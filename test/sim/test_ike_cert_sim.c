/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Certificate authentication between two tinyipsec contexts: both sides
 * sign (RFC 7427 method 14, or the classic methods for a peer that does not
 * announce SIGNATURE_HASH_ALGORITHMS), send their chains, check the peer's
 * against their trust anchors; traffic flows. And the refusals a user
 * sees as TIP_EV_AUTH_FAILED with the reason: a chain from another CA, a
 * missing intermediate, an identity not in the certificate, an expired
 * certificate when the port has a clock.
 *
 * tip-requires: TIP_CONF_IKE_CERT TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_HMAC_SHA256 TIP_IKE_MSG_MAX>=1280
 * tip-requires: TIP_CONF_IKE_REKEY_IKE (rekeys the IKE SA)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_cert.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;
static int ev[2][TIP_EV_COUNT_];
static int last_reason[2][TIP_EV_COUNT_];
static tip_test_der_t store_a[6], store_b[6];
static tip_test_signer_t sig_a, sig_b;
static tip_sig_scheme_t scheme_a, scheme_b;
static int64_t wall_now = -1; /* the ports' wall clock, -1: none */
static const char *b_id = "gw.test"; /* b's identity (and what a expects) */

static void on_event(void *arg, const tip_event_t *e)
{
    int who = (int)(intptr_t)arg;
    ev[who][e->type]++;
    last_reason[who][e->type] = e->reason;
}

static int64_t wall(void *arg)
{
    (void)arg;
    return wall_now;
}

static tip_test_signer_t *sign_broken; /* this side's signer fails, NULL: none */

/* Records the scheme each side was asked for, then signs. */
static int sign_rec(void *arg, tip_sig_scheme_t scheme, const uint8_t *hash, size_t hash_len,
                    uint8_t *sig, size_t sig_size, size_t *sig_len)
{
    if (arg == &sig_a)
        scheme_a = scheme;
    else
        scheme_b = scheme;
    if (arg == sign_broken)
        return TIP_ERR_CRYPTO; /* e.g. a PSA key whose policy does not allow the scheme */
    return tip_test_sign(arg, scheme, hash, hash_len, sig, sig_size, sig_len);
}

static void conn_fill(tip_ike_conn_t *c, const char *me, const char *peer, const char *my_id,
                      const char *peer_id, const char *my_net, const char *peer_net)
{
    tip_addr_t n;
    tip_ike_conn_init(c);
    c->local_addr = tip_test_addr(me);
    c->remote_addr = tip_test_addr(peer);
    assert_int_equal(tip_ike_id_set(&c->local_id, TIP_ID_FQDN, my_id), TIP_OK);
    if (peer_id != NULL)
        assert_int_equal(tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, peer_id), TIP_OK);
    n = tip_test_addr(my_net);
    assert_int_equal(tip_addr_range_prefix(&c->ts.local, &n, 24), TIP_OK);
    n = tip_test_addr(peer_net);
    assert_int_equal(tip_addr_range_prefix(&c->ts.remote, &n, 24), TIP_OK);
}

/*
 * a (10.99.0.1, the device) initiates to b (10.99.0.2, the gateway). Each
 * side: its chain (NULL-terminated file names), its anchors, its key, its
 * identity; b accepts any identity when @p b_peer_id is NULL.
 */
/* 1: a announces no MOBIKE (its IKE_AUTH is 8 bytes shorter). */
static int a_no_mobike;

static void setup_certs(const char *const *chain_a, const char *const *ca_a, const char *key_a,
                        const char *id_a, const char *const *chain_b, const char *const *ca_b,
                        const char *key_b, const char *b_peer_id, uint64_t seed)
{
    tip_port_t port;
    tip_ike_conn_t ca, cb;

    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
    tip_test_signer_free(&sig_a);
    tip_test_signer_free(&sig_b);
    memset(ev, 0, sizeof(ev));
    memset(last_reason, 0, sizeof(last_reason));
    scheme_a = scheme_b = TIP_SIG_NONE;
    tip_test_port_init(&pa, seed, 1000);
    tip_test_port_init(&pb, seed + 1, 1000);
    tip_test_port_fill(&pa, &port);
    port.wall_time = wall;
    assert_int_equal(tip_ctx_init(&a, &port), TIP_OK);
    tip_test_port_fill(&pb, &port);
    port.wall_time = wall;
    assert_int_equal(tip_ctx_init(&b, &port), TIP_OK);
    tip_ctx_set_event_cb(&a, on_event, (void *)(intptr_t)0);
    tip_ctx_set_event_cb(&b, on_event, (void *)(intptr_t)1);
    tip_test_signer_init(&sig_a, key_a);
    tip_test_signer_init(&sig_b, key_b);
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", id_a, b_id, "10.1.0.0", "10.2.0.0");
    conn_fill(&cb, "10.99.0.2", "10.99.0.1", b_id, b_peer_id, "10.2.0.0", "10.1.0.0");
    tip_test_conn_cert(&ca, store_a, chain_a, ca_a, &sig_a);
    tip_test_conn_cert(&cb, store_b, chain_b, ca_b, &sig_b);
    ca.sign = cb.sign = sign_rec;
    ca.no_mobike = (uint8_t)a_no_mobike;
    assert_int_equal(tip_ike_conn_add(&a, &ca, &conn_a), TIP_OK);
    assert_int_equal(tip_ike_conn_add(&b, &cb, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", seed);
}

static int teardown(void **state)
{
    (void)state;
    sign_broken = NULL;
    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
    tip_test_signer_free(&sig_a);
    tip_test_signer_free(&sig_b);
    return 0;
}

static int both_children_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&a, conn_a, &sa) == TIP_OK && tip_ike_status(&b, conn_b, &sb) == TIP_OK &&
           sa.child_up && sb.child_up;
}

static void expect_traffic_both_ways(void)
{
    uint32_t ra = sim.n[0].rx_data, rb = sim.n[1].rx_data;
    assert_int_equal(tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[1].rx_data, rb + 1);
    assert_int_equal(tip_sim_send_udp(&b, "10.2.0.7", "10.1.0.5", 0xCD), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[0].rx_data, ra + 1);
}

static const char *const ecdsa_dev[] = {"dev.der", "int.der", NULL};
static const char *const ecdsa_gw[] = {"gw.der", "int.der", NULL};
static const char *const root[] = {"ca.der", NULL};

static void test_ecdsa_chain_both_ways(void **state)
{
    (void)state;
    wall_now = 1906502400; /* 2030-06-01 */
    setup_certs(ecdsa_dev, root, "dev.key", "dev.test", ecdsa_gw, root, "gw.key", "dev.test", 1);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    /* The IKE_SA_INIT request announces SHA2-256/384/512 (RFC 7427 4). */
    {
        uint8_t d[8];
        const tip_test_sent_t *req = tip_test_port_last(&pa);
        assert_int_equal(tip_test_ike_notify(req->data, req->len, TIP_IKE_N_SIGNATURE_HASH_ALGORITHMS,
                                             d, sizeof(d)),
                         6);
        assert_int_equal(d[1], 2);
        assert_int_equal(d[3], 3);
        assert_int_equal(d[5], 4);
    }
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 1);
    assert_int_equal(ev[0][TIP_EV_AUTH_FAILED] + ev[1][TIP_EV_AUTH_FAILED], 0);
    assert_int_equal(scheme_a, TIP_SIG_ECDSA_SHA256);
    assert_int_equal(scheme_b, TIP_SIG_ECDSA_SHA256);
    expect_traffic_both_ways();
    /* an IKE SA rekey needs no new signature */
    sig_a.calls = sig_b.calls = 0;
    assert_int_equal(tip_ike_rekey_ike(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(sig_a.calls + sig_b.calls, 0);
    expect_traffic_both_ways();
}

static void test_any_identity_and_p384(void **state)
{
    static const char *const p384[] = {"p384.der", "int.der", NULL};
    (void)state;
    wall_now = -1; /* no clock: validity not checked, logged once */
    /* b takes any identity its anchor vouches for; a signs with P-384 */
    /* A P-384 leaf and its intermediate fill a 1280-byte IKE_AUTH to the
     * last bytes: without MOBIKE_SUPPORTED (8 bytes) it fits. */
    a_no_mobike = 1;
    setup_certs(p384, root, "p384.key", "p384.test", ecdsa_gw, root, "gw.key", NULL, 2);
    a_no_mobike = 0;
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
    assert_int_equal(scheme_a, TIP_SIG_ECDSA_SHA384);
    assert_int_equal(scheme_b, TIP_SIG_ECDSA_SHA256);
    assert_int_equal(b.ike.cert_no_time_logged, 1); /* the warning went out once */
    expect_traffic_both_ways();
}

static void test_refusals(void **state)
{
    static const char *const dev_only[] = {"dev.der", NULL};
    static const char *const other_root[] = {"other-ca.der", NULL};
    static const char *const expired[] = {"expired.der", NULL};
    struct {
        const char *const *chain;
        const char *key, *id;
        const char *const *anchors;
        int64_t now;
        int reason;
    } cases[] = {
        {ecdsa_dev, "dev.key", "dev.test", other_root, 1906502400, TIP_ERR_CERT}, /* wrong CA */
        {dev_only, "dev.key", "dev.test", root, 1906502400, TIP_ERR_CERT},  /* no intermediate */
        {ecdsa_dev, "dev.key", "gw.test", root, 1906502400, TIP_ERR_CERT_ID}, /* not its name */
        {expired, "expired.key", "expired.test", root, 1906502400, TIP_ERR_CERT_TIME},
    };
    unsigned i;
    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wall_now = cases[i].now;
        setup_certs(cases[i].chain, root, cases[i].key, cases[i].id, ecdsa_gw, cases[i].anchors,
                    "gw.key", NULL, 10 + i);
        assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
        tip_sim_run(&sim, 2000, 10);
        /* b refuses with the reason; a hears AUTHENTICATION_FAILED; nothing is up */
        assert_int_equal(ev[1][TIP_EV_AUTH_FAILED], 1);
        assert_int_equal(last_reason[1][TIP_EV_AUTH_FAILED], cases[i].reason);
        assert_int_equal(ev[0][TIP_EV_AUTH_FAILED], 1);
        assert_int_equal(ev[0][TIP_EV_IKE_UP] + ev[1][TIP_EV_IKE_UP], 0);
        assert_int_equal(tip_sad_count(&a) + tip_sad_count(&b), 0);
    }
    /* the expired one without a clock is taken (docs/security.md says so) */
    wall_now = -1;
    setup_certs(expired, root, "expired.key", "expired.test", ecdsa_gw, root, "gw.key", NULL, 20);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
}

/*
 * A signer that fails ends the handshake at once with AUTH_FAILED and the
 * reason TIP_ERR_SIGN on the side whose signer it is, nothing installed,
 * and no restart; the initiator does not sit waiting for a response to a
 * request it never sent.
 */
static void test_failing_signer(void **state)
{
    unsigned side;
    (void)state;
    wall_now = 1906502400;
    for (side = 0; side < 2; side++) {
        tip_ike_status_t st;
        sign_broken = side == 0 ? &sig_a : &sig_b;
        setup_certs(ecdsa_dev, root, "dev.key", "dev.test", ecdsa_gw, root, "gw.key", "dev.test",
                    30 + side);
        assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
        tip_sim_run(&sim, 500, 10);
        assert_int_equal(ev[side][TIP_EV_AUTH_FAILED], 1);
        assert_int_equal(last_reason[side][TIP_EV_AUTH_FAILED], TIP_ERR_SIGN);
        assert_int_equal(ev[0][TIP_EV_IKE_UP] + ev[1][TIP_EV_IKE_UP], 0);
        assert_int_equal(tip_sad_count(&a) + tip_sad_count(&b), 0);
        /* the initiator's IKE SA is gone (not stuck half-way), the reason kept */
        assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
        assert_false(st.ike_up);
        assert_int_equal(st.last_error, side == 0 ? TIP_ERR_SIGN : TIP_ERR_AUTH);
        assert_int_equal(ev[0][TIP_EV_AUTH_FAILED], 1); /* b's refusal reached a */
        /* no restart loop: nothing more is sent */
        {
            uint32_t sent = pa.total + pb.total;
            tip_sim_run(&sim, 2000, 100);
            assert_int_equal(pa.total + pb.total, sent);
        }
    }
    sign_broken = NULL;
}

/* Rename the SIGNATURE_HASH_ALGORITHMS notify in @p msg to an unknown status type. */
static int hide_notify(uint8_t *msg, size_t len)
{
    size_t i;
    for (i = 28; i + 8 <= len; i++)
        if (msg[i] == 0 && msg[i + 1] == 0 && msg[i + 2] == 0x40 && msg[i + 3] == 0x2f) {
            msg[i + 2] = 0xbe; /* 48879: a status nobody knows, ignored */
            msg[i + 3] = 0xef;
            return 1;
        }
    return 0;
}

static void test_classic_methods_for_a_peer_without_rfc7427(void **state)
{
    static const char *const p384[] = {"p384.der", "int.der", NULL};
    const char *const *chains[2] = {ecdsa_gw, p384};
    const char *keys[2] = {"gw.key", "p384.key"};
    unsigned k, i;
    (void)state;
    wall_now = 1906502400;
    for (k = 0; k < 2; k++) {
        tip_test_sent_t *req;
        uint8_t *init_i = NULL;
        int classic = 0;
        b_id = k == 0 ? "gw.test" : "p384.test";
        setup_certs(ecdsa_dev, root, "dev.key", "dev.test", chains[k], root, keys[k], NULL,
                    30 + k);
        assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
        /* b must not see a's notify: edit the request on the wire and a's
         * own copy of it (which its AUTH covers) alike */
        req = (tip_test_sent_t *)tip_test_port_last(&pa);
        for (i = 0; i < TIP_MAX_IKE_SA && init_i == NULL; i++)
            if (a.ike.sa[i].init_i_buf != 0)
                init_i = tip_ike_buf_get(&a, a.ike.sa[i].init_i_buf);
        assert_non_null(init_i);
        assert_true(hide_notify(req->data, req->len));
        assert_true(hide_notify(TIP_IKE_BUF_MSG(init_i), req->len));
        assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
        /* b heard no hashes, so it signed with the classic method of its
         * key (RFC 4754: 9 for P-256, 10 for P-384), which a checked; a
         * still used RFC 7427 */
        for (i = 0; i < TIP_MAX_IKE_SA; i++)
            if (b.ike.sa[i].state == TIP_IKE_S_ESTABLISHED && b.ike.sa[i].peer_sig_hashes == 0)
                classic = 1;
        assert_true(classic);
        assert_int_equal(scheme_b, k == 0 ? TIP_SIG_ECDSA_SHA256 : TIP_SIG_ECDSA_SHA384);
        assert_int_equal(scheme_a, TIP_SIG_ECDSA_SHA256);
        expect_traffic_both_ways();
    }
    b_id = "gw.test";
}

/* b holds two established IKE SAs and keeps the rekey reserve: configurations
 * with fewer IKE SA slots (test/config/small.h) leave this test out. */
#if TIP_MAX_IKE_SA > 2
/* IKE SAs @p x holds that are established. */
static unsigned established_ike_sas(const tip_ctx_t *x)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += x->ike.sa[i].state == TIP_IKE_S_ESTABLISHED;
    return n;
}

/* b's connection takes any identity its CA vouches for: dev.test is up
 * when a restarts as another device from the same address, with the CA's
 * other P-256 certificate (gw.test; a P-384 chain leaves no room for the
 * notify in 1280 bytes), and sends INITIAL_CONTACT (it holds no IKE SA).
 * That notify speaks for its sender's identity alone (RFC 7296 3.10.1):
 * dev.test's IKE SA at b must stay. */
static void test_initial_contact_spares_other_identities(void **state)
{
    tip_port_t port;
    tip_ike_conn_t c;
    (void)state;
    setup_certs(ecdsa_dev, root, "dev.key", "dev.test", ecdsa_gw, root, "gw.key", NULL, 11);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
    assert_int_equal(established_ike_sas(&b), 1);
    /* a comes back as gw.test */
    tip_ctx_deinit(&a);
    tip_test_signer_free(&sig_a);
    memset(ev[0], 0, sizeof(ev[0]));
    tip_test_port_fill(&pa, &port);
    port.wall_time = wall;
    assert_int_equal(tip_ctx_init(&a, &port), TIP_OK);
    tip_ctx_set_event_cb(&a, on_event, (void *)(intptr_t)0);
    tip_test_signer_init(&sig_a, "gw.key");
    conn_fill(&c, "10.99.0.1", "10.99.0.2", "gw.test", b_id, "10.1.0.0", "10.2.0.0");
    tip_test_conn_cert(&c, store_a, ecdsa_gw, root, &sig_a);
    c.sign = sign_rec;
    assert_int_equal(tip_ike_conn_add(&a, &c, &conn_a), TIP_OK);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_children_up, NULL, 5000));
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 1);
    /* both identities' IKE SAs are up at b */
    assert_int_equal(established_ike_sas(&b), 2);
}
#endif

static void test_conn_checks(void **state)
{
    tip_ike_conn_t c;
    tip_port_t port;
    tip_handle_t h;
    (void)state;
    tip_ctx_deinit(&a);
    tip_test_port_init(&pa, 99, 1000);
    tip_test_port_fill(&pa, &port);
    assert_int_equal(tip_ctx_init(&a, &port), TIP_OK);
    tip_test_signer_free(&sig_a);
    tip_test_signer_init(&sig_a, "dev.key");
    conn_fill(&c, "10.99.0.1", "10.99.0.2", "dev.test", NULL, "10.1.0.0", "10.2.0.0");
    tip_test_conn_cert(&c, store_a, ecdsa_dev, root, &sig_a);
    c.sign = NULL;
    assert_int_equal(tip_ike_conn_add(&a, &c, &h), TIP_ERR_ARG); /* no signer */
    c.sign = tip_test_sign;
    c.ca_count = 0;
    assert_int_equal(tip_ike_conn_add(&a, &c, &h), TIP_ERR_ARG); /* no anchor */
    c.ca_count = 1;
    c.cert[0] = store_a[5].der; /* not a certificate */
    memset(store_a[5].der, 0x5a, 64);
    c.cert_len[0] = 64;
    assert_int_equal(tip_ike_conn_add(&a, &c, &h), TIP_ERR_ARG);
    c.cert[0] = store_a[0].der;
    c.cert_len[0] = store_a[0].len;
#if TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER
    {
        /* an address pool needs one peer identity per connection: a
         * connection open to any identity cannot lease addresses */
        tip_ike_pool_cfg_t pool;
        memset(&pool, 0, sizeof(pool));
        pool.start = tip_test_addr("10.3.0.10");
        pool.count = 4;
        assert_int_equal(tip_ike_pool_add(&a, &pool, &c.vip_pool), TIP_OK);
        assert_int_equal(tip_ike_conn_add(&a, &c, &h), TIP_ERR_UNSUPPORTED);
        c.vip_pool = 0;
    }
#endif
    assert_int_equal(tip_ike_conn_add(&a, &c, &h), TIP_OK);
    /* PSK connections still need their key and a peer identity */
    conn_fill(&c, "10.99.0.1", "10.99.0.3", "dev.test", NULL, "10.1.0.0", "10.3.0.0");
    memcpy(c.psk, "secret", 6);
    c.psk_len = 6;
    assert_int_equal(tip_ike_conn_add(&a, &c, &h), TIP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecdsa_chain_both_ways),
        cmocka_unit_test(test_any_identity_and_p384),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_failing_signer),
        cmocka_unit_test(test_classic_methods_for_a_peer_without_rfc7427),
#if TIP_MAX_IKE_SA > 2
        cmocka_unit_test(test_initial_contact_spares_other_identities),
#endif
        cmocka_unit_test(test_conn_checks),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
