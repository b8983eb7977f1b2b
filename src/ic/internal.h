/*
 * internal.h - state shared by the files of the canister runtime (src/ic/, src/backend/ic.c).
 *
 * The IC runs one message execution at a time. `ic__rt` describes the one running now: its kind
 * of context and the call context it answers. A call context record (`ic__cc`) lives as long as
 * an async handler task or an outstanding call may still answer it (reference counted): an
 * async handler's lives in the block of its frame (handler.c), which is freed with the record;
 * synchronous entry points use one static record that is reset on every entry and copied to the
 * heap the first time a call is made from it.
 */
#ifndef ASYNCWASM_SRC_IC_INTERNAL_H
#define ASYNCWASM_SRC_IC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asyncwasm/aw_core.h"
#include "asyncwasm/ic.h"
#include "asyncwasm/ic0.h"
#include "asyncwasm/ic_candid.h"

#define IC__ADDR(p) ((uint32_t)(uintptr_t)(p))

/* Copy n bytes (the areas do not overlap). Short copies - principals, method names, Candid
 * headers - go in at most four word loads and stores without a loop (the first and the last
 * word, or two, overlapping): memcpy is a call, or with bulk memory a memory.copy, whose fixed
 * cost (100 instructions in the IC's weights) is several times that of a few loads and stores. */
void ic__copy(void *dst, const void *src, size_t n);

/* ic__copy with the 8-to-16-byte case inline (principals, short headers): two overlapping
 * words. */
static inline __attribute__((always_inline)) void ic__copy_short(void *dst, const void *src,
                                                                 size_t n)
{
    uint64_t a, b;
    if (n < 8 || n > 16) {
        ic__copy(dst, src, n);
        return;
    }
    __builtin_memcpy(&a, src, 8);
    __builtin_memcpy(&b, (const uint8_t *)src + n - 8, 8);
    __builtin_memcpy(dst, &a, 8);
    __builtin_memcpy((uint8_t *)dst + n - 8, &b, 8);
}

/* Whether n bytes at a and b are equal (Candid headers): eight or four bytes at a time, the
 * last word overlapping the one before. */
bool ic__same_bytes(const uint8_t *a, const uint8_t *b, size_t n);

/* ic__same_bytes for a message header: those of 4 to 8 bytes (`()`, a few primitive arguments)
 * compared inline as two overlapping 4-byte words. */
static inline __attribute__((always_inline)) bool ic__same_header(const uint8_t *a,
                                                                  const uint8_t *b, size_t n)
{
    uint32_t a0, a1, b0, b1;
    if (n < 4 || n > 8)
        return ic__same_bytes(a, b, n);
    __builtin_memcpy(&a0, a, 4);
    __builtin_memcpy(&b0, b, 4);
    __builtin_memcpy(&a1, a + n - 4, 4);
    __builtin_memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* One call context as the runtime sees it. */
typedef struct ic__cc {
    const char *method;  /* the entry point's method name (static string), for messages */
    struct ic__cc *next; /* in the list of free records */
    uint8_t *arg;        /* an async handler's argument bytes, kept while the handler runs */
    size_t arg_len;
    uint32_t refs;         /* handler task (while handler_pending) + outstanding calls made from
                            * this context: with the task pending, 1 means no call outstanding */
    bool heap;             /* malloc'd (else the static record of a synchronous entry point) */
    bool in_block;         /* in an async handler's frame block (heap too), not on the free list */
    bool replied;          /* answered (reply or reject) through this library */
    bool handler_pending;  /* an async handler task of this context has not finished */
    bool ended;            /* the runtime rejected it: a late reply is dropped, not sent */
    uint8_t small_arg[64]; /* `arg` when it fits */
} ic__cc;

/* The message execution running now. */
typedef struct ic__runtime {
    ic_context ctx;     /* kind of entry point or callback */
    ic__cc *cc;         /* the call context it answers (NULL in init, timers, cleanup ...) */
    bool query;         /* a query or a callback inside a composite query: no timer setting */
    bool ctors_done;    /* C constructors ran in this module instance */
    uint32_t in_flight; /* calls performed and not yet answered */
} ic__runtime;

extern ic__runtime ic__rt;

/* Run the C constructors (the first entry of a module instance). */
void ic__run_ctors(void);

/* Enter a message execution of kind `ctx` answering `cc` (NULL: none), `query` when it may not
 * change state: ic__enter for the callbacks and async handlers, which know their record. */
static inline __attribute__((always_inline)) void ic__enter_as(ic_context ctx, ic__cc *cc,
                                                               bool query)
{
    if (!ic__rt.ctors_done)
        ic__run_ctors();
    ic__rt.ctx = ctx;
    ic__rt.cc = cc;
    ic__rt.query = query;
}

/* Drain the async runtime before a message execution ends (src/backend/ic.c). */
void ic__drain(void);

/* The current call context as a heap record (copying the static one of a synchronous entry
 * point on first use), with one more reference; NULL when there is none or memory runs out. */
ic__cc *ic__cc_hold(void);

/* Put a heap record whose last reference went back on the free list (a record in a handler's
 * frame block: free the block, see ic__handler_block_free). */
void ic__cc_free(ic__cc *cc);

/* Free the frame block (src/ic/handler.c) that holds `cc`, whose last reference went, and the
 * argument bytes the record kept. */
void ic__handler_block_free(ic__cc *cc);
/* Drop a reference taken by ic__cc_hold or held by a handler (inline: usually not the last). */
static inline __attribute__((always_inline)) void ic__cc_release(ic__cc *cc)
{
    if (cc && cc->heap && --cc->refs == 0)
        ic__cc_free(cc);
}

/* ic_reader_end with its usual case inline: the fast path read everything, nothing to release
 * (the fast path has no decoder). */
static inline __attribute__((always_inline)) int ic__reader_end(ic_reader *r)
{
    if (r->fast && !r->error && r->pos == r->end && !r->owned)
        return 0;
    return ic_reader_end(r);
}

/* Fix a reject message so that it is valid UTF-8 (bad bytes become '?'), in place. */
void ic__utf8_sanitize(char *s, uint32_t len);

/* Text of a principal for messages ("aaaaa-aa"); buf has room for 64 bytes. */
const char *ic__principal_text(const ic_principal *p, char buf[64]);

#endif
