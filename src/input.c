/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The inbound packet paths: raw IP (ESP as protocol 50, or cleartext that
 * the inbound SPD must allow) and UDP datagrams on the NAT-T port.
 */
#include "bytes.h"
#include "esp.h"
#include "ip.h"

/* ESP, then the events it raised (the last thing the input path does). */
static int tip_input_esp(tip_ctx_t *ctx, const tip_addr_t *src, const tip_addr_t *dst,
                         const struct tip_ip_info_s *outer, tip_buf_t *buf)
{
    tip_ev_batch_t evs;
    int r;

    evs.n = 0;
    r = tip_esp_decap(ctx, src, dst, outer, buf, &evs);
    tip_ev_flush(ctx, &evs);
    return r;
}

int tip_input_ip(tip_ctx_t *ctx, tip_buf_t *buf)
{
    tip_ip_info_t ip;
    tip_flow_t flow;
    tip_handle_t ph;
    const uint8_t *pkt;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || buf == NULL || buf->base == NULL || buf->off > buf->cap ||
        buf->len > buf->cap - buf->off)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    pkt = buf->base + buf->off;
    if (tip_ip_parse(pkt, buf->len, &ip) != TIP_OK) {
        tip_drop(ctx, NULL, TIP_DROP_MALFORMED);
        return TIP_ERR_MALFORMED;
    }
    if (ip.proto == TIP_IPPROTO_ESP) {
        /* Fragments must be reassembled before ESP processing (RFC 4303 3.4.1). */
        if (ip.frag) {
            tip_drop(ctx, NULL, TIP_DROP_MALFORMED);
            return TIP_ERR_MALFORMED;
        }
        buf->off += ip.l4_off;
        buf->len = ip.total_len - ip.l4_off;
        return tip_input_esp(ctx, &ip.src, &ip.dst, &ip, buf);
    }
    /* RFC 4301 5.2 step 3: cleartext must be allowed by a BYPASS policy. */
    if (tip_flow_from_ip(pkt, &ip, TIP_DIR_IN, &flow) != TIP_OK) {
        tip_drop(ctx, NULL, TIP_DROP_MALFORMED);
        return TIP_ERR_MALFORMED;
    }
    if (tip_spd_lookup(ctx, TIP_DIR_IN, &flow, &ph) != TIP_OK) {
        tip_drop(ctx, NULL, TIP_DROP_POLICY);
        return TIP_ERR_POLICY;
    }
    switch (ctx->spd[tip_handle_idx(ph)].pol.action) {
    case TIP_ACTION_BYPASS:
        return TIP_RX_BYPASS;
    case TIP_ACTION_DISCARD:
        tip_drop(ctx, NULL, TIP_DROP_DISCARD);
        return TIP_ERR_DISCARD;
    default:
        tip_drop(ctx, NULL, TIP_DROP_POLICY); /* should have been protected */
        return TIP_ERR_POLICY;
    }
}

int tip_input_udp(tip_ctx_t *ctx, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                  uint16_t dport, tip_buf_t *buf)
{
    const uint8_t *p;

    (void)sport;
    (void)dport;
    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || src == NULL || dst == NULL || buf == NULL || buf->base == NULL ||
        buf->off > buf->cap || buf->len > buf->cap - buf->off)
        return TIP_ERR_ARG;
    tip_time_update(ctx);
    p = buf->base + buf->off;
    /* RFC 3948 2.3: a single 0xFF byte is a NAT-keepalive. */
    if (buf->len == 1 && p[0] == 0xFF)
        return TIP_RX_CONSUMED;
    /* RFC 3948 2.2: four zero bytes (where an SPI would be) mark IKE. */
    if (buf->len >= 4 && tip_load_be32(p) == 0) {
        buf->off += 4;
        buf->len -= 4;
        return TIP_RX_IKE;
    }
#if TIP_CONF_NATT
    return tip_input_esp(ctx, src, dst, NULL, buf);
#else
    tip_drop(ctx, NULL, TIP_DROP_MALFORMED);
    return TIP_ERR_UNSUPPORTED;
#endif
}
