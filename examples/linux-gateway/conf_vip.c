/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: the configuration keys of virtual addresses (RFC 7296
 * 2.19). As a road warrior, "vip" asks the peer for an inner address (and
 * its DNS servers); as a gateway, "pool" and "pool_dns" hand them out.
 */
#define _POSIX_C_SOURCE 200809L
#include "conf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* "ipv4", "ipv6" or both, comma-separated. */
static int parse_vip(const char *v, uint8_t *out)
{
    char copy[GW_TEXT_MAX], *item, *save = NULL;

    if (strlen(v) >= sizeof(copy))
        return -1;
    snprintf(copy, sizeof(copy), "%s", v);
    *out = 0;
    for (item = strtok_r(copy, ", ", &save); item != NULL; item = strtok_r(NULL, ", ", &save)) {
        if (!strcasecmp(item, "ipv4"))
            *out |= TIP_IKE_VIP_IP4;
        else if (!strcasecmp(item, "ipv6"))
            *out |= TIP_IKE_VIP_IP6;
        else
            return -1;
    }
    if (*out == 0)
        return -1;
    *out |= TIP_IKE_VIP_DNS; /* the DNS servers are printed when they come */
    return 0;
}

/* FIRST-LAST (or one address): the pool's start and count. */
static int parse_pool(const char *v, tip_ike_pool_cfg_t *p)
{
    char first[64], *dash;
    tip_addr_t last;
    unsigned long count = 0;
    size_t n, i;

    if (strlen(v) >= sizeof(first))
        return -1;
    snprintf(first, sizeof(first), "%s", v);
    dash = strchr(first, '-');
    if (dash != NULL)
        *dash++ = '\0';
    if (tip_addr_parse(&p->start, first) != TIP_OK)
        return -1;
    if (dash == NULL) {
        p->count = 1;
        return 0;
    }
    if (tip_addr_parse(&last, dash) != TIP_OK || last.family != p->start.family)
        return -1;
    n = p->start.family == TIP_AF_INET ? 4 : 16;
    if (memcmp(last.addr, p->start.addr, n) < 0)
        return -1;
    /* the bytes above the last 3 must agree: at most 65536 addresses */
    if (memcmp(last.addr, p->start.addr, n - 2) != 0)
        return -1;
    for (i = n - 2; i < n; i++)
        count = (count << 8) | last.addr[i];
    count -= ((unsigned long)p->start.addr[n - 2] << 8) | p->start.addr[n - 1];
    p->count = (uint32_t)count + 1u;
    return 0;
}

/* Up to TIP_IKE_CP_DNS_MAX addresses, comma-separated. */
static int parse_dns(const char *v, tip_ike_pool_cfg_t *p)
{
    char copy[GW_TEXT_MAX], *item, *save = NULL;

    if (strlen(v) >= sizeof(copy))
        return -1;
    snprintf(copy, sizeof(copy), "%s", v);
    p->dns_count = 0;
    for (item = strtok_r(copy, ", ", &save); item != NULL; item = strtok_r(NULL, ", ", &save)) {
        if (p->dns_count >= TIP_IKE_CP_DNS_MAX || tip_addr_parse(&p->dns[p->dns_count], item) != TIP_OK)
            return -1;
        p->dns_count++;
    }
    return p->dns_count != 0 ? 0 : -1;
}

int gw_conf_vip_key(gw_conf_t *cf, const char *key, const char *v, const char **why)
{
    int b;

    if (!strcmp(key, "vip")) {
        *why = "expected ipv4, ipv6 or ipv4,ipv6";
        return parse_vip(v, &cf->conn.vip_request);
    }
    if (!strcmp(key, "vip_optional")) {
        *why = "expected yes or no";
        if (!strcasecmp(v, "yes"))
            b = 1;
        else if (!strcasecmp(v, "no"))
            b = 0;
        else
            return -1;
        cf->conn.vip_optional = (uint8_t)b;
        return 0;
    }
    if (!strcmp(key, "pool")) {
        *why = "expected FIRST-LAST (one family, at most 65536 addresses) or one address";
        cf->has_pool = 1;
        return parse_pool(v, &cf->pool);
    }
    if (!strcmp(key, "pool_dns")) {
        *why = "expected addresses, comma-separated";
        return parse_dns(v, &cf->pool);
    }
    return 1;
}

void gw_conf_vip_print(const gw_conf_t *cf)
{
    char a[64], b[64];
    tip_addr_t last;
    unsigned i;

    if (cf->conn.vip_request != 0)
        printf("vip = %s%s%s\nvip_optional = %s\n",
               (cf->conn.vip_request & TIP_IKE_VIP_IP4) ? "ipv4" : "",
               (cf->conn.vip_request & TIP_IKE_VIP_IP4) && (cf->conn.vip_request & TIP_IKE_VIP_IP6)
                   ? ","
                   : "",
               (cf->conn.vip_request & TIP_IKE_VIP_IP6) ? "ipv6" : "",
               cf->conn.vip_optional ? "yes" : "no");
    if (!cf->has_pool)
        return;
    last = cf->pool.start;
    {
        size_t n = last.family == TIP_AF_INET ? 4 : 16;
        unsigned long v = (((unsigned long)last.addr[n - 2] << 8) | last.addr[n - 1]) +
                          cf->pool.count - 1u;
        last.addr[n - 2] = (uint8_t)(v >> 8);
        last.addr[n - 1] = (uint8_t)v;
    }
    printf("pool = %s-%s\n", tip_addr_format(&cf->pool.start, a, sizeof(a)),
           tip_addr_format(&last, b, sizeof(b)));
    if (cf->pool.dns_count != 0) {
        printf("pool_dns = ");
        for (i = 0; i < cf->pool.dns_count; i++)
            printf("%s%s", i ? "," : "", tip_addr_format(&cf->pool.dns[i], a, sizeof(a)));
        printf("\n");
    }
}
