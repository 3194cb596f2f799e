/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * UDP and TCP echo on port 7 (RFC 862) with lwIP's raw API: what the device
 * answers through the tunnel.
 */
#include "app.h"

#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#define APP_ECHO_PORT 7

static unsigned long echo_count;

unsigned int app_lwip_rand(void);
unsigned int app_lwip_rand(void)
{
    uint32_t r = 0;

    (void)board_random((uint8_t *)&r, sizeof(r));
    return (unsigned int)r;
}

static void udp_echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                          u16_t port)
{
    (void)arg;
    if (p == NULL)
        return;
    if (udp_sendto(pcb, p, addr, port) == ERR_OK)
        echo_count++;
    pbuf_free(p);
}

static err_t tcp_echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    if (p == NULL || err != ERR_OK) {
        if (p != NULL)
            pbuf_free(p);
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        (void)tcp_close(pcb);
        return ERR_OK;
    }
    if (tcp_sndbuf(pcb) >= p->tot_len) {
        struct pbuf *q;

        for (q = p; q != NULL; q = q->next)
            (void)tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY);
        (void)tcp_output(pcb);
        echo_count++;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t tcp_echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    tcp_recv(pcb, tcp_echo_recv);
    return ERR_OK;
}

void app_echo_init(void)
{
    struct udp_pcb *u = udp_new();
    struct tcp_pcb *t = tcp_new();

    if (u != NULL && udp_bind(u, IP_ANY_TYPE, APP_ECHO_PORT) == ERR_OK)
        udp_recv(u, udp_echo_recv, NULL);
    if (t != NULL && tcp_bind(t, IP_ANY_TYPE, APP_ECHO_PORT) == ERR_OK) {
        t = tcp_listen(t);
        if (t != NULL)
            tcp_accept(t, tcp_echo_accept);
    }
}

unsigned long app_echo_count(void)
{
    return echo_count;
}
