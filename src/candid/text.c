/*
 * text.c - parsing Candid's textual values (spec "Values") and coercing them at expected types.
 *
 * Parsing builds an untyped tree first: a literal like `42` or `"a"` has no type of its own
 * until it meets an expected type (spec: "The types of these values are assumed to be known
 * from context"). Coercion then turns the tree into a candid_value of the expected type with
 * the same rules the binary decoder applies (missing opt/null/reserved fields become null,
 * extra record fields are dropped, a non-null value at `opt t` becomes `opt v` when it coerces
 * at t and null when it does not). An annotation `(v : t)` coerces v at t and requires
 * t <: expected. Without expected types, a type is inferred: numbers are int (floats float64),
 * `vec` takes its first element's type.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

enum tkind {
    TV_NUM,
    TV_BOOL,
    TV_NULL,
    TV_TEXT,
    TV_BLOB,
    TV_OPT,
    TV_VEC,
    TV_RECORD,
    TV_VARIANT,
    TV_PRINCIPAL,
    TV_SERVICE,
    TV_FUNC,
    TV_ANNOT
};

typedef struct tval tval;
typedef struct tfield {
    uint32_t id;
    const char *name;
    tval *v;
} tfield;

struct tval {
    enum tkind kind;
    uint32_t line, col;
    union {
        struct {
            const char *text; /* digits, possibly with '.', exponent, 0x */
            size_t len;
            int negative, is_float;
        } num;
        int b;
        struct {
            const uint8_t *data;
            size_t len;
            const char *method;
            size_t method_len;
        } bytes; /* text, blob, principal/service/func principal bytes */
        tval *inner;
        struct {
            tval **items;
            uint32_t n;
        } vec;
        struct {
            tfield *fields;
            uint32_t n;
        } rec; /* record, variant (n == 1) */
        struct {
            tval *v;
            candid_tref type;
        } annot;
    } u;
};

typedef struct {
    candid_env *e;
    candid_arena *a;
    candid__lexer *lx;
    candid_error *err;
    uint32_t depth;
} tparse;

static int nomem(tparse *p)
{
    return candid__errf(p->err, CANDID_E_NOMEM, "out of memory");
}

static int perr(tparse *p, int code, uint32_t line, uint32_t col, const char *fmt, const char *arg)
{
    return candid__err_line(p->err, code, p->lx->name, line, col, fmt, arg);
}

static tval *newval(tparse *p, enum tkind k)
{
    tval *v = candid_arena_alloc(p->a, sizeof *v);
    if (v) {
        memset(v, 0, sizeof *v);
        v->kind = k;
        v->line = p->lx->tline;
        v->col = p->lx->tcol;
    }
    return v;
}

static int parse_val(tparse *p, tval **out);

static int parse_annval(tparse *p, tval **out)
{
    int rc = parse_val(p, out);
    if (rc || !candid__lex_is(p->lx, ":"))
        return rc;
    tval *a = newval(p, TV_ANNOT);
    if (!a)
        return nomem(p);
    if ((rc = candid__lex_next(p->lx)) ||
        (rc = candid__parse_type_lx(p->e, p->lx, &a->u.annot.type)))
        return rc;
    a->u.annot.v = *out;
    *out = a;
    return 0;
}

static int text_token(tparse *p, const char *what)
{
    if (p->lx->kind != CANDID__T_TEXT)
        return candid__lex_error(p->lx, "expected %s text", what);
    return 0;
}

static int parse_principal_text(tparse *p, tval *v)
{
    uint8_t buf[CANDID_PRINCIPAL_MAX];
    size_t n;
    int rc = text_token(p, "principal");
    if (rc)
        return rc;
    candid_error e2;
    if (candid_principal_from_text((const char *)p->lx->text, p->lx->text_len, buf, &n, &e2))
        return perr(p, CANDID_E_VALUE, p->lx->tline, p->lx->tcol, "%s", e2.message);
    uint8_t *c = candid_arena_alloc(p->a, n ? n : 1);
    if (!c)
        return nomem(p);
    memcpy(c, buf, n);
    v->u.bytes.data = c;
    v->u.bytes.len = n;
    return candid__lex_next(p->lx);
}

static int cmp_tfield(const void *a, const void *b)
{
    const tfield *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Looks ahead from the current token: 1 for a field label followed by `=`, 2 for a bare variant
 * tag (payload null), 0 otherwise. Out of line so the lexer copy stays off the recursive path;
 * the error text a failed lookahead may leave is irrelevant (the token is parsed again). */
__attribute__((noinline)) static int label_kind(tparse *p, int variant)
{
    candid__lexer *lx = p->lx;
    if (!(lx->kind == CANDID__T_NUM || lx->kind == CANDID__T_TEXT ||
          (lx->kind == CANDID__T_ID && !candid__is_keyword((char *)lx->text, lx->text_len))))
        return 0;
    candid__lexer save = *lx;
    int kind = 0;
    if (!candid__lex_next(lx) && candid__lex_is(lx, "="))
        kind = 1;
    else if (variant && (candid__lex_is(lx, "}") || candid__lex_is(lx, ";")))
        kind = 2;
    *lx = save;
    return kind;
}

/* `{ <fieldval>;* }` for record (variant = 0) or variant (variant = 1). */
static int parse_fieldvals(tparse *p, tval *v, int variant)
{
    candid__lexer *lx = p->lx;
    int rc = candid__lex_expect(lx, "{");
    if (rc)
        return rc;
    tfield *f = NULL;
    uint32_t n = 0, cap = 0;
    int64_t prev = -1;
    while (!candid__lex_is(lx, "}")) {
        tfield fl = {0, NULL, NULL};
        int has_label = label_kind(p, variant);
        if (has_label) {
            if (lx->kind == CANDID__T_NUM) {
                candid_bignum b;
                uint64_t id;
                if (candid__parse_bignum((char *)lx->text, lx->text_len, 0, p->a, &b) ||
                    !candid__bignum_to_u64(&b, &id) || id > UINT32_MAX) {
                    rc = candid__lex_error(lx, "field id `%s` is not a number below 2^32",
                                           (char *)lx->text);
                    goto fail;
                }
                fl.id = (uint32_t)id;
            } else {
                fl.name = (const char *)lx->text;
                fl.id = candid_hash(fl.name, lx->text_len);
            }
            if ((rc = candid__lex_next(lx)))
                goto fail;
            if (has_label == 1) {
                if ((rc = candid__lex_next(lx)) || (rc = parse_annval(p, &fl.v)))
                    goto fail;
            } else {
                fl.v = newval(p, TV_NULL);
                if (!fl.v) {
                    rc = nomem(p);
                    goto fail;
                }
            }
        } else {
            if (variant) {
                rc = candid__lex_error(lx, "expected a variant tag%s", "");
                goto fail;
            }
            fl.id = (uint32_t)(prev + 1);
            if ((rc = parse_annval(p, &fl.v)))
                goto fail;
        }
        prev = fl.id;
        if (candid__grow((void **)&f, &cap, n + 1, sizeof *f)) {
            rc = nomem(p);
            goto fail;
        }
        f[n++] = fl;
        if (!candid__lex_is(lx, ";"))
            break;
        if ((rc = candid__lex_next(lx)))
            goto fail;
    }
    if ((rc = candid__lex_expect(lx, "}")))
        goto fail;
    if (variant && n != 1) {
        rc = perr(p, CANDID_E_SYNTAX, v->line, v->col, "a variant value has exactly one tag%s", "");
        goto fail;
    }
    /* fields sorted by id, as in every record (coercion and inference merge sorted lists) */
    if (n)
        qsort(f, n, sizeof *f, cmp_tfield);
    for (uint32_t i = 1; i < n; i++)
        if (f[i].id == f[i - 1].id) {
            rc = perr(p, CANDID_E_VALUE, v->line, v->col, "duplicate field in record value%s", "");
            goto fail;
        }
    v->u.rec.fields = candid__arena_dup(p->a, f, n * sizeof *f);
    if (!v->u.rec.fields) {
        rc = nomem(p);
        goto fail;
    }
    v->u.rec.n = n;
    free(f);
    return 0;
fail:
    free(f);
    return rc;
}

static int parse_val_inner(tparse *p, tval **out);

/* Values nest at most this deep in text (the parser recurses). */
#define TEXT_MAX_DEPTH 512

static int parse_val(tparse *p, tval **out)
{
    if (++p->depth > TEXT_MAX_DEPTH)
        return candid__lex_error(p->lx, "value nested too deeply%s", "");
    int rc = parse_val_inner(p, out);
    p->depth--;
    return rc;
}

/* `[+-]? <num>` (sign and digits stay text until the expected type is known). */
static int parse_number(tparse *p, tval **out)
{
    candid__lexer *lx = p->lx;
    tval *v = newval(p, TV_NUM);
    int rc;
    if (!v)
        return nomem(p);
    if (lx->kind == CANDID__T_PUNCT) {
        v->u.num.negative = lx->punct[0] == '-';
        if ((rc = candid__lex_next(lx)))
            return rc;
        if (lx->kind != CANDID__T_NUM)
            return candid__lex_error(lx, "expected a number after the sign%s", "");
    }
    v->u.num.text = (const char *)lx->text;
    v->u.num.len = lx->text_len;
    v->u.num.is_float = lx->num_float;
    *out = v;
    return candid__lex_next(lx);
}

/* `{ <annval>;* }` of a vec value, after `vec`. */
static int parse_vec_items(tparse *p, tval *v)
{
    candid__lexer *lx = p->lx;
    int rc = candid__lex_expect(lx, "{");
    if (rc)
        return rc;
    tval **items = NULL;
    uint32_t n = 0, cap = 0;
    while (!candid__lex_is(lx, "}")) {
        tval *item;
        if ((rc = parse_annval(p, &item)))
            break;
        if (candid__grow((void **)&items, &cap, n + 1, sizeof *items)) {
            rc = nomem(p);
            break;
        }
        items[n++] = item;
        if (!candid__lex_is(lx, ";") || (rc = candid__lex_next(lx)))
            break;
    }
    if (!rc)
        rc = candid__lex_expect(lx, "}");
    if (!rc && !(v->u.vec.items = candid__arena_dup(p->a, items, n * sizeof *items)))
        rc = nomem(p);
    v->u.vec.n = n;
    free(items);
    return rc;
}

/* `"<principal>" . <name>` of a func value, after `func`. */
static int parse_func_ref(tparse *p, tval *v)
{
    candid__lexer *lx = p->lx;
    int rc;
    if ((rc = parse_principal_text(p, v)) || (rc = candid__lex_expect(lx, ".")))
        return rc;
    if (lx->kind != CANDID__T_TEXT &&
        (lx->kind != CANDID__T_ID || candid__is_keyword((char *)lx->text, lx->text_len)))
        return candid__lex_error(lx, "expected a method name%s", "");
    if (!candid_utf8_valid(lx->text, lx->text_len))
        return candid__lex_error(lx, "method name is not valid UTF-8%s", "");
    v->u.bytes.method = (const char *)lx->text;
    v->u.bytes.method_len = lx->text_len;
    return candid__lex_next(lx);
}

/* A value that starts with a keyword (true, null, opt, vec, blob, record, ...). */
static int parse_keyword_val(tparse *p, tval **out)
{
    static const struct {
        const char *kw;
        enum tkind kind;
    } kws[] = {{"true", TV_BOOL},       {"false", TV_BOOL},      {"null", TV_NULL},
               {"opt", TV_OPT},         {"vec", TV_VEC},         {"blob", TV_BLOB},
               {"record", TV_RECORD},   {"variant", TV_VARIANT}, {"principal", TV_PRINCIPAL},
               {"service", TV_SERVICE}, {"func", TV_FUNC}};
    candid__lexer *lx = p->lx;
    const char *w = (const char *)lx->text;
    size_t i = 0;
    while (i < sizeof kws / sizeof kws[0] && strcmp(w, kws[i].kw))
        i++;
    if (i == sizeof kws / sizeof kws[0])
        return candid__lex_error(lx, "expected a value, found `%s`", w);
    tval *v = newval(p, kws[i].kind);
    int rc;
    if (!v)
        return nomem(p);
    *out = v;
    if (v->kind == TV_BOOL)
        v->u.b = w[0] == 't';
    if ((rc = candid__lex_next(lx)))
        return rc;
    switch (v->kind) {
    case TV_OPT:
        return parse_val(p, &v->u.inner);
    case TV_VEC:
        return parse_vec_items(p, v);
    case TV_BLOB:
        if ((rc = text_token(p, "blob")))
            return rc;
        v->u.bytes.data = lx->text;
        v->u.bytes.len = lx->text_len;
        return candid__lex_next(lx);
    case TV_RECORD:
    case TV_VARIANT:
        return parse_fieldvals(p, v, v->kind == TV_VARIANT);
    case TV_PRINCIPAL:
    case TV_SERVICE:
        return parse_principal_text(p, v);
    case TV_FUNC:
        return parse_func_ref(p, v);
    default:
        return 0; /* true, false, null */
    }
}

static int parse_val_inner(tparse *p, tval **out)
{
    candid__lexer *lx = p->lx;
    int rc;
    if (candid__lex_is(lx, "(")) {
        if ((rc = candid__lex_next(lx)) || (rc = parse_annval(p, out)))
            return rc;
        return candid__lex_expect(lx, ")");
    }
    if (candid__lex_is(lx, "+") || candid__lex_is(lx, "-") || lx->kind == CANDID__T_NUM)
        return parse_number(p, out);
    if (lx->kind == CANDID__T_TEXT) {
        tval *v = newval(p, TV_TEXT);
        if (!v)
            return nomem(p);
        v->u.bytes.data = lx->text;
        v->u.bytes.len = lx->text_len;
        *out = v;
        return candid__lex_next(lx);
    }
    if (lx->kind != CANDID__T_ID)
        return candid__lex_error(lx, "expected a value%s", "");
    return parse_keyword_val(p, out);
}

/* ------------------------------------------------------------------ coercion */

typedef struct {
    candid_env *e;
    candid_arena *a;
    candid_error *err;
    const char *name;
    uint32_t depth;
} coercer;

static int cerr(coercer *c, int code, const tval *v, const char *fmt, const char *arg)
{
    return candid__err_line(c->err, code, c->name, v->line, v->col, fmt, arg);
}

static int coerce(coercer *c, const tval *v, candid_tref t, candid_value *out);

/* Values must not point into the lexer's strings (they live in the env's arena). */
static int copy_bytes(coercer *c, const uint8_t *p, size_t n, candid_value *out)
{
    char *d = candid__strdup(c->a, (const char *)p, n);
    if (!d)
        return candid__errf(c->err, CANDID_E_NOMEM, "out of memory");
    out->u.bytes.data = (const uint8_t *)d;
    out->u.bytes.len = n;
    return 0;
}

static const char *tname(const coercer *c, candid_tref t)
{
    const char *n = candid_kind_name(candid_env_kind(c->e, t));
    return n ? n : "?";
}

static int mismatch(coercer *c, const tval *v, candid_tref t)
{
    return cerr(c, CANDID_E_MISMATCH, v, "the value does not have type %s", tname(c, t));
}

static int range(coercer *c, const tval *v, candid_tref t)
{
    return cerr(c, CANDID_E_VALUE, v, "the number is out of range for type %s", tname(c, t));
}

static int parse_float(const tval *v, double *out)
{
    char buf[128];
    size_t n = 0;
    if (v->u.num.len + 2 > sizeof buf)
        return -1;
    if (v->u.num.negative)
        buf[n++] = '-';
    for (size_t i = 0; i < v->u.num.len; i++)
        if (v->u.num.text[i] != '_')
            buf[n++] = v->u.num.text[i];
    buf[n] = 0;
    char *end;
    *out = strtod(buf, &end);
    return *end ? -1 : 0;
}

static int coerce_num(coercer *c, const tval *v, candid_tref t, candid_kind k, candid_value *out)
{
    out->kind = k;
    if (k == CANDID_FLOAT32 || k == CANDID_FLOAT64) {
        double d;
        if (parse_float(v, &d))
            return cerr(c, CANDID_E_VALUE, v, "invalid number `%s`", v->u.num.text);
        if (k == CANDID_FLOAT32)
            out->u.f32 = (float)d;
        else
            out->u.f64 = d;
        return 0;
    }
    if (v->u.num.is_float)
        return mismatch(c, v, t);
    candid_bignum b;
    int rc = candid__parse_bignum(v->u.num.text, v->u.num.len, v->u.num.negative, c->a, &b);
    if (rc == CANDID_E_NOMEM)
        return candid__errf(c->err, rc, "out of memory");
    if (rc)
        return cerr(c, CANDID_E_VALUE, v, "invalid number `%s`", v->u.num.text);
    if (k == CANDID_NAT || k == CANDID_INT) {
        if (k == CANDID_NAT && b.negative)
            return range(c, v, t);
        out->u.num = b;
        return 0;
    }
    static const struct {
        candid_kind k;
        int is_signed;
        unsigned bits;
    } fixed[] = {{CANDID_NAT8, 0, 8},   {CANDID_NAT16, 0, 16}, {CANDID_NAT32, 0, 32},
                 {CANDID_NAT64, 0, 64}, {CANDID_INT8, 1, 8},   {CANDID_INT16, 1, 16},
                 {CANDID_INT32, 1, 32}, {CANDID_INT64, 1, 64}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (fixed[i].k != k)
            continue;
        if (fixed[i].is_signed) {
            int64_t x;
            int64_t lim = fixed[i].bits == 64 ? INT64_MAX : ((int64_t)1 << (fixed[i].bits - 1)) - 1;
            if (!candid__bignum_to_i64(&b, &x) || x > lim || x < -lim - 1)
                return range(c, v, t);
            out->u.i64 = x;
        } else {
            uint64_t x;
            uint64_t lim = fixed[i].bits == 64 ? UINT64_MAX : ((uint64_t)1 << fixed[i].bits) - 1;
            if (!candid__bignum_to_u64(&b, &x) || x > lim)
                return range(c, v, t);
            out->u.u64 = x;
        }
        return 0;
    }
    return mismatch(c, v, t);
}

static int coerce_record(coercer *c, const tval *v, const candid_type *tt, candid_value *out)
{
    uint32_t n = tt->u.rec.n;
    out->kind = CANDID_RECORD;
    out->u.rec.n = n;
    out->u.rec.fields = candid_arena_alloc(c->a, (n ? n : 1) * sizeof(candid_field_value));
    candid_value *vals = candid_arena_alloc(c->a, (n ? n : 1) * sizeof(candid_value));
    if (!out->u.rec.fields || !vals)
        return candid__errf(c->err, CANDID_E_NOMEM, "out of memory");
    uint32_t j = 0; /* both field lists are sorted by id: merge */
    for (uint32_t i = 0; i < n; i++) {
        const candid_field *tf = &tt->u.rec.fields[i];
        const tval *fv = NULL;
        while (j < v->u.rec.n && v->u.rec.fields[j].id < tf->id)
            j++;
        if (j < v->u.rec.n && v->u.rec.fields[j].id == tf->id)
            fv = v->u.rec.fields[j].v;
        out->u.rec.fields[i] = (candid_field_value){tf->id, tf->name, &vals[i]};
        if (fv) {
            int rc = coerce(c, fv, tf->type, &vals[i]);
            if (rc)
                return rc;
        } else if (candid__null_like(c->e, tf->type)) {
            vals[i].kind = candid_env_kind(c->e, tf->type);
            vals[i].u.opt = NULL;
        } else {
            return candid__err_line(c->err, CANDID_E_MISMATCH, c->name, v->line, v->col,
                                    "record field %u is missing", (uint64_t)tf->id);
        }
    }
    return 0;
}

static int nomem_c(coercer *c)
{
    return candid__errf(c->err, CANDID_E_NOMEM, "out of memory");
}

/* `(v : at)` at t: v must coerce at its annotation, and the annotation be a subtype of t. */
static int coerce_annot(coercer *c, const tval *v, candid_tref t, candid_value *out)
{
    candid_tref at = v->u.annot.type;
    candid_value tmp;
    int rc = coerce(c, v->u.annot.v, at, &tmp);
    if (rc)
        return rc;
    int s = candid__subtype(c->e, at, c->e, t, TEXT_MAX_DEPTH, NULL);
    if (s < 0)
        return s == CANDID_E_NOMEM ? nomem_c(c) : cerr(c, s, v, "types nested too deeply%s", "");
    if (!s)
        return cerr(c, CANDID_E_MISMATCH, v, "the annotated type is not a subtype of %s",
                    tname(c, t));
    if (at == t) {
        *out = tmp;
        return 0;
    }
    return coerce(c, v->u.annot.v, t, out);
}

/* At `opt t'`: null stays null; `opt v` and any other value coerce at t' and become null on a
 * type mismatch (spec "Coercion / Options"; the error text left behind is not an error). */
static int coerce_opt(coercer *c, const tval *v, const candid_type *tt, candid_value *out)
{
    out->kind = CANDID_OPT;
    out->u.opt = NULL;
    if (v->kind == TV_NULL)
        return 0;
    candid_value *iv = candid_arena_alloc(c->a, sizeof *iv);
    if (!iv)
        return nomem_c(c);
    int rc = coerce(c, v->kind == TV_OPT ? v->u.inner : v, tt->u.inner, iv);
    if (rc == CANDID_E_MISMATCH)
        return 0;
    if (!rc)
        out->u.opt = iv;
    return rc;
}

/* `vec { ... }` at `vec t` (a BLOB at `vec nat8`). */
static int coerce_vec(coercer *c, const tval *v, const candid_type *tt, candid_value *out)
{
    uint32_t n = v->u.vec.n;
    int rc = 0;
    if (tt->u.inner == CANDID_NAT8) {
        uint8_t *bytes = candid_arena_alloc(c->a, n ? n : 1);
        if (!bytes)
            return nomem_c(c);
        for (uint32_t i = 0; i < n && !rc; i++) {
            candid_value b;
            if (!(rc = coerce(c, v->u.vec.items[i], CANDID_NAT8, &b)))
                bytes[i] = (uint8_t)b.u.u64;
        }
        out->kind = CANDID_BLOB;
        out->u.bytes.data = bytes;
        out->u.bytes.len = n;
        return rc;
    }
    out->u.vec.n = n;
    out->u.vec.items = candid_arena_alloc(c->a, (n ? n : 1) * sizeof(candid_value));
    if (!out->u.vec.items)
        return nomem_c(c);
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = coerce(c, v->u.vec.items[i], tt->u.inner, &out->u.vec.items[i]);
    return rc;
}

/* `variant { tag = v }`: the tag must be in the type. */
static int coerce_variant(coercer *c, const tval *v, const candid_type *tt, candid_value *out)
{
    const tfield *f = &v->u.rec.fields[0];
    for (uint32_t i = 0; i < tt->u.rec.n; i++) {
        if (tt->u.rec.fields[i].id != f->id)
            continue;
        candid_value *pv = candid_arena_alloc(c->a, sizeof *pv);
        if (!pv)
            return nomem_c(c);
        out->u.var.id = f->id;
        out->u.var.index = i;
        out->u.var.name = tt->u.rec.fields[i].name;
        out->u.var.value = pv;
        return coerce(c, f->v, tt->u.rec.fields[i].type, pv);
    }
    return candid__err_line(c->err, CANDID_E_MISMATCH, c->name, v->line, v->col,
                            "variant tag %u is not in the type", (uint64_t)f->id);
}

/* principal, service and func values. */
static int coerce_ref(coercer *c, const tval *v, candid_tref t, candid_kind k, candid_value *out)
{
    if (v->kind == TV_FUNC) {
        if (k != CANDID_FUNC)
            return mismatch(c, v, t);
        out->u.func.principal = v->u.bytes.data;
        out->u.func.principal_len = v->u.bytes.len;
        out->u.func.method_len = v->u.bytes.method_len;
        out->u.func.method = candid__strdup(c->a, v->u.bytes.method, v->u.bytes.method_len);
        return out->u.func.method ? 0 : nomem_c(c);
    }
    /* service <: principal; a principal is not a service */
    if (!(k == CANDID_PRINCIPAL || (k == CANDID_SERVICE && v->kind == TV_SERVICE)))
        return mismatch(c, v, t);
    out->u.bytes.data = v->u.bytes.data;
    out->u.bytes.len = v->u.bytes.len;
    return 0;
}

/* Any other value at a type that is not reserved or opt. */
static int coerce_plain(coercer *c, const tval *v, candid_tref t, candid_value *out)
{
    candid_kind k = candid_env_kind(c->e, t);
    const candid_type *tt = candid_env_node(c->e, t);
    out->kind = k;
    switch (v->kind) {
    case TV_NUM:
        return k >= CANDID_FLOAT64 && k <= CANDID_NAT ? coerce_num(c, v, t, k, out)
                                                      : mismatch(c, v, t);
    case TV_BOOL:
        return k == CANDID_BOOL ? (out->u.b = v->u.b, 0) : mismatch(c, v, t);
    case TV_NULL:
        return k == CANDID_NULL ? 0 : mismatch(c, v, t);
    case TV_TEXT:
        if (k != CANDID_TEXT)
            return mismatch(c, v, t);
        if (!candid_utf8_valid(v->u.bytes.data, v->u.bytes.len))
            return cerr(c, CANDID_E_VALUE, v, "text is not valid UTF-8%s", "");
        return copy_bytes(c, v->u.bytes.data, v->u.bytes.len, out);
    case TV_BLOB:
        if (k != CANDID_VEC || tt->u.inner != CANDID_NAT8)
            return mismatch(c, v, t);
        out->kind = CANDID_BLOB;
        return copy_bytes(c, v->u.bytes.data, v->u.bytes.len, out);
    case TV_VEC:
        return k == CANDID_VEC ? coerce_vec(c, v, tt, out) : mismatch(c, v, t);
    case TV_RECORD:
        return k == CANDID_RECORD ? coerce_record(c, v, tt, out) : mismatch(c, v, t);
    case TV_VARIANT:
        return k == CANDID_VARIANT ? coerce_variant(c, v, tt, out) : mismatch(c, v, t);
    case TV_PRINCIPAL:
    case TV_SERVICE:
    case TV_FUNC:
        return coerce_ref(c, v, t, k, out);
    default:
        return mismatch(c, v, t);
    }
}

static int coerce(coercer *c, const tval *v, candid_tref t, candid_value *out)
{
    candid_kind k = candid_env_kind(c->e, t);
    int rc;
    if (++c->depth > TEXT_MAX_DEPTH)
        rc = cerr(c, CANDID_E_DEPTH, v, "value nested too deeply%s", "");
    else if (v->kind == TV_ANNOT)
        rc = coerce_annot(c, v, t, out);
    else if (k == CANDID_RESERVED)
        rc = (out->kind = CANDID_RESERVED, 0);
    else if (k == CANDID_OPT)
        rc = coerce_opt(c, v, candid_env_node(c->e, t), out);
    else
        rc = coerce_plain(c, v, t, out);
    c->depth--;
    return rc;
}

/* ------------------------------------------------------------------ inference */

static int infer(coercer *c, const tval *v, candid_tref *out)
{
    candid_type t;
    memset(&t, 0, sizeof t);
    int rc;
    switch (v->kind) {
    case TV_NUM:
        *out = v->u.num.is_float ? CANDID_FLOAT64 : CANDID_INT;
        return 0;
    case TV_BOOL:
        *out = CANDID_BOOL;
        return 0;
    case TV_NULL:
        *out = CANDID_NULL;
        return 0;
    case TV_TEXT:
        *out = CANDID_TEXT;
        return 0;
    case TV_PRINCIPAL:
        *out = CANDID_PRINCIPAL;
        return 0;
    case TV_ANNOT:
        *out = v->u.annot.type;
        return 0;
    case TV_BLOB:
        t.kind = CANDID_VEC;
        t.u.inner = CANDID_NAT8;
        break;
    case TV_OPT:
        t.kind = CANDID_OPT;
        if ((rc = infer(c, v->u.inner, &t.u.inner)))
            return rc;
        break;
    case TV_VEC:
        t.kind = CANDID_VEC;
        t.u.inner = CANDID_EMPTY;
        if (v->u.vec.n && (rc = infer(c, v->u.vec.items[0], &t.u.inner)))
            return rc;
        break;
    case TV_RECORD:
    case TV_VARIANT: {
        uint32_t n = v->u.rec.n;
        t.kind = v->kind == TV_RECORD ? CANDID_RECORD : CANDID_VARIANT;
        t.u.rec.n = n;
        t.u.rec.fields = candid_arena_alloc(&c->e->arena, (n ? n : 1) * sizeof(candid_field));
        if (!t.u.rec.fields)
            return candid__errf(c->err, CANDID_E_NOMEM, "out of memory");
        for (uint32_t i = 0; i < n; i++) {
            /* insertion sort by id */
            candid_field f = {v->u.rec.fields[i].id, NULL, 0};
            if (v->u.rec.fields[i].name &&
                !(f.name = candid__strdup(&c->e->arena, v->u.rec.fields[i].name,
                                          strlen(v->u.rec.fields[i].name))))
                return candid__errf(c->err, CANDID_E_NOMEM, "out of memory");
            if ((rc = infer(c, v->u.rec.fields[i].v, &f.type)))
                return rc;
            uint32_t j = i;
            while (j && t.u.rec.fields[j - 1].id > f.id) {
                t.u.rec.fields[j] = t.u.rec.fields[j - 1];
                j--;
            }
            t.u.rec.fields[j] = f;
        }
        break;
    }
    case TV_SERVICE:
        t.kind = CANDID_SERVICE;
        t.u.svc.methods = NULL;
        break;
    case TV_FUNC:
        t.kind = CANDID_FUNC;
        break;
    }
    if (candid_env_add(c->e, &t, out))
        return candid__errf(c->err, CANDID_E_NOMEM, "out of memory");
    return 0;
}

/* ------------------------------------------------------------------ entry point */

/* Parses `( <annval>,* )` into an arena array of untyped values. */
static int parse_arg_list(tparse *p, tval ***out, uint32_t *nout)
{
    candid__lexer *lx = p->lx;
    int rc = candid__lex_expect(lx, "(");
    if (rc)
        return rc;
    tval **vals = NULL;
    uint32_t n = 0, cap = 0;
    while (!candid__lex_is(lx, ")")) {
        tval *v;
        if ((rc = parse_annval(p, &v)))
            goto fail;
        if (candid__grow((void **)&vals, &cap, n + 1, sizeof *vals)) {
            rc = nomem(p);
            goto fail;
        }
        vals[n++] = v;
        if (!candid__lex_is(lx, ","))
            break;
        if ((rc = candid__lex_next(lx)))
            goto fail;
    }
    if ((rc = candid__lex_expect(lx, ")")))
        goto fail;
    *out = candid__arena_dup(p->a, vals, n * sizeof *vals);
    if (!*out) {
        rc = nomem(p);
        goto fail;
    }
    *nout = n;
fail:
    free(vals);
    return rc;
}

int candid__parse_args_lx(candid_env *e, candid_arena *a, candid__lexer *lx,
                          const candid_tref *types, uint32_t ntypes, candid_value **out,
                          uint32_t *nout, candid_tref **out_types)
{
    tparse p = {e, a, lx, lx->err, 0};
    tval **vals = NULL;
    uint32_t n = 0;
    int rc = parse_arg_list(&p, &vals, &n);
    if (rc)
        return rc;
    coercer c = {e, a, lx->err, lx->name, 0};
    uint32_t nres = types ? ntypes : n;
    candid_value *res = candid_arena_alloc(a, (nres ? nres : 1) * sizeof *res);
    candid_tref *inferred = candid_arena_alloc(&e->arena, (nres ? nres : 1) * sizeof *inferred);
    if (!res || !inferred)
        return nomem(&p);
    for (uint32_t i = 0; i < nres; i++) {
        candid_tref t;
        if (types)
            t = types[i];
        else if ((rc = infer(&c, vals[i], &t)))
            return rc;
        inferred[i] = t;
        if (i < n) {
            if ((rc = coerce(&c, vals[i], t, &res[i])))
                return rc;
        } else if (candid__null_like(e, t)) {
            res[i].kind = candid_env_kind(e, t);
            res[i].u.opt = NULL;
        } else {
            return candid__err_line(lx->err, CANDID_E_MISMATCH, lx->name, lx->tline, lx->tcol,
                                    "missing argument %u of type %s", (uint64_t)i,
                                    candid_kind_name(candid_env_kind(e, t)));
        }
    }
    *out = res;
    *nout = nres;
    if (out_types)
        *out_types = inferred;
    return 0;
}

int candid_parse_args(candid_env *e, candid_arena *a, const char *src, size_t len,
                      const candid_tref *types, uint32_t ntypes, candid_value **out, uint32_t *nout,
                      candid_tref **out_types, candid_error *err)
{
    candid__lexer lx;
    candid__lex_init(&lx, src, len, NULL, &e->arena, err);
    int rc = candid__lex_next(&lx);
    if (!rc)
        rc = candid__parse_args_lx(e, a, &lx, types, ntypes, out, nout, out_types);
    if (!rc && lx.kind != CANDID__T_EOF)
        rc = candid__lex_error(&lx, "unexpected text after the arguments%s", "");
    return rc;
}
