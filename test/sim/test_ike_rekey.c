/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Rekeys that fail, over the simulated network: a failed IKE SA rekey must
 * not free a slot another peer's IKE SA now uses, every failed rekey is
 * tried again (with back-off), and a CHILD SA whose proposal requires PFS
 * is never rekeyed without a key exchange, from either side.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_MAX_IKE_CONN>=2 TIP_MAX_IKE_SA>=4
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_IKE_REKEY_IKE (rekeys the IKE SA)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

#define N 3
static tip_test_port_t port[N];
static tip_ctx_t ctx[N];
static tip_sim_t sim;
static int ev[N][TIP_EV_COUNT_];
static const char *const addr[N] = {"10.99.0.1", "10.99.0.2", "10.99.0.3"};
static const char *const id[N] = {"a.test", "b.test", "c.test"};
static const char *const net[N] = {"10.1.0.0", "10.2.0.0", "10.3.0.0"};

static void on_event(void *arg, const tip_event_t *e)
{
    ev[(int)(intptr_t)arg][e->type]++;
}

/* @p n contexts on the simulated network, no connections yet. */
static void world(unsigned n, uint64_t seed)
{
    tip_port_t p;
    unsigned i;

    for (i = 0; i < N; i++)
        tip_ctx_deinit(&ctx[i]);
    memset(ev, 0, sizeof(ev));
    for (i = 0; i < n; i++) {
        tip_test_port_init(&port[i], seed + i, 1000);
        tip_test_port_fill(&port[i], &p);
        assert_int_equal(tip_ctx_init(&ctx[i], &p), TIP_OK);
        tip_ctx_set_event_cb(&ctx[i], on_event, (void *)(intptr_t)i);
    }
    tip_sim_init(&sim, &ctx[0], &port[0], addr[0], &ctx[1], &port[1], addr[1], seed);
    for (i = 2; i < n; i++)
        assert_int_equal(tip_sim_add(&sim, &ctx[i], &port[i], addr[i]), i);
}

/* The connection of node @p x to node @p y. */
static void conn_of(tip_ike_conn_t *c, unsigned x, unsigned y)
{
    tip_test_ike_conn(c, addr[x], addr[y], id[x], id[y], net[x], net[y]);
}

static int g_x, g_y;
static tip_handle_t g_cx, g_cy;

static int pair_up(void *arg)
{
    tip_ike_status_t sx, sy;
    (void)arg;
    return tip_ike_status(&ctx[g_x], g_cx, &sx) == TIP_OK &&
           tip_ike_status(&ctx[g_y], g_cy, &sy) == TIP_OK && sx.child_up && sy.child_up;
}

/* Node @p x initiates its connection @p cx to @p y (connection @p cy). */
static void bring_up(int x, tip_handle_t cx, int y, tip_handle_t cy)
{
    g_x = x;
    g_y = y;
    g_cx = cx;
    g_cy = cy;
    assert_int_equal(tip_ike_initiate(&ctx[x], cx), TIP_OK);
    assert_true(tip_sim_until(&sim, pair_up, NULL, 5000));
}

/* A UDP packet from a host behind @p x to one behind @p y arrives there. */
static void expect_traffic(unsigned x, unsigned y)
{
    static uint8_t mem[2048];
    uint8_t pl[64];
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr(net[x]), d = tip_test_addr(net[y]);
    uint32_t before = sim.n[y].rx_data;

    s.addr[3] = 5;
    d.addr[3] = 7;
    memset(pl, 0x5A, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&ctx[x], &buf), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[y].rx_data, before + 1);
}

/* The established IKE SA of @p c (at most one in these tests). */
static tip_ike_sa_t *established(tip_ctx_t *c)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (c->ike.sa[i].state == TIP_IKE_S_ESTABLISHED)
            return &c->ike.sa[i];
    return NULL;
}

/*
 * a rekeys its IKE SA with b while b is unreachable. The slot reserved for
 * the new IKE SA must stay reserved while the rekey request is still being
 * retransmitted: c connects in between, and when a finally gives up on b,
 * c's IKE SA must be untouched.
 */
static void test_failed_ike_rekey_spares_other_peer(void **state)
{
    tip_ike_conn_t k;
    tip_handle_t ab, ba, ac, ca;
    tip_ike_status_t st;
    (void)state;
    world(3, 40);
    conn_of(&k, 0, 1);
    assert_int_equal(tip_ike_conn_add(&ctx[0], &k, &ab), TIP_OK);
    conn_of(&k, 0, 2);
    assert_int_equal(tip_ike_conn_add(&ctx[0], &k, &ac), TIP_OK);
    conn_of(&k, 1, 0);
    assert_int_equal(tip_ike_conn_add(&ctx[1], &k, &ba), TIP_OK);
    conn_of(&k, 2, 0);
    assert_int_equal(tip_ike_conn_add(&ctx[2], &k, &ca), TIP_OK);
    bring_up(0, ab, 1, ba);

    sim.n[1].down = 1; /* b is gone */
    assert_int_equal(tip_ike_rekey_ike(&ctx[0], ab), TIP_OK);
    tip_sim_run(&sim, 31000, 100);
    /* c connects to a while a still retransmits its rekey request */
    bring_up(2, ca, 0, ac);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
    /* a gives up on b (RFC 7296 2.4) ... */
    tip_sim_run(&sim, 40000, 100);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(tip_ike_status(&ctx[0], ab, &st), TIP_OK);
    assert_false(st.ike_up);
    /* ... and c's IKE SA and tunnel on a are untouched */
    assert_int_equal(tip_ike_status(&ctx[0], ac, &st), TIP_OK);
    assert_true(st.ike_up);
    assert_true(st.child_up);
    expect_traffic(0, 2);
    expect_traffic(2, 0);
    assert_int_equal(tip_ike_rekey_child(&ctx[2], ca), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 1);
    expect_traffic(0, 2);
}

/* a and b up, with a's rekey timers short (b's long: a rekeys). */
static void rekey_pair(uint32_t child_s, uint32_t ike_s, uint32_t ike_life_s, tip_handle_t *ab,
                       tip_handle_t *ba, uint64_t seed)
{
    tip_ike_conn_t k;

    world(2, seed);
    conn_of(&k, 0, 1);
    k.child_rekey_s = child_s;
    k.ike_rekey_s = ike_s;
    k.ike_lifetime_s = ike_life_s;
    assert_int_equal(tip_ike_conn_add(&ctx[0], &k, ab), TIP_OK);
    conn_of(&k, 1, 0);
    assert_int_equal(tip_ike_conn_add(&ctx[1], &k, ba), TIP_OK);
    bring_up(0, *ab, 1, *ba);
}

/*
 * A timer-driven CHILD SA rekey that cannot even start (here: the random
 * source fails at that moment) is tried again later, long before the CHILD
 * SA's hard lifetime (child_rekey_s + 20 % + 30 s).
 */
static void test_failed_child_rekey_start_is_retried(void **state)
{
    tip_handle_t ab, ba;
    (void)state;
    rekey_pair(30, 0, 0, &ab, &ba, 50);
    tip_sim_run(&sim, 26000, 100); /* the rekey is due at 27..30 s */
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 0);
    port[0].fail_random = 1;
    tip_sim_run(&sim, 5000, 100);
    port[0].fail_random = 0;
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 0);
    tip_sim_run(&sim, 20000, 100);
    assert_true(ev[0][TIP_EV_CHILD_REKEYED] >= 1);
    assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 0);
    tip_sim_run(&sim, 60000, 100);
    assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 0);
    expect_traffic(0, 1);
    expect_traffic(1, 0);
}

/* The same for the IKE SA: its hard lifetime must not end it. */
static void test_failed_ike_rekey_start_is_retried(void **state)
{
    tip_handle_t ab, ba;
    (void)state;
    rekey_pair(0, 40, 100, &ab, &ba, 60);
    tip_sim_run(&sim, 35000, 100); /* the rekey is due at 36..40 s */
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 0);
    port[0].fail_random = 1;
    tip_sim_run(&sim, 6000, 100);
    port[0].fail_random = 0;
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 0);
    tip_sim_run(&sim, 70000, 100);
    assert_true(ev[0][TIP_EV_IKE_REKEYED] >= 1);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 0);
    expect_traffic(0, 1);
}

/* a and b up; b's CHILD proposal requires PFS with X25519, a's as given. */
static void pfs_pair(tip_dh_group_t a_pfs, tip_handle_t *ab, tip_handle_t *ba, uint64_t seed)
{
    tip_ike_conn_t k;

    world(2, seed);
    conn_of(&k, 0, 1);
    k.child[0].pfs = a_pfs;
    assert_int_equal(tip_ike_conn_add(&ctx[0], &k, ab), TIP_OK);
    conn_of(&k, 1, 0);
    k.child[0].pfs = TIP_DH_CURVE25519;
    assert_int_equal(tip_ike_conn_add(&ctx[1], &k, ba), TIP_OK);
    bring_up(0, *ab, 1, *ba);
}

/* The notify @p type in the last message @p from sent, opened with @p to's IKE SA. */
static int last_notify(unsigned from, unsigned to, uint16_t type, uint8_t *data, size_t *dlen)
{
    static uint8_t copy[TIP_IKE_MSG_MAX];
    const tip_test_sent_t *s = tip_test_port_last(&port[from]);
    tip_ike_msg_t m, inner;
    tip_ike_notify_t n;
    tip_ike_sa_t *sa = established(&ctx[to]);
    const uint8_t *ike;
    size_t ike_len;

    assert_non_null(s);
    assert_non_null(sa);
    ike = tip_test_sent_ike(s, &ike_len);
    memcpy(copy, ike, ike_len);
    assert_int_equal(tip_ike_msg_parse(copy, ike_len, &m), TIP_OK);
    assert_int_equal(tip_ike_sk_open(sa, copy, &m, &inner), TIP_OK);
    if (!tip_ike_find_notify(&inner, type, &n))
        return 0;
    if (data != NULL) {
        memcpy(data, n.data, n.len);
        *dlen = n.len;
    }
    return 1;
}

/*
 * RFC 7296 1.3.1, 3.3.3: b's proposal has a DH group, so a rekey of the
 * CHILD SA must carry a KE payload. a (configured without PFS) asks for
 * one without: b answers NO_PROPOSAL_CHOSEN, keeps its CHILD SA and keeps
 * requiring PFS for its own rekeys.
 */
static void test_responder_refuses_rekey_without_ke(void **state)
{
    tip_handle_t ab, ba;
    tip_ike_status_t st;
    (void)state;
    pfs_pair(TIP_DH_NONE, &ab, &ba, 70);
    assert_int_equal(tip_ike_status(&ctx[1], ba, &st), TIP_OK);
    assert_int_equal(st.child_alg.pfs, TIP_DH_CURVE25519);
    assert_int_equal(tip_ike_rekey_child(&ctx[0], ab), TIP_OK);
    (void)tip_sim_pump(&sim);
    assert_true(last_notify(1, 0, TIP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, NULL));
    assert_int_equal(ev[1][TIP_EV_CHILD_REKEYED], 0);
    assert_int_equal(tip_ike_status(&ctx[1], ba, &st), TIP_OK);
    assert_int_equal(st.child_alg.pfs, TIP_DH_CURVE25519);
    assert_int_equal(st.child_rekeys, 0);
    assert_int_equal(tip_sad_count(&ctx[1]), 2);
    expect_traffic(0, 1);
    expect_traffic(1, 0);
}

/* a's rekey request for CHILD proposal @p p, with or without the DH transform and KE. */
static void send_child_rekey(tip_ike_sa_t *sa, const tip_child_proposal_t *p, int dh_xf, int ke)
{
    tip_ctx_t *c = &ctx[0];
    uint8_t spi[4], pub[256];
    size_t len, publen = tip_crypto_dh_pub_len(p->pfs);
    tip_ike_hdr_t h;
    tip_ike_w_t w;

    memset(&sa->pend, 0, sizeof(sa->pend));
    sa->pend.new_spi_in = tip_ike_new_spi(c);
    sa->pend.rekey_spi_in = sa->child[0].spi_in;
    sa->pend.child_offer = *p;
    assert_int_equal(tip_ike_random(c, sa->pend.nonce, TIP_IKE_NONCE_LEN), TIP_OK);
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_CREATE_CHILD_SA, &h);
    assert_non_null(tip_ike_w_pool(c, &sa->req_buf, &w));
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(c, sa, &w);
    tip_store_be32(spi, sa->child[0].spi_in);
    tip_ike_w_notify(&w, TIP_IKE_PROTO_ESP, spi, 4, TIP_IKE_N_REKEY_SA, NULL, 0);
    tip_ike_w_sa_child_chosen(&w, 1, p, sa->pend.new_spi_in, dh_xf);
    tip_ike_w_nonce(&w, sa->pend.nonce, TIP_IKE_NONCE_LEN);
    if (ke) {
        tip_crypto_dh_free(&sa->dh);
        assert_int_equal(tip_crypto_dh_generate(&sa->dh, p->pfs, c->port.random, c->port.arg, pub,
                                                publen),
                         TIP_OK);
        tip_ike_w_ke(&w, (uint16_t)p->pfs, pub, publen);
    }
    tip_ike_w_ts_pair(&w, &sa->child[0].sel, 1);
    assert_int_equal(tip_ike_sk_end(sa, &w, &len), TIP_OK);
    assert_int_equal(tip_ike_send_request(c, sa, len, TIP_IKE_P_CHILD_REKEY), TIP_OK);
}

/*
 * The peer offers our DH group but sends no KE payload: b must not pick
 * that proposal without a key exchange; RFC 7296 1.3.1 says to answer
 * INVALID_KE_PAYLOAD naming the group it wants.
 */
static void test_responder_wants_ke_for_offered_group(void **state)
{
    tip_handle_t ab, ba;
    tip_ike_status_t st;
    tip_child_proposal_t p;
    uint8_t g[8];
    size_t glen = 0;
    (void)state;
    pfs_pair(TIP_DH_CURVE25519, &ab, &ba, 71);
    memset(&p, 0, sizeof(p));
    p.encr = TIP_ENCR_AES_GCM_16;
    p.key_bits = 128;
    p.pfs = TIP_DH_CURVE25519;
    send_child_rekey(established(&ctx[0]), &p, 1, 0);
    (void)tip_sim_pump(&sim);
    assert_true(last_notify(1, 0, TIP_IKE_N_INVALID_KE_PAYLOAD, g, &glen));
    assert_int_equal(glen, 2);
    assert_int_equal(tip_load_be16(g), TIP_DH_CURVE25519);
    assert_int_equal(ev[1][TIP_EV_CHILD_REKEYED], 0);
    assert_int_equal(tip_ike_status(&ctx[1], ba, &st), TIP_OK);
    assert_int_equal(st.child_alg.pfs, TIP_DH_CURVE25519);
    /* with its KE, the same rekey goes through */
    send_child_rekey(established(&ctx[0]), &p, 1, 1);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(ev[1][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(tip_ike_status(&ctx[1], ba, &st), TIP_OK);
    assert_int_equal(st.child_alg.pfs, TIP_DH_CURVE25519);
    expect_traffic(0, 1);
    expect_traffic(1, 0);
}

/*
 * The initiator side: a rekeys with PFS; a response whose chosen proposal
 * drops the DH group (and has no KE) is refused, the CHILD SA is kept,
 * and a still requires PFS afterwards.
 */
static void test_initiator_refuses_response_without_dh(void **state)
{
    tip_handle_t ab, ba;
    tip_ike_status_t st;
    tip_child_proposal_t p;
    tip_ike_sa_t *bsa;
    tip_ike_hdr_t rh, h;
    tip_ike_w_t w;
    tip_ike_msg_t m;
    uint8_t *resp;
    static uint8_t copy[TIP_IKE_MSG_MAX];
    const tip_test_sent_t *req;
    tip_addr_t aa = tip_test_addr(addr[0]), ba_addr = tip_test_addr(addr[1]);
    size_t len;
    (void)state;
    pfs_pair(TIP_DH_CURVE25519, &ab, &ba, 72);
    /* a second, PFS-less proposal with the same algorithms must not help */
    ctx[0].ike.conn[0].cfg.child[1] = ctx[0].ike.conn[0].cfg.child[0];
    ctx[0].ike.conn[0].cfg.child[1].pfs = TIP_DH_NONE;
    ctx[0].ike.conn[0].cfg.child_count = 2;
    assert_int_equal(tip_ike_rekey_child(&ctx[0], ab), TIP_OK);
    req = tip_test_port_last(&port[0]);
    sim.n[0].consumed = tip_test_port_count(&port[0]); /* b never sees it */
    {
        size_t req_len;
        const uint8_t *ike = tip_test_sent_ike(req, &req_len);
        memcpy(copy, ike, req_len);
        assert_int_equal(tip_ike_msg_parse(copy, req_len, &m), TIP_OK);
    }
    rh = m.hdr;
    /* b's answer, forged with b's keys: GCM-128 without DH, no KE */
    bsa = established(&ctx[1]);
    memset(&p, 0, sizeof(p));
    p.encr = TIP_ENCR_AES_GCM_16;
    p.key_bits = 128;
    tip_ike_hdr_response(bsa, &rh, &h);
    resp = tip_ike_w_pool(&ctx[1], &bsa->resp_buf, &w);
    assert_non_null(resp);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(&ctx[1], bsa, &w);
    tip_ike_w_sa_child_chosen(&w, 1, &p, 0x12345678u, 0);
    tip_ike_w_nonce(&w, bsa->nr, 32);
    tip_ike_w_ts_pair(&w, &bsa->child[0].sel, 0);
    assert_int_equal(tip_ike_sk_end(bsa, &w, &len), TIP_OK);
    (void)tip_ike_input(&ctx[0], &ba_addr, 500, &aa, 500, TIP_IKE_BUF_MSG(resp), len);
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 0);
    assert_int_equal(tip_sad_count(&ctx[0]), 2);
    assert_int_equal(tip_ike_status(&ctx[0], ab, &st), TIP_OK);
    assert_int_equal(st.child_alg.pfs, TIP_DH_CURVE25519);
    assert_int_equal(st.child_rekeys, 0);
    expect_traffic(0, 1);
}

/* After every test: no IKE SA state change was refused as illegal. */
static int no_illegal_transition(void **state)
{
    unsigned i;
    (void)state;
    for (i = 0; i < N; i++)
        assert_int_equal(ctx[i].ike.bad_transitions, 0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_failed_ike_rekey_spares_other_peer, no_illegal_transition),
        cmocka_unit_test_teardown(test_failed_child_rekey_start_is_retried, no_illegal_transition),
        cmocka_unit_test_teardown(test_failed_ike_rekey_start_is_retried, no_illegal_transition),
        cmocka_unit_test_teardown(test_responder_refuses_rekey_without_ke, no_illegal_transition),
        cmocka_unit_test_teardown(test_responder_wants_ke_for_offered_group, no_illegal_transition),
        cmocka_unit_test_teardown(test_initiator_refuses_response_without_dh,
                                  no_illegal_transition),
    };
    return cmocka_run_group_tests_name("ike_rekey", tests, NULL, NULL);
}
