/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Two IKE peers on the simulated network, the world most simulation tests
 * start from: node A (10.99.0.1, identity a.test, protects 10.1.0.0/24)
 * initiates to node B (10.99.0.2, b.test, 10.2.0.0/24), each a context on
 * its own deterministic test port, with the events each raised counted.
 */
#ifndef TIP_SIM_PAIR_H
#define TIP_SIM_PAIR_H

#include <stdint.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_test_port.h"

/** The nodes' outer addresses, identities and protected networks (/24). */
extern const char *const tip_sim_pair_addr[2];
extern const char *const tip_sim_pair_id[2];
extern const char *const tip_sim_pair_net[2];

struct tip_sim_pair_s;

/** Where an event callback of node @p n goes (the callback's argument). */
typedef struct {
    struct tip_sim_pair_s *pair;
    int n;
} tip_sim_pair_node_t;

/** Changes a test makes to a standard connection before it is added. */
typedef void (*tip_sim_pair_tweak_t)(tip_ike_conn_t *k);

/** The two peers. Large: keep it static. */
typedef struct tip_sim_pair_s {
    tip_test_port_t port[2];
    tip_ctx_t ctx[2];
    tip_handle_t conn[2];             /**< the connections tip_sim_pair_add() added */
    tip_sim_t sim;
    int ev[2][TIP_EV_COUNT_];         /**< events raised per node and type */
    int ev_reason[2][TIP_EV_COUNT_];  /**< tip_event_t.reason of the last one */
    int ev_child[2][TIP_EV_COUNT_];   /**< tip_event_t.child of the last one */
    /**
     * 1: count only the events of conn[n] (not of other connections a test
     * adds). Set after tip_sim_pair_init() (it clears it).
     */
    int own_conn_only;
    /** Called after an event is counted (NULL: none); set after tip_sim_pair_init(). */
    void (*on_event)(int n, const tip_event_t *e);
    tip_sim_pair_node_t node[2];
} tip_sim_pair_t;

/**
 * Free both contexts of @p p (from an earlier test), then initialise them
 * on their ports (random seeds @p seed and @p seed + 1, clock at 1000 ms),
 * with the event counters cleared, and join them on the network (seed
 * @p seed) at their addresses. No connection yet.
 */
void tip_sim_pair_init(tip_sim_pair_t *p, uint64_t seed);

/** tip_sim_pair_init() with the nodes at @p addr_a and @p addr_b (e.g. IPv6). */
void tip_sim_pair_init_at(tip_sim_pair_t *p, uint64_t seed, const char *addr_a, const char *addr_b);

/**
 * Node @p n reboots: its context is freed and initialised again on its
 * port (whose random stream goes on: new SPIs; whose sequence-number
 * store survives, as flash would), with no connection; its event counters
 * go on.
 */
void tip_sim_pair_reboot(tip_sim_pair_t *p, int n);

/**
 * The standard PSK connection of node @p n (0 = A, 1 = B) to the other:
 * its address, identity and network against the other's.
 */
void tip_sim_pair_conn(tip_ike_conn_t *k, int n);

/**
 * Add @p ka to A and @p kb to B (conn[0], conn[1]); NULL: the standard
 * connection.
 */
void tip_sim_pair_add(tip_sim_pair_t *p, const tip_ike_conn_t *ka, const tip_ike_conn_t *kb);

/**
 * tip_sim_pair_init(), then the standard connections changed by @p ta
 * (A's) and @p tb (B's), either may be NULL, added.
 */
void tip_sim_pair_setup(tip_sim_pair_t *p, uint64_t seed, tip_sim_pair_tweak_t ta,
                        tip_sim_pair_tweak_t tb);

/** tip_sim_pair_init(), then tip_sim_pair_add() of @p ka and @p kb (NULL: standard). */
void tip_sim_pair_open(tip_sim_pair_t *p, uint64_t seed, const tip_ike_conn_t *ka,
                       const tip_ike_conn_t *kb);

/**
 * A UDP packet from host 10.1.0.5 behind A to 10.2.0.7 behind B arrives
 * (payload 0xAB), and one back (0xCD), through the CHILD SAs now.
 */
void tip_sim_pair_traffic(tip_sim_pair_t *p);

/** 1 when both connections have their CHILD SA up (for tip_sim_until(); @p arg is the pair). */
int tip_sim_pair_both_up(void *arg);

/** A initiates; both CHILD SAs must come up within @p max_ms. */
void tip_sim_pair_up(tip_sim_pair_t *p, uint64_t max_ms);

/** The first IKE SA of @p c in state ESTABLISHED, NULL when none. */
tip_ike_sa_t *tip_sim_pair_established(tip_ctx_t *c);

/** IKE SA slots of @p c in use (any state). */
unsigned tip_sim_pair_ike_sas(const tip_ctx_t *c);

/** Both contexts saw no illegal IKE SA state change (a teardown's check). */
void tip_sim_pair_check_transitions(const tip_sim_pair_t *p);

#endif /* TIP_SIM_PAIR_H */
