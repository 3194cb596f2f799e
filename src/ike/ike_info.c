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

void tip_ike_sa_down(tip_ctx_t *ctx, tip_ike_sa_t *sa, int reason)
{
    tip_ike_conn_slot_t *c = tip_ike_sa_conn(ctx, sa);
    int was_up = sa->state == TIP_IKE_S_ESTABLISHED || sa->state == TIP_IKE_S_DELETING;
    int had_child = sa->child.sa_in != 0;
    int restart = 0;

    if (sa->state == TIP_IKE_S_REKEYED) {
        /* Replaced by a rekey: the CHILD SAs moved to the new IKE SA. */
        tip_ike_sa_free(ctx, sa);
        return;
    }
    if (sa->pend.kind == TIP_IKE_P_IKE_REKEY && sa->pend.new_ike_sa != 0 && sa->req_outstanding)
        tip_ike_sa_free(ctx, &ctx->ike.sa[sa->pend.new_ike_sa - 1u]);
    tip_ike_child_remove(ctx, &sa->child);
    tip_ike_child_remove(ctx, &sa->old_child);
    tip_ike_child_remove(ctx, &sa->extra_child);
    if (had_child)
        tip_ike_event(ctx, sa, TIP_EV_CHILD_DOWN, reason);
    if (was_up || sa->initiator)
        tip_ike_event(ctx, sa, TIP_EV_IKE_DOWN, reason);
    if (c != NULL && c->cfg.restart && reason != TIP_ERR_AUTH && reason != TIP_OK &&
        c->cfg.remote_addr.family != TIP_AF_NONE)
        restart = 1;
    tip_ike_sa_free(ctx, sa);
    if (restart)
        (void)tip_ike_initiate(ctx, tip_handle_make((unsigned)(c - ctx->ike.conn), c->gen));
}

int tip_ike_info_start(tip_ctx_t *ctx, tip_ike_sa_t *sa, uint8_t pending)
{
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    int err;

    if (sa->req_outstanding)
        return TIP_ERR_EXISTS;
    tip_ike_hdr_request(sa, TIP_IKE_EXCH_INFORMATIONAL, &h);
    tip_ike_w_init(&w, TIP_IKE_BUF_MSG(sa->req), TIP_IKE_MSG_MAX);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    if (pending == TIP_IKE_P_DELETE_CHILD) {
        /* 3.11: we name the SA by the SPI we receive on. After a rekey the
         * old pair goes (and, after a collision we lost, our redundant one,
         * 2.8.1); otherwise the current pair. */
        const tip_ike_child_t *ch = sa->old_child.sa_in != 0 ? &sa->old_child : &sa->child;
        uint8_t spi[8];
        uint16_t n = 0;
        uint32_t del[2];
        del[n] = ch->spi_in;
        tip_store_be32(spi + 4u * n, del[n]);
        n++;
        if (sa->extra_ours && sa->extra_child.sa_in != 0) {
            del[n] = sa->extra_child.spi_in;
            tip_store_be32(spi + 4u * n, del[n]);
            n++;
        }
        tip_ike_w_delete(&w, TIP_IKE_PROTO_ESP, 4, spi, n);
        err = tip_ike_sk_end(sa, &w, &len);
        if (err != TIP_OK)
            return err;
        err = tip_ike_send_request(ctx, sa, len, pending);
        sa->pend.del_n = (uint8_t)n;
        sa->pend.del_spi[0] = del[0];
        sa->pend.del_spi[1] = n > 1 ? del[1] : 0;
        return err;
    } else if (pending == TIP_IKE_P_DELETE_IKE) {
        tip_ike_w_delete(&w, TIP_IKE_PROTO_IKE, 0, NULL, 0);
        if (sa->state == TIP_IKE_S_ESTABLISHED)
            sa->state = TIP_IKE_S_DELETING;
    }
    err = tip_ike_sk_end(sa, &w, &len);
    if (err != TIP_OK)
        return err;
    return tip_ike_send_request(ctx, sa, len, pending);
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
        /* Remove exactly the pairs we named: a crossing Delete from the
         * peer may already have removed some of them (1.4.1). */
        unsigned i;
        for (i = 0; i < sa->pend.del_n && i < 2; i++) {
            uint32_t spi = sa->pend.del_spi[i];
            if (sa->old_child.sa_in != 0 && sa->old_child.spi_in == spi) {
                tip_ike_child_remove(ctx, &sa->old_child);
            } else if (sa->extra_child.sa_in != 0 && sa->extra_child.spi_in == spi) {
                tip_ike_child_remove(ctx, &sa->extra_child);
            } else if (sa->child.sa_in != 0 && sa->child.spi_in == spi) {
                tip_ike_child_remove(ctx, &sa->child);
                tip_ike_event(ctx, sa, TIP_EV_CHILD_DOWN, TIP_OK);
            }
        }
        sa->extra_ours = 0;
        break;
    }
    default:
        break; /* a liveness check answered: last_rx_ms is already updated */
    }
    return TIP_OK;
}

int tip_ike_info_request(tip_ctx_t *ctx, tip_ike_sa_t *sa, const tip_ike_msg_t *m,
                         const tip_ike_msg_t *in)
{
    const tip_ike_pl_t *pl;
    uint8_t spis[4 * 8];
    uint16_t nspis = 0;
    int delete_ike = 0, child_gone = 0;
    tip_ike_hdr_t h;
    tip_ike_w_t w;
    size_t len;
    unsigned i;
    int err;

    for (i = 0; (pl = tip_ike_msg_find(in, TIP_IKE_PL_D, i)) != NULL; i++) {
        tip_ike_delete_t d;
        unsigned k;
        if (tip_ike_delete_parse(tip_ike_pl_body(in, pl), pl->len, &d) != TIP_OK)
            continue;
        if (d.proto == TIP_IKE_PROTO_IKE) {
            delete_ike = 1;
            continue;
        }
        if (d.proto != TIP_IKE_PROTO_ESP)
            continue;
        /* 1.4.1: the peer lists its inbound SPIs (our outbound ones); we
         * answer with the inbound SPIs of the pairs we remove. */
        for (k = 0; k < d.count; k++) {
            uint32_t spi = tip_ike_delete_spi(&d, k);
            tip_ike_child_t *ch = NULL;
            if (sa->old_child.sa_in != 0 && spi == sa->old_child.spi_out)
                ch = &sa->old_child;
            else if (sa->extra_child.sa_in != 0 && spi == sa->extra_child.spi_out)
                ch = &sa->extra_child;
            else if (sa->child.sa_in != 0 && spi == sa->child.spi_out)
                ch = &sa->child;
            if (ch == NULL || nspis >= 8)
                continue;
            tip_store_be32(spis + 4u * nspis++, ch->spi_in);
            if (ch == &sa->child)
                child_gone = 1;
            tip_ike_child_remove(ctx, ch);
        }
    }
    tip_ike_hdr_response(sa, &m->hdr, &h);
    tip_ike_w_init(&w, TIP_IKE_BUF_MSG(sa->resp), TIP_IKE_MSG_MAX);
    tip_ike_w_hdr(&w, &h);
    (void)tip_ike_sk_begin(ctx, sa, &w);
    if (!delete_ike && nspis != 0)
        tip_ike_w_delete(&w, TIP_IKE_PROTO_ESP, 4, spis, nspis);
    err = tip_ike_sk_end(sa, &w, &len);
    if (err == TIP_OK)
        err = tip_ike_send_response(ctx, sa, len);
    if (child_gone)
        tip_ike_event(ctx, sa, TIP_EV_CHILD_DOWN, TIP_OK);
    if (delete_ike)
        tip_ike_sa_down(ctx, sa, TIP_OK);
    return err;
}

#endif /* TIP_CONF_IKEV2 */
