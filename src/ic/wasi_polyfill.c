/*
 * wasi_polyfill.c - WASI preview1 for canisters, in C, so that no `wasi_snapshot_preview1` import
 * is left in a canister module (the IC accepts only `ic0` imports).
 *
 * wasi-libc calls each WASI function through a symbol `__imported_wasi_snapshot_preview1_<name>`
 * declared as an import. Defining that symbol here makes wasm-ld resolve the call to our function
 * instead of emitting the import. This file defines all 45 functions wasi-libc can reference, with
 * the exact wasm signatures it declares (checked against libc.a's __wasilibc_real.o), and maps
 * them:
 *
 *   fd_write on 1/2    -> ic0.debug_print, one log entry per line
 *   fd_read on 0       -> end of file
 *   fd_fdstat_get 0..2 -> a character device, so stdio is line-buffered
 *   clock_time_get     -> ic0.time (realtime and monotonic; constant within one message)
 *   random_get         -> a deterministic generator seeded from ic0.time and the canister id,
 *                         reseedable with ic_random_seed(); NOT cryptographic (use raw_rand)
 *   environ_*          -> the canister's environment variables (ic0.env_var_*)
 *   proc_exit          -> ic0.trap with "exit(N)"
 *   sched_yield        -> success
 *   everything else    -> an error code (EBADF for unknown descriptors, ENOSYS otherwise)
 *
 * The module must be linked as an object (not from an archive), so that the definitions are
 * seen before libc.a is searched; mk/ic.mk does so.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic.h"
#include "asyncwasm/ic0.h"

/* WASI errno values (wasi/api.h). */
enum {
    IC__WASI_SUCCESS = 0,
    IC__WASI_EBADF = 8,
    IC__WASI_EINVAL = 28,
    IC__WASI_ENOMEM = 48,
    IC__WASI_ENOSYS = 52,
    IC__WASI_ENOTSUP = 58,
    IC__WASI_ESPIPE = 70,
};

#define IC__WASI(name) __attribute__((used)) __imported_wasi_snapshot_preview1_##name
#define P(x)           ((void *)(uintptr_t)(x))

/* ---- standard streams -------------------------------------------------------------------- */

/* Buffer of a line not yet ended by '\n' (stdio may write a long line in pieces). */
static char ic__line[256];
static uint32_t ic__line_len;

static void ic__line_flush(void)
{
    ic0_debug_print((uint32_t)(uintptr_t)ic__line, ic__line_len);
    ic__line_len = 0;
}

static void ic__line_put(const char *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            ic__line_flush();
            continue;
        }
        if (ic__line_len == sizeof ic__line)
            ic__line_flush();
        ic__line[ic__line_len++] = s[i];
    }
}

/* A WASI iovec/ciovec on wasm32: { u32 buf; u32 len; }. */
struct ic__iovec {
    uint32_t buf;
    uint32_t len;
};

int32_t IC__WASI(fd_write)(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nwritten)
{
    if (fd != 1 && fd != 2)
        return IC__WASI_EBADF;
    const struct ic__iovec *v = P(iovs);
    uint32_t total = 0;
    for (int32_t i = 0; i < iovs_len; i++) {
        ic__line_put(P(v[i].buf), v[i].len);
        total += v[i].len;
    }
    /* A partial line is printed now: the message may end (and the buffer be lost) before a '\n'. */
    if (ic__line_len)
        ic__line_flush();
    *(uint32_t *)P(nwritten) = total;
    return IC__WASI_SUCCESS;
}

int32_t IC__WASI(fd_read)(int32_t fd, int32_t iovs, int32_t iovs_len, int32_t nread)
{
    (void)iovs;
    (void)iovs_len;
    if (fd != 0)
        return IC__WASI_EBADF;
    *(uint32_t *)P(nread) = 0; /* stdin is always at its end */
    return IC__WASI_SUCCESS;
}

int32_t IC__WASI(fd_fdstat_get)(int32_t fd, int32_t stat)
{
    if (fd < 0 || fd > 2)
        return IC__WASI_EBADF;
    /* __wasi_fdstat_t: u8 filetype, u16 flags @2, u64 rights_base @8, u64 rights_inheriting @16.
     * A character device without seek/tell rights makes isatty() true: stdio line-buffers. */
    uint8_t *p = P(stat);
    memset(p, 0, 24);
    p[0] = 2;                                      /* __WASI_FILETYPE_CHARACTER_DEVICE */
    uint64_t rights = fd == 0 ? 1u << 1 : 1u << 6; /* FD_READ or FD_WRITE */
    memcpy(p + 8, &rights, 8);
    return IC__WASI_SUCCESS;
}

int32_t IC__WASI(fd_seek)(int32_t fd, int64_t offset, int32_t whence, int32_t newoffset)
{
    (void)offset;
    (void)whence;
    (void)newoffset;
    return fd >= 0 && fd <= 2 ? IC__WASI_ESPIPE : IC__WASI_EBADF;
}

int32_t IC__WASI(fd_close)(int32_t fd)
{
    return fd >= 0 && fd <= 2 ? IC__WASI_SUCCESS : IC__WASI_EBADF;
}

/* There are no preopened directories: EBADF ends wasi-libc's preopen scan at fd 3. */
int32_t IC__WASI(fd_prestat_get)(int32_t fd, int32_t buf)
{
    (void)fd;
    (void)buf;
    return IC__WASI_EBADF;
}

/* ---- clocks, random, process ------------------------------------------------------------- */

int32_t IC__WASI(clock_time_get)(int32_t id, int64_t precision, int32_t time)
{
    (void)precision;
    if (id != 0 && id != 1) /* REALTIME, MONOTONIC; the IC has no CPU-time clocks */
        return id == 2 || id == 3 ? IC__WASI_ENOTSUP : IC__WASI_EINVAL;
    *(uint64_t *)P(time) = ic0_time();
    return IC__WASI_SUCCESS;
}

int32_t IC__WASI(clock_res_get)(int32_t id, int32_t res)
{
    if (id != 0 && id != 1)
        return id == 2 || id == 3 ? IC__WASI_ENOTSUP : IC__WASI_EINVAL;
    *(uint64_t *)P(res) = 1;
    return IC__WASI_SUCCESS;
}

/* splitmix64: small, fast, and good enough for the non-cryptographic random_get. */
static uint64_t ic__rng_state;
static int ic__rng_seeded;

void ic_random_seed(const void *seed, size_t len)
{
    const uint8_t *s = seed;
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 0x100000001b3u;
    ic__rng_state ^= h;
    ic__rng_seeded = 1;
}

static uint64_t ic__rng_next(void)
{
    if (!ic__rng_seeded) {
        uint8_t self[32];
        uint32_t n = ic0_canister_self_size();
        if (n > sizeof self)
            n = sizeof self;
        ic0_canister_self_copy((uint32_t)(uintptr_t)self, 0, n);
        uint64_t t = ic0_time();
        ic__rng_state = t;
        ic_random_seed(self, n);
    }
    uint64_t z = (ic__rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

int32_t IC__WASI(random_get)(int32_t buf, int32_t len)
{
    uint8_t *p = P(buf);
    for (int32_t i = 0; i < len; i += 8) {
        uint64_t r = ic__rng_next();
        int32_t k = len - i < 8 ? len - i : 8;
        memcpy(p + i, &r, (size_t)k);
    }
    return IC__WASI_SUCCESS;
}

void IC__WASI(proc_exit)(int32_t code)
{
    char msg[32] = "exit(";
    int n = 5, c = code < 0 ? -code : code;
    char digits[12];
    int d = 0;
    do {
        digits[d++] = (char)('0' + c % 10);
        c /= 10;
    } while (c);
    if (code < 0)
        msg[n++] = '-';
    while (d)
        msg[n++] = digits[--d];
    msg[n++] = ')';
    ic0_trap((uint32_t)(uintptr_t)msg, (uint32_t)n);
}

int32_t IC__WASI(sched_yield)(void)
{
    return IC__WASI_SUCCESS;
}

/* ---- arguments and environment ----------------------------------------------------------- */

int32_t IC__WASI(args_sizes_get)(int32_t argc, int32_t argv_buf_size)
{
    *(uint32_t *)P(argc) = 0;
    *(uint32_t *)P(argv_buf_size) = 0;
    return IC__WASI_SUCCESS;
}

int32_t IC__WASI(args_get)(int32_t argv, int32_t argv_buf)
{
    (void)argv;
    (void)argv_buf;
    return IC__WASI_SUCCESS;
}

/* The environment is the canister's environment variables (spec 0.66 ic0.env_var_*), each as
 * "NAME=VALUE". A value's size can only be asked by name, so the name is copied first. */
int32_t IC__WASI(environ_sizes_get)(int32_t count, int32_t buf_size)
{
    uint32_t n = ic0_env_var_count(), total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t name_len = ic0_env_var_name_size(i);
        char *name = malloc(name_len ? name_len : 1);
        if (!name)
            return IC__WASI_ENOMEM;
        ic0_env_var_name_copy(i, (uint32_t)(uintptr_t)name, 0, name_len);
        total += name_len + 2 + ic0_env_var_value_size((uint32_t)(uintptr_t)name, name_len);
        free(name);
    }
    *(uint32_t *)P(count) = n;
    *(uint32_t *)P(buf_size) = total;
    return IC__WASI_SUCCESS;
}

int32_t IC__WASI(environ_get)(int32_t environ, int32_t environ_buf)
{
    uint32_t *env = P(environ);
    char *p = P(environ_buf);
    uint32_t n = ic0_env_var_count();
    for (uint32_t i = 0; i < n; i++) {
        uint32_t name_len = ic0_env_var_name_size(i);
        uint32_t name = (uint32_t)(uintptr_t)p;
        ic0_env_var_name_copy(i, name, 0, name_len);
        uint32_t value_len = ic0_env_var_value_size(name, name_len);
        p[name_len] = '=';
        ic0_env_var_value_copy(name, name_len, name + name_len + 1, 0, value_len);
        p[name_len + 1 + value_len] = 0;
        env[i] = name;
        p += name_len + value_len + 2;
    }
    return IC__WASI_SUCCESS;
}

/* ---- everything else: not available in a canister ---------------------------------------- */

#define IC__NOSYS(name, ...)                                                                       \
    int32_t IC__WASI(name)(__VA_ARGS__)                                                            \
    {                                                                                              \
        return IC__WASI_ENOSYS;                                                                    \
    }

/* Parameters are unnamed: C2x allows it and clang accepts it in C11 mode only as an extension, so
 * the signatures name each parameter and mark it unused. */
#define U __attribute__((unused))
IC__NOSYS(fd_advise, int32_t a U, int64_t b U, int64_t c U, int32_t d U)
IC__NOSYS(fd_allocate, int32_t a U, int64_t b U, int64_t c U)
IC__NOSYS(fd_datasync, int32_t a U)
IC__NOSYS(fd_fdstat_set_flags, int32_t a U, int32_t b U)
IC__NOSYS(fd_fdstat_set_rights, int32_t a U, int64_t b U, int64_t c U)
IC__NOSYS(fd_filestat_get, int32_t a U, int32_t b U)
IC__NOSYS(fd_filestat_set_size, int32_t a U, int64_t b U)
IC__NOSYS(fd_filestat_set_times, int32_t a U, int64_t b U, int64_t c U, int32_t d U)
IC__NOSYS(fd_pread, int32_t a U, int32_t b U, int32_t c U, int64_t d U, int32_t e U)
IC__NOSYS(fd_prestat_dir_name, int32_t a U, int32_t b U, int32_t c U)
IC__NOSYS(fd_pwrite, int32_t a U, int32_t b U, int32_t c U, int64_t d U, int32_t e U)
IC__NOSYS(fd_readdir, int32_t a U, int32_t b U, int32_t c U, int64_t d U, int32_t e U)
IC__NOSYS(fd_renumber, int32_t a U, int32_t b U)
IC__NOSYS(fd_sync, int32_t a U)
IC__NOSYS(fd_tell, int32_t a U, int32_t b U)
IC__NOSYS(path_create_directory, int32_t a U, int32_t b U, int32_t c U)
IC__NOSYS(path_filestat_get, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int32_t e U)
IC__NOSYS(path_filestat_set_times, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int64_t e U,
          int64_t f U, int32_t g U)
IC__NOSYS(path_link, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int32_t e U, int32_t f U,
          int32_t g U)
IC__NOSYS(path_open, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int32_t e U, int64_t f U,
          int64_t g U, int32_t h U, int32_t i U)
IC__NOSYS(path_readlink, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int32_t e U,
          int32_t f U)
IC__NOSYS(path_remove_directory, int32_t a U, int32_t b U, int32_t c U)
IC__NOSYS(path_rename, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int32_t e U, int32_t f U)
IC__NOSYS(path_symlink, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int32_t e U)
IC__NOSYS(path_unlink_file, int32_t a U, int32_t b U, int32_t c U)
IC__NOSYS(poll_oneoff, int32_t a U, int32_t b U, int32_t c U, int32_t d U)
IC__NOSYS(sock_accept, int32_t a U, int32_t b U, int32_t c U)
IC__NOSYS(sock_recv, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int32_t e U, int32_t f U)
IC__NOSYS(sock_send, int32_t a U, int32_t b U, int32_t c U, int32_t d U, int32_t e U)
IC__NOSYS(sock_shutdown, int32_t a U, int32_t b U)
