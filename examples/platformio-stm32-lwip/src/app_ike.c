/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device's IPsec tunnel (port/lwip): IKEv2 with a pre-shared key as
 * initiator towards one gateway, a tunnel netif as the default route, and
 * traffic through it: a UDP datagram to the echo host behind the gateway
 * every APP_IKE_INTERVAL_MS, checked when it comes back, a TCP exchange
 * once, and a CHILD SA rekey in the middle of the traffic when asked.
 */
#include "app_ike.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "tip_port_lwip.h"

#define APP_IKE_INTERVAL_MS 200u
#define APP_IKE_TCP_BYTES 4000u

static tip_ctx_t ike_ctx; /* static: the context holds every pool */
static tip_lwip_t ike_port;
static struct netif tun;
static tip_handle_t conn;
static struct udp_pcb *probe;
static app_ike_cfg_t cfg;
static app_ike_stats_t stats;
static uint32_t last_send;
static uint8_t rekey_asked;

/* TCP exchange state */
static struct tcp_pcb *tcp;
static uint32_t tcp_tx, tcp_got;
static uint8_t tcp_started;

static int ike_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    return board_random(out, len) == 0 ? 0 : -1;
}

static void ike_log(void *arg, int level, const char *msg)
{
    (void)arg;
    if (level <= TIP_LOG_WARN)
        printf("tinyipsec: %s\n", msg);
}

static void on_event(void *arg, const tip_event_t *ev)
{
    tip_ike_status_t s;

    (void)arg;
    (void)tip_ike_status(&ike_ctx, conn, &s);
    switch (ev->type) {
    case TIP_EV_IKE_UP:
        stats.ike_up++;
        printf("ike: IKE SA up (%s)\n", s.natt ? "UDP-encapsulated" : "plain ESP");
        break;
    case TIP_EV_CHILD_UP:
        stats.child_up++;
        printf("ike: CHILD SA up: ESP in 0x%08lx, out 0x%08lx\n", (unsigned long)s.child_spi_in,
               (unsigned long)s.child_spi_out);
        break;
    case TIP_EV_CHILD_REKEYED:
        stats.child_rekeyed++;
        printf("ike: CHILD SA rekeyed: ESP in 0x%08lx, out 0x%08lx\n", (unsigned long)s.child_spi_in,
               (unsigned long)s.child_spi_out);
        break;
    case TIP_EV_IKE_DOWN:
        if (ev->reason != 0) {
            stats.failed++;
            printf("ike: IKE SA failed: %s\n", tip_strerror(ev->reason));
        }
        break;
    default:
        break;
    }
}

/* datagram i: "tip <i>" padded with a pattern to APP_IKE_UDP_LEN bytes */
static void fill(uint8_t *p, size_t len, uint32_t i)
{
    size_t k;
    int n = snprintf((char *)p, len, "tip %lu ", (unsigned long)i);

    for (k = (size_t)n; k < len; k++)
        p[k] = (uint8_t)(k + i);
}

static void on_reply(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    uint8_t want[APP_IKE_UDP_LEN], got[APP_IKE_UDP_LEN];
    unsigned long i;

    (void)arg;
    (void)pcb;
    (void)addr;
    (void)port;
    if (p->tot_len == APP_IKE_UDP_LEN && pbuf_copy_partial(p, got, APP_IKE_UDP_LEN, 0) == APP_IKE_UDP_LEN &&
        sscanf((const char *)got, "tip %lu", &i) == 1) {
        fill(want, sizeof(want), (uint32_t)i);
        if (memcmp(want, got, sizeof(got)) == 0)
            stats.udp_replies++;
        else
            stats.udp_bad++;
    } else {
        stats.udp_bad++;
    }
    pbuf_free(p);
}

static err_t tcp_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    if (p == NULL || err != ERR_OK) {
        if (p != NULL)
            pbuf_free(p);
        (void)tcp_close(pcb);
        tcp = NULL;
        return ERR_OK;
    }
    {
        struct pbuf *q;
        for (q = p; q != NULL; q = q->next) {
            const uint8_t *d = q->payload;
            u16_t k;
            for (k = 0; k < q->len; k++, tcp_got++)
                if (d[k] != (uint8_t)(tcp_got * 7u))
                    stats.tcp_bad++;
        }
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    if (tcp_got >= APP_IKE_TCP_BYTES) {
        stats.tcp_ok = stats.tcp_bad == 0;
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        (void)tcp_close(pcb);
        tcp = NULL;
    }
    return ERR_OK;
}

static void tcp_push_more(struct tcp_pcb *pcb)
{
    uint8_t chunk[256];

    while (tcp_tx < APP_IKE_TCP_BYTES && tcp_sndbuf(pcb) >= sizeof(chunk)) {
        u16_t n = (u16_t)((APP_IKE_TCP_BYTES - tcp_tx) < sizeof(chunk) ? APP_IKE_TCP_BYTES - tcp_tx
                                                                         : sizeof(chunk));
        u16_t k;
        for (k = 0; k < n; k++)
            chunk[k] = (uint8_t)((tcp_tx + k) * 7u);
        if (tcp_write(pcb, chunk, n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        tcp_tx += n;
    }
    (void)tcp_output(pcb);
}

static err_t tcp_on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    (void)len;
    tcp_push_more(pcb);
    return ERR_OK;
}

static err_t tcp_on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK)
        return err;
    tcp_recv(pcb, tcp_on_recv);
    tcp_sent(pcb, tcp_on_sent);
    tcp_push_more(pcb);
    return ERR_OK;
}

static void tcp_on_err(void *arg, err_t err)
{
    (void)arg;
    printf("ike: TCP exchange failed (%d)\n", (int)err);
    tcp = NULL;
    stats.tcp_bad++;
}

static tip_addr_t tip_addr_of(const ip4_addr_t *a)
{
    tip_addr_t t;

    memset(&t, 0, sizeof(t));
    t.family = TIP_AF_INET;
    memcpy(t.addr, &a->addr, 4); /* ip4_addr_t holds network order */
    return t;
}

static int prefix_len(const ip4_addr_t *mask)
{
    uint32_t m = lwip_ntohl(mask->addr);
    int n = 0;

    while (m & 0x80000000u) {
        n++;
        m <<= 1;
    }
    return n;
}

int app_ike_start(struct netif *eth, const app_ike_cfg_t *c)
{
    tip_lwip_cfg_t pc;
    tip_ike_conn_t ic;
    tip_addr_t a;
    ip4_addr_t net;
    int err;

    cfg = *c;
    memset(&stats, 0, sizeof(stats));
    tip_lwip_cfg_init(&pc);
    pc.random = ike_random;
    pc.log = ike_log;
    pc.esp_ip = cfg.force_encap ? 0 : 1;
    err = tip_lwip_init(&ike_port, &ike_ctx, &pc);
    if (err != 0) {
        printf("ike: port: %s\n", tip_strerror(err));
        return err;
    }
    tip_ctx_set_event_cb(&ike_ctx, on_event, NULL);
    err = tip_lwip_tunnel_add(&ike_port, &tun, &cfg.tun_ip, &cfg.tun_mask, 1400, netif_input);
    if (err != 0) {
        printf("ike: tunnel netif: %s\n", tip_strerror(err));
        return err;
    }
    netif_set_default(&tun); /* everything off the LAN goes through the tunnel */

    tip_ike_conn_init(&ic); /* AES-128-GCM, PRF-HMAC-SHA256, Curve25519; ESP AES-128-GCM */
    ic.local_addr = tip_addr_of(netif_ip4_addr(eth));
    ic.remote_addr = tip_addr_of(&cfg.gateway);
    if (tip_ike_id_set(&ic.local_id, TIP_ID_FQDN, cfg.local_id) != 0 ||
        tip_ike_id_set(&ic.remote_id, TIP_ID_FQDN, cfg.remote_id) != 0 || strlen(cfg.psk) > sizeof(ic.psk))
        return TIP_ERR_ARG;
    memcpy(ic.psk, cfg.psk, strlen(cfg.psk));
    ic.psk_len = (uint8_t)strlen(cfg.psk);
    ip4_addr_set_u32(&net, ip4_addr_get_u32(&cfg.tun_ip) & ip4_addr_get_u32(&cfg.tun_mask));
    a = tip_addr_of(&net);
    if (tip_addr_range_prefix(&ic.ts.local, &a, prefix_len(&cfg.tun_mask)) != 0)
        return TIP_ERR_ARG;
    a = tip_addr_of(&cfg.remote_net);
    if (tip_addr_range_prefix(&ic.ts.remote, &a, prefix_len(&cfg.remote_mask)) != 0)
        return TIP_ERR_ARG;
    ic.force_encap = cfg.force_encap;
    ic.retransmit_ms = 500;
    err = tip_ike_conn_add(&ike_ctx, &ic, &conn);
    if (err == 0)
        err = tip_ike_initiate(&ike_ctx, conn);
    tip_lwip_kick(&ike_port);
    if (err != 0) {
        printf("ike: connection: %s\n", tip_strerror(err));
        return err;
    }
    probe = udp_new();
    if (probe == NULL || udp_bind(probe, IP_ANY_TYPE, 0) != ERR_OK)
        return TIP_ERR_PORT;
    udp_recv(probe, on_reply, NULL);
    printf("ike: initiating to %s\n", ip4addr_ntoa(&cfg.gateway));
    return 0;
}

void app_ike_poll(void)
{
    uint8_t msg[APP_IKE_UDP_LEN];
    struct pbuf *p;
    ip_addr_t dst;

    if (stats.child_up == 0 || stats.udp_sent >= cfg.udp_count)
        return;
    if (board_now_ms() - last_send < APP_IKE_INTERVAL_MS)
        return;
    last_send = board_now_ms();
    fill(msg, sizeof(msg), stats.udp_sent);
    /* PBUF_POOL: one pool element, whose end the port knows, so that it
     * protects the datagram in place (PBUF_LINK_ENCAPSULATION_HLEN gives
     * the room in front); a PBUF_RAM pbuf would be copied once. */
    p = pbuf_alloc(PBUF_TRANSPORT, sizeof(msg), PBUF_POOL);
    if (p == NULL)
        return;
    (void)pbuf_take(p, msg, sizeof(msg));
    ip_addr_copy_from_ip4(dst, cfg.echo_host);
    if (udp_sendto(probe, p, &dst, 7) == ERR_OK)
        stats.udp_sent++;
    pbuf_free(p);
    /* rekey the CHILD SA with traffic in flight, once, half-way */
    if (cfg.rekey && !rekey_asked && stats.udp_sent == cfg.udp_count / 2) {
        rekey_asked = 1;
        if (tip_ike_rekey_child(&ike_ctx, conn) == 0)
            printf("ike: CHILD SA rekey started after %lu datagrams\n", (unsigned long)stats.udp_sent);
        tip_lwip_kick(&ike_port);
    }
    if (cfg.tcp && !tcp_started && stats.udp_sent >= 2) {
        tcp_started = 1;
        tcp = tcp_new();
        if (tcp != NULL) {
            tcp_err(tcp, tcp_on_err);
            if (tcp_connect(tcp, &dst, 7, tcp_on_connected) != ERR_OK)
                stats.tcp_bad++;
        }
    }
}

int app_ike_done(void)
{
    return stats.udp_sent >= cfg.udp_count && stats.udp_replies + stats.udp_bad >= cfg.udp_count &&
           (!cfg.tcp || stats.tcp_ok || stats.tcp_bad) &&
           (!cfg.rekey || stats.child_rekeyed > 0 || stats.failed);
}

const app_ike_stats_t *app_ike_stats(void)
{
    return &stats;
}

void app_ike_report(void)
{
    int r;

    printf("ike: port: %lu packets protected in place, %lu copied to be protected; "
           "%lu packets decrypted in place, %lu copied in all, %lu refused\n",
           (unsigned long)ike_port.tx_in_place, (unsigned long)ike_port.tx_copies,
           (unsigned long)ike_port.in_place, (unsigned long)ike_port.copies,
           (unsigned long)ike_port.rx_dropped);
    tip_ike_status_t st;
    tip_sa_stats_t sa;

    if (tip_ike_status(&ike_ctx, conn, &st) == 0 && st.child_up) {
        const tip_handle_t h[2] = {st.child_out, st.child_in};
        int i;

        for (i = 0; i < 2; i++) {
            if (tip_sad_stats(&ike_ctx, h[i], &sa) != 0)
                continue;
            printf("ike: CHILD SA %s: %lu packets, %lu bytes\n", i == 0 ? "out" : "in",
                   (unsigned long)sa.packets, (unsigned long)sa.bytes);
            for (r = 0; r < TIP_DROP_COUNT; r++)
                if (sa.drops[r] != 0)
                    printf("ike:   dropped: %s: %lu\n", tip_drop_name((tip_drop_t)r),
                           (unsigned long)sa.drops[r]);
        }
    }
    for (r = 0; r < TIP_DROP_COUNT; r++)
        if (tip_ctx_drops(&ike_ctx, (tip_drop_t)r) != 0)
            printf("ike: dropped (no SA to count on): %s: %lu\n", tip_drop_name((tip_drop_t)r),
                   (unsigned long)tip_ctx_drops(&ike_ctx, (tip_drop_t)r));
}
