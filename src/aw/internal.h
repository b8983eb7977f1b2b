/*
 * internal.h - data structures shared by the core's source files (not installed).
 *
 * The core is single-threaded and keeps its state in two globals: aw__hot (aw_core.h: the ready
 * queue, the block pools and the counters the inline await paths touch) and aw__g (here: the
 * call_soon ring, the timer heap, the fd watches, the hook and the other statistics). The future
 * struct is in aw_core.h for the same inline paths; user code treats aw_future as opaque.
 */
#ifndef ASYNCWASM_SRC_AW_INTERNAL_H
#define ASYNCWASM_SRC_AW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "asyncwasm/aw_core.h"
#include "backend.h"

/* The task flags AW__TF_* are defined in aw_core.h: the inline await fast paths read them. */

/* One pending timer of the heap, ordered by (deadline, seq). */
typedef struct aw__timer {
    uint64_t deadline;
    uint64_t seq;
    aw_future *fut; /* the timer holds a reference; NULL for a slot's timer */
    aw_op *op;      /* aw_sleep_op: the slot (its value.index is the heap position) */
} aw__timer;

typedef struct aw__global {
    uint64_t now;      /* the backend clock, read at most once per executor turn (valid when
                          aw__hot.now_valid; aw__hot.in_turn: inside aw_drain/aw_poll) */
    aw__timer *timers; /* binary min-heap */
    size_t ntimers, timers_cap;
    uint64_t timer_seq;
#if !(defined(AW_BACKEND_IC) && AW_BACKEND_IC)
    aw__watch *watches;
    size_t nwatches, watches_cap;
#endif
    aw_error_hook hook;
    void *hook_data;
    aw_stats stats;   /* mallocs and frees (futures_live and steps are in aw__hot) */
    size_t ready_max; /* aw_stats.ready_max, native width: cheap on wasm32 */
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
    void *p = c < AW__POOL_CLASSES ? aw__hot.pool[c] : NULL;
    if (p && aw__hot.fail_allocs_after < 0) {
        aw__hot.pool[c] = *(void **)p;
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
        *(void **)p = aw__hot.pool[c];
        aw__hot.pool[c] = p;
        return;
    }
#endif
    aw__free_slow(p, size);
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

/* Put a task at the tail of the ready queue (AW_YIELD). */
static inline void aw__ready_push(aw_task *t)
{
    t->state = AW_TASK_READY;
    aw__ready_append((uintptr_t)t | AW__NODE_TASK, &t->link.node);
}

/* The successor of ready-queue node `node` (aw_core.h: AW__NODE_*). */
static inline uintptr_t *aw__node_next(uintptr_t node)
{
    void *p = (void *)(node & ~AW__NODE_MASK);
    switch (node & AW__NODE_MASK) {
    case AW__NODE_FUT:
        return &((aw_future *)p)->ready_next;
    case AW__NODE_OP:
        return &((aw_op *)p)->aw__next;
    default:
        return &((aw_task *)p)->link.node;
    }
}

/* Remove `node` from the ready queue (O(queue)); returns 1 when it was there. */
int aw__ready_unlink(uintptr_t node);

/* The next waiter after `w` in its future's list, or NULL when `w` is the last. */
static inline aw_task *aw__waiter_next(const aw_task *w)
{
    return (w->link.node & AW__WAIT_TAIL) ? NULL : w->link.next;
}

/* The future whose waiter list holds `w` (WAITING): the tag at the end of the list. */
static inline aw_future *aw__waiter_future(const aw_task *w)
{
    while (!(w->link.node & AW__WAIT_TAIL))
        w = w->link.next;
    return (aw_future *)(void *)(w->link.node & ~(uintptr_t)AW__WAIT_TAIL);
}

/* Run one step of `t` from outside the hot paths (starting, cancelling, the ready queue): marks
 * a step as running, so that an operation slot completed meanwhile queues its waiter rather than
 * running it re-entrantly. */
static inline void aw__task_run_outer(aw_task *t)
{
    int outer = aw__hot.in_step;
    aw__hot.in_step = 1;
    aw__hot.steps++;
    aw__task_run(t);
    aw__hot.in_step = outer;
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
/* Watch `fd` for `events`; completes the slot `op` (started here) when ready. AW_ERR_NOMEM when
 * the watch list cannot grow (the slot is then not started). */
int aw__watch_add_op(int fd, unsigned events, aw_op *op);
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
