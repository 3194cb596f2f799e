/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * On-target measurements (app_measure()): two tinyipsec contexts in this
 * firmware, "dev" (the initiator, like the device) and "gw" (the
 * responder), joined by an in-memory link. For each DH group: a whole
 * IKEv2 PSK handshake (IKE_SA_INIT + IKE_AUTH with the first CHILD SA),
 * ESP packets both ways, a CHILD SA rekey with PFS in the same group and
 * an IKE SA rekey (both started by dev, so gw answers them), then the
 * tunnel is closed. Printed per group and exchange (handshake,
 * child-rekey, ike-rekey):
 *   - the stack high-water mark of the exchange, both sides together
 *     (stack painting), in bytes below the caller's stack pointer; it
 *     includes Mbed TLS's frames (and this harness's two small ones, pump()
 *     and deliver()); a firmware built with FW_STACKPROBE=1 also prints
 *     tinyipsec's frames alone;
 *   - the Mbed TLS arena's peak during the exchange, and what stays
 *     allocated after it (the CHILD SAs' cipher contexts);
 *   - with @p icount (QEMU run with -icount shift=0, so that SysTick counts
 *     instructions): instructions per exchange and per ESP packet
 *     (encapsulation, decapsulation) at 64, 512 and 1400 bytes, beside one
 *     bare Mbed TLS AES-128-GCM call of the same size.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "mbedtls/gcm.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "tinyipsec/tinyipsec.h"

#if defined(APP_STACK_PROBE) && APP_STACK_PROBE
/* the board's stack probe (FW_STACKPROBE=1 builds only) */
void board_probe_start(void);
size_t board_probe_stop(void **deepest_fn);
#endif

#define LINK_SLOTS 6
#define LINK_MTU 1600

typedef struct {
    uint8_t data[LINK_MTU + TIP_ESP_HEADROOM + TIP_ESP_TAILROOM];
    size_t len;
    uint8_t is_ip; /* 1: an IP packet (ESP), 0: a UDP payload (IKE) */
    tip_addr_t src, dst;
    uint16_t sport, dport;
} datagram_t;

typedef struct node {
    const char *name;
    tip_ctx_t ctx;
    tip_handle_t conn;
    tip_addr_t addr;
    struct node *peer;
    datagram_t q[LINK_SLOTS];
    unsigned qn;
    unsigned child_up, ike_up, child_rekeyed, ike_rekeyed, failed;
    unsigned long link_drops;
} node_t;

static node_t dev, gw;
static uint64_t fake_now = 1000;

/* instruction counter: with -icount shift=0 one instruction is 1 ns of
 * virtual time, and SysTick counts the 25 MHz clock: 40 instructions a tick */
static uint64_t instr_now(void)
{
    volatile uint32_t *cvr = (volatile uint32_t *)0xE000E018u;
    uint32_t ms, v;

    do {
        ms = board_now_ms();
        v = *cvr;
    } while (ms != board_now_ms());
    return ((uint64_t)ms * 25000u + (24999u - v)) * 40u;
}

static node_t *node_of(void *arg)
{
    return (node_t *)arg;
}

static datagram_t *link_slot(node_t *to)
{
    if (to->qn >= LINK_SLOTS) {
        to->link_drops++;
        return NULL;
    }
    return &to->q[to->qn++];
}

static int port_send_udp(void *arg, const tip_addr_t *src, uint16_t sport, const tip_addr_t *dst,
                         uint16_t dport, const uint8_t *data, size_t len)
{
    node_t *n = node_of(arg);
    datagram_t *d;

    (void)src;
    if (len > LINK_MTU)
        return TIP_ERR_PORT;
    d = link_slot(n->peer);
    if (d == NULL)
        return 0; /* lost on the link, like a full queue */
    memcpy(d->data + TIP_ESP_HEADROOM, data, len);
    d->len = len;
    d->is_ip = 0;
    d->src = n->addr;
    d->dst = *dst;
    d->sport = sport;
    d->dport = dport;
    return 0;
}

static uint64_t esp_sent_at; /* instruction count when the ESP packet left */

static int port_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    node_t *n = node_of(arg);
    datagram_t *d;

    esp_sent_at = instr_now();
    if (len > LINK_MTU)
        return TIP_ERR_PORT;
    d = link_slot(n->peer);
    if (d == NULL)
        return 0;
    memcpy(d->data + TIP_ESP_HEADROOM, pkt, len);
    d->len = len;
    d->is_ip = 1;
    return 0;
}

static uint64_t port_now_ms(void *arg)
{
    (void)arg;
    return fake_now;
}

static int port_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    return board_random(out, len) == 0 ? 0 : TIP_ERR_CRYPTO;
}

static void on_event(void *arg, const tip_event_t *ev)
{
    node_t *n = node_of(arg);

    if (ev->type == TIP_EV_CHILD_UP)
        n->child_up++;
    else if (ev->type == TIP_EV_IKE_UP)
        n->ike_up++;
    else if (ev->type == TIP_EV_CHILD_REKEYED)
        n->child_rekeyed++;
    else if (ev->type == TIP_EV_IKE_REKEYED)
        n->ike_rekeyed++;
    else if (ev->type == TIP_EV_IKE_DOWN && ev->reason != 0)
        n->failed++;
}

static int node_open(node_t *n, const char *name, const char *addr, node_t *peer)
{
    tip_port_t port;

    memset(&port, 0, sizeof(port));
    port.send_udp = port_send_udp;
    port.send_ip = port_send_ip;
    port.now_ms = port_now_ms;
    port.random = port_random;
    port.arg = n;
    n->name = name;
    n->peer = peer;
    n->qn = 0;
    n->child_up = n->ike_up = n->failed = 0;
    if (tip_addr_parse(&n->addr, addr) != TIP_OK)
        return -1;
    if (tip_ctx_init(&n->ctx, &port) != TIP_OK)
        return -1;
    tip_ctx_set_event_cb(&n->ctx, on_event, n);
    return 0;
}

static int node_connect(node_t *n, const char *my_net, const char *peer_net, tip_dh_group_t dh)
{
    tip_ike_conn_t c;
    tip_addr_t a;
    static const char psk[] = "tinyipsec measurement pre-shared key";

    tip_ike_conn_init(&c); /* AES-128-GCM, PRF-HMAC-SHA256; ESP AES-128-GCM */
    c.ike[0].dh = dh;
    c.child[0].pfs = dh; /* CHILD SA rekeys with a key exchange (1.3.2) */
    c.local_addr = n->addr;
    c.remote_addr = n->peer->addr;
    if (tip_ike_id_set(&c.local_id, TIP_ID_FQDN, n == &dev ? "dev.example" : "gw.example") != 0 ||
        tip_ike_id_set(&c.remote_id, TIP_ID_FQDN, n == &dev ? "gw.example" : "dev.example") != 0)
        return -1;
    memcpy(c.psk, psk, sizeof(psk) - 1);
    c.psk_len = sizeof(psk) - 1;
    if (tip_addr_parse(&a, my_net) != 0 || tip_addr_range_prefix(&c.ts.local, &a, 24) != 0 ||
        tip_addr_parse(&a, peer_net) != 0 || tip_addr_range_prefix(&c.ts.remote, &a, 24) != 0)
        return -1;
    return tip_ike_conn_add(&n->ctx, &c, &n->conn);
}

/* Delivers everything queued at @p n; ESP packets are decapsulated and
 * their inner packets checked against @p expect (when not NULL). Returns
 * the number of inner packets that matched. */
static uint64_t decap_instr;
static unsigned deliver(node_t *n, const uint8_t *expect, size_t expect_len)
{
    unsigned i, good = 0;

    for (i = 0; i < n->qn; i++) {
        datagram_t *d = &n->q[i];
        if (d->is_ip) {
            tip_buf_t b = {d->data, sizeof(d->data), TIP_ESP_HEADROOM, d->len};
            uint64_t t0 = instr_now();
            int r = tip_input_ip(&n->ctx, &b);
            decap_instr = instr_now() - t0;
            if (r == TIP_RX_DATA && expect != NULL && b.len == expect_len &&
                memcmp(b.base + b.off, expect, expect_len) == 0)
                good++;
        } else {
            /* RFC 3948 2.2: on port 4500 (after NAT detection, or with
             * MOBIKE from IKE_AUTH on) IKE follows a non-ESP marker. */
            const uint8_t *m = d->data + TIP_ESP_HEADROOM;
            size_t len = d->len;
            if (len >= 4 && (m[0] | m[1] | m[2] | m[3]) == 0) {
                m += 4;
                len -= 4;
            }
            (void)tip_ike_input(&n->ctx, &d->src, d->sport, &d->dst, d->dport, m, len);
        }
    }
    n->qn = 0;
    return good;
}

static void pump(void)
{
    unsigned round;

    for (round = 0; round < 200 && (dev.qn != 0 || gw.qn != 0 || round == 0); round++) {
        (void)deliver(&gw, NULL, 0);
        (void)deliver(&dev, NULL, 0);
        fake_now += 1;
        (void)tip_poll(&dev.ctx, fake_now);
        (void)tip_poll(&gw.ctx, fake_now);
    }
}

/* An IPv4/UDP packet of @p len bytes from 10.1.0.5 to 10.2.0.9 (inside the
 * selectors), with a payload pattern; the IPv4 header checksum is filled. */
static size_t make_packet(uint8_t *p, size_t len, unsigned seq)
{
    size_t i;
    uint32_t sum = 0;

    memset(p, 0, 28);
    p[0] = 0x45;
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    p[4] = (uint8_t)(seq >> 8);
    p[5] = (uint8_t)seq;
    p[8] = 64;
    p[9] = 17;
    p[12] = 10, p[13] = 1, p[14] = 0, p[15] = 5;
    p[16] = 10, p[17] = 2, p[18] = 0, p[19] = 9;
    for (i = 0; i < 20; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    p[10] = (uint8_t)(~sum >> 8);
    p[11] = (uint8_t)~sum;
    p[20] = 0x30, p[21] = 0x39; /* 12345 */
    p[22] = 0, p[23] = 7;
    p[24] = (uint8_t)((len - 20) >> 8);
    p[25] = (uint8_t)(len - 20);
    for (i = 28; i < len; i++)
        p[i] = (uint8_t)(i + seq);
    return len;
}

static int esp_round(size_t len, uint64_t *enc, uint64_t *dec)
{
    static uint8_t mem[1500 + TIP_ESP_HEADROOM + TIP_ESP_TAILROOM];
    static uint8_t ref[1500];
    tip_buf_t b = {mem, sizeof(mem), TIP_ESP_HEADROOM, 0};
    uint64_t t0;
    int r;

    b.len = make_packet(mem + TIP_ESP_HEADROOM, len, (unsigned)len);
    memcpy(ref, mem + TIP_ESP_HEADROOM, len);
    t0 = instr_now();
    r = tip_output(&dev.ctx, &b);
    *enc = esp_sent_at - t0;
    if (r != TIP_SENT)
        return -1;
    if (deliver(&gw, ref, len) != 1)
        return -1;
    *dec = decap_instr;
    return 0;
}

static uint64_t bare_gcm(size_t len)
{
    static uint8_t in[1500], out[1500];
    static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t iv[12] = {0}, aad[8] = {0}, tag[16];
    mbedtls_gcm_context g;
    uint64_t t0, t;

    mbedtls_gcm_init(&g);
    (void)mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 128);
    t0 = instr_now();
    (void)mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, iv, sizeof(iv), aad, sizeof(aad),
                                    in, out, sizeof(tag), tag);
    t = instr_now() - t0;
    mbedtls_gcm_free(&g);
    return t;
}

static const struct {
    tip_dh_group_t dh;
    const char *name;
} groups[] = {
    {TIP_DH_CURVE25519, "Curve25519"},
    {TIP_DH_ECP_256, "ECP-256"},
    {TIP_DH_ECP_384, "ECP-384"},
    {TIP_DH_MODP_2048, "MODP-2048"},
};

/* ESP packets of 64, 512 and 1400 bytes from dev to gw; with @p icount,
 * the instructions of the first group's are printed. */
static int esp_rounds(unsigned g, int icount)
{
    static const size_t sizes[] = {64, 512, 1400};
    unsigned i;
    int rc = 0;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint64_t enc = 0, dec = 0;

        if (esp_round(sizes[i], &enc, &dec) != 0) {
            printf("measure: %s: ESP %u B FAILED\n", groups[g].name, (unsigned)sizes[i]);
            rc = -1;
            continue;
        }
        if (g == 0 && icount)
            printf("measure: ESP AES-128-GCM %4u B: encapsulation %lu, decapsulation %lu, "
                   "bare mbedtls_gcm_crypt_and_tag %lu instructions\n",
                   (unsigned)sizes[i], (unsigned long)enc, (unsigned long)dec,
                   (unsigned long)bare_gcm(sizes[i]));
    }
    return rc;
}

/* The exchanges measured per group, each started by dev and done when
 * both sides report it. */
enum { EX_HANDSHAKE, EX_CHILD_REKEY, EX_IKE_REKEY, EX_COUNT };
static const char *const ex_names[EX_COUNT] = {"handshake", "child-rekey", "ike-rekey"};

static int exchange_start(int ex)
{
    switch (ex) {
    case EX_HANDSHAKE:
        return tip_ike_initiate(&dev.ctx, dev.conn);
    case EX_CHILD_REKEY:
        return tip_ike_rekey_child(&dev.ctx, dev.conn);
    default:
        return tip_ike_rekey_ike(&dev.ctx, dev.conn);
    }
}

static int exchange_done(int ex)
{
    if (dev.failed != 0 || gw.failed != 0)
        return 0;
    switch (ex) {
    case EX_HANDSHAKE:
        return dev.child_up == 1 && gw.child_up == 1;
    case EX_CHILD_REKEY:
        return dev.child_rekeyed == 1 && gw.child_rekeyed == 1;
    default:
        return dev.ike_rekeyed == 1 && gw.ike_rekeyed == 1;
    }
}

int app_measure(int icount)
{
    unsigned g;
    int rc = 0;

    printf("measure: sizeof(tip_ctx_t) = %u B (TIP_USER_CONFIG_FILE of the example)\n",
           (unsigned)sizeof(tip_ctx_t));
    for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        size_t arena_base, arena_peak, arena_steady, blocks, stack, base, tip_only = 0;
        void *deepest = NULL;
        uint64_t t0, hs_instr;
        int ok, ex;

        memset(&dev, 0, sizeof(dev));
        memset(&gw, 0, sizeof(gw));
        if (node_open(&dev, "dev", "192.0.2.1", &gw) != 0 || node_open(&gw, "gw", "192.0.2.2", &dev) != 0 ||
            node_connect(&dev, "10.1.0.0", "10.2.0.0", groups[g].dh) != 0 ||
            node_connect(&gw, "10.2.0.0", "10.1.0.0", groups[g].dh) != 0) {
            printf("measure: %s: setup failed\n", groups[g].name);
            return -1;
        }
        for (ex = 0; ex < EX_COUNT; ex++) {
            mbedtls_memory_buffer_alloc_cur_get(&arena_base, &blocks);
            mbedtls_memory_buffer_alloc_max_reset();
            base = board_stack_depth();
            board_stack_repaint();
#if defined(APP_STACK_PROBE) && APP_STACK_PROBE
            board_probe_start();
#endif
            t0 = instr_now();
            ok = exchange_start(ex) == 0;
            pump();
            hs_instr = instr_now() - t0;
#if defined(APP_STACK_PROBE) && APP_STACK_PROBE
            tip_only = board_probe_stop(&deepest);
#endif
            stack = board_stack_high_water();
            mbedtls_memory_buffer_alloc_max_get(&arena_peak, &blocks);
            mbedtls_memory_buffer_alloc_cur_get(&arena_steady, &blocks);
            ok = ok && exchange_done(ex);
            /* steady: what the exchange left allocated (a rekey frees the
             * old SAs' contexts, so it may be negative) */
            printf("measure: %-10s %s %s: stack %u B (high-water %u B - %u B in use at the call), "
                   "Mbed TLS arena peak %u B, steady %ld B",
                   groups[g].name, ex_names[ex], ok ? "OK" : "FAILED", (unsigned)(stack - base),
                   (unsigned)stack, (unsigned)base, (unsigned)(arena_peak - arena_base),
                   (long)arena_steady - (long)arena_base);
            if (icount)
                printf(", %lu instructions", (unsigned long)hs_instr);
            if (tip_only != 0)
                printf(", tinyipsec frames alone %u B (deepest on entry to the function at %p)",
                       (unsigned)tip_only, deepest);
            printf("\n");
            if (!ok) {
                rc = -1;
                break;
            }
            if (ex == EX_HANDSHAKE && esp_rounds(g, icount) != 0)
                rc = -1;
        }
        (void)tip_ctx_deinit(&dev.ctx);
        (void)tip_ctx_deinit(&gw.ctx);
    }
    {
        size_t peak, blocks;
        mbedtls_memory_buffer_alloc_cur_get(&peak, &blocks);
        printf("measure: arena in use after all contexts were closed: %u B (%u blocks)\n",
               (unsigned)peak, (unsigned)blocks);
    }
    printf("measure: %s\n", rc == 0 ? "all exchanges and ESP round trips OK" : "FAILED");
    return rc;
}
