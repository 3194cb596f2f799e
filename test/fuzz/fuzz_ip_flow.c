/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: tip_ip_parse() and tip_flow_from_packet() on arbitrary
 * bytes, in both directions. The first input byte picks nothing but a
 * selector to match against; the rest is the packet, copied into a buffer of
 * exactly its size so ASan sees any read past the end.
 *
 * Invariants (trap on violation):
 *  - a parsed header stays inside the packet: hdr_len <= l4_off <=
 *    total_len <= len, nh_off < l4_off, p[nh_off] == proto;
 *  - the parse is pure (the bytes are unchanged);
 *  - tip_flow_from_packet() agrees with tip_ip_parse() and the two
 *    directions are mirror images of each other.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "tinyipsec/tinyipsec.h"

/* Report the failed check, then trap so libFuzzer saves the input. */
#define FZ_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                             \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

/* Equal in family and in the bytes the family uses. */
static int fz_addr_eq(const tip_addr_t *a, const tip_addr_t *b)
{
    size_t n = a->family == TIP_AF_INET6 ? 16u : 4u;
    return a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

/* types.h: "IPv4 uses addr[0..3], rest zero". Off unless built with
 * -DTIP_FUZZ_CHECK_ADDR_TAIL=1 until tip_ipv4_parse() zeroes the tail (see
 * test/fuzz/README.md, finding 1): the bytes are uninitialised stack. */
#ifndef TIP_FUZZ_CHECK_ADDR_TAIL
#define TIP_FUZZ_CHECK_ADDR_TAIL 1
#endif
static int fz_addr_tail_zero(const tip_addr_t *a)
{
    static const uint8_t zero[12];
    return !TIP_FUZZ_CHECK_ADDR_TAIL || a->family != TIP_AF_INET ||
           memcmp(a->addr + 4, zero, 12) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t sel_byte;
    uint8_t *p, *copy;
    size_t len;
    tip_ip_info_t ip;
    tip_flow_t in, out;
    int rc, rc_in, rc_out;

    if (size < 1)
        return 0;
    sel_byte = data[0];
    len = size - 1;
    /* malloc(0) may return NULL; keep a valid pointer for len 0. */
    p = malloc(len ? len : 1);
    copy = malloc(len ? len : 1);
    if (p == NULL || copy == NULL)
        abort();
    memcpy(p, data + 1, len);
    memcpy(copy, data + 1, len);

    memset(&ip, 0xA5, sizeof(ip));
    rc = tip_ip_parse(p, len, &ip);
    FZ_CHECK(rc == TIP_OK || rc == TIP_ERR_MALFORMED || rc == TIP_ERR_UNSUPPORTED);
    if (rc == TIP_OK) {
        FZ_CHECK(len >= 1 && ip.version == (p[0] >> 4));
        FZ_CHECK(ip.version == 4 || ip.version == 6);
        FZ_CHECK(ip.hdr_len >= (ip.version == 4 ? 20u : 40u));
        FZ_CHECK(ip.hdr_len <= ip.l4_off);
        FZ_CHECK(ip.l4_off <= ip.total_len);
        FZ_CHECK(ip.total_len <= len);
        FZ_CHECK(ip.nh_off < ip.l4_off);
        FZ_CHECK(p[ip.nh_off] == ip.proto);
        FZ_CHECK(ip.nonfirst_frag == 0 || ip.nonfirst_frag == 1);
        FZ_CHECK(ip.src.family == (ip.version == 4 ? TIP_AF_INET : TIP_AF_INET6));
        FZ_CHECK(ip.dst.family == ip.src.family);
        /* The Internet checksum helpers over the parsed header. */
        (void)tip_csum_fold(tip_csum_add(0, p, ip.hdr_len));
    }

    memset(&in, 0x5A, sizeof(in));
    memset(&out, 0x5A, sizeof(out));
    rc_in = tip_flow_from_packet(p, len, TIP_DIR_IN, &in);
    rc_out = tip_flow_from_packet(p, len, TIP_DIR_OUT, &out);
    FZ_CHECK(rc_in == rc_out);
    if (rc != TIP_OK) {
        FZ_CHECK(rc_in == rc);
    } else if (rc_in == TIP_OK) {
        FZ_CHECK(in.proto == ip.proto && out.proto == ip.proto);
        FZ_CHECK(fz_addr_eq(&out.local, &ip.src) && fz_addr_eq(&out.remote, &ip.dst));
        FZ_CHECK(fz_addr_eq(&in.local, &ip.dst) && fz_addr_eq(&in.remote, &ip.src));
        FZ_CHECK(in.local_port == out.remote_port && in.remote_port == out.local_port);
        FZ_CHECK(fz_addr_tail_zero(&in.local) && fz_addr_tail_zero(&in.remote));
        FZ_CHECK(fz_addr_tail_zero(&ip.src) && fz_addr_tail_zero(&ip.dst));
        /* The same fields are OPAQUE seen from either side, they read 0,
         * and a non-first fragment has no ports at all. */
        FZ_CHECK(((in.opaque & TIP_FLOW_OPAQUE_LOCAL_PORT) != 0) ==
                     ((out.opaque & TIP_FLOW_OPAQUE_REMOTE_PORT) != 0) &&
                 ((in.opaque & TIP_FLOW_OPAQUE_REMOTE_PORT) != 0) ==
                     ((out.opaque & TIP_FLOW_OPAQUE_LOCAL_PORT) != 0));
        FZ_CHECK(!(in.opaque & TIP_FLOW_OPAQUE_LOCAL_PORT) || in.local_port == 0);
        FZ_CHECK(!(in.opaque & TIP_FLOW_OPAQUE_REMOTE_PORT) || in.remote_port == 0);
        if (ip.nonfirst_frag)
            FZ_CHECK(in.local_port == 0 && in.remote_port == 0);
        {
            /* A selector built from the flow itself must match it; one
             * picked by the input byte must not crash. */
            tip_selector_t s;
            memset(&s, 0, sizeof(s));
            FZ_CHECK(tip_addr_range_prefix(&s.local, &in.local,
                                           in.local.family == TIP_AF_INET ? 32u : 128u) == TIP_OK);
            FZ_CHECK(tip_addr_range_prefix(&s.remote, &in.remote,
                                           in.remote.family == TIP_AF_INET ? 32u : 128u) ==
                     TIP_OK);
            s.proto = in.proto;
            s.local_port_lo = s.local_port_hi = in.local_port;
            s.remote_port_lo = s.remote_port_hi = in.remote_port;
            /* An exact port never matches an OPAQUE one; ANY does. */
            if (in.opaque != 0)
                FZ_CHECK(tip_selector_match(&s, &in) == 0);
            if (in.opaque & TIP_FLOW_OPAQUE_LOCAL_PORT)
                s.local_port_hi = 0xFFFF;
            if (in.opaque & TIP_FLOW_OPAQUE_REMOTE_PORT)
                s.remote_port_hi = 0xFFFF;
            FZ_CHECK(tip_selector_match(&s, &in) == 1);
            FZ_CHECK(tip_addr_range_prefix(&s.local, &in.local, sel_byte % 129u) == TIP_OK ||
                     (in.local.family == TIP_AF_INET && sel_byte % 129u > 32u));
            (void)tip_selector_match(&s, &out);
        }
    } else {
        /* A packet whose IP header parses always has a flow: a truncated
         * port or ICMP header only makes those fields OPAQUE. */
        FZ_CHECK(0);
    }
    /* Parsers are pure. */
    FZ_CHECK(memcmp(p, copy, len) == 0);
    free(p);
    free(copy);
    return 0;
}
