/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The world of the test_*_keylog_gen.c programs: two contexts (node 0 "a"
 * and node 1 "b") on the deterministic test port, joined directly; every
 * datagram is written to a pcap (with its expected-frames line) before it is
 * delivered, and the key log lines the library writes through the port's log
 * hook go to Wireshark's two tables, each line once.
 */
#ifndef TSHARK_KEYLOG_WORLD_H
#define TSHARK_KEYLOG_WORLD_H

#include <stdint.h>
#include <stdio.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_pcap.h"
#include "tip_test_port.h"

#if !TIP_KEYLOG
#error "build this against tinyipsec_keylog (TIP_KEYLOG=1)"
#endif

/** Print the message and exit(1). */
void kw_die(const char *fmt, ...);
#define DIE(...) kw_die(__VA_ARGS__)

extern tip_test_port_t g_port[2];
extern tip_ctx_t g_ctx[2];
extern tip_handle_t g_conn[2];
extern tip_addr_t g_addr[2];           /**< each node's address */
extern tip_pcap_t g_pcap;              /**< the capture every datagram goes to */
extern FILE *g_ike_tab, *g_esp_tab;    /**< ikev2_decryption_table, esp_sa */
extern FILE *g_expected;               /**< "frame label from->to ports length" lines */
extern unsigned g_ike_lines, g_esp_lines; /**< lines written to each table */
extern unsigned g_frame;               /**< frames captured */

/** The port's log hook: key log lines to their table, the rest to stderr
 *  when TIP_KEYLOG_GEN_VERBOSE is set. */
void kl_log(void *arg, int level, const char *msg);
/** Deliver everything either side sent until both are quiet; the frames
 *  are labelled @p label in g_expected. */
void pump(const char *label);
/** Free the remembered key log lines (at the end). */
void kl_forget(void);
/** Advance both nodes' clocks by @p ms and run their timers. */
void tick(uint64_t ms);

#endif /* TSHARK_KEYLOG_WORLD_H */
