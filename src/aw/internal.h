/*
 * internal.h - data structures shared by the core's source files (not installed).
 *
 * The core is single-threaded and keeps its state in one global, aw__g: the ready queue, the
 * timer heap, the fd watches, the block pools and the counters. Futures are defined here so that
 * the executor, the combinators and the channels can reach their waiter lists; user code only
 * ever sees aw_future as an opaque type.
 */
#ifndef ASYNCWASM_SRC_AW_INTERNAL_H
#define ASYNCWASM_SRC_AW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "asyncwasm/aw_core.h"
#include "backend.h"

/* The task flags AW__TF_* are defined in aw_core.h: the inline await fast paths read them. */

/* Which member of aw_task.cont is live. */
#define AW__CONT_NONE   0 /* detached (aw_spawn), or an internal waiter */
#define AW__CONT_PARENT 1 /* awaited by a parent task (AW_AWAIT_TASK) */
#define AW__CONT_FUTURE 2 /* completes a future (aw_task_start) */
#define AW__CONT_DONE   3 /* calls a done callback (aw_task_run_cb) */

/*
 * A future. Invariants: `head`..`tail` (linked through aw_task.next) are the tasks waiting on it,
 * non-empty only while PENDING; every waiting task holds one of the `refs`; `error` is set exactly
 * when FAILED or CANCELLED; `hook` is cleared when the future finishes. The value (`size` bytes)
 * follows the header at AW__FUT_HDR.
 */
struct aw_future {
    aw_task *head, *tail; /* waiters in arrival order */
    aw_error *error;      /* failed / cancelled: the error */
    aw_cancel_hook hook;  /* producer's cancel hook (pending only) */
    void *hook_data;
    union {
        size_t timer_index; /* timer futures: position in the heap */
        const void *result; /* task futures: where the task's result is read from */
    } p;
    uint32_t size;     /* value size */
    uint32_t refs;     /* references */
    uint32_t nwaiters; /* length of the waiter list */
    uint8_t state;     /* aw_future_state */
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

/* One pending timer of the heap, ordered by (deadline, seq). */
typedef struct aw__timer {
    uint64_t deadline;
    uint64_t seq;
    aw_future *fut; /* the timer holds a reference */
} aw__timer;

#define AW__POOL_CLASSES 32 /* block sizes 16, 32, ..., 512 bytes */

typedef struct aw__global {
    aw_task *ready_head, *ready_tail; /* the ready queue (FIFO), linked through aw_task.next */
    uint64_t now;                     /* the backend clock, read at most once per executor turn */
    int now_valid;                    /* `now` was read in this turn */
    int in_turn;                      /* inside aw_drain/aw_poll */
    aw__timer *timers;                /* binary min-heap */
    size_t ntimers, timers_cap;
    uint64_t timer_seq;
#if !(defined(AW_BACKEND_IC) && AW_BACKEND_IC)
    aw__watch *watches;
    size_t nwatches, watches_cap;
#endif
    void *pool[AW__POOL_CLASSES]; /* free lists of blocks by size class */
    aw_error_hook hook;
    void *hook_data;
    long fail_allocs_after; /* tests: fail every allocation after this many (-1: never) */
    aw_stats stats;         /* mallocs, frees, ready_max; the two below are copied in on read */
    size_t futures_live;    /* native-width counters: cheap on wasm32's hot path */
    size_t steps;
} aw__global;

extern aw__global aw__g;

/* Blocks: pooled for sizes up to 512 bytes, malloc above. NULL when memory runs out. The pool
 * hit is inline; refilling, large blocks and failure injection are out of line. */
void *aw__alloc_slow(size_t size);
void aw__free_slow(void *p, size_t size);

static inline size_t aw__class_of(size_t size)
{
    size_t c = size ? (size - 1) / 16 : 0;
    return c < AW__POOL_CLASSES ? c : AW__POOL_CLASSES;
}

static inline void *aw__alloc(size_t size)
{
#ifndef AW_NO_POOL
    size_t c = aw__class_of(size);
    void *p = c < AW__POOL_CLASSES ? aw__g.pool[c] : NULL;
    if (p && aw__g.fail_allocs_after < 0) {
        aw__g.pool[c] = *(void **)p;
        return p;
    }
#endif
    return aw__alloc_slow(size);
}

static inline void aw__free(void *p, size_t size)
{
#ifndef AW_NO_POOL
    size_t c = aw__class_of(size);
    if (p && c < AW__POOL_CLASSES) {
        *(void **)p = aw__g.pool[c];
        aw__g.pool[c] = p;
        return;
    }
#endif
    aw__free_slow(p, size);
}

/* Copy a value of n bytes: the usual small sizes without a call to memcpy. */
static inline void aw__copy(void *dst, const void *src, size_t n)
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
/* malloc/realloc/free that the statistics count (and the tests' failure injection). */
void *aw__malloc(size_t size);
void *aw__realloc(void *p, size_t size);
void aw__mfree(void *p);

/* Make room for one more element in the array `items` holding `len` of *cap elements of `size`
 * bytes (doubling, from 8). Returns the array (moved or not; *cap updated), or NULL when memory
 * runs out (the array and *cap are then unchanged). */
void *aw__grow(void *items, size_t *cap, size_t len, size_t size);

/* Tests: make every allocation after `n` more succeed fail (n < 0: never fail). */
void aw__test_fail_allocs(long n);

/* Put a task at the tail of the ready queue. */
static inline void aw__ready_push(aw_task *t)
{
    t->next = NULL;
    t->state = AW_TASK_READY;
    if (aw__g.ready_tail)
        aw__g.ready_tail->next = t;
    else
        aw__g.ready_head = t;
    aw__g.ready_tail = t;
}

#ifdef AW_PROFILE
/* Bracket a step: returns the state to pass to aw__profile_after. */
void *aw__profile_before(uint64_t *t0);
void aw__profile_after(void *saved, uint64_t t0);
#endif

/* Run one step of `t` (state becomes RUNNING). `t` must not be touched afterwards by the caller
 * unless it knows the frame outlives the step. */
static inline void aw__task_run(aw_task *t)
{
    t->state = AW_TASK_RUNNING;
    aw__g.steps++;
#ifdef AW_PROFILE
    uint64_t t0;
    void *saved = aw__profile_before(&t0);
    t->step(t);
    aw__profile_after(saved, t0);
#else
    t->step(t);
#endif
}

/* Finish a pending future: set state and error, clear the hook, move the waiters to the ready
 * queue. */
void aw__future_settle(aw_future *fut, aw_future_state state, aw_error *err);

/* Remove `t` from the waiter list of `fut` (O(waiters)). Returns 1 when found. */
int aw__future_unlink(aw_future *fut, aw_task *t);

/* Run expired timers: complete their futures. Returns how many fired. */
size_t aw__timers_expire(void);
/* Earliest deadline, or AW__NO_DEADLINE. */
uint64_t aw__timers_next(void);

#if !(defined(AW_BACKEND_IC) && AW_BACKEND_IC)
/* Watch `fd` for `events`; completes `fut` when ready (the watch takes a reference). */
int aw__watch_add(int fd, unsigned events, aw_future *fut);
#endif

/* The static out-of-memory error (never freed; retain and release do nothing). */
aw_error *aw__error_nomem(void);

/* Logging to the backend: printf-style, one line (a newline is added). */
void aw__logf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a message and abort: a broken rule that cannot be turned into an error. Kept out of the
 * hot functions (a variadic call would give each of them a stack frame). */
_Noreturn void aw__fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), cold));

#ifdef AW_DEBUG
#define AW__DBG(...) aw__logf("aw: " __VA_ARGS__)
void aw__debug_future_born(aw_future *fut);
void aw__debug_future_dead(aw_future *fut);
#else
#define AW__DBG(...) ((void)0)
#endif

#endif
