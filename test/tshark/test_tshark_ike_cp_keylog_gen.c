/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Independent-decoder test of the configuration payload, part 1 (built
 * against tinyipsec_keylog, the library with TIP_KEYLOG=1; see
 * test/CMakeLists.txt).
 *
 * Road warrior a (10.99.0.1, force_encap) asks gateway b (10.99.0.2,
 * protects 10.2.0.0/24) for an IPv4 and an IPv6 address and DNS servers
 * (CP(CFG_REQUEST) in IKE_AUTH); b answers from its pool 10.3.0.10.. with
 * DNS 10.2.0.53 (CP(CFG_REPLY)), and a sends a UDP datagram from its new
 * address through the CHILD SA.
 *
 *   OUTDIR/ike.pcap                  IKE_SA_INIT, IKE_AUTH, one ESP-in-UDP frame
 *   OUTDIR/ikev2_decryption_table    the key log's IKE SA line
 *   OUTDIR/esp_sa                    and ESP SA lines
 *   OUTDIR/expected.txt              per frame: number, what it is
 *
 * test_tshark_ike_cp.sh has tshark decrypt and dissect it.
 *
 * Usage: test_tshark_ike_cp_keylog_gen OUTDIR
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_CP
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
    tip_addr_t n;

    tip_ike_conn_init(c); /* AES-GCM-128 / SHA-256 / X25519, ESP AES-GCM-128 */
    c->local_addr = tip_test_addr(me[who]);
    c->remote_addr = tip_test_addr(me[!who]);
    if (tip_ike_id_set(&c->local_id, TIP_ID_FQDN, id[who]) != TIP_OK ||
        tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, id[!who]) != TIP_OK)
        DIE("identity");
    memcpy(c->psk, "tshark cp test psk 0123456789", 29);
    c->psk_len = 29;
    if (who == 0) {
        /* our side: any, until the address comes */
        c->vip_request = TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6 | TIP_IKE_VIP_DNS;
        n = tip_test_addr("10.2.0.0");
        (void)tip_addr_range_prefix(&c->ts.remote, &n, 24);
        c->force_encap = 1;
    } else {
        n = tip_test_addr("10.2.0.0");
        (void)tip_addr_range_prefix(&c->ts.local, &n, 24);
        n = tip_test_addr("10.3.0.0");
        (void)tip_addr_range_prefix(&c->ts.remote, &n, 24);
    }
}

int main(int argc, char **argv)
{
    static uint8_t mem[2048];
    char path[1024];
    tip_port_t port;
    tip_ike_conn_t c;
    tip_ike_pool_cfg_t pool;
    tip_ike_status_t st;
    tip_ike_vip_t vip;
    tip_addr_t s, d;
    tip_buf_t buf;
    int i;

    if (argc != 2)
        DIE("usage: test_tshark_ike_cp_keylog_gen OUTDIR");
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
        tip_test_port_init(&g_port[i], 0xc0f9u + (uint64_t)i, 1000);
        tip_test_port_fill(&g_port[i], &port);
        port.log = kl_log;
        if (tip_ctx_init(&g_ctx[i], &port) != TIP_OK)
            DIE("tip_ctx_init");
        conn_fill(&c, i);
        if (i == 1) {
            memset(&pool, 0, sizeof(pool));
            pool.start = tip_test_addr("10.3.0.10");
            pool.count = 8;
            pool.dns[0] = tip_test_addr("10.2.0.53");
            pool.dns_count = 1;
            if (tip_ike_pool_add(&g_ctx[i], &pool, &c.vip_pool) != TIP_OK)
                DIE("tip_ike_pool_add");
        }
        if (tip_ike_conn_add(&g_ctx[i], &c, &g_conn[i]) != TIP_OK)
            DIE("tip_ike_conn_add");
        g_addr[i] = c.local_addr;
    }

    if (tip_ike_initiate(&g_ctx[0], g_conn[0]) != TIP_OK)
        DIE("tip_ike_initiate");
    pump("handshake");
    for (i = 0; i < 2; i++)
        if (tip_ike_status(&g_ctx[i], g_conn[i], &st) != TIP_OK || !st.child_up)
            DIE("node %d: CHILD SA not up", i);
    if (tip_ike_vip_get(&g_ctx[0], g_conn[0], &vip) != TIP_OK || vip.ip4.family != TIP_AF_INET)
        DIE("no virtual address");
    tick(10);
    s = vip.ip4;
    d = tip_test_addr("10.2.0.7");
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    if (tip_test_pkt_udp(&buf, &s, &d, 40000, 40001, (const uint8_t *)"from the virtual address",
                         24) != TIP_OK)
        DIE("inner packet");
    if (tip_output(&g_ctx[0], &buf) != TIP_SENT)
        DIE("tip_output from the virtual address");
    pump("esp-from-vip");
    if (tip_pcap_close(&g_pcap) != TIP_OK || fclose(g_ike_tab) != 0 || fclose(g_esp_tab) != 0 ||
        fclose(g_expected) != 0)
        DIE("write failed");
    /* one IKE SA, one CHILD SA pair */
    if (g_ike_lines != 1 || g_esp_lines != 2)
        DIE("key log: %u IKE and %u ESP lines, expected 1 and 2", g_ike_lines, g_esp_lines);
    for (i = 0; i < 2; i++)
        tip_ctx_deinit(&g_ctx[i]);
    kl_forget();
    return 0;
}
