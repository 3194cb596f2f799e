/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: reassembly of Encrypted Fragment payloads (RFC 7383).
 * Two peers, a (initiator) and b, share an IKE SA with fragmentation
 * negotiated; the input is a list of fragments a "sends" b, each built
 * from the input and protected with a's keys (or forged), for b's next
 * request message ID (or another). The world lives across inputs and is
 * built again when the fuzzed messages took b's IKE SA down.
 *
 * Op (5 bytes, then its content): flags, fragment number, total, content
 * length / 2, next payload.
 *   flags bit 0: flip a byte of the ICV (forged);  bit 1: raw junk after
 *   the header, unprotected (forged);  bit 2: message ID + 1;  bit 3:
 *   message ID - 1 (a retransmission);  bit 4: the clock jumps 4 s and b
 *   polls;  bit 5: fragment 1's next payload from the op, else V (43).
 * Content: the next bytes of the input (zeros when it runs out).
 *
 * Invariants (abort on violation):
 *  - no input returns TIP_ERR_INTERNAL or TIP_ERR_ARG;
 *  - a forged fragment changes nothing: the reassembly state, b's message
 *    IDs, and b sends nothing;
 *  - b's request message ID moves only when a message was reassembled, by
 *    one, and b sends at most one response per fragment 1 or message;
 *  - the reassembly stays within its bounds (have <= total <=
 *    TIP_IKE_FRAG_MAX, used <= TIP_IKE_MSG_MAX) and holds a pool buffer
 *    exactly while it holds fragments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
/* The deterministic test port, compiled in (the fuzz library links no
 * test support). */
#include "../support/tip_test_port.c"
#include "../support/tip_test_pkt.c"

#if TIP_CONF_IKEV2 && TIP_CONF_IKE_FRAG

#define FZ_CHECK(c)                                                          \
    do {                                                                     \
        if (!(c)) {                                                          \
            fprintf(stderr, "fuzz_ike_frag: %s (line %d)\n", #c, __LINE__);  \
            abort();                                                         \
        }                                                                    \
    } while (0)

static tip_test_port_t g_port[2];
static tip_ctx_t g_ctx[2]; /* 0 = a, 1 = b */
static tip_handle_t g_conn[2];
static tip_addr_t g_addr[2];
static uint32_t g_consumed[2];
static int g_ready;
static uint32_t g_iv;

static void fz_conn(tip_ike_conn_t *c, int who)
{
    static const char *const ip[2] = {"192.0.2.1", "192.0.2.2"};
    static const char *const id[2] = {"a.test", "b.test"};
    static const char *const net[2] = {"10.1.0.0", "10.2.0.0"};
    tip_addr_t n;

    tip_ike_conn_init(c);
    (void)tip_addr_parse(&c->local_addr, ip[who]);
    (void)tip_addr_parse(&c->remote_addr, ip[!who]);
    (void)tip_ike_id_set(&c->local_id, TIP_ID_FQDN, id[who]);
    (void)tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, id[!who]);
    memcpy(c->psk, "fragments fragments", 19);
    c->psk_len = 19;
    (void)tip_addr_parse(&n, net[who]);
    (void)tip_addr_range_prefix(&c->ts.local, &n, 24);
    (void)tip_addr_parse(&n, net[!who]);
    (void)tip_addr_range_prefix(&c->ts.remote, &n, 24);
}

static void fz_pump(void)
{
    int moved = 1, from;

    while (moved) {
        moved = 0;
        for (from = 0; from < 2; from++) {
            while (g_consumed[from] < tip_test_port_count(&g_port[from])) {
                const tip_test_sent_t *s = tip_test_port_get(&g_port[from], g_consumed[from]++);
                if (s == NULL || s->kind != TIP_TEST_SENT_UDP)
                    continue;
                size_t len;
                const uint8_t *m = tip_test_sent_ike(s, &len); /* past a non-ESP marker */
                (void)tip_ike_input(&g_ctx[!from], &g_addr[from], s->sport, &g_addr[!from],
                                    s->dport, m, len);
                moved = 1;
            }
        }
    }
}

static tip_ike_sa_t *fz_sa(int who)
{
    tip_handle_t h = g_ctx[who].ike.conn[tip_handle_idx(g_conn[who])].ike_sa;
    tip_ike_sa_t *sa = h != 0 ? &g_ctx[who].ike.sa[tip_handle_idx(h)] : NULL;

    return sa != NULL && sa->state == TIP_IKE_S_ESTABLISHED ? sa : NULL;
}

static void fz_setup(void)
{
    tip_port_t port;
    tip_ike_conn_t c;
    int who;

    for (who = 0; who < 2; who++) {
        if (g_ready)
            tip_ctx_deinit(&g_ctx[who]);
        tip_test_port_init(&g_port[who], 0x2000u + (uint64_t)who, 1000);
        tip_test_port_fill(&g_port[who], &port);
        FZ_CHECK(tip_ctx_init(&g_ctx[who], &port) == TIP_OK);
        fz_conn(&c, who);
        FZ_CHECK(tip_ike_conn_add(&g_ctx[who], &c, &g_conn[who]) == TIP_OK);
        g_addr[who] = c.local_addr;
        g_consumed[who] = 0;
    }
    g_ready = 1;
    FZ_CHECK(tip_ike_initiate(&g_ctx[0], g_conn[0]) == TIP_OK);
    fz_pump();
    FZ_CHECK(fz_sa(0) != NULL && fz_sa(1) != NULL && fz_sa(1)->frag_ok);
}

static unsigned fz_held(tip_ctx_t *ctx, tip_handle_t h)
{
    return tip_ike_buf_get(ctx, h) != NULL ? 1u : 0u;
}

/* The reassembly within its bounds; every pool buffer free or held by an IKE SA. */
static void fz_check_bounds(tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    const tip_ike_reasm_t *r = &ctx->ike.reasm;
    unsigned i, held = fz_held(ctx, r->buf);

    (void)sa;
    FZ_CHECK(r->have <= r->total && r->total <= TIP_IKE_FRAG_MAX);
    FZ_CHECK(r->used <= TIP_IKE_MSG_MAX);
    FZ_CHECK((r->total != 0) == (tip_ike_buf_get(ctx, r->buf) != NULL));
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *x = &ctx->ike.sa[i];
        if (x->state == TIP_IKE_S_FREE)
            continue;
        held += fz_held(ctx, x->req_buf) + fz_held(ctx, x->resp_buf) +
                fz_held(ctx, x->init_i_buf) + fz_held(ctx, x->init_r_buf);
    }
    FZ_CHECK(tip_ike_buf_free_count(ctx) + held == TIP_IKE_MSG_BUFS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[TIP_IKE_DGRAM_MAX], content[512];
    size_t pos = 0;
    unsigned ops = 0;
    tip_ike_sa_t *sa_a, *sa_b;

    if (!g_ready || fz_sa(0) == NULL || fz_sa(1) == NULL)
        fz_setup();
    sa_a = fz_sa(0);
    sa_b = fz_sa(1);
    tip_ike_frag_reset(&g_ctx[1], sa_b);
    while (pos + 5u <= size && ops++ < 32u) {
        uint8_t flags = data[pos], np = data[pos + 4];
        uint16_t num = data[pos + 1], total = data[pos + 2];
        size_t n = (size_t)data[pos + 3] * 2u, have, len;
        uint32_t id_before, msgs_before, sent_before;
        tip_ike_reasm_t before;
        tip_ike_hdr_t h;
        tip_ike_w_t w;
        int forged = (flags & 3u) != 0, err;

        pos += 5u;
        have = size - pos < n ? size - pos : n;
        memset(content, 0, n);
        memcpy(content, data + pos, have);
        pos += have;
        if (flags & 0x10u) {
            tip_test_port_advance(&g_port[1], 4000);
            (void)tip_poll(&g_ctx[1], g_port[1].now_ms);
            if (fz_sa(1) != sa_b) {
                fz_setup(); /* gone with its time: a new world */
                return 0;
            }
            fz_check_bounds(&g_ctx[1], sa_b);
        }
        id_before = sa_b->msg_id_in;
        msgs_before = g_ctx[1].ike.frag_msgs;
        sent_before = tip_test_port_count(&g_port[1]);
        before = g_ctx[1].ike.reasm;
        sa_a->msg_id_out = sa_b->msg_id_in;
        if (flags & 4u)
            sa_a->msg_id_out++;
        if (flags & 8u)
            sa_a->msg_id_out--;
        tip_ike_hdr_request(sa_a, TIP_IKE_EXCH_INFORMATIONAL, &h);
        tip_ike_w_init(&w, out, sizeof(out));
        tip_ike_w_hdr(&w, &h);
        if (flags & 2u) {
            tip_ike_w_payload(&w, TIP_IKE_PL_SKF, 0, content, n);
            err = tip_ike_w_finish(&w);
            len = w.len;
        } else {
            (void)tip_ike_w_skf_begin(&w, num, total,
                                      num != 1 ? 0 : ((flags & 0x20u) ? np : TIP_IKE_PL_V),
                                      sa_a->sk_iv_len);
            g_iv++;
            if (w.err == TIP_OK)
                memcpy(w.buf + w.sk_iv, &g_iv, sizeof(g_iv));
            tip_ike_w_bytes(&w, content, n);
            err = tip_ike_sk_seal(sa_a, &w, &len);
            if (err == TIP_OK && (flags & 1u))
                out[len - 1u] ^= 0x80u;
        }
        if (err != TIP_OK)
            continue; /* does not fit a datagram */
        err = tip_ike_input(&g_ctx[1], &g_addr[0], 500, &g_addr[1], 500, out, len);
        FZ_CHECK(err != TIP_ERR_INTERNAL && err != TIP_ERR_ARG);
        if (fz_sa(1) != sa_b) {
            fz_setup(); /* a fuzzed message took the IKE SA down: a new world */
            return 0;
        }
        if (forged) {
            FZ_CHECK(memcmp(&before, &g_ctx[1].ike.reasm, sizeof(before)) == 0);
            FZ_CHECK(sa_b->msg_id_in == id_before);
            FZ_CHECK(tip_test_port_count(&g_port[1]) == sent_before);
        }
        FZ_CHECK(sa_b->msg_id_in == id_before ||
                 (sa_b->msg_id_in == id_before + 1u &&
                  g_ctx[1].ike.frag_msgs == msgs_before + 1u));
        FZ_CHECK(tip_test_port_count(&g_port[1]) - sent_before <= TIP_IKE_FRAG_MAX);
        fz_check_bounds(&g_ctx[1], sa_b);
        /* b's answers are not for a (it holds no outstanding request). */
        g_consumed[1] = tip_test_port_count(&g_port[1]);
    }
    return 0;
}

#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
#endif
