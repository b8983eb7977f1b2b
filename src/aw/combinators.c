/*
 * combinators.c - aw_all, aw_race, aw_any, aw_and, aw_or and aw_with_timeout.
 *
 * A combinator is one pooled block: a header and one waiter per input. A waiter is a tiny
 * internal task linked into its input's waiter list like any awaiting task, so completing an
 * input queues it and it runs from the executor (never inside the producer's call). Inputs that
 * are already finished when the combinator is made are handled at once, in input order, so
 * aw_all of finished futures is finished on return. Once the result is decided the waiters on
 * inputs still pending are unlinked (and, for aw_all's failure and aw_with_timeout, those inputs
 * cancelled), so a loser that never finishes keeps nothing alive. The block is freed when no
 * waiter is left. Cancelling the result cancels the inputs still pending.
 */
#include <string.h>

#include "internal.h"

enum { AW__ALL, AW__RACE, AW__ANY, AW__TIMEOUT };

typedef struct aw__comb aw__comb;

typedef struct aw__comb_waiter {
    aw_task task;   /* queued when the input finishes */
    aw__comb *comb; /* the combinator */
    aw_future *in;  /* the input (the waiter's reference); NULL once handled */
    uint32_t index; /* input position */
} aw__comb_waiter;

struct aw__comb {
    aw_future *out;     /* the result (the combinator's reference) */
    size_t block;       /* size of this block */
    uint32_t n;         /* inputs */
    uint32_t live;      /* waiters that have not yet handled their input */
    uint32_t remaining; /* ALL: inputs not yet completed; ANY: inputs not yet failed */
    int mode;
    uint64_t timeout_ns; /* AW__TIMEOUT: for the message */
    aw__comb_waiter w[];
};

/* Free the block once no waiter is left. */
static void aw__comb_free_if_unused(aw__comb *c)
{
    if (c->live)
        return;
    for (uint32_t i = 0; i < c->n; i++)
        aw_future_release(c->w[i].in);
    aw_future_release(c->out);
    aw__free(c, c->block);
}

/* The result is decided: stop waiting on the inputs still pending (unlink the waiters, drop the
 * references) and, with `cancel`, cancel those inputs. Inputs that finished but whose waiters are
 * still queued are left to their waiters. */
static void aw__comb_detach(aw__comb *c, int cancel)
{
    for (uint32_t i = 0; i < c->n; i++) {
        aw__comb_waiter *w = &c->w[i];
        aw_future *in = w->in;
        if (!in || in->state != AW_FUTURE_PENDING || w->task.state != AW_TASK_WAITING)
            continue;
        aw__future_unlink(in, &w->task);
        w->task.state = AW_TASK_DONE;
        w->in = NULL;
        c->live--;
        if (cancel)
            aw_future_cancel(in);
        aw_future_release(in);
    }
}

/* ALL: every input completed: concatenate the values in input order. */
static void aw__comb_all_done(aw__comb *c)
{
    unsigned char *dst = AW__FUT_VALUE(c->out);
    for (uint32_t i = 0; i < c->n; i++) {
        aw_future *in = c->w[i].in;
        memcpy(dst, AW__FUT_VALUE(in), in->size);
        dst += in->size;
    }
    aw__future_settle(c->out, AW_FUTURE_COMPLETED, NULL);
}

/* The rule of the combinator for one input that finished. */
static void aw__comb_decide(aw__comb *c, aw__comb_waiter *w)
{
    aw_future *in = w->in, *out = c->out;
    int ok = in->state == AW_FUTURE_COMPLETED;
    if (out->state != AW_FUTURE_PENDING)
        return;
    switch (c->mode) {
    case AW__ALL:
        if (!ok) {
            aw_future_fail(out, aw_error_retain(in->error));
            aw__comb_detach(c, 1);
        } else if (--c->remaining == 0) {
            aw__comb_all_done(c);
        }
        break;
    case AW__RACE:
        if (ok)
            aw_future_complete(out, &w->index, sizeof w->index);
        else
            aw_future_fail(out, aw_error_retain(in->error));
        aw__comb_detach(c, 0);
        break;
    case AW__ANY:
        if (ok) {
            aw_future_complete(out, &w->index, sizeof w->index);
            aw__comb_detach(c, 0);
        } else if (--c->remaining == 0) {
            aw_future_fail(out, aw_error_retain(in->error));
        }
        break;
    default: /* AW__TIMEOUT: input 0 is the future, input 1 the timer */
        if (w->index == 0 && ok)
            aw_future_complete(out, AW__FUT_VALUE(in), in->size);
        else if (w->index == 0)
            aw_future_fail(out, aw_error_retain(in->error));
        else
            aw_future_fail(out,
                           c->timeout_ns % 1000000u
                               ? aw_error_newf(AW_E_TIMEOUT, 0, "timed out after %llu ns",
                                               (unsigned long long)c->timeout_ns)
                               : aw_error_newf(AW_E_TIMEOUT, 0, "timed out after %llu ms",
                                               (unsigned long long)(c->timeout_ns / 1000000u)));
        aw__comb_detach(c, 1);
        break;
    }
}

/* Release a waiter's input after the decision; the last waiter frees the block. ALL keeps the
 * inputs until the values are copied, which aw__comb_decide has done by then. */
static void aw__comb_handled(aw__comb *c, aw__comb_waiter *w)
{
    if (c->mode != AW__ALL || c->out->state != AW_FUTURE_PENDING) {
        aw_future_release(w->in);
        w->in = NULL;
    }
    c->live--;
    aw__comb_free_if_unused(c);
}

static aw_status aw__comb_step(aw_task *task)
{
    aw__comb_waiter *w = (aw__comb_waiter *)(void *)task;
    aw__comb *c = w->comb;
    aw__comb_decide(c, w);
    aw__comb_handled(c, w);
    return AW_DONE;
}

static void aw__comb_out_cancelled(aw_future *out, void *data)
{
    (void)out;
    aw__comb_detach(data, 1);
    aw__comb_free_if_unused(data);
}

/* Build a combinator over `n` inputs; the result has `out_size` bytes. */
static aw_future *aw__comb_make(int mode, aw_future *const *futs, size_t n, size_t out_size,
                                uint64_t timeout_ns)
{
    if (n > UINT32_MAX / 2)
        return NULL;
    aw_future *out = (aw_future_new)(out_size);
    if (!out)
        return NULL;
    if (n == 0) {
        if (mode == AW__ALL)
            aw__future_settle(out, AW_FUTURE_COMPLETED, NULL);
        else
            aw__future_settle(out, AW_FUTURE_FAILED,
                              aw_error_new(AW_E_STATE, 0, "race/any of no futures"));
        return out;
    }
    size_t block = sizeof(aw__comb) + n * sizeof(aw__comb_waiter);
    aw__comb *c = aw__alloc(block);
    if (!c) {
        aw_future_release(out);
        return NULL;
    }
    *c = (aw__comb){aw_future_retain(out), block, (uint32_t)n, (uint32_t)n,
                    (uint32_t)n,           mode,  timeout_ns};
    for (size_t i = 0; i < n; i++) {
        aw__comb_waiter *w = &c->w[i];
        aw_task_init(&w->task, aw__comb_step);
        w->comb = c;
        w->in = aw_future_retain(futs[i]);
        w->index = (uint32_t)i;
    }
    aw_future_set_cancel_hook(out, aw__comb_out_cancelled, c);
    /* Link the waiters first, then handle finished inputs: a decision may cancel later inputs,
     * which must then find their waiters linked. */
    uint32_t finished = 0;
    for (size_t i = 0; i < n; i++) {
        if (c->w[i].in->state == AW_FUTURE_PENDING)
            aw__await_fast(&c->w[i].task, c->w[i].in, AW__RESUME_START);
        else
            finished++;
    }
    for (size_t i = 0; i < n && finished; i++) {
        aw__comb_waiter *w = &c->w[i];
        if (w->task.state != AW_TASK_INIT)
            continue;
        finished--;
        w->task.state = AW_TASK_DONE;
        /* The block is freed only by the last waiter, and that is this loop's last round. */
        aw__comb_decide(c, w);
        aw__comb_handled(c, w);
    }
    return out;
}

aw_future *aw_all(aw_future *const *futs, size_t n)
{
    size_t size = 0;
    for (size_t i = 0; i < n; i++) {
        if (!futs[i])
            return NULL;
        size += futs[i]->size;
    }
    return aw__comb_make(AW__ALL, futs, n, size, 0);
}

aw_future *aw_race(aw_future *const *futs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!futs[i])
            return NULL;
    return aw__comb_make(AW__RACE, futs, n, sizeof(uint32_t), 0);
}

aw_future *aw_any(aw_future *const *futs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!futs[i])
            return NULL;
    return aw__comb_make(AW__ANY, futs, n, sizeof(uint32_t), 0);
}

aw_future *aw_and(aw_future *a, aw_future *b)
{
    aw_future *two[2] = {a, b};
    return aw_all(two, 2);
}

aw_future *aw_or(aw_future *a, aw_future *b)
{
    aw_future *two[2] = {a, b};
    return aw_race(two, 2);
}

aw_future *aw_with_timeout(aw_future *fut, uint64_t ns)
{
    if (!fut)
        return NULL;
    aw_future *timer = (aw_sleep)(ns);
    if (!timer)
        return NULL;
    aw_future *two[2] = {fut, timer};
    aw_future *out = aw__comb_make(AW__TIMEOUT, two, 2, fut->size, ns);
    if (!out)
        aw_future_cancel(timer);
    aw_future_release(timer); /* the combinator holds its own reference */
    return out;
}
