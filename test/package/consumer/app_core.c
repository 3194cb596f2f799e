/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A small application of the installed tinyipsec (test/package/install-check.sh):
 * built with no configuration flag of its own, it must get the library's
 * configuration from the installed headers, so tip_ctx_init() succeeds. It
 * also adds an IKE connection, which links IKEv2 (and, with certificates,
 * Mbed TLS's X.509 library) through the installed link flags.
 */
#include <stdio.h>
#include <string.h>

#include "tinyipsec/tinyipsec.h"

static tip_ctx_t ctx;

static uint64_t now_ms(void *arg)
{
    (void)arg;
    return 0;
}

static int fill_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    memset(out, 0x42, len); /* a test: never do this in a product */
    return 0;
}

static int send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                    uint16_t dport, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)src;
    (void)sport;
    (void)dst;
    (void)dport;
    (void)data;
    (void)len;
    return 0;
}

static int send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    (void)pkt;
    (void)len;
    return 0;
}

int main(void)
{
    tip_port_t port;
    int err;

    memset(&port, 0, sizeof(port));
    port.now_ms = now_ms;
    port.random = fill_random;
    port.send_ip = send_ip;
    port.send_udp = send_udp;
    err = tip_ctx_init(&ctx, &port);
    printf("app_core: tinyipsec %s, fingerprint app %lu library %lu, tip_ctx_init %d\n",
           TIP_VERSION_STRING, (unsigned long)TIP_CONFIG_FINGERPRINT,
           (unsigned long)tip_config_fingerprint(), err);
    if (err != TIP_OK)
        return 1;
#if TIP_CONF_IKEV2
    {
        tip_ike_conn_t c;
        tip_handle_t conn;

        tip_ike_conn_init(&c);
        tip_addr_parse(&c.local_addr, "192.0.2.1");
        tip_addr_parse(&c.remote_addr, "192.0.2.2");
        tip_ike_id_set(&c.local_id, TIP_ID_FQDN, "gw-a.example");
        tip_ike_id_set(&c.remote_id, TIP_ID_FQDN, "gw-b.example");
        memcpy(c.psk, "a long random pre-shared key", 28);
        c.psk_len = 28;
        err = tip_ike_conn_add(&ctx, &c, &conn);
        printf("app_core: tip_ike_conn_add %d\n", err);
        if (err != TIP_OK)
            return 1;
    }
#endif
    tip_ctx_deinit(&ctx);
    return 0;
}
