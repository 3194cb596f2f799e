/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: the inbound data path, tip_input_ip() and
 * tip_input_udp(), against a context with one inbound SA per suite
 * (AES-GCM-128, ChaCha20-Poly1305, AES-CBC + HMAC-SHA-256, NULL +
 * HMAC-SHA-512, NULL + HMAC-SHA-256, AES-CBC-256 + HMAC-SHA-384), tunnel and
 * transport, IPv4 and IPv6, one ESN SA, one without replay check, two SAs
 * sharing an SPI, SA selectors and PROTECT / BYPASS / DISCARD policies.
 * The SAs are installed once; their replay windows and counters are reset
 * before every input, so an input always means the same thing.
 *
 * Input byte 0, bit 0 picks the mode; bit 1 makes the port's
 * sequence-number store fail (every SA is manually keyed; SA 6 resumes from
 * a stored mark):
 *
 *  raw (0)         byte 1 picks the entry point, addresses and buffer room;
 *                  the rest is the packet as received.
 *  structured (1)  the rest drives a small builder that makes packets the
 *                  SAs accept: an inner packet is ESP-protected with the
 *                  matching outbound SA of a second context (same keys and
 *                  SPI), or a plaintext of the input's choosing (payload,
 *                  TFC padding, padding, pad length, next header) is sealed
 *                  with that SA's crypto state, so the ICV is valid and the
 *                  parsers behind the ICV check (padding, next header, inner
 *                  IP, transport header rebuild, selector check) run on
 *                  fuzzed bytes. Optional mutations: NULL-encryption
 *                  plaintext bytes rewritten and re-signed, or any byte
 *                  flipped without re-signing ("dirty": must never be
 *                  accepted). Up to four packets per input share the replay
 *                  window.
 *
 * Invariants (trap on violation), checked after every call:
 *  - never TIP_ERR_INTERNAL / TIP_ERR_ARG, never an unknown value;
 *  - an error counts exactly one drop (context or SA) and leaves every SA's
 *    packets, bytes and replay window unchanged; the only exception is an
 *    authenticated packet refused after the ICV check (padding, next
 *    header, inner packet, policy), whose sequence number the window may
 *    record (RFC 4303 3.4.3 moves the window once the ICV verified). Build
 *    with -DTIP_FUZZ_STRICT_REPLAY=1 to forbid that too (see README.md);
 *  - TIP_RX_DATA: off/len inside the buffer, the inner packet parses with
 *    tip_ip_parse() and its total length is the buffer length, it matches
 *    the SA's selectors / inbound policy, exactly one SA counted one packet
 *    of len bytes, the same bytes again are a replay (unless the SA has no
 *    replay check), a dirty packet is never accepted, and an unmodified
 *    tunnel packet decrypts to the packet that was sent;
 *  - TIP_RX_BYPASS: a BYPASS policy matches, nothing changed;
 *    TIP_RX_IKE / TIP_RX_CONSUMED: only off/len moved as documented.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "esp.h"
#include "ip.h"
#include "replay.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_internal.h"

#ifndef TIP_FUZZ_STRICT_REPLAY
#define TIP_FUZZ_STRICT_REPLAY 1
#endif

#define FZ_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                             \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

#define FZ_MAX_PKT 2048
#define FZ_ROOM 128

/* ---- input reader ------------------------------------------------------------ */

typedef struct {
    const uint8_t *p;
    size_t n;
} fz_in_t;

static uint8_t fz_u8(fz_in_t *f)
{
    if (f->n == 0)
        return 0;
    f->n--;
    return *f->p++;
}

static uint16_t fz_u16(fz_in_t *f)
{
    uint16_t v = fz_u8(f);
    return (uint16_t)(v << 8 | fz_u8(f));
}

static uint32_t fz_u32(fz_in_t *f)
{
    uint32_t v = fz_u16(f);
    return v << 16 | fz_u16(f);
}

/* Copies @p len bytes of input into @p out, zeros once the input ends. */
static void fz_fill(fz_in_t *f, uint8_t *out, size_t len)
{
    size_t k = len < f->n ? len : f->n;

    memcpy(out, f->p, k);
    memset(out + k, 0, len - k);
    f->p += k;
    f->n -= k;
}

/* ---- the SAs ------------------------------------------------------------------- */

typedef struct {
    tip_encr_t encr;
    size_t ekey_len;
    tip_integ_t integ;
    size_t ikey_len;
    tip_mode_t mode;
    uint32_t spi;
    uint8_t esn, no_replay, has_sel;
    uint16_t window, natt;
    uint32_t reqid;
    const char *src, *dst;         /* outer: the peer, us */
    const char *in_src, *in_dst;   /* inner (tunnel) or the same hosts (transport) */
    const char *sel_remote, *sel_local; /* "addr/prefix", NULL = policy decides */
    uint8_t sel_proto;
} fz_sa_def_t;

static const fz_sa_def_t fz_defs[] = {
    /* 0: AES-GCM-128, tunnel, IPv4 in IPv4 */
    {TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0, TIP_MODE_TUNNEL, 0x1001, 0, 0, 0, 0, 0, 1,
     "192.0.2.1", "192.0.2.2", "10.1.0.5", "10.2.0.7", NULL, NULL, 0},
    /* 1: ChaCha20-Poly1305, tunnel, IPv6 in IPv6, ESN */
    {TIP_ENCR_CHACHA20_POLY1305, 36, TIP_INTEG_NONE, 0, TIP_MODE_TUNNEL, 0x1002, 1, 0, 0, 0, 0,
     2, "2001:db8::1", "2001:db8::2", "2001:db8:1::5", "2001:db8:2::7", NULL, NULL, 0},
    /* 2: AES-CBC-128 + HMAC-SHA-256, transport, IPv4 */
    {TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_256_128, 32, TIP_MODE_TRANSPORT, 0x1003, 0, 0, 0,
     0, 0, 3, "192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.2", NULL, NULL, 0},
    /* 3: NULL + HMAC-SHA-512, transport, IPv6, NAT-T, SA selectors (UDP only) */
    {TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_512_256, 64, TIP_MODE_TRANSPORT, 0x1004, 0, 0, 1, 0,
     4500, 4, "2001:db8::1", "2001:db8::2", "2001:db8::1", "2001:db8::2", "2001:db8::1/128",
     "2001:db8::2/128", TIP_IPPROTO_UDP},
    /* 4: NULL + HMAC-SHA-256, tunnel, IPv4, no replay check, SA selectors */
    {TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_256_128, 32, TIP_MODE_TUNNEL, 0x1005, 0, 1, 1, 0, 0,
     6, "198.51.100.1", "198.51.100.2", "10.3.0.1", "10.4.0.1", "10.3.0.0/16", "10.4.0.0/16",
     0},
    /* 5: AES-CBC-256 + HMAC-SHA-384, tunnel, IPv6 in IPv4, same SPI as 0 */
    {TIP_ENCR_AES_CBC, 32, TIP_INTEG_HMAC_SHA2_384_192, 48, TIP_MODE_TUNNEL, 0x1001, 0, 0, 0, 32,
     0, 5, "192.0.2.1", "192.0.2.3", "2001:db8:5::1", "2001:db8:6::1", NULL, NULL, 0},
    /* 6: AES-GCM-256, tunnel, IPv4, ESN, resumed from the store (FZ_MARK6) */
    {TIP_ENCR_AES_GCM_16, 36, TIP_INTEG_NONE, 0, TIP_MODE_TUNNEL, 0x1007, 1, 0, 0, 64, 0, 1,
     "192.0.2.1", "192.0.2.2", "10.1.0.5", "10.2.0.7", NULL, NULL, 0},
};
/* The mark SA 6 finds in the store: epoch 2, past the middle of it. */
#define FZ_MARK6 ((2ull << 32) | 0x80000010u)
#define FZ_NSA (sizeof(fz_defs) / sizeof(fz_defs[0]))

/* Addresses the builder may pick besides the SA's own. */
static const char *const fz_addr_text[] = {
    "10.1.0.5",    "10.2.0.7",      "10.3.9.9",      "10.4.0.1",      "10.99.1.1",
    "192.0.2.1",   "192.0.2.2",     "192.0.2.3",     "203.0.113.9",   "198.51.100.2",
    "2001:db8::1", "2001:db8::2",   "2001:db8:1::5", "2001:db8:2::7", "2001:db8:5::1",
    "2001:db8:6::1", "fe80::1",     "::",
};
#define FZ_NADDR (sizeof(fz_addr_text) / sizeof(fz_addr_text[0]))

typedef struct {
    tip_addr_t src, dst, in_src, in_dst;
    tip_handle_t rx, tx;
    tip_sa_counters_t stats0;
    tip_replay_t replay0;
    uint64_t mark0;
} fz_sa_t;

static tip_ctx_t g_rx, g_tx;
static fz_sa_t g_sa[FZ_NSA];
static tip_addr_t g_addr[FZ_NADDR];
static int g_ready;
static int g_store_fails; /* input byte 0, bit 1: every seq_store fails */

/* The sequence-number store of the manual SAs: SA 6 (inbound) resumes
 * from FZ_MARK6, the others are new; a store works unless the input says
 * otherwise (then packets that need one are refused, and change nothing). */
static int fz_seq_load(void *arg, const tip_sa_id_t *sa, uint64_t *mark)
{
    (void)arg;
    if (sa->dir == TIP_DIR_IN && sa->spi == 0x1007) {
        *mark = FZ_MARK6;
        return TIP_OK;
    }
    return TIP_ERR_NOT_FOUND;
}

static int fz_seq_store(void *arg, const tip_sa_id_t *sa, uint64_t mark)
{
    (void)arg;
    (void)sa;
    (void)mark;
    return g_store_fails ? TIP_ERR_PORT : TIP_OK;
}

static uint64_t fz_now(void *arg)
{
    (void)arg;
    return 0;
}

static int fz_random(void *arg, uint8_t *out, size_t len)
{
    size_t i;
    (void)arg;
    for (i = 0; i < len; i++)
        out[i] = (uint8_t)(i * 31u + 7u);
    return 0;
}

static int fz_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    (void)pkt;
    (void)len;
    return 0;
}

static int fz_send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                       uint16_t dport, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)src;
    (void)sport;
    (void)dst;
    (void)dport;
    (void)data;
    (void)len;
    return 0;
}

static tip_addr_t fz_addr(const char *s)
{
    tip_addr_t a;
    FZ_CHECK(tip_addr_parse(&a, s) == TIP_OK);
    return a;
}

static tip_addr_range_t fz_range(const char *s)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t n = (size_t)(slash - s);
    tip_addr_range_t r;
    tip_addr_t a;

    memcpy(buf, s, n);
    buf[n] = '\0';
    a = fz_addr(buf);
    FZ_CHECK(tip_addr_range_prefix(&r, &a, (unsigned)atoi(slash + 1)) == TIP_OK);
    return r;
}

static void fz_policy(tip_action_t action, tip_mode_t mode, const char *local,
                      const char *remote, uint8_t proto, uint16_t lport, const char *tl,
                      const char *tr, uint32_t reqid)
{
    tip_policy_t p;

    memset(&p, 0, sizeof(p));
    p.dir = TIP_DIR_IN;
    p.action = action;
    p.mode = mode;
    if (local != NULL)
        p.sel.local = fz_range(local);
    if (remote != NULL)
        p.sel.remote = fz_range(remote);
    p.sel.proto = proto;
    p.sel.local_port_lo = lport;
    p.sel.local_port_hi = lport ? lport : 0xFFFF;
    p.sel.remote_port_hi = 0xFFFF;
    if (tl != NULL) {
        p.tunnel_local = fz_addr(tl);
        p.tunnel_remote = fz_addr(tr);
    }
    p.reqid = reqid;
    FZ_CHECK(tip_spd_add(&g_rx, &p, TIP_SPD_APPEND, NULL) == TIP_OK);
}

static void fz_setup(void)
{
    static const tip_port_t port = {fz_send_udp, fz_send_ip, fz_now,       fz_random,
                                    NULL,        NULL,       fz_seq_load, fz_seq_store, NULL};
    unsigned i, k;

    FZ_CHECK(tip_ctx_init(&g_rx, &port) == TIP_OK);
    FZ_CHECK(tip_ctx_init(&g_tx, &port) == TIP_OK);
    for (i = 0; i < FZ_NADDR; i++)
        g_addr[i] = fz_addr(fz_addr_text[i]);
    for (i = 0; i < FZ_NSA; i++) {
        const fz_sa_def_t *d = &fz_defs[i];
        fz_sa_t *s = &g_sa[i];
        uint8_t ekey[64], ikey[64];
        tip_sa_params_t p;
        tip_sa_t *sa;
        int err;

        for (k = 0; k < sizeof(ekey); k++) {
            ekey[k] = (uint8_t)(i * 37u + k * 13u + 1u);
            ikey[k] = (uint8_t)(i * 59u + k * 7u + 3u);
        }
        s->src = fz_addr(d->src);
        s->dst = fz_addr(d->dst);
        s->in_src = fz_addr(d->in_src);
        s->in_dst = fz_addr(d->in_dst);
        memset(&p, 0, sizeof(p));
        p.spi = d->spi;
        p.mode = d->mode;
        p.src = s->src;
        p.dst = s->dst;
        p.encr = d->encr;
        p.encr_key = d->ekey_len ? ekey : NULL;
        p.encr_key_len = d->ekey_len;
        p.integ = d->integ;
        p.integ_key = d->ikey_len ? ikey : NULL;
        p.integ_key_len = d->ikey_len;
        p.esn = d->esn;
        p.no_replay = d->no_replay;
        p.replay_window = d->window;
        p.natt_sport = d->natt;
        p.natt_dport = d->natt;
        p.reqid = d->reqid;
        if (d->has_sel) {
            p.has_sel = 1;
            p.sel.local = fz_range(d->sel_local);
            p.sel.remote = fz_range(d->sel_remote);
            p.sel.proto = d->sel_proto;
            p.sel.local_port_hi = 0xFFFF;
            p.sel.remote_port_hi = 0xFFFF;
        }
        p.dir = TIP_DIR_IN;
        FZ_CHECK(tip_sad_add(&g_rx, &p, &s->rx) == TIP_OK);
        p.dir = TIP_DIR_OUT;
        FZ_CHECK(tip_sad_add(&g_tx, &p, &s->tx) == TIP_OK);
        sa = tip_sa_get(&g_rx, s->rx, &err);
        FZ_CHECK(sa != NULL);
        s->stats0 = sa->stats;
        s->replay0 = sa->replay;
        s->mark0 = sa->seq_mark;
        FZ_CHECK(sa->seq_persist == !d->no_replay);
        FZ_CHECK(sa->replay.top == (d->spi == 0x1007 ? FZ_MARK6 : 0u));
    }
    /* Inbound SPD, first match wins. */
    fz_policy(TIP_ACTION_BYPASS, 0, NULL, NULL, TIP_IPPROTO_UDP, 500, NULL, NULL, 0);
    fz_policy(TIP_ACTION_BYPASS, 0, NULL, NULL, TIP_IPPROTO_UDP, 4500, NULL, NULL, 0);
    fz_policy(TIP_ACTION_BYPASS, 0, "fe80::/10", NULL, TIP_IPPROTO_ICMPV6, 0, NULL, NULL, 0);
    fz_policy(TIP_ACTION_DISCARD, 0, NULL, "10.99.0.0/16", 0, 0, NULL, NULL, 0);
    fz_policy(TIP_ACTION_PROTECT, TIP_MODE_TUNNEL, "10.2.0.0/24", "10.1.0.0/24", 0, 0,
              "192.0.2.2", "192.0.2.1", 1);
    fz_policy(TIP_ACTION_PROTECT, TIP_MODE_TUNNEL, "2001:db8:2::/64", "2001:db8:1::/64", 0, 0,
              "2001:db8::2", "2001:db8::1", 2);
    fz_policy(TIP_ACTION_PROTECT, TIP_MODE_TRANSPORT, "192.0.2.2/32", "192.0.2.1/32", 0, 0,
              NULL, NULL, 3);
    fz_policy(TIP_ACTION_PROTECT, TIP_MODE_TRANSPORT, "2001:db8::2/128", "2001:db8::1/128", 0,
              0, NULL, NULL, 4);
    fz_policy(TIP_ACTION_PROTECT, TIP_MODE_TUNNEL, "2001:db8:6::/64", "2001:db8:5::/64", 0, 0,
              "192.0.2.3", "192.0.2.1", 5);
    fz_policy(TIP_ACTION_BYPASS, 0, NULL, "203.0.113.0/24", 0, 0, NULL, NULL, 0);
    g_ready = 1;
}

/* Forget everything the previous input did. */
static void fz_reset(void)
{
    unsigned i;

    memset(g_rx.drops, 0, sizeof(g_rx.drops));
    for (i = 0; i < FZ_NSA; i++) {
        int err;
        tip_sa_t *sa = tip_sa_get(&g_rx, g_sa[i].rx, &err);
        FZ_CHECK(sa != NULL); /* no lifetimes: an SA never goes away */
        sa->stats = g_sa[i].stats0;
        sa->replay = g_sa[i].replay0;
        sa->seq_mark = g_sa[i].mark0;
        sa = tip_sa_get(&g_tx, g_sa[i].tx, &err);
        FZ_CHECK(sa != NULL);
        sa->seq_mark = 0;
    }
}

/* ---- packet builders ------------------------------------------------------------- */

/*
 * An IPv4 or IPv6 header from @p src to @p dst naming @p proto, then @p l4.
 * The input may add IPv4 options, IPv6 extension headers, fragment fields,
 * ECN / TOS, a wrong length or protocol, and trailing bytes.
 * Returns the length, 0 if it does not fit.
 */
static size_t fz_build_ip(fz_in_t *f, int v6, const tip_addr_t *src, const tip_addr_t *dst,
                          uint8_t proto, const uint8_t *l4, size_t l4_len, uint8_t *out,
                          size_t cap)
{
    uint8_t fl = fz_u8(f);
    size_t n;

    if (cap < 60 + 4 * 40 + l4_len + 8)
        return 0;
    if (v6) {
        static const uint8_t ext_types[4] = {0, 43, 44, 60};
        size_t nhp = 6;
        memset(out, 0, 40);
        out[0] = 0x60;
        if (fl & 1) {
            uint8_t tc = fz_u8(f);
            out[0] |= (uint8_t)(tc >> 4);
            out[1] = (uint8_t)(tc << 4);
        }
        out[7] = 64;
        memcpy(out + 8, src->addr, 16);
        memcpy(out + 24, dst->addr, 16);
        n = 40;
        if (fl & 2) {
            unsigned cnt = 1u + fz_u8(f) % 4u, k;
            for (k = 0; k < cnt; k++) {
                uint8_t t = ext_types[fz_u8(f) % 4u];
                size_t el = t == 44 ? 8u : 8u * (1u + fz_u8(f) % 3u);
                out[nhp] = t;
                nhp = n;
                fz_fill(f, out + n, el);
                out[n + 1] = t == 44 ? 0 : (uint8_t)(el / 8u - 1u);
                if (t == 44 && !(fl & 4)) {
                    out[n + 2] = 0; /* offset 0, no M flag: a whole packet */
                    out[n + 3] = 0;
                }
                n += el;
            }
        }
        out[nhp] = (fl & 8) ? fz_u8(f) : proto;
        memcpy(out + n, l4, l4_len);
        n += l4_len;
        tip_store_be16(out + 4, (fl & 16) ? fz_u16(f) : (uint16_t)(n - 40));
    } else {
        size_t hl = 20;
        if (fl & 2)
            hl += 4u * (1u + fz_u8(f) % 10u);
        memset(out, 0, 20);
        out[0] = (uint8_t)(0x40 | hl / 4u);
        if (fl & 1)
            out[1] = fz_u8(f);
        tip_store_be16(out + 6, (fl & 4) ? fz_u16(f) : 0x4000);
        out[8] = 64;
        out[9] = (fl & 8) ? fz_u8(f) : proto;
        memcpy(out + 12, src->addr, 4);
        memcpy(out + 16, dst->addr, 4);
        fz_fill(f, out + 20, hl - 20);
        n = hl;
        memcpy(out + n, l4, l4_len);
        n += l4_len;
        tip_store_be16(out + 2, (fl & 16) ? fz_u16(f) : (uint16_t)n);
        tip_ipv4_fix_checksum(out);
    }
    if (fl & 32) {
        size_t extra = fz_u8(f) % 8u;
        fz_fill(f, out + n, extra);
        n += extra;
    }
    return n;
}

/* Picks an address: the expected one, or one from the table. */
static const tip_addr_t *fz_pick(fz_in_t *f, int other, const tip_addr_t *expected)
{
    if (!other)
        return expected;
    return &g_addr[fz_u8(f) % FZ_NADDR];
}

/* An inner packet (tunnel) or the packet to protect (transport) for SA @p d. */
static size_t fz_build_inner(fz_in_t *f, const fz_sa_t *s, uint8_t *out, size_t cap)
{
    static const uint8_t protos[] = {TIP_IPPROTO_TCP, TIP_IPPROTO_UDP, TIP_IPPROTO_ICMP,
                                     TIP_IPPROTO_SCTP, 0, TIP_IPPROTO_UDP};
    uint8_t fl = fz_u8(f);
    uint8_t l4[20 + 255];
    size_t l4_len, pl;
    int v6 = s->in_src.family == TIP_AF_INET6;
    uint8_t proto = protos[fz_u8(f) % sizeof(protos)];
    const tip_addr_t *src, *dst;

    if (fl & 1)
        v6 = !v6;
    src = fz_pick(f, fl & 2, &s->in_src);
    dst = fz_pick(f, fl & 4, &s->in_dst);
    if (proto == TIP_IPPROTO_ICMP && v6)
        proto = TIP_IPPROTO_ICMPV6;
    if (proto == 0)
        proto = fz_u8(f);
    memset(l4, 0, sizeof(l4));
    switch (proto) {
    case TIP_IPPROTO_TCP:
        l4_len = 20;
        l4[12] = 0x50;
        break;
    case TIP_IPPROTO_UDP:
        l4_len = 8;
        break;
    case TIP_IPPROTO_SCTP:
        l4_len = 12;
        break;
    case TIP_IPPROTO_ICMP:
    case TIP_IPPROTO_ICMPV6:
        l4_len = 8;
        break;
    default:
        l4_len = 0;
        break;
    }
    if (l4_len >= 4) {
        fz_fill(f, l4, 4); /* ports, or ICMP type / code / checksum */
        if (fl & 8)
            l4_len = fz_u8(f) % (l4_len + 1u); /* truncated upper header */
    }
    pl = (fl & 16) ? fz_u8(f) : fz_u8(f) % 32u;
    fz_fill(f, l4 + l4_len, pl);
    l4_len += pl;
    if (proto == TIP_IPPROTO_UDP && l4_len >= 8)
        tip_store_be16(l4 + 4, (uint16_t)l4_len);
    return fz_build_ip(f, v6, src, dst, proto, l4, l4_len, out, cap);
}

/* ---- sealing with the outbound SA's crypto state ------------------------------------ */

static tip_sa_t *fz_tx_sa(unsigned k)
{
    int err;
    tip_sa_t *sa = tip_sa_get(&g_tx, g_sa[k].tx, &err);
    FZ_CHECK(sa != NULL);
    return sa;
}

/* Writes the ICV of esp[0 .. len) (+ ESN high bits) after it. */
static void fz_sign(tip_sa_t *tx, uint8_t *esp, size_t len, uint64_t seq)
{
    uint8_t mac[TIP_CRYPTO_MAX_MAC], hi[4];

    tip_store_be32(hi, (uint32_t)(seq >> 32));
    FZ_CHECK(tip_crypto_hmac(&tx->crypto, esp, len, hi, tx->esn ? 4u : 0u, mac) == TIP_OK);
    memcpy(esp + len, mac, tx->icv_len);
}

/*
 * An ESP packet (SPI .. ICV) around plaintext @p pt (payload + padding +
 * pad length + next header, @p clen bytes), sealed like the peer would.
 */
static size_t fz_seal(fz_in_t *f, unsigned k, uint64_t seq, const uint8_t *pt, size_t clen,
                      uint8_t *esp)
{
    tip_sa_t *tx = fz_tx_sa(k);
    uint8_t *iv = esp + TIP_ESP_HLEN, *body = iv + tx->iv_len;

    tip_store_be32(esp, tx->spi);
    tip_store_be32(esp + 4, (uint32_t)seq);
    memcpy(body, pt, clen);
    switch ((tip_encr_t)tx->encr) {
    case TIP_ENCR_AES_GCM_16:
    case TIP_ENCR_CHACHA20_POLY1305: {
        uint8_t aad[12];
        size_t aad_len = tip_esp_aad(aad, tx->spi, seq, tx->esn);
        if (fz_u8(f) & 1)
            fz_fill(f, iv, 8);
        else
            tip_store_be64(iv, seq);
        FZ_CHECK(tip_crypto_aead_seal(&tx->crypto, iv, aad, aad_len, body, clen, body + clen) ==
                 TIP_OK);
        break;
    }
    case TIP_ENCR_AES_CBC:
        fz_fill(f, iv, 16);
        /* A length that is no multiple of the block is refused before the
         * ICV anyway; leave it unencrypted. */
        if (clen % 16u == 0)
            FZ_CHECK(tip_crypto_cbc(&tx->crypto, iv, body, clen) == TIP_OK);
        fz_sign(tx, esp, TIP_ESP_HLEN + 16u + clen, seq);
        break;
    default:
        fz_sign(tx, esp, TIP_ESP_HLEN + clen, seq);
        break;
    }
    return TIP_ESP_HLEN + tx->iv_len + clen + tx->icv_len;
}

/* ---- checks ---------------------------------------------------------------------- */

typedef struct {
    uint64_t ctx_drops;
    uint64_t drops[FZ_NSA];
    uint64_t packets[FZ_NSA], bytes[FZ_NSA];
    tip_replay_t replay[FZ_NSA];
} fz_snap_t;

static tip_sa_t *fz_rx_sa(unsigned k)
{
    int err;
    tip_sa_t *sa = tip_sa_get(&g_rx, g_sa[k].rx, &err);
    FZ_CHECK(sa != NULL);
    return sa;
}

static void fz_snap(fz_snap_t *s)
{
    unsigned i, r;

    memset(s, 0, sizeof(*s));
    for (r = 0; r < TIP_DROP_COUNT; r++)
        s->ctx_drops += g_rx.drops[r];
    for (i = 0; i < FZ_NSA; i++) {
        const tip_sa_t *sa = fz_rx_sa(i);
        for (r = 0; r < TIP_DROP_COUNT; r++)
            s->drops[i] += sa->stats.drops[r];
        s->packets[i] = sa->stats.packets;
        s->bytes[i] = sa->stats.bytes;
        s->replay[i] = sa->replay;
    }
}

/* Errors that may follow a successful ICV check. */
static int fz_post_auth_err(int rc)
{
    return rc == TIP_ERR_PADDING || rc == TIP_ERR_DUMMY || rc == TIP_ERR_MALFORMED ||
           rc == TIP_ERR_POLICY || rc == TIP_ERR_BUF_SPACE;
}

/* What the harness knows about a packet it built. */
typedef struct {
    int known;        /* structured: the fields below are meaningful */
    unsigned k;       /* SA index */
    uint64_t seq;     /* full sequence number */
    int dirty;        /* changed after signing: must never be accepted */
    const uint8_t *orig; /* tunnel, unmodified: the inner packet sent */
    size_t orig_len;
} fz_meta_t;

static void fz_check_result(int rc, const tip_buf_t *buf, const uint8_t *wire,
                            size_t wire_off, size_t wire_len, const fz_snap_t *before,
                            const fz_meta_t *m, int via_udp);

/* Feeds one packet; returns the result. */
static int fz_feed(const uint8_t *pkt, size_t len, size_t head, size_t tail, int via_udp,
                   const tip_addr_t *src, const tip_addr_t *dst, uint16_t sport,
                   const fz_meta_t *m)
{
    fz_snap_t before;
    tip_buf_t buf;
    uint8_t *mem;
    int rc;

    /* Exactly head + len + tail bytes: ASan sees any access outside. */
    mem = malloc(head + len + tail + 1);
    if (mem == NULL)
        abort();
    memset(mem, 0xCC, head + len + tail + 1);
    memcpy(mem + head, pkt, len);
    buf.base = mem;
    buf.cap = head + len + tail;
    buf.off = head;
    buf.len = len;
    fz_snap(&before);
    if (getenv("FZ_DEBUG") != NULL && m != NULL)
        fprintf(stderr, "feed: sa %u seq %llu dirty %d udp %d len %zu head %zu tail %zu\n",
                m->k, (unsigned long long)m->seq, m->dirty, via_udp, len, head, tail);
    if (via_udp)
        rc = tip_input_udp(&g_rx, src, sport, dst, TIP_PORT_NATT, &buf);
    else
        rc = tip_input_ip(&g_rx, &buf);
    if (getenv("FZ_DEBUG") != NULL)
        fprintf(stderr, "  -> rc %d\n", rc);
    fz_check_result(rc, &buf, pkt, head, len, &before, m, via_udp);
#ifdef TIP_FUZZ_DUMP_DIR
    /* Seed maker: save accepted packets as raw-mode inputs. */
    if (rc == TIP_RX_DATA && m != NULL) {
        static unsigned dumped;
        char name[256];
        FILE *out;
        uint8_t hdr[2] = {0, (uint8_t)(via_udp ? 1 : 0)};
        if (via_udp && src->family == TIP_AF_INET6)
            hdr[1] |= 2; /* fz_raw(): the IPv6 pair */
        snprintf(name, sizeof(name), "%s/raw-sa%u-%s-%u", TIP_FUZZ_DUMP_DIR, m->k,
                 via_udp ? "udp" : "ip", dumped++);
        out = fopen(name, "wb");
        if (out != NULL) {
            fwrite(hdr, 1, 2, out);
            fwrite(pkt, 1, len, out);
            fclose(out);
        }
    }
#endif

    if (rc == TIP_RX_DATA) {
        /* The same bytes again: a replay, unless the SA does not check. */
        unsigned i, acc = FZ_NSA;
        fz_snap_t now;
        int rc2;
        fz_snap(&now);
        for (i = 0; i < FZ_NSA; i++)
            if (now.packets[i] != before.packets[i])
                acc = i;
        memcpy(mem + head, pkt, len);
        buf.off = head;
        buf.len = len;
        if (via_udp)
            rc2 = tip_input_udp(&g_rx, src, sport, dst, TIP_PORT_NATT, &buf);
        else
            rc2 = tip_input_ip(&g_rx, &buf);
        FZ_CHECK(acc < FZ_NSA);
        if (fz_defs[acc].no_replay)
            FZ_CHECK(rc2 == TIP_RX_DATA);
        else
            FZ_CHECK(rc2 == TIP_ERR_REPLAY);
        fz_check_result(rc2, &buf, pkt, head, len, &now, NULL, via_udp);
    }
    free(mem);
    return rc;
}

static void fz_check_result(int rc, const tip_buf_t *buf, const uint8_t *wire,
                            size_t wire_off, size_t wire_len, const fz_snap_t *before,
                            const fz_meta_t *m, int via_udp)
{
    fz_snap_t after;
    uint64_t d_before = before->ctx_drops, d_after;
    unsigned i, changed = 0, counted = FZ_NSA;

    fz_snap(&after);
    d_after = after.ctx_drops;
    for (i = 0; i < FZ_NSA; i++) {
        d_before += before->drops[i];
        d_after += after.drops[i];
    }
    FZ_CHECK(rc != TIP_ERR_INTERNAL && rc != TIP_ERR_ARG);
    FZ_CHECK(rc > TIP_ERR_LAST_ && rc <= TIP_RX_BYPASS);
    /* A store failure is all a failing store may cause. */
    FZ_CHECK(rc != TIP_ERR_SEQ_STORE || g_store_fails);
    for (i = 0; i < FZ_NSA; i++) {
        /* Manual keys: the store always covers the window's top. */
        const tip_sa_t *sa = fz_rx_sa(i);
        FZ_CHECK(!sa->seq_persist || sa->seq_mark >= sa->replay.top);
    }

    if (rc < 0) {
        /* One drop per refused packet, and no other change. */
        FZ_CHECK(d_after == d_before + 1u);
        for (i = 0; i < FZ_NSA; i++) {
            FZ_CHECK(after.packets[i] == before->packets[i]);
            FZ_CHECK(after.bytes[i] == before->bytes[i]);
            if (memcmp(&after.replay[i], &before->replay[i], sizeof(tip_replay_t)) != 0) {
                changed++;
                counted = i;
            }
        }
        if (changed != 0) {
            /* Only an authenticated packet refused after the ICV check may
             * have moved the window, and only to record its own number. */
            FZ_CHECK(!TIP_FUZZ_STRICT_REPLAY);
            FZ_CHECK(changed == 1 && fz_post_auth_err(rc));
            FZ_CHECK(m == NULL || !m->known || !m->dirty);
            FZ_CHECK(after.drops[counted] == before->drops[counted] + 1u);
            if (m != NULL && m->known) {
                FZ_CHECK(counted == m->k);
                FZ_CHECK(tip_replay_check(&after.replay[counted], m->seq) != TIP_OK);
            }
        }
        return;
    }
    FZ_CHECK(d_after == d_before);
    for (i = 0; i < FZ_NSA; i++) {
        if (after.packets[i] != before->packets[i]) {
            changed++;
            counted = i;
        }
    }
    switch (rc) {
    case TIP_RX_DATA: {
        tip_ip_info_t ip;
        tip_flow_t flow;
        const tip_sa_t *sa;
        const uint8_t *p;

        FZ_CHECK(changed == 1);
        sa = fz_rx_sa(counted);
        FZ_CHECK(after.packets[counted] == before->packets[counted] + 1u);
        FZ_CHECK(after.bytes[counted] == before->bytes[counted] + buf->len);
        FZ_CHECK(buf->off <= buf->cap && buf->len <= buf->cap - buf->off);
        p = buf->base + buf->off;
        FZ_CHECK(tip_ip_parse(p, buf->len, &ip) == TIP_OK);
        FZ_CHECK(ip.total_len == buf->len);
        FZ_CHECK(tip_flow_from_packet(p, buf->len, TIP_DIR_IN, &flow) == TIP_OK);
        FZ_CHECK(tip_spd_check_inbound_sa(&g_rx, sa, &flow) == TIP_OK);
        if (sa->has_sel)
            FZ_CHECK(tip_selector_match(&sa->sel, &flow));
        if (!sa->no_replay && m != NULL && m->known)
            FZ_CHECK(tip_replay_check(&sa->replay, m->seq) == TIP_ERR_REPLAY);
        if (m != NULL && m->known) {
            FZ_CHECK(!m->dirty);
            FZ_CHECK(counted == m->k);
            if (m->orig != NULL) {
                /* Unmodified tunnel packet: the same packet comes out, but
                 * for the ECN bits (and so the IPv4 header checksum). */
                FZ_CHECK(buf->len == m->orig_len);
                if (ip.version == 4)
                    FZ_CHECK(p[0] == m->orig[0] && p[9] == m->orig[9] &&
                             memcmp(p + 12, m->orig + 12, buf->len - 12) == 0);
                else
                    FZ_CHECK(memcmp(p + 2, m->orig + 2, buf->len - 2) == 0);
            }
        }
        break;
    }
    case TIP_RX_BYPASS: {
        tip_flow_t flow;
        tip_handle_t ph;
        tip_policy_t pol;
        FZ_CHECK(!via_udp && changed == 0);
        FZ_CHECK(buf->off == wire_off && buf->len == wire_len);
        FZ_CHECK(memcmp(buf->base + buf->off, wire, wire_len) == 0);
        FZ_CHECK(tip_flow_from_packet(wire, wire_len, TIP_DIR_IN, &flow) == TIP_OK);
        FZ_CHECK(tip_spd_lookup(&g_rx, TIP_DIR_IN, &flow, &ph) == TIP_OK);
        FZ_CHECK(tip_spd_get(&g_rx, ph, &pol) == TIP_OK && pol.action == TIP_ACTION_BYPASS);
        break;
    }
    case TIP_RX_IKE:
        FZ_CHECK(via_udp && changed == 0);
        FZ_CHECK(wire_len >= 4 && tip_load_be32(wire) == 0);
        FZ_CHECK(buf->off == wire_off + 4 && buf->len == wire_len - 4);
        break;
    case TIP_RX_CONSUMED:
        FZ_CHECK(via_udp && changed == 0 && wire_len == 1 && wire[0] == 0xFF);
        break;
    default:
        FZ_CHECK(0);
    }
}

/* ---- the two modes ------------------------------------------------------------------ */

static void fz_raw(fz_in_t *f)
{
    uint8_t sel = fz_u8(f);
    size_t head = (sel & 8) ? 0 : (sel & 16) ? 24 : FZ_ROOM;
    size_t tail = (sel & 32) ? 0 : FZ_ROOM;
    int via_udp = sel & 1;
    /* UDP: (src, dst) pair of an SA, or mismatched families. */
    unsigned k = (sel >> 1) & 3u;
    const tip_addr_t *src = &g_sa[k < 2 ? k : 3].src, *dst = &g_sa[k < 2 ? k : 3].dst;

    if (k == 3)
        dst = &g_sa[0].dst; /* IPv6 peer, IPv4 "us" */
    if (f->n > FZ_MAX_PKT)
        return;
    (void)fz_feed(f->p, f->n, head, tail, via_udp, src, dst, 4500, NULL);
}

/* Full sequence number for the next packet on SA @p k. */
static uint64_t fz_pick_seq(fz_in_t *f, unsigned k)
{
    const tip_sa_t *rx = fz_rx_sa(k);
    uint64_t top = rx->replay.top, seq;
    uint8_t how = fz_u8(f);

    switch (how % 5u) {
    case 0:
        seq = top + 1u;
        break;
    case 1:
        seq = top + 1u + fz_u8(f);
        break;
    case 2:
        seq = top - fz_u8(f);
        break;
    case 3:
        seq = fz_u32(f);
        if (fz_defs[k].esn)
            seq |= (uint64_t)fz_u32(f) << 32;
        break;
    default:
        /* Around the 32-bit boundary, where ESN inference gets hard. */
        seq = 0xFFFFFF00u + fz_u16(f) % 0x200u;
        break;
    }
    if (!fz_defs[k].esn)
        seq &= 0xFFFFFFFFu;
    return seq;
}

static void fz_structured(fz_in_t *f)
{
    static uint8_t inner[FZ_MAX_PKT], esp[FZ_MAX_PKT + FZ_ROOM], wire[FZ_MAX_PKT + 2 * FZ_ROOM];
    static uint8_t encbuf[FZ_MAX_PKT + 2 * FZ_ROOM], ref[FZ_MAX_PKT + FZ_ROOM];
    unsigned rec, nrec = 1u + fz_u8(f) % 4u;

    for (rec = 0; rec < nrec && f->n > 0; rec++) {
        uint8_t fl = fz_u8(f);
        unsigned k = fz_u8(f) % FZ_NSA;
        const fz_sa_def_t *d = &fz_defs[k];
        const fz_sa_t *s = &g_sa[k];
        tip_sa_t *tx = fz_tx_sa(k);
        int via_udp = fl & 1;
        uint64_t seq = fz_pick_seq(f, k);
        size_t esp_len = 0, ref_len, inner_len, wire_len, head, tail;
        fz_meta_t m;
        unsigned nmut, j;

        memset(&m, 0, sizeof(m));
        m.known = 1;
        m.k = k;
        m.seq = seq;
        if ((fl & 6) != 0) {
            /* (a) The real encapsulation path of the outbound SA. */
            tip_buf_t b;
            tip_ip_info_t oip;
            size_t off;
            inner_len = fz_build_inner(f, s, inner, sizeof(inner));
            if (inner_len == 0 || inner_len > FZ_MAX_PKT - 200)
                continue;
            memcpy(encbuf + FZ_ROOM, inner, inner_len);
            b.base = encbuf;
            b.cap = sizeof(encbuf);
            b.off = FZ_ROOM;
            b.len = inner_len;
            if (seq == 0)
                continue; /* the sender never uses 0 */
            tx->seq = seq - 1u;
            if (tip_esp_encap(&g_tx, s->tx, &b) != TIP_OK)
                continue; /* e.g. an inner packet the encapsulation refuses */
            FZ_CHECK(tip_ip_parse(b.base + b.off, b.len, &oip) == TIP_OK);
            off = oip.l4_off + (oip.proto == TIP_IPPROTO_UDP ? TIP_UDP_HLEN : 0u);
            FZ_CHECK(off <= oip.total_len);
            esp_len = oip.total_len - off;
            memcpy(esp, b.base + b.off + off, esp_len);
            if (d->mode == TIP_MODE_TUNNEL && tip_ip_parse(inner, inner_len, &oip) == TIP_OK &&
                oip.total_len == inner_len) {
                m.orig = inner;
                m.orig_len = inner_len;
            }
        } else {
            /* (b) A plaintext of the input's choosing, sealed. */
            uint8_t pt[FZ_MAX_PKT];
            uint8_t pf = fz_u8(f);
            size_t pl = 0, block = tx->block, padlen, i;
            uint8_t nh;
            if (pf & 1) {
                pl = fz_build_inner(f, s, pt, sizeof(pt) - 300);
            } else {
                pl = fz_u8(f);
                fz_fill(f, pt, pl);
            }
            if (pf & 2) { /* TFC padding (RFC 4303 2.7) */
                size_t tfc = fz_u8(f) % 64u;
                fz_fill(f, pt + pl, tfc);
                pl += tfc;
            }
            if (pf & 4) {
                padlen = fz_u8(f);
                fz_fill(f, pt + pl, padlen);
            } else {
                padlen = (block - (pl + 2u) % block) % block + block * (fz_u8(f) % 3u);
                for (i = 0; i < padlen; i++)
                    pt[pl + i] = (uint8_t)(i + 1u);
                if ((pf & 8) && padlen > 0)
                    pt[pl + fz_u8(f) % padlen] ^= (uint8_t)(1u + fz_u8(f) % 255u);
            }
            if (pf & 16)
                nh = fz_u8(f);
            else if (d->mode == TIP_MODE_TRANSPORT)
                nh = (pf & 1) && pl > 0 && (pt[0] >> 4) == 4 ? pt[9] : TIP_IPPROTO_UDP;
            else
                nh = pl > 0 && (pt[0] >> 4) == 6 ? TIP_IPPROTO_IPV6 : TIP_IPPROTO_IPIP;
            pt[pl + padlen] = (uint8_t)padlen;
            pt[pl + padlen + 1u] = nh;
            esp_len = fz_seal(f, k, seq, pt, pl + padlen + 2u, esp);
        }

        /* Mutations of the sealed packet; ref keeps the last signed form. */
        memcpy(ref, esp, esp_len);
        ref_len = esp_len;
        nmut = fz_u8(f) % 4u;
        for (j = 0; j < nmut && esp_len > 0; j++) {
            uint8_t how = fz_u8(f);
            size_t pos;
            if (getenv("FZ_DEBUG") != NULL)
                fprintf(stderr, "mutation how=%u\n", how);
            if ((how & 3) != 0 && tx->encr == TIP_ENCR_NULL &&
                esp_len > TIP_ESP_HLEN + tx->icv_len) {
                /* NULL encryption: rewrite a plaintext byte (trailer and
                 * inner header most often) and re-sign. */
                size_t clen = esp_len - TIP_ESP_HLEN - tx->icv_len;
                uint8_t *body = esp + TIP_ESP_HLEN;
                if ((how & 3) == 1)
                    pos = clen - 1u - fz_u8(f) % (clen < 4 ? clen : 4u);
                else if ((how & 3) == 2)
                    pos = fz_u8(f) % (clen < 64 ? clen : 64u);
                else
                    pos = fz_u16(f) % clen;
                body[pos] = fz_u8(f);
                fz_sign(tx, esp, TIP_ESP_HLEN + clen, seq);
                /* Re-signed: authentic again, whatever changed before, and
                 * with the sequence number it now carries. */
                memcpy(ref, esp, esp_len);
                ref_len = esp_len;
                m.seq = (seq & 0xFFFFFFFF00000000u) | tip_load_be32(esp + 4);
                m.orig = NULL;
            } else if ((how & 3) == 0) {
                /* Any byte, not re-signed. */
                uint8_t v;
                pos = fz_u16(f) % esp_len;
                v = fz_u8(f);
                if (getenv("FZ_DEBUG") != NULL)
                    fprintf(stderr, "dirty pos %zu of %zu: %02x -> %02x\n", pos, esp_len,
                            esp[pos], v);
                esp[pos] = v;
            } else if (how & 4) {
                /* Truncate. */
                size_t cut = 1u + fz_u8(f) % 16u;
                esp_len = cut < esp_len ? esp_len - cut : 0;
            }
        }
        m.dirty = esp_len != ref_len || memcmp(esp, ref, esp_len) != 0;
        if (m.dirty)
            m.orig = NULL;

        head = (fl & 8) ? fz_u8(f) % 64u : FZ_ROOM;
        tail = (fl & 16) ? fz_u8(f) % 64u : FZ_ROOM;
        if (via_udp) {
            const tip_addr_t *src = fz_pick(f, fl & 32, &s->src);
            const tip_addr_t *dst = fz_pick(f, fl & 64, &s->dst);
            (void)fz_feed(esp, esp_len, head, tail, 1, src, dst, d->natt ? d->natt : 4500, &m);
        } else {
            const tip_addr_t *src = fz_pick(f, fl & 32, &s->src);
            const tip_addr_t *dst = fz_pick(f, fl & 64, &s->dst);
            int v6 = s->src.family == TIP_AF_INET6;
            if (fl & 128)
                v6 = !v6;
            wire_len = fz_build_ip(f, v6, src, dst, TIP_IPPROTO_ESP, esp, esp_len, wire,
                                   sizeof(wire));
            if (wire_len == 0)
                continue;
            (void)fz_feed(wire, wire_len, head, tail, 0, src, dst, 0, &m);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t f;

    if (size < 1)
        return 0;
    if (!g_ready)
        fz_setup();
    fz_reset();
    g_store_fails = (data[0] & 2) != 0;
    f.p = data + 1;
    f.n = size - 1;
    if (data[0] & 1)
        fz_structured(&f);
    else
        fz_raw(&f);
    return 0;
}
