/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: the IKEv2 message codec (src/ike/ike_msg.h).
 *
 *  1. The input as a whole IKE message: tip_ike_msg_parse(), then every
 *     payload through the body parser of its type (SA proposals and
 *     transforms, TS selectors and CP attributes iterated to the end, SK/SKF
 *     split with a few IV/ICV/block shapes). Every view must lie inside the
 *     input, and the input must not change.
 *  2. The input as a decrypted SK content: byte 0 is the first payload type,
 *     the rest a bare chain (tip_ike_chain_parse() without SK).
 *  3. Every body parser on the raw input, so that each sees short and odd
 *     lengths directly.
 * Seeds: test/fuzz/corpus/fuzz_ike_msg (written by test_tshark_ike_gen).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_msg.h"

/* Report the failed check, then trap so libFuzzer saves the input. */
#define FZ_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                             \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

static const uint8_t *g_lo, *g_hi;

/* [p, p+n) lies within the current input. */
static void in_bounds(const uint8_t *p, size_t n)
{
    if (n == 0) {
        return;
    }
    FZ_CHECK(p != NULL && p >= g_lo && p <= g_hi && n <= (size_t)(g_hi - p));
}

static void fz_sa(const uint8_t *b, size_t n)
{
    tip_ike_sa_iter_t it;
    tip_ike_prop_t p;
    tip_ike_xf_t xf;
    unsigned count = 0, np = 0;
    int rc, vrc;

    tip_ike_sa_iter_init(&it, b, n);
    while ((rc = tip_ike_sa_next(&it, &p)) == 1) {
        size_t pos = 0;
        unsigned nx = 0;
        int xrc;

        count++;
        FZ_CHECK(p.num_xf >= 1);
        in_bounds(p.spi, p.spi_size);
        in_bounds(p.xf, p.xf_len);
        /* sa_next validated the transforms: iterating cannot fail */
        while ((xrc = tip_ike_prop_xf_next(&p, &pos, &xf)) == 1) {
            nx++;
            FZ_CHECK(xf.has_key_len || xf.key_len == 0);
        }
        FZ_CHECK(xrc == 0);
        FZ_CHECK(nx == p.num_xf);
        FZ_CHECK(count < 256);
    }
    FZ_CHECK(rc == 0 || rc == TIP_ERR_MALFORMED);
    vrc = tip_ike_sa_validate(b, n, &np);
    FZ_CHECK((vrc == TIP_OK) == (rc == 0));
    if (vrc == TIP_OK) {
        FZ_CHECK(np == count && np >= 1);
    }
}

static void fz_ts(const uint8_t *b, size_t n)
{
    tip_ike_ts_t ts;
    size_t pos = 0;
    unsigned count = 0, k = 0;
    int rc;

    rc = tip_ike_ts_parse(b, n, &count);
    FZ_CHECK(rc == TIP_OK || rc == TIP_ERR_MALFORMED);
    while (tip_ike_ts_next(b, n, &pos, &ts) == 1) {
        FZ_CHECK(pos <= n);
        k++;
        if (ts.type == TIP_IKE_TS_IPV4_ADDR_RANGE || ts.type == TIP_IKE_TS_IPV6_ADDR_RANGE) {
            FZ_CHECK(ts.opaque || ts.port_lo <= ts.port_hi);
            FZ_CHECK(memcmp(ts.addr.lo.addr, ts.addr.hi.addr, 16) <= 0);
        }
    }
    if (rc == TIP_OK) {
        FZ_CHECK(k == count);
    }
}

static void fz_cp(const uint8_t *b, size_t n)
{
    tip_ike_cp_t cp;
    tip_ike_cp_attr_t a;
    size_t pos = 0;
    int rc;

    if (tip_ike_cp_parse(b, n, &cp) != TIP_OK) {
        return;
    }
    in_bounds(cp.attrs, cp.len);
    while ((rc = tip_ike_cp_attr_next(&cp, &pos, &a)) == 1) {
        in_bounds(a.value, a.len);
    }
    FZ_CHECK(rc == 0);
}

static void fz_sk(const uint8_t *b, size_t n, int skf)
{
    static const size_t shapes[][3] = {{16, 16, 16}, {8, 16, 1}, {8, 16, 4}, {0, 0, 1}, {16, 0, 8}};
    tip_ike_sk_t sk;
    size_t i;

    for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        int rc = skf ? tip_ike_skf_split(b, n, shapes[i][0], shapes[i][1], shapes[i][2], &sk)
                     : tip_ike_sk_split(b, n, shapes[i][0], shapes[i][1], shapes[i][2], &sk);
        if (rc == TIP_OK) {
            in_bounds(sk.iv, shapes[i][0]);
            in_bounds(sk.ct, sk.ct_len);
            in_bounds(sk.icv, shapes[i][1]);
            FZ_CHECK(sk.ct_len >= 1);
        }
    }
}

/* Every body parser on one body. */
static void fz_body(uint8_t type, const uint8_t *b, size_t n)
{
    tip_ike_ke_t ke;
    tip_ike_id_t id;
    tip_ike_auth_t au;
    tip_ike_notify_t no;
    tip_ike_delete_t d;
    tip_ike_cert_t c;
    tip_ike_eap_t e;
    const uint8_t *p;
    size_t pl;
    unsigned i;

    switch (type) {
    case TIP_IKE_PL_SA:
        fz_sa(b, n);
        break;
    case TIP_IKE_PL_KE:
        if (tip_ike_ke_parse(b, n, &ke) == TIP_OK) {
            in_bounds(ke.data, ke.len);
        }
        break;
    case TIP_IKE_PL_IDI:
    case TIP_IKE_PL_IDR:
        if (tip_ike_id_parse(b, n, &id) == TIP_OK) {
            in_bounds(id.data, id.len);
            in_bounds(id.body, id.body_len);
        }
        break;
    case TIP_IKE_PL_CERT:
    case TIP_IKE_PL_CERTREQ:
        if (tip_ike_cert_parse(b, n, type == TIP_IKE_PL_CERTREQ, &c) == TIP_OK) {
            in_bounds(c.data, c.len);
        }
        break;
    case TIP_IKE_PL_AUTH:
        if (tip_ike_auth_parse(b, n, &au) == TIP_OK) {
            in_bounds(au.data, au.len);
        }
        break;
    case TIP_IKE_PL_NONCE:
        if (tip_ike_nonce_parse(b, n, &p, &pl) == TIP_OK) {
            in_bounds(p, pl);
        }
        break;
    case TIP_IKE_PL_N:
        if (tip_ike_notify_parse(b, n, &no) == TIP_OK) {
            in_bounds(no.spi, no.spi_size);
            in_bounds(no.data, no.len);
        }
        break;
    case TIP_IKE_PL_D:
        if (tip_ike_delete_parse(b, n, &d) == TIP_OK) {
            in_bounds(d.spis, (size_t)d.count * d.spi_size);
            for (i = 0; i <= d.count && i < 64; i++) {
                (void)tip_ike_delete_spi(&d, i);
            }
        }
        break;
    case TIP_IKE_PL_V:
        if (tip_ike_vendor_parse(b, n, &p, &pl) == TIP_OK) {
            in_bounds(p, pl);
        }
        break;
    case TIP_IKE_PL_TSI:
    case TIP_IKE_PL_TSR:
        fz_ts(b, n);
        break;
    case TIP_IKE_PL_SK:
        fz_sk(b, n, 0);
        break;
    case TIP_IKE_PL_SKF:
        fz_sk(b, n, 1);
        break;
    case TIP_IKE_PL_CP:
        fz_cp(b, n);
        break;
    case TIP_IKE_PL_EAP:
        if (tip_ike_eap_parse(b, n, &e) == TIP_OK) {
            in_bounds(e.data, e.len);
        }
        break;
    default:
        break;
    }
}

static void fz_chain(const tip_ike_msg_t *m, size_t len)
{
    unsigned i;

    FZ_CHECK(m->count <= TIP_IKE_MAX_PAYLOADS);
    for (i = 0; i < m->count; i++) {
        const tip_ike_pl_t *pl = &m->pl[i];

        FZ_CHECK((size_t)pl->off + pl->len <= len);
        FZ_CHECK(pl->off >= TIP_IKE_GEN_HDR_LEN);
        fz_body(pl->type, tip_ike_pl_body(m, pl), pl->len);
        FZ_CHECK(tip_ike_msg_find(m, pl->type, 0) != NULL);
    }
    if (m->sk_index >= 0) {
        FZ_CHECK(m->sk_index == (int)m->count - 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tip_ike_msg_t m, in;
    tip_ike_hdr_t h;
    uint8_t *copy;
    int rc;
    uint8_t t;

    /* a private copy so that "the parser writes nothing" can be checked */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    g_lo = copy;
    g_hi = copy + size;

    /* 1. whole message */
    rc = tip_ike_msg_parse(copy, size, &m);
    FZ_CHECK(rc == TIP_OK || rc == TIP_ERR_MALFORMED || rc == TIP_ERR_UNSUPPORTED ||
             rc == TIP_ERR_FULL);
    if (rc == TIP_OK || (rc == TIP_ERR_UNSUPPORTED && m.unsupported_critical != 0)) {
        FZ_CHECK(tip_ike_hdr_parse(copy, size, &h) == TIP_OK);
        FZ_CHECK(m.hdr.length == size);
        fz_chain(&m, size);
        if (m.sk_index >= 0) {
            /* treat the SK body as if it were the decrypted content */
            const tip_ike_pl_t *sk = &m.pl[m.sk_index];
            rc = tip_ike_msg_parse_inner(&m, tip_ike_pl_body(&m, sk), sk->len, &in);
            if (rc == TIP_OK || rc == TIP_ERR_UNSUPPORTED) {
                fz_chain(&in, sk->len);
            }
        }
    }

    /* 2. bare chain */
    if (size > 1) {
        t = copy[0];
        g_lo = copy + 1;
        rc = tip_ike_chain_parse(copy + 1, size - 1, t, 0, &in);
        if (rc == TIP_OK || rc == TIP_ERR_UNSUPPORTED) {
            FZ_CHECK(in.sk_index == -1);
            fz_chain(&in, size - 1);
        }
        g_lo = copy;
    }

    /* 3. every body parser on the raw bytes */
    for (t = TIP_IKE_PL_SA; t <= TIP_IKE_PL_EAP; t++) {
        fz_body(t, copy, size);
    }
    fz_body(TIP_IKE_PL_SKF, copy, size);

    FZ_CHECK(memcmp(copy, data, size) == 0);
    free(copy);
    return 0;
}
