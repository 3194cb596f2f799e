/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Anti-replay window (RFC 4303 3.4.3) with the shift-free bitmap of
 * RFC 6479 and the extended sequence number inference of RFC 4303
 * appendix A. The check and the update are separate: the window moves only
 * after the ICV has been verified.
 */
#ifndef TIP_REPLAY_H
#define TIP_REPLAY_H

#include <stdint.h>

#include "tinyipsec/ctx.h"

/** Start a window of @p window packets (capped to TIP_REPLAY_WINDOW, min 32). */
void tip_replay_init(tip_replay_t *r, uint32_t window);

/**
 * Start the window with its top at @p top and every number at or below it
 * counted as received (refused from now on): an SA that resumes where an
 * earlier one with the same keys stopped.
 */
void tip_replay_restore(tip_replay_t *r, uint64_t top);

/**
 * Infer the full 64-bit sequence number of a packet that carries the low 32
 * bits @p seq_lo (RFC 4303 A2.2). Without ESN the high half is 0.
 */
uint64_t tip_replay_infer(const tip_replay_t *r, uint32_t seq_lo, int esn);

/**
 * Pre-check (before the ICV): 0 if @p seq may be new, TIP_ERR_REPLAY if it
 * is a duplicate or left of the window. Changes nothing.
 */
int tip_replay_check(const tip_replay_t *r, uint64_t seq);

/**
 * Record @p seq as received (after the ICV verified). Re-checks, so a
 * duplicate that raced past the pre-check is still refused.
 */
int tip_replay_update(tip_replay_t *r, uint64_t seq);

/**
 * For an SA with the replay check off: move the window's top up to @p seq
 * (an authenticated, accepted packet) without refusing anything. With ESN
 * the receiver still needs the top to infer the high 32 bits (RFC 4303
 * 2.2.1, appendix A).
 */
void tip_replay_track(tip_replay_t *r, uint64_t seq);

#endif /* TIP_REPLAY_H */
