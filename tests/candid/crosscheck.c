/*
 * crosscheck.c - the C half of the round-trip cross-check against @dfinity/candid (npm).
 *
 *   crosscheck gen SEED N      writes N cases, one JSON object per line:
 *                              {"type": T, "hex": our encoding, "value": expected JS value}
 *   crosscheck check SEED N    reads N lines of hex (@dfinity/candid's encodings of the same
 *                              values, in order) and decodes each at its type; the result must
 *                              equal the value we generated. Ends with `N passed, M failed`.
 *
 * Cases are generated from SEED deterministically (xorshift64), so `check` regenerates them.
 * When the type is a record of two or more fields, the case also checks record evolution: both
 * sides decode the other's bytes at the record type without its last field (`sub`), which must
 * skip that field and give the value without it.
 * Types are random compositions of every primitive except func/service (principal included),
 * opt, vec, blob, records with names, tuples and variants, up to depth 3; values are random
 * values of those types written in Candid text, parsed and coerced by our text parser. Only
 * well-formed values at their exact types are generated: DIGEST section e lists where
 * @dfinity/candid departs from the spec (subtyping, missing fields, future types, metering),
 * and none of that is exercised here.
 */
#include "asyncwasm/candid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* Three growing strings per case: Candid type text, Candid value text, JS type JSON. */
typedef struct {
    char *p;
    size_t len, cap;
} str;

static void put(str *s, const char *t)
{
    size_t n = strlen(t);
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
        if (!s->p) {
            fprintf(stderr, "crosscheck: out of memory\n");
            exit(2);
        }
    }
    memcpy(s->p + s->len, t, n + 1);
    s->len += n;
}

static const char *const names[] = {"a",    "b",  "name", "id",  "value",
                                    "tail", "ok", "err",  "x_1", "Zed"};
static const char *const texts[][2] = {
    /* Candid literal, JSON string */
    {"\"\"", "\"\""},
    {"\"hello\"", "\"hello\""},
    {"\"h\\u{e9}llo \\u{2603}\"", "\"h\\u00e9llo \\u2603\""},
    {"\"quote \\\" and \\\\ \\n\"", "\"quote \\\" and \\\\ \\n\""},
    {"\"\\u{1F402}\"", "\"\\ud83d\\udc02\""},
};
static const char *const principals[] = {"aaaaa-aa", "w7x7r-cok77-xa", "2chl6-4hpzw-vqaaa-aaaaa-c",
                                         "ryjl3-tyaaa-aaaaa-aaaba-cai",
                                         "rrkah-fqaaa-aaaaa-aaaaq-cai"};

enum {
    P_NULL,
    P_BOOL,
    P_NAT,
    P_INT,
    P_N8,
    P_N16,
    P_N32,
    P_N64,
    P_I8,
    P_I16,
    P_I32,
    P_I64,
    P_F32,
    P_F64,
    P_TEXT,
    P_PRINCIPAL,
    P_RESERVED,
    P_COUNT
};
static const char *const prim_kw[] = {"null",    "bool",    "nat",  "int",       "nat8",    "nat16",
                                      "nat32",   "nat64",   "int8", "int16",     "int32",   "int64",
                                      "float32", "float64", "text", "principal", "reserved"};

/* A generated type: a small tree, kept to generate values. */
typedef struct gtype {
    int kind; /* P_* or one of the constructors below */
    struct gtype *inner[4];
    const char *label[4];
    int n;
} gtype;
enum { C_OPT = 100, C_VEC, C_BLOB, C_RECORD, C_TUPLE, C_VARIANT };

static gtype *gen_type(int depth)
{
    gtype *t = calloc(1, sizeof *t);
    if (!t)
        exit(2);
    int k = depth >= 3 ? (int)pick(P_COUNT) : (int)pick(P_COUNT + 12);
    if (k < P_COUNT) {
        t->kind = k;
        return t;
    }
    static const int cons[] = {C_OPT,    C_OPT,    C_VEC,   C_VEC,     C_BLOB,    C_RECORD,
                               C_RECORD, C_RECORD, C_TUPLE, C_VARIANT, C_VARIANT, C_OPT};
    t->kind = cons[k - P_COUNT];
    if (t->kind == C_OPT || t->kind == C_VEC) {
        t->n = 1;
        t->inner[0] = gen_type(depth + 1);
    } else if (t->kind != C_BLOB) {
        t->n = 1 + (int)pick(t->kind == C_TUPLE ? 3 : 4);
        unsigned used = 0;
        for (int i = 0; i < t->n; i++) {
            unsigned j;
            do
                j = pick(10);
            while (used & (1u << j));
            used |= 1u << j;
            t->label[i] = names[j];
            t->inner[i] = gen_type(depth + 1);
        }
    }
    return t;
}

static void free_type(gtype *t)
{
    for (int i = 0; i < t->n; i++)
        free_type(t->inner[i]);
    free(t);
}

static void type_text(gtype *t, str *s)
{
    if (t->kind < P_COUNT) {
        put(s, prim_kw[t->kind]);
        return;
    }
    switch (t->kind) {
    case C_OPT:
    case C_VEC:
        put(s, t->kind == C_OPT ? "opt " : "vec ");
        type_text(t->inner[0], s);
        return;
    case C_BLOB:
        put(s, "blob");
        return;
    default:
        put(s, t->kind == C_VARIANT ? "variant {" : "record {");
        for (int i = 0; i < t->n; i++) {
            put(s, i ? "; " : " ");
            if (t->kind != C_TUPLE) {
                put(s, t->label[i]);
                put(s, " : ");
            }
            type_text(t->inner[i], s);
        }
        put(s, " }");
    }
}

static void type_json(gtype *t, str *s)
{
    if (t->kind < P_COUNT) {
        put(s, "{\"k\":\"");
        put(s, prim_kw[t->kind]);
        put(s, "\"}");
        return;
    }
    switch (t->kind) {
    case C_OPT:
    case C_VEC:
        put(s, t->kind == C_OPT ? "{\"k\":\"opt\",\"t\":" : "{\"k\":\"vec\",\"t\":");
        type_json(t->inner[0], s);
        put(s, "}");
        return;
    case C_BLOB:
        put(s, "{\"k\":\"vec\",\"t\":{\"k\":\"nat8\"}}");
        return;
    default:
        put(s, t->kind == C_VARIANT ? "{\"k\":\"variant\",\"f\":["
               : t->kind == C_TUPLE ? "{\"k\":\"tuple\",\"f\":["
                                    : "{\"k\":\"record\",\"f\":[");
        for (int i = 0; i < t->n; i++) {
            put(s, i ? ",[\"" : "[\"");
            put(s, t->label[i]);
            put(s, "\",");
            type_json(t->inner[i], s);
            put(s, "]");
        }
        put(s, "]}");
    }
}

/* A random number within the C type's range, as decimal text. */
static void number(str *val, str *js, int kind)
{
    char buf[64];
    static const int bits[] = {[P_N8] = 8, [P_N16] = 16, [P_N32] = 32, [P_N64] = 64,
                               [P_I8] = 8, [P_I16] = 16, [P_I32] = 32, [P_I64] = 64};
    int is_signed = kind == P_INT || (kind >= P_I8 && kind <= P_I64);
    int neg = is_signed && pick(2);
    if (kind == P_NAT || kind == P_INT) {
        /* up to ~2^96: three limbs of decimal digits */
        if (pick(3) == 0)
            snprintf(buf, sizeof buf, "%s%llu%09llu%09llu", neg ? "-" : "",
                     (unsigned long long)(rnd() % 100000000000ull),
                     (unsigned long long)(rnd() % 1000000000ull),
                     (unsigned long long)(rnd() % 1000000000ull));
        else
            snprintf(buf, sizeof buf, "%s%llu", neg ? "-" : "",
                     (unsigned long long)(rnd() >> pick(64)));
        if (!strcmp(buf, "-0"))
            strcpy(buf, "0");
        put(val, buf);
        put(js, "{\"$big\":\"");
        put(js, buf);
        put(js, "\"}");
        return;
    }
    int b = bits[kind];
    uint64_t mag = rnd() >> (64 - b + (is_signed ? 1 : 0));
    if (neg) {
        snprintf(buf, sizeof buf, "-%llu", (unsigned long long)mag + (mag == 0 ? 1 : 0));
        if (!strcmp(buf, "-0"))
            strcpy(buf, "0");
    } else {
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)mag);
    }
    put(val, buf);
    if (b == 64) {
        put(js, "{\"$big\":\"");
        put(js, buf);
        put(js, "\"}");
    } else {
        put(js, buf);
    }
}

static void gen_value(gtype *t, str *val, str *js, int depth)
{
    char buf[64];
    switch (t->kind) {
    case P_NULL:
    case P_RESERVED:
        put(val, "null");
        put(js, "null");
        return;
    case P_BOOL:
        put(val, pick(2) ? "true" : "false");
        put(js, val->p[val->len - 1] == 'e' && val->p[val->len - 2] == 'u' ? "true" : "false");
        return;
    case P_F32:
    case P_F64: {
        /* exactly representable in both: k / 8 with |k| < 2^20 */
        long k = (long)(rnd() % (1u << 20)) - (1 << 19);
        snprintf(buf, sizeof buf, "%.3f", (double)k / 8.0);
        put(val, buf);
        put(js, buf);
        return;
    }
    case P_TEXT: {
        unsigned i = pick(sizeof texts / sizeof texts[0]);
        put(val, texts[i][0]);
        put(js, texts[i][1]);
        return;
    }
    case P_PRINCIPAL: {
        const char *p = principals[pick(sizeof principals / sizeof principals[0])];
        put(val, "principal \"");
        put(val, p);
        put(val, "\"");
        put(js, "{\"$principal\":\"");
        put(js, p);
        put(js, "\"}");
        return;
    }
    case C_OPT:
        if (depth > 4 || pick(3) == 0) {
            put(val, "null");
            put(js, "[]");
            return;
        }
        put(val, "opt (");
        put(js, "[");
        gen_value(t->inner[0], val, js, depth + 1);
        put(val, ")");
        put(js, "]");
        return;
    case C_VEC: {
        int n = depth > 4 ? 0 : (int)pick(4);
        put(val, "vec {");
        put(js, "[");
        for (int i = 0; i < n; i++) {
            put(val, " ");
            if (i)
                put(js, ",");
            gen_value(t->inner[0], val, js, depth + 1);
            put(val, ";");
        }
        put(val, " }");
        put(js, "]");
        return;
    }
    case C_BLOB: {
        int n = (int)pick(6);
        put(val, "blob \"");
        put(js, "{\"$bytes\":\"");
        for (int i = 0; i < n; i++) {
            snprintf(buf, sizeof buf, "%02x", (unsigned)pick(256));
            put(js, buf);
            put(val, "\\");
            put(val, buf);
        }
        put(val, "\"");
        put(js, "\"}");
        return;
    }
    case C_RECORD:
    case C_TUPLE:
        put(val, "record {");
        put(js, t->kind == C_TUPLE ? "[" : "{");
        for (int i = 0; i < t->n; i++) {
            put(val, " ");
            if (i)
                put(js, ",");
            if (t->kind == C_RECORD) {
                put(val, t->label[i]);
                put(val, " = ");
                put(js, "\"");
                put(js, t->label[i]);
                put(js, "\":");
            }
            gen_value(t->inner[i], val, js, depth + 1);
            put(val, ";");
        }
        put(val, " }");
        put(js, t->kind == C_TUPLE ? "]" : "}");
        return;
    case C_VARIANT: {
        int i = (int)pick((unsigned)t->n);
        put(val, "variant { ");
        put(val, t->label[i]);
        put(val, " = ");
        put(js, "{\"");
        put(js, t->label[i]);
        put(js, "\":");
        gen_value(t->inner[i], val, js, depth + 1);
        put(val, " }");
        put(js, "}");
        return;
    }
    default:
        number(val, js, t->kind);
    }
}

/* Parses the case's type and value text into env/arena. Returns 0 or prints the error. */
static int build(const str *ty, const str *val, candid_env *e, candid_arena *a, candid_tref *t,
                 candid_value **v)
{
    candid_error err;
    uint32_t n;
    if (candid_parse_type(e, ty->p, ty->len, t, &err) ||
        candid_parse_args(e, a, val->p, val->len, t, 1, v, &n, NULL, &err)) {
        fprintf(stderr, "crosscheck: cannot build %s / %s: %s\n", ty->p, val->p, err.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "gen") && strcmp(argv[1], "check"))) {
        fprintf(stderr, "usage: crosscheck gen|check SEED N\n");
        return 2;
    }
    int gen = !strcmp(argv[1], "gen");
    rng = strtoull(argv[2], NULL, 10) * 0x9e3779b97f4a7c15ull + 1;
    long count = strtol(argv[3], NULL, 10);
    int passed = 0, failed = 0;
    static char line[1 << 20];
    for (long i = 0; i < count; i++) {
        str ty = {0}, tj = {0}, val = {0}, js = {0}, sty = {0}, stj = {0};
        gtype *g = gen_type(0);
        type_text(g, &ty);
        type_json(g, &tj);
        int evolve = g->kind == C_RECORD && g->n >= 2;
        if (evolve) {
            g->n--; /* the record without its last field */
            type_text(g, &sty);
            type_json(g, &stj);
            g->n++;
        }
        put(&val, "(");
        gen_value(g, &val, &js, 0);
        put(&val, ")");
        candid_env e;
        candid_env_init(&e);
        candid_arena a;
        candid_arena_init(&a);
        candid_tref t;
        candid_value *v;
        candid_error err;
        if (build(&ty, &val, &e, &a, &t, &v))
            return 2;
        if (gen) {
            candid_buf out = {0};
            if (candid_encode(&e, &t, v, 1, &out, &err)) {
                fprintf(stderr, "crosscheck: encode %s: %s\n", val.p, err.message);
                return 2;
            }
            printf("{\"type\":%s,\"value\":%s,\"hex\":\"", tj.p, js.p);
            for (size_t k = 0; k < out.len; k++)
                printf("%02x", out.data[k]);
            printf("\",\"text\":\"%s\"", ty.p);
            if (evolve)
                printf(",\"sub\":%s", stj.p);
            printf("}\n");
            candid_buf_free(&out);
        } else {
            if (!fgets(line, sizeof line, stdin)) {
                fprintf(stderr, "crosscheck: missing line %ld\n", i + 1);
                return 2;
            }
            size_t hl = strcspn(line, "\r\n");
            uint8_t *bytes = malloc(hl / 2 + 1);
            for (size_t k = 0; k + 1 < hl; k += 2) {
                unsigned x;
                sscanf(line + k, "%2x", &x);
                bytes[k / 2] = (uint8_t)x;
            }
            candid_value *back;
            uint32_t nb;
            int rc = candid_decode(bytes, hl / 2, &e, &t, 1, NULL, &a, &back, &nb, &err);
            if (!rc && candid_value_equal(v, back)) {
                passed++;
            } else {
                failed++;
                printf("FAIL case %ld: type %s\n  value %s\n  js hex %.*s\n  %s\n", i + 1, ty.p,
                       val.p, (int)hl, line, rc ? err.message : "decoded a different value");
            }
            if (evolve) {
                /* JS's bytes at the smaller record type must give what our own bytes give */
                candid_tref st;
                candid_buf ours = {0};
                candid_value *want, *got;
                int ok =
                    !candid_parse_type(&e, sty.p, sty.len, &st, &err) &&
                    !candid_encode(&e, &t, v, 1, &ours, &err) &&
                    !candid_decode(ours.data, ours.len, &e, &st, 1, NULL, &a, &want, &nb, &err) &&
                    !candid_decode(bytes, hl / 2, &e, &st, 1, NULL, &a, &got, &nb, &err) &&
                    candid_value_equal(want, got) && want->u.rec.n == (uint32_t)g->n - 1;
                if (ok) {
                    passed++;
                } else {
                    failed++;
                    printf("FAIL case %ld (evolution): %s read as %s: %s\n", i + 1, ty.p, sty.p,
                           err.message);
                }
                candid_buf_free(&ours);
            }
            free(bytes);
        }
        candid_arena_free(&a);
        candid_env_free(&e);
        free_type(g);
        free(ty.p);
        free(tj.p);
        free(val.p);
        free(js.p);
        free(sty.p);
        free(stj.p);
    }
    if (!gen)
        printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
