/*
 * lexer.c - the tokenizer of Candid's text syntax, shared by the .did parser, the type parser,
 * the value parser and the conformance-test runner. It skips white space, `//` line comments
 * and nested block comments (slash-star ... star-slash) (spec "Comments"), decodes string literals
 * with their escapes (`\hh` raw byte, `\n \r \t \\ \" \'`, `\u{HEX}` with `_` separators; spec
 * "Values") and records line:column for every token.
 */
#include "internal.h"

void candid__lex_init(candid__lexer *lx, const char *src, size_t len, const char *name,
                      candid_arena *a, candid_error *err)
{
    memset(lx, 0, sizeof *lx);
    lx->src = lx->pos = lx->line_start = src;
    lx->end = src + len;
    lx->name = name;
    lx->line = 1;
    lx->arena = a;
    lx->err = err;
    lx->kind = CANDID__T_EOF;
}

static int lex_err_here(candid__lexer *lx, const char *p, const char *msg)
{
    /* line/column of p: count from the current line start when p is on it */
    uint32_t line = lx->line;
    const char *ls = lx->line_start;
    if (p < ls) {
        line = 1;
        ls = lx->src;
        for (const char *q = lx->src; q < p; q++)
            if (*q == '\n') {
                line++;
                ls = q + 1;
            }
    }
    lx->kind = CANDID__T_ERROR;
    return candid__err_line(lx->err, CANDID_E_SYNTAX, lx->name, line, (uint32_t)(p - ls + 1), "%s",
                            msg);
}

int candid__lex_error(candid__lexer *lx, const char *fmt, const char *arg)
{
    return candid__err_line(lx->err, CANDID_E_SYNTAX, lx->name, lx->tline, lx->tcol, fmt, arg);
}

static int put_utf8(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xc0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xe0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

static int lex_string(candid__lexer *lx)
{
    const char *p = lx->pos + 1;
    /* the decoded form is never longer than the source */
    const char *q = p;
    while (q < lx->end && *q != '"') {
        if (*q == '\\' && q + 1 < lx->end)
            q++;
        q++;
    }
    if (q >= lx->end)
        return lex_err_here(lx, lx->pos, "unterminated text literal");
    uint8_t *o = candid_arena_alloc(lx->arena, (size_t)(q - p) + 1);
    if (!o)
        return candid__errf(lx->err, CANDID_E_NOMEM, "out of memory");
    size_t n = 0;
    while (p < q) {
        char c = *p;
        if (c == '\n') {
            lx->line++;
            lx->line_start = p + 1;
        }
        if (c != '\\') {
            o[n++] = (uint8_t)c;
            p++;
            continue;
        }
        const char *esc = p;
        p++;
        switch (*p) {
        case 'n':
            o[n++] = '\n';
            p++;
            break;
        case 'r':
            o[n++] = '\r';
            p++;
            break;
        case 't':
            o[n++] = '\t';
            p++;
            break;
        case '\\':
        case '"':
        case '\'':
            o[n++] = (uint8_t)*p++;
            break;
        case 'u': {
            p++;
            if (p >= q || *p != '{')
                return lex_err_here(lx, esc, "expected `{` after \\u");
            p++;
            uint32_t cp = 0;
            int digits = 0;
            while (p < q && *p != '}') {
                if (*p == '_' && digits) {
                    p++;
                    continue;
                }
                int h = candid__hexval(*p);
                if (h < 0 || cp > 0x10ffff)
                    return lex_err_here(lx, esc, "invalid \\u{...} escape");
                cp = cp * 16 + (uint32_t)h;
                digits++;
                p++;
            }
            if (p >= q)
                return lex_err_here(lx, esc, "unclosed \\u{ escape");
            p++;
            if (!digits || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return lex_err_here(lx, esc, "\\u{...} is not a Unicode scalar value");
            n += (size_t)put_utf8(o + n, cp);
            break;
        }
        default: {
            int h1 = p < q ? candid__hexval(p[0]) : -1, h2 = p + 1 < q ? candid__hexval(p[1]) : -1;
            if (h1 < 0 || h2 < 0)
                return lex_err_here(lx, esc, "invalid escape sequence");
            o[n++] = (uint8_t)(h1 * 16 + h2);
            p += 2;
        }
        }
    }
    o[n] = 0;
    lx->text = o;
    lx->text_len = n;
    lx->kind = CANDID__T_TEXT;
    lx->pos = q + 1;
    return 0;
}

static int is_idstart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int candid__lex_next(candid__lexer *lx)
{
    const char *p = lx->pos;
    for (;;) {
        while (p < lx->end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
            if (*p == '\n') {
                lx->line++;
                lx->line_start = p + 1;
            }
            p++;
        }
        if (p + 1 < lx->end && p[0] == '/' && p[1] == '/') {
            while (p < lx->end && *p != '\n')
                p++;
            continue;
        }
        if (p + 1 < lx->end && p[0] == '/' && p[1] == '*') {
            const char *start = p;
            int level = 0;
            do {
                if (p + 1 < lx->end && p[0] == '/' && p[1] == '*') {
                    level++;
                    p += 2;
                } else if (p + 1 < lx->end && p[0] == '*' && p[1] == '/') {
                    level--;
                    p += 2;
                } else {
                    if (*p == '\n') {
                        lx->line++;
                        lx->line_start = p + 1;
                    }
                    p++;
                }
            } while (level > 0 && p < lx->end);
            if (level > 0)
                return lex_err_here(lx, start, "unterminated block comment");
            continue;
        }
        break;
    }
    lx->pos = p;
    lx->tstart = p;
    lx->tline = lx->line;
    lx->tcol = (uint32_t)(p - lx->line_start + 1);
    lx->num_float = 0;
    if (p >= lx->end) {
        lx->kind = CANDID__T_EOF;
        return 0;
    }
    char c = *p;
    if (c == '"')
        return lex_string(lx);
    if (is_idstart(c) || is_digit(c)) {
        const char *q = p;
        if (is_digit(c)) {
            int hex = c == '0' && q + 1 < lx->end && (q[1] == 'x' || q[1] == 'X');
            if (hex)
                q += 2;
            while (q < lx->end && (is_digit(*q) || *q == '_' || (hex && candid__hexval(*q) >= 0)))
                q++;
            if (q + 1 < lx->end && *q == '.' && !is_idstart(q[1])) {
                lx->num_float = 1;
                q++;
                while (q < lx->end &&
                       (is_digit(*q) || *q == '_' || (hex && candid__hexval(*q) >= 0)))
                    q++;
            } else if (q + 1 == lx->end && *q == '.') {
                lx->num_float = 1;
                q++;
            }
            if (q < lx->end &&
                ((!hex && (*q == 'e' || *q == 'E')) || (hex && (*q == 'p' || *q == 'P')))) {
                lx->num_float = 1;
                q++;
                if (q < lx->end && (*q == '+' || *q == '-'))
                    q++;
                while (q < lx->end && is_digit(*q))
                    q++;
            }
            lx->kind = CANDID__T_NUM;
        } else {
            while (q < lx->end && (is_idstart(*q) || is_digit(*q)))
                q++;
            lx->kind = CANDID__T_ID;
        }
        lx->text = (uint8_t *)candid__strdup(lx->arena, p, (size_t)(q - p));
        if (!lx->text)
            return candid__errf(lx->err, CANDID_E_NOMEM, "out of memory");
        lx->text_len = (size_t)(q - p);
        lx->pos = q;
        return 0;
    }
    static const char *const pairs[] = {"->", "==", "!=", "!:"};
    for (size_t i = 0; i < 4; i++)
        if (p + 1 < lx->end && p[0] == pairs[i][0] && p[1] == pairs[i][1]) {
            lx->punct[0] = p[0];
            lx->punct[1] = p[1];
            lx->punct[2] = 0;
            lx->kind = CANDID__T_PUNCT;
            lx->pos = p + 2;
            return 0;
        }
    if (strchr("(){};,:=.+-", c)) {
        lx->punct[0] = c;
        lx->punct[1] = 0;
        lx->kind = CANDID__T_PUNCT;
        lx->pos = p + 1;
        return 0;
    }
    char msg[40] = "unexpected character `?`";
    msg[22] = (c >= 0x20 && c < 0x7f) ? c : '?';
    return lex_err_here(lx, p, msg);
}

int candid__lex_is(const candid__lexer *lx, const char *punct)
{
    return lx->kind == CANDID__T_PUNCT && !strcmp(lx->punct, punct);
}

int candid__lex_is_kw(const candid__lexer *lx, const char *kw)
{
    return lx->kind == CANDID__T_ID && !strcmp((const char *)lx->text, kw);
}

int candid__lex_expect(candid__lexer *lx, const char *p)
{
    if (!candid__lex_is(lx, p))
        return candid__lex_error(lx, "expected `%s`", p);
    return candid__lex_next(lx);
}
