/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Tokenizer, error messages and token-level helpers (numbers, addresses)
 * of the setkey parser. The text is never
 * copied or changed: tokens are views into it. No stdio: messages are built
 * by hand into the caller's fixed buffer.
 */
#include "tinyipsec/config.h"

#if TIP_CONF_SETKEY

#include <string.h>

#include "setkey_lex.h"
#include "tip_internal.h"

/* Longest piece of a token quoted in a message. */
#define TIP_SK_TOK_QUOTE 32

void tip_lex_init(tip_lex_t *lx, const char *text, size_t len)
{
    lx->text = text;
    lx->len = len;
    lx->pos = 0;
    lx->line_start = 0;
    lx->line = 1;
}

static unsigned tip_lex_col(const tip_lex_t *lx, size_t pos)
{
    return (unsigned)(pos - lx->line_start + 1u);
}

static int tip_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int tip_is_control(char c)
{
    unsigned char u = (unsigned char)c;
    return (u < 0x20u && !tip_is_blank(c)) || u == 0x7Fu;
}

int tip_lex_next(tip_lex_t *lx, tip_tk_t *tk, tip_setkey_error_t *e)
{
    const char *t = lx->text;
    size_t start;

    /* Blanks and comments ('#' to the end of the line). */
    while (lx->pos < lx->len) {
        char c = t[lx->pos];
        if (c == '\n') {
            lx->pos++;
            lx->line++;
            lx->line_start = lx->pos;
        } else if (tip_is_blank(c)) {
            lx->pos++;
        } else if (c == '#') {
            while (lx->pos < lx->len && t[lx->pos] != '\n')
                lx->pos++;
        } else {
            break;
        }
    }
    start = lx->pos;
    tk->line = lx->line;
    tk->col = tip_lex_col(lx, start);
    tk->p = t + start;
    tk->len = 0;
    if (start >= lx->len) {
        tk->kind = TIP_TK_EOF;
        tk->end = tk->col;
        return TIP_OK;
    }
    if (t[start] == ';') {
        tk->kind = TIP_TK_SEMI;
        tk->len = 1;
        lx->pos++;
    } else if (t[start] == '"') {
        size_t i = start + 1;
        while (i < lx->len && t[i] != '"' && t[i] != '\n' && t[i] != '\0')
            i++;
        if (i >= lx->len || t[i] != '"')
            return tip_sk_fail(e, TIP_ERR_PARSE, tk->line, tk->col,
                               "unterminated string", NULL, 0, "");
        tk->kind = TIP_TK_STRING;
        tk->p = t + start + 1;
        tk->len = i - start - 1;
        lx->pos = i + 1;
    } else if (tip_is_control(t[start])) {
        return tip_sk_fail(e, TIP_ERR_PARSE, tk->line, tk->col,
                           "unexpected control character", NULL, 0, "");
    } else {
        size_t i = start;
        while (i < lx->len && !tip_is_blank(t[i]) && t[i] != ';' && t[i] != '#' &&
               t[i] != '"' && !tip_is_control(t[i]))
            i++;
        tk->kind = TIP_TK_WORD;
        tk->len = i - start;
        lx->pos = i;
    }
    tk->end = tip_lex_col(lx, lx->pos);
    return TIP_OK;
}

int tip_tk_is(const tip_tk_t *tk, const char *w)
{
    size_t n = strlen(w);
    return tk->kind == TIP_TK_WORD && tk->len == n && memcmp(tk->p, w, n) == 0;
}

const char *tip_sk_utoa(uint64_t v, char *buf)
{
    char tmp[21];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + (unsigned)(v % 10u));
        v /= 10u;
    } while (v != 0);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

/* Appends @p len bytes of @p s to the message, keeping room for the NUL. */
static void tip_sk_put(tip_setkey_error_t *e, size_t *n, const char *s, size_t len)
{
    size_t room = sizeof(e->msg) - 1u - *n;
    if (len > room)
        len = room;
    memcpy(e->msg + *n, s, len);
    *n += len;
    e->msg[*n] = '\0';
}

int tip_sk_fail(tip_setkey_error_t *e, int code, unsigned line, unsigned col,
                const char *pre, const char *tok, size_t tok_len, const char *post)
{
    char num[21];
    size_t n = 0;

    e->code = code;
    e->line = line;
    e->column = col;
    e->msg[0] = '\0';
    tip_sk_put(e, &n, "line ", 5);
    (void)tip_sk_utoa(line, num);
    tip_sk_put(e, &n, num, strlen(num));
    tip_sk_put(e, &n, ", column ", 9);
    (void)tip_sk_utoa(col, num);
    tip_sk_put(e, &n, num, strlen(num));
    tip_sk_put(e, &n, ": ", 2);
    tip_sk_put(e, &n, pre, strlen(pre));
    if (tok != NULL) {
        if (tok_len > TIP_SK_TOK_QUOTE) {
            tip_sk_put(e, &n, tok, TIP_SK_TOK_QUOTE);
            tip_sk_put(e, &n, "...", 3);
        } else {
            tip_sk_put(e, &n, tok, tok_len);
        }
    }
    tip_sk_put(e, &n, post, strlen(post));
    return code;
}

void tip_sk_append(tip_setkey_error_t *e, const char *s)
{
    size_t n = strlen(e->msg);
    tip_sk_put(e, &n, s, strlen(s));
}

int tip_sk_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int tip_sk_number(const char *p, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    size_t i = 0;

    if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i >= len)
        return -1;
    for (; i < len; i++) {
        int d = tip_sk_hexval(p[i]);
        if (d < 0 || (unsigned)d >= base)
            return -1;
        if (v > (max - (unsigned)d) / base)
            return -1;
        v = v * base + (unsigned)d;
    }
    *out = v;
    return 0;
}

/* ---- parser helpers ---------------------------------------------------- */

int tip_sk_next(tip_sk_t *ps)
{
    ps->prev = ps->tk;
    return tip_lex_next(&ps->lx, &ps->tk, ps->err);
}

/* Error at the current token, quoting it. */
int tip_sk_fail_tk(tip_sk_t *ps, int code, const char *pre, const char *post)
{
    const tip_tk_t *t = &ps->tk;
    if (t->kind == TIP_TK_EOF)
        return tip_sk_fail(ps->err, code, t->line, t->col, pre, "end of input", 12, post);
    return tip_sk_fail(ps->err, code, t->line, t->col, pre, t->p, t->len, post);
}

/* A word is required here; @p what names it in the message. */
int tip_sk_need_word(tip_sk_t *ps, const char *what)
{
    if (ps->tk.kind == TIP_TK_WORD)
        return TIP_OK;
    return tip_sk_fail_tk(ps, TIP_ERR_PARSE, what, "'");
}

/*
 * The statement must end here. A token on a later line (or the end of the
 * input) means the ';' was forgotten: report it where it belongs, just after
 * the previous token, like a compiler does.
 */
int tip_sk_end(tip_sk_t *ps)
{
    if (ps->tk.kind == TIP_TK_SEMI)
        return TIP_OK;
    if (ps->tk.kind == TIP_TK_EOF || ps->tk.line != ps->prev.line)
        return tip_sk_fail(ps->err, TIP_ERR_PARSE, ps->prev.line, ps->prev.end,
                           "missing ';'", NULL, 0, "");
    return tip_sk_fail_tk(ps, TIP_ERR_PARSE, "unexpected '", "'; expected ';'");
}

int tip_sk_is_local(const tip_sk_t *ps, const tip_addr_t *a)
{
    size_t i;

    if (ps->opts == NULL || ps->opts->local == NULL)
        return 0;
    for (i = 0; i < ps->opts->local_count; i++) {
        if (tip_addr_equal(&ps->opts->local[i], a))
            return 1;
    }
    return 0;
}

/* Parses text[0..len) as an address (no prefix, no port). */
int tip_sk_addr(const char *p, size_t len, tip_addr_t *out)
{
    char buf[48];

    if (len == 0 || len >= sizeof(buf))
        return TIP_ERR_ARG;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return tip_addr_parse(out, buf);
}

/* ADDR[/PREFIX][[PORT]] from the current token (RFC 4301 4.4.1.1 ranges). */
int tip_sk_endpoint(tip_sk_t *ps, int allow_prefix, tip_sk_ep_t *ep)
{
    const tip_tk_t *t = &ps->tk;
    size_t i = 0, a_end;
    uint64_t v;
    int err;

    err = tip_sk_need_word(ps, "expected an address, got '");
    if (err != TIP_OK)
        return err;
    memset(ep, 0, sizeof(*ep));
    ep->line = t->line;
    ep->port_hi = 0xFFFF;
    while (i < t->len && t->p[i] != '/' && t->p[i] != '[')
        i++;
    a_end = i;
    if (tip_sk_addr(t->p, a_end, &ep->addr) != TIP_OK)
        return tip_sk_fail(ps->err, TIP_ERR_PARSE, t->line, t->col, "invalid address '", t->p,
                           a_end, "'");
    ep->prefix = ep->addr.family == TIP_AF_INET ? 32u : 128u;
    if (i < t->len && t->p[i] == '/') {
        size_t s = ++i;
        while (i < t->len && t->p[i] != '[')
            i++;
        if (!allow_prefix)
            return tip_sk_fail(ps->err, TIP_ERR_PARSE, t->line, t->col + (unsigned)s - 1u,
                               "an SA address takes no prefix length", NULL, 0, "");
        /* Decimal without leading zeros: "0x18" or "024" are typos. */
        if (i == s || i - s > 3 || (t->p[s] == '0' && i - s != 1) || t->p[s] == 'x' ||
            tip_sk_number(t->p + s, i - s, ep->prefix, &v) != 0)
            return tip_sk_fail(ps->err, TIP_ERR_PARSE, t->line, t->col + (unsigned)s,
                               "invalid prefix length '", t->p + s, i - s, "'");
        ep->prefix = (unsigned)v;
        ep->has_prefix = 1;
    }
    if (i < t->len) {
        /* t->p[i] == '[' here: "[N]" or "[any]" closing the token. */
        size_t s = i + 1;
        ep->port_col = t->col + (unsigned)i;
        if (t->p[t->len - 1] != ']' || t->len - 1 < s)
            return tip_sk_fail(ps->err, TIP_ERR_PARSE, t->line, ep->port_col,
                               "invalid port '", t->p + i, t->len - i, "'; expected [N] or [any]");
        ep->has_port = 1;
        if (t->len - 1 - s == 3 && memcmp(t->p + s, "any", 3) == 0)
            return TIP_OK;
        if (tip_sk_number(t->p + s, t->len - 1 - s, 0xFFFF, &v) != 0)
            return tip_sk_fail(ps->err, TIP_ERR_PARSE, t->line, ep->port_col,
                               "invalid port '", t->p + i, t->len - i, "'; expected [N] or [any]");
        ep->port_lo = ep->port_hi = (uint16_t)v;
    }
    return TIP_OK;
}

/* A number token not above @p max; @p what is the message on failure. */
int tip_sk_num(tip_sk_t *ps, uint64_t max, const char *what, uint64_t *out)
{
    int err = tip_sk_need_word(ps, what);
    if (err != TIP_OK)
        return err;
    if (tip_sk_number(ps->tk.p, ps->tk.len, max, out) != 0)
        return tip_sk_fail_tk(ps, TIP_ERR_PARSE, what, "'");
    return tip_sk_next(ps);
}

/* Fails at column @p off of the current token, quoting @p len bytes there. */
int tip_sk_fail_at(tip_sk_t *ps, int code, size_t off, size_t len, const char *pre,
                          const char *post)
{
    return tip_sk_fail(ps->err, code, ps->tk.line, ps->tk.col + (unsigned)off, pre,
                       ps->tk.p + off, len, post);
}

#else
typedef int tip_setkey_lex_unused_t; /* ISO C wants a non-empty unit */
#endif /* TIP_CONF_SETKEY */
