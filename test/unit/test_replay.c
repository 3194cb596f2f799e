/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Anti-replay window (RFC 4303 3.4.3, RFC 6479 bitmap, RFC 4303 appendix A
 * ESN inference).
 *
 * tip-requires: TIP_REPLAY_WINDOW>=128
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "replay.h"

static void accept_seq(tip_replay_t *r, uint64_t seq)
{
    assert_int_equal(tip_replay_check(r, seq), TIP_OK);
    assert_int_equal(tip_replay_update(r, seq), TIP_OK);
}

static void test_duplicate_and_zero(void **state)
{
    tip_replay_t r;
    (void)state;
    tip_replay_init(&r, 128);
    assert_int_equal(tip_replay_check(&r, 0), TIP_ERR_REPLAY);
    accept_seq(&r, 1);
    assert_int_equal(tip_replay_check(&r, 1), TIP_ERR_REPLAY);
    assert_int_equal(tip_replay_update(&r, 1), TIP_ERR_REPLAY);
    accept_seq(&r, 3);
    accept_seq(&r, 2); /* out of order but inside the window */
    assert_int_equal(tip_replay_check(&r, 2), TIP_ERR_REPLAY);
}

static void test_left_edge(void **state)
{
    tip_replay_t r;
    (void)state;
    tip_replay_init(&r, 128);
    accept_seq(&r, 200);
    /* top - seq < W is inside: 200 - 73 = 127 */
    assert_int_equal(tip_replay_check(&r, 73), TIP_OK);
    assert_int_equal(tip_replay_check(&r, 72), TIP_ERR_REPLAY);
    assert_int_equal(tip_replay_update(&r, 72), TIP_ERR_REPLAY);
    accept_seq(&r, 73);
}

static void test_check_changes_nothing(void **state)
{
    tip_replay_t r, copy;
    (void)state;
    tip_replay_init(&r, 256);
    accept_seq(&r, 1000);
    accept_seq(&r, 990);
    copy = r;
    (void)tip_replay_check(&r, 5000);
    (void)tip_replay_check(&r, 995);
    (void)tip_replay_check(&r, 990);
    (void)tip_replay_infer(&r, 7, 1);
    assert_memory_equal(&r, &copy, sizeof(r));
}

static void test_far_jump_clears_ring(void **state)
{
    tip_replay_t r;
    uint64_t s;
    (void)state;
    tip_replay_init(&r, 128);
    for (s = 1; s <= 160; s++)
        accept_seq(&r, s);
    /* Jump by exactly the ring size in bits: every slot maps to itself. */
    accept_seq(&r, 160 + (uint64_t)TIP_REPLAY_WORDS * 32u);
    for (s = 160 + (uint64_t)TIP_REPLAY_WORDS * 32u - 127; s < 160 + (uint64_t)TIP_REPLAY_WORDS * 32u; s++)
        assert_int_equal(tip_replay_check(&r, s), TIP_OK);
    /* A huge jump. */
    accept_seq(&r, 10000000);
    assert_int_equal(tip_replay_check(&r, 10000000 - 127), TIP_OK);
    assert_int_equal(tip_replay_check(&r, 10000000 - 128), TIP_ERR_REPLAY);
    assert_int_equal(tip_replay_check(&r, 10000000), TIP_ERR_REPLAY);
}

static void test_small_window(void **state)
{
    tip_replay_t r;
    (void)state;
    tip_replay_init(&r, 32);
    assert_int_equal(r.window, 32);
    accept_seq(&r, 100);
    assert_int_equal(tip_replay_check(&r, 69), TIP_OK);
    assert_int_equal(tip_replay_check(&r, 68), TIP_ERR_REPLAY);
    tip_replay_init(&r, 100000); /* capped at the compile-time maximum */
    assert_int_equal(r.window, TIP_REPLAY_WINDOW);
}

static void test_esn_infer(void **state)
{
    tip_replay_t r;
    (void)state;
    tip_replay_init(&r, 128);
    /* Without ESN the high half is always 0. */
    assert_true(tip_replay_infer(&r, 0xFFFFFFF0u, 0) == 0xFFFFFFF0u);
    /* Window inside one epoch near its end (RFC 4303 A2.2 case A). */
    r.top = 0x1FFFFFFF0ull;
    assert_true(tip_replay_infer(&r, 5, 1) == 0x200000005ull);
    assert_true(tip_replay_infer(&r, 0xFFFFFF80u, 1) == 0x1FFFFFF80ull);
    assert_true(tip_replay_infer(&r, 0xFFFFFF71u, 1) == 0x1FFFFFF71ull);
    /* Window spanning two epochs (case B). */
    r.top = 0x200000010ull;
    assert_true(tip_replay_infer(&r, 0xFFFFFFF0u, 1) == 0x1FFFFFFF0ull);
    assert_true(tip_replay_infer(&r, 20, 1) == 0x200000014ull);
    assert_true(tip_replay_infer(&r, 0x10000000u, 1) == 0x210000000ull);
    /* Epoch 0: there is no previous epoch. */
    r.top = 5;
    assert_true(tip_replay_infer(&r, 0xFFFFFFF0u, 1) == 0xFFFFFFF0ull);
    /* The last epoch, 2^32 - 1, reached from either side (no shift
     * overflows: the sanitizer build runs this too). */
    r.top = 0xFFFFFFFEFFFFFFF0ull;
    assert_true(tip_replay_infer(&r, 5, 1) == 0xFFFFFFFF00000005ull);
    r.top = 0xFFFFFFFF00000010ull;
    assert_true(tip_replay_infer(&r, 0xFFFFFFF0u, 1) == 0xFFFFFFFEFFFFFFF0ull);
    assert_true(tip_replay_infer(&r, 20, 1) == 0xFFFFFFFF00000014ull);
}

static void test_esn_wrap_across_epochs(void **state)
{
    tip_replay_t r;
    uint64_t base = 0xFFFFFFF0ull, s;
    (void)state;
    tip_replay_init(&r, 128);
    for (s = base; s < base + 40; s += 2)
        accept_seq(&r, tip_replay_infer(&r, (uint32_t)s, 1));
    assert_true(r.top == base + 38);
    /* Late packets from before the wrap are still recognised. */
    assert_true(tip_replay_infer(&r, (uint32_t)(base + 1), 1) == base + 1);
    accept_seq(&r, tip_replay_infer(&r, (uint32_t)(base + 1), 1));
    assert_int_equal(tip_replay_check(&r, tip_replay_infer(&r, (uint32_t)(base + 2), 1)),
                     TIP_ERR_REPLAY);
    assert_int_equal(tip_replay_check(&r, tip_replay_infer(&r, (uint32_t)(base + 20), 1)),
                     TIP_ERR_REPLAY);
}

/* Compare against an obviously-correct model on a pseudo-random stream. */
static void test_against_model(void **state)
{
    enum { N = 20000, W = 128 };
    static uint8_t seen[N + 4096];
    tip_replay_t r;
    uint64_t x = 0x9E3779B97F4A7C15ull, top = 0;
    int i;
    (void)state;
    memset(seen, 0, sizeof(seen));
    tip_replay_init(&r, W);
    for (i = 0; i < 60000; i++) {
        uint64_t seq;
        int expect, got;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* mostly near the top, sometimes behind, sometimes far ahead */
        seq = top + 3 > (x % 300) ? top + 3 - (x % 300) : 1;
        if ((x >> 20) % 50 == 0)
            seq = top + 1 + (x >> 30) % 700;
        if (seq >= N + 4096 || seq == 0)
            continue;
        expect = seq > top || (top - seq < W && !seen[seq]);
        got = tip_replay_check(&r, seq) == TIP_OK;
        assert_int_equal(got, expect);
        if (got) {
            assert_int_equal(tip_replay_update(&r, seq), TIP_OK);
            seen[seq] = 1;
            if (seq > top)
                top = seq;
        }
        if (top > N)
            break;
    }
}

/* A restored window: everything at or below the top counts as received,
 * the numbers above it are new, also those in the top's own block. */
static void test_restore(void **state)
{
    static const uint64_t tops[] = {1, 31, 32, 100, 127, 128, 0x100000005ull,
                                    0xFFFFFFFFull, 0x500000000ull};
    size_t t;
    (void)state;
    for (t = 0; t < sizeof(tops) / sizeof(tops[0]); t++) {
        uint64_t top = tops[t], k;
        tip_replay_t r;
        tip_replay_init(&r, 128);
        tip_replay_restore(&r, top);
        assert_true(r.top == top);
        for (k = 0; k < 200 && k <= top; k++)
            assert_int_equal(tip_replay_check(&r, top - k), TIP_ERR_REPLAY);
        for (k = 1; k <= 40; k++)
            assert_int_equal(tip_replay_check(&r, top + k), TIP_OK);
        /* Out of order above the restored top: each new number once. */
        accept_seq(&r, top + 5);
        accept_seq(&r, top + 1);
        accept_seq(&r, top + 3);
        assert_int_equal(tip_replay_check(&r, top + 2), TIP_OK);
        assert_int_equal(tip_replay_check(&r, top + 4), TIP_OK);
        assert_int_equal(tip_replay_check(&r, top + 5), TIP_ERR_REPLAY);
        assert_int_equal(tip_replay_check(&r, top), TIP_ERR_REPLAY);
        /* Far ahead: the window moves on as usual. */
        accept_seq(&r, top + 1000);
        assert_int_equal(tip_replay_check(&r, top + 999), TIP_OK);
    }
}

/* With the check off the window's top still follows accepted packets. */
static void test_track(void **state)
{
    tip_replay_t r;
    (void)state;
    tip_replay_init(&r, 64);
    tip_replay_track(&r, 5);
    tip_replay_track(&r, 3);
    assert_true(r.top == 5);
    tip_replay_track(&r, 0x100000002ull);
    assert_true(r.top == 0x100000002ull);
    assert_true(tip_replay_infer(&r, 7, 1) == 0x100000007ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicate_and_zero),
        cmocka_unit_test(test_left_edge),
        cmocka_unit_test(test_check_changes_nothing),
        cmocka_unit_test(test_far_jump_clears_ring),
        cmocka_unit_test(test_small_window),
        cmocka_unit_test(test_esn_infer),
        cmocka_unit_test(test_esn_wrap_across_epochs),
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_restore),
        cmocka_unit_test(test_track),
    };
    return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
