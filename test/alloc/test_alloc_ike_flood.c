/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Denial-of-service resistance (RFC 7296 2.6): 10 000 spoofed IKE_SA_INIT
 * requests from as many forged addresses hit a responder while a real
 * peer connects. The responder keeps at most TIP_IKE_COOKIE_THRESHOLD
 * half-open SAs, answers the rest with stateless cookies, the real peer
 * (which does receive its cookie) gets through, and the heap -- Mbed TLS's
 * allocations are the only ones -- is back where it started once the
 * half-open SAs time out: the memory footprint stays fixed.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_MAX_IKE_SA>=4
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

/* ---- heap accounting through -Wl,--wrap (static code only) ---- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static long live_blocks, peak_blocks, calls;

static void track(long d)
{
    live_blocks += d;
    if (live_blocks > peak_blocks)
        peak_blocks = live_blocks;
    calls++;
}

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    if (p != NULL)
        track(1);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    void *p = __real_calloc(n, size);
    if (p != NULL)
        track(1);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    void *q = __real_realloc(p, n);
    if (p == NULL && q != NULL)
        track(1);
    return q;
}

void __wrap_free(void *p)
{
    if (p != NULL)
        track(-1);
    __real_free(p);
}

/* ---- the test ---- */

static tip_test_port_t pa, pb, pc;
static tip_ctx_t a, b, c;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;

static void conn_fill(tip_ike_conn_t *k, const char *me, const char *peer, const char *my_id,
                      const char *peer_id, const char *my_net, const char *peer_net)
{
    tip_addr_t n;
    tip_ike_conn_init(k);
    k->local_addr = tip_test_addr(me);
    if (peer != NULL)
        k->remote_addr = tip_test_addr(peer);
    assert_int_equal(tip_ike_id_set(&k->local_id, TIP_ID_FQDN, my_id), TIP_OK);
    assert_int_equal(tip_ike_id_set(&k->remote_id, TIP_ID_FQDN, peer_id), TIP_OK);
    memcpy(k->psk, "flood-test-psk", 14);
    k->psk_len = 14;
    n = tip_test_addr(my_net);
    assert_int_equal(tip_addr_range_prefix(&k->ts.local, &n, 24), TIP_OK);
    n = tip_test_addr(peer_net);
    assert_int_equal(tip_addr_range_prefix(&k->ts.remote, &n, 24), TIP_OK);
}

static int a_up(void *arg)
{
    tip_ike_status_t st;
    (void)arg;
    return tip_ike_status(&a, conn_a, &st) == TIP_OK && st.child_up;
}

static void test_cookie_flood(void **state)
{
    tip_port_t port;
    tip_ike_conn_t ca, cb, cc;
    tip_handle_t conn_c;
    static uint8_t tmpl[TIP_IKE_MSG_MAX];
    size_t tmpl_len;
    tip_addr_t to = tip_test_addr("10.99.0.2");
    unsigned i, max_half_open = 0;
    long base;
    (void)state;

    tip_test_port_init(&pa, 1, 1000);
    tip_test_port_init(&pb, 2, 1000);
    tip_test_port_init(&pc, 3, 1000);
    tip_test_port_fill(&pa, &port);
    assert_int_equal(tip_ctx_init(&a, &port), TIP_OK);
    tip_test_port_fill(&pb, &port);
    assert_int_equal(tip_ctx_init(&b, &port), TIP_OK);
    tip_test_port_fill(&pc, &port);
    assert_int_equal(tip_ctx_init(&c, &port), TIP_OK);
    conn_fill(&ca, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    /* b answers anyone (a road-warrior gateway): the worst case for floods */
    conn_fill(&cb, "10.99.0.2", NULL, "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    assert_int_equal(tip_ike_conn_add(&a, &ca, &conn_a), TIP_OK);
    assert_int_equal(tip_ike_conn_add(&b, &cb, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", 7);

    /* A genuine IKE_SA_INIT request from a third party, as the template. */
    conn_fill(&cc, "10.99.0.9", "10.99.0.2", "c.test", "b.test", "10.3.0.0", "10.2.0.0");
    assert_int_equal(tip_ike_conn_add(&c, &cc, &conn_c), TIP_OK);
    assert_int_equal(tip_ike_initiate(&c, conn_c), TIP_OK);
    tmpl_len = tip_test_port_last(&pc)->len;
    memcpy(tmpl, tip_test_port_last(&pc)->data, tmpl_len);

    base = live_blocks;
    for (i = 0; i < 10000; i++) {
        tip_addr_t from = tip_test_addr("198.18.0.0");
        from.addr[2] = (uint8_t)(i >> 8);
        from.addr[3] = (uint8_t)i;
        tmpl[0] = (uint8_t)(i >> 8); /* a fresh SPIi each time */
        tmpl[1] = (uint8_t)i;
        (void)tip_ike_input(&b, &from, 500, &to, 500, tmpl, tmpl_len);
        if (i == 5000)
            assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
        if (i % 50 == 0)
            tip_sim_run(&sim, 1, 1);
        {
            unsigned k, n = 0;
            for (k = 0; k < TIP_MAX_IKE_SA; k++)
                n += b.ike.sa[k].state == TIP_IKE_S_INIT_DONE;
            if (n > max_half_open)
                max_half_open = n;
        }
    }
    /* The real peer got through despite the flood. */
    assert_true(tip_sim_until(&sim, a_up, NULL, 10000));
    assert_true(max_half_open <= TIP_IKE_COOKIE_THRESHOLD);
    assert_true(pb.n_udp > 9000); /* stateless cookie answers */
    /* Half-open SAs expire; the heap returns to what it was. */
    tip_sim_run(&sim, 40000, 1000);
    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        assert_int_not_equal(b.ike.sa[i].state, TIP_IKE_S_INIT_DONE);
    print_message("heap blocks: before %ld, after %ld, peak %ld, calls %ld\n", base, live_blocks,
                  peak_blocks, calls);
    /* the established SA pair (2 GCM contexts) and the IKE SA's SK state stay */
    assert_true(live_blocks - base <= 8);
    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
    tip_ctx_deinit(&c);
    assert_true(calls > 0); /* the wrapping does see Mbed TLS */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_flood),
    };
    return cmocka_run_group_tests_name("ike_flood", tests, NULL, NULL);
}
