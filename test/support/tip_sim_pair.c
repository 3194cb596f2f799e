/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Two IKE peers on the simulated network (see tip_sim_pair.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"

#if TIP_CONF_IKEV2 /* the pair is two IKE peers; without IKEv2 nothing here */
#include "tip_sim_pair.h"
#include "tip_test_ike.h"

const char *const tip_sim_pair_addr[2] = {"10.99.0.1", "10.99.0.2"};
const char *const tip_sim_pair_id[2] = {"a.test", "b.test"};
const char *const tip_sim_pair_net[2] = {"10.1.0.0", "10.2.0.0"};

static void tip_sim_pair_event(void *arg, const tip_event_t *e)
{
    const tip_sim_pair_node_t *node = arg;
    tip_sim_pair_t *p = node->pair;
    int n = node->n;

    if (p->own_conn_only && e->conn != p->conn[n])
        return;
    p->ev[n][e->type]++;
    p->ev_reason[n][e->type] = e->reason;
    p->ev_child[n][e->type] = e->child;
    if (p->on_event != NULL)
        p->on_event(n, e);
}

void tip_sim_pair_init(tip_sim_pair_t *p, uint64_t seed)
{
    tip_sim_pair_init_at(p, seed, tip_sim_pair_addr[0], tip_sim_pair_addr[1]);
}

void tip_sim_pair_init_at(tip_sim_pair_t *p, uint64_t seed, const char *addr_a, const char *addr_b)
{
    tip_port_t port;
    int n;

    for (n = 0; n < 2; n++)
        (void)tip_ctx_deinit(&p->ctx[n]);
    memset(p->ev, 0, sizeof(p->ev));
    memset(p->ev_reason, 0, sizeof(p->ev_reason));
    memset(p->ev_child, 0, sizeof(p->ev_child));
    memset(p->conn, 0, sizeof(p->conn));
    p->own_conn_only = 0;
    p->on_event = NULL;
    for (n = 0; n < 2; n++) {
        p->node[n].pair = p;
        p->node[n].n = n;
        tip_test_port_init(&p->port[n], seed + (uint64_t)n, 1000);
        tip_test_port_fill(&p->port[n], &port);
        assert_int_equal(tip_ctx_init(&p->ctx[n], &port), TIP_OK);
        tip_ctx_set_event_cb(&p->ctx[n], tip_sim_pair_event, &p->node[n]);
    }
    tip_sim_init(&p->sim, &p->ctx[0], &p->port[0], addr_a, &p->ctx[1], &p->port[1], addr_b, seed);
}

void tip_sim_pair_reboot(tip_sim_pair_t *p, int n)
{
    tip_port_t port;

    (void)tip_ctx_deinit(&p->ctx[n]);
    tip_test_port_fill(&p->port[n], &port);
    assert_int_equal(tip_ctx_init(&p->ctx[n], &port), TIP_OK);
    tip_ctx_set_event_cb(&p->ctx[n], tip_sim_pair_event, &p->node[n]);
}

void tip_sim_pair_conn(tip_ike_conn_t *k, int n)
{
    int o = 1 - n;

    tip_test_ike_conn(k, tip_sim_pair_addr[n], tip_sim_pair_addr[o], tip_sim_pair_id[n],
                      tip_sim_pair_id[o], tip_sim_pair_net[n], tip_sim_pair_net[o]);
}

void tip_sim_pair_add(tip_sim_pair_t *p, const tip_ike_conn_t *ka, const tip_ike_conn_t *kb)
{
    const tip_ike_conn_t *k[2];
    tip_ike_conn_t std[2];
    int n;

    k[0] = ka;
    k[1] = kb;
    for (n = 0; n < 2; n++) {
        if (k[n] == NULL) {
            tip_sim_pair_conn(&std[n], n);
            k[n] = &std[n];
        }
        assert_int_equal(tip_ike_conn_add(&p->ctx[n], k[n], &p->conn[n]), TIP_OK);
    }
}

void tip_sim_pair_setup(tip_sim_pair_t *p, uint64_t seed, tip_sim_pair_tweak_t ta,
                        tip_sim_pair_tweak_t tb)
{
    tip_ike_conn_t k[2];

    tip_sim_pair_init(p, seed);
    tip_sim_pair_conn(&k[0], 0);
    tip_sim_pair_conn(&k[1], 1);
    if (ta != NULL)
        ta(&k[0]);
    if (tb != NULL)
        tb(&k[1]);
    tip_sim_pair_add(p, &k[0], &k[1]);
}

void tip_sim_pair_open(tip_sim_pair_t *p, uint64_t seed, const tip_ike_conn_t *ka,
                       const tip_ike_conn_t *kb)
{
    tip_sim_pair_init(p, seed);
    tip_sim_pair_add(p, ka, kb);
}

void tip_sim_pair_traffic(tip_sim_pair_t *p)
{
    uint32_t ra = p->sim.n[0].rx_data, rb = p->sim.n[1].rx_data;

    assert_int_equal(tip_sim_send_udp(&p->ctx[0], "10.1.0.5", "10.2.0.7", 0xAB), TIP_SENT);
    (void)tip_sim_pump(&p->sim);
    assert_int_equal(p->sim.n[1].rx_data, rb + 1);
    assert_int_equal(p->sim.n[1].last[28], 0xAB);
    assert_int_equal(tip_sim_send_udp(&p->ctx[1], "10.2.0.7", "10.1.0.5", 0xCD), TIP_SENT);
    (void)tip_sim_pump(&p->sim);
    assert_int_equal(p->sim.n[0].rx_data, ra + 1);
    assert_int_equal(p->sim.n[0].last[28], 0xCD);
}

int tip_sim_pair_both_up(void *arg)
{
    const tip_sim_pair_t *p = arg;
    tip_ike_status_t s0, s1;

    return tip_ike_status(&p->ctx[0], p->conn[0], &s0) == TIP_OK &&
           tip_ike_status(&p->ctx[1], p->conn[1], &s1) == TIP_OK && s0.child_up && s1.child_up;
}

void tip_sim_pair_up(tip_sim_pair_t *p, uint64_t max_ms)
{
    assert_int_equal(tip_ike_initiate(&p->ctx[0], p->conn[0]), TIP_OK);
    assert_true(tip_sim_until(&p->sim, tip_sim_pair_both_up, p, max_ms));
}

tip_ike_sa_t *tip_sim_pair_established(tip_ctx_t *c)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (c->ike.sa[i].state == TIP_IKE_S_ESTABLISHED)
            return &c->ike.sa[i];
    return NULL;
}

unsigned tip_sim_pair_ike_sas(const tip_ctx_t *c)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += c->ike.sa[i].state != TIP_IKE_S_FREE;
    return n;
}

void tip_sim_pair_check_transitions(const tip_sim_pair_t *p)
{
    assert_int_equal(p->ctx[0].ike.bad_transitions, 0);
    assert_int_equal(p->ctx[1].ike.bad_transitions, 0);
}

#else
typedef int tip_sim_pair_unused_t; /* ISO C: a translation unit is not empty */
#endif /* TIP_CONF_IKEV2 */
