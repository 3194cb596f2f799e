/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: the data path (see gateway.h). Packets from the TUN device
 * are protected and sent in batches; datagrams from the sockets are read in
 * batches, dispatched in order, and written to the TUN device. With the TUN
 * offloads (tip_port_posix_tun_open_offload()) the kernel's super-packets are
 * split before ESP and decrypted TCP segments (with USO also UDP datagrams
 * of equal size) coalesced after it (tip_port_posix_vnet.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"
#include "report.h"
#include "tip_port_posix_vnet.h"

/* Memory of the send batch: one slot per packet to protect, kept until the
 * port has sent the batch (tip_port_posix_tx_flush()). */
#define GW_TX_SLOTS 128
static uint8_t tx_slots[GW_TX_SLOTS][GW_BUF_SIZE];
/* A read from a TUN device with offloads: header and super-packet. */
static uint8_t tun_in[TIP_VNET_HDR_LEN + TIP_VNET_PKT_MAX];

/* Count what tip_output() did with a packet from the TUN. */
static void count_output(gateway_t *g, int r)
{
    g->n.tun_read++;
    switch (r) {
    case TIP_SENT:
        g->n.esp_sent++;
        break;
    case TIP_BYPASS:
        /* Only routed traffic enters the TUN, and it is the tunnel: there
         * is no "clear" path to send it on, and writing it back would
         * hand it to the kernel as if it had come out of the tunnel (a
         * loop). Clear traffic must use a normal route instead. */
        g->n.bypass++;
        break;
    case TIP_ERR_NO_SA: /* no CHILD SA (yet): dropped, as the kernel would */
        g->n.no_sa++;
        break;
    case TIP_ERR_POLICY: /* e.g. a source outside local_subnet */
    case TIP_ERR_DISCARD:
        g->n.no_policy++;
        break;
    default:
        g->n.send_err++;
        break;
    }
}

/* Protect the packet in @p b (a tx slot) and count what happened. */
static void protect(gateway_t *g, tip_buf_t *b)
{
    count_output(g, tip_output(&g->ctx, b));
}

/* Start a new send batch over all tx slots. */
static void tx_restart(gateway_t *g, unsigned *used)
{
    if (*used > 0 && tip_port_posix_tx_flush(&g->io) != TIP_OK &&
        g->cf.log_level >= TIP_LOG_DEBUG)
        fprintf(stderr, "linux-gateway: %s\n", tip_port_posix_errmsg(&g->io));
    tip_port_posix_tx_begin(&g->io, &tx_slots[0][0], sizeof(tx_slots));
    *used = 0;
}

/* One read from a TUN device with offloads: a super-packet is split into
 * packets of the MTU (headers and checksums per packet) in the tx slots,
 * and protected together (tip_output_batch()). Returns the read's result. */
static ssize_t tun_read_vnet(gateway_t *g, unsigned *used)
{
    static size_t lens[GW_TX_SLOTS];
    static tip_buf_t bufs[GW_TX_SLOTS];
    static int res[GW_TX_SLOTS];
    tip_vnet_hdr_t h;
    ssize_t n = read(g->tun_fd, tun_in, sizeof(tun_in));
    unsigned k, i;
    int r;

    g->n.tun_reads++;
    if (n <= (ssize_t)TIP_VNET_HDR_LEN)
        return n <= 0 ? n : 1; /* a header without a packet: nothing to do */
    tip_vnet_hdr_get(tun_in, &h);
    k = tip_vnet_split_count(&h, tun_in + TIP_VNET_HDR_LEN, (size_t)n - TIP_VNET_HDR_LEN);
    if (k == 0 || k > GW_TX_SLOTS) {
        g->n.tun_bad++;
        return n;
    }
    if (*used + k > GW_TX_SLOTS)
        tx_restart(g, used);
    r = tip_vnet_split(&h, tun_in + TIP_VNET_HDR_LEN, (size_t)n - TIP_VNET_HDR_LEN,
                       tx_slots[*used], GW_BUF_SIZE, TIP_ESP_HEADROOM, lens, GW_TX_SLOTS - *used);
    if (r < 0) {
        g->n.tun_bad++;
        return n;
    }
    /* The packets of a super-packet are one flow: one SPD and SA lookup. */
    for (i = 0; i < (unsigned)r; i++) {
        bufs[i].base = tx_slots[*used + i];
        bufs[i].cap = GW_BUF_SIZE;
        bufs[i].off = TIP_ESP_HEADROOM;
        bufs[i].len = lens[i];
    }
    (void)tip_output_batch(&g->ctx, bufs, (unsigned)r, res);
    for (i = 0; i < (unsigned)r; i++)
        count_output(g, res[i]);
    *used += (unsigned)r;
    return n;
}

/* Packets the kernel routed into the TUN: protect them. The ESP packets of
 * one wake-up leave together (one sendmmsg; with UDP GSO one message per
 * run of equal-sized packets). */
void gw_tun_drain(gateway_t *g)
{
    unsigned used = 0;
    int i;

    tx_restart(g, &used);
    for (i = 0; i < GW_BATCH; i++) {
        ssize_t n;

        if (g->tun_features & TIP_PORT_POSIX_TUN_VNET) {
            n = tun_read_vnet(g, &used);
        } else {
            uint8_t *mem;

            if (used == GW_TX_SLOTS)
                tx_restart(g, &used);
            mem = tx_slots[used];
            n = read(g->tun_fd, mem + TIP_ESP_HEADROOM,
                     GW_BUF_SIZE - TIP_ESP_HEADROOM - TIP_ESP_TAILROOM);
            g->n.tun_reads++;
            if (n > 0) {
                tip_buf_t b = {mem, GW_BUF_SIZE, TIP_ESP_HEADROOM, (size_t)n};

                used++;
                protect(g, &b);
            }
        }
        if (n <= 0) {
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                fprintf(stderr, "linux-gateway: read %s: %s\n", g->tun_name, strerror(errno));
            break;
        }
    }
    if (tip_port_posix_tx_flush(&g->io) != TIP_OK && g->cf.log_level >= TIP_LOG_DEBUG)
        fprintf(stderr, "linux-gateway: %s\n", tip_port_posix_errmsg(&g->io));
}

/* Inner packets on their way to a TUN device with offloads: consecutive TCP
 * segments of one flow become one super-packet (one write), and with USO
 * consecutive UDP datagrams of one flow and one size too. */
static tip_vnet_gro_t tun_out;

/* Write what tun_out holds. */
static void tun_out_flush(gateway_t *g)
{
    unsigned segs = tun_out.segs;
    int udp = tun_out.proto == 17;
    size_t n = tip_vnet_gro_finish(&tun_out);

    if (n == 0)
        return;
    g->n.tun_writes++;
    if (write(g->tun_fd, tun_out.buf, n) == (ssize_t)n) {
        g->n.tun_written += segs;
        g->n.tun_super += segs > 1;
        g->n.tun_super_udp += segs > 1 && udp;
    } else {
        g->n.tun_write_err += segs;
        /* the device takes no super-packets of this kind after all */
        if (segs > 1 && errno == EINVAL && udp)
            g->tun_coalesce_udp = 0;
        else if (segs > 1 && errno == EINVAL)
            g->tun_coalesce = 0;
    }
}

/* Hand a decrypted inner packet to the kernel. */
static void tun_deliver(gateway_t *g, const uint8_t *pkt, size_t len)
{
    if (!(g->tun_features & TIP_PORT_POSIX_TUN_VNET)) {
        g->n.tun_writes++;
        if (write(g->tun_fd, pkt, len) == (ssize_t)len)
            g->n.tun_written++;
        else
            g->n.tun_write_err++;
        return;
    }
    tun_out.udp = (uint8_t)g->tun_coalesce_udp;
    if (g->tun_coalesce && tip_vnet_gro_append(&tun_out, pkt, len))
        return;
    tun_out_flush(g);
    if (tip_vnet_gro_start(&tun_out, pkt, len) != TIP_OK)
        g->n.tun_write_err++;
    if (!g->tun_coalesce)
        tun_out_flush(g);
}

/* One datagram from our sockets, dispatched: ESP back into the TUN, IKE to
 * the IKE engine. @p r: tip_port_posix_rx_dispatch()'s result. */
static void rx_handle(gateway_t *g, int r, tip_buf_t *b, const tip_port_posix_rx_info_t *info)
{
    switch (r) {
    case TIP_RX_DATA: /* decrypted and checked against the inbound policy */
        g->n.rx_data++;
        tun_deliver(g, b->base + b->off, b->len);
        break;
    case TIP_RX_IKE: /* port 500, or port 4500 after the non-ESP marker */
        g->n.rx_ike++;
        r = tip_ike_input(&g->ctx, &info->src, info->sport, &info->dst, info->dport,
                          b->base + b->off, b->len);
        /* Too large is a configuration matter (the peer sends more than
         * this build holds): always said. Other drops are routine. */
        if ((r == TIP_ERR_TOO_LARGE && g->cf.log_level >= TIP_LOG_WARN) ||
            (r < 0 && g->cf.log_level >= TIP_LOG_DEBUG)) {
            char text[200];

            printf("%s\n",
                   gw_ike_drop_text(r, &info->src, info->sport, b->len, text, sizeof(text)));
        }
        break;
    case TIP_RX_CONSUMED: /* NAT-T keepalive */
        break;
    default: /* TIP_RX_BYPASS (no bypass policies here) or a dropped packet */
        g->n.rx_dropped++;
        g->n.last_rx_err = r;
        break;
    }
}

/* Receive memory: with UDP GRO a few slots that hold a coalesced datagram
 * each (up to 64 KB), else one slot per datagram. */
#define GW_RX_MEM   (4 * TIP_PORT_POSIX_GRO_SLOT)
#define GW_RX_ENTS  256
static uint8_t rx_mem[GW_RX_MEM];
static tip_port_posix_rx_t rx_ents[GW_RX_ENTS];

/* Datagrams on our sockets, a batch (one recvmmsg) at a time, in order. */
void gw_sockets_drain(gateway_t *g)
{
    size_t slot = g->io.gro ? TIP_PORT_POSIX_GRO_SLOT : GW_BUF_SIZE;
    int rounds, i, n;

    for (rounds = 0; rounds < 4; rounds++) { /* then the TUN gets its turn */
        n = tip_port_posix_recv_batch(&g->io, rx_mem, sizeof(rx_mem), slot, rx_ents,
                                      g->io.gro ? GW_RX_ENTS : GW_BATCH);
        if (n <= 0) {
            if (n < 0)
                fprintf(stderr, "linux-gateway: %s\n", tip_port_posix_errmsg(&g->io));
            return;
        }
        for (i = 0; i < n; i++)
            rx_handle(g, tip_port_posix_rx_dispatch(&g->io, &g->ctx, &rx_ents[i]),
                      &rx_ents[i].buf, &rx_ents[i].info);
        tun_out_flush(g); /* the batch's last super-packet */
    }
}
