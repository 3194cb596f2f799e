/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ike-demo: two tinyipsec gateways in one process build an IKEv2 tunnel on
 * 127.0.0.1 and use it. Gateway A (protects 10.1.0.0/24) initiates to
 * gateway B (10.2.0.0/24) with a pre-shared key, Curve25519 and AES-GCM;
 * hosts behind them ping each other through ESP-in-UDP; the CHILD SA and
 * the IKE SA are rekeyed once each while traffic flows; then A deletes the
 * tunnel. Real sockets, real clock, real random numbers; no root needed
 * (every port is chosen by the kernel). `make demo` runs this.
 *
 * Usage: ike-demo [PINGS_PER_PHASE]
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_AES_GCM TIP_CONF_NATT
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"

typedef struct {
    const char *name;
    tip_port_posix_t io;
    tip_ctx_t ctx;
    tip_handle_t conn;
    int ike_up, child_up, child_rekeyed, ike_rekeyed, ike_down, child_down;
} gateway_t;

static gateway_t gw_a, gw_b; /* static: each holds a whole context */
static uint64_t t0;

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

static uint64_t now_ms(gateway_t *gw)
{
    return gw->ctx.port.now_ms(gw->ctx.port.arg);
}

static void say(gateway_t *gw, const char *what)
{
    printf("[%6.3f s] %s: %s\n", (double)(now_ms(gw) - t0) / 1000.0, gw->name, what);
}

static void on_event(void *arg, const tip_event_t *ev)
{
    gateway_t *gw = arg;
    char line[160];
    tip_ike_status_t st;

    (void)tip_ike_status(&gw->ctx, gw->conn, &st);
    switch (ev->type) {
    case TIP_EV_IKE_UP:
        gw->ike_up++;
        snprintf(line, sizeof(line), "IKE SA up (%s, SPIs %02x%02x%02x%02x.../%02x%02x%02x%02x..., %s)",
                 st.initiator ? "initiator" : "responder", st.spi_i[0], st.spi_i[1], st.spi_i[2],
                 st.spi_i[3], st.spi_r[0], st.spi_r[1], st.spi_r[2], st.spi_r[3],
                 st.natt ? "UDP-encapsulated" : "plain");
        break;
    case TIP_EV_CHILD_UP:
        gw->child_up++;
        snprintf(line, sizeof(line), "CHILD SA up: ESP in 0x%08x, out 0x%08x, AES-128-GCM",
                 (unsigned)st.child_spi_in, (unsigned)st.child_spi_out);
        break;
    case TIP_EV_CHILD_REKEYED:
        gw->child_rekeyed++;
        snprintf(line, sizeof(line), "CHILD SA rekeyed: ESP in 0x%08x, out 0x%08x",
                 (unsigned)st.child_spi_in, (unsigned)st.child_spi_out);
        break;
    case TIP_EV_IKE_REKEYED:
        gw->ike_rekeyed++;
        snprintf(line, sizeof(line), "IKE SA rekeyed: new SPIs %02x%02x%02x%02x.../%02x%02x%02x%02x...",
                 st.spi_i[0], st.spi_i[1], st.spi_i[2], st.spi_i[3], st.spi_r[0], st.spi_r[1],
                 st.spi_r[2], st.spi_r[3]);
        break;
    case TIP_EV_CHILD_DOWN:
        gw->child_down++;
        snprintf(line, sizeof(line), "CHILD SA deleted");
        break;
    case TIP_EV_IKE_DOWN:
        gw->ike_down++;
        snprintf(line, sizeof(line), "IKE SA deleted%s%s", ev->reason != 0 ? ": " : "",
                 ev->reason != 0 ? tip_strerror(ev->reason) : "");
        break;
    case TIP_EV_AUTH_FAILED:
    case TIP_EV_PROPOSAL_MISMATCH:
        snprintf(line, sizeof(line), "negotiation failed: %s (%s)", tip_event_name(ev->type),
                 ev->reason < 0 ? tip_strerror(ev->reason) : "the peer's error notify");
        break;
    default:
        return;
    }
    say(gw, line);
}

static void gateway_open(gateway_t *gw, const char *name)
{
    tip_port_posix_cfg_t cfg;
    tip_port_t port;

    gw->name = name;
    tip_port_posix_cfg_init(&cfg);
    cfg.local = addr("127.0.0.1");
    cfg.natt_port = 0; /* kernel-chosen ports: no root, no clash */
    cfg.open_ike = 1;
    cfg.ike_port = 0;
    if (tip_port_posix_open(&gw->io, &cfg) != TIP_OK) {
        fprintf(stderr, "gateway %s: %s\n", name, tip_port_posix_errmsg(&gw->io));
        exit(1);
    }
    tip_port_posix_port(&gw->io, &port);
    check(tip_ctx_init(&gw->ctx, &port), "context");
    tip_ctx_set_event_cb(&gw->ctx, on_event, gw);
}

/* The connection from @p gw to @p peer: IDs, PSK, subnets, proposals. */
static void gateway_connect(gateway_t *gw, const gateway_t *peer, const char *my_net,
                            const char *peer_net)
{
    tip_ike_conn_t c;
    tip_addr_t n;
    char id[32];

    tip_ike_conn_init(&c); /* AES-128-GCM, PRF-HMAC-SHA256, Curve25519; ESP AES-128-GCM */
    c.local_addr = gw->io.local;
    c.remote_addr = peer->io.local;
    c.local_port = gw->io.ike_port;
    c.remote_port = peer->io.ike_port;
    c.local_natt_port = gw->io.natt_port;
    c.remote_natt_port = peer->io.natt_port;
    snprintf(id, sizeof(id), "gw-%s.example", gw->name);
    check(tip_ike_id_set(&c.local_id, TIP_ID_FQDN, id), "local id");
    snprintf(id, sizeof(id), "gw-%s.example", peer->name);
    check(tip_ike_id_set(&c.remote_id, TIP_ID_FQDN, id), "remote id");
    memcpy(c.psk, "tinyipsec demo pre-shared key", 29);
    c.psk_len = 29;
    n = addr(my_net);
    check(tip_addr_range_prefix(&c.ts.local, &n, 24), "subnet");
    n = addr(peer_net);
    check(tip_addr_range_prefix(&c.ts.remote, &n, 24), "subnet");
    c.force_encap = 1; /* ESP in UDP: no raw sockets, so no root */
    check(tip_ike_conn_add(&gw->ctx, &c, &gw->conn), "connection");
}

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

/* An IPv4 ICMP echo (8 request, 0 reply) at buf->off. */
static void icmp_echo(tip_buf_t *buf, const char *src, const char *dst, uint8_t type, uint16_t seq)
{
    uint8_t *p = buf->base + buf->off;
    tip_addr_t s = addr(src), d = addr(dst);
    size_t n = 84, i;
    uint16_t c;

    memset(p, 0, n);
    p[0] = 0x45;
    p[3] = (uint8_t)n;
    p[8] = 64;
    p[9] = 1;
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

static unsigned replies;

/* Handle one received datagram at @p gw; B answers pings, A counts replies. */
static int receive_one(gateway_t *gw, int timeout_ms)
{
    static uint8_t mem[2048];
    tip_buf_t buf = {mem, sizeof(mem), TIP_ESP_HEADROOM, 0};
    tip_port_posix_rx_info_t info;
    int r = tip_port_posix_recv(&gw->io, &gw->ctx, &buf, timeout_ms, &info);

    if (r == TIP_RX_IKE) {
        (void)tip_ike_input(&gw->ctx, &info.src, info.sport, &info.dst, info.dport,
                            buf.base + buf.off, buf.len);
    } else if (r == TIP_RX_DATA && buf.len >= 28) {
        uint8_t *p = buf.base + buf.off;
        if (p[20] == 8 && gw == &gw_b) {
            char src[48], dst[48];
            uint16_t seq = (uint16_t)(p[26] << 8 | p[27]);
            (void)tip_addr_format(&(tip_addr_t){TIP_AF_INET, {p[16], p[17], p[18], p[19]}}, src,
                                  sizeof(src));
            (void)tip_addr_format(&(tip_addr_t){TIP_AF_INET, {p[12], p[13], p[14], p[15]}}, dst,
                                  sizeof(dst));
            buf.off = TIP_ESP_HEADROOM;
            icmp_echo(&buf, src, dst, 0, seq);
            (void)tip_output(&gw->ctx, &buf);
        } else if (p[20] == 0 && gw == &gw_a) {
            replies++;
        }
    }
    return r;
}

/* Run both gateways for @p ms of real time (timers and sockets). */
static void pump(int ms)
{
    uint64_t end = now_ms(&gw_a) + (uint64_t)ms;

    do {
        (void)tip_poll(&gw_a.ctx, now_ms(&gw_a));
        (void)tip_poll(&gw_b.ctx, now_ms(&gw_b));
        while (receive_one(&gw_a, 0) != TIP_PORT_POSIX_TIMEOUT)
            ;
        while (receive_one(&gw_b, 0) != TIP_PORT_POSIX_TIMEOUT)
            ;
        if (ms > 0)
            (void)receive_one(&gw_a, 1);
    } while (now_ms(&gw_a) < end);
}

/* Pump until @p flag reaches @p want (bounded). */
static int wait_for(const int *flag, int want, int max_ms)
{
    int i;
    for (i = 0; i < max_ms / 10 && *flag < want; i++)
        pump(10);
    return *flag >= want;
}

static unsigned ping_phase(unsigned n, unsigned seq0)
{
    static uint8_t mem[2048];
    unsigned i, before = replies;

    for (i = 0; i < n; i++) {
        tip_buf_t buf = {mem, sizeof(mem), TIP_ESP_HEADROOM, 0};
        icmp_echo(&buf, "10.1.0.1", "10.2.0.1", 8, (uint16_t)(seq0 + i));
        check(tip_output(&gw_a.ctx, &buf), "A: output");
        pump(0);
    }
    pump(50);
    return replies - before;
}

static void print_sa(gateway_t *gw, tip_handle_t h, uint32_t spi, const char *dir)
{
    tip_sa_stats_t st;
    if (tip_sad_stats(&gw->ctx, h, &st) != TIP_OK)
        return;
    printf("  %s ESP %-3s 0x%08x: %llu packets, %llu bytes, drops: replay %llu icv %llu policy %llu\n",
           gw->name, dir, (unsigned)spi, (unsigned long long)st.packets,
           (unsigned long long)st.bytes, (unsigned long long)st.drops[TIP_DROP_REPLAY],
           (unsigned long long)st.drops[TIP_DROP_ICV], (unsigned long long)st.drops[TIP_DROP_POLICY]);
}

static void print_counters(const char *when)
{
    gateway_t *gws[2] = {&gw_a, &gw_b};
    unsigned i;

    printf("counters %s:\n", when);
    for (i = 0; i < 2; i++) {
        tip_ike_status_t st;
        if (tip_ike_status(&gws[i]->ctx, gws[i]->conn, &st) != TIP_OK || !st.child_up)
            continue;
        print_sa(gws[i], st.child_out, st.child_spi_out, "out");
        print_sa(gws[i], st.child_in, st.child_spi_in, "in");
    }
}

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 100, sent = 0, got = 0;
    int ok = 1;

    gateway_open(&gw_a, "A");
    gateway_open(&gw_b, "B");
    gateway_connect(&gw_a, &gw_b, "10.1.0.0", "10.2.0.0");
    gateway_connect(&gw_b, &gw_a, "10.2.0.0", "10.1.0.0");
    t0 = now_ms(&gw_a);
    printf("gateway A: 127.0.0.1 IKE port %u, NAT-T port %u, protects 10.1.0.0/24\n",
           gw_a.io.ike_port, gw_a.io.natt_port);
    printf("gateway B: 127.0.0.1 IKE port %u, NAT-T port %u, protects 10.2.0.0/24\n",
           gw_b.io.ike_port, gw_b.io.natt_port);

    say(&gw_a, "IKE_SA_INIT + IKE_AUTH to B (PSK, Curve25519, AES-128-GCM)");
    check(tip_ike_initiate(&gw_a.ctx, gw_a.conn), "initiate");
    ok &= wait_for(&gw_a.child_up, 1, 5000) && wait_for(&gw_b.child_up, 1, 1000);

    sent += n;
    got += ping_phase(n, 0);
    printf("%u pings 10.1.0.1 -> 10.2.0.1 through the tunnel, %u replies\n", n, got);

    say(&gw_a, "rekeying the CHILD SA (CREATE_CHILD_SA)");
    check(tip_ike_rekey_child(&gw_a.ctx, gw_a.conn), "rekey child");
    ok &= wait_for(&gw_a.child_rekeyed, 1, 5000) && wait_for(&gw_b.child_rekeyed, 1, 1000);
    pump(100); /* the old pair's delete */
    sent += n;
    got += ping_phase(n, (unsigned)n);
    printf("%u more pings on the new CHILD SA, %u replies so far\n", n, got);

    say(&gw_b, "rekeying the IKE SA (CREATE_CHILD_SA)");
    check(tip_ike_rekey_ike(&gw_b.ctx, gw_b.conn), "rekey IKE");
    ok &= wait_for(&gw_b.ike_rekeyed, 1, 5000) && wait_for(&gw_a.ike_rekeyed, 1, 1000);
    pump(100);
    sent += n;
    got += ping_phase(n, 2u * n);
    printf("%u more pings after the IKE rekey, %u replies in all\n", n, got);
    print_counters("before the delete");

    say(&gw_a, "deleting the tunnel (INFORMATIONAL)");
    check(tip_ike_terminate(&gw_a.ctx, gw_a.conn), "terminate");
    ok &= wait_for(&gw_a.ike_down, 1, 5000) && wait_for(&gw_b.ike_down, 1, 1000);
    printf("SAs left: A %u, B %u\n", tip_sad_count(&gw_a.ctx), tip_sad_count(&gw_b.ctx));
    ok &= tip_sad_count(&gw_a.ctx) == 0 && tip_sad_count(&gw_b.ctx) == 0;
    ok &= got == sent;
    printf("%s: %u of %u pings answered, CHILD and IKE SA rekeyed once each, tunnel deleted\n",
           ok ? "demo OK" : "demo FAILED", got, sent);
    tip_ctx_deinit(&gw_a.ctx); /* zeroizes every key */
    tip_ctx_deinit(&gw_b.ctx);
    tip_port_posix_close(&gw_a.io);
    tip_port_posix_close(&gw_b.io);
    return ok ? 0 : 1;
}
