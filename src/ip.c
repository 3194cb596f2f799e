/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IPv4 / IPv6 header parsing and checksums.
 */
#include <string.h>

#include "bytes.h"
#include "ip.h"

static int tip_ipv4_parse(const uint8_t *p, size_t len, tip_ip_info_t *out)
{
    size_t ihl, total;
    uint16_t frag;

    if (len < TIP_IPV4_HLEN)
        return TIP_ERR_MALFORMED;
    ihl = (size_t)(p[0] & 0x0F) * 4u;
    total = tip_load_be16(p + 2);
    if (ihl < TIP_IPV4_HLEN || total < ihl || total > len)
        return TIP_ERR_MALFORMED;
    frag = tip_load_be16(p + 6);
    out->version = 4;
    out->proto = p[9];
    out->hdr_len = ihl;
    out->l4_off = ihl;
    out->nh_off = 9;
    out->total_len = total;
    out->nonfirst_frag = (frag & 0x1FFF) != 0;
    out->frag = (frag & 0x3FFF) != 0; /* MF set or an offset */
    /* tip_addr_t: IPv4 uses addr[0..3], the rest is zero. */
    memset(&out->src, 0, sizeof(out->src));
    memset(&out->dst, 0, sizeof(out->dst));
    out->src.family = TIP_AF_INET;
    memcpy(out->src.addr, p + 12, 4);
    out->dst.family = TIP_AF_INET;
    memcpy(out->dst.addr, p + 16, 4);
    return TIP_OK;
}

#if TIP_CONF_IPV6
/* Walk the extension headers RFC 8200 4.1 lists before the upper layer. */
static int tip_ipv6_parse(const uint8_t *p, size_t len, tip_ip_info_t *out)
{
    size_t total, off = TIP_IPV6_HLEN;
    uint8_t nh;
    unsigned hops;

    if (len < TIP_IPV6_HLEN)
        return TIP_ERR_MALFORMED;
    total = TIP_IPV6_HLEN + (size_t)tip_load_be16(p + 4);
    if (total > len)
        return TIP_ERR_MALFORMED;
    out->version = 6;
    out->hdr_len = TIP_IPV6_HLEN;
    out->total_len = total;
    out->nonfirst_frag = 0;
    out->frag = 0;
    out->src.family = TIP_AF_INET6;
    memcpy(out->src.addr, p + 8, 16);
    out->dst.family = TIP_AF_INET6;
    memcpy(out->dst.addr, p + 24, 16);
    nh = p[6];
    out->nh_off = 6;
    for (hops = 0; hops < 8; hops++) {
        size_t ext;
        if (nh != 0 && nh != 43 && nh != 44 && nh != 60)
            break;
        if (off + 8 > total)
            return TIP_ERR_MALFORMED;
        if (nh == 44) {
            /* Fragment header: fixed 8 bytes. */
            if ((tip_load_be16(p + off + 2) & 0xFFF8) != 0)
                out->nonfirst_frag = 1;
            out->frag = 1;
            ext = 8;
        } else {
            ext = ((size_t)p[off + 1] + 1u) * 8u;
        }
        if (off + ext > total)
            return TIP_ERR_MALFORMED;
        nh = p[off];
        out->nh_off = off;
        off += ext;
    }
    out->proto = nh;
    out->l4_off = off;
    return TIP_OK;
}
#endif

int tip_ip_parse(const uint8_t *p, size_t len, tip_ip_info_t *out)
{
    if (p == NULL || len < 1)
        return TIP_ERR_MALFORMED;
    switch (p[0] >> 4) {
    case 4:
        return tip_ipv4_parse(p, len, out);
    case 6:
#if TIP_CONF_IPV6
        return tip_ipv6_parse(p, len, out);
#else
        return TIP_ERR_UNSUPPORTED;
#endif
    default:
        return TIP_ERR_MALFORMED;
    }
}

uint32_t tip_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1u)
        sum += (uint32_t)p[len - 1] << 8;
    /* Fold early enough that 32 bits never overflow for any packet size. */
    while (sum >> 16)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    return sum;
}

uint16_t tip_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    return (uint16_t)~sum;
}

void tip_ipv4_fix_checksum(uint8_t *hdr)
{
    size_t ihl = (size_t)(hdr[0] & 0x0F) * 4u;

    hdr[10] = 0;
    hdr[11] = 0;
    tip_store_be16(hdr + 10, tip_csum_fold(tip_csum_add(0, hdr, ihl)));
}

void tip_l4_fix_checksum(uint8_t proto, const tip_addr_t *src, const tip_addr_t *dst,
                         uint8_t *l4, size_t l4_len)
{
    uint32_t sum = 0;
    size_t alen = src->family == TIP_AF_INET6 ? 16u : 4u;
    size_t ck;
    uint8_t tmp[4];
    uint16_t v;

    if (proto == TIP_IPPROTO_TCP)
        ck = 16;
    else if (proto == TIP_IPPROTO_UDP)
        ck = 6;
    else
        return;
    if (l4_len < ck + 2)
        return;
    sum = tip_csum_add(sum, src->addr, alen);
    sum = tip_csum_add(sum, dst->addr, alen);
    tmp[0] = 0;
    tmp[1] = proto;
    tip_store_be16(tmp + 2, (uint16_t)l4_len);
    /* The IPv4 and IPv6 pseudo-headers sum to the same words: zero,
     * protocol and upper-layer length (RFC 768, RFC 8200 8.1). */
    sum = tip_csum_add(sum, tmp, 4);
    l4[ck] = 0;
    l4[ck + 1] = 0;
    sum = tip_csum_add(sum, l4, l4_len);
    v = tip_csum_fold(sum);
    /* RFC 768: a computed UDP checksum of 0 is sent as all ones. */
    if (proto == TIP_IPPROTO_UDP && v == 0)
        v = 0xFFFF;
    tip_store_be16(l4 + ck, v);
}
