/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer harness: tip_setkey_parse() (dry run) and tip_setkey_apply() on
 * arbitrary text, into a fresh context per input that is deinitialised at
 * the end (LeakSanitizer reports any SA whose crypto state leaks).
 *
 * Invariants (trap on violation):
 *  - the error's code equals the return value; on success line, column and
 *    msg are empty; on error 1 <= line <= lines of the input and
 *    1 <= column <= length of that line + 1; msg is NUL-terminated and
 *    starts with "line L, column C: ";
 *  - apply gives the dry run's result whenever the dry run fails, and then
 *    changes nothing at all in the context;
 *  - once the dry run passes, apply can only fail in ways the SAD / SPD
 *    alone can see (full table, SPI in use, delete of an unknown SA);
 *  - after apply the context is consistent: every policy in use is on its
 *    direction's list exactly once and nothing else is; every inbound SA is
 *    in its SPI hash chain exactly once, no outbound SA is; every SA keeps
 *    its sequence state in the store (but an inbound one with "-r 0"), and
 *    without -esn its start (-seq) fits 32 bits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyipsec/setkey.h"
#include "tinyipsec/tinyipsec.h"

/* Report the failed check, then trap so libFuzzer saves the input. */
#define FZ_CHECK(c)                                                            \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                    __LINE__, #c);                                             \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

static uint64_t fz_now(void *arg)
{
    (void)arg;
    return 0;
}

static int fz_random(void *arg, uint8_t *out, size_t len)
{
    (void)arg;
    memset(out, 0x42, len);
    return 0;
}

static int fz_send_ip(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    (void)pkt;
    (void)len;
    return 0;
}

/* The sequence-number store manual keys need: empty (every SA is new),
 * and a store always works (nothing sends here). */
static int fz_seq_load(void *arg, const tip_sa_id_t *sa, uint64_t *mark)
{
    (void)arg;
    (void)sa;
    (void)mark;
    return TIP_ERR_NOT_FOUND;
}

static int fz_seq_store(void *arg, const tip_sa_id_t *sa, uint64_t mark)
{
    (void)arg;
    (void)sa;
    (void)mark;
    return TIP_OK;
}

static tip_ctx_t g_ctx, g_snap;
static tip_addr_t g_local[3];
static int g_init;

static void fz_check_err(const char *text, size_t len, int rc, const tip_setkey_error_t *e)
{
    size_t i, line = 1, line_start = 0, line_len;
    char pfx[64];
    int n;

    FZ_CHECK(e->code == rc);
    FZ_CHECK(memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
    if (rc == TIP_OK) {
        FZ_CHECK(e->line == 0 && e->column == 0 && e->msg[0] == '\0');
        return;
    }
    FZ_CHECK(rc < 0 && rc > TIP_ERR_LAST_);
    FZ_CHECK(e->line >= 1 && e->column >= 1);
    for (i = 0; i < len && line < e->line; i++) {
        if (text[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    FZ_CHECK(line == e->line); /* the line exists */
    line_len = 0;
    while (line_start + line_len < len && text[line_start + line_len] != '\n')
        line_len++;
    FZ_CHECK(e->column <= line_len + 1);
    n = snprintf(pfx, sizeof(pfx), "line %u, column %u: ", e->line, e->column);
    FZ_CHECK(n > 0 && strncmp(e->msg, pfx, (size_t)n) == 0);
}

/* Every in-use entry is reachable exactly once from its list head. */
static void fz_check_ctx(const tip_ctx_t *c)
{
    unsigned seen[TIP_MAX_POLICIES > TIP_MAX_SA ? TIP_MAX_POLICIES : TIP_MAX_SA];
    unsigned i, d, steps;

    memset(seen, 0, sizeof(seen));
    for (d = 0; d < 2; d++) {
        uint16_t cur = c->spd_head[d];
        for (steps = 0; cur != 0; steps++) {
            const tip_policy_slot_t *ps;
            FZ_CHECK(steps <= TIP_MAX_POLICIES && cur <= TIP_MAX_POLICIES);
            ps = &c->spd[cur - 1u];
            FZ_CHECK(ps->in_use);
            FZ_CHECK(ps->pol.dir == (d == 1 ? TIP_DIR_OUT : TIP_DIR_IN));
            seen[cur - 1u]++;
            cur = ps->next;
        }
    }
    for (i = 0; i < TIP_MAX_POLICIES; i++)
        FZ_CHECK(seen[i] == (c->spd[i].in_use ? 1u : 0u));

    memset(seen, 0, sizeof(seen));
    for (i = 0; i < TIP_SPI_HASH_SIZE; i++) {
        uint16_t cur = c->spi_hash[i];
        for (steps = 0; cur != 0; steps++) {
            const tip_sa_t *sa;
            FZ_CHECK(steps <= TIP_MAX_SA && cur <= TIP_MAX_SA);
            sa = &c->sa[cur - 1u];
            FZ_CHECK(sa->in_use && sa->dir == TIP_DIR_IN);
            seen[cur - 1u]++;
            cur = sa->hash_next;
        }
    }
    for (i = 0; i < TIP_MAX_SA; i++) {
        const tip_sa_t *sa = &c->sa[i];
        FZ_CHECK(seen[i] == (sa->in_use && sa->dir == TIP_DIR_IN ? 1u : 0u));
        if (sa->in_use) {
            FZ_CHECK(sa->spi >= 256u);
            FZ_CHECK(sa->src.family == sa->dst.family);
            FZ_CHECK(sa->mode == TIP_MODE_TUNNEL || sa->mode == TIP_MODE_TRANSPORT);
            /* Text is manual keying: the store is used unless replays are
             * accepted anyway; -seq never goes past 32 bits without -esn. */
            FZ_CHECK(sa->seq_persist == (sa->dir == TIP_DIR_OUT || !sa->no_replay));
            FZ_CHECK(sa->esn || (sa->seq <= UINT32_MAX && sa->replay.top <= UINT32_MAX));
        }
    }
}

static int fz_parse_only(int rc)
{
    return rc == TIP_ERR_PARSE || rc == TIP_ERR_DEPRECATED || rc == TIP_ERR_UNSUPPORTED ||
           rc == TIP_ERR_KEY_LEN || rc == TIP_ERR_ARG;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tip_port_t port = {NULL, fz_send_ip, fz_now, fz_random, NULL, NULL,
                                    fz_seq_load, fz_seq_store, NULL};
    tip_setkey_opts_t opts;
    tip_setkey_error_t e1, e2, e3;
    char *text;
    int rc1, rc2, rc3;

    if (!g_init) {
        FZ_CHECK(tip_addr_parse(&g_local[0], "192.0.2.1") == TIP_OK);
        FZ_CHECK(tip_addr_parse(&g_local[1], "2001:db8::1") == TIP_OK);
        FZ_CHECK(tip_addr_parse(&g_local[2], "10.0.0.1") == TIP_OK);
        g_init = 1;
    }
    /* Exact-size copy, not NUL-terminated: the API takes a length. */
    text = malloc(size ? size : 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    opts.local = g_local;
    opts.local_count = 3;

    memset(&e1, 0x77, sizeof(e1));
    rc1 = tip_setkey_parse(text, size, &opts, &e1);
    fz_check_err(text, size, rc1, &e1);
    FZ_CHECK(rc1 == TIP_OK || fz_parse_only(rc1));
    /* Without options: only the direction rule may change the answer. */
    (void)tip_setkey_parse(text, size, NULL, NULL);

    FZ_CHECK(tip_ctx_init(&g_ctx, &port) == TIP_OK);
    memcpy(&g_snap, &g_ctx, sizeof(g_ctx));
    memset(&e2, 0x77, sizeof(e2));
    rc2 = tip_setkey_apply(&g_ctx, text, size, &opts, &e2);
    fz_check_err(text, size, rc2, &e2);
    if (rc1 != TIP_OK) {
        /* A configuration the dry run refuses changes nothing. */
        FZ_CHECK(rc2 == rc1 && e2.line == e1.line && e2.column == e1.column);
        FZ_CHECK(memcmp(&g_ctx, &g_snap, sizeof(g_ctx)) == 0);
    } else {
        FZ_CHECK(rc2 == TIP_OK || rc2 == TIP_ERR_FULL || rc2 == TIP_ERR_EXISTS ||
                 rc2 == TIP_ERR_NOT_FOUND);
        if (rc2 == TIP_OK)
            FZ_CHECK(e2.statements == e1.statements);
        else
            FZ_CHECK(e2.statements <= e1.statements);
    }
    fz_check_ctx(&g_ctx);

    /* Apply it again on top (duplicates, deletes of existing SAs). */
    if (rc1 == TIP_OK) {
        memset(&e3, 0x77, sizeof(e3));
        rc3 = tip_setkey_apply(&g_ctx, text, size, &opts, &e3);
        fz_check_err(text, size, rc3, &e3);
        FZ_CHECK(!fz_parse_only(rc3));
        fz_check_ctx(&g_ctx);
    }

    tip_ctx_deinit(&g_ctx);
    FZ_CHECK(tip_sad_count(&g_ctx) == 0);
    free(text);
    return 0;
}
