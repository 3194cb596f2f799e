/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Events: what the core tells the application (and IKE), and when. The
 * contract is at tip_event_cb_t in include/tinyipsec/ctx.h; this file keeps
 * its mechanics: a packet path's batch, delivered last; the chain of
 * callbacks running, which refuses what must not run inside them
 * (tip_in_callback()) and keeps a repeated event from recursing.
 */
#include <string.h>

#include "tip_internal.h"

/* One event callback running; the chain of them lives on the stack. */
struct tip_cb_frame_s {
    const tip_event_t *ev;
    struct tip_cb_frame_s *outer;
};

void tip_event_make(const tip_ctx_t *ctx, tip_event_type_t type, const tip_sa_t *sa,
                    tip_handle_t policy, tip_event_t *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    ev->policy = policy;
    if (sa != NULL) {
        ev->sa = tip_sa_handle(ctx, sa);
        ev->spi = sa->spi;
        ev->dir = (tip_dir_t)sa->dir;
    }
}

/* ACQUIRE, SA_SEQ_EXHAUSTED and the refusal of an acquire (PROPOSAL_MISMATCH
 * naming its policy) come with every packet that meets them: a callback
 * that sends such a packet again must not recurse without end. */
static int tip_event_repeats(const tip_ctx_t *ctx, const tip_event_t *ev)
{
    const struct tip_cb_frame_s *f;

    if (ev->type != TIP_EV_ACQUIRE && ev->type != TIP_EV_SA_SEQ_EXHAUSTED &&
        !(ev->type == TIP_EV_PROPOSAL_MISMATCH && ev->policy != 0))
        return 0;
    for (f = ctx->cb_active; f != NULL; f = f->outer)
        if (f->ev->type == ev->type && f->ev->sa == ev->sa && f->ev->policy == ev->policy)
            return 1;
    return 0;
}

void tip_event_deliver(tip_ctx_t *ctx, const tip_event_t *ev)
{
    struct tip_cb_frame_s frame;
    tip_event_t copy;

    if (ctx->event_cb == NULL || tip_event_repeats(ctx, ev))
        return;
    copy = *ev; /* the callback's own copy: @p ev may live in a table it changes */
    frame.ev = &copy;
    frame.outer = ctx->cb_active;
    ctx->cb_active = &frame;
    ctx->event_cb(ctx->event_arg, &copy);
    ctx->cb_active = frame.outer;
}

void tip_event_emit(tip_ctx_t *ctx, const tip_event_t *ev)
{
    /* IKE hears about acquires and expiries first (it may start a
     * negotiation), then the application. */
    if (ctx->ike_event != NULL)
        ctx->ike_event(ctx, ev);
    tip_event_deliver(ctx, ev);
}

void tip_ev_note(const tip_ctx_t *ctx, tip_ev_batch_t *b, tip_event_type_t type,
                 const tip_sa_t *sa, tip_handle_t policy)
{
    if (b->n < TIP_EV_BATCH)
        tip_event_make(ctx, type, sa, policy, &b->ev[b->n++]);
}

void tip_ev_flush(tip_ctx_t *ctx, tip_ev_batch_t *b)
{
    unsigned i, n = b->n;

    b->n = 0;
    for (i = 0; i < n; i++)
        tip_event_emit(ctx, &b->ev[i]);
}

const char *tip_event_name(tip_event_type_t type)
{
    static const char *const names[TIP_EV_COUNT_] = {
        "unknown",
#define TIP_X_EV_NAME(name, text) #name,
        TIP_EVENT_LIST(TIP_X_EV_NAME)
#undef TIP_X_EV_NAME
    };

    if ((unsigned)type >= (unsigned)TIP_EV_COUNT_)
        return names[0];
    return names[type];
}

