/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * tip_addr_parse() / tip_addr_format(): RFC 4291 2.2 text forms in, RFC 5952
 * canonical text out, and strict refusal of everything else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"

static void assert_v4(const char *text, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    tip_addr_t x;
    static const uint8_t zero[12];

    assert_int_equal(tip_addr_parse(&x, text), TIP_OK);
    assert_int_equal(x.family, TIP_AF_INET);
    assert_int_equal(x.addr[0], a);
    assert_int_equal(x.addr[1], b);
    assert_int_equal(x.addr[2], c);
    assert_int_equal(x.addr[3], d);
    assert_memory_equal(&x.addr[4], zero, 12);
}

#if TIP_CONF_IPV6
/* Parses @p text as IPv6 and checks the bytes, then that it formats as @p canon. */
static void assert_v6(const char *text, const char *hex32, const char *canon)
{
    tip_addr_t x;
    uint8_t want[16];
    char out[64];
    unsigned i;

    for (i = 0; i < 16; i++) {
        unsigned v;
        char h[3] = {hex32[2 * i], hex32[2 * i + 1], 0};
        v = (unsigned)((h[0] <= '9' ? h[0] - '0' : h[0] - 'a' + 10) * 16 +
                       (h[1] <= '9' ? h[1] - '0' : h[1] - 'a' + 10));
        want[i] = (uint8_t)v;
    }
    assert_int_equal(tip_addr_parse(&x, text), TIP_OK);
    assert_int_equal(x.family, TIP_AF_INET6);
    assert_memory_equal(x.addr, want, 16);
    assert_string_equal(tip_addr_format(&x, out, sizeof(out)), canon);
}

#endif

static void assert_bad(const char *text)
{
    tip_addr_t x;

    memset(&x, 0xAB, sizeof(x));
    if (tip_addr_parse(&x, text) != TIP_ERR_ARG)
        fail_msg("accepted \"%s\"", text);
    assert_int_equal(x.family, 0xAB); /* untouched on failure */
}

static void test_v4_parse(void **state)
{
    (void)state;
    assert_v4("0.0.0.0", 0, 0, 0, 0);
    assert_v4("192.0.2.1", 192, 0, 2, 1);
    assert_v4("255.255.255.255", 255, 255, 255, 255);
    assert_v4("10.0.100.9", 10, 0, 100, 9);
}

static void test_v4_reject(void **state)
{
    static const char *const bad[] = {
        "", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1.2.3.1000",
        "01.2.3.4",   /* leading zero: octal to inet_aton */
        "1.2.3.04", "00.0.0.0", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4",
        "1.2.3.4x", "1.2.3.-4", "+1.2.3.4", "1.2.3.4/24", "0x1.2.3.4", "1.2.3.4\n",
        "a.b.c.d", "1,2,3,4",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_bad(bad[i]);
}

#if TIP_CONF_IPV6
static void test_v6_forms(void **state)
{
    (void)state;
    /* RFC 4291 2.2 form 1 */
    assert_v6("2001:DB8:0:0:8:800:200C:417A", "20010db80000000000080800200c417a",
              "2001:db8::8:800:200c:417a");
    assert_v6("FEDC:BA98:7654:3210:FEDC:BA98:7654:3210", "fedcba9876543210fedcba9876543210",
              "fedc:ba98:7654:3210:fedc:ba98:7654:3210");
    /* form 2: "::" */
    assert_v6("FF01::101", "ff010000000000000000000000000101", "ff01::101");
    assert_v6("::1", "00000000000000000000000000000001", "::1");
    assert_v6("::", "00000000000000000000000000000000", "::");
    assert_v6("1::", "00010000000000000000000000000000", "1::");
    assert_v6("1:2:3:4:5:6:7::", "00010002000300040005000600070000", "1:2:3:4:5:6:7:0");
    assert_v6("::2:3:4:5:6:7:8", "00000002000300040005000600070008", "0:2:3:4:5:6:7:8");
    assert_v6("0001:0002::0003", "00010002000000000000000000000003", "1:2::3");
    /* form 3: embedded IPv4 */
    assert_v6("::13.1.68.3", "0000000000000000000000000d014403", "::d01:4403");
    assert_v6("::FFFF:129.144.52.38", "00000000000000000000ffff81903426", "::ffff:129.144.52.38");
    assert_v6("0:0:0:0:0:ffff:1.2.3.4", "00000000000000000000ffff01020304", "::ffff:1.2.3.4");
    assert_v6("1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304", "1:2:3:4:5:6:102:304");
    assert_v6("64:ff9b::192.0.2.33", "0064ff9b0000000000000000c0000221", "64:ff9b::c000:221");
}

static void test_v6_rfc5952(void **state)
{
    (void)state;
    /* 4.1 no leading zeros; 4.3 lowercase */
    assert_v6("2001:0db8:0000:0000:0000:0000:0000:0001", "20010db8000000000000000000000001",
              "2001:db8::1");
    /* 4.2.2 a single zero group is not compressed */
    assert_v6("2001:db8:0:1:1:1:1:1", "20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1");
    /* 4.2.3 longest run wins; first on a tie */
    assert_v6("2001:0:0:1:0:0:0:1", "20010000000000010000000000000001", "2001:0:0:1::1");
    assert_v6("2001:db8:0:0:1:0:0:1", "20010db8000000000001000000000001", "2001:db8::1:0:0:1");
    /* runs at both ends */
    assert_v6("0:0:1:0:0:0:0:0", "00000000000100000000000000000000", "0:0:1::");
    assert_v6("0:0:0:1:2:0:0:0", "00000000000000010002000000000000", "::1:2:0:0:0");
    assert_v6("fe80::abcd:ef01", "fe8000000000000000000000abcdef01", "fe80::abcd:ef01");
    /* the longest form is 39 characters */
    assert_v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffffffffffffffffffffffffffffffff",
              "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

static void test_v6_reject(void **state)
{
    static const char *const bad[] = {
        ":", ":::", "1:::2", ":1::2", "1::2:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "1::2::3", "12345::1", "g::1", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "::1.2.3.4:5", "::01.2.3.4", "::256.1.1.1",
        "fe80::1%eth0", " ::1", "::1 ", "[::1]", "::1/64", "1:2:3:4:5:6:7:8:",
        ":1:2:3:4:5:6:7:8", "::ffff:1.2.3.4.5", "1.2.3.4::", "::-1",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_bad(bad[i]);
}

#endif /* TIP_CONF_IPV6 */

static void test_format(void **state)
{
    tip_addr_t a;
    char out[46];
    char small[8];

    (void)state;
    assert_int_equal(tip_addr_parse(&a, "192.168.100.200"), TIP_OK);
    assert_string_equal(tip_addr_format(&a, out, sizeof(out)), "192.168.100.200");
    assert_int_equal(tip_addr_parse(&a, "0.0.0.0"), TIP_OK);
    assert_string_equal(tip_addr_format(&a, out, sizeof(out)), "0.0.0.0");
    /* too small: empty, never a truncated address that looks valid */
    assert_int_equal(tip_addr_parse(&a, "192.168.100.200"), TIP_OK);
    assert_ptr_equal(tip_addr_format(&a, small, sizeof(small)), small);
    assert_string_equal(small, "");
    assert_int_equal(tip_addr_parse(&a, "1.2.3.4"), TIP_OK);
    assert_string_equal(tip_addr_format(&a, small, sizeof(small)), "1.2.3.4");
#if TIP_CONF_IPV6
    /* the longest IPv6 text (45 characters) fits in 46 bytes */
    assert_int_equal(tip_addr_parse(&a, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"), TIP_OK);
    assert_string_equal(tip_addr_format(&a, out, sizeof(out)),
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_int_equal(tip_addr_parse(&a, "::ffff:255.255.255.255"), TIP_OK);
    assert_string_equal(tip_addr_format(&a, out, sizeof(out)), "::ffff:255.255.255.255");
#endif
    /* unset family */
    memset(&a, 0, sizeof(a));
    assert_string_equal(tip_addr_format(&a, out, sizeof(out)), "any");
    assert_null(tip_addr_format(&a, NULL, 10));
}

static void test_args(void **state)
{
    tip_addr_t a;

    (void)state;
    assert_int_equal(tip_addr_parse(NULL, "1.2.3.4"), TIP_ERR_ARG);
    assert_int_equal(tip_addr_parse(&a, NULL), TIP_ERR_ARG);
}

#if TIP_CONF_IPV6
/* Every IPv6 address with groups from {0, 1, ffff} round-trips through
 * format and parse, and the text is as short as RFC 5952 wants. */
static void test_roundtrip(void **state)
{
    static const uint16_t vals[3] = {0, 1, 0xffff};
    unsigned n, i;

    (void)state;
    for (n = 0; n < 6561; n++) { /* 3^8 */
        tip_addr_t a, b;
        char out[46];
        unsigned k = n;

        memset(&a, 0, sizeof(a));
        a.family = TIP_AF_INET6;
        for (i = 0; i < 8; i++) {
            a.addr[2 * i] = (uint8_t)(vals[k % 3] >> 8);
            a.addr[2 * i + 1] = (uint8_t)vals[k % 3];
            k /= 3;
        }
        tip_addr_format(&a, out, sizeof(out));
        assert_true(strlen(out) > 0);
        assert_null(strstr(out, ":::"));
        assert_int_equal(tip_addr_parse(&b, out), TIP_OK);
        assert_memory_equal(a.addr, b.addr, 16);
        assert_int_equal(b.family, TIP_AF_INET6);
    }
}

#endif /* TIP_CONF_IPV6 */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_parse),
        cmocka_unit_test(test_v4_reject),
#if TIP_CONF_IPV6
        cmocka_unit_test(test_v6_forms),
        cmocka_unit_test(test_v6_rfc5952),
        cmocka_unit_test(test_v6_reject),
        cmocka_unit_test(test_roundtrip),
#endif
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_args),
    };
    return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
