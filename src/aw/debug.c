/*
 * debug.c - the compile-time debugging and profiling aids (the seed's asyncDebug/asyncProfile).
 *
 * -DAW_DEBUG: public constructors are wrapped by macros that record the caller's file:line just
 * before the call (aw__debug_site); the next future allocated takes that site and joins a list of
 * live futures, which aw_debug_dump_pending prints. Task and future events are logged through
 * AW__DBG to the backend's log.
 * -DAW_PROFILE: AW_BEGIN names the step function (aw__profile_enter); aw__task_run times every
 * step with aw_now() and adds resumes and nanoseconds to that function's row. Rows are keyed by
 * the address of __func__, so the lookup is a pointer comparison.
 * Both cost nothing when not defined.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#ifdef AW_DEBUG
static const char *aw__site_file;
static int aw__site_line;
static aw_future *aw__live_futures;

void aw__debug_site(const char *file, int line)
{
    aw__site_file = file;
    aw__site_line = line;
}

void aw__debug_future_born(aw_future *fut)
{
    fut->file = aw__site_file;
    fut->line = aw__site_line;
    aw__site_file = NULL;
    fut->dbg_prev = NULL;
    fut->dbg_next = aw__live_futures;
    if (aw__live_futures)
        aw__live_futures->dbg_prev = fut;
    aw__live_futures = fut;
    AW__DBG("future %p new (%u bytes) at %s:%d", (void *)fut, (unsigned)fut->size,
            fut->file ? fut->file : "(library)", fut->line);
}

void aw__debug_future_dead(aw_future *fut)
{
    if (fut->dbg_prev)
        fut->dbg_prev->dbg_next = fut->dbg_next;
    else
        aw__live_futures = fut->dbg_next;
    if (fut->dbg_next)
        fut->dbg_next->dbg_prev = fut->dbg_prev;
    AW__DBG("future %p freed", (void *)fut);
}
#endif

size_t aw_debug_dump_pending(void)
{
#ifdef AW_DEBUG
    size_t n = 0;
    for (aw_future *f = aw__live_futures; f; f = f->dbg_next) {
        if (f->state != AW_FUTURE_PENDING)
            continue;
        n++;
        unsigned waiting = 0;
        for (const aw_task *w = f->head; w; w = aw__waiter_next(w))
            waiting++;
        aw__logf("pending future %p (%u bytes, %u waiting) created at %s:%d", (void *)f,
                 (unsigned)f->size, waiting, f->file ? f->file : "(library)", f->line);
    }
    aw__logf("%zu pending futures", n);
    return n;
#else
    aw__logf("%llu live futures (build with -DAW_DEBUG to list the pending ones and their sites)",
             (unsigned long long)aw__hot.futures_live);
    return (size_t)aw__hot.futures_live;
#endif
}

#ifdef AW_PROFILE
#define AW__PROFILE_ROWS 128

typedef struct aw__profile_row {
    const char *func;
    uint64_t resumes;
    uint64_t ns;
} aw__profile_row;

static aw__profile_row aw__rows[AW__PROFILE_ROWS];
static size_t aw__nrows;
static aw__profile_row *aw__current;

void aw__profile_enter(const char *func)
{
    aw__profile_row *row = NULL;
    for (size_t i = 0; i < aw__nrows; i++) {
        if (aw__rows[i].func == func) {
            row = &aw__rows[i];
            break;
        }
    }
    if (!row && aw__nrows < AW__PROFILE_ROWS) {
        row = &aw__rows[aw__nrows++];
        row->func = func;
    }
    if (row)
        row->resumes++;
    aw__current = row;
}

static void *aw__profile_before(uint64_t *t0)
{
    void *saved = aw__current;
    aw__current = NULL;
    *t0 = aw__backend_now();
    return saved;
}

static void aw__profile_after(void *saved, uint64_t t0)
{
    if (aw__current)
        aw__current->ns += aw__backend_now() - t0;
    aw__current = saved;
}

aw_status aw__task_run_profiled(aw_task *t)
{
    t->state = AW_TASK_RUNNING;
    uint64_t t0;
    void *saved = aw__profile_before(&t0);
    aw_status st = t->step(t);
    aw__profile_after(saved, t0);
    return st;
}
#endif

size_t aw_profile_report(void)
{
#ifdef AW_PROFILE
    aw__logf("%-32s %12s %14s %10s", "async function", "resumes", "total ns", "ns/resume");
    for (size_t i = 0; i < aw__nrows; i++) {
        const aw__profile_row *r = &aw__rows[i];
        aw__logf("%-32s %12llu %14llu %10llu", r->func, (unsigned long long)r->resumes,
                 (unsigned long long)r->ns,
                 (unsigned long long)(r->resumes ? r->ns / r->resumes : 0));
    }
    return aw__nrows;
#else
    aw__logf("profiling is off: build with -DAW_PROFILE");
    return 0;
#endif
}
