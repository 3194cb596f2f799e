/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Sample IKEv2 messages written with the ike_msg builder, shared (header-only,
 * static functions) by test/unit/test_ike_msg.c, the tshark generator
 * test/tshark/test_tshark_ike_gen.c, which also writes them as the seed
 * corpus of test/fuzz/fuzz_ike_msg.c.
 *
 * Every builder returns the message length, or a negative tip_err_t.
 */
#ifndef TIP_IKE_MSG_SAMPLES_H
#define TIP_IKE_MSG_SAMPLES_H

#include <string.h>

#include "ike/ike_msg.h"

/* Distinct byte patterns so that a misplaced view shows up in a compare. */
static void smp_fill(uint8_t *p, size_t n, uint8_t seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)(seed + i * 7u);
    }
}

static const uint8_t smp_spi_i[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static const uint8_t smp_spi_r[8] = {0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x01};
static const uint8_t smp_vid[16] = {'t', 'i', 'n', 'y', 'i', 'p', 's', 'e',
                                    'c', '-', 's', 'a', 'm', 'p', 'l', 'e'};

/* IKE_SA_INIT proposals: AES-GCM-16/256; AES-CBC/128 + SHA-256; ChaCha20. */
static const tip_ike_xf_desc_t smp_xf1[] = {
    {TIP_IKE_XF_ENCR, TIP_IKE_ENCR_AES_GCM_16, 256},
    {TIP_IKE_XF_PRF, TIP_IKE_PRF_HMAC_SHA2_256, 0},
    {TIP_IKE_XF_DH, TIP_IKE_DH_ECP256, 0},
    {TIP_IKE_XF_DH, TIP_IKE_DH_CURVE25519, 0},
};
static const tip_ike_xf_desc_t smp_xf2[] = {
    {TIP_IKE_XF_ENCR, TIP_IKE_ENCR_AES_CBC, 128},
    {TIP_IKE_XF_PRF, TIP_IKE_PRF_HMAC_SHA2_256, 0},
    {TIP_IKE_XF_INTEG, TIP_IKE_AUTH_HMAC_SHA2_256_128, 0},
    {TIP_IKE_XF_DH, TIP_IKE_DH_ECP256, 0},
};
static const tip_ike_xf_desc_t smp_xf3[] = {
    {TIP_IKE_XF_ENCR, TIP_IKE_ENCR_CHACHA20_POLY1305, 0},
    {TIP_IKE_XF_PRF, TIP_IKE_PRF_HMAC_SHA2_512, 0},
    {TIP_IKE_XF_DH, TIP_IKE_DH_CURVE25519, 0},
};
/* ESP proposal for IKE_AUTH / CREATE_CHILD_SA. */
static const tip_ike_xf_desc_t smp_xf_esp[] = {
    {TIP_IKE_XF_ENCR, TIP_IKE_ENCR_AES_GCM_16, 128},
    {TIP_IKE_XF_ESN, TIP_IKE_ESN_NO, 0},
};
static const tip_ike_xf_desc_t smp_xf_esp_dh[] = {
    {TIP_IKE_XF_ENCR, TIP_IKE_ENCR_AES_GCM_16, 256},
    {TIP_IKE_XF_DH, TIP_IKE_DH_ECP256, 0},
    {TIP_IKE_XF_ESN, TIP_IKE_ESN_NO, 0},
};

static void smp_hdr(tip_ike_hdr_t *h, uint8_t exch, uint8_t flags, uint32_t msg_id, int has_r)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->spi_i, smp_spi_i, 8);
    if (has_r) {
        memcpy(h->spi_r, smp_spi_r, 8);
    }
    h->exchange = exch;
    h->flags = flags;
    h->msg_id = msg_id;
}

/* HDR, SAi1 (3 proposals), KEi (ECP-256, 64 bytes), Ni (32),
 * N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
 * N(IKEV2_FRAGMENTATION_SUPPORTED), V. */
static int smp_init_req(uint8_t *buf, size_t cap)
{
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_prop_desc_t props[3];
    uint8_t ke[64], ni[32], natd_s[20], natd_d[20];
    int err;

    memset(props, 0, sizeof(props));
    props[0].proto = TIP_IKE_PROTO_IKE;
    props[0].nxf = 4;
    props[0].xf = smp_xf1;
    props[1].proto = TIP_IKE_PROTO_IKE;
    props[1].nxf = 4;
    props[1].xf = smp_xf2;
    props[2].proto = TIP_IKE_PROTO_IKE;
    props[2].nxf = 3;
    props[2].xf = smp_xf3;
    smp_fill(ke, sizeof(ke), 0x40);
    smp_fill(ni, sizeof(ni), 0x80);
    smp_fill(natd_s, sizeof(natd_s), 0x10);
    smp_fill(natd_d, sizeof(natd_d), 0x20);

    smp_hdr(&h, TIP_IKE_EXCH_IKE_SA_INIT, TIP_IKE_FLAG_INITIATOR, 0, 0);
    tip_ike_w_init(&w, buf, cap);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_sa(&w, props, 3);
    tip_ike_w_ke(&w, TIP_IKE_DH_ECP256, ke, sizeof(ke));
    tip_ike_w_nonce(&w, ni, sizeof(ni));
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_NAT_DETECTION_SOURCE_IP, natd_s, 20);
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_NAT_DETECTION_DESTINATION_IP, natd_d, 20);
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
    tip_ike_w_vendor(&w, smp_vid, sizeof(smp_vid));
    err = tip_ike_w_finish(&w);
    return err != TIP_OK ? err : (int)w.len;
}

/* The selectors of the IKE_AUTH sample. */
static void smp_ts(tip_ike_ts_t tsi[2], tip_ike_ts_t tsr[2])
{
    memset(tsi, 0, 2 * sizeof(*tsi));
    memset(tsr, 0, 2 * sizeof(*tsr));
    /* TSi: 192.0.2.1 any protocol; 2001:db8::/64 UDP port 500..4500 */
    tsi[0].addr.lo.family = tsi[0].addr.hi.family = TIP_AF_INET;
    memcpy(tsi[0].addr.lo.addr, "\xc0\x00\x02\x01", 4);
    memcpy(tsi[0].addr.hi.addr, "\xc0\x00\x02\x01", 4);
    tsi[0].port_hi = 65535;
    tsi[1].addr.lo.family = tsi[1].addr.hi.family = TIP_AF_INET6;
    memcpy(tsi[1].addr.lo.addr, "\x20\x01\x0d\xb8", 4);
    memcpy(tsi[1].addr.hi.addr, "\x20\x01\x0d\xb8\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff", 16);
    tsi[1].proto = 17;
    tsi[1].port_lo = 500;
    tsi[1].port_hi = 4500;
    /* TSr: 198.51.100.0-198.51.100.255 TCP 443; 2001:db8:1::1 ICMPv6 echo request */
    tsr[0].addr.lo.family = tsr[0].addr.hi.family = TIP_AF_INET;
    memcpy(tsr[0].addr.lo.addr, "\xc6\x33\x64\x00", 4);
    memcpy(tsr[0].addr.hi.addr, "\xc6\x33\x64\xff", 4);
    tsr[0].proto = 6;
    tsr[0].port_lo = tsr[0].port_hi = 443;
    tsr[1].addr.lo.family = tsr[1].addr.hi.family = TIP_AF_INET6;
    memcpy(tsr[1].addr.lo.addr, "\x20\x01\x0d\xb8\0\x01\0\0\0\0\0\0\0\0\0\x01", 16);
    memcpy(tsr[1].addr.hi.addr, tsr[1].addr.lo.addr, 16);
    tsr[1].proto = 58;
    tsr[1].port_lo = tsr[1].port_hi = 128 << 8;
}

static const uint8_t smp_esp_spi[4] = {0xc0, 0x01, 0xd0, 0x0d};
static const uint8_t smp_id[] = "client.example.org";

/* The IKE_AUTH inner chain: IDi (FQDN), AUTH (PSK, 32), SAi2 (ESP),
 * TSi (v4 + v6), TSr (v4 + v6), N(USE_TRANSPORT_MODE). First type IDi. */
static void smp_auth_inner(tip_ike_w_t *w)
{
    tip_ike_prop_desc_t prop;
    tip_ike_ts_t tsi[2], tsr[2];
    uint8_t auth[32];

    memset(&prop, 0, sizeof(prop));
    prop.proto = TIP_IKE_PROTO_ESP;
    prop.spi_size = 4;
    memcpy(prop.spi, smp_esp_spi, 4);
    prop.nxf = 2;
    prop.xf = smp_xf_esp;
    smp_fill(auth, sizeof(auth), 0xa0);
    smp_ts(tsi, tsr);
    tip_ike_w_id(w, TIP_IKE_PL_IDI, TIP_IKE_ID_FQDN, smp_id, sizeof(smp_id) - 1);
    tip_ike_w_auth(w, TIP_IKE_AUTH_PSK, auth, sizeof(auth));
    tip_ike_w_sa(w, &prop, 1);
    tip_ike_w_ts(w, TIP_IKE_PL_TSI, tsi, 2);
    tip_ike_w_ts(w, TIP_IKE_PL_TSR, tsr, 2);
    tip_ike_w_notify(w, 0, NULL, 0, TIP_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
}

/* IKE_AUTH request: HDR, SK {inner} with an @p iv_len IV, @p block-byte
 * blocks and an @p icv_len ICV. The "encryption" is the identity (like
 * ENCR_NULL), the IV and ICV are patterns: the codec does not care, tests can
 * read the plaintext, and tshark can dissect it as ENCR_NULL when iv_len is 0
 * and block 1. */
static int smp_auth_req_sk(uint8_t *buf, size_t cap, size_t iv_len, size_t block,
                           size_t icv_len, tip_ike_sk_out_t *sk)
{
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    int err;

    smp_hdr(&h, TIP_IKE_EXCH_IKE_AUTH, TIP_IKE_FLAG_INITIATOR, 1, 1);
    tip_ike_w_init(&w, buf, cap);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_sk_begin(&w, iv_len);
    smp_auth_inner(&w);
    err = tip_ike_w_sk_end(&w, block, icv_len, sk);
    if (err != TIP_OK) {
        return err;
    }
    smp_fill(buf + sk->iv_off, sk->iv_len, 0x33);
    smp_fill(buf + sk->icv_off, sk->icv_len, 0x77);
    return (int)w.len;
}

/* The IKE_AUTH sample with AES-CBC-like shapes: 16-byte IV, blocks, ICV. */
static int smp_auth_req(uint8_t *buf, size_t cap, tip_ike_sk_out_t *sk)
{
    return smp_auth_req_sk(buf, cap, 16, 16, 16, sk);
}

/* INFORMATIONAL response inner chain (unencrypted for the sample):
 * D(ESP, 2 SPIs), D(IKE). Sent as a plain message so tools can see it. */
static int smp_info_delete(uint8_t *buf, size_t cap)
{
    static const uint8_t spis[8] = {0xc0, 0x01, 0xd0, 0x0d, 0x12, 0x34, 0x56, 0x78};
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    int err;

    smp_hdr(&h, TIP_IKE_EXCH_INFORMATIONAL, TIP_IKE_FLAG_INITIATOR | TIP_IKE_FLAG_RESPONSE, 7,
            1);
    tip_ike_w_init(&w, buf, cap);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_delete(&w, TIP_IKE_PROTO_ESP, 4, spis, 2);
    tip_ike_w_delete(&w, TIP_IKE_PROTO_IKE, 0, NULL, 0);
    err = tip_ike_w_finish(&w);
    return err != TIP_OK ? err : (int)w.len;
}

/* CREATE_CHILD_SA request (plain, for the sample): N(REKEY_SA, ESP, SPI),
 * SA (ESP with DH), Ni, KEi, TSi, TSr. */
static int smp_ccsa_rekey(uint8_t *buf, size_t cap)
{
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_prop_desc_t prop;
    tip_ike_ts_t tsi[2], tsr[2];
    uint8_t ni[32], ke[64];
    int err;

    memset(&prop, 0, sizeof(prop));
    prop.proto = TIP_IKE_PROTO_ESP;
    prop.spi_size = 4;
    memcpy(prop.spi, "\xc0\x02\xd0\x0e", 4);
    prop.nxf = 3;
    prop.xf = smp_xf_esp_dh;
    smp_fill(ni, sizeof(ni), 0x05);
    smp_fill(ke, sizeof(ke), 0x06);
    smp_ts(tsi, tsr);
    smp_hdr(&h, TIP_IKE_EXCH_CREATE_CHILD_SA, 0, 2, 1);
    tip_ike_w_init(&w, buf, cap);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_notify(&w, TIP_IKE_PROTO_ESP, smp_esp_spi, 4, TIP_IKE_N_REKEY_SA, NULL, 0);
    tip_ike_w_sa(&w, &prop, 1);
    tip_ike_w_nonce(&w, ni, sizeof(ni));
    tip_ike_w_ke(&w, TIP_IKE_DH_ECP256, ke, sizeof(ke));
    tip_ike_w_ts(&w, TIP_IKE_PL_TSI, tsi, 1);
    tip_ike_w_ts(&w, TIP_IKE_PL_TSR, tsr, 1);
    err = tip_ike_w_finish(&w);
    return err != TIP_OK ? err : (int)w.len;
}

/* IKE_AUTH request with CP(CFG_REQUEST) and CERTREQ, plain, for coverage of
 * the remaining payload types. */
static int smp_cp_certreq(uint8_t *buf, size_t cap)
{
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    tip_ike_cp_attr_t attrs[3];
    uint8_t ca[20];
    int err;

    memset(attrs, 0, sizeof(attrs));
    attrs[0].type = TIP_IKE_CFG_INTERNAL_IP4_ADDRESS;
    attrs[1].type = TIP_IKE_CFG_INTERNAL_IP4_DNS;
    attrs[2].type = TIP_IKE_CFG_INTERNAL_IP6_ADDRESS;
    smp_fill(ca, sizeof(ca), 0xca);
    smp_hdr(&h, TIP_IKE_EXCH_IKE_AUTH, TIP_IKE_FLAG_INITIATOR, 1, 1);
    tip_ike_w_init(&w, buf, cap);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_id(&w, TIP_IKE_PL_IDI, TIP_IKE_ID_IPV4_ADDR, (const uint8_t *)"\xc0\x00\x02\x01",
                 4);
    tip_ike_w_cert(&w, TIP_IKE_PL_CERTREQ, TIP_IKE_CERT_X509_SIG, ca, sizeof(ca));
    tip_ike_w_cp(&w, TIP_IKE_CFG_REQUEST, attrs, 3);
    err = tip_ike_w_finish(&w);
    return err != TIP_OK ? err : (int)w.len;
}

#endif /* TIP_IKE_MSG_SAMPLES_H */
