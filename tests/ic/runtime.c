/*
 * runtime.c - a test canister for the behaviours of the IC runtime that the examples do not
 * show: ic_sleep in a call context, aw_sleep refused in a call context, a handler that does not
 * reply, many calls in flight (aw_all, aw_any), call_perform failure, bounded-wait calls, one-way
 * calls, calls awaited through an operation slot (also with their waiter cancelled before the
 * reply), timers (one-shot, interval, cancel), stable memory across upgrades and async stable
 * access, an async composite query, a reader at IC_TYPES_ANY, and the management canister
 * helpers.
 * tests/ic/runtime.test.mjs drives it in icsim.
 */
#include <stdio.h>
#include <string.h>

#include "asyncwasm/ic_mgmt.h"
#include "asyncwasm/ic_stable.h"

static ic_types t_nat64 = IC_TYPES("(nat64)");
static ic_types t_text = IC_TYPES("(text)");
static ic_types t_blob = IC_TYPES("(blob)");
static ic_types t_principal = IC_TYPES("(principal)");
static ic_types t_principal_nat64 = IC_TYPES("(principal, nat64)");
static ic_types t_bool_blob = IC_TYPES("(bool, blob)");
static ic_types t_nat_blob = IC_TYPES("(nat, blob)");
static ic_types t_vec_text = IC_TYPES("(vec text)");
static ic_types t_nat64_nat64 = IC_TYPES("(nat64, nat64)");
static ic_types t_nat64_bool = IC_TYPES("(nat64, bool)");
static ic_types t_state = IC_TYPES("(nat64, nat64, nat64, bool)");

/* A greeting call to hello.greet(name): the future of its reply bytes. */
static aw_future *greet(const ic_principal *hello, const char *name, uint32_t timeout_s)
{
    ic_writer w;
    ic_writer_begin(&w, &t_text);
    ic_write_text(&w, name, strlen(name));
    ic_call c;
    ic_call_init(&c, hello, "greet");
    ic_call_with_arg(&c, w.data, w.len);
    ic_call_with_timeout(&c, timeout_s);
    aw_future *fut = ic_call_perform(&c);
    ic_writer_free(&w);
    return fut;
}

static int read_text_copy(ic_reader *r, void *out)
{
    const char *s;
    size_t n;
    int rc = ic_read_text(r, &s, &n);
    if (rc == 0)
        snprintf(out, 64, "%.*s", (int)n, s);
    return rc;
}

/* The arguments (principal, nat64) of most methods here. */
static int read_principal_nat64(ic_reader *r, ic_principal *p, uint64_t *n)
{
    int rc = ic_read_principal(r, p);
    return rc ? rc : ic_read_nat64(r, n);
}

/* ---- sleeping ---------------------------------------------------------------------------- */

typedef struct sleep_frame {
    aw_task task;
    uint64_t ns, start;
} sleep_frame;

static int sleep_args(ic_reader *r, void *frame)
{
    return ic_read_nat64(r, &((sleep_frame *)frame)->ns);
}

/* sleep : (nat64) -> (nat64): ic_sleep keeps the call open; replies the time slept. */
AW_ASYNC(sleep_frame, sleep_run)
static aw_status sleep_run(sleep_frame *f)
{
    AW_BEGIN(f);
    f->start = ic_time();
    AW_AWAIT(f, ic_sleep(f->ns), AW_DISCARD);
    ic_reply_nat64(ic_time() - f->start);
    AW_END(f);
}
IC_UPDATE_ASYNC(sleep, sleep_frame, sleep_run, &t_nat64, sleep_args)

/* core_sleep : (nat64) -> (nat64): aw_sleep in a handler, which the runtime refuses to strand. */
AW_ASYNC(sleep_frame, core_sleep_run)
static aw_status core_sleep_run(sleep_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, aw_sleep(f->ns), AW_DISCARD);
    ic_reply_nat64(0);
    AW_END(f);
}
IC_UPDATE_ASYNC(core_sleep, sleep_frame, core_sleep_run, &t_nat64, sleep_args)

/* silent : () -> (): finishes without replying. */
typedef struct plain_frame {
    aw_task task;
} plain_frame;
AW_ASYNC(plain_frame, silent_run)
static aw_status silent_run(plain_frame *f)
{
    AW_BEGIN(f);
    AW_END(f);
}
IC_UPDATE_ASYNC(silent, plain_frame, silent_run, NULL, NULL)

/* ---- many calls in flight ------------------------------------------------------------------ */

#define FAN_MAX 8
typedef struct fan_frame {
    aw_task task;
    ic_principal hello;
    uint64_t n;
    aw_future *futs[FAN_MAX];
    aw_future *all; /* aw_all over futs: its value is the n replies */
    ic_bytes replies[FAN_MAX];
    uint32_t first;
} fan_frame;

static int fan_args(ic_reader *r, void *frame)
{
    fan_frame *f = frame;
    int rc = read_principal_nat64(r, &f->hello, &f->n);
    if (rc == 0 && (f->n == 0 || f->n > FAN_MAX))
        rc = CANDID_E_VALUE;
    return rc;
}

static void fan_start(fan_frame *f)
{
    static const char *const names[FAN_MAX] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (uint64_t i = 0; i < f->n; i++)
        f->futs[i] = greet(&f->hello, names[i], 0);
}

static void fan_release(fan_frame *f)
{
    for (uint64_t i = 0; i < f->n; i++) {
        aw_future_release(f->futs[i]);
        f->futs[i] = NULL;
    }
}

/* all : (principal, nat64 n) -> (vec text): n greetings in flight at once, all awaited. */
AW_ASYNC(fan_frame, all_run)
static aw_status all_run(fan_frame *f)
{
    AW_BEGIN(f);
    fan_start(f);
    f->all = aw_all(f->futs, f->n);
    AW_AWAIT(f, aw_future_retain(f->all), AW_DISCARD); /* n replies: read below */
    memcpy(f->replies, aw_future_value(f->all), f->n * sizeof(ic_bytes));
    {
        ic_writer w;
        ic_writer_begin(&w, &t_vec_text);
        ic_write_vec(&w, f->n);
        for (uint64_t i = 0; i < f->n; i++) {
            char text[64] = "";
            aw_error *err = ic_decode(f->replies[i].data, f->replies[i].len, &t_text,
                                      read_text_copy, text, "greet");
            aw_error_release(err);
            ic_write_text(&w, text, strlen(text));
        }
        ic_reply_writer(&w);
    }
    AW_FINALLY(f);
    fan_release(f);
    aw_future_release(f->all);
    for (uint64_t i = 0; i < FAN_MAX; i++)
        ic_bytes_free(&f->replies[i]);
    AW_END(f);
}
IC_UPDATE_ASYNC(all, fan_frame, all_run, &t_principal_nat64, fan_args)

/* any : (principal, nat64 n) -> (nat64): the index of the first of n greetings to succeed. */
AW_ASYNC(fan_frame, any_run)
static aw_status any_run(fan_frame *f)
{
    AW_BEGIN(f);
    fan_start(f);
    AW_AWAIT(f, aw_any(f->futs, f->n), &f->first);
    ic_reply_nat64(f->first);
    AW_FINALLY(f);
    for (uint64_t i = 0; i < f->n; i++) {
        /* Losers still in flight are cancelled, so the runtime frees their replies when they
         * arrive; the replies that already arrived are ours to free. */
        if (aw_future_state_of(f->futs[i]) == AW_FUTURE_PENDING)
            aw_future_cancel(f->futs[i]);
        else if (aw_future_state_of(f->futs[i]) == AW_FUTURE_COMPLETED) {
            ic_bytes b;
            memcpy(&b, aw_future_value(f->futs[i]), sizeof b);
            ic_bytes_free(&b);
        }
    }
    fan_release(f);
    AW_END(f);
}
IC_UPDATE_ASYNC(any, fan_frame, any_run, &t_principal_nat64, fan_args)

/* ---- single calls: failures, bounded wait, one-way ------------------------------------------ */

typedef struct call_frame {
    aw_task task;
    ic_principal hello;
    uint64_t timeout;
    ic_bytes reply;
    char text[64];
} call_frame;

static int call_args(ic_reader *r, void *frame)
{
    call_frame *f = frame;
    return read_principal_nat64(r, &f->hello, &f->timeout);
}

/* greet_via : (principal, nat64 timeout) -> (text): one call, bounded-wait when timeout > 0;
 * every failure propagates and rejects with its text. */
AW_ASYNC(call_frame, greet_via_run)
static aw_status greet_via_run(call_frame *f)
{
    aw_error *err;
    AW_BEGIN(f);
    AW_AWAIT(f, greet(&f->hello, "via", (uint32_t)f->timeout), &f->reply);
    if ((err = ic_decode(f->reply.data, f->reply.len, &t_text, read_text_copy, f->text, "greet")))
        AW_THROW_ERROR(f, err);
    ic_reply_text(f->text);
    AW_FINALLY(f);
    ic_bytes_free(&f->reply);
    AW_END(f);
}
IC_UPDATE_ASYNC(greet_via, call_frame, greet_via_run, &t_principal_nat64, call_args)

static int read_principal(ic_reader *r, void *out)
{
    return ic_read_principal(r, out);
}

static int read_nat64(ic_reader *r, void *out)
{
    return ic_read_nat64(r, out);
}

static int read_two_nat64(ic_reader *r, void *out)
{
    uint64_t *v = out;
    int rc = ic_read_nat64(r, &v[0]);
    return rc ? rc : ic_read_nat64(r, &v[1]);
}

/* notify : (principal) -> (nat64): a one-way call to hello.inc; replies call_perform's result. */
IC_UPDATE(notify)
{
    ic_principal hello;
    if (!ic_args(&t_principal, read_principal, &hello, "notify"))
        return;
    ic_call c;
    ic_call_init(&c, &hello, "inc");
    ic_reply_nat64(ic_call_oneway(&c));
}

/* cq_greet : (principal) -> (text) composite_query: awaits a query of another canister. */
AW_ASYNC(call_frame, cq_greet_run)
static aw_status cq_greet_run(call_frame *f)
{
    aw_error *err;
    AW_BEGIN(f);
    AW_AWAIT(f, greet(&f->hello, "composite", 0), &f->reply);
    if ((err = ic_decode(f->reply.data, f->reply.len, &t_text, read_text_copy, f->text, "greet")))
        AW_THROW_ERROR(f, err);
    ic_reply_text(f->text);
    AW_FINALLY(f);
    ic_bytes_free(&f->reply);
    AW_END(f);
}
static int cq_args(ic_reader *r, void *frame)
{
    return ic_read_principal(r, &((call_frame *)frame)->hello);
}
IC_COMPOSITE_QUERY_ASYNC(cq_greet, call_frame, cq_greet_run, &t_principal, cq_args)

/* ---- calls awaited through an operation slot -------------------------------------------- */

typedef struct op_frame {
    aw_task task;
    ic_principal hello;
    uint64_t mode;
    aw_op op;
    ic_bytes reply;
    ic_call call;
    uint64_t wrong; /* mode 3's destination: decoded into the frame, never on the stack */
    char text[64];
} op_frame;

static uint64_t op_finally_runs; /* FINALLY sections of greet_op run so far */

static int op_args(ic_reader *r, void *frame)
{
    op_frame *f = frame;
    return read_principal_nat64(r, &f->hello, &f->mode);
}

static const char greet_op_arg[] = "DIDL\x00\x01\x71\x02op"; /* ("op") */

/* greet_op : (principal, nat64 mode) -> (text): hello.greet("op") awaited through a slot.
 * Mode 0: ic_call_raw_op and ic_decode; 1: ic_call_perform_op; 2: ic_call_decode_op into the
 * frame; 3: ic_call_decode_op at the wrong type (nat64); 4: mode 2, then a trap after the await
 * (the cleanup callback cancels the slot and FINALLY runs). Every failure rejects with its text. */
AW_ASYNC(op_frame, greet_op_run)
static aw_status greet_op_run(op_frame *f)
{
    aw_error *err;
    AW_BEGIN(f);
    if (f->mode == 0) {
        AW_AWAIT_OP(f, ic_call_raw_op(&f->op, &f->reply, &f->hello, "greet", greet_op_arg,
                                      sizeof greet_op_arg - 1));
    } else if (f->mode == 1) {
        ic_call_init(&f->call, &f->hello, "greet");
        ic_call_with_arg(&f->call, greet_op_arg, sizeof greet_op_arg - 1);
        AW_AWAIT_OP(f, ic_call_perform_op(&f->op, &f->reply, &f->call));
    } else if (f->mode == 3) {
        AW_AWAIT_OP(f, ic_call_decode_op(&f->op, &f->hello, "greet", greet_op_arg,
                                         sizeof greet_op_arg - 1, &t_nat64, read_nat64, &f->wrong));
    } else {
        AW_AWAIT_OP(f,
                    ic_call_decode_op(&f->op, &f->hello, "greet", greet_op_arg,
                                      sizeof greet_op_arg - 1, &t_text, read_text_copy, f->text));
        if (f->mode == 4)
            ic_trap("greet_op: trapping after the await");
    }
    if (f->mode < 2 &&
        (err = ic_decode(f->reply.data, f->reply.len, &t_text, read_text_copy, f->text, "greet")))
        AW_THROW_ERROR(f, err);
    ic_reply_text(f->text);
    AW_FINALLY(f);
    op_finally_runs++;
    ic_bytes_free(&f->reply);
    AW_END(f);
}
IC_UPDATE_ASYNC(greet_op, op_frame, greet_op_run, &t_principal_nat64, op_args)

/* op_finally : () -> (nat64) query */
IC_QUERY(op_finally)
{
    ic_reply_nat64(op_finally_runs);
}

/* ---- a slot call whose waiter is cancelled ---------------------------------------------- */

/* The waiter: a task awaiting hello.greet("op") through a slot, in a frame of static memory so
 * that the test can reuse that memory after the task was cancelled and check that the call's late
 * reply writes nothing into it. */
typedef struct late_frame {
    aw_task task;
    ic_principal hello;
    uint64_t mode; /* 0: ic_call_decode_op into `text`; 1: ic_call_raw_op into `reply` */
    aw_op op;
    ic_bytes reply;
    char text[64];
} late_frame;

static late_frame late;
static uint64_t late_finally_runs, late_cancelled; /* FINALLY runs; of them, with AW_E_CANCELLED */
static uint8_t late_canary[sizeof late];           /* what the reused memory must keep */

AW_ASYNC(late_frame, late_run)
static aw_status late_run(late_frame *f)
{
    AW_BEGIN(f);
    if (f->mode == 0) {
        AW_AWAIT_OP(f,
                    ic_call_decode_op(&f->op, &f->hello, "greet", greet_op_arg,
                                      sizeof greet_op_arg - 1, &t_text, read_text_copy, f->text));
    } else {
        AW_AWAIT_OP(f, ic_call_raw_op(&f->op, &f->reply, &f->hello, "greet", greet_op_arg,
                                      sizeof greet_op_arg - 1));
    }
    ic_trap("late_run: the cancelled waiter resumed");
    AW_FINALLY(f);
    late_finally_runs++;
    const aw_error *err = aw_task_pending_error(&f->task);
    late_cancelled += err && aw_error_kind_of(err) == AW_E_CANCELLED;
    ic_bytes_free(&f->reply);
    AW_END(f);
}

typedef struct cancel_frame {
    aw_task task;
    ic_principal hello;
    uint64_t mode;
    aw_future *waiter;
} cancel_frame;

static int cancel_args(ic_reader *r, void *frame)
{
    cancel_frame *f = frame;
    return read_principal_nat64(r, &f->hello, &f->mode);
}

/* cancel_op : (principal, nat64 mode) -> (nat64): starts the waiter (its call goes out), cancels
 * it while the call is in flight, fills the waiter's memory with a pattern as a new owner would,
 * and replies the number of calls in flight (the cancelled one: 1). */
AW_ASYNC(cancel_frame, cancel_op_run)
static aw_status cancel_op_run(cancel_frame *f)
{
    AW_BEGIN(f);
    memset(&late, 0, sizeof late);
    late.hello = f->hello;
    late.mode = f->mode;
    f->waiter = aw_task_start(aw_task_init(&late.task, late_run_step), NULL, 0);
    if (aw_task_state_of(&late.task) != AW_TASK_WAITING_OP)
        AW_THROW(f, AW_E_STATE, "the waiter is not waiting on its slot");
    aw_future_cancel(f->waiter);
    if (aw_task_state_of(&late.task) != AW_TASK_DONE)
        AW_THROW(f, AW_E_STATE, "the cancelled waiter did not finish");
    aw_future_release(f->waiter);
    f->waiter = NULL;
    for (size_t i = 0; i < sizeof late_canary; i++)
        late_canary[i] = (uint8_t)(0xa5 ^ i);
    memcpy(&late, late_canary, sizeof late); /* the memory has a new owner */
    ic_reply_nat64(ic_calls_in_flight());
    AW_FINALLY(f);
    aw_future_release(f->waiter);
    AW_END(f);
}
IC_UPDATE_ASYNC(cancel_op, cancel_frame, cancel_op_run, &t_principal_nat64, cancel_args)

/* cancel_op_state : () -> (nat64 in_flight, nat64 finally_runs, nat64 cancelled, bool intact)
 * query: after the late reply, the waiter's reused memory must be untouched. */
IC_QUERY(cancel_op_state)
{
    ic_writer w;
    ic_writer_begin(&w, &t_state);
    ic_write_nat64(&w, ic_calls_in_flight());
    ic_write_nat64(&w, late_finally_runs);
    ic_write_nat64(&w, late_cancelled);
    ic_write_bool(&w, memcmp(&late, late_canary, sizeof late) == 0);
    ic_reply_writer(&w);
}

/* ---- the core's log: one debug_print per line ---------------------------------------------- */

typedef struct detached_frame {
    aw_task task;
} detached_frame;

AW_ASYNC(detached_frame, detached_run)
static aw_status detached_run(detached_frame *f)
{
    AW_BEGIN(f);
    AW_THROW(f, AW_E_APP, "detached failure");
    AW_END(f);
}

/* detached_fail : () -> (): starts a task that fails with nobody awaiting it: the core's default
 * error hook logs the error and its trace, which the IC backend prints one line per call. */
IC_UPDATE(detached_fail)
{
    static detached_frame f; /* finished before the reply: initialised again on each call */
    aw_spawn(aw_task_init(&f.task, detached_run_step));
    ic_reply_empty();
}

/* ---- timers ---------------------------------------------------------------------------------- */

static uint64_t once_fired, interval_fired;

static void once_job(void *arg)
{
    (void)arg;
    once_fired++;
}

static void interval_job(void *arg)
{
    (void)arg;
    interval_fired++;
}

/* timers : (nat64 once_ns, nat64 every_ns) -> (nat64 interval id) */
IC_UPDATE(timers)
{
    uint64_t ns[2] = {0, 0}; /* once, every */
    if (!ic_args(&t_nat64_nat64, read_two_nat64, ns, "timers"))
        return;
    ic_timer_after(ns[0], once_job, NULL);
    ic_reply_nat64(ic_timer_every(ns[1], interval_job, NULL));
}

/* cancel : (nat64 id) -> (bool) */
IC_UPDATE(cancel)
{
    uint64_t id = 0;
    if (ic_args(&t_nat64, read_nat64, &id, "cancel"))
        ic_reply_bool(ic_timer_cancel((ic_timer_id)id));
}

/* fired : () -> (nat64 once, nat64 interval) query */
IC_QUERY(fired)
{
    ic_writer w;
    ic_writer_begin(&w, &t_nat64_nat64);
    ic_write_nat64(&w, once_fired);
    ic_write_nat64(&w, interval_fired);
    ic_reply_writer(&w);
}

/* ---- a reader at IC_TYPES_ANY ------------------------------------------------------------ */

static ic_types t_any = IC_TYPES_ANY;

/* any_types : (nat64) -> (text) query: the argument is read through the library's decoder of a
 * reader started at IC_TYPES_ANY (what a generated M_in_from does for a record), so subtyping
 * applies and the end is checked; the reply also says what a reader at those types answers to
 * ic_read_nat64 and a writer to ic_writer_begin (both refused). */
IC_QUERY(any_types)
{
    static const candid_env prims = {.types = NULL, .ntypes = 0, .actor = CANDID_NO_TYPE};
    static const uint8_t msg[] = {'D', 'I', 'D', 'L', 0, 1, 0x78, 5, 0, 0, 0, 0, 0, 0, 0};
    ic_reader r, r2;
    candid_value v;
    int rc = ic_read_args(&r, &t_any);
    candid_dec *d = rc == 0 ? ic_reader_decoder(&r) : NULL;
    if (d && (rc = candid_dec_arg(d, &prims, CANDID_NAT64, &v)) != 0)
        r.error = rc;
    if (rc == 0)
        rc = ic_reader_end(&r);
    else
        ic_reader_free(&r);
    if (rc != 0) {
        ic_rejectf("any_types: invalid arguments: %s", ic_reader_error(&r));
        return;
    }
    uint64_t n = 0;
    int read_rc = ic_reader_begin(&r2, &t_any, msg, sizeof msg);
    if (read_rc == 0)
        read_rc = ic_read_nat64(&r2, &n);
    ic_reader_free(&r2);
    ic_writer w;
    int write_rc = ic_writer_begin(&w, &t_any);
    ic_writer_free(&w);
    char text[200];
    snprintf(text, sizeof text, "n %llu; ic_read_nat64: %s; ic_writer_begin: %s",
             (unsigned long long)v.u.u64, read_rc ? candid_strerror(read_rc) : "ok",
             write_rc ? candid_strerror(write_rc) : "ok");
    ic_reply_text(text);
}

/* ---- stable memory --------------------------------------------------------------------------- */

static char note[64]; /* wasm memory: lost on upgrade unless saved */

/* set_note : (text) -> () */
IC_UPDATE(set_note)
{
    if (ic_args(&t_text, read_text_copy, note, "set_note"))
        ic_reply_empty();
}

/* note : () -> (text) query */
IC_QUERY(get_note)
{
    ic_reply_text(note);
}

IC_PRE_UPGRADE()
{
    if (ic_stable_save(note, sizeof note) != IC_STABLE_OK)
        ic_trap("pre_upgrade: cannot save the note");
}

IC_POST_UPGRADE()
{
    if (ic_stable_load_into(note, sizeof note) != IC_STABLE_OK)
        strcpy(note, "(nothing saved)");
}

/* stable_roundtrip : (blob) -> (blob): writes at 1 MiB with the async API, reads it back. */
typedef struct stable_frame {
    aw_task task;
    const uint8_t *data;
    size_t len;
    uint8_t back[64];
} stable_frame;

static int stable_args(ic_reader *r, void *frame)
{
    stable_frame *f = frame;
    int rc = ic_read_blob(r, &f->data, &f->len);
    return rc == 0 && f->len > sizeof f->back ? CANDID_E_VALUE : rc;
}

AW_ASYNC(stable_frame, stable_run)
static aw_status stable_run(stable_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_stable_write_async(1 << 20, f->data, f->len), AW_DISCARD);
    AW_AWAIT(f, ic_stable_read_async(f->back, 1 << 20, f->len), AW_DISCARD);
    ic_reply_blob(f->back, f->len);
    AW_END(f);
}
IC_UPDATE_ASYNC(stable_roundtrip, stable_frame, stable_run, &t_blob, stable_args)

/* stable_read_beyond : () -> (): an async read out of range fails (rejects with its text). */
AW_ASYNC(stable_frame, stable_beyond_run)
static aw_status stable_beyond_run(stable_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_stable_read_async(f->back, ic_stable_bytes(), 8), AW_DISCARD);
    ic_reply_empty();
    AW_END(f);
}
IC_UPDATE_ASYNC(stable_read_beyond, stable_frame, stable_beyond_run, NULL, NULL)

/* ---- management canister helpers ------------------------------------------------------------ */

typedef struct mgmt_frame {
    aw_task task;
    ic_principal caller, created;
    const uint8_t *data; /* argument blob (message, or a wasm module) */
    size_t len;
    bool flag;
    uint8_t alg;
    union {
        ic_random random;
        ic_signature sig;
        ic_public_key key;
        ic_http_response http;
        ic_canister_info info;
    } r;
} mgmt_frame;

static ic_blob caller_path(mgmt_frame *f)
{
    f->caller = ic_caller();
    return (ic_blob){f->caller.bytes, f->caller.len};
}

/* rand : () -> (blob) */
AW_ASYNC(mgmt_frame, rand_run)
static aw_status rand_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_mgmt_raw_rand(), &f->r.random);
    ic_reply_blob(f->r.random.bytes, 32);
    AW_END(f);
}
IC_UPDATE_ASYNC(rand, mgmt_frame, rand_run, NULL, NULL)

static int blob_arg(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    return ic_read_blob(r, &f->data, &f->len);
}

static aw_future *sign_ecdsa(mgmt_frame *f, const char *key)
{
    ic_blob path = caller_path(f);
    if (f->len != 32)
        return aw_future_failed(aw_error_new(AW_E_GENERIC, 0, "the hash must be 32 bytes"));
    return ic_mgmt_sign_with_ecdsa(f->data, &path, 1, key);
}

/* sign_ecdsa : (blob hash) -> (blob signature), key dfx_test_key, path [caller] */
AW_ASYNC(mgmt_frame, sign_run)
static aw_status sign_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, sign_ecdsa(f, "dfx_test_key"), &f->r.sig);
    ic_reply_blob(f->r.sig.signature, f->r.sig.len);
    AW_END(f);
}
IC_UPDATE_ASYNC(sign_ecdsa, mgmt_frame, sign_run, &t_blob, blob_arg)

/* sign_bad_key : (blob hash) -> (blob): an unknown key name fails before any call. */
AW_ASYNC(mgmt_frame, sign_bad_run)
static aw_status sign_bad_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, sign_ecdsa(f, "no_such_key"), &f->r.sig);
    ic_reply_blob(f->r.sig.signature, f->r.sig.len);
    AW_END(f);
}
IC_UPDATE_ASYNC(sign_bad_key, mgmt_frame, sign_bad_run, &t_blob, blob_arg)

static int schnorr_args(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    int rc = ic_read_bool(r, &f->flag); /* ed25519? */
    return rc ? rc : ic_read_blob(r, &f->data, &f->len);
}

static aw_future *schnorr(mgmt_frame *f)
{
    ic_blob path = caller_path(f);
    ic_schnorr_algorithm alg = f->flag ? IC_SCHNORR_ED25519 : IC_SCHNORR_BIP340_SECP256K1;
    if (f->len == 0)
        return ic_mgmt_schnorr_public_key(NULL, &path, 1, alg, "dfx_test_key");
    return ic_mgmt_sign_with_schnorr(f->data, f->len, &path, 1, alg, "dfx_test_key");
}

/* schnorr : (bool ed25519, blob message) -> (blob): the public key for an empty message, else
 * the signature of the message. */
AW_ASYNC(mgmt_frame, schnorr_run)
static aw_status schnorr_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    if (f->len == 0) {
        AW_AWAIT(f, schnorr(f), &f->r.key);
        ic_reply_blob(f->r.key.public_key, f->r.key.public_key_len);
    } else {
        AW_AWAIT(f, schnorr(f), &f->r.sig);
        ic_reply_blob(f->r.sig.signature, f->r.sig.len);
    }
    AW_END(f);
}
IC_UPDATE_ASYNC(schnorr, mgmt_frame, schnorr_run, &t_bool_blob, schnorr_args)

static int text_arg(ic_reader *r, void *frame)
{
    mgmt_frame *f = frame;
    return ic_read_text(r, (const char **)&f->data, &f->len);
}

static aw_future *fetch(mgmt_frame *f)
{
    char url[256];
    snprintf(url, sizeof url, "%.*s", (int)f->len, (const char *)f->data);
    return ic_mgmt_http_request("get", url, NULL, 4096);
}

/* fetch : (text url) -> (nat status, blob body) */
AW_ASYNC(mgmt_frame, fetch_run)
static aw_status fetch_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, fetch(f), &f->r.http);
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
IC_UPDATE_ASYNC(fetch, mgmt_frame, fetch_run, &t_text, text_arg)

/* status : () -> (nat64 status, bool has_module) for this canister */
AW_ASYNC(mgmt_frame, status_run)
static aw_status status_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    f->caller = ic_self();
    AW_AWAIT(f, ic_mgmt_canister_status(&f->caller), &f->r.info);
    {
        ic_writer w;
        ic_writer_begin(&w, &t_nat64_bool);
        ic_write_nat64(&w, (uint64_t)f->r.info.status);
        ic_write_bool(&w, f->r.info.has_module);
        ic_reply_writer(&w);
    }
    AW_END(f);
}
IC_UPDATE_ASYNC(status, mgmt_frame, status_run, NULL, NULL)

/* spawn : (blob wasm) -> (principal): create a canister and install `wasm` with argument (). */
AW_ASYNC(mgmt_frame, spawn_run)
static aw_status spawn_run(mgmt_frame *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, ic_mgmt_create_canister(IC_CYCLES(1000000000000ull)), &f->created);
    AW_AWAIT(f, ic_mgmt_install_code(&f->created, IC_INSTALL, f->data, f->len, "DIDL\0\0", 6),
             AW_DISCARD);
    ic_reply_principal(&f->created);
    AW_END(f);
}
IC_UPDATE_ASYNC(spawn, mgmt_frame, spawn_run, &t_blob, blob_arg)
