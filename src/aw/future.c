/*
 * future.c - futures: allocation from the pools, reference counting, completion, cancellation.
 *
 * Completing a future is O(1) whatever the number of waiters: the future joins the ready queue
 * as one node, and the executor runs its waiters in order, each finding the result when it runs.
 * A waiting task stays in its future's list (state AW_TASK_WAITING) until the executor runs it,
 * whether the future is still pending or already finished: aw_task_cancel unlinks it from there.
 */
#include <string.h>

#include "internal.h"

aw_future *(aw_future_new)(size_t value_size)
{
    if (value_size > UINT32_MAX - AW__FUT_HDR)
        return NULL;
    aw_future *fut = aw__alloc(AW__FUT_HDR + value_size);
    if (!fut)
        return NULL;
    aw__future_init(fut, value_size);
#ifdef AW_DEBUG
    aw__debug_future_born(fut);
#endif
    return fut;
}

aw_future *aw_future_completed(const void *value, size_t size)
{
    aw_future *fut = (aw_future_new)(size);
    if (!fut)
        return NULL;
    if (size)
        memcpy(AW__FUT_VALUE(fut), value, size);
    fut->state = AW_FUTURE_COMPLETED;
    return fut;
}

aw_future *aw_future_failed(aw_error *err)
{
    aw_future *fut = (aw_future_new)(0);
    if (!fut) {
        aw_error_release(err);
        return NULL;
    }
    fut->state = AW_FUTURE_FAILED;
    fut->error = err;
    return fut;
}

aw_future *(aw_future_retain)(aw_future *fut)
{
    if (fut)
        fut->refs++;
    return fut;
}

void aw__future_free(aw_future *fut)
{
#ifdef AW_DEBUG
    aw__debug_future_dead(fut);
#endif
    if (fut->error)
        aw_error_release(fut->error);
    aw__hot.futures_live--;
    aw__free(fut, AW__FUT_HDR + fut->size);
}

void(aw_future_release)(aw_future *fut)
{
    if (fut && !--fut->refs)
        aw__future_free(fut);
}

void aw__future_settle(aw_future *fut, aw_future_state state, aw_error *err)
{
    fut->state = (uint8_t)state;
    fut->error = err;
    fut->hook = NULL;
    if (fut->head) /* O(1): the future joins the ready queue; its waiters keep state WAITING */
        aw__future_queue(fut);
    AW__DBG("future %p %s", (void *)fut,
            state == AW_FUTURE_COMPLETED ? "completed"
                                         : (state == AW_FUTURE_FAILED ? "failed" : "cancelled"));
}

/* The status for finishing a future that already finished. */
static int aw__finished_status(const aw_future *fut, const char *what)
{
    if (fut->state == AW_FUTURE_CANCELLED)
        return AW_ERR_CANCELLED;
    AW__DBG("future %p: %s after it already %s", (void *)fut, what,
            fut->state == AW_FUTURE_COMPLETED ? "completed" : "failed");
    (void)what;
    return AW_ERR_STATE;
}

int(aw_future_complete)(aw_future *fut, const void *value, size_t size)
{
    if (!fut)
        return AW_ERR_INVALID;
    if (fut->state != AW_FUTURE_PENDING)
        return aw__finished_status(fut, "complete");
    if (size != fut->size)
        return AW_ERR_SIZE;
    aw__copy(AW__FUT_VALUE(fut), value, size);
    aw__future_settle(fut, AW_FUTURE_COMPLETED, NULL);
    return AW_OK;
}

int aw_future_fail(aw_future *fut, aw_error *err)
{
    if (!fut) {
        aw_error_release(err);
        return AW_ERR_INVALID;
    }
    if (fut->state != AW_FUTURE_PENDING) {
        aw_error_release(err);
        return aw__finished_status(fut, "fail");
    }
    aw__future_settle(fut, AW_FUTURE_FAILED, err ? err : aw_error_new(AW_E_GENERIC, 0, NULL));
    return AW_OK;
}

int aw_future_fail_with(aw_future *fut, int kind, int64_t code, const char *message)
{
    return aw_future_fail(fut, aw_error_new(kind, code, message));
}

int aw_future_cancel(aw_future *fut)
{
    if (!fut)
        return AW_ERR_INVALID;
    if (fut->state != AW_FUTURE_PENDING)
        return AW_ERR_STATE;
    aw_cancel_hook hook = fut->hook;
    fut->hook = NULL;
    if (hook) {
        fut->refs++; /* the hook may drop the producer's reference */
        hook(fut, fut->hook_data);
        if (fut->state != AW_FUTURE_PENDING) {
            /* The producer finished it from its hook (a cancelled task fails its future). */
            aw_future_release(fut);
            return AW_OK;
        }
        fut->refs--;
    }
    aw__future_settle(fut, AW_FUTURE_CANCELLED, aw_error_new(AW_E_CANCELLED, 0, "cancelled"));
    return AW_OK;
}

void aw_future_set_cancel_hook(aw_future *fut, aw_cancel_hook hook, void *data)
{
    if (!fut || fut->state != AW_FUTURE_PENDING)
        return;
    fut->hook = hook;
    fut->hook_data = data;
}

/* The accessors treat NULL (what a constructor returns when memory ran out) like a future that
 * failed with the out-of-memory error, as awaiting it does. */
aw_future_state aw_future_state_of(const aw_future *fut)
{
    return fut ? (aw_future_state)fut->state : AW_FUTURE_FAILED;
}

const void *aw_future_value(const aw_future *fut)
{
    return fut ? AW__FUT_VALUE(fut) : NULL;
}

size_t aw_future_size(const aw_future *fut)
{
    return fut ? fut->size : 0;
}

const aw_error *aw_future_error(const aw_future *fut)
{
    return fut ? fut->error : aw__error_nomem();
}

int aw__future_unlink(aw_future *fut, aw_task *t)
{
    aw_task *prev = NULL;
    for (aw_task *w = fut->head; w; prev = w, w = aw__waiter_next(w)) {
        if (w != t)
            continue;
        if (prev)
            prev->link.node = w->link.node; /* the next waiter, or the tail's tag */
        else
            fut->head = aw__waiter_next(w);
        if (fut->tail == w)
            fut->tail = prev;
        w->link.future = fut;
        return 1;
    }
    return 0;
}
