/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: a route-based IKEv2/IPsec site-to-site gateway for Linux,
 * built on tinyipsec and its POSIX port.
 *
 *   [hosts in local_subnet] --> kernel routes remote_subnet into TUN "tip0"
 *        --> read() --> tip_output() --> ESP (in UDP) --> the peer
 *   the peer --> UDP 4500 / 500 (or raw ESP) --> tip_port_posix_recv()
 *        --> inner packet --> write() to the TUN --> kernel delivers it
 *
 * IKEv2 (tip_ike_*) negotiates the SAs; one poll() loop drives everything:
 * the TUN device, the sockets, a signal pipe, and tip_poll()'s timers.
 * Run as root (TUN, routes, UDP port 500, raw ESP). See README.md.
 *
 *   linux-gateway [--stats-interval SECS] [--check] [--keylog DIR] CONFIG
 *
 * --keylog DIR (debugging aid, only in a build with -DTIP_KEYLOG=1): the
 * library's "keylog <table>: <line>" log lines are appended to DIR/<table>
 * (Wireshark's ikev2_decryption_table and esp_sa) instead of the log.
 *
 * Signals: SIGINT/SIGTERM delete the IKE SA and exit; SIGUSR1 rekeys the
 * CHILD SA, SIGUSR2 the IKE SA (handy for tests).
 *
 * tip-requires: TIP_CONF_IKEV2
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "gateway.h"
#include "report.h"
#include "sys.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"

#define GW_SHUTDOWN_MS       3000u /* how long to wait for the peer to confirm the delete */
#define GW_INITIATE_RETRY_MS 5000u /* retry when tip_ike_initiate() itself failed */
#define GW_PROP_TEXT         (GW_TEXT_MAX + 8) /* "one of " + a proposal list */


static gateway_t gw;               /* static: it holds a whole tip_ctx_t */
static int sig_pipe[2] = {-1, -1}; /* the self-pipe: signal handler -> poll() loop */

/* ---- small helpers -------------------------------------------------------- */

static uint64_t now_ms(const gateway_t *g)
{
    return g->port.now_ms(g->port.arg);
}

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [options] CONFIG\n"
            "\n"
            "A route-based IKEv2/IPsec gateway (tinyipsec %s). Reads CONFIG (see\n"
            "gateway.conf.example), opens a TUN device, routes remote_subnet into it\n"
            "and protects that traffic with ESP, negotiated with IKEv2 (PSK).\n"
            "\n"
            "options:\n"
            "  -s, --stats-interval SECS  print counters every SECS seconds (0 = only at exit)\n"
            "  -n, --check                parse CONFIG, check that the library takes it,\n"
            "                             print it and exit (no root needed)\n"
            "  -k, --keylog DIR           debugging only, in a -DTIP_KEYLOG=1 build: append\n"
            "                             the IKE and ESP keys to DIR/ikev2_decryption_table\n"
            "                             and DIR/esp_sa (Wireshark's tables)\n"
            "  -h, --help                 this text\n"
            "\n"
            "signals: INT/TERM delete the IKE SA and exit; USR1 rekeys the CHILD SA,\n"
            "USR2 the IKE SA. Needs root (TUN, routes, UDP 500, raw ESP).\n",
            prog, TIP_VERSION_STRING);
}

/* The configured proposals; the negotiated one when only one is configured. */
static const char *proposals_text(const gateway_t *g, int esp, char *buf, size_t len)
{
    const tip_ike_conn_t *c = &g->cf.conn;

    if (!esp && c->ike_count == 1)
        return gw_ike_proposal_name(&c->ike[0], buf, len);
    if (esp && c->child_count == 1)
        return gw_esp_proposal_name(&c->child[0], buf, len);
    snprintf(buf, len, "one of %s", esp ? g->cf.esp_text : g->cf.ike_text);
    return buf;
}

static void hex8(const uint8_t spi[8], char out[17])
{
    int i;

    for (i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", spi[i]);
}

/* The remote subnets of the "child" lines (further CHILD SAs) go into the TUN too. */
static int tun_routes_more(gateway_t *g)
{
    unsigned i;

    for (i = 0; i < g->cf.conn.ts_more_count; i++) {
        const char *const route[] = {"ip",  "route",     "replace", g->cf.child_remote[i],
                                     "dev", g->tun_name, NULL};

        if (gw_run_ip(route) != 0)
            return -1;
    }
    return 0;
}

/* Open the TUN device, bring it up, and route the remote subnet into it. */
static int tun_setup(gateway_t *g)
{
    char mtu[16], src[64];
    const gw_conf_t *cf = &g->cf;

    const char *name = cf->tun_name[0] ? cf->tun_name : "tip%d";
    int err;

    g->tun_features = 0;
    if (cf->offload)
        err = tip_port_posix_tun_open_offload(name, &g->tun_fd, g->tun_name, sizeof(g->tun_name),
                                              &g->tun_features);
    else
        err = tip_port_posix_tun_open(name, &g->tun_fd, g->tun_name, sizeof(g->tun_name));
    g->tun_coalesce = (g->tun_features & TIP_PORT_POSIX_TUN_TSO) != 0;
    g->tun_coalesce_udp = g->tun_coalesce && (g->tun_features & TIP_PORT_POSIX_TUN_USO) != 0;
    if (err != TIP_OK) {
        fprintf(stderr, "linux-gateway: cannot open a TUN device: %s\n", strerror(errno));
        return -1;
    }
    snprintf(mtu, sizeof(mtu), "%u", cf->tun_mtu);
    {
        const char *const link_up[] = {"ip",  "link", "set", "dev", g->tun_name,
                                       "mtu", mtu,    "up",  NULL};

        if (gw_run_ip(link_up) != 0)
            return -1;
    }
    /* "replace", not "add": a route left over from a crashed run is taken over.
     * The route disappears by itself with the device when we close it. With
     * "src", the gateway's own traffic to the remote subnet leaves from an
     * address inside local_subnet, so that it matches the policy too. */
    if (cf->route_src.family != TIP_AF_NONE) {
        const char *const route[] = {
            "ip",  "route",     "replace", cf->remote_subnet,
            "dev", g->tun_name, "src",     tip_addr_format(&cf->route_src, src, sizeof(src)),
            NULL};

        if (gw_run_ip(route) != 0)
            return -1;
    } else {
        const char *const route[] = {"ip",  "route",     "replace", cf->remote_subnet,
                                     "dev", g->tun_name, NULL};

        if (gw_run_ip(route) != 0)
            return -1;
    }
    return tun_routes_more(g);
}

/* ---- events and counters -------------------------------------------------------- */

/* CHILD SA @p child of @p conn (tip_event_t.child): its subnets as configured. */
static void print_child(gateway_t *g, const char *what, tip_handle_t conn, unsigned child)
{
    tip_ike_status_t st;
    tip_ike_child_status_t cs;
    char esp[GW_PROP_TEXT];
    const char *l = g->cf.local_subnet, *r = g->cf.remote_subnet;

    if (tip_ike_status(&g->ctx, conn, &st) != TIP_OK)
        return;
    if (tip_ike_child_status(&g->ctx, conn, child, &cs) == TIP_OK && cs.up) {
        if (cs.pair >= 1 && cs.pair <= g->cf.conn.ts_more_count) {
            l = g->cf.child_local[cs.pair - 1];
            r = g->cf.child_remote[cs.pair - 1];
        }
        st.child_spi_in = cs.spi_in;
        st.child_spi_out = cs.spi_out;
        st.child_alg = cs.alg;
    }
    printf("%s conn %u child %u: %s === %s, ESP SPIs in 0x%08x out 0x%08x, UDP-encap %s, esp %s\n",
           what, (unsigned)conn, child, l, r, (unsigned)st.child_spi_in,
           (unsigned)st.child_spi_out, st.natt ? "yes" : "no",
           gw_esp_proposal_name(&st.child_alg, esp, sizeof(esp))); /* the negotiated one */
}

static void print_ike_sa(gateway_t *g, const char *what, tip_handle_t conn)
{
    tip_ike_status_t st;
    char local[64], peer[64], spi_i[17], spi_r[17], ike[GW_PROP_TEXT];
    int v6;

    if (tip_ike_status(&g->ctx, conn, &st) != TIP_OK)
        return;
    hex8(st.spi_i, spi_i);
    hex8(st.spi_r, spi_r);
    /* our address as the IKE SA uses it now (MOBIKE moves it) */
    if (st.local_addr.family == TIP_AF_NONE)
        st.local_addr = g->cf.conn.local_addr;
    /* An IPv6 address with a port goes in brackets (RFC 3986 3.2.2). */
    v6 = st.peer_addr.family == TIP_AF_INET6;
    printf("%s conn %u: %s <-> %s%s%s:%u, %s, SPIs %s_i %s_r, NAT-T %s, ike %s\n", what,
           (unsigned)conn, tip_addr_format(&st.local_addr, local, sizeof(local)),
           v6 ? "[" : "", tip_addr_format(&st.peer_addr, peer, sizeof(peer)), v6 ? "]" : "",
           (unsigned)st.peer_port,
           st.initiator ? "initiator" : "responder", spi_i, spi_r, st.natt ? "yes" : "no",
           gw_ike_proposal_name(&st.ike_alg, ike, sizeof(ike))); /* the negotiated one */
}

/*
 * The peer assigned us virtual addresses (RFC 7296 2.19): put them on the
 * TUN device, make them the source of the route to the remote subnet (our
 * side of the CHILD SA is exactly that address), and print the DNS servers
 * (the gateway does not touch the system's resolver).
 */
static void vip_apply(gateway_t *g, const tip_ike_vip_t *vip)
{
    char a[64], prefix[80];
    unsigned i;
    int fam;

    for (fam = 0; fam < 2; fam++) {
        const tip_addr_t *addr = fam == 0 ? &vip->ip4 : &vip->ip6;
        if (addr->family == TIP_AF_NONE)
            continue;
        tip_addr_format(addr, a, sizeof(a));
        printf("VIRTUAL_IP conn %u: address %s\n", (unsigned)g->conn, a);
        snprintf(prefix, sizeof(prefix), "%s/%u", a, fam == 0 ? 32u : 128u);
        {
            const char *const add[] = {"ip", "addr", "replace", prefix, "dev", g->tun_name, NULL};
            (void)gw_run_ip(add);
        }
        if (addr->family == g->cf.conn.ts.remote.lo.family) {
            const char *const route[] = {"ip",  "route",     "replace", g->cf.remote_subnet,
                                         "dev", g->tun_name, "src",     a,
                                         NULL};
            (void)gw_run_ip(route);
        }
    }
    for (i = 0; i < vip->dns_count; i++)
        printf("VIRTUAL_IP conn %u: DNS server %s\n", (unsigned)g->conn,
               tip_addr_format(&vip->dns[i], a, sizeof(a)));
    fflush(stdout);
}

/* The event callback: runs inside tip_ike_input(), tip_output() and tip_poll(). */
static void on_event(void *arg, const tip_event_t *ev)
{
    gateway_t *g = arg;
    char buf[64];

    switch (ev->type) {
    case TIP_EV_IKE_UP:
        g->ike_down = 0;
        /* fall through */
    case TIP_EV_IKE_REKEYED:
    case TIP_EV_IKE_MOVED: /* MOBIKE: the IKE SA and its CHILD SAs on new addresses */
        print_ike_sa(g, tip_event_name(ev->type), ev->conn);
        if (!g->cf.conn.no_mobike)
            gw_addr_watch_arm(&g->addr_watch, now_ms(g));
        break;
    case TIP_EV_CHILD_UP:
    case TIP_EV_CHILD_REKEYED:
        print_child(g, tip_event_name(ev->type), ev->conn, ev->child);
        if (ev->type == TIP_EV_CHILD_UP && g->cf.has_pool) {
            tip_ike_vip_t vip;
            if (tip_ike_vip_get(&g->ctx, ev->conn, &vip) == TIP_OK)
                printf("CHILD_UP conn %u: the peer's virtual address %s\n", (unsigned)ev->conn,
                       tip_addr_format(vip.ip4.family != TIP_AF_NONE ? &vip.ip4 : &vip.ip6, buf,
                                       sizeof(buf)));
        }
        break;
    case TIP_EV_VIRTUAL_IP:
        vip_apply(g, ev->vip);
        break;
    case TIP_EV_IKE_DOWN:
        g->ike_down = 1;
        /* fall through */
    case TIP_EV_CHILD_DOWN:
    case TIP_EV_AUTH_FAILED:
    case TIP_EV_PROPOSAL_MISMATCH:
        printf("%s conn %u: %s\n", tip_event_name(ev->type), (unsigned)ev->conn,
               gw_reason_text(ev->reason, buf, sizeof(buf)));
        break;
    default: /* data-path events: IKE has already acted on them */
        if (g->cf.log_level >= TIP_LOG_INFO)
            printf("%s spi 0x%08x\n", tip_event_name(ev->type), (unsigned)ev->spi);
        break;
    }
}

static void print_stats(gateway_t *g, const char *label)
{
    tip_ike_status_t st;
    tip_sa_stats_t in, out;
    uint64_t drops = 0;
    unsigned i;

    memset(&st, 0, sizeof(st));
    memset(&in, 0, sizeof(in));
    memset(&out, 0, sizeof(out));
    (void)tip_ike_status(&g->ctx, g->conn, &st);
    if (st.child_up) {
        (void)tip_sad_stats(&g->ctx, st.child_in, &in);
        (void)tip_sad_stats(&g->ctx, st.child_out, &out);
        for (i = 0; i < TIP_DROP_COUNT; i++)
            drops += in.drops[i] + out.drops[i];
    }
    /* one key=value line: easy to read and to grep in scripts */
    printf("%s uptime=%llus ike=%s child=%s spi_in=0x%08x in_pkts=%llu in_bytes=%llu "
           "spi_out=0x%08x out_pkts=%llu out_bytes=%llu sa_drops=%llu tun_read=%llu "
           "tun_written=%llu no_sa=%llu no_policy=%llu bypass=%llu send_err=%llu "
           "rx_ike=%llu rx_dropped=%llu ike_rekeys=%u child_rekeys=%u sock_rx_calls=%llu "
           "sock_rx_dgrams=%llu sock_tx_calls=%llu sock_tx_dgrams=%llu gso_sends=%llu "
           "gro_dgrams=%llu tx_dropped=%llu tun_reads=%llu tun_writes=%llu tun_super=%llu "
           "tun_super_udp=%llu tun_bad=%llu\n",
           label, (unsigned long long)((now_ms(g) - g->started_ms) / 1000),
           st.ike_up ? "up" : "down", st.child_up ? "up" : "down", (unsigned)st.child_spi_in,
           (unsigned long long)in.packets, (unsigned long long)in.bytes, (unsigned)st.child_spi_out,
           (unsigned long long)out.packets, (unsigned long long)out.bytes,
           (unsigned long long)drops, (unsigned long long)g->n.tun_read,
           (unsigned long long)g->n.tun_written, (unsigned long long)g->n.no_sa,
           (unsigned long long)g->n.no_policy, (unsigned long long)g->n.bypass,
           (unsigned long long)g->n.send_err, (unsigned long long)g->n.rx_ike,
           (unsigned long long)g->n.rx_dropped, (unsigned)st.ike_rekeys, (unsigned)st.child_rekeys,
           (unsigned long long)g->io.stats.rx_calls, (unsigned long long)g->io.stats.rx_datagrams,
           (unsigned long long)g->io.stats.tx_calls, (unsigned long long)g->io.stats.tx_datagrams,
           (unsigned long long)g->io.stats.gso_sends, (unsigned long long)g->io.stats.gro_datagrams,
           (unsigned long long)g->io.stats.tx_dropped, (unsigned long long)g->n.tun_reads,
           (unsigned long long)g->n.tun_writes, (unsigned long long)g->n.tun_super,
           (unsigned long long)g->n.tun_super_udp, (unsigned long long)g->n.tun_bad);
}

/* ---- the key log (--keylog: a debugging aid) ------------------------------------ */

/*
 * The log hook with --keylog: a TIP_KEYLOG build of the library logs each
 * SA's keys as "keylog <table>: <line>", <table> being ikev2_decryption_table
 * or esp_sa; the line (without the prefix) is appended to DIR/<table>, the
 * file Wireshark reads from its profile. Everything else goes to the port's
 * logger. @p arg is the port's (shared by all its hooks), so the gateway is
 * the global one.
 */
static void keylog_hook(void *arg, int level, const char *msg)
{
    static const char *const tables[] = {"ikev2_decryption_table", "esp_sa"};
    size_t i, n;

    for (i = 0; msg != NULL && i < sizeof(tables) / sizeof(tables[0]); i++) {
        char err[4200];

        n = strlen(tables[i]);
        if (strncmp(msg, "keylog ", 7) != 0 || strncmp(msg + 7, tables[i], n) != 0 ||
            strncmp(msg + 7 + n, ": ", 2) != 0)
            continue;
        if (gw_keylog_append(gw.keylog_dir, tables[i], msg + 7 + n + 2, err, sizeof(err)) != 0)
            fprintf(stderr, "linux-gateway: keylog %s\n", err);
        return;
    }
    gw.log_next(arg, level, msg);
}

/* ---- signals ------------------------------------------------------------------ */

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char c = (unsigned char)sig;

    if (write(sig_pipe[1], &c, 1) < 0) {
        /* pipe full: a signal is pending already */
    }
    errno = saved;
}

static int signals_setup(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
    struct sigaction sa;
    size_t i;

    if (pipe(sig_pipe) != 0)
        return -1;
    for (i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* ---- set-up -------------------------------------------------------------------- */

static int gateway_open(gateway_t *g)
{
    const tip_ike_conn_t *c = &g->cf.conn;
    tip_port_posix_cfg_t pc;
    int err;

    tip_port_posix_cfg_init(&pc);
    pc.local = c->local_addr;
    /* MOBIKE: the sockets take the unspecified address of local's family,
     * so that the IKE SA can move to whatever address this host has next;
     * each datagram still leaves from the SA's address (IP_PKTINFO). */
    if (!c->no_mobike)
        memset(pc.local.addr, 0, sizeof(pc.local.addr));
    pc.v6only = c->local_addr.family == TIP_AF_INET6;
    pc.natt_port = c->local_natt_port ? c->local_natt_port : TIP_PORT_NATT;
    pc.ike_port = c->local_port ? c->local_port : TIP_PORT_IKE;
    pc.open_ike = pc.ike_port != pc.natt_port; /* IKE on the NAT-T port needs no 2nd socket */
    /* Raw ESP (IP protocol 50) for SAs without UDP encapsulation: used when
     * neither side is behind a NAT and force_encap is off. */
    pc.raw_esp4 = g->cf.raw_esp && c->local_addr.family == TIP_AF_INET;
    pc.raw_esp6 = g->cf.raw_esp && c->local_addr.family == TIP_AF_INET6;
    pc.log_level = g->cf.log_level;
    pc.udp_gso = (uint8_t)g->cf.offload;
    pc.udp_gro = (uint8_t)g->cf.offload;
    if (tip_port_posix_open(&g->io, &pc) != TIP_OK) {
        fprintf(stderr, "linux-gateway: %s\n", tip_port_posix_errmsg(&g->io));
        return -1;
    }
    tip_port_posix_port(&g->io, &g->port);
    if (g->keylog_dir != NULL) {
        g->log_next = g->port.log;
        g->port.log = keylog_hook;
    }
    err = tip_ctx_init(&g->ctx, &g->port);
    if (err == TIP_OK && g->cf.has_pool) /* the pool first: the connection names it */
        err = tip_ike_pool_add(&g->ctx, &g->cf.pool, &g->cf.conn.vip_pool);
    if (err == TIP_OK) {
        tip_ctx_set_event_cb(&g->ctx, on_event, g);
        err = tip_ike_conn_add(&g->ctx, c, &g->conn);
    }
    if (err != TIP_OK) {
        fprintf(stderr, "linux-gateway: connection refused by the library: %s (%d)\n",
                tip_strerror(err), err);
        tip_port_posix_close(&g->io);
        return -1;
    }
    return 0;
}

static void print_banner(const gateway_t *g)
{
    const tip_ike_conn_t *c = &g->cf.conn;
    char local[64], peer[64], ike[GW_PROP_TEXT], esp[GW_PROP_TEXT];

    printf("linux-gateway %s: %s (IKE %u, NAT-T %u), peer %s, %s\n", TIP_VERSION_STRING,
           tip_addr_format(&c->local_addr, local, sizeof(local)), (unsigned)g->io.ike_port,
           (unsigned)g->io.natt_port, tip_addr_format(&c->remote_addr, peer, sizeof(peer)),
           g->cf.initiate ? "initiator" : "responder");
    printf("  %s === %s via %s, ike %s, esp %s\n", g->cf.local_subnet, g->cf.remote_subnet,
           g->tun_name, proposals_text(g, 0, ike, sizeof(ike)),
           proposals_text(g, 1, esp, sizeof(esp)));
    printf("  offload: UDP GSO %s, UDP GRO %s, TUN virtio-net header %s, TSO %s, USO %s, "
           "coalescing %s%s\n",
           g->io.gso ? "on" : "off", g->io.gro ? "on" : "off",
           g->tun_features & TIP_PORT_POSIX_TUN_VNET ? "on" : "off",
           g->tun_features & TIP_PORT_POSIX_TUN_TSO ? "on" : "off",
           g->tun_features & TIP_PORT_POSIX_TUN_USO ? "on" : "off", g->tun_coalesce ? "on" : "off",
           g->tun_coalesce_udp ? " (TCP and UDP)" : g->tun_coalesce ? " (TCP)" : "");
    if (c->no_mobike)
        printf("  mobike: off\n");
    else
        printf("  mobike: on, address changes noticed by %sa route probe every %u s\n",
               g->addr_watch.nl_fd >= 0 ? "rtnetlink and " : "", GW_ADDR_PROBE_MS / 1000);
}

/* --check: would the library take this connection? (No sockets, no root.) */
static uint64_t check_now(void *arg)
{
    (void)arg;
    return 0;
}

static int check_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    memset(out, 0, len); /* nothing is negotiated with these */
    return 0;
}

static int check_send(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                      uint16_t dport, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)src;
    (void)sport;
    (void)dst;
    (void)dport;
    (void)data;
    (void)len;
    return TIP_ERR_PORT;
}

static int check_with_library(gateway_t *g)
{
    tip_port_t port;
    int err;

    memset(&port, 0, sizeof(port));
    port.now_ms = check_now;
    port.random = check_random;
    port.send_udp = check_send;
    err = tip_ctx_init(&g->ctx, &port);
    if (err == TIP_OK) {
        if (g->cf.has_pool)
            err = tip_ike_pool_add(&g->ctx, &g->cf.pool, &g->cf.conn.vip_pool);
        if (err == TIP_OK)
            err = tip_ike_conn_add(&g->ctx, &g->cf.conn, NULL);
        tip_ctx_deinit(&g->ctx);
    }
    if (err != TIP_OK)
        fprintf(stderr, "linux-gateway: connection refused by the library: %s (%d)\n",
                tip_strerror(err), err);
    return err;
}

/* ---- the loop ------------------------------------------------------------------ */

/* Add the port's sockets to @p pfd. */
static nfds_t add_socket_fds(const gateway_t *g, struct pollfd *pfd, nfds_t n)
{
    int fds[4];
    int i, k = tip_port_posix_fds(&g->io, fds, 4);

    for (i = 0; i < k && i < 4; i++) {
        pfd[n].fd = fds[i];
        pfd[n].events = POLLIN;
        pfd[n].revents = 0;
        n++;
    }
    return n;
}

/* The poll(2) timeout @p a (-1: none) shortened to @p deadline (0: none). */
static int min_timeout(int a, uint64_t deadline, uint64_t now)
{
    uint64_t d;

    if (deadline == 0)
        return a;
    d = deadline > now ? deadline - now : 0;
    if (d > (uint64_t)INT_MAX)
        d = INT_MAX;
    return a < 0 || d < (uint64_t)a ? (int)d : a;
}

static void start_ike(gateway_t *g, uint64_t *retry_at)
{
    int err = tip_ike_initiate(&g->ctx, g->conn);

    *retry_at = 0;
    if (err == TIP_OK || err == TIP_ERR_EXISTS)
        return;
    printf("initiate failed: %s (retrying in %u s)\n", tip_strerror(err),
           GW_INITIATE_RETRY_MS / 1000);
    *retry_at = now_ms(g) + GW_INITIATE_RETRY_MS;
}

static void run(gateway_t *g, unsigned stats_interval)
{
    uint64_t now = now_ms(g), stats_at = 0, stop_at = 0, initiate_at = 0;
    int stopping = 0, terminate_sent = 0;

    if (stats_interval > 0)
        stats_at = now + stats_interval * 1000ull;
    if (g->cf.initiate)
        start_ike(g, &initiate_at);

    for (;;) {
        struct pollfd pfd[7];
        nfds_t n = 0, first_socket;
        int timeout, i;

        now = now_ms(g);
        /* timers; then sleep until the next deadline or input (-1: none) */
        timeout = tip_port_posix_timeout(tip_poll(&g->ctx, now));
        timeout = min_timeout(timeout, stats_at, now);
        timeout = min_timeout(timeout, stop_at, now);
        timeout = min_timeout(timeout, initiate_at, now);
        timeout = min_timeout(timeout, gw_addr_watch_deadline(&g->addr_watch), now);

        pfd[n].fd = sig_pipe[0];
        pfd[n++].events = POLLIN;
        pfd[n].fd = g->tun_fd;
        pfd[n++].events = POLLIN;
        pfd[n].fd = g->addr_watch.nl_fd; /* -1 (mobike = no): poll() skips it */
        pfd[n++].events = POLLIN;
        first_socket = n;
        n = add_socket_fds(g, pfd, n);
        if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
            perror("linux-gateway: poll");
            return;
        }

        if (pfd[0].revents & POLLIN) {
            unsigned char sig;

            while (read(sig_pipe[0], &sig, 1) == 1) {
                if (sig == SIGUSR1) {
                    printf("SIGUSR1: rekeying the CHILD SA: %s\n",
                           tip_strerror(tip_ike_rekey_child(&g->ctx, g->conn)));
                } else if (sig == SIGUSR2) {
                    printf("SIGUSR2: rekeying the IKE SA: %s\n",
                           tip_strerror(tip_ike_rekey_ike(&g->ctx, g->conn)));
                } else if (stopping) {
                    printf("second signal: exiting without waiting\n");
                    return;
                } else {
                    printf("signal %d: deleting the IKE SA and exiting\n", (int)sig);
                    print_stats(g, "STATS"); /* the SAs' last counters */
                    stopping = 1;
                    stop_at = now_ms(g) + GW_SHUTDOWN_MS;
                }
            }
        }
        if (pfd[1].revents & POLLIN)
            gw_tun_drain(g);
        if (pfd[2].revents & POLLIN)
            gw_addr_watch_drain(&g->addr_watch);
        for (i = (int)first_socket; i < (int)n; i++)
            if (pfd[i].revents & (POLLIN | POLLERR)) {
                gw_sockets_drain(g); /* serves every socket, round robin */
                break;
            }

        now = now_ms(g);
        if (stats_at != 0 && now >= stats_at) {
            print_stats(g, "STATS");
            stats_at = now + stats_interval * 1000ull;
        }
        if (initiate_at != 0 && now >= initiate_at && !stopping)
            start_ike(g, &initiate_at);
        if (!g->cf.conn.no_mobike)
            (void)gw_addr_watch_check(&g->addr_watch, &g->ctx, g->conn, now);
        if (stopping) {
            /* RFC 7296 1.4.1: delete the IKE SA (and with it the CHILD SA)
             * with an INFORMATIONAL exchange, and wait for the answer. */
            if (!terminate_sent) {
                int err = tip_ike_terminate(&g->ctx, g->conn);

                if (err == TIP_OK)
                    terminate_sent = 1;
                else if (err != TIP_ERR_EXISTS) /* EXISTS: an exchange is running */
                    return;                     /* no IKE SA: nothing to delete */
            } else if (g->ike_down) {
                printf("IKE SA deleted\n");
                return;
            }
            if (now >= stop_at) {
                printf("the peer did not confirm the delete within %u ms\n", GW_SHUTDOWN_MS);
                return;
            }
        }
    }
}

int main(int argc, char **argv)
{
    const char *conf_path = NULL;
    unsigned long stats_interval = 0;
    int check = 0, i;
    char err[256];

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout, argv[0]);
            return 0;
        } else if (!strcmp(a, "-n") || !strcmp(a, "--check")) {
            check = 1;
        } else if ((!strcmp(a, "-s") || !strcmp(a, "--stats-interval")) && i + 1 < argc) {
            char *end;

            stats_interval = strtoul(argv[++i], &end, 10);
            if (*end != '\0' || stats_interval > 86400) {
                fprintf(stderr, "linux-gateway: bad --stats-interval %s\n", argv[i]);
                return 2;
            }
        } else if ((!strcmp(a, "-k") || !strcmp(a, "--keylog")) && i + 1 < argc) {
            gw.keylog_dir = argv[++i];
#if !TIP_KEYLOG
            fprintf(stderr, "linux-gateway: --keylog needs a library built with "
                            "-DTIP_KEYLOG=1 (a debugging build)\n");
            return 2;
#endif
            if (access(gw.keylog_dir, W_OK | X_OK) != 0) {
                fprintf(stderr, "linux-gateway: --keylog %s: %s\n", gw.keylog_dir, strerror(errno));
                return 2;
            }
        } else if (a[0] != '-' && conf_path == NULL) {
            conf_path = a;
        } else {
            usage(stderr, argv[0]);
            return 2;
        }
    }
    if (conf_path == NULL) {
        usage(stderr, argv[0]);
        return 2;
    }

    setvbuf(stdout, NULL, _IOLBF, 0); /* one line at a time, also into a log file */
    gw_conf_init(&gw.cf);
    if (gw_conf_load(&gw.cf, conf_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "linux-gateway: %s\n", err);
        return 2;
    }
    if (gw.cf.warning[0] != '\0')
        fprintf(stderr, "linux-gateway: warning: %s\n", gw.cf.warning);
    if (check) {
        gw_conf_print(&gw.cf);
        return check_with_library(&gw) == 0 ? 0 : 2;
    }

    gw.tun_fd = -1;
    gw.addr_watch.nl_fd = -1;
    if (signals_setup() != 0) {
        perror("linux-gateway: signals");
        return 1;
    }
    if (gateway_open(&gw) != 0) /* sockets, context, connection */
        return 1;
    /* MOBIKE: address and route changes wake the loop up (without netlink,
     * the periodic probe alone notices them) */
    if (!gw.cf.conn.no_mobike && gw_addr_watch_open(&gw.addr_watch) != 0)
        fprintf(stderr, "linux-gateway: rtnetlink: %s (address changes are noticed within %u s)\n",
                strerror(errno), GW_ADDR_PROBE_MS / 1000);
    if (tun_setup(&gw) != 0) {
        if (gw.tun_fd >= 0)
            close(gw.tun_fd);
        tip_port_posix_close(&gw.io);
        gw_addr_watch_close(&gw.addr_watch);
        return 1;
    }
    gw.started_ms = now_ms(&gw);
    print_banner(&gw);
    if (gw.keylog_dir != NULL)
        printf("keylog: appending IKE and ESP keys to %s/{ikev2_decryption_table,esp_sa}"
               " (debugging only)\n",
               gw.keylog_dir);

    run(&gw, (unsigned)stats_interval);

    print_stats(&gw, "FINAL");
    tip_ctx_deinit(&gw.ctx); /* removes the SAs, zeroizes the keys */
    tip_port_posix_close(&gw.io);
    gw_addr_watch_close(&gw.addr_watch);
    close(gw.tun_fd); /* the device and its route go away with it */
    return 0;
}
