/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: tip_addr_parse() / tip_addr_format() round trips.
 *
 *  1. The input as text (NUL-terminated copy): when it parses, formatting
 *     and parsing again gives the same address, and formatting is a fixed
 *     point (format(parse(format(a))) == format(a)).
 *  2. The first 17 bytes as a raw tip_addr_t: every IPv4 / IPv6 address
 *     formats to text that parses back to it; short output buffers give
 *     either the whole text or "", never a truncated address.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyipsec/tinyipsec.h"

/* Report the failed check, then trap so libFuzzer saves the input. */
#define FZ_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                             \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

static int fz_addr_eq(const tip_addr_t *a, const tip_addr_t *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Formats @p a, checks the result's shape, and returns its length. */
static size_t fz_format(const tip_addr_t *a, char out[64])
{
    size_t n;

    memset(out, 'X', 64);
    FZ_CHECK(tip_addr_format(a, out, 46) == out);
    FZ_CHECK(memchr(out, '\0', 64) != NULL);
    n = (size_t)((const char *)memchr(out, '\0', 64) - out);
    FZ_CHECK(n < 46);
    return n;
}

static void fz_roundtrip(const tip_addr_t *a)
{
    char text[64], text2[64], small[64];
    tip_addr_t b;
    size_t n, i;

    n = fz_format(a, text);
    FZ_CHECK(n > 0);
    memset(&b, 0xEE, sizeof(b));
    FZ_CHECK(tip_addr_parse(&b, text) == TIP_OK);
    FZ_CHECK(fz_addr_eq(a, &b));
    FZ_CHECK(fz_format(&b, text2) == n && memcmp(text, text2, n) == 0);
    /* Every smaller buffer: the whole text or nothing. */
    for (i = 1; i <= n + 1; i++) {
        char *buf = malloc(i); /* exact size: ASan catches a write past it */
        if (buf == NULL)
            abort();
        FZ_CHECK(tip_addr_format(a, buf, i) == buf);
        if (i > n)
            FZ_CHECK(strcmp(buf, text) == 0);
        else
            FZ_CHECK(buf[0] == '\0');
        memcpy(small, buf, 1);
        free(buf);
    }
    (void)small;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    tip_addr_t a;
    int rc;

    /* 1. Text. */
    s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    memset(&a, 0xEE, sizeof(a));
    rc = tip_addr_parse(&a, s);
    FZ_CHECK(rc == TIP_OK || rc == TIP_ERR_ARG);
    if (rc == TIP_OK) {
        static const uint8_t zero[12];
        FZ_CHECK(a.family == TIP_AF_INET || a.family == TIP_AF_INET6);
        if (a.family == TIP_AF_INET)
            FZ_CHECK(memcmp(a.addr + 4, zero, 12) == 0);
        /* Accepted text never contains a NUL inside it or blanks. */
        FZ_CHECK(strpbrk(s, " \t\r\n%") == NULL);
        fz_roundtrip(&a);
    } else {
        /* A failed parse leaves the output alone. */
        uint8_t ee[sizeof(a)];
        memset(ee, 0xEE, sizeof(ee));
        FZ_CHECK(memcmp(&a, ee, sizeof(a)) == 0);
    }
    free(s);

    /* 2. Raw address bytes. */
    if (size >= 17) {
        memset(&a, 0, sizeof(a));
        a.family = data[0] & 1 ? TIP_AF_INET6 : TIP_AF_INET;
        memcpy(a.addr, data + 1, a.family == TIP_AF_INET ? 4 : 16);
        fz_roundtrip(&a);
    }
    {
        /* Anything that is not IPv4/IPv6 formats as "any". */
        char text[64];
        memset(&a, 0, sizeof(a));
        a.family = size > 0 ? data[0] : 0;
        if (a.family != TIP_AF_INET && a.family != TIP_AF_INET6) {
            FZ_CHECK(fz_format(&a, text) == 3 && memcmp(text, "any", 3) == 0);
        }
    }
    return 0;
}
