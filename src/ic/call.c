/*
 * call.c - inter-canister calls as futures (<asyncwasm/ic_async.h>).
 *
 * ic_call_perform builds the call with ic0.call_new / call_data_append / call_cycles_add128 /
 * call_with_best_effort_response / call_on_cleanup and performs it. The callback env is a
 * malloc'd record (ic__call) holding a reference to the future and to the caller's call context.
 * Ownership rule (spec CI "Inter-canister method calls"): after call_perform returns 0, exactly one
 * of the reply callback, the reject callback, or - when one of those trapped, on the state from
 * before it - the cleanup callback runs for this env, and that one frees the record. A nonzero
 * result means the call was never made: the record is freed at once and the future fails.
 *
 * Each callback is a message execution of its own: it enters the runtime with the caller's call
 * context current (so the awaiting handler can reply), settles the future, and drains the ready
 * queue, which resumes the awaiting task.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_async.h"
#include "internal.h"

typedef struct ic__call {
    aw_future *fut;        /* our reference; settled by exactly one callback */
    ic__cc *cc;            /* the caller's call context (NULL from a timer or heartbeat) */
    struct ic__call *next; /* in the free list */
    bool composite;        /* made inside a composite query */
    ic_principal callee;   /* for error messages */
    char *method;          /* NUL-terminated copy of the method name: `inline_method` or malloc'd */
    char inline_method[32];
} ic__call;

/* Freed call records, reused: no malloc per call in steady state. */
static ic__call *ic__call_free_list;

static ic__call *ic__call_alloc(const char *method, size_t mlen)
{
    ic__call *call = ic__call_free_list;
    if (call)
        ic__call_free_list = call->next;
    else if (!(call = malloc(sizeof *call)))
        return NULL;
    call->method = mlen < sizeof call->inline_method ? call->inline_method : malloc(mlen + 1);
    if (!call->method) {
        call->next = ic__call_free_list;
        ic__call_free_list = call;
        return NULL;
    }
    ic__copy(call->method, method, mlen + 1);
    return call;
}

static void ic__call_free(ic__call *call)
{
    if (call->method != call->inline_method)
        free(call->method);
    call->next = ic__call_free_list;
    ic__call_free_list = call;
}

const char *ic_reject_code_name(uint32_t code)
{
#define IC__REJECT_NAME(name, c)                                                                   \
    if (code == c)                                                                                 \
        return #name;
    IC_REJECT_CODES(IC__REJECT_NAME)
#undef IC__REJECT_NAME
    return "UNKNOWN_REJECT_CODE";
}

void ic_bytes_free(ic_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

uint32_t ic_calls_in_flight(void)
{
    return ic__rt.in_flight;
}

void ic_call_init(ic_call *c, const ic_principal *callee, const char *method)
{
    ic__copy(&c->callee, callee, 1 + (size_t)callee->len); /* the bytes in use */
    c->method = method;
    c->arg = NULL;
    c->arg_len = 0;
    c->cycles.high = c->cycles.low = 0;
    c->timeout_s = 0;
}

void ic_call_with_arg(ic_call *c, const void *candid, size_t len)
{
    c->arg = candid;
    c->arg_len = len;
}

void ic_call_with_cycles(ic_call *c, ic_cycles cycles)
{
    c->cycles = cycles;
}

void ic_call_with_timeout(ic_call *c, uint32_t seconds)
{
    c->timeout_s = seconds;
}

/* Contexts that may make calls: U CQ Ry Rt CRy CRt T (spec CI "Overview of imports"). */
static bool ic__may_call(void)
{
    ic_context x = ic__rt.ctx;
    return x == IC_CTX_UPDATE || x == IC_CTX_COMPOSITE || x == IC_CTX_CALLBACK ||
           x == IC_CTX_SYSTEM_TASK;
}

static void ic__call_end(ic__call *call)
{
    ic__rt.in_flight--;
    if (call->cc) {
        call->cc->calls--;
        ic__cc_release(call->cc);
    }
    aw_future_release(call->fut);
    ic__call_free(call);
}

/* Enter a callback's message execution with the caller's call context current. */
static ic__call *ic__callback_enter(uint32_t env, ic_context ctx)
{
    ic__call *call = (ic__call *)(uintptr_t)env;
    ic__enter(ctx);
    ic__rt.cc = ctx == IC_CTX_CLEANUP ? NULL : call->cc;
    ic__rt.query = call->composite;
    return call;
}

static void ic__on_reply(uint32_t env)
{
    ic__call *call = ic__callback_enter(env, IC_CTX_CALLBACK);
    ic_bytes reply;
    reply.len = ic0_msg_arg_data_size();
    reply.data = malloc(reply.len ? reply.len : 1);
    if (!reply.data) {
        aw_future_fail_with(call->fut, AW_E_NOMEM, 0, "out of memory for a call's reply");
    } else {
        ic0_msg_arg_data_copy(IC__ADDR(reply.data), 0, (uint32_t)reply.len);
        if (aw_future_complete(call->fut, &reply, sizeof reply) != AW_OK)
            free(reply.data); /* nobody waits any more (cancelled) */
    }
    ic__call_end(call);
    ic__leave();
}

static void ic__on_reject(uint32_t env)
{
    ic__call *call = ic__callback_enter(env, IC_CTX_CALLBACK);
    uint32_t code = ic0_msg_reject_code();
    uint32_t n = ic0_msg_reject_msg_size();
    char *msg = malloc(n + 1);
    char callee[64];
    aw_error *err;
    if (msg) {
        ic0_msg_reject_msg_copy(IC__ADDR(msg), 0, n);
        msg[n] = 0;
    }
    err = aw_error_newf(AW_E_IC_REJECT, code, "%s.%s rejected (%s): %s",
                        ic__principal_text(&call->callee, callee), call->method,
                        ic_reject_code_name(code), msg ? msg : "(message lost: out of memory)");
    free(msg);
    aw_future_fail(call->fut, err);
    ic__call_end(call);
    ic__leave();
}

/* Runs only when the reply or reject callback trapped, on the state from before it: the future
 * is still pending and its task still waits. Cancelling the future fails that task with
 * AW_E_CANCELLED; draining runs its FINALLY sections now, in a context where they cannot reply
 * or call (those are dropped, see ic__claim_reply and ic__may_call) but can release locks. */
static void ic__on_cleanup(uint32_t env)
{
    ic__call *call = ic__callback_enter(env, IC_CTX_CLEANUP);
    aw_future_cancel(call->fut);
    ic__call_end(call);
    ic__leave();
}

static aw_future *ic__call_failed(const ic_call *c, uint32_t code, const char *why)
{
    char callee[64];
    return aw_future_failed(aw_error_newf(AW_E_CALL_PERFORM, code, "%s.%s: %s",
                                          ic__principal_text(&c->callee, callee), c->method, why));
}

/* call_new and the optional parts shared by two-way and one-way calls. */
static void ic__call_build(const ic_call *c, size_t mlen, uint32_t reply_fun, uint32_t reject_fun,
                           uint32_t env)
{
    static const uint8_t empty_args[6] = {'D', 'I', 'D', 'L', 0, 0};
    ic0_call_new(IC__ADDR(c->callee.bytes), c->callee.len, IC__ADDR(c->method), (uint32_t)mlen,
                 reply_fun, env, reject_fun, env);
    if (c->arg)
        ic0_call_data_append(IC__ADDR(c->arg), (uint32_t)c->arg_len);
    else
        ic0_call_data_append(IC__ADDR(empty_args), sizeof empty_args);
    if (c->cycles.high || c->cycles.low)
        ic0_call_cycles_add128(c->cycles.high, c->cycles.low);
    if (c->timeout_s)
        ic0_call_with_best_effort_response(c->timeout_s);
}

aw_future *ic_call_perform(const ic_call *c)
{
    if (!ic__may_call())
        return ic__call_failed(c, 0,
                               "calls are not allowed in this kind of message "
                               "(init, upgrade, query, cleanup or inspect)");
    size_t mlen = strlen(c->method);
    ic__call *call = ic__call_alloc(c->method, mlen);
    aw_future *fut = aw_future_new(sizeof(ic_bytes));
    if (!call || !fut) {
        if (call)
            ic__call_free(call);
        aw_future_release(fut);
        return NULL;
    }
    call->fut = aw_future_retain(fut);
    ic__copy(&call->callee, &c->callee, 1 + (size_t)c->callee.len);
    call->composite = ic__rt.query;
    call->cc = ic__cc_hold();

    uint32_t env = IC__ADDR(call);
    ic__call_build(c, mlen, IC__ADDR(&ic__on_reply), IC__ADDR(&ic__on_reject), env);
    ic0_call_on_cleanup(IC__ADDR(&ic__on_cleanup), env);
    uint32_t rc = ic0_call_perform();
    if (rc != 0) {
        /* The call was never made and no callback will run (spec: call_perform "err_code"). */
        ic__cc_release(call->cc);
        aw_future_release(call->fut);
        ic__call_free(call);
        aw_future_release(fut);
        return ic__call_failed(c, rc, "call_perform failed: the IC did not make the call");
    }
    ic__rt.in_flight++;
    if (call->cc)
        call->cc->calls++;
    return fut;
}

aw_future *ic_call_raw(const ic_principal *callee, const char *method, const void *arg, size_t len)
{
    ic_call c;
    ic_call_init(&c, callee, method);
    ic_call_with_arg(&c, arg, len);
    return ic_call_perform(&c);
}

uint32_t ic_call_oneway(const ic_call *c)
{
    if (!ic__may_call())
        return 1;
    /* An out-of-range table index: a response, if one ever comes, traps in an execution of its
     * own, which changes nothing (the usual way to make a one-way call). */
    ic__call_build(c, strlen(c->method), UINT32_MAX, UINT32_MAX, UINT32_MAX);
    return ic0_call_perform();
}

aw_error *ic_decode(const uint8_t *data, size_t len, ic_types *t, ic_read_fn read, void *out,
                    const char *what)
{
    /* A message that is exactly the expected header (`()`, for instance) has nothing to read:
     * the comparison is the whole decoding. */
    if (!read && ic_types_prepare(t) == 0 && !t->slow_only && len == t->header_len &&
        ic__same_bytes(data, t->header, len))
        return NULL;
    ic_reader r;
    int rc = ic_reader_begin(&r, t, data, len);
    if (rc == 0 && read)
        rc = read(&r, out);
    if (rc == 0)
        rc = ic_reader_end(&r);
    else
        ic_reader_free(&r);
    if (rc == 0)
        return NULL;
    return aw_error_newf(AW_E_CANDID_DECODE, rc, "%s: %s", what, ic_reader_error(&r));
}

/* ---- async stable memory ----------------------------------------------------------------- */

#include "asyncwasm/ic_stable.h"

aw_future *ic_stable_read_async(void *dst, uint64_t offset, size_t size)
{
    if (ic_stable_read(dst, offset, size) != IC_STABLE_OK)
        return aw_future_failed(aw_error_new(AW_E_IO, 0, "stable memory read out of range"));
    return aw_future_completed(NULL, 0);
}

aw_future *ic_stable_write_async(uint64_t offset, const void *src, size_t size)
{
    if (ic_stable_write(offset, src, size) != IC_STABLE_OK)
        return aw_future_failed(aw_error_new(AW_E_IO, 0, "stable memory cannot grow"));
    return aw_future_completed(NULL, 0);
}
