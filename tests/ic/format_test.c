/*
 * format_test.c - the canister formatter (src/ic/format.c) against the host C library's printf.
 *
 * format.c replaces wasi-libc's snprintf/vsnprintf in canisters. Here it is compiled natively
 * under the names ic_test_snprintf/ic_test_vsnprintf (see mk/ic.mk) and each format is compared,
 * byte for byte and in its return value, with glibc's output: integers, strings, characters,
 * flags, width and precision, truncation, and doubles (%e and %g at every precision up to 17
 * significant digits; %f on values whose digits fit in 17 significant ones, the formatter's
 * documented limit). Built with -DIC_TEST_NO_DOUBLES it is linked without format_double.c, as a
 * canister built without IC_FORMAT_FLOATS: doubles then print as written, and the arguments
 * after them are still read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../harness.h"

int ic_test_snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...);

/* Compare one conversion of up to two arguments (int-sized or double). */
#define SAME(fmt, ...)                                                                             \
    do {                                                                                           \
        char t_want[512], t_got[512];                                                              \
        int t_wn = snprintf(t_want, sizeof t_want, fmt, __VA_ARGS__);                              \
        int t_gn = ic_test_snprintf(t_got, sizeof t_got, fmt, __VA_ARGS__);                        \
        T_EQ_STR(t_got, t_want);                                                                   \
        T_EQ_INT(t_gn, t_wn);                                                                      \
    } while (0)

static void integers_strings_and_flags(void)
{
    SAME("%d %i %u", -42, 17, 4000000000u);
    SAME("[%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%8.3d]", 42, 42, -42, 7, 7, 5, -5);
    SAME("%x %X %#x %#X %o %#o %#o", 255u, 255u, 255u, 0xabcu, 8u, 8u, 0u);
    SAME("%lld %llu %lx %zu %jd %td", -9000000000000000000LL, 18000000000000000000ULL, 123456789ul,
         (size_t)77, (intmax_t)-3, (ptrdiff_t)-9);
    SAME("%hhd %hd %hhu", 300, 70000, 257);
    SAME("[%s] [%10s] [%-10s] [%.2s] [%*s] [%-*s] [%.*s]", "abc", "abc", "abc", "abc", 6, "ab", 6,
         "ab", 1, "xyz");
    SAME("[%c] [%3c] [%-3c] %%", 'A', 'B', 'C');
    SAME("[%*d] [%-*d]", -6, 12, 4, 3);
    SAME("%.0d|%.0x|%5.0d|", 0, 0u, 0);
    SAME("no conversions at all%s", "");
}

static void truncation_and_length(void)
{
    char buf[8];
    T_EQ_INT(ic_test_snprintf(buf, sizeof buf, "%s-%d", "abcdef", 1234), 11);
    T_EQ_STR(buf, "abcdef-");
    T_EQ_INT(ic_test_snprintf(NULL, 0, "%d", 123456), 6);
    buf[0] = 'x';
    T_EQ_INT(ic_test_snprintf(buf, 1, "%s", "abc"), 3);
    T_EQ_STR(buf, "");
    /* long doubles are skipped (their text printed as written), the next argument still read */
    char out[64];
    T_EQ_INT(ic_test_snprintf(out, sizeof out, "%Lf|%d", (long double)1.5, 7), 5);
    T_EQ_STR(out, "%Lf|7");
}

#ifndef IC_TEST_NO_DOUBLES
static void doubles_fixed_cases(void)
{
    SAME("%f %e %g", 3.14159, 3.14159, 3.14159);
    SAME("%.0f %.0f %.0f %.0f", 0.5, 1.5, 2.5, -3.5);
    SAME("%.2f %.1f %.3f", 0.005, 0.05, 9.9995);
    SAME("%g %g %g %g %g", 100.0, 1e20, 0.0001, 0.00001, 123456789.0);
    SAME("%.17g %.17g %.16g", 0.1, 1.0 / 3, 2.0 / 3);
    SAME("%#g %#.0f %#.0e %+g % g", 1.0, 2.0, 3.0, 4.0, 5.0);
    SAME("[%12.4f] [%-12.3e] [%012.2f] [%+.1f]", -3.25, 6.5e-7, -1.5, 0.25);
    SAME("%f %e %g %F %E %G", 0.0, -0.0, 0.0, 1.0, 2.0, 3.0);
    SAME("%f %g %e %F %G", 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 1.0 / 0.0, 1.0 / 0.0);
    SAME("%g %g %e", 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308);
}

/* A deterministic generator (xorshift64*), so that failures reproduce. */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717u;
}

static void doubles_random(void)
{
    static const char *const exp_formats[] = {"%g", "%.17g", "%.16g", "%.15g", "%.1g", "%.3g",
                                              "%e", "%.0e",  "%.10e", "%.16e", "%#g",  "%G"};
    static const char *const fixed_formats[] = {"%f", "%.0f", "%.3f", "%.1f", "%10.4f"};
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = next();
        double v;
        if (i % 3 == 0) {
            memcpy(&v, &bits, sizeof v); /* any finite double */
            if (v != v)
                continue;
        } else if (i % 3 == 1) {
            v = (double)(int64_t)(bits % 2000000 - 1000000) / (double)(1 + (bits >> 40) % 1000);
        } else {
            v = (double)(bits % 100000) * 1e-9;
        }
        for (size_t k = 0; k < sizeof exp_formats / sizeof *exp_formats; k++)
            SAME(exp_formats[k], v);
        if (v > -1e10 && v < 1e10) /* at most 17 significant digits with 6 decimals */
            for (size_t k = 0; k < sizeof fixed_formats / sizeof *fixed_formats; k++)
                SAME(fixed_formats[k], v);
        if (t__current_failed)
            break; /* one value's report is enough */
    }
}

#else
/* Without format_double.c: each double conversion prints as written, its argument consumed. */
static void doubles_left_out(void)
{
    char out[64];
    T_EQ_INT(ic_test_snprintf(out, sizeof out, "%d %f %.3e|%+g %s", 1, 2.5, 3.5, 4.5, "x"), 15);
    T_EQ_STR(out, "1 %f %.3e|%+g x");
}
#endif

int main(void)
{
    T_RUN(integers_strings_and_flags);
    T_RUN(truncation_and_length);
#ifndef IC_TEST_NO_DOUBLES
    T_RUN(doubles_fixed_cases);
    T_RUN(doubles_random);
#else
    T_RUN(doubles_left_out);
#endif
    return t_summary();
}
