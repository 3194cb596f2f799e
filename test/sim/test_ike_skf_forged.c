/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * An attacker who knows an IKE SA's SPIs and next message ID sends the
 * responder an Encrypted Fragment payload (RFC 7383) whose integrity check
 * fails. It must change nothing: no answer, the message ID window where it
 * was, the IKE SA up; and a genuine request still goes through afterwards.
 * Holds in every build: with fragmentation negotiated, compiled out, or
 * turned off.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_AES_GCM
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "ike/ike_core.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_sim.h"
#include "tip_sim_pair.h"
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

enum { A = 0, B = 1 };
static tip_sim_pair_t sp;

static void test_forged_skf_changes_nothing(void **state)
{
    static uint8_t msg[128];
    tip_ike_sa_t *sb;
    tip_ike_status_t st;
    tip_addr_t src = tip_test_addr("10.99.0.1"), dst = tip_test_addr("10.99.0.2");
    uint32_t id, sent;
    int err;
    size_t len = 28u + 4u + 4u + 8u + 16u + 16u;
    (void)state;

    tip_sim_pair_setup(&sp, 21, NULL, NULL);
    tip_sim_pair_up(&sp, 5000);

    sb = &sp.ctx[B].ike.sa[tip_handle_idx(sp.ctx[B].ike.conn[tip_handle_idx(sp.conn[B])].ike_sa)];
    id = sb->msg_id_in;
    sent = tip_test_port_count(&sp.port[B]);
    /* INFORMATIONAL request "from the initiator": header, then an SKF
     * payload (fragment 1 of 1, first inner payload N) of junk. */
    memset(msg, 0xA7, sizeof(msg));
    memcpy(msg, sb->spi_i, 8);
    memcpy(msg + 8, sb->spi_r, 8);
    msg[16] = TIP_IKE_PL_SKF;
    msg[17] = 0x20;
    msg[18] = TIP_IKE_EXCH_INFORMATIONAL;
    msg[19] = TIP_IKE_FLAG_INITIATOR;
    tip_store_be32(msg + 20, id);
    tip_store_be32(msg + 24, (uint32_t)len);
    msg[28] = TIP_IKE_PL_N;
    msg[29] = 0;
    tip_store_be16(msg + 30, (uint16_t)(len - 28u));
    tip_store_be16(msg + 32, 1);
    tip_store_be16(msg + 34, 1);
    err = tip_ike_input(&sp.ctx[B], &src, 500, &dst, 500, msg, len);
    assert_int_equal(tip_test_port_count(&sp.port[B]), sent); /* no answer */
    assert_int_equal(sb->msg_id_in, id);             /* the window did not move */
    assert_int_not_equal(err, TIP_OK);
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &st), TIP_OK);
    assert_true(st.child_up);
    /* The peer's real next request is still taken. */
    assert_int_equal(tip_ike_rekey_child(&sp.ctx[A], sp.conn[A]), TIP_OK);
    tip_sim_run(&sp.sim, 2000, 50);
    assert_true(sb->msg_id_in > id); /* the rekey (and the old pair's delete) */
    assert_int_equal(tip_ike_status(&sp.ctx[B], sp.conn[B], &st), TIP_OK);
    assert_true(st.child_up);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forged_skf_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
