/*
 * did.c - type environments and the parser of Candid type syntax: single types, tuple types and
 * whole .did files (definitions, imports, the main service; spec "Type Structure").
 *
 * Named types may be used before their definition inside a .did file. While parsing, a name
 * stands for an *alias node* (an internal node kind) that points at the definition once it is
 * seen; at the end every alias is followed to its target (a cycle of aliases is a vacuous
 * definition and an error), every reference is rewritten to the target, and the alias nodes are
 * removed, so users of the env never see them.
 */
#include "internal.h"

#include <stdlib.h>

#define KIND_ALIAS ((candid_kind)-99)

/* ------------------------------------------------------------------ parser state */

typedef struct candid__tparser {
    candid_env *e;
    candid__lexer *lx;
    int did;        /* inside a .did file: unknown names become forward references */
    uint32_t first; /* first node index created by this parse */
    /* where each pending (used, not yet defined) name was first used, for errors */
    struct pending {
        uint32_t def;
        uint32_t line, col;
        const char *file;
    } * pend;
    uint32_t npend, cappend;
    const char **files; /* imported files, to import each once */
    uint32_t nfiles, capfiles;
    candid_loader loader;
    void *loader_ctx;
    uint32_t depth;        /* nesting of the type being parsed */
    candid_tref *imported; /* main services of `import service` files */
    uint32_t nimported, capimported;
} candid__tparser;

static int nomem(candid__tparser *tp)
{
    return candid__errf(tp->lx->err, CANDID_E_NOMEM, "out of memory");
}

static int tp_error(candid__tparser *tp, int code, const char *fmt, const char *arg)
{
    candid__lexer *lx = tp->lx;
    return candid__err_line(lx->err, code, lx->name, lx->tline, lx->tcol, fmt, arg);
}

static int add_node(candid__tparser *tp, candid_type *t, candid_tref *out)
{
    if (candid_env_add(tp->e, t, out))
        return nomem(tp);
    return 0;
}

/* The def named `name`, creating a pending alias when allowed. */
static int lookup_name(candid__tparser *tp, const char *name, candid_tref *out)
{
    candid_env *e = tp->e;
    for (uint32_t i = 0; i < e->ndefs; i++)
        if (!strcmp(e->defs[i].name, name)) {
            *out = e->defs[i].type;
            return 0;
        }
    if (!tp->did)
        return tp_error(tp, CANDID_E_TYPE, "unknown type name `%s`", name);
    candid_type alias = {.kind = KIND_ALIAS, .name = name};
    alias.u.inner = CANDID_NO_TYPE;
    candid_tref t;
    if (add_node(tp, &alias, &t))
        return CANDID_E_NOMEM;
    if (candid__grow((void **)&e->defs, &e->capdefs, e->ndefs + 1, sizeof *e->defs) ||
        candid__grow((void **)&tp->pend, &tp->cappend, tp->npend + 1, sizeof *tp->pend))
        return nomem(tp);
    e->defs[e->ndefs] = (candid_def){name, t};
    tp->pend[tp->npend++] = (struct pending){e->ndefs, tp->lx->tline, tp->lx->tcol, tp->lx->name};
    e->ndefs++;
    *out = t;
    return 0;
}

static int next(candid__tparser *tp)
{
    return candid__lex_next(tp->lx);
}

/* A field or method name: an identifier (not a keyword) or a text literal. */
static int is_name_token(const candid__lexer *lx)
{
    if (lx->kind == CANDID__T_TEXT)
        return 1;
    return lx->kind == CANDID__T_ID && !candid__is_keyword((const char *)lx->text, lx->text_len);
}

/* Peeks whether the token after the current one is `:`. Out of line so that the lexer copy
 * stays off the parser's recursive path; a failed lookahead's error text is irrelevant (the
 * token is parsed again). */
__attribute__((noinline)) static int followed_by_colon(candid__tparser *tp)
{
    candid__lexer save = *tp->lx;
    int yes = candid__lex_next(tp->lx) == 0 && candid__lex_is(tp->lx, ":");
    *tp->lx = save;
    return yes;
}

static int parse_nat32(candid__tparser *tp, uint32_t *out)
{
    candid_bignum b;
    uint64_t v;
    if (candid__parse_bignum((const char *)tp->lx->text, tp->lx->text_len, 0, &tp->e->arena, &b) ||
        !candid__bignum_to_u64(&b, &v) || v > UINT32_MAX)
        return tp_error(tp, CANDID_E_TYPE, "field id `%s` is not a number below 2^32",
                        (const char *)tp->lx->text);
    *out = (uint32_t)v;
    return 0;
}

static int cmp_field(const void *a, const void *b)
{
    const candid_field *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* record { ... } or variant { ... }, at the `{`. */
static int parse_fields(candid__tparser *tp, candid_kind kind, candid_tref *out)
{
    candid__lexer *lx = tp->lx;
    uint32_t line = lx->tline, col = lx->tcol;
    int rc = candid__lex_expect(lx, "{");
    if (rc)
        return rc;
    candid_field *f = NULL;
    uint32_t n = 0, cap = 0;
    int64_t prev = -1;
    int tuple = 1;
    candid_type t = {.kind = kind};
    while (!candid__lex_is(lx, "}")) {
        candid_field fl = {0, NULL, CANDID_NULL};
        int named = 0;
        if ((is_name_token(lx) || lx->kind == CANDID__T_NUM) && followed_by_colon(tp)) {
            named = 1;
        } else if (kind == CANDID_VARIANT && (is_name_token(lx) || lx->kind == CANDID__T_NUM)) {
            named = 2; /* a tag without a type: null */
        }
        if (named) {
            tuple = 0;
            if (lx->kind == CANDID__T_NUM) {
                if ((rc = parse_nat32(tp, &fl.id)))
                    goto fail;
            } else {
                fl.name = (const char *)lx->text;
                fl.id = candid_hash(fl.name, lx->text_len);
            }
            if ((rc = next(tp)))
                goto fail;
            if (named == 1) {
                if ((rc = next(tp)) || (rc = candid__parse_datatype(tp, &fl.type)))
                    goto fail;
            }
        } else {
            if (kind == CANDID_VARIANT) {
                rc = tp_error(tp, CANDID_E_SYNTAX, "expected a variant tag%s", "");
                goto fail;
            }
            if (prev >= (int64_t)UINT32_MAX) {
                rc = tp_error(tp, CANDID_E_TYPE, "tuple field id overflows%s", "");
                goto fail;
            }
            fl.id = (uint32_t)(prev + 1);
            if ((rc = candid__parse_datatype(tp, &fl.type)))
                goto fail;
        }
        prev = fl.id;
        if (candid__grow((void **)&f, &cap, n + 1, sizeof *f)) {
            rc = nomem(tp);
            goto fail;
        }
        f[n++] = fl;
        if (!candid__lex_is(lx, ";"))
            break;
        if ((rc = next(tp)))
            goto fail;
    }
    if ((rc = candid__lex_expect(lx, "}")))
        goto fail;
    if (n)
        qsort(f, n, sizeof *f, cmp_field);
    for (uint32_t i = 1; i < n; i++)
        if (f[i].id == f[i - 1].id) {
            rc = candid__err_line(lx->err, CANDID_E_TYPE, lx->name, line, col,
                                  "duplicate field id %u in %s type", (uint64_t)f[i].id,
                                  candid_kind_name(kind));
            goto fail;
        }
    t.u.rec.n = n;
    t.u.rec.tuple = (uint8_t)(tuple && n > 0);
    t.u.rec.fields = candid__arena_dup(&tp->e->arena, f, n * sizeof *f);
    if (!t.u.rec.fields) {
        rc = nomem(tp);
        goto fail;
    }
    free(f);
    return add_node(tp, &t, out);
fail:
    free(f);
    return rc;
}

/* `( <argtype>,* )` with optional names; names stored when `names` is not NULL. */
static int parse_tuple(candid__tparser *tp, candid_tref **types, const char ***names, uint32_t *n)
{
    candid__lexer *lx = tp->lx;
    int rc = candid__lex_expect(lx, "(");
    if (rc)
        return rc;
    candid_tref *t = NULL;
    const char **nm = NULL;
    uint32_t cnt = 0, cap = 0, capn = 0;
    while (!candid__lex_is(lx, ")")) {
        const char *name = NULL;
        if (is_name_token(lx) && followed_by_colon(tp)) {
            name = (const char *)lx->text;
            if ((rc = next(tp)) || (rc = next(tp)))
                goto fail;
        }
        candid_tref ty;
        if ((rc = candid__parse_datatype(tp, &ty)))
            goto fail;
        if (candid__grow((void **)&t, &cap, cnt + 1, sizeof *t) ||
            candid__grow((void **)&nm, &capn, cnt + 1, sizeof *nm)) {
            rc = nomem(tp);
            goto fail;
        }
        t[cnt] = ty;
        nm[cnt++] = name;
        if (!candid__lex_is(lx, ","))
            break;
        if ((rc = next(tp)))
            goto fail;
    }
    if ((rc = candid__lex_expect(lx, ")")))
        goto fail;
    *types = candid__arena_dup(&tp->e->arena, t, cnt * sizeof *t);
    if (names)
        *names = candid__arena_dup(&tp->e->arena, nm, cnt * sizeof *nm);
    if (!*types || (names && !*names)) {
        rc = nomem(tp);
        goto fail;
    }
    *n = cnt;
    free(t);
    free(nm);
    return 0;
fail:
    free(t);
    free(nm);
    return rc;
}

/* `<tuptype> -> <tuptype> <funcann>*`, at the `(`. */
static int parse_functype(candid__tparser *tp, candid_tref *out)
{
    candid_type t = {.kind = CANDID_FUNC};
    int rc = parse_tuple(tp, &t.u.func.args, &t.u.func.arg_names, &t.u.func.nargs);
    if (rc || (rc = candid__lex_expect(tp->lx, "->")) ||
        (rc = parse_tuple(tp, &t.u.func.rets, &t.u.func.ret_names, &t.u.func.nrets)))
        return rc;
    for (;;) {
        uint32_t bit = candid__lex_is_kw(tp->lx, "query")             ? CANDID_ANN_QUERY
                       : candid__lex_is_kw(tp->lx, "oneway")          ? CANDID_ANN_ONEWAY
                       : candid__lex_is_kw(tp->lx, "composite_query") ? CANDID_ANN_COMPOSITE_QUERY
                                                                      : 0;
        if (!bit)
            break;
        if (t.u.func.ann & bit)
            return tp_error(tp, CANDID_E_TYPE, "duplicate annotation `%s`",
                            (const char *)tp->lx->text);
        t.u.func.ann |= bit;
        if ((rc = next(tp)))
            return rc;
    }
    if ((t.u.func.ann & CANDID_ANN_ONEWAY) && t.u.func.nrets)
        return tp_error(tp, CANDID_E_TYPE, "a oneway function cannot have results%s", "");
    if ((t.u.func.ann & CANDID_ANN_QUERY) && (t.u.func.ann & CANDID_ANN_COMPOSITE_QUERY))
        return tp_error(tp, CANDID_E_TYPE, "query and composite_query exclude each other%s", "");
    return add_node(tp, &t, out);
}

static int cmp_method(const void *a, const void *b)
{
    return candid__method_cmp(a, b);
}

/* Sorts methods by name and rejects duplicates; returns 0 or an error. */
static int sort_methods(candid__tparser *tp, candid_method *m, uint32_t n)
{
    if (n)
        qsort(m, n, sizeof *m, cmp_method);
    for (uint32_t i = 1; i < n; i++)
        if (!cmp_method(&m[i], &m[i - 1]))
            return tp_error(tp, CANDID_E_TYPE, "duplicate method name `%s`", m[i].name);
    return 0;
}

/* `{ <methtype>;* }`, at the `{`. */
static int parse_actortype(candid__tparser *tp, candid_tref *out)
{
    candid__lexer *lx = tp->lx;
    int rc = candid__lex_expect(lx, "{");
    if (rc)
        return rc;
    candid_method *m = NULL;
    uint32_t n = 0, cap = 0;
    candid_type t = {.kind = CANDID_SERVICE};
    while (!candid__lex_is(lx, "}")) {
        if (!is_name_token(lx)) {
            rc = tp_error(tp, CANDID_E_SYNTAX, "expected a method name%s", "");
            goto fail;
        }
        candid_method me = {(const char *)lx->text, (uint32_t)lx->text_len, 0};
        if (lx->kind == CANDID__T_TEXT && !candid_utf8_valid(lx->text, lx->text_len)) {
            rc = tp_error(tp, CANDID_E_SYNTAX, "method name is not valid UTF-8%s", "");
            goto fail;
        }
        if ((rc = next(tp)) || (rc = candid__lex_expect(lx, ":")))
            goto fail;
        if (candid__lex_is(lx, "("))
            rc = parse_functype(tp, &me.type);
        else if (lx->kind == CANDID__T_ID && !candid__is_keyword((char *)lx->text, lx->text_len)) {
            if (!(rc = lookup_name(tp, (const char *)lx->text, &me.type)))
                rc = next(tp);
        } else
            rc = tp_error(tp, CANDID_E_SYNTAX, "expected a function type or a type name%s", "");
        if (rc)
            goto fail;
        if (candid__grow((void **)&m, &cap, n + 1, sizeof *m)) {
            rc = nomem(tp);
            goto fail;
        }
        m[n++] = me;
        if (!candid__lex_is(lx, ";"))
            break;
        if ((rc = next(tp)))
            goto fail;
    }
    if ((rc = candid__lex_expect(lx, "}")) || (rc = sort_methods(tp, m, n)))
        goto fail;
    t.u.svc.n = n;
    t.u.svc.methods = candid__arena_dup(&tp->e->arena, m, n * sizeof *m);
    if (!t.u.svc.methods) {
        rc = nomem(tp);
        goto fail;
    }
    free(m);
    return add_node(tp, &t, out);
fail:
    free(m);
    return rc;
}

static int parse_datatype_inner(candid__tparser *tp, candid_tref *out);

int candid__parse_datatype(candid__tparser *tp, candid_tref *out)
{
    /* the parser recurses: bound it so hostile input gets an error, not a stack overflow */
    if (++tp->depth > 512)
        return tp_error(tp, CANDID_E_SYNTAX, "type nested too deeply%s", "");
    int rc = parse_datatype_inner(tp, out);
    tp->depth--;
    return rc;
}

static int parse_datatype_inner(candid__tparser *tp, candid_tref *out)
{
    candid__lexer *lx = tp->lx;
    if (lx->kind != CANDID__T_ID)
        return tp_error(tp, CANDID_E_SYNTAX, "expected a type%s", "");
    const char *w = (const char *)lx->text;
    int prim = candid__prim_by_name(w, lx->text_len);
    int rc;
    if (prim) {
        *out = prim;
        return next(tp);
    }
    if (!strcmp(w, "opt") || !strcmp(w, "vec")) {
        candid_type t = {.kind = w[0] == 'o' ? CANDID_OPT : CANDID_VEC};
        if ((rc = next(tp)) || (rc = candid__parse_datatype(tp, &t.u.inner)))
            return rc;
        return add_node(tp, &t, out);
    }
    if (!strcmp(w, "blob")) {
        candid_type t = {.kind = CANDID_VEC};
        t.u.inner = CANDID_NAT8;
        if ((rc = next(tp)))
            return rc;
        return add_node(tp, &t, out);
    }
    if (!strcmp(w, "record") || !strcmp(w, "variant")) {
        if ((rc = next(tp)))
            return rc;
        return parse_fields(tp, w[0] == 'r' ? CANDID_RECORD : CANDID_VARIANT, out);
    }
    if (!strcmp(w, "func")) {
        if ((rc = next(tp)))
            return rc;
        return parse_functype(tp, out);
    }
    if (!strcmp(w, "service")) {
        if ((rc = next(tp)))
            return rc;
        return parse_actortype(tp, out);
    }
    if (candid__is_keyword(w, lx->text_len))
        return tp_error(tp, CANDID_E_SYNTAX, "expected a type, found keyword `%s`", w);
    if ((rc = lookup_name(tp, w, out)))
        return rc;
    return next(tp);
}

/* ------------------------------------------------------------------ resolution */

static candid_tref *map_ref(candid_tref *r, const candid_tref *map)
{
    if (*r >= 0)
        *r = map[*r];
    return r;
}

/* Resolves aliases created since tp->first, rewrites references and drops the alias nodes. */
static int resolve(candid__tparser *tp)
{
    candid_env *e = tp->e;
    uint32_t first = tp->first, n = e->ntypes;
    for (uint32_t i = 0; i < tp->npend; i++) {
        candid_tref t = e->defs[tp->pend[i].def].type;
        if (e->types[t].kind == KIND_ALIAS && e->types[t].u.inner == CANDID_NO_TYPE)
            return candid__err_line(tp->lx->err, CANDID_E_TYPE, tp->pend[i].file, tp->pend[i].line,
                                    tp->pend[i].col, "unknown type name `%s`",
                                    e->defs[tp->pend[i].def].name);
    }
    candid_tref *map = malloc((n ? n : 1) * sizeof *map);
    if (!map)
        return nomem(tp);
    for (uint32_t i = 0; i < n; i++)
        map[i] = (candid_tref)i;
    /* follow alias chains; a chain longer than the number of nodes is a cycle */
    for (uint32_t i = first; i < n; i++) {
        if (e->types[i].kind != KIND_ALIAS)
            continue;
        candid_tref t = (candid_tref)i;
        uint32_t steps = 0;
        while (t >= 0 && e->types[t].kind == KIND_ALIAS) {
            t = e->types[t].u.inner;
            if (++steps > n) {
                free(map);
                return candid__errf(tp->lx->err, CANDID_E_TYPE,
                                    "%s: type `%s` is vacuous (defined only by itself)",
                                    tp->lx->name ? tp->lx->name : "input", e->types[i].name);
            }
        }
        map[i] = t;
    }
    /* compact: new index of each kept node */
    candid_tref *pos = malloc((n ? n : 1) * sizeof *pos);
    if (!pos) {
        free(map);
        return nomem(tp);
    }
    uint32_t k = first;
    for (uint32_t i = 0; i < n; i++)
        pos[i] = (i < first)                      ? (candid_tref)i
                 : e->types[i].kind == KIND_ALIAS ? -1
                                                  : (candid_tref)k++;
    for (uint32_t i = 0; i < n; i++)
        if (map[i] >= 0)
            map[i] = pos[map[i]];
    free(pos);
    /* rewrite references in new nodes, defs and the actor */
    for (uint32_t i = first; i < n; i++) {
        candid_type *t = &e->types[i];
        switch (t->kind) {
        case CANDID_OPT:
        case CANDID_VEC:
            map_ref(&t->u.inner, map);
            break;
        case CANDID_RECORD:
        case CANDID_VARIANT:
            for (uint32_t j = 0; j < t->u.rec.n; j++)
                map_ref(&t->u.rec.fields[j].type, map);
            break;
        case CANDID_FUNC:
            for (uint32_t j = 0; j < t->u.func.nargs; j++)
                map_ref(&t->u.func.args[j], map);
            for (uint32_t j = 0; j < t->u.func.nrets; j++)
                map_ref(&t->u.func.rets[j], map);
            break;
        case CANDID_SERVICE:
            for (uint32_t j = 0; j < t->u.svc.n; j++)
                map_ref(&t->u.svc.methods[j].type, map);
            break;
        default:
            break;
        }
    }
    for (uint32_t i = 0; i < e->ndefs; i++)
        map_ref(&e->defs[i].type, map);
    if (e->actor != CANDID_NO_TYPE)
        map_ref(&e->actor, map);
    for (uint32_t i = 0; i < e->ninit_args; i++)
        map_ref(&e->init_args[i], map);
    for (uint32_t i = 0; i < tp->nimported; i++)
        map_ref(&tp->imported[i], map);
    free(map);
    k = first;
    for (uint32_t i = first; i < n; i++)
        if (e->types[i].kind != KIND_ALIAS)
            e->types[k++] = e->types[i];
    e->ntypes = k;
    /* name nodes after the definitions that introduced them */
    for (uint32_t i = 0; i < e->ndefs; i++) {
        candid_tref t = e->defs[i].type;
        if (t >= (candid_tref)first && !e->types[t].name)
            e->types[t].name = e->defs[i].name;
    }
    /* method types must be functions */
    for (uint32_t i = first; i < e->ntypes; i++) {
        candid_type *t = &e->types[i];
        if (t->kind != CANDID_SERVICE)
            continue;
        for (uint32_t j = 0; j < t->u.svc.n; j++)
            if (candid_env_kind(e, t->u.svc.methods[j].type) != CANDID_FUNC)
                return candid__errf(
                    tp->lx->err, CANDID_E_TYPE, "%s: method `%s` does not have a function type",
                    tp->lx->name ? tp->lx->name : "input", t->u.svc.methods[j].name);
    }
    return 0;
}

/* ------------------------------------------------------------------ entry points */

static void tp_init(candid__tparser *tp, candid_env *e, candid__lexer *lx, int did)
{
    memset(tp, 0, sizeof *tp);
    tp->e = e;
    tp->lx = lx;
    tp->did = did;
    tp->first = e->ntypes;
}

static void tp_free(candid__tparser *tp)
{
    free(tp->pend);
    free(tp->files);
    free(tp->imported);
}

int candid__parse_type_lx(candid_env *e, candid__lexer *lx, candid_tref *out)
{
    candid__tparser tp;
    tp_init(&tp, e, lx, 0);
    int rc = candid__parse_datatype(&tp, out);
    tp_free(&tp);
    return rc;
}

int candid__parse_tuptype_lx(candid_env *e, candid__lexer *lx, candid_tref **out, uint32_t *n)
{
    candid__tparser tp;
    tp_init(&tp, e, lx, 0);
    int rc = parse_tuple(&tp, out, NULL, n);
    tp_free(&tp);
    return rc;
}

static int expect_eof(candid__lexer *lx)
{
    if (lx->kind != CANDID__T_EOF)
        return candid__lex_error(lx, "unexpected text after the type%s", "");
    return 0;
}

int candid_parse_type(candid_env *e, const char *src, size_t len, candid_tref *out,
                      candid_error *err)
{
    candid__lexer lx;
    candid__lex_init(&lx, src, len, NULL, &e->arena, err);
    int rc = candid__lex_next(&lx);
    if (!rc)
        rc = candid__parse_type_lx(e, &lx, out);
    return rc ? rc : expect_eof(&lx);
}

int candid_parse_tuptype(candid_env *e, const char *src, size_t len, candid_tref **out, uint32_t *n,
                         candid_error *err)
{
    candid__lexer lx;
    candid__lex_init(&lx, src, len, NULL, &e->arena, err);
    int rc = candid__lex_next(&lx);
    if (!rc)
        rc = candid__parse_tuptype_lx(e, &lx, out, n);
    return rc ? rc : expect_eof(&lx);
}

static int parse_did_file(candid__tparser *tp, int main_file);

/* `import service? "path"` after the keyword. */
static int parse_import(candid__tparser *tp)
{
    candid__lexer *lx = tp->lx;
    int with_service = 0, rc;
    if (candid__lex_is_kw(lx, "service")) {
        with_service = 1;
        if ((rc = next(tp)))
            return rc;
    }
    if (lx->kind != CANDID__T_TEXT)
        return tp_error(tp, CANDID_E_SYNTAX, "expected the imported file name as text%s", "");
    const char *path = (const char *)lx->text;
    char *resolved = NULL, *text = NULL;
    size_t len = 0;
    if (!tp->loader ||
        tp->loader(tp->loader_ctx, lx->name ? lx->name : "", path, &resolved, &text, &len))
        return tp_error(tp, CANDID_E_IMPORT, "cannot import \"%s\"", path);
    for (uint32_t i = 0; i < tp->nfiles; i++)
        if (!strcmp(tp->files[i], resolved)) {
            free(resolved);
            free(text);
            return next(tp); /* imported already */
        }
    char *name = candid__strdup(&tp->e->arena, resolved, strlen(resolved));
    char *src = candid__strdup(&tp->e->arena, text, len);
    free(resolved);
    free(text);
    if (!name || !src ||
        candid__grow((void **)&tp->files, &tp->capfiles, tp->nfiles + 1, sizeof *tp->files))
        return nomem(tp);
    tp->files[tp->nfiles++] = name;
    candid__lexer sub;
    candid__lex_init(&sub, src, len, name, &tp->e->arena, lx->err);
    candid__lexer *outer = tp->lx;
    tp->lx = &sub;
    candid_tref saved_actor = tp->e->actor;
    int saved_init = tp->e->has_init;
    tp->e->actor = CANDID_NO_TYPE;
    rc = candid__lex_next(&sub);
    if (!rc)
        rc = parse_did_file(tp, 0);
    candid_tref imported = tp->e->actor;
    int imported_init = tp->e->has_init;
    tp->e->actor = saved_actor;
    tp->e->has_init = saved_init;
    tp->lx = outer;
    if (rc)
        return rc;
    if (with_service) {
        if (imported == CANDID_NO_TYPE)
            return tp_error(tp, CANDID_E_IMPORT,
                            "`import service \"%s\"`: that file has no main service", path);
        if (imported_init)
            return tp_error(tp, CANDID_E_TYPE, "imported service \"%s\" is a service constructor",
                            path);
        /* merged into the main service once names are resolved */
        if (candid__grow((void **)&tp->imported, &tp->capimported, tp->nimported + 1,
                         sizeof *tp->imported))
            return nomem(tp);
        tp->imported[tp->nimported++] = imported;
    }
    return next(tp);
}

/* `service <id>? : (<tuptype> ->)? (<actortype> | <id>)` after the keyword. */
static int parse_actor(candid__tparser *tp)
{
    candid__lexer *lx = tp->lx;
    int rc;
    if (tp->e->actor != CANDID_NO_TYPE)
        return tp_error(tp, CANDID_E_SYNTAX, "more than one main service%s", "");
    if (is_name_token(lx) && (rc = next(tp)))
        return rc;
    if ((rc = candid__lex_expect(lx, ":")))
        return rc;
    if (candid__lex_is(lx, "(")) {
        if ((rc = parse_tuple(tp, &tp->e->init_args, NULL, &tp->e->ninit_args)) ||
            (rc = candid__lex_expect(lx, "->")))
            return rc;
        tp->e->has_init = 1;
    }
    if (candid__lex_is(lx, "{"))
        return parse_actortype(tp, &tp->e->actor);
    if (lx->kind == CANDID__T_ID && !candid__is_keyword((char *)lx->text, lx->text_len)) {
        if ((rc = lookup_name(tp, (const char *)lx->text, &tp->e->actor)))
            return rc;
        return next(tp);
    }
    return tp_error(tp, CANDID_E_SYNTAX, "expected a service type `{ ... }` or a type name%s", "");
}

static int parse_did_file(candid__tparser *tp, int main_file)
{
    candid__lexer *lx = tp->lx;
    candid_env *e = tp->e;
    int rc;
    (void)main_file;
    while (lx->kind != CANDID__T_EOF) {
        if (candid__lex_is_kw(lx, "type")) {
            if ((rc = next(tp)))
                return rc;
            if (lx->kind != CANDID__T_ID || candid__is_keyword((char *)lx->text, lx->text_len))
                return tp_error(tp, CANDID_E_SYNTAX, "expected a type name%s", "");
            const char *name = (const char *)lx->text;
            candid_tref alias;
            uint32_t before = e->ndefs;
            if ((rc = lookup_name(tp, name, &alias)))
                return rc;
            /* a def that existed before, or one whose alias already has a target, is a
             * duplicate definition */
            if (alias < 0 || e->types[alias].kind != KIND_ALIAS ||
                e->types[alias].u.inner != CANDID_NO_TYPE ||
                (before == e->ndefs && alias < (candid_tref)tp->first))
                return tp_error(tp, CANDID_E_TYPE, "duplicate definition of type `%s`", name);
            if ((rc = next(tp)) || (rc = candid__lex_expect(lx, "=")))
                return rc;
            candid_tref t;
            if ((rc = candid__parse_datatype(tp, &t)))
                return rc;
            e->types[alias].u.inner = t;
        } else if (candid__lex_is_kw(lx, "import")) {
            if ((rc = next(tp)) || (rc = parse_import(tp)))
                return rc;
        } else if (candid__lex_is_kw(lx, "service")) {
            if ((rc = next(tp)) || (rc = parse_actor(tp)))
                return rc;
            if (candid__lex_is(lx, ";") && (rc = next(tp)))
                return rc;
            if (lx->kind != CANDID__T_EOF)
                return tp_error(tp, CANDID_E_SYNTAX,
                                "the main service must be the last declaration%s", "");
            return 0;
        } else {
            return tp_error(tp, CANDID_E_SYNTAX, "expected `type`, `import` or `service`%s", "");
        }
        /* the separator is optional: didc accepts definitions that end in `}` without one */
        while (candid__lex_is(lx, ";"))
            if ((rc = next(tp)))
                return rc;
    }
    return 0;
}

/* Merges the methods of `import service` files into the main service node. */
static int merge_imported(candid__tparser *tp)
{
    candid_env *e = tp->e;
    if (!tp->nimported)
        return 0;
    candid_tref *all = malloc((tp->nimported + 1) * sizeof *all);
    if (!all)
        return nomem(tp);
    uint32_t nsvc = 0, n = 0;
    if (e->actor != CANDID_NO_TYPE)
        all[nsvc++] = e->actor;
    for (uint32_t i = 0; i < tp->nimported; i++)
        all[nsvc++] = tp->imported[i];
    for (uint32_t i = 0; i < nsvc; i++) {
        const candid_type *svc = candid_env_node(e, all[i]);
        if (!svc || svc->kind != CANDID_SERVICE) {
            free(all);
            return candid__errf(tp->lx->err, CANDID_E_TYPE,
                                "%s: an imported main service is not a service type",
                                tp->lx->name ? tp->lx->name : "input");
        }
        n += svc->u.svc.n;
    }
    candid_method *m = candid_arena_alloc(&e->arena, (n ? n : 1) * sizeof *m);
    if (!m) {
        free(all);
        return nomem(tp);
    }
    n = 0;
    for (uint32_t i = 0; i < nsvc; i++) {
        const candid_type *svc = candid_env_node(e, all[i]);
        memcpy(m + n, svc->u.svc.methods, svc->u.svc.n * sizeof *m);
        n += svc->u.svc.n;
    }
    free(all);
    if (n)
        qsort(m, n, sizeof *m, cmp_method);
    for (uint32_t i = 1; i < n; i++)
        if (!cmp_method(&m[i], &m[i - 1]))
            return candid__errf(tp->lx->err, CANDID_E_TYPE,
                                "%s: method `%s` is defined both in an imported service and here",
                                tp->lx->name ? tp->lx->name : "input", m[i].name);
    candid_type t = {.kind = CANDID_SERVICE};
    t.u.svc.methods = m;
    t.u.svc.n = n;
    return add_node(tp, &t, &e->actor);
}

int candid_parse_did(candid_env *e, const char *src, size_t len, const char *filename,
                     candid_loader loader, void *loader_ctx, candid_error *err)
{
    candid__lexer lx;
    const char *name = filename ? candid__strdup(&e->arena, filename, strlen(filename)) : NULL;
    candid__lex_init(&lx, src, len, name, &e->arena, err);
    candid__tparser tp;
    tp_init(&tp, e, &lx, 1);
    tp.loader = loader;
    tp.loader_ctx = loader_ctx;
    int rc = candid__lex_next(&lx);
    if (!rc && name) {
        if (candid__grow((void **)&tp.files, &tp.capfiles, tp.nfiles + 1, sizeof *tp.files))
            rc = nomem(&tp);
        else
            tp.files[tp.nfiles++] = name;
    }
    if (!rc)
        rc = parse_did_file(&tp, 1);
    if (!rc)
        rc = resolve(&tp);
    if (!rc && e->actor != CANDID_NO_TYPE && candid_env_kind(e, e->actor) != CANDID_SERVICE)
        rc = candid__errf(err, CANDID_E_TYPE, "%s: the main service is not a service type",
                          name ? name : "input");
    if (!rc)
        rc = merge_imported(&tp);
    tp_free(&tp);
    return rc;
}
