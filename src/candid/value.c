/*
 * value.c - the dynamic value layer: structural equality and accessors (printing is in
 * print.c, so that code which only encodes and decodes does not link stdio).
 */
#include "internal.h"

int candid_value_equal(const candid_value *a, const candid_value *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case CANDID_NULL:
    case CANDID_RESERVED:
        return 1;
    case CANDID_BOOL:
        return !a->u.b == !b->u.b;
    case CANDID_NAT:
    case CANDID_INT:
        return candid__bignum_equal(&a->u.num, &b->u.num);
    case CANDID_NAT8:
    case CANDID_NAT16:
    case CANDID_NAT32:
    case CANDID_NAT64:
        return a->u.u64 == b->u.u64;
    case CANDID_INT8:
    case CANDID_INT16:
    case CANDID_INT32:
    case CANDID_INT64:
        return a->u.i64 == b->u.i64;
    case CANDID_FLOAT32:
        return !memcmp(&a->u.f32, &b->u.f32, sizeof(float));
    case CANDID_FLOAT64:
        return !memcmp(&a->u.f64, &b->u.f64, sizeof(double));
    case CANDID_TEXT:
    case CANDID_BLOB:
    case CANDID_PRINCIPAL:
    case CANDID_SERVICE:
        return a->u.bytes.len == b->u.bytes.len &&
               !memcmp(a->u.bytes.data, b->u.bytes.data, a->u.bytes.len);
    case CANDID_OPT:
        if (!a->u.opt || !b->u.opt)
            return !a->u.opt && !b->u.opt;
        return candid_value_equal(a->u.opt, b->u.opt);
    case CANDID_VEC:
        if (a->u.vec.n != b->u.vec.n)
            return 0;
        for (size_t i = 0; i < a->u.vec.n; i++)
            if (!candid_value_equal(&a->u.vec.items[i], &b->u.vec.items[i]))
                return 0;
        return 1;
    case CANDID_RECORD:
        if (a->u.rec.n != b->u.rec.n)
            return 0;
        for (uint32_t i = 0; i < a->u.rec.n; i++)
            if (a->u.rec.fields[i].id != b->u.rec.fields[i].id ||
                !candid_value_equal(a->u.rec.fields[i].value, b->u.rec.fields[i].value))
                return 0;
        return 1;
    case CANDID_VARIANT:
        return a->u.var.id == b->u.var.id && candid_value_equal(a->u.var.value, b->u.var.value);
    case CANDID_FUNC:
        return a->u.func.principal_len == b->u.func.principal_len &&
               !memcmp(a->u.func.principal, b->u.func.principal, a->u.func.principal_len) &&
               a->u.func.method_len == b->u.func.method_len &&
               !memcmp(a->u.func.method, b->u.func.method, a->u.func.method_len);
    default:
        return 0;
    }
}

int candid_value_u64(const candid_value *v, uint64_t *out)
{
    if ((v->kind != CANDID_NAT && v->kind != CANDID_INT) || !candid__bignum_to_u64(&v->u.num, out))
        return CANDID_E_VALUE;
    return 0;
}

int candid_value_i64(const candid_value *v, int64_t *out)
{
    if ((v->kind != CANDID_NAT && v->kind != CANDID_INT) || !candid__bignum_to_i64(&v->u.num, out))
        return CANDID_E_VALUE;
    return 0;
}

const candid_value *candid_value_field(const candid_value *rec, uint32_t id)
{
    if (rec->kind != CANDID_RECORD)
        return NULL;
    uint32_t lo = 0, hi = rec->u.rec.n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (rec->u.rec.fields[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < rec->u.rec.n && rec->u.rec.fields[lo].id == id)
        return rec->u.rec.fields[lo].value;
    return NULL;
}
