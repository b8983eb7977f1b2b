/*
 * internal.h - state shared by the files of the canister runtime (src/ic/, src/backend/ic.c).
 *
 * The IC runs one message execution at a time. `ic__rt` describes the one running now: its kind
 * of context and the call context it answers. A call context record (`ic__cc`) lives as long as
 * some task or callback may still answer it; synchronous handlers use a static record that is
 * reset on every entry.
 */
#ifndef ASYNCWASM_SRC_IC_INTERNAL_H
#define ASYNCWASM_SRC_IC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "asyncwasm/ic.h"
#include "asyncwasm/ic0.h"

#define IC__ADDR(p) ((uint32_t)(uintptr_t)(p))

/* One call context as the runtime sees it. */
typedef struct ic__cc {
    bool replied;  /* answered (reply or reject) through this library */
    uint32_t refs; /* async handler task + outstanding calls holding this record */
} ic__cc;

/* The message execution running now. */
typedef struct ic__runtime {
    ic_context ctx;  /* kind of entry point or callback */
    ic__cc *cc;      /* the call context it answers (NULL in init, timers, cleanup ...) */
    bool ctors_done; /* C constructors ran in this module instance */
} ic__runtime;

extern ic__runtime ic__rt;

/* Drain the async runtime before a message execution ends (src/backend/ic.c). */
void ic__drain(void);

/* Mark the current call context answered; traps with a clear message if it already was. */
void ic__mark_replied(void);

/* Fix a reject message so that it is valid UTF-8 (bad bytes become '?'), in place. */
void ic__utf8_sanitize(char *s, uint32_t len);

#endif
