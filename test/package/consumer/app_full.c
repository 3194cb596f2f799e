/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * An application that uses a function from every source folder of the
 * library (src/, src/conf/, src/ike/), linked against a libtinyipsec.a built
 * with the commands the documentation gives (test/package/doc-sources-check.sh):
 * a folder missing from the documented list fails the link.
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

int main(void)
{
    static const char conf[] = "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out none;\n";
    tip_port_t port;
    tip_ike_conn_t c;
    tip_setkey_error_t serr;
    tip_addr_t me;

    memset(&port, 0, sizeof(port));
    port.now_ms = now_ms;
    port.random = fill_random;
    port.send_udp = send_udp;
    if (tip_ctx_init(&ctx, &port) != TIP_OK) /* src/ */
        return 1;
    tip_addr_parse(&me, "192.0.2.1");
    {
        tip_setkey_opts_t opts = {&me, 1};
        if (tip_setkey_apply(&ctx, conf, sizeof(conf) - 1, &opts, &serr) != TIP_OK) { /* src/conf/ */
            printf("app_full: setkey: %s\n", serr.msg);
            return 1;
        }
    }
    tip_ike_conn_init(&c); /* src/ike/ */
    c.local_addr = me;
    tip_addr_parse(&c.remote_addr, "192.0.2.2");
    tip_ike_id_set(&c.local_id, TIP_ID_FQDN, "a.test");
    tip_ike_id_set(&c.remote_id, TIP_ID_FQDN, "b.test");
    memcpy(c.psk, "0123456789abcdef", 16);
    c.psk_len = 16;
    if (tip_ike_conn_add(&ctx, &c, NULL) != TIP_OK)
        return 1;
    printf("app_full: context, setkey and IKEv2 connection OK\n");
    tip_ctx_deinit(&ctx);
    return 0;
}
