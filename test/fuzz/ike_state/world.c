/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_ike_state, part 1 (included by fuzz_ike_state.c, one translation
 * unit): the world's types and state, reporting, what the harness reads
 * inside the core, and the wire between the contexts.
 */

enum { N_G = 0, N_A = 1, N_B = 2, N_NODES = 3, N_ATTACKER = 3 };
enum { L_A = 0, L_B = 1, L_NONE = 2 };
enum { C_A = 0, C_B = 1, C_RW = 2, FZ_G_CONNS = 3 };

#define FZ_T0 1000u
#define FZ_MAX_OPS 64
#define FZ_MAX_CLOCK_MS (1200u * 1000u)
#define FZ_SETTLE_MAX_MS (600u * 1000u)
#define FZ_G_IKE_REKEY_S 120   /* G's rekey times; 10 % jitter */
#define FZ_G_IKE_LIFETIME_S 400
#define FZ_PEER_IKE_REKEY_S 150 /* A's and B's with world flag bit 1 */
#define FZ_PEER_IKE_LIFETIME_S 450
#define FZ_G_CHILD_REKEY_S 60
#define FZ_IKE_YOUNG_MS 100000u /* below 120 s - 10 %: no IKE rekey due yet */
#define FZ_CHILD_YOUNG_MS 50000u /* below 60 s - 10 % */
#define FZ_QUEUE 32
#define FZ_CAPTURE 32
#define FZ_DGRAM_MAX (TIP_IKE_MSG_MAX + 4)
#define FZ_ISSUED 4096 /* more than an input can make G send */
#define FZ_COOKIES_RX 16
#define FZ_ATK_REC 64
#define FZ_EXPIRED 256
#define FZ_EV_MAX 256
#define FZ_ANY INT32_MIN /* any event reason */

/* ---- the world ---------------------------------------------------------------- */

typedef struct {
    uint8_t from, to;       /* node, or N_ATTACKER */
    tip_addr_t src, dst;
    uint16_t sport, dport;
    uint16_t len;
    uint8_t data[FZ_DGRAM_MAX];
} fz_dgram_t;

typedef struct {
    uint8_t node, type;
    tip_handle_t conn, sa;
    uint32_t spi;
    int reason;
    uint64_t added_ms;      /* hard expiry: when the SA was added */
} fz_ev_t;

static tip_test_port_t g_port[N_NODES];
static tip_ctx_t g_ctx[N_NODES];
static tip_handle_t g_conn[N_NODES][FZ_G_CONNS];
static unsigned g_nconn[N_NODES];
static tip_addr_t g_addr[N_NODES];
static uint32_t g_consumed[N_NODES];
static uint64_t g_now, g_next;
static int g_ready, g_debug, g_stop, g_op_no, g_in_settle;
static const char *g_op_name = "setup";
static char g_soft[128], g_skip[128];
static unsigned long g_soft_count;

static fz_dgram_t g_queue[FZ_QUEUE];
static unsigned g_nqueue;
static fz_dgram_t g_capture[FZ_CAPTURE];
static unsigned g_ncapture, g_capture_head;
static int g_link_down[2];
static uint64_t g_impaired[2];  /* last time the link dropped or delayed a datagram */
static int g_wants[N_NODES];    /* A/B: the application wants a tunnel */

/* cookies the contexts sent, and to whom */
static struct {
    uint8_t cookie[TIP_IKE_COOKIE_MAX], len, spi[8], from;
    tip_addr_t to;
} g_issued[FZ_ISSUED];
static unsigned g_nissued;

/* the attacker's IKE_SA_INIT requests (to answer cookies) and the cookies it got */
typedef struct {
    uint16_t addr;
    uint8_t flags, spi[8], ni[32];
} fz_atk_rec_t;
static fz_atk_rec_t g_atk[FZ_ATK_REC];
static unsigned g_natk;
static uint32_t g_atk_ctr;
static struct {
    uint8_t spi[8], cookie[TIP_IKE_COOKIE_MAX], len;
    tip_addr_t to;
} g_cookie_rx[FZ_COOKIES_RX];
static unsigned g_ncookie_rx;

/* events of the current step, hard-expired SAD handles, per-connection times */
static fz_ev_t g_ev[FZ_EV_MAX];
static unsigned g_nev;
static int g_ev_lost; /* more events in this step than g_ev holds */
static struct {
    uint8_t node;
    tip_handle_t h;
} g_expired[FZ_EXPIRED];
static unsigned g_nexpired;
static uint64_t g_est[N_NODES][FZ_G_CONNS]; /* when the current IKE SA was made */
static uint64_t g_hard_ms[N_NODES][FZ_G_CONNS]; /* its hard lifetime */
static int g_settle_ike[N_NODES], g_settle_child[N_NODES];

/* ---- reporting ------------------------------------------------------------------ */

static void fz_dump(void);

/* Is class @p cls in the comma-separated @p list? */
static int fz_in_list(const char *list, const char *cls)
{
    size_t n = strlen(cls);
    const char *p = list;

    while ((p = strstr(p, cls)) != NULL) {
        if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return 1;
        p += n;
    }
    return 0;
}

static void fz_fail(const char *cls, const char *fmt, ...)
{
    va_list ap;
    int soft = fz_in_list(g_soft, cls);

    if (fz_in_list(g_skip, cls))
        return;
    if (soft && ++g_soft_count > 3 && !g_debug) {
        g_stop = 1;
        return;
    }
    fprintf(stderr, "fuzz_ike_state: invariant [%s] failed%s at t=%llu ms, op #%d (%s)%s: ", cls,
            soft ? " (soft)" : "", (unsigned long long)(g_now - FZ_T0), g_op_no, g_op_name,
            g_in_settle ? " while settling" : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fz_dump();
    if (!soft)
        abort();
    g_stop = 1;
}

#define FZ_API(call)                                                                       \
    do {                                                                                   \
        int r_ = (call);                                                                   \
        if (r_ == TIP_ERR_INTERNAL || r_ == TIP_ERR_ARG)                                   \
            fz_fail("api", "%s returned %d", #call, r_);                                   \
    } while (0)

static void fz_trace(const char *fmt, ...)
{
    va_list ap;

    if (!g_debug)
        return;
    fprintf(stderr, "fz t=%llu: ", (unsigned long long)(g_now - FZ_T0));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- what the harness reads inside the core (the only place to adapt) ----------- */

/* SAD (or SPD) handles of one IKE SA: two per CHILD SA entry, old and extra pair included. */
#define FZ_CHILD_HANDLES (2 * (TIP_IKE_CHILD_MAX + 2))

typedef struct {
    uint8_t state, initiator, req_outstanding;
    uint16_t gen;
    tip_handle_t conn, parent; /* its references to its connection and rekey parent */
    uint8_t spi_i[8], spi_r[8];
    uint8_t sk_d[TIP_IKE_PRF_MAX], sk_pi[TIP_IKE_PRF_MAX], sk_pr[TIP_IKE_PRF_MAX];
    uint32_t msg_id_in, msg_id_out;
    tip_addr_t remote;
    uint16_t rport;
    uint32_t child_spi[FZ_CHILD_HANDLES];
    tip_handle_t child_h[FZ_CHILD_HANDLES];
} fz_sa_fp_t;

static const tip_ike_sa_t *fz_slot(const tip_ctx_t *ctx, unsigned i)
{
    return &ctx->ike.sa[i];
}

/* Every CHILD SA entry of @p sa: the table, the old and the extra pair. */
static void fz_slot_children(const tip_ike_sa_t *sa, const tip_ike_child_t **ch)
{
    unsigned k;

    for (k = 0; k < TIP_IKE_CHILD_MAX; k++)
        ch[k] = &sa->child[k];
    ch[TIP_IKE_CHILD_MAX] = &sa->old_child;
    ch[TIP_IKE_CHILD_MAX + 1] = &sa->extra_child;
}

static int fz_slot_free(const tip_ctx_t *ctx, unsigned i)
{
    return fz_slot(ctx, i)->state == TIP_IKE_S_FREE;
}

/* What a handle held in the core resolves to: FZ_NONE (0, no reference),
 * FZ_DANGLING (the slot is free or was reused since: a reference the core
 * should have removed), else the slot index. */
#define FZ_NONE (-1)
#define FZ_DANGLING (-2)

static int fz_conn_of_handle(const tip_ctx_t *ctx, tip_handle_t h)
{
    unsigned idx = tip_handle_idx(h);

    if (h == 0)
        return FZ_NONE;
    if (idx >= TIP_MAX_IKE_CONN || !ctx->ike.conn[idx].in_use ||
        ctx->ike.conn[idx].gen != tip_handle_gen(h))
        return FZ_DANGLING;
    return (int)idx;
}

static int fz_sa_of_handle(const tip_ctx_t *ctx, tip_handle_t h)
{
    unsigned idx = tip_handle_idx(h);

    if (h == 0)
        return FZ_NONE;
    if (idx >= TIP_MAX_IKE_SA || ctx->ike.sa[idx].state == TIP_IKE_S_FREE ||
        ctx->ike.sa[idx].gen != tip_handle_gen(h))
        return FZ_DANGLING;
    return (int)idx;
}

/* Connection index of slot @p i (FZ_NONE, FZ_DANGLING). */
static int fz_slot_conn(const tip_ctx_t *ctx, unsigned i)
{
    return fz_conn_of_handle(ctx, fz_slot(ctx, i)->conn);
}

/* Slot of connection @p ci's current IKE SA (FZ_NONE, FZ_DANGLING). */
static int fz_conn_slot(const tip_ctx_t *ctx, unsigned ci)
{
    return ctx->ike.conn[ci].in_use ? fz_sa_of_handle(ctx, ctx->ike.conn[ci].ike_sa) : FZ_NONE;
}

/* The slot an outstanding IKE rekey of slot @p i will fill (FZ_NONE when
 * no IKE rekey of ours is outstanding, FZ_DANGLING). */
static int fz_slot_rekey_new(const tip_ctx_t *ctx, unsigned i)
{
    const tip_ike_sa_t *sa = fz_slot(ctx, i);

    if (!sa->req_outstanding || sa->pend.kind != TIP_IKE_P_IKE_REKEY)
        return FZ_NONE;
    return fz_sa_of_handle(ctx, sa->pend.new_ike_sa);
}

/* The peer's new IKE SA that slot @p i holds in a rekey collision (RFC 7296
 * 2.8.2) while its own IKE rekey is outstanding (FZ_NONE, FZ_DANGLING). */
static int fz_slot_rekey_peer(const tip_ctx_t *ctx, unsigned i)
{
    const tip_ike_sa_t *sa = fz_slot(ctx, i);

    if (!sa->req_outstanding || sa->pend.kind != TIP_IKE_P_IKE_REKEY || sa->pend.peer_ike_sa == 0)
        return FZ_NONE;
    return fz_sa_of_handle(ctx, sa->pend.peer_ike_sa);
}

/* The slot whose rekey reserved slot @p i (CREATING), FZ_NONE, FZ_DANGLING. */
static int fz_slot_parent(const tip_ctx_t *ctx, unsigned i)
{
    return fz_sa_of_handle(ctx, fz_slot(ctx, i)->parent);
}

static int fz_slot_creating(const tip_ctx_t *ctx, unsigned i)
{
    return fz_slot(ctx, i)->state == TIP_IKE_S_CREATING;
}

/* For FZ_DEBUG only (not an invariant: how a rekey is scheduled is the
 * core's business): an established SA with no IKE rekey scheduled or running. */
static int fz_slot_rekey_unarmed(const tip_ctx_t *ctx, unsigned i)
{
    const tip_ike_sa_t *sa = fz_slot(ctx, i);

    return sa->state == TIP_IKE_S_ESTABLISHED && sa->rekey_at_ms == 0 &&
           !(sa->req_outstanding && sa->pend.kind == TIP_IKE_P_IKE_REKEY);
}

/* For FZ_DEBUG only: a simultaneous CHILD rekey (RFC 7296 2.8.1) is being sorted out. */
static int fz_slot_collision(const tip_ctx_t *ctx, unsigned i)
{
    return fz_slot(ctx, i)->extra_role != TIP_IKE_X_NONE;
}

/* Illegal IKE SA state changes the core refused (its own bug counter). */
static uint32_t fz_bad_transitions(const tip_ctx_t *ctx)
{
    return ctx->ike.bad_transitions;
}

/* Protected: established, being deleted, replaced and waiting for its
 * delete, or reserved for an authenticated rekey. */
static int fz_slot_protected(const tip_ctx_t *ctx, unsigned i)
{
    uint8_t s = fz_slot(ctx, i)->state;

    return s == TIP_IKE_S_ESTABLISHED || s == TIP_IKE_S_DELETING || s == TIP_IKE_S_REKEYED ||
           s == TIP_IKE_S_CREATING;
}

static int fz_slot_half_open(const tip_ctx_t *ctx, unsigned i)
{
    return fz_slot(ctx, i)->state == TIP_IKE_S_INIT_DONE;
}

static void fz_slot_fp(const tip_ctx_t *ctx, unsigned i, fz_sa_fp_t *fp)
{
    const tip_ike_sa_t *sa = fz_slot(ctx, i);
    const tip_ike_child_t *ch[FZ_CHILD_HANDLES / 2];
    unsigned k;

    fz_slot_children(sa, ch);
    memset(fp, 0, sizeof(*fp));
    fp->state = sa->state;
    fp->initiator = sa->initiator;
    fp->req_outstanding = sa->req_outstanding;
    fp->gen = sa->gen;
    fp->conn = sa->conn;
    fp->parent = sa->parent;
    memcpy(fp->spi_i, sa->spi_i, 8);
    memcpy(fp->spi_r, sa->spi_r, 8);
    memcpy(fp->sk_d, sa->sk_d, sizeof(fp->sk_d));
    memcpy(fp->sk_pi, sa->sk_pi, sizeof(fp->sk_pi));
    memcpy(fp->sk_pr, sa->sk_pr, sizeof(fp->sk_pr));
    fp->msg_id_in = sa->msg_id_in;
    fp->msg_id_out = sa->msg_id_out;
    fp->remote = sa->remote;
    fp->rport = sa->rport;
    for (k = 0; k < FZ_CHILD_HANDLES / 2; k++) {
        fp->child_spi[2 * k] = ch[k]->spi_in;
        fp->child_spi[2 * k + 1] = ch[k]->spi_out;
        fp->child_h[2 * k] = ch[k]->sa_in;
        fp->child_h[2 * k + 1] = ch[k]->sa_out;
    }
}

/* The SAD and SPD handles slot @p i holds: CHILD SAs (in, out) and policies. */
static unsigned fz_slot_handles(const tip_ctx_t *ctx, unsigned i, tip_handle_t sad[FZ_CHILD_HANDLES],
                                tip_handle_t spd[FZ_CHILD_HANDLES])
{
    const tip_ike_sa_t *sa = fz_slot(ctx, i);
    const tip_ike_child_t *ch[FZ_CHILD_HANDLES / 2];
    unsigned k;

    fz_slot_children(sa, ch);
    for (k = 0; k < FZ_CHILD_HANDLES / 2; k++) {
        sad[2 * k] = ch[k]->sa_in;
        sad[2 * k + 1] = ch[k]->sa_out;
        spd[2 * k] = ch[k]->pol_in;
        spd[2 * k + 1] = ch[k]->pol_out;
    }
    return FZ_CHILD_HANDLES;
}

static unsigned fz_spd_in_use(const tip_ctx_t *ctx)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_POLICIES; i++)
        n += ctx->spd[i].in_use != 0;
    return n;
}

/*
 * Would @p ctx act on IKE message @p msg as genuine: a request it expects
 * next or the response to its outstanding request (RFC 7296 2.3), that its
 * own IKE SA authenticates (SK opened on a copy)? A copy of an old message
 * is not: it may only earn the cached response again.
 */
static int fz_authentic_new(tip_ctx_t *ctx, const uint8_t *msg, size_t len)
{
    static uint8_t copy[TIP_IKE_MSG_MAX];
    tip_ike_msg_t m, inner;
    tip_ike_sa_t *sa;
    int err;

    if (len > sizeof(copy))
        return 0;
    memcpy(copy, msg, len);
    err = tip_ike_msg_parse(copy, len, &m);
    if (err == TIP_ERR_UNSUPPORTED && m.unsupported_critical != 0 && m.sk_index >= 0)
        err = TIP_OK;
    if (err != TIP_OK || m.hdr.exchange == TIP_IKE_EXCH_IKE_SA_INIT)
        return 0;
    sa = tip_ike_sa_find(ctx, m.hdr.spi_i, m.hdr.spi_r, (m.hdr.flags & TIP_IKE_FLAG_INITIATOR) != 0);
    if (sa == NULL || sa->sk_iv_len == 0)
        return 0;
    if ((m.hdr.flags & TIP_IKE_FLAG_RESPONSE) ? !sa->req_outstanding || m.hdr.msg_id != sa->msg_id_out
                                              : m.hdr.msg_id != sa->msg_id_in)
        return 0;
    err = tip_ike_sk_open(sa, copy, &m, &inner);
    return err == TIP_OK || err == TIP_ERR_UNSUPPORTED;
}

/* ---- state dump (on failure and with FZ_DEBUG) ---------------------------------- */

static const char *const g_node_name[N_NODES + 1] = {"G", "A", "B", "attacker"};

static const char *fz_state_name(uint8_t state)
{
    switch (state) {
    case TIP_IKE_S_FREE: return "FREE";
    case TIP_IKE_S_INIT_SENT: return "INIT_SENT";
    case TIP_IKE_S_AUTH_SENT: return "AUTH_SENT";
    case TIP_IKE_S_INIT_DONE: return "INIT_DONE";
    case TIP_IKE_S_CREATING: return "CREATING";
    case TIP_IKE_S_ESTABLISHED: return "ESTABLISHED";
    case TIP_IKE_S_REKEYED: return "REKEYED";
    case TIP_IKE_S_DELETING: return "DELETING";
    default: return "other";
    }
}

static void fz_dump(void)
{
    unsigned n, i;

    for (n = 0; n < N_NODES; n++) {
        const tip_ctx_t *ctx = &g_ctx[n];
        fprintf(stderr, "  %s: SAD %u, SPD %u\n", g_node_name[n], tip_sad_count(ctx),
                fz_spd_in_use(ctx));
        for (i = 0; i < TIP_MAX_IKE_SA; i++) {
            const tip_ike_sa_t *sa = fz_slot(ctx, i);
            fprintf(stderr,
                    "    slot %u gen %u %-11s (%u) conn %d spi_i %02x%02x%02x%02x spi_r %02x%02x%02x%02x "
                    "ids %u/%u req %u pend %u new %d child %08x/%08x\n",
                    i, sa->gen, fz_state_name(sa->state), sa->state, fz_slot_conn(ctx, i),
                    sa->spi_i[0], sa->spi_i[1], sa->spi_i[2], sa->spi_i[3], sa->spi_r[0],
                    sa->spi_r[1], sa->spi_r[2], sa->spi_r[3], (unsigned)sa->msg_id_in,
                    (unsigned)sa->msg_id_out, sa->req_outstanding, sa->pend.kind,
                    fz_slot_rekey_new(ctx, i), (unsigned)sa->child[0].spi_in,
                    (unsigned)sa->child[0].spi_out);
        }
        for (i = 0; i < g_nconn[n]; i++) {
            tip_ike_status_t s;
            memset(&s, 0, sizeof(s));
            (void)tip_ike_status(ctx, g_conn[n][i], &s);
            fprintf(stderr, "    conn %u -> slot %d ike_up %u child_up %u spi_i %02x%02x%02x%02x last_error %d\n",
                    i, fz_conn_slot(ctx, i), s.ike_up, s.child_up, s.spi_i[0], s.spi_i[1], s.spi_i[2],
                    s.spi_i[3], s.last_error);
        }
    }
    for (n = 0; n < 2; n++) {
        fprintf(stderr, "  link %c: %s, ", n == L_A ? 'A' : 'B', g_link_down[n] ? "down" : "up");
        if (g_impaired[n] != 0)
            fprintf(stderr, "last impaired at t=%llu\n", (unsigned long long)(g_impaired[n] - FZ_T0));
        else
            fprintf(stderr, "never impaired\n");
    }
    fprintf(stderr, "  %u datagrams queued\n", g_nqueue);
}

/* ---- addresses and links ----------------------------------------------------------- */

static tip_addr_t fz_atk_addr(uint16_t k)
{
    tip_addr_t a;

    memset(&a, 0, sizeof(a));
    a.family = TIP_AF_INET;
    a.addr[0] = 100;
    a.addr[1] = 64;
    a.addr[2] = (uint8_t)((k >> 8) & 3);
    a.addr[3] = (uint8_t)k;
    return a;
}

/* Attacker address choice: bit 15 spoofs A or B (bit 14), else one of 1024. */
static tip_addr_t fz_atk_src(uint16_t v)
{
    if (v & 0x8000u)
        return g_addr[(v & 0x4000u) ? N_B : N_A];
    return fz_atk_addr(v & 0x3FFu);
}

static int fz_node_of(const tip_addr_t *a)
{
    int n;

    for (n = 0; n < N_NODES; n++)
        if (tip_addr_equal(a, &g_addr[n]))
            return n;
    return N_ATTACKER;
}

/* The link a datagram between @p x and @p y travels, L_NONE if not G<->A/B. */
static int fz_link(int x, int y)
{
    if ((x == N_G && y == N_A) || (x == N_A && y == N_G))
        return L_A;
    if ((x == N_G && y == N_B) || (x == N_B && y == N_G))
        return L_B;
    return L_NONE;
}

static void fz_impair(int link)
{
    if (link != L_NONE)
        g_impaired[link] = g_now;
}

/* Link of (node, connection): G's A and B connections and the peers' own. */
static int fz_conn_link(int node, unsigned ci)
{
    if (node == N_A)
        return L_A;
    if (node == N_B)
        return L_B;
    return ci == C_A ? L_A : ci == C_B ? L_B : L_NONE;
}

/* ---- the wire ------------------------------------------------------------------- */

static void fz_capture(const fz_dgram_t *d)
{
    g_capture[g_capture_head] = *d;
    g_capture_head = (g_capture_head + 1u) % FZ_CAPTURE;
    if (g_ncapture < FZ_CAPTURE)
        g_ncapture++;
}

/* The i-th latest capture. */
static const fz_dgram_t *fz_captured(unsigned i)
{
    if (g_ncapture == 0)
        return NULL;
    i %= g_ncapture;
    return &g_capture[(g_capture_head + FZ_CAPTURE - 1u - i) % FZ_CAPTURE];
}

/* The IKE message inside a datagram, as its receiver sees it: all of it on
 * port 500, after the non-ESP marker on the NAT-T port (RFC 3948 2.2). */
static const uint8_t *fz_ike_of(const fz_dgram_t *d, size_t *len)
{
    if (d->dport == TIP_PORT_IKE) {
        *len = d->len;
        return d->data;
    }
    if (d->len >= 4 && d->data[0] == 0 && d->data[1] == 0 && d->data[2] == 0 && d->data[3] == 0) {
        *len = d->len - 4u;
        return d->data + 4;
    }
    *len = 0;
    return NULL;
}

/* The COOKIE notify of an IKE_SA_INIT message, if any (first payload only). */
static int fz_cookie_of(const uint8_t *msg, size_t len, int response, uint8_t spi[8],
                        const uint8_t **cookie, size_t *clen)
{
    static uint8_t copy[FZ_DGRAM_MAX];
    tip_ike_msg_t m;
    tip_ike_notify_t n;

    *clen = 0;
    if (len < 28 || len > sizeof(copy))
        return 0;
    memcpy(copy, msg, len);
    if (tip_ike_msg_parse(copy, len, &m) != TIP_OK || m.hdr.exchange != TIP_IKE_EXCH_IKE_SA_INIT ||
        ((m.hdr.flags & TIP_IKE_FLAG_RESPONSE) != 0) != response)
        return 0;
    memcpy(spi, m.hdr.spi_i, 8);
    if (tip_ike_find_notify(&m, TIP_IKE_N_COOKIE, &n) && n.len <= TIP_IKE_COOKIE_MAX) {
        /* n.data points into copy: hand out the same bytes of msg */
        *cookie = msg + (n.data - copy);
        *clen = n.len;
    }
    return 1;
}

/* Note every COOKIE a context hands out, and those the attacker receives. */
static void fz_note_sent(const fz_dgram_t *d)
{
    const uint8_t *msg, *ck;
    size_t len, clen;
    uint8_t spi[8];

    msg = fz_ike_of(d, &len);
    if (msg == NULL || !fz_cookie_of(msg, len, 1, spi, &ck, &clen) || clen == 0)
        return;
    if (g_nissued++ < FZ_ISSUED) {
        unsigned k = g_nissued - 1u;
        memcpy(g_issued[k].cookie, ck, clen);
        g_issued[k].len = (uint8_t)clen;
        g_issued[k].from = d->from;
        memcpy(g_issued[k].spi, spi, 8);
        g_issued[k].to = d->dst;
    }
    if (d->to == N_ATTACKER) {
        unsigned k = g_ncookie_rx++ % FZ_COOKIES_RX;
        memcpy(g_cookie_rx[k].cookie, ck, clen);
        g_cookie_rx[k].len = (uint8_t)clen;
        memcpy(g_cookie_rx[k].spi, spi, 8);
        g_cookie_rx[k].to = d->dst;
    }
}

/* Did @p node send cookie @p ck to @p to for SPI @p spi? (1 also when the
 * record overflowed and cannot tell.) */
static int fz_issued(int node, const uint8_t *ck, size_t clen, const uint8_t spi[8],
                     const tip_addr_t *to)
{
    unsigned i, n = g_nissued;

    if (g_nissued > FZ_ISSUED)
        return 1;

    for (i = 0; i < n; i++)
        if (g_issued[i].from == node && g_issued[i].len == clen &&
            memcmp(g_issued[i].cookie, ck, clen) == 0 &&
            memcmp(g_issued[i].spi, spi, 8) == 0 && tip_addr_equal(&g_issued[i].to, to))
            return 1;
    return 0;
}

static void fz_deliver_to(int to, const tip_addr_t *src, uint16_t sport, uint16_t dport,
                          const uint8_t *data, size_t len);

/* Move everything the contexts sent onto the wire: the queue (for the three
 * nodes), the capture ring (everything), the attacker's mailbox. */
static void fz_drain(void)
{
    int n;

    for (n = 0; n < N_NODES; n++) {
        while (g_consumed[n] < tip_test_port_count(&g_port[n])) {
            const tip_test_sent_t *s = tip_test_port_get(&g_port[n], g_consumed[n]++);
            fz_dgram_t d;
            if (s == NULL || s->kind != TIP_TEST_SENT_UDP)
                continue;
            if (s->len != s->orig_len || s->len > FZ_DGRAM_MAX)
                fz_fail("api", "%s sent a %u-byte datagram (limit %u)", g_node_name[n],
                        (unsigned)s->orig_len, (unsigned)FZ_DGRAM_MAX);
            memset(&d, 0, offsetof(fz_dgram_t, data));
            d.from = (uint8_t)n;
            d.src = s->src;
            d.dst = s->dst;
            d.sport = s->sport;
            d.dport = s->dport;
            d.len = (uint16_t)(s->len < FZ_DGRAM_MAX ? s->len : FZ_DGRAM_MAX);
            memcpy(d.data, s->data, d.len);
            d.to = (uint8_t)fz_node_of(&d.dst);
            fz_note_sent(&d);
            fz_capture(&d);
            if (d.to == N_ATTACKER)
                continue;
            if (g_nqueue == FZ_QUEUE) {
                /* the oldest is lost */
                fz_impair(fz_link(g_queue[0].from, g_queue[0].to));
                memmove(&g_queue[0], &g_queue[1], sizeof(g_queue[0]) * (FZ_QUEUE - 1u));
                g_nqueue--;
            }
            g_queue[g_nqueue++] = d;
        }
    }
}

/* Hand datagram @p d to node @p to (as a program would), as coming from
 * @p src:sport and sent to @p to's address. */
static void fz_input(int to, const tip_addr_t *src, uint16_t sport, uint16_t dport,
                     const uint8_t *data, size_t len)
{
    static uint8_t mem[TIP_ESP_HEADROOM + FZ_DGRAM_MAX + 64];
    tip_ctx_t *ctx = &g_ctx[to];
    const tip_addr_t *dst = &g_addr[to];
    int r;

    if (len > FZ_DGRAM_MAX)
        return;
    if (dport == TIP_PORT_IKE) {
        r = tip_ike_input(ctx, src, sport, dst, dport, data, len);
    } else {
        tip_buf_t b;
        memcpy(mem + TIP_ESP_HEADROOM, data, len);
        b.base = mem;
        b.cap = sizeof(mem);
        b.off = TIP_ESP_HEADROOM;
        b.len = len;
        r = tip_input_udp(ctx, src, sport, dst, dport, &b);
        if (r == TIP_RX_IKE)
            r = tip_ike_input(ctx, src, sport, dst, dport, b.base + b.off, b.len);
    }
    if (r == TIP_ERR_INTERNAL || r == TIP_ERR_ARG)
        fz_fail("api", "input to %s returned %d", g_node_name[to], r);
    fz_drain();
}

/* Deliver queued datagram @p i (removing it unless @p keep). */
static void fz_deliver_queued(unsigned i, int keep)
{
    static fz_dgram_t d;
    int link;

    if (g_nqueue == 0)
        return;
    i %= g_nqueue;
    d = g_queue[i];
    if (!keep) {
        memmove(&g_queue[i], &g_queue[i + 1u], sizeof(g_queue[0]) * (g_nqueue - i - 1u));
        g_nqueue--;
    }
    link = fz_link(d.from, d.to);
    if (link != L_NONE && g_link_down[link]) {
        fz_impair(link);
        return;
    }
    if (g_debug) {
        size_t ml;
        const uint8_t *m = fz_ike_of(&d, &ml);
        fz_trace("deliver %s -> %s port %u, %u bytes: exchange %u %s id %u", g_node_name[d.from],
                 g_node_name[d.to], d.dport, d.len, m != NULL && ml >= 28 ? m[18] : 0,
                 m != NULL && ml >= 28 && (m[19] & TIP_IKE_FLAG_RESPONSE) ? "response" : "request",
                 m != NULL && ml >= 28 ? (unsigned)tip_load_be32(m + 20) : 0u);
    }
    fz_deliver_to(d.to, &d.src, d.sport, d.dport, d.data, d.len);
}

static unsigned fz_flush(void)
{
    unsigned n = 0;

    while (g_nqueue > 0 && n < 256 && !g_stop) {
        fz_deliver_queued(0, 0);
        n++;
    }
    return n;
}

