/*
 * test_op.c - behaviour of operation slots (aw_op, AW_AWAIT_OP): the allocation-free awaitable.
 *
 * Covers where the waiter resumes (inside aw_op_complete outside a step, queued inside one),
 * values, failures with their traces, AW_AWAIT_OP_TRY, cancellation in both directions (the task
 * cancelled: the producer's hook runs before FINALLY; the slot cancelled: the task fails),
 * misuse (a slot never started, a second waiter, a stale resume point), the timer and fd
 * producers, and that awaiting a slot allocates nothing. Built like test_core.c: natively with
 * clang, gcc, ASan+UBSan and AW_DEBUG, and for wasm32-wasi (the pipe test is native only: WASI
 * has no pipe(2)).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifndef __wasi__
#include <unistd.h>
#endif

#include "asyncwasm/aw.h"
#include "../harness.h"

#define MS 1000000ull

/* Start a task with a done callback that keeps its error (in got_err) for the checks. */
static aw_error *got_err;
static int got_done;

static void on_done(aw_task *task, const aw_error *err)
{
    (void)task;
    got_done++;
    got_err = err ? aw_error_retain((aw_error *)(uintptr_t)err) : NULL;
}

static void start(aw_task *task)
{
    aw_error_release(got_err);
    got_err = NULL;
    got_done = 0;
    T_EQ_INT(aw_task_run_cb(task, on_done), AW_OK);
}

/* A producer for the tests: remembers the slots it started; its cancel hook counts calls. */
static aw_op *dev_pending;
static int dev_cancels;

static void dev_cancel(aw_op *op)
{
    T_CHECK(op == dev_pending);
    dev_pending = NULL;
    dev_cancels++;
}

static aw_op *dev_start(aw_op *op)
{
    dev_pending = aw_op_start(op, dev_cancel);
    return op;
}

/* Complete the device's pending slot with `v`. */
static int dev_complete(int64_t v)
{
    aw_op *op = dev_pending;
    dev_pending = NULL;
    op->value.i64 = v;
    return aw_op_complete(op);
}

static void dev_reset(void)
{
    dev_pending = NULL;
    dev_cancels = 0;
}

/* Awaits the device once, records the value; FINALLY counts its runs. */
typedef struct reader {
    aw_task task;
    aw_op op;
    int64_t value;
    int finally_runs;
} reader;

AW_ASYNC(reader, reader_run)
static aw_status reader_run(reader *f)
{
    AW_BEGIN(f);
    AW_AWAIT_OP(f, dev_start(&f->op));
    f->value = f->op.value.i64;
    AW_FINALLY(f);
    f->finally_runs++;
    AW_END(f);
}

static void test_completion_outside_a_step_resumes_the_waiter_at_once(void)
{
    dev_reset();
    reader r = {0};
    start(aw_task_init(&r.task, reader_run_step));
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_WAITING_OP);
    T_EQ_INT(aw_op_state_of(&r.op), AW_OP_PENDING);
    T_EQ_INT(dev_complete(42), AW_OK);
    /* no aw_drain: the task ran inside aw_op_complete */
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_DONE);
    T_CHECK(got_err == NULL);
    T_EQ_INT(r.value, 42);
    T_EQ_INT(r.finally_runs, 1);
    T_EQ_INT(aw_op_state_of(&r.op), AW_OP_COMPLETED);
    T_EQ_INT(aw_op_complete(&r.op), AW_ERR_STATE);
}

/* Completes another task's slot from inside its own step. */
typedef struct completer {
    aw_task task;
    reader *target;
    int target_state_after;
} completer;

AW_ASYNC(completer, completer_run)
static aw_status completer_run(completer *f)
{
    AW_BEGIN(f);
    T_EQ_INT(dev_complete(7), AW_OK);
    f->target_state_after = aw_task_state_of(&f->target->task);
    AW_END(f);
}

static void test_completion_inside_a_step_queues_the_waiter(void)
{
    dev_reset();
    reader r = {0};
    completer c = {0};
    c.target = &r;
    start(aw_task_init(&r.task, reader_run_step));
    aw_spawn(aw_task_init(&c.task, completer_run_step));
    T_EQ_INT(aw_task_state_of(&c.task), AW_TASK_DONE);
    T_EQ_INT(c.target_state_after, AW_TASK_WAITING_OP); /* not run inside the completer */
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_WAITING_OP);
    T_EQ_INT(aw_drain(), 1);
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_DONE);
    T_EQ_INT(r.value, 7);
}

static void test_failed_slot_fails_the_task_with_the_await_in_the_trace(void)
{
    dev_reset();
    reader r = {0};
    start(aw_task_init(&r.task, reader_run_step));
    aw_op *op = dev_pending;
    dev_pending = NULL;
    T_EQ_INT(aw_op_fail(op, aw_error_new(AW_E_IO, 5, "device broke")), AW_OK);
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_DONE);
    const aw_error *err = got_err;
    T_CHECK(err != NULL);
    T_EQ_INT(aw_error_kind_of(err), AW_E_IO);
    T_EQ_INT(aw_error_code(err), 5);
    T_EQ_STR(aw_error_message(err), "device broke");
    T_EQ_INT(aw_error_trace_len(err), 1);
    T_EQ_STR(aw_error_trace_at(err, 0)->func, "reader_run");
    T_CONTAINS(aw_error_trace_at(err, 0)->file, "test_op.c");
    T_EQ_INT(r.finally_runs, 1);
    T_EQ_INT(aw_op_fail(op, aw_error_new(AW_E_IO, 0, "again")), AW_ERR_STATE);
}

/* AW_AWAIT_OP_TRY: the error is handed to the code. */
typedef struct trier {
    aw_task task;
    aw_op op;
    int kind;
    char message[32];
} trier;

AW_ASYNC(trier, trier_run)
static aw_status trier_run(trier *f)
{
    aw_error *err;
    AW_BEGIN(f);
    AW_AWAIT_OP_TRY(f, dev_start(&f->op), &err);
    f->kind = err ? aw_error_kind_of(err) : -1;
    if (err) {
        strncpy(f->message, aw_error_message(err), sizeof f->message - 1);
        aw_error_release(err);
    }
    AW_END(f);
}

static void test_try_hands_the_error_to_the_code(void)
{
    dev_reset();
    trier t = {0};
    start(aw_task_init(&t.task, trier_run_step));
    aw_op *op = dev_pending;
    dev_pending = NULL;
    aw_op_fail(op, aw_error_new(AW_E_TIMEOUT, 0, "too slow"));
    T_EQ_INT(aw_task_state_of(&t.task), AW_TASK_DONE);
    T_CHECK(got_err == NULL);
    T_EQ_INT(t.kind, AW_E_TIMEOUT);
    T_EQ_STR(t.message, "too slow");

    dev_reset();
    trier ok = {0};
    aw_spawn(aw_task_init(&ok.task, trier_run_step));
    dev_complete(1);
    T_EQ_INT(ok.kind, -1);
}

static void test_cancelling_the_task_runs_the_producer_hook_then_finally(void)
{
    dev_reset();
    reader r = {0};
    start(aw_task_init(&r.task, reader_run_step));
    aw_op *op = dev_pending;
    T_EQ_INT(aw_task_cancel(&r.task), AW_OK);
    T_EQ_INT(dev_cancels, 1);
    T_CHECK(dev_pending == NULL);
    T_EQ_INT(r.finally_runs, 1);
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_DONE);
    T_EQ_INT(aw_error_kind_of(got_err), AW_E_CANCELLED);
    T_EQ_INT(aw_op_state_of(op), AW_OP_CANCELLED);
    T_EQ_INT(aw_op_complete(op), AW_ERR_STATE); /* a late producer is told, nothing runs */
    T_EQ_INT(r.finally_runs, 1);
}

static void test_cancelling_a_queued_waiter_drops_the_result(void)
{
    dev_reset();
    reader r = {0};
    completer c = {0};
    c.target = &r;
    start(aw_task_init(&r.task, reader_run_step));
    aw_spawn(aw_task_init(&c.task, completer_run_step)); /* r is now in the ready queue */
    T_EQ_INT(aw_task_cancel(&r.task), AW_OK);
    T_EQ_INT(dev_cancels, 0); /* the slot had finished: no hook */
    T_EQ_INT(r.finally_runs, 1);
    T_EQ_INT(r.value, 0);
    T_EQ_INT(aw_error_kind_of(got_err), AW_E_CANCELLED);
    T_EQ_INT(aw_drain(), 0); /* it left the queue */
}

/* A parent awaiting a child that waits on a slot: cancelling the parent reaches the producer. */
typedef struct parent {
    aw_task task;
    reader child;
} parent;

AW_ASYNC(parent, parent_run)
static aw_status parent_run(parent *f)
{
    AW_BEGIN(f);
    AW_AWAIT_TASK(f, aw_task_init(&f->child.task, reader_run_step));
    AW_END(f);
}

static void test_cancelling_a_parent_reaches_the_producer_of_its_child(void)
{
    dev_reset();
    parent p = {0};
    start(aw_task_init(&p.task, parent_run_step));
    T_EQ_INT(aw_task_state_of(&p.child.task), AW_TASK_WAITING_OP);
    T_EQ_INT(aw_task_cancel(&p.task), AW_OK);
    T_EQ_INT(dev_cancels, 1);
    T_EQ_INT(p.child.finally_runs, 1);
    T_EQ_INT(aw_error_kind_of(got_err), AW_E_CANCELLED);
}

static void test_cancelling_the_slot_fails_the_waiter(void)
{
    dev_reset();
    reader r = {0};
    start(aw_task_init(&r.task, reader_run_step));
    T_EQ_INT(aw_op_cancel(dev_pending), AW_OK);
    T_EQ_INT(dev_cancels, 1);
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_DONE);
    const aw_error *err = got_err;
    T_EQ_INT(aw_error_kind_of(err), AW_E_CANCELLED);
    T_EQ_STR(aw_error_message(err), "operation cancelled");
    T_EQ_INT(aw_op_cancel(&r.op), AW_ERR_STATE);
}

/* Awaits a slot that is already complete: no suspension. */
typedef struct ready_reader {
    aw_task task;
    aw_op op;
    int64_t value;
} ready_reader;

AW_ASYNC(ready_reader, ready_reader_run)
static aw_status ready_reader_run(ready_reader *f)
{
    AW_BEGIN(f);
    aw_op_start(&f->op, NULL);
    f->op.value.i64 = 99;
    aw_op_complete(&f->op);
    AW_AWAIT_OP(f, &f->op);
    f->value = f->op.value.i64;
    AW_END(f);
}

static void test_awaiting_a_finished_slot_does_not_suspend(void)
{
    ready_reader r = {0};
    aw_stats before, after;
    aw_stats_get(&before);
    start(aw_task_init(&r.task, ready_reader_run_step));
    aw_stats_get(&after);
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_DONE);
    T_EQ_INT(r.value, 99);
    T_EQ_INT(after.steps - before.steps, 1);
}

/* Misuse: a slot never started; NULL. */
typedef struct misuse {
    aw_task task;
    aw_op op;
    int null_slot;
} misuse;

AW_ASYNC(misuse, misuse_run)
static aw_status misuse_run(misuse *f)
{
    AW_BEGIN(f);
    AW_AWAIT_OP(f, f->null_slot ? (aw_op *)NULL : &f->op);
    AW_END(f);
}

static void test_slot_never_started_or_null_fails_with_state(void)
{
    for (int null_slot = 0; null_slot < 2; null_slot++) {
        misuse m = {0};
        m.null_slot = null_slot;
        start(aw_task_init(&m.task, misuse_run_step));
        T_EQ_INT(aw_task_state_of(&m.task), AW_TASK_DONE);
        const aw_error *err = got_err;
        T_EQ_INT(aw_error_kind_of(err), AW_E_STATE);
        T_EQ_STR(aw_error_message(err), null_slot ? "awaited a NULL operation slot"
                                                  : "awaited operation slot was never started");
    }
}

/* Two tasks awaiting one slot: the second fails, the first still gets the value. */
typedef struct sharer {
    aw_task task;
    aw_op *op;
    int64_t value;
} sharer;

AW_ASYNC(sharer, sharer_run)
static aw_status sharer_run(sharer *f)
{
    AW_BEGIN(f);
    AW_AWAIT_OP(f, f->op);
    f->value = f->op->value.i64;
    AW_END(f);
}

static void test_a_second_waiter_fails_and_the_first_keeps_the_slot(void)
{
    aw_op op;
    aw_op_start(&op, NULL);
    sharer a = {0}, b = {0};
    a.op = b.op = &op;
    aw_spawn(aw_task_init(&a.task, sharer_run_step));
    start(aw_task_init(&b.task, sharer_run_step));
    T_EQ_INT(aw_task_state_of(&b.task), AW_TASK_DONE);
    T_EQ_INT(aw_error_kind_of(got_err), AW_E_STATE);
    T_EQ_STR(aw_error_message(got_err), "operation slot already has a waiter");
    op.value.i64 = 5;
    aw_op_complete(&op);
    T_EQ_INT(aw_task_state_of(&a.task), AW_TASK_DONE);
    T_EQ_INT(a.value, 5);
}

/* An await inside the function's own switch (a broken rule): its resume point is stale. */
typedef struct stale {
    aw_task task;
    aw_op op;
    int mode;
} stale;

AW_ASYNC(stale, stale_run)
static aw_status stale_run(stale *f)
{
    AW_BEGIN(f);
    switch (f->mode) {
    case 1:
        AW_AWAIT_OP(f, dev_start(&f->op));
        break;
    default:
        break;
    }
    AW_END(f);
}

static void test_await_op_inside_a_switch_fails_with_stale_resume_point(void)
{
    dev_reset();
    stale s = {0};
    s.mode = 1;
    start(aw_task_init(&s.task, stale_run_step));
    T_EQ_INT(aw_task_state_of(&s.task), AW_TASK_WAITING_OP);
    T_EQ_INT(dev_complete(1), AW_OK);
    T_EQ_INT(aw_task_state_of(&s.task), AW_TASK_DONE);
    const aw_error *err = got_err;
    T_EQ_INT(aw_error_kind_of(err), AW_E_STATE);
    T_CONTAINS(aw_error_message(err), "stale resume point");
}

/* Sleeps on a slot `ms` milliseconds, then logs its tag. */
static char order[64];

typedef struct sleeper {
    aw_task task;
    aw_op op;
    uint64_t ms;       /* aw_sleep_op(ms) ... */
    uint64_t deadline; /* ... or, when set, aw_sleep_until_op(deadline) */
    char tag;
    int finally_runs;
} sleeper;

AW_ASYNC(sleeper, sleeper_run)
static aw_status sleeper_run(sleeper *f)
{
    AW_BEGIN(f);
    AW_AWAIT_OP(f, f->deadline ? aw_sleep_until_op(&f->op, f->deadline)
                               : aw_sleep_op(&f->op, f->ms * MS));
    order[strlen(order)] = f->tag;
    AW_FINALLY(f);
    f->finally_runs++;
    AW_END(f);
}

static void test_sleep_slots_fire_in_deadline_order_with_future_timers(void)
{
    memset(order, 0, sizeof order);
    /* fixed deadlines from one base: the order does not depend on how fast this runs */
    uint64_t base = aw_now();
    sleeper a = {0}, b = {0}, c = {0};
    a.deadline = base + 60 * MS, a.tag = 'a';
    b.deadline = base + 20 * MS, b.tag = 'b';
    c.ms = 0, c.tag = 'c';
    aw_future *mid = aw_sleep_until(base + 40 * MS);
    aw_spawn(aw_task_init(&a.task, sleeper_run_step));
    aw_spawn(aw_task_init(&b.task, sleeper_run_step));
    aw_spawn(aw_task_init(&c.task, sleeper_run_step));
    T_EQ_INT(aw_wait_for(mid), AW_OK);
    T_CHECK(strncmp(order, "cb", 2) == 0); /* a may be due too on a slow machine */
    aw_future_release(mid);
    T_EQ_INT(aw_run(), AW_OK);
    T_EQ_STR(order, "cba");
    T_EQ_INT(a.finally_runs + b.finally_runs + c.finally_runs, 3);
}

static void test_cancelled_sleep_slot_removes_its_timer(void)
{
    memset(order, 0, sizeof order);
    sleeper a = {0};
    a.ms = 60000, a.tag = 'a';
    start(aw_task_init(&a.task, sleeper_run_step));
    T_CHECK(aw_has_pending());
    T_EQ_INT(aw_task_cancel(&a.task), AW_OK);
    T_CHECK(!aw_has_pending()); /* the timer left the heap */
    T_EQ_INT(a.finally_runs, 1);
    T_EQ_STR(order, "");
}

/* Reads a byte after waiting for readability through a slot. */
typedef struct fd_reader {
    aw_task task;
    aw_op op;
    int fd;
    char byte;
} fd_reader;

AW_ASYNC(fd_reader, fd_reader_run)
static aw_status fd_reader_run(fd_reader *f)
{
    AW_BEGIN(f);
    AW_AWAIT_OP(f, aw_fd_readable_op(&f->op, f->fd));
#ifndef __wasi__
    if (read(f->fd, &f->byte, 1) != 1)
        AW_THROW(f, AW_E_IO, "short read");
#endif
    AW_END(f);
}

static void test_negative_fd_slot_fails_with_ebadf(void)
{
    fd_reader r = {0};
    r.fd = -1;
    start(aw_task_init(&r.task, fd_reader_run_step));
    const aw_error *err = got_err;
    T_EQ_INT(aw_error_kind_of(err), AW_E_IO);
    T_EQ_STR(aw_error_message(err), "negative file descriptor");
}

#ifndef __wasi__
static void test_fd_readable_slot_completes_when_data_arrives(void)
{
    int p[2];
    T_EQ_INT(pipe(p), 0);
    fd_reader r = {0};
    r.fd = p[0];
    start(aw_task_init(&r.task, fd_reader_run_step));
    T_EQ_INT(aw_poll(0), 0); /* nothing to read yet */
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_WAITING_OP);
    T_EQ_INT(write(p[1], "x", 1), 1);
    T_EQ_INT(aw_run(), AW_OK);
    T_EQ_INT(aw_task_state_of(&r.task), AW_TASK_DONE);
    T_CHECK(got_err == NULL);
    T_EQ_INT(r.byte, 'x');

    /* cancelled while watching: the watch goes, nothing is pending any more */
    fd_reader c = {0};
    c.fd = p[0];
    start(aw_task_init(&c.task, fd_reader_run_step));
    T_CHECK(aw_has_pending());
    T_EQ_INT(aw_task_cancel(&c.task), AW_OK);
    T_CHECK(!aw_has_pending());
    close(p[0]);
    close(p[1]);
}
#endif

/* Cancels itself while running, then awaits a slot (mode 0) or a child (mode 1). */
typedef struct self_cancel {
    aw_task task;
    aw_op op;
    reader child;
    int mode, busy;
} self_cancel;

AW_ASYNC(self_cancel, self_cancel_run)
static aw_status self_cancel_run(self_cancel *f)
{
    AW_BEGIN(f);
    f->busy = aw_task_cancel(&f->task);
    if (f->mode == 0)
        AW_AWAIT_OP(f, dev_start(&f->op));
    else
        AW_AWAIT_TASK(f, aw_task_init(&f->child.task, reader_run_step));
    AW_END(f);
}

static void test_cancellation_requested_while_running_stops_the_next_await(void)
{
    for (int mode = 0; mode < 2; mode++) {
        dev_reset();
        self_cancel s = {0};
        s.mode = mode;
        start(aw_task_init(&s.task, self_cancel_run_step));
        T_EQ_INT(s.busy, AW_ERR_BUSY);
        T_EQ_INT(aw_task_state_of(&s.task), AW_TASK_DONE);
        T_EQ_INT(aw_error_kind_of(got_err), AW_E_CANCELLED);
        if (mode == 0) {
            T_EQ_INT(dev_cancels, 1); /* the slot was started: its producer is told */
            T_EQ_INT(aw_op_state_of(&s.op), AW_OP_CANCELLED);
        } else {
            T_EQ_INT(aw_task_state_of(&s.child.task), AW_TASK_INIT); /* never started */
            T_CHECK(dev_pending == NULL);
        }
    }
}

/* Cancels itself while running, then awaits another task's slot. */
typedef struct intruder {
    aw_task task;
    aw_op *op;
} intruder;

AW_ASYNC(intruder, intruder_run)
static aw_status intruder_run(intruder *f)
{
    AW_BEGIN(f);
    aw_task_cancel(&f->task);
    AW_AWAIT_OP(f, f->op);
    AW_END(f);
}

static void test_a_cancelled_second_waiter_leaves_the_first_waiters_slot_alone(void)
{
    dev_reset();
    reader r = {0};
    aw_spawn(aw_task_init(&r.task, reader_run_step));
    intruder in = {0};
    in.op = &r.op;
    start(aw_task_init(&in.task, intruder_run_step));
    T_EQ_INT(aw_error_kind_of(got_err), AW_E_CANCELLED);
    T_EQ_INT(dev_cancels, 0);
    T_EQ_INT(aw_op_state_of(&r.op), AW_OP_PENDING);
    T_EQ_INT(dev_complete(3), AW_OK);
    T_EQ_INT(r.value, 3);
}

static void test_null_slots_get_clear_errors(void)
{
    T_EQ_INT(aw_op_complete(NULL), AW_ERR_INVALID);
    T_EQ_INT(aw_op_fail(NULL, aw_error_new(AW_E_IO, 0, "x")), AW_ERR_INVALID);
    T_EQ_INT(aw_op_cancel(NULL), AW_ERR_INVALID);
    T_CHECK(aw_sleep_op(NULL, 0) == NULL);
    T_CHECK(aw_fd_readable_op(NULL, 0) == NULL);
    aw_op idle = {0};
    T_EQ_INT(aw_op_complete(&idle), AW_ERR_STATE);
    T_EQ_INT(aw_op_cancel(&idle), AW_ERR_STATE);
}

static void test_awaiting_slots_allocates_nothing(void)
{
    dev_reset();
    reader r = {0};
    aw_stats before, after;
    aw_stats_get(&before);
    for (int i = 0; i < 1000; i++) {
        start(aw_task_init(&r.task, reader_run_step));
        dev_complete(i);
        T_EQ_INT(r.value, i);
    }
    aw_stats_get(&after);
    T_EQ_INT(after.mallocs - before.mallocs, 0);
    T_EQ_INT(after.futures_live, before.futures_live);
}

int main(void)
{
    T_RUN(test_completion_outside_a_step_resumes_the_waiter_at_once);
    T_RUN(test_completion_inside_a_step_queues_the_waiter);
    T_RUN(test_failed_slot_fails_the_task_with_the_await_in_the_trace);
    T_RUN(test_try_hands_the_error_to_the_code);
    T_RUN(test_cancelling_the_task_runs_the_producer_hook_then_finally);
    T_RUN(test_cancelling_a_queued_waiter_drops_the_result);
    T_RUN(test_cancelling_a_parent_reaches_the_producer_of_its_child);
    T_RUN(test_cancelling_the_slot_fails_the_waiter);
    T_RUN(test_awaiting_a_finished_slot_does_not_suspend);
    T_RUN(test_slot_never_started_or_null_fails_with_state);
    T_RUN(test_a_second_waiter_fails_and_the_first_keeps_the_slot);
    T_RUN(test_await_op_inside_a_switch_fails_with_stale_resume_point);
    T_RUN(test_sleep_slots_fire_in_deadline_order_with_future_timers);
    T_RUN(test_cancelled_sleep_slot_removes_its_timer);
    T_RUN(test_negative_fd_slot_fails_with_ebadf);
#ifndef __wasi__
    T_RUN(test_fd_readable_slot_completes_when_data_arrives);
#endif
    T_RUN(test_cancellation_requested_while_running_stops_the_next_await);
    T_RUN(test_a_cancelled_second_waiter_leaves_the_first_waiters_slot_alone);
    T_RUN(test_null_slots_get_clear_errors);
    T_RUN(test_awaiting_slots_allocates_nothing);
    aw_error_release(got_err);
    return t_summary();
}
