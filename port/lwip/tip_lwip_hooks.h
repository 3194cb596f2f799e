/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Prototypes of the port's lwIP hooks, for lwipopts.h:
 *
 *     #define LWIP_HOOK_FILENAME "tip_lwip_hooks.h"
 *     #define LWIP_HOOK_IP4_INPUT(p, inp) tip_lwip_ip4_input_hook((p), (inp))
 *     #define LWIP_HOOK_IP6_INPUT(p, inp) tip_lwip_ip6_input_hook((p), (inp))
 *
 * (lwIP includes this file where it calls the hooks; it only declares.)
 */
#ifndef TIP_LWIP_HOOKS_H
#define TIP_LWIP_HOOKS_H

struct pbuf;
struct netif;

int tip_lwip_ip4_input_hook(struct pbuf *p, struct netif *inp);
int tip_lwip_ip6_input_hook(struct pbuf *p, struct netif *inp);

#endif /* TIP_LWIP_HOOKS_H */
