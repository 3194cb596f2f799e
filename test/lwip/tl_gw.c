/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * One side of the lwIP integration tests (see tl_gw.h).
 */
#include <stdio.h>
#include <string.h>

#include "lwip/ip4_addr.h"
#include "lwip/ip6_addr.h"
#include "lwip/pbuf.h"

#include "tl_gw.h"
#include "tl_link.h"

static uint8_t frame[2048];

/* What an IP payload of protocol @p proto at @p l4 (@p n bytes) is. */
static void classify_l4(tl_gw_t *g, unsigned proto, const uint8_t *l4, size_t n)
{
    if (proto == 50) {
        g->esp++;
    } else if (proto == 17 && n >= 12) {
        unsigned sport = (unsigned)l4[0] << 8 | l4[1];
        unsigned dport = (unsigned)l4[2] << 8 | l4[3];
        const uint8_t *d = l4 + 8;
        if (sport == 500 || dport == 500)
            g->ike++;
        else if ((sport == 4500 || dport == 4500) && (d[0] | d[1] | d[2] | d[3]) == 0)
            g->ike++;
        else if (sport == 4500 || dport == 4500)
            g->esp_udp++;
        else
            g->clear++;
    } else {
        g->clear++;
    }
}

static void classify(tl_gw_t *g, const uint8_t *p, size_t n)
{
    size_t hl;

    if (n >= 40 && (p[0] >> 4) == 6) {
        /* RFC 8200 4.5: the fragment header follows the fixed header here */
        if (p[6] == 44 && n >= 48) {
            g->frags++;
            if ((p[42] << 8 | p[43]) & 0xFFF8) /* offset != 0: counted with the first */
                return;
            classify_l4(g, p[40], p + 48, n - 48);
            return;
        }
        classify_l4(g, p[6], p + 40, n - 40);
        return;
    }
    if (n < 20 || (p[0] >> 4) != 4) {
        g->clear++;
        return;
    }
    hl = (size_t)(p[0] & 15) * 4;
    if ((p[6] & 0x3F) != 0 || p[7] != 0) {
        g->frags++;
        if ((p[6] & 0x1F) != 0 || p[7] != 0) /* not the first: counted with it */
            return;
    }
    if (n < hl) {
        g->clear++;
        return;
    }
    classify_l4(g, p[9], p + hl, n - hl);
}

static err_t link_send(struct netif *nif, struct pbuf *p)
{
    tl_gw_t *g = (tl_gw_t *)nif->state;
    u16_t n;

    if (p->tot_len > sizeof(frame))
        return ERR_BUF;
    n = pbuf_copy_partial(p, frame, p->tot_len, 0);
    classify(g, frame, n);
    return tl_link_send(g->fd, frame, n) == 0 ? ERR_OK : ERR_IF;
}

static err_t link_output(struct netif *nif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
    (void)ipaddr;
    return link_send(nif, p);
}

#if LWIP_IPV6
static err_t link_output6(struct netif *nif, struct pbuf *p, const ip6_addr_t *ipaddr)
{
    (void)ipaddr;
    return link_send(nif, p);
}

/* A preferred (no duplicate address detection) IPv6 address on @p nif. */
static int add_ip6(struct netif *nif, u32_t w0, u32_t w3)
{
    ip6_addr_t a;
    s8_t idx = -1;

    IP6_ADDR(&a, PP_HTONL(w0), 0, 0, PP_HTONL(w3));
    if (netif_add_ip6_address(nif, &a, &idx) != ERR_OK || idx < 0)
        return -1;
    netif_ip6_addr_set_state(nif, idx, IP6_ADDR_PREFERRED);
    return 0;
}
#endif

static err_t link_init(struct netif *nif)
{
    nif->name[0] = 'l';
    nif->name[1] = 'k';
    nif->output = link_output;
#if LWIP_IPV6
    nif->output_ip6 = link_output6;
#endif
    nif->flags = 0;
    return ERR_OK;
}

void tl_gw_link_input(tl_gw_t *g, const void *pkt, size_t len)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);

    if (p == NULL)
        return;
    if (pbuf_take(p, pkt, (u16_t)len) != ERR_OK || g->link.input(p, &g->link) != ERR_OK)
        pbuf_free(p);
}

static void on_event(void *arg, const tip_event_t *ev)
{
    tl_gw_t *g = arg;

    if (ev->type == TIP_EV_IKE_UP)
        g->ike_up++;
    else if (ev->type == TIP_EV_CHILD_UP)
        g->child_up++;
    else if (ev->type == TIP_EV_AUTH_FAILED || ev->type == TIP_EV_PROPOSAL_MISMATCH ||
             ev->type == TIP_EV_IKE_DOWN)
        fprintf(stderr, "side %c: %s (%d)\n", 'A' + g->side, tip_event_name(ev->type), ev->reason);
}

static void on_log(void *arg, int level, const char *msg)
{
    tl_gw_t *g = arg;
    if (level <= TIP_LOG_WARN)
        fprintf(stderr, "side %c: %s\n", 'A' + g->side, msg);
}

int tl_gw_start(tl_gw_t *g, int side, int fd, int flags, uint16_t link_mtu, netif_input_fn input)
{
    int plain_esp = (flags & TL_PLAIN_ESP) != 0, policy = (flags & TL_POLICY) != 0;
    int v6 = (flags & TL_V6) != 0;
    ip4_addr_t a, m, inner;
    tip_lwip_cfg_t cfg;
    tip_ike_conn_t c;
    tip_addr_t n;
    const char *me = side == TL_SIDE_A ? "192.0.2.1" : "192.0.2.2";
    const char *peer = side == TL_SIDE_A ? "192.0.2.2" : "192.0.2.1";
    const char *my_net = side == TL_SIDE_A ? "10.1.0.0" : "10.2.0.0";
    const char *peer_net = side == TL_SIDE_A ? "10.2.0.0" : "10.1.0.0";
    unsigned prefix = policy ? 32 : 16;
    tip_id_type_t id_type = TIP_ID_IPV4_ADDR;

#if !LWIP_IPV6
    if (v6)
        return -1;
#endif
    if (v6) {
        me = side == TL_SIDE_A ? "2001:db8::1" : "2001:db8::2";
        peer = side == TL_SIDE_A ? "2001:db8::2" : "2001:db8::1";
        my_net = side == TL_SIDE_A ? "fd01::" : "fd02::";
        peer_net = side == TL_SIDE_A ? "fd02::" : "fd01::";
        prefix = policy ? 128 : 64;
        id_type = TIP_ID_IPV6_ADDR;
    }

    memset(g, 0, sizeof(*g));
    g->side = side;
    g->fd = fd;
    IP4_ADDR(&a, 192, 0, 2, side == TL_SIDE_A ? 1 : 2);
    IP4_ADDR(&m, 255, 255, 255, 0);
    if (netif_add(&g->link, &a, &m, IP4_ADDR_ANY4, g, link_init, input) == NULL)
        return -1;
    g->link.mtu = link_mtu;
#if LWIP_IPV6 && LWIP_ND6_ALLOW_RA_UPDATES
    g->link.mtu6 = link_mtu; /* netif_add() took the MTU init() set: none */
#endif
#if LWIP_IPV6
    if (add_ip6(&g->link, 0x20010db8, side == TL_SIDE_A ? 1 : 2) != 0)
        return -1;
#endif
    netif_set_up(&g->link);
    netif_set_link_up(&g->link);

    tip_lwip_cfg_init(&cfg);
    cfg.random = tl_random;
    cfg.log = on_log;
    cfg.log_arg = g;
    cfg.esp_ip = (uint8_t)plain_esp;
    if (tip_lwip_init(&g->port, &g->ctx, &cfg) != TIP_OK)
        return -1;
    tip_ctx_set_event_cb(&g->ctx, on_event, g);

    if (policy) {
        if (tip_lwip_protect_netif(&g->port, &g->link) != TIP_OK)
            return -1;
        my_net = me;
        peer_net = peer;
    } else {
        IP4_ADDR(&inner, 10, side == TL_SIDE_A ? 1 : 2, 0, 1);
        IP4_ADDR(&m, 255, 0, 0, 0);
        /* Over an IPv6 link too small for the tunnel's packets, a tunnel
         * MTU above the largest inner packet: lwIP must not fragment a
         * packet on the tunnel netif whose ESP it then fragments again on
         * the link (port/lwip/README.md, IPv6) */
        uint16_t tun_mtu = v6 && link_mtu < 1400 ? 1440 : 1400;
        if (tip_lwip_tunnel_add(&g->port, &g->tun, &inner, &m, tun_mtu, input) != TIP_OK)
            return -1;
#if LWIP_IPV6
        /* fd0X::1 in the tunnel; lwIP routes what is not on a link's /64
         * to the default netif */
        if (v6) {
            if (add_ip6(&g->tun, side == TL_SIDE_A ? 0xfd010000 : 0xfd020000, 1) != 0)
                return -1;
            netif_set_default(&g->tun);
        }
#endif
    }

    tip_ike_conn_init(&c);
    if (tip_addr_parse(&c.local_addr, me) != TIP_OK || tip_addr_parse(&c.remote_addr, peer) != TIP_OK)
        return -1;
    if (tip_ike_id_set(&c.local_id, id_type, me) != TIP_OK ||
        tip_ike_id_set(&c.remote_id, id_type, peer) != TIP_OK)
        return -1;
    memcpy(c.psk, "lwIP integration test key", 25);
    c.psk_len = 25;
    if (tip_addr_parse(&n, my_net) != TIP_OK ||
        tip_addr_range_prefix(&c.ts.local, &n, prefix) != TIP_OK)
        return -1;
    if (tip_addr_parse(&n, peer_net) != TIP_OK ||
        tip_addr_range_prefix(&c.ts.remote, &n, prefix) != TIP_OK)
        return -1;
    if (policy)
        c.mode = TIP_MODE_TRANSPORT;
    c.force_encap = (uint8_t)!plain_esp;
    if (tip_ike_conn_add(&g->ctx, &c, &g->conn) != TIP_OK)
        return -1;
    tip_lwip_kick(&g->port);
    return 0;
}
