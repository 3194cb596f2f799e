/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 handshakes per second against the bare key exchange of the backend.
 *
 * Two tinyipsec contexts in one process, joined by an in-memory link (a
 * queue: what one context sends through its port's send_udp the other
 * receives through tip_ike_input, in order, nothing lost), negotiate
 * IKE_SA_INIT + IKE_AUTH with PSK authentication, AES-GCM-128 / PRF
 * HMAC-SHA-256 for the IKE SA and AES-GCM-128 for the CHILD SA, for DH
 * groups 19 (ECP-256) and 31 (Curve25519), and, for information, 14
 * (MODP-2048) and 20 (ECP-384). One handshake is
 *   tip_ike_initiate(), pump until both CHILD SA pairs are installed,
 *   tip_ike_terminate(), pump until both sides have removed the IKE SA and
 *   its CHILD SAs (INFORMATIONAL Delete, as a real teardown does),
 * so a handshake leaves both contexts as it found them and the next one
 * starts from the same state: 6 messages, 4 SAD entries and 4 SPD entries
 * installed and removed, every key derived and wiped.
 *
 * The port is the bench's own: random numbers come from bare_random()
 * (classic backend: one Mbed TLS CTR_DRBG seeded once from the platform
 * entropy, as an embedded port would; PSA backend: psa_generate_random),
 * the clock is CLOCK_MONOTONIC in ms. No retransmission ever fires.
 *
 * In the same run the bench times what a handshake needs of the key
 * exchange and nothing else: two key generations (one per side) and two
 * shared-secret computations, with the calls the backend makes
 * (bench/bare_mbedtls.c: the Mbed TLS DHM / ECDH / ECP calls of
 * src/crypto_mbedtls_ike.c, Everest for X25519 where the build has it;
 * bench/bare_psa.c: psa_generate_key + psa_export_public_key /
 * psa_raw_key_agreement of src/crypto_psa_ike.c). The PSA backend has no
 * MODP-2048: its row says so.
 *
 *   ratio = handshakes/s / (1 / time of (2 keygens + 2 shared secrets))
 * 1.00 would mean a handshake costs only its key exchange; the target
 * is >= 0.85 for groups 19 and 31. Rounds of a fixed time budget
 * alternate handshakes and primitive (which goes first alternates too) and
 * each side keeps its best round: other load only ever slows a round down.
 *
 * Also printed: the RAM of the structures involved (sizeof) and what Mbed
 * TLS allocates on the heap for them, counted by wrapping glibc's
 * calloc/free (requested bytes; glibc builds without ASan/MSan only).
 *
 *   ike_bench [budget_ms_per_round [rounds [group]]]
 *   (defaults: 40 ms x 25 rounds per side per group, about 8 s in all;
 *   group = 14|19|20|31 runs only that group)
 *
 * Build with optimisation (make bench: Release).
 *
 * tip-requires: TIP_CONF_IKEV2
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tinyipsec/tinyipsec.h"

#include "bare.h"

/* ---- heap accounting: glibc's calloc/free, wrapped -------------------------- */

/* Mbed TLS (a static library here) allocates with plain calloc/free; this
 * executable's definitions take their place and forward to glibc's own.
 * Only blocks handed out while heap_on is set are followed. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define IKE_BENCH_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define IKE_BENCH_SANITIZER 1
#endif
#if defined(__GLIBC__) && !defined(IKE_BENCH_SANITIZER) /* sanitizers own malloc */
#define HAVE_HEAP_COUNT 1
void *__libc_calloc(size_t n, size_t size);
void __libc_free(void *p);
void *calloc(size_t n, size_t size);
void free(void *p);

#define HEAP_SLOTS 512
static struct {
    void *p;
    size_t n;
} heap_blk[HEAP_SLOTS];
static int heap_on;
static size_t heap_live, heap_peak;
static unsigned long heap_calls, heap_untracked;

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);

    if (p != NULL && heap_on) {
        int i;
        heap_calls++;
        for (i = 0; i < HEAP_SLOTS; i++) {
            if (heap_blk[i].p == NULL) {
                heap_blk[i].p = p;
                heap_blk[i].n = n * size;
                heap_live += n * size;
                if (heap_live > heap_peak)
                    heap_peak = heap_live;
                break;
            }
        }
        if (i == HEAP_SLOTS)
            heap_untracked++;
    }
    return p;
}

void free(void *p)
{
    if (p != NULL && heap_on) {
        int i;
        for (i = 0; i < HEAP_SLOTS; i++) {
            if (heap_blk[i].p == p) {
                heap_live -= heap_blk[i].n;
                heap_blk[i].p = NULL;
                break;
            }
        }
    }
    __libc_free(p);
}

static void heap_start(void)
{
    memset(heap_blk, 0, sizeof(heap_blk));
    heap_live = heap_peak = 0;
    heap_calls = heap_untracked = 0;
    heap_on = 1;
}
#else
#define HAVE_HEAP_COUNT 0
static size_t heap_live, heap_peak;
static unsigned long heap_calls, heap_untracked;
static int heap_on;
static void heap_start(void)
{
}
#endif

/* ---- timing ------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double budget_s = 0.04;
static int rounds = 25;

/* ---- the port and the link ----------------------------------------------------- */

#define QMAX    8
#define MSG_MAX 1500

typedef struct {
    uint8_t to; /* node index */
    uint16_t sport, dport;
    size_t len;
    uint8_t data[MSG_MAX];
} qmsg_t;

typedef struct {
    tip_ctx_t ctx;
    tip_addr_t addr;
    tip_handle_t conn;
    int idx;
} node_t;

static node_t node[2];
static qmsg_t q[QMAX];
static unsigned q_head, q_len;
static unsigned long q_overflow;

static int port_send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                         uint16_t dport, const uint8_t *data, size_t len)
{
    const node_t *from = arg;
    qmsg_t *m;

    (void)src, (void)dst;
    if (q_len == QMAX || len > MSG_MAX) {
        q_overflow++;
        return TIP_ERR_PORT;
    }
    m = &q[(q_head + q_len++) % QMAX];
    m->to = (uint8_t)!from->idx;
    m->sport = sport;
    m->dport = dport;
    m->len = len;
    memcpy(m->data, data, len);
    return 0;
}

static int port_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg, (void)pkt, (void)len;
    return 0;
}

static uint64_t port_now(void *arg)
{
    struct timespec ts;

    (void)arg;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int port_random(void *arg, uint8_t *out, size_t len)
{
    return bare_random(arg, out, len);
}

/* Deliver everything in flight, and what that makes the other side send. */
static unsigned pump(void)
{
    unsigned n = 0;

    while (q_len > 0) {
        qmsg_t *m = &q[q_head];
        node_t *to = &node[m->to], *from = &node[!m->to];

        q_head = (q_head + 1) % QMAX;
        q_len--;
        /* m stays valid while to answers: its slot is reused only when the ring wraps. */
        {
            /* RFC 3948 2.2: on port 4500 (MOBIKE moves there in IKE_AUTH)
             * IKE follows a non-ESP marker. */
            const uint8_t *d = m->data;
            size_t len = m->len;
            if (len >= 4 && (d[0] | d[1] | d[2] | d[3]) == 0) {
                d += 4;
                len -= 4;
            }
            (void)tip_ike_input(&to->ctx, &from->addr, m->sport, &to->addr, m->dport, d, len);
        }
        n++;
    }
    return n;
}

static int both_up(void)
{
    tip_ike_status_t s0, s1;

    return tip_ike_status(&node[0].ctx, node[0].conn, &s0) == TIP_OK &&
           tip_ike_status(&node[1].ctx, node[1].conn, &s1) == TIP_OK && s0.child_up && s1.child_up;
}

static int both_clean(void)
{
    tip_ike_status_t s0, s1;

    return tip_ike_status(&node[0].ctx, node[0].conn, &s0) == TIP_OK &&
           tip_ike_status(&node[1].ctx, node[1].conn, &s1) == TIP_OK && !s0.ike_up && !s1.ike_up &&
           tip_sad_count(&node[0].ctx) == 0 && tip_sad_count(&node[1].ctx) == 0;
}

static int conn_fill(tip_ike_conn_t *c, const char *me, const char *peer, const char *my_id,
                     const char *peer_id, const char *my_net, const char *peer_net,
                     tip_dh_group_t group)
{
    tip_addr_t n;

    tip_ike_conn_init(c); /* AES-GCM-128, PRF-HMAC-SHA-256; ESP AES-GCM-128 */
    c->ike[0].dh = group;
    if (tip_addr_parse(&c->local_addr, me) != TIP_OK ||
        tip_addr_parse(&c->remote_addr, peer) != TIP_OK ||
        tip_ike_id_set(&c->local_id, TIP_ID_FQDN, my_id) != TIP_OK ||
        tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, peer_id) != TIP_OK)
        return -1;
    memcpy(c->psk, "correct horse battery staple", 28);
    c->psk_len = 28;
    if (tip_addr_parse(&n, my_net) != TIP_OK || tip_addr_range_prefix(&c->ts.local, &n, 24) != 0 ||
        tip_addr_parse(&n, peer_net) != TIP_OK || tip_addr_range_prefix(&c->ts.remote, &n, 24) != 0)
        return -1;
    return 0;
}

static int pair_setup(tip_dh_group_t group)
{
    static const char *addr[2] = {"10.99.0.1", "10.99.0.2"};
    static const char *id[2] = {"a.bench", "b.bench"};
    static const char *net[2] = {"10.1.0.0", "10.2.0.0"};
    int i;

    for (i = 0; i < 2; i++) {
        tip_port_t port;
        tip_ike_conn_t c;

        memset(&port, 0, sizeof(port));
        port.send_udp = port_send_udp;
        port.send_ip = port_send_ip;
        port.now_ms = port_now;
        port.random = port_random;
        port.arg = &node[i];
        node[i].idx = i;
        if (tip_addr_parse(&node[i].addr, addr[i]) != TIP_OK ||
            tip_ctx_init(&node[i].ctx, &port) != TIP_OK ||
            conn_fill(&c, addr[i], addr[!i], id[i], id[!i], net[i], net[!i], group) != 0 ||
            tip_ike_conn_add(&node[i].ctx, &c, &node[i].conn) != TIP_OK)
            return -1;
    }
    q_head = q_len = 0;
    return 0;
}

static void pair_free(void)
{
    tip_ctx_deinit(&node[0].ctx);
    tip_ctx_deinit(&node[1].ctx);
}

/* ---- one handshake, and the key exchange alone ------------------------------------ */

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* Up: initiate and pump until both CHILD SA pairs are in. */
static NOINLINE int hs_up(void)
{
    if (tip_ike_initiate(&node[0].ctx, node[0].conn) != TIP_OK)
        return -1;
    (void)pump();
    return both_up() ? 0 : -2;
}

/* Down: terminate (INFORMATIONAL Delete) and pump until both sides forgot it. */
static NOINLINE int hs_down(void)
{
    if (tip_ike_terminate(&node[0].ctx, node[0].conn) != TIP_OK)
        return -3;
    (void)pump();
    return both_clean() ? 0 : -4;
}

/* What one handshake needs of the key exchange: both sides' keygen and shared secret. */
static NOINLINE int prim_one(tip_dh_group_t g)
{
    return bare_kex_handshake(g);
}

/* ---- rounds ------------------------------------------------------------------------- */

typedef struct {
    double hs, up, prim; /* best rates per second */
} result_t;

static void fail(const char *what, tip_dh_group_t g, int rc)
{
    fprintf(stderr, "ike_bench: group %d: %s failed (%d)\n", (int)g, what, rc);
    exit(1);
}

static double run_hs(tip_dh_group_t g, double *up_rate)
{
    double t0 = now_s(), t, t_up = 0;
    long n = 0;

    do {
        double a = now_s(), b;
        int rc = hs_up();

        if (rc != 0)
            fail("handshake", g, rc);
        b = now_s();
        t_up += b - a;
        if ((rc = hs_down()) != 0)
            fail("teardown", g, rc);
        n++;
        t = now_s() - t0;
    } while (t < budget_s);
    *up_rate = (double)n / t_up;
    return (double)n / t;
}

static double run_prim(tip_dh_group_t g)
{
    double t0 = now_s(), t;
    long n = 0;

    do {
        if (prim_one(g) != 0)
            fail("bare key exchange", g, -1);
        n++;
        t = now_s() - t0;
    } while (t < budget_s);
    return (double)n / t;
}

static size_t heap_per_esp_sa(void);

/* One handshake with the heap followed: peak, calls, and nothing left behind. */
static void heap_report(tip_dh_group_t g)
{
    size_t at_up;
    unsigned long calls_up;

    heap_start();
    if (hs_up() != 0)
        fail("handshake (heap)", g, -1);
    at_up = heap_live;
    calls_up = heap_calls;
    if (hs_down() != 0)
        fail("teardown (heap)", g, -1);
    heap_on = 0;
    if (!HAVE_HEAP_COUNT)
        return;
    printf("  Mbed TLS heap, both peers together: peak %zu B, %lu callocs for the handshake, "
           "%lu for the teardown, %zu B left after it%s;\n",
           heap_peak, calls_up, heap_calls - calls_up, heap_live,
           heap_untracked ? " (some blocks untracked)" : "");
    printf("  held per peer while up: %zu B = IKE SA %zu B + CHILD SA pair %zu B\n", at_up / 2,
           at_up / 2 - 2 * heap_per_esp_sa(), 2 * heap_per_esp_sa());
}

/* What Mbed TLS keeps on the heap for one installed AES-GCM-128 ESP SA. */
static size_t heap_per_esp_sa(void)
{
    static tip_ctx_t c;
    static const uint8_t key[20];
    tip_port_t port;
    tip_sa_params_t p;
    size_t live;

    memset(&port, 0, sizeof(port));
    port.send_udp = port_send_udp;
    port.send_ip = port_send_ip;
    port.now_ms = port_now;
    port.random = port_random;
    port.arg = &node[0];
    if (tip_ctx_init(&c, &port) != TIP_OK)
        return 0;
    memset(&p, 0, sizeof(p));
    p.spi = 0x1001;
    p.mode = TIP_MODE_TUNNEL;
    p.dir = TIP_DIR_OUT;
    (void)tip_addr_parse(&p.src, "192.0.2.1");
    (void)tip_addr_parse(&p.dst, "192.0.2.2");
    p.encr = TIP_ENCR_AES_GCM_16;
    p.encr_key = key;
    p.encr_key_len = 20;
    p.fresh_keys = 1; /* as IKE installs it */
    heap_start();
    if (tip_sad_add(&c, &p, NULL) != TIP_OK)
        fail("tip_sad_add", TIP_DH_NONE, -1);
    live = heap_live;
    tip_ctx_deinit(&c);
    heap_on = 0;
    return live;
}

int main(int argc, char **argv)
{
    static const struct {
        tip_dh_group_t g;
        const char *name;
        int target;
    } groups[] = {
        {TIP_DH_ECP_256, "ECP-256 (19)", 1},
        {TIP_DH_CURVE25519, "Curve25519 (31)", 1},
        {TIP_DH_MODP_2048, "MODP-2048 (14)", 0},
        {TIP_DH_ECP_384, "ECP-384 (20)", 0},
    };
    result_t res[4];
    int filter = 0;
    size_t i;

    if (argc > 1)
        budget_s = atof(argv[1]) / 1000.0;
    if (argc > 2)
        rounds = atoi(argv[2]);
    if (argc > 3)
        filter = atoi(argv[3]);
    if (budget_s <= 0 || rounds < 1)
        return 2;
    if (bare_init() != 0)
        return 1;

    printf("ike_bench: Mbed TLS %s, %s backend, X25519 %s\n", bare_version(), bare_backend(),
           bare_x25519_note());
    printf("IKE AES-GCM-128 + PRF-HMAC-SHA-256, PSK; ESP AES-GCM-128; "
           "best of %d rounds x %.0f ms per side per group\n",
           rounds, budget_s * 1000.0);
    printf("handshake = IKE_SA_INIT + IKE_AUTH until both CHILD SA pairs are up, then "
           "tip_ike_terminate + Delete exchange\n");
    printf("bare DH = 2 keygens + 2 shared secrets, the calls of the %s backend; "
           "ratio = hs/s / bare-DH/s\n\n", bare_backend());
    printf("%-16s %10s %12s %12s %7s\n", "group", "hs/s", "up-only/s", "bare-DH/s", "ratio");

    for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        tip_dh_group_t g = groups[i].g;
        tip_ike_status_t st;
        result_t *r = &res[i];
        int k;

        memset(r, 0, sizeof(*r));
        if (filter != 0 && filter != (int)g)
            continue;
        if (!bare_kex_supported(g)) {
            printf("%-16s not available with the %s backend\n", groups[i].name, bare_backend());
            continue;
        }
        if (pair_setup(g) != 0)
            fail("setup", g, -1);
        /* Check the whole cycle once, and that group g was negotiated. */
        if (hs_up() != 0)
            fail("first handshake", g, -1);
        if (tip_ike_status(&node[0].ctx, node[0].conn, &st) != TIP_OK || st.ike_alg.dh != g ||
            st.child_alg.encr != TIP_ENCR_AES_GCM_16)
            fail("negotiated algorithms", g, -1);
        if (hs_down() != 0)
            fail("first teardown", g, -1);
        if (prim_one(g) != 0)
            fail("bare key exchange", g, -1);

        for (k = 0; k < rounds; k++) {
            double hs, up, p;

            if (k & 1) {
                p = run_prim(g);
                hs = run_hs(g, &up);
            } else {
                hs = run_hs(g, &up);
                p = run_prim(g);
            }
            if (hs > r->hs)
                r->hs = hs;
            if (up > r->up)
                r->up = up;
            if (p > r->prim)
                r->prim = p;
        }
        printf("%-16s %10.1f %12.1f %12.1f %7.2f\n", groups[i].name, r->hs, r->up, r->prim,
               r->hs / r->prim);
        heap_report(g);
        fflush(stdout);
        pair_free();
    }
    if (q_overflow)
        printf("WARNING: %lu messages did not fit the link queue\n", q_overflow);
    printf("\n");
    for (i = 0; i < 2; i++) {
        if (res[i].hs <= 0) {
            printf("target check: %s not measured in this run\n", groups[i].name);
            continue;
        }
        printf("target check: %s ratio %.2f (target >= 0.85) %s\n", groups[i].name,
               res[i].hs / res[i].prim, res[i].hs / res[i].prim >= 0.85 ? "met" : "MISSED");
    }
    printf("(informational: the bench never fails on timing)\n\n");

    printf("RAM (this build, %zu-bit pointers): sizeof(tip_ctx_t) %zu B; one IKE SA slot "
           "(tip_ike_sa_t) %zu B; one connection slot (tip_ike_conn_slot_t) %zu B;\n",
           sizeof(void *) * 8, sizeof(tip_ctx_t), sizeof(tip_ike_sa_t),
           sizeof(tip_ike_conn_slot_t));
    printf("  one ESP SA slot (tip_sa_t) %zu B, one SPD slot (tip_policy_slot_t) %zu B; "
           "per CHILD SA pair: 2 x tip_sa_t = %zu B (+ 2 SPD slots = %zu B)\n",
           sizeof(tip_sa_t), sizeof(tip_policy_slot_t), 2 * sizeof(tip_sa_t),
           2 * sizeof(tip_sa_t) + 2 * sizeof(tip_policy_slot_t));
    if (HAVE_HEAP_COUNT)
        printf("  Mbed TLS heap per installed AES-GCM-128 ESP SA: %zu B (so %zu B per CHILD SA "
               "pair)\n",
               heap_per_esp_sa(), 2 * heap_per_esp_sa());
    else
        printf("  Mbed TLS heap: not counted (needs glibc, no sanitizer)\n");
    bare_deinit();
    return 0;
}
