/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux-gateway: configuration file parser (see conf.h and
 * gateway.conf.example for the keys).
 */
#define _POSIX_C_SOURCE 200809L
#include "conf.h"
#include "cert.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- small helpers ------------------------------------------------------ */

static int set_err(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Copy @p src into @p dst (always terminated); -1 when it does not fit. */
static int copy_text(char *dst, size_t dst_len, const char *src)
{
    size_t n = strlen(src);

    if (n >= dst_len)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

static int hex_nibble(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* "0x0a0b..." -> bytes. Returns the byte count, or -1. */
static int parse_hex(const char *text, uint8_t *out, size_t out_len)
{
    size_t n = strlen(text), i;

    if (n < 2 || n % 2 != 0 || n / 2 > out_len)
        return -1;
    for (i = 0; i < n / 2; i++) {
        int hi = hex_nibble((unsigned char)text[2 * i]);
        int lo = hex_nibble((unsigned char)text[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(n / 2);
}

static int parse_bool(const char *v, int *out)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
        !strcasecmp(v, "on")) {
        *out = 1;
        return 0;
    }
    if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
        !strcasecmp(v, "off")) {
        *out = 0;
        return 0;
    }
    return -1;
}

/* An unsigned number no larger than @p max. */
static int parse_uint(const char *v, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long n;

    if (!isdigit((unsigned char)v[0]))
        return -1;
    errno = 0;
    n = strtoul(v, &end, 10);
    if (errno != 0 || *end != '\0' || n > max)
        return -1;
    *out = n;
    return 0;
}

/* A duration: "90", "90s", "30m", "4h", "1d" -> seconds. */
static int parse_seconds(const char *v, uint32_t *out)
{
    char num[24];
    size_t n = strlen(v);
    unsigned long mult = 1, val;

    if (n == 0 || n >= sizeof(num))
        return -1;
    memcpy(num, v, n + 1);
    switch (num[n - 1]) {
    case 's':
        mult = 1;
        num[n - 1] = '\0';
        break;
    case 'm':
        mult = 60;
        num[n - 1] = '\0';
        break;
    case 'h':
        mult = 3600;
        num[n - 1] = '\0';
        break;
    case 'd':
        mult = 86400;
        num[n - 1] = '\0';
        break;
    default:
        break;
    }
    if (parse_uint(num, 0xFFFFFFFFul / mult, &val) != 0)
        return -1;
    *out = (uint32_t)(val * mult);
    return 0;
}

static int parse_port(const char *v, uint16_t *out)
{
    unsigned long n;

    if (parse_uint(v, 65535, &n) != 0 || n == 0)
        return -1;
    *out = (uint16_t)n;
    return 0;
}

/*
 * "10.1.0.0/24" or "2001:db8::/64" -> an address range. The prefix length is
 * required and the address must be the network's first one: "10.1.0.1/24"
 * (host bits set) is refused rather than silently widened. Returns 0, or -1
 * with the reason in @p why.
 */
static int parse_subnet(const char *v, tip_addr_range_t *r, char *why, size_t why_len)
{
    char addr[64], net[64];
    const char *slash = strchr(v, '/');
    size_t n = slash != NULL ? (size_t)(slash - v) : strlen(v);
    unsigned long prefix;
    tip_addr_t a, first;

    if (n == 0 || n >= sizeof(addr))
        return set_err(why, why_len, "expected a CIDR prefix such as 10.1.0.0/24");
    memcpy(addr, v, n);
    addr[n] = '\0';
    if (tip_addr_parse(&a, addr) != TIP_OK)
        return set_err(why, why_len, "%s is not an IPv4 or IPv6 address", addr);
    if (slash == NULL)
        return set_err(why, why_len, "no prefix length: write %s/%u for one address, or the "
                                     "network, e.g. 10.1.0.0/24",
                       addr, a.family == TIP_AF_INET ? 32u : 128u);
    if (parse_uint(slash + 1, a.family == TIP_AF_INET ? 32 : 128, &prefix) != 0)
        return set_err(why, why_len, "bad prefix length /%s (0..%u)", slash + 1,
                       a.family == TIP_AF_INET ? 32u : 128u);
    if (tip_addr_range_prefix(r, &a, (unsigned)prefix) != TIP_OK)
        return set_err(why, why_len, "expected a CIDR prefix such as 10.1.0.0/24");
    first = r->lo;
    if (memcmp(first.addr, a.addr, sizeof(a.addr)) != 0)
        return set_err(why, why_len, "%s has host bits set: the network is %s/%lu", v,
                       tip_addr_format(&first, net, sizeof(net)), prefix);
    return 0;
}

/*
 * "fqdn:left.test", "ipv4:10.99.0.1", "ipv6:2001:db8::1", "email:a@b.test",
 * "keyid:text" or "keyid:0x0102..". Without a type prefix the type is guessed
 * as strongSwan does: an address, an e-mail address with '@', else an FQDN.
 */
static int parse_identity(const char *v, tip_ike_identity_t *id)
{
    static const struct {
        const char *prefix;
        tip_id_type_t type;
    } kinds[] = {
        {"fqdn:", TIP_ID_FQDN},          {"ipv4:", TIP_ID_IPV4_ADDR},
        {"ipv6:", TIP_ID_IPV6_ADDR},     {"email:", TIP_ID_RFC822_ADDR},
        {"rfc822:", TIP_ID_RFC822_ADDR}, {"keyid:", TIP_ID_KEY_ID},
    };
    tip_addr_t a;
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t n = strlen(kinds[i].prefix);
        const char *rest = v + n;

        if (strncasecmp(v, kinds[i].prefix, n) != 0)
            continue;
        if (kinds[i].type == TIP_ID_KEY_ID && strncmp(rest, "0x", 2) == 0) {
            /* binary key id: tip_ike_id_set() takes text, so fill it directly */
            int len = parse_hex(rest + 2, id->data, sizeof(id->data));

            if (len <= 0)
                return -1;
            id->type = TIP_ID_KEY_ID;
            id->len = (uint8_t)len;
            return 0;
        }
        return tip_ike_id_set(id, kinds[i].type, rest) == TIP_OK ? 0 : -1;
    }
    if (tip_addr_parse(&a, v) == TIP_OK)
        return tip_ike_id_set(id, a.family == TIP_AF_INET ? TIP_ID_IPV4_ADDR : TIP_ID_IPV6_ADDR,
                              v) == TIP_OK
                   ? 0
                   : -1;
    return tip_ike_id_set(id, strchr(v, '@') != NULL ? TIP_ID_RFC822_ADDR : TIP_ID_FQDN, v) ==
                   TIP_OK
               ? 0
               : -1;
}

/* ---- algorithm names (strongSwan's spelling) ----------------------------- */

typedef struct {
    const char *name;
    tip_encr_t encr;
    uint16_t key_bits;
} encr_name_t;

static const encr_name_t encr_names[] = {
    {"aes128gcm16", TIP_ENCR_AES_GCM_16, 128},
    {"aes128gcm128", TIP_ENCR_AES_GCM_16, 128},
    {"aes256gcm16", TIP_ENCR_AES_GCM_16, 256},
    {"aes256gcm128", TIP_ENCR_AES_GCM_16, 256},
    {"chacha20poly1305", TIP_ENCR_CHACHA20_POLY1305, 256},
    {"aes128", TIP_ENCR_AES_CBC, 128},
    {"aes256", TIP_ENCR_AES_CBC, 256},
    {"null", TIP_ENCR_NULL, 0}, /* ESP only, and only with an integrity algorithm */
};

static const struct {
    const char *name;
    tip_integ_t integ;
    tip_prf_t prf; /* the PRF strongSwan derives from it in IKE proposals */
} integ_names[] = {
    {"sha256", TIP_INTEG_HMAC_SHA2_256_128, TIP_PRF_HMAC_SHA2_256},
    {"sha2_256", TIP_INTEG_HMAC_SHA2_256_128, TIP_PRF_HMAC_SHA2_256},
    {"sha384", TIP_INTEG_HMAC_SHA2_384_192, TIP_PRF_HMAC_SHA2_384},
    {"sha2_384", TIP_INTEG_HMAC_SHA2_384_192, TIP_PRF_HMAC_SHA2_384},
    {"sha512", TIP_INTEG_HMAC_SHA2_512_256, TIP_PRF_HMAC_SHA2_512},
    {"sha2_512", TIP_INTEG_HMAC_SHA2_512_256, TIP_PRF_HMAC_SHA2_512},
};

static const struct {
    const char *name;
    tip_prf_t prf;
} prf_names[] = {
    {"prfsha256", TIP_PRF_HMAC_SHA2_256},
    {"prfsha384", TIP_PRF_HMAC_SHA2_384},
    {"prfsha512", TIP_PRF_HMAC_SHA2_512},
};

static const struct {
    const char *name;
    tip_dh_group_t dh;
} dh_names[] = {
    {"x25519", TIP_DH_CURVE25519}, {"curve25519", TIP_DH_CURVE25519}, {"ecp256", TIP_DH_ECP_256},
    {"ecp384", TIP_DH_ECP_384},    {"modp2048", TIP_DH_MODP_2048},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int is_aead(tip_encr_t e)
{
    return e == TIP_ENCR_AES_GCM_16 || e == TIP_ENCR_CHACHA20_POLY1305;
}

/*
 * Algorithms strongSwan accepts that the gateway refuses, with the reason
 * (RFC 8221 for ESP, RFC 8247 for IKEv2). The library implements none of
 * them; naming the reason beats "unknown algorithm".
 */
static const struct {
    const char *name;
    const char *why;
} refused_names[] = {
    {"3des", "RFC 8221, RFC 8247: 64-bit block cipher, SHOULD NOT for ESP; use aes128gcm16"},
    {"des", "RFC 8221, RFC 8247: MUST NOT"},
    {"blowfish", "RFC 8221: MUST NOT"},
    {"blowfish128", "RFC 8221: MUST NOT"},
    {"blowfish256", "RFC 8221: MUST NOT"},
    {"cast128", "RFC 8221: MUST NOT"},
    {"md5", "RFC 8221, RFC 8247: MUST NOT; use sha256"},
    {"md5_128", "RFC 8221, RFC 8247: MUST NOT; use sha256"},
    {"sha1", "RFC 8221, RFC 8247: SHA-1 is being phased out (MUST-); use sha256"},
    {"sha", "RFC 8221, RFC 8247: SHA-1 is being phased out (MUST-); use sha256"},
    {"prfmd5", "RFC 8247: MUST NOT; use prfsha256"},
    {"prfsha1", "RFC 8247: SHA-1 is being phased out (MUST-); use prfsha256"},
    {"modp768", "RFC 8247: MUST NOT; use x25519 or ecp256"},
    {"modp1024", "RFC 8247: SHOULD NOT; use x25519, ecp256 or modp2048"},
    {"modp1536", "RFC 8247: SHOULD NOT; use x25519, ecp256 or modp2048"},
    {"modp1024s160", "RFC 8247: SHOULD NOT; use x25519 or ecp256"},
    {"modp2048s224", "RFC 8247: SHOULD NOT; use x25519 or ecp256"},
    {"modp2048s256", "RFC 8247: SHOULD NOT; use x25519 or ecp256"},
};

/*
 * Split @p text at '-' and classify each word. One algorithm of each kind:
 * the library's proposals carry a single transform per type, so alternatives
 * are written as separate proposals ("a,b"). @p esp selects the ESP rules
 * (PFS group and esn allowed, no PRF).
 */
typedef struct {
    tip_encr_t encr;
    uint16_t key_bits;
    tip_integ_t integ;
    tip_prf_t prf, integ_prf;
    tip_dh_group_t dh;
    int esn; /* -1 = not given */
} words_t;

/* -1 with "@p word: what" in @p why. */
static int word_err(char *why, size_t why_len, const char *word, const char *what)
{
    return set_err(why, why_len, "%s: %s", word, what);
}

static int parse_words(const char *text, int esp, words_t *w, char *why, size_t why_len)
{
    char buf[GW_TEXT_MAX], *word, *save = NULL;
    size_t i;

    memset(w, 0, sizeof(*w));
    w->esn = -1;
    if (copy_text(buf, sizeof(buf), text) != 0)
        return set_err(why, why_len, "proposal too long");
    for (word = strtok_r(buf, "-", &save); word != NULL; word = strtok_r(NULL, "-", &save)) {
        int found = 0;

        for (i = 0; i < COUNT(refused_names); i++)
            if (strcasecmp(word, refused_names[i].name) == 0) {
                set_err(why, why_len, "%s: refused (%s)", word, refused_names[i].why);
                return -1;
            }
        for (i = 0; i < COUNT(encr_names) && !found; i++) {
            if (strcasecmp(word, encr_names[i].name) != 0)
                continue;
            if (!esp && encr_names[i].encr == TIP_ENCR_NULL)
                return word_err(why, why_len, word, "ESP only (and only with an integrity "
                                                    "algorithm)");
            if (w->encr != TIP_ENCR_NONE)
                return word_err(why, why_len, word, "a second encryption algorithm (write "
                                                    "alternatives as separate proposals)");
            w->encr = encr_names[i].encr;
            w->key_bits = encr_names[i].key_bits;
            found = 1;
        }
        for (i = 0; i < COUNT(integ_names) && !found; i++) {
            if (strcasecmp(word, integ_names[i].name) != 0)
                continue;
            if (w->integ != TIP_INTEG_NONE)
                return word_err(why, why_len, word, "a second integrity algorithm (write "
                                                    "alternatives as separate proposals)");
            w->integ = integ_names[i].integ;
            w->integ_prf = integ_names[i].prf;
            found = 1;
        }
        for (i = 0; i < COUNT(prf_names) && !found; i++) {
            if (strcasecmp(word, prf_names[i].name) != 0)
                continue;
            if (esp)
                return word_err(why, why_len, word, "a PRF belongs in IKE proposals only");
            if (w->prf != TIP_PRF_NONE)
                return word_err(why, why_len, word, "a second PRF");
            w->prf = prf_names[i].prf;
            found = 1;
        }
        for (i = 0; i < COUNT(dh_names) && !found; i++) {
            if (strcasecmp(word, dh_names[i].name) != 0)
                continue;
            if (w->dh != TIP_DH_NONE)
                return word_err(why, why_len, word, "a second key exchange group (write "
                                                    "alternatives as separate proposals)");
            w->dh = dh_names[i].dh;
            found = 1;
        }
        if (!found && esp && (!strcasecmp(word, "esn") || !strcasecmp(word, "noesn"))) {
            if (w->esn != -1)
                return word_err(why, why_len, word, "esn or noesn given twice");
            w->esn = !strcasecmp(word, "esn");
            found = 1;
        }
        if (!found)
            return word_err(why, why_len, word, "unknown algorithm");
    }
    if (w->encr == TIP_ENCR_NONE) /* "null" must be written out */
        return set_err(why, why_len, "%s: no encryption algorithm", text);
    /* AEAD brings its own integrity; CBC and NULL need an HMAC */
    if (is_aead(w->encr) && w->integ != TIP_INTEG_NONE)
        return set_err(why, why_len, "%s: an AEAD cipher takes no integrity algorithm", text);
    if (!is_aead(w->encr) && w->integ == TIP_INTEG_NONE)
        return set_err(why, why_len, "%s: needs an integrity algorithm (e.g. -sha256)", text);
    return 0;
}

static int parse_ike_proposal(const char *text, tip_ike_proposal_t *p, char *why, size_t why_len)
{
    words_t w;

    if (parse_words(text, 0, &w, why, why_len) != 0)
        return -1;
    if (w.dh == TIP_DH_NONE)
        return set_err(why, why_len, "%s: needs a key exchange group (e.g. -x25519)", text);
    memset(p, 0, sizeof(*p));
    p->encr = w.encr;
    p->key_bits = w.key_bits;
    p->integ = w.integ;
    /* As in strongSwan: without "prfX" the PRF follows the integrity
     * algorithm; an AEAD proposal has none, so it must name its PRF. */
    p->prf = w.prf != TIP_PRF_NONE ? w.prf : w.integ_prf;
    p->dh = w.dh;
    if (p->prf == TIP_PRF_NONE)
        return set_err(why, why_len, "%s: an AEAD proposal needs a PRF (e.g. -prfsha256)", text);
    return 0;
}

static int parse_esp_proposal(const char *text, tip_child_proposal_t *p, char *why,
                              size_t why_len)
{
    words_t w;

    if (parse_words(text, 1, &w, why, why_len) != 0)
        return -1;
    memset(p, 0, sizeof(*p));
    p->encr = w.encr;
    p->key_bits = w.key_bits;
    p->integ = w.integ;
    p->pfs = w.dh;
    p->esn = w.esn == 1;
    return 0;
}

int gw_parse_ike_proposal(const char *text, tip_ike_proposal_t *p)
{
    char why[GW_TEXT_MAX];

    return parse_ike_proposal(text, p, why, sizeof(why));
}

int gw_parse_esp_proposal(const char *text, tip_child_proposal_t *p)
{
    char why[GW_TEXT_MAX];

    return parse_esp_proposal(text, p, why, sizeof(why));
}

static const char *encr_name(tip_encr_t e, uint16_t bits)
{
    size_t i;

    for (i = 0; i < COUNT(encr_names); i++)
        if (encr_names[i].encr == e && (encr_names[i].key_bits == bits ||
                                        e == TIP_ENCR_CHACHA20_POLY1305 || e == TIP_ENCR_NULL))
            return encr_names[i].name;
    return "?";
}

static const char *integ_name(tip_integ_t i)
{
    size_t k;

    for (k = 0; k < COUNT(integ_names); k++)
        if (integ_names[k].integ == i)
            return integ_names[k].name;
    return "?";
}

static const char *prf_name(tip_prf_t p)
{
    size_t k;

    for (k = 0; k < COUNT(prf_names); k++)
        if (prf_names[k].prf == p)
            return prf_names[k].name;
    return "?";
}

static const char *dh_name(tip_dh_group_t d)
{
    size_t k;

    for (k = 0; k < COUNT(dh_names); k++)
        if (dh_names[k].dh == d)
            return dh_names[k].name;
    return "?";
}

char *gw_ike_proposal_name(const tip_ike_proposal_t *p, char *out, size_t out_len)
{
    if (p->integ == TIP_INTEG_NONE)
        snprintf(out, out_len, "%s-%s-%s", encr_name(p->encr, p->key_bits), prf_name(p->prf),
                 dh_name(p->dh));
    else
        snprintf(out, out_len, "%s-%s-%s-%s", encr_name(p->encr, p->key_bits), integ_name(p->integ),
                 prf_name(p->prf), dh_name(p->dh));
    return out;
}

char *gw_esp_proposal_name(const tip_child_proposal_t *p, char *out, size_t out_len)
{
    int n = snprintf(out, out_len, "%s", encr_name(p->encr, p->key_bits));

    if (n >= 0 && (size_t)n < out_len && p->integ != TIP_INTEG_NONE)
        n += snprintf(out + n, out_len - (size_t)n, "-%s", integ_name(p->integ));
    if (n >= 0 && (size_t)n < out_len && p->pfs != TIP_DH_NONE)
        n += snprintf(out + n, out_len - (size_t)n, "-%s", dh_name(p->pfs));
    if (n >= 0 && (size_t)n < out_len && p->esn)
        snprintf(out + n, out_len - (size_t)n, "-esn");
    return out;
}

/* "a,b,c": up to TIP_IKE_MAX_PROPOSALS proposals, in order of preference. */
static int parse_proposal_list(const char *v, int esp, gw_conf_t *cf, char *why, size_t why_len)
{
    char buf[GW_TEXT_MAX], *item, *save = NULL;
    unsigned n = 0;

    if (copy_text(buf, sizeof(buf), v) != 0)
        return set_err(why, why_len, "too long");
    for (item = strtok_r(buf, ", ", &save); item != NULL; item = strtok_r(NULL, ", ", &save)) {
        if (n == TIP_IKE_MAX_PROPOSALS)
            return set_err(why, why_len, "more than %u proposals", (unsigned)TIP_IKE_MAX_PROPOSALS);
        if (esp ? parse_esp_proposal(item, &cf->conn.child[n], why, why_len)
                : parse_ike_proposal(item, &cf->conn.ike[n], why, why_len))
            return -1;
        n++;
    }
    if (n == 0)
        return set_err(why, why_len, "no proposal");
    if (esp) {
        cf->conn.child_count = (uint8_t)n;
        return copy_text(cf->esp_text, sizeof(cf->esp_text), v);
    }
    cf->conn.ike_count = (uint8_t)n;
    return copy_text(cf->ike_text, sizeof(cf->ike_text), v);
}

/* ---- the file ------------------------------------------------------------- */

void gw_conf_init(gw_conf_t *cf)
{
    memset(cf, 0, sizeof(*cf));
    tip_ike_conn_init(&cf->conn); /* tunnel mode, AES-GCM-128/SHA-256/X25519 */
    cf->tun_mtu = 1400;           /* 1500 minus ESP-in-UDP overhead, with margin */
    cf->log_level = TIP_LOG_WARN;
    cf->raw_esp = 1;
    cf->offload = 1;
    snprintf(cf->ike_text, sizeof(cf->ike_text), "aes128gcm16-prfsha256-x25519");
    snprintf(cf->esp_text, sizeof(cf->esp_text), "aes128gcm16");
}

/*
 * Apply one "key = value". Returns 0, or -1 with the reason: a fixed text in
 * *@p why, or (parsers that say more) a text written to @p why_buf with
 * *@p why left NULL.
 */
static int apply_key(gw_conf_t *cf, const char *key, const char *v, const char **why,
                     char *why_buf, size_t why_len)
{
    tip_ike_conn_t *c = &cf->conn;
    unsigned long n;
    int b;

    if (!strcmp(key, "local")) {
        *why = "expected an IPv4 or IPv6 address";
        return tip_addr_parse(&c->local_addr, v) == TIP_OK ? 0 : -1;
    }
    if (!strcmp(key, "peer")) {
        *why = "expected an address or \"any\"";
        if (!strcasecmp(v, "any") || !strcmp(v, "%any")) {
            memset(&c->remote_addr, 0, sizeof(c->remote_addr)); /* TIP_AF_NONE */
            return 0;
        }
        return tip_addr_parse(&c->remote_addr, v) == TIP_OK ? 0 : -1;
    }
    if (!strcmp(key, "local_port"))
        return parse_port(v, &c->local_port);
    if (!strcmp(key, "peer_port"))
        return parse_port(v, &c->remote_port);
    if (!strcmp(key, "local_natt_port"))
        return parse_port(v, &c->local_natt_port);
    if (!strcmp(key, "peer_natt_port"))
        return parse_port(v, &c->remote_natt_port);
    if (!strcmp(key, "local_id") || !strcmp(key, "remote_id")) {
        *why = "expected TYPE:VALUE (fqdn, ipv4, ipv6, email, keyid)";
        return parse_identity(v, key[0] == 'l' ? &c->local_id : &c->remote_id);
    }
    if (!strcmp(key, "psk")) {
        int len;

        *why = "empty, too long, or bad hex";
        if (strncmp(v, "0x", 2) == 0) {
            len = parse_hex(v + 2, c->psk, sizeof(c->psk));
        } else {
            len = (int)strlen(v);
            if (len > (int)sizeof(c->psk))
                return -1;
            memcpy(c->psk, v, (size_t)len);
        }
        if (len <= 0)
            return -1;
        c->psk_len = (uint8_t)len;
        return 0;
    }
    if (!strcmp(key, "cert") || !strcmp(key, "ca") || !strcmp(key, "key")) {
        /* certificate authentication: files read at the end of the file */
        *why = "too long";
        return copy_text(key[0] == 'c' ? (key[1] == 'e' ? cf->cert : cf->ca) : cf->key,
                         GW_TEXT_MAX, v);
    }
    if (!strcmp(key, "local_subnet") || !strcmp(key, "remote_subnet")) {
        int local = key[0] == 'l';

        if (parse_subnet(v, local ? &c->ts.local : &c->ts.remote, why_buf, why_len) != 0)
            return -1;
        *why = "too long";
        return copy_text(local ? cf->local_subnet : cf->remote_subnet, GW_TEXT_MAX, v);
    }
    if (!strcmp(key, "child")) {
        /* "child = 10.1.1.0/24 10.2.1.0/24": one more CHILD SA on the IKE SA
         * (RFC 7296 1.3.1), our side first */
        char l[GW_TEXT_MAX];
        const char *sp = strpbrk(v, " \t");
        size_t n = sp != NULL ? (size_t)(sp - v) : 0;
        unsigned k = c->ts_more_count;
        tip_selector_t *ts = &c->ts_more[k < TIP_IKE_TS_MORE_MAX ? k : 0];

        if (k + 1u >= TIP_IKE_CHILD_MAX)
            return set_err(why_buf, why_len, "at most %u \"child\" lines (TIP_IKE_CHILD_MAX %u)",
                           (unsigned)(TIP_IKE_CHILD_MAX - 1), (unsigned)TIP_IKE_CHILD_MAX);
        if (sp == NULL || n >= sizeof(l))
            return set_err(why_buf, why_len, "expected LOCAL_SUBNET REMOTE_SUBNET");
        memcpy(l, v, n);
        l[n] = '\0';
        while (*sp == ' ' || *sp == '\t')
            sp++;
        memset(ts, 0, sizeof(*ts));
        if (parse_subnet(l, &ts->local, why_buf, why_len) != 0 ||
            parse_subnet(sp, &ts->remote, why_buf, why_len) != 0)
            return -1;
        *why = "too long";
        if (copy_text(cf->child_local[k], GW_TEXT_MAX, l) != 0 ||
            copy_text(cf->child_remote[k], GW_TEXT_MAX, sp) != 0)
            return -1;
        c->ts_more_count = (uint8_t)(k + 1u);
        return 0;
    }
    if (!strcmp(key, "ike") || !strcmp(key, "esp")) {
        /* e.g. aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048 (IKE);
         * aes128gcm16, aes256-sha256, chacha20poly1305-x25519-esn (ESP) */
        return parse_proposal_list(v, key[0] == 'e', cf, why_buf, why_len);
    }
    if (!strcmp(key, "initiate")) {
        *why = "expected yes or no";
        return parse_bool(v, &cf->initiate);
    }
    if (!strcmp(key, "ike_rekey") || !strcmp(key, "child_rekey") || !strcmp(key, "dpd")) {
        uint32_t *dst = !strcmp(key, "dpd") ? &c->dpd_s
                        : key[0] == 'i'     ? &c->ike_rekey_s
                                            : &c->child_rekey_s;

        *why = "expected a duration such as 3600, 90s, 30m, 4h";
        return parse_seconds(v, dst);
    }
    if (!strcmp(key, "force_encap") || !strcmp(key, "restart") || !strcmp(key, "raw_esp")) {
        *why = "expected yes or no";
        if (parse_bool(v, &b) != 0)
            return -1;
        if (key[0] == 'f')
            c->force_encap = (uint8_t)b;
        else if (key[0] == 'r' && key[1] == 'e')
            c->restart = (uint8_t)b;
        else
            cf->raw_esp = b;
        return 0;
    }
    if (!strcmp(key, "offload")) {
        *why = "expected yes or no";
        return parse_bool(v, &cf->offload);
    }
    if (!strcmp(key, "mobike")) { /* RFC 4555; strongSwan: mobike = yes */
        *why = "expected yes or no";
        if (parse_bool(v, &b) != 0)
            return -1;
        c->no_mobike = (uint8_t)!b;
        return 0;
    }
    if (!strcmp(key, "fragmentation")) {
        *why = "expected yes or no";
        if (parse_bool(v, &b) != 0)
            return -1;
        c->no_frag = (uint8_t)!b;
        return 0;
    }
    if (!strcmp(key, "rsa_pss") || !strcmp(key, "initial_contact")) {
        *why = "expected yes or no";
        if (parse_bool(v, &b) != 0)
            return -1;
        if (key[0] != 'r') {
            c->no_initial_contact = (uint8_t)!b;
            return 0;
        }
#if TIP_CONF_IKE_CERT
        c->rsa_pss = (uint8_t)b;
#else
        *why = "this build has no certificate support (TIP_CONF_IKE_CERT=0)";
        if (b)
            return -1;
#endif
        return 0;
    }
    if (!strcmp(key, "fragment_size")) {
        *why = "expected 0 (RFC 7383 default) or 160..65535 bytes of IP datagram";
        if (parse_uint(v, 65535, &n) != 0 || (n != 0 && n < 160))
            return -1;
        c->frag_size = (uint16_t)n;
        return 0;
    }
    if (!strcmp(key, "retransmit_timeout")) {
        *why = "expected 0 (library default, 1000) or 50..60000 ms";
        if (parse_uint(v, 60000, &n) != 0 || (n != 0 && n < 50))
            return -1;
        c->retransmit_ms = (uint32_t)n;
        return 0;
    }
    if (!strcmp(key, "retransmit_tries")) {
        *why = "expected 0 (library default, 5) or 1..10";
        if (parse_uint(v, 10, &n) != 0)
            return -1;
        c->retransmit_tries = (uint8_t)n;
        return 0;
    }
    if (!strcmp(key, "tun")) {
        *why = "device name too long (15 characters at most)";
        return copy_text(cf->tun_name, sizeof(cf->tun_name), v);
    }
    if (!strcmp(key, "tun_mtu")) {
        *why = "expected 576..1500";
        if (parse_uint(v, 1500, &n) != 0 || n < 576)
            return -1;
        cf->tun_mtu = (unsigned)n;
        return 0;
    }
    if (!strcmp(key, "route_src")) {
        *why = "expected an address (one of ours, inside local_subnet)";
        return tip_addr_parse(&cf->route_src, v) == TIP_OK ? 0 : -1;
    }
    if (!strcmp(key, "log_level")) {
        static const char *const names[] = {"error", "warn", "info", "debug"};
        size_t i;

        *why = "expected none, error, warn, info or debug";
        if (!strcasecmp(v, "none")) {
            cf->log_level = -1;
            return 0;
        }
        for (i = 0; i < COUNT(names); i++)
            if (!strcasecmp(v, names[i])) {
                cf->log_level = (int)i;
                return 0;
            }
        return -1;
    }
    b = gw_conf_vip_key(cf, key, v, why);
    if (b != 1)
        return b;
    *why = "unknown key";
    return -1;
}

/* Apply one "key = value". Returns 0, or -1 with the reason in @p why_buf. */
static int apply(gw_conf_t *cf, const char *key, const char *v, char *why_buf, size_t why_len)
{
    const char *why = NULL;
    int r;

    why_buf[0] = '\0';
    r = apply_key(cf, key, v, &why, why_buf, why_len);
    if (r != 0 && why != NULL)
        snprintf(why_buf, why_len, "%s", why);
    else if (r != 0 && why_buf[0] == '\0')
        snprintf(why_buf, why_len, "invalid value");
    return r;
}

/* Trim blanks at both ends, in place. */
static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Cut a comment off @p line ('#' outside double quotes) and unquote the value. */
static int strip_value(char *v, char **out)
{
    char *p;

    v = trim(v);
    if (*v == '"') {
        p = strchr(v + 1, '"');
        if (p == NULL)
            return -1;
        *p = '\0';
        if (*trim(p + 1) != '\0' && *trim(p + 1) != '#')
            return -1;
        *out = v + 1;
        return 0;
    }
    p = strchr(v, '#');
    if (p != NULL)
        *p = '\0';
    *out = trim(v);
    return 0;
}

/* @p a lies in @p r (same family; addresses compare as big-endian bytes). */
static int addr_in_range(const tip_addr_t *a, const tip_addr_range_t *r)
{
    size_t n = a->family == TIP_AF_INET ? 4 : 16;

    return a->family == r->lo.family && memcmp(a->addr, r->lo.addr, n) >= 0 &&
           memcmp(a->addr, r->hi.addr, n) <= 0;
}

/*
 * The file holds the PSK: anyone who can read it can impersonate either
 * gateway. Returns a warning for a file that group or others may read.
 */
static void check_file_mode(FILE *f, const char *path, gw_conf_t *cf)
{
    struct stat st;

    if (fstat(fileno(f), &st) != 0 || (st.st_mode & (S_IRWXG | S_IRWXO)) == 0)
        return;
    snprintf(cf->warning, sizeof(cf->warning),
             "%s holds the pre-shared key but group or others may access it (mode %04o): "
             "chmod 600 %s",
             path, (unsigned)(st.st_mode & 07777), path);
}

/* A key already given on an earlier line: 0 for the first time. */
typedef struct {
    char key[32];
    unsigned line;
} seen_key_t;

static unsigned seen_before(seen_key_t *seen, size_t *n_seen, size_t max, const char *key,
                            unsigned line)
{
    size_t i;

    for (i = 0; i < *n_seen; i++)
        if (strcmp(seen[i].key, key) == 0)
            return seen[i].line;
    if (*n_seen < max && strlen(key) < sizeof(seen[0].key)) {
        snprintf(seen[*n_seen].key, sizeof(seen[0].key), "%s", key);
        seen[*n_seen].line = line;
        (*n_seen)++;
    }
    return 0;
}

int gw_conf_load(gw_conf_t *cf, const char *path, char *err, size_t err_len)
{
    char line[512], why[GW_TEXT_MAX + 64], text[64];
    seen_key_t seen[48];
    size_t n_seen = 0;
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return set_err(err, err_len, "%s: %s", path, strerror(errno));
    check_file_mode(f, path, cf);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *key, *eq, *value;
        unsigned first;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            fclose(f);
            return set_err(err, err_len, "%s:%u: line too long", path, lineno);
        }
        key = trim(line);
        if (*key == '\0' || *key == '#')
            continue;
        eq = strchr(key, '=');
        if (eq == NULL) {
            fclose(f);
            return set_err(err, err_len, "%s:%u: expected key = value", path, lineno);
        }
        *eq = '\0';
        key = trim(key);
        if (strip_value(eq + 1, &value) != 0 || *value == '\0') {
            fclose(f);
            return set_err(err, err_len, "%s:%u: %s: missing or badly quoted value", path, lineno,
                           key);
        }
        /* A second value would silently win over the first: refuse it
         * ("child" adds one subnet pair per line). */
        first = strcmp(key, "child") == 0
                    ? 0
                    : seen_before(seen, &n_seen, sizeof(seen) / sizeof(seen[0]), key, lineno);
        if (first != 0) {
            fclose(f);
            return set_err(err, err_len, "%s:%u: %s: given twice (first on line %u)", path,
                           lineno, key, first);
        }
        if (apply(cf, key, value, why, sizeof(why)) != 0) {
            fclose(f);
            return set_err(err, err_len, "%s:%u: %s: %s", path, lineno, key, why);
        }
    }
    fclose(f);

    /* what every connection needs */
    if (cf->conn.local_addr.family == TIP_AF_NONE)
        return set_err(err, err_len, "%s: \"local\" (our address) is required", path);
    if (cf->conn.remote_addr.family != TIP_AF_NONE &&
        cf->conn.remote_addr.family != cf->conn.local_addr.family)
        return set_err(err, err_len, "%s: \"local\" and \"peer\" differ in family", path);
    if (cf->initiate && cf->conn.remote_addr.family == TIP_AF_NONE)
        return set_err(err, err_len, "%s: initiate = yes needs a peer address", path);
    if (cf->cert[0] != '\0' || cf->ca[0] != '\0' || cf->key[0] != '\0') {
        char why[GW_TEXT_MAX + 64];

        if (cf->cert[0] == '\0' || cf->ca[0] == '\0' || cf->key[0] == '\0')
            return set_err(err, err_len, "%s: certificates need \"cert\", \"ca\" and \"key\"",
                           path);
        if (cf->conn.psk_len != 0)
            return set_err(err, err_len, "%s: \"psk\" and \"cert\" exclude each other", path);
        if (gw_cert_load(&cf->conn, cf->cert, cf->ca, cf->key, why, sizeof(why)) != 0)
            return set_err(err, err_len, "%s: %s", path, why);
    } else if (cf->conn.psk_len == 0) {
        return set_err(err, err_len, "%s: \"psk\" (or \"cert\", \"ca\" and \"key\") is required",
                       path);
    }
    if (cf->conn.local_id.type == TIP_ID_NONE || cf->conn.remote_id.type == TIP_ID_NONE)
        return set_err(err, err_len, "%s: \"local_id\" and \"remote_id\" are required", path);
    /* With a virtual address our side is that address (any until it comes). */
    if ((cf->local_subnet[0] == '\0' && cf->conn.vip_request == 0) || cf->remote_subnet[0] == '\0')
        return set_err(err, err_len, "%s: \"local_subnet\" (or \"vip\") and \"remote_subnet\" are required",
                       path);
    if (cf->local_subnet[0] == '\0')
        snprintf(cf->local_subnet, sizeof(cf->local_subnet), "(virtual address)");
    if (cf->conn.vip_request != 0 && cf->route_src.family != TIP_AF_NONE)
        return set_err(err, err_len, "%s: route_src and vip exclude each other (the virtual address is the source)", path);
    /* The route's source must match the outbound policy, or the gateway's
     * own packets to remote_subnet are dropped as no_policy. */
    if (cf->route_src.family != TIP_AF_NONE && !addr_in_range(&cf->route_src, &cf->conn.ts.local))
        return set_err(err, err_len, "%s: route_src %s is not inside local_subnet %s", path,
                       tip_addr_format(&cf->route_src, text, sizeof(text)), cf->local_subnet);
    return 0;
}

/* ---- printing ----------------------------------------------------------- */

static void print_identity(const char *key, const tip_ike_identity_t *id)
{
    tip_addr_t a;
    unsigned i;

    memset(&a, 0, sizeof(a));
    switch (id->type) {
    case TIP_ID_IPV4_ADDR:
    case TIP_ID_IPV6_ADDR: {
        char text[64];

        a.family = id->type == TIP_ID_IPV4_ADDR ? TIP_AF_INET : TIP_AF_INET6;
        memcpy(a.addr, id->data, id->len);
        printf("%s = %s:%s\n", key, id->type == TIP_ID_IPV4_ADDR ? "ipv4" : "ipv6",
               tip_addr_format(&a, text, sizeof(text)));
        return;
    }
    case TIP_ID_FQDN:
        printf("%s = fqdn:%.*s\n", key, (int)id->len, (const char *)id->data);
        return;
    case TIP_ID_RFC822_ADDR:
        printf("%s = email:%.*s\n", key, (int)id->len, (const char *)id->data);
        return;
    case TIP_ID_KEY_ID:
        printf("%s = keyid:0x", key);
        for (i = 0; i < id->len; i++)
            printf("%02x", id->data[i]);
        printf("\n");
        return;
    default:
        printf("%s = (none)\n", key);
    }
}

/* A configured port, or the standard one for 0. */
static unsigned port_or(uint16_t port, unsigned standard)
{
    return port != 0 ? port : standard;
}

void gw_conf_print(const gw_conf_t *cf)
{
    const tip_ike_conn_t *c = &cf->conn;
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    char a[64], name[GW_TEXT_MAX];
    unsigned i;

    printf("local = %s\n", tip_addr_format(&c->local_addr, a, sizeof(a)));
    printf("peer = %s\n", tip_addr_format(&c->remote_addr, a, sizeof(a)));
    printf("local_port = %u\npeer_port = %u\n", port_or(c->local_port, TIP_PORT_IKE),
           port_or(c->remote_port, TIP_PORT_IKE));
    printf("local_natt_port = %u\npeer_natt_port = %u\n",
           port_or(c->local_natt_port, TIP_PORT_NATT), port_or(c->remote_natt_port, TIP_PORT_NATT));
    print_identity("local_id", &c->local_id);
    print_identity("remote_id", &c->remote_id);
    if (cf->cert[0] != '\0')
        printf("cert = %s\nca = %s\nkey = %s\n", cf->cert, cf->ca, cf->key);
    else
        printf("psk = (%u bytes)\n", (unsigned)c->psk_len);
    printf("local_subnet = %s\nremote_subnet = %s\n", cf->local_subnet, cf->remote_subnet);
    for (i = 0; i < c->ts_more_count; i++)
        printf("child = %s %s\n", cf->child_local[i], cf->child_remote[i]);
    printf("ike = ");
    for (i = 0; i < c->ike_count; i++)
        printf("%s%s", i ? "," : "", gw_ike_proposal_name(&c->ike[i], name, sizeof(name)));
    printf("\nesp = ");
    for (i = 0; i < c->child_count; i++)
        printf("%s%s", i ? "," : "", gw_esp_proposal_name(&c->child[i], name, sizeof(name)));
    printf("\ninitiate = %s\n", cf->initiate ? "yes" : "no");
    printf("ike_rekey = %us\nchild_rekey = %us\ndpd = %us\n", (unsigned)c->ike_rekey_s,
           (unsigned)c->child_rekey_s, (unsigned)c->dpd_s);
    printf("force_encap = %s\nrestart = %s\nraw_esp = %s\noffload = %s\n",
           c->force_encap ? "yes" : "no", c->restart ? "yes" : "no", cf->raw_esp ? "yes" : "no",
           cf->offload ? "yes" : "no");
    printf("fragmentation = %s\nfragment_size = %u\n", c->no_frag ? "no" : "yes",
           (unsigned)c->frag_size);
#if TIP_CONF_IKE_CERT
    printf("rsa_pss = %s\n", c->rsa_pss ? "yes" : "no");
#endif
    printf("initial_contact = %s\nmobike = %s\n",
           c->no_initial_contact ? "no" : "yes", c->no_mobike ? "no" : "yes");
    printf("retransmit_timeout = %ums\nretransmit_tries = %u\n", (unsigned)c->retransmit_ms,
           (unsigned)c->retransmit_tries);
    printf("tun = %s\ntun_mtu = %u\n", cf->tun_name[0] ? cf->tun_name : "tip%d", cf->tun_mtu);
    if (cf->route_src.family != TIP_AF_NONE)
        printf("route_src = %s\n", tip_addr_format(&cf->route_src, a, sizeof(a)));
    printf("log_level = %s\n",
           cf->log_level >= 0 && cf->log_level <= 3 ? levels[cf->log_level] : "none");
    gw_conf_vip_print(cf);
}
