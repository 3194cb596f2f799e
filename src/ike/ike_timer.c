/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * What IKE does from tip_poll(): retransmission and giving up (RFC 7296
 * 2.4), half-open expiry (2.6), rekeys with jitter and, when one fails,
 * retries with back-off, liveness checks and the hard lifetime; and when
 * the next of them is due (tip_ike_next_deadline(), computed after all of
 * them ran, from the same deadline helpers, so that tip_poll() reports it
 * exactly).
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

static uint64_t tip_ike_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t tip_ike_retry_at(tip_ctx_t *ctx, uint8_t *fails)
{
    unsigned shift = *fails < 5u ? *fails : 5u;
    uint64_t delay = (uint64_t)2000u << shift;
    uint8_t r[2] = {0, 0};

    if (*fails < 255u)
        (*fails)++;
    (void)tip_ike_random(ctx, r, 2); /* no jitter if the source fails: still a retry */
    return ctx->now_ms + delay + delay / 2u * tip_load_be16(r) / 65536u;
}

/* An IKE_SA_INIT that never got a valid response: if the only answers
 * were (unauthenticated) error notifies, they are the reason (2.21.1). */
#if TIP_CONF_IKE_INITIATOR
static void tip_ike_init_give_up(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    uint16_t hint = sa->init_hint;

    if (hint == 0) {
        tip_ike_fail(ctx, sa, TIP_ERR_PORT);
        tip_ike_sa_down(ctx, sa, TIP_ERR_PORT);
        return;
    }
    tip_ike_fail(ctx, sa, TIP_ERR_POLICY);
    if (hint == TIP_IKE_N_NO_PROPOSAL_CHOSEN || hint == TIP_IKE_N_INVALID_KE_PAYLOAD)
        tip_ike_sa_down_ev(ctx, sa, TIP_ERR_POLICY, TIP_EV_PROPOSAL_MISMATCH, hint);
    else
        tip_ike_sa_down_ev(ctx, sa, TIP_ERR_POLICY, TIP_EV_IKE_DOWN, hint);
}
#endif

/* ---- deadlines (absolute ms), shared by the timers and the next deadline ---- */

#define TIP_IKE_NEVER UINT64_MAX

/* The connection @p sa belongs to, read-only. */
static const tip_ike_conn_slot_t *tip_ike_sa_conn_c(const tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    unsigned idx = tip_handle_idx(sa->conn);
    const tip_ike_conn_slot_t *c;

    if (sa->conn == 0 || idx >= TIP_MAX_IKE_CONN)
        return NULL;
    c = &ctx->ike.conn[idx];
    return c->in_use && c->gen == tip_handle_gen(sa->conn) ? c : NULL;
}

/* Hard lifetime (RFC 7296 2.8: lifetimes are local policy). */
static uint64_t tip_ike_hard_at(const tip_ike_conn_slot_t *c, const tip_ike_sa_t *sa)
{
    uint64_t rekey = (uint64_t)(c->cfg.ike_rekey_s != 0 ? c->cfg.ike_rekey_s
                                                        : TIP_IKE_DEF_IKE_REKEY_S);
    uint64_t hard = c->cfg.ike_lifetime_s != 0 ? (uint64_t)c->cfg.ike_lifetime_s
                                               : rekey + rekey / 10u + 300u;

    return sa->established_ms + hard * 1000u;
}

/* The liveness check of an idle IKE SA (RFC 7296 2.4), TIP_IKE_NEVER when off. */
static uint64_t tip_ike_dpd_at(const tip_ike_conn_slot_t *c, const tip_ike_sa_t *sa)
{
    return c->cfg.dpd_s != 0 ? sa->last_rx_ms + (uint64_t)c->cfg.dpd_s * 1000u : TIP_IKE_NEVER;
}

/* Half-open (INIT_DONE) and replaced (REKEYED) IKE SAs are forgotten then. */
static uint64_t tip_ike_half_open_at(const tip_ike_sa_t *sa)
{
    return (sa->state == TIP_IKE_S_INIT_DONE ? sa->established_ms : sa->last_rx_ms) +
           TIP_IKE_HALF_OPEN_MS;
}

/* ---- timers ------------------------------------------------------------------ */

/* Retransmit or give up (RFC 7296 2.4: after the tries, the peer is dead). */
static void tip_ike_poll_retransmit(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    unsigned tries = (c != NULL && c->cfg.retransmit_tries != 0) ? c->cfg.retransmit_tries
                                                                 : TIP_IKE_DEF_TRIES;
    uint8_t *req;

    if (!sa->req_outstanding || now < sa->req_deadline_ms)
        return;
    if (sa->req_tries >= tries) {
        tip_log(ctx, TIP_LOG_WARN, "ike: peer does not answer, giving up");
#if TIP_CONF_IKE_INITIATOR
        if (sa->state == TIP_IKE_S_INIT_SENT) {
            tip_ike_init_give_up(ctx, sa);
            return;
        }
#endif
        /* A replaced IKE SA (REKEYED) speaks no more for its connection:
         * its unanswered Delete is no failure of the connection's. */
        if (sa->state != TIP_IKE_S_REKEYED)
            tip_ike_fail(ctx, sa, TIP_ERR_PORT);
        tip_ike_sa_down(ctx, sa, TIP_ERR_PORT);
        return;
    }
    sa->req_tries++;
    sa->req_deadline_ms = now + tip_ike_rto(ctx, sa);
    req = tip_ike_buf_get(ctx, sa->req_buf);
    if (req != NULL) /* held while the request is outstanding */
        /* RFC 7383 2.6: a fragmented request goes again in all its fragments. */
#if TIP_CONF_IKE_FRAG
        (void)tip_ike_send_msg(ctx, sa, NULL, req, sa->req_len, sa->req_frag, 0);
#else
        (void)tip_ike_send_msg(ctx, sa, NULL, req, sa->req_len, 0, 0);
#endif
}

/* The hard lifetime: an IKE SA that could not be rekeyed in time goes,
 * with its keys. 1: it went. */
static int tip_ike_poll_hard(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_conn_slot_t *c,
                             uint64_t now)
{
    if (now < tip_ike_hard_at(c, sa))
        return 0;
    tip_ike_fail(ctx, sa, TIP_ERR_LIFETIME);
    if (!sa->req_outstanding)
        (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE); /* tell the peer */
    tip_ike_sa_down(ctx, sa, TIP_ERR_LIFETIME);
    return 1;
}

#if !TIP_CONF_IKE_REKEY_IKE
/*
 * RFC 7296 2.8.3: without IKE SA rekeying, an IKE SA is replaced by
 * reauthentication, a new IKE SA from scratch. This one goes first (break
 * before make: one IKE SA per connection): the peer is told with a Delete,
 * which also ends the CHILD SAs there (1.4.1), and the connection is
 * initiated again. The IKE SA's initiator does that; a responder's IKE SA
 * waits for its peer or its hard lifetime. 1: it went.
 */
static int tip_ike_reauth(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
#if TIP_CONF_IKE_INITIATOR
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_handle_t conn = sa->conn;
    int restarts;

    if (c == NULL || !sa->initiator || c->cfg.remote_addr.family == TIP_AF_NONE)
        return 0;
    restarts = c->cfg.restart; /* tip_ike_sa_down() initiates again itself */
    tip_log(ctx, TIP_LOG_INFO, "ike: IKE SA rekey time: reauthenticating");
    (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE);
    tip_ike_sa_down(ctx, sa, TIP_ERR_LIFETIME);
    if (!restarts)
        (void)tip_ike_initiate(ctx, conn);
    return 1;
#else
    (void)ctx;
    (void)sa;
    return 0;
#endif
}
#endif

/*
 * The rekey timers of an established IKE SA with no request outstanding.
 * A rekey that cannot start is tried again later (tip_ike_retry_at); so is
 * one that fails in its exchange (ike_child.c). Only an SA that can no
 * longer be rekeyed at all reaches its hard lifetime. 1: the IKE SA went
 * (replaced by reauthentication, without IKE SA rekeying).
 */
static int tip_ike_poll_rekeys(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now)
{
    unsigned i;

    if (sa->rekey_at_ms != 0 && now >= sa->rekey_at_ms) {
#if TIP_CONF_IKE_REKEY_IKE
        sa->rekey_at_ms = 0;
        if (tip_ike_ike_rekey_start(ctx, sa) != TIP_OK) {
            tip_log(ctx, TIP_LOG_INFO, "ike: IKE SA rekey could not start, retrying later");
            sa->rekey_at_ms = tip_ike_retry_at(ctx, &sa->rekey_fails);
        }
#else
        if (tip_ike_reauth(ctx, sa))
            return 1; /* gone; the new IKE SA is on its way */
        sa->rekey_at_ms = 0; /* a responder's waits for its peer or its hard lifetime */
#endif
        if (sa->req_outstanding)
            return 0; /* one request at a time (2.3): the CHILD rekey waits */
    }
    for (i = 0; i < TIP_IKE_CHILD_MAX && !sa->req_outstanding; i++) {
        tip_ike_child_t *ch = &sa->child[i];
        if (ch->rekey_at_ms == 0 || now < ch->rekey_at_ms)
            continue;
        if (ch->create == TIP_IKE_CREATE_DUE) {
            /* A new CHILD SA (1.3.1): a configured pair or an acquire. */
            if (tip_ike_child_create_start(ctx, sa, i) != TIP_OK)
                ch->rekey_at_ms = tip_ike_retry_at(ctx, &ch->rekey_fails);
            continue;
        }
        if (ch->create != TIP_IKE_CREATE_NONE)
            continue;
        ch->rekey_at_ms = 0;
        if (tip_ike_child_rekey_start(ctx, sa, i) != TIP_OK) {
            tip_log(ctx, TIP_LOG_INFO, "ike: CHILD SA rekey could not start, retrying later");
            /* The previous rekey never ended (its old or redundant pair
             * is still here): delete what is left of it first. */
            if (sa->old_child.sa_in != 0 ||
                (sa->extra_child.sa_in != 0 && sa->extra_role != TIP_IKE_X_PENDING))
                (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_CHILD);
            if (ch->sa_in != 0)
                ch->rekey_at_ms = tip_ike_retry_at(ctx, &ch->rekey_fails);
        }
    }
    return 0;
}

static void tip_ike_poll_established(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);

    if (c == NULL || tip_ike_poll_hard(ctx, sa, c, now) || sa->req_outstanding)
        return;
#if TIP_CONF_IKE_MOBIKE
    tip_ike_mobike_after_response(ctx, sa); /* a MOBIKE request that waited (RFC 4555 3.5) */
    if (sa->req_outstanding)
        return;
#endif
    if (tip_ike_poll_rekeys(ctx, sa, now))
        return; /* the IKE SA went (reauthentication) */
    /* RFC 7296 2.4: an empty INFORMATIONAL request checks liveness. */
    if (!sa->req_outstanding && now >= tip_ike_dpd_at(c, sa)) {
        sa->last_rx_ms = now;
        (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DPD);
    }
}

/* Everything due for IKE SA @p sa. Whatever raises an event (the SA goes
 * down) is the last thing done with it. */
static void tip_ike_poll_sa(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now)
{
    tip_handle_t self = tip_ike_sa_handle(ctx, sa);

    tip_ike_poll_retransmit(ctx, sa, now);
    if (tip_ike_sa_get(ctx, self) != sa)
        return; /* it gave up and is gone */
    switch (sa->state) {
    case TIP_IKE_S_INIT_DONE:
        /* Half-open responder SAs do not live forever (2.6: resource
         * exhaustion). The initiator's attempts end by retransmission. */
        if (now >= tip_ike_half_open_at(sa)) {
            tip_ike_fail(ctx, sa, TIP_ERR_PORT);
            tip_ike_sa_down(ctx, sa, TIP_ERR_PORT);
        }
        return;
    case TIP_IKE_S_CREATING:
        /* No timer of its own: it ends with its rekey exchange. One whose
         * parent no longer names it would be a bug; it is not kept. */
        if (tip_ike_sa_get(ctx, sa->parent) == NULL ||
            (tip_ike_sa_rekey_slot(ctx, tip_ike_sa_get(ctx, sa->parent)) != sa &&
             tip_ike_sa_collide_slot(ctx, tip_ike_sa_get(ctx, sa->parent)) != sa)) {
            tip_log(ctx, TIP_LOG_ERROR, "ike: orphaned rekey slot freed");
            tip_ike_sa_free(ctx, sa);
        }
        return;
    case TIP_IKE_S_REKEYED:
        /* Replaced: wait for the peer's delete a while, then forget it
         * (its CHILD SAs moved on). Ours, if out, ends by retransmission. */
        if (!sa->req_outstanding && now >= tip_ike_half_open_at(sa))
            tip_ike_sa_free(ctx, sa);
        return;
    case TIP_IKE_S_DELETING:
        /* Our Delete(IKE) must go out once the window is free. */
        if (!sa->req_outstanding && tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE) != TIP_OK)
            tip_ike_sa_down(ctx, sa, TIP_OK);
        return;
    case TIP_IKE_S_ESTABLISHED:
        tip_ike_poll_established(ctx, sa, now);
        return;
    default:
        return;
    }
}

void tip_ike_poll(tip_ctx_t *ctx, uint64_t now)
{
    unsigned i;

    /* Slot by slot; each is read afresh (an event callback for one SA may
     * have changed any other). */
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        if (ctx->ike.sa[i].state != TIP_IKE_S_FREE)
            tip_ike_poll_sa(ctx, &ctx->ike.sa[i], now);
    }
    tip_ike_bufs_tidy(ctx);
}

/* ---- the next deadline --------------------------------------------------------- */

/* When tip_ike_poll_sa() next has something to do for @p sa (absolute). */
static uint64_t tip_ike_sa_next_at(const tip_ctx_t *ctx, const tip_ike_sa_t *sa)
{
    const tip_ike_conn_slot_t *c;
    uint64_t at = sa->req_outstanding ? sa->req_deadline_ms : TIP_IKE_NEVER;
    unsigned i;

    switch (sa->state) {
    case TIP_IKE_S_INIT_DONE:
        return tip_ike_min(at, tip_ike_half_open_at(sa));
    case TIP_IKE_S_REKEYED:
        return sa->req_outstanding ? at : tip_ike_half_open_at(sa);
    case TIP_IKE_S_DELETING:
        return sa->req_outstanding ? at : 0; /* its Delete is due */
    case TIP_IKE_S_ESTABLISHED:
        c = tip_ike_sa_conn_c(ctx, sa);
        if (c == NULL)
            return at;
        at = tip_ike_min(at, tip_ike_hard_at(c, sa));
        if (sa->req_outstanding)
            return at;
        if (sa->rekey_at_ms != 0)
            at = tip_ike_min(at, sa->rekey_at_ms);
        for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
            if (sa->child[i].rekey_at_ms != 0 && sa->child[i].create != TIP_IKE_CREATE_SENT)
                at = tip_ike_min(at, sa->child[i].rekey_at_ms);
        return tip_ike_min(at, tip_ike_dpd_at(c, sa));
    default:
        return at; /* INIT_SENT, AUTH_SENT: retransmission; CREATING: none */
    }
}

uint64_t tip_ike_next_deadline(const tip_ctx_t *ctx, uint64_t now)
{
    uint64_t at = TIP_IKE_NEVER;
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        if (ctx->ike.sa[i].state != TIP_IKE_S_FREE)
            at = tip_ike_min(at, tip_ike_sa_next_at(ctx, &ctx->ike.sa[i]));
    }
#if TIP_CONF_IKE_FRAG
    if (ctx->ike.reasm.total != 0) /* a reassembly that may time out */
        at = tip_ike_min(at, ctx->ike.reasm.deadline_ms);
#endif
    if (at == TIP_IKE_NEVER)
        return UINT64_MAX;
    return at > now ? at - now : 0;
}

#endif /* TIP_CONF_IKEV2 */
