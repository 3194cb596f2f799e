/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The classic Mbed TLS crypto backend (2.28 LTS and 3.6 LTS), built when
 * TIP_CONF_CRYPTO_PSA is 0 (crypto_psa.c is the PSA backend, for 3.6 and
 * 4.x). It uses the API subset that is the same in both versions (one-shot GCM and ChaCha20-Poly1305, AES-CBC/ECB,
 * MD-layer HMAC), so no version #if is needed beyond the config check.
 *
 * Every setup call that may allocate (gcm_setkey creates a cipher context,
 * md_setup the hash and HMAC pads) is made in tip_crypto_sa_init(); the
 * per-packet functions only use contexts that already exist, so they never
 * reach mbedtls_calloc.
 *
 * The state must not be moved (memcpy'd) once set up: Mbed TLS 2.28 keeps
 * a pointer from mbedtls_aes_context into its own round-key buffer, and the
 * MD context owns heap blocks.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "crypto_check.h"

#if !TIP_CONF_CRYPTO_PSA /* the whole file: the PSA backend is crypto_psa.c */

/* version.h pulls in the configuration in both lines (config.h in 2.x,
 * build_info.h in 3.x), so the MBEDTLS_*_C switches below are valid. */
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x04000000
#error "Mbed TLS 4 has only the PSA Crypto API: build with TIP_CONF_CRYPTO_PSA=1 (CMake: -DTIP_CRYPTO_BACKEND=psa)"
#endif
#if MBEDTLS_VERSION_NUMBER < 0x021C0000
#error "tinyipsec needs Mbed TLS 2.28 or 3.x (mbedtls_ct_memcmp, one-shot AEAD)"
#endif

#include <mbedtls/constant_time.h>

/* ---- what this build can do: tinyipsec switch AND Mbed TLS module ------- */

#if (TIP_CONF_HMAC_SHA256 || TIP_CONF_HMAC_SHA384 || TIP_CONF_HMAC_SHA512) && \
    defined(MBEDTLS_MD_C)
#define TIP_HAVE_HMAC 1
#include <mbedtls/md.h>
#else
#define TIP_HAVE_HMAC 0
#endif

#if TIP_CONF_AES_GCM && defined(MBEDTLS_GCM_C) && defined(MBEDTLS_AES_C)
#define TIP_HAVE_GCM 1
#include <mbedtls/gcm.h>
#else
#define TIP_HAVE_GCM 0
#endif

#if TIP_CONF_CHACHAPOLY && defined(MBEDTLS_CHACHAPOLY_C)
#define TIP_HAVE_CHACHAPOLY 1
#include <mbedtls/chachapoly.h>
#else
#define TIP_HAVE_CHACHAPOLY 0
#endif

/* AES-CBC and ENCR_NULL are only usable with an HMAC (RFC 4303 3.2). */
#if TIP_CONF_AES_CBC && defined(MBEDTLS_AES_C) && defined(MBEDTLS_CIPHER_MODE_CBC) && \
    TIP_HAVE_HMAC
#define TIP_HAVE_CBC 1
#include <mbedtls/aes.h>
#else
#define TIP_HAVE_CBC 0
#endif

#if TIP_CONF_ENCR_NULL && TIP_HAVE_HMAC
#define TIP_HAVE_NULL 1
#else
#define TIP_HAVE_NULL 0
#endif

#define TIP_AEAD_ICV 16 /* RFC 4106 "AES-GCM-16", RFC 7634 2 */

/* ---- per-SA state, kept inside the caller's tip_crypto_sa_t ------------ */

struct tip_mbed_sa {
    uint8_t encr;    /* tip_encr_t once the cipher context is initialised, else 0 */
    uint8_t integ;   /* tip_integ_t once the MD context is initialised, else 0 */
    uint8_t dir;     /* tip_dir_t */
    uint8_t icv_len; /* truncated HMAC length */
    uint8_t salt[TIP_CRYPTO_SALT_LEN];
    union {
#if TIP_HAVE_GCM
        mbedtls_gcm_context gcm;
#endif
#if TIP_HAVE_CHACHAPOLY
        mbedtls_chachapoly_context chachapoly;
#endif
#if TIP_HAVE_CBC
        mbedtls_aes_context aes; /* encryption schedule outbound, decryption inbound */
#endif
        uint8_t none;
    } ciph;
#if TIP_HAVE_HMAC
    mbedtls_md_context_t md; /* HMAC keyed at init; reset per packet */
#endif
};

/* If this fails, raise TIP_CRYPTO_SA_STORAGE in config.h (or in your
 * TIP_USER_CONFIG_FILE): the Mbed TLS contexts of this configuration do not
 * fit the bytes reserved in each SA. */
typedef char tip_assert_crypto_fits[(sizeof(struct tip_mbed_sa) <= sizeof(tip_crypto_sa_t)) ? 1
                                                                                            : -1];

/* And the storage must be at least as aligned as the contexts need. */
struct tip_align_mine { char c; struct tip_mbed_sa s; };
struct tip_align_storage { char c; tip_crypto_sa_t s; };
typedef char tip_assert_crypto_align[(offsetof(struct tip_align_mine, s) <=
                                      offsetof(struct tip_align_storage, s)) ? 1 : -1];

static struct tip_mbed_sa *tip_mbed(tip_crypto_sa_t *c)
{
    return (struct tip_mbed_sa *)(void *)c->bytes;
}

/* ---- small helpers ------------------------------------------------------ */

int tip_crypto_ct_memcmp(const uint8_t *a, const uint8_t *b, size_t len)
{
    /* Time depends on len only, never on where the bytes differ. */
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

/* ---- setup -------------------------------------------------------------- */

#if TIP_HAVE_HMAC
static mbedtls_md_type_t tip_md_type(tip_integ_t integ)
{
    switch (integ) {
#if TIP_CONF_HMAC_SHA256
    case TIP_INTEG_HMAC_SHA2_256_128: return MBEDTLS_MD_SHA256;
#endif
#if TIP_CONF_HMAC_SHA384
    case TIP_INTEG_HMAC_SHA2_384_192: return MBEDTLS_MD_SHA384;
#endif
#if TIP_CONF_HMAC_SHA512
    case TIP_INTEG_HMAC_SHA2_512_256: return MBEDTLS_MD_SHA512;
#endif
    default: return MBEDTLS_MD_NONE;
    }
}
#endif

/* Compiled in here, and present in this Mbed TLS (e.g. no MBEDTLS_SHA512_C)? */
static int tip_integ_built(tip_integ_t integ)
{
#if TIP_HAVE_HMAC
    return mbedtls_md_info_from_type(tip_md_type(integ)) != NULL;
#else
    (void)integ;
    return 0;
#endif
}

static int tip_integ_setup(struct tip_mbed_sa *s, tip_integ_t integ,
                           const uint8_t *key, size_t key_len)
{
#if TIP_HAVE_HMAC
    mbedtls_md_init(&s->md);
    s->integ = (uint8_t)integ;
    s->icv_len = (uint8_t)tip_crypto_integ_icv_len(integ);
    /* md_setup allocates the hash state and the HMAC pads: here, never per packet. */
    if (mbedtls_md_setup(&s->md, mbedtls_md_info_from_type(tip_md_type(integ)), 1) != 0 ||
        mbedtls_md_hmac_starts(&s->md, key, key_len) != 0)
        return TIP_ERR_CRYPTO;
    return TIP_OK;
#else
    (void)s;
    (void)integ;
    (void)key;
    (void)key_len;
    return TIP_ERR_UNSUPPORTED;
#endif
}

static int tip_encr_setup(struct tip_mbed_sa *s, tip_encr_t encr, const uint8_t *key, size_t len)
{
    int ret = 0;

    if (tip_crypto_encr_is_aead(encr)) {
        /* RFC 4106 8.1 / RFC 7634 2: the salt is the last 4 bytes of the key. */
        len -= TIP_CRYPTO_SALT_LEN;
        memcpy(s->salt, key + len, TIP_CRYPTO_SALT_LEN);
    }
    switch (encr) {
#if TIP_HAVE_GCM
    case TIP_ENCR_AES_GCM_16:
        mbedtls_gcm_init(&s->ciph.gcm);
        s->encr = (uint8_t)encr;
        ret = mbedtls_gcm_setkey(&s->ciph.gcm, MBEDTLS_CIPHER_ID_AES, key,
                                 (unsigned int)(len * 8u));
        break;
#endif
#if TIP_HAVE_CHACHAPOLY
    case TIP_ENCR_CHACHA20_POLY1305:
        mbedtls_chachapoly_init(&s->ciph.chachapoly);
        s->encr = (uint8_t)encr;
        ret = mbedtls_chachapoly_setkey(&s->ciph.chachapoly, key);
        break;
#endif
#if TIP_HAVE_CBC
    case TIP_ENCR_AES_CBC:
        mbedtls_aes_init(&s->ciph.aes);
        s->encr = (uint8_t)encr;
        /* One schedule per SA: an SA only ever works in one direction. */
        if (s->dir == TIP_DIR_OUT)
            ret = mbedtls_aes_setkey_enc(&s->ciph.aes, key, (unsigned int)(len * 8u));
        else
            ret = mbedtls_aes_setkey_dec(&s->ciph.aes, key, (unsigned int)(len * 8u));
        break;
#endif
    case TIP_ENCR_NULL: /* RFC 2410: no cipher state at all */
        s->encr = (uint8_t)encr;
        break;
    default:
        return TIP_ERR_UNSUPPORTED;
    }
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
}

int tip_crypto_sa_init(tip_crypto_sa_t *c, tip_dir_t dir,
                       tip_encr_t encr, const uint8_t *encr_key, size_t encr_key_len,
                       tip_integ_t integ, const uint8_t *integ_key, size_t integ_key_len)
{
    int err = TIP_ERR_INTERNAL;
    struct tip_mbed_sa *s;

    if (c == NULL)
        return TIP_ERR_ARG;
    tip_crypto_zeroize(c, sizeof(*c));
    err = tip_crypto_sa_check(dir, encr, encr_key, encr_key_len, integ, integ_key, integ_key_len,
                              tip_encr_built(encr), tip_integ_built);
    if (err != TIP_OK)
        return err;

    s = tip_mbed(c);
    s->dir = (uint8_t)dir;
    err = tip_encr_setup(s, encr, encr_key, encr_key_len);
    if (err == TIP_OK && integ != TIP_INTEG_NONE)
        err = tip_integ_setup(s, integ, integ_key, integ_key_len);
    if (err != TIP_OK)
        tip_crypto_sa_free(c); /* frees what was set up, zeroizes the rest */
    return err;
}

void tip_crypto_sa_free(tip_crypto_sa_t *c)
{
    struct tip_mbed_sa *s;

    if (c == NULL)
        return;
    s = tip_mbed(c);
    /* The *_free calls zeroize the key schedules and release heap blocks. */
    switch ((tip_encr_t)s->encr) {
#if TIP_HAVE_GCM
    case TIP_ENCR_AES_GCM_16: mbedtls_gcm_free(&s->ciph.gcm); break;
#endif
#if TIP_HAVE_CHACHAPOLY
    case TIP_ENCR_CHACHA20_POLY1305: mbedtls_chachapoly_free(&s->ciph.chachapoly); break;
#endif
#if TIP_HAVE_CBC
    case TIP_ENCR_AES_CBC: mbedtls_aes_free(&s->ciph.aes); break;
#endif
    default: break;
    }
#if TIP_HAVE_HMAC
    if (s->integ != TIP_INTEG_NONE)
        mbedtls_md_free(&s->md);
#endif
    tip_crypto_zeroize(c, sizeof(*c));
}

/* ---- per packet (no allocation below this line) ---------------------------- */

#if TIP_HAVE_GCM || TIP_HAVE_CHACHAPOLY
/* RFC 4106 4 / RFC 7634 2: the 12-byte nonce is salt || explicit IV. */
static void tip_nonce(uint8_t nonce[12], const struct tip_mbed_sa *s, const uint8_t iv[8])
{
    memcpy(nonce, s->salt, TIP_CRYPTO_SALT_LEN);
    memcpy(nonce + TIP_CRYPTO_SALT_LEN, iv, 8);
}
#endif

static int tip_aead_args_ok(const struct tip_mbed_sa *s, tip_dir_t dir, const uint8_t *iv,
                            const uint8_t *aad, size_t aad_len, const uint8_t *data,
                            size_t len, const uint8_t *tag)
{
    return s->dir == dir && tip_crypto_encr_is_aead((tip_encr_t)s->encr) && iv != NULL &&
           tag != NULL && (aad != NULL || aad_len == 0) && (data != NULL || len == 0);
}

int tip_crypto_aead_seal(tip_crypto_sa_t *c, const uint8_t iv[8],
                         const uint8_t *aad, size_t aad_len,
                         uint8_t *data, size_t len, uint8_t tag[16])
{
    int ret = -1;
    struct tip_mbed_sa *s;
    uint8_t nonce[12];

    if (c == NULL)
        return TIP_ERR_ARG;
    s = tip_mbed(c);
    if (!tip_aead_args_ok(s, TIP_DIR_OUT, iv, aad, aad_len, data, len, tag))
        return TIP_ERR_ARG;
#if TIP_HAVE_GCM || TIP_HAVE_CHACHAPOLY
    tip_nonce(nonce, s, iv);
#else
    (void)nonce;
#endif
    switch ((tip_encr_t)s->encr) {
#if TIP_HAVE_GCM
    case TIP_ENCR_AES_GCM_16:
        ret = mbedtls_gcm_crypt_and_tag(&s->ciph.gcm, MBEDTLS_GCM_ENCRYPT, len, nonce,
                                        sizeof(nonce), aad, aad_len, data, data,
                                        TIP_AEAD_ICV, tag);
        break;
#endif
#if TIP_HAVE_CHACHAPOLY
    case TIP_ENCR_CHACHA20_POLY1305:
        ret = mbedtls_chachapoly_encrypt_and_tag(&s->ciph.chachapoly, len, nonce, aad,
                                                 aad_len, data, data, tag);
        break;
#endif
    default:
        break;
    }
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
}

int tip_crypto_aead_open(tip_crypto_sa_t *c, const uint8_t iv[8],
                         const uint8_t *aad, size_t aad_len,
                         uint8_t *data, size_t len, const uint8_t tag[16])
{
    int ret = -1;
    int auth_failed = 0;
    struct tip_mbed_sa *s;
    uint8_t nonce[12];

    if (c == NULL)
        return TIP_ERR_ARG;
    s = tip_mbed(c);
    if (!tip_aead_args_ok(s, TIP_DIR_IN, iv, aad, aad_len, data, len, tag))
        return TIP_ERR_ARG;
#if TIP_HAVE_GCM || TIP_HAVE_CHACHAPOLY
    tip_nonce(nonce, s, iv);
#else
    (void)nonce;
#endif
    /* Both calls compare the tag in constant time and wipe the output on a
     * mismatch, so no unauthenticated plaintext is left behind (RFC 4303 3.4.4). */
    switch ((tip_encr_t)s->encr) {
#if TIP_HAVE_GCM
    case TIP_ENCR_AES_GCM_16:
        ret = mbedtls_gcm_auth_decrypt(&s->ciph.gcm, len, nonce, sizeof(nonce), aad, aad_len,
                                       tag, TIP_AEAD_ICV, data, data);
        auth_failed = (ret == MBEDTLS_ERR_GCM_AUTH_FAILED);
        break;
#endif
#if TIP_HAVE_CHACHAPOLY
    case TIP_ENCR_CHACHA20_POLY1305:
        ret = mbedtls_chachapoly_auth_decrypt(&s->ciph.chachapoly, len, nonce, aad, aad_len,
                                              tag, data, data);
        auth_failed = (ret == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED);
        break;
#endif
    default:
        break;
    }
    if (ret == 0)
        return TIP_OK;
    return auth_failed ? TIP_ERR_AUTH : TIP_ERR_CRYPTO;
}

int tip_crypto_cbc(tip_crypto_sa_t *c, const uint8_t iv[16], uint8_t *data, size_t len)
{
#if TIP_HAVE_CBC
    int ret;
    struct tip_mbed_sa *s;
    uint8_t iv_copy[16]; /* mbedtls_aes_crypt_cbc advances the IV it is given */

    if (c == NULL || iv == NULL || (data == NULL && len != 0) || len % 16u != 0)
        return TIP_ERR_ARG;
    s = tip_mbed(c);
    if (s->encr != TIP_ENCR_AES_CBC)
        return TIP_ERR_ARG;
    if (len == 0)
        return TIP_OK;
    memcpy(iv_copy, iv, sizeof(iv_copy));
    ret = mbedtls_aes_crypt_cbc(&s->ciph.aes,
                                s->dir == TIP_DIR_OUT ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT,
                                len, iv_copy, data, data);
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
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
    struct tip_mbed_sa *s;

    if (c == NULL || block == NULL || iv == NULL)
        return TIP_ERR_ARG;
    s = tip_mbed(c);
    /* Only an outbound SA holds the encryption schedule (and only it sends). */
    if (s->encr != TIP_ENCR_AES_CBC || s->dir != TIP_DIR_OUT)
        return TIP_ERR_ARG;
    return mbedtls_aes_crypt_ecb(&s->ciph.aes, MBEDTLS_AES_ENCRYPT, block, iv) == 0
               ? TIP_OK
               : TIP_ERR_CRYPTO;
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
    int ret;
    struct tip_mbed_sa *s;
    uint8_t full[TIP_CRYPTO_MAX_MAC];

    if (c == NULL || mac == NULL || (p1 == NULL && l1 != 0) || (p2 == NULL && l2 != 0))
        return TIP_ERR_ARG;
    s = tip_mbed(c);
    if (s->integ == TIP_INTEG_NONE)
        return TIP_ERR_ARG;
    /* hmac_reset restarts from the ipad kept since init: no key schedule
     * and no allocation per packet. Reset first, so an earlier aborted
     * computation cannot leak into this one. */
    ret = mbedtls_md_hmac_reset(&s->md);
    if (ret == 0 && l1 != 0)
        ret = mbedtls_md_hmac_update(&s->md, p1, l1);
    if (ret == 0 && l2 != 0)
        ret = mbedtls_md_hmac_update(&s->md, p2, l2);
    if (ret == 0)
        ret = mbedtls_md_hmac_finish(&s->md, full);
    if (ret == 0)
        memcpy(mac, full, s->icv_len); /* RFC 4868 2.3: keep the leftmost bits */
    tip_crypto_zeroize(full, sizeof(full));
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
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

/* ---- SHA-1 for NAT detection (RFC 7296 2.23 fixes the hash) ---------- */

#if TIP_CONF_IKEV2 && defined(MBEDTLS_MD_C) && defined(MBEDTLS_SHA1_C)
#include <mbedtls/md.h>

int tip_crypto_sha1(const tip_iov_t *iov, size_t n, uint8_t out[20])
{
    mbedtls_md_context_t md;
    size_t i;
    int ret;

    mbedtls_md_init(&md);
    ret = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA1), 0);
    if (ret == 0)
        ret = mbedtls_md_starts(&md);
    for (i = 0; ret == 0 && i < n; i++)
        if (iov[i].len != 0)
            ret = mbedtls_md_update(&md, iov[i].p, iov[i].len);
    if (ret == 0)
        ret = mbedtls_md_finish(&md, out);
    mbedtls_md_free(&md);
    return ret == 0 ? TIP_OK : TIP_ERR_CRYPTO;
}
#else
int tip_crypto_sha1(const tip_iov_t *iov, size_t n, uint8_t out[20])
{
    (void)iov;
    (void)n;
    (void)out;
    return TIP_ERR_UNSUPPORTED;
}
#endif

#else /* TIP_CONF_CRYPTO_PSA */
/* ISO C forbids an empty translation unit. */
typedef int tip_crypto_mbedtls_unused_t;
#endif /* !TIP_CONF_CRYPTO_PSA */
