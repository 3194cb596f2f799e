/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * INFORMATIONAL (RFC 7296 1.4): deleting CHILD and IKE SAs, liveness
 * checks (2.4), and tearing an IKE SA down locally.
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

void tip_ike_sa_down_ev(tip_ctx_t *ctx, tip_ike_sa_t *sa, int reason, tip_event_type_t first,
                        int first_reason)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    tip_handle_t conn = sa->conn;
    /* Only the connection's current IKE SA speaks for it (an older one the
     * peer replaced by connecting again must not report the tunnel down). */
    int current = c != NULL && tip_ike_conn_cur(ctx, c) == sa;
    int ike_down = current && (sa->state == TIP_IKE_S_ESTABLISHED ||
                               sa->state == TIP_IKE_S_DELETING || sa->initiator);
    int child_down = 0;
    /* A delete we started (DELETING) does not restart, whatever the peer did. */
    int restart = current && c->cfg.restart && reason != TIP_ERR_AUTH && reason != TIP_OK &&
                  c->cfg.remote_addr.family != TIP_AF_NONE && sa->state != TIP_IKE_S_DELETING;

    if (sa->state == TIP_IKE_S_REKEYED || sa->state == TIP_IKE_S_CREATING) {
        /* Replaced by a rekey (the CHILD SAs moved on), or a slot that never
         * became an IKE SA: nothing to report. */
        tip_ike_sa_free(ctx, sa);
        return;
    }
    {
        unsigned i;
        for (i = 0; i < TIP_IKE_CHILD_MAX; i++)
            child_down |= current && sa->child[i].sa_in != 0;
    }
    tip_ike_child_remove_all(ctx, sa);
    tip_ike_sa_free(ctx, sa); /* and the slot of a rekey in flight with it */
    if (restart)
        (void)tip_ike_initiate(ctx, conn);
    /* Events last: the callback may call into the library. */
    if (first != 0)
        tip_ike_raise(ctx, conn, first, first_reason, 0, 0);
    if (child_down)
        tip_ike_raise(ctx, conn, TIP_EV_CHILD_DOWN, reason, 0, 0);
    if (ike_down && first != TIP_EV_IKE_DOWN)
        tip_ike_raise(ctx, conn, TIP_EV_IKE_DOWN, reason, 0, 0);
}

void tip_ike_sa_down(tip_ctx_t *ctx, tip_ike_sa_t *sa, int reason)
{
    tip_ike_sa_down_ev(ctx, sa, reason, (tip_event_type_t)0, 0);
}

int tip_ike_sa_terminate(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    switch (sa->state) {
    case TIP_IKE_S_INIT_SENT:
    case TIP_IKE_S_AUTH_SENT:
    case TIP_IKE_S_INIT_DONE:
        /* Not authenticated yet: nothing can tell the peer (its half-open
         * state expires there, 2.6). Gone at once. */
        tip_ike_sa_down(ctx, sa, TIP_OK);
        return TIP_OK;
    case TIP_IKE_S_ESTABLISHED:
        if (tip_ike_sa_set_state(ctx, sa, TIP_IKE_S_DELETING) != TIP_OK)
            return TIP_ERR_INTERNAL;
        /* Window size 1 (2.3): with a request outstanding, the Delete goes
         * out when it is answered (tip_ike_after_response), or the SA ends
         * when the peer never answers it. */
        if (sa->req_outstanding)
            return TIP_OK;
        return tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE);
    case TIP_IKE_S_DELETING:
    case TIP_IKE_S_REKEYED:
        return TIP_OK; /* already on its way out */
    default:
        return TIP_ERR_NO_SA;
    }
}

void tip_ike_after_response(tip_ctx_t *ctx, tip_handle_t h)
{
    tip_ike_sa_t *sa = tip_ike_sa_get(ctx, h);

#if TIP_CONF_IKE_MOBIKE
    if (sa != NULL)
        tip_ike_mobike_after_response(ctx, sa); /* an address update that waited */
#endif
    if (sa == NULL || sa->state != TIP_IKE_S_DELETING || sa->req_outstanding)
        return;
    if (tip_ike_info_start(ctx, sa, TIP_IKE_P_DELETE_IKE) != TIP_OK)
        tip_ike_sa_down(ctx, sa, TIP_OK); /* cannot tell the peer: end it here */
}

/* Which requests each state may start (the exchange files start them). */
static int tip_ike_info_allowed(const tip_ike_sa_t *sa, uint8_t pending)
{
    if (pending == TIP_IKE_P_DELETE_IKE)
        return sa->state == TIP_IKE_S_ESTABLISHED || sa->state == TIP_IKE_S_DELETING ||
               sa->state == TIP_IKE_S_REKEYED;
    return sa->state == TIP_IKE_S_ESTABLISHED;
}

/*
 * The pair a Delete(ESP) of ours names, for CHILD SA @p idx (the one being
 * rekeyed when none is named). After a collision we lost, our redundant
 * pair, only it (RFC 7296 2.8.1: the creator of the surviving pair deletes
 * the old one); after a rekey, the old pair; a redundant pair of the
 * peer's that it never deleted, once nothing older is left; otherwise the
 * current pair (tip_ike_delete_child()). Another CHILD SA than the one
 * rekeyed: that one.
 */
static const tip_ike_child_t *tip_ike_child_to_delete(const tip_ike_sa_t *sa, unsigned idx)
{
    if (idx != sa->rekey_idx)
        return &sa->child[idx];
    if (sa->extra_child.sa_in != 0 &&
        (sa->extra_role == TIP_IKE_X_OURS ||
         (sa->extra_role == TIP_IKE_X_PEERS && sa->old_child.sa_in == 0)))
        return &sa->extra_child;
    return sa->old_child.sa_in != 0 ? &sa->old_child : &sa->child[idx];
}

static int tip_ike_info_start_idx(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint8_t pending,
                                  unsigned idx)
{
    const tip_ike_child_t *del = NULL;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    int err;

    if (sa->req_outstanding)
        return TIP_ERR_EXISTS;
    if (!tip_ike_info_allowed(sa, pending))
        return TIP_ERR_NO_SA;
    if (pending == TIP_IKE_P_DELETE_CHILD) {
        del = tip_ike_child_to_delete(sa, idx);
        if (del->sa_in == 0)
            return TIP_ERR_NO_SA;
    }
    if (tip_ike_buf_take(ctx, &sa->req_buf) == NULL)
        return TIP_ERR_FULL; /* message pool empty: nothing changed */
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_INFORMATIONAL, &h);
    (void)tip_ike_w_pool(ctx, &sa->req_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    if (del != NULL) {
        /* 3.11: we name the SA by the SPI we receive on. */
        uint8_t spi[4];
        tip_store_be32(spi, del->spi_in);
        tip_ike_w_delete(&w, TIP_IKE_PROTO_ESP, 4, spi, 1);
        sa->pend.del_spi = del->spi_in;
    } else if (pending == TIP_IKE_P_DELETE_IKE) {
        tip_ike_w_delete(&w, TIP_IKE_PROTO_IKE, 0, NULL, 0);
    }
#if TIP_CONF_IKE_MOBIKE
    if (pending == TIP_IKE_P_DPD)
        tip_ike_mobike_w_probe(&w, sa); /* RFC 4555 3.8 */
#endif
    err = tip_ike_sk_end(sa, &w, &len);
    if (err != TIP_OK)
        return err;
    return tip_ike_send_request(ctx, sa, len, pending);
}

int tip_ike_info_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint8_t pending)
{
    return tip_ike_info_start_idx(ctx, sa, pending, sa->rekey_idx);
}

int tip_ike_info_delete_child(tip_ctx_t *ctx, tip_ike_sa_t *sa, unsigned idx)
{
    return tip_ike_info_start_idx(ctx, sa, TIP_IKE_P_DELETE_CHILD, idx);
}

int tip_ike_info_response(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *in)
{
    (void)in;
    switch (sa->pend.kind) {
    case TIP_IKE_P_DELETE_IKE:
        /* 1.4.1: the peer confirmed; both sides forget the IKE SA. */
        tip_ike_sa_down(ctx, sa, TIP_OK);
        break;
    case TIP_IKE_P_DELETE_CHILD: {
        /* Remove exactly the pair we named: a crossing Delete from the
         * peer may already have removed it (1.4.1). */
        uint32_t spi = sa->pend.del_spi;
        unsigned k, gone = TIP_IKE_CHILD_MAX;
        if (sa->old_child.sa_in != 0 && sa->old_child.spi_in == spi) {
            tip_ike_child_remove(ctx, &sa->old_child);
        } else if (sa->extra_child.sa_in != 0 && sa->extra_child.spi_in == spi) {
            tip_ike_child_remove(ctx, &sa->extra_child);
        } else {
            for (k = 0; k < TIP_IKE_CHILD_MAX; k++) {
                if (sa->child[k].sa_in != 0 && sa->child[k].spi_in == spi) {
                    tip_ike_child_remove(ctx, &sa->child[k]);
                    gone = k;
                    break;
                }
            }
        }
        if (sa->extra_child.sa_in == 0)
            sa->extra_role = TIP_IKE_X_NONE;
        if (gone < TIP_IKE_CHILD_MAX)
            tip_ike_child_event(ctx, sa, gone, TIP_EV_CHILD_DOWN, TIP_OK);
        break;
    }
#if TIP_CONF_IKE_MOBIKE
    case TIP_IKE_P_MOBIKE_UPDATE:
    case TIP_IKE_P_MOBIKE_CHECK:
        tip_ike_mobike_response(ctx, sa, in);
        break;
    case TIP_IKE_P_DPD:
        tip_ike_mobike_probe_answer(ctx, sa, in); /* RFC 4555 3.8 */
        break;
#endif
    default:
        break; /* a liveness check answered: last_rx_ms is already updated */
    }
    return TIP_OK;
}

/*
 * The IKE SA whose CHILD SAs a request on @p sa names: @p sa, or, when a
 * rekey replaced it (REKEYED), the IKE SA they moved to. RFC 7296 2.25.2:
 * a Delete of a CHILD SA that crossed our rekey of the IKE SA reaches the
 * old IKE SA after the CHILD SAs moved, and is answered as usual.
 */
static tip_ike_sa_t *tip_ike_info_children_sa(tip_ctx_t *ctx, tip_ike_sa_t *sa)
{
    unsigned hops;

    for (hops = 0; hops < TIP_MAX_IKE_SA && sa->state == TIP_IKE_S_REKEYED; hops++) {
        tip_ike_sa_t *next = tip_ike_sa_get(ctx, sa->successor);
        if (next == NULL || next->conn != sa->conn ||
            (next->state != TIP_IKE_S_ESTABLISHED && next->state != TIP_IKE_S_DELETING &&
             next->state != TIP_IKE_S_REKEYED))
            break;
        sa = next;
    }
    return sa;
}

int tip_ike_info_request(tip_ctx_t *ctx, tip_ike_sa_t *req_sa, const tip_ike_msg_t *m,
                         const tip_ike_msg_t *in, const tip_ike_path_t *to)
{
    tip_ike_sa_t *sa = tip_ike_info_children_sa(ctx, req_sa); /* whose CHILD SAs */
    const tip_ike_pl_t *pl;
    /* every CHILD SA of the table, the old and the extra pair of a rekey:
     * each can be named once */
    uint8_t spis[4 * (TIP_IKE_CHILD_MAX + 2)];
    uint16_t nspis = 0;
    int delete_ike = 0, cur_named = 0, rekeyed = 0;
    unsigned gone = 0; /* bit k: child[k] was removed */
    tip_ike_child_t *cur = &sa->child[sa->rekey_idx];
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    unsigned i;
    int err;

    /* 1.4.1: deleting the IKE SA deletes its CHILD SAs too; ESP deletes
     * beside it change nothing more. */
    for (i = 0; (pl = tip_ike_msg_find(in, TIP_IKE_PL_D, i)) != NULL; i++) {
        tip_ike_delete_t d;
        if (tip_ike_delete_parse(tip_ike_pl_body(in, pl), pl->len, &d) == TIP_OK &&
            d.proto == TIP_IKE_PROTO_IKE)
            delete_ike = 1;
    }
    for (i = 0; !delete_ike && (pl = tip_ike_msg_find(in, TIP_IKE_PL_D, i)) != NULL; i++) {
        tip_ike_delete_t d;
        unsigned k;
        if (tip_ike_delete_parse(tip_ike_pl_body(in, pl), pl->len, &d) != TIP_OK ||
            d.proto != TIP_IKE_PROTO_ESP)
            continue;
        /* 1.4.1: the peer lists its inbound SPIs (our outbound ones); we
         * answer with the inbound SPIs of the pairs we remove. */
        for (k = 0; k < d.count; k++) {
            uint32_t spi = tip_ike_delete_spi(&d, k);
            tip_ike_child_t *ch = NULL;
            int idx = tip_ike_child_by_spi_out(sa, spi);
            if (sa->old_child.sa_in != 0 && spi == sa->old_child.spi_out)
                ch = &sa->old_child;
            else if (sa->extra_child.sa_in != 0 && spi == sa->extra_child.spi_out)
                ch = &sa->extra_child;
            else if (idx >= 0)
                ch = &sa->child[idx];
            if (ch == NULL || nspis >= TIP_IKE_CHILD_MAX + 2 || (ch == cur && cur_named))
                continue;
            tip_store_be32(spis + (size_t)nspis++ * 4u, ch->spi_in);
            if (ch == cur) {
                cur_named = 1; /* below, once the rest is known */
            } else {
                if (idx >= 0 && ch == &sa->child[idx])
                    gone |= 1u << (unsigned)idx;
                tip_ike_child_remove(ctx, ch);
            }
        }
    }
    if (cur_named) {
        int rekeying = sa->req_outstanding && sa->pend.kind == TIP_IKE_P_CHILD_REKEY;
        if (rekeying && sa->extra_role == TIP_IKE_X_PENDING && sa->extra_child.sa_in != 0) {
            /* 2.8.1: the peer finished its rekey of the pair we are
             * rekeying too, and deletes the old pair: its new pair is the
             * current one. The answer to our request changes nothing or
             * brings a redundant pair (ike_child.c). */
            tip_ike_child_adopt_peers(ctx, sa);
            tip_ike_child_remove(ctx, &sa->old_child);
            rekeyed = 1;
        } else if (rekeying) {
            /* 2.25.1: deleted while our rekey of it is in flight: the SAs
             * go, the policies wait for the pair that rekey brings. */
            tip_ike_child_remove_sas(ctx, cur);
            gone |= 1u << sa->rekey_idx;
        } else {
            tip_ike_child_remove(ctx, cur);
            gone |= 1u << sa->rekey_idx;
        }
    }
    if (sa->extra_child.sa_in == 0)
        sa->extra_role = TIP_IKE_X_NONE;
    /* The response goes on the IKE SA the request came on. */
    tip_ike_hdr_response(req_sa, &m->hdr, &h);
    (void)tip_ike_w_pool(ctx, &req_sa->resp_buf, &w);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, req_sa, &w);
    if (!delete_ike && nspis != 0)
        tip_ike_w_delete(&w, TIP_IKE_PROTO_ESP, 4, spis, nspis);
#if TIP_CONF_IKE_MOBIKE
    tip_ike_mobike_w_echo(&w, req_sa, in, to); /* RFC 4555 3.7, 3.8 */
#endif
    err = tip_ike_sk_end(req_sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_response_to(ctx, req_sa, to, len);
    if (delete_ike) {
        tip_ike_ike_deleted(ctx, req_sa); /* the events come last, from there */
        return err;
    }
    if (rekeyed)
        tip_ike_event(ctx, sa, TIP_EV_CHILD_REKEYED, 0);
    {
        tip_handle_t self = tip_ike_sa_handle(ctx, sa);
        unsigned k;
        /* One CHILD_DOWN per CHILD SA removed; a callback may end the IKE SA. */
        for (k = 0; k < TIP_IKE_CHILD_MAX; k++)
            if ((gone & (1u << k)) != 0 && tip_ike_sa_get(ctx, self) == sa)
                tip_ike_child_event(ctx, sa, k, TIP_EV_CHILD_DOWN, TIP_OK);
    }
    return err;
}

#endif /* TIP_CONF_IKEV2 */
