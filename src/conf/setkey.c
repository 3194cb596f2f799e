/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Manual keying from setkey(8)-style text (see include/tinyipsec/setkey.h
 * for the accepted syntax). Each statement is parsed into a tip_sa_params_t
 * or tip_policy_t and handed to the same public calls an application would
 * make. The text is read in place; keys are decoded into stack buffers that
 * are wiped after use.
 */
#include "tinyipsec/config.h"

#if TIP_CONF_SETKEY

#include <string.h>

#include "crypto.h"
#include "setkey_lex.h"
#include "tinyipsec/tinyipsec.h"
#include "tip_internal.h"

/* ---- algorithms ------------------------------------------------------- */

#define TIP_SK_ENC 1
#define TIP_SK_AUTH 2

typedef struct {
    const char *name;
    uint8_t kind;    /* TIP_SK_ENC / TIP_SK_AUTH */
    uint8_t id;      /* tip_encr_t / tip_integ_t */
    uint8_t enabled; /* compiled in */
    uint8_t aead;
    uint8_t len1, len2;   /* accepted key lengths */
    const char *canon;    /* name used in messages */
    const char *lens;     /* accepted lengths, in words */
    const char *conf;     /* the switch that compiles it in */
} tip_sk_alg_t;

/* Names and aliases from setkey(8), ip-xfrm(8) and the Linux crypto API. */
static const tip_sk_alg_t tip_sk_algs[] = {
#define TIP_SK_GCM(n)                                                          \
    {n, TIP_SK_ENC, TIP_ENCR_AES_GCM_16, TIP_CONF_AES_GCM, 1, 20, 36,          \
     "aes-gcm-16", "20 or 36 bytes (16 or 32 + 4 salt)", "TIP_CONF_AES_GCM"}
#define TIP_SK_CBC(n)                                                          \
    {n, TIP_SK_ENC, TIP_ENCR_AES_CBC, TIP_CONF_AES_CBC, 0, 16, 32, "aes-cbc",  \
     "16 or 32 bytes", "TIP_CONF_AES_CBC"}
#define TIP_SK_CHACHA(n)                                                       \
    {n, TIP_SK_ENC, TIP_ENCR_CHACHA20_POLY1305, TIP_CONF_CHACHAPOLY, 1, 36, 36, \
     "chacha20-poly1305", "36 bytes (32 + 4 salt)", "TIP_CONF_CHACHAPOLY"}
    TIP_SK_GCM("aes-gcm-16"),
    TIP_SK_GCM("aes-gcm"),
    TIP_SK_GCM("rfc4106(gcm(aes))"),
    TIP_SK_CBC("aes-cbc"),
    TIP_SK_CBC("rijndael-cbc"),
    TIP_SK_CHACHA("chacha20-poly1305"),
    TIP_SK_CHACHA("rfc7539esp(chacha20,poly1305)"),
    {"null", TIP_SK_ENC, TIP_ENCR_NULL, TIP_CONF_ENCR_NULL, 0, 0, 0, "null", "empty",
     "TIP_CONF_ENCR_NULL"},
    {"hmac-sha256", TIP_SK_AUTH, TIP_INTEG_HMAC_SHA2_256_128, TIP_CONF_HMAC_SHA256, 0, 32, 32,
     "hmac-sha256", "32 bytes", "TIP_CONF_HMAC_SHA256"},
    {"hmac-sha384", TIP_SK_AUTH, TIP_INTEG_HMAC_SHA2_384_192, TIP_CONF_HMAC_SHA384, 0, 48, 48,
     "hmac-sha384", "48 bytes", "TIP_CONF_HMAC_SHA384"},
    {"hmac-sha512", TIP_SK_AUTH, TIP_INTEG_HMAC_SHA2_512_256, TIP_CONF_HMAC_SHA512, 0, 64, 64,
     "hmac-sha512", "64 bytes", "TIP_CONF_HMAC_SHA512"},
#undef TIP_SK_GCM
#undef TIP_SK_CBC
#undef TIP_SK_CHACHA
};

/* RFC 8221 2.1 / 2.2: MUST NOT or SHOULD NOT for ESP, or never standard. */
static const char *const tip_sk_deprecated[] = {
    "des-cbc", "3des-cbc", "blowfish-cbc", "cast128-cbc", "des-deriv", "3des-deriv",
    "hmac-md5", "hmac-sha1", "keyed-md5", "keyed-sha1",
};

/* ---- add / delete ----------------------------------------------------- */

/* Looks up an algorithm name of @p kind at the current token. */
static int tip_sk_alg(tip_sk_t *ps, unsigned kind, const tip_sk_alg_t **out)
{
    const tip_tk_t *t = &ps->tk;
    size_t i;
    int err;

    err = tip_sk_need_word(ps, kind == TIP_SK_ENC ? "expected an encryption algorithm, got '"
                                                  : "expected an integrity algorithm, got '");
    if (err != TIP_OK)
        return err;
    for (i = 0; i < sizeof(tip_sk_deprecated) / sizeof(tip_sk_deprecated[0]); i++) {
        if (tip_tk_is(t, tip_sk_deprecated[i]))
            return tip_sk_fail_tk(ps, TIP_ERR_DEPRECATED, "",
                                  kind == TIP_SK_ENC
                                      ? " is deprecated (RFC 8221); use aes-gcm-16"
                                      : " is deprecated (RFC 8221); use hmac-sha256");
    }
    for (i = 0; i < sizeof(tip_sk_algs) / sizeof(tip_sk_algs[0]); i++) {
        const tip_sk_alg_t *a = &tip_sk_algs[i];
        if (a->kind != kind || !tip_tk_is(t, a->name))
            continue;
        if (!a->enabled) {
            tip_sk_fail(ps->err, TIP_ERR_UNSUPPORTED, t->line, t->col, "", a->canon,
                        strlen(a->canon), " is not compiled in (");
            tip_sk_append(ps->err, a->conf);
            tip_sk_append(ps->err, ")");
            return TIP_ERR_UNSUPPORTED;
        }
        *out = a;
        return tip_sk_next(ps);
    }
    return tip_sk_fail_tk(ps, TIP_ERR_UNSUPPORTED,
                          kind == TIP_SK_ENC ? "unsupported encryption algorithm '"
                                             : "unsupported integrity algorithm '",
                          "'");
}

/* A key: 0x<hex> or "string", checked against the lengths of @p alg. */
static int tip_sk_key(tip_sk_t *ps, const tip_sk_alg_t *alg, uint8_t *key, size_t *key_len)
{
    const tip_tk_t *t = &ps->tk;
    char num[21];
    size_t n, i;

    if (t->kind == TIP_TK_STRING) {
        n = t->len;
        if (n <= TIP_MAX_KEY_LEN)
            memcpy(key, t->p, n);
    } else if (t->kind == TIP_TK_WORD && t->len >= 2 && t->p[0] == '0' &&
               (t->p[1] == 'x' || t->p[1] == 'X')) {
        if (t->len == 2)
            return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "empty key '", "'");
        for (i = 2; i < t->len; i++) {
            if (tip_sk_hexval(t->p[i]) < 0)
                return tip_sk_fail(ps->err, TIP_ERR_PARSE, t->line, t->col + (unsigned)i,
                                   "invalid hex digit '", t->p + i, 1, "' in key");
        }
        if ((t->len - 2) % 2 != 0)
            return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "odd number of hex digits in key '", "'");
        n = (t->len - 2) / 2;
        for (i = 0; i < n && n <= TIP_MAX_KEY_LEN; i++)
            key[i] = (uint8_t)(tip_sk_hexval(t->p[2 + 2 * i]) << 4 |
                               tip_sk_hexval(t->p[3 + 2 * i]));
    } else {
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "expected a key (0x<hex> or \"string\"), got '",
                              "'");
    }
    /* False positive: tip_sk_alg() sets alg whenever it returns TIP_OK; its
     * failures return tip_sk_fail()'s code, never TIP_OK (setkey_lex.c, which
     * the analyzer does not see). */
    /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
    if (n != alg->len1 && n != alg->len2) {
        tip_sk_fail(ps->err, TIP_ERR_KEY_LEN, t->line, t->col, "", alg->canon,
                    strlen(alg->canon), " key must be ");
        tip_sk_append(ps->err, alg->lens);
        tip_sk_append(ps->err, ", got ");
        tip_sk_append(ps->err, tip_sk_utoa(n, num));
        return TIP_ERR_KEY_LEN;
    }
    *key_len = n;
    return tip_sk_next(ps);
}

/* Checks whether @p t is one of the option words and not yet seen. */
static int tip_sk_opt(tip_sk_t *ps, const char *name, unsigned *seen, unsigned bit, int *err)
{
    if (!tip_tk_is(&ps->tk, name))
        return 0;
    if (*seen & bit)
        *err = tip_sk_fail_tk(ps, TIP_ERR_PARSE, "option ", " given twice");
    else
        *err = tip_sk_next(ps);
    *seen |= bit;
    return 1;
}

/*
 * add SRC DST esp|esp-udp SPI [options] -E ENC KEY [-A AUTH KEY];
 * (delete == 1: delete SRC DST esp SPI;)
 */
static int tip_sk_add(tip_sk_t *ps, int del)
{
    tip_sa_params_t p;
    tip_sk_ep_t src, dst;
    tip_tk_t stmt = ps->tk, auth_tk, seq_tk, semi;
    uint8_t ekey[TIP_MAX_KEY_LEN], akey[TIP_MAX_KEY_LEN];
    const tip_sk_alg_t *enc = NULL, *auth = NULL;
    unsigned seen = 0;
    uint64_t v;
    int err, natt, dir = 0;

    memset(&p, 0, sizeof(p));
    memset(&auth_tk, 0, sizeof(auth_tk));
    memset(&seq_tk, 0, sizeof(seq_tk));
    p.mode = TIP_MODE_TRANSPORT;
    if ((err = tip_sk_next(ps)) != TIP_OK || (err = tip_sk_endpoint(ps, 0, &src)) != TIP_OK ||
        (err = tip_sk_next(ps)) != TIP_OK || (err = tip_sk_endpoint(ps, 0, &dst)) != TIP_OK)
        return err;
    if (dst.addr.family != src.addr.family)
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "address family of '", "' differs from SRC");
    if ((err = tip_sk_next(ps)) != TIP_OK)
        return err;
    natt = tip_tk_is(&ps->tk, "esp-udp");
    if (tip_tk_is(&ps->tk, "ah") || tip_tk_is(&ps->tk, "ipcomp"))
        return tip_sk_fail_tk(ps, TIP_ERR_UNSUPPORTED, "protocol ", " is not supported; use esp");
    if (!natt && !tip_tk_is(&ps->tk, "esp"))
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "expected esp or esp-udp, got '", "'");
    if (natt && !TIP_CONF_NATT)
        return tip_sk_fail_tk(ps, TIP_ERR_UNSUPPORTED, "", " needs TIP_CONF_NATT");
    if (!natt && !del && (src.has_port || dst.has_port))
        return tip_sk_fail(ps->err, TIP_ERR_PARSE, src.has_port ? src.line : dst.line,
                           src.has_port ? src.port_col : dst.port_col,
                           "ports are only for esp-udp (NAT-T)", NULL, 0, "");
    if (natt) {
        /* RFC 3948: ESP-in-UDP, normally port 4500 at both ends. */
        p.natt_sport = src.has_port ? src.port_lo : TIP_PORT_NATT;
        p.natt_dport = dst.has_port ? dst.port_lo : TIP_PORT_NATT;
        const tip_sk_ep_t *bad = src.has_port && (src.port_lo != src.port_hi || src.port_lo == 0)
                                     ? &src
                                 : dst.has_port && (dst.port_lo != dst.port_hi || dst.port_lo == 0)
                                     ? &dst
                                     : NULL;
        if (bad != NULL)
            return tip_sk_fail(ps->err, TIP_ERR_PARSE, bad->line, bad->port_col,
                               "esp-udp needs a UDP port 1..65535, not any", NULL, 0, "");
    }
    if ((err = tip_sk_next(ps)) != TIP_OK ||
        (err = tip_sk_num(ps, 0xFFFFFFFFu, "invalid SPI '", &v)) != TIP_OK)
        return err;
    if (v < 256u) /* RFC 4303 2.1: 1..255 reserved by IANA, 0 local use */
        return tip_sk_fail(ps->err, TIP_ERR_PARSE, ps->prev.line, ps->prev.col, "SPI '",
                           ps->prev.p, ps->prev.len, "' is reserved (RFC 4303 2.1); use 256 or more");
    p.spi = (uint32_t)v;
    p.src = src.addr;
    p.dst = dst.addr;

    if (del) {
        unsigned i;
        if ((err = tip_sk_end(ps)) != TIP_OK || ps->ctx == NULL)
            return err;
        for (i = 0; i < TIP_MAX_SA; i++) {
            const tip_sa_t *sa = &ps->ctx->sa[i];
            if (!sa->in_use || sa->spi != p.spi || !tip_addr_equal(&sa->src, &p.src) ||
                !tip_addr_equal(&sa->dst, &p.dst))
                continue;
            err = tip_sad_del(ps->ctx, tip_sa_handle(ps->ctx, sa));
            if (err != TIP_OK)
                tip_sk_fail(ps->err, err, stmt.line, stmt.col, "delete failed: ", NULL, 0,
                            tip_strerror(err));
            return err;
        }
        return tip_sk_fail(ps->err, TIP_ERR_NOT_FOUND, stmt.line, stmt.col,
                           "delete: no SA with this SPI, source and destination", NULL, 0, "");
    }

    while (ps->tk.kind == TIP_TK_WORD) {
        if (tip_sk_opt(ps, "-m", &seen, 1u, &err)) {
            if (err == TIP_OK && tip_tk_is(&ps->tk, "tunnel"))
                p.mode = TIP_MODE_TUNNEL;
            else if (err == TIP_OK && !tip_tk_is(&ps->tk, "transport") &&
                     !tip_tk_is(&ps->tk, "any"))
                err = tip_sk_fail_tk(ps, TIP_ERR_PARSE, "expected tunnel, transport or any, got '",
                                     "'");
            if (err == TIP_OK)
                err = tip_sk_next(ps);
        } else if (tip_sk_opt(ps, "-u", &seen, 2u, &err)) {
            if (err == TIP_OK && (err = tip_sk_num(ps, 0xFFFFFFFFu, "invalid reqid '", &v)) == 0)
                p.reqid = (uint32_t)v;
        } else if (tip_sk_opt(ps, "-r", &seen, 4u, &err)) {
            if (err == TIP_OK &&
                (err = tip_sk_num(ps, 0xFFFFFFFFu, "invalid replay window '", &v)) == 0) {
                /* setkey: 0 turns the check off (RFC 4303 3.4.3 lets a
                 * receiver do that); the SAD caps the size. */
                p.no_replay = v == 0;
                p.replay_window = (uint16_t)(v > 0xFFFFu ? 0xFFFFu : v);
            }
        } else if (tip_sk_opt(ps, "-ls", &seen, 8u, &err)) {
            if (err == TIP_OK && (err = tip_sk_num(ps, 0xFFFFFFFFu, "invalid lifetime '", &v)) == 0)
                p.soft.seconds = (uint32_t)v;
        } else if (tip_sk_opt(ps, "-lh", &seen, 16u, &err)) {
            if (err == TIP_OK && (err = tip_sk_num(ps, 0xFFFFFFFFu, "invalid lifetime '", &v)) == 0)
                p.hard.seconds = (uint32_t)v;
        } else if (tip_sk_opt(ps, "-bs", &seen, 32u, &err)) {
            if (err == TIP_OK && (err = tip_sk_num(ps, UINT64_MAX, "invalid byte count '", &v)) == 0)
                p.soft.bytes = v;
        } else if (tip_sk_opt(ps, "-bh", &seen, 64u, &err)) {
            if (err == TIP_OK && (err = tip_sk_num(ps, UINT64_MAX, "invalid byte count '", &v)) == 0)
                p.hard.bytes = v;
        } else if (tip_sk_opt(ps, "-dir", &seen, 128u, &err)) {
            if (err == TIP_OK && tip_tk_is(&ps->tk, "in"))
                dir = TIP_DIR_IN;
            else if (err == TIP_OK && tip_tk_is(&ps->tk, "out"))
                dir = TIP_DIR_OUT;
            else if (err == TIP_OK)
                err = tip_sk_fail_tk(ps, TIP_ERR_PARSE, "expected in or out, got '", "'");
            if (err == TIP_OK)
                err = tip_sk_next(ps);
        } else if (tip_sk_opt(ps, "-esn", &seen, 1024u, &err)) {
            p.esn = 1; /* RFC 4303 2.2.1: 64-bit sequence numbers */
        } else if (tip_sk_opt(ps, "-seq", &seen, 2048u, &err)) {
            if (err == TIP_OK &&
                (err = tip_sk_num(ps, UINT64_MAX, "invalid sequence number '", &v)) == 0) {
                p.seq_start = v;
                seq_tk = ps->prev;
            }
        } else if (tip_sk_opt(ps, "-E", &seen, 256u, &err)) {
            if (err == TIP_OK && (err = tip_sk_alg(ps, TIP_SK_ENC, &enc)) == TIP_OK) {
                /* False positive: enc is set, as alg in tip_sk_key(). */
                /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
                if (enc->len2 != 0)
                    err = tip_sk_key(ps, enc, ekey, &p.encr_key_len);
                else if (ps->tk.kind == TIP_TK_STRING && ps->tk.len == 0)
                    err = tip_sk_next(ps); /* null ""; setkey writes no key */
            }
        } else if (tip_sk_opt(ps, "-A", &seen, 512u, &err)) {
            auth_tk = ps->prev;
            if (err == TIP_OK && (err = tip_sk_alg(ps, TIP_SK_AUTH, &auth)) == TIP_OK)
                err = tip_sk_key(ps, auth, akey, &p.integ_key_len);
        } else if (ps->tk.p[0] == '-') {
            err = tip_sk_fail_tk(ps, TIP_ERR_PARSE, "unsupported option '", "'");
        } else {
            break;
        }
        if (err != TIP_OK)
            goto out;
    }
    if ((err = tip_sk_end(ps)) != TIP_OK)
        goto out;
    semi = ps->tk;
    err = TIP_ERR_PARSE;
    if (enc == NULL) {
        tip_sk_fail(ps->err, err, semi.line, semi.col, "missing -E (encryption algorithm and key)",
                    NULL, 0, "");
        goto out;
    }
    if (enc->aead && auth != NULL) {
        tip_sk_fail(ps->err, err, auth_tk.line, auth_tk.col, "", enc->canon,
                    strlen(enc->canon), " is an AEAD cipher: remove -A");
        goto out;
    }
    if (!enc->aead && auth == NULL) {
        tip_sk_fail(ps->err, err, semi.line, semi.col, "", enc->canon, strlen(enc->canon),
                    " needs an integrity algorithm (-A)");
        goto out;
    }
    if (!p.esn && p.seq_start > UINT32_MAX) {
        tip_sk_fail(ps->err, err, seq_tk.line, seq_tk.col, "sequence number '", seq_tk.p,
                    seq_tk.len, "' needs -esn (more than 32 bits)");
        goto out;
    }
    /* The direction is not in setkey's syntax: "-dir", else whichever end
     * of the SA is this host. */
    if (dir == 0) {
        int s_local = tip_sk_is_local(ps, &p.src), d_local = tip_sk_is_local(ps, &p.dst);
        const char *why = ps->opts == NULL || ps->opts->local_count == 0
                              ? "no local addresses declared: add -dir in|out"
                          : s_local && d_local ? "both addresses are local: add -dir in|out"
                          : !s_local && !d_local ? "neither address is local: add -dir in|out"
                                                 : NULL;
        if (why != NULL) {
            tip_sk_fail(ps->err, err, stmt.line, stmt.col, why, NULL, 0, "");
            goto out;
        }
        dir = d_local ? TIP_DIR_IN : TIP_DIR_OUT;
    }
    p.dir = (tip_dir_t)dir;
    p.encr = (tip_encr_t)enc->id;
    p.encr_key = ekey;
    p.integ = auth != NULL ? (tip_integ_t)auth->id : TIP_INTEG_NONE;
    p.integ_key = auth != NULL ? akey : NULL;
    err = TIP_OK;
    if (ps->ctx != NULL) {
        err = tip_sad_add(ps->ctx, &p, NULL);
        if (err != TIP_OK)
            tip_sk_fail(ps->err, err, stmt.line, stmt.col, "add failed: ", NULL, 0,
                        tip_strerror(err));
    }
out:
    /* Keys never outlive the statement (tip_crypto_zeroize: a memset of
     * buffers about to die would be optimised away). */
    tip_crypto_zeroize(ekey, sizeof(ekey));
    tip_crypto_zeroize(akey, sizeof(akey));
    return err;
}

/* ---- spdadd ----------------------------------------------------------- */

/* Upper-layer protocol names of setkey(8); 255 is its own "any". */
static int tip_sk_upper(tip_sk_t *ps, uint8_t *proto)
{
    static const struct {
        const char *name;
        uint8_t proto;
    } names[] = {{"any", 0},  {"icmp", 1},       {"tcp", 6},   {"udp", 17},
                 {"icmp6", 58}, {"ipv6-icmp", 58}, {"sctp", 132}};
    uint64_t v;
    size_t i;
    int err;

    err = tip_sk_need_word(ps, "expected an upper-layer protocol, got '");
    if (err != TIP_OK)
        return err;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (tip_tk_is(&ps->tk, names[i].name)) {
            *proto = names[i].proto;
            return tip_sk_next(ps);
        }
    }
    if (tip_sk_number(ps->tk.p, ps->tk.len, 255, &v) != 0)
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "unknown upper-layer protocol '",
                              "'; expected any, tcp, udp, sctp, icmp, icmp6 or a number");
    *proto = v == 255u ? 0u : (uint8_t)v;
    return tip_sk_next(ps);
}

/*
 * The rule after "ipsec": PROTO/MODE/[A-B]/LEVEL (setkey(8) "policy"), one
 * word. Only one rule, and only esp.
 */
static int tip_sk_rule(tip_sk_t *ps, tip_policy_t *pol)
{
    const tip_tk_t *t = &ps->tk;
    size_t part[5], plen[4], i, n = 1, dash;
    tip_addr_t a, b;
    const char *lv;
    uint64_t v;
    int err;

    err = tip_sk_need_word(ps, "expected a rule such as esp/transport//require, got '");
    if (err != TIP_OK)
        return err;
    part[0] = 0;
    for (i = 0; i < t->len && n < 5; i++) {
        if (t->p[i] == '/')
            part[n++] = i + 1;
    }
    if (n != 4)
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "invalid rule '",
                              "'; expected esp/tunnel/A-B/require or esp/transport//require");
    part[4] = t->len + 1;
    for (i = 0; i < 4; i++)
        plen[i] = part[i + 1] - part[i] - 1u;
    if (plen[0] == 2 && memcmp(t->p, "ah", 2) == 0)
        return tip_sk_fail_at(ps, TIP_ERR_UNSUPPORTED, 0, 2, "", " is not supported; use esp");
    if (plen[0] != 3 || memcmp(t->p, "esp", 3) != 0)
        return tip_sk_fail_at(ps, TIP_ERR_PARSE, 0, plen[0], "expected esp, got '", "'");
    if (plen[1] == 6 && memcmp(t->p + part[1], "tunnel", 6) == 0) {
        pol->mode = TIP_MODE_TUNNEL;
        for (dash = part[2]; dash < part[2] + plen[2] && t->p[dash] != '-'; dash++)
            ;
        if (plen[2] == 0)
            return tip_sk_fail_at(ps, TIP_ERR_PARSE, part[2], 0,
                                  "tunnel mode needs endpoints A-B", "");
        if (dash >= part[2] + plen[2])
            return tip_sk_fail_at(ps, TIP_ERR_PARSE, part[2], plen[2],
                                  "invalid tunnel endpoints '", "'; expected A-B");
        if (tip_sk_addr(t->p + part[2], dash - part[2], &a) != TIP_OK)
            return tip_sk_fail_at(ps, TIP_ERR_PARSE, part[2], dash - part[2],
                                  "invalid tunnel endpoint '", "'");
        if (tip_sk_addr(t->p + dash + 1, part[3] - dash - 2, &b) != TIP_OK)
            return tip_sk_fail_at(ps, TIP_ERR_PARSE, dash + 1, part[3] - dash - 2,
                                  "invalid tunnel endpoint '", "'");
        if (a.family != b.family)
            return tip_sk_fail_at(ps, TIP_ERR_PARSE, dash + 1, part[3] - dash - 2,
                                  "address family of '", "' differs from the other endpoint");
        /* A-B is outer source-destination: for "in" the peer sends from A. */
        pol->tunnel_local = pol->dir == TIP_DIR_OUT ? a : b;
        pol->tunnel_remote = pol->dir == TIP_DIR_OUT ? b : a;
    } else if (plen[1] == 9 && memcmp(t->p + part[1], "transport", 9) == 0) {
        pol->mode = TIP_MODE_TRANSPORT;
        if (plen[2] != 0)
            return tip_sk_fail_at(ps, TIP_ERR_PARSE, part[2], plen[2], "transport mode takes no "
                                  "endpoints: '", "'");
    } else {
        return tip_sk_fail_at(ps, TIP_ERR_PARSE, part[1], plen[1],
                              "expected tunnel or transport, got '", "'");
    }
    lv = t->p + part[3];
    if ((plen[3] == 7 && memcmp(lv, "require", 7) == 0) ||
        (plen[3] == 6 && memcmp(lv, "unique", 6) == 0))
        pol->reqid = 0; /* no automatic reqids: match by mode and endpoints */
    else if (plen[3] > 7 && memcmp(lv, "unique:", 7) == 0) {
        if (tip_sk_number(lv + 7, plen[3] - 7, 0xFFFFFFFFu, &v) != 0)
            return tip_sk_fail_at(ps, TIP_ERR_PARSE, part[3] + 7, plen[3] - 7,
                                  "invalid reqid '", "'");
        pol->reqid = (uint32_t)v;
    } else if ((plen[3] == 3 && memcmp(lv, "use", 3) == 0) ||
               (plen[3] == 7 && memcmp(lv, "default", 7) == 0))
        /* "use" sends in clear when no SA exists; tinyipsec never does. */
        return tip_sk_fail_at(ps, TIP_ERR_UNSUPPORTED, part[3], plen[3], "level '",
                              "' is not supported (never sends in clear); use require");
    else
        return tip_sk_fail_at(ps, TIP_ERR_PARSE, part[3], plen[3], "invalid level '",
                              "'; expected require, unique or unique:N");
    return tip_sk_next(ps);
}

/* spdadd SRC DST UPPER -P in|out ipsec RULE | none | discard; */
static int tip_sk_spdadd(tip_sk_t *ps)
{
    tip_tk_t stmt = ps->tk;
    tip_sk_ep_t src, dst;
    const tip_sk_ep_t *loc, *rem, *port_ep;
    tip_policy_t pol;
    int err;

    memset(&pol, 0, sizeof(pol));
    if ((err = tip_sk_next(ps)) != TIP_OK || (err = tip_sk_endpoint(ps, 1, &src)) != TIP_OK ||
        (err = tip_sk_next(ps)) != TIP_OK || (err = tip_sk_endpoint(ps, 1, &dst)) != TIP_OK)
        return err;
    if (dst.addr.family != src.addr.family)
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "address family of '", "' differs from SRC");
    if ((err = tip_sk_next(ps)) != TIP_OK || (err = tip_sk_upper(ps, &pol.sel.proto)) != TIP_OK)
        return err;
    /* Ports select only within protocols that have them. */
    port_ep = src.has_port && src.port_lo == src.port_hi   ? &src
              : dst.has_port && dst.port_lo == dst.port_hi ? &dst
                                                           : NULL;
    if (port_ep != NULL && (pol.sel.proto == 0 || pol.sel.proto == 1 || pol.sel.proto == 58))
        return tip_sk_fail(ps->err, TIP_ERR_PARSE, port_ep->line, port_ep->port_col,
                           "a port needs a protocol with ports (tcp, udp, sctp)", NULL, 0, "");
    if (!tip_tk_is(&ps->tk, "-P"))
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "expected -P, got '", "'");
    if ((err = tip_sk_next(ps)) != TIP_OK)
        return err;
    if (tip_tk_is(&ps->tk, "in"))
        pol.dir = TIP_DIR_IN;
    else if (tip_tk_is(&ps->tk, "out"))
        pol.dir = TIP_DIR_OUT;
    else
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "expected in or out, got '", "'");
    /* RFC 4301 4.4.1.1: selectors are local/remote; setkey's are
     * source/destination as on the wire. */
    loc = pol.dir == TIP_DIR_OUT ? &src : &dst;
    rem = pol.dir == TIP_DIR_OUT ? &dst : &src;
    (void)tip_addr_range_prefix(&pol.sel.local, &loc->addr, loc->prefix);
    (void)tip_addr_range_prefix(&pol.sel.remote, &rem->addr, rem->prefix);
    pol.sel.local_port_lo = loc->port_lo;
    pol.sel.local_port_hi = loc->port_hi;
    pol.sel.remote_port_lo = rem->port_lo;
    pol.sel.remote_port_hi = rem->port_hi;
    if ((err = tip_sk_next(ps)) != TIP_OK)
        return err;
    if (tip_tk_is(&ps->tk, "ipsec")) {
        pol.action = TIP_ACTION_PROTECT;
        if ((err = tip_sk_next(ps)) != TIP_OK || (err = tip_sk_rule(ps, &pol)) != TIP_OK)
            return err;
        if (ps->tk.kind == TIP_TK_WORD && memchr(ps->tk.p, '/', ps->tk.len) != NULL &&
            ps->tk.line == ps->prev.line)
            return tip_sk_fail_tk(ps, TIP_ERR_UNSUPPORTED, "a second rule '",
                                  "' is not supported: one esp rule per policy");
    } else if (tip_tk_is(&ps->tk, "none") || tip_tk_is(&ps->tk, "discard")) {
        pol.action = ps->tk.p[0] == 'n' ? TIP_ACTION_BYPASS : TIP_ACTION_DISCARD;
        if ((err = tip_sk_next(ps)) != TIP_OK)
            return err;
    } else {
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "expected ipsec, none or discard, got '", "'");
    }
    if ((err = tip_sk_end(ps)) != TIP_OK || ps->ctx == NULL)
        return err;
    err = tip_spd_add(ps->ctx, &pol, TIP_SPD_APPEND, NULL);
    if (err != TIP_OK)
        tip_sk_fail(ps->err, err, stmt.line, stmt.col, "spdadd failed: ", NULL, 0,
                    tip_strerror(err));
    return err;
}

/* ---- statements ------------------------------------------------------- */

static int tip_sk_run(tip_sk_t *ps)
{
    static const char *const known[] = {"get",       "deleteall", "dump",    "spddelete",
                                        "spdupdate", "spddump",   "update"};
    int err;
    size_t i;

    ps->err->statements = 0;
    if ((err = tip_sk_next(ps)) != TIP_OK)
        return err;
    while (ps->tk.kind != TIP_TK_EOF) {
        int empty = ps->tk.kind == TIP_TK_SEMI;

        if (empty) {
            err = TIP_OK; /* empty statement */
        } else if (tip_tk_is(&ps->tk, "add")) {
            err = tip_sk_add(ps, 0);
        } else if (tip_tk_is(&ps->tk, "delete")) {
            err = tip_sk_add(ps, 1);
        } else if (tip_tk_is(&ps->tk, "spdadd")) {
            err = tip_sk_spdadd(ps);
        } else if (tip_tk_is(&ps->tk, "flush") || tip_tk_is(&ps->tk, "spdflush")) {
            int spd = ps->tk.p[0] == 's';
            err = tip_sk_next(ps);
            if (err == TIP_OK && !spd && tip_tk_is(&ps->tk, "esp"))
                err = tip_sk_next(ps);
            if (err == TIP_OK)
                err = tip_sk_end(ps);
            if (err == TIP_OK && ps->ctx != NULL) {
                if (spd)
                    tip_spd_flush(ps->ctx);
                else
                    tip_sad_flush(ps->ctx);
            }
        } else {
            for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                if (tip_tk_is(&ps->tk, known[i]))
                    return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "statement '",
                                          "' is not supported");
            }
            return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "unknown statement '",
                                  "'; expected add, delete, flush, spdadd or spdflush");
        }
        if (err != TIP_OK)
            return err;
        if (!empty)
            ps->err->statements++;
        if ((err = tip_sk_next(ps)) != TIP_OK)
            return err;
    }
    return TIP_OK;
}

static int tip_sk_pass(tip_ctx_t *ctx, const char *text, size_t len,
                       const tip_setkey_opts_t *opts, tip_setkey_error_t *err)
{
    tip_sk_t ps;

    memset(&ps, 0, sizeof(ps));
    memset(err, 0, sizeof(*err));
    tip_lex_init(&ps.lx, text, len);
    ps.ctx = ctx;
    ps.opts = opts;
    ps.err = err;
    return tip_sk_run(&ps);
}

int tip_setkey_parse(const char *text, size_t len, const tip_setkey_opts_t *opts,
                     tip_setkey_error_t *err)
{
    tip_setkey_error_t local;

    if (err == NULL)
        err = &local;
    if (text == NULL && len != 0) {
        memset(err, 0, sizeof(*err));
        return err->code = TIP_ERR_ARG;
    }
    return tip_sk_pass(NULL, text != NULL ? text : "", len, opts, err);
}

int tip_setkey_apply(tip_ctx_t *ctx, const char *text, size_t len,
                     const tip_setkey_opts_t *opts, tip_setkey_error_t *err)
{
    int rc;

    TIP_ASSERT_CORE_LOCKED(ctx);
    if (ctx == NULL) {
        if (err != NULL) {
            memset(err, 0, sizeof(*err));
            err->code = TIP_ERR_ARG;
        }
        return TIP_ERR_ARG;
    }
    /* Validate everything first, so a typo on the last line changes nothing. */
    rc = tip_setkey_parse(text, len, opts, err);
    if (rc != TIP_OK)
        return rc;
    if (text == NULL)
        text = "";
    if (err == NULL) {
        tip_setkey_error_t local;
        return tip_sk_pass(ctx, text, len, opts, &local);
    }
    return tip_sk_pass(ctx, text, len, opts, err);
}

#else
typedef int tip_setkey_unused_t; /* ISO C wants a non-empty unit */
#endif /* TIP_CONF_SETKEY */
