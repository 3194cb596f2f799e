/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Plain ESP (IP protocol 50) in: the LWIP_HOOK_IP4_INPUT /
 * LWIP_HOOK_IP6_INPUT hooks, and the raw pcb's receive function for what
 * lwIP reassembled. The hooks also keep the tunnel netif's addresses
 * reachable only through the tunnel.
 *
 * lwIP calls the IPv4 hook first thing in ip4_input(), before it checks
 * the header, trims link-layer padding or reassembles, and it does not
 * call it again for a reassembled packet. So the hook takes only a packet
 * it has checked itself: version 4, a header length of 20 to 60 bytes
 * inside the pbuf, a total length that fits (padding after it is trimmed,
 * RFC 791 3.1), a correct header checksum, no fragment, protocol 50, one of
 * our addresses as destination. Anything else goes on through lwIP, which
 * drops what is malformed and reassembles fragments; a reassembled ESP
 * packet then reaches the raw pcb (esp_raw_rx below).
 */
#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/raw.h"

#include "tip_lwip_internal.h"
#include "tip_lwipopts_check.h"

/* Hand the IP packet in @p p (checked, trimmed) to tip_input_ip(). Takes p. */
static void esp_input(tip_lwip_t *l, struct pbuf *p, struct netif *inp)
{
    tip_buf_t buf;
    int in_place, r;

    /* Plain ESP needs no room in front: the header is kept or moved back. */
    in_place = tip_lwip_rx_buf(l, p, &buf, 0);
    if (in_place < 0) {
        l->rx_dropped++;
        pbuf_free(p);
        return;
    }
    r = tip_input_ip(l->ctx, &buf);
    tip_lwip_rx_result(l, r, p, in_place, &buf, NULL, 0, NULL, 0, inp);
}

static int is_our_addr4(const uint8_t *a)
{
    struct netif *n;
    ip4_addr_t x;

    memcpy(&x.addr, a, 4);
    NETIF_FOREACH(n)
    {
        if (netif_is_up(n) && ip4_addr_cmp(netif_ip4_addr(n), &x))
            return 1;
    }
    return 0;
}

/*
 * lwIP accepts a packet addressed to any of its netifs on any netif. The
 * tunnel netif's address is reachable only through the tunnel: a packet
 * for it that arrives in clear on another netif (spoofed, or routed around
 * the tunnel) is dropped here, fragments included, so that sockets bound
 * to it only ever see what tinyipsec decrypted.
 */
static int around_tunnel4(const tip_lwip_t *l, const uint8_t *h, const struct netif *inp)
{
    ip4_addr_t x;

    if (l->tun == NULL || inp == l->tun)
        return 0;
    memcpy(&x.addr, h + 16, 4);
    return ip4_addr_cmp(netif_ip4_addr(l->tun), &x);
}

/* UDP to the port's own IKE or NAT-T port, its header at @p l4 (the port checks those itself). */
static int own_udp(const tip_lwip_t *l, const struct pbuf *p, size_t l4)
{
    uint8_t u[4];
    uint16_t dport;

    if (l4 > 0xFFFFu || pbuf_copy_partial(p, u, 4, (u16_t)l4) != 4)
        return 0;
    dport = (uint16_t)(u[2] << 8 | u[3]);
    return dport == l->natt_port || (l->ike_port != 0 && dport == l->ike_port);
}

/*
 * RFC 4301 5.2: cleartext arriving on the netif under policy must be
 * allowed by an inbound BYPASS policy. Returns 0 to let lwIP go on, 1 when
 * the packet was dropped (and freed).
 */
static int policy_in(tip_lwip_t *l, struct pbuf *p)
{
    tip_buf_t buf;
    int r = TIP_ERR_BUF_SPACE;

    if (tip_lwip_rx_buf(l, p, &buf, 0) >= 0)
        r = tip_input_ip(l->ctx, &buf); /* reads only, for cleartext */
    if (r == TIP_RX_BYPASS)
        return 0;
    l->rx_dropped++;
    pbuf_free(p);
    return 1;
}

int tip_lwip_ip4_input_hook(struct pbuf *p, struct netif *inp)
{
    tip_lwip_t *l = tip_lwip_active;
    uint8_t h[20];
    size_t hlen, total;

    if (l == NULL || l->ctx == NULL || p == NULL || p->tot_len < 20)
        return 0; /* lwIP drops the short packet itself */
    /* RFC 791 3.1: the header may be split over a pbuf chain: copy it. */
    if (pbuf_copy_partial(p, h, 20, 0) != 20 || (h[0] >> 4) != 4)
        return 0;
    if (around_tunnel4(l, h, inp)) {
        l->rx_dropped++;
        pbuf_free(p);
        return 1;
    }
    hlen = (size_t)(h[0] & 0x0F) * 4u;
    if (h[9] != TIP_IPPROTO_ESP) {
        if (l->phys == NULL || inp != l->phys || l->delivering)
            return 0;
        if (h[9] == 17 && (h[6] & 0x1F) == 0 && h[7] == 0 && own_udp(l, p, hlen))
            return 0; /* IKE or NAT-T: the port's UDP pcbs take it */
        return policy_in(l, p);
    }
    total = (size_t)h[2] << 8 | h[3];
    if (hlen < 20 || hlen > p->len || total < hlen + 8u || total > p->tot_len)
        return 0; /* malformed, or the header not in the first pbuf: lwIP drops it */
    if ((h[6] & 0x3F) != 0 || h[7] != 0)
        return 0; /* MF or an offset: lwIP reassembles, the raw pcb gets the whole */
    if (inet_chksum(p->payload, (u16_t)hlen) != 0)
        return 0; /* lwIP drops it (or accepts it, if it was told not to check) */
    if (!is_our_addr4(h + 16))
        return 0; /* not for us: lwIP forwards or drops it */
    if (total < p->tot_len)
        pbuf_realloc(p, (u16_t)total); /* link-layer padding after the packet */
    esp_input(l, p, inp);
    return 1;
}

#if LWIP_IPV6
int tip_lwip_ip6_input_hook(struct pbuf *p, struct netif *inp)
{
    tip_lwip_t *l = tip_lwip_active;
    uint8_t h[40];
    size_t total;
    struct netif *n;
    ip6_addr_t dst;
    int ours = 0;

    if (l == NULL || l->ctx == NULL || p == NULL || p->tot_len < 40)
        return 0;
    if (pbuf_copy_partial(p, h, 40, 0) != 40 || (h[0] >> 4) != 6)
        return 0;
    /* the tunnel's addresses only through the tunnel (see around_tunnel4) */
    if (l->tun != NULL && inp != l->tun) {
        int i;
        for (i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
            if (ip6_addr_isvalid(netif_ip6_addr_state(l->tun, i)) &&
                memcmp(netif_ip6_addr(l->tun, i)->addr, h + 24, 16) == 0) {
                l->rx_dropped++;
                pbuf_free(p);
                return 1;
            }
        }
    }
    /* RFC 8200 3: only ESP as the first next header is taken here (an
     * extension header in front of it, a fragment header included, goes
     * through lwIP to the raw pcb). */
    if (h[6] != TIP_IPPROTO_ESP) {
        if (l->phys == NULL || inp != l->phys || l->delivering)
            return 0;
        if (h[6] == 17 && own_udp(l, p, 40))
            return 0;
        return policy_in(l, p);
    }
    total = 40u + ((size_t)h[4] << 8 | h[5]);
    if (total < 40u + 8u || total > p->tot_len)
        return 0;
    memset(&dst, 0, sizeof(dst));
    memcpy(dst.addr, h + 24, 16);
    NETIF_FOREACH(n)
    {
        int i;
        for (i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
            if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) &&
                memcmp(netif_ip6_addr(n, i)->addr, dst.addr, 16) == 0)
                ours = 1;
        }
    }
    if (!ours)
        return 0;
    if (total < p->tot_len)
        pbuf_realloc(p, (u16_t)total);
    esp_input(l, p, inp);
    return 1;
}
#else
int tip_lwip_ip6_input_hook(struct pbuf *p, struct netif *inp)
{
    (void)p;
    (void)inp;
    return 0;
}
#endif

#if LWIP_RAW
/*
 * Reassembled ESP (or ESP the hooks left to lwIP): lwIP has checked it, and
 * the payload starts at the IP header. For IPv6, lwIP 2.1 and 2.2 hand a
 * raw pcb the packet from its fixed header on, and only when that header's
 * next header is the pcb's protocol: a reassembled packet has lost its
 * fragment header (RFC 8200 4.5) and has ESP right behind the fixed
 * header; ESP behind other extension headers never reaches the pcb.
 */
static u8_t esp_raw_rx(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    tip_lwip_t *l = arg;
    uint8_t h[6];

    (void)pcb;
    (void)addr;
    if (pbuf_copy_partial(p, h, sizeof(h), 0) != sizeof(h)) {
        l->rx_dropped++;
        pbuf_free(p);
        return 1;
    }
#if LWIP_IPV6
    if (ip_current_is_v6()) {
        u16_t plen = (u16_t)(p->tot_len - 40u);
        if ((h[0] >> 4) != 6 || p->tot_len < 40u + 8u) {
            l->rx_dropped++;
            pbuf_free(p);
            return 1;
        }
        /* lwIP trimmed the packet to its length, or built it from the
         * fragments' data; the payload length its reassembly writes into
         * the header comes out 8 bytes short (lwIP 2.1.3 and 2.2.1), so
         * the pbuf's length is what counts. */
        pbuf_put_at(p, 4, (u8_t)(plen >> 8));
        pbuf_put_at(p, 5, (u8_t)plen);
        esp_input(l, p, ip_current_input_netif());
        return 1;
    }
#endif
    if ((h[0] >> 4) != 4) {
        l->rx_dropped++;
        pbuf_free(p);
        return 1;
    }
    esp_input(l, p, ip_current_input_netif());
    return 1;
}

void tip_lwip_esp_raw_listen(tip_lwip_t *l)
{
    if (l->pcb_esp != NULL)
        raw_recv(l->pcb_esp, esp_raw_rx, l);
}
#endif
