/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Independent-decoder test, part 1: ESP-encapsulate distinctive inner
 * packets with every algorithm combination, and write
 *
 *   OUTDIR/esp.pcap      the outer packets (LINKTYPE_RAW)
 *   OUTDIR/esp_sa        Wireshark 4.0's ESP SA table (UAT) for them
 *   OUTDIR/expected.txt  per frame: SPI, label, the bytes ESP protects
 *                        (inner packet in tunnel mode, upper-layer segment
 *                        in transport mode) and the payload text
 *
 * test_tshark_decrypt.sh then asks tshark, which shares no code with us
 * (libgcrypt, its own ESP dissector), to decrypt and authenticate every
 * frame and compares the result with expected.txt.
 *
 * Usage: test_tshark_gen OUTDIR. Without arguments the files go to a
 * temporary directory that is removed again (a smoke test for ctest).
 *
 * tip-requires: TIP_CONF_AES_GCM TIP_CONF_AES_CBC TIP_CONF_CHACHAPOLY TIP_CONF_ENCR_NULL
 * tip-requires: TIP_CONF_HMAC_SHA256 TIP_CONF_HMAC_SHA384 TIP_CONF_HMAC_SHA512 TIP_CONF_IPV6
 * tip-requires: TIP_CONF_NATT
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tinyipsec/tinyipsec.h"
#include "tip_pcap.h"
#include "tip_test_pkt.h"
#include "tip_test_port.h"

/* Wireshark 4.0 packet-ipsec.c, esp_encryption_type_vals and
 * esp_authentication_type_vals: the UAT stores the names, so they must match
 * character for character. */
#define WS_ENCR_NULL      "NULL"
#define WS_ENCR_AES_CBC   "AES-CBC [RFC3602]"
#define WS_ENCR_AES_GCM16 "AES-GCM with 16 octet ICV [RFC4106]"
#define WS_AUTH_NULL      "NULL"
#define WS_AUTH_SHA256    "HMAC-SHA-256-128 [RFC4868]"
#define WS_AUTH_SHA384    "HMAC-SHA-384-192 [RFC4868]"
#define WS_AUTH_SHA512    "HMAC-SHA-512-256 [RFC4868]"

typedef enum { INNER_ICMP, INNER_UDP, INNER_TCP_SYN } inner_kind_t;

typedef struct {
    uint32_t spi;
    const char *name;
    tip_encr_t encr;
    size_t encr_key_len; /* with the GCM salt */
    tip_integ_t integ;
    size_t integ_key_len;
    tip_mode_t mode;
    const char *outer_src, *outer_dst;
    uint16_t natt;                     /* 0 = raw ESP, else both NAT-T ports */
    const char *inner_src, *inner_dst; /* tunnel mode only */
    inner_kind_t inner[3];
    unsigned n_inner;
} sa_case_t;

/* Outer 10.99.0.1 -> 10.99.0.2 as in the interop topology; inner
 * 10.1.0.1 -> 10.2.0.1 (tunnel). Transport mode protects the outer hosts'
 * own traffic. */
/* clang-format off */
static const sa_case_t cases[] = {
    /* spi, name, encr, key(+salt) len, integ, key len, mode, outer src/dst, NAT-T,
     * inner src/dst (tunnel), inner packets */
    { 0x00001001, "gcm128-tunnel4", TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0,
      TIP_MODE_TUNNEL, "10.99.0.1", "10.99.0.2", 0, "10.1.0.1", "10.2.0.1",
      { INNER_ICMP, INNER_UDP }, 2 },
    { 0x00001002, "gcm256-tunnel4", TIP_ENCR_AES_GCM_16, 36, TIP_INTEG_NONE, 0,
      TIP_MODE_TUNNEL, "10.99.0.1", "10.99.0.2", 0, "10.1.0.1", "10.2.0.1",
      { INNER_ICMP, INNER_UDP }, 2 },
    { 0x00001003, "cbc128-sha256-tunnel4", TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_256_128, 32,
      TIP_MODE_TUNNEL, "10.99.0.1", "10.99.0.2", 0, "10.1.0.1", "10.2.0.1",
      { INNER_ICMP, INNER_UDP, INNER_TCP_SYN }, 3 },
    { 0x00001004, "cbc256-sha512-tunnel4", TIP_ENCR_AES_CBC, 32, TIP_INTEG_HMAC_SHA2_512_256, 64,
      TIP_MODE_TUNNEL, "10.99.0.1", "10.99.0.2", 0, "10.1.0.1", "10.2.0.1",
      { INNER_ICMP, INNER_UDP }, 2 },
    { 0x00001005, "null-sha384-tunnel4", TIP_ENCR_NULL, 0, TIP_INTEG_HMAC_SHA2_384_192, 48,
      TIP_MODE_TUNNEL, "10.99.0.1", "10.99.0.2", 0, "10.1.0.1", "10.2.0.1",
      { INNER_ICMP, INNER_UDP }, 2 },
    { 0x00001006, "gcm128-natt-tunnel4", TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0,
      TIP_MODE_TUNNEL, "10.99.0.1", "10.99.0.2", 4500, "10.1.0.1", "10.2.0.1",
      { INNER_ICMP, INNER_UDP }, 2 },
    { 0x00001007, "cbc128-sha256-transport4", TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_256_128, 32,
      TIP_MODE_TRANSPORT, "10.99.0.1", "10.99.0.2", 0, NULL, NULL,
      { INNER_UDP, INNER_ICMP }, 2 },
    { 0x00001008, "gcm256-tunnel6", TIP_ENCR_AES_GCM_16, 36, TIP_INTEG_NONE, 0,
      TIP_MODE_TUNNEL, "2001:db8:99::1", "2001:db8:99::2", 0, "2001:db8:1::1", "2001:db8:2::1",
      { INNER_ICMP, INNER_UDP }, 2 },
    { 0x00001009, "cbc256-sha512-transport6", TIP_ENCR_AES_CBC, 32, TIP_INTEG_HMAC_SHA2_512_256, 64,
      TIP_MODE_TRANSPORT, "2001:db8:99::1", "2001:db8:99::2", 0, NULL, NULL,
      { INNER_UDP, INNER_ICMP }, 2 },
    { 0x0000100a, "gcm128-natt-transport4", TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0,
      TIP_MODE_TRANSPORT, "10.99.0.1", "10.99.0.2", 4500, NULL, NULL,
      { INNER_UDP }, 1 },
    { 0x0000100b, "cbc128-sha256-v4-in-v6", TIP_ENCR_AES_CBC, 16, TIP_INTEG_HMAC_SHA2_256_128, 32,
      TIP_MODE_TUNNEL, "2001:db8:99::1", "2001:db8:99::2", 0, "10.1.0.1", "10.2.0.1",
      { INNER_ICMP }, 1 },
    { 0x0000100c, "gcm128-natt-tunnel6", TIP_ENCR_AES_GCM_16, 20, TIP_INTEG_NONE, 0,
      TIP_MODE_TUNNEL, "2001:db8:99::1", "2001:db8:99::2", 4500, "2001:db8:1::1", "2001:db8:2::1",
      { INNER_UDP }, 1 },
};
/* clang-format on */

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static const char *encr_name(tip_encr_t e)
{
    switch (e) {
    case TIP_ENCR_AES_CBC:
        return WS_ENCR_AES_CBC;
    case TIP_ENCR_AES_GCM_16:
        return WS_ENCR_AES_GCM16;
    default:
        return WS_ENCR_NULL;
    }
}

static const char *integ_name(tip_integ_t i)
{
    switch (i) {
    case TIP_INTEG_HMAC_SHA2_256_128:
        return WS_AUTH_SHA256;
    case TIP_INTEG_HMAC_SHA2_384_192:
        return WS_AUTH_SHA384;
    case TIP_INTEG_HMAC_SHA2_512_256:
        return WS_AUTH_SHA512;
    default:
        return WS_AUTH_NULL;
    }
}

static const char *kind_name(inner_kind_t k)
{
    return k == INNER_ICMP ? "icmp" : k == INNER_UDP ? "udp" : "tcpsyn";
}

static int die(const char *what, int err)
{
    fprintf(stderr, "test_tshark_gen: %s: %s (%d)\n", what, tip_strerror(err), err);
    return 1;
}

/* Build the inner packet (tunnel) or the host's own packet (transport). */
static int build_inner(tip_buf_t *b, const sa_case_t *c, unsigned k, const char *text)
{
    tip_addr_t s = tip_test_addr(c->mode == TIP_MODE_TUNNEL ? c->inner_src : c->outer_src);
    tip_addr_t d = tip_test_addr(c->mode == TIP_MODE_TUNNEL ? c->inner_dst : c->outer_dst);
    const uint8_t *pl = (const uint8_t *)text;
    size_t n = strlen(text);

    switch (c->inner[k]) {
    case INNER_ICMP:
        return tip_test_pkt_icmp_echo(b, &s, &d, (uint16_t)(c->spi & 0xFFFF), (uint16_t)(k + 1), pl,
                                      n);
    case INNER_UDP:
        /* Ports without a Wireshark dissector, so the payload shows as data. */
        return tip_test_pkt_udp(b, &s, &d, 40000, 40001, pl, n);
    default:
        return tip_test_pkt_tcp_syn(b, &s, &d, 40002, 40003, 0x11223344u + c->spi);
    }
}

static int write_hex_field(FILE *f, const uint8_t *p, size_t n)
{
    size_t i;

    fputs("\"0x", f);
    for (i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    return fputs("\"", f) < 0;
}

static int run(const char *outdir)
{
    static tip_test_port_t tp;
    static tip_ctx_t ctx;
    tip_port_t port;
    tip_pcap_t pc;
    char path[4096];
    FILE *fsa, *fexp;
    uint32_t frame = 0;
    size_t ci;
    int err;

    tip_test_port_init(&tp, 0x7469707368726b31ull, 1700000000000ull);
    tip_test_port_fill(&tp, &port);
    err = tip_ctx_init(&ctx, &port);
    if (err != TIP_OK)
        return die("tip_ctx_init", err);

    snprintf(path, sizeof(path), "%s/esp.pcap", outdir);
    if (tip_pcap_open(&pc, path) != TIP_OK) {
        perror(path);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/esp_sa", outdir);
    fsa = fopen(path, "w");
    snprintf(path, sizeof(path), "%s/expected.txt", outdir);
    fexp = fopen(path, "w");
    if (fsa == NULL || fexp == NULL) {
        perror(path);
        return 1;
    }
    fprintf(fsa, "# This file is automatically generated, DO NOT MODIFY.\n");
    fprintf(fexp, "# frame spi label mode inner_hex payload_hex\n");

    for (ci = 0; ci < N_CASES; ci++) {
        const sa_case_t *c = &cases[ci];
        uint8_t ekey[TIP_MAX_KEY_LEN], ikey[TIP_MAX_KEY_LEN];
        tip_sa_params_t sp;
        tip_handle_t h;
        unsigned k;
        size_t i;

        /* Keys from the test port's seeded generator: reproducible. */
        for (i = 0; i < c->encr_key_len; i++)
            ekey[i] = (uint8_t)tip_test_port_rand64(&tp);
        for (i = 0; i < c->integ_key_len; i++)
            ikey[i] = (uint8_t)tip_test_port_rand64(&tp);

        memset(&sp, 0, sizeof(sp));
        sp.spi = c->spi;
        sp.dir = TIP_DIR_OUT;
        sp.mode = c->mode;
        sp.src = tip_test_addr(c->outer_src);
        sp.dst = tip_test_addr(c->outer_dst);
        sp.encr = c->encr;
        sp.encr_key = c->encr_key_len ? ekey : NULL;
        sp.encr_key_len = c->encr_key_len;
        sp.integ = c->integ;
        sp.integ_key = c->integ_key_len ? ikey : NULL;
        sp.integ_key_len = c->integ_key_len;
        sp.natt_sport = c->natt;
        sp.natt_dport = c->natt;
        err = tip_sad_add(&ctx, &sp, &h);
        if (err != TIP_OK) {
            fprintf(stderr, "SA %s: ", c->name);
            return die("tip_sad_add", err);
        }

        /* esp_sa: protocol, src, dst, SPI, encryption, key, authentication, key
         * (Wireshark 4.0 has no ESN column). */
        fprintf(fsa, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",",
                sp.src.family == TIP_AF_INET6 ? "IPv6" : "IPv4", c->outer_src, c->outer_dst,
                (unsigned)c->spi, encr_name(c->encr));
        if (c->encr_key_len)
            write_hex_field(fsa, ekey, c->encr_key_len);
        else
            fputs("\"\"", fsa);
        fprintf(fsa, ",\"%s\",", integ_name(c->integ));
        if (c->integ_key_len)
            write_hex_field(fsa, ikey, c->integ_key_len);
        else
            fputs("\"\"", fsa);
        fputs("\n", fsa);

        for (k = 0; k < c->n_inner; k++) {
            static uint8_t mem[2048];
            char text[96], hex[2 * sizeof(mem) + 1];
            tip_buf_t b;
            size_t hlen, plen;
            int v;

            snprintf(text, sizeof(text), "tinyipsec tshark %s %s #%u", c->name,
                     kind_name(c->inner[k]), k + 1);
            tip_test_buf_init(&b, mem, sizeof(mem), 256);
            err = build_inner(&b, c, k, text);
            if (err != TIP_OK)
                return die("building the inner packet", err);
            if (tip_test_pkt_verify(tip_test_buf_data(&b), b.len) != 0)
                return die("the test's own inner packet is broken", TIP_ERR_INTERNAL);
            /* What ESP protects: the whole packet in tunnel mode, what follows
             * the IP header in transport mode (RFC 4303 3.1). */
            hlen = c->mode == TIP_MODE_TUNNEL ? 0 : (tip_test_buf_data(&b)[0] >> 4) == 4 ? 20 : 40;
            plen = c->inner[k] == INNER_TCP_SYN ? 0 : strlen(text);
            fprintf(fexp, "%u 0x%08x %s-%s %s %s ", (unsigned)(frame + 1), (unsigned)c->spi,
                    c->name, kind_name(c->inner[k]),
                    c->mode == TIP_MODE_TUNNEL ? "tunnel" : "transport",
                    tip_test_to_hex(tip_test_buf_data(&b) + hlen, b.len - hlen, hex));
            fprintf(fexp, "%s\n", plen ? tip_test_to_hex((const uint8_t *)text, plen, hex) : "-");

            err = tip_esp_encap(&ctx, h, &b);
            if (err != TIP_OK) {
                fprintf(stderr, "SA %s packet %u: ", c->name, k + 1);
                return die("tip_esp_encap", err);
            }
            v = tip_test_pkt_verify(tip_test_buf_data(&b), b.len);
            if (v != 0) {
                fprintf(stderr,
                        "SA %s packet %u: outer packet fails the checksum/length "
                        "check (%d)\n",
                        c->name, k + 1, v);
                return 1;
            }
            err = tip_pcap_write(&pc, tip_test_buf_data(&b), b.len, (tp.now_ms + frame) * 1000u);
            if (err != TIP_OK)
                return die("writing the pcap", err);
            frame++;
        }
    }
    if (tip_pcap_close(&pc) != TIP_OK || fclose(fsa) != 0 || fclose(fexp) != 0) {
        perror("closing the output files");
        return 1;
    }
    tip_ctx_deinit(&ctx);
    printf("test_tshark_gen: %u packets, %u SAs written to %s\n", (unsigned)frame,
           (unsigned)N_CASES, outdir);
    return 0;
}

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/tip_tshark_gen_XXXXXX";
    char path[4096];
    const char *files[] = {"esp.pcap", "esp_sa", "expected.txt"};
    size_t i;
    int rc;

    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: %s [OUTDIR]\n", argv[0]);
        return 2;
    }
    if (argc == 2)
        return run(argv[1]);
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    rc = run(tmpl);
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpl, files[i]);
        (void)remove(path);
    }
    (void)rmdir(tmpl);
    return rc;
}
