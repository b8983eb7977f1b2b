/*
 * bench_core.c - native figures for issue 2's benchmark table (run by `make bench`).
 *
 * Measures, with CLOCK_MONOTONIC over many repetitions (best of 5 runs), the cost of:
 *   - awaiting a child that finishes without suspending (AW_AWAIT_TASK) and an already completed
 *     future (AW_AWAIT);
 *   - aw_sleep(0) + await, driven by aw_drain (timer heap push/pop, one suspension);
 *   - aw_call_soon + aw_drain (one drain per callback, and one drain per 1000 callbacks);
 *   - adding a waiter to a future that already has 30,000 waiters (a task starting and awaiting
 *     it: aw_spawn of an initialised frame + the O(1) append);
 *   - one iteration of the workload (bench/core/workload.h);
 * and counts, with the core's own counters, mallocs per await in steady state and the runtime's
 * bytes per suspended task. The wasm32 instruction count comes from count_wasm.sh. Prints
 * `name value` lines that bench/core/report.sh puts into the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "asyncwasm/aw.h"
#include "workload.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define RUNS 5

/* The best (lowest) ns per operation of RUNS runs of `one_run`, which does `n` operations and
 * returns its elapsed nanoseconds. */
static double best_of(double (*one_run)(long n, int arg), long n, int arg)
{
    double best = 1e30;
    for (int r = 0; r < RUNS; r++) {
        double t = one_run(n, arg) / (double)n;
        if (t < best)
            best = t;
    }
    return best;
}

/* ---- await of a finished child / future ------------------------------------------------- */

typedef struct quick {
    aw_task task;
    int value;
} quick;

AW_ASYNC(quick, quick_run)
static aw_status quick_run(quick *f)
{
    AW_BEGIN(f);
    f->value = 1;
    AW_END(f);
}

typedef struct await_loop {
    aw_task task;
    quick child;
    long i, n, sum;
    int use_future;
} await_loop;

AW_ASYNC(await_loop, await_loop_run)
static aw_status await_loop_run(await_loop *f)
{
    int one = 1;
    AW_BEGIN(f);
    for (f->i = 0; f->i < f->n; f->i++) {
        if (f->use_future) {
            AW_AWAIT(f, aw_future_completed(&one, sizeof one), &f->child.value);
        } else {
            AW_AWAIT_TASK(f, aw_task_init(&f->child.task, quick_run_step));
        }
        f->sum += f->child.value;
    }
    AW_END(f);
}

static double run_await_finished(long n, int use_future)
{
    static await_loop l;
    l = (await_loop){.n = n, .use_future = use_future};
    double t0 = now_ns();
    aw_spawn(aw_task_init(&l.task, await_loop_run_step));
    double t = now_ns() - t0;
    if (l.sum != n)
        fprintf(stderr, "await loop: wrong sum %ld\n", l.sum);
    return t;
}

/* ---- sleep(0) + await --------------------------------------------------------------------- */

typedef struct sleep_loop {
    aw_task task;
    aw_op op;
    long i, n;
    int use_op; /* aw_sleep_op into the frame's slot instead of aw_sleep's future */
} sleep_loop;

AW_ASYNC(sleep_loop, sleep_loop_run)
static aw_status sleep_loop_run(sleep_loop *f)
{
    AW_BEGIN(f);
    for (f->i = 0; f->i < f->n; f->i++) {
        if (f->use_op)
            AW_AWAIT_OP(f, aw_sleep_op(&f->op, 0));
        else
            AW_AWAIT(f, aw_sleep(0), AW_DISCARD);
    }
    AW_END(f);
}

static double run_sleep0(long n, int use_op)
{
    sleep_loop l = {.n = n, .use_op = use_op};
    double t0 = now_ns();
    aw_spawn(aw_task_init(&l.task, sleep_loop_run_step));
    while (aw_task_state_of(&l.task) != AW_TASK_DONE)
        aw_drain();
    return now_ns() - t0;
}

/* ---- call_soon + drain ------------------------------------------------------------------- */

static long soon_count;

static void soon_cb(void *arg)
{
    (void)arg;
    soon_count++;
}

/* The nanoseconds since t0, after checking that all n callbacks ran. */
static double soon_elapsed(double t0, long n)
{
    double t = now_ns() - t0;
    if (soon_count != n)
        fprintf(stderr, "call_soon: %ld of %ld ran\n", soon_count, n);
    return t;
}

/* n callbacks, each queued by aw_call_soon and run by its own aw_drain: a loop of exactly the two
 * calls (the batched form's inner loop would add its own overhead to each). */
static double run_call_soon_each(long n, int unused)
{
    (void)unused;
    soon_count = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        aw_call_soon(soon_cb, NULL);
        aw_drain();
    }
    return soon_elapsed(t0, n);
}

/* n callbacks, each queued by aw_call_soon; one aw_drain per `batch` of them. */
static double run_call_soon(long n, int batch)
{
    soon_count = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i += batch) {
        for (int k = 0; k < batch; k++)
            aw_call_soon(soon_cb, NULL);
        aw_drain();
    }
    return soon_elapsed(t0, n);
}

/* ---- adding a waiter with 30,000 waiting ----------------------------------------------- */

typedef struct many {
    aw_task task;
    aw_future *fut;
} many;

AW_ASYNC(many, many_run)
static aw_status many_run(many *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, f->fut, AW_DISCARD);
    AW_END(f);
}

#define BASE_WAITERS  30000
#define EXTRA_WAITERS 1000

static double bench_add_waiter(void)
{
    double best = 1e30;
    many *w = calloc(BASE_WAITERS + EXTRA_WAITERS, sizeof *w);
    if (!w)
        return -1;
    for (int r = 0; r < RUNS; r++) {
        aw_future *fut = aw_future_new(0);
        for (int i = 0; i < BASE_WAITERS; i++) {
            w[i].fut = aw_future_retain(fut);
            aw_spawn(aw_task_init(&w[i].task, many_run_step));
        }
        double t0 = now_ns();
        for (int i = BASE_WAITERS; i < BASE_WAITERS + EXTRA_WAITERS; i++) {
            w[i].fut = aw_future_retain(fut);
            aw_spawn(aw_task_init(&w[i].task, many_run_step));
        }
        double t = (now_ns() - t0) / EXTRA_WAITERS;
        aw_future_complete(fut, NULL, 0);
        aw_future_release(fut);
        aw_drain();
        if (t < best)
            best = t;
    }
    free(w);
    return best;
}

/* ---- workload, mallocs, bytes ----------------------------------------------------------- */

static double run_workload(long n, int unused)
{
    (void)unused;
    double t0 = now_ns();
    long long total = wl_run((int)n);
    double t = now_ns() - t0;
    if (total != (long long)n * (2 * n + 1))
        fprintf(stderr, "workload: wrong total %lld\n", total);
    return t;
}

/* Mallocs per await over `n` workload iterations after a warm-up (each iteration has 5 awaits:
 * 2 on I/O slots and 3 on child tasks). */
static double mallocs_per_await(long n)
{
    wl_run(10);
    aw_stats a, b;
    aw_stats_get(&a);
    wl_run((int)n);
    aw_stats_get(&b);
    return (double)(b.mallocs - a.mallocs) / (double)(5 * n);
}

/* Bytes the runtime holds per suspended task beyond the frame: the task header is inside the
 * frame; count what the runtime allocates while 1000 tasks are suspended on one future. */
static double runtime_bytes_per_suspended_task(void)
{
    enum { N = 1000 };
    static many w[N];
    aw_future *fut = aw_future_new(0);
    aw_stats a, b;
    aw_stats_get(&a);
    for (int i = 0; i < N; i++) {
        w[i].fut = aw_future_retain(fut);
        aw_spawn(aw_task_init(&w[i].task, many_run_step));
    }
    aw_stats_get(&b);
    aw_future_complete(fut, NULL, 0);
    aw_future_release(fut);
    aw_drain();
    /* no malloc and no new future while suspending: only the header counts */
    return (double)(b.mallocs - a.mallocs) + (double)(b.futures_live - a.futures_live);
}

int main(void)
{
    printf("await_finished_child_ns %.1f\n", best_of(run_await_finished, 2000000, 0));
    printf("await_finished_future_ns %.1f\n", best_of(run_await_finished, 2000000, 1));
    printf("sleep0_await_ns %.1f\n", best_of(run_sleep0, 500000, 0));
    printf("sleep0_op_await_ns %.1f\n", best_of(run_sleep0, 500000, 1));
    printf("call_soon_drain_ns %.1f\n", best_of(run_call_soon_each, 2000000, 0));
    printf("call_soon_batch_ns %.1f\n", best_of(run_call_soon, 2000000, 1000));
    printf("add_waiter_30k_ns %.1f\n", bench_add_waiter());
    printf("workload_iteration_ns %.1f\n", best_of(run_workload, 500000, 0));
    printf("mallocs_per_await %.3f\n", mallocs_per_await(100000));
    printf("extra_runtime_allocations_per_suspended_task %.0f\n",
           runtime_bytes_per_suspended_task());
    printf("task_header_bytes_native %zu\n", sizeof(aw_task));
    return 0;
}
