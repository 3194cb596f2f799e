/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Keys do not outlive their use on the stack: after tip_setkey_apply() and
 * tip_setkey_parse() return, no copy of the keys they decoded is left in
 * the stack memory their calls used. A plain memset() of a buffer that is
 * about to go out of scope is a dead store the optimiser may remove; the
 * library wipes with tip_crypto_zeroize(), which it may not.
 *
 * How: run the call, then call a function whose large local array lies
 * over the same stack area and search it for the key bytes. The array is
 * never written, so it still holds what the earlier calls left there.
 *
 * tip-requires: TIP_CONF_SETKEY TIP_CONF_AES_GCM TIP_CONF_CHACHAPOLY TIP_CONF_AES_CBC
 * tip-requires: TIP_CONF_HMAC_SHA256
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_port.h"

/* The probe and its control read and write the raw stack: they must be
 * frames of their own, and AddressSanitizer must leave them as they are
 * (instrumented, their locals would move into red-zoned slots). */
#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline, no_sanitize_address))
#else
#define NOINLINE
#endif

/* The probe reads stack memory nobody wrote in this frame: that is the
 * point, so the compilers' warnings about it are off for this file. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wuninitialized"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define PROBE_BYTES 32768

static tip_test_port_t tp;
static tip_ctx_t ctx;

/* 36 key bytes no other data in the process look like (ChaCha20 key +
 * salt); GCM and CBC use a prefix, the HMAC key the pattern reversed. */
static const uint8_t key[36] = {0xA7, 0x1C, 0x5E, 0x93, 0x2B, 0xD4, 0x6F, 0x80, 0x31,
                                0xC9, 0x7A, 0x0E, 0xB5, 0x48, 0xE2, 0x9D, 0x16, 0x6B,
                                0xF0, 0x57, 0x83, 0x2C, 0xAE, 0x45, 0xD9, 0x0B, 0x74,
                                0xBF, 0x38, 0x61, 0xC5, 0x1A, 0xEE, 0x92, 0x4D, 0x07};

/* Is any 12-byte window of @p k (@p n bytes) in the stack area below the
 * caller? NOINLINE so that the probe is a frame of its own. */
static NOINLINE int stack_holds(const uint8_t *k, size_t n)
{
    volatile uint8_t probe[PROBE_BYTES];
    size_t i, j, s;

    for (s = 0; s + 12 <= n; s += 4) {
        for (i = 0; i + 12 <= sizeof(probe); i++) {
            for (j = 0; j < 12 && probe[i + j] == k[s + j]; j++)
                ;
            if (j == 12)
                return 1;
        }
    }
    return 0;
}

static void hex(char *out, const uint8_t *k, size_t n, int reverse)
{
    static const char d[] = "0123456789abcdef";
    size_t i;
    *out++ = '0';
    *out++ = 'x';
    for (i = 0; i < n; i++) {
        uint8_t b = k[reverse ? n - 1 - i : i];
        *out++ = d[b >> 4];
        *out++ = d[b & 15];
    }
    *out = '\0';
}

static void fresh_ctx(void)
{
    tip_port_t port;
    tip_test_port_init(&tp, 1, 0);
    tip_test_port_fill(&tp, &port);
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
}

static void build_conf(char *conf, const char *alg, const uint8_t *k, size_t klen, size_t ilen)
{
    static char ek[80], ik[140];

    hex(ek, k, klen, 0);
    hex(ik, k, ilen, 1);
    strcpy(conf, "add 10.0.0.2 10.0.0.1 esp 0x1001 -dir in -r 0 -E ");
    strcat(conf, alg);
    strcat(conf, " ");
    strcat(conf, ek);
    if (ilen != 0) {
        strcat(conf, " -A hmac-sha256 ");
        strcat(conf, ik);
    }
    strcat(conf, ";\n");
}

/* The HMAC key (the pattern reversed) and the warm-up keys live in static
 * storage: the test itself must not leave key copies on the stack. */
static uint8_t rev[36], other[36];

/* Apply (or with @p dry only parse) one inbound SA with @p alg and keys
 * taken from the pattern; then look for the keys. */
static int keys_left_after(const char *alg, size_t klen, size_t ilen, int dry)
{
    static char conf[512];
    tip_setkey_error_t err;
    size_t i;
    int rc;

    /* Once with other keys first: the dynamic loader resolves a library
     * function on its first call and saves the vector registers (which
     * may hold key bytes Mbed TLS just loaded) on the stack while it does.
     * That is the loader's doing, not the library's; after the first call
     * it does not happen again. */
    for (i = 0; i < sizeof(other); i++)
        other[i] = (uint8_t)(key[i] ^ 0x5A);
    for (i = 0; i < ilen; i++)
        rev[i] = key[ilen - 1 - i];
    build_conf(conf, alg, other, klen, ilen);
    fresh_ctx();
    assert_int_equal(tip_setkey_apply(&ctx, conf, strlen(conf), NULL, &err), TIP_OK);
    tip_ctx_deinit(&ctx);

    build_conf(conf, alg, key, klen, ilen);
    fresh_ctx();
    rc = dry ? tip_setkey_parse(conf, strlen(conf), NULL, &err)
             : tip_setkey_apply(&ctx, conf, strlen(conf), NULL, &err);
    if (rc != TIP_OK)
        fail_msg("%s: %s", conf, err.msg);
    rc = stack_holds(key, klen) || (ilen != 0 && stack_holds(rev, ilen));
    tip_ctx_deinit(&ctx);
    return rc;
}

static void test_setkey_apply_leaves_no_key_on_the_stack(void **state)
{
    (void)state;
    assert_false(keys_left_after("aes-gcm-16", 20, 0, 0));
    assert_false(keys_left_after("chacha20-poly1305", 36, 0, 0));
    assert_false(keys_left_after("aes-cbc", 32, 32, 0));
}

static void test_setkey_parse_leaves_no_key_on_the_stack(void **state)
{
    (void)state;
    assert_false(keys_left_after("aes-gcm-16", 36, 0, 1));
    assert_false(keys_left_after("aes-cbc", 16, 32, 1));
}

/* The probe must be able to see what a call left behind, or the two tests
 * above prove nothing: a function that leaves its key copy on purpose is
 * found. */
static NOINLINE void leave_key(volatile uint8_t *sink)
{
    volatile uint8_t copy[36];
    size_t i;
    for (i = 0; i < sizeof(copy); i++)
        copy[i] = key[i];
    *sink = copy[5];
}

static void test_probe_finds_a_key_left_behind(void **state)
{
    volatile uint8_t sink = 0;
    (void)state;
    leave_key(&sink);
    assert_true(stack_holds(key, 36));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setkey_apply_leaves_no_key_on_the_stack),
        cmocka_unit_test(test_setkey_parse_leaves_no_key_on_the_stack),
        /* last: it leaves the key on the stack on purpose */
        cmocka_unit_test(test_probe_finds_a_key_left_behind),
    };
    return cmocka_run_group_tests_name("key_wipe", tests, NULL, NULL);
}
