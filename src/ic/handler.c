/*
 * handler.c - async entry points (IC_UPDATE_ASYNC, IC_COMPOSITE_QUERY_ASYNC): start the handler
 * task of a new call context, and answer the context when the task finishes without having done
 * so itself.
 *
 * Per handler: one call context record (ic__cc, malloc'd, holding the argument bytes so that text
 * and blob arguments read by the handler's args function may point into them while it runs) and
 * the task's frame (aw_task_new, freed by the core when the task finished). The record's
 * references: one for the task, one per outstanding call.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_async.h"
#include "internal.h"

/* Live handler tasks and their call contexts. The done callback receives only the task, so it
 * finds the record here; there are few handlers in flight at a time, a list suffices. */
typedef struct ic__live {
    aw_task *task;
    ic__cc *cc;
    struct ic__live *next;
} ic__live;
static ic__live *ic__live_handlers;

static void ic__handler_done(aw_task *task, const aw_error *err)
{
    ic__live **pp = &ic__live_handlers, *l;
    while ((l = *pp) && l->task != task)
        pp = &l->next;
    if (!l)
        return; /* not ours: cannot happen, the map holds every started handler */
    *pp = l->next;
    ic__cc *cc = l->cc;
    free(l);
    cc->handler_pending = false;

    if (!cc->replied && !cc->ended) {
        if (ic__rt.cc != cc) {
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

void ic__start_handler(const char *method, ic_context ctx, size_t frame_size, aw_step_fn step,
                       ic_args_fn args)
{
    (void)ctx;
    ic__cc *cc = ic__cc_hold();
    ic__live *live = malloc(sizeof *live);
    aw_task *task = aw_task_new(frame_size, step);
    if (!cc || !live || !task) {
        free(live);
        if (task)
            aw_task_free(task);
        ic__cc_release(cc);
        ic_rejectf("%s: out of memory", method);
        return;
    }
    cc->method = method;

    size_t len = 0;
    cc->arg = ic_arg_bytes(&len);
    if (!cc->arg) {
        free(live);
        aw_task_free(task);
        ic__cc_release(cc);
        ic_rejectf("%s: out of memory", method);
        return;
    }
    /* Decode the arguments before the first step: a malformed message is rejected with the
     * decoder's error and the handler never runs. */
    candid_dec d;
    candid_arena arena;
    candid_error cerr;
    candid_arena_init(&arena);
    memset(&cerr, 0, sizeof cerr);
    int rc = candid_dec_begin(&d, cc->arg, len, NULL, &arena, &cerr);
    if (rc == 0 && args)
        rc = args(&d, task);
    if (rc == 0)
        rc = candid_dec_end(&d);
    candid_dec_free(&d);
    candid_arena_free(&arena);
    if (rc != 0) {
        free(live);
        aw_task_free(task);
        ic_rejectf("%s: invalid arguments: %s", method,
                   cerr.message[0] ? cerr.message : candid_strerror(rc));
        ic__cc_release(cc);
        return;
    }

    live->task = task;
    live->cc = cc;
    live->next = ic__live_handlers;
    ic__live_handlers = live;
    cc->handler_pending = true;
    aw_task_run_cb(task, ic__handler_done);
}
