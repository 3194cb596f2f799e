/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The IKE message pool: IKE SAs borrow message buffers from the context
 * for what a live exchange needs and give them back when it is over. When
 * the pool is empty, our own exchanges are refused with nothing changed,
 * and a peer's request waits (dropped before it changes anything) until a
 * buffer is free, when its retransmission goes through. A handle to a
 * released buffer finds nothing. The tests hold buffers themselves to
 * empty the pool, so they run in any configuration.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_AES_GCM
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
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_port.h"
#include "tip_test_tables.h"

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;
static tip_handle_t held[TIP_IKE_MSG_BUFS];
static unsigned nheld;

/* a initiates (10.99.0.1), b answers. */
static void pair(uint64_t seed)
{
    nheld = 0;
    tip_sim_pair_setup(&sp, seed, NULL, NULL);
}

/* Take buffers of @p c's pool until only @p leave are free. */
static void hold_all_but(tip_ctx_t *c, unsigned leave)
{
    while (tip_ike_buf_free_count(c) > leave) {
        assert_true(nheld < TIP_IKE_MSG_BUFS);
        held[nheld] = 0;
        assert_non_null(tip_ike_buf_take(c, &held[nheld]));
        nheld++;
    }
}

static void release_held(tip_ctx_t *c)
{
    while (nheld > 0)
        tip_ike_buf_release(c, &held[--nheld]);
}

/* Node @p n's tables hold together: every message buffer in use has one
 * holder (none held by the test). */
static void tables_ok(int n)
{
    char why[160];
    if (tip_test_tables_check(&sp.ctx[n], 1, why, sizeof(why)) != 0) {
        print_error("node %d: %s\n", n, why);
        fail();
    }
}

static int both_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&sp.ctx[A], sp.conn[A], &sa) == TIP_OK && tip_ike_status(&sp.ctx[B], sp.conn[B], &sb) == TIP_OK &&
           sa.ike_up && sb.ike_up && sa.child_up && sb.child_up &&
           sa.child_spi_in == sb.child_spi_out && sa.child_spi_out == sb.child_spi_in;
}

static void establish(void)
{
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 10000));
}

static uint32_t child_spi_in(tip_ctx_t *c, tip_handle_t conn)
{
    tip_ike_status_t st;
    assert_int_equal(tip_ike_status(c, conn, &st), TIP_OK);
    return st.child_spi_in;
}

/* What a handshake borrows comes back: the initiator keeps nothing once
 * IKE_AUTH is done, the responder only its cached IKE_AUTH response
 * (RFC 7296 2.1). Both IKE_SA_INIT messages are gone with AUTH verified. */
static void test_handshake_returns_buffers(void **state)
{
    (void)state;
    pair(11);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[A]), TIP_IKE_MSG_BUFS - 2u); /* request, init_i */
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 10000));
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[A]), TIP_IKE_MSG_BUFS);
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[B]), TIP_IKE_MSG_BUFS - 1u);
    tables_ok(A);
    tables_ok(B);
    assert_int_equal(sp.ctx[A].ike.buf_exhausted, 0);
    assert_int_equal(sp.ctx[B].ike.buf_exhausted, 0);
    /* a deleted IKE SA gives its cached response back too */
    assert_int_equal(tip_ike_terminate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 3000, 100);
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[A]), TIP_IKE_MSG_BUFS);
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[B]), TIP_IKE_MSG_BUFS);
}

/* Our IKE_SA_INIT needs two buffers: with one free, tip_ike_initiate()
 * says so, counts it, sends nothing and leaves no IKE SA or buffer behind. */
static void test_initiate_refused_when_pool_empty(void **state)
{
    tip_ike_status_t st;
    (void)state;
    pair(12);
    hold_all_but(&sp.ctx[A], 1);
    tip_test_port_clear(&sp.port[A]);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_ERR_FULL);
    assert_true(sp.ctx[A].ike.buf_exhausted >= 1u);
    assert_int_equal(tip_test_port_count(&sp.port[A]), 0);
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[A]), 1);
    assert_int_equal(tip_ike_status(&sp.ctx[A], sp.conn[A], &st), TIP_OK);
    assert_false(st.ike_up);
    release_held(&sp.ctx[A]);
    establish();
}

/* RFC 7296 2.6 / 2.3: a responder without the two buffers a half-open
 * IKE SA holds (the initiator's IKE_SA_INIT request; the response, cached
 * and covered by our AUTH) makes none; the initiator's retransmission
 * gets through once buffers are free. */
static void test_responder_waits_for_buffers(void **state)
{
    unsigned i, half_open = 0;
    (void)state;
    pair(13);
    hold_all_but(&sp.ctx[B], 1);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 1500, 50); /* the request and its first retransmission */
    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        half_open += sp.ctx[B].ike.sa[i].state != TIP_IKE_S_FREE;
    assert_int_equal(half_open, 0);
    assert_true(sp.ctx[B].ike.buf_exhausted >= 2u);
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[B]), 1); /* nothing kept from the attempts */
    assert_false(both_up(NULL));
    release_held(&sp.ctx[B]);
    assert_true(tip_sim_until(&sp.sim, both_up, NULL, 20000));
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN], 0);
}

/* The initiator of the IKE SA holds no response buffer. A CREATE_CHILD_SA
 * request from the peer while its pool is empty is dropped before it
 * changes anything (the message ID window stays); the peer retransmits,
 * and once a buffer is free the rekey completes on both sides. */
static void test_peer_request_waits_for_a_buffer(void **state)
{
    uint32_t old_in;
    uint32_t msg_id_in;
    tip_ike_sa_t *sa;
    unsigned i;
    (void)state;
    pair(14);
    establish();
    old_in = child_spi_in(&sp.ctx[A], sp.conn[A]);
    sa = NULL;
    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (sp.ctx[A].ike.sa[i].state == TIP_IKE_S_ESTABLISHED)
            sa = &sp.ctx[A].ike.sa[i];
    assert_non_null(sa);
    msg_id_in = sa->msg_id_in;
    hold_all_but(&sp.ctx[A], 0);
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[B], sp.conn[B]), TIP_OK);
    tip_sim_run(&sp.sim, 1500, 50);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_REKEYED], 0);
    assert_int_equal(sp.ev[1][TIP_EV_CHILD_REKEYED], 0);
    assert_int_equal(sa->msg_id_in, msg_id_in);
    assert_int_equal(child_spi_in(&sp.ctx[A], sp.conn[A]), old_in);
    assert_true(sp.ctx[A].ike.buf_exhausted >= 1u);
    release_held(&sp.ctx[A]);
    tip_sim_run(&sp.sim, 5000, 50);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(sp.ev[1][TIP_EV_CHILD_REKEYED], 1);
    assert_int_not_equal(child_spi_in(&sp.ctx[A], sp.conn[A]), old_in);
    assert_true(both_up(NULL));
    assert_int_equal(sp.ev[0][TIP_EV_IKE_DOWN] + sp.ev[1][TIP_EV_IKE_DOWN], 0);
}

/* Our own rekey with the pool empty is refused, nothing changed; with a
 * buffer it runs. */
static void test_own_rekey_refused_when_pool_empty(void **state)
{
    uint32_t old_in;
    (void)state;
    pair(15);
    establish();
    old_in = child_spi_in(&sp.ctx[A], sp.conn[A]);
    hold_all_but(&sp.ctx[A], 0);
    tip_test_port_clear(&sp.port[A]);
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_ERR_FULL);
    assert_int_equal(tip_ike_rekey_ike(&sp.ctx[A], sp.conn[A]), TIP_ERR_FULL);
    assert_int_equal(tip_test_port_count(&sp.port[A]), 0);
    tip_sim_run(&sp.sim, 2000, 100);
    assert_int_equal(child_spi_in(&sp.ctx[A], sp.conn[A]), old_in);
    assert_true(both_up(NULL));
    release_held(&sp.ctx[A]);
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 3000, 50);
    assert_int_equal(sp.ev[0][TIP_EV_CHILD_REKEYED], 1);
    assert_int_not_equal(child_spi_in(&sp.ctx[A], sp.conn[A]), old_in);
    assert_true(both_up(NULL));
}

/* A released buffer is wiped and its handle goes stale, also once the
 * slot is taken again. */
static void test_released_handle_is_stale(void **state)
{
    tip_handle_t h = 0, h2 = 0;
    uint8_t *p;
    (void)state;
    pair(16);
    p = tip_ike_buf_take(&sp.ctx[A], &h);
    assert_non_null(p);
    memset(p, 0xA5, 4 + TIP_IKE_MSG_MAX);
    assert_ptr_equal(tip_ike_buf_get(&sp.ctx[A], h), p);
    h2 = h;
    tip_ike_buf_release(&sp.ctx[A], &h);
    assert_int_equal(h, 0);
    assert_null(tip_ike_buf_get(&sp.ctx[A], h2));
    assert_int_equal(p[10], 0); /* wiped */
    h = 0;
    assert_ptr_equal(tip_ike_buf_take(&sp.ctx[A], &h), p); /* the same slot, a new generation */
    assert_int_not_equal(h, h2);
    assert_null(tip_ike_buf_get(&sp.ctx[A], h2));
    tip_ike_buf_release(&sp.ctx[A], &h2); /* releasing through the stale handle does nothing */
    assert_ptr_equal(tip_ike_buf_get(&sp.ctx[A], h), p);
    tip_ike_buf_release(&sp.ctx[A], &h);
}

/* The IKE SA of node @p n in state @p state. */
static tip_ike_sa_t *sa_in(int n, int state)
{
    unsigned i;
    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (sp.ctx[n].ike.sa[i].state == state)
            return &sp.ctx[n].ike.sa[i];
    return NULL;
}

/* The last datagram node @p n sent, taken off the network (the test
 * delivers it), its IKE message copied to @p out (no non-ESP marker). */
static const tip_test_sent_t *take_last(int n, uint8_t *out, size_t *len)
{
    const tip_test_sent_t *s;
    size_t skip;

    assert_true(tip_test_port_count(&sp.port[n]) > 0u);
    s = tip_test_port_get(&sp.port[n], tip_test_port_count(&sp.port[n]) - 1u);
    assert_non_null(s);
    sp.sim.n[n].consumed = tip_test_port_count(&sp.port[n]);
    skip = s->dport == TIP_PORT_NATT ? 4u : 0u;
    assert_true(s->len > skip && s->len - skip <= TIP_IKE_MSG_MAX);
    memcpy(out, s->data + skip, s->len - skip);
    *len = s->len - skip;
    return s;
}

/* Node @p from's last datagram given to the other node, unchanged. */
static int deliver_last(int from)
{
    static uint8_t msg[TIP_IKE_MSG_MAX];
    const tip_test_sent_t *s;
    size_t len;

    s = take_last(from, msg, &len);
    return tip_ike_input(&sp.ctx[1 - from], &sp.sim.n[from].addr, s->sport, &s->dst, s->dport, msg,
                         len);
}

/* An IKE_AUTH request of a with message ID @p msg_id and the payloads of
 * @p inner, led by an unknown critical payload when @p critical, sealed
 * with a's keys into @p out. */
static size_t auth_request(const tip_ike_msg_t *m, const tip_ike_msg_t *inner, uint32_t msg_id,
                           int critical, uint8_t *out)
{
    static const uint8_t body[4] = {1, 2, 3, 4};
    tip_ike_sa_t *sa_a = sa_in(A, TIP_IKE_S_AUTH_SENT);
    tip_ike_hdr_t h = m->hdr;
    tip_ike_w_t w;
    size_t len;
    unsigned i;

    assert_non_null(sa_a);
    h.msg_id = msg_id;
    tip_ike_w_init(&w, out, TIP_IKE_MSG_MAX);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(&sp.ctx[A], sa_a, &w);
    if (critical)
        tip_ike_w_payload(&w, 200, 1, body, sizeof(body)); /* private use: unknown here */
    for (i = 0; i < inner->count; i++)
        tip_ike_w_payload(&w, inner->pl[i].type, inner->pl[i].critical,
                          tip_ike_pl_body(inner, &inner->pl[i]), inner->pl[i].len);
    assert_int_equal(tip_ike_sk_end(sa_a, &w, &len), TIP_OK);
    return len;
}

/*
 * RFC 7296 2.5 / 2.15: an IKE_AUTH request with an unknown critical
 * payload is answered with UNSUPPORTED_CRITICAL_PAYLOAD and the IKE SA
 * stays half-open; the initiator's next IKE_AUTH request (message 2,
 * without the payload) then brings it up: the responder's AUTH still
 * covers its IKE_SA_INIT response as sent, although the error response
 * took the place of that message as the cached response.
 */
static void test_auth_after_unsupported_critical(void **state)
{
    static uint8_t req[TIP_IKE_MSG_MAX], out[TIP_IKE_MSG_MAX], ans[TIP_IKE_MSG_MAX];
    const tip_test_sent_t *s;
    tip_ike_sa_t *sa_a, *sa_b;
    tip_ike_msg_t m, inner, am, ainner;
    tip_ike_notify_t n;
    size_t len, alen;
    (void)state;
    pair(17);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_int_equal(deliver_last(A), TIP_OK); /* IKE_SA_INIT request */
    assert_int_equal(deliver_last(B), TIP_OK); /* its response: a sends IKE_AUTH */
    sa_a = sa_in(A, TIP_IKE_S_AUTH_SENT);
    sa_b = sa_in(B, TIP_IKE_S_INIT_DONE);
    assert_non_null(sa_a);
    assert_non_null(sa_b);
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[B]), TIP_IKE_MSG_BUFS - 2u);
    tables_ok(B);

    /* a's IKE_AUTH request, opened with b's keys. */
    s = take_last(A, req, &len);
    assert_int_equal(tip_ike_msg_parse(req, len, &m), TIP_OK);
    assert_int_equal(m.hdr.exchange, TIP_IKE_EXCH_IKE_AUTH);
    assert_int_equal(tip_ike_sk_open(sa_b, req, &m, &inner), TIP_OK);

    /* Message 1 with the unknown critical payload: refused, still half-open. */
    len = auth_request(&m, &inner, 1, 1, out);
    assert_int_equal(tip_ike_input(&sp.ctx[B], &sp.sim.n[A].addr, s->sport, &s->dst, s->dport,
                                   out, len), TIP_OK);
    (void)take_last(B, ans, &alen);
    assert_int_equal(tip_ike_msg_parse(ans, alen, &am), TIP_OK);
    assert_int_equal(tip_ike_sk_open(sa_a, ans, &am, &ainner), TIP_OK);
    assert_true(tip_ike_find_notify(&ainner, TIP_IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, &n));
    assert_int_equal(sa_b->state, TIP_IKE_S_INIT_DONE);
    tables_ok(B);

    /* Message 2 without it; a waits for its answer. */
    len = auth_request(&m, &inner, 2, 0, out);
    sa_a->msg_id_out = 2;
    assert_int_equal(tip_ike_input(&sp.ctx[B], &sp.sim.n[A].addr, s->sport, &s->dst, s->dport,
                                   out, len), TIP_OK);
    assert_int_equal(deliver_last(B), TIP_OK);
    assert_int_equal(sp.ev[A][TIP_EV_AUTH_FAILED], 0);
    assert_int_equal(sp.ev[A][TIP_EV_IKE_UP], 1);
    assert_int_equal(sp.ev[B][TIP_EV_IKE_UP], 1);
    assert_true(both_up(NULL));
    /* What the handshake borrowed is back: b keeps its cached response. */
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[A]), TIP_IKE_MSG_BUFS);
    assert_int_equal(tip_ike_buf_free_count(&sp.ctx[B]), TIP_IKE_MSG_BUFS - 1u);
    tables_ok(A);
    tables_ok(B);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_returns_buffers),
        cmocka_unit_test(test_initiate_refused_when_pool_empty),
        cmocka_unit_test(test_responder_waits_for_buffers),
        cmocka_unit_test(test_peer_request_waits_for_a_buffer),
        cmocka_unit_test(test_own_rekey_refused_when_pool_empty),
        cmocka_unit_test(test_released_handle_is_stale),
        cmocka_unit_test(test_auth_after_unsupported_critical),
    };
    return cmocka_run_group_tests_name("ike_pool", tests, NULL, NULL);
}
