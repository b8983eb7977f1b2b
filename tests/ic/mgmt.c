/*
 * mgmt.c - a test canister that puts each management canister helper of <asyncwasm/ic_mgmt.h>
 * behind one method (tests/ic/mgmt.did), with the arguments the test chooses, so that
 * tests/ic/mgmt.test.mjs can check in icsim what each helper sends (the argument the management
 * canister decodes, the cycles attached) and what it makes of the reply. Derivation paths are
 * [caller]. Every helper failure rejects the call with the error's text and trace.
 */
#include <string.h>

#include "asyncwasm/ic_mgmt.h"

static ic_types t_blob_blob = IC_TYPES("(blob, blob)");
static ic_types t_opt_principal = IC_TYPES("(opt principal)");
static ic_types t_bool_opt_principal = IC_TYPES("(bool, opt principal)");
static ic_types t_text_blob = IC_TYPES("(text, blob)");
static ic_types t_text_bool_blob = IC_TYPES("(text, bool, blob)");
static ic_types t_fetch = IC_TYPES("(text, text, opt blob, nat64)");
static ic_types t_nat_blob = IC_TYPES("(nat, blob)");
static ic_types t_principal = IC_TYPES("(principal)");
static ic_types t_status = IC_TYPES("(nat, nat64, nat64, nat64, opt blob)");
static ic_types t_nat64 = IC_TYPES("(nat64)");
static ic_types t_nat64_nat64 = IC_TYPES("(nat64, nat64)");
static ic_types t_install = IC_TYPES("(principal, nat, blob, blob)");

/* One frame for every method: the decoded arguments (pointing into the argument message, which
 * the runtime keeps while the handler runs) and a union of the helpers' results. */
typedef struct mgmt_frame {
    aw_task task;
    ic_principal caller, target;
    bool has_target, flag;
    const char *text, *text2; /* NUL-terminated copies of the text arguments */
    char text_buf[64], text2_buf[256];
    const uint8_t *data, *data2;
    size_t len, len2;
    bool has_data;
    uint64_t n;
    ic_blob path[1];
    aw_future *dropped; /* a helper's future cancelled before its reply came */
    union {
        ic_random random;
        ic_public_key key;
        ic_signature sig;
        ic_http_response http;
        ic_canister_info info;
        ic_principal principal;
    } r;
} mgmt_frame;

/* The derivation path [caller]. */
static const ic_blob *caller_path(mgmt_frame *f)
{
    f->caller = ic_caller();
    f->path[0] = (ic_blob){f->caller.bytes, f->caller.len};
    return f->path;
}

/* A text argument as a C string in `buf` (`cap` bytes); CANDID_E_VALUE when too long. */
static int read_cstr(ic_reader *r, char *buf, size_t cap)
{
    const char *s;
    size_t n = 0;
    int rc = ic_read_text(r, &s, &n);
    if (rc == 0 && n >= cap)
        return CANDID_E_VALUE;
    if (rc == 0) {
        memcpy(buf, s, n);
        buf[n] = 0;
    }
    return rc;
}

static int read_opt_principal(ic_reader *r, mgmt_frame *f)
{
    int rc = ic_read_opt(r, &f->has_target);
    return rc || !f->has_target ? rc : ic_read_principal(r, &f->target);
}

static void reply_blob_pair(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    ic_writer w;
    ic_writer_begin(&w, &t_blob_blob);
    ic_write_blob(&w, a, na);
    ic_write_blob(&w, b, nb);
    ic_reply_writer(&w);
}

/* rand : () -> (blob) */
AW_ASYNC(mgmt_frame, rand_run)
static aw_status rand_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_mgmt_raw_rand(), &f->r.random);
    ic_reply_blob(f->r.random.bytes, sizeof f->r.random.bytes);
    AW_END(f);
}
IC_UPDATE_ASYNC(rand, mgmt_frame, rand_run, NULL, NULL)

/* rand_cancelled : () -> (blob): a raw_rand cancelled at once (its call is already on its way;
 * the reply is dropped when it comes), then another one awaited. */
AW_ASYNC(mgmt_frame, rand_cancelled_run)
static aw_status rand_cancelled_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    f->dropped = ic_mgmt_raw_rand();
    aw_future_cancel(f->dropped);
    AW_AWAIT(f, ic_mgmt_raw_rand(), &f->r.random);
    ic_reply_blob(f->r.random.bytes, sizeof f->r.random.bytes);
    AW_FINALLY(f);
    aw_future_release(f->dropped);
    AW_END(f);
}
IC_UPDATE_ASYNC(rand_cancelled, mgmt_frame, rand_cancelled_run, NULL, NULL)

/* ecdsa_key : (opt principal canister) -> (blob public_key, blob chain_code) */
static int ecdsa_key_args(ic_reader *r, void *frame)
{
    return read_opt_principal(r, frame);
}

AW_ASYNC(mgmt_frame, ecdsa_key_run)
static aw_status ecdsa_key_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f,
             ic_mgmt_ecdsa_public_key(f->has_target ? &f->target : NULL, caller_path(f), 1,
                                      "dfx_test_key"),
             &f->r.key);
    reply_blob_pair(f->r.key.public_key, f->r.key.public_key_len, f->r.key.chain_code,
                    sizeof f->r.key.chain_code);
    AW_END(f);
}
IC_UPDATE_ASYNC(ecdsa_key, mgmt_frame, ecdsa_key_run, &t_opt_principal, ecdsa_key_args)

/* schnorr_key : (bool ed25519, opt principal canister) -> (blob public_key, blob chain_code) */
static int schnorr_key_args(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    int rc = ic_read_bool(r, &f->flag);
    return rc ? rc : read_opt_principal(r, f);
}

AW_ASYNC(mgmt_frame, schnorr_key_run)
static aw_status schnorr_key_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f,
             ic_mgmt_schnorr_public_key(f->has_target ? &f->target : NULL, caller_path(f), 1,
                                        f->flag ? IC_SCHNORR_ED25519 : IC_SCHNORR_BIP340_SECP256K1,
                                        "test_key_1"),
             &f->r.key);
    reply_blob_pair(f->r.key.public_key, f->r.key.public_key_len, f->r.key.chain_code,
                    sizeof f->r.key.chain_code);
    AW_END(f);
}
IC_UPDATE_ASYNC(schnorr_key, mgmt_frame, schnorr_key_run, &t_bool_opt_principal, schnorr_key_args)

/* sign_ecdsa : (text key_name, blob hash) -> (blob signature) */
static int sign_ecdsa_args(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    int rc = read_cstr(r, f->text_buf, sizeof f->text_buf);
    f->text = f->text_buf;
    rc = rc ? rc : ic_read_blob(r, &f->data, &f->len);
    return rc == 0 && f->len != 32 ? CANDID_E_VALUE : rc;
}

AW_ASYNC(mgmt_frame, sign_ecdsa_run)
static aw_status sign_ecdsa_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_mgmt_sign_with_ecdsa(f->data, caller_path(f), 1, f->text), &f->r.sig);
    ic_reply_blob(f->r.sig.signature, f->r.sig.len);
    AW_END(f);
}
IC_UPDATE_ASYNC(sign_ecdsa, mgmt_frame, sign_ecdsa_run, &t_text_blob, sign_ecdsa_args)

/* sign_schnorr : (text key_name, bool ed25519, blob message) -> (blob signature) */
static int sign_schnorr_args(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    int rc = read_cstr(r, f->text_buf, sizeof f->text_buf);
    f->text = f->text_buf;
    rc = rc ? rc : ic_read_bool(r, &f->flag);
    return rc ? rc : ic_read_blob(r, &f->data, &f->len);
}

AW_ASYNC(mgmt_frame, sign_schnorr_run)
static aw_status sign_schnorr_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f,
             ic_mgmt_sign_with_schnorr(f->data, f->len, caller_path(f), 1,
                                       f->flag ? IC_SCHNORR_ED25519 : IC_SCHNORR_BIP340_SECP256K1,
                                       f->text),
             &f->r.sig);
    ic_reply_blob(f->r.sig.signature, f->r.sig.len);
    AW_END(f);
}
IC_UPDATE_ASYNC(sign_schnorr, mgmt_frame, sign_schnorr_run, &t_text_bool_blob, sign_schnorr_args)

/* fetch : (text method, text url, opt blob body, nat64 max_response_bytes) -> (nat, blob) */
static int fetch_args(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    int rc = read_cstr(r, f->text_buf, sizeof f->text_buf);
    f->text = f->text_buf;
    rc = rc ? rc : read_cstr(r, f->text2_buf, sizeof f->text2_buf);
    f->text2 = f->text2_buf;
    rc = rc ? rc : ic_read_opt(r, &f->has_data);
    if (rc == 0 && f->has_data)
        rc = ic_read_blob(r, &f->data, &f->len);
    return rc ? rc : ic_read_nat64(r, &f->n);
}

AW_ASYNC(mgmt_frame, fetch_run)
static aw_status fetch_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    f->path[0] = (ic_blob){f->data, f->len};
    AW_AWAIT(f, ic_mgmt_http_request(f->text, f->text2, f->has_data ? f->path : NULL, f->n),
             &f->r.http);
    {
        ic_writer w;
        ic_writer_begin(&w, &t_nat_blob);
        ic_write_nat(&w, f->r.http.status);
        ic_write_blob(&w, f->r.http.body.data, f->r.http.body.len);
        ic_reply_writer(&w);
    }
    AW_FINALLY(f);
    if (f->r.http.body.data)
        ic_bytes_free(&f->r.http.body);
    AW_END(f);
}
IC_UPDATE_ASYNC(fetch, mgmt_frame, fetch_run, &t_fetch, fetch_args)

/* status : (principal) -> (nat status, nat64 memory_size, nat64 cycles_high, nat64 cycles_low,
 * opt blob module_hash) */
static int principal_arg(ic_reader *r, void *frame)
{
    return ic_read_principal(r, &((mgmt_frame *)frame)->target);
}

AW_ASYNC(mgmt_frame, status_run)
static aw_status status_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_mgmt_canister_status(&f->target), &f->r.info);
    {
        ic_writer w;
        ic_writer_begin(&w, &t_status);
        ic_write_nat(&w, (uint64_t)f->r.info.status);
        ic_write_nat64(&w, f->r.info.memory_size);
        ic_write_nat64(&w, f->r.info.cycles.high);
        ic_write_nat64(&w, f->r.info.cycles.low);
        ic_write_opt(&w, f->r.info.has_module);
        if (f->r.info.has_module)
            ic_write_blob(&w, f->r.info.module_hash, sizeof f->r.info.module_hash);
        ic_reply_writer(&w);
    }
    AW_END(f);
}
IC_UPDATE_ASYNC(status, mgmt_frame, status_run, &t_principal, principal_arg)

/* spawn : (nat64 cycles) -> (principal): create_canister with `cycles` for its balance. */
static int nat64_arg(ic_reader *r, void *frame)
{
    return ic_read_nat64(r, &((mgmt_frame *)frame)->n);
}

AW_ASYNC(mgmt_frame, spawn_run)
static aw_status spawn_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_mgmt_create_canister(IC_CYCLES(f->n)), &f->r.principal);
    ic_reply_principal(&f->r.principal);
    AW_END(f);
}
IC_UPDATE_ASYNC(spawn, mgmt_frame, spawn_run, &t_nat64, nat64_arg)

/* install : (principal canister, nat mode, blob wasm, blob arg) -> (); mode is an
 * ic_install_mode (0 install, 1 reinstall, 2 upgrade). */
static int install_args(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    int rc = ic_read_principal(r, &f->target);
    rc = rc ? rc : ic_read_nat(r, &f->n);
    rc = rc ? rc : ic_read_blob(r, &f->data, &f->len);
    return rc ? rc : ic_read_blob(r, &f->data2, &f->len2);
}

AW_ASYNC(mgmt_frame, install_run)
static aw_status install_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(
        f,
        ic_mgmt_install_code(&f->target, (ic_install_mode)f->n, f->data, f->len, f->data2, f->len2),
        AW_DISCARD);
    ic_reply_empty();
    AW_END(f);
}
IC_UPDATE_ASYNC(install, mgmt_frame, install_run, &t_install, install_args)

/* cost_create : () -> (nat64 high, nat64 low): ic_cost_create_canister. */
IC_UPDATE(cost_create)
{
    ic_cycles c = ic_cost_create_canister();
    ic_writer w;
    ic_writer_begin(&w, &t_nat64_nat64);
    ic_write_nat64(&w, c.high);
    ic_write_nat64(&w, c.low);
    ic_reply_writer(&w);
}
