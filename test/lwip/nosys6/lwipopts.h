/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * lwIP options of the host integration test over IPv6: the NO_SYS=1
 * options (../nosys/lwipopts.h) with the IPv6 stack on (dual stack), IPv6
 * reassembly and fragmentation, and the port's IPv6 input hook. The
 * settings the tinyipsec port needs are marked "port:".
 */
#ifndef TIP_TEST_LWIPOPTS6_H
#define TIP_TEST_LWIPOPTS6_H

#include "../nosys/lwipopts.h"

#undef LWIP_IPV6
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 0
#define LWIP_IPV6_MLD 0
#define LWIP_ND6_QUEUEING 0
#define LWIP_IPV6_REASS 1
#define LWIP_IPV6_FRAG 1
/* 64-bit host: lwIP reassembles IPv6 in place only with 32-bit pointers */
#define IPV6_FRAG_COPYHEADER 1

/* port: plain ESP over IPv6 is taken before lwIP's own input processing */
#define LWIP_HOOK_IP6_INPUT(p, inp) tip_lwip_ip6_input_hook((p), (inp))

#endif /* TIP_TEST_LWIPOPTS6_H */
