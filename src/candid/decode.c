/*
 * decode.c - the type-directed Candid decoder (spec "Binary Format", "Deserialisation",
 * "Coercion") and the subtype check for reference values ("Upgrading and Subtyping").
 *
 * candid_dec_begin validates the whole header: magic, every type table entry (constructors
 * only, references in range, field ids strictly increasing and < 2^32, func annotations,
 * service method names sorted, unique, valid UTF-8 and pointing at func entries, future types)
 * and the argument list; every length is checked against the remaining input before anything
 * is allocated. Each argument is then decoded at its expected type in one pass that merges
 * decoding and coercion: record fields are matched by id, wire-only fields and extra arguments
 * are skipped (and validated), and the opt rules fall back to null on a *type mismatch* only
 * (CANDID_E_MISMATCH) after rewinding and skipping the value; malformed data, quota and depth
 * errors are final.
 *
 * Resource limits: every decoded node costs 1 unit of the quota (skipped nodes 4, and they also
 * count against the skipping quota); vectors check their length against the quota before
 * allocating, so the spacebombs of the conformance suite fail after a bounded amount of work;
 * nesting is limited by max_depth, which also stops `type Opt = opt Opt` at wire type bool.
 */
#include "internal.h"

#include <stdlib.h>

/* Helpers with large locals stay out of line so that the recursive dec() keeps a small frame:
 * each nesting level then costs about 100 bytes of wasm stack at -Oz (200 when inlined). */
#define CANDID__NOINLINE __attribute__((noinline))

#define DEFAULT_QUOTA 200000u /* plus 32 units per input byte */
#define DEFAULT_DEPTH 256u
#define SKIP_COST     4u

/* The kind of a reference known to be valid (wire references are checked by the header
 * validation; expected ones come from an env): inlined on the hot path. */
static inline candid_kind kind_of(const candid_env *e, candid_tref t)
{
    return t < 0 ? (candid_kind)t : e->types[t].kind;
}

static size_t off(const candid_dec *d)
{
    return (size_t)(d->pos - d->buf);
}

static size_t left(const candid_dec *d)
{
    return (size_t)(d->end - d->pos);
}

static int nomem(candid_dec *d)
{
    return candid__err_at(d->err, CANDID_E_NOMEM, off(d), "out of memory");
}

static int need(candid_dec *d, uint64_t n, const char *what)
{
    if (n > left(d))
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              "expected %u bytes of %s, %u left", n, what, (uint64_t)left(d));
    return 0;
}

static int read_uleb(candid_dec *d, uint64_t *v, const char *what)
{
    size_t n = candid__uleb(d->pos, d->end, v);
    if (!n)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "expected %s (LEB128 below 2^64)",
                              what);
    d->pos += n;
    return 0;
}

static int read_sleb(candid_dec *d, int64_t *v, const char *what)
{
    size_t n = candid__sleb(d->pos, d->end, v);
    if (!n)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "expected %s (SLEB128)", what);
    d->pos += n;
    return 0;
}

static int charge(candid_dec *d, uint64_t units)
{
    if (d->quota < units)
        return candid__err_at(d->err, CANDID_E_QUOTA, off(d),
                              "decoding quota exceeded (the message is too costly to decode)");
    d->quota -= units;
    return 0;
}

static int charge_skip(candid_dec *d, uint64_t nodes)
{
    if (d->skip_quota != UINT64_MAX) {
        if (d->skip_quota < nodes)
            return candid__err_at(d->err, CANDID_E_QUOTA, off(d), "skipping quota exceeded");
        d->skip_quota -= nodes;
    }
    return charge(d, nodes * SKIP_COST);
}

static void *alloc(candid_dec *d, size_t n)
{
    return candid_arena_alloc(d->arena, n);
}

/* ------------------------------------------------------------------ header */

static int valid_ref(candid_dec *d, int64_t r, uint64_t ntable)
{
    if (r >= 0) {
        if ((uint64_t)r >= ntable)
            return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                                  "type index %d out of range (table has %u entries)", r, ntable);
        return 0;
    }
    if (r >= -17 || r == -24)
        return 0;
    return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                          "type reference %d is neither a primitive type nor a table index", r);
}

static int read_ref(candid_dec *d, uint64_t ntable, candid_tref *out)
{
    int64_t r;
    const uint8_t *at = d->pos;
    int rc = read_sleb(d, &r, "a type reference");
    if (rc)
        return rc;
    d->pos = at; /* report the reference's own offset */
    if ((rc = valid_ref(d, r, ntable)))
        return rc;
    d->pos += candid__sleb(d->pos, d->end, &r);
    *out = (candid_tref)r;
    return 0;
}

/* Reads the count of a list whose items take at least `min_bytes` each, rejecting counts the
 * remaining input cannot hold (so nothing is allocated for them; `overshoot`). */
static int read_count(candid_dec *d, const char *what, unsigned min_bytes, uint64_t *n)
{
    int rc = read_uleb(d, n, what);
    if (rc)
        return rc;
    if (*n > left(d) / min_bytes)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              "%s %u exceeds the remaining input", what, *n);
    return 0;
}

static int read_fields(candid_dec *d, candid_type *t, uint64_t ntable)
{
    uint64_t n;
    int rc = read_count(d, "field count", 2, &n);
    if (rc)
        return rc;
    t->u.rec.n = (uint32_t)n;
    t->u.rec.fields = candid_arena_alloc(&d->wire.arena, (n ? n : 1) * sizeof(candid_field));
    if (!t->u.rec.fields)
        return nomem(d);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t id;
        const uint8_t *at = d->pos;
        if ((rc = read_uleb(d, &id, "a field id")))
            return rc;
        if (id > UINT32_MAX)
            return candid__err_at(d->err, CANDID_E_MALFORMED, (size_t)(at - d->buf),
                                  "field id %u is not below 2^32", id);
        if (i && id <= t->u.rec.fields[i - 1].id)
            return candid__err_at(d->err, CANDID_E_MALFORMED, (size_t)(at - d->buf),
                                  "field id %u not above the previous one (ids must be unique "
                                  "and sorted)",
                                  id);
        t->u.rec.fields[i].id = (uint32_t)id;
        t->u.rec.fields[i].name = NULL;
        if ((rc = read_ref(d, ntable, &t->u.rec.fields[i].type)))
            return rc;
    }
    return 0;
}

static int read_refs(candid_dec *d, uint64_t ntable, candid_tref **out, uint32_t *n)
{
    uint64_t cnt;
    int rc = read_count(d, "type count", 1, &cnt);
    if (rc)
        return rc;
    *n = (uint32_t)cnt;
    *out = candid_arena_alloc(&d->wire.arena, (cnt ? cnt : 1) * sizeof **out);
    if (!*out)
        return nomem(d);
    for (uint64_t i = 0; i < cnt; i++)
        if ((rc = read_ref(d, ntable, &(*out)[i])))
            return rc;
    return 0;
}

/* func: `leb(na) I^na leb(nr) I^nr leb(k) ann^k`, annotations 1 query, 2 oneway, 3 composite. */
static int read_func(candid_dec *d, candid_type *t, uint64_t ntable)
{
    uint64_t k;
    int rc;
    if ((rc = read_refs(d, ntable, &t->u.func.args, &t->u.func.nargs)) ||
        (rc = read_refs(d, ntable, &t->u.func.rets, &t->u.func.nrets)) ||
        (rc = read_uleb(d, &k, "an annotation count")) || (rc = need(d, k, "function annotations")))
        return rc;
    for (uint64_t i = 0; i < k; i++, d->pos++) {
        uint8_t a = *d->pos;
        uint32_t bit = a == 1   ? CANDID_ANN_QUERY
                       : a == 2 ? CANDID_ANN_ONEWAY
                       : a == 3 ? CANDID_ANN_COMPOSITE_QUERY
                                : 0;
        if (!bit)
            return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                                  "unknown function annotation %u", (uint64_t)a);
        t->u.func.ann |= bit;
    }
    return 0;
}

/* One method of a service entry: a UTF-8 name above the previous one and a table index. */
static int read_method(candid_dec *d, candid_type *t, uint64_t i, uint64_t ntable)
{
    uint64_t len;
    const uint8_t *name_at = d->pos;
    int rc;
    if ((rc = read_uleb(d, &len, "a method name length")) || (rc = need(d, len, "method name")))
        return rc;
    if (!candid_utf8_valid(d->pos, (size_t)len))
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "method name is not valid UTF-8");
    candid_method *m = &t->u.svc.methods[i];
    m->name = candid__strdup(&d->wire.arena, (const char *)d->pos, (size_t)len);
    if (!m->name)
        return nomem(d);
    m->name_len = (uint32_t)len;
    d->pos += len;
    if (i && candid__method_cmp(&t->u.svc.methods[i - 1], m) >= 0)
        return candid__err_at(d->err, CANDID_E_MALFORMED, (size_t)(name_at - d->buf),
                              "method names must be unique and sorted (`%s`)", m->name);
    const uint8_t *ref_at = d->pos;
    if ((rc = read_ref(d, ntable, &m->type)))
        return rc;
    if (m->type < 0)
        return candid__err_at(d->err, CANDID_E_MALFORMED, (size_t)(ref_at - d->buf),
                              "method `%s` must refer to a func entry", m->name);
    return 0;
}

/* service: `leb(n) {leb(len) name I}^n`; that each I is a func entry is checked after the
 * whole table is read. */
static int read_service(candid_dec *d, candid_type *t, uint64_t ntable)
{
    uint64_t n;
    int rc = read_count(d, "method count", 2, &n);
    if (rc)
        return rc;
    t->u.svc.n = (uint32_t)n;
    t->u.svc.methods = candid_arena_alloc(&d->wire.arena, (n ? n : 1) * sizeof(candid_method));
    if (!t->u.svc.methods)
        return nomem(d);
    for (uint64_t i = 0; i < n && !rc; i++)
        rc = read_method(d, t, i, ntable);
    return rc;
}

/* One type table entry: a constructor or a future type (spec "Binary Format / Types"). */
static int read_entry(candid_dec *d, uint64_t ntable)
{
    int64_t op;
    const uint8_t *at = d->pos;
    int rc = read_sleb(d, &op, "a type opcode");
    if (rc)
        return rc;
    candid_type t;
    memset(&t, 0, sizeof t);
    t.kind = (candid_kind)op;
    switch (op) {
    case CANDID_OPT:
    case CANDID_VEC:
        rc = read_ref(d, ntable, &t.u.inner);
        break;
    case CANDID_RECORD:
    case CANDID_VARIANT:
        rc = read_fields(d, &t, ntable);
        break;
    case CANDID_FUNC:
        rc = read_func(d, &t, ntable);
        break;
    case CANDID_SERVICE:
        rc = read_service(d, &t, ntable);
        break;
    default:
        if (op >= -24)
            return candid__err_at(d->err, CANDID_E_MALFORMED, (size_t)(at - d->buf),
                                  "type table entry %d is not a constructor", op);
        /* a future type: its body is skipped */
        uint64_t k;
        if ((rc = read_uleb(d, &k, "a future type length")) || (rc = need(d, k, "future type")))
            break;
        t.kind = CANDID_FUTURE;
        t.u.future.opcode = op;
        t.u.future.length = k;
        d->pos += k;
    }
    if (rc)
        return rc;
    candid_tref idx;
    if (candid_env_add(&d->wire, &t, &idx))
        return nomem(d);
    return 0;
}

/* Marks the wire nodes whose values may occupy zero bytes (records made only of null, reserved
 * and such records, cycles included): their vectors cannot be length-checked against input.
 * "Takes bytes" propagates from fields to the records that contain them along reverse edges
 * (a worklist), so the work is linear in the size of the table. */
static int compute_zero_sized(candid_dec *d)
{
    uint32_t n = d->wire.ntypes, nedges = 0;
    const candid_type *ty = d->wire.types;
    d->zero_sized = candid_arena_alloc(&d->wire.arena, n ? n : 1);
    uint32_t *start = candid_arena_alloc(&d->wire.arena, (n + 1) * sizeof *start);
    if (!d->zero_sized || !start)
        return nomem(d);
    memset(start, 0, (n + 1) * sizeof *start);
    for (uint32_t i = 0; i < n; i++)
        if (ty[i].kind == CANDID_RECORD)
            for (uint32_t j = 0; j < ty[i].u.rec.n; j++)
                if (ty[i].u.rec.fields[j].type >= 0) {
                    start[ty[i].u.rec.fields[j].type + 1]++;
                    nedges++;
                }
    for (uint32_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    uint32_t *parent = candid_arena_alloc(&d->wire.arena, (nedges ? nedges : 1) * sizeof *parent);
    uint32_t *fill = candid_arena_alloc(&d->wire.arena, (n ? n : 1) * sizeof *fill);
    uint32_t *work = candid_arena_alloc(&d->wire.arena, (n ? n : 1) * sizeof *work);
    if (!parent || !fill || !work)
        return nomem(d);
    memcpy(fill, start, n * sizeof *fill);
    uint32_t top = 0;
    for (uint32_t i = 0; i < n; i++) {
        d->zero_sized[i] = 1;
        if (ty[i].kind != CANDID_RECORD) {
            d->zero_sized[i] = 0;
            work[top++] = i;
            continue;
        }
        for (uint32_t j = 0; j < ty[i].u.rec.n; j++) {
            candid_tref f = ty[i].u.rec.fields[j].type;
            if (f >= 0)
                parent[fill[f]++] = i;
            else if (f != CANDID_NULL && f != CANDID_RESERVED && d->zero_sized[i]) {
                d->zero_sized[i] = 0;
                work[top++] = i;
            }
        }
    }
    while (top) {
        uint32_t x = work[--top];
        for (uint32_t k = start[x]; k < start[x + 1]; k++)
            if (d->zero_sized[parent[k]]) {
                d->zero_sized[parent[k]] = 0;
                work[top++] = parent[k];
            }
    }
    return 0;
}

int candid_dec_begin(candid_dec *d, const uint8_t *buf, size_t len, const candid_dec_config *cfg,
                     candid_arena *a, candid_error *err)
{
    memset(d, 0, sizeof *d);
    candid_env_init(&d->wire);
    d->buf = d->pos = buf;
    d->end = buf + len;
    d->err = err;
    d->arena = a ? a : &d->wire.arena;
    candid_dec_config def = {0, 0, 0};
    if (!cfg)
        cfg = &def;
    d->quota = cfg->decoding_quota ? cfg->decoding_quota : DEFAULT_QUOTA + 32 * (uint64_t)len;
    d->skip_quota = cfg->skipping_quota ? cfg->skipping_quota : UINT64_MAX;
    d->max_depth = cfg->max_depth ? cfg->max_depth : DEFAULT_DEPTH;
    if (len < 4 || memcmp(buf, "DIDL", 4))
        return candid__err_at(err, CANDID_E_MALFORMED, 0, "expected the magic bytes \"DIDL\"");
    d->pos += 4;
    uint64_t ntable;
    int rc = read_uleb(d, &ntable, "the type table length");
    if (rc)
        return rc;
    if (ntable > left(d))
        return candid__err_at(err, CANDID_E_MALFORMED, off(d),
                              "type table length %u exceeds the remaining input", ntable);
    for (uint64_t i = 0; i < ntable; i++)
        if ((rc = read_entry(d, ntable)))
            return rc;
    for (uint32_t i = 0; i < d->wire.ntypes; i++) {
        const candid_type *t = &d->wire.types[i];
        if (t->kind != CANDID_SERVICE)
            continue;
        for (uint32_t j = 0; j < t->u.svc.n; j++)
            if (d->wire.types[t->u.svc.methods[j].type].kind != CANDID_FUNC)
                return candid__err_at(err, CANDID_E_MALFORMED, 4,
                                      "method `%s` of table entry %u is not a func type",
                                      t->u.svc.methods[j].name, (uint64_t)i);
    }
    if ((rc = read_refs(d, ntable, &d->wire_args, &d->nwire_args)))
        return rc;
    return compute_zero_sized(d);
}

void candid_dec_free(candid_dec *d)
{
    candid_env_free(&d->wire);
    candid_env_free(&d->blob_env);
}

/* ------------------------------------------------------------------ subtyping */

typedef struct {
    const candid_env *ea, *eb;
    struct pair {
        candid_tref a, b;
        uint8_t swapped, used;
    } * memo; /* hash set of assumed pairs, `cap` slots */
    uint32_t n, cap;
    uint32_t depth, max_depth;
    int failure;   /* CANDID_E_NOMEM or CANDID_E_DEPTH */
    uint64_t work; /* pairs compared plus the widths of the nodes compared */
} subctx;

static int sub(subctx *c, int swapped, candid_tref a, candid_tref b);

static uint32_t memo_hash(candid_tref a, candid_tref b, int swapped)
{
    return ((uint32_t)a * 2654435761u) ^ ((uint32_t)b * 40503u) ^ (uint32_t)swapped;
}

/* Doubles the memo table (at least 64 slots) and rehashes; -1 with c->failure on failure. */
static int memo_grow(subctx *c)
{
    uint32_t cap = c->cap ? c->cap * 2 : 64;
    struct pair *m = cap > (1u << 28) ? NULL : calloc(cap, sizeof *m);
    if (!m) {
        c->failure = CANDID_E_NOMEM;
        return -1;
    }
    for (uint32_t i = 0; i < c->cap; i++) {
        if (!c->memo[i].used)
            continue;
        uint32_t h = memo_hash(c->memo[i].a, c->memo[i].b, c->memo[i].swapped) & (cap - 1);
        while (m[h].used)
            h = (h + 1) & (cap - 1);
        m[h] = c->memo[i];
    }
    free(c->memo);
    c->memo = m;
    c->cap = cap;
    return 0;
}

static int sub_node(subctx *c, int swapped, const candid_env *ea, const candid_env *eb,
                    const candid_type *ta, const candid_type *tb, candid_kind ka);

/* Tuple-record check `record {xs} <: record {ys}` for function arguments/results. */
static int sub_tuple(subctx *c, int swapped, const candid_tref *xs, uint32_t nx,
                     const candid_tref *ys, uint32_t ny)
{
    const candid_env *eb = swapped ? c->ea : c->eb;
    for (uint32_t i = 0; i < ny; i++) {
        if (i < nx) {
            int r = sub(c, swapped, xs[i], ys[i]);
            if (r <= 0)
                return r;
        } else if (!candid__null_like(eb, ys[i])) {
            return 0;
        }
    }
    return 1;
}

/* a (in ea, or eb when swapped) <: b (in eb, or ea when swapped). */
static int sub(subctx *c, int swapped, candid_tref a, candid_tref b)
{
    const candid_env *ea = swapped ? c->eb : c->ea, *eb = swapped ? c->ea : c->eb;
    candid_kind ka = candid_env_kind(ea, a), kb = candid_env_kind(eb, b);
    if (kb == CANDID_RESERVED || ka == CANDID_EMPTY || kb == CANDID_OPT)
        return 1;
    if ((ka == CANDID_NAT && kb == CANDID_INT) || (ka == CANDID_SERVICE && kb == CANDID_PRINCIPAL))
        return 1;
    if (ka != kb || ka == CANDID_FUTURE)
        return 0;
    if (a < 0 || b < 0)
        return a < 0 && b < 0; /* equal primitive kinds */
    /* the assumption set (coinductive): a pair seen before holds; hashed, linear probing */
    if (2 * (c->n + 1) > c->cap && memo_grow(c))
        return -1;
    uint32_t h = memo_hash(a, b, swapped) & (c->cap - 1);
    for (; c->memo[h].used; h = (h + 1) & (c->cap - 1))
        if (c->memo[h].a == a && c->memo[h].b == b && c->memo[h].swapped == swapped)
            return 1;
    c->memo[h] = (struct pair){a, b, (uint8_t)swapped, 1};
    c->n++;
    if (c->depth >= c->max_depth) {
        c->failure = CANDID_E_DEPTH; /* bounded recursion: the C stack is finite */
        return -1;
    }
    c->depth++;
    int r = sub_node(c, swapped, ea, eb, &ea->types[a], &eb->types[b], ka);
    c->depth--;
    return r;
}

/* The number of fields, methods or arguments of a node: what comparing it scans. */
static uint64_t node_width(const candid_type *t)
{
    switch (t->kind) {
    case CANDID_RECORD:
    case CANDID_VARIANT:
        return t->u.rec.n;
    case CANDID_SERVICE:
        return t->u.svc.n;
    case CANDID_FUNC:
        return (uint64_t)t->u.func.nargs + t->u.func.nrets;
    default:
        return 1;
    }
}

/* The structural rules for two nodes of the same kind. Every loop below is a merge, so the
 * work is counted as the widths of both nodes (charged to the decoding quota). */
static int sub_node(subctx *c, int swapped, const candid_env *ea, const candid_env *eb,
                    const candid_type *ta, const candid_type *tb, candid_kind ka)
{
    (void)ea;
    c->work += node_width(ta) + node_width(tb);
    switch (ka) {
    case CANDID_VEC:
        return sub(c, swapped, ta->u.inner, tb->u.inner);
    case CANDID_RECORD: {
        uint32_t i = 0;
        for (uint32_t j = 0; j < tb->u.rec.n; j++) {
            while (i < ta->u.rec.n && ta->u.rec.fields[i].id < tb->u.rec.fields[j].id)
                i++;
            if (i < ta->u.rec.n && ta->u.rec.fields[i].id == tb->u.rec.fields[j].id) {
                int r = sub(c, swapped, ta->u.rec.fields[i].type, tb->u.rec.fields[j].type);
                if (r <= 0)
                    return r;
            } else if (!candid__null_like(eb, tb->u.rec.fields[j].type)) {
                return 0;
            }
        }
        return 1;
    }
    case CANDID_VARIANT: {
        uint32_t j = 0;
        for (uint32_t i = 0; i < ta->u.rec.n; i++) {
            while (j < tb->u.rec.n && tb->u.rec.fields[j].id < ta->u.rec.fields[i].id)
                j++;
            if (j >= tb->u.rec.n || tb->u.rec.fields[j].id != ta->u.rec.fields[i].id)
                return 0;
            int r = sub(c, swapped, ta->u.rec.fields[i].type, tb->u.rec.fields[j].type);
            if (r <= 0)
                return r;
        }
        return 1;
    }
    case CANDID_FUNC: {
        if (ta->u.func.ann != tb->u.func.ann)
            return 0;
        /* arguments are contravariant: record {b args} <: record {a args} */
        int r = sub_tuple(c, !swapped, tb->u.func.args, tb->u.func.nargs, ta->u.func.args,
                          ta->u.func.nargs);
        if (r <= 0)
            return r;
        return sub_tuple(c, swapped, ta->u.func.rets, ta->u.func.nrets, tb->u.func.rets,
                         tb->u.func.nrets);
    }
    case CANDID_SERVICE: {
        /* both method lists are sorted by name bytes: merge */
        uint32_t i = 0;
        for (uint32_t j = 0; j < tb->u.svc.n; j++) {
            const candid_method *mb = &tb->u.svc.methods[j];
            int cmp = -1;
            while (i < ta->u.svc.n && (cmp = candid__method_cmp(&ta->u.svc.methods[i], mb)) < 0)
                i++;
            if (i >= ta->u.svc.n || cmp != 0)
                return 0;
            int r = sub(c, swapped, ta->u.svc.methods[i].type, mb->type);
            if (r <= 0)
                return r;
        }
        return 1;
    }
    default:
        return 0;
    }
}

int candid__subtype(const candid_env *we, candid_tref w, const candid_env *te, candid_tref t,
                    uint32_t depth_limit, uint64_t *work)
{
    subctx c = {we, te, NULL, 0, 0, 0, depth_limit, 0, 0};
    int r = sub(&c, 0, w, t);
    free(c.memo);
    if (work)
        *work = c.work + c.n;
    return c.failure ? c.failure : r;
}

/* ------------------------------------------------------------------ skipping */

static int skip(candid_dec *d, candid_tref w);

static int skip_bytes_len(candid_dec *d, const char *what, int utf8)
{
    uint64_t n;
    int rc = read_uleb(d, &n, "a length");
    if (rc || (rc = need(d, n, what)))
        return rc;
    if (utf8 && !candid_utf8_valid(d->pos, (size_t)n))
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "%s is not valid UTF-8", what);
    if ((rc = charge(d, n / 8)))
        return rc;
    d->pos += n;
    return 0;
}

static int read_principal(candid_dec *d, const uint8_t **p, size_t *n)
{
    if (!left(d) || *d->pos != 1)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              left(d) ? "expected principal tag 01 (opaque references are not "
                                        "supported)"
                                      : "expected a principal, input ends");
    d->pos++;
    uint64_t len;
    int rc = read_uleb(d, &len, "a principal length");
    if (rc || (rc = need(d, len, "principal")))
        return rc;
    if (len > CANDID_PRINCIPAL_MAX)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              "principal of %u bytes (at most 29 allowed)", len);
    *p = d->pos;
    *n = (size_t)len;
    d->pos += len;
    return 0;
}

static int fixed_size(candid_kind k)
{
    switch (k) {
    case CANDID_NAT8:
    case CANDID_INT8:
        return 1;
    case CANDID_NAT16:
    case CANDID_INT16:
        return 2;
    case CANDID_NAT32:
    case CANDID_INT32:
    case CANDID_FLOAT32:
        return 4;
    case CANDID_NAT64:
    case CANDID_INT64:
    case CANDID_FLOAT64:
        return 8;
    default:
        return 0;
    }
}

static int is_zero_sized(const candid_dec *d, candid_tref w)
{
    if (w < 0)
        return w == CANDID_NULL || w == CANDID_RESERVED;
    return d->zero_sized[w];
}

/* Reads a vector length and checks it against the input (non-zero-sized elements) and the
 * quota (every element costs at least `unit`). */
static int read_vec_len(candid_dec *d, candid_tref elem, uint64_t unit, uint64_t *n)
{
    const uint8_t *at = d->pos;
    int rc = read_uleb(d, n, "a vector length");
    if (rc)
        return rc;
    if (!is_zero_sized(d, elem) && *n > left(d))
        return candid__err_at(d->err, CANDID_E_MALFORMED, (size_t)(at - d->buf),
                              "vector length %u exceeds the remaining input", *n);
    if (*n > d->quota / unit)
        return candid__err_at(d->err, CANDID_E_QUOTA, (size_t)(at - d->buf),
                              "vector of %u elements exceeds the decoding quota", *n);
    return 0;
}

#define NOT_A_LEAF 1

/* Skips a value whose wire type takes no nesting: primitives, references, and the reference
 * constructors. Returns 0, an error, or NOT_A_LEAF for opt, vec, record, variant and future. */
static int skip_leaf(candid_dec *d, candid_kind k)
{
    const uint8_t *p;
    size_t n;
    int rc, fs = fixed_size(k);
    if (fs)
        return need(d, (uint64_t)fs, candid_kind_name(k)) ? CANDID_E_MALFORMED : (d->pos += fs, 0);
    switch (k) {
    case CANDID_NULL:
    case CANDID_RESERVED:
        return 0;
    case CANDID_BOOL:
        if (!left(d) || *d->pos > 1)
            return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "expected bool 00 or 01");
        d->pos++;
        return 0;
    case CANDID_NAT:
    case CANDID_INT:
        while (d->pos < d->end && (*d->pos & 0x80))
            d->pos++;
        if (d->pos >= d->end)
            return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                                  "expected a number, input ends");
        d->pos++;
        return 0;
    case CANDID_TEXT:
        return skip_bytes_len(d, "text", 1);
    case CANDID_EMPTY:
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              "a value of type empty cannot exist");
    case CANDID_PRINCIPAL:
    case CANDID_SERVICE:
        return read_principal(d, &p, &n);
    case CANDID_FUNC:
        if (!left(d) || *d->pos != 1)
            return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                                  "expected func tag 01 (opaque references are not supported)");
        d->pos++;
        if ((rc = read_principal(d, &p, &n)))
            return rc;
        return skip_bytes_len(d, "method name", 1);
    default:
        return NOT_A_LEAF;
    }
}

/* Skips a vector: fixed-size elements in one step, others one by one. */
static int skip_vec(candid_dec *d, const candid_type *t)
{
    uint64_t n;
    int rc = read_vec_len(d, t->u.inner, SKIP_COST, &n);
    if (rc)
        return rc;
    int efs = fixed_size(kind_of(&d->wire, t->u.inner));
    if (efs) {
        if (!(rc = need(d, n * (uint64_t)efs, "vector")) && !(rc = charge_skip(d, n / 8)))
            d->pos += n * (uint64_t)efs;
        return rc;
    }
    for (uint64_t i = 0; i < n && !rc; i++)
        rc = skip(d, t->u.inner);
    return rc;
}

/* Skips (and validates) a value of wire type w: an extra argument or field, a value decoded at
 * reserved, or an opt that fell back to null. Charged as skipped work. */
static int skip(candid_dec *d, candid_tref w)
{
    int rc = charge_skip(d, 1);
    if (rc)
        return rc;
    candid_kind k = kind_of(&d->wire, w);
    if ((rc = skip_leaf(d, k)) != NOT_A_LEAF)
        return rc;
    rc = 0;
    if (++d->depth > d->max_depth)
        return candid__err_at(d->err, CANDID_E_DEPTH, off(d), "nesting deeper than %u",
                              (uint64_t)d->max_depth);
    const candid_type *t = &d->wire.types[w];
    uint64_t a, b;
    switch (k) {
    case CANDID_OPT:
        if (!left(d) || *d->pos > 1)
            rc = candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "expected opt tag 00 or 01");
        else if (*d->pos++ == 1)
            rc = skip(d, t->u.inner);
        break;
    case CANDID_VEC:
        rc = skip_vec(d, t);
        break;
    case CANDID_RECORD:
        for (uint32_t i = 0; i < t->u.rec.n && !rc; i++)
            rc = skip(d, t->u.rec.fields[i].type);
        break;
    case CANDID_VARIANT:
        if ((rc = read_uleb(d, &a, "a variant index")))
            break;
        if (a >= t->u.rec.n)
            rc = candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                                "variant index %u out of range (%u tags)", a, (uint64_t)t->u.rec.n);
        else
            rc = skip(d, t->u.rec.fields[a].type);
        break;
    case CANDID_FUTURE:
        /* leb(m) leb(n) then m bytes (n references, unused on the IC) */
        if (!(rc = read_uleb(d, &a, "a future value length")) &&
            !(rc = read_uleb(d, &b, "a future reference count")) &&
            !(rc = need(d, a, "future value")))
            d->pos += a;
        break;
    default:
        rc = candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "unknown wire type");
    }
    d->depth--;
    return rc;
}

/* ------------------------------------------------------------------ decoding */

static int mismatch(candid_dec *d, candid_tref w, const candid_env *te, candid_tref t)
{
    const char *wn = candid_kind_name(candid_env_kind(&d->wire, w));
    const char *tn = candid_kind_name(candid_env_kind(te, t));
    return candid__err_at(d->err, CANDID_E_MISMATCH, off(d),
                          "type mismatch: wire type %s cannot be decoded at expected type %s",
                          wn ? wn : "future", tn ? tn : "?");
}

/* The value an absent opt/null/reserved argument or field takes. */
static void null_of(const candid_env *te, candid_tref t, candid_value *out)
{
    candid_kind k = candid_env_kind(te, t);
    out->kind = k;
    if (k == CANDID_OPT)
        out->u.opt = NULL;
}

static int dec(candid_dec *d, candid_tref w, const candid_env *te, candid_tref t,
               candid_value *out);

CANDID__NOINLINE static int dec_bytes(candid_dec *d, candid_value *out, int utf8, const char *what)
{
    uint64_t n;
    int rc = read_uleb(d, &n, "a length");
    if (rc || (rc = need(d, n, what)))
        return rc;
    if (utf8 && !candid_utf8_valid(d->pos, (size_t)n))
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "%s is not valid UTF-8", what);
    if ((rc = charge(d, n / 8)))
        return rc;
    out->u.bytes.len = (size_t)n;
    if (d->borrow) {
        out->u.bytes.data = d->pos;
    } else {
        uint8_t *p = alloc(d, (size_t)n + 1);
        if (!p)
            return nomem(d);
        memcpy(p, d->pos, (size_t)n);
        p[n] = 0;
        out->u.bytes.data = p;
    }
    d->pos += n;
    return 0;
}

CANDID__NOINLINE static int dec_principal(candid_dec *d, candid_value *out)
{
    const uint8_t *p;
    size_t n;
    int rc = read_principal(d, &p, &n);
    if (rc)
        return rc;
    out->u.bytes.len = n;
    if (d->borrow) {
        out->u.bytes.data = p;
        return 0;
    }
    uint8_t *c = alloc(d, n ? n : 1);
    if (!c)
        return nomem(d);
    memcpy(c, p, n);
    out->u.bytes.data = c;
    return 0;
}

static uint64_t read_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

CANDID__NOINLINE static int dec_prim(candid_dec *d, candid_kind wk, candid_kind tk,
                                     candid_value *out)
{
    int fs = fixed_size(tk), rc;
    out->kind = tk;
    if (fs) {
        if ((rc = need(d, (uint64_t)fs, candid_kind_name(tk))))
            return rc;
        uint64_t v = read_le(d->pos, fs);
        d->pos += fs;
        switch (tk) {
        case CANDID_INT8:
            out->u.i64 = (int8_t)v;
            break;
        case CANDID_INT16:
            out->u.i64 = (int16_t)v;
            break;
        case CANDID_INT32:
            out->u.i64 = (int32_t)v;
            break;
        case CANDID_INT64:
            out->u.i64 = (int64_t)v;
            break;
        case CANDID_FLOAT32: {
            uint32_t b = (uint32_t)v;
            memcpy(&out->u.f32, &b, 4);
            break;
        }
        case CANDID_FLOAT64:
            memcpy(&out->u.f64, &v, 8);
            break;
        default:
            out->u.u64 = v;
        }
        return 0;
    }
    switch (tk) {
    case CANDID_NULL:
    case CANDID_RESERVED:
        return 0;
    case CANDID_BOOL:
        if (!left(d) || *d->pos > 1)
            return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "expected bool 00 or 01");
        out->u.b = *d->pos++;
        return 0;
    case CANDID_NAT:
    case CANDID_INT: {
        int oom = 0;
        size_t n =
            candid__read_bignum(d->pos, d->end, wk == CANDID_INT, d->arena, &out->u.num, &oom);
        if (oom)
            return nomem(d);
        if (!n)
            return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                                  "expected a LEB128 number, input ends");
        d->pos += n;
        return 0;
    }
    case CANDID_TEXT:
        return dec_bytes(d, out, 1, "text");
    default:
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "unexpected primitive");
    }
}

static int dec_opt(candid_dec *d, candid_tref w, candid_kind wk, const candid_env *te,
                   const candid_type *tt, candid_value *out)
{
    out->kind = CANDID_OPT;
    out->u.opt = NULL;
    if (wk == CANDID_NULL || wk == CANDID_RESERVED)
        return 0;
    if (wk == CANDID_FUTURE)
        return skip(d, w);
    candid_tref inner_w = w;
    if (wk == CANDID_OPT) {
        if (!left(d) || *d->pos > 1)
            return candid__err_at(d->err, CANDID_E_MALFORMED, off(d), "expected opt tag 00 or 01");
        if (*d->pos++ == 0)
            return 0;
        inner_w = d->wire.types[w].u.inner;
    }
    candid_value *v = alloc(d, sizeof *v);
    if (!v)
        return nomem(d);
    const uint8_t *save = d->pos;
    int rc = dec(d, inner_w, te, tt->u.inner, v);
    if (rc == CANDID_E_MISMATCH) {
        /* spec "Coercion / Options": a value that does not coerce becomes null; the wire value
         * is still skipped and validated */
        d->pos = save;
        return skip(d, inner_w);
    }
    if (rc)
        return rc;
    out->u.opt = v;
    return 0;
}

static int dec_vec(candid_dec *d, const candid_type *wt, const candid_env *te,
                   const candid_type *tt, candid_value *out)
{
    uint64_t n;
    int rc = read_vec_len(d, wt->u.inner, 1, &n);
    if (rc)
        return rc;
    candid_kind wek = kind_of(&d->wire, wt->u.inner);
    if (tt->u.inner == CANDID_NAT8) {
        out->kind = CANDID_BLOB;
        if (wek != CANDID_NAT8) {
            if (n)
                return mismatch(d, wt->u.inner, te, tt->u.inner);
            out->u.bytes.data = (const uint8_t *)"";
            out->u.bytes.len = 0;
            return 0;
        }
        if ((rc = need(d, n, "blob")) || (rc = charge(d, n / 8)))
            return rc;
        out->u.bytes.len = (size_t)n;
        if (d->borrow) {
            out->u.bytes.data = d->pos;
        } else {
            uint8_t *p = alloc(d, (size_t)n + 1);
            if (!p)
                return nomem(d);
            memcpy(p, d->pos, (size_t)n);
            out->u.bytes.data = p;
        }
        d->pos += n;
        return 0;
    }
    out->kind = CANDID_VEC;
    out->u.vec.n = (size_t)n;
    out->u.vec.items = alloc(d, (size_t)(n ? n : 1) * sizeof(candid_value));
    if (!out->u.vec.items)
        return nomem(d);
    for (uint64_t i = 0; i < n; i++)
        if ((rc = dec(d, wt->u.inner, te, tt->u.inner, &out->u.vec.items[i])))
            return rc;
    return 0;
}

static int dec_record(candid_dec *d, const candid_type *wt, const candid_env *te,
                      const candid_type *tt, candid_value *out)
{
    uint32_t nt = tt->u.rec.n, nw = wt->u.rec.n, j = 0;
    out->kind = CANDID_RECORD;
    out->u.rec.n = nt;
    out->u.rec.fields = alloc(d, (nt ? nt : 1) * sizeof(candid_field_value));
    candid_value *vals = alloc(d, (nt ? nt : 1) * sizeof(candid_value));
    if (!out->u.rec.fields || !vals)
        return nomem(d);
    int rc;
    for (uint32_t i = 0; i < nw; i++) {
        const candid_field *wf = &wt->u.rec.fields[i];
        /* expected-only fields before this wire field */
        for (; j < nt && tt->u.rec.fields[j].id < wf->id; j++) {
            const candid_field *tf = &tt->u.rec.fields[j];
            if (!candid__null_like(te, tf->type))
                return candid__err_at(d->err, CANDID_E_MISMATCH, off(d),
                                      "record field %u is missing", (uint64_t)tf->id);
            null_of(te, tf->type, &vals[j]);
            out->u.rec.fields[j] = (candid_field_value){tf->id, tf->name, &vals[j]};
        }
        if (j < nt && tt->u.rec.fields[j].id == wf->id) {
            const candid_field *tf = &tt->u.rec.fields[j];
            if ((rc = dec(d, wf->type, te, tf->type, &vals[j])))
                return rc;
            out->u.rec.fields[j] = (candid_field_value){tf->id, tf->name, &vals[j]};
            j++;
        } else if ((rc = skip(d, wf->type))) {
            return rc;
        }
    }
    for (; j < nt; j++) {
        const candid_field *tf = &tt->u.rec.fields[j];
        if (!candid__null_like(te, tf->type))
            return candid__err_at(d->err, CANDID_E_MISMATCH, off(d), "record field %u is missing",
                                  (uint64_t)tf->id);
        null_of(te, tf->type, &vals[j]);
        out->u.rec.fields[j] = (candid_field_value){tf->id, tf->name, &vals[j]};
    }
    return 0;
}

static int dec_variant(candid_dec *d, const candid_type *wt, const candid_env *te,
                       const candid_type *tt, candid_value *out)
{
    uint64_t idx;
    int rc = read_uleb(d, &idx, "a variant index");
    if (rc)
        return rc;
    if (idx >= wt->u.rec.n)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              "variant index %u out of range (%u tags)", idx,
                              (uint64_t)wt->u.rec.n);
    const candid_field *wf = &wt->u.rec.fields[idx];
    uint32_t lo = 0, hi = tt->u.rec.n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (tt->u.rec.fields[mid].id < wf->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= tt->u.rec.n || tt->u.rec.fields[lo].id != wf->id)
        return candid__err_at(d->err, CANDID_E_MISMATCH, off(d),
                              "variant tag %u is not in the expected type", (uint64_t)wf->id);
    const candid_field *tf = &tt->u.rec.fields[lo];
    candid_value *v = alloc(d, sizeof *v);
    if (!v)
        return nomem(d);
    out->kind = CANDID_VARIANT;
    out->u.var.id = tf->id;
    out->u.var.index = lo;
    out->u.var.name = tf->name;
    out->u.var.value = v;
    return dec(d, wf->type, te, tf->type, v);
}

CANDID__NOINLINE static int dec_ref(candid_dec *d, candid_tref w, candid_kind wk,
                                    const candid_env *te, candid_tref t, candid_kind tk,
                                    candid_value *out)
{
    int r = -1;
    for (uint32_t i = 0; i < 4; i++)
        if (d->subtype_cache[i].env == te && d->subtype_cache[i].wire == w &&
            d->subtype_cache[i].expected == t)
            r = d->subtype_cache[i].result;
    if (r < 0) {
        uint64_t work = 0;
        if ((r = candid__subtype(&d->wire, w, te, t, d->max_depth, &work)) == CANDID_E_NOMEM)
            return nomem(d);
        /* the check's work counts against the quota like decoding does */
        int qrc = charge(d, work);
        if (qrc)
            return qrc;
        if (r < 0)
            return candid__err_at(d->err, CANDID_E_DEPTH, off(d),
                                  "reference types nested deeper than %u", (uint64_t)d->max_depth);
        uint32_t slot = d->subtype_next++ % 4;
        d->subtype_cache[slot].env = te;
        d->subtype_cache[slot].wire = w;
        d->subtype_cache[slot].expected = t;
        d->subtype_cache[slot].result = r;
    }
    if (!r)
        return candid__err_at(d->err, CANDID_E_MISMATCH, off(d),
                              "the wire %s type is not a subtype of the expected one",
                              candid_kind_name(wk));
    out->kind = tk;
    if (wk != CANDID_FUNC)
        return dec_principal(d, out);
    if (!left(d) || *d->pos != 1)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              "expected func tag 01 (opaque references are not supported)");
    d->pos++;
    candid_value p, m;
    int rc;
    if ((rc = dec_principal(d, &p)) || (rc = dec_bytes(d, &m, 1, "method name")))
        return rc;
    out->u.func.principal = p.u.bytes.data;
    out->u.func.principal_len = p.u.bytes.len;
    out->u.func.method = (const char *)m.u.bytes.data;
    out->u.func.method_len = m.u.bytes.len;
    return 0;
}

/* Decodes the wire value of type w (in d->wire) at expected type t (in te). */
static int dec(candid_dec *d, candid_tref w, const candid_env *te, candid_tref t, candid_value *out)
{
    int rc = charge(d, 1);
    if (rc)
        return rc;
    candid_kind wk = kind_of(&d->wire, w), tk = kind_of(te, t);
    if (tk == CANDID_RESERVED) {
        out->kind = CANDID_RESERVED;
        return skip(d, w);
    }
    if (wk == CANDID_EMPTY)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              "a value of type empty cannot exist");
    if (wk == CANDID_PRINCIPAL && tk == CANDID_PRINCIPAL) {
        out->kind = CANDID_PRINCIPAL;
        return dec_principal(d, out);
    }
    if (w < 0 && t < 0 && (wk == tk || (wk == CANDID_NAT && tk == CANDID_INT)))
        return dec_prim(d, wk, tk, out);
    if (++d->depth > d->max_depth)
        return candid__err_at(d->err, CANDID_E_DEPTH, off(d), "nesting deeper than %u",
                              (uint64_t)d->max_depth);
    const candid_type *tt = t >= 0 ? &te->types[t] : NULL;
    const candid_type *wt = w >= 0 ? &d->wire.types[w] : NULL;
    if (tk == CANDID_OPT)
        rc = dec_opt(d, w, wk, te, tt, out);
    else if (tk == CANDID_PRINCIPAL && wk == CANDID_SERVICE) {
        out->kind = CANDID_PRINCIPAL; /* service <: principal: same value encoding */
        rc = dec_principal(d, out);
    } else if (wk != tk)
        rc = mismatch(d, w, te, t);
    else if (tk == CANDID_VEC)
        rc = dec_vec(d, wt, te, tt, out);
    else if (tk == CANDID_RECORD)
        rc = dec_record(d, wt, te, tt, out);
    else if (tk == CANDID_VARIANT)
        rc = dec_variant(d, wt, te, tt, out);
    else if (tk == CANDID_FUNC || tk == CANDID_SERVICE)
        rc = dec_ref(d, w, wk, te, t, tk, out);
    else
        rc = mismatch(d, w, te, t);
    d->depth--;
    return rc;
}

/* ------------------------------------------------------------------ public API */

int candid_dec_arg(candid_dec *d, const candid_env *e, candid_tref t, candid_value *out)
{
    if (t >= 0 && !candid_env_node(e, t))
        return candid__errf(d->err, CANDID_E_USAGE, "expected type reference out of range");
    if (d->next_arg >= d->nwire_args) {
        if (!candid__null_like(e, t))
            return candid__err_at(d->err, CANDID_E_MISMATCH, off(d),
                                  "missing argument %u (expected type %s)", (uint64_t)d->next_arg,
                                  candid_kind_name(candid_env_kind(e, t)));
        null_of(e, t, out);
        d->next_arg++;
        return 0;
    }
    d->depth = 0;
    return dec(d, d->wire_args[d->next_arg++], e, t, out);
}

int candid_dec_arg_wire(candid_dec *d, candid_value *out)
{
    if (d->next_arg >= d->nwire_args)
        return candid__err_at(d->err, CANDID_E_USAGE, off(d), "no more arguments");
    candid_tref w = d->wire_args[d->next_arg];
    return candid_dec_arg(d, &d->wire, w, out);
}

int candid_dec_end(candid_dec *d)
{
    int rc;
    for (; d->next_arg < d->nwire_args; d->next_arg++) {
        d->depth = 0;
        if ((rc = skip(d, d->wire_args[d->next_arg])))
            return rc;
    }
    if (d->pos != d->end)
        return candid__err_at(d->err, CANDID_E_MALFORMED, off(d),
                              "%u unexpected bytes after the last argument", (uint64_t)left(d));
    return 0;
}

/* Reads the next argument at a primitive type without allocating. */
static int dec_leaf(candid_dec *d, candid_tref t, candid_value *v)
{
    d->borrow = 1;
    int rc = candid_dec_arg(d, NULL, t, v);
    d->borrow = 0;
    return rc;
}

static int range_err(candid_dec *d, const char *type)
{
    return candid__err_at(d->err, CANDID_E_VALUE, off(d), "the number does not fit in %s", type);
}

int candid_dec_bool(candid_dec *d, int *out)
{
    candid_value v;
    int rc = dec_leaf(d, CANDID_BOOL, &v);
    if (!rc)
        *out = v.u.b;
    return rc;
}

int candid_dec_nat(candid_dec *d, uint64_t *out)
{
    candid_value v;
    int rc = dec_leaf(d, CANDID_NAT, &v);
    if (!rc && !candid__bignum_to_u64(&v.u.num, out))
        return range_err(d, "uint64_t");
    return rc;
}

int candid_dec_int(candid_dec *d, int64_t *out)
{
    candid_value v;
    int rc = dec_leaf(d, CANDID_INT, &v);
    if (!rc && !candid__bignum_to_i64(&v.u.num, out))
        return range_err(d, "int64_t");
    return rc;
}

#define CANDID__DEC_FIXED(fn, ctype, kind, field)                                                  \
    int fn(candid_dec *d, ctype *out)                                                              \
    {                                                                                              \
        candid_value v;                                                                            \
        int rc = dec_leaf(d, kind, &v);                                                            \
        if (!rc)                                                                                   \
            *out = (ctype)v.u.field;                                                               \
        return rc;                                                                                 \
    }
CANDID__DEC_FIXED(candid_dec_nat8, uint8_t, CANDID_NAT8, u64)
CANDID__DEC_FIXED(candid_dec_nat16, uint16_t, CANDID_NAT16, u64)
CANDID__DEC_FIXED(candid_dec_nat32, uint32_t, CANDID_NAT32, u64)
CANDID__DEC_FIXED(candid_dec_nat64, uint64_t, CANDID_NAT64, u64)
CANDID__DEC_FIXED(candid_dec_int8, int8_t, CANDID_INT8, i64)
CANDID__DEC_FIXED(candid_dec_int16, int16_t, CANDID_INT16, i64)
CANDID__DEC_FIXED(candid_dec_int32, int32_t, CANDID_INT32, i64)
CANDID__DEC_FIXED(candid_dec_int64, int64_t, CANDID_INT64, i64)
CANDID__DEC_FIXED(candid_dec_float32, float, CANDID_FLOAT32, f32)
CANDID__DEC_FIXED(candid_dec_float64, double, CANDID_FLOAT64, f64)

int candid_dec_text(candid_dec *d, const char **s, size_t *len)
{
    candid_value v;
    int rc = dec_leaf(d, CANDID_TEXT, &v);
    if (!rc) {
        *s = (const char *)v.u.bytes.data;
        *len = v.u.bytes.len;
    }
    return rc;
}

int candid_dec_principal(candid_dec *d, const uint8_t **p, size_t *len)
{
    candid_value v;
    int rc = dec_leaf(d, CANDID_PRINCIPAL, &v);
    if (!rc) {
        *p = v.u.bytes.data;
        *len = v.u.bytes.len;
    }
    return rc;
}

int candid_dec_blob(candid_dec *d, const uint8_t **p, size_t *len)
{
    /* expected type vec nat8, held in a one-node environment of the decoder */
    candid_env *e = &d->blob_env;
    if (!e->ntypes) {
        candid_type t = {.kind = CANDID_VEC};
        t.u.inner = CANDID_NAT8;
        candid_tref r;
        candid_env_init(e);
        if (candid_env_add(e, &t, &r))
            return nomem(d);
    }
    candid_value v;
    d->borrow = 1;
    int rc = candid_dec_arg(d, e, 0, &v);
    d->borrow = 0;
    if (!rc) {
        *p = v.u.bytes.data;
        *len = v.u.bytes.len;
    }
    return rc;
}

int candid_decode(const uint8_t *buf, size_t len, const candid_env *e, const candid_tref *types,
                  uint32_t ntypes, const candid_dec_config *cfg, candid_arena *a,
                  candid_value **out, uint32_t *nout, candid_error *err)
{
    if (!a)
        return candid__errf(err, CANDID_E_USAGE, "candid_decode needs an arena for the values");
    candid_dec d;
    int rc = candid_dec_begin(&d, buf, len, cfg, a, err);
    if (rc) {
        candid_dec_free(&d);
        return rc;
    }
    uint32_t n = types ? ntypes : d.nwire_args;
    candid_value *vals = candid_arena_alloc(a, (n ? n : 1) * sizeof *vals);
    if (!vals) {
        candid_dec_free(&d);
        return candid__errf(err, CANDID_E_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = types ? candid_dec_arg(&d, e, types[i], &vals[i]) : candid_dec_arg_wire(&d, &vals[i]);
    if (!rc)
        rc = candid_dec_end(&d);
    candid_dec_free(&d);
    if (rc)
        return rc;
    *out = vals;
    *nout = n;
    return 0;
}
