/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The device's IPsec tunnel to its gateway (src/app_ike.c, on port/lwip).
 */
#ifndef APP_IKE_H
#define APP_IKE_H

#include <stdint.h>

#include "lwip/ip4_addr.h"

struct netif;

#define APP_IKE_UDP_LEN 200

typedef struct {
    ip4_addr_t gateway;      /* the gateway's outer address (on the LAN) */
    ip4_addr_t tun_ip;       /* the device's address inside the tunnel */
    ip4_addr_t tun_mask;     /* its subnet: the local traffic selector */
    ip4_addr_t remote_net;   /* the network behind the gateway: remote selector */
    ip4_addr_t remote_mask;
    ip4_addr_t echo_host;    /* a host there with UDP and TCP echo (port 7) */
    const char *psk;
    const char *local_id, *remote_id; /* FQDN identities */
    uint8_t force_encap;     /* 1: ESP in UDP 4500; 0: plain ESP when no NAT */
    uint32_t udp_count;      /* datagrams to send through the tunnel */
    uint8_t rekey;           /* 1: rekey the CHILD SA half-way through them */
    uint8_t tcp;             /* 1: one TCP echo exchange too */
} app_ike_cfg_t;

typedef struct {
    uint32_t ike_up, child_up, child_rekeyed, failed;
    uint32_t udp_sent, udp_replies, udp_bad;
    uint32_t tcp_ok, tcp_bad;
} app_ike_stats_t;

/* Port, tunnel netif (made the default netif), connection, initiate. */
int app_ike_start(struct netif *eth, const app_ike_cfg_t *cfg);
/* From the main loop: sends the datagrams, starts the rekey and TCP. */
void app_ike_poll(void);
/* 1 when everything asked for has happened (or failed). */
int app_ike_done(void);
const app_ike_stats_t *app_ike_stats(void);
/* Prints the port's packet counters and the context's drops. */
void app_ike_report(void);

#endif
