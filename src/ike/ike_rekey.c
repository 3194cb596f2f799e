/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKE SA rekeying with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18): the new IKE
 * SA takes over the connection and the CHILD SAs, the old one is deleted.
 * When both ends rekey at once (2.8.2), both requests are answered and the
 * nonces pick the new IKE SA that stays; the other is deleted by its
 * creator.
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2 && !TIP_CONF_IKE_REKEY_IKE

/* Without IKE SA rekeying no rekey of ours can collide with the peer's
 * Delete: the IKE SA just goes. */
void tip_ike_ike_deleted(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_ike_sa_down(ctx, sa, TIP_OK);
}

#elif TIP_CONF_IKEV2

/* ---- initiator ---------------------------------------------------------- */

int tip_ike_ike_rekey_start(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_ike_sa_t *nsa;
    tip_ike_ke_room_t ke;
    size_t publen, len;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    int err;

    if (c == NULL || sa->state != TIP_IKE_S_ESTABLISHED || sa->req_outstanding)
        return TIP_ERR_NO_SA;
    if (tip_ike_buf_take(ctx, &sa->req_buf) == NULL)
        return TIP_ERR_FULL; /* message pool empty: nothing changed, retried later */
    /* The new IKE SA's slot is reserved now, so the rekey cannot fail for
     * want of one later. It is named by handle both ways and lives exactly
     * as long as this exchange (2.18). */
    nsa = tip_ike_sa_alloc(ctx, TIP_IKE_FOR_REKEY, NULL, &err);
    if (nsa == NULL)
        return err;
    err = tip_ike_sa_set_state(ctx, nsa, TIP_IKE_S_CREATING);
    if (err != TIP_OK)
        return err;
    nsa->parent = tip_ike_sa_handle(ctx, sa);
    nsa->last_rx_ms = ctx->now_ms;
    memset(&sa->pend, 0, sizeof(sa->pend));
    sa->pend.new_ike_sa = tip_ike_sa_handle(ctx, nsa);
    /* our KE data at the end of the request's buffer */
    err = tip_ike_ke_room(ctx, sa->req_buf, (tip_dh_group_t)sa->dh_group, &ke);
    if (err == TIP_OK)
        err = tip_ike_random(ctx, sa->pend.new_spi, 8);
    if (err == TIP_OK)
        err = tip_ike_random(ctx, sa->pend.nonce, TIP_IKE_NONCE_LEN);
    publen = tip_crypto_dh_pub_len((tip_dh_group_t)sa->dh_group);
    if (err == TIP_OK)
        err = tip_crypto_dh_generate(&nsa->dh, (tip_dh_group_t)sa->dh_group, ctx->port.random,
                                     ctx->port.arg, ke.pub, publen);
    if (err == TIP_OK) {
        tip_ike_hdr_request(sa, TIP_IKE_EXCH_CREATE_CHILD_SA, &h);
        tip_ike_w_init(&w, ke.msg, ke.cap);
        tip_ike_w_hdr(&w, &h);
        (void)tip_ike_sk_begin(ctx, sa, &w);
        /* RFC 7296 1.3.2: SA (with the new SPI), Ni, KE; the group stays. */
        tip_ike_w_sa_ike(&w, &c->cfg, sa->pend.new_spi, (tip_dh_group_t)sa->dh_group);
        tip_ike_w_nonce(&w, sa->pend.nonce, TIP_IKE_NONCE_LEN);
        tip_ike_w_ke(&w, sa->dh_group, ke.pub, publen);
        err = tip_ike_sk_end(sa, &w, &len);
    }
    if (err != TIP_OK) {
        tip_ike_sa_free(ctx, nsa);
        return err;
    }
    return tip_ike_send_request(ctx, sa, len, TIP_IKE_P_IKE_REKEY);
}

/* The new IKE SA @p nsa of a rekey of @p old (its SPIs and nonces set):
 * the old one's addresses, the negotiated algorithms, its own keys, message
 * IDs from 0 (2.18). It stays CREATING until the rekey is settled. */
static int tip_ike_rekey_keys(tip_ctx_t *ctx, const tip_ike_sa_t *old, tip_ike_sa_t *nsa,
                              const tip_ike_proposal_t *p, const uint8_t *g_ir, size_t g_ir_len)
{
    uint8_t skeyseed[TIP_IKE_PRF_MAX];
    int err;

    nsa->conn = old->conn;
    nsa->local = old->local;
    nsa->remote = old->remote;
    nsa->lport = old->lport;
    nsa->rport = old->rport;
    nsa->use_natt = old->use_natt;
    nsa->force_encap = old->force_encap;
    nsa->auth_initiator = old->auth_initiator; /* 2.19: the virtual address stays on its side */
    nsa->nat_local = old->nat_local;
    nsa->nat_remote = old->nat_remote;
    TIP_IKE_FRAG_INHERIT(nsa, old);
#if TIP_CONF_IKE_MOBIKE
    /* RFC 4555 3.1: MOBIKE stays negotiated, and its roles stay those of
     * the original initiator and responder, across IKE SA rekeys. */
    nsa->peer_mobike = old->peer_mobike;
    nsa->mobike_orig_init = old->mobike_orig_init;
    nsa->mobike_due = old->mobike_due; /* an update or check still to send */
#endif
    nsa->encr = (uint8_t)p->encr;
    nsa->integ = (uint8_t)p->integ;
    nsa->prf = (uint8_t)p->prf;
    nsa->dh_group = (uint8_t)p->dh;
    nsa->key_bits = p->encr == TIP_ENCR_CHACHA20_POLY1305 ? 256 : p->key_bits;
    /* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), old PRF (2.18). */
    err = tip_ike_skeyseed_rekey((tip_prf_t)old->prf, old->sk_d, old->prf_len, g_ir, g_ir_len,
                                 nsa->ni, nsa->ni_len, nsa->nr, nsa->nr_len, skeyseed);
    if (err == TIP_OK)
        err = tip_ike_sa_set_keys(ctx, nsa, skeyseed, tip_crypto_prf_len((tip_prf_t)old->prf));
    tip_crypto_zeroize(skeyseed, sizeof(skeyseed));
    nsa->established_ms = ctx->now_ms;
    nsa->last_rx_ms = ctx->now_ms;
    nsa->msg_id_in = 0;
    nsa->msg_id_out = 0;
    return err;
}

/* @p nsa no longer waits on @p old's exchange (both links cut). */
static void tip_ike_rekey_detach(tip_ctx_t *ctx, tip_ike_sa_t *old, tip_ike_sa_t *nsa)
{
    tip_handle_t h = tip_ike_sa_handle(ctx, nsa);

    nsa->parent = 0;
    if (old->pend.new_ike_sa == h)
        old->pend.new_ike_sa = 0;
    if (old->pend.peer_ike_sa == h)
        old->pend.peer_ike_sa = 0;
}

/* The new IKE SA of a rekey (keyed) takes over the connection and the
 * CHILD SAs (2.18); the old one is REKEYED, only its delete is left. The
 * caller raises IKE_REKEYED. */
static int tip_ike_rekey_finish(tip_ctx_t *ctx, tip_ike_sa_t *old, tip_ike_sa_t *nsa)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, old);
    /* Only the connection's current IKE SA hands the connection on (an
     * older one the peer replaced by connecting again does not). */
    int current = c != NULL && tip_ike_conn_cur(ctx, c) == old;
    int err;

    err = tip_ike_sa_set_state(ctx, nsa, TIP_IKE_S_ESTABLISHED);
    if (err == TIP_OK)
        err = tip_ike_sa_set_state(ctx, old, TIP_IKE_S_REKEYED);
    if (err != TIP_OK)
        return err;
    tip_ike_rekey_detach(ctx, old, nsa);
    old->successor = tip_ike_sa_handle(ctx, nsa);
    memcpy(nsa->child, old->child, sizeof(nsa->child));
    nsa->rekey_idx = old->rekey_idx;
    nsa->old_child = old->old_child;
    nsa->extra_child = old->extra_child;
    nsa->extra_role = old->extra_role;
    memset(old->child, 0, sizeof(old->child));
    memset(&old->old_child, 0, sizeof(old->old_child));
    memset(&old->extra_child, 0, sizeof(old->extra_child));
    old->extra_role = TIP_IKE_X_NONE;
    nsa->established_ms = ctx->now_ms;
    nsa->last_rx_ms = ctx->now_ms;
    if (current) {
        c->ike_sa = tip_ike_sa_handle(ctx, nsa);
        c->ike_rekeys++;
    }
    tip_ike_schedule_rekey(ctx, nsa);
    old->rekey_at_ms = 0;
    old->last_rx_ms = ctx->now_ms;
    return TIP_OK;
}

/*
 * RFC 7296 2.18: the initiator of a rekey deletes the IKE SA it replaced;
 * until then that one waits (REKEYED, no CHILD SAs left). A peer that
 * rekeys again before deleting it replaced it twice: it is forgotten now,
 * with its keys, so that a peer that never deletes them cannot fill the
 * IKE SA table the other peers need (2.6). Ours, whose Delete is out, end
 * by retransmission. A colliding rekey of the peer's forgets them only when
 * it finds no slot (tip_ike_ike_rekey_request).
 */
static void tip_ike_rekey_forget_replaced(tip_ctx_t *ctx, const tip_ike_sa_t *old)
{
    unsigned i;

    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        tip_ike_sa_t *o = &ctx->ike.sa[i];
        if (o != old && old->conn != 0 && o->conn == old->conn &&
            o->state == TIP_IKE_S_REKEYED && !o->req_outstanding)
            tip_ike_sa_free(ctx, o);
    }
}

/* ---- collisions (RFC 7296 2.8.2) ------------------------------------------ */

/*
 * A new IKE SA of a collision that the nonces made redundant. It never
 * carries the connection; only its delete is left (REKEYED): 2.8 has the
 * endpoint that created it delete it, so ours sends its Delete now, the
 * peer's waits for the peer's (or is forgotten after the REKEYED timeout).
 */
static void tip_ike_rekey_redundant(tip_ctx_t *ctx, tip_ike_sa_t *old, tip_ike_sa_t *rsa,
                                    int ours)
{
    tip_ike_rekey_detach(ctx, old, rsa);
    if (tip_ike_sa_set_state(ctx, rsa, TIP_IKE_S_REKEYED) != TIP_OK) {
        tip_ike_sa_free(ctx, rsa);
        return;
    }
    rsa->last_rx_ms = ctx->now_ms;
    if (ours && tip_ike_info_start(ctx, rsa, TIP_IKE_P_DELETE_IKE) != TIP_OK)
        tip_log(ctx, TIP_LOG_WARN, "ike: redundant IKE SA not deleted, it expires");
}

/*
 * The peer's new IKE SA @p psa takes over from @p old: the peer created
 * the surviving IKE SA, so the peer deletes the old one (2.8); we wait for
 * its Delete. A delete of ours asked for meanwhile applies to @p psa.
 */
static int tip_ike_rekey_adopt(tip_ctx_t *ctx, tip_ike_sa_t *old, tip_ike_sa_t *psa,
                               int deleting)
{
    tip_handle_t conn = old->conn;
    int err = tip_ike_rekey_finish(ctx, old, psa);

    if (err != TIP_OK) {
        tip_ike_sa_free(ctx, psa);
        return err;
    }
    if (deleting)
        (void)tip_ike_sa_terminate(ctx, psa);
    tip_ike_raise(ctx, conn, TIP_EV_IKE_REKEYED, 0, 0, 0);
    return TIP_OK;
}

void tip_ike_ike_deleted(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    tip_ike_sa_t *psa = tip_ike_sa_collide_slot(ctx, sa);
    tip_handle_t conn = sa->conn;
    int deleting = sa->state == TIP_IKE_S_DELETING;

    /* RFC 7296 2.8.2: the peer deletes the old IKE SA while our rekey of
     * it is unanswered and we hold the peer's new one: the peer's is the
     * survivor (whether or not the peer saw the collision), ours is
     * forgotten with the old one. The CHILD SAs move before it goes. */
    if (psa == NULL || tip_ike_rekey_finish(ctx, sa, psa) != TIP_OK) {
        tip_ike_sa_down(ctx, sa, TIP_OK);
        return;
    }
    tip_log(ctx, TIP_LOG_INFO, "ike: IKE SA rekey collision: the peer's new IKE SA stays");
    tip_ike_sa_down(ctx, sa, TIP_OK); /* REKEYED: no event, our reserved slot goes too */
    if (deleting)
        (void)tip_ike_sa_terminate(ctx, psa);
    tip_ike_raise(ctx, conn, TIP_EV_IKE_REKEYED, 0, 0, 0);
}

/* 1 when our new IKE SA @p nsa is the redundant one of a collision with
 * the peer's @p psa: 2.8, the one made with the lowest of the four nonces. */
static int tip_ike_rekey_ours_lost(const tip_ike_sa_t *nsa, const tip_ike_sa_t *psa)
{
    size_t no, np;
    const uint8_t *ours = tip_ike_nonce_low(nsa->ni, nsa->ni_len, nsa->nr, nsa->nr_len, &no);
    const uint8_t *peers = tip_ike_nonce_low(psa->ni, psa->ni_len, psa->nr, psa->nr_len, &np);

    return tip_ike_nonce_cmp(ours, no, peers, np) < 0;
}

/* ---- initiator, the response --------------------------------------------- */

/* The response to our IKE SA rekey. It ends the exchange whatever it says:
 * the reserved slot becomes the new IKE SA or is freed. A failed rekey is
 * tried again later (2.25: TEMPORARY_FAILURE means exactly that), unless
 * we are deleting the IKE SA anyway or the peer's own rekey of it crossed
 * ours (2.8.2: then the peer's new IKE SA stays). */
int tip_ike_ike_rekey_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in,
                                      const uint8_t *nonce, size_t nlen, int failed)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_ike_sa_t *nsa = tip_ike_sa_rekey_slot(ctx, sa);
    tip_ike_sa_t *psa = tip_ike_sa_collide_slot(ctx, sa);
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    int deleting = sa->state == TIP_IKE_S_DELETING;
    tip_ike_proposal_t p, own;
    tip_ike_ke_room_t ke;
    uint8_t spi_r[8];
    size_t g_ir_len = 0;
    tip_handle_t conn = sa->conn;
    int err = failed ? TIP_ERR_POLICY : TIP_OK;

    memset(&ke, 0, sizeof(ke));
    if (nsa == NULL && err == TIP_OK)
        err = TIP_ERR_INTERNAL;
    if (err == TIP_OK) {
        /* What we offered: the connection's proposals with our group. A
         * connection deleted meanwhile leaves the SA's own, which we always
         * offer; the new SA then only carries our Delete. */
        own.encr = (tip_encr_t)sa->encr;
        own.key_bits = sa->key_bits;
        own.integ = (tip_integ_t)sa->integ;
        own.prf = (tip_prf_t)sa->prf;
        own.dh = (tip_dh_group_t)sa->dh_group;
        err = tip_ike_accept_ike(c != NULL ? c->cfg.ike : &own, c != NULL ? c->cfg.ike_count : 1u,
                                 tip_ike_pl_body(in, pl_sa), pl_sa->len, &p, spi_r);
    }
    if (err == TIP_OK && (uint16_t)p.dh != sa->dh_group)
        err = TIP_ERR_POLICY;
    /* g^ir at the end of our answered request's buffer */
    if (err == TIP_OK)
        err = tip_ike_ke_room(ctx, sa->req_buf, p.dh, &ke);
    if (err == TIP_OK)
        err = tip_ike_dh_from(&nsa->dh, p.dh, in, ke.g_ir, &g_ir_len);
    if (err == TIP_OK) {
        nsa->initiator = 1; /* 2.18: the rekey's initiator is the new original initiator */
        memcpy(nsa->spi_i, sa->pend.new_spi, 8);
        memcpy(nsa->spi_r, spi_r, 8);
        memcpy(nsa->ni, sa->pend.nonce, TIP_IKE_NONCE_LEN);
        nsa->ni_len = TIP_IKE_NONCE_LEN;
        memcpy(nsa->nr, nonce, nlen);
        nsa->nr_len = (uint16_t)nlen;
        err = tip_ike_rekey_keys(ctx, sa, nsa, &p, ke.g_ir, g_ir_len);
    }
    tip_crypto_zeroize(ke.g_ir, ke.g_ir_room);
    if (err != TIP_OK) {
        if (nsa != NULL)
            tip_ike_sa_free(ctx, nsa);
        if (psa != NULL) {
            /* 2.8.2: the peer may have finished its rekey before ours
             * reached it and refused ours (TEMPORARY_FAILURE): its new IKE
             * SA is the one, and it deletes the old one. */
            tip_log(ctx, TIP_LOG_INFO, "ike: IKE SA rekey collision: the peer's new IKE SA stays");
            return tip_ike_rekey_adopt(ctx, sa, psa, deleting);
        }
        tip_ike_fail(ctx, sa, TIP_ERR_POLICY);
        if (!deleting)
            sa->rekey_at_ms = tip_ike_retry_at(ctx, &sa->rekey_fails);
        return err;
    }
    if (psa != NULL && tip_ike_rekey_ours_lost(nsa, psa)) {
        /* 2.8.2: both rekeyed, ours has the lowest nonce: we delete it,
         * the peer's takes over and the peer deletes the old one. */
        tip_log(ctx, TIP_LOG_INFO, "ike: IKE SA rekey collision: the peer's new IKE SA stays");
        tip_ike_rekey_redundant(ctx, sa, nsa, 1);
        return tip_ike_rekey_adopt(ctx, sa, psa, deleting);
    }
    if (psa != NULL) {
        /* 2.8.2: the peer's new IKE SA is redundant, the peer deletes it;
         * ours takes over and we delete the old one. */
        tip_log(ctx, TIP_LOG_INFO, "ike: IKE SA rekey collision: our new IKE SA stays");
        tip_ike_rekey_redundant(ctx, sa, psa, 0);
    }
    err = tip_ike_rekey_finish(ctx, sa, nsa);
    if (err != TIP_OK) {
        tip_ike_sa_free(ctx, nsa);
        tip_ike_fail(ctx, sa, TIP_ERR_INTERNAL);
        return err;
    }
    /* The old IKE SA is deleted on itself (2.18); a delete asked for while
     * the rekey was in flight now applies to the new one. */
    (void)tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE);
    if (deleting)
        (void)tip_ike_sa_terminate(ctx, nsa);
    tip_ike_raise(ctx, conn, TIP_EV_IKE_REKEYED, 0, 0, 0);
    return TIP_OK;
}

/* ---- responder -------------------------------------------------------- */

/* The peer's CREATE_CHILD_SA request rekeying the IKE SA (1.3.2). While our
 * own rekey of it is outstanding it is answered all the same and its new
 * IKE SA kept aside (keyed, CREATING) until ours is answered (2.8.2). */
int tip_ike_ike_rekey_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                                     const tip_ike_msg_t *in, const uint8_t *nonce, size_t nlen)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    const tip_ike_pl_t *pl_sa = tip_ike_msg_find(in, TIP_IKE_PL_SA, 0);
    const tip_ike_pl_t *pl_ke = tip_ike_msg_find(in, TIP_IKE_PL_KE, 0);
    int collide = sa->req_outstanding && sa->pend.kind == TIP_IKE_P_IKE_REKEY;
    tip_ike_proposal_t p;
    tip_ike_ke_t ke;
    tip_ike_ke_room_t room;
    tip_ike_sa_t *nsa;
    uint8_t num, spi_i[8];
    size_t publen, g_ir_len, len;
    tip_handle_t conn = sa->conn;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    int err;

    /* One crossing rekey per exchange of ours: a second one waits (2.25). */
    if (collide && tip_ike_sa_collide_slot(ctx, sa) != NULL)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_TEMPORARY_FAILURE, NULL, 0);
    if (tip_ike_select_ike(c->cfg.ike, c->cfg.ike_count, tip_ike_pl_body(in, pl_sa), pl_sa->len,
                           &p, &num, spi_i) != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
    if (pl_ke == NULL || tip_ike_ke_parse(tip_ike_pl_body(in, pl_ke), pl_ke->len, &ke) != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_INVALID_SYNTAX, NULL, 0);
    if (ke.group != (uint16_t)p.dh) {
        uint8_t g[2];
        tip_store_be16(g, (uint16_t)p.dh);
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_INVALID_KE_PAYLOAD, g, 2);
    }
    /* An authenticated rekey may use the slots kept free for it. When none
     * is left, the ones this connection keeps waiting for the peer's Delete
     * give way: the peer rekeys this IKE SA, so it has done with those (an
     * earlier IKE SA, or the redundant one of a collision that the peer
     * forgot, 2.8.2); a refusal would only make the peer start over. */
    /* our KE data and g^ir at the end of the response's buffer */
    if (tip_ike_ke_room(ctx, sa->resp_buf, p.dh, &room) != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
    nsa = tip_ike_sa_alloc(ctx, TIP_IKE_FOR_REKEY, NULL, &err);
    if (nsa == NULL) {
        tip_ike_rekey_forget_replaced(ctx, sa);
        nsa = tip_ike_sa_alloc(ctx, TIP_IKE_FOR_REKEY, NULL, &err);
    }
    if (nsa == NULL || tip_ike_sa_set_state(ctx, nsa, TIP_IKE_S_CREATING) != TIP_OK)
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_ADDITIONAL_SAS, NULL, 0);
    nsa->parent = tip_ike_sa_handle(ctx, sa);
    nsa->initiator = 0;
    memcpy(nsa->spi_i, spi_i, 8);
    err = tip_ike_random(ctx, nsa->spi_r, 8);
    memcpy(nsa->ni, nonce, nlen);
    nsa->ni_len = (uint16_t)nlen;
    if (err == TIP_OK)
        err = tip_ike_random(ctx, nsa->nr, TIP_IKE_NONCE_LEN);
    nsa->nr_len = TIP_IKE_NONCE_LEN;
    publen = tip_crypto_dh_pub_len(p.dh);
    if (err == TIP_OK)
        err = tip_crypto_dh_generate(&nsa->dh, p.dh, ctx->port.random, ctx->port.arg, room.pub,
                                     publen);
    g_ir_len = tip_crypto_dh_secret_len(p.dh);
    if (err == TIP_OK)
        err = tip_crypto_dh_compute(&nsa->dh, ke.data, ke.len, room.g_ir, g_ir_len);
    tip_crypto_dh_free(&nsa->dh);
    if (err == TIP_OK)
        err = tip_ike_rekey_keys(ctx, sa, nsa, &p, room.g_ir, g_ir_len);
    tip_crypto_zeroize(room.g_ir, room.g_ir_room);
    if (err == TIP_OK && !collide)
        err = tip_ike_rekey_finish(ctx, sa, nsa);
    if (err != TIP_OK) {
        tip_ike_sa_free(ctx, nsa);
        return tip_ike_respond_notify(ctx, sa, &m->hdr, TIP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
    }
    if (collide) {
        /* 2.8.2: both ends rekey the IKE SA. Which new one stays is known
         * once our own request is answered (tip_ike_ike_rekey_response). */
        sa->pend.peer_ike_sa = tip_ike_sa_handle(ctx, nsa);
        tip_log(ctx, TIP_LOG_INFO, "ike: IKE SA rekey collision, the nonces decide");
    } else {
        tip_ike_rekey_forget_replaced(ctx, sa);
    }
    tip_ike_hdr_response(sa, &m->hdr, &h);
    tip_ike_w_init(&w, room.msg, room.cap);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    tip_ike_w_sa_ike_chosen(&w, num, &p, nsa->spi_r);
    tip_ike_w_nonce(&w, nsa->nr, nsa->nr_len);
    tip_ike_w_ke(&w, (uint16_t)p.dh, room.pub, publen);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_response(ctx, sa, len);
    if (!collide)
        tip_ike_raise(ctx, conn, TIP_EV_IKE_REKEYED, 0, 0, 0);
    return err;
}


#endif /* TIP_CONF_IKEV2 */
