/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A wire driven by hand between the two first nodes of a simulated
 * network (tip_sim.h): what the contexts send is queued in order, and the
 * test delivers, drops or holds each datagram itself, so that requests
 * cross, responses get lost or a Delete overtakes a response exactly as
 * the test wants. Its read position is the network's (sim->n[i].consumed):
 * the test can hand the wire back to the network at any time.
 */
#ifndef TIP_WIRE_H
#define TIP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "tip_sim.h"
#include "tip_test_port.h"

#define TIP_WIRE_MAX 32

/** The wire (keep it static: it holds its datagrams). */
typedef struct {
    tip_sim_t *sim;
    unsigned n;                 /**< datagrams on the wire */
    struct {
        int from;               /**< the sending node (0 or 1) */
        tip_test_sent_t pkt;
    } q[TIP_WIRE_MAX];
} tip_wire_t;

/** Start an empty wire on @p sim's nodes 0 and 1, reading from where the network is. */
void tip_wire_init(tip_wire_t *w, tip_sim_t *sim);
/** Take what the two contexts sent since onto the wire (in order, nothing lost). */
void tip_wire_collect(tip_wire_t *w);
/**
 * The first IKE request (@p response 0) or response of exchange @p exch
 * from node @p from on the wire: its index (the test fails if there is none).
 */
unsigned tip_wire_find(tip_wire_t *w, int from, uint8_t exch, int response);
/** Remove datagram @p i from the wire (lost). */
void tip_wire_take(tip_wire_t *w, unsigned i);
/** Deliver datagram @p i to the other node; returns what tip_ike_input() said. */
int tip_wire_deliver(tip_wire_t *w, unsigned i);
/** Advance the network's clock and both ports' by @p ms and poll (retransmissions queue up). */
void tip_wire_tick(tip_wire_t *w, uint64_t ms);
/**
 * Deliver everything on the wire in order (each must be taken, TIP_OK,
 * when @p strict), then let the simulated network run for @p ms.
 */
void tip_wire_settle(tip_wire_t *w, uint64_t ms, int strict);

#endif /* TIP_WIRE_H */
