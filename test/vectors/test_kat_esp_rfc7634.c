/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Known-answer test: the ESP example of RFC 7634 appendix A
 * (ChaCha20-Poly1305 in ESP, tunnel mode, an IPv4 ICMP echo request from
 * 198.51.100.5 to 192.0.2.5 as the inner packet).
 *
 *   KEYMAT  80 81 .. 9f (32-byte key) || a0 a1 a2 a3 (salt), RFC 7634 2
 *   SPI     0x01020304, sequence number 5 (no ESN: AAD = SPI || seq)
 *   IV      10 11 12 13 14 15 16 17 (nonce = salt || IV)
 *
 * What is compared:
 *  - encapsulation (tip_esp_encap_iv() with the RFC's IV on an outbound SA
 *    whose last used sequence number is 4): the whole ESP part, exactly:
 *    SPI, sequence number, IV, the 88 ciphertext bytes (84-byte inner
 *    packet, default padding 01 02, pad length 2, next header 4) and the
 *    16-byte Poly1305 tag. Of the outer IPv4 header only what does not
 *    depend on our choices (version, protocol 50, length 140, addresses,
 *    a valid checksum): the RFC's outer header bytes are not transcribed
 *    here, and its identification / TTL would come from the sender anyway.
 *  - decapsulation (tip_input_ip() on outer header + the RFC's ESP bytes,
 *    with an inbound SA and an inbound tunnel PROTECT policy): the result
 *    is the RFC's 84-byte inner packet, byte for byte.
 *
 * The ESP bytes were transcribed from RFC 7634 appendix A as quoted by
 * several independent public test suites, which agree with each other.
 *
 * tip-requires: TIP_CONF_CHACHAPOLY
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esp.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static const char rfc_keymat[] =
    "80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f"
    "90 91 92 93 94 95 96 97 98 99 9a 9b 9c 9d 9e 9f"
    "a0 a1 a2 a3";
#define RFC_SPI 0x01020304u
#define RFC_SEQ 5u
static const char rfc_iv[] = "10 11 12 13 14 15 16 17";

/* The inner packet (ICMP echo request, 84 bytes). */
static const char rfc_inner[] =
    "45 00 00 54 a6 f2 00 00 40 01 e7 78 c6 33 64 05"
    "c0 00 02 05 08 00 5b 7a 3a 08 00 00 55 3b ec 10"
    "00 07 36 27 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13"
    "14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23"
    "24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33"
    "34 35 36 37";

/* The ESP packet: SPI, sequence number, IV, ciphertext, tag. */
static const char rfc_esp[] =
    "01 02 03 04 00 00 00 05 10 11 12 13 14 15 16 17"
    "24 03 94 28 b9 7f 41 7e 3c 13 75 3a 4f 05 08 7b"
    "67 c3 52 e6 a7 fa b1 b9 82 d4 66 ef 40 7a e5 c6"
    "14 ee 80 99 d5 28 44 eb 61 aa 95 df ab 4c 02 f7"
    "2a a7 1e 7c 4c 4f 64 c9 be fe 2f ac c6 38 e8 f3"
    "cb ec 16 3f ac 46 9b 50 27 73 f6 fb 94 e6 64 da"
    "91 65 b8 28 29 f6 41 e0"
    "76 aa a8 26 6b 7f b0 f7 b1 1b 36 99 07 e1 ad 43";

/* Outer tunnel endpoints (documentation addresses; not from the RFC). */
#define OUTER_SRC "203.0.113.153"
#define OUTER_DST "203.0.113.5"

#define BUF_CAP 512
#define HEAD 128

typedef struct {
    uint8_t keymat[36];
    uint8_t iv[8];
    uint8_t inner[128];
    size_t inner_len;
    uint8_t esp[160];
    size_t esp_len;
} rfc7634_t;

static tip_test_port_t tp;
static tip_ctx_t ctx;

static void parse(rfc7634_t *v)
{
    assert_int_equal(tip_test_hex(rfc_keymat, v->keymat, sizeof(v->keymat)), 36);
    assert_int_equal(tip_test_hex(rfc_iv, v->iv, sizeof(v->iv)), 8);
    v->inner_len = tip_test_hex(rfc_inner, v->inner, sizeof(v->inner));
    assert_int_equal(v->inner_len, 84);
    v->esp_len = tip_test_hex(rfc_esp, v->esp, sizeof(v->esp));
    assert_int_equal(v->esp_len, 8 + 8 + 88 + 16);
    assert_true(tip_test_ip4_csum_ok(v->inner, 20));
}

static void ctx_setup(void)
{
    tip_port_t port;

    tip_test_port_init(&tp, 7634, 1000);
    tip_test_port_fill(&tp, &port);
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
}

static void sa_params(const rfc7634_t *v, tip_dir_t dir, tip_sa_params_t *p)
{
    memset(p, 0, sizeof(*p));
    p->spi = RFC_SPI;
    p->dir = dir;
    p->mode = TIP_MODE_TUNNEL;
    p->src = tip_test_addr(OUTER_SRC);
    p->dst = tip_test_addr(OUTER_DST);
    p->encr = TIP_ENCR_CHACHA20_POLY1305;
    p->encr_key = v->keymat; /* key || salt, as IKEv2 KEYMAT (RFC 7634 2) */
    p->encr_key_len = sizeof(v->keymat);
    p->integ = TIP_INTEG_NONE;
    if (dir == TIP_DIR_OUT)
        p->seq_start = RFC_SEQ - 1u;
}

static void test_rfc7634_encap(void **state)
{
    rfc7634_t v;
    tip_sa_params_t p;
    tip_handle_t h;
    uint8_t mem[BUF_CAP];
    tip_buf_t buf;
    const uint8_t *out;
    tip_addr_t src = tip_test_addr(OUTER_SRC), dst = tip_test_addr(OUTER_DST);

    (void)state;
    parse(&v);
    ctx_setup();
    sa_params(&v, TIP_DIR_OUT, &p);
    assert_int_equal(tip_sad_add(&ctx, &p, &h), TIP_OK);
    assert_int_equal(tip_test_buf_set(&buf, mem, sizeof(mem), HEAD, v.inner, v.inner_len),
                     TIP_OK);
    assert_int_equal(tip_esp_encap_iv(&ctx, h, &buf, v.iv), TIP_OK);
    out = tip_test_buf_data(&buf);

    assert_int_equal(buf.len, 20 + v.esp_len);
    /* ESP, exactly (AEAD: the tag is part of the RFC's packet). */
    assert_memory_equal(out + 20, v.esp, v.esp_len);
    /* Outer header: what the RFC's would share with ours. */
    assert_int_equal(out[0], 0x45);
    assert_int_equal(((size_t)out[2] << 8 | out[3]), 140);
    assert_int_equal(out[9], 50);
    assert_memory_equal(out + 12, src.addr, 4);
    assert_memory_equal(out + 16, dst.addr, 4);
    assert_true(tip_test_ip4_csum_ok(out, 20));
    tip_ctx_deinit(&ctx);
}

static void test_rfc7634_decap(void **state)
{
    rfc7634_t v;
    tip_sa_params_t p;
    tip_policy_t pol;
    tip_handle_t h;
    uint8_t mem[BUF_CAP];
    uint8_t pkt[BUF_CAP];
    size_t n;
    tip_buf_t buf;
    tip_sa_stats_t st;
    tip_addr_t src = tip_test_addr(OUTER_SRC), dst = tip_test_addr(OUTER_DST);

    (void)state;
    parse(&v);
    ctx_setup();
    sa_params(&v, TIP_DIR_IN, &p);
    assert_int_equal(tip_sad_add(&ctx, &p, &h), TIP_OK);
    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_IN;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = dst;
    pol.tunnel_remote = src;
    pol.sel.local_port_hi = 0xFFFF;
    pol.sel.remote_port_hi = 0xFFFF;
    assert_int_equal(tip_spd_add(&ctx, &pol, TIP_SPD_APPEND, NULL), TIP_OK);

    n = tip_test_pkt_ip_hdr(pkt, &src, &dst, 50, v.esp_len, 0x2345);
    assert_int_equal(n, 20);
    memcpy(pkt + n, v.esp, v.esp_len);
    n += v.esp_len;

    /* A flipped tag bit is refused first and changes nothing. */
    pkt[n - 1] ^= 0x80;
    assert_int_equal(tip_test_buf_set(&buf, mem, sizeof(mem), HEAD, pkt, n), TIP_OK);
    assert_int_equal(tip_input_ip(&ctx, &buf), TIP_ERR_AUTH);
    pkt[n - 1] ^= 0x80;

    assert_int_equal(tip_test_buf_set(&buf, mem, sizeof(mem), HEAD, pkt, n), TIP_OK);
    assert_int_equal(tip_input_ip(&ctx, &buf), TIP_RX_DATA);
    assert_int_equal(buf.len, v.inner_len);
    assert_memory_equal(tip_test_buf_data(&buf), v.inner, v.inner_len);

    assert_int_equal(tip_sad_stats(&ctx, h, &st), TIP_OK);
    assert_int_equal(st.packets, 1);
    assert_int_equal(st.seq, RFC_SEQ);
    assert_int_equal(st.drops[TIP_DROP_ICV], 1);

    /* And again: a replay. */
    assert_int_equal(tip_test_buf_set(&buf, mem, sizeof(mem), HEAD, pkt, n), TIP_OK);
    assert_int_equal(tip_input_ip(&ctx, &buf), TIP_ERR_REPLAY);
    tip_ctx_deinit(&ctx);
}

/* Both directions in one context pair: what we send, the receiver opens
 * (with the RFC's own IV, so the packet is the RFC's). */
static void test_rfc7634_roundtrip(void **state)
{
    rfc7634_t v;
    tip_sa_params_t p;
    tip_policy_t pol;
    tip_handle_t ho;
    uint8_t mem[BUF_CAP];
    tip_buf_t buf;
    tip_addr_t src = tip_test_addr(OUTER_SRC), dst = tip_test_addr(OUTER_DST);

    (void)state;
    parse(&v);
    ctx_setup();
    sa_params(&v, TIP_DIR_OUT, &p);
    assert_int_equal(tip_sad_add(&ctx, &p, &ho), TIP_OK);
    sa_params(&v, TIP_DIR_IN, &p);
    assert_int_equal(tip_sad_add(&ctx, &p, NULL), TIP_OK);
    memset(&pol, 0, sizeof(pol));
    pol.dir = TIP_DIR_IN;
    pol.action = TIP_ACTION_PROTECT;
    pol.mode = TIP_MODE_TUNNEL;
    pol.tunnel_local = dst;
    pol.tunnel_remote = src;
    pol.sel.local_port_hi = 0xFFFF;
    pol.sel.remote_port_hi = 0xFFFF;
    assert_int_equal(tip_spd_add(&ctx, &pol, TIP_SPD_APPEND, NULL), TIP_OK);

    assert_int_equal(tip_test_buf_set(&buf, mem, sizeof(mem), HEAD, v.inner, v.inner_len),
                     TIP_OK);
    assert_int_equal(tip_esp_encap_iv(&ctx, ho, &buf, v.iv), TIP_OK);
    assert_int_equal(tip_input_ip(&ctx, &buf), TIP_RX_DATA);
    assert_int_equal(buf.len, v.inner_len);
    assert_memory_equal(tip_test_buf_data(&buf), v.inner, v.inner_len);
    tip_ctx_deinit(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7634_encap),
        cmocka_unit_test(test_rfc7634_decap),
        cmocka_unit_test(test_rfc7634_roundtrip),
    };
    return cmocka_run_group_tests_name("kat_esp_rfc7634", tests, NULL, NULL);
}
