/*
 * candid_fast.c - ic_types, ic_reader and ic_writer (<asyncwasm/ic_candid.h>).
 *
 * The fast path reads values right after a byte-exact match of the precomputed header: for a
 * message whose type table and argument types equal the expected ones, decoding needs no
 * subtyping and no table validation beyond the comparison, only the value checks of the spec's
 * "Binary Format" (LEB128 numbers, lengths within the input, UTF-8 text, principals of at most 29
 * bytes with the 0x01 tag, bool 0 or 1). The fallback is the Candid library's decoder.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_candid.h"
#include "internal.h"

/* ---- the header of simple types, without the parser ------------------------------------- *
 * Grammar: tuple := '(' [type {',' type}] ')';  type := primitive | 'blob' | 'opt' type |
 * 'vec' type | 'record' '{' [field {';' field}] [';'] '}' | 'variant' '{' [tag {';' tag}] [';']
 * '}'; field := name ':' type;  tag := name [':' type]. Anything else (named types, comments,
 * quoted or numbered fields, func, service) returns false and the Candid library does the work. */

typedef struct ic__hb {
    const char *p;      /* cursor in the type text */
    bool variant;       /* a variant was seen */
    uint8_t table[256]; /* type table entries */
    size_t tlen;
    uint32_t ntable;
} ic__hb;

static void ic__hb_space(ic__hb *b)
{
    while (*b->p == ' ' || *b->p == '\t' || *b->p == '\n')
        b->p++;
}

static bool ic__hb_word(ic__hb *b, const char **w, size_t *n)
{
    ic__hb_space(b);
    const char *s = b->p;
    while ((*b->p >= 'a' && *b->p <= 'z') || (*b->p >= 'A' && *b->p <= 'Z') || *b->p == '_' ||
           (b->p > s && *b->p >= '0' && *b->p <= '9'))
        b->p++;
    *w = s;
    *n = (size_t)(b->p - s);
    return *n > 0;
}

static bool ic__hb_char(ic__hb *b, char c)
{
    ic__hb_space(b);
    if (*b->p != c)
        return false;
    b->p++;
    return true;
}

static bool ic__hb_put(ic__hb *b, const uint8_t *p, size_t n)
{
    if (sizeof b->table - b->tlen < n)
        return false;
    memcpy(b->table + b->tlen, p, n);
    b->tlen += n;
    return true;
}

/* SLEB128 of a type reference (primitive opcodes are negative, table indices not). */
static size_t ic__hb_sleb(uint8_t *out, int64_t v)
{
    size_t n = 0;
    for (;;) {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        if ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40))) {
            out[n++] = byte;
            return n;
        }
        out[n++] = byte | 0x80;
    }
}

static bool ic__hb_type(ic__hb *b, int32_t *ref, int depth);

/* A new table entry: opcode, then `body`. */
static bool ic__hb_entry(ic__hb *b, int32_t op, const uint8_t *body, size_t n, int32_t *ref)
{
    uint8_t head[10];
    if (b->ntable >= 60 || !ic__hb_put(b, head, ic__hb_sleb(head, op)) || !ic__hb_put(b, body, n))
        return false;
    *ref = (int32_t)b->ntable++;
    return true;
}

/* record { name : type; ... } or variant { tag [: type]; ... } (a tag alone is of type null). */
static bool ic__hb_fields(ic__hb *b, int32_t *ref, int depth, bool variant)
{
    uint32_t ids[32];
    int32_t refs[32];
    uint32_t n = 0;
    if (!ic__hb_char(b, '{'))
        return false;
    while (!ic__hb_char(b, '}')) {
        const char *w;
        size_t wl;
        if (n == 32 || !ic__hb_word(b, &w, &wl))
            return false;
        if (ic__hb_char(b, ':')) {
            if (!ic__hb_type(b, &refs[n], depth + 1))
                return false;
        } else if (variant) {
            refs[n] = CANDID_NULL;
        } else {
            return false;
        }
        ids[n++] = candid_hash(w, wl);
        if (!ic__hb_char(b, ';') && (ic__hb_space(b), *b->p != '}'))
            return false;
    }
    for (uint32_t i = 1; i < n; i++) /* by field id (insertion sort: records are small) */
        for (uint32_t j = i; j > 0 && ids[j - 1] >= ids[j]; j--) {
            if (ids[j - 1] == ids[j])
                return false; /* duplicate: let the library report it */
            uint32_t id = ids[j];
            int32_t r = refs[j];
            ids[j] = ids[j - 1], refs[j] = refs[j - 1];
            ids[j - 1] = id, refs[j - 1] = r;
        }
    uint8_t body[32 * 15 + 5];
    size_t len = 0;
    len += ic__hb_sleb(body, n); /* a count below 64: the same bytes as LEB128 */
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = ids[i];
        do { /* LEB128 of the field id */
            body[len] = v & 0x7f;
            v >>= 7;
            body[len++] |= v ? 0x80 : 0;
        } while (v);
        len += ic__hb_sleb(body + len, refs[i]);
    }
    b->variant |= variant;
    return ic__hb_entry(b, variant ? CANDID_VARIANT : CANDID_RECORD, body, len, ref);
}

static bool ic__hb_type(ic__hb *b, int32_t *ref, int depth)
{
    const char *w;
    size_t n;
    if (depth > 16 || !ic__hb_word(b, &w, &n))
        return false;
#define IC__HB_PRIM(name, kw, op)                                                                  \
    if (n == sizeof kw - 1 && memcmp(w, kw, n) == 0) {                                             \
        *ref = op;                                                                                 \
        return true;                                                                               \
    }
    CANDID_PRIMITIVES(IC__HB_PRIM)
#undef IC__HB_PRIM
    uint8_t body[10];
    int32_t inner;
    if (n == 4 && memcmp(w, "blob", 4) == 0) {
        body[0] = (uint8_t)(CANDID_NAT8 & 0x7f);
        return ic__hb_entry(b, CANDID_VEC, body, 1, ref);
    }
    if ((n == 3 && (memcmp(w, "opt", 3) == 0 || memcmp(w, "vec", 3) == 0)) &&
        ic__hb_type(b, &inner, depth + 1))
        return ic__hb_entry(b, w[0] == 'o' ? CANDID_OPT : CANDID_VEC, body,
                            ic__hb_sleb(body, inner), ref);
    if (n == 6 && memcmp(w, "record", 6) == 0)
        return ic__hb_fields(b, ref, depth, false);
    if (n == 7 && memcmp(w, "variant", 7) == 0)
        return ic__hb_fields(b, ref, depth, true);
    return false;
}

/* Build the header of t->text: 1, 0 when the text is outside the grammar, -1 on OOM. */
static int ic__hb_header(ic_types *t)
{
    ic__hb b = {.p = t->text};
    int32_t args[32];
    uint32_t nargs = 0;
    if (!ic__hb_char(&b, '('))
        return 0;
    while (!ic__hb_char(&b, ')')) {
        if (nargs == 32 || !ic__hb_type(&b, &args[nargs++], 0))
            return 0;
        if (!ic__hb_char(&b, ',') && (ic__hb_space(&b), *b.p != ')'))
            return 0;
    }
    ic__hb_space(&b);
    if (*b.p)
        return 0;
    uint8_t *h = malloc(4 + 2 + b.tlen + 2 + 5 * nargs);
    if (!h)
        return -1;
    size_t len = 4;
    memcpy(h, "DIDL", 4);
    len += ic__hb_sleb(h + len, b.ntable);
    memcpy(h + len, b.table, b.tlen);
    len += b.tlen;
    len += ic__hb_sleb(h + len, nargs);
    for (uint32_t i = 0; i < nargs; i++)
        len += ic__hb_sleb(h + len, args[i]);
    t->header = h;
    t->header_len = len;
    t->slow_only = b.variant;
    return 1;
}

/* The expected types for the fallback decoder: the header read by the Candid library (once),
 * which validates it and gives its type table as an environment. */
static int ic__types_env(ic_types *t)
{
    if (t->env_ready)
        return 0;
    if (!t->text)
        return CANDID_E_USAGE; /* IC_TYPES_ANY: values are read through ic_reader_decoder */
    candid_arena_init(&t->arena);
    int rc = candid_dec_begin(&t->types, t->header, t->header_len, NULL, &t->arena, NULL);
    if (rc != 0) {
        candid_dec_free(&t->types);
        candid_arena_free(&t->arena);
        return rc;
    }
    t->env_ready = true;
    return 0;
}

int ic_types_prepare(ic_types *t)
{
    if (t->state == 1)
        return 0;
    if (t->state < 0 || !t->text) /* IC_TYPES_ANY has no header */
        return CANDID_E_TYPE;
    int rc = ic__hb_header(t);
    if (rc < 0)
        return CANDID_E_NOMEM;
    t->state = rc ? 1 : -1;
    return rc ? 0 : CANDID_E_TYPE;
}

/* ---- reading ----------------------------------------------------------------------------- */

/* A UTF-8 check for the short byte strings of method arguments that scans plain ASCII itself (the
 * library's check costs about 40 instructions per byte on short strings) and hands over at the
 * first non-ASCII byte. */
static bool ic__utf8(const uint8_t *p, size_t n)
{
    uint32_t w, last;
    size_t i = 0;
    if (n >= 4 && n <= 8) { /* two words, the second overlapping the first: one test */
        memcpy(&w, p, 4);
        memcpy(&last, p + n - 4, 4);
        return !((w | last) & 0x80808080u) || candid_utf8_valid(p, n);
    }
    if (n > 8) { /* four ASCII bytes at a time, the last word overlapping the one before */
        for (; i + 4 < n; i += 4) {
            memcpy(&w, p + i, 4);
            if (w & 0x80808080u)
                return candid_utf8_valid(p + i, n - i);
        }
        memcpy(&last, p + n - 4, 4);
        return !(last & 0x80808080u) || candid_utf8_valid(p + i, n - i);
    }
    for (; i < n; i++)
        if (p[i] & 0x80)
            return candid_utf8_valid(p + i, n - i);
    return true;
}

/* ic__utf8 with its usual case inline: 4 to 8 ASCII bytes, two overlapping words. */
static inline __attribute__((always_inline)) bool ic__utf8_short(const uint8_t *p, size_t n)
{
    uint32_t w, last;
    if (n < 4 || n > 8)
        return ic__utf8(p, n);
    memcpy(&w, p, 4);
    memcpy(&last, p + n - 4, 4);
    return !((w | last) & 0x80808080u) || candid_utf8_valid(p, n);
}

static int ic__fail(ic_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int ic__fail(ic_reader *r, int code, const char *fmt, ...)
{
    if (r->error)
        return r->error;
    int n =
        snprintf(r->err.message, sizeof r->err.message, "byte %u: ", (unsigned)(r->pos - r->start));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err.message + n, sizeof r->err.message - (size_t)n, fmt, ap);
    va_end(ap);
    r->err.code = code;
    return r->error = code;
}

/* The fallback's error: keep the decoder's message. */
static int ic__slow_fail(ic_reader *r, int rc)
{
    if (!r->error) {
        r->error = rc;
        if (!r->err.message[0])
            snprintf(r->err.message, sizeof r->err.message, "%s", candid_strerror(rc));
    }
    return rc;
}

/* Every field but the copied message (owned, small). */
static void ic__reader_init(ic_reader *r, ic_types *t, const uint8_t *data, size_t len)
{
    r->types = t;
    r->start = r->pos = data;
    r->end = data + len;
    r->fast = false;
    r->error = 0;
    r->err.code = 0; /* the message is written only on failure: no need to clear it all */
    r->err.message[0] = 0;
    r->dec_open = false;
    r->arg = r->depth = 0;
}

/* ic__reader_start's other cases, out of line: types not prepared yet, or a message whose header
 * is not the expected one (the fallback decoder). */
__attribute__((noinline)) static int ic__reader_start_slow(ic_reader *r, ic_types *t,
                                                           const uint8_t *data, size_t len)
{
    ic__reader_init(r, t, data, len);
    int rc = t->text ? ic_types_prepare(t) : 0; /* IC_TYPES_ANY: straight to the decoder */
    if (rc != 0)
        return ic__fail(r, rc, "cannot prepare the expected types %s", t->text);
    if (t->text && !t->slow_only && len >= t->header_len &&
        ic__same_bytes(data, t->header, t->header_len)) {
        r->fast = true;
        r->pos = data + t->header_len;
        return 0;
    }
    candid_arena_init(&r->arena);
    r->dec_open = true;
    rc = candid_dec_begin(&r->dec, data, len, NULL, &r->arena, &r->err);
    return rc ? ic__slow_fail(r, rc) : 0;
}

/* The usual case first: prepared types and a message that starts with exactly their header. The
 * fast path needs only these fields (the error message is written on failure, and the fallback's
 * fields by ic__reader_start_slow). */
static inline __attribute__((always_inline)) int ic__reader_start(ic_reader *r, ic_types *t,
                                                                  const uint8_t *data, size_t len)
{
    if (t->state == 1 && !t->slow_only && len >= t->header_len &&
        ic__same_header(data, t->header, t->header_len)) {
        r->types = t;
        r->start = data;
        r->pos = data + t->header_len;
        r->end = data + len;
        r->fast = true;
        r->error = 0;
        r->dec_open = false;
        return 0;
    }
    return ic__reader_start_slow(r, t, data, len);
}

int ic_reader_begin(ic_reader *r, ic_types *t, const uint8_t *data, size_t len)
{
    r->owned = NULL;
    return ic__reader_start(r, t, data, len);
}

int ic_read_args(ic_reader *r, ic_types *t)
{
    size_t n = ic0_msg_arg_data_size();
    uint8_t *buf = n <= sizeof r->small ? r->small : malloc(n);
    r->owned = buf == r->small ? NULL : buf;
    if (!buf) {
        ic__reader_init(r, t, NULL, 0);
        return ic__fail(r, CANDID_E_NOMEM, "out of memory for the %u argument bytes", (unsigned)n);
    }
    ic0_msg_arg_data_copy(IC__ADDR(buf), 0, (uint32_t)n);
    return ic__reader_start(r, t, buf, n);
}

void ic_reader_free(ic_reader *r)
{
    free(r->owned);
    r->owned = NULL;
    if (r->dec_open) {
        candid_dec_free(&r->dec);
        candid_arena_free(&r->arena);
        r->dec_open = false;
    }
}

int ic_reader_end(ic_reader *r)
{
    if (r->fast && !r->error && r->pos == r->end && !r->owned)
        return 0; /* the usual case: all read, nothing to release (the fast path has no decoder) */
    int rc = ic_reader_finish(r);
    ic_reader_free(r);
    return rc;
}

void ic_reader_skip(ic_reader *r)
{
    if (r->fast)
        r->pos = r->end;
    /* the fallback decoder skips (and validates) the arguments left in ic_reader_finish */
}

int ic_reader_finish(ic_reader *r)
{
    int rc = r->error;
    if (!rc && r->fast && r->pos != r->end)
        rc = ic__fail(r, CANDID_E_MALFORMED, "%u unexpected bytes after the last argument",
                      (unsigned)(r->end - r->pos));
    if (!rc && !r->fast && (rc = candid_dec_end(&r->dec)) != 0)
        ic__slow_fail(r, rc);
    return rc;
}

candid_dec *ic_reader_decoder(ic_reader *r)
{
    return r->dec_open && !r->error ? &r->dec : NULL;
}

const char *ic_reader_error(const ic_reader *r)
{
    return r->error ? r->err.message : "";
}

/* Fast path primitives. */
static int ic__need(ic_reader *r, size_t n, const char *what)
{
    if ((size_t)(r->end - r->pos) < n)
        return ic__fail(r, CANDID_E_MALFORMED, "expected %u more bytes of %s, %u left", (unsigned)n,
                        what, (unsigned)(r->end - r->pos));
    return 0;
}

static int ic__leb(ic_reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (r->pos == r->end)
            return ic__fail(r, CANDID_E_MALFORMED, "unterminated LEB128 number");
        uint8_t b = *r->pos++;
        if (shift == 63 && b > 1)
            return ic__fail(r, CANDID_E_VALUE, "the number does not fit in 64 bits");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        if (shift == 63)
            return ic__fail(r, CANDID_E_VALUE, "the number does not fit in 64 bits");
    }
    *out = v;
    return 0;
}

/* A length-prefixed byte string (text, blob, principal): the length's LEB128, then the bytes,
 * which must all be in the message. Lengths below 128 (one LEB128 byte) take a short path. */
static int ic__bytes(ic_reader *r, const uint8_t **p, size_t *len, const char *what)
{
    uint64_t n;
    int rc;
    if (r->pos < r->end && *r->pos < 0x80)
        n = *r->pos++;
    else if ((rc = ic__leb(r, &n)) != 0)
        return rc;
    if (n > (uint64_t)(r->end - r->pos)) /* compared at 64 bits: no truncation on wasm32 */
        return ic__fail(r, CANDID_E_MALFORMED, "expected %llu more bytes of %s, %u left",
                        (unsigned long long)n, what, (unsigned)(r->end - r->pos));
    *p = r->pos;
    *len = (size_t)n;
    r->pos += n;
    return 0;
}

/* ---- the fallback path: each argument decoded at its expected type, then walked ---------- */

enum { IC__OPEN_FIELDS, IC__OPEN_ITEMS, IC__OPEN_ONE };

/* The next value on the fallback path: the next item of the innermost open container, or the
 * next argument, decoded at the expected type (the header's types). It must be of `kind`. */
static const candid_value *ic__slow_next(ic_reader *r, candid_kind kind, int *rc)
{
    const candid_value *v;
    *rc = 0;
    if (r->depth) {
        ic__open *o = &r->open[r->depth - 1];
        if (o->kind == IC__OPEN_FIELDS)
            v = ((const candid_field_value *)o->items)[o->i].value;
        else if (o->kind == IC__OPEN_ITEMS)
            v = &((const candid_value *)o->items)[o->i];
        else
            v = o->items;
        o->i++;
        while (r->depth && r->open[r->depth - 1].i == r->open[r->depth - 1].n)
            r->depth--; /* a container whose last item was taken is closed */
    } else {
        const candid_dec *h = &r->types->types;
        candid_value *nv = candid_arena_alloc(&r->arena, sizeof *nv);
        if ((*rc = ic__types_env(r->types)) != 0 || !nv) {
            *rc = ic__slow_fail(r, *rc ? *rc : CANDID_E_NOMEM);
            return NULL;
        }
        if (r->arg >= h->nwire_args) {
            *rc = ic__slow_fail(r, CANDID_E_USAGE);
            return NULL;
        }
        if ((*rc = candid_dec_arg(&r->dec, &h->wire, h->wire_args[r->arg++], nv)) != 0) {
            ic__slow_fail(r, *rc);
            return NULL;
        }
        v = nv;
    }
    if (v->kind != kind) {
        *rc = ic__slow_fail(r, CANDID_E_MISMATCH);
        return NULL;
    }
    return v;
}

/* Open a container on the fallback path (nothing to open when it is empty). */
static int ic__slow_open(ic_reader *r, const void *items, uint32_t n, int kind)
{
    if (n == 0)
        return 0;
    if (r->depth == sizeof r->open / sizeof r->open[0])
        return ic__slow_fail(r, CANDID_E_DEPTH);
    r->open[r->depth].items = items;
    r->open[r->depth].n = n;
    r->open[r->depth].i = 0;
    r->open[r->depth].kind = (uint8_t)kind;
    r->depth++;
    return 0;
}

#define IC__READ_BEGIN(r)                                                                          \
    if ((r)->error)                                                                                \
    return (r)->error

int ic_read_bool(ic_reader *r, bool *out)
{
    IC__READ_BEGIN(r);
    int rc;
    if (r->fast) {
        if ((rc = ic__need(r, 1, "bool")))
            return rc;
        if (*r->pos > 1)
            return ic__fail(r, CANDID_E_MALFORMED, "bool must be 0 or 1, not %u", *r->pos);
        *out = *r->pos++;
        return 0;
    }
    const candid_value *v = ic__slow_next(r, CANDID_BOOL, &rc);
    if (v)
        *out = v->u.b;
    return rc;
}

int ic_read_nat(ic_reader *r, uint64_t *out)
{
    IC__READ_BEGIN(r);
    int rc;
    if (r->fast)
        return ic__leb(r, out);
    const candid_value *v = ic__slow_next(r, CANDID_NAT, &rc);
    if (v && candid_value_u64(v, out) != 0)
        return ic__slow_fail(r, CANDID_E_VALUE);
    return rc;
}

int ic_read_int(ic_reader *r, int64_t *out)
{
    IC__READ_BEGIN(r);
    int rc;
    if (r->fast) {
        int64_t v = 0;
        unsigned shift = 0;
        uint8_t b;
        do {
            if (r->pos == r->end)
                return ic__fail(r, CANDID_E_MALFORMED, "unterminated SLEB128 number");
            if (shift > 63)
                return ic__fail(r, CANDID_E_VALUE, "the number does not fit in 64 bits");
            b = *r->pos++;
            v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
            shift += 7;
        } while (b & 0x80);
        if (shift < 64 && (b & 0x40))
            v |= (int64_t)(~(uint64_t)0 << shift);
        *out = v;
        return 0;
    }
    const candid_value *v = ic__slow_next(r, CANDID_INT, &rc);
    if (v && candid_value_i64(v, out) != 0)
        return ic__slow_fail(r, CANDID_E_VALUE);
    return rc;
}

int ic_read_nat64(ic_reader *r, uint64_t *out)
{
    IC__READ_BEGIN(r);
    int rc;
    if (r->fast) {
        if ((rc = ic__need(r, 8, "nat64")))
            return rc;
        memcpy(out, r->pos, 8); /* little-endian, as wasm32 */
        r->pos += 8;
        return 0;
    }
    const candid_value *v = ic__slow_next(r, CANDID_NAT64, &rc);
    if (v)
        *out = v->u.u64;
    return rc;
}

/* ic_read_text beyond a short valid text, out of line (it needs a stack frame). */
__attribute__((noinline)) static int ic__read_text_long(ic_reader *r, const char **s, size_t *len)
{
    int rc;
    if (r->fast) {
        const uint8_t *p;
        if ((rc = ic__bytes(r, &p, len, "text")))
            return rc;
        if (!ic__utf8(p, *len)) {
            r->pos = p;
            return ic__fail(r, CANDID_E_VALUE, "text is not valid UTF-8");
        }
        *s = (const char *)p;
        return 0;
    }
    const candid_value *v = ic__slow_next(r, CANDID_TEXT, &rc);
    if (v)
        *s = (const char *)v->u.bytes.data, *len = v->u.bytes.len;
    return rc;
}

int ic_read_text(ic_reader *r, const char **s, size_t *len)
{
    IC__READ_BEGIN(r);
    const uint8_t *q = r->pos;
    if (r->fast && q < r->end && *q < 0x80 && *q < r->end - q && ic__utf8_short(q + 1, *q)) {
        /* the usual case: a short text (one-byte length), all there, valid */
        *s = (const char *)q + 1;
        *len = *q;
        r->pos = q + 1 + *q;
        return 0;
    }
    return ic__read_text_long(r, s, len);
}

int ic_read_blob(ic_reader *r, const uint8_t **p, size_t *len)
{
    IC__READ_BEGIN(r);
    int rc;
    if (r->fast)
        return ic__bytes(r, p, len, "blob");
    const candid_value *v = ic__slow_next(r, CANDID_BLOB, &rc);
    if (v)
        *p = v->u.bytes.data, *len = v->u.bytes.len;
    return rc;
}

int ic_read_principal(ic_reader *r, ic_principal *out)
{
    IC__READ_BEGIN(r);
    int rc;
    const uint8_t *p = r->pos;
    size_t n;
    if (r->fast && r->end - p >= 2 && p[0] == 1 && p[1] <= IC_PRINCIPAL_MAX &&
        p[1] <= r->end - p - 2) {
        /* the usual case: the id tag, a one-byte length, the bytes all there */
        out->len = p[1];
        ic__copy_short(out->bytes, p + 2, p[1]);
        r->pos = p + 2 + p[1];
        return 0;
    }
    if (r->fast) {
        if ((rc = ic__need(r, 1, "principal")))
            return rc;
        if (*r->pos != 1)
            return ic__fail(r, CANDID_E_MALFORMED, "principal: expected the id tag 1, found %u",
                            *r->pos);
        r->pos++;
        if ((rc = ic__bytes(r, &p, &n, "principal")))
            return rc;
    } else {
        const candid_value *v = ic__slow_next(r, CANDID_PRINCIPAL, &rc);
        if (!v)
            return rc;
        p = v->u.bytes.data, n = v->u.bytes.len;
    }
    if (!ic_principal_from_bytes(out, p, n))
        return ic__fail(r, CANDID_E_VALUE, "a principal has at most 29 bytes, not %u", (unsigned)n);
    return 0;
}

int ic_read_record(ic_reader *r)
{
    IC__READ_BEGIN(r);
    if (r->fast)
        return 0; /* the fields follow in the byte stream */
    int rc;
    const candid_value *v = ic__slow_next(r, CANDID_RECORD, &rc);
    return v ? ic__slow_open(r, v->u.rec.fields, v->u.rec.n, IC__OPEN_FIELDS) : rc;
}

int ic_read_vec(ic_reader *r, size_t *n)
{
    IC__READ_BEGIN(r);
    int rc;
    if (r->fast) {
        uint64_t count;
        if ((rc = ic__leb(r, &count)))
            return rc;
        /* every item takes at least one byte unless its type is empty-sized; the decoder's
         * quota guards that case on the fallback path, here a bound keeps loops honest */
        if (count > (uint64_t)(r->end - r->pos) * 8 + 64)
            return ic__fail(r, CANDID_E_MALFORMED, "a vec of %llu items cannot fit",
                            (unsigned long long)count);
        *n = (size_t)count;
        return 0;
    }
    const candid_value *v = ic__slow_next(r, CANDID_VEC, &rc);
    if (!v)
        return rc;
    *n = v->u.vec.n;
    return ic__slow_open(r, v->u.vec.items, (uint32_t)v->u.vec.n, IC__OPEN_ITEMS);
}

int ic_read_opt(ic_reader *r, bool *present)
{
    IC__READ_BEGIN(r);
    int rc;
    if (r->fast) {
        if ((rc = ic__need(r, 1, "opt")))
            return rc;
        if (*r->pos > 1)
            return ic__fail(r, CANDID_E_MALFORMED, "opt tag must be 0 or 1, not %u", *r->pos);
        *present = *r->pos++;
        return 0;
    }
    const candid_value *v = ic__slow_next(r, CANDID_OPT, &rc);
    if (!v)
        return rc;
    *present = v->u.opt != NULL;
    return ic__slow_open(r, v->u.opt, v->u.opt ? 1 : 0, IC__OPEN_ONE);
}

int ic_read_variant(ic_reader *r, uint32_t *index)
{
    IC__READ_BEGIN(r);
    int rc;
    /* Types with a variant always take the fallback path (ic_types.slow_only), which checks the
     * tag index against the type. */
    const candid_value *v = ic__slow_next(r, CANDID_VARIANT, &rc);
    if (!v)
        return rc;
    *index = v->u.var.index;
    const candid_value *inner = v->u.var.value;
    bool has = inner && inner->kind != CANDID_NULL;
    return ic__slow_open(r, inner, has ? 1 : 0, IC__OPEN_ONE);
}

bool ic_args(ic_types *t, ic_read_fn read, void *out, const char *method)
{
    ic_reader r;
    int rc = ic_read_args(&r, t);
    if (rc == 0 && read)
        rc = read(&r, out);
    if (rc == 0)
        rc = ic_reader_finish(&r);
    if (rc != 0)
        ic_rejectf("%s: invalid arguments: %s", method, ic_reader_error(&r));
    ic_reader_free(&r);
    return rc == 0;
}

/* ---- writing ----------------------------------------------------------------------------- */

static int ic__put(ic_writer *w, const void *p, size_t n)
{
    if (w->error)
        return w->error;
    if (w->cap - w->len < n) {
        size_t cap = w->cap * 2 > w->len + n ? w->cap * 2 : w->len + n;
        uint8_t *grown = w->data == w->small ? malloc(cap) : realloc(w->data, cap);
        if (!grown)
            return w->error = CANDID_E_NOMEM;
        if (w->data == w->small)
            memcpy(grown, w->small, w->len);
        w->data = grown;
        w->cap = cap;
    }
    ic__copy(w->data + w->len, p, n);
    w->len += n;
    return 0;
}

/* ic_writer_begin's other cases, out of line: types not prepared yet, or a long header. */
__attribute__((noinline)) static int ic__writer_begin_slow(ic_writer *w, ic_types *t)
{
    w->len = 0;
    if ((w->error = ic_types_prepare(t)) != 0)
        return w->error;
    return ic__put(w, t->header, t->header_len);
}

int ic_writer_begin(ic_writer *w, ic_types *t)
{
    w->data = w->small;
    w->cap = sizeof w->small;
    w->error = 0;
    if (t->state == 1 && t->header_len <= sizeof w->small) { /* the usual case: a short header */
        ic__copy_short(w->small, t->header, t->header_len);
        w->len = t->header_len;
        return 0;
    }
    return ic__writer_begin_slow(w, t);
}

void ic_writer_free(ic_writer *w)
{
    if (w->data != w->small)
        free(w->data);
    w->data = w->small;
    w->len = 0;
}

int ic_write_nat(ic_writer *w, uint64_t v)
{
    if (v < 0x80 && w->len < w->cap && !w->error) { /* one byte, room for it */
        w->data[w->len++] = (uint8_t)v;
        return 0;
    }
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = v & 0x7f;
        v >>= 7;
        b[n++] |= v ? 0x80 : 0;
    } while (v);
    return ic__put(w, b, n);
}

int ic_write_int(ic_writer *w, int64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    for (;;) {
        uint8_t byte = v & 0x7f;
        v >>= 7; /* arithmetic shift */
        if ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40))) {
            b[n++] = byte;
            break;
        }
        b[n++] = byte | 0x80;
    }
    return ic__put(w, b, n);
}

int ic_write_bool(ic_writer *w, bool v)
{
    uint8_t b = v ? 1 : 0;
    return ic__put(w, &b, 1);
}

int ic_write_nat64(ic_writer *w, uint64_t v)
{
    return ic__put(w, &v, 8); /* little-endian, as wasm32 */
}

int ic_write_blob(ic_writer *w, const void *p, size_t len)
{
    int rc = ic_write_nat(w, len);
    return rc ? rc : ic__put(w, p, len);
}

/* ic_write_text beyond a short text that fits, out of line. */
__attribute__((noinline)) static int ic__write_text_long(ic_writer *w, const char *s, size_t len)
{
    if (!w->error && !ic__utf8((const uint8_t *)s, len))
        w->error = CANDID_E_VALUE;
    return ic_write_blob(w, s, len);
}

int ic_write_text(ic_writer *w, const char *s, size_t len)
{
    size_t at = w->len;
    if (len < 0x80 && w->cap - at > len && !w->error && ic__utf8_short((const uint8_t *)s, len)) {
        /* the usual case: a valid short text (one-byte length) that fits */
        w->data[at] = (uint8_t)len;
        ic__copy(w->data + at + 1, s, len);
        w->len = at + 1 + len;
        return 0;
    }
    return ic__write_text_long(w, s, len);
}

int ic_write_principal(ic_writer *w, const ic_principal *p)
{
    uint8_t tag = 1;
    int rc = ic__put(w, &tag, 1);
    return rc ? rc : ic_write_blob(w, p->bytes, p->len);
}

int ic_write_opt(ic_writer *w, bool present)
{
    return ic_write_bool(w, present);
}

int ic_write_vec(ic_writer *w, size_t n)
{
    return ic_write_nat(w, n);
}

int ic_write_variant(ic_writer *w, uint32_t index)
{
    return ic_write_nat(w, index);
}

void ic_reply_writer(ic_writer *w)
{
    if (w->error)
        ic_rejectf("cannot encode the reply: %s", candid_strerror(w->error));
    else
        ic_reply_raw(w->data, w->len);
    ic_writer_free(w);
}
