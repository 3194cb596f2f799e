/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The bare Mbed TLS calls of the classic backend (bench/bare.h):
 *   ESP   AES-GCM           mbedtls_gcm_crypt_and_tag / mbedtls_gcm_auth_decrypt
 *         ChaCha20-Poly1305 mbedtls_chachapoly_encrypt_and_tag / _auth_decrypt
 *         AES-CBC + HMAC    mbedtls_aes_crypt_cbc + mbedtls_md_hmac_reset/update/finish
 *         NULL + HMAC       mbedtls_md_hmac_* only
 *   IKE   14      dhm_set_group + dhm_make_public (256-bit exponent) /
 *                 dhm_read_public + dhm_calc_secret
 *         19, 20  ecp_group_load + ecdh_gen_public + ecp_point_write_binary /
 *                 ecp_point_read_binary + ecp_check_pubkey + ecdh_compute_shared
 *                 + mpi_write_binary
 *         31      with MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED: mbedtls_ecdh_context
 *                 (ecdh_setup + make_public / read_public + calc_secret);
 *                 otherwise the ECP Montgomery ladder as for 19/20
 * as src/crypto_mbedtls.c and src/crypto_mbedtls_ike.c make them. Random
 * numbers: one CTR_DRBG seeded from the platform entropy.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bare.h"

#if !TIP_CONF_CRYPTO_PSA /* the whole file: bare_psa.c is the PSA backend's */

#include <mbedtls/aes.h>
#include <mbedtls/bignum.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/dhm.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/version.h>

#if defined(MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED)
#define HAVE_EVEREST 1
#else
#define HAVE_EVEREST 0
#endif

/* ---- the library underneath ---------------------------------------------------- */

static mbedtls_entropy_context ent;
static mbedtls_ctr_drbg_context drbg;

const char *bare_version(void)
{
    return MBEDTLS_VERSION_STRING;
}

const char *bare_backend(void)
{
    return "classic";
}

int bare_init(void)
{
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    return mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, (const uint8_t *)"bench", 5);
}

void bare_deinit(void)
{
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
}

int bare_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    return mbedtls_ctr_drbg_random(&drbg, out, len) == 0 ? 0 : TIP_ERR_CRYPTO;
}

static int drbg_rng(void *p, unsigned char *out, size_t len)
{
    return mbedtls_ctr_drbg_random(p, out, len);
}

/* ---- ESP --------------------------------------------------------------------------- */

static struct {
    tip_encr_t encr;
    tip_integ_t integ;
    size_t icv_len;
    uint8_t salt[4];
    mbedtls_gcm_context gcm;
    mbedtls_chachapoly_context chacha;
    mbedtls_aes_context aes_enc, aes_dec;
    mbedtls_md_context_t md;
    uint8_t tag[64];
} esp;

const char *bare_esp_calls(void)
{
    return "mbedtls_gcm_crypt_and_tag/_auth_decrypt, mbedtls_chachapoly_*, "
           "mbedtls_aes_crypt_cbc + mbedtls_md_hmac_*";
}

static mbedtls_md_type_t md_type(tip_integ_t i)
{
    switch (i) {
    case TIP_INTEG_HMAC_SHA2_256_128: return MBEDTLS_MD_SHA256;
    case TIP_INTEG_HMAC_SHA2_384_192: return MBEDTLS_MD_SHA384;
    case TIP_INTEG_HMAC_SHA2_512_256: return MBEDTLS_MD_SHA512;
    default: return MBEDTLS_MD_NONE;
    }
}

int bare_esp_setup(tip_encr_t encr, const uint8_t *key, size_t key_len, const uint8_t salt[4],
                   tip_integ_t integ, const uint8_t *ikey, size_t ikey_len)
{
    int rc;

    memset(&esp, 0, sizeof(esp));
    esp.encr = encr;
    esp.integ = integ;
    esp.icv_len = ikey_len / 2; /* RFC 4868 2.3: half the hash output */
    memcpy(esp.salt, salt, 4);
    switch (encr) {
    case TIP_ENCR_AES_GCM_16:
        mbedtls_gcm_init(&esp.gcm);
        rc = mbedtls_gcm_setkey(&esp.gcm, MBEDTLS_CIPHER_ID_AES, key, (unsigned)key_len * 8);
        break;
    case TIP_ENCR_CHACHA20_POLY1305:
        mbedtls_chachapoly_init(&esp.chacha);
        rc = mbedtls_chachapoly_setkey(&esp.chacha, key);
        break;
    case TIP_ENCR_AES_CBC:
        mbedtls_aes_init(&esp.aes_enc);
        mbedtls_aes_init(&esp.aes_dec);
        rc = mbedtls_aes_setkey_enc(&esp.aes_enc, key, (unsigned)key_len * 8);
        if (rc == 0)
            rc = mbedtls_aes_setkey_dec(&esp.aes_dec, key, (unsigned)key_len * 8);
        break;
    default:
        rc = 0;
        break;
    }
    if (rc == 0 && integ != TIP_INTEG_NONE) {
        mbedtls_md_init(&esp.md);
        rc = mbedtls_md_setup(&esp.md, mbedtls_md_info_from_type(md_type(integ)), 1);
        if (rc == 0)
            rc = mbedtls_md_hmac_starts(&esp.md, ikey, ikey_len);
    }
    return rc;
}

void bare_esp_free(void)
{
    switch (esp.encr) {
    case TIP_ENCR_AES_GCM_16: mbedtls_gcm_free(&esp.gcm); break;
    case TIP_ENCR_CHACHA20_POLY1305: mbedtls_chachapoly_free(&esp.chacha); break;
    case TIP_ENCR_AES_CBC:
        mbedtls_aes_free(&esp.aes_enc);
        mbedtls_aes_free(&esp.aes_dec);
        break;
    default: break;
    }
    if (esp.integ != TIP_INTEG_NONE)
        mbedtls_md_free(&esp.md);
}

/* RFC 4106 4, RFC 7634 2: the nonce is salt || IV. */
static void esp_nonce(const uint8_t *hdr, uint8_t nonce[12])
{
    memcpy(nonce, esp.salt, 4);
    memcpy(nonce + 4, hdr + 8, 8);
}

int bare_esp_seal(uint8_t *hdr, size_t ivl, uint8_t *data, size_t clen)
{
    uint8_t nonce[12];
    uint8_t iv[16];

    switch (esp.encr) {
    case TIP_ENCR_AES_GCM_16:
        esp_nonce(hdr, nonce);
        return mbedtls_gcm_crypt_and_tag(&esp.gcm, MBEDTLS_GCM_ENCRYPT, clen, nonce, 12, hdr, 8,
                                         data, data, 16, data + clen);
    case TIP_ENCR_CHACHA20_POLY1305:
        esp_nonce(hdr, nonce);
        return mbedtls_chachapoly_encrypt_and_tag(&esp.chacha, clen, nonce, hdr, 8, data, data,
                                                  data + clen);
    case TIP_ENCR_AES_CBC:
        memcpy(iv, hdr + 8, 16);
        if (mbedtls_aes_crypt_cbc(&esp.aes_enc, MBEDTLS_AES_ENCRYPT, clen, iv, data, data))
            return -1;
        break;
    default:
        break;
    }
    if (mbedtls_md_hmac_reset(&esp.md) || mbedtls_md_hmac_update(&esp.md, hdr, 8 + ivl + clen) ||
        mbedtls_md_hmac_finish(&esp.md, esp.tag))
        return -1;
    memcpy(data + clen, esp.tag, esp.icv_len);
    return 0;
}

int bare_esp_open(uint8_t *hdr, size_t ivl, uint8_t *data, size_t clen)
{
    uint8_t nonce[12];
    uint8_t iv[16];

    switch (esp.encr) {
    case TIP_ENCR_AES_GCM_16:
        esp_nonce(hdr, nonce);
        return mbedtls_gcm_auth_decrypt(&esp.gcm, clen, nonce, 12, hdr, 8, data + clen, 16, data,
                                        data);
    case TIP_ENCR_CHACHA20_POLY1305:
        esp_nonce(hdr, nonce);
        return mbedtls_chachapoly_auth_decrypt(&esp.chacha, clen, nonce, hdr, 8, data + clen,
                                               data, data);
    default:
        break;
    }
    if (mbedtls_md_hmac_reset(&esp.md) || mbedtls_md_hmac_update(&esp.md, hdr, 8 + ivl + clen) ||
        mbedtls_md_hmac_finish(&esp.md, esp.tag))
        return -1;
    if (memcmp(esp.tag, data + clen, esp.icv_len) != 0) /* it is ESP's packet: must match */
        return -1;
    if (esp.encr == TIP_ENCR_AES_CBC) {
        memcpy(iv, hdr + 8, 16);
        if (mbedtls_aes_crypt_cbc(&esp.aes_dec, MBEDTLS_AES_DECRYPT, clen, iv, data, data))
            return -1;
    }
    return 0;
}

/* ---- IKE: the key exchange ---------------------------------------------------------- */

/* One side: its Mbed TLS state and its public value as on the wire. */
typedef struct {
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
#if HAVE_EVEREST
    mbedtls_ecdh_context ecdh;
#endif
    mbedtls_dhm_context dhm;
    uint8_t pub[256];
    size_t pub_len;
} side_t;

static side_t side[2];

const char *bare_x25519_note(void)
{
    return HAVE_EVEREST ? "via Everest (mbedtls_ecdh_context)" : "via the ECP ladder";
}

int bare_kex_supported(tip_dh_group_t g)
{
    return g == TIP_DH_MODP_2048 || g == TIP_DH_ECP_256 || g == TIP_DH_ECP_384 ||
           g == TIP_DH_CURVE25519;
}

static mbedtls_ecp_group_id ecp_id(tip_dh_group_t g)
{
    return g == TIP_DH_ECP_256   ? MBEDTLS_ECP_DP_SECP256R1
           : g == TIP_DH_ECP_384 ? MBEDTLS_ECP_DP_SECP384R1
                                 : MBEDTLS_ECP_DP_CURVE25519;
}

static int modp_keygen(side_t *s, int x_bytes)
{
    static const uint8_t p_bin[] = MBEDTLS_DHM_RFC3526_MODP_2048_P_BIN;
    static const uint8_t g_bin[] = MBEDTLS_DHM_RFC3526_MODP_2048_G_BIN;
    mbedtls_mpi p, gg;
    int ret;

    mbedtls_dhm_init(&s->dhm);
    mbedtls_mpi_init(&p);
    mbedtls_mpi_init(&gg);
    ret = mbedtls_mpi_read_binary(&p, p_bin, sizeof(p_bin)) ||
          mbedtls_mpi_read_binary(&gg, g_bin, sizeof(g_bin)) ||
          mbedtls_dhm_set_group(&s->dhm, &p, &gg) ||
          mbedtls_dhm_make_public(&s->dhm, x_bytes, s->pub, 256, drbg_rng, &drbg);
    mbedtls_mpi_free(&p);
    mbedtls_mpi_free(&gg);
    s->pub_len = 256;
    return ret;
}

static int modp_shared(side_t *s, const uint8_t *peer)
{
    uint8_t k[256];
    size_t olen;
    int ret = mbedtls_dhm_read_public(&s->dhm, peer, 256) ||
              mbedtls_dhm_calc_secret(&s->dhm, k, sizeof(k), &olen, drbg_rng, &drbg);

    mbedtls_dhm_free(&s->dhm);
    return ret;
}

#if HAVE_EVEREST
static int everest_keygen(side_t *s)
{
    uint8_t tls[33];
    size_t olen;
    int ret;

    mbedtls_ecdh_init(&s->ecdh);
    ret = mbedtls_ecdh_setup(&s->ecdh, MBEDTLS_ECP_DP_CURVE25519) ||
          mbedtls_ecdh_make_public(&s->ecdh, &olen, tls, sizeof(tls), drbg_rng, &drbg);
    memcpy(s->pub, tls + 1, 32);
    s->pub_len = 32;
    return ret;
}

static int everest_shared(side_t *s, const uint8_t *peer)
{
    uint8_t tls[33], k[32];
    size_t olen;
    int ret;

    tls[0] = 32;
    memcpy(tls + 1, peer, 32);
    ret = mbedtls_ecdh_read_public(&s->ecdh, tls, sizeof(tls)) ||
          mbedtls_ecdh_calc_secret(&s->ecdh, &olen, k, 32, drbg_rng, &drbg);
    mbedtls_ecdh_free(&s->ecdh);
    return ret;
}
#endif

static int ecp_keygen(side_t *s, tip_dh_group_t g)
{
    uint8_t buf[97];
    mbedtls_ecp_point qq;
    size_t olen;
    int ret;

    mbedtls_ecp_group_init(&s->grp);
    mbedtls_mpi_init(&s->d);
    mbedtls_ecp_point_init(&qq);
    ret = mbedtls_ecp_group_load(&s->grp, ecp_id(g)) ||
          mbedtls_ecdh_gen_public(&s->grp, &s->d, &qq, drbg_rng, &drbg) ||
          mbedtls_ecp_point_write_binary(&s->grp, &qq, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, buf,
                                         sizeof(buf));
    mbedtls_ecp_point_free(&qq);
    if (ret != 0)
        return ret;
    if (g == TIP_DH_CURVE25519) {
        memcpy(s->pub, buf, 32);
        s->pub_len = 32;
    } else {
        memcpy(s->pub, buf + 1, olen - 1);
        s->pub_len = olen - 1;
    }
    return 0;
}

static int ecp_shared(side_t *s, const uint8_t *peer, size_t peer_len, tip_dh_group_t g)
{
    uint8_t buf[97], k[48];
    mbedtls_ecp_point qp;
    mbedtls_mpi z;
    int ret;

    mbedtls_ecp_point_init(&qp);
    mbedtls_mpi_init(&z);
    if (g == TIP_DH_CURVE25519) {
        ret = mbedtls_ecp_point_read_binary(&s->grp, &qp, peer, 32);
    } else {
        buf[0] = 4;
        memcpy(buf + 1, peer, peer_len);
        ret = mbedtls_ecp_point_read_binary(&s->grp, &qp, buf, peer_len + 1);
    }
    ret = ret || mbedtls_ecp_check_pubkey(&s->grp, &qp) ||
          mbedtls_ecdh_compute_shared(&s->grp, &z, &qp, &s->d, drbg_rng, &drbg) ||
          (g == TIP_DH_CURVE25519 ? mbedtls_mpi_write_binary_le(&z, k, 32)
                                  : mbedtls_mpi_write_binary(&z, k, peer_len / 2));
    mbedtls_ecp_point_free(&qp);
    mbedtls_mpi_free(&z);
    mbedtls_mpi_free(&s->d);
    mbedtls_ecp_group_free(&s->grp);
    return ret;
}

static int kex_keygen(side_t *s, tip_dh_group_t g)
{
    if (g == TIP_DH_MODP_2048)
        return modp_keygen(s, 32); /* 256-bit exponent, as crypto_mbedtls_ike.c */
#if HAVE_EVEREST
    if (g == TIP_DH_CURVE25519)
        return everest_keygen(s);
#endif
    return ecp_keygen(s, g);
}

static int kex_shared(side_t *s, const uint8_t *peer, size_t peer_len, tip_dh_group_t g)
{
    if (g == TIP_DH_MODP_2048)
        return modp_shared(s, peer);
#if HAVE_EVEREST
    if (g == TIP_DH_CURVE25519)
        return everest_shared(s, peer);
#endif
    return ecp_shared(s, peer, peer_len, g);
}

int bare_kex_handshake(tip_dh_group_t g)
{
    int ret = kex_keygen(&side[0], g);

    ret = kex_keygen(&side[1], g) || ret;
    ret = kex_shared(&side[1], side[0].pub, side[0].pub_len, g) || ret;
    ret = kex_shared(&side[0], side[1].pub, side[1].pub_len, g) || ret;
    return ret;
}

int bare_kex_side(tip_dh_group_t g, const uint8_t *peer, size_t peer_len)
{
    int ret = kex_keygen(&side[0], g);

    return kex_shared(&side[0], peer, peer_len, g) || ret;
}

/* ---- reference rows for dh_bench ------------------------------------------------------ */

static int ref_modp_full(const uint8_t *peer, size_t peer_len)
{
    int ret = modp_keygen(&side[0], 256);

    (void)peer_len;
    return modp_shared(&side[0], peer) || ret;
}

static int ref_x25519_ladder(const uint8_t *peer, size_t peer_len)
{
    int ret = ecp_keygen(&side[0], TIP_DH_CURVE25519);

    return ecp_shared(&side[0], peer, peer_len, TIP_DH_CURVE25519) || ret;
}

#if HAVE_EVEREST
static int ref_x25519_ctx(const uint8_t *peer, size_t peer_len)
{
    int ret = everest_keygen(&side[0]);

    (void)peer_len;
    return everest_shared(&side[0], peer) || ret;
}
#endif

const bare_kex_ref_t *bare_kex_refs(size_t *n)
{
    static const bare_kex_ref_t refs[] = {
        {"  ref: MODP x=2048 bit", TIP_DH_MODP_2048, ref_modp_full},
        {"  ref: X25519 ECP ladder", TIP_DH_CURVE25519, ref_x25519_ladder},
#if HAVE_EVEREST
        {"  ref: X25519 ecdh_context", TIP_DH_CURVE25519, ref_x25519_ctx},
#endif
    };

    *n = sizeof(refs) / sizeof(refs[0]);
    return refs;
}

#else
typedef int tip_bench_bare_mbedtls_unused_t; /* ISO C: no empty translation unit */
#endif /* !TIP_CONF_CRYPTO_PSA */
