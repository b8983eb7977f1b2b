/*
 * posix.c - the POSIX backend: poll(2), CLOCK_MONOTONIC and stderr (see src/aw/backend.h).
 *
 * It lets the whole core run natively, under AddressSanitizer, UBSan, valgrind and gdb. poll(2)
 * takes milliseconds, so a deadline is rounded up to the next millisecond: a timer never fires
 * early, at most 1 ms late.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../aw/backend.h"

uint64_t aw__backend_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void aw__backend_arm(uint64_t deadline)
{
    (void)deadline; /* active backend: the deadline reaches aw__backend_wait */
}

void aw__backend_log(const char *text, size_t len)
{
    fwrite(text, 1, len, stderr);
    fflush(stderr);
}

/* poll(2) array, grown as needed and kept between calls. */
static struct pollfd *aw__pfds;
static size_t aw__pfds_cap;

int aw__backend_wait(uint64_t deadline, aw__watch *watches, size_t n)
{
    int timeout = -1;
    if (deadline != AW__NO_DEADLINE) {
        uint64_t now = aw__backend_now();
        uint64_t ms = deadline > now ? (deadline - now + 999999u) / 1000000u : 0;
        timeout = ms > INT_MAX ? INT_MAX : (int)ms;
    }
    if (n > aw__pfds_cap) {
        struct pollfd *grown = realloc(aw__pfds, n * sizeof *grown);
        if (!grown)
            return AW_ERR_IO;
        aw__pfds = grown;
        aw__pfds_cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        aw__pfds[i].fd = watches[i].fd;
        aw__pfds[i].events = (watches[i].events & AW__EV_READ) ? POLLIN : POLLOUT;
        aw__pfds[i].revents = 0;
    }
    int r = poll(aw__pfds, (nfds_t)n, timeout);
    if (r < 0)
        return errno == EINTR ? 0 : AW_ERR_IO;
    for (size_t i = 0; i < n; i++)
        watches[i].revents = aw__pfds[i].revents ? watches[i].events : 0;
    return r;
}
