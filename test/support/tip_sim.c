/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Deterministic network of contexts for whole-exchange tests (see tip_sim.h).
 */
#include <string.h>

#include "tip_sim.h"
#include "tip_test_pkt.h"

static uint64_t tip_sim_rand(tip_sim_t *s)
{
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void tip_sim_node(tip_sim_node_t *n, tip_ctx_t *c, tip_test_port_t *p, const char *addr)
{
    memset(n, 0, sizeof(*n));
    n->ctx = c;
    n->port = p;
    n->addr = tip_test_addr(addr);
    n->consumed = tip_test_port_count(p);
}

void tip_sim_init(tip_sim_t *s, tip_ctx_t *a, tip_test_port_t *pa, const char *addr_a,
                  tip_ctx_t *b, tip_test_port_t *pb, const char *addr_b, uint64_t seed)
{
    memset(s, 0, sizeof(*s));
    tip_sim_node(&s->n[0], a, pa, addr_a);
    tip_sim_node(&s->n[1], b, pb, addr_b);
    s->nodes = 2;
    s->now = pa->now_ms > pb->now_ms ? pa->now_ms : pb->now_ms;
    s->rng = seed;
}

unsigned tip_sim_add(tip_sim_t *s, tip_ctx_t *c, tip_test_port_t *p, const char *addr)
{
    unsigned i = s->nodes;

    if (i >= TIP_SIM_NODES)
        return TIP_SIM_NODES; /* the caller's test asserts on it */
    tip_sim_node(&s->n[i], c, p, addr);
    if (p->now_ms < s->now)
        tip_test_port_set_time(p, s->now);
    s->nodes++;
    return i;
}

/* The node that owns address @p a, or TIP_SIM_NODES. */
static unsigned tip_sim_route(const tip_sim_t *s, const tip_addr_t *a)
{
    unsigned i;

    for (i = 0; i < s->nodes; i++)
        if (a->family == s->n[i].addr.family &&
            memcmp(a->addr, s->n[i].addr.addr, sizeof(a->addr)) == 0)
            return i;
    return TIP_SIM_NODES;
}

static void tip_sim_deliver(tip_sim_t *s, const tip_sim_pkt_t *p)
{
    static uint8_t mem[4096];
    tip_sim_node_t *to = &s->n[p->to];
    const tip_sim_node_t *from = &s->n[p->from];
    const tip_test_sent_t *pkt = &p->pkt;
    tip_buf_t buf;
    int r;

    if (to->down || from->down) {
        s->lost++;
        return;
    }
    to->rx_any++;
    if (tip_test_port_to_buf(pkt, &buf, mem, sizeof(mem), TIP_ESP_HEADROOM) != TIP_OK)
        return;
    if (pkt->kind == TIP_TEST_SENT_IP) {
        r = tip_input_ip(to->ctx, &buf);
    } else if (pkt->dport == TIP_PORT_IKE) {
        r = TIP_RX_IKE; /* the IKE port carries no marker: all of it is IKE */
    } else {
        r = tip_input_udp(to->ctx, &from->addr, pkt->sport, &to->addr, pkt->dport, &buf);
    }
    if (r == TIP_RX_IKE) {
        to->rx_ike++;
        if (tip_ike_input(to->ctx, &from->addr, pkt->sport, &to->addr, pkt->dport,
                          buf.base + buf.off, buf.len) != TIP_OK)
            to->rx_dropped++;
    } else if (r == TIP_RX_DATA) {
        to->rx_data++;
        to->last_len = buf.len < sizeof(to->last) ? buf.len : sizeof(to->last);
        memcpy(to->last, buf.base + buf.off, to->last_len);
    } else if (r < 0) {
        to->rx_dropped++;
    }
}

unsigned tip_sim_pump(tip_sim_t *s)
{
    unsigned delivered = 0, i;
    int moved = 1, rounds = 0;

    while (moved && rounds++ < 64) {
        moved = 0;
        for (i = 0; i < s->nodes; i++) {
            tip_sim_node_t *n = &s->n[i];
            while (n->consumed < tip_test_port_count(n->port) && s->queued < TIP_SIM_QUEUE) {
                const tip_test_sent_t *pkt = tip_test_port_get(n->port, n->consumed++);
                unsigned to;
                if (pkt == NULL)
                    continue; /* overwritten in the ring: lost */
                s->sent++;
                to = tip_sim_route(s, &pkt->dst);
                if (to == TIP_SIM_NODES || to == i) {
                    s->unroutable++;
                    continue;
                }
                if ((unsigned)(tip_sim_rand(s) % 100u) < s->loss_pct) {
                    s->lost++;
                    continue;
                }
                s->q[s->queued].to = (uint8_t)to;
                s->q[s->queued].from = (uint8_t)i;
                s->q[s->queued++].pkt = *pkt;
                if ((unsigned)(tip_sim_rand(s) % 100u) < s->dup_pct && s->queued < TIP_SIM_QUEUE) {
                    s->duplicated++;
                    s->q[s->queued] = s->q[s->queued - 1u];
                    s->queued++;
                }
                moved = 1;
            }
        }
        /* reorder: swap random neighbours */
        for (i = 0; i + 1 < s->queued; i++) {
            if ((unsigned)(tip_sim_rand(s) % 100u) < s->reorder_pct) {
                tip_sim_pkt_t t = s->q[i];
                s->q[i] = s->q[i + 1];
                s->q[i + 1] = t;
                s->reordered++;
            }
        }
        {
            unsigned n = s->queued;
            static tip_sim_pkt_t batch[TIP_SIM_QUEUE];
            memcpy(batch, s->q, n * sizeof(batch[0]));
            s->queued = 0;
            for (i = 0; i < n; i++) {
                tip_sim_deliver(s, &batch[i]);
                delivered++;
            }
        }
    }
    return delivered;
}

void tip_sim_run(tip_sim_t *s, uint64_t ms, uint64_t step)
{
    uint64_t end = s->now + ms;
    unsigned i;

    while (s->now < end) {
        s->now += step;
        for (i = 0; i < s->nodes; i++)
            tip_test_port_set_time(s->n[i].port, s->now);
        for (i = 0; i < s->nodes; i++)
            (void)tip_poll(s->n[i].ctx, s->now);
        (void)tip_sim_pump(s);
    }
}

int tip_sim_until(tip_sim_t *s, int (*done)(void *arg), void *arg, uint64_t max_ms)
{
    uint64_t end = s->now + max_ms;

    (void)tip_sim_pump(s);
    while (!done(arg)) {
        if (s->now >= end)
            return 0;
        tip_sim_run(s, 10, 10);
    }
    return 1;
}

/* Poll node @p i at the network's time and note when it wants the next. */
static void tip_sim_poll_node(tip_sim_t *s, unsigned i, tip_sim_sleep_stats_t *st)
{
    uint32_t r = tip_poll(s->n[i].ctx, s->now);

    if (r == 0 && s->n[i].wake_at == s->now)
        st->spins++;
    s->n[i].wake_at = r == TIP_POLL_NONE ? UINT64_MAX : s->now + r;
}

/* Deliver what was sent; poll every node that received something (it may
 * send more: deliver that too). */
static void tip_sim_deliver_and_poll(tip_sim_t *s, tip_sim_sleep_stats_t *st)
{
    uint32_t before[TIP_SIM_NODES];
    unsigned i, delivered;

    do {
        for (i = 0; i < s->nodes; i++)
            before[i] = s->n[i].rx_any;
        delivered = tip_sim_pump(s);
        for (i = 0; i < s->nodes; i++) {
            if (s->n[i].rx_any != before[i]) {
                tip_sim_poll_node(s, i, st);
                st->polls_input++;
            }
        }
    } while (delivered != 0);
}

void tip_sim_sleep(tip_sim_t *s, uint64_t ms, tip_sim_sleep_stats_t *out)
{
    tip_sim_sleep_stats_t st;
    uint64_t end = s->now + ms;
    unsigned i, same = 0;

    memset(&st, 0, sizeof(st));
    for (i = 0; i < s->nodes; i++) {
        tip_test_port_set_time(s->n[i].port, s->now);
        s->n[i].wake_at = UINT64_MAX;
        tip_sim_poll_node(s, i, &st);
        st.polls_due++;
    }
    tip_sim_deliver_and_poll(s, &st);
    for (;;) {
        uint64_t t = UINT64_MAX;
        for (i = 0; i < s->nodes; i++)
            if (s->n[i].wake_at < t)
                t = s->n[i].wake_at;
        if (t > end) {
            s->now = end;
            for (i = 0; i < s->nodes; i++)
                tip_test_port_set_time(s->n[i].port, s->now);
            break;
        }
        same = t == s->now ? same + 1u : 0u;
        if (same > 100u)
            break; /* something stays due however often it is polled */
        s->now = t;
        st.wakeups++;
        for (i = 0; i < s->nodes; i++)
            tip_test_port_set_time(s->n[i].port, s->now);
        for (i = 0; i < s->nodes; i++) {
            if (s->n[i].wake_at <= t) {
                tip_sim_poll_node(s, i, &st);
                st.polls_due++;
            }
        }
        tip_sim_deliver_and_poll(s, &st);
    }
    if (out != NULL) {
        out->polls_due += st.polls_due;
        out->polls_input += st.polls_input;
        out->wakeups += st.wakeups;
        out->spins += st.spins;
    }
}

int tip_sim_send_udp(tip_ctx_t *from, const char *src, const char *dst, uint8_t fill)
{
    static uint8_t mem[2048];
    uint8_t pl[100];
    tip_buf_t buf;
    tip_addr_t s = tip_test_addr(src), d = tip_test_addr(dst);
    int err;

    memset(pl, fill, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    err = tip_test_pkt_udp(&buf, &s, &d, 1000, 2000, pl, sizeof(pl));
    return err != TIP_OK ? err : tip_output(from, &buf);
}
