/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A full table of 16 CHILD SAs on one IKE SA (config.h of this directory),
 * over the simulated network: a peer's Delete naming all of them in one
 * payload (RFC 7296 1.4.1, 3.11) is answered with a Delete naming every
 * pair removed, and all are removed; a Delete naming each SPI twice and
 * SPIs nobody has is answered with each pair once.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
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
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"
#include "tip_test_tables.h"

#if TIP_IKE_CHILD_MAX != 16
#error "built with test/sim/child16/config.h only"
#endif

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;

static void pair_set(tip_selector_t *s, unsigned local_b2, unsigned remote_b2, unsigned third)
{
    tip_addr_t n;

    memset(s, 0, sizeof(*s));
    n = tip_test_addr("10.0.0.0");
    n.addr[1] = (uint8_t)local_b2;
    n.addr[2] = (uint8_t)third;
    assert_int_equal(tip_addr_range_prefix(&s->local, &n, 24), TIP_OK);
    n.addr[1] = (uint8_t)remote_b2;
    assert_int_equal(tip_addr_range_prefix(&s->remote, &n, 24), TIP_OK);
}

static int children_up(const tip_ctx_t *c, tip_handle_t h)
{
    tip_ike_status_t s;

    return tip_ike_status(c, h, &s) == TIP_OK ? s.child_count : -1;
}

static int all_up(void *arg)
{
    (void)arg;
    return children_up(&sp.ctx[A], sp.conn[A]) == TIP_IKE_CHILD_MAX &&
           children_up(&sp.ctx[B], sp.conn[B]) == TIP_IKE_CHILD_MAX;
}

/* A protects 10.1.i.0/24 <-> 10.2.i.0/24 for i = 0..15 (one CHILD SA
 * each), B the mirror; all 16 come up. */
static void up_all(uint64_t seed)
{
    tip_ike_conn_t ca, cb;
    unsigned i;

    tip_sim_pair_init(&sp, seed);
    tip_sim_pair_conn(&ca, A);
    tip_sim_pair_conn(&cb, B);
    for (i = 1; i < TIP_IKE_CHILD_MAX; i++) {
        pair_set(&ca.ts_more[i - 1], 1, 2, i);
        pair_set(&cb.ts_more[i - 1], 2, 1, i);
    }
    ca.ts_more_count = cb.ts_more_count = TIP_IKE_CHILD_MAX - 1;
    tip_sim_pair_add(&sp, &ca, &cb);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, all_up, NULL, 30000));
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 2 * TIP_IKE_CHILD_MAX);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 2 * TIP_IKE_CHILD_MAX);
}

static tip_ike_sa_t *a_sa(void)
{
    int err = 0;
    tip_ike_conn_slot_t *c = tip_ike_conn_get(&sp.ctx[A], sp.conn[A], &err);

    assert_non_null(c);
    return tip_ike_conn_cur(&sp.ctx[A], c);
}

/*
 * A sends, as a peer would, one INFORMATIONAL request whose Delete(ESP)
 * payloads name @p spis[0..n) (A's inbound SPIs); A itself removes
 * nothing when it is answered (it named no pair of its own bookkeeping).
 */
static void a_sends_delete(const uint32_t *spis, unsigned n, unsigned payloads)
{
    static uint8_t wire[4 * 256];
    tip_ike_sa_t *sa = a_sa();
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    unsigned i;

    assert_true(n <= 256);
    for (i = 0; i < n; i++)
        tip_store_be32(wire + 4 * i, spis[i]);
    assert_non_null(sa);
    assert_false(sa->req_outstanding);
    assert_non_null(tip_ike_buf_take(&sp.ctx[A], &sa->req_buf));
    memset(&sa->pend, 0, sizeof(sa->pend));
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_INFORMATIONAL, &h);
    assert_non_null(tip_ike_w_pool(&sp.ctx[A], &sa->req_buf, &w));
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(&sp.ctx[A], sa, &w);
    for (i = 0; i < payloads; i++)
        tip_ike_w_delete(&w, TIP_IKE_PROTO_ESP, 4, wire, (uint16_t)n);
    assert_int_equal(tip_ike_sk_end(sa, &w, &len), TIP_OK);
    sa->pend.del_spi = 0; /* the answer removes nothing at A */
    assert_int_equal(tip_ike_send_request(&sp.ctx[A], sa, len, TIP_IKE_P_DELETE_CHILD), TIP_OK);
}

/*
 * The SPIs of the Delete(ESP) payloads in B's last IKE message (the
 * answer), opened with A's keys, into @p out. Returns how many.
 */
static unsigned answer_spis(uint32_t *out, unsigned cap)
{
    static uint8_t copy[TIP_IKE_MSG_MAX];
    const tip_test_sent_t *s = tip_test_port_last(&sp.port[B]);
    tip_ike_msg_t m, inner;
    const tip_ike_pl_t *pl;
    unsigned i, k, n = 0;

    const uint8_t *ike;
    size_t ike_len;

    assert_non_null(s);
    ike = tip_test_sent_ike(s, &ike_len);
    assert_true(ike_len <= sizeof(copy));
    memcpy(copy, ike, ike_len);
    assert_int_equal(tip_ike_msg_parse(copy, ike_len, &m), TIP_OK);
    assert_int_equal(m.hdr.exchange, TIP_IKE_EXCH_INFORMATIONAL);
    assert_int_equal(tip_ike_sk_open(a_sa(), copy, &m, &inner), TIP_OK);
    for (i = 0; (pl = tip_ike_msg_find(&inner, TIP_IKE_PL_D, i)) != NULL; i++) {
        tip_ike_delete_t d;
        assert_int_equal(tip_ike_delete_parse(tip_ike_pl_body(&inner, pl), pl->len, &d), TIP_OK);
        assert_int_equal(d.proto, TIP_IKE_PROTO_ESP);
        for (k = 0; k < d.count; k++) {
            assert_true(n < cap);
            out[n++] = tip_ike_delete_spi(&d, k);
        }
    }
    return n;
}

/*
 * The answer names each of A's pairs exactly once (by A's outbound SPI,
 * B's inbound one): A, as any peer, removes them all; nothing is left at
 * either end but the IKE SA.
 */
static void expect_all_named_and_removed(const uint32_t *named, unsigned n)
{
    tip_ike_sa_t *sa = a_sa();
    char why[200];
    unsigned i, k;

    assert_int_equal(n, TIP_IKE_CHILD_MAX);
    for (i = 0; i < n; i++)
        for (k = i + 1; k < n; k++)
            assert_int_not_equal(named[i], named[k]);
    for (k = 0; k < TIP_IKE_CHILD_MAX; k++) {
        int found = 0;
        assert_int_not_equal(sa->child[k].sa_in, 0);
        for (i = 0; i < n; i++)
            found |= named[i] == sa->child[k].spi_out;
        if (!found)
            fail_msg("A's CHILD SA %u (outbound SPI %08x) not in the answer", k,
                     (unsigned)sa->child[k].spi_out);
        tip_ike_child_remove(&sp.ctx[A], &sa->child[k]);
    }
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_DOWN], TIP_IKE_CHILD_MAX);
    assert_int_equal(children_up(&sp.ctx[B], sp.conn[B]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[B]), 0);
    assert_int_equal(tip_sad_count(&sp.ctx[A]), 0);
    assert_int_equal(sp.ev[B][TIP_EV_IKE_DOWN], 0); /* the IKE SA stays */
    for (i = 0; i < 2; i++)
        if (tip_test_tables_check(&sp.ctx[i], 1, why, sizeof(why)) != 0)
            fail_msg("node %u: %s", i, why);
    assert_int_not_equal(tip_sim_send_udp(&sp.ctx[A], "10.1.9.5", "10.2.9.7", 0x5A), TIP_SENT);
}

/* One Delete naming all 16 pairs: all 16 are named in the answer and gone. */
static void test_delete_names_every_child(void **state)
{
    uint32_t spis[TIP_IKE_CHILD_MAX], named[64];
    tip_ike_sa_t *sa;
    unsigned i, n;

    (void)state;
    up_all(1);
    sa = a_sa();
    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        spis[i] = sa->child[i].spi_in;
    a_sends_delete(spis, TIP_IKE_CHILD_MAX, 1);
    (void)tip_sim_pump(&sp.sim);
    n = answer_spis(named, 64);
    expect_all_named_and_removed(named, n);
}

/*
 * Two Delete payloads, each naming every pair twice and 40 SPIs nobody
 * here receives on (72 SPIs each): each pair is named once in the answer, the rest is
 * ignored (RFC 7296 1.4.1: SAs already gone or unknown are not named).
 */
static void test_delete_duplicates_and_garbage_bounded(void **state)
{
    uint32_t spis[2 * TIP_IKE_CHILD_MAX + 40], named[64];
    tip_ike_sa_t *sa;
    unsigned i, n = 0;

    (void)state;
    up_all(2);
    sa = a_sa();
    for (i = 0; i < 20; i++)
        spis[n++] = 0xdead0000u + i;
    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        spis[n++] = sa->child[i].spi_in;
    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        spis[n++] = sa->child[TIP_IKE_CHILD_MAX - 1 - i].spi_in;
    for (i = 0; i < 20; i++)
        spis[n++] = sa->child[i % TIP_IKE_CHILD_MAX].spi_out; /* B's inbound: not A's */
    a_sends_delete(spis, n, 2);
    (void)tip_sim_pump(&sp.sim);
    n = answer_spis(named, 64);
    expect_all_named_and_removed(named, n);
}

static int teardown(void **state)
{
    (void)state;
    tip_sim_pair_check_transitions(&sp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_delete_names_every_child, teardown),
        cmocka_unit_test_teardown(test_delete_duplicates_and_garbage_bounded, teardown),
    };
    return cmocka_run_group_tests_name("ike_delete_many", tests, NULL, NULL);
}
