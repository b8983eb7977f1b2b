/*
 * internal.h - helpers shared by the files of the Candid library (src/candid/): error
 * formatting without stdio, LEB128 and big numbers, the lexer of the Candid text syntax (.did
 * files, types and values share it) and the untyped value tree the text parser builds before it
 * coerces values at their expected types.
 */
#ifndef ASYNCWASM_CANDID_INTERNAL_H
#define ASYNCWASM_CANDID_INTERNAL_H

#include "asyncwasm/candid.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

/* ---- errors ---- */

/* Formats into err->message: "%s" (const char *), "%u" (uint64_t), "%d" (int64_t), "%c" (int),
 * "%%". Sets err->code and returns code, so `return candid__err(...)` reads naturally. */
int candid__errf(candid_error *err, int code, const char *fmt, ...);
/* The same with a "byte N: " prefix and err->offset = off. */
int candid__err_at(candid_error *err, int code, size_t off, const char *fmt, ...);
/* The same with a "NAME:L:C: " prefix (NAME omitted when NULL). */
int candid__err_line(candid_error *err, int code, const char *name, uint32_t line, uint32_t col,
                     const char *fmt, ...);

/* ---- memory ---- */

char *candid__strdup(candid_arena *a, const char *s, size_t n); /* NUL-terminated copy */
/* A copy of n bytes in the arena (never NULL for n == 0 unless allocation fails). */
void *candid__arena_dup(candid_arena *a, const void *p, size_t n);
/* The value of a hex digit, or -1. */
int candid__hexval(int c);
/* Grows an array of elements of size `elem` to hold at least `need`; returns 0 or NOMEM. */
int candid__grow(void **arr, uint32_t *cap, uint32_t need, size_t elem);

/* ---- LEB128 ---- */

/* Reads an unsigned LEB128 into *out; fails (returns 0) when the input ends or the value does
 * not fit in 64 bits. Returns the number of bytes consumed. */
size_t candid__uleb(const uint8_t *p, const uint8_t *end, uint64_t *out);
size_t candid__sleb(const uint8_t *p, const uint8_t *end, int64_t *out);
/* Writes minimal LEB128 into out (>= 10 bytes); returns the length. */
size_t candid__put_uleb(uint8_t *out, uint64_t v);
size_t candid__put_sleb(uint8_t *out, int64_t v);
int candid__buf_uleb(candid_buf *b, uint64_t v);
int candid__buf_sleb(candid_buf *b, int64_t v);

/* ---- big numbers ---- */

/* Reads a nat (signed = 0) or int (signed = 1) LEB128 of any size at p; returns bytes consumed
 * or 0 when the input ends inside the number (or NOMEM: *nomem set). */
size_t candid__read_bignum(const uint8_t *p, const uint8_t *end, int is_signed, candid_arena *a,
                           candid_bignum *out, int *nomem);
/* Writes a bignum as LEB128 (nat) or SLEB128 (int). Returns 0 or NOMEM. */
int candid__write_bignum(candid_buf *b, const candid_bignum *v, int is_signed);
/* Parses decimal digits (with '_' separators) or 0x hex; returns 0, or CANDID_E_VALUE. */
int candid__parse_bignum(const char *s, size_t n, int negative, candid_arena *a,
                         candid_bignum *out);
/* Appends the decimal form, with '_' every three digits when `underscores`. */
int candid__print_bignum(candid_buf *b, const candid_bignum *v, int underscores);
int candid__bignum_equal(const candid_bignum *a, const candid_bignum *b);
/* Fits: returns 1 and stores the value when it fits in [lo, hi] given as int64 range (for
 * unsigned targets use candid__bignum_to_u64). */
int candid__bignum_to_u64(const candid_bignum *v, uint64_t *out);
int candid__bignum_to_i64(const candid_bignum *v, int64_t *out);

/* ---- misc ---- */

int candid__buf_str(candid_buf *b, const char *s);
int candid__buf_u64(candid_buf *b, uint64_t v);
/* Appends a Candid text literal body: printable ASCII as is, escapes for the rest (UTF-8 of
 * non-ASCII characters is kept when `utf8` is set, else every byte >= 0x7f is \hh). */
int candid__buf_escaped(candid_buf *b, const uint8_t *s, size_t n, int utf8);
/* 1 for a Candid keyword (which cannot be an unquoted name). */
int candid__is_keyword(const char *s, size_t n);
/* Primitive type keyword -> opcode, or 0 when not a primitive name. */
int candid__prim_by_name(const char *s, size_t n);

/* ---- lexer ---- */

enum candid__tok {
    CANDID__T_EOF,
    CANDID__T_ID,    /* identifier or keyword: text in tok */
    CANDID__T_NUM,   /* decimal or hex number, possibly with a fraction/exponent */
    CANDID__T_TEXT,  /* string literal: decoded bytes in tok (may be invalid UTF-8) */
    CANDID__T_PUNCT, /* one of ( ) { } ; , : = . + - and the pairs -> == != !: */
    CANDID__T_ERROR
};

typedef struct candid__lexer {
    const char *src, *pos, *end;
    const char *name; /* file name for errors, or NULL */
    uint32_t line;
    const char *line_start;
    /* current token */
    int kind;
    const char *tstart; /* token start in src */
    uint32_t tline, tcol;
    char punct[3];
    uint8_t *text; /* decoded string literal or identifier/number text (arena) */
    size_t text_len;
    int num_float; /* a NUM token with '.', exponent or hex float */
    candid_arena *arena;
    candid_error *err;
} candid__lexer;

void candid__lex_init(candid__lexer *lx, const char *src, size_t len, const char *name,
                      candid_arena *a, candid_error *err);
/* Advances to the next token; returns 0 or an error (already reported). */
int candid__lex_next(candid__lexer *lx);
int candid__lex_is(const candid__lexer *lx, const char *punct);
int candid__lex_is_kw(const candid__lexer *lx, const char *kw);
/* Reports a syntax error at the current token. */
int candid__lex_error(candid__lexer *lx, const char *fmt, const char *arg);
/* Expects the punctuation `p` and advances. */
int candid__lex_expect(candid__lexer *lx, const char *p);

/* ---- types (types.c) ---- */

/* Parses `<datatype>` at the lexer's current token into e (names from e's definitions;
 * `pending` mode used by the .did parser records forward references). */
struct candid__tparser;
int candid__parse_datatype(struct candid__tparser *tp, candid_tref *out);
int candid__parse_tuptype_lx(candid_env *e, candid__lexer *lx, candid_tref **out, uint32_t *n);
/* Same as candid_parse_type, on an existing lexer positioned at the type's first token. */
int candid__parse_type_lx(candid_env *e, candid__lexer *lx, candid_tref *out);
/* Orders methods by name bytes (shorter first on a common prefix), like memcmp. */
int candid__method_cmp(const candid_method *x, const candid_method *y);
/* 1 when `t` unrolls to null, opt or reserved (null <: t). */
int candid__null_like(const candid_env *e, candid_tref t);

/* ---- subtyping (subtype.c) ---- */

/* 1 when wire type w (of we) is a subtype of expected type t (of te); 0 otherwise;
 * CANDID_E_NOMEM, or CANDID_E_DEPTH when the types nest deeper than depth_limit. *work (if
 * not NULL) receives a measure of the work done: pairs compared plus the fields, methods and
 * arguments scanned. */
int candid__subtype(const candid_env *we, candid_tref w, const candid_env *te, candid_tref t,
                    uint32_t depth_limit, uint64_t *work);

/* ---- text values (text.c) ---- */

/* Parses `( <annval>,* )` at the lexer's current token (see candid_parse_args). */
int candid__parse_args_lx(candid_env *e, candid_arena *a, candid__lexer *lx,
                          const candid_tref *types, uint32_t ntypes, candid_value **out,
                          uint32_t *nout, candid_tref **out_types);
#endif
