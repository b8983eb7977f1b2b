/*
 * unit.c - unit tests of the Candid library beyond the official conformance files: principals,
 * LEB128 and big numbers, the encoder's type table (sharing, recursion, field order), the
 * streaming encoder with the allocation-free readers, error texts and offsets, resource limits,
 * the .did parser (services, imports, errors with line:column) and the text format.
 */
#include "asyncwasm/candid.h"
#include "harness.h"
#include "internal.h"

#include <stdlib.h>

/* ---- helpers */

static char hexbuf[4096];

static const char *hex(const candid_buf *b)
{
    static const char d[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < b->len && n + 2 < sizeof hexbuf; i++) {
        hexbuf[n++] = d[b->data[i] >> 4];
        hexbuf[n++] = d[b->data[i] & 15];
    }
    hexbuf[n] = 0;
    return hexbuf;
}

static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* Encodes textual args at textual types and returns the hex (static buffer) or the error. */
static const char *encode_text(const char *args, const char *types)
{
    static char result[4096];
    candid_env e;
    candid_env_init(&e);
    candid_arena a;
    candid_arena_init(&a);
    candid_error err;
    candid_tref *ts = NULL, *used = NULL;
    uint32_t nt = 0, nv = 0;
    candid_value *vals = NULL;
    candid_buf out = {0};
    if ((types && candid_parse_tuptype(&e, types, strlen(types), &ts, &nt, &err)) ||
        candid_parse_args(&e, &a, args, strlen(args), ts, nt, &vals, &nv, &used, &err) ||
        candid_encode(&e, used, vals, nv, &out, &err))
        snprintf(result, sizeof result, "error: %s", err.message);
    else
        snprintf(result, sizeof result, "%s", hex(&out));
    candid_buf_free(&out);
    candid_arena_free(&a);
    candid_env_free(&e);
    return result;
}

/* Decodes hex at textual types (NULL: wire types) and prints the values or the error. */
static const char *decode_text(const char *hexin, const char *types, const candid_dec_config *cfg)
{
    static char result[4096];
    static uint8_t bytes[4096];
    size_t n = unhex(hexin, bytes);
    candid_env e;
    candid_env_init(&e);
    candid_arena a;
    candid_arena_init(&a);
    candid_error err;
    candid_tref *ts = NULL;
    uint32_t nt = 0, nv = 0;
    candid_value *vals = NULL;
    if ((types && candid_parse_tuptype(&e, types, strlen(types), &ts, &nt, &err)) ||
        candid_decode(bytes, n, &e, ts, nt, cfg, &a, &vals, &nv, &err)) {
        snprintf(result, sizeof result, "error: %s", err.message);
    } else {
        candid_buf out = {0};
        candid_print_args(&out, vals, nv);
        snprintf(result, sizeof result, "%.*s", (int)out.len, (const char *)out.data);
        candid_buf_free(&out);
    }
    candid_arena_free(&a);
    candid_env_free(&e);
    return result;
}

/* ---- principals */

static void principal_text_round_trips(void)
{
    char text[CANDID_PRINCIPAL_TEXT_MAX];
    const uint8_t cafe[] = {0xca, 0xff, 0xee};
    T_EQ_INT(candid_principal_to_text(cafe, 3, text), 14);
    T_EQ_STR(text, "w7x7r-cok77-xa");
    T_EQ_INT(candid_principal_to_text(NULL, 0, text), 8);
    T_EQ_STR(text, "aaaaa-aa");
    const uint8_t ledger[] = {0, 0, 0, 0, 0, 0, 0, 2, 1, 1};
    candid_principal_to_text(ledger, sizeof ledger, text);
    T_EQ_STR(text, "ryjl3-tyaaa-aaaaa-aaaba-cai");
    uint8_t back[CANDID_PRINCIPAL_MAX];
    size_t n = 99;
    T_EQ_INT(candid_principal_from_text(text, strlen(text), back, &n, NULL), 0);
    T_EQ_INT(n, sizeof ledger);
    T_CHECK(!memcmp(back, ledger, sizeof ledger));
    uint8_t max[CANDID_PRINCIPAL_MAX];
    memset(max, 0xab, sizeof max);
    T_CHECK(candid_principal_to_text(max, sizeof max, text) < CANDID_PRINCIPAL_TEXT_MAX);
    T_EQ_INT(candid_principal_from_text(text, strlen(text), back, &n, NULL), 0);
    T_EQ_INT(n, CANDID_PRINCIPAL_MAX);
    T_EQ_INT(candid_principal_to_text(max, 30, text), CANDID_E_VALUE);
}

static void principal_text_errors_name_the_problem(void)
{
    uint8_t out[CANDID_PRINCIPAL_MAX];
    size_t n;
    candid_error err;
    T_EQ_INT(candid_principal_from_text("w7x7r-cok77-ya", 14, out, &n, &err), CANDID_E_VALUE);
    T_CONTAINS(err.message, "checksum mismatch");
    T_EQ_INT(candid_principal_from_text("w7x7r-cok77-xb", 14, out, &n, &err), CANDID_E_VALUE);
    T_CONTAINS(err.message, "non-zero padding bits");
    T_EQ_INT(candid_principal_from_text("w7x7r-cok1-xa", 13, out, &n, &err), CANDID_E_VALUE);
    T_CONTAINS(err.message, "invalid character '1'");
    T_EQ_INT(candid_principal_from_text("w7x7rcok77-xa", 13, out, &n, &err), CANDID_E_VALUE);
    T_CONTAINS(err.message, "dash");
    T_EQ_INT(candid_principal_from_text("aaa", 3, out, &n, &err), CANDID_E_VALUE);
    T_CONTAINS(err.message, "too short");
    /* upper case is accepted but is not the canonical form */
    T_EQ_INT(candid_principal_from_text("W7X7R-COK77-XA", 14, out, &n, &err), 0);
}

/* ---- numbers */

static void leb128_minimal_and_overlong(void)
{
    uint8_t b[10];
    T_EQ_INT(candid__put_uleb(b, 624485), 3);
    T_CHECK(b[0] == 0xe5 && b[1] == 0x8e && b[2] == 0x26);
    T_EQ_INT(candid__put_sleb(b, -123456), 3);
    T_CHECK(b[0] == 0xc0 && b[1] == 0xbb && b[2] == 0x78);
    T_EQ_INT(candid__put_sleb(b, 64), 2); /* 0x40 alone would read as -64 */
    uint64_t v;
    const uint8_t over[] = {0x80, 0x80, 0x00};
    T_EQ_INT(candid__uleb(over, over + 3, &v), 3);
    T_EQ_INT(v, 0);
    const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    T_EQ_INT(candid__uleb(big, big + 10, &v), 0); /* 2^64 + ... does not fit */
    int64_t s;
    const uint8_t neg[] = {0xff, 0x7f};
    T_EQ_INT(candid__sleb(neg, neg + 2, &s), 2);
    T_EQ_INT(s, -1);
}

static void big_numbers_round_trip(void)
{
    /* 2^100 and -(2^100): beyond 64 bits in both directions (14 zero groups, then 0x04) */
    T_EQ_STR(encode_text("(1_267_650_600_228_229_401_496_703_205_376 : nat)", NULL),
             "4449444c00017d808080808080808080808080808004");
    T_EQ_STR(decode_text("4449444c00017d808080808080808080808080808004", NULL, NULL),
             "(1_267_650_600_228_229_401_496_703_205_376 : nat)");
    const char *h = encode_text("(-1267650600228229401496703205376)", "(int)");
    T_EQ_STR(decode_text(h, "(int)", NULL), "(-1_267_650_600_228_229_401_496_703_205_376 : int)");
    T_EQ_STR(decode_text(encode_text("(-9223372036854775808)", "(int)"), "(int)", NULL),
             "(-9_223_372_036_854_775_808 : int)");
    T_EQ_STR(decode_text(encode_text("(0xff_ff)", "(nat)"), "(nat)", NULL), "(65_535 : nat)");
    T_CONTAINS(encode_text("(-1)", "(nat)"), "out of range for type nat");
    T_CONTAINS(encode_text("(256)", "(nat8)"), "out of range for type nat8");
    T_CONTAINS(encode_text("(-129)", "(int8)"), "out of range");
    T_CONTAINS(encode_text("(1.5)", "(int)"), "does not have type int");
}

/* ---- encoder */

static void encoder_shares_and_orders_the_type_table(void)
{
    /* two separately written `vec nat` types share one entry; record fields sorted by id */
    T_EQ_STR(encode_text("(vec {1}, vec {2}, record { b = 1; a = 2 })",
                         "(vec nat, vec nat, record { b : nat8; a : nat8 })"),
             "4449444c026d7d6c02617b627b030000010101010202"
             "01");
    /* a recursive list: one opt entry pointing at a record pointing back */
    const char *list = encode_text("(opt record { head = 1; tail = opt record { head = 2; tail = "
                                   "null } })",
                                   NULL);
    T_CHECK(strncmp(list, "error", 5) != 0);
    candid_env e;
    candid_env_init(&e);
    candid_error err;
    const char *did = "type List = opt record { head : int; tail : List };";
    T_EQ_INT(candid_parse_did(&e, did, strlen(did), "t.did", NULL, NULL, &err), 0);
    candid_enc enc;
    candid_enc_init(&enc);
    T_EQ_INT(candid_enc_arg_type(&enc, &e, candid_env_lookup(&e, "List")), 0);
    T_EQ_INT(candid_enc_arg_type(&enc, &e, candid_env_lookup(&e, "List")), 0);
    candid_enc_opt(&enc, 0);
    candid_enc_opt(&enc, 1);
    candid_enc_int(&enc, -1);
    candid_enc_opt(&enc, 0);
    candid_buf out = {0};
    T_EQ_INT(candid_enc_finish(&enc, &out), 0);
    /* 2 entries: 0 = opt 1, 1 = record {head: int; tail: 0} */
    T_EQ_STR(hex(&out), "4449444c026e016c02a0d2aca8047c90eddae70400020000"
                        "00017f00");
    candid_buf_free(&out);
    candid_enc_free(&enc);
    candid_env_free(&e);
}

static void streaming_encoder_and_leaf_readers_agree(void)
{
    candid_enc enc;
    candid_enc_init(&enc);
    candid_enc_arg_type(&enc, NULL, CANDID_NAT64);
    candid_enc_arg_type(&enc, NULL, CANDID_TEXT);
    candid_enc_arg_type(&enc, NULL, CANDID_PRINCIPAL);
    candid_enc_arg_type(&enc, NULL, CANDID_INT);
    candid_enc_arg_type(&enc, NULL, CANDID_FLOAT64);
    candid_enc_arg_type(&enc, NULL, CANDID_BOOL);
    candid_enc_nat64(&enc, 0x0102030405060708ull);
    candid_enc_text(&enc, "héllo", 6);
    const uint8_t p[] = {0xca, 0xff, 0xee};
    candid_enc_principal(&enc, p, 3);
    candid_enc_int(&enc, -300);
    candid_enc_float64(&enc, 2.5);
    candid_enc_bool(&enc, 1);
    candid_buf out = {0};
    T_EQ_INT(candid_enc_finish(&enc, &out), 0);
    candid_enc_free(&enc);

    candid_dec d;
    candid_error err;
    T_EQ_INT(candid_dec_begin(&d, out.data, out.len, NULL, NULL, &err), 0);
    uint64_t u = 0;
    const char *s = NULL;
    size_t sl = 0, pl = 0;
    const uint8_t *pp = NULL;
    int64_t i = 0;
    double f = 0;
    int b = 0;
    T_EQ_INT(candid_dec_nat64(&d, &u), 0);
    T_CHECK(u == 0x0102030405060708ull);
    T_EQ_INT(candid_dec_text(&d, &s, &sl), 0);
    T_CHECK(sl == 6 && !memcmp(s, "héllo", 6));
    T_EQ_INT(candid_dec_principal(&d, &pp, &pl), 0);
    T_CHECK(pl == 3 && !memcmp(pp, p, 3));
    T_EQ_INT(candid_dec_int(&d, &i), 0);
    T_EQ_INT(i, -300);
    T_EQ_INT(candid_dec_float64(&d, &f), 0);
    T_CHECK(f == 2.5);
    /* the wire has bool but we ask for text: a type mismatch naming both types */
    T_EQ_INT(candid_dec_text(&d, &s, &sl), CANDID_E_MISMATCH);
    T_CONTAINS(err.message, "wire type bool cannot be decoded at expected type text");
    candid_dec_free(&d);

    T_EQ_INT(candid_dec_begin(&d, out.data, out.len, NULL, NULL, &err), 0);
    T_EQ_INT(candid_dec_nat(&d, &u), CANDID_E_MISMATCH); /* nat64 is not nat */
    candid_dec_free(&d);
    T_EQ_INT(candid_dec_begin(&d, out.data, out.len, NULL, NULL, &err), 0);
    T_EQ_INT(candid_dec_nat64(&d, &u), 0);
    T_EQ_INT(candid_dec_end(&d), 0); /* remaining arguments skipped */
    candid_dec_free(&d);
    T_EQ_INT(candid_dec_begin(&d, out.data, out.len, NULL, NULL, &err), 0);
    for (int k = 0; k < 6; k++)
        T_EQ_INT(candid_dec_arg_wire(&d, &(candid_value){0}), 0);
    T_EQ_INT(candid_dec_bool(&d, &b), CANDID_E_MISMATCH); /* no 7th argument */
    candid_dec_free(&d);
    candid_buf_free(&out);
}

static void encoder_follows_an_env_that_grows(void)
{
    candid_env e;
    candid_env_init(&e);
    candid_tref a = 0, b = 0;
    T_EQ_INT(candid_parse_type(&e, "vec nat", 7, &a, NULL), 0);
    candid_enc enc;
    candid_enc_init(&enc);
    T_EQ_INT(candid_enc_arg_type(&enc, &e, a), 0);
    /* more types added to the same env after the encoder first saw it */
    for (int i = 0; i < 40; i++)
        T_EQ_INT(candid_parse_type(&e, "opt record { x : vec nat }", 26, &b, NULL), 0);
    T_EQ_INT(candid_enc_arg_type(&enc, &e, b), 0);
    candid_enc_vec(&enc, 0);
    candid_enc_opt(&enc, 0);
    candid_buf out = {0};
    T_EQ_INT(candid_enc_finish(&enc, &out), 0);
    /* 3 entries, children first: vec nat (shared by the record field), record { x (id 120) },
     * opt; arguments 0 and 2; values: empty vector, null option */
    T_EQ_STR(hex(&out), "4449444c036d7d6c0178006e010200020000");
    candid_buf_free(&out);
    candid_enc_free(&enc);
    candid_env_free(&e);
}

static void encoder_rejects_bad_values(void)
{
    candid_enc enc;
    candid_enc_init(&enc);
    T_EQ_INT(candid_enc_text(&enc, "\xff", 1), CANDID_E_VALUE);
    candid_buf out = {0};
    T_EQ_INT(candid_enc_finish(&enc, &out), CANDID_E_VALUE); /* sticky */
    candid_enc_free(&enc);
    T_CONTAINS(encode_text("(record { a = 1 })", "(record { a : nat; b : nat })"),
               "record field 98 is missing");
    T_CONTAINS(encode_text("(variant { c })", "(variant { a; b })"), "variant tag");
    T_CONTAINS(encode_text("(principal \"aaaaa-aa\")", "(service {})"), "does not have type");
}

/* ---- decoder */

static void decoder_errors_name_offset_and_expectation(void)
{
    T_EQ_STR(decode_text("4449444c00017104e298", "(text)", NULL),
             "error: byte 8: expected 4 bytes of text, 2 left");
    T_EQ_STR(decode_text("4449444d0000", "()", NULL),
             "error: byte 0: expected the magic bytes \"DIDL\"");
    T_EQ_STR(decode_text("4449444c00017e02", "(bool)", NULL),
             "error: byte 7: expected bool 00 or 01");
    T_EQ_STR(decode_text("4449444c00017e0000", "(bool)", NULL),
             "error: byte 8: 1 unexpected bytes after the last argument");
    T_EQ_STR(decode_text("4449444c016c02017c007e0100", "()", NULL),
             "error: byte 9: field id 0 not above the previous one (ids must be unique and "
             "sorted)");
    T_EQ_STR(decode_text("4449444c0000", "(nat)", NULL),
             "error: byte 6: missing argument 0 (expected type nat)");
}

static void decoder_applies_subtyping(void)
{
    /* record {a; b; c} read as record {c; z : opt nat}: a and b skipped, z null */
    const char *h = encode_text("(record { a = 1; b = \"x\"; c = true })", NULL);
    T_EQ_STR(decode_text(h, "(record { c : bool; z : opt nat })", NULL),
             "(record { c = true; z = null })");
    /* a variant with an unknown tag under opt becomes null */
    h = encode_text("(variant { new = 5 })", NULL);
    T_EQ_STR(decode_text(h, "(opt variant { old })", NULL), "(null)");
    T_CONTAINS(decode_text(h, "(variant { old })", NULL), "variant tag");
    /* nat at int; int at nat fails */
    T_EQ_STR(decode_text(encode_text("(7 : nat)", NULL), "(int)", NULL), "(7 : int)");
    T_CONTAINS(decode_text(encode_text("(7)", NULL), "(nat)", NULL), "type mismatch");
    /* extra opt function arguments are fine for a func reference */
    h = encode_text("(func \"aaaaa-aa\".f)", "(func (text) -> ())");
    T_EQ_STR(decode_text(h, "(func (text, opt nat) -> ())", NULL), "(func \"aaaaa-aa\".f)");
    T_EQ_STR(decode_text(h, "(opt func (nat) -> ())", NULL), "(null)");
}

static void decoder_limits_work_and_depth(void)
{
    /* vec null of 150,000 elements is fine by default; a quota of 1000 refuses it quickly,
     * and 300,000 exceed the default for so short a message */
    const char *h = "4449444c016d7f0100f09309";
    T_CONTAINS(decode_text("4449444c016d7f0100e0a712", "(vec null)", NULL), "decoding quota");
    T_CHECK(strncmp(decode_text(h, "(vec null)", NULL), "(vec { null;", 12) == 0);
    candid_dec_config small = {1000, 0, 0};
    T_CONTAINS(decode_text(h, "(vec null)", &small), "exceeds the decoding quota");
    candid_dec_config noskip = {0, 10, 0};
    T_CONTAINS(decode_text(h, "()", &noskip), "quota");
    /* a 300-deep nested opt exceeds the default depth of 256 */
    static char deep[2048];
    size_t n = (size_t)sprintf(deep, "4449444c016e0001");
    n += (size_t)sprintf(deep + n, "00");
    for (int i = 0; i < 300; i++)
        n += (size_t)sprintf(deep + n, "01");
    sprintf(deep + n, "00");
    T_CONTAINS(decode_text(deep, NULL, NULL), "nesting deeper than 256");
    candid_dec_config deeper = {0, 0, 1000};
    T_CHECK(strncmp(decode_text(deep, NULL, &deeper), "(opt opt", 8) == 0);
}

/* A message whose table is a chain of `n` records {0 : next} ending in a record {0 : last},
 * then `vec <head>` as the argument type and the vector length `len` with no element bytes. */
static size_t chain_message(uint8_t *out, uint32_t n, int last, uint64_t len)
{
    size_t k = 4;
    memcpy(out, "DIDL", 4);
    k += candid__put_uleb(out + k, n + 1);
    for (uint32_t i = 0; i < n; i++) {
        out[k++] = 0x6c;
        out[k++] = 1;
        out[k++] = 0;
        k += candid__put_sleb(out + k, i + 1 < n ? (int64_t)i + 1 : last);
    }
    out[k++] = 0x6d;
    out[k++] = 0;
    out[k++] = 1;
    k += candid__put_sleb(out + k, n);
    k += candid__put_uleb(out + k, len);
    return k;
}

static void zero_sized_types_found_through_long_chains(void)
{
    static uint8_t msg[200000];
    candid_arena a;
    candid_arena_init(&a);
    candid_error err;
    candid_value *v;
    uint32_t n;
    /* 20,000 records deep, ending in nat: not zero-sized, so the length is checked eagerly */
    size_t len = chain_message(msg, 20000, CANDID_NAT, 1000);
    T_EQ_INT(candid_decode(msg, len, NULL, NULL, 0, NULL, &a, &v, &n, &err), CANDID_E_MALFORMED);
    T_CONTAINS(err.message, "vector length 1000 exceeds the remaining input");
    /* 100 deep ending in null: zero-sized, 1000 elements decode from no bytes at all */
    len = chain_message(msg, 100, CANDID_NULL, 1000);
    T_EQ_INT(candid_decode(msg, len, NULL, NULL, 0, NULL, &a, &v, &n, &err), 0);
    T_CHECK(n == 1 && v[0].kind == CANDID_VEC && v[0].u.vec.n == 1000);
    candid_arena_free(&a);
}

/* ---- .did parser */

static int loader(void *ctx, const char *importer, const char *path, char **resolved, char **text,
                  size_t *len)
{
    (void)ctx;
    (void)importer;
    const char *src =
        !strcmp(path, "base.did") ? "type Id = nat64; service : { ping : () -> () query }" : NULL;
    if (!src)
        return -1;
    *resolved = strdup(path);
    *text = strdup(src);
    *len = strlen(src);
    return 0;
}

static void did_parser_builds_services_and_imports(void)
{
    candid_env e;
    candid_env_init(&e);
    candid_error err;
    const char *did = "import service \"base.did\";\n"
                      "/* nested /* comment */ */\n"
                      "type User = record { id : Id; name : text; \"quoted name\" : opt User };\n"
                      "type Res = variant { ok : User; err : text };\n"
                      "service users : (init : nat) -> {\n"
                      "  get : (id : Id) -> (Res) query;\n"
                      "  \"put\" : (User) -> () oneway;\n"
                      "}";
    T_EQ_INT(candid_parse_did(&e, did, strlen(did), "users.did", loader, NULL, &err), 0);
    T_CHECK(e.has_init && e.ninit_args == 1 && e.init_args[0] == CANDID_NAT);
    const candid_type *svc = candid_env_node(&e, e.actor);
    T_CHECK(svc && svc->kind == CANDID_SERVICE);
    if (svc && svc->u.svc.n == 3) {
        T_EQ_STR(svc->u.svc.methods[0].name, "get");
        T_EQ_STR(svc->u.svc.methods[1].name, "ping");
        T_EQ_STR(svc->u.svc.methods[2].name, "put");
        const candid_type *get = candid_env_node(&e, svc->u.svc.methods[0].type);
        T_CHECK(get->u.func.ann == CANDID_ANN_QUERY && get->u.func.args[0] == CANDID_NAT64);
        T_EQ_STR(get->u.func.arg_names[0], "id");
    } else {
        T_CHECK(!"service has 3 methods");
    }
    candid_tref user = candid_env_lookup(&e, "User");
    const candid_type *u = candid_env_node(&e, user);
    T_CHECK(u && u->kind == CANDID_RECORD && u->u.rec.n == 3 && !strcmp(u->name, "User"));
    candid_buf b = {0};
    candid_print_type(&b, &e, user);
    T_EQ_STR((char *)(candid_buf_append(&b, "", 1), b.data),
             "record { id : nat64; \"quoted name\" : opt User; name : text }");
    candid_buf_free(&b);
    candid_env_free(&e);
}

static void did_parser_errors_have_line_and_column(void)
{
    struct {
        const char *src, *want;
    } cases[] = {
        {"type A = record { a : nat; a : int };", "t.did:1:17: duplicate field id 97"},
        {"type A = B;\ntype B = A;", "type `A` is vacuous"},
        {"type A = vec Missing;", "t.did:1:14: unknown type name `Missing`"},
        {"type A = nat;\n  type A = int;", "t.did:2:8: duplicate definition of type `A`"},
        {"service : { m : (nat) -> (nat) oneway }", "a oneway function cannot have results"},
        {"type T = record { nat", "t.did:1:22: expected `}`"},
        {"import \"nope.did\";", "t.did:1:8: cannot import \"nope.did\""},
        {"type T = nat; service : T", "the main service is not a service type"},
        {"service : { m : T }; type T = nat;", "main service must be the last"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        candid_env e;
        candid_env_init(&e);
        candid_error err = {0};
        int rc =
            candid_parse_did(&e, cases[i].src, strlen(cases[i].src), "t.did", loader, NULL, &err);
        T_CHECK(rc != 0);
        T_CONTAINS(err.message, cases[i].want);
        candid_env_free(&e);
    }
}

/* ---- text format */

static void text_values_print_like_didc(void)
{
    const char *types = "(nat8, int16, float32, text, blob, opt nat, vec record { nat; text }, "
                        "variant { ok : null; err : text }, record { \"a b\" : bool; c : "
                        "reserved }, principal, service {}, int64)";
    const char *args = "(255, -1_000, 0.25, \"tab\\there \\u{2603}\", blob \"\\00A\\ff\", opt 5, "
                       "vec { record { 1; \"x\" } }, variant { ok }, record { \"a b\" = true }, "
                       "principal \"aaaaa-aa\", service \"w7x7r-cok77-xa\", 1_000_000)";
    const char *h = encode_text(args, types);
    T_EQ_STR(
        decode_text(h, types, NULL),
        "(255 : nat8, -1_000 : int16, 0.25 : float32, \"tab\\there ☃\", blob \"\\00\\41\\ff\", "
        "opt (5 : nat), vec { record { 1 : nat; \"x\" } }, variant { ok }, record { c = null; "
        "\"a b\" = true }, principal \"aaaaa-aa\", service \"w7x7r-cok77-xa\", 1_000_000 : "
        "int64)");
}

static void text_parse_errors(void)
{
    T_CONTAINS(encode_text("(\"unterminated)", NULL), "1:2: unterminated text literal");
    T_CONTAINS(encode_text("(record { a = 1; a = 2 })", NULL), "duplicate field");
    T_CONTAINS(encode_text("(\"\\ff\")", "(text)"), "not valid UTF-8");
    T_CONTAINS(encode_text("(principal \"xyz\")", NULL), "principal text");
    T_CONTAINS(encode_text("(5 : nat8)", "(nat)"), "not a subtype");
    T_EQ_STR(encode_text("(5 : nat8)", "(opt nat8)"), "4449444c016e7b010001"
                                                      "05");
    T_EQ_STR(encode_text("()", "(opt nat, null, reserved)"), "4449444c016e7d03007f70"
                                                             "00");
}

int main(void)
{
    T_RUN(principal_text_round_trips);
    T_RUN(principal_text_errors_name_the_problem);
    T_RUN(leb128_minimal_and_overlong);
    T_RUN(big_numbers_round_trip);
    T_RUN(encoder_shares_and_orders_the_type_table);
    T_RUN(streaming_encoder_and_leaf_readers_agree);
    T_RUN(encoder_follows_an_env_that_grows);
    T_RUN(encoder_rejects_bad_values);
    T_RUN(decoder_errors_name_offset_and_expectation);
    T_RUN(decoder_applies_subtyping);
    T_RUN(decoder_limits_work_and_depth);
    T_RUN(zero_sized_types_found_through_long_chains);
    T_RUN(did_parser_builds_services_and_imports);
    T_RUN(did_parser_errors_have_line_and_column);
    T_RUN(text_values_print_like_didc);
    T_RUN(text_parse_errors);
    return t_summary();
}
