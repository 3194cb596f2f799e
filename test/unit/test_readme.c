/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The examples in README.md must keep working: the setkey configuration is
 * copied here verbatim (keep the two in step) and must give a tunnel whose
 * traffic a peer with the mirrored configuration accepts.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_setkey_tunnel),
    };
    return cmocka_run_group_tests_name("readme", tests, NULL, NULL);
}
