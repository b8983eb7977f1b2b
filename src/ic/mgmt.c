/*
 * mgmt.c - the management canister helpers of <asyncwasm/ic_mgmt.h> over the bindings that
 * `candid gen c` generates from the IC's ic.did at build time (<asyncwasm/ic_mgmt_did.h> and
 * mgmt_did.c in build/candid_gen/mgmt_did/, see mk/candid_gen.mk).
 *
 * No Candid is written or read here: each helper fills the generated argument struct of its
 * method, prices the call with the ic0.cost_* import the method needs (none for raw_rand, the
 * key queries, canister_status and install_code), and performs it with the generated stub's
 * `_with` form, which takes callee and cycles from an ic_call. One small async function
 * (mgmt_run) awaits the stub's future (the decoded reply, in its own arena), turns it into the
 * helper's fixed-size C result with a per-method `take` function, and frees the arena.
 *
 * Errors found before any call (an unknown key name or HTTP method) fail the returned future at
 * once, with no task and no call. Call failures (perform, reject, a reply that does not decode)
 * come from the stub; a reply that decodes but does not fit the C result (a 40-byte public key,
 * an HTTP status above 2^32) fails with AW_E_CANDID_DECODE "<method> reply: ...".
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_mgmt.h"
#include "asyncwasm/ic_mgmt_did.h"
#include "internal.h"

typedef struct mgmt_frame mgmt_frame;
/* Turns f->reply into f->result; returns NULL or the error that fails the helper's future. */
typedef aw_error *(*mgmt_take_fn)(mgmt_frame *f);

struct mgmt_frame {
    aw_task task;
    aw_future *stub;    /* the generated stub's future (its value: a <method>_reply) */
    const char *method; /* for error messages */
    mgmt_take_fn take;
    bool taken; /* the reply was copied into `reply` (which then owns its arena) */
    union {     /* every <method>_reply starts with its arena */
        candid_arena arena;
        ic_mc_raw_rand_reply raw_rand;
        ic_mc_ecdsa_public_key_reply ecdsa_public_key;
        ic_mc_schnorr_public_key_reply schnorr_public_key;
        ic_mc_sign_with_ecdsa_reply sign_with_ecdsa;
        ic_mc_sign_with_schnorr_reply sign_with_schnorr;
        ic_mc_http_request_reply http_request;
        ic_mc_canister_status_reply canister_status;
        ic_mc_create_canister_reply create_canister;
        ic_mc_install_code_reply install_code;
    } reply;
    union {
        ic_random random;
        ic_public_key key;
        ic_signature sig;
        ic_http_response http;
        ic_canister_info info;
        ic_principal principal;
    } result;
};

/* The frame holds a reference of its own to the stub's future: AW_AWAIT wants a destination of
 * the value's exact size, which differs per method, so the value is awaited with AW_DISCARD and
 * then copied from the future into the reply union. The frame is zeroed by aw_task_new, so
 * freeing the reply's arena is right whether or not the stub's future completed (on failure the
 * stub has freed its partial reply already). */
AW_ASYNC(mgmt_frame, mgmt_run)
static aw_status mgmt_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, aw_future_retain(f->stub), AW_DISCARD);
    memcpy(&f->reply, aw_future_value(f->stub), aw_future_size(f->stub));
    f->taken = true;
    {
        aw_error *err = f->take(f);
        if (err)
            AW_THROW_ERROR(f, err);
    }
    AW_FINALLY(f);
    /* Cancelled before the reply was taken: a stub still waiting is cancelled too (its task
     * drops the reply when one comes), and a reply already there is freed here. */
    if (aw_future_state_of(f->stub) == AW_FUTURE_PENDING)
        aw_future_cancel(f->stub);
    else if (!f->taken && aw_future_state_of(f->stub) == AW_FUTURE_COMPLETED)
        memcpy(&f->reply, aw_future_value(f->stub), aw_future_size(f->stub));
    candid_arena_free(&f->reply.arena);
    aw_future_release(f->stub);
    AW_END(f);
}

/* A frame for `method` whose reply `take` reads; NULL when memory runs out. */
static mgmt_frame *mgmt_new(const char *method, mgmt_take_fn take)
{
    mgmt_frame *f = aw_task_new(sizeof *f, mgmt_run_step);
    if (f) {
        f->method = method;
        f->take = take;
    }
    return f;
}

/* Starts f awaiting `stub` (consumed); its future's value is the `size`-byte result. NULL when
 * memory runs out (f is freed then). */
static aw_future *mgmt_start(mgmt_frame *f, aw_future *stub, size_t size)
{
    if (!stub) {
        aw_task_free(&f->task);
        return NULL;
    }
    f->stub = stub;
    aw_future *fut = aw_task_start(&f->task, &f->result, size);
    if (!fut) { /* not started: its FINALLY did not run */
        aw_future_release(stub);
        aw_task_free(&f->task);
    }
    return fut;
}

/* A failed future for an error found before any call (f is freed). */
static aw_future *mgmt_refuse(mgmt_frame *f, aw_error *err)
{
    aw_task_free(&f->task);
    return err ? aw_future_failed(err) : NULL;
}

/* A call of the management canister attaching `cycles`. */
static ic_call mgmt_call(const char *method, ic_cycles cycles)
{
    ic_call c;
    ic_call_init(&c, &IC_MANAGEMENT_CANISTER, method);
    ic_call_with_cycles(&c, cycles);
    return c;
}

/* A 128-bit cost written by an ic0.cost_* import as 16 little-endian bytes. */
static ic_cycles mgmt_cycles(const uint8_t b[16])
{
    ic_cycles c;
    memcpy(&c.low, b, 8);
    memcpy(&c.high, b + 8, 8);
    return c;
}

/* A derivation path as the generated vec blob: a malloc'd array (freed with mgmt_path_free once
 * the stub encoded it). -1 when memory runs out. */
static int mgmt_path(ic_mc_vec_blob *v, const ic_blob *path, size_t n)
{
    v->len = n;
    v->data = NULL;
    if (!n)
        return 0;
    v->data = n <= SIZE_MAX / sizeof *v->data ? malloc(n * sizeof *v->data) : NULL;
    if (!v->data)
        return -1;
    for (size_t i = 0; i < n; i++) {
        v->data[i].data = path[i].data;
        v->data[i].len = path[i].len;
    }
    return 0;
}

static void mgmt_path_free(ic_mc_vec_blob *v)
{
    free(v->data);
}

static void mgmt_opt_principal(ic_mc_opt_principal *o, const ic_principal *p)
{
    o->has = p != NULL;
    if (p) {
        o->value.len = p->len;
        memcpy(o->value.bytes, p->bytes, sizeof o->value.bytes);
    }
}

static void mgmt_principal(candid_gen_principal *out, const ic_principal *p)
{
    out->len = p->len;
    memcpy(out->bytes, p->bytes, sizeof out->bytes);
}

static candid_gen_text mgmt_text(const char *s)
{
    return (candid_gen_text){s, strlen(s)};
}

/* ---- replies to results ------------------------------------------------------------------ */

static aw_error *mgmt_bad_reply(mgmt_frame *f, const char *what, size_t len)
{
    return aw_error_newf(AW_E_CANDID_DECODE, CANDID_E_VALUE, "%s reply: %s of %lu bytes", f->method,
                         what, (unsigned long)len);
}

/* A nat as 128 bits, saturated at 2^128 - 1 (candid_bignum: `small`, or 32-bit limbs). */
static ic_cycles mgmt_u128(const candid_bignum *n)
{
    ic_cycles c = {0, n->small};
    if (!n->limbs)
        return c;
    if (n->nlimbs > 4)
        return (ic_cycles){UINT64_MAX, UINT64_MAX};
    uint32_t l[4] = {0, 0, 0, 0};
    memcpy(l, n->limbs, n->nlimbs * sizeof *l);
    c.low = (uint64_t)l[1] << 32 | l[0];
    c.high = (uint64_t)l[3] << 32 | l[2];
    return c;
}

/* A nat saturated at 2^64 - 1. */
static uint64_t mgmt_u64(const candid_bignum *n)
{
    ic_cycles c = mgmt_u128(n);
    return c.high ? UINT64_MAX : c.low;
}

static aw_error *take_raw_rand(mgmt_frame *f)
{
    const candid_gen_blob *b = &f->reply.raw_rand.out.ret0;
    if (b->len != sizeof f->result.random.bytes)
        return mgmt_bad_reply(f, "expected 32 random bytes, got a blob", b->len);
    memcpy(f->result.random.bytes, b->data, b->len);
    return NULL;
}

/* ecdsa_public_key and schnorr_public_key reply with the same record. */
static aw_error *take_key(mgmt_frame *f, const candid_gen_blob *pk, const candid_gen_blob *cc)
{
    ic_public_key *k = &f->result.key;
    if (pk->len > sizeof k->public_key)
        return mgmt_bad_reply(f, "public_key", pk->len);
    if (cc->len != sizeof k->chain_code)
        return mgmt_bad_reply(f, "chain_code", cc->len);
    memcpy(k->public_key, pk->data, pk->len);
    k->public_key_len = (uint8_t)pk->len;
    memcpy(k->chain_code, cc->data, cc->len);
    return NULL;
}

static aw_error *take_ecdsa_key(mgmt_frame *f)
{
    const ic_mc_ecdsa_public_key_result *r = &f->reply.ecdsa_public_key.out.ret0;
    return take_key(f, &r->public_key, &r->chain_code);
}

static aw_error *take_schnorr_key(mgmt_frame *f)
{
    const ic_mc_schnorr_public_key_result *r = &f->reply.schnorr_public_key.out.ret0;
    return take_key(f, &r->public_key, &r->chain_code);
}

static aw_error *take_signature(mgmt_frame *f, const candid_gen_blob *s)
{
    if (s->len > sizeof f->result.sig.signature)
        return mgmt_bad_reply(f, "signature", s->len);
    memcpy(f->result.sig.signature, s->data, s->len);
    f->result.sig.len = (uint8_t)s->len;
    return NULL;
}

static aw_error *take_ecdsa_signature(mgmt_frame *f)
{
    return take_signature(f, &f->reply.sign_with_ecdsa.out.ret0.signature);
}

static aw_error *take_schnorr_signature(mgmt_frame *f)
{
    return take_signature(f, &f->reply.sign_with_schnorr.out.ret0.signature);
}

/* The body outlives the reply's arena: it is copied into a buffer the receiver frees. */
static aw_error *take_http(mgmt_frame *f)
{
    const ic_mc_http_request_result *r = &f->reply.http_request.out.ret0;
    uint64_t status = mgmt_u64(&r->status);
    if (status > UINT32_MAX)
        return aw_error_newf(AW_E_CANDID_DECODE, CANDID_E_VALUE,
                             "http_request reply: status %llu out of range",
                             (unsigned long long)status);
    ic_http_response *h = &f->result.http;
    h->status = (uint32_t)status;
    h->body.len = r->body.len;
    h->body.data = malloc(r->body.len ? r->body.len : 1);
    if (!h->body.data)
        return aw_error_new(AW_E_NOMEM, 0, "http_request reply: out of memory");
    if (r->body.len)
        memcpy(h->body.data, r->body.data, r->body.len);
    return NULL;
}

static aw_error *take_status(mgmt_frame *f)
{
    const ic_mc_canister_status_result *r = &f->reply.canister_status.out.ret0;
    ic_canister_info *info = &f->result.info;
    switch (r->status.tag) {
    case IC_MC_CANISTER_STATUS_RESULT_STATUS_RUNNING:
        info->status = IC_STATUS_RUNNING;
        break;
    case IC_MC_CANISTER_STATUS_RESULT_STATUS_STOPPING:
        info->status = IC_STATUS_STOPPING;
        break;
    default:
        info->status = IC_STATUS_STOPPED;
        break;
    }
    info->memory_size = mgmt_u64(&r->memory_size);
    info->cycles = mgmt_u128(&r->cycles);
    info->has_module = r->module_hash.has;
    if (info->has_module && r->module_hash.value.len != sizeof info->module_hash)
        return mgmt_bad_reply(f, "module_hash", r->module_hash.value.len);
    if (info->has_module)
        memcpy(info->module_hash, r->module_hash.value.data, sizeof info->module_hash);
    return NULL;
}

static aw_error *take_canister_id(mgmt_frame *f)
{
    const candid_gen_principal *p = &f->reply.create_canister.out.ret0.canister_id;
    f->result.principal.len = p->len;
    memcpy(f->result.principal.bytes, p->bytes, sizeof f->result.principal.bytes);
    return NULL;
}

static aw_error *take_nothing(mgmt_frame *f)
{
    (void)f;
    return NULL;
}

/* ---- the helpers ------------------------------------------------------------------------- */

aw_future *ic_mgmt_raw_rand(void)
{
    mgmt_frame *f = mgmt_new("raw_rand", take_raw_rand);
    if (!f)
        return NULL;
    ic_call c = mgmt_call("raw_rand", IC_CYCLES(0));
    return mgmt_start(f, ic_mc_raw_rand_with(&c, NULL), sizeof(ic_random));
}

aw_future *ic_mgmt_ecdsa_public_key(const ic_principal *canister, const ic_blob *path,
                                    size_t path_len, const char *key_name)
{
    mgmt_frame *f = mgmt_new("ecdsa_public_key", take_ecdsa_key);
    ic_mc_ecdsa_public_key_in in;
    memset(&in, 0, sizeof in);
    if (!f || mgmt_path(&in.arg0.derivation_path, path, path_len))
        return f ? mgmt_refuse(f, NULL) : NULL;
    in.arg0.key_id.name = mgmt_text(key_name);
    in.arg0.key_id.curve.tag = IC_MC_ECDSA_CURVE_SECP256K1;
    mgmt_opt_principal(&in.arg0.canister_id, canister);
    ic_call c = mgmt_call("ecdsa_public_key", IC_CYCLES(0));
    aw_future *stub = ic_mc_ecdsa_public_key_with(&c, &in);
    mgmt_path_free(&in.arg0.derivation_path);
    return mgmt_start(f, stub, sizeof(ic_public_key));
}

aw_future *ic_mgmt_sign_with_ecdsa(const uint8_t hash[32], const ic_blob *path, size_t path_len,
                                   const char *key_name)
{
    mgmt_frame *f = mgmt_new("sign_with_ecdsa", take_ecdsa_signature);
    if (!f)
        return NULL;
    uint8_t cost[16];
    if (ic0_cost_sign_with_ecdsa(IC__ADDR(key_name), (uint32_t)strlen(key_name), 0,
                                 IC__ADDR(cost)) != 0)
        return mgmt_refuse(f, aw_error_newf(AW_E_GENERIC, 0,
                                            "sign_with_ecdsa: unknown key name \"%s\"", key_name));
    ic_mc_sign_with_ecdsa_in in;
    memset(&in, 0, sizeof in);
    if (mgmt_path(&in.arg0.derivation_path, path, path_len))
        return mgmt_refuse(f, NULL);
    in.arg0.key_id.name = mgmt_text(key_name);
    in.arg0.key_id.curve.tag = IC_MC_ECDSA_CURVE_SECP256K1;
    in.arg0.message_hash = (candid_gen_blob){hash, 32};
    ic_call c = mgmt_call("sign_with_ecdsa", mgmt_cycles(cost));
    aw_future *stub = ic_mc_sign_with_ecdsa_with(&c, &in);
    mgmt_path_free(&in.arg0.derivation_path);
    return mgmt_start(f, stub, sizeof(ic_signature));
}

/* The generated tag of an algorithm (ic.did's sorted tags: ed25519, bip340secp256k1). */
static ic_mc_schnorr_algorithm_tag mgmt_alg(ic_schnorr_algorithm alg)
{
    return alg == IC_SCHNORR_ED25519 ? IC_MC_SCHNORR_ALGORITHM_ED25519
                                     : IC_MC_SCHNORR_ALGORITHM_BIP340SECP256K1;
}

aw_future *ic_mgmt_schnorr_public_key(const ic_principal *canister, const ic_blob *path,
                                      size_t path_len, ic_schnorr_algorithm alg,
                                      const char *key_name)
{
    mgmt_frame *f = mgmt_new("schnorr_public_key", take_schnorr_key);
    ic_mc_schnorr_public_key_in in;
    memset(&in, 0, sizeof in);
    if (!f || mgmt_path(&in.arg0.derivation_path, path, path_len))
        return f ? mgmt_refuse(f, NULL) : NULL;
    in.arg0.key_id.name = mgmt_text(key_name);
    in.arg0.key_id.algorithm.tag = mgmt_alg(alg);
    mgmt_opt_principal(&in.arg0.canister_id, canister);
    ic_call c = mgmt_call("schnorr_public_key", IC_CYCLES(0));
    aw_future *stub = ic_mc_schnorr_public_key_with(&c, &in);
    mgmt_path_free(&in.arg0.derivation_path);
    return mgmt_start(f, stub, sizeof(ic_public_key));
}

aw_future *ic_mgmt_sign_with_schnorr(const void *message, size_t len, const ic_blob *path,
                                     size_t path_len, ic_schnorr_algorithm alg,
                                     const char *key_name)
{
    mgmt_frame *f = mgmt_new("sign_with_schnorr", take_schnorr_signature);
    if (!f)
        return NULL;
    uint8_t cost[16];
    if (ic0_cost_sign_with_schnorr(IC__ADDR(key_name), (uint32_t)strlen(key_name), (uint32_t)alg,
                                   IC__ADDR(cost)) != 0)
        return mgmt_refuse(
            f,
            aw_error_newf(AW_E_GENERIC, 0, "sign_with_schnorr: unknown key name \"%s\"", key_name));
    ic_mc_sign_with_schnorr_in in;
    memset(&in, 0, sizeof in); /* aux: none (no BIP341 tweak) */
    if (mgmt_path(&in.arg0.derivation_path, path, path_len))
        return mgmt_refuse(f, NULL);
    in.arg0.key_id.name = mgmt_text(key_name);
    in.arg0.key_id.algorithm.tag = mgmt_alg(alg);
    in.arg0.message = (candid_gen_blob){message, len};
    ic_call c = mgmt_call("sign_with_schnorr", mgmt_cycles(cost));
    aw_future *stub = ic_mc_sign_with_schnorr_with(&c, &in);
    mgmt_path_free(&in.arg0.derivation_path);
    return mgmt_start(f, stub, sizeof(ic_signature));
}

aw_future *ic_mgmt_http_request(const char *method, const char *url, const ic_blob *body,
                                uint64_t max_response_bytes)
{
    static const struct {
        const char *name;
        ic_mc_http_request_args_method_tag tag;
    } methods[] = {
        {"get", IC_MC_HTTP_REQUEST_ARGS_METHOD_GET},
        {"head", IC_MC_HTTP_REQUEST_ARGS_METHOD_HEAD},
        {"post", IC_MC_HTTP_REQUEST_ARGS_METHOD_POST},
        {"put", IC_MC_HTTP_REQUEST_ARGS_METHOD_PUT},
        {"delete", IC_MC_HTTP_REQUEST_ARGS_METHOD_DELETE},
        {"patch", IC_MC_HTTP_REQUEST_ARGS_METHOD_PATCH},
    };
    size_t m = 0, nm = sizeof methods / sizeof *methods;
    while (m < nm && strcmp(methods[m].name, method) != 0)
        m++;
    mgmt_frame *f = mgmt_new("http_request", take_http);
    if (!f)
        return NULL;
    if (m == nm)
        return mgmt_refuse(
            f, aw_error_newf(AW_E_GENERIC, 0, "http_request: unknown method \"%s\"", method));
    ic_mc_http_request_in in;
    memset(&in, 0, sizeof in); /* no headers, no transform, is_replicated: the IC's default */
    in.arg0.url = mgmt_text(url);
    in.arg0.method.tag = methods[m].tag;
    in.arg0.max_response_bytes.has = max_response_bytes != 0;
    in.arg0.max_response_bytes.value = max_response_bytes;
    in.arg0.body.has = body != NULL;
    if (body)
        in.arg0.body.value = (candid_gen_blob){body->data, body->len};
    /* The fee depends on the request's size (url, header names and values, body, transform
     * name and context) and on the response limit, 2,000,000 when none is given (interface
     * spec, "ic0.cost_http_request"). */
    uint8_t cost[16];
    ic0_cost_http_request(in.arg0.url.len + (body ? body->len : 0),
                          max_response_bytes ? max_response_bytes : 2000000, IC__ADDR(cost));
    ic_call c = mgmt_call("http_request", mgmt_cycles(cost));
    return mgmt_start(f, ic_mc_http_request_with(&c, &in), sizeof(ic_http_response));
}

aw_future *ic_mgmt_canister_status(const ic_principal *canister)
{
    mgmt_frame *f = mgmt_new("canister_status", take_status);
    if (!f)
        return NULL;
    ic_mc_canister_status_in in;
    memset(&in, 0, sizeof in);
    mgmt_principal(&in.arg0.canister_id, canister);
    ic_call c = mgmt_call("canister_status", IC_CYCLES(0));
    return mgmt_start(f, ic_mc_canister_status_with(&c, &in), sizeof(ic_canister_info));
}

ic_cycles ic_cost_create_canister(void)
{
    uint8_t cost[16];
    ic0_cost_create_canister(IC__ADDR(cost));
    return mgmt_cycles(cost);
}

aw_future *ic_mgmt_create_canister(ic_cycles cycles)
{
    mgmt_frame *f = mgmt_new("create_canister", take_canister_id);
    if (!f)
        return NULL;
    ic_cycles fee = ic_cost_create_canister(), total;
    total.low = fee.low + cycles.low;
    total.high = fee.high + cycles.high + (total.low < fee.low);
    ic_call c = mgmt_call("create_canister", total);
    /* default settings, no sender_canister_version: the argument is all nulls */
    return mgmt_start(f, ic_mc_create_canister_with(&c, NULL), sizeof(ic_principal));
}

aw_future *ic_mgmt_install_code(const ic_principal *canister, ic_install_mode mode,
                                const void *wasm, size_t wasm_len, const void *arg, size_t arg_len)
{
    mgmt_frame *f = mgmt_new("install_code", take_nothing);
    if (!f)
        return NULL;
    ic_mc_install_code_in in;
    memset(&in, 0, sizeof in); /* upgrade: no options; no sender_canister_version */
    in.arg0.mode.tag = mode == IC_REINSTALL ? IC_MC_CANISTER_INSTALL_MODE_REINSTALL
                       : mode == IC_UPGRADE ? IC_MC_CANISTER_INSTALL_MODE_UPGRADE
                                            : IC_MC_CANISTER_INSTALL_MODE_INSTALL;
    mgmt_principal(&in.arg0.canister_id, canister);
    in.arg0.wasm_module = (candid_gen_blob){wasm, wasm_len};
    in.arg0.arg = (candid_gen_blob){arg, arg_len};
    ic_call c = mgmt_call("install_code", IC_CYCLES(0));
    return mgmt_start(f, ic_mc_install_code_with(&c, &in), 0);
}
