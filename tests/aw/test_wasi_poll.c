/*
 * test_wasi_poll.c - the WASI backend's fd subscriptions, under a host that accepts them.
 *
 * Node's WASI refuses fd subscriptions in poll_oneoff, where the backend falls back to "every
 * watched fd is ready". This program runs under tests/aw/run_wasi.mjs --fd-events instead, a host
 * whose poll_oneoff answers them by a fixed script: while a clock is also subscribed, the first
 * wait only lets the clock expire; after that, each wait reports one fd (the last subscribed) as
 * ready, so the backend must map each event to its watch through the subscription's userdata.
 * Standard input is a pipe holding "ping\n".
 *
 * The order of the tasks' wake-ups shows which path ran: the timer, then the writer, then the
 * reader, one per wait. Under the fallback a watcher would run before the timer; a backend that
 * mapped an event to the wrong watch would wake the reader first.
 */
#include <string.h>
#include <unistd.h>

#include "asyncwasm/aw.h"
#include "../harness.h"

static char wake_order[8];
static size_t wakes;

static void woke(char who)
{
    if (wakes < sizeof wake_order - 1)
        wake_order[wakes++] = who;
}

typedef struct sleeper {
    aw_task task;
} sleeper;

AW_ASYNC(sleeper, sleeper_run)
static aw_status sleeper_run(sleeper *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, aw_sleep(2000000), AW_DISCARD); /* 2 ms */
    woke('T');
    AW_END(f);
}

typedef struct stdin_reader {
    aw_task task;
    char buf[16];
    int64_t n;
} stdin_reader;

AW_ASYNC(stdin_reader, stdin_reader_run)
static aw_status stdin_reader_run(stdin_reader *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, aw_fd_readable(STDIN_FILENO), AW_DISCARD);
    woke('R');
    AW_AWAIT(f, aw_read(STDIN_FILENO, f->buf, sizeof f->buf), &f->n);
    AW_END(f);
}

typedef struct stdout_waiter {
    aw_task task;
} stdout_waiter;

AW_ASYNC(stdout_waiter, stdout_waiter_run)
static aw_status stdout_waiter_run(stdout_waiter *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, aw_fd_writable(STDOUT_FILENO), AW_DISCARD);
    woke('W');
    AW_END(f);
}

static void test_fd_events_wake_the_right_watchers_in_host_order(void)
{
    static sleeper s;
    static stdin_reader r;
    static stdout_waiter w;
    aw_future *fs = aw_task_start(aw_task_init(&s.task, sleeper_run_step), NULL, 0);
    aw_future *fr = aw_task_start(aw_task_init(&r.task, stdin_reader_run_step), NULL, 0);
    aw_future *fw = aw_task_start(aw_task_init(&w.task, stdout_waiter_run_step), NULL, 0);
    T_EQ_INT(aw_run(), AW_OK);
    T_EQ_INT(aw_future_state_of(fs), AW_FUTURE_COMPLETED);
    T_EQ_INT(aw_future_state_of(fr), AW_FUTURE_COMPLETED);
    T_EQ_INT(aw_future_state_of(fw), AW_FUTURE_COMPLETED);
    /* the clock first (the host lets a clock expire before it reports any fd); then the writer:
     * the reader's watch was made first, so it is subscribed first, and the host reports the last
     * subscription of a wait; then the reader, alone in the next wait */
    T_EQ_INT(wakes, 3);
    T_EQ_STR(wake_order, "TWR");
    T_EQ_INT(r.n, 5);
    T_CHECK(memcmp(r.buf, "ping\n", 5) == 0);
    aw_future_release(fs);
    aw_future_release(fr);
    aw_future_release(fw);
}

int main(void)
{
    T_RUN(test_fd_events_wake_the_right_watchers_in_host_order);
    return t_summary();
}
