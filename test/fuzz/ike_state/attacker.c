/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * fuzz_ike_state, part 3 (included by fuzz_ike_state.c): the attacker. It
 * holds no key; it sees every datagram on the wire and what is sent to its
 * addresses, and sends from any address.
 */

/* An attacker datagram: the oracle first (is it genuine and new at @p to?), then in. */
static void fz_atk_send(int to, const tip_addr_t *src, uint16_t sport, uint16_t dport,
                        const uint8_t *data, size_t len)
{
    fz_dgram_t d;
    const uint8_t *msg;
    size_t mlen;
    int genuine;

    if (len > FZ_DGRAM_MAX || g_stop)
        return;
    memset(&d, 0, offsetof(fz_dgram_t, data));
    d.sport = sport;
    d.dport = dport;
    d.len = (uint16_t)len;
    memcpy(d.data, data, len);
    msg = fz_ike_of(&d, &mlen);
    genuine = msg != NULL && fz_authentic_new(&g_ctx[to], msg, mlen);
    if (genuine) {
        /* Genuine content raced or redirected by the attacker: what it does
         * is legitimate (RFC 7296 2.23 lets an authenticated request move
         * the peer's address), but it may divert the peers' traffic, which
         * counts as the network getting in the way. */
        g_atk_genuine = 1;
        fz_impair(to == N_G ? fz_link(N_G, fz_node_of(src)) : fz_link(N_G, to));
        if (to == N_G && fz_node_of(src) == N_ATTACKER) {
            fz_impair(L_A);
            fz_impair(L_B);
        }
    }
    fz_trace("attacker -> %s port %u, %u bytes%s", g_node_name[to], dport, (unsigned)len,
             genuine ? " (genuine)" : "");
    fz_deliver_to(to, src, sport, dport, data, len);
}

/* ---- the attacker's IKE_SA_INIT ---------------------------------------------------- */

/* A valid X25519 public value (RFC 7748 6.1). */
static const uint8_t g_x25519_pub[32] = {
    0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
    0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4, 0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a};

enum { AF_NATT = 1, AF_BADPROP = 2, AF_BADKE = 4, AF_GARBAGE_COOKIE = 8, AF_REPEAT = 16, AF_TO_A = 32 };

static size_t fz_atk_build(const fz_atk_rec_t *r, const uint8_t *cookie, size_t clen, uint8_t *out,
                           size_t cap)
{
    tip_ike_conn_t conn;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t off = (r->flags & AF_NATT) ? 4u : 0u;
    uint8_t ke[64];

    tip_ike_conn_init(&conn);
    if (r->flags & AF_BADPROP) {
        conn.ike[0].encr = TIP_ENCR_AES_CBC;
        conn.ike[0].key_bits = 256;
        conn.ike[0].integ = TIP_INTEG_HMAC_SHA2_512_256;
        conn.ike[0].prf = TIP_PRF_HMAC_SHA2_512;
    }
    memset(&h, 0, sizeof(h));
    memcpy(h.spi_i, r->spi, 8);
    h.exchange = TIP_IKE_EXCH_IKE_SA_INIT;
    h.flags = TIP_IKE_FLAG_INITIATOR;
    memset(out, 0, off);
    tip_ike_w_init(&w, out + off, cap - off);
    tip_ike_w_hdr(&w, &h);
    if (clen != 0)
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_COOKIE, cookie, clen);
    tip_ike_w_sa_ike(&w, &conn, NULL, TIP_DH_NONE);
    if (r->flags & AF_BADKE) {
        memset(ke, 0x42, sizeof(ke));
        tip_ike_w_ke(&w, (uint16_t)TIP_DH_ECP_256, ke, 64);
    } else {
        tip_ike_w_ke(&w, (uint16_t)TIP_DH_CURVE25519, g_x25519_pub, sizeof(g_x25519_pub));
    }
    tip_ike_w_nonce(&w, r->ni, sizeof(r->ni));
    return tip_ike_w_finish(&w) == TIP_OK ? w.len + off : 0;
}

/* A new request record for address @p addr (or the last one for it, if asked). */
static fz_atk_rec_t *fz_atk_new(uint16_t addr, uint8_t flags)
{
    fz_atk_rec_t *r;
    unsigned i;

    if (flags & AF_REPEAT) {
        for (i = 0; i < g_natk && i < FZ_ATK_REC; i++) {
            r = &g_atk[(g_natk - 1u - i) % FZ_ATK_REC];
            if (r->addr == addr)
                return r;
        }
    }
    r = &g_atk[g_natk++ % FZ_ATK_REC];
    r->addr = addr;
    r->flags = flags;
    g_atk_ctr++;
    for (i = 0; i < 8; i++)
        r->spi[i] = (uint8_t)(0xA0u + i * 7u + g_atk_ctr * 13u + (g_atk_ctr >> 8));
    r->spi[0] = (uint8_t)(g_atk_ctr >> 8);
    r->spi[1] = (uint8_t)g_atk_ctr;
    for (i = 0; i < sizeof(r->ni); i++)
        r->ni[i] = (uint8_t)(g_atk_ctr * 31u + i * 17u);
    return r;
}

static void fz_atk_send_init(const fz_atk_rec_t *r, const uint8_t *cookie, size_t clen)
{
    static uint8_t msg[FZ_DGRAM_MAX];
    tip_addr_t src = (r->flags & AF_TO_A) ? g_addr[N_G] : fz_atk_src(r->addr);
    uint16_t port = (r->flags & AF_NATT) ? TIP_PORT_NATT : TIP_PORT_IKE;
    size_t n = fz_atk_build(r, cookie, clen, msg, sizeof(msg));

    if (n != 0)
        fz_atk_send((r->flags & AF_TO_A) ? N_A : N_G, &src, port, port, msg, n);
}

/* Answer the latest COOKIE received for request @p r, if there is one now. */
static void fz_atk_answer(const fz_atk_rec_t *r)
{
    tip_addr_t src = fz_atk_src(r->addr);
    unsigned i;

    for (i = 0; i < g_ncookie_rx && i < FZ_COOKIES_RX; i++) {
        unsigned k = (g_ncookie_rx - 1u - i) % FZ_COOKIES_RX;
        if (memcmp(g_cookie_rx[k].spi, r->spi, 8) == 0 && tip_addr_equal(&g_cookie_rx[k].to, &src)) {
            fz_atk_send_init(r, g_cookie_rx[k].cookie, g_cookie_rx[k].len);
            return;
        }
    }
}

static void fz_atk_init(uint16_t addr, uint8_t flags)
{
    const fz_atk_rec_t *r = fz_atk_new(addr, flags);
    uint8_t junk[36];

    if (flags & AF_GARBAGE_COOKIE) {
        unsigned i;
        for (i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)(r->ni[i % 32] ^ 0x3C);
        fz_atk_send_init(r, junk, sizeof(junk));
    } else {
        fz_atk_send_init(r, NULL, 0);
    }
}

/* The i-th latest COOKIE the attacker received, answered by its request. */
static void fz_atk_cookie(unsigned i)
{
    unsigned n = g_ncookie_rx < FZ_COOKIES_RX ? g_ncookie_rx : FZ_COOKIES_RX, k, j;

    if (n == 0)
        return;
    k = (g_ncookie_rx - 1u - i % n) % FZ_COOKIES_RX;
    for (j = 0; j < g_natk && j < FZ_ATK_REC; j++) {
        const fz_atk_rec_t *r = &g_atk[(g_natk - 1u - j) % FZ_ATK_REC];
        tip_addr_t src = fz_atk_src(r->addr);
        if (memcmp(r->spi, g_cookie_rx[k].spi, 8) == 0 && tip_addr_equal(&src, &g_cookie_rx[k].to)) {
            fz_atk_send_init(r, g_cookie_rx[k].cookie, g_cookie_rx[k].len);
            return;
        }
    }
}

/* A cookie computed with a guessed secret and version (what the source does). */
static void fz_atk_forge(uint16_t addr, uint8_t vsel, uint8_t ssel)
{
    static const uint32_t versions[4] = {0xFFFFFFFFu, 0, 1, 2};
    static const uint8_t fill[3] = {0x00, 0xFF, 0x5A};
    const fz_atk_rec_t *r = fz_atk_new(addr, 0);
    tip_addr_t src = fz_atk_src(addr);
    uint8_t secret[32], cookie[36];
    tip_iov_t iov[3];
    unsigned i;

    for (i = 0; i < 32; i++)
        secret[i] = (ssel & 3) < 3 ? fill[ssel & 3] : (uint8_t)i;
    tip_store_be32(cookie, versions[vsel & 3]);
    iov[0].p = r->ni;
    iov[0].len = sizeof(r->ni);
    iov[1].p = src.addr;
    iov[1].len = 4;
    iov[2].p = r->spi;
    iov[2].len = 8;
    if (tip_crypto_prf(TIP_PRF_HMAC_SHA2_256, secret, 32, iov, 3, cookie + 4) == TIP_OK)
        fz_atk_send_init(r, cookie, sizeof(cookie));
}

/* Replay (or mutate) a captured datagram. */
static void fz_atk_replay(unsigned i, uint8_t srcsel, uint8_t flags, int mutate, uint16_t pos,
                          uint8_t mask)
{
    static fz_dgram_t d;
    const fz_dgram_t *c = fz_captured(i);
    tip_addr_t src;
    uint16_t sport;
    int to;

    if (c == NULL)
        return;
    d = *c;
    to = d.to == N_ATTACKER ? N_G : d.to;
    if (!mutate && (flags & 1))
        to = (to + 1 + ((flags >> 1) & 1)) % N_NODES;
    src = d.src;
    sport = d.sport;
    if (!mutate) {
        switch (srcsel & 3) {
        case 1: src = fz_atk_addr((uint16_t)(srcsel >> 2)); break;
        case 2: src = g_addr[(to + 1 + ((srcsel >> 2) & 1)) % N_NODES]; break;
        case 3: sport = (uint16_t)(sport + 1u); break;
        default: break;
        }
        if (flags & 4) {
            if (d.dport == TIP_PORT_IKE && d.len + 4u <= FZ_DGRAM_MAX) {
                memmove(d.data + 4, d.data, d.len);
                memset(d.data, 0, 4);
                d.len = (uint16_t)(d.len + 4u);
                d.dport = TIP_PORT_NATT;
                sport = sport == TIP_PORT_IKE ? TIP_PORT_NATT : sport;
            } else if (d.dport != TIP_PORT_IKE && d.len >= 4) {
                memmove(d.data, d.data + 4, d.len - 4u);
                d.len = (uint16_t)(d.len - 4u);
                d.dport = TIP_PORT_IKE;
                sport = sport == TIP_PORT_NATT ? TIP_PORT_IKE : sport;
            }
        }
    } else if (d.len > 0) {
        d.data[pos % d.len] ^= mask != 0 ? mask : 1;
    }
    fz_atk_send(to, &src, sport, d.dport, d.data, d.len);
}

