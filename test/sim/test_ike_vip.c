/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Virtual addresses over the simulated network (RFC 7296 2.19, 3.15): road
 * warriors a (10.99.0.1, a.test) and c (10.99.0.3, c.test) ask gateway b
 * (10.99.0.2, protects 10.2.0.0/24) for an address from its pool
 * 10.3.0.10..; the assigned address is their side of the CHILD SA and
 * traffic from it passes; an identity gets its address back; a full pool
 * refuses with INTERNAL_ADDRESS_FAILURE; leases are released when the IKE
 * SA or the connection goes.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_CP
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
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
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

#if TIP_MAX_IKE_CONN < 2 || TIP_MAX_IKE_SA < 3
#error "this test needs two connections and three IKE SAs"
#endif

static tip_test_port_t pa, pb, pc;
static tip_ctx_t a, b, c;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_ba, conn_bc, conn_c, pool;
static int ev[3][TIP_EV_COUNT_];
static int last_reason[3];
static tip_handle_t last_policy[3]; /* of the last PROPOSAL_MISMATCH */
static int resend_on_refusal;        /* a's callback sends the refused packet again */
static tip_ike_vip_t got[3];

static void on_event(void *arg, const tip_event_t *e)
{
    int who = (int)(intptr_t)arg;

    ev[who][e->type]++;
    if (e->type == TIP_EV_PROPOSAL_MISMATCH) {
        last_reason[who] = e->reason;
        last_policy[who] = e->policy;
        if (who == 0 && resend_on_refusal && e->policy != 0)
            assert_int_not_equal(tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", 0x5A), TIP_SENT);
    }
    if (e->type == TIP_EV_VIRTUAL_IP) {
        assert_non_null(e->vip);
        got[who] = *e->vip;
    }
}

/* A road warrior: any address of its own, the gateway's network behind b. */
static void rw_conn(tip_ike_conn_t *k, const char *me, const char *id, uint8_t request)
{
    tip_test_ike_conn(k, me, "10.99.0.2", id, "b.test", "10.1.0.0", "10.2.0.0");
    memset(&k->ts.local, 0, sizeof(k->ts.local)); /* 0.0.0.0/0: narrowed to the address */
    k->vip_request = request;
}

static void gw_conn(tip_handle_t *out, const char *peer_id, tip_handle_t with_pool)
{
    tip_ike_conn_t k;

    tip_test_ike_conn(&k, "10.99.0.2", NULL, "b.test", peer_id, "10.2.0.0", "10.3.0.0");
    k.vip_pool = with_pool;
    assert_int_equal(tip_ike_conn_add(&b, &k, out), TIP_OK);
}

static void ctx_up(tip_ctx_t *x, tip_test_port_t *p, uint64_t seed, int who)
{
    tip_port_t port;

    tip_ctx_deinit(x);
    tip_test_port_init(p, seed, 1000);
    tip_test_port_fill(p, &port);
    assert_int_equal(tip_ctx_init(x, &port), TIP_OK);
    tip_ctx_set_event_cb(x, on_event, (void *)(intptr_t)who);
}

/* Gateway b with a pool of @p count addresses from 10.3.0.10 and DNS 10.2.0.53. */
static void setup(uint32_t count, uint8_t request, uint64_t seed)
{
    tip_ike_pool_cfg_t pc_cfg;
    tip_ike_conn_t k;

    memset(ev, 0, sizeof(ev));
    memset(got, 0, sizeof(got));
    memset(last_reason, 0, sizeof(last_reason));
    memset(last_policy, 0, sizeof(last_policy));
    ctx_up(&a, &pa, seed, 0);
    ctx_up(&b, &pb, seed + 1, 1);
    ctx_up(&c, &pc, seed + 2, 2);
    memset(&pc_cfg, 0, sizeof(pc_cfg));
    pc_cfg.start = tip_test_addr("10.3.0.10");
    pc_cfg.count = count;
    pc_cfg.dns[0] = tip_test_addr("10.2.0.53");
    pc_cfg.dns_count = 1;
    assert_int_equal(tip_ike_pool_add(&b, &pc_cfg, &pool), TIP_OK);
    gw_conn(&conn_ba, "a.test", pool);
    gw_conn(&conn_bc, "c.test", pool);
    rw_conn(&k, "10.99.0.1", "a.test", request);
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    rw_conn(&k, "10.99.0.3", "c.test", request);
    assert_int_equal(tip_ike_conn_add(&c, &k, &conn_c), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", seed);
    assert_int_equal(tip_sim_add(&sim, &c, &pc, "10.99.0.3"), 2);
}

static int child_up(tip_ctx_t *x, tip_handle_t h)
{
    tip_ike_status_t st;
    return tip_ike_status(x, h, &st) == TIP_OK && st.child_up;
}

static int a_up(void *arg)
{
    (void)arg;
    return child_up(&a, conn_a) && child_up(&b, conn_ba);
}

static int c_up(void *arg)
{
    (void)arg;
    return child_up(&c, conn_c) && child_up(&b, conn_bc);
}

static const tip_ike_sa_t *cur_sa(tip_ctx_t *x, tip_handle_t h)
{
    int err;
    tip_ike_conn_slot_t *slot = tip_ike_conn_get(x, h, &err);
    assert_non_null(slot);
    return tip_ike_conn_cur(x, slot);
}

static void expect_addr(const tip_addr_t *got_addr, const char *want)
{
    tip_addr_t w = tip_test_addr(want);
    assert_int_equal(got_addr->family, w.family);
    assert_memory_equal(got_addr->addr, w.addr, 16);
}

static void expect_pool(uint32_t in_use, uint32_t remembered, uint32_t refused)
{
    tip_ike_pool_status_t st;
    assert_int_equal(tip_ike_pool_status(&b, pool, &st), TIP_OK);
    assert_int_equal(st.in_use, in_use);
    assert_int_equal(st.remembered, remembered);
    assert_int_equal(st.refused, refused);
}

static void test_assigned_address_used_and_traffic_passes(void **state)
{
    const tip_ike_sa_t *sa;
    tip_ike_vip_t v;
    uint32_t rb, ra;
    (void)state;

    setup(4, TIP_IKE_VIP_IP4 | TIP_IKE_VIP_DNS, 11);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    /* the event reports the address and the DNS server */
    assert_int_equal(ev[0][TIP_EV_VIRTUAL_IP], 1);
    assert_int_equal(ev[1][TIP_EV_VIRTUAL_IP], 0);
    expect_addr(&got[0].ip4, "10.3.0.10");
    assert_int_equal(got[0].ip6.family, TIP_AF_NONE);
    assert_int_equal(got[0].dns_count, 1);
    expect_addr(&got[0].dns[0], "10.2.0.53");
    assert_int_equal(tip_ike_vip_get(&a, conn_a, &v), TIP_OK);
    expect_addr(&v.ip4, "10.3.0.10");
    assert_int_equal(tip_ike_vip_get(&b, conn_ba, &v), TIP_OK);
    expect_addr(&v.ip4, "10.3.0.10");
    /* both ends use exactly that address as the road warrior's side */
    sa = cur_sa(&a, conn_a);
    assert_non_null(sa);
    expect_addr(&sa->child[0].sel.local.lo, "10.3.0.10");
    expect_addr(&sa->child[0].sel.local.hi, "10.3.0.10");
    sa = cur_sa(&b, conn_ba);
    assert_non_null(sa);
    expect_addr(&sa->child[0].sel.remote.lo, "10.3.0.10");
    expect_addr(&sa->child[0].sel.remote.hi, "10.3.0.10");
    expect_pool(1, 0, 0);
    /* traffic from the virtual address passes both ways */
    rb = sim.n[1].rx_data;
    assert_int_equal(tip_sim_send_udp(&a, "10.3.0.10", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[1].rx_data, rb + 1);
    ra = sim.n[0].rx_data;
    assert_int_equal(tip_sim_send_udp(&b, "10.2.0.7", "10.3.0.10", 0xCD), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[0].rx_data, ra + 1);
    /* another source address of a is not covered by the CHILD SA */
    assert_int_not_equal(tip_sim_send_udp(&a, "10.3.0.11", "10.2.0.7", 0xEF), TIP_SENT);
    /* a CHILD SA rekey keeps the address */
    assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED], 1);
    sa = cur_sa(&a, conn_a);
    expect_addr(&sa->child[0].sel.local.lo, "10.3.0.10");
    sa = cur_sa(&b, conn_ba);
    expect_addr(&sa->child[0].sel.remote.hi, "10.3.0.10");
    assert_int_equal(tip_sim_send_udp(&a, "10.3.0.10", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[1].rx_data, rb + 2);
    /* an IKE SA rekey keeps the lease */
    assert_int_equal(tip_ike_rekey_ike(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 1);
    tip_sim_run(&sim, 300, 10);
    expect_pool(1, 0, 0);
    assert_int_equal(tip_ike_vip_get(&a, conn_a, &v), TIP_OK);
    expect_addr(&v.ip4, "10.3.0.10");
}

static void test_release_on_delete_and_same_address_on_return(void **state)
{
    tip_ike_vip_t v;
    (void)state;

    setup(4, TIP_IKE_VIP_IP4, 12);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    expect_addr(&got[0].ip4, "10.3.0.10");
    assert_int_equal(got[0].dns_count, 0); /* not asked for */
    /* a leaves: the lease is released, remembered for a.test */
    assert_int_equal(tip_ike_terminate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 1);
    expect_pool(0, 1, 0);
    assert_int_equal(tip_ike_vip_get(&b, conn_ba, &v), TIP_ERR_NO_SA);
    assert_int_equal(tip_ike_vip_get(&a, conn_a, &v), TIP_ERR_NO_SA);
    /* c comes meanwhile: it gets another address, a's is kept for a */
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    assert_true(tip_sim_until(&sim, c_up, NULL, 5000));
    expect_addr(&got[2].ip4, "10.3.0.11");
    /* a comes back: its own address again */
    memset(&got[0], 0, sizeof(got[0]));
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    expect_addr(&got[0].ip4, "10.3.0.10");
    expect_pool(2, 0, 0);
    /* deleting the gateway's connection releases its lease too */
    assert_int_equal(tip_ike_conn_del(&b, conn_bc), TIP_OK);
    expect_pool(1, 1, 0);
}

/* a vanishes without a word (a reboot) and connects again while b still
 * holds its old IKE SA: the identity gets its own address again. */
static void test_reconnect_without_delete_same_address(void **state)
{
    tip_ike_conn_t k;
    uint32_t rb;
    (void)state;

    setup(4, TIP_IKE_VIP_IP4, 13);
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    assert_true(tip_sim_until(&sim, c_up, NULL, 5000));
    expect_addr(&got[2].ip4, "10.3.0.10");
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    expect_addr(&got[0].ip4, "10.3.0.11");
    /* a forgets everything; its Delete is lost */
    sim.n[0].down = 1;
    assert_int_equal(tip_ike_conn_del(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 100, 10);
    sim.n[0].down = 0;
    rw_conn(&k, "10.99.0.1", "a.test", TIP_IKE_VIP_IP4);
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    memset(&got[0], 0, sizeof(got[0]));
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    expect_addr(&got[0].ip4, "10.3.0.11");
    expect_pool(2, 0, 0);
    rb = sim.n[1].rx_data;
    assert_int_equal(tip_sim_send_udp(&a, "10.3.0.11", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[1].rx_data, rb + 1);
}

static void test_pool_exhausted_refused(void **state)
{
    tip_ike_status_t st;
    (void)state;

    setup(1, TIP_IKE_VIP_IP4, 14);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    /* b refused the CHILD SA with INTERNAL_ADDRESS_FAILURE (3.15.4) */
    assert_int_equal(ev[1][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[1], TIP_IKE_N_INTERNAL_ADDRESS_FAILURE);
    assert_int_equal(ev[2][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[2], TIP_IKE_N_INTERNAL_ADDRESS_FAILURE);
    assert_int_equal(ev[2][TIP_EV_VIRTUAL_IP], 0);
    assert_int_equal(ev[2][TIP_EV_CHILD_UP], 0);
    expect_pool(1, 0, 1);
    /* without an address c's connection ends (vip_optional is 0) */
    assert_int_equal(ev[2][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(tip_ike_status(&c, conn_c, &st), TIP_OK);
    assert_false(st.ike_up);
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 1);
    /* a is untouched */
    assert_true(a_up(NULL));
}

/* The gateway has no pool for c: it ignores the request. */
static void test_no_address_fails_or_goes_on(void **state)
{
    tip_ike_conn_t k;
    tip_ike_status_t st;
    tip_ike_vip_t v;
    (void)state;

    setup(4, TIP_IKE_VIP_IP4, 15);
    assert_int_equal(tip_ike_conn_del(&b, conn_bc), TIP_OK);
    gw_conn(&conn_bc, "c.test", 0);
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[2][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[2], TIP_IKE_N_INTERNAL_ADDRESS_FAILURE);
    assert_int_equal(ev[2][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(tip_ike_status(&c, conn_c, &st), TIP_OK);
    assert_false(st.ike_up);
    /* with vip_optional it goes on with its own selectors */
    assert_int_equal(tip_ike_conn_del(&c, conn_c), TIP_OK);
    rw_conn(&k, "10.99.0.3", "c.test", TIP_IKE_VIP_IP4);
    k.vip_optional = 1;
    assert_int_equal(tip_ike_conn_add(&c, &k, &conn_c), TIP_OK);
    memset(ev[2], 0, sizeof(ev[2]));
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    assert_true(tip_sim_until(&sim, c_up, NULL, 5000));
    assert_int_equal(ev[2][TIP_EV_VIRTUAL_IP], 0);
    assert_int_equal(tip_ike_vip_get(&c, conn_c, &v), TIP_ERR_NO_SA);
    expect_addr(&cur_sa(&c, conn_c)->child[0].sel.local.lo, "10.3.0.0");
    expect_addr(&cur_sa(&c, conn_c)->child[0].sel.local.hi, "10.3.0.255");
}

/* A pool connection needs the peer to ask: no CP, no CHILD SA. */
static void test_pool_requires_request(void **state)
{
    (void)state;

    setup(4, 0, 16);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[1][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[1], TIP_IKE_N_FAILED_CP_REQUIRED);
    assert_int_equal(ev[0][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[0], TIP_IKE_N_FAILED_CP_REQUIRED);
    expect_pool(0, 0, 0);
}

/* A CHILD SA of a's made by hand: what a proposes as its side (TSi) and b's. */
static void a_creates_child(const char *l_lo, const char *l_hi, const char *r_lo, const char *r_hi)
{
    int err;
    tip_ike_conn_slot_t *slot = tip_ike_conn_get(&a, conn_a, &err);
    tip_ike_sa_t *sa;
    tip_ike_child_t *ch;
    int idx;

    assert_non_null(slot);
    sa = tip_ike_conn_cur(&a, slot);
    assert_non_null(sa);
    idx = tip_ike_child_free_idx(sa);
    assert_true(idx >= 0);
    ch = &sa->child[idx];
    memset(ch, 0, sizeof(*ch));
    ch->sel.local.lo = tip_test_addr(l_lo);
    ch->sel.local.hi = tip_test_addr(l_hi);
    ch->sel.remote.lo = tip_test_addr(r_lo);
    ch->sel.remote.hi = tip_test_addr(r_hi);
    ch->sel.local_port_hi = ch->sel.remote_port_hi = 0xFFFFu;
    ch->ts_idx = TIP_IKE_TS_NONE;
    ch->create = TIP_IKE_CREATE_DUE;
    assert_int_equal(tip_ike_child_create_start(&a, sa, (unsigned)idx), TIP_OK);
}

/*
 * RFC 7296 2.19, 2.9: the peer's side of every CHILD SA of the gateway is
 * the address it assigned, also after the gateway rekeyed the IKE SA (2.18
 * makes the gateway the new IKE SA's initiator; the address stays the
 * peer's). a asks for a further CHILD SA claiming the whole pool and a
 * range reaching into it as the gateway's side: b narrows a's side to
 * a's own address, never to addresses of other peers.
 */
static void test_peer_side_stays_its_address_after_gateway_rekey(void **state)
{
    const tip_ike_sa_t *sa;
    unsigned i, found = 0;
    (void)state;

    setup(4, TIP_IKE_VIP_IP4, 18);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    expect_addr(&got[0].ip4, "10.3.0.10");
    assert_int_equal(tip_ike_rekey_ike(&b, conn_ba), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_REKEYED], 1);
    a_creates_child("10.3.0.0", "10.3.0.255", "10.2.0.0", "10.3.0.255");
    tip_sim_run(&sim, 300, 10);
    sa = cur_sa(&b, conn_ba);
    assert_non_null(sa);
    for (i = 0; i < TIP_IKE_CHILD_MAX; i++) {
        if (sa->child[i].sa_in == 0)
            continue;
        found++;
        expect_addr(&sa->child[i].sel.remote.lo, "10.3.0.10");
        expect_addr(&sa->child[i].sel.remote.hi, "10.3.0.10");
        expect_addr(&sa->child[i].sel.local.lo, "10.2.0.0");
        expect_addr(&sa->child[i].sel.local.hi, "10.2.0.255");
    }
    assert_int_equal(found, 2);
}

/*
 * Two gateway connections for the same identity (a.test from 10.99.0.1 and
 * from 10.99.0.3) share one pool: while a's IKE SA holds the identity's
 * address, the other connection is refused an address
 * (INTERNAL_ADDRESS_FAILURE, RFC 7296 3.15.4) rather than given the same
 * one, which would take a's traffic. Once a is gone, it gets it.
 */
static void test_address_not_shared_between_connections(void **state)
{
    tip_ike_conn_t k;
    tip_ike_status_t st;
    uint32_t ra, rc;
    (void)state;

    setup(4, TIP_IKE_VIP_IP4, 19);
    assert_int_equal(tip_ike_conn_del(&b, conn_ba), TIP_OK);
    assert_int_equal(tip_ike_conn_del(&b, conn_bc), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.3.0.0");
    k.vip_pool = pool;
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_ba), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.3", "b.test", "a.test", "10.2.0.0", "10.3.0.0");
    k.vip_pool = pool;
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_bc), TIP_OK);
    assert_int_equal(tip_ike_conn_del(&c, conn_c), TIP_OK);
    rw_conn(&k, "10.99.0.3", "a.test", TIP_IKE_VIP_IP4);
    assert_int_equal(tip_ike_conn_add(&c, &k, &conn_c), TIP_OK);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    expect_addr(&got[0].ip4, "10.3.0.10");
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[2][TIP_EV_VIRTUAL_IP], 0);
    assert_int_equal(got[2].ip4.family, TIP_AF_NONE);
    assert_int_equal(ev[2][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[2], TIP_IKE_N_INTERNAL_ADDRESS_FAILURE);
    /* a keeps its address and its traffic */
    assert_true(a_up(NULL));
    ra = sim.n[0].rx_data;
    rc = sim.n[2].rx_data;
    assert_int_equal(tip_sim_send_udp(&b, "10.2.0.7", "10.3.0.10", 0xCD), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[0].rx_data, ra + 1);
    assert_int_equal(sim.n[2].rx_data, rc);
    /* a leaves: now the identity's address is free for the other connection */
    assert_int_equal(tip_ike_terminate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(tip_ike_status(&c, conn_c, &st), TIP_OK);
    if (st.ike_up)
        assert_int_equal(tip_ike_terminate(&c, conn_c), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    memset(ev[2], 0, sizeof(ev[2]));
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    assert_true(tip_sim_until(&sim, c_up, NULL, 5000));
    expect_addr(&got[2].ip4, "10.3.0.10");
}

/*
 * The peer got no address in IKE_AUTH (it asked for none: FAILED_CP_REQUIRED,
 * no CHILD SA) but keeps the IKE SA and asks for a CHILD SA with
 * CREATE_CHILD_SA, claiming the pool's addresses as its side: without an
 * address of its own its side would be the whole configured range, other
 * peers' addresses included. The gateway refuses (TS_UNACCEPTABLE).
 */
static void test_no_address_no_child_sa_later(void **state)
{
    const tip_ike_sa_t *sa;
    tip_ike_status_t st;
    unsigned i;
    (void)state;

    setup(4, 0, 20);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(last_reason[1], TIP_IKE_N_FAILED_CP_REQUIRED);
    assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
    assert_true(st.ike_up);
    memset(ev, 0, sizeof(ev));
    a_creates_child("10.3.0.0", "10.3.0.255", "10.2.0.0", "10.2.0.255");
    tip_sim_run(&sim, 300, 10);
    sa = cur_sa(&b, conn_ba);
    assert_non_null(sa);
    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        assert_int_equal(sa->child[i].sa_in, 0);
    assert_int_equal(ev[1][TIP_EV_CHILD_UP], 0);
    assert_int_equal(ev[0][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[0], TIP_IKE_N_TS_UNACCEPTABLE);
    assert_int_equal(tip_sad_count(&b), 0);
    expect_pool(0, 0, 0);
}

/* a's outbound PROTECT policy @p src_net/24 -> 10.2.0.0/24 through b (and its inbound twin). */
static tip_handle_t a_policy(const char *src_net, unsigned prefix)
{
    tip_policy_t pol;
    tip_addr_t n;
    tip_handle_t h, hin;

    memset(&pol, 0, sizeof(pol));
    n = tip_test_addr(src_net);
    assert_int_equal(tip_addr_range_prefix(&pol.sel.local, &n, prefix), TIP_OK);
    n = tip_test_addr("10.2.0.0");
    assert_int_equal(tip_addr_range_prefix(&pol.sel.remote, &n, 24), TIP_OK);
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = tip_test_addr("10.99.0.1");
    pol.tunnel_remote = tip_test_addr("10.99.0.2");
    pol.dir = TIP_DIR_OUT;
    assert_int_equal(tip_spd_add(&a, &pol, TIP_SPD_PREPEND, &h), TIP_OK);
    pol.dir = TIP_DIR_IN;
    assert_int_equal(tip_spd_add(&a, &pol, TIP_SPD_PREPEND, &hin), TIP_OK);
    return h;
}

/*
 * RFC 7296 2.19: once b assigned 10.3.0.10, an acquire on a's connection
 * (its own side configured as 0.0.0.0/0) is matched against that address:
 * a policy from it negotiates a CHILD SA; one from another address of the
 * configured range is refused at once (PROPOSAL_MISMATCH naming the
 * policy, TIP_ERR_POLICY), with no request b would refuse; like ACQUIRE,
 * not again from inside its own callback.
 */
static void test_acquire_matches_assigned_address(void **state)
{
    tip_handle_t inside, outside;
    uint32_t rx_ike;
    (void)state;

    setup(4, TIP_IKE_VIP_IP4, 21);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, a_up, NULL, 5000));
    expect_addr(&got[0].ip4, "10.3.0.10");
    /* outside the address: refused here, b hears nothing */
    outside = a_policy("10.1.0.0", 24);
    rx_ike = sim.n[1].rx_ike;
    assert_int_not_equal(tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", 0x5A), TIP_SENT);
    assert_int_equal(ev[0][TIP_EV_ACQUIRE], 1);
    tip_sim_run(&sim, 1000, 50);
    assert_int_equal(sim.n[1].rx_ike, rx_ike);
    assert_int_equal(ev[0][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[0], TIP_ERR_POLICY);
    assert_int_equal(last_policy[0], outside);
    assert_int_equal(ev[1][TIP_EV_PROPOSAL_MISMATCH], 0);
    /* a callback that sends the packet again is not called again for it */
    resend_on_refusal = 1;
    assert_int_not_equal(tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", 0x5A), TIP_SENT);
    resend_on_refusal = 0;
    assert_int_equal(ev[0][TIP_EV_PROPOSAL_MISMATCH], 2);
    assert_int_equal(ev[0][TIP_EV_ACQUIRE], 3);
    /* the assigned address (IKE_AUTH's CHILD SA gone first): a CHILD SA
     * for the policy */
    assert_int_equal(tip_ike_delete_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 1);
    inside = a_policy("10.3.0.10", 32);
    assert_int_not_equal(tip_sim_send_udp(&a, "10.3.0.10", "10.2.0.7", 0x5A), TIP_SENT);
    tip_sim_run(&sim, 1000, 50);
    assert_int_equal(ev[0][TIP_EV_CHILD_UP], 2);
    assert_int_equal(ev[0][TIP_EV_PROPOSAL_MISMATCH], 2);
    assert_int_equal(cur_sa(&a, conn_a)->child[0].pol_out, inside);
    assert_int_equal(tip_sim_send_udp(&a, "10.3.0.10", "10.2.0.7", 0x5A), TIP_SENT);
}

static void test_configuration_checked(void **state)
{
    tip_ike_conn_t k;
    tip_ike_pool_cfg_t pcfg;
    tip_handle_t h;
    (void)state;

    setup(4, TIP_IKE_VIP_IP4, 17);
    rw_conn(&k, "10.99.0.1", "x.test", TIP_IKE_VIP_DNS); /* DNS alone is no request */
    assert_int_equal(tip_ike_conn_add(&a, &k, &h), TIP_ERR_ARG);
    rw_conn(&k, "10.99.0.1", "x.test", 0x40);
    assert_int_equal(tip_ike_conn_add(&a, &k, &h), TIP_ERR_ARG);
    tip_test_ike_conn(&k, "10.99.0.2", NULL, "b.test", "x.test", "10.2.0.0", "10.3.0.0");
    k.vip_pool = pool + 0x10000u; /* another generation */
    assert_int_equal(tip_ike_conn_add(&b, &k, &h), TIP_ERR_NOT_FOUND);
    memset(&pcfg, 0, sizeof(pcfg));
    pcfg.start = tip_test_addr("255.255.255.250");
    pcfg.count = 7; /* past the end of IPv4 */
    assert_int_equal(tip_ike_pool_add(&b, &pcfg, &h), TIP_ERR_ARG);
    pcfg.count = 0;
    assert_int_equal(tip_ike_pool_add(&b, &pcfg, &h), TIP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assigned_address_used_and_traffic_passes),
        cmocka_unit_test(test_release_on_delete_and_same_address_on_return),
        cmocka_unit_test(test_reconnect_without_delete_same_address),
        cmocka_unit_test(test_pool_exhausted_refused),
        cmocka_unit_test(test_no_address_fails_or_goes_on),
        cmocka_unit_test(test_pool_requires_request),
        cmocka_unit_test(test_peer_side_stays_its_address_after_gateway_rekey),
        cmocka_unit_test(test_address_not_shared_between_connections),
        cmocka_unit_test(test_no_address_no_child_sa_later),
        cmocka_unit_test(test_acquire_matches_assigned_address),
        cmocka_unit_test(test_configuration_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
