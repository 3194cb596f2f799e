/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 key exchange cost: one side's keygen + shared secret per second for
 * every group, through tinyipsec (tip_crypto_dh_generate + _compute + _free)
 * and through the bare calls of the backend that do the same work
 * (bench/bare.h: bare_mbedtls.c, the Mbed TLS DHM / ECDH / ECP calls with a
 * 256-bit MODP exponent as tinyipsec; bare_psa.c, psa_generate_key +
 * psa_export_public_key + psa_raw_key_agreement). The classic backend adds
 * reference rows: MODP with a full 2048-bit exponent, and X25519 through
 * the ECP Montgomery ladder and through mbedtls_ecdh_context (Everest when
 * the build has it). A group the backend lacks (MODP-2048 with PSA) says
 * so. Random numbers: bare_random(). ratio = tinyipsec / primitive (1.00 =
 * nothing added). Rounds alternate which side goes first and keep each
 * side's best rate. This is the reference for the later IKE benchmark.
 *
 *   dh_bench [budget_ms_per_round [rounds]]     (defaults: 150 ms x 3)
 *
 * tip-requires: TIP_CONF_IKEV2
 */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bare.h"
#include "crypto.h"

size_t tip_crypto_dh_state_size(void); /* the backend's IKE file */

static double budget_s = 0.15;
static int rounds = 3;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A valid peer public value per group (made once, outside the timing). */
static uint8_t peer_pub[4][256];
static size_t peer_len[4];

typedef struct {
    const char *name;
    tip_dh_group_t group; /* the peer value's group */
    int tip;              /* 1: a tinyipsec group row; 0: primitive-only reference */
    int (*ref)(const uint8_t *peer, size_t peer_len);
    int slot;             /* peer_pub index */
} row_t;

static int tip_one(tip_dh_group_t group, int slot)
{
    tip_crypto_dh_t dh;
    uint8_t pub[256], secret[256];
    size_t pl = tip_crypto_dh_pub_len(group);
    int ret;

    ret = tip_crypto_dh_generate(&dh, group, bare_random, NULL, pub, pl);
    if (ret == 0)
        ret = tip_crypto_dh_compute(&dh, peer_pub[slot], pl, secret,
                                    tip_crypto_dh_secret_len(group));
    tip_crypto_dh_free(&dh);
    return ret;
}

static int prim_one(const row_t *r)
{
    if (r->ref != NULL)
        return r->ref(peer_pub[r->slot], peer_len[r->slot]);
    return bare_kex_side(r->group, peer_pub[r->slot], peer_len[r->slot]);
}

/* ---- timing ------------------------------------------------------------------------ */

static double rate(const row_t *r, int use_tip)
{
    double t0 = now_s(), t;
    long n = 0;

    do {
        int ret = use_tip ? tip_one(r->group, r->slot) : prim_one(r);

        if (ret != 0) {
            fprintf(stderr, "dh_bench: %s (%s) failed: %d\n", r->name,
                    use_tip ? "tinyipsec" : "primitive", ret);
            exit(1);
        }
        n++;
        t = now_s() - t0;
    } while (t < budget_s);
    return (double)n / t;
}

#define MAX_ROWS 16

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        tip_dh_group_t g;
    } groups[] = {
        {"MODP-2048 (14)", TIP_DH_MODP_2048},
        {"ECP-256 (19)", TIP_DH_ECP_256},
        {"ECP-384 (20)", TIP_DH_ECP_384},
        {"Curve25519 (31)", TIP_DH_CURVE25519},
    };
    row_t rows[MAX_ROWS];
    const bare_kex_ref_t *refs;
    size_t i, j, n_rows = 0, n_refs;
    int k;

    if (argc > 1)
        budget_s = atof(argv[1]) / 1000.0;
    if (argc > 2)
        rounds = atoi(argv[2]);
    if (budget_s <= 0 || rounds < 1)
        return 2;
    if (bare_init() != 0)
        return 1;
    /* Peer public values, made through tinyipsec (checked there); a row
     * per group the backend has, then the backend's reference rows. */
    for (i = 0; i < 4; i++) {
        tip_crypto_dh_t dh;
        tip_dh_group_t g = groups[i].g;

        if (!bare_kex_supported(g))
            continue;
        peer_len[i] = tip_crypto_dh_pub_len(g);
        if (tip_crypto_dh_generate(&dh, g, bare_random, NULL, peer_pub[i], peer_len[i]) != 0)
            return 1;
        tip_crypto_dh_free(&dh);
        rows[n_rows].name = groups[i].name;
        rows[n_rows].group = g;
        rows[n_rows].tip = 1;
        rows[n_rows].ref = NULL;
        rows[n_rows].slot = (int)i;
        n_rows++;
    }
    refs = bare_kex_refs(&n_refs);
    for (j = 0; j < n_refs && n_rows < MAX_ROWS; j++) {
        for (i = 0; i < 4 && groups[i].g != refs[j].group; i++)
            ;
        if (i == 4 || peer_len[i] == 0)
            continue;
        rows[n_rows].name = refs[j].name;
        rows[n_rows].group = refs[j].group;
        rows[n_rows].tip = 0;
        rows[n_rows].ref = refs[j].run;
        rows[n_rows].slot = (int)i;
        n_rows++;
    }

    printf("dh_bench: Mbed TLS %s, %s backend, X25519 %s; DH state %zu of %zu bytes; "
           "%d x %.0f ms rounds\n",
           bare_version(), bare_backend(), bare_x25519_note(), tip_crypto_dh_state_size(),
           sizeof(tip_crypto_dh_t), rounds, budget_s * 1000);
    printf("keygen + shared secret, one side, per second (best of %d rounds)\n", rounds);
    printf("%-28s %12s %12s %7s\n", "group", "primitive/s", "tinyipsec/s", "ratio");
    for (i = 0; i < 4; i++) {
        if (!bare_kex_supported(groups[i].g))
            printf("%-28s not available with the %s backend\n", groups[i].name, bare_backend());
    }
    for (i = 0; i < n_rows; i++) {
        const row_t *r = &rows[i];
        double best_p = 0, best_t = 0, v;

        for (k = 0; k < rounds; k++) {
            int tip_first = k & 1;

            if (tip_first && r->tip && (v = rate(r, 1)) > best_t)
                best_t = v;
            if ((v = rate(r, 0)) > best_p)
                best_p = v;
            if (!tip_first && r->tip && (v = rate(r, 1)) > best_t)
                best_t = v;
        }
        if (r->tip)
            printf("%-28s %12.1f %12.1f %7.2f\n", r->name, best_p, best_t, best_t / best_p);
        else
            printf("%-28s %12.1f %12s %7s\n", r->name, best_p, "-", "-");
    }
    printf("(informational: the bench never fails on timing)\n");
    bare_deinit();
    return 0;
}
