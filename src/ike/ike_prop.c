/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Proposals (RFC 7296 2.7, 3.3): building the SA payloads we offer, and
 * choosing from, or checking, the peer's.
 */
#include <string.h>

#include "bytes.h"
#include "ike/ike_core.h"

#if TIP_CONF_IKEV2

/* The key length attribute: AES needs it, ChaCha20-Poly1305 must not carry it. */
static uint16_t tip_ike_attr_bits(tip_encr_t encr, uint16_t key_bits)
{
    return (encr == TIP_ENCR_AES_GCM_16 || encr == TIP_ENCR_AES_CBC) ? key_bits : 0u;
}

static size_t tip_ike_xf_ike(const tip_ike_proposal_t *p, tip_ike_xf_desc_t *xf,
                             tip_dh_group_t dh)
{
    size_t n = 0;

    xf[n].type = TIP_IKE_XF_ENCR;
    xf[n].id = (uint16_t)p->encr;
    xf[n++].key_len = tip_ike_attr_bits(p->encr, p->key_bits);
    xf[n].type = TIP_IKE_XF_PRF;
    xf[n].id = (uint16_t)p->prf;
    xf[n++].key_len = 0;
    if (p->integ != TIP_INTEG_NONE) {
        xf[n].type = TIP_IKE_XF_INTEG;
        xf[n].id = (uint16_t)p->integ;
        xf[n++].key_len = 0;
    }
    xf[n].type = TIP_IKE_XF_DH;
    xf[n].id = (uint16_t)dh;
    xf[n++].key_len = 0;
    return n;
}

static size_t tip_ike_xf_child(const tip_child_proposal_t *p, tip_ike_xf_desc_t *xf, int with_dh)
{
    size_t n = 0;

    xf[n].type = TIP_IKE_XF_ENCR;
    xf[n].id = (uint16_t)p->encr;
    xf[n++].key_len = tip_ike_attr_bits(p->encr, p->key_bits);
    if (p->integ != TIP_INTEG_NONE) {
        xf[n].type = TIP_IKE_XF_INTEG;
        xf[n].id = (uint16_t)p->integ;
        xf[n++].key_len = 0;
    }
    if (with_dh && p->pfs != TIP_DH_NONE) {
        xf[n].type = TIP_IKE_XF_DH;
        xf[n].id = (uint16_t)p->pfs;
        xf[n++].key_len = 0;
    }
    xf[n].type = TIP_IKE_XF_ESN;
    xf[n].id = p->esn ? TIP_IKE_ESN_YES : TIP_IKE_ESN_NO;
    xf[n++].key_len = 0;
    return n;
}

void tip_ike_w_sa_ike(tip_ike_w_t *w, const tip_ike_conn_t *conn, const uint8_t *spi,
                      tip_dh_group_t only_dh)
{
    tip_ike_xf_desc_t xf[TIP_IKE_MAX_PROPOSALS][5];
    tip_ike_prop_desc_t pd[TIP_IKE_MAX_PROPOSALS];
    size_t i, n = 0;

    for (i = 0; i < conn->ike_count; i++) {
        tip_dh_group_t dh = conn->ike[i].dh;
        /* After INVALID_KE_PAYLOAD only proposals with that group stay. */
        if (only_dh != TIP_DH_NONE && dh != only_dh)
            continue;
        memset(&pd[n], 0, sizeof(pd[n]));
        pd[n].num = (uint8_t)(n + 1u);
        pd[n].proto = TIP_IKE_PROTO_IKE;
        if (spi != NULL) {
            pd[n].spi_size = 8;
            memcpy(pd[n].spi, spi, 8);
        }
        pd[n].nxf = (uint8_t)tip_ike_xf_ike(&conn->ike[i], xf[n], dh);
        pd[n].xf = xf[n];
        n++;
    }
    tip_ike_w_sa(w, pd, n);
}

void tip_ike_w_sa_ike_chosen(tip_ike_w_t *w, uint8_t num, const tip_ike_proposal_t *p,
                             const uint8_t *spi)
{
    tip_ike_xf_desc_t xf[5];
    tip_ike_prop_desc_t pd;

    memset(&pd, 0, sizeof(pd));
    pd.num = num;
    pd.proto = TIP_IKE_PROTO_IKE;
    if (spi != NULL) {
        pd.spi_size = 8;
        memcpy(pd.spi, spi, 8);
    }
    pd.nxf = (uint8_t)tip_ike_xf_ike(p, xf, p->dh);
    pd.xf = xf;
    tip_ike_w_sa(w, &pd, 1);
}

void tip_ike_w_sa_child(tip_ike_w_t *w, const tip_ike_conn_t *conn, uint32_t spi, int with_dh,
                        tip_dh_group_t only_dh)
{
    tip_ike_xf_desc_t xf[TIP_IKE_MAX_PROPOSALS][5];
    tip_ike_prop_desc_t pd[TIP_IKE_MAX_PROPOSALS];
    size_t i, n = 0;

    for (i = 0; i < conn->child_count; i++) {
        if (with_dh && only_dh != TIP_DH_NONE && conn->child[i].pfs != only_dh)
            continue;
        memset(&pd[n], 0, sizeof(pd[n]));
        pd[n].num = (uint8_t)(n + 1u);
        pd[n].proto = TIP_IKE_PROTO_ESP;
        pd[n].spi_size = 4;
        tip_store_be32(pd[n].spi, spi);
        pd[n].nxf = (uint8_t)tip_ike_xf_child(&conn->child[i], xf[n], with_dh);
        pd[n].xf = xf[n];
        n++;
    }
    tip_ike_w_sa(w, pd, n);
}

void tip_ike_w_sa_child_chosen(tip_ike_w_t *w, uint8_t num, const tip_child_proposal_t *p,
                               uint32_t spi, int with_dh)
{
    tip_ike_xf_desc_t xf[5];
    tip_ike_prop_desc_t pd;

    memset(&pd, 0, sizeof(pd));
    pd.num = num;
    pd.proto = TIP_IKE_PROTO_ESP;
    pd.spi_size = 4;
    tip_store_be32(pd.spi, spi);
    pd.nxf = (uint8_t)tip_ike_xf_child(p, xf, with_dh);
    pd.xf = xf;
    tip_ike_w_sa(w, &pd, 1);
}

/* What one proposal of the peer offers, one bit per acceptable value. */
typedef struct {
    tip_ike_prop_t prop;
    unsigned n;
    tip_ike_xf_t xf[16];
    uint8_t overflow;
} tip_ike_offer_t;

static int tip_ike_offer_read(const tip_ike_prop_t *prop, tip_ike_offer_t *o)
{
    size_t pos = 0;
    int r;

    o->prop = *prop;
    o->n = 0;
    o->overflow = 0;
    while ((r = tip_ike_prop_xf_next(prop, &pos, &o->xf[o->n < 16 ? o->n : 15])) == 1) {
        if (o->n < 16)
            o->n++;
        else
            o->overflow = 1;
    }
    return r == 0 ? TIP_OK : TIP_ERR_MALFORMED;
}

static int tip_ike_offer_has(const tip_ike_offer_t *o, uint8_t type, uint16_t id, uint16_t bits)
{
    unsigned i;

    for (i = 0; i < o->n; i++) {
        const tip_ike_xf_t *x = &o->xf[i];
        if (x->type == type && x->id == id && !x->unusable && x->key_len == bits)
            return 1;
    }
    return 0;
}

static unsigned tip_ike_offer_count(const tip_ike_offer_t *o, uint8_t type)
{
    unsigned i, n = 0;

    for (i = 0; i < o->n; i++)
        n += o->xf[i].type == type;
    return n;
}

/* Does the peer's proposal contain every transform of ours? */
static int tip_ike_offer_fits_ike(const tip_ike_offer_t *o, const tip_ike_proposal_t *p)
{
    if (!tip_ike_offer_has(o, TIP_IKE_XF_ENCR, (uint16_t)p->encr,
                           tip_ike_attr_bits(p->encr, p->key_bits)) ||
        !tip_ike_offer_has(o, TIP_IKE_XF_PRF, (uint16_t)p->prf, 0) ||
        !tip_ike_offer_has(o, TIP_IKE_XF_DH, (uint16_t)p->dh, 0))
        return 0;
    if (p->integ != TIP_INTEG_NONE)
        return tip_ike_offer_has(o, TIP_IKE_XF_INTEG, (uint16_t)p->integ, 0);
    /* AEAD: no integrity transform, or only "NONE" (RFC 7296 3.3.3) */
    return tip_ike_offer_count(o, TIP_IKE_XF_INTEG) == 0 ||
           tip_ike_offer_has(o, TIP_IKE_XF_INTEG, 0, 0);
}

static int tip_ike_offer_fits_child(const tip_ike_offer_t *o, const tip_child_proposal_t *p,
                                    int want_dh)
{
    unsigned esn_n = tip_ike_offer_count(o, TIP_IKE_XF_ESN);

    if (!tip_ike_offer_has(o, TIP_IKE_XF_ENCR, (uint16_t)p->encr,
                           tip_ike_attr_bits(p->encr, p->key_bits)))
        return 0;
    if (p->integ != TIP_INTEG_NONE) {
        if (!tip_ike_offer_has(o, TIP_IKE_XF_INTEG, (uint16_t)p->integ, 0))
            return 0;
    } else if (tip_ike_offer_count(o, TIP_IKE_XF_INTEG) != 0 &&
               !tip_ike_offer_has(o, TIP_IKE_XF_INTEG, 0, 0)) {
        return 0;
    }
    if (esn_n != 0 &&
        !tip_ike_offer_has(o, TIP_IKE_XF_ESN, p->esn ? TIP_IKE_ESN_YES : TIP_IKE_ESN_NO, 0))
        return 0;
    if (esn_n == 0 && p->esn)
        return 0;
    if (want_dh) {
        /* CREATE_CHILD_SA: the PFS group must match exactly, none = no DH
         * (RFC 7296 1.3.1, 3.3.3): a proposal of ours with a group never
         * fits an offer without it, so PFS cannot be negotiated away. */
        if (p->pfs == TIP_DH_NONE)
            return tip_ike_offer_count(o, TIP_IKE_XF_DH) == 0 ||
                   tip_ike_offer_has(o, TIP_IKE_XF_DH, 0, 0);
        return tip_ike_offer_has(o, TIP_IKE_XF_DH, (uint16_t)p->pfs, 0);
    }
    return 1; /* IKE_AUTH: DH transforms are ignored (RFC 7296 1.2) */
}

int tip_ike_select_ike(const tip_ike_proposal_t *ours, unsigned n, const uint8_t *sa_body,
                       size_t len, tip_ike_proposal_t *out, uint8_t *num, uint8_t spi[8])
{
    tip_ike_sa_iter_t it;
    tip_ike_prop_t prop;
    tip_ike_offer_t o;
    int r;

    tip_ike_sa_iter_init(&it, sa_body, len);
    /* RFC 7296 2.7: the responder picks one proposal; we take the peer's
     * order and the first of ours that fits it. */
    while ((r = tip_ike_sa_next(&it, &prop)) == 1) {
        unsigned i;
        if (prop.proto != TIP_IKE_PROTO_IKE || tip_ike_offer_read(&prop, &o) != TIP_OK)
            continue;
        for (i = 0; i < n; i++) {
            if (tip_ike_offer_fits_ike(&o, &ours[i])) {
                *out = ours[i];
                *num = prop.num;
                if (spi != NULL) {
                    memset(spi, 0, 8);
                    if (prop.spi_size == 8)
                        memcpy(spi, prop.spi, 8);
                }
                return TIP_OK;
            }
        }
    }
    return r < 0 ? TIP_ERR_MALFORMED : TIP_ERR_NOT_FOUND;
}

int tip_ike_select_child(const tip_child_proposal_t *ours, unsigned n, const uint8_t *sa_body,
                         size_t len, int want_dh, tip_child_proposal_t *out, uint8_t *num,
                         uint32_t *spi)
{
    tip_ike_sa_iter_t it;
    tip_ike_prop_t prop;
    tip_ike_offer_t o;
    int r;

    tip_ike_sa_iter_init(&it, sa_body, len);
    while ((r = tip_ike_sa_next(&it, &prop)) == 1) {
        unsigned i;
        if (prop.proto != TIP_IKE_PROTO_ESP || prop.spi_size != 4 ||
            tip_ike_offer_read(&prop, &o) != TIP_OK)
            continue;
        for (i = 0; i < n; i++) {
            if (tip_ike_offer_fits_child(&o, &ours[i], want_dh)) {
                /* The whole proposal, PFS group included: IKE_AUTH keeps
                 * it for the CHILD SA's rekeys (1.2: no KE there). */
                *out = ours[i];
                *num = prop.num;
                *spi = tip_load_be32(prop.spi);
                return TIP_OK;
            }
        }
    }
    return r < 0 ? TIP_ERR_MALFORMED : TIP_ERR_NOT_FOUND;
}

/* The initiator checks the single proposal of a response (2.7: it must be
 * one we offered, with one transform of each type). */
int tip_ike_accept_ike(const tip_ike_proposal_t *offered, unsigned n, const uint8_t *sa_body,
                       size_t len, tip_ike_proposal_t *out, uint8_t spi[8])
{
    tip_ike_proposal_t p;
    uint8_t num;
    tip_ike_sa_iter_t it;
    tip_ike_prop_t prop;
    tip_ike_offer_t o;

    tip_ike_sa_iter_init(&it, sa_body, len);
    if (tip_ike_sa_next(&it, &prop) != 1 || !prop.last || tip_ike_offer_read(&prop, &o) != TIP_OK ||
        o.n > 4)
        return TIP_ERR_MALFORMED;
    if (tip_ike_offer_count(&o, TIP_IKE_XF_ENCR) != 1 || tip_ike_offer_count(&o, TIP_IKE_XF_PRF) != 1 ||
        tip_ike_offer_count(&o, TIP_IKE_XF_DH) != 1)
        return TIP_ERR_MALFORMED;
    if (tip_ike_select_ike(offered, n, sa_body, len, &p, &num, spi) != TIP_OK)
        return TIP_ERR_NOT_FOUND;
    *out = p;
    return TIP_OK;
}

int tip_ike_accept_child(const tip_child_proposal_t *offered, unsigned n, const uint8_t *sa_body,
                         size_t len, int want_dh, tip_child_proposal_t *out, uint32_t *spi)
{
    tip_ike_sa_iter_t it;
    tip_ike_prop_t prop;
    tip_ike_offer_t o;
    uint8_t num;

    tip_ike_sa_iter_init(&it, sa_body, len);
    if (tip_ike_sa_next(&it, &prop) != 1 || !prop.last || tip_ike_offer_read(&prop, &o) != TIP_OK)
        return TIP_ERR_MALFORMED;
    if (tip_ike_offer_count(&o, TIP_IKE_XF_ENCR) != 1 ||
        tip_ike_offer_count(&o, TIP_IKE_XF_ESN) > 1 || tip_ike_offer_count(&o, TIP_IKE_XF_DH) > 1)
        return TIP_ERR_MALFORMED;
    return tip_ike_select_child(offered, n, sa_body, len, want_dh, out, &num, spi) == TIP_OK
               ? TIP_OK
               : TIP_ERR_NOT_FOUND;
}

#endif /* TIP_CONF_IKEV2 */
