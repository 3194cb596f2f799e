/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_ike_state, part 2 (included by fuzz_ike_state.c): the invariants.
 * Steps are bracketed by fz_step_begin() / fz_step_end() (attacker steps by
 * fz_atk_begin() / fz_atk_end()); delivery to the gateway checks the cookie
 * rule on the spot.
 */

/* ---- steps and invariants ------------------------------------------------------- */

static tip_ike_status_t g_st0[N_NODES][FZ_G_CONNS];
static uint64_t g_child_added0[N_NODES][FZ_G_CONNS]; /* when g_st0's CHILD SA was added */

static void fz_status(int node, unsigned ci, tip_ike_status_t *st)
{
    int r;

    memset(st, 0, sizeof(*st));
    r = tip_ike_status(&g_ctx[node], g_conn[node][ci], st);
    if (r != TIP_OK)
        fz_fail("api", "tip_ike_status(%s conn %u) = %d", g_node_name[node], ci, r);
}

/* Did SAD handle @p h of @p node hard-expire (with its event)? (1 also when
 * the record overflowed and cannot tell.) */
static int fz_expired(int node, tip_handle_t h)
{
    unsigned i, n = g_nexpired;

    if (g_nexpired > FZ_EXPIRED)
        return 1;

    for (i = 0; i < n; i++)
        if (g_expired[i].node == node && g_expired[i].h == h)
            return 1;
    return 0;
}

static void fz_on_event(void *arg, const tip_event_t *ev)
{
    int node = (int)(intptr_t)arg;
    fz_ev_t *e;

    fz_trace("event %s type %d conn %08x reason %d", g_node_name[node], (int)ev->type,
             (unsigned)ev->conn, ev->reason);
    if (ev->type == TIP_EV_SA_HARD_EXPIRED && g_nexpired++ < FZ_EXPIRED) {
        g_expired[g_nexpired - 1u].node = (uint8_t)node;
        g_expired[g_nexpired - 1u].h = ev->sa;
    }
    if (g_nev >= FZ_EV_MAX) {
        g_ev_lost = 1;
        return;
    }
    e = &g_ev[g_nev++];
    memset(e, 0, sizeof(*e));
    e->node = (uint8_t)node;
    e->type = (uint8_t)ev->type;
    e->conn = ev->conn;
    e->sa = ev->sa;
    e->spi = ev->spi;
    e->reason = ev->reason;
    /* the SA is gone when its expiry is announced: when it was added, for
     * the CHILD SAs that were current as the step began */
    if (ev->type == TIP_EV_SA_HARD_EXPIRED) {
        unsigned ci;
        for (ci = 0; ci < g_nconn[node]; ci++)
            if (g_st0[node][ci].child_up &&
                (ev->sa == g_st0[node][ci].child_in || ev->sa == g_st0[node][ci].child_out))
                e->added_ms = g_child_added0[node][ci];
    }
}

/*
 * A connection's current IKE SA reaching its hard lifetime, or its current
 * CHILD SA hard-expiring, means a rekey was lost, unless the network between
 * the peers was in the way since that SA was made. "Current" is what
 * tip_ike_status() showed before the step; an IKE SA dying of its lifetime
 * is the current one when the current one is old enough to die.
 */
static void fz_check_lifetimes(void)
{
    unsigned i, ci;

    for (i = 0; i < g_nev && !g_stop; i++) {
        const fz_ev_t *e = &g_ev[i];
        for (ci = 0; ci < g_nconn[e->node] && !g_stop; ci++) {
            const tip_ike_status_t *st = &g_st0[e->node][ci];
            int link = fz_conn_link(e->node, ci);
            uint64_t est = g_est[e->node][ci];
            if (link == L_NONE)
                continue;
            if (e->type == TIP_EV_IKE_DOWN && e->reason == TIP_ERR_LIFETIME &&
                e->conn == g_conn[e->node][ci] && st->ike_up && est != 0 &&
                g_now - est >= g_hard_ms[e->node][ci] && g_impaired[link] < est)
                fz_fail("lifetime", "%s conn %u: current IKE SA (made at t=%llu) reached its hard "
                        "lifetime without being rekeyed; the link between the peers was never "
                        "impaired since", g_node_name[e->node], ci, (unsigned long long)(est - FZ_T0));
            if (e->type == TIP_EV_SA_HARD_EXPIRED && st->child_up && e->added_ms != 0 &&
                (e->sa == st->child_in || e->sa == st->child_out) && g_impaired[link] < e->added_ms)
                fz_fail("child-lifetime", "%s conn %u: current CHILD SA (SPI %08x, made at t=%llu) "
                        "hard-expired without being rekeyed; the link between the peers was never "
                        "impaired since", g_node_name[e->node], ci, (unsigned)e->spi,
                        (unsigned long long)(e->added_ms - FZ_T0));
        }
    }
}

static void fz_step_begin(void)
{
    int n;
    unsigned ci;

    g_nev = 0;
    g_ev_lost = 0;
    for (n = 0; n < N_NODES; n++)
        for (ci = 0; ci < g_nconn[n]; ci++) {
            tip_sa_stats_t ss;
            fz_status(n, ci, &g_st0[n][ci]);
            g_child_added0[n][ci] = g_st0[n][ci].child_up &&
                                            tip_sad_stats(&g_ctx[n], g_st0[n][ci].child_in, &ss) == TIP_OK
                                        ? ss.added_ms
                                        : 0;
        }
}

static int fz_conn_event(int node, unsigned ci, int type, int reason)
{
    unsigned i;

    for (i = 0; i < g_nev; i++)
        if (g_ev[i].node == node && g_ev[i].conn == g_conn[node][ci] && g_ev[i].type == type &&
            (reason == FZ_ANY || g_ev[i].reason == reason))
            return 1;
    return 0;
}

/*
 * [xref]: the handles between IKE SA and connection slots. A connection's
 * current IKE SA is live, belongs to it and to no other connection; an IKE
 * SA names a live connection or none; an outstanding IKE rekey of ours has
 * its CREATING slot, which names it back as its parent and belongs to no
 * other connection and no other rekey; a CREATING slot always has that
 * parent. A handle to a free or reused slot is a reference the core should
 * have removed when it freed the slot.
 */
static void fz_check_xref(int node)
{
    const tip_ctx_t *ctx = &g_ctx[node];
    int owner[TIP_MAX_IKE_SA];
    unsigned i, ci;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        owner[i] = -1;
    for (ci = 0; ci < g_nconn[node] && !g_stop; ci++) {
        int s = fz_conn_slot(ctx, ci);
        if (s == FZ_NONE)
            continue;
        if (s == FZ_DANGLING)
            fz_fail("xref", "%s conn %u refers to an IKE SA slot that is free or was reused",
                    g_node_name[node], ci);
        else if (fz_slot_conn(ctx, (unsigned)s) != (int)ci)
            fz_fail("xref", "%s conn %u refers to IKE SA slot %d, which belongs to conn %d",
                    g_node_name[node], ci, s, fz_slot_conn(ctx, (unsigned)s));
        else if (fz_slot_creating(ctx, (unsigned)s))
            fz_fail("xref", "%s conn %u refers to IKE SA slot %d, a rekey's reserved slot",
                    g_node_name[node], ci, s);
        else if (owner[s] >= 0)
            fz_fail("xref", "%s conns %d and %u share IKE SA slot %d", g_node_name[node], owner[s], ci, s);
        else
            owner[s] = (int)ci;
    }
    for (i = 0; i < TIP_MAX_IKE_SA && !g_stop; i++) {
        int r, rc;
        unsigned j;
        if (fz_slot_free(ctx, i))
            continue;
        if (fz_slot_conn(ctx, i) == FZ_DANGLING) {
            fz_fail("xref", "%s IKE SA slot %u refers to a connection that does not exist",
                    g_node_name[node], i);
            break;
        }
        if (fz_slot_creating(ctx, i)) {
            int p = fz_slot_parent(ctx, i);
            if (p < 0 || (fz_slot_rekey_new(ctx, (unsigned)p) != (int)i &&
                          fz_slot_rekey_peer(ctx, (unsigned)p) != (int)i))
                fz_fail("xref", "%s IKE SA slot %u is reserved for a rekey, but %s",
                        g_node_name[node], i,
                        p < 0 ? "its parent is gone" : "its parent's rekey does not name it");
            continue;
        }
        r = fz_slot_rekey_new(ctx, i);
        if (r == FZ_NONE && fz_slot(ctx, i)->req_outstanding &&
            fz_slot(ctx, i)->pend.kind == TIP_IKE_P_IKE_REKEY) {
            fz_fail("xref", "%s IKE SA slot %u has an IKE rekey outstanding without a slot for "
                    "the new IKE SA", g_node_name[node], i);
            break;
        }
        if (r == FZ_NONE)
            continue;
        if (r == FZ_DANGLING || (unsigned)r == i || !fz_slot_creating(ctx, (unsigned)r) ||
            fz_slot_parent(ctx, (unsigned)r) != (int)i) {
            fz_fail("xref", "%s IKE SA slot %u rekeys into slot %d, which is %s", g_node_name[node],
                    i, r, r == FZ_DANGLING ? "free or was reused" : (unsigned)r == i ? "itself"
                          : !fz_slot_creating(ctx, (unsigned)r) ? "not reserved for a rekey"
                                                                : "reserved for another");
            break;
        }
        rc = fz_slot_conn(ctx, (unsigned)r);
        if ((rc >= 0 && rc != fz_slot_conn(ctx, i)) || owner[r] >= 0)
            fz_fail("xref", "%s IKE SA slot %u rekeys into slot %d, which belongs to conn %d",
                    g_node_name[node], i, r, rc >= 0 ? rc : owner[r]);
        for (j = 0; j < TIP_MAX_IKE_SA; j++)
            if (j != i && !fz_slot_free(ctx, j) && fz_slot_rekey_new(ctx, j) == r)
                fz_fail("xref", "%s IKE SA slots %u and %u both rekey into slot %d", g_node_name[node],
                        i, j, r);
    }
}

static void fz_check_tables(int node)
{
    tip_ctx_t *ctx = &g_ctx[node];
    unsigned i, k, nsa = 0, npol = 0, ci;

    for (i = 0; i < TIP_MAX_IKE_SA && !g_stop; i++) {
        tip_handle_t sad[FZ_CHILD_HANDLES], spd[FZ_CHILD_HANDLES];
        if (fz_slot_free(ctx, i))
            continue;
        fz_slot_handles(ctx, i, sad, spd);
        for (k = 0; k < FZ_CHILD_HANDLES; k++) {
            tip_sa_stats_t ss;
            tip_policy_t pol;
            if (sad[k] != 0) {
                if (tip_sad_stats(ctx, sad[k], &ss) == TIP_OK)
                    nsa++;
                else if (!fz_expired(node, sad[k]))
                    fz_fail("tables", "%s IKE SA slot %u refers to SAD handle %08x, which does not "
                            "exist and did not expire", g_node_name[node], i, (unsigned)sad[k]);
            }
            if (spd[k] != 0) {
                if (tip_spd_get(ctx, spd[k], &pol) == TIP_OK)
                    npol++;
                else
                    fz_fail("tables", "%s IKE SA slot %u refers to SPD handle %08x, which does not exist",
                            g_node_name[node], i, (unsigned)spd[k]);
            }
        }
    }
    if (!g_stop && nsa != tip_sad_count(ctx))
        fz_fail("tables", "%s SAD holds %u SAs, IKE SAs reference %u", g_node_name[node],
                tip_sad_count(ctx), nsa);
    if (!g_stop && npol != fz_spd_in_use(ctx))
        fz_fail("tables", "%s SPD holds %u policies, IKE SAs reference %u", g_node_name[node],
                fz_spd_in_use(ctx), npol);
    for (ci = 0; ci < g_nconn[node] && !g_stop; ci++) {
        tip_ike_status_t st;
        tip_sa_stats_t ss;
        fz_status(node, ci, &st);
        if (st.child_up && ((tip_sad_stats(ctx, st.child_in, &ss) != TIP_OK && !fz_expired(node, st.child_in)) ||
                            (tip_sad_stats(ctx, st.child_out, &ss) != TIP_OK && !fz_expired(node, st.child_out))))
            fz_fail("tables", "%s conn %u: tip_ike_status() gives CHILD SA handles that do not resolve",
                    g_node_name[node], ci);
    }
}

/* After every step: events, the silent-loss and lifetime rules, references, tables. */
static void fz_step_end(void)
{
    unsigned i, ci;
    int n;

    fz_check_lifetimes();
    for (i = 0; i < g_nev && !g_stop; i++) {
        tip_ike_status_t st;
        if (g_ev[i].type < TIP_EV_IKE_UP || g_ev[i].conn == 0)
            continue;
        memset(&st, 0, sizeof(st));
        if (tip_ike_status(&g_ctx[g_ev[i].node], g_ev[i].conn, &st) != TIP_OK)
            fz_fail("api", "%s raised event %d for connection handle %08x, which is not valid",
                    g_node_name[g_ev[i].node], g_ev[i].type, (unsigned)g_ev[i].conn);
    }
    for (n = 0; n < N_NODES && !g_stop; n++) {
        for (ci = 0; ci < g_nconn[n] && !g_stop; ci++) {
            const tip_ike_status_t *a = &g_st0[n][ci];
            tip_ike_status_t b;
            int up = fz_conn_event(n, ci, TIP_EV_IKE_UP, FZ_ANY);
            int rekeyed = fz_conn_event(n, ci, TIP_EV_IKE_REKEYED, FZ_ANY);
            int down = fz_conn_event(n, ci, TIP_EV_IKE_DOWN, FZ_ANY);
            fz_status(n, ci, &b);
            if (a->ike_up && (!b.ike_up || memcmp(a->spi_i, b.spi_i, 8) != 0 ||
                              memcmp(a->spi_r, b.spi_r, 8) != 0)) {
                if (!up && !rekeyed && !down && !g_ev_lost)
                    fz_fail("silent", "%s conn %u: established IKE SA %02x%02x%02x%02x %s without "
                            "an IKE event for the connection", g_node_name[n], ci, a->spi_i[0],
                            a->spi_i[1], a->spi_i[2], a->spi_i[3], b.ike_up ? "changed" : "vanished");
            }
            if (up || rekeyed)
                g_est[n][ci] = g_now;
            if (n == N_G && ci != C_RW) {
                if (up || rekeyed)
                    g_settle_ike[ci + 1u] = 1;
                if (fz_conn_event(n, ci, TIP_EV_CHILD_UP, FZ_ANY) ||
                    fz_conn_event(n, ci, TIP_EV_CHILD_REKEYED, FZ_ANY))
                    g_settle_child[ci + 1u] = 1;
            }
        }
    }
    if (g_debug) {
        static uint16_t warned[N_NODES][TIP_MAX_IKE_SA], collided[N_NODES][TIP_MAX_IKE_SA];
        for (n = 0; n < N_NODES; n++) {
            for (i = 0; i < TIP_MAX_IKE_SA; i++) {
                unsigned k, nfree = 0;
                if (fz_slot_collision(&g_ctx[n], i) &&
                    collided[n][i] != fz_slot(&g_ctx[n], i)->gen + 1u) {
                    collided[n][i] = (uint16_t)(fz_slot(&g_ctx[n], i)->gen + 1u);
                    fz_trace("%s IKE SA slot %u: CHILD rekey collision (RFC 7296 2.8.1)",
                             g_node_name[n], i);
                }
                if (!fz_slot_rekey_unarmed(&g_ctx[n], i) || g_hard_ms[n][0] == UINT64_MAX ||
                    warned[n][i] == fz_slot(&g_ctx[n], i)->gen + 1u)
                    continue;
                warned[n][i] = (uint16_t)(fz_slot(&g_ctx[n], i)->gen + 1u);
                for (k = 0; k < TIP_MAX_IKE_SA; k++)
                    nfree += (unsigned)fz_slot_free(&g_ctx[n], k);
                fz_trace("%s IKE SA slot %u has no IKE rekey scheduled (%u free slots)",
                         g_node_name[n], i, nfree);
            }
        }
    }
    for (n = 0; n < N_NODES && !g_stop; n++) {
        if (fz_bad_transitions(&g_ctx[n]) != 0)
            fz_fail("api", "%s refused %u illegal IKE SA state changes", g_node_name[n],
                    (unsigned)fz_bad_transitions(&g_ctx[n]));
        if (!g_stop)
            fz_check_xref(n);
        if (!g_stop)
            fz_check_tables(n);
    }
}

/* Half-open SAs of @p ctx from @p src. */
static unsigned fz_half_open_from(const tip_ctx_t *ctx, const tip_addr_t *src)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += fz_slot_half_open(ctx, i) && tip_addr_equal(&fz_slot(ctx, i)->remote, src);
    return n;
}

/*
 * Deliver to @p to, checking the admission rules of a new half-open SA
 * there (RFC 7296 2.6):
 *  [cookie]    once TIP_IKE_COOKIE_THRESHOLD half-open SAs exist, a new one
 *              needs a cookie this context issued for this address and SPI;
 *  [half-open] a source holds at most TIP_IKE_HALF_OPEN_PER_SRC half-open
 *              SAs, and a half-open SA never takes one of the slots kept
 *              for rekeys (TIP_IKE_REKEY_RESERVE, at most one per
 *              established IKE SA).
 */
static void fz_deliver_to(int to, const tip_addr_t *src, uint16_t sport, uint16_t dport,
                          const uint8_t *data, size_t len)
{
    const tip_ctx_t *ctx = &g_ctx[to];
    const uint8_t *msg = data, *ck = NULL;
    size_t mlen = len, clen = 0;
    uint8_t spi[8];
    uint16_t gen0[TIP_MAX_IKE_SA];
    uint8_t free0[TIP_MAX_IKE_SA];
    unsigned i, half = 0, nfree = 0, est = 0, reserve;
    int init_req;

    if (dport != TIP_PORT_IKE) {
        msg = NULL;
        if (len >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 0) {
            msg = data + 4;
            mlen = len - 4u;
        }
    }
    init_req = msg != NULL && fz_cookie_of(msg, mlen, 0, spi, &ck, &clen);
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        gen0[i] = fz_slot(ctx, i)->gen;
        free0[i] = (uint8_t)fz_slot_free(ctx, i);
        half += (unsigned)fz_slot_half_open(ctx, i);
    }
    fz_input(to, src, sport, dport, data, len);
    if (!init_req || g_stop)
        return;
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        nfree += (unsigned)fz_slot_free(ctx, i);
        est += fz_slot(ctx, i)->state == TIP_IKE_S_ESTABLISHED;
    }
    reserve = est < (unsigned)TIP_IKE_REKEY_RESERVE ? est : (unsigned)TIP_IKE_REKEY_RESERVE;
    for (i = 0; i < TIP_MAX_IKE_SA && !g_stop; i++) {
        const tip_ike_sa_t *sa = fz_slot(ctx, i);
        if (!fz_slot_half_open(ctx, i) || !(free0[i] || sa->gen != gen0[i]) ||
            memcmp(sa->spi_i, spi, 8) != 0 || !tip_addr_equal(&sa->remote, src))
            continue;
        if (half >= TIP_IKE_COOKIE_THRESHOLD && (clen == 0 || !fz_issued(to, ck, clen, spi, src)))
            fz_fail("cookie",
                    "%s had %u half-open SAs (threshold %u) and made slot %u half-open for an "
                    "IKE_SA_INIT whose %s",
                    g_node_name[to], half, (unsigned)TIP_IKE_COOKIE_THRESHOLD, i,
                    clen == 0 ? "has no cookie" : "cookie it never sent to that address and SPI");
        else if (fz_half_open_from(ctx, src) > (unsigned)TIP_IKE_HALF_OPEN_PER_SRC)
            fz_fail("half-open", "%s holds %u half-open SAs from one address (limit %u)",
                    g_node_name[to], fz_half_open_from(ctx, src),
                    (unsigned)TIP_IKE_HALF_OPEN_PER_SRC);
        else if (nfree < reserve)
            fz_fail("half-open", "%s made slot %u half-open, leaving %u free slots for the "
                    "rekeys of %u established IKE SAs (reserve %u)", g_node_name[to], i, nfree,
                    est, (unsigned)TIP_IKE_REKEY_RESERVE);
    }
}

/* ---- attacker steps: nothing established may change -------------------------- */

static struct {
    fz_sa_fp_t fp[N_NODES][TIP_MAX_IKE_SA];
    uint8_t prot[N_NODES][TIP_MAX_IKE_SA];
    tip_policy_slot_t spd[N_NODES][TIP_MAX_POLICIES];
    tip_sa_t sa[N_NODES][TIP_MAX_SA];
} g_atk_snap;
static int g_atk_genuine; /* a datagram of this attacker op was genuine and new */

static void fz_atk_begin(void)
{
    int n;
    unsigned i;

    fz_step_begin();
    g_atk_genuine = 0;
    for (n = 0; n < N_NODES; n++) {
        for (i = 0; i < TIP_MAX_IKE_SA; i++) {
            g_atk_snap.prot[n][i] = (uint8_t)fz_slot_protected(&g_ctx[n], i);
            fz_slot_fp(&g_ctx[n], i, &g_atk_snap.fp[n][i]);
        }
        memcpy(g_atk_snap.spd[n], g_ctx[n].spd, sizeof(g_ctx[n].spd));
        memcpy(g_atk_snap.sa[n], g_ctx[n].sa, sizeof(g_ctx[n].sa));
    }
}

static void fz_atk_end(void)
{
    int n;
    unsigned i, ci;

    if (!g_atk_genuine && !g_stop) {
        for (n = 0; n < N_NODES && !g_stop; n++) {
            for (i = 0; i < TIP_MAX_IKE_SA && !g_stop; i++) {
                fz_sa_fp_t fp;
                if (!g_atk_snap.prot[n][i])
                    continue;
                fz_slot_fp(&g_ctx[n], i, &fp);
                if (memcmp(&fp, &g_atk_snap.fp[n][i], sizeof(fp)) != 0)
                    fz_fail("untouched", "%s IKE SA slot %u (state %u -> %u) changed by datagrams "
                            "that do not authenticate", g_node_name[n], i, g_atk_snap.fp[n][i].state,
                            fp.state);
            }
            for (ci = 0; ci < g_nconn[n] && !g_stop; ci++) {
                tip_ike_status_t b;
                const tip_ike_status_t *a = &g_st0[n][ci];
                if (!a->ike_up)
                    continue; /* a half-way SA may move on an IKE_SA_INIT response */
                fz_status(n, ci, &b);
                if (a->ike_up != b.ike_up || a->child_up != b.child_up ||
                    memcmp(a->spi_i, b.spi_i, 8) != 0 || memcmp(a->spi_r, b.spi_r, 8) != 0 ||
                    a->child_spi_in != b.child_spi_in || a->child_spi_out != b.child_spi_out ||
                    !tip_addr_equal(&a->peer_addr, &b.peer_addr))
                    fz_fail("untouched", "%s conn %u status changed by datagrams that do not "
                            "authenticate", g_node_name[n], ci);
            }
            if (!g_stop && memcmp(g_atk_snap.spd[n], g_ctx[n].spd, sizeof(g_ctx[n].spd)) != 0)
                fz_fail("untouched", "%s SPD changed by datagrams that do not authenticate",
                        g_node_name[n]);
            for (i = 0; i < TIP_MAX_SA && !g_stop; i++)
                if (memcmp(&g_atk_snap.sa[n][i], &g_ctx[n].sa[i], offsetof(tip_sa_t, stats)) != 0)
                    fz_fail("untouched", "%s SAD slot %u changed by datagrams that do not "
                            "authenticate", g_node_name[n], i);
        }
    }
    if (!g_stop)
        fz_step_end();
}

