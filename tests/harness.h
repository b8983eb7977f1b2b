/*
 * harness.h - the tiny test harness every C test program of asyncwasm uses.
 *
 * A test is a `static void name(void)` function; `main` runs each with T_RUN(name) and ends with
 * `return t_summary();`, which prints the plain line `N passed, M failed` that scripts/run-suites.sh
 * adds up. A test passes when none of its checks failed. Checks print `file:line` and the failed
 * expression, and the test goes on (so one run shows every broken expectation). The harness needs
 * only stdio and string.h, so the same tests build natively, for wasm32-wasi and under sanitizers.
 */
#ifndef ASYNCWASM_TESTS_HARNESS_H
#define ASYNCWASM_TESTS_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t__passed, t__failed, t__current_failed;
static const char *t__current;

static inline void t__fail(const char *file, int line, const char *what)
{
    if (!t__current_failed)
        printf("FAIL %s\n", t__current ? t__current : "(outside a test)");
    printf("    %s:%d: %s\n", file, line, what);
    t__current_failed = 1;
}

/* Check a condition; on failure report it and continue the test. */
#define T_CHECK(cond)                                                                              \
    do {                                                                                           \
        if (!(cond))                                                                               \
            t__fail(__FILE__, __LINE__, "expected " #cond);                                        \
    } while (0)

/* Compare two integers (any integer type, compared as intmax_t). */
#define T_EQ_INT(actual, expected)                                                                 \
    do {                                                                                           \
        intmax_t t__a = (intmax_t)(actual), t__e = (intmax_t)(expected);                           \
        if (t__a != t__e) {                                                                        \
            char t__msg[256];                                                                      \
            snprintf(t__msg, sizeof t__msg, "%s == %jd, expected %s == %jd", #actual, t__a,        \
                     #expected, t__e);                                                             \
            t__fail(__FILE__, __LINE__, t__msg);                                                   \
        }                                                                                          \
    } while (0)

/* Compare two NUL-terminated strings; NULL compares unequal to any string. */
#define T_EQ_STR(actual, expected)                                                                 \
    do {                                                                                           \
        const char *t__a = (actual), *t__e = (expected);                                           \
        if (!t__a || !t__e || strcmp(t__a, t__e) != 0) {                                           \
            char t__msg[1024];                                                                     \
            snprintf(t__msg, sizeof t__msg, "%s == \"%s\", expected \"%s\"", #actual,              \
                     t__a ? t__a : "(null)", t__e ? t__e : "(null)");                              \
            t__fail(__FILE__, __LINE__, t__msg);                                                   \
        }                                                                                          \
    } while (0)

/* Check that `needle` occurs in the string `haystack`. */
#define T_CONTAINS(haystack, needle)                                                               \
    do {                                                                                           \
        const char *t__h = (haystack), *t__n = (needle);                                           \
        if (!t__h || !strstr(t__h, t__n)) {                                                        \
            char t__msg[1024];                                                                     \
            snprintf(t__msg, sizeof t__msg, "%s == \"%.700s\" does not contain \"%s\"", #haystack, \
                     t__h ? t__h : "(null)", t__n);                                                \
            t__fail(__FILE__, __LINE__, t__msg);                                                   \
        }                                                                                          \
    } while (0)

/* Run one test function and count it. */
#define T_RUN(fn)                                                                                  \
    do {                                                                                           \
        t__current = #fn;                                                                          \
        t__current_failed = 0;                                                                     \
        fn();                                                                                      \
        if (t__current_failed)                                                                     \
            t__failed++;                                                                           \
        else                                                                                       \
            t__passed++;                                                                           \
        t__current = NULL;                                                                         \
    } while (0)

/* Print the closing line and return the process exit status (0 when nothing failed). */
static inline int t_summary(void)
{
    printf("%d passed, %d failed\n", t__passed, t__failed);
    fflush(stdout);
    return t__failed ? 1 : 0;
}

#endif
