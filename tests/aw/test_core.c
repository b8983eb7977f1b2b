/*
 * test_core.c - behaviour of the async core, backend-independent: futures, async functions,
 * errors and traces, FINALLY, cancellation, combinators, timers, channels, the executor, memory.
 *
 * The same file is built natively with clang and gcc, under ASan+UBSan, and for wasm32-wasi (run
 * by Node's WASI), so it uses only the public API, the harness and libc. Timers are driven by the
 * real clock with deadlines of a few milliseconds; the tests check order and outcome, never time.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/aw.h"
#include "../harness.h"

/* Failure injection of the core (src/aw/mem.c). */
void aw__test_fail_allocs(long n);

#define MS 1000000ull

/* A log of events: tests compare the order things happened in. */
static char events[4096];

static void ev(const char *what)
{
    size_t n = strlen(events);
    if (n + strlen(what) + 2 < sizeof events) {
        if (n)
            strcat(events, " ");
        strcat(events, what);
    }
}

static void ev_reset(void)
{
    events[0] = '\0';
}

/* ---- basic frames ----------------------------------------------------------------------- */

/* Awaits `fut`, stores the int value, logs `name` before and after. */
typedef struct waiter {
    aw_task task;
    const char *name;
    aw_future *fut;
    int value;
    int no_value; /* the future has no value */
    aw_error *err;
} waiter;

AW_ASYNC(waiter, waiter_run)
static aw_status waiter_run(waiter *f)
{
    AW_BEGIN(f);
    if (f->no_value)
        AW_AWAIT_TRY(f, f->fut, AW_DISCARD, &f->err);
    else
        AW_AWAIT_TRY(f, f->fut, &f->value, &f->err);
    ev(f->name);
    AW_END(f);
}

static void test_future_complete_wakes_waiter_with_value(void)
{
    waiter w = {.name = "woke"};
    aw_future *fut = aw_future_new(sizeof(int));
    w.fut = aw_future_retain(fut);
    ev_reset();
    aw_task_init(&w.task, waiter_run_step);
    T_EQ_INT(aw_spawn(&w.task), AW_OK);
    T_EQ_INT(aw_task_state_of(&w.task), AW_TASK_WAITING);
    int v = 42;
    T_EQ_INT(aw_future_complete(fut, &v, sizeof v), AW_OK);
    T_EQ_STR(events, ""); /* completing queues, it never runs the waiter inside the call */
    aw_drain();
    T_EQ_STR(events, "woke");
    T_EQ_INT(w.value, 42);
    T_CHECK(w.err == NULL);
    T_EQ_INT(aw_task_state_of(&w.task), AW_TASK_DONE);
    aw_future_release(fut);
}

/* Several awaits on one source line: each has its own resume point, and the task resumes at the
 * one it suspended at. */
typedef struct one_line {
    aw_task task;
    aw_future *a, *b;
    int x, y;
} one_line;

AW_ASYNC(one_line, one_line_run)
static aw_status one_line_run(one_line *f)
{
    AW_BEGIN(f);
    /* clang-format off */
    AW_AWAIT(f, f->a, &f->x); ev("a"); AW_AWAIT(f, f->b, &f->y); ev("b"); AW_YIELD(f); ev("yield");
    /* clang-format on */
    AW_END(f);
}

static void test_several_awaits_on_one_line_resume_where_they_suspended(void)
{
    one_line t = {0};
    aw_future *a = aw_future_new(sizeof(int)), *b = aw_future_new(sizeof(int));
    t.a = aw_future_retain(a);
    t.b = aw_future_retain(b);
    ev_reset();
    T_EQ_INT(aw_spawn(aw_task_init(&t.task, one_line_run_step)), AW_OK);
    int v = 7;
    T_EQ_INT(aw_future_complete(a, &v, sizeof v), AW_OK);
    aw_drain();
    T_EQ_STR(events, "a");
    T_EQ_INT(aw_task_state_of(&t.task), AW_TASK_WAITING);
    v = 8;
    T_EQ_INT(aw_future_complete(b, &v, sizeof v), AW_OK);
    aw_drain();
    T_EQ_STR(events, "a b yield");
    T_EQ_INT(t.x, 7);
    T_EQ_INT(t.y, 8);
    T_EQ_INT(aw_task_state_of(&t.task), AW_TASK_DONE);
    T_CHECK(aw_task_error(&t.task) == NULL);
    aw_future_release(a);
    aw_future_release(b);
}

static void test_complete_twice_and_wrong_size_are_errors(void)
{
    aw_future *fut = aw_future_new(sizeof(int));
    int v = 1;
    T_EQ_INT(aw_future_complete(fut, &v, 2), AW_ERR_SIZE);
    T_EQ_INT(aw_future_state_of(fut), AW_FUTURE_PENDING);
    T_EQ_INT(aw_future_complete(fut, &v, sizeof v), AW_OK);
    T_EQ_INT(aw_future_complete(fut, &v, sizeof v), AW_ERR_STATE);
    T_EQ_INT(aw_future_fail_with(fut, AW_E_GENERIC, 0, "late"), AW_ERR_STATE);
    T_EQ_INT(*(const int *)aw_future_value(fut), 1);
    T_EQ_STR(aw_strerror(AW_ERR_STATE), "future or task already finished");
    aw_future_release(fut);

    aw_future *c = aw_future_new(0);
    T_EQ_INT(aw_future_cancel(c), AW_OK);
    T_EQ_INT(aw_future_complete(c, NULL, 0), AW_ERR_CANCELLED);
    T_EQ_INT(aw_future_cancel(c), AW_ERR_STATE);
    T_EQ_INT(aw_error_kind_of(aw_future_error(c)), AW_E_CANCELLED);
    aw_future_release(c);
}

/* Counts its steps: awaiting a finished future must not add one. */
typedef struct counter {
    aw_task task;
    int a, b;
} counter;

AW_ASYNC(counter, counter_run)
static aw_status counter_run(counter *f)
{
    int one = 1, two = 2;
    AW_BEGIN(f);
    AW_AWAIT(f, aw_future_completed(&one, sizeof one), &f->a);
    AW_AWAIT(f, aw_future_completed(&two, sizeof two), &f->b);
    AW_AWAIT(f, aw_future_completed(&two, sizeof two), NULL); /* NULL drops the value */
    AW_END(f);
}

static void test_await_of_finished_future_does_not_suspend(void)
{
    counter c = {0};
    aw_stats before, after;
    aw_stats_get(&before);
    aw_task_init(&c.task, counter_run_step);
    aw_spawn(&c.task);
    aw_stats_get(&after);
    T_EQ_INT(aw_task_state_of(&c.task), AW_TASK_DONE);
    T_EQ_INT(after.steps - before.steps, 1);
    T_EQ_INT(c.a, 1);
    T_EQ_INT(c.b, 2);
}

static void test_await_size_mismatch_fails_the_task(void)
{
    waiter w = {.name = "w"};
    long long big = 5;
    w.fut = aw_future_completed(&big, sizeof big); /* 8 bytes into an int */
    aw_task_init(&w.task, waiter_run_step);
    aw_spawn(&w.task);
    T_CHECK(w.err != NULL);
    T_EQ_INT(aw_error_kind_of(w.err), AW_E_STATE);
    T_EQ_STR(aw_error_message(w.err), "await: the value has 8 bytes, the destination 4");
    aw_error_release(w.err);
}

/* ---- ordering ----------------------------------------------------------------------------- */

typedef struct yielder {
    aw_task task;
    char name[8];
    int i;
} yielder;

AW_ASYNC(yielder, yielder_run)
static aw_status yielder_run(yielder *f)
{
    AW_BEGIN(f);
    for (f->i = 0; f->i < 3; f->i++) {
        char e[32];
        snprintf(e, sizeof e, "%s%d", f->name, f->i);
        ev(e);
        AW_YIELD(f);
    }
    AW_END(f);
}

static void test_ready_tasks_run_in_fifo_order_and_yield_interleaves(void)
{
    yielder a = {.name = "a"}, b = {.name = "b"};
    ev_reset();
    aw_spawn(aw_task_init(&a.task, yielder_run_step));
    aw_spawn(aw_task_init(&b.task, yielder_run_step));
    aw_drain();
    T_EQ_STR(events, "a0 b0 a1 b1 a2 b2");
}

static void done_log(aw_task *task, const aw_error *err);

/* A task that yielded waits in the ready queue: cancelling it there takes it out, wherever it
 * stands in the queue, and the others still run in order. */
static void test_cancelling_yielded_tasks_takes_them_out_of_the_ready_queue(void)
{
    yielder a = {.name = "a"}, b = {.name = "b"}, c = {.name = "c"}, d = {.name = "d"};
    ev_reset();
    yielder *all[] = {&a, &b, &c, &d};
    for (int i = 0; i < 4; i++)
        aw_task_run_cb(aw_task_init(&all[i]->task, yielder_run_step), done_log);
    T_EQ_STR(events, "a0 b0 c0 d0");
    T_EQ_INT(aw_task_state_of(&a.task), AW_TASK_READY);
    T_EQ_INT(aw_task_cancel(&a.task), AW_OK); /* the first of the queue */
    T_EQ_INT(aw_task_cancel(&d.task), AW_OK); /* the last */
    T_EQ_INT(aw_task_cancel(&d.task), AW_ERR_STATE);
    T_EQ_STR(events, "a0 b0 c0 d0 cancelled cancelled");
    aw_drain();
    T_EQ_STR(events, "a0 b0 c0 d0 cancelled cancelled b1 c1 b2 c2 ok ok");
    T_CHECK(!aw_has_pending());
}

static void log_cb(void *arg)
{
    ev(arg);
}

static void test_call_soon_runs_later_in_order(void)
{
    ev_reset();
    T_EQ_INT(aw_call_soon(log_cb, "one"), AW_OK);
    T_EQ_INT(aw_call_soon(log_cb, "two"), AW_OK);
    T_EQ_STR(events, "");
    T_EQ_INT(aw_drain(), 2);
    T_EQ_STR(events, "one two");
}

/* Callbacks recording their argument (an int) in order; one of them queues another. */
static int soon_seen[64];
static int soon_nseen;

static void soon_record(void *arg)
{
    if (soon_nseen < 64)
        soon_seen[soon_nseen++] = *(const int *)arg;
}

static const int soon_values[40] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                    14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                                    28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39};

static void soon_requeue(void *arg)
{
    soon_record(arg);
    aw_call_soon(soon_record, (void *)&soon_values[39]);
}

static void test_call_soon_ring_keeps_order_across_wrap_and_growth(void)
{
    aw_trim(); /* start from an empty ring */
    soon_nseen = 0;
    /* 12 in and out moves the ring's start; 30 more wrap around its end and make it grow. */
    for (int i = 0; i < 12; i++)
        T_EQ_INT(aw_call_soon(soon_record, (void *)&soon_values[i]), AW_OK);
    T_EQ_INT(aw_drain(), 12);
    for (int i = 12; i < 39; i++)
        T_EQ_INT(aw_call_soon(i == 20 ? soon_requeue : soon_record, (void *)&soon_values[i]),
                 AW_OK);
    /* 27 queued, and the one soon_requeue queues while the executor runs them */
    T_EQ_INT(aw_drain(), 28);
    T_EQ_INT(soon_nseen, 40);
    int in_order = 1;
    for (int i = 0; i < 40; i++)
        in_order &= soon_seen[i] == i;
    T_CHECK(in_order);
    T_EQ_INT(aw_call_soon(NULL, NULL), AW_ERR_INVALID);
    T_CHECK(!aw_has_pending());
}

static void test_call_soon_runs_after_the_tasks_ready_before_it(void)
{
    waiter w = {.name = "task"};
    w.fut = aw_future_new(sizeof(int));
    aw_future *mine = aw_future_retain(w.fut);
    ev_reset();
    aw_spawn(aw_task_init(&w.task, waiter_run_step));
    T_EQ_INT(aw_call_soon(log_cb, "callback"), AW_OK);
    T_CHECK(aw_has_pending());
    int v = 3;
    aw_future_complete(mine, &v, sizeof v); /* the task is ready after the callback was queued */
    aw_future_release(mine);
    T_EQ_INT(aw_drain(), 2);
    T_EQ_STR(events, "task callback");
    T_EQ_INT(w.value, 3);
}

/* Callback of the test below: makes a waiting task ready, queues another callback and starts a
 * sleep(0). */
static aw_future *soon_fut, *soon_timer;

static void soon_wake_queue_and_sleep(void *arg)
{
    (void)arg;
    ev("A");
    int v = 5;
    aw_future_complete(soon_fut, &v, sizeof v);
    aw_call_soon(log_cb, "B");
    soon_timer = aw_sleep(0);
}

/* A turn that starts with callbacks only (aw_drain's short path) still runs what they leave
 * behind in the turn's order: the timer check, the ready tasks, then the callbacks they queued. */
static void test_drain_of_callbacks_runs_what_they_leave_in_turn_order(void)
{
    waiter w = {.name = "task"};
    w.fut = aw_future_new(sizeof(int));
    soon_fut = aw_future_retain(w.fut);
    ev_reset();
    aw_spawn(aw_task_init(&w.task, waiter_run_step));
    aw_drain(); /* nothing ready, no timer: the backend is told "no deadline" */
    T_CHECK(!aw_has_pending());
    aw_stats a, b;
    aw_stats_get(&a);
    T_EQ_INT(aw_call_soon(soon_wake_queue_and_sleep, NULL), AW_OK);
    T_EQ_INT(aw_drain(), 3); /* A, the task it made ready, B */
    aw_stats_get(&b);
    T_EQ_STR(events, "A task B");
    T_EQ_INT(w.value, 5);
    T_EQ_INT(b.steps - a.steps, 1); /* the task's step; callbacks are not steps */
    T_EQ_INT(aw_future_state_of(soon_timer), AW_FUTURE_COMPLETED); /* fired in the same drain */
    T_CHECK(!aw_has_pending());
    aw_future_release(soon_fut);
    aw_future_release(soon_timer);
    /* and a callback-only turn again, now that no timer is left */
    ev_reset();
    T_EQ_INT(aw_call_soon(log_cb, "C"), AW_OK);
    T_EQ_INT(aw_drain(), 1);
    T_EQ_STR(events, "C");
}

static void test_future_functions_work_through_their_addresses(void)
{
    /* The names are also macros for the inline fast paths; the functions remain callable. */
    aw_future *(*new_fn)(size_t) = aw_future_new;
    aw_future *(*retain_fn)(aw_future *) = aw_future_retain;
    void (*release_fn)(aw_future *) = aw_future_release;
    int (*complete_fn)(aw_future *, const void *, size_t) = aw_future_complete;
    aw_stats before, after;
    aw_stats_get(&before);
    aw_future *fut = new_fn(8);
    T_CHECK(fut != NULL);
    T_CHECK(retain_fn(fut) == fut);
    int64_t v = -5;
    T_EQ_INT(complete_fn(fut, &v, 4), AW_ERR_SIZE);
    T_EQ_INT(complete_fn(fut, &v, sizeof v), AW_OK);
    T_EQ_INT(complete_fn(fut, &v, sizeof v), AW_ERR_STATE);
    T_EQ_INT(*(const int64_t *)aw_future_value(fut), -5);
    release_fn(fut);
    aw_stats_get(&after);
    T_EQ_INT(after.futures_live, before.futures_live + 1);
    release_fn(fut);
    aw_stats_get(&after);
    T_EQ_INT(after.futures_live, before.futures_live);
}

static void test_many_waiters_wake_in_arrival_order(void)
{
    waiter w[3] = {{.name = "w0"}, {.name = "w1"}, {.name = "w2"}};
    aw_future *fut = aw_future_new(sizeof(int));
    ev_reset();
    for (int i = 0; i < 3; i++) {
        w[i].fut = aw_future_retain(fut);
        aw_spawn(aw_task_init(&w[i].task, waiter_run_step));
    }
    int v = 7;
    aw_future_complete(fut, &v, sizeof v);
    aw_future_release(fut);
    aw_drain();
    T_EQ_STR(events, "w0 w1 w2");
    T_EQ_INT(w[2].value, 7);
}

/* ---- errors: three levels, the trace -------------------------------------------------------- */

static int throw_line, mid_await_line, top_await_line;

typedef struct lvl3 {
    aw_task task;
} lvl3;

AW_ASYNC(lvl3, level3)
static aw_status level3(lvl3 *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, aw_yield(), AW_DISCARD);
    throw_line = __LINE__ + 1;
    AW_THROW_CODE(f, AW_E_IC_REJECT, 4, "canister said no");
    AW_END(f);
}

typedef struct lvl2 {
    aw_task task;
    lvl3 child;
    int finally_ran;
} lvl2;

AW_ASYNC(lvl2, level2)
static aw_status level2(lvl2 *f)
{
    AW_BEGIN(f);
    mid_await_line = __LINE__ + 1;
    AW_AWAIT_TASK(f, aw_task_init(&f->child.task, level3_step));
    ev("level2 not reached");
    AW_FINALLY(f);
    f->finally_ran = 1;
    AW_END(f);
}

typedef struct lvl1 {
    aw_task task;
    lvl2 *child; /* heap frame, awaited through its future */
    int result;
} lvl1;

AW_ASYNC(lvl1, level1)
static aw_status level1(lvl1 *f)
{
    AW_BEGIN(f);
    f->child = aw_task_new(sizeof *f->child, level2_step);
    top_await_line = __LINE__ + 1;
    AW_AWAIT(f, aw_task_start(&f->child->task, NULL, 0), AW_DISCARD);
    f->result = 1;
    AW_END(f);
}

static void test_error_propagates_through_three_levels_with_trace(void)
{
    lvl1 *top = aw_task_new(sizeof *top, level1_step);
    aw_future *fut = aw_task_start(&top->task, &top->result, sizeof top->result);
    aw_drain();
    T_EQ_INT(aw_future_state_of(fut), AW_FUTURE_FAILED);
    const aw_error *err = aw_future_error(fut);
    T_EQ_INT(aw_error_kind_of(err), AW_E_IC_REJECT);
    T_EQ_INT(aw_error_code(err), 4);
    T_EQ_STR(aw_error_message(err), "canister said no");
    T_EQ_INT(aw_error_trace_len(err), 3);
    const aw_trace_entry *t0 = aw_error_trace_at(err, 0), *t1 = aw_error_trace_at(err, 1),
                         *t2 = aw_error_trace_at(err, 2);
    T_CHECK(t0 && t1 && t2 && aw_error_trace_at(err, 3) == NULL);
    if (t0 && t1 && t2) {
        T_EQ_STR(t0->func, "level3");
        T_EQ_INT(t0->line, throw_line);
        T_EQ_STR(t1->func, "level2");
        T_EQ_INT(t1->line, mid_await_line);
        T_EQ_STR(t2->func, "level1");
        T_EQ_INT(t2->line, top_await_line);
        T_CONTAINS(t2->file, "test_core.c");
    }
    char text[1024], expect[128];
    size_t n = aw_error_format(err, text, sizeof text);
    T_EQ_INT(n, strlen(text));
    T_CONTAINS(text, "IC call rejected: canister said no (code 4)\n  at level3 (");
    snprintf(expect, sizeof expect, "test_core.c:%d)\n  at level2 (", throw_line);
    T_CONTAINS(text, expect);
    snprintf(expect, sizeof expect, "test_core.c:%d)", top_await_line);
    T_CONTAINS(text, expect);
    /* snprintf semantics on a short buffer */
    char small[8];
    T_EQ_INT(aw_error_format(err, small, sizeof small), n);
    T_EQ_STR(small, "IC call");
    aw_future_release(fut);
}

/* An async function that awaits itself, a heap frame per level: it must build where step
 * functions are forced inline where they are started (clang at -O2 leaves a recursive call a
 * call), and both its synchronous finishes and its suspensions must resume the right level. The
 * leaves n == 1 yield (suspend), the leaves n == 0 finish in their first step; a failure deep down
 * (n == fail_at) reaches the top with one trace entry per level it went through. */
typedef struct fib_frame {
    aw_task task;
    int n, fail_at;
    long value;
    struct fib_frame *sub;
} fib_frame;

AW_ASYNC(fib_frame, fib_run)
static aw_status fib_run(fib_frame *f)
{
    AW_BEGIN(f);
    f->sub = NULL;
    if (f->n == f->fail_at)
        AW_THROW(f, AW_E_APP, "deep failure");
    if (f->n < 2) {
        if (f->n == 1)
            AW_YIELD(f);
        f->value = f->n;
        AW_RETURN(f);
    }
    f->sub = aw_task_new(sizeof *f->sub, fib_run_step);
    if (!f->sub)
        AW_THROW(f, AW_E_NOMEM, "fib frame");
    f->sub->n = f->n - 1;
    f->sub->fail_at = f->fail_at;
    AW_AWAIT_TASK(f, &f->sub->task);
    f->value = f->sub->value;
    aw_task_init(&f->sub->task, fib_run_step);
    f->sub->n = f->n - 2;
    AW_AWAIT_TASK(f, &f->sub->task);
    f->value += f->sub->value;
    AW_FINALLY(f);
    if (f->sub)
        aw_task_free(&f->sub->task);
    AW_END(f);
}

static void test_recursive_async_function(void)
{
    static fib_frame top;
    top.n = 15;
    top.fail_at = -1;
    T_EQ_INT(aw_spawn(aw_task_init(&top.task, fib_run_step)), AW_OK);
    aw_drain();
    T_EQ_INT(aw_task_state_of(&top.task), AW_TASK_DONE);
    T_CHECK(aw_task_error(&top.task) == NULL);
    T_EQ_INT(top.value, 610);

    /* fail_at 2 is first reached synchronously (6 -> 5 -> 4 -> 3 -> 2, no suspension yet); fail_at
     * 0 only after the first leaf 1 yielded and resumed (2's second await): 4 and 5 levels of
     * awaits on top of the throw */
    static const struct {
        int fail_at;
        size_t trace_len;
    } cases[] = {{2, 5}, {0, 6}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fib_frame *failing = aw_task_new(sizeof *failing, fib_run_step);
        T_CHECK(failing != NULL);
        if (!failing)
            return;
        failing->n = 6;
        failing->fail_at = cases[c].fail_at;
        aw_future *fut = aw_task_start(&failing->task, &failing->value, sizeof failing->value);
        aw_drain();
        T_EQ_INT(aw_future_state_of(fut), AW_FUTURE_FAILED);
        const aw_error *err = aw_future_error(fut);
        T_EQ_INT(aw_error_kind_of(err), AW_E_APP);
        T_EQ_STR(aw_error_message(err), "deep failure");
        T_EQ_INT(aw_error_trace_len(err), cases[c].trace_len);
        for (size_t i = 0; i < cases[c].trace_len; i++) {
            const aw_trace_entry *t = aw_error_trace_at(err, i);
            T_CHECK(t != NULL);
            if (t)
                T_EQ_STR(t->func, "fib_run");
        }
        aw_future_release(fut);
    }
}

static void test_shared_error_gets_separate_traces(void)
{
    waiter a = {.name = "a"}, b = {.name = "b"};
    aw_future *fut = aw_future_new(sizeof(int));
    a.fut = aw_future_retain(fut);
    b.fut = aw_future_retain(fut);
    aw_spawn(aw_task_init(&a.task, waiter_run_step));
    aw_spawn(aw_task_init(&b.task, waiter_run_step));
    aw_future_fail_with(fut, AW_E_GENERIC, 0, "boom");
    aw_drain();
    T_CHECK(a.err && b.err);
    T_EQ_INT(aw_error_trace_len(a.err), 1);
    T_EQ_INT(aw_error_trace_len(b.err), 1);
    T_EQ_INT(aw_error_trace_len(aw_future_error(fut)), 0);
    T_EQ_STR(aw_error_message(b.err), "boom");
    aw_error_release(a.err);
    aw_error_release(b.err);
    aw_future_release(fut);
}

static void test_error_kinds_table(void)
{
    T_EQ_STR(aw_error_kind_name(AW_E_TIMEOUT), "timeout");
    T_EQ_STR(aw_error_kind_name(AW_E_CHANNEL_CLOSED), "channel closed");
    T_EQ_STR(aw_error_kind_name(AW_E_CALL_PERFORM), "call perform failed");
    T_EQ_STR(aw_error_kind_name(AW_E_CANDID_DECODE), "Candid decode");
    T_EQ_STR(aw_error_kind_name(AW_E_APP + 3), "application error");
    aw_error *e = aw_error_newf(AW_E_APP + 1, -7, "n=%d", 3);
    char buf[128];
    aw_error_format(e, buf, sizeof buf);
    T_EQ_STR(buf, "application error: n=3 (code -7)");
    aw_error_release(e);
}

/* ---- FINALLY on every path ---------------------------------------------------------------- */

enum { PATH_NORMAL, PATH_RETURN, PATH_THROW, PATH_PROPAGATE, PATH_WAIT };

typedef struct fin {
    aw_task task;
    int path;
    int finally_runs;
    int after_return;
    int pending_kind; /* kind of aw_task_pending_error in FINALLY, -1 when none */
    aw_future *gate;
} fin;

AW_ASYNC(fin, fin_run)
static aw_status fin_run(fin *f)
{
    const aw_error *pending; /* a local: valid only until the next await */
    AW_BEGIN(f);
    if (f->path == PATH_RETURN)
        AW_RETURN(f);
    if (f->path == PATH_THROW)
        AW_THROW(f, AW_E_APP, "thrown");
    if (f->path == PATH_PROPAGATE)
        AW_AWAIT(f, aw_future_failed(aw_error_new(AW_E_TIMEOUT, 0, "late")), AW_DISCARD);
    if (f->path == PATH_WAIT)
        AW_AWAIT(f, aw_future_retain(f->gate), AW_DISCARD);
    f->after_return = 1;
    AW_FINALLY(f);
    f->finally_runs++;
    pending = aw_task_pending_error(&f->task);
    f->pending_kind = pending ? aw_error_kind_of(pending) : -1;
    AW_END(f);
}

static void done_log(aw_task *task, const aw_error *err)
{
    (void)task;
    ev(err ? aw_error_kind_name(aw_error_kind_of(err)) : "ok");
}

static void test_finally_runs_on_every_path(void)
{
    static const struct {
        int path;
        const char *outcome;
        int after;
        int pending;
    } cases[] = {
        {PATH_NORMAL, "ok", 1, -1},
        {PATH_RETURN, "ok", 0, -1},
        {PATH_THROW, "application error", 0, AW_E_APP},
        {PATH_PROPAGATE, "timeout", 0, AW_E_TIMEOUT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fin f = {.path = cases[i].path};
        ev_reset();
        aw_task_init(&f.task, fin_run_step);
        T_EQ_INT(aw_task_run_cb(&f.task, done_log), AW_OK);
        T_EQ_STR(events, cases[i].outcome);
        T_EQ_INT(f.finally_runs, 1);
        T_EQ_INT(f.after_return, cases[i].after);
        T_EQ_INT(f.pending_kind, cases[i].pending);
    }
    /* cancellation of a suspended task: FINALLY runs inside aw_task_cancel */
    fin f = {.path = PATH_WAIT, .gate = aw_future_new(0)};
    ev_reset();
    aw_task_run_cb(aw_task_init(&f.task, fin_run_step), done_log);
    T_EQ_STR(events, "");
    T_EQ_INT(aw_task_cancel(&f.task), AW_OK);
    T_EQ_STR(events, "cancelled");
    T_EQ_INT(f.finally_runs, 1);
    T_EQ_INT(f.pending_kind, AW_E_CANCELLED);
    T_EQ_INT(aw_task_cancel(&f.task), AW_ERR_STATE);
    /* the gate no longer has the task as a waiter: completing it wakes nobody */
    aw_future_complete(f.gate, NULL, 0);
    T_EQ_INT(aw_drain(), 0);
    aw_future_release(f.gate);
}

/* ---- cancellation ------------------------------------------------------------------------- */

typedef struct parent_of_fin {
    aw_task task;
    fin child;
    int finally_runs;
} parent_of_fin;

AW_ASYNC(parent_of_fin, parent_of_fin_run)
static aw_status parent_of_fin_run(parent_of_fin *f)
{
    AW_BEGIN(f);
    AW_AWAIT_TASK(f, aw_task_init(&f->child.task, fin_run_step));
    AW_FINALLY(f);
    f->finally_runs++;
    AW_END(f);
}

static void test_cancel_parent_cancels_awaited_child_first(void)
{
    parent_of_fin p = {.child = {.path = PATH_WAIT}};
    p.child.gate = aw_future_new(0);
    aw_future *fut = aw_task_start(aw_task_init(&p.task, parent_of_fin_run_step), NULL, 0);
    T_EQ_INT(aw_task_state_of(&p.task), AW_TASK_WAITING_TASK);
    T_EQ_INT(aw_future_cancel(fut), AW_OK); /* cancelling the task's future cancels the task */
    T_EQ_INT(p.child.finally_runs, 1);
    T_EQ_INT(p.finally_runs, 1);
    T_EQ_INT(aw_future_state_of(fut), AW_FUTURE_FAILED);
    T_EQ_INT(aw_error_kind_of(aw_future_error(fut)), AW_E_CANCELLED);
    aw_future_release(fut);
    aw_future_release(p.child.gate);
    T_EQ_INT(aw_drain(), 0);
}

/* A child that cancels its parent in its first step (the parent is running: AW_ERR_BUSY), then
 * waits. */
typedef struct rebel {
    aw_task task;
    aw_task *parent;
    aw_future *gate;
    int busy, finally_runs;
} rebel;

AW_ASYNC(rebel, rebel_run)
static aw_status rebel_run(rebel *f)
{
    AW_BEGIN(f);
    f->busy = aw_task_cancel(f->parent);
    AW_AWAIT(f, aw_future_retain(f->gate), AW_DISCARD);
    AW_FINALLY(f);
    f->finally_runs++;
    AW_END(f);
}

typedef struct rebel_parent {
    aw_task task;
    rebel child;
    int finally_runs;
} rebel_parent;

AW_ASYNC(rebel_parent, rebel_parent_run)
static aw_status rebel_parent_run(rebel_parent *f)
{
    AW_BEGIN(f);
    f->child.parent = &f->task;
    AW_AWAIT_TASK(f, aw_task_init(&f->child.task, rebel_run_step));
    ev("not reached");
    AW_FINALLY(f);
    f->finally_runs++;
    AW_END(f);
}

/* The cancellation a child requests for its parent during its first step stops the parent at
 * that await at once: it does not suspend on the child, it cancels it and fails. */
static void test_cancel_requested_during_a_childs_first_step_stops_the_parent_at_once(void)
{
    rebel_parent p = {0};
    p.child.gate = aw_future_new(0);
    ev_reset();
    aw_task_run_cb(aw_task_init(&p.task, rebel_parent_run_step), done_log);
    T_EQ_INT(p.child.busy, AW_ERR_BUSY);
    T_EQ_INT(p.child.finally_runs, 1);
    T_EQ_INT(p.finally_runs, 1);
    T_EQ_INT(aw_task_state_of(&p.child.task), AW_TASK_DONE);
    T_EQ_INT(aw_task_state_of(&p.task), AW_TASK_DONE);
    T_EQ_STR(events, "cancelled");
    aw_future_release(p.child.gate);
    T_EQ_INT(aw_drain(), 0);
    T_CHECK(!aw_has_pending());
}

static void test_cancel_task_whose_future_already_finished(void)
{
    fin f = {.path = PATH_WAIT, .gate = aw_future_new(0)};
    aw_spawn(aw_task_init(&f.task, fin_run_step));
    aw_future_complete(f.gate, NULL, 0); /* f now sits in the ready queue */
    T_EQ_INT(aw_task_cancel(&f.task), AW_OK);
    T_EQ_INT(f.finally_runs, 1);
    T_EQ_INT(f.after_return, 0);
    T_EQ_INT(aw_drain(), 0); /* it was taken out of the ready queue */
    aw_future_release(f.gate);
}

/* Awaits `fut`, logs its name, then cancels `victim` (if any). */
typedef struct canceller {
    aw_task task;
    const char *name;
    aw_future *fut;
    aw_task *victim;
    int rc;
} canceller;

AW_ASYNC(canceller, canceller_run)
static aw_status canceller_run(canceller *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, f->fut, AW_DISCARD);
    ev(f->name);
    if (f->victim)
        f->rc = aw_task_cancel(f->victim);
    AW_END(f);
}

/* A finished future's waiters run in arrival order when the executor reaches the future; one
 * cancelled before its turn (from outside, or by an earlier waiter as it runs) leaves the list
 * and does not run. Built under ASan too: the future must outlive its queued waiters. */
static void test_waiters_of_a_finished_future_run_in_order_unless_cancelled_first(void)
{
    aw_future *fut = aw_future_new(0);
    canceller w[4] = {{.name = "w0"}, {.name = "w1"}, {.name = "w2"}, {.name = "w3"}};
    w[0].victim = &w[2].task;
    ev_reset();
    for (int i = 0; i < 4; i++) {
        w[i].fut = aw_future_retain(fut);
        aw_task_run_cb(aw_task_init(&w[i].task, canceller_run_step), done_log);
    }
    T_EQ_INT(aw_future_complete(fut, NULL, 0), AW_OK);
    aw_future_release(fut); /* the waiters and the ready queue keep it */
    T_EQ_INT(aw_task_cancel(&w[1].task), AW_OK);
    T_EQ_STR(events, "cancelled");
    T_EQ_INT(aw_drain(), 2);
    T_EQ_STR(events, "cancelled w0 cancelled ok w3 ok");
    T_EQ_INT(w[0].rc, AW_OK);
    for (int i = 0; i < 4; i++)
        T_EQ_INT(aw_task_state_of(&w[i].task), AW_TASK_DONE);
    /* every waiter cancelled before the executor reaches the future: nothing runs */
    fut = aw_future_new(0);
    ev_reset();
    for (int i = 0; i < 2; i++) {
        w[i].fut = aw_future_retain(fut);
        w[i].victim = NULL;
        aw_task_run_cb(aw_task_init(&w[i].task, canceller_run_step), done_log);
    }
    T_EQ_INT(aw_future_complete(fut, NULL, 0), AW_OK);
    aw_future_release(fut);
    T_EQ_INT(aw_task_cancel(&w[1].task), AW_OK);
    T_EQ_INT(aw_task_cancel(&w[0].task), AW_OK);
    T_CHECK(!aw_has_pending()); /* the future left the ready queue with its last waiter */
    T_EQ_INT(aw_drain(), 0);
    T_EQ_STR(events, "cancelled cancelled");
    T_CHECK(!aw_has_pending());
}

typedef struct self_cancel {
    aw_task task;
    int busy;
    aw_error *err;
} self_cancel;

AW_ASYNC(self_cancel, self_cancel_run)
static aw_status self_cancel_run(self_cancel *f)
{
    AW_BEGIN(f);
    f->busy = aw_task_cancel(&f->task);
    AW_AWAIT_TRY(f, aw_future_completed(NULL, 0), AW_DISCARD, &f->err);
    ev("not reached");
    AW_END(f);
}

static void test_cancel_of_running_task_takes_effect_at_next_await(void)
{
    self_cancel s = {0};
    ev_reset();
    aw_task_run_cb(aw_task_init(&s.task, self_cancel_run_step), done_log);
    T_EQ_INT(s.busy, AW_ERR_BUSY);
    T_EQ_STR(events, "cancelled"); /* even AW_AWAIT_TRY does not swallow a cancellation */
    T_CHECK(s.err == NULL);
}

typedef struct reuse {
    aw_task task;
    counter child;
    aw_error *err;
} reuse;

AW_ASYNC(reuse, reuse_run)
static aw_status reuse_run(reuse *f)
{
    AW_BEGIN(f);
    AW_AWAIT_TASK_TRY(f, aw_task_init(&f->child.task, counter_run_step), &f->err);
    AW_AWAIT_TASK_TRY(f, &f->child.task, &f->err); /* not initialised again */
    AW_END(f);
}

static void test_awaiting_a_finished_child_again_is_an_error(void)
{
    reuse r = {0};
    aw_spawn(aw_task_init(&r.task, reuse_run_step));
    T_CHECK(r.err != NULL);
    T_EQ_INT(aw_error_kind_of(r.err), AW_E_STATE);
    T_EQ_STR(aw_error_message(r.err), "awaited task was not freshly initialised");
    aw_error_release(r.err);
}

/* ---- stale resume point ------------------------------------------------------------------- */

typedef struct stale {
    aw_task task;
    int mode;
} stale;

AW_ASYNC(stale, stale_run)
static aw_status stale_run(stale *f)
{
    AW_BEGIN(f);
    switch (f->mode) {
    case 1:
        AW_AWAIT(f, aw_yield(), AW_DISCARD); /* forbidden: an await inside a switch */
        break;
    default:
        break;
    }
    AW_END(f);
}

static void test_stale_resume_point_fails_loudly(void)
{
    stale s = {.mode = 1};
    aw_future *fut = aw_task_start(aw_task_init(&s.task, stale_run_step), NULL, 0);
    aw_drain();
    T_EQ_INT(aw_future_state_of(fut), AW_FUTURE_FAILED);
    T_EQ_INT(aw_error_kind_of(aw_future_error(fut)), AW_E_STATE);
    T_CONTAINS(aw_error_message(aw_future_error(fut)), "stale resume point");
    T_EQ_STR(aw_error_trace_at(aw_future_error(fut), 0)->func, "stale_run");
    aw_future_release(fut);
}

/* ---- combinators ------------------------------------------------------------------------- */

static void test_all_values_in_input_order(void)
{
    aw_future *in[3];
    for (int i = 0; i < 3; i++)
        in[i] = aw_future_new(sizeof(int));
    aw_future *all = aw_all(in, 3);
    int v2 = 30, v0 = 10, v1 = 20;
    aw_future_complete(in[2], &v2, sizeof v2);
    aw_future_complete(in[0], &v0, sizeof v0);
    aw_drain();
    T_EQ_INT(aw_future_state_of(all), AW_FUTURE_PENDING);
    aw_future_complete(in[1], &v1, sizeof v1);
    aw_drain();
    T_EQ_INT(aw_future_state_of(all), AW_FUTURE_COMPLETED);
    T_EQ_INT(aw_future_size(all), 3 * sizeof(int));
    const int *vals = aw_future_value(all);
    T_EQ_INT(vals[0], 10);
    T_EQ_INT(vals[1], 20);
    T_EQ_INT(vals[2], 30);
    aw_future_release(all);
    for (int i = 0; i < 3; i++)
        aw_future_release(in[i]);
}

static void test_all_first_failure_fails_and_cancels_the_rest(void)
{
    aw_future *in[3] = {aw_future_new(0), aw_future_new(0), aw_future_new(0)};
    aw_future *all = aw_all(in, 3);
    aw_future_fail_with(in[1], AW_E_APP, 9, "second failed");
    aw_drain();
    T_EQ_INT(aw_future_state_of(all), AW_FUTURE_FAILED);
    T_EQ_STR(aw_error_message(aw_future_error(all)), "second failed");
    T_EQ_INT(aw_future_state_of(in[0]), AW_FUTURE_CANCELLED);
    T_EQ_INT(aw_future_state_of(in[2]), AW_FUTURE_CANCELLED);
    aw_future_release(all);
    for (int i = 0; i < 3; i++)
        aw_future_release(in[i]);
}

static void test_all_of_nothing_and_of_finished_futures_complete_at_once(void)
{
    aw_future *none = aw_all(NULL, 0);
    T_EQ_INT(aw_future_state_of(none), AW_FUTURE_COMPLETED);
    T_EQ_INT(aw_future_size(none), 0);
    aw_future_release(none);
    int a = 1, b = 2;
    aw_future *in[2] = {aw_future_completed(&a, sizeof a), aw_future_completed(&b, sizeof b)};
    aw_future *both = aw_and(in[0], in[1]);
    T_EQ_INT(aw_future_state_of(both), AW_FUTURE_COMPLETED);
    T_EQ_INT(((const int *)aw_future_value(both))[1], 2);
    aw_future_release(both);
    aw_future_release(in[0]);
    aw_future_release(in[1]);
}

static void test_race_and_any(void)
{
    aw_future *in[3] = {aw_future_new(0), aw_future_new(0), aw_future_new(0)};
    aw_future *race = aw_race(in, 3);
    aw_future *any = aw_any(in, 3);
    aw_future * or = aw_or(in[2], in[0]);
    aw_future_fail_with(in[1], AW_E_APP, 0, "first to finish failed");
    aw_drain();
    T_EQ_INT(aw_future_state_of(race), AW_FUTURE_FAILED);
    T_EQ_INT(aw_future_state_of(any), AW_FUTURE_PENDING);
    aw_future_complete(in[2], NULL, 0);
    aw_drain();
    T_EQ_INT(aw_future_state_of(any), AW_FUTURE_COMPLETED);
    T_EQ_INT(*(const uint32_t *)aw_future_value(any), 2);
    T_EQ_INT(*(const uint32_t *)aw_future_value(or), 0);
    T_EQ_INT(aw_future_state_of(in[0]), AW_FUTURE_PENDING); /* losers are left alone */
    aw_future_release(race);
    aw_future_release(any);
    aw_future_release(or);

    aw_future *f2[2] = {aw_future_new(0), aw_future_new(0)};
    aw_future *any2 = aw_any(f2, 2);
    aw_future_fail_with(f2[0], AW_E_APP, 0, "a");
    aw_future_fail_with(f2[1], AW_E_APP, 0, "b");
    aw_drain();
    T_EQ_INT(aw_future_state_of(any2), AW_FUTURE_FAILED);
    T_EQ_STR(aw_error_message(aw_future_error(any2)), "b");
    aw_future *empty = aw_race(NULL, 0);
    T_EQ_INT(aw_future_state_of(empty), AW_FUTURE_FAILED);
    aw_future_release(empty);
    aw_future_release(any2);
    for (int i = 0; i < 3; i++)
        aw_future_release(in[i]);
    aw_future_release(f2[0]);
    aw_future_release(f2[1]);
    aw_drain();
}

typedef struct timed {
    aw_task task;
    int value;
    aw_error *err;
    aw_future *inner;
} timed;

AW_ASYNC(timed, timed_run)
static aw_status timed_run(timed *f)
{
    AW_BEGIN(f);
    AW_AWAIT_TRY(f, aw_with_timeout(f->inner, 2 * MS), &f->value, &f->err);
    AW_END(f);
}

static void test_with_timeout_times_out_and_cancels_the_loser(void)
{
    timed t = {.inner = aw_future_new(sizeof(int))};
    aw_future *fut = aw_task_start(aw_task_init(&t.task, timed_run_step), NULL, 0);
    T_EQ_INT(aw_wait_for(fut), AW_OK);
    T_CHECK(t.err != NULL);
    T_EQ_INT(aw_error_kind_of(t.err), AW_E_TIMEOUT);
    T_EQ_STR(aw_error_message(t.err), "timed out after 2 ms");
    T_EQ_INT(aw_future_state_of(t.inner), AW_FUTURE_CANCELLED);
    aw_error_release(t.err);
    aw_future_release(t.inner);
    aw_future_release(fut);
}

static void test_with_timeout_passes_the_value_and_removes_its_timer(void)
{
    timed t = {.inner = aw_future_new(sizeof(int))};
    aw_future *fut = aw_task_start(aw_task_init(&t.task, timed_run_step), NULL, 0);
    int v = 99;
    aw_future_complete(t.inner, &v, sizeof v);
    T_EQ_INT(aw_wait_for(fut), AW_OK);
    T_CHECK(t.err == NULL);
    T_EQ_INT(t.value, 99);
    T_CHECK(!aw_has_pending()); /* the timeout's timer was cancelled */
    aw_future_release(t.inner);
    aw_future_release(fut);
}

static void test_timeout_cancels_a_task_and_runs_its_finally(void)
{
    fin slow = {.path = PATH_WAIT, .gate = aw_future_new(0)}; /* never ends by itself */
    aw_future *inner = aw_task_start(aw_task_init(&slow.task, fin_run_step), NULL, 0);
    aw_future *guarded = aw_with_timeout(inner, 2 * MS);
    T_EQ_INT(aw_wait_for(guarded), AW_ERR_STATE);
    T_EQ_INT(aw_error_kind_of(aw_future_error(guarded)), AW_E_TIMEOUT);
    T_EQ_INT(slow.finally_runs, 1);
    T_EQ_INT(slow.pending_kind, AW_E_CANCELLED);
    T_EQ_INT(aw_task_state_of(&slow.task), AW_TASK_DONE);
    T_EQ_INT(aw_error_kind_of(aw_future_error(inner)), AW_E_CANCELLED);
    aw_future_release(guarded);
    aw_future_release(inner);
    aw_future_release(slow.gate);
}

static void test_cancelling_a_combinator_cancels_its_pending_inputs(void)
{
    int one = 1;
    aw_future *in[3] = {aw_future_completed(&one, sizeof one), aw_future_new(sizeof(int)),
                        aw_sleep(3600ull * 1000 * MS)};
    aw_future *all = aw_all((aw_future *[]){in[0], in[1]}, 2);
    aw_future *race = aw_race(&in[2], 1);
    T_EQ_INT(aw_future_cancel(all), AW_OK);
    T_EQ_INT(aw_future_cancel(race), AW_OK);
    T_EQ_INT(aw_future_state_of(in[0]), AW_FUTURE_COMPLETED); /* finished inputs stay as they are */
    T_EQ_INT(aw_future_state_of(in[1]), AW_FUTURE_CANCELLED);
    T_EQ_INT(aw_future_state_of(in[2]), AW_FUTURE_CANCELLED);
    T_CHECK(!aw_has_pending()); /* the timer went with it */
    aw_future_release(all);
    aw_future_release(race);
    for (int i = 0; i < 3; i++)
        aw_future_release(in[i]);
    T_EQ_INT(aw_drain(), 0);
}

/* ---- timers ------------------------------------------------------------------------------ */

typedef struct sleeper {
    aw_task task;
    const char *name;
    uint64_t ns;
} sleeper;

AW_ASYNC(sleeper, sleeper_run)
static aw_status sleeper_run(sleeper *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, aw_sleep(f->ns), AW_DISCARD);
    ev(f->name);
    AW_END(f);
}

static void test_timers_fire_in_deadline_order(void)
{
    sleeper s[5] = {{.name = "c", .ns = 6 * MS},
                    {.name = "a", .ns = 2 * MS},
                    {.name = "d", .ns = 8 * MS},
                    {.name = "b", .ns = 4 * MS},
                    {.name = "zero", .ns = 0}};
    ev_reset();
    for (int i = 0; i < 5; i++)
        aw_spawn(aw_task_init(&s[i].task, sleeper_run_step));
    T_EQ_INT(aw_run(), AW_OK);
    T_EQ_STR(events, "zero a b c d");
}

static void test_equal_deadlines_fire_in_creation_order(void)
{
    uint64_t d = aw_now() + MS;
    aw_future *f[4];
    for (int i = 0; i < 4; i++)
        f[i] = aw_sleep_until(d);
    waiter w[4] = {{.name = "t0", .no_value = 1},
                   {.name = "t1", .no_value = 1},
                   {.name = "t2", .no_value = 1},
                   {.name = "t3", .no_value = 1}};
    ev_reset();
    for (int i = 3; i >= 0; i--) {
        /* waiters spawned in reverse order: the wake order must follow the timers */
        w[i].fut = f[i];
        aw_spawn(aw_task_init(&w[i].task, waiter_run_step));
    }
    aw_run();
    T_EQ_STR(events, "t0 t1 t2 t3");
    for (int i = 0; i < 4; i++)
        T_CHECK(w[i].err == NULL);
}

static void test_cancelled_sleep_removes_its_timer(void)
{
    aw_future *a = aw_sleep(3600ull * 1000 * MS);
    aw_future *b = aw_sleep(MS);
    T_CHECK(aw_has_pending());
    T_EQ_INT(aw_future_cancel(a), AW_OK);
    T_EQ_INT(aw_wait_for(b), AW_OK);
    T_CHECK(!aw_has_pending());
    aw_future_release(a);
    aw_future_release(b);
}

/* ---- channels ---------------------------------------------------------------------------- */

typedef struct consumer {
    aw_task task;
    aw_channel *ch;
    int got[8];
    int n;
    aw_error *err;
} consumer;

AW_ASYNC(consumer, consumer_run)
static aw_status consumer_run(consumer *f)
{
    AW_BEGIN(f);
    for (;;) {
        AW_AWAIT_TRY(f, aw_channel_recv(f->ch), &f->got[f->n], &f->err);
        if (f->err)
            break;
        f->n++;
    }
    AW_END(f);
}

typedef struct producer {
    aw_task task;
    aw_channel *ch;
    int i, count;
} producer;

AW_ASYNC(producer, producer_run)
static aw_status producer_run(producer *f)
{
    AW_BEGIN(f);
    for (f->i = 1; f->i <= f->count; f->i++)
        AW_AWAIT(f, aw_channel_send(f->ch, &f->i), AW_DISCARD);
    aw_channel_close(f->ch);
    AW_END(f);
}

static void test_channel_delivers_in_order_then_close_fails_receiver(void)
{
    for (size_t cap = 0; cap <= 2; cap++) {
        aw_channel *ch = aw_channel_new(sizeof(int), cap);
        consumer c = {.ch = ch};
        producer p = {.ch = ch, .count = 5};
        aw_spawn(aw_task_init(&c.task, consumer_run_step));
        aw_spawn(aw_task_init(&p.task, producer_run_step));
        aw_drain();
        T_EQ_INT(c.n, 5);
        for (int i = 0; i < 5; i++)
            T_EQ_INT(c.got[i], i + 1);
        T_CHECK(c.err != NULL);
        T_EQ_INT(aw_error_kind_of(c.err), AW_E_CHANNEL_CLOSED);
        aw_error_release(c.err);
        aw_channel_free(ch);
    }
}

static void test_channel_skips_cancelled_receivers(void)
{
    aw_channel *ch = aw_channel_new(sizeof(int), 0);
    aw_future *r1 = aw_channel_recv(ch);
    aw_future *r2 = aw_channel_recv(ch);
    T_EQ_INT(aw_future_cancel(r1), AW_OK);
    int v = 5;
    aw_future *s1 = aw_channel_send(ch, &v);
    T_EQ_INT(aw_future_state_of(s1), AW_FUTURE_COMPLETED); /* handed to r2, the live receiver */
    T_EQ_INT(aw_future_state_of(r2), AW_FUTURE_COMPLETED);
    T_EQ_INT(*(const int *)aw_future_value(r2), 5);
    aw_future *s2 = aw_channel_send(ch, &v);
    T_EQ_INT(aw_future_state_of(s2), AW_FUTURE_PENDING); /* capacity 0: waits for a receiver */
    aw_future *list[] = {r1, r2, s1, s2};
    aw_channel_free(ch);
    T_EQ_INT(aw_error_kind_of(aw_future_error(s2)), AW_E_CHANNEL_CLOSED);
    for (size_t i = 0; i < 4; i++)
        aw_future_release(list[i]);
}

static void test_channel_close_fails_pending_senders_and_keeps_buffer(void)
{
    aw_channel *ch = aw_channel_new(sizeof(int), 1);
    int one = 1, two = 2;
    aw_future *s1 = aw_channel_send(ch, &one);
    aw_future *s2 = aw_channel_send(ch, &two);
    T_EQ_INT(aw_future_state_of(s1), AW_FUTURE_COMPLETED); /* buffered */
    T_EQ_INT(aw_future_state_of(s2), AW_FUTURE_PENDING);   /* buffer full */
    T_EQ_INT(aw_channel_len(ch), 1);
    T_EQ_INT(aw_channel_close(ch), AW_OK);
    T_EQ_INT(aw_channel_close(ch), AW_ERR_STATE);
    T_EQ_INT(aw_future_state_of(s2), AW_FUTURE_FAILED);
    T_EQ_INT(aw_error_kind_of(aw_future_error(s2)), AW_E_CHANNEL_CLOSED);
    aw_future *r1 = aw_channel_recv(ch);
    aw_future *r2 = aw_channel_recv(ch);
    T_EQ_INT(*(const int *)aw_future_value(r1), 1);
    T_EQ_INT(aw_future_state_of(r2), AW_FUTURE_FAILED);
    aw_future *s3 = aw_channel_send(ch, &one);
    T_EQ_INT(aw_error_kind_of(aw_future_error(s3)), AW_E_CHANNEL_CLOSED);
    aw_future *list[] = {s1, s2, r1, r2, s3};
    for (size_t i = 0; i < 5; i++)
        aw_future_release(list[i]);
    aw_channel_free(ch);
}

/* ---- detached tasks and the error hook --------------------------------------------------- */

static char hooked[256];

static void test_hook(const aw_error *err, aw_task *task, void *data)
{
    (void)task;
    snprintf(hooked, sizeof hooked, "%s:%s", (const char *)data, aw_error_message(err));
}

static void test_uncaught_error_of_detached_task_goes_to_hook(void)
{
    fin f = {.path = PATH_THROW};
    hooked[0] = '\0';
    aw_set_error_hook(test_hook, "hook");
    aw_spawn(aw_task_init(&f.task, fin_run_step));
    T_EQ_STR(hooked, "hook:thrown");
    /* cancellation is not reported */
    fin g = {.path = PATH_WAIT, .gate = aw_future_new(0)};
    hooked[0] = '\0';
    aw_spawn(aw_task_init(&g.task, fin_run_step));
    aw_task_cancel(&g.task);
    T_EQ_STR(hooked, "");
    aw_set_error_hook(NULL, NULL);
    aw_future_release(g.gate);
}

/* ---- 30,000 waiters on one future -------------------------------------------------------- */

#define MANY 30000

typedef struct many_waiter {
    aw_task task;
    aw_future *fut;
    int value;
} many_waiter;

static int many_sum;

AW_ASYNC(many_waiter, many_waiter_run)
static aw_status many_waiter_run(many_waiter *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, f->fut, &f->value);
    many_sum += f->value;
    AW_END(f);
}

static void test_thirty_thousand_waiters_on_one_future(void)
{
    many_waiter *w = calloc(MANY, sizeof *w);
    T_CHECK(w != NULL);
    if (!w)
        return;
    aw_future *fut = aw_future_new(sizeof(int));
    many_sum = 0;
    for (int i = 0; i < MANY; i++) {
        w[i].fut = aw_future_retain(fut);
        aw_spawn(aw_task_init(&w[i].task, many_waiter_run_step));
    }
    /* cancel one in the middle: it must be unlinked from the list */
    T_EQ_INT(aw_task_cancel(&w[MANY / 2].task), AW_OK);
    int v = 1;
    aw_future_complete(fut, &v, sizeof v);
    aw_future_release(fut);
    aw_stats st;
    size_t steps = aw_drain();
    aw_stats_get(&st);
    T_EQ_INT(steps, MANY - 1);
    T_EQ_INT(many_sum, MANY - 1);
    T_CHECK(st.ready_max >= MANY - 1);
    int done = 0;
    for (int i = 0; i < MANY; i++)
        done += aw_task_state_of(&w[i].task) == AW_TASK_DONE;
    T_EQ_INT(done, MANY);
    free(w);
}

/* ---- memory ------------------------------------------------------------------------------ */

typedef struct looper {
    aw_task task;
    int i, n;
} looper;

AW_ASYNC(looper, looper_run)
static aw_status looper_run(looper *f)
{
    AW_BEGIN(f);
    for (f->i = 0; f->i < f->n; f->i++)
        AW_AWAIT(f, aw_yield(), AW_DISCARD);
    AW_END(f);
}

static void test_no_malloc_per_await_in_steady_state(void)
{
    looper warm = {.n = 10}, l = {.n = 1000};
    aw_spawn(aw_task_init(&warm.task, looper_run_step));
    aw_drain();
    aw_stats before, after;
    aw_stats_get(&before);
    aw_spawn(aw_task_init(&l.task, looper_run_step));
    aw_drain();
    aw_stats_get(&after);
    T_EQ_INT(aw_task_state_of(&l.task), AW_TASK_DONE);
#ifdef AW_NO_POOL
    T_EQ_INT(after.mallocs - before.mallocs, after.frees - before.frees); /* balanced */
#else
    T_EQ_INT(after.mallocs - before.mallocs, 0);
#endif
    T_EQ_INT(after.futures_live, before.futures_live);
}

static void test_allocation_failure_is_an_error_not_a_crash(void)
{
    aw_trim(); /* empty pools: the next allocations must call malloc */
    fin f = {.path = PATH_PROPAGATE};
    ev_reset();
    aw__test_fail_allocs(0);
    T_CHECK(aw_future_new(4) == NULL);
    T_CHECK(aw_sleep(MS) == NULL);
    T_CHECK(aw_channel_new(4, 4) == NULL);
    T_EQ_INT(aw_call_soon(log_cb, "x"), AW_ERR_NOMEM);
    /* awaiting NULL (the failed constructor) fails the task with out of memory */
    aw_task_run_cb(aw_task_init(&f.task, fin_run_step), done_log);
    aw__test_fail_allocs(-1);
    T_EQ_STR(events, "out of memory");
    T_EQ_INT(f.finally_runs, 1);
    aw_error *e = aw_error_new(AW_E_APP, 0, "fine again");
    T_EQ_STR(aw_error_message(e), "fine again");
    aw_error_release(e);
}

/* ---- debugging and profiling aids ----------------------------------------------------------- */

#if defined(AW_DEBUG) && !defined(__wasi__)
#include <unistd.h>

/* Run fn with the log (stderr) captured into buf. */
static void capture_log(void (*fn)(void), char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/aw_log_%d.txt", (int)getpid());
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = fopen(path, "w+");
    if (!tmp || saved < 0) {
        buf[0] = '\0';
        return;
    }
    dup2(fileno(tmp), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(buf, 1, size - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    remove(path);
}

static size_t dumped, profiled;

static void do_dump(void)
{
    dumped = aw_debug_dump_pending();
}

static void do_profile(void)
{
    profiled = aw_profile_report();
}

static void spawn_failing(void)
{
    static fin f;
    f = (fin){.path = PATH_THROW};
    aw_spawn(aw_task_init(&f.task, fin_run_step));
}

static void test_uncaught_error_is_printed_by_default(void)
{
    char log[4096];
    aw_set_error_hook(NULL, NULL);
    capture_log(spawn_failing, log, sizeof log);
    T_CONTAINS(log, "asyncwasm: uncaught error in detached task");
    T_CONTAINS(log, "application error: thrown\n  at fin_run (tests/aw/test_core.c:");
}

static void test_debug_lists_pending_futures_with_their_sites(void)
{
    char log[8192], expect[128];
    int line = __LINE__ + 1;
    aw_future *a = aw_future_new(4);
    aw_future *b = aw_sleep(3600ull * 1000 * MS);
    capture_log(do_dump, log, sizeof log);
    T_EQ_INT(dumped, 2);
    snprintf(expect, sizeof expect, "created at tests/aw/test_core.c:%d", line);
    T_CONTAINS(log, expect);
    snprintf(expect, sizeof expect, "created at tests/aw/test_core.c:%d", line + 1);
    T_CONTAINS(log, expect);
    T_CONTAINS(log, "2 pending futures");
    aw_future_cancel(b);
    aw_future_release(a);
    aw_future_release(b);
    /* the profiler saw the async functions of the tests above, with their resumes */
    capture_log(do_profile, log, sizeof log);
    T_CHECK(profiled > 5);
    T_CONTAINS(log, "async function");
    T_CONTAINS(log, "many_waiter_run ");
    T_CONTAINS(log, "level3 ");
}
#endif

static void test_null_arguments_get_clear_errors(void)
{
    T_EQ_INT(aw_future_state_of(NULL), AW_FUTURE_FAILED);
    T_EQ_INT(aw_error_kind_of(aw_future_error(NULL)), AW_E_NOMEM);
    T_EQ_INT(aw_future_size(NULL), 0);
    T_EQ_INT(aw_future_complete(NULL, NULL, 0), AW_ERR_INVALID);
    T_EQ_INT(aw_future_cancel(NULL), AW_ERR_INVALID);
    T_EQ_INT(aw_wait_for(NULL), AW_ERR_INVALID);
    T_EQ_INT(aw_task_cancel(NULL), AW_ERR_INVALID);
    T_EQ_INT(aw_spawn(NULL), AW_ERR_INVALID);
    T_EQ_INT(aw_channel_close(NULL), AW_ERR_INVALID);
    T_CHECK(aw_channel_new(0, 4) == NULL);
    aw_future *r = aw_channel_recv(NULL);
    T_EQ_INT(aw_error_kind_of(aw_future_error(r)), AW_E_STATE);
    aw_future_release(r);
}

static void test_heap_frame_with_done_callback_is_freed_after_it(void)
{
    fin *f = aw_task_new(sizeof *f, fin_run_step);
    T_CHECK(f != NULL);
    if (!f)
        return;
    f->path = PATH_THROW;
    ev_reset();
    T_EQ_INT(aw_task_run_cb(&f->task, done_log), AW_OK);
    T_EQ_STR(events, "application error"); /* the sanitizer build checks the frame was freed */
}

int main(void)
{
    T_RUN(test_future_complete_wakes_waiter_with_value);
    T_RUN(test_several_awaits_on_one_line_resume_where_they_suspended);
    T_RUN(test_complete_twice_and_wrong_size_are_errors);
    T_RUN(test_await_of_finished_future_does_not_suspend);
    T_RUN(test_await_size_mismatch_fails_the_task);
    T_RUN(test_ready_tasks_run_in_fifo_order_and_yield_interleaves);
    T_RUN(test_cancelling_yielded_tasks_takes_them_out_of_the_ready_queue);
    T_RUN(test_call_soon_runs_later_in_order);
    T_RUN(test_call_soon_ring_keeps_order_across_wrap_and_growth);
    T_RUN(test_call_soon_runs_after_the_tasks_ready_before_it);
    T_RUN(test_drain_of_callbacks_runs_what_they_leave_in_turn_order);
    T_RUN(test_future_functions_work_through_their_addresses);
    T_RUN(test_many_waiters_wake_in_arrival_order);
    T_RUN(test_error_propagates_through_three_levels_with_trace);
    T_RUN(test_recursive_async_function);
    T_RUN(test_shared_error_gets_separate_traces);
    T_RUN(test_error_kinds_table);
    T_RUN(test_finally_runs_on_every_path);
    T_RUN(test_cancel_parent_cancels_awaited_child_first);
    T_RUN(test_cancel_requested_during_a_childs_first_step_stops_the_parent_at_once);
    T_RUN(test_cancel_task_whose_future_already_finished);
    T_RUN(test_waiters_of_a_finished_future_run_in_order_unless_cancelled_first);
    T_RUN(test_cancel_of_running_task_takes_effect_at_next_await);
    T_RUN(test_awaiting_a_finished_child_again_is_an_error);
    T_RUN(test_stale_resume_point_fails_loudly);
    T_RUN(test_all_values_in_input_order);
    T_RUN(test_all_first_failure_fails_and_cancels_the_rest);
    T_RUN(test_all_of_nothing_and_of_finished_futures_complete_at_once);
    T_RUN(test_race_and_any);
    T_RUN(test_with_timeout_times_out_and_cancels_the_loser);
    T_RUN(test_with_timeout_passes_the_value_and_removes_its_timer);
    T_RUN(test_timeout_cancels_a_task_and_runs_its_finally);
    T_RUN(test_cancelling_a_combinator_cancels_its_pending_inputs);
    T_RUN(test_timers_fire_in_deadline_order);
    T_RUN(test_equal_deadlines_fire_in_creation_order);
    T_RUN(test_cancelled_sleep_removes_its_timer);
    T_RUN(test_channel_delivers_in_order_then_close_fails_receiver);
    T_RUN(test_channel_skips_cancelled_receivers);
    T_RUN(test_channel_close_fails_pending_senders_and_keeps_buffer);
    T_RUN(test_uncaught_error_of_detached_task_goes_to_hook);
    T_RUN(test_thirty_thousand_waiters_on_one_future);
    T_RUN(test_no_malloc_per_await_in_steady_state);
    T_RUN(test_allocation_failure_is_an_error_not_a_crash);
    T_RUN(test_null_arguments_get_clear_errors);
    T_RUN(test_heap_frame_with_done_callback_is_freed_after_it);
#if defined(AW_DEBUG) && !defined(__wasi__)
    T_RUN(test_uncaught_error_is_printed_by_default);
    T_RUN(test_debug_lists_pending_futures_with_their_sites);
#endif
    T_CHECK(!aw_has_pending());
    aw_trim();
    return t_summary();
}
