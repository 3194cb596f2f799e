/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The Mbed TLS backend for IKEv2 (2.28 LTS and 3.6 LTS): the PRF and the
 * key exchange groups of src/crypto.h. With crypto_mbedtls.c (ESP) it is one
 * of the two files allowed to include Mbed TLS.
 *
 * Groups and how each is computed:
 *   14 MODP-2048 (RFC 3526)      mbedtls_dhm_*, 256-bit private exponent
 *   19/20 ECP-256/384 (RFC 5903) low-level mbedtls_ecdh_gen_public /
 *                                mbedtls_ecdh_compute_shared on our own
 *                                ecp_group + private scalar
 *   31 Curve25519 (RFC 8031)     Everest through the mbedtls_ecdh_context API
 *                                when MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED,
 *                                else the ECP Montgomery ladder as for 19/20
 *
 * The IKE path may allocate (bignums live on the Mbed TLS heap); the ESP
 * per-packet path in crypto_mbedtls.c never does. Every group's state lives
 * in the caller's tip_crypto_dh_t; a compile-time check below says if
 * TIP_CRYPTO_DH_STORAGE is too small for this Mbed TLS configuration.
 *
 * Randomness: Mbed TLS 3.x refuses a NULL f_rng for scalar multiplication
 * and DHM blinding, so every call gets tip_dh_rng(), which forwards to the
 * port's tip_rng_fn stored at generation time. A state made by
 * tip_crypto_dh_set_private() (known-answer tests) has no port RNG; its
 * blinding values come from a SHA-256 counter stream seeded with the
 * private value, as 2.28's ECP did internally when f_rng was NULL. Blinding
 * changes no result, only the side-channel profile.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"

/* The whole file: IKEv2 is the only user, and the PSA backend has its own
 * (crypto_psa_ike.c). */
#if TIP_CONF_IKEV2 && !TIP_CONF_CRYPTO_PSA

#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x04000000
#error "Mbed TLS 4 has only the PSA Crypto API: build with TIP_CONF_CRYPTO_PSA=1 (CMake: -DTIP_CRYPTO_BACKEND=psa)"
#endif

#if defined(MBEDTLS_MD_C)
#include <mbedtls/md.h>
#define TIP_HAVE_MD 1
#else
#define TIP_HAVE_MD 0
#endif

#if defined(MBEDTLS_DHM_C) && defined(MBEDTLS_BIGNUM_C)
#include <mbedtls/bignum.h>
#include <mbedtls/dhm.h>
#define TIP_HAVE_MODP 1
#else
#define TIP_HAVE_MODP 0
#endif

#if defined(MBEDTLS_ECDH_C) && defined(MBEDTLS_ECP_C)
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#define TIP_HAVE_ECDH 1
#else
#define TIP_HAVE_ECDH 0
#endif

#if TIP_HAVE_ECDH && defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
#define TIP_HAVE_ECP256 1
#else
#define TIP_HAVE_ECP256 0
#endif
#if TIP_HAVE_ECDH && defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
#define TIP_HAVE_ECP384 1
#else
#define TIP_HAVE_ECP384 0
#endif
/* Everest is reachable only through mbedtls_ecdh_context (toolchain notes 1.5). */
#if TIP_HAVE_ECDH && defined(MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED)
#define TIP_HAVE_X25519_EVEREST 1
#define TIP_HAVE_X25519_ECP 0
#elif TIP_HAVE_ECDH && defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
#define TIP_HAVE_X25519_EVEREST 0
#define TIP_HAVE_X25519_ECP 1
#else
#define TIP_HAVE_X25519_EVEREST 0
#define TIP_HAVE_X25519_ECP 0
#endif
#define TIP_HAVE_ECP_LOWLEVEL (TIP_HAVE_ECP256 || TIP_HAVE_ECP384 || TIP_HAVE_X25519_ECP)

/* RFC 3526 3: the group is believed to give about 112 bits of strength
 * (NIST SP 800-57: 2048-bit FFC = 112). RFC 3526 8 and NIST SP 800-56A
 * 5.6.1.1.1 ask for a private exponent of at least twice the strength
 * (224 bits); 256 bits meets that with room and makes g^x and y^x about
 * eight times cheaper than a full 2048-bit exponent. */
#define TIP_MODP_X_BYTES 32
#define TIP_MODP_LEN 256
#define TIP_X25519_LEN 32
#define TIP_RNG_FAILED (-0x0034) /* any non-zero value; mapped to TIP_ERR_CRYPTO */

/* ---- per-exchange state, kept inside the caller's tip_crypto_dh_t ------- */

struct tip_mbed_dh {
    uint8_t group;     /* tip_dh_group_t once set up, else 0 */
    uint8_t spent;     /* Everest wipes its private value in calc_secret */
    tip_rng_fn rng;    /* the port's RNG; NULL after set_private */
    void *rng_arg;
    uint32_t kat_ctr;  /* set_private: blinding stream counter */
    uint8_t kat_seed[32];
    union {
#if TIP_HAVE_MODP
        mbedtls_dhm_context dhm;
#endif
#if TIP_HAVE_ECP_LOWLEVEL
        struct {
            mbedtls_ecp_group grp;
            mbedtls_mpi d; /* our private scalar */
        } ecp;
#endif
#if TIP_HAVE_X25519_EVEREST
        mbedtls_ecdh_context ecdh;
#endif
        uint8_t none;
    } u;
};

/* If this fails, raise TIP_CRYPTO_DH_STORAGE (config.h or your
 * TIP_USER_CONFIG_FILE): this Mbed TLS configuration's DH contexts do not
 * fit. scripts/cm4-build.sh and bench/dh_bench.c print the sizes. */
typedef char tip_assert_dh_fits[(sizeof(struct tip_mbed_dh) <= sizeof(tip_crypto_dh_t)) ? 1 : -1];

struct tip_dh_align_mine { char c; struct tip_mbed_dh s; };
struct tip_dh_align_storage { char c; tip_crypto_dh_t s; };
typedef char tip_assert_dh_align[(offsetof(struct tip_dh_align_mine, s) <=
                                  offsetof(struct tip_dh_align_storage, s)) ? 1 : -1];

/** Bytes of backend state one key exchange needs (for sizing reports). */
size_t tip_crypto_dh_state_size(void)
{
    return sizeof(struct tip_mbed_dh);
}

static struct tip_mbed_dh *tip_mdh(tip_crypto_dh_t *dh)
{
    return (struct tip_mbed_dh *)(void *)dh->bytes;
}

/* ---- PRF (RFC 7296 2.13, RFC 4868: HMAC-SHA2 with its full output) ------ */

#if TIP_HAVE_MD
static const mbedtls_md_info_t *tip_prf_md(tip_prf_t prf)
{
    switch (prf) {
    case TIP_PRF_HMAC_SHA2_256: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
#if TIP_CONF_HMAC_SHA384
    case TIP_PRF_HMAC_SHA2_384: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
#endif
#if TIP_CONF_HMAC_SHA512
    case TIP_PRF_HMAC_SHA2_512: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
#endif
    default: return NULL;
    }
}
#endif

size_t tip_crypto_prf_len(tip_prf_t prf)
{
#if TIP_HAVE_MD
    const mbedtls_md_info_t *info = tip_prf_md(prf);

    return info != NULL ? (size_t)mbedtls_md_get_size(info) : 0;
#else
    (void)prf;
    return 0;
#endif
}

int tip_crypto_prf(tip_prf_t prf, const uint8_t *key, size_t key_len,
                   const tip_iov_t *iov, size_t n, uint8_t *out)
{
#if TIP_HAVE_MD
    static const uint8_t empty = 0;
    const mbedtls_md_info_t *info;
    mbedtls_md_context_t md;
    size_t i;
    int ret;

    if (out == NULL || (key == NULL && key_len != 0) || (iov == NULL && n != 0))
        return TIP_ERR_ARG;
    for (i = 0; i < n; i++)
        if (iov[i].p == NULL && iov[i].len != 0)
            return TIP_ERR_ARG;
    info = tip_prf_md(prf);
    if (info == NULL)
        return TIP_ERR_UNSUPPORTED;

    /* A local context: md_setup allocates the hash state and the HMAC pads,
     * md_free zeroizes and releases them (key-dependent ipad/opad). */
    mbedtls_md_init(&md);
    ret = mbedtls_md_setup(&md, info, 1);
    if (ret == 0)
        ret = mbedtls_md_hmac_starts(&md, key != NULL ? key : &empty, key_len);
    for (i = 0; ret == 0 && i < n; i++)
        if (iov[i].len != 0)
            ret = mbedtls_md_hmac_update(&md, iov[i].p, iov[i].len);
    if (ret == 0)
        ret = mbedtls_md_hmac_finish(&md, out);
    mbedtls_md_free(&md);
    tip_crypto_zeroize(&md, sizeof(md));
    if (ret != 0) {
        tip_crypto_zeroize(out, (size_t)mbedtls_md_get_size(info));
        return TIP_ERR_CRYPTO;
    }
    return TIP_OK;
#else
    (void)prf;
    (void)key;
    (void)key_len;
    (void)iov;
    (void)n;
    (void)out;
    return TIP_ERR_UNSUPPORTED;
#endif
}

/* ---- lengths ---------------------------------------------------------- */

size_t tip_crypto_dh_pub_len(tip_dh_group_t group)
{
    switch (group) {
    case TIP_DH_MODP_2048: return TIP_HAVE_MODP ? TIP_MODP_LEN : 0;
    case TIP_DH_ECP_256: return TIP_HAVE_ECP256 ? 64 : 0;  /* RFC 5903 7: x || y */
    case TIP_DH_ECP_384: return TIP_HAVE_ECP384 ? 96 : 0;
    case TIP_DH_CURVE25519:                                  /* RFC 8031 2: u, little-endian */
        return (TIP_HAVE_X25519_EVEREST || TIP_HAVE_X25519_ECP) ? TIP_X25519_LEN : 0;
    default: return 0;
    }
}

size_t tip_crypto_dh_secret_len(tip_dh_group_t group)
{
    switch (group) {
    case TIP_DH_MODP_2048: return TIP_HAVE_MODP ? TIP_MODP_LEN : 0;
    case TIP_DH_ECP_256: return TIP_HAVE_ECP256 ? 32 : 0; /* RFC 5903 7: x only */
    case TIP_DH_ECP_384: return TIP_HAVE_ECP384 ? 48 : 0;
    case TIP_DH_CURVE25519:
        return (TIP_HAVE_X25519_EVEREST || TIP_HAVE_X25519_ECP) ? TIP_X25519_LEN : 0;
    default: return 0;
    }
}

tip_dh_group_t tip_crypto_dh_group(const tip_crypto_dh_t *dh)
{
    if (dh == NULL)
        return TIP_DH_NONE;
    return (tip_dh_group_t)((const struct tip_mbed_dh *)(const void *)dh->bytes)->group;
}

/* ---- random sources handed to Mbed TLS ---------------------------------- */

/* Blinding stream for set_private states: SHA-256(seed || counter) blocks. */
static int tip_kat_rng(struct tip_mbed_dh *s, unsigned char *out, size_t len)
{
#if TIP_HAVE_MD
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    uint8_t in[sizeof(s->kat_seed) + 4], blk[32];
    size_t take;
    int ret = 0;

    if (info == NULL)
        return TIP_RNG_FAILED;
    memcpy(in, s->kat_seed, sizeof(s->kat_seed));
    while (ret == 0 && len != 0) {
        uint32_t c = s->kat_ctr++;

        in[32] = (uint8_t)(c >> 24);
        in[33] = (uint8_t)(c >> 16);
        in[34] = (uint8_t)(c >> 8);
        in[35] = (uint8_t)c;
        ret = mbedtls_md(info, in, sizeof(in), blk);
        take = len < sizeof(blk) ? len : sizeof(blk);
        memcpy(out, blk, take);
        out += take;
        len -= take;
    }
    tip_crypto_zeroize(in, sizeof(in));
    tip_crypto_zeroize(blk, sizeof(blk));
    return ret == 0 ? 0 : TIP_RNG_FAILED;
#else
    (void)s;
    (void)out;
    (void)len;
    return TIP_RNG_FAILED;
#endif
}

/* f_rng for every Mbed TLS call: the port's RNG, adapted. */
static int tip_dh_rng(void *p, unsigned char *out, size_t len)
{
    struct tip_mbed_dh *s = p;

    if (s->rng == NULL)
        return tip_kat_rng(s, out, len);
    return s->rng(s->rng_arg, out, len) == 0 ? 0 : TIP_RNG_FAILED;
}

#if TIP_HAVE_MODP || TIP_HAVE_X25519_EVEREST
/* set_private for contexts whose private value cannot be set directly
 * (DHM and Everest members are private in 3.x): the "RNG" hands out the
 * given private value, exactly once. */
struct tip_replay {
    const uint8_t *p;
    size_t left;
};

static int tip_replay_rng(void *p, unsigned char *out, size_t len)
{
    struct tip_replay *r = p;

    if (len > r->left)
        return TIP_RNG_FAILED;
    memcpy(out, r->p, len);
    r->p += len;
    r->left -= len;
    return 0;
}
#endif

static int tip_all_zero(const uint8_t *p, size_t len)
{
    uint8_t acc = 0;
    size_t i;

    for (i = 0; i < len; i++) /* constant time: the value is secret */
        acc |= p[i];
    return acc == 0;
}

/* ---- MODP-2048 (RFC 3526 3) --------------------------------------------- */

#if TIP_HAVE_MODP
static const uint8_t tip_modp2048_p[] = MBEDTLS_DHM_RFC3526_MODP_2048_P_BIN;
static const uint8_t tip_modp2048_g[] = MBEDTLS_DHM_RFC3526_MODP_2048_G_BIN;

static int tip_modp_setup(struct tip_mbed_dh *s)
{
    mbedtls_mpi p, g;
    int ret;

    mbedtls_dhm_init(&s->u.dhm);
    s->group = TIP_DH_MODP_2048;
    mbedtls_mpi_init(&p);
    mbedtls_mpi_init(&g);
    ret = mbedtls_mpi_read_binary(&p, tip_modp2048_p, sizeof(tip_modp2048_p));
    if (ret == 0)
        ret = mbedtls_mpi_read_binary(&g, tip_modp2048_g, sizeof(tip_modp2048_g));
    if (ret == 0)
        ret = mbedtls_dhm_set_group(&s->u.dhm, &p, &g);
    mbedtls_mpi_free(&p);
    mbedtls_mpi_free(&g);
    return ret;
}

/* RFC 7296 5.12 / RFC 6989 2.2: for a safe-prime MODP group, 1 < y < p - 1
 * is the whole check. Public data, so a plain comparison is fine. */
static int tip_modp_peer_ok(const uint8_t *y)
{
    size_t i;
    int cmp = 0;

    for (i = 0; i < TIP_MODP_LEN - 1; i++)
        if (y[i] != 0)
            break;
    if (i == TIP_MODP_LEN - 1 && y[i] <= 1)
        return 0; /* 0 or 1 */
    /* y < p - 1: p ends in 0xFF, so p - 1 differs from p only in the last byte. */
    for (i = 0; i < TIP_MODP_LEN && cmp == 0; i++) {
        uint8_t pm1 = (uint8_t)(i == TIP_MODP_LEN - 1 ? tip_modp2048_p[i] - 1u : tip_modp2048_p[i]);

        cmp = y[i] < pm1 ? -1 : y[i] > pm1 ? 1 : 0;
    }
    return cmp < 0;
}

static int tip_modp_compute(struct tip_mbed_dh *s, const uint8_t *peer, uint8_t *secret)
{
    uint8_t k[TIP_MODP_LEN];
    size_t olen = 0;
    int ret;

    if (!tip_modp_peer_ok(peer))
        return TIP_ERR_MALFORMED;
    if (mbedtls_dhm_read_public(&s->u.dhm, peer, TIP_MODP_LEN) != 0)
        return TIP_ERR_MALFORMED;
    ret = mbedtls_dhm_calc_secret(&s->u.dhm, k, sizeof(k), &olen, tip_dh_rng, s);
    if (ret == 0 && (olen == 0 || olen > TIP_MODP_LEN))
        ret = -1;
    if (ret == 0) {
        /* calc_secret strips leading zero bytes (the TLS rule); RFC 7296
         * 2.14 wants g^ir left-padded to the length of the modulus. */
        memset(secret, 0, TIP_MODP_LEN - olen); /* tip-wipe-ok: left-pads the output */
        memcpy(secret + (TIP_MODP_LEN - olen), k, olen);
    }
    tip_crypto_zeroize(k, sizeof(k));
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
}
#endif

/* ---- ECP groups through the low-level API ------------------------------- */

#if TIP_HAVE_ECP_LOWLEVEL
static mbedtls_ecp_group_id tip_ecp_id(tip_dh_group_t group)
{
    switch (group) {
#if TIP_HAVE_ECP256
    case TIP_DH_ECP_256: return MBEDTLS_ECP_DP_SECP256R1;
#endif
#if TIP_HAVE_ECP384
    case TIP_DH_ECP_384: return MBEDTLS_ECP_DP_SECP384R1;
#endif
#if TIP_HAVE_X25519_ECP
    case TIP_DH_CURVE25519: return MBEDTLS_ECP_DP_CURVE25519;
#endif
    default: return MBEDTLS_ECP_DP_NONE;
    }
}

static int tip_ecp_setup(struct tip_mbed_dh *s, tip_dh_group_t group)
{
    mbedtls_ecp_group_init(&s->u.ecp.grp);
    mbedtls_mpi_init(&s->u.ecp.d);
    s->group = (uint8_t)group;
    return mbedtls_ecp_group_load(&s->u.ecp.grp, tip_ecp_id(group));
}

/* Our public value on the wire: x || y without the 0x04 (RFC 5903 7), or
 * the 32-byte little-endian u (RFC 8031 2), which write_binary gives. */
static int tip_ecp_write_pub(struct tip_mbed_dh *s, const mbedtls_ecp_point *q, uint8_t *pub,
                             size_t pub_len)
{
    uint8_t buf[1 + 2 * 48];
    size_t olen = 0;
    int ret;

    ret = mbedtls_ecp_point_write_binary(&s->u.ecp.grp, q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
                                         buf, sizeof(buf));
    if (ret == 0) {
        if (s->group == TIP_DH_CURVE25519 && olen == pub_len)
            memcpy(pub, buf, pub_len);
        else if (s->group != TIP_DH_CURVE25519 && olen == pub_len + 1 && buf[0] == 0x04)
            memcpy(pub, buf + 1, pub_len);
        else
            ret = -1;
    }
    return ret;
}

static int tip_ecp_compute(struct tip_mbed_dh *s, const uint8_t *peer, size_t peer_len,
                           uint8_t *secret, size_t secret_len)
{
    uint8_t buf[1 + 2 * 48];
    mbedtls_ecp_point qp;
    mbedtls_mpi z;
    int err = TIP_ERR_INTERNAL;
    int ret;

    mbedtls_ecp_point_init(&qp);
    mbedtls_mpi_init(&z);
    if (s->group == TIP_DH_CURVE25519) {
        /* read_binary clears the top bit of u (RFC 7748 5). */
        ret = mbedtls_ecp_point_read_binary(&s->u.ecp.grp, &qp, peer, peer_len);
    } else {
        buf[0] = 0x04;
        memcpy(buf + 1, peer, peer_len);
        ret = mbedtls_ecp_point_read_binary(&s->u.ecp.grp, &qp, buf, peer_len + 1);
    }
    /* RFC 7296 5.12 / RFC 6989 2.3: the point must be on the curve (and
     * not at infinity); for Curve25519 this also refuses the known
     * low-order u values. compute_shared alone would not check. */
    if (ret != 0 || mbedtls_ecp_check_pubkey(&s->u.ecp.grp, &qp) != 0) {
        err = TIP_ERR_MALFORMED;
        goto out;
    }
    ret = mbedtls_ecdh_compute_shared(&s->u.ecp.grp, &z, &qp, &s->u.ecp.d, tip_dh_rng, s);
    if (ret == 0) {
        /* RFC 5903 7: the x coordinate, big-endian, padded to the field
         * size; RFC 8031 2.1: the 32-byte little-endian u. */
        if (s->group == TIP_DH_CURVE25519)
            ret = mbedtls_mpi_write_binary_le(&z, secret, secret_len);
        else
            ret = mbedtls_mpi_write_binary(&z, secret, secret_len);
    }
    if (ret != 0) {
        err = TIP_ERR_CRYPTO;
        goto out;
    }
    /* RFC 8031 2.2 / RFC 7748 6.1: an all-zero X25519 result means a
     * low-order peer value; refuse it (belt and braces after check_pubkey). */
    err = (s->group == TIP_DH_CURVE25519 && tip_all_zero(secret, secret_len)) ? TIP_ERR_MALFORMED
                                                                            : TIP_OK;
out:
    mbedtls_ecp_point_free(&qp);
    mbedtls_mpi_free(&z);
    tip_crypto_zeroize(buf, sizeof(buf));
    return err;
}
#endif

/* ---- Curve25519 through Everest (mbedtls_ecdh_context, TLS framing) ----- */

#if TIP_HAVE_X25519_EVEREST
static int tip_everest_setup(struct tip_mbed_dh *s)
{
    mbedtls_ecdh_init(&s->u.ecdh);
    s->group = TIP_DH_CURVE25519;
    return mbedtls_ecdh_setup(&s->u.ecdh, MBEDTLS_ECP_DP_CURVE25519);
}

static int tip_everest_make_public(struct tip_mbed_dh *s, uint8_t *pub,
                                   int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    uint8_t tls[1 + TIP_X25519_LEN];
    size_t olen = 0;
    int ret;

    /* make_public writes the TLS ECPoint: one length byte (32), then u. */
    ret = mbedtls_ecdh_make_public(&s->u.ecdh, &olen, tls, sizeof(tls), f_rng, p_rng);
    if (ret == 0 && (olen != sizeof(tls) || tls[0] != TIP_X25519_LEN))
        ret = -1;
    if (ret == 0)
        memcpy(pub, tls + 1, TIP_X25519_LEN);
    return ret;
}

static int tip_everest_compute(struct tip_mbed_dh *s, const uint8_t *peer, uint8_t *secret)
{
    uint8_t tls[1 + TIP_X25519_LEN];
    size_t olen = 0;
    int ret;

    if (s->spent)
        return TIP_ERR_ARG; /* calc_secret wiped our private value */
    tls[0] = TIP_X25519_LEN;
    memcpy(tls + 1, peer, TIP_X25519_LEN);
    if (mbedtls_ecdh_read_public(&s->u.ecdh, tls, sizeof(tls)) != 0)
        return TIP_ERR_MALFORMED;
    s->spent = 1;
    ret = mbedtls_ecdh_calc_secret(&s->u.ecdh, &olen, secret, TIP_X25519_LEN, tip_dh_rng, s);
    /* Everest reports an all-zero result (a low-order peer value, RFC 8031
     * 2.2) as MBEDTLS_ERR_ECP_RANDOM_FAILED; check the bytes ourselves too. */
    if (ret == MBEDTLS_ERR_ECP_RANDOM_FAILED ||
        (ret == 0 && (olen != TIP_X25519_LEN || tip_all_zero(secret, TIP_X25519_LEN))))
        return TIP_ERR_MALFORMED;
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
}
#endif

/* ---- the interface -------------------------------------------------------- */

static int tip_dh_args_ok(tip_crypto_dh_t *dh, tip_dh_group_t group, const uint8_t *pub,
                          size_t pub_len)
{
    return dh != NULL && pub != NULL && tip_crypto_dh_pub_len(group) != 0 &&
           pub_len == tip_crypto_dh_pub_len(group);
}

static int tip_dh_unsupported(tip_dh_group_t group)
{
    return tip_crypto_dh_pub_len(group) == 0;
}

int tip_crypto_dh_generate(tip_crypto_dh_t *dh, tip_dh_group_t group, tip_rng_fn rng,
                           void *rng_arg, uint8_t *pub, size_t pub_len)
{
    struct tip_mbed_dh *s;
    int ret = -1;

    if (dh == NULL)
        return TIP_ERR_ARG;
    tip_crypto_zeroize(dh, sizeof(*dh));
    if (tip_dh_unsupported(group))
        return TIP_ERR_UNSUPPORTED;
    if (rng == NULL || !tip_dh_args_ok(dh, group, pub, pub_len))
        return TIP_ERR_ARG;
    s = tip_mdh(dh);
    s->rng = rng;
    s->rng_arg = rng_arg;

    switch (group) {
#if TIP_HAVE_MODP
    case TIP_DH_MODP_2048:
        ret = tip_modp_setup(s);
        /* make_public writes g^x left-padded to pub_len (256) bytes. */
        if (ret == 0)
            ret = mbedtls_dhm_make_public(&s->u.dhm, TIP_MODP_X_BYTES, pub, pub_len, tip_dh_rng,
                                          s);
        break;
#endif
#if TIP_HAVE_X25519_EVEREST
    case TIP_DH_CURVE25519:
        ret = tip_everest_setup(s);
        if (ret == 0)
            ret = tip_everest_make_public(s, pub, tip_dh_rng, s);
        break;
#endif
    default:
#if TIP_HAVE_ECP_LOWLEVEL
    {
        mbedtls_ecp_point q;

        mbedtls_ecp_point_init(&q);
        ret = tip_ecp_setup(s, group);
        if (ret == 0)
            ret = mbedtls_ecdh_gen_public(&s->u.ecp.grp, &s->u.ecp.d, &q, tip_dh_rng, s);
        if (ret == 0)
            ret = tip_ecp_write_pub(s, &q, pub, pub_len);
        mbedtls_ecp_point_free(&q);
    }
#endif
        break;
    }
    if (ret != 0) {
        tip_crypto_dh_free(dh);
        tip_crypto_zeroize(pub, pub_len);
        return TIP_ERR_CRYPTO;
    }
    return TIP_OK;
}

int tip_crypto_dh_set_private(tip_crypto_dh_t *dh, tip_dh_group_t group, const uint8_t *priv,
                              size_t priv_len, uint8_t *pub, size_t pub_len)
{
    struct tip_mbed_dh *s;
    int err = TIP_ERR_CRYPTO;
    int ret = -1;

    if (dh == NULL)
        return TIP_ERR_ARG;
    tip_crypto_zeroize(dh, sizeof(*dh));
    if (tip_dh_unsupported(group))
        return TIP_ERR_UNSUPPORTED;
    if (priv == NULL || priv_len == 0 || !tip_dh_args_ok(dh, group, pub, pub_len))
        return TIP_ERR_ARG;
    s = tip_mdh(dh);
    /* No port RNG here: seed the blinding stream from the private value. */
    {
#if TIP_HAVE_MD
        const mbedtls_md_info_t *sha = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

        if (sha == NULL || mbedtls_md(sha, priv, priv_len, s->kat_seed) != 0)
            return TIP_ERR_UNSUPPORTED;
#else
        return TIP_ERR_UNSUPPORTED;
#endif
    }

    switch (group) {
#if TIP_HAVE_MODP
    case TIP_DH_MODP_2048: {
        struct tip_replay r = {priv, priv_len};

        if (priv_len > TIP_MODP_LEN) {
            err = TIP_ERR_ARG;
            break;
        }
        ret = tip_modp_setup(s);
        if (ret == 0)
            ret = mbedtls_dhm_make_public(&s->u.dhm, (int)priv_len, pub, pub_len, tip_replay_rng,
                                          &r);
        if (ret == 0 && r.left != 0)
            ret = -1;
        break;
    }
#endif
#if TIP_HAVE_X25519_EVEREST
    case TIP_DH_CURVE25519: {
        struct tip_replay r = {priv, priv_len};

        if (priv_len != TIP_X25519_LEN) {
            err = TIP_ERR_ARG;
            break;
        }
        /* Everest takes the RFC 7748 scalar as is and clamps it itself. */
        ret = tip_everest_setup(s);
        if (ret == 0)
            ret = tip_everest_make_public(s, pub, tip_replay_rng, &r);
        break;
    }
#endif
    default:
#if TIP_HAVE_ECP_LOWLEVEL
    {
        uint8_t k[TIP_X25519_LEN];
        mbedtls_ecp_point q;

        mbedtls_ecp_point_init(&q);
        ret = tip_ecp_setup(s, group);
        if (ret == 0 && group == TIP_DH_CURVE25519) {
            if (priv_len != TIP_X25519_LEN) {
                ret = -1;
                err = TIP_ERR_ARG;
            } else {
                /* RFC 7748 5 decodeScalar25519: clamp, little-endian. */
                memcpy(k, priv, sizeof(k));
                k[0] &= 248;
                k[31] &= 127;
                k[31] |= 64;
                ret = mbedtls_mpi_read_binary_le(&s->u.ecp.d, k, sizeof(k));
            }
        } else if (ret == 0) {
            ret = mbedtls_mpi_read_binary(&s->u.ecp.d, priv, priv_len);
        }
        if (ret == 0 && mbedtls_ecp_check_privkey(&s->u.ecp.grp, &s->u.ecp.d) != 0) {
            ret = -1;
            err = TIP_ERR_ARG;
        }
        if (ret == 0)
            ret = mbedtls_ecp_mul(&s->u.ecp.grp, &q, &s->u.ecp.d, &s->u.ecp.grp.G, tip_dh_rng, s);
        if (ret == 0)
            ret = tip_ecp_write_pub(s, &q, pub, pub_len);
        mbedtls_ecp_point_free(&q);
        tip_crypto_zeroize(k, sizeof(k));
    }
#endif
        break;
    }
    if (ret != 0) {
        tip_crypto_dh_free(dh);
        tip_crypto_zeroize(pub, pub_len);
        return err;
    }
    return TIP_OK;
}

int tip_crypto_dh_compute(tip_crypto_dh_t *dh, const uint8_t *peer, size_t peer_len,
                          uint8_t *secret, size_t secret_len)
{
    struct tip_mbed_dh *s;
    tip_dh_group_t group;
    int err = TIP_ERR_INTERNAL;

    if (dh == NULL || secret == NULL)
        return TIP_ERR_ARG;
    s = tip_mdh(dh);
    group = (tip_dh_group_t)s->group;
    if (group == TIP_DH_NONE || secret_len != tip_crypto_dh_secret_len(group))
        return TIP_ERR_ARG;
    /* RFC 7296 3.4: the KE data length is fixed by the group. */
    if (peer == NULL || peer_len != tip_crypto_dh_pub_len(group)) {
        tip_crypto_zeroize(secret, secret_len);
        return TIP_ERR_MALFORMED;
    }
    switch (group) {
#if TIP_HAVE_MODP
    case TIP_DH_MODP_2048: err = tip_modp_compute(s, peer, secret); break;
#endif
#if TIP_HAVE_X25519_EVEREST
    case TIP_DH_CURVE25519: err = tip_everest_compute(s, peer, secret); break;
#endif
    default:
#if TIP_HAVE_ECP_LOWLEVEL
        err = tip_ecp_compute(s, peer, peer_len, secret, secret_len);
#endif
        break;
    }
    if (err != TIP_OK)
        tip_crypto_zeroize(secret, secret_len);
    return err;
}

void tip_crypto_dh_free(tip_crypto_dh_t *dh)
{
    struct tip_mbed_dh *s;

    if (dh == NULL)
        return;
    s = tip_mdh(dh);
    /* The Mbed TLS *_free calls zeroize every bignum limb they release. */
    switch ((tip_dh_group_t)s->group) {
#if TIP_HAVE_MODP
    case TIP_DH_MODP_2048: mbedtls_dhm_free(&s->u.dhm); break;
#endif
#if TIP_HAVE_X25519_EVEREST
    case TIP_DH_CURVE25519: mbedtls_ecdh_free(&s->u.ecdh); break;
#endif
    case TIP_DH_NONE: break;
    default:
#if TIP_HAVE_ECP_LOWLEVEL
        mbedtls_mpi_free(&s->u.ecp.d);
        mbedtls_ecp_group_free(&s->u.ecp.grp);
#endif
        break;
    }
    tip_crypto_zeroize(dh, sizeof(*dh));
}

#else
typedef int tip_crypto_mbedtls_ike_empty; /* ISO C: no empty translation unit */
#endif /* TIP_CONF_IKEV2 && !TIP_CONF_CRYPTO_PSA */
