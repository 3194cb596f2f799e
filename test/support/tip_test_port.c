/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Deterministic test port (see tip_test_port.h). NOT SECURE by design.
 */
#include "tip_test_port.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "tinyipsec/error.h"

/* splitmix64 (Steele, Lea, Flood 2014): tiny, full period, good enough for
 * reproducible test input. Deliberately not a CSPRNG. */
uint64_t tip_test_port_rand64(tip_test_port_t *tp)
{
    uint64_t z;

    tp->rng += 0x9E3779B97F4A7C15ull;
    z = tp->rng;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void tip_test_port_init(tip_test_port_t *tp, uint64_t seed, uint64_t start_ms)
{
    memset(tp, 0, sizeof(*tp));
    tp->now_ms = start_ms;
    tp->rng = seed;
    tp->fail_err = TIP_ERR_PORT;
    tp->last_log_level = -1;
}

void tip_test_port_advance(tip_test_port_t *tp, uint64_t ms)
{
    tp->now_ms += ms;
}

void tip_test_port_set_time(tip_test_port_t *tp, uint64_t now_ms)
{
    assert(now_ms >= tp->now_ms);
    tp->now_ms = now_ms;
}

void tip_test_port_clear(tip_test_port_t *tp)
{
    tp->total = 0;
    memset(tp->ring, 0, sizeof(tp->ring));
}

uint32_t tip_test_port_count(const tip_test_port_t *tp)
{
    return tp->total;
}

const tip_test_sent_t *tip_test_port_get(const tip_test_port_t *tp, uint32_t i)
{
    if (i >= tp->total || tp->total - i > TIP_TEST_PORT_RING)
        return NULL;
    return &tp->ring[i % TIP_TEST_PORT_RING];
}

const tip_test_sent_t *tip_test_port_last(const tip_test_port_t *tp)
{
    if (tp->total == 0)
        return NULL;
    return tip_test_port_get(tp, tp->total - 1);
}

void tip_test_port_fail_next(tip_test_port_t *tp, uint32_t n, int err)
{
    tp->fail_sends = n;
    tp->fail_err = err != 0 ? err : TIP_ERR_PORT;
}

int tip_test_port_to_buf(const tip_test_sent_t *s, tip_buf_t *buf, uint8_t *mem, size_t cap,
                         size_t headroom)
{
    if (s == NULL || buf == NULL || mem == NULL || s->len != s->orig_len)
        return TIP_ERR_ARG;
    if (headroom > cap || s->len > cap - headroom)
        return TIP_ERR_BUF_SPACE;
    memcpy(mem + headroom, s->data, s->len);
    buf->base = mem;
    buf->cap = cap;
    buf->off = headroom;
    buf->len = s->len;
    return TIP_OK;
}

/* Returns the slot for a new packet, or NULL when this send must fail. */
static tip_test_sent_t *record(tip_test_port_t *tp, uint8_t kind, const uint8_t *data, size_t len)
{
    tip_test_sent_t *s;

    if (tp->fail_sends > 0) {
        tp->fail_sends--;
        tp->n_failed++;
        return NULL;
    }
    s = &tp->ring[tp->total % TIP_TEST_PORT_RING];
    memset(s, 0, offsetof(tip_test_sent_t, data));
    s->kind = kind;
    s->t_ms = tp->now_ms;
    s->seqno = tp->total;
    s->orig_len = len;
    s->len = len < TIP_TEST_PORT_PKT_MAX ? len : TIP_TEST_PORT_PKT_MAX;
    if (s->len > 0)
        memcpy(s->data, data, s->len);
    tp->total++;
    return s;
}

static int tp_send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                       uint16_t dport, const uint8_t *data, size_t len)
{
    tip_test_port_t *tp = arg;
    tip_test_sent_t *s;

    if (dst == NULL || (data == NULL && len > 0))
        return TIP_ERR_ARG;
    s = record(tp, TIP_TEST_SENT_UDP, data, len);
    if (s == NULL)
        return tp->fail_err;
    if (src != NULL)
        s->src = *src;
    s->dst = *dst;
    s->sport = sport;
    s->dport = dport;
    tp->n_udp++;
    return TIP_OK;
}

static int tp_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    tip_test_port_t *tp = arg;
    tip_test_sent_t *s;

    if (pkt == NULL || len == 0)
        return TIP_ERR_ARG;
    s = record(tp, TIP_TEST_SENT_IP, pkt, len);
    if (s == NULL)
        return tp->fail_err;
    /* Fill in the addresses from the header, handy for assertions. */
    if ((pkt[0] >> 4) == 4 && len >= 20) {
        s->src.family = TIP_AF_INET;
        memcpy(s->src.addr, pkt + 12, 4);
        s->dst.family = TIP_AF_INET;
        memcpy(s->dst.addr, pkt + 16, 4);
    } else if ((pkt[0] >> 4) == 6 && len >= 40) {
        s->src.family = TIP_AF_INET6;
        memcpy(s->src.addr, pkt + 8, 16);
        s->dst.family = TIP_AF_INET6;
        memcpy(s->dst.addr, pkt + 24, 16);
    }
    tp->n_ip++;
    return TIP_OK;
}

static uint64_t tp_now_ms(void *arg)
{
    const tip_test_port_t *tp = arg;

    return tp->now_ms;
}

static int tp_random(void *arg, uint8_t *out, size_t len)
{
    tip_test_port_t *tp = arg;
    size_t i = 0;

    tp->n_random++;
    if (tp->fail_random)
        return TIP_ERR_CRYPTO;
    while (i < len) {
        uint64_t r = tip_test_port_rand64(tp);
        size_t k;

        for (k = 0; k < 8 && i < len; k++, i++)
            out[i] = (uint8_t)(r >> (8 * k));
    }
    return TIP_OK;
}

static void tp_log(void *arg, int level, const char *msg)
{
    tip_test_port_t *tp = arg;

    tp->n_log++;
    tp->last_log_level = level;
    snprintf(tp->last_log, sizeof(tp->last_log), "%s", msg != NULL ? msg : "");
    if (tp->echo_log)
        fprintf(stderr, "tip[%d] %s\n", level, tp->last_log);
}

static int same_sa(const tip_sa_id_t *a, const tip_sa_id_t *b)
{
    return a->dir == b->dir && a->spi == b->spi && a->src.family == b->src.family &&
           a->dst.family == b->dst.family && memcmp(a->src.addr, b->src.addr, 16) == 0 &&
           memcmp(a->dst.addr, b->dst.addr, 16) == 0;
}

static int tp_seq_load(void *arg, const tip_sa_id_t *sa, uint64_t *mark)
{
    tip_test_port_t *tp = arg;
    size_t i;

    tp->n_seq_load++;
    if (tp->fail_seq_load)
        return TIP_ERR_PORT;
    for (i = 0; i < TIP_TEST_PORT_SEQ_MAX; i++) {
        if (tp->seq[i].used && same_sa(&tp->seq[i].id, sa)) {
            *mark = tp->seq[i].mark;
            return TIP_OK;
        }
    }
    return TIP_ERR_NOT_FOUND;
}

static int tp_seq_store(void *arg, const tip_sa_id_t *sa, uint64_t mark)
{
    tip_test_port_t *tp = arg;
    tip_test_seq_rec_t *free_rec = NULL;
    size_t i;

    if (tp->fail_seq_store > 0) {
        tp->fail_seq_store--;
        return TIP_ERR_PORT;
    }
    for (i = 0; i < TIP_TEST_PORT_SEQ_MAX; i++) {
        if (tp->seq[i].used && same_sa(&tp->seq[i].id, sa)) {
            /* A store never goes back: the core only moves marks up. */
            assert(mark >= tp->seq[i].mark);
            break;
        }
        if (!tp->seq[i].used && free_rec == NULL)
            free_rec = &tp->seq[i];
    }
    if (i == TIP_TEST_PORT_SEQ_MAX) {
        if (free_rec == NULL)
            return TIP_ERR_FULL;
        free_rec->used = 1;
        free_rec->id = *sa;
        i = (size_t)(free_rec - tp->seq);
    }
    tp->seq[i].mark = mark;
    tp->n_seq_store++;
    tp->seq_store_total = tp->total;
    return TIP_OK;
}

int tip_test_port_seq_mark(const tip_test_port_t *tp, tip_dir_t dir, uint32_t spi,
                           uint64_t *mark)
{
    size_t i;

    for (i = 0; i < TIP_TEST_PORT_SEQ_MAX; i++) {
        if (tp->seq[i].used && tp->seq[i].id.dir == (uint8_t)dir && tp->seq[i].id.spi == spi) {
            *mark = tp->seq[i].mark;
            return TIP_OK;
        }
    }
    return TIP_ERR_NOT_FOUND;
}

void tip_test_port_fill(tip_test_port_t *tp, tip_port_t *port)
{
    memset(port, 0, sizeof(*port));
    port->send_udp = tp_send_udp;
    port->send_ip = tp->no_send_ip ? NULL : tp_send_ip;
    port->now_ms = tp_now_ms;
    port->random = tp_random;
    port->log = tp_log;
    port->arg = tp;
    if (!tp->no_seq_store) {
        port->seq_load = tp_seq_load;
        port->seq_store = tp_seq_store;
    }
}

const uint8_t *tip_test_sent_ike(const tip_test_sent_t *s, size_t *len)
{
    size_t skip = s->len >= 4 && s->data[0] == 0 && s->data[1] == 0 && s->data[2] == 0 &&
                          s->data[3] == 0
                      ? 4
                      : 0;

    *len = s->len - skip;
    return s->data + skip;
}
