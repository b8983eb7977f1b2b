/*
 * task.c - async functions: the helpers behind AW_BEGIN/AW_AWAIT/AW_END, starting, finishing and
 * cancelling tasks, and the report of uncaught errors.
 *
 * Flow of a step function. AW_BEGIN switches on task->resume. An await stores its resume point
 * in resume (when it suspends) and the awaited future (or child, or slot) in task->link, then
 * either returns AW_PENDING (the task is now in the future's waiter list) or falls through to its
 * own `case` label, where the result is taken; every take writes the state RUNNING back (the
 * runtime resumes a task suspended on a child or a slot without writing it). Every way out (normal
 * end, AW_RETURN, AW_THROW, a propagated error, cancellation, a stale resume point) sets resume to
 * AW__RESUME_FINALLY and jumps back to the switch, which lands in the FINALLY section or, without
 * one, in AW_END's `default:`; AW_END then finishes the task with the error held in
 * task->link.error (NULL: success) and tells its continuation (task->cont).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *aw_task_new(size_t frame_size, aw_step_fn step)
{
    if (frame_size < sizeof(aw_task))
        return NULL;
    aw_task *t = aw__malloc(frame_size);
    if (!t)
        return NULL;
    memset(t, 0, frame_size);
    t->step = step;
    t->resume = AW__RESUME_START;
    t->owned = 1;
    return t;
}

void aw_task_free(aw_task *task)
{
    aw__mfree(task);
}

/* ---- awaiting ------------------------------------------------------------------------------ */

/* A broken rule found at an await: not an error the task could handle. */
__attribute__((noinline, cold)) static void aw__await_in_finally(const char *what, const char *func,
                                                                 const char *file, uint32_t line)
{
    aw__fatal("%s inside FINALLY in %s (%s:%u)", what, func, file, (unsigned)line);
}

/* The start of every out-of-line take: a task that awaited inside FINALLY stops here (the first
 * halves only note what was awaited, so nothing was started or linked), and the task is RUNNING
 * again (aw__task_resume does not write the state: see aw_core.h). */
static void aw__take_begin(aw_task *task, const char *what, const char *func, const char *file,
                           uint32_t line)
{
    if (task->flags & AW__TF_IN_FINALLY)
        aw__await_in_finally(what, func, file, line);
    task->state = AW_TASK_RUNNING;
}

/* The cancellation requested while the task was running, if any (clears the request). */
static aw_error *aw__take_cancel(aw_task *task)
{
    if (!(task->flags & AW__TF_CANCEL_REQ))
        return NULL;
    task->flags &= (uint8_t)~AW__TF_CANCEL_REQ;
    return aw_error_new(AW_E_CANCELLED, 0, "task cancelled");
}

/* Route `err` (with this site added to its trace) to the code (*errp) or to the task's finish.
 * Returns 1 when the task must jump to its FINALLY. Cancellation always propagates, and so does
 * one requested while the take ran (a producer's cancel hook may do that): an await that returns
 * to the code leaves no flag set (aw_core.h: AW__NO_FLAGS). */
static int aw__route_error(aw_task *task, aw_error *err, aw_error **errp, int cancel,
                           const char *func, const char *file, uint32_t line)
{
    if (!cancel && (task->flags & AW__TF_CANCEL_REQ)) {
        aw_error_release(err);
        err = aw__take_cancel(task);
        cancel = 1;
    }
    aw_error_add_trace(&err, func, file, line);
    if (errp && !cancel) {
        *errp = err;
        return 0;
    }
    task->link.error = err;
    task->resume = AW__RESUME_FINALLY;
    return 1;
}

/* Everything aw__await_take_fast (aw_core.h) does not take inline: cancellation, failure, NULL,
 * a size mismatch; the completed case is handled too. */
int aw__await_take(aw_task *task, void *out, size_t out_size, aw_error **errp, const char *func,
                   const char *file, uint32_t line)
{
    aw__take_begin(task, "AW_AWAIT", func, file, line);
    aw_future *fut = task->link.future;
    aw_error *err = aw__take_cancel(task);
    task->link.future = NULL;
    if (errp)
        *errp = NULL;
    if (err) {
        if (fut && fut->state == AW_FUTURE_PENDING)
            aw__future_unlink(fut, task);
        aw_future_release(fut);
        return aw__route_error(task, err, errp, 1, func, file, line);
    }
    if (!fut)
        return aw__route_error(task, aw_error_new(AW_E_NOMEM, 0, "no memory for the future"), errp,
                               0, func, file, line);
    switch (fut->state) {
    case AW_FUTURE_COMPLETED:
        if (out && out_size != fut->size)
            err = aw_error_newf(AW_E_STATE, 0, "await: the value has %u bytes, the destination %zu",
                                (unsigned)fut->size, out_size);
        else if (out)
            aw__copy(out, AW__FUT_VALUE(fut), out_size);
        break;
    case AW_FUTURE_FAILED:
    case AW_FUTURE_CANCELLED:
        err = aw_error_retain(fut->error);
        break;
    default:
        err = aw_error_new(AW_E_STATE, 0, "resumed while the awaited future is still pending");
        aw__future_unlink(fut, task);
        break;
    }
    aw_future_release(fut);
    if (!err)
        return 0;
    return aw__route_error(task, err, errp, 0, func, file, line);
}

/* Taking the outcome of an awaited child, every case; the common one (finished without error)
 * is also inlined in the header as aw__await_task_done. */
int aw__await_task_take(aw_task *task, aw_error **errp, const char *func, const char *file,
                        uint32_t line)
{
    aw__take_begin(task, "AW_AWAIT_TASK", func, file, line);
    aw_task *child = task->link.child;
    int started = task->flags & AW__TF_LINK_CHILD;
    aw_error *err = aw__take_cancel(task);
    task->link.child = NULL;
    task->flags &= (uint8_t)~AW__TF_LINK_CHILD;
    if (errp)
        *errp = NULL;
    if (!started) {
        /* NULL (a failed aw_task_new) or a child that was not freshly initialised */
        int cancel = err != NULL;
        if (!err)
            err = child ? aw_error_new(AW_E_STATE, 0, "awaited task was not freshly initialised")
                        : aw_error_new(AW_E_NOMEM, 0, "no memory for the task");
        return aw__route_error(task, err, errp, cancel, func, file, line);
    }
    if (err) {
        if (child->state != AW_TASK_DONE) {
            child->cont_kind = AW__CONT_NONE; /* it must not wake us any more */
            aw_task_cancel(child);
        }
        if (child->state == AW_TASK_DONE) {
            aw_error_release(child->link.error);
            child->link.error = NULL;
        }
        return aw__route_error(task, err, errp, 1, func, file, line);
    }
    if (child->state != AW_TASK_DONE)
        return aw__route_error(
            task, aw_error_new(AW_E_STATE, 0, "resumed before the awaited task finished"), errp, 0,
            func, file, line);
    err = child->link.error;
    child->link.error = NULL;
    if (!err)
        return 0;
    return aw__route_error(task, err, errp, 0, func, file, line);
}

/* ---- awaiting an operation slot ------------------------------------------------------------ */

/* Take the pending slot `op` away from its producer on behalf of `task`, which will not wait for
 * it: run the producer's cancel hook and mark it CANCELLED (no wake-up). Only when the slot is
 * `task`'s or has no waiter (started by the await that is being abandoned): another task's slot
 * is left alone. */
static void aw__op_abandon(aw_op *op, const aw_task *task)
{
    if (op->state != AW_OP_PENDING || (op->waiter && op->waiter != task))
        return;
    aw_op_cancel_fn hook = op->cancel;
    op->cancel = NULL;
    op->waiter = NULL;
    op->state = AW_OP_CANCELLED;
    if (hook)
        hook(op);
}

/* The cases aw__await_op_fast (aw_core.h) hands on (it noted the slot in task->link.op): an
 * await inside FINALLY (a broken rule: the take aborts), a cancellation requested while the task
 * ran, NULL, and a slot that already has a waiter (pending) or a stale one (finished: awaiting it
 * again takes it again). None of them suspends: the take that follows reports or takes. */
int aw__await_op(aw_task *task, aw_op *op)
{
    if ((task->flags & AW__TF_IN_FINALLY) || !op)
        return 0; /* not linked */
    if ((task->flags & AW__TF_CANCEL_REQ) || op->state != AW_OP_PENDING)
        task->flags |= AW__TF_LINK_OP; /* taken now: the error or the finished slot */
    /* otherwise a second waiter: not linked (no LINK_OP flag), the take reports it */
    return 0;
}

/* Everything aw__await_op_take_fast does not take inline: cancellation of the task, a failed or
 * cancelled slot, NULL, a slot never started or with another waiter. */
int aw__await_op_take(aw_task *task, aw_error **errp, const char *func, const char *file,
                      uint32_t line)
{
    aw__take_begin(task, "AW_AWAIT_OP", func, file, line);
    aw_op *op = task->link.op;
    int linked = task->flags & AW__TF_LINK_OP;
    aw_error *err = aw__take_cancel(task);
    task->link.op = NULL;
    task->flags &= (uint8_t)~AW__TF_LINK_OP;
    if (errp)
        *errp = NULL;
    if (err) {
        if (op && linked)
            aw__op_abandon(op, task); /* we will not wait for it: the producer must forget it */
        return aw__route_error(task, err, errp, 1, func, file, line);
    }
    if (!op)
        err = aw_error_new(AW_E_STATE, 0, "awaited a NULL operation slot");
    else if (!linked)
        err = aw_error_new(AW_E_STATE, 0, "operation slot already has a waiter");
    else {
        switch (op->state) {
        case AW_OP_COMPLETED:
            return 0;
        case AW_OP_FAILED:
            err = op->value.error;
            op->value.error = NULL;
            if (!err)
                err = aw_error_new(AW_E_STATE, 0, "the operation's error was already taken");
            break;
        case AW_OP_CANCELLED:
            err = aw_error_new(AW_E_CANCELLED, 0, "operation cancelled");
            break;
        case AW_OP_IDLE:
            err = aw_error_new(AW_E_STATE, 0, "awaited operation slot was never started");
            break;
        default:
            err = aw_error_new(AW_E_STATE, 0, "resumed while the operation is still pending");
            aw__op_abandon(op, task);
            break;
        }
    }
    return aw__route_error(task, err, errp, 0, func, file, line);
}

void aw__yield(aw_task *task, unsigned rp, const char *func, const char *file, uint32_t line)
{
    if (task->flags & AW__TF_IN_FINALLY)
        aw__await_in_finally("AW_YIELD", func, file, line);
    task->resume = (uint16_t)rp;
    task->link.future = NULL;
    aw__ready_push(task);
}

int aw__resumed(aw_task *task, const char *func, const char *file, uint32_t line)
{
    aw_error *err = aw__take_cancel(task);
    return err ? aw__route_error(task, err, NULL, 1, func, file, line) : 0;
}

/* ---- leaving ------------------------------------------------------------------------------- */

void aw__task_return(aw_task *task)
{
    task->resume = (task->flags & AW__TF_IN_FINALLY) ? AW__RESUME_END : AW__RESUME_FINALLY;
}

void aw__task_throw(aw_task *task, aw_error *err, const char *func, const char *file, uint32_t line)
{
    if (!err)
        err = aw_error_new(AW_E_GENERIC, 0, NULL);
    aw_error_add_trace(&err, func, file, line);
    aw_error_release(task->link.error); /* a throw in FINALLY replaces the pending error */
    task->link.error = err;
    aw__task_return(task);
}

void aw__task_enter_finally(aw_task *task)
{
    task->flags |= AW__TF_IN_FINALLY;
    task->resume = AW__RESUME_END;
}

#ifdef AW_DEBUG
void aw__fatal_flags(aw_task *t)
{
    aw__fatal("task %p has flags 0x%x where it can have none: at its first step (a header not set "
              "up by aw_task_init?) or after an await",
              (void *)t, (unsigned)t->flags);
}
#endif

const aw_error *aw_task_pending_error(const aw_task *task)
{
    return (task->flags & AW__TF_IN_FINALLY) ? task->link.error : NULL;
}

int aw__task_stale(aw_task *task, const char *func, const char *file, uint32_t line)
{
    /* The switch had no case for this resume point: an await hidden in a nested switch. */
    task->state = AW_TASK_RUNNING; /* resumed without a take (aw__task_resume) */
    aw__logf("asyncwasm: stale resume point %u in %s (%s): an await inside a switch statement?",
             (unsigned)task->resume, func, file);
    aw_error *err =
        aw_error_newf(AW_E_STATE, 0, "stale resume point %u: an await inside a switch statement?",
                      (unsigned)task->resume);
    aw_error_add_trace(&err, func, file, line);
    if (task->flags & AW__TF_LINK_CHILD) {
        aw_task *child = task->link.child;
        if (child && child->state == AW_TASK_DONE) {
            aw_error_release(child->link.error);
            child->link.error = NULL;
        }
    } else if (task->flags & AW__TF_LINK_OP) {
        /* the slot of the await that could not be resumed */
        aw_op *op = task->link.op;
        if (op->state == AW_OP_PENDING)
            aw__op_abandon(op, task);
        else if (op->state == AW_OP_FAILED) {
            aw_error_release(op->value.error);
            op->value.error = NULL;
        }
    } else if (task->link.future) {
        /* the future of the await that could not be resumed */
        if (task->link.future->state == AW_FUTURE_PENDING)
            aw__future_unlink(task->link.future, task);
        aw_future_release(task->link.future);
    }
    task->link.error = err;
    task->resume = AW__RESUME_FINALLY;
    task->flags &= (uint8_t) ~(AW__TF_IN_FINALLY | AW__TF_LINK_CHILD | AW__TF_LINK_OP);
    return 1;
}

static void aw__default_hook(const aw_error *err, aw_task *task, void *data)
{
    (void)data;
    aw__logf("asyncwasm: uncaught error in detached task %p:", (void *)task);
    aw_error_print(err);
}

void aw_set_error_hook(aw_error_hook hook, void *data)
{
    aw__g.hook = hook;
    aw__g.hook_data = data;
}

/* Finishing with a continuation other than a parent: a future, a callback, or the hook. */
static void aw__task_finish_other(aw_task *task, aw_error *err)
{
    int owned = task->owned;
    task->link.error = NULL; /* handed on below; the callee may free the frame */
    switch (task->cont_kind) {
    case AW__CONT_FUTURE: {
        aw_future *fut = task->cont.future;
        task->cont.future = NULL;
        if (err)
            aw_future_fail(fut, err);
        else
            aw_future_complete(fut, fut->p.result, fut->size);
        aw_future_release(fut);
        break;
    }
    case AW__CONT_DONE:
        task->cont.done(task, err);
        aw_error_release(err);
        break;
    default:
        if (err && aw_error_kind_of(err) != AW_E_CANCELLED) {
            if (aw__g.hook)
                aw__g.hook(err, task, aw__g.hook_data);
            else
                aw__default_hook(err, task, NULL);
        }
        aw_error_release(err);
        break;
    }
    if (owned)
        aw__mfree(task);
}

aw_status aw__task_finish(aw_task *task)
{
    aw_error *err = task->link.error;
    task->state = AW_TASK_DONE;
    task->flags &= (uint8_t) ~(AW__TF_IN_FINALLY | AW__TF_CANCEL_REQ);
    AW__DBG("task %p done%s", (void *)task, err ? " with an error" : "");
    if (task->cont_kind == AW__CONT_PARENT) {
        /* The parent takes the error from link.error when it resumes. It resumes at once, as
         * the continuation of this step: it is suspended (not on the C stack), and nothing
         * touches this frame after the call, so the parent may reuse it for its next child. */
        aw_task *parent = task->cont.parent;
        if (parent && parent->state == AW_TASK_WAITING_TASK && parent->link.child == task)
            aw__task_run(parent);
        return AW_DONE;
    }
    aw__task_finish_other(task, err);
    return AW_DONE;
}

/* ---- starting and cancelling ---------------------------------------------------------------- */

static void aw__task_future_cancel(aw_future *fut, void *data)
{
    (void)fut;
    aw_task_cancel(data);
}

aw_future *(aw_task_start)(aw_task *task, const void *result, size_t size)
{
    if (!task)
        return NULL;
    if (task->state != AW_TASK_INIT || !task->step)
        return aw_future_failed(aw_error_new(AW_E_STATE, 0, "task was not freshly initialised"));
    aw_future *fut = (aw_future_new)(size);
    if (!fut)
        return NULL;
    fut->refs++; /* the task's reference, dropped when it finishes */
    fut->p.result = result;
    aw_future_set_cancel_hook(fut, aw__task_future_cancel, task);
    task->cont_kind = AW__CONT_FUTURE;
    task->cont.future = fut;
    AW__DBG("task %p start (future %p)", (void *)task, (void *)fut);
    aw__task_run_outer(task);
    return fut;
}

int aw_spawn(aw_task *task)
{
    if (!task)
        return AW_ERR_INVALID;
    if (task->state != AW_TASK_INIT || !task->step)
        return AW_ERR_STATE;
    task->cont_kind = AW__CONT_NONE;
    AW__DBG("task %p spawn", (void *)task);
    aw__task_run_outer(task);
    return AW_OK;
}

int aw_task_run_cb(aw_task *task, aw_task_done_fn done)
{
    if (!task)
        return AW_ERR_INVALID;
    if (task->state != AW_TASK_INIT || !task->step || !done)
        return task->state != AW_TASK_INIT ? AW_ERR_STATE : AW_ERR_INVALID;
    task->cont_kind = AW__CONT_DONE;
    task->cont.done = done;
    AW__DBG("task %p start (callback)", (void *)task);
    aw__task_run_outer(task);
    return AW_OK;
}

int aw_task_cancel(aw_task *task)
{
    if (!task)
        return AW_ERR_INVALID;
    switch (task->state) {
    case AW_TASK_INIT:
    case AW_TASK_DONE:
        return AW_ERR_STATE;
    case AW_TASK_RUNNING:
        task->flags |= AW__TF_CANCEL_REQ;
        return AW_ERR_BUSY;
    case AW_TASK_WAITING: {
        /* in its future's waiter list, whether the future is pending or finished and queued; the
         * node of a finished future with no waiter left leaves the queue (nothing keeps the future
         * alive for it) */
        aw_future *fut = aw__waiter_future(task);
        aw__future_unlink(fut, task);
        if (!fut->head && fut->state != AW_FUTURE_PENDING)
            aw__ready_unlink((uintptr_t)fut | AW__NODE_FUT);
        aw_future_release(fut);
        break;
    }
    case AW_TASK_WAITING_OP: {
        aw_op *op = task->link.op;
        if (op->state == AW_OP_PENDING)
            aw__op_abandon(op, task); /* the producer's hook runs before the task's FINALLY */
        else
            aw__ready_unlink((uintptr_t)op | AW__NODE_OP); /* finished while queued: drop it */
        if (op->state == AW_OP_FAILED) {
            aw_error_release(op->value.error);
            op->value.error = NULL;
        }
        task->link.op = NULL;
        break;
    }
    case AW_TASK_WAITING_TASK: {
        aw_task *child = task->link.child;
        child->cont_kind = AW__CONT_NONE;
        aw_task_cancel(child);
        break;
    }
    case AW_TASK_READY:
        /* only AW_YIELD queues a task itself: it awaits nothing */
        aw__ready_unlink((uintptr_t)task | AW__NODE_TASK);
        break;
    default:
        return AW_ERR_STATE;
    }
    AW__DBG("task %p cancelled", (void *)task);
    task->flags &= (uint8_t) ~(AW__TF_LINK_CHILD | AW__TF_LINK_OP | AW__TF_CANCEL_REQ);
    task->link.error = aw_error_new(AW_E_CANCELLED, 0, "task cancelled");
    task->resume = AW__RESUME_FINALLY;
    aw__task_run_outer(task);
    return AW_OK;
}

aw_task_state aw_task_state_of(const aw_task *task)
{
    return (aw_task_state)task->state;
}

const aw_error *aw_task_error(const aw_task *task)
{
    return task->state == AW_TASK_DONE ? task->link.error : NULL;
}
