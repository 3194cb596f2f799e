/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 key exchange cost: one side's keygen + shared secret per second for
 * every group, through tinyipsec (tip_crypto_dh_generate + _compute + _free)
 * and through the bare Mbed TLS calls that do the same work:
 *   MODP-2048   dhm_set_group + dhm_make_public (256-bit exponent, as
 *               tinyipsec) + dhm_read_public + dhm_calc_secret; plus, for
 *               reference, the same with a full 2048-bit exponent
 *   ECP-256/384 ecp_group_load + ecdh_gen_public + ecp_point_read_binary +
 *               ecp_check_pubkey + ecdh_compute_shared
 *   X25519      the mbedtls_ecdh_context API (ecdh_setup, make_public,
 *               read_public, calc_secret: Everest when the build has it),
 *               and the ECP Montgomery ladder (ecdh_gen_public +
 *               compute_shared), so one run shows both
 * Both sides use the same CTR_DRBG. ratio = tinyipsec / primitive (1.00 =
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

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/dhm.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/version.h>

#include "crypto.h"

size_t tip_crypto_dh_state_size(void); /* crypto_mbedtls_ike.c */

#if defined(MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED)
#define HAVE_EVEREST 1
#else
#define HAVE_EVEREST 0
#endif

static mbedtls_ctr_drbg_context drbg;
static double budget_s = 0.15;
static int rounds = 3;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int tip_rng(void *arg, uint8_t *out, size_t len)
{
    return mbedtls_ctr_drbg_random(arg, out, len) == 0 ? 0 : -1;
}

/* A valid peer public value per group (made once, outside the timing). */
static uint8_t peer_pub[5][256];

typedef struct {
    const char *name;
    tip_dh_group_t group; /* TIP_DH_NONE: primitive-only row */
    int (*prim)(int slot);
    int slot;
} row_t;

/* ---- the primitives ---------------------------------------------------------------- */

static int prim_modp(int x_bytes)
{
    static const uint8_t p_bin[] = MBEDTLS_DHM_RFC3526_MODP_2048_P_BIN;
    static const uint8_t g_bin[] = MBEDTLS_DHM_RFC3526_MODP_2048_G_BIN;
    mbedtls_dhm_context dhm;
    mbedtls_mpi p, g;
    uint8_t pub[256], k[256];
    size_t olen;
    int ret;

    mbedtls_dhm_init(&dhm);
    mbedtls_mpi_init(&p);
    mbedtls_mpi_init(&g);
    ret = mbedtls_mpi_read_binary(&p, p_bin, sizeof(p_bin)) ||
          mbedtls_mpi_read_binary(&g, g_bin, sizeof(g_bin)) ||
          mbedtls_dhm_set_group(&dhm, &p, &g) ||
          mbedtls_dhm_make_public(&dhm, x_bytes, pub, sizeof(pub), mbedtls_ctr_drbg_random,
                                  &drbg) ||
          mbedtls_dhm_read_public(&dhm, peer_pub[0], 256) ||
          mbedtls_dhm_calc_secret(&dhm, k, sizeof(k), &olen, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_mpi_free(&p);
    mbedtls_mpi_free(&g);
    mbedtls_dhm_free(&dhm);
    return ret;
}

static int prim_modp_short(int slot)
{
    (void)slot;
    return prim_modp(32);
}

static int prim_modp_full(int slot)
{
    (void)slot;
    return prim_modp(256);
}

/* ECP low level: slot 1 = P-256, 2 = P-384, 3 = X25519 ladder. */
static int prim_ecp(int slot)
{
    static const mbedtls_ecp_group_id ids[] = {MBEDTLS_ECP_DP_NONE, MBEDTLS_ECP_DP_SECP256R1,
                                               MBEDTLS_ECP_DP_SECP384R1,
                                               MBEDTLS_ECP_DP_CURVE25519};
    static const size_t plen[] = {0, 32, 48, 32};
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q, qp;
    mbedtls_mpi d, z;
    uint8_t buf[97], mine[97], k[48];
    size_t olen, mlen;
    int ret;

    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_ecp_point_init(&qp);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    if (slot == 3) {
        memcpy(buf, peer_pub[3], 32);
        olen = 32;
    } else {
        buf[0] = 4;
        memcpy(buf + 1, peer_pub[slot], 2 * plen[slot]);
        olen = 1 + 2 * plen[slot];
    }
    ret = mbedtls_ecp_group_load(&grp, ids[slot]) ||
          mbedtls_ecdh_gen_public(&grp, &d, &q, mbedtls_ctr_drbg_random, &drbg) ||
          mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &mlen, mine,
                                         sizeof(mine)) ||
          mbedtls_ecp_point_read_binary(&grp, &qp, buf, olen) ||
          mbedtls_ecp_check_pubkey(&grp, &qp) ||
          mbedtls_ecdh_compute_shared(&grp, &z, &qp, &d, mbedtls_ctr_drbg_random, &drbg) ||
          mbedtls_mpi_write_binary(&z, k, plen[slot]);
    mbedtls_ecp_group_free(&grp);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_point_free(&qp);
    mbedtls_mpi_free(&d);
    mbedtls_mpi_free(&z);
    return ret;
}

/* X25519 through mbedtls_ecdh_context (Everest when enabled). */
static int prim_x25519_ctx(int slot)
{
    mbedtls_ecdh_context ctx;
    uint8_t tls[33], k[32];
    size_t olen;
    int ret;

    (void)slot;
    mbedtls_ecdh_init(&ctx);
    ret = mbedtls_ecdh_setup(&ctx, MBEDTLS_ECP_DP_CURVE25519) ||
          mbedtls_ecdh_make_public(&ctx, &olen, tls, sizeof(tls), mbedtls_ctr_drbg_random,
                                   &drbg);
    if (ret == 0) {
        tls[0] = 32;
        memcpy(tls + 1, peer_pub[3], 32);
        ret = mbedtls_ecdh_read_public(&ctx, tls, sizeof(tls)) ||
              mbedtls_ecdh_calc_secret(&ctx, &olen, k, sizeof(k), mbedtls_ctr_drbg_random,
                                       &drbg);
    }
    mbedtls_ecdh_free(&ctx);
    return ret;
}

/* ---- tinyipsec ------------------------------------------------------------------------ */

static int tip_one(tip_dh_group_t group, int slot)
{
    tip_crypto_dh_t dh;
    uint8_t pub[256], secret[256];
    size_t pl = tip_crypto_dh_pub_len(group);
    int ret;

    ret = tip_crypto_dh_generate(&dh, group, tip_rng, &drbg, pub, pl);
    if (ret == 0)
        ret = tip_crypto_dh_compute(&dh, peer_pub[slot], pl, secret,
                                    tip_crypto_dh_secret_len(group));
    tip_crypto_dh_free(&dh);
    return ret;
}

/* ---- timing ------------------------------------------------------------------------ */

static double rate(const row_t *r, int use_tip)
{
    double t0 = now_s(), t;
    long n = 0;

    do {
        int ret = use_tip ? tip_one(r->group, r->slot) : r->prim(r->slot);

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

int main(int argc, char **argv)
{
    static const row_t rows[] = {
        {"MODP-2048 (14)", TIP_DH_MODP_2048, prim_modp_short, 0},
        {"ECP-256 (19)", TIP_DH_ECP_256, prim_ecp, 1},
        {"ECP-384 (20)", TIP_DH_ECP_384, prim_ecp, 2},
        {"Curve25519 (31)", TIP_DH_CURVE25519, HAVE_EVEREST ? prim_x25519_ctx : prim_ecp, 3},
        {"  ref: MODP x=2048 bit", TIP_DH_NONE, prim_modp_full, 0},
        {"  ref: X25519 ECP ladder", TIP_DH_NONE, prim_ecp, 3},
        {"  ref: X25519 ecdh_context", TIP_DH_NONE, prim_x25519_ctx, 3},
    };
    static const tip_dh_group_t groups[] = {TIP_DH_MODP_2048, TIP_DH_ECP_256, TIP_DH_ECP_384,
                                            TIP_DH_CURVE25519};
    mbedtls_entropy_context ent;
    char ver[32];
    size_t i;
    int k;

    if (argc > 1)
        budget_s = atof(argv[1]) / 1000.0;
    if (argc > 2)
        rounds = atoi(argv[2]);
    if (budget_s <= 0 || rounds < 1)
        return 2;
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, (const uint8_t *)"dh_bench", 8))
        return 1;
    /* Peer public values, made through tinyipsec (checked there). */
    for (i = 0; i < 4; i++) {
        tip_crypto_dh_t dh;
        int slot = i == 0 ? 0 : (int)i;

        if (tip_crypto_dh_generate(&dh, groups[i], tip_rng, &drbg, peer_pub[slot],
                                   tip_crypto_dh_pub_len(groups[i])) != 0)
            return 1;
        tip_crypto_dh_free(&dh);
    }

    mbedtls_version_get_string(ver);
    printf("dh_bench: Mbed TLS %s, X25519 %s; DH state %zu of %zu bytes; %d x %.0f ms rounds\n",
           ver, HAVE_EVEREST ? "via Everest (mbedtls_ecdh_context)" : "via the ECP ladder",
           tip_crypto_dh_state_size(), sizeof(tip_crypto_dh_t), rounds, budget_s * 1000);
    printf("keygen + shared secret, one side, per second (best of %d rounds)\n", rounds);
    printf("%-28s %12s %12s %7s\n", "group", "primitive/s", "tinyipsec/s", "ratio");
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const row_t *r = &rows[i];
        double best_p = 0, best_t = 0, v;

        for (k = 0; k < rounds; k++) {
            int tip_first = k & 1;

            if (tip_first && r->group != TIP_DH_NONE && (v = rate(r, 1)) > best_t)
                best_t = v;
            if ((v = rate(r, 0)) > best_p)
                best_p = v;
            if (!tip_first && r->group != TIP_DH_NONE && (v = rate(r, 1)) > best_t)
                best_t = v;
        }
        if (r->group != TIP_DH_NONE)
            printf("%-28s %12.1f %12.1f %7.2f\n", r->name, best_p, best_t, best_t / best_p);
        else
            printf("%-28s %12.1f %12s %7s\n", r->name, best_p, "-", "-");
    }
    printf("(informational: the bench never fails on timing)\n");
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    return 0;
}
