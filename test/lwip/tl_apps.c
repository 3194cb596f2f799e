/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Raw-API echo servers and clients (see tl_apps.h).
 */
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "tl_apps.h"

#define ECHO_PORT 7

static unsigned udp_echoed;
static const char *peer_text = "10.2.0.1";

void tl_apps_peer(const char *ip)
{
    peer_text = ip;
}

static int peer_addr(ip_addr_t *to)
{
    return ipaddr_aton(peer_text, to) ? 0 : -1;
}
static size_t tcp_echoed_bytes;

static void echo_udp_rx(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    (void)arg;
    if (udp_sendto(pcb, p, addr, port) == ERR_OK)
        udp_echoed++;
    pbuf_free(p);
}

static err_t echo_tcp_rx(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct pbuf *q;

    (void)arg;
    if (p == NULL || err != ERR_OK) {
        if (p != NULL)
            pbuf_free(p);
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        (void)tcp_close(pcb);
        return ERR_OK;
    }
    /* Echo all or nothing: ERR_MEM makes lwIP offer the data again later. */
    if (tcp_sndbuf(pcb) < p->tot_len || tcp_sndqueuelen(pcb) + 8 > TCP_SND_QUEUELEN)
        return ERR_MEM;
    for (q = p; q != NULL; q = q->next) {
        if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
            return ERR_MEM; /* nothing acknowledged yet: offered again */
    }
    tcp_echoed_bytes += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    (void)tcp_output(pcb);
    pbuf_free(p);
    return ERR_OK;
}

static err_t echo_tcp_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    tcp_recv(pcb, echo_tcp_rx);
    return ERR_OK;
}

int tl_echo_start(void)
{
    struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_ANY);
    struct tcp_pcb *t = tcp_new_ip_type(IPADDR_TYPE_ANY);

    if (u == NULL || t == NULL || udp_bind(u, IP_ANY_TYPE, ECHO_PORT) != ERR_OK ||
        tcp_bind(t, IP_ANY_TYPE, ECHO_PORT) != ERR_OK)
        return -1;
    udp_recv(u, echo_udp_rx, NULL);
    t = tcp_listen(t);
    if (t == NULL)
        return -1;
    tcp_accept(t, echo_tcp_accept);
    return 0;
}

unsigned tl_echo_udp_count(void)
{
    return udp_echoed;
}

size_t tl_echo_tcp_bytes(void)
{
    return tcp_echoed_bytes;
}

/* ---- clients ---------------------------------------------------------------- */

static struct udp_pcb *ucli;
static unsigned udp_good, udp_bad;

static size_t dgram_len(unsigned i)
{
    static const size_t sizes[] = {1, 64, 512, 1000, 1300, 1372};
    return sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
}

static uint8_t dgram_byte(unsigned i, size_t k)
{
    return (uint8_t)(i * 31u + k * 7u + 1u);
}

static void cli_udp_rx(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                       u16_t port)
{
    static uint8_t b[1500];
    unsigned i;
    size_t k, n;

    (void)arg;
    (void)pcb;
    (void)addr;
    (void)port;
    n = pbuf_copy_partial(p, b, sizeof(b), 0);
    pbuf_free(p);
    /* the first byte names the datagram; the rest must be its pattern */
    i = b[0];
    if (n == 0 || n != dgram_len(i)) {
        udp_bad++;
        return;
    }
    for (k = 1; k < n; k++) {
        if (b[k] != dgram_byte(i, k)) {
            udp_bad++;
            return;
        }
    }
    udp_good++;
}

tl_pbuf_kind_t tl_udp_kind(unsigned i)
{
    return (tl_pbuf_kind_t)(i % 3u);
}

size_t tl_udp_len(unsigned i)
{
    return dgram_len(i);
}

int tl_udp_send(unsigned i)
{
    static uint8_t d0[1500];
    ip_addr_t to;
    struct pbuf *p;
    size_t n = dgram_len(i), k;
    err_t err;

    if (ucli == NULL) {
        ucli = udp_new_ip_type(IPADDR_TYPE_ANY);
        if (ucli == NULL || udp_bind(ucli, IP_ANY_TYPE, 0) != ERR_OK)
            return -1;
        udp_recv(ucli, cli_udp_rx, NULL);
    }
    switch (tl_udp_kind(i)) {
    case TL_PBUF_POOL:
        p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_POOL);
        if (p != NULL && p->next != NULL) {
            pbuf_free(p); /* the test's PBUF_POOL_BUFSIZE holds every size */
            return -1;
        }
        break;
    case TL_PBUF_CHAIN:
        p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)(n / 2), PBUF_POOL);
        if (p != NULL) {
            struct pbuf *t = pbuf_alloc(PBUF_RAW, (u16_t)(n - n / 2), PBUF_POOL);
            if (t == NULL) {
                pbuf_free(p);
                return -1;
            }
            pbuf_cat(p, t);
        }
        break;
    default:
        p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
        break;
    }
    if (p == NULL)
        return -1;
    d0[0] = (uint8_t)i;
    for (k = 1; k < n; k++)
        d0[k] = dgram_byte(i, k);
    if (pbuf_take(p, d0, (u16_t)n) != ERR_OK || peer_addr(&to) != 0) {
        pbuf_free(p);
        return -1;
    }
    err = udp_sendto(ucli, p, &to, ECHO_PORT);
    pbuf_free(p);
    return err == ERR_OK ? 0 : -1;
}

unsigned tl_udp_echoes(unsigned *bad)
{
    *bad = udp_bad;
    return udp_good;
}

static struct tcp_pcb *tcli;
static size_t tcp_total, tcp_sent_bytes, tcp_rx;
static int tcp_bad;

static uint8_t stream_byte(size_t k)
{
    return (uint8_t)((k * 131u) ^ (k >> 8));
}

static void cli_fill(struct tcp_pcb *pcb)
{
    uint8_t chunk[536];

    while (tcp_sent_bytes < tcp_total) {
        size_t n = tcp_total - tcp_sent_bytes, k;
        if (n > sizeof(chunk))
            n = sizeof(chunk);
        if (n > tcp_sndbuf(pcb))
            n = tcp_sndbuf(pcb);
        if (n == 0 || tcp_sndqueuelen(pcb) + 2 > TCP_SND_QUEUELEN)
            break;
        for (k = 0; k < n; k++)
            chunk[k] = stream_byte(tcp_sent_bytes + k);
        if (tcp_write(pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        tcp_sent_bytes += n;
    }
    (void)tcp_output(pcb);
}

static err_t cli_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    (void)len;
    cli_fill(pcb);
    return ERR_OK;
}

static err_t cli_tcp_rx(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct pbuf *q;
    (void)arg;

    if (p == NULL || err != ERR_OK) {
        if (p != NULL)
            pbuf_free(p);
        return ERR_OK;
    }
    for (q = p; q != NULL; q = q->next) {
        const uint8_t *d = q->payload;
        u16_t k;
        for (k = 0; k < q->len; k++) {
            if (d[k] != stream_byte(tcp_rx + k))
                tcp_bad = 1;
        }
        tcp_rx += q->len;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static void cli_err(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    tcli = NULL; /* lwIP freed the pcb */
    tcp_bad = 1;
}

static err_t cli_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK) {
        tcp_bad = 1;
        return err;
    }
    cli_fill(pcb);
    return ERR_OK;
}

int tl_tcp_start(size_t total)
{
    ip_addr_t to;

    tcp_total = total;
    if (peer_addr(&to) != 0)
        return -1;
    tcli = tcp_new_ip_type(IP_GET_TYPE(&to));
    if (tcli == NULL)
        return -1;
    tcp_recv(tcli, cli_tcp_rx);
    tcp_sent(tcli, cli_sent);
    tcp_err(tcli, cli_err);
    return tcp_connect(tcli, &to, ECHO_PORT, cli_connected) == ERR_OK ? 0 : -1;
}

size_t tl_tcp_echoed(int *bad)
{
    *bad = tcp_bad;
    return tcp_rx;
}

void tl_tcp_close(void)
{
    if (tcli != NULL) {
        tcp_err(tcli, NULL);
        if (tcp_close(tcli) != ERR_OK)
            tcp_abort(tcli);
        tcli = NULL;
    }
}
