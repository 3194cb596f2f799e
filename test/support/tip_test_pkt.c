/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Test packet builders (see tip_test_pkt.h).
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200112L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200112L
#endif

#include "tip_test_pkt.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyipsec/error.h"

#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58

static void put16(uint8_t *p, uint16_t v)
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

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

void tip_test_buf_init(tip_buf_t *buf, uint8_t *mem, size_t cap, size_t headroom)
{
    assert(headroom <= cap);
    buf->base = mem;
    buf->cap = cap;
    buf->off = headroom;
    buf->len = 0;
}

int tip_test_buf_set(tip_buf_t *buf, uint8_t *mem, size_t cap, size_t headroom, const uint8_t *pkt,
                     size_t len)
{
    if (headroom > cap || len > cap - headroom)
        return TIP_ERR_BUF_SPACE;
    tip_test_buf_init(buf, mem, cap, headroom);
    if (len > 0)
        memcpy(mem + headroom, pkt, len);
    buf->len = len;
    return TIP_OK;
}

size_t tip_test_buf_headroom(const tip_buf_t *buf)
{
    return buf->off;
}

size_t tip_test_buf_tailroom(const tip_buf_t *buf)
{
    return buf->cap - buf->off - buf->len;
}

uint8_t *tip_test_buf_data(const tip_buf_t *buf)
{
    return buf->base + buf->off;
}

tip_addr_t tip_test_addr(const char *text)
{
    tip_addr_t a;

    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, text, a.addr) == 1) {
        a.family = TIP_AF_INET;
    } else if (inet_pton(AF_INET6, text, a.addr) == 1) {
        a.family = TIP_AF_INET6;
    } else {
        fprintf(stderr, "tip_test_addr: bad address \"%s\"\n", text);
        abort();
    }
    return a;
}

static uint32_t sum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t sum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t tip_test_csum(const uint8_t *p, size_t len)
{
    return sum_fold(sum_add(0, p, len));
}

static size_t addr_len(const tip_addr_t *a)
{
    return a->family == TIP_AF_INET ? 4 : a->family == TIP_AF_INET6 ? 16 : 0;
}

uint16_t tip_test_l4_csum(const tip_addr_t *src, const tip_addr_t *dst, uint8_t proto,
                          const uint8_t *l4, size_t len)
{
    uint32_t sum = 0;
    size_t alen = addr_len(src);

    sum = sum_add(sum, src->addr, alen);
    sum = sum_add(sum, dst->addr, alen);
    /* IPv4 pseudo-header: zero, proto, 16-bit length (RFC 768); IPv6: 32-bit
     * length, three zero bytes, next header (RFC 8200 8.1). Both sum alike. */
    sum += proto;
    sum += (uint32_t)(len >> 16);
    sum += (uint32_t)(len & 0xFFFF);
    sum = sum_add(sum, l4, len);
    return sum_fold(sum);
}

size_t tip_test_pkt_ip_hdr(uint8_t *out, const tip_addr_t *src, const tip_addr_t *dst,
                           uint8_t proto, size_t payload_len, uint16_t id)
{
    if (src->family == TIP_AF_INET && dst->family == TIP_AF_INET) {
        memset(out, 0, 20);
        out[0] = 0x45;
        put16(out + 2, (uint16_t)(20 + payload_len));
        put16(out + 4, id);
        put16(out + 6, 0x4000); /* DF */
        out[8] = TIP_TEST_PKT_TTL;
        out[9] = proto;
        memcpy(out + 12, src->addr, 4);
        memcpy(out + 16, dst->addr, 4);
        put16(out + 10, tip_test_csum(out, 20));
        return 20;
    }
    if (src->family == TIP_AF_INET6 && dst->family == TIP_AF_INET6) {
        memset(out, 0, 40);
        out[0] = 0x60;
        put16(out + 4, (uint16_t)payload_len);
        out[6] = proto;
        out[7] = TIP_TEST_PKT_TTL;
        memcpy(out + 8, src->addr, 16);
        memcpy(out + 24, dst->addr, 16);
        return 40;
    }
    return 0;
}

/* Reserve room for an IP header plus @p l4_len bytes; returns the header
 * length or 0 (and sets *err). */
static size_t begin(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst, size_t l4_len,
                    int *err)
{
    size_t hlen;

    if (buf == NULL || src == NULL || dst == NULL || src->family != dst->family ||
        (src->family != TIP_AF_INET && src->family != TIP_AF_INET6)) {
        *err = TIP_ERR_ARG;
        return 0;
    }
    hlen = src->family == TIP_AF_INET ? 20 : 40;
    if (l4_len > 65535 - hlen || buf->off > buf->cap || hlen + l4_len > buf->cap - buf->off) {
        *err = TIP_ERR_BUF_SPACE;
        return 0;
    }
    *err = TIP_OK;
    return hlen;
}

int tip_test_pkt_udp(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst, uint16_t sport,
                     uint16_t dport, const uint8_t *payload, size_t len)
{
    int err;
    size_t hlen = begin(buf, src, dst, 8 + len, &err);
    uint8_t *p, *u;
    uint16_t c;

    if (hlen == 0)
        return err;
    p = buf->base + buf->off;
    u = p + hlen;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)(8 + len));
    put16(u + 6, 0);
    if (len > 0)
        memmove(u + 8, payload, len);
    c = tip_test_l4_csum(src, dst, PROTO_UDP, u, 8 + len);
    put16(u + 6, c == 0 ? 0xFFFF : c); /* RFC 768: 0 is sent as all ones */
    tip_test_pkt_ip_hdr(p, src, dst, PROTO_UDP, 8 + len, 0x1234);
    buf->len = hlen + 8 + len;
    return TIP_OK;
}

int tip_test_pkt_udp4(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst, uint16_t sport,
                      uint16_t dport, const uint8_t *payload, size_t len)
{
    if (src == NULL || src->family != TIP_AF_INET)
        return TIP_ERR_ARG;
    return tip_test_pkt_udp(buf, src, dst, sport, dport, payload, len);
}

int tip_test_pkt_udp6(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst, uint16_t sport,
                      uint16_t dport, const uint8_t *payload, size_t len)
{
    if (src == NULL || src->family != TIP_AF_INET6)
        return TIP_ERR_ARG;
    return tip_test_pkt_udp(buf, src, dst, sport, dport, payload, len);
}

int tip_test_pkt_icmp_echo(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst,
                           uint16_t ident, uint16_t seq, const uint8_t *payload, size_t len)
{
    int err;
    size_t hlen = begin(buf, src, dst, 8 + len, &err);
    uint8_t *p, *ic;
    int v6;

    if (hlen == 0)
        return err;
    v6 = src->family == TIP_AF_INET6;
    p = buf->base + buf->off;
    ic = p + hlen;
    ic[0] = v6 ? 128 : 8; /* echo request */
    ic[1] = 0;
    put16(ic + 2, 0);
    put16(ic + 4, ident);
    put16(ic + 6, seq);
    if (len > 0)
        memmove(ic + 8, payload, len);
    /* ICMPv4 sums the message only (RFC 792); ICMPv6 adds the pseudo-header
     * (RFC 4443 2.3). */
    put16(ic + 2,
          v6 ? tip_test_l4_csum(src, dst, PROTO_ICMPV6, ic, 8 + len) : tip_test_csum(ic, 8 + len));
    tip_test_pkt_ip_hdr(p, src, dst, v6 ? PROTO_ICMPV6 : PROTO_ICMP, 8 + len, 0x2345);
    buf->len = hlen + 8 + len;
    return TIP_OK;
}

int tip_test_pkt_tcp_syn(tip_buf_t *buf, const tip_addr_t *src, const tip_addr_t *dst,
                         uint16_t sport, uint16_t dport, uint32_t isn)
{
    int err;
    size_t hlen = begin(buf, src, dst, 20, &err);
    uint8_t *p, *t;

    if (hlen == 0)
        return err;
    p = buf->base + buf->off;
    t = p + hlen;
    memset(t, 0, 20);
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, isn);
    t[12] = 5 << 4; /* data offset: 5 words */
    t[13] = 0x02;   /* SYN */
    put16(t + 14, 65535);
    put16(t + 16, tip_test_l4_csum(src, dst, PROTO_TCP, t, 20));
    tip_test_pkt_ip_hdr(p, src, dst, PROTO_TCP, 20, 0x3456);
    buf->len = hlen + 20;
    return TIP_OK;
}

int tip_test_ip4_csum_ok(const uint8_t *hdr, size_t len)
{
    size_t ihl;

    if (len < 20 || (hdr[0] >> 4) != 4)
        return 0;
    ihl = (size_t)(hdr[0] & 0x0F) * 4;
    if (ihl < 20 || ihl > len)
        return 0;
    return tip_test_csum(hdr, ihl) == 0;
}

int tip_test_pkt_verify(const uint8_t *pkt, size_t len)
{
    tip_addr_t src, dst;
    size_t hlen, l4len;
    uint8_t proto;
    const uint8_t *l4;

    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    if (len < 1)
        return -1;
    if ((pkt[0] >> 4) == 4) {
        size_t tot;

        if (len < 20)
            return -1;
        hlen = (size_t)(pkt[0] & 0x0F) * 4;
        tot = get16(pkt + 2);
        if (hlen < 20 || tot < hlen || tot > len)
            return -1;
        if (!tip_test_ip4_csum_ok(pkt, len))
            return -2;
        if ((get16(pkt + 6) & 0x3FFF) != 0)
            return 0; /* a fragment: the L4 checksum cannot be checked */
        src.family = dst.family = TIP_AF_INET;
        memcpy(src.addr, pkt + 12, 4);
        memcpy(dst.addr, pkt + 16, 4);
        proto = pkt[9];
        l4len = tot - hlen;
    } else if ((pkt[0] >> 4) == 6) {
        if (len < 40)
            return -1;
        hlen = 40;
        l4len = get16(pkt + 4);
        if (l4len > len - 40)
            return -1;
        src.family = dst.family = TIP_AF_INET6;
        memcpy(src.addr, pkt + 8, 16);
        memcpy(dst.addr, pkt + 24, 16);
        proto = pkt[6];
    } else {
        return -1;
    }
    l4 = pkt + hlen;
    switch (proto) {
    case PROTO_UDP:
        if (l4len < 8 || get16(l4 + 4) != l4len)
            return -1;
        if (src.family == TIP_AF_INET && get16(l4 + 6) == 0)
            return 0;
        return tip_test_l4_csum(&src, &dst, proto, l4, l4len) == 0 ? 0 : -3;
    case PROTO_TCP:
        if (l4len < 20)
            return -1;
        return tip_test_l4_csum(&src, &dst, proto, l4, l4len) == 0 ? 0 : -3;
    case PROTO_ICMP:
        if (l4len < 8 || src.family != TIP_AF_INET)
            return -1;
        return tip_test_csum(l4, l4len) == 0 ? 0 : -3;
    case PROTO_ICMPV6:
        if (l4len < 8 || src.family != TIP_AF_INET6)
            return -1;
        return tip_test_l4_csum(&src, &dst, proto, l4, l4len) == 0 ? 0 : -3;
    default:
        return 0;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t tip_test_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;

    if (hex == NULL)
        return (size_t)-1;
    while (*hex == ' ' || *hex == '\t' || *hex == '\n' || *hex == '\r')
        hex++;
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex += 2;
    for (; *hex != '\0'; hex++) {
        int v;

        if (*hex == ' ' || *hex == '\t' || *hex == '\n' || *hex == '\r' || *hex == ':' ||
            *hex == '-')
            continue;
        v = hexval(*hex);
        if (v < 0)
            return (size_t)-1;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap)
            return (size_t)-1;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 ? n : (size_t)-1;
}

char *tip_test_to_hex(const uint8_t *p, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0F];
    }
    out[2 * len] = '\0';
    return out;
}
