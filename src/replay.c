/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Anti-replay window, RFC 4303 3.4.3 with the bitmap layout of RFC 6479:
 * the bitmap is a ring of 32-bit blocks, one more than the window needs, so
 * advancing the window clears whole blocks instead of shifting bits.
 */
#include <string.h>

#include "replay.h"

#define TIP_BLOCK_BITS 32u
#define TIP_RING_BLOCKS ((uint64_t)TIP_REPLAY_WORDS)

void tip_replay_init(tip_replay_t *r, uint32_t window)
{
    memset(r, 0, sizeof(*r));
    if (window == 0 || window > TIP_REPLAY_WINDOW)
        window = TIP_REPLAY_WINDOW;
    if (window < 32)
        window = 32;
    r->window = window;
}

void tip_replay_restore(tip_replay_t *r, uint64_t top)
{
    uint64_t bit = top % (TIP_RING_BLOCKS * TIP_BLOCK_BITS);
    uint32_t above = (uint32_t)(bit % TIP_BLOCK_BITS) + 1u; /* bits 0..top in its block */
    uint64_t i;

    /* Everything in the window is "received"; but not the numbers above
     * top in top's own block: they are new, and the window does not clear
     * this block again when it moves up inside it. */
    for (i = 0; i < TIP_RING_BLOCKS; i++)
        r->bitmap[i] = 0xFFFFFFFFu;
    r->bitmap[bit / TIP_BLOCK_BITS] =
        above >= TIP_BLOCK_BITS ? 0xFFFFFFFFu : (uint32_t)((1u << above) - 1u);
    r->top = top;
}

uint64_t tip_replay_infer(const tip_replay_t *r, uint32_t seq_lo, int esn)
{
    uint32_t tl = (uint32_t)r->top;
    uint32_t th = (uint32_t)(r->top >> 32);
    uint32_t w = r->window;
    uint32_t bottom = tl - w + 1u; /* wraps on purpose (mod 2^32) */
    uint32_t sh;

    if (!esn)
        return seq_lo;
    /* RFC 4303 A2.2: decide whether seq_lo belongs to the current epoch
     * (Th), the next one (Th + 1) or the previous one (Th - 1). */
    if (tl >= w - 1u) {
        /* Window within one epoch. */
        sh = seq_lo >= bottom ? th : th + 1u;
    } else {
        /* Window spans two epochs. */
        sh = seq_lo >= bottom ? th - 1u : th;
    }
    if (sh == UINT32_MAX && th == 0) /* there is no epoch before 0 */
        sh = 0;
    /* False positive: a 32-bit value shifted by 32 in 64 bits is defined for
     * every sh; the analyzer loses the cast and shifts in 32 bits. */
    /* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
    return (uint64_t)sh << 32 | seq_lo;
}

int tip_replay_check(const tip_replay_t *r, uint64_t seq)
{
    uint64_t bit;

    /* Sequence number 0 is never sent (RFC 4303 3.3.3: the first packet
     * carries 1), except as a continuation of the 64-bit space. */
    if (seq == 0)
        return TIP_ERR_REPLAY;
    if (seq > r->top)
        return TIP_OK;
    if (r->top - seq >= r->window)
        return TIP_ERR_REPLAY;
    bit = seq % (TIP_RING_BLOCKS * TIP_BLOCK_BITS);
    if (r->bitmap[bit / TIP_BLOCK_BITS] & (1u << (bit % TIP_BLOCK_BITS)))
        return TIP_ERR_REPLAY;
    return TIP_OK;
}

/* RFC 6479: clear the blocks the window moves over (at most the whole
 * ring), then move the top to @p seq (> top). */
static void tip_replay_advance(tip_replay_t *r, uint64_t seq)
{
    uint64_t cur = r->top / TIP_BLOCK_BITS;
    uint64_t new_block = seq / TIP_BLOCK_BITS;
    uint64_t diff = new_block - cur;
    uint64_t i;

    if (diff > TIP_RING_BLOCKS)
        diff = TIP_RING_BLOCKS;
    for (i = 1; i <= diff; i++)
        r->bitmap[(cur + i) % TIP_RING_BLOCKS] = 0;
    r->top = seq;
}

void tip_replay_track(tip_replay_t *r, uint64_t seq)
{
    if (seq > r->top)
        tip_replay_advance(r, seq);
}

int tip_replay_update(tip_replay_t *r, uint64_t seq)
{
    uint64_t bit;

    if (tip_replay_check(r, seq) != TIP_OK)
        return TIP_ERR_REPLAY;
    if (seq > r->top)
        tip_replay_advance(r, seq);
    bit = seq % (TIP_RING_BLOCKS * TIP_BLOCK_BITS);
    r->bitmap[bit / TIP_BLOCK_BITS] |= 1u << (bit % TIP_BLOCK_BITS);
    return TIP_OK;
}
