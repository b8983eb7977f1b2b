/*
 * wasi.c - the WASI backend: poll_oneoff on one clock and the watched fds (see src/aw/backend.h).
 *
 * Every wait is one poll_oneoff call: a relative CLOCK_MONOTONIC subscription for the next
 * deadline (none without timers) and an fd_read or fd_write subscription per watch. The userdata
 * of an fd subscription is the watch index. Time comes from clock_time_get(MONOTONIC); the log
 * goes to fd 2.
 *
 * Two rules keep fd I/O working where runtimes differ. A regular file is always ready (as poll(2)
 * says), so it is reported at once without asking the runtime. And when the runtime rejects fd
 * subscriptions (Node's WASI answers EPERM to any of them), every watched fd counts as ready: the
 * read or write that follows then simply behaves as in synchronous code.
 */
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

#include "../aw/backend.h"

#define AW__CLOCK_USERDATA UINT64_MAX

uint64_t aw__backend_now(void)
{
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t) != 0)
        return 0;
    return t;
}

void aw__backend_arm(uint64_t deadline)
{
    (void)deadline; /* active backend: the deadline reaches aw__backend_wait */
}

void aw__backend_log(const char *text, size_t len)
{
    while (len) {
        ssize_t n = write(2, text, len);
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

static __wasi_subscription_t *aw__subs;
static __wasi_event_t *aw__events;
static size_t aw__subs_cap;

int aw__backend_wait(uint64_t deadline, aw__watch *watches, size_t n)
{
    size_t need = n + 1;
    if (need > aw__subs_cap) {
        __wasi_subscription_t *subs = realloc(aw__subs, need * sizeof *subs);
        if (!subs)
            return AW_ERR_IO;
        aw__subs = subs;
        __wasi_event_t *events = realloc(aw__events, need * sizeof *events);
        if (!events)
            return AW_ERR_IO;
        aw__events = events;
        aw__subs_cap = need;
    }
    size_t k = 0;
    int ready = 0;
    for (size_t i = 0; i < n; i++) {
        __wasi_fdstat_t st;
        watches[i].revents = 0;
        if (__wasi_fd_fdstat_get((__wasi_fd_t)watches[i].fd, &st) == 0 &&
            st.fs_filetype == __WASI_FILETYPE_REGULAR_FILE) {
            watches[i].revents = watches[i].events;
            ready++;
            continue;
        }
        __wasi_subscription_t *s = &aw__subs[k++];
        s->userdata = i;
        if (watches[i].events & AW__EV_READ) {
            s->u.tag = __WASI_EVENTTYPE_FD_READ;
            s->u.u.fd_read.file_descriptor = (__wasi_fd_t)watches[i].fd;
        } else {
            s->u.tag = __WASI_EVENTTYPE_FD_WRITE;
            s->u.u.fd_write.file_descriptor = (__wasi_fd_t)watches[i].fd;
        }
    }
    if (ready)
        return ready; /* regular files: no need to ask the runtime this turn */
    size_t nfd = k;
    if (deadline != AW__NO_DEADLINE) {
        uint64_t now = aw__backend_now();
        __wasi_subscription_t *s = &aw__subs[k++];
        s->userdata = AW__CLOCK_USERDATA;
        s->u.tag = __WASI_EVENTTYPE_CLOCK;
        s->u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        s->u.u.clock.timeout = deadline > now ? deadline - now : 0;
        s->u.u.clock.precision = 0;
        s->u.u.clock.flags = 0;
    }
    if (k == 0)
        return 0;
    __wasi_size_t nevents = 0;
    if (__wasi_poll_oneoff(aw__subs, aw__events, k, &nevents) != 0) {
        if (nfd == 0)
            return AW_ERR_IO; /* only a clock, and it failed */
        /* fd subscriptions rejected: count every watched fd as ready */
        for (size_t i = 0; i < n; i++)
            watches[i].revents = watches[i].events;
        return (int)n;
    }
    for (size_t e = 0; e < nevents; e++) {
        const __wasi_event_t *ev = &aw__events[e];
        if (ev->userdata == AW__CLOCK_USERDATA || ev->userdata >= n)
            continue;
        if (!watches[ev->userdata].revents)
            ready++;
        watches[ev->userdata].revents = watches[ev->userdata].events;
    }
    return ready;
}
