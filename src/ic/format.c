/*
 * format.c - snprintf and vsnprintf for canisters, in place of wasi-libc's printf family (about
 * 11 KB of code: the general formatter, wide characters, FILE streams).
 *
 * Canisters format only short messages (errors, rejects, logs), so this formatter covers what C
 * code writes in practice: the flags '-', '0', '+', ' ' and '#', width and precision (also as
 * `*`), the length modifiers hh h l ll j z t, and the conversions d i u o x X c s p % and
 * f F e E g G for doubles. A double gets at most 17 significant digits (enough to read back the
 * same value); digits beyond those print as 0. %a, %n, long doubles (%Lf ...) and wide characters
 * (%lc, %ls) are not supported: they print as the conversion's own text. The return value is C's:
 * the length the whole output needs, whatever `size` is; nothing is written when size is 0.
 * Doubles are converted by format_double.c, which a canister's build may leave out (format.h).
 *
 * The module is part of libasyncwasm-ic.a: the linker takes these definitions before it searches
 * libc.a, so vfprintf and its FILE machinery are never linked into a canister.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "format.h"

/* Weak: linked only when the canister asks for it (format.h). */
extern void ic__format_double(ic__out *o, ic__spec s, double v, char conv) __attribute__((weak));

void ic__emit(ic__out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->len++)
        if (o->len + 1 < o->size)
            o->buf[o->len] = s[i];
}

static void ic__pad(ic__out *o, char c, size_t n)
{
    for (; n; n--)
        ic__emit(o, &c, 1);
}

void ic__field(ic__out *o, const ic__spec *s, const char *prefix, size_t zeros, const char *body,
               size_t n)
{
    size_t plen = strlen(prefix), total = plen + zeros + n;
    size_t fill = s->width > 0 && (size_t)s->width > total ? (size_t)s->width - total : 0;
    if (!s->left && !s->zero)
        ic__pad(o, ' ', fill);
    ic__emit(o, prefix, plen);
    if (!s->left && s->zero)
        ic__pad(o, '0', fill);
    ic__pad(o, '0', zeros);
    ic__emit(o, body, n);
    if (s->left)
        ic__pad(o, ' ', fill);
}

char *ic__digits(char *end, uint64_t v, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        *--end = set[v % base];
        v /= base;
    } while (v);
    return end;
}

static void ic__integer(ic__out *o, ic__spec s, uint64_t v, bool negative, char conv)
{
    char buf[64], *end = buf + sizeof buf;
    unsigned base = conv == 'o' ? 8 : conv == 'x' || conv == 'X' || conv == 'p' ? 16 : 10;
    char *p = s.prec == 0 && v == 0 ? end : ic__digits(end, v, base, conv == 'X');
    size_t n = (size_t)(end - p);
    const char *prefix = negative ? "-" : s.plus ? "+" : s.space ? " " : "";
    if (conv == 'p' || (s.alt && v && (conv == 'x' || conv == 'X')))
        prefix = conv == 'X' ? "0X" : "0x";
    size_t zeros = s.prec >= 0 && (size_t)s.prec > n ? (size_t)s.prec - n : 0;
    if (conv == 'o' && s.alt && zeros == 0 && (n == 0 || *p != '0'))
        zeros = 1;
    if (s.prec >= 0)
        s.zero = false; /* C: a precision disables the '0' flag for integers */
    ic__field(o, &s, prefix, zeros, p, n);
}

/* ---- the format string ------------------------------------------------------------------- */

static int ic__number(const char **f)
{
    int n = 0;
    while (**f >= '0' && **f <= '9')
        n = n * 10 + (*(*f)++ - '0');
    return n;
}

/* Format into buf (at most size-1 bytes and a NUL when size > 0); returns the full length. */
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
    ic__out o = {buf, size, 0};
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            const char *lit = f;
            while (f[1] && f[1] != '%')
                f++;
            ic__emit(&o, lit, (size_t)(f - lit) + 1);
            continue;
        }
        const char *start = f++;
        ic__spec s = {.prec = -1};
        for (;; f++) {
            if (*f == '-')
                s.left = true;
            else if (*f == '0')
                s.zero = true;
            else if (*f == '+')
                s.plus = true;
            else if (*f == ' ')
                s.space = true;
            else if (*f == '#')
                s.alt = true;
            else
                break;
        }
        if (*f == '*') {
            f++;
            s.width = va_arg(ap, int);
            if (s.width < 0)
                s.left = true, s.width = -s.width;
        } else {
            s.width = ic__number(&f);
        }
        if (*f == '.') {
            f++;
            if (*f == '*') {
                f++;
                s.prec = va_arg(ap, int);
                if (s.prec < 0)
                    s.prec = -1;
            } else {
                s.prec = ic__number(&f);
            }
        }
        if (s.left)
            s.zero = false;
        int longs = 0;  /* 0 int, 1 long, 2 long long / intmax_t, 3 size_t / ptrdiff_t */
        int shorts = 0; /* 1 short, 2 char (h, hh): the int argument is converted */
        bool long_double = false;
        for (;; f++) {
            if (*f == 'h')
                shorts++;
            else if (*f == 'l')
                longs = longs ? 2 : 1;
            else if (*f == 'j')
                longs = 2;
            else if (*f == 'z' || *f == 't')
                longs = 3;
            else if (*f == 'L')
                long_double = true;
            else
                break;
        }
        char c = *f;
        if (c == 'd' || c == 'i') {
            int64_t v = longs == 2   ? va_arg(ap, long long)
                        : longs == 1 ? va_arg(ap, long)
                        : longs == 3 ? va_arg(ap, ptrdiff_t)
                                     : va_arg(ap, int);
            if (!longs && shorts)
                v = shorts == 1 ? (short)v : (signed char)v;
            ic__integer(&o, s, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, c);
        } else if (c == 'u' || c == 'o' || c == 'x' || c == 'X') {
            uint64_t v = longs == 2   ? va_arg(ap, unsigned long long)
                         : longs == 1 ? va_arg(ap, unsigned long)
                         : longs == 3 ? va_arg(ap, size_t)
                                      : va_arg(ap, unsigned);
            if (!longs && shorts)
                v = shorts == 1 ? (unsigned short)v : (unsigned char)v;
            ic__integer(&o, s, v, false, c);
        } else if (c == 'p') {
            ic__integer(&o, s, (uintptr_t)va_arg(ap, void *), false, c);
        } else if (c == 'c' && !longs) {
            char ch = (char)va_arg(ap, int);
            s.zero = false;
            ic__field(&o, &s, "", 0, &ch, 1);
        } else if (c == 's' && !longs) {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = 0;
            while ((s.prec < 0 || n < (size_t)s.prec) && str[n])
                n++;
            s.zero = false;
            ic__field(&o, &s, "", 0, str, n);
        } else if (c == 'f' || c == 'F' || c == 'e' || c == 'E' || c == 'g' || c == 'G') {
            /* long doubles are skipped, printed as written (converting needs soft-float code);
             * so is every double when this canister was linked without ic__format_double */
            if (long_double)
                (void)va_arg(ap, long double);
            double v = long_double ? 0 : va_arg(ap, double);
            if (long_double || !ic__format_double)
                ic__emit(&o, start, (size_t)(f - start) + 1);
            else
                ic__format_double(&o, s, v, c);
        } else if (c == '%') {
            ic__emit(&o, "%", 1);
        } else { /* unsupported: the conversion's own text */
            if (!c)
                f--;
            ic__emit(&o, start, (size_t)(f - start) + (c != 0));
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > INT32_MAX ? -1 : (int)o.len;
}

/* snprintf: vsnprintf with the arguments inline. */
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
