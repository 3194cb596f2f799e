/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Sequence numbers of manually keyed SAs across restarts. Keys that come
 * from a configuration are installed again after every restart; if the
 * sequence numbers started again at 1, AES-GCM and ChaCha20-Poly1305 would
 * reuse their nonces (RFC 4106 3.1, RFC 7634 2: the IV is the sequence
 * number here) and AES-CBC its IVs (derived from the number), and the
 * receiver would accept old packets again.
 *
 * So such an SA keeps a mark in the port's store (tip_port_t.seq_load /
 * seq_store): outbound, the highest number it may have used; inbound, the
 * highest it may have accepted. A mark is written a step ahead
 * (TIP_SEQ_PERSIST_STEP, TIP_SEQ_PERSIST_STEP_IN), and durably, before any
 * number above the previous one is used or accepted; after a restart the
 * SA resumes above the mark. IKE's SAs have fresh keys and need none of it.
 */
#include "replay.h"
#include "tip_internal.h"

static void tip_seq_id(const tip_sa_t *sa, tip_sa_id_t *id)
{
    id->dir = sa->dir;
    id->spi = sa->spi;
    id->src = sa->src;
    id->dst = sa->dst;
}

int tip_seq_restore(tip_ctx_t *ctx, tip_sa_t *sa, const tip_sa_params_t *p)
{
    uint64_t start = p->seq_start, mark = 0;
    tip_sa_id_t id;
    int err;

    /* An inbound SA without the replay check accepts old packets anyway:
     * nothing to protect (sad.h says so), so it needs no store. */
    sa->seq_persist = !p->fresh_keys && (p->dir == TIP_DIR_OUT || !p->no_replay);
    if (sa->seq_persist) {
        if (ctx->port.seq_load == NULL || ctx->port.seq_store == NULL)
            return TIP_ERR_NO_SEQ_STORE;
        tip_seq_id(sa, &id);
        err = ctx->port.seq_load(ctx->port.arg, &id, &mark);
        if (err == TIP_ERR_NOT_FOUND)
            mark = 0; /* never used: a new SA */
        else if (err != TIP_OK)
            return TIP_ERR_SEQ_STORE;
        sa->seq_mark = mark;
        if (mark > start)
            start = mark;
    }
    /* A mark beyond the 32-bit space of a non-ESN SA leaves it exhausted
     * (outbound) or refusing everything (inbound): the safe way out. */
    if (p->dir == TIP_DIR_OUT)
        sa->seq = start;
    else if (p->no_replay)
        sa->replay.top = start; /* ESN inference starts in the right epoch */
    else if (start != 0)
        tip_replay_restore(&sa->replay, start);
    return TIP_OK;
}

int tip_seq_reserve(tip_ctx_t *ctx, tip_sa_t *sa, uint64_t seq)
{
    uint64_t max = sa->esn ? UINT64_MAX : (uint64_t)UINT32_MAX;
    uint64_t step = sa->dir == TIP_DIR_OUT ? (uint64_t)TIP_SEQ_PERSIST_STEP
                                           : (uint64_t)TIP_SEQ_PERSIST_STEP_IN;
    uint64_t mark;
    tip_sa_id_t id;

    if (!sa->seq_persist || seq <= sa->seq_mark)
        return TIP_OK;
    /* Cover seq and the step - 1 numbers after it with one write. */
    mark = max - seq < step - 1u ? max : seq + (step - 1u);
    tip_seq_id(sa, &id);
    if (ctx->port.seq_store(ctx->port.arg, &id, mark) != TIP_OK)
        return TIP_ERR_SEQ_STORE;
    sa->seq_mark = mark;
    return TIP_OK;
}
