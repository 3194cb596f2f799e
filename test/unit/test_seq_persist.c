/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Manual keys across restarts. The same keys are installed again after a
 * restart, so sequence numbers must not start again at 1: AES-GCM and
 * ChaCha20-Poly1305 take their nonce from the sequence number (RFC 4106
 * 3.1, RFC 7634 2) and AES-CBC derives its IV from it; a repeated number
 * under the same key repeats the nonce. The receiver's replay window must
 * not start again either, or old captured packets are accepted again.
 *
 * A restart is tip_ctx_deinit() + tip_ctx_init() on the same test port,
 * whose sequence-number store survives (tip_fx_restart()). The tests record
 * every sequence number and IV the sender puts on the wire and replay every
 * captured packet after the receiver restarted.
 *
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_AES_CBC TIP_CONF_CHACHAPOLY TIP_CONF_ENCR_NULL
 * tip-requires: TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384 TIP_CONF_HMAC_SHA512 TIP_CONF_NATT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "tip_test_fixture.h"
#include "tip_test_pkt.h"

#define CAP 2048
#define N 24          /* packets per phase */
#define MAX_SEEN 4400 /* sequence numbers / IVs recorded per test */

static tip_test_fixture_t fx;
static uint8_t mem_out[CAP], mem_in[CAP];

/* Everything the sender emitted: (sequence number, IV) pairs. */
static struct {
    size_t n;
    uint32_t seq[MAX_SEEN];
    uint8_t iv[MAX_SEEN][16];
} seen;

/* Packets captured on the wire, for replaying later. */
static struct {
    size_t n;
    size_t len[N];
    uint8_t data[N][256];
} cap;

static size_t iv_len(const tip_test_suite_t *s)
{
    switch (s->encr) {
    case TIP_ENCR_AES_GCM_16:
    case TIP_ENCR_CHACHA20_POLY1305: return 8;
    case TIP_ENCR_AES_CBC: return 16;
    default: return 0;
    }
}

static void setup(const tip_test_suite_t *s, int esn)
{
    /* ESP-in-UDP: the UDP payload starts with the ESP header. */
    tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, esn, 1, 0};
    tip_fx_init(&fx);
    assert_int_equal(tip_fx_setup(&fx, s, &l), TIP_OK);
    memset(&seen, 0, sizeof(seen));
    memset(&cap, 0, sizeof(cap));
}

/* a sends one packet; its sequence number and IV must be new. */
static const tip_test_sent_t *send_unique(const tip_test_suite_t *s)
{
    tip_buf_t buf;
    const tip_test_sent_t *sent;
    size_t i, ivl = iv_len(s);
    uint32_t seq;

    assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, 40, 0x33), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    sent = tip_test_port_last(&fx.pa);
    assert_non_null(sent);
    assert_true(sent->kind == TIP_TEST_SENT_UDP && sent->len >= 8 + ivl);
    seq = tip_load_be32(sent->data + 4);
    for (i = 0; i < seen.n; i++) {
        if (seen.seq[i] == seq)
            fail_msg("%s: sequence number %u sent twice", s->name, (unsigned)seq);
        if (ivl != 0 && memcmp(seen.iv[i], sent->data + 8, ivl) == 0)
            fail_msg("%s: IV of sequence number %u repeats that of %u", s->name,
                     (unsigned)seq, (unsigned)seen.seq[i]);
    }
    assert_true(seen.n < MAX_SEEN);
    seen.seq[seen.n] = seq;
    memcpy(seen.iv[seen.n], sent->data + 8, ivl);
    seen.n++;
    return sent;
}

static int deliver(const tip_test_sent_t *s)
{
    tip_buf_t in;
    return tip_fx_deliver(&fx, s, &in, mem_in, CAP);
}

static void capture(const tip_test_sent_t *s)
{
    assert_true(cap.n < N && s->len <= sizeof(cap.data[0]));
    memcpy(cap.data[cap.n], s->data, s->len);
    cap.len[cap.n++] = s->len;
}

/* Feed captured packet @p i to b again. */
static int replay(size_t i)
{
    tip_buf_t in;
    tip_addr_t me = fx.outer_b;
    assert_int_equal(tip_test_buf_set(&in, mem_in, CAP, TIP_ESP_HEADROOM, cap.data[i],
                                      cap.len[i]), TIP_OK);
    return tip_input_udp(&fx.b, &fx.outer_a, 4500, &me, 4500, &in);
}

/* Send N packets, each accepted by b, and capture them. */
static void phase(const tip_test_suite_t *s, int keep)
{
    int i;
    for (i = 0; i < N; i++) {
        const tip_test_sent_t *sent = send_unique(s);
        if (keep)
            capture(sent);
        assert_int_equal(deliver(sent), TIP_RX_DATA);
    }
}

/* ---- restarts --------------------------------------------------------- */

static void test_restart_both_never_repeats_a_nonce(void **state)
{
    const tip_test_suite_t *s;
    (void)state;
    for (s = tip_test_suites; s->name != NULL; s++) {
        int esn;
        for (esn = 0; esn <= 1; esn++) {
            size_t i;
            setup(s, esn);
            phase(s, 1);
            assert_int_equal(tip_fx_restart(&fx, 1, 1), TIP_OK);
            /* Both ends come back with the same keys: the sender goes on
             * above every number it may have used, the receiver accepts
             * that and nothing it had accepted before. */
            phase(s, 0);
            for (i = 0; i < cap.n; i++)
                assert_int_not_equal(replay(i), TIP_RX_DATA);
            assert_int_equal(tip_fx_restart(&fx, 1, 1), TIP_OK);
            phase(s, 0);
        }
    }
}

static void test_restart_sender_only(void **state)
{
    const tip_test_suite_t *s;
    (void)state;
    for (s = tip_test_suites; s->name != NULL; s++) {
        setup(s, 0);
        phase(s, 0);
        assert_int_equal(tip_fx_restart(&fx, 1, 0), TIP_OK);
        /* The receiver did not restart and accepts everything new. */
        phase(s, 0);
        /* The sender resumed above its stored mark: the first number it
         * reserved covered 1..TIP_SEQ_PERSIST_STEP. */
        assert_int_equal(seen.seq[N], TIP_SEQ_PERSIST_STEP + 1u);
    }
}

static void test_restart_receiver_only(void **state)
{
    const tip_test_suite_t *s = &tip_test_suites[3]; /* AES-CBC + HMAC */
    tip_sa_stats_t st;
    uint32_t refused = 0, first_ok = 0;
    size_t i;
    (void)state;
    setup(s, 0);
    phase(s, 1);
    assert_int_equal(tip_fx_restart(&fx, 0, 1), TIP_OK);
    /* No captured packet is accepted again. */
    for (i = 0; i < cap.n; i++)
        assert_int_equal(replay(i), TIP_ERR_REPLAY);
    /* The price (docs/security.md): the sender's next packets up to the
     * receiver's restored mark are refused too, at most
     * TIP_SEQ_PERSIST_STEP_IN of them; then traffic flows again. */
    while (first_ok == 0) {
        const tip_test_sent_t *sent = send_unique(s);
        int rc = deliver(sent);
        if (rc == TIP_RX_DATA)
            first_ok = tip_load_be32(sent->data + 4);
        else {
            assert_int_equal(rc, TIP_ERR_REPLAY);
            refused++;
            assert_true(refused <= TIP_SEQ_PERSIST_STEP_IN);
        }
    }
    assert_int_equal(first_ok, TIP_SEQ_PERSIST_STEP_IN + 1u);
    assert_int_equal(refused, TIP_SEQ_PERSIST_STEP_IN - N);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.packets, 1);
}

static void test_restart_receiver_only_esn(void **state)
{
    const tip_test_suite_t *s = &tip_test_suites[0];
    size_t i;
    (void)state;
    setup(s, 1);
    phase(s, 1);
    assert_int_equal(tip_fx_restart(&fx, 0, 1), TIP_OK);
    /* With ESN an old packet may also be taken for one of the next epoch
     * (RFC 4303 A2.2) and fail the ICV: refused either way. */
    for (i = 0; i < cap.n; i++)
        assert_int_not_equal(replay(i), TIP_RX_DATA);
}

/* ---- the store: ahead of use, durable before use ----------------------- */

static void test_marks_are_reserved_ahead(void **state)
{
    const tip_test_suite_t *s = &tip_test_suites[0];
    uint64_t mark;
    (void)state;
    setup(s, 0);
    assert_int_equal(fx.pa.n_seq_store, 0); /* installing writes nothing */
    assert_int_equal(fx.pa.n_seq_load, 1);
    assert_int_equal(fx.pb.n_seq_load, 1);
    phase(s, 0);
    /* One write each for the first N packets, a step ahead. */
    assert_int_equal(fx.pa.n_seq_store, 1);
    assert_int_equal(fx.pb.n_seq_store, 1);
    assert_int_equal(tip_test_port_seq_mark(&fx.pa, TIP_DIR_OUT, 0x1001, &mark), TIP_OK);
    assert_true(mark == TIP_SEQ_PERSIST_STEP);
    assert_int_equal(tip_test_port_seq_mark(&fx.pb, TIP_DIR_IN, 0x1001, &mark), TIP_OK);
    assert_true(mark == TIP_SEQ_PERSIST_STEP_IN);
    /* The outbound mark was stored before the first packet left. */
    assert_int_equal(fx.pa.seq_store_total, 0);
}

static void test_store_failure_drops_the_packet(void **state)
{
    const tip_test_suite_t *s = &tip_test_suites[2]; /* ChaCha20-Poly1305 */
    tip_buf_t buf;
    tip_sa_stats_t st;
    const tip_test_sent_t *sent;
    (void)state;
    setup(s, 0);
    /* Outbound: nothing is sent and no number is used. */
    fx.pa.fail_seq_store = 1;
    assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, 10, 1), TIP_OK);
    assert_int_equal(tip_output(&fx.a, &buf), TIP_ERR_SEQ_STORE);
    assert_int_equal(tip_test_port_count(&fx.pa), 0);
    assert_int_equal(tip_sad_stats(&fx.a, fx.sa_out, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_SEQ_STORE], 1);
    assert_int_equal(st.seq, 0);
    assert_int_equal(st.packets, 0);
    /* Inbound: the packet is refused and the window does not move. */
    sent = send_unique(s);
    assert_int_equal(tip_load_be32(sent->data + 4), 1);
    fx.pb.fail_seq_store = 1;
    assert_int_equal(deliver(sent), TIP_ERR_SEQ_STORE);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_int_equal(st.drops[TIP_DROP_SEQ_STORE], 1);
    assert_int_equal(st.packets, 0);
    assert_int_equal(st.seq, 0);
    /* Once the store works again, the same packet goes through. */
    assert_int_equal(deliver(sent), TIP_RX_DATA);
    assert_string_not_equal(tip_strerror(TIP_ERR_SEQ_STORE), "unknown error");
}

static void test_load_failure_refuses_the_sa(void **state)
{
    (void)state;
    tip_fx_init(&fx);
    fx.pa.fail_seq_load = 1;
    {
        tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, 0, 0};
        assert_int_equal(tip_fx_setup(&fx, &tip_test_suites[0], &l), TIP_ERR_SEQ_STORE);
    }
    assert_int_equal(tip_sad_count(&fx.a), 0);
    fx.pa.fail_seq_load = 0;
    assert_int_equal(tip_sad_add(&fx.a, &fx.out_params, NULL), TIP_OK);
}

/* ---- what is refused, what is not --------------------------------------- */

static tip_test_port_t bare_tp;
static tip_ctx_t bare;

static void test_manual_sa_needs_a_store(void **state)
{
    const tip_test_suite_t *s;
    tip_port_t port;
    (void)state;
    tip_test_port_init(&bare_tp, 5, 0);
    bare_tp.no_seq_store = 1;
    tip_test_port_fill(&bare_tp, &port);
    assert_null(port.seq_load);
    assert_int_equal(tip_ctx_init(&bare, &port), TIP_OK);
    tip_fx_init(&fx);
    for (s = tip_test_suites; s->name != NULL; s++) {
        tip_test_layout_t l = {TIP_MODE_TUNNEL, 0, 0, 0, 0, 0};
        tip_sa_params_t p;
        assert_int_equal(tip_fx_setup(&fx, s, &l), TIP_OK);
        /* Outbound manual keys, AEAD or not: refused. */
        p = fx.out_params;
        assert_int_equal(tip_sad_add(&bare, &p, NULL), TIP_ERR_NO_SEQ_STORE);
        /* Inbound with the replay check: refused. */
        p = fx.in_params;
        assert_int_equal(tip_sad_add(&bare, &p, NULL), TIP_ERR_NO_SEQ_STORE);
        assert_int_equal(tip_sad_count(&bare), 0);
        /* Inbound without it accepts replays anyway: allowed. */
        p.no_replay = 1;
        assert_int_equal(tip_sad_add(&bare, &p, NULL), TIP_OK);
        /* Keys made for this SA alone (IKE): nothing to remember. */
        p = fx.out_params;
        p.fresh_keys = 1;
        assert_int_equal(tip_sad_add(&bare, &p, NULL), TIP_OK);
        p = fx.in_params;
        p.spi = 0x3003;
        p.fresh_keys = 1;
        assert_int_equal(tip_sad_add(&bare, &p, NULL), TIP_OK);
        tip_sad_flush(&bare);
        tip_fx_init(&fx);
    }
    assert_int_equal(bare_tp.n_seq_load, 0);
    tip_ctx_deinit(&bare);
}

static void test_fresh_keys_use_no_store(void **state)
{
    tip_sa_params_t p;
    int i;
    (void)state;
    setup(&tip_test_suites[0], 0);
    p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.fresh_keys = 1;
    p.spi = 0x5005;
    fx.pa.n_seq_load = 0;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    for (i = 0; i < 3; i++) {
        tip_buf_t buf;
        assert_int_equal(tip_fx_packet(&fx, &buf, mem_out, CAP, 10, 1), TIP_OK);
        assert_int_equal(tip_output(&fx.a, &buf), TIP_SENT);
    }
    assert_int_equal(fx.pa.n_seq_load, 0);
    assert_int_equal(fx.pa.n_seq_store, 0);
}

/* ---- starting state through tip_sa_params_t ---------------------------- */

static void test_seq_start_both_directions(void **state)
{
    const tip_test_suite_t *s = &tip_test_suites[0];
    tip_sa_params_t p;
    tip_sa_stats_t st;
    uint32_t k;
    (void)state;
    setup(s, 0);
    /* Outbound: the next packet carries seq_start + 1. */
    p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.seq_start = 95;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    /* Inbound: everything up to seq_start counts as received. */
    p = fx.in_params;
    assert_int_equal(tip_sad_del(&fx.b, fx.sa_in), TIP_OK);
    p.seq_start = 100;
    assert_int_equal(tip_sad_add(&fx.b, &p, &fx.sa_in), TIP_OK);
    for (k = 96; k <= 100; k++) {
        const tip_test_sent_t *sent = send_unique(s);
        assert_int_equal(tip_load_be32(sent->data + 4), k);
        assert_int_equal(deliver(sent), TIP_ERR_REPLAY);
    }
    assert_int_equal(deliver(send_unique(s)), TIP_RX_DATA);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_true(st.seq == 101);
    /* Without ESN the start must fit 32 bits, in either direction. */
    p.seq_start = 0x100000000ull;
    p.spi = 0x7007;
    assert_int_equal(tip_sad_add(&fx.b, &p, NULL), TIP_ERR_ARG);
}

static void test_seq_start_esn_high_half(void **state)
{
    const tip_test_suite_t *s = &tip_test_suites[0];
    const uint64_t start = (5ull << 32) | 0xFFFFFFF0u;
    tip_sa_params_t p;
    tip_sa_stats_t st;
    int i;
    (void)state;
    setup(s, 1);
    p = fx.out_params;
    assert_int_equal(tip_sad_del(&fx.a, fx.sa_out), TIP_OK);
    p.seq_start = start;
    assert_int_equal(tip_sad_add(&fx.a, &p, &fx.sa_out), TIP_OK);
    /* The receiver is told the epoch (5): only the low half travels, the
     * high half is in the AEAD's additional data (RFC 4303 2.2.1). */
    p = fx.in_params;
    assert_int_equal(tip_sad_del(&fx.b, fx.sa_in), TIP_OK);
    p.seq_start = start;
    assert_int_equal(tip_sad_add(&fx.b, &p, &fx.sa_in), TIP_OK);
    for (i = 0; i < 32; i++) /* across into epoch 6 */
        assert_int_equal(deliver(send_unique(s)), TIP_RX_DATA);
    assert_int_equal(tip_sad_stats(&fx.b, fx.sa_in, &st), TIP_OK);
    assert_true(st.seq == start + 32);
    /* The marks are 64-bit too. */
    {
        uint64_t mark;
        assert_int_equal(tip_test_port_seq_mark(&fx.pa, TIP_DIR_OUT, 0x1001, &mark), TIP_OK);
        assert_true(mark == start + TIP_SEQ_PERSIST_STEP);
    }
    assert_int_equal(tip_fx_restart(&fx, 1, 1), TIP_OK);
    for (i = 0; i < 4; i++)
        assert_int_equal(deliver(send_unique(s)), TIP_RX_DATA);
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
        cmocka_unit_test(test_restart_both_never_repeats_a_nonce),
        cmocka_unit_test(test_restart_sender_only),
        cmocka_unit_test(test_restart_receiver_only),
        cmocka_unit_test(test_restart_receiver_only_esn),
        cmocka_unit_test(test_marks_are_reserved_ahead),
        cmocka_unit_test(test_store_failure_drops_the_packet),
        cmocka_unit_test(test_load_failure_refuses_the_sa),
        cmocka_unit_test(test_manual_sa_needs_a_store),
        cmocka_unit_test(test_fresh_keys_use_no_store),
        cmocka_unit_test(test_seq_start_both_directions),
        cmocka_unit_test(test_seq_start_esn_high_half),
    };
    return cmocka_run_group_tests_name("seq_persist", tests, NULL, group_teardown);
}
