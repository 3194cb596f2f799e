/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 test helpers (see tip_test_ike.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "ike/ike_msg.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"

void tip_test_ike_conn(tip_ike_conn_t *c, const char *me, const char *peer, const char *my_id,
                       const char *peer_id, const char *my_net, const char *peer_net)
{
    tip_addr_t n;

    tip_ike_conn_init(c);
    c->local_addr = tip_test_addr(me);
    if (peer != NULL)
        c->remote_addr = tip_test_addr(peer);
    assert_int_equal(tip_ike_id_set(&c->local_id, TIP_ID_FQDN, my_id), TIP_OK);
    assert_int_equal(tip_ike_id_set(&c->remote_id, TIP_ID_FQDN, peer_id), TIP_OK);
    memcpy(c->psk, "correct horse battery staple", 28);
    c->psk_len = 28;
    n = tip_test_addr(my_net);
    assert_int_equal(tip_addr_range_prefix(&c->ts.local, &n, 24), TIP_OK);
    n = tip_test_addr(peer_net);
    assert_int_equal(tip_addr_range_prefix(&c->ts.remote, &n, 24), TIP_OK);
}

size_t tip_test_ike_add_cookie(const uint8_t *req, size_t len, const uint8_t *cookie,
                               size_t clen, uint8_t *out, size_t cap)
{
    size_t n = TIP_IKE_HDR_LEN + 8u + clen + (len - TIP_IKE_HDR_LEN);

    if (len < TIP_IKE_HDR_LEN || n > cap)
        return 0;
    memcpy(out, req, TIP_IKE_HDR_LEN);
    out[16] = TIP_IKE_PL_N;
    tip_store_be32(out + 24, (uint32_t)n);
    /* generic header: next = the request's first payload, then the notify */
    out[28] = req[16];
    out[29] = 0;
    tip_store_be16(out + 30, (uint16_t)(8u + clen));
    out[32] = 0; /* protocol: none */
    out[33] = 0; /* no SPI */
    tip_store_be16(out + 34, TIP_IKE_N_COOKIE);
    memcpy(out + 36, cookie, clen);
    memcpy(out + 36 + clen, req + TIP_IKE_HDR_LEN, len - TIP_IKE_HDR_LEN);
    return n;
}

size_t tip_test_ike_init_notify(const uint8_t *req, size_t len, uint16_t type,
                                const uint8_t *data, size_t dlen, uint8_t *out, size_t cap)
{
    size_t n = TIP_IKE_HDR_LEN + 8u + dlen;

    if (len < TIP_IKE_HDR_LEN || n > cap)
        return 0;
    memset(out, 0, n);
    memcpy(out, req, 8);           /* SPIi; SPIr stays zero */
    out[16] = TIP_IKE_PL_N;
    out[17] = 0x20;                /* IKEv2 */
    out[18] = TIP_IKE_EXCH_IKE_SA_INIT;
    out[19] = TIP_IKE_FLAG_RESPONSE;
    tip_store_be32(out + 24, (uint32_t)n);
    tip_store_be16(out + 30, (uint16_t)(8u + dlen));
    tip_store_be16(out + 34, type);
    if (dlen != 0)
        memcpy(out + 36, data, dlen);
    return n;
}

int tip_test_ike_notify(const uint8_t *msg, size_t len, uint16_t type, uint8_t *data, size_t cap)
{
    static uint8_t copy[TIP_IKE_MSG_MAX];
    tip_ike_msg_t m;
    const tip_ike_pl_t *pl;
    unsigned i;

    if (len > sizeof(copy))
        return -1;
    memcpy(copy, msg, len);
    if (tip_ike_msg_parse(copy, len, &m) != TIP_OK)
        return -1;
    for (i = 0; (pl = tip_ike_msg_find(&m, TIP_IKE_PL_N, i)) != NULL; i++) {
        tip_ike_notify_t n;
        if (tip_ike_notify_parse(tip_ike_pl_body(&m, pl), pl->len, &n) == TIP_OK &&
            n.type == type) {
            size_t k = n.len < cap ? n.len : cap;
            if (k != 0)
                memcpy(data, n.data, k);
            return (int)n.len;
        }
    }
    return -1;
}

int tip_test_ike_has_payload(const uint8_t *msg, size_t len, uint8_t type)
{
    static uint8_t copy[TIP_IKE_MSG_MAX];
    tip_ike_msg_t m;

    if (len > sizeof(copy))
        return 0;
    memcpy(copy, msg, len);
    return tip_ike_msg_parse(copy, len, &m) == TIP_OK && tip_ike_msg_find(&m, type, 0) != NULL;
}
