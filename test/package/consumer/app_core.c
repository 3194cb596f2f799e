/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A small application of the installed tinyipsec (test/package/install-check.sh):
 * built with no configuration flag of its own, it must get the library's
 * configuration from the installed headers, so tip_ctx_init() succeeds.
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
    err = tip_ctx_init(&ctx, &port);
    printf("app_core: tinyipsec %s, fingerprint app %lu library %lu, tip_ctx_init %d\n",
           TIP_VERSION_STRING, (unsigned long)TIP_CONFIG_FINGERPRINT,
           (unsigned long)tip_config_fingerprint(), err);
    if (err != TIP_OK)
        return 1;
    tip_ctx_deinit(&ctx);
    return 0;
}
