/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKE SA and connection tables: handles between slots (checked at use, a
 * slot is unlinked from everything that names it before it is reused),
 * admission of new IKE SAs (RFC 7296 2.6: resource exhaustion), the one
 * state setter of the IKE SA machine, events, and sending with
 * retransmission state (RFC 7296 2.1, 2.4).
 */
#include <string.h>

#include "ike/ike_core.h"
#include "ike/ike_cp.h"

#if TIP_CONF_IKEV2

/* ---- handles ------------------------------------------------------------ */

tip_ike_conn_slot_t *tip_ike_conn_get(tip_ctx_t *ctx, tip_handle_t h, int *err)
{
    unsigned idx = tip_handle_idx(h);
    tip_ike_conn_slot_t *c;

    if (h == 0 || idx >= TIP_MAX_IKE_CONN) {
        *err = TIP_ERR_NOT_FOUND;
        return NULL;
    }
    c = &ctx->ike.conn[idx];
    if (!c->in_use || c->gen != tip_handle_gen(h)) {
        *err = TIP_ERR_STALE;
        return NULL;
    }
    *err = TIP_OK;
    return c;
}

tip_handle_t tip_ike_conn_handle(const tip_ctx_t *ctx, const tip_ike_conn_slot_t *c)
{
    return tip_handle_make((unsigned)(c - ctx->ike.conn), c->gen);
}

tip_ike_conn_slot_t *tip_ike_sa_conn(tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    int err;

    return sa->conn == 0 ? NULL : tip_ike_conn_get(ctx, sa->conn, &err);
}

tip_handle_t tip_ike_sa_handle(const tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    return tip_handle_make((unsigned)(sa - ctx->ike.sa), sa->gen);
}

tip_ike_sa_t *tip_ike_sa_get(tip_ctx_t *ctx, tip_handle_t h)
{
    unsigned idx = tip_handle_idx(h);
    tip_ike_sa_t *sa;

    if (h == 0 || idx >= TIP_MAX_IKE_SA)
        return NULL;
    sa = &ctx->ike.sa[idx];
    if (sa->state == TIP_IKE_S_FREE || sa->gen != tip_handle_gen(h))
        return NULL;
    return sa;
}

tip_ike_sa_t *tip_ike_conn_cur(tip_ctx_t *ctx, const tip_ike_conn_slot_t *c)
{
    tip_ike_sa_t *sa = tip_ike_sa_get(ctx, c->ike_sa);

    if (sa == NULL || sa->conn != tip_ike_conn_handle(ctx, c))
        return NULL;
    return sa;
}

tip_ike_sa_t *tip_ike_sa_rekey_slot(tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    tip_ike_sa_t *nsa = tip_ike_sa_get(ctx, sa->pend.new_ike_sa);

    if (nsa == NULL || nsa->state != TIP_IKE_S_CREATING ||
        nsa->parent != tip_ike_sa_handle(ctx, sa))
        return NULL;
    return nsa;
}

tip_ike_sa_t *tip_ike_sa_collide_slot(tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    tip_ike_sa_t *psa = tip_ike_sa_get(ctx, sa->pend.peer_ike_sa);

    if (psa == NULL || psa->state != TIP_IKE_S_CREATING ||
        psa->parent != tip_ike_sa_handle(ctx, sa) || sa->pend.kind != TIP_IKE_P_IKE_REKEY)
        return NULL;
    return psa;
}

/* ---- the state machine ---------------------------------------------------- */

#define TIP_IKE_TO(s) (1u << (s))

/*
 * Allowed transitions, one row per state: the states it may go to. Every
 * state but FREE may end (FREE); the rest is the life of an IKE SA:
 *   initiator  FREE -> INIT_SENT -> AUTH_SENT -> ESTABLISHED
 *   responder  FREE -> INIT_DONE -> ESTABLISHED
 *   rekey      FREE -> CREATING -> ESTABLISHED  (the new IKE SA), while the
 *              old one goes ESTABLISHED or DELETING -> REKEYED; of the two
 *              new IKE SAs of a collision (RFC 7296 2.8.2) the redundant
 *              one goes CREATING -> REKEYED
 *   delete     ESTABLISHED -> DELETING
 */
static const uint16_t tip_ike_next[TIP_IKE_S_COUNT_] = {
    [TIP_IKE_S_FREE] = TIP_IKE_TO(TIP_IKE_S_INIT_SENT) | TIP_IKE_TO(TIP_IKE_S_INIT_DONE) |
                       TIP_IKE_TO(TIP_IKE_S_CREATING),
    [TIP_IKE_S_INIT_SENT] = TIP_IKE_TO(TIP_IKE_S_AUTH_SENT) | TIP_IKE_TO(TIP_IKE_S_FREE),
    [TIP_IKE_S_AUTH_SENT] = TIP_IKE_TO(TIP_IKE_S_ESTABLISHED) | TIP_IKE_TO(TIP_IKE_S_FREE),
    [TIP_IKE_S_INIT_DONE] = TIP_IKE_TO(TIP_IKE_S_ESTABLISHED) | TIP_IKE_TO(TIP_IKE_S_FREE),
    [TIP_IKE_S_CREATING] = TIP_IKE_TO(TIP_IKE_S_ESTABLISHED) | TIP_IKE_TO(TIP_IKE_S_REKEYED) |
                           TIP_IKE_TO(TIP_IKE_S_FREE),
    [TIP_IKE_S_ESTABLISHED] = TIP_IKE_TO(TIP_IKE_S_REKEYED) | TIP_IKE_TO(TIP_IKE_S_DELETING) |
                              TIP_IKE_TO(TIP_IKE_S_FREE),
    [TIP_IKE_S_REKEYED] = TIP_IKE_TO(TIP_IKE_S_FREE),
    [TIP_IKE_S_DELETING] = TIP_IKE_TO(TIP_IKE_S_REKEYED) | TIP_IKE_TO(TIP_IKE_S_FREE),
};

#if TIP_CONF_STRINGS
static const char *const tip_ike_state_name[TIP_IKE_S_COUNT_] = {
    "FREE", "INIT_SENT", "AUTH_SENT", "INIT_DONE", "CREATING", "ESTABLISHED", "REKEYED",
    "DELETING",
};
#endif

/* Append @p s to the line (NUL-terminated, truncated to fit). */
static size_t tip_ike_cat(char *line, size_t n, size_t cap, const char *s)
{
    while (*s != '\0' && n + 1u < cap)
        line[n++] = *s++;
    line[n] = '\0';
    return n;
}

static size_t tip_ike_cat_state(char *line, size_t n, size_t cap, unsigned st)
{
#if TIP_CONF_STRINGS
    if (st < TIP_IKE_S_COUNT_)
        return tip_ike_cat(line, n, cap, tip_ike_state_name[st]);
#endif
    {
        char d[4];
        d[0] = (char)('0' + st / 100u % 10u);
        d[1] = (char)('0' + st / 10u % 10u);
        d[2] = (char)('0' + st % 10u);
        d[3] = '\0';
        return tip_ike_cat(line, n, cap, d);
    }
}

/* "ike: SA 0123abcd: ESTABLISHED -> REKEYED" (our SPI's first bytes). */
static void tip_ike_log_state(tip_ctx_t *ctx, const tip_ike_sa_t *sa, unsigned from, unsigned to,
                              int legal)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *spi = tip_ike_sa_our_spi(sa);
    char line[80], id[9];
    size_t n = 0;
    size_t i;

    if (ctx->port.log == NULL)
        return;
    for (i = 0; i < 4; i++) {
        id[2 * i] = hex[spi[i] >> 4];
        id[2 * i + 1] = hex[spi[i] & 15u];
    }
    id[8] = '\0';
    n = tip_ike_cat(line, n, sizeof(line), legal ? "ike: SA " : "ike: illegal state change, SA ");
    n = tip_ike_cat(line, n, sizeof(line), id);
    n = tip_ike_cat(line, n, sizeof(line), ": ");
    n = tip_ike_cat_state(line, n, sizeof(line), from);
    n = tip_ike_cat(line, n, sizeof(line), " -> ");
    (void)tip_ike_cat_state(line, n, sizeof(line), to);
    tip_log(ctx, legal ? TIP_LOG_DEBUG : TIP_LOG_ERROR, line);
}

int tip_ike_sa_set_state(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_sa_state_t to)
{
    unsigned from = sa->state;

    if (from >= TIP_IKE_S_COUNT_ || (unsigned)to >= TIP_IKE_S_COUNT_ ||
        (tip_ike_next[from] & TIP_IKE_TO(to)) == 0) {
        ctx->ike.bad_transitions++;
        tip_ike_log_state(ctx, sa, from, (unsigned)to, 0);
        return TIP_ERR_INTERNAL;
    }
    tip_ike_log_state(ctx, sa, from, (unsigned)to, 1);
    sa->state = (uint8_t)to;
    return TIP_OK;
}

/* ---- IKE SA table ----------------------------------------------------- */

unsigned tip_ike_half_open(const tip_ctx_t *ctx)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += ctx->ike.sa[i].state == TIP_IKE_S_INIT_DONE;
    return n;
}

/*
 * Admission of a half-open responder SA (RFC 7296 2.6: the responder must
 * not let unauthenticated peers exhaust its state). Cookies prove only
 * that a peer receives at its address, so: a bounded number per address,
 * and never the slots an established IKE SA needs to rekey.
 */
static int tip_ike_half_open_ok(const tip_ctx_t *ctx, const tip_addr_t *src)
{
    unsigned i, free_n = 0, est = 0, from_src = 0, reserve;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *sa = &ctx->ike.sa[i];
        free_n += sa->state == TIP_IKE_S_FREE;
        est += sa->state == TIP_IKE_S_ESTABLISHED;
        from_src += sa->state == TIP_IKE_S_INIT_DONE && tip_addr_equal(&sa->remote, src);
    }
    reserve = est < (unsigned)TIP_IKE_REKEY_RESERVE ? est : (unsigned)TIP_IKE_REKEY_RESERVE;
    return from_src < (unsigned)TIP_IKE_HALF_OPEN_PER_SRC && free_n > reserve;
}

tip_ike_sa_t *tip_ike_sa_alloc(tip_ctx_t *ctx, tip_ike_alloc_t why, const tip_addr_t *src,
                               int *err)
{
    unsigned i;

    *err = TIP_ERR_FULL;
    if (why == TIP_IKE_FOR_HALF_OPEN && !tip_ike_half_open_ok(ctx, src))
        return NULL;
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (sa->state == TIP_IKE_S_FREE) {
            uint16_t gen = sa->gen;
            memset(sa, 0, sizeof(*sa));
            sa->gen = gen;
            *err = TIP_OK;
            return sa;
        }
    }
    return NULL;
}

void tip_ike_sa_free(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_handle_t self = tip_ike_sa_handle(ctx, sa);
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_ike_sa_t *other;
    uint16_t gen = sa->gen;

    if (tip_ike_sa_set_state(ctx, sa, TIP_IKE_S_FREE) != TIP_OK)
        return; /* already free: a double free is counted, never done */
    /* Nothing may name this slot once it is reused (handles would catch it,
     * but a reference is removed, not left to go stale). */
    if (c != NULL && c->ike_sa == self) {
        c->ike_sa = 0;
#if TIP_CONF_IKE_CP
        tip_ike_cp_release(ctx, c); /* not replaced by a rekey: its virtual address goes */
#endif
    }
    /* The rekey they were reserved for ends with us: our new IKE SA's slot,
     * and the peer's new IKE SA of a collision. */
    other = tip_ike_sa_rekey_slot(ctx, sa);
    if (other != NULL) {
        other->parent = 0;
        tip_ike_sa_free(ctx, other);
    }
    other = tip_ike_sa_collide_slot(ctx, sa);
    if (other != NULL) {
        other->parent = 0;
        tip_ike_sa_free(ctx, other);
    }
    if (sa->parent != 0) {
        other = tip_ike_sa_get(ctx, sa->parent);
        if (other != NULL && other->pend.new_ike_sa == self)
            other->pend.new_ike_sa = 0;
        if (other != NULL && other->pend.peer_ike_sa == self)
            other->pend.peer_ike_sa = 0;
    }
    tip_ike_sa_bufs_release(ctx, sa);
    tip_crypto_dh_free(&sa->dh);
    tip_crypto_sa_free(&sa->sk_in);
    tip_crypto_sa_free(&sa->sk_out);
    /* Keys, nonces and messages die with the SA. */
    tip_crypto_zeroize(sa, sizeof(*sa));
    sa->gen = (uint16_t)(gen + 1u);
}

const uint8_t *tip_ike_sa_our_spi(const tip_ike_sa_t *sa)
{
    return sa->initiator ? sa->spi_i : sa->spi_r;
}

tip_ike_sa_t *tip_ike_sa_find(tip_ctx_t *ctx, const uint8_t spi_i[8], const uint8_t spi_r[8],
                              int from_initiator)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *sa = &ctx->ike.sa[i];
        /* A slot reserved for a rekey has no SPIs of its own yet; the
         * peer's new IKE SA of a collision has (and keys: 2.8.2, the peer
         * may delete it before our rekey is answered). */
        if (sa->state == TIP_IKE_S_FREE ||
            (sa->state == TIP_IKE_S_CREATING && sa->sk_iv_len == 0))
            continue;
        /* A message from the original initiator reaches the responder's SA
         * (our SPI is SPIr, except in the very first message), and the
         * other way round. */
        if (from_initiator && !sa->initiator && memcmp(sa->spi_i, spi_i, 8) == 0 &&
            memcmp(sa->spi_r, spi_r, 8) == 0)
            return sa;
        if (!from_initiator && sa->initiator && memcmp(sa->spi_i, spi_i, 8) == 0)
            return sa;
    }
    return NULL;
}

/* ---- events, errors, the port ----------------------------------------------- */

void tip_ike_raise_gone(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason)
{
    tip_event_t ev;

    if (conn == 0)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.conn = conn;
    ev.reason = reason;
    tip_event_deliver(ctx, &ev);
}

void tip_ike_raise(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason,
                   tip_handle_t sa, uint32_t spi)
{
    tip_ike_raise_child(ctx, conn, type, reason, sa, spi, 0);
}

static void tip_ike_raise_ev(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason,
                             tip_handle_t sa, uint32_t spi, unsigned child, tip_handle_t policy)
{
    tip_event_t ev;
    int err;

    /* A connection a callback deleted hears nothing more (the events of a
     * sequence after the one whose callback deleted it). */
    if (conn == 0 || tip_ike_conn_get(ctx, conn, &err) == NULL)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.conn = conn;
    ev.reason = reason;
    ev.sa = sa;
    ev.spi = spi;
    ev.child = (uint8_t)child;
    ev.policy = policy;
    tip_event_deliver(ctx, &ev);
}

void tip_ike_raise_child(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason,
                         tip_handle_t sa, uint32_t spi, unsigned child)
{
    tip_ike_raise_ev(ctx, conn, type, reason, sa, spi, child, 0);
}

void tip_ike_raise_policy(tip_ctx_t *ctx, tip_handle_t conn, tip_event_type_t type, int reason,
                          tip_handle_t policy)
{
    tip_ike_raise_ev(ctx, conn, type, reason, 0, 0, 0, policy);
}

void tip_ike_event(tip_ctx_t *ctx, const tip_ike_sa_t *sa, tip_event_type_t type, int reason)
{
    if (type == TIP_EV_CHILD_UP || type == TIP_EV_CHILD_REKEYED || type == TIP_EV_CHILD_DOWN)
        tip_ike_child_event(ctx, sa, sa->rekey_idx, type, reason);
    else
        tip_ike_raise(ctx, sa->conn, type, reason, 0, 0);
}

void tip_ike_child_event(tip_ctx_t *ctx, const tip_ike_sa_t *sa, unsigned idx,
                         tip_event_type_t type, int reason)
{
    const tip_ike_child_t *ch = &sa->child[idx];
    int up = type == TIP_EV_CHILD_UP || type == TIP_EV_CHILD_REKEYED;

    /* CHILD_DOWN: the pair is gone, its handle would be stale. */
    tip_ike_raise_child(ctx, sa->conn, type, reason, up ? ch->sa_in : 0, up ? ch->spi_in : 0, idx);
}

void tip_ike_fail(tip_ctx_t *ctx, tip_ike_sa_t *sa, int err)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);

    if (sa->first_error == 0)
        sa->first_error = err;
    if (c != NULL)
        c->last_error = sa->first_error;
}

int tip_ike_random(tip_ctx_t *ctx, uint8_t *out, size_t len)
{
    /* A context that tip_ctx_init() never set up has no port: the same
     * failure as a random source that fails. */
    if (ctx->port.random == NULL)
        return TIP_ERR_CRYPTO;
    return ctx->port.random(ctx->port.arg, out, len) == 0 ? TIP_OK : TIP_ERR_CRYPTO;
}

void tip_ike_log(tip_ctx_t *ctx, int level, const char *msg)
{
    tip_log(ctx, level, msg);
}

#if TIP_CONF_IKE_RESPONDER
int tip_ike_cookie_init(tip_ctx_t *ctx)
{
    /* RFC 7296 2.6: the secrets must be unpredictable from the first cookie
     * on; no secret at all is better than a guessable one. The previous
     * secret is accepted only once a rotation made it one. */
    int err = tip_ike_random(ctx, ctx->ike.cookie_secret, sizeof(ctx->ike.cookie_secret));

    if (err == TIP_OK)
        err = tip_ike_random(ctx, ctx->ike.cookie_secret_old, sizeof(ctx->ike.cookie_secret_old));
    ctx->ike.cookie_old_valid = 0;
    ctx->ike.cookie_version = 0;
    if (err != TIP_OK) {
        tip_crypto_zeroize(ctx->ike.cookie_secret, sizeof(ctx->ike.cookie_secret));
        tip_crypto_zeroize(ctx->ike.cookie_secret_old, sizeof(ctx->ike.cookie_secret_old));
    }
    return err;
}
void tip_ike_cookie_refresh(tip_ctx_t *ctx)
{
    uint8_t fresh[2][sizeof(ctx->ike.cookie_secret)];
    uint64_t now = ctx->now_ms, periods;

    if (now < ctx->ike.cookie_rotate_ms)
        return;
    /* RFC 7296 2.6: the secret changes every period, and the previous one
     * stays valid for one more. Rotated when it is used, as if it had been
     * rotated on time: after two periods or more neither old secret is
     * valid any longer (no timer has to wake the device for it). */
    periods = (now - ctx->ike.cookie_rotate_ms) / TIP_IKE_COOKIE_ROTATE_MS + 1u;
    if (tip_ike_random(ctx, fresh[0], sizeof(fresh[0])) != TIP_OK ||
        tip_ike_random(ctx, fresh[1], sizeof(fresh[1])) != TIP_OK) {
        /* The current secret stays (it is still secret) until a later try. */
        tip_log(ctx, TIP_LOG_WARN, "ike: no random bytes, cookie secret not rotated");
        ctx->ike.cookie_rotate_ms = now + TIP_IKE_COOKIE_ROTATE_MS;
        tip_crypto_zeroize(fresh, sizeof(fresh));
        return;
    }
    memcpy(ctx->ike.cookie_secret_old, periods == 1u ? ctx->ike.cookie_secret : fresh[1],
           sizeof(fresh[0]));
    memcpy(ctx->ike.cookie_secret, fresh[0], sizeof(fresh[0]));
    ctx->ike.cookie_old_valid = 1;
    ctx->ike.cookie_version += (uint32_t)periods;
    ctx->ike.cookie_rotate_ms += periods * TIP_IKE_COOKIE_ROTATE_MS;
    tip_crypto_zeroize(fresh, sizeof(fresh));
}
#endif /* TIP_CONF_IKE_RESPONDER */

/* ---- sending ---------------------------------------------------------- */

int tip_ike_send_raw(tip_ctx_t *ctx, const tip_ike_sa_t *sa, const tip_ike_path_t *to,
                     uint8_t *buf, size_t len)
{
    const tip_addr_t *local = to != NULL ? &to->local : &sa->local;
    const tip_addr_t *remote = to != NULL ? &to->remote : &sa->remote;
    uint16_t lport = to != NULL ? to->lport : sa->lport;
    uint16_t rport = to != NULL ? to->rport : sa->rport;
    int err;

    if (ctx->port.send_udp == NULL)
        return TIP_ERR_PORT;
    if (sa->use_natt) {
        /* RFC 3948 2.2: on the NAT-T port IKE carries a non-ESP marker. */
        memset(buf, 0, 4);
        err = ctx->port.send_udp(ctx->port.arg, local, lport, remote, rport, buf, len + 4);
    } else {
        err = ctx->port.send_udp(ctx->port.arg, local, lport, remote, rport,
                                 TIP_IKE_BUF_MSG(buf), len);
    }
    return err == 0 ? TIP_OK : TIP_ERR_PORT;
}

uint32_t tip_ike_rto(tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    uint32_t base = (c != NULL && c->cfg.retransmit_ms != 0) ? c->cfg.retransmit_ms
                                                             : TIP_IKE_DEF_RETRANSMIT_MS;
    unsigned shift = sa->req_tries < 6 ? sa->req_tries : 6;

    /* RFC 7296 2.4: exponential back-off. */
    return base << shift;
}

int tip_ike_send_msg(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_path_t *to, uint8_t *buf,
                     size_t len, int frag, int first)
{
#if TIP_CONF_IKE_FRAG
    if (frag)
        return tip_ike_frag_send(ctx, sa, to, buf, len, first);
#else
    (void)frag;
#endif
    (void)first;
    return tip_ike_send_raw(ctx, sa, to, buf, len);
}

/* Whether the message tip_ike_sk_end() just closed goes out in fragments
 * (consumed: the next message decides afresh). */
static uint8_t tip_ike_take_frag_out(tip_ike_sa_t *sa)
{
#if TIP_CONF_IKE_FRAG
    uint8_t f = sa->frag_out;
    sa->frag_out = 0;
    return f;
#else
    (void)sa;
    return 0;
#endif
}

int tip_ike_send_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, size_t len, uint8_t pending)
{
    uint8_t *b = tip_ike_buf_get(ctx, sa->req_buf);
    uint8_t frag = tip_ike_take_frag_out(sa);

    if (b == NULL)
        return TIP_ERR_INTERNAL; /* built there: it cannot be missing */
    sa->req_len = (uint16_t)len;
#if TIP_CONF_IKE_FRAG
    sa->req_frag = frag;
#endif
    sa->req_outstanding = 1;
    sa->req_tries = 0;
    sa->pend.kind = pending;
    sa->req_deadline_ms = ctx->now_ms + tip_ike_rto(ctx, sa);
    /* A lost first send is just a retransmission later. */
    (void)tip_ike_send_msg(ctx, sa, NULL, b, len, frag, 1);
    return TIP_OK;
}

int tip_ike_send_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, size_t len)
{
    return tip_ike_send_response_to(ctx, sa, NULL, len);
}

int tip_ike_send_response_to(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_path_t *to,
                             size_t len)
{
    uint8_t *b = tip_ike_buf_get(ctx, sa->resp_buf);
    uint8_t frag = tip_ike_take_frag_out(sa);

    if (b == NULL)
        return TIP_ERR_INTERNAL; /* built there: it cannot be missing */
    sa->resp_len = (uint16_t)len;
#if TIP_CONF_IKE_FRAG
    sa->resp_frag = frag;
#endif
    sa->resp_valid = 1;
    return tip_ike_send_msg(ctx, sa, to, b, len, frag, 1);
}

void tip_ike_hdr_request(const tip_ike_sa_t *sa, uint8_t exchange, tip_ike_hdr_t *h)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->spi_i, sa->spi_i, 8);
    memcpy(h->spi_r, sa->spi_r, 8);
    h->exchange = exchange;
    h->flags = sa->initiator ? TIP_IKE_FLAG_INITIATOR : 0;
    h->msg_id = sa->msg_id_out;
}

void tip_ike_hdr_response(const tip_ike_sa_t *sa, const tip_ike_hdr_t *req, tip_ike_hdr_t *h)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->spi_i, sa->spi_i, 8);
    memcpy(h->spi_r, sa->spi_r, 8);
    h->exchange = req->exchange;
    h->flags = (uint8_t)(TIP_IKE_FLAG_RESPONSE | (sa->initiator ? TIP_IKE_FLAG_INITIATOR : 0));
    h->msg_id = req->msg_id;
}

int tip_ike_respond_notify(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_hdr_t *req,
                           uint16_t type, const uint8_t *data, size_t len)
{
    return tip_ike_respond_notify_to(ctx, sa, NULL, req, type, data, len);
}

int tip_ike_respond_notify_to(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_path_t *to,
                              const tip_ike_hdr_t *req, uint16_t type, const uint8_t *data,
                              size_t len)
{
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t n;

    tip_ike_hdr_response(sa, req, &h);
    (void)tip_ike_w_pool(ctx, &sa->resp_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    tip_ike_w_notify(&w, 0, NULL, 0, type, data, len);
    if (tip_ike_sk_end(sa, &w, &n) != TIP_OK)
        return TIP_ERR_INTERNAL;
    return tip_ike_send_response_to(ctx, sa, to, n);
}

#endif /* TIP_CONF_IKEV2 */
