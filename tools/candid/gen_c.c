/*
 * gen_c.c - `candid gen c FILE.did -o DIR`: the Candid -> C binding generator.
 *
 * It parses a .did file with the Candid library and writes DIR/<name>.h and DIR/<name>.c: a C
 * type per Candid type, value writers and readers per type, message encoders and decoders per
 * definition and per method argument/result tuple, and (under AW_BACKEND_IC) typed call stubs
 * that return futures of the decoded reply. docs/candid-gen.md is the user's guide; this file
 * is the how.
 *
 * The generated code does no Candid work of its own. Encoding calls the library's streaming
 * writers (candid_enc_*) against a static copy of the parsed type environment, so the type table
 * is exactly what the library builds for those types. Decoding calls candid_dec_arg at the
 * expected type, so every subtyping and coercion rule, the quotas and the error offsets are the
 * library's; the value tree it returns is then copied into the C structs, in the caller's arena.
 *
 * The work, in order:
 *   1. reachability: the nodes reachable from definitions, methods and the service constructor
 *      form the static environment, renumbered densely;
 *   2. recursion: in the graph "a value of node A contains a value of node B by value" (record
 *      fields, variant payloads, opt), every edge inside a strongly connected component is held
 *      through a pointer, which breaks every cycle (Tarjan's algorithm);
 *   3. names: definitions first (<prefix>_<name>), then anonymous nodes by the path that first
 *      reaches them (<parent>_<field>, <parent>_some, <parent>_item), all made valid C
 *      identifiers and unique;
 *   4. emission: forward typedefs, then struct definitions in dependency order, functions, the
 *      static environment and the call stubs.
 */
#include "asyncwasm/candid.h"
#include "tool.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------------------------------ */
/* The model                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* How a node is represented in C. */
enum gen_repr {
    GEN_NONE = 0, /* not reachable */
    GEN_RECORD,   /* struct with one member per field */
    GEN_VARIANT,  /* struct { enum tag; union u } */
    GEN_OPT,      /* struct { bool has; T value; }, or { T *value; } when boxed */
    GEN_VEC,      /* struct { T *data; size_t len; } */
    GEN_BLOB,     /* vec nat8: candid_gen_blob */
    GEN_FUNC,     /* candid_gen_func */
    GEN_SERVICE,  /* candid_gen_principal */
    GEN_OTHER     /* a future type (never in a .did): kept in the environment only */
};

/* One per node of the parsed environment. Struct kinds (record, variant, opt, vec) have cname. */
typedef struct gen_node {
    int repr;          /* enum gen_repr */
    char *cname;       /* C type name (struct kinds), else NULL */
    int32_t index;     /* index in the generated static environment, -1 if unreachable */
    char **members;    /* record/variant: C member name per field */
    char **consts;     /* variant: enum constant per case */
    uint8_t *boxed;    /* record/variant: the field is held through a pointer */
    uint8_t opt_boxed; /* opt: the value is held through a pointer */
    int scc;           /* strongly connected component of the by-value containment graph */
    int low, order;    /* Tarjan bookkeeping (order 0: not visited yet) */
    uint8_t on_stack, defined;
    uint8_t shared;  /* opt/vec named by its shape (<prefix>_opt_nat), maybe with others */
    int32_t same_as; /* -1, or the env index of the node whose C type and functions it uses */
} gen_node;

/* A method of the main service with the C names of its stub and tuples. */
typedef struct gen_method {
    const candid_method *m;
    const candid_type *fn; /* its func node */
    char *fname;           /* the stub: <prefix>_<method> */
    char *in, *out;        /* tuple structs <fname>_in / <fname>_out */
    char *reply;           /* <fname>_reply: the value of the stub's future */
    char **in_members, **out_members;
} gen_method;

/* A tuple of types with C member names (method arguments and results, init arguments). */
typedef struct gen_tuple {
    const char *cname;
    const candid_tref *types;
    char **members;
    uint32_t n;
} gen_tuple;

typedef struct gen {
    const candid_env *e;
    const char *prefix;      /* C prefix of every generated name */
    const char *base;        /* output file base name */
    const char *source;      /* .did path, for the comments */
    const char *methods_opt; /* --methods list as given (for the comments), or NULL */
    const char *include;     /* what the source #includes: <base>.h or --include */
    const char *source_name; /* the source's file name: <base>.c or --source */
    candid_arena arena;      /* every string and array of the generator */
    gen_node *nodes;         /* one per env node */
    int32_t nreach;          /* reachable nodes (size of the static environment) */
    int32_t *reach;          /* env index of each static environment entry, in order */
    char **defnames;         /* C name per definition of e */
    gen_method *methods;
    uint32_t nmethods;
    gen_tuple init; /* service constructor arguments (init.cname NULL when none) */
    char **names;   /* every global identifier used, for collision checks */
    uint32_t nnames, capnames;
    int clock;       /* Tarjan */
    int32_t *stack;  /* Tarjan */
    int32_t nstack;  /* Tarjan */
    int nscc;        /* Tarjan */
    int oom;         /* an allocation failed */
    int bignum;      /* --bignum: nat and int are candid_bignum, not 64-bit */
    candid_buf *out; /* the file being written */
    int32_t *map;    /* env index -> index in the static environment being written, or -1 */
    int32_t *order;  /* env indexes of that environment's nodes, in order */
    int32_t norder;
    int indent; /* extra spaces in front of every line w() writes (nested blocks) */
    int mid;    /* w() stopped in the middle of a line */
} gen;

/* Zeroed memory from the generator's arena; NULL (and g->oom set) when malloc fails. */
static void *gen_alloc(gen *g, size_t n)
{
    void *p = candid_arena_alloc(&g->arena, n ? n : 1);
    if (!p)
        g->oom = 1;
    else
        memset(p, 0, n ? n : 1);
    return p;
}

static char *gen_printf(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *gen_printf(gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n < 0 ? NULL : gen_alloc(g, (size_t)n + 1);
    if (!s)
        return "";
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Appends n bytes to the file, with g->indent spaces at the start of each line. */
static void put_text(gen *g, const char *p, size_t n)
{
    static const char spaces[] = "                ";
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) + 1 : n;
        if (!g->mid && g->indent && k > 1)
            candid_buf_append(g->out, spaces,
                              (size_t)g->indent < sizeof spaces - 1 ? (size_t)g->indent
                                                                    : sizeof spaces - 1);
        candid_buf_append(g->out, p, k);
        g->mid = !nl;
        p += k;
        n -= k;
    }
}

/* Appends formatted text to the file being written. */
static void w(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void w(gen *g, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        g->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        put_text(g, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        g->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    put_text(g, big, (size_t)n);
    free(big);
}

/* ------------------------------------------------------------------------------------------ */
/* Identifiers                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static const char *const c_reserved[] = {
    "auto",         "break",     "case",           "char",
    "const",        "continue",  "default",        "do",
    "double",       "else",      "enum",           "extern",
    "float",        "for",       "goto",           "if",
    "inline",       "int",       "long",           "register",
    "restrict",     "return",    "short",          "signed",
    "sizeof",       "static",    "struct",         "switch",
    "typedef",      "union",     "unsigned",       "void",
    "volatile",     "while",     "_Alignas",       "_Alignof",
    "_Atomic",      "_Bool",     "_Complex",       "_Generic",
    "_Imaginary",   "_Noreturn", "_Static_assert", "_Thread_local",
    "bool",         "true",      "false",          "NULL",
    "alignas",      "alignof",   "noreturn",       "static_assert",
    "thread_local", "asm",
};

/* `s` made a C identifier: every byte outside [A-Za-z0-9_] becomes '_', a leading digit gets a
 * '_' in front, C keywords and common macros get a '_' appended. */
static char *c_ident(gen *g, const char *s, size_t n)
{
    char *r = gen_alloc(g, n + 3);
    if (!r)
        return "_";
    size_t k = 0;
    if (n == 0 || isdigit((unsigned char)s[0]))
        r[k++] = '_';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        r[k++] = (isalnum(c) && c < 0x80) || c == '_' ? (char)c : '_';
    }
    r[k] = 0;
    for (size_t i = 0; i < sizeof c_reserved / sizeof *c_reserved; i++)
        if (!strcmp(r, c_reserved[i])) {
            r[k++] = '_';
            r[k] = 0;
        }
    return r;
}

/* An upper-case copy of s (for enum constants). */
static char *upper(gen *g, const char *s)
{
    char *r = gen_printf(g, "%s", s);
    for (char *p = r; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return r;
}

/* 1 when the global identifier s is taken. A linear scan: a few thousand names at most. */
static int name_used(const gen *g, const char *s)
{
    for (uint32_t i = 0; i < g->nnames; i++)
        if (!strcmp(g->names[i], s))
            return 1;
    return 0;
}

/* Marks the global identifier s as taken (the string must live in the arena). */
static void name_add(gen *g, char *s)
{
    if (g->nnames == g->capnames) {
        uint32_t cap = g->capnames ? g->capnames * 2 : 256;
        char **nn = realloc(g->names, cap * sizeof *nn);
        if (!nn) {
            g->oom = 1;
            return;
        }
        g->names = nn;
        g->capnames = cap;
    }
    g->names[g->nnames++] = s;
}

/* The suffixes the generator appends to a type name or a method name. A name is taken only when
 * it and every derived name are free, so derived names never collide either. */
static const char *const type_suffixes[] = {"",        "_declare", "_write", "_read",
                                            "_encode", "_decode",  "_tag"};
static const char *const method_suffixes[] = {
    "",           "_with",      "_in",        "_out",      "_reply",      "_in_write",   "_in_read",
    "_in_encode", "_in_decode", "_out_write", "_out_read", "_out_encode", "_out_decode", "_in_args",
    "_out_reply", "_in_take",   "_in_types",  "_in_from"};

/* A unique global name `want` (or want_2, want_3, ...) given the suffixes it will carry. */
static char *unique_name(gen *g, const char *want, const char *const *suffixes, size_t nsuf)
{
    for (unsigned k = 1;; k++) {
        char *base = k == 1 ? gen_printf(g, "%s", want) : gen_printf(g, "%s_%u", want, k);
        int free_all = 1;
        for (size_t i = 0; i < nsuf && free_all; i++) {
            char *full = gen_printf(g, "%s%s", base, suffixes[i]);
            if (name_used(g, full))
                free_all = 0;
        }
        if (free_all || g->oom) {
            for (size_t i = 0; i < nsuf; i++)
                name_add(g, gen_printf(g, "%s%s", base, suffixes[i]));
            return base;
        }
    }
}

/* A unique name for a type: `want`, or `want_type` (then _type_2, ...) when a method or another
 * type already has it. */
static char *type_name(gen *g, const char *want)
{
    size_t n = sizeof type_suffixes / sizeof *type_suffixes;
    for (size_t i = 0; i < n; i++)
        if (name_used(g, gen_printf(g, "%s%s", want, type_suffixes[i])))
            return unique_name(g, gen_printf(g, "%s_type", want), type_suffixes, n);
    return unique_name(g, want, type_suffixes, n);
}

/* Member names for the fields of a record or variant (or a tuple): the field name made an
 * identifier, `_<id>` for a field given by number, made unique inside the struct. */
static char **member_names(gen *g, const candid_field *f, uint32_t n, const char *const *names,
                           const char *fallback)
{
    char **m = gen_alloc(g, (n ? n : 1) * sizeof *m);
    if (!m)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        const char *src = f ? f[i].name : (names ? names[i] : NULL);
        if (src)
            m[i] = c_ident(g, src, strlen(src));
        else if (f)
            m[i] = gen_printf(g, "_%lu", (unsigned long)f[i].id);
        else
            m[i] = gen_printf(g, "%s%lu", fallback, (unsigned long)i);
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(m[i], m[j])) {
                m[i] = gen_printf(g, "%s_%lu", m[i], (unsigned long)(f ? f[i].id : i));
                j = (uint32_t)-1; /* check again from the start */
            }
    }
    return m;
}

/* ------------------------------------------------------------------------------------------ */
/* Analysis                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static const candid_type *node_of(const gen *g, candid_tref t)
{
    return candid_env_node(g->e, t);
}

/* Marks `t` and everything it references as reachable, in depth-first order. */
static void reach(gen *g, candid_tref t)
{
    const candid_type *n = node_of(g, t);
    if (!n || g->nodes[t].index >= 0)
        return;
    gen_node *gn = &g->nodes[t];
    gn->index = g->nreach;
    g->reach[g->nreach++] = t;
    switch (n->kind) {
    case CANDID_OPT:
        gn->repr = GEN_OPT;
        reach(g, n->u.inner);
        break;
    case CANDID_VEC:
        gn->repr = n->u.inner == CANDID_NAT8 ? GEN_BLOB : GEN_VEC;
        reach(g, n->u.inner);
        break;
    case CANDID_RECORD:
    case CANDID_VARIANT:
        gn->repr = n->kind == CANDID_RECORD ? GEN_RECORD : GEN_VARIANT;
        gn->boxed = gen_alloc(g, n->u.rec.n ? n->u.rec.n : 1);
        for (uint32_t i = 0; i < n->u.rec.n; i++)
            reach(g, n->u.rec.fields[i].type);
        break;
    case CANDID_FUNC:
        gn->repr = GEN_FUNC;
        for (uint32_t i = 0; i < n->u.func.nargs; i++)
            reach(g, n->u.func.args[i]);
        for (uint32_t i = 0; i < n->u.func.nrets; i++)
            reach(g, n->u.func.rets[i]);
        break;
    case CANDID_SERVICE:
        gn->repr = GEN_SERVICE;
        for (uint32_t i = 0; i < n->u.svc.n; i++)
            reach(g, n->u.svc.methods[i].type);
        break;
    default:
        gn->repr = GEN_OTHER;
        break;
    }
}

/* Whether a node is held as a struct of its own in C. */
static int is_struct(int repr)
{
    return repr == GEN_RECORD || repr == GEN_VARIANT || repr == GEN_OPT || repr == GEN_VEC;
}

/* The by-value children of a struct node: record fields, variant payloads, an opt's value. A
 * vec holds its elements through a pointer, so it has none. Calls fn for each child index. */
static void by_value_children(gen *g, candid_tref t,
                              void (*fn)(gen *, candid_tref, candid_tref, uint32_t))
{
    const candid_type *n = node_of(g, t);
    int r = g->nodes[t].repr;
    if (r == GEN_OPT) {
        if (node_of(g, n->u.inner) && is_struct(g->nodes[n->u.inner].repr))
            fn(g, t, n->u.inner, 0);
    } else if (r == GEN_RECORD || r == GEN_VARIANT) {
        for (uint32_t i = 0; i < n->u.rec.n; i++) {
            candid_tref c = n->u.rec.fields[i].type;
            if (node_of(g, c) && is_struct(g->nodes[c].repr))
                fn(g, t, c, i);
        }
    }
}

static void tarjan(gen *g, candid_tref t);

/* One edge of Tarjan's depth-first search (by_value_children callback). */
static void tarjan_edge(gen *g, candid_tref from, candid_tref to, uint32_t i)
{
    (void)i;
    gen_node *a = &g->nodes[from], *b = &g->nodes[to];
    if (!b->order) {
        tarjan(g, to);
        if (b->low < a->low)
            a->low = b->low;
    } else if (b->on_stack && b->order < a->low) {
        a->low = b->order;
    }
}

/* Tarjan's strongly connected components over the by-value containment graph. */
static void tarjan(gen *g, candid_tref t)
{
    gen_node *n = &g->nodes[t];
    n->order = n->low = ++g->clock;
    g->stack[g->nstack++] = t;
    n->on_stack = 1;
    by_value_children(g, t, tarjan_edge);
    if (n->low == n->order) {
        int id = ++g->nscc;
        candid_tref m;
        do {
            m = g->stack[--g->nstack];
            g->nodes[m].on_stack = 0;
            g->nodes[m].scc = id;
        } while (m != t);
    }
}

/* An edge inside one component (a self-loop included) is held through a pointer. */
static void box_edge(gen *g, candid_tref from, candid_tref to, uint32_t i)
{
    if (g->nodes[from].scc != g->nodes[to].scc)
        return;
    if (g->nodes[from].repr == GEN_OPT)
        g->nodes[from].opt_boxed = 1;
    else
        g->nodes[from].boxed[i] = 1;
}

static void name_node(gen *g, candid_tref t, const char *want, int is_def);
static const char *ctype(const gen *g, candid_tref t);

/* Names the anonymous nodes under node t (named `base`) by their path. */
static void name_children(gen *g, candid_tref t, const char *base)
{
    const candid_type *n = node_of(g, t);
    switch (n->kind) {
    case CANDID_OPT:
        name_node(g, n->u.inner, gen_printf(g, "%s_some", base), 0);
        break;
    case CANDID_VEC:
        name_node(g, n->u.inner, gen_printf(g, "%s_item", base), 0);
        break;
    case CANDID_RECORD:
    case CANDID_VARIANT:
        for (uint32_t i = 0; i < n->u.rec.n; i++)
            name_node(g, n->u.rec.fields[i].type,
                      gen_printf(g, "%s_%s", base, g->nodes[t].members[i]), 0);
        break;
    case CANDID_FUNC:
        for (uint32_t i = 0; i < n->u.func.nargs; i++)
            name_node(g, n->u.func.args[i], gen_printf(g, "%s_arg%lu", base, (unsigned long)i), 0);
        for (uint32_t i = 0; i < n->u.func.nrets; i++)
            name_node(g, n->u.func.rets[i], gen_printf(g, "%s_ret%lu", base, (unsigned long)i), 0);
        break;
    case CANDID_SERVICE:
        for (uint32_t i = 0; i < n->u.svc.n; i++) {
            const candid_method *m = &n->u.svc.methods[i];
            name_node(g, m->type, gen_printf(g, "%s_%s", base, c_ident(g, m->name, m->name_len)),
                      0);
        }
        break;
    default:
        break;
    }
}

/* Gives node t the C name `want` (made unique) unless it has one, then names its children. A
 * node that a definition introduced is named by that definition (is_def), not by a path. */
/* The short name of a type in a shape name: a keyword, blob/func/principal, or a named
 * node's C name without the prefix. NULL when t has no stable name (an anonymous record). */
static const char *shape_part(gen *g, candid_tref t)
{
    if (t < 0)
        return candid_kind_name((candid_kind)t);
    gen_node *c = &g->nodes[t];
    size_t np = strlen(g->prefix);
    switch (c->repr) {
    case GEN_BLOB:
        return "blob";
    case GEN_FUNC:
        return "func";
    case GEN_SERVICE:
        return "principal";
    default:
        if (!c->cname || (!c->shared && !node_of(g, t)->name))
            return NULL;
        return !strncmp(c->cname, g->prefix, np) && c->cname[np] == '_' ? c->cname + np + 1
                                                                        : c->cname;
    }
}

/* An anonymous opt or vec of a type with a stable name is named by its shape, and every node of
 * the same C shape shares that C type and its functions: one <prefix>_opt_nat for all `opt nat`
 * fields. The shape is only what C sees (the Candid types may differ, e.g. two service types),
 * which is all the value readers and writers depend on. Returns 1 when t was named so. */
static int name_by_shape(gen *g, candid_tref t)
{
    gen_node *gn = &g->nodes[t];
    const candid_type *n = node_of(g, t);
    if ((gn->repr != GEN_OPT && gn->repr != GEN_VEC) || gn->opt_boxed)
        return 0;
    const char *part = shape_part(g, n->u.inner);
    if (!part)
        return 0;
    char *want = gen_printf(g, "%s_%s_%s", g->prefix, gn->repr == GEN_OPT ? "opt" : "vec", part);
    const char *inner_c = ctype(g, n->u.inner);
    for (int32_t k = 0; k < g->nreach; k++) {
        gen_node *o = &g->nodes[g->reach[k]];
        if (o != gn && o->shared && o->same_as < 0 && o->repr == gn->repr &&
            !strcmp(o->cname, want) &&
            !strcmp(ctype(g, node_of(g, g->reach[k])->u.inner), inner_c)) {
            gn->cname = o->cname;
            gn->same_as = g->reach[k];
            gn->shared = 1;
            return 1;
        }
    }
    gn->cname = type_name(g, want);
    gn->shared = 1;
    return 1;
}

/* (Declared above: names node t `want` unless named, then its children by path.) */
static void name_node(gen *g, candid_tref t, const char *want, int is_def)
{
    const candid_type *n = node_of(g, t);
    if (!n || g->nodes[t].order < 0 || g->oom || (n->name && !is_def))
        return;
    gen_node *gn = &g->nodes[t];
    gn->order = -1; /* visited for naming (Tarjan is done with `order`) */
    if (!is_def && (gn->repr == GEN_OPT || gn->repr == GEN_VEC) && !gn->opt_boxed) {
        /* name the element first: the shape name is made of it */
        name_children(g, t, want);
        if (!name_by_shape(g, t))
            gn->cname = type_name(g, want);
        return;
    }
    if (is_struct(gn->repr))
        gn->cname = type_name(g, want);
    if (gn->repr == GEN_RECORD || gn->repr == GEN_VARIANT) {
        gn->members = member_names(g, n->u.rec.fields, n->u.rec.n, NULL, NULL);
        if (gn->repr == GEN_VARIANT) {
            gn->consts = gen_alloc(g, (n->u.rec.n ? n->u.rec.n : 1) * sizeof *gn->consts);
            for (uint32_t i = 0; gn->consts && i < n->u.rec.n; i++) {
                const char *const none[] = {""};
                gn->consts[i] = unique_name(
                    g, upper(g, gen_printf(g, "%s_%s", gn->cname, gn->members[i])), none, 1);
            }
        }
    }
    name_children(g, t, gn->cname ? gn->cname : want);
}

/* Names a tuple's members (from the .did's argument names or fallback0, 1, ...) and the
 * anonymous nodes of its types (<tuple>_<member>). */
static void name_tuple(gen *g, gen_tuple *tp, const char *cname, const candid_tref *types,
                       const char *const *names, uint32_t n, const char *fallback)
{
    tp->cname = cname;
    tp->types = types;
    tp->n = n;
    tp->members = member_names(g, NULL, n, names, fallback);
    for (uint32_t i = 0; i < n; i++)
        name_node(g, types[i], gen_printf(g, "%s_%s", cname, tp->members[i]), 0);
}

/* Step 3 of the file comment: method stubs first (a type that collides with one gets `_type`),
 * then the definitions, then the anonymous nodes of the method tuples, the constructor, and any
 * node left. */
static void name_all(gen *g)
{
    const candid_env *e = g->e;
    const candid_type *svc = node_of(g, e->actor);
    g->nmethods = svc && svc->kind == CANDID_SERVICE ? svc->u.svc.n : 0;
    g->methods = gen_alloc(g, (g->nmethods ? g->nmethods : 1) * sizeof *g->methods);
    for (uint32_t i = 0; !g->oom && i < g->nmethods; i++) {
        gen_method *gm = &g->methods[i];
        gm->m = &svc->u.svc.methods[i];
        gm->fn = node_of(g, gm->m->type);
        gm->fname = unique_name(
            g, gen_printf(g, "%s_%s", g->prefix, c_ident(g, gm->m->name, gm->m->name_len)),
            method_suffixes, sizeof method_suffixes / sizeof *method_suffixes);
        gm->in = gen_printf(g, "%s_in", gm->fname);
        gm->out = gen_printf(g, "%s_out", gm->fname);
        gm->reply = gen_printf(g, "%s_reply", gm->fname);
    }
    for (uint32_t i = 0; i < e->ndefs; i++) {
        const candid_def *d = &e->defs[i];
        char *want = gen_printf(g, "%s_%s", g->prefix, c_ident(g, d->name, strlen(d->name)));
        const candid_type *n = node_of(g, d->type);
        if (n && n->name && !strcmp(n->name, d->name) && !g->nodes[d->type].cname &&
            is_struct(g->nodes[d->type].repr)) {
            name_node(g, d->type, want, 1);
            g->defnames[i] = g->nodes[d->type].cname;
        } else {
            g->defnames[i] = type_name(g, want);
            if (n && (!n->name || !strcmp(n->name, d->name)))
                name_node(g, d->type, g->defnames[i], 1);
        }
    }
    for (uint32_t i = 0; !g->oom && i < g->nmethods; i++) {
        gen_method *gm = &g->methods[i];
        gen_tuple tin, tout;
        name_tuple(g, &tin, gm->in, gm->fn->u.func.args, gm->fn->u.func.arg_names,
                   gm->fn->u.func.nargs, "arg");
        name_tuple(g, &tout, gm->out, gm->fn->u.func.rets, gm->fn->u.func.ret_names,
                   gm->fn->u.func.nrets, "ret");
        gm->in_members = tin.members;
        gm->out_members = tout.members;
    }
    if (e->has_init) {
        const char *const suf[] = {"", "_write", "_read", "_encode", "_decode"};
        char *nm = unique_name(g, gen_printf(g, "%s_init", g->prefix), suf, 5);
        name_tuple(g, &g->init, nm, e->init_args, NULL, e->ninit_args, "arg");
    }
    for (int32_t i = 0; i < g->nreach; i++)
        name_node(g, g->reach[i], gen_printf(g, "%s_type%ld", g->prefix, (long)i), 1);
}

/* Runs steps 1-3 of the file comment. Returns 0, or 1 when memory ran out. */
static int analyse(gen *g)
{
    const candid_env *e = g->e;
    uint32_t nt = e->ntypes;
    g->nodes = gen_alloc(g, (nt ? nt : 1) * sizeof *g->nodes);
    g->reach = gen_alloc(g, (nt ? nt : 1) * sizeof *g->reach);
    g->stack = gen_alloc(g, (nt ? nt : 1) * sizeof *g->stack);
    g->map = gen_alloc(g, (nt ? nt : 1) * sizeof *g->map);
    g->order = gen_alloc(g, (nt ? nt : 1) * sizeof *g->order);
    g->defnames = gen_alloc(g, (e->ndefs ? e->ndefs : 1) * sizeof *g->defnames);
    if (g->oom)
        return 1;
    for (uint32_t i = 0; i < nt; i++) {
        g->nodes[i].index = -1;
        g->nodes[i].same_as = -1;
    }
    /* 1. reachability */
    for (uint32_t i = 0; i < e->ndefs; i++)
        reach(g, e->defs[i].type);
    if (e->actor != CANDID_NO_TYPE)
        reach(g, e->actor);
    for (uint32_t i = 0; i < e->ninit_args; i++)
        reach(g, e->init_args[i]);
    if (g->oom)
        return 1;
    /* 2. recursion */
    for (int32_t i = 0; i < g->nreach; i++)
        if (is_struct(g->nodes[g->reach[i]].repr) && !g->nodes[g->reach[i]].order)
            tarjan(g, g->reach[i]);
    for (int32_t i = 0; i < g->nreach; i++)
        if (is_struct(g->nodes[g->reach[i]].repr))
            by_value_children(g, g->reach[i], box_edge);
    name_all(g);
    return g->oom;
}

/* ------------------------------------------------------------------------------------------ */
/* C types and code snippets                                                                   */
/* ------------------------------------------------------------------------------------------ */

static const char *prim_ctype(candid_tref t)
{
    switch (t) {
    case CANDID_NULL:
    case CANDID_RESERVED:
    case CANDID_EMPTY:
        return "candid_gen_unit";
    case CANDID_BOOL:
        return "bool";
    case CANDID_NAT:
    case CANDID_NAT64:
        return "uint64_t";
    case CANDID_INT:
    case CANDID_INT64:
        return "int64_t";
    case CANDID_NAT8:
        return "uint8_t";
    case CANDID_NAT16:
        return "uint16_t";
    case CANDID_NAT32:
        return "uint32_t";
    case CANDID_INT8:
        return "int8_t";
    case CANDID_INT16:
        return "int16_t";
    case CANDID_INT32:
        return "int32_t";
    case CANDID_FLOAT32:
        return "float";
    case CANDID_FLOAT64:
        return "double";
    case CANDID_TEXT:
        return "candid_gen_text";
    case CANDID_PRINCIPAL:
        return "candid_gen_principal";
    default:
        return "candid_gen_unit";
    }
}

/* The C type of a type reference. */
static const char *ctype(const gen *g, candid_tref t)
{
    if (g->bignum && (t == CANDID_NAT || t == CANDID_INT))
        return "candid_bignum";
    if (t < 0)
        return prim_ctype(t);
    const gen_node *n = &g->nodes[t];
    switch (n->repr) {
    case GEN_BLOB:
        return "candid_gen_blob";
    case GEN_FUNC:
        return "candid_gen_func";
    case GEN_SERVICE:
        return "candid_gen_principal";
    case GEN_OTHER:
        return "candid_gen_unit";
    default:
        return n->cname;
    }
}

/* The static environment's reference for t: a primitive's opcode name or the dense index. */
static const char *tref_text(gen *g, candid_tref t)
{
    if (t >= 0)
        return gen_printf(g, "%ld", (long)g->map[t]);
    const char *kw = candid_kind_name((candid_kind)t);
    return kw ? upper(g, gen_printf(g, "CANDID_%s", kw)) : gen_printf(g, "%ld", (long)t);
}

/*
 * Writes the statements that encode the value `x` (a C lvalue of t's type, or a pointer to it
 * when `boxed`) with the writer `enc`; `what` names the place in error messages.
 */
static void write_stmt(gen *g, candid_tref t, const char *x, int boxed, const char *what)
{
    const char *call = NULL;
    if (boxed) {
        w(g, "    if (!%s)\n        return candid_gen__null_ptr(err, \"%s\");\n", x, what);
        x = gen_printf(g, "(*%s)", x);
    }
    switch (t) {
    case CANDID_NULL:
    case CANDID_RESERVED:
        return;
    case CANDID_EMPTY:
        w(g, "    return candid_gen__empty(err, \"%s\");\n", what);
        return;
    case CANDID_BOOL:
        call = gen_printf(g, "candid_enc_bool(enc, %s)", x);
        break;
    case CANDID_NAT:
    case CANDID_INT:
        if (g->bignum)
            call = gen_printf(g, "candid_enc_bignum(enc, &%s, %d)", x, t == CANDID_INT);
        else
            call = gen_printf(g, "candid_enc_%s(enc, %s)", t == CANDID_INT ? "int" : "nat", x);
        break;
    case CANDID_TEXT:
        call = gen_printf(g, "candid_gen__w_text(enc, &%s)", x);
        break;
    case CANDID_PRINCIPAL:
        call = gen_printf(g, "candid_gen__w_principal(enc, &%s)", x);
        break;
    default:
        if (t < 0) { /* fixed-size numbers: candid_enc_nat8 ... candid_enc_float64 */
            call = gen_printf(g, "candid_enc_%s(enc, %s)", candid_kind_name((candid_kind)t), x);
            break;
        }
        switch (g->nodes[t].repr) {
        case GEN_BLOB:
            call = gen_printf(g, "candid_gen__w_blob(enc, &%s)", x);
            break;
        case GEN_FUNC:
            call = gen_printf(g, "candid_gen__w_func(enc, &%s)", x);
            break;
        case GEN_SERVICE:
            call = gen_printf(g, "candid_gen__w_principal(enc, &%s)", x);
            break;
        case GEN_OTHER:
            w(g, "    return candid_gen__empty(err, \"%s\");\n", what);
            return;
        default:
            call = gen_printf(g, "%s__w(enc, &%s, err)", g->nodes[t].cname, x);
            break;
        }
    }
    w(g, "    if ((rc = %s))\n        return rc;\n", call);
}

/* The member of candid_value.u that holds a fixed-size number of type t (nat8 .. int64,
 * float32, float64), or NULL for any other type. */
static const char *number_member(candid_tref t)
{
    switch (t) {
    case CANDID_NAT8:
    case CANDID_NAT16:
    case CANDID_NAT32:
    case CANDID_NAT64:
        return "u64";
    case CANDID_INT8:
    case CANDID_INT16:
    case CANDID_INT32:
    case CANDID_INT64:
        return "i64";
    case CANDID_FLOAT32:
        return "f32";
    case CANDID_FLOAT64:
        return "f64";
    default:
        return NULL;
    }
}

/*
 * Writes the statements that read the value tree `v` (an expression of type const
 * candid_value *) of type t into the lvalue `x` (a pointer to allocate in arena `a` when boxed).
 */
static void read_stmt(gen *g, candid_tref t, const char *v, const char *x, int boxed,
                      const char *what)
{
    if (boxed) {
        w(g,
          "    if (!(%s = candid_arena_alloc(rd->a, sizeof *%s)))\n"
          "        return candid_gen__nomem(err);\n",
          x, x);
        x = gen_printf(g, "(*%s)", x);
    }
    const char *call = NULL;
    switch (t) {
    case CANDID_NULL:
    case CANDID_RESERVED:
        w(g, "    %s = 0;\n", x);
        return;
    case CANDID_BOOL:
        w(g, "    %s = %s->u.b != 0;\n", x, v);
        return;
    case CANDID_NAT:
    case CANDID_INT:
        if (g->bignum)
            call = gen_printf(g, "candid_gen__r_bignum(%s, rd, &%s, err)", v, x);
        else
            call = gen_printf(g, "candid_gen__r_%s(%s, &%s, err, \"%s\")",
                              t == CANDID_INT ? "int" : "nat", v, x, what);
        break;
    case CANDID_TEXT:
        call = gen_printf(g, "candid_gen__r_text(%s, rd, &%s, err)", v, x);
        break;
    case CANDID_PRINCIPAL:
        call = gen_printf(g, "candid_gen__r_principal(%s, &%s, err)", v, x);
        break;
    default:
        if (t < 0 && number_member(t)) { /* fixed-size numbers: a cast of the value's member */
            w(g, "    %s = (%s)%s->u.%s;\n", x, prim_ctype(t), v, number_member(t));
            return;
        }
        if (t < 0) { /* empty: the decoder never produces a value of it */
            w(g, "    return candid_gen__empty(err, \"%s\");\n", what);
            return;
        }
        switch (g->nodes[t].repr) {
        case GEN_BLOB:
            call = gen_printf(g, "candid_gen__r_blob(%s, rd, &%s, err)", v, x);
            break;
        case GEN_FUNC:
            call = gen_printf(g, "candid_gen__r_func(%s, rd, &%s, err)", v, x);
            break;
        case GEN_SERVICE:
            call = gen_printf(g, "candid_gen__r_principal(%s, &%s, err)", v, x);
            break;
        case GEN_OTHER:
            w(g, "    return candid_gen__empty(err, \"%s\");\n", what);
            return;
        default:
            call = gen_printf(g, "%s__r(%s, rd, &%s, err)", g->nodes[t].cname, v, x);
            break;
        }
    }
    w(g, "    if ((rc = %s))\n        return rc;\n", call);
}

/* A C string literal for `s` (n bytes): printable ASCII as is, every other byte as an octal
 * escape, so names with any UTF-8 in them survive. */
static const char *c_string(gen *g, const char *s, size_t n)
{
    if (!s)
        return "NULL";
    char *r = gen_alloc(g, n * 4 + 3);
    if (!r)
        return "\"\"";
    size_t k = 0;
    r[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?')
            r[k++] = (char)c;
        else
            k += (size_t)sprintf(r + k, "\\%03o", c);
    }
    r[k++] = '"';
    r[k] = 0;
    return r;
}

/* A variant case or record field whose type carries no data gets no union member. */
static int has_data(candid_tref t)
{
    return t != CANDID_NULL && t != CANDID_RESERVED && t != CANDID_EMPTY;
}

/* ---- the header --------------------------------------------------------------------------- */

static const char common_types[] =
    "#ifndef CANDID_GEN_COMMON_TYPES\n"
    "#define CANDID_GEN_COMMON_TYPES\n"
    "/* The C types shared by every generated binding (docs/candid-gen.md, \"The mapping\"). */\n"
    "typedef uint8_t candid_gen_unit; /* null, reserved, empty: always 0 */\n"
    "typedef struct candid_gen_text {\n"
    "    const char *data; /* UTF-8; NUL-terminated after len when decoded */\n"
    "    size_t len;\n"
    "} candid_gen_text;\n"
    "typedef struct candid_gen_blob {\n"
    "    const uint8_t *data; /* vec nat8 / blob */\n"
    "    size_t len;\n"
    "} candid_gen_blob;\n"
    "typedef struct candid_gen_principal {\n"
    "    uint8_t len; /* 0..29; also a service reference */\n"
    "    uint8_t bytes[CANDID_PRINCIPAL_MAX];\n"
    "} candid_gen_principal;\n"
    "typedef struct candid_gen_func {\n"
    "    candid_gen_principal principal; /* the service */\n"
    "    candid_gen_text method;\n"
    "} candid_gen_func;\n"
    "#endif\n\n";

/* Emits the definition of struct node t after the structs it holds by value. */
static void define_struct(gen *g, candid_tref t);

/* A struct held in place by another must be defined first (by_value_children callback);
 * pointer edges (inside one component) need only the forward typedef. */
static void define_child(gen *g, candid_tref from, candid_tref to, uint32_t i)
{
    (void)i;
    if (g->nodes[from].scc != g->nodes[to].scc)
        define_struct(g, to);
}

/* (Declared above.) A node that shares another's C type defines that one. */
static void define_struct(gen *g, candid_tref t)
{
    if (g->nodes[t].same_as >= 0)
        t = g->nodes[t].same_as;
    gen_node *gn = &g->nodes[t];
    if (gn->defined)
        return;
    gn->defined = 1;
    by_value_children(g, t, define_child);
    const candid_type *n = node_of(g, t);
    const char *name = gn->cname;
    switch (gn->repr) {
    case GEN_RECORD:
        w(g, "struct %s { /* record%s */\n", name, n->u.rec.tuple ? " (tuple)" : "");
        for (uint32_t i = 0; i < n->u.rec.n; i++) {
            const candid_field *f = &n->u.rec.fields[i];
            w(g, "    %s %s%s; /* %s%s%s (id %lu) */\n", ctype(g, f->type), gn->boxed[i] ? "*" : "",
              gn->members[i], f->name ? "`" : "", f->name ? f->name : "field", f->name ? "`" : "",
              (unsigned long)f->id);
        }
        if (!n->u.rec.n)
            w(g, "    candid_gen_unit unused; /* record {} */\n");
        w(g, "};\n\n");
        break;
    case GEN_VARIANT: {
        int payloads = 0;
        if (n->u.rec.n) {
            w(g, "typedef enum %s_tag {\n", name);
            for (uint32_t i = 0; i < n->u.rec.n; i++) {
                const candid_field *f = &n->u.rec.fields[i];
                w(g, "    %s = %lu, /* %s (id %lu) */\n", gn->consts[i], (unsigned long)i,
                  f->name ? f->name : "case", (unsigned long)f->id);
                payloads += has_data(f->type);
            }
            w(g, "} %s_tag;\n", name);
        } else {
            w(g, "typedef uint32_t %s_tag; /* variant {}: no value exists */\n", name);
        }
        w(g, "struct %s { /* variant */\n    %s_tag tag;\n", name, name);
        if (payloads) {
            w(g, "    union {\n");
            for (uint32_t i = 0; i < n->u.rec.n; i++)
                if (has_data(n->u.rec.fields[i].type))
                    w(g, "        %s %s%s; /* when tag == %s */\n",
                      ctype(g, n->u.rec.fields[i].type), gn->boxed[i] ? "*" : "", gn->members[i],
                      gn->consts[i]);
            w(g, "    } u;\n");
        }
        w(g, "};\n\n");
        break;
    }
    case GEN_OPT:
        if (gn->opt_boxed)
            w(g, "struct %s { /* opt, recursive: NULL is null */\n    %s *value;\n};\n\n", name,
              ctype(g, n->u.inner));
        else
            w(g, "struct %s { /* opt */\n    bool has;\n    %s value; /* when has */\n};\n\n", name,
              ctype(g, n->u.inner));
        break;
    case GEN_VEC:
        w(g, "struct %s { /* vec */\n    %s *data;\n    size_t len;\n};\n\n", name,
          ctype(g, n->u.inner));
        break;
    default:
        break;
    }
}

/* The struct of a method's argument or result tuple (a placeholder member when empty: C has
 * no empty structs). */
static void emit_tuple_struct(gen *g, const char *name, const candid_tref *types, char **members,
                              uint32_t n, const char *what)
{
    w(g, "typedef struct %s { /* %s */\n", name, what);
    for (uint32_t i = 0; i < n; i++)
        w(g, "    %s %s;\n", ctype(g, types[i]), members[i]);
    if (!n)
        w(g, "    candid_gen_unit unused; /* () */\n");
    w(g, "} %s;\n\n", name);
}

/* The declarations of _write, _read, _encode and _decode of definition or tuple t. */
static void emit_tuple_protos(gen *g, const char *t)
{
    w(g, "int %s_write(candid_enc *enc, const %s *v, candid_error *err);\n", t, t);
    w(g, "int %s_read(candid_dec *d, candid_arena *a, %s *out);\n", t, t);
    w(g, "int %s_encode(const %s *v, candid_buf *out, candid_error *err);\n", t, t);
    w(g,
      "int %s_decode(const uint8_t *buf, size_t len, candid_arena *a, %s *out,\n"
      "    candid_error *err);\n\n",
      t, t);
}

/* A oneway method: its stubs send and return at once. */
static int is_oneway(const gen_method *gm)
{
    return (gm->fn->u.func.ann & CANDID_ANN_ONEWAY) != 0;
}

/* The header's types: forward typedefs, definitions' typedefs, structs in dependency order and
 * the method tuples. */
static void emit_header_types(gen *g)
{
    const candid_env *e = g->e;
    w(g, "/* ---- types ---- */\n\n");
    for (int32_t i = 0; i < g->nreach; i++) {
        gen_node *gn = &g->nodes[g->reach[i]];
        if (is_struct(gn->repr) && gn->same_as < 0)
            w(g, "typedef struct %s %s;\n", gn->cname, gn->cname);
    }
    w(g, "\n");
    for (uint32_t i = 0; i < e->ndefs; i++) {
        candid_tref t = e->defs[i].type;
        if (t >= 0 && g->nodes[t].cname && !strcmp(g->nodes[t].cname, g->defnames[i]))
            continue;
        w(g, "typedef %s %s; /* type %s */\n", ctype(g, t), g->defnames[i], e->defs[i].name);
    }
    w(g, "\n");
    for (int32_t i = 0; i < g->nreach; i++)
        if (is_struct(g->nodes[g->reach[i]].repr) && g->nodes[g->reach[i]].same_as < 0)
            define_struct(g, g->reach[i]);
    for (uint32_t i = 0; i < g->nmethods; i++) {
        gen_method *gm = &g->methods[i];
        emit_tuple_struct(g, gm->in, gm->fn->u.func.args, gm->in_members, gm->fn->u.func.nargs,
                          gen_printf(g, "arguments of %s", gm->m->name));
        emit_tuple_struct(g, gm->out, gm->fn->u.func.rets, gm->out_members, gm->fn->u.func.nrets,
                          gen_printf(g, "results of %s", gm->m->name));
    }
    if (g->init.cname)
        emit_tuple_struct(g, g->init.cname, g->init.types, g->init.members, g->init.n,
                          "service constructor arguments");
}

/* The header's function declarations, the IC ones in their #if. */
static void emit_header_protos(gen *g)
{
    const candid_env *e = g->e;
    w(g, "/* ---- encoders and decoders ---- */\n\n");
    w(g,
      "/* The type environment of this file (for candid_decode, candid_print_type, ...). */\n"
      "const candid_env *%s_env(void);\n\n",
      g->prefix);
    for (uint32_t i = 0; i < e->ndefs; i++) {
        const char *t = g->defnames[i];
        w(g, "int %s_declare(candid_enc *enc);\n", t);
        emit_tuple_protos(g, t);
    }
    for (uint32_t i = 0; i < g->nmethods; i++) {
        emit_tuple_protos(g, g->methods[i].in);
        emit_tuple_protos(g, g->methods[i].out);
    }
    if (g->init.cname)
        emit_tuple_protos(g, g->init.cname);
    if (g->nmethods) {
        w(g, "#if defined(AW_BACKEND_IC) && AW_BACKEND_IC\n/* ---- call stubs ---- */\n\n");
        for (uint32_t i = 0; i < g->nmethods; i++) {
            gen_method *gm = &g->methods[i];
            const char *ret = is_oneway(gm) ? "int " : "aw_future *";
            if (!is_oneway(gm))
                w(g,
                  "/* The value of %s's future: the results, in their own arena. */\n"
                  "typedef struct %s {\n    candid_arena arena; /* free with "
                  "candid_arena_free */\n    %s out;\n} %s;\n",
                  gm->fname, gm->reply, gm->out, gm->reply);
            w(g, "%s%s(const ic_principal *callee, const %s *args);\n", ret, gm->fname, gm->in);
            w(g, "%s%s_with(const ic_call *call, const %s *args);\n\n", ret, gm->fname, gm->in);
            w(g, "extern ic_types %s_in_types;\n", gm->fname);
            w(g, "int %s_in_from(ic_reader *r, candid_arena *a, %s *out);\n", gm->fname, gm->in);
            w(g, "int %s_in_args(ic_reader *r, candid_arena *a, %s *out);\n", gm->fname, gm->in);
            w(g, "bool %s_in_take(candid_arena *a, %s *out);\n", gm->fname, gm->in);
            w(g, "int %s_out_reply(const %s *v);\n\n", gm->fname, gm->out);
        }
        w(g, "#endif\n\n");
    }
    w(g, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* The header: its summary, includes, the common types, then types and declarations. */
static void emit_header(gen *g, const char *guard)
{
    w(g, "/* clang-format off */\n");
    w(g,
      "/*\n * %s.h - Candid bindings generated by `candid gen c` from %s%s%s%s. Do not edit.\n *\n",
      g->base, g->source, g->methods_opt ? " (methods " : "", g->methods_opt ? g->methods_opt : "",
      g->methods_opt ? ")" : "");
    w(g,
      " * Per definition T: the C type %s_T and\n"
      " *   int  T_declare(enc)                    declare T as the next argument type\n"
      " *   int  T_write(enc, &v, err)             write a value (after the declarations)\n"
      " *   int  T_read(dec, arena, &out)          read the next argument at type T\n"
      " *   int  T_encode(&v, &buf, err)           a whole message `(v)`\n"
      " *   int  T_decode(bytes, len, arena, &out, err)\n"
      " * Per method M: tuples M_in and M_out with _write/_read/_encode/_decode, and under\n"
      " * AW_BACKEND_IC the call stubs M(callee, &in) and M_with(&call, &in) returning a future\n"
      " * of M_reply; for implementing M, the argument types M_in_types and\n"
      " * M_in_from(reader, arena, &in) (async handlers: IC_UPDATE_ASYNC(..., &M_in_types, fn)\n"
      " * with fn calling M_in_from), M_in_take(arena, &in) (synchronous methods; rejects bad\n"
      " * input) and M_out_reply(&out); M_in_args(reader, arena, &in) decodes a reader's whole\n"
      " * message by itself.\n"
      " * Decoded data lives in the arena given (or the reply's own arena): free it\n"
      " * with candid_arena_free. Every function returns 0 or a negative CANDID_E_* code.\n"
      " * docs/candid-gen.md explains the mapping and the rules.\n */\n",
      g->prefix);
    w(g, "#ifndef %s\n#define %s\n\n", guard, guard);
    w(g,
      "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
      "#include \"asyncwasm/candid.h\"\n"
      "#if defined(AW_BACKEND_IC) && AW_BACKEND_IC\n#include \"asyncwasm/ic_async.h\"\n#endif\n\n"
      "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    w(g, "%s", common_types);
    emit_header_types(g);
    emit_header_protos(g);
}

/* ---- the source: helpers ------------------------------------------------------------------ */

static const char helpers[] =
    "#if defined(__GNUC__) || defined(__clang__)\n"
    "#define CANDID_GEN__UNUSED __attribute__((unused))\n"
    "#else\n"
    "#define CANDID_GEN__UNUSED\n"
    "#endif\n\n"
    "/* Fills err (may be NULL) with \"<what>: <msg>\" and returns code. */\n"
    "static int candid_gen__fail(candid_error *err, int code, const char *what, const char *msg)\n"
    "{\n"
    "    if (err) {\n"
    "        size_t n = 0, cap = sizeof err->message - 1;\n"
    "        for (const char *p = what; *p && n < cap; p++)\n"
    "            err->message[n++] = *p;\n"
    "        for (const char *p = \": \"; *p && n < cap; p++)\n"
    "            err->message[n++] = *p;\n"
    "        for (const char *p = msg; *p && n < cap; p++)\n"
    "            err->message[n++] = *p;\n"
    "        err->message[n] = 0;\n"
    "        err->code = code;\n"
    "        err->offset = SIZE_MAX;\n"
    "        err->line = err->column = 0;\n"
    "    }\n"
    "    return code;\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__nomem(candid_error *err)\n"
    "{\n"
    "    return candid_gen__fail(err, CANDID_E_NOMEM, \"decode\", \"out of memory\");\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__null_ptr(candid_error *err, const char *what)\n"
    "{\n"
    "    return candid_gen__fail(err, CANDID_E_VALUE, what, \"NULL pointer for a required "
    "value\");\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__empty(candid_error *err, const char *what)\n"
    "{\n"
    "    return candid_gen__fail(err, CANDID_E_VALUE, what, \"type empty has no values\");\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__shape(candid_error *err, const char *what)\n"
    "{\n"
    "    return candid_gen__fail(err, CANDID_E_MISMATCH, what,\n"
    "                            \"the decoded value does not have the expected shape\");\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__bad_tag(candid_error *err, const char *what)\n"
    "{\n"
    "    return candid_gen__fail(err, CANDID_E_VALUE, what, \"variant tag out of range\");\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__w_text(candid_enc *enc, const candid_gen_text *s)\n"
    "{\n"
    "    return candid_enc_text(enc, s->data ? s->data : \"\", s->data ? s->len : 0);\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__w_blob(candid_enc *enc, const candid_gen_blob *b)\n"
    "{\n"
    "    return candid_enc_blob(enc, b->data ? b->data : (const uint8_t *)\"\", b->data ? b->len : "
    "0);\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__w_principal(candid_enc *enc,\n"
    "                                                      const candid_gen_principal *p)\n"
    "{\n"
    "    return candid_enc_principal(enc, p->bytes, p->len);\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__w_func(candid_enc *enc, const candid_gen_func *f)\n"
    "{\n"
    "    const char *m = f->method.data ? f->method.data : \"\";\n"
    "    return candid_enc_func(enc, f->principal.bytes, f->principal.len, m,\n"
    "                           f->method.data ? f->method.len : 0);\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__r_nat(const candid_value *v, uint64_t *out,\n"
    "                                                candid_error *err, const char *what)\n"
    "{\n"
    "    if (candid_value_u64(v, out))\n"
    "        return candid_gen__fail(err, CANDID_E_VALUE, what, \"nat value does not fit in "
    "uint64_t\");\n"
    "    return 0;\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__r_int(const candid_value *v, int64_t *out,\n"
    "                                                candid_error *err, const char *what)\n"
    "{\n"
    "    if (candid_value_i64(v, out))\n"
    "        return candid_gen__fail(err, CANDID_E_VALUE, what, \"int value does not fit in "
    "int64_t\");\n"
    "    return 0;\n"
    "}\n\n"
    "/* Where a reader puts what it allocates; `share`: the value tree lives in that arena too,\n"
    " * so text and blob members may point into it instead of being copied. */\n"
    "typedef struct candid_gen__rd {\n"
    "    candid_arena *a;\n"
    "    int share;\n"
    "} candid_gen__rd;\n\n"
    "/* A NUL-terminated copy of n bytes in arena a, or NULL. */\n"
    "static CANDID_GEN__UNUSED void *candid_gen__copy(candid_arena *a, const void *p, size_t n)\n"
    "{\n"
    "    uint8_t *r = n < SIZE_MAX ? candid_arena_alloc(a, n + 1) : NULL;\n"
    "    if (r) {\n"
    "        if (n)\n"
    "            memcpy(r, p, n);\n"
    "        r[n] = 0;\n"
    "    }\n"
    "    return r;\n"
    "}\n\n"
    "/* Text values of the library are NUL-terminated after len, so sharing keeps that promise. "
    "*/\n"
    "static CANDID_GEN__UNUSED int candid_gen__r_text(const candid_value *v, const candid_gen__rd "
    "*rd,\n"
    "                                                 candid_gen_text *out, candid_error *err)\n"
    "{\n"
    "    if (v->kind != CANDID_TEXT)\n"
    "        return candid_gen__shape(err, \"text\");\n"
    "    out->len = v->u.bytes.len;\n"
    "    out->data = rd->share ? (const char *)v->u.bytes.data\n"
    "                          : candid_gen__copy(rd->a, v->u.bytes.data, out->len);\n"
    "    return out->data ? 0 : candid_gen__nomem(err);\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__r_blob(const candid_value *v, const candid_gen__rd "
    "*rd,\n"
    "                                                 candid_gen_blob *out, candid_error *err)\n"
    "{\n"
    "    if (v->kind != CANDID_BLOB)\n"
    "        return candid_gen__shape(err, \"blob\");\n"
    "    out->len = v->u.bytes.len;\n"
    "    out->data = rd->share ? v->u.bytes.data : candid_gen__copy(rd->a, v->u.bytes.data, "
    "out->len);\n"
    "    return out->data ? 0 : candid_gen__nomem(err);\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__r_principal(const candid_value *v,\n"
    "                                                      candid_gen_principal *out,\n"
    "                                                      candid_error *err)\n"
    "{\n"
    "    if ((v->kind != CANDID_PRINCIPAL && v->kind != CANDID_SERVICE) ||\n"
    "        v->u.bytes.len > CANDID_PRINCIPAL_MAX)\n"
    "        return candid_gen__shape(err, \"principal\");\n"
    "    out->len = (uint8_t)v->u.bytes.len;\n"
    "    memset(out->bytes, 0, sizeof out->bytes);\n"
    "    if (out->len)\n"
    "        memcpy(out->bytes, v->u.bytes.data, out->len);\n"
    "    return 0;\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__r_func(const candid_value *v, const candid_gen__rd "
    "*rd,\n"
    "                                                 candid_gen_func *out, candid_error *err)\n"
    "{\n"
    "    if (v->kind != CANDID_FUNC || v->u.func.principal_len > CANDID_PRINCIPAL_MAX)\n"
    "        return candid_gen__shape(err, \"func\");\n"
    "    out->principal.len = (uint8_t)v->u.func.principal_len;\n"
    "    memset(out->principal.bytes, 0, sizeof out->principal.bytes);\n"
    "    if (out->principal.len)\n"
    "        memcpy(out->principal.bytes, v->u.func.principal, out->principal.len);\n"
    "    out->method.len = v->u.func.method_len;\n"
    "    out->method.data = candid_gen__copy(rd->a, v->u.func.method, out->method.len);\n"
    "    return out->method.data ? 0 : candid_gen__nomem(err);\n"
    "}\n\n"
    "/* After an encode: an error the library's writers reported without a message gets one. */\n"
    "static CANDID_GEN__UNUSED int candid_gen__done(int rc, candid_error *err, const char *what)\n"
    "{\n"
    "    if (rc && err && (err->code != rc || !err->message[0]))\n"
    "        candid_gen__fail(err, rc, what, candid_strerror(rc));\n"
    "    return rc;\n"
    "}\n\n"
    "/* A whole message: `hdr` is what the encoder would write before the values (\"DIDL\", the\n"
    " * type table, the argument types), computed by the generator with the same library, and\n"
    " * enc holds the values only (no type declared). Building the type table is most of an\n"
    " * encode's work, and it is the same for every message of these types. */\n"
    "static CANDID_GEN__UNUSED int candid_gen__message(const candid_enc *enc, const uint8_t *hdr,\n"
    "                                                  size_t n, candid_buf *out)\n"
    "{\n"
    "    if (enc->error)\n"
    "        return enc->error;\n"
    "    candid_buf_append(out, hdr, n);\n"
    "    if (enc->values.len)\n"
    "        candid_buf_append(out, enc->values.data, enc->values.len);\n"
    "    return out->oom ? CANDID_E_NOMEM : 0;\n"
    "}\n\n"
    "/* A whole-message decode: the value tree goes into the caller's arena (the C values then\n"
    " * share its text and blobs), so nothing is copied twice and nothing is freed early. */\n"
    "static CANDID_GEN__UNUSED int candid_gen__dec_begin(candid_dec *d, const uint8_t *buf,\n"
    "                                                    size_t len, candid_arena *a,\n"
    "                                                    candid_error *err)\n"
    "{\n"
    "    if (err)\n"
    "        memset(err, 0, sizeof *err);\n"
    "    return candid_dec_begin(d, buf, len, NULL, a, err);\n"
    "}\n\n"
    "static CANDID_GEN__UNUSED int candid_gen__dec_end(candid_dec *d, int rc)\n"
    "{\n"
    "    if (!rc)\n"
    "        rc = candid_dec_end(d);\n"
    "    candid_dec_free(d);\n"
    "    return rc;\n"
    "}\n\n";

/* The reader of --bignum numbers, in --bignum files only. */
static const char bignum_helper[] =
    "/* --bignum: a nat or int of any size; the limbs are shared with the value tree or copied. "
    "*/\n"
    "static CANDID_GEN__UNUSED int candid_gen__r_bignum(const candid_value *v, const "
    "candid_gen__rd *rd,\n"
    "                                                   candid_bignum *out, candid_error *err)\n"
    "{\n"
    "    if (v->kind != CANDID_NAT && v->kind != CANDID_INT)\n"
    "        return candid_gen__shape(err, \"nat\");\n"
    "    *out = v->u.num;\n"
    "    size_t n = out->nlimbs; /* bytes: n * 4, checked on 32-bit targets */\n"
    "    if (out->limbs && !rd->share) {\n"
    "        uint32_t *l = n <= SIZE_MAX / 4 ? candid_arena_alloc(rd->a, n * 4) : NULL;\n"
    "        if (!l)\n"
    "            return candid_gen__nomem(err);\n"
    "        memcpy(l, out->limbs, n * 4);\n"
    "        out->limbs = l;\n"
    "    }\n"
    "    return 0;\n"
    "}\n\n";

/* ---- the source: the static type environment ---------------------------------------------- */

static void emit_trefs(gen *g, const char *name, const candid_tref *t, uint32_t n)
{
    w(g, "static candid_tref %s[] = {", name);
    for (uint32_t i = 0; i < n; i++)
        w(g, "%s%s", i ? ", " : "", tref_text(g, t[i]));
    w(g, "};\n");
}

/* A static array of n names (C string literals, NULL where the .did gave none). */
static void emit_names(gen *g, const char *name, const char *const *names, uint32_t n)
{
    w(g, "static const char *%s[] = {", name);
    for (uint32_t i = 0; i < n; i++) {
        const char *s = names ? names[i] : NULL;
        w(g, "%s%s", i ? ", " : "", c_string(g, s, s ? strlen(s) : 0));
    }
    w(g, "};\n");
}

/* Adds t and every node it references to the environment being collected. */
static void closure(gen *g, candid_tref t)
{
    const candid_type *n = node_of(g, t);
    if (!n || g->map[t] >= 0)
        return;
    g->map[t] = g->norder;
    g->order[g->norder++] = t;
    switch (n->kind) {
    case CANDID_OPT:
    case CANDID_VEC:
        closure(g, n->u.inner);
        break;
    case CANDID_RECORD:
    case CANDID_VARIANT:
        for (uint32_t i = 0; i < n->u.rec.n; i++)
            closure(g, n->u.rec.fields[i].type);
        break;
    case CANDID_FUNC:
        for (uint32_t i = 0; i < n->u.func.nargs; i++)
            closure(g, n->u.func.args[i]);
        for (uint32_t i = 0; i < n->u.func.nrets; i++)
            closure(g, n->u.func.rets[i]);
        break;
    case CANDID_SERVICE:
        for (uint32_t i = 0; i < n->u.svc.n; i++)
            closure(g, n->u.svc.methods[i].type);
        break;
    default:
        break;
    }
}

/* The arrays node k (n) of environment p points to: fields, func arguments and results,
 * service methods. */
static void emit_node_arrays(gen *g, const char *p, int32_t k, const candid_type *n)
{
    if ((n->kind == CANDID_RECORD || n->kind == CANDID_VARIANT) && n->u.rec.n) {
        w(g, "static candid_field %s_f%ld[] = {\n", p, (long)k);
        for (uint32_t i = 0; i < n->u.rec.n; i++) {
            const candid_field *f = &n->u.rec.fields[i];
            w(g, "    {%luu, %s, %s},\n", (unsigned long)f->id,
              c_string(g, f->name, f->name ? strlen(f->name) : 0), tref_text(g, f->type));
        }
        w(g, "};\n");
    } else if (n->kind == CANDID_FUNC) {
        if (n->u.func.nargs) {
            emit_trefs(g, gen_printf(g, "%s_a%ld", p, (long)k), n->u.func.args, n->u.func.nargs);
            emit_names(g, gen_printf(g, "%s_an%ld", p, (long)k), n->u.func.arg_names,
                       n->u.func.nargs);
        }
        if (n->u.func.nrets) {
            emit_trefs(g, gen_printf(g, "%s_r%ld", p, (long)k), n->u.func.rets, n->u.func.nrets);
            emit_names(g, gen_printf(g, "%s_rn%ld", p, (long)k), n->u.func.ret_names,
                       n->u.func.nrets);
        }
    } else if (n->kind == CANDID_SERVICE && n->u.svc.n) {
        w(g, "static candid_method %s_m%ld[] = {\n", p, (long)k);
        for (uint32_t i = 0; i < n->u.svc.n; i++) {
            const candid_method *m = &n->u.svc.methods[i];
            w(g, "    {%s, %luu, %s},\n", c_string(g, m->name, m->name_len),
              (unsigned long)m->name_len, tref_text(g, m->type));
        }
        w(g, "};\n");
    }
}

/* The entry of node k (n) in environment p's type array. */
static void emit_type_entry(gen *g, const char *p, int32_t k, const candid_type *n)
{
    const char *kind = candid_kind_name(n->kind);
    w(g, "    {.kind = %s, .name = %s, ",
      kind ? upper(g, gen_printf(g, "CANDID_%s", kind)) : "CANDID_FUTURE",
      c_string(g, n->name, n->name ? strlen(n->name) : 0));
    switch (n->kind) {
    case CANDID_OPT:
    case CANDID_VEC:
        w(g, ".u.inner = %s},\n", tref_text(g, n->u.inner));
        break;
    case CANDID_RECORD:
    case CANDID_VARIANT:
        w(g, ".u.rec = {%s, %luu, %d}},\n",
          n->u.rec.n ? gen_printf(g, "%s_f%ld", p, (long)k) : "NULL", (unsigned long)n->u.rec.n,
          n->u.rec.tuple);
        break;
    case CANDID_FUNC:
        w(g, ".u.func = {%s, %s, %s, %s, %luu, %luu, %luu}},\n",
          n->u.func.nargs ? gen_printf(g, "%s_a%ld", p, (long)k) : "NULL",
          n->u.func.nrets ? gen_printf(g, "%s_r%ld", p, (long)k) : "NULL",
          n->u.func.nargs ? gen_printf(g, "%s_an%ld", p, (long)k) : "NULL",
          n->u.func.nrets ? gen_printf(g, "%s_rn%ld", p, (long)k) : "NULL",
          (unsigned long)n->u.func.nargs, (unsigned long)n->u.func.nrets,
          (unsigned long)n->u.func.ann);
        break;
    case CANDID_SERVICE:
        w(g, ".u.svc = {%s, %luu}},\n", n->u.svc.n ? gen_printf(g, "%s_m%ld", p, (long)k) : "NULL",
          (unsigned long)n->u.svc.n);
        break;
    default:
        w(g, ".u.future = {%lld, %lluu}},\n", (long long)n->u.future.opcode,
          (unsigned long long)n->u.future.length);
        break;
    }
}

/*
 * Writes a static environment `p` holding the closure of `roots` (numbered in g->map, which stays
 * valid for tref_text until the next one). Each definition and tuple gets its own, so that a
 * program links only the type tables of what it uses; the library shares type table entries
 * between environments by their bytes, so mixing them in one message is fine.
 */
static void emit_env_of(gen *g, const char *p, const candid_tref *roots, uint32_t nroots,
                        candid_tref actor)
{
    for (uint32_t i = 0; i < g->e->ntypes; i++)
        g->map[i] = -1;
    g->norder = 0;
    for (uint32_t i = 0; i < nroots; i++)
        closure(g, roots[i]);
    closure(g, actor);
    for (int32_t k = 0; k < g->norder; k++)
        emit_node_arrays(g, p, k, node_of(g, g->order[k]));
    if (g->norder) {
        w(g, "static candid_type %s_types[] = {\n", p);
        for (int32_t k = 0; k < g->norder; k++)
            emit_type_entry(g, p, k, node_of(g, g->order[k]));
        w(g, "};\n");
    }
}

/* Opens the initializer of environment `p` written by emit_env_of (the caller closes it). */
static void open_env(gen *g, const char *p, candid_tref actor)
{
    w(g,
      "static CANDID_GEN__UNUSED const candid_env %s = {\n    .types = %s,\n    .ntypes = %ldu,\n"
      "    .actor = %s,\n",
      p, g->norder ? gen_printf(g, "%s_types", p) : "NULL", (long)g->norder,
      actor == CANDID_NO_TYPE ? "CANDID_NO_TYPE" : tref_text(g, actor));
}

/* The whole environment of the file (for PREFIX_env()), with the service and its constructor. */
static void emit_env(gen *g)
{
    const char *p = g->prefix;
    const candid_env *e = g->e;
    w(g, "/* ---- the type environment of the whole .did (for %s_env) ---- */\n\n", p);
    candid_tref *roots = gen_alloc(g, (e->ndefs + e->ninit_args + 1) * sizeof *roots);
    uint32_t n = 0;
    for (uint32_t i = 0; roots && i < e->ndefs; i++)
        roots[n++] = e->defs[i].type;
    for (uint32_t i = 0; roots && i < e->ninit_args; i++)
        roots[n++] = e->init_args[i];
    if (!roots)
        return;
    emit_env_of(g, gen_printf(g, "%s__env", p), roots, n, e->actor);
    if (g->init.cname && g->init.n)
        emit_trefs(g, gen_printf(g, "%s__init", p), g->init.types, g->init.n);
    open_env(g, gen_printf(g, "%s__env", p), e->actor);
    if (g->init.cname)
        w(g, "    .init_args = %s,\n    .ninit_args = %luu,\n    .has_init = 1,\n",
          g->init.n ? gen_printf(g, "%s__init", p) : "NULL", (unsigned long)g->init.n);
    w(g, "};\n\nconst candid_env *%s_env(void)\n{\n    return &%s__env;\n}\n\n", p, p);
}

/* ---- the source: functions ---------------------------------------------------------------- */

/* The static writer of struct node t: C struct -> the encoder's value writers. */
static void emit_node_writer(gen *g, candid_tref t)
{
    gen_node *gn = &g->nodes[t];
    const candid_type *n = node_of(g, t);
    const char *c = gn->cname;
    w(g,
      "static int %s__w(candid_enc *enc, const %s *v, candid_error *err)\n{\n"
      "    int rc = 0;\n    (void)enc;\n    (void)v;\n    (void)err;\n",
      c, c);
    switch (gn->repr) {
    case GEN_RECORD:
        for (uint32_t i = 0; i < n->u.rec.n; i++)
            write_stmt(g, n->u.rec.fields[i].type, gen_printf(g, "v->%s", gn->members[i]),
                       gn->boxed[i], gen_printf(g, "%s.%s", c, gn->members[i]));
        break;
    case GEN_VARIANT:
        w(g, "    switch (v->tag) {\n");
        for (uint32_t i = 0; i < n->u.rec.n; i++) {
            candid_tref ft = n->u.rec.fields[i].type;
            w(g, "    case %s:\n", gn->consts[i]);
            g->indent = 4;
            w(g, "    if ((rc = candid_enc_variant(enc, %luu)))\n        return rc;\n",
              (unsigned long)i);
            if (has_data(ft) || ft == CANDID_EMPTY)
                write_stmt(g, ft, gen_printf(g, "v->u.%s", gn->members[i]), gn->boxed[i],
                           gen_printf(g, "%s.%s", c, gn->members[i]));
            w(g, "    break;\n");
            g->indent = 0;
        }
        w(g, "    default:\n        return candid_gen__bad_tag(err, \"%s\");\n    }\n", c);
        break;
    case GEN_OPT:
        if (gn->opt_boxed) {
            w(g, "    if ((rc = candid_enc_opt(enc, v->value != NULL)))\n        return rc;\n"
                 "    if (v->value) {\n");
            g->indent = 4;
            write_stmt(g, n->u.inner, "(*v->value)", 0, c); /* present: not NULL */
            g->indent = 0;
        } else {
            w(g, "    if ((rc = candid_enc_opt(enc, v->has)))\n        return rc;\n"
                 "    if (v->has) {\n");
            g->indent = 4;
            write_stmt(g, n->u.inner, "v->value", 0, c);
            g->indent = 0;
        }
        w(g, "    }\n");
        break;
    case GEN_VEC:
        w(g,
          "    if (v->len && !v->data)\n        return candid_gen__null_ptr(err, \"%s\");\n"
          "    if ((rc = candid_enc_vec(enc, v->len)))\n        return rc;\n"
          "    for (size_t i = 0; i < v->len; i++) {\n",
          c);
        g->indent = 4;
        write_stmt(g, n->u.inner, "v->data[i]", 0, gen_printf(g, "%s item", c));
        g->indent = 0;
        w(g, "    }\n");
        break;
    default:
        break;
    }
    w(g, "    return rc;\n}\n\n");
}

/* The static reader of struct node t: value tree -> C struct, allocations in rd->a. */
static void emit_node_reader(gen *g, candid_tref t)
{
    gen_node *gn = &g->nodes[t];
    const candid_type *n = node_of(g, t);
    const char *c = gn->cname;
    w(g,
      "static int %s__r(const candid_value *v, const candid_gen__rd *rd, %s *out,\n"
      "    candid_error *err)\n"
      "{\n    int rc = 0;\n    (void)rd;\n    (void)out;\n",
      c, c);
    switch (gn->repr) {
    case GEN_RECORD:
        w(g,
          "    if (v->kind != CANDID_RECORD || v->u.rec.n != %luu)\n"
          "        return candid_gen__shape(err, \"%s\");\n",
          (unsigned long)n->u.rec.n, c);
        for (uint32_t i = 0; i < n->u.rec.n; i++)
            read_stmt(g, n->u.rec.fields[i].type,
                      gen_printf(g, "v->u.rec.fields[%lu].value", (unsigned long)i),
                      gen_printf(g, "out->%s", gn->members[i]), gn->boxed[i],
                      gen_printf(g, "%s.%s", c, gn->members[i]));
        if (!n->u.rec.n)
            w(g, "    out->unused = 0;\n");
        break;
    case GEN_VARIANT:
        w(g,
          "    if (v->kind != CANDID_VARIANT)\n        return candid_gen__shape(err, \"%s\");\n"
          "    switch (v->u.var.index) {\n",
          c);
        for (uint32_t i = 0; i < n->u.rec.n; i++) {
            candid_tref ft = n->u.rec.fields[i].type;
            w(g, "    case %luu:\n", (unsigned long)i);
            g->indent = 4;
            w(g, "    out->tag = %s;\n", gn->consts[i]);
            if (has_data(ft) || ft == CANDID_EMPTY)
                read_stmt(g, ft, "v->u.var.value", gen_printf(g, "out->u.%s", gn->members[i]),
                          gn->boxed[i], gen_printf(g, "%s.%s", c, gn->members[i]));
            w(g, "    break;\n");
            g->indent = 0;
        }
        w(g, "    default:\n        return candid_gen__shape(err, \"%s\");\n    }\n", c);
        break;
    case GEN_OPT:
        w(g, "    if (v->kind != CANDID_OPT)\n        return candid_gen__shape(err, \"%s\");\n", c);
        if (gn->opt_boxed) {
            w(g, "    out->value = NULL;\n    if (v->u.opt) {\n");
            g->indent = 4;
            read_stmt(g, n->u.inner, "v->u.opt", "out->value", 1, c);
            g->indent = 0;
        } else {
            w(g, "    memset(out, 0, sizeof *out);\n    out->has = v->u.opt != NULL;\n"
                 "    if (v->u.opt) {\n");
            g->indent = 4;
            read_stmt(g, n->u.inner, "v->u.opt", "out->value", 0, c);
            g->indent = 0;
        }
        w(g, "    }\n");
        break;
    case GEN_VEC:
        w(g,
          "    if (v->kind != CANDID_VEC)\n        return candid_gen__shape(err, \"%s\");\n"
          "    out->len = v->u.vec.n;\n    out->data = NULL;\n"
          "    if (out->len && (out->len > SIZE_MAX / sizeof *out->data ||\n"
          "                     !(out->data = candid_arena_alloc(rd->a, out->len * sizeof "
          "*out->data))))\n"
          "        return candid_gen__nomem(err);\n"
          "    for (size_t i = 0; i < out->len; i++) {\n",
          c);
        g->indent = 4;
        read_stmt(g, n->u.inner, "(&v->u.vec.items[i])", "out->data[i]", 0,
                  gen_printf(g, "%s item", c));
        g->indent = 0;
        w(g, "    }\n");
        break;
    default:
        break;
    }
    w(g, "    return rc;\n}\n\n");
}

/* `static const uint8_t <t>__hdr[]`: the bytes the library's encoder writes before the values of
 * a message of `types` ("DIDL", type table, argument types), built here with that encoder. */
static void emit_header_bytes(gen *g, const char *t, const candid_tref *types, uint32_t n)
{
    candid_enc enc;
    candid_buf b = {0};
    candid_enc_init(&enc);
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = candid_enc_arg_type(&enc, g->e, types[i]);
    if (!rc)
        rc = candid_enc_finish(&enc, &b);
    candid_enc_free(&enc);
    if (rc) {
        g->oom = 1; /* the types come from a parsed environment: only memory can fail */
        candid_buf_free(&b);
        return;
    }
    w(g, "static const uint8_t %s__hdr[%lu] = {", t, (unsigned long)b.len);
    for (size_t i = 0; i < b.len; i++)
        w(g, "%s0x%02x", i % 16 ? ", " : i ? ",\n    " : "\n    ", b.data[i]);
    w(g, "\n};\n\n");
    candid_buf_free(&b);
}

/* _encode and _decode of a definition or tuple `t`: _encode writes the values with `vals` (a
 * function that writes them without declaring types) after the precomputed <t>__hdr. */
static void emit_message_fns(gen *g, const char *t, const char *vals)
{
    w(g,
      "int %s_encode(const %s *v, candid_buf *out, candid_error *err)\n{\n"
      "    candid_enc enc;\n    candid_enc_init(&enc);\n    if (err)\n"
      "        memset(err, 0, sizeof *err);\n"
      "    int rc = %s(&enc, v, err);\n"
      "    if (!rc)\n        rc = candid_gen__message(&enc, %s__hdr, sizeof %s__hdr, out);\n"
      "    candid_enc_free(&enc);\n"
      "    return candid_gen__done(rc, err, \"%s\");\n}\n\n",
      t, t, vals, t, t, t);
    w(g,
      "int %s_decode(const uint8_t *buf, size_t len, candid_arena *a, %s *out,\n"
      "    candid_error *err)\n{\n    candid_dec d;\n"
      "    int rc = candid_gen__dec_begin(&d, buf, len, a, err);\n"
      "    if (!rc)\n        rc = %s_read(&d, a, out);\n"
      "    return candid_gen__dec_end(&d, rc);\n}\n\n",
      t, t, t);
}

/* The static environment of one definition or tuple: the closure of its types. */
static const char *emit_own_env(gen *g, const char *t, const candid_tref *types, uint32_t n)
{
    const char *env = gen_printf(g, "%s__env", t);
    emit_env_of(g, env, types, n, CANDID_NO_TYPE);
    open_env(g, env, CANDID_NO_TYPE);
    w(g, "};\n\n");
    return env;
}

/* The public functions of definition i, with its own static environment. */
static void emit_def_fns(gen *g, uint32_t i)
{
    const char *t = g->defnames[i];
    candid_tref ty = g->e->defs[i].type;
    const char *p = emit_own_env(g, t, &ty, 1);
    w(g,
      "int %s_declare(candid_enc *enc)\n{\n    return candid_enc_arg_type(enc, &%s, %s);\n"
      "}\n\n",
      t, p, tref_text(g, ty));
    w(g,
      "int %s_write(candid_enc *enc, const %s *v, candid_error *err)\n{\n"
      "    int rc = 0;\n    (void)enc;\n    (void)v;\n    (void)err;\n",
      t, t);
    write_stmt(g, ty, "(*v)", 0, t);
    w(g, "    return rc;\n}\n\n");
    w(g,
      "int %s_read(candid_dec *d, candid_arena *a, %s *out)\n{\n"
      "    candid_error *err = d->err; /* where the decoder reports, so callers see one error */\n"
      "    candid_gen__rd rd0 = {a, a == d->arena}, *rd = &rd0;\n"
      "    candid_value x;\n    int rc = candid_dec_arg(d, &%s, %s, &x);\n"
      "    (void)rd;\n    (void)err;\n    if (rc)\n        return rc;\n",
      t, t, p, tref_text(g, ty));
    read_stmt(g, ty, "(&x)", "(*out)", 0, t);
    w(g, "    return rc;\n}\n\n");
    emit_header_bytes(g, t, &ty, 1);
    emit_message_fns(g, t, gen_printf(g, "%s_write", t));
}

/* The public functions of a tuple (method arguments or results, constructor arguments). */
static void emit_tuple_fns(gen *g, const char *t, const candid_tref *types, char **members,
                           uint32_t n)
{
    const char *p = emit_own_env(g, t, types, n);
    w(g,
      "/* The values of %s, after their types were declared (or the header written). */\n"
      "static int %s__vals(candid_enc *enc, const %s *v, candid_error *err)\n{\n"
      "    int rc = 0;\n    (void)enc;\n    (void)v;\n    (void)err;\n",
      t, t, t);
    for (uint32_t i = 0; i < n; i++)
        write_stmt(g, types[i], gen_printf(g, "v->%s", members[i]), 0,
                   gen_printf(g, "%s.%s", t, members[i]));
    w(g, "    return rc;\n}\n\n");
    w(g,
      "int %s_write(candid_enc *enc, const %s *v, candid_error *err)\n{\n"
      "%s",
      t, t, n ? "    int rc = 0;\n" : "");
    for (uint32_t i = 0; i < n; i++)
        w(g, "    if ((rc = candid_enc_arg_type(enc, &%s, %s)))\n        return rc;\n", p,
          tref_text(g, types[i]));
    w(g, "    return %s__vals(enc, v, err);\n}\n\n", t);
    w(g,
      "int %s_read(candid_dec *d, candid_arena *a, %s *out)\n{\n"
      "    candid_error *err = d->err;\n    candid_gen__rd rd0 = {a, a == d->arena}, *rd = &rd0;\n"
      "    candid_value x;\n    int rc = 0;\n    (void)rd;\n    (void)err;\n    (void)x;\n",
      t, t);
    if (!n)
        w(g, "    out->unused = 0;\n");
    for (uint32_t i = 0; i < n; i++) {
        w(g, "    if ((rc = candid_dec_arg(d, &%s, %s, &x)))\n        return rc;\n", p,
          tref_text(g, types[i]));
        read_stmt(g, types[i], "(&x)", gen_printf(g, "out->%s", members[i]), 0,
                  gen_printf(g, "%s.%s", t, members[i]));
    }
    w(g, "    return rc;\n}\n\n");
    emit_header_bytes(g, t, types, n);
    emit_message_fns(g, t, gen_printf(g, "%s__vals", t));
}

/* The IC section. Client side: one generic async function that awaits a call and decodes its
 * reply, and per method the stubs that encode the arguments and start it. Server side: per
 * method a handler argument reader (an ic_args_fn body) and a reply writer. */
/* The client runtime shared by the stubs of one file. */
static void emit_stub_runtime(gen *g)
{
    const char *p = g->prefix;
    w(g,
      "/* Decodes a reply into the value of a stub's future (a <method>_reply: arena first). */\n"
      "typedef int (*%s__reply_fn)(const uint8_t *buf, size_t len, void *reply,\n"
      "                           candid_error *err);\n\n"
      "/* The frame of a call in flight: the call's future, the reply bytes, and the result\n"
      " * (a <method>_reply) that the task's future completes with. */\n"
      "typedef struct %s__call_frame {\n    aw_task task;\n    aw_future *call;\n"
      "    ic_bytes reply;\n    %s__reply_fn read;\n    const char *method; /* its name: after "
      "result */\n"
      "    candid_error err;\n    max_align_t result[];\n} %s__call_frame;\n\n",
      p, p, p, p);
    w(g,
      "AW_ASYNC(%s__call_frame, %s__call_run)\n"
      "static aw_status %s__call_run(%s__call_frame *f)\n{\n    AW_BEGIN(f);\n"
      "    AW_AWAIT(f, f->call, &f->reply);\n"
      "    if (f->read(f->reply.data, f->reply.len, f->result, &f->err))\n"
      "        AW_THROW_ERROR(f, aw_error_newf(AW_E_CANDID_DECODE, f->err.code, \"%%s reply: "
      "%%s\",\n"
      "                                        f->method, f->err.message));\n"
      "    AW_FINALLY(f);\n"
      "    ic_bytes_free(&f->reply);\n    if (aw_task_pending_error(&f->task))\n"
      "        candid_arena_free((candid_arena *)(void *)f->result);\n    AW_END(f);\n}\n\n",
      p, p, p, p);
    w(g,
      "/* Performs the call with the encoded argument (freed here) and starts the task that\n"
      " * decodes its reply; the method's name is copied after the result, for error messages.\n"
      " * NULL when memory runs out (no call is made then). */\n"
      "static aw_future *%s__call(const ic_call *base, const char *method, candid_buf *arg,\n"
      "                           %s__reply_fn read, size_t size)\n{\n"
      "    size_t n = strlen(method);\n"
      "    %s__call_frame *f = aw_task_new(sizeof *f + size + n + 1, %s__call_run_step);\n"
      "    if (!f) {\n        candid_buf_free(arg);\n        return NULL;\n    }\n"
      "    f->method = memcpy((char *)f->result + size, method, n + 1);\n"
      "    ic_call c = *base;\n    c.method = method;\n"
      "    ic_call_with_arg(&c, arg->data, arg->len);\n    f->call = ic_call_perform(&c);\n"
      "    candid_buf_free(arg);\n    f->read = read;\n"
      "    aw_future *r = aw_task_start(&f->task, f->result, size);\n    if (!r) {\n"
      "        aw_future_release(f->call);\n        aw_task_free(&f->task);\n    }\n"
      "    return r;\n}\n\n",
      p, p, p, p);
    w(g,
      "/* The method a _with stub calls: the one `call` names, or else (NULL or \"\") the .did's,\n"
      " * so that a method of the same type under another name can be called with these types. */\n"
      "static CANDID_GEN__UNUSED const char *%s__method(const ic_call *call, const char "
      "*did_name)\n"
      "{\n    return call->method && call->method[0] ? call->method : did_name;\n}\n\n",
      p);
    w(g,
      "/* The error of an M_in_from given a reader started at other types than M_in_types. */\n"
      "static CANDID_GEN__UNUSED int %s__not_started(ic_reader *r, const char *types)\n{\n"
      "    static const char pre[] = \"the argument reader was not started at \";\n"
      "    size_t n = strlen(types), room = sizeof r->err.message - sizeof pre;\n"
      "    if (r->error)\n        return r->error;\n"
      "    memcpy(r->err.message, pre, sizeof pre - 1);\n"
      "    memcpy(r->err.message + sizeof pre - 1, types, n < room ? n : room);\n"
      "    r->err.message[sizeof pre - 1 + (n < room ? n : room)] = 0;\n"
      "    r->err.code = CANDID_E_USAGE;\n    return r->error = CANDID_E_USAGE;\n}\n\n",
      p);
    w(g,
      "/* The failed future a stub returns when its arguments cannot be encoded. */\n"
      "static CANDID_GEN__UNUSED aw_future *%s__encode_failed(int rc, const candid_error *err,\n"
      "                                                      const char *method)\n{\n"
      "    return aw_future_failed(aw_error_newf(rc == CANDID_E_NOMEM ? AW_E_NOMEM : "
      "AW_E_GENERIC, rc,\n"
      "                                          \"%%s: cannot encode the arguments: %%s\", "
      "method,\n"
      "                                          err->message));\n}\n\n",
      p);
}

/* The stubs, the argument reader and the reply writer of one method. */

/* The argument kinds the canister runtime's reader reads directly (ic_read_nat64, ...). */
static const char *fast_arg_kw(candid_tref t)
{
    switch (t) {
    case CANDID_NAT64:
        return "nat64";
    case CANDID_BOOL:
        return "bool";
    case CANDID_TEXT:
        return "text";
    case CANDID_PRINCIPAL:
        return "principal";
    default:
        return NULL;
    }
}

/* Are all of a method's arguments (possibly none) of those kinds? */
static bool fast_args(const gen_method *gm)
{
    for (uint32_t i = 0; i < gm->fn->u.func.nargs; i++)
        if (!fast_arg_kw(gm->fn->u.func.args[i]))
            return false;
    return true;
}

/* The reads of arguments of fast kinds from the reader `r` into `out` (texts copied into arena
 * `a`, NUL-terminated, as the generated decoder does); leaves rc. */
static void emit_fast_reads(gen *g, const gen_method *gm)
{
    uint32_t n = gm->fn->u.func.nargs;
    for (uint32_t i = 0; i < n; i++) {
        const char *m = gm->in_members[i];
        switch (gm->fn->u.func.args[i]) {
        case CANDID_NAT64:
            w(g, "    if (rc == 0)\n        rc = ic_read_nat64(r, &out->%s);\n", m);
            break;
        case CANDID_BOOL:
            w(g, "    if (rc == 0)\n        rc = ic_read_bool(r, &out->%s);\n", m);
            break;
        case CANDID_TEXT:
            w(g,
              "    if (rc == 0 && (rc = ic_read_text(r, &out->%s.data, &out->%s.len)) == 0 &&\n"
              "        !(out->%s.data = candid_gen__copy(a, out->%s.data, out->%s.len)))\n"
              "        rc = candid_gen__nomem(&r->err);\n",
              m, m, m, m, m);
            break;
        default: /* CANDID_PRINCIPAL */
            w(g,
              "    if (rc == 0) {\n        ic_principal p;\n"
              "        if ((rc = ic_read_principal(r, &p)) == 0) {\n"
              "            out->%s.len = p.len;\n"
              "            memcpy(out->%s.bytes, p.bytes, p.len);\n        }\n    }\n",
              m, m);
            break;
        }
    }
}

/* M_in_types, the tuple type of a method's arguments for the runtime's reader: its text when
 * every argument is of a fast kind, else IC_TYPES_ANY (the library's decoder reads them). */
static void emit_in_types(gen *g, const gen_method *gm)
{
    uint32_t n = gm->fn->u.func.nargs;
    if (!fast_args(gm)) {
        w(g, "ic_types %s_in_types = IC_TYPES_ANY;\n\n", gm->fname);
        return;
    }
    w(g, "ic_types %s_in_types = IC_TYPES(\"(", gm->fname);
    for (uint32_t i = 0; i < n; i++)
        w(g, "%s%s", i ? ", " : "", fast_arg_kw(gm->fn->u.func.args[i]));
    w(g, ")\");\n\n");
}

/* M_in_from: read the arguments from a reader started at M_in_types (no end check: the caller
 * ends the reader). Fast kinds with the reader's ic_read_* functions (its fast path when the
 * message's header is exactly theirs, else its fallback decoder); other kinds with M_in_read on
 * the reader's decoder. A reader started at other types is a usage error. */
static void emit_in_from(gen *g, const gen_method *gm)
{
    w(g,
      "int %s_in_from(ic_reader *r, candid_arena *a, %s *out)\n{\n"
      "    if (r->types != &%s_in_types)\n"
      "        return %s__not_started(r, \"%s_in_types\");\n",
      gm->fname, gm->in, gm->fname, g->prefix, gm->fname);
    if (fast_args(gm)) {
        uint32_t n = gm->fn->u.func.nargs;
        bool texts = false; /* only texts use the arena */
        for (uint32_t i = 0; i < n; i++)
            texts = texts || gm->fn->u.func.args[i] == CANDID_TEXT;
        w(g, "%s%s    int rc = r->error;\n", texts ? "" : "    (void)a;\n",
          n ? "" : "    (void)out;\n");
        emit_fast_reads(g, gm);
        w(g, "    return rc;\n}\n\n");
        return;
    }
    w(g,
      "    candid_dec *d = ic_reader_decoder(r);\n"
      "    if (!d)\n        return r->error ? r->error : (r->error = CANDID_E_USAGE);\n"
      "    int rc = %s_read(d, a, out);\n"
      "    if (rc && !r->error)\n        r->error = rc;\n    return rc;\n}\n\n",
      gm->in);
}

/* M_in_args (a reader of its own at M_in_types over the bytes of `r`) and M_in_take (a reader
 * of the current message, rejecting the call on error), both reading with M_in_from and then
 * checking the end of the message. */
static void emit_in_args_take(gen *g, const gen_method *gm, const char *mname)
{
    static const char *const read_end = "    if (rc == 0)\n        rc = %s_in_from(&f, a, out);\n"
                                        "    if (rc == 0)\n        rc = ic_reader_end(&f);\n    "
                                        "else\n        ic_reader_free(&f);\n";
    w(g,
      "int %s_in_args(ic_reader *r, candid_arena *a, %s *out)\n{\n    ic_reader f;\n"
      "    int rc = ic_reader_begin(&f, &%s_in_types, r->start, (size_t)(r->end - r->start));\n",
      gm->fname, gm->in, gm->fname);
    w(g, read_end, gm->fname);
    w(g, "    if (rc) {\n        r->error = rc;\n        r->err = f.err;\n    }\n    return "
         "rc;\n}\n\n");
    w(g,
      "bool %s_in_take(candid_arena *a, %s *out)\n{\n    ic_reader f;\n"
      "    int rc = ic_read_args(&f, &%s_in_types);\n",
      gm->fname, gm->in, gm->fname);
    w(g, read_end, gm->fname);
    w(g,
      "    if (rc)\n        ic_rejectf(\"%%s: invalid arguments: %%s\", %s, ic_reader_error(&f));\n"
      "    return rc == 0;\n}\n\n",
      mname);
}

static void emit_method_ic(gen *g, const gen_method *gm)
{
    const char *p = g->prefix;
    const char *mname = c_string(g, gm->m->name, gm->m->name_len);
    int ow = is_oneway(gm);
    if (!ow)
        w(g,
          "static int %s__read_reply(const uint8_t *buf, size_t len, void *reply,\n"
          "                           candid_error *err)\n{\n"
          "    %s *r = reply;\n    return %s_decode(buf, len, &r->arena, &r->out, err);\n"
          "}\n\n",
          gm->fname, gm->reply, gm->out);
    w(g,
      "%s%s_with(const ic_call *call, const %s *args)\n{\n"
      "    %s none;\n    candid_buf arg;\n    candid_error err;\n"
      "    memset(&arg, 0, sizeof arg);\n    if (!args) {\n"
      "        memset(&none, 0, sizeof none);\n        args = &none;\n    }\n"
      "    int rc = %s_encode(args, &arg, &err);\n",
      ow ? "int " : "aw_future *", gm->fname, gm->in, gm->in, gm->in);
    if (ow)
        w(g,
          "    if (rc) {\n        candid_buf_free(&arg);\n        return rc;\n    }\n"
          "    ic_call c = *call;\n    c.method = %s__method(call, %s);\n"
          "    ic_call_with_arg(&c, arg.data, arg.len);\n"
          "    uint32_t r = ic_call_oneway(&c);\n    candid_buf_free(&arg);\n"
          "    return (int)r;\n}\n\n",
          p, mname);
    else
        w(g,
          "    if (rc) {\n        candid_buf_free(&arg);\n"
          "        return %s__encode_failed(rc, &err, %s);\n    }\n"
          "    return %s__call(call, %s__method(call, %s), &arg, %s__read_reply, sizeof(%s));\n"
          "}\n\n",
          p, mname, p, p, mname, gm->fname, gm->reply);
    w(g,
      "%s%s(const ic_principal *callee, const %s *args)\n{\n    ic_call c;\n"
      "    ic_call_init(&c, callee, %s);\n    return %s_with(&c, args);\n}\n\n",
      ow ? "int " : "aw_future *", gm->fname, gm->in, mname, gm->fname);
    emit_in_types(g, gm);
    emit_in_from(g, gm);
    emit_in_args_take(g, gm, mname);
    w(g,
      "int %s_out_reply(const %s *v)\n{\n    candid_buf b;\n    candid_error err;\n"
      "    memset(&b, 0, sizeof b);\n    int rc = %s_encode(v, &b, &err);\n    if (rc)\n"
      "        ic_rejectf(\"%%s: cannot encode the reply: %%s\", %s, err.message);\n"
      "    else\n        ic_reply_raw(b.data, b.len);\n    candid_buf_free(&b);\n"
      "    return rc;\n}\n\n",
      gm->fname, gm->out, gm->out, mname);
}

/* The IC section of the source, in its #if. */
static void emit_stubs(gen *g)
{
    w(g, "#if defined(AW_BACKEND_IC) && AW_BACKEND_IC\n/* ---- call stubs ---- */\n\n");
    emit_stub_runtime(g);
    for (uint32_t i = 0; i < g->nmethods; i++)
        emit_method_ic(g, &g->methods[i]);
    w(g, "#endif\n");
}

/* The source: helpers, the whole environment, per-type readers and writers, then the
 * functions of definitions and tuples, then the IC section. */
static void emit_source(gen *g)
{
    const candid_env *e = g->e;
    w(g, "/* clang-format off */\n");
    w(g,
      "/*\n * %s - Candid bindings generated by `candid gen c` from %s%s%s%s. Do not edit.\n"
      " * The writers call the Candid library's streaming encoder; the readers decode at the\n"
      " * expected type with candid_dec_arg (the library's subtyping rules) and copy the value\n"
      " * into the C types, in the caller's arena.\n */\n",
      g->source_name, g->source, g->methods_opt ? " (methods " : "",
      g->methods_opt ? g->methods_opt : "", g->methods_opt ? ")" : "");
    w(g, "#include \"%s\"\n\n#include <stdlib.h>\n#include <string.h>\n\n", g->include);
    w(g, "%s", helpers);
    if (g->bignum)
        w(g, "%s", bignum_helper);
    emit_env(g);
    w(g, "/* ---- values of each type ---- */\n\n");
    for (int32_t k = 0; k < g->nreach; k++) {
        gen_node *gn = &g->nodes[g->reach[k]];
        if (!is_struct(gn->repr) || gn->same_as >= 0)
            continue;
        w(g,
          "static CANDID_GEN__UNUSED int %s__w(candid_enc *enc, const %s *v, candid_error "
          "*err);\n",
          gn->cname, gn->cname);
        w(g,
          "static CANDID_GEN__UNUSED int %s__r(const candid_value *v, const candid_gen__rd *rd,\n"
          "    %s *out,"
          "    candid_error *err);\n",
          gn->cname, gn->cname);
    }
    w(g, "\n");
    for (int32_t k = 0; k < g->nreach; k++)
        if (is_struct(g->nodes[g->reach[k]].repr) && g->nodes[g->reach[k]].same_as < 0) {
            emit_node_writer(g, g->reach[k]);
            emit_node_reader(g, g->reach[k]);
        }
    w(g, "/* ---- definitions ---- */\n\n");
    for (uint32_t i = 0; i < e->ndefs; i++)
        emit_def_fns(g, i);
    w(g, "/* ---- method arguments and results ---- */\n\n");
    for (uint32_t i = 0; i < g->nmethods; i++) {
        gen_method *gm = &g->methods[i];
        emit_tuple_fns(g, gm->in, gm->fn->u.func.args, gm->in_members, gm->fn->u.func.nargs);
        emit_tuple_fns(g, gm->out, gm->fn->u.func.rets, gm->out_members, gm->fn->u.func.nrets);
    }
    if (g->init.cname)
        emit_tuple_fns(g, g->init.cname, g->init.types, g->init.members, g->init.n);
    if (g->nmethods)
        emit_stubs(g);
}

/* ------------------------------------------------------------------------------------------ */
/* Files and the command line                                                                  */
/* ------------------------------------------------------------------------------------------ */

static int write_file(const char *path, const candid_buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "candid gen: cannot create %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t n = b->len ? fwrite(b->data, 1, b->len, f) : 0;
    int bad = n != b->len || ferror(f);
    if (fclose(f) || bad) {
        fprintf(stderr, "candid gen: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

/* Writes DIR/<base>.h and DIR/<base>.c. Returns 0, or 1 after printing the reason. */
static int gen_emit(gen *g, const char *dir)
{
    candid_buf h = {0}, c = {0};
    char *guard = upper(g, gen_printf(g, "%s_H", c_ident(g, g->base, strlen(g->base))));
    g->out = &h;
    emit_header(g, guard);
    g->out = &c;
    emit_source(g);
    int rc = 0;
    if (g->oom || h.oom || c.oom) {
        fprintf(stderr, "candid gen: out of memory\n");
        rc = 1;
    } else {
        rc = write_file(gen_printf(g, "%s/%s.h", dir, g->base), &h) ||
             write_file(gen_printf(g, "%s/%s", dir, g->source_name), &c);
    }
    candid_buf_free(&h);
    candid_buf_free(&c);
    return rc;
}

/* Marks node t and every node it references in seen[] (indexed like e->types). */
static void mark_used(const candid_env *e, candid_tref t, uint8_t *seen)
{
    const candid_type *n = candid_env_node(e, t);
    if (!n || seen[t])
        return;
    seen[t] = 1;
    switch (n->kind) {
    case CANDID_OPT:
    case CANDID_VEC:
        mark_used(e, n->u.inner, seen);
        break;
    case CANDID_RECORD:
    case CANDID_VARIANT:
        for (uint32_t i = 0; i < n->u.rec.n; i++)
            mark_used(e, n->u.rec.fields[i].type, seen);
        break;
    case CANDID_FUNC:
        for (uint32_t i = 0; i < n->u.func.nargs; i++)
            mark_used(e, n->u.func.args[i], seen);
        for (uint32_t i = 0; i < n->u.func.nrets; i++)
            mark_used(e, n->u.func.rets[i], seen);
        break;
    case CANDID_SERVICE:
        for (uint32_t i = 0; i < n->u.svc.n; i++)
            mark_used(e, n->u.svc.methods[i].type, seen);
        break;
    default:
        break;
    }
}

/*
 * --methods a,b,c: the main service is replaced by a service node with only those methods (in
 * the service's order), and only the definitions whose type is a node those methods or the
 * constructor use are kept, so the files hold what the listed methods need and nothing more.
 * (A definition that only renames a primitive, `type id = principal`, is dropped: the C code
 * uses the primitive's C type.) Returns 0, or 1 after printing the reason: no main service, an
 * empty list, a name the service does not have.
 */
static int select_methods(gen *g, candid_env *e, const char *list)
{
    const candid_type *svc = candid_env_node(e, e->actor);
    if (!svc || svc->kind != CANDID_SERVICE) {
        fprintf(stderr, "candid gen: --methods: %s has no main service\n", g->source);
        return 1;
    }
    uint32_t n = svc->u.svc.n;
    uint8_t *keep = gen_alloc(g, n ? n : 1);
    candid_method *kept = gen_alloc(g, (n ? n : 1) * sizeof *kept);
    if (!keep || !kept)
        return fprintf(stderr, "candid gen: out of memory\n"), 1;
    memset(keep, 0, n ? n : 1);
    for (const char *p = list;;) {
        size_t len = strcspn(p, ",");
        uint32_t i = 0;
        while (i < n && (svc->u.svc.methods[i].name_len != len ||
                         memcmp(svc->u.svc.methods[i].name, p, len) != 0))
            i++;
        if (i == n) {
            fprintf(stderr, "candid gen: --methods: the service of %s has no method \"%.*s\"\n",
                    g->source, (int)len, p);
            return 1;
        }
        keep[i] = 1;
        if (!p[len])
            break;
        p += len + 1;
    }
    candid_type copy = *svc;
    copy.u.svc.methods = kept;
    copy.u.svc.n = 0;
    for (uint32_t i = 0; i < n; i++)
        if (keep[i])
            kept[copy.u.svc.n++] = svc->u.svc.methods[i];
    if (candid_env_add(e, &copy, &e->actor))
        return fprintf(stderr, "candid gen: out of memory\n"), 1;
    uint8_t *seen = gen_alloc(g, e->ntypes);
    if (!seen)
        return fprintf(stderr, "candid gen: out of memory\n"), 1;
    memset(seen, 0, e->ntypes);
    mark_used(e, e->actor, seen);
    for (uint32_t i = 0; i < e->ninit_args; i++)
        mark_used(e, e->init_args[i], seen);
    uint32_t nd = 0;
    for (uint32_t i = 0; i < e->ndefs; i++)
        if (e->defs[i].type >= 0 && seen[e->defs[i].type])
            e->defs[nd++] = e->defs[i];
    e->ndefs = nd;
    g->methods_opt = list;
    return 0;
}

/* The file name without directories and without a `.did` extension. */
static const char *file_base(gen *g, const char *path)
{
    const char *s = strrchr(path, '/');
    s = s ? s + 1 : path;
    size_t n = strlen(s);
    if (n > 4 && !strcmp(s + n - 4, ".did"))
        n -= 4;
    return c_ident(g, s, n);
}

/* Prints the usage and returns the exit status of wrong usage (2). */
static int gen_usage(void)
{
    fprintf(stderr,
            "usage: candid gen c FILE.did -o DIR [--prefix PREFIX] [--name NAME] [--bignum]\n"
            "                    [--methods M1,M2,...] [--include PATH] [--source FILE.c]\n"
            "  writes DIR/NAME.h and DIR/NAME.c (NAME and PREFIX default to the file's "
            "base name);\n"
            "  --bignum: nat and int are candid_bignum (any size) instead of 64-bit\n"
            "  --methods: only these methods of the service, and the types they use\n"
            "  --include: the #include of the header in NAME.c (default NAME.h)\n"
            "  --source: the source's file name, named by its first comment (default NAME.c)\n");
    return 2;
}

int candid_tool_gen(int argc, char **argv)
{
    const char *did = NULL, *dir = NULL, *prefix = NULL, *name = NULL, *methods = NULL;
    const char *include = NULL, *source_name = NULL;
    int bignum = 0;
    if (argc < 2 || strcmp(argv[1], "c"))
        return gen_usage();
    for (int i = 2; i < argc; i++) {
        const char **opt = !strcmp(argv[i], "-o")          ? &dir
                           : !strcmp(argv[i], "--prefix")  ? &prefix
                           : !strcmp(argv[i], "--name")    ? &name
                           : !strcmp(argv[i], "--methods") ? &methods
                           : !strcmp(argv[i], "--include") ? &include
                           : !strcmp(argv[i], "--source")  ? &source_name
                                                           : NULL;
        if (opt) {
            if (i + 1 >= argc || *opt)
                return gen_usage();
            *opt = argv[++i];
        } else if (!strcmp(argv[i], "--bignum")) {
            bignum = 1;
        } else if (argv[i][0] == '-' || did) {
            return gen_usage();
        } else {
            did = argv[i];
        }
    }
    if (!did || !dir)
        return gen_usage();

    size_t len = 0;
    char *src = candid_tool_read_file(did, &len);
    if (!src)
        return 1;
    candid_env env;
    candid_env_init(&env);
    candid_error err;
    memset(&err, 0, sizeof err);
    int rc = candid_parse_did(&env, src, len, did, candid_tool_file_loader, NULL, &err);
    free(src);
    if (rc) {
        fprintf(stderr, "candid gen: %s\n", err.message[0] ? err.message : candid_strerror(rc));
        candid_env_free(&env);
        return 1;
    }
    gen g;
    memset(&g, 0, sizeof g);
    candid_arena_init(&g.arena);
    g.e = &env;
    g.source = did;
    g.bignum = bignum;
    g.base = name ? c_ident(&g, name, strlen(name)) : file_base(&g, did);
    g.prefix = prefix ? c_ident(&g, prefix, strlen(prefix)) : g.base;
    g.include = include ? include : gen_printf(&g, "%s.h", g.base);
    g.source_name = source_name ? source_name : gen_printf(&g, "%s.c", g.base);
    name_add(&g, gen_printf(&g, "%s_env", g.prefix));
    int status = 0;
    if (methods && select_methods(&g, &env, methods)) {
        status = 1;
    } else if (analyse(&g)) {
        fprintf(stderr, "candid gen: out of memory\n");
        status = 1;
    } else {
        if (mkdir(dir, 0777) && errno != EEXIST) {
            fprintf(stderr, "candid gen: cannot create %s: %s\n", dir, strerror(errno));
            status = 1;
        } else {
            status = gen_emit(&g, dir);
        }
    }
    free(g.names);
    candid_arena_free(&g.arena);
    candid_env_free(&env);
    return status;
}
