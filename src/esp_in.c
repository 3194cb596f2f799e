/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ESP inbound processing (RFC 4303 3.4): SPI -> replay pre-check ->
 * constant-time ICV check -> decrypt -> padding check -> inner selector
 * check -> window update. Nothing acts on a packet before it is
 * authenticated, and a packet that fails changes no SA state but its drop
 * counter: the window moves only once the packet is accepted (after the
 * padding and selector checks, so that such a drop changes nothing).
 */
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "esp.h"
#include "ip.h"
#include "replay.h"

/* Verify the ICV and decrypt in place. */
static int tip_esp_open(tip_sa_t *sa, uint8_t *esp, uint8_t *body, size_t clen, uint64_t seq)
{
    uint8_t *iv = esp + TIP_ESP_HLEN;

    if (sa->encr == TIP_ENCR_AES_GCM_16 || sa->encr == TIP_ENCR_CHACHA20_POLY1305) {
        uint8_t aad[12];
        size_t aad_len = tip_esp_aad(aad, sa->spi, seq, sa->esn);
        return tip_crypto_aead_open(&sa->crypto, iv, aad, aad_len, body, clen, body + clen);
    }
    {
        uint8_t mac[TIP_CRYPTO_MAX_MAC];
        uint8_t hi[4];
        int err;
        tip_store_be32(hi, (uint32_t)(seq >> 32));
        err = tip_crypto_hmac(&sa->crypto, esp, (size_t)(body + clen - esp), hi,
                              sa->esn ? 4u : 0u, mac);
        if (err != TIP_OK)
            return err;
        err = tip_crypto_ct_memcmp(mac, body + clen, sa->icv_len) == 0 ? TIP_OK : TIP_ERR_AUTH;
        tip_crypto_zeroize(mac, sizeof(mac));
        if (err != TIP_OK)
            return err;
    }
    if (sa->encr == TIP_ENCR_AES_CBC)
        return tip_crypto_cbc(&sa->crypto, iv, body, clen);
    return TIP_OK;
}

/* RFC 6040 4.2: a CE mark on the outer header survives decapsulation when
 * the inner packet is ECN-capable. */
static void tip_esp_ecn_decap(const uint8_t *outer_hdr, const struct tip_ip_info_s *outer,
                              uint8_t *inner)
{
    uint8_t oecn = outer->version == 4 ? (outer_hdr[1] & 3u) : ((outer_hdr[1] >> 4) & 3u);

    if (oecn != 3u)
        return;
    if ((inner[0] >> 4) == 4) {
        if ((inner[1] & 3u) != 0) {
            inner[1] |= 3u;
            tip_ipv4_fix_checksum(inner);
        }
    } else if (((inner[1] >> 4) & 3u) != 0) {
        inner[1] |= 0x30u;
    }
}

/* Put an IP header in front of a transport-mode payload at @p body. */
static int tip_esp_transport_hdr(tip_buf_t *buf, uint8_t *esp, uint8_t *body, size_t plen,
                                 uint8_t nh, const tip_addr_t *src, const tip_addr_t *dst,
                                 const struct tip_ip_info_s *outer, uint8_t **start)
{
    size_t hlen;
    uint8_t *h;

    if (outer != NULL) {
        /* Raw ESP: move the original header (and options / extension
         * headers) up to the payload and make it name the payload. */
        hlen = outer->l4_off;
        h = body - hlen;
        memmove(h, esp - hlen, hlen);
        h[outer->nh_off] = nh;
    } else {
        /* ESP-in-UDP: the outer header is gone; build a plain one. */
        hlen = src->family == TIP_AF_INET6 ? TIP_IPV6_HLEN : TIP_IPV4_HLEN;
        if ((size_t)(body - buf->base) < hlen)
            return TIP_ERR_BUF_SPACE;
        h = body - hlen;
        memset(h, 0, hlen);
        if (src->family == TIP_AF_INET) {
            h[0] = 0x45;
            h[8] = TIP_OUTER_TTL;
            h[9] = nh;
            memcpy(h + 12, src->addr, 4);
            memcpy(h + 16, dst->addr, 4);
        } else {
            h[0] = 0x60;
            h[6] = nh;
            h[7] = TIP_OUTER_TTL;
            memcpy(h + 8, src->addr, 16);
            memcpy(h + 24, dst->addr, 16);
        }
        /* RFC 3948 3.1.2: NAT changed the addresses the TCP/UDP checksum
         * covers; the packet is authenticated, so recompute it. */
        tip_l4_fix_checksum(nh, src, dst, body, plen);
    }
    if ((h[0] >> 4) == 4) {
        tip_store_be16(h + 2, (uint16_t)(hlen + plen));
        tip_ipv4_fix_checksum(h);
    } else {
        tip_store_be16(h + 4, (uint16_t)(hlen - TIP_IPV6_HLEN + plen));
    }
    *start = h;
    return TIP_OK;
}

int tip_esp_decap(tip_ctx_t *ctx, const tip_addr_t *src, const tip_addr_t *dst,
                  const struct tip_ip_info_s *outer, tip_buf_t *buf, tip_ev_batch_t *evs)
{
    int err = TIP_ERR_INTERNAL;
    uint8_t *esp = buf->base + buf->off;
    uint8_t *body, *start;
    size_t len = buf->len, clen, plen, i;
    uint8_t pad, nh;
    uint64_t seq;
    tip_sa_t *sa;
    tip_ip_info_t inner;
    tip_flow_t flow;

    if (len < TIP_ESP_HLEN) {
        tip_drop(ctx, NULL, TIP_DROP_MALFORMED);
        return TIP_ERR_MALFORMED;
    }
    /* RFC 4301 4.4.2: SPI and destination; fall back to the SPI alone for
     * peers whose view of our address differs (NAT). */
    {
        uint32_t spi = tip_load_be32(esp);
        sa = tip_sad_lookup_in(ctx, spi, dst);
        if (sa == NULL)
            sa = tip_sad_lookup_in(ctx, spi, NULL);
        if (sa == NULL) {
            tip_drop(ctx, NULL, TIP_DROP_NO_SA);
            return TIP_ERR_NO_SA;
        }
    }
    if (len < (size_t)TIP_ESP_HLEN + sa->iv_len + sa->icv_len + 2u) {
        tip_drop(ctx, sa, TIP_DROP_MALFORMED);
        return TIP_ERR_MALFORMED;
    }
    clen = len - TIP_ESP_HLEN - sa->iv_len - sa->icv_len;
    if (clen % sa->block != 0) {
        tip_drop(ctx, sa, TIP_DROP_MALFORMED);
        return TIP_ERR_MALFORMED;
    }
    seq = tip_replay_infer(&sa->replay, tip_load_be32(esp + 4), sa->esn);
    if (!sa->no_replay && tip_replay_check(&sa->replay, seq) != TIP_OK) {
        tip_drop(ctx, sa, TIP_DROP_REPLAY);
        return TIP_ERR_REPLAY;
    }
    body = esp + TIP_ESP_HLEN + sa->iv_len;
    if (tip_esp_open(sa, esp, body, clen, seq) != TIP_OK) {
        tip_drop(ctx, sa, TIP_DROP_ICV);
        return TIP_ERR_AUTH;
    }
    pad = body[clen - 2u];
    nh = body[clen - 1u];
    if ((size_t)pad + 2u > clen) {
        tip_drop(ctx, sa, TIP_DROP_PADDING);
        return TIP_ERR_PADDING;
    }
    plen = clen - 2u - pad;
    /* RFC 4303 2.4: the default padding is 1, 2, 3, ...; check it. */
    for (i = 0; i < pad; i++) {
        if (body[plen + i] != (uint8_t)(i + 1u)) {
            tip_drop(ctx, sa, TIP_DROP_PADDING);
            return TIP_ERR_PADDING;
        }
    }
    if (nh == TIP_IPPROTO_NONE) {
        /* RFC 4303 2.6: dummy packets are discarded silently. */
        tip_drop(ctx, sa, TIP_DROP_DUMMY);
        return TIP_ERR_DUMMY;
    }
    if (sa->mode == TIP_MODE_TUNNEL) {
        if ((nh != TIP_IPPROTO_IPIP && nh != TIP_IPPROTO_IPV6) ||
            tip_ip_parse(body, plen, &inner) != TIP_OK ||
            inner.version != (nh == TIP_IPPROTO_IPIP ? 4 : 6)) {
            tip_drop(ctx, sa, TIP_DROP_MALFORMED);
            return TIP_ERR_MALFORMED;
        }
        plen = inner.total_len; /* drop TFC padding (RFC 4303 2.7) */
        if (outer != NULL)
            tip_esp_ecn_decap(esp - outer->l4_off, outer, body);
        start = body;
        err = tip_flow_from_ip(start, &inner, TIP_DIR_IN, &flow);
    } else {
        err = tip_esp_transport_hdr(buf, esp, body, plen, nh, src, dst, outer, &start);
        if (err != TIP_OK) {
            tip_drop(ctx, sa, TIP_DROP_NO_ROOM);
            return err;
        }
        plen += (size_t)(body - start);
        err = tip_flow_from_packet(start, plen, TIP_DIR_IN, &flow);
    }
    /* RFC 4301 5.2: the inner packet must be one this SA may carry. */
    if (err != TIP_OK) {
        tip_drop(ctx, sa, TIP_DROP_MALFORMED);
        return TIP_ERR_MALFORMED;
    }
    if (tip_spd_check_inbound_sa(ctx, sa, &flow) != TIP_OK) {
        tip_drop(ctx, sa, TIP_DROP_POLICY);
        return TIP_ERR_POLICY;
    }
    /* RFC 4303 3.4.3: the window moves only for an authenticated packet.
     * It moves last, once the packet is accepted, so that a packet refused
     * for any reason leaves the SA as it was (its drop counter aside).
     * With the check off the top still follows the packets: ESN infers
     * the high 32 bits from it (RFC 4303 2.2.1, appendix A). */
    if (sa->no_replay) {
        tip_replay_track(&sa->replay, seq);
    } else {
        /* Manual keys: the window's new top is on record (durably) before
         * the packet is accepted, so that after a restart it is refused. */
        if (tip_seq_reserve(ctx, sa, seq) != TIP_OK) {
            tip_drop(ctx, sa, TIP_DROP_SEQ_STORE);
            return TIP_ERR_SEQ_STORE;
        }
        if (tip_replay_update(&sa->replay, seq) != TIP_OK) {
            tip_drop(ctx, sa, TIP_DROP_REPLAY);
            return TIP_ERR_REPLAY;
        }
    }
    if (tip_sa_over_hard(sa, plen)) {
        tip_drop(ctx, sa, TIP_DROP_LIFETIME);
        tip_ev_note(ctx, evs, TIP_EV_SA_HARD_EXPIRED, sa, 0);
        tip_sa_remove(ctx, sa);
        return TIP_ERR_LIFETIME;
    }
    buf->off = (size_t)(start - buf->base);
    buf->len = plen;
    (void)tip_sa_account(ctx, sa, plen, evs); /* may end the SA; this packet was valid */
    return TIP_RX_DATA;
}
