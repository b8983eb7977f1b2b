/*
 * io.c - file descriptors as futures, for the POSIX and WASI backends (not built for the IC).
 *
 * Readiness futures and readiness slots (aw_op) are watches handed to the backend
 * (aw__watch_add, aw__watch_add_op). aw_read and aw_write are async functions of the core itself,
 * written with the same macros as user code: they await readiness through a slot in their frame
 * (no future per wait), then call read(2)/write(2) (wasi-libc maps them to fd_read/fd_write). Their
 * frames come from aw_task_new and are freed by the runtime when they finish.
 */
#include <errno.h>
#include <unistd.h>

#include "internal.h"

static aw_future *aw__fd_ready(int fd, unsigned events)
{
    if (fd < 0)
        return aw_future_failed(aw_error_new(AW_E_IO, EBADF, "negative file descriptor"));
    aw_future *fut = (aw_future_new)(0);
    if (!fut)
        return NULL;
    if (aw__watch_add(fd, events, fut) != AW_OK) {
        aw_future_release(fut);
        return NULL;
    }
    return fut;
}

static aw_op *aw__fd_ready_op(aw_op *op, int fd, unsigned events)
{
    if (!op)
        return NULL;
    if (fd < 0) {
        aw_op_start(op, NULL);
        aw_op_fail(op, aw_error_new(AW_E_IO, EBADF, "negative file descriptor"));
    } else if (aw__watch_add_op(fd, events, op) != AW_OK) {
        aw_op_start(op, NULL);
        aw_op_fail(op, NULL);
    }
    return op;
}

aw_op *aw_fd_readable_op(aw_op *op, int fd)
{
    return aw__fd_ready_op(op, fd, AW__EV_READ);
}

aw_op *aw_fd_writable_op(aw_op *op, int fd)
{
    return aw__fd_ready_op(op, fd, AW__EV_WRITE);
}

aw_future *aw_fd_readable(int fd)
{
    return aw__fd_ready(fd, AW__EV_READ);
}

aw_future *aw_fd_writable(int fd)
{
    return aw__fd_ready(fd, AW__EV_WRITE);
}

typedef struct aw__io_frame {
    aw_task task;
    aw_op ready; /* readiness of fd: a slot in the frame, no future per wait */
    int fd;
    unsigned char *buf;
    size_t len;
    size_t done;
    int64_t result;
} aw__io_frame;

AW_ASYNC(aw__io_frame, aw__read_run)
static aw_status aw__read_run(aw__io_frame *f)
{
    AW_BEGIN(f);
    for (;;) {
        AW_AWAIT_OP(f, aw_fd_readable_op(&f->ready, f->fd));
        ssize_t n = read(f->fd, f->buf, f->len);
        if (n >= 0) {
            f->result = n;
            break;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            AW_THROW_ERROR(f, aw_error_newf(AW_E_IO, errno, "read fd %d failed", f->fd));
    }
    AW_END(f);
}

AW_ASYNC(aw__io_frame, aw__write_run)
static aw_status aw__write_run(aw__io_frame *f)
{
    AW_BEGIN(f);
    while (f->done < f->len) {
        AW_AWAIT_OP(f, aw_fd_writable_op(&f->ready, f->fd));
        ssize_t n = write(f->fd, f->buf + f->done, f->len - f->done);
        if (n >= 0)
            f->done += (size_t)n;
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            AW_THROW_ERROR(f, aw_error_newf(AW_E_IO, errno, "write fd %d failed", f->fd));
    }
    f->result = (int64_t)f->len;
    AW_END(f);
}

static aw_future *aw__io_start(aw_step_fn step, int fd, const void *buf, size_t len)
{
    aw__io_frame *f = aw_task_new(sizeof *f, step);
    if (!f)
        return NULL;
    f->fd = fd;
    f->buf = (unsigned char *)(uintptr_t)buf;
    f->len = len;
    aw_future *fut = (aw_task_start)(&f->task, &f->result, sizeof f->result);
    if (!fut)
        aw_task_free(&f->task);
    return fut;
}

aw_future *aw_read(int fd, void *buf, size_t len)
{
    return aw__io_start(aw__read_run_step, fd, buf, len);
}

aw_future *aw_write(int fd, const void *buf, size_t len)
{
    return aw__io_start(aw__write_run_step, fd, buf, len);
}
