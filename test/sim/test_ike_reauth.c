/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The IKE SA is replaced at its rekey time in both builds of
 * TIP_CONF_IKE_REKEY_IKE. With IKE SA rekeying the initiator rekeys it
 * (IKE_REKEYED, the CHILD SA moves over, no IKE_DOWN). Without it the
 * initiator reauthenticates (RFC 7296 2.8.3): the old IKE SA goes at both
 * ends (the peer is told), a new one with new SPIs comes up from
 * IKE_SA_INIT with a new CHILD SA, traffic passes again, and the peer is
 * left with one IKE SA; tip_ike_rekey_ike() is refused, and so is a
 * peer's request to rekey the IKE SA (NO_PROPOSAL_CHOSEN), the IKE SA
 * staying as it is.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER TIP_IKE_CHILD_MAX>=2
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

static tip_test_port_t port[2];
static tip_ctx_t ctx[2];
static tip_sim_t sim;
static int ev[2][TIP_EV_COUNT_];
static int last_reason[2][TIP_EV_COUNT_];
static const char *const addr[2] = {"10.99.0.1", "10.99.0.2"};
static const char *const id[2] = {"a.test", "b.test"};
static const char *const net[2] = {"10.1.0.0", "10.2.0.0"};
static tip_handle_t ab, ba;

static void on_event(void *arg, const tip_event_t *e)
{
    ev[(int)(intptr_t)arg][e->type]++;
    last_reason[(int)(intptr_t)arg][e->type] = e->reason;
}

static int pair_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&ctx[0], ab, &sa) == TIP_OK && tip_ike_status(&ctx[1], ba, &sb) == TIP_OK &&
           sa.child_up && sb.child_up;
}

/* a (initiator, IKE SA rekey time @p rekey_s, @p restart) and b, up. */
static void world(uint32_t rekey_s, uint8_t restart)
{
    tip_ike_conn_t k;
    tip_port_t p;
    unsigned i;

    for (i = 0; i < 2; i++)
        tip_ctx_deinit(&ctx[i]);
    memset(ev, 0, sizeof(ev));
    for (i = 0; i < 2; i++) {
        tip_test_port_init(&port[i], 70 + i, 1000);
        tip_test_port_fill(&port[i], &p);
        assert_int_equal(tip_ctx_init(&ctx[i], &p), TIP_OK);
        tip_ctx_set_event_cb(&ctx[i], on_event, (void *)(intptr_t)i);
    }
    tip_sim_init(&sim, &ctx[0], &port[0], addr[0], &ctx[1], &port[1], addr[1], 70);
    tip_test_ike_conn(&k, addr[0], addr[1], id[0], id[1], net[0], net[1]);
    k.ike_rekey_s = rekey_s;
    k.child_rekey_s = 3600; /* no CHILD SA rekey in the way */
    k.restart = restart;
    assert_int_equal(tip_ike_conn_add(&ctx[0], &k, &ab), TIP_OK);
    tip_test_ike_conn(&k, addr[1], addr[0], id[1], id[0], net[1], net[0]);
    k.child_rekey_s = 3600;
    assert_int_equal(tip_ike_conn_add(&ctx[1], &k, &ba), TIP_OK);
    assert_int_equal(tip_ike_initiate(&ctx[0], ab), TIP_OK);
    assert_true(tip_sim_until(&sim, pair_up, NULL, 5000));
}

/* The established IKE SAs of @p c, and the initiator SPI of the last one. */
static unsigned established(tip_ctx_t *c, uint8_t spi_i[8])
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        if (c->ike.sa[i].state == TIP_IKE_S_ESTABLISHED) {
            memcpy(spi_i, c->ike.sa[i].spi_i, 8);
            n++;
        }
    }
    return n;
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

static void replaced_at_rekey_time(uint8_t restart)
{
    uint8_t spi0[8], spi1[8], spib[8];

    world(60, restart);
    assert_int_equal(established(&ctx[0], spi0), 1);
    /* past the rekey time (60 s less up to 10 % jitter), before the hard lifetime */
    tip_sim_run(&sim, 70000, 100);
    assert_true(tip_sim_until(&sim, pair_up, NULL, 5000));
    assert_int_equal(established(&ctx[0], spi1), 1);
    assert_int_equal(established(&ctx[1], spib), 1);
    assert_memory_equal(spi1, spib, 8); /* both ends on the same, new, IKE SA */
    assert_memory_not_equal(spi0, spi1, 8);
#if TIP_CONF_IKE_REKEY_IKE
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 1);
#else
    /* reauthenticated: down with its CHILD SA, up again from scratch */
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 0);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(ev[0][TIP_EV_CHILD_DOWN], 1);
    assert_int_equal(ev[0][TIP_EV_IKE_UP], 2);
    assert_int_equal(ev[0][TIP_EV_CHILD_UP], 2);
    /* the peer was told (Delete) and set up the new one */
    assert_int_equal(ev[1][TIP_EV_IKE_DOWN], 1);
    assert_int_equal(ev[1][TIP_EV_IKE_UP], 2);
#endif
    expect_traffic(0, 1);
    expect_traffic(1, 0);
}

static void test_replaced_at_rekey_time(void **state)
{
    (void)state;
    replaced_at_rekey_time(0);
}

/* The same when the connection restarts by itself after a failure: one new IKE SA, not two. */
static void test_replaced_at_rekey_time_restart(void **state)
{
    (void)state;
    replaced_at_rekey_time(1);
}

static void test_rekey_ike_call(void **state)
{
    (void)state;
    world(0, 0);
#if TIP_CONF_IKE_REKEY_IKE
    assert_int_equal(tip_ike_rekey_ike(&ctx[0], ab), TIP_OK);
    assert_true(tip_sim_until(&sim, pair_up, NULL, 5000));
    tip_sim_run(&sim, 2000, 100);
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 1);
#else
    assert_int_equal(tip_ike_rekey_ike(&ctx[0], ab), TIP_ERR_UNSUPPORTED);
    tip_sim_run(&sim, 2000, 100);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN], 0);
#endif
    expect_traffic(0, 1);
}

#if !TIP_CONF_IKE_REKEY_IKE
/*
 * The request a peer with IKE SA rekeying sends (RFC 7296 1.3.2: SA with
 * an IKE proposal and a new SPI, Ni, KE), made on b's IKE SA with the
 * library's own writers. b books it as the creation of CHILD SA entry 1,
 * so that the answer's error notify comes back as b's PROPOSAL_MISMATCH.
 */
static void peer_sends_ike_rekey(void)
{
    tip_ike_sa_t *sa = NULL;
    tip_ike_conn_slot_t *c;
    uint8_t spi[8], pub[256], nonce[TIP_IKE_NONCE_LEN];
    size_t publen, len;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (ctx[1].ike.sa[i].state == TIP_IKE_S_ESTABLISHED)
            sa = &ctx[1].ike.sa[i];
    assert_non_null(sa);
    c = tip_ike_sa_conn(&ctx[1], sa);
    assert_non_null(c);
    assert_non_null(tip_ike_buf_take(&ctx[1], &sa->req_buf));
    memset(spi, 0x5C, sizeof(spi));
    memset(nonce, 0x3A, sizeof(nonce));
    publen = tip_crypto_dh_pub_len((tip_dh_group_t)sa->dh_group);
    memset(pub, 0x11, publen);
    memset(&sa->pend, 0, sizeof(sa->pend));
    sa->pend.child_idx = 1;
    sa->child[1].create = TIP_IKE_CREATE_SENT;
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_CREATE_CHILD_SA, &h);
    (void)tip_ike_w_pool(&ctx[1], &sa->req_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(&ctx[1], sa, &w);
    tip_ike_w_sa_ike(&w, &c->cfg, spi, (tip_dh_group_t)sa->dh_group);
    tip_ike_w_nonce(&w, nonce, sizeof(nonce));
    tip_ike_w_ke(&w, sa->dh_group, pub, publen);
    assert_int_equal(tip_ike_sk_end(sa, &w, &len), TIP_OK);
    assert_int_equal(tip_ike_send_request(&ctx[1], sa, len, TIP_IKE_P_CHILD_CREATE), TIP_OK);
}
#endif

/* A peer's IKE SA rekey: taken with IKE SA rekeying, refused without it. */
static void test_peer_rekeys_ike_sa(void **state)
{
    uint8_t spi0[8], spi1[8];

    (void)state;
    world(0, 0);
    assert_int_equal(established(&ctx[0], spi0), 1);
#if TIP_CONF_IKE_REKEY_IKE
    assert_int_equal(tip_ike_rekey_ike(&ctx[1], ba), TIP_OK);
    tip_sim_run(&sim, 2000, 100);
    assert_int_equal(ev[0][TIP_EV_IKE_REKEYED], 1);
    assert_int_equal(established(&ctx[0], spi1), 1);
    assert_memory_not_equal(spi0, spi1, 8);
#else
    peer_sends_ike_rekey();
    (void)tip_sim_pump(&sim);
    assert_int_equal(ev[1][TIP_EV_PROPOSAL_MISMATCH], 1);
    assert_int_equal(last_reason[1][TIP_EV_PROPOSAL_MISMATCH], TIP_IKE_N_NO_PROPOSAL_CHOSEN);
    memset(&ctx[1].ike.sa[0].child[1], 0, sizeof(tip_ike_child_t)); /* the booking only */
    memset(&ctx[1].ike.sa[1].child[1], 0, sizeof(tip_ike_child_t));
    tip_sim_run(&sim, 2000, 100);
    /* a's IKE SA stays, nothing happened to it */
    assert_int_equal(established(&ctx[0], spi1), 1);
    assert_memory_equal(spi0, spi1, 8);
    assert_int_equal(ev[0][TIP_EV_IKE_DOWN] + ev[0][TIP_EV_IKE_REKEYED], 0);
#endif
    expect_traffic(0, 1);
    expect_traffic(1, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replaced_at_rekey_time),
        cmocka_unit_test(test_replaced_at_rekey_time_restart),
        cmocka_unit_test(test_rekey_ike_call),
        cmocka_unit_test(test_peer_rekeys_ike_sa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
