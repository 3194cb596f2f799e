/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Minimal pcap writer (see tip_pcap.h). The file is written little-endian
 * with the magic 0xA1B2C3D4, so readers detect the byte order themselves.
 */
#include "tip_pcap.h"

#include <string.h>

#include "tinyipsec/error.h"
#include "tip_test_pkt.h"

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int put(tip_pcap_t *pc, const void *p, size_t len)
{
    if (len > 0 && fwrite(p, 1, len, pc->f) != len) {
        pc->failed = 1;
        return TIP_ERR_PORT;
    }
    return TIP_OK;
}

int tip_pcap_open(tip_pcap_t *pc, const char *path)
{
    uint8_t h[24];

    memset(pc, 0, sizeof(*pc));
    pc->f = fopen(path, "wb");
    if (pc->f == NULL)
        return TIP_ERR_PORT;
    le32(h, 0xA1B2C3D4u); /* magic: microsecond timestamps */
    le16(h + 4, 2);       /* version 2.4 */
    le16(h + 6, 4);
    le32(h + 8, 0);  /* thiszone */
    le32(h + 12, 0); /* sigfigs */
    le32(h + 16, TIP_PCAP_SNAPLEN);
    le32(h + 20, TIP_PCAP_LINKTYPE_RAW);
    return put(pc, h, sizeof(h));
}

int tip_pcap_write(tip_pcap_t *pc, const uint8_t *pkt, size_t len, uint64_t t_us)
{
    uint8_t h[16];
    size_t caplen = len < TIP_PCAP_SNAPLEN ? len : TIP_PCAP_SNAPLEN;
    int err;

    if (pc == NULL || pc->f == NULL || (pkt == NULL && len > 0) || len > 0xFFFFFFFFu)
        return TIP_ERR_ARG;
    le32(h, (uint32_t)(t_us / 1000000u));
    le32(h + 4, (uint32_t)(t_us % 1000000u));
    le32(h + 8, (uint32_t)caplen);
    le32(h + 12, (uint32_t)len);
    err = put(pc, h, sizeof(h));
    if (err == TIP_OK)
        err = put(pc, pkt, caplen);
    if (err == TIP_OK)
        pc->count++;
    return err;
}

int tip_pcap_write_udp(tip_pcap_t *pc, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                       uint16_t dport, const uint8_t *data, size_t len, uint64_t t_us)
{
    uint8_t mem[40 + 8 + 65535]; /* on the stack: no shared state */
    tip_buf_t b;
    int err;

    tip_test_buf_init(&b, mem, sizeof(mem), 0);
    err = tip_test_pkt_udp(&b, src, dst, sport, dport, data, len);
    if (err != TIP_OK)
        return err;
    return tip_pcap_write(pc, tip_test_buf_data(&b), b.len, t_us);
}

int tip_pcap_write_sent(tip_pcap_t *pc, const tip_test_sent_t *s, const tip_addr_t *default_src)
{
    tip_addr_t src;

    if (s == NULL)
        return TIP_ERR_ARG;
    if (s->kind == TIP_TEST_SENT_IP)
        return tip_pcap_write(pc, s->data, s->len, s->t_ms * 1000u);
    src = s->src;
    if (src.family == TIP_AF_NONE) {
        if (default_src != NULL) {
            src = *default_src;
        } else {
            memset(&src, 0, sizeof(src));
            src.family = s->dst.family;
        }
    }
    return tip_pcap_write_udp(pc, &src, s->sport, &s->dst, s->dport, s->data, s->len,
                              s->t_ms * 1000u);
}

int tip_pcap_close(tip_pcap_t *pc)
{
    int err = TIP_OK;

    if (pc == NULL || pc->f == NULL)
        return TIP_ERR_ARG;
    if (fclose(pc->f) != 0 || pc->failed)
        err = TIP_ERR_PORT;
    pc->f = NULL;
    return err;
}
