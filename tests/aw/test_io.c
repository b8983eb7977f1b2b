/*
 * test_io.c - real fd I/O through the backends: aw_write/aw_read and readiness futures.
 *
 * Natively (POSIX backend, poll(2)) it moves data through a pipe, including end of file and the
 * cancellation of a readiness watch. Under WASI (poll_oneoff, run by Node with a preopened
 * directory at /work) it writes a file in chunks with aw_write, reads it back with aw_read, and
 * checks the error of a read from a closed fd.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asyncwasm/aw.h"
#include "../harness.h"

/* Writes `text` to `fd` in `chunks` awaited writes, then reads from `rfd` until EOF or `want`
 * bytes, awaiting each read. */
typedef struct copier {
    aw_task task;
    int wfd, rfd;
    const char *text;
    int chunks, i;
    size_t off, per;
    int close_after_write;
    int64_t n;
    char got[256];
    size_t len, want;
    int reads;
} copier;

AW_ASYNC(copier, copier_run)
static aw_status copier_run(copier *f)
{
    AW_BEGIN(f);
    if (f->wfd >= 0) {
        for (f->i = 0; f->i < f->chunks; f->i++) {
            /* no C local here: the await below would jump over its initialisation */
            f->per = strlen(f->text) / (size_t)f->chunks;
            f->off = f->per * (size_t)f->i;
            if (f->i == f->chunks - 1)
                f->per = strlen(f->text) - f->off;
            AW_AWAIT(f, aw_write(f->wfd, f->text + f->off, f->per), &f->n);
        }
        if (f->close_after_write)
            close(f->wfd);
    }
    while (f->len < f->want) {
        AW_AWAIT(f, aw_read(f->rfd, f->got + f->len, f->want - f->len), &f->n);
        f->reads++;
        if (f->n == 0)
            break;
        f->len += (size_t)f->n;
    }
    AW_END(f);
}

static aw_future *start_copier(copier *c)
{
    return aw_task_start(aw_task_init(&c->task, copier_run_step), NULL, 0);
}

#ifndef __wasi__
static void test_pipe_round_trip_and_end_of_file(void)
{
    int p[2];
    T_EQ_INT(pipe(p), 0);
    copier c = {.wfd = p[1],
                .rfd = p[0],
                .text = "hello, async pipe",
                .chunks = 3,
                .close_after_write = 1,
                .want = sizeof c.got - 1};
    aw_future *fut = start_copier(&c);
    T_EQ_INT(aw_wait_for(fut), AW_OK);
    T_EQ_INT(c.len, strlen("hello, async pipe"));
    c.got[c.len] = '\0';
    T_EQ_STR(c.got, "hello, async pipe");
    T_EQ_INT(c.n, 0); /* the last read saw end of file */
    aw_future_release(fut);
    close(p[0]);
}

typedef struct reader {
    aw_task task;
    int fd;
    char buf[16];
    int64_t n;
} reader;

AW_ASYNC(reader, reader_run)
static aw_status reader_run(reader *f)
{
    AW_BEGIN(f);
    AW_AWAIT(f, aw_read(f->fd, f->buf, sizeof f->buf), &f->n);
    AW_END(f);
}

static void test_read_waits_for_data_written_later(void)
{
    int p[2];
    T_EQ_INT(pipe(p), 0);
    reader r = {.fd = p[0]};
    aw_future *fut = aw_task_start(aw_task_init(&r.task, reader_run_step), NULL, 0);
    T_CHECK(aw_poll(0) >= 0); /* one turn without waiting: nothing to read yet */
    T_EQ_INT(aw_future_state_of(fut), AW_FUTURE_PENDING);
    T_EQ_INT(write(p[1], "late", 4), 4);
    T_EQ_INT(aw_wait_for(fut), AW_OK);
    T_EQ_INT(r.n, 4);
    T_CHECK(memcmp(r.buf, "late", 4) == 0);
    aw_future_release(fut);
    close(p[0]);
    close(p[1]);
}

static void test_cancelled_readiness_watch_is_dropped(void)
{
    int p[2];
    T_EQ_INT(pipe(p), 0);
    aw_future *rd = aw_fd_readable(p[0]);
    T_CHECK(aw_has_pending());
    T_EQ_INT(aw_future_cancel(rd), AW_OK);
    T_CHECK(!aw_has_pending());
    aw_future *wr = aw_fd_writable(p[1]);
    T_EQ_INT(aw_wait_for(wr), AW_OK); /* an empty pipe is writable at once */
    aw_future_release(rd);
    aw_future_release(wr);
    close(p[0]);
    close(p[1]);
}
#endif

static void test_file_written_in_chunks_reads_back(void)
{
#ifdef __wasi__
    const char *path = "/work/aw_io_test.txt";
#else
    char path[64];
    snprintf(path, sizeof path, "/tmp/aw_io_test_%d.txt", (int)getpid());
#endif
    const char *text = "The quick brown fox jumps over the lazy dog, asynchronously.";
    int wfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    T_CHECK(wfd >= 0);
    copier w = {.wfd = wfd, .rfd = -1, .text = text, .chunks = 4};
    aw_future *fut = start_copier(&w);
    T_EQ_INT(aw_wait_for(fut), AW_OK);
    T_EQ_INT(w.n, (int64_t)(strlen(text) - 3 * (strlen(text) / 4)));
    aw_future_release(fut);
    close(wfd);

    int rfd = open(path, O_RDONLY);
    T_CHECK(rfd >= 0);
    copier r = {.wfd = -1, .rfd = rfd, .want = sizeof r.got - 1};
    fut = start_copier(&r);
    T_EQ_INT(aw_wait_for(fut), AW_OK);
    r.got[r.len] = '\0';
    T_EQ_STR(r.got, text);
    T_CHECK(r.reads >= 2); /* the data, then end of file */
    aw_future_release(fut);
    close(rfd);
    unlink(path);
}

static void test_read_from_bad_fd_fails_with_io_error(void)
{
    char buf[4];
    aw_future *fut = aw_read(-1, buf, sizeof buf);
    T_EQ_INT(aw_wait_for(fut), AW_ERR_STATE);
    T_EQ_INT(aw_error_kind_of(aw_future_error(fut)), AW_E_IO);
    T_CONTAINS(aw_error_message(aw_future_error(fut)), "negative file descriptor");
    aw_future_release(fut);
}

int main(void)
{
#ifndef __wasi__
    T_RUN(test_pipe_round_trip_and_end_of_file);
    T_RUN(test_read_waits_for_data_written_later);
    T_RUN(test_cancelled_readiness_watch_is_dropped);
#endif
    T_RUN(test_file_written_in_chunks_reads_back);
    T_RUN(test_read_from_bad_fd_fails_with_io_error);
    T_CHECK(!aw_has_pending());
    aw_trim();
    return t_summary();
}
