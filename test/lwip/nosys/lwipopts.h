/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP options of the host integration test, NO_SYS=1 (a super-loop, raw
 * API). The settings the tinyipsec port needs are marked "port:".
 */
#ifndef TIP_TEST_LWIPOPTS_H
#define TIP_TEST_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 0
#define LWIP_ETHERNET 0
#define LWIP_ICMP 1
#define LWIP_RAW 1 /* port: plain ESP is sent through a raw pcb */
#define LWIP_UDP 1 /* port: IKE and ESP-in-UDP */
#define LWIP_TCP 1
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_STATS 0
#define LWIP_NETIF_LOOPBACK 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1

#define MEM_ALIGNMENT 8
#define MEM_SIZE (256 * 1024)
#define PBUF_POOL_SIZE 128
#define PBUF_POOL_BUFSIZE 1600
#define TCP_MSS 1300
#define TCP_WND (8 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN 32
#define MEMP_NUM_TCP_SEG 64
/* port: one timeout for tip_poll(), two UDP pcbs (500, 4500), one raw pcb */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)
#define MEMP_NUM_UDP_PCB 8
#define MEMP_NUM_RAW_PCB 2
/* port: room for an outer IP + UDP + ESP header in front of lwIP's packets */
#define PBUF_LINK_ENCAPSULATION_HLEN 80

/* port: plain ESP is taken before lwIP's own input processing */
#define LWIP_HOOK_FILENAME "tip_lwip_hooks.h"
#define LWIP_HOOK_IP4_INPUT(p, inp) tip_lwip_ip4_input_hook((p), (inp))

#endif /* TIP_TEST_LWIPOPTS_H */
