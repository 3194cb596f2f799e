/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Helpers shared by the core modules: handles, events, drop counting.
 */
#ifndef TIP_INTERNAL_H
#define TIP_INTERNAL_H

#include "tinyipsec/tinyipsec.h"

/* Handle = (generation << 16) | (index + 1); 0 is never valid. */
static inline tip_handle_t tip_handle_make(unsigned idx, uint16_t gen)
{
    return ((tip_handle_t)gen << 16) | (tip_handle_t)(idx + 1u);
}

static inline unsigned tip_handle_idx(tip_handle_t h)
{
    return (unsigned)(h & 0xFFFFu) - 1u;
}

static inline uint16_t tip_handle_gen(tip_handle_t h)
{
    return (uint16_t)(h >> 16);
}

/** The SA behind @p h, or NULL (sets *err to TIP_ERR_NOT_FOUND / TIP_ERR_STALE). */
tip_sa_t *tip_sa_get(tip_ctx_t *ctx, tip_handle_t h, int *err);

/** Handle of SA slot @p sa. */
tip_handle_t tip_sa_handle(const tip_ctx_t *ctx, const tip_sa_t *sa);

/*
 * Events (the contract is in ctx.h at tip_event_cb_t). The core finishes
 * its own changes before it calls out, from copied values, and touches
 * nothing the callback may have changed afterwards: a packet path collects
 * its events in a batch and delivers them at its very end; loops over the
 * tables raise each event once that entry is done, and read the tables
 * afresh after it.
 */

/** An event about SA @p sa (none when NULL), copied out of the slot. */
void tip_event_make(const tip_ctx_t *ctx, tip_event_type_t type, const tip_sa_t *sa,
                    tip_handle_t policy, tip_event_t *ev);

/** Deliver a data-path event: to IKE first (acquires), then the application. */
void tip_event_emit(tip_ctx_t *ctx, const tip_event_t *ev);

/** Call the application's callback with @p ev (see ctx.h for the nesting rules). */
void tip_event_deliver(tip_ctx_t *ctx, const tip_event_t *ev);

/** 1 while an event callback of @p ctx is running (calls made from it). */
static inline int tip_in_callback(const tip_ctx_t *ctx)
{
    return ctx->cb_active != NULL;
}

/** Most events one packet raises (REKEY_NEEDED, SOFT_EXPIRED, HARD_EXPIRED). */
#define TIP_EV_BATCH 4

/** Events a packet path raises, delivered when it is done (tip_ev_flush()). */
typedef struct {
    unsigned n;
    tip_event_t ev[TIP_EV_BATCH];
} tip_ev_batch_t;

/** Add an event about @p sa (as tip_event_make()) to @p b. */
void tip_ev_note(const tip_ctx_t *ctx, tip_ev_batch_t *b, tip_event_type_t type,
                 const tip_sa_t *sa, tip_handle_t policy);

/** Deliver the events of @p b in order (the last thing a packet path does). */
void tip_ev_flush(tip_ctx_t *ctx, tip_ev_batch_t *b);

/**
 * The start of a public call that may record times: the context's clock
 * follows the port's (it never goes backwards), so that input processed
 * after a long sleep is processed at the current time.
 */
void tip_time_update(tip_ctx_t *ctx);

/** Count a drop on @p sa, or on the context when @p sa is NULL. */
static inline void tip_drop(tip_ctx_t *ctx, tip_sa_t *sa, tip_drop_t reason)
{
    if (sa != NULL)
        sa->stats.drops[reason] += sa->stats.drops[reason] != UINT32_MAX; /* saturates */
    else
        ctx->drops[reason]++;
}

/**
 * Account @p bytes of traffic on @p sa and apply byte/packet lifetimes
 * (RFC 4301 4.4.2.1); their events go into @p evs. Returns 0, or
 * TIP_ERR_LIFETIME when the hard limit was hit: the SA has then been
 * removed and must not be touched.
 */
int tip_sa_account(tip_ctx_t *ctx, tip_sa_t *sa, size_t bytes, tip_ev_batch_t *evs);

/** Check whether a packet of @p bytes would exceed the hard limits (no side effects). */
int tip_sa_over_hard(const tip_sa_t *sa, size_t bytes);

/** Remove SA slot @p sa (zeroize keys, unlink from the hash). */
void tip_sa_remove(tip_ctx_t *ctx, tip_sa_t *sa);

/** Find an outbound SA for PROTECT policy slot @p ps and flow @p flow. */
tip_sa_t *tip_sad_find_outbound(tip_ctx_t *ctx, tip_policy_slot_t *ps,
                                const tip_flow_t *flow);

struct tip_ip_info_s;

/** tip_flow_from_packet() for a packet tip_ip_parse() has already described. */
int tip_flow_from_ip(const uint8_t *pkt, const struct tip_ip_info_s *ip, tip_dir_t dir,
                     tip_flow_t *out);

/** The inbound SA for @p spi and destination @p dst (NULL: any), or NULL. */
tip_sa_t *tip_sad_lookup_in(const tip_ctx_t *ctx, uint32_t spi, const tip_addr_t *dst);

/** Inbound policy check of a decrypted packet against SA @p sa (RFC 4301 5.2). */
int tip_spd_check_inbound_sa(const tip_ctx_t *ctx, const tip_sa_t *sa,
                             const tip_flow_t *flow);

/**
 * Move a tunnel-mode policy's outer endpoints (MOBIKE, RFC 4555 3.9); a
 * transport-mode policy has none and is left alone.
 */
int tip_spd_set_tunnel(tip_ctx_t *ctx, tip_handle_t h, const tip_addr_t *local,
                       const tip_addr_t *remote);

/** 1 when two addresses are equal (family and bytes). */
int tip_addr_equal(const tip_addr_t *a, const tip_addr_t *b);

/** NAT-T keepalive timer: sends what is due. */
void tip_natt_poll(tip_ctx_t *ctx, uint64_t now);

/** ms from @p now to the next NAT-T keepalive, UINT64_MAX when none. */
uint64_t tip_natt_next(const tip_ctx_t *ctx, uint64_t now);

/**
 * Set up the sequence state of new SA @p sa from @p p: seq_start and, for
 * manual keys (not fresh_keys), the mark in the port's store (the higher
 * wins). TIP_ERR_NO_SEQ_STORE when manual keys need a store the port does
 * not have; TIP_ERR_SEQ_STORE when it cannot be read.
 */
int tip_seq_restore(tip_ctx_t *ctx, tip_sa_t *sa, const tip_sa_params_t *p);

/**
 * Before outbound SA @p sa uses sequence number @p seq, or inbound SA @p sa
 * accepts it: make sure the port's store holds a mark at or above it
 * (writing one a step ahead if not). 0, or TIP_ERR_SEQ_STORE (the packet
 * must then be dropped). No-op for SAs without a store.
 */
int tip_seq_reserve(tip_ctx_t *ctx, tip_sa_t *sa, uint64_t seq);

/** Log through the port, if it has a log hook. */
void tip_log(const tip_ctx_t *ctx, int level, const char *msg);

#endif /* TIP_INTERNAL_H */
