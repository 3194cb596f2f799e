/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * A library built with one TIP_USER_CONFIG_FILE and an application built
 * with another (test/config/CMakeLists.txt builds this file three times
 * against one library). tip_ctx_init() must refuse a different tip_ctx_t
 * size or configuration fingerprint with TIP_ERR_CONFIG without writing a
 * byte of the caller's memory, and accept the library's own configuration.
 *
 * TIP_TEST_EXPECT_MISMATCH: 1 = the application's configuration differs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"

/* Room after the application's tip_ctx_t: a library that believes the
 * context is larger writes into it (the library here has at most 16 more
 * SAs than any application of this test, about 15 KB). */
#define GUARD_LEN 65536u

static struct {
    tip_ctx_t ctx;
    unsigned char guard[GUARD_LEN];
} mem;

static int log_calls;

static uint64_t port_now(void *arg)
{
    (void)arg;
    return 1000;
}

static int port_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    memset(out, 0x5a, len);
    return 0;
}

static int port_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    (void)pkt;
    (void)len;
    return 0;
}

static void port_log(void *arg, int level, const char *msg)
{
    (void)arg;
    (void)level;
    assert_non_null(msg);
    log_calls++;
}

static size_t untouched_bytes(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n && p[i] == 0xA5; i++)
        ;
    return i;
}

static void test_ctx_init_with_this_configuration(void **state)
{
    tip_port_t port;
    int err;
    (void)state;

    memset(&port, 0, sizeof(port));
    port.now_ms = port_now;
    port.random = port_random;
    port.send_ip = port_send_ip;
    port.log = port_log;
    memset(&mem, 0xA5, sizeof(mem));

    err = tip_ctx_init(&mem.ctx, &port);

    /* The library never writes past what the application allocated. */
    assert_int_equal(untouched_bytes(mem.guard, sizeof(mem.guard)), sizeof(mem.guard));
#if TIP_TEST_EXPECT_MISMATCH
    assert_int_equal(err, TIP_ERR_CONFIG);
    /* ... and on a mismatch not inside it either, and it says why. */
    assert_int_equal(untouched_bytes((const unsigned char *)&mem.ctx, sizeof(mem.ctx)),
                     sizeof(mem.ctx));
    assert_true(log_calls > 0);
#else
    assert_int_equal(err, TIP_OK);
    assert_int_equal(tip_sad_count(&mem.ctx), 0);
    tip_ctx_deinit(&mem.ctx);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctx_init_with_this_configuration),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
