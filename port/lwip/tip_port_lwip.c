/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The lwIP port: tip_port_t on lwIP's raw API, the UDP receive paths, the
 * poll timeout, and the packet hand-over between pbufs and tip_buf_t.
 */
#include <string.h>

#include "lwip/ip.h"
#include "lwip/raw.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include "tip_lwip_internal.h"
#include "tip_lwipopts_check.h"

/* lwIP asserts sys_timeout() intervals up to LWIP_UINT32_MAX / 4 ms. */
#define TIP_LWIP_MAX_TIMEOUT_MS (0xFFFFFFFFu / 4u)

tip_lwip_t *tip_lwip_active;

void tip_lwip_assert_core_locked(const void *ctx)
{
    (void)ctx;
    LWIP_ASSERT_CORE_LOCKED();
}

void tip_lwip_addr_from_ip(tip_addr_t *out, const ip_addr_t *ip)
{
    memset(out, 0, sizeof(*out));
#if LWIP_IPV6
    if (IP_IS_V6(ip)) {
        out->family = TIP_AF_INET6;
        memcpy(out->addr, ip_2_ip6(ip)->addr, 16);
        return;
    }
#endif
    out->family = TIP_AF_INET;
    memcpy(out->addr, &ip_2_ip4(ip)->addr, 4);
}

int tip_lwip_addr_to_ip(ip_addr_t *out, const tip_addr_t *a)
{
    if (a->family == TIP_AF_INET) {
        ip_addr_set_zero_ip4(out);
        memcpy(&ip_2_ip4(out)->addr, a->addr, 4);
        return TIP_OK;
    }
#if LWIP_IPV6
    if (a->family == TIP_AF_INET6) {
        ip_addr_set_zero_ip6(out);
        memcpy(ip_2_ip6(out)->addr, a->addr, 16);
        return TIP_OK;
    }
#endif
    return TIP_ERR_ARG;
}

/* ---- tip_port_t ------------------------------------------------------------ */

static int port_send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                         uint16_t dport, const uint8_t *data, size_t len)
{
    tip_lwip_t *l = arg;
    struct udp_pcb *pcb = (sport == l->ike_port && l->pcb_ike != NULL) ? l->pcb_ike : l->pcb_natt;
    ip_addr_t to;
    struct pbuf *p;
    err_t err;

    (void)src; /* the pcbs are bound to any address: lwIP picks the route's */
    if (pcb == NULL || len > 0xFFFFu || tip_lwip_addr_to_ip(&to, dst) != TIP_OK)
        return TIP_ERR_PORT;
    /* The data stays valid during this call; lwIP copies a PBUF_REF pbuf
     * before queueing it (ARP), so no copy here. */
    p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_REF);
    if (p == NULL)
        return TIP_ERR_PORT;
    p->payload = (void *)(uintptr_t)data;
    l->sending = 1;
    err = udp_sendto(pcb, p, &to, dport);
    l->sending = 0;
    pbuf_free(p);
    return err == ERR_OK ? TIP_OK : TIP_ERR_PORT;
}

#if LWIP_RAW
static int port_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    tip_lwip_t *l = arg;
    tip_addr_t d;
    ip_addr_t to;
    struct pbuf *p;
    err_t err;

    if (l->pcb_esp == NULL || len < 20 || len > 0xFFFFu)
        return TIP_ERR_PORT;
    memset(&d, 0, sizeof(d));
    if ((pkt[0] >> 4) == 4) {
        d.family = TIP_AF_INET;
        memcpy(d.addr, pkt + 16, 4);
    } else if ((pkt[0] >> 4) == 6 && len >= 40) {
        d.family = TIP_AF_INET6;
        memcpy(d.addr, pkt + 24, 16);
    }
    if (tip_lwip_addr_to_ip(&to, &d) != TIP_OK)
        return TIP_ERR_PORT;
    if (tip_lwip_tx_owns(l, pkt, len)) {
        /* Built in the outbound pbuf itself (the tunnel netif's or the
         * protected netif's, tip_lwip_tx_owns()): send that pbuf, its window
         * moved onto the ESP packet. Its memory holds the packet and, in
         * front, the link header's room; lwIP may keep it queued (ARP), so
         * the window stays as sent. */
        p = l->tx_pbuf;
        l->tx_pbuf = NULL;
        if (pkt < (const uint8_t *)p->payload
                ? pbuf_add_header(p, (size_t)((const uint8_t *)p->payload - pkt)) != 0
                : pbuf_remove_header(p, (size_t)(pkt - (const uint8_t *)p->payload)) != 0)
            return TIP_ERR_PORT;
        p->len = p->tot_len = (u16_t)len;
        l->sending = 1;
        err = raw_sendto(l->pcb_esp, p, &to);
        l->sending = 0;
        return err == ERR_OK ? TIP_OK : TIP_ERR_PORT;
    }
    /* A copy, not a PBUF_REF of the packet: with the IP header in the data
     * (RAW_FLAGS_HDRINCL) lwIP adds no pbuf in front, so the link layer
     * (ethernet_output()) must find its header room in this one, which a
     * PBUF_REF does not have: every plain ESP packet would fail with ERR_BUF
     * on an Ethernet netif. */
    p = pbuf_alloc(PBUF_IP, (u16_t)len, PBUF_RAM);
    if (p == NULL)
        return TIP_ERR_PORT;
    if (pbuf_take(p, pkt, (u16_t)len) != ERR_OK) {
        pbuf_free(p);
        return TIP_ERR_PORT;
    }
    l->sending = 1;
    err = raw_sendto(l->pcb_esp, p, &to); /* RAW_FLAGS_HDRINCL: sent as it is */
    l->sending = 0;
    pbuf_free(p);
    return err == ERR_OK ? TIP_OK : TIP_ERR_PORT;
}
#endif

static uint64_t port_now_ms(void *arg)
{
    tip_lwip_t *l = arg;
    uint32_t t = sys_now();

    /* sys_now() wraps after 49.7 days; the core wants a 64-bit clock. */
    if (t < l->now_last)
        l->now_hi += (uint64_t)1 << 32;
    l->now_last = t;
    return l->now_hi + t;
}

static int port_random(void *arg, uint8_t *out, size_t len)
{
    tip_lwip_t *l = arg;
    return l->random(l->random_arg, out, len) == 0 ? TIP_OK : TIP_ERR_CRYPTO;
}

static void port_log(void *arg, int level, const char *msg)
{
    tip_lwip_t *l = arg;
    if (l->log != NULL)
        l->log(l->log_arg, level, msg);
}

static int port_seq_load(void *arg, const tip_sa_id_t *sa, uint64_t *mark)
{
    tip_lwip_t *l = arg;
    return l->seq_load(l->seq_arg, sa, mark);
}

static int port_seq_store(void *arg, const tip_sa_id_t *sa, uint64_t mark)
{
    tip_lwip_t *l = arg;
    return l->seq_store(l->seq_arg, sa, mark);
}

/* ---- the poll timeout --------------------------------------------------------- */

static void poll_timeout(void *arg)
{
    tip_lwip_t *l = arg;
    l->timer_armed = 0;
    tip_lwip_kick(l);
}

void tip_lwip_kick(tip_lwip_t *l)
{
    uint32_t next;

    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || l->ctx == NULL)
        return;
    if (l->in_poll)
        return; /* from an event callback inside tip_poll(): it re-arms below */
    l->in_poll = 1;
    next = tip_poll(l->ctx, port_now_ms(l));
    l->in_poll = 0;
    if (l->timer_armed) {
        sys_untimeout(poll_timeout, l);
        l->timer_armed = 0;
    }
    if (next == TIP_POLL_NONE)
        return; /* nothing scheduled: the device may sleep until input */
    if (next > TIP_LWIP_MAX_TIMEOUT_MS)
        next = TIP_LWIP_MAX_TIMEOUT_MS;
    sys_timeout(next, poll_timeout, l);
    l->timer_armed = 1;
}

/* ---- receiving ------------------------------------------------------------------ */

int tip_lwip_rx_buf(tip_lwip_t *l, struct pbuf *p, tip_buf_t *buf, size_t headroom)
{
    /* PBUF_ROM / PBUF_REF data is not the pbuf's own (it may be const):
     * never decrypt into it. */
    if (p->next == NULL && p->len == p->tot_len && p->type_internal != PBUF_ROM &&
        p->type_internal != PBUF_REF && pbuf_add_header(p, headroom) == 0) {
        buf->base = (uint8_t *)p->payload;
        buf->off = headroom;
        buf->len = p->tot_len - headroom;
        buf->cap = buf->off + buf->len;
        (void)pbuf_remove_header(p, headroom);
        l->in_place++;
        return 1;
    }
    if ((size_t)p->tot_len > sizeof(l->buf) - TIP_ESP_HEADROOM)
        return -1;
    buf->base = l->buf;
    buf->cap = sizeof(l->buf);
    buf->off = TIP_ESP_HEADROOM;
    buf->len = pbuf_copy_partial(p, l->buf + TIP_ESP_HEADROOM, p->tot_len, 0);
    l->copies++;
    return 0;
}

void tip_lwip_deliver(tip_lwip_t *l, struct pbuf *p, int in_place, const tip_buf_t *buf,
                      struct netif *inp)
{
    struct netif *to = l->tun != NULL ? l->tun : inp;
    struct pbuf *q;

    if (in_place) {
        /* The inner packet lies inside p: move p's window onto it. */
        uint8_t *start = buf->base + buf->off;
        uint8_t *cur = (uint8_t *)p->payload;
        if (start < cur)
            (void)pbuf_add_header(p, (size_t)(cur - start));
        else if (start > cur)
            (void)pbuf_remove_header(p, (size_t)(start - cur));
        pbuf_realloc(p, (u16_t)buf->len);
        q = p;
    } else {
        pbuf_free(p);
        q = pbuf_alloc(PBUF_RAW, (u16_t)buf->len, PBUF_POOL);
        if (q == NULL)
            return;
        if (pbuf_take(q, buf->base + buf->off, (u16_t)buf->len) != ERR_OK) {
            pbuf_free(q);
            return;
        }
    }
    if (to == NULL) {
        pbuf_free(q);
    } else if (to == l->tun) {
        if (to->input(q, to) != ERR_OK)
            pbuf_free(q);
    } else {
        /* Back into lwIP on the netif it came from, now (on tcpip_thread or
         * with the core lock: this is the port's receive path), marked so
         * that the inbound policy check of a protected netif lets it pass:
         * tinyipsec has checked it against the SA's policy. */
        l->delivering = 1;
        if (ip_input(q, to) != ERR_OK)
            pbuf_free(q);
        l->delivering = 0;
    }
}

void tip_lwip_rx_result(tip_lwip_t *l, int r, struct pbuf *p, int in_place, tip_buf_t *buf,
                        const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                        uint16_t dport, struct netif *inp)
{
    if (r == TIP_RX_DATA || r == TIP_RX_BYPASS) {
        tip_lwip_deliver(l, p, in_place, buf, inp);
    } else {
#if TIP_CONF_IKEV2
        if (r == TIP_RX_IKE)
            (void)tip_ike_input(l->ctx, src, sport, dst, dport, buf->base + buf->off, buf->len);
#else
        (void)src;
        (void)sport;
        (void)dst;
        (void)dport;
#endif
        if (r < 0)
            l->rx_dropped++;
        pbuf_free(p);
    }
    tip_lwip_kick(l);
}

static void udp_rx(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    tip_lwip_t *l = arg;
    tip_addr_t src, dst;
    tip_buf_t buf;
    int in_place, r;

    tip_lwip_addr_from_ip(&src, addr);
    tip_lwip_addr_from_ip(&dst, ip_current_dest_addr());
    /* The outer IP and UDP headers lie in front of the payload: room for
     * the header transport mode rebuilds there (tip_input_udp()). */
    in_place = tip_lwip_rx_buf(l, p, &buf, (src.family == TIP_AF_INET6 ? 40u : 20u) + 8u);
    if (in_place < 0) {
        l->rx_dropped++;
        pbuf_free(p);
        return;
    }
    if (pcb == l->pcb_ike)
        r = TIP_RX_IKE; /* port 500: IKE without the non-ESP marker */
    else
        r = tip_input_udp(l->ctx, &src, port, &dst, pcb->local_port, &buf);
    tip_lwip_rx_result(l, r, p, in_place, &buf, &src, port, &dst, pcb->local_port,
                       ip_current_input_netif());
}

/* ---- set-up ------------------------------------------------------------------------- */

void tip_lwip_cfg_init(tip_lwip_cfg_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ike_port = TIP_CONF_IKEV2 ? TIP_PORT_IKE : 0;
    cfg->natt_port = TIP_PORT_NATT;
}

static struct udp_pcb *udp_open(tip_lwip_t *l, uint16_t port)
{
#if LWIP_IPV6
    struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_ANY);
#else
    struct udp_pcb *pcb = udp_new();
#endif
    if (pcb == NULL)
        return NULL;
    if (udp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
        udp_remove(pcb);
        return NULL;
    }
    udp_recv(pcb, udp_rx, l);
    return pcb;
}

static void close_pcbs(tip_lwip_t *l)
{
    if (l->pcb_ike != NULL)
        udp_remove(l->pcb_ike);
    if (l->pcb_natt != NULL)
        udp_remove(l->pcb_natt);
#if LWIP_RAW
    if (l->pcb_esp != NULL)
        raw_remove(l->pcb_esp);
#endif
    l->pcb_ike = NULL;
    l->pcb_natt = NULL;
    l->pcb_esp = NULL;
}

int tip_lwip_init(tip_lwip_t *l, tip_ctx_t *ctx, const tip_lwip_cfg_t *cfg)
{
    tip_port_t port;
    int err;

    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || ctx == NULL || cfg == NULL || cfg->random == NULL || cfg->natt_port == 0 ||
        cfg->natt_port == cfg->ike_port || (cfg->seq_load == NULL) != (cfg->seq_store == NULL))
        return TIP_ERR_ARG;
    memset(l, 0, sizeof(*l));
    l->ctx = ctx;
    l->ike_port = cfg->ike_port;
    l->natt_port = cfg->natt_port;
    l->random = cfg->random;
    l->random_arg = cfg->random_arg;
    l->log = cfg->log;
    l->log_arg = cfg->log_arg;
    l->seq_load = cfg->seq_load;
    l->seq_store = cfg->seq_store;
    l->seq_arg = cfg->seq_arg;
    l->now_last = sys_now();

    l->pcb_natt = udp_open(l, cfg->natt_port);
    if (cfg->ike_port != 0)
        l->pcb_ike = udp_open(l, cfg->ike_port);
    if (l->pcb_natt == NULL || (cfg->ike_port != 0 && l->pcb_ike == NULL)) {
        close_pcbs(l);
        return TIP_ERR_PORT;
    }
    memset(&port, 0, sizeof(port));
    port.send_udp = port_send_udp;
    if (cfg->esp_ip) {
#if LWIP_RAW
#if LWIP_IPV6
        l->pcb_esp = raw_new_ip_type(IPADDR_TYPE_ANY, TIP_IPPROTO_ESP);
#else
        l->pcb_esp = raw_new(TIP_IPPROTO_ESP);
#endif
        if (l->pcb_esp == NULL) {
            close_pcbs(l);
            return TIP_ERR_PORT;
        }
        raw_setflags(l->pcb_esp, RAW_FLAGS_HDRINCL);
        tip_lwip_esp_raw_listen(l);
        port.send_ip = port_send_ip;
#else
        close_pcbs(l);
        return TIP_ERR_ARG;
#endif
    }
    port.now_ms = port_now_ms;
    port.random = port_random;
    port.log = port_log;
    if (cfg->seq_load != NULL) {
        port.seq_load = port_seq_load;
        port.seq_store = port_seq_store;
    }
    port.arg = l;
    err = tip_ctx_init(ctx, &port);
    if (err != TIP_OK) {
        close_pcbs(l);
        return err;
    }
    tip_lwip_active = l;
    tip_lwip_kick(l);
    return TIP_OK;
}

void tip_lwip_deinit(tip_lwip_t *l)
{
    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL)
        return;
    if (l->timer_armed)
        sys_untimeout(poll_timeout, l);
    l->timer_armed = 0;
    close_pcbs(l);
    if (l->tun != NULL)
        netif_remove(l->tun);
    l->tun = NULL;
    if (l->phys != NULL) {
        l->phys->output = l->phys_output;
#if LWIP_IPV6
        l->phys->output_ip6 = l->phys_output6;
#endif
    }
    l->phys = NULL;
    if (tip_lwip_active == l)
        tip_lwip_active = NULL;
    l->ctx = NULL;
}
