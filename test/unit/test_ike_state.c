/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The IKE SA state machine and slot references: tip_ike_sa_set_state()
 * allows exactly the transitions of the life cycle (checked against a table
 * written here from the documented states), refuses, logs and counts every
 * other; handles between IKE SA slots go stale when a slot is freed and a
 * rekey's reserved slot lives and dies with its parent.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_MAX_IKE_SA>=3
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t port;
static tip_ctx_t ctx;

static int setup(void **state)
{
    tip_port_t p;
    tip_ike_conn_t k;
    (void)state;
    tip_ctx_deinit(&ctx);
    tip_test_port_init(&port, 7, 1000);
    tip_test_port_fill(&port, &p);
    assert_int_equal(tip_ctx_init(&ctx, &p), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    assert_int_equal(tip_ike_conn_add(&ctx, &k, NULL), TIP_OK);
    return 0;
}

/* The life cycle of ike_ctx.h, written out: from -> to. */
static int allowed(unsigned from, unsigned to)
{
    switch (from) {
    case TIP_IKE_S_FREE:
        return to == TIP_IKE_S_INIT_SENT || to == TIP_IKE_S_INIT_DONE || to == TIP_IKE_S_CREATING;
    case TIP_IKE_S_INIT_SENT:
        return to == TIP_IKE_S_AUTH_SENT || to == TIP_IKE_S_FREE;
    case TIP_IKE_S_AUTH_SENT:
    case TIP_IKE_S_INIT_DONE:
        return to == TIP_IKE_S_ESTABLISHED || to == TIP_IKE_S_FREE;
    case TIP_IKE_S_CREATING: /* the redundant new IKE SA of a collision: REKEYED */
        return to == TIP_IKE_S_ESTABLISHED || to == TIP_IKE_S_REKEYED || to == TIP_IKE_S_FREE;
    case TIP_IKE_S_ESTABLISHED:
        return to == TIP_IKE_S_REKEYED || to == TIP_IKE_S_DELETING || to == TIP_IKE_S_FREE;
    case TIP_IKE_S_DELETING:
        return to == TIP_IKE_S_REKEYED || to == TIP_IKE_S_FREE;
    case TIP_IKE_S_REKEYED:
        return to == TIP_IKE_S_FREE;
    default:
        return 0;
    }
}

static void test_every_transition(void **state)
{
    tip_ike_sa_t *sa = &ctx.ike.sa[0];
    unsigned from, to;
    uint32_t bad = 0;
    (void)state;
    for (from = 0; from < TIP_IKE_S_COUNT_; from++) {
        for (to = 0; to <= TIP_IKE_S_COUNT_; to++) {
            int r;
            sa->state = (uint8_t)from; /* test set-up only: the setter is under test */
            port.last_log_level = -1;
            r = tip_ike_sa_set_state(&ctx, sa, (tip_ike_sa_state_t)to);
            if (to < TIP_IKE_S_COUNT_ && allowed(from, to)) {
                assert_int_equal(r, TIP_OK);
                assert_int_equal(sa->state, to);
                assert_int_equal(port.last_log_level, TIP_LOG_DEBUG);
                assert_non_null(strstr(port.last_log, " -> "));
            } else {
                assert_int_equal(r, TIP_ERR_INTERNAL);
                assert_int_equal(sa->state, from); /* refused: nothing changed */
                assert_int_equal(port.last_log_level, TIP_LOG_ERROR);
                assert_non_null(strstr(port.last_log, "illegal"));
                bad++;
            }
            assert_int_equal(ctx.ike.bad_transitions, bad);
        }
    }
    sa->state = TIP_IKE_S_FREE;
}

static void test_log_names_states(void **state)
{
    tip_ike_sa_t *sa = &ctx.ike.sa[0];
    (void)state;
    assert_int_equal(tip_ike_sa_set_state(&ctx, sa, TIP_IKE_S_INIT_DONE), TIP_OK);
#if TIP_CONF_STRINGS
    assert_non_null(strstr(port.last_log, "FREE -> INIT_DONE"));
#endif
    assert_int_equal(tip_ike_sa_set_state(&ctx, sa, TIP_IKE_S_REKEYED), TIP_ERR_INTERNAL);
#if TIP_CONF_STRINGS
    assert_non_null(strstr(port.last_log, "INIT_DONE -> REKEYED"));
#endif
    tip_ike_sa_free(&ctx, sa);
    assert_int_equal(ctx.ike.bad_transitions, 1);
}

/* Freeing a slot makes every handle to it stale; a second free is refused. */
static void test_free_makes_handles_stale(void **state)
{
    tip_ike_sa_t *sa;
    tip_handle_t h;
    uint16_t gen;
    int err;
    (void)state;
    sa = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_INITIATE, NULL, &err);
    assert_non_null(sa);
    assert_int_equal(tip_ike_sa_set_state(&ctx, sa, TIP_IKE_S_INIT_SENT), TIP_OK);
    h = tip_ike_sa_handle(&ctx, sa);
    assert_ptr_equal(tip_ike_sa_get(&ctx, h), sa);
    gen = sa->gen;
    tip_ike_sa_free(&ctx, sa);
    assert_null(tip_ike_sa_get(&ctx, h));
    assert_int_equal(sa->gen, (uint16_t)(gen + 1u));
    tip_ike_sa_free(&ctx, sa); /* double free: counted, nothing done */
    assert_int_equal(sa->gen, (uint16_t)(gen + 1u));
    assert_int_equal(ctx.ike.bad_transitions, 1);
    /* the slot is taken again: the old handle still does not reach it */
    sa = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_INITIATE, NULL, &err);
    assert_int_equal(tip_ike_sa_set_state(&ctx, sa, TIP_IKE_S_INIT_SENT), TIP_OK);
    assert_null(tip_ike_sa_get(&ctx, h));
    tip_ike_sa_free(&ctx, sa);
}

/* A rekey's slot is named both ways, and never outlives its parent. */
static void test_rekey_slot_lives_with_parent(void **state)
{
    tip_ike_sa_t *p, *n, *o;
    int err;
    (void)state;
    p = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_INITIATE, NULL, &err);
    assert_int_equal(tip_ike_sa_set_state(&ctx, p, TIP_IKE_S_INIT_DONE), TIP_OK);
    assert_int_equal(tip_ike_sa_set_state(&ctx, p, TIP_IKE_S_ESTABLISHED), TIP_OK);
    n = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_REKEY, NULL, &err);
    assert_int_equal(tip_ike_sa_set_state(&ctx, n, TIP_IKE_S_CREATING), TIP_OK);
    assert_null(tip_ike_sa_rekey_slot(&ctx, p)); /* not linked yet */
    n->parent = tip_ike_sa_handle(&ctx, p);
    p->pend.new_ike_sa = tip_ike_sa_handle(&ctx, n);
    assert_ptr_equal(tip_ike_sa_rekey_slot(&ctx, p), n);
    /* the reserved slot goes: the parent no longer names it */
    tip_ike_sa_free(&ctx, n);
    assert_null(tip_ike_sa_rekey_slot(&ctx, p));
    assert_int_equal(p->pend.new_ike_sa, 0);
    /* another peer takes that slot: still not the parent's */
    o = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_INITIATE, NULL, &err);
    assert_ptr_equal(o, n);
    assert_int_equal(tip_ike_sa_set_state(&ctx, o, TIP_IKE_S_INIT_SENT), TIP_OK);
    p->pend.new_ike_sa = tip_ike_sa_handle(&ctx, o); /* even if it were named */
    assert_null(tip_ike_sa_rekey_slot(&ctx, p));
    tip_ike_sa_free(&ctx, p); /* ... freeing the parent leaves it alone */
    assert_int_equal(o->state, TIP_IKE_S_INIT_SENT);
    tip_ike_sa_free(&ctx, o);
    /* and the parent going takes its reserved slot with it */
    p = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_INITIATE, NULL, &err);
    assert_int_equal(tip_ike_sa_set_state(&ctx, p, TIP_IKE_S_INIT_DONE), TIP_OK);
    n = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_REKEY, NULL, &err);
    assert_int_equal(tip_ike_sa_set_state(&ctx, n, TIP_IKE_S_CREATING), TIP_OK);
    n->parent = tip_ike_sa_handle(&ctx, p);
    p->pend.new_ike_sa = tip_ike_sa_handle(&ctx, n);
    tip_ike_sa_free(&ctx, p);
    assert_int_equal(n->state, TIP_IKE_S_FREE);
    assert_int_equal(ctx.ike.bad_transitions, 0);
}

/* Half-open SAs: a bounded number per source, and never the rekey reserve. */
static void test_half_open_admission(void **state)
{
    tip_addr_t x = tip_test_addr("192.0.2.1"), y = tip_test_addr("192.0.2.2");
    tip_ike_sa_t *sa[TIP_MAX_IKE_SA];
    unsigned i, n = 0;
    int err;
    (void)state;
    for (i = 0; i < TIP_IKE_HALF_OPEN_PER_SRC; i++) {
        sa[n] = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_HALF_OPEN, &x, &err);
        assert_non_null(sa[n]);
        assert_int_equal(tip_ike_sa_set_state(&ctx, sa[n], TIP_IKE_S_INIT_DONE), TIP_OK);
        sa[n++]->remote = x;
    }
    assert_null(tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_HALF_OPEN, &x, &err));
    assert_int_equal(err, TIP_ERR_FULL);
    /* one established IKE SA: half-open SAs leave TIP_IKE_REKEY_RESERVE slots */
    sa[n] = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_INITIATE, NULL, &err);
    assert_int_equal(tip_ike_sa_set_state(&ctx, sa[n], TIP_IKE_S_INIT_DONE), TIP_OK);
    assert_int_equal(tip_ike_sa_set_state(&ctx, sa[n++], TIP_IKE_S_ESTABLISHED), TIP_OK);
    while (n < TIP_MAX_IKE_SA) {
        tip_ike_sa_t *h = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_HALF_OPEN, &y, &err);
        if (h == NULL)
            break;
        assert_int_equal(tip_ike_sa_set_state(&ctx, h, TIP_IKE_S_INIT_DONE), TIP_OK);
        y.addr[3]++;
        h->remote = y;
        sa[n++] = h;
    }
    assert_int_equal(TIP_MAX_IKE_SA - n, TIP_IKE_REKEY_RESERVE);
    /* ... which a rekey may take */
    if (n < TIP_MAX_IKE_SA) {
        sa[n] = tip_ike_sa_alloc(&ctx, TIP_IKE_FOR_REKEY, NULL, &err);
        assert_non_null(sa[n]);
        assert_int_equal(tip_ike_sa_set_state(&ctx, sa[n++], TIP_IKE_S_CREATING), TIP_OK);
    }
    for (i = 0; i < n; i++)
        tip_ike_sa_free(&ctx, sa[i]);
    assert_int_equal(ctx.ike.bad_transitions, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_every_transition, setup),
        cmocka_unit_test_setup(test_log_names_states, setup),
        cmocka_unit_test_setup(test_free_makes_handles_stale, setup),
        cmocka_unit_test_setup(test_rekey_slot_lives_with_parent, setup),
        cmocka_unit_test_setup(test_half_open_admission, setup),
    };
    return cmocka_run_group_tests_name("ike_state", tests, NULL, NULL);
}
