/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Key log for Wireshark (TIP_KEYLOG, off by default): every IKE SA's keys
 * as a line of Wireshark's "ikev2_decryption_table" and every ESP SA as a
 * line of its "esp_sa" table, handed to the port's log hook prefixed with
 * "keylog <table>: ". The application appends each line to the file of
 * that name in a Wireshark profile, and can then read a capture of its own
 * tunnel. This writes secret keys: never enable it in a product.
 */
#include <string.h>

#include "ike/ike_core.h"

#if TIP_CONF_IKEV2 && TIP_KEYLOG

typedef struct {
    char buf[640];
    size_t len;
} tip_line_t;

static void tip_put(tip_line_t *l, const char *s)
{
    size_t n = strlen(s);

    if (l->len + n < sizeof(l->buf)) {
        memcpy(l->buf + l->len, s, n);
        l->len += n;
    }
    l->buf[l->len] = '\0';
}

static void tip_put_hex(tip_line_t *l, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n && l->len + 2 < sizeof(l->buf); i++) {
        l->buf[l->len++] = hex[p[i] >> 4];
        l->buf[l->len++] = hex[p[i] & 15];
    }
    l->buf[l->len] = '\0';
}

/* Wireshark 4.0's names (packet-isakmp.c / packet-ipsec.c value tables). */
static const char *tip_ws_ike_encr(uint8_t encr, uint16_t bits)
{
    if (encr == TIP_ENCR_AES_GCM_16)
        return bits == 256 ? "AES-GCM-256 with 16 octet ICV [RFC5282]"
                           : "AES-GCM-128 with 16 octet ICV [RFC5282]";
    if (encr == TIP_ENCR_AES_CBC)
        return bits == 256 ? "AES-CBC-256 [RFC3602]" : "AES-CBC-128 [RFC3602]";
    return NULL; /* ChaCha20-Poly1305: Wireshark 4.0 cannot decrypt it */
}

static const char *tip_ws_ike_integ(uint8_t integ)
{
    switch (integ) {
    case TIP_INTEG_HMAC_SHA2_256_128:
        return "HMAC_SHA2_256_128 [RFC4868]";
    case TIP_INTEG_HMAC_SHA2_384_192:
        return "HMAC_SHA2_384_192 [RFC4868]";
    case TIP_INTEG_HMAC_SHA2_512_256:
        return "HMAC_SHA2_512_256 [RFC4868]";
    default:
        return "NONE [RFC4306]";
    }
}

void tip_ike_keylog_ike(tip_ctx_t *ctx, const tip_ike_sa_t *sa, const tip_ike_keys_t *k)
{
    const char *encr = tip_ws_ike_encr(sa->encr, sa->key_bits);
    tip_line_t l;

    if (encr == NULL)
        return;
    l.len = 0;
    tip_put(&l, "keylog ikev2_decryption_table: ");
    tip_put_hex(&l, sa->spi_i, 8);
    tip_put(&l, ",");
    tip_put_hex(&l, sa->spi_r, 8);
    tip_put(&l, ",");
    tip_put_hex(&l, k->sk_ei, k->encr_len);
    tip_put(&l, ",");
    tip_put_hex(&l, k->sk_er, k->encr_len);
    tip_put(&l, ",\"");
    tip_put(&l, encr);
    tip_put(&l, "\",");
    tip_put_hex(&l, k->sk_ai, k->integ_len);
    tip_put(&l, ",");
    tip_put_hex(&l, k->sk_ar, k->integ_len);
    tip_put(&l, ",\"");
    tip_put(&l, tip_ws_ike_integ(sa->integ));
    tip_put(&l, "\"");
    tip_log(ctx, TIP_LOG_WARN, l.buf);
    tip_crypto_zeroize(&l, sizeof(l));
}

static const char *tip_ws_esp_auth(tip_integ_t integ)
{
    switch (integ) {
    case TIP_INTEG_HMAC_SHA2_256_128:
        return "HMAC-SHA-256-128 [RFC4868]";
    case TIP_INTEG_HMAC_SHA2_384_192:
        return "HMAC-SHA-384-192 [RFC4868]";
    case TIP_INTEG_HMAC_SHA2_512_256:
        return "HMAC-SHA-512-256 [RFC4868]";
    default:
        return "NULL";
    }
}

void tip_ike_keylog_esp(tip_ctx_t *ctx, const tip_sa_params_t *p)
{
    char addr[48];
    const char *encr;
    tip_line_t l;
    uint8_t spi[4];

    if (p->encr == TIP_ENCR_AES_GCM_16)
        encr = "AES-GCM with 16 octet ICV [RFC4106]";
    else if (p->encr == TIP_ENCR_AES_CBC)
        encr = "AES-CBC [RFC3602]";
    else if (p->encr == TIP_ENCR_NULL)
        encr = "NULL";
    else
        return; /* ChaCha20-Poly1305: not in Wireshark 4.0 */
    l.len = 0;
    tip_put(&l, "keylog esp_sa: \"");
    tip_put(&l, p->src.family == TIP_AF_INET6 ? "IPv6" : "IPv4");
    tip_put(&l, "\",\"");
    tip_put(&l, tip_addr_format(&p->src, addr, sizeof(addr)));
    tip_put(&l, "\",\"");
    tip_put(&l, tip_addr_format(&p->dst, addr, sizeof(addr)));
    tip_put(&l, "\",\"0x");
    spi[0] = (uint8_t)(p->spi >> 24);
    spi[1] = (uint8_t)(p->spi >> 16);
    spi[2] = (uint8_t)(p->spi >> 8);
    spi[3] = (uint8_t)p->spi;
    tip_put_hex(&l, spi, 4);
    tip_put(&l, "\",\"");
    tip_put(&l, encr);
    tip_put(&l, "\",\"0x");
    tip_put_hex(&l, p->encr_key, p->encr_key_len);
    tip_put(&l, "\",\"");
    tip_put(&l, tip_ws_esp_auth(p->integ));
    tip_put(&l, "\",\"");
    if (p->integ_key_len != 0) {
        tip_put(&l, "0x");
        tip_put_hex(&l, p->integ_key, p->integ_key_len);
    }
    tip_put(&l, "\"");
    tip_log(ctx, TIP_LOG_WARN, l.buf);
    tip_crypto_zeroize(&l, sizeof(l));
}

#endif /* TIP_CONF_IKEV2 && TIP_KEYLOG */
