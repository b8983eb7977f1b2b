/*
 * print.c - printing values and types in the textual format didc uses (spec "Values"; numbers
 * annotated with their type, `vec nat8` as `blob "..."`, field names when known and numeric ids
 * with `_` otherwise).
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ printing */

static int is_plain_id(const char *s, size_t n)
{
    if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
              (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return !candid__is_keyword(s, n);
}

/* A name as an identifier when possible, else as a quoted text. */
static void print_name(candid_buf *b, const char *s, size_t n)
{
    if (is_plain_id(s, n)) {
        candid_buf_append(b, s, n);
        return;
    }
    candid_buf_append(b, "\"", 1);
    candid__buf_escaped(b, (const uint8_t *)s, n, 1);
    candid_buf_append(b, "\"", 1);
}

static void print_label(candid_buf *b, uint32_t id, const char *name)
{
    if (name) {
        print_name(b, name, strlen(name));
        return;
    }
    candid_bignum n = {id, NULL, 0, 0};
    candid__print_bignum(b, &n, 1);
}

static void print_float(candid_buf *b, double d, int is32)
{
    char tmp[40];
    if (isnan(d)) {
        candid__buf_str(b, "nan");
    } else if (isinf(d)) {
        candid__buf_str(b, d < 0 ? "-inf" : "inf");
    } else {
        /* integral values print as digits and ".0"; others in the shortest form that reads
         * back as the same value */
        if (d == floor(d) && fabs(d) < 1e16) { /* exact integers: below 2^53 */
            snprintf(tmp, sizeof tmp, "%.0f.0", d);
            candid__buf_str(b, tmp);
            candid__buf_str(b, is32 ? " : float32" : " : float64");
            return;
        }
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, d);
            if (is32 ? (float)strtod(tmp, NULL) == (float)d : strtod(tmp, NULL) == d)
                break;
        }
        candid__buf_str(b, tmp);
        if (!strpbrk(tmp, ".e"))
            candid__buf_str(b, ".0");
    }
    candid__buf_str(b, is32 ? " : float32" : " : float64");
}

static int is_annotated_number(const candid_value *v)
{
    return v->kind >= CANDID_FLOAT64 && v->kind <= CANDID_NAT;
}

/* As didc: a blob of printable ASCII (and tab, newline, return) prints as characters, with
 * quotes, backquote, backslash and those three as \hh; any other blob prints every byte as \hh. */
static void print_blob(candid_buf *b, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int ascii = 1;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (p[i] >= 0x20 && p[i] <= 0x7e) || p[i] == 9 || p[i] == 10 || p[i] == 13;
    candid__buf_str(b, "blob \"");
    for (size_t i = 0; i < n; i++) {
        char c[3] = {'\\', hex[p[i] >> 4], hex[p[i] & 15]};
        if (ascii && p[i] >= 0x20 && p[i] <= 0x7e && !strchr("\"'`\\", p[i]))
            candid_buf_append(b, &p[i], 1);
        else
            candid_buf_append(b, c, 3);
    }
    candid__buf_str(b, "\"");
}

static void print_principal(candid_buf *b, const uint8_t *p, size_t n)
{
    char text[CANDID_PRINCIPAL_TEXT_MAX];
    candid__buf_str(b, "\"");
    if (candid_principal_to_text(p, n, text) >= 0)
        candid__buf_str(b, text);
    candid__buf_str(b, "\"");
}

static void print_value(candid_buf *b, const candid_value *v)
{
    switch (v->kind) {
    case CANDID_NULL:
    case CANDID_RESERVED:
        candid__buf_str(b, "null");
        return;
    case CANDID_BOOL:
        candid__buf_str(b, v->u.b ? "true" : "false");
        return;
    case CANDID_NAT:
    case CANDID_INT:
        candid__print_bignum(b, &v->u.num, 1);
        break;
    case CANDID_NAT8:
    case CANDID_NAT16:
    case CANDID_NAT32:
    case CANDID_NAT64: {
        candid_bignum n = {v->u.u64, NULL, 0, 0};
        candid__print_bignum(b, &n, v->kind != CANDID_NAT8);
        break;
    }
    case CANDID_INT8:
    case CANDID_INT16:
    case CANDID_INT32:
    case CANDID_INT64: {
        candid_bignum n = {v->u.i64 < 0 ? (uint64_t)0 - (uint64_t)v->u.i64 : (uint64_t)v->u.i64,
                           NULL, 0, v->u.i64 < 0};
        candid__print_bignum(b, &n, v->kind != CANDID_INT8);
        break;
    }
    case CANDID_FLOAT32:
        print_float(b, v->u.f32, 1);
        return;
    case CANDID_FLOAT64:
        print_float(b, v->u.f64, 0);
        return;
    case CANDID_TEXT:
        candid__buf_str(b, "\"");
        candid__buf_escaped(b, v->u.bytes.data, v->u.bytes.len, 1);
        candid__buf_str(b, "\"");
        return;
    case CANDID_BLOB:
        print_blob(b, v->u.bytes.data, v->u.bytes.len);
        return;
    case CANDID_PRINCIPAL:
    case CANDID_SERVICE:
        candid__buf_str(b, v->kind == CANDID_PRINCIPAL ? "principal " : "service ");
        print_principal(b, v->u.bytes.data, v->u.bytes.len);
        return;
    case CANDID_FUNC:
        candid__buf_str(b, "func ");
        print_principal(b, v->u.func.principal, v->u.func.principal_len);
        candid__buf_str(b, ".");
        print_name(b, v->u.func.method, v->u.func.method_len);
        return;
    case CANDID_OPT:
        if (!v->u.opt) {
            candid__buf_str(b, "null");
            return;
        }
        candid__buf_str(b, "opt ");
        if (is_annotated_number(v->u.opt)) {
            candid__buf_str(b, "(");
            print_value(b, v->u.opt);
            candid__buf_str(b, ")");
        } else {
            print_value(b, v->u.opt);
        }
        return;
    case CANDID_VEC:
        candid__buf_str(b, v->u.vec.n ? "vec { " : "vec {}");
        for (size_t i = 0; i < v->u.vec.n; i++) {
            print_value(b, &v->u.vec.items[i]);
            candid__buf_str(b, i + 1 < v->u.vec.n ? "; " : " }");
        }
        return;
    case CANDID_RECORD: {
        int tuple = 1;
        for (uint32_t i = 0; i < v->u.rec.n; i++)
            if (v->u.rec.fields[i].id != i || v->u.rec.fields[i].name)
                tuple = 0;
        candid__buf_str(b, v->u.rec.n ? "record { " : "record {}");
        for (uint32_t i = 0; i < v->u.rec.n; i++) {
            if (!tuple) {
                print_label(b, v->u.rec.fields[i].id, v->u.rec.fields[i].name);
                candid__buf_str(b, " = ");
            }
            print_value(b, v->u.rec.fields[i].value);
            candid__buf_str(b, i + 1 < v->u.rec.n ? "; " : " }");
        }
        return;
    }
    case CANDID_VARIANT:
        candid__buf_str(b, "variant { ");
        print_label(b, v->u.var.id, v->u.var.name);
        if (v->u.var.value->kind != CANDID_NULL) {
            candid__buf_str(b, " = ");
            print_value(b, v->u.var.value);
        }
        candid__buf_str(b, " }");
        return;
    default:
        candid__buf_str(b, "?");
        return;
    }
    candid__buf_str(b, " : ");
    candid__buf_str(b, candid_kind_name(v->kind));
}

int candid_print_value(candid_buf *out, const candid_value *v)
{
    print_value(out, v);
    return out->oom ? CANDID_E_NOMEM : 0;
}

int candid_print_args(candid_buf *out, const candid_value *vals, size_t n)
{
    candid__buf_str(out, "(");
    for (size_t i = 0; i < n; i++) {
        if (i)
            candid__buf_str(out, ", ");
        print_value(out, &vals[i]);
    }
    candid__buf_str(out, ")");
    return out->oom ? CANDID_E_NOMEM : 0;
}

/* ------------------------------------------------------------------ types */

static void print_type(candid_buf *b, const candid_env *e, candid_tref t, int top);

static void print_tuple(candid_buf *b, const candid_env *e, const candid_tref *ts, uint32_t n)
{
    candid__buf_str(b, "(");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            candid__buf_str(b, ", ");
        print_type(b, e, ts[i], 0);
    }
    candid__buf_str(b, ")");
}

static void print_functype(candid_buf *b, const candid_env *e, const candid_type *f)
{
    print_tuple(b, e, f->u.func.args, f->u.func.nargs);
    candid__buf_str(b, " -> ");
    print_tuple(b, e, f->u.func.rets, f->u.func.nrets);
    if (f->u.func.ann & CANDID_ANN_QUERY)
        candid__buf_str(b, " query");
    if (f->u.func.ann & CANDID_ANN_ONEWAY)
        candid__buf_str(b, " oneway");
    if (f->u.func.ann & CANDID_ANN_COMPOSITE_QUERY)
        candid__buf_str(b, " composite_query");
}

static void print_type(candid_buf *b, const candid_env *e, candid_tref t, int top)
{
    if (t < 0) {
        const char *n = candid_kind_name((candid_kind)t);
        candid__buf_str(b, n ? n : "?");
        return;
    }
    const candid_type *n = candid_env_node(e, t);
    if (!n) {
        candid__buf_str(b, "?");
        return;
    }
    if (n->name && !top) {
        candid__buf_str(b, n->name);
        return;
    }
    switch (n->kind) {
    case CANDID_OPT:
    case CANDID_VEC:
        if (n->kind == CANDID_VEC && n->u.inner == CANDID_NAT8) {
            candid__buf_str(b, "blob");
            return;
        }
        candid__buf_str(b, n->kind == CANDID_OPT ? "opt " : "vec ");
        print_type(b, e, n->u.inner, 0);
        return;
    case CANDID_RECORD:
    case CANDID_VARIANT:
        candid__buf_str(b, n->kind == CANDID_RECORD ? "record {" : "variant {");
        for (uint32_t i = 0; i < n->u.rec.n; i++) {
            const candid_field *f = &n->u.rec.fields[i];
            candid__buf_str(b, i ? "; " : " ");
            if (!n->u.rec.tuple) {
                print_label(b, f->id, f->name);
                if (n->kind == CANDID_VARIANT && f->type == CANDID_NULL)
                    continue;
                candid__buf_str(b, " : ");
            }
            print_type(b, e, f->type, 0);
        }
        candid__buf_str(b, n->u.rec.n ? " }" : "}");
        return;
    case CANDID_FUNC:
        candid__buf_str(b, "func ");
        print_functype(b, e, n);
        return;
    case CANDID_SERVICE:
        candid__buf_str(b, "service {");
        for (uint32_t i = 0; i < n->u.svc.n; i++) {
            const candid_method *m = &n->u.svc.methods[i];
            candid__buf_str(b, i ? "; " : " ");
            print_name(b, m->name, m->name_len);
            candid__buf_str(b, " : ");
            const candid_type *f = candid_env_node(e, m->type);
            if (f && f->name)
                candid__buf_str(b, f->name);
            else if (f)
                print_functype(b, e, f);
        }
        candid__buf_str(b, n->u.svc.n ? " }" : "}");
        return;
    default:
        candid__buf_str(b, "?");
    }
}

int candid_print_type(candid_buf *out, const candid_env *e, candid_tref t)
{
    print_type(out, e, t, 1);
    return out->oom ? CANDID_E_NOMEM : 0;
}
