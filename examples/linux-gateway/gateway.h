/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: the gateway's state, shared by main.c (set-up, events, the
 * poll() loop) and datapath.c (packets between the TUN device and the
 * sockets).
 */
#ifndef GW_GATEWAY_H
#define GW_GATEWAY_H

#include <stdint.h>

#include "addr_watch.h"
#include "conf.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"

#define GW_BUF_SIZE          4096  /* one packet or IKE message, plus head- and tailroom */
#define GW_BATCH             64    /* packets per source per wake-up: no side starves */

/* What the program counts on top of the library's per-SA counters. */
typedef struct {
    uint64_t tun_read, tun_written;    /* packets from / to the TUN device */
    uint64_t esp_sent;                 /* tip_output() protected and sent them */
    uint64_t no_sa, no_policy, bypass; /* dropped before ESP: why */
    uint64_t send_err;                 /* tip_output() failed otherwise (port, room...) */
    uint64_t rx_data, rx_ike, rx_dropped, tun_write_err;
    uint64_t tun_reads, tun_writes; /* read()/write() calls on the TUN device */
    uint64_t tun_super;             /* writes of coalesced TCP or UDP super-packets */
    uint64_t tun_super_udp;         /* ... of them UDP (USO) */
    uint64_t tun_bad;               /* super-packets from the TUN that could not be split */
    int last_rx_err;
} gw_counters_t;

typedef struct {
    gw_conf_t cf;
    tip_port_posix_t io;
    tip_port_t port;
    tip_ctx_t ctx;
    tip_handle_t conn;
    int tun_fd;
    unsigned tun_features; /* TIP_PORT_POSIX_TUN_*: virtio-net header, TSO, USO */
    int tun_coalesce;      /* write TCP super-packets to the TUN (TSO taken) */
    int tun_coalesce_udp;  /* ... and UDP ones (USO taken) */
    char tun_name[16];
    uint64_t started_ms;
    int ike_down; /* set by the IKE_DOWN event */
    gw_addr_watch_t addr_watch; /* our own address, for MOBIKE (unless mobike = no) */
    gw_counters_t n;
    const char *keylog_dir;                      /* --keylog DIR, or NULL */
    void (*log_next)(void *, int, const char *); /* the port's own log hook */
} gateway_t;

/**
 * Packets the kernel routed into the TUN device (at most GW_BATCH reads):
 * super-packets split, each packet protected with tip_output(), the ESP
 * packets sent as one batch.
 */
void gw_tun_drain(gateway_t *g);

/**
 * Datagrams waiting on the port's sockets (a few receive batches), in
 * order: ESP decrypted and written to the TUN device (TCP segments of one
 * flow coalesced, and with USO UDP datagrams of one flow and size),
 * IKE messages to tip_ike_input().
 */
void gw_sockets_drain(gateway_t *g);

#endif /* GW_GATEWAY_H */
