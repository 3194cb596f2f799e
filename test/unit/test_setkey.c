/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Manual keying from setkey(8) text: a realistic configuration lands in the
 * SAD and SPD as the public API sees it, and every error names its line and
 * column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/setkey.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_test_port.h"

#if TIP_CONF_SETKEY

/* ---- a minimal port ---------------------------------------------------- */

static uint64_t port_now(void *arg)
{
    (void)arg;
    return 1000;
}

static int port_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    memset(out, 0x5A, len);
    return 0;
}

static int port_send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                         uint16_t dport, const uint8_t *data, size_t len)
{
    (void)arg, (void)src, (void)sport, (void)dst, (void)dport, (void)data, (void)len;
    return 0;
}

static int port_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg, (void)pkt, (void)len;
    return 0;
}

/* Manual keys need a sequence-number store: the test port's, in memory
 * (arg points at it; the functions above ignore arg). A fresh one for
 * every test. */
static tip_test_port_t store_tp;
static tip_port_t test_port = {port_send_udp, port_send_ip, port_now, port_random, NULL,
                               NULL, NULL, NULL, NULL};

static void fresh_store(void)
{
    tip_port_t p;
    tip_test_port_init(&store_tp, 1, 0);
    tip_test_port_fill(&store_tp, &p);
    test_port.seq_load = p.seq_load;
    test_port.seq_store = p.seq_store;
    test_port.arg = &store_tp;
}

static tip_ctx_t ctx;
static tip_addr_t locals[2];
static tip_setkey_opts_t opts;

static tip_addr_t A(const char *text)
{
    tip_addr_t a;
    assert_int_equal(tip_addr_parse(&a, text), TIP_OK);
    return a;
}

static int setup(void **state)
{
    (void)state;
    fresh_store();
    assert_int_equal(tip_ctx_init(&ctx, &test_port), TIP_OK);
    locals[0] = A("192.0.2.1");
    opts.local = locals;
    opts.local_count = 1;
#if TIP_CONF_IPV6
    locals[1] = A("2001:db8::1");
    opts.local_count = 2;
#endif
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tip_ctx_deinit(&ctx);
    return 0;
}

static int apply(const char *text, tip_setkey_error_t *err)
{
    return tip_setkey_apply(&ctx, text, strlen(text), &opts, err);
}

/* Applies @p text, expects @p code at @p line / @p col and @p msg in the message. */
static void expect_error(const char *text, int code, unsigned line, unsigned col, const char *msg)
{
    tip_setkey_error_t err;
    unsigned before = tip_sad_count(&ctx);
    int rc = apply(text, &err);

    if (rc != code || err.line != line || err.column != col || strstr(err.msg, msg) == NULL)
        fail_msg("for:\n%s\ngot %d at %u:%u \"%s\"\nwant %d at %u:%u containing \"%s\"", text, rc,
                 err.line, err.column, err.msg, code, line, col, msg);
    assert_int_equal(err.code, code);
    /* a refused text changes nothing */
    assert_int_equal(tip_sad_count(&ctx), before);
}

static void expect_ok(const char *text)
{
    tip_setkey_error_t err;
    int rc = apply(text, &err);

    if (rc != TIP_OK)
        fail_msg("for:\n%s\ngot %d: %s", text, rc, err.msg);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.msg, "");
}

static tip_flow_t flow(const char *local, const char *remote, uint8_t proto, uint16_t lport,
                       uint16_t rport)
{
    tip_flow_t f;
    memset(&f, 0, sizeof(f));
    f.local = A(local);
    f.remote = A(remote);
    f.proto = proto;
    f.local_port = lport;
    f.remote_port = rport;
    return f;
}

static tip_policy_t lookup(tip_dir_t dir, const tip_flow_t *f)
{
    tip_handle_t h;
    tip_policy_t pol;

    assert_int_equal(tip_spd_lookup(&ctx, dir, f, &h), TIP_OK);
    assert_int_equal(tip_spd_get(&ctx, h, &pol), TIP_OK);
    return pol;
}

/* ---- the good path ----------------------------------------------------- */

/* A site-to-site tunnel as a KAME user writes it: GCM one way, CBC+HMAC
 * the other, policies both ways, plus a bypass for IKE and a discard. */
static const char site_conf[] =
    "#!/usr/sbin/setkey -f\n"
    "flush;\n"
    "spdflush;\n"
    "\n"
    "# outbound: us (192.0.2.1) -> peer (198.51.100.7)\n"
    "add 192.0.2.1 198.51.100.7 esp 0x1001 -m tunnel -u 7 -lh 3600 -ls 3000\n"
    "    -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011223344;\n"
    "# inbound\n"
    "add 198.51.100.7 192.0.2.1 esp 4098 -m tunnel -r 64\n"
    "    -E rijndael-cbc 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "    -A hmac-sha256 \"0123456789abcdef0123456789abcdef\";\n"
    "\n"
    "spdadd 10.1.0.0/16[any] 10.2.0.0/16[any] any -P out ipsec\n"
    "    esp/tunnel/192.0.2.1-198.51.100.7/unique:7;\n"
    "spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec esp/tunnel/198.51.100.7-192.0.2.1/require;\n"
    "spdadd 0.0.0.0/0[500] 0.0.0.0/0[500] udp -P out none; # IKE in clear\n"
    "spdadd 10.1.0.0/16 10.9.0.0/16 any -P out discard;\n";

static void test_site_to_site(void **state)
{
    tip_setkey_error_t err;
    tip_handle_t h;
    tip_sa_stats_t st;
    tip_policy_t pol;
    tip_flow_t f;
    tip_addr_t dst = A("192.0.2.1");

    (void)state;
    assert_int_equal(apply(site_conf, &err), TIP_OK);
    assert_int_equal(err.statements, 8);
    assert_int_equal(tip_sad_count(&ctx), 2);

    /* inbound SA found by SPI and our address; outbound is not "inbound" */
    assert_int_equal(tip_sad_find_inbound(&ctx, 4098, &dst, &h), TIP_OK);
    assert_int_equal(tip_sad_stats(&ctx, h, &st), TIP_OK);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x1001, NULL, &h), TIP_ERR_NOT_FOUND);

    /* outbound 10.1.2.3 -> 10.2.0.9: PROTECT, tunnel, local-remote endpoints */
    f = flow("10.1.2.3", "10.2.0.9", 6, 40000, 22);
    pol = lookup(TIP_DIR_OUT, &f);
    assert_int_equal(pol.action, TIP_ACTION_PROTECT);
    assert_int_equal(pol.mode, TIP_MODE_TUNNEL);
    assert_int_equal(pol.reqid, 7);
    assert_memory_equal(&pol.tunnel_local, &locals[0], sizeof(tip_addr_t));
    dst = A("198.51.100.7");
    assert_memory_equal(&pol.tunnel_remote, &dst, sizeof(tip_addr_t));
    assert_int_equal(pol.sel.proto, 0);
    assert_int_equal(pol.sel.local_port_lo, 0);
    assert_int_equal(pol.sel.local_port_hi, 65535);

    /* inbound: DST is local, B of A-B is our end */
    f = flow("10.1.2.3", "10.2.0.9", 6, 22, 40000);
    pol = lookup(TIP_DIR_IN, &f);
    assert_int_equal(pol.action, TIP_ACTION_PROTECT);
    assert_int_equal(pol.dir, TIP_DIR_IN);
    assert_memory_equal(&pol.tunnel_local, &locals[0], sizeof(tip_addr_t));
    assert_memory_equal(&pol.tunnel_remote, &dst, sizeof(tip_addr_t));
    assert_int_equal(pol.reqid, 0);
    /* the reverse flow is not covered inbound */
    f = flow("10.2.0.9", "10.1.2.3", 6, 22, 40000);
    assert_int_equal(tip_spd_lookup(&ctx, TIP_DIR_IN, &f, &h), TIP_ERR_NOT_FOUND);

    /* IKE bypass: ports and protocol */
    f = flow("192.0.2.1", "198.51.100.7", 17, 500, 500);
    pol = lookup(TIP_DIR_OUT, &f);
    assert_int_equal(pol.action, TIP_ACTION_BYPASS);
    assert_int_equal(pol.sel.proto, 17);
    assert_int_equal(pol.sel.local_port_lo, 500);
    assert_int_equal(pol.sel.remote_port_hi, 500);
    f = flow("192.0.2.1", "198.51.100.7", 17, 501, 500);
    assert_int_equal(tip_spd_lookup(&ctx, TIP_DIR_OUT, &f, &h), TIP_ERR_NOT_FOUND);

    /* discard */
    f = flow("10.1.0.1", "10.9.1.1", 1, 0, 0);
    pol = lookup(TIP_DIR_OUT, &f);
    assert_int_equal(pol.action, TIP_ACTION_DISCARD);

    /* flush / spdflush empty the tables; a second apply is idempotent */
    expect_ok("flush; spdflush;");
    assert_int_equal(tip_sad_count(&ctx), 0);
    f = flow("10.1.2.3", "10.2.0.9", 6, 40000, 22);
    assert_int_equal(tip_spd_lookup(&ctx, TIP_DIR_OUT, &f, &h), TIP_ERR_NOT_FOUND);
    assert_int_equal(apply(site_conf, &err), TIP_OK);
    assert_int_equal(apply(site_conf, &err), TIP_OK);
    assert_int_equal(tip_sad_count(&ctx), 2);
}

/* The same SA text read on both hosts: the local addresses turn each SA
 * around, and a packet protected by one context is accepted by the other. */
static const char pair_sas[] =
    "add 192.0.2.1 198.51.100.7 esp 0x1001 -m tunnel\n"
    "  -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011223344;\n"
    "add 198.51.100.7 192.0.2.1 esp 0x1002 -m tunnel\n"
    "  -E aes-cbc 0x000102030405060708090a0b0c0d0e0f\n"
    "  -A hmac-sha256 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;\n";

static uint8_t sent[512];
static size_t sent_len;

static int capture_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    assert_true(len <= sizeof(sent));
    memcpy(sent, pkt, len);
    sent_len = len;
    return 0;
}

static void ipv4_checksum(uint8_t *h)
{
    uint32_t sum = 0;
    unsigned i;

    h[10] = h[11] = 0;
    for (i = 0; i < 20; i += 2)
        sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    h[10] = (uint8_t)(~sum >> 8);
    h[11] = (uint8_t)~sum;
}

static void test_two_peers(void **state)
{
    static tip_ctx_t peer;
    tip_port_t port = test_port;
    tip_addr_t peer_addr = A("198.51.100.7");
    tip_setkey_opts_t peer_opts = {&peer_addr, 1};
    tip_setkey_error_t err;
    uint8_t inner[28] = {0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 1, 2, 3,
                         10, 2, 0, 9, 0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0};
    static const char peer_spd[] = "spdadd 10.1.0.0/16 10.2.0.0/16 any -P in ipsec "
                                   "esp/tunnel/192.0.2.1-198.51.100.7/require;";
    uint8_t mem[256];
    tip_buf_t b;
    int rc;

    (void)state;
    port.send_ip = capture_ip;
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
    assert_int_equal(tip_ctx_init(&peer, &port), TIP_OK);
    ipv4_checksum(inner);
    assert_int_equal(apply(pair_sas, &err), TIP_OK);
    assert_int_equal(apply("spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec "
                           "esp/tunnel/192.0.2.1-198.51.100.7/require;", &err), TIP_OK);
    assert_int_equal(tip_setkey_apply(&peer, pair_sas, strlen(pair_sas), &peer_opts, &err),
                     TIP_OK);
    rc = tip_setkey_apply(&peer, peer_spd, strlen(peer_spd), &peer_opts, &err);
    assert_int_equal(rc, TIP_OK);
    /* the peer sees 0x1001 as inbound, we see 0x1002 as inbound */
    assert_int_equal(tip_sad_find_inbound(&peer, 0x1001, &peer_addr, NULL), TIP_OK);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x1002, &locals[0], NULL), TIP_OK);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x1001, NULL, NULL), TIP_ERR_NOT_FOUND);

    memset(mem, 0, sizeof(mem));
    memcpy(mem + TIP_ESP_HEADROOM, inner, sizeof(inner));
    b.base = mem;
    b.cap = sizeof(mem);
    b.off = TIP_ESP_HEADROOM;
    b.len = sizeof(inner);
    sent_len = 0;
    assert_int_equal(tip_output(&ctx, &b), TIP_SENT);
    assert_true(sent_len > sizeof(inner));
    memset(mem, 0, sizeof(mem));
    memcpy(mem, sent, sent_len);
    b.off = 0;
    b.len = sent_len;
    assert_int_equal(tip_input_ip(&peer, &b), TIP_RX_DATA);
    assert_int_equal(b.len, sizeof(inner));
    assert_memory_equal(b.base + b.off, inner, sizeof(inner));
    tip_ctx_deinit(&peer);
}

static void test_comments_multiline(void **state)
{
    tip_setkey_error_t err;
    tip_handle_t h;

    (void)state;
    assert_int_equal(apply("# only a comment\n"
                           "add # the verb\n"
                           "  192.0.2.1   # src\n"
                           "\t198.51.100.7 # dst\n"
                           "  esp\n"
                           "  0x2000\n"
                           "  -E\n"
                           "  chacha20-poly1305\n"
                           "  0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                           "01020304 # 32 + 4\n"
                           "  ;;; # empty statements are fine\n"
                           "add 198.51.100.7 192.0.2.1 esp 8193 -E rfc7539esp(chacha20,poly1305)"
                           " \"0123456789abcdef0123456789abcdefSALT\"; # string key",
                           &err),
                     TIP_OK);
    assert_int_equal(err.statements, 2);
    assert_int_equal(tip_sad_count(&ctx), 2);
    assert_int_equal(tip_sad_find_inbound(&ctx, 8193, NULL, &h), TIP_OK);
    /* "-m any" is transport; "null" takes no key, or an empty string */
    expect_ok("add 192.0.2.1 198.51.100.8 esp 0x2100 -m any -E null -A hmac-sha256 "
              "0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f;"
              "add 192.0.2.1 198.51.100.8 esp 0x2101 -E null \"\" -A hmac-sha256 "
              "0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f;");
    assert_int_equal(tip_sad_count(&ctx), 4);
    /* CRLF line ends and a text without a trailing newline */
    expect_ok("flush;\r\nadd 192.0.2.1 198.51.100.9 esp 300 -E aes-gcm 0x"
              "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2011223344;");
    assert_int_equal(tip_sad_count(&ctx), 1);
    /* an empty text is fine */
    assert_int_equal(tip_setkey_apply(&ctx, "", 0, &opts, &err), TIP_OK);
    assert_int_equal(tip_setkey_apply(&ctx, NULL, 0, NULL, NULL), TIP_OK);
}

#if TIP_CONF_IPV6 && TIP_CONF_NATT
static void test_ipv6_and_natt(void **state)
{
    tip_setkey_error_t err;
    tip_handle_t h;
    tip_policy_t pol;
    tip_flow_t f;
    tip_addr_t me6 = A("2001:db8::1");

    (void)state;
    assert_int_equal(
        apply("add 2001:db8::1 2001:DB8:0:0::2 esp 0x3000 -m transport\n"
              "  -E aes-cbc 0x000102030405060708090a0b0c0d0e0f -A hmac-sha512 0x"
              "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
              "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;\n"
              "add 2001:db8::2 2001:db8::1 esp 0x3001 -E null -A hmac-sha384 0x"
              "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
              "000102030405060708090a0b0c0d0e0f;\n"
              "add 203.0.113.5[4500] 192.0.2.1[4501] esp-udp 0x4000 -m tunnel\n"
              "  -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011223344;\n"
              "add 192.0.2.1 203.0.113.5 esp-udp 0x4001 -m tunnel\n"
              "  -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011223344;\n"
              "spdadd 2001:db8:1::/48[any] 2001:db8:2::/48[443] tcp -P out ipsec\n"
              "  esp/tunnel/2001:db8::1-2001:db8::2/require;\n"
              "spdadd ::/0 fe80::/10 icmp6 -P in none;\n"
              "spdadd 2001:db8::2 2001:db8::1 ipv6-icmp -P in ipsec esp/transport//require;\n",
              &err),
        TIP_OK);
    assert_int_equal(tip_sad_count(&ctx), 4);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x3001, &me6, &h), TIP_OK);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x4000, &locals[0], &h), TIP_OK);
    assert_int_equal(ctx.sa[(h & 0xFFFF) - 1].natt_sport, 4500);
    assert_int_equal(ctx.sa[(h & 0xFFFF) - 1].natt_dport, 4501);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x3000, NULL, &h), TIP_ERR_NOT_FOUND);

    f = flow("2001:db8:1::5", "2001:db8:2:ffff::1", 6, 50000, 443);
    pol = lookup(TIP_DIR_OUT, &f);
    assert_int_equal(pol.mode, TIP_MODE_TUNNEL);
    assert_int_equal(pol.sel.remote_port_lo, 443);
    assert_int_equal(pol.tunnel_local.family, TIP_AF_INET6);
    assert_memory_equal(&pol.tunnel_local, &me6, sizeof(me6));
    f = flow("2001:db8:1::5", "2001:db8:3::1", 6, 50000, 443);
    assert_int_equal(tip_spd_lookup(&ctx, TIP_DIR_OUT, &f, &h), TIP_ERR_NOT_FOUND);
    f = flow("fe80::1", "2001:db8::77", 58, 0, 0);
    pol = lookup(TIP_DIR_IN, &f);
    assert_int_equal(pol.action, TIP_ACTION_BYPASS);
    f = flow("2001:db8::1", "2001:db8::2", 58, 0, 0);
    pol = lookup(TIP_DIR_IN, &f);
    assert_int_equal(pol.action, TIP_ACTION_PROTECT);
    assert_int_equal(pol.mode, TIP_MODE_TRANSPORT);
}

#endif

static void test_delete(void **state)
{
    tip_handle_t h;

    (void)state;
    expect_ok("add 198.51.100.7 192.0.2.1 esp 0x5000 -E aes-gcm-16 "
              "0x0102030405060708090a0b0c0d0e0f1011223344;"
              "add 192.0.2.1 198.51.100.7 esp 0x5000 -E aes-gcm-16 "
              "0x0102030405060708090a0b0c0d0e0f1011223344;");
    assert_int_equal(tip_sad_count(&ctx), 2);
    expect_ok("delete 198.51.100.7 192.0.2.1 esp 0x5000;");
    assert_int_equal(tip_sad_count(&ctx), 1);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x5000, NULL, &h), TIP_ERR_NOT_FOUND);
    expect_ok("delete 192.0.2.1 198.51.100.7 esp 20480;"); /* outbound, decimal SPI */
    assert_int_equal(tip_sad_count(&ctx), 0);
    expect_error("\n  delete 192.0.2.1 198.51.100.7 esp 0x5000;", TIP_ERR_NOT_FOUND, 2, 3,
                 "no SA");
}

static void test_replay_and_lifetimes(void **state)
{
    tip_handle_t h;
    const tip_sa_t *sa;

    (void)state;
    expect_ok("add 198.51.100.7 192.0.2.1 esp 0x6000 -r 0 -E aes-gcm-16 "
              "0x0102030405060708090a0b0c0d0e0f1011223344;"
              "add 198.51.100.7 192.0.2.1 esp 0x6001 -r 32 -ls 10 -lh 20 -bs 1000 -bh 2000 "
              "-E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011223344;");
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x6000, NULL, &h), TIP_OK);
    sa = &ctx.sa[(h & 0xFFFF) - 1];
    assert_int_equal(sa->no_replay, 1);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x6001, NULL, &h), TIP_OK);
    sa = &ctx.sa[(h & 0xFFFF) - 1];
    assert_int_equal(sa->no_replay, 0);
    assert_int_equal(sa->soft.seconds, 10);
    assert_int_equal(sa->hard.seconds, 20);
    assert_int_equal(sa->soft.bytes, 1000);
    assert_int_equal(sa->hard.bytes, 2000);
}

static void test_dry_run(void **state)
{
    tip_setkey_error_t err;
    static const char bad[] = "add 192.0.2.1 198.51.100.7 esp 0x1001\n"
                              "  -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011223344;\n"
                              "add 192.0.2.1 198.51.100.7 esp 0x1002 -E 3des-cbc 0x00;\n";

    (void)state;
    assert_int_equal(tip_setkey_parse(site_conf, strlen(site_conf), &opts, &err),
                     TIP_OK);
    assert_int_equal(err.statements, 8);
    assert_int_equal(tip_sad_count(&ctx), 0);
    assert_int_equal(tip_setkey_parse(bad, strlen(bad), &opts, &err), TIP_ERR_DEPRECATED);
    assert_int_equal(err.statements, 1);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 42);
    assert_int_equal(tip_setkey_parse(bad, strlen(bad), &opts, NULL), TIP_ERR_DEPRECATED);
    /* apply validates everything first: the good first line is not applied */
    assert_int_equal(tip_setkey_apply(&ctx, bad, strlen(bad), &opts, &err), TIP_ERR_DEPRECATED);
    assert_int_equal(tip_sad_count(&ctx), 0);
    assert_int_equal(tip_setkey_apply(NULL, bad, strlen(bad), &opts, &err), TIP_ERR_ARG);
}

/* A runtime error from the SAD stops at that statement; earlier ones stay. */
static void test_sad_error(void **state)
{
    tip_setkey_error_t err;

    (void)state;
    assert_int_equal(apply("add 198.51.100.7 192.0.2.1 esp 0x7000 -E aes-gcm-16 "
                           "0x0102030405060708090a0b0c0d0e0f1011223344;\n"
                           "add 198.51.100.7 192.0.2.1 esp 0x7000 -E aes-gcm-16 "
                           "0x0102030405060708090a0b0c0d0e0f1011223344;\n",
                           &err),
                     TIP_ERR_EXISTS);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 1);
    assert_int_equal(err.statements, 1);
    assert_non_null(strstr(err.msg, "add failed"));
    assert_int_equal(tip_sad_count(&ctx), 1);
}

/* ---- errors ------------------------------------------------------------ */

#define GCM "-E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f1011223344"

static void test_syntax_errors(void **state)
{
    (void)state;
    /* missing ';': reported just after the last token of the statement */
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 " GCM "\n"
                 "add 192.0.2.1 198.51.100.7 esp 0x1002 " GCM ";\n",
                 TIP_ERR_PARSE, 1, 95, "missing ';'");
    expect_error("flush;\nspdflush", TIP_ERR_PARSE, 2, 9, "missing ';'");
    expect_error("flush esp ah;", TIP_ERR_PARSE, 1, 11, "unexpected 'ah'; expected ';'");
    /* unknown statements and options */
    expect_error("flush;\n  frobnicate 1 2;", TIP_ERR_PARSE, 2, 3,
                 "unknown statement 'frobnicate'");
    expect_error("dump;", TIP_ERR_PARSE, 1, 1, "statement 'dump' is not supported");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -x 1 " GCM ";", TIP_ERR_PARSE, 1, 39,
                 "unsupported option '-x'");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -m tunnel -m tunnel " GCM ";",
                 TIP_ERR_PARSE, 1, 49, "option -m given twice");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -m bogus " GCM ";", TIP_ERR_PARSE, 1, 42,
                 "expected tunnel, transport or any");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 junk " GCM ";", TIP_ERR_PARSE, 1, 39,
                 "unexpected 'junk'");
    /* addresses and SPIs */
    expect_error("add 192.0.2.256 198.51.100.7 esp 0x1001 " GCM ";", TIP_ERR_PARSE, 1, 5,
                 "invalid address '192.0.2.256'");
#if TIP_CONF_IPV6
    expect_error("add 192.0.2.1 2001:db8::2 esp 0x1001 " GCM ";", TIP_ERR_PARSE, 1, 15,
                 "address family");
#endif
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1g01 " GCM ";", TIP_ERR_PARSE, 1, 32,
                 "invalid SPI '0x1g01'");
    expect_error("add 192.0.2.1 198.51.100.7 esp 255 " GCM ";", TIP_ERR_PARSE, 1, 32,
                 "reserved (RFC 4303 2.1)");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x100000000 " GCM ";", TIP_ERR_PARSE, 1, 32,
                 "invalid SPI");
    expect_error("add 192.0.2.1 198.51.100.7 esp", TIP_ERR_PARSE, 1, 31,
                 "invalid SPI 'end of input'");
    expect_error("add 192.0.2.1 198.51.100.7 tcp 0x1001 " GCM ";", TIP_ERR_PARSE, 1, 28,
                 "expected esp or esp-udp");
    expect_error("add 192.0.2.1 198.51.100.7 ah 0x1001 " GCM ";", TIP_ERR_UNSUPPORTED, 1, 28,
                 "protocol ah is not supported");
    expect_error("add 192.0.2.1/32 198.51.100.7 esp 0x1001 " GCM ";", TIP_ERR_PARSE, 1, 14,
                 "no prefix length");
    expect_error("add 192.0.2.1[4500] 198.51.100.7 esp 0x1001 " GCM ";", TIP_ERR_PARSE, 1, 14,
                 "ports are only for esp-udp");
    expect_error("add 192.0.2.1[any] 198.51.100.7 esp-udp 0x1001 " GCM ";", TIP_ERR_PARSE, 1,
                 14, "esp-udp needs a UDP port");
    expect_error("add 192.0.2.1[70000] 198.51.100.7 esp-udp 0x1001 " GCM ";", TIP_ERR_PARSE, 1,
                 14, "invalid port '[70000]'");
    expect_error("add 192.0.2.1[4500 198.51.100.7 esp-udp 0x1001 " GCM ";", TIP_ERR_PARSE, 1,
                 14, "invalid port");
    /* in a statement over several lines, the line of the offending token */
    expect_error("add\n 192.0.2.1\n  198.51.100.7[0] esp-udp 0x1001 " GCM ";", TIP_ERR_PARSE, 3,
                 15, "esp-udp needs a UDP port");
    expect_error("spdadd 10.0.0.0/8\n\t10.1.0.0/16[80]\n any -P out none;", TIP_ERR_PARSE, 2,
                 13, "a port needs a protocol with ports");
    /* strings and control characters */
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-gcm-16 \"abc\n\";", TIP_ERR_PARSE,
                 1, 53, "unterminated string");
    expect_error("flush;\n\x01", TIP_ERR_PARSE, 2, 1, "control character");
    /* missing pieces */
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -m tunnel;", TIP_ERR_PARSE, 1, 48,
                 "missing -E");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-cbc "
                 "0x000102030405060708090a0b0c0d0e0f;",
                 TIP_ERR_PARSE, 1, 84, "aes-cbc needs an integrity algorithm (-A)");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 " GCM " -A hmac-sha256 "
                 "0x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f;",
                 TIP_ERR_PARSE, 1, 96, "aes-gcm-16 is an AEAD cipher: remove -A");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E", TIP_ERR_PARSE, 1, 41,
                 "expected an encryption algorithm, got 'end of input'");
}

static void test_key_errors(void **state)
{
    (void)state;
    /* bad hex: the column of the bad digit */
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001\n"
                 "  -E aes-gcm-16 0x01020304050607080z0a0b0c0d0e0f1011223344;",
                 TIP_ERR_PARSE, 2, 36, "invalid hex digit 'z'");
    /* odd length: the column of the key */
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001\n"
                 "  -E aes-gcm-16 0x0102030405060708090a0b0c0d0e0f101122334;",
                 TIP_ERR_PARSE, 2, 17, "odd number of hex digits");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-gcm-16 0x;", TIP_ERR_PARSE, 1,
                 53, "empty key");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-gcm-16 0102;", TIP_ERR_PARSE, 1,
                 53, "expected a key");
    /* lengths */
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-gcm-16 "
                 "0x0102030405060708090a0b0c0d0e0f10;",
                 TIP_ERR_KEY_LEN, 1, 53,
                 "aes-gcm-16 key must be 20 or 36 bytes (16 or 32 + 4 salt), got 16");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E chacha20-poly1305 "
                 "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;",
                 TIP_ERR_KEY_LEN, 1, 60, "got 32");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-cbc \"short\" "
                 "-A hmac-sha256 0x00;",
                 TIP_ERR_KEY_LEN, 1, 50, "aes-cbc key must be 16 or 32 bytes, got 5");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-cbc "
                 "0x000102030405060708090a0b0c0d0e0f -A hmac-sha256 0x0001;",
                 TIP_ERR_KEY_LEN, 1, 100, "hmac-sha256 key must be 32 bytes, got 2");
    /* longer than any key: 65 bytes */
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-cbc "
                 "0x000102030405060708090a0b0c0d0e0f -A hmac-sha512 0x"
                 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00;",
                 TIP_ERR_KEY_LEN, 1, 100, "got 65");
}

static void test_deprecated(void **state)
{
    static const char *const enc[] = {"des-cbc",     "3des-cbc",  "blowfish-cbc",
                                      "cast128-cbc", "des-deriv", "3des-deriv"};
    static const char *const auth[] = {"hmac-md5", "hmac-sha1", "keyed-md5", "keyed-sha1"};
    char text[256], want[96];
    size_t i;

    (void)state;
    expect_error("flush;\n\n"
                 "add 192.0.2.1 198.51.100.7 esp 0x1001 -E 3des-cbc 0x00;",
                 TIP_ERR_DEPRECATED, 3, 42,
                 "line 3, column 42: 3des-cbc is deprecated (RFC 8221); use aes-gcm-16");
    for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
        strcpy(text, "add 192.0.2.1 198.51.100.7 esp 0x1001 -E ");
        strcat(text, enc[i]);
        strcat(text, " 0x0011;");
        strcpy(want, enc[i]);
        strcat(want, " is deprecated (RFC 8221); use aes-gcm-16");
        expect_error(text, TIP_ERR_DEPRECATED, 1, 42, want);
    }
    for (i = 0; i < sizeof(auth) / sizeof(auth[0]); i++) {
        strcpy(text, "add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-cbc "
                     "0x000102030405060708090a0b0c0d0e0f -A ");
        strcat(text, auth[i]);
        strcat(text, " 0x00;");
        strcpy(want, auth[i]);
        strcat(want, " is deprecated (RFC 8221); use hmac-sha256");
        expect_error(text, TIP_ERR_DEPRECATED, 1, 88, want);
    }
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E twofish-cbc 0x00;",
                 TIP_ERR_UNSUPPORTED, 1, 42, "unsupported encryption algorithm 'twofish-cbc'");
    expect_error("add 192.0.2.1 198.51.100.7 esp 0x1001 -E aes-cbc "
                 "0x000102030405060708090a0b0c0d0e0f -A aes-xcbc-mac 0x00;",
                 TIP_ERR_UNSUPPORTED, 1, 88, "unsupported integrity algorithm 'aes-xcbc-mac'");
}

static void test_direction(void **state)
{
    tip_setkey_error_t err;
    tip_setkey_opts_t none = {NULL, 0};
    static const char sa[] = "add 203.0.113.1 203.0.113.2 esp 0x1001 " GCM ";";

    (void)state;
    expect_error(sa, TIP_ERR_PARSE, 1, 1, "neither address is local: add -dir in|out");
#if TIP_CONF_IPV6
    expect_error("\n add 192.0.2.1 2001:db8::1 esp 0x1001 " GCM ";", TIP_ERR_PARSE, 2, 16,
                 "address family");
#endif
    expect_error("add 192.0.2.1 192.0.2.1 esp 0x1001 " GCM ";", TIP_ERR_PARSE, 1, 1,
                 "both addresses are local");
    assert_int_equal(tip_setkey_apply(&ctx, sa, strlen(sa), &none, &err), TIP_ERR_PARSE);
    assert_non_null(strstr(err.msg, "no local addresses declared"));
    assert_int_equal(tip_setkey_apply(&ctx, sa, strlen(sa), NULL, &err), TIP_ERR_PARSE);
    expect_error("add 203.0.113.1 203.0.113.2 esp 0x1001 -dir sideways " GCM ";", TIP_ERR_PARSE,
                 1, 45, "expected in or out");
    /* -dir overrides, even with no local addresses */
    static const char sa_in[] = "add 203.0.113.1 203.0.113.2 esp 0x1001 -dir in " GCM ";";
    assert_int_equal(tip_setkey_apply(&ctx, sa_in, strlen(sa_in), NULL, &err), TIP_OK);
    assert_int_equal(tip_sad_find_inbound(&ctx, 0x1001, NULL, NULL), TIP_OK);
}

static void test_spd_errors(void **state)
{
    (void)state;
    expect_error("spdadd 10.0.0.0/33 10.1.0.0/16 any -P out none;", TIP_ERR_PARSE, 1, 17,
                 "invalid prefix length '33'");
    expect_error("spdadd 10.0.0.0/ 10.1.0.0/16 any -P out none;", TIP_ERR_PARSE, 1, 17,
                 "invalid prefix length ''");
    expect_error("spdadd 10.0.0.0/024 10.1.0.0/16 any -P out none;", TIP_ERR_PARSE, 1, 17,
                 "invalid prefix length '024'");
#if TIP_CONF_IPV6
    expect_error("spdadd 10.0.0.0/8 2001:db8::/129 any -P out none;", TIP_ERR_PARSE, 1, 30,
                 "invalid prefix length '129'");
    expect_error("spdadd 10.0.0.0/8 2001:db8::/64 any -P out none;", TIP_ERR_PARSE, 1, 19,
                 "address family");
#endif
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 gre -P out none;", TIP_ERR_PARSE, 1, 31,
                 "unknown upper-layer protocol 'gre'");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 256 -P out none;", TIP_ERR_PARSE, 1, 31,
                 "unknown upper-layer protocol '256'");
    expect_error("spdadd 10.0.0.0/8[80] 10.1.0.0/16 any -P out none;", TIP_ERR_PARSE, 1, 18,
                 "a port needs a protocol with ports");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -p out none;", TIP_ERR_PARSE, 1, 35,
                 "expected -P");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P fwd none;", TIP_ERR_PARSE, 1, 38,
                 "expected in or out, got 'fwd'");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out allow;", TIP_ERR_PARSE, 1, 42,
                 "expected ipsec, none or discard");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec;", TIP_ERR_PARSE, 1, 47,
                 "expected a rule");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/tunnel;", TIP_ERR_PARSE,
                 1, 48, "invalid rule 'esp/tunnel'");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec ah/transport//require;",
                 TIP_ERR_UNSUPPORTED, 1, 48, "ah is not supported");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/beet//require;",
                 TIP_ERR_PARSE, 1, 52, "expected tunnel or transport, got 'beet'");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/tunnel//require;",
                 TIP_ERR_PARSE, 1, 59, "tunnel mode needs endpoints");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/tunnel/1.2.3.4/require;",
                 TIP_ERR_PARSE, 1, 59, "invalid tunnel endpoints '1.2.3.4'; expected A-B");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec "
                 "esp/tunnel/1.2.3.4-1.2.3.999/require;",
                 TIP_ERR_PARSE, 1, 67, "invalid tunnel endpoint '1.2.3.999'");
#if TIP_CONF_IPV6
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec "
                 "esp/tunnel/1.2.3.4-2001:db8::1/require;",
                 TIP_ERR_PARSE, 1, 67, "differs from the other endpoint");
#endif
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/transport/1.2.3.4-1.2.3.5/"
                 "require;",
                 TIP_ERR_PARSE, 1, 62, "transport mode takes no endpoints");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/transport//use;",
                 TIP_ERR_UNSUPPORTED, 1, 63, "level 'use' is not supported");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/transport//default;",
                 TIP_ERR_UNSUPPORTED, 1, 63, "level 'default'");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/transport//unique:x;",
                 TIP_ERR_PARSE, 1, 70, "invalid reqid 'x'");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/transport//maybe;",
                 TIP_ERR_PARSE, 1, 63, "invalid level 'maybe'");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/transport//require "
                 "ah/transport//require;",
                 TIP_ERR_UNSUPPORTED, 1, 71, "a second rule");
    expect_error("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out none\n", TIP_ERR_PARSE, 1, 46,
                 "missing ';'");
}

static void test_spd_levels(void **state)
{
    tip_policy_t pol;
    tip_flow_t f;

    (void)state;
    expect_ok("spdadd 10.0.0.0/8 10.1.0.0/16 tcp -P out ipsec esp/transport//unique:42;\n"
              "spdadd 10.0.0.0/8 10.1.0.0/16 udp -P out ipsec esp/transport//unique;\n"
              "spdadd 10.0.0.0/8[any] 10.1.0.0/16[53] 17 -P out discard;\n");
    f = flow("10.2.3.4", "10.1.1.1", 6, 1, 2);
    pol = lookup(TIP_DIR_OUT, &f);
    assert_int_equal(pol.reqid, 42);
    assert_int_equal(pol.mode, TIP_MODE_TRANSPORT);
    f = flow("10.2.3.4", "10.1.1.1", 17, 1, 2);
    pol = lookup(TIP_DIR_OUT, &f);
    assert_int_equal(pol.reqid, 0);
    assert_int_equal(pol.action, TIP_ACTION_PROTECT);
    /* order is kept: the udp PROTECT comes before the port-53 DISCARD */
    f = flow("10.2.3.4", "10.1.1.1", 17, 1, 53);
    pol = lookup(TIP_DIR_OUT, &f);
    assert_int_equal(pol.action, TIP_ACTION_PROTECT);
}

/* A long token is quoted cut, and the message always ends in a NUL. */
static void test_long_token(void **state)
{
    char text[600];
    tip_setkey_error_t err;

    (void)state;
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    assert_int_equal(apply(text, &err), TIP_ERR_PARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 1);
    assert_true(strlen(err.msg) < sizeof(err.msg));
    assert_non_null(strstr(err.msg, "...'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_site_to_site, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_peers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comments_multiline, setup, teardown),
#if TIP_CONF_IPV6 && TIP_CONF_NATT
        cmocka_unit_test_setup_teardown(test_ipv6_and_natt, setup, teardown),
#endif
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_and_lifetimes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sad_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deprecated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_direction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spd_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spd_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_token, setup, teardown),
    };
    return cmocka_run_group_tests_name("setkey", tests, NULL, NULL);
}

#else /* !TIP_CONF_SETKEY */

static void test_disabled(void **state)
{
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_disabled)};
    return cmocka_run_group_tests_name("setkey (disabled)", tests, NULL, NULL);
}

#endif
