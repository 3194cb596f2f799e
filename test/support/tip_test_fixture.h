/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Test fixture: two contexts (a = sender, b = receiver), each on its own
 * deterministic test port, with helpers to install a matching SA pair and
 * the policies a tunnel or transport association needs.
 */
#ifndef TIP_TEST_FIXTURE_H
#define TIP_TEST_FIXTURE_H

#include "tinyipsec/tinyipsec.h"
#include "tip_test_port.h"

/** One algorithm suite with fixed test keys. */
typedef struct {
    const char *name;
    tip_encr_t encr;
    size_t encr_key_len; /**< including the salt for AEAD */
    tip_integ_t integ;
    size_t integ_key_len;
} tip_test_suite_t;

/** Number of entries in tip_test_suites (not counting the terminator). */
#define TIP_TEST_SUITE_COUNT 12

/** Every ESP suite tinyipsec supports (terminated by name == NULL). */
extern const tip_test_suite_t tip_test_suites[TIP_TEST_SUITE_COUNT + 1];

/** Layout of the association under test. */
typedef struct {
    tip_mode_t mode;
    int outer6;   /**< outer (tunnel) / host (transport) addresses are IPv6 */
    int inner6;   /**< tunnel mode: inner packets are IPv6 */
    int esn;
    int natt;
    uint32_t spi;
} tip_test_layout_t;

/** The fixture. Large: keep it static. */
typedef struct {
    tip_test_port_t pa, pb;
    tip_ctx_t a, b;
    tip_handle_t sa_out; /**< in a */
    tip_handle_t sa_in;  /**< in b */
    tip_addr_t outer_a, outer_b;       /**< tunnel endpoints / hosts */
    tip_addr_t inner_a, inner_b;       /**< hosts inside the tunnel */
    tip_test_layout_t layout;
    tip_sa_params_t out_params, in_params; /**< as installed (keys point into keys[]) */
    uint8_t ekey[64], ikey[64];
    int live; /**< contexts initialised (tip_fx_init frees them first) */
} tip_test_fixture_t;

/** Initialise both contexts (no SAs, no policies), freeing earlier ones. */
void tip_fx_init(tip_test_fixture_t *fx);

/** Free both contexts (SA crypto state included). Safe to call twice. */
void tip_fx_fini(tip_test_fixture_t *fx);

/**
 * Fill SA parameters for @p suite / @p layout (keys derived from a fixed
 * pattern) and install them: outbound in a, inbound in b, plus policies:
 * a: out PROTECT inner_a-net -> inner_b-net; b: in PROTECT for the same.
 * The keys are fixed, so the SAs are manually keyed (fresh_keys 0) and use
 * the test ports' sequence-number stores. Returns 0 or the first error.
 */
int tip_fx_setup(tip_test_fixture_t *fx, const tip_test_suite_t *suite,
                 const tip_test_layout_t *layout);

/**
 * Simulate a restart of a (@p restart_a) and/or b (@p restart_b): the
 * context is freed and initialised again on the same test port (whose
 * sequence-number store survives, as flash would), and the same SA (same
 * keys, out_params / in_params) and policy are installed again. Returns 0
 * or the first error.
 */
int tip_fx_restart(tip_test_fixture_t *fx, int restart_a, int restart_b);

/** Build a UDP packet inner_a -> inner_b (transport: outer_a -> outer_b). */
int tip_fx_packet(tip_test_fixture_t *fx, tip_buf_t *buf, uint8_t *mem, size_t cap,
                  size_t payload_len, uint8_t fill);

/**
 * Feed the last packet a sent to b (through tip_input_udp or tip_input_ip,
 * as it was sent) in a fresh buffer over @p mem. Returns what b returned.
 */
int tip_fx_deliver_last(tip_test_fixture_t *fx, tip_buf_t *buf, uint8_t *mem, size_t cap);

/** Feed recorded packet @p s of a's port to b. */
int tip_fx_deliver(tip_test_fixture_t *fx, const tip_test_sent_t *s, tip_buf_t *buf,
                   uint8_t *mem, size_t cap);

#endif /* TIP_TEST_FIXTURE_H */
