/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * setkey and sequence numbers: the -esn and -seq options (tinyipsec
 * extensions), and the manual-keying contract every SA added from text
 * falls under (the port's sequence-number store; the same text applied
 * again after a restart never reuses a number).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "tinyipsec/setkey.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

#if TIP_CONF_SETKEY && TIP_CONF_NATT

#define CAP 1024

static tip_test_port_t pa, pb;
static tip_ctx_t a, b;
static uint8_t mem_out[CAP], mem_in[CAP];
static tip_addr_t addr_a, addr_b;

#define KEY "0x000102030405060708090a0b0c0d0e0fcafebabe"

static void ctx_up(tip_ctx_t *ctx, tip_test_port_t *tp)
{
    tip_port_t port;
    tip_test_port_fill(tp, &port);
    assert_int_equal(tip_ctx_init(ctx, &port), TIP_OK);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tip_addr_parse(&addr_a, "192.0.2.1"), TIP_OK);
    assert_int_equal(tip_addr_parse(&addr_b, "192.0.2.2"), TIP_OK);
    tip_test_port_init(&pa, 1, 0);
    tip_test_port_init(&pb, 2, 0);
    ctx_up(&a, &pa);
    ctx_up(&b, &pb);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
    return 0;
}

/* One SA A -> B in both contexts (A: out, B: in) plus the policies, with
 * @p opts between the SPI and -E. */
static int configure(tip_ctx_t *ctx, int at_a, const char *opts, tip_setkey_error_t *err)
{
    static char text[512];
    tip_setkey_opts_t so = {at_a ? &addr_a : &addr_b, 1};

    strcpy(text, "add 192.0.2.1[4500] 192.0.2.2[4500] esp-udp 0x1001 -m tunnel ");
    strcat(text, opts);
    strcat(text, " -E aes-gcm-16 " KEY ";\n");
    strcat(text, at_a ? "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec "
                        "esp/tunnel/192.0.2.1-192.0.2.2/require;\n"
                      : "spdadd 10.1.0.0/24 10.2.0.0/24 any -P in ipsec "
                        "esp/tunnel/192.0.2.1-192.0.2.2/require;\n");
    return tip_setkey_apply(ctx, text, strlen(text), &so, err);
}

static void configure_both(const char *opts)
{
    tip_setkey_error_t err;
    if (configure(&a, 1, opts, &err) != TIP_OK || configure(&b, 0, opts, &err) != TIP_OK)
        fail_msg("%s", err.msg);
}

/* A sends one packet; returns its sequence number (low 32 bits on the
 * wire) and B's verdict. */
static int send_one(uint32_t *seq)
{
    static const uint8_t pl[16] = {0};
    tip_addr_t h1 = tip_test_addr("10.1.0.1"), h2 = tip_test_addr("10.2.0.1");
    const tip_test_sent_t *s;
    tip_buf_t buf, in;

    tip_test_buf_init(&buf, mem_out, CAP, TIP_ESP_HEADROOM);
    assert_int_equal(tip_test_pkt_udp(&buf, &h1, &h2, 1, 2, pl, sizeof(pl)), TIP_OK);
    assert_int_equal(tip_output(&a, &buf), TIP_SENT);
    s = tip_test_port_last(&pa);
    assert_non_null(s);
    *seq = tip_load_be32(s->data + 4);
    assert_int_equal(tip_test_port_to_buf(s, &in, mem_in, CAP, TIP_ESP_HEADROOM), TIP_OK);
    return tip_input_udp(&b, &addr_a, 4500, &addr_b, 4500, &in);
}

static const tip_sa_t *only_sa(const tip_ctx_t *ctx)
{
    unsigned i;
    for (i = 0; i < TIP_MAX_SA; i++)
        if (ctx->sa[i].in_use)
            return &ctx->sa[i];
    fail();
    return NULL;
}

static void test_esn_and_start_across_the_epoch(void **state)
{
    tip_sa_stats_t st;
    tip_handle_t h;
    uint32_t seq;
    int i;
    (void)state;
    /* Epoch 7, 3 numbers before its end, on both ends. */
    configure_both("-esn -seq 0x7fffffffc");
    assert_int_equal(only_sa(&a)->esn, 1);
    assert_true(only_sa(&a)->seq == 0x7fffffffcull);
    for (i = 0; i < 6; i++) {
        assert_int_equal(send_one(&seq), TIP_RX_DATA);
        assert_int_equal(seq, (uint32_t)(0xFFFFFFFDu + (uint32_t)i));
    }
    assert_int_equal(tip_sad_find_inbound(&b, 0x1001, NULL, &h), TIP_OK);
    assert_int_equal(tip_sad_stats(&b, h, &st), TIP_OK);
    assert_true(st.seq == 0x800000002ull); /* epoch 8 now */
}

static void test_inbound_start_refuses_older(void **state)
{
    tip_setkey_error_t err;
    uint32_t seq;
    (void)state;
    assert_int_equal(configure(&a, 1, "-seq 10", &err), TIP_OK);
    assert_int_equal(configure(&b, 0, "-seq 12", &err), TIP_OK);
    assert_int_equal(send_one(&seq), TIP_ERR_REPLAY); /* 11 */
    assert_int_equal(send_one(&seq), TIP_ERR_REPLAY); /* 12 */
    assert_int_equal(send_one(&seq), TIP_RX_DATA);
    assert_int_equal(seq, 13);
}

static void test_option_errors(void **state)
{
    tip_setkey_error_t err;
    (void)state;
    /* More than 32 bits needs ESN; the error points at the number. */
    assert_int_equal(configure(&a, 1, "-seq 0x100000000", &err), TIP_ERR_PARSE);
    assert_non_null(strstr(err.msg, "needs -esn"));
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 67); /* the number after -seq */
    assert_int_equal(configure(&a, 1, "-seq 0x100000000 -esn", &err), TIP_OK);
    tip_sad_flush(&a);
    tip_spd_flush(&a);
    assert_int_equal(configure(&a, 1, "-seq 18446744073709551616 -esn", &err), TIP_ERR_PARSE);
    assert_non_null(strstr(err.msg, "invalid sequence number"));
    assert_int_equal(configure(&a, 1, "-seq -esn", &err), TIP_ERR_PARSE);
    assert_int_equal(configure(&a, 1, "-esn -esn", &err), TIP_ERR_PARSE);
    assert_non_null(strstr(err.msg, "given twice"));
    assert_int_equal(configure(&a, 1, "-seq 1 -seq 2", &err), TIP_ERR_PARSE);
    assert_int_equal(tip_sad_count(&a), 0);
}

/* The same text applied again after a restart (same keys): no sequence
 * number twice, and B refuses what it accepted before. */
static void test_same_text_after_restart(void **state)
{
    uint32_t seq, first[3];
    int i;
    (void)state;
    configure_both("");
    for (i = 0; i < 3; i++) {
        assert_int_equal(send_one(&first[i]), TIP_RX_DATA);
        assert_int_equal(first[i], (uint32_t)i + 1u);
    }
    tip_ctx_deinit(&a);
    tip_ctx_deinit(&b);
    ctx_up(&a, &pa);
    ctx_up(&b, &pb);
    configure_both("");
    assert_int_equal(send_one(&seq), TIP_RX_DATA);
    assert_int_equal(seq, TIP_SEQ_PERSIST_STEP + 1u);
    /* -seq lower than the stored mark does not take the SA back. */
    tip_ctx_deinit(&a);
    ctx_up(&a, &pa);
    {
        tip_setkey_error_t err;
        assert_int_equal(configure(&a, 1, "-seq 5", &err), TIP_OK);
    }
    assert_int_equal(send_one(&seq), TIP_RX_DATA);
    assert_int_equal(seq, 2u * TIP_SEQ_PERSIST_STEP + 1u);
}

static void test_needs_a_store(void **state)
{
    static tip_test_port_t bare_tp;
    static tip_ctx_t bare;
    static const char in_no_replay[] = "add 192.0.2.2 192.0.2.1 esp 0x2002 -dir in -r 0 "
                                       "-E aes-gcm-16 " KEY ";";
    tip_setkey_opts_t so = {&addr_a, 1};
    tip_setkey_error_t err;
    tip_port_t port;
    (void)state;
    tip_test_port_init(&bare_tp, 3, 0);
    bare_tp.no_seq_store = 1;
    tip_test_port_fill(&bare_tp, &port);
    assert_int_equal(tip_ctx_init(&bare, &port), TIP_OK);
    assert_int_equal(configure(&bare, 1, "", &err), TIP_ERR_NO_SEQ_STORE);
    assert_non_null(strstr(err.msg, "add failed: manual keys need"));
    assert_int_equal(err.line, 1);
    assert_int_equal(tip_sad_count(&bare), 0);
    /* The text itself is fine: a dry run does not need a store. */
    assert_int_equal(tip_setkey_parse(in_no_replay, strlen(in_no_replay), &so, &err), TIP_OK);
    /* An inbound SA without the replay check does not need one either. */
    assert_int_equal(tip_setkey_apply(&bare, in_no_replay, strlen(in_no_replay), &so, &err),
                     TIP_OK);
    tip_ctx_deinit(&bare);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_esn_and_start_across_the_epoch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbound_start_refuses_older, setup, teardown),
        cmocka_unit_test_setup_teardown(test_option_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_text_after_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_needs_a_store, setup, teardown),
    };
    return cmocka_run_group_tests_name("setkey_seq", tests, NULL, NULL);
}

#else /* !(TIP_CONF_SETKEY && TIP_CONF_NATT) */

static void test_disabled(void **state)
{
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_disabled)};
    return cmocka_run_group_tests_name("setkey_seq (disabled)", tests, NULL, NULL);
}

#endif
