/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The public IKE API on connections: adding and deleting them, starting,
 * rekeying and terminating their IKE SA, status; and the hooks that plug
 * IKE into the context (timers, acquires, deinit).
 */
#include <string.h>

#include "ike/ike_core.h"
#include "ike/ike_cp.h"

#if TIP_CONF_IKEV2

/* ---- hooks ---------------------------------------------------------------- */

/* Data-path events: an acquire negotiates a CHILD SA for its policy, or
 * starts the IKE SA of its connection (ike_child_new.c). */
static void tip_ike_on_event(tip_ctx_t *ctx, const tip_event_t *ev)
{
    if (ev->type == TIP_EV_ACQUIRE)
        tip_ike_child_acquire(ctx, ev->policy);
}

static void tip_ike_deinit(tip_ctx_t *ctx)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        if (ctx->ike.sa[i].state != TIP_IKE_S_FREE)
            tip_ike_sa_free(ctx, &ctx->ike.sa[i]);
    tip_crypto_zeroize(&ctx->ike, sizeof(ctx->ike));
}

/* IKE starts with the first connection; a responder without random bytes
 * for the cookie secret does not start at all. */
static int tip_ike_enable(tip_ctx_t *ctx)
{
    int err = TIP_OK;

    if (ctx->ike.enabled)
        return TIP_OK;
#if TIP_CONF_IKE_RESPONDER
    err = tip_ike_cookie_init(ctx);
    if (err != TIP_OK)
        return err;
    ctx->ike.cookie_rotate_ms = ctx->now_ms + TIP_IKE_COOKIE_ROTATE_MS;
#endif
    ctx->ike.enabled = 1;
    ctx->ike_poll = tip_ike_poll;
    ctx->ike_next = tip_ike_next_deadline;
    ctx->ike_event = tip_ike_on_event;
    ctx->ike_deinit = tip_ike_deinit;
    return err;
}

/* ---- connections -------------------------------------------------------- */

void tip_ike_conn_init(tip_ike_conn_t *conn)
{
    memset(conn, 0, sizeof(*conn));
    conn->mode = TIP_MODE_TUNNEL;
    conn->ike[0].encr = TIP_ENCR_AES_GCM_16;
    conn->ike[0].key_bits = 128;
    conn->ike[0].prf = TIP_PRF_HMAC_SHA2_256;
    conn->ike[0].dh = TIP_DH_CURVE25519;
    conn->ike_count = 1;
    conn->child[0].encr = TIP_ENCR_AES_GCM_16;
    conn->child[0].key_bits = 128;
    conn->child_count = 1;
    conn->ts.local_port_hi = 0xFFFF;
    conn->ts.remote_port_hi = 0xFFFF;
}

int tip_ike_id_set(tip_ike_identity_t *id, tip_id_type_t type, const char *text)
{
    size_t n;
    tip_addr_t a;

    if (id == NULL || text == NULL)
        return TIP_ERR_ARG;
    memset(id, 0, sizeof(*id));
    switch (type) {
    case TIP_ID_IPV4_ADDR:
    case TIP_ID_IPV6_ADDR:
        if (tip_addr_parse(&a, text) != TIP_OK ||
            a.family != (type == TIP_ID_IPV4_ADDR ? TIP_AF_INET : TIP_AF_INET6))
            return TIP_ERR_ARG;
        id->len = type == TIP_ID_IPV4_ADDR ? 4 : 16;
        memcpy(id->data, a.addr, id->len);
        break;
    case TIP_ID_FQDN:
    case TIP_ID_RFC822_ADDR:
    case TIP_ID_KEY_ID:
        n = strlen(text);
        if (n == 0 || n > TIP_IKE_ID_MAX)
            return TIP_ERR_ARG;
        id->len = (uint8_t)n;
        memcpy(id->data, text, n);
        break;
    default:
        return TIP_ERR_ARG;
    }
    id->type = (uint8_t)type;
    return TIP_OK;
}

/* An unset side of the selectors means: the host itself in transport
 * mode, anything of our address family in tunnel mode. */
static void tip_ike_fill_range(tip_addr_range_t *r, const tip_addr_t *host, uint8_t family,
                               int transport)
{
    tip_addr_t any;

    if (r->lo.family != TIP_AF_NONE)
        return;
    if (transport && host->family != TIP_AF_NONE) {
        r->lo = r->hi = *host;
        return;
    }
    memset(&any, 0, sizeof(any));
    any.family = family;
    (void)tip_addr_range_prefix(r, &any, 0);
}

/* The address family of selector pair @p ts: in tunnel mode that of its set
 * sides, for the protected traffic need not be of the outer addresses'
 * family (RFC 4301 4.1); in transport mode, or with no side set, the
 * connection's. */
static uint8_t tip_ike_ts_family(const tip_selector_t *ts, const tip_ike_conn_t *c)
{
    if (c->mode == TIP_MODE_TUNNEL) {
        if (ts->local.lo.family != TIP_AF_NONE)
            return ts->local.lo.family;
        if (ts->remote.lo.family != TIP_AF_NONE)
            return ts->remote.lo.family;
    }
    return c->local_addr.family;
}

static void tip_ike_fill_ts(tip_selector_t *ts, const tip_ike_conn_t *c)
{
    int transport = c->mode == TIP_MODE_TRANSPORT;
    uint8_t family = tip_ike_ts_family(ts, c);

    tip_ike_fill_range(&ts->local, &c->local_addr, family, transport);
    tip_ike_fill_range(&ts->remote, &c->remote_addr, family, transport);
    if (ts->local_port_hi == 0 && ts->local_port_lo == 0)
        ts->local_port_hi = 0xFFFF;
    if (ts->remote_port_hi == 0 && ts->remote_port_lo == 0)
        ts->remote_port_hi = 0xFFFF;
}

static void tip_ike_conn_fill_ts(tip_ike_conn_t *c)
{
    unsigned i;

    tip_ike_fill_ts(&c->ts, c);
    for (i = 0; i < c->ts_more_count; i++)
        tip_ike_fill_ts(&c->ts_more[i], c);
}

static int tip_ike_range_ok(const tip_addr_range_t *r, uint8_t family)
{
    size_t n = family == TIP_AF_INET6 ? 16u : 4u;

    if (r->lo.family == TIP_AF_NONE && r->hi.family == TIP_AF_NONE)
        return 1; /* unset: filled in */
    return r->lo.family == family && r->hi.family == family &&
           memcmp(r->lo.addr, r->hi.addr, n) <= 0;
}

/* A further selector pair (ts_more): both sides of one family (see
 * tip_ike_ts_family()), ranges in order, ports in order. */
static int tip_ike_ts_more_ok(const tip_selector_t *s, const tip_ike_conn_t *c)
{
    uint8_t family = tip_ike_ts_family(s, c);

    return tip_ike_range_ok(&s->local, family) && tip_ike_range_ok(&s->remote, family) &&
           s->local_port_lo <= s->local_port_hi && s->remote_port_lo <= s->remote_port_hi;
}

static int tip_ike_conn_valid(const tip_ike_conn_t *c)
{
    unsigned i;

    int cert = c->auth == TIP_AUTH_CERT;

    if (c->auth != TIP_AUTH_PSK && !cert)
        return TIP_ERR_ARG;
#if !TIP_CONF_IKE_CERT
    if (cert)
        return TIP_ERR_UNSUPPORTED;
#endif
    if ((!cert && (c->psk_len == 0 || c->psk_len > TIP_IKE_PSK_MAX)) || c->ike_count == 0 ||
        c->ike_count > TIP_IKE_MAX_PROPOSALS || c->child_count == 0 ||
        c->child_count > TIP_IKE_MAX_PROPOSALS)
        return TIP_ERR_ARG;
    /* A certificate connection may leave the peer's identity open: any the
     * trust anchors vouch for (its certificate must hold it). */
    if (c->local_id.type == TIP_ID_NONE || c->local_id.len == 0 ||
        (!(cert && c->remote_id.type == TIP_ID_NONE) &&
         (c->remote_id.type == TIP_ID_NONE || c->remote_id.len == 0)))
        return TIP_ERR_ARG;
    if (c->local_addr.family != TIP_AF_INET && c->local_addr.family != TIP_AF_INET6)
        return TIP_ERR_ARG;
    if (c->remote_addr.family != TIP_AF_NONE && c->remote_addr.family != c->local_addr.family)
        return TIP_ERR_ARG;
    if (c->mode != TIP_MODE_TUNNEL && c->mode != TIP_MODE_TRANSPORT)
        return TIP_ERR_ARG;
    /* Each selector pair is its own CHILD SA: they must fit the table. */
    if (c->ts_more_count > TIP_IKE_CHILD_MAX - 1)
        return TIP_ERR_ARG;
    for (i = 0; i < c->ts_more_count; i++)
        if (!tip_ike_ts_more_ok(&c->ts_more[i], c))
            return TIP_ERR_ARG;
#if TIP_CONF_IKE_FRAG
    if (c->frag_size != 0 && c->frag_size < 160)
        return TIP_ERR_ARG; /* no room left for a fragment's content */
#else
    if (c->frag_size != 0)
        return TIP_ERR_UNSUPPORTED; /* fragmentation is compiled out */
#endif
    if ((c->vip_request & ~(TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6 | TIP_IKE_VIP_DNS)) != 0 ||
        c->vip_request == TIP_IKE_VIP_DNS)
        return TIP_ERR_ARG;
#if !TIP_CONF_IKE_CP || !TIP_CONF_IKE_INITIATOR
    if (c->vip_request != 0)
        return TIP_ERR_UNSUPPORTED; /* virtual addresses compiled out */
#endif
#if !TIP_CONF_IKE_CP || !TIP_CONF_IKE_RESPONDER
    if (c->vip_pool != 0)
        return TIP_ERR_UNSUPPORTED;
#else
    /* A lease and the address given belong to the connection's one peer
     * identity: a connection open to any identity cannot hand them out. */
    if (c->vip_pool != 0 && c->remote_id.type == TIP_ID_NONE)
        return TIP_ERR_UNSUPPORTED;
#endif
    for (i = 0; i < c->ike_count; i++) {
        const tip_ike_proposal_t *p = &c->ike[i];
        if (tip_ike_encr_keymat_len(p->encr, p->key_bits) == 0 || tip_crypto_prf_len(p->prf) == 0 ||
            tip_crypto_dh_pub_len(p->dh) == 0)
            return TIP_ERR_UNSUPPORTED;
        if ((p->encr == TIP_ENCR_AES_CBC) != (p->integ != TIP_INTEG_NONE))
            return TIP_ERR_ARG;
    }
    for (i = 0; i < c->child_count; i++) {
        const tip_child_proposal_t *p = &c->child[i];
        if (tip_ike_encr_keymat_len(p->encr, p->key_bits) == 0 && p->encr != TIP_ENCR_NULL)
            return TIP_ERR_UNSUPPORTED;
        if (p->pfs != TIP_DH_NONE && tip_crypto_dh_pub_len(p->pfs) == 0)
            return TIP_ERR_UNSUPPORTED;
    }
#if TIP_CONF_IKE_CERT
    if (cert)
        return tip_ike_cert_conn_valid(c);
#endif
    return TIP_OK;
}

int tip_ike_conn_add(tip_ctx_t *ctx, const tip_ike_conn_t *conn, tip_handle_t *out)
{
    int err = TIP_ERR_INTERNAL;
    unsigned i;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || conn == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    err = tip_ike_conn_valid(conn);
    if (err != TIP_OK)
        return err;
#if TIP_CONF_IKE_CP && TIP_CONF_IKE_RESPONDER
    if (conn->vip_pool != 0 && tip_ike_pool_get(ctx, conn->vip_pool) == NULL)
        return TIP_ERR_NOT_FOUND; /* add the pool first */
#endif
    err = tip_ike_enable(ctx);
    if (err != TIP_OK)
        return err;
    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        tip_ike_conn_slot_t *c = &ctx->ike.conn[i];
        if (c->in_use)
            continue;
        {
            uint16_t gen = c->gen;
            memset(c, 0, sizeof(*c));
            c->gen = gen;
        }
        c->in_use = 1;
        c->cfg = *conn;
        if (c->cfg.local_port == 0)
            c->cfg.local_port = TIP_PORT_IKE;
        if (c->cfg.remote_port == 0)
            c->cfg.remote_port = TIP_PORT_IKE;
        if (c->cfg.local_natt_port == 0)
            c->cfg.local_natt_port = TIP_PORT_NATT;
        if (c->cfg.remote_natt_port == 0)
            c->cfg.remote_natt_port = TIP_PORT_NATT;
        tip_ike_conn_fill_ts(&c->cfg);
        if (out != NULL)
            *out = tip_ike_conn_handle(ctx, c);
        return TIP_OK;
    }
    return TIP_ERR_FULL;
}

/*
 * Detach IKE SA @p sa from its connection, which is being deleted: its
 * CHILD SAs and policies go now, a half-open SA goes entirely, an
 * established one goes on alone only to tell the peer (RFC 7296 1.4.1).
 */
static void tip_ike_conn_detach(tip_ctx_t *ctx, tip_ike_sa_t *sa, int *had_child)
{
    unsigned i;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        *had_child |= sa->child[i].sa_in != 0;
    tip_ike_child_remove_all(ctx, sa);
    sa->conn = 0;
    switch (sa->state) {
    case TIP_IKE_S_INIT_SENT:
    case TIP_IKE_S_AUTH_SENT:
    case TIP_IKE_S_INIT_DONE:
        tip_ike_sa_free(ctx, sa);
        break;
    case TIP_IKE_S_ESTABLISHED:
        (void)tip_ike_sa_terminate(ctx, sa);
        break;
    default:
        break; /* REKEYED or DELETING: already on its way out */
    }
}

int tip_ike_conn_del(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL, had_child = 0, ike_down;
    tip_ike_conn_slot_t *c;
    tip_ike_sa_t *cur;
    unsigned i;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    c = tip_ike_conn_get(ctx, conn, &err);
    if (c == NULL)
        return err;
    cur = tip_ike_conn_cur(ctx, c);
    ike_down = cur != NULL && (cur->state == TIP_IKE_S_ESTABLISHED ||
                               cur->state == TIP_IKE_S_DELETING || cur->initiator);
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (sa->state != TIP_IKE_S_FREE && sa->conn == conn)
            tip_ike_conn_detach(ctx, sa, &had_child);
    }
#if TIP_CONF_IKE_CP
    tip_ike_cp_release(ctx, c);
#endif
    /* Nothing names the slot any more: it is free, with a new generation
     * so that @p conn is stale, and the key gone. */
    tip_crypto_zeroize(c, sizeof(*c));
    c->gen = (uint16_t)(tip_handle_gen(conn) + 1u);
    /* Events last, and no more for this handle after them. */
    if (had_child)
        tip_ike_raise_gone(ctx, conn, TIP_EV_CHILD_DOWN, TIP_OK);
    if (ike_down)
        tip_ike_raise_gone(ctx, conn, TIP_EV_IKE_DOWN, TIP_OK);
    return TIP_OK;
}

int tip_ike_initiate(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_conn_slot_t *c;
    tip_ike_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    c = tip_ike_conn_get(ctx, conn, &err);
    if (c == NULL)
        return err;
    if (c->cfg.remote_addr.family == TIP_AF_NONE)
        return TIP_ERR_ARG; /* a responder-only connection has nobody to call */
#if !TIP_CONF_IKE_INITIATOR
    (void)sa;
    return TIP_ERR_UNSUPPORTED; /* a responder-only build */
#else
    if (tip_ike_conn_cur(ctx, c) != NULL)
        return TIP_ERR_EXISTS;
    sa = tip_ike_sa_alloc(ctx, TIP_IKE_FOR_INITIATE, NULL, &err);
    if (sa == NULL)
        return err;
    sa->conn = conn;
    sa->initiator = 1;
    sa->local = c->cfg.local_addr;
    sa->remote = c->cfg.remote_addr;
    sa->lport = c->cfg.local_port;
    sa->rport = c->cfg.remote_port;
    sa->force_encap = c->cfg.force_encap;
    c->ike_sa = tip_ike_sa_handle(ctx, sa);
    c->last_error = 0;
    err = tip_ike_init_start(ctx, sa, c->cfg.ike[0].dh);
    if (err != TIP_OK) {
        tip_ike_fail(ctx, sa, err);
        tip_ike_sa_free(ctx, sa);
    }
    return err;
#endif
}

int tip_ike_status(const tip_ctx_t *ctx, tip_handle_t conn, tip_ike_status_t *out)
{
    int err = TIP_ERR_INTERNAL;
    const tip_ike_conn_slot_t *c;
    const tip_ike_sa_t *sa;
    const tip_ike_child_t *ch;
    unsigned i;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || out == NULL)
        return TIP_ERR_ARG;
    c = tip_ike_conn_get((tip_ctx_t *)ctx, conn, &err);
    if (c == NULL)
        return err;
    memset(out, 0, sizeof(*out));
    out->last_error = c->last_error;
    out->ike_rekeys = c->ike_rekeys;
    out->child_rekeys = c->child_rekeys;
    sa = tip_ike_conn_cur((tip_ctx_t *)ctx, c);
    if (sa == NULL)
        return TIP_OK;
    ch = &sa->child[tip_ike_child_first(sa)];
    out->ike_up = sa->state == TIP_IKE_S_ESTABLISHED || sa->state == TIP_IKE_S_DELETING;
    out->child_up = ch->sa_in != 0;
    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        out->child_count = (uint8_t)(out->child_count + (sa->child[i].sa_in != 0));
    out->natt = (uint8_t)tip_ike_esp_encap(sa);
    out->initiator = sa->initiator;
    memcpy(out->spi_i, sa->spi_i, 8);
    memcpy(out->spi_r, sa->spi_r, 8);
    out->child_spi_in = ch->spi_in;
    out->child_spi_out = ch->spi_out;
    out->child_in = ch->sa_in;
    out->child_out = ch->sa_out;
    out->peer_addr = sa->remote;
    out->peer_port = sa->rport;
    out->local_addr = sa->local;
#if TIP_CONF_IKE_MOBIKE
    out->peer_mobike = sa->peer_mobike;
#endif
    out->ike_alg.encr = (tip_encr_t)sa->encr;
    out->ike_alg.key_bits = sa->key_bits;
    out->ike_alg.integ = (tip_integ_t)sa->integ;
    out->ike_alg.prf = (tip_prf_t)sa->prf;
    out->ike_alg.dh = (tip_dh_group_t)sa->dh_group;
    out->child_alg.encr = (tip_encr_t)ch->encr;
    out->child_alg.key_bits = ch->key_bits;
    out->child_alg.integ = (tip_integ_t)ch->integ;
    out->child_alg.pfs = (tip_dh_group_t)ch->pfs;
    out->child_alg.esn = ch->esn;
    return TIP_OK;
}

int tip_ike_child_status(const tip_ctx_t *ctx, tip_handle_t conn, unsigned index,
                         tip_ike_child_status_t *out)
{
    int err = TIP_ERR_INTERNAL;
    const tip_ike_conn_slot_t *c;
    const tip_ike_sa_t *sa;
    const tip_ike_child_t *ch;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || out == NULL || index >= TIP_IKE_CHILD_MAX)
        return TIP_ERR_ARG;
    c = tip_ike_conn_get((tip_ctx_t *)ctx, conn, &err);
    if (c == NULL)
        return err;
    memset(out, 0, sizeof(*out));
    sa = tip_ike_conn_cur((tip_ctx_t *)ctx, c);
    if (sa == NULL)
        return TIP_ERR_NO_SA;
    ch = &sa->child[index];
    if (!tip_ike_child_used(ch))
        return TIP_ERR_NO_SA;
    out->up = ch->sa_in != 0;
    out->pending = ch->create != TIP_IKE_CREATE_NONE;
    out->pair = ch->ts_idx;
    out->spi_in = ch->spi_in;
    out->spi_out = ch->spi_out;
    out->sa_in = ch->sa_in;
    out->sa_out = ch->sa_out;
    out->policy = ch->pol_out;
    out->sel = ch->sel;
    out->alg.encr = (tip_encr_t)ch->encr;
    out->alg.key_bits = ch->key_bits;
    out->alg.integ = (tip_integ_t)ch->integ;
    out->alg.pfs = (tip_dh_group_t)ch->pfs;
    out->alg.esn = ch->esn;
    return TIP_OK;
}

/* The current IKE SA of @p conn, if it is established. */
static tip_ike_sa_t *tip_ike_conn_sa(tip_ctx_t *ctx, tip_handle_t conn, int *err)
{
    tip_ike_conn_slot_t *c = tip_ike_conn_get(ctx, conn, err);
    tip_ike_sa_t *sa;

    if (c == NULL)
        return NULL;
    sa = tip_ike_conn_cur(ctx, c);
    if (sa == NULL || sa->state != TIP_IKE_S_ESTABLISHED) {
        *err = TIP_ERR_NO_SA;
        return NULL;
    }
    if (sa->req_outstanding) {
        *err = TIP_ERR_EXISTS; /* window size 1 (2.3): one request at a time */
        return NULL;
    }
    return sa;
}

int tip_ike_rekey_child_at(tip_ctx_t *ctx, tip_handle_t conn, unsigned index)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || index >= TIP_IKE_CHILD_MAX)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    sa = tip_ike_conn_sa(ctx, conn, &err);
    return sa == NULL ? err : tip_ike_child_rekey_start(ctx, sa, index);
}

int tip_ike_rekey_child(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    sa = tip_ike_conn_sa(ctx, conn, &err);
    return sa == NULL ? err : tip_ike_child_rekey_start(ctx, sa, tip_ike_child_first(sa));
}

int tip_ike_rekey_ike(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
#if TIP_CONF_IKE_REKEY_IKE
    sa = tip_ike_conn_sa(ctx, conn, &err);
    return sa == NULL ? err : tip_ike_ike_rekey_start(ctx, sa);
#else
    (void)sa;
    (void)err;
    (void)conn;
    return TIP_ERR_UNSUPPORTED;
#endif
}

int tip_ike_terminate(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_conn_slot_t *c;
    tip_ike_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    c = tip_ike_conn_get(ctx, conn, &err);
    if (c == NULL)
        return err;
    sa = tip_ike_conn_cur(ctx, c);
    if (sa == NULL)
        return TIP_ERR_NO_SA;
    return tip_ike_sa_terminate(ctx, sa);
}

int tip_ike_delete_child_at(tip_ctx_t *ctx, tip_handle_t conn, unsigned index)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || index >= TIP_IKE_CHILD_MAX)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    sa = tip_ike_conn_sa(ctx, conn, &err);
    if (sa == NULL)
        return err;
    if (sa->child[index].sa_in == 0)
        return TIP_ERR_NO_SA;
    return tip_ike_info_delete_child(ctx, sa, index);
}

int tip_ike_delete_child(tip_ctx_t *ctx, tip_handle_t conn)
{
    int err = TIP_ERR_INTERNAL;
    tip_ike_sa_t *sa;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    sa = tip_ike_conn_sa(ctx, conn, &err);
    if (sa == NULL)
        return err;
    if (sa->child[tip_ike_child_first(sa)].sa_in == 0)
        return TIP_ERR_NO_SA;
    return tip_ike_info_delete_child(ctx, sa, tip_ike_child_first(sa));
}

#endif /* TIP_CONF_IKEV2 */
