/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The threading hook: a library built with TIP_ASSERT_CORE_LOCKED defined
 * (core_lock.h) calls it from every public function that takes a context,
 * first, with that context; also from calls made inside an event callback.
 * The walk below makes each such call once; core-lock-coverage.sh checks
 * that it names every one the public headers declare (the setkey and IKE
 * calls are walked in builds that have them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

static tip_ctx_t ctx;
static tip_test_port_t tp;
static unsigned hook_calls;
static unsigned walked;
static const struct tip_ctx *hook_ctx;
static int hook_other; /* the hook saw another context */

void tip_test_core_locked(const struct tip_ctx *c)
{
    hook_calls++;
    if (c != &ctx)
        hook_other = 1;
    hook_ctx = c;
}

/* Run @p call and check that it went through the hook, with this context. */
#define WALK(fn, call)                                                                   \
    do {                                                                                 \
        hook_calls = 0;                                                                  \
        hook_ctx = NULL;                                                                 \
        hook_other = 0;                                                                  \
        (void)(call);                                                                    \
        if (hook_calls == 0 || hook_ctx != &ctx || hook_other)                           \
            print_error("%s: TIP_ASSERT_CORE_LOCKED called %u times%s\n", #fn, hook_calls, \
                        hook_other ? ", with another context" : "");                     \
        assert_true(hook_calls >= 1);                                                    \
        assert_ptr_equal(hook_ctx, &ctx);                                                \
        assert_false(hook_other);                                                        \
        walked++;                                                                        \
    } while (0)

static int cb_calls, cb_deinit;

/* Inside an event callback the hook runs for the calls made there too,
 * the refused ones included (it comes first). */
static void on_event(void *arg, const tip_event_t *ev)
{
    (void)arg;
    (void)ev;
    hook_calls = 0;
    (void)tip_sad_count(&ctx);
    if (hook_calls == 1)
        cb_calls++;
    WALK(tip_ctx_deinit, cb_deinit = tip_ctx_deinit(&ctx));
}

/*
 * Each call gets arguments that make it return at its first check (a NULL
 * pointer, handle 0), or an empty table, so that no other public function
 * runs inside it: the hook ran because the function itself calls it, at
 * its start.
 */
static void test_every_entry_point(void **state)
{
    static uint8_t mem[2048];
    tip_port_t port;
    tip_sa_params_t p;
    tip_flow_t flow;
    tip_handle_t sa = 0;
    tip_buf_t buf;
    tip_addr_t me = tip_test_addr("10.99.0.1"), peer = tip_test_addr("10.99.0.2");
    (void)state;

    tip_test_port_init(&tp, 7, 1000);
    tip_test_port_fill(&tp, &port);
    WALK(tip_ctx_init_checked, tip_ctx_init_checked(&ctx, NULL, sizeof(ctx), TIP_CONFIG_FINGERPRINT));
    assert_int_equal(tip_ctx_init(&ctx, &port), TIP_OK);
    WALK(tip_ctx_set_event_cb, (tip_ctx_set_event_cb(&ctx, on_event, NULL), 0));
    WALK(tip_ctx_set_natt_keepalive, (tip_ctx_set_natt_keepalive(&ctx, 20000), 0));
    WALK(tip_ctx_drops, tip_ctx_drops(&ctx, TIP_DROP_COUNT));
    WALK(tip_poll, tip_poll(&ctx, 1000));

    WALK(tip_sad_add, tip_sad_add(&ctx, NULL, NULL));
    WALK(tip_sad_del, tip_sad_del(&ctx, 0));
    WALK(tip_sad_flush, (tip_sad_flush(&ctx), 0));
    WALK(tip_sad_count, tip_sad_count(&ctx));
    WALK(tip_sad_stats, tip_sad_stats(&ctx, 0, NULL));
    WALK(tip_sad_find_inbound, tip_sad_find_inbound(&ctx, 0x1001, &me, NULL));
    WALK(tip_spd_add, tip_spd_add(&ctx, NULL, TIP_SPD_APPEND, NULL));
    WALK(tip_spd_del, tip_spd_del(&ctx, 0));
    WALK(tip_spd_flush, (tip_spd_flush(&ctx), 0));
    WALK(tip_spd_get, tip_spd_get(&ctx, 0, NULL));
    WALK(tip_spd_bind_sa, tip_spd_bind_sa(&ctx, 0, 0));
    memset(&flow, 0, sizeof(flow));
    WALK(tip_spd_lookup, tip_spd_lookup(&ctx, (tip_dir_t)0, &flow, NULL));

    WALK(tip_output, tip_output(&ctx, NULL));
    WALK(tip_output_batch, tip_output_batch(&ctx, NULL, 1, NULL));
    WALK(tip_esp_encap, tip_esp_encap(&ctx, 0, NULL));
    WALK(tip_input_ip, tip_input_ip(&ctx, NULL));
    WALK(tip_input_udp, tip_input_udp(&ctx, NULL, 4500, &me, 4500, NULL));
#if TIP_CONF_SETKEY
    WALK(tip_setkey_apply, tip_setkey_apply(&ctx, "nonsense;", 9, NULL, NULL));
#endif
#if TIP_CONF_IKEV2
    WALK(tip_ike_conn_add, tip_ike_conn_add(&ctx, NULL, NULL));
    WALK(tip_ike_conn_del, tip_ike_conn_del(&ctx, 0));
    WALK(tip_ike_initiate, tip_ike_initiate(&ctx, 0));
    WALK(tip_ike_input, tip_ike_input(&ctx, &peer, 500, &me, 500, NULL, 0));
    WALK(tip_ike_rekey_child, tip_ike_rekey_child(&ctx, 0));
    WALK(tip_ike_rekey_child_at, tip_ike_rekey_child_at(&ctx, 0, 0));
    WALK(tip_ike_rekey_ike, tip_ike_rekey_ike(&ctx, 0));
    WALK(tip_ike_delete_child, tip_ike_delete_child(&ctx, 0));
    WALK(tip_ike_delete_child_at, tip_ike_delete_child_at(&ctx, 0, 0));
    WALK(tip_ike_terminate, tip_ike_terminate(&ctx, 0));
    WALK(tip_ike_update_address, tip_ike_update_address(&ctx, 0, &me));
    WALK(tip_ike_status, tip_ike_status(&ctx, 0, NULL));
    WALK(tip_ike_child_status, tip_ike_child_status(&ctx, 0, 0, NULL));
    WALK(tip_ike_pool_add, tip_ike_pool_add(&ctx, NULL, NULL));
    WALK(tip_ike_pool_status, tip_ike_pool_status(&ctx, 0, NULL));
    WALK(tip_ike_vip_get, tip_ike_vip_get(&ctx, 0, NULL));
#endif

    /* A packet whose SA ends with it: the event's callback calls in too,
     * and its tip_ctx_deinit() is refused after the hook ran. */
    memset(&p, 0, sizeof(p));
    p.dir = TIP_DIR_OUT;
    p.spi = 0x1001;
    p.mode = TIP_MODE_TUNNEL;
    p.src = me;
    p.dst = peer;
    p.encr = TIP_ENCR_AES_GCM_16;
    p.encr_key = (const uint8_t *)"0123456789abcdef0123";
    p.encr_key_len = 20;
    p.hard.packets = 1;
    assert_int_equal(tip_sad_add(&ctx, &p, &sa), TIP_OK);
    tip_test_buf_init(&buf, mem, sizeof(mem), TIP_ESP_HEADROOM);
    {
        static const uint8_t pl[16] = {1};
        tip_addr_t s = tip_test_addr("10.1.0.5"), d = tip_test_addr("10.2.0.7");
        assert_int_equal(tip_test_pkt_udp(&buf, &s, &d, 1, 2, pl, sizeof(pl)), TIP_OK);
    }
    assert_int_equal(tip_esp_encap(&ctx, sa, &buf), TIP_OK);
    assert_int_equal(cb_calls, 1);
    assert_int_equal(cb_deinit, TIP_ERR_BUSY);
    WALK(tip_ctx_deinit, tip_ctx_deinit(&ctx));
    print_message("%u calls went through TIP_ASSERT_CORE_LOCKED\n", walked);
}

/* Functions that take no context do not call it. */
static void test_context_free_functions(void **state)
{
    tip_addr_t a;
    char text[64];
    (void)state;
    hook_calls = 0;
    (void)tip_addr_parse(&a, "192.0.2.1");
    (void)tip_addr_format(&a, text, sizeof(text));
    (void)tip_strerror(TIP_ERR_BUSY);
    (void)tip_event_name(TIP_EV_ACQUIRE);
    (void)tip_config_fingerprint();
    assert_int_equal(hook_calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_entry_point),
        cmocka_unit_test(test_context_free_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
