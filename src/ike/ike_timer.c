/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * What IKE does from tip_poll(): retransmission and giving up (RFC 7296
 * 2.4), half-open expiry (2.6), rekeys with jitter and, when one fails,
 * retries with back-off, liveness checks, the hard lifetime, and the
 * rotation of the cookie secret (2.6).
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

/* Retransmit or give up (RFC 7296 2.4: after the tries, the peer is dead). */
static uint64_t tip_ike_poll_retransmit(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    unsigned tries = (c != NULL && c->cfg.retransmit_tries != 0) ? c->cfg.retransmit_tries
                                                                 : TIP_IKE_DEF_TRIES;

    if (!sa->req_outstanding)
        return UINT64_MAX;
    if (now < sa->req_deadline_ms)
        return sa->req_deadline_ms - now;
    if (sa->req_tries >= tries) {
        tip_log(ctx, TIP_LOG_WARN, "ike: peer does not answer, giving up");
        if (sa->state == TIP_IKE_S_INIT_SENT) {
            tip_ike_init_give_up(ctx, sa);
        } else {
            tip_ike_fail(ctx, sa, TIP_ERR_PORT);
            tip_ike_sa_down(ctx, sa, TIP_ERR_PORT);
        }
        return UINT64_MAX;
    }
    sa->req_tries++;
    sa->req_deadline_ms = now + tip_ike_rto(ctx, sa);
    (void)tip_ike_send_raw(ctx, sa, sa->req, sa->req_len);
    return sa->req_deadline_ms - now;
}

/* Hard lifetime (RFC 7296 2.8: lifetimes are local policy): an IKE SA that
 * could not be rekeyed in time goes, with its keys. 1: it went. */
static int tip_ike_poll_hard(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_conn_slot_t *c,
                             uint64_t now, uint64_t *next)
{
    uint64_t rekey = (uint64_t)(c->cfg.ike_rekey_s != 0 ? c->cfg.ike_rekey_s
                                                        : TIP_IKE_DEF_IKE_REKEY_S);
    uint64_t hard = c->cfg.ike_lifetime_s != 0 ? (uint64_t)c->cfg.ike_lifetime_s
                                               : rekey + rekey / 10u + 300u;
    uint64_t age = now - sa->established_ms;

    if (age < hard * 1000u) {
        *next = tip_ike_min(*next, hard * 1000u - age);
        return 0;
    }
    tip_ike_fail(ctx, sa, TIP_ERR_LIFETIME);
    if (!sa->req_outstanding)
        (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE); /* tell the peer */
    tip_ike_sa_down(ctx, sa, TIP_ERR_LIFETIME);
    return 1;
}

/*
 * The rekey timers of an established IKE SA with no request outstanding.
 * A rekey that cannot start is tried again later (tip_ike_retry_at); so is
 * one that fails in its exchange (ike_child.c). Only an SA that can no
 * longer be rekeyed at all reaches its hard lifetime.
 */
static uint64_t tip_ike_poll_rekeys(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now, uint64_t next)
{
    if (sa->rekey_at_ms != 0) {
        if (now >= sa->rekey_at_ms) {
            sa->rekey_at_ms = 0;
            if (tip_ike_ike_rekey_start(ctx, sa) != TIP_OK) {
                tip_log(ctx, TIP_LOG_INFO, "ike: IKE SA rekey could not start, retrying later");
                sa->rekey_at_ms = tip_ike_retry_at(ctx, &sa->rekey_fails);
            }
            return tip_ike_min(next, 100);
        }
        next = tip_ike_min(next, sa->rekey_at_ms - now);
    }
    if (sa->child.rekey_at_ms != 0) {
        if (now >= sa->child.rekey_at_ms) {
            sa->child.rekey_at_ms = 0;
            if (tip_ike_child_rekey_start(ctx, sa) != TIP_OK) {
                tip_log(ctx, TIP_LOG_INFO, "ike: CHILD SA rekey could not start, retrying later");
                /* The previous rekey never ended (its old or redundant pair
                 * is still here): delete what is left of it first. */
                if (sa->old_child.sa_in != 0 ||
                    (sa->extra_child.sa_in != 0 && sa->extra_role != TIP_IKE_X_PENDING))
                    (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_CHILD);
                sa->child.rekey_at_ms = tip_ike_retry_at(ctx, &sa->child.rekey_fails);
            }
            return tip_ike_min(next, 100);
        }
        next = tip_ike_min(next, sa->child.rekey_at_ms - now);
    }
    return next;
}

static uint64_t tip_ike_poll_established(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now,
                                         uint64_t next)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);

    if (c == NULL || tip_ike_poll_hard(ctx, sa, c, now, &next))
        return next;
    if (sa->req_outstanding)
        return next;
    next = tip_ike_poll_rekeys(ctx, sa, now, next);
    if (sa->req_outstanding)
        return next;
    if (c->cfg.dpd_s != 0) {
        uint64_t idle = (uint64_t)c->cfg.dpd_s * 1000u;
        /* RFC 7296 2.4: an empty INFORMATIONAL request checks liveness. */
        if (now - sa->last_rx_ms >= idle) {
            sa->last_rx_ms = now;
            (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DPD);
            return tip_ike_min(next, 100);
        }
        next = tip_ike_min(next, sa->last_rx_ms + idle - now);
    }
    return next;
}

static uint64_t tip_ike_poll_sa(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint64_t now)
{
    tip_handle_t self = tip_ike_sa_handle(ctx, sa);
    uint64_t next = tip_ike_poll_retransmit(ctx, sa, now);

    if (tip_ike_sa_get(ctx, self) != sa)
        return next; /* it gave up and is gone */
    switch (sa->state) {
    case TIP_IKE_S_INIT_DONE:
        /* Half-open responder SAs do not live forever (2.6: resource
         * exhaustion). The initiator's attempts end by retransmission. */
        if (now - sa->established_ms >= TIP_IKE_HALF_OPEN_MS) {
            tip_ike_fail(ctx, sa, TIP_ERR_PORT);
            tip_ike_sa_down(ctx, sa, TIP_ERR_PORT);
            return next;
        }
        return tip_ike_min(next, sa->established_ms + TIP_IKE_HALF_OPEN_MS - now);
    case TIP_IKE_S_CREATING:
        /* No timer of its own: it ends with its rekey exchange. One whose
         * parent no longer names it would be a bug; it is not kept. */
        if (tip_ike_sa_get(ctx, sa->parent) == NULL ||
            tip_ike_sa_rekey_slot(ctx, tip_ike_sa_get(ctx, sa->parent)) != sa) {
            tip_log(ctx, TIP_LOG_ERROR, "ike: orphaned rekey slot freed");
            tip_ike_sa_free(ctx, sa);
        }
        return next;
    case TIP_IKE_S_REKEYED:
        /* Replaced: wait for the peer's delete a while, then forget it
         * (its CHILD SAs moved on). Ours, if out, ends by retransmission. */
        if (sa->req_outstanding)
            return next;
        if (now - sa->last_rx_ms >= TIP_IKE_HALF_OPEN_MS) {
            tip_ike_sa_free(ctx, sa);
            return next;
        }
        return tip_ike_min(next, sa->last_rx_ms + TIP_IKE_HALF_OPEN_MS - now);
    case TIP_IKE_S_DELETING:
        /* Our Delete(IKE) must go out once the window is free. */
        if (!sa->req_outstanding && tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE) != TIP_OK)
            tip_ike_sa_down(ctx, sa, TIP_OK);
        return next;
    case TIP_IKE_S_ESTABLISHED:
        return tip_ike_poll_established(ctx, sa, now, next);
    default:
        return next;
    }
}

/* RFC 7296 2.6: rotate the cookie secret; the previous one stays valid for
 * one more period so cookies in flight still work. If the random source
 * fails, the current secret stays (it is still secret) until a later try. */
static void tip_ike_cookie_rotate(tip_ctx_t *ctx, uint64_t now)
{
    uint8_t fresh[sizeof(ctx->ike.cookie_secret)];

    if (tip_ike_random(ctx, fresh, sizeof(fresh)) == TIP_OK) {
        memcpy(ctx->ike.cookie_secret_old, ctx->ike.cookie_secret, sizeof(fresh));
        memcpy(ctx->ike.cookie_secret, fresh, sizeof(fresh));
        ctx->ike.cookie_version++;
        ctx->ike.cookie_old_valid = 1;
    } else {
        tip_log(ctx, TIP_LOG_WARN, "ike: no random bytes, cookie secret not rotated");
    }
    tip_crypto_zeroize(fresh, sizeof(fresh));
    ctx->ike.cookie_rotate_ms = now + TIP_IKE_COOKIE_ROTATE_MS;
}

uint64_t tip_ike_poll(tip_ctx_t *ctx, uint64_t now)
{
    uint64_t next;
    unsigned i;

    if (now >= ctx->ike.cookie_rotate_ms)
        tip_ike_cookie_rotate(ctx, now);
    next = ctx->ike.cookie_rotate_ms - now;
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        if (ctx->ike.sa[i].state != TIP_IKE_S_FREE)
            next = tip_ike_min(next, tip_ike_poll_sa(ctx, &ctx->ike.sa[i], now));
    }
    return next;
}

#endif /* TIP_CONF_IKEV2 */
