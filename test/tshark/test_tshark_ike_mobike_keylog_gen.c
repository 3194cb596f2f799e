/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Independent-decoder test of MOBIKE (RFC 4555), part 1 (built against
 * tinyipsec_keylog, the library with TIP_KEYLOG=1; see test/CMakeLists.txt).
 *
 * a (10.99.0.1) and b (10.99.0.2) set up an IKE SA and a CHILD SA, both
 * announcing MOBIKE_SUPPORTED in IKE_AUTH; then a's address becomes
 * 10.97.0.1: tip_ike_update_address() sends UPDATE_SA_ADDRESSES with fresh
 * NAT detection and a COOKIE2 from there, b answers with its NAT detection
 * and the COOKIE2 echoed, b checks the new address with a COOKIE2 of its own
 * (return routability) and a echoes it, and a sends one ESP datagram from
 * the new address.
 * Both sides use UDP encapsulation (force_encap): every frame is UDP.
 *
 *   OUTDIR/ike.pcap                  IKE_SA_INIT, IKE_AUTH, the two INFORMATIONAL
 *                                    exchanges, one ESP-in-UDP frame
 *   OUTDIR/ikev2_decryption_table    the key log's IKE SA line
 *   OUTDIR/esp_sa                    and ESP SA lines (with the addresses of
 *                                    the moment the SAs were made)
 *   OUTDIR/expected.txt              per frame: number, what it is
 *
 * test_tshark_ike_mobike.sh has tshark decrypt and dissect it.
 *
 * Usage: test_tshark_ike_mobike_keylog_gen OUTDIR
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_MOBIKE
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_pkt.h"
#include "tshark_keylog_world.h"

static int moved[2]; /* TIP_EV_IKE_MOVED seen by each node */

static void on_event(void *arg, const tip_event_t *ev)
{
    int who = (int)(intptr_t)arg;

    if (ev->type == TIP_EV_IKE_MOVED)
        moved[who]++;
}

static void conn_fill(tip_ike_conn_t *c, int who)
{
    static const char *const me[2] = {"10.99.0.1", "10.99.0.2"};
    static const char *const id[2] = {"a.test", "b.test"};
    static const char *const net[2] = {"10.1.0.0", "10.2.0.0"};
    tip_addr_t n;

    tip_ike_conn_init(c); /* AES-GCM-128 / SHA-256 / X25519, ESP AES-GCM-128 */
    c->local_addr = tip_test_addr(me[who]);
    c->remote_addr = tip_test_addr(me[!who]);
    if (tip_ike_id_set(&c->local_id, TIP_ID_FQDN, id[who]) != TIP_OK ||
        tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, id[!who]) != TIP_OK)
        DIE("identity");
    memcpy(c->psk, "tshark mobike test psk 0123456", 30);
    c->psk_len = 30;
    n = tip_test_addr(net[who]);
    (void)tip_addr_range_prefix(&c->ts.local, &n, 24);
    n = tip_test_addr(net[!who]);
    (void)tip_addr_range_prefix(&c->ts.remote, &n, 24);
    c->force_encap = 1; /* the world carries UDP only */
}

int main(int argc, char **argv)
{
    static uint8_t mem[2048];
    char path[1024];
    tip_port_t port;
    tip_ike_conn_t c;
    tip_ike_status_t st;
    tip_addr_t s, d, moved_to;
    tip_buf_t buf;
    int i;

    if (argc != 2)
        DIE("usage: test_tshark_ike_mobike_keylog_gen OUTDIR");
#define OPEN(var, name)                                                        \
    do {                                                                       \
        snprintf(path, sizeof(path), "%s/%s", argv[1], name);                  \
        var = fopen(path, "w");                                                \
        if (var == NULL)                                                       \
            DIE("cannot write %s", path);                                      \
    } while (0)
    OPEN(g_ike_tab, "ikev2_decryption_table");
    OPEN(g_esp_tab, "esp_sa");
    OPEN(g_expected, "expected.txt");
    snprintf(path, sizeof(path), "%s/ike.pcap", argv[1]);
    if (tip_pcap_open(&g_pcap, path) != TIP_OK)
        DIE("cannot write %s", path);

    for (i = 0; i < 2; i++) {
        tip_test_port_init(&g_port[i], 0x40b1u + (uint64_t)i, 1000);
        tip_test_port_fill(&g_port[i], &port);
        port.log = kl_log;
        if (tip_ctx_init(&g_ctx[i], &port) != TIP_OK)
            DIE("tip_ctx_init");
        tip_ctx_set_event_cb(&g_ctx[i], on_event, (void *)(intptr_t)i);
        conn_fill(&c, i);
        if (tip_ike_conn_add(&g_ctx[i], &c, &g_conn[i]) != TIP_OK)
            DIE("tip_ike_conn_add");
        g_addr[i] = c.local_addr;
    }

    if (tip_ike_initiate(&g_ctx[0], g_conn[0]) != TIP_OK)
        DIE("tip_ike_initiate");
    pump("handshake");
    for (i = 0; i < 2; i++)
        if (tip_ike_status(&g_ctx[i], g_conn[i], &st) != TIP_OK || !st.child_up ||
            !st.peer_mobike)
            DIE("node %d: CHILD SA not up, or no MOBIKE", i);
    tick(10);

    /* a moves: from now on the network knows it as 10.97.0.1 */
    moved_to = tip_test_addr("10.97.0.1");
    g_addr[0] = moved_to;
    if (tip_ike_update_address(&g_ctx[0], g_conn[0], &moved_to) != TIP_OK)
        DIE("tip_ike_update_address");
    pump("update-sa-addresses");
    if (moved[0] != 1 || moved[1] != 1)
        DIE("IKE_MOVED: a %d, b %d times, expected once each", moved[0], moved[1]);
    if (tip_ike_status(&g_ctx[1], g_conn[1], &st) != TIP_OK ||
        memcmp(st.peer_addr.addr, moved_to.addr, 4) != 0)
        DIE("b does not see a at 10.97.0.1");
    tick(10);

    s = tip_test_addr("10.1.0.1");
    d = tip_test_addr("10.2.0.1");
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    if (tip_test_pkt_udp(&buf, &s, &d, 40000, 40001, (const uint8_t *)"after the move", 14) !=
        TIP_OK)
        DIE("inner packet");
    if (tip_output(&g_ctx[0], &buf) != TIP_SENT)
        DIE("tip_output after the move");
    pump("esp-after-move");
    if (tip_pcap_close(&g_pcap) != TIP_OK || fclose(g_ike_tab) != 0 || fclose(g_esp_tab) != 0 ||
        fclose(g_expected) != 0)
        DIE("write failed");
    /* one IKE SA, one CHILD SA pair: nothing was renegotiated */
    if (g_ike_lines != 1 || g_esp_lines != 2)
        DIE("key log: %u IKE and %u ESP lines, expected 1 and 2", g_ike_lines, g_esp_lines);
    for (i = 0; i < 2; i++)
        tip_ctx_deinit(&g_ctx[i]);
    kl_forget();
    return 0;
}
