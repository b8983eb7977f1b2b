/*
 * ic_async.h - async/await in canisters: async handlers, inter-canister calls as futures, sleep,
 * timers and async stable memory, on top of the async core (<asyncwasm/aw.h>).
 *
 * The model. The IC runs one message execution at a time: an entry point, or the reply/reject
 * callback of a call the canister made. The IC backend is passive: every export of the runtime
 * runs the ready queue (aw_drain) before it returns, so an async function advances exactly when a
 * message it waits for arrives. An async handler is an async function started by an update (or
 * composite query) export; its first step runs in that export, every later step in the callback
 * of the call it awaited. Each await on a call is a commit point: what happened before it is
 * committed, and a trap after it rolls back only to it (spec CI "Message execution").
 *
 *     typedef struct greet_frame { aw_task task; ic_bytes reply; } greet_frame;
 *     AW_ASYNC(greet_frame, greet_run)
 *     static aw_status greet_run(greet_frame *f)
 *     {
 *         AW_BEGIN(f);
 *         AW_AWAIT(f, ic_call_raw(&OTHER, "hello", "DIDL\0\0", 6), &f->reply);
 *         ic_reply_raw(f->reply.data, f->reply.len);
 *         AW_FINALLY(f);
 *         ic_bytes_free(&f->reply);
 *         AW_END(f);
 *     }
 *     IC_UPDATE_ASYNC(greet, greet_frame, greet_run, NULL, NULL)
 *
 * Rules the runtime enforces:
 * - An uncaught error rejects the call with the error's text and its async trace. A handler that
 *   finishes without replying rejects with "<method>: the async handler finished without replying".
 *   Malformed arguments reject with the Candid decode error before the handler starts.
 * - A call context is kept open by the IC only while it has calls outstanding. A handler that
 *   suspends on anything else (aw_sleep, a channel) with no call outstanding would be ended by the
 *   IC with "did not reply"; the runtime rejects it first with a message that names the cause.
 *   Use ic_sleep(), which keeps the context open, in handlers.
 * - When a callback traps, the IC runs the call's cleanup callback on the state from before the
 *   callback: the runtime cancels the call's future there, so the awaiting task fails with
 *   AW_E_CANCELLED and its FINALLY sections run (locks and guards are released). Replies and calls
 *   are impossible in cleanup; ic_reply_* and ic_call_* do nothing there (calls fail at once).
 */
#ifndef ASYNCWASM_IC_ASYNC_H
#define ASYNCWASM_IC_ASYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aw.h"
#include "candid.h"
#include "ic.h"
#include "ic_candid.h"

/* ---- reject codes ------------------------------------------------------------------------ */

/* X(name, code): the reject codes of the IC (spec HI "Reject codes"). An IC call that was rejected
 * fails its future with an error of kind AW_E_IC_REJECT whose code is one of these. */
#define IC_REJECT_CODES(X)                                                                         \
    X(SYS_FATAL, 1)                                                                                \
    X(SYS_TRANSIENT, 2)                                                                            \
    X(DESTINATION_INVALID, 3)                                                                      \
    X(CANISTER_REJECT, 4)                                                                          \
    X(CANISTER_ERROR, 5)                                                                           \
    X(SYS_UNKNOWN, 6)

#define IC__REJECT_ENUM(name, code) IC_REJECT_##name = code,
enum { IC_REJECT_CODES(IC__REJECT_ENUM) };
#undef IC__REJECT_ENUM

/* The name of a reject code ("CANISTER_REJECT"), or "UNKNOWN_REJECT_CODE". */
const char *ic_reject_code_name(uint32_t code);

/* ---- reply bytes ------------------------------------------------------------------------- */

/* The value of a call's future: the reply bytes (a Candid message), in a malloc'd buffer that the
 * receiver owns. Free it with ic_bytes_free (a NULL data is fine). */
typedef struct ic_bytes {
    uint8_t *data;
    size_t len;
} ic_bytes;

void ic_bytes_free(ic_bytes *b);

/* ---- inter-canister calls ---------------------------------------------------------------- */

/* A call under construction: fill it with ic_call_init and the ic_call_with_* setters, then
 * ic_call_perform or ic_call_oneway. It borrows the method name and argument until then. */
typedef struct ic_call {
    ic_principal callee;
    const char *method;
    const uint8_t *arg; /* Candid message; NULL means `()` ("DIDL\0\0") */
    size_t arg_len;
    ic_cycles cycles;   /* attached cycles (not allowed in composite queries) */
    uint32_t timeout_s; /* bounded wait when nonzero (call_with_best_effort_response) */
} ic_call;

/* Start a call of `method` on `callee` with the argument `()` and no cycles, unbounded wait. */
void ic_call_init(ic_call *c, const ic_principal *callee, const char *method);
void ic_call_with_arg(ic_call *c, const void *candid, size_t len);
void ic_call_with_cycles(ic_call *c, ic_cycles cycles);
/* Make it a bounded-wait call: after `seconds` the IC may answer SYS_UNKNOWN (6). */
void ic_call_with_timeout(ic_call *c, uint32_t seconds);

/*
 * Perform the call and return a future of its reply (an ic_bytes). The future:
 * - fails at once with AW_E_CALL_PERFORM (code: call_perform's result) when the IC refused the
 *   call (no callback will ever run), or when calls are impossible in this context;
 * - fails with AW_E_IC_REJECT (code: reject code) and the message "<callee>.<method> rejected
 *   (<CODE NAME>): <reject message>" when the callee rejects or traps;
 * - fails with AW_E_CANCELLED when the reply callback trapped (from the cleanup callback);
 * - completes with the reply bytes otherwise.
 * NULL when memory runs out (awaiting NULL fails with AW_E_NOMEM).
 * The reply bytes belong to whoever takes the value (free them with ic_bytes_free). To give up
 * on a call in flight, cancel its future (aw_future_cancel): the call still completes on the IC,
 * and the runtime then frees the late reply; a future merely released would keep it.
 */
aw_future *ic_call_perform(const ic_call *c);

/* Shorthand: ic_call_init + ic_call_with_arg + ic_call_perform. */
aw_future *ic_call_raw(const ic_principal *callee, const char *method, const void *arg, size_t len);

/*
 * The same call awaited through an operation slot (AW_AWAIT_OP) instead of a future: no future
 * and no executor turn; the reply callback finishes `op` and the awaiting task runs at once.
 * Starts `op` (a member of the awaiting frame) and returns it. On success the reply bytes are in
 * *reply (a member of the frame too, set to empty here; free it with ic_bytes_free whatever the
 * outcome). The slot fails with the same errors as the future of ic_call_perform, with
 * out-of-memory (AW_E_NOMEM) when the call record cannot be allocated, and with AW_E_CANCELLED
 * from the cleanup callback. Cancelling the waiting task leaves the call to complete on the IC;
 * its late reply is then dropped. Use a future (ic_call_perform) to share a call's result or to
 * combine calls (aw_all, aw_any, aw_race).
 *
 *     AW_AWAIT_OP(f, ic_call_raw_op(&f->op, &f->reply, &callee, "hello", "DIDL\0\0", 6));
 */
aw_op *ic_call_perform_op(aw_op *op, ic_bytes *reply, const ic_call *c);

/*
 * Shorthand for ic_call_init + ic_call_with_arg + ic_call_perform_op, cheaper: `callee` and
 * `method` are not copied but borrowed until the slot finishes (or its waiter is cancelled), so
 * they must stay valid that long: a member of the awaiting frame and a string literal are. A
 * literal method's length is computed at compile time.
 */
static inline aw_op *ic_call_raw_op(aw_op *op, ic_bytes *reply, const ic_principal *callee,
                                    const char *method, const void *arg, size_t len);

/* Runtime entry of ic_call_raw_op (mlen: strlen(method)). */
aw_op *ic__call_raw_op(aw_op *op, ic_bytes *reply, const ic_principal *callee, const char *method,
                       size_t mlen, const void *arg, size_t len);

static inline aw_op *ic_call_raw_op(aw_op *op, ic_bytes *reply, const ic_principal *callee,
                                    const char *method, const void *arg, size_t len)
{
    return ic__call_raw_op(op, reply, callee, method, __builtin_strlen(method), arg, len);
}

/*
 * ic_call_raw_op whose reply is decoded, in the reply callback, straight into the awaiting frame:
 * a message of types `types` read with `read` into `out` (read may be NULL for a reply that
 * carries nothing to keep, e.g. `()`), then the end of the message checked; no reply buffer to
 * free. A reply that does not decode fails the slot with AW_E_CANDID_DECODE and the message
 * "<callee>.<method> reply: <decoder message>"; otherwise the slot fails as ic_call_perform_op's.
 * Texts and blobs that `read` keeps point into the reply bytes, which stay valid only until the
 * awaiting task next suspends after the await (copy them to keep them longer); so await the slot
 * right after starting it. `callee` and `method` are borrowed as by ic_call_raw_op.
 *
 *     AW_AWAIT_OP(f, ic_call_decode_op(&f->op, &f->callee, "get", arg, len, &nat_t, read_nat,
 *                                      &f->value));
 */
static inline aw_op *ic_call_decode_op(aw_op *op, const ic_principal *callee, const char *method,
                                       const void *arg, size_t len, ic_types *types,
                                       ic_read_fn read, void *out);

/* Runtime entry of ic_call_decode_op (mlen: strlen(method)). */
aw_op *ic__call_decode_op(aw_op *op, const ic_principal *callee, const char *method, size_t mlen,
                          const void *arg, size_t len, ic_types *types, ic_read_fn read, void *out);

static inline aw_op *ic_call_decode_op(aw_op *op, const ic_principal *callee, const char *method,
                                       const void *arg, size_t len, ic_types *types,
                                       ic_read_fn read, void *out)
{
    return ic__call_decode_op(op, callee, method, __builtin_strlen(method), arg, len, types, read,
                              out);
}

/* Perform the call one-way (no callback: a response is dropped). Returns 0, or call_perform's
 * nonzero result when the IC refused the call. */
uint32_t ic_call_oneway(const ic_call *c);

/* Calls performed by this canister whose reply, reject or cleanup has not run yet. */
uint32_t ic_calls_in_flight(void);

/* ---- decoding replies -------------------------------------------------------------------- */

/* Decode a reply (or any Candid message) of types `t` with `read`, then check the end of the
 * message. Returns NULL on success, else an AW_E_CANDID_DECODE error (the caller owns it) whose
 * message is "<what>: <decoder message>". `read` may be NULL to check a message of types `t`
 * that carries nothing to keep, e.g. `()`. */
aw_error *ic_decode(const uint8_t *data, size_t len, ic_types *t, ic_read_fn read, void *out,
                    const char *what);

/* ---- async handlers ---------------------------------------------------------------------- */

/* Reads a handler's arguments into its zeroed frame: return 0, or the reader's error code (its
 * message then goes into the reject). Text, blob and principal results may point into the
 * message: the runtime keeps its bytes until the handler finishes. */
typedef int (*ic_args_fn)(ic_reader *r, void *frame);

/* Runtime entry of the async handler macros (not for direct use): enters the message execution
 * (ctx: IC_CTX_UPDATE or IC_CTX_COMPOSITE) and starts the handler; *frames is the runtime's
 * (the handler's free list of frames, NULL at first). */
void ic__start_handler(ic_context ctx, const char *method, size_t frame_size, aw_step_fn step,
                       ic_types *in, ic_args_fn args, void **frames);

/*
 * `canister_update NAME` whose body is the async function `step` (declared with AW_ASYNC) over a
 * frame of type `frame_type` (an aw_task first). `in` (an ic_types*, or NULL for `()`) is the
 * type of the arguments and `args` (or NULL) reads them into the zeroed frame before the first
 * step; a message that does not decode at `in` is rejected with the decoder's message. With
 * bindings from `candid gen c`, `in` is the generated `&M_in_types` and `args` calls
 * `M_in_from(r, arena, &in)`: the message is decoded once, on the reader's fast path when its
 * header is exactly those types (docs/candid-gen.md).
 */
#define IC_UPDATE_ASYNC(name, frame_type, step, in, args)                                          \
    IC__ASYNC_ENTRY("canister_update " #name, name, IC_CTX_UPDATE, frame_type, step, in, args)
/* `canister_composite_query NAME` with an async body (it may await query calls). */
#define IC_COMPOSITE_QUERY_ASYNC(name, frame_type, step, in, args)                                 \
    IC__ASYNC_ENTRY("canister_composite_query " #name, name, IC_CTX_COMPOSITE, frame_type, step,   \
                    in, args)

#define IC__ASYNC_ENTRY(exported, name, ctx, frame_type, step, in, args)                           \
    IC__EXPORT(exported) void ic__async_##name(void);                                              \
    void ic__async_##name(void)                                                                    \
    {                                                                                              \
        static void *ic__frames;                                                                   \
        ic__start_handler(ctx, #name, sizeof(frame_type), step##_step, (in), (args), &ic__frames); \
        ic__leave();                                                                               \
    }

/* ---- sleep and timers -------------------------------------------------------------------- */

/*
 * Sleep for `ns` nanoseconds. Outside a call context (timers, heartbeat) this is aw_sleep: the
 * global timer wakes the task. Inside a call context (an update handler) the IC would end the
 * context with "did not reply" if nothing were outstanding, so the task instead awaits
 * management-canister `raw_rand` calls, one after another, until ic_time() passes the deadline:
 * each takes one round (raw_rand answers in the next round), so the cost is about one call per
 * round slept (the call fee, no cycles attached). Fails like a call fails.
 */
aw_future *ic_sleep(uint64_t ns);

/* A timer id; 0 is never a valid id. */
typedef uint32_t ic_timer_id;

/* Run fn(arg) once, `ns` nanoseconds from now, in the canister_global_timer execution (a system
 * task: it may make calls, not reply). Returns the id, or 0 when memory runs out. */
ic_timer_id ic_timer_after(uint64_t ns, void (*fn)(void *arg), void *arg);

/* Run fn(arg) every `ns` nanoseconds (first after `ns`). Returns the id, or 0 on OOM. */
ic_timer_id ic_timer_every(uint64_t ns, void (*fn)(void *arg), void *arg);

/* Cancel a timer. Returns true when it was still scheduled. */
bool ic_timer_cancel(ic_timer_id id);

/* ---- stable memory, async ---------------------------------------------------------------- */

/* The seed's readAsync/writeAsync on the IC: stable memory accesses complete at once, so the
 * futures are already finished. Read: completes with no value after copying, or fails
 * AW_E_IO with "stable memory read out of range". Write: grows stable memory as needed, or fails
 * AW_E_IO "stable memory cannot grow". NULL when memory runs out. */
aw_future *ic_stable_read_async(void *dst, uint64_t offset, size_t size);
aw_future *ic_stable_write_async(uint64_t offset, const void *src, size_t size);

#endif /* ASYNCWASM_IC_ASYNC_H */
