/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Two-context ESP test fixture (see tip_test_fixture.h).
 */
#include <string.h>

#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

const tip_test_suite_t tip_test_suites[TIP_TEST_SUITE_COUNT + 1] = {
    {"aes128gcm16", TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0},
    {"aes256gcm16", TIP_ENCR_AES_GCM_16, 36, TIP_INTEG_NONE, 0},
    {"chacha20poly1305", TIP_ENCR_CHACHA20_POLY1305, 36, TIP_INTEG_NONE, 0},
    {"aes128-sha256", TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_256_128, 32},
    {"aes128-sha384", TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_384_192, 48},
    {"aes128-sha512", TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_512_256, 64},
    {"aes256-sha256", TIP_ENCR_AES_CBC, 32, TIP_INTEG_HMAC_SHA2_256_128, 32},
    {"aes256-sha384", TIP_ENCR_AES_CBC, 32, TIP_INTEG_HMAC_SHA2_384_192, 48},
    {"aes256-sha512", TIP_ENCR_AES_CBC, 32, TIP_INTEG_HMAC_SHA2_512_256, 64},
    {"null-sha256", TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_256_128, 32},
    {"null-sha384", TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_384_192, 48},
    {"null-sha512", TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_512_256, 64},
    {NULL, TIP_ENCR_NONE, 0, TIP_INTEG_NONE, 0},
};

void tip_fx_init(tip_test_fixture_t *fx)
{
    tip_port_t port;

    tip_fx_fini(fx);
    memset(fx, 0, sizeof(*fx));
    tip_test_port_init(&fx->pa, 1, 1000);
    tip_test_port_init(&fx->pb, 2, 1000);
    tip_test_port_fill(&fx->pa, &port);
    (void)tip_ctx_init(&fx->a, &port);
    tip_test_port_fill(&fx->pb, &port);
    (void)tip_ctx_init(&fx->b, &port);
    fx->live = 1;
}

void tip_fx_fini(tip_test_fixture_t *fx)
{
    if (fx->live) {
        tip_ctx_deinit(&fx->a);
        tip_ctx_deinit(&fx->b);
        fx->live = 0;
    }
}

static void tip_fx_range(tip_addr_range_t *r, const tip_addr_t *a, unsigned v4, unsigned v6)
{
    (void)tip_addr_range_prefix(r, a, a->family == TIP_AF_INET6 ? v6 : v4);
}

/* a's half: the outbound SA and policy. */
static int tip_fx_install_a(tip_test_fixture_t *fx)
{
    tip_policy_t pol;
    int err;

    err = tip_sad_add(&fx->a, &fx->out_params, &fx->sa_out);
    if (err != TIP_OK)
        return err;
    memset(&pol, 0, sizeof(pol));
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = fx->layout.mode;
    pol.sel.local_port_hi = 0xFFFF;
    pol.sel.remote_port_hi = 0xFFFF;
    pol.dir = TIP_DIR_OUT;
    tip_fx_range(&pol.sel.local, &fx->inner_a, 24, 64);
    tip_fx_range(&pol.sel.remote, &fx->inner_b, 24, 64);
    pol.tunnel_local = fx->outer_a;
    pol.tunnel_remote = fx->outer_b;
    return tip_spd_add(&fx->a, &pol, TIP_SPD_APPEND, NULL);
}

/* b's half: the inbound SA and policy. */
static int tip_fx_install_b(tip_test_fixture_t *fx)
{
    tip_policy_t pol;
    int err;

    err = tip_sad_add(&fx->b, &fx->in_params, &fx->sa_in);
    if (err != TIP_OK)
        return err;
    memset(&pol, 0, sizeof(pol));
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = fx->layout.mode;
    pol.sel.local_port_hi = 0xFFFF;
    pol.sel.remote_port_hi = 0xFFFF;
    pol.dir = TIP_DIR_IN;
    tip_fx_range(&pol.sel.local, &fx->inner_b, 24, 64);
    tip_fx_range(&pol.sel.remote, &fx->inner_a, 24, 64);
    pol.tunnel_local = fx->outer_b;
    pol.tunnel_remote = fx->outer_a;
    return tip_spd_add(&fx->b, &pol, TIP_SPD_APPEND, NULL);
}

int tip_fx_restart(tip_test_fixture_t *fx, int restart_a, int restart_b)
{
    tip_port_t port;
    int err = TIP_OK;

    if (restart_a) {
        tip_ctx_deinit(&fx->a);
        tip_test_port_fill(&fx->pa, &port);
        err = tip_ctx_init(&fx->a, &port);
        if (err == TIP_OK)
            err = tip_fx_install_a(fx);
    }
    if (err == TIP_OK && restart_b) {
        tip_ctx_deinit(&fx->b);
        tip_test_port_fill(&fx->pb, &port);
        err = tip_ctx_init(&fx->b, &port);
        if (err == TIP_OK)
            err = tip_fx_install_b(fx);
    }
    return err;
}

int tip_fx_setup(tip_test_fixture_t *fx, const tip_test_suite_t *suite,
                 const tip_test_layout_t *layout)
{
    tip_sa_params_t p;
    size_t i;
    int err;

    fx->layout = *layout;
    fx->outer_a = tip_test_addr(layout->outer6 ? "2001:db8:99::1" : "10.99.0.1");
    fx->outer_b = tip_test_addr(layout->outer6 ? "2001:db8:99::2" : "10.99.0.2");
    if (layout->mode == TIP_MODE_TUNNEL) {
        fx->inner_a = tip_test_addr(layout->inner6 ? "2001:db8:1::1" : "10.1.0.1");
        fx->inner_b = tip_test_addr(layout->inner6 ? "2001:db8:2::1" : "10.2.0.1");
    } else {
        fx->inner_a = fx->outer_a;
        fx->inner_b = fx->outer_b;
    }
    for (i = 0; i < sizeof(fx->ekey); i++) {
        fx->ekey[i] = (uint8_t)(0x11 * (i + 1) ^ suite->encr);
        fx->ikey[i] = (uint8_t)(0x5A ^ i);
    }
    memset(&p, 0, sizeof(p));
    p.spi = layout->spi != 0 ? layout->spi : 0x1001;
    p.mode = layout->mode;
    p.src = fx->outer_a;
    p.dst = fx->outer_b;
    p.encr = suite->encr;
    p.encr_key = fx->ekey;
    p.encr_key_len = suite->encr_key_len;
    p.integ = suite->integ;
    p.integ_key = fx->ikey;
    p.integ_key_len = suite->integ_key_len;
    p.esn = (uint8_t)layout->esn;
    if (layout->natt) {
        p.natt_sport = 4500;
        p.natt_dport = 4500;
    }
    /* Fixed keys installed again on every restart: manual keying, so the
     * SAs keep their sequence state in the test port's store. */
    p.dir = TIP_DIR_OUT;
    fx->out_params = p;
    p.dir = TIP_DIR_IN;
    fx->in_params = p;
    err = tip_fx_install_a(fx);
    if (err != TIP_OK)
        return err;
    return tip_fx_install_b(fx);
}

int tip_fx_packet(tip_test_fixture_t *fx, tip_buf_t *buf, uint8_t *mem, size_t cap,
                  size_t payload_len, uint8_t fill)
{
    uint8_t payload[2048];

    if (payload_len > sizeof(payload))
        return TIP_ERR_ARG;
    memset(payload, fill, payload_len);
    tip_test_buf_init(buf, mem, cap, TIP_ESP_HEADROOM);
    return tip_test_pkt_udp(buf, &fx->inner_a, &fx->inner_b, 1234, 5678, payload, payload_len);
}

int tip_fx_deliver(tip_test_fixture_t *fx, const tip_test_sent_t *s, tip_buf_t *buf,
                   uint8_t *mem, size_t cap)
{
    int err = tip_test_port_to_buf(s, buf, mem, cap, TIP_ESP_HEADROOM);

    if (err != TIP_OK)
        return err;
    if (s->kind == TIP_TEST_SENT_UDP)
        return tip_input_udp(&fx->b, &fx->outer_a, s->sport, &s->dst, s->dport, buf);
    return tip_input_ip(&fx->b, buf);
}

int tip_fx_deliver_last(tip_test_fixture_t *fx, tip_buf_t *buf, uint8_t *mem, size_t cap)
{
    const tip_test_sent_t *s = tip_test_port_last(&fx->pa);

    if (s == NULL)
        return TIP_ERR_NOT_FOUND;
    return tip_fx_deliver(fx, s, buf, mem, cap);
}
