/*
 * run.c - tests of the C bindings that `candid gen c` generates (docs/candid-gen.md).
 *
 * The suite's make rule generates kinds.h/.c from tests/candid_gen/kinds.did (every type kind)
 * and ic_mc.h/.c from the IC's ic.did, compiles them with this file and the Candid library, and
 * runs it with the two .did paths as arguments. The oracle is the Candid library's dynamic path:
 * the same values written in the textual format, parsed at the types of the .did (parsed again
 * here at run time) and encoded with candid_encode must give exactly the bytes of the generated
 * encoders; messages decoded by the generated decoders must re-encode to the same bytes and carry
 * the expected C values; bad input must give the library's own error message.
 */
#include "ic_mc.h"
#include "importer.h"
#include "kinds.h"
#include "kinds_big.h"

#include "harness.h"

#include <stdlib.h>

static candid_env kdid, icdid;

/* ---- helpers ------------------------------------------------------------------------------- */

static char hexbuf[4][1 << 16];

/* The helpers return static buffers; noinline keeps gcc's format-truncation analysis of the
 * harness's messages from following them. */
#define NOINLINE __attribute__((noinline))

/* The bytes as lower-case hex in one of four rotating static buffers. */
static NOINLINE const char *hex(const uint8_t *p, size_t n)
{
    static int k;
    char *out = hexbuf[k++ & 3];
    size_t max = (sizeof hexbuf[0] - 1) / 2;
    for (size_t i = 0; i < n && i < max; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * (n < max ? n : max)] = 0;
    return out;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; s[0] && s[1] && n < cap; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* The argument (in = 1) or result types of method `name` of the main service of `e`. */
static const candid_type *method_type(const candid_env *e, const char *name)
{
    const candid_type *svc = candid_env_node(e, e->actor);
    for (uint32_t i = 0; svc && i < svc->u.svc.n; i++)
        if (!strcmp(svc->u.svc.methods[i].name, name))
            return candid_env_node(e, svc->u.svc.methods[i].type);
    return NULL;
}

/* Encodes textual arguments at `types` with the library's dynamic path; hex, or the error. */
static NOINLINE const char *dyn_encode(candid_env *e, const candid_tref *types, uint32_t n,
                                       const char *text)
{
    static char msg[256];
    candid_arena a;
    candid_arena_init(&a);
    candid_value *vals = NULL;
    uint32_t nv = 0;
    candid_error err;
    memset(&err, 0, sizeof err);
    candid_buf out = {0};
    int rc = candid_parse_args(e, &a, text, strlen(text), types, n, &vals, &nv, NULL, &err);
    if (!rc)
        rc = candid_encode(e, types, vals, nv, &out, &err);
    const char *r = msg;
    if (rc)
        snprintf(msg, sizeof msg, "error %d: %s", rc, err.message);
    else
        r = hex(out.data, out.len);
    candid_buf_free(&out);
    candid_arena_free(&a);
    return r;
}

/* Decodes a message at `types` with the library and prints it in the textual format. */
static NOINLINE const char *dyn_print(const candid_env *e, const candid_tref *types, uint32_t n,
                                      const uint8_t *p, size_t len)
{
    static char text[1 << 14];
    candid_arena a;
    candid_arena_init(&a);
    candid_value *vals = NULL;
    uint32_t nv = 0;
    candid_error err;
    memset(&err, 0, sizeof err);
    candid_buf out = {0};
    int rc = candid_decode(p, len, e, types, n, NULL, &a, &vals, &nv, &err);
    if (!rc)
        rc = candid_print_args(&out, vals, nv);
    if (rc)
        snprintf(text, sizeof text, "error %d: %s", rc, err.message);
    else
        snprintf(text, sizeof text, "%.*s", (int)out.len, (const char *)out.data);
    candid_buf_free(&out);
    candid_arena_free(&a);
    return text;
}

static candid_gen_text T(const char *s)
{
    return (candid_gen_text){s, strlen(s)};
}

/* ---- the value of kinds.did's `everything` used by several tests -------------------------- */

static kinds_color colors[3];
static int32_t row0[] = {1, -2}, row1[] = {2147483647};
static kinds_vec_int32 rows[3];
static kinds_list_some cells[2];
static kinds_list links[2];
static kinds_tree leaves[3];
static kinds_tree_node nodes[2];
static const uint8_t blob3[] = {0x00, 0x01, 0xff};

static void fill_everything(kinds_everything *v)
{
    memset(v, 0, sizeof *v);
    v->flag = true;
    v->title = T("h\xc3\xa9llo \"world\"");
    v->data = (candid_gen_blob){blob3, sizeof blob3};
    v->who.len = 0; /* aaaaa-aa */
    v->svc.len = 1; /* 2vxsx-fae, the anonymous principal */
    v->svc.bytes[0] = 0x04;
    v->cb.principal.len = 0;
    v->cb.method = T("get");
    v->maybe = (kinds_opt_text){true, T("")};
    v->maybe_maybe.has = true; /* opt null : opt opt nat16 */
    v->matrix.len = 3;
    rows[0] = (kinds_vec_int32){row0, 2};
    rows[1] = (kinds_vec_int32){NULL, 0};
    rows[2] = (kinds_vec_int32){row1, 1};
    v->matrix.data = rows;
    colors[0].tag = KINDS_COLOR_RED;
    colors[1].tag = KINDS_COLOR_RGB;
    colors[1].u.rgb = (kinds_color_rgb){1, 2, 255};
    colors[2].tag = KINDS_COLOR_GREEN;
    v->colors = (kinds_vec_color){colors, 3};
    v->nums = (kinds_numbers){.n = UINT64_MAX,
                              .i = INT64_MIN,
                              .n8 = 255,
                              .n16 = 65535,
                              .n32 = 4294967295u,
                              .n64 = 1,
                              .i8 = -128,
                              .i16 = -32768,
                              .i32 = -2147483647 - 1,
                              .i64 = INT64_MAX,
                              .f32 = 1.5f,
                              .f64 = -0.25};
    /* items = opt record { head = 10; tail = opt record { head = -20; tail = null } } */
    cells[0] = (kinds_list_some){10, &links[1]};
    cells[1] = (kinds_list_some){-20, &links[0]};
    links[0].value = NULL;
    links[1].value = &cells[1];
    v->items.value = &cells[0];
    /* shape = node { left = leaf 1; right = node { left = leaf 2; right = leaf 3 } } */
    for (int i = 0; i < 3; i++)
        leaves[i] = (kinds_tree){.tag = KINDS_TREE_LEAF, .u.leaf = (uint64_t)i + 1};
    nodes[1] = (kinds_tree_node){&leaves[1], T("inner"), &leaves[2]};
    static kinds_tree right_static;
    right_static = (kinds_tree){.tag = KINDS_TREE_NODE, .u.node = &nodes[1]};
    nodes[0] = (kinds_tree_node){&leaves[0], T("root"), &right_static};
    v->shape = (kinds_tree){.tag = KINDS_TREE_NODE, .u.node = &nodes[0]};
    v->weird_name_with_chars = 7;
    v->_42 = T("forty-two");
    v->tuple = (kinds_everything_tuple){T("t"), 99};
    v->status.tag = KINDS_EVERYTHING_STATUS_ERR;
    v->status.u.err = T("bad");
    v->opt_rec = (kinds_everything_opt_rec){true, {0.5, 2.0}};
    v->never.has = false;
    v->at = (kinds_point){.x = -5, .y = 6, .n = 300, .label = {true, T("p")}};
}

/* The same value in the textual format. */
static const char everything_text[] =
    "(record { flag = true; title = \"h\\c3\\a9llo \\\"world\\\"\"; data = blob \"\\00\\01\\ff\";"
    " who = principal \"aaaaa-aa\"; nothing = null; anything = null; maybe = opt \"\";"
    " maybe_maybe = opt null; matrix = vec { vec { 1; -2 }; vec {}; vec { 2147483647 } };"
    " colors = vec { variant { red }; variant { rgb = record { 1; 2; 255 } }; variant { green } };"
    " nums = record { n = 18446744073709551615; i = -9223372036854775808; n8 = 255; n16 = 65535;"
    " n32 = 4294967295; n64 = 1; i8 = -128; i16 = -32768; i32 = -2147483648;"
    " i64 = 9223372036854775807; f32 = 1.5; f64 = -0.25 };"
    " cb = func \"aaaaa-aa\".get; svc = service \"2vxsx-fae\";"
    " items = opt record { head = 10; tail = opt record { head = -20; tail = null } };"
    " shape = variant { node = record { left = variant { leaf = 1 }; label = \"root\";"
    " right = variant { node = record { left = variant { leaf = 2 }; label = \"inner\";"
    " right = variant { leaf = 3 } } } } };"
    " \"weird name-with chars\" = 7; 42 = \"forty-two\"; tuple = record { \"t\"; 99 };"
    " status = variant { err = \"bad\" }; opt_rec = opt record { x = 0.5; y = 2.0 };"
    " never = null; at = record { x = -5; y = 6; n = 300; label = opt \"p\"; extra = null } })";

/* ---- tests --------------------------------------------------------------------------------- */

static void everything_encodes_like_the_dynamic_encoder(void)
{
    kinds_put_in in;
    fill_everything(&in.arg0);
    candid_buf b = {0};
    candid_error err;
    T_EQ_INT(kinds_put_in_encode(&in, &b, &err), 0);
    const candid_type *put = method_type(&kdid, "put");
    T_CHECK(put != NULL);
    if (put)
        T_EQ_STR(hex(b.data, b.len),
                 dyn_encode(&kdid, put->u.func.args, put->u.func.nargs, everything_text));
    candid_buf_free(&b);
}

static void everything_round_trips_through_the_decoder(void)
{
    kinds_put_in in, back;
    fill_everything(&in.arg0);
    candid_buf b = {0}, b2 = {0};
    candid_error err;
    candid_arena a;
    candid_arena_init(&a);
    T_EQ_INT(kinds_put_in_encode(&in, &b, &err), 0);
    T_EQ_INT(kinds_put_in_decode(b.data, b.len, &a, &back, &err), 0);
    kinds_everything *v = &back.arg0;
    T_CHECK(v->flag);
    T_EQ_STR(v->title.data, "h\xc3\xa9llo \"world\"");
    T_EQ_INT(v->data.len, 3);
    T_EQ_INT(v->data.data[2], 0xff);
    T_EQ_INT(v->svc.len, 1);
    T_EQ_STR(v->cb.method.data, "get");
    T_CHECK(v->maybe.has && v->maybe.value.len == 0);
    T_CHECK(v->maybe_maybe.has && !v->maybe_maybe.value.has);
    T_EQ_INT(v->matrix.len, 3);
    T_EQ_INT(v->matrix.data[0].data[1], -2);
    T_EQ_INT(v->matrix.data[1].len, 0);
    T_EQ_INT(v->matrix.data[2].data[0], 2147483647);
    T_EQ_INT(v->colors.data[1].tag, KINDS_COLOR_RGB);
    T_EQ_INT(v->colors.data[1].u.rgb._2, 255);
    T_EQ_INT(v->colors.data[2].tag, KINDS_COLOR_GREEN);
    T_CHECK(v->nums.n == UINT64_MAX && v->nums.i == INT64_MIN && v->nums.i64 == INT64_MAX);
    T_CHECK(v->nums.f32 == 1.5f && v->nums.f64 == -0.25);
    T_EQ_INT(v->items.value->head, 10);
    T_EQ_INT(v->items.value->tail->value->head, -20);
    T_CHECK(v->items.value->tail->value->tail->value == NULL);
    T_EQ_INT(v->shape.tag, KINDS_TREE_NODE);
    T_EQ_STR(v->shape.u.node->right->u.node->label.data, "inner");
    T_EQ_INT(v->shape.u.node->right->u.node->right->u.leaf, 3);
    T_EQ_INT(v->weird_name_with_chars, 7);
    T_EQ_STR(v->_42.data, "forty-two");
    T_EQ_INT(v->tuple._1, 99);
    T_EQ_INT(v->status.tag, KINDS_EVERYTHING_STATUS_ERR);
    T_EQ_STR(v->status.u.err.data, "bad");
    T_CHECK(v->opt_rec.has && v->opt_rec.value.y == 2.0);
    T_CHECK(!v->never.has);
    T_EQ_INT(v->at.n, 300);
    /* and the decoded value encodes to the same bytes */
    T_EQ_INT(kinds_put_in_encode(&back, &b2, &err), 0);
    T_EQ_STR(hex(b2.data, b2.len), hex(b.data, b.len));
    candid_buf_free(&b);
    candid_buf_free(&b2);
    candid_arena_free(&a);
}

static void decoded_text_matches_the_library_printer(void)
{
    kinds_swap_out out = {.b = 12345678901234ull, .a = T("z\n")};
    candid_buf b = {0};
    T_EQ_INT(kinds_swap_out_encode(&out, &b, NULL), 0);
    const candid_type *swap = method_type(&kdid, "swap");
    T_EQ_STR(dyn_print(&kdid, swap->u.func.rets, swap->u.func.nrets, b.data, b.len),
             "(12_345_678_901_234 : nat, \"z\\n\")");
    /* header, nat 12345678901234 in LEB128, text "z\n" */
    T_EQ_STR(hex(b.data, b.len), "4449444c00027d71"
                                 "f2dfb89ea7e702"
                                 "027a0a");
    candid_buf_free(&b);
}

static void definitions_have_their_own_encoders(void)
{
    kinds_point p = {.x = 1, .y = -1, .n = 0, .label = {false, {NULL, 0}}};
    candid_buf b = {0};
    T_EQ_INT(kinds_point_encode(&p, &b, NULL), 0);
    candid_tref t = candid_env_lookup(&kdid, "point");
    T_EQ_STR(hex(b.data, b.len),
             dyn_encode(&kdid, &t, 1, "(record { x = 1; y = -1; n = 0; extra = null })"));
    candid_buf_free(&b);
    /* a primitive definition */
    kinds_counter c = {.len = 1, .bytes = {4}};
    T_EQ_INT(kinds_counter_encode(&c, &b, NULL), 0);
    t = candid_env_lookup(&kdid, "counter");
    T_EQ_STR(hex(b.data, b.len), dyn_encode(&kdid, &t, 1, "(service \"2vxsx-fae\")"));
    candid_buf_free(&b);
}

static void decoding_applies_subtyping(void)
{
    /* extra field z skipped, missing opt and null fields, extra argument skipped */
    candid_env wire;
    candid_env_init(&wire);
    candid_tref *tt = NULL;
    uint32_t nt = 0;
    const char *ty = "(record { x : nat; y : int; n : nat; z : text }, bool)";
    T_EQ_INT(candid_parse_tuptype(&wire, ty, strlen(ty), &tt, &nt, NULL), 0);
    static uint8_t msg[256];
    size_t len =
        unhex(dyn_encode(&wire, tt, nt, "(record { x = 7; y = -8; n = 9; z = \"q\" }, true)"), msg,
              sizeof msg);
    kinds_point p;
    candid_arena a;
    candid_arena_init(&a);
    candid_error err;
    T_EQ_INT(kinds_point_decode(msg, len, &a, &p, &err), 0);
    T_EQ_INT(p.x, 7);
    T_EQ_INT(p.y, -8);
    T_EQ_INT(p.n, 9);
    T_CHECK(!p.label.has);
    /* an opt whose value does not coerce becomes null (spec "Coercion / Options") */
    candid_env_free(&wire);
    candid_env_init(&wire);
    ty = "(opt bool)";
    T_EQ_INT(candid_parse_tuptype(&wire, ty, strlen(ty), &tt, &nt, NULL), 0);
    len = unhex(dyn_encode(&wire, tt, nt, "(opt true)"), msg, sizeof msg);
    kinds_get_out got;
    memset(&got, 0xff, sizeof got);
    T_EQ_INT(kinds_get_out_decode(msg, len, &a, &got, &err), 0);
    T_CHECK(!got.ret0.has);
    /* a message with no argument: an expected opt is null */
    T_EQ_INT(kinds_get_out_decode((const uint8_t *)"DIDL\0\0", 6, &a, &got, &err), 0);
    T_CHECK(!got.ret0.has);
    candid_env_free(&wire);
    candid_arena_free(&a);
}

static void malformed_input_gives_the_library_error(void)
{
    kinds_put_in in, back;
    fill_everything(&in.arg0);
    candid_buf b = {0};
    candid_arena a;
    candid_arena_init(&a);
    candid_error err, err2;
    T_EQ_INT(kinds_put_in_encode(&in, &b, NULL), 0);
    const candid_type *put = method_type(&kdid, "put");
    candid_value *vals;
    uint32_t nv;
    /* every truncation fails, with the error the library's dynamic decoder gives */
    size_t cuts[] = {0, 3, 5, 40, b.len / 2, b.len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        memset(&err2, 0, sizeof err2);
        int rc = kinds_put_in_decode(b.data, cuts[i], &a, &back, &err);
        int rc2 =
            candid_decode(b.data, cuts[i], &kdid, put->u.func.args, 1, NULL, &a, &vals, &nv, &err2);
        T_CHECK(rc != 0);
        T_EQ_INT(rc, rc2);
        T_EQ_STR(err.message, err2.message);
        T_CHECK(err.offset != SIZE_MAX);
    }
    /* trailing bytes */
    uint8_t extra[4096];
    memcpy(extra, b.data, b.len);
    extra[b.len] = 0;
    T_EQ_INT(kinds_put_in_decode(extra, b.len + 1, &a, &back, &err), CANDID_E_MALFORMED);
    T_CONTAINS(err.message, "byte ");
    /* a wrong type */
    T_EQ_INT(kinds_put_in_decode((const uint8_t *)"DIDL\0\1\x71\0", 8, &a, &back, &err),
             CANDID_E_MISMATCH);
    T_CONTAINS(err.message, "byte ");
    candid_buf_free(&b);
    candid_arena_free(&a);
}

static void numbers_that_do_not_fit_are_errors(void)
{
    /* nat 2^64 does not fit the uint64_t of point.n */
    static uint8_t msg[256];
    candid_tref t = candid_env_lookup(&kdid, "point");
    size_t len =
        unhex(dyn_encode(&kdid, &t, 1, "(record { x = 1; y = 2; n = 18446744073709551616 })"), msg,
              sizeof msg);
    T_CHECK(len > 0);
    kinds_point p;
    candid_arena a;
    candid_arena_init(&a);
    candid_error err;
    T_EQ_INT(kinds_point_decode(msg, len, &a, &p, &err), CANDID_E_VALUE);
    T_EQ_STR(err.message, "kinds_point.n: nat value does not fit in uint64_t");
    candid_arena_free(&a);
}

static void bad_c_values_are_encode_errors(void)
{
    candid_buf b = {0};
    candid_error err;
    kinds_tree t = {.tag = KINDS_TREE_NODE, .u.node = NULL};
    T_EQ_INT(kinds_tree_encode(&t, &b, &err), CANDID_E_VALUE);
    T_EQ_STR(err.message, "kinds_tree.node: NULL pointer for a required value");
    candid_buf_free(&b);
    t.tag = (kinds_tree_tag)7;
    T_EQ_INT(kinds_tree_encode(&t, &b, &err), CANDID_E_VALUE);
    T_EQ_STR(err.message, "kinds_tree: variant tag out of range");
    candid_buf_free(&b);
    kinds_swap_in s = {.a = T("\xff"), .b = 1};
    T_EQ_INT(kinds_swap_in_encode(&s, &b, &err), CANDID_E_VALUE);
    T_CONTAINS(err.message, "kinds_swap_in");
    candid_buf_free(&b);
    kinds_forest f = {.name = T("f"), .children = {NULL, 2}};
    T_EQ_INT(kinds_forest_encode(&f, &b, &err), CANDID_E_VALUE);
    T_EQ_STR(err.message, "kinds_vec_forest: NULL pointer for a required value");
    candid_buf_free(&b);
}

static void recursion_through_vec_needs_no_pointer(void)
{
    kinds_forest kids[2] = {{T("a"), {NULL, 0}}, {T("b"), {NULL, 0}}};
    kinds_forest_size_in in = {{T("root"), {kids, 2}}};
    candid_buf b = {0};
    T_EQ_INT(kinds_forest_size_in_encode(&in, &b, NULL), 0);
    const candid_type *m = method_type(&kdid, "forest_size");
    T_EQ_STR(hex(b.data, b.len),
             dyn_encode(&kdid, m->u.func.args, 1,
                        "(record { name = \"root\"; children = vec { record { name = \"a\";"
                        " children = vec {} }; record { name = \"b\"; children = vec {} } } })"));
    candid_buf_free(&b);
    T_CHECK(m->u.func.ann == CANDID_ANN_COMPOSITE_QUERY);
}

static void init_arguments_and_empty_tuples(void)
{
    kinds_init init = {T("hello")};
    candid_buf b = {0};
    T_EQ_INT(kinds_init_encode(&init, &b, NULL), 0);
    T_EQ_STR(hex(b.data, b.len), dyn_encode(&kdid, kdid.init_args, 1, "(\"hello\")"));
    candid_buf_free(&b);
    kinds_weird_method_in none = {0};
    T_EQ_INT(kinds_weird_method_in_encode(&none, &b, NULL), 0);
    T_EQ_STR(hex(b.data, b.len), "4449444c0000");
    candid_buf_free(&b);
}

static void management_canister_arguments_match(void)
{
    /* update_settings with some settings: controllers, freezing threshold, log visibility */
    candid_gen_principal ctrl[2] = {{.len = 1, .bytes = {4}}, {.len = 0}};
    ic_mc_update_settings_in in;
    memset(&in, 0, sizeof in);
    ic_mc_update_settings_args *u = &in.arg0;
    u->canister_id = (ic_mc_canister_id){.len = 10, .bytes = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1}};
    u->settings.controllers.has = true;
    u->settings.controllers.value = (ic_mc_vec_principal){ctrl, 2};
    u->settings.freezing_threshold = (ic_mc_opt_nat){true, 2592000};
    u->settings.log_visibility.has = true;
    u->settings.log_visibility.value.tag = IC_MC_LOG_VISIBILITY_PUBLIC;
    candid_buf b = {0};
    candid_error err;
    T_EQ_INT(ic_mc_update_settings_in_encode(&in, &b, &err), 0);
    const candid_type *m = method_type(&icdid, "update_settings");
    T_EQ_STR(hex(b.data, b.len),
             dyn_encode(&icdid, m->u.func.args, 1,
                        "(record { canister_id = principal \"rrkah-fqaaa-aaaaa-aaaaq-cai\";"
                        " settings = record { controllers = opt vec { principal \"2vxsx-fae\";"
                        " principal \"aaaaa-aa\" }; freezing_threshold = opt 2_592_000;"
                        " log_visibility = opt variant { public } } })"));
    candid_buf_free(&b);
}

static void management_canister_results_decode(void)
{
    const candid_type *m = method_type(&icdid, "canister_status");
    static uint8_t msg[4096];
    const char *h = dyn_encode(
        &icdid, m->u.func.rets, 1,
        "(record { status = variant { running }; memory_size = 1000; cycles = 5_000_000;"
        " settings = record { controllers = vec { principal \"aaaaa-aa\" };"
        " compute_allocation = 0; memory_allocation = 0; freezing_threshold = 30;"
        " reserved_cycles_limit = 0; minimum_incoming_canister_call_cycles = 0;"
        " log_visibility = variant { controllers }; snapshot_visibility = variant { public };"
        " status_visibility = variant { allowed_viewers = vec { principal \"2vxsx-fae\" } };"
        " wasm_memory_limit = 0; wasm_memory_threshold = 0;"
        " environment_variables = vec {} };"
        " module_hash = opt blob \"\\01\\02\"; idle_cycles_burned_per_day = 7;"
        " reserved_cycles = 0; version = 3; ready_for_migration = false;"
        " query_stats = record { num_calls_total = 1; num_instructions_total = 2;"
        " request_payload_bytes_total = 3; response_payload_bytes_total = 4 };"
        " memory_metrics = record { wasm_memory_size = 1; stable_memory_size = 2;"
        " global_memory_size = 3; wasm_binary_size = 4; custom_sections_size = 5;"
        " canister_history_size = 6; wasm_chunk_store_size = 7; snapshots_size = 8 } })");
    size_t len = unhex(h, msg, sizeof msg);
    T_CHECK(len > 100);
    if (len <= 100) {
        printf("    (dynamic encoder: %s)\n", h);
        return;
    }
    ic_mc_canister_status_out out;
    candid_arena a;
    candid_arena_init(&a);
    candid_error err;
    T_EQ_INT(ic_mc_canister_status_out_decode(msg, len, &a, &out, &err), 0);
    ic_mc_canister_status_result *r = &out.ret0;
    T_EQ_INT(r->status.tag, IC_MC_CANISTER_STATUS_RESULT_STATUS_RUNNING);
    T_EQ_INT(r->cycles, 5000000);
    T_EQ_INT(r->settings.freezing_threshold, 30);
    T_EQ_INT(r->settings.controllers.len, 1);
    T_CHECK(r->module_hash.has && r->module_hash.value.len == 2);
    T_EQ_INT(r->query_stats.response_payload_bytes_total, 4);
    T_EQ_INT(r->version, 3);
    T_EQ_INT(r->settings.status_visibility.tag, IC_MC_STATUS_VISIBILITY_ALLOWED_VIEWERS);
    T_EQ_INT(r->settings.status_visibility.u.allowed_viewers.len, 1);
    T_EQ_INT(r->settings.status_visibility.u.allowed_viewers.data[0].bytes[0], 4);
    candid_arena_free(&a);
}

static void imported_definitions_and_keyword_names(void)
{
    importer_echo_in in;
    memset(&in, 0, sizeof in);
    in.arg0.p = (importer_point){.x = 1, .y = 2, .n = 3, .label = {true, T("l")}};
    in.arg0.c.tag = IMPORTER_COLOR_BLUE;
    in.arg0.k.int_ = 200;
    in.arg0.k.switch_ = true;
    in.arg0.k.struct_ = T("s");
    candid_buf b = {0};
    candid_error err;
    T_EQ_INT(importer_echo_in_encode(&in, &b, &err), 0);
    candid_env e;
    candid_env_init(&e);
    const char *ty = "(record { p : record { x : int; y : int; n : nat; label : opt text;"
                     " extra : null }; c : variant { red; green; blue; rgb : record { nat8; nat8;"
                     " nat8 } }; k : record { \"int\" : nat8; \"switch\" : bool; \"struct\" : text;"
                     " \"bool\" : null } })";
    candid_tref *tt = NULL;
    uint32_t nt = 0;
    T_EQ_INT(candid_parse_tuptype(&e, ty, strlen(ty), &tt, &nt, NULL), 0);
    T_EQ_STR(hex(b.data, b.len),
             dyn_encode(&e, tt, nt,
                        "(record { p = record { x = 1; y = 2; n = 3; label = opt \"l\" };"
                        " c = variant { blue }; k = record { \"int\" = 200; \"switch\" = true;"
                        " \"struct\" = \"s\"; \"bool\" = null } })"));
    candid_env_free(&e);
    candid_buf_free(&b);
}

/* A message built argument by argument from two definitions (each has its own static type
 * environment): the type table shares entries across them as the dynamic encoder does. */
static void definitions_compose_into_one_message(void)
{
    kinds_point p = {.x = 4, .y = 5, .n = 6, .label = {false, {NULL, 0}}};
    kinds_color c = {.tag = KINDS_COLOR_RGB, .u.rgb = {9, 8, 7}};
    kinds_point p2 = {.x = -1, .y = -2, .n = 7, .label = {true, T("two")}};
    candid_enc enc;
    candid_enc_init(&enc);
    candid_buf b = {0};
    T_EQ_INT(kinds_point_declare(&enc), 0);
    T_EQ_INT(kinds_color_declare(&enc), 0);
    T_EQ_INT(kinds_point_declare(&enc), 0);
    T_EQ_INT(kinds_point_write(&enc, &p, NULL), 0);
    T_EQ_INT(kinds_color_write(&enc, &c, NULL), 0);
    T_EQ_INT(kinds_point_write(&enc, &p2, NULL), 0);
    T_EQ_INT(candid_enc_finish(&enc, &b), 0);
    candid_enc_free(&enc);
    candid_tref t[3] = {candid_env_lookup(&kdid, "point"), candid_env_lookup(&kdid, "color"),
                        candid_env_lookup(&kdid, "point")};
    T_EQ_STR(hex(b.data, b.len),
             dyn_encode(&kdid, t, 3,
                        "(record { x = 4; y = 5; n = 6 }, variant { rgb = record { 9; 8; 7 } },"
                        " record { x = -1; y = -2; n = 7; label = opt \"two\" })"));
    /* and read back argument by argument, into an arena that is not the decoder's: the text is
     * copied, so it outlives the decoder's arena */
    candid_arena da, mine;
    candid_arena_init(&da);
    candid_arena_init(&mine);
    candid_dec d;
    kinds_point q, q2;
    kinds_color qc;
    T_EQ_INT(candid_dec_begin(&d, b.data, b.len, NULL, &da, NULL), 0);
    T_EQ_INT(kinds_point_read(&d, &mine, &q), 0);
    T_EQ_INT(kinds_color_read(&d, &mine, &qc), 0);
    T_EQ_INT(kinds_point_read(&d, &mine, &q2), 0);
    T_EQ_INT(candid_dec_end(&d), 0);
    candid_dec_free(&d);
    candid_arena_free(&da);
    candid_buf_free(&b);
    T_EQ_INT(q.n, 6);
    T_EQ_INT(qc.u.rgb._2, 7);
    T_CHECK(q2.label.has);
    T_EQ_STR(q2.label.value.data, "two"); /* in `mine`: ASan checks it is not freed memory */
    candid_arena_free(&mine);
}

/* kinds.did generated with --bignum: nat and int of any size, both ways. */
static void bignum_mode_handles_any_size(void)
{
    static const uint32_t big[] = {0, 0, 64}; /* 2^70 */
    kinds_big_point p = {.x = {.limbs = big, .nlimbs = 3, .negative = 1},
                         .y = {.small = 5},
                         .n = {.limbs = big, .nlimbs = 3}};
    candid_buf b = {0};
    candid_error err;
    T_EQ_INT(kinds_big_point_encode(&p, &b, &err), 0);
    candid_tref t = candid_env_lookup(&kdid, "point");
    T_EQ_STR(hex(b.data, b.len), dyn_encode(&kdid, &t, 1,
                                            "(record { x = -1180591620717411303424; y = 5;"
                                            " n = 1180591620717411303424 })"));
    candid_arena a;
    candid_arena_init(&a);
    kinds_big_point q;
    T_EQ_INT(kinds_big_point_decode(b.data, b.len, &a, &q, &err), 0);
    T_CHECK(q.x.negative && q.x.nlimbs == 3 && q.x.limbs[2] == 64 && q.x.limbs[0] == 0);
    T_CHECK(!q.n.negative && q.n.nlimbs == 3 && q.n.limbs[2] == 64);
    T_CHECK(q.y.limbs == NULL && q.y.small == 5 && !q.y.negative);
    /* a negative nat cannot be encoded */
    candid_buf_free(&b);
    p.n.negative = 1;
    T_EQ_INT(kinds_big_point_encode(&p, &b, &err), CANDID_E_VALUE);
    T_CONTAINS(err.message, "kinds_big_point");
    candid_buf_free(&b);
    candid_arena_free(&a);
}

static int load(candid_env *e, const char *path)
{
    static char src[1 << 20];
    FILE *f = fopen(path, "rb");
    size_t len = f ? fread(src, 1, sizeof src, f) : 0;
    if (!f || len == sizeof src) {
        printf("cannot read %s\n", path);
        return 1;
    }
    fclose(f);
    candid_error err;
    int rc = candid_parse_did(e, src, len, path, NULL, NULL, &err);
    if (rc)
        printf("cannot parse %s: %s\n", path, err.message);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s kinds.did ic.did\n", argv[0]);
        return 2;
    }
    candid_env_init(&kdid);
    candid_env_init(&icdid);
    if (load(&kdid, argv[1]) || load(&icdid, argv[2]))
        return 1;
    T_RUN(everything_encodes_like_the_dynamic_encoder);
    T_RUN(everything_round_trips_through_the_decoder);
    T_RUN(decoded_text_matches_the_library_printer);
    T_RUN(definitions_have_their_own_encoders);
    T_RUN(decoding_applies_subtyping);
    T_RUN(malformed_input_gives_the_library_error);
    T_RUN(numbers_that_do_not_fit_are_errors);
    T_RUN(bad_c_values_are_encode_errors);
    T_RUN(recursion_through_vec_needs_no_pointer);
    T_RUN(init_arguments_and_empty_tuples);
    T_RUN(management_canister_arguments_match);
    T_RUN(management_canister_results_decode);
    T_RUN(imported_definitions_and_keyword_names);
    T_RUN(definitions_compose_into_one_message);
    T_RUN(bignum_mode_handles_any_size);
    candid_env_free(&kdid);
    candid_env_free(&icdid);
    return t_summary();
}
