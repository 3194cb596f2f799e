/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A deterministic simulated network between two or more contexts, each on
 * its own test port and address: a packet goes to the node whose address is
 * its destination (nowhere when none has it), through the entry points a
 * real program would use (IKE via tip_ike_input, ESP-in-UDP and keepalives
 * via tip_input_udp, raw ESP via tip_input_ip), with optional loss,
 * duplication and reordering driven by a seeded generator. A node can be
 * cut off (down): what it sends and what is sent to it is lost.
 */
#ifndef TIP_SIM_H
#define TIP_SIM_H

#include "tinyipsec/tinyipsec.h"
#include "tip_test_port.h"

#define TIP_SIM_QUEUE 128
/** Most nodes one network joins. */
#define TIP_SIM_NODES 4

/** One end of the simulated link. */
typedef struct {
    tip_ctx_t *ctx;
    tip_test_port_t *port;
    tip_addr_t addr;        /**< this node's address */
    uint32_t consumed;      /**< packets of port taken so far */
    uint32_t rx_data;       /**< inner packets delivered to this node */
    uint32_t rx_ike;        /**< IKE messages given to tip_ike_input */
    uint32_t rx_dropped;    /**< input the core refused */
    uint8_t down;           /**< cut off: everything to and from it is lost */
    uint32_t rx_any;        /**< deliveries of any kind (tip_sim_sleep polls after them) */
    uint64_t wake_at;       /**< tip_sim_sleep: when its last tip_poll() said to poll again */
    size_t last_len;        /**< the last inner packet */
    uint8_t last[2048];
} tip_sim_node_t;

/** A packet in flight. */
typedef struct {
    uint8_t to;             /**< receiving node index */
    uint8_t from;           /**< sending node index */
    tip_test_sent_t pkt;
} tip_sim_pkt_t;

/** The network. Large: keep it static. */
typedef struct {
    tip_sim_node_t n[TIP_SIM_NODES];
    unsigned nodes;         /**< nodes joined (2 after tip_sim_init) */
    uint64_t now;
    uint64_t rng;
    unsigned loss_pct, dup_pct, reorder_pct;
    uint32_t sent, lost, duplicated, reordered;
    uint32_t unroutable;    /**< packets for an address no node has */
    unsigned queued;
    tip_sim_pkt_t q[TIP_SIM_QUEUE];
} tip_sim_t;

/** Join @p a and @p b (already initialised with their ports). Clock at the ports' time. */
void tip_sim_init(tip_sim_t *s, tip_ctx_t *a, tip_test_port_t *pa, const char *addr_a,
                  tip_ctx_t *b, tip_test_port_t *pb, const char *addr_b, uint64_t seed);

/**
 * Join one more node (context @p c on port @p p, address @p addr). Its
 * port's clock follows the network's. Returns its index.
 */
unsigned tip_sim_add(tip_sim_t *s, tip_ctx_t *c, tip_test_port_t *p, const char *addr);

/** Collect what every node sent and deliver it (impairments applied). Returns packets delivered. */
unsigned tip_sim_pump(tip_sim_t *s);

/** Advance time by @p ms in steps of @p step ms, polling every context and pumping. */
void tip_sim_run(tip_sim_t *s, uint64_t ms, uint64_t step);

/** Run until @p done(arg) is true or @p max_ms passed; returns 1 if done. */
int tip_sim_until(tip_sim_t *s, int (*done)(void *arg), void *arg, uint64_t max_ms);

/** What tip_sim_sleep() did. */
typedef struct {
    uint32_t polls_due;   /**< polls at the time the node's last tip_poll() returned */
    uint32_t polls_input; /**< polls right after the node received input */
    uint32_t wakeups;     /**< distinct times the clock stopped at */
    uint32_t spins;       /**< polls that returned 0 again at the same time (a poll that
                               leaves work due); more than 100 in a row stop the run */
} tip_sim_sleep_stats_t;

/**
 * Run the network for @p ms the way devices that sleep would: a node is
 * polled only at the time its last tip_poll() returned (never earlier) and
 * right after it received input (the contract asks for that: input may
 * schedule work); in between the clock jumps. Every node is polled first
 * at the current time (after the test's own API calls). Deliveries are
 * instant, as in tip_sim_pump(). @p st (may be NULL) is added to.
 */
void tip_sim_sleep(tip_sim_t *s, uint64_t ms, tip_sim_sleep_stats_t *st);

/**
 * A 100-byte UDP packet (ports 1000 -> 2000, payload bytes @p fill) from
 * host @p src behind @p from to host @p dst, handed to tip_output().
 * @return what tip_output() returned, or the error building the packet
 */
int tip_sim_send_udp(tip_ctx_t *from, const char *src, const char *dst, uint8_t fill);

#endif /* TIP_SIM_H */
