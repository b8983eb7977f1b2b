/*
 * aw_core.h - futures, async functions, the executor, timers, combinators and channels.
 *
 * The model in one paragraph. A *future* (aw_future) is a one-shot slot that is pending until a
 * producer completes it with a value of a fixed size, fails it with an aw_error, or someone
 * cancels it. An *async function* is a *frame* (a struct whose first member is an aw_task, then
 * its arguments, results and every variable that lives across an await) plus a *step function*
 * that the runtime calls each time the task can make progress; the step resumes at its last await
 * through a `switch` on the task's resume point (AW_BEGIN ... AW_END). A task that awaits a pending
 * future links itself into the future's waiter list (O(1), tail pointer) and returns; completing
 * the future puts it on the ready queue in O(1) (its waiters run in order when the executor
 * reaches it) and never runs a task re-entrantly;
 * aw_drain (and, where blocking is possible, aw_run / aw_poll / aw_wait_for) runs the ready queue.
 * An *operation slot* (aw_op) is the allocation-free awaitable for one waiter: it lives in the
 * awaiting frame, and finishing it outside any step resumes the waiter at once (see its section).
 *
 * Ownership rules (docs/core.md has the long form):
 * - A function that returns an aw_future* gives the caller one reference. AW_AWAIT consumes it.
 *   Otherwise drop it with aw_future_release. Producers (timers, tasks, I/O, IC calls) hold their
 *   own reference until they complete the future, so releasing a pending future detaches it (the
 *   producer still completes it, then it is freed); it does not cancel it.
 * - Combinators (aw_all, aw_race, ...) take their own references to their inputs and never
 *   consume the caller's.
 * - A frame belongs to whoever allocated it and must not move or be freed while the task is
 *   suspended (waiters and the ready queue point into it). Frames from aw_task_new are freed by the
 *   runtime once the task finished, when it was started with aw_task_start/aw_spawn/aw_task_run_cb.
 * - Every function returning a future returns NULL when memory runs out; awaiting NULL fails the
 *   awaiting task with AW_E_NOMEM, so `AW_AWAIT(f, aw_sleep(10), NULL)` needs no extra check.
 *
 * Target: define AW_BACKEND_IC=1 when building for the Internet Computer. There the executor is
 * passive (entry points and callbacks call aw_drain) and the blocking functions aw_run,
 * aw_run_forever, aw_poll and aw_wait_for do not compile.
 */
#ifndef ASYNCWASM_AW_CORE_H
#define ASYNCWASM_AW_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "aw_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Futures
 * ------------------------------------------------------------------------------------------- */

typedef struct aw_future aw_future;
typedef struct aw_task aw_task;
typedef struct aw_op aw_op;

/* The state of a future. Completed, failed and cancelled are final ("finished"). */
typedef enum aw_future_state {
    AW_FUTURE_PENDING = 0,
    AW_FUTURE_COMPLETED = 1,
    AW_FUTURE_FAILED = 2,
    AW_FUTURE_CANCELLED = 3
} aw_future_state;

/* Called once when a pending future is cancelled, so its producer can stop (remove a timer, stop
 * watching an fd, cancel a task). Runs before the waiters are queued. */
typedef void (*aw_cancel_hook)(aw_future *fut, void *data);

/*
 * A new pending future whose value is `value_size` bytes (0 for none). The caller holds one
 * reference. Memory comes from the core's pools (no malloc in steady state). NULL when memory
 * runs out.
 */
aw_future *aw_future_new(size_t value_size);

/* A future already completed with `size` bytes copied from `value` (may be NULL when size is 0).
 * NULL when memory runs out. */
aw_future *aw_future_completed(const void *value, size_t size);

/* A future already failed with `err` (the reference to err is taken over). NULL when memory runs
 * out (err is then released). */
aw_future *aw_future_failed(aw_error *err);

/* Add a reference; returns `fut` (NULL passes through). Use it to await one future from several
 * tasks: each awaits aw_future_retain(shared). */
aw_future *aw_future_retain(aw_future *fut);

/* Drop a reference; the last one returns the future to its pool. A pending future is not
 * cancelled by this (see the ownership rules). NULL is ignored. */
void aw_future_release(aw_future *fut);

/*
 * Complete a pending future with `size` bytes from `value` and queue its waiters. Returns AW_OK;
 * AW_ERR_SIZE when size differs from the future's value size (nothing changes);
 * AW_ERR_CANCELLED when it was cancelled (the value is dropped: a normal race for a producer);
 * AW_ERR_STATE when it was already completed or failed: completing twice is a bug, and a build
 * with AW_DEBUG logs it.
 */
int aw_future_complete(aw_future *fut, const void *value, size_t size);

/* Fail a pending future with `err` (the reference is always taken over) and queue its waiters.
 * Returns AW_OK, AW_ERR_CANCELLED or AW_ERR_STATE as aw_future_complete. */
int aw_future_fail(aw_future *fut, aw_error *err);

/* Shorthand: fail `fut` with a new error of `kind`, `code` and `message`. */
int aw_future_fail_with(aw_future *fut, int kind, int64_t code, const char *message);

/*
 * Cancel a pending future: run its cancel hook, fail it with an AW_E_CANCELLED error and queue
 * its waiters. The hook may finish the future itself: a task's future (aw_task_start) ends FAILED
 * with the AW_E_CANCELLED error the cancelled task finished with. Returns AW_OK, or AW_ERR_STATE
 * when it had already finished (nothing changes).
 */
int aw_future_cancel(aw_future *fut);

/* Set the hook aw_future_cancel runs for this pending future (replaces any earlier one). */
void aw_future_set_cancel_hook(aw_future *fut, aw_cancel_hook hook, void *data);

/* The state; and the value (a pointer to value_size bytes inside the future, valid while you hold
 * a reference; its contents are meaningful once completed); the value size; the error of a failed
 * or cancelled future (borrowed; NULL otherwise). NULL (a constructor that ran out of memory)
 * reads as FAILED with the out-of-memory error, no value and size 0. */
aw_future_state aw_future_state_of(const aw_future *fut);
const void *aw_future_value(const aw_future *fut);
size_t aw_future_size(const aw_future *fut);
const aw_error *aw_future_error(const aw_future *fut);

/* ---------------------------------------------------------------------------------------------
 * Tasks (async functions)
 * ------------------------------------------------------------------------------------------- */

/* What a step function returns: AW_PENDING while suspended, AW_DONE once finished. */
typedef enum aw_status { AW_PENDING = 0, AW_DONE = 1 } aw_status;

typedef aw_status (*aw_step_fn)(aw_task *task);

/* Called exactly once when a task started with aw_task_run_cb finishes. `err` is NULL on success,
 * otherwise borrowed for the duration of the call (retain it to keep it). The callback may free
 * the frame. */
typedef void (*aw_task_done_fn)(aw_task *task, const aw_error *err);

typedef enum aw_task_state {
    AW_TASK_INIT = 0,         /* initialised, not started */
    AW_TASK_RUNNING = 1,      /* its step function is on the C stack */
    AW_TASK_WAITING = 2,      /* suspended on a future */
    AW_TASK_WAITING_TASK = 3, /* suspended on a child task (AW_AWAIT_TASK) */
    AW_TASK_READY = 4,        /* in the ready queue */
    AW_TASK_DONE = 5,         /* finished */
    AW_TASK_WAITING_OP = 6    /* suspended on an operation slot (AW_AWAIT_OP) */
} aw_task_state;

/*
 * The task header: the first member of every frame. 32 bytes on a 64-bit host, 20 on wasm32; the
 * runtime allocates nothing else per suspended task. Fields are the runtime's: read them only
 * through the functions below.
 */
struct aw_task {
    aw_step_fn step; /* the step function */
    union {
        aw_task *parent;      /* AW_AWAIT_TASK: the awaiting task once it suspended, else NULL */
        aw_future *future;    /* aw_task_start: the future to complete */
        aw_task_done_fn done; /* aw_task_run_cb: the callback */
    } cont;
    /* cont and link are adjacent so that aw_task_init clears both in one store, and link,
     * resume, flags and state so that a take on wasm32 writes them in one */
    union {
        aw_task *next;     /* WAITING: the next waiter of the awaited future's list, or */
        uintptr_t node;    /* the future itself tagged AW__WAIT_TAIL (the last waiter); READY
                              (AW_YIELD): the next node of the ready queue */
        aw_future *future; /* running an await of a future: the future (the executor puts it
                              back here before it resumes a waiter) */
        aw_task *child;    /* WAITING_TASK: the awaited child */
        aw_op *op;         /* WAITING_OP: the awaited operation slot */
        aw_error *error;   /* in FINALLY and once DONE: the error it fails with (NULL: success) */
    } link;
    /* resume, flags and state are adjacent so that an await writes all three in one store, and
     * state and cont_kind so that a child's start writes both in one. */
    uint16_t resume;   /* AW__RESUME_START, an await's resume point, AW__RESUME_FINALLY or _END */
    uint8_t flags;     /* AW__TF_* */
    uint8_t state;     /* aw_task_state */
    uint8_t cont_kind; /* which member of cont is live (AW__CONT_*) */
    uint8_t owned;     /* frame from aw_task_new: the runtime frees it when handed off */
};

/* Resume points (aw_task.resume). Every await has its own: AW__RESUME_START plus its rank among
 * the resume points of its step function (AW_BEGIN notes where the function's ranks start), so
 * that each step function's resume points are dense and its `switch` compiles into one jump
 * table. FINALLY and END sit just below START, inside the same range. */
#define AW__RESUME_FINALLY 0x7FFEu
#define AW__RESUME_END     0x7FFFu
#define AW__RESUME_START   0x8000u

/* Prepare `task` (the header of a frame) to run `step`; resets the header, leaves the rest of the
 * frame alone. A finished task may be initialised again. Returns `task`. */
static inline aw_task *aw_task_init(aw_task *task, aw_step_fn step)
{
    task->step = step;
    task->link.future = NULL;
    task->cont.parent = NULL;
    task->resume = AW__RESUME_START;
    task->flags = 0;
    task->state = 0; /* AW_TASK_INIT */
    task->cont_kind = 0;
    task->owned = 0;
    return task;
}

/*
 * Allocate a zeroed frame of `frame_size` bytes (>= sizeof(aw_task)) from the heap, initialised
 * for `step`; returns a pointer to the frame (its aw_task header). NULL when memory runs out.
 * The runtime frees it after the task finished when it was started with aw_task_start, aw_spawn
 * or aw_task_run_cb (after the done callback returned); otherwise free it with aw_task_free.
 */
void *aw_task_new(size_t frame_size, aw_step_fn step);

/* Free a frame from aw_task_new that the runtime will not free (never started, or awaited with
 * AW_AWAIT_TASK and finished). */
void aw_task_free(aw_task *task);

/*
 * Start `task` now (its step runs until the first suspension) and return a future that completes
 * with `size` bytes copied from `result` (a pointer into the frame, read when the task finishes)
 * or fails with the task's error. Cancelling the future cancels the task. NULL when memory runs
 * out (the task is then not started).
 */
aw_future *aw_task_start(aw_task *task, const void *result, size_t size);

/*
 * Start `task` detached (Nim's asyncCheck). An error it does not handle goes to the error hook
 * (aw_set_error_hook; by default printed to the backend log); cancellation is not reported.
 * Returns AW_OK, or AW_ERR_STATE when the task was not freshly initialised.
 */
int aw_spawn(aw_task *task);

/*
 * Start `task` and call `done` exactly once when it finishes (success, failure or cancellation),
 * possibly before this function returns. This is the hook for entry points that must answer
 * (an IC update replies or rejects in `done`). Returns AW_OK or AW_ERR_STATE as aw_spawn.
 */
int aw_task_run_cb(aw_task *task, aw_task_done_fn done);

/*
 * Cancel `task` from outside. A suspended or ready task is removed from the future or queue it is
 * in, then its FINALLY section runs synchronously, inside this call, and the task finishes with an
 * AW_E_CANCELLED error (a child it awaits with AW_AWAIT_TASK is cancelled first). Returns AW_OK;
 * AW_ERR_STATE when it had already finished or never started; AW_ERR_BUSY when it is running (its
 * step is on the C stack): then it fails with AW_E_CANCELLED at its next await.
 */
int aw_task_cancel(aw_task *task);

/* The task's state, and its error once DONE (borrowed; NULL on success). */
aw_task_state aw_task_state_of(const aw_task *task);
const aw_error *aw_task_error(const aw_task *task);

/* Receives the errors of detached tasks (aw_spawn) that nobody handled. */
typedef void (*aw_error_hook)(const aw_error *err, aw_task *task, void *data);

/* Install the hook; NULL restores the default, which prints "uncaught error in detached task"
 * and the error to the backend log. */
void aw_set_error_hook(aw_error_hook hook, void *data);

/* ---------------------------------------------------------------------------------------------
 * Operation slots (aw_op): the allocation-free awaitable
 *
 * An aw_op lives in the awaiting frame (a member, like a result variable). A producer (an fd
 * watch, a timer, an I/O device, an IC call) *starts* it, the task awaits it with AW_AWAIT_OP, and
 * the producer *completes* or *fails* it exactly once. It has one waiter by construction, no
 * reference count and no heap block: it is what a C++20 awaitable is to a coroutine frame. Use a
 * future instead when several tasks await one result, or when the result must outlive the frame.
 *
 * Rules. The producer owns the slot while it is pending: it may use `value` as scratch (a timer
 * keeps its heap position there) and must write the result into `value` before aw_op_complete.
 * Once it called aw_op_complete/aw_op_fail, or once its cancel hook ran, it must not touch the
 * slot again: the waiter may already have run, finished and freed or reused its frame.
 * Completion outside any step function (a backend's poll loop, an IC callback, the driver of a
 * test) runs the waiting task at once, inside the call, up to its next suspension: no executor
 * turn, no queue. Completion from inside a step (one task completing another's slot) queues the
 * waiter instead, so a step never runs re-entrantly. Cancelling the waiting task (aw_task_cancel,
 * or the cancellation of its parent) runs the producer's cancel hook first, then the task's
 * FINALLY.
 * ------------------------------------------------------------------------------------------- */

/* The state of an operation slot. A zeroed slot is IDLE (never started). */
typedef enum aw_op_state {
    AW_OP_IDLE = 0,      /* not started: awaiting it fails with AW_E_STATE */
    AW_OP_PENDING = 1,   /* started, not finished */
    AW_OP_COMPLETED = 2, /* the result is in `value` */
    AW_OP_FAILED = 3,    /* `value.error` holds the error until the waiter takes it */
    AW_OP_CANCELLED = 4  /* cancelled (the producer's hook ran) */
} aw_op_state;

/* The producer's cancel hook: called once when the slot is cancelled while pending, so the
 * producer forgets it (removes its timer or fd watch). It must not complete the slot. */
typedef void (*aw_op_cancel_fn)(aw_op *op);

/*
 * An operation slot: 24 bytes on wasm32, 32 on 64-bit hosts. The producer writes `value`; the
 * task reads it after AW_AWAIT_OP returned. The other fields are the runtime's.
 */
struct aw_op {
    aw_task *waiter; /* the task suspended on it, or NULL */
    union {
        aw_op_cancel_fn cancel; /* the producer's hook while pending, or NULL */
        uintptr_t aw__next;     /* finished inside a step: its next node in the ready queue */
    };
    union {
        int64_t i64;
        uint64_t u64;
        double f64;
        void *ptr;       /* e.g. a caller-provided result buffer */
        size_t index;    /* producer scratch while pending */
        aw_error *error; /* FAILED: the error, until the waiter takes it */
    } value;
    uint8_t state; /* aw_op_state */
};

/* Start `op` (a slot in a frame; IDLE or finished and taken): it becomes PENDING with no waiter
 * and `cancel` (may be NULL) as its cancel hook. For producers. Returns `op`. */
static inline aw_op *aw_op_start(aw_op *op, aw_op_cancel_fn cancel)
{
    op->waiter = NULL;
    op->cancel = cancel;
    op->state = AW_OP_PENDING;
    return op;
}

/*
 * Complete a pending `op` with the result the producer stored in op->value, and resume its waiter
 * (at once outside a step, queued inside one; see the rules above). Returns AW_OK,
 * AW_ERR_STATE when the slot is not pending (nothing changes; e.g. it was cancelled), or
 * AW_ERR_INVALID for NULL. The producer must not touch `op` afterwards.
 */
int aw_op_complete(aw_op *op);

/* Fail a pending `op` with `err` (the reference is always taken over; NULL means out of memory)
 * and resume its waiter as aw_op_complete. Returns AW_OK, or AW_ERR_STATE / AW_ERR_INVALID as
 * aw_op_complete (err is then released). */
int aw_op_fail(aw_op *op, aw_error *err);

/* Cancel a pending `op`: run the producer's hook, and resume its waiter, which fails with
 * AW_E_CANCELLED (the task's FINALLY runs as for any error). Returns AW_OK, AW_ERR_STATE when the
 * slot is not pending, or AW_ERR_INVALID for NULL. */
int aw_op_cancel(aw_op *op);

/* The state of `op` (aw_op_state). */
static inline aw_op_state aw_op_state_of(const aw_op *op)
{
    return (aw_op_state)op->state;
}

/* ---------------------------------------------------------------------------------------------
 * Writing async functions
 *
 *     typedef struct leaf { aw_task task; int in, out; } leaf;      // frame: header first
 *     AW_ASYNC(leaf, leaf_run);           // declares leaf_run and the step function leaf_run_step
 *     static aw_status leaf_run(leaf *f)
 *     {
 *         AW_BEGIN(f);
 *         AW_AWAIT(f, aw_sleep(1000), NULL);    // a C local would not survive this line
 *         f->out = f->in * 2;
 *         AW_FINALLY(f);                         // optional: runs on every path
 *         release_something();
 *         AW_END(f);
 *     }
 *     ... AW_AWAIT_TASK(parent, aw_task_init(&parent->child.task, leaf_run_step));
 *
 * Rules (checked where possible): no await inside your own `switch`
 * (detected at resume: the task fails with AW_E_STATE "stale resume point"); no await inside
 * FINALLY (aborts with a message); locals do not survive an await: keep state in the frame.
 * ------------------------------------------------------------------------------------------- */

/* Task flags (aw_task.flags), read by the inline fast paths below. */
#define AW__TF_IN_FINALLY 0x01u /* the FINALLY section (or the end) is running */
#define AW__TF_CANCEL_REQ 0x02u /* cancelled while running: fail at the next await */
#define AW__TF_LINK_CHILD 0x08u /* link.child was started by AW_AWAIT_TASK and is ours to take */
#define AW__TF_LINK_OP    0x10u /* link.op is the slot of the current AW_AWAIT_OP */
#define AW__TASK(f)       ((aw_task *)(void *)(f))
#define AW__SITE          __func__, __FILE__, (uint32_t)__LINE__

#if defined(__GNUC__) || defined(__clang__)
#define AW__FALLTHROUGH __attribute__((fallthrough))
#else
#define AW__FALLTHROUGH ((void)0)
#endif

/* The size of *out for AW_AWAIT; 0 for a void pointer (such as NULL), without applying sizeof to
 * void (which -pedantic rejects): the inner selection gives the outer default branch a valid
 * operand even when it is not chosen. */
#define AW__OUT_SIZE(out)                                                                          \
    _Generic((out),                                                                                \
        void *: (size_t)0,                                                                         \
        default: sizeof(*_Generic((out), void *: (unsigned char *)0, default: (out))))

/* Pass as `out` to drop an awaited value. */
#define AW_DISCARD ((unsigned char *)0)

/* Declare the async function `name` taking `frame_type *` and its generic step function
 * `name##_step` (the one aw_task_init wants). Define `static aw_status name(frame_type *f)` next.
 *
 * Built by clang for speed (not -Os/-Oz, and AW_NO_INLINE_STEPS not defined), the step function is
 * forced inline wherever it is called directly: above all where a parent starts it
 * (AW_AWAIT_TASK right after aw_task_init, whose store of the step lets the compiler turn the call
 * into a direct one), so a child's first step (up to its first suspension) runs inside its
 * parent's code, and the call, the dispatch and the header traffic between the two fold away
 * (issue 2's benchmark: 562 -> 452 wasm instructions per iteration). The function itself still
 * exists for resumptions (the executor calls it through the header). The cost is code size: a
 * child's first step is copied into every place that starts it, recursively; define
 * AW_NO_INLINE_STEPS to leave the choice to the compiler. GCC is left out: it reports an
 * always-inline call it cannot inline (a recursive async function) as an error.
 */
#if defined(__clang__) && !defined(__OPTIMIZE_SIZE__) && !defined(AW_NO_INLINE_STEPS)
#define AW__STEP_INLINE inline __attribute__((always_inline))
#else
#define AW__STEP_INLINE inline
#endif
#define AW_ASYNC(frame_type, name)                                                                 \
    static aw_status name(frame_type *aw__frame);                                                  \
    static AW__STEP_INLINE aw_status name##_step(aw_task *aw__task)                                \
    {                                                                                              \
        return name((frame_type *)(void *)aw__task);                                               \
    }

/* The resume point of the await being expanded: its rank among the resume points of the step
 * function, from __COUNTER__ (every expansion gets its own, so several awaits may share a line)
 * or, with a compiler that lacks it, from __LINE__ (then one await per line). AW__RP_NEXT must be
 * expanded once per await: the await macros take it as an argument, which the preprocessor
 * expands before substituting it in both places that use it (the store and the case label). */
#ifdef __COUNTER__
#define AW__RP_NEXT __COUNTER__
#else
#define AW__RP_NEXT __LINE__
#endif
#define AW__RP(n) (AW__RESUME_START + (unsigned)(n) - (unsigned)aw__resume_base)

/* No task flag is set where a step starts (aw_task_init cleared them, and nothing can set one
 * before the first step runs: cancelling a task that never ran is refused), nor where an await
 * returns to the code (every take clears the flags it used, and a cancellation requested meanwhile
 * fails the task instead of returning). Telling the compiler lets it drop the flag tests of the
 * next await. AW_DEBUG checks it instead. */
#ifdef AW_DEBUG
#define AW__NO_FLAGS(t) ((t)->flags ? aw__fatal_flags(t) : (void)0)
void aw__fatal_flags(aw_task *t);
#elif defined(__GNUC__) || defined(__clang__)
#define AW__NO_FLAGS(t) ((t)->flags ? __builtin_unreachable() : (void)0)
#else
#define AW__NO_FLAGS(t) ((void)0)
#endif

/* Open the body of a step function; `f` is the frame. */
#define AW_BEGIN(f)                                                                                \
    AW__PROFILE_ENTER(f)                                                                           \
    enum { aw__resume_base = AW__RP_NEXT };                                                        \
    aw__dispatch:                                                                                  \
    switch (AW__TASK(f)->resume) {                                                                 \
    case AW__RESUME_START:                                                                         \
        AW__NO_FLAGS(AW__TASK(f));

/* The shape every await shares: the first half links the task to what it awaits and returns 1
 * when the task must suspend; the resume point's case label follows; the second half takes the
 * outcome and returns 1 when the task must jump to its FINALLY (the error is in task->link). */
#define AW__AWAIT_AT(f, rp, first, second)                                                         \
    do {                                                                                           \
        if (first)                                                                                 \
            return AW_PENDING;                                                                     \
        AW__FALLTHROUGH;                                                                           \
    case rp:                                                                                       \
        if (second)                                                                                \
            goto aw__dispatch;                                                                     \
        AW__NO_FLAGS(AW__TASK(f));                                                                 \
    } while (0)

/*
 * Await `fut` (an aw_future*, consumed). If it completed, copy its value to `out` (a typed pointer
 * whose pointee has exactly the value's size, or NULL/AW_DISCARD; a non-NULL void pointer only
 * fits a value of size 0); if it failed or was cancelled,
 * the function fails with the same error, with this await's function and file:line added to the
 * trace. A finished future does not suspend.
 */
#define AW_AWAIT(f, fut, out) AW_AWAIT_TRY(f, fut, out, (aw_error **)0)

/* Like AW_AWAIT, but a failure is handed to the code: *errp is set to the error (yours to
 * release; its trace has this await added) or to NULL on success. */
#define AW_AWAIT_TRY(f, fut, out, errp) AW__AWAIT_FUT(f, fut, out, errp, AW__RP(AW__RP_NEXT))
#define AW__AWAIT_FUT(f, fut, out, errp, rp)                                                       \
    AW__AWAIT_AT(f, rp, aw__await_fast(AW__TASK(f), (fut), rp),                                    \
                 aw__await_take_fast(AW__TASK(f), (out), AW__OUT_SIZE(out), (errp), rp, AW__SITE))

/*
 * Start the initialised child task `child` (an aw_task*, usually a frame embedded in this one)
 * and await it, without any future: results are read from the child's frame afterwards. A child
 * that finishes in its first step does not suspend the parent; one that finishes later resumes
 * the parent directly (no trip through the ready queue). Its failure propagates as in AW_AWAIT.
 * NULL (a failed aw_task_new) fails with AW_E_NOMEM; a child not freshly initialised, with
 * AW_E_STATE.
 */
#define AW_AWAIT_TASK(f, child) AW_AWAIT_TASK_TRY(f, child, (aw_error **)0)

/* AW_AWAIT_TASK with the error handed to the code in *errp (NULL on success). */
#define AW_AWAIT_TASK_TRY(f, child, errp) AW__AWAIT_CHILD(f, child, errp, AW__RP(AW__RP_NEXT))
#define AW__AWAIT_CHILD(f, child, errp, rp)                                                        \
    AW__AWAIT_AT(f, rp, aw__await_task_fast(AW__TASK(f), (child), rp),                             \
                 aw__await_task_done(AW__TASK(f), (errp), rp, AW__SITE))

/*
 * Await the operation slot `op` (an aw_op*, usually a member of this frame, started by its
 * producer: e.g. `AW_AWAIT_OP(f, aw_sleep_op(&f->op, ns))`). Allocates nothing and does not
 * suspend when the slot already finished. Afterwards the result is in op->value. A failed or
 * cancelled slot fails the function with its error, this await added to the trace, as AW_AWAIT.
 * NULL or a slot never started fails with AW_E_STATE; so does a slot that already has a waiter.
 */
#define AW_AWAIT_OP(f, op) AW_AWAIT_OP_TRY(f, op, (aw_error **)0)

/* AW_AWAIT_OP with a failure handed to the code in *errp (NULL on success; yours to release). */
#define AW_AWAIT_OP_TRY(f, op, errp) AW__AWAIT_SLOT(f, op, errp, AW__RP(AW__RP_NEXT))
#define AW__AWAIT_SLOT(f, op, errp, rp)                                                            \
    AW__AWAIT_AT(f, rp, aw__await_op_fast(AW__TASK(f), (op), rp),                                  \
                 aw__await_op_take_fast(AW__TASK(f), (errp), rp, AW__SITE))

/* Let every other ready task run once, then continue (no future, no allocation). */
#define AW_YIELD(f) AW__YIELD(f, AW__RP(AW__RP_NEXT))
#define AW__YIELD(f, rp)                                                                           \
    AW__AWAIT_AT(f, rp, (aw__yield(AW__TASK(f), rp, AW__SITE), 1),                                 \
                 aw__resumed(AW__TASK(f), AW__SITE))

/* Finish successfully (after FINALLY). */
#define AW_RETURN(f)                                                                               \
    do {                                                                                           \
        aw__task_return(AW__TASK(f));                                                              \
        goto aw__dispatch;                                                                         \
    } while (0)

/* Fail with a new error (after FINALLY); the throw site starts the trace. */
#define AW_THROW(f, kind, message) AW_THROW_CODE(f, kind, 0, message)
#define AW_THROW_CODE(f, kind, code, message)                                                      \
    do {                                                                                           \
        aw__task_throw(AW__TASK(f), aw_error_new((kind), (code), (message)), AW__SITE);            \
        goto aw__dispatch;                                                                         \
    } while (0)

/* Fail with an existing error (its reference is taken over), e.g. one from AW_AWAIT_TRY. */
#define AW_THROW_ERROR(f, err)                                                                     \
    do {                                                                                           \
        aw__task_throw(AW__TASK(f), (err), AW__SITE);                                              \
        goto aw__dispatch;                                                                         \
    } while (0)

/* Start of the section that runs on every path: normal end, AW_RETURN, AW_THROW, a propagated
 * error and cancellation. aw_task_pending_error tells which. */
#define AW_FINALLY(f)                                                                              \
    AW__FALLTHROUGH;                                                                               \
    case AW__RESUME_FINALLY:                                                                       \
        aw__task_enter_finally(AW__TASK(f))

/* Close the body; finishes the task with its pending error, if any. The body falls through to
 * the finish directly; the `default:` catches a resume point no case matched (AW__RESUME_END after
 * FINALLY or AW_RETURN, AW__RESUME_FINALLY in a function without FINALLY, or a stale one, which
 * aw__task_stale reports). */
#define AW_END(f)                                                                                  \
    goto aw__finish;                                                                               \
    default:                                                                                       \
        if ((unsigned)(AW__TASK(f)->resume - AW__RESUME_FINALLY) > 1u &&                           \
            aw__task_stale(AW__TASK(f), AW__SITE))                                                 \
            goto aw__dispatch;                                                                     \
    aw__finish:;                                                                                   \
        }                                                                                          \
        return aw__task_finish_fast(AW__TASK(f))

/* Inside FINALLY: the error the task is about to fail with (NULL on the success path). */
const aw_error *aw_task_pending_error(const aw_task *task);

/* ---------------------------------------------------------------------------------------------
 * Internals of the macros above; not for direct use.
 *
 * The common outcome of every await (a pending future is linked, a completed one is taken, a
 * child runs and finishes or suspends, a finished child resumes its parent) is written inline
 * here so that it compiles into the step function itself: no call, no argument traffic, and
 * constants (value sizes, size classes) folded. Each fast path checks its preconditions and hands
 * every other case (cancellation, FINALLY, failure, NULL, debugging or profiling builds) to the
 * out-of-line function of src/aw/task.c or src/aw/future.c that handles all cases, so the
 * documented behaviour is the same whichever path runs.
 * ------------------------------------------------------------------------------------------- */

/* The out-of-line forms (src/aw/task.c): they handle every case. */
int aw__await_take(aw_task *task, void *out, size_t out_size, aw_error **errp, const char *func,
                   const char *file, uint32_t line);
int aw__await_task_take(aw_task *task, aw_error **errp, const char *func, const char *file,
                        uint32_t line);
int aw__await_op(aw_task *task, aw_op *op);
int aw__await_op_take(aw_task *task, aw_error **errp, const char *func, const char *file,
                      uint32_t line);
void aw__yield(aw_task *task, unsigned rp, const char *func, const char *file, uint32_t line);
int aw__resumed(aw_task *task, const char *func, const char *file, uint32_t line);
void aw__task_return(aw_task *task);
void aw__task_throw(aw_task *task, aw_error *err, const char *func, const char *file,
                    uint32_t line);
void aw__task_enter_finally(aw_task *task);
int aw__task_stale(aw_task *task, const char *func, const char *file, uint32_t line);
aw_status aw__task_finish(aw_task *task);

#ifdef AW_PROFILE
void aw__profile_enter(const char *func);
aw_status aw__task_run_profiled(aw_task *task);
#define AW__PROFILE_ENTER(f) aw__profile_enter(__func__);
#else
#define AW__PROFILE_ENTER(f)
#endif

/* Which member of aw_task.cont is live (aw_task.cont_kind). */
#define AW__CONT_NONE   0 /* detached (aw_spawn), or an internal waiter */
#define AW__CONT_PARENT 1 /* awaited by a parent task (AW_AWAIT_TASK) */
#define AW__CONT_FUTURE 2 /* completes a future (aw_task_start) */
#define AW__CONT_DONE   3 /* calls a done callback (aw_task_run_cb) */

/*
 * A future (opaque to users: use the functions above). Invariants: the waiters are the list
 * `head` .. `tail` linked through aw_task.link.next, the last one holding the future itself tagged
 * AW__WAIT_TAIL, so that a waiter finds its future by walking to the end (`tail` is meaningful
 * only while `head` is not NULL); the list is non-empty only while PENDING, or once finished until
 * the executor runs the future's node in the ready queue (the waiters keep the state WAITING
 * meanwhile, and the node leaves the queue with the last of them if they are all cancelled);
 * every waiting task holds one of the `refs`; `error` is set exactly when FAILED or CANCELLED;
 * `hook` is cleared when the future finishes (`hook_data` is meaningful only while `hook` is set;
 * `ready_next` shares its place). The value (`size` bytes) follows the header at AW__FUT_HDR,
 * 16-byte aligned.
 */
struct aw_future {
    aw_task *head, *tail; /* waiters in arrival order */
    aw_error *error;      /* failed / cancelled: the error */
    aw_cancel_hook hook;  /* producer's cancel hook (pending only) */
    union {
        void *hook_data;      /* the hook's argument (pending only) */
        uintptr_t ready_next; /* finished with waiters: its next node in the ready queue */
    };
    union {
        size_t timer_index; /* timer futures: position in the heap */
        const void *result; /* task futures: where the task's result is read from */
    } p;
    uint32_t size; /* value size */
    uint32_t refs; /* references */
    uint8_t state; /* aw_future_state */
    uint8_t pool;  /* size class of its block, AW__POOL_CLASSES when not pooled */
#ifdef AW_DEBUG
    const char *file; /* creation site (aw__debug_site), or NULL */
    int line;
    aw_future *dbg_prev, *dbg_next; /* list of live futures */
#endif
};

#define AW__ALIGN        16u
#define AW__ROUND(n)     (((n) + (AW__ALIGN - 1)) & ~(size_t)(AW__ALIGN - 1))
#define AW__FUT_HDR      AW__ROUND(sizeof(struct aw_future))
#define AW__FUT_VALUE(f) ((unsigned char *)(f) + AW__FUT_HDR)
#define AW__POOL_CLASSES 32 /* pooled block sizes 16, 32, ..., 512 bytes */

/* One queued aw_call_soon callback. */
typedef struct aw__soon {
    void (*fn)(void *arg);
    void *arg;
} aw__soon;

/* The executor state the inline paths touch (the rest is in src/aw/internal.h). */
typedef struct aw__hot_state {
    uintptr_t ready_head;  /* the ready queue (FIFO) of nodes (AW__NODE_*), 0 when empty */
    uintptr_t *ready_link; /* where the next node goes: &ready_head or the last node's link */
    aw__soon *soon;        /* ring of queued callbacks: soon_len from soon_head */
    size_t soon_cap;       /* a power of two, or 0 before the first callback */
    size_t soon_head, soon_len;
    size_t steps;                 /* steps started from outside a step (aw_stats.steps) */
    size_t futures_live;          /* futures allocated and not returned (aw_stats) */
    long fail_allocs_after;       /* tests: refuse every allocation after this many (-1: never) */
    int in_step;                  /* a step function or the ready queue's run is on the C stack */
    uint8_t in_turn;              /* inside aw_drain/aw_poll */
    uint8_t now_valid;            /* the clock was read in this turn (src/aw/internal.h: now) */
    uint8_t timers_armed;         /* a timer may be pending, or the backend was last armed with a
                                     deadline: aw_drain must check the timers and arm (cleared by
                                     aw_drain when it armed "no deadline") */
    void *pool[AW__POOL_CLASSES]; /* free lists of blocks by size class */
} aw__hot_state;

extern aw__hot_state aw__hot;

/* The fast paths are forced inline (clang's -O2 heuristics would otherwise keep the larger ones
 * as calls); builds optimising for size (-Os, -Oz: canisters) leave the choice to the compiler. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define AW__HOT static inline __attribute__((always_inline))
#else
#define AW__HOT static inline
#endif

/* Copy a value of n bytes: the usual small sizes without a call to memcpy. */
AW__HOT void aw__copy(void *dst, const void *src, size_t n)
{
    switch (n) {
    case 0:
        break;
    case 4:
        __builtin_memcpy(dst, src, 4);
        break;
    case 8:
        __builtin_memcpy(dst, src, 8);
        break;
    case 16:
        __builtin_memcpy(dst, src, 16);
        break;
    default:
        __builtin_memcpy(dst, src, n);
        break;
    }
}

/* Run one step of `t` (state becomes RUNNING); returns what the step returned (AW_DONE: `t`
 * finished in it). The caller must not touch `t` afterwards unless it knows the frame outlives
 * the step. */
AW__HOT aw_status aw__task_run(aw_task *t)
{
#ifdef AW_PROFILE
    return aw__task_run_profiled(t);
#else
    t->state = AW_TASK_RUNNING;
    return t->step(t);
#endif
}

/* Resume `t`, suspended at an await of a child (WAITING_TASK) or of a slot (WAITING_OP), without
 * writing its state: the first thing its step does is to take the outcome of that await, and
 * every take (inline or out of line) writes RUNNING itself, in the same store as the flags. So
 * does every other place a step can resume at (a stale resume point). */
AW__HOT aw_status aw__task_resume(aw_task *t)
{
#ifdef AW_PROFILE
    return aw__task_run_profiled(t);
#else
    return t->step(t);
#endif
}

/*
 * The ready queue holds nodes: a task (AW_YIELD), a future that finished with waiters (its waiter
 * list runs in order: one node for any number of waiters, so a completion stays O(1)), or an
 * operation slot finished inside a step (its waiter runs). A node is the object's address with
 * its kind in the low two bits (every one of them is at least 4-byte aligned); `next` is the
 * object's field that links it to the following node (aw_task.link.node, aw_future.ready_next,
 * aw_op.aw__next).
 */
#define AW__NODE_FUT  0u /* the common node: untagged */
#define AW__NODE_TASK 1u
#define AW__NODE_OP   2u
#define AW__NODE_MASK ((uintptr_t)3u)
/* The tag of the future at the end of a waiter list (aw_task.link.node of the last waiter). */
#define AW__WAIT_TAIL 1u

/* Append `node`, whose link field is `*next`, to the ready queue. */
AW__HOT void aw__ready_append(uintptr_t node, uintptr_t *next)
{
    *next = 0;
    *aw__hot.ready_link = node;
    aw__hot.ready_link = next;
}

/* Queue the waiters of `fut`, which just finished with at least one: the future joins the ready
 * queue as one node. Its waiters keep it alive (each holds a reference); aw_task_cancel takes the
 * node out again when it cancels the last of them before the executor got there. */
AW__HOT void aw__future_queue(aw_future *fut)
{
    aw__ready_append((uintptr_t)fut | AW__NODE_FUT, &fut->ready_next);
}

/* A new block becomes a pending future with one reference and no waiter, error or hook (tail
 * and hook_data are meaningful only once head and hook are set). */
AW__HOT void aw__future_init(aw_future *fut, size_t value_size)
{
    fut->head = NULL;
    fut->error = NULL;
    fut->hook = NULL;
    fut->size = (uint32_t)value_size;
    fut->refs = 1;
    fut->state = AW_FUTURE_PENDING;
#ifdef AW_NO_POOL
    fut->pool = AW__POOL_CLASSES;
#else
    fut->pool = (uint8_t)(value_size <= AW__POOL_CLASSES * 16u - AW__FUT_HDR
                              ? (AW__FUT_HDR + value_size - 1) / 16u
                              : AW__POOL_CLASSES);
#endif
    aw__hot.futures_live++;
}

/* aw_future_new: a pooled block of a class known at compile time when the size is constant. */
AW__HOT aw_future *aw__future_new_fast(size_t value_size)
{
#if !defined(AW_NO_POOL) && !defined(AW_DEBUG)
    if (value_size <= AW__POOL_CLASSES * 16u - AW__FUT_HDR) {
        size_t c = (AW__FUT_HDR + value_size - 1) / 16u;
        aw_future *fut = (aw_future *)aw__hot.pool[c];
        if (fut && aw__hot.fail_allocs_after < 0) {
            aw__hot.pool[c] = *(void **)fut;
            aw__future_init(fut, value_size);
            return fut;
        }
    }
#endif
    return (aw_future_new)(value_size);
}

AW__HOT aw_future *aw__future_retain_fast(aw_future *fut)
{
    if (fut)
        fut->refs++;
    return fut;
}

/* Out of line: return a future whose last reference went (src/aw/future.c). */
void aw__future_free(aw_future *fut);

AW__HOT void aw__future_release_fast(aw_future *fut)
{
    if (!fut || --fut->refs)
        return;
#if !defined(AW_NO_POOL) && !defined(AW_DEBUG)
    if (!fut->error && fut->pool < AW__POOL_CLASSES) {
        *(void **)fut = aw__hot.pool[fut->pool];
        aw__hot.pool[fut->pool] = fut;
        aw__hot.futures_live--;
        return;
    }
#endif
    aw__future_free(fut);
}

/* aw_future_complete: the pending, right-size case inline; the waiters join the ready queue. */
AW__HOT int aw__future_complete_fast(aw_future *fut, const void *value, size_t size)
{
#ifndef AW_DEBUG
    if (fut && fut->state == AW_FUTURE_PENDING && size == fut->size) {
        aw__copy(AW__FUT_VALUE(fut), value, size);
        fut->state = AW_FUTURE_COMPLETED;
        fut->hook = NULL;
        if (fut->head)
            aw__future_queue(fut);
        return 0; /* AW_OK */
    }
#endif
    return (aw_future_complete)(fut, value, size);
}

/* AW_AWAIT, first half: link the task to a pending future (returns 1: suspend) or note a finished
 * one (returns 0: take it now). Inside FINALLY or with a cancellation requested it only notes the
 * future: the second half aborts (FINALLY) or fails the task. */
AW__HOT int aw__await_fast(aw_task *task, aw_future *fut, unsigned rp)
{
    task->link.future = fut;
    if ((task->flags & (AW__TF_IN_FINALLY | AW__TF_CANCEL_REQ)) || !fut ||
        fut->state != AW_FUTURE_PENDING)
        return 0;
    task->link.node = (uintptr_t)fut | AW__WAIT_TAIL;
    if (fut->head)
        fut->tail->link.next = task;
    else
        fut->head = task;
    fut->tail = task;
    /* one store: no flag can be set here (checked above) */
    task->resume = (uint16_t)rp;
    task->flags = 0;
    task->state = AW_TASK_WAITING;
    return 1;
}

/* AW_AWAIT, second half: a completed future's value copied out and the future released. */
AW__HOT int aw__await_take_fast(aw_task *task, void *out, size_t out_size, aw_error **errp,
                                unsigned rp, const char *func, const char *file, uint32_t line)
{
    aw_future *fut = task->link.future;
    if (fut && fut->state == AW_FUTURE_COMPLETED &&
        !(task->flags & (AW__TF_IN_FINALLY | AW__TF_CANCEL_REQ)) &&
        (!out || out_size == fut->size)) {
        /* one store on wasm32: link, resume (unchanged), flags (none is set) and state */
        task->link.future = NULL;
        task->resume = (uint16_t)rp;
        task->flags = 0;
        task->state = AW_TASK_RUNNING;
        if (errp)
            *errp = NULL;
        if (out)
            aw__copy(out, AW__FUT_VALUE(fut), out_size);
        aw__future_release_fast(fut);
        return 0;
    }
    return aw__await_take(task, out, out_size, errp, func, file, line);
}

/* AW_AWAIT_TASK, first half: start the child; returns 1 when it suspended (so must the parent).
 * A child that cannot start (NULL, not freshly initialised, FINALLY, a cancellation request) is
 * only noted, without the LINK_CHILD flag: the second half reports why. */
AW__HOT int aw__await_task_fast(aw_task *task, aw_task *child, unsigned rp)
{
    task->link.child = child;
    if ((task->flags & (AW__TF_IN_FINALLY | AW__TF_CANCEL_REQ)) || !child ||
        child->state != AW_TASK_INIT || !child->step)
        return 0;
    /* one store for the parent (no other flag can be set here: checked above), one for the
     * child's state and continuation kind; the child learns its parent only if the parent
     * suspends (a NULL parent: the parent is running and sees AW_DONE returned) */
    task->resume = (uint16_t)rp;
    task->flags = AW__TF_LINK_CHILD;
    task->state = AW_TASK_RUNNING;
    child->state = AW_TASK_RUNNING;
    child->cont_kind = AW__CONT_PARENT;
#ifdef AW_PROFILE
    aw_status st = aw__task_run_profiled(child);
#else
    aw_status st = child->step(child);
#endif
    /* one test: the child finished (AW_DONE), or a cancellation was requested meanwhile */
    if ((unsigned)st | (task->flags & AW__TF_CANCEL_REQ))
        return 0;
    child->cont.parent = task;
    task->state = AW_TASK_WAITING_TASK;
    return 1;
}

/* AW_AWAIT_TASK, second half: the common outcome (the child finished without error). With only
 * LINK_CHILD set (no cancellation request) the parent gets here only once the child is DONE: it
 * continues after a child that finished in its first step, or the child's finish resumes it. */
AW__HOT int aw__await_task_done(aw_task *task, aw_error **errp, unsigned rp, const char *func,
                                const char *file, uint32_t line)
{
    aw_task *child = task->link.child;
    if (task->flags == AW__TF_LINK_CHILD && !child->link.error) {
        task->link.child = NULL;
        task->resume = (uint16_t)rp;
        task->flags = 0;
        task->state = AW_TASK_RUNNING;
        if (errp)
            *errp = NULL;
        return 0;
    }
    return aw__await_task_take(task, errp, func, file, line);
}

/* AW_AWAIT_OP, first half: become the slot's waiter (returns 1: suspend) or note a finished slot
 * (returns 0: take it now). */
AW__HOT int aw__await_op_fast(aw_task *task, aw_op *op, unsigned rp)
{
    task->link.op = op;
    if ((task->flags & (AW__TF_IN_FINALLY | AW__TF_CANCEL_REQ)) || !op || op->waiter)
        return aw__await_op(task, op);
    if (op->state != AW_OP_PENDING) {
        task->flags = AW__TF_LINK_OP; /* no other flag can be set here (checked above) */
        return 0;
    }
    op->waiter = task;
    /* one store */
    task->resume = (uint16_t)rp;
    task->flags = AW__TF_LINK_OP;
    task->state = AW_TASK_WAITING_OP;
    return 1;
}

/* AW_AWAIT_OP, second half: the common outcome (completed, no cancellation). */
AW__HOT int aw__await_op_take_fast(aw_task *task, aw_error **errp, unsigned rp, const char *func,
                                   const char *file, uint32_t line)
{
    if (task->flags == AW__TF_LINK_OP && task->link.op->state == AW_OP_COMPLETED) {
        task->link.op = NULL;
        task->resume = (uint16_t)rp;
        task->flags = 0;
        task->state = AW_TASK_RUNNING;
        if (errp)
            *errp = NULL;
        return 0;
    }
    return aw__await_op_take(task, errp, func, file, line);
}

/* Resume the waiter of `op`, a slot which just finished: at once when no step is running, queued
 * otherwise (out of line, src/aw/op.c). */
void aw__op_wake(aw_op *op);

/* aw_op_complete: the pending case inline. */
AW__HOT int aw__op_complete_fast(aw_op *op)
{
    if (!op || op->state != AW_OP_PENDING)
        return (aw_op_complete)(op);
    aw_task *w = op->waiter;
    op->state = AW_OP_COMPLETED;
    if (w) {
        if (!aw__hot.in_step) {
            aw__hot.in_step = 1;
            aw__hot.steps++;
            aw__task_resume(w);
            aw__hot.in_step = 0;
        } else {
            aw__op_wake(op);
        }
    }
    return 0; /* AW_OK */
}

/* AW_END: a child awaited by its parent finishes, and the suspended parent resumes at once as the
 * continuation of this step (nothing touches this frame afterwards, so the parent may reuse it for
 * its next child). Other continuations go through aw__task_finish. */
AW__HOT aw_status aw__task_finish_fast(aw_task *task)
{
#ifndef AW_DEBUG
    if (task->cont_kind == AW__CONT_PARENT) {
        aw_task *parent = task->cont.parent;
        task->state = AW_TASK_DONE;
        if (parent)
            aw__task_resume(parent);
        return AW_DONE;
    }
#endif
    return aw__task_finish(task);
}

/* ---------------------------------------------------------------------------------------------
 * Executor and timers
 * ------------------------------------------------------------------------------------------- */

/* The backend's clock in nanoseconds (monotonic natively and on WASI; ic0.time on the IC). */
uint64_t aw_now(void);

/* A future (no value) completed `ns` nanoseconds from now / at `deadline` (aw_now() scale), by
 * the timer heap. Inside an executor turn "now" is the time the turn read once (as in libuv), so
 * sleeps started in one turn share their base. Timers fire in deadline order, equal deadlines in
 * creation order; sleep(0) completes on the next turn. Cancelling the future removes the timer.
 * NULL when memory runs out. */
aw_future *aw_sleep(uint64_t ns);
aw_future *aw_sleep_until(uint64_t deadline);

/* The same timers for an operation slot: start `op` (a slot in the caller's frame) and complete
 * it after `ns` nanoseconds / at `deadline`, with no allocation beyond the timer heap's growth.
 * Await it with AW_AWAIT_OP; cancelling the waiting task removes the timer. When the heap cannot
 * grow, the slot is failed with the out-of-memory error. Returns `op` (NULL for NULL). */
aw_op *aw_sleep_op(aw_op *op, uint64_t ns);
aw_op *aw_sleep_until_op(aw_op *op, uint64_t deadline);

/* A future (no value) completed on the next turn of the executor, after the tasks ready now. */
aw_future *aw_yield(void);

/* Run fn(arg) on the next turn, from the executor (never inside this call): callbacks run in the
 * order they were queued, after the tasks that are ready when the executor reaches them. Returns
 * AW_OK, AW_ERR_INVALID when fn is NULL, or AW_ERR_NOMEM (then fn is never called). Queuing
 * allocates nothing except when the queue grows past its largest size so far. */
int aw_call_soon(void (*fn)(void *arg), void *arg);

/*
 * Run every ready task and every expired timer until the ready queue is empty, then tell the
 * backend the next timer deadline (on the IC: ic0.global_timer_set). Never blocks. Returns the
 * number of steps run. The IC backend's entry points and callbacks call this before returning.
 */
size_t aw_drain(void);

/* Nonzero while anything could still happen: ready tasks, timers, or watched fds. */
int aw_has_pending(void);

#if defined(AW_BACKEND_IC) && AW_BACKEND_IC
#if defined(__clang__)
#define AW__BLOCKING __attribute__((unavailable("blocking is impossible on the IC: use aw_drain")))
#endif
#else
#define AW__BLOCKING
#endif

#ifdef AW__BLOCKING
/*
 * One turn of a blocking executor: drain, then wait up to `timeout_ns` (negative: until the next
 * timer or fd event; 0: do not wait) for fds and timers, then drain again. Returns the number of
 * steps and events, or AW_ERR_IO when the backend's wait failed.
 */
int aw_poll(int64_t timeout_ns) AW__BLOCKING;

/* Turn the executor until nothing is pending. Returns AW_OK or AW_ERR_IO. */
int aw_run(void) AW__BLOCKING;

/* Turn the executor for ever (returns only on AW_ERR_IO). */
int aw_run_forever(void) AW__BLOCKING;

/*
 * Turn the executor until `fut` finished (Nim's waitFor). Does not consume `fut`. Returns AW_OK
 * when it completed, AW_ERR_CANCELLED when cancelled, AW_ERR_STATE when it failed (read
 * aw_future_error) or when nothing pending could ever finish it, AW_ERR_IO on a backend failure.
 */
int aw_wait_for(aw_future *fut) AW__BLOCKING;
#endif

/* ---------------------------------------------------------------------------------------------
 * Combinators. None of them consumes the caller's references to its inputs; each returns a new
 * future (NULL when memory runs out). Cancelling a combinator's future cancels its pending inputs.
 * ------------------------------------------------------------------------------------------- */

/* Completes when all inputs completed, with their values concatenated in input order (for n
 * inputs of type T: a T[n]). Fails as soon as one input fails, with that error; the other pending
 * inputs are then cancelled. n == 0 completes at once with no value. */
aw_future *aw_all(aw_future *const *futs, size_t n);

/* Completes with the uint32_t index of the first input to finish, or fails with its error if it
 * failed. Losers are left alone (cancel or release them yourself). n == 0: fails AW_E_STATE. */
aw_future *aw_race(aw_future *const *futs, size_t n);

/* Completes with the uint32_t index of the first input to complete successfully; fails only when
 * every input failed, with the last error. Losers are left alone. n == 0: fails AW_E_STATE. */
aw_future *aw_any(aw_future *const *futs, size_t n);

/* aw_all of two (values concatenated) and aw_race of two (index 0 or 1). */
aw_future *aw_and(aw_future *a, aw_future *b);
aw_future *aw_or(aw_future *a, aw_future *b);

/* Completes with `fut`'s value (same size) or fails with its error; if `ns` nanoseconds pass
 * first, fails with AW_E_TIMEOUT and cancels `fut` (the loser is cancelled, not detached). */
aw_future *aw_with_timeout(aw_future *fut, uint64_t ns);

/* ---------------------------------------------------------------------------------------------
 * Channels: FIFO queues of fixed-size elements between tasks.
 * ------------------------------------------------------------------------------------------- */

typedef struct aw_channel aw_channel;

/* A channel of elements of `elem_size` bytes (> 0) buffering up to `capacity` of them (0: a send
 * waits for a receiver). NULL when memory runs out or elem_size is 0. */
aw_channel *aw_channel_new(size_t elem_size, size_t capacity);

/* A future (no value) that completes once `elem` (copied now) is buffered or handed to a
 * receiver, in send order; fails AW_E_CHANNEL_CLOSED if the channel is or gets closed first. */
aw_future *aw_channel_send(aw_channel *ch, const void *elem);

/* A future with the next element (elem_size bytes), in order among receivers; after close it still
 * yields buffered elements, then fails AW_E_CHANNEL_CLOSED. */
aw_future *aw_channel_recv(aw_channel *ch);

/* Close: pending senders and receivers fail with AW_E_CHANNEL_CLOSED. Returns AW_OK, or
 * AW_ERR_STATE when already closed. */
int aw_channel_close(aw_channel *ch);

/* Number of buffered elements. */
size_t aw_channel_len(const aw_channel *ch);

/* Close if needed and free the channel. NULL is ignored. */
void aw_channel_free(aw_channel *ch);

/* ---------------------------------------------------------------------------------------------
 * Statistics, debugging and profiling
 * ------------------------------------------------------------------------------------------- */

typedef struct aw_stats {
    uint64_t mallocs;      /* calls the core made to malloc/realloc */
    uint64_t frees;        /* calls the core made to free */
    uint64_t futures_live; /* futures allocated and not yet returned to the pools */
    uint64_t steps;        /* steps run by the executor, the task starters (aw_spawn, ...),
                              aw_task_cancel and slot completions; a child started by
                              AW_AWAIT_TASK, or a parent its finishing child resumes, runs inside
                              such a step and is not counted again */
    uint64_t ready_max;    /* most tasks run in one pass over the ready queue */
} aw_stats;

/* Copy the counters into *out. */
void aw_stats_get(aw_stats *out);

/*
 * Print the futures still pending with the source line that created them (needs a build with
 * -DAW_DEBUG) to the backend log and return how many are pending. Without AW_DEBUG it prints and
 * returns the number of live futures (pending or not) instead.
 */
size_t aw_debug_dump_pending(void);

/* Print the profile table (needs -DAW_PROFILE): per async function its resumes and the time spent
 * in its steps (inclusive of children started synchronously). Returns the number of rows. */
size_t aw_profile_report(void);

/*
 * Release every pooled block back to malloc (the pools refill on demand). For leak checkers and
 * tests; call it only when nothing is pending.
 */
void aw_trim(void);

/* aw_call_soon: one store into the ring while it has room. */
AW__HOT int aw__call_soon_fast(void (*fn)(void *arg), void *arg)
{
    if (fn && aw__hot.soon_len < aw__hot.soon_cap) {
        aw__soon *slot =
            &aw__hot.soon[(aw__hot.soon_head + aw__hot.soon_len) & (aw__hot.soon_cap - 1)];
        slot->fn = fn;
        slot->arg = arg;
        aw__hot.soon_len++;
        return 0; /* AW_OK */
    }
    return (aw_call_soon)(fn, arg);
}

/* Run the callbacks queued now, in order (those they queue wait for the next round); returns how
 * many ran. Callbacks may queue more and so grow the ring: its fields are re-read after each. */
AW__HOT size_t aw__soon_run_queued(void)
{
    size_t n = aw__hot.soon_len;
    for (size_t i = 0; i < n; i++) {
        aw__soon cb = aw__hot.soon[aw__hot.soon_head];
        aw__hot.soon_head = (aw__hot.soon_head + 1) & (aw__hot.soon_cap - 1);
        aw__hot.soon_len--;
        cb.fn(cb.arg);
    }
    return n;
}

/* The rest of an executor turn once aw_drain started it (src/aw/loop.c): timers, ready tasks and
 * callbacks until none is left, then the backend's deadline. `outer`: the turn ends here. */
size_t aw__drain_turn(int outer);

/* aw_drain: a turn with callbacks only (no ready task, no timer pending, no deadline armed, not
 * inside another turn or a step) runs the callbacks queued now inline and, when they left nothing
 * behind (no task, callback or timer), ends without reading the clock or calling the backend: the
 * deadline it would arm is "none", as it already is. Anything else continues in aw__drain_turn,
 * so the order (ready tasks, then the callbacks queued so far, and again) is the same. */
AW__HOT size_t aw__drain_fast(void)
{
    if (aw__hot.ready_head || !aw__hot.soon_len || aw__hot.in_step || aw__hot.in_turn ||
        aw__hot.timers_armed)
        return (aw_drain)();
    aw__hot.in_turn = 1;
    aw__hot.now_valid = 0;
    aw__hot.in_step = 1; /* slots finished by the callbacks queue their waiters */
    size_t n = aw__soon_run_queued();
    aw__hot.in_step = 0;
    if (aw__hot.ready_head || aw__hot.soon_len || aw__hot.timers_armed)
        return n + aw__drain_turn(1);
    aw__hot.in_turn = 0;
    return n;
}

#ifndef AW_DEBUG
/* The hot future operations compile inline (see aw__future_new_fast above); the functions of the
 * same names still exist, for their addresses and for the cases the fast paths hand on. */
#define aw_future_new(size)                  aw__future_new_fast(size)
#define aw_future_retain(fut)                aw__future_retain_fast(fut)
#define aw_future_release(fut)               aw__future_release_fast(fut)
#define aw_future_complete(fut, value, size) aw__future_complete_fast(fut, value, size)
#define aw_call_soon(fn, arg)                aw__call_soon_fast(fn, arg)
#define aw_op_complete(op)                   aw__op_complete_fast(op)
#ifndef __OPTIMIZE_SIZE__
/* (not in builds for size: the canisters drain from one place, rarely with callbacks only) */
#define aw_drain() aw__drain_fast()
#endif
#endif

#ifdef AW_DEBUG
/* With AW_DEBUG, the constructors record the caller's file:line for aw_debug_dump_pending. */
void aw__debug_site(const char *file, int line);
#define AW__AT(call)           (aw__debug_site(__FILE__, __LINE__), call)
#define aw_future_new(size)    AW__AT(aw_future_new(size))
#define aw_sleep(ns)           AW__AT(aw_sleep(ns))
#define aw_sleep_until(d)      AW__AT(aw_sleep_until(d))
#define aw_yield()             AW__AT(aw_yield())
#define aw_task_start(t, r, s) AW__AT(aw_task_start(t, r, s))
#define aw_channel_send(c, e)  AW__AT(aw_channel_send(c, e))
#define aw_channel_recv(c)     AW__AT(aw_channel_recv(c))
#endif

#ifdef __cplusplus
}
#endif

#endif
