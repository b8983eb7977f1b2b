/*
 * loop.c - the executor: ready queue, timer heap, fd watches, and the loop phases.
 *
 * One turn of the loop, as aw_poll reads top to bottom:
 *   1. fire expired timers (their futures complete, waiters join the ready queue);
 *   2. run the ready queue (tasks queued while it runs are run in the same turn), then the
 *      aw_call_soon callbacks queued so far (a ring of {fn, arg}: no allocation, no task per
 *      callback), and again until both are empty;
 *   3. ask the backend to wait for fds until the next deadline (not at all when work is ready);
 *   4. complete the futures of ready fds, fire timers, run the ready queue again.
 * aw_drain is steps 1-2 repeated until nothing is ready, then tells the backend the next deadline:
 * it never blocks, which is all the IC's passive backend may do. The timer heap is a binary heap
 * ordered by (deadline, creation sequence) so that equal deadlines fire in creation order; each
 * timer future remembers its heap position, so cancelling a sleep removes its timer in O(log n).
 */
#include <string.h>

#include "internal.h"

uint64_t aw_now(void)
{
    return aw__backend_now();
}

/* ---- ready queue and call_soon ring ------------------------------------------------------ */

/* Run the waiters of `fut`, a future that finished, in order. Each waiter leaves the list before
 * it runs (a running task may cancel a later waiter, which unlinks itself) and finds the future in
 * its link again. A single waiter runs last thing: the future is not touched after it (the waiter
 * may release the last reference). With more, the executor holds a reference meanwhile, since
 * each waiter drops its own and may cancel the others. Returns how many ran. */
static size_t aw__run_waiters(aw_future *fut)
{
    aw_task *w = fut->head;
    if (!w)
        return 0; /* every waiter was cancelled, the last one after the node left the queue */
    if (w->link.node & AW__WAIT_TAIL) { /* the only waiter */
        fut->head = NULL;
        w->link.future = fut;
        aw__task_run(w);
        return 1;
    }
    fut->head = aw__waiter_next(w);
    w->link.future = fut;
    size_t run = 0;
    fut->refs++;
    do {
        aw__task_run(w);
        run++;
        if ((w = fut->head) != NULL) {
            fut->head = aw__waiter_next(w);
            w->link.future = fut;
        }
    } while (w);
    aw_future_release(fut);
    return run;
}

/* Take the first node off the ready queue and run what it stands for; returns the steps run. */
static size_t aw__run_node(uintptr_t node)
{
    uintptr_t next;
    if ((node & AW__NODE_MASK) == AW__NODE_FUT) {
        aw_future *fut = (aw_future *)(void *)node;
        if (!(aw__hot.ready_head = fut->ready_next))
            aw__hot.ready_link = &aw__hot.ready_head;
        return aw__run_waiters(fut);
    }
    void *p = (void *)(node & ~AW__NODE_MASK);
    if ((node & AW__NODE_MASK) == AW__NODE_OP) {
        next = ((aw_op *)p)->aw__next;
        p = ((aw_op *)p)->waiter;
    } else {
        /* AW_YIELD: the task awaits nothing, its link held the queue's */
        next = ((aw_task *)p)->link.node;
        ((aw_task *)p)->link.future = NULL;
    }
    if (!(aw__hot.ready_head = next))
        aw__hot.ready_link = &aw__hot.ready_head;
    aw__task_run(p);
    return 1;
}

int aw__ready_unlink(uintptr_t node)
{
    for (uintptr_t *at = &aw__hot.ready_head; *at; at = aw__node_next(*at)) {
        if (*at != node)
            continue;
        *at = *aw__node_next(node);
        if (aw__hot.ready_link == aw__node_next(node))
            aw__hot.ready_link = at;
        return 1;
    }
    return 0;
}

/* Run ready tasks until the queue is empty, then the callbacks queued so far, and again until
 * both are empty. Returns the number of steps (a callback counts as one). */
static size_t aw__run_ready(void)
{
    size_t n = 0;
    int outer = aw__hot.in_step;
    aw__hot.in_step = 1; /* slots finished from here on queue their waiters */
    for (;;) {
        size_t run = 0;
        while (aw__hot.ready_head)
            run += aw__run_node(aw__hot.ready_head);
        if (run > aw__g.ready_max)
            aw__g.ready_max = run;
        aw__hot.steps += run;
        n += run;
        if (!aw__hot.soon_len) {
            aw__hot.in_step = outer;
            return n;
        }
        n += aw__soon_run_queued();
    }
}

/* Double the ring (from 16), keeping the queued callbacks in order from index 0. */
static int aw__soon_grow(void)
{
    size_t cap = aw__hot.soon_cap ? aw__hot.soon_cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof(aw__soon))
        return AW_ERR_NOMEM;
    aw__soon *ring = aw__malloc(cap * sizeof *ring);
    if (!ring)
        return AW_ERR_NOMEM;
    for (size_t i = 0; i < aw__hot.soon_len; i++)
        ring[i] = aw__hot.soon[(aw__hot.soon_head + i) & (aw__hot.soon_cap - 1)];
    aw__mfree(aw__hot.soon);
    aw__hot.soon = ring;
    aw__hot.soon_cap = cap;
    aw__hot.soon_head = 0;
    return AW_OK;
}

int(aw_call_soon)(void (*fn)(void *arg), void *arg)
{
    if (!fn)
        return AW_ERR_INVALID;
    if (aw__hot.soon_len == aw__hot.soon_cap && aw__soon_grow() != AW_OK)
        return AW_ERR_NOMEM;
    aw__hot.soon[(aw__hot.soon_head + aw__hot.soon_len) & (aw__hot.soon_cap - 1)] =
        (aw__soon){fn, arg};
    aw__hot.soon_len++;
    return AW_OK;
}

static void aw__complete_yield(void *arg)
{
    aw_future *fut = arg;
    aw_future_complete(fut, NULL, 0); /* AW_ERR_CANCELLED if cancelled meanwhile: fine */
    aw_future_release(fut);
}

aw_future *(aw_yield)(void)
{
    aw_future *fut = (aw_future_new)(0);
    if (!fut)
        return NULL;
    if (aw_call_soon(aw__complete_yield, aw_future_retain(fut)) != AW_OK) {
        aw_future_release(fut); /* the reference meant for the callback */
        aw_future_release(fut);
        return NULL;
    }
    return fut;
}

/* ---- timers --------------------------------------------------------------------------------- */

static inline int aw__timer_before(const aw__timer *a, const aw__timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static inline void aw__timer_put(size_t i, aw__timer t)
{
    aw__g.timers[i] = t;
    if (t.fut)
        t.fut->p.timer_index = i;
    else
        t.op->value.index = i;
}

static void aw__heap_up(size_t i)
{
    aw__timer t = aw__g.timers[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!aw__timer_before(&t, &aw__g.timers[parent]))
            break;
        aw__timer_put(i, aw__g.timers[parent]);
        i = parent;
    }
    aw__timer_put(i, t);
}

static void aw__heap_down(size_t i)
{
    aw__timer t = aw__g.timers[i];
    size_t n = aw__g.ntimers;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && aw__timer_before(&aw__g.timers[c + 1], &aw__g.timers[c]))
            c++;
        if (!aw__timer_before(&aw__g.timers[c], &t))
            break;
        aw__timer_put(i, aw__g.timers[c]);
        i = c;
    }
    aw__timer_put(i, t);
}

/* Remove heap entry i and return it (a future's reference moves to the caller). */
static aw__timer aw__heap_remove(size_t i)
{
    aw__timer t = aw__g.timers[i];
    size_t last = --aw__g.ntimers;
    if (i != last) {
        aw__timer_put(i, aw__g.timers[last]);
        aw__heap_down(i);
        aw__heap_up(i);
    }
    return t;
}

static void aw__timer_cancel_hook(aw_future *fut, void *data)
{
    (void)data;
    aw_future_release(aw__heap_remove(fut->p.timer_index).fut);
}

static void aw__timer_op_cancel(aw_op *op)
{
    aw__heap_remove(op->value.index);
}

/* Room for one more timer. */
static int aw__timers_reserve(void)
{
    aw__timer *timers = aw__grow(aw__g.timers, &aw__g.timers_cap, aw__g.ntimers, sizeof *timers);
    if (!timers)
        return AW_ERR_NOMEM;
    aw__g.timers = timers;
    return AW_OK;
}

static void aw__timer_add(uint64_t deadline, aw_future *fut, aw_op *op)
{
    aw__hot.timers_armed = 1; /* the next aw_drain checks the heap and arms the backend */
    aw__g.timers[aw__g.ntimers] = (aw__timer){deadline, aw__g.timer_seq++, fut, op};
    aw__heap_up(aw__g.ntimers++);
}

aw_future *(aw_sleep_until)(uint64_t deadline)
{
    if (aw__timers_reserve() != AW_OK)
        return NULL;
    aw_future *fut = (aw_future_new)(0);
    if (!fut)
        return NULL;
    fut->refs++; /* the timer's reference */
    aw_future_set_cancel_hook(fut, aw__timer_cancel_hook, NULL);
    aw__timer_add(deadline, fut, NULL);
    return fut;
}

aw_op *aw_sleep_until_op(aw_op *op, uint64_t deadline)
{
    if (!op)
        return NULL;
    aw_op_start(op, aw__timer_op_cancel);
    if (aw__timers_reserve() != AW_OK)
        aw_op_fail(op, NULL);
    else
        aw__timer_add(deadline, NULL, op);
    return op;
}

/* The time of the current turn: the clock is read lazily, once (the IC's clock read is costly,
 * and a turn without timers needs none). Outside a turn, the clock itself. */
static uint64_t aw__turn_now(void)
{
    if (!aw__hot.in_turn || !aw__hot.now_valid) {
        aw__g.now = aw__backend_now();
        aw__hot.now_valid = aw__hot.in_turn;
    }
    return aw__g.now;
}

/* `ns` from now, relative to the time of the current executor turn (libuv's rule): within one
 * turn, sleeps of equal length share a deadline, and no clock read is needed per sleep. */
static uint64_t aw__deadline_after(uint64_t ns)
{
    uint64_t now = aw__turn_now();
    return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

aw_future *(aw_sleep)(uint64_t ns)
{
    return (aw_sleep_until)(aw__deadline_after(ns));
}

aw_op *aw_sleep_op(aw_op *op, uint64_t ns)
{
    return aw_sleep_until_op(op, aw__deadline_after(ns));
}

size_t aw__timers_expire(void)
{
    if (!aw__g.ntimers)
        return 0;
    size_t fired = 0;
    if (!aw__hot.now_valid || aw__g.timers[0].deadline > aw__g.now) {
        /* read the clock only when the cached time does not already say "due" */
        aw__g.now = aw__backend_now();
        aw__hot.now_valid = aw__hot.in_turn;
    }
    while (aw__g.ntimers && aw__g.timers[0].deadline <= aw__g.now) {
        /* Out of the heap first: a slot's waiter may run inside aw_op_complete and add timers. */
        aw__timer t = aw__heap_remove(0);
        if (t.fut) {
            aw_future_complete(t.fut, NULL, 0);
            aw_future_release(t.fut);
        } else {
            aw_op_complete(t.op);
        }
        fired++;
    }
    return fired;
}

uint64_t aw__timers_next(void)
{
    return aw__g.ntimers ? aw__g.timers[0].deadline : AW__NO_DEADLINE;
}

/* ---- loop phases ---------------------------------------------------------------------------- */

size_t aw__drain_turn(int outer)
{
    size_t steps = 0;
    for (;;) {
        if (aw__g.ntimers)
            aw__timers_expire();
        if (!aw__hot.ready_head && !aw__hot.soon_len)
            break;
        steps += aw__run_ready();
    }
    if (outer)
        aw__hot.in_turn = 0;
    uint64_t next = aw__timers_next();
    aw__backend_arm(next);
    /* the next turn's fast path may skip the arm while no timer is added: it would arm the same */
    aw__hot.timers_armed = next != AW__NO_DEADLINE;
    return steps;
}

size_t(aw_drain)(void)
{
    int outer = !aw__hot.in_turn;
    if (outer)
        aw__hot.now_valid = 0;
    aw__hot.in_turn = 1;
    return aw__drain_turn(outer);
}

int aw_has_pending(void)
{
    if (aw__hot.ready_head || aw__hot.soon_len || aw__g.ntimers)
        return 1;
#if !(defined(AW_BACKEND_IC) && AW_BACKEND_IC)
    return aw__g.nwatches != 0;
#else
    return 0;
#endif
}

#if !(defined(AW_BACKEND_IC) && AW_BACKEND_IC)

/* Drop the watch of `fut` or of `op`; returns 1 when found. */
static int aw__watch_remove(const aw_future *fut, const aw_op *op)
{
    for (size_t i = 0; i < aw__g.nwatches; i++) {
        if (aw__g.watches[i].fut != fut || aw__g.watches[i].op != op)
            continue;
        aw__g.watches[i] = aw__g.watches[--aw__g.nwatches];
        return 1;
    }
    return 0;
}

static void aw__watch_cancel_hook(aw_future *fut, void *data)
{
    (void)data;
    if (aw__watch_remove(fut, NULL))
        aw_future_release(fut);
}

static void aw__watch_op_cancel(aw_op *op)
{
    aw__watch_remove(NULL, op);
}

/* Append a watch of `fd` for `events` completing `fut` or `op`. */
static int aw__watch_append(int fd, unsigned events, aw_future *fut, aw_op *op)
{
    aw__watch *watches =
        aw__grow(aw__g.watches, &aw__g.watches_cap, aw__g.nwatches, sizeof *watches);
    if (!watches)
        return AW_ERR_NOMEM;
    aw__g.watches = watches;
    aw__g.watches[aw__g.nwatches++] = (aw__watch){fd, (uint8_t)events, 0, fut, op};
    return AW_OK;
}

int aw__watch_add(int fd, unsigned events, aw_future *fut)
{
    if (aw__watch_append(fd, events, fut, NULL) != AW_OK)
        return AW_ERR_NOMEM;
    aw_future_retain(fut);
    aw_future_set_cancel_hook(fut, aw__watch_cancel_hook, NULL);
    return AW_OK;
}

int aw__watch_add_op(int fd, unsigned events, aw_op *op)
{
    if (aw__watch_append(fd, events, NULL, op) != AW_OK)
        return AW_ERR_NOMEM;
    aw_op_start(op, aw__watch_op_cancel);
    return AW_OK;
}

/* Complete the futures of the watches the backend marked ready and drop those watches. */
static size_t aw__watches_fire(void)
{
    size_t fired = 0;
    for (size_t i = 0; i < aw__g.nwatches;) {
        aw__watch *w = &aw__g.watches[i];
        if (!w->revents) {
            i++;
            continue;
        }
        aw_future *fut = w->fut;
        aw_op *op = w->op;
        /* Out of the list first: a slot's waiter may run inside aw_op_complete and change it. A
         * ready watch moved below i meanwhile is seen by the next poll (readiness persists). */
        *w = aw__g.watches[--aw__g.nwatches];
        if (fut) {
            aw_future_complete(fut, NULL, 0);
            aw_future_release(fut);
        } else {
            aw_op_complete(op);
        }
        fired++;
    }
    return fired;
}

int aw_poll(int64_t timeout_ns)
{
    aw__hot.now_valid = 0;
    aw__hot.in_turn = 1;
    size_t n = aw__timers_expire();
    n += aw__run_ready();
    aw__hot.in_turn = 0;
    uint64_t deadline = aw__timers_next();
    if (aw__hot.ready_head || aw__hot.soon_len || timeout_ns == 0) {
        deadline = 0;
    } else if (timeout_ns > 0) {
        uint64_t limit = aw__backend_now() + (uint64_t)timeout_ns;
        if (limit < deadline)
            deadline = limit;
    }
    if (aw__g.nwatches || deadline != AW__NO_DEADLINE) {
        int ready = aw__backend_wait(deadline, aw__g.watches, aw__g.nwatches);
        if (ready < 0)
            return AW_ERR_IO;
        if (ready > 0)
            n += aw__watches_fire();
        aw__hot.now_valid = 0;
    }
    aw__hot.in_turn = 1;
    n += aw__timers_expire();
    n += aw__run_ready();
    aw__hot.in_turn = 0;
    return n > INT32_MAX ? INT32_MAX : (int)n;
}

int aw_run(void)
{
    while (aw_has_pending()) {
        if (aw_poll(-1) == AW_ERR_IO)
            return AW_ERR_IO;
    }
    return AW_OK;
}

int aw_run_forever(void)
{
    for (;;) {
        if (!aw_has_pending()) {
            /* Nothing can ever happen: sleep for a long time rather than spin. */
            if (aw__backend_wait(aw__backend_now() + 3600000000000ull, NULL, 0) < 0)
                return AW_ERR_IO;
            continue;
        }
        if (aw_poll(-1) == AW_ERR_IO)
            return AW_ERR_IO;
    }
}

int aw_wait_for(aw_future *fut)
{
    if (!fut)
        return AW_ERR_INVALID;
    while (fut->state == AW_FUTURE_PENDING) {
        if (!aw_has_pending())
            return AW_ERR_STATE; /* nothing left that could finish it */
        if (aw_poll(-1) == AW_ERR_IO)
            return AW_ERR_IO;
    }
    if (fut->state == AW_FUTURE_COMPLETED)
        return AW_OK;
    return fut->state == AW_FUTURE_CANCELLED ? AW_ERR_CANCELLED : AW_ERR_STATE;
}

#endif
