/*
 * aw.h - the umbrella header of asyncwasm's async core: include this one.
 *
 * aw_error.h   error values (kind, code, message, async trace) and status codes
 * aw_core.h    futures, async functions (AW_BEGIN/AW_AWAIT/...), executor, timers, combinators,
 *              channels, statistics, debugging and profiling
 * aw_io.h      fds as futures (POSIX and WASI only)
 *
 * docs/core.md explains the model, the rules and every function.
 */
#ifndef ASYNCWASM_AW_H
#define ASYNCWASM_AW_H

#include "aw_error.h"
#include "aw_core.h"
#include "aw_io.h"

#endif
