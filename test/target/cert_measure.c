/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * What certificate authentication costs on the Cortex-M4F (QEMU
 * mps2-an386, scripts/cm4/cert-measure.sh): for a two-certificate chain
 * (end entity + intermediate, checked against the root as trust anchor),
 * ECDSA P-256 and RSA-3072, the calls src/ike/ike_cert.c makes through the
 * crypto seam (src/crypto.h), each with Mbed TLS's static heap
 * (MBEDTLS_MEMORY_BUFFER_ALLOC_C + MBEDTLS_MEMORY_DEBUG):
 *
 *   hash      tip_crypto_sig_hash(): the hash of the AUTH octets
 *   certreq   tip_crypto_cert_spki_sha1() of the trust anchor (CERTREQ)
 *   key       tip_crypto_cert_key() of the end entity (the AUTH method)
 *   check     tip_crypto_cert_check(): both certificates parsed, the chain
 *             verified, key usage and identity checked, and the AUTH
 *             signature (made by OpenSSL: test/data/certs/kat-*.sig)
 *             verified with the end entity's key
 *   sign      tip_ike_sign_mbedtls_pk() with the end entity's private key,
 *             which the device keeps parsed for as long as its connection
 *             lives ("key held"); the signature is then checked as above
 *
 * For each: the arena's peak (bytes and blocks, MBEDTLS_MEMORY_DEBUG; the
 * arena needs about 32 bytes of header per block on top), what stays
 * allocated after the call (must be nothing: certificates are not kept),
 * and the stack high-water mark of the call (stack painting, from the
 * caller's stack pointer, Mbed TLS included). A tampered signature and a
 * foreign trust anchor must be refused. Exits 0 only if every check gave
 * the expected answer and nothing was left allocated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/memory_buffer_alloc.h>
#include <mbedtls/pk.h>
#include <mbedtls/version.h>

#include "board_rt.h"
#include "crypto.h"
#include "tinyipsec/tinyipsec.h"

#if !TIP_CONF_IKE_CERT || !defined(MBEDTLS_MEMORY_DEBUG) || !defined(MBEDTLS_X509_CRT_PARSE_C)
#error "cert_measure needs TIP_CONF_IKE_CERT and mbedtls_fw_cert_config.h"
#endif

/* 2030-06-01 00:00:00 UTC: inside the test certificates' validity. */
#define T_2030 1906502400

static uint8_t g_arena[64 * 1024];

typedef struct {
    uint8_t b[2048];
    size_t len;
} file_t;

typedef struct {
    const char *name; /* for the report */
    const char *ee, *im, *root, *other_root, *key, *sig, *id;
    tip_sig_scheme_t scheme;
    uint8_t kind;
    size_t bits;
} chain_t;

static const chain_t g_chains[] = {
    {"ECDSA P-256", "gw.der", "int.der", "ca.der", "rsa-ca.der", "gw.key", "kat-gw.sig",
     "gw.test", TIP_SIG_ECDSA_SHA256, TIP_CRYPTO_KEY_EC, 256},
    {"RSA-3072", "rsa-dev.der", "rsa-int.der", "rsa-ca.der", "ca.der", "rsa-dev.key",
     "kat-rsa-dev.sig", "rsa-dev.test", TIP_SIG_RSA_PKCS1_SHA256, TIP_CRYPTO_KEY_RSA, 3072},
};

static file_t g_ee, g_im, g_root, g_other, g_key, g_sig, g_msg;
static int g_failed;

static void fail(const char *what, int got)
{
    printf("cert_measure: FAILED: %s (%d: %s)\n", what, got, tip_strerror(got));
    g_failed = 1;
}

static int load(file_t *f, const char *name)
{
    char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/certs/%s", TIP_TEST_DATA_DIR, name);
    fp = fopen(path, "rb");
    if (fp == NULL) {
        printf("cert_measure: FAILED: cannot open %s\n", path);
        g_failed = 1;
        return -1;
    }
    f->len = fread(f->b, 1, sizeof(f->b), fp);
    fclose(fp);
    if (f->len == 0 || f->len == sizeof(f->b)) {
        printf("cert_measure: FAILED: %s is empty or larger than %u bytes\n", path,
               (unsigned)sizeof(f->b));
        g_failed = 1;
        return -1;
    }
    return 0;
}

/* ---- the measured calls -------------------------------------------------- */

typedef struct {
    const chain_t *c;
    uint8_t hash[64];
    uint8_t sig[TIP_IKE_SIG_MAX];
    size_t sig_len;
    const uint8_t *sig_p; /* the signature cert_check gets (ECDSA: DER) */
    size_t sig_p_len;
    const file_t *root;
    uint8_t kind;
    size_t bits;
    uint8_t spki[20];
    tip_ike_pk_signer_t signer;
} job_t;

static int do_hash(job_t *j)
{
    tip_iov_t iov = {g_msg.b, g_msg.len};
    return tip_crypto_sig_hash(j->c->scheme, &iov, 1, j->hash);
}

static int do_certreq(job_t *j)
{
    return tip_crypto_cert_spki_sha1(j->root->b, j->root->len, j->spki);
}

static int do_key(job_t *j)
{
    return tip_crypto_cert_key(g_ee.b, g_ee.len, &j->kind, &j->bits);
}

static int do_check(job_t *j)
{
    const uint8_t *chain[2] = {g_ee.b, g_im.b};
    size_t chain_len[2] = {g_ee.len, g_im.len};
    const uint8_t *ca[1] = {j->root->b};
    size_t ca_len[1] = {j->root->len};
    tip_crypto_cert_check_t r;

    memset(&r, 0, sizeof(r));
    r.chain = chain;
    r.chain_len = chain_len;
    r.chain_n = 2;
    r.ca = ca;
    r.ca_len = ca_len;
    r.ca_n = 1;
    r.id_type = TIP_ID_FQDN;
    r.id = (const uint8_t *)j->c->id;
    r.id_len = strlen(j->c->id);
    r.now = T_2030;
    r.scheme = j->c->scheme;
    r.hash = j->hash;
    r.hash_len = tip_crypto_sig_hash_len(j->c->scheme);
    r.sig = j->sig_p;
    r.sig_len = j->sig_p_len;
    return tip_crypto_cert_check(&r);
}

static int do_sign(job_t *j)
{
    return tip_ike_sign_mbedtls_pk(&j->signer, j->c->scheme, j->hash,
                                   tip_crypto_sig_hash_len(j->c->scheme), j->sig, sizeof(j->sig),
                                   &j->sig_len);
}

/* Randomness for parsing and signing here (a device passes its TRNG). */
static uint32_t g_rng = 0x2545F491u;

static int rng(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    while (len-- > 0) {
        g_rng ^= g_rng << 13;
        g_rng ^= g_rng >> 17;
        g_rng ^= g_rng << 5;
        *out++ = (uint8_t)g_rng;
    }
    return 0;
}

static int rng_mbedtls(void *arg, unsigned char *out, size_t len)
{
    return rng(arg, out, len);
}

/*
 * Runs @p fn, which must return @p want, and reports its arena peak above
 * what was allocated before (held), what it left allocated, and its stack.
 * What it left must be nothing, unless it @p grows what it was given (an
 * RSA key keeps its blinding values after the first signature). Returns
 * the peak.
 */
static size_t measure(const char *chain, const char *what, int (*fn)(job_t *), job_t *j, int want,
                      int grows)
{
    size_t before, before_blocks, peak, peak_blocks, after, after_blocks, base, hw;
    int got;

    mbedtls_memory_buffer_alloc_cur_get(&before, &before_blocks);
    mbedtls_memory_buffer_alloc_max_reset();
    base = board_stack_depth();
    board_stack_repaint();
    got = fn(j);
    hw = board_stack_high_water();
    mbedtls_memory_buffer_alloc_max_get(&peak, &peak_blocks);
    mbedtls_memory_buffer_alloc_cur_get(&after, &after_blocks);
    printf("cert_measure: %-11s %-8s %s: arena peak %5u B in %2u blocks (+%u B held), %s %u B "
           "in %u blocks, stack %u B\n",
           chain, what, got == want ? "ok" : "WRONG ANSWER", (unsigned)(peak - before),
           (unsigned)(peak_blocks - before_blocks), (unsigned)before,
           grows ? "the key grew by" : "left", (unsigned)(after - before),
           (unsigned)(after_blocks - before_blocks), (unsigned)(hw - base));
    if (got != want)
        fail(what, got);
    if (!grows && (after != before || after_blocks != before_blocks)) {
        printf("cert_measure: FAILED: %s %s left %u B allocated\n", chain, what,
               (unsigned)(after - before));
        g_failed = 1;
    }
    return peak - before;
}

/*
 * The smallest arena (in 64-byte steps) in which the check of @p j passes:
 * the peak above plus the allocator's block headers and whatever
 * fragmentation costs. Leaves the arena set up at its full size again.
 */
static size_t min_arena(job_t *j)
{
    size_t lo = 0, hi = sizeof(g_arena) / 64, mid;
    int ok;

    while (lo + 1 < hi) { /* check fails in lo * 64 B, passes in hi * 64 B */
        mid = (lo + hi) / 2;
        mbedtls_memory_buffer_alloc_free();
        mbedtls_memory_buffer_alloc_init(g_arena, mid * 64);
        ok = do_check(j) == TIP_OK;
        if (ok)
            hi = mid;
        else
            lo = mid;
    }
    mbedtls_memory_buffer_alloc_free();
    mbedtls_memory_buffer_alloc_init(g_arena, sizeof(g_arena));
    return hi * 64;
}

static void run_chain(const chain_t *c)
{
    static job_t j;
    mbedtls_pk_context pk;
    uint8_t bad[TIP_IKE_SIG_MAX], der[TIP_IKE_SIG_MAX];
    size_t held, held_blocks, der_len = 0;
    int ret;

    if (load(&g_ee, c->ee) || load(&g_im, c->im) || load(&g_root, c->root) ||
        load(&g_other, c->other_root) || load(&g_key, c->key) || load(&g_sig, c->sig))
        return;
    printf("cert_measure: %s chain %s (%u B) + %s (%u B), trust anchor %s (%u B)\n", c->name,
           c->ee, (unsigned)g_ee.len, c->im, (unsigned)g_im.len, c->root, (unsigned)g_root.len);
    memset(&j, 0, sizeof(j));
    j.c = c;
    j.root = &g_root;
    j.sig_p = g_sig.b;
    j.sig_p_len = g_sig.len;

    measure(c->name, "hash", do_hash, &j, TIP_OK, 0);
    measure(c->name, "certreq", do_certreq, &j, TIP_OK, 0);
    measure(c->name, "key", do_key, &j, TIP_OK, 0);
    if (j.kind != c->kind || j.bits != c->bits) {
        printf("cert_measure: FAILED: %s key kind %u, %u bits\n", c->name, j.kind,
               (unsigned)j.bits);
        g_failed = 1;
    }
    measure(c->name, "check", do_check, &j, TIP_OK, 0);

    printf("cert_measure: %-11s check    smallest arena that passes: %u B\n", c->name,
           (unsigned)min_arena(&j));

    /* The same check must refuse a signature with one bit changed ... */
    memcpy(bad, g_sig.b, g_sig.len);
    bad[g_sig.len - 1] ^= 0x01u;
    j.sig_p = bad;
    measure(c->name, "badsig", do_check, &j, TIP_ERR_AUTH, 0);
    /* ... and the chain under a trust anchor that did not issue it. */
    j.sig_p = g_sig.b;
    j.root = &g_other;
    measure(c->name, "badca", do_check, &j, TIP_ERR_CERT, 0);
    j.root = &g_root;

    /* Our own AUTH signature with the end entity's private key. */
    mbedtls_pk_init(&pk);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    ret = mbedtls_pk_parse_key(&pk, g_key.b, g_key.len, NULL, 0, rng_mbedtls, NULL);
#else
    ret = mbedtls_pk_parse_key(&pk, g_key.b, g_key.len, NULL, 0);
#endif
    if (ret != 0) {
        fail("mbedtls_pk_parse_key", ret);
        mbedtls_pk_free(&pk);
        return;
    }
    mbedtls_memory_buffer_alloc_cur_get(&held, &held_blocks);
    printf("cert_measure: %-11s private key held: %u B in %u blocks\n", c->name, (unsigned)held,
           (unsigned)held_blocks);
    j.signer.pk = &pk;
    j.signer.random = rng;
    measure(c->name, "sign", do_sign, &j, TIP_OK, 1);
    mbedtls_pk_free(&pk);
    mbedtls_memory_buffer_alloc_cur_get(&held, &held_blocks);
    if (held != 0 || held_blocks != 0) {
        printf("cert_measure: FAILED: %s: %u B left after the key was freed\n", c->name,
               (unsigned)held);
        g_failed = 1;
    }
    /* ... which the peer's check accepts (ECDSA travels as DER, RFC 7427 3). */
    if (c->kind == TIP_CRYPTO_KEY_EC) {
        ret = tip_crypto_ecdsa_raw_to_der(j.sig, j.sig_len, der, sizeof(der), &der_len);
        if (ret != TIP_OK)
            fail("tip_crypto_ecdsa_raw_to_der", ret);
        j.sig_p = der;
        j.sig_p_len = der_len;
    } else {
        j.sig_p = j.sig;
        j.sig_p_len = j.sig_len;
    }
    measure(c->name, "checkown", do_check, &j, TIP_OK, 0);
}

int main(void)
{
    size_t cur, blocks, i;

    printf("cert_measure: Mbed TLS %s, Cortex-M4F, arena %u B\n", MBEDTLS_VERSION_STRING,
           (unsigned)sizeof(g_arena));
    mbedtls_memory_buffer_alloc_init(g_arena, sizeof(g_arena));
    if (load(&g_msg, "kat.msg") == 0)
        for (i = 0; i < sizeof(g_chains) / sizeof(g_chains[0]); i++)
            run_chain(&g_chains[i]);
    mbedtls_memory_buffer_alloc_cur_get(&cur, &blocks);
    if (cur != 0 || blocks != 0) {
        printf("cert_measure: FAILED: %u B in %u blocks still allocated at the end\n",
               (unsigned)cur, (unsigned)blocks);
        g_failed = 1;
    }
    mbedtls_memory_buffer_alloc_free();
    printf("cert_measure: %s\n", g_failed ? "FAILED" : "OK");
    return g_failed ? 1 : 0;
}
