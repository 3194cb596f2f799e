/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 message codec (RFC 7296 section 3): round trips through the
 * builder and the parser, a hand-assembled known message, malformed input
 * for every payload type, and builders against too-small buffers.
 *
 * tip-requires: TIP_CONF_IKEV2
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "ike/ike_msg.h"
#include "ike_msg_samples.h"

#define BUFSZ 2048

static const tip_ike_pl_t *must_find(const tip_ike_msg_t *m, uint8_t type, unsigned nth)
{
    const tip_ike_pl_t *pl = tip_ike_msg_find(m, type, nth);

    assert_non_null(pl);
    return pl;
}

#define BODY(m, pl) tip_ike_pl_body((m), (pl)), (pl)->len

/* ---- round trips ---------------------------------------------------------------- */

static void check_xfs(const tip_ike_prop_t *p, const tip_ike_xf_desc_t *want, size_t n)
{
    tip_ike_xf_t xf;
    size_t pos = 0, i;

    for (i = 0; i < n; i++) {
        assert_int_equal(tip_ike_prop_xf_next(p, &pos, &xf), 1);
        assert_int_equal(xf.type, want[i].type);
        assert_int_equal(xf.id, want[i].id);
        assert_int_equal(xf.key_len, want[i].key_len);
        assert_int_equal(xf.has_key_len, want[i].key_len != 0);
        assert_int_equal(xf.unusable, 0);
    }
    assert_int_equal(tip_ike_prop_xf_next(p, &pos, &xf), 0);
}

static void test_init_req_roundtrip(void **state)
{
    uint8_t buf[BUFSZ], exp[64];
    tip_ike_msg_t m;
    tip_ike_sa_iter_t it;
    tip_ike_prop_t p;
    tip_ike_ke_t ke;
    tip_ike_notify_t n;
    const uint8_t *d;
    size_t dl;
    unsigned np;
    int len;
    (void)state;

    len = smp_init_req(buf, sizeof(buf));
    assert_true(len > 0);
    assert_int_equal(tip_ike_msg_parse(buf, (size_t)len, &m), TIP_OK);
    assert_memory_equal(m.hdr.spi_i, smp_spi_i, 8);
    memset(exp, 0, 8);
    assert_memory_equal(m.hdr.spi_r, exp, 8);
    assert_int_equal(m.hdr.next_payload, TIP_IKE_PL_SA);
    assert_int_equal(m.hdr.version, 0x20);
    assert_int_equal(m.hdr.exchange, TIP_IKE_EXCH_IKE_SA_INIT);
    assert_int_equal(m.hdr.flags, TIP_IKE_FLAG_INITIATOR);
    assert_int_equal(m.hdr.msg_id, 0);
    assert_int_equal(m.hdr.length, (uint32_t)len);
    assert_int_equal(m.count, 7);
    assert_int_equal(m.sk_index, -1);
    assert_int_equal(m.unsupported_critical, 0);
    assert_int_equal(m.pl[0].type, TIP_IKE_PL_SA);
    assert_int_equal(m.pl[0].off, 32);
    assert_int_equal(m.pl[1].type, TIP_IKE_PL_KE);
    assert_int_equal(m.pl[2].type, TIP_IKE_PL_NONCE);
    assert_int_equal(tip_ike_msg_count(&m, TIP_IKE_PL_N), 3);
    assert_int_equal(m.pl[6].type, TIP_IKE_PL_V);

    /* SA: three proposals numbered 1..3, transforms in order */
    assert_int_equal(tip_ike_sa_validate(BODY(&m, &m.pl[0]), &np), TIP_OK);
    assert_int_equal(np, 3);
    tip_ike_sa_iter_init(&it, BODY(&m, &m.pl[0]));
    assert_int_equal(tip_ike_sa_next(&it, &p), 1);
    assert_int_equal(p.num, 1);
    assert_int_equal(p.proto, TIP_IKE_PROTO_IKE);
    assert_int_equal(p.spi_size, 0);
    assert_null(p.spi);
    assert_int_equal(p.num_xf, 4);
    assert_int_equal(p.last, 0);
    check_xfs(&p, smp_xf1, 4);
    assert_int_equal(tip_ike_sa_next(&it, &p), 1);
    assert_int_equal(p.num, 2);
    check_xfs(&p, smp_xf2, 4);
    assert_int_equal(tip_ike_sa_next(&it, &p), 1);
    assert_int_equal(p.num, 3);
    assert_int_equal(p.last, 1);
    check_xfs(&p, smp_xf3, 3);
    assert_int_equal(tip_ike_sa_next(&it, &p), 0);
    assert_int_equal(tip_ike_sa_next(&it, &p), 0);

    assert_int_equal(tip_ike_ke_parse(BODY(&m, &m.pl[1]), &ke), TIP_OK);
    assert_int_equal(ke.group, TIP_IKE_DH_ECP256);
    assert_int_equal(ke.len, 64);
    smp_fill(exp, 64, 0x40);
    assert_memory_equal(ke.data, exp, 64);

    assert_int_equal(tip_ike_nonce_parse(BODY(&m, &m.pl[2]), &d, &dl), TIP_OK);
    assert_int_equal(dl, 32);
    smp_fill(exp, 32, 0x80);
    assert_memory_equal(d, exp, 32);

    assert_int_equal(tip_ike_notify_parse(BODY(&m, must_find(&m, TIP_IKE_PL_N, 0)), &n), TIP_OK);
    assert_int_equal(n.type, TIP_IKE_N_NAT_DETECTION_SOURCE_IP);
    assert_int_equal(n.proto, 0);
    assert_int_equal(n.spi_size, 0);
    assert_null(n.spi);
    assert_int_equal(n.len, 20);
    smp_fill(exp, 20, 0x10);
    assert_memory_equal(n.data, exp, 20);
    assert_int_equal(tip_ike_notify_parse(BODY(&m, must_find(&m, TIP_IKE_PL_N, 1)), &n), TIP_OK);
    assert_int_equal(n.type, TIP_IKE_N_NAT_DETECTION_DESTINATION_IP);
    smp_fill(exp, 20, 0x20);
    assert_memory_equal(n.data, exp, 20);
    assert_int_equal(tip_ike_notify_parse(BODY(&m, must_find(&m, TIP_IKE_PL_N, 2)), &n), TIP_OK);
    assert_int_equal(n.type, TIP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
    assert_int_equal(n.len, 0);
    assert_null(tip_ike_msg_find(&m, TIP_IKE_PL_N, 3));

    assert_int_equal(tip_ike_vendor_parse(BODY(&m, &m.pl[6]), &d, &dl), TIP_OK);
    assert_int_equal(dl, sizeof(smp_vid));
    assert_memory_equal(d, smp_vid, sizeof(smp_vid));
    /* the message header is 28 bytes, header length field patched */
    assert_int_equal(tip_load_be32(buf + 24), (uint32_t)len);
}

static void check_ts(const uint8_t *body, size_t len, const tip_ike_ts_t *want, unsigned n)
{
    tip_ike_ts_t ts;
    size_t pos = 0;
    unsigned cnt, i, alen;

    assert_int_equal(tip_ike_ts_parse(body, len, &cnt), TIP_OK);
    assert_int_equal(cnt, n);
    for (i = 0; i < n; i++) {
        assert_int_equal(tip_ike_ts_next(body, len, &pos, &ts), 1);
        alen = want[i].addr.lo.family == TIP_AF_INET ? 4 : 16;
        assert_int_equal(ts.type, alen == 4 ? TIP_IKE_TS_IPV4_ADDR_RANGE
                                             : TIP_IKE_TS_IPV6_ADDR_RANGE);
        assert_int_equal(ts.proto, want[i].proto);
        assert_int_equal(ts.port_lo, want[i].port_lo);
        assert_int_equal(ts.port_hi, want[i].port_hi);
        assert_int_equal(ts.opaque, 0);
        assert_int_equal(ts.addr.lo.family, want[i].addr.lo.family);
        assert_int_equal(ts.addr.hi.family, want[i].addr.lo.family);
        assert_memory_equal(ts.addr.lo.addr, want[i].addr.lo.addr, 16);
        assert_memory_equal(ts.addr.hi.addr, want[i].addr.hi.addr, 16);
    }
    assert_int_equal(tip_ike_ts_next(body, len, &pos, &ts), 0);
}

static void test_auth_sk_roundtrip(void **state)
{
    uint8_t buf[BUFSZ], exp[32];
    tip_ike_msg_t m, in;
    tip_ike_sk_out_t so;
    tip_ike_sk_t sk;
    tip_ike_id_t id;
    tip_ike_auth_t au;
    tip_ike_sa_iter_t it;
    tip_ike_prop_t p;
    tip_ike_notify_t n;
    tip_ike_ts_t tsi[2], tsr[2];
    size_t pt_len;
    uint8_t pad;
    int len;
    (void)state;

    len = smp_auth_req(buf, sizeof(buf), &so);
    assert_true(len > 0);
    assert_int_equal(so.iv_off, 32);
    assert_int_equal(so.iv_len, 16);
    assert_int_equal(so.pt_off, 48);
    assert_int_equal(so.pt_len % 16, 0);
    assert_int_equal(so.icv_off + 16, (size_t)len);
    assert_int_equal(tip_ike_msg_parse(buf, (size_t)len, &m), TIP_OK);
    assert_int_equal(m.hdr.exchange, TIP_IKE_EXCH_IKE_AUTH);
    assert_int_equal(m.hdr.msg_id, 1);
    assert_memory_equal(m.hdr.spi_r, smp_spi_r, 8);
    assert_int_equal(m.count, 1);
    assert_int_equal(m.sk_index, 0);
    assert_int_equal(m.sk_first_inner, TIP_IKE_PL_IDI);
    assert_int_equal(m.pl[0].type, TIP_IKE_PL_SK);

    assert_int_equal(tip_ike_sk_split(BODY(&m, &m.pl[0]), 16, 16, 16, &sk), TIP_OK);
    assert_ptr_equal(sk.iv, buf + so.iv_off);
    assert_ptr_equal(sk.ct, buf + so.pt_off);
    assert_int_equal(sk.ct_len, so.pt_len);
    assert_ptr_equal(sk.icv, buf + so.icv_off);
    /* 3.14: the last plaintext byte is the pad length */
    pad = sk.ct[sk.ct_len - 1];
    assert_true(pad < 16);
    pt_len = sk.ct_len - 1 - pad;
    assert_int_equal(tip_ike_msg_parse_inner(&m, sk.ct, pt_len, &in), TIP_OK);
    assert_ptr_equal(in.buf, sk.ct);
    assert_int_equal(in.hdr.msg_id, 1);
    assert_int_equal(in.count, 6);
    assert_int_equal(in.sk_index, -1);
    assert_int_equal(in.pl[0].type, TIP_IKE_PL_IDI);
    assert_int_equal(in.pl[0].off, 4);
    assert_int_equal(in.pl[1].type, TIP_IKE_PL_AUTH);
    assert_int_equal(in.pl[2].type, TIP_IKE_PL_SA);
    assert_int_equal(in.pl[3].type, TIP_IKE_PL_TSI);
    assert_int_equal(in.pl[4].type, TIP_IKE_PL_TSR);
    assert_int_equal(in.pl[5].type, TIP_IKE_PL_N);

    assert_int_equal(tip_ike_id_parse(BODY(&in, &in.pl[0]), &id), TIP_OK);
    assert_int_equal(id.type, TIP_IKE_ID_FQDN);
    assert_int_equal(id.len, sizeof(smp_id) - 1);
    assert_memory_equal(id.data, smp_id, id.len);
    assert_ptr_equal(id.body, tip_ike_pl_body(&in, &in.pl[0]));
    assert_int_equal(id.body_len, 4 + id.len);

    assert_int_equal(tip_ike_auth_parse(BODY(&in, &in.pl[1]), &au), TIP_OK);
    assert_int_equal(au.method, TIP_IKE_AUTH_PSK);
    assert_int_equal(au.len, 32);
    smp_fill(exp, 32, 0xa0);
    assert_memory_equal(au.data, exp, 32);

    tip_ike_sa_iter_init(&it, BODY(&in, &in.pl[2]));
    assert_int_equal(tip_ike_sa_next(&it, &p), 1);
    assert_int_equal(p.proto, TIP_IKE_PROTO_ESP);
    assert_int_equal(p.spi_size, 4);
    assert_memory_equal(p.spi, smp_esp_spi, 4);
    check_xfs(&p, smp_xf_esp, 2);
    assert_int_equal(tip_ike_sa_next(&it, &p), 0);

    smp_ts(tsi, tsr);
    check_ts(BODY(&in, &in.pl[3]), tsi, 2);
    check_ts(BODY(&in, &in.pl[4]), tsr, 2);

    assert_int_equal(tip_ike_notify_parse(BODY(&in, &in.pl[5]), &n), TIP_OK);
    assert_int_equal(n.type, TIP_IKE_N_USE_TRANSPORT_MODE);
    assert_int_equal(n.len, 0);

    /* parse_inner needs an SK payload in the outer message */
    {
        tip_ike_msg_t plain;
        uint8_t b2[BUFSZ];
        int l2 = smp_init_req(b2, sizeof(b2));
        assert_int_equal(tip_ike_msg_parse(b2, (size_t)l2, &plain), TIP_OK);
        assert_int_equal(tip_ike_msg_parse_inner(&plain, sk.ct, pt_len, &in), TIP_ERR_ARG);
    }
}

static void test_info_delete_roundtrip(void **state)
{
    uint8_t buf[BUFSZ];
    tip_ike_msg_t m;
    tip_ike_delete_t d;
    int len;
    (void)state;

    len = smp_info_delete(buf, sizeof(buf));
    assert_true(len > 0);
    assert_int_equal(tip_ike_msg_parse(buf, (size_t)len, &m), TIP_OK);
    assert_int_equal(m.hdr.exchange, TIP_IKE_EXCH_INFORMATIONAL);
    assert_int_equal(m.hdr.flags, TIP_IKE_FLAG_INITIATOR | TIP_IKE_FLAG_RESPONSE);
    assert_int_equal(m.hdr.msg_id, 7);
    assert_int_equal(m.count, 2);
    assert_int_equal(tip_ike_delete_parse(BODY(&m, &m.pl[0]), &d), TIP_OK);
    assert_int_equal(d.proto, TIP_IKE_PROTO_ESP);
    assert_int_equal(d.spi_size, 4);
    assert_int_equal(d.count, 2);
    assert_int_equal(tip_ike_delete_spi(&d, 0), 0xc001d00du);
    assert_int_equal(tip_ike_delete_spi(&d, 1), 0x12345678u);
    assert_int_equal(tip_ike_delete_spi(&d, 2), 0);
    assert_int_equal(tip_ike_delete_parse(BODY(&m, &m.pl[1]), &d), TIP_OK);
    assert_int_equal(d.proto, TIP_IKE_PROTO_IKE);
    assert_int_equal(d.count, 0);
    assert_null(d.spis);
}

static void test_ccsa_rekey_roundtrip(void **state)
{
    uint8_t buf[BUFSZ];
    tip_ike_msg_t m;
    tip_ike_notify_t n;
    tip_ike_sa_iter_t it;
    tip_ike_prop_t p;
    tip_ike_ke_t ke;
    tip_ike_ts_t tsi[2], tsr[2];
    int len;
    (void)state;

    len = smp_ccsa_rekey(buf, sizeof(buf));
    assert_true(len > 0);
    assert_int_equal(tip_ike_msg_parse(buf, (size_t)len, &m), TIP_OK);
    assert_int_equal(m.hdr.exchange, TIP_IKE_EXCH_CREATE_CHILD_SA);
    assert_int_equal(m.count, 6);
    assert_int_equal(tip_ike_notify_parse(BODY(&m, &m.pl[0]), &n), TIP_OK);
    assert_int_equal(n.type, TIP_IKE_N_REKEY_SA);
    assert_int_equal(n.proto, TIP_IKE_PROTO_ESP);
    assert_int_equal(n.spi_size, 4);
    assert_memory_equal(n.spi, smp_esp_spi, 4);
    assert_int_equal(n.len, 0);
    tip_ike_sa_iter_init(&it, BODY(&m, must_find(&m, TIP_IKE_PL_SA, 0)));
    assert_int_equal(tip_ike_sa_next(&it, &p), 1);
    assert_memory_equal(p.spi, "\xc0\x02\xd0\x0e", 4);
    check_xfs(&p, smp_xf_esp_dh, 3);
    assert_int_equal(tip_ike_ke_parse(BODY(&m, must_find(&m, TIP_IKE_PL_KE, 0)), &ke), TIP_OK);
    assert_int_equal(ke.group, TIP_IKE_DH_ECP256);
    smp_ts(tsi, tsr);
    check_ts(BODY(&m, must_find(&m, TIP_IKE_PL_TSI, 0)), tsi, 1);
    check_ts(BODY(&m, must_find(&m, TIP_IKE_PL_TSR, 0)), tsr, 1);
}

static void test_cp_certreq_roundtrip(void **state)
{
    uint8_t buf[BUFSZ], ca[20];
    tip_ike_msg_t m;
    tip_ike_id_t id;
    tip_ike_cert_t c;
    tip_ike_cp_t cp;
    tip_ike_cp_attr_t a;
    size_t pos = 0;
    int len;
    (void)state;

    len = smp_cp_certreq(buf, sizeof(buf));
    assert_true(len > 0);
    assert_int_equal(tip_ike_msg_parse(buf, (size_t)len, &m), TIP_OK);
    assert_int_equal(m.count, 3);
    assert_int_equal(tip_ike_id_parse(BODY(&m, &m.pl[0]), &id), TIP_OK);
    assert_int_equal(id.type, TIP_IKE_ID_IPV4_ADDR);
    assert_memory_equal(id.data, "\xc0\x00\x02\x01", 4);
    assert_int_equal(tip_ike_cert_parse(BODY(&m, &m.pl[1]), 1, &c), TIP_OK);
    assert_int_equal(c.encoding, TIP_IKE_CERT_X509_SIG);
    smp_fill(ca, 20, 0xca);
    assert_int_equal(c.len, 20);
    assert_memory_equal(c.data, ca, 20);
    assert_int_equal(tip_ike_cp_parse(BODY(&m, &m.pl[2]), &cp), TIP_OK);
    assert_int_equal(cp.type, TIP_IKE_CFG_REQUEST);
    assert_int_equal(tip_ike_cp_attr_next(&cp, &pos, &a), 1);
    assert_int_equal(a.type, TIP_IKE_CFG_INTERNAL_IP4_ADDRESS);
    assert_int_equal(a.len, 0);
    assert_null(a.value);
    assert_int_equal(tip_ike_cp_attr_next(&cp, &pos, &a), 1);
    assert_int_equal(a.type, TIP_IKE_CFG_INTERNAL_IP4_DNS);
    assert_int_equal(tip_ike_cp_attr_next(&cp, &pos, &a), 1);
    assert_int_equal(a.type, TIP_IKE_CFG_INTERNAL_IP6_ADDRESS);
    assert_int_equal(tip_ike_cp_attr_next(&cp, &pos, &a), 0);
}

/* SKF (RFC 7383): fragment 1 names the first inner payload, others 0. */
static void test_skf_roundtrip(void **state)
{
    uint8_t buf[256], frag[10];
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_sk_out_t so;
    tip_ike_msg_t m;
    tip_ike_sk_t sk;
    uint16_t num;
    (void)state;

    smp_fill(frag, sizeof(frag), 1);
    for (num = 1; num <= 2; num++) {
        smp_hdr(&h, TIP_IKE_EXCH_IKE_AUTH, TIP_IKE_FLAG_INITIATOR, 1, 1);
        tip_ike_w_init(&w, buf, sizeof(buf));
        tip_ike_w_hdr(&w, &h);
        tip_ike_w_skf_begin(&w, num, 2, TIP_IKE_PL_IDI, 8);
        tip_ike_w_bytes(&w, frag, sizeof(frag));
        assert_int_equal(tip_ike_w_sk_end(&w, 1, 16, &so), TIP_OK);
        assert_int_equal(so.pt_len, sizeof(frag) + 1);
        assert_int_equal(tip_ike_msg_parse(buf, w.len, &m), TIP_OK);
        assert_int_equal(m.sk_index, 0);
        assert_int_equal(m.pl[0].type, TIP_IKE_PL_SKF);
        assert_int_equal(m.sk_first_inner, num == 1 ? TIP_IKE_PL_IDI : 0);
        assert_int_equal(tip_ike_skf_split(BODY(&m, &m.pl[0]), 8, 16, 1, &sk), TIP_OK);
        assert_int_equal(sk.frag_num, num);
        assert_int_equal(sk.frag_total, 2);
        assert_ptr_equal(sk.iv, buf + so.iv_off);
        assert_memory_equal(sk.ct, frag, sizeof(frag));
        assert_int_equal(sk.ct[sk.ct_len - 1], 0);
    }
    /* sk_end without an SK payload */
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_hdr(&w, &h);
    assert_int_equal(tip_ike_w_sk_end(&w, 16, 16, &so), TIP_ERR_ARG);
}

/* An empty INFORMATIONAL (liveness check): SK with no inner payload. */
static void test_empty_sk(void **state)
{
    uint8_t buf[128];
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_sk_out_t so;
    tip_ike_msg_t m, in;
    tip_ike_sk_t sk;
    (void)state;

    smp_hdr(&h, TIP_IKE_EXCH_INFORMATIONAL, 0, 9, 1);
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_sk_begin(&w, 8);
    assert_int_equal(tip_ike_w_sk_end(&w, 4, 16, &so), TIP_OK);
    assert_int_equal(so.pt_len, 4);
    assert_int_equal(w.len, 28 + 4 + 8 + 4 + 16);
    assert_int_equal(tip_ike_msg_parse(buf, w.len, &m), TIP_OK);
    assert_int_equal(m.sk_first_inner, 0);
    assert_int_equal(tip_ike_sk_split(BODY(&m, &m.pl[0]), 8, 16, 4, &sk), TIP_OK);
    assert_int_equal(sk.ct[3], 3);
    assert_int_equal(tip_ike_msg_parse_inner(&m, sk.ct, 0, &in), TIP_OK);
    assert_int_equal(in.count, 0);
}

/* ---- known bytes ------------------------------------------------------------------- */

/*
 * An IKE_SA_INIT request hand-assembled field by field from the formats of
 * RFC 7296 section 3: header (3.1, Figure 4), generic payload header (3.2,
 * Figure 5), SA / proposal / transform / attribute (3.3.1-3.3.5, Figures
 * 6-9), KE (3.4, Figure 10), Nonce (3.9, Figure 15), Notify (3.10, Figure 16)
 * with IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 2.3, type 16430). Proposal:
 * ENCR_AES_CBC with Key Length 128, PRF_HMAC_SHA2_256, AUTH_HMAC_SHA2_256_128,
 * Curve25519 (group 31, RFC 8031: a 32-byte public value).
 */
static const uint8_t known_init[144] = {
    /* 3.1 header */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* IKE SA initiator's SPI */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* responder's SPI: 0 */
    0x21,                                           /* next payload: SA (33) */
    0x20,                                           /* MjVer 2, MnVer 0 */
    0x22,                                           /* exchange: IKE_SA_INIT (34) */
    0x08,                                           /* flags: Initiator */
    0x00, 0x00, 0x00, 0x00,                         /* message ID 0 */
    0x00, 0x00, 0x00, 0x90,                         /* length 144 */
    /* offset 28: SA payload, 48 bytes */
    0x22, 0x00, 0x00, 0x30, /* next: KE (34), C=0, length 48 */
    0x00, 0x00, 0x00, 0x2c, /* proposal: last (0), reserved, length 44 */
    0x01, 0x01, 0x00, 0x04, /* num 1, protocol IKE (1), SPI size 0, 4 transforms */
    0x03, 0x00, 0x00, 0x0c, /* transform: more (3), length 12 */
    0x01, 0x00, 0x00, 0x0c, /* type ENCR (1), ID ENCR_AES_CBC (12) */
    0x80, 0x0e, 0x00, 0x80, /* attribute: AF=1 Key Length (14) = 128 */
    0x03, 0x00, 0x00, 0x08, /* transform: more, length 8 */
    0x02, 0x00, 0x00, 0x05, /* type PRF (2), PRF_HMAC_SHA2_256 (5) */
    0x03, 0x00, 0x00, 0x08, /* transform: more, length 8 */
    0x03, 0x00, 0x00, 0x0c, /* type INTEG (3), AUTH_HMAC_SHA2_256_128 (12) */
    0x00, 0x00, 0x00, 0x08, /* transform: last (0), length 8 */
    0x04, 0x00, 0x00, 0x1f, /* type D-H (4), Curve25519 (31) */
    /* offset 76: KE payload, 40 bytes */
    0x28, 0x00, 0x00, 0x28, /* next: Nonce (40), length 40 */
    0x00, 0x1f, 0x00, 0x00, /* DH group 31, reserved */
    0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b,
    0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45, 0x4b, 0x45,
    0x4b, 0x45, /* key exchange data: "KE" x 16 */
    /* offset 116: Nonce payload, 20 bytes */
    0x29, 0x00, 0x00, 0x14, /* next: Notify (41), length 20 */
    0x4e, 0x69, 0x4e, 0x69, 0x4e, 0x69, 0x4e, 0x69, 0x4e, 0x69, 0x4e, 0x69, 0x4e, 0x69, 0x4e,
    0x69, /* nonce data: "Ni" x 8 */
    /* offset 136: Notify payload, 8 bytes */
    0x00, 0x00, 0x00, 0x08, /* next: none, length 8 */
    0x00, 0x00, 0x40, 0x2e, /* protocol 0, SPI size 0, type 16430 */
};

static void test_known_init(void **state)
{
    tip_ike_msg_t m;
    tip_ike_sa_iter_t it;
    tip_ike_prop_t p;
    tip_ike_xf_t xf;
    tip_ike_ke_t ke;
    tip_ike_notify_t n;
    const uint8_t *d;
    size_t dl, pos = 0;
    uint8_t copy[sizeof(known_init)], out[sizeof(known_init) + 8];
    tip_ike_w_t w;
    tip_ike_prop_desc_t pd;
    static const tip_ike_xf_desc_t xfd[] = {
        {TIP_IKE_XF_ENCR, TIP_IKE_ENCR_AES_CBC, 128},
        {TIP_IKE_XF_PRF, TIP_IKE_PRF_HMAC_SHA2_256, 0},
        {TIP_IKE_XF_INTEG, TIP_IKE_AUTH_HMAC_SHA2_256_128, 0},
        {TIP_IKE_XF_DH, TIP_IKE_DH_CURVE25519, 0},
    };
    (void)state;

    memcpy(copy, known_init, sizeof(copy));
    assert_int_equal(tip_ike_msg_parse(copy, sizeof(copy), &m), TIP_OK);
    assert_memory_equal(copy, known_init, sizeof(copy)); /* nothing written */
    assert_int_equal(m.count, 4);
    assert_int_equal(m.pl[0].type, 33);
    assert_int_equal(m.pl[0].off, 32);
    assert_int_equal(m.pl[0].len, 44);
    assert_int_equal(m.pl[1].type, 34);
    assert_int_equal(m.pl[1].off, 80);
    assert_int_equal(m.pl[1].len, 36);
    assert_int_equal(m.pl[2].type, 40);
    assert_int_equal(m.pl[2].off, 120);
    assert_int_equal(m.pl[2].len, 16);
    assert_int_equal(m.pl[3].type, 41);
    assert_int_equal(m.pl[3].off, 140);
    assert_int_equal(m.pl[3].len, 4);

    tip_ike_sa_iter_init(&it, BODY(&m, &m.pl[0]));
    assert_int_equal(tip_ike_sa_next(&it, &p), 1);
    assert_ptr_equal(p.xf, copy + 40);
    assert_int_equal(p.xf_len, 36);
    assert_int_equal(tip_ike_prop_xf_next(&p, &pos, &xf), 1);
    assert_int_equal(xf.type, 1);
    assert_int_equal(xf.id, 12);
    assert_int_equal(xf.key_len, 128);
    assert_int_equal(pos, 12);
    check_xfs(&p, xfd, 4);
    assert_int_equal(tip_ike_ke_parse(BODY(&m, &m.pl[1]), &ke), TIP_OK);
    assert_int_equal(ke.group, 31);
    assert_ptr_equal(ke.data, copy + 84);
    assert_int_equal(ke.len, 32);
    assert_int_equal(tip_ike_nonce_parse(BODY(&m, &m.pl[2]), &d, &dl), TIP_OK);
    assert_ptr_equal(d, copy + 120);
    assert_int_equal(dl, 16);
    assert_int_equal(tip_ike_notify_parse(BODY(&m, &m.pl[3]), &n), TIP_OK);
    assert_int_equal(n.type, 16430);
    assert_int_equal(n.len, 0);

    /* the builder writes exactly these bytes */
    memset(&pd, 0, sizeof(pd));
    pd.proto = TIP_IKE_PROTO_IKE;
    pd.nxf = 4;
    pd.xf = xfd;
    tip_ike_w_init(&w, out, sizeof(out));
    tip_ike_w_hdr(&w, &m.hdr);
    tip_ike_w_sa(&w, &pd, 1);
    tip_ike_w_ke(&w, 31, ke.data, ke.len);
    tip_ike_w_nonce(&w, d, dl);
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(w.len, sizeof(known_init));
    assert_memory_equal(out, known_init, sizeof(known_init));
}

/* ---- malformed: header and chain ------------------------------------------------------ */

static uint8_t g_msg[BUFSZ];
static size_t g_len;

static void load_init(void)
{
    memcpy(g_msg, known_init, sizeof(known_init));
    g_len = sizeof(known_init);
}

static int parse_g(tip_ike_msg_t *m)
{
    return tip_ike_msg_parse(g_msg, g_len, m);
}

static void set_len(size_t len)
{
    g_len = len;
    tip_store_be32(g_msg + 24, (uint32_t)len);
}

static void test_bad_header(void **state)
{
    tip_ike_msg_t m;
    tip_ike_hdr_t h;
    size_t n;
    (void)state;

    load_init();
    /* every truncation of the datagram: too short, or length field != len */
    for (n = 0; n < sizeof(known_init); n++) {
        assert_int_equal(tip_ike_msg_parse(g_msg, n, &m), TIP_ERR_MALFORMED);
    }
    assert_int_equal(tip_ike_hdr_parse(g_msg, 27, &h), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_hdr_parse(g_msg, 144, &h), TIP_OK);
    /* header length field says more / less than the datagram */
    tip_store_be32(g_msg + 24, 145);
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    tip_store_be32(g_msg + 24, 143);
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    tip_store_be32(g_msg + 24, 144);
    /* wrong major version: reported, header filled; minor ignored */
    g_msg[17] = 0x30;
    assert_int_equal(parse_g(&m), TIP_ERR_UNSUPPORTED);
    assert_int_equal(m.hdr.version, 0x30);
    assert_int_equal(m.unsupported_critical, 0);
    assert_int_equal(tip_ike_hdr_parse(g_msg, g_len, &h), TIP_ERR_UNSUPPORTED);
    g_msg[17] = 0x10;
    assert_int_equal(parse_g(&m), TIP_ERR_UNSUPPORTED);
    g_msg[17] = 0x2f;
    assert_int_equal(parse_g(&m), TIP_OK);
    /* arguments */
    assert_int_equal(tip_ike_msg_parse(NULL, 144, &m), TIP_ERR_ARG);
    assert_int_equal(tip_ike_msg_parse(g_msg, 144, NULL), TIP_ERR_ARG);
    assert_int_equal(tip_ike_hdr_parse(g_msg, 144, NULL), TIP_ERR_ARG);
    /* more than 65535 bytes cannot be an IKE message for this codec */
    assert_int_equal(tip_ike_chain_parse(g_msg, 70000, 0, 1, &m), TIP_ERR_MALFORMED);
}

static void test_bad_chain(void **state)
{
    tip_ike_msg_t m;
    (void)state;

    /* payload length < 4 */
    load_init();
    tip_store_be16(g_msg + 30, 3);
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    tip_store_be16(g_msg + 30, 0);
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    /* payload length past the message */
    load_init();
    tip_store_be16(g_msg + 138, 9);
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    tip_store_be16(g_msg + 30, 0xffff);
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    /* next payload announced but the message ends (truncated generic header) */
    load_init();
    g_msg[136] = TIP_IKE_PL_V;
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    g_msg[138 + 2] = 0;
    set_len(146); /* two bytes of a generic header */
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    /* trailing bytes after the last payload */
    load_init();
    set_len(148);
    memset(g_msg + 144, 0, 4);
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    /* a payload shorter than it says within the chain: lengths do not add up */
    load_init();
    tip_store_be16(g_msg + 78, 36); /* KE 4 bytes short: Nonce header lands in KE data */
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    /* header says no payload but there are bytes */
    load_init();
    g_msg[16] = 0;
    assert_int_equal(parse_g(&m), TIP_ERR_MALFORMED);
    /* empty message: header only, no payload */
    load_init();
    g_msg[16] = 0;
    set_len(28);
    assert_int_equal(parse_g(&m), TIP_OK);
    assert_int_equal(m.count, 0);
}

static void test_unknown_payloads(void **state)
{
    uint8_t buf[256], body[5] = {1, 2, 3, 4, 5};
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_msg_t m;
    (void)state;

    /* unknown non-critical: listed, skipped; the chain goes on */
    smp_hdr(&h, TIP_IKE_EXCH_INFORMATIONAL, 0, 3, 1);
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_payload(&w, 200, 0, body, sizeof(body));
    tip_ike_w_vendor(&w, body, 3);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(tip_ike_msg_parse(buf, w.len, &m), TIP_OK);
    assert_int_equal(m.count, 2);
    assert_int_equal(m.pl[0].type, 200);
    assert_int_equal(m.pl[0].len, 5);
    assert_int_equal(m.pl[0].critical, 0);
    assert_int_equal(m.pl[1].type, TIP_IKE_PL_V);
    assert_int_equal(m.unsupported_critical, 0);

    /* unknown critical: the whole chain parsed, the type recorded */
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_vendor(&w, body, 3);
    tip_ike_w_payload(&w, 49, 1, body, 2);
    tip_ike_w_payload(&w, 201, 1, NULL, 0);
    tip_ike_w_vendor(&w, body, 4);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(tip_ike_msg_parse(buf, w.len, &m), TIP_ERR_UNSUPPORTED);
    assert_int_equal(m.unsupported_critical, 49);
    assert_int_equal(m.count, 4);
    assert_int_equal(m.pl[1].critical, 1);
    assert_int_equal(m.pl[3].type, TIP_IKE_PL_V);

    /* known payload with the critical bit: ignored (3.2) */
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_payload(&w, TIP_IKE_PL_V, 1, body, 3);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(tip_ike_msg_parse(buf, w.len, &m), TIP_OK);
    assert_int_equal(m.pl[0].critical, 1);
}

static void test_sk_not_last(void **state)
{
    uint8_t buf[256];
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_msg_t m;
    uint8_t body[40];
    size_t s;
    (void)state;

    memset(body, 0, sizeof(body));
    smp_hdr(&h, TIP_IKE_EXCH_INFORMATIONAL, 0, 3, 1);
    /* SK followed by another payload in the outer chain */
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_hdr(&w, &h);
    s = tip_ike_w_begin(&w, TIP_IKE_PL_SK, 0);
    tip_ike_w_bytes(&w, body, 33);
    tip_ike_w_end(&w, s);
    tip_ike_w_vendor(&w, body, 4); /* patches the SK next byte: reads as inner type */
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(tip_ike_msg_parse(buf, w.len, &m), TIP_ERR_MALFORMED);
    /* SK after another payload, reaching the end: fine */
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_vendor(&w, body, 4);
    s = tip_ike_w_begin(&w, TIP_IKE_PL_SKF, 0);
    tip_ike_w_bytes(&w, body, 33);
    tip_ike_w_end(&w, s);
    assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
    assert_int_equal(tip_ike_msg_parse(buf, w.len, &m), TIP_OK);
    assert_int_equal(m.sk_index, 1);
    /* SK nested in the decrypted content */
    assert_int_equal(tip_ike_chain_parse(buf + 28, w.len - 28, TIP_IKE_PL_V, 0, &m),
                     TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_chain_parse(buf + 28, w.len - 28, TIP_IKE_PL_V, 1, &m), TIP_OK);
}

static void test_too_many_payloads(void **state)
{
    uint8_t buf[28 + (TIP_IKE_MAX_PAYLOADS + 1) * 5];
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_msg_t m;
    unsigned i;
    (void)state;

    smp_hdr(&h, TIP_IKE_EXCH_INFORMATIONAL, 0, 3, 1);
    for (i = TIP_IKE_MAX_PAYLOADS; i <= TIP_IKE_MAX_PAYLOADS + 1; i++) {
        unsigned k;
        tip_ike_w_init(&w, buf, sizeof(buf));
        tip_ike_w_hdr(&w, &h);
        for (k = 0; k < i; k++) {
            tip_ike_w_vendor(&w, (const uint8_t *)"x", 1);
        }
        assert_int_equal(tip_ike_w_finish(&w), TIP_OK);
        assert_int_equal(tip_ike_msg_parse(buf, w.len, &m),
                         i == TIP_IKE_MAX_PAYLOADS ? TIP_OK : TIP_ERR_FULL);
        assert_int_equal(m.count, TIP_IKE_MAX_PAYLOADS);
    }
}

/* ---- malformed: SA ----------------------------------------------------------------------- */

/* The SA body of known_init: 44 bytes at offset 32. */
static uint8_t g_sa[64];

static void load_sa(void)
{
    memcpy(g_sa, known_init + 32, 44);
}

static int sa_rc(size_t len)
{
    return tip_ike_sa_validate(g_sa, len, NULL);
}

static void test_bad_sa(void **state)
{
    tip_ike_sa_iter_t it;
    tip_ike_prop_t p;
    tip_ike_xf_t xf;
    size_t pos, n;
    (void)state;

    load_sa();
    assert_int_equal(sa_rc(44), TIP_OK);
    /* every truncation */
    for (n = 0; n < 44; n++) {
        assert_int_equal(sa_rc(n), TIP_ERR_MALFORMED);
    }
    /* proposal length short / long / < 8 */
    load_sa();
    tip_store_be16(g_sa + 2, 40);
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    tip_store_be16(g_sa + 2, 48);
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    tip_store_be16(g_sa + 2, 7);
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    /* last flag says more, but nothing follows; bad flag value */
    load_sa();
    g_sa[0] = TIP_IKE_MORE_PROP;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    g_sa[0] = 1;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    /* proposal number 0; a lone proposal may carry another number */
    load_sa();
    g_sa[4] = 0;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    g_sa[4] = 5;
    assert_int_equal(sa_rc(44), TIP_OK);
    /* zero transforms; count disagrees with the content */
    load_sa();
    g_sa[7] = 0;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    g_sa[7] = 3;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    g_sa[7] = 5;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    /* SPI size wrong for the protocol; larger than the proposal */
    load_sa();
    g_sa[6] = 4;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    g_sa[5] = TIP_IKE_PROTO_ESP;
    g_sa[6] = 0;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    g_sa[5] = 9; /* unknown protocol: SPI size not checked, but must fit */
    g_sa[6] = 200;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    /* transform length wrong: < 8, past the proposal, not adding up */
    load_sa();
    tip_store_be16(g_sa + 10, 7);
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    tip_store_be16(g_sa + 10, 200);
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    tip_store_be16(g_sa + 10, 8); /* drops the attribute into the next transform */
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    load_sa();
    tip_store_be16(g_sa + 38, 12); /* last transform past the end */
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    /* transform last flags: 0 before the end, 3 on the last, bad value */
    load_sa();
    g_sa[8] = TIP_IKE_LAST;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    load_sa();
    g_sa[36] = TIP_IKE_MORE_XF;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    load_sa();
    g_sa[8] = 2;
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    /* TLV attribute whose length runs past the transform */
    load_sa();
    tip_store_be16(g_sa + 16, 0x000e);
    tip_store_be16(g_sa + 18, 1);
    assert_int_equal(sa_rc(44), TIP_ERR_MALFORMED);
    /* TLV attribute with length 0 fits: the transform becomes unusable */
    tip_store_be16(g_sa + 18, 0);
    assert_int_equal(sa_rc(44), TIP_OK);
    tip_ike_sa_iter_init(&it, g_sa, 44);
    assert_int_equal(tip_ike_sa_next(&it, &p), 1);
    pos = 0;
    assert_int_equal(tip_ike_prop_xf_next(&p, &pos, &xf), 1);
    assert_int_equal(xf.unusable, 1);
    assert_int_equal(xf.has_key_len, 0);
    /* unknown TV attribute: unusable, not malformed */
    load_sa();
    tip_store_be16(g_sa + 16, 0x8011);
    assert_int_equal(sa_rc(44), TIP_OK);
    tip_ike_sa_iter_init(&it, g_sa, 44);
    assert_int_equal(tip_ike_sa_next(&it, &p), 1);
    pos = 0;
    assert_int_equal(tip_ike_prop_xf_next(&p, &pos, &xf), 1);
    assert_int_equal(xf.unusable, 1);
    assert_int_equal(tip_ike_prop_xf_next(&p, &pos, &xf), 1);
    assert_int_equal(xf.unusable, 0);
    /* a hand-made prop is still bounds-checked */
    p.xf_len = 5;
    pos = 0;
    assert_int_equal(tip_ike_prop_xf_next(&p, &pos, &xf), TIP_ERR_MALFORMED);
}

static void test_sa_numbering(void **state)
{
    uint8_t buf[BUFSZ];
    tip_ike_msg_t m;
    uint8_t *sa;
    const tip_ike_pl_t *pl;
    int len;
    (void)state;

    len = smp_init_req(buf, sizeof(buf));
    assert_int_equal(tip_ike_msg_parse(buf, (size_t)len, &m), TIP_OK);
    pl = &m.pl[0];
    sa = buf + pl->off;
    assert_int_equal(tip_ike_sa_validate(sa, pl->len, NULL), TIP_OK);
    sa[4] = 2; /* first of several is not 1 */
    assert_int_equal(tip_ike_sa_validate(sa, pl->len, NULL), TIP_ERR_MALFORMED);
    sa[4] = 1;
    sa[tip_load_be16(sa + 2) + 4] = 3; /* second is not first + 1 */
    assert_int_equal(tip_ike_sa_validate(sa, pl->len, NULL), TIP_ERR_MALFORMED);
}

/* ---- malformed: the other bodies ---------------------------------------------------------- */

static void test_bad_simple_bodies(void **state)
{
    uint8_t b[300];
    tip_ike_ke_t ke;
    tip_ike_id_t id;
    tip_ike_auth_t au;
    tip_ike_notify_t n;
    tip_ike_cert_t c;
    tip_ike_eap_t e;
    const uint8_t *d;
    size_t dl;
    (void)state;

    memset(b, 0, sizeof(b));
    /* KE: shorter than its header, or no data */
    assert_int_equal(tip_ike_ke_parse(b, 3, &ke), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_ke_parse(b, 4, &ke), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_ke_parse(b, 5, &ke), TIP_OK);
    assert_int_equal(tip_ike_ke_parse(NULL, 0, &ke), TIP_ERR_MALFORMED);
    /* ID: header only; wrong address lengths */
    b[0] = TIP_IKE_ID_FQDN;
    assert_int_equal(tip_ike_id_parse(b, 4, &id), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_id_parse(b, 5, &id), TIP_OK);
    b[0] = TIP_IKE_ID_IPV4_ADDR;
    assert_int_equal(tip_ike_id_parse(b, 9, &id), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_id_parse(b, 8, &id), TIP_OK);
    b[0] = TIP_IKE_ID_IPV6_ADDR;
    assert_int_equal(tip_ike_id_parse(b, 8, &id), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_id_parse(b, 20, &id), TIP_OK);
    /* AUTH */
    assert_int_equal(tip_ike_auth_parse(b, 4, &au), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_auth_parse(b, 2, &au), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_auth_parse(b, 5, &au), TIP_OK);
    /* Nonce 16..256, and no longer than this build keeps (TIP_IKE_PEER_NONCE_MAX) */
    assert_int_equal(tip_ike_nonce_parse(b, 15, &d, &dl), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_nonce_parse(b, 16, &d, &dl), TIP_OK);
    assert_int_equal(tip_ike_nonce_parse(b, TIP_IKE_PEER_NONCE_MAX, &d, &dl), TIP_OK);
    assert_int_equal(tip_ike_nonce_parse(b, TIP_IKE_PEER_NONCE_MAX + 1, &d, &dl),
                     TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_nonce_parse(b, 257, &d, &dl), TIP_ERR_MALFORMED);
    /* Notify: short header; SPI size larger than the payload */
    assert_int_equal(tip_ike_notify_parse(b, 3, &n), TIP_ERR_MALFORMED);
    b[0] = 3;
    b[1] = 4;
    assert_int_equal(tip_ike_notify_parse(b, 7, &n), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_notify_parse(b, 8, &n), TIP_OK);
    assert_int_equal(n.len, 0);
    b[1] = 255;
    assert_int_equal(tip_ike_notify_parse(b, 200, &n), TIP_ERR_MALFORMED);
    /* Vendor ID: empty */
    assert_int_equal(tip_ike_vendor_parse(b, 0, &d, &dl), TIP_ERR_MALFORMED);
    /* CERT needs data, CERTREQ may be empty */
    assert_int_equal(tip_ike_cert_parse(b, 1, 0, &c), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_cert_parse(b, 1, 1, &c), TIP_OK);
    assert_int_equal(tip_ike_cert_parse(b, 0, 1, &c), TIP_ERR_MALFORMED);
    /* EAP: length field must match; request needs a type */
    b[0] = TIP_IKE_EAP_REQUEST;
    tip_store_be16(b + 2, 10);
    assert_int_equal(tip_ike_eap_parse(b, 9, &e), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_eap_parse(b, 10, &e), TIP_OK);
    assert_int_equal(e.code, TIP_IKE_EAP_REQUEST);
    assert_int_equal(e.len, 5);
    tip_store_be16(b + 2, 4);
    assert_int_equal(tip_ike_eap_parse(b, 4, &e), TIP_ERR_MALFORMED);
    b[0] = TIP_IKE_EAP_SUCCESS;
    assert_int_equal(tip_ike_eap_parse(b, 4, &e), TIP_OK);
    b[0] = 9;
    assert_int_equal(tip_ike_eap_parse(b, 4, &e), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_eap_parse(b, 3, &e), TIP_ERR_MALFORMED);
}

static void test_bad_delete(void **state)
{
    uint8_t b[32];
    tip_ike_delete_t d;
    (void)state;

    memset(b, 0, sizeof(b));
    assert_int_equal(tip_ike_delete_parse(b, 3, &d), TIP_ERR_MALFORMED);
    b[0] = TIP_IKE_PROTO_ESP;
    b[1] = 4;
    tip_store_be16(b + 2, 2);
    assert_int_equal(tip_ike_delete_parse(b, 12, &d), TIP_OK);
    assert_int_equal(tip_ike_delete_parse(b, 11, &d), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_delete_parse(b, 16, &d), TIP_ERR_MALFORMED);
    tip_store_be16(b + 2, 0xffff); /* count * size overflows nothing, still wrong */
    assert_int_equal(tip_ike_delete_parse(b, 12, &d), TIP_ERR_MALFORMED);
    tip_store_be16(b + 2, 2);
    b[1] = 8; /* ESP SPIs are 4 bytes */
    assert_int_equal(tip_ike_delete_parse(b, 20, &d), TIP_ERR_MALFORMED);
    b[0] = TIP_IKE_PROTO_IKE; /* IKE: no SPIs at all */
    b[1] = 0;
    tip_store_be16(b + 2, 0);
    assert_int_equal(tip_ike_delete_parse(b, 4, &d), TIP_OK);
    tip_store_be16(b + 2, 1);
    assert_int_equal(tip_ike_delete_parse(b, 4, &d), TIP_ERR_MALFORMED);
    b[1] = 8;
    assert_int_equal(tip_ike_delete_parse(b, 12, &d), TIP_ERR_MALFORMED);
    b[0] = 7; /* unknown protocol */
    b[1] = 4;
    assert_int_equal(tip_ike_delete_parse(b, 8, &d), TIP_ERR_MALFORMED);
}

/* One IPv4 selector 10.0.0.1-10.0.0.9 ports 1..2, in a TS body. */
static size_t ts_body(uint8_t *b)
{
    static const uint8_t v4[20] = {1,    0,    0,    0,    7, 6, 0, 16, 0, 1,
                                   0,    2,    10,   0,    0, 1, 10, 0, 0, 9};
    memcpy(b, v4, sizeof(v4));
    return sizeof(v4);
}

static void test_bad_ts(void **state)
{
    uint8_t b[64];
    size_t len, pos;
    tip_ike_ts_t ts;
    unsigned n;
    (void)state;

    len = ts_body(b);
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_OK);
    for (pos = 0; pos < len; pos++) {
        assert_int_equal(tip_ike_ts_parse(b, pos, &n), TIP_ERR_MALFORMED);
    }
    /* count 0, count too big */
    b[0] = 0;
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_ERR_MALFORMED);
    b[0] = 2;
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_ERR_MALFORMED);
    /* selector length not 16 for IPv4, 40 for IPv6 */
    len = ts_body(b);
    tip_store_be16(b + 6, 17);
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_ERR_MALFORMED);
    tip_store_be16(b + 6, 3);
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_ERR_MALFORMED);
    tip_store_be16(b + 6, 16);
    b[4] = TIP_IKE_TS_IPV6_ADDR_RANGE;
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_ERR_MALFORMED);
    /* start port > end port; OPAQUE 65535..0 allowed */
    len = ts_body(b);
    tip_store_be16(b + 8, 3);
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_ERR_MALFORMED);
    tip_store_be16(b + 8, 65535);
    tip_store_be16(b + 10, 0);
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_OK);
    pos = 0;
    assert_int_equal(tip_ike_ts_next(b, len, &pos, &ts), 1);
    assert_int_equal(ts.opaque, 1);
    /* start address > end address */
    len = ts_body(b);
    b[15] = 10;
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_ERR_MALFORMED);
    /* unknown TS type: stepped over by its length */
    len = ts_body(b);
    b[4] = 13;
    tip_store_be16(b + 6, 6);
    b[0] = 2;
    memcpy(b + 10, "\x07\x00\x00\x10\x00\x01\x00\x02\x0a\x00\x00\x01\x0a\x00\x00\x09", 16);
    len = 26;
    assert_int_equal(tip_ike_ts_parse(b, len, &n), TIP_OK);
    assert_int_equal(n, 2);
    pos = 0;
    assert_int_equal(tip_ike_ts_next(b, len, &pos, &ts), 1);
    assert_int_equal(ts.type, 13);
    assert_int_equal(tip_ike_ts_next(b, len, &pos, &ts), 1);
    assert_int_equal(ts.type, TIP_IKE_TS_IPV4_ADDR_RANGE);
    assert_int_equal(ts.addr.hi.addr[3], 9);
    assert_int_equal(tip_ike_ts_next(b, len, &pos, &ts), 0);
}

static void test_bad_cp(void **state)
{
    uint8_t b[16] = {1, 0, 0, 0, 0x80, 1, 0, 4, 10, 0, 0, 1};
    tip_ike_cp_t cp;
    tip_ike_cp_attr_t a;
    size_t pos = 0;
    (void)state;

    assert_int_equal(tip_ike_cp_parse(b, 12, &cp), TIP_OK);
    assert_int_equal(tip_ike_cp_attr_next(&cp, &pos, &a), 1);
    assert_int_equal(a.type, 1); /* reserved bit masked */
    assert_int_equal(a.len, 4);
    assert_int_equal(tip_ike_cp_parse(b, 3, &cp), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_cp_parse(b, 11, &cp), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_cp_parse(b, 13, &cp), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_cp_parse(b, 4, &cp), TIP_OK);
}

static void test_bad_sk(void **state)
{
    uint8_t b[64];
    tip_ike_sk_t sk;
    (void)state;

    memset(b, 0, sizeof(b));
    assert_int_equal(tip_ike_sk_split(b, 48, 16, 16, 16, &sk), TIP_OK);
    assert_int_equal(sk.ct_len, 16);
    assert_int_equal(tip_ike_sk_split(b, 32, 16, 16, 16, &sk), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_sk_split(b, 40, 16, 16, 16, &sk), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_sk_split(b, 15, 16, 0, 1, &sk), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_sk_split(b, 20, 8, (size_t)-1, 1, &sk), TIP_ERR_MALFORMED);
    assert_int_equal(tip_ike_sk_split(b, 25, 8, 16, 1, &sk), TIP_OK);
    /* SKF: number 0, number > total, short */
    tip_store_be16(b, 1);
    tip_store_be16(b + 2, 1);
    assert_int_equal(tip_ike_skf_split(b, 29, 8, 16, 1, &sk), TIP_OK);
    assert_int_equal(tip_ike_skf_split(b, 3, 0, 0, 1, &sk), TIP_ERR_MALFORMED);
    tip_store_be16(b, 0);
    assert_int_equal(tip_ike_skf_split(b, 29, 8, 16, 1, &sk), TIP_ERR_MALFORMED);
    tip_store_be16(b, 2);
    assert_int_equal(tip_ike_skf_split(b, 29, 8, 16, 1, &sk), TIP_ERR_MALFORMED);
    tip_store_be16(b, 1);
    assert_int_equal(tip_ike_skf_split(b, 28, 8, 16, 1, &sk), TIP_ERR_MALFORMED);
}

/* ---- builder against small buffers ----------------------------------------------------------- */

typedef int (*sample_fn)(uint8_t *buf, size_t cap);

static int smp_auth_req_plain(uint8_t *buf, size_t cap)
{
    tip_ike_sk_out_t so;
    return smp_auth_req(buf, cap, &so);
}

static void check_small_buffers(sample_fn fn)
{
    uint8_t full[BUFSZ], buf[BUFSZ + 16];
    int len, rc;
    size_t cap, i;

    len = fn(full, sizeof(full));
    assert_true(len > 0);
    for (cap = 0; cap <= (size_t)len; cap++) {
        memset(buf, 0xa5, sizeof(buf));
        rc = fn(buf, cap);
        for (i = cap; i < cap + 16; i++) {
            assert_int_equal(buf[i], 0xa5); /* canary after the buffer */
        }
        if (cap < (size_t)len) {
            assert_int_equal(rc, TIP_ERR_BUF_SPACE);
        } else {
            assert_int_equal(rc, len);
            assert_memory_equal(buf, full, (size_t)len);
        }
    }
}

static void test_builder_small_buffers(void **state)
{
    (void)state;
    check_small_buffers(smp_init_req);
    check_small_buffers(smp_auth_req_plain);
    check_small_buffers(smp_info_delete);
    check_small_buffers(smp_ccsa_rekey);
    check_small_buffers(smp_cp_certreq);
}

static void test_builder_args(void **state)
{
    uint8_t buf[128];
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_ts_t ts;
    (void)state;

    smp_hdr(&h, TIP_IKE_EXCH_INFORMATIONAL, 0, 0, 1);
    /* header not first */
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_u8(&w, 0);
    tip_ike_w_hdr(&w, &h);
    assert_int_equal(tip_ike_w_finish(&w), TIP_ERR_ARG);
    /* SA without proposals, TS without selectors or with no family */
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_sa(&w, NULL, 0);
    assert_int_equal(tip_ike_w_finish(&w), TIP_ERR_ARG);
    memset(&ts, 0, sizeof(ts));
    tip_ike_w_init(&w, buf, sizeof(buf));
    tip_ike_w_ts(&w, TIP_IKE_PL_TSI, &ts, 1);
    assert_int_equal(tip_ike_w_finish(&w), TIP_ERR_ARG);
    /* a NULL buffer has no room */
    tip_ike_w_init(&w, NULL, 100);
    tip_ike_w_hdr(&w, &h);
    assert_int_equal(tip_ike_w_finish(&w), TIP_ERR_BUF_SPACE);
    /* the error sticks: later writes that would fit do nothing */
    tip_ike_w_init(&w, buf, 30);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_vendor(&w, buf, 10);
    tip_ike_w_u8(&w, 1);
    assert_int_equal(w.len, 28);
    assert_int_equal(tip_ike_w_finish(&w), TIP_ERR_BUF_SPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_req_roundtrip),
        cmocka_unit_test(test_auth_sk_roundtrip),
        cmocka_unit_test(test_info_delete_roundtrip),
        cmocka_unit_test(test_ccsa_rekey_roundtrip),
        cmocka_unit_test(test_cp_certreq_roundtrip),
        cmocka_unit_test(test_skf_roundtrip),
        cmocka_unit_test(test_empty_sk),
        cmocka_unit_test(test_known_init),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_bad_chain),
        cmocka_unit_test(test_unknown_payloads),
        cmocka_unit_test(test_sk_not_last),
        cmocka_unit_test(test_too_many_payloads),
        cmocka_unit_test(test_bad_sa),
        cmocka_unit_test(test_sa_numbering),
        cmocka_unit_test(test_bad_simple_bodies),
        cmocka_unit_test(test_bad_delete),
        cmocka_unit_test(test_bad_ts),
        cmocka_unit_test(test_bad_cp),
        cmocka_unit_test(test_bad_sk),
        cmocka_unit_test(test_builder_small_buffers),
        cmocka_unit_test(test_builder_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
