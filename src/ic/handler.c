/*
 * handler.c - async entry points (IC_UPDATE_ASYNC, IC_COMPOSITE_QUERY_ASYNC): start the handler
 * task of a new call context, and answer the context when the task finishes without having done
 * so itself.
 *
 * Per handler: one call context record (ic__cc, from a free list, holding the argument bytes so
 * that text and blob arguments may point into them while the handler runs) and the task's frame
 * (aw_task_new, freed by the core when the task finished). The record's references: one for the
 * task, one per outstanding call. Live handlers are listed so that the done callback, which
 * receives only the task, finds its record.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_async.h"
#include "internal.h"

static ic__cc *ic__live;

static void ic__handler_done(aw_task *task, const aw_error *err)
{
    ic__cc **pp = &ic__live, *cc;
    while ((cc = *pp) && cc->task != task)
        pp = &cc->next;
    if (!cc)
        return; /* cannot happen: every started handler is listed */
    *pp = cc->next;
    cc->next = NULL;
    cc->task = NULL;
    cc->handler_pending = false;

    if (!cc->replied && !cc->ended) {
        if (ic__rt.ctx == IC_CTX_CLEANUP) {
            /* A callback of this handler trapped: FINALLY ran; the IC answers the caller. */
            ic_printf("asyncwasm: %s: cancelled in the cleanup of a trapped callback", cc->method);
        } else if (ic__rt.cc != cc) {
            /* Finished in another message (woken by a timer or another context's call): the IC
             * routes a reply to the message running now, so this call cannot be answered. */
            ic_printf("asyncwasm: %s: the async handler finished outside its own call context; "
                      "its caller gets the IC's reject",
                      cc->method);
        } else if (err) {
            char text[1536];
            aw_error_format(err, text, sizeof text);
            ic_rejectf("%s: %s", cc->method, text);
        } else {
            ic_rejectf("%s: the async handler finished without replying", cc->method);
        }
    }
    ic__cc_release(cc);
}

/* The message's bytes into the record: inline when small. */
static bool ic__keep_arg(ic__cc *cc)
{
    size_t n = ic0_msg_arg_data_size();
    cc->arg = n <= sizeof cc->small_arg ? cc->small_arg : malloc(n);
    if (!cc->arg)
        return false;
    cc->arg_len = n;
    ic0_msg_arg_data_copy(IC__ADDR(cc->arg), 0, (uint32_t)n);
    return true;
}

void ic__start_handler(const char *method, size_t frame_size, aw_step_fn step, ic_types *in,
                       ic_args_fn args)
{
    static ic_types no_args = IC_TYPES("()");
    ic__cc *cc = ic__cc_hold();
    aw_task *task = cc && ic__keep_arg(cc) ? aw_task_new(frame_size, step) : NULL;
    if (!task) {
        ic__cc_release(cc);
        ic_rejectf("%s: out of memory", method);
        return;
    }
    cc->method = method;

    /* Decode the arguments before the first step: a malformed message is rejected with the
     * decoder's error and the handler never runs. */
    ic_reader r;
    int rc = ic_reader_begin(&r, in ? in : &no_args, cc->arg, cc->arg_len);
    if (rc == 0 && args)
        rc = args(&r, task);
    if (rc == 0)
        rc = ic_reader_end(&r);
    else
        ic_reader_free(&r);
    if (rc != 0) {
        aw_task_free(task);
        ic_rejectf("%s: invalid arguments: %s", method, ic_reader_error(&r));
        ic__cc_release(cc);
        return;
    }

    cc->task = task;
    cc->next = ic__live;
    ic__live = cc;
    cc->handler_pending = true;
    aw_task_run_cb(task, ic__handler_done);
}
