/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The configuration payload codec (RFC 7296 3.15) and the address pool's
 * lease rules: lengths checked before anything is read, unknown and
 * odd-length attributes skipped, what we write read back the same; one
 * address per identity, given back to it, refused when all are held.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_IKE_CP
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "ike/ike_cp.h"

/* A CP body: type, 3 reserved bytes, then the attributes given as raw bytes. */
static size_t cp_body(uint8_t *out, uint8_t type, const uint8_t *attrs, size_t len)
{
    out[0] = type;
    out[1] = out[2] = out[3] = 0;
    if (len != 0)
        memcpy(out + 4, attrs, len);
    return 4 + len;
}

static void expect_v4(const tip_addr_t *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
    assert_int_equal(a->family, TIP_AF_INET);
    assert_int_equal(a->addr[0], b0);
    assert_int_equal(a->addr[1], b1);
    assert_int_equal(a->addr[2], b2);
    assert_int_equal(a->addr[3], b3);
}

static void test_reply_with_address_dns_and_unknown(void **state)
{
    static const uint8_t attrs[] = {
        0x00, 0x01, 0x00, 0x04, 10, 3, 0, 10,          /* INTERNAL_IP4_ADDRESS */
        0x40, 0x00, 0x00, 0x03, 1, 2, 3,               /* unknown type, odd length: skipped */
        0x00, 0x03, 0x00, 0x04, 10, 2, 0, 53,          /* INTERNAL_IP4_DNS */
        0x00, 0x0A, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x35,
        0x00, 0x08, 0x00, 0x11, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 64,
    };
    uint8_t body[128];
    tip_ike_vip_t v;
    size_t n = cp_body(body, TIP_IKE_CFG_REPLY, attrs, sizeof(attrs));
    (void)state;

    assert_int_equal(tip_ike_cp_read_reply(body, n, &v), TIP_OK);
    expect_v4(&v.ip4, 10, 3, 0, 10);
    assert_int_equal(v.ip6.family, TIP_AF_INET6);
    assert_int_equal(v.ip6.addr[0], 0xfd);
    assert_int_equal(v.ip6.addr[15], 0x10);
    assert_int_equal(v.ip6_prefix, 64);
    assert_int_equal(v.dns_count, 2);
    expect_v4(&v.dns[0], 10, 2, 0, 53);
    assert_int_equal(v.dns[1].family, TIP_AF_INET6);
    assert_int_equal(v.dns[1].addr[15], 0x35);
}

static void test_reply_malformed_lengths(void **state)
{
    static const uint8_t past_end[] = {0x00, 0x01, 0x00, 0x05, 10, 3, 0, 10}; /* 5 > 4 left */
    static const uint8_t short_hdr[] = {0x00, 0x01, 0x00, 0x04, 10, 3, 0, 10, 0x00, 0x03, 0x00};
    static const uint8_t huge[] = {0x00, 0x03, 0xFF, 0xFF, 1, 2, 3, 4};
    uint8_t body[64];
    tip_ike_vip_t v;
    size_t n;
    uint8_t want = 0xFF;
    (void)state;

    n = cp_body(body, TIP_IKE_CFG_REPLY, past_end, sizeof(past_end));
    memset(&v, 0xAA, sizeof(v));
    assert_int_equal(tip_ike_cp_read_reply(body, n, &v), TIP_ERR_MALFORMED);
    assert_int_equal(v.ip4.family, TIP_AF_NONE); /* nothing taken from a broken payload */
    assert_int_equal(v.dns_count, 0);
    n = cp_body(body, TIP_IKE_CFG_REPLY, short_hdr, sizeof(short_hdr));
    assert_int_equal(tip_ike_cp_read_reply(body, n, &v), TIP_ERR_MALFORMED);
    assert_int_equal(v.ip4.family, TIP_AF_NONE);
    n = cp_body(body, TIP_IKE_CFG_REPLY, huge, sizeof(huge));
    assert_int_equal(tip_ike_cp_read_reply(body, n, &v), TIP_ERR_MALFORMED);
    /* shorter than the CP header */
    assert_int_equal(tip_ike_cp_read_reply(body, 3, &v), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_cp_read_reply(NULL, 0, &v), TIP_ERR_MALFORMED);
    /* the same for requests */
    n = cp_body(body, TIP_IKE_CFG_REQUEST, past_end, sizeof(past_end));
    assert_int_equal(tip_ike_cp_read_request(body, n, &want), TIP_ERR_MALFORMED);
    assert_int_equal(want, 0);
    /* the right type is needed */
    n = cp_body(body, TIP_IKE_CFG_REQUEST, NULL, 0);
    assert_int_equal(tip_ike_cp_read_reply(body, n, &v), TIP_ERR_POLICY);
    n = cp_body(body, TIP_IKE_CFG_REPLY, NULL, 0);
    assert_int_equal(tip_ike_cp_read_request(body, n, &want), TIP_ERR_POLICY);
    /* an empty reply is well-formed and assigns nothing */
    assert_int_equal(tip_ike_cp_read_reply(body, n, &v), TIP_OK);
    assert_false(tip_ike_cp_has_addr(&v));
}

static void test_reply_odd_lengths_and_values_skipped(void **state)
{
    static const uint8_t attrs[] = {
        0x00, 0x01, 0x00, 0x03, 10, 3, 0,              /* IPv4 address of 3 bytes */
        0x00, 0x01, 0x00, 0x05, 10, 3, 0, 11, 0,       /* ... of 5 */
        0x00, 0x08, 0x00, 0x10, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* no prefix */
        0x00, 0x08, 0x00, 0x11, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 129,
        0x00, 0x03, 0x00, 0x06, 10, 2, 0, 53, 0, 0,    /* DNS of 6 bytes */
        0x00, 0x03, 0x00, 0x04, 224, 0, 0, 1,          /* multicast DNS */
        0x00, 0x01, 0x00, 0x04, 0, 0, 0, 0,            /* unspecified address */
        0x80, 0x01, 0x00, 0x04, 10, 3, 0, 12,          /* reserved bit set: still IP4_ADDRESS */
        0x00, 0x01, 0x00, 0x04, 10, 3, 0, 13,          /* a second address: not taken */
        0x00, 0x03, 0x00, 0x04, 10, 2, 0, 1,
        0x00, 0x03, 0x00, 0x04, 10, 2, 0, 2,
        0x00, 0x03, 0x00, 0x04, 10, 2, 0, 3,           /* beyond TIP_IKE_CP_DNS_MAX */
    };
    uint8_t body[256];
    tip_ike_vip_t v;
    size_t n = cp_body(body, TIP_IKE_CFG_REPLY, attrs, sizeof(attrs));
    unsigned i;
    (void)state;

    assert_int_equal(tip_ike_cp_read_reply(body, n, &v), TIP_OK);
    expect_v4(&v.ip4, 10, 3, 0, 12);
    assert_int_equal(v.ip6.family, TIP_AF_NONE);
    assert_int_equal(v.dns_count, TIP_IKE_CP_DNS_MAX < 3 ? TIP_IKE_CP_DNS_MAX : 3);
    for (i = 0; i < v.dns_count; i++)
        expect_v4(&v.dns[i], 10, 2, 0, (uint8_t)(i + 1));
}

static void test_request_written_and_read(void **state)
{
    uint8_t buf[256];
    tip_ike_w_t w;
    tip_ike_vip_t hint;
    uint8_t want = 0;
    tip_ike_cp_t cp;
    tip_ike_cp_attr_t at;
    size_t pos = 0;
    unsigned n = 0;
    (void)state;

    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_cp_w_request(&w, TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6 | TIP_IKE_VIP_DNS, NULL);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    /* a bare chain: the generic header, then the body */
    assert_int_equal(tip_load_be16(buf + 2), w.len);
    assert_int_equal(tip_ike_cp_read_request(buf + 4, w.len - 4, &want), TIP_OK);
    assert_int_equal(want, TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6 | TIP_IKE_VIP_DNS);
    assert_int_equal(tip_ike_cp_parse(buf + 4, w.len - 4, &cp), TIP_OK);
    assert_int_equal(cp.type, TIP_IKE_CFG_REQUEST);
    while (tip_ike_cp_attr_next(&cp, &pos, &at) == 1) {
        assert_int_equal(at.len, 0); /* empty: any address */
        n++;
    }
    assert_int_equal(n, 4);
    /* with the address had before (3.15.1) */
    memset(&hint, 0, sizeof(hint));
    hint.ip4.family = TIP_AF_INET;
    hint.ip4.addr[0] = 10;
    hint.ip4.addr[3] = 7;
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_cp_w_request(&w, TIP_IKE_VIP_IP4, &hint);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(tip_ike_cp_parse(buf + 4, w.len - 4, &cp), TIP_OK);
    pos = 0;
    assert_int_equal(tip_ike_cp_attr_next(&cp, &pos, &at), 1);
    assert_int_equal(at.type, TIP_IKE_CFG_INTERNAL_IP4_ADDRESS);
    assert_int_equal(at.len, 4);
    assert_memory_equal(at.value, hint.ip4.addr, 4);
    assert_int_equal(tip_ike_cp_attr_next(&cp, &pos, &at), 0);
    assert_int_equal(tip_ike_cp_read_request(buf + 4, w.len - 4, &want), TIP_OK);
    assert_int_equal(want, TIP_IKE_VIP_IP4);
    /* too small a buffer: the writer fails, nothing past its end */
    tip_ike_w_init(&w, buf, 10);
    tip_ike_cp_w_request(&w, TIP_IKE_VIP_IP4 | TIP_IKE_VIP_IP6 | TIP_IKE_VIP_DNS, NULL);
    assert_int_equal(tip_ike_w_finish(&w), TIP_ERR_BUF_SPACE);
}

static void test_reply_written_reads_back(void **state)
{
    uint8_t buf[256];
    tip_ike_w_t w;
    tip_ike_vip_t in, out;
    (void)state;

    memset(&in, 0, sizeof(in));
    in.ip4.family = TIP_AF_INET;
    memcpy(in.ip4.addr, "\x0a\x03\x00\x0a", 4);
    in.ip6.family = TIP_AF_INET6;
    in.ip6.addr[0] = 0xfd;
    in.ip6.addr[15] = 9;
    in.ip6_prefix = 128;
    in.dns_count = 1;
    in.dns[0].family = TIP_AF_INET;
    memcpy(in.dns[0].addr, "\x0a\x02\x00\x35", 4);
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_cp_w_reply(&w, &in, 1);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(tip_ike_cp_read_reply(buf + 4, w.len - 4, &out), TIP_OK);
    assert_memory_equal(&in, &out, sizeof(in));
    /* without DNS asked for, none is sent */
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_cp_w_reply(&w, &in, 0);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(tip_ike_cp_read_reply(buf + 4, w.len - 4, &out), TIP_OK);
    assert_int_equal(out.dns_count, 0);
    expect_v4(&out.ip4, 10, 3, 0, 10);
}

#if TIP_CONF_IKE_RESPONDER && TIP_IKE_POOL_LEASES >= 3
static tip_ike_identity_t ident(const char *s)
{
    tip_ike_identity_t id;
    assert_int_equal(tip_ike_id_set(&id, TIP_ID_FQDN, s), TIP_OK);
    return id;
}

static uint8_t last_byte(const tip_addr_t *a)
{
    return a->addr[a->family == TIP_AF_INET ? 3 : 15];
}

static void test_pool_leases(void **state)
{
    static tip_ike_pool_t pool;
    tip_ike_identity_t x = ident("x.test"), y = ident("y.test"), z = ident("z.test");
    tip_addr_t a;
    (void)state;

    memset(&pool, 0, sizeof(pool));
    pool.in_use = 1;
    pool.cfg.start.family = TIP_AF_INET;
    memcpy(pool.cfg.start.addr, "\x0a\x03\x00\xfe", 4); /* 10.3.0.254, .255, 10.3.1.0 */
    pool.cfg.count = 3;
    assert_int_equal(tip_ike_pool_lease(&pool, &x, 0x11, &a), TIP_OK);
    expect_v4(&a, 10, 3, 0, 254);
    assert_int_equal(tip_ike_pool_lease(&pool, &y, 0x12, &a), TIP_OK);
    expect_v4(&a, 10, 3, 0, 255);
    /* the same identity again: the same address, not a second one */
    assert_int_equal(tip_ike_pool_lease(&pool, &x, 0x11, &a), TIP_OK);
    expect_v4(&a, 10, 3, 0, 254);
    assert_int_equal(tip_ike_pool_lease(&pool, &z, 0x13, &a), TIP_OK);
    expect_v4(&a, 10, 3, 1, 0); /* the carry into the third byte */
    /* all three held: a fourth identity is refused */
    {
        tip_ike_identity_t w = ident("w.test");
        assert_int_equal(tip_ike_pool_lease(&pool, &w, 0x14, &a), TIP_ERR_FULL);
        /* y leaves, then x: the one gone longest (y) gives its address to w */
        pool.lease[1].state = 2;
        pool.lease[1].stamp = ++pool.clock;
        pool.lease[0].state = 2;
        pool.lease[0].stamp = ++pool.clock;
        assert_int_equal(tip_ike_pool_lease(&pool, &w, 0x14, &a), TIP_OK);
        expect_v4(&a, 10, 3, 0, 255);
        /* x comes back to its own */
        assert_int_equal(tip_ike_pool_lease(&pool, &x, 0x11, &a), TIP_OK);
        expect_v4(&a, 10, 3, 0, 254);
    }
    /* IPv6: the offset carries across bytes too */
    memset(&pool, 0, sizeof(pool));
    pool.in_use = 1;
    pool.cfg.start.family = TIP_AF_INET6;
    pool.cfg.start.addr[0] = 0xfd;
    pool.cfg.start.addr[15] = 0xff;
    pool.cfg.count = 2;
    assert_int_equal(tip_ike_pool_lease(&pool, &x, 0x11, &a), TIP_OK);
    assert_int_equal(last_byte(&a), 0xff);
    assert_int_equal(tip_ike_pool_lease(&pool, &y, 0x12, &a), TIP_OK);
    assert_int_equal(a.family, TIP_AF_INET6);
    assert_int_equal(a.addr[14], 1);
    assert_int_equal(last_byte(&a), 0);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_with_address_dns_and_unknown),
        cmocka_unit_test(test_reply_malformed_lengths),
        cmocka_unit_test(test_reply_odd_lengths_and_values_skipped),
        cmocka_unit_test(test_request_written_and_read),
        cmocka_unit_test(test_reply_written_reads_back),
#if TIP_CONF_IKE_RESPONDER && TIP_IKE_POOL_LEASES >= 3
        cmocka_unit_test(test_pool_leases),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
