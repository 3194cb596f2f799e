/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Table consistency check (see tip_test_tables.h). It reads the private
 * fields of tip_ctx_t, as only a test may.
 */
#include <stdio.h>
#include <string.h>

#include "tip_internal.h"
#include "tip_test_tables.h"
#if TIP_CONF_IKEV2
#include "ike/ike_core.h"
#endif

#define FAIL(...)                                                                        \
    do {                                                                                 \
        (void)snprintf(why, n, __VA_ARGS__);                                             \
        return -1;                                                                       \
    } while (0)

static int tip_tables_sad(const tip_ctx_t *ctx, char *why, size_t n)
{
    unsigned seen[TIP_MAX_SA];
    unsigned b, i;

    memset(seen, 0, sizeof(seen));
    for (b = 0; b < TIP_SPI_HASH_SIZE; b++) {
        unsigned steps = 0;
        uint16_t cur;
        for (cur = ctx->spi_hash[b]; cur != 0; cur = ctx->sa[cur - 1u].hash_next) {
            const tip_sa_t *sa;
            if (cur > TIP_MAX_SA)
                FAIL("SPI hash bucket %u names slot %u", b, (unsigned)cur - 1u);
            sa = &ctx->sa[cur - 1u];
            if (!sa->in_use || sa->dir != TIP_DIR_IN)
                FAIL("SPI hash bucket %u holds slot %u, which is %s", b, (unsigned)cur - 1u,
                     sa->in_use ? "outbound" : "free");
            if (++steps > TIP_MAX_SA)
                FAIL("SPI hash bucket %u loops", b);
            seen[cur - 1u]++;
        }
    }
    for (i = 0; i < TIP_MAX_SA; i++) {
        const tip_sa_t *sa = &ctx->sa[i];
        tip_handle_t h;
        if (sa->in_use && sa->dir == TIP_DIR_IN) {
            if (seen[i] != 1)
                FAIL("inbound SA slot %u is %u times in the SPI hash", i, seen[i]);
            if (tip_sad_find_inbound(ctx, sa->spi, &sa->dst, &h) != TIP_OK)
                FAIL("inbound SA slot %u (SPI %08x) is not found by its SPI", i,
                     (unsigned)sa->spi);
        }
    }
    return 0;
}

static int tip_tables_spd(const tip_ctx_t *ctx, char *why, size_t n)
{
    unsigned seen[TIP_MAX_POLICIES];
    unsigned d, i;

    memset(seen, 0, sizeof(seen));
    for (d = 0; d < 2; d++) {
        unsigned steps = 0;
        uint16_t cur;
        for (cur = ctx->spd_head[d]; cur != 0; cur = ctx->spd[cur - 1u].next) {
            const tip_policy_slot_t *ps;
            if (cur > TIP_MAX_POLICIES)
                FAIL("SPD list %u names slot %u", d, (unsigned)cur - 1u);
            ps = &ctx->spd[cur - 1u];
            if (!ps->in_use || ps->pol.dir != (d == 1 ? TIP_DIR_OUT : TIP_DIR_IN))
                FAIL("SPD list %u holds slot %u, which is %s", d, (unsigned)cur - 1u,
                     ps->in_use ? "of the other direction" : "free");
            if (++steps > TIP_MAX_POLICIES)
                FAIL("SPD list %u loops", d);
            seen[cur - 1u]++;
        }
    }
    for (i = 0; i < TIP_MAX_POLICIES; i++)
        if (ctx->spd[i].in_use && seen[i] != 1)
            FAIL("policy slot %u is %u times in its list", i, seen[i]);
    return 0;
}

#if TIP_CONF_IKEV2
static int tip_tables_child(const tip_ctx_t *ctx, unsigned i, const tip_ike_child_t *ch,
                            char *why, size_t n)
{
    tip_sa_stats_t st;
    tip_policy_t pol;

    if ((ch->sa_in != 0 && tip_sad_stats(ctx, ch->sa_in, &st) != TIP_OK) ||
        (ch->sa_out != 0 && tip_sad_stats(ctx, ch->sa_out, &st) != TIP_OK))
        FAIL("IKE SA slot %u keeps a CHILD SA (SPI %08x) the SAD does not have", i,
             (unsigned)ch->spi_in);
    if ((ch->pol_in != 0 && tip_spd_get(ctx, ch->pol_in, &pol) != TIP_OK) ||
        (ch->pol_out != 0 && tip_spd_get(ctx, ch->pol_out, &pol) != TIP_OK))
        FAIL("IKE SA slot %u keeps a policy the SPD does not have", i);
    return 0;
}

static int tip_tables_ike(const tip_ctx_t *ctx, int ike_refs, char *why, size_t n)
{
    tip_ctx_t *c = (tip_ctx_t *)ctx; /* the lookups are read-only */
    unsigned i;
    int err;

    if (ctx->ike.bad_transitions != 0)
        FAIL("%u IKE SA state changes were refused as illegal",
             (unsigned)ctx->ike.bad_transitions);
    for (i = 0; i < TIP_MAX_IKE_CONN; i++) {
        const tip_ike_conn_slot_t *k = &ctx->ike.conn[i];
        const tip_ike_sa_t *sa;
        if (!k->in_use || k->ike_sa == 0)
            continue;
        sa = tip_ike_sa_get(c, k->ike_sa);
        if (sa == NULL)
            FAIL("connection %u names IKE SA slot %u, which is free", i,
                 tip_handle_idx(k->ike_sa));
        if (sa->conn != tip_ike_conn_handle(ctx, k))
            FAIL("connection %u names IKE SA slot %u, which belongs to another", i,
                 tip_handle_idx(k->ike_sa));
    }
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *sa = &ctx->ike.sa[i];
        if (sa->state >= TIP_IKE_S_COUNT_)
            FAIL("IKE SA slot %u has state %u", i, (unsigned)sa->state);
        if (sa->state == TIP_IKE_S_FREE)
            continue;
        if (sa->conn != 0 && tip_ike_conn_get(c, sa->conn, &err) == NULL)
            FAIL("IKE SA slot %u names a deleted connection", i);
        if (sa->state == TIP_IKE_S_CREATING) {
            const tip_ike_sa_t *p = tip_ike_sa_get(c, sa->parent);
            if (p == NULL || (p->pend.new_ike_sa != tip_ike_sa_handle(ctx, sa) &&
                              p->pend.peer_ike_sa != tip_ike_sa_handle(ctx, sa)))
                FAIL("rekey slot %u has no parent that names it", i);
        }
        if (ike_refs) {
            unsigned k;
            for (k = 0; k < TIP_IKE_CHILD_MAX; k++)
                if (tip_tables_child(ctx, i, &sa->child[k], why, n) != 0)
                    return -1;
            if (tip_tables_child(ctx, i, &sa->old_child, why, n) != 0 ||
                tip_tables_child(ctx, i, &sa->extra_child, why, n) != 0)
                return -1;
        }
    }
    return 0;
}
#endif

#if TIP_CONF_IKEV2
/* Count pool buffer @p h once more in @p names; 1 when the handle finds no buffer. */
static int tip_tables_buf_name(const tip_ctx_t *ctx, tip_handle_t h, uint8_t *names)
{
    unsigned idx = tip_handle_idx(h);

    if (idx >= TIP_IKE_MSG_BUFS || !ctx->ike.buf[idx].in_use ||
        ctx->ike.buf[idx].gen != tip_handle_gen(h))
        return 1;
    if (names[idx] < 255u)
        names[idx]++;
    return 0;
}

/*
 * Between calls every message buffer in use has exactly one holder: a
 * handle of an IKE SA or the reassembly's. The one exception is a
 * half-open responder's IKE_SA_INIT response, its cached response and the
 * message its AUTH covers at once (resp_buf == init_r_buf). Every handle
 * kept finds its buffer.
 */
static int tip_tables_bufs(const tip_ctx_t *ctx, char *why, size_t n)
{
    static uint8_t names[TIP_IKE_MSG_BUFS];
    unsigned i, k;

    memset(names, 0, sizeof(names));
    for (i = 0; i < TIP_MAX_IKE_SA; i++) {
        const tip_ike_sa_t *sa = &ctx->ike.sa[i];
        const tip_handle_t h[4] = {sa->req_buf, sa->resp_buf, sa->init_i_buf, sa->init_r_buf};
        for (k = 0; k < 4; k++) {
            if (h[k] == 0)
                continue;
            if (sa->state == TIP_IKE_S_FREE)
                FAIL("free IKE SA slot %u keeps a message buffer", i);
            if (k == 3 && h[3] == h[1]) {
                if (sa->initiator || sa->state != TIP_IKE_S_INIT_DONE)
                    FAIL("IKE SA slot %u shares its init_r buffer outside the half-open state", i);
                continue; /* counted as resp_buf */
            }
            if (tip_tables_buf_name(ctx, h[k], names) != 0)
                FAIL("IKE SA slot %u keeps a handle to a released message buffer", i);
        }
    }
#if TIP_CONF_IKE_FRAG
    if (ctx->ike.reasm.buf != 0 && tip_tables_buf_name(ctx, ctx->ike.reasm.buf, names) != 0)
        FAIL("the reassembly keeps a handle to a released message buffer");
#endif
    for (i = 0; i < TIP_IKE_MSG_BUFS; i++) {
        if (ctx->ike.buf[i].in_use && names[i] == 0)
            FAIL("message buffer %u is in use but nothing holds it", i);
        if (names[i] > 1u)
            FAIL("message buffer %u is held %u times", i, (unsigned)names[i]);
    }
    return 0;
}
#endif

int tip_test_tables_check(const tip_ctx_t *ctx, int ike_refs, char *why, size_t n)
{
    if (n > 0)
        why[0] = '\0';
    if (tip_tables_sad(ctx, why, n) != 0 || tip_tables_spd(ctx, why, n) != 0)
        return -1;
#if TIP_CONF_IKEV2
    if (ctx->ike.enabled &&
        (tip_tables_ike(ctx, ike_refs, why, n) != 0 || tip_tables_bufs(ctx, why, n) != 0))
        return -1;
#else
    (void)ike_refs;
#endif
    return 0;
}
