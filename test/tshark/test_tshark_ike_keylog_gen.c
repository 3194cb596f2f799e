/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Independent-decoder test of a whole IKEv2 exchange, part 1 (built against
 * tinyipsec_keylog, the library with TIP_KEYLOG=1; see test/CMakeLists.txt).
 *
 * Two contexts, a (10.99.0.1, protects 10.1.0.0/24, initiator, force_encap)
 * and b (10.99.0.2, 10.2.0.0/24), on the deterministic test port, run:
 *   IKE_SA_INIT (UDP 500), IKE_AUTH (UDP 4500, non-ESP marker),
 *   ESP-in-UDP: an ICMP echo a->b and a UDP datagram b->a,
 *   CREATE_CHILD_SA (CHILD rekey by a) and the INFORMATIONAL deleting the
 *   old pair, ESP on the new pair both ways, and finally INFORMATIONAL
 *   Delete(IKE) from b.
 * IKE SA AES-GCM-128 / PRF-HMAC-SHA-256 / X25519, ESP AES-GCM-128 (Wireshark
 * 4.0 cannot decrypt ChaCha20-Poly1305).
 *
 *   OUTDIR/ike.pcap                  every datagram as an IPv4/UDP packet,
 *                                    with the ports it was sent on
 *   OUTDIR/ikev2_decryption_table    the key log's "ikev2_decryption_table"
 *   OUTDIR/esp_sa                    and "esp_sa" lines (each once)
 *   OUTDIR/expected.txt              per frame: number, what it is
 *
 * The key lines come from the library itself (src/ike/ike_keylog.c), through
 * the port's log hook, which this program replaces after
 * tip_test_port_fill(). test_tshark_ike_keylog.sh has tshark decrypt it all.
 *
 * Usage: test_tshark_ike_keylog_gen OUTDIR
 *
 * tip-requires: TIP_CONF_IKEV2
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

static void conn_fill(tip_ike_conn_t *c, int who)
{
    static const char *const me[2] = {"10.99.0.1", "10.99.0.2"};
    static const char *const id[2] = {"a.test", "b.test"};
    static const char *const net[2] = {"10.1.0.0", "10.2.0.0"};
    tip_addr_t n;

    tip_ike_conn_init(c); /* AES-GCM-128 / SHA-256 / X25519, ESP AES-GCM-128 */
    /* The frames checked here are whole messages, the same in every
     * build (test_tshark_ike_frag.sh checks fragments). */
    c->no_frag = 1;
    c->local_addr = tip_test_addr(me[who]);
    c->remote_addr = tip_test_addr(me[!who]);
    if (tip_ike_id_set(&c->local_id, TIP_ID_FQDN, id[who]) != TIP_OK ||
        tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, id[!who]) != TIP_OK)
        DIE("identity");
    memcpy(c->psk, "tshark keylog test psk 0123456789", 33);
    c->psk_len = 33;
    n = tip_test_addr(net[who]);
    (void)tip_addr_range_prefix(&c->ts.local, &n, 24);
    n = tip_test_addr(net[!who]);
    (void)tip_addr_range_prefix(&c->ts.remote, &n, 24);
    c->force_encap = who == 0; /* ESP in UDP 4500, IKE floats to 4500 */
}

/* An inner packet from a host behind @p from through its CHILD SA. */
static void traffic(int from, int icmp, uint16_t seq, const char *label)
{
    static uint8_t mem[2048];
    static const char *const host[2] = {"10.1.0.5", "10.2.0.7"};
    char text[64];
    tip_addr_t s = tip_test_addr(host[from]), d = tip_test_addr(host[!from]);
    tip_buf_t buf;
    int r;

    snprintf(text, sizeof(text), "tinyipsec keylog %s %u", label, seq);
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    if (icmp)
        r = tip_test_pkt_icmp_echo(&buf, &s, &d, 0x1234, seq, (const uint8_t *)text, strlen(text));
    else
        r = tip_test_pkt_udp(&buf, &s, &d, 40000, 40001, (const uint8_t *)text, strlen(text));
    if (r != TIP_OK)
        DIE("inner packet");
    r = tip_output(&g_ctx[from], &buf);
    if (r != TIP_SENT)
        DIE("tip_output (%s): %s", label, tip_strerror(r));
    pump(label);
}

static void expect_up(int rekeys)
{
    tip_ike_status_t st[2];
    int i;

    for (i = 0; i < 2; i++) {
        if (tip_ike_status(&g_ctx[i], g_conn[i], &st[i]) != TIP_OK || !st[i].ike_up ||
            !st[i].child_up || !st[i].natt)
            DIE("node %d: SA not up with NAT-T", i);
        if ((int)st[i].child_rekeys != rekeys)
            DIE("node %d: %u CHILD rekeys, expected %d", i, st[i].child_rekeys, rekeys);
    }
}

int main(int argc, char **argv)
{
    char path[1024];
    tip_port_t port;
    tip_ike_conn_t c;
    tip_ike_status_t st;
    int i;

    if (argc != 2)
        DIE("usage: test_tshark_ike_keylog_gen OUTDIR");
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
        tip_test_port_init(&g_port[i], 0x7e57u + (uint64_t)i, 1000);
        tip_test_port_fill(&g_port[i], &port);
        port.log = kl_log; /* the test port keeps only the last line */
        if (tip_ctx_init(&g_ctx[i], &port) != TIP_OK)
            DIE("tip_ctx_init");
        conn_fill(&c, i);
        if (tip_ike_conn_add(&g_ctx[i], &c, &g_conn[i]) != TIP_OK)
            DIE("tip_ike_conn_add");
        g_addr[i] = c.local_addr;
    }

    if (tip_ike_initiate(&g_ctx[0], g_conn[0]) != TIP_OK)
        DIE("tip_ike_initiate");
    pump("handshake");
    expect_up(0);
    tick(10);
    traffic(0, 1, 1, "esp-icmp-a-b");
    traffic(1, 0, 1, "esp-udp-b-a");
    tick(10);
    if (tip_ike_status(&g_ctx[0], g_conn[0], &st) != TIP_OK)
        DIE("status");
    if (tip_ike_rekey_child(&g_ctx[0], g_conn[0]) != TIP_OK)
        DIE("tip_ike_rekey_child");
    pump("child-rekey");
    expect_up(1);
    tick(10);
    traffic(0, 1, 2, "esp-icmp-a-b-rekeyed");
    traffic(1, 0, 2, "esp-udp-b-a-rekeyed");
    tick(10);
    if (tip_ike_terminate(&g_ctx[1], g_conn[1]) != TIP_OK)
        DIE("tip_ike_terminate");
    pump("delete-ike");
    for (i = 0; i < 2; i++) {
        if (tip_ike_status(&g_ctx[i], g_conn[i], &st) != TIP_OK || st.ike_up || st.child_up)
            DIE("node %d: still up after the delete", i);
        if (tip_sad_count(&g_ctx[i]) != 0)
            DIE("node %d: %u SAs left after the delete", i, tip_sad_count(&g_ctx[i]));
    }

    if (tip_pcap_close(&g_pcap) != TIP_OK || fclose(g_ike_tab) != 0 || fclose(g_esp_tab) != 0 ||
        fclose(g_expected) != 0)
        DIE("write failed");
    /* one IKE SA; two CHILD SA pairs, each logged for both directions */
    if (g_ike_lines != 1 || g_esp_lines != 4)
        DIE("key log: %u IKE and %u ESP lines, expected 1 and 4", g_ike_lines, g_esp_lines);
    printf("test_tshark_ike_keylog_gen: %u frames, %u IKE and %u ESP key lines in %s\n", g_frame,
           g_ike_lines, g_esp_lines, argv[1]);
    for (i = 0; i < 2; i++)
        tip_ctx_deinit(&g_ctx[i]);
    kl_forget();
    return 0;
}
