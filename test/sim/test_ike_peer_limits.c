/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * What an authenticated peer that does not play by the rules can make us
 * hold: a peer that rekeys the IKE SA again and again without ever
 * deleting the IKE SAs it replaced (RFC 7296 2.18: the initiator of a
 * rekey deletes the old IKE SA) must not fill our IKE SA table, which the
 * other peers need to connect and to rekey.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_MAX_IKE_SA>=4 TIP_CONF_AES_GCM TIP_MAX_SA>=4
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_IKE_REKEY_IKE (rekeys the IKE SA)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_port.h"
#include "tip_wire.h"

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;
static tip_wire_t wire;

static void world(uint64_t seed)
{
    tip_sim_pair_setup(&sp, seed, NULL, NULL);
    sp.own_conn_only = 1;
    tip_sim_pair_up(&sp, 5000);
    tip_sim_run(&sp.sim, 100, 10);
    memset(sp.ev, 0, sizeof(sp.ev));
    tip_wire_init(&wire, &sp.sim);
}

/* IKE SA slots of @p c in state @p st. */
static unsigned slots_in(const tip_ctx_t *c, tip_ike_sa_state_t st)
{
    unsigned i, n = 0;

    for (i = 0; i < TIP_MAX_IKE_SA; i++)
        n += c->ike.sa[i].state == (uint8_t)st;
    return n;
}

/* A rekeys the IKE SA; B answers; A's Delete of the old IKE SA never
 * reaches B (A's peer behaves as if it never sent one). */
static void rekey_without_delete(void)
{
    assert_int_equal(tip_ike_rekey_ike(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_wire_collect(&wire);
    assert_int_equal(tip_wire_deliver(&wire, tip_wire_find(&wire, A, TIP_IKE_EXCH_CREATE_CHILD_SA, 0)),
                     TIP_OK);
    tip_wire_collect(&wire);
    assert_int_equal(tip_wire_deliver(&wire, tip_wire_find(&wire, B, TIP_IKE_EXCH_CREATE_CHILD_SA, 1)),
                     TIP_OK);
    tip_wire_collect(&wire);
    tip_wire_take(&wire, tip_wire_find(&wire, A, TIP_IKE_EXCH_INFORMATIONAL, 0));
}

/*
 * RFC 7296 2.18, 2.6: each rekey of the peer leaves us the IKE SA it
 * replaced, waiting for the peer's Delete. A peer that rekeys again before
 * deleting the previous one replaced that one twice: it is forgotten (with
 * its keys), so at most one such IKE SA per connection waits, and the
 * table keeps room for other peers however often the peer rekeys.
 */
static void test_rekeys_without_delete_do_not_fill_the_table(void **state)
{
    tip_ike_status_t st;
    unsigned round;
    (void)state;

    world(4100);
    /* A itself holds each old IKE SA until its Delete gives up: it can
     * rekey TIP_MAX_IKE_SA - 1 times in a row, which would fill B's table. */
    for (round = 0; round + 1u < (unsigned)TIP_MAX_IKE_SA; round++) {
        rekey_without_delete();
        assert_int_equal(slots_in(&sp.ctx[B], TIP_IKE_S_ESTABLISHED), 1);
        assert_int_equal(slots_in(&sp.ctx[B], TIP_IKE_S_REKEYED), 1);
    }
    /* every rekey succeeded, and the tunnel is the newest IKE SA's */
    assert_int_equal(sp.ev[A][TIP_EV_IKE_REKEYED], (int)TIP_MAX_IKE_SA - 1);
    assert_int_equal(sp.ev[B][TIP_EV_IKE_REKEYED], (int)TIP_MAX_IKE_SA - 1);
    assert_true(slots_in(&sp.ctx[B], TIP_IKE_S_FREE) >= 2u); /* room for another peer */
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &st), TIP_OK);
    assert_true(st.ike_up && st.child_up);
    assert_int_equal(st.last_error, TIP_OK);
    /* a late Delete of a forgotten IKE SA finds nothing; the current one stays */
    tip_wire_settle(&wire, 2000, 0);
    assert_true(tip_sim_pair_both_up(&sp));
    assert_int_equal(sp.ev[B][TIP_EV_IKE_DOWN], 0);
    assert_int_equal(sp.ev[B][TIP_EV_CHILD_DOWN], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rekeys_without_delete_do_not_fill_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
