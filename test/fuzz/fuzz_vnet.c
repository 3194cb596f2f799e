/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: the POSIX port's TUN offloads
 * (port/posix/tip_port_posix_vnet.h) on packets of the input's choosing.
 *
 * Input: a 10-byte virtio-net header, then the packet.
 *
 *  1. tip_vnet_split(): an error, or exactly tip_vnet_split_count()
 *     packets, each inside its slot; for a super-packet, every packet
 *     carries the original's IP and TCP/UDP headers with a valid TCP/UDP
 *     checksum (and IPv4 header checksum), and the payloads put together are
 *     the original's payload.
 *  2. Those packets coalesced (tip_vnet_gro_start / _append; UDP datagrams
 *     too unless the header's flags have bit 7 set): whatever was appended
 *     comes out of tip_vnet_gro_finish() as one packet that splits again
 *     into the very same packets; a run is never longer than its buffer.
 *  3. The raw packet handed to the coalescer twice: no crash, and a single
 *     packet comes out unchanged behind a zero header.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix_vnet.h"

#define FZ_CHECK(c)                                                                                \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c);              \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (0)

#define SLOT 2048u
#define MAXP 64u

static uint8_t segs[MAXP * SLOT], again[MAXP * SLOT];
static size_t lens[MAXP], lens2[MAXP];
static tip_vnet_gro_t gro;

static unsigned g16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        s += g16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return s;
}

/* IP and L4 header lengths of a packet split made (it parsed it). */
static void hdrs(const uint8_t *p, size_t *l3, size_t *l4, unsigned *proto)
{
    *l3 = (p[0] >> 4) == 4 ? (size_t)(p[0] & 15) * 4 : 40;
    *proto = (p[0] >> 4) == 4 ? p[9] : p[6];
    *l4 = *proto == 6 ? (size_t)(p[*l3 + 12] >> 4) * 4 : 8;
}

static void check_segment(const uint8_t *d, size_t len, const uint8_t *orig)
{
    size_t l3, l4;
    unsigned proto;
    uint32_t s;

    hdrs(d, &l3, &l4, &proto);
    FZ_CHECK(len >= l3 + l4);
    if ((d[0] >> 4) == 4) {
        FZ_CHECK(g16(d + 2) == len);
        FZ_CHECK(sum16(d, l3, 0) == 0xFFFF);
        s = sum16(d + 12, 8, 0);
    } else {
        FZ_CHECK(g16(d + 4) == len - 40);
        s = sum16(d + 8, 32, 0);
    }
    s = sum16(d + l3, len - l3, s + proto + (uint32_t)(len - l3));
    FZ_CHECK(s == 0xFFFF);
    /* addresses and ports as in the original */
    FZ_CHECK(memcmp(d + ((d[0] >> 4) == 4 ? 12 : 8), orig + ((d[0] >> 4) == 4 ? 12 : 8),
                    (d[0] >> 4) == 4 ? 8 : 32) == 0);
    FZ_CHECK(memcmp(d + l3, orig + l3, 4) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tip_vnet_hdr_t h;
    const uint8_t *pkt;
    size_t len, at = 0, l3, l4, hl, out;
    unsigned proto, count, i, appended = 0;
    int n, n2;

    if (size < TIP_VNET_HDR_LEN + 1 || size > TIP_VNET_HDR_LEN + TIP_VNET_PKT_MAX)
        return 0;
    tip_vnet_hdr_get(data, &h);
    gro.udp = (h.flags & 0x80u) == 0;
    pkt = data + TIP_VNET_HDR_LEN;
    len = size - TIP_VNET_HDR_LEN;

    /* 1. split */
    count = tip_vnet_split_count(&h, pkt, len);
    n = tip_vnet_split(&h, pkt, len, segs, SLOT, 16, lens, MAXP);
    if (n > 0) {
        FZ_CHECK((unsigned)n == count);
        for (i = 0; i < (unsigned)n; i++)
            FZ_CHECK(lens[i] > 0 && lens[i] <= SLOT - 16);
    } else {
        FZ_CHECK(n == TIP_ERR_MALFORMED || n == TIP_ERR_BUF_SPACE);
    }
    if (n > 0 && h.gso_type != TIP_VNET_GSO_NONE) {
        hdrs(pkt, &l3, &l4, &proto);
        hl = l3 + l4;
        for (i = 0; i < (unsigned)n; i++) {
            const uint8_t *d = segs + i * SLOT + 16;

            check_segment(d, lens[i], pkt);
            FZ_CHECK(memcmp(d + hl, pkt + hl + at, lens[i] - hl) == 0);
            at += lens[i] - hl;
        }
        FZ_CHECK(hl + at == len);

        /* 2. coalesce what split made, then split it again */
        FZ_CHECK(tip_vnet_gro_start(&gro, segs + 16, lens[0]) == TIP_OK);
        appended = 1;
        while (appended < (unsigned)n &&
               tip_vnet_gro_append(&gro, segs + appended * SLOT + 16, lens[appended]))
            appended++;
        FZ_CHECK(gro.len <= TIP_VNET_PKT_MAX);
        out = tip_vnet_gro_finish(&gro);
        FZ_CHECK(out > TIP_VNET_HDR_LEN);
        if (appended > 1) {
            tip_vnet_hdr_t h2;

            tip_vnet_hdr_get(gro.buf, &h2);
            n2 = tip_vnet_split(&h2, gro.buf + TIP_VNET_HDR_LEN, out - TIP_VNET_HDR_LEN, again,
                                SLOT, 16, lens2, MAXP);
            FZ_CHECK(n2 == (int)appended);
            for (i = 0; i < appended; i++) {
                FZ_CHECK(lens2[i] == lens[i]);
                FZ_CHECK(memcmp(again + i * SLOT + 16, segs + i * SLOT + 16, lens[i]) == 0);
            }
        } else {
            FZ_CHECK(out == TIP_VNET_HDR_LEN + lens[0]);
            FZ_CHECK(memcmp(gro.buf + TIP_VNET_HDR_LEN, segs + 16, lens[0]) == 0);
        }
    }

    /* 3. the raw packet, twice, into the coalescer */
    if (tip_vnet_gro_start(&gro, pkt, len) == TIP_OK) {
        int second = tip_vnet_gro_append(&gro, pkt, len);

        out = tip_vnet_gro_finish(&gro);
        FZ_CHECK(out >= TIP_VNET_HDR_LEN + len);
        if (!second) {
            static const uint8_t zero[TIP_VNET_HDR_LEN];

            FZ_CHECK(out == TIP_VNET_HDR_LEN + len);
            FZ_CHECK(memcmp(gro.buf, zero, TIP_VNET_HDR_LEN) == 0);
            FZ_CHECK(memcmp(gro.buf + TIP_VNET_HDR_LEN, pkt, len) == 0);
        }
    }
    return 0;
}
