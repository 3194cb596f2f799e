/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP options of the example firmware (lwIP 2.1 / 2.2, NO_SYS=1 super-loop):
 * IPv4, ARP, ICMP, UDP, TCP, raw IP (ESP is IP protocol 50), DHCP on the
 * STM32 board (the QEMU board uses a static address).
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* lwIP is only touched from the main loop */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define IP_REASSEMBLY 1 /* IKE messages may come fragmented */
#define IP_FRAG 1

#define MEM_ALIGNMENT 4
#define MEM_SIZE (12 * 1024)
#define MEMP_NUM_PBUF 16
#define MEMP_NUM_UDP_PCB 6
#define MEMP_NUM_RAW_PCB 2
#define MEMP_NUM_TCP_PCB 4
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG 16
#define MEMP_NUM_SYS_TIMEOUT 10
#define PBUF_POOL_SIZE 12
#define PBUF_POOL_BUFSIZE 1536
#define TCP_MSS 1200 /* leaves room for ESP inside a 1500-byte MTU */
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)

/* tinyipsec's lwIP port (port/lwip/README.md): plain ESP (IP protocol 50)
 * in through the IPv4 input hook, out through a raw pcb; its tip_poll()
 * timeout, two UDP pcbs (500, 4500) and one raw pcb are counted above. */
#if defined(APP_WITH_IKE) && APP_WITH_IKE
#define LWIP_HOOK_FILENAME "tip_lwip_hooks.h"
#define LWIP_HOOK_IP4_INPUT(p, inp) tip_lwip_ip4_input_hook((p), (inp))
/* TIP_ESP_HEADROOM: lwIP keeps this much room in front of every packet it
 * allocates for sending, so that the datagrams app_ike.c sends in
 * PBUF_POOL pbufs are protected in place (port/lwip/README.md). */
#define PBUF_LINK_ENCAPSULATION_HLEN 80
#endif

#define LWIP_STATS 0
#define LWIP_CHECKSUM_ON_COPY 0

#endif /* LWIPOPTS_H */
