/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP options of the host integration test in OS mode: tcpip_thread and
 * the Unix port's threads, core locking, sockets. The settings the
 * tinyipsec port needs are marked "port:".
 */
#ifndef TIP_TEST_LWIPOPTS_H
#define TIP_TEST_LWIPOPTS_H

#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_TCPIP_CORE_LOCKING 1 /* port: calls into the context hold the core lock */
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0
#define LWIP_SOCKET 1
#define LWIP_NETCONN 1
#define LWIP_COMPAT_SOCKETS 0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SO_RCVTIMEO 1
/* Debian's lwIP 2.1.3 sockets.c takes these from the Hurd socket header of
 * its packaging; with lwIP's own sockets.h they are: */
#define IP4ADDR_SOCKADDR_SET_LEN(sin) (sin)->sin_len = sizeof(struct sockaddr_in)
#define IP6ADDR_SOCKADDR_SET_LEN(sin6) (sin6)->sin6_len = sizeof(struct sockaddr_in6)
#define IPADDR_SOCKADDR_GET_LEN(addr) (addr)->sa.sa_len
#define TCPIP_MBOX_SIZE 256
#define DEFAULT_RAW_RECVMBOX_SIZE 64
#define DEFAULT_UDP_RECVMBOX_SIZE 64
#define DEFAULT_TCP_RECVMBOX_SIZE 64
#define DEFAULT_ACCEPTMBOX_SIZE 8
#define DEFAULT_THREAD_STACKSIZE 65536

#define LWIP_IPV4 1
#define LWIP_IPV6 1 /* dual stack: the port's IPv6 paths are compiled too */
#define LWIP_IPV6_AUTOCONFIG 0
#define LWIP_IPV6_MLD 0
#define IPV6_FRAG_COPYHEADER 1 /* 64-bit host: lwIP reassembles IPv6 in place only with 32-bit pointers (its reassembly timer asserts it) */
#define LWIP_ND6_QUEUEING 0
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
#define PBUF_POOL_SIZE 256
#define PBUF_POOL_BUFSIZE 1600
#define MEMP_NUM_TCPIP_MSG_INPKT 256
#define MEMP_NUM_NETBUF 64
#define MEMP_NUM_NETCONN 16
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
#define LWIP_HOOK_IP6_INPUT(p, inp) tip_lwip_ip6_input_hook((p), (inp))

/* The Unix port's core-lock check (port: asserted on every call), as in its
 * own lwipopts.h (lwIP 2.1.3) or sys_arch.h (2.2.1). */
void sys_check_core_locking(void);
#define LWIP_ASSERT_CORE_LOCKED() sys_check_core_locking()
void sys_mark_tcpip_thread(void);
#define LWIP_MARK_TCPIP_THREAD() sys_mark_tcpip_thread()
void sys_lock_tcpip_core(void);
#define LOCK_TCPIP_CORE() sys_lock_tcpip_core()
void sys_unlock_tcpip_core(void);
#define UNLOCK_TCPIP_CORE() sys_unlock_tcpip_core()

#endif /* TIP_TEST_LWIPOPTS_H */
