/*
 * encode.c - the streaming Candid encoder (spec "Binary Format / Serialisation").
 *
 * The type table is built on demand from the nodes of a candid_env: each node is written once
 * (a per-node memo), structurally identical entries are shared (an entry whose bytes equal an
 * existing entry's reuses its index), and recursive types get their index when a descendant
 * first refers back to them. Field ids are already sorted in the env, methods sorted by name,
 * and variants are written by index into the sorted tag list. LEB128 is always minimal.
 */
#include "internal.h"

#include <stdlib.h>

struct candid__enc_entry {
    size_t off, len; /* bytes in enc->entries; len == SIZE_MAX while being built */
    uint32_t hash;
};

struct candid__enc_node {
    int32_t index; /* table index, or -1 */
    uint8_t state; /* 0 unvisited, 1 in progress, 2 done */
};

void candid_enc_init(candid_enc *enc)
{
    memset(enc, 0, sizeof *enc);
}

void candid_enc_free(candid_enc *enc)
{
    candid_buf_free(&enc->entries);
    candid_buf_free(&enc->args);
    candid_buf_free(&enc->values);
    free(enc->entry);
    free(enc->node);
    candid_enc_init(enc);
}

static int fail(candid_enc *enc, int code)
{
    if (!enc->error)
        enc->error = code;
    return enc->error;
}

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static int new_entry(candid_enc *enc, int32_t *idx)
{
    if (candid__grow((void **)&enc->entry, &enc->capentry, enc->nentry + 1, sizeof *enc->entry))
        return CANDID_E_NOMEM;
    enc->entry[enc->nentry] = (struct candid__enc_entry){0, SIZE_MAX, 0};
    *idx = (int32_t)enc->nentry++;
    return 0;
}

static int emit(candid_enc *enc, const candid_env *e, candid_tref t, int64_t *ref);

static int emit_refs(candid_enc *enc, const candid_env *e, candid_buf *b, const candid_tref *ts,
                     uint32_t n)
{
    candid__buf_uleb(b, n);
    for (uint32_t i = 0; i < n; i++) {
        int64_t r;
        int rc = emit(enc, e, ts[i], &r);
        if (rc)
            return rc;
        candid__buf_sleb(b, r);
    }
    return 0;
}

/* Builds the entry bytes of node t into b. */
static int entry_bytes(candid_enc *enc, const candid_env *e, const candid_type *n, candid_buf *b)
{
    int64_t r;
    int rc = 0;
    candid__buf_sleb(b, n->kind);
    switch (n->kind) {
    case CANDID_OPT:
    case CANDID_VEC:
        if ((rc = emit(enc, e, n->u.inner, &r)))
            return rc;
        candid__buf_sleb(b, r);
        break;
    case CANDID_RECORD:
    case CANDID_VARIANT:
        candid__buf_uleb(b, n->u.rec.n);
        for (uint32_t i = 0; i < n->u.rec.n; i++) {
            if ((rc = emit(enc, e, n->u.rec.fields[i].type, &r)))
                return rc;
            candid__buf_uleb(b, n->u.rec.fields[i].id);
            candid__buf_sleb(b, r);
        }
        break;
    case CANDID_FUNC: {
        if ((rc = emit_refs(enc, e, b, n->u.func.args, n->u.func.nargs)) ||
            (rc = emit_refs(enc, e, b, n->u.func.rets, n->u.func.nrets)))
            return rc;
        uint8_t ann[3];
        size_t k = 0;
        if (n->u.func.ann & CANDID_ANN_QUERY)
            ann[k++] = 1;
        if (n->u.func.ann & CANDID_ANN_ONEWAY)
            ann[k++] = 2;
        if (n->u.func.ann & CANDID_ANN_COMPOSITE_QUERY)
            ann[k++] = 3;
        candid__buf_uleb(b, k);
        candid_buf_append(b, ann, k);
        break;
    }
    case CANDID_SERVICE:
        candid__buf_uleb(b, n->u.svc.n);
        for (uint32_t i = 0; i < n->u.svc.n; i++) {
            const candid_method *m = &n->u.svc.methods[i];
            if ((rc = emit(enc, e, m->type, &r)))
                return rc;
            candid__buf_uleb(b, m->name_len);
            candid_buf_append(b, m->name, m->name_len);
            candid__buf_sleb(b, r);
        }
        break;
    default:
        return CANDID_E_TYPE; /* future types have no encoding */
    }
    return b->oom ? CANDID_E_NOMEM : 0;
}

static int emit(candid_enc *enc, const candid_env *e, candid_tref t, int64_t *ref)
{
    if (t < 0) {
        if (!(t >= -17 || t == CANDID_PRINCIPAL))
            return CANDID_E_TYPE;
        *ref = t;
        return 0;
    }
    const candid_type *n = candid_env_node(e, t);
    if (!n)
        return CANDID_E_TYPE;
    if (enc->node_env != e) {
        /* a new environment: forget the node memo (entries are still shared by bytes) */
        free(enc->node);
        enc->node = NULL;
        enc->nnode = 0;
        enc->node_env = e;
    }
    if ((uint32_t)t >= enc->nnode) {
        /* first use, or the env grew since: extend the memo with unvisited nodes */
        struct candid__enc_node *m = realloc(enc->node, e->ntypes * sizeof *m);
        if (!m)
            return CANDID_E_NOMEM;
        memset(m + enc->nnode, 0, (e->ntypes - enc->nnode) * sizeof *m);
        enc->node = m;
        enc->nnode = e->ntypes;
    }
    struct candid__enc_node *st = &enc->node[t];
    if (st->state == 2) {
        *ref = st->index;
        return 0;
    }
    if (st->state == 1) {
        if (st->index < 0 && new_entry(enc, &st->index))
            return CANDID_E_NOMEM;
        *ref = st->index;
        return 0;
    }
    st->state = 1;
    st->index = -1;
    candid_buf b = {0};
    int rc = entry_bytes(enc, e, n, &b);
    st = &enc->node[t];
    if (rc) {
        candid_buf_free(&b);
        return rc;
    }
    uint32_t h = hash_bytes(b.data, b.len);
    int32_t idx = st->index;
    if (idx < 0) {
        for (uint32_t i = 0; i < enc->nentry; i++) {
            struct candid__enc_entry *en = &enc->entry[i];
            if (en->len == b.len && en->hash == h &&
                !memcmp(enc->entries.data + en->off, b.data, b.len)) {
                idx = (int32_t)i;
                break;
            }
        }
    }
    if (idx < 0 || enc->entry[idx].len == SIZE_MAX) {
        if (idx < 0 && new_entry(enc, &idx)) {
            candid_buf_free(&b);
            return CANDID_E_NOMEM;
        }
        enc->entry[idx] = (struct candid__enc_entry){enc->entries.len, b.len, h};
        if (candid_buf_append(&enc->entries, b.data, b.len)) {
            candid_buf_free(&b);
            return CANDID_E_NOMEM;
        }
    }
    candid_buf_free(&b);
    st->state = 2;
    st->index = idx;
    *ref = idx;
    return 0;
}

int candid_enc_arg_type(candid_enc *enc, const candid_env *e, candid_tref t)
{
    int64_t r;
    int rc = emit(enc, e, t, &r);
    if (rc)
        return fail(enc, rc);
    enc->nargs++;
    if (candid__buf_sleb(&enc->args, r))
        return fail(enc, CANDID_E_NOMEM);
    return 0;
}

/* ------------------------------------------------------------------ value writers */

static int put(candid_enc *enc, const void *p, size_t n)
{
    if (enc->error)
        return enc->error;
    if (candid_buf_append(&enc->values, p, n))
        return fail(enc, CANDID_E_NOMEM);
    return 0;
}

static int put_uleb(candid_enc *enc, uint64_t v)
{
    uint8_t tmp[10];
    return put(enc, tmp, candid__put_uleb(tmp, v));
}

int candid_enc_bool(candid_enc *enc, int v)
{
    uint8_t b = v ? 1 : 0;
    return put(enc, &b, 1);
}

int candid_enc_nat(candid_enc *enc, uint64_t v)
{
    return put_uleb(enc, v);
}

int candid_enc_int(candid_enc *enc, int64_t v)
{
    uint8_t tmp[10];
    return put(enc, tmp, candid__put_sleb(tmp, v));
}

int candid_enc_bignum(candid_enc *enc, const candid_bignum *v, int is_int)
{
    if (enc->error)
        return enc->error;
    if (!is_int && v->negative)
        return fail(enc, CANDID_E_VALUE);
    if (candid__write_bignum(&enc->values, v, is_int))
        return fail(enc, CANDID_E_NOMEM);
    return 0;
}

int candid_enc_fixed(candid_enc *enc, uint64_t v, unsigned bytes)
{
    uint8_t tmp[8];
    if (bytes > 8)
        return fail(enc, CANDID_E_USAGE);
    for (unsigned i = 0; i < bytes; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    return put(enc, tmp, bytes);
}

int candid_enc_nat8(candid_enc *enc, uint8_t v)
{
    return candid_enc_fixed(enc, v, 1);
}
int candid_enc_nat16(candid_enc *enc, uint16_t v)
{
    return candid_enc_fixed(enc, v, 2);
}
int candid_enc_nat32(candid_enc *enc, uint32_t v)
{
    return candid_enc_fixed(enc, v, 4);
}
int candid_enc_nat64(candid_enc *enc, uint64_t v)
{
    return candid_enc_fixed(enc, v, 8);
}
int candid_enc_int8(candid_enc *enc, int8_t v)
{
    return candid_enc_fixed(enc, (uint64_t)(int64_t)v, 1);
}
int candid_enc_int16(candid_enc *enc, int16_t v)
{
    return candid_enc_fixed(enc, (uint64_t)(int64_t)v, 2);
}
int candid_enc_int32(candid_enc *enc, int32_t v)
{
    return candid_enc_fixed(enc, (uint64_t)(int64_t)v, 4);
}
int candid_enc_int64(candid_enc *enc, int64_t v)
{
    return candid_enc_fixed(enc, (uint64_t)v, 8);
}

int candid_enc_float32(candid_enc *enc, float v)
{
    uint32_t b;
    memcpy(&b, &v, 4);
    return candid_enc_fixed(enc, b, 4);
}

int candid_enc_float64(candid_enc *enc, double v)
{
    uint64_t b;
    memcpy(&b, &v, 8);
    return candid_enc_fixed(enc, b, 8);
}

int candid_enc_text(candid_enc *enc, const char *s, size_t len)
{
    if (!candid_utf8_valid((const uint8_t *)s, len))
        return fail(enc, CANDID_E_VALUE);
    int rc = put_uleb(enc, len);
    return rc ? rc : put(enc, s, len);
}

int candid_enc_blob(candid_enc *enc, const uint8_t *p, size_t len)
{
    int rc = put_uleb(enc, len);
    return rc ? rc : put(enc, p, len);
}

int candid_enc_principal(candid_enc *enc, const uint8_t *p, size_t len)
{
    if (len > CANDID_PRINCIPAL_MAX)
        return fail(enc, CANDID_E_VALUE);
    uint8_t tag = 1;
    int rc = put(enc, &tag, 1);
    if (!rc)
        rc = put_uleb(enc, len);
    return rc ? rc : put(enc, p, len);
}

int candid_enc_func(candid_enc *enc, const uint8_t *principal, size_t plen, const char *method,
                    size_t mlen)
{
    uint8_t tag = 1;
    int rc = put(enc, &tag, 1);
    if (!rc)
        rc = candid_enc_principal(enc, principal, plen);
    return rc ? rc : candid_enc_text(enc, method, mlen);
}

int candid_enc_opt(candid_enc *enc, int present)
{
    return candid_enc_bool(enc, present);
}

int candid_enc_vec(candid_enc *enc, size_t n)
{
    return put_uleb(enc, n);
}

int candid_enc_variant(candid_enc *enc, uint32_t index)
{
    return put_uleb(enc, index);
}

/* ------------------------------------------------------------------ dynamic values */

static int vmismatch(candid_error *err, const candid_value *v, const candid_env *e, candid_tref t)
{
    const char *vk = candid_kind_name(v->kind), *tk = candid_kind_name(candid_env_kind(e, t));
    return candid__errf(err, CANDID_E_MISMATCH, "a %s value cannot be encoded at type %s",
                        vk ? vk : "?", tk ? tk : "?");
}

static int enc_value(candid_enc *enc, const candid_env *e, candid_tref t, const candid_value *v,
                     candid_error *err, uint32_t depth)
{
    candid_kind k = candid_env_kind(e, t);
    const candid_type *n = candid_env_node(e, t);
    if (depth > 1024)
        return candid__errf(err, CANDID_E_DEPTH, "value nested too deeply");
    if (k == CANDID_RESERVED)
        return 0;
    int same = v->kind == k;
    switch (k) {
    case CANDID_NULL:
        return same ? 0 : vmismatch(err, v, e, t);
    case CANDID_BOOL:
        return same ? candid_enc_bool(enc, v->u.b) : vmismatch(err, v, e, t);
    case CANDID_NAT:
    case CANDID_INT:
        if (v->kind != CANDID_NAT && v->kind != CANDID_INT)
            return vmismatch(err, v, e, t);
        if (k == CANDID_NAT && v->u.num.negative)
            return candid__errf(err, CANDID_E_VALUE, "a negative number cannot be a nat");
        if (enc->error)
            return enc->error;
        if (candid__write_bignum(&enc->values, &v->u.num, k == CANDID_INT))
            return fail(enc, CANDID_E_NOMEM);
        return 0;
    case CANDID_NAT8:
    case CANDID_NAT16:
    case CANDID_NAT32:
    case CANDID_NAT64:
    case CANDID_INT8:
    case CANDID_INT16:
    case CANDID_INT32:
    case CANDID_INT64: {
        if (!same)
            return vmismatch(err, v, e, t);
        static const unsigned size[] = {1, 2, 4, 8};
        unsigned sz = size[(k <= CANDID_INT8) ? (CANDID_INT8 - k) : (CANDID_NAT8 - k)];
        return candid_enc_fixed(enc, v->u.u64, sz);
    }
    case CANDID_FLOAT32:
        return same ? candid_enc_float32(enc, v->u.f32) : vmismatch(err, v, e, t);
    case CANDID_FLOAT64:
        return same ? candid_enc_float64(enc, v->u.f64) : vmismatch(err, v, e, t);
    case CANDID_TEXT:
        if (!same)
            return vmismatch(err, v, e, t);
        if (candid_enc_text(enc, (const char *)v->u.bytes.data, v->u.bytes.len))
            return candid__errf(err, enc->error, "text is not valid UTF-8");
        return 0;
    case CANDID_PRINCIPAL:
    case CANDID_SERVICE:
        if (v->kind != CANDID_PRINCIPAL && v->kind != CANDID_SERVICE)
            return vmismatch(err, v, e, t);
        return candid_enc_principal(enc, v->u.bytes.data, v->u.bytes.len);
    case CANDID_FUNC:
        if (!same)
            return vmismatch(err, v, e, t);
        return candid_enc_func(enc, v->u.func.principal, v->u.func.principal_len, v->u.func.method,
                               v->u.func.method_len);
    case CANDID_OPT:
        if (v->kind == CANDID_NULL || (same && !v->u.opt))
            return candid_enc_opt(enc, 0);
        if (!same)
            return vmismatch(err, v, e, t);
        candid_enc_opt(enc, 1);
        return enc_value(enc, e, n->u.inner, v->u.opt, err, depth + 1);
    case CANDID_VEC:
        if (v->kind == CANDID_BLOB) {
            if (n->u.inner != CANDID_NAT8)
                return vmismatch(err, v, e, t);
            return candid_enc_blob(enc, v->u.bytes.data, v->u.bytes.len);
        }
        if (!same)
            return vmismatch(err, v, e, t);
        candid_enc_vec(enc, v->u.vec.n);
        for (size_t i = 0; i < v->u.vec.n; i++) {
            int rc = enc_value(enc, e, n->u.inner, &v->u.vec.items[i], err, depth + 1);
            if (rc)
                return rc;
        }
        return enc->error;
    case CANDID_RECORD:
        if (!same)
            return vmismatch(err, v, e, t);
        for (uint32_t i = 0; i < n->u.rec.n; i++) {
            const candid_field *f = &n->u.rec.fields[i];
            const candid_value *fv = candid_value_field(v, f->id);
            int rc;
            if (fv)
                rc = enc_value(enc, e, f->type, fv, err, depth + 1);
            else if (candid_env_kind(e, f->type) == CANDID_OPT)
                rc = candid_enc_opt(enc, 0);
            else if (candid__null_like(e, f->type))
                rc = 0;
            else
                rc = candid__errf(err, CANDID_E_MISMATCH, "record field %u is missing",
                                  (uint64_t)f->id);
            if (rc)
                return rc;
        }
        return enc->error;
    case CANDID_VARIANT:
        if (!same)
            return vmismatch(err, v, e, t);
        for (uint32_t i = 0; i < n->u.rec.n; i++)
            if (n->u.rec.fields[i].id == v->u.var.id) {
                candid_enc_variant(enc, i);
                return enc_value(enc, e, n->u.rec.fields[i].type, v->u.var.value, err, depth + 1);
            }
        return candid__errf(err, CANDID_E_MISMATCH, "variant tag %u is not in the type",
                            (uint64_t)v->u.var.id);
    default:
        return vmismatch(err, v, e, t);
    }
}

int candid_enc_value(candid_enc *enc, const candid_env *e, candid_tref t, const candid_value *v,
                     candid_error *err)
{
    int rc = enc_value(enc, e, t, v, err, 0);
    if (rc == CANDID_E_NOMEM)
        candid__errf(err, rc, "out of memory");
    return rc;
}

int candid_enc_finish(candid_enc *enc, candid_buf *out)
{
    if (enc->error)
        return enc->error;
    candid_buf_append(out, "DIDL", 4);
    candid__buf_uleb(out, enc->nentry);
    for (uint32_t i = 0; i < enc->nentry; i++) {
        const struct candid__enc_entry *en = &enc->entry[i];
        if (en->len == SIZE_MAX)
            return fail(enc, CANDID_E_USAGE);
        candid_buf_append(out, enc->entries.data + en->off, en->len);
    }
    candid__buf_uleb(out, enc->nargs);
    candid_buf_append(out, enc->args.data, enc->args.len);
    candid_buf_append(out, enc->values.data, enc->values.len);
    return out->oom ? CANDID_E_NOMEM : 0;
}

int candid_encode(const candid_env *e, const candid_tref *types, const candid_value *vals,
                  uint32_t n, candid_buf *out, candid_error *err)
{
    candid_enc enc;
    candid_enc_init(&enc);
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++)
        if ((rc = candid_enc_arg_type(&enc, e, types[i])))
            candid__errf(err, rc, "cannot encode argument type %u", (uint64_t)i);
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = candid_enc_value(&enc, e, types[i], &vals[i], err);
    if (!rc && (rc = candid_enc_finish(&enc, out)))
        candid__errf(err, rc, "out of memory");
    candid_enc_free(&enc);
    return rc;
}
