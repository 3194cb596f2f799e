/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ESP outbound processing (RFC 4303 3.3), in place in the caller's buffer:
 * the packet grows into its head- and tailroom, nothing is copied except a
 * transport-mode IP header that moves down in front of the ESP header.
 */
#include <string.h>

#include "bytes.h"
#include "crypto.h"
#include "esp.h"
#include "ip.h"

size_t tip_esp_aad(uint8_t aad[12], uint32_t spi, uint64_t seq, int esn)
{
    /* RFC 4106 5 / RFC 7634 2.1: SPI || seq, or SPI || seq_hi || seq_lo. */
    tip_store_be32(aad, spi);
    if (esn) {
        tip_store_be64(aad + 4, seq);
        return 12;
    }
    tip_store_be32(aad + 4, (uint32_t)seq);
    return 8;
}

/* RFC 4303 3.3.3: the counter never cycles. Returns the next number or 0. */
static uint64_t tip_esp_next_seq(const tip_ctx_t *ctx, tip_sa_t *sa, tip_ev_batch_t *evs)
{
    uint64_t max = sa->esn ? UINT64_MAX : (uint64_t)UINT32_MAX;

    if (sa->seq >= max) {
        tip_ev_note(ctx, evs, TIP_EV_SA_SEQ_EXHAUSTED, sa, 0);
        return 0;
    }
    if (!sa->seq_warned && max - (sa->seq + 1u) < TIP_SEQ_SOFT_MARGIN) {
        sa->seq_warned = 1;
        tip_ev_note(ctx, evs, TIP_EV_SA_REKEY_NEEDED, sa, 0);
    }
    return sa->seq + 1u;
}

/* Encrypt and authenticate: esp points at SPI, body at the plaintext
 * (payload + padding + trailer, clen bytes); the ICV goes after it. */
static int tip_esp_seal(tip_sa_t *sa, uint8_t *esp, uint8_t *body, size_t clen, uint64_t seq,
                        const uint8_t *iv_in)
{
    uint8_t *iv = esp + TIP_ESP_HLEN;
    int err = TIP_ERR_INTERNAL;

    switch ((tip_encr_t)sa->encr) {
    case TIP_ENCR_AES_GCM_16:
    case TIP_ENCR_CHACHA20_POLY1305: {
        uint8_t aad[12];
        size_t aad_len = tip_esp_aad(aad, sa->spi, seq, sa->esn);
        /* RFC 4106 3.1 / RFC 7634 2: the IV must never repeat under a key;
         * the sequence number is unique, so it is the IV. */
        if (iv_in != NULL)
            memcpy(iv, iv_in, 8);
        else
            tip_store_be64(iv, seq);
        return tip_crypto_aead_seal(&sa->crypto, iv, aad, aad_len, body, clen, body + clen);
    }
    case TIP_ENCR_AES_CBC: {
        uint8_t blk[16];
        tip_store_be64(blk, seq);
        tip_store_be32(blk + 8, sa->spi);
        tip_store_be32(blk + 12, 0);
        if (iv_in != NULL) {
            memcpy(iv, iv_in, 16);
            err = TIP_OK;
        } else {
            err = tip_crypto_cbc_iv(&sa->crypto, blk, iv);
        }
        if (err == TIP_OK)
            err = tip_crypto_cbc(&sa->crypto, iv, body, clen);
        if (err != TIP_OK)
            return err;
        break;
    }
    default:
        break; /* ENCR_NULL: integrity only */
    }
    {
        uint8_t mac[TIP_CRYPTO_MAX_MAC];
        uint8_t hi[4];
        size_t n = (size_t)(body + clen - esp);
        /* RFC 4303 2.2.1: with ESN the high 32 bits are authenticated as if
         * they followed the packet, but never sent. */
        tip_store_be32(hi, (uint32_t)(seq >> 32));
        err = tip_crypto_hmac(&sa->crypto, esp, n, hi, sa->esn ? 4u : 0u, mac);
        if (err != TIP_OK)
            return err;
        memcpy(body + clen, mac, sa->icv_len);
        tip_crypto_zeroize(mac, sizeof(mac));
    }
    return TIP_OK;
}

int tip_esp_encap_sa(tip_ctx_t *ctx, tip_sa_t *sa, tip_buf_t *buf, const uint8_t *iv,
                     const struct tip_ip_info_s *parsed, tip_ev_batch_t *evs)
{
    int err = TIP_ERR_INTERNAL;
    tip_ip_info_t ip;
    uint8_t *pkt, *start, *esp, *body, *trailer;
    size_t outer = 0, keep = 0, udp, plen, pad, clen, total, i;
    uint8_t nh, tos = 0, df = 0;
    uint64_t seq;

    if (buf == NULL || buf->base == NULL || buf->off > buf->cap || buf->len > buf->cap - buf->off)
        return TIP_ERR_ARG;
    pkt = buf->base + buf->off;
    if (parsed != NULL) {
        ip = *parsed;
        err = TIP_OK;
    } else {
        err = tip_ip_parse(pkt, buf->len, &ip);
    }
    if (err != TIP_OK) {
        tip_drop(ctx, sa, TIP_DROP_MALFORMED);
        return TIP_ERR_MALFORMED;
    }
    udp = sa->natt_sport != 0 ? TIP_UDP_HLEN : 0;
    if (sa->mode == TIP_MODE_TUNNEL) {
        outer = sa->src.family == TIP_AF_INET6 ? TIP_IPV6_HLEN : TIP_IPV4_HLEN;
        nh = ip.version == 4 ? TIP_IPPROTO_IPIP : TIP_IPPROTO_IPV6;
        plen = ip.total_len;
        if (ip.version == 4) {
            tos = pkt[1];
            df = pkt[6] & 0x40; /* RFC 4301 8.1: copy DF by default */
        } else {
            tos = (uint8_t)((pkt[0] & 0x0F) << 4 | pkt[1] >> 4);
        }
    } else {
        if ((ip.version == 4) != (sa->src.family == TIP_AF_INET)) {
            tip_drop(ctx, sa, TIP_DROP_POLICY);
            return TIP_ERR_POLICY;
        }
        keep = ip.l4_off;
        nh = ip.proto;
        plen = ip.total_len - keep;
    }
    /* RFC 4303 2.4: pad so that payload + 2 trailer bytes fill whole
     * cipher blocks (4-byte alignment at least). */
    pad = (sa->block - (plen + 2u) % sa->block) % sa->block;
    clen = plen + pad + 2u;
    if (buf->off < outer + udp + TIP_ESP_HLEN + sa->iv_len ||
        buf->cap - buf->off - (keep + plen) < pad + 2u + sa->icv_len) {
        tip_drop(ctx, sa, TIP_DROP_NO_ROOM);
        return TIP_ERR_BUF_SPACE;
    }
    total = outer + keep + udp + TIP_ESP_HLEN + sa->iv_len + clen + sa->icv_len;
    if (total - (sa->src.family == TIP_AF_INET6 ? (size_t)TIP_IPV6_HLEN : 0u) > 0xFFFFu) {
        tip_drop(ctx, sa, TIP_DROP_NO_ROOM); /* would not fit an IP length field */
        return TIP_ERR_BUF_SPACE;
    }
    if (tip_sa_over_hard(sa, plen)) {
        tip_drop(ctx, sa, TIP_DROP_LIFETIME);
        tip_ev_note(ctx, evs, TIP_EV_SA_HARD_EXPIRED, sa, 0);
        tip_sa_remove(ctx, sa);
        return TIP_ERR_LIFETIME;
    }
    seq = tip_esp_next_seq(ctx, sa, evs);
    if (seq == 0) {
        tip_drop(ctx, sa, TIP_DROP_SEQ_EXHAUSTED);
        return TIP_ERR_SEQ_EXHAUSTED;
    }
    /* Manual keys: the number is on record (durably) before it is used, so
     * that no restart can use it again (nonce = sequence number). */
    if (tip_seq_reserve(ctx, sa, seq) != TIP_OK) {
        tip_drop(ctx, sa, TIP_DROP_SEQ_STORE);
        return TIP_ERR_SEQ_STORE;
    }

    start = pkt - (outer + udp + TIP_ESP_HLEN + sa->iv_len);
    if (keep != 0)
        memmove(start, pkt, keep);
    esp = start + outer + keep + udp;
    body = esp + TIP_ESP_HLEN + sa->iv_len;
    trailer = body + plen;
    for (i = 0; i < pad; i++)
        trailer[i] = (uint8_t)(i + 1u);
    trailer[pad] = (uint8_t)pad;
    trailer[pad + 1u] = nh;
    tip_store_be32(esp, sa->spi);
    tip_store_be32(esp + 4, (uint32_t)seq);
    err = tip_esp_seal(sa, esp, body, clen, seq, iv);
    if (err != TIP_OK) {
        tip_drop(ctx, sa, TIP_DROP_SEND);
        return TIP_ERR_CRYPTO;
    }

    if (sa->mode == TIP_MODE_TUNNEL) {
        if (sa->src.family == TIP_AF_INET) {
            start[0] = 0x45;
            start[1] = tos;
            tip_store_be16(start + 2, (uint16_t)total);
            tip_store_be16(start + 4, ctx->ip_id++);
            start[6] = df;
            start[7] = 0;
            start[8] = TIP_OUTER_TTL;
            start[9] = udp ? TIP_IPPROTO_UDP : TIP_IPPROTO_ESP;
            memcpy(start + 12, sa->src.addr, 4);
            memcpy(start + 16, sa->dst.addr, 4);
            tip_ipv4_fix_checksum(start);
        } else {
            start[0] = (uint8_t)(0x60 | tos >> 4);
            start[1] = (uint8_t)(tos << 4);
            start[2] = 0;
            start[3] = 0;
            tip_store_be16(start + 4, (uint16_t)(total - TIP_IPV6_HLEN));
            start[6] = udp ? TIP_IPPROTO_UDP : TIP_IPPROTO_ESP;
            start[7] = TIP_OUTER_TTL;
            memcpy(start + 8, sa->src.addr, 16);
            memcpy(start + 24, sa->dst.addr, 16);
        }
    } else if (ip.version == 4) {
        start[9] = udp ? TIP_IPPROTO_UDP : TIP_IPPROTO_ESP;
        tip_store_be16(start + 2, (uint16_t)total);
        tip_ipv4_fix_checksum(start);
    } else {
        start[ip.nh_off] = udp ? TIP_IPPROTO_UDP : TIP_IPPROTO_ESP;
        tip_store_be16(start + 4, (uint16_t)(total - TIP_IPV6_HLEN));
    }
    if (udp) {
        /* RFC 3948 2.1: UDP header in front of ESP; IPv4 checksum 0. */
        uint8_t *u = start + outer + keep;
        size_t ulen = total - outer - keep;
        tip_store_be16(u, sa->natt_sport);
        tip_store_be16(u + 2, sa->natt_dport);
        tip_store_be16(u + 4, (uint16_t)ulen);
        u[6] = 0;
        u[7] = 0;
        if (sa->src.family == TIP_AF_INET6)
            tip_l4_fix_checksum(TIP_IPPROTO_UDP, &sa->src, &sa->dst, u, ulen);
    }
    buf->off = (size_t)(start - buf->base);
    buf->len = total;
    sa->seq = seq;
    sa->last_tx_ms = ctx->now_ms;
    (void)tip_sa_account(ctx, sa, plen, evs); /* may end the SA; this packet still goes */
    return TIP_OK;
}

/* tip_esp_encap() and tip_esp_encap_iv(): the SA by handle, events last. */
static int tip_esp_encap_h(tip_ctx_t *ctx, tip_handle_t h, tip_buf_t *buf, const uint8_t *iv)
{
    int err = TIP_ERR_INTERNAL;
    tip_ev_batch_t evs;
    tip_sa_t *sa;

    tip_time_update(ctx);
    sa = tip_sa_get(ctx, h, &err);
    if (sa == NULL)
        return err;
    if (sa->dir != TIP_DIR_OUT)
        return TIP_ERR_ARG;
    evs.n = 0;
    err = tip_esp_encap_sa(ctx, sa, buf, iv, NULL, &evs);
    tip_ev_flush(ctx, &evs);
    return err;
}

int tip_esp_encap(tip_ctx_t *ctx, tip_handle_t h, tip_buf_t *buf)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL)
        return TIP_ERR_ARG;
    return tip_esp_encap_h(ctx, h, buf, NULL);
}

int tip_esp_encap_iv(tip_ctx_t *ctx, tip_handle_t h, tip_buf_t *buf, const uint8_t *iv)
{
    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL || iv == NULL)
        return TIP_ERR_ARG;
    return tip_esp_encap_h(ctx, h, buf, iv);
}
