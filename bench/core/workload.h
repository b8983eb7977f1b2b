/*
 * workload.h - issue 2's benchmark workload, shared by the native and the wasm32 builds.
 *
 * N iterations; each awaits mid(), which awaits leaf() twice; leaf awaits an I/O that is pending
 * exactly once (3 async calls and 2 suspensions per iteration). The "I/O" is an operation slot
 * (aw_op) in the leaf's frame that the driver completes after the executor went idle, as a
 * backend completes an fd readiness slot after its poll: from outside any step, so the waiting
 * task resumes inside aw_op_complete. Child frames are embedded in their parents' frames
 * (AW_AWAIT_TASK): nothing is allocated per call or per I/O. With -DWL_IO_FUTURE the I/O is a
 * pooled future instead, completed by the driver and run by the next aw_drain (the only way
 * before slots existed), for comparison.
 */
#ifndef ASYNCWASM_BENCH_CORE_WORKLOAD_H
#define ASYNCWASM_BENCH_CORE_WORKLOAD_H

#include "asyncwasm/aw.h"

#ifndef WL_IO_FUTURE

/* The I/O device: the operation slot waiting to be completed by the driver. At most one is
 * pending at a time in this workload; one started while the driver completes another (the next
 * leaf's) is completed by the same call. */
static aw_op *wl_io_pending;
static int wl_counter;

static aw_op *wl_io_start(aw_op *op)
{
    aw_op_start(op, NULL);
    wl_io_pending = op;
    return op;
}

/* Complete the pending I/O, and those the resumed tasks start meanwhile, each with the next
 * counter value. Returns how many. */
static int wl_io_complete_all(void)
{
    int n = 0;
    while (wl_io_pending) {
        aw_op *op = wl_io_pending;
        wl_io_pending = NULL;
        op->value.i64 = ++wl_counter;
        aw_op_complete(op);
        n++;
    }
    return n;
}

typedef struct wl_leaf {
    aw_task task;
    aw_op io;
    int value;
} wl_leaf;

AW_ASYNC(wl_leaf, wl_leaf_run)
static aw_status wl_leaf_run(wl_leaf *f)
{
    AW_BEGIN(f);
    AW_AWAIT_OP(f, wl_io_start(&f->io));
    f->value = (int)f->io.value.i64;
    AW_END(f);
}

#else /* WL_IO_FUTURE: the I/O as a pooled future, completed by the driver, run by aw_drain */

static aw_future *wl_io_pending;
static int wl_counter;

static aw_future *wl_io_start(void)
{
    aw_future *fut = aw_future_new(sizeof(int));
    if (fut)
        wl_io_pending = aw_future_retain(fut);
    return fut;
}

/* Complete the pending future; its waiter runs in the next aw_drain. */
static int wl_io_complete_all(void)
{
    aw_future *fut = wl_io_pending;
    if (!fut)
        return 0;
    wl_io_pending = NULL;
    int v = ++wl_counter;
    aw_future_complete(fut, &v, sizeof v);
    aw_future_release(fut);
    return 1;
}

typedef struct wl_leaf {
    aw_task task;
    int value;
} wl_leaf;

AW_ASYNC(wl_leaf, wl_leaf_run)
static aw_status wl_leaf_run(wl_leaf *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, wl_io_start(), &f->value);
    AW_END(f);
}

#endif

typedef struct wl_mid {
    aw_task task;
    wl_leaf leaf;
    int sum;
} wl_mid;

AW_ASYNC(wl_mid, wl_mid_run)
static aw_status wl_mid_run(wl_mid *f)
{
    AW_BEGIN(f);
    AW_AWAIT_TASK(f, aw_task_init(&f->leaf.task, wl_leaf_run_step));
    f->sum = f->leaf.value;
    AW_AWAIT_TASK(f, aw_task_init(&f->leaf.task, wl_leaf_run_step));
    f->sum += f->leaf.value;
    AW_END(f);
}

typedef struct wl_top {
    aw_task task;
    wl_mid mid;
    int i, n;
    long long total;
} wl_top;

AW_ASYNC(wl_top, wl_top_run)
static aw_status wl_top_run(wl_top *f)
{
    AW_BEGIN(f);
    for (f->i = 0; f->i < f->n; f->i++) {
        AW_AWAIT_TASK(f, aw_task_init(&f->mid.task, wl_mid_run_step));
        f->total += f->mid.sum;
    }
    AW_END(f);
}

/* Run the workload for `n` iterations; returns the sum of all I/O values (n*(2n+1)), or -1 when
 * the task did not finish. */
static long long wl_run(int n)
{
    static wl_top top;
    top.n = n;
    top.total = 0;
    wl_counter = 0;
    aw_spawn(aw_task_init(&top.task, wl_top_run_step));
    for (;;) {
        aw_drain();
        if (!wl_io_complete_all())
            break;
    }
    return aw_task_state_of(&top.task) == AW_TASK_DONE ? top.total : -1;
}

#endif
