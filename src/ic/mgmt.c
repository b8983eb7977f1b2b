/*
 * mgmt.c - the management canister helpers of <asyncwasm/ic_mgmt.h>, written by hand over the
 * Candid library (see the header for why).
 *
 * Every helper is one async function (mgmt_run) over a frame holding the call, the encoded
 * argument, the reply and a union of results: it awaits the call, then a per-method parser
 * decodes the reply at the method's result type into the result. Argument types come from a
 * subset of ic.did parsed once per module instance; values are written with the streaming
 * encoder, record fields in increasing field-id order (the order of idl_hash of their names,
 * noted at each writer), variant tags by their index in that order.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_mgmt.h"
#include "internal.h"

/* The parts of ic.did these helpers encode and decode (argument records reduced to the fields we
 * send; the receiver's optional fields we omit default to null). */
static const char ic__mgmt_did[] =
    "type key_ecdsa = record { curve : variant { secp256k1 }; name : text };"
    "type key_schnorr = record { algorithm : variant { bip340secp256k1; ed25519 }; name : text };"
    "type ecdsa_public_key_args = record { canister_id : opt principal;"
    "  derivation_path : vec blob; key_id : key_ecdsa };"
    "type sign_with_ecdsa_args = record { message_hash : blob; derivation_path : vec blob;"
    "  key_id : key_ecdsa };"
    "type schnorr_public_key_args = record { canister_id : opt principal;"
    "  derivation_path : vec blob; key_id : key_schnorr };"
    "type sign_with_schnorr_args = record { message : blob; derivation_path : vec blob;"
    "  key_id : key_schnorr; aux : opt variant { bip341 : record { merkle_root_hash : blob } } };"
    "type public_key_result = record { public_key : blob; chain_code : blob };"
    "type signature_result = record { signature : blob };"
    "type http_header = record { name : text; value : text };"
    "type http_request_args = record { url : text; max_response_bytes : opt nat64;"
    "  method : variant { get; head; post; put; delete; patch }; headers : vec http_header;"
    "  body : opt blob; is_replicated : opt bool };"
    "type http_request_result = record { status : nat; headers : vec http_header; body : blob };"
    "type canister_id_record = record { canister_id : principal };"
    "type create_canister_args = record { sender_canister_version : opt nat64 };"
    "type install_code_args = record { mode : variant { install; reinstall;"
    "  upgrade : opt record { skip_pre_upgrade : opt bool } }; canister_id : principal;"
    "  wasm_module : blob; arg : blob; sender_canister_version : opt nat64 };";

static candid_env ic__mgmt_env;
static bool ic__mgmt_parsed;

/* The type named `name` of the subset above (parsed on first use); CANDID_NO_TYPE on OOM. */
static candid_tref ic__mgmt_type(const char *name)
{
    if (!ic__mgmt_parsed) {
        candid_env_init(&ic__mgmt_env);
        if (candid_parse_did(&ic__mgmt_env, ic__mgmt_did, sizeof ic__mgmt_did - 1, "ic.did", NULL,
                             NULL, NULL) != 0) {
            candid_env_free(&ic__mgmt_env);
            return CANDID_NO_TYPE;
        }
        ic__mgmt_parsed = true;
    }
    return candid_env_lookup(&ic__mgmt_env, name);
}

typedef struct mgmt_frame mgmt_frame;
typedef aw_error *(*mgmt_parse_fn)(mgmt_frame *f, candid_dec *d);

struct mgmt_frame {
    aw_task task;
    ic_call call;
    candid_buf arg;      /* the encoded argument (owned) */
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

/* Decode the reply with f->parse: set up the decoder, check the end of the message. */
static aw_error *mgmt_decode(mgmt_frame *f)
{
    candid_dec d;
    candid_arena arena;
    candid_error cerr;
    aw_error *err = NULL;
    candid_arena_init(&arena);
    memset(&cerr, 0, sizeof cerr);
    int rc = candid_dec_begin(&d, f->reply.data, f->reply.len, NULL, &arena, &cerr);
    if (rc == 0 && f->parse)
        err = f->parse(f, &d);
    if (rc == 0 && !err)
        rc = candid_dec_end(&d);
    candid_dec_free(&d);
    candid_arena_free(&arena);
    if (!err && rc != 0)
        err = aw_error_newf(AW_E_CANDID_DECODE, rc, "%s reply: %s", f->call.method,
                            cerr.message[0] ? cerr.message : candid_strerror(rc));
    return err;
}

AW_ASYNC(mgmt_frame, mgmt_run)
static aw_status mgmt_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_call_perform(&f->call), &f->reply);
    {
        aw_error *err = mgmt_decode(f);
        if (err)
            AW_THROW_ERROR(f, err);
    }
    AW_FINALLY(f);
    candid_buf_free(&f->arg);
    ic_bytes_free(&f->reply);
    AW_END(f);
}

/* A frame for `method`; the caller encodes into f->arg with `enc` (declared with `type`). */
static mgmt_frame *mgmt_new(const char *method, mgmt_parse_fn parse)
{
    mgmt_frame *f = aw_task_new(sizeof *f, mgmt_run_step);
    if (!f)
        return NULL;
    ic_call_init(&f->call, &IC_MANAGEMENT_CANISTER, method);
    f->parse = parse;
    return f;
}

/* Finish the encoding and start the call; consumes f. `bad` is an error found while preparing
 * (an unknown key name), which fails the future without a call. */
static aw_future *mgmt_start(mgmt_frame *f, candid_enc *enc, int rc, aw_error *bad,
                             size_t result_size)
{
    if (rc == 0 && !bad)
        rc = candid_enc_finish(enc, &f->arg);
    candid_enc_free(enc);
    if (bad || rc != 0) {
        candid_buf_free(&f->arg);
        aw_task_free(&f->task);
        if (!bad && rc == CANDID_E_NOMEM)
            return NULL;
        return aw_future_failed(bad ? bad
                                    : aw_error_newf(AW_E_GENERIC, rc, "%s: cannot encode: %s",
                                                    f->call.method, candid_strerror(rc)));
    }
    ic_call_with_arg(&f->call, f->arg.data, f->arg.len);
    return aw_task_start(&f->task, &f->result, result_size);
}

/* Declare the single argument type `name`; returns the encoder status. */
static int mgmt_begin(candid_enc *enc, const char *name)
{
    candid_enc_init(enc);
    candid_tref t = ic__mgmt_type(name);
    if (t == CANDID_NO_TYPE)
        return CANDID_E_NOMEM;
    return candid_enc_arg_type(enc, &ic__mgmt_env, t);
}

/* A derivation path: vec blob. */
static int mgmt_path(candid_enc *enc, const ic_blob *path, size_t n)
{
    int rc = candid_enc_vec(enc, n);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = candid_enc_blob(enc, path[i].data, path[i].len);
    return rc;
}

static int mgmt_opt_principal(candid_enc *enc, const ic_principal *p)
{
    int rc = candid_enc_opt(enc, p != NULL);
    if (rc == 0 && p)
        rc = candid_enc_principal(enc, p->bytes, p->len);
    return rc;
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

/* The record field `name` of `v`, required to be of kind `kind`. */
static const candid_value *mgmt_field(const candid_value *v, const char *name, candid_kind kind)
{
    const candid_value *x = candid_value_field(v, candid_hash(name, strlen(name)));
    return x && x->kind == kind ? x : NULL;
}

static aw_error *mgmt_bad_reply(mgmt_frame *f, const char *why)
{
    return aw_error_newf(AW_E_CANDID_DECODE, 0, "%s reply: %s", f->call.method, why);
}

static aw_error *parse_raw_rand(mgmt_frame *f, candid_dec *d)
{
    const uint8_t *p;
    size_t n;
    int rc = candid_dec_blob(d, &p, &n);
    if (rc != 0 || n != 32)
        return mgmt_bad_reply(f, rc ? candid_strerror(rc) : "expected 32 bytes");
    memcpy(f->result.random.bytes, p, 32);
    return NULL;
}

static aw_error *parse_public_key(mgmt_frame *f, candid_dec *d)
{
    candid_value v;
    int rc = candid_dec_arg(d, &ic__mgmt_env, ic__mgmt_type("public_key_result"), &v);
    if (rc != 0)
        return mgmt_bad_reply(f, candid_strerror(rc));
    const candid_value *pk = mgmt_field(&v, "public_key", CANDID_BLOB);
    const candid_value *cc = mgmt_field(&v, "chain_code", CANDID_BLOB);
    if (!pk || !cc || pk->u.bytes.len > 33 || cc->u.bytes.len != 32)
        return mgmt_bad_reply(f, "unexpected key or chain code length");
    memcpy(f->result.key.public_key, pk->u.bytes.data, pk->u.bytes.len);
    f->result.key.public_key_len = (uint8_t)pk->u.bytes.len;
    memcpy(f->result.key.chain_code, cc->u.bytes.data, 32);
    return NULL;
}

static aw_error *parse_signature(mgmt_frame *f, candid_dec *d)
{
    candid_value v;
    int rc = candid_dec_arg(d, &ic__mgmt_env, ic__mgmt_type("signature_result"), &v);
    if (rc != 0)
        return mgmt_bad_reply(f, candid_strerror(rc));
    const candid_value *s = mgmt_field(&v, "signature", CANDID_BLOB);
    if (!s || s->u.bytes.len > 64)
        return mgmt_bad_reply(f, "unexpected signature length");
    memcpy(f->result.sig.signature, s->u.bytes.data, s->u.bytes.len);
    f->result.sig.len = (uint8_t)s->u.bytes.len;
    return NULL;
}

static aw_error *parse_http(mgmt_frame *f, candid_dec *d)
{
    candid_value v;
    uint64_t status;
    int rc = candid_dec_arg(d, &ic__mgmt_env, ic__mgmt_type("http_request_result"), &v);
    if (rc != 0)
        return mgmt_bad_reply(f, candid_strerror(rc));
    const candid_value *st = mgmt_field(&v, "status", CANDID_NAT);
    const candid_value *body = mgmt_field(&v, "body", CANDID_BLOB);
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

/* canister_status's result has many fields; it is decoded at its wire type and only the fields
 * we report are read, each checked for its kind. */
static aw_error *parse_status(mgmt_frame *f, candid_dec *d)
{
    candid_value v;
    int rc = candid_dec_arg_wire(d, &v);
    if (rc != 0 || v.kind != CANDID_RECORD)
        return mgmt_bad_reply(f, rc ? candid_strerror(rc) : "expected a record");
    ic_canister_info *info = &f->result.info;
    const candid_value *st = candid_value_field(&v, candid_hash("status", 6));
    const candid_value *mem = mgmt_field(&v, "memory_size", CANDID_NAT);
    const candid_value *cyc = mgmt_field(&v, "cycles", CANDID_NAT);
    const candid_value *hash = mgmt_field(&v, "module_hash", CANDID_OPT);
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
    if (cyc->u.num.limbs) { /* more than 64 bits: limbs are 32-bit, little-endian */
        const uint32_t *l = cyc->u.num.limbs;
        uint32_t n = cyc->u.num.nlimbs;
        info->cycles.low = (uint64_t)l[1] << 32 | l[0];
        info->cycles.high = n > 4 ? UINT64_MAX : (n > 3 ? (uint64_t)l[3] << 32 : 0) | l[2];
        if (n > 4)
            info->cycles.low = UINT64_MAX;
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

static aw_error *parse_canister_id(mgmt_frame *f, candid_dec *d)
{
    candid_value v;
    int rc = candid_dec_arg(d, &ic__mgmt_env, ic__mgmt_type("canister_id_record"), &v);
    if (rc != 0)
        return mgmt_bad_reply(f, candid_strerror(rc));
    const candid_value *id = mgmt_field(&v, "canister_id", CANDID_PRINCIPAL);
    if (!id || !ic_principal_from_bytes(&f->result.principal, id->u.bytes.data, id->u.bytes.len))
        return mgmt_bad_reply(f, "bad canister_id");
    return NULL;
}

/* ---- the helpers ------------------------------------------------------------------------- */

aw_future *ic_mgmt_raw_rand(void)
{
    mgmt_frame *f = mgmt_new("raw_rand", parse_raw_rand);
    if (!f)
        return NULL;
    candid_enc enc;
    candid_enc_init(&enc);
    return mgmt_start(f, &enc, 0, NULL, sizeof(ic_random));
}

aw_future *ic_mgmt_ecdsa_public_key(const ic_principal *canister, const ic_blob *path,
                                    size_t path_len, const char *key_name)
{
    mgmt_frame *f = mgmt_new("ecdsa_public_key", parse_public_key);
    if (!f)
        return NULL;
    candid_enc enc;
    /* field order: key_id { name, curve }, canister_id, derivation_path */
    int rc = mgmt_begin(&enc, "ecdsa_public_key_args");
    if (rc == 0)
        rc = candid_enc_text(&enc, key_name, strlen(key_name));
    if (rc == 0)
        rc = candid_enc_variant(&enc, 0); /* secp256k1 */
    if (rc == 0)
        rc = mgmt_opt_principal(&enc, canister);
    if (rc == 0)
        rc = mgmt_path(&enc, path, path_len);
    return mgmt_start(f, &enc, rc, NULL, sizeof(ic_public_key));
}

aw_future *ic_mgmt_sign_with_ecdsa(const uint8_t hash[32], const ic_blob *path, size_t path_len,
                                   const char *key_name)
{
    mgmt_frame *f = mgmt_new("sign_with_ecdsa", parse_signature);
    if (!f)
        return NULL;
    uint8_t cost[16];
    aw_error *bad = NULL;
    if (ic0_cost_sign_with_ecdsa(IC__ADDR(key_name), (uint32_t)strlen(key_name), 0,
                                 IC__ADDR(cost)) != 0)
        bad = aw_error_newf(AW_E_GENERIC, 0, "sign_with_ecdsa: unknown key name \"%s\"", key_name);
    else
        ic_call_with_cycles(&f->call, mgmt_cycles(cost));
    candid_enc enc;
    /* field order: key_id { name, curve }, derivation_path, message_hash */
    int rc = mgmt_begin(&enc, "sign_with_ecdsa_args");
    if (rc == 0)
        rc = candid_enc_text(&enc, key_name, strlen(key_name));
    if (rc == 0)
        rc = candid_enc_variant(&enc, 0);
    if (rc == 0)
        rc = mgmt_path(&enc, path, path_len);
    if (rc == 0)
        rc = candid_enc_blob(&enc, hash, 32);
    return mgmt_start(f, &enc, rc, bad, sizeof(ic_signature));
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
    mgmt_frame *f = mgmt_new("schnorr_public_key", parse_public_key);
    if (!f)
        return NULL;
    candid_enc enc;
    /* field order: key_id { algorithm, name }, canister_id, derivation_path */
    int rc = mgmt_begin(&enc, "schnorr_public_key_args");
    if (rc == 0)
        rc = candid_enc_variant(&enc, mgmt_alg_index(alg));
    if (rc == 0)
        rc = candid_enc_text(&enc, key_name, strlen(key_name));
    if (rc == 0)
        rc = mgmt_opt_principal(&enc, canister);
    if (rc == 0)
        rc = mgmt_path(&enc, path, path_len);
    return mgmt_start(f, &enc, rc, NULL, sizeof(ic_public_key));
}

aw_future *ic_mgmt_sign_with_schnorr(const void *message, size_t len, const ic_blob *path,
                                     size_t path_len, ic_schnorr_algorithm alg,
                                     const char *key_name)
{
    mgmt_frame *f = mgmt_new("sign_with_schnorr", parse_signature);
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
    candid_enc enc;
    /* field order: aux, key_id { algorithm, name }, derivation_path, message */
    int rc = mgmt_begin(&enc, "sign_with_schnorr_args");
    if (rc == 0)
        rc = candid_enc_opt(&enc, 0);
    if (rc == 0)
        rc = candid_enc_variant(&enc, mgmt_alg_index(alg));
    if (rc == 0)
        rc = candid_enc_text(&enc, key_name, strlen(key_name));
    if (rc == 0)
        rc = mgmt_path(&enc, path, path_len);
    if (rc == 0)
        rc = candid_enc_blob(&enc, message, len);
    return mgmt_start(f, &enc, rc, bad, sizeof(ic_signature));
}

aw_future *ic_mgmt_http_request(const char *method, const char *url, const ic_blob *body,
                                uint64_t max_response_bytes)
{
    /* Tags of the method variant in field-id order. */
    static const char *const methods[] = {"get", "put", "head", "post", "delete", "patch"};
    uint32_t index = 0;
    while (index < 6 && strcmp(methods[index], method) != 0)
        index++;
    mgmt_frame *f = mgmt_new("http_request", parse_http);
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
    candid_enc enc;
    /* field order: url, method, max_response_bytes, body, headers, is_replicated */
    int rc = mgmt_begin(&enc, "http_request_args");
    if (rc == 0)
        rc = candid_enc_text(&enc, url, strlen(url));
    if (rc == 0)
        rc = candid_enc_variant(&enc, index < 6 ? index : 0);
    if (rc == 0)
        rc = candid_enc_opt(&enc, max_response_bytes != 0);
    if (rc == 0 && max_response_bytes)
        rc = candid_enc_nat64(&enc, max_response_bytes);
    if (rc == 0)
        rc = candid_enc_opt(&enc, body != NULL);
    if (rc == 0 && body)
        rc = candid_enc_blob(&enc, body->data, body->len);
    if (rc == 0)
        rc = candid_enc_vec(&enc, 0);
    if (rc == 0)
        rc = candid_enc_opt(&enc, 0);
    return mgmt_start(f, &enc, rc, bad, sizeof(ic_http_response));
}

aw_future *ic_mgmt_canister_status(const ic_principal *canister)
{
    mgmt_frame *f = mgmt_new("canister_status", parse_status);
    if (!f)
        return NULL;
    candid_enc enc;
    int rc = mgmt_begin(&enc, "canister_id_record");
    if (rc == 0)
        rc = candid_enc_principal(&enc, canister->bytes, canister->len);
    return mgmt_start(f, &enc, rc, NULL, sizeof(ic_canister_info));
}

ic_cycles ic_cost_create_canister(void)
{
    uint8_t cost[16];
    ic0_cost_create_canister(IC__ADDR(cost));
    return mgmt_cycles(cost);
}

aw_future *ic_mgmt_create_canister(ic_cycles cycles)
{
    mgmt_frame *f = mgmt_new("create_canister", parse_canister_id);
    if (!f)
        return NULL;
    ic_cycles fee = ic_cost_create_canister(), total;
    total.low = fee.low + cycles.low;
    total.high = fee.high + cycles.high + (total.low < fee.low);
    ic_call_with_cycles(&f->call, total);
    candid_enc enc;
    int rc = mgmt_begin(&enc, "create_canister_args");
    if (rc == 0)
        rc = candid_enc_opt(&enc, 0);
    return mgmt_start(f, &enc, rc, NULL, sizeof(ic_principal));
}

aw_future *ic_mgmt_install_code(const ic_principal *canister, ic_install_mode mode,
                                const void *wasm, size_t wasm_len, const void *arg, size_t arg_len)
{
    mgmt_frame *f = mgmt_new("install_code", NULL);
    if (!f)
        return NULL;
    /* mode tags in field-id order: reinstall (0), upgrade (1), install (2) */
    uint32_t tag = mode == IC_REINSTALL ? 0 : mode == IC_UPGRADE ? 1 : 2;
    candid_enc enc;
    /* field order: arg, wasm_module, mode, canister_id, sender_canister_version */
    int rc = mgmt_begin(&enc, "install_code_args");
    if (rc == 0)
        rc = candid_enc_blob(&enc, arg, arg_len);
    if (rc == 0)
        rc = candid_enc_blob(&enc, wasm, wasm_len);
    if (rc == 0)
        rc = candid_enc_variant(&enc, tag);
    if (rc == 0 && tag == 1)
        rc = candid_enc_opt(&enc, 0);
    if (rc == 0)
        rc = candid_enc_principal(&enc, canister->bytes, canister->len);
    if (rc == 0)
        rc = candid_enc_opt(&enc, 0);
    return mgmt_start(f, &enc, rc, NULL, 0);
}
