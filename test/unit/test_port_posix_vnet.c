/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * TUN offloads (port/posix/tip_port_posix_vnet.h): TCP and UDP
 * super-packets over IPv4 and IPv6 split into packets whose headers and
 * checksums a receiver accepts and whose payloads add up to the original,
 * a partial checksum completed, and segments coalesced back into a
 * super-packet that splits again into the very same segments; segments
 * that must not be merged are not. UDP datagrams are merged only when
 * asked (a device with USO) and only while their sizes keep the
 * boundaries the kernel will cut at: a stream of datagrams of mixed sizes
 * comes out of merging and splitting as the very same datagrams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix_vnet.h"

#define SLOT 2048u
#define MAXSEG 64u

static uint8_t pkt[TIP_VNET_PKT_MAX];
static uint8_t segs[MAXSEG * SLOT];
static size_t lens[MAXSEG];
static tip_vnet_gro_t gro;

static unsigned g16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t g32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void p16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* RFC 1071, 16 bits at a time: an implementation independent of the one tested. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        s += g16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static unsigned fold16(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return s;
}

/* The TCP/UDP checksum of a whole packet verifies (the sum is all ones). */
static int l4_ok(const uint8_t *ip, size_t len)
{
    int v6 = (ip[0] >> 4) == 6;
    size_t l3 = v6 ? 40 : (size_t)(ip[0] & 15) * 4;
    unsigned proto = v6 ? ip[6] : ip[9];
    uint32_t s = v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);

    s += proto + (uint32_t)(len - l3);
    return fold16(sum16(ip + l3, len - l3, s)) == 0xFFFF;
}

static int ip4_ok(const uint8_t *ip)
{
    return fold16(sum16(ip, 20, 0)) == 0xFFFF;
}

/* A TCP (proto 6) or UDP (17) packet with @p payload bytes of pattern
 * starting at @p first; valid checksums. Returns its length. */
static size_t build(uint8_t *d, int v6, unsigned proto, size_t payload, uint32_t seq,
                    unsigned flags, size_t first)
{
    size_t l3 = v6 ? 40 : 20, l4 = proto == 6 ? 32 : 8, len = l3 + l4 + payload, i;
    uint8_t *t = d + l3;
    uint32_t s;

    memset(d, 0, l3 + l4);
    if (v6) {
        d[0] = 0x60;
        p16(d + 4, (unsigned)(len - 40));
        d[6] = (uint8_t)proto;
        d[7] = 64;
        d[23] = 1; /* 2001:db8::1 -> 2001:db8::2 */
        d[8] = 0x20, d[9] = 0x01, d[10] = 0x0d, d[11] = 0xb8;
        memcpy(d + 24, d + 8, 16);
        d[39] = 2;
    } else {
        d[0] = 0x45;
        p16(d + 2, (unsigned)len);
        p16(d + 4, 0x1234);
        d[6] = 0x40; /* DF */
        d[8] = 64;
        d[9] = (uint8_t)proto;
        d[12] = 10, d[13] = 1, d[15] = 1; /* 10.1.0.1 -> 10.2.0.1 */
        d[16] = 10, d[17] = 2, d[19] = 1;
        p16(d + 10, (~fold16(sum16(d, 20, 0))) & 0xFFFF);
    }
    p16(t, 40000);
    p16(t + 2, 5201);
    if (proto == 6) {
        t[4] = (uint8_t)(seq >> 24), t[5] = (uint8_t)(seq >> 16), t[6] = (uint8_t)(seq >> 8);
        t[7] = (uint8_t)seq;
        t[11] = 7;                  /* ack */
        t[12] = 8 << 4;             /* 32-byte header: timestamps */
        t[13] = (uint8_t)flags;
        p16(t + 14, 502);           /* window */
        t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10; /* NOP NOP TS */
        t[27] = 99;
    } else {
        p16(t + 4, (unsigned)(l4 + payload));
    }
    for (i = 0; i < payload; i++)
        d[l3 + l4 + i] = (uint8_t)((first + i) * 13u + 5u);
    s = v6 ? sum16(d + 8, 32, 0) : sum16(d + 12, 8, 0);
    s += proto + (uint32_t)(len - l3);
    p16(t + (proto == 6 ? 16 : 6), (~fold16(sum16(t, len - l3, s))) & 0xFFFF);
    return len;
}

/* Make @p len bytes at pkt a super-packet as the kernel hands it over:
 * checksum field holding the pseudo-header sum only (partial). */
static tip_vnet_hdr_t super_hdr(int v6, unsigned proto, size_t len, unsigned mss)
{
    tip_vnet_hdr_t h;
    size_t l3 = v6 ? 40 : 20;
    uint32_t s = v6 ? sum16(pkt + 8, 32, 0) : sum16(pkt + 12, 8, 0);

    s += proto + (uint32_t)(len - l3);
    p16(pkt + l3 + (proto == 6 ? 16 : 6), fold16(s));
    memset(&h, 0, sizeof(h));
    h.flags = TIP_VNET_F_NEEDS_CSUM;
    h.gso_type = proto == 6 ? (v6 ? TIP_VNET_GSO_TCPV6 : TIP_VNET_GSO_TCPV4) : TIP_VNET_GSO_UDP_L4;
    h.gso_size = (uint16_t)mss;
    h.hdr_len = (uint16_t)(l3 + (proto == 6 ? 32 : 8));
    h.csum_start = (uint16_t)l3;
    h.csum_offset = proto == 6 ? 16 : 6;
    return h;
}

static void split_and_check(int v6, unsigned proto, size_t payload, unsigned mss)
{
    size_t l3 = v6 ? 40 : 20, l4 = proto == 6 ? 32 : 8, len, got = 0;
    unsigned want = (unsigned)((payload + mss - 1) / mss), i;
    tip_vnet_hdr_t h;
    int n;

    len = build(pkt, v6, proto, payload, 1000, 0x10 | 0x08 | 0x01 | 0x80, 0); /* ACK PSH FIN CWR */
    h = super_hdr(v6, proto, len, mss);
    assert_int_equal(tip_vnet_split_count(&h, pkt, len), want);
    n = tip_vnet_split(&h, pkt, len, segs, SLOT, 16, lens, MAXSEG);
    assert_int_equal(n, (int)want);
    for (i = 0; i < want; i++) {
        const uint8_t *d = segs + i * SLOT + 16, *t = d + l3;
        size_t chunk = i + 1 < want ? mss : payload - (size_t)mss * (want - 1), k;

        assert_int_equal(lens[i], l3 + l4 + chunk);
        if (v6) {
            assert_int_equal(g16(d + 4), l4 + chunk);
        } else {
            assert_int_equal(g16(d + 2), lens[i]);
            assert_int_equal(g16(d + 4), (0x1234 + i) & 0xFFFF);
            assert_true(ip4_ok(d));
        }
        assert_true(l4_ok(d, lens[i]));
        if (proto == 6) {
            assert_int_equal(g32(t + 4), 1000 + got);
            assert_int_equal(t[13] & 0x09, i + 1 == want ? 0x09 : 0); /* FIN, PSH: last only */
            assert_int_equal(t[13] & 0x80, i == 0 ? 0x80 : 0);        /* CWR: first only */
            assert_int_equal(t[13] & 0x10, 0x10);
        } else {
            assert_int_equal(g16(t + 4), 8 + chunk);
        }
        for (k = 0; k < chunk; k++)
            if (d[l3 + l4 + k] != (uint8_t)((got + k) * 13u + 5u))
                fail_msg("segment %u byte %u", i, (unsigned)k);
        got += chunk;
    }
    assert_int_equal(got, payload);
}

static void test_split_tcp4(void **state)
{
    (void)state;
    split_and_check(0, 6, 5000, 1348); /* 3 full segments and a short one */
    split_and_check(0, 6, 1348 * 4, 1348);
}

static void test_split_tcp6(void **state)
{
    (void)state;
    split_and_check(1, 6, 65535 - 40 - 32, 1328);
}

static void test_split_udp4_udp6(void **state)
{
    (void)state;
    split_and_check(0, 17, 9000, 1372);
    split_and_check(1, 17, 3001, 1000);
}

/* A packet with a partial checksum and no segmentation: completed. */
static void test_partial_checksum_completed(void **state)
{
    tip_vnet_hdr_t h;
    size_t len = build(pkt, 0, 17, 333, 0, 0, 0);
    int n;

    (void)state;
    h = super_hdr(0, 17, len, 1);
    h.gso_type = TIP_VNET_GSO_NONE;
    assert_false(l4_ok(pkt, len)); /* as the kernel left it */
    n = tip_vnet_split(&h, pkt, len, segs, SLOT, 0, lens, MAXSEG);
    assert_int_equal(n, 1);
    assert_int_equal(lens[0], len);
    assert_true(l4_ok(segs, len));
}

/* Headers that do not describe the packet are refused. */
static void test_split_refuses(void **state)
{
    tip_vnet_hdr_t h;
    size_t len = build(pkt, 0, 6, 3000, 0, 0x10, 0);

    (void)state;
    h = super_hdr(0, 6, len, 1000);
    h.gso_type = TIP_VNET_GSO_TCPV6; /* an IPv4 packet */
    assert_int_equal(tip_vnet_split(&h, pkt, len, segs, SLOT, 0, lens, MAXSEG), TIP_ERR_MALFORMED);
    h = super_hdr(0, 6, len, 0); /* no segment size */
    assert_int_equal(tip_vnet_split(&h, pkt, len, segs, SLOT, 0, lens, MAXSEG), TIP_ERR_MALFORMED);
    h = super_hdr(0, 6, len, 1000);
    assert_int_equal(tip_vnet_split(&h, pkt, 30, segs, SLOT, 0, lens, MAXSEG), TIP_ERR_MALFORMED);
    assert_int_equal(tip_vnet_split(&h, pkt, len, segs, SLOT, 0, lens, 2), TIP_ERR_BUF_SPACE);
    assert_int_equal(tip_vnet_split(&h, pkt, len, segs, 900, 0, lens, MAXSEG), TIP_ERR_BUF_SPACE);
    pkt[9] = 17; /* UDP under a TCP type */
    assert_int_equal(tip_vnet_split(&h, pkt, len, segs, SLOT, 0, lens, MAXSEG), TIP_ERR_MALFORMED);
    h.gso_type = 3; /* UFO */
    assert_int_equal(tip_vnet_split(&h, pkt, len, segs, SLOT, 0, lens, MAXSEG), TIP_ERR_MALFORMED);
}

/* Split -> coalesce -> split gives the same packets, byte for byte. */
static void roundtrip(int v6, size_t payload, unsigned mss)
{
    static uint8_t first[MAXSEG * SLOT];
    static size_t first_lens[MAXSEG];
    tip_vnet_hdr_t h, h2;
    size_t len, out;
    int n, n2, i;

    len = build(pkt, v6, 6, payload, 0xFFFFF000u, 0x18, 0); /* sequence numbers wrap */
    h = super_hdr(v6, 6, len, mss);
    n = tip_vnet_split(&h, pkt, len, first, SLOT, 0, first_lens, MAXSEG);
    assert_true(n > 1);
    tip_vnet_gro_init(&gro);
    assert_int_equal(tip_vnet_gro_start(&gro, first, first_lens[0]), TIP_OK);
    for (i = 1; i < n; i++)
        assert_int_equal(tip_vnet_gro_append(&gro, first + (size_t)i * SLOT, first_lens[i]), 1);
    out = tip_vnet_gro_finish(&gro);
    assert_int_equal(out, TIP_VNET_HDR_LEN + len);
    tip_vnet_hdr_get(gro.buf, &h2);
    assert_int_equal(h2.gso_type, v6 ? TIP_VNET_GSO_TCPV6 : TIP_VNET_GSO_TCPV4);
    assert_int_equal(h2.gso_size, mss);
    assert_int_equal(h2.flags, TIP_VNET_F_NEEDS_CSUM);
    assert_int_equal(h2.csum_start, v6 ? 40 : 20);
    assert_int_equal(h2.csum_offset, 16);
    if (!v6)
        assert_true(ip4_ok(gro.buf + TIP_VNET_HDR_LEN));
    /* The partial checksum is what the kernel expects: completing it over
     * the whole super-packet gives a valid one. */
    {
        tip_vnet_hdr_t whole = h2;

        whole.gso_type = TIP_VNET_GSO_NONE;
        assert_int_equal(tip_vnet_split(&whole, gro.buf + TIP_VNET_HDR_LEN, len, pkt, sizeof(pkt),
                                        0, lens, 1),
                         1);
        assert_true(l4_ok(pkt, len));
    }
    n2 = tip_vnet_split(&h2, gro.buf + TIP_VNET_HDR_LEN, out - TIP_VNET_HDR_LEN, segs, SLOT, 0,
                        lens, MAXSEG);
    assert_int_equal(n2, n);
    for (i = 0; i < n; i++) {
        assert_int_equal(lens[i], first_lens[i]);
        assert_memory_equal(segs + (size_t)i * SLOT, first + (size_t)i * SLOT, lens[i]);
    }
}

static void test_coalesce_roundtrip_v4(void **state)
{
    (void)state;
    roundtrip(0, 20000, 1348);
}

static void test_coalesce_roundtrip_v6(void **state)
{
    (void)state;
    roundtrip(1, 7 * 1328, 1328);
}

/* What must stay apart: a gap, another flow, a bad checksum, anything after
 * a short segment, a SYN, a segment longer than the first. */
static void test_coalesce_refuses(void **state)
{
    static uint8_t a[2048], b[2048];
    size_t la = build(a, 0, 6, 1000, 1, 0x10, 0), lb;

    (void)state;
    tip_vnet_gro_init(&gro);
    assert_int_equal(tip_vnet_gro_start(&gro, a, la), TIP_OK);
    lb = build(b, 0, 6, 1000, 1002, 0x10, 1001); /* one byte missing */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 6, 1000, 1001, 0x10, 1000);
    b[15] = 9; /* another source address ... */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0); /* ... and its checksum no longer fits */
    lb = build(b, 0, 6, 1000, 1001, 0x10, 1000);
    b[lb - 1] ^= 1; /* corrupted payload */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 6, 1200, 1001, 0x10, 1000); /* longer than the first */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 6, 1000, 1001, 0x12, 1000); /* SYN */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 6, 500, 1001, 0x10, 1000); /* short: taken, and it ends the run */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 1);
    lb = build(b, 0, 6, 500, 1501, 0x10, 1500);
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    assert_int_equal(tip_vnet_gro_finish(&gro), TIP_VNET_HDR_LEN + la + 500);

    /* UDP is written as it came, with a zero header */
    la = build(a, 1, 17, 700, 0, 0, 0);
    assert_int_equal(tip_vnet_gro_start(&gro, a, la), TIP_OK);
    assert_int_equal(tip_vnet_gro_append(&gro, a, la), 0);
    assert_int_equal(tip_vnet_gro_finish(&gro), TIP_VNET_HDR_LEN + la);
    assert_memory_equal(gro.buf + TIP_VNET_HDR_LEN, a, la);
    {
        static const uint8_t zero[TIP_VNET_HDR_LEN];
        assert_memory_equal(gro.buf, zero, TIP_VNET_HDR_LEN);
    }
}

/* Give the IPv4 packet @p d identification @p id (header checksum redone). */
static void set_id(uint8_t *d, unsigned id)
{
    if ((d[0] >> 4) != 4)
        return;
    p16(d + 4, id & 0xFFFF);
    p16(d + 10, 0);
    p16(d + 10, (~fold16(sum16(d, 20, 0))) & 0xFFFF);
}

/* Datagrams in, what the TUN device gets out: each written super-packet
 * (or single packet) is cut the way the kernel cuts it (tip_vnet_split()
 * as the kernel's UDP GSO: datagrams of gso_size, the last shorter). */
static uint8_t dgrams[MAXSEG * 3][SLOT];
static size_t dlens[MAXSEG * 3];
static uint8_t outp[MAXSEG * 3 * SLOT];
static size_t olens[MAXSEG * 3];

static unsigned drain(unsigned nout)
{
    size_t n = tip_vnet_gro_finish(&gro);
    tip_vnet_hdr_t h;
    int k;

    if (n == 0)
        return nout;
    tip_vnet_hdr_get(gro.buf, &h);
    k = tip_vnet_split(&h, gro.buf + TIP_VNET_HDR_LEN, n - TIP_VNET_HDR_LEN, outp + nout * SLOT,
                       SLOT, 0, olens + nout, MAXSEG * 3 - nout);
    assert_true(k >= 1);
    return nout + (unsigned)k;
}

/* Coalesce @p n datagrams as the gateway does (append, else write out and
 * start again); returns the super-packets written and checks that what
 * the kernel makes of them is the input, datagram for datagram. */
static unsigned udp_stream(unsigned n, int udp)
{
    unsigned i, nout = 0, writes = 0;

    tip_vnet_gro_init(&gro);
    gro.udp = (uint8_t)udp;
    for (i = 0; i < n; i++) {
        if (tip_vnet_gro_append(&gro, dgrams[i], dlens[i]))
            continue;
        writes += gro.len > 0;
        nout = drain(nout);
        assert_int_equal(tip_vnet_gro_start(&gro, dgrams[i], dlens[i]), TIP_OK);
        assert_int_equal(gro.udp, udp); /* kept */
    }
    writes++;
    nout = drain(nout);
    assert_int_equal(nout, n);
    for (i = 0; i < n; i++) {
        assert_int_equal(olens[i], dlens[i]);
        assert_memory_equal(outp + i * SLOT, dgrams[i], dlens[i]);
    }
    return writes;
}

/* Runs of equal sizes, single ones, a short one closing a run, 64 in a
 * row (one super-packet at most), sizes going up and down. */
static unsigned mixed_datagrams(int v6)
{
    static const unsigned sizes[] = {1300, 1300, 1300, 1300, 700,  1300, 1300, 100, 100, 100,
                                     1,    2,    3,    1400, 1400, 1400, 1399, 1400, 500, 500};
    unsigned i, n = 0;
    size_t off = 0;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++, n++) {
        dlens[n] = build(dgrams[n], v6, 17, sizes[i], 0, 0, off);
        set_id(dgrams[n], 0x4000 + n);
        off += sizes[i];
    }
    for (i = 0; i < 70; i++, n++) { /* more than one super-packet holds */
        dlens[n] = build(dgrams[n], v6, 17, 900, 0, 0, off);
        set_id(dgrams[n], 0x4000 + n);
        off += 900;
    }
    return n;
}

static void test_coalesce_udp_stream_v4(void **state)
{
    unsigned n = mixed_datagrams(0);

    (void)state;
    /* runs: 4+short, 2+short, 2+short, 1, 1, 3+short, 1+short, 1, 64, 6 */
    assert_int_equal(udp_stream(n, 1), 10);
    /* without USO, one write per datagram */
    assert_int_equal(udp_stream(n, 0), n);
}

static void test_coalesce_udp_stream_v6(void **state)
{
    unsigned n = mixed_datagrams(1);

    (void)state;
    assert_int_equal(udp_stream(n, 1), 10);
    assert_int_equal(udp_stream(n, 0), n);
}

/* The super-packet the kernel gets: UDP_L4 with the first datagram's
 * payload as gso_size, the UDP length of the whole, and a partial checksum
 * that completed over the whole is valid. */
static void udp_super(int v6)
{
    size_t l3 = v6 ? 40 : 20, la, total;
    tip_vnet_hdr_t h;
    unsigned i;

    tip_vnet_gro_init(&gro);
    gro.udp = 1;
    for (i = 0; i < 5; i++) {
        dlens[i] = build(dgrams[i], v6, 17, i < 4 ? 1000 : 10, 0, 0, i * 1000u);
        set_id(dgrams[i], 7 + i);
    }
    assert_int_equal(tip_vnet_gro_start(&gro, dgrams[0], dlens[0]), TIP_OK);
    for (i = 1; i < 5; i++)
        assert_int_equal(tip_vnet_gro_append(&gro, dgrams[i], dlens[i]), 1);
    total = l3 + 8 + 4010;
    assert_int_equal(tip_vnet_gro_finish(&gro), TIP_VNET_HDR_LEN + total);
    tip_vnet_hdr_get(gro.buf, &h);
    assert_int_equal(h.gso_type, TIP_VNET_GSO_UDP_L4);
    assert_int_equal(h.gso_size, 1000);
    assert_int_equal(h.flags, TIP_VNET_F_NEEDS_CSUM);
    assert_int_equal(h.hdr_len, l3 + 8);
    assert_int_equal(h.csum_start, l3);
    assert_int_equal(h.csum_offset, 6);
    assert_int_equal(g16(gro.buf + TIP_VNET_HDR_LEN + l3 + 4), 8 + 4010);
    if (!v6)
        assert_true(ip4_ok(gro.buf + TIP_VNET_HDR_LEN));
    h.gso_type = TIP_VNET_GSO_NONE;
    la = (size_t)tip_vnet_split(&h, gro.buf + TIP_VNET_HDR_LEN, total, pkt, sizeof(pkt), 0, lens, 1);
    assert_int_equal(la, 1);
    assert_true(l4_ok(pkt, total));
}

static void test_coalesce_udp_super_packet(void **state)
{
    (void)state;
    udp_super(0);
    udp_super(1);
}

/* UDP that must stay apart: no USO, a longer datagram, anything after a
 * short one, another port, no checksum, a bad checksum, other IP fields,
 * TCP behind UDP and UDP behind TCP. */
static void test_coalesce_udp_refuses(void **state)
{
    static uint8_t a[2048], b[2048];
    size_t la = build(a, 0, 17, 1000, 0, 0, 0), lb;

    (void)state;
    tip_vnet_gro_init(&gro); /* udp off */
    assert_int_equal(tip_vnet_gro_start(&gro, a, la), TIP_OK);
    lb = build(b, 0, 17, 1000, 0, 0, 1000);
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    gro.udp = 1;
    assert_int_equal(tip_vnet_gro_start(&gro, a, la), TIP_OK);
    lb = build(b, 0, 17, 1001, 0, 0, 1000); /* longer: the kernel would cut it */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 17, 1000, 0, 0, 1000);
    p16(b + 20, 40001); /* another source port ... */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 17, 1000, 0, 0, 1000);
    b[lb - 1] ^= 1; /* corrupted payload */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 17, 1000, 0, 0, 1000);
    p16(b + 26, 0); /* no checksum (IPv4, RFC 768) */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 17, 1000, 0, 0, 1000);
    b[8] = 63; /* another TTL */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 6, 1000, 1, 0x10, 1000); /* TCP */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    lb = build(b, 0, 17, 400, 0, 0, 1000); /* short: taken, and it ends the run */
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 1);
    lb = build(b, 0, 17, 400, 0, 0, 1400);
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    assert_int_equal(tip_vnet_gro_finish(&gro), TIP_VNET_HDR_LEN + la + 400);
    /* a UDP datagram does not join TCP segments */
    la = build(a, 0, 6, 1000, 1, 0x10, 0);
    assert_int_equal(tip_vnet_gro_start(&gro, a, la), TIP_OK);
    lb = build(b, 0, 17, 1000, 0, 0, 1000);
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
    /* an IPv6 datagram does not join an IPv4 one */
    la = build(a, 0, 17, 1000, 0, 0, 0);
    assert_int_equal(tip_vnet_gro_start(&gro, a, la), TIP_OK);
    lb = build(b, 1, 17, 1000 - 20, 0, 0, 1000);
    assert_int_equal(tip_vnet_gro_append(&gro, b, lb), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_tcp4),
        cmocka_unit_test(test_split_tcp6),
        cmocka_unit_test(test_split_udp4_udp6),
        cmocka_unit_test(test_partial_checksum_completed),
        cmocka_unit_test(test_split_refuses),
        cmocka_unit_test(test_coalesce_roundtrip_v4),
        cmocka_unit_test(test_coalesce_roundtrip_v6),
        cmocka_unit_test(test_coalesce_refuses),
        cmocka_unit_test(test_coalesce_udp_stream_v4),
        cmocka_unit_test(test_coalesce_udp_stream_v6),
        cmocka_unit_test(test_coalesce_udp_super_packet),
        cmocka_unit_test(test_coalesce_udp_refuses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
