/*
 * util.c - the small pieces every other file of the Candid library uses: the arena and growable
 * buffer, error formatting (a tiny formatter so that the decode path needs no stdio), LEB128,
 * arbitrary-size nat/int numbers, strict UTF-8, idl_hash, and principals (CRC32 + base32).
 */
#include "internal.h"

#include <stdlib.h>

/* ------------------------------------------------------------------ errors */

static const struct {
    int code;
    const char *text;
} candid__errors[] = {
#define CANDID__ERR_ROW(name, code, text) {code, text},
    CANDID_ERRORS(CANDID__ERR_ROW)
#undef CANDID__ERR_ROW
};

const char *candid_strerror(int code)
{
    for (size_t i = 0; i < sizeof candid__errors / sizeof candid__errors[0]; i++)
        if (candid__errors[i].code == code)
            return candid__errors[i].text;
    return "unknown error";
}

typedef struct {
    char *p;
    size_t left;
} candid__out;

static void out_chars(candid__out *o, const char *s, size_t n)
{
    while (n-- && o->left > 1) {
        *o->p++ = *s++;
        o->left--;
    }
}

/* Writes the decimal digits of v at the end of tmp[24]; returns where they start. */
static const char *u64_digits(char tmp[24], uint64_t v, size_t *n)
{
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    *n = (size_t)(24 - i);
    return tmp + i;
}

static void out_u64(candid__out *o, uint64_t v)
{
    char tmp[24];
    size_t n;
    const char *p = u64_digits(tmp, v, &n);
    out_chars(o, p, n);
}

static void vformat(candid__out *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_chars(o, fmt, 1);
            continue;
        }
        fmt++;
        if (*fmt == 's') {
            const char *s = va_arg(ap, const char *);
            s = s ? s : "(null)";
            out_chars(o, s, strlen(s));
        } else if (*fmt == 'u') {
            out_u64(o, va_arg(ap, uint64_t));
        } else if (*fmt == 'd') {
            int64_t v = va_arg(ap, int64_t);
            if (v < 0) {
                out_chars(o, "-", 1);
                out_u64(o, (uint64_t)0 - (uint64_t)v);
            } else {
                out_u64(o, (uint64_t)v);
            }
        } else if (*fmt == 'c') {
            char c = (char)va_arg(ap, int);
            out_chars(o, &c, 1);
        } else if (*fmt == '%') {
            out_chars(o, "%", 1);
        } else {
            break;
        }
    }
    *o->p = 0;
}

static int verr(candid_error *err, int code, const char *prefix_name, uint64_t a, uint64_t b,
                int kind, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    candid__out o = {err->message, sizeof err->message};
    err->code = code;
    err->offset = SIZE_MAX;
    err->line = err->column = 0;
    if (kind == 1) {
        err->offset = (size_t)a;
        out_chars(&o, "byte ", 5);
        out_u64(&o, a);
        out_chars(&o, ": ", 2);
    } else if (kind == 2) {
        err->line = (uint32_t)a;
        err->column = (uint32_t)b;
        if (prefix_name) {
            out_chars(&o, prefix_name, strlen(prefix_name));
            out_chars(&o, ":", 1);
        }
        out_u64(&o, a);
        out_chars(&o, ":", 1);
        out_u64(&o, b);
        out_chars(&o, ": ", 2);
    }
    vformat(&o, fmt, ap);
    return code;
}

int candid__errf(candid_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(err, code, NULL, 0, 0, 0, fmt, ap);
    va_end(ap);
    return code;
}

int candid__err_at(candid_error *err, int code, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(err, code, NULL, off, 0, 1, fmt, ap);
    va_end(ap);
    return code;
}

int candid__err_line(candid_error *err, int code, const char *name, uint32_t line, uint32_t col,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(err, code, name, line, col, 2, fmt, ap);
    va_end(ap);
    return code;
}

/* ------------------------------------------------------------------ arena and buffer */

struct candid__chunk {
    struct candid__chunk *next;
    size_t size;
    _Alignas(8) unsigned char data[];
};

void candid_arena_init(candid_arena *a)
{
    a->head = NULL;
    a->used = 0;
    a->total = 0;
}

void *candid_arena_alloc(candid_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n == 0)
        n = 8;
    if (n > SIZE_MAX / 4)
        return NULL;
    if (!a->head || a->head->size - a->used < n) {
        size_t size = a->head ? a->head->size * 2 : 4096;
        if (size > ((size_t)1 << 24))
            size = (size_t)1 << 24;
        if (size < n)
            size = n;
        struct candid__chunk *c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->next = a->head;
        a->head = c;
        a->used = 0;
        a->total += size;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    return p;
}

void candid_arena_free(candid_arena *a)
{
    struct candid__chunk *c = a->head;
    while (c) {
        struct candid__chunk *next = c->next;
        free(c);
        c = next;
    }
    candid_arena_init(a);
}

void *candid__arena_dup(candid_arena *a, const void *p, size_t n)
{
    void *d = candid_arena_alloc(a, n ? n : 1);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

int candid__hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *candid__strdup(candid_arena *a, const char *s, size_t n)
{
    char *p = candid_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

int candid__grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    uint64_t ncap = *cap ? (uint64_t)*cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX || ncap * elem > SIZE_MAX / 2)
        return CANDID_E_NOMEM;
    void *p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return CANDID_E_NOMEM;
    *arr = p;
    *cap = (uint32_t)ncap;
    return 0;
}

int candid_buf_append(candid_buf *b, const void *p, size_t n)
{
    if (b->oom)
        return CANDID_E_NOMEM;
    if (b->cap - b->len < n) {
        size_t ncap = b->cap ? b->cap : 64;
        while (ncap - b->len < n) {
            if (ncap > SIZE_MAX / 2) {
                b->oom = 1;
                return CANDID_E_NOMEM;
            }
            ncap *= 2;
        }
        uint8_t *d = realloc(b->data, ncap);
        if (!d) {
            b->oom = 1;
            return CANDID_E_NOMEM;
        }
        b->data = d;
        b->cap = ncap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void candid_buf_free(candid_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

int candid__buf_str(candid_buf *b, const char *s)
{
    return candid_buf_append(b, s, strlen(s));
}

int candid__buf_u64(candid_buf *b, uint64_t v)
{
    char tmp[24];
    size_t n;
    const char *p = u64_digits(tmp, v, &n);
    return candid_buf_append(b, p, n);
}

int candid__buf_escaped(candid_buf *b, const uint8_t *s, size_t n, int utf8)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        static const char from[] = "\n\r\t\\\"'", to[] = "nrt\\\"'";
        const char *k = c ? strchr(from, c) : NULL;
        char e[4] = {'\\', 0, 0, 0};
        size_t el = 2;
        if (k) {
            e[1] = to[k - from];
        } else if ((c >= 0x20 && c < 0x7f) || (utf8 && c >= 0x80)) {
            e[0] = (char)c;
            el = 1;
        } else {
            e[1] = hex[c >> 4];
            e[2] = hex[c & 15];
            el = 3;
        }
        candid_buf_append(b, e, el);
    }
    return b->oom ? CANDID_E_NOMEM : 0;
}

/* ------------------------------------------------------------------ LEB128 */

size_t candid__uleb(const uint8_t *p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    const uint8_t *s = p;
    while (p < end) {
        uint8_t byte = *p++;
        uint64_t bits = byte & 0x7f;
        if (shift >= 64) {
            if (bits)
                return 0;
        } else {
            if (shift == 63 && bits > 1)
                return 0;
            v |= bits << shift;
        }
        if (!(byte & 0x80)) {
            *out = v;
            return (size_t)(p - s);
        }
        shift += 7;
    }
    return 0;
}

size_t candid__sleb(const uint8_t *p, const uint8_t *end, int64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    int ref = -1; /* every bit at position >= 63 must be the same (the sign) */
    const uint8_t *s = p;
    while (p < end) {
        uint8_t byte = *p++;
        if (shift < 64)
            v |= (uint64_t)(byte & 0x7f) << shift;
        for (unsigned k = 0; k < 7 && shift + 6 >= 63; k++) {
            if (shift + k < 63)
                continue;
            int bit = (byte >> k) & 1;
            if (ref < 0)
                ref = bit;
            else if (bit != ref)
                return 0;
        }
        shift += 7;
        if (!(byte & 0x80)) {
            if (shift < 64 && (byte & 0x40))
                v |= ~(uint64_t)0 << shift;
            *out = (int64_t)v;
            return (size_t)(p - s);
        }
    }
    return 0;
}

size_t candid__put_uleb(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        out[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    return n;
}

size_t candid__put_sleb(uint8_t *out, int64_t v)
{
    size_t n = 0;
    for (;;) {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7; /* arithmetic shift (implementation-defined in C, arithmetic on our targets) */
        if ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40))) {
            out[n++] = byte;
            return n;
        }
        out[n++] = (uint8_t)(byte | 0x80);
    }
}

int candid__buf_uleb(candid_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    return candid_buf_append(b, tmp, candid__put_uleb(tmp, v));
}

int candid__buf_sleb(candid_buf *b, int64_t v)
{
    uint8_t tmp[10];
    return candid_buf_append(b, tmp, candid__put_sleb(tmp, v));
}

/* ------------------------------------------------------------------ big numbers */

/* Normalises a magnitude given as limbs: fills out->small when it fits in 64 bits. */
static void bignum_set(candid_bignum *out, uint32_t *limbs, uint32_t n, int negative)
{
    while (n && limbs[n - 1] == 0)
        n--;
    out->negative = (uint8_t)(negative && n);
    if (n <= 2) {
        out->small = n == 0 ? 0 : n == 1 ? limbs[0] : ((uint64_t)limbs[1] << 32 | limbs[0]);
        out->limbs = NULL;
        out->nlimbs = 0;
    } else {
        out->small = 0;
        out->limbs = limbs;
        out->nlimbs = n;
    }
}

/* The magnitude as limbs (temporary view for small numbers). */
static const uint32_t *bignum_limbs(const candid_bignum *v, uint32_t tmp[2], uint32_t *n)
{
    if (v->limbs) {
        *n = v->nlimbs;
        return v->limbs;
    }
    tmp[0] = (uint32_t)v->small;
    tmp[1] = (uint32_t)(v->small >> 32);
    *n = tmp[1] ? 2 : tmp[0] ? 1 : 0;
    return tmp;
}

size_t candid__read_bignum(const uint8_t *p, const uint8_t *end, int is_signed, candid_arena *a,
                           candid_bignum *out, int *nomem)
{
    /* Fast path: at most 9 bytes (63 bits). */
    uint64_t v = 0;
    size_t i = 0;
    for (; i < 9 && p + i < end; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            unsigned bits = 7 * (unsigned)(i + 1);
            int neg = is_signed && (p[i] & 0x40);
            if (neg) {
                uint64_t full = bits >= 64 ? v : (v | (~(uint64_t)0 << bits));
                out->small = (uint64_t)0 - full;
                out->negative = 1;
            } else {
                out->small = v;
                out->negative = 0;
            }
            out->limbs = NULL;
            out->nlimbs = 0;
            return i + 1;
        }
    }
    /* General path: find the end, then collect 7-bit groups into 32-bit limbs. */
    const uint8_t *q = p;
    while (q < end && (*q & 0x80))
        q++;
    if (q >= end)
        return 0;
    size_t len = (size_t)(q - p) + 1;
    uint64_t bits = (uint64_t)len * 7;
    uint32_t nl = (uint32_t)(bits / 32 + 2);
    uint32_t *l = candid_arena_alloc(a, nl * sizeof *l);
    if (!l) {
        *nomem = 1;
        return 0;
    }
    memset(l, 0, nl * sizeof *l);
    for (size_t k = 0; k < len; k++) {
        uint64_t bit = (uint64_t)k * 7;
        uint64_t g = (uint64_t)(p[k] & 0x7f) << (bit % 32);
        l[bit / 32] |= (uint32_t)g;
        if (bit / 32 + 1 < nl)
            l[bit / 32 + 1] |= (uint32_t)(g >> 32);
    }
    int neg = 0;
    if (is_signed && (p[len - 1] & 0x40)) {
        /* sign-extend then negate (two's complement) to get the magnitude */
        for (uint64_t b = bits; b < (uint64_t)nl * 32; b++)
            l[b / 32] |= 1u << (b % 32);
        uint64_t carry = 1;
        for (uint32_t k = 0; k < nl; k++) {
            uint64_t s = (uint64_t)(uint32_t)~l[k] + carry;
            l[k] = (uint32_t)s;
            carry = s >> 32;
        }
        neg = 1;
    }
    bignum_set(out, l, nl, neg);
    return len;
}

int candid__write_bignum(candid_buf *b, const candid_bignum *v, int is_signed)
{
    if (!v->limbs) {
        if (!is_signed)
            return candid__buf_uleb(b, v->small);
        if (!v->negative && v->small <= (uint64_t)INT64_MAX)
            return candid__buf_sleb(b, (int64_t)v->small);
        if (v->negative && v->small <= (uint64_t)1 << 63)
            return candid__buf_sleb(b, (int64_t)((uint64_t)0 - v->small));
    }
    uint32_t tmp[2], n;
    const uint32_t *m = bignum_limbs(v, tmp, &n);
    /* Two's complement copy with one extra limb for the sign. */
    uint32_t stack[64];
    uint32_t *t = n + 1 <= 64 ? stack : malloc((n + 1) * sizeof *t);
    if (!t)
        return CANDID_E_NOMEM;
    for (uint32_t k = 0; k < n; k++)
        t[k] = m[k];
    t[n] = 0;
    if (v->negative) {
        uint64_t carry = 1;
        for (uint32_t k = 0; k <= n; k++) {
            uint64_t s = (uint64_t)(uint32_t)~t[k] + carry;
            t[k] = (uint32_t)s;
            carry = s >> 32;
        }
    }
    uint64_t total = (uint64_t)(n + 1) * 32, bit = 0;
    int rc = 0;
    for (;;) {
        uint32_t g = 0;
        for (int k = 0; k < 7; k++) {
            uint64_t pos = bit + (uint64_t)k;
            uint32_t x = pos < total ? (t[pos / 32] >> (pos % 32)) & 1 : (v->negative ? 1 : 0);
            g |= x << k;
        }
        bit += 7;
        /* Done when every remaining bit equals the sign bit the group leaves. */
        int done = 1;
        uint32_t want = is_signed ? ((g >> 6) & 1) : 0;
        if (is_signed && want != (uint32_t)v->negative)
            done = 0;
        for (uint64_t pos = bit; done && pos < total; pos++)
            if (((t[pos / 32] >> (pos % 32)) & 1) != (is_signed ? want : 0))
                done = 0;
        uint8_t byte = (uint8_t)(g | (done ? 0 : 0x80));
        rc = candid_buf_append(b, &byte, 1);
        if (done || rc)
            break;
    }
    if (t != stack)
        free(t);
    return rc;
}

int candid__parse_bignum(const char *s, size_t n, int negative, candid_arena *a, candid_bignum *out)
{
    unsigned base = 10;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    /* underscores separate digits; a trailing one is tolerated as didc does (`2_`) */
    if (n == 0 || s[0] == '_')
        return CANDID_E_VALUE;
    uint32_t nl = (uint32_t)(n / 2 + 2);
    uint32_t *l = candid_arena_alloc(a, nl * sizeof *l);
    if (!l)
        return CANDID_E_NOMEM;
    memset(l, 0, nl * sizeof *l);
    uint32_t used = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c == '_')
            continue;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return CANDID_E_VALUE;
        uint64_t carry = d;
        for (uint32_t k = 0; k < used; k++) {
            uint64_t x = (uint64_t)l[k] * base + carry;
            l[k] = (uint32_t)x;
            carry = x >> 32;
        }
        if (carry)
            l[used++] = (uint32_t)carry;
    }
    bignum_set(out, l, used, negative);
    return 0;
}

int candid__print_bignum(candid_buf *b, const candid_bignum *v, int underscores)
{
    char small[32], *digits = small;
    size_t nd = 0;
    char *heap = NULL;
    if (!v->limbs) {
        uint64_t x = v->small;
        do {
            small[nd++] = (char)('0' + x % 10);
            x /= 10;
        } while (x);
    } else {
        uint32_t n = v->nlimbs;
        uint32_t *t = malloc(n * sizeof *t);
        heap = malloc((size_t)n * 10 + 1);
        if (!t || !heap) {
            free(t);
            free(heap);
            return CANDID_E_NOMEM;
        }
        memcpy(t, v->limbs, n * sizeof *t);
        digits = heap;
        while (n) {
            uint64_t rem = 0;
            for (uint32_t k = n; k-- > 0;) {
                uint64_t x = rem << 32 | t[k];
                t[k] = (uint32_t)(x / 1000000000u);
                rem = x % 1000000000u;
            }
            while (n && t[n - 1] == 0)
                n--;
            for (int k = 0; k < 9; k++) {
                digits[nd++] = (char)('0' + rem % 10);
                rem /= 10;
                if (!n && !rem)
                    break;
            }
        }
        free(t);
        while (nd > 1 && digits[nd - 1] == '0')
            nd--;
    }
    if (v->negative)
        candid_buf_append(b, "-", 1);
    for (size_t i = nd; i-- > 0;) {
        candid_buf_append(b, &digits[i], 1);
        if (underscores && i && i % 3 == 0)
            candid_buf_append(b, "_", 1);
    }
    free(heap);
    return b->oom ? CANDID_E_NOMEM : 0;
}

int candid__bignum_equal(const candid_bignum *a, const candid_bignum *b)
{
    if (a->negative != b->negative)
        return 0;
    if (!a->limbs || !b->limbs)
        return !a->limbs && !b->limbs && a->small == b->small;
    return a->nlimbs == b->nlimbs && !memcmp(a->limbs, b->limbs, a->nlimbs * sizeof *a->limbs);
}

int candid__bignum_to_u64(const candid_bignum *v, uint64_t *out)
{
    if (v->limbs || v->negative)
        return 0;
    *out = v->small;
    return 1;
}

int candid__bignum_to_i64(const candid_bignum *v, int64_t *out)
{
    if (v->limbs)
        return 0;
    if (v->negative) {
        if (v->small > (uint64_t)1 << 63)
            return 0;
        *out = (int64_t)((uint64_t)0 - v->small);
    } else {
        if (v->small > (uint64_t)INT64_MAX)
            return 0;
        *out = (int64_t)v->small;
    }
    return 1;
}

/* ------------------------------------------------------------------ text helpers */

uint32_t candid_hash(const char *name, size_t len)
{
    uint32_t h = 0;
    for (size_t i = 0; i < len; i++)
        h = h * 223u + (uint8_t)name[i];
    return h;
}

int candid_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* ASCII fast path: 8 bytes at a time while no byte has its high bit set */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= len)
            break;
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf)
            n = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0)
                lo = 0xa0;
            if (c == 0xed)
                hi = 0x9f; /* no surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0)
                lo = 0x90;
            if (c == 0xf4)
                hi = 0x8f; /* nothing above U+10FFFF */
        } else
            return 0;
        if (len - i - 1 < n)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        i += n + 1;
    }
    return 1;
}

static const char *const candid__keywords[] = {
    "type",  "import", "service", "func",    "query",     "oneway", "composite_query", "opt",
    "vec",   "record", "variant", "blob",    "principal", "true",   "false",           "null",
    "bool",  "nat",    "int",     "nat8",    "nat16",     "nat32",  "nat64",           "int8",
    "int16", "int32",  "int64",   "float32", "float64",   "text",   "reserved",        "empty"};

int candid__is_keyword(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof candid__keywords / sizeof candid__keywords[0]; i++)
        if (strlen(candid__keywords[i]) == n && !memcmp(candid__keywords[i], s, n))
            return 1;
    return 0;
}

static const struct {
    const char *name;
    int op;
} candid__kinds[] = {
#define CANDID__KIND_ROW(name, kw, op) {kw, op},
    CANDID_PRIMITIVES(CANDID__KIND_ROW) CANDID_CONSTRUCTORS(CANDID__KIND_ROW)
#undef CANDID__KIND_ROW
};

int candid__prim_by_name(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof candid__kinds / sizeof candid__kinds[0]; i++)
        if (candid__kinds[i].op >= -17 || candid__kinds[i].op == -24)
            if (strlen(candid__kinds[i].name) == n && !memcmp(candid__kinds[i].name, s, n))
                return candid__kinds[i].op;
    return 0;
}

const char *candid_kind_name(candid_kind k)
{
    for (size_t i = 0; i < sizeof candid__kinds / sizeof candid__kinds[0]; i++)
        if (candid__kinds[i].op == (int)k)
            return candid__kinds[i].name;
    if (k == CANDID_BLOB)
        return "blob";
    return NULL;
}

/* ------------------------------------------------------------------ principals */

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

int candid_principal_to_text(const uint8_t *bytes, size_t n, char *out)
{
    if (n > CANDID_PRINCIPAL_MAX)
        return CANDID_E_VALUE;
    uint8_t data[4 + CANDID_PRINCIPAL_MAX];
    uint32_t c = crc32(bytes, n);
    data[0] = (uint8_t)(c >> 24);
    data[1] = (uint8_t)(c >> 16);
    data[2] = (uint8_t)(c >> 8);
    data[3] = (uint8_t)c;
    if (n)
        memcpy(data + 4, bytes, n);
    size_t len = n + 4, o = 0, chars = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = acc << 8 | data[i];
        bits += 8;
        while (bits >= 5) {
            if (chars && chars % 5 == 0)
                out[o++] = '-';
            out[o++] = b32[(acc >> (bits - 5)) & 31];
            chars++;
            bits -= 5;
        }
    }
    if (bits) {
        if (chars && chars % 5 == 0)
            out[o++] = '-';
        out[o++] = b32[(acc << (5 - bits)) & 31];
    }
    out[o] = 0;
    return (int)o;
}

int candid_principal_from_text(const char *text, size_t len, uint8_t *out, size_t *n,
                               candid_error *err)
{
    uint8_t data[4 + CANDID_PRINCIPAL_MAX + 4];
    size_t nd = 0, chars = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (ch == '-') {
            if (chars == 0 || chars % 5 != 0 || (i + 1 < len && text[i + 1] == '-') || i + 1 == len)
                return candid__errf(err, CANDID_E_VALUE,
                                    "principal \"%s\": a dash must follow every 5 characters", "");
            continue;
        }
        if (chars && chars % 5 == 0 && text[i - 1] != '-')
            return candid__errf(err, CANDID_E_VALUE,
                                "principal text: missing dash after character %u", (uint64_t)chars);
        const char *q = NULL;
        char lc = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        if (lc)
            q = memchr(b32, lc, 32);
        if (!q)
            return candid__errf(err, CANDID_E_VALUE,
                                "principal text: invalid character '%c' (base32 is a-z, 2-7)", ch);
        acc = acc << 5 | (uint32_t)(q - b32);
        bits += 5;
        chars++;
        if (bits >= 8) {
            if (nd >= sizeof data)
                return candid__errf(err, CANDID_E_VALUE, "principal text: longer than %u bytes",
                                    (uint64_t)CANDID_PRINCIPAL_MAX);
            data[nd++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
        acc &= (1u << bits) - 1;
    }
    if (nd < 4)
        return candid__errf(err, CANDID_E_VALUE, "principal text: too short (no checksum)");
    if (nd - 4 > CANDID_PRINCIPAL_MAX)
        return candid__errf(err, CANDID_E_VALUE, "principal text: longer than %u bytes",
                            (uint64_t)CANDID_PRINCIPAL_MAX);
    if (acc != 0)
        return candid__errf(err, CANDID_E_VALUE, "principal text: non-zero padding bits");
    uint32_t c = crc32(data + 4, nd - 4);
    uint32_t want =
        (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    if (c != want)
        return candid__errf(err, CANDID_E_VALUE, "principal text: checksum mismatch");
    /* The canonical form must round-trip (lower case, dashes exactly every 5 characters). */
    char canon[CANDID_PRINCIPAL_TEXT_MAX];
    int cl = candid_principal_to_text(data + 4, nd - 4, canon);
    if ((size_t)cl != len)
        return candid__errf(err, CANDID_E_VALUE, "principal text: not in canonical form (%s)",
                            canon);
    memcpy(out, data + 4, nd - 4);
    *n = nd - 4;
    return 0;
}
