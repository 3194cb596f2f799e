/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: IKE state across time. The input is a program, a list
 * of operations, run against a small world of contexts that lives for the
 * whole input; invariants are checked after every step. It looks for what
 * single-message harnesses cannot reach: timers, slot reuse, pools shared
 * between peers and attackers, and liveness.
 *
 * World (deterministic test ports, so every run of a file is the same):
 *   G  gateway 192.0.2.1: connections "A" (peer A), "B" (peer B) and "RW"
 *      (road warriors: any address, an identity nobody here knows).
 *      It drives the rekeys: IKE SA every 120 s (hard lifetime 400 s),
 *      CHILD SA every 60 s (the SAD's hard lifetime follows from it), both
 *      minus up to 10 % jitter.
 *   A  198.51.100.1 and B 198.51.100.2: initiators to G, liveness check
 *      after 20 idle seconds; A restarts by itself after a failure. Both
 *      "want a tunnel": their application initiates whenever the
 *      connection has no IKE SA (and stops only after a terminate op).
 *   the attacker: up to 1024 addresses 100.64.0.0/22, can spoof A, B or G,
 *      sees every datagram on the wire (captures) and what is sent to its
 *      addresses (COOKIE notifies), but holds no key.
 * Pools come from fuzz_ike_state_config.h: 4 IKE SAs per context, cookies
 * from the third half-open SA on, one half-open SA per source address, one
 * slot kept for rekeys.
 *
 * Input: byte 0 = world flags (bit 0: B forces UDP encapsulation, so its
 * IKE runs on 4500; bit 1: A and B also rekey the IKE SA, every 150 s;
 * bit 3: A and G have a second subnet pair, a second CHILD SA on their IKE
 * SA that A creates with CREATE_CHILD_SA after IKE_AUTH, RFC 7296 1.3.1);
 * then up to FZ_MAX_OPS operations, an opcode byte (mod FZ_OP_COUNT) and
 * its argument bytes (missing bytes read as 0):
 *   STEP t f        advance the clock (t < 100: t*100 ms, else
 *                   (t-100)+10 s) from deadline to deadline, as tip_poll()
 *                   reports them (polled again after every step's
 *                   deliveries and API calls); queued datagrams are
 *                   delivered at each deadline unless f bit 0 ("hold") is
 *                   set
 *   DELIVER i / DROP i / DUP i   the i-th queued legitimate datagram
 *   FLUSH           deliver the queue until it is empty
 *   LINK x          bit 0: A/B; bit 1: down (drops its datagrams) / up
 *   INITIATE x / TERMINATE w / REKEY_IKE w / REKEY_CHILD w
 *                   w: 0 A, 1 B, 2 G's connection A, 3 G's connection B
 *   ATK_INIT a a f  IKE_SA_INIT from attacker address a (bit 15: spoof A
 *                   or B, bit 14), f: bit 0 on 4500, bit 1 proposal G
 *                   refuses, bit 2 KE of another group, bit 3 a garbage
 *                   COOKIE, bit 4 repeat this address's last request,
 *                   bit 5 to A spoofing G
 *   ATK_COOKIE i    answer the i-th latest COOKIE the attacker received,
 *                   as a real client does (same SPI, nonce, address)
 *   ATK_FORGE a a v s  IKE_SA_INIT with a cookie the attacker computed
 *                   itself, the way the source does (RFC 7296 2.6:
 *                   version | HMAC-SHA-256(secret, Ni | IPi | SPIi)), with
 *                   a guessed version (v: 0xFFFFFFFF, 0, 1, 2) and secret
 *                   (s: zeros, 0xFF, 0x5A, counting bytes)
 *   ATK_REPLAY i s f  replay the i-th latest captured datagram; s: source
 *                   (original, attacker address, another peer, port + 1);
 *                   f bit 0: to another context, bit 1: which, bit 2: the
 *                   other IKE port (marker added or stripped)
 *   ATK_MUTATE i p p x  the i-th latest capture with byte p xor x
 *   ATK_FLOOD n a a f  n (1..32) IKE_SA_INITs from consecutive attacker
 *                   addresses; f bit 0: answer each COOKIE at once
 * After the program the world settles: the attacker stops, links come up,
 * the network is lossless and time runs (at most FZ_SETTLE_MAX_MS) until
 * each peer that wants a tunnel is in step with G (same IKE SA, CHILD SAs
 * that pair up) and G has replaced whatever of it was due for a rekey
 * (an IKE SA older than FZ_IKE_YOUNG_MS, a CHILD SA older than
 * FZ_CHILD_YOUNG_MS).
 *
 * Invariants (class in brackets; abort() with the class, the time, the op
 * and a dump of the IKE tables on stderr):
 *  [api]       no API call or input returns TIP_ERR_INTERNAL / TIP_ERR_ARG;
 *              IKE events name a valid connection; the IKE state machine
 *              refused no transition as illegal;
 *  [untouched] an attacker operation that delivers no genuine new message
 *              (one its receiver expects next and that authenticates, asked
 *              of tip_ike_sk_open() on a copy first) changes no established,
 *              deleting or rekeyed IKE SA and no slot reserved for a rekey
 *              (state, generation, references, SPIs, keys, message IDs,
 *              peer, CHILD SAs), no established connection's
 *              status, SAD or SPD entry, in any context;
 *  [silent]    a connection's established IKE SA only disappears or
 *              changes in a step that raised an IKE event for it;
 *  [xref]      the handles between slots: a connection's IKE SA is live,
 *              belongs to it and to no other connection; an IKE SA names a
 *              live connection; an outstanding IKE rekey of ours has its
 *              CREATING slot, which names it back, belongs to no other
 *              connection and no other rekey; a CREATING slot always has
 *              that parent; no handle names a free or reused slot;
 *  [tables]    SAD and SPD hold exactly the entries the IKE SAs reference;
 *              every SAD handle held (IKE SAs, tip_ike_status) resolves or
 *              hard-expired with an event;
 *  [cookie]    once TIP_IKE_COOKIE_THRESHOLD half-open SAs exist, a context
 *              creates another only for an IKE_SA_INIT carrying a cookie it
 *              sent to that address and SPI;
 *  [half-open] a source address holds at most TIP_IKE_HALF_OPEN_PER_SRC
 *              half-open SAs, and a new one never takes a slot kept for
 *              rekeys (TIP_IKE_REKEY_RESERVE, at most one per established
 *              IKE SA);
 *  [lifetime], [child-lifetime]  a connection's current IKE SA never
 *              reaches its hard lifetime, its current CHILD SA never
 *              hard-expires, unless the network between the two peers
 *              dropped or delayed something since that SA was made, or
 *              the peer gave up an IKE SA that was not up yet (G may still
 *              complete it: a peer that vanished); an attacker may delay
 *              new peers, never make a rekey be lost;
 *  [liveness]  the settling above ends in time.
 * Classes named in FZ_SOFT (environment; default TIP_FUZZ_STATE_SOFT) are
 * reported and end the input instead of aborting: for known, not yet fixed
 * findings, so that short CI runs stay useful. FZ_SOFT= (empty) makes every
 * class abort. Classes named in FZ_SKIP are not checked at all (to see what
 * a broken invariant leads to further on).
 *
 * FZ_DEBUG=1: trace ops, deliveries and events. FZ_SEED_DIR=dir: write the
 * built-in seed programs into dir (test/fuzz/corpus/fuzz_ike_state).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"

#include "../support/tip_test_port.c"
#include "../support/tip_test_pkt.c"

/* Classes with known, unfixed findings (test/fuzz/README.md), soft until
 * fixed. None: every class aborts. */
#ifndef TIP_FUZZ_STATE_SOFT
#define TIP_FUZZ_STATE_SOFT ""
#endif

/* The harness in parts, one translation unit (everything is static). */
#include "ike_state/world.c"
#include "ike_state/checks.c"
#include "ike_state/attacker.c"

/* ---- set-up ------------------------------------------------------------------------- */

static void fz_conn_cfg(tip_ike_conn_t *c, const char *me, const char *peer, const char *my_id,
                        const char *peer_id, const char *psk, const char *my_net,
                        const char *peer_net, unsigned peer_prefix)
{
    tip_addr_t n;

    tip_ike_conn_init(c);
    c->local_addr = tip_test_addr(me);
    if (peer != NULL)
        c->remote_addr = tip_test_addr(peer);
    (void)tip_ike_id_set(&c->local_id, TIP_ID_FQDN, my_id);
    (void)tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, peer_id);
    c->psk_len = (uint8_t)strlen(psk);
    memcpy(c->psk, psk, c->psk_len);
    n = tip_test_addr(my_net);
    (void)tip_addr_range_prefix(&c->ts.local, &n, 24);
    n = tip_test_addr(peer_net);
    (void)tip_addr_range_prefix(&c->ts.remote, &n, peer_prefix);
}

/* One more selector pair for @p c (a second CHILD SA on the IKE SA). */
static void fz_pair_more(tip_ike_conn_t *c, const char *my_net, const char *peer_net)
{
#if TIP_IKE_CHILD_MAX > 1
    tip_addr_t n = tip_test_addr(my_net);

    (void)tip_addr_range_prefix(&c->ts_more[0].local, &n, 24);
    n = tip_test_addr(peer_net);
    (void)tip_addr_range_prefix(&c->ts_more[0].remote, &n, 24);
    c->ts_more_count = 1;
#else
    (void)c;
    (void)my_net;
    (void)peer_net;
#endif
}

static void fz_add(int node, const tip_ike_conn_t *c)
{
    if (tip_ike_conn_add(&g_ctx[node], c, &g_conn[node][g_nconn[node]]) != TIP_OK) {
        fprintf(stderr, "fuzz_ike_state: set-up failed\n");
        abort();
    }
    g_nconn[node]++;
}

/* G's timers: it drives the rekeys. */
static void fz_add_gateway(tip_ike_conn_t *c)
{
    c->ike_rekey_s = FZ_G_IKE_REKEY_S;
    c->ike_lifetime_s = FZ_G_IKE_LIFETIME_S;
    c->child_rekey_s = FZ_G_CHILD_REKEY_S;
    c->jitter_pct = 10;
    fz_add(N_G, c);
}

static void fz_setup(int flags)
{
    static const char *const addr[N_NODES] = {"192.0.2.1", "198.51.100.1", "198.51.100.2"};
    tip_port_t port;
    tip_ike_conn_t c;
    int n;

    for (n = 0; n < N_NODES; n++) {
        if (g_ready)
            tip_ctx_deinit(&g_ctx[n]);
        tip_test_port_init(&g_port[n], 0x5100u + (uint64_t)n, FZ_T0);
        tip_test_port_fill(&g_port[n], &port);
        if (tip_ctx_init(&g_ctx[n], &port) != TIP_OK) {
            fprintf(stderr, "fuzz_ike_state: tip_ctx_init failed\n");
            abort();
        }
        tip_ctx_set_event_cb(&g_ctx[n], fz_on_event, (void *)(intptr_t)n);
        g_addr[n] = tip_test_addr(addr[n]);
        g_nconn[n] = 0;
        g_consumed[n] = 0;
    }
    g_ready = 1;
    /* G: one connection per peer, one for road warriors; G drives the rekeys */
    fz_conn_cfg(&c, addr[N_G], addr[N_A], "gw.test", "a.test", "psk of peer a 0123456789",
                "10.0.0.0", "10.1.0.0", 24);
    if (flags & 8)
        fz_pair_more(&c, "10.0.5.0", "10.1.5.0");
    fz_add_gateway(&c);
    fz_conn_cfg(&c, addr[N_G], addr[N_B], "gw.test", "b.test", "psk of peer b 9876543210",
                "10.0.0.0", "10.2.0.0", 24);
    fz_add_gateway(&c);
    fz_conn_cfg(&c, addr[N_G], NULL, "gw.test", "rw.test", "road warrior psk 55555555",
                "10.0.0.0", "10.9.0.0", 16);
    fz_add_gateway(&c);
    /* the peers */
    fz_conn_cfg(&c, addr[N_A], addr[N_G], "a.test", "gw.test", "psk of peer a 0123456789",
                "10.1.0.0", "10.0.0.0", 24);
    /* A's second subnet pair: a CHILD SA of its own by CREATE_CHILD_SA (1.3.1) */
    if (flags & 8)
        fz_pair_more(&c, "10.1.5.0", "10.0.5.0");
    c.dpd_s = 20;
    c.restart = 1;
    if (flags & 2) {
        c.ike_rekey_s = FZ_PEER_IKE_REKEY_S;
        c.ike_lifetime_s = FZ_PEER_IKE_LIFETIME_S;
    }
    fz_add(N_A, &c);
    fz_conn_cfg(&c, addr[N_B], addr[N_G], "b.test", "gw.test", "psk of peer b 9876543210",
                "10.2.0.0", "10.0.0.0", 24);
    c.dpd_s = 20;
    c.force_encap = (uint8_t)(flags & 1);
    if (flags & 2) {
        c.ike_rekey_s = FZ_PEER_IKE_REKEY_S;
        c.ike_lifetime_s = FZ_PEER_IKE_LIFETIME_S;
    }
    fz_add(N_B, &c);

    g_now = FZ_T0;
    g_next = 1000;
    g_stop = 0;
    g_in_settle = 0;
    g_nqueue = g_ncapture = g_capture_head = 0;
    g_link_down[0] = g_link_down[1] = 0;
    g_impaired[0] = g_impaired[1] = 0;
    g_nissued = g_natk = g_ncookie_rx = g_nexpired = g_nev = 0;
    g_atk_ctr = 0;
    memset(g_est, 0, sizeof(g_est));
    for (n = 0; n < N_NODES; n++) {
        unsigned ci;
        for (ci = 0; ci < FZ_G_CONNS; ci++)
            g_hard_ms[n][ci] = n == N_G ? FZ_G_IKE_LIFETIME_S * 1000ull
                               : (flags & 2) ? FZ_PEER_IKE_LIFETIME_S * 1000ull
                                             : UINT64_MAX;
    }
    g_wants[N_G] = 0;
    g_wants[N_A] = g_wants[N_B] = 1;
}

/* ---- time ------------------------------------------------------------------------- */

/* The application of A and B: keep a tunnel up while it wants one. */
static void fz_app(void)
{
    int n;

    for (n = N_A; n <= N_B; n++)
        if (g_wants[n])
            FZ_API(tip_ike_initiate(&g_ctx[n], g_conn[n][0]));
    fz_drain();
}

static void fz_poll_all(void)
{
    uint64_t next = UINT64_MAX;
    int n;

    for (n = 0; n < N_NODES; n++) {
        uint32_t k;
        tip_test_port_set_time(&g_port[n], g_now);
        k = tip_poll(&g_ctx[n], g_now);
        if (k < next)
            next = k;
    }
    g_next = next == 0 ? 1 : next;
    fz_drain();
}

/* One step of legitimate life: the clock to @p t (timers run), then the
 * network (unless held) and the applications. */
static void fz_substep(uint64_t t, int hold)
{
    int l;

    fz_step_begin();
    if (t > g_now) {
        g_now = t;
        fz_poll_all();
    }
    if (!hold && fz_flush() != 0)
        fz_poll_all(); /* deliveries armed new timers: learn the next deadline */
    for (l = 0; l < 2; l++) {
        unsigned i;
        if (g_link_down[l])
            fz_impair(l);
        for (i = 0; hold && i < g_nqueue; i++)
            if (fz_link(g_queue[i].from, g_queue[i].to) == l)
                fz_impair(l);
    }
    fz_app();
    if (!hold)
        (void)fz_flush();
    /* tip_poll()'s deadline holds only until the next input or API call
     * (tinyipsec.h): the deliveries and the applications since the last
     * poll may have armed timers (a new SA's rekey, a liveness check), so
     * learn it again before the clock moves on. */
    fz_poll_all();
    if (!g_stop)
        fz_step_end();
}

static void fz_run(uint64_t ms, int hold)
{
    uint64_t end = g_now + ms, cap = (uint64_t)FZ_T0 + FZ_MAX_CLOCK_MS + (g_in_settle ? FZ_SETTLE_MAX_MS : 0);

    if (end > cap)
        end = cap;
    fz_substep(g_now, hold);
    while (g_now < end && !g_stop) {
        uint64_t t = g_now + g_next;
        fz_substep(t < end ? t : end, hold);
    }
}

static int fz_in_sync(int x)
{
    tip_ike_status_t sx, sg;

    fz_status(x, 0, &sx);
    fz_status(N_G, (unsigned)(x - 1), &sg);
    return sx.ike_up && sg.ike_up && sx.child_up && sg.child_up &&
           memcmp(sx.spi_i, sg.spi_i, 8) == 0 && memcmp(sx.spi_r, sg.spi_r, 8) == 0 &&
           sx.child_spi_in == sg.child_spi_out && sx.child_spi_out == sg.child_spi_in;
}

/* Age of G's current IKE / CHILD SA for peer @p x (0 when there is none). */
static uint64_t fz_g_ike_age(int x)
{
    return g_est[N_G][x - 1] != 0 ? g_now - g_est[N_G][x - 1] : 0;
}

static uint64_t fz_g_child_age(int x)
{
    tip_ike_status_t st;
    tip_sa_stats_t ss;

    fz_status(N_G, (unsigned)(x - 1), &st);
    if (!st.child_up || tip_sad_stats(&g_ctx[N_G], st.child_in, &ss) != TIP_OK)
        return 0;
    return g_now - ss.added_ms;
}

/* Peer @p x is settled: in step with G, and G's SAs for it are either young
 * (their rekey is not due yet: FZ_IKE_YOUNG_MS, FZ_CHILD_YOUNG_MS are below
 * G's rekey times minus the jitter) or were made or rekeyed while settling. */
static int fz_settled(int x)
{
    return fz_in_sync(x) && (g_settle_ike[x] || fz_g_ike_age(x) < FZ_IKE_YOUNG_MS) &&
           (g_settle_child[x] || fz_g_child_age(x) < FZ_CHILD_YOUNG_MS);
}

/* The attacker stops, links come up, nothing is lost: every peer that wants
 * a tunnel must get one, and what is due for a rekey must be rekeyed,
 * within FZ_SETTLE_MAX_MS. */
static void fz_settle(void)
{
    uint64_t start = g_now;
    int x, done = 0;

    g_in_settle = 1;
    g_op_name = "settle";
    g_link_down[0] = g_link_down[1] = 0;
    g_settle_ike[N_A] = g_settle_ike[N_B] = 0;
    g_settle_child[N_A] = g_settle_child[N_B] = 0;
    fz_substep(g_now, 0);
    while (!g_stop && g_now - start < FZ_SETTLE_MAX_MS) {
        done = 1;
        for (x = N_A; x <= N_B; x++)
            if (g_wants[x] && !fz_settled(x))
                done = 0;
        if (done)
            break;
        fz_substep(g_now + g_next, 0);
    }
    for (x = N_A; x <= N_B && !g_stop && !done; x++)
        if (g_wants[x] && !fz_settled(x))
            fz_fail("liveness", "peer %s: %s within %u s of a quiet, lossless network",
                    g_node_name[x],
                    !fz_in_sync(x) ? "no tunnel in step with G"
                    : !g_settle_ike[x] && fz_g_ike_age(x) >= FZ_IKE_YOUNG_MS
                        ? "G did not rekey its IKE SA"
                        : "G did not rekey its CHILD SA",
                    FZ_SETTLE_MAX_MS / 1000u);
}

/* ---- the program -------------------------------------------------------------------- */

enum {
    OP_STEP, OP_DELIVER, OP_DROP, OP_DUP, OP_FLUSH, OP_LINK, OP_INITIATE, OP_TERMINATE,
    OP_REKEY_IKE, OP_REKEY_CHILD, OP_ATK_INIT, OP_ATK_COOKIE, OP_ATK_FORGE, OP_ATK_REPLAY,
    OP_ATK_MUTATE, OP_ATK_FLOOD, FZ_OP_COUNT
};
static const char *const g_op_names[FZ_OP_COUNT] = {
    "step", "deliver", "drop", "dup", "flush", "link", "initiate", "terminate", "rekey-ike",
    "rekey-child", "atk-init", "atk-cookie", "atk-forge", "atk-replay", "atk-mutate", "atk-flood"};

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

static uint16_t fz_u16(fz_in_t *f)
{
    uint16_t v = (uint16_t)(fz_u8(f) << 8);
    return (uint16_t)(v | fz_u8(f));
}

static uint64_t fz_ms(uint8_t t)
{
    return t < 100 ? (uint64_t)t * 100u : ((uint64_t)t - 100u + 10u) * 1000u;
}

/* w: 0 A, 1 B, 2 G's connection A, 3 G's connection B. */
static void fz_who(uint8_t w, int *node, unsigned *ci)
{
    switch (w & 3) {
    case 0: *node = N_A; *ci = 0; break;
    case 1: *node = N_B; *ci = 0; break;
    case 2: *node = N_G; *ci = C_A; break;
    default: *node = N_G; *ci = C_B; break;
    }
}

static void fz_op(uint8_t op, fz_in_t *in)
{
    int node;
    unsigned ci;
    uint8_t a, b, c;
    uint16_t v;

    g_op_name = g_op_names[op];
    switch (op) {
    case OP_STEP:
        a = fz_u8(in);
        b = fz_u8(in);
        fz_trace("op step %llu ms%s", (unsigned long long)fz_ms(a), (b & 1) ? " (hold)" : "");
        fz_run(fz_ms(a), b & 1);
        return;
    case OP_DELIVER:
    case OP_DROP:
    case OP_DUP:
        a = fz_u8(in);
        fz_step_begin();
        if (op == OP_DROP) {
            if (g_nqueue != 0) {
                unsigned i = a % g_nqueue;
                fz_impair(fz_link(g_queue[i].from, g_queue[i].to));
                memmove(&g_queue[i], &g_queue[i + 1u], sizeof(g_queue[0]) * (g_nqueue - i - 1u));
                g_nqueue--;
            }
        } else {
            fz_deliver_queued(a, op == OP_DUP);
        }
        break;
    case OP_FLUSH:
        fz_step_begin();
        (void)fz_flush();
        break;
    case OP_LINK:
        a = fz_u8(in);
        fz_trace("op link %c %s", (a & 1) ? 'B' : 'A', (a & 2) ? "down" : "up");
        fz_step_begin();
        g_link_down[a & 1] = (a & 2) != 0;
        fz_impair(a & 1);
        break;
    case OP_INITIATE:
        a = fz_u8(in);
        node = (a & 1) ? N_B : N_A;
        fz_step_begin();
        g_wants[node] = 1;
        FZ_API(tip_ike_initiate(&g_ctx[node], g_conn[node][0]));
        fz_drain();
        break;
    case OP_TERMINATE:
    case OP_REKEY_IKE:
    case OP_REKEY_CHILD:
        fz_who(fz_u8(in), &node, &ci);
        fz_trace("op %s %s conn %u", g_op_name, g_node_name[node], ci);
        fz_step_begin();
        if (op == OP_TERMINATE) {
            if (node != N_G) {
                tip_ike_status_t st;
                g_wants[node] = 0; /* the application closes its tunnel */
                /* An IKE SA given up before it was up leaves without a
                 * word (nothing authenticated can say it); its IKE_AUTH
                 * may still complete the SA at G, which then learns of
                 * the loss only when the peer stops answering: for G that
                 * is a peer that vanished, like a broken link. */
                fz_status(node, ci, &st);
                if (!st.ike_up)
                    fz_impair(fz_conn_link(node, ci));
            }
            FZ_API(tip_ike_terminate(&g_ctx[node], g_conn[node][ci]));
        } else if (op == OP_REKEY_IKE) {
            FZ_API(tip_ike_rekey_ike(&g_ctx[node], g_conn[node][ci]));
        } else {
            FZ_API(tip_ike_rekey_child(&g_ctx[node], g_conn[node][ci]));
        }
        fz_drain();
        break;
    case OP_ATK_INIT:
        v = fz_u16(in);
        a = fz_u8(in);
        fz_trace("op atk-init from %u flags %02x", v, a);
        fz_atk_begin();
        fz_atk_init(v, a);
        fz_atk_end();
        return;
    case OP_ATK_COOKIE:
        a = fz_u8(in);
        fz_atk_begin();
        fz_atk_cookie(a);
        fz_atk_end();
        return;
    case OP_ATK_FORGE:
        v = fz_u16(in);
        a = fz_u8(in);
        b = fz_u8(in);
        fz_trace("op atk-forge from %u version %u secret %u", v, a & 3, b & 3);
        fz_atk_begin();
        fz_atk_forge(v, a, b);
        fz_atk_end();
        return;
    case OP_ATK_REPLAY:
        a = fz_u8(in);
        b = fz_u8(in);
        c = fz_u8(in);
        fz_trace("op atk-replay capture %u src %u flags %u", a, b, c);
        fz_atk_begin();
        fz_atk_replay(a, b, c, 0, 0, 0);
        fz_atk_end();
        return;
    case OP_ATK_MUTATE:
        a = fz_u8(in);
        v = fz_u16(in);
        b = fz_u8(in);
        fz_trace("op atk-mutate capture %u byte %u ^ %02x", a, v, b);
        fz_atk_begin();
        fz_atk_replay(a, 0, 0, 1, v, b);
        fz_atk_end();
        return;
    case OP_ATK_FLOOD: {
        unsigned i, n;
        a = fz_u8(in);
        v = fz_u16(in);
        b = fz_u8(in);
        n = (a & 31u) + 1u;
        fz_trace("op atk-flood %u from %u%s", n, v & 0x3FFu, (b & 1) ? " answering cookies" : "");
        fz_atk_begin();
        for (i = 0; i < n && !g_stop; i++) {
            uint16_t addr = (uint16_t)((v + i) & 0x3FFu);
            const fz_atk_rec_t *r = fz_atk_new(addr, 0);
            fz_atk_send_init(r, NULL, 0);
            if (b & 1)
                fz_atk_answer(r);
        }
        fz_atk_end();
        return;
    }
    default:
        return;
    }
    if (!g_stop)
        fz_step_end();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t in = {data, size};
    int nops = 0;

    if (size < 1)
        return 0;
    fz_setup(fz_u8(&in));
    g_op_no = 0;
    g_op_name = "setup";
    fz_step_begin();
    fz_app(); /* A and B start */
    fz_step_end();
    while (in.n > 0 && nops < FZ_MAX_OPS && !g_stop) {
        uint8_t op = (uint8_t)(fz_u8(&in) % FZ_OP_COUNT);
        g_op_no = ++nops;
        fz_op(op, &in);
    }
    if (!g_stop) {
        g_op_no = nops + 1;
        fz_settle();
    }
    return 0;
}

/* ---- seeds (FZ_SEED_DIR) ------------------------------------------------------------ */

/* Time argument for STEP: s seconds (10..165). */
#define S(s) ((uint8_t)(100 + (s) - 10))

static const uint8_t seed_handshake[] = {0, OP_STEP, 20, 0, OP_STEP, S(60), 0, OP_STEP, S(60), 0,
                                         OP_STEP, S(60), 0};
static const uint8_t seed_rekeys[] = {
    0, OP_STEP, 20, 0, OP_REKEY_IKE, 0, OP_FLUSH, OP_REKEY_CHILD, 3, OP_STEP, 10, 0,
    OP_REKEY_IKE, 2, OP_REKEY_CHILD, 1, OP_STEP, S(30), 0, OP_REKEY_CHILD, 0, OP_REKEY_CHILD, 2,
    OP_DELIVER, 1, OP_DELIVER, 0, OP_FLUSH, OP_STEP, S(100), 0};
static const uint8_t seed_lossy[] = {
    1, OP_STEP, 5, 1, OP_DUP, 0, OP_DELIVER, 1, OP_DROP, 0, OP_STEP, 20, 0, OP_LINK, 2,
    OP_STEP, S(25), 0, OP_LINK, 0, OP_STEP, S(40), 1, OP_DELIVER, 2, OP_DROP, 0, OP_FLUSH,
    OP_LINK, 3, OP_STEP, 50, 0, OP_LINK, 1, OP_STEP, S(20), 0};
static const uint8_t seed_terminate[] = {
    2, OP_STEP, 20, 0, OP_TERMINATE, 0, OP_STEP, 20, 0, OP_INITIATE, 0, OP_TERMINATE, 3,
    OP_STEP, S(30), 0, OP_TERMINATE, 1, OP_STEP, 30, 0};
static const uint8_t seed_attack_cookies[] = {
    0, OP_ATK_INIT, 0, 5, 0, OP_ATK_INIT, 0, 6, 0, OP_ATK_INIT, 0, 5, 0, OP_ATK_COOKIE, 0,
    OP_STEP, 20, 0, OP_ATK_INIT, 0, 5, 0, OP_ATK_COOKIE, 0, OP_ATK_INIT, 0, 5, 1,
    OP_ATK_INIT, 0x80, 0, 2, OP_ATK_INIT, 0, 9, 4, OP_ATK_INIT, 0, 9, 8, OP_STEP, S(40), 0};
static const uint8_t seed_attack_flood[] = {
    0, OP_STEP, 20, 0, OP_ATK_FLOOD, 31, 0, 100, 1, OP_STEP, S(20), 0, OP_ATK_FLOOD, 31, 1, 0, 0,
    OP_ATK_FLOOD, 7, 3, 200, 1, OP_STEP, S(45), 0, OP_STEP, S(60), 0};
static const uint8_t seed_replay[] = {
    0, OP_STEP, 20, 0, OP_REKEY_CHILD, 0, OP_ATK_REPLAY, 0, 0, 0, OP_FLUSH, OP_ATK_REPLAY, 1, 5, 1,
    OP_ATK_REPLAY, 6, 2, 4, OP_ATK_MUTATE, 0, 0, 40, 0x10, OP_ATK_REPLAY, 3, 3, 0,
    OP_ATK_MUTATE, 4, 0, 30, 1, OP_REKEY_IKE, 1, OP_ATK_REPLAY, 0, 0, 0, OP_FLUSH,
    OP_ATK_REPLAY, 1, 0, 0, OP_ATK_REPLAY, 9, 1, 4, OP_STEP, S(60), 0};

static void fz_write_seed(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_ike_state: cannot write %s\n", path);
        abort();
    }
}

/* Mbed TLS bignums allocate on every operation: a small quarantine keeps
 * ASan's page faults (most of the run time otherwise) down. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("FZ_SEED_DIR"), *soft = getenv("FZ_SOFT"), *skip = getenv("FZ_SKIP");

    (void)argc;
    (void)argv;
    g_debug = getenv("FZ_DEBUG") != NULL;
    snprintf(g_soft, sizeof(g_soft), "%s", soft != NULL ? soft : TIP_FUZZ_STATE_SOFT);
    snprintf(g_skip, sizeof(g_skip), "%s", skip != NULL ? skip : "");
    if (dir != NULL && *dir != '\0') {
        fz_write_seed(dir, "handshake-and-rekeys", seed_handshake, sizeof(seed_handshake));
        fz_write_seed(dir, "manual-rekeys", seed_rekeys, sizeof(seed_rekeys));
        fz_write_seed(dir, "lossy-links", seed_lossy, sizeof(seed_lossy));
        fz_write_seed(dir, "terminate-initiate", seed_terminate, sizeof(seed_terminate));
        fz_write_seed(dir, "attacker-answers-cookies", seed_attack_cookies, sizeof(seed_attack_cookies));
        fz_write_seed(dir, "attacker-flood", seed_attack_flood, sizeof(seed_attack_flood));
        fz_write_seed(dir, "replay-mutate", seed_replay, sizeof(seed_replay));
    }
    return 0;
}
