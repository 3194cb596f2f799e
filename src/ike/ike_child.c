/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * CHILD SAs: installing negotiated SAs into the SAD/SPD through the public
 * calls manual keying uses, and CREATE_CHILD_SA (1.3) for CHILD SA rekeying
 * with optional PFS, make-before-break, and the collision rule of 2.8.1.
 * IKE SA rekeys are in ike_rekey.c.
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

/* ---- installing CHILD SAs --------------------------------------------- */

uint32_t tip_ike_new_spi(tip_ctx_t *ctx)
{
    uint8_t b[4];
    unsigned i;

    for (i = 0; i < 32; i++) {
        uint32_t spi;
        if (tip_ike_random(ctx, b, 4) != TIP_OK)
            break;
        spi = tip_load_be32(b);
        /* RFC 4303 2.1: 1..255 are reserved; avoid SPIs we already use. */
        if (spi >= 256u && tip_sad_find_inbound(ctx, spi, NULL, NULL) != TIP_OK)
            return spi;
    }
    return 0x100u + (uint32_t)(ctx->now_ms & 0xFFFFu); /* only if the RNG failed */
}

void tip_ike_child_schedule(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_child_t *ch)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    uint32_t s, pct;
    uint8_t r[2] = {0, 0};
    uint64_t ms;

    if (c == NULL)
        return;
    s = c->cfg.child_rekey_s != 0 ? c->cfg.child_rekey_s : TIP_IKE_DEF_CHILD_REKEY_S;
    pct = c->cfg.jitter_pct != 0 ? c->cfg.jitter_pct : TIP_IKE_DEF_JITTER_PCT;
    (void)tip_ike_random(ctx, r, 2);
    ms = (uint64_t)s * 1000u;
    ch->rekey_at_ms = ctx->now_ms + ms - ms * pct / 100u * tip_load_be16(r) / 65536u;
}

static uint32_t tip_ike_child_hard_s(const tip_ike_conn_t *conn)
{
    uint32_t s = conn->child_rekey_s != 0 ? conn->child_rekey_s : TIP_IKE_DEF_CHILD_REKEY_S;

    /* The SA outlives its planned rekey by a margin; if rekeying keeps
     * failing, the hard limit ends it (RFC 4301 4.4.2.1). */
    return s + s / 5u + 30u;
}

int tip_ike_child_install(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_child_proposal_t *p,
                          uint32_t spi_in, uint32_t spi_out, const tip_selector_t *sel,
                          const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
                          const uint8_t *g_ir, size_t g_ir_len, int we_initiated,
                          tip_ike_child_t *out)
{
    const tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    uint16_t bits = p->encr == TIP_ENCR_CHACHA20_POLY1305 ? 256 : p->key_bits;
    tip_handle_t h_in = 0, h_out = 0;
    int err;

    if (c == NULL)
        return TIP_ERR_INTERNAL;
    /* The keys and SA parameters live in a block of their own, ended before
     * the policies are made, so that their frame space is reused: this is
     * the deepest call of a handshake (prf+ below it). */
    {
        tip_ike_child_keys_t k;
        tip_sa_params_t sp;

        /* KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) (2.17). */
        err = tip_ike_child_keys(&k, (tip_prf_t)sa->prf, sa->sk_d, sa->prf_len, g_ir, g_ir_len,
                                 ni, ni_len, nr, nr_len, p->encr, bits, p->integ);
        if (err != TIP_OK)
            return err;
        memset(&sp, 0, sizeof(sp));
        sp.mode = c->cfg.mode;
        sp.encr = p->encr;
        sp.encr_key_len = k.encr_len;
        sp.integ = p->integ;
        sp.integ_key_len = k.integ_len;
        sp.esn = p->esn;
        sp.has_sel = 1;
        sp.sel = *sel;
        sp.hard.seconds = tip_ike_child_hard_s(&c->cfg);
        sp.fresh_keys = 1; /* KEYMAT is new for every CHILD SA and never installed again */
        /* Inbound: what the peer sends us, keyed by its half of KEYMAT. */
        sp.dir = TIP_DIR_IN;
        sp.spi = spi_in;
        sp.src = sa->remote;
        sp.dst = sa->local;
        sp.encr_key = we_initiated ? k.encr_r : k.encr_i;
        sp.integ_key = we_initiated ? k.integ_r : k.integ_i;
        if (tip_ike_esp_encap(sa)) {
            sp.natt_sport = sa->rport;
            sp.natt_dport = sa->lport;
        }
        err = tip_sad_add(ctx, &sp, &h_in);
        if (err == TIP_OK)
            tip_ike_keylog_esp(ctx, &sp);
        if (err == TIP_OK) {
            sp.dir = TIP_DIR_OUT;
            sp.spi = spi_out;
            sp.src = sa->local;
            sp.dst = sa->remote;
            sp.encr_key = we_initiated ? k.encr_i : k.encr_r;
            sp.integ_key = we_initiated ? k.integ_i : k.integ_r;
            if (tip_ike_esp_encap(sa)) {
                sp.natt_sport = sa->lport;
                sp.natt_dport = sa->rport;
            }
            err = tip_sad_add(ctx, &sp, &h_out);
            if (err == TIP_OK)
                tip_ike_keylog_esp(ctx, &sp);
        }
        tip_ike_child_keys_wipe(&k);
    }
    if (err == TIP_OK && out->pol_out == 0) {
        tip_policy_t pol;
        memset(&pol, 0, sizeof(pol));
        pol.sel = *sel;
        pol.action = TIP_ACTION_PROTECT;
        pol.mode = c->cfg.mode;
        pol.tunnel_local = sa->local;
        pol.tunnel_remote = sa->remote;
        /* Negotiated policies go first: they are the most specific. */
        pol.dir = TIP_DIR_IN;
        err = tip_spd_add(ctx, &pol, TIP_SPD_PREPEND, &out->pol_in);
        if (err == TIP_OK) {
            pol.dir = TIP_DIR_OUT;
            err = tip_spd_add(ctx, &pol, TIP_SPD_PREPEND, &out->pol_out);
        }
    }
    if (err == TIP_OK)
        err = tip_spd_bind_sa(ctx, out->pol_out, h_out);
    if (err != TIP_OK) {
        if (h_in != 0)
            (void)tip_sad_del(ctx, h_in);
        if (h_out != 0)
            (void)tip_sad_del(ctx, h_out);
        return err;
    }
    out->spi_in = spi_in;
    out->spi_out = spi_out;
    out->sa_in = h_in;
    out->sa_out = h_out;
    out->encr = (uint8_t)p->encr;
    out->integ = (uint8_t)p->integ;
    out->esn = p->esn;
    out->pfs = (uint8_t)p->pfs;
    out->key_bits = bits;
    out->sel = *sel;
    return TIP_OK;
}

void tip_ike_child_remove_sas(tip_ctx_t *ctx, tip_ike_child_t *child)
{
    if (child->sa_in != 0)
        (void)tip_sad_del(ctx, child->sa_in);
    if (child->sa_out != 0)
        (void)tip_sad_del(ctx, child->sa_out);
    child->sa_in = child->sa_out = 0;
    child->spi_in = child->spi_out = 0;
    child->rekey_at_ms = 0;
}

void tip_ike_child_remove(tip_ctx_t *ctx, tip_ike_child_t *child)
{
    tip_ike_child_remove_sas(ctx, child);
    /* An acquire's policy is the application's: it stays (its SA is gone,
     * so the next packet asks for a new one). */
    if (child->pol_out != 0 && !child->app_pol)
        (void)tip_spd_del(ctx, child->pol_out);
    if (child->pol_in != 0)
        (void)tip_spd_del(ctx, child->pol_in);
    memset(child, 0, sizeof(*child));
}

void tip_ike_child_remove_all(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    unsigned i;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        tip_ike_child_remove(ctx, &sa->child[i]);
    tip_ike_child_remove(ctx, &sa->old_child);
    tip_ike_child_remove(ctx, &sa->extra_child);
    sa->extra_role = TIP_IKE_X_NONE;
}

int tip_ike_child_used(const tip_ike_child_t *ch)
{
    return ch->sa_in != 0 || ch->pol_out != 0 || ch->pol_in != 0 || ch->create != TIP_IKE_CREATE_NONE;
}

int tip_ike_child_free_idx(const tip_ike_sa_t *sa)
{
    unsigned i;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        if (!tip_ike_child_used(&sa->child[i]))
            return (int)i;
    return -1;
}

unsigned tip_ike_child_first(const tip_ike_sa_t *sa)
{
    unsigned i;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        if (sa->child[i].sa_in != 0)
            return i;
    return 0; /* none up: the first entry (empty) */
}

int tip_ike_child_by_spi_out(const tip_ike_sa_t *sa, uint32_t spi)
{
    unsigned i;

    for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
        if (sa->child[i].sa_in != 0 && sa->child[i].spi_out == spi)
            return (int)i;
    return -1;
}

/* A rekey installed @p nc: the current pair becomes the old one (kept until
 * its delete), the policies move to the new pair (make-before-break). */
static void tip_ike_child_replace(tip_ike_sa_t *sa, const tip_ike_child_t *nc)
{
    tip_ike_child_t *cur = &sa->child[sa->rekey_idx];
    tip_ike_child_t n = *nc;

    n.ts_idx = cur->ts_idx;
    n.app_pol = cur->app_pol;
    sa->old_child = *cur;
    sa->old_child.pol_in = 0;
    sa->old_child.pol_out = 0;
    sa->old_child.app_pol = 0;
    sa->old_child.rekey_at_ms = 0;
    *cur = n;
}

void tip_ike_child_adopt_peers(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_ike_child_t *cur = &sa->child[sa->rekey_idx];
    tip_ike_child_t peers = sa->extra_child;

    peers.pol_in = cur->pol_in;
    peers.pol_out = cur->pol_out;
    (void)tip_spd_bind_sa(ctx, peers.pol_out, peers.sa_out);
    memset(&sa->extra_child, 0, sizeof(sa->extra_child));
    sa->extra_role = TIP_IKE_X_NONE;
    tip_ike_child_replace(sa, &peers);
    if (c != NULL)
        c->child_rekeys++;
    tip_ike_child_schedule(ctx, sa, cur);
}

int tip_ike_nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    int c = memcmp(a, b, n);

    if (c != 0)
        return c;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

const uint8_t *tip_ike_nonce_low(const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
                                 size_t *len)
{
    if (tip_ike_nonce_cmp(a, al, b, bl) <= 0) {
        *len = al;
        return a;
    }
    *len = bl;
    return b;
}

/* ---- CREATE_CHILD_SA, initiator ----------------------------------------- */

int tip_ike_child_rekey_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, unsigned idx)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_ike_child_t *cur;
    tip_dh_group_t pfs;
    tip_ike_ke_room_t ke;
    uint8_t spi[4];
    size_t publen = 0, len;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    int err;

    /* One rekey at a time: the last one's old (or redundant) pair must be
     * gone first, its slots are where this one's would go. */
    if (idx >= TIP_IKE_CHILD_MAX || c == NULL || sa->state != TIP_IKE_S_ESTABLISHED ||
        sa->req_outstanding || sa->child[idx].sa_in == 0 || sa->old_child.sa_in != 0 ||
        sa->extra_child.sa_in != 0)
        return TIP_ERR_NO_SA;
    if (tip_ike_buf_take(ctx, &sa->req_buf) == NULL)
        return TIP_ERR_FULL; /* message pool empty: nothing changed, retried later */
    sa->rekey_idx = (uint8_t)idx;
    cur = &sa->child[idx];
    pfs = (tip_dh_group_t)cur->pfs;
    memset(&sa->pend, 0, sizeof(sa->pend));
    sa->pend.new_spi_in = tip_ike_new_spi(ctx);
    sa->pend.rekey_spi_in = cur->spi_in;
    /* We offer what is in use (2.8: the same algorithms as the old pair). */
    sa->pend.child_offer.encr = (tip_encr_t)cur->encr;
    sa->pend.child_offer.key_bits = cur->key_bits;
    sa->pend.child_offer.integ = (tip_integ_t)cur->integ;
    sa->pend.child_offer.pfs = pfs;
    sa->pend.child_offer.esn = cur->esn;
    /* our KE data at the end of the request's buffer */
    err = tip_ike_ke_room(ctx, sa->req_buf, pfs, &ke);
    if (err == TIP_OK)
        err = tip_ike_random(ctx, sa->pend.nonce, TIP_IKE_NONCE_LEN);
    if (err == TIP_OK && pfs != TIP_DH_NONE) {
        publen = tip_crypto_dh_pub_len(pfs);
        tip_crypto_dh_free(&sa->dh);
        err = tip_crypto_dh_generate(&sa->dh, pfs, ctx->port.random, ctx->port.arg, ke.pub,
                                     publen);
    }
    if (err != TIP_OK)
        return err;
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_CREATE_CHILD_SA, &h);
    tip_ike_w_init(&w, ke.msg, ke.cap);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    /* RFC 7296 1.3.3: REKEY_SA names the SA being replaced by our inbound SPI. */
    tip_store_be32(spi, cur->spi_in);
    tip_ike_w_notify(&w, TIP_IKE_PROTO_ESP, spi, 4, TIP_IKE_N_REKEY_SA, NULL, 0);
    if (c->cfg.mode == TIP_MODE_TRANSPORT)
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
    tip_ike_w_sa_child_chosen(&w, 1, &sa->pend.child_offer, sa->pend.new_spi_in,
                              pfs != TIP_DH_NONE);
    tip_ike_w_nonce(&w, sa->pend.nonce, TIP_IKE_NONCE_LEN);
    if (pfs != TIP_DH_NONE)
        tip_ike_w_ke(&w, (uint16_t)pfs, ke.pub, publen);
    tip_ike_w_ts_pair(&w, &cur->sel, 1);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err != TIP_OK)
        return err;
    return tip_ike_send_request(ctx, sa, len, TIP_IKE_P_CHILD_REKEY);
}

int tip_ike_dh_from(tip_crypto_dh_t *dh, tip_dh_group_t group, const tip_ike_msg_t *in,
                           uint8_t *g_ir, size_t *g_ir_len)
{
    const tip_ike_pl_t *pl = tip_ike_msg_find(in, TIP_IKE_PL_KE, 0);
    tip_ike_ke_t ke;
    size_t n = tip_crypto_dh_secret_len(group);
    int err;

    if (pl == NULL || tip_ike_ke_parse(tip_ike_pl_body(in, pl), pl->len, &ke) != TIP_OK ||
        ke.group != (uint16_t)group || n == 0)
        return TIP_ERR_MALFORMED;
    err = tip_crypto_dh_compute(dh, ke.data, ke.len, g_ir, n);
    tip_crypto_dh_free(dh);
    *g_ir_len = n;
    return err;
}

/* 2.8.1: a new pair of ours that is redundant keeps no policy; we delete it. */
static int tip_ike_child_drop_ours(tip_ctx_t *ctx, tip_ike_sa_t *sa, tip_ike_child_t *nc)
{
    const tip_ike_child_t *cur = &sa->child[sa->rekey_idx];

    (void)tip_spd_bind_sa(ctx, cur->pol_out, cur->sa_out);
    nc->pol_in = nc->pol_out = 0;
    sa->extra_child = *nc;
    sa->extra_role = TIP_IKE_X_OURS;
    return tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_CHILD);
}

/*
 * The response to our CHILD SA rekey (one outcome, never a half-state).
 * RFC 7296 2.8.1, 2.25.1: if the peer deleted the pair it replaces in the
 * meantime, either the peer's new pair of a crossing rekey took its place
 * (superseded: ours can only be redundant) or nothing did (orphaned: the
 * policies wait for our new pair, or go with a failure).
 */
static int tip_ike_child_rekey_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in,
                                        const uint8_t *nonce, size_t nlen, int failed)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    tip_ike_child_t *cur = &sa->child[sa->rekey_idx];
    tip_child_proposal_t offered = sa->pend.child_offer, p;
    tip_selector_t sel;
    tip_ike_child_t nc;
    tip_ike_ke_room_t ke;
    size_t g_ir_len = 0;
    uint32_t spi_out;
    int with_dh = offered.pfs != TIP_DH_NONE;
    int superseded = cur->sa_in != 0 && cur->spi_in != sa->pend.rekey_spi_in;
    int orphaned = cur->sa_in == 0;
    int err = failed ? TIP_ERR_POLICY : TIP_OK;

    memset(&ke, 0, sizeof(ke));
    if (sa->state != TIP_IKE_S_ESTABLISHED || c == NULL) {
        /* Being deleted: the Delete(IKE) that follows takes every CHILD SA
         * with it, the peer's new pair included (1.4.1). */
        tip_crypto_dh_free(&sa->dh);
        return TIP_OK;
    }
    /* 2.7: the one proposal we offered, and its DH group if it had one
     * (1.3.1): a response that drops the group is refused. */
    if (err == TIP_OK)
        err = tip_ike_accept_child(&offered, 1, tip_ike_pl_body(in, pl_sa), pl_sa->len, 1, &p,
                                   &spi_out);
    /* g^ir at the end of our answered request's buffer */
    if (err == TIP_OK && with_dh) {
        err = tip_ike_ke_room(ctx, sa->req_buf, offered.pfs, &ke);
        if (err == TIP_OK)
            err = tip_ike_dh_from(&sa->dh, offered.pfs, in, ke.g_ir, &g_ir_len);
    }
    /* 2.8: the new pair has the traffic of the one it replaces. */
    if (err == TIP_OK)
        err = tip_ike_ts_narrow(&cur->sel, in, 1, &sel);
    if (err == TIP_OK) {
        memset(&nc, 0, sizeof(nc));
        nc.pol_in = cur->pol_in;
        nc.pol_out = cur->pol_out;
        err = tip_ike_child_install(ctx, sa, &p, sa->pend.new_spi_in, spi_out, &sel,
                                    sa->pend.nonce, TIP_IKE_NONCE_LEN, nonce, nlen,
                                    with_dh ? ke.g_ir : NULL, g_ir_len, 1, &nc);
    }
    tip_crypto_zeroize(ke.g_ir, ke.g_ir_room);
    tip_crypto_dh_free(&sa->dh);
    if (superseded) /* 2.8.1: the error a late rekey gets means nothing */
        return err != TIP_OK ? TIP_OK : tip_ike_child_drop_ours(ctx, sa, &nc);
    if (err != TIP_OK) {
        if (sa->extra_role == TIP_IKE_X_PENDING) {
            /* 2.8.1: ours failed, so the peer's new pair is the one */
            tip_ike_child_adopt_peers(ctx, sa);
            tip_ike_event(ctx, sa, TIP_EV_CHILD_REKEYED, 0);
            return err;
        }
        tip_ike_fail(ctx, sa, TIP_ERR_POLICY);
        if (orphaned) /* no successor: the policies go too (CHILD_DOWN came with the delete) */
            tip_ike_child_remove(ctx, cur);
        else
            cur->rekey_at_ms = tip_ike_retry_at(ctx, &cur->rekey_fails);
        return err;
    }
    if (sa->extra_role == TIP_IKE_X_PENDING) {
        /* RFC 7296 2.8.1: both sides rekeyed the same CHILD SA at once.
         * The pair made with the lowest of the four nonces is redundant
         * and its creator deletes it; the creator of the survivor deletes
         * the old pair. */
        size_t n;
        const uint8_t *low = tip_ike_nonce_low(sa->pend.nonce, TIP_IKE_NONCE_LEN, nonce, nlen, &n);
        if (tip_ike_nonce_cmp(low, n, sa->collide_low, sa->collide_low_len) < 0) {
            /* ours is redundant: keep the peer's, delete ours; the old
             * pair waits for the peer's Delete */
            tip_ike_child_adopt_peers(ctx, sa);
            err = tip_ike_child_drop_ours(ctx, sa, &nc);
            tip_ike_event(ctx, sa, TIP_EV_CHILD_REKEYED, 0);
            return err;
        }
        /* the peer's is redundant: the peer deletes it, we the old pair */
        sa->extra_role = TIP_IKE_X_PEERS;
    }
    tip_ike_child_replace(sa, &nc);
    c->child_rekeys++;
    tip_ike_child_schedule(ctx, sa, cur);
    /* orphaned: nothing old is left to delete, the CHILD SA is up again */
    err = orphaned ? TIP_OK : tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_CHILD);
    tip_ike_event(ctx, sa, orphaned ? TIP_EV_CHILD_UP : TIP_EV_CHILD_REKEYED, 0);
    return err;
}

int tip_ike_child_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in)
{
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    const tip_ike_pl_t *pl_n = tip_ike_msg_find(in, TIP_IKE_PL_NONCE, 0);
    const uint8_t *nonce = NULL;
    size_t nlen = 0;
    /* RFC 7296 2.21.2: an error notify (TEMPORARY_FAILURE, NO_PROPOSAL_CHOSEN,
     * INVALID_KE_PAYLOAD, ...) or a response we cannot use: the rekey failed. */
    int failed = tip_ike_error_notify(in) != 0 || pl_sa == NULL || pl_n == NULL ||
                 tip_ike_nonce_parse(tip_ike_pl_body(in, pl_n), pl_n->len, &nonce, &nlen) != TIP_OK;

#if TIP_CONF_IKE_REKEY_IKE
    if (sa->pend.kind == TIP_IKE_P_IKE_REKEY)
        return tip_ike_ike_rekey_response(ctx, sa, in, nonce, nlen, failed);
#endif
    if (sa->pend.kind == TIP_IKE_P_CHILD_REKEY)
        return tip_ike_child_rekey_response(ctx, sa, in, nonce, nlen, failed);
    if (sa->pend.kind == TIP_IKE_P_CHILD_CREATE)
        return tip_ike_child_create_response(ctx, sa, in, nonce, nlen, failed);
    return TIP_ERR_POLICY;
}

/* ---- CREATE_CHILD_SA, responder --------------------------------------- */

int tip_ike_child_resp_ke(tip_ctx_t *ctx, const tip_ike_msg_t *in, tip_dh_group_t group,
                          uint8_t *pub, size_t *publen, uint8_t *g_ir, size_t *g_ir_len,
                          uint16_t *notify, uint8_t g[2])
{
    const tip_ike_pl_t *pl_ke = tip_ike_msg_find(in, TIP_IKE_PL_KE, 0);
    tip_crypto_dh_t dh;
    tip_ike_ke_t ke;
    int err;

    *publen = *g_ir_len = 0;
    *notify = 0;
    if (group == TIP_DH_NONE)
        return TIP_OK;
    /* 1.3.1: the group we chose needs the peer's KE of that group; none,
     * or another, is INVALID_KE_PAYLOAD naming ours. A KE beside a
     * proposal without a group is not used (no KEr either). */
    if (pl_ke != NULL && tip_ike_ke_parse(tip_ike_pl_body(in, pl_ke), pl_ke->len, &ke) != TIP_OK) {
        *notify = TIP_IKE_N_INVALID_SYNTAX;
        return TIP_ERR_MALFORMED;
    }
    if (pl_ke == NULL || ke.group != (uint16_t)group) {
        tip_store_be16(g, (uint16_t)group);
        *notify = TIP_IKE_N_INVALID_KE_PAYLOAD;
        return TIP_ERR_POLICY;
    }
    *publen = tip_crypto_dh_pub_len(group);
    *g_ir_len = tip_crypto_dh_secret_len(group);
    /* A key exchange of its own: sa->dh may hold the one our own request
     * waits with (a 2.8.1 collision, or our CREATE_CHILD_SA). */
    memset(&dh, 0, sizeof(dh));
    err = tip_crypto_dh_generate(&dh, group, ctx->port.random, ctx->port.arg, pub, *publen);
    if (err == TIP_OK)
        err = tip_crypto_dh_compute(&dh, ke.data, ke.len, g_ir, *g_ir_len);
    tip_crypto_dh_free(&dh);
    return err;
}

int tip_ike_child_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                          const tip_ike_msg_t *in)
{
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    const tip_ike_pl_t *pl_n = tip_ike_msg_find(in, TIP_IKE_PL_NONCE, 0);
    tip_ike_sa_iter_t it;
    tip_ike_prop_t prop;
    tip_ike_notify_t rn;
    const uint8_t *nonce;
    size_t nlen;

    /* Each kind of request is answered by a function of its own (not
     * inlined: they have external linkage), so that the key exchange
     * buffers of one are not on the stack under another. */
    if (tip_ike_sa_conn(ctx, sa) == NULL || sa->state != TIP_IKE_S_ESTABLISHED)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_TEMPORARY_FAILURE, NULL, 0);
    if (pl_sa == NULL || pl_n == NULL ||
        tip_ike_nonce_parse(tip_ike_pl_body(in, pl_n), pl_n->len, &nonce, &nlen) != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_INVALID_SYNTAX, NULL, 0);
    /* RFC 7296 2.25: while we rekey or delete the IKE SA, ask the peer to
     * wait. A CHILD rekey crossing ours is answered (2.8.1, below), and so
     * is an IKE SA rekey crossing ours (2.8.2, ike_rekey.c). */
    if (sa->req_outstanding &&
        (sa->pend.kind == TIP_IKE_P_DELETE_IKE || sa->pend.kind == TIP_IKE_P_DELETE_CHILD))
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_TEMPORARY_FAILURE, NULL, 0);
    tip_ike_sa_iter_init(&it, tip_ike_pl_body(in, pl_sa), pl_sa->len);
    if (tip_ike_sa_next(&it, &prop) != 1)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_INVALID_SYNTAX, NULL, 0);
#if TIP_CONF_IKE_REKEY_IKE
    if (prop.proto == TIP_IKE_PROTO_IKE &&
        (!sa->req_outstanding || sa->pend.kind == TIP_IKE_P_IKE_REKEY))
        return tip_ike_ike_rekey_request(ctx, sa, m, in, nonce, nlen);
#else
    /* RFC 7296 1.3: no IKE SA rekeying in this build: no proposal for it
     * is acceptable. The IKE SA stays as it is. */
    if (prop.proto == TIP_IKE_PROTO_IKE)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
#endif
    /* An IKE SA rekey moves every CHILD SA to the new IKE SA (2.18): not
     * while another exchange of ours on this one is still open (2.25). */
    if (sa->req_outstanding &&
        (prop.proto == TIP_IKE_PROTO_IKE || sa->pend.kind == TIP_IKE_P_IKE_REKEY))
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_TEMPORARY_FAILURE, NULL, 0);
    /* 1.3.1: without REKEY_SA, a new CHILD SA. */
    if (!tip_ike_find_notify(in, TIP_IKE_N_REKEY_SA, &rn))
        return tip_ike_child_new_request(ctx, sa, m, in, nonce, nlen);
    return tip_ike_child_rekey_request(ctx, sa, m, in, nonce, nlen, &rn);
}

int tip_ike_child_rekey_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                                const tip_ike_msg_t *in, const uint8_t *nonce, size_t nlen,
                                const tip_ike_notify_t *rn)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    tip_child_proposal_t p;
    tip_selector_t sel;
    tip_ike_child_t nc, *cur;
    tip_ike_ke_room_t ke;
    size_t len, publen = 0, g_ir_len = 0;
    uint8_t num, nr[TIP_IKE_NONCE_LEN], g[2];
    uint32_t spi_out, spi_in;
    uint16_t notify;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    int err, with_dh, idx;

    if (c == NULL || pl_sa == NULL)
        return TIP_ERR_INTERNAL;
    idx = rn->spi_size == 4 ? tip_ike_child_by_spi_out(sa, tip_load_be32(rn->spi)) : -1;
    if (idx < 0)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_CHILD_SA_NOT_FOUND, NULL, 0);
    /* One CHILD SA rekey at a time (old_child and extra_child belong to
     * child[rekey_idx]): a rekey not finished, or ours of another CHILD SA
     * in flight, asks the peer to wait. */
    if (sa->old_child.sa_in != 0 || sa->extra_child.sa_in != 0 ||
        (sa->req_outstanding && sa->pend.kind == TIP_IKE_P_CHILD_REKEY &&
         sa->rekey_idx != (uint8_t)idx))
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_TEMPORARY_FAILURE, NULL, 0);
    sa->rekey_idx = (uint8_t)idx;
    cur = &sa->child[idx];
    /* RFC 7296 1.3.1, 3.3.3: the DH group of the proposal must match
     * exactly; a proposal of ours with a PFS group never fits an offer
     * without one (NO_PROPOSAL_CHOSEN), so PFS cannot be negotiated away. */
    if (tip_ike_select_child(c->cfg.child, c->cfg.child_count, tip_ike_pl_body(in, pl_sa),
                             pl_sa->len, 1, &p, &num, &spi_out) != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
    with_dh = p.pfs != TIP_DH_NONE;
    /* 2.8: the new pair carries the traffic of the one it replaces. */
    if (tip_ike_ts_narrow(&cur->sel, in, 0, &sel) != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_TS_UNACCEPTABLE, NULL, 0);
    /* our KE data and g^ir at the end of the response's buffer */
    err = tip_ike_ke_room(ctx, sa->resp_buf, p.pfs, &ke);
    if (err == TIP_OK)
        err = tip_ike_random(ctx, nr, sizeof(nr));
    if (err == TIP_OK) {
        err = tip_ike_child_resp_ke(ctx, in, p.pfs, ke.pub, &publen, ke.g_ir, &g_ir_len, &notify,
                                    g);
        if (notify != 0)
            return tip_ike_respond_notify(ctx, sa, &m->hdr, notify, g,
                                          notify == TIP_IKE_N_INVALID_KE_PAYLOAD ? 2u : 0u);
    }
    spi_in = tip_ike_new_spi(ctx);
    memset(&nc, 0, sizeof(nc));
    nc.pol_in = cur->pol_in;
    nc.pol_out = cur->pol_out;
    if (err == TIP_OK)
        err = tip_ike_child_install(ctx, sa, &p, spi_in, spi_out, &sel, nonce, nlen, nr,
                                    sizeof(nr), with_dh ? ke.g_ir : NULL, g_ir_len, 0, &nc);
    tip_crypto_zeroize(ke.g_ir, ke.g_ir_room);
    if (err != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
    if (sa->req_outstanding && sa->pend.kind == TIP_IKE_P_CHILD_REKEY) {
        size_t n;
        const uint8_t *low = tip_ike_nonce_low(nonce, nlen, nr, sizeof(nr), &n);

        /* 2.8.1: our own rekey of this CHILD SA is in flight. Keep the
         * peer's new pair aside until ours completes and the nonces decide
         * which one is redundant. */
        nc.pol_in = nc.pol_out = 0;
        (void)tip_spd_bind_sa(ctx, cur->pol_out, cur->sa_out);
        sa->extra_child = nc;
        sa->extra_role = TIP_IKE_X_PENDING;
        memcpy(sa->collide_low, low, n);
        sa->collide_low_len = (uint16_t)n;
    } else {
        tip_ike_child_replace(sa, &nc);
        c->child_rekeys++;
        tip_ike_child_schedule(ctx, sa, cur);
    }
    tip_ike_hdr_response(sa, &m->hdr, &h);
    tip_ike_w_init(&w, ke.msg, ke.cap);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    if (c->cfg.mode == TIP_MODE_TRANSPORT)
        tip_ike_w_notify(&w, 0, NULL, 0, TIP_IKE_N_USE_TRANSPORT_MODE, NULL, 0);
    tip_ike_w_sa_child_chosen(&w, num, &p, spi_in, with_dh);
    tip_ike_w_nonce(&w, nr, sizeof(nr));
    if (with_dh)
        tip_ike_w_ke(&w, (uint16_t)p.pfs, ke.pub, publen);
    tip_ike_w_ts_pair(&w, &sel, 0);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_response(ctx, sa, len);
    if (sa->extra_role != TIP_IKE_X_PENDING)
        tip_ike_event(ctx, sa, TIP_EV_CHILD_REKEYED, 0);
    return err;
}

#endif /* TIP_CONF_IKEV2 */
