/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The lwIP port (lwIP 2.1 and 2.2, raw API; NO_SYS=1 or tcpip_thread).
 *
 * IKE (UDP 500) and NAT-T (UDP 4500: IKE after the float and ESP-in-UDP)
 * use lwIP UDP pcbs; plain ESP (IP protocol 50) arrives through
 * LWIP_HOOK_IP4_INPUT / LWIP_HOOK_IP6_INPUT (tip_lwip_ip4_input_hook(),
 * tip_lwip_ip6_input_hook()) and leaves through a raw pcb with the header
 * included. Time is sys_now(); tip_poll() runs from an lwIP timeout set to
 * its exact next deadline; entropy comes from a function the application
 * supplies (a hardware RNG: never LWIP_RAND, which is not cryptographic).
 *
 * Route-based use: tip_lwip_tunnel_add() adds a netif (like a Linux VTI).
 * Routes pointing at it send packets into tip_output(); packets decrypted
 * by tinyipsec enter lwIP through its input function, so sockets and raw
 * pcbs on the device work through the tunnel unchanged. Policy-based use:
 * tip_lwip_protect_netif() puts a physical netif under the SPD.
 *
 * Threading: every function here, and every tip_* call on the context, runs
 * with the lwIP core lock held (LOCK_TCPIP_CORE()) or on tcpip_thread; with
 * NO_SYS=1 from the main loop (never from an interrupt). The port asserts
 * it with LWIP_ASSERT_CORE_LOCKED(); define TIP_ASSERT_CORE_LOCKED(ctx) as
 * tip_lwip_assert_core_locked(ctx) in the tinyipsec configuration to have
 * the library assert it too (see README.md).
 *
 * Memory: everything lives in the caller-owned tip_lwip_t; nothing is
 * allocated except lwIP's own pbufs, pcbs and timeouts (from its pools).
 * lwipopts.h needs: LWIP_UDP, LWIP_RAW (plain ESP), one more
 * MEMP_NUM_SYS_TIMEOUT, two more MEMP_NUM_UDP_PCB and one more
 * MEMP_NUM_RAW_PCB; tip_lwipopts_check.h checks what can be checked.
 */
#ifndef TIP_PORT_LWIP_H
#define TIP_PORT_LWIP_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

#include "tinyipsec/tinyipsec.h"

/**
 * Bytes of the port's packet buffer: the one copy a packet gets when its
 * pbuf cannot be used in place (a chain, a pbuf whose tailroom lwIP does
 * not record, or too little room around it). Holds the largest inner
 * packet plus the ESP overhead.
 */
#ifndef TIP_LWIP_BUF_SIZE
#define TIP_LWIP_BUF_SIZE (TIP_ESP_HEADROOM + 1500 + TIP_ESP_TAILROOM)
#endif

/** What tip_lwip_init() needs. Fill with tip_lwip_cfg_init(). */
typedef struct {
    /** Entropy: fill @p out with @p len strong random bytes, return 0 (required). */
    int (*random)(void *arg, uint8_t *out, size_t len);
    void *random_arg; /**< handed to random */
    /** Log lines (optional); NULL discards them. */
    void (*log)(void *arg, int level, const char *msg);
    void *log_arg;      /**< handed to log */
    uint16_t ike_port;  /**< UDP port for IKE; 500 by default (0 without IKEv2); 0 = none */
    uint16_t natt_port; /**< UDP port for NAT-T; 4500 by default */
    uint8_t esp_ip;     /**< 1: send plain ESP (protocol 50) through a raw pcb */
    /**
     * Sequence-number store for manually keyed SAs (tip_port_t.seq_load /
     * seq_store, e.g. a few bytes of flash): both or neither; NULL: manual
     * keys only with fresh_keys (IKE needs none).
     */
    int (*seq_load)(void *arg, const tip_sa_id_t *sa, uint64_t *mark);
    int (*seq_store)(void *arg, const tip_sa_id_t *sa, uint64_t mark); /**< see seq_load */
    void *seq_arg; /**< handed to seq_load and seq_store */
} tip_lwip_cfg_t;

/** The port's state (caller-owned; fields private). */
typedef struct tip_lwip {
    tip_ctx_t *ctx;
    struct udp_pcb *pcb_ike;
    struct udp_pcb *pcb_natt;
    struct raw_pcb *pcb_esp;
    struct netif *tun;      /**< the tunnel netif, NULL until tip_lwip_tunnel_add() */
    struct netif *phys;     /**< the netif under policy, NULL until tip_lwip_protect_netif() */
    netif_output_fn phys_output; /**< its own output functions */
#if LWIP_IPV6
    netif_output_ip6_fn phys_output6;
#endif
    uint16_t ike_port;
    uint16_t natt_port;
    uint8_t timer_armed;
    uint8_t in_poll;
    uint8_t sending;        /**< the port's own packet is leaving (policy mode) */
    uint8_t delivering;     /**< a decrypted packet is entering (policy mode) */
    uint32_t now_last;      /**< sys_now() last seen */
    uint64_t now_hi;        /**< wraps of sys_now() * 2^32 */
    int (*random)(void *arg, uint8_t *out, size_t len);
    void *random_arg;
    void (*log)(void *arg, int level, const char *msg);
    void *log_arg;
    int (*seq_load)(void *arg, const tip_sa_id_t *sa, uint64_t *mark);
    int (*seq_store)(void *arg, const tip_sa_id_t *sa, uint64_t mark);
    void *seq_arg;
    struct pbuf *tx_pbuf;   /**< the outbound pbuf being protected where it lies */
    uint32_t copies;        /**< packets that had to be copied, both directions (statistics) */
    uint32_t in_place;      /**< inbound packets processed in their pbuf */
    uint32_t tx_in_place;   /**< outbound packets handed to tip_output() in their pbuf */
    uint32_t tx_copies;     /**< outbound packets copied for tip_output() (also in copies) */
    uint32_t rx_dropped;    /**< inbound packets tinyipsec refused */
    uint8_t buf[TIP_LWIP_BUF_SIZE];
} tip_lwip_t;

/** Defaults: ports 500 (with IKEv2) and 4500, no plain ESP, no log; random must be set. */
void tip_lwip_cfg_init(tip_lwip_cfg_t *cfg);

/**
 * Open the UDP pcbs (and the raw ESP pcb), initialise @p ctx with this
 * port (tip_ctx_init()) and arm the poll timeout. With the core lock held.
 * Only one tip_lwip_t per lwIP stack (the input hooks reach it through a
 * global, as lwIP's own state is global).
 * @return 0; TIP_ERR_ARG; TIP_ERR_PORT (a pcb could not be allocated or
 *         bound; nothing stays open); what tip_ctx_init() returns
 */
int tip_lwip_init(tip_lwip_t *l, tip_ctx_t *ctx, const tip_lwip_cfg_t *cfg);

/**
 * Close the pcbs, stop the timer, remove the tunnel netif, give a protected
 * netif its own output back. The context stays.
 */
void tip_lwip_deinit(tip_lwip_t *l);

/**
 * Run tip_poll() now and re-arm the timeout at its next deadline. Call it
 * after changing the context outside the port (tip_ike_conn_add(),
 * tip_ike_initiate(), tip_sad_add(), ...): the new work may be due earlier
 * than the timer. The port calls it itself after every packet.
 */
void tip_lwip_kick(tip_lwip_t *l);

/**
 * Add the tunnel netif @p nif (caller-owned) with inner address @p ip,
 * @p netmask and MTU @p mtu, and set it up. Its output functions hand
 * every packet to tip_output(); what tinyipsec decrypts enters lwIP through
 * @p input (netif_input or ip_input with NO_SYS=1, tcpip_input with
 * tcpip_thread). Point routes at it, or make it the default netif.
 * @return 0, TIP_ERR_ARG, TIP_ERR_EXISTS (one already) or TIP_ERR_PORT
 */
int tip_lwip_tunnel_add(tip_lwip_t *l, struct netif *nif, const ip4_addr_t *ip,
                        const ip4_addr_t *netmask, uint16_t mtu, netif_input_fn input);

#if TIP_CONF_IKEV2
/**
 * Give the tunnel netif the virtual addresses the peer assigned (RFC 7296
 * 2.19): call it from the TIP_EV_VIRTUAL_IP event with ev->vip. The IPv4
 * address replaces the netif's own (netmask /32), an IPv6 address is added
 * (with LWIP_IPV6) and made preferred, and with LWIP_DNS the DNS servers
 * become lwIP's (dns_setserver(), up to DNS_MAX_SERVERS). Sockets bound to
 * the old address of the netif stop working: bind to the new one.
 * @return 0; TIP_ERR_ARG; TIP_ERR_NOT_FOUND (no tunnel netif);
 *         TIP_ERR_NO_SA (@p vip holds no address this lwIP can use)
 */
int tip_lwip_tunnel_set_vip(tip_lwip_t *l, const tip_ike_vip_t *vip);
#endif

/**
 * Policy-based use: put netif @p nif (Ethernet, say) under the SPD. What
 * lwIP sends through it goes to tip_output() first: BYPASS leaves as it is,
 * PROTECT leaves as ESP, anything else is dropped. What arrives on it in
 * clear (not ESP, not UDP to the port's IKE and NAT-T ports) must be
 * allowed by an inbound BYPASS policy (tip_input_ip(); checked in the
 * input hooks, so they must be installed), or it is dropped. Decrypted
 * packets enter lwIP through this netif when there is no tunnel netif.
 * One netif per port.
 * @return 0, TIP_ERR_ARG or TIP_ERR_EXISTS
 */
int tip_lwip_protect_netif(tip_lwip_t *l, struct netif *nif);

/**
 * The LWIP_HOOK_IP4_INPUT hook: consume ESP (protocol 50) addressed to the
 * device and hand it to tinyipsec. Returns 1 when the packet was taken
 * (and freed), 0 to let lwIP continue. Called before lwIP's own length
 * checks and before reassembly: it checks the header itself, leaves
 * fragments to lwIP (the reassembled packet comes back through the hook),
 * and drops what is malformed.
 *
 *     #define LWIP_HOOK_IP4_INPUT(p, inp) tip_lwip_ip4_input_hook((p), (inp))
 */
int tip_lwip_ip4_input_hook(struct pbuf *p, struct netif *inp);

/** The LWIP_HOOK_IP6_INPUT hook, the same for IPv6 (ESP as first next header). */
int tip_lwip_ip6_input_hook(struct pbuf *p, struct netif *inp);

/**
 * For TIP_ASSERT_CORE_LOCKED(ctx): asserts LWIP_ASSERT_CORE_LOCKED().
 * @param ctx unused
 */
void tip_lwip_assert_core_locked(const void *ctx);

#endif /* TIP_PORT_LWIP_H */
