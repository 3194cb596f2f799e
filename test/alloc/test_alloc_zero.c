/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Zero allocation per packet: for every algorithm suite,
 * with ESN off and on, over raw ESP (tunnel and transport) and ESP-in-UDP
 * (NAT-T), N packets of several sizes go through tip_output() on one
 * context and tip_input_ip() / tip_input_udp() on another, and not one
 * malloc / calloc / realloc / free may happen meanwhile.
 *
 * How allocations are seen: this executable is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free, so every
 * reference to those functions from a statically linked object (tinyipsec,
 * this file, and the static libmbedcrypto.a, whose mbedtls_calloc is plain
 * calloc unless MBEDTLS_PLATFORM_MEMORY redirects it) lands in the
 * __wrap_* counters below. Calls made inside shared libraries (libc's own,
 * cmocka's) are not seen, and need not be: they are not ours.
 *
 * Two controls keep the test from passing vacuously:
 *  - this file calls calloc / free itself and checks the counters move;
 *  - installing an SA must allocate inside Mbed TLS (classic backend:
 *    mbedtls_md_setup allocates the hash and HMAC state, mbedtls_gcm_setkey
 *    its cipher context; PSA backend: psa_import_key allocates each key's
 *    slot buffer), so the count during tip_sad_add() is printed, and it must
 *    be non-zero for an HMAC suite and for AES-GCM. If Mbed TLS came from a
 *    shared library, that count would be zero and the test fails instead of
 *    passing for the wrong reason.
 *
 * The PSA backend is free of heap calls per packet only with an Mbed TLS
 * configured for it: MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS (else PSA copies
 * every buffer to the heap) and MBEDTLS_BLOCK_CIPHER_C (else each
 * psa_aead_* call builds a GCM cipher context with mbedtls_cipher_setup),
 * as scripts/mbedtls40.sh builds Mbed TLS 4 and `scripts/mbedtls36.sh --psa`
 * builds Mbed TLS 3.6; with both options the test asserts zero. Against
 * Mbed TLS 4 the test refuses to compile without them. A 3.6 built without
 * them (the classic backend's build of scripts/mbedtls36.sh, a distribution
 * package) allocates per packet with the PSA backend: there the test checks
 * that it is exactly that (balanced calloc/free, nothing leaked) and says
 * so, rather than claiming zero.
 *
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_AES_CBC TIP_CONF_CHACHAPOLY TIP_CONF_ENCR_NULL
 * tip-requires: TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384 TIP_CONF_HMAC_SHA512 TIP_CONF_IPV6
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_test_fixture.h"

#if TIP_CONF_CRYPTO_PSA
#include <psa/crypto.h>
#if defined(MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS) && defined(MBEDTLS_BLOCK_CIPHER_C)
#define TIP_ZERO_PER_PACKET 1
#else
#define TIP_ZERO_PER_PACKET 0
#endif
#if defined(TF_PSA_CRYPTO_VERSION_NUMBER) && !TIP_ZERO_PER_PACKET
#error "Mbed TLS 4 for tinyipsec needs MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS and MBEDTLS_BLOCK_CIPHER_C (scripts/mbedtls40.sh)"
#endif
#else
#define TIP_ZERO_PER_PACKET 1 /* the classic backend, on every supported Mbed TLS */
#endif
#include "tip_test_pkt.h"
#include "tip_test_port.h"

/* ---- the wrappers ----------------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static volatile unsigned long n_malloc, n_calloc, n_realloc, n_free;

void *__wrap_malloc(size_t n)
{
    n_malloc++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    n_calloc++;
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    n_realloc++;
    return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
    /* free(NULL) is no allocation; count it anyway: it should not happen. */
    n_free++;
    __real_free(p);
}

static void alloc_reset(void)
{
    n_malloc = n_calloc = n_realloc = n_free = 0;
}

static unsigned long alloc_total(void)
{
    return n_malloc + n_calloc + n_realloc + n_free;
}

/* ---- suites ------------------------------------------------------------------ */

/* Every suite tinyipsec has (the shared table in test/support). */
typedef tip_test_suite_t suite_t;
#define suites tip_test_suites
#define N_SUITES TIP_TEST_SUITE_COUNT

typedef enum { PATH_RAW_TUNNEL, PATH_RAW_TRANSPORT, PATH_NATT_TUNNEL, PATH_COUNT } path_t;
static const char *const path_names[PATH_COUNT] = {"raw/tunnel", "raw/transport",
                                                   "natt/tunnel"};

#define N_PACKETS 50
static const size_t sizes[] = {64, 512, 1400};
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

#define BUF_CAP 2048
#define HEAD 128

static uint8_t keybuf[64];
static tip_test_port_t tp_tx, tp_rx;
static tip_ctx_t ctx_tx, ctx_rx;
static uint8_t mem_tx[BUF_CAP], mem_rx[BUF_CAP];
static unsigned long install_allocs[N_SUITES];

#define OUTER_A "192.0.2.1"
#define OUTER_B "192.0.2.2"
#define INNER_A "10.1.0.1"
#define INNER_B "10.2.0.1"

static void init_ctx(tip_ctx_t *ctx, tip_test_port_t *tp, uint64_t seed)
{
    tip_port_t port;

    tip_test_port_init(tp, seed, 1000);
    tip_test_port_fill(tp, &port);
    assert_int_equal(tip_ctx_init(ctx, &port), TIP_OK);
}

static void fill_params(const suite_t *s, path_t path, int esn, tip_dir_t dir,
                        tip_sa_params_t *p)
{
    memset(p, 0, sizeof(*p));
    p->spi = 0x1000 + (uint32_t)(s - suites);
    p->dir = dir;
    p->mode = path == PATH_RAW_TRANSPORT ? TIP_MODE_TRANSPORT : TIP_MODE_TUNNEL;
    /* One flow direction A -> B: the same outer addresses on both sides. */
    p->src = tip_test_addr(OUTER_A);
    p->dst = tip_test_addr(OUTER_B);
    p->encr = s->encr;
    p->encr_key = s->encr_key_len ? keybuf : NULL;
    p->encr_key_len = s->encr_key_len;
    p->integ = s->integ;
    p->integ_key = s->integ_key_len ? keybuf : NULL;
    p->integ_key_len = s->integ_key_len;
    p->esn = (uint8_t)esn;
    if (path == PATH_NATT_TUNNEL) {
        p->natt_sport = TIP_PORT_NATT;
        p->natt_dport = TIP_PORT_NATT;
    }
    if (esn && dir == TIP_DIR_OUT)
        p->seq_start = 0xFFFFFFF0ull; /* cross the 2^32 boundary while counting */
}

static void fill_policy(path_t path, tip_dir_t dir, tip_policy_t *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->dir = dir;
    pol->action = TIP_ACTION_PROTECT;
    pol->sel.local_port_hi = 0xFFFF;
    pol->sel.remote_port_hi = 0xFFFF;
    if (path == PATH_RAW_TRANSPORT) {
        pol->mode = TIP_MODE_TRANSPORT;
        return;
    }
    pol->mode = TIP_MODE_TUNNEL;
    pol->tunnel_local = tip_test_addr(dir == TIP_DIR_OUT ? OUTER_A : OUTER_B);
    pol->tunnel_remote = tip_test_addr(dir == TIP_DIR_OUT ? OUTER_B : OUTER_A);
}

/* Builds the inner packet A -> B of @p size bytes in mem_tx. */
static void build_packet(path_t path, size_t size, unsigned i, tip_buf_t *buf)
{
    static uint8_t payload[BUF_CAP];
    tip_addr_t a = tip_test_addr(path == PATH_RAW_TRANSPORT ? OUTER_A : INNER_A);
    tip_addr_t b = tip_test_addr(path == PATH_RAW_TRANSPORT ? OUTER_B : INNER_B);

    memset(payload, (int)(i & 0xFF), size - 28);
    buf->base = mem_tx;
    buf->cap = sizeof(mem_tx);
    buf->off = HEAD;
    buf->len = 0;
    (void)tip_test_pkt_udp4(buf, &a, &b, 1000, 2000, payload, size - 28);
}

/* One configuration: install, then count what N packets of each size cost. */
static void run_config(size_t si, path_t path, int esn)
{
    const suite_t *s = &suites[si];
    tip_sa_params_t p;
    tip_policy_t pol;
    unsigned long installed, held;
    unsigned long bad_out = 0, bad_in = 0, bad_len = 0, sent = 0;
    unsigned long m, c, r, f;
    tip_addr_t a = tip_test_addr(OUTER_A), b = tip_test_addr(OUTER_B);
    size_t z;
    unsigned i;

    init_ctx(&ctx_tx, &tp_tx, 1);
    init_ctx(&ctx_rx, &tp_rx, 2);

    alloc_reset();
    fill_params(s, path, esn, TIP_DIR_OUT, &p);
    assert_int_equal(tip_sad_add(&ctx_tx, &p, NULL), TIP_OK);
    fill_params(s, path, esn, TIP_DIR_IN, &p);
    assert_int_equal(tip_sad_add(&ctx_rx, &p, NULL), TIP_OK);
    installed = alloc_total();
    /* Blocks the SAs still hold (PSA without exclusive buffers also
     * allocates and frees a copy of each key while importing it). */
    held = n_malloc + n_calloc - n_free;
    fill_policy(path, TIP_DIR_OUT, &pol);
    assert_int_equal(tip_spd_add(&ctx_tx, &pol, TIP_SPD_APPEND, NULL), TIP_OK);
    fill_policy(path, TIP_DIR_IN, &pol);
    assert_int_equal(tip_spd_add(&ctx_rx, &pol, TIP_SPD_APPEND, NULL), TIP_OK);
    if (path == PATH_RAW_TUNNEL && !esn)
        install_allocs[si] = installed;

    /* ---- counted: packet processing only ---- */
    alloc_reset();
    for (z = 0; z < N_SIZES; z++) {
        for (i = 0; i < N_PACKETS; i++) {
            tip_buf_t buf;
            const tip_test_sent_t *rec;
            int rc;

            build_packet(path, sizes[z], i, &buf);
            if (tip_output(&ctx_tx, &buf) != TIP_SENT) {
                bad_out++;
                continue;
            }
            sent++;
            rec = tip_test_port_last(&tp_tx);
            if (rec == NULL ||
                tip_test_port_to_buf(rec, &buf, mem_rx, sizeof(mem_rx), HEAD) != TIP_OK) {
                bad_in++;
                continue;
            }
            if (path == PATH_NATT_TUNNEL)
                rc = tip_input_udp(&ctx_rx, &a, TIP_PORT_NATT, &b, TIP_PORT_NATT, &buf);
            else
                rc = tip_input_ip(&ctx_rx, &buf);
            if (rc != TIP_RX_DATA)
                bad_in++;
            else if (buf.len != sizes[z])
                bad_len++;
        }
    }
    m = n_malloc;
    c = n_calloc;
    r = n_realloc;
    f = n_free;
    /* ---- end of the counted part ---- */

    printf("  %-20s %-13s esn=%d  install: %lu allocs  per %lu packets: "
           "malloc %lu calloc %lu realloc %lu free %lu\n",
           s->name, path_names[path], esn, installed, sent, m, c, r, f);
    assert_int_equal(bad_out, 0);
    assert_int_equal(bad_in, 0);
    assert_int_equal(bad_len, 0);
    assert_int_equal(sent, N_PACKETS * N_SIZES);
#if TIP_ZERO_PER_PACKET
    assert_int_equal(m, 0);
    assert_int_equal(c, 0);
    assert_int_equal(r, 0);
    assert_int_equal(f, 0);
#else
    /* PSA backend on a 3.6 without the options above: it allocates per
     * packet, and frees each block again. */
    printf("  NOTE: this Mbed TLS allocates per packet with the PSA backend "
           "(no MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS / MBEDTLS_BLOCK_CIPHER_C)\n");
    assert_true(m + c > 0);
    assert_int_equal(m + c + r, f);
#endif

    /* Teardown frees what install left allocated (each calloc gets its free). */
    alloc_reset();
    tip_ctx_deinit(&ctx_tx);
    tip_ctx_deinit(&ctx_rx);
    assert_int_equal(n_free, held);
}

/* ---- tests ------------------------------------------------------------------- */

static void test_wrap_is_live(void **state)
{
    void *volatile p;

    (void)state;
    alloc_reset();
    p = calloc(1, 16);
    assert_non_null(p);
    free(p);
    p = malloc(8);
    assert_non_null(p);
    p = realloc(p, 32);
    assert_non_null(p);
    free(p);
    assert_int_equal(n_calloc, 1);
    assert_int_equal(n_malloc, 1);
    assert_int_equal(n_realloc, 1);
    assert_int_equal(n_free, 2);
}

/* Mbed TLS is linked statically and its allocations are seen: installing
 * an HMAC SA allocates (md_setup); print what each kind of SA costs. */
static void test_install_allocates(void **state)
{
    size_t si;
    tip_sa_params_t p;

    (void)state;
    for (si = 0; si < N_SUITES; si++) {
        unsigned long c;

        init_ctx(&ctx_tx, &tp_tx, 1);
        fill_params(&suites[si], PATH_RAW_TUNNEL, 0, TIP_DIR_OUT, &p);
        alloc_reset();
        assert_int_equal(tip_sad_add(&ctx_tx, &p, NULL), TIP_OK);
        c = alloc_total();
        printf("  tip_sad_add(%-20s out): malloc %lu calloc %lu realloc %lu free %lu\n",
               suites[si].name, n_malloc, n_calloc, n_realloc, n_free);
#if TIP_CONF_CRYPTO_PSA && defined(MBEDTLS_PSA_STATIC_KEY_SLOTS)
        /* Static key slots (the Cortex-M4 configuration): importing a key
         * allocates nothing, so only AES-CBC does, setting up its ECB
         * operation's AES context in the cipher module; that is the proof
         * that the wrappers see the library's calls. */
        if (suites[si].encr == TIP_ENCR_AES_CBC)
            assert_true(c > 0);
        else
            assert_int_equal(c, 0);
        tip_ctx_deinit(&ctx_tx);
        continue;
#endif
        if (suites[si].integ != TIP_INTEG_NONE)
            assert_true(c > 0); /* md_setup: hash + HMAC pads; PSA: the key's slot */
        /* Classic: mbedtls_gcm_setkey builds a cipher context through
         * mbedtls_cipher_setup, which callocs (2.28 and 3.6.6 as configured
         * here); PSA: psa_import_key allocates the key buffer. If this ever
         * reads 0, find out why (a build of GCM on the block-cipher layer,
         * static key slots, or a shared libmbedcrypto whose calls escape
         * --wrap) before trusting the zeros below. */
        if (suites[si].encr == TIP_ENCR_AES_GCM_16)
            assert_true(c > 0);
        tip_ctx_deinit(&ctx_tx);
    }
}

static void test_zero_alloc_per_packet(void **state)
{
    size_t si;
    int esn;
    int path;

    (void)state;
    for (si = 0; si < N_SUITES; si++)
        for (path = 0; path < PATH_COUNT; path++)
            for (esn = 0; esn <= 1; esn++)
                run_config(si, (path_t)path, esn);
}

int main(void)
{
    size_t i;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrap_is_live),
        cmocka_unit_test(test_install_allocates),
        cmocka_unit_test(test_zero_alloc_per_packet),
    };

    for (i = 0; i < sizeof(keybuf); i++)
        keybuf[i] = (uint8_t)(0xA0 + i);
    return cmocka_run_group_tests_name("alloc_zero", tests, NULL, NULL);
}
