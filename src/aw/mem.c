/*
 * mem.c - the core's memory: size-class pools, counted malloc, statistics, logging helpers.
 *
 * Futures, combinator blocks and errors are small and short-lived. They
 * come from per-size-class free lists (16-byte classes up to 512 bytes): a block freed goes to
 * the head of its class's list and the next allocation of that class takes it back, so a program
 * in steady state calls malloc only while its peak number of live blocks grows. Larger blocks go
 * straight to malloc. Every malloc/realloc/free the core makes is counted (aw_stats) and can be
 * made to fail from the tests, to check that allocation failure is an error and never a crash.
 * With -DAW_NO_POOL every block goes to malloc and back, so that AddressSanitizer sees each
 * use after free and each leak with its own allocation site (the sanitizer test build uses it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

aw__global aw__g;
/* The inline fast paths of aw_core.h read the failure injection flag: -1 means off. */
aw__hot_state aw__hot = {.ready_link = &aw__hot.ready_head, .fail_allocs_after = -1};

/* Whether the failure injection says no to this allocation. */
static int aw__alloc_refused(void)
{
    if (aw__hot.fail_allocs_after < 0)
        return 0;
    if (aw__hot.fail_allocs_after == 0)
        return 1;
    aw__hot.fail_allocs_after--;
    return 0;
}

void aw__test_fail_allocs(long n)
{
    aw__hot.fail_allocs_after = n;
}

/* malloc, counted. */
static void *aw__raw_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p)
        aw__g.stats.mallocs++;
    return p;
}

void *aw__malloc(size_t size)
{
    if (aw__alloc_refused())
        return NULL;
    return aw__raw_malloc(size);
}

void *aw__realloc(void *p, size_t size)
{
    if (aw__alloc_refused())
        return NULL;
    void *q = realloc(p, size ? size : 1);
    if (q)
        aw__g.stats.mallocs++;
    return q;
}

void aw__mfree(void *p)
{
    if (!p)
        return;
    aw__g.stats.frees++;
    free(p);
}

void *aw__grow(void *items, size_t *cap, size_t len, size_t size)
{
    if (len < *cap)
        return items;
    size_t n = *cap ? *cap * 2 : 8;
    if (n > SIZE_MAX / size)
        return NULL;
    void *grown = aw__realloc(items, n * size);
    if (grown)
        *cap = n;
    return grown;
}

void *aw__alloc_slow(size_t size)
{
    size_t c = aw__class_of(size);
    if (aw__hot.fail_allocs_after >= 0 && aw__alloc_refused())
        return NULL;
#ifdef AW_NO_POOL
    c = AW__POOL_CLASSES;
#endif
    if (c == AW__POOL_CLASSES)
        return aw__raw_malloc(size);
    void *p = aw__hot.pool[c];
    if (p) {
        aw__hot.pool[c] = *(void **)p;
        return p;
    }
    return aw__raw_malloc((c + 1) * 16);
}

void aw__free_slow(void *p, size_t size)
{
    (void)size;
    aw__mfree(p); /* NULL, a large block, or AW_NO_POOL */
}

void aw_trim(void)
{
    for (size_t c = 0; c < AW__POOL_CLASSES; c++) {
        while (aw__hot.pool[c]) {
            void *p = aw__hot.pool[c];
            aw__hot.pool[c] = *(void **)p;
            aw__mfree(p);
        }
    }
    if (aw__hot.soon_len == 0) {
        aw__mfree(aw__hot.soon);
        aw__hot.soon = NULL;
        aw__hot.soon_cap = 0;
        aw__hot.soon_head = 0;
    }
    if (aw__g.ntimers == 0) {
        aw__mfree(aw__g.timers);
        aw__g.timers = NULL;
        aw__g.timers_cap = 0;
    }
#if !(defined(AW_BACKEND_IC) && AW_BACKEND_IC)
    if (aw__g.nwatches == 0) {
        aw__mfree(aw__g.watches);
        aw__g.watches = NULL;
        aw__g.watches_cap = 0;
    }
#endif
}

void aw_stats_get(aw_stats *out)
{
    *out = aw__g.stats;
    out->futures_live = aw__hot.futures_live;
    out->steps = aw__hot.steps;
    out->ready_max = aw__g.ready_max;
}

void aw__logf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    aw__backend_log(buf, (size_t)n);
}

_Noreturn void aw__fatal(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        aw__logf("asyncwasm: fatal: %s", buf);
    abort();
}
