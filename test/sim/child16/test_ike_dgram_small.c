/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A build whose IKE receive buffer is smaller than 1280 bytes (config.h of
 * this directory: TIP_IKE_DGRAM_MAX 512, TIP_IKE_MSG_MAX 1280) still
 * sends, receives and processes unfragmented messages of up to 1280 bytes
 * (RFC 7296 2): an IKE_SA_INIT and an IKE_AUTH longer than its receive
 * buffer, exchanged with fragmentation off, complete the handshake and
 * carry traffic; the larger datagram is taken into a buffer of the message
 * pool for the call and given back.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384
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

#if TIP_IKE_DGRAM_MAX >= 1280 || TIP_IKE_MSG_MAX < 1280
#error "built with test/sim/child16/config.h only"
#endif

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;

/* Identities of 60 characters: long enough, with eight proposals of each
 * kind, to make the initiator's IKE_SA_INIT and IKE_AUTH requests larger
 * than the receive buffer (the responses, with one proposal, are not). */
static const char *const long_id[2] = {
    "device-with-a-long-name.branch-office-0042.example-vpn.test",
    "gateway-with-a-long-name.head-office-0001.example-vpn.test",
};

static void big_conn(tip_ike_conn_t *k, int n)
{
    static const tip_ike_proposal_t ike[8] = {
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_384, TIP_DH_ECP_384},
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_256, TIP_DH_ECP_256},
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_256, TIP_DH_ECP_384},
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_384, TIP_DH_ECP_256},
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_384, TIP_DH_ECP_256},
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_256, TIP_DH_ECP_384},
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_256, TIP_DH_ECP_256},
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_PRF_HMAC_SHA2_384, TIP_DH_ECP_384},
    };
    static const tip_child_proposal_t child[8] = {
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_DH_NONE, 1},
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_DH_NONE, 1},
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_DH_NONE, 0},
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_DH_NONE, 0},
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_DH_ECP_256, 1},
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_DH_ECP_256, 1},
        {TIP_ENCR_AES_GCM_16, 256, TIP_INTEG_NONE, TIP_DH_ECP_384, 0},
        {TIP_ENCR_AES_GCM_16, 128, TIP_INTEG_NONE, TIP_DH_ECP_384, 0},
    };

    tip_sim_pair_conn(k, n);
    assert_int_equal(tip_ike_id_set(&k->local_id, TIP_ID_FQDN, long_id[n]), TIP_OK);
    assert_int_equal(tip_ike_id_set(&k->remote_id, TIP_ID_FQDN, long_id[1 - n]), TIP_OK);
    memcpy(k->ike, ike, sizeof(ike));
    k->ike_count = 8;
    memcpy(k->child, child, sizeof(child));
    k->child_count = 8;
}

static int child_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&sp.ctx[A], sp.conn[A], &sa) == TIP_OK &&
           tip_ike_status(&sp.ctx[B], sp.conn[B], &sb) == TIP_OK && sa.child_up && sb.child_up;
}

/* The longest IKE message node @p n sent of exchange @p exch (0 = none). */
static size_t longest_sent(int n, uint8_t exch)
{
    uint32_t i, count = tip_test_port_count(&sp.port[n]);
    size_t best = 0;

    for (i = 0; i < count; i++) {
        const tip_test_sent_t *s = tip_test_port_get(&sp.port[n], i);
        const uint8_t *ike;
        size_t len;

        if (s == NULL || s->kind != TIP_TEST_SENT_UDP)
            continue;
        ike = tip_test_sent_ike(s, &len);
        if (ike != NULL && len >= 28 && ike[18] == exch && len > best)
            best = len;
    }
    return best;
}

static void setup_big(uint64_t seed, int frag)
{
    tip_ike_conn_t k[2];
    int n;

    tip_sim_pair_init(&sp, seed);
    for (n = 0; n < 2; n++) {
        big_conn(&k[n], n);
        k[n].no_frag = (uint8_t)!frag;
    }
    tip_sim_pair_add(&sp, &k[A], &k[B]);
}

static void test_unfragmented_messages_above_the_receive_buffer(void **state)
{
    int n;
    (void)state;

    setup_big(11, 0);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, child_up, NULL, 5000));
    /* The messages really were larger than the receive buffer, and whole. */
    assert_true(longest_sent(A, TIP_IKE_EXCH_IKE_SA_INIT) > TIP_IKE_DGRAM_MAX);
    assert_true(longest_sent(A, TIP_IKE_EXCH_IKE_AUTH) > TIP_IKE_DGRAM_MAX);
    for (n = 0; n < 2; n++) {
        assert_int_equal(sp.ctx[n].ike.drops, 0);
        assert_int_equal(sp.ctx[n].ike.buf_exhausted, 0);
#if TIP_CONF_IKE_FRAG
        assert_int_equal(sp.ctx[n].ike.frag_msgs, 0);
#endif
        /* Only the cached response (B) is held between calls. */
        assert_int_equal(tip_ike_buf_free_count(&sp.ctx[n]), TIP_IKE_MSG_BUFS - (unsigned)n);
    }
    assert_int_equal(tip_sim_send_udp(&sp.ctx[A], "10.1.0.5", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&sp.sim);
    assert_int_equal(sp.sim.n[B].rx_data, 1);
}

/* With the pool empty, such a datagram is dropped, counted, and nothing
 * changes; the peer's retransmission is taken once a buffer is free. */
static void test_pool_empty_then_retransmission(void **state)
{
    tip_handle_t held[TIP_IKE_MSG_BUFS];
    unsigned i, taken = 0;
    (void)state;

    setup_big(12, 0);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    /* B's pool is empty when A's IKE_SA_INIT request arrives. */
    memset(held, 0, sizeof(held));
    for (i = 0; i < TIP_IKE_MSG_BUFS; i++)
        taken += tip_ike_buf_take(&sp.ctx[B], &held[i]) != NULL;
    assert_int_equal(taken, TIP_IKE_MSG_BUFS);
    (void)tip_sim_pump(&sp.sim);
    assert_true(sp.ctx[B].ike.drops >= 1); /* with A's retransmissions */
    assert_int_equal(sp.ctx[B].ike.buf_exhausted, sp.ctx[B].ike.drops);
    assert_int_equal(tip_ike_half_open(&sp.ctx[B]), 0); /* no state made */
    for (i = 0; i < TIP_IKE_MSG_BUFS; i++)
        tip_ike_buf_release(&sp.ctx[B], &held[i]);
    /* A retransmits after its timeout; now it goes through. */
    assert_true(tip_sim_until(&sp.sim, child_up, NULL, 10000));
}

/* With fragmentation on, A's IKE_AUTH goes in fragments of at most
 * TIP_IKE_DGRAM_MAX bytes; IKE_SA_INIT, never fragmented, goes whole. */
static void test_fragmented_auth_whole_init(void **state)
{
    (void)state;

    setup_big(13, 1);
    assert_int_equal(tip_ike_initiate(&sp.ctx[A], sp.conn[A]), TIP_OK);
    assert_true(tip_sim_until(&sp.sim, child_up, NULL, 5000));
    assert_true(longest_sent(A, TIP_IKE_EXCH_IKE_SA_INIT) > TIP_IKE_DGRAM_MAX);
    assert_true(longest_sent(A, TIP_IKE_EXCH_IKE_AUTH) <= TIP_IKE_DGRAM_MAX);
    assert_true(longest_sent(B, TIP_IKE_EXCH_IKE_AUTH) <= TIP_IKE_DGRAM_MAX);
    assert_true(sp.ctx[B].ike.frag_msgs >= 1); /* A's IKE_AUTH, reassembled */
}

static int teardown(void **state)
{
    (void)state;
    tip_ctx_deinit(&sp.ctx[A]);
    tip_ctx_deinit(&sp.ctx[B]);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_unfragmented_messages_above_the_receive_buffer, teardown),
        cmocka_unit_test_teardown(test_pool_empty_then_retransmission, teardown),
#if TIP_CONF_IKE_FRAG
        cmocka_unit_test_teardown(test_fragmented_auth_whole_init, teardown),
#endif
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
