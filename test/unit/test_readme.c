/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The examples in README.md must keep working: the C tunnel_setup() and
 * the setkey configuration are copied here verbatim (keep them in step)
 * and must give a tunnel whose traffic a peer with the mirrored
 * configuration accepts, also after a restart with the same keys; without
 * the port's sequence-number store the manual SAs are refused.
 *
 * tip-requires: TIP_CONF_SETKEY TIP_CONF_AES_GCM TIP_CONF_NATT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;

/* ---- README.md, "A manually keyed tunnel in C", verbatim ---------------- */

static tip_ctx_t ctx;                 /* every table lives here: no malloc */

void tunnel_setup(const tip_port_t *port,   /* with seq_load / seq_store: see above */
                  const uint8_t key_out[20], const uint8_t key_in[20]);

void tunnel_setup(const tip_port_t *port,   /* with seq_load / seq_store: see above */
                  const uint8_t key_out[20], const uint8_t key_in[20])
{
    tip_sa_params_t sa = {0};
    tip_policy_t pol = {0};
    tip_addr_t me, peer, net_a, net_b;

    tip_ctx_init(&ctx, port);
    tip_addr_parse(&me, "192.0.2.1");
    tip_addr_parse(&peer, "192.0.2.2");
    tip_addr_parse(&net_a, "10.1.0.0");
    tip_addr_parse(&net_b, "10.2.0.0");

    /* Outbound SA: what we send to B. Manual keys (fresh_keys = 0): it
     * resumes above the sequence number the store holds for it. */
    sa.dir = TIP_DIR_OUT;
    sa.spi = 0x1001;
    sa.mode = TIP_MODE_TUNNEL;
    sa.src = me;
    sa.dst = peer;
    sa.encr = TIP_ENCR_AES_GCM_16;
    sa.encr_key = key_out;
    sa.encr_key_len = 20;             /* 16-byte AES key + 4-byte salt */
    sa.natt_sport = sa.natt_dport = TIP_PORT_NATT;
    tip_sad_add(&ctx, &sa, NULL);

    /* Inbound SA: what B sends to us (its own SPI and key). */
    sa.dir = TIP_DIR_IN;
    sa.spi = 0x2002;
    sa.src = peer;
    sa.dst = me;
    sa.encr_key = key_in;
    tip_sad_add(&ctx, &sa, NULL);

    /* Outbound policy: 10.1.0.0/24 -> 10.2.0.0/24 goes into the tunnel. */
    pol.dir = TIP_DIR_OUT;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = me;
    pol.tunnel_remote = peer;
    pol.sel.local_port_hi = pol.sel.remote_port_hi = 0xFFFF;   /* any port */
    tip_addr_range_prefix(&pol.sel.local, &net_a, 24);
    tip_addr_range_prefix(&pol.sel.remote, &net_b, 24);
    tip_spd_add(&ctx, &pol, TIP_SPD_APPEND, NULL);

    /* Inbound policy: only 10.2.0.0/24 -> 10.1.0.0/24 may come out of it. */
    pol.dir = TIP_DIR_IN;
    pol.tunnel_local = me;
    pol.tunnel_remote = peer;
    tip_spd_add(&ctx, &pol, TIP_SPD_APPEND, NULL);
}

/* ---- end of the README code ------------------------------------------- */

/* README.md, "The same with setkey syntax" (gateway A, 192.0.2.1). */
static const char conf[] =
    "add 192.0.2.1[4500] 192.0.2.2[4500] esp-udp 0x1001 -m tunnel\n"
    "    -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0fcafebabe;\n"
    "add 192.0.2.2[4500] 192.0.2.1[4500] esp-udp 0x2002 -m tunnel\n"
    "    -E aes-gcm-16 0x101112131415161718191a1b1c1d1e1ffacefeed;\n"
    "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;\n"
    "spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;\n";

/* Gateway B: the mirror image. */
static const char conf_b[] =
    "add 192.0.2.1[4500] 192.0.2.2[4500] esp-udp 0x1001 -m tunnel\n"
    "    -E aes-gcm-16 0x000102030405060708090a0b0c0d0e0fcafebabe;\n"
    "add 192.0.2.2[4500] 192.0.2.1[4500] esp-udp 0x2002 -m tunnel\n"
    "    -E aes-gcm-16 0x101112131415161718191a1b1c1d1e1ffacefeed;\n"
    "spdadd 10.2.0.0/24 10.1.0.0/24 any -P out ipsec esp/tunnel/192.0.2.2-192.0.2.1/require;\n"
    "spdadd 10.1.0.0/24 10.2.0.0/24 any -P in ipsec esp/tunnel/192.0.2.1-192.0.2.2/require;\n";

static void test_readme_setkey_tunnel(void **state)
{
    tip_port_t port;
    tip_addr_t me = tip_test_addr("192.0.2.1"), peer = tip_test_addr("192.0.2.2");
    tip_setkey_opts_t oa = {&me, 1}, ob = {&peer, 1};
    tip_setkey_error_t err;
    static uint8_t mem[2048], mem2[2048];
    tip_buf_t buf, in;
    tip_addr_t h1 = tip_test_addr("10.1.0.1"), h2 = tip_test_addr("10.2.0.1");
    uint8_t pl[32];
    (void)state;
    tip_test_port_init(&pa, 1, 0);
    tip_test_port_init(&pb, 2, 0);
    tip_test_port_fill(&pa, &port);
    assert_int_equal(tip_ctx_init(&a, &port), TIP_OK);
    tip_test_port_fill(&pb, &port);
    assert_int_equal(tip_ctx_init(&b, &port), TIP_OK);
    assert_int_equal(tip_setkey_apply(&a, conf, sizeof(conf) - 1, &oa, &err), TIP_OK);
    assert_int_equal(err.statements, 4);
    assert_int_equal(tip_setkey_apply(&b, conf_b, sizeof(conf_b) - 1, &ob, &err), TIP_OK);
    assert_int_equal(tip_sad_count(&a), 2);

    memset(pl, 0x42, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &h1, &h2, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&a, &buf), TIP_SENT);
    assert_int_equal(tip_test_port_last(&pa)->dport, 4500);
    assert_int_equal(tip_test_port_to_buf(tip_test_port_last(&pa), &in, mem2, sizeof(mem2),
                                          TIP_ESP_HEADROOM), TIP_OK);
    assert_int_equal(tip_input_udp(&b, &me, 4500, &peer, 4500, &in), TIP_RX_DATA);
    assert_memory_equal(in.base + in.off + 28, pl, sizeof(pl));
    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
}

/* A sends one packet 10.1.0.1 -> 10.2.0.1 from @p from; B (@p to) must
 * accept it. Returns its sequence number. */
static uint32_t one_packet(tip_ctx_t *from, tip_test_port_t *tp, tip_ctx_t *to)
{
    static uint8_t mem[2048], mem2[2048];
    tip_addr_t me = tip_test_addr("192.0.2.1"), peer = tip_test_addr("192.0.2.2");
    tip_addr_t h1 = tip_test_addr("10.1.0.1"), h2 = tip_test_addr("10.2.0.1");
    const tip_test_sent_t *s;
    uint8_t pl[32];
    tip_buf_t buf, in;

    memset(pl, 0x42, sizeof(pl));
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &h1, &h2, 1000, 2000, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(from, &buf), TIP_SENT);
    s = tip_test_port_last(tp);
    assert_int_equal(tip_test_port_to_buf(s, &in, mem2, sizeof(mem2), TIP_ESP_HEADROOM), TIP_OK);
    assert_int_equal(tip_input_udp(to, &me, 4500, &peer, 4500, &in), TIP_RX_DATA);
    return (uint32_t)s->data[4] << 24 | (uint32_t)s->data[5] << 16 |
           (uint32_t)s->data[6] << 8 | s->data[7];
}

static void test_readme_c_tunnel(void **state)
{
    static const uint8_t k1[20] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                   0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xca, 0xfe, 0xba, 0xbe};
    static const uint8_t k2[20] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
                                   0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0xfa, 0xce, 0xfe, 0xed};
    tip_addr_t peer = tip_test_addr("192.0.2.2");
    tip_setkey_opts_t ob = {&peer, 1};
    tip_setkey_error_t err;
    tip_port_t port;
    (void)state;
    /* B: the README's setkey peer (same keys: k1 = 0x0001..cafebabe). */
    tip_test_port_init(&pb, 2, 0);
    tip_test_port_fill(&pb, &port);
    assert_int_equal(tip_ctx_init(&b, &port), TIP_OK);
    assert_int_equal(tip_setkey_apply(&b, conf_b, sizeof(conf_b) - 1, &ob, &err), TIP_OK);
    /* A: the README's C code on a port with a sequence-number store. */
    tip_test_port_init(&pa, 1, 0);
    tip_test_port_fill(&pa, &port);
    tunnel_setup(&port, k1, k2);
    assert_int_equal(tip_sad_count(&ctx), 2);
    assert_int_equal(one_packet(&ctx, &pa, &b), 1);
    assert_int_equal(one_packet(&ctx, &pa, &b), 2);
    /* A restarts with the same keys: it goes on above its stored mark. */
    tip_ctx_deinit(&ctx);
    tunnel_setup(&port, k1, k2);
    assert_int_equal(one_packet(&ctx, &pa, &b), TIP_SEQ_PERSIST_STEP + 1u);
    tip_ctx_deinit(&ctx);
    /* A port without the store: the manual SAs are refused. */
    pa.no_seq_store = 1;
    tip_test_port_fill(&pa, &port);
    tunnel_setup(&port, k1, k2);
    assert_int_equal(tip_sad_count(&ctx), 0);
    tip_ctx_deinit(&ctx);
    tip_ctx_deinit(&b);
}

/* The README's setkey text applied again after a restart of both ends. */
static void test_readme_setkey_restart(void **state)
{
    tip_port_t port;
    tip_addr_t me = tip_test_addr("192.0.2.1"), peer = tip_test_addr("192.0.2.2");
    tip_setkey_opts_t oa = {&me, 1}, ob = {&peer, 1};
    tip_setkey_error_t err;
    int round;
    (void)state;
    tip_test_port_init(&pa, 1, 0);
    tip_test_port_init(&pb, 2, 0);
    for (round = 0; round < 2; round++) {
        tip_test_port_fill(&pa, &port);
        assert_int_equal(tip_ctx_init(&a, &port), TIP_OK);
        tip_test_port_fill(&pb, &port);
        assert_int_equal(tip_ctx_init(&b, &port), TIP_OK);
        assert_int_equal(tip_setkey_apply(&a, conf, sizeof(conf) - 1, &oa, &err), TIP_OK);
        assert_int_equal(tip_setkey_apply(&b, conf_b, sizeof(conf_b) - 1, &ob, &err), TIP_OK);
        assert_int_equal(one_packet(&a, &pa, &b), 1u + (uint32_t)round * TIP_SEQ_PERSIST_STEP);
        tip_ctx_deinit(&a);
        tip_ctx_deinit(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_setkey_tunnel),
        cmocka_unit_test(test_readme_c_tunnel),
        cmocka_unit_test(test_readme_setkey_restart),
    };
    return cmocka_run_group_tests_name("readme", tests, NULL, NULL);
}
