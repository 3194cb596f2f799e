/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Several CHILD SAs on one IKE SA (RFC 7296 1.3.1), over the simulated
 * network: a connection's further selector pairs become CHILD SAs of their
 * own after IKE_AUTH, each carrying its own traffic; the responder narrows
 * against all its pairs (2.9) or refuses with TS_UNACCEPTABLE, and a full
 * table with NO_ADDITIONAL_SAS, while the IKE SA stays; one CHILD SA is
 * rekeyed or deleted without touching the others; an IKE SA rekey moves
 * them all; an acquire negotiates a CHILD SA for the application's policy;
 * IPv4 pairs over IPv6 outer addresses, an open side taking its pair's family.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_IKE_CHILD_MAX>=2 TIP_MAX_IKE_SA>=2 TIP_MAX_SA>=8
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER TIP_MAX_POLICIES>=8
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
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"
#include "tip_test_tables.h"

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;
static const char *const addr4[2] = {"10.99.0.1", "10.99.0.2"};
#if TIP_CONF_IPV6
static const char *const addr6[2] = {"fd00:1::1", "fd00:1::2"};
#endif
static const char *addr[2] = {"10.99.0.1", "10.99.0.2"}; /* the outer addresses */

static int fill_b_on_up; /* B's table fills up when its first CHILD SA comes up */

/* B's current IKE SA. */
static tip_ike_sa_t *b_sa(void)
{
    int err = 0;
    tip_ike_conn_slot_t *c = tip_ike_conn_get(&sp.ctx[B], sp.conn[B], &err);

    assert_non_null(c);
    return tip_ike_conn_cur(&sp.ctx[B], c);
}

static void on_event(int n, const tip_event_t *e)
{
    if (n == B && e->type == TIP_EV_CHILD_UP && fill_b_on_up) {
        /* B's other entries are taken by CHILD SAs it waits to create */
        tip_ike_sa_t *sa = b_sa();
        unsigned i;
        fill_b_on_up = 0;
        for (i = 1; i < TIP_IKE_CHILD_MAX; i++) {
            sa->child[i].create = TIP_IKE_CREATE_DUE;
            sa->child[i].rekey_at_ms = UINT64_MAX / 2;
        }
    }
}

static void world(uint64_t seed)
{
    tip_sim_pair_init_at(&sp, seed, addr[A], addr[B]);
    sp.on_event = on_event;
}

static void pair_set(tip_selector_t *s, const char *local, unsigned lp, const char *remote,
                     unsigned rp)
{
    tip_addr_t n;

    memset(s, 0, sizeof(*s));
    n = tip_test_addr(local);
    assert_int_equal(tip_addr_range_prefix(&s->local, &n, lp), TIP_OK);
    n = tip_test_addr(remote);
    assert_int_equal(tip_addr_range_prefix(&s->remote, &n, rp), TIP_OK);
}

/* A: 10.1.0.0/24 <-> 10.2.0.0/24 and 10.1.1.0/24 <-> 10.2.1.0/24; B the
 * mirror, with its second pair given by @p b_more (NULL: none). */
static void connect_ab(const tip_selector_t *b_more, unsigned b_more_count)
{
    tip_ike_conn_t ca, cb;
    unsigned i;

    tip_test_ike_conn(&ca, addr[A], addr[B], "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    tip_test_ike_conn(&cb, addr[B], addr[A], "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    pair_set(&ca.ts_more[0], "10.1.1.0", 24, "10.2.1.0", 24);
    ca.ts_more_count = 1;
    for (i = 0; i < b_more_count; i++)
        cb.ts_more[i] = b_more[i];
    cb.ts_more_count = (uint8_t)b_more_count;
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &ca, &sp.conn[A]), TIP_OK);
    assert_int_equal(tip_ike_conn_add(&sp.ctx[B], &cb, &sp.conn[B]), TIP_OK);
}

static int children_up(const tip_ctx_t *c, tip_handle_t h)
{
    tip_ike_status_t s;

    return tip_ike_status(c, h, &s) == TIP_OK ? s.child_count : -1;
}

static int both_two(void *arg)
{
    (void)arg;
    return children_up(&sp.ctx[A], sp.conn[A]) == 2 && children_up(&sp.ctx[B], sp.conn[B]) == 2;
}

static int a_one_b_one(void *arg)
{
    (void)arg;
    return children_up(&sp.ctx[A], sp.conn[A]) == 1 && children_up(&sp.ctx[B], sp.conn[B]) == 1;
}

static void child_of(int n, unsigned idx, tip_ike_child_status_t *st)
{
    assert_int_equal(tip_ike_child_status(&sp.ctx[n], sp.conn[n], idx, st), TIP_OK);
    assert_true(st->up);
}

/* The entry of @p n's table whose pair has inbound SPI @p spi_in. */
static unsigned entry_by_spi(int n, uint32_t spi_in)
{
    tip_ike_child_status_t st;
    unsigned i;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        if (tip_ike_child_status(&sp.ctx[n], sp.conn[n], i, &st) == TIP_OK && st.up &&
            st.spi_in == spi_in)
            return i;
    fail_msg("no CHILD SA with inbound SPI %08x", (unsigned)spi_in);
    return 0;
}

static uint64_t out_packets(int n, unsigned idx)
{
    tip_ike_child_status_t st;
    tip_sa_stats_t ss;

    child_of(n, idx, &st);
    assert_int_equal(tip_sad_stats(&sp.ctx[n], st.sa_out, &ss), TIP_OK);
    return ss.packets;
}

/* A packet from @p src to @p dst leaves @p n through CHILD SA @p idx and
 * arrives at the other end. */
static void expect_through(int n, unsigned idx, const char *src, const char *dst)
{
    uint64_t before = out_packets(n, idx);
    uint32_t rx = sp.sim.n[1 - n].rx_data;

    assert_int_equal(tip_sim_send_udp(&sp.ctx[n], src, dst, 0x5A), TIP_SENT);
    (void)tip_sim_pump(&sp.sim);
    assert_int_equal(out_packets(n, idx), before + 1);
    assert_int_equal(sp.sim.n[1 - n].rx_data, rx + 1);
}

static void tables_ok(void)
{
    char why[200];
    int n;

    for (n = 0; n < 2; n++)
        if (tip_test_tables_check(&sp.ctx[n], 1, why, sizeof(why)) != 0)
            fail_msg("node %d: %s", n, why);
}

/* Both ends hold the same pairs: each of A's CHILD SAs has its mirror at B. */
static void mirrored(unsigned count)
{
    tip_ike_child_status_t sa_, sb;
    unsigned i, seen = 0;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++) {
        if (tip_ike_child_status(&sp.ctx[A], sp.conn[A], i, &sa_) != TIP_OK || !sa_.up)
            continue;
        child_of(B, entry_by_spi(B, sa_.spi_out), &sb);
        assert_int_equal(sb.spi_out, sa_.spi_in);
        seen++;
    }
    assert_int_equal(seen, count);
}

static void up_two(void)
{
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, both_two, NULL, 10000));
    mirrored(2);
}

/* ---- tests ---------------------------------------------------------------- */

/* IKE_AUTH makes the first, CREATE_CHILD_SA the second; each pair's
 * traffic goes through its own SA, both ways. */
static void test_two_children_carry_their_own_traffic(void **state)
{
    tip_selector_t more;
    tip_ike_child_status_t st;

    (void)state;
    world(1);
    pair_set(&more, "10.2.1.0", 24, "10.1.1.0", 24);
    connect_ab(&more, 1);
    up_two();
    assert_int_equal(sp.ev[A][TIP_EV_IKE_UP], 1);
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_UP], 2);
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_UP], 2);
    assert_int_equal(sp.ev_child[A][TIP_EV_CHILD_UP], 1);
    child_of(A, 1, &st);
    assert_int_equal(st.pair, 1);
    assert_int_equal(st.sel.local.lo.addr[2], 1);
    assert_int_equal(st.sel.remote.lo.addr[2], 1);
    expect_through(A, 0, "10.1.0.5", "10.2.0.7");
    expect_through(A, 1, "10.1.1.5", "10.2.1.7");
    expect_through(B, entry_by_spi(B, st.spi_out), "10.2.1.7", "10.1.1.5");
    expect_through(B, 0, "10.2.0.7", "10.1.0.5");
    /* nothing else in the tables: 2 pairs x 2 SAs each side */
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 4);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 4);
    tables_ok();
}

/* RFC 7296 2.9: B allows only half of A's second pair; A installs what
 * B narrowed it to. */
static void test_responder_narrows_to_subset(void **state)
{
    tip_selector_t more;
    tip_ike_child_status_t st;

    (void)state;
    world(2);
    pair_set(&more, "10.2.1.0", 25, "10.1.1.0", 24);
    connect_ab(&more, 1);
    up_two();
    child_of(A, 1, &st);
    assert_int_equal(st.sel.remote.lo.addr[3], 0);
    assert_int_equal(st.sel.remote.hi.addr[3], 127);
    expect_through(A, 1, "10.1.1.5", "10.2.1.7");
    tables_ok();
}

/* B has no pair for A's second one: TS_UNACCEPTABLE; the IKE SA and the
 * first CHILD SA stay, and A tries again only with back-off. */
static void test_ts_unacceptable_keeps_ike_sa(void **state)
{
    tip_ike_status_t s;
    tip_ike_child_status_t st;

    (void)state;
    world(3);
    connect_ab(NULL, 0);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, a_one_b_one, NULL, 10000));
    tip_sim_run(&sp.sim, 500, 50);
    assert_int_equal(sp.ev[A][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(sp.ev_reason[A][TIP_EV_PROPOSAL_MISMATCH], TIP_IKE_N_TS_UNACCEPTABLE);
    assert_int_equal(sp.ev_child[A][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(tip_ike_child_status(&sp.ctx[A], sp.conn[A], 1, &st), TIP_OK);
    assert_false(st.up);
    assert_true(st.pending);
    /* 20 s: retries at 2-3 s, then 4-6 s, then 8-12 s after each failure */
    tip_sim_run(&sp.sim, 20000, 100);
    assert_true(sp.ev[A][TIP_EV_PROPOSAL_MISMATCH] >= 2);
    assert_true(sp.ev[A][TIP_EV_PROPOSAL_MISMATCH] <= 4);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s), TIP_OK);
    assert_true(s.ike_up);
    assert_int_equal(sp.ev[A][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(sp.ev[B][TIP_EV_IKE_DOWN], 0);
    expect_through(A, 0, "10.1.0.5", "10.2.0.7");
    tables_ok();
}

/* B's table has no free entry: NO_ADDITIONAL_SAS; the IKE SA stays. */
static void test_table_full_no_additional_sas(void **state)
{
    tip_selector_t more;
    tip_ike_sa_t *bsa;
    unsigned i;

    (void)state;
    world(4);
    pair_set(&more, "10.2.1.0", 24, "10.1.1.0", 24);
    connect_ab(&more, 1);
    fill_b_on_up = 1;
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 1000, 50);
    bsa = b_sa();
    assert_non_null(bsa);
    assert_int_equal(sp.ev[A][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(sp.ev_reason[A][TIP_EV_PROPOSAL_MISMATCH], TIP_IKE_N_NO_ADDITIONAL_SAS);
    assert_int_equal(children_up(&sp.ctx[A], sp.conn[A]), 1);
    assert_int_equal(sp.ev[A][TIP_EV_IKE_DOWN], 0);
    expect_through(A, 0, "10.1.0.5", "10.2.0.7");
    for (i = 1; i < TIP_IKE_CHILD_MAX; i++)
        memset(&bsa->child[i], 0, sizeof(bsa->child[i]));
}

/* Rekeying the second CHILD SA leaves the first alone (its SPIs, its
 * traffic), and the second carries traffic again on its new pair. */
static void test_rekey_second_child(void **state)
{
    tip_selector_t more;
    tip_ike_child_status_t c0, c1, n0, n1;

    (void)state;
    world(5);
    pair_set(&more, "10.2.1.0", 24, "10.1.1.0", 24);
    connect_ab(&more, 1);
    up_two();
    child_of(A, 0, &c0);
    child_of(A, 1, &c1);
    assert_int_equal(tip_ike_rekey_child_at(&sp.ctx[A], sp.conn[A], 1), TIP_OK);
    /* the first carries traffic while the rekey is in flight */
    expect_through(A, 0, "10.1.0.5", "10.2.0.7");
    tip_sim_run(&sp.sim, 2000, 50);
    child_of(A, 0, &n0);
    child_of(A, 1, &n1);
    assert_int_equal(n0.spi_in, c0.spi_in);
    assert_true(n1.spi_in != c1.spi_in);
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(sp.ev_child[A][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_DOWN] + sp.ev[B][TIP_EV_CHILD_DOWN], 0);
    mirrored(2);
    expect_through(A, 1, "10.1.1.5", "10.2.1.7");
    expect_through(A, 0, "10.1.0.5", "10.2.0.7");
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 4);
    tables_ok();
}

/* Deleting the second CHILD SA leaves the first and the IKE SA. */
static void test_delete_one_child(void **state)
{
    tip_selector_t more;
    tip_ike_child_status_t st;

    (void)state;
    world(6);
    pair_set(&more, "10.2.1.0", 24, "10.1.1.0", 24);
    connect_ab(&more, 1);
    up_two();
    assert_int_equal(tip_ike_delete_child_at(&sp.ctx[A], sp.conn[A], 1), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, a_one_b_one, NULL, 5000));
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(sp.ev_child[A][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(tip_ike_child_status(&sp.ctx[A], sp.conn[A], 1, &st), TIP_ERR_NO_SA);
    expect_through(A, 0, "10.1.0.5", "10.2.0.7");
    /* the pair's traffic has no SA any more (its policies went with it) */
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 2);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2);
    tip_sim_run(&sp.sim, 10000, 100); /* and it is not negotiated again by itself */
    assert_int_equal(children_up(&sp.ctx[A], sp.conn[A]), 1);
    tables_ok();
}

/* The peer (B, the IKE responder) deletes the first CHILD SA: the second
 * stays and carries traffic. */
static void test_peer_deletes_first_child(void **state)
{
    tip_selector_t more;

    (void)state;
    world(7);
    pair_set(&more, "10.2.1.0", 24, "10.1.1.0", 24);
    connect_ab(&more, 1);
    up_two();
    assert_int_equal(tip_ike_delete_child_at(&sp.ctx[B], sp.conn[B], 0), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, a_one_b_one, NULL, 5000));
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(sp.ev_child[A][TIP_EV_CHILD_DOWN], 0);
    expect_through(A, 1, "10.1.1.5", "10.2.1.7");
    tables_ok();
}

/* An IKE SA rekey moves both CHILD SAs to the new IKE SA. */
static void test_ike_rekey_moves_children(void **state)
{
    tip_selector_t more;
    tip_ike_child_status_t c0, c1, n0, n1;
    tip_ike_status_t s0, s1;

    (void)state;
    world(8);
    pair_set(&more, "10.2.1.0", 24, "10.1.1.0", 24);
    connect_ab(&more, 1);
    up_two();
    child_of(A, 0, &c0);
    child_of(A, 1, &c1);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s0), TIP_OK);
    assert_int_equal(tip_ike_rekey_ike(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 3000, 50);
    assert_int_equal(sp.ev[A][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &s1), TIP_OK);
    assert_true(memcmp(s0.spi_i, s1.spi_i, 8) != 0);
    assert_int_equal(s1.child_count, 2);
    child_of(A, 0, &n0);
    child_of(A, 1, &n1);
    assert_int_equal(n0.spi_in, c0.spi_in);
    assert_int_equal(n1.spi_in, c1.spi_in);
    mirrored(2);
    expect_through(A, 0, "10.1.0.5", "10.2.0.7");
    expect_through(A, 1, "10.1.1.5", "10.2.1.7");
    /* and the new IKE SA rekeys the second CHILD SA */
    assert_int_equal(tip_ike_rekey_child_at(&sp.ctx[A], sp.conn[A], 1), TIP_OK);
    tip_sim_run(&sp.sim, 2000, 50);
    expect_through(A, 1, "10.1.1.5", "10.2.1.7");
    tables_ok();
}

/* An application's PROTECT policy without an SA, the IKE SA up: the
 * acquire negotiates a CHILD SA for the policy's selectors and binds it to
 * that policy (no second policy); more packets meanwhile start nothing
 * more. */
static void test_acquire_creates_child_for_policy(void **state)
{
    tip_ike_conn_t ca, cb;
    tip_ike_child_status_t st;
    tip_policy_t pol;
    tip_handle_t hp, hin;
    unsigned i, k, pols = 0, pols_after = 0;
    int found = -1;

    (void)state;
    world(9);
    /* A may protect anything of 10.1.0.0/16 <-> 10.2.0.0/16; B allows
     * 10.2.0.0/24 <-> 10.1.0.0/24 (IKE_AUTH's CHILD SA is narrowed to it)
     * and 10.2.5.0/24 <-> 10.1.5.0/24 */
    tip_test_ike_conn(&ca, addr[A], addr[B], "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    tip_test_ike_conn(&cb, addr[B], addr[A], "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    pair_set(&ca.ts, "10.1.0.0", 16, "10.2.0.0", 16);
    pair_set(&cb.ts_more[0], "10.2.5.0", 24, "10.1.5.0", 24);
    cb.ts_more_count = 1;
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &ca, &sp.conn[A]), TIP_OK);
    assert_int_equal(tip_ike_conn_add(&sp.ctx[B], &cb, &sp.conn[B]), TIP_OK);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, a_one_b_one, NULL, 10000));
    child_of(A, 0, &st);
    assert_int_equal(st.sel.remote.hi.addr[2], 0); /* narrowed to B's first pair */
    memset(&pol, 0, sizeof(pol));
    pair_set(&pol.sel, "10.1.5.0", 24, "10.2.5.0", 24);
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = tip_test_addr(addr[A]);
    pol.tunnel_remote = tip_test_addr(addr[B]);
    pol.dir = TIP_DIR_OUT;
    assert_int_equal(tip_spd_add(&sp.ctx[A], &pol, TIP_SPD_APPEND, &hp), TIP_OK);
    pol.dir = TIP_DIR_IN;
    assert_int_equal(tip_spd_add(&sp.ctx[A], &pol, TIP_SPD_APPEND, &hin), TIP_OK);
    for (i = 0; i < TIP_MAX_POLICIES; i++)
        pols += sp.ctx[A].spd[i].in_use != 0;
    /* three packets before any answer: one acquire each, one negotiation */
    for (i = 0; i < 3; i++)
        assert_int_not_equal(tip_sim_send_udp(&sp.ctx[A], "10.1.5.5", "10.2.5.7", 0x5A), TIP_SENT);
    assert_int_equal(sp.ev[A][TIP_EV_ACQUIRE], 3);
    tip_sim_run(&sp.sim, 1000, 50);
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_UP], 2); /* IKE_AUTH's, the acquire's */
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_UP], 2);
    for (k = 0; k < TIP_IKE_CHILD_MAX; k++)
        if (tip_ike_child_status(&sp.ctx[A], sp.conn[A], k, &st) == TIP_OK && st.up && st.policy == hp)
            found = (int)k;
    assert_true(found >= 0);
    child_of(A, (unsigned)found, &st);
    assert_int_equal(st.pair, TIP_IKE_TS_NONE);
    assert_int_equal(st.sel.remote.lo.addr[2], 5);
    for (i = 0; i < TIP_MAX_POLICIES; i++)
        pols_after += sp.ctx[A].spd[i].in_use != 0;
    assert_int_equal(pols_after, pols);
    expect_through(A, (unsigned)found, "10.1.5.5", "10.2.5.7");
    /* deleting it leaves the application's policy in place */
    assert_int_equal(tip_ike_delete_child_at(&sp.ctx[A], sp.conn[A], (unsigned)found), TIP_OK);
    tip_sim_run(&sp.sim, 1000, 50);
    assert_int_equal(tip_spd_get(&sp.ctx[A], hp, &pol), TIP_OK);
    /* a policy outside the connection's pairs is none of its business */
    pair_set(&pol.sel, "10.1.9.0", 24, "10.3.0.0", 24);
    pol.dir = TIP_DIR_OUT;
    assert_int_equal(tip_spd_add(&sp.ctx[A], &pol, TIP_SPD_APPEND, &hp), TIP_OK);
    assert_int_not_equal(tip_sim_send_udp(&sp.ctx[A], "10.1.9.5", "10.3.0.7", 0x5A), TIP_SENT);
    tip_sim_run(&sp.sim, 1000, 50);
    assert_int_equal(sp.ev[A][TIP_EV_CHILD_UP], 2);
    assert_int_equal(sp.ev[A][TIP_EV_PROPOSAL_MISMATCH], 0);
    assert_int_equal(children_up(&sp.ctx[A], sp.conn[A]), 1);
}

/* Lost, duplicated and reordered datagrams: both CHILD SAs still come up,
 * the same pairs on both ends, nothing left over in the tables. */
static void test_two_children_lossy(void **state)
{
    tip_selector_t more;
    uint64_t seed;

    (void)state;
    for (seed = 20; seed < 28; seed++) {
        world(seed);
        sp.sim.loss_pct = 20;
        sp.sim.dup_pct = 10;
        sp.sim.reorder_pct = 10;
        pair_set(&more, "10.2.1.0", 24, "10.1.1.0", 24);
        connect_ab(&more, 1);
        assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
        if (!tip_sim_until(&sp.sim, both_two, NULL, 60000))
            fail_msg("seed %u: both CHILD SAs not up", (unsigned)seed);
        tip_sim_run(&sp.sim, 2000, 50); /* the last responses settle */
        sp.sim.loss_pct = sp.sim.dup_pct = sp.sim.reorder_pct = 0;
        mirrored(2);
        expect_through(A, 1, "10.1.1.5", "10.2.1.7");
        tables_ok();
    }
}

#if TIP_CONF_IPV6
/* IPv6 outside, IPv4 inside (RFC 4301 4.1: tunnel mode protects traffic
 * of either family over either): both pairs are accepted and each CHILD SA
 * carries its own traffic. */
static void test_ipv4_pairs_over_ipv6(void **state)
{
    tip_ike_child_status_t st;
    tip_selector_t more;

    (void)state;
    addr[A] = addr6[A];
    addr[B] = addr6[B];
    world(11);
    pair_set(&more, "10.2.1.0", 24, "10.1.1.0", 24);
    connect_ab(&more, 1);
    up_two();
    expect_through(A, 0, "10.1.0.5", "10.2.0.7");
    expect_through(A, 1, "10.1.1.5", "10.2.1.7");
    child_of(A, 1, &st);
    expect_through(B, entry_by_spi(B, st.spi_out), "10.2.1.7", "10.1.1.5");
    expect_through(B, 0, "10.2.0.7", "10.1.0.5");
    tables_ok();
}

/* A pair with one side given and the other left open, IPv6 outside: the
 * open side is all of the given side's family (0.0.0.0/0), not ::/0. */
static void test_open_side_takes_pair_family(void **state)
{
    tip_ike_conn_t c;
    tip_ike_conn_slot_t *slot;
    tip_handle_t h;
    int err = 0;
    static const uint8_t all_ones[4] = {255, 255, 255, 255};

    (void)state;
    world(12);
    tip_test_ike_conn(&c, addr6[A], addr6[B], "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    memset(&c.ts.remote, 0, sizeof(c.ts.remote));
    c.ts_more_count = 1;
    pair_set(&c.ts_more[0], "10.1.1.0", 24, "10.2.1.0", 24);
    memset(&c.ts_more[0].remote, 0, sizeof(c.ts_more[0].remote));
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &c, &h), TIP_OK);
    slot = tip_ike_conn_get(&sp.ctx[A], h, &err);
    assert_non_null(slot);
    assert_int_equal(slot->cfg.ts.remote.lo.family, TIP_AF_INET);
    assert_int_equal(slot->cfg.ts.remote.hi.family, TIP_AF_INET);
    assert_memory_equal(slot->cfg.ts.remote.hi.addr, all_ones, 4);
    assert_int_equal(slot->cfg.ts_more[0].remote.lo.family, TIP_AF_INET);
    assert_memory_equal(slot->cfg.ts_more[0].remote.hi.addr, all_ones, 4);
}

/* A road warrior's own side left open (its address comes from the peer),
 * IPv6 outside: an IPv4 TSi for the IPv4 TSr, not ::/0 (strongSwan
 * answers such a mixed pair with TS_UNACCEPTABLE). */
static void test_open_own_side_over_ipv6(void **state)
{
    tip_ike_conn_t c;
    tip_ike_conn_slot_t *slot;
    tip_handle_t h;
    int err = 0;
    static const uint8_t all_ones[4] = {255, 255, 255, 255};

    (void)state;
    world(13);
    tip_test_ike_conn(&c, addr6[A], addr6[B], "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    memset(&c.ts.local, 0, sizeof(c.ts.local));
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &c, &h), TIP_OK);
    slot = tip_ike_conn_get(&sp.ctx[A], h, &err);
    assert_non_null(slot);
    assert_int_equal(slot->cfg.ts.local.lo.family, TIP_AF_INET);
    assert_memory_equal(slot->cfg.ts.local.hi.addr, all_ones, 4);
}
#endif

/* tip_ike_conn_add() checks the further pairs. */
static void test_conn_add_checks_pairs(void **state)
{
    tip_ike_conn_t c;
    tip_addr_t a6 = tip_test_addr("2001:db8::1");

    (void)state;
    world(10);
    tip_test_ike_conn(&c, addr[A], addr[B], "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    c.ts_more_count = TIP_IKE_CHILD_MAX; /* one more than the table holds with ts */
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &c, NULL), TIP_ERR_ARG);
    c.ts_more_count = 1;
    pair_set(&c.ts_more[0], "10.1.1.0", 24, "10.2.1.0", 24);
    c.ts_more[0].remote.lo = a6; /* mixed families */
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &c, NULL), TIP_ERR_ARG);
    pair_set(&c.ts_more[0], "10.1.1.0", 24, "10.2.1.0", 24);
    c.ts_more[0].local_port_lo = 9;
    c.ts_more[0].local_port_hi = 8;
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &c, NULL), TIP_ERR_ARG);
    c.ts_more[0].local_port_lo = 0;
    c.ts_more[0].local_port_hi = 0; /* unset: all ports */
    assert_int_equal(tip_ike_conn_add(&sp.ctx[A], &c, NULL), TIP_OK);
    assert_int_equal(tip_ike_child_status(&sp.ctx[A], sp.conn[A], TIP_IKE_CHILD_MAX, NULL),
                     TIP_ERR_ARG);
}

static int teardown(void **state)
{
    (void)state;
    addr[A] = addr4[A];
    addr[B] = addr4[B];
    assert_int_equal(sp.ctx[A].ike.bad_transitions, 0);
    assert_int_equal(sp.ctx[B].ike.bad_transitions, 0);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_two_children_carry_their_own_traffic, teardown),
        cmocka_unit_test_teardown(test_responder_narrows_to_subset, teardown),
        cmocka_unit_test_teardown(test_ts_unacceptable_keeps_ike_sa, teardown),
        cmocka_unit_test_teardown(test_table_full_no_additional_sas, teardown),
        cmocka_unit_test_teardown(test_rekey_second_child, teardown),
        cmocka_unit_test_teardown(test_delete_one_child, teardown),
        cmocka_unit_test_teardown(test_peer_deletes_first_child, teardown),
        cmocka_unit_test_teardown(test_ike_rekey_moves_children, teardown),
        cmocka_unit_test_teardown(test_acquire_creates_child_for_policy, teardown),
#if TIP_CONF_IPV6
        cmocka_unit_test_teardown(test_ipv4_pairs_over_ipv6, teardown),
        cmocka_unit_test_teardown(test_open_side_takes_pair_family, teardown),
        cmocka_unit_test_teardown(test_open_own_side_over_ipv6, teardown),
#endif
        cmocka_unit_test_teardown(test_two_children_lossy, teardown),
        cmocka_unit_test_teardown(test_conn_add_checks_pairs, teardown),
    };
    return cmocka_run_group_tests_name("ike_children", tests, NULL, NULL);
}
