/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Internal to the setkey parser: the tokenizer, error messages and number
 * decoding. Not installed.
 */
#ifndef TIP_SETKEY_LEX_H
#define TIP_SETKEY_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "tinyipsec/setkey.h"

/** Token kinds. */
typedef enum {
    TIP_TK_EOF = 0, /**< end of input */
    TIP_TK_WORD,    /**< a run of bytes up to a blank, ';', '#' or '"' */
    TIP_TK_STRING,  /**< "..." on one line; p/len are the bytes inside */
    TIP_TK_SEMI     /**< ';' */
} tip_tk_kind_t;

/** A token: a view into the input text. */
typedef struct {
    tip_tk_kind_t kind;
    const char *p;  /**< first byte (inside the quotes for strings) */
    size_t len;     /**< bytes */
    unsigned line;  /**< 1-based line of the first byte */
    unsigned col;   /**< 1-based column of the first byte (the quote for strings) */
    unsigned end;   /**< column just after the token */
} tip_tk_t;

/** Tokenizer state over text[0 .. len). */
typedef struct {
    const char *text;
    size_t len;
    size_t pos;
    size_t line_start; /**< offset of the current line's first byte */
    unsigned line;
} tip_lex_t;

/** Start tokenizing @p text. */
void tip_lex_init(tip_lex_t *lx, const char *text, size_t len);

/**
 * Read the next token into @p tk. Returns 0, or TIP_ERR_PARSE with @p e
 * filled in (control character, unterminated string).
 */
int tip_lex_next(tip_lex_t *lx, tip_tk_t *tk, tip_setkey_error_t *e);

/** 1 if @p tk is the word @p w. */
int tip_tk_is(const tip_tk_t *tk, const char *w);

/**
 * Record an error: e->msg becomes "line L, column C: " PRE TOK POST, where
 * TOK (tok_len bytes, may be NULL) is cut to a readable length. Returns
 * @p code.
 */
int tip_sk_fail(tip_setkey_error_t *e, int code, unsigned line, unsigned col,
                const char *pre, const char *tok, size_t tok_len, const char *post);

/** Append @p s to e->msg (cut to fit). */
void tip_sk_append(tip_setkey_error_t *e, const char *s);

/** Decimal digits of @p v into @p buf (at least 21 bytes), NUL-terminated. */
const char *tip_sk_utoa(uint64_t v, char *buf);

/**
 * Parse a whole unsigned number, decimal or 0x hex, not above @p max.
 * Returns 0 or -1 (empty, junk, too large).
 */
int tip_sk_number(const char *p, size_t len, uint64_t max, uint64_t *out);

/** Value of hex digit @p c, or -1. */
int tip_sk_hexval(char c);

/** Parser state. ctx == NULL: validate only. */
typedef struct {
    tip_lex_t lx;
    tip_tk_t tk;   /* current token */
    tip_tk_t prev; /* the token before it */
    tip_ctx_t *ctx;
    const tip_setkey_opts_t *opts;
    tip_setkey_error_t *err;
} tip_sk_t;

/** An address as written in a statement: ADDR[/PREFIX][[PORT]]. */
typedef struct {
    tip_addr_t addr;
    unsigned prefix;
    uint16_t port_lo, port_hi; /* 0..65535 when no port was given */
    uint8_t has_prefix, has_port;
    unsigned line, port_col; /* where the token is, and its '[' */
} tip_sk_ep_t;


/** Advance: prev = current token, current = the next one. */
int tip_sk_next(tip_sk_t *ps);

/** Error at the current token, quoting it between @p pre and @p post. */
int tip_sk_fail_tk(tip_sk_t *ps, int code, const char *pre, const char *post);

/** Error at byte @p off of the current token, quoting @p len bytes there. */
int tip_sk_fail_at(tip_sk_t *ps, int code, size_t off, size_t len, const char *pre,
                   const char *post);

/** TIP_OK if the current token is a word, else an error "@p what'TOKEN'". */
int tip_sk_need_word(tip_sk_t *ps, const char *what);

/**
 * The statement must end at the current token. A token on a later line, or
 * the end of input, means a forgotten ';', reported just after the previous
 * token.
 */
int tip_sk_end(tip_sk_t *ps);

/** 1 if @p a is one of the local addresses in the options. */
int tip_sk_is_local(const tip_sk_t *ps, const tip_addr_t *a);

/** Parse p[0..len) as a bare address. 0 or TIP_ERR_ARG. */
int tip_sk_addr(const char *p, size_t len, tip_addr_t *out);

/** ADDR[/PREFIX][[PORT]] from the current token (does not advance). */
int tip_sk_endpoint(tip_sk_t *ps, int allow_prefix, tip_sk_ep_t *ep);

/** A number token (decimal or 0x) not above @p max; advances. */
int tip_sk_num(tip_sk_t *ps, uint64_t max, const char *what, uint64_t *out);

#endif /* TIP_SETKEY_LEX_H */
