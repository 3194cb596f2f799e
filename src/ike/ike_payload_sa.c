/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * IKEv2 SA payload: proposals and transforms (RFC 7296 3.3), parser and
 * builder.
 */
#include "tinyipsec/config.h"

#if TIP_CONF_IKEV2

#include <string.h>

#include "bytes.h"
#include "ike/ike_msg.h"

/* ---- parsing --------------------------------------------------------------- */

/* RFC 7296 3.3.5: attributes are TV (AF = 1, 2-byte value) or TLV (AF = 0,
 * 2-byte length then the value). Checks that they exactly fill [p, p+len). */
static int attrs_valid(const uint8_t *p, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        uint16_t t;

        if (len - pos < 4) {
            return 0;
        }
        t = tip_load_be16(p + pos);
        if (t & TIP_IKE_ATTR_TV) {
            pos += 4;
        } else {
            uint16_t alen = tip_load_be16(p + pos + 2);

            if (alen > len - pos - 4) {
                return 0;
            }
            pos += 4u + alen;
        }
    }
    return 1;
}

/* Check the transforms of one proposal (3.3.2): each header in bounds, the
 * last-substructure value 3 before every transform but the last (0), lengths
 * that exactly fill the area, valid attributes, and the announced count. */
static int xforms_valid(const uint8_t *p, size_t len, uint8_t count)
{
    size_t pos = 0;
    unsigned n = 0;

    while (pos < len) {
        size_t left = len - pos;
        uint16_t tlen;
        uint8_t last;

        if (left < TIP_IKE_XF_HDR_LEN) {
            return 0;
        }
        last = p[pos];
        tlen = tip_load_be16(p + pos + 2);
        if (tlen < TIP_IKE_XF_HDR_LEN || tlen > left) {
            return 0;
        }
        if ((last == TIP_IKE_LAST) != (tlen == left) ||
            (last != TIP_IKE_LAST && last != TIP_IKE_MORE_XF)) {
            return 0;
        }
        if (!attrs_valid(p + pos + TIP_IKE_XF_HDR_LEN, tlen - TIP_IKE_XF_HDR_LEN)) {
            return 0;
        }
        n++;
        pos += tlen;
    }
    return n == count;
}

void tip_ike_sa_iter_init(tip_ike_sa_iter_t *it, const uint8_t *body, size_t len)
{
    it->body = body;
    it->len = body != NULL ? len : 0;
    it->pos = 0;
    it->prev_num = 0;
    it->done = 0;
}

int tip_ike_sa_next(tip_ike_sa_iter_t *it, tip_ike_prop_t *prop)
{
    const uint8_t *p;
    size_t left;
    uint16_t plen;
    uint8_t last, num, spi_size;

    if (it->done) {
        return 0;
    }
    if (it->pos >= it->len || it->len - it->pos < TIP_IKE_PROP_HDR_LEN) {
        /* An SA payload holds at least one proposal, and a "more" flag
         * promises another. */
        return TIP_ERR_MALFORMED;
    }
    p = it->body + it->pos;
    left = it->len - it->pos;
    last = p[0];
    plen = tip_load_be16(p + 2);
    if (plen < TIP_IKE_PROP_HDR_LEN || plen > left) {
        return TIP_ERR_MALFORMED;
    }
    /* RFC 7296 3.3.1: 0 marks the last proposal, 2 says more follow. */
    if ((last != TIP_IKE_LAST && last != TIP_IKE_MORE_PROP) ||
        (last == TIP_IKE_LAST) != (plen == left)) {
        return TIP_ERR_MALFORMED;
    }
    num = p[4];
    spi_size = p[6];
    /* RFC 7296 3.3.1: the first proposal is 1 and each next one is one more;
     * a response carries the single accepted proposal with its number. */
    if (num == 0) {
        return TIP_ERR_MALFORMED;
    }
    if (it->prev_num == 0) {
        if (num != 1 && last != TIP_IKE_LAST) {
            return TIP_ERR_MALFORMED;
        }
    } else if (num != (uint8_t)(it->prev_num + 1) || it->prev_num == 255) {
        return TIP_ERR_MALFORMED;
    }
    switch (p[5]) {
    case TIP_IKE_PROTO_IKE:
        /* 0 in IKE_SA_INIT, 8 when rekeying the IKE SA (3.3.1). */
        if (spi_size != 0 && spi_size != TIP_IKE_SPI_LEN) {
            return TIP_ERR_MALFORMED;
        }
        break;
    case TIP_IKE_PROTO_AH:
    case TIP_IKE_PROTO_ESP:
        if (spi_size != 4) {
            return TIP_ERR_MALFORMED;
        }
        break;
    default:
        break; /* unknown protocol: the caller skips the proposal */
    }
    if ((size_t)TIP_IKE_PROP_HDR_LEN + spi_size > plen || p[7] == 0) {
        return TIP_ERR_MALFORMED;
    }
    if (!xforms_valid(p + TIP_IKE_PROP_HDR_LEN + spi_size,
                      (size_t)plen - TIP_IKE_PROP_HDR_LEN - spi_size, p[7])) {
        return TIP_ERR_MALFORMED;
    }
    prop->num = num;
    prop->proto = p[5];
    prop->spi_size = spi_size;
    prop->num_xf = p[7];
    prop->spi = spi_size != 0 ? p + TIP_IKE_PROP_HDR_LEN : NULL;
    prop->xf = p + TIP_IKE_PROP_HDR_LEN + spi_size;
    prop->xf_len = (uint16_t)(plen - TIP_IKE_PROP_HDR_LEN - spi_size);
    prop->last = (uint8_t)(last == TIP_IKE_LAST);
    it->prev_num = num;
    it->pos += plen;
    it->done = prop->last;
    return 1;
}

int tip_ike_prop_xf_next(const tip_ike_prop_t *prop, size_t *pos, tip_ike_xf_t *xf)
{
    const uint8_t *p;
    size_t left, apos;
    uint16_t tlen;

    if (*pos >= prop->xf_len) {
        return 0;
    }
    /* Re-checked so that a hand-made prop cannot lead out of bounds. */
    left = prop->xf_len - *pos;
    p = prop->xf + *pos;
    if (left < TIP_IKE_XF_HDR_LEN) {
        return TIP_ERR_MALFORMED;
    }
    tlen = tip_load_be16(p + 2);
    if (tlen < TIP_IKE_XF_HDR_LEN || tlen > left) {
        return TIP_ERR_MALFORMED;
    }
    xf->type = p[4];
    xf->id = tip_load_be16(p + 6);
    xf->key_len = 0;
    xf->has_key_len = 0;
    xf->unusable = 0;
    for (apos = TIP_IKE_XF_HDR_LEN; apos < tlen;) {
        uint16_t t;

        if (tlen - apos < 4) {
            return TIP_ERR_MALFORMED;
        }
        t = tip_load_be16(p + apos);
        if (t == (TIP_IKE_ATTR_TV | TIP_IKE_ATTR_KEY_LENGTH) && !xf->has_key_len) {
            xf->key_len = tip_load_be16(p + apos + 2);
            xf->has_key_len = 1;
            apos += 4;
            continue;
        }
        /* RFC 7296 3.3.6: a transform with an attribute we do not understand
         * cannot be accepted; it is reported, not silently stripped. */
        xf->unusable = 1;
        if (t & TIP_IKE_ATTR_TV) {
            apos += 4;
        } else {
            uint16_t alen = tip_load_be16(p + apos + 2);

            if (alen > tlen - apos - 4) {
                return TIP_ERR_MALFORMED;
            }
            apos += 4u + alen;
        }
    }
    *pos += tlen;
    return 1;
}

int tip_ike_sa_validate(const uint8_t *body, size_t len, unsigned *nprops)
{
    tip_ike_sa_iter_t it;
    tip_ike_prop_t prop;
    unsigned n = 0;
    int rc;

    tip_ike_sa_iter_init(&it, body, len);
    while ((rc = tip_ike_sa_next(&it, &prop)) == 1) {
        n++;
    }
    if (rc != 0) {
        return rc;
    }
    if (nprops != NULL) {
        *nprops = n;
    }
    return TIP_OK;
}

/* ---- building ---------------------------------------------------------------- */

static void w_patch16(tip_ike_w_t *w, size_t off, size_t v)
{
    if (w->err != TIP_OK) {
        return;
    }
    if (v > 0xffffu) {
        w->err = TIP_ERR_ARG;
        return;
    }
    tip_store_be16(w->buf + off, (uint16_t)v);
}

void tip_ike_w_sa(tip_ike_w_t *w, const tip_ike_prop_desc_t *props, size_t n)
{
    size_t s, i, j;

    if (w->err == TIP_OK && (props == NULL || n == 0 || n > 255)) {
        w->err = TIP_ERR_ARG;
    }
    s = tip_ike_w_begin(w, TIP_IKE_PL_SA, 0);
    for (i = 0; i < n && w->err == TIP_OK; i++) {
        const tip_ike_prop_desc_t *pd = &props[i];
        size_t ps = w->len;

        /* False positive: w->err is sticky (ike_msg.h), so with props NULL
         * the loop never runs; the analyzer does not see into ike_msg.c. */
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
        if (pd->spi_size > sizeof(pd->spi) || pd->nxf == 0 || pd->xf == NULL) {
            w->err = TIP_ERR_ARG;
            break;
        }
        tip_ike_w_u8(w, i + 1 == n ? TIP_IKE_LAST : TIP_IKE_MORE_PROP);
        tip_ike_w_u8(w, 0);
        tip_ike_w_u16(w, 0); /* proposal length, patched below */
        tip_ike_w_u8(w, pd->num != 0 ? pd->num : (uint8_t)(i + 1));
        tip_ike_w_u8(w, pd->proto);
        tip_ike_w_u8(w, pd->spi_size);
        tip_ike_w_u8(w, pd->nxf);
        tip_ike_w_bytes(w, pd->spi, pd->spi_size);
        for (j = 0; j < pd->nxf; j++) {
            const tip_ike_xf_desc_t *xd = &pd->xf[j];
            size_t xs = w->len;

            tip_ike_w_u8(w, j + 1 == pd->nxf ? TIP_IKE_LAST : TIP_IKE_MORE_XF);
            tip_ike_w_u8(w, 0);
            tip_ike_w_u16(w, 0); /* transform length, patched below */
            tip_ike_w_u8(w, xd->type);
            tip_ike_w_u8(w, 0);
            tip_ike_w_u16(w, xd->id);
            if (xd->key_len != 0) {
                tip_ike_w_u16(w, TIP_IKE_ATTR_TV | TIP_IKE_ATTR_KEY_LENGTH);
                tip_ike_w_u16(w, xd->key_len);
            }
            w_patch16(w, xs + 2, w->len - xs);
        }
        w_patch16(w, ps + 2, w->len - ps);
    }
    tip_ike_w_end(w, s);
}

#endif /* TIP_CONF_IKEV2 */
