/*
 * ic.c - the Internet Computer backend of the async core: passive, never blocks.
 *
 * The core asks a backend for the time, to arm a wake-up for the earliest timer, and to print
 * (src/aw/backend.h). On the IC:
 *   - the clock is ic0.time (nanoseconds since 1970, constant during one message execution);
 *   - the wake-up is the canister's single global timer: aw__backend_arm sets it to the earliest
 *     deadline of the core's timer heap, and the canister_global_timer export below drains the
 *     core, which fires the timers that are due and re-arms for the next one. The IC sets the
 *     timer to 0 before running canister_global_timer (spec CI "Global timer"), and deactivates it
 *     on upgrade: post_upgrade arms it again when it leaves, like every entry point;
 *   - the log is ic0.debug_print, one call per line.
 * Nothing runs between messages: every export of the runtime calls ic__drain before returning.
 */

#include "aw/backend.h"
#include "internal.h"

/* The value last given to ic0.global_timer_set in this module instance (0: disarmed). A trapped
 * message rolls this variable back together with its global_timer_set, so they stay in step. */
static uint64_t ic__armed;

uint64_t aw__backend_now(void)
{
    return ic0_time();
}

void aw__backend_arm(uint64_t deadline)
{
    /* Queries (and callbacks inside composite queries) may not set the timer and their state
     * changes are discarded anyway; inspect_message neither. */
    if (ic__rt.query || ic__rt.ctx == IC_CTX_INSPECT || ic__rt.ctx == IC_CTX_NONE)
        return;
    /* 0 disarms the timer; a deadline of 0 (long past) becomes 1, which fires at once. */
    uint64_t want = deadline == AW__NO_DEADLINE ? 0 : deadline ? deadline : 1;
    if (want == ic__armed)
        return;
    ic__armed = want;
    ic0_global_timer_set(want);
}

/* One debug_print per line (a byte loop: log lines are short, and wasi-libc's word-at-a-time
 * memchr would add a third of a kilobyte to every canister). */
void aw__backend_log(const char *text, size_t len)
{
    while (len) {
        size_t n = 0;
        while (n < len && text[n] != '\n')
            n++;
        ic0_debug_print(IC__ADDR(text), (uint32_t)n);
        if (n == len)
            break;
        len -= n + 1;
        text += n + 1;
    }
}

/* aw_drain reads the clock (ic0.time, 500 instructions) on every turn; when nothing is ready and
 * no timer is pending there is nothing to run, and only a timer still armed may need disarming. */
void ic__drain(void)
{
    if (aw_has_pending())
        aw_drain();
    else if (ic__armed)
        aw__backend_arm(AW__NO_DEADLINE);
}

/* The IC has cleared the timer before calling this export (spec CI "Global timer"). */
IC__EXPORT("canister_global_timer") void ic__global_timer(void);
void ic__global_timer(void)
{
    ic__enter(IC_CTX_SYSTEM_TASK);
    ic__armed = 0;
    ic__leave();
}
