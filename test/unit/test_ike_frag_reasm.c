/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Reassembly of a peer's Encrypted Fragment payloads (RFC 7383 2.6): two
 * gateways set up an IKE SA with fragmentation, then the test sends the
 * responder INFORMATIONAL requests in fragments it builds with the
 * initiator's keys: in any order, numbered wrongly, forged, duplicated,
 * re-fragmented, incomplete, too large, or while another peer's message
 * is being reassembled. A message is acted on once, when it is complete;
 * everything else is dropped, counted per reason, and changes nothing.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_FRAG TIP_CONF_AES_GCM
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_MAX_IKE_CONN>=2 TIP_MAX_IKE_SA>=3
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

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;
static uint8_t plain[TIP_IKE_MSG_MAX + 64]; /* the whole message's inner payloads */
static size_t plain_len;
static uint32_t iv_ctr;

static int both_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&a, conn_a, &sa) == TIP_OK && tip_ike_status(&b, conn_b, &sb) == TIP_OK &&
           sa.child_up && sb.child_up;
}

static tip_ike_sa_t *sa_of(tip_ctx_t *c, tip_handle_t conn)
{
    return &c->ike.sa[tip_handle_idx(c->ike.conn[tip_handle_idx(conn)].ike_sa)];
}

/* a and b with an IKE SA; fragmentation negotiated unless @p off. */
static void pair(uint8_t off)
{
    tip_port_t p;
    tip_ike_conn_t k;

    (void)tip_ctx_deinit(&a);
    (void)tip_ctx_deinit(&b);
    tip_test_port_init(&pa, 7, 1000);
    tip_test_port_init(&pb, 8, 1000);
    tip_test_port_fill(&pa, &p);
    assert_int_equal(tip_ctx_init(&a, &p), TIP_OK);
    tip_test_port_fill(&pb, &p);
    assert_int_equal(tip_ctx_init(&b, &p), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    k.no_frag = off;
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", 7);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_up, NULL, 5000));
    assert_int_equal(sa_of(&b, conn_b)->frag_ok, off ? 0 : 1);
    /* The message: one Vendor ID payload of @p n bytes (b answers it empty). */
    plain_len = 4u + 600u;
    memset(plain, 0x3C, plain_len);
    plain[0] = TIP_IKE_PL_NONE;
    plain[1] = 0;
    plain[2] = (uint8_t)(plain_len >> 8);
    plain[3] = (uint8_t)plain_len;
}

/* Fragment @p num of @p total carrying plain[from, from + n), sent to b
 * with a's keys (as a would); @p np: its Next Payload; @p flip: corrupt
 * the ICV. Returns what tip_ike_input() said. */
static int send_frag(uint16_t num, uint16_t total, uint8_t np, size_t from, size_t n, int flip)
{
    static uint8_t out[TIP_IKE_DGRAM_MAX];
    tip_ike_sa_t *sa = sa_of(&a, conn_a);
    tip_addr_t src = tip_test_addr("10.99.0.1"), dst = tip_test_addr("10.99.0.2");
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;

    tip_ike_hdr_request(sa, TIP_IKE_EXCH_INFORMATIONAL, &h);
    tip_ike_w_init(&w, out, sizeof(out));
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_w_skf_begin(&w, num, total, np, sa->sk_iv_len);
    iv_ctr++;
    memcpy(w.buf + w.sk_iv, &iv_ctr, sizeof(iv_ctr)); /* a fresh IV per fragment */
    tip_ike_w_bytes(&w, plain + from, n);
    assert_int_equal(tip_ike_sk_seal(sa, &w, &len), TIP_OK);
    if (flip)
        out[len - 1u] ^= 0x01;
    return tip_ike_input(&b, &src, 500, &dst, 500, out, len);
}

/* Fragment @p num of the message cut into @p total equal pieces. */
static int piece(uint16_t num, uint16_t total, int flip)
{
    size_t chunk = (plain_len + total - 1u) / total, from = (size_t)(num - 1u) * chunk;
    size_t n = num < total ? chunk : plain_len - from;
    return send_frag(num, total, num == 1 ? TIP_IKE_PL_V : TIP_IKE_PL_NONE, from, n, flip);
}

static uint32_t msg_id_in(void)
{
    return sa_of(&b, conn_b)->msg_id_in;
}

static uint32_t drops(tip_ike_frag_drop_t why)
{
    return b.ike.frag_drops[why];
}

/* Out of order, the fragments make one message, acted on once it is
 * complete (b answers then), and the pool buffer goes back. */
static void test_any_order_makes_one_message(void **state)
{
    uint32_t id, sent;
    unsigned free_before;
    (void)state;
    pair(0);
    id = msg_id_in();
    sent = tip_test_port_count(&pb);
    free_before = tip_ike_buf_free_count(&b);
    assert_int_equal(piece(3, 3, 0), TIP_OK);
    assert_int_equal(piece(1, 3, 0), TIP_OK);
    assert_int_equal(msg_id_in(), id); /* not yet */
    assert_int_equal(tip_test_port_count(&pb), sent);
    assert_int_equal(tip_ike_buf_free_count(&b), free_before - 1u);
    assert_int_equal(piece(2, 3, 0), TIP_OK);
    assert_int_equal(msg_id_in(), id + 1u);
    assert_int_equal(tip_test_port_count(&pb), sent + 1u); /* the response */
    assert_int_equal(b.ike.frag_msgs, 1);
    /* The reassembly buffer went back; the response is cached in another. */
    assert_int_equal(b.ike.reasm.total, 0);
    assert_int_equal(tip_ike_buf_free_count(&b), free_before);
}

/* An empty fragment (allowed: its content is just shorter) arriving
 * before the others takes no room and the message still comes out whole. */
static void test_empty_fragment(void **state)
{
    uint32_t id;
    (void)state;
    pair(0);
    id = msg_id_in();
    assert_int_equal(send_frag(3, 3, TIP_IKE_PL_NONE, 0, 0, 0), TIP_OK);
    assert_int_equal(send_frag(2, 3, TIP_IKE_PL_NONE, 300, plain_len - 300, 0), TIP_OK);
    assert_int_equal(send_frag(1, 3, TIP_IKE_PL_V, 0, 300, 0), TIP_OK);
    assert_int_equal(msg_id_in(), id + 1u); /* parsed as one Vendor ID payload: answered */
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_INVALID), 0);
}

/* Fragment Number 0, above Total, or a Total above TIP_IKE_FRAG_MAX. */
static void test_bad_numbers_dropped(void **state)
{
    uint32_t id;
    (void)state;
    pair(0);
    id = msg_id_in();
    assert_int_not_equal(send_frag(0, 3, TIP_IKE_PL_V, 0, 100, 0), TIP_OK);
    assert_int_not_equal(send_frag(4, 3, TIP_IKE_PL_NONE, 0, 100, 0), TIP_OK);
    assert_int_not_equal(send_frag(1, TIP_IKE_FRAG_MAX + 1, TIP_IKE_PL_V, 0, 100, 0), TIP_OK);
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_NUMBER), 3);
    assert_int_equal(b.ike.reasm.total, 0);
    assert_int_equal(msg_id_in(), id);
}

/* A fragment that does not authenticate is dropped before anything is
 * kept: it neither takes a slot nor restarts the reassembly. */
static void test_forged_fragment_changes_nothing(void **state)
{
    uint32_t id;
    (void)state;
    pair(0);
    id = msg_id_in();
    assert_int_not_equal(piece(1, 2, 1), TIP_OK);
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_AUTH), 1);
    assert_int_equal(b.ike.reasm.total, 0); /* nothing held */
    assert_int_equal(piece(1, 2, 0), TIP_OK);
    /* A forged re-fragmentation (a larger Total) does not restart it. */
    assert_int_not_equal(piece(1, 3, 1), TIP_OK);
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_AUTH), 2);
    assert_int_equal(b.ike.reasm.total, 2);
    assert_int_equal(b.ike.reasm.have, 1);
    assert_int_equal(piece(2, 2, 0), TIP_OK);
    assert_int_equal(msg_id_in(), id + 1u);
}

/* A fragment held already is ignored. */
static void test_duplicate_ignored(void **state)
{
    uint32_t sent;
    (void)state;
    pair(0);
    sent = tip_test_port_count(&pb);
    assert_int_equal(piece(1, 2, 0), TIP_OK);
    assert_int_not_equal(piece(1, 2, 0), TIP_OK);
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_DUPLICATE), 1);
    assert_int_equal(piece(2, 2, 0), TIP_OK);
    assert_int_equal(tip_test_port_count(&pb), sent + 1u);
    assert_int_equal(b.ike.frag_msgs, 1);
}

/* RFC 7383 2.6: a larger Total for the same message starts again (the
 * sender re-fragmented it), a smaller one is stale and dropped. */
static void test_total_changes(void **state)
{
    uint32_t id;
    (void)state;
    pair(0);
    id = msg_id_in();
    assert_int_equal(piece(1, 2, 0), TIP_OK);
    assert_int_equal(piece(2, 3, 0), TIP_OK); /* re-fragmented: starts again */
    assert_int_equal(b.ike.reasm.total, 3);
    assert_int_equal(b.ike.reasm.have, 1);
    assert_int_not_equal(piece(2, 2, 0), TIP_OK); /* the old cut: stale */
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_TOTAL), 1);
    assert_int_equal(msg_id_in(), id);
    assert_int_equal(piece(3, 3, 0), TIP_OK);
    assert_int_equal(piece(1, 3, 0), TIP_OK);
    assert_int_equal(msg_id_in(), id + 1u);
}

/* Fragment 1 must name the first inner payload. */
static void test_first_fragment_next_payload(void **state)
{
    (void)state;
    pair(0);
    assert_int_not_equal(send_frag(1, 2, TIP_IKE_PL_NONE, 0, 300, 0), TIP_OK);
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_FIRST_NP), 1);
    assert_int_equal(b.ike.reasm.total, 0);
}

/* A message not complete in time is dropped, its buffer freed. */
static void test_incomplete_times_out(void **state)
{
    uint32_t id, sent;
    unsigned free_before;
    (void)state;
    pair(0);
    id = msg_id_in();
    sent = tip_test_port_count(&pb);
    free_before = tip_ike_buf_free_count(&b);
    assert_int_equal(piece(1, 2, 0), TIP_OK);
    assert_int_equal(tip_ike_buf_free_count(&b), free_before - 1u);
    /* tip_poll() says when it expires. */
    assert_true(tip_poll(&b, pb.now_ms) <= TIP_IKE_FRAG_REASM_MS);
    tip_test_port_advance(&pb, TIP_IKE_FRAG_REASM_MS);
    (void)tip_poll(&b, pb.now_ms);
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_TIMEOUT), 1);
    assert_int_equal(tip_ike_buf_free_count(&b), free_before);
    assert_int_equal(piece(2, 2, 0), TIP_OK); /* alone now: not complete */
    assert_int_equal(msg_id_in(), id);
    assert_int_equal(tip_test_port_count(&pb), sent);
}

/* A message larger than TIP_IKE_MSG_MAX is not reassembled. */
static void test_too_large_dropped(void **state)
{
    size_t chunk = TIP_IKE_DGRAM_MAX - 100u, n = TIP_IKE_MSG_MAX / chunk + 1u, i;
    uint32_t id;
    (void)state;
    pair(0);
    id = msg_id_in();
    assert_true(n <= TIP_IKE_FRAG_MAX);
    memset(plain, 0x11, sizeof(plain));
    for (i = 1; i <= n; i++)
        (void)send_frag((uint16_t)i, (uint16_t)n, i == 1 ? TIP_IKE_PL_V : 0, 0, chunk, 0);
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_TOO_LARGE), 1);
    assert_int_equal(msg_id_in(), id);
}

/* Without negotiation, fragments are not taken at all. */
static void test_unnegotiated_dropped(void **state)
{
    uint32_t id, sent;
    (void)state;
    pair(1);
    id = msg_id_in();
    sent = tip_test_port_count(&pb);
    assert_int_not_equal(piece(1, 1, 0), TIP_OK);
    assert_int_equal(drops(TIP_IKE_FRAG_DROP_UNNEGOTIATED), 1);
    assert_int_equal(msg_id_in(), id);
    assert_int_equal(tip_test_port_count(&pb), sent);
}

/* One message is reassembled at a time per context: a second peer's
 * fragments wait (dropped, counted) until the first message is complete,
 * then go through. */
static void test_second_peer_waits(void **state)
{
    static tip_test_port_t pc;
    static tip_ctx_t c;
    tip_handle_t conn_c, conn_bc;
    tip_ike_conn_t k;
    tip_port_t p;
    tip_ike_sa_t *sa_c, *sa_a;
    tip_ike_status_t st;
    uint32_t id_a;
    (void)state;
    pair(0);
    tip_test_port_init(&pc, 9, pa.now_ms);
    tip_test_port_fill(&pc, &p);
    (void)tip_ctx_deinit(&c);
    assert_int_equal(tip_ctx_init(&c, &p), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.3", "10.99.0.2", "c.test", "b.test", "10.3.0.0", "10.2.0.0");
    assert_int_equal(tip_ike_conn_add(&c, &k, &conn_c), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.3", "b.test", "c.test", "10.2.0.0", "10.3.0.0");
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_bc), TIP_OK);
    (void)tip_sim_add(&sim, &c, &pc, "10.99.0.3");
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    tip_sim_run(&sim, 500, 50);
    assert_int_equal(tip_ike_status(&c, conn_c, &st), TIP_OK);
    assert_true(st.child_up);
    sa_c = sa_of(&c, conn_c);
    sa_a = sa_of(&a, conn_a);
    id_a = msg_id_in();
    assert_int_equal(piece(1, 2, 0), TIP_OK); /* a's message, half there */
    /* c's fragment, with c's keys and address */
    {
        static uint8_t out[TIP_IKE_DGRAM_MAX];
        tip_addr_t src = tip_test_addr("10.99.0.3"), dst = tip_test_addr("10.99.0.2");
        tip_ike_hdr_t h;
        tip_ike_w_t w;
        size_t len;
        tip_ike_hdr_request(sa_c, TIP_IKE_EXCH_INFORMATIONAL, &h);
        tip_ike_w_init(&w, out, sizeof(out));
        tip_ike_w_hdr(&w, &h);
        (void)tip_ike_w_skf_begin(&w, 1, 1, TIP_IKE_PL_V, sa_c->sk_iv_len);
        tip_ike_w_bytes(&w, plain, plain_len);
        assert_int_equal(tip_ike_sk_seal(sa_c, &w, &len), TIP_OK);
        assert_int_not_equal(tip_ike_input(&b, &src, 500, &dst, 500, out, len), TIP_OK);
        assert_int_equal(drops(TIP_IKE_FRAG_DROP_BUSY), 1);
        assert_int_equal(b.ike.reasm.have, 1); /* a's fragment still held */
        assert_int_equal(piece(2, 2, 0), TIP_OK);
        assert_int_equal(msg_id_in(), id_a + 1u);
        /* now c's retransmission goes through */
        assert_int_equal(tip_ike_input(&b, &src, 500, &dst, 500, out, len), TIP_OK);
        assert_int_equal(b.ike.frag_msgs, 2);
    }
    (void)sa_a;
    (void)tip_ctx_deinit(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_any_order_makes_one_message),
        cmocka_unit_test(test_empty_fragment),
        cmocka_unit_test(test_bad_numbers_dropped),
        cmocka_unit_test(test_forged_fragment_changes_nothing),
        cmocka_unit_test(test_duplicate_ignored),
        cmocka_unit_test(test_total_changes),
        cmocka_unit_test(test_first_fragment_next_payload),
        cmocka_unit_test(test_incomplete_times_out),
        cmocka_unit_test(test_too_large_dropped),
        cmocka_unit_test(test_unnegotiated_dropped),
        cmocka_unit_test(test_second_peer_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
