/*
 * op.c - operation slots (aw_op): the producer side of the allocation-free awaitable.
 *
 * A slot lives in its waiter's frame; the producer finishes it once. Finishing resumes the waiter
 * directly when no step function is on the C stack (aw__hot.in_step clear: a backend's poll loop,
 * a timer firing at the top of aw_drain, an IC callback), which saves the ready queue and the
 * executor turn a future's completion costs. Inside a step the waiter is queued instead, so steps
 * never nest through a completion: the same guarantee futures give. The waiter keeps the state
 * AW_TASK_WAITING_OP while it sits in the ready queue, so aw_task_cancel knows to take it out.
 * The await side (aw__await_op, aw__await_op_take) is in task.c next to the other awaits.
 */
#include "internal.h"

void aw__op_wake(aw_op *op)
{
    if (aw__hot.in_step) {
        /* the slot joins the ready queue (its cancel hook is no longer needed: its place holds
         * the link); the waiter keeps the state WAITING_OP there */
        aw__ready_append((uintptr_t)op | AW__NODE_OP, &op->aw__next);
        return;
    }
    aw__task_run_outer(op->waiter);
}

/* Finish a pending slot in `state` and resume its waiter, if any. */
static int aw__op_settle(aw_op *op, aw_op_state state)
{
    op->cancel = NULL;
    op->state = (uint8_t)state;
    if (op->waiter)
        aw__op_wake(op);
    return AW_OK;
}

int(aw_op_complete)(aw_op *op)
{
    if (!op)
        return AW_ERR_INVALID;
    if (op->state != AW_OP_PENDING)
        return AW_ERR_STATE;
    return aw__op_settle(op, AW_OP_COMPLETED);
}

int aw_op_fail(aw_op *op, aw_error *err)
{
    if (!err)
        err = aw__error_nomem();
    if (!op || op->state != AW_OP_PENDING) {
        aw_error_release(err);
        return op ? AW_ERR_STATE : AW_ERR_INVALID;
    }
    op->value.error = err;
    return aw__op_settle(op, AW_OP_FAILED);
}

int aw_op_cancel(aw_op *op)
{
    if (!op)
        return AW_ERR_INVALID;
    if (op->state != AW_OP_PENDING)
        return AW_ERR_STATE;
    aw_op_cancel_fn hook = op->cancel;
    op->cancel = NULL;
    if (hook)
        hook(op);
    return aw__op_settle(op, AW_OP_CANCELLED);
}
