/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The two-node world of the test_*_keylog_gen.c programs
 * (tshark_keylog_world.h).
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tshark_keylog_world.h"

void kw_die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "keylog gen: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(1);
}

tip_test_port_t g_port[2];
tip_ctx_t g_ctx[2];
tip_handle_t g_conn[2];
tip_addr_t g_addr[2];
tip_pcap_t g_pcap;
FILE *g_ike_tab, *g_esp_tab, *g_expected;
unsigned g_ike_lines, g_esp_lines;
static uint32_t g_consumed[2];
unsigned g_frame;
static const char *g_label = "";

/* ---- key log ------------------------------------------------------------------ */

#define MAX_LINES 64
static char *g_seen[MAX_LINES];
static unsigned g_nseen;

static int kl_once(const char *line)
{
    unsigned i;

    for (i = 0; i < g_nseen; i++)
        if (strcmp(g_seen[i], line) == 0)
            return 0;
    if (g_nseen == MAX_LINES)
        DIE("too many key log lines");
    g_seen[g_nseen] = strdup(line);
    if (g_seen[g_nseen] == NULL)
        DIE("out of memory");
    g_nseen++;
    return 1;
}

/* The port's log hook: key log lines go to their table file (both peers
 * log every SA; each line is written once), the rest to stderr. */
void kl_log(void *arg, int level, const char *msg)
{
    static const char ike[] = "keylog ikev2_decryption_table: ";
    static const char esp[] = "keylog esp_sa: ";

    (void)arg;
    if (msg == NULL)
        return;
    if (strncmp(msg, ike, sizeof(ike) - 1u) == 0) {
        if (kl_once(msg)) {
            fprintf(g_ike_tab, "%s\n", msg + sizeof(ike) - 1u);
            g_ike_lines++;
        }
    } else if (strncmp(msg, esp, sizeof(esp) - 1u) == 0) {
        if (kl_once(msg)) {
            fprintf(g_esp_tab, "%s\n", msg + sizeof(esp) - 1u);
            g_esp_lines++;
        }
    } else if (getenv("TIP_KEYLOG_GEN_VERBOSE") != NULL) {
        fprintf(stderr, "log[%d] %s\n", level, msg);
    }
}

/* ---- network -------------------------------------------------------------------- */

/* Write @p s (sent by node @p from) to the capture, then deliver it. */
static void deliver(int from, const tip_test_sent_t *s)
{
    static uint8_t mem[4096];
    int to = !from;
    tip_buf_t b;
    int r;

    if (s->kind != TIP_TEST_SENT_UDP)
        DIE("node %d sent a raw IP packet; expected UDP only (force_encap)", from);
    /* the test port records the src argument; the core always passes it */
    if (tip_pcap_write_udp(&g_pcap, &g_addr[from], s->sport, &s->dst, s->dport, s->data, s->len,
                           s->t_ms * 1000u) != TIP_OK)
        DIE("pcap write failed");
    g_frame++;
    fprintf(g_expected, "%u %s %c->%c %u->%u %zu\n", g_frame, g_label, from ? 'b' : 'a',
            to ? 'b' : 'a', s->sport, s->dport, s->len);
    if (s->dst.family != g_addr[to].family || memcmp(s->dst.addr, g_addr[to].addr, 16) != 0)
        DIE("frame %u: sent to the wrong address", g_frame);
    if (tip_test_port_to_buf(s, &b, mem, sizeof(mem), TIP_ESP_HEADROOM) != TIP_OK)
        DIE("frame %u does not fit", g_frame);
    if (s->dport == TIP_PORT_IKE) {
        r = TIP_RX_IKE;
    } else {
        r = tip_input_udp(&g_ctx[to], &g_addr[from], s->sport, &g_addr[to], s->dport, &b);
    }
    if (r == TIP_RX_IKE)
        r = tip_ike_input(&g_ctx[to], &g_addr[from], s->sport, &g_addr[to], s->dport,
                          b.base + b.off, b.len);
    if (r < 0)
        DIE("frame %u (%s) refused by %c: %s", g_frame, g_label, to ? 'b' : 'a', tip_strerror(r));
}

/* Deliver everything either side sent until both are quiet. */
void pump(const char *label)
{
    int moved = 1, i;

    g_label = label;
    while (moved) {
        moved = 0;
        for (i = 0; i < 2; i++) {
            while (g_consumed[i] < tip_test_port_count(&g_port[i])) {
                const tip_test_sent_t *s = tip_test_port_get(&g_port[i], g_consumed[i]++);
                if (s == NULL)
                    DIE("test port ring overrun");
                deliver(i, s);
                moved = 1;
            }
        }
    }
}

void tick(uint64_t ms)
{
    int i;

    for (i = 0; i < 2; i++) {
        tip_test_port_advance(&g_port[i], ms);
        (void)tip_poll(&g_ctx[i], g_port[i].now_ms);
    }
}

void kl_forget(void)
{
    unsigned i;

    for (i = 0; i < g_nseen; i++)
        free(g_seen[i]);
    g_nseen = 0;
}
