/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * What the lwIP port's sources share (not part of its API).
 */
#ifndef TIP_LWIP_INTERNAL_H
#define TIP_LWIP_INTERNAL_H

#include "tip_port_lwip.h"

/** IP protocol number of ESP (RFC 4303 2). */
#define TIP_IPPROTO_ESP 50

/**
 * Headroom an outbound pbuf needs in front of its IP header to be
 * protected where it lies: the ESP overhead, and the link header lwIP puts
 * in front of a plain ESP packet sent from the same pbuf.
 */
#define TIP_LWIP_TX_HEADROOM (TIP_ESP_HEADROOM + PBUF_LINK_HLEN)

/** The port instance of this lwIP stack (the input hooks have no argument). */
extern tip_lwip_t *tip_lwip_active;

/** lwIP address to tinyipsec address. */
void tip_lwip_addr_from_ip(tip_addr_t *out, const ip_addr_t *ip);
/** tinyipsec address to lwIP address; TIP_ERR_ARG for a family lwIP lacks. */
int tip_lwip_addr_to_ip(ip_addr_t *out, const tip_addr_t *a);

/**
 * Make @p buf describe the packet in @p p: in place when p is one piece
 * of its own memory (not PBUF_ROM or PBUF_REF) with @p headroom bytes in
 * front of its payload (proven with
 * pbuf_add_header(), which only succeeds inside the pbuf's own memory),
 * else copied once into the port's buffer (with TIP_ESP_HEADROOM).
 * Returns 1 in place, 0 copied, -1 when it does not fit.
 */
int tip_lwip_rx_buf(tip_lwip_t *l, struct pbuf *p, tip_buf_t *buf, size_t headroom);

/**
 * 1 when @p len bytes at @p pkt lie inside the outbound pbuf the port is
 * protecting in place (l->tx_pbuf): the ESP packet the core built there,
 * which the port then sends from that pbuf.
 */
int tip_lwip_tx_owns(const tip_lwip_t *l, const uint8_t *pkt, size_t len);

/** Receive ESP on the raw pcb too (what lwIP reassembled). */
void tip_lwip_esp_raw_listen(tip_lwip_t *l);

/**
 * Hand the packet in @p buf (from pbuf @p p, in place or copied) to lwIP:
 * the tunnel netif's input, or without a tunnel netif ip_input() on @p inp,
 * the netif it came from. Takes p.
 */
void tip_lwip_deliver(tip_lwip_t *l, struct pbuf *p, int in_place, const tip_buf_t *buf,
                      struct netif *inp);

/**
 * Act on the core's result @p r for the received pbuf @p p: deliver data,
 * pass IKE on to tip_ike_input(), count drops; frees p; re-arms the timer.
 */
void tip_lwip_rx_result(tip_lwip_t *l, int r, struct pbuf *p, int in_place, tip_buf_t *buf,
                        const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                        uint16_t dport, struct netif *inp);

#endif /* TIP_LWIP_INTERNAL_H */
