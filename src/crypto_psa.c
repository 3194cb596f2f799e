/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The PSA Crypto backend, ESP half (Mbed TLS 3.6 with its PSA API, and
 * Mbed TLS 4.x / TF-PSA-Crypto 1.x, where PSA is the only crypto API).
 * Built when TIP_CONF_CRYPTO_PSA is 1; crypto_psa_ike.c is the IKEv2 half.
 *
 * Keys live in PSA key slots: tip_crypto_sa_init() imports them as volatile
 * keys with only the usage the SA's direction needs, the SA keeps their ids,
 * tip_crypto_sa_free() destroys them. A PSA driver (a hardware accelerator,
 * a secure element) therefore sees every ESP operation.
 *
 *   AES-GCM-16, ChaCha20-Poly1305  psa_aead_encrypt / psa_aead_decrypt in
 *                                  place when the ICV follows the data (ESP,
 *                                  IKE SK), else the multipart API
 *   AES-CBC                        an AES-ECB multipart operation set up once
 *                                  at SA install, the CBC chaining here
 *                                  (below: why not psa_cipher_* per packet)
 *   HMAC-SHA2-*-truncated          psa_mac_* with PSA_ALG_TRUNCATED_MAC
 *
 * Allocation: every psa_cipher_*_setup() of Mbed TLS's built-in driver builds
 * a cipher context with mbedtls_cipher_setup(), which allocates; so AES-CBC
 * does that once per SA and then only feeds blocks to the operation, which
 * never allocates. Importing a key allocates its slot buffer (unless
 * MBEDTLS_PSA_STATIC_KEY_SLOTS). Whether the per-packet AEAD and MAC calls
 * allocate depends on the Mbed TLS configuration (scripts/mbedtls40.sh and
 * test/alloc say which one is free of heap calls).
 *
 * The state must not be moved (memcpy'd) once set up: the ECB operation of
 * an AES-CBC SA owns a heap block, and a copy would free it twice.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "crypto_check.h"
#include "crypto_psa.h"

#if TIP_CONF_CRYPTO_PSA /* the whole file: the classic backend is crypto_mbedtls.c */

#include <psa/crypto.h>
#include <mbedtls/constant_time.h>

/* ---- what this build can do: tinyipsec switch AND PSA_WANT_* -------------- */

#if defined(PSA_WANT_ALG_HMAC) && defined(PSA_WANT_KEY_TYPE_HMAC) && \
    ((TIP_CONF_HMAC_SHA256 && defined(PSA_WANT_ALG_SHA_256)) ||         \
     (TIP_CONF_HMAC_SHA384 && defined(PSA_WANT_ALG_SHA_384)) ||         \
     (TIP_CONF_HMAC_SHA512 && defined(PSA_WANT_ALG_SHA_512)))
#define TIP_HAVE_HMAC 1
#else
#define TIP_HAVE_HMAC 0
#endif

#if TIP_CONF_AES_GCM && defined(PSA_WANT_ALG_GCM) && defined(PSA_WANT_KEY_TYPE_AES)
#define TIP_HAVE_GCM 1
#else
#define TIP_HAVE_GCM 0
#endif

#if TIP_CONF_CHACHAPOLY && defined(PSA_WANT_ALG_CHACHA20_POLY1305) && \
    defined(PSA_WANT_KEY_TYPE_CHACHA20)
#define TIP_HAVE_CHACHAPOLY 1
#else
#define TIP_HAVE_CHACHAPOLY 0
#endif

/* AES-CBC and ENCR_NULL are only usable with an HMAC (RFC 4303 3.2). */
#if TIP_CONF_AES_CBC && defined(PSA_WANT_ALG_ECB_NO_PADDING) && \
    defined(PSA_WANT_KEY_TYPE_AES) && TIP_HAVE_HMAC
#define TIP_HAVE_CBC 1
#else
#define TIP_HAVE_CBC 0
#endif

#if TIP_CONF_ENCR_NULL && TIP_HAVE_HMAC
#define TIP_HAVE_NULL 1
#else
#define TIP_HAVE_NULL 0
#endif

#define TIP_AEAD_ICV 16 /* RFC 4106 "AES-GCM-16", RFC 7634 2 */
#define TIP_AES_BLOCK 16

/* ---- per-SA state, kept inside the caller's tip_crypto_sa_t ------------ */

struct tip_psa_sa {
    psa_key_id_t key;     /* AEAD or AES key, PSA_KEY_ID_NULL (0) = none */
    psa_key_id_t mac_key; /* HMAC key, PSA_KEY_ID_NULL = none */
    uint8_t encr;         /* tip_encr_t once set up, else 0 */
    uint8_t integ;        /* tip_integ_t once set up, else 0 */
    uint8_t dir;          /* tip_dir_t */
    uint8_t icv_len;      /* truncated HMAC length */
    uint8_t salt[TIP_CRYPTO_SALT_LEN];
#if TIP_HAVE_CBC
    uint8_t ecb_live;           /* ecb is set up (must be aborted) */
    psa_cipher_operation_t ecb; /* AES-CBC: AES-ECB with key, encrypting
                                 * outbound, decrypting inbound */
#endif
};

/* If this fails, raise TIP_CRYPTO_SA_STORAGE in config.h (or in your
 * TIP_USER_CONFIG_FILE): this backend's state does not fit. */
typedef char tip_assert_crypto_fits[(sizeof(struct tip_psa_sa) <= sizeof(tip_crypto_sa_t)) ? 1
                                                                                           : -1];

/* And the storage must be at least as aligned as the state needs. */
struct tip_align_mine { char c; struct tip_psa_sa s; };
struct tip_align_storage { char c; tip_crypto_sa_t s; };
typedef char tip_assert_crypto_align[(offsetof(struct tip_align_mine, s) <=
                                      offsetof(struct tip_align_storage, s)) ? 1 : -1];

static struct tip_psa_sa *tip_psa(tip_crypto_sa_t *c)
{
    return (struct tip_psa_sa *)(void *)c->bytes;
}

/* ---- shared with crypto_psa_ike.c (crypto_psa.h) ------------------------ */

int tip_psa_ready(void)
{
    /* PSA Crypto API 1.x, 10.1: psa_crypto_init() may be called again; once
     * it succeeded, later calls succeed at once. No flag of our own, then
     * (no static state in the library); it is not called per packet. */
    return psa_crypto_init() == PSA_SUCCESS ? TIP_OK : TIP_ERR_CRYPTO;
}

int tip_psa_err(int32_t status)
{
    switch ((psa_status_t)status) {
    case PSA_SUCCESS: return TIP_OK;
    case PSA_ERROR_INVALID_SIGNATURE: return TIP_ERR_AUTH;
    case PSA_ERROR_NOT_SUPPORTED: return TIP_ERR_UNSUPPORTED;
    default: return TIP_ERR_CRYPTO;
    }
}

/* ---- small helpers ------------------------------------------------------ */

int tip_crypto_ct_memcmp(const uint8_t *a, const uint8_t *b, size_t len)
{
    /* Public in 2.28, 3.6 and TF-PSA-Crypto 1.x alike; time depends on len only. */
    return mbedtls_ct_memcmp(a, b, len) == 0 ? 0 : 1;
}

static int tip_encr_built(tip_encr_t encr)
{
    /* False positive: each branch returns its own TIP_HAVE_* macro; they are
     * equal when a configuration builds (or leaves out) several alike. */
    /* NOLINTBEGIN(bugprone-branch-clone) */
    switch (encr) {
    case TIP_ENCR_AES_GCM_16: return TIP_HAVE_GCM;
    case TIP_ENCR_CHACHA20_POLY1305: return TIP_HAVE_CHACHAPOLY;
    case TIP_ENCR_AES_CBC: return TIP_HAVE_CBC;
    case TIP_ENCR_NULL: return TIP_HAVE_NULL;
    default: return 0;
    }
    /* NOLINTEND(bugprone-branch-clone) */
}

/* The PSA MAC algorithm of an integrity algorithm; 0 when not built. */
static psa_algorithm_t tip_mac_alg(tip_integ_t integ)
{
    switch (integ) {
#if TIP_HAVE_HMAC && TIP_CONF_HMAC_SHA256 && defined(PSA_WANT_ALG_SHA_256)
    case TIP_INTEG_HMAC_SHA2_256_128:
        return PSA_ALG_TRUNCATED_MAC(PSA_ALG_HMAC(PSA_ALG_SHA_256), 16);
#endif
#if TIP_HAVE_HMAC && TIP_CONF_HMAC_SHA384 && defined(PSA_WANT_ALG_SHA_384)
    case TIP_INTEG_HMAC_SHA2_384_192:
        return PSA_ALG_TRUNCATED_MAC(PSA_ALG_HMAC(PSA_ALG_SHA_384), 24);
#endif
#if TIP_HAVE_HMAC && TIP_CONF_HMAC_SHA512 && defined(PSA_WANT_ALG_SHA_512)
    case TIP_INTEG_HMAC_SHA2_512_256:
        return PSA_ALG_TRUNCATED_MAC(PSA_ALG_HMAC(PSA_ALG_SHA_512), 32);
#endif
    default: return 0;
    }
}

static int tip_mac_built(tip_integ_t integ)
{
    return tip_mac_alg(integ) != 0;
}

/* The AEAD algorithm of an SA (full 16-byte tag), 0 for the others. */
static psa_algorithm_t tip_aead_alg(tip_encr_t encr)
{
    switch (encr) {
#if TIP_HAVE_GCM
    case TIP_ENCR_AES_GCM_16: return PSA_ALG_GCM;
#endif
#if TIP_HAVE_CHACHAPOLY
    case TIP_ENCR_CHACHA20_POLY1305: return PSA_ALG_CHACHA20_POLY1305;
#endif
    default: return 0;
    }
}

/* ---- setup -------------------------------------------------------------- */

/* A volatile key with one usage and one algorithm (the least PSA allows). */
static int tip_import(psa_key_id_t *id, psa_key_type_t type, psa_key_usage_t usage,
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
    if (st != PSA_SUCCESS)
        *id = PSA_KEY_ID_NULL;
    return tip_psa_err(st);
}

static int tip_encr_setup(struct tip_psa_sa *s, tip_encr_t encr, const uint8_t *key, size_t len)
{
    psa_key_usage_t usage = s->dir == TIP_DIR_OUT ? PSA_KEY_USAGE_ENCRYPT : PSA_KEY_USAGE_DECRYPT;

    s->encr = (uint8_t)encr;
    if (encr == TIP_ENCR_NULL) /* RFC 2410: no cipher state at all */
        return TIP_OK;
    if (tip_crypto_encr_is_aead(encr)) {
        /* RFC 4106 8.1 / RFC 7634 2: the salt is the last 4 bytes of the key. */
        len -= TIP_CRYPTO_SALT_LEN;
        memcpy(s->salt, key + len, TIP_CRYPTO_SALT_LEN);
        return tip_import(&s->key,
                          encr == TIP_ENCR_AES_GCM_16 ? PSA_KEY_TYPE_AES : PSA_KEY_TYPE_CHACHA20,
                          usage, tip_aead_alg(encr), key, len);
    }
#if TIP_HAVE_CBC
    /* AES-CBC: the key as an ECB block cipher, one operation for the SA's
     * life (see the top of the file). An SA works in one direction only. */
    int err = tip_import(&s->key, PSA_KEY_TYPE_AES, usage, PSA_ALG_ECB_NO_PADDING, key, len);
    if (err != TIP_OK)
        return err;
    s->ecb = psa_cipher_operation_init();
    s->ecb_live = 1;
    if (s->dir == TIP_DIR_OUT)
        return tip_psa_err(psa_cipher_encrypt_setup(&s->ecb, s->key, PSA_ALG_ECB_NO_PADDING));
    return tip_psa_err(psa_cipher_decrypt_setup(&s->ecb, s->key, PSA_ALG_ECB_NO_PADDING));
#else
    return TIP_ERR_UNSUPPORTED;
#endif
}

int tip_crypto_sa_init(tip_crypto_sa_t *c, tip_dir_t dir,
                       tip_encr_t encr, const uint8_t *encr_key, size_t encr_key_len,
                       tip_integ_t integ, const uint8_t *integ_key, size_t integ_key_len)
{
    int err;
    struct tip_psa_sa *s;

    if (c == NULL)
        return TIP_ERR_ARG;
    tip_crypto_zeroize(c, sizeof(*c));
    err = tip_crypto_sa_check(dir, encr, encr_key, encr_key_len, integ, integ_key, integ_key_len,
                              tip_encr_built(encr), tip_mac_built);
    if (err != TIP_OK)
        return err;

    err = tip_psa_ready();
    if (err != TIP_OK)
        return err;
    s = tip_psa(c);
    s->dir = (uint8_t)dir;
    err = tip_encr_setup(s, encr, encr_key, encr_key_len);
    if (err == TIP_OK && integ != TIP_INTEG_NONE) {
        s->integ = (uint8_t)integ;
        s->icv_len = (uint8_t)tip_crypto_integ_icv_len(integ);
        /* The HMAC is computed in both directions (the receiver compares). */
        err = tip_import(&s->mac_key, PSA_KEY_TYPE_HMAC, PSA_KEY_USAGE_SIGN_MESSAGE,
                         tip_mac_alg(integ), integ_key, integ_key_len);
    }
    if (err != TIP_OK)
        tip_crypto_sa_free(c); /* frees what was set up, zeroizes the rest */
    return err;
}

void tip_crypto_sa_free(tip_crypto_sa_t *c)
{
    struct tip_psa_sa *s;

    if (c == NULL)
        return;
    s = tip_psa(c);
#if TIP_HAVE_CBC
    if (s->ecb_live)
        (void)psa_cipher_abort(&s->ecb); /* wipes and frees its key schedule */
#endif
    /* psa_destroy_key() wipes the key material; PSA_KEY_ID_NULL is a no-op. */
    if (s->key != PSA_KEY_ID_NULL)
        (void)psa_destroy_key(s->key);
    if (s->mac_key != PSA_KEY_ID_NULL)
        (void)psa_destroy_key(s->mac_key);
    tip_crypto_zeroize(c, sizeof(*c));
}

/* ---- per packet ------------------------------------------------------------ */

/* RFC 4106 4 / RFC 7634 2: the 12-byte nonce is salt || explicit IV. */
static void tip_nonce(uint8_t nonce[12], const struct tip_psa_sa *s, const uint8_t iv[8])
{
    memcpy(nonce, s->salt, TIP_CRYPTO_SALT_LEN);
    memcpy(nonce + TIP_CRYPTO_SALT_LEN, iv, 8);
}

static int tip_aead_args_ok(const struct tip_psa_sa *s, tip_dir_t dir, const uint8_t *iv,
                            const uint8_t *aad, size_t aad_len, const uint8_t *data,
                            size_t len, const uint8_t *tag)
{
    return s->dir == dir && tip_crypto_encr_is_aead((tip_encr_t)s->encr) && iv != NULL &&
           tag != NULL && (aad != NULL || aad_len == 0) && (data != NULL || len == 0);
}

/* The multipart AEAD for a tag that does not follow the data. */
static psa_status_t tip_aead_parts(struct tip_psa_sa *s, const uint8_t nonce[12],
                                   const uint8_t *aad, size_t aad_len, uint8_t *data,
                                   size_t len, uint8_t *tag_out, const uint8_t *tag_in)
{
    psa_aead_operation_t op = PSA_AEAD_OPERATION_INIT;
    psa_algorithm_t alg = tip_aead_alg((tip_encr_t)s->encr);
    size_t n = 0, m = 0, t = 0;
    psa_status_t st;

    st = tag_out != NULL ? psa_aead_encrypt_setup(&op, s->key, alg)
                         : psa_aead_decrypt_setup(&op, s->key, alg);
    if (st == PSA_SUCCESS)
        st = psa_aead_set_nonce(&op, nonce, 12);
    if (st == PSA_SUCCESS && aad_len != 0)
        st = psa_aead_update_ad(&op, aad, aad_len);
    if (st == PSA_SUCCESS && len != 0)
        st = psa_aead_update(&op, data, len, data, len, &n);
    /* Both AEADs emit every byte at once; what finish/verify could still
     * write goes behind it (nothing, in practice). */
    if (st == PSA_SUCCESS && tag_out != NULL)
        st = psa_aead_finish(&op, data + n, len - n, &m, tag_out, TIP_AEAD_ICV, &t);
    else if (st == PSA_SUCCESS)
        st = psa_aead_verify(&op, data + n, len - n, &m, tag_in, TIP_AEAD_ICV);
    if (st == PSA_SUCCESS && (n + m != len || (tag_out != NULL && t != TIP_AEAD_ICV)))
        st = PSA_ERROR_GENERIC_ERROR;
    (void)psa_aead_abort(&op); /* after finish/verify a no-op; else cleans up */
    return st;
}

int tip_crypto_aead_seal(tip_crypto_sa_t *c, const uint8_t iv[8],
                         const uint8_t *aad, size_t aad_len,
                         uint8_t *data, size_t len, uint8_t tag[16])
{
    struct tip_psa_sa *s;
    uint8_t nonce[12];
    psa_status_t st;
    size_t out = 0;

    if (c == NULL)
        return TIP_ERR_ARG;
    s = tip_psa(c);
    if (!tip_aead_args_ok(s, TIP_DIR_OUT, iv, aad, aad_len, data, len, tag))
        return TIP_ERR_ARG;
    tip_nonce(nonce, s, iv);
    if (data != NULL && tag == data + len) {
        /* ESP and IKE SK: ciphertext || ICV is exactly PSA's output. */
        st = psa_aead_encrypt(s->key, tip_aead_alg((tip_encr_t)s->encr), nonce, sizeof(nonce),
                              aad, aad_len, data, len, data, len + TIP_AEAD_ICV, &out);
        if (st == PSA_SUCCESS && out != len + TIP_AEAD_ICV)
            st = PSA_ERROR_GENERIC_ERROR;
    } else {
        st = tip_aead_parts(s, nonce, aad, aad_len, data, len, tag, NULL);
    }
    return st == PSA_SUCCESS ? TIP_OK : TIP_ERR_CRYPTO;
}

int tip_crypto_aead_open(tip_crypto_sa_t *c, const uint8_t iv[8],
                         const uint8_t *aad, size_t aad_len,
                         uint8_t *data, size_t len, const uint8_t tag[16])
{
    struct tip_psa_sa *s;
    uint8_t nonce[12];
    psa_status_t st;
    size_t out = 0;

    if (c == NULL)
        return TIP_ERR_ARG;
    s = tip_psa(c);
    if (!tip_aead_args_ok(s, TIP_DIR_IN, iv, aad, aad_len, data, len, tag))
        return TIP_ERR_ARG;
    tip_nonce(nonce, s, iv);
    /* PSA compares the tag in constant time. */
    if (data != NULL && tag == data + len) {
        st = psa_aead_decrypt(s->key, tip_aead_alg((tip_encr_t)s->encr), nonce, sizeof(nonce),
                              aad, aad_len, data, len + TIP_AEAD_ICV, data, len, &out);
        if (st == PSA_SUCCESS && out != len)
            st = PSA_ERROR_GENERIC_ERROR;
    } else {
        st = tip_aead_parts(s, nonce, aad, aad_len, data, len, NULL, tag);
    }
    if (st == PSA_SUCCESS)
        return TIP_OK;
    /* No unauthenticated plaintext is left behind (RFC 4303 3.4.4): the
     * multipart path has written it before the tag was checked. */
    if (len != 0)
        tip_crypto_zeroize(data, len);
    return st == PSA_ERROR_INVALID_SIGNATURE ? TIP_ERR_AUTH : TIP_ERR_CRYPTO;
}

int tip_crypto_cbc(tip_crypto_sa_t *c, const uint8_t iv[16], uint8_t *data, size_t len)
{
#if TIP_HAVE_CBC
    struct tip_psa_sa *s;
    uint8_t chain[TIP_AES_BLOCK]; /* previous ciphertext block (the IV first) */
    uint8_t blk[TIP_AES_BLOCK];
    psa_status_t st = PSA_SUCCESS;
    size_t off, i, n;

    if (c == NULL || iv == NULL || (data == NULL && len != 0) || len % TIP_AES_BLOCK != 0)
        return TIP_ERR_ARG;
    s = tip_psa(c);
    if (s->encr != TIP_ENCR_AES_CBC)
        return TIP_ERR_ARG;
    memcpy(chain, iv, sizeof(chain));
    /* NIST SP 800-38A 6.2: C_i = E(P_i ^ C_i-1), P_i = D(C_i) ^ C_i-1. */
    for (off = 0; st == PSA_SUCCESS && off < len; off += TIP_AES_BLOCK) {
        n = 0;
        if (s->dir == TIP_DIR_OUT) {
            for (i = 0; i < TIP_AES_BLOCK; i++)
                blk[i] = (uint8_t)(data[off + i] ^ chain[i]);
            st = psa_cipher_update(&s->ecb, blk, TIP_AES_BLOCK, data + off, TIP_AES_BLOCK, &n);
            memcpy(chain, data + off, TIP_AES_BLOCK);
        } else {
            memcpy(blk, data + off, TIP_AES_BLOCK);
            st = psa_cipher_update(&s->ecb, blk, TIP_AES_BLOCK, data + off, TIP_AES_BLOCK, &n);
            for (i = 0; i < TIP_AES_BLOCK; i++)
                data[off + i] ^= chain[i];
            memcpy(chain, blk, TIP_AES_BLOCK);
        }
        if (st == PSA_SUCCESS && n != TIP_AES_BLOCK)
            st = PSA_ERROR_GENERIC_ERROR;
    }
    tip_crypto_zeroize(blk, sizeof(blk));
    return st == PSA_SUCCESS ? TIP_OK : TIP_ERR_CRYPTO;
#else
    (void)c;
    (void)iv;
    (void)data;
    (void)len;
    return TIP_ERR_UNSUPPORTED;
#endif
}

int tip_crypto_cbc_iv(tip_crypto_sa_t *c, const uint8_t block[16], uint8_t iv[16])
{
#if TIP_HAVE_CBC
    struct tip_psa_sa *s;
    size_t n = 0;

    if (c == NULL || block == NULL || iv == NULL)
        return TIP_ERR_ARG;
    s = tip_psa(c);
    /* Only an outbound SA encrypts (and only it sends). */
    if (s->encr != TIP_ENCR_AES_CBC || s->dir != TIP_DIR_OUT)
        return TIP_ERR_ARG;
    if (psa_cipher_update(&s->ecb, block, TIP_AES_BLOCK, iv, TIP_AES_BLOCK, &n) != PSA_SUCCESS ||
        n != TIP_AES_BLOCK)
        return TIP_ERR_CRYPTO;
    return TIP_OK;
#else
    (void)c;
    (void)block;
    (void)iv;
    return TIP_ERR_UNSUPPORTED;
#endif
}

int tip_crypto_hmac(tip_crypto_sa_t *c,
                    const uint8_t *p1, size_t l1,
                    const uint8_t *p2, size_t l2,
                    uint8_t *mac)
{
#if TIP_HAVE_HMAC
    psa_mac_operation_t op = PSA_MAC_OPERATION_INIT;
    struct tip_psa_sa *s;
    psa_status_t st;
    size_t n = 0;

    if (c == NULL || mac == NULL || (p1 == NULL && l1 != 0) || (p2 == NULL && l2 != 0))
        return TIP_ERR_ARG;
    s = tip_psa(c);
    if (s->integ == TIP_INTEG_NONE)
        return TIP_ERR_ARG;
    /* RFC 4868 2.3: PSA_ALG_TRUNCATED_MAC keeps the leftmost icv_len bytes. */
    st = psa_mac_sign_setup(&op, s->mac_key, tip_mac_alg((tip_integ_t)s->integ));
    if (st == PSA_SUCCESS && l1 != 0)
        st = psa_mac_update(&op, p1, l1);
    if (st == PSA_SUCCESS && l2 != 0)
        st = psa_mac_update(&op, p2, l2);
    if (st == PSA_SUCCESS)
        st = psa_mac_sign_finish(&op, mac, s->icv_len, &n);
    if (st == PSA_SUCCESS && n != s->icv_len)
        st = PSA_ERROR_GENERIC_ERROR;
    (void)psa_mac_abort(&op);
    return st == PSA_SUCCESS ? TIP_OK : TIP_ERR_CRYPTO;
#else
    (void)c;
    (void)p1;
    (void)l1;
    (void)p2;
    (void)l2;
    (void)mac;
    return TIP_ERR_UNSUPPORTED;
#endif
}

#else /* !TIP_CONF_CRYPTO_PSA */
/* ISO C forbids an empty translation unit. */
typedef int tip_crypto_psa_unused_t;
#endif /* TIP_CONF_CRYPTO_PSA */
