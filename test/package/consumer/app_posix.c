/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A small application of the installed tinyipsec and its POSIX port
 * (test/package/install-check.sh): opens the port on 127.0.0.1 (a free NAT-T
 * port, no root) and initialises a context with it.
 */
#include <stdio.h>
#include <string.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_port_posix.h"

static tip_ctx_t ctx;

int main(void)
{
    tip_port_posix_cfg_t cfg;
    tip_port_posix_t io;
    tip_port_t port;
    int err;

    tip_port_posix_cfg_init(&cfg);
    if (tip_addr_parse(&cfg.local, "127.0.0.1") != TIP_OK)
        return 1;
    cfg.natt_port = 0; /* any free port */
    if (tip_port_posix_open(&io, &cfg) != TIP_OK) {
        printf("app_posix: %s\n", tip_port_posix_errmsg(&io));
        return 1;
    }
    tip_port_posix_port(&io, &port);
    err = tip_ctx_init(&ctx, &port);
    printf("app_posix: port on 127.0.0.1:%u, tip_ctx_init %d\n", (unsigned)io.natt_port, err);
    if (err == TIP_OK)
        tip_ctx_deinit(&ctx);
    tip_port_posix_close(&io);
    return err == TIP_OK ? 0 : 1;
}
