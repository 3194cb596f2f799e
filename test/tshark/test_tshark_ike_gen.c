/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Independent-decoder test for the IKEv2 message builder, part 1: write the
 * sample messages of test/unit/ike_msg_samples.h as IPv4/UDP packets
 *
 *   OUTDIR/ike.pcap      the packets: port 500, and port 4500 with the
 *                        4-byte non-ESP marker (RFC 3948 2.2)
 *   OUTDIR/expected.txt  per frame: number, label, UDP port, exchange type,
 *                        the payload types in order (outer chain, then the
 *                        inner one where tshark can open the SK payload),
 *                        the notify types and the TS types
 *   OUTDIR/ikev2_decryption_table  Wireshark 4.0's IKEv2 UAT: one entry,
 *                        ENCR_NULL with an unchecked 128-bit ICV, for the
 *                        frame whose SK payload is shaped that way (its
 *                        initiator SPI differs from the others)
 *
 * test_tshark_ike_check.sh then has tshark (Wireshark's ISAKMP dissector,
 * no code shared with tinyipsec) dissect them and compares.
 *
 * Usage: test_tshark_ike_gen OUTDIR [CORPUSDIR]. With CORPUSDIR the bare
 * IKE messages are also written there, one file each, as the seed corpus
 * of test/fuzz/fuzz_ike_msg.c. Without arguments: a smoke run into a
 * temporary directory that is removed again.
 *
 * tip-requires: TIP_CONF_IKEV2 TIP_CONF_AES_GCM TIP_CONF_AES_CBC TIP_CONF_CHACHAPOLY
 * tip-requires: TIP_CONF_IKE_INITIATOR TIP_CONF_IKE_RESPONDER
 * tip-requires: TIP_CONF_ENCR_NULL TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384 TIP_CONF_HMAC_SHA512
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ike/ike_msg.h"
#include "tip_pcap.h"
#include "../unit/ike_msg_samples.h"

typedef int (*gen_fn)(uint8_t *buf, size_t cap);

static int auth_req(uint8_t *buf, size_t cap)
{
    tip_ike_sk_out_t so;
    return smp_auth_req(buf, cap, &so);
}

/* SK shaped for ENCR_NULL (no IV, no alignment) with a 16-byte ICV, which
 * tshark can open with an ikev2_decryption_table entry "NULL [RFC2410]" /
 * "ANY 128-bits of Authentication [No Checking]" and dissect the inner chain. */
static int auth_req_null(uint8_t *buf, size_t cap)
{
    tip_ike_sk_out_t so;
    return smp_auth_req_sk(buf, cap, 0, 1, 16, &so);
}

#if TIP_CONF_IKE_CERT
/* Bytes of test/data/certs/@p name, or 0. */
static size_t load_cert_file(const char *name, uint8_t *out, size_t cap)
{
    const char *dir = getenv("TIP_TEST_DATA");
    char path[512];
    FILE *f;
    size_t n;

    if (dir == NULL)
        return 0;
    snprintf(path, sizeof(path), "%s/certs/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    n = fread(out, 1, cap, f);
    fclose(f);
    return n;
}

/* What certificate authentication sends in IKE_AUTH (unprotected, for the
 * dissector): IDi, CERT (a real X.509 certificate), CERTREQ, an RFC 7427
 * AUTH (ecdsa-with-SHA256 AlgorithmIdentifier and a DER signature) and the
 * SIGNATURE_HASH_ALGORITHMS notify of IKE_SA_INIT. */
static int cert_auth(uint8_t *buf, size_t cap)
{
    static const uint8_t alg[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                  0xce, 0x3d, 0x04, 0x03, 0x02};
    static const uint8_t hashes[] = {0, 2, 0, 3, 0, 4};
    uint8_t cert[2048], sig[128], auth[1 + sizeof(alg) + sizeof(sig)], ca[20];
    size_t clen = load_cert_file("dev.der", cert, sizeof(cert));
    size_t slen = load_cert_file("kat-gw.sig", sig, sizeof(sig));
    tip_ike_w_t w;
    tip_ike_hdr_t h;
    int err;

    if (clen == 0 || slen == 0)
        return TIP_ERR_NOT_FOUND;
    auth[0] = sizeof(alg);
    memcpy(auth + 1, alg, sizeof(alg));
    memcpy(auth + 1 + sizeof(alg), sig, slen);
    smp_fill(ca, sizeof(ca), 0xca);
    smp_hdr(&h, TIP_IKE_EXCH_IKE_AUTH, TIP_IKE_FLAG_INITIATOR, 1, 1);
    tip_ike_w_init(&w, buf, cap);
    tip_ike_w_hdr(&w, &h);
    tip_ike_w_id(&w, TIP_IKE_PL_IDI, TIP_IKE_ID_FQDN, (const uint8_t *)"dev.test", 8);
    tip_ike_w_cert(&w, TIP_IKE_PL_CERT, TIP_IKE_CERT_X509_SIG, cert, clen);
    tip_ike_w_cert(&w, TIP_IKE_PL_CERTREQ, TIP_IKE_CERT_X509_SIG, ca, sizeof(ca));
    tip_ike_w_auth(&w, TIP_IKE_AUTH_DIGITAL_SIG, auth, 1 + sizeof(alg) + slen);
    tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_SIGNATURE_HASH_ALGORITHMS, hashes, sizeof(hashes));
    err = tip_ike_w_finish(&w);
    return err != TIP_OK ? err : (int)w.len;
}
#endif

static const struct {
    const char *label;
    gen_fn fn;
    uint16_t port;
    int null_sk; /* SK readable as ENCR_NULL: tshark gets a decryption entry */
} cases[] = {
    {"ike_sa_init_req", smp_init_req, 500, 0},
    {"ike_sa_init_req_natt", smp_init_req, 4500, 0},
    {"ike_auth_req_sk", auth_req, 4500, 0},
    {"ike_auth_req_sk_null", auth_req_null, 4500, 1},
    {"informational_delete", smp_info_delete, 500, 0},
    {"create_child_sa_rekey", smp_ccsa_rekey, 500, 0},
    {"ike_auth_cp_certreq", smp_cp_certreq, 500, 0},
#if TIP_CONF_IKE_CERT
    {"ike_auth_cert_rfc7427", cert_auth, 500, 0},
#endif
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Append the payload, notify and TS types of chain @p m to the lists. */
static void list_chain(const tip_ike_msg_t *m, char *pl, char *nt, char *ts, size_t cap)
{
    size_t k, n;

    for (k = 0; k < m->count; k++) {
        const tip_ike_pl_t *p = &m->pl[k];
        const uint8_t *body = tip_ike_pl_body(m, p);

        n = strlen(pl);
        snprintf(pl + n, cap - n, "%s%u", n ? "," : "", (unsigned)p->type);
        if (p->type == TIP_IKE_PL_N) {
            tip_ike_notify_t no;
            if (tip_ike_notify_parse(body, p->len, &no) == TIP_OK) {
                n = strlen(nt);
                snprintf(nt + n, cap - n, "%s%u", n ? "," : "", (unsigned)no.type);
            }
        } else if (p->type == TIP_IKE_PL_TSI || p->type == TIP_IKE_PL_TSR) {
            tip_ike_ts_t t;
            size_t pos = 0;
            while (tip_ike_ts_next(body, p->len, &pos, &t) == 1) {
                n = strlen(ts);
                snprintf(ts + n, cap - n, "%s%u", n ? "," : "", (unsigned)t.type);
            }
        }
    }
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL) {
        perror(path);
        return 1;
    }
    if (fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

static int run(const char *outdir, const char *corpus)
{
    static uint8_t buf[4 + 4096];
    tip_addr_t src, dst;
    tip_pcap_t pc;
    tip_ike_msg_t m;
    char path[4096], pl[512], nt[512], ts[512];
    FILE *fexp, *ftab;
    size_t i;

    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    src.family = dst.family = TIP_AF_INET;
    memcpy(src.addr, "\xc0\x00\x02\x01", 4);   /* 192.0.2.1 */
    memcpy(dst.addr, "\xc6\x33\x64\x02", 4);   /* 198.51.100.2 */

    snprintf(path, sizeof(path), "%s/ike.pcap", outdir);
    if (tip_pcap_open(&pc, path) != TIP_OK) {
        perror(path);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/expected.txt", outdir);
    fexp = fopen(path, "w");
    if (fexp == NULL) {
        perror(path);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/ikev2_decryption_table", outdir);
    ftab = fopen(path, "w");
    if (ftab == NULL) {
        perror(path);
        return 1;
    }
    fprintf(fexp, "# frame label udp-port exchange payload-types notify-types ts-types\n");
    for (i = 0; i < N_CASES; i++) {
        size_t off = cases[i].port == 4500 ? TIP_IKE_NON_ESP_MARKER_LEN : 0;
        int len;

        memset(buf, 0, sizeof(buf)); /* the non-ESP marker is 4 zero bytes */
        len = cases[i].fn(buf + off, sizeof(buf) - off);
        if (len < 0) {
            fprintf(stderr, "%s: builder failed: %d\n", cases[i].label, len);
            return 1;
        }
        if (cases[i].null_sk) {
            buf[off + 7] ^= 0xff; /* its own initiator SPI, for the UAT entry */
        }
        if (tip_ike_msg_parse(buf + off, (size_t)len, &m) != TIP_OK) {
            fprintf(stderr, "%s: does not parse back\n", cases[i].label);
            return 1;
        }
        if (tip_pcap_write_udp(&pc, &src, cases[i].port, &dst, cases[i].port, buf,
                               off + (size_t)len, (1700000000ull + i) * 1000000u) != TIP_OK) {
            fprintf(stderr, "writing the pcap failed\n");
            return 1;
        }
        pl[0] = nt[0] = ts[0] = '\0';
        list_chain(&m, pl, nt, ts, sizeof(pl));
        if (cases[i].null_sk && m.sk_index >= 0) {
            /* ENCR_NULL: no IV, no alignment, the plaintext as it is */
            tip_ike_msg_t in;
            tip_ike_sk_t sk;
            const tip_ike_pl_t *p = &m.pl[m.sk_index];

            if (tip_ike_sk_split(tip_ike_pl_body(&m, p), p->len, 0, 16, 1, &sk) != TIP_OK ||
                tip_ike_msg_parse_inner(&m, sk.ct, sk.ct_len - 1 - sk.ct[sk.ct_len - 1],
                                        &in) != TIP_OK) {
                fprintf(stderr, "%s: inner chain does not parse back\n", cases[i].label);
                return 1;
            }
            list_chain(&in, pl, nt, ts, sizeof(pl));
            fprintf(ftab, "%02x%02x%02x%02x%02x%02x%02x%02x,", buf[off], buf[off + 1],
                    buf[off + 2], buf[off + 3], buf[off + 4], buf[off + 5], buf[off + 6],
                    buf[off + 7]);
            fprintf(ftab, "%02x%02x%02x%02x%02x%02x%02x%02x,,,\"NULL [RFC2410]\",,,"
                          "\"ANY 128-bits of Authentication [No Checking]\"\n",
                    buf[off + 8], buf[off + 9], buf[off + 10], buf[off + 11], buf[off + 12],
                    buf[off + 13], buf[off + 14], buf[off + 15]);
        }
        fprintf(fexp, "%u %s %u %u %s %s %s\n", (unsigned)(i + 1), cases[i].label,
                (unsigned)cases[i].port, (unsigned)m.hdr.exchange, pl, nt[0] ? nt : "-",
                ts[0] ? ts : "-");
        if (corpus != NULL && (i == 0 || cases[i].fn != cases[i - 1].fn)) {
            snprintf(path, sizeof(path), "%s/%s", corpus, cases[i].label);
            if (write_file(path, buf + off, (size_t)len) != 0) {
                return 1;
            }
        }
    }
    if (tip_pcap_close(&pc) != TIP_OK || fclose(fexp) != 0 || fclose(ftab) != 0) {
        perror("closing the output files");
        return 1;
    }
    printf("test_tshark_ike_gen: %u messages written to %s\n", (unsigned)N_CASES, outdir);
    return 0;
}

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/tip_tshark_ike_gen_XXXXXX";
    char path[4096];
    const char *files[] = {"ike.pcap", "expected.txt", "ikev2_decryption_table"};
    size_t i;
    int rc;

    if (argc > 3 || (argc >= 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: %s [OUTDIR [CORPUSDIR]]\n", argv[0]);
        return 2;
    }
    if (argc >= 2) {
        return run(argv[1], argc == 3 ? argv[2] : NULL);
    }
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    rc = run(tmpl, NULL);
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpl, files[i]);
        (void)remove(path);
    }
    (void)rmdir(tmpl);
    return rc;
}
