/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The application `make size` links into a Cortex-M4 image (scripts/size.sh):
 * it calls what a device uses, so --gc-sections keeps exactly the library
 * code such a device needs. It is linked, never run.
 *
 *   ESP core with manual keying: context, SAs and policies added through the
 *   API, packets out and in (raw ESP and ESP-in-UDP), timers.
 *   With TIP_CONF_IKEV2: a PSK connection that is started, rekeyed, queried
 *   and torn down; IKE messages arrive through tip_input_udp().
 *   With TIP_CONF_IKE_CERT (classic backend): the connection authenticates
 *   with certificates instead, a chain of two and one trust anchor, and
 *   signs with a private key parsed by Mbed TLS (tip_ike_sign_mbedtls_pk).
 *
 * With the PSA backend (TIP_CONF_CRYPTO_PSA) on a TF-PSA-Crypto built with
 * MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG, the application also supplies PSA's
 * random generator, mbedtls_psa_external_get_random(): here a stand-in of
 * the same size class as a TRNG driver read loop.
 */
#include <stdint.h>
#include <string.h>

#include "tinyipsec/tinyipsec.h"
#if TIP_CONF_IKEV2
#include "tinyipsec/ike.h"
#endif
#if TIP_CONF_CRYPTO_PSA
#include <psa/crypto.h>
#endif
#define TIP_SIZE_CERT (TIP_CONF_IKEV2 && TIP_CONF_IKE_CERT && !TIP_CONF_CRYPTO_PSA)
#if TIP_SIZE_CERT
#include <mbedtls/pk.h>
#endif

static tip_ctx_t g_ctx;
static uint8_t g_pkt[1600];
volatile uint32_t g_sink;
volatile uint64_t g_now;

static int port_send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                         uint16_t dport, const uint8_t *data, size_t len)
{
    (void)arg, (void)src, (void)sport, (void)dst, (void)dport;
    g_sink += data[0] + (uint32_t)len;
    return 0;
}

static int port_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    g_sink += pkt[0] + (uint32_t)len;
    return 0;
}

static uint64_t port_now(void *arg)
{
    (void)arg;
    return g_now;
}

static int port_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    while (len-- > 0)
        out[len] = (uint8_t)(g_sink >> (len & 3));
    return 0;
}

#if TIP_CONF_CRYPTO_PSA && defined(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG)
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size,
                                             size_t *output_length)
{
    (void)context;
    if (port_random(NULL, output, output_size) != 0)
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    *output_length = output_size;
    return PSA_SUCCESS;
}
#endif

static int port_seq_load(void *arg, const tip_sa_id_t *sa, uint64_t *mark)
{
    (void)arg, (void)sa;
    *mark = g_now;
    return 0;
}

static int port_seq_store(void *arg, const tip_sa_id_t *sa, uint64_t mark)
{
    (void)arg, (void)sa;
    g_sink += (uint32_t)mark;
    return 0;
}

static void on_event(void *arg, const tip_event_t *ev)
{
    (void)arg;
    g_sink += (uint32_t)ev->type;
}

static void manual_keys(void)
{
    static const uint8_t key[20] = {1};
    tip_sa_params_t sa;
    tip_policy_t pol;
    tip_handle_t hsa, hpol;

    memset(&sa, 0, sizeof(sa));
    sa.spi = 0x1000 + g_sink;
    sa.dir = TIP_DIR_OUT;
    sa.mode = TIP_MODE_TUNNEL;
    (void)tip_addr_parse(&sa.src, "192.0.2.1");
    (void)tip_addr_parse(&sa.dst, "192.0.2.2");
    sa.encr = TIP_ENCR_AES_GCM_16;
    sa.encr_key = key;
    sa.encr_key_len = sizeof(key);
    if (tip_sad_add(&g_ctx, &sa, &hsa) != TIP_OK)
        return;
    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_OUT;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = sa.src;
    pol.tunnel_remote = sa.dst;
    if (tip_spd_add(&g_ctx, &pol, TIP_SPD_APPEND, &hpol) == TIP_OK)
        (void)tip_spd_bind_sa(&g_ctx, hpol, hsa);
    sa.dir = TIP_DIR_IN;
    (void)tip_sad_add(&g_ctx, &sa, NULL);
}

#if TIP_SIZE_CERT
static mbedtls_pk_context g_pk;
static tip_ike_pk_signer_t g_signer;

static int rng_mbedtls(void *arg, unsigned char *out, size_t len)
{
    return port_random(arg, out, len);
}

/* Certificates and key (DER) as a device reads them from its storage. */
static void ike_cert(tip_ike_conn_t *c)
{
    c->auth = TIP_AUTH_CERT;
    c->psk_len = 0;
    c->cert[0] = g_pkt;
    c->cert_len[0] = 500;
    c->cert[1] = g_pkt + 500;
    c->cert_len[1] = 500;
    c->cert_count = 2;
    c->ca[0] = g_pkt + 1000;
    c->ca_len[0] = 500;
    c->ca_count = 1;
    mbedtls_pk_init(&g_pk);
    if (mbedtls_pk_parse_key(&g_pk, g_pkt, g_sink, NULL, 0, rng_mbedtls, NULL) != 0)
        return;
    g_signer.pk = &g_pk;
    g_signer.random = port_random;
    c->sign = tip_ike_sign_mbedtls_pk;
    c->sign_arg = &g_signer;
}
#endif

#if TIP_CONF_IKEV2
static tip_handle_t ike_connection(void)
{
    tip_ike_conn_t c;
    tip_handle_t h = 0;

    tip_ike_conn_init(&c);
    (void)tip_addr_parse(&c.local_addr, "192.0.2.1");
    (void)tip_addr_parse(&c.remote_addr, "192.0.2.2");
    (void)tip_ike_id_set(&c.local_id, TIP_ID_FQDN, "device.example");
    (void)tip_ike_id_set(&c.remote_id, TIP_ID_FQDN, "gw.example");
    memcpy(c.psk, "0123456789abcdef", 16);
    c.psk_len = 16;
#if TIP_SIZE_CERT
    ike_cert(&c);
#endif
    (void)tip_ike_conn_add(&g_ctx, &c, &h);
    return h;
}
#endif

static void ike_in(const tip_addr_t *peer, uint16_t port, const tip_buf_t *buf)
{
#if TIP_CONF_IKEV2
    (void)tip_ike_input(&g_ctx, peer, port, peer, port, buf->base + buf->off, buf->len);
#else
    (void)peer, (void)port, (void)buf;
#endif
}

int main(void)
{
    static const tip_port_t port = {
        port_send_udp, port_send_ip, port_now, port_random, NULL, NULL,
        port_seq_load, port_seq_store, NULL,
    };
    tip_buf_t buf;
    tip_addr_t peer;
#if TIP_CONF_IKEV2
    tip_handle_t conn;
    tip_ike_status_t st;
#endif

    if (tip_ctx_init(&g_ctx, &port) != TIP_OK)
        return 1;
    tip_ctx_set_event_cb(&g_ctx, on_event, NULL);
    manual_keys();
#if TIP_CONF_IKEV2
    conn = ike_connection();
    (void)tip_ike_initiate(&g_ctx, conn);
#endif
    (void)tip_addr_parse(&peer, "192.0.2.2");
    for (;;) {
        buf.base = g_pkt;
        buf.cap = sizeof(g_pkt);
        buf.off = 64;
        buf.len = g_sink & 1023;
        switch (g_sink & 3) {
        case 0:
            (void)tip_output(&g_ctx, &buf);
            break;
        case 1:
            (void)tip_input_ip(&g_ctx, &buf);
            break;
        case 2:
            if (tip_input_udp(&g_ctx, &peer, 4500, &peer, 4500, &buf) == TIP_RX_IKE)
                ike_in(&peer, 4500, &buf);
            break;
        default:
#if TIP_CONF_IKEV2
            ike_in(&peer, 500, &buf);
            (void)tip_ike_rekey_child(&g_ctx, conn);
            (void)tip_ike_rekey_ike(&g_ctx, conn);
            if (tip_ike_status(&g_ctx, conn, &st) == TIP_OK && g_sink == 7u)
                (void)tip_ike_terminate(&g_ctx, conn);
#endif
            break;
        }
        g_sink += tip_poll(&g_ctx, g_now);
        if (g_sink == 0xdead)
            break;
    }
    (void)tip_ctx_deinit(&g_ctx);
    return 0;
}
