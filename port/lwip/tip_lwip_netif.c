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
 * Where an outbound pbuf's memory ends. lwIP records no tailroom, but a
 * PBUF_POOL pbuf is one element of MEMP_PBUF_POOL: the pbuf structure and
 * PBUF_POOL_BUFSIZE bytes, each rounded up to MEM_ALIGNMENT
 * (LWIP_PBUF_MEMPOOL in lwip/priv/memp_std.h, lwIP 2.1 and 2.2). A
 * PBUF_RAM pbuf comes from mem_malloc(), whose block size lwIP does not
 * expose, and custom pbufs are the application's memory: for those the
 * end is unknown (NULL).
 */
static const uint8_t *pbuf_mem_end(const struct pbuf *p)
{
    if (pbuf_get_allocsrc(p) != PBUF_TYPE_ALLOC_SRC_MASK_STD_MEMP_PBUF_POOL ||
        (p->flags & PBUF_FLAG_IS_CUSTOM) != 0)
        return NULL;
    return (const uint8_t *)p + LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf)) +
           LWIP_MEM_ALIGN_SIZE(PBUF_POOL_BUFSIZE);
}

int tip_lwip_tx_owns(const tip_lwip_t *l, const uint8_t *pkt, size_t len)
{
    const struct pbuf *p = l->tx_pbuf;
    const uint8_t *end;

    if (p == NULL || (end = pbuf_mem_end(p)) == NULL)
        return 0;
    return pkt >= (const uint8_t *)p + LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf)) && pkt < end &&
           len <= (size_t)(end - pkt);
}

/*
 * Make @p buf describe the outbound packet in @p p for tip_output().
 *
 * In place when p is one piece (no chain), nobody else holds a reference
 * to it (p->ref == 1: a queued or retransmittable copy would see the
 * ciphertext), its memory's end is known (pbuf_mem_end()) with
 * TIP_ESP_TAILROOM bytes after the data, and TIP_LWIP_TX_HEADROOM bytes
 * lie in front of it inside the pbuf (pbuf_add_header() succeeds only
 * there). lwIP reserves PBUF_LINK_ENCAPSULATION_HLEN in front of what it
 * allocates for sending; set it to TIP_ESP_HEADROOM for this. The ESP
 * packet is then built and sent from p's memory (tip_lwip_tx_owns()).
 *
 * Otherwise one copy into the port's buffer. Returns 1 in place, 0
 * copied, -1 when the packet does not fit the buffer.
 */
static int tx_buf(tip_lwip_t *l, struct pbuf *p, tip_buf_t *buf)
{
    const uint8_t *end = pbuf_mem_end(p);

    if (p->next == NULL && p->len == p->tot_len && p->ref == 1 && end != NULL &&
        (const uint8_t *)p->payload + p->len <= end &&
        (size_t)(end - ((const uint8_t *)p->payload + p->len)) >= TIP_ESP_TAILROOM &&
        pbuf_add_header(p, TIP_LWIP_TX_HEADROOM) == 0) {
        (void)pbuf_remove_header(p, TIP_LWIP_TX_HEADROOM);
        /* the link header's room stays in front of base */
        buf->base = (uint8_t *)p->payload - TIP_ESP_HEADROOM;
        buf->off = TIP_ESP_HEADROOM;
        buf->len = p->len;
        buf->cap = TIP_ESP_HEADROOM + (size_t)p->len + TIP_ESP_TAILROOM;
        l->tx_pbuf = p;
        l->tx_in_place++;
        return 1;
    }
    if ((size_t)p->tot_len > sizeof(l->buf) - TIP_ESP_HEADROOM - TIP_ESP_TAILROOM)
        return -1;
    buf->base = l->buf;
    buf->cap = sizeof(l->buf);
    buf->off = TIP_ESP_HEADROOM;
    buf->len = pbuf_copy_partial(p, l->buf + TIP_ESP_HEADROOM, p->tot_len, 0);
    l->copies++;
    l->tx_copies++;
    return 0;
}

/* tip_output() on @p p, in place or copied (tx_buf()); TIP_ERR_BUF_SPACE when too large. */
static int tx_protect(tip_lwip_t *l, struct pbuf *p)
{
    tip_buf_t buf;
    int r;

    if (tx_buf(l, p, &buf) < 0)
        return TIP_ERR_BUF_SPACE;
    r = tip_output(l->ctx, &buf);
    l->tx_pbuf = NULL;
    tip_lwip_kick(l);
    return r;
}

static err_t tun_send(struct netif *nif, struct pbuf *p)
{
    tip_lwip_t *l = (tip_lwip_t *)nif->state;

    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || l->ctx == NULL)
        return ERR_IF;
    /* The outer packet must not be routed into the tunnel again (a route to
     * the peer through this netif): drop it instead of recursing. */
    if (l->sending)
        return ERR_RTE;
    /* A packet without an SA (negotiation started), or refused by policy,
     * is dropped like on a lossy link (counted by the core): TCP
     * retransmits it. */
    if (tx_protect(l, p) == TIP_ERR_BUF_SPACE)
        return ERR_BUF;
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
 * dropped. In place or copied as for the tunnel netif.
 */
static err_t policy_send(struct netif *nif, struct pbuf *p, int v6, const void *ipaddr)
{
    tip_lwip_t *l = tip_lwip_active;
    int r;

    LWIP_ASSERT_CORE_LOCKED();
    if (l == NULL || l->phys != nif)
        return ERR_IF;
    if (!l->sending) {
        r = tx_protect(l, p); /* BYPASS leaves p as it was */
        if (r == TIP_ERR_BUF_SPACE)
            return ERR_BUF;
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
