/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * manual-tunnel: two tinyipsec gateways in one process, joined by UDP on
 * 127.0.0.1, with manually keyed ESP (no IKE). Gateway A protects
 * 10.1.0.0/24, gateway B protects 10.2.0.0/24. A host behind A pings a host
 * behind B; B's "host" answers; every packet crosses the tunnel as
 * ESP-in-UDP (RFC 3948), so no root is needed.
 *
 * Manual keys are installed again on every start, so each gateway keeps
 * its sequence numbers in a store that survives restarts (the POSIX port's
 * files, one directory per gateway): a restarted gateway never reuses a
 * sequence number, so never an AES-GCM nonce, and never accepts a packet it
 * accepted before. Halfway through, both gateways restart with the same
 * keys and go on above the numbers they reserved (the summaries print
 * them); so does every later run on the same store.
 *
 * This is the example README.md walks through.
 * Run: ./manual-tunnel [N [STORE-DIR]]   (default 300, ./manual-tunnel-seq)
 *
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_NATT
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"

/* One gateway: its port (sockets, clock, entropy) and its context. */
typedef struct {
    const char *name;
    tip_port_posix_t io;
    tip_ctx_t ctx;
    tip_handle_t sa_out, sa_in; /* handles of its two SAs */
    uint32_t spi_out, spi_in;
} gateway_t;

static gateway_t gw_a, gw_b; /* static: each holds a whole context */

/* Demo keys. A real deployment derives them with IKE or loads them from a
 * protected store; these are only for the example. They are the same on
 * every run, which is exactly why the sequence-number store is needed. */
static const uint8_t key_ab[20] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
                                   0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0xca, 0xfe, 0xba, 0xbe};
static const uint8_t key_ba[20] = {0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
                                   0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0xfa, 0xce, 0xb0, 0x0c};

static tip_addr_t addr(const char *text)
{
    tip_addr_t a;
    if (tip_addr_parse(&a, text) != TIP_OK) {
        fprintf(stderr, "bad address %s\n", text);
        exit(2);
    }
    return a;
}

static void check(int err, const char *what)
{
    if (err < 0) {
        fprintf(stderr, "%s: %s\n", what, tip_strerror(err));
        exit(1);
    }
}

/* Install one direction of the tunnel: the outbound SA in @p from, the
 * matching inbound SA in @p to, and the policies on both sides. */
static void add_direction(gateway_t *from, gateway_t *to, uint32_t spi, const uint8_t *key,
                          const char *from_net, const char *to_net)
{
    tip_sa_params_t sa;
    tip_policy_t pol;
    tip_addr_t fnet = addr(from_net), tnet = addr(to_net);

    memset(&sa, 0, sizeof(sa));
    sa.spi = spi;
    sa.mode = TIP_MODE_TUNNEL;
    sa.src = from->io.local;              /* outer addresses: the gateways */
    sa.dst = to->io.local;
    sa.encr = TIP_ENCR_AES_GCM_16;        /* AES-128-GCM, key || 4-byte salt */
    sa.encr_key = key;
    sa.encr_key_len = 20;
    sa.natt_sport = from->io.natt_port;   /* ESP-in-UDP between the two sockets */
    sa.natt_dport = to->io.natt_port;
    sa.dir = TIP_DIR_OUT;
    check(tip_sad_add(&from->ctx, &sa, &from->sa_out), "outbound SA");
    sa.dir = TIP_DIR_IN;
    check(tip_sad_add(&to->ctx, &sa, &to->sa_in), "inbound SA");
    from->spi_out = spi;
    to->spi_in = spi;

    /* Outbound policy at the sender: from_net -> to_net goes into the tunnel. */
    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_OUT;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = from->io.local;
    pol.tunnel_remote = to->io.local;
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF; /* any port */
    check(tip_addr_range_prefix(&pol.sel.local, &fnet, 24), "prefix");
    check(tip_addr_range_prefix(&pol.sel.remote, &tnet, 24), "prefix");
    check(tip_spd_add(&from->ctx, &pol, TIP_SPD_APPEND, NULL), "outbound policy");

    /* Inbound policy at the receiver: what may come out of the tunnel. */
    pol.dir = TIP_DIR_IN;
    pol.tunnel_local = to->io.local;
    pol.tunnel_remote = from->io.local;
    check(tip_addr_range_prefix(&pol.sel.local, &tnet, 24), "prefix");
    check(tip_addr_range_prefix(&pol.sel.remote, &fnet, 24), "prefix");
    check(tip_spd_add(&to->ctx, &pol, TIP_SPD_APPEND, NULL), "inbound policy");
}

static void gateway_open(gateway_t *gw, const char *store)
{
    tip_port_posix_cfg_t cfg;
    tip_port_t port;
    char dir[512];

    tip_port_posix_cfg_init(&cfg);
    cfg.local = addr("127.0.0.1");
    cfg.natt_port = 0; /* any free port: no root needed */
    /* Each gateway's own sequence-number store (a device would use its
     * flash): without one, tip_sad_add() refuses manually keyed SAs. */
    snprintf(dir, sizeof(dir), "%s/%s", store, gw->name);
    cfg.seq_dir = dir;
    if (tip_port_posix_open(&gw->io, &cfg) != TIP_OK) {
        fprintf(stderr, "gateway %s: %s\n", gw->name, tip_port_posix_errmsg(&gw->io));
        exit(1);
    }
    tip_port_posix_port(&gw->io, &port);
    check(tip_ctx_init(&gw->ctx, &port), "context");
}

/* The Internet checksum, for the demo's hand-made ICMP packets. */
static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

/* Write an IPv4 ICMP echo (type 8 request, 0 reply) at buf->off. */
static void icmp_echo(tip_buf_t *buf, const char *src, const char *dst, uint8_t type,
                      uint16_t seq)
{
    uint8_t *p = buf->base + buf->off;
    tip_addr_t s = addr(src), d = addr(dst);
    size_t n = 20 + 8 + 56, i;
    uint16_t c;

    memset(p, 0, n);
    p[0] = 0x45;
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
    p[8] = 64;
    p[9] = 1; /* ICMP */
    memcpy(p + 12, s.addr, 4);
    memcpy(p + 16, d.addr, 4);
    c = csum(p, 20);
    p[10] = (uint8_t)(c >> 8);
    p[11] = (uint8_t)c;
    p[20] = type;
    p[26] = (uint8_t)(seq >> 8);
    p[27] = (uint8_t)seq;
    for (i = 28; i < n; i++)
        p[i] = (uint8_t)i;
    c = csum(p + 20, n - 20);
    p[22] = (uint8_t)(c >> 8);
    p[23] = (uint8_t)c;
    buf->len = n;
}

/* Receive one datagram at @p gw; returns the core's verdict. */
static int receive(gateway_t *gw, tip_buf_t *buf)
{
    (void)tip_poll(&gw->ctx, gw->ctx.port.now_ms(gw->ctx.port.arg));
    return tip_port_posix_recv(&gw->io, &gw->ctx, buf, 1000, NULL);
}

static void print_sa(const gateway_t *gw, tip_handle_t h, uint32_t spi, const char *dir)
{
    tip_sa_stats_t st;

    if (tip_sad_stats(&gw->ctx, h, &st) != TIP_OK)
        return;
    printf("  gateway %s SA 0x%08x %-3s packets %llu bytes %llu seq %llu "
           "drops: replay %llu icv %llu policy %llu\n",
           gw->name, (unsigned)spi, dir, (unsigned long long)st.packets,
           (unsigned long long)st.bytes, (unsigned long long)st.seq,
           (unsigned long long)st.drops[TIP_DROP_REPLAY],
           (unsigned long long)st.drops[TIP_DROP_ICV],
           (unsigned long long)st.drops[TIP_DROP_POLICY]);
}

static void print_sa_counters(const gateway_t *gw)
{
    print_sa(gw, gw->sa_out, gw->spi_out, "out");
    print_sa(gw, gw->sa_in, gw->spi_in, "in");
}

/* Start both gateways: sockets, store, context, SAs and policies. */
static void gateways_up(const char *store)
{
    gateway_open(&gw_a, store);
    gateway_open(&gw_b, store);
    printf("gateway A: 127.0.0.1:%u protects 10.1.0.0/24\n", gw_a.io.natt_port);
    printf("gateway B: 127.0.0.1:%u protects 10.2.0.0/24\n", gw_b.io.natt_port);
    add_direction(&gw_a, &gw_b, 0x1001, key_ab, "10.1.0.0", "10.2.0.0");
    add_direction(&gw_b, &gw_a, 0x2002, key_ba, "10.2.0.0", "10.1.0.0");
    printf("SAs installed: A->B spi 0x1001, B->A spi 0x2002, AES-128-GCM, ESP-in-UDP\n");
}

static void gateways_down(void)
{
    tip_ctx_deinit(&gw_a.ctx); /* zeroizes the keys */
    tip_ctx_deinit(&gw_b.ctx);
    tip_port_posix_close(&gw_a.io); /* the stores stay on disk */
    tip_port_posix_close(&gw_b.io);
}

/* @p n pings from behind A to behind B and back; returns the replies. */
static int pings(int n)
{
    static uint8_t mem[2048];
    tip_buf_t buf = {mem, sizeof(mem), TIP_ESP_HEADROOM, 0};
    int i, replies = 0;

    for (i = 1; i <= n; i++) {
        /* 10.1.0.1 (behind A) pings 10.2.0.1 (behind B). */
        buf.base = mem;
        buf.cap = sizeof(mem);
        buf.off = TIP_ESP_HEADROOM;
        icmp_echo(&buf, "10.1.0.1", "10.2.0.1", 8, (uint16_t)i);
        check(tip_output(&gw_a.ctx, &buf), "A: output");
        if (receive(&gw_b, &buf) != TIP_RX_DATA || buf.base[buf.off + 20] != 8)
            continue; /* a real gateway would count this; the summary shows it */
        /* B delivers the request; its host answers. */
        buf.off = TIP_ESP_HEADROOM;
        icmp_echo(&buf, "10.2.0.1", "10.1.0.1", 0, (uint16_t)i);
        check(tip_output(&gw_b.ctx, &buf), "B: output");
        if (receive(&gw_a, &buf) == TIP_RX_DATA && buf.base[buf.off + 20] == 0)
            replies++;
    }
    printf("%d echo requests through the tunnel, %d replies back\n", n, replies);
    print_sa_counters(&gw_a);
    print_sa_counters(&gw_b);
    return replies;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 300, replies;
    const char *store = argc > 2 ? argv[2] : "manual-tunnel-seq";

    gw_a.name = "A";
    gw_b.name = "B";
    if (mkdir(store, 0700) != 0 && errno != EEXIST) {
        perror(store);
        return 1;
    }
    gateways_up(store);
    replies = pings(n);
    /* Both gateways restart with the same keys: their sequence numbers go
     * on above the marks in their stores (see "seq" above and below). */
    gateways_down();
    printf("both gateways restarted\n");
    gateways_up(store);
    replies += pings(n);
    gateways_down();
    return replies == 2 * n ? 0 : 1;
}
