/*
 * backend.h - the small static API each executor backend implements (internal).
 *
 * The core (src/aw/) keeps the ready queue, the timer heap and the list of watched fds; a backend
 * only tells time, waits, arms a wake-up and prints. Exactly one backend is linked into a program,
 * the way Redis' ae.c picks one of ae_epoll.c / ae_kqueue.c:
 *
 *   src/backend/posix.c  active:  poll(2) on the watched fds with the timer deadline as timeout;
 *                                 CLOCK_MONOTONIC; stderr. Native builds, sanitizers, gdb.
 *   src/backend/wasi.c   active:  poll_oneoff with one clock subscription and one fd_read /
 *                                 fd_write subscription per watch; CLOCK_MONOTONIC; stderr.
 *   src/backend/ic.c     passive: never blocks. aw__backend_now is ic0.time; aw__backend_arm sets
 *                                 ic0.global_timer_set; every entry point and callback of the
 *                                 canister runtime calls aw_drain() before returning, and the
 *                                 canister_global_timer export calls aw_drain() too. Built with
 *                                 -DAW_BACKEND_IC=1, which removes aw_poll/aw_run/aw_run_forever/
 *                                 aw_wait_for and the fd API, so aw__backend_wait is not needed.
 *
 * Contract of the core towards a backend: the functions below are called only from the executor,
 * never re-entrantly, and only from the single thread of the program.
 */
#ifndef ASYNCWASM_SRC_AW_BACKEND_H
#define ASYNCWASM_SRC_AW_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "asyncwasm/aw_core.h"

/* "No deadline": no timer is pending. */
#define AW__NO_DEADLINE UINT64_MAX

/*
 * The clock in nanoseconds. Must never go backwards. Timers (aw_sleep) and aw_now() use it.
 * POSIX/WASI: CLOCK_MONOTONIC. IC: ic0.time (nanoseconds since 1970; constant within a message).
 */
uint64_t aw__backend_now(void);

/*
 * Called at the end of aw_drain() with the earliest timer deadline (aw__backend_now scale), or
 * AW__NO_DEADLINE when no timer is pending. A turn that ran only callbacks, with no timer pending
 * before or after and AW__NO_DEADLINE as the last value armed, skips the call (it would arm the
 * same value). A passive backend arms its wake-up for that time
 * (IC: ic0.global_timer_set(deadline), or 0 to disarm; it may skip the call when the value did not
 * change since its last arm and no wake-up fired since). Active backends do nothing: they learn
 * the deadline in aw__backend_wait.
 */
void aw__backend_arm(uint64_t deadline);

/*
 * Write `len` bytes of text (one or more whole lines, without NUL) to the program's log: the
 * default error hook, AW_DEBUG's event log, aw_debug_dump_pending and aw_profile_report use it.
 * POSIX/WASI: stderr. IC: ic0.debug_print, one call per line.
 */
void aw__backend_log(const char *text, size_t len);

#if !(defined(AW_BACKEND_IC) && AW_BACKEND_IC)

/* Readiness a watch asks for / was granted (bit set). */
#define AW__EV_READ  1u
#define AW__EV_WRITE 2u

/* One watched fd: the core keeps an array of these for the backend. */
typedef struct aw__watch {
    int fd;          /* file descriptor */
    uint8_t events;  /* AW__EV_READ or AW__EV_WRITE */
    uint8_t revents; /* set by aw__backend_wait: nonzero when ready (or hung up / in error) */
    aw_future *fut;  /* completed by the core when ready; the watch holds a reference */
    aw_op *op;       /* or this slot (aw_fd_readable_op ...) when fut is NULL */
} aw__watch;

/*
 * Active backends only. Wait until at least one of the `n` watches is ready or the clock reaches
 * `deadline` (AW__NO_DEADLINE: no time limit; a deadline at or before now: do not block), and set
 * `revents` of each ready watch (zero the others). With n == 0 and no deadline it must not block
 * for ever: the core never calls it that way. Returns the number of ready watches (0 on timeout),
 * or AW_ERR_IO when the wait itself failed. An interrupted wait (EINTR) returns 0.
 */
int aw__backend_wait(uint64_t deadline, aw__watch *watches, size_t n);

#endif

#endif
