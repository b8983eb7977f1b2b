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
 *
 * Built freestanding for wasm32 exactly as the workload; exports `run` (1 when the total is right).
 */
#include <stdint.h>

#ifndef FLOOR_ITERATIONS
#error "build with -DFLOOR_ITERATIONS=N"
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
typedef int (*step_fn)(task *); /* returns 1 when the task finished */

typedef struct io_slot {
    task *waiter;
    int64_t value;
    uint8_t done;
} io_slot;

struct task {
    step_fn step;
    task *parent; /* FLOOR_DIRECT: resumed when this task finishes */
    uint16_t resume;
};

#define RESUME_START 0x8000u
#define BEGIN(t)                                                                                   \
    enum { resume_base = __COUNTER__ };                                                            \
    switch ((t)->resume) {                                                                         \
    case RESUME_START:
#define NEXT_RP (RESUME_START + __COUNTER__ - resume_base)

/* The device: slots waiting for the driver (a stack, as in workload.h). */
static io_slot *device_pending[4];
static int device_npending;

static void device_start(io_slot *slot)
{
    slot->waiter = 0;
    slot->done = 0;
    device_pending[device_npending++] = slot;
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
    case rp:;                                                                                      \
    } while (0)
/* Await a child: run its first step; if it suspends, so does the parent, and the child's finish
 * resumes the parent at the case label. */
#define AWAIT_CHILD_AT(t, child, fn, frame, rp)                                                    \
    do {                                                                                           \
        (child)->resume = RESUME_START;                                                            \
        (child)->parent = 0;                                                                       \
        if (!fn(frame)) {                                                                          \
            (child)->parent = (t);                                                                 \
            (t)->resume = rp;                                                                      \
            return 0;                                                                              \
        }                                                                                          \
    case rp:;                                                                                      \
    } while (0)
#define END(t)                                                                                     \
    default:;                                                                                      \
        }                                                                                          \
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
        if (!(slot)->done)                                                                         \
            return 0;                                                                              \
    } while (0)
/* Await a child: poll it until it finishes, suspending the parent meanwhile. */
#define AWAIT_CHILD_AT(t, child, fn, frame, rp)                                                    \
    do {                                                                                           \
        (child)->resume = RESUME_START;                                                            \
    case rp:                                                                                       \
        if (!fn(frame)) {                                                                          \
            (t)->resume = rp;                                                                      \
            return 0;                                                                              \
        }                                                                                          \
    } while (0)
#define END(t)                                                                                     \
    default:;                                                                                      \
        }                                                                                          \
        return 1
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

static long long floor_run(int n)
{
    static top_frame top;
    top.t.step = top_step;
    top.t.resume = RESUME_START;
    top.n = n;
#ifdef FLOOR_DIRECT
    top.mid.t.step = mid_step;
    top.mid.leaf.t.step = leaf_step;
#else
    root_task = &top.t; /* children need no step function: they are only called by parents */
#endif
    top.t.step(&top.t);
    while (device_npending) {
        io_slot *slot = device_pending[--device_npending];
        slot->value = ++device_counter;
        slot->done = 1;
        if (slot->waiter)
            slot->waiter->step(slot->waiter);
    }
    return top.total;
}

#endif

__attribute__((export_name("run"))) int run(void)
{
    long long n = FLOOR_ITERATIONS;
    return floor_run(FLOOR_ITERATIONS) == n * (2 * n + 1);
}
