/*
 * aw_io.h - file descriptors as futures (POSIX and WASI backends only).
 *
 * Readiness futures complete when the backend's poll(2) or poll_oneoff reports the fd readable or
 * writable; aw_read/aw_write (the seed's readAsync/writeAsync) wait for readiness and then do the
 * transfer. None of this exists on the IC, which has no file descriptors: with AW_BACKEND_IC the
 * declarations are hidden. Futures follow the ownership rules of aw_core.h.
 */
#ifndef ASYNCWASM_AW_IO_H
#define ASYNCWASM_AW_IO_H

#include "aw_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#if !(defined(AW_BACKEND_IC) && AW_BACKEND_IC)

/* A future (no value) completed when `fd` is readable (or at end of file, or in error) / writable.
 * Cancelling it stops the watch. NULL when memory runs out; fails AW_E_IO (code EBADF) for a
 * negative fd. */
aw_future *aw_fd_readable(int fd);
aw_future *aw_fd_writable(int fd);

/* The same readiness as an operation slot: start `op` (a slot in the caller's frame) and complete
 * it when `fd` is readable / writable; no allocation beyond the watch list's growth. Await it with
 * AW_AWAIT_OP; cancelling the waiting task stops the watch. The slot is failed with AW_E_IO
 * (EBADF) for a negative fd and with the out-of-memory error when the watch list cannot grow.
 * Returns `op` (NULL for NULL). */
aw_op *aw_fd_readable_op(aw_op *op, int fd);
aw_op *aw_fd_writable_op(aw_op *op, int fd);

/*
 * Wait until `fd` is readable, then read up to `len` bytes into `buf` (which must stay valid until
 * the future finished). The value is an int64_t: the number of bytes read, 0 at end of file.
 * Fails AW_E_IO with errno as the code.
 */
aw_future *aw_read(int fd, void *buf, size_t len);

/*
 * Write all `len` bytes of `buf` (which must stay valid until the future finished), waiting for
 * writability before each partial write. The value is an int64_t: `len`. Fails AW_E_IO with errno
 * as the code (the bytes written before the error are lost to the caller).
 */
aw_future *aw_write(int fd, const void *buf, size_t len);

#endif

#ifdef __cplusplus
}
#endif

#endif
