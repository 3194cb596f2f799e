/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The plain-ESP input path of port/lwip (tip_lwip_ip4_input_hook() and the
 * raw pcb behind lwIP's reassembly) on one host lwIP stack, NO_SYS=1.
 *
 * lwIP calls LWIP_HOOK_IP4_INPUT before it checks lengths, trims padding
 * or reassembles. Every case feeds the hook the pbuf lwIP would: the hook
 * must take a valid unfragmented ESP packet for us (and deliver the
 * decrypted inner packet to the tunnel netif), trim link-layer padding,
 * and leave everything else to lwIP without reading past the pbuf: short
 * packets, bad lengths, a header split over a chain, fragments, a bad
 * checksum, another destination, other protocols. Fragments sent through
 * lwIP's input are reassembled there and reach tinyipsec through the raw
 * pcb.
 *
 * The ESP packets come from a second tinyipsec context (tip_esp_encap())
 * with the same manual key as the lwIP side's inbound SA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/inet_chksum.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include "tip_lwip_hooks.h"
#include "tip_port_lwip.h"
#include "tl_link.h"

#define SPI 0x2002u

static const uint8_t key[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0xca, 0xfe, 0xba, 0xbe};

static tip_ctx_t ctx_a;   /* the sender (no lwIP) */
static tip_handle_t sa_out;
static tip_ctx_t ctx_b;   /* the lwIP side */
static tip_lwip_t port_b;
static struct netif lnk, tun;

static uint8_t inner[1500];
static size_t inner_len;
static uint8_t got[2048];
static size_t got_len;
static unsigned delivered;

/* ---- the sender's port: nothing is sent, tip_esp_encap() only builds ---- */
static int a_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    (void)pkt;
    (void)len;
    return TIP_ERR_PORT;
}

static uint64_t a_now(void *arg)
{
    (void)arg;
    return tl_now_ms();
}

/* A sequence-number store in memory: one mark, and how often it was used. */
static uint64_t seq_mark;
static unsigned seq_loads, seq_stores;

static int seq_load(void *arg, const tip_sa_id_t *sa, uint64_t *mark)
{
    (void)arg;
    (void)sa;
    seq_loads++;
    if (seq_stores == 0)
        return TIP_ERR_NOT_FOUND;
    *mark = seq_mark;
    return 0;
}

static int seq_store(void *arg, const tip_sa_id_t *sa, uint64_t mark)
{
    (void)arg;
    (void)sa;
    seq_stores++;
    seq_mark = mark;
    return 0;
}

static err_t capture(struct pbuf *p, struct netif *inp)
{
    (void)inp;
    got_len = pbuf_copy_partial(p, got, sizeof(got), 0);
    delivered++;
    pbuf_free(p);
    return ERR_OK;
}

static unsigned ike_sent; /* UDP datagrams to port 500 that left on the link */
static uint8_t wire[2048]; /* the last ESP packet that left on the link */
static size_t wire_len;
static const struct pbuf *wire_pbuf; /* the pbuf it left in */

static err_t link_out(struct netif *nif, struct pbuf *p, const ip4_addr_t *a)
{
    uint8_t h[24];

    (void)nif;
    (void)a;
    if (pbuf_copy_partial(p, h, sizeof(h), 0) == sizeof(h) && h[9] == 17 && h[22] == 500 >> 8 &&
        h[23] == (500 & 0xFF))
        ike_sent++;
    if (p->tot_len >= 20 && pbuf_get_at(p, 9) == 50) {
        wire_len = pbuf_copy_partial(p, wire, sizeof(wire), 0);
        wire_pbuf = p;
    }
    return ERR_OK;
}

static err_t link_init(struct netif *nif)
{
    nif->output = link_out;
    return ERR_OK;
}

static void sa_params(tip_sa_params_t *sa, tip_dir_t dir)
{
    memset(sa, 0, sizeof(*sa));
    sa->dir = dir;
    sa->spi = SPI;
    sa->mode = TIP_MODE_TUNNEL;
    assert_int_equal(tip_addr_parse(&sa->src, "192.0.2.1"), 0);
    assert_int_equal(tip_addr_parse(&sa->dst, "192.0.2.2"), 0);
    sa->encr = TIP_ENCR_AES_GCM_16;
    sa->encr_key = key;
    sa->encr_key_len = sizeof(key);
    sa->fresh_keys = 1;
}

/* A PROTECT policy between 10.2/16 (side B) and 10.1/16 (side A), seen from
 * @p side_b or from A, for direction @p dir. */
static void policy_add(tip_ctx_t *ctx, int side_b, tip_dir_t dir)
{
    tip_policy_t pol;
    tip_addr_t a;

    memset(&pol, 0, sizeof(pol));
    pol.dir = dir;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    assert_int_equal(tip_addr_parse(&pol.tunnel_local, side_b ? "192.0.2.2" : "192.0.2.1"), 0);
    assert_int_equal(tip_addr_parse(&pol.tunnel_remote, side_b ? "192.0.2.1" : "192.0.2.2"), 0);
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;
    assert_int_equal(tip_addr_parse(&a, side_b ? "10.2.0.0" : "10.1.0.0"), 0);
    assert_int_equal(tip_addr_range_prefix(&pol.sel.local, &a, 16), 0);
    assert_int_equal(tip_addr_parse(&a, side_b ? "10.1.0.0" : "10.2.0.0"), 0);
    assert_int_equal(tip_addr_range_prefix(&pol.sel.remote, &a, 16), 0);
    assert_int_equal(tip_spd_add(ctx, &pol, TIP_SPD_APPEND, NULL), 0);
}

static void policy_in(tip_ctx_t *ctx)
{
    policy_add(ctx, 1, TIP_DIR_IN);
}

/* The SA B -> A (SPI_BA): outbound on B, inbound on A. */
#define SPI_BA 0x3003u

static void sa_params_ba(tip_sa_params_t *sa, tip_dir_t dir)
{
    sa_params(sa, dir);
    sa->spi = SPI_BA;
    assert_int_equal(tip_addr_parse(&sa->src, "192.0.2.2"), 0);
    assert_int_equal(tip_addr_parse(&sa->dst, "192.0.2.1"), 0);
}

static int setup(void **state)
{
    static int once;
    tip_port_t pa;
    tip_lwip_cfg_t cfg;
    tip_sa_params_t sa;
    ip4_addr_t ip, mask;

    (void)state;
    if (once)
        return 0;
    once = 1;
    lwip_init();
    IP4_ADDR(&ip, 192, 0, 2, 2);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    assert_non_null(netif_add(&lnk, &ip, &mask, IP4_ADDR_ANY4, NULL, link_init, netif_input));
    netif_set_up(&lnk);
    netif_set_link_up(&lnk);

    tip_lwip_cfg_init(&cfg);
    cfg.random = tl_random;
    cfg.esp_ip = 1;
    cfg.seq_load = seq_load;
    cfg.seq_store = seq_store;
    assert_int_equal(tip_lwip_init(&port_b, &ctx_b, &cfg), 0);
    IP4_ADDR(&ip, 10, 2, 0, 1);
    IP4_ADDR(&mask, 255, 0, 0, 0);
    assert_int_equal(tip_lwip_tunnel_add(&port_b, &tun, &ip, &mask, 1400, capture), 0);
    sa_params(&sa, TIP_DIR_IN);
    sa.no_replay = 1; /* the same packet is fed more than once */
    assert_int_equal(tip_sad_add(&ctx_b, &sa, NULL), 0);
    policy_in(&ctx_b);
    sa_params_ba(&sa, TIP_DIR_OUT);
    assert_int_equal(tip_sad_add(&ctx_b, &sa, NULL), 0);
    policy_add(&ctx_b, 1, TIP_DIR_OUT);

    memset(&pa, 0, sizeof(pa));
    pa.send_ip = a_send_ip;
    pa.now_ms = a_now;
    pa.random = tl_random;
    assert_int_equal(tip_ctx_init(&ctx_a, &pa), 0);
    sa_params(&sa, TIP_DIR_OUT);
    assert_int_equal(tip_sad_add(&ctx_a, &sa, &sa_out), 0);
    sa_params_ba(&sa, TIP_DIR_IN);
    sa.no_replay = 1;
    assert_int_equal(tip_sad_add(&ctx_a, &sa, NULL), 0);
    policy_add(&ctx_a, 0, TIP_DIR_IN);
    return 0;
}

/* The inner packet: IPv4/UDP 10.1.0.1:1000 -> 10.2.0.1:7 with @p n payload bytes. */
static void make_inner(size_t n)
{
    size_t i;

    memset(inner, 0, sizeof(inner));
    inner_len = 28 + n;
    inner[0] = 0x45;
    inner[2] = (uint8_t)(inner_len >> 8);
    inner[3] = (uint8_t)inner_len;
    inner[8] = 64;
    inner[9] = 17;
    inner[12] = 10, inner[13] = 1, inner[15] = 1;
    inner[16] = 10, inner[17] = 2, inner[19] = 1;
    {
        u16_t c = inet_chksum(inner, 20);
        memcpy(inner + 10, &c, 2);
    }
    inner[20] = 1000 >> 8, inner[21] = 1000 & 0xFF, inner[23] = 7;
    inner[24] = (uint8_t)((8 + n) >> 8), inner[25] = (uint8_t)(8 + n);
    for (i = 0; i < n; i++)
        inner[28 + i] = (uint8_t)(i * 13u + 5u);
}

/* A fresh ESP packet (outer IPv4, protocol 50) carrying inner; its length. */
static size_t make_esp(uint8_t *out, size_t cap, size_t payload)
{
    static uint8_t mem[2048];
    tip_buf_t b = {mem, sizeof(mem), TIP_ESP_HEADROOM, 0};

    assert_true(28 + payload <= sizeof(inner));
    make_inner(payload);
    memcpy(mem + b.off, inner, inner_len);
    b.len = inner_len;
    assert_int_equal(tip_esp_encap(&ctx_a, sa_out, &b), 0);
    assert_true(b.len <= cap);
    memcpy(out, mem + b.off, b.len);
    assert_int_equal(out[9], 50);
    return b.len;
}

static void fix_chksum(uint8_t *h)
{
    u16_t c;
    h[10] = h[11] = 0;
    c = inet_chksum(h, (u16_t)((h[0] & 15) * 4));
    memcpy(h + 10, &c, 2);
}

/* One pbuf from the pool, as a driver hands it to lwIP. */
static struct pbuf *pool_pbuf(const uint8_t *d, size_t n)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
    assert_non_null(p);
    assert_null(p->next);
    assert_int_equal(pbuf_take(p, d, (u16_t)n), ERR_OK);
    return p;
}

static int delivered_intact(void)
{
    return got_len == inner_len && memcmp(got, inner, inner_len) == 0;
}

/* Feed @p p to the hook; when it declines, the pbuf is still ours. */
static int hook(struct pbuf *p)
{
    int r = tip_lwip_ip4_input_hook(p, &lnk);
    if (!r)
        pbuf_free(p);
    return r;
}

static void test_hook_takes_esp_in_place(void **state)
{
    uint8_t pkt[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 100);
    unsigned d0 = delivered, in0 = port_b.in_place;

    (void)state;
    assert_int_equal(hook(pool_pbuf(pkt, n)), 1);
    assert_int_equal(delivered, d0 + 1);
    assert_true(delivered_intact());
    assert_int_equal(port_b.in_place, in0 + 1);
}

/* ---- outbound: the tunnel netif's output -------------------------------------- */

/* The reply packet 10.2.0.1:7 -> 10.1.0.1:1000 with @p n payload bytes, in inner. */
static void make_reply(size_t n)
{
    make_inner(n);
    memcpy(inner + 12, "\x0a\x02\x00\x01\x0a\x01\x00\x01", 8);
    inner[10] = inner[11] = 0;
    {
        u16_t c = inet_chksum(inner, 20);
        memcpy(inner + 10, &c, 2);
    }
    inner[20] = 0, inner[21] = 7, inner[22] = 1000 >> 8, inner[23] = 1000 & 0xFF;
}

/*
 * Send @p p (holding inner) out of the tunnel netif as lwIP's IP layer
 * does, and check that the ESP packet on the link decrypts (side A) to
 * exactly inner. Returns 1 when it left in @p p itself.
 */
static int tunnel_out(struct pbuf *p)
{
    static uint8_t mem[2048];
    tip_buf_t b = {mem, sizeof(mem), 0, 0};
    ip4_addr_t dst;

    IP4_ADDR(&dst, 10, 1, 0, 1);
    wire_len = 0;
    wire_pbuf = NULL;
    assert_int_equal(tun.output(&tun, p, &dst), ERR_OK);
    assert_true(wire_len > inner_len);
    memcpy(mem, wire, wire_len);
    b.len = wire_len;
    assert_int_equal(tip_input_ip(&ctx_a, &b), TIP_RX_DATA);
    assert_int_equal(b.len, inner_len);
    assert_memory_equal(mem + b.off, inner, inner_len);
    return wire_pbuf == p;
}

/* One PBUF_POOL pbuf with lwIP's sending headroom (PBUF_LINK_ENCAPSULATION_HLEN,
 * 80 in this lwipopts.h) and the pool buffer's rest behind it: protected and
 * sent where it lies, no copy. */
static void test_tunnel_out_pool_pbuf_in_place(void **state)
{
    struct pbuf *p;
    unsigned in0 = port_b.tx_in_place, c0 = port_b.tx_copies, call0 = port_b.copies;

    (void)state;
    make_reply(100);
    p = pbuf_alloc(PBUF_IP, (u16_t)inner_len, PBUF_POOL);
    assert_non_null(p);
    assert_null(p->next);
    assert_int_equal(pbuf_take(p, inner, (u16_t)inner_len), ERR_OK);
    assert_true(tunnel_out(p));
    assert_int_equal(port_b.tx_in_place, in0 + 1);
    assert_int_equal(port_b.tx_copies, c0);
    assert_int_equal(port_b.copies, call0);
    pbuf_free(p);
}

/* What cannot be proven to have the room (or to be the sender's alone) is
 * copied once and still leaves intact: a chain, PBUF_RAM (lwIP does not
 * record its tailroom), a pool pbuf without headroom or without tailroom,
 * and one somebody else still holds a reference to (it stays the plaintext). */
static void test_tunnel_out_copies_what_it_cannot_prove(void **state)
{
    struct pbuf *p, *t;
    unsigned in0 = port_b.tx_in_place, c0 = port_b.tx_copies;

    (void)state;
    make_reply(300);
    /* a chain of two pool pbufs */
    p = pbuf_alloc(PBUF_IP, 100, PBUF_POOL);
    t = pbuf_alloc(PBUF_RAW, (u16_t)(inner_len - 100), PBUF_POOL);
    assert_non_null(p);
    assert_non_null(t);
    pbuf_cat(p, t);
    assert_int_equal(pbuf_take(p, inner, (u16_t)inner_len), ERR_OK);
    assert_false(tunnel_out(p));
    pbuf_free(p);
    /* PBUF_RAM with the same headroom */
    p = pbuf_alloc(PBUF_IP, (u16_t)inner_len, PBUF_RAM);
    assert_non_null(p);
    assert_int_equal(pbuf_take(p, inner, (u16_t)inner_len), ERR_OK);
    assert_false(tunnel_out(p));
    pbuf_free(p);
    /* a pool pbuf with no headroom (a driver's PBUF_RAW) */
    p = pool_pbuf(inner, inner_len);
    assert_false(tunnel_out(p));
    pbuf_free(p);
    /* a pool pbuf 8 bytes short of its end: no room for the ESP trailer */
    make_reply(LWIP_MEM_ALIGN_SIZE(PBUF_POOL_BUFSIZE) -
               LWIP_MEM_ALIGN_SIZE(PBUF_IP_HLEN + PBUF_LINK_HLEN + PBUF_LINK_ENCAPSULATION_HLEN) -
               8 - 28);
    p = pbuf_alloc(PBUF_IP, (u16_t)inner_len, PBUF_POOL);
    assert_non_null(p);
    assert_null(p->next);
    assert_int_equal(pbuf_take(p, inner, (u16_t)inner_len), ERR_OK);
    assert_false(tunnel_out(p));
    pbuf_free(p);
    /* a second reference: the other holder must still see the plaintext */
    make_reply(100);
    p = pbuf_alloc(PBUF_IP, (u16_t)inner_len, PBUF_POOL);
    assert_non_null(p);
    assert_int_equal(pbuf_take(p, inner, (u16_t)inner_len), ERR_OK);
    pbuf_ref(p);
    assert_false(tunnel_out(p));
    assert_memory_equal(p->payload, inner, inner_len);
    pbuf_free(p);
    pbuf_free(p);
    assert_int_equal(port_b.tx_in_place, in0);
    assert_int_equal(port_b.tx_copies, c0 + 5);
}

/* Ethernet pads short frames: bytes after the IP total length are not ESP. */
static void test_hook_trims_link_padding(void **state)
{
    uint8_t pkt[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 1);
    unsigned d0 = delivered;

    (void)state;
    memset(pkt + n, 0, 18);
    assert_int_equal(hook(pool_pbuf(pkt, n + 18)), 1);
    assert_int_equal(delivered, d0 + 1);
    assert_true(delivered_intact());
}

/* A chain split after the header: taken, copied once, delivered intact. */
static void test_hook_copies_a_chain(void **state)
{
    uint8_t pkt[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 300);
    struct pbuf *h = pbuf_alloc(PBUF_RAW, 30, PBUF_RAM);
    struct pbuf *t = pbuf_alloc(PBUF_RAW, (u16_t)(n - 30), PBUF_RAM);
    unsigned d0 = delivered, c0 = port_b.copies;

    (void)state;
    assert_non_null(h);
    assert_non_null(t);
    memcpy(h->payload, pkt, 30);
    memcpy(t->payload, pkt + 30, n - 30);
    pbuf_cat(h, t);
    assert_int_equal(hook(h), 1);
    assert_int_equal(delivered, d0 + 1);
    assert_true(delivered_intact());
    assert_int_equal(port_b.copies, c0 + 1);
}

/* Data a PBUF_REF points at is not the pbuf's own: copied, never decrypted there. */
static void test_hook_copies_referenced_data(void **state)
{
    uint8_t pkt[2048], keep[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 64);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_REF);
    unsigned d0 = delivered, c0 = port_b.copies;

    (void)state;
    assert_non_null(p);
    memcpy(keep, pkt, n);
    p->payload = pkt;
    assert_int_equal(hook(p), 1);
    assert_int_equal(delivered, d0 + 1);
    assert_true(delivered_intact());
    assert_int_equal(port_b.copies, c0 + 1);
    assert_memory_equal(pkt, keep, n); /* still the ciphertext */
}

/* The header itself split over a chain: left to lwIP, which drops it. */
static void test_hook_leaves_split_header(void **state)
{
    uint8_t pkt[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 50);
    struct pbuf *h = pbuf_alloc(PBUF_RAW, 12, PBUF_RAM);
    struct pbuf *t = pbuf_alloc(PBUF_RAW, (u16_t)(n - 12), PBUF_RAM);
    unsigned d0 = delivered;

    (void)state;
    memcpy(h->payload, pkt, 12);
    memcpy(t->payload, pkt + 12, n - 12);
    pbuf_cat(h, t);
    assert_int_equal(hook(h), 0);
    assert_int_equal(delivered, d0);
}

/*
 * Every prefix of a valid ESP packet shorter than its headers, each in a
 * PBUF_REF over a heap block of exactly that size (so that the sanitizer
 * build catches a read past it): declined, nothing delivered.
 */
static void test_hook_short_packets(void **state)
{
    uint8_t pkt[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 20), k;
    unsigned d0 = delivered;

    (void)state;
    for (k = 1; k < 28; k++) {
        uint8_t *mem = malloc(k);
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)k, PBUF_REF);
        assert_non_null(mem);
        assert_non_null(p);
        memcpy(mem, pkt, k);
        p->payload = mem;
        assert_int_equal(hook(p), 0);
        free(mem);
    }
    assert_true(n > 28);
    assert_int_equal(delivered, d0);
}

/* Lengths that do not add up: declined (lwIP's own checks drop them). */
static void test_hook_bad_lengths(void **state)
{
    uint8_t pkt[2048], bad[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 40);
    unsigned d0 = delivered;

    (void)state;
    memcpy(bad, pkt, n); /* total length past the end of the pbuf */
    bad[2] = (uint8_t)((n + 1) >> 8), bad[3] = (uint8_t)(n + 1);
    fix_chksum(bad);
    assert_int_equal(hook(pool_pbuf(bad, n)), 0);
    memcpy(bad, pkt, n); /* total length shorter than header + ESP header */
    bad[2] = 0, bad[3] = 27;
    fix_chksum(bad);
    assert_int_equal(hook(pool_pbuf(bad, n)), 0);
    memcpy(bad, pkt, n); /* header length below 20 */
    bad[0] = 0x44;
    assert_int_equal(hook(pool_pbuf(bad, n)), 0);
    memcpy(bad, pkt, n); /* header length beyond the pbuf */
    bad[0] = 0x4F;
    assert_int_equal(hook(pool_pbuf(bad, 40)), 0);
    memcpy(bad, pkt, n); /* bad header checksum */
    bad[10] ^= 0x55;
    assert_int_equal(hook(pool_pbuf(bad, n)), 0);
    memcpy(bad, pkt, n); /* not our address */
    bad[19] = 99;
    fix_chksum(bad);
    assert_int_equal(hook(pool_pbuf(bad, n)), 0);
    memcpy(bad, pkt, n); /* not ESP */
    bad[9] = 17;
    fix_chksum(bad);
    assert_int_equal(hook(pool_pbuf(bad, n)), 0);
    assert_int_equal(delivered, d0);
}

/* Fragments are lwIP's to reassemble: the hook declines each one. */
static void test_hook_leaves_fragments(void **state)
{
    uint8_t pkt[2048], f[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 200);
    unsigned d0 = delivered;

    (void)state;
    memcpy(f, pkt, n); /* first fragment: MF */
    f[6] |= 0x20;
    fix_chksum(f);
    assert_int_equal(hook(pool_pbuf(f, n)), 0);
    memcpy(f, pkt, n); /* a later fragment: offset, no MF */
    f[7] = 3;
    fix_chksum(f);
    assert_int_equal(hook(pool_pbuf(f, n)), 0);
    assert_int_equal(delivered, d0);
}

/* Two fragments through lwIP's input: reassembled, then taken by the raw pcb. */
static void test_fragments_reassembled_by_lwip(void **state)
{
    uint8_t pkt[2048], f1[2048], f2[2048];
    size_t n = make_esp(pkt, sizeof(pkt), 200), first = 20 + 96, rest;
    unsigned d0 = delivered;

    (void)state;
    rest = n - first;
    memcpy(f1, pkt, first);
    f1[2] = (uint8_t)(first >> 8), f1[3] = (uint8_t)first;
    f1[6] = 0x20, f1[7] = 0; /* MF, offset 0 */
    fix_chksum(f1);
    memcpy(f2, pkt, 20);
    memcpy(f2 + 20, pkt + first, rest);
    f2[2] = (uint8_t)((20 + rest) >> 8), f2[3] = (uint8_t)(20 + rest);
    f2[6] = 0, f2[7] = 96 / 8; /* offset 96 bytes */
    fix_chksum(f2);
    assert_int_equal(lnk.input(pool_pbuf(f1, first), &lnk), ERR_OK);
    assert_int_equal(delivered, d0);
    assert_int_equal(lnk.input(pool_pbuf(f2, 20 + rest), &lnk), ERR_OK);
    assert_int_equal(delivered, d0 + 1);
    assert_true(delivered_intact());
}

/*
 * tip_poll() runs from an lwIP timeout at its own deadline: an IKE_SA_INIT
 * to a peer that never answers is sent again and again by nothing but
 * sys_check_timeouts(), and between two sends lwIP's sleep time is not 0
 * (the device may sleep). The loop waits for three retransmissions of a
 * 50 ms timer, bounded by 10 s.
 */
static void test_poll_runs_from_lwip_timeouts(void **state)
{
    tip_ike_conn_t c;
    tip_handle_t h;
    tip_addr_t n;
    uint64_t end = tl_now_ms() + 10000;
    unsigned sent0, idle_seen = 0;

    (void)state;
    tip_ike_conn_init(&c);
    assert_int_equal(tip_addr_parse(&c.local_addr, "192.0.2.2"), 0);
    assert_int_equal(tip_addr_parse(&c.remote_addr, "192.0.2.1"), 0);
    assert_int_equal(tip_ike_id_set(&c.local_id, TIP_ID_FQDN, "b.example"), 0);
    assert_int_equal(tip_ike_id_set(&c.remote_id, TIP_ID_FQDN, "a.example"), 0);
    memcpy(c.psk, "retransmission test", 19);
    c.psk_len = 19;
    assert_int_equal(tip_addr_parse(&n, "10.9.0.0"), 0);
    assert_int_equal(tip_addr_range_prefix(&c.ts.local, &n, 16), 0);
    assert_int_equal(tip_addr_parse(&n, "10.8.0.0"), 0);
    assert_int_equal(tip_addr_range_prefix(&c.ts.remote, &n, 16), 0);
    c.retransmit_ms = 50;
    c.retransmit_tries = 10;
    assert_int_equal(tip_ike_conn_add(&ctx_b, &c, &h), 0);
    sent0 = ike_sent;
    assert_int_equal(tip_ike_initiate(&ctx_b, h), 0);
    tip_lwip_kick(&port_b);
    assert_int_equal(ike_sent, sent0 + 1);
    while (ike_sent < sent0 + 4 && tl_now_ms() < end) {
        u32_t sleep = sys_timeouts_sleeptime();
        if (sleep > 0)
            idle_seen = 1;
        if (sleep > 10)
            sleep = 10;
        (void)tl_link_recv(-1, NULL, 0, (int)sleep); /* poll(2) on nothing: sleep */
        sys_check_timeouts();
    }
    assert_true(ike_sent >= sent0 + 4);
    assert_true(idle_seen);
    assert_int_equal(tip_ike_conn_del(&ctx_b, h), 0);
    tip_lwip_kick(&port_b);
}

/* Manual keys that may come back after a restart use the store given in the configuration. */
static void test_manual_keys_use_the_seq_store(void **state)
{
    tip_sa_params_t sa;

    (void)state;
    sa_params(&sa, TIP_DIR_OUT);
    sa.spi = 0x3003;
    sa.fresh_keys = 0;
    /* without a store: TIP_ERR_NO_SEQ_STORE */
    assert_int_equal(tip_sad_add(&ctx_b, &sa, NULL), 0);
    assert_true(seq_loads >= 1);
}

static unsigned udp9_rx;

static void udp9(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    (void)pcb;
    (void)addr;
    (void)port;
    udp9_rx++;
    pbuf_free(p);
}

/*
 * lwIP accepts a packet for any of its addresses on any netif. A packet
 * for the tunnel netif's address that arrives in clear on the link (a
 * spoofed 10.1.0.1 -> 10.2.0.1) must not reach a socket bound to any
 * address: inner addresses are reachable only through the tunnel.
 */
#if TIP_CONF_IKEV2
/* The virtual address from TIP_EV_VIRTUAL_IP becomes the tunnel netif's. */
static void test_tunnel_takes_the_virtual_address(void **state)
{
    tip_ike_vip_t vip;
    tip_lwip_t none;
    ip4_addr_t want;
    (void)state;

    memset(&vip, 0, sizeof(vip));
    assert_int_equal(tip_lwip_tunnel_set_vip(&port_b, &vip), TIP_ERR_NO_SA);
    vip.ip4.family = TIP_AF_INET;
    memcpy(vip.ip4.addr, "\x0a\x03\x00\x0a", 4);
    assert_int_equal(tip_lwip_tunnel_set_vip(&port_b, &vip), TIP_OK);
    IP4_ADDR(&want, 10, 3, 0, 10);
    assert_true(ip4_addr_cmp(netif_ip4_addr(&tun), &want));
    IP4_ADDR(&want, 255, 255, 255, 255);
    assert_true(ip4_addr_cmp(netif_ip4_netmask(&tun), &want));
    memset(&none, 0, sizeof(none));
    assert_int_equal(tip_lwip_tunnel_set_vip(&none, &vip), TIP_ERR_NOT_FOUND);
}
#endif

static void test_clear_packet_for_tunnel_address_dropped(void **state)
{
    struct udp_pcb *pcb = udp_new();
    uint8_t pkt[64];
    unsigned d0 = delivered;

    (void)state;
    assert_non_null(pcb);
    assert_int_equal(udp_bind(pcb, IP_ADDR_ANY, 9), ERR_OK);
    udp_recv(pcb, udp9, NULL);
    make_inner(8); /* 10.1.0.1:1000 -> 10.2.0.1, UDP */
    memcpy(pkt, inner, inner_len);
    pkt[23] = 9;
    pkt[26] = pkt[27] = 0; /* no UDP checksum */
    /* the link's own address is still reachable in clear */
    udp9_rx = 0;
    pkt[16] = 192, pkt[17] = 0, pkt[18] = 2, pkt[19] = 2;
    fix_chksum(pkt);
    assert_int_equal(lnk.input(pool_pbuf(pkt, inner_len), &lnk), ERR_OK);
    assert_int_equal(udp9_rx, 1);
    /* the tunnel's is not */
    pkt[16] = 10, pkt[17] = 2, pkt[18] = 0, pkt[19] = 1;
    fix_chksum(pkt);
    assert_int_equal(lnk.input(pool_pbuf(pkt, inner_len), &lnk), ERR_OK);
    assert_int_equal(udp9_rx, 1);
    assert_int_equal(delivered, d0);
    udp_remove(pcb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_hook_takes_esp_in_place, setup),
        cmocka_unit_test_setup(test_hook_trims_link_padding, setup),
        cmocka_unit_test_setup(test_hook_copies_a_chain, setup),
        cmocka_unit_test_setup(test_hook_copies_referenced_data, setup),
        cmocka_unit_test_setup(test_hook_leaves_split_header, setup),
        cmocka_unit_test_setup(test_hook_short_packets, setup),
        cmocka_unit_test_setup(test_hook_bad_lengths, setup),
        cmocka_unit_test_setup(test_hook_leaves_fragments, setup),
        cmocka_unit_test_setup(test_fragments_reassembled_by_lwip, setup),
        cmocka_unit_test_setup(test_clear_packet_for_tunnel_address_dropped, setup),
        cmocka_unit_test_setup(test_tunnel_out_pool_pbuf_in_place, setup),
        cmocka_unit_test_setup(test_tunnel_out_copies_what_it_cannot_prove, setup),
#if TIP_CONF_IKEV2
        cmocka_unit_test_setup(test_tunnel_takes_the_virtual_address, setup),
#endif
        cmocka_unit_test_setup(test_manual_keys_use_the_seq_store, setup),
        cmocka_unit_test_setup(test_poll_runs_from_lwip_timeouts, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
