/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Text forms of IPv4 and IPv6 addresses, without the C library's
 * inet_pton()/inet_ntop() (the core never includes OS headers).
 *
 * Parsing is strict: IPv4 is exactly four decimal octets without leading
 * zeros (RFC 6943 3.1.1: "010" would be octal to inet_aton and decimal to
 * others, so it is refused); IPv6 follows RFC 4291 2.2 (1-4 hex digits per
 * group, one "::", an embedded dotted quad in the last 32 bits). Zone
 * identifiers ("%eth0"), surrounding blanks and any other junk are refused.
 *
 * Formatting follows RFC 5952 4: lowercase, no leading zeros, the longest
 * run of two or more zero groups compressed to "::" (the first on a tie), and
 * the mixed notation of RFC 5952 5 for IPv4-mapped addresses
 * (::ffff:192.0.2.1).
 */
#include <string.h>

#include "tinyipsec/tinyipsec.h"

#if TIP_CONF_IPV6
static int tip_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
#endif

/* Parses a dotted quad that must end the string. */
static int tip_parse_v4(const char *s, uint8_t out[4])
{
    unsigned part;

    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;

        if (part > 0) {
            if (*s != '.')
                return TIP_ERR_ARG;
            s++;
        }
        while (*s >= '0' && *s <= '9') {
            if (digits == 1 && v == 0)
                return TIP_ERR_ARG; /* leading zero */
            v = v * 10u + (unsigned)(*s - '0');
            if (v > 255u)
                return TIP_ERR_ARG;
            digits++;
            s++;
        }
        if (digits == 0)
            return TIP_ERR_ARG;
        out[part] = (uint8_t)v;
    }
    return *s == '\0' ? TIP_OK : TIP_ERR_ARG;
}

#if TIP_CONF_IPV6
/* RFC 4291 2.2 forms 1-3. */
static int tip_parse_v6(const char *s, uint8_t out[16])
{
    uint8_t b[16];
    size_t n = 0;   /* 16-bit groups stored */
    int gap = -1;   /* group index where "::" stands */

    memset(b, 0, sizeof(b));
    if (s[0] == ':') {
        if (s[1] != ':')
            return TIP_ERR_ARG;
        gap = 0;
        s += 2;
    }
    while (*s != '\0') {
        const char *start = s;
        unsigned v = 0, digits = 0;

        while (tip_hexval(*s) >= 0) {
            v = (v << 4) | (unsigned)tip_hexval(*s);
            digits++;
            s++;
            if (digits > 4)
                return TIP_ERR_ARG;
        }
        if (*s == '.') {
            /* Embedded IPv4 (RFC 4291 2.2 form 3): the last 32 bits. */
            if (n > 6 || tip_parse_v4(start, &b[n * 2]) != TIP_OK)
                return TIP_ERR_ARG;
            n += 2;
            break;
        }
        if (digits == 0 || n >= 8)
            return TIP_ERR_ARG;
        b[n * 2] = (uint8_t)(v >> 8);
        b[n * 2 + 1] = (uint8_t)v;
        n++;
        if (*s == '\0')
            break;
        if (*s != ':')
            return TIP_ERR_ARG;
        s++;
        if (*s == ':') {
            if (gap >= 0)
                return TIP_ERR_ARG; /* a second "::" */
            gap = (int)n;
            s++;
        } else if (*s == '\0') {
            return TIP_ERR_ARG; /* trailing single ':' */
        }
    }
    if (gap >= 0) {
        /* "::" stands for one or more zero groups. */
        size_t tail = (n - (unsigned)gap) * 2u;

        if (n > 7)
            return TIP_ERR_ARG;
        memmove(&b[16 - tail], &b[(size_t)gap * 2u], tail);
        memset(&b[(size_t)gap * 2u], 0, 16 - tail - (size_t)gap * 2u);
    } else if (n != 8) {
        return TIP_ERR_ARG;
    }
    memcpy(out, b, 16);
    return TIP_OK;
}
#endif

int tip_addr_parse(tip_addr_t *out, const char *text)
{
    tip_addr_t a;

    if (out == NULL || text == NULL)
        return TIP_ERR_ARG;
    memset(&a, 0, sizeof(a));
    if (tip_parse_v4(text, a.addr) == TIP_OK) {
        a.family = TIP_AF_INET;
#if TIP_CONF_IPV6
    } else if (tip_parse_v6(text, a.addr) == TIP_OK) {
        a.family = TIP_AF_INET6;
#endif
    } else {
        return TIP_ERR_ARG;
    }
    *out = a;
    return TIP_OK;
}

/* Appends decimal @p v (0..255) at @p p; returns the new end. */
static char *tip_put_dec(char *p, unsigned v)
{
    if (v >= 100u)
        *p++ = (char)('0' + v / 100u);
    if (v >= 10u)
        *p++ = (char)('0' + v / 10u % 10u);
    *p++ = (char)('0' + v % 10u);
    return p;
}

static char *tip_put_v4(char *p, const uint8_t *a)
{
    unsigned i;

    for (i = 0; i < 4; i++) {
        if (i > 0)
            *p++ = '.';
        p = tip_put_dec(p, a[i]);
    }
    return p;
}

static char *tip_put_v6(char *p, const uint8_t *a)
{
    static const char hex[] = "0123456789abcdef";
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    size_t groups = 8, i;
    int best = -1, best_len = 1, run = -1, run_len = 0;

    /* RFC 5952 5: IPv4-mapped addresses end in a dotted quad. */
    if (memcmp(a, mapped, sizeof(mapped)) == 0)
        groups = 6;
    /* RFC 5952 4.2: compress the longest run (>= 2) of zero groups, the
     * first one on a tie. */
    for (i = 0; i < groups; i++) {
        if (a[i * 2] == 0 && a[i * 2 + 1] == 0) {
            if (run < 0) {
                run = (int)i;
                run_len = 0;
            }
            run_len++;
            if (run_len > best_len) {
                best = run;
                best_len = run_len;
            }
        } else {
            run = -1;
        }
    }
    for (i = 0; i < groups; i++) {
        unsigned v = (unsigned)a[i * 2] << 8 | a[i * 2 + 1];
        int shift, started = 0;

        if (best >= 0 && (int)i == best) {
            *p++ = ':';
            *p++ = ':';
            i += (unsigned)best_len - 1u;
            continue;
        }
        if (i > 0 && !(best >= 0 && (int)i == best + best_len))
            *p++ = ':';
        for (shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (v >> shift) & 0xFu;
            if (d != 0 || started || shift == 0) {
                *p++ = hex[d];
                started = 1;
            }
        }
    }
    if (groups == 6) {
        if (!(best >= 0 && best + best_len == 6))
            *p++ = ':';
        p = tip_put_v4(p, a + 12);
    }
    return p;
}

char *tip_addr_format(const tip_addr_t *a, char *out, size_t out_len)
{
    char tmp[48]; /* longest IPv6 text is 45 characters */
    char *end;
    size_t n;

    if (out == NULL || out_len == 0)
        return out;
    if (a == NULL || (a->family != TIP_AF_INET && a->family != TIP_AF_INET6)) {
        end = tmp;
        memcpy(end, "any", 3);
        end += 3;
    } else if (a->family == TIP_AF_INET) {
        end = tip_put_v4(tmp, a->addr);
    } else {
        end = tip_put_v6(tmp, a->addr);
    }
    n = (size_t)(end - tmp);
    if (n >= out_len)
        n = 0; /* too small: an empty string, never a truncated address */
    memcpy(out, tmp, n);
    out[n] = '\0';
    return out;
}
