/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Security Association Database (RFC 4301 4.4.2): parameter checks,
 * handles, the SPI index, pool exhaustion and key zeroization.
 *
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_AES_CBC TIP_CONF_CHACHAPOLY TIP_CONF_ENCR_NULL
 * tip-requires: TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384 TIP_CONF_HMAC_SHA512
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

static tip_test_fixture_t fx;
static const uint8_t key36[36] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                  19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36};

static tip_sa_params_t gcm_params(uint32_t spi, tip_dir_t dir)
{
    tip_sa_params_t p;
    memset(&p, 0, sizeof(p));
    p.spi = spi;
    p.dir = dir;
    p.mode = TIP_MODE_TUNNEL;
    p.src = tip_test_addr("10.99.0.1");
    p.dst = tip_test_addr("10.99.0.2");
    p.encr = TIP_ENCR_AES_GCM_16;
    p.encr_key = key36;
    p.encr_key_len = 20;
    return p;
}

static void test_parameter_checks(void **state)
{
    tip_sa_params_t p;
    (void)state;
    tip_fx_init(&fx);
    p = gcm_params(255, TIP_DIR_IN); /* RFC 4303 2.1: reserved */
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_ERR_ARG);
    p = gcm_params(0x1000, TIP_DIR_IN);
    p.dst = tip_test_addr("2001:db8::2");
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_ERR_ARG);
    p = gcm_params(0x1000, TIP_DIR_IN);
    p.natt_sport = 4500; /* one port without the other */
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_ERR_ARG);
    p = gcm_params(0x1000, TIP_DIR_IN);
    p.encr_key_len = 16; /* GCM without salt */
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_ERR_KEY_LEN);
    p = gcm_params(0x1000, TIP_DIR_IN);
    p.encr = TIP_ENCR_AES_CBC; /* CBC needs an integrity algorithm */
    p.encr_key_len = 16;
    assert_int_not_equal(tip_sad_add(&fx.a, &p, NULL), TIP_OK);
    p = gcm_params(0x1000, TIP_DIR_IN);
    p.encr = (tip_encr_t)3; /* 3DES: not supported */
    assert_int_not_equal(tip_sad_add(&fx.a, &p, NULL), TIP_OK);
    p = gcm_params(0x1000, TIP_DIR_OUT);
    p.seq_start = 0x100000000ull; /* beyond 32 bits without ESN */
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_ERR_ARG);
    assert_int_equal(tip_sad_count(&fx.a), 0);
}

static void test_duplicate_inbound_spi(void **state)
{
    tip_sa_params_t p = gcm_params(0x4242, TIP_DIR_IN);
    tip_handle_t h, found;
    (void)state;
    tip_fx_init(&fx);
    assert_int_equal(tip_sad_add(&fx.a, &p, &h), TIP_OK);
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_ERR_EXISTS);
    /* the same SPI towards another destination is a different SA */
    p.src = tip_test_addr("10.99.0.3");
    p.dst = tip_test_addr("10.99.0.3");
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_OK);
    /* outbound SPIs are the peer's business: no uniqueness check */
    p = gcm_params(0x4242, TIP_DIR_OUT);
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_OK);
    p = gcm_params(0x4242, TIP_DIR_IN);
    assert_int_equal(tip_sad_find_inbound(&fx.a, 0x4242, &p.dst, &found), TIP_OK);
    assert_int_equal(found, h);
    assert_int_equal(tip_sad_find_inbound(&fx.a, 0x4243, NULL, &found), TIP_ERR_NOT_FOUND);
}

static void test_pool_and_index(void **state)
{
    tip_handle_t h[TIP_MAX_SA];
    tip_sa_params_t p;
    unsigned i;
    (void)state;
    tip_fx_init(&fx);
    for (i = 0; i < TIP_MAX_SA; i++) {
        /* SPIs that collide in a naive modulo hash */
        p = gcm_params(0x10000u + i * TIP_SPI_HASH_SIZE, TIP_DIR_IN);
        assert_int_equal(tip_sad_add(&fx.a, &p, &h[i]), TIP_OK);
    }
    p = gcm_params(0x9999, TIP_DIR_IN);
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_ERR_FULL);
    assert_int_equal(tip_sad_count(&fx.a), TIP_MAX_SA);
    for (i = 0; i < TIP_MAX_SA; i++) {
        tip_handle_t got;
        assert_int_equal(tip_sad_find_inbound(&fx.a, 0x10000u + i * TIP_SPI_HASH_SIZE, NULL, &got),
                         TIP_OK);
        assert_int_equal(got, h[i]);
    }
    /* delete every other one; the rest stay findable, the deleted not */
    for (i = 0; i < TIP_MAX_SA; i += 2)
        assert_int_equal(tip_sad_del(&fx.a, h[i]), TIP_OK);
    for (i = 0; i < TIP_MAX_SA; i++) {
        int want = (i % 2) ? TIP_OK : TIP_ERR_NOT_FOUND;
        assert_int_equal(tip_sad_find_inbound(&fx.a, 0x10000u + i * TIP_SPI_HASH_SIZE, NULL, NULL),
                         want);
    }
    /* a handle to a deleted SA is stale, even after the slot is reused */
    p = gcm_params(0x7777, TIP_DIR_IN);
    assert_int_equal(tip_sad_add(&fx.a, &p, NULL), TIP_OK);
    {
        tip_sa_stats_t st;
        assert_int_equal(tip_sad_stats(&fx.a, h[0], &st), TIP_ERR_STALE);
        assert_int_equal(tip_sad_del(&fx.a, h[0]), TIP_ERR_STALE);
        assert_int_equal(tip_sad_del(&fx.a, 0), TIP_ERR_NOT_FOUND);
    }
    tip_sad_flush(&fx.a);
    assert_int_equal(tip_sad_count(&fx.a), 0);
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

/* Look for the raw key bytes anywhere in the context. */
static int ctx_contains(const tip_ctx_t *ctx, const uint8_t *needle, size_t n)
{
    const uint8_t *b = (const uint8_t *)ctx;
    size_t i;
    for (i = 0; i + n <= sizeof(*ctx); i++)
        if (memcmp(b + i, needle, n) == 0)
            return 1;
    return 0;
}

static void test_keys_zeroized(void **state)
{
    tip_sa_params_t p;
    tip_handle_t h;
    const tip_test_suite_t *s;
    (void)state;
    for (s = tip_test_suites; s->name != NULL; s++) {
        static uint8_t ik[64];
        unsigned idx;
        memset(ik, 0xA5, sizeof(ik));
        tip_fx_init(&fx);
        p = gcm_params(0x5555, TIP_DIR_OUT);
        p.encr = s->encr;
        p.encr_key_len = s->encr_key_len;
        p.integ = s->integ;
        p.integ_key = ik;
        p.integ_key_len = s->integ_key_len;
        assert_int_equal(tip_sad_add(&fx.a, &p, &h), TIP_OK);
        idx = (h & 0xFFFFu) - 1u;
        assert_false(all_zero(&fx.a.sa[idx].crypto, sizeof(fx.a.sa[idx].crypto)));
        assert_int_equal(tip_sad_del(&fx.a, h), TIP_OK);
        assert_true(all_zero(&fx.a.sa[idx].crypto, sizeof(fx.a.sa[idx].crypto)));
        assert_int_equal(fx.a.sa[idx].spi, 0);
        if (s->encr_key_len >= 16)
            assert_false(ctx_contains(&fx.a, key36, 16));
        tip_ctx_deinit(&fx.a);
    }
}

static int group_teardown(void **state)
{
    (void)state;
    tip_fx_fini(&fx);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameter_checks),
        cmocka_unit_test(test_duplicate_inbound_spi),
        cmocka_unit_test(test_pool_and_index),
        cmocka_unit_test(test_keys_zeroized),
    };
    return cmocka_run_group_tests_name("sad", tests, NULL, group_teardown);
}
