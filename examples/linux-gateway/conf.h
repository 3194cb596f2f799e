/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: the configuration file (see gateway.conf.example).
 *
 * A file of "key = value" lines; '#' starts a comment (unless inside a
 * double-quoted value); blank lines are ignored. The parser fills a
 * tip_ike_conn_t, ready for tip_ike_conn_add(), plus the few settings that
 * belong to the program rather than to the library (TUN device, role, log).
 */
#ifndef GW_CONF_H
#define GW_CONF_H

#include <stddef.h>

#include "tinyipsec/tinyipsec.h"

/** Longest text kept for a subnet or a proposal list (for printing and ip(8)). */
#define GW_TEXT_MAX 160

/** Everything the gateway reads from its configuration file. */
typedef struct {
    tip_ike_conn_t conn;             /**< the IKE connection (addresses, ids, psk, proposals, ts) */
    int initiate;                    /**< 1: we start the IKE SA; 0: wait for the peer */
    char tun_name[16];               /**< TUN device name, "" = "tip%d" (the kernel numbers it) */
    unsigned tun_mtu;                /**< MTU of the TUN device (inner packets) */
    int log_level;                   /**< tip_log_level_t, -1 = silent */
    int raw_esp;                     /**< open a raw socket for ESP without UDP encapsulation */
    int offload;                     /**< UDP GSO/GRO and TUN offloads where the kernel has them */
    tip_addr_t route_src;            /**< "src" of the route to the remote subnet, AF_NONE = none */
    char local_subnet[GW_TEXT_MAX];  /**< as written: for messages */
    char remote_subnet[GW_TEXT_MAX]; /**< as written: handed to "ip route" */
    /** "child = LOCAL REMOTE" (repeatable): further subnet pairs, each its own
     *  CHILD SA (conn.ts_more); as written, the remote ones handed to "ip route". */
    char child_local[TIP_IKE_TS_MORE_MAX][GW_TEXT_MAX];
    char child_remote[TIP_IKE_TS_MORE_MAX][GW_TEXT_MAX]; /**< see child_local */
    char ike_text[GW_TEXT_MAX];      /**< IKE proposals as written */
    char esp_text[GW_TEXT_MAX];      /**< ESP proposals as written */
    char warning[GW_TEXT_MAX + 256]; /**< set by gw_conf_load(): "" or a warning to print */
    int has_pool;                    /**< "pool" given: hand out virtual addresses */
    tip_ike_pool_cfg_t pool;         /**< the address pool (and its DNS servers) */
    char cert[GW_TEXT_MAX];          /**< "cert": our certificate files (DER), "" = PSK */
    char ca[GW_TEXT_MAX];            /**< "ca": the trust anchors' files (DER) */
    char key[GW_TEXT_MAX];           /**< "key": our private key file (DER or PEM) */
} gw_conf_t;

/** Fill @p cf with the defaults (responder, no subnets, tun "tip%d", MTU 1400). */
void gw_conf_init(gw_conf_t *cf);

/**
 * Read the file at @p path into @p cf (which gw_conf_init() has prepared).
 * Returns 0, or -1 with a message "file:line: what" in @p err. Refused: a
 * key given twice, an unknown or refused algorithm (named, with the reason),
 * a subnet without a prefix length or with host bits set, a route_src
 * outside local_subnet. A file that group or others may read (it holds the
 * PSK) loads, with a warning in cf->warning.
 */
int gw_conf_load(gw_conf_t *cf, const char *path, char *err, size_t err_len);

/**
 * Parse one strongSwan-style IKE proposal such as "aes128gcm16-prfsha256-x25519"
 * or "aes256-sha256-modp2048" (one algorithm of each kind). 0 or -1.
 */
int gw_parse_ike_proposal(const char *text, tip_ike_proposal_t *p);

/** Parse one ESP proposal such as "aes128gcm16", "aes256-sha256-ecp256-esn". 0 or -1. */
int gw_parse_esp_proposal(const char *text, tip_child_proposal_t *p);

/** Write the strongSwan name of an IKE proposal into @p out. Returns @p out. */
char *gw_ike_proposal_name(const tip_ike_proposal_t *p, char *out, size_t out_len);

/** Write the strongSwan name of an ESP proposal into @p out. Returns @p out. */
char *gw_esp_proposal_name(const tip_child_proposal_t *p, char *out, size_t out_len);

/** Print @p cf in the file's own syntax (for --check). */
void gw_conf_print(const gw_conf_t *cf);

/**
 * Apply one of the virtual address keys (conf_vip.c): vip, vip_optional,
 * pool, pool_dns. Returns 0, -1 with the reason in *@p why, or 1 when
 * @p key is not one of them.
 */
int gw_conf_vip_key(gw_conf_t *cf, const char *key, const char *v, const char **why);

/** Print the virtual address keys of @p cf that are set (for --check). */
void gw_conf_vip_print(const gw_conf_t *cf);

#endif /* GW_CONF_H */
