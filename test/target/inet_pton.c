/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * inet_pton() for the bare-metal target tests (see include/arpa/inet.h):
 * dotted-quad IPv4, and IPv6 in the RFC 4291 2.2 text forms (hex groups,
 * one "::", an embedded dotted-quad at the end). Returns 1 on success, 0 for
 * text that is not an address of that family, -1 for another family.
 */
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

static int parse_v4(const char *s, const char *end, uint8_t out[4])
{
    int parts = 0;

    while (parts < 4) {
        unsigned v = 0;
        int digits = 0;

        while (s < end && *s >= '0' && *s <= '9') {
            if (digits > 0 && v == 0)
                return 0; /* no leading zeros */
            v = v * 10u + (unsigned)(*s - '0');
            if (v > 255u)
                return 0;
            s++;
            digits++;
        }
        if (digits == 0)
            return 0;
        out[parts++] = (uint8_t)v;
        if (parts < 4) {
            if (s >= end || *s != '.')
                return 0;
            s++;
        }
    }
    return s == end;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_v6(const char *s, uint8_t out[16])
{
    uint8_t words[16];
    int n = 0;        /* bytes parsed */
    int gap = -1;     /* byte index of "::" */
    const char *end = s + strlen(s);

    if (s[0] == ':') {
        if (s[1] != ':')
            return 0;
        gap = 0;
        s += 2;
    }
    while (s < end) {
        const char *p = s;
        unsigned v = 0;
        int digits = 0;

        while (p < end && hexval(*p) >= 0 && digits < 5) {
            v = (v << 4) | (unsigned)hexval(*p);
            p++;
            digits++;
        }
        if (p < end && *p == '.') {
            /* an embedded IPv4 address ends the text */
            if (n > 12 || !parse_v4(s, end, words + n))
                return 0;
            n += 4;
            s = end;
            break;
        }
        if (digits == 0 || digits > 4 || n > 14)
            return 0;
        words[n++] = (uint8_t)(v >> 8);
        words[n++] = (uint8_t)v;
        s = p;
        if (s == end)
            break;
        if (*s != ':')
            return 0;
        s++;
        if (*s == ':') {
            if (gap >= 0)
                return 0;
            gap = n;
            s++;
        } else if (s == end) {
            return 0; /* trailing single ':' */
        }
    }
    if (gap < 0) {
        if (n != 16)
            return 0;
        memcpy(out, words, 16);
        return 1;
    }
    if (n > 14)
        return 0;
    memset(out, 0, 16);
    memcpy(out, words, (size_t)gap);
    memcpy(out + 16 - (n - gap), words + gap, (size_t)(n - gap));
    return 1;
}

int inet_pton(int af, const char *src, void *dst)
{
    if (af == AF_INET)
        return parse_v4(src, src + strlen(src), dst);
    if (af == AF_INET6)
        return parse_v6(src, dst);
    return -1;
}
