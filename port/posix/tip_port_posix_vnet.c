/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * TUN offloads: splitting super-packets, completing partial checksums and
 * coalescing TCP segments and UDP datagrams (see tip_port_posix_vnet.h). Checksums are the
 * Internet checksum (RFC 1071) over the pseudo-header of RFC 9293 3.1
 * (TCP) or RFC 768 (UDP) for IPv4 and RFC 8200 8.1 for IPv6.
 */
#include "tip_port_posix_vnet.h"

#include <string.h>

#include "tinyipsec/tinyipsec.h"

#define PROTO_TCP 6u
#define PROTO_UDP 17u
#define TCP_FIN   0x01u
#define TCP_PSH   0x08u
#define TCP_ACK   0x10u
#define TCP_CWR   0x80u
#define GRO_MAX_SEGS 64u

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void tip_vnet_hdr_get(const uint8_t *p, tip_vnet_hdr_t *h)
{
    h->flags = p[0];
    h->gso_type = p[1];
    memcpy(&h->hdr_len, p + 2, 2); /* host byte order (legacy virtio) */
    memcpy(&h->gso_size, p + 4, 2);
    memcpy(&h->csum_start, p + 6, 2);
    memcpy(&h->csum_offset, p + 8, 2);
}

void tip_vnet_hdr_put(uint8_t *p, const tip_vnet_hdr_t *h)
{
    p[0] = h->flags;
    p[1] = h->gso_type;
    memcpy(p + 2, &h->hdr_len, 2);
    memcpy(p + 4, &h->gso_size, 2);
    memcpy(p + 6, &h->csum_start, 2);
    memcpy(p + 8, &h->csum_offset, 2);
}

/* ---- the Internet checksum -------------------------------------------------- */

/* Add @p n bytes at @p p (starting at an even offset of the checksummed
 * data) as big-endian 16-bit words; 32 bits at a time (RFC 1071 2(B): the
 * sum does not depend on the word size once folded). */
static uint64_t sum_bytes(const uint8_t *p, size_t n, uint64_t acc)
{
    while (n >= 4) {
        acc += be32(p);
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        acc += be16(p);
        p += 2;
        n -= 2;
    }
    if (n > 0)
        acc += (uint32_t)p[0] << 8;
    return acc;
}

static uint16_t fold(uint64_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

/* The pseudo-header of an upper-layer packet of @p l4_len bytes. */
static uint64_t pseudo_sum(const uint8_t *ip, unsigned proto, size_t l4_len)
{
    if ((ip[0] >> 4) == 4)
        return sum_bytes(ip + 12, 8, 0) + proto + l4_len;
    return sum_bytes(ip + 8, 32, 0) + proto + l4_len;
}

static void ipv4_check(uint8_t *ip, size_t ihl)
{
    put16(ip + 10, 0);
    put16(ip + 10, (uint16_t)~fold(sum_bytes(ip, ihl, 0)));
}

/* ---- parsing ------------------------------------------------------------------ */

typedef struct {
    size_t l3;      /* IP header bytes */
    size_t l4;      /* TCP or UDP header bytes, 0 for another protocol */
    unsigned proto; /* the IP protocol / next header */
} pkt_info_t;

/* IP header, and the TCP or UDP header right behind it. */
static int parse(const uint8_t *pkt, size_t len, pkt_info_t *in)
{
    memset(in, 0, sizeof(*in));
    if (len < 1)
        return -1;
    if ((pkt[0] >> 4) == 4) {
        in->l3 = (size_t)(pkt[0] & 0x0Fu) * 4u;
        if (in->l3 < 20 || len < in->l3)
            return -1;
        in->proto = pkt[9];
    } else if ((pkt[0] >> 4) == 6) {
        in->l3 = 40;
        if (len < 40)
            return -1;
        in->proto = pkt[6]; /* an extension header is "another protocol" */
    } else {
        return -1;
    }
    if (in->proto == PROTO_TCP) {
        if (len < in->l3 + 20)
            return -1;
        in->l4 = (size_t)(pkt[in->l3 + 12] >> 4) * 4u;
        if (in->l4 < 20 || len < in->l3 + in->l4)
            return -1;
    } else if (in->proto == PROTO_UDP) {
        if (len < in->l3 + 8)
            return -1;
        in->l4 = 8;
    }
    return 0;
}

/* Checksum of the TCP/UDP part of a packet, field @p at included as it is. */
static uint16_t l4_sum(const uint8_t *pkt, size_t len, const pkt_info_t *in)
{
    return fold(sum_bytes(pkt + in->l3, len - in->l3, pseudo_sum(pkt, in->proto, len - in->l3)));
}

/* ---- splitting ------------------------------------------------------------------ */

/* The super-packet's type must match its headers: 0, or -1. */
static int gso_matches(const tip_vnet_hdr_t *h, const uint8_t *pkt, const pkt_info_t *in)
{
    unsigned t = h->gso_type & (unsigned)~TIP_VNET_GSO_ECN;

    if (h->gso_size == 0)
        return -1;
    if (t == TIP_VNET_GSO_TCPV4)
        return (pkt[0] >> 4) == 4 && in->proto == PROTO_TCP ? 0 : -1;
    if (t == TIP_VNET_GSO_TCPV6)
        return (pkt[0] >> 4) == 6 && in->proto == PROTO_TCP ? 0 : -1;
    if (t == TIP_VNET_GSO_UDP_L4)
        return in->proto == PROTO_UDP ? 0 : -1;
    return -1; /* UFO (3) and unknown types */
}

unsigned tip_vnet_split_count(const tip_vnet_hdr_t *h, const uint8_t *pkt, size_t len)
{
    pkt_info_t in;
    size_t payload;

    if (h->gso_type == TIP_VNET_GSO_NONE)
        return len > 0 ? 1u : 0u;
    if (parse(pkt, len, &in) != 0 || gso_matches(h, pkt, &in) != 0)
        return 0;
    payload = len - in.l3 - in.l4;
    return payload == 0 ? 1u : (unsigned)((payload + h->gso_size - 1) / h->gso_size);
}

/* A packet that is not a super-packet: copied, its partial checksum completed. */
static int copy_single(const tip_vnet_hdr_t *h, const uint8_t *pkt, size_t len, uint8_t *dst)
{
    memcpy(dst, pkt, len);
    if (h->flags & TIP_VNET_F_NEEDS_CSUM) {
        size_t at = (size_t)h->csum_start + h->csum_offset;
        uint16_t c;
        pkt_info_t in;

        if (h->csum_start >= len || at + 2 > len)
            return TIP_ERR_MALFORMED;
        /* The field holds the pseudo-header sum; the rest is summed. */
        c = (uint16_t)~fold(sum_bytes(dst + h->csum_start, len - h->csum_start, 0));
        if (c == 0 && parse(dst, len, &in) == 0 && in.proto == PROTO_UDP)
            c = 0xFFFFu; /* RFC 768: a computed zero is sent as all ones */
        put16(dst + at, c);
    }
    return 1;
}

int tip_vnet_split(const tip_vnet_hdr_t *h, const uint8_t *pkt, size_t len, uint8_t *out,
                   size_t slot, size_t off, size_t *lens, unsigned max)
{
    pkt_info_t in;
    size_t hl, payload, at, mss;
    unsigned n, i;
    uint32_t seq = 0;
    uint16_t id = 0;

    if (h == NULL || pkt == NULL || out == NULL || lens == NULL || len == 0 || slot <= off)
        return TIP_ERR_ARG;
    if (h->gso_type == TIP_VNET_GSO_NONE) {
        if (max < 1 || len > slot - off)
            return TIP_ERR_BUF_SPACE;
        lens[0] = len;
        return copy_single(h, pkt, len, out + off);
    }
    n = tip_vnet_split_count(h, pkt, len);
    if (n == 0 || parse(pkt, len, &in) != 0)
        return TIP_ERR_MALFORMED;
    hl = in.l3 + in.l4;
    mss = h->gso_size;
    payload = len - hl;
    if (n > max || hl + (mss < payload ? mss : payload) > slot - off)
        return TIP_ERR_BUF_SPACE;
    if (in.proto == PROTO_TCP)
        seq = be32(pkt + in.l3 + 4);
    if ((pkt[0] >> 4) == 4)
        id = be16(pkt + 4);
    for (i = 0, at = hl; i < n; i++, at += mss) {
        uint8_t *d = out + (size_t)i * slot + off;
        size_t chunk = len - at < mss ? len - at : mss;
        size_t l4_len = in.l4 + chunk;
        uint8_t *l4 = d + in.l3;
        uint16_t c;

        memcpy(d, pkt, hl);
        memcpy(d + hl, pkt + at, chunk);
        if ((d[0] >> 4) == 4) {
            put16(d + 2, (unsigned)(in.l3 + l4_len));
            put16(d + 4, (uint16_t)(id + i)); /* as the kernel's own segmentation */
            ipv4_check(d, in.l3);
        } else {
            put16(d + 4, (unsigned)l4_len);
        }
        if (in.proto == PROTO_TCP) {
            put32(l4 + 4, seq + (uint32_t)(i * mss));
            if (i + 1 < n)
                l4[13] &= (uint8_t) ~(TCP_FIN | TCP_PSH); /* the last segment ends it */
            if (i > 0)
                l4[13] &= (uint8_t)~TCP_CWR; /* the first one reports it */
            put16(l4 + 16, 0);
        } else {
            put16(l4 + 4, (unsigned)l4_len);
            put16(l4 + 6, 0);
        }
        c = (uint16_t)~fold(sum_bytes(l4, l4_len, pseudo_sum(d, in.proto, l4_len)));
        if (c == 0 && in.proto == PROTO_UDP)
            c = 0xFFFFu;
        put16(l4 + (in.proto == PROTO_TCP ? 16 : 6), c);
        lens[i] = in.l3 + l4_len;
    }
    return (int)n;
}

/* ---- coalescing ------------------------------------------------------------------- */

/* Empty @p g; whether UDP may be merged stays. */
static void gro_empty(tip_vnet_gro_t *g)
{
    g->len = 0;
    g->segs = 0;
    g->l4_len = 0;
    g->closed = 0;
    g->proto = 0;
}

void tip_vnet_gro_init(tip_vnet_gro_t *g)
{
    gro_empty(g);
    g->udp = 0;
}

/* A TCP segment (ACK, and maybe PSH, only) or, when @p udp, a UDP
 * datagram (with a checksum: an IPv4 datagram without one, RFC 768, is
 * left to the kernel) that may be merged: plain IP header, payload, a
 * valid checksum. Fills @p in; 0 or -1. */
static int mergeable(const uint8_t *pkt, size_t len, int udp, pkt_info_t *in)
{
    if (parse(pkt, len, in) != 0 || len <= in->l3 + in->l4)
        return -1;
    if (in->proto != PROTO_TCP && !(udp && in->proto == PROTO_UDP))
        return -1;
    if ((pkt[0] >> 4) == 4) {
        if (in->l3 != 20 || be16(pkt + 2) != len || (be16(pkt + 6) & 0x3FFFu) != 0)
            return -1; /* options, padding or a fragment */
    } else if (be16(pkt + 4) != len - 40) {
        return -1;
    }
    if (in->proto == PROTO_TCP) {
        if ((pkt[in->l3 + 13] & (unsigned)~TCP_PSH) != TCP_ACK)
            return -1;
    } else if (be16(pkt + in->l3 + 4) != len - in->l3 || be16(pkt + in->l3 + 6) == 0) {
        return -1; /* UDP length other than the packet's, or no checksum */
    }
    return l4_sum(pkt, len, in) == 0xFFFFu ? 0 : -1; /* RFC 1071: all ones when valid */
}

int tip_vnet_gro_start(tip_vnet_gro_t *g, const uint8_t *pkt, size_t len)
{
    pkt_info_t in;
    uint8_t *d = g->buf + TIP_VNET_HDR_LEN;

    gro_empty(g);
    if (len == 0 || len > TIP_VNET_PKT_MAX)
        return TIP_ERR_BUF_SPACE;
    memcpy(d, pkt, len);
    g->len = len;
    g->segs = 1;
    if (mergeable(pkt, len, g->udp, &in) == 0) {
        g->l3_len = (uint16_t)in.l3;
        g->l4_len = (uint16_t)in.l4;
        g->proto = (uint8_t)in.proto;
        g->mss = (uint16_t)(len - in.l3 - in.l4);
        if (in.proto == PROTO_TCP) {
            g->next_seq = be32(pkt + in.l3 + 4) + g->mss;
            g->closed = (pkt[in.l3 + 13] & TCP_PSH) != 0;
        }
    }
    return TIP_OK;
}

int tip_vnet_gro_append(tip_vnet_gro_t *g, const uint8_t *pkt, size_t len)
{
    const uint8_t *h = g->buf + TIP_VNET_HDR_LEN;
    const uint8_t *t, *ht;
    pkt_info_t in;
    size_t payload;

    if (g->len == 0 || g->l4_len == 0 || g->closed || g->segs >= GRO_MAX_SEGS ||
        mergeable(pkt, len, g->udp, &in) != 0 || in.proto != g->proto || in.l3 != g->l3_len ||
        in.l4 != g->l4_len || (pkt[0] >> 4) != (h[0] >> 4))
        return 0;
    payload = len - in.l3 - in.l4;
    if (payload > g->mss || g->len + payload > TIP_VNET_PKT_MAX ||
        ((h[0] >> 4) == 6 && g->len + payload - 40 > 0xFFFFu))
        return 0;
    /* IP: everything but the lengths, the identification and the checksum. */
    if ((h[0] >> 4) == 4) {
        if (memcmp(h, pkt, 2) != 0 || memcmp(h + 6, pkt + 6, 4) != 0 ||
            memcmp(h + 12, pkt + 12, 8) != 0)
            return 0;
    } else if (memcmp(h, pkt, 4) != 0 || memcmp(h + 6, pkt + 6, 34) != 0) {
        return 0;
    }
    t = pkt + in.l3;
    ht = h + in.l3;
    if (in.proto == PROTO_UDP) {
        /* UDP: the ports. The kernel splits the super-packet into
         * datagrams of g->mss bytes, the last one shorter: a short one
         * ends the run. */
        if (memcmp(ht, t, 4) != 0)
            return 0;
        memcpy(g->buf + TIP_VNET_HDR_LEN + g->len, pkt + in.l3 + in.l4, payload);
        g->len += payload;
        g->segs++;
        g->closed = payload < g->mss;
        return 1;
    }
    /* TCP: ports, acknowledgement, offset, window, urgent pointer, options;
     * the flags but PSH; the next sequence number. */
    if (memcmp(ht, t, 4) != 0 || memcmp(ht + 8, t + 8, 5) != 0 || memcmp(ht + 14, t + 14, 2) != 0 ||
        memcmp(ht + 18, t + 18, in.l4 - 18) != 0 || be32(t + 4) != g->next_seq)
        return 0;
    memcpy(g->buf + TIP_VNET_HDR_LEN + g->len, pkt + in.l3 + in.l4, payload);
    g->len += payload;
    g->segs++;
    g->next_seq += (uint32_t)payload;
    if (payload < g->mss || (t[13] & TCP_PSH)) {
        g->buf[TIP_VNET_HDR_LEN + in.l3 + 13] |= (uint8_t)(t[13] & TCP_PSH);
        g->closed = 1; /* a short or pushed segment ends the run */
    }
    return 1;
}

size_t tip_vnet_gro_finish(tip_vnet_gro_t *g)
{
    tip_vnet_hdr_t vh;
    uint8_t *d = g->buf + TIP_VNET_HDR_LEN;
    size_t n = g->len;

    memset(&vh, 0, sizeof(vh));
    if (n == 0)
        return 0;
    if (g->segs > 1) {
        size_t l4_len = n - g->l3_len;
        unsigned at = g->proto == PROTO_UDP ? 6u : 16u; /* the checksum field */

        if ((d[0] >> 4) == 4) {
            put16(d + 2, (unsigned)n);
            ipv4_check(d, g->l3_len);
            vh.gso_type = TIP_VNET_GSO_TCPV4;
        } else {
            put16(d + 4, (unsigned)(n - 40));
            vh.gso_type = TIP_VNET_GSO_TCPV6;
        }
        if (g->proto == PROTO_UDP) {
            /* The length of the whole; the kernel sets each datagram's
             * and adjusts the checksum by the difference. */
            put16(d + g->l3_len + 4, (unsigned)l4_len);
            vh.gso_type = TIP_VNET_GSO_UDP_L4;
        }
        /* CHECKSUM_PARTIAL: the field holds the pseudo-header sum, the
         * kernel completes it per segment. */
        put16(d + g->l3_len + at, fold(pseudo_sum(d, g->proto, l4_len)));
        vh.flags = TIP_VNET_F_NEEDS_CSUM;
        vh.hdr_len = (uint16_t)(g->l3_len + g->l4_len);
        vh.gso_size = g->mss;
        vh.csum_start = g->l3_len;
        vh.csum_offset = (uint16_t)at;
    }
    tip_vnet_hdr_put(g->buf, &vh);
    gro_empty(g);
    return TIP_VNET_HDR_LEN + n;
}
