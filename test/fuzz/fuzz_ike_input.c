/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: the whole IKE input path, tip_ike_input() (and
 * tip_input_udp() on port 4500), against two real peers.
 *
 * World: contexts a (initiator, 10.99.0.1) and b (responder, 10.99.0.2),
 * one connection each, on the deterministic test port, in one of two
 * stages:
 *   EST   the handshake ran: both IKE SAs ESTABLISHED with a CHILD SA;
 *   HALF  IKE_SA_INIT done, a's IKE_AUTH request not delivered: b is
 *         INIT_DONE (waiting for IKE_AUTH), a is AUTH_SENT.
 * and one of two suites: 0 = AES-GCM-128 / PRF-SHA-256 / X25519, ESP
 * AES-GCM-128, IKE on port 500; 1 = AES-CBC-256 + HMAC-SHA-256-128 /
 * X25519, ESP AES-CBC + HMAC-SHA-256, force_encap on a, so IKE floats to
 * 4500 with the non-ESP marker. The ports are seeded the same on every
 * set-up, so keys, SPIs and nonces are the same every time: a recorded
 * message authenticates in a fresh world.
 *
 * Input byte 0 (control):
 *   bit 0      mode: 0 raw, 1 structured
 *   bit 1      stage: 0 EST, 1 HALF
 *   bit 2      suite
 *   bit 3      deliver through tip_input_udp() on port 4500 (the fuzzer's
 *              bytes include the non-ESP marker in raw mode; the harness
 *              adds it in structured mode), else tip_ike_input() on 500
 *   bit 4      target: 0 = b, 1 = a (the other one is the "sender")
 *   bits 5..7  action the target starts first (EST only), so that a
 *              response has something to answer: 1 CHILD rekey, 2 IKE
 *              rekey, 3 delete CHILD, 4 delete IKE, 5 liveness check
 *
 * raw:        byte 1 bit 0: patch the SPIs and message ID of the target's
 *             live IKE SA into the header (so mutated bytes reach the SK
 *             check); the rest is the datagram.
 * structured: the harness builds a real message from the sender's IKE SA
 *             and protects it with the sender's SK keys (tip_ike_sk_begin /
 *             the same sealing as tip_ike_sk_end), so it authenticates and
 *             ike_auth.c / ike_child.c / ike_info.c run on fuzzed content:
 *   byte 1    bits 0..1 exchange (CREATE_CHILD_SA, INFORMATIONAL, IKE_AUTH,
 *             bits 2..7 + 30), bits 5..6 message ID offset (0, -1, +1, +7)
 *   byte 2    bit 0 response (answers the target's outstanding request),
 *             bit 1 recompute the AUTH payload over the ID payload (PSK,
 *             RFC 7296 2.15) so IKE_AUTH gets past authentication,
 *             bit 2 "dirty": flip one byte after protecting (must never
 *             authenticate nor change anything), bit 3 override the pad
 *             length byte with byte 3, bit 4 source port + 1 (NAT rebinding)
 *   byte 3    pad length override
 *   byte 4-5  dirty byte position, byte 6 its xor mask
 *   byte 7    first inner payload type; the rest: the inner payload chain
 *
 * Invariants (trap on violation), after every input:
 *  - no crash, leak or UB (ASan/UBSan); never TIP_ERR_INTERNAL / TIP_ERR_ARG;
 *  - a message that does not authenticate (the harness asks
 *    tip_ike_sk_open() with the target's own SA on a copy first), other
 *    than an IKE_SA_INIT request, returns an error, counts one drop, sends
 *    nothing and changes nothing: IKE SA table (except the SK cipher
 *    contexts), connections (tip_ike_status of both), SAD (up to the
 *    counters) and SPD, tip_sad_count;
 *  - an IKE_SA_INIT request may add a half-open SA and answer, but leaves
 *    the existing IKE SAs, tip_ike_status of the connection, SAD and SPD
 *    as they were;
 *  - a "dirty" message never authenticates (the SK ICV covers every byte);
 *  - every IKE message the target sends parses, and when the peer holds its
 *    IKE SA, its SK payload opens with the peer's keys into a valid chain;
 *  - every CHILD SA the IKE SAs reference exists in the SAD and SPD, and
 *    nothing else does (no orphaned SA or policy); tip_ike_status's
 *    child_in/child_out handles resolve.
 * Soft (reported once, counted; trap with -DTIP_FUZZ_STRICT_RESULT=1): an
 * authenticated message for which tip_ike_input() returns an error although
 * it changed state (ike.h: "a negative error when it was dropped (counted,
 * never acted on)").
 *
 * The world is set up again whenever an input changed it (compared with the
 * state right after set-up) or the stage/suite differs, so every input starts
 * from the same state and crashes reproduce from the file alone.
 *
 * FZ_DUMP_DIR=dir in the environment: write seeds (the real messages of the
 * handshake, rekeys, deletes and liveness checks, in both modes) into dir.
 * FZ_DEBUG=1: print each input's decoding and result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"

/* The deterministic test port and packet helpers, compiled in (the fuzz
 * build links tinyipsec_fuzz only, not tip_testsupport). */
#include "../support/tip_test_port.c"
#include "../support/tip_test_pkt.c"

#ifndef TIP_FUZZ_STRICT_RESULT
#define TIP_FUZZ_STRICT_RESULT 1
#endif
#ifndef TIP_FUZZ_STRICT_INIT_STATUS
#define TIP_FUZZ_STRICT_INIT_STATUS 1
#endif

#define FZ_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                             \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

enum { ST_EST = 0, ST_HALF = 1 };
enum { ACT_NONE = 0, ACT_REKEY_CHILD, ACT_REKEY_IKE, ACT_DEL_CHILD, ACT_DEL_IKE, ACT_DPD };

static tip_test_port_t g_port[2];
static tip_ctx_t g_ctx[2]; /* 0 = a, 1 = b */
static tip_handle_t g_conn[2];
static tip_addr_t g_addr[2];
static int g_ready, g_stage = -1, g_suite = -1, g_dirty = 1, g_debug;
static unsigned long g_soft[2];

/* ---- snapshots ------------------------------------------------------------------ */

static tip_ctx_t g_snap[2];     /* before the input */
static tip_ctx_t g_pristine[2]; /* right after set-up */

/* The IKE SA without its SK cipher contexts (their internal buffers move
 * on every use, authenticated or not). */
static int fz_ike_sa_same(const tip_ike_sa_t *x, const tip_ike_sa_t *y)
{
    size_t a = offsetof(tip_ike_sa_t, sk_out), b = offsetof(tip_ike_sa_t, sk_in) + sizeof(x->sk_in);

    return memcmp(x, y, a) == 0 && memcmp((const uint8_t *)x + b, (const uint8_t *)y + b, sizeof(*x) - b) == 0;
}

/* What an unauthenticated message must not change. @p only_existing: IKE
 * SA slots free in @p s may have been taken (IKE_SA_INIT). */
static int fz_state_same(const tip_ctx_t *c, const tip_ctx_t *s, int only_existing)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        if (only_existing && s->ike.sa[i].state == TIP_IKE_S_FREE)
            continue;
        if (!fz_ike_sa_same(&c->ike.sa[i], &s->ike.sa[i]))
            return 0;
    }
    if (memcmp(c->ike.conn, s->ike.conn, sizeof(c->ike.conn)) != 0)
        return 0;
    if (memcmp(c->spd, s->spd, sizeof(c->spd)) != 0 || memcmp(c->spd_head, s->spd_head, sizeof(c->spd_head)) != 0)
        return 0;
    if (memcmp(c->spi_hash, s->spi_hash, sizeof(c->spi_hash)) != 0 || c->sa_serial != s->sa_serial)
        return 0;
    for (i = 0; i < TIP_MAX_SA; i++)
        if (memcmp(&c->sa[i], &s->sa[i], offsetof(tip_sa_t, stats)) != 0)
            return 0;
    return 1;
}

/* For FZ_DEBUG: say what differs. */
static void fz_state_diff(const char *who, const tip_ctx_t *c, const tip_ctx_t *s)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (!fz_ike_sa_same(&c->ike.sa[i], &s->ike.sa[i]))
            fprintf(stderr, "fz: %s: IKE SA slot %u changed (state %u -> %u, msg_id_in %u -> %u)\n", who,
                    i, s->ike.sa[i].state, c->ike.sa[i].state, (unsigned)s->ike.sa[i].msg_id_in,
                    (unsigned)c->ike.sa[i].msg_id_in);
    for (i = 0; i < TIP_MAX_IKE_CONN; i++)
        if (memcmp(&c->ike.conn[i], &s->ike.conn[i], sizeof(c->ike.conn[i])) != 0)
            fprintf(stderr, "fz: %s: connection %u changed (ike_sa %x -> %x, last_error %d -> %d)\n",
                    who, i, (unsigned)s->ike.conn[i].ike_sa, (unsigned)c->ike.conn[i].ike_sa,
                    s->ike.conn[i].last_error, c->ike.conn[i].last_error);
    if (memcmp(c->spd, s->spd, sizeof(c->spd)) != 0)
        fprintf(stderr, "fz: %s: SPD changed\n", who);
    for (i = 0; i < TIP_MAX_SA; i++)
        if (memcmp(&c->sa[i], &s->sa[i], offsetof(tip_sa_t, stats)) != 0)
            fprintf(stderr, "fz: %s: SAD slot %u changed\n", who, i);
}

static void fz_status(int who, tip_ike_status_t *st)
{
    memset(st, 0, sizeof(*st));
    FZ_CHECK(tip_ike_status(&g_ctx[who], g_conn[who], st) == TIP_OK);
}

/* ---- the world ---------------------------------------------------------------- */

static void fz_conn(tip_ike_conn_t *c, int who, int suite)
{
    static const char *const me[2] = {"10.99.0.1", "10.99.0.2"};
    static const char *const id[2] = {"a.test", "b.test"};
    static const char *const net[2] = {"10.1.0.0", "10.2.0.0"};
    tip_addr_t n;

    tip_ike_conn_init(c);
    c->local_addr = tip_test_addr(me[who]);
    c->remote_addr = tip_test_addr(me[!who]);
    FZ_CHECK(tip_ike_id_set(&c->local_id, TIP_ID_FQDN, id[who]) == TIP_OK);
    FZ_CHECK(tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, id[!who]) == TIP_OK);
    memcpy(c->psk, "correct horse battery staple", 28);
    c->psk_len = 28;
    n = tip_test_addr(net[who]);
    FZ_CHECK(tip_addr_range_prefix(&c->ts.local, &n, 24) == TIP_OK);
    n = tip_test_addr(net[!who]);
    FZ_CHECK(tip_addr_range_prefix(&c->ts.remote, &n, 24) == TIP_OK);
    if (suite == 1) {
        c->ike[0].encr = TIP_ENCR_AES_CBC;
        c->ike[0].key_bits = 256;
        c->ike[0].integ = TIP_INTEG_HMAC_SHA2_256_128;
        c->ike[0].prf = TIP_PRF_HMAC_SHA2_256;
        c->ike[0].dh = TIP_DH_CURVE25519;
        c->child[0].encr = TIP_ENCR_AES_CBC;
        c->child[0].key_bits = 128;
        c->child[0].integ = TIP_INTEG_HMAC_SHA2_256_128;
        c->force_encap = who == 0;
    }
}

/* Feed one recorded datagram to @p to the way a program would (tip_sim.c). */
static int fz_deliver(int to, const tip_test_sent_t *s)
{
    static uint8_t mem[4096];
    tip_buf_t b;
    int r;

    if (tip_test_port_to_buf(s, &b, mem, sizeof(mem), TIP_ESP_HEADROOM) != TIP_OK)
        return TIP_ERR_ARG;
    if (s->dport == TIP_PORT_IKE)
        return tip_ike_input(&g_ctx[to], &g_addr[!to], s->sport, &g_addr[to], s->dport,
                             b.base + b.off, b.len);
    r = tip_input_udp(&g_ctx[to], &g_addr[!to], s->sport, &g_addr[to], s->dport, &b);
    if (r == TIP_RX_IKE)
        r = tip_ike_input(&g_ctx[to], &g_addr[!to], s->sport, &g_addr[to], s->dport,
                          b.base + b.off, b.len);
    return r;
}

static uint32_t g_consumed[2];

/* Deliver everything @p from sent since the last call (at most @p max). */
static unsigned fz_pump_one(int from, unsigned max)
{
    unsigned n = 0;

    while (n < max && g_consumed[from] < tip_test_port_count(&g_port[from])) {
        const tip_test_sent_t *s = tip_test_port_get(&g_port[from], g_consumed[from]++);
        if (s != NULL && s->kind == TIP_TEST_SENT_UDP) {
            (void)fz_deliver(!from, s);
            n++;
        }
    }
    return n;
}

static void fz_skip_sent(void)
{
    g_consumed[0] = tip_test_port_count(&g_port[0]);
    g_consumed[1] = tip_test_port_count(&g_port[1]);
}

static void fz_setup(int stage, int suite)
{
    tip_port_t port;
    tip_ike_conn_t c;
    tip_ike_status_t sa, sb;
    int who;

    for (who = 0; who < 2; who++) {
        if (g_ready)
            tip_ctx_deinit(&g_ctx[who]);
        tip_test_port_init(&g_port[who], 0x1000u + (uint64_t)who, 1000);
        tip_test_port_fill(&g_port[who], &port);
        FZ_CHECK(tip_ctx_init(&g_ctx[who], &port) == TIP_OK);
        fz_conn(&c, who, suite);
        FZ_CHECK(tip_ike_conn_add(&g_ctx[who], &c, &g_conn[who]) == TIP_OK);
        g_addr[who] = c.local_addr;
        g_consumed[who] = 0;
    }
    g_ready = 1;
    FZ_CHECK(tip_ike_initiate(&g_ctx[0], g_conn[0]) == TIP_OK);
    FZ_CHECK(fz_pump_one(0, 1) == 1); /* IKE_SA_INIT request */
    FZ_CHECK(fz_pump_one(1, 1) == 1); /* response; a sends IKE_AUTH */
    if (stage == ST_EST) {
        FZ_CHECK(fz_pump_one(0, 1) == 1);
        FZ_CHECK(fz_pump_one(1, 1) == 1);
        fz_status(0, &sa);
        fz_status(1, &sb);
        FZ_CHECK(sa.child_up && sb.child_up);
    }
    fz_skip_sent();
    g_stage = stage;
    g_suite = suite;
    g_dirty = 0;
    memcpy(&g_pristine[0], &g_ctx[0], sizeof(g_ctx[0]));
    memcpy(&g_pristine[1], &g_ctx[1], sizeof(g_ctx[1]));
}

/* The live IKE SA of @p ctx (not a replaced one, nor a rekey's reserved slot), or NULL. */
static int fz_live(const tip_ike_sa_t *sa)
{
    return sa->state != TIP_IKE_S_FREE && sa->state != TIP_IKE_S_REKEYED &&
           sa->state != TIP_IKE_S_CREATING;
}

static tip_ike_sa_t *fz_live_sa(tip_ctx_t *ctx)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (fz_live(sa))
            return sa;
    }
    return NULL;
}

/* The sender's IKE SA matching the receiver's @p rsa. */
static tip_ike_sa_t *fz_peer_sa(tip_ctx_t *ctx, const tip_ike_sa_t *rsa)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (fz_live(sa) && memcmp(sa->spi_i, rsa->spi_i, 8) == 0 &&
            sa->initiator != rsa->initiator)
            return sa;
    }
    return NULL;
}

static void fz_action(int who, int act)
{
    tip_ike_sa_t *sa;

    switch (act) {
    case ACT_REKEY_CHILD:
        (void)tip_ike_rekey_child(&g_ctx[who], g_conn[who]);
        break;
    case ACT_REKEY_IKE:
        (void)tip_ike_rekey_ike(&g_ctx[who], g_conn[who]);
        break;
    case ACT_DEL_CHILD:
        (void)tip_ike_delete_child(&g_ctx[who], g_conn[who]);
        break;
    case ACT_DEL_IKE:
        (void)tip_ike_terminate(&g_ctx[who], g_conn[who]);
        break;
    case ACT_DPD:
        sa = fz_live_sa(&g_ctx[who]);
        if (sa != NULL && sa->state == TIP_IKE_S_ESTABLISHED && !sa->req_outstanding)
            (void)tip_ike_info_start(&g_ctx[who], sa, TIP_IKE_P_DPD);
        break;
    default:
        break;
    }
}

/* ---- oracle and checks ---------------------------------------------------------- */

/* Would @p ctx's own IKE SA authenticate @p msg? (SK opened on a copy.) */
static int fz_authenticates(tip_ctx_t *ctx, const uint8_t *msg, size_t len, int *is_init_req)
{
    static uint8_t copy[TIP_IKE_MSG_MAX];
    tip_ike_msg_t m, inner;
    tip_ike_sa_t *sa;
    int err;

    *is_init_req = 0;
    if (len > sizeof(copy))
        return 0;
    memcpy(copy, msg, len);
    err = tip_ike_msg_parse(copy, len, &m);
    if (err == TIP_ERR_UNSUPPORTED && m.unsupported_critical != 0 && m.sk_index >= 0)
        err = TIP_OK;
    if (err != TIP_OK)
        return 0;
    if (m.hdr.exchange == TIP_IKE_EXCH_IKE_SA_INIT) {
        *is_init_req = (m.hdr.flags & TIP_IKE_FLAG_RESPONSE) == 0;
        return 0;
    }
    sa = tip_ike_sa_find(ctx, m.hdr.spi_i, m.hdr.spi_r, (m.hdr.flags & TIP_IKE_FLAG_INITIATOR) != 0);
    if (sa == NULL || sa->sk_iv_len == 0)
        return 0;
    err = tip_ike_sk_open(sa, copy, &m, &inner);
    return err == TIP_OK || err == TIP_ERR_UNSUPPORTED;
}

/* Every message @p from sent since @p first parses, and opens at the peer. */
static void fz_check_sent(int from, uint32_t first)
{
    static uint8_t copy[TIP_IKE_MSG_MAX + 4];
    uint32_t i;

    for (i = first; i < tip_test_port_count(&g_port[from]); i++) {
        const tip_test_sent_t *s = tip_test_port_get(&g_port[from], i);
        tip_ike_msg_t m, inner;
        const uint8_t *p;
        size_t len;
        tip_ike_sa_t *psa;

        if (s == NULL || s->kind != TIP_TEST_SENT_UDP)
            continue;
        FZ_CHECK(s->len == s->orig_len);
        p = s->data;
        len = s->len;
        /* The marker goes with the sender's NAT-T port (RFC 3948 2.2), not
         * with the port it is sent to (a NAT may map the peer's 4500 to 500). */
        if (s->sport != TIP_PORT_IKE) {
            if (len == 1 && p[0] == 0xFF)
                continue; /* NAT keepalive */
            FZ_CHECK(len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0);
            p += 4;
            len -= 4;
        }
        FZ_CHECK(len <= TIP_IKE_MSG_MAX);
        memcpy(copy, p, len);
        FZ_CHECK(tip_ike_msg_parse(copy, len, &m) == TIP_OK);
        if (m.sk_index < 0)
            continue;
        psa = tip_ike_sa_find(&g_ctx[!from], m.hdr.spi_i, m.hdr.spi_r,
                              (m.hdr.flags & TIP_IKE_FLAG_INITIATOR) != 0);
        if (psa == NULL || psa->sk_iv_len == 0)
            continue;
        FZ_CHECK(tip_ike_sk_open(psa, copy, &m, &inner) == TIP_OK);
    }
}

static int fz_child_refs(const tip_ike_child_t *ch, tip_ctx_t *ctx, unsigned *nsa, unsigned *npol)
{
    tip_sa_stats_t st;
    tip_policy_t pol;

    if (ch->sa_in != 0) {
        FZ_CHECK(tip_sad_stats(ctx, ch->sa_in, &st) == TIP_OK);
        (*nsa)++;
    }
    if (ch->sa_out != 0) {
        FZ_CHECK(tip_sad_stats(ctx, ch->sa_out, &st) == TIP_OK);
        (*nsa)++;
    }
    if (ch->pol_in != 0) {
        FZ_CHECK(tip_spd_get(ctx, ch->pol_in, &pol) == TIP_OK);
        (*npol)++;
    }
    if (ch->pol_out != 0) {
        FZ_CHECK(tip_spd_get(ctx, ch->pol_out, &pol) == TIP_OK);
        (*npol)++;
    }
    return 0;
}

/* The SAD and SPD hold exactly what the IKE SAs reference. */
static void fz_check_tables(int who)
{
    tip_ctx_t *ctx = &g_ctx[who];
    unsigned i, k, nsa = 0, npol = 0, pols = 0;
    tip_ike_status_t st;
    tip_sa_stats_t ss;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (sa->state == TIP_IKE_S_FREE)
            continue;
        for (k = 0; k < TIP_IKE_CHILD_MAX; k++)
            fz_child_refs(&sa->child[k], ctx, &nsa, &npol);
        fz_child_refs(&sa->old_child, ctx, &nsa, &npol);
        fz_child_refs(&sa->extra_child, ctx, &nsa, &npol);
    }
    for (i = 0; i < TIP_MAX_POLICIES; i++)
        pols += ctx->spd[i].in_use != 0;
    FZ_CHECK(nsa == tip_sad_count(ctx));
    FZ_CHECK(npol == pols);
    fz_status(who, &st);
    if (st.child_up) {
        FZ_CHECK(tip_sad_stats(ctx, st.child_in, &ss) == TIP_OK);
        FZ_CHECK(tip_sad_stats(ctx, st.child_out, &ss) == TIP_OK);
    }
}

/* ---- building authenticated messages -------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t n;
} fz_in_t;

static uint8_t fz_u8(fz_in_t *f)
{
    if (f->n == 0)
        return 0;
    f->n--;
    return *f->p++;
}

/* AUTH for PSK (RFC 7296 2.15), the same computation ike_auth.c does:
 * prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce | prf(SK_px, IDx')). */
static int fz_psk_auth(tip_ctx_t *ctx, const tip_ike_sa_t *sa, int of_initiator,
                       const uint8_t *id_body, size_t id_len, uint8_t out[TIP_IKE_PRF_MAX])
{
    /* the IKE_SA_INIT message, held from the message pool until IKE_AUTH is done */
    const uint8_t *init = tip_ike_buf_get(ctx, of_initiator ? sa->init_i_buf : sa->init_r_buf);
    static const char pad[] = "Key Pad for IKEv2";
    static const uint8_t psk[] = "correct horse battery staple";
    uint8_t macid[TIP_IKE_PRF_MAX], key[TIP_IKE_PRF_MAX];
    tip_iov_t iov[3];
    tip_prf_t prf = (tip_prf_t)sa->prf;
    int err;

    iov[0].p = id_body;
    iov[0].len = id_len;
    err = tip_crypto_prf(prf, of_initiator ? sa->sk_pi : sa->sk_pr, sa->prf_len, iov, 1, macid);
    if (err == TIP_OK) {
        iov[0].p = (const uint8_t *)pad;
        iov[0].len = sizeof(pad) - 1u;
        err = tip_crypto_prf(prf, psk, 28, iov, 1, key);
    }
    if (err == TIP_OK && init == NULL)
        err = TIP_ERR_NOT_FOUND;
    if (err == TIP_OK) {
        iov[0].p = TIP_IKE_BUF_MSG(init);
        iov[0].len = of_initiator ? sa->init_i_len : sa->init_r_len;
        iov[1].p = of_initiator ? sa->nr : sa->ni;
        iov[1].len = of_initiator ? sa->nr_len : sa->ni_len;
        iov[2].p = macid;
        iov[2].len = sa->prf_len;
        err = tip_crypto_prf(prf, key, sa->prf_len, iov, 3, out);
    }
    return err;
}

/* Rewrite the first AUTH payload of the plaintext chain so that it proves
 * the first IDi (of_initiator) / IDr payload with the PSK. */
static void fz_fix_auth(tip_ctx_t *ctx, const tip_ike_sa_t *sa, uint8_t *plain, size_t len,
                        uint8_t first, int of_initiator)
{
    tip_ike_msg_t m;
    const tip_ike_pl_t *id, *au;
    uint8_t v[TIP_IKE_PRF_MAX];

    if (tip_ike_chain_parse(plain, len, first, 0, &m) != TIP_OK &&
        (m.unsupported_critical == 0))
        return;
    id = tip_ike_msg_find(&m, of_initiator ? TIP_IKE_PL_IDI : TIP_IKE_PL_IDR, 0);
    au = tip_ike_msg_find(&m, TIP_IKE_PL_AUTH, 0);
    if (id == NULL || au == NULL || au->len != 4u + sa->prf_len)
        return;
    if (fz_psk_auth(ctx, sa, of_initiator, plain + id->off, id->len, v) != TIP_OK)
        return;
    plain[au->off] = TIP_IKE_AUTH_PSK;
    memcpy(plain + au->off + 4, v, sa->prf_len);
}

/*
 * Build a message from @p ssa (the sender's IKE SA) with inner chain
 * @p plain, protected with the sender's SK keys. Returns the length.
 */
static size_t fz_build(tip_ctx_t *sctx, tip_ike_sa_t *ssa, uint8_t exch, int response,
                       uint32_t msg_id, uint8_t first, const uint8_t *plain, size_t plen,
                       int pad_override, uint8_t pad, uint8_t *out, size_t cap)
{
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    tip_ike_sk_out_t o;
    int err;

    memset(&h, 0, sizeof(h));
    memcpy(h.spi_i, ssa->spi_i, 8);
    memcpy(h.spi_r, ssa->spi_r, 8);
    h.exchange = exch;
    h.flags = (uint8_t)((ssa->initiator ? TIP_IKE_FLAG_INITIATOR : 0) |
                        (response ? TIP_IKE_FLAG_RESPONSE : 0));
    h.msg_id = msg_id;
    tip_ike_w_init(&w, out, cap);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(sctx, ssa, &w);
    if (w.err != TIP_OK)
        return 0;
    /* the SK next-payload byte names the first inner payload */
    w.buf[w.sk_off] = first;
    w.np_off = SIZE_MAX;
    tip_ike_w_bytes(&w, plain, plen);
    if (tip_ike_w_sk_end(&w, ssa->sk_block, ssa->sk_icv_len, &o) != TIP_OK)
        return 0;
    if (pad_override)
        w.buf[o.pt_off + o.pt_len - 1u] = pad;
    if (ssa->sk_block == 1) {
        err = tip_crypto_aead_seal(&ssa->sk_out, w.buf + o.iv_off, w.buf, o.iv_off, w.buf + o.pt_off,
                                   o.pt_len, w.buf + o.icv_off);
    } else {
        err = tip_crypto_cbc(&ssa->sk_out, w.buf + o.iv_off, w.buf + o.pt_off, o.pt_len);
        if (err == TIP_OK)
            err = tip_crypto_hmac(&ssa->sk_out, w.buf, o.icv_off, NULL, 0, w.buf + o.icv_off);
    }
    return err == TIP_OK ? w.len : 0;
}

/* ---- one input ---------------------------------------------------------------- */

typedef struct {
    int r, r_udp, auth, init_req, sent;
} fz_result_t;

/* Deliver datagram @p d (with a non-ESP marker when @p natt) to @p to. */
static void fz_feed(int to, int natt, uint16_t sport_delta, uint8_t *d, size_t len, fz_result_t *res)
{
    static uint8_t mem[TIP_ESP_HEADROOM + 70000];
    tip_ctx_t *ctx = &g_ctx[to];
    uint16_t port = natt ? TIP_PORT_NATT : TIP_PORT_IKE;
    uint16_t sport = (uint16_t)(port + sport_delta);
    tip_buf_t b;
    const uint8_t *msg = d;
    size_t mlen = len;

    res->r = res->r_udp = TIP_ERR_NO_SA;
    res->auth = res->init_req = 0;
    if (natt) {
        memcpy(mem + TIP_ESP_HEADROOM, d, len);
        b.base = mem;
        b.cap = sizeof(mem);
        b.off = TIP_ESP_HEADROOM;
        b.len = len;
        res->r_udp = tip_input_udp(ctx, &g_addr[!to], sport, &g_addr[to], port, &b);
        FZ_CHECK(res->r_udp != TIP_ERR_INTERNAL && res->r_udp != TIP_ERR_ARG);
        if (res->r_udp != TIP_RX_IKE)
            return;
        FZ_CHECK(b.off >= TIP_ESP_HEADROOM && b.off + b.len <= TIP_ESP_HEADROOM + len);
        msg = b.base + b.off;
        mlen = b.len;
    }
    res->auth = fz_authenticates(ctx, msg, mlen, &res->init_req);
    res->r = tip_ike_input(ctx, &g_addr[!to], sport, &g_addr[to], port, msg, mlen);
}

static void fz_record_soft(int kind, const char *what, const uint8_t *data, size_t size)
{
    g_soft[kind]++;
    if (g_soft[kind] <= 2) {
        size_t i;
        fprintf(stderr, "fuzz_ike_input: soft finding #%lu: %s; input:", g_soft[kind], what);
        for (i = 0; i < size && i < 64; i++)
            fprintf(stderr, " %02x", data[i]);
        fprintf(stderr, "%s\n", size > 64 ? " ..." : "");
    }
#if TIP_FUZZ_STRICT_RESULT
    FZ_CHECK(kind != 1);
#endif
}

static uint8_t g_plain[TIP_IKE_MSG_MAX], g_msg[TIP_IKE_MSG_MAX + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t in = {data, size};
    uint8_t c0 = fz_u8(&in);
    int structured = c0 & 1, stage = (c0 >> 1) & 1, suite = (c0 >> 2) & 1;
    int natt = (c0 >> 3) & 1, to = (c0 >> 4) & 1 ? 0 : 1, act = c0 >> 5;
    int from = !to, dirty = 0;
    tip_ike_status_t st0[2], st1[2];
    unsigned sad0[2];
    uint64_t drops0;
    uint32_t sent0;
    fz_result_t res;
    tip_ike_sa_t *rsa, *ssa;
    int who;

    if (size < 2)
        return 0;
    if (!g_ready || g_dirty || stage != g_stage || suite != g_suite)
        fz_setup(stage, suite);
    if (stage == ST_EST && act != ACT_NONE)
        fz_action(to, act);
    fz_skip_sent();
    for (who = 0; who < 2; who++) {
        memcpy(&g_snap[who], &g_ctx[who], sizeof(g_ctx[who]));
        fz_status(who, &st0[who]);
        sad0[who] = tip_sad_count(&g_ctx[who]);
    }
    drops0 = g_ctx[to].ike.drops;
    sent0 = tip_test_port_count(&g_port[to]);
    rsa = fz_live_sa(&g_ctx[to]);

    if (!structured) {
        uint8_t c1 = fz_u8(&in);
        size_t len = in.n < sizeof(g_msg) ? in.n : sizeof(g_msg);
        memcpy(g_msg, in.p, len);
        if ((c1 & 1) && rsa != NULL) {
            size_t h = natt ? 4 : 0;
            if (len >= h + 28) {
                int resp = (g_msg[h + 19] & TIP_IKE_FLAG_RESPONSE) != 0;
                memcpy(g_msg + h, rsa->spi_i, 8);
                memcpy(g_msg + h + 8, rsa->spi_r, 8);
                tip_store_be32(g_msg + h + 20, resp ? rsa->msg_id_out : rsa->msg_id_in);
            }
        }
        fz_feed(to, natt, 0, g_msg, len, &res);
    } else {
        uint8_t b1 = fz_u8(&in), b2 = fz_u8(&in), pad = fz_u8(&in);
        uint16_t dpos = (uint16_t)(fz_u8(&in) << 8);
        uint8_t dmask, first;
        static const uint8_t exch[3] = {TIP_IKE_EXCH_CREATE_CHILD_SA, TIP_IKE_EXCH_INFORMATIONAL,
                                        TIP_IKE_EXCH_IKE_AUTH};
        static const int32_t idoff[4] = {0, -1, 1, 7};
        uint8_t x;
        int response = b2 & 1;
        uint32_t mid;
        size_t plen, h = natt ? 4 : 0, mlen;

        dpos |= fz_u8(&in);
        dmask = fz_u8(&in);
        first = fz_u8(&in);
        plen = in.n < sizeof(g_plain) ? in.n : sizeof(g_plain);
        memcpy(g_plain, in.p, plen);
        ssa = rsa != NULL ? fz_peer_sa(&g_ctx[from], rsa) : NULL;
        if (rsa == NULL || ssa == NULL || ssa->sk_iv_len == 0)
            return 0; /* nothing to talk to; the world is unchanged */
        x = (b1 & 3) == 3 ? (uint8_t)(30u + (b1 >> 2 & 7)) : exch[b1 & 3];
        mid = (response ? rsa->msg_id_out : rsa->msg_id_in) + (uint32_t)idoff[(b1 >> 5) & 3];
        if (b2 & 2)
            fz_fix_auth(&g_ctx[from], ssa, g_plain, plen, first, !response);
        mlen = fz_build(&g_ctx[from], ssa, x, response, mid, first, g_plain, plen, (b2 >> 3) & 1,
                        pad, g_msg + h, sizeof(g_msg) - h);
        if (mlen == 0)
            return 0;
        memset(g_msg, 0, h);
        if (b2 & 4) {
            dirty = 1;
            g_msg[h + dpos % mlen] ^= dmask != 0 ? dmask : 1;
        }
        /* the sender's random source made the IV: snapshot the sender again */
        memcpy(&g_snap[from], &g_ctx[from], sizeof(g_ctx[from]));
        fz_feed(to, natt, (b2 >> 4) & 1, g_msg, mlen + h, &res);
    }

    if (g_debug)
        fprintf(stderr, "fz: %s stage=%d suite=%d natt=%d to=%c act=%d dirty=%d -> udp=%d ike=%d auth=%d init=%d\n",
                structured ? "structured" : "raw", stage, suite, natt, to ? 'b' : 'a', act, dirty,
                res.r_udp, res.r, res.auth, res.init_req);

    if (g_debug) {
        fz_state_diff(to ? "b" : "a", &g_ctx[to], &g_snap[to]);
        fz_state_diff(from ? "b" : "a", &g_ctx[from], &g_snap[from]);
    }

    /* ---- invariants ---- */
    FZ_CHECK(res.r != TIP_ERR_INTERNAL && res.r != TIP_ERR_ARG);
    if (dirty)
        FZ_CHECK(!res.auth);
    for (who = 0; who < 2; who++)
        fz_status(who, &st1[who]);
    if (!natt || res.r_udp == TIP_RX_IKE) {
        if (!res.auth && !res.init_req) {
            FZ_CHECK(res.r < 0);
            FZ_CHECK(g_ctx[to].ike.drops == drops0 + 1u);
            FZ_CHECK(tip_test_port_count(&g_port[to]) == sent0);
            FZ_CHECK(fz_state_same(&g_ctx[to], &g_snap[to], 0));
        }
        if (res.init_req) {
            /* Finding (README.md, 3): an IKE_SA_INIT request nobody
             * authenticated, with no acceptable proposal, writes
             * TIP_ERR_POLICY into the connection's last_error, which
             * tip_ike_status() reports for the established SA. Accepted
             * unless built with -DTIP_FUZZ_STRICT_INIT_STATUS=1. */
#if !TIP_FUZZ_STRICT_INIT_STATUS
            unsigned i;
            for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
                if (g_ctx[to].ike.conn[i].last_error != g_snap[to].ike.conn[i].last_error) {
                    fz_record_soft(0, "unauthenticated IKE_SA_INIT changed a connection's last_error",
                                   data, size);
                    FZ_CHECK(g_ctx[to].ike.conn[i].last_error == TIP_ERR_POLICY);
                    g_snap[to].ike.conn[i].last_error = g_ctx[to].ike.conn[i].last_error;
                    st0[to].last_error = g_ctx[to].ike.conn[i].last_error;
                }
            }
#endif
            FZ_CHECK(fz_state_same(&g_ctx[to], &g_snap[to], 1));
        }
        if (!res.auth) {
            FZ_CHECK(memcmp(&st0[0], &st1[0], sizeof(st0[0])) == 0);
            FZ_CHECK(memcmp(&st0[1], &st1[1], sizeof(st0[1])) == 0);
            FZ_CHECK(sad0[0] == tip_sad_count(&g_ctx[0]) && sad0[1] == tip_sad_count(&g_ctx[1]));
        }
        if (res.auth && res.r < 0 && !fz_state_same(&g_ctx[to], &g_snap[to], 0))
            fz_record_soft(1, "authenticated message changed state but tip_ike_input() returned an error",
                           data, size);
    } else if (res.r_udp != TIP_RX_DATA) {
        /* not IKE, not accepted ESP: no IKE state moved */
        FZ_CHECK(tip_test_port_count(&g_port[to]) == sent0);
        FZ_CHECK(fz_state_same(&g_ctx[to], &g_snap[to], 0));
    }
    FZ_CHECK(fz_state_same(&g_ctx[from], &g_snap[from], 0));
    fz_check_sent(to, sent0);
    fz_check_tables(0);
    fz_check_tables(1);

    if (!fz_state_same(&g_ctx[0], &g_pristine[0], 0) || !fz_state_same(&g_ctx[1], &g_pristine[1], 0))
        g_dirty = 1;
    return 0;
}

/* ---- seeds (FZ_DUMP_DIR) -------------------------------------------------------- */

static void fz_write(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    FZ_CHECK(f != NULL);
    FZ_CHECK(fwrite(p, 1, n, f) == n);
    FZ_CHECK(fclose(f) == 0);
}

/*
 * Write message @p s (sent by !to, for @p to) as a raw seed and, when it
 * opens with @p to's keys, as a structured seed with its plaintext.
 * @p act: the action @p to starts first (so that the response fits).
 */
static void fz_dump_msg(const char *dir, const char *tag, int stage, int suite, int to, int act,
                        const tip_test_sent_t *s)
{
    static uint8_t seed[TIP_IKE_MSG_MAX + 64], copy[TIP_IKE_MSG_MAX];
    uint8_t c0 = (uint8_t)((stage << 1) | (suite << 2) | (to == 0 ? 0x10 : 0) | (act << 5));
    const uint8_t *p = s->data;
    size_t len = s->len, n;
    int natt = s->dport != TIP_PORT_IKE;
    tip_ike_msg_t m, inner;
    tip_ike_sa_t *sa;
    char name[128];

    if (natt) {
        c0 |= 8;
    }
    seed[0] = c0;
    seed[1] = 0;
    memcpy(seed + 2, p, len);
    snprintf(name, sizeof(name), "raw-%s-s%d", tag, suite);
    fz_write(dir, name, seed, len + 2);
    if (natt) {
        p += 4;
        len -= 4;
    }
    memcpy(copy, p, len);
    if (tip_ike_msg_parse(copy, len, &m) != TIP_OK || m.sk_index < 0)
        return;
    sa = tip_ike_sa_find(&g_ctx[to], m.hdr.spi_i, m.hdr.spi_r, (m.hdr.flags & TIP_IKE_FLAG_INITIATOR) != 0);
    if (sa == NULL || tip_ike_sk_open(sa, copy, &m, &inner) != TIP_OK)
        return;
    seed[0] = (uint8_t)(c0 | 1);
    switch (m.hdr.exchange) {
    case TIP_IKE_EXCH_CREATE_CHILD_SA: seed[1] = 0; break;
    case TIP_IKE_EXCH_INFORMATIONAL: seed[1] = 1; break;
    case TIP_IKE_EXCH_IKE_AUTH: seed[1] = 2; break;
    default: seed[1] = 3; break;
    }
    seed[2] = (uint8_t)(((m.hdr.flags & TIP_IKE_FLAG_RESPONSE) ? 1 : 0) |
                        (m.hdr.exchange == TIP_IKE_EXCH_IKE_AUTH ? 2 : 0));
    seed[3] = seed[4] = seed[5] = seed[6] = 0;
    seed[7] = m.sk_first_inner;
    n = inner.len;
    memcpy(seed + 8, inner.buf, n);
    snprintf(name, sizeof(name), "structured-%s-s%d", tag, suite);
    fz_write(dir, name, seed, n + 8);
}

static void fz_dump(const char *dir)
{
    static const char *const act_name[] = {"", "rekey-child", "rekey-ike", "delete-child",
                                           "delete-ike", "dpd"};
    int suite, who, act;

    for (suite = 0; suite < 2; suite++) {
        const tip_test_sent_t *s;
        char tag[64];

        /* HALF: a's IKE_AUTH request for b, and b's response for a */
        fz_setup(ST_HALF, suite);
        s = tip_test_port_last(&g_port[0]);
        fz_dump_msg(dir, "half-auth-req", ST_HALF, suite, 1, 0, s);
        (void)fz_deliver(1, s);
        s = tip_test_port_last(&g_port[1]);
        fz_dump_msg(dir, "half-auth-resp", ST_HALF, suite, 0, 0, s);
        /* the IKE_SA_INIT request too (raw only) */
        fz_setup(ST_HALF, suite);
        s = tip_test_port_get(&g_port[0], 0);
        fz_dump_msg(dir, "init-req", ST_EST, suite, 1, 0, s);

        /* EST: each action started by either side, its request and the response */
        for (who = 0; who < 2; who++) {
            for (act = 1; act <= 5; act++) {
                uint32_t n0;
                fz_setup(ST_EST, suite);
                n0 = tip_test_port_count(&g_port[who]);
                fz_action(who, act);
                if (tip_test_port_count(&g_port[who]) == n0)
                    continue;
                s = tip_test_port_last(&g_port[who]);
                snprintf(tag, sizeof(tag), "%c-%s-req", who ? 'b' : 'a', act_name[act]);
                fz_dump_msg(dir, tag, ST_EST, suite, !who, 0, s);
                n0 = tip_test_port_count(&g_port[!who]);
                (void)fz_deliver(!who, s);
                if (tip_test_port_count(&g_port[!who]) == n0)
                    continue;
                s = tip_test_port_get(&g_port[!who], n0);
                snprintf(tag, sizeof(tag), "%c-%s-resp", who ? 'b' : 'a', act_name[act]);
                fz_dump_msg(dir, tag, ST_EST, suite, who, act, s);
            }
        }
    }
    g_dirty = 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("FZ_DUMP_DIR");

    (void)argc;
    (void)argv;
    g_debug = getenv("FZ_DEBUG") != NULL;
    if (dir != NULL && *dir != '\0')
        fz_dump(dir);
    return 0;
}
