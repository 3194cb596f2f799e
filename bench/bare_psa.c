/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The bare PSA Crypto calls of the PSA backend (bench/bare.h), made as
 * src/crypto_psa.c and src/crypto_psa_ike.c make them:
 *   ESP   AES-GCM, ChaCha20-Poly1305  psa_aead_encrypt / psa_aead_decrypt in
 *                                     place on a volatile key
 *         AES-CBC                     CBC chained here over one AES-ECB
 *                                     psa_cipher operation per direction,
 *                                     set up once (one psa_cipher_update per
 *                                     block)
 *         HMAC-SHA2-*-truncated       psa_mac_sign_setup + psa_mac_update +
 *                                     psa_mac_sign_finish with
 *                                     PSA_ALG_TRUNCATED_MAC (decrypt: then a
 *                                     compare, then CBC)
 *   IKE   19, 20, 31                  psa_generate_key + psa_export_public_key /
 *                                     psa_raw_key_agreement + psa_destroy_key
 *         14                          not in PSA (no RFC 3526 groups)
 * Random numbers: psa_generate_random.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bare.h"

#if TIP_CONF_CRYPTO_PSA /* the whole file: bare_mbedtls.c is the classic backend's */

#include <mbedtls/build_info.h>
#include <psa/crypto.h>

/* ---- the library underneath ---------------------------------------------------- */

const char *bare_version(void)
{
    return MBEDTLS_VERSION_STRING;
}

const char *bare_backend(void)
{
    return "PSA";
}

int bare_init(void)
{
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}

void bare_deinit(void)
{
    mbedtls_psa_crypto_free();
}

int bare_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    return psa_generate_random(out, len) == PSA_SUCCESS ? 0 : TIP_ERR_CRYPTO;
}

/* ---- ESP --------------------------------------------------------------------------- */

static struct {
    tip_encr_t encr;
    tip_integ_t integ;
    size_t icv_len;
    uint8_t salt[4];
    psa_algorithm_t aead_alg, mac_alg;
    psa_key_id_t key, mac_key;
    int ecb_live;
    psa_cipher_operation_t ecb_enc, ecb_dec; /* AES-CBC: AES-ECB, one per direction */
    uint8_t tag[32];
} esp;

const char *bare_esp_calls(void)
{
    return "psa_aead_encrypt/decrypt in place, psa_cipher_update (AES-ECB, CBC chained) "
           "+ psa_mac_* (PSA_ALG_TRUNCATED_MAC)";
}

static psa_algorithm_t mac_alg(tip_integ_t i)
{
    switch (i) {
    case TIP_INTEG_HMAC_SHA2_256_128: return PSA_ALG_TRUNCATED_MAC(PSA_ALG_HMAC(PSA_ALG_SHA_256), 16);
    case TIP_INTEG_HMAC_SHA2_384_192: return PSA_ALG_TRUNCATED_MAC(PSA_ALG_HMAC(PSA_ALG_SHA_384), 24);
    case TIP_INTEG_HMAC_SHA2_512_256: return PSA_ALG_TRUNCATED_MAC(PSA_ALG_HMAC(PSA_ALG_SHA_512), 32);
    default: return 0;
    }
}

static psa_status_t import(psa_key_id_t *id, psa_key_type_t type, psa_key_usage_t usage,
                           psa_algorithm_t alg, const uint8_t *key, size_t len)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_status_t st;

    psa_set_key_type(&attr, type);
    psa_set_key_bits(&attr, len * 8u);
    psa_set_key_usage_flags(&attr, usage);
    psa_set_key_algorithm(&attr, alg);
    st = psa_import_key(&attr, key, len, id);
    psa_reset_key_attributes(&attr);
    return st;
}

int bare_esp_setup(tip_encr_t encr, const uint8_t *key, size_t key_len, const uint8_t salt[4],
                   tip_integ_t integ, const uint8_t *ikey, size_t ikey_len)
{
    psa_key_usage_t both = PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT;
    psa_status_t st = PSA_SUCCESS;

    memset(&esp, 0, sizeof(esp));
    esp.encr = encr;
    esp.integ = integ;
    esp.icv_len = ikey_len / 2; /* RFC 4868 2.3: half the hash output */
    memcpy(esp.salt, salt, 4);
    switch (encr) {
    case TIP_ENCR_AES_GCM_16:
        esp.aead_alg = PSA_ALG_GCM;
        st = import(&esp.key, PSA_KEY_TYPE_AES, both, esp.aead_alg, key, key_len);
        break;
    case TIP_ENCR_CHACHA20_POLY1305:
        esp.aead_alg = PSA_ALG_CHACHA20_POLY1305;
        st = import(&esp.key, PSA_KEY_TYPE_CHACHA20, both, esp.aead_alg, key, key_len);
        break;
    case TIP_ENCR_AES_CBC:
        st = import(&esp.key, PSA_KEY_TYPE_AES, both, PSA_ALG_ECB_NO_PADDING, key, key_len);
        esp.ecb_enc = psa_cipher_operation_init();
        esp.ecb_dec = psa_cipher_operation_init();
        esp.ecb_live = 1;
        if (st == PSA_SUCCESS)
            st = psa_cipher_encrypt_setup(&esp.ecb_enc, esp.key, PSA_ALG_ECB_NO_PADDING);
        if (st == PSA_SUCCESS)
            st = psa_cipher_decrypt_setup(&esp.ecb_dec, esp.key, PSA_ALG_ECB_NO_PADDING);
        break;
    default:
        break;
    }
    if (st == PSA_SUCCESS && integ != TIP_INTEG_NONE) {
        esp.mac_alg = mac_alg(integ);
        st = import(&esp.mac_key, PSA_KEY_TYPE_HMAC, PSA_KEY_USAGE_SIGN_MESSAGE, esp.mac_alg,
                    ikey, ikey_len);
    }
    return st == PSA_SUCCESS ? 0 : (int)st;
}

void bare_esp_free(void)
{
    if (esp.ecb_live) {
        (void)psa_cipher_abort(&esp.ecb_enc);
        (void)psa_cipher_abort(&esp.ecb_dec);
    }
    (void)psa_destroy_key(esp.key);
    (void)psa_destroy_key(esp.mac_key);
    memset(&esp, 0, sizeof(esp));
}

/* RFC 4106 4, RFC 7634 2: the nonce is salt || IV. */
static void esp_nonce(const uint8_t *hdr, uint8_t nonce[12])
{
    memcpy(nonce, esp.salt, 4);
    memcpy(nonce + 4, hdr + 8, 8);
}

/* NIST SP 800-38A 6.2, block by block through the ECB operation, as crypto_psa.c. */
static psa_status_t cbc(int dec, const uint8_t iv[16], uint8_t *data, size_t len)
{
    uint8_t chain[16], blk[16];
    psa_status_t st = PSA_SUCCESS;
    size_t off, i, n;

    memcpy(chain, iv, 16);
    for (off = 0; st == PSA_SUCCESS && off < len; off += 16) {
        if (!dec) {
            for (i = 0; i < 16; i++)
                blk[i] = (uint8_t)(data[off + i] ^ chain[i]);
            st = psa_cipher_update(&esp.ecb_enc, blk, 16, data + off, 16, &n);
            memcpy(chain, data + off, 16);
        } else {
            memcpy(blk, data + off, 16);
            st = psa_cipher_update(&esp.ecb_dec, blk, 16, data + off, 16, &n);
            for (i = 0; i < 16; i++)
                data[off + i] ^= chain[i];
            memcpy(chain, blk, 16);
        }
    }
    return st;
}

static psa_status_t hmac(const uint8_t *p, size_t len)
{
    psa_mac_operation_t op = PSA_MAC_OPERATION_INIT;
    psa_status_t st = psa_mac_sign_setup(&op, esp.mac_key, esp.mac_alg);
    size_t n = 0;

    if (st == PSA_SUCCESS)
        st = psa_mac_update(&op, p, len);
    if (st == PSA_SUCCESS)
        st = psa_mac_sign_finish(&op, esp.tag, esp.icv_len, &n);
    (void)psa_mac_abort(&op);
    return st;
}

int bare_esp_seal(uint8_t *hdr, size_t ivl, uint8_t *data, size_t clen)
{
    uint8_t nonce[12];
    size_t out = 0;

    if (esp.aead_alg != 0) {
        esp_nonce(hdr, nonce);
        return psa_aead_encrypt(esp.key, esp.aead_alg, nonce, 12, hdr, 8, data, clen, data,
                                clen + 16, &out) != PSA_SUCCESS;
    }
    if (esp.encr == TIP_ENCR_AES_CBC && cbc(0, hdr + 8, data, clen) != PSA_SUCCESS)
        return -1;
    if (hmac(hdr, 8 + ivl + clen) != PSA_SUCCESS)
        return -1;
    memcpy(data + clen, esp.tag, esp.icv_len);
    return 0;
}

int bare_esp_open(uint8_t *hdr, size_t ivl, uint8_t *data, size_t clen)
{
    uint8_t nonce[12];
    size_t out = 0;

    if (esp.aead_alg != 0) {
        esp_nonce(hdr, nonce);
        return psa_aead_decrypt(esp.key, esp.aead_alg, nonce, 12, hdr, 8, data, clen + 16, data,
                                clen, &out) != PSA_SUCCESS;
    }
    if (hmac(hdr, 8 + ivl + clen) != PSA_SUCCESS)
        return -1;
    if (memcmp(esp.tag, data + clen, esp.icv_len) != 0) /* it is ESP's packet: must match */
        return -1;
    if (esp.encr == TIP_ENCR_AES_CBC && cbc(1, hdr + 8, data, clen) != PSA_SUCCESS)
        return -1;
    return 0;
}

/* ---- IKE: the key exchange ---------------------------------------------------------- */

/* One side: its key pair in a PSA key slot and its public value as exported
 * (0x04 || x || y for ECP, u for X25519; the wire form differs by the 0x04,
 * a copy the backend makes and this does not). */
typedef struct {
    psa_key_id_t key;
    uint8_t pub[97];
    size_t pub_len;
} side_t;

static side_t side[2];

const char *bare_x25519_note(void)
{
    return "via PSA (psa_raw_key_agreement)";
}

int bare_kex_supported(tip_dh_group_t g)
{
    return g == TIP_DH_ECP_256 || g == TIP_DH_ECP_384 || g == TIP_DH_CURVE25519;
}

static int kex_keygen(side_t *s, tip_dh_group_t g)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_status_t st;

    if (g == TIP_DH_CURVE25519) {
        psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_MONTGOMERY));
        psa_set_key_bits(&attr, 255);
    } else {
        psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
        psa_set_key_bits(&attr, g == TIP_DH_ECP_256 ? 256 : 384);
    }
    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_DERIVE);
    psa_set_key_algorithm(&attr, PSA_ALG_ECDH);
    st = psa_generate_key(&attr, &s->key);
    psa_reset_key_attributes(&attr);
    if (st == PSA_SUCCESS)
        st = psa_export_public_key(s->key, s->pub, sizeof(s->pub), &s->pub_len);
    return st != PSA_SUCCESS;
}

/* @p peer as exported (ECP: with the 0x04). */
static int kex_shared(side_t *s, const uint8_t *peer, size_t peer_len)
{
    uint8_t k[48];
    size_t olen = 0;
    psa_status_t st = psa_raw_key_agreement(PSA_ALG_ECDH, s->key, peer, peer_len, k, sizeof(k),
                                            &olen);

    (void)psa_destroy_key(s->key);
    s->key = PSA_KEY_ID_NULL;
    return st != PSA_SUCCESS;
}

int bare_kex_handshake(tip_dh_group_t g)
{
    int ret;

    if (!bare_kex_supported(g))
        return -1;
    ret = kex_keygen(&side[0], g);
    ret = kex_keygen(&side[1], g) || ret;
    ret = kex_shared(&side[1], side[0].pub, side[0].pub_len) || ret;
    ret = kex_shared(&side[0], side[1].pub, side[1].pub_len) || ret;
    return ret;
}

int bare_kex_side(tip_dh_group_t g, const uint8_t *peer, size_t peer_len)
{
    uint8_t buf[97];
    int ret;

    if (!bare_kex_supported(g) || peer_len > 96)
        return -1;
    ret = kex_keygen(&side[0], g);
    if (g == TIP_DH_CURVE25519)
        return kex_shared(&side[0], peer, peer_len) || ret;
    buf[0] = 0x04; /* RFC 5903 7 sends x || y */
    memcpy(buf + 1, peer, peer_len);
    return kex_shared(&side[0], buf, peer_len + 1) || ret;
}

const bare_kex_ref_t *bare_kex_refs(size_t *n)
{
    *n = 0;
    return NULL;
}

#else
typedef int tip_bench_bare_psa_unused_t; /* ISO C: no empty translation unit */
#endif /* TIP_CONF_CRYPTO_PSA */
