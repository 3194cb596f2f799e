/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP options of the Cortex-M4 compile check of port/lwip: a NO_SYS
 * device with IPv4 and IPv6 and both input hooks (the settings the port
 * needs are in port/lwip/README.md).
 */
#ifndef TIP_TEST_CM4_LWIPOPTS_H
#define TIP_TEST_CM4_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)
#define MEMP_NUM_UDP_PCB 6
#define MEMP_NUM_RAW_PCB 2
#define LWIP_HOOK_FILENAME "tip_lwip_hooks.h"
#define LWIP_HOOK_IP4_INPUT(p, inp) tip_lwip_ip4_input_hook((p), (inp))
#define LWIP_HOOK_IP6_INPUT(p, inp) tip_lwip_ip6_input_hook((p), (inp))

#endif
