/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: the configuration payload (src/ike/ike_cp.h).
 *
 * The input is a CP payload body. Read as a CFG_REPLY and as a
 * CFG_REQUEST, it must give only what the reader promises (addresses of
 * the right family, at most TIP_IKE_CP_DNS_MAX DNS servers, nothing from a
 * broken body), and what was read must come back the same after being
 * written with the reply builder and read again.
 * Seeds: test/fuzz/corpus/fuzz_ike_cp.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_cp.h"

#define FZ_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                             \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1024];
    tip_ike_vip_t v, back;
    tip_ike_w_t w;
    uint8_t want = 0xFF;
    unsigned i;
    int rc;

    rc = tip_ike_cp_read_reply(data, size, &v);
    FZ_CHECK(rc == TIP_OK || rc == TIP_ERR_MALFORMED || rc == TIP_ERR_POLICY);
    FZ_CHECK(v.dns_count <= TIP_IKE_CP_DNS_MAX);
    FZ_CHECK(v.ip4.family == TIP_AF_NONE || v.ip4.family == TIP_AF_INET);
    FZ_CHECK(v.ip6.family == TIP_AF_NONE || v.ip6.family == TIP_AF_INET6);
    FZ_CHECK(v.ip6_prefix <= 128);
    for (i = 0; i < v.dns_count; i++)
        FZ_CHECK(v.dns[i].family == TIP_AF_INET || v.dns[i].family == TIP_AF_INET6);
    if (rc != TIP_OK) {
        FZ_CHECK(!tip_ike_cp_has_addr(&v) && v.dns_count == 0);
    } else {
        /* what was read, written again, reads back the same */
        tip_ike_w_init(&w, out, sizeof(out));
        tip_ike_cp_w_reply(&w, &v, 1);
        FZ_CHECK(tip_ike_w_finish(&w) == TIP_OK);
        FZ_CHECK(tip_ike_cp_read_reply(out + 4, w.len - 4, &back) == TIP_OK);
        FZ_CHECK(memcmp(&v, &back, sizeof(v)) == 0);
    }
    rc = tip_ike_cp_read_request(data, size, &want);
    FZ_CHECK(rc == TIP_OK || rc == TIP_ERR_MALFORMED || rc == TIP_ERR_POLICY);
    FZ_CHECK((want & ~(TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6 | TIP_IKE_VIP_DNS)) == 0);
    if (rc == TIP_ERR_MALFORMED)
        FZ_CHECK(want == 0);
    /* a request built from the first byte's flags reads back as asked */
    if (size > 0 && (data[0] & (TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6)) != 0) {
        uint8_t flags = (uint8_t)(data[0] & (TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6 | TIP_IKE_VIP_DNS));
        uint8_t got = 0;
        tip_ike_w_init(&w, out, sizeof(out));
        tip_ike_cp_w_request(&w, flags, rc == TIP_OK ? NULL : &v);
        FZ_CHECK(tip_ike_w_finish(&w) == TIP_OK);
        FZ_CHECK(tip_ike_cp_read_request(out + 4, w.len - 4, &got) == TIP_OK);
        FZ_CHECK(got == flags);
    }
    return 0;
}
