/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The tunnel netif (route-based, like a Linux VTI): what lwIP routes to it
 * goes through tip_output(); what tinyipsec decrypts comes back through its
 * input function (tip_lwip_deliver()).
 */
#include <string.h>

#include "lwip/dns.h"
#include "lwip/ip.h"
#include "lwip/netif.h"

#include "tip_lwip_internal.h"
#include "tip_lwipopts_check.h"

/*
 * One copy into the port's buffer: lwIP's pbufs do not record their
 * tailroom, and tip_output() needs TIP_ESP_HEADROOM and TIP_ESP_TAILROOM
 * around the packet in one piece.
 */
static err_t tun_send(struct netif *nif, struct pbuf *p)
{
    tip_lwip_t *l = (tip_lwip_t *)nif->state;
    tip_buf_t buf;
    int r;

    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || l->ctx == NULL)
        return ERR_IF;
    /* The outer packet must not be routed into the tunnel again (a route to
     * the peer through this netif): drop it instead of recursing. */
    if (l->sending)
        return ERR_RTE;
    if ((size_t)p->tot_len > sizeof(l->buf) - TIP_ESP_HEADROOM - TIP_ESP_TAILROOM)
        return ERR_BUF;
    buf.base = l->buf;
    buf.cap = sizeof(l->buf);
    buf.off = TIP_ESP_HEADROOM;
    buf.len = pbuf_copy_partial(p, l->buf + TIP_ESP_HEADROOM, p->tot_len, 0);
    l->copies++;
    r = tip_output(l->ctx, &buf);
    tip_lwip_kick(l);
    /* A packet without an SA (negotiation started), or refused by policy,
     * is dropped like on a lossy link (counted by the core): TCP
     * retransmits it. */
    (void)r;
    return ERR_OK;
}

static err_t tun_output4(struct netif *nif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
    (void)ipaddr;
    return tun_send(nif, p);
}

#if LWIP_IPV6
static err_t tun_output6(struct netif *nif, struct pbuf *p, const ip6_addr_t *ipaddr)
{
    (void)ipaddr;
    return tun_send(nif, p);
}
#endif

static err_t tun_init(struct netif *nif)
{
    nif->name[0] = 't';
    nif->name[1] = 'i';
    nif->output = tun_output4;
#if LWIP_IPV6
    nif->output_ip6 = tun_output6;
#endif
    nif->flags = 0; /* point-to-point: no ARP, no broadcast */
    return ERR_OK;
}

int tip_lwip_tunnel_add(tip_lwip_t *l, struct netif *nif, const ip4_addr_t *ip,
                        const ip4_addr_t *netmask, uint16_t mtu, netif_input_fn input)
{
    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || nif == NULL || ip == NULL || netmask == NULL || input == NULL || mtu < 576)
        return TIP_ERR_ARG;
    if (l->tun != NULL)
        return TIP_ERR_EXISTS;
    memset(nif, 0, sizeof(*nif));
    if (netif_add(nif, ip, netmask, IP4_ADDR_ANY4, l, tun_init, input) == NULL)
        return TIP_ERR_PORT;
    nif->mtu = mtu;
#if LWIP_IPV6 && LWIP_ND6_ALLOW_RA_UPDATES
    /* netif_add() copied the MTU tun_init() left (none) into the IPv6 MTU:
     * without this, IPv6 through the tunnel would never be fragmented */
    nif->mtu6 = mtu;
#endif
    l->tun = nif;
    netif_set_up(nif);
    netif_set_link_up(nif);
    return TIP_OK;
}

#if TIP_CONF_IKEV2
int tip_lwip_tunnel_set_vip(tip_lwip_t *l, const tip_ike_vip_t *vip)
{
    ip_addr_t a;
    int done = 0;

    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || vip == NULL)
        return TIP_ERR_ARG;
    if (l->tun == NULL)
        return TIP_ERR_NOT_FOUND;
    if (tip_lwip_addr_to_ip(&a, &vip->ip4) == TIP_OK) {
        ip4_addr_t host;
        IP4_ADDR(&host, 255, 255, 255, 255);
        /* The tunnel carries exactly this address (RFC 7296 2.19): /32. */
        netif_set_addr(l->tun, ip_2_ip4(&a), &host, IP4_ADDR_ANY4);
        done = 1;
    }
#if LWIP_IPV6
    if (tip_lwip_addr_to_ip(&a, &vip->ip6) == TIP_OK) {
        s8_t idx = -1;
        if (netif_add_ip6_address(l->tun, ip_2_ip6(&a), &idx) == ERR_OK && idx >= 0) {
            netif_ip6_addr_set_state(l->tun, idx, IP6_ADDR_PREFERRED);
            done = 1;
        }
    }
#endif
#if LWIP_DNS
    {
        u8_t i;
        for (i = 0; i < vip->dns_count && i < DNS_MAX_SERVERS; i++)
            if (tip_lwip_addr_to_ip(&a, &vip->dns[i]) == TIP_OK)
                dns_setserver(i, &a);
    }
#endif
    return done ? TIP_OK : TIP_ERR_NO_SA;
}
#endif /* TIP_CONF_IKEV2 */

/* ---- policy-based use: a physical netif whose traffic goes through the SPD ---- */

/*
 * What lwIP sends out of the protected netif goes through tip_output():
 * BYPASS leaves through the netif's own output, PROTECT as ESP (sent by
 * the port, whose own packets pass straight through), anything else is
 * dropped. The same copy as for the tunnel netif.
 */
static err_t policy_send(struct netif *nif, struct pbuf *p, int v6, const void *ipaddr)
{
    tip_lwip_t *l = tip_lwip_active;
    tip_buf_t buf;
    int r;

    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || l->phys != nif)
        return ERR_IF;
    if (!l->sending) {
        if ((size_t)p->tot_len > sizeof(l->buf) - TIP_ESP_HEADROOM - TIP_ESP_TAILROOM)
            return ERR_BUF;
        buf.base = l->buf;
        buf.cap = sizeof(l->buf);
        buf.off = TIP_ESP_HEADROOM;
        buf.len = pbuf_copy_partial(p, l->buf + TIP_ESP_HEADROOM, p->tot_len, 0);
        l->copies++;
        r = tip_output(l->ctx, &buf);
        tip_lwip_kick(l);
        if (r != TIP_BYPASS)
            return ERR_OK; /* sent as ESP, or dropped (counted by the core) */
    }
#if LWIP_IPV6
    if (v6)
        return l->phys_output6(nif, p, (const ip6_addr_t *)ipaddr);
#else
    (void)v6;
#endif
    return l->phys_output(nif, p, (const ip4_addr_t *)ipaddr);
}

static err_t policy_output4(struct netif *nif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
    return policy_send(nif, p, 0, ipaddr);
}

#if LWIP_IPV6
static err_t policy_output6(struct netif *nif, struct pbuf *p, const ip6_addr_t *ipaddr)
{
    return policy_send(nif, p, 1, ipaddr);
}
#endif

int tip_lwip_protect_netif(tip_lwip_t *l, struct netif *nif)
{
    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || nif == NULL || nif->output == NULL)
        return TIP_ERR_ARG;
    if (l->phys != NULL)
        return TIP_ERR_EXISTS;
    l->phys = nif;
    l->phys_output = nif->output;
    nif->output = policy_output4;
#if LWIP_IPV6
    l->phys_output6 = nif->output_ip6;
    if (nif->output_ip6 != NULL)
        nif->output_ip6 = policy_output6;
#endif
    return TIP_OK;
}
