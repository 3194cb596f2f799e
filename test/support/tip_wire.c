/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The wire driven by hand (see tip_wire.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_wire.h"

/* IKE header (RFC 7296 3.1): exchange type at 18, flags at 19. */
#define TIP_WIRE_FLAG_RESPONSE 0x20u

void tip_wire_init(tip_wire_t *w, tip_sim_t *sim)
{
    w->sim = sim;
    w->n = 0;
}

void tip_wire_collect(tip_wire_t *w)
{
    int n;

    for (n = 0; n < 2; n++) {
        tip_sim_node_t *node = &w->sim->n[n];
        while (node->consumed < tip_test_port_count(node->port)) {
            const tip_test_sent_t *p = tip_test_port_get(node->port, node->consumed++);
            assert_non_null(p);
            assert_true(w->n < TIP_WIRE_MAX);
            w->q[w->n].from = n;
            w->q[w->n++].pkt = *p;
        }
    }
}

unsigned tip_wire_find(tip_wire_t *w, int from, uint8_t exch, int response)
{
    unsigned i;

    tip_wire_collect(w);
    for (i = 0; i < w->n; i++) {
        size_t len;
        const uint8_t *m = tip_test_sent_ike(&w->q[i].pkt, &len);
        if (w->q[i].from == from && len >= 28 && m[18] == exch &&
            ((m[19] & TIP_WIRE_FLAG_RESPONSE) != 0) == (response != 0))
            return i;
    }
    fail_msg("no %s of exchange %u from node %d on the wire", response ? "response" : "request",
             (unsigned)exch, from);
    return 0;
}

void tip_wire_take(tip_wire_t *w, unsigned i)
{
    assert_true(i < w->n);
    memmove(&w->q[i], &w->q[i + 1u], sizeof(w->q[0]) * (w->n - i - 1u));
    w->n--;
}

int tip_wire_deliver(tip_wire_t *w, unsigned i)
{
    static tip_test_sent_t p;
    tip_sim_node_t *from, *to;
    const uint8_t *m;
    size_t len;
    int rc;

    assert_true(i < w->n);
    p = w->q[i].pkt;
    from = &w->sim->n[w->q[i].from];
    to = &w->sim->n[1 - w->q[i].from];
    tip_wire_take(w, i);
    m = tip_test_sent_ike(&p, &len);
    rc = tip_ike_input(to->ctx, &from->addr, p.sport, &to->addr, p.dport, m, len);
    tip_wire_collect(w);
    return rc;
}

void tip_wire_tick(tip_wire_t *w, uint64_t ms)
{
    int n;

    w->sim->now += ms;
    for (n = 0; n < 2; n++) {
        tip_test_port_set_time(w->sim->n[n].port, w->sim->now);
        (void)tip_poll(w->sim->n[n].ctx, w->sim->now);
    }
    tip_wire_collect(w);
}

void tip_wire_settle(tip_wire_t *w, uint64_t ms, int strict)
{
    while (w->n > 0) {
        int rc = tip_wire_deliver(w, 0);
        if (strict)
            assert_int_equal(rc, TIP_OK);
    }
    (void)tip_sim_pump(w->sim);
    tip_sim_run(w->sim, ms, 10);
}
