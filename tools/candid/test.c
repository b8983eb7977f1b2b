/*
 * test.c - `candid test FILE.test.did...`: runs Candid conformance test files in the official
 * format (reference/candid/tests/README.md):
 *
 *   <def>;* (assert <input> (== <input> | != <input>)? (: | !:) <tuptype> <desc>? ;)*
 *   <input> ::= "<textual args>" | blob "<bytes>"
 *
 * A blob input is decoded at the tuple type (default decoder limits); a textual input is parsed
 * and coerced at it. `:` asserts success, `!:` failure, `==`/`!=` that both inputs succeed and
 * their values are (not) equal. Each failure is printed with its file:line, description and the
 * error; the run ends with `N passed, M failed` and exits 1 when anything failed.
 * Service descriptions named `*.good.did` must parse and `*.bad.did` must not (one assert each),
 * as the README of the official suite asks of implementations with a .did parser.
 */
#include "tool.h"

#include "asyncwasm/candid.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    int is_blob;
    const uint8_t *data;
    size_t len;
} input;

typedef struct {
    int ok;
    candid_value *vals;
    uint32_t n;
    candid_error err;
} result;

static void run_input(candid_env *e, candid_arena *a, const input *in, const candid_tref *types,
                      uint32_t ntypes, result *r)
{
    memset(r, 0, sizeof *r);
    int rc;
    if (in->is_blob)
        rc = candid_decode(in->data, in->len, e, types, ntypes, NULL, a, &r->vals, &r->n, &r->err);
    else
        rc = candid_parse_args(e, a, (const char *)in->data, in->len, types, ntypes, &r->vals,
                               &r->n, NULL, &r->err);
    r->ok = rc == 0;
}

static int values_equal(const result *x, const result *y)
{
    if (x->n != y->n)
        return 0;
    for (uint32_t i = 0; i < x->n; i++)
        if (!candid_value_equal(&x->vals[i], &y->vals[i]))
            return 0;
    return 1;
}

static void show(const char *label, const result *r)
{
    if (!r->ok) {
        printf("      %s: error: %s\n", label, r->err.message);
        return;
    }
    candid_buf b = {0};
    candid_print_args(&b, r->vals, r->n);
    printf("      %s: %.*s\n", label, (int)b.len, b.data ? (const char *)b.data : "");
    candid_buf_free(&b);
}

static int parse_input(candid__lexer *lx, input *in)
{
    in->is_blob = 0;
    if (candid__lex_is_kw(lx, "blob")) {
        in->is_blob = 1;
        if (candid__lex_next(lx))
            return -1;
    }
    if (lx->kind != CANDID__T_TEXT) {
        candid__lex_error(lx, "expected a test input (text or blob text)%s", "");
        return -1;
    }
    in->data = lx->text;
    in->len = lx->text_len;
    return candid__lex_next(lx) ? -1 : 0;
}

/* Runs one file; adds to the counters; returns 0, or -1 when the file cannot be parsed. */
static int run_file(const char *path, int *passed, int *failed)
{
    size_t len;
    char *src = candid_tool_read_file(path, &len);
    if (!src)
        return -1;
    candid_env e;
    candid_env_init(&e);
    candid_error err;
    candid__lexer lx;
    int status = 0;
    /* the definitions: everything before the first `assert` is a .did prefix */
    candid__lex_init(&lx, src, len, path, &e.arena, &err);
    while (!candid__lex_next(&lx) && lx.kind != CANDID__T_EOF && !candid__lex_is_kw(&lx, "assert"))
        ;
    if (lx.kind == CANDID__T_ERROR) {
        printf("%s\n", err.message);
        status = -1;
        goto out;
    }
    size_t defs_len = (size_t)(lx.tstart - src);
    if (candid_parse_did(&e, src, defs_len, path, candid_tool_file_loader, NULL, &err)) {
        printf("%s\n", err.message);
        status = -1;
        goto out;
    }
    while (candid__lex_is_kw(&lx, "assert")) {
        uint32_t line = lx.tline;
        input in1, in2;
        int has2 = 0, want_equal = 0, want_ok = 1;
        candid_tref *types;
        uint32_t ntypes;
        const char *desc = "";
        if (candid__lex_next(&lx) || parse_input(&lx, &in1))
            goto syntax;
        if (candid__lex_is(&lx, "==") || candid__lex_is(&lx, "!=")) {
            has2 = 1;
            want_equal = lx.punct[0] == '=';
            if (candid__lex_next(&lx) || parse_input(&lx, &in2))
                goto syntax;
        }
        if (candid__lex_is(&lx, "!:"))
            want_ok = 0;
        else if (!candid__lex_is(&lx, ":")) {
            candid__lex_error(&lx, "expected `:` or `!:`%s", "");
            goto syntax;
        }
        if (candid__lex_next(&lx) || candid__parse_tuptype_lx(&e, &lx, &types, &ntypes))
            goto syntax;
        if (lx.kind == CANDID__T_TEXT) {
            desc = (const char *)lx.text;
            if (candid__lex_next(&lx))
                goto syntax;
        }
        if (candid__lex_is(&lx, ";") && candid__lex_next(&lx))
            goto syntax;

        candid_arena a;
        candid_arena_init(&a);
        result r1, r2;
        run_input(&e, &a, &in1, types, ntypes, &r1);
        int ok;
        if (!has2)
            ok = r1.ok == want_ok;
        else {
            run_input(&e, &a, &in2, types, ntypes, &r2);
            ok = r1.ok && r2.ok && values_equal(&r1, &r2) == want_equal;
        }
        if (ok) {
            (*passed)++;
        } else {
            (*failed)++;
            printf("FAIL %s:%u: %s (expected %s)\n", path, line, desc,
                   has2 ? (want_equal ? "equal values" : "different values")
                        : (want_ok ? "success" : "failure"));
            show("input 1", &r1);
            if (has2)
                show("input 2", &r2);
        }
        candid_arena_free(&a);
    }
    if (lx.kind != CANDID__T_EOF) {
        candid__lex_error(&lx, "expected `assert`%s", "");
        goto syntax;
    }
    goto out;
syntax:
    printf("%s\n", err.message);
    status = -1;
out:
    candid_env_free(&e);
    free(src);
    return status;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* A `.good.did` or `.bad.did` file: 1 when the outcome is the expected one. */
static int run_did_file(const char *path, int good)
{
    size_t len;
    char *src = candid_tool_read_file(path, &len);
    if (!src)
        return 0;
    candid_env e;
    candid_env_init(&e);
    candid_error err;
    int rc = candid_parse_did(&e, src, len, path, candid_tool_file_loader, NULL, &err);
    int ok = good ? rc == 0 : rc != 0;
    if (!ok)
        printf("FAIL %s: %s\n", path, good ? err.message : "parsed, but it is a .bad.did file");
    candid_env_free(&e);
    free(src);
    return ok;
}

int candid_tool_test(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: candid test FILE.test.did...\n");
        return 2;
    }
    int passed = 0, failed = 0;
    for (int i = 1; i < argc; i++)
        if (ends_with(argv[i], ".good.did") || ends_with(argv[i], ".bad.did")) {
            if (run_did_file(argv[i], ends_with(argv[i], ".good.did")))
                passed++;
            else
                failed++;
        } else if (run_file(argv[i], &passed, &failed)) {
            printf("FAIL %s: the file could not be parsed\n", argv[i]);
            failed++;
        }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
