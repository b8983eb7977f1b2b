/*
 * mgmt.c - the management canister helpers of <asyncwasm/ic_mgmt.h>, written by hand over the
 * Candid library (see the header for why).
 *
 * Every helper is one async function (mgmt_run) over a frame holding the call, the encoded
 * argument, the reply and a union of results: it awaits the call, then a per-method parser
 * decodes the reply into the result. Arguments are written with an ic_writer over the method's
 * argument type (the parts of ic.did we send: optional fields we omit default to null), record
 * fields in increasing field-id order (the order of idl_hash of their names, noted at each
 * writer), variant tags by their index in that order. Replies are read with an ic_reader at the
 * result type, or, for the two results with many fields, decoded at their wire type and picked
 * field by field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_mgmt.h"
#include "internal.h"

/* Argument and result types (subsets of ic.did). */
#define IC__KEY_ECDSA   "record { curve : variant { secp256k1 }; name : text }"
#define IC__KEY_SCHNORR "record { algorithm : variant { bip340secp256k1; ed25519 }; name : text }"
static ic_types ic__ecdsa_public_key_args = IC_TYPES(
    "(record { canister_id : opt principal; derivation_path : vec blob; key_id : " IC__KEY_ECDSA
    " })");
static ic_types ic__sign_with_ecdsa_args = IC_TYPES(
    "(record { message_hash : blob; derivation_path : vec blob; key_id : " IC__KEY_ECDSA " })");
static ic_types ic__schnorr_public_key_args = IC_TYPES(
    "(record { canister_id : opt principal; derivation_path : vec blob; key_id : " IC__KEY_SCHNORR
    " })");
static ic_types ic__sign_with_schnorr_args =
    IC_TYPES("(record { message : blob; derivation_path : vec blob; key_id : " IC__KEY_SCHNORR
             "; aux : opt variant { bip341 : record { merkle_root_hash : blob } } })");
static ic_types ic__http_request_args = IC_TYPES(
    "(record { url : text; max_response_bytes : opt nat64; method : variant { get; head; post; "
    "put; delete; patch }; headers : vec record { name : text; value : text }; body : opt blob; "
    "is_replicated : opt bool })");
static ic_types ic__canister_id_record = IC_TYPES("(record { canister_id : principal })");
static ic_types ic__create_canister_args =
    IC_TYPES("(record { sender_canister_version : opt nat64 })");
static ic_types ic__install_code_args = IC_TYPES(
    "(record { mode : variant { install; reinstall; upgrade : opt record { skip_pre_upgrade : "
    "opt bool } }; canister_id : principal; wasm_module : blob; arg : blob; "
    "sender_canister_version : opt nat64 })");
static ic_types ic__blob_result = IC_TYPES("(blob)");
static ic_types ic__public_key_result =
    IC_TYPES("(record { public_key : blob; chain_code : blob })");
static ic_types ic__signature_result = IC_TYPES("(record { signature : blob })");
static ic_types ic__unit = IC_TYPES("()");

typedef struct mgmt_frame mgmt_frame;
typedef aw_error *(*mgmt_parse_fn)(mgmt_frame *f);

struct mgmt_frame {
    aw_task task;
    ic_call call;
    ic_writer arg;       /* the encoded argument */
    ic_bytes reply;      /* the reply (owned) */
    mgmt_parse_fn parse; /* reads the reply into `result` */
    union {
        ic_random random;
        ic_public_key key;
        ic_signature sig;
        ic_http_response http;
        ic_canister_info info;
        ic_principal principal;
    } result;
};

AW_ASYNC(mgmt_frame, mgmt_run)
static aw_status mgmt_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_call_perform(&f->call), &f->reply);
    {
        aw_error *err = f->parse(f);
        if (err)
            AW_THROW_ERROR(f, err);
    }
    AW_FINALLY(f);
    ic_bytes_free(&f->reply);
    AW_END(f);
}

/* A frame for `method`, its argument writer started at type `args`. */
static mgmt_frame *mgmt_new(const char *method, ic_types *args, mgmt_parse_fn parse)
{
    mgmt_frame *f = aw_task_new(sizeof *f, mgmt_run_step);
    if (!f)
        return NULL;
    ic_call_init(&f->call, &IC_MANAGEMENT_CANISTER, method);
    f->parse = parse;
    ic_writer_begin(&f->arg, args);
    return f;
}

/* Start the call with the argument written in f->arg; consumes f. `bad` is an error found while
 * preparing (an unknown key name), which fails the future without a call. The argument bytes are
 * copied by the IC when the call is performed, in the task's first step. */
static aw_future *mgmt_start(mgmt_frame *f, aw_error *bad, size_t result_size)
{
    int rc = f->arg.error;
    if (bad || rc != 0) {
        ic_writer_free(&f->arg);
        aw_task_free(&f->task);
        if (!bad && rc == CANDID_E_NOMEM)
            return NULL;
        return aw_future_failed(bad ? bad
                                    : aw_error_newf(AW_E_GENERIC, rc, "%s: cannot encode: %s",
                                                    f->call.method, candid_strerror(rc)));
    }
    ic_call_with_arg(&f->call, f->arg.data, f->arg.len);
    aw_future *fut = aw_task_start(&f->task, &f->result, result_size);
    /* The first step ran and performed the call (or the task failed): the bytes are no longer
     * needed. aw_task_start returns NULL only without starting the task. */
    if (fut)
        ic_writer_free(&f->arg);
    else {
        ic_writer_free(&f->arg);
        aw_task_free(&f->task);
    }
    return fut;
}

/* A derivation path: vec blob. */
static void mgmt_path(ic_writer *w, const ic_blob *path, size_t n)
{
    ic_write_vec(w, n);
    for (size_t i = 0; i < n; i++)
        ic_write_blob(w, path[i].data, path[i].len);
}

static void mgmt_opt_principal(ic_writer *w, const ic_principal *p)
{
    ic_write_opt(w, p != NULL);
    if (p)
        ic_write_principal(w, p);
}

/* A 128-bit cost written by an ic0.cost_* import as 16 little-endian bytes. */
static ic_cycles mgmt_cycles(const uint8_t b[16])
{
    ic_cycles c;
    memcpy(&c.low, b, 8);
    memcpy(&c.high, b + 8, 8);
    return c;
}

/* ---- reply parsers ----------------------------------------------------------------------- */

static aw_error *mgmt_bad_reply(mgmt_frame *f, const char *why)
{
    return aw_error_newf(AW_E_CANDID_DECODE, 0, "%s reply: %s", f->call.method, why);
}

/* Decode the reply at `t` with `read` into f->result. */
static aw_error *mgmt_read(mgmt_frame *f, ic_types *t, ic_read_fn read)
{
    char what[48];
    snprintf(what, sizeof what, "%s reply", f->call.method);
    return ic_decode(f->reply.data, f->reply.len, t, read, f, what);
}

static int read_random(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    const uint8_t *p;
    size_t n = 0;
    int rc = ic_read_blob(r, &p, &n);
    if (rc == 0 && n != 32)
        return CANDID_E_VALUE;
    if (rc == 0)
        memcpy(f->result.random.bytes, p, 32);
    return rc;
}

static aw_error *parse_raw_rand(mgmt_frame *f)
{
    return mgmt_read(f, &ic__blob_result, read_random);
}

/* record { public_key; chain_code } (field-id order). */
static int read_public_key(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    const uint8_t *pk, *cc;
    size_t npk = 0, ncc = 0;
    int rc = ic_read_record(r);
    if (rc == 0)
        rc = ic_read_blob(r, &pk, &npk);
    if (rc == 0)
        rc = ic_read_blob(r, &cc, &ncc);
    if (rc == 0 && (npk > sizeof f->result.key.public_key || ncc != 32))
        return CANDID_E_VALUE;
    if (rc == 0) {
        memcpy(f->result.key.public_key, pk, npk);
        f->result.key.public_key_len = (uint8_t)npk;
        memcpy(f->result.key.chain_code, cc, 32);
    }
    return rc;
}

static aw_error *parse_public_key(mgmt_frame *f)
{
    return mgmt_read(f, &ic__public_key_result, read_public_key);
}

static int read_signature(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    const uint8_t *p;
    size_t n = 0;
    int rc = ic_read_record(r);
    if (rc == 0)
        rc = ic_read_blob(r, &p, &n);
    if (rc == 0 && n > sizeof f->result.sig.signature)
        return CANDID_E_VALUE;
    if (rc == 0) {
        memcpy(f->result.sig.signature, p, n);
        f->result.sig.len = (uint8_t)n;
    }
    return rc;
}

static aw_error *parse_signature(mgmt_frame *f)
{
    return mgmt_read(f, &ic__signature_result, read_signature);
}

static int read_canister_id(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    int rc = ic_read_record(r);
    return rc ? rc : ic_read_principal(r, &f->result.principal);
}

static aw_error *parse_canister_id(mgmt_frame *f)
{
    return mgmt_read(f, &ic__canister_id_record, read_canister_id);
}

static aw_error *parse_unit(mgmt_frame *f)
{
    return mgmt_read(f, &ic__unit, NULL);
}

/* The record field `name` of `v`, required to be of kind `kind`. */
static const candid_value *mgmt_field(const candid_value *v, const char *name, candid_kind kind)
{
    const candid_value *x = candid_value_field(v, candid_hash(name, strlen(name)));
    return x && x->kind == kind ? x : NULL;
}

/* The results with many fields (http_request, canister_status) are decoded at their wire type
 * (the Candid library validates the whole message) and the fields we report are picked by id and
 * checked for their kind. `pick` fills f->result from the record. */
static aw_error *mgmt_wire(mgmt_frame *f, aw_error *(*pick)(mgmt_frame *, const candid_value *))
{
    candid_dec d;
    candid_arena arena;
    candid_error cerr;
    candid_value v;
    aw_error *err = NULL;
    candid_arena_init(&arena);
    cerr.message[0] = 0;
    int rc = candid_dec_begin(&d, f->reply.data, f->reply.len, NULL, &arena, &cerr);
    if (rc == 0)
        rc = candid_dec_arg_wire(&d, &v);
    if (rc == 0)
        rc = candid_dec_end(&d);
    if (rc == 0)
        err = v.kind == CANDID_RECORD ? pick(f, &v) : mgmt_bad_reply(f, "expected a record");
    else
        err = aw_error_newf(AW_E_CANDID_DECODE, rc, "%s reply: %s", f->call.method,
                            cerr.message[0] ? cerr.message : candid_strerror(rc));
    candid_dec_free(&d);
    candid_arena_free(&arena);
    return err;
}

static aw_error *pick_http(mgmt_frame *f, const candid_value *v)
{
    uint64_t status;
    const candid_value *st = mgmt_field(v, "status", CANDID_NAT);
    const candid_value *body = mgmt_field(v, "body", CANDID_BLOB);
    if (!st || !body || candid_value_u64(st, &status) != 0 || status > UINT32_MAX)
        return mgmt_bad_reply(f, "bad status or body");
    f->result.http.status = (uint32_t)status;
    f->result.http.body.len = body->u.bytes.len;
    f->result.http.body.data = malloc(body->u.bytes.len ? body->u.bytes.len : 1);
    if (!f->result.http.body.data)
        return aw_error_new(AW_E_NOMEM, 0, "http_request reply: out of memory");
    memcpy(f->result.http.body.data, body->u.bytes.data, body->u.bytes.len);
    return NULL;
}

static aw_error *parse_http(mgmt_frame *f)
{
    return mgmt_wire(f, pick_http);
}

static aw_error *pick_status(mgmt_frame *f, const candid_value *v)
{
    ic_canister_info *info = &f->result.info;
    const candid_value *st = candid_value_field(v, candid_hash("status", 6));
    const candid_value *mem = mgmt_field(v, "memory_size", CANDID_NAT);
    const candid_value *cyc = mgmt_field(v, "cycles", CANDID_NAT);
    const candid_value *hash = mgmt_field(v, "module_hash", CANDID_OPT);
    if (!st || st->kind != CANDID_VARIANT || !mem || !cyc || !hash)
        return mgmt_bad_reply(f, "missing status, memory_size, cycles or module_hash");
    if (st->u.var.id == candid_hash("running", 7))
        info->status = IC_STATUS_RUNNING;
    else if (st->u.var.id == candid_hash("stopping", 8))
        info->status = IC_STATUS_STOPPING;
    else
        info->status = IC_STATUS_STOPPED;
    if (candid_value_u64(mem, &info->memory_size) != 0)
        info->memory_size = UINT64_MAX;
    if (cyc->u.num.limbs) { /* more than 64 bits: 32-bit limbs, little-endian */
        const uint32_t *l = cyc->u.num.limbs;
        uint32_t n = cyc->u.num.nlimbs;
        info->cycles.low = n > 4 ? UINT64_MAX : (uint64_t)l[1] << 32 | l[0];
        info->cycles.high = n > 4 ? UINT64_MAX : (n > 3 ? (uint64_t)l[3] << 32 : 0) | l[2];
    } else {
        info->cycles.high = 0;
        info->cycles.low = cyc->u.num.small;
    }
    const candid_value *h = hash->u.opt;
    info->has_module = h && h->kind == CANDID_BLOB && h->u.bytes.len == 32;
    if (info->has_module)
        memcpy(info->module_hash, h->u.bytes.data, 32);
    return NULL;
}

static aw_error *parse_status(mgmt_frame *f)
{
    return mgmt_wire(f, pick_status);
}

/* ---- the helpers ------------------------------------------------------------------------- */

aw_future *ic_mgmt_raw_rand(void)
{
    mgmt_frame *f = mgmt_new("raw_rand", &ic__unit, parse_raw_rand);
    return f ? mgmt_start(f, NULL, sizeof(ic_random)) : NULL;
}

aw_future *ic_mgmt_ecdsa_public_key(const ic_principal *canister, const ic_blob *path,
                                    size_t path_len, const char *key_name)
{
    mgmt_frame *f = mgmt_new("ecdsa_public_key", &ic__ecdsa_public_key_args, parse_public_key);
    if (!f)
        return NULL;
    /* field order: key_id { name, curve }, canister_id, derivation_path */
    ic_write_text(&f->arg, key_name, strlen(key_name));
    ic_write_variant(&f->arg, 0); /* secp256k1 */
    mgmt_opt_principal(&f->arg, canister);
    mgmt_path(&f->arg, path, path_len);
    return mgmt_start(f, NULL, sizeof(ic_public_key));
}

aw_future *ic_mgmt_sign_with_ecdsa(const uint8_t hash[32], const ic_blob *path, size_t path_len,
                                   const char *key_name)
{
    mgmt_frame *f = mgmt_new("sign_with_ecdsa", &ic__sign_with_ecdsa_args, parse_signature);
    if (!f)
        return NULL;
    uint8_t cost[16];
    aw_error *bad = NULL;
    if (ic0_cost_sign_with_ecdsa(IC__ADDR(key_name), (uint32_t)strlen(key_name), 0,
                                 IC__ADDR(cost)) != 0)
        bad = aw_error_newf(AW_E_GENERIC, 0, "sign_with_ecdsa: unknown key name \"%s\"", key_name);
    else
        ic_call_with_cycles(&f->call, mgmt_cycles(cost));
    /* field order: key_id { name, curve }, derivation_path, message_hash */
    ic_write_text(&f->arg, key_name, strlen(key_name));
    ic_write_variant(&f->arg, 0);
    mgmt_path(&f->arg, path, path_len);
    ic_write_blob(&f->arg, hash, 32);
    return mgmt_start(f, bad, sizeof(ic_signature));
}

/* Variant index of an algorithm in key_schnorr's sorted tags: ed25519 (0), bip340secp256k1 (1). */
static uint32_t mgmt_alg_index(ic_schnorr_algorithm alg)
{
    return alg == IC_SCHNORR_ED25519 ? 0 : 1;
}

aw_future *ic_mgmt_schnorr_public_key(const ic_principal *canister, const ic_blob *path,
                                      size_t path_len, ic_schnorr_algorithm alg,
                                      const char *key_name)
{
    mgmt_frame *f = mgmt_new("schnorr_public_key", &ic__schnorr_public_key_args, parse_public_key);
    if (!f)
        return NULL;
    /* field order: key_id { algorithm, name }, canister_id, derivation_path */
    ic_write_variant(&f->arg, mgmt_alg_index(alg));
    ic_write_text(&f->arg, key_name, strlen(key_name));
    mgmt_opt_principal(&f->arg, canister);
    mgmt_path(&f->arg, path, path_len);
    return mgmt_start(f, NULL, sizeof(ic_public_key));
}

aw_future *ic_mgmt_sign_with_schnorr(const void *message, size_t len, const ic_blob *path,
                                     size_t path_len, ic_schnorr_algorithm alg,
                                     const char *key_name)
{
    mgmt_frame *f = mgmt_new("sign_with_schnorr", &ic__sign_with_schnorr_args, parse_signature);
    if (!f)
        return NULL;
    uint8_t cost[16];
    aw_error *bad = NULL;
    if (ic0_cost_sign_with_schnorr(IC__ADDR(key_name), (uint32_t)strlen(key_name), (uint32_t)alg,
                                   IC__ADDR(cost)) != 0)
        bad =
            aw_error_newf(AW_E_GENERIC, 0, "sign_with_schnorr: unknown key name \"%s\"", key_name);
    else
        ic_call_with_cycles(&f->call, mgmt_cycles(cost));
    /* field order: aux, key_id { algorithm, name }, derivation_path, message */
    ic_write_opt(&f->arg, false);
    ic_write_variant(&f->arg, mgmt_alg_index(alg));
    ic_write_text(&f->arg, key_name, strlen(key_name));
    mgmt_path(&f->arg, path, path_len);
    ic_write_blob(&f->arg, message, len);
    return mgmt_start(f, bad, sizeof(ic_signature));
}

aw_future *ic_mgmt_http_request(const char *method, const char *url, const ic_blob *body,
                                uint64_t max_response_bytes)
{
    /* Tags of the method variant in field-id order. */
    static const char *const methods[] = {"get", "put", "head", "post", "delete", "patch"};
    uint32_t index = 0;
    while (index < 6 && strcmp(methods[index], method) != 0)
        index++;
    mgmt_frame *f = mgmt_new("http_request", &ic__http_request_args, parse_http);
    if (!f)
        return NULL;
    aw_error *bad = NULL;
    if (index == 6)
        bad = aw_error_newf(AW_E_GENERIC, 0, "http_request: unknown method \"%s\"", method);
    /* The fee depends on the request size (url, headers, body, transform) and the response
     * limit (spec MC "IC method http_request"; 2 MB when not given). */
    uint8_t cost[16];
    uint64_t request_size = strlen(url) + (body ? body->len : 0);
    ic0_cost_http_request(request_size, max_response_bytes ? max_response_bytes : 2000000,
                          IC__ADDR(cost));
    ic_call_with_cycles(&f->call, mgmt_cycles(cost));
    /* field order: url, method, max_response_bytes, body, headers, is_replicated */
    ic_write_text(&f->arg, url, strlen(url));
    ic_write_variant(&f->arg, index < 6 ? index : 0);
    ic_write_opt(&f->arg, max_response_bytes != 0);
    if (max_response_bytes)
        ic_write_nat64(&f->arg, max_response_bytes);
    ic_write_opt(&f->arg, body != NULL);
    if (body)
        ic_write_blob(&f->arg, body->data, body->len);
    ic_write_vec(&f->arg, 0);
    ic_write_opt(&f->arg, false);
    return mgmt_start(f, bad, sizeof(ic_http_response));
}

aw_future *ic_mgmt_canister_status(const ic_principal *canister)
{
    mgmt_frame *f = mgmt_new("canister_status", &ic__canister_id_record, parse_status);
    if (!f)
        return NULL;
    ic_write_principal(&f->arg, canister);
    return mgmt_start(f, NULL, sizeof(ic_canister_info));
}

ic_cycles ic_cost_create_canister(void)
{
    uint8_t cost[16];
    ic0_cost_create_canister(IC__ADDR(cost));
    return mgmt_cycles(cost);
}

aw_future *ic_mgmt_create_canister(ic_cycles cycles)
{
    mgmt_frame *f = mgmt_new("create_canister", &ic__create_canister_args, parse_canister_id);
    if (!f)
        return NULL;
    ic_cycles fee = ic_cost_create_canister(), total;
    total.low = fee.low + cycles.low;
    total.high = fee.high + cycles.high + (total.low < fee.low);
    ic_call_with_cycles(&f->call, total);
    ic_write_opt(&f->arg, false); /* sender_canister_version */
    return mgmt_start(f, NULL, sizeof(ic_principal));
}

aw_future *ic_mgmt_install_code(const ic_principal *canister, ic_install_mode mode,
                                const void *wasm, size_t wasm_len, const void *arg, size_t arg_len)
{
    mgmt_frame *f = mgmt_new("install_code", &ic__install_code_args, parse_unit);
    if (!f)
        return NULL;
    /* mode tags in field-id order: reinstall (0), upgrade (1), install (2) */
    uint32_t tag = mode == IC_REINSTALL ? 0 : mode == IC_UPGRADE ? 1 : 2;
    /* field order: arg, wasm_module, mode, canister_id, sender_canister_version */
    ic_write_blob(&f->arg, arg, arg_len);
    ic_write_blob(&f->arg, wasm, wasm_len);
    ic_write_variant(&f->arg, tag);
    if (tag == 1)
        ic_write_opt(&f->arg, false);
    ic_write_principal(&f->arg, canister);
    ic_write_opt(&f->arg, false);
    return mgmt_start(f, NULL, 0);
}
