/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * MOBIKE (RFC 4555) in IKE_AUTH, over the simulated network: the
 * initiator a (10.99.0.1) and the responder b (10.99.0.2), no NAT between
 * them. RFC 4555 3.9: NO_NATS_ALLOWED in the IKE_AUTH request that does not
 * match the IP header is answered with UNEXPECTED_NAT_DETECTED and the
 * IKE SA is not created on either side; one that matches is accepted.
 * tinyipsec never sends NO_NATS_ALLOWED itself: the test puts it into a's
 * IKE_AUTH request (decrypted, one notify added, encrypted again with a's
 * keys), as an initiator that prohibits NATs would send it.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_MOBIKE TIP_MAX_IKE_SA>=2
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "ike/ike_core.h"
#include "tip_sim.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;
static int ev[2][TIP_EV_COUNT_];

static void on_event(void *arg, const tip_event_t *e)
{
    ev[(int)(intptr_t)arg][e->type]++;
}

/* Two contexts with their connections (MOBIKE off on a / b when asked);
 * a has sent its IKE_SA_INIT, nothing delivered yet. */
static void start(uint64_t seed, int a_no_mobike, int b_no_mobike)
{
    tip_port_t p;
    tip_ike_conn_t k;

    (void)tip_ctx_deinit(&a);
    (void)tip_ctx_deinit(&b);
    memset(ev, 0, sizeof(ev));
    tip_test_port_init(&pa, seed, 1000);
    tip_test_port_init(&pb, seed + 1, 1000);
    tip_test_port_fill(&pa, &p);
    assert_int_equal(tip_ctx_init(&a, &p), TIP_OK);
    tip_test_port_fill(&pb, &p);
    assert_int_equal(tip_ctx_init(&b, &p), TIP_OK);
    tip_ctx_set_event_cb(&a, on_event, (void *)(intptr_t)0);
    tip_ctx_set_event_cb(&b, on_event, (void *)(intptr_t)1);
    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    k.no_mobike = (uint8_t)a_no_mobike;
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    k.no_mobike = (uint8_t)b_no_mobike;
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", seed);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
}

/* The IKE SA of @p c in state @p state. */
static tip_ike_sa_t *sa_in(tip_ctx_t *c, int state)
{
    unsigned i;
    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (c->ike.sa[i].state == state)
            return &c->ike.sa[i];
    return NULL;
}

static unsigned sa_count(const tip_ctx_t *c)
{
    unsigned i, n = 0;
    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += c->ike.sa[i].state != TIP_IKE_S_FREE;
    return n;
}

/* The last datagram node @p from sent. */
static const tip_test_sent_t *last_sent(unsigned from)
{
    tip_test_port_t *port = sim.n[from].port;
    const tip_test_sent_t *s = tip_test_port_get(port, tip_test_port_count(port) - 1u);
    assert_non_null(s);
    return s;
}

/* An IKE datagram: the message without the non-ESP marker of port 4500. */
static size_t ike_copy(const tip_test_sent_t *s, uint8_t *out)
{
    size_t skip = s->dport == TIP_PORT_NATT ? 4u : 0u;
    assert_true(s->len > skip);
    memcpy(out, s->data + skip, s->len - skip);
    return s->len - skip;
}

/* Give the last datagram of node @p from to @p to, unchanged, as the network would. */
static int deliver_last(unsigned from, tip_ctx_t *to)
{
    static uint8_t copy[TIP_TEST_PORT_PKT_MAX];
    const tip_test_sent_t *s = last_sent(from);
    tip_addr_t src = sim.n[from].addr;
    size_t len = ike_copy(s, copy);

    sim.n[from].consumed = tip_test_port_count(sim.n[from].port);
    return tip_ike_input(to, &src, s->sport, &s->dst, s->dport, copy, len);
}

/* IKE_SA_INIT both ways: a has sent its IKE_AUTH request, b holds it not yet. */
static void init_exchanged(void)
{
    assert_int_equal(deliver_last(0, &b), TIP_OK);
    assert_int_equal(deliver_last(1, &a), TIP_OK);
    assert_non_null(sa_in(&a, TIP_IKE_S_AUTH_SENT));
}

/* NO_NATS_ALLOWED data (RFC 4555 4.2.7, IPv4): source and destination
 * address, source and destination port, as the sender sees them. */
static void no_nats4(uint8_t out[12], const char *src, uint16_t sport, const char *dst,
                     uint16_t dport)
{
    tip_addr_t s = tip_test_addr(src), d = tip_test_addr(dst);
    memcpy(out, s.addr, 4);
    memcpy(out + 4, d.addr, 4);
    out[8] = (uint8_t)(sport >> 8);
    out[9] = (uint8_t)sport;
    out[10] = (uint8_t)(dport >> 8);
    out[11] = (uint8_t)dport;
}

/*
 * a's IKE_AUTH request (the last datagram a sent) with NO_NATS_ALLOWED
 * (@p nn) as the first payload inside SK, encrypted with a's keys, given to
 * b from a's address and port. Returns what tip_ike_input() said.
 */
static uint8_t auth_out[TIP_IKE_DGRAM_MAX];
static size_t auth_out_len;
static tip_test_sent_t auth_sent;

static int deliver_auth_with_no_nats(const uint8_t *nn, size_t nn_len)
{
    static uint8_t buf[TIP_IKE_DGRAM_MAX];
    uint8_t *out = auth_out;
    const tip_test_sent_t *s = last_sent(0);
    tip_ike_sa_t *sa_a = sa_in(&a, TIP_IKE_S_AUTH_SENT);
    tip_ike_sa_t *sa_b = sa_in(&b, TIP_IKE_S_INIT_DONE);
    tip_addr_t src = sim.n[0].addr;
    tip_ike_msg_t m, inner;
    tip_ike_w_t w;
    size_t len = ike_copy(s, buf);
    unsigned i;

    assert_non_null(sa_a);
    assert_non_null(sa_b);
    assert_int_equal(tip_ike_msg_parse(buf, len, &m), TIP_OK);
    assert_int_equal(m.hdr.exchange, TIP_IKE_EXCH_IKE_AUTH);
    assert_int_equal(tip_ike_sk_open(sa_b, buf, &m, &inner), TIP_OK);
    tip_ike_w_init(&w, out, sizeof(auth_out));
    tip_ike_w_hdr(&w, &m.hdr);
    (void)tip_ike_sk_begin(&a, sa_a, &w);
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_NO_NATS_ALLOWED, nn, nn_len);
    for (i = 0; i < inner.count; i++)
        tip_ike_w_payload(&w, inner.pl[i].type, inner.pl[i].critical,
                          tip_ike_pl_body(&inner, &inner.pl[i]), inner.pl[i].len);
    assert_int_equal(tip_ike_sk_end(sa_a, &w, &len), TIP_OK);
    sim.n[0].consumed = tip_test_port_count(&pa);
    auth_sent = *s;
    auth_out_len = len;
    return tip_ike_input(&b, &src, s->sport, &s->dst, s->dport, out, len);
}

/* The request deliver_auth_with_no_nats() made, given to b once more. */
static int deliver_auth_again(void)
{
    static uint8_t copy[TIP_IKE_DGRAM_MAX];
    tip_addr_t src = sim.n[0].addr;

    memcpy(copy, auth_out, auth_out_len);
    return tip_ike_input(&b, &src, auth_sent.sport, &auth_sent.dst, auth_sent.dport, copy,
                         auth_out_len);
}

/* Whether b's last message (an IKE_AUTH response) carries notify @p type. */
static int b_answer_has(uint16_t type)
{
    static uint8_t buf[TIP_IKE_DGRAM_MAX];
    tip_ike_sa_t *sa_a = sa_in(&a, TIP_IKE_S_AUTH_SENT);
    size_t len = ike_copy(last_sent(1), buf);
    tip_ike_msg_t m, inner;
    tip_ike_notify_t n;

    assert_non_null(sa_a);
    assert_int_equal(tip_ike_msg_parse(buf, len, &m), TIP_OK);
    assert_int_equal(m.hdr.exchange, TIP_IKE_EXCH_IKE_AUTH);
    assert_true((m.hdr.flags & TIP_IKE_FLAG_RESPONSE) != 0);
    assert_int_equal(tip_ike_sk_open(sa_a, buf, &m, &inner), TIP_OK);
    return tip_ike_find_notify(&inner, type, &n);
}

/* Traffic both ways through the CHILD SA; returns 1 when both arrived. */
static int traffic_both_ways(uint8_t fill)
{
    uint32_t ra = sim.n[0].rx_data, rb = sim.n[1].rx_data;
    if (tip_sim_send_udp(&a, "10.1.0.5", "10.2.0.7", fill) != TIP_SENT)
        return 0;
    tip_sim_pump(&sim);
    if (tip_sim_send_udp(&b, "10.2.0.7", "10.1.0.5", fill) != TIP_SENT)
        return 0;
    tip_sim_pump(&sim);
    return sim.n[1].rx_data > rb && sim.n[0].rx_data > ra;
}

/*
 * RFC 4555 3.9: NO_NATS_ALLOWED in the IKE_AUTH request names another
 * source than the IP header shows (a NAT rewrote it): b answers
 * UNEXPECTED_NAT_DETECTED and creates no IKE SA (RFC 7296 2.21.2); a's
 * IKE SA ends with the answer.
 */
static void test_mobike_auth_no_nats_mismatch(void **state)
{
    const tip_test_sent_t *s;
    tip_ike_status_t st;
    uint8_t nn[12];
    (void)state;

    start(91, 0, 0);
    init_exchanged();
    s = last_sent(0);
    no_nats4(nn, "10.99.0.9", s->sport, "10.99.0.2", s->dport);
    assert_int_equal(deliver_auth_with_no_nats(nn, sizeof(nn)), TIP_OK);
    assert_true(b_answer_has(TIP_IKE_N_UNEXPECTED_NAT_DETECTED));
    assert_false(b_answer_has(TIP_IKE_N_MOBIKE_SUPPORTED));
    assert_int_equal(sa_count(&b), 0);
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 0);
    assert_int_equal(ev[1][TIP_EV_CHILD_UP], 0);
    /* A retransmission of the request finds nothing to answer it. */
    assert_int_not_equal(deliver_auth_again(), TIP_OK);
    assert_int_equal(sa_count(&b), 0);
    assert_int_equal(deliver_last(1, &a), TIP_OK);
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 0);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
    assert_false(st.ike_up);
}

/* The same with a wrong length (IPv4: 12 octets): no match either. */
static void test_mobike_auth_no_nats_bad_length(void **state)
{
    const tip_test_sent_t *s;
    uint8_t nn[12];
    (void)state;

    start(92, 0, 0);
    init_exchanged();
    s = last_sent(0);
    no_nats4(nn, "10.99.0.1", s->sport, "10.99.0.2", s->dport);
    assert_int_equal(deliver_auth_with_no_nats(nn, 11), TIP_OK);
    assert_true(b_answer_has(TIP_IKE_N_UNEXPECTED_NAT_DETECTED));
    assert_int_equal(sa_count(&b), 0);
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 0);
}

/* RFC 4555 3.9: NO_NATS_ALLOWED that matches the IP header: the IKE SA is made. */
static void test_mobike_auth_no_nats_match(void **state)
{
    const tip_test_sent_t *s;
    tip_ike_status_t sa, sb;
    uint8_t nn[12];
    (void)state;

    start(93, 0, 0);
    init_exchanged();
    s = last_sent(0);
    no_nats4(nn, "10.99.0.1", s->sport, "10.99.0.2", s->dport);
    assert_int_equal(deliver_auth_with_no_nats(nn, sizeof(nn)), TIP_OK);
    assert_false(b_answer_has(TIP_IKE_N_UNEXPECTED_NAT_DETECTED));
    assert_true(b_answer_has(TIP_IKE_N_MOBIKE_SUPPORTED));
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 1);
    assert_int_equal(deliver_last(1, &a), TIP_OK);
    assert_int_equal(tip_ike_status(&a, conn_a, &sa), TIP_OK);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(sa.ike_up && sa.child_up && sa.peer_mobike);
    assert_true(sb.ike_up && sb.child_up && sb.peer_mobike);
    assert_true(traffic_both_ways(0x93));
}

/* A responder with MOBIKE off does not take part in it: the notify is not looked at. */
static void test_mobike_auth_no_nats_ignored_without_mobike(void **state)
{
    const tip_test_sent_t *s;
    tip_ike_status_t sb;
    uint8_t nn[12];
    (void)state;

    start(94, 0, 1);
    init_exchanged();
    s = last_sent(0);
    no_nats4(nn, "10.99.0.9", s->sport, "10.99.0.2", s->dport);
    assert_int_equal(deliver_auth_with_no_nats(nn, sizeof(nn)), TIP_OK);
    assert_false(b_answer_has(TIP_IKE_N_UNEXPECTED_NAT_DETECTED));
    assert_int_equal(deliver_last(1, &a), TIP_OK);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(sb.ike_up && sb.child_up);
    assert_false(sb.peer_mobike);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mobike_auth_no_nats_mismatch),
        cmocka_unit_test(test_mobike_auth_no_nats_bad_length),
        cmocka_unit_test(test_mobike_auth_no_nats_match),
        cmocka_unit_test(test_mobike_auth_no_nats_ignored_without_mobike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
