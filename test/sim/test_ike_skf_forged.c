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
#include "tip_test_ike.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static tip_sim_t sim;
static tip_handle_t conn_a, conn_b;

static int both_up(void *arg)
{
    tip_ike_status_t sa, sb;
    (void)arg;
    return tip_ike_status(&a, conn_a, &sa) == TIP_OK && tip_ike_status(&b, conn_b, &sb) == TIP_OK &&
           sa.child_up && sb.child_up;
}

static void test_forged_skf_changes_nothing(void **state)
{
    static uint8_t msg[128];
    tip_port_t p;
    tip_ike_conn_t k;
    tip_ike_sa_t *sb;
    tip_ike_status_t st;
    tip_addr_t src = tip_test_addr("10.99.0.1"), dst = tip_test_addr("10.99.0.2");
    uint32_t id, sent;
    int err;
    size_t len = 28u + 4u + 4u + 8u + 16u + 16u;
    (void)state;

    tip_test_port_init(&pa, 21, 1000);
    tip_test_port_init(&pb, 22, 1000);
    tip_test_port_fill(&pa, &p);
    assert_int_equal(tip_ctx_init(&a, &p), TIP_OK);
    tip_test_port_fill(&pb, &p);
    assert_int_equal(tip_ctx_init(&b, &p), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.1", "10.99.0.2", "a.test", "b.test", "10.1.0.0", "10.2.0.0");
    assert_int_equal(tip_ike_conn_add(&a, &k, &conn_a), TIP_OK);
    tip_test_ike_conn(&k, "10.99.0.2", "10.99.0.1", "b.test", "a.test", "10.2.0.0", "10.1.0.0");
    assert_int_equal(tip_ike_conn_add(&b, &k, &conn_b), TIP_OK);
    tip_sim_init(&sim, &a, &pa, "10.99.0.1", &b, &pb, "10.99.0.2", 21);
    assert_int_equal(tip_ike_initiate(&a, conn_a), TIP_OK);
    assert_true(tip_sim_until(&sim, both_up, NULL, 5000));

    sb = &b.ike.sa[tip_handle_idx(b.ike.conn[tip_handle_idx(conn_b)].ike_sa)];
    id = sb->msg_id_in;
    sent = tip_test_port_count(&pb);
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
    err = tip_ike_input(&b, &src, 500, &dst, 500, msg, len);
    assert_int_equal(tip_test_port_count(&pb), sent); /* no answer */
    assert_int_equal(sb->msg_id_in, id);             /* the window did not move */
    assert_int_not_equal(err, TIP_OK);
    assert_int_equal(tip_ike_status(&b, conn_b, &st), TIP_OK);
    assert_true(st.child_up);
    /* The peer's real next request is still taken. */
    assert_int_equal(tip_ike_rekey_child(&a, conn_a), TIP_OK);
    tip_sim_run(&sim, 2000, 50);
    assert_true(sb->msg_id_in > id); /* the rekey (and the old pair's delete) */
    assert_int_equal(tip_ike_status(&b, conn_b, &st), TIP_OK);
    assert_true(st.child_up);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forged_skf_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
