/*
 * timer.c - one-shot and interval timers, and ic_sleep (<asyncwasm/ic_async.h>).
 *
 * Timers are detached tasks of the async core that await aw_sleep; the core's timer heap keeps
 * the deadlines and the IC backend multiplexes them onto the canister's single global timer
 * (src/backend/ic.c). So any number of timers and sleeping tasks share one ic0.global_timer_set,
 * armed for the earliest deadline at the end of every message. Like all wasm memory, timers are
 * lost on upgrade (the IC also clears the global timer then): set them again in post_upgrade;
 * the runtime arms the global timer when post_upgrade returns.
 */
#include <stdlib.h>

#include "asyncwasm/ic_async.h"
#include "internal.h"

typedef struct ic__timer {
    aw_task task;          /* frame header */
    void (*fn)(void *arg); /* the job */
    void *arg;
    uint64_t every; /* interval in ns; 0 for a one-shot timer */
    uint64_t first; /* delay before the first run */
    ic_timer_id id;
    struct ic__timer *next; /* list of scheduled timers */
} ic__timer;

static ic__timer *ic__timers;
static ic_timer_id ic__next_timer_id;

AW_ASYNC(ic__timer, ic__timer_run)
static aw_status ic__timer_run(ic__timer *t)
{
    AW_BEGIN(t);
    AW_AWAIT(t, aw_sleep(t->first), AW_DISCARD);
    t->fn(t->arg);
    while (t->every) {
        AW_AWAIT(t, aw_sleep(t->every), AW_DISCARD);
        t->fn(t->arg);
    }
    AW_FINALLY(t);
    for (ic__timer **pp = &ic__timers; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    AW_END(t);
}

static ic_timer_id ic__timer_add(uint64_t first, uint64_t every, void (*fn)(void *), void *arg)
{
    ic__timer *t = aw_task_new(sizeof *t, ic__timer_run_step);
    if (!t)
        return 0;
    t->fn = fn;
    t->arg = arg;
    t->first = first;
    t->every = every;
    if (++ic__next_timer_id == 0)
        ++ic__next_timer_id;
    t->id = ic__next_timer_id;
    t->next = ic__timers;
    ic__timers = t;
    aw_spawn(&t->task);
    return t->id;
}

ic_timer_id ic_timer_after(uint64_t ns, void (*fn)(void *arg), void *arg)
{
    return ic__timer_add(ns, 0, fn, arg);
}

ic_timer_id ic_timer_every(uint64_t ns, void (*fn)(void *arg), void *arg)
{
    /* A zero interval would never let the executor finish a drain. */
    return ic__timer_add(ns, ns ? ns : 1, fn, arg);
}

bool ic_timer_cancel(ic_timer_id id)
{
    for (ic__timer *t = ic__timers; t; t = t->next)
        if (t->id == id)
            return aw_task_cancel(&t->task) == AW_OK;
    return false;
}

/* ---- ic_sleep: keeping a call context open ------------------------------------------------ */

typedef struct ic__sleep {
    aw_task task;
    uint64_t deadline;
    ic_bytes rand;
} ic__sleep;

AW_ASYNC(ic__sleep, ic__sleep_run)
static aw_status ic__sleep_run(ic__sleep *s)
{
    AW_BEGIN(s);
    while (ic0_time() < s->deadline) {
        AW_AWAIT(s, ic_call_raw(&IC_MANAGEMENT_CANISTER, "raw_rand", NULL, 0), &s->rand);
        ic_bytes_free(&s->rand);
    }
    AW_END(s);
}

aw_future *ic_sleep(uint64_t ns)
{
    ic_context x = ic__rt.ctx;
    bool in_call = ic__rt.cc && (x == IC_CTX_UPDATE || x == IC_CTX_CALLBACK);
    if (!in_call)
        return aw_sleep(ns);
    ic__sleep *s = aw_task_new(sizeof *s, ic__sleep_run_step);
    if (!s)
        return NULL;
    s->deadline = ic0_time() + ns;
    return aw_task_start(&s->task, NULL, 0);
}
