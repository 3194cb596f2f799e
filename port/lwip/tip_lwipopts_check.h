/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Compile-time checks of the lwipopts.h settings the lwIP port needs
 * (included by the port's sources after lwip/opt.h). What cannot be
 * checked (one more MEMP_NUM_SYS_TIMEOUT, two more MEMP_NUM_UDP_PCB, one
 * more MEMP_NUM_RAW_PCB than the application uses) is listed in README.md.
 */
#ifndef TIP_LWIPOPTS_CHECK_H
#define TIP_LWIPOPTS_CHECK_H

#include "lwip/opt.h"
#include "lwip/init.h"

#if LWIP_VERSION_MAJOR != 2 || LWIP_VERSION_MINOR < 1
#error "tinyipsec port/lwip: lwIP 2.1 or 2.2 is needed"
#endif
#if !LWIP_UDP
#error "tinyipsec port/lwip: LWIP_UDP must be 1 (IKE and ESP-in-UDP)"
#endif
#if !LWIP_IPV4
#error "tinyipsec port/lwip: LWIP_IPV4 must be 1 (the tunnel netif carries IPv4)"
#endif
#if !NO_SYS && !LWIP_TCPIP_CORE_LOCKING
#error "tinyipsec port/lwip: with tcpip_thread, LWIP_TCPIP_CORE_LOCKING must be 1 (calls into the context hold the core lock)"
#endif
#if LWIP_CHECKSUM_CTRL_PER_NETIF
/* fine: the tunnel netif keeps the default (all checksums on) */
#endif
/*
 * Plain ESP (protocol 50) needs the raw API to send and the input hooks to
 * receive; an application that uses only ESP-in-UDP may leave them out.
 */
#if defined(LWIP_HOOK_IP4_INPUT) && !LWIP_RAW
#error "tinyipsec port/lwip: LWIP_HOOK_IP4_INPUT is set for plain ESP, which also needs LWIP_RAW 1 to send"
#endif
/*
 * Headroom: lwIP reserves PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN in
 * front of the packets it allocates for sending. With it at
 * TIP_ESP_HEADROOM (80), outbound PBUF_POOL pbufs are protected in place;
 * with less, every outbound packet is copied once (still correct, so no
 * value is required). Received packets are decrypted in place when they
 * arrive in one pbuf (PBUF_POOL_BUFSIZE at least the link MTU plus the
 * link header), otherwise copied once.
 */
#endif /* TIP_LWIPOPTS_CHECK_H */
