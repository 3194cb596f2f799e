/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Error codes and drop reasons: every one has a real, distinct description
 * (TIP_CONF_STRINGS is on in the default configuration).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"

static const int codes[] = {
#define TIP_X_CODE(name, value, text) name,
    TIP_ERROR_LIST(TIP_X_CODE)
#undef TIP_X_CODE
};
#define N_CODES (sizeof(codes) / sizeof(codes[0]))

static void test_every_error_has_its_own_text(void **state)
{
    size_t i, j;
    (void)state;
    assert_int_equal(TIP_CONF_STRINGS, 1);
    for (i = 0; i < N_CODES; i++) {
        const char *s = tip_strerror(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown error");
        for (j = 0; j < i; j++)
            assert_string_not_equal(s, tip_strerror(codes[j]));
    }
    /* The list is complete: it ends right above TIP_ERR_LAST_. */
    assert_int_equal((int)N_CODES, -(int)TIP_ERR_LAST_);
}

static void test_unknown_error(void **state)
{
    (void)state;
    assert_string_equal(tip_strerror(TIP_ERR_LAST_), "unknown error");
    assert_string_equal(tip_strerror(-1000), "unknown error");
    assert_string_equal(tip_strerror(1), "unknown error");
}

static void test_every_drop_reason_has_its_own_name(void **state)
{
    unsigned i, j;
    (void)state;
    for (i = 0; i < (unsigned)TIP_DROP_COUNT; i++) {
        const char *s = tip_drop_name((tip_drop_t)i);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown");
        for (j = 0; j < i; j++)
            assert_string_not_equal(s, tip_drop_name((tip_drop_t)j));
    }
    assert_string_equal(tip_drop_name(TIP_DROP_COUNT), "unknown");
    assert_string_equal(tip_drop_name((tip_drop_t)1000), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error_has_its_own_text),
        cmocka_unit_test(test_unknown_error),
        cmocka_unit_test(test_every_drop_reason_has_its_own_name),
    };
    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
