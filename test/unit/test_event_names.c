/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Every event type has a name (tip_event_name), generated from the same
 * list as the enum: non-empty, distinct, never the "unknown" of a value
 * that is not an event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"

static void test_every_event_has_a_distinct_name(void **state)
{
    int t, u;
    (void)state;

    assert_true(TIP_EV_COUNT_ > 1);
    for (t = 1; t < TIP_EV_COUNT_; t++) {
        const char *name = tip_event_name((tip_event_type_t)t);

        assert_non_null(name);
        assert_true(strlen(name) > 0);
        assert_string_not_equal(name, "unknown");
        for (u = 1; u < t; u++)
            assert_string_not_equal(name, tip_event_name((tip_event_type_t)u));
    }
}

static void test_event_names_match_the_enum(void **state)
{
    (void)state;
    assert_string_equal(tip_event_name(TIP_EV_SA_SOFT_EXPIRED), "SA_SOFT_EXPIRED");
    assert_string_equal(tip_event_name(TIP_EV_CHILD_REKEYED), "CHILD_REKEYED");
    assert_string_equal(tip_event_name(TIP_EV_IKE_REKEYED), "IKE_REKEYED");
}

static void test_values_that_are_not_events(void **state)
{
    (void)state;
    assert_string_equal(tip_event_name((tip_event_type_t)0), "unknown");
    assert_string_equal(tip_event_name(TIP_EV_COUNT_), "unknown");
    assert_string_equal(tip_event_name((tip_event_type_t)-1), "unknown");
    assert_string_equal(tip_event_name((tip_event_type_t)1000), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_event_has_a_distinct_name),
        cmocka_unit_test(test_event_names_match_the_enum),
        cmocka_unit_test(test_values_that_are_not_events),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
