/*
 * ticker - a timer firing an (almost) empty job, for the timer line of `make bench`: arm()
 * schedules a one-shot timer in one second; the job only counts its runs. Same interface as
 * bench/ic/motoko/Ticker.mo.
 */
#include "asyncwasm/ic_async.h"

static uint64_t fired;

static void job(void *arg)
{
    (void)arg;
    fired++;
}

/* arm : () -> () */
IC_UPDATE(arm)
{
    if (!ic_timer_after(1000000000u, job, NULL)) {
        ic_reject("arm: out of memory");
        return;
    }
    ic_reply_empty();
}

/* count : () -> (nat) query */
IC_QUERY(count)
{
    ic_reply_nat(fired);
}
