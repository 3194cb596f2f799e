/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * MOBIKE (RFC 4555) from the responder's side, over the simulated network:
 * the gateway b (10.99.0.2) follows an authenticated UPDATE_SA_ADDRESSES of
 * the device a (10.99.0.1) with its IKE SA at once, but moves its CHILD SAs
 * (ESP) only after a return-routability check (an INFORMATIONAL with
 * COOKIE2 to the new address, echoed by the peer); a wrong echo closes the
 * IKE SA; an update whose source was rewritten on the way moves no ESP; a
 * plain request from another address moves nothing (3.8) but is answered
 * there; NO_NATS_ALLOWED that does not match the IP header is answered with
 * UNEXPECTED_NAT_DETECTED (3.9); malformed ADDITIONAL_* notifies are
 * refused (3.6, 4.2); INFORMATIONAL answers echo COOKIE2 and NAT detection
 * (3.7, 3.8); all of it over a lossy, duplicating, reordering network.
 * Requests with chosen notifies are built with the library's own writer
 * on a's IKE SA, as a peer with those options would send them.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_MOBIKE TIP_MAX_IKE_SA>=2 TIP_CONF_AES_GCM
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_IKE_REKEY_IKE (rekeys the IKE SA)
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

static int same_addr(const tip_addr_t *x, const tip_addr_t *y)
{
    return x->family == y->family && memcmp(x->addr, y->addr, sizeof(x->addr)) == 0;
}

/* a initiates from 10.99.0.1, b answers at 10.99.0.2; both up. */
static void pair_up(uint64_t seed)
{
    tip_port_t p;
    tip_ike_conn_t k;
    tip_ike_status_t st;

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
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", seed);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 2000, 10);
    assert_int_equal(tip_ike_status(&a, conn_a, &st), TIP_OK);
    assert_true(st.ike_up && st.child_up);
}

/* The established IKE SA of context @p c. */
static tip_ike_sa_t *ike_sa(tip_ctx_t *c)
{
    unsigned i;
    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (c->ike.sa[i].state == TIP_IKE_S_ESTABLISHED)
            return &c->ike.sa[i];
    return NULL;
}

/* Where @p c's outbound ESP of its first CHILD SA goes. */
static tip_addr_t esp_dst(tip_ctx_t *c)
{
    tip_ike_sa_t *sa = ike_sa(c);
    tip_sa_t *out;
    int err;
    tip_addr_t none;

    memset(&none, 0, sizeof(none));
    if (sa == NULL)
        return none;
    out = tip_sa_get(c, sa->child[0].sa_out, &err);
    return out != NULL ? out->dst : none;
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

typedef struct {
    uint16_t type;
    const uint8_t *data;
    size_t len;
} note_t;

/*
 * Send, on @p c's IKE SA, an INFORMATIONAL request with the notifies
 * @p n[0..count) (in that order) as the exchange of kind @p kind.
 */
static void send_info(tip_ctx_t *c, const note_t *n, unsigned count, uint8_t kind)
{
    tip_ike_sa_t *sa = ike_sa(c);
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    unsigned i;

    assert_non_null(sa);
    assert_false(sa->req_outstanding);
    assert_non_null(tip_ike_buf_take(c, &sa->req_buf));
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_INFORMATIONAL, &h);
    assert_non_null(tip_ike_w_pool(c, &sa->req_buf, &w));
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(c, sa, &w);
    for (i = 0; i < count; i++)
        tip_ike_w_notify(&w, 0, NULL, 0, n[i].type, n[i].data, n[i].len);
    assert_int_equal(tip_ike_sk_end(sa, &w, &len), TIP_OK);
    assert_int_equal(tip_ike_send_request(c, sa, len, kind), TIP_OK);
}

/* a's UPDATE_SA_ADDRESSES with fresh COOKIE2 and NAT detection plus @p extra. */
static void send_update(const note_t *extra, unsigned nextra)
{
    tip_ike_sa_t *sa = ike_sa(&a);
    uint8_t natd[2][20];
    note_t n[8];
    unsigned k = 0, i;

    assert_non_null(sa);
    assert_true(nextra <= 4);
    assert_int_equal(tip_ike_natd(sa->spi_i, sa->spi_r, &sa->local, sa->lport, natd[0]), TIP_OK);
    assert_int_equal(tip_ike_natd(sa->spi_i, sa->spi_r, &sa->remote, sa->rport, natd[1]), TIP_OK);
    memset(sa->cookie2, 0xC2, sizeof(sa->cookie2));
    n[k++] = (note_t){TIP_IKE_N_UPDATE_SA_ADDRESSES, NULL, 0};
    for (i = 0; i < nextra; i++)
        n[k++] = extra[i];
    n[k++] = (note_t){TIP_IKE_N_NAT_DETECTION_SOURCE_IP, natd[0], 20};
    n[k++] = (note_t){TIP_IKE_N_NAT_DETECTION_DESTINATION_IP, natd[1], 20};
    n[k++] = (note_t){TIP_IKE_N_COOKIE2, sa->cookie2, sizeof(sa->cookie2)};
    send_info(&a, n, k, TIP_IKE_P_MOBIKE_UPDATE);
}

/*
 * Open the last IKE message @p port sent, with @p owner's IKE SA (the
 * receiver's keys are the same pair), and find notify @p type in it.
 */
static int last_ike_has(tip_test_port_t *port, tip_ctx_t *owner, uint16_t type,
                        tip_ike_notify_t *n)
{
    static uint8_t buf[TIP_IKE_DGRAM_MAX];
    const tip_test_sent_t *s = NULL;
    tip_ike_msg_t m, inner;
    uint32_t i = tip_test_port_count(port);
    size_t skip;

    while (i-- > 0) {
        s = tip_test_port_get(port, i);
        if (s != NULL && s->kind == TIP_TEST_SENT_UDP &&
            (s->dport == TIP_PORT_IKE ||
             (s->len > 8 && memcmp(s->data, "\0\0\0\0", 4) == 0)))
            break;
        s = NULL;
    }
    assert_non_null(s);
    skip = s->dport == TIP_PORT_IKE ? 0u : 4u;
    memcpy(buf, s->data + skip, s->len - skip);
    assert_int_equal(tip_ike_msg_parse(buf, s->len - skip, &m), TIP_OK);
    assert_int_equal(tip_ike_sk_open(ike_sa(owner), buf, &m, &inner), TIP_OK);
    return tip_ike_find_notify(&inner, type, n);
}

/* Deliver everything queued, no time passing. */
static void pump(void)
{
    tip_sim_pump(&sim);
}

/*
 * Hand the last datagram node @p from sent to @p to as if it came from
 * @p src (the network does not deliver it itself). Returns what
 * tip_ike_input() said.
 */
static int deliver_last_as(unsigned from, tip_ctx_t *to, const char *src, const char *dst)
{
    static uint8_t copy[TIP_TEST_PORT_PKT_MAX];
    tip_test_port_t *port = sim.n[from].port;
    const tip_test_sent_t *s = tip_test_port_get(port, tip_test_port_count(port) - 1u);
    tip_addr_t sa = tip_test_addr(src), da = tip_test_addr(dst);
    size_t len;

    size_t skip;

    assert_non_null(s);
    skip = s->dport == TIP_PORT_NATT ? 4u : 0u; /* the non-ESP marker */
    assert_true(s->len > skip);
    len = s->len - skip;
    memcpy(copy, s->data + skip, len);
    sim.n[from].consumed = tip_test_port_count(port);
    return tip_ike_input(to, &sa, s->sport, &da, s->dport, copy, len);
}

/*
 * RFC 4555 3.5, 3.7: the IKE SA follows the update at once, ESP only after
 * the peer echoed the responder's COOKIE2 sent to the new address.
 */
static void test_mobike_resp_return_routability(void **state)
{
    tip_addr_t old_at = tip_test_addr("10.99.0.1");
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    const tip_test_sent_t *last;
    tip_ike_status_t sb;
    tip_ike_notify_t n;
    tip_ike_sa_t *sab;
    tip_addr_t d;
    (void)state;

    pair_up(71);
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    assert_int_equal(deliver_last_as(0, &b, "10.99.0.3", "10.99.0.2"), TIP_OK);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &now_at)); /* the IKE SA follows at once */
    d = esp_dst(&b);
    assert_true(same_addr(&d, &old_at)); /* ESP waits for the check */
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
    sab = ike_sa(&b);
    assert_non_null(sab);
    assert_true(sab->req_outstanding);
    last = tip_test_port_get(&pb, tip_test_port_count(&pb) - 1u);
    assert_non_null(last);
    assert_true(same_addr(&last->dst, &now_at));
    assert_true(last_ike_has(&pb, &a, TIP_IKE_N_COOKIE2, &n)); /* the check */
    assert_int_equal(n.len, sizeof(sab->cookie2));
    assert_memory_equal(n.data, sab->cookie2, sizeof(sab->cookie2));
    pump(); /* a gets the answer and the check, and echoes it */
    assert_false(sab->req_outstanding);
    d = esp_dst(&b);
    assert_true(same_addr(&d, &now_at));
    assert_int_equal(ev[0][TIP_EV_IKE_MOVED], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    assert_true(traffic_both_ways(0x71));
}

/*
 * RFC 4555 5.2, 3.7: an authenticated UPDATE_SA_ADDRESSES whose IP source
 * an attacker rewrote to a third party's address: the IKE SA answers
 * there, but no ESP goes there unless that address echoes the check, which
 * it never does; traffic keeps flowing on the old path.
 */
static void test_mobike_resp_spoofed_source_moves_no_esp(void **state)
{
    tip_addr_t old_at = tip_test_addr("10.99.0.1");
    uint32_t unroutable;
    tip_addr_t d;
    (void)state;

    pair_up(72);
    /* a refreshes its path (same address); the update is diverted. */
    assert_int_equal(tip_ike_update_address(&a, conn_a, &old_at), TIP_OK);
    assert_int_equal(deliver_last_as(0, &b, "10.99.0.66", "10.99.0.2"), TIP_OK);
    unroutable = sim.unroutable;
    pump();
    assert_true(sim.unroutable > unroutable); /* answer (and check) to 10.99.0.66 */
    d = esp_dst(&b);
    assert_true(same_addr(&d, &old_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
    assert_true(traffic_both_ways(0x72));
}

/* RFC 4555 3.7: an echo that is not our COOKIE2 closes the IKE SA; no move. */
static void test_mobike_resp_wrong_echo_closes(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_ike_sa_t *saa;
    (void)state;

    pair_up(73);
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    saa = ike_sa(&a);
    assert_non_null(saa);
    saa->cookie2[0] ^= 0x01; /* the echo will not be what a expects */
    pump();
    assert_int_equal(ev[0][TIP_EV_IKE_MOVED], 0);
    assert_null(ike_sa(&a)); /* being deleted, or gone */
    tip_sim_run(&sim, 500, 10);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
}

/*
 * RFC 4555 3.7 from b's side: the answer to b's check carries another
 * COOKIE2: b closes the IKE SA, and never moved ESP.
 */
static void test_mobike_resp_check_wrong_echo(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_addr_t old_at = tip_test_addr("10.99.0.1");
    tip_ike_sa_t *sab;
    tip_addr_t d;
    (void)state;

    pair_up(74);
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    assert_int_equal(deliver_last_as(0, &b, "10.99.0.3", "10.99.0.2"), TIP_OK);
    sab = ike_sa(&b);
    assert_non_null(sab);
    assert_true(sab->req_outstanding); /* the check is out */
    d = esp_dst(&b);
    assert_true(same_addr(&d, &old_at)); /* ESP waits for it */
    sab->cookie2[0] ^= 0x01;             /* the echo will not match */
    pump();
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
    assert_null(ike_sa(&b));
    d = esp_dst(&b);
    assert_int_equal(d.family, TIP_AF_NONE);
}

/*
 * The peer does not answer the check (its new address is a black hole
 * for what comes back): ESP never moves, and after the retransmissions
 * the IKE SA ends (RFC 7296 2.4).
 */
static void test_mobike_resp_check_unanswered(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_addr_t old_at = tip_test_addr("10.99.0.1");
    tip_addr_t d;
    (void)state;

    pair_up(79);
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    assert_int_equal(deliver_last_as(0, &b, "10.99.0.3", "10.99.0.2"), TIP_OK);
    sim.n[1].down = 1; /* nothing of b's reaches a any more */
    tip_sim_run(&sim, 5000, 10);
    d = esp_dst(&b);
    assert_true(same_addr(&d, &old_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
    tip_sim_run(&sim, 120000, 100);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
    assert_null(ike_sa(&b));
}

/* RFC 4555 3.7: INFORMATIONAL answers copy COOKIE2; 3.8: and NAT detection. */
static void test_mobike_info_answer_echoes_cookie2_and_natd(void **state)
{
    static const uint8_t cookie[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static const uint8_t too_long[65] = {7};
    tip_ike_sa_t *sab;
    uint8_t natd[2][20];
    tip_ike_notify_t n;
    note_t req[3];
    (void)state;

    pair_up(75);
    sab = ike_sa(&b);
    assert_non_null(sab);
    assert_int_equal(tip_ike_natd(sab->spi_i, sab->spi_r, &sab->local, sab->lport, natd[0]),
                     TIP_OK);
    assert_int_equal(tip_ike_natd(sab->spi_i, sab->spi_r, &sab->remote, sab->rport, natd[1]),
                     TIP_OK);
    req[0] = (note_t){TIP_IKE_N_NAT_DETECTION_SOURCE_IP, natd[0], 20};
    req[1] = (note_t){TIP_IKE_N_NAT_DETECTION_DESTINATION_IP, natd[1], 20};
    req[2] = (note_t){TIP_IKE_N_COOKIE2, cookie, sizeof(cookie)};
    send_info(&b, req, 3, TIP_IKE_P_DPD);
    assert_int_equal(deliver_last_as(1, &a, "10.99.0.2", "10.99.0.1"), TIP_OK);
    assert_true(last_ike_has(&pa, &b, TIP_IKE_N_COOKIE2, &n));
    assert_int_equal(n.len, sizeof(cookie));
    assert_memory_equal(n.data, cookie, sizeof(cookie));
    assert_true(last_ike_has(&pa, &b, TIP_IKE_N_NAT_DETECTION_SOURCE_IP, &n));
    assert_true(last_ike_has(&pa, &b, TIP_IKE_N_NAT_DETECTION_DESTINATION_IP, &n));
    pump();
    assert_false(sab->req_outstanding);
    /* RFC 4555 4.2.5: a COOKIE2 of more than 64 bytes is not copied. */
    req[0] = (note_t){TIP_IKE_N_COOKIE2, too_long, sizeof(too_long)};
    send_info(&b, req, 1, TIP_IKE_P_DPD);
    assert_int_equal(deliver_last_as(1, &a, "10.99.0.2", "10.99.0.1"), TIP_OK);
    assert_false(last_ike_has(&pa, &b, TIP_IKE_N_COOKIE2, &n));
    /* Nor one of fewer than 8. */
    pump();
    req[0] = (note_t){TIP_IKE_N_COOKIE2, cookie, 7};
    send_info(&b, req, 1, TIP_IKE_P_DPD);
    assert_int_equal(deliver_last_as(1, &a, "10.99.0.2", "10.99.0.1"), TIP_OK);
    assert_false(last_ike_has(&pa, &b, TIP_IKE_N_COOKIE2, &n));
}

/*
 * RFC 4555 3.8: the host not behind a NAT does not follow the peer's
 * address on a plain (non-update) request; RFC 7296 2.11: it answers
 * the request where it came from.
 */
static void test_mobike_plain_request_from_new_address_moves_nothing(void **state)
{
    tip_addr_t old_at = tip_test_addr("10.99.0.1");
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    const tip_test_sent_t *last;
    tip_ike_status_t sb;
    tip_addr_t d;
    (void)state;

    pair_up(76);
    /* Both on the NAT-T port first (a's update from where it is). */
    assert_int_equal(tip_ike_update_address(&a, conn_a, &old_at), TIP_OK);
    tip_sim_run(&sim, 100, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    sim.n[0].addr = now_at; /* a probes from another address, without an update */
    send_info(&a, NULL, 0, TIP_IKE_P_DPD);
    pump();
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &old_at));
    d = esp_dst(&b);
    assert_true(same_addr(&d, &old_at));
    last = tip_test_port_get(&pb, tip_test_port_count(&pb) - 1u);
    assert_non_null(last);
    assert_true(same_addr(&last->dst, &now_at)); /* answered where it came from */
    assert_false(ike_sa(&a)->req_outstanding);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
}

/* NO_NATS_ALLOWED data for the path @p src:sport -> @p dst:dport (IPv4). */
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

/* The device a is now at 10.99.0.3 (its update not sent yet). */
static void a_now_at_3(void)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    sim.n[0].addr = now_at;
    ike_sa(&a)->local = now_at;
}

/*
 * RFC 4555 3.9: NO_NATS_ALLOWED that does not match the IP header (a NAT
 * on the way): UNEXPECTED_NAT_DETECTED, nothing moves on either side; one
 * that matches: the update is followed.
 */
static void test_mobike_no_nats_allowed(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    uint8_t nn[12];
    note_t x;
    tip_ike_status_t sb;
    tip_ike_notify_t n;
    tip_addr_t d;
    (void)state;

    pair_up(77);
    a_now_at_3();
    /* a believes it sends from 10.99.0.9 (a NAT rewrote it to .3). */
    no_nats4(nn, "10.99.0.9", ike_sa(&a)->lport, "10.99.0.2", ike_sa(&a)->rport);
    x = (note_t){TIP_IKE_N_NO_NATS_ALLOWED, nn, sizeof(nn)};
    send_update(&x, 1);
    assert_int_equal(deliver_last_as(0, &b, "10.99.0.3", "10.99.0.2"), TIP_OK);
    assert_true(last_ike_has(&pb, &a, TIP_IKE_N_UNEXPECTED_NAT_DETECTED, &n));
    pump();
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_false(same_addr(&sb.peer_addr, &now_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
    assert_int_equal(ev[0][TIP_EV_IKE_MOVED], 0);
    assert_false(ike_sa(&a)->req_outstanding);
    /* Wrong length for IPv4: the same. */
    x.len = 11;
    send_update(&x, 1);
    assert_int_equal(deliver_last_as(0, &b, "10.99.0.3", "10.99.0.2"), TIP_OK);
    assert_true(last_ike_has(&pb, &a, TIP_IKE_N_UNEXPECTED_NAT_DETECTED, &n));
    pump();
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
    /* The true path: followed. */
    x.len = sizeof(nn);
    no_nats4(nn, "10.99.0.3", ike_sa(&a)->lport, "10.99.0.2", ike_sa(&a)->rport);
    send_update(&x, 1);
    tip_sim_run(&sim, 100, 10);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &now_at));
    d = esp_dst(&b);
    assert_true(same_addr(&d, &now_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_MOVED], 1);
}

/*
 * RFC 4555 3.6, 4.2.2-4.2.4: ADDITIONAL_IP4_ADDRESS (4 bytes),
 * ADDITIONAL_IP6_ADDRESS (16) and NO_ADDITIONAL_ADDRESSES (empty) are
 * taken and their list ignored; a malformed one gets INVALID_SYNTAX and
 * changes nothing.
 */
static void test_mobike_additional_addresses(void **state)
{
    static const uint8_t v4[5] = {10, 99, 0, 7, 0};
    static const uint8_t v6[17] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    const note_t bad[4] = {
        {TIP_IKE_N_ADDITIONAL_IP4_ADDRESS, v4, 5},
        {TIP_IKE_N_ADDITIONAL_IP4_ADDRESS, v4, 3},
        {TIP_IKE_N_ADDITIONAL_IP6_ADDRESS, v6, 17},
        {TIP_IKE_N_NO_ADDITIONAL_ADDRESSES, v4, 1},
    };
    note_t good[3];
    tip_ike_status_t sb;
    tip_ike_notify_t n;
    unsigned i;
    (void)state;

    pair_up(78);
    a_now_at_3();
    for (i = 0; i < 4; i++) {
        send_update(&bad[i], 1);
        assert_int_equal(deliver_last_as(0, &b, "10.99.0.3", "10.99.0.2"), TIP_OK);
        assert_true(last_ike_has(&pb, &a, TIP_IKE_N_INVALID_SYNTAX, &n));
        pump();
        assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
        assert_false(same_addr(&sb.peer_addr, &now_at));
        assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 0);
        assert_int_equal(ev[0][TIP_EV_IKE_MOVED], 0);
        assert_false(ike_sa(&a)->req_outstanding);
    }
    good[0] = (note_t){TIP_IKE_N_ADDITIONAL_IP4_ADDRESS, v4, 4};
    good[1] = (note_t){TIP_IKE_N_ADDITIONAL_IP6_ADDRESS, v6, 16};
    good[2] = (note_t){TIP_IKE_N_ADDITIONAL_IP4_ADDRESS, v4, 4};
    send_update(good, 3);
    tip_sim_run(&sim, 100, 10);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &now_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    good[0] = (note_t){TIP_IKE_N_NO_ADDITIONAL_ADDRESSES, NULL, 0};
    send_update(good, 1);
    tip_sim_run(&sim, 100, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 2);
    assert_true(traffic_both_ways(0x78));
}

/*
 * Moves over a lossy, duplicating, reordering network, several seeds: the
 * device goes .1 -> .3 -> .4; each time b ends with ESP on the newest
 * address, verified, and nothing is renegotiated.
 */
static void test_mobike_resp_lossy_reordered(void **state)
{
    static const char *const hops[2] = {"10.99.0.3", "10.99.0.4"};
    uint64_t seed;
    unsigned h;
    (void)state;

    for (seed = 300; seed < 306; seed++) {
        pair_up(seed);
        for (h = 0; h < 2; h++) {
            tip_addr_t at = tip_test_addr(hops[h]);
            tip_ike_status_t sb;
            tip_addr_t d;
            sim.loss_pct = 20;
            sim.dup_pct = 15;
            sim.reorder_pct = 30;
            sim.n[0].addr = at;
            assert_int_equal(tip_ike_update_address(&a, conn_a, &at), TIP_OK);
            tip_sim_run(&sim, 30000, 10);
            sim.loss_pct = 0;
            sim.dup_pct = 0;
            sim.reorder_pct = 0;
            tip_sim_run(&sim, 200, 10);
            assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
            assert_true(sb.ike_up && sb.child_up);
            assert_true(same_addr(&sb.peer_addr, &at));
            d = esp_dst(&b);
            assert_true(same_addr(&d, &at));
            assert_true(traffic_both_ways((uint8_t)(0x30 + h)));
        }
        assert_int_equal(ev[0][TIP_EV_IKE_REKEYED] + ev[1][TIP_EV_IKE_REKEYED], 0);
        assert_int_equal(ev[0][TIP_EV_CHILD_REKEYED] + ev[1][TIP_EV_CHILD_REKEYED], 0);
        assert_int_equal(ev[0][TIP_EV_IKE_DOWN] + ev[1][TIP_EV_IKE_DOWN], 0);
    }
}

/*
 * RFC 4555 3.8: the device behind a NAT whose mapping changes. Its
 * liveness checks carry NAT detection; the gateway answers them where they
 * came from; another NAT_DETECTION_DESTINATION_IP tells the device, which
 * updates; the gateway follows (after its check), UDP-encapsulated.
 */
static void test_mobike_nat_rebinding_followed(void **state)
{
    tip_addr_t here = tip_test_addr("10.99.0.1");
    tip_addr_t nat1 = tip_test_addr("10.99.0.5");
    tip_addr_t nat2 = tip_test_addr("10.99.0.6");
    const tip_test_sent_t *last;
    tip_ike_status_t sb;
    tip_ike_sa_t *saa;
    tip_addr_t d;
    int moved;
    (void)state;

    pair_up(80);
    /* a goes behind a NAT (public address .5); it still sends from .1. */
    sim.n[0].addr = nat1;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &here), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    saa = ike_sa(&a);
    assert_non_null(saa);
    assert_true(saa->nat_local);
    d = esp_dst(&b);
    assert_true(same_addr(&d, &nat1));
    assert_true(traffic_both_ways(0x80));
    moved = ev[1][TIP_EV_IKE_MOVED];
    /* A liveness check with nothing changed moves nothing. */
    assert_int_equal(tip_ike_info_start(&a, saa, TIP_IKE_P_DPD), TIP_OK);
    tip_sim_run(&sim, 200, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], moved);
    /* The NAT rebinds to .6; a does not know. */
    sim.n[0].addr = nat2;
    assert_int_equal(tip_ike_info_start(&a, saa, TIP_IKE_P_DPD), TIP_OK);
    tip_sim_run(&sim, 300, 10);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &nat2));
    d = esp_dst(&b);
    assert_true(same_addr(&d, &nat2));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], moved + 1);
    assert_true(traffic_both_ways(0x81));
    last = tip_test_port_get(&pb, tip_test_port_count(&pb) - 1u); /* b's ESP to a */
    assert_non_null(last);
    assert_int_equal(last->kind, TIP_TEST_SENT_UDP);
    assert_int_equal(last->dport, TIP_PORT_NATT);
}

/*
 * RFC 4555 3.5 with RFC 7296 2.11: after the move, a retransmission of the
 * update from the old address is answered there from the cache and moves
 * nothing back.
 */
static void test_mobike_resp_old_retransmission_after_move(void **state)
{
    static tip_test_sent_t upd;
    tip_addr_t old_at = tip_test_addr("10.99.0.1");
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_addr_t b_at = tip_test_addr("10.99.0.2");
    const tip_test_sent_t *last;
    tip_ike_status_t sb;
    uint32_t sent;
    tip_addr_t d;
    (void)state;

    pair_up(81);
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    upd = *tip_test_port_get(&pa, tip_test_port_count(&pa) - 1u);
    tip_sim_run(&sim, 100, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    sent = tip_test_port_count(&pb);
    assert_int_equal(tip_ike_input(&b, &old_at, upd.sport, &b_at, upd.dport, upd.data + 4,
                                   upd.len - 4u),
                     TIP_OK);
    assert_int_equal(tip_test_port_count(&pb), sent + 1u);
    last = tip_test_port_get(&pb, sent);
    assert_true(same_addr(&last->dst, &old_at));
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(same_addr(&sb.peer_addr, &now_at));
    d = esp_dst(&b);
    assert_true(same_addr(&d, &now_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    assert_true(traffic_both_ways(0x81));
}

/*
 * An update that crosses the gateway's own CHILD SA rekey: the check waits
 * for the rekey's answer (one request at a time), then ESP follows; the
 * rekeyed pair is on the new path too.
 */
static void test_mobike_resp_update_crossing_child_rekey(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_ike_status_t sb;
    tip_addr_t d;
    (void)state;

    pair_up(82);
    assert_int_equal(tip_ike_rekey_child(&b, conn_b), TIP_OK); /* to .1, lost */
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    tip_sim_run(&sim, 10000, 10);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(sb.ike_up && sb.child_up);
    assert_true(same_addr(&sb.peer_addr, &now_at));
    d = esp_dst(&b);
    assert_true(same_addr(&d, &now_at));
    assert_int_equal(ev[1][TIP_EV_CHILD_REKEYED], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    assert_true(traffic_both_ways(0x82));
}

/*
 * An update that crosses the gateway's IKE SA rekey: the check still due
 * is carried to the new IKE SA and sent from it; ESP follows.
 */
static void test_mobike_resp_update_crossing_ike_rekey(void **state)
{
    tip_addr_t now_at = tip_test_addr("10.99.0.3");
    tip_ike_status_t sb;
    tip_addr_t d;
    (void)state;

    pair_up(83);
    assert_int_equal(tip_ike_rekey_ike(&b, conn_b), TIP_OK); /* to .1, lost */
    sim.n[0].addr = now_at;
    assert_int_equal(tip_ike_update_address(&a, conn_a, &now_at), TIP_OK);
    tip_sim_run(&sim, 60000, 10);
    assert_int_equal(ev[1][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(tip_ike_status(&b, conn_b, &sb), TIP_OK);
    assert_true(sb.ike_up && sb.child_up);
    assert_true(same_addr(&sb.peer_addr, &now_at));
    d = esp_dst(&b);
    assert_true(same_addr(&d, &now_at));
    assert_int_equal(ev[1][TIP_EV_IKE_MOVED], 1);
    assert_true(traffic_both_ways(0x83));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mobike_resp_return_routability),
        cmocka_unit_test(test_mobike_resp_spoofed_source_moves_no_esp),
        cmocka_unit_test(test_mobike_resp_wrong_echo_closes),
        cmocka_unit_test(test_mobike_resp_check_wrong_echo),
        cmocka_unit_test(test_mobike_resp_check_unanswered),
        cmocka_unit_test(test_mobike_info_answer_echoes_cookie2_and_natd),
        cmocka_unit_test(test_mobike_plain_request_from_new_address_moves_nothing),
        cmocka_unit_test(test_mobike_no_nats_allowed),
        cmocka_unit_test(test_mobike_additional_addresses),
        cmocka_unit_test(test_mobike_resp_lossy_reordered),
        cmocka_unit_test(test_mobike_nat_rebinding_followed),
        cmocka_unit_test(test_mobike_resp_old_retransmission_after_move),
        cmocka_unit_test(test_mobike_resp_update_crossing_child_rekey),
        cmocka_unit_test(test_mobike_resp_update_crossing_ike_rekey),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
