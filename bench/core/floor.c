/*
 * floor.c - the least a stackless design pays on issue 2's workload: calibration for the wasm
 * instruction count of bench/core/wasm_workload.c, counted the same way (count_wasm.sh).
 *
 * Not the library. Each variant is the workload (N iterations; each awaits mid(), which awaits
 * leaf() twice; leaf awaits an I/O pending exactly once) with the same I/O device and driver as
 * bench/core/workload.h, and the bare minimum of machinery a design of its kind needs to run it:
 * no errors, no traces, no FINALLY, no cancellation, no task state, no stale resume check, no
 * re-entrancy guard, no statistics. Frames are embedded in their parents as in the workload.
 *
 *   FLOOR_PLAIN   plain C calls: leaf() returns the device's next value (no suspension at all)
 *   FLOOR_DIRECT  the library's model: a step function per async function, resumed directly by
 *                 the completion; a finishing child resumes its parent
 *   FLOOR_POLL    the model of Rust's futures: every completion re-enters the root task, which
 *                 calls down the chain of children (the compiler inlines the whole chain)
 *   FLOOR_DIRECTERR, FLOOR_POLLERR  the same plus the one thing issue 2 cannot do without:
 *                 failures propagate (a failed I/O fails the leaf, a failed child fails its
 *                 parent). Each await checks its outcome; nothing else is added.
 *   FLOOR_POLLGUARD  FLOOR_POLLERR plus the guard every runtime needs where a completion may
 *                 come from inside a step: a completion resumes its waiter at once only when no
 *                 step is running (a flag set around the resumption), and queues it otherwise
 *                 (never the case in this workload, but the test is paid)
 *
 * Built freestanding for wasm32 exactly as the workload; exports `run` (1 when the total is right).
 */
#include <stdint.h>

#ifndef FLOOR_ITERATIONS
#error "build with -DFLOOR_ITERATIONS=N"
#endif
#if defined(FLOOR_DIRECTERR)
#define FLOOR_DIRECT 1
#define FLOOR_ERRORS 1
#elif defined(FLOOR_POLLERR)
#define FLOOR_POLL   1
#define FLOOR_ERRORS 1
#elif defined(FLOOR_POLLGUARD)
#define FLOOR_POLL   1
#define FLOOR_ERRORS 1
#define FLOOR_GUARD  1
#endif

static int device_counter;

#ifdef FLOOR_PLAIN

__attribute__((noinline)) static int device_read(void)
{
    return ++device_counter;
}
__attribute__((noinline)) static int leaf(void)
{
    return device_read();
}
__attribute__((noinline)) static int mid(void)
{
    return leaf() + leaf();
}
static long long floor_run(int n)
{
    long long total = 0;
    for (int i = 0; i < n; i++)
        total += mid();
    return total;
}

#else /* the two stackless variants share the frames, the I/O slot and the device */

typedef struct task task;
/* A step returns 0 when it suspended, 1 when it finished; polled (FLOOR_POLLERR), 2 when it
 * failed. */
typedef int (*step_fn)(task *);

#ifdef FLOOR_ERRORS
#define ERRORS 1
#else
#define ERRORS 0 /* the error code below is compiled out */
#endif

typedef struct io_slot {
    task *waiter;
    int64_t value;
    uint8_t done; /* 0 pending, 1 completed, 2 failed (never, in this workload) */
} io_slot;

struct task {
    step_fn step;
    task *parent;      /* FLOOR_DIRECT: resumed when this task finishes */
    const char *error; /* FLOOR_ERRORS: why it failed, or NULL */
    uint16_t resume;
};

/* Fail the task: its END finishes it (FLOOR_DIRECT: the parent reads the error; FLOOR_POLL: the
 * step returns 2). */
#define FAIL(t, why)                                                                               \
    do {                                                                                           \
        (t)->error = (why);                                                                        \
        goto failed;                                                                               \
    } while (0)

#define RESUME_START 0x8000u
#define BEGIN(t)                                                                                   \
    enum { resume_base = __COUNTER__ };                                                            \
    int poll_status;                                                                               \
    (void)poll_status;                                                                             \
    switch ((t)->resume) {                                                                         \
    case RESUME_START:
#define NEXT_RP (RESUME_START + __COUNTER__ - resume_base)

/* The device: the slot waiting for the driver (one at a time, as in workload.h). */
static io_slot *device_pending;

static void device_start(io_slot *slot)
{
    slot->waiter = 0;
    slot->done = 0;
    device_pending = slot;
}

#ifdef FLOOR_DIRECT
/* Await a slot: become its waiter and suspend; the completion resumes this task. */
#define AWAIT_IO_AT(t, slot, rp)                                                                   \
    do {                                                                                           \
        if (!(slot)->done) {                                                                       \
            (slot)->waiter = (t);                                                                  \
            (t)->resume = rp;                                                                      \
            return 0;                                                                              \
        }                                                                                          \
    case rp:                                                                                       \
        if (ERRORS && (slot)->done != 1)                                                           \
            FAIL(t, "I/O failed");                                                                 \
    } while (0)
/* Await a child: run its first step; if it suspends, so does the parent, and the child's finish
 * resumes the parent at the case label. */
#define AWAIT_CHILD_AT(t, child, fn, frame, rp)                                                    \
    do {                                                                                           \
        (child)->resume = RESUME_START;                                                            \
        (child)->parent = 0;                                                                       \
        if (ERRORS)                                                                                \
            (child)->error = 0;                                                                    \
        if (!fn(frame)) {                                                                          \
            (child)->parent = (t);                                                                 \
            (t)->resume = rp;                                                                      \
            return 0;                                                                              \
        }                                                                                          \
    case rp:                                                                                       \
        if (ERRORS && (child)->error)                                                              \
            FAIL(t, (child)->error);                                                               \
    } while (0)
#define END(t)                                                                                     \
    default:;                                                                                      \
        }                                                                                          \
    failed:                                                                                        \
        if ((t)->parent)                                                                           \
            (t)->parent->step((t)->parent);                                                        \
        return 1
#else /* FLOOR_POLL */
static task *root_task; /* the task every completion resumes */
/* Await a slot: the root is its waiter; every resumption of the root re-polls the slot. */
#define AWAIT_IO_AT(t, slot, rp)                                                                   \
    do {                                                                                           \
        (slot)->waiter = root_task;                                                                \
        (t)->resume = rp;                                                                          \
    case rp:                                                                                       \
        if ((slot)->done != 1) {                                                                   \
            if (!ERRORS || !(slot)->done)                                                          \
                return 0;                                                                          \
            FAIL(t, "I/O failed");                                                                 \
        }                                                                                          \
    } while (0)
/* Await a child: poll it until it finishes, suspending the parent meanwhile. */
#define AWAIT_CHILD_AT(t, child, fn, frame, rp)                                                    \
    do {                                                                                           \
        (child)->resume = RESUME_START;                                                            \
    case rp:                                                                                       \
        if ((poll_status = fn(frame)) != 1) {                                                      \
            if (!ERRORS || !poll_status) {                                                         \
                (t)->resume = rp;                                                                  \
                return 0;                                                                          \
            }                                                                                      \
            FAIL(t, (child)->error);                                                               \
        }                                                                                          \
    } while (0)
#define END(t)                                                                                     \
    default:;                                                                                      \
        }                                                                                          \
        return 1;                                                                                  \
    failed:                                                                                        \
        return 2
#endif
#define AWAIT_IO(t, slot)                AWAIT_IO_AT(t, slot, NEXT_RP)
#define AWAIT_CHILD(t, child, fn, frame) AWAIT_CHILD_AT(t, child, fn, frame, NEXT_RP)

typedef struct leaf_frame {
    task t;
    io_slot io;
    int value;
} leaf_frame;

static int leaf_run(leaf_frame *f)
{
    BEGIN(&f->t)
    device_start(&f->io);
    AWAIT_IO(&f->t, &f->io);
    f->value = (int)f->io.value;
    END(&f->t);
}

typedef struct mid_frame {
    task t;
    leaf_frame leaf;
    int sum;
} mid_frame;

static int mid_run(mid_frame *f)
{
    BEGIN(&f->t)
    AWAIT_CHILD(&f->t, &f->leaf.t, leaf_run, &f->leaf);
    f->sum = f->leaf.value;
    AWAIT_CHILD(&f->t, &f->leaf.t, leaf_run, &f->leaf);
    f->sum += f->leaf.value;
    END(&f->t);
}

typedef struct top_frame {
    task t;
    mid_frame mid;
    int i, n;
    long long total;
} top_frame;

static int top_run(top_frame *f)
{
    BEGIN(&f->t)
    for (f->i = 0; f->i < f->n; f->i++) {
        AWAIT_CHILD(&f->t, &f->mid.t, mid_run, &f->mid);
        f->total += f->mid.sum;
    }
    END(&f->t);
}

#ifdef FLOOR_DIRECT
static int leaf_step(task *t)
{
    return leaf_run((leaf_frame *)(void *)t);
}
static int mid_step(task *t)
{
    return mid_run((mid_frame *)(void *)t);
}
#endif
static int top_step(task *t)
{
    return top_run((top_frame *)(void *)t);
}

#ifdef FLOOR_GUARD
static int in_step;           /* a step is running: a completion must not resume its waiter now */
static task *deferred_waiter; /* where such a waiter would be queued */
__attribute__((noinline)) static void defer(task *waiter)
{
    deferred_waiter = waiter;
}
static void complete(task *waiter)
{
    if (in_step) {
        defer(waiter);
        return;
    }
    in_step = 1;
    waiter->step(waiter);
    in_step = 0;
}
#else
static void complete(task *waiter)
{
    waiter->step(waiter);
}
#endif

static long long floor_run(int n)
{
    static top_frame top;
    top.t.step = top_step;
    top.t.resume = RESUME_START;
    top.t.error = 0;
    top.n = n;
#ifdef FLOOR_DIRECT
    top.mid.t.step = mid_step;
    top.mid.leaf.t.step = leaf_step;
#else
    root_task = &top.t; /* children need no step function: they are only called by parents */
#endif
    top.t.step(&top.t);
    while (device_pending) {
        io_slot *slot = device_pending;
        device_pending = 0;
        slot->value = ++device_counter;
        slot->done = 1;
        if (slot->waiter)
            complete(slot->waiter);
    }
    return top.total;
}

#endif

__attribute__((export_name("run"))) int run(void)
{
    long long n = FLOOR_ITERATIONS;
    return floor_run(FLOOR_ITERATIONS) == n * (2 * n + 1);
}
