/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 under attack, over the simulated network. The attacker sees the
 * traffic and sends what it likes from addresses of its choice, but holds
 * no key: it floods a gateway with IKE_SA_INIT requests and answers the
 * cookies (from one address, then from 1 000), forges cookies, forges
 * error responses to a peer's IKE_SA_INIT, and replays or races copies of
 * authenticated messages from elsewhere. Established peers must keep
 * rekeying, new peers must get in once it stops, forged input must change
 * nothing that matters.
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
#include "crypto.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

/* nodes: 0 = p1 (an established peer), 1 = gw (the gateway), 2 = p2 (a new peer) */
#define N 3
enum { P1 = 0, GW = 1, P2 = 2 };
static tip_test_port_t port[N], tport;
static tip_ctx_t ctx[N], tctx;
static tip_sim_t sim;
static int ev[N][TIP_EV_COUNT_];
static const char *const addr[N] = {"10.99.0.1", "10.99.0.2", "10.99.0.3"};
static const char *const id[N] = {"p1.test", "gw.test", "p2.test"};
static const char *const net[N] = {"10.1.0.0", "10.2.0.0", "10.3.0.0"};
static tip_handle_t h_p1, h_gw1, h_gw2, h_p2;
static uint8_t tmpl[TIP_IKE_MSG_MAX];
static size_t tmpl_len;

static void on_event(void *arg, const tip_event_t *e)
{
    ev[(int)(intptr_t)arg][e->type]++;
}

static tip_addr_t addr_of(unsigned i)
{
    return tip_test_addr(addr[i]);
}

/*
 * gw answers p1 (its own connection) and anyone else who shows p2's
 * identity (a road-warrior connection: any address may start IKE_SA_INIT,
 * the worst case for floods). p1 and gw rekey often and have a short hard
 * lifetime, so a rekey that cannot happen ends the IKE SA within the test.
 */
static void world(uint64_t seed)
{
    tip_port_t p;
    tip_ike_conn_t k;
    tip_addr_t to = addr_of(GW);
    unsigned i;

    for (i = 0; i < N; i++)
        tip_ctx_deinit(&ctx[i]);
    tip_ctx_deinit(&tctx);
    memset(ev, 0, sizeof(ev));
    for (i = 0; i < N; i++) {
        tip_test_port_init(&port[i], seed + i, 1000);
        tip_test_port_fill(&port[i], &p);
        assert_int_equal(tip_ctx_init(&ctx[i], &p), TIP_OK);
        tip_ctx_set_event_cb(&ctx[i], on_event, (void *)(intptr_t)i);
    }
    tip_test_ike_conn(&k, addr[P1], addr[GW], id[P1], id[GW], net[P1], net[GW]);
    k.ike_rekey_s = 60;
    k.ike_lifetime_s = 150;
    k.child_rekey_s = 30;
    assert_int_equal(tip_ike_conn_add(&ctx[P1], &k, &h_p1), TIP_OK);
    tip_test_ike_conn(&k, addr[GW], addr[P1], id[GW], id[P1], net[GW], net[P1]);
    k.ike_rekey_s = 60;
    k.ike_lifetime_s = 150;
    k.child_rekey_s = 30;
    assert_int_equal(tip_ike_conn_add(&ctx[GW], &k, &h_gw1), TIP_OK);
    tip_test_ike_conn(&k, addr[GW], NULL, id[GW], id[P2], net[GW], net[P2]);
    assert_int_equal(tip_ike_conn_add(&ctx[GW], &k, &h_gw2), TIP_OK);
    tip_test_ike_conn(&k, addr[P2], addr[GW], id[P2], id[GW], net[P2], net[GW]);
    k.restart = 1;
    assert_int_equal(tip_ike_conn_add(&ctx[P2], &k, &h_p2), TIP_OK);
    tip_sim_init(&sim, &ctx[P1], &port[P1], addr[P1], &ctx[GW], &port[GW], addr[GW], seed);
    assert_int_equal(tip_sim_add(&sim, &ctx[P2], &port[P2], addr[P2]), P2);

    /* The attacker's template: a genuine IKE_SA_INIT request (valid KE). */
    tip_test_port_init(&tport, seed + 99, 1000);
    tip_test_port_fill(&tport, &p);
    assert_int_equal(tip_ctx_init(&tctx, &p), TIP_OK);
    tip_test_ike_conn(&k, "203.0.113.1", addr[GW], "x.test", id[GW], "10.9.0.0", net[GW]);
    {
        tip_handle_t h;
        assert_int_equal(tip_ike_conn_add(&tctx, &k, &h), TIP_OK);
        assert_int_equal(tip_ike_initiate(&tctx, h), TIP_OK);
    }
    tmpl_len = tip_test_port_last(&tport)->len;
    memcpy(tmpl, tip_test_port_last(&tport)->data, tmpl_len);
    (void)to;
}

static int g_up_x, g_up_y;
static tip_handle_t g_up_hx, g_up_hy;

static int pair_up(void *arg)
{
    tip_ike_status_t sx, sy;
    (void)arg;
    return tip_ike_status(&ctx[g_up_x], g_up_hx, &sx) == TIP_OK &&
           tip_ike_status(&ctx[g_up_y], g_up_hy, &sy) == TIP_OK && sx.child_up && sy.child_up;
}

static int wait_up(int x, tip_handle_t hx, int y, tip_handle_t hy, uint64_t ms)
{
    g_up_x = x;
    g_up_y = y;
    g_up_hx = hx;
    g_up_hy = hy;
    return tip_sim_until(&sim, pair_up, NULL, ms);
}

static void expect_traffic(unsigned x, unsigned y)
{
    static uint8_t mem[2048];
    uint8_t pl[64];
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr(net[x]), d = tip_test_addr(net[y]);
    uint32_t before = sim.n[y].rx_data;

    s.addr[3] = 5;
    d.addr[3] = 7;
    memset(pl, 0xA5, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&ctx[x], &buf), TIP_SENT);
    (void)tip_sim_pump(&sim);
    assert_int_equal(sim.n[y].rx_data, before + 1);
}

/* gw's last datagram, if it went to @p to after packet number @p since. */
static const tip_test_sent_t *gw_answer(uint32_t since, const tip_addr_t *to)
{
    const tip_test_sent_t *s;

    if (tip_test_port_count(&port[GW]) == since)
        return NULL;
    s = tip_test_port_last(&port[GW]);
    if (s == NULL || s->dst.family != to->family || memcmp(s->dst.addr, to->addr, 16) != 0)
        return NULL;
    return s;
}

/* The template with SPIi @p spi, optionally with a cookie. */
static size_t attack_msg(uint32_t spi, const uint8_t *cookie, size_t clen, uint8_t *out,
                         size_t cap)
{
    static uint8_t req[TIP_IKE_MSG_MAX];

    memcpy(req, tmpl, tmpl_len);
    tip_store_be32(req, 0xA77AC000u);
    tip_store_be32(req + 4, spi);
    if (cookie == NULL) {
        memcpy(out, req, tmpl_len);
        return tmpl_len;
    }
    return tip_test_ike_add_cookie(req, tmpl_len, cookie, clen, out, cap);
}

/*
 * One IKE_SA_INIT request from @p src with SPIi @p spi, answering gw's
 * cookie if it asks for one (an attacker who receives at @p src). Returns 1
 * when gw accepted it (its answer carries an SA payload: a half-open SA).
 */
static int attack_once(const tip_addr_t *src, uint32_t spi)
{
    static uint8_t msg[TIP_IKE_MSG_MAX + 80], cookie[64];
    tip_addr_t to = addr_of(GW);
    const tip_test_sent_t *s;
    uint32_t before = tip_test_port_count(&port[GW]);
    size_t len = attack_msg(spi, NULL, 0, msg, sizeof(msg));
    int clen;

    (void)tip_ike_input(&ctx[GW], src, 500, &to, 500, msg, len);
    s = gw_answer(before, src);
    if (s == NULL)
        return 0;
    clen = tip_test_ike_notify(s->data, s->len, TIP_IKE_N_COOKIE, cookie, sizeof(cookie));
    if (clen < 0)
        return tip_test_ike_has_payload(s->data, s->len, TIP_IKE_PL_SA);
    len = attack_msg(spi, cookie, (size_t)clen, msg, sizeof(msg));
    before = tip_test_port_count(&port[GW]);
    (void)tip_ike_input(&ctx[GW], src, 500, &to, 500, msg, len);
    s = gw_answer(before, src);
    return s != NULL && tip_test_ike_has_payload(s->data, s->len, TIP_IKE_PL_SA);
}

static unsigned half_open_from(const tip_addr_t *src)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *sa = &ctx[GW].ike.sa[i];
        n += sa->state == TIP_IKE_S_INIT_DONE && memcmp(&sa->remote, src, sizeof(*src)) == 0;
    }
    return n;
}

/*
 * RFC 7296 2.6 and the resource exhaustion it warns about: an attacker who
 * receives at its addresses passes the cookie check. First one address,
 * then 1 000, each flooding gw for 100 s. Meanwhile p1's IKE SA (rekey
 * every 60 s, hard lifetime 150 s) and CHILD SA (rekey every 30 s) must
 * keep rekeying with gw, from both ends, and pass traffic; once the
 * attack stops, a new peer (p2) must get in.
 */
static void test_cookie_answering_flood(void **state)
{
    tip_ike_status_t st;
    tip_addr_t one = tip_test_addr("203.0.113.7");
    uint32_t spi = 1, accepted = 0, many, t;
    (void)state;
    world(500);
    assert_int_equal(tip_ike_initiate(&ctx[P1], h_p1), TIP_OK);
    assert_true(wait_up(P1, h_p1, GW, h_gw1, 5000));

    /* one address, a fresh SPI every 100 ms */
    for (t = 0; t < 1000; t++) {
        accepted += (uint32_t)attack_once(&one, spi++);
        assert_true(half_open_from(&one) <= TIP_IKE_HALF_OPEN_PER_SRC);
        tip_sim_run(&sim, 100, 100);
    }
    assert_true(accepted >= 1); /* it does pass the cookie check */
    many = accepted;
    /* 1 000 addresses, one request every 100 ms, round robin */
    for (t = 0; t < 1000; t++) {
        tip_addr_t src = tip_test_addr("198.51.0.0");
        src.addr[2] = (uint8_t)(t >> 8);
        src.addr[3] = (uint8_t)t;
        accepted += (uint32_t)attack_once(&src, spi++);
        tip_sim_run(&sim, 100, 100);
    }
    many = accepted - many;
    assert_true(many >= 1);
    /* p1 never lost its tunnel, and both SAs kept being rekeyed */
    assert_int_equal(ev[P1][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(ev[P1][TIP_EV_CHILD_DOWN], 0);
    assert_int_equal(ev[GW][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(tip_ike_status(&ctx[P1], h_p1, &st), TIP_OK);
    assert_true(st.ike_up && st.child_up);
    assert_true(st.ike_rekeys >= 2);
    assert_true(st.child_rekeys >= 4);
    print_message("attack: %u half-open SAs from one address, %u from 1000; p1: %u IKE and "
                  "%u CHILD rekeys\n", (unsigned)(accepted - many), (unsigned)many,
                  (unsigned)st.ike_rekeys, (unsigned)st.child_rekeys);
    expect_traffic(P1, GW);
    expect_traffic(GW, P1);

    /* the attack stops; p2 connects */
    assert_int_equal(tip_ike_initiate(&ctx[P2], h_p2), TIP_OK);
    assert_true(wait_up(P2, h_p2, GW, h_gw2, 120000));
    expect_traffic(P2, GW);
    expect_traffic(GW, P2);
    expect_traffic(P1, GW);
}

/* Load gw so that it asks for cookies: two half-open SAs from elsewhere. */
static void load_gw(uint8_t tag)
{
    tip_addr_t x = tip_test_addr("192.0.2.0");
    unsigned i;

    for (i = 0; i < 2; i++) {
        x.addr[3] = (uint8_t)(tag * 2u + i + 1u);
        assert_int_equal(attack_once(&x, 0xB0000000u + tag * 2u + i), 1);
    }
}

/* Does gw accept request SPIi @p spi from @p src carrying @p cookie? */
static int gw_takes_cookie(const tip_addr_t *src, uint32_t spi, const uint8_t *cookie, size_t clen)
{
    static uint8_t msg[TIP_IKE_MSG_MAX + 80];
    tip_addr_t to = addr_of(GW);
    const tip_test_sent_t *s;
    uint32_t before = tip_test_port_count(&port[GW]);
    size_t len = attack_msg(spi, cookie, clen, msg, sizeof(msg));

    assert_true(len > 0);
    (void)tip_ike_input(&ctx[GW], src, 500, &to, 500, msg, len);
    s = gw_answer(before, src);
    return s != NULL && tip_test_ike_has_payload(s->data, s->len, TIP_IKE_PL_SA);
}

/* gw's cookie for request SPIi @p spi from @p src (gw must be loaded). */
static size_t gw_cookie(const tip_addr_t *src, uint32_t spi, uint8_t *cookie)
{
    static uint8_t msg[TIP_IKE_MSG_MAX];
    tip_addr_t to = addr_of(GW);
    const tip_test_sent_t *s;
    uint32_t before = tip_test_port_count(&port[GW]);
    size_t len = attack_msg(spi, NULL, 0, msg, sizeof(msg));
    int clen;

    (void)tip_ike_input(&ctx[GW], src, 500, &to, 500, msg, len);
    s = gw_answer(before, src);
    assert_non_null(s);
    clen = tip_test_ike_notify(s->data, s->len, TIP_IKE_N_COOKIE, cookie, 64);
    assert_int_equal(clen, 36);
    return (size_t)clen;
}

/* A cookie as gw would make it with @p secret (RFC 7296 2.6). */
static void make_cookie(const uint8_t secret[32], uint32_t version, const tip_addr_t *src,
                        uint32_t spi, uint8_t out[36])
{
    static uint8_t msg[TIP_IKE_MSG_MAX];
    tip_ike_msg_t m;
    const tip_ike_pl_t *pl;
    const uint8_t *ni;
    size_t ni_len;
    tip_iov_t iov[3];
    size_t len = attack_msg(spi, NULL, 0, msg, sizeof(msg));

    assert_int_equal(tip_ike_msg_parse(msg, len, &m), TIP_OK);
    pl = tip_ike_msg_find(&m, TIP_IKE_PL_NONCE, 0);
    assert_non_null(pl);
    assert_int_equal(tip_ike_nonce_parse(tip_ike_pl_body(&m, pl), pl->len, &ni, &ni_len), TIP_OK);
    tip_store_be32(out, version);
    iov[0].p = ni;
    iov[0].len = ni_len;
    iov[1].p = src->addr;
    iov[1].len = 4;
    iov[2].p = msg;
    iov[2].len = 8;
    assert_int_equal(tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, secret, 32, iov, 3, out + 4), TIP_OK);
}

/* Every forged zero-secret cookie is refused, whatever its version. */
static void expect_zero_cookies_refused(const tip_addr_t *src, uint32_t spi)
{
    static const uint32_t versions[] = {0, 1, 2, 3, 0xFFFFFFFFu, 0xFFFFFFFEu};
    static const uint8_t zero[32];
    uint8_t cookie[36];
    size_t i;

    for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        make_cookie(zero, versions[i], src, spi, cookie);
        assert_false(gw_takes_cookie(src, spi, cookie, sizeof(cookie)));
    }
}

/*
 * RFC 7296 2.6: a cookie proves the initiator receives at its address only
 * if nobody else can compute it. Cookies made with an all-zero secret are
 * refused from the first second, and after the secret's rotations, even
 * when the random source failed at a rotation.
 */
static void test_forged_cookies_refused(void **state)
{
    tip_addr_t y = tip_test_addr("203.0.113.9");
    uint8_t cookie[64];
    size_t clen;
    (void)state;
    world(510);
    load_gw(0);
    expect_zero_cookies_refused(&y, 0xC0000001u);
    /* a real cookie still works */
    clen = gw_cookie(&y, 0xC0000002u, cookie);
    assert_true(gw_takes_cookie(&y, 0xC0000002u, cookie, clen));
    /* rotations, one of them with a failing random source */
    tip_sim_run(&sim, 61000, 1000);
    port[GW].fail_random = 1;
    tip_sim_run(&sim, 61000, 1000);
    port[GW].fail_random = 0;
    load_gw(1);
    expect_zero_cookies_refused(&y, 0xC0000003u);
    clen = gw_cookie(&y, 0xC0000004u, cookie);
    assert_true(gw_takes_cookie(&y, 0xC0000004u, cookie, clen));
}

/* A cookie from before one rotation of the secret is accepted, from before two it is not. */
static void test_cookie_secret_rotation(void **state)
{
    tip_addr_t y1 = tip_test_addr("203.0.113.11"), y2 = tip_test_addr("203.0.113.12");
    uint8_t c1[64], c2[64];
    size_t l1, l2;
    (void)state;
    world(520);
    load_gw(0);
    l1 = gw_cookie(&y1, 0xD0000001u, c1);
    tip_sim_run(&sim, 61000, 1000); /* one rotation (and the half-open SAs expired) */
    load_gw(1);
    assert_true(gw_takes_cookie(&y1, 0xD0000001u, c1, l1));
    l2 = gw_cookie(&y2, 0xD0000002u, c2);
    tip_sim_run(&sim, 120000, 1000); /* two more */
    load_gw(2);
    assert_false(gw_takes_cookie(&y2, 0xD0000002u, c2, l2));
}

/* Without random bytes there is no cookie secret: the connection is refused, cleanly. */
static void test_cookie_secret_needs_random(void **state)
{
    tip_ike_conn_t k;
    tip_handle_t h;
    tip_addr_t src = tip_test_addr("203.0.113.5"), to = addr_of(GW);
    (void)state;
    world(530);
    tip_ctx_deinit(&ctx[GW]);
    {
        tip_port_t p;
        tip_test_port_fill(&port[GW], &p);
        assert_int_equal(tip_ctx_init(&ctx[GW], &p), TIP_OK);
    }
    tip_test_ike_conn(&k, addr[GW], NULL, id[GW], id[P2], net[GW], net[P2]);
    port[GW].fail_random = 1;
    assert_int_equal(tip_ike_conn_add(&ctx[GW], &k, &h), TIP_ERR_CRYPTO);
    /* nothing is listening */
    assert_int_equal(tip_ike_input(&ctx[GW], &src, 500, &to, 500, tmpl, tmpl_len), TIP_ERR_NO_SA);
    port[GW].fail_random = 0;
    assert_int_equal(tip_ike_conn_add(&ctx[GW], &k, &h), TIP_OK);
}

/*
 * RFC 7296 2.21.1: an error notify in an IKE_SA_INIT response is not
 * authenticated. A forged one, sent by an attacker who saw p2's request,
 * arrives before gw's real response: p2 must neither give up nor start
 * again at once, and the real response must still make the IKE SA.
 */
static void test_forged_init_errors_are_hints(void **state)
{
    static const struct {
        uint16_t type;
        uint16_t group; /* INVALID_KE_PAYLOAD: the group it names */
    } forged[] = {
        {TIP_IKE_N_NO_PROPOSAL_CHOSEN, 0},
        {TIP_IKE_N_INVALID_KE_PAYLOAD, 2},                  /* a group p2 never offered */
        {TIP_IKE_N_INVALID_KE_PAYLOAD, TIP_DH_CURVE25519},  /* the group it did send */
        {TIP_IKE_N_INVALID_SYNTAX, 0},
        {TIP_IKE_N_AUTHENTICATION_FAILED, 0},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
        static uint8_t msg[128];
        uint8_t g[2];
        tip_addr_t from = addr_of(GW), to = addr_of(P2);
        const tip_test_sent_t *req;
        uint32_t sent;
        size_t len;
        world(540 + i);
        assert_int_equal(tip_ike_initiate(&ctx[P2], h_p2), TIP_OK);
        req = tip_test_port_last(&port[P2]);
        tip_store_be16(g, forged[i].group);
        len = tip_test_ike_init_notify(req->data, req->len, forged[i].type, g,
                                       forged[i].group != 0 ? 2u : 0u, msg, sizeof(msg));
        assert_true(len > 0);
        sent = tip_test_port_count(&port[P2]);
        (void)tip_ike_input(&ctx[P2], &from, 500, &to, 500, msg, len);
        assert_int_equal(tip_test_port_count(&port[P2]), sent); /* no new attempt at once */
        assert_int_equal(ev[P2][TIP_EV_IKE_DOWN], 0);
        assert_int_equal(ev[P2][TIP_EV_PROPOSAL_MISMATCH], 0);
        /* now the real exchange */
        assert_true(wait_up(P2, h_p2, GW, h_gw2, 5000));
        assert_int_equal(ev[P2][TIP_EV_IKE_UP], 1);
        assert_int_equal(ev[GW][TIP_EV_IKE_UP], 1);
        assert_int_equal(ev[P2][TIP_EV_IKE_DOWN], 0);
        expect_traffic(P2, GW);
    }
}

/* NAT-T pair p1 (force_encap) and gw, both on UDP 4500; without MOBIKE,
 * so the peer's path follows its requests (RFC 7296 2.23; with MOBIKE only
 * UPDATE_SA_ADDRESSES moves it, RFC 4555 3.8: test_ike_mobike_resp). */
static void natt_world(uint64_t seed)
{
    tip_ike_status_t st;
    unsigned i;

    world(seed);
    ctx[P1].ike.conn[0].cfg.force_encap = 1;
    ctx[P1].ike.conn[0].cfg.no_mobike = 1;
    assert_int_equal(tip_ike_initiate(&ctx[P1], h_p1), TIP_OK);
    assert_true(wait_up(P1, h_p1, GW, h_gw1, 5000));
    assert_int_equal(tip_ike_status(&ctx[GW], h_gw1, &st), TIP_OK);
    assert_true(st.natt);
    assert_int_equal(st.peer_port, 4500);
    /* no NAT between them (RFC 7296 2.23 hashes, SPIr zero in the request):
     * nothing in front of the gateway, and in front of P1 only the NAT its
     * forced encapsulation makes the gateway see (a source hash that does
     * not match, so that the gateway encapsulates too) */
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *sa = &ctx[GW].ike.sa[i];
        if (sa->state == TIP_IKE_S_ESTABLISHED) {
            assert_false(sa->nat_local);
            assert_true(sa->nat_remote);
        }
    }
}

/* Hand datagram @p s (sent by @p from) to @p to as if it came from @p src:@p sport. */
static int inject(unsigned to, const tip_test_sent_t *s, const tip_addr_t *src, uint16_t sport)
{
    static uint8_t mem[4096];
    tip_addr_t dst = addr_of(to);
    tip_buf_t b;
    int r;

    assert_int_equal(tip_test_port_to_buf(s, &b, mem, sizeof(mem), TIP_ESP_HEADROOM), TIP_OK);
    r = tip_input_udp(&ctx[to], src, sport, &dst, s->dport, &b);
    if (r == TIP_RX_IKE)
        r = tip_ike_input(&ctx[to], src, sport, &dst, s->dport, b.base + b.off, b.len);
    return r;
}

static void expect_gw_path(const char *peer, uint16_t port_no)
{
    tip_ike_status_t st;
    tip_addr_t want = tip_test_addr(peer);

    assert_int_equal(tip_ike_status(&ctx[GW], h_gw1, &st), TIP_OK);
    assert_memory_equal(&st.peer_addr, &want, sizeof(want));
    assert_int_equal(st.peer_port, port_no);
}

/*
 * RFC 7296 2.23: the peer's address and port move only with a new,
 * authenticated request. gw asks p1 something; the attacker copies p1's
 * authenticated response and gets it to gw first from elsewhere: gw's path
 * to p1 must not move, and its traffic must still reach p1.
 */
static void test_raced_response_copy_keeps_path(void **state)
{
    tip_addr_t evil = tip_test_addr("10.99.0.66"), p1 = addr_of(P1), gw = addr_of(GW);
    const tip_test_sent_t *req, *resp;
    (void)state;
    natt_world(550);
    assert_int_equal(tip_ike_rekey_child(&ctx[GW], h_gw1), TIP_OK);
    req = tip_test_port_last(&port[GW]);
    assert_int_equal(inject(P1, req, &gw, 4500), TIP_OK);
    resp = tip_test_port_last(&port[P1]);
    sim.n[P1].consumed = tip_test_port_count(&port[P1]);
    sim.n[GW].consumed = tip_test_port_count(&port[GW]);
    (void)inject(GW, resp, &evil, 4600);  /* the raced copy */
    (void)inject(GW, resp, &p1, 4500);    /* the genuine one, a moment later */
    (void)tip_sim_pump(&sim);
    expect_gw_path(addr[P1], 4500);
    tip_sim_run(&sim, 1000, 10);
    expect_traffic(GW, P1);
    expect_traffic(P1, GW);
}

/*
 * The same for requests: a replayed copy of an old request, and a copy of
 * one that is no longer the newest, from elsewhere, move nothing; p1's next
 * new request from a new port (its NAT rebound) does move the path.
 */
static void test_replayed_request_copy_keeps_path(void **state)
{
    tip_addr_t evil = tip_test_addr("10.99.0.66"), p1 = addr_of(P1);
    static tip_test_sent_t old;
    const tip_test_sent_t *req;
    (void)state;
    natt_world(560);
    assert_int_equal(tip_ike_rekey_child(&ctx[P1], h_p1), TIP_OK);
    old = *tip_test_port_last(&port[P1]);
    tip_sim_run(&sim, 500, 10); /* rekey and the old pair's delete */
    (void)inject(GW, &old, &evil, 4600);
    expect_gw_path(addr[P1], 4500);
    /* a newer request, then the old one again from elsewhere */
    assert_int_equal(tip_ike_rekey_child(&ctx[P1], h_p1), TIP_OK);
    tip_sim_run(&sim, 500, 10);
    (void)inject(GW, &old, &evil, 4600);
    expect_gw_path(addr[P1], 4500);
    expect_traffic(GW, P1);
    /* p1's NAT rebinds: its next request comes from port 4501 */
    assert_int_equal(tip_ike_rekey_child(&ctx[P1], h_p1), TIP_OK);
    req = tip_test_port_last(&port[P1]);
    sim.n[P1].consumed = tip_test_port_count(&port[P1]);
    assert_int_equal(inject(GW, req, &p1, 4501), TIP_OK);
    expect_gw_path(addr[P1], 4501);
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
        cmocka_unit_test_teardown(test_cookie_answering_flood, no_illegal_transition),
        cmocka_unit_test_teardown(test_forged_cookies_refused, no_illegal_transition),
        cmocka_unit_test_teardown(test_cookie_secret_rotation, no_illegal_transition),
        cmocka_unit_test_teardown(test_cookie_secret_needs_random, no_illegal_transition),
        cmocka_unit_test_teardown(test_forged_init_errors_are_hints, no_illegal_transition),
        cmocka_unit_test_teardown(test_raced_response_copy_keeps_path, no_illegal_transition),
        cmocka_unit_test_teardown(test_replayed_request_copy_keeps_path, no_illegal_transition),
    };
    return cmocka_run_group_tests_name("ike_attack", tests, NULL, NULL);
}
