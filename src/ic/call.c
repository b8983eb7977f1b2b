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
 *
 * A slot call (ic_call_perform_op, ic_call_raw_op, ic_call_decode_op) has no future: the record
 * points to the awaiting frame's operation slot, and the callback finishes the slot, which runs
 * the waiting task at once (no executor turn). While the slot is pending its `value.ptr` points
 * back to the record, so that the slot's cancel hook (the waiter was cancelled) can make the record
 * forget it; a late reply is then dropped. The callback ends the record before finishing the slot:
 * the task it runs may make the next call with the same record.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_async.h"
#include "internal.h"

typedef struct ic__call {
    aw_future *fut;        /* our reference; settled by exactly one callback (NULL: a slot call) */
    aw_op *op;             /* a slot call's slot while its waiter still wants it, else NULL */
    ic_bytes *reply;       /* a slot call's result buffer (NULL: decoded with the three below) */
    ic_types *reply_types; /* ic_call_decode_op: the reply's types, reader and destination */
    ic_read_fn reply_read;
    void *reply_out;
    ic__cc *cc;            /* the caller's call context (NULL from a timer or heartbeat) */
    struct ic__call *next; /* in the free list */
    bool composite;        /* made inside a composite query */
    /* For error messages: the callee and method name, either copies in this record (`own_callee`
     * and `inline_method` or `method_heap`) or, for ic_call_raw_op, the caller's own, which it
     * keeps valid until the slot finishes. */
    const ic_principal *callee;
    const char *method;
    char *method_heap; /* a malloc'd copy of a long method name, or NULL */
    ic_principal own_callee;
    char inline_method[32];
} ic__call;

/* Freed call records, reused: no malloc per call in steady state. Their method_heap is NULL. */
static ic__call *ic__call_free_list;

/* A record with nothing owned yet (NULL when memory runs out). */
static ic__call *ic__call_get(void)
{
    ic__call *call = ic__call_free_list;
    if (call)
        ic__call_free_list = call->next;
    else if ((call = malloc(sizeof *call)) != NULL)
        call->method_heap = NULL; /* and NULL again whenever it returns to the free list */
    return call;
}

static inline __attribute__((always_inline)) void ic__call_free(ic__call *call)
{
    if (call->method_heap) { /* rare: a long method name */
        free(call->method_heap);
        call->method_heap = NULL;
    }
    call->next = ic__call_free_list;
    ic__call_free_list = call;
}

/* A record holding copies of the callee and method of `c` (NULL when memory runs out). */
static ic__call *ic__call_alloc(const ic_call *c, size_t mlen)
{
    ic__call *call = ic__call_get();
    if (!call)
        return NULL;
    char *m = call->inline_method;
    if (mlen >= sizeof call->inline_method && !(m = call->method_heap = malloc(mlen + 1))) {
        ic__call_free(call);
        return NULL;
    }
    ic__copy(m, c->method, mlen + 1);
    call->method = m;
    ic__copy(&call->own_callee, &c->callee, 1 + (size_t)c->callee.len);
    call->callee = &call->own_callee;
    return call;
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
    ic__cc_release(call->cc);
    if (call->fut)
        aw_future_release(call->fut);
    ic__call_free(call);
}

/* Enter a callback's message execution with the caller's call context current. */
static inline __attribute__((always_inline)) ic__call *ic__callback_enter(uint32_t env,
                                                                          ic_context ctx)
{
    ic__call *call = (ic__call *)(uintptr_t)env;
    ic__enter_as(ctx, ctx == IC_CTX_CLEANUP ? NULL : call->cc, call->composite);
    return call;
}

/* The reply into a malloc'd buffer (a NULL data when memory runs out). */
static void ic__reply_bytes(ic_bytes *reply)
{
    reply->len = ic0_msg_arg_data_size();
    reply->data = malloc(reply->len ? reply->len : 1);
    if (reply->data)
        ic0_msg_arg_data_copy(IC__ADDR(reply->data), 0, (uint32_t)reply->len);
}

/* Decode a message of types `t` with `read` into `out` (read may be NULL: nothing to keep).
 * Returns 0, or the reader's error code with its message in *r. */
static int ic__decode(const uint8_t *data, size_t len, ic_types *t, ic_read_fn read, void *out,
                      ic_reader *r)
{
    /* A message that is exactly the expected header (`()`, for instance) has nothing to read:
     * the comparison is the whole decoding. */
    if (!read && (t->state == 1 || ic_types_prepare(t) == 0) && !t->slow_only &&
        len == t->header_len && ic__same_header(data, t->header, len))
        return 0;
    int rc = ic_reader_begin(r, t, data, len);
    if (rc == 0 && read)
        rc = read(r, out);
    if (rc == 0)
        rc = ic__reader_end(r);
    else
        ic_reader_free(r);
    return rc;
}

/* ic_call_decode_op's reply beyond the expected header alone: decoded with a reader (out of line:
 * the reader needs a stack frame). Returns NULL, or the AW_E_CANDID_DECODE error. */
__attribute__((noinline)) static aw_error *ic__reply_decode(const ic__call *call,
                                                            const uint8_t *data, size_t n)
{
    ic_reader r;
    int rc = ic__decode(data, n, call->reply_types, call->reply_read, call->reply_out, &r);
    if (rc == 0)
        return NULL;
    char callee[64];
    return aw_error_newf(AW_E_CANDID_DECODE, rc, "%s.%s reply: %s",
                         ic__principal_text(call->callee, callee), call->method,
                         ic_reader_error(&r));
}

/* Where a decoded reply's bytes are read when they fit: one message execution runs at a time, and
 * the task that reads them runs inside the callback, so the bytes stay valid until it next
 * suspends (the contract) without a buffer on the stack. */
static uint8_t ic__reply_scratch[256];

/* ic_call_decode_op's reply: read, decoded into the waiter's frame, then the slot finishes and the
 * task runs, still inside this function. A reply that is exactly the expected header (`()`) is
 * checked inline: the comparison is the whole decoding. */
static void ic__on_reply_decode(ic__call *call, aw_op *op)
{
    size_t n = ic0_msg_arg_data_size();
    uint8_t *data = n <= sizeof ic__reply_scratch ? ic__reply_scratch : malloc(n);
    const ic_types *t = call->reply_types;
    aw_error *err = NULL;
    if (!data) {
        err = aw_error_new(AW_E_NOMEM, 0, "out of memory for a call's reply");
    } else {
        ic0_msg_arg_data_copy(IC__ADDR(data), 0, (uint32_t)n);
        if (call->reply_read || t->state != 1 || t->slow_only || n != t->header_len ||
            !ic__same_header(data, t->header, n))
            err = ic__reply_decode(call, data, n);
    }
    ic__call_end(call); /* first: the task that runs now may make the next call */
    if (err)
        aw_op_fail(op, err);
    else
        aw_op_complete(op);
    if (data != ic__reply_scratch)
        free(data);
}

/* A slot call's reply: the record is ended first, then the slot completes and its task runs. */
static void ic__on_reply_op(ic__call *call)
{
    aw_op *op = call->op;
    ic_bytes *out = call->reply;
    if (op && !out) {
        ic__on_reply_decode(call, op);
        return;
    }
    ic__call_end(call);
    if (!op)
        return; /* the waiter was cancelled: nobody wants the reply */
    ic__reply_bytes(out);
    if (!out->data)
        aw_op_fail(op, aw_error_new(AW_E_NOMEM, 0, "out of memory for a call's reply"));
    else
        aw_op_complete(op);
}

static void ic__on_reply(uint32_t env)
{
    ic__call *call = ic__callback_enter(env, IC_CTX_CALLBACK);
    if (!call->fut) {
        ic__on_reply_op(call);
        ic__leave();
        return;
    }
    ic_bytes reply;
    ic__reply_bytes(&reply);
    if (!reply.data) {
        aw_future_fail_with(call->fut, AW_E_NOMEM, 0, "out of memory for a call's reply");
    } else {
        if (aw_future_complete(call->fut, &reply, sizeof reply) != AW_OK)
            free(reply.data); /* nobody waits any more (cancelled) */
    }
    ic__call_end(call);
    ic__leave();
}

/* The error of a rejected call. */
static aw_error *ic__reject_error(const ic__call *call)
{
    uint32_t code = ic0_msg_reject_code();
    uint32_t n = ic0_msg_reject_msg_size();
    char *msg = malloc(n + 1);
    char callee[64];
    if (msg) {
        ic0_msg_reject_msg_copy(IC__ADDR(msg), 0, n);
        msg[n] = 0;
    }
    aw_error *err = aw_error_newf(
        AW_E_IC_REJECT, code, "%s.%s rejected (%s): %s", ic__principal_text(call->callee, callee),
        call->method, ic_reject_code_name(code), msg ? msg : "(message lost: out of memory)");
    free(msg);
    return err;
}

static void ic__on_reject(uint32_t env)
{
    ic__call *call = ic__callback_enter(env, IC_CTX_CALLBACK);
    aw_op *op = call->op;
    if (call->fut) {
        aw_future_fail(call->fut, ic__reject_error(call));
        ic__call_end(call);
    } else {
        /* A slot call: when its waiter was cancelled nobody wants the reject (and a borrowed
         * callee or method may be gone). The record ends first: the task that runs now may make
         * the next call. */
        aw_error *err = op ? ic__reject_error(call) : NULL;
        ic__call_end(call);
        if (op)
            aw_op_fail(op, err);
    }
    ic__leave();
}

/* Runs only when the reply or reject callback trapped, on the state from before it: the future
 * is still pending and its task still waits. Cancelling the future fails that task with
 * AW_E_CANCELLED; draining runs its FINALLY sections now, in a context where they cannot reply
 * or call (those are dropped, see ic__claim_reply in api.c and ic__may_call) but can release locks.
 */
static void ic__on_cleanup(uint32_t env)
{
    ic__call *call = ic__callback_enter(env, IC_CTX_CLEANUP);
    if (call->fut)
        aw_future_cancel(call->fut);
    else if (call->op)
        aw_op_cancel(call->op); /* a slot: its hook clears call->op; the waiter fails */
    ic__call_end(call);
    ic__leave();
}

/* The AW_E_CALL_PERFORM error of a call that was not made. */
static aw_error *ic__call_error(const ic_principal *callee, const char *method, uint32_t code,
                                const char *why)
{
    char text[64];
    return aw_error_newf(AW_E_CALL_PERFORM, code, "%s.%s: %s", ic__principal_text(callee, text),
                         method, why);
}

static aw_future *ic__call_failed(const ic_call *c, uint32_t code, const char *why)
{
    return aw_future_failed(ic__call_error(&c->callee, c->method, code, why));
}

static const uint8_t ic__empty_args[6] = {'D', 'I', 'D', 'L', 0, 0};

/* call_new and the argument, shared by every kind of call. */
static void ic__call_new(const ic_principal *callee, const char *method, size_t mlen,
                         const void *arg, size_t len, uint32_t reply_fun, uint32_t reject_fun,
                         uint32_t env)
{
    ic0_call_new(IC__ADDR(callee->bytes), callee->len, IC__ADDR(method), (uint32_t)mlen, reply_fun,
                 env, reject_fun, env);
    if (!arg) {
        arg = ic__empty_args;
        len = sizeof ic__empty_args;
    }
    ic0_call_data_append(IC__ADDR(arg), (uint32_t)len);
}

/* The optional parts of a call built from an ic_call. */
static void ic__call_options(const ic_call *c)
{
    if (c->cycles.high || c->cycles.low)
        ic0_call_cycles_add128(c->cycles.high, c->cycles.low);
    if (c->timeout_s)
        ic0_call_with_best_effort_response(c->timeout_s);
}

static const char ic__not_allowed[] =
    "calls are not allowed in this kind of message (init, upgrade, query, cleanup or inspect)";
static const char ic__not_made[] = "call_perform failed: the IC did not make the call";

/* Make the call whose call_new and options `build` staged, with `call` as the callbacks' env: the
 * cleanup callback, call_perform and the bookkeeping. Returns 0, or call_perform's nonzero result
 * after freeing the record (no callback will ever run then). */
static uint32_t ic__call_perform(ic__call *call)
{
    ic0_call_on_cleanup(IC__ADDR(&ic__on_cleanup), IC__ADDR(call));
    uint32_t rc = ic0_call_perform();
    if (rc != 0) {
        /* The call was never made and no callback will run (spec: call_perform "err_code"). */
        ic__cc_release(call->cc);
        if (call->fut)
            aw_future_release(call->fut);
        ic__call_free(call);
        return rc;
    }
    ic__rt.in_flight++; /* the record's reference to call->cc stays until the call ends */
    return 0;
}

/* The record's context fields, then call_new and the argument. */
static void ic__call_begin(ic__call *call, const ic_principal *callee, const char *method,
                           size_t mlen, const void *arg, size_t len)
{
    call->composite = ic__rt.query;
    call->cc = ic__cc_hold();
    ic__call_new(callee, method, mlen, arg, len, IC__ADDR(&ic__on_reply), IC__ADDR(&ic__on_reject),
                 IC__ADDR(call));
}

aw_future *ic_call_perform(const ic_call *c)
{
    if (!ic__may_call())
        return ic__call_failed(c, 0, ic__not_allowed);
    size_t mlen = strlen(c->method);
    ic__call *call = ic__call_alloc(c, mlen);
    aw_future *fut = aw_future_new(sizeof(ic_bytes));
    if (!call || !fut) {
        if (call)
            ic__call_free(call);
        aw_future_release(fut);
        return NULL;
    }
    call->fut = aw_future_retain(fut);
    call->op = NULL;
    ic__call_begin(call, &c->callee, c->method, mlen, c->arg, c->arg_len);
    ic__call_options(c);
    uint32_t rc = ic__call_perform(call);
    if (rc != 0) {
        aw_future_release(fut);
        return ic__call_failed(c, rc, ic__not_made);
    }
    return fut;
}

aw_future *ic_call_raw(const ic_principal *callee, const char *method, const void *arg, size_t len)
{
    ic_call c;
    ic_call_init(&c, callee, method);
    ic_call_with_arg(&c, arg, len);
    return ic_call_perform(&c);
}

/* A slot call's cancel hook: its waiter was cancelled, so the record forgets the slot. */
static void ic__call_op_cancel(aw_op *op)
{
    ((ic__call *)op->value.ptr)->op = NULL;
}

/* Start `op` for a slot call: pending, its reply buffer (if any) empty. Returns whether calls are
 * allowed here; when not, the slot has failed. */
static bool ic__call_op_start(aw_op *op, ic_bytes *reply, const ic_principal *callee,
                              const char *method)
{
    aw_op_start(op, ic__call_op_cancel);
    if (reply) {
        reply->data = NULL;
        reply->len = 0;
    }
    if (ic__may_call())
        return true;
    op->cancel = NULL;
    aw_op_fail(op, ic__call_error(callee, method, 0, ic__not_allowed));
    return false;
}

/* Bind `call` (NULL: out of memory) to the started slot `op`. Returns false when it failed. */
static bool ic__call_op_bind(aw_op *op, ic_bytes *reply, ic__call *call)
{
    if (!call) {
        op->cancel = NULL;
        aw_op_fail(op, NULL);
        return false;
    }
    call->fut = NULL;
    call->op = op;
    call->reply = reply;
    op->value.ptr = call;
    return true;
}

/* The end of a slot call: fail the slot when call_perform refused the call. */
static aw_op *ic__call_op_performed(aw_op *op, ic__call *call, const ic_principal *callee,
                                    const char *method)
{
    uint32_t rc = ic__call_perform(call);
    if (rc != 0) {
        op->cancel = NULL;
        aw_op_fail(op, ic__call_error(callee, method, rc, ic__not_made));
    }
    return op;
}

aw_op *ic_call_perform_op(aw_op *op, ic_bytes *reply, const ic_call *c)
{
    if (!ic__call_op_start(op, reply, &c->callee, c->method))
        return op;
    size_t mlen = strlen(c->method);
    ic__call *call = ic__call_alloc(c, mlen);
    if (!ic__call_op_bind(op, reply, call))
        return op;
    ic__call_begin(call, &c->callee, c->method, mlen, c->arg, c->arg_len);
    ic__call_options(c);
    return ic__call_op_performed(op, call, &c->callee, c->method);
}

/* ic_call_raw_op (reply) and ic_call_decode_op (types, read, out). */
__attribute__((noinline)) static aw_op *ic__call_op(aw_op *op, ic_bytes *reply,
                                                    const ic_principal *callee, const char *method,
                                                    size_t mlen, const void *arg, size_t len,
                                                    ic_types *types, ic_read_fn read, void *out)
{
    if (!ic__call_op_start(op, reply, callee, method))
        return op;
    ic__call *call = ic__call_get();
    if (!ic__call_op_bind(op, reply, call))
        return op;
    call->reply_types = types;
    call->reply_read = read;
    call->reply_out = out;
    call->callee = callee; /* borrowed until the slot finishes (the contract) */
    call->method = method;
    ic__call_begin(call, callee, method, mlen, arg, len);
    return ic__call_op_performed(op, call, callee, method);
}

aw_op *ic__call_raw_op(aw_op *op, ic_bytes *reply, const ic_principal *callee, const char *method,
                       size_t mlen, const void *arg, size_t len)
{
    return ic__call_op(op, reply, callee, method, mlen, arg, len, NULL, NULL, NULL);
}

aw_op *ic__call_decode_op(aw_op *op, const ic_principal *callee, const char *method, size_t mlen,
                          const void *arg, size_t len, ic_types *types, ic_read_fn read, void *out)
{
    return ic__call_op(op, NULL, callee, method, mlen, arg, len, types, read, out);
}

uint32_t ic_call_oneway(const ic_call *c)
{
    if (!ic__may_call())
        return 1;
    /* An out-of-range table index: a response, if one ever comes, traps in an execution of its
     * own, which changes nothing (the usual way to make a one-way call). */
    ic__call_new(&c->callee, c->method, strlen(c->method), c->arg, c->arg_len, UINT32_MAX,
                 UINT32_MAX, UINT32_MAX);
    ic__call_options(c);
    return ic0_call_perform();
}

aw_error *ic_decode(const uint8_t *data, size_t len, ic_types *t, ic_read_fn read, void *out,
                    const char *what)
{
    ic_reader r;
    int rc = ic__decode(data, len, t, read, out, &r);
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
