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

/* Output with C's "length needed" accounting: bytes past the buffer are counted, not stored. */
typedef struct ic__out {
    char *buf;
    size_t size; /* room, including the terminating NUL */
    size_t len;  /* length so far */
} ic__out;

static void ic__emit(ic__out *o, const char *s, size_t n)
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

/* One converted field: sign/prefix, zero padding, body, within `width` (left-aligned with '-';
 * with '0' the zeros go between the prefix and the body). */
typedef struct ic__spec {
    bool left, zero, plus, space, alt;
    int width, prec; /* prec -1: none */
} ic__spec;

static void ic__field(ic__out *o, const ic__spec *s, const char *prefix, size_t zeros,
                      const char *body, size_t n)
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

/* Digits of v in `base` at the end of buf[64]; returns the first. */
static char *ic__digits(char *end, uint64_t v, unsigned base, bool upper)
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

/* ---- doubles ----------------------------------------------------------------------------- */

/* 10^0 .. 10^22: the powers of ten a double holds exactly. */
static const double ic__exact10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Dekker's exact product: a * b == hi + *lo (for |a|, |b| below about 1e300). */
static double ic__mul2(double a, double b, double *lo)
{
    double hi = a * b, ca = 134217729.0 * a, cb = 134217729.0 * b;
    double ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
    *lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl;
    return hi;
}

/* v * 10^shift as hi + *lo (a double-double, about 106 bits), in steps by exact powers of ten:
 * the 17th significant digit of a double needs more than the 53 bits of one product. */
static double ic__scale(double v, int shift, double *lo)
{
    double hi = v, l = 0, plo;
    while (shift) {
        int step = shift > 22 ? 22 : shift < -22 ? -22 : shift;
        double d = ic__exact10[step < 0 ? -step : step];
        if (step > 0) {
            double p = ic__mul2(hi, d, &plo);
            l = plo + l * d;
            hi = p;
        } else {
            /* the quotient's remainder, divided; computed at 2^-10 scale (exact: hi >= 1 here)
             * so that q * d cannot overflow near the largest double */
            double q = hi / d, p = ic__mul2(q * 0x1p-10, d, &plo);
            l = (((hi * 0x1p-10 - p) - plo) * 0x1p10 + l) / d;
            hi = q;
        }
        double sum = hi + l; /* renormalise: |l| below half an ulp of hi */
        l -= sum - hi;
        hi = sum;
        shift -= step;
    }
    *lo = l;
    return hi;
}

/* floor(log10(v)) or one off, from the binary exponent (v finite, > 0). */
static int ic__exp10_guess(double v)
{
    uint64_t bits;
    int shift = 0;
    if (v < 0x1p-1000) /* subnormal or close: bring it into the normal range first */
        v *= 0x1p64, shift = 64;
    memcpy(&bits, &v, sizeof bits);
    int e2 = (int)((bits >> 52) & 0x7ff) - 1023 - shift;
    return (int)((double)e2 * 0.30102999566398120) - (e2 < 0);
}

/* v (finite, > 0) as `p` significant digits (1..17) into dig, and its decimal exponent: the
 * exponent e is the one with 10^(p-1) <= v * 10^(p-1-e) < 10^p before rounding; then the value
 * is rounded to nearest, ties to even (C's default rounding mode). */
static int ic__sig(double v, int p, char *dig)
{
    int e = ic__exp10_guess(v);
    uint64_t lo = 1, hi, m;
    for (int i = 1; i < p; i++)
        lo *= 10;
    hi = lo * 10;
    double s_lo = 0, s_hi = 0;
    for (int tries = 0; tries < 6; tries++) {
        s_hi = ic__scale(v, p - 1 - e, &s_lo);
        if (s_hi > (double)hi || (s_hi == (double)hi && s_lo >= 0))
            e++;
        else if (s_hi < (double)lo || (s_hi == (double)lo && s_lo < 0))
            e--;
        else
            break;
    }
    m = (uint64_t)s_hi;
    double frac = (s_hi - (double)m) + s_lo;
    int64_t whole = (int64_t)frac; /* floor of frac, which may be several units either way */
    if (frac < (double)whole)
        whole--;
    m += (uint64_t)whole;
    frac -= (double)whole;
    m += frac > 0.5 || (frac == 0.5 && (m & 1));
    if (m >= hi) /* rounding carried into a new digit: 9.99 -> 10.0 */
        m /= 10, e++;
    for (int i = p - 1; i >= 0; i--, m /= 10)
        dig[i] = (char)('0' + m % 10);
    return e;
}

/* Append the exponent part "e+05" to t at *n. */
static void ic__exp_part(char *t, size_t *n, int e, bool upper)
{
    char buf[64], *end = buf + sizeof buf, *p = ic__digits(end, (uint64_t)(e < 0 ? -e : e), 10, 0);
    t[(*n)++] = upper ? 'E' : 'e';
    t[(*n)++] = e < 0 ? '-' : '+';
    if (end - p < 2)
        t[(*n)++] = '0';
    while (p < end)
        t[(*n)++] = *p++;
}

/* Whether v * 10^prec (below 1) rounds up to 1: above one half, exactly. */
static bool ic__round_half(double v, int prec)
{
    double lo, hi = ic__scale(v, prec, &lo);
    return hi > 0.5 || (hi == 0.5 && lo > 0);
}

/* The body of %f (fixed) or %e (exponent) for v >= 0 with `prec` decimals. */
static size_t ic__fixed_or_exp(char *t, double v, int prec, bool exp, bool alt, bool upper)
{
    char dig[17];
    size_t n = 0;
    int sig = exp ? prec + 1 : 0, e = 0;
    if (!exp) { /* integer digits + decimals; the exponent tells how many integer digits */
        e = v == 0 ? 0 : ic__sig(v, 1, dig);
        sig = e + 1 + prec;
    }
    if (v == 0 || sig <= 0) { /* all digits are zeros (or round to zero) */
        bool round_up = v != 0 && sig == 0 && ic__round_half(v, prec);
        memset(dig, '0', sizeof dig);
        e = exp ? 0 : -1;
        if (round_up)
            dig[0] = '1', e = -prec;
        sig = exp ? prec + 1 : e + 1 + prec;
    } else {
        e = ic__sig(v, sig < 17 ? sig : 17, dig);
        if (!exp && e + 1 + prec != sig) /* rounding added an integer digit */
            sig = e + 1 + prec, e = ic__sig(v, sig < 17 ? sig : 17, dig);
    }
    /* The digits from `first` to `last` (indexes into the significant digits: zeros past 17 and
     * before the first), the point after digit `point` (the last integer digit). */
    int point = exp ? 0 : e, first = point < 0 ? point : 0, last = point + prec;
    for (int i = first; i <= last; i++) {
        t[n++] = i >= 0 && i < 17 && i < sig ? dig[i] : '0';
        if (i == point && (prec > 0 || alt))
            t[n++] = '.';
    }
    if (exp)
        ic__exp_part(t, &n, e, upper);
    return n;
}

static void ic__double(ic__out *o, ic__spec s, double v, char conv)
{
    char t[400]; /* the longest %f of a double with precision up to 40 */
    size_t n;
    bool upper = conv == 'F' || conv == 'E' || conv == 'G';
    bool negative = __builtin_signbit(v);
    const char *prefix = negative ? "-" : s.plus ? "+" : s.space ? " " : "";
    v = negative ? -v : v;
    if (v != v || v == __builtin_inf()) {
        s.zero = false;
        ic__field(o, &s, prefix, 0, v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"), 3);
        return;
    }
    int prec = s.prec < 0 ? 6 : s.prec > 40 ? 40 : s.prec;
    if (conv == 'f' || conv == 'F' || conv == 'e' || conv == 'E') {
        if (conv == 'f' || conv == 'F') {
            char dig[1];
            if (v != 0 && ic__sig(v, 1, dig) > 300)
                prec = 0; /* keeps the text within t */
        }
        n = ic__fixed_or_exp(t, v, prec, conv == 'e' || conv == 'E', s.alt, upper);
    } else { /* %g: %e when the exponent is < -4 or >= the precision, else %f; no trailing 0s */
        char dig[17];
        int p = prec == 0 ? 1 : prec;
        int e = v == 0 ? 0 : ic__sig(v, p < 17 ? p : 17, dig);
        bool exp = e < -4 || e >= p;
        n = ic__fixed_or_exp(t, v, exp ? p - 1 : p - 1 - e, exp, s.alt, upper);
        if (!s.alt) {
            size_t mant = n, dot = n;
            for (size_t i = 0; i < n; i++)
                if (t[i] == 'e' || t[i] == 'E') {
                    mant = i;
                    break;
                }
            for (size_t i = 0; i < mant; i++)
                if (t[i] == '.')
                    dot = i;
            if (dot < mant) {
                size_t cut = mant;
                while (cut > dot + 1 && t[cut - 1] == '0')
                    cut--;
                if (cut == dot + 1)
                    cut = dot;
                memmove(t + cut, t + mant, n - mant);
                n -= mant - cut;
            }
        }
    }
    ic__field(o, &s, prefix, 0, t, n);
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
            if (long_double) { /* skipped, printed as written: converting needs soft-float code */
                (void)va_arg(ap, long double);
                ic__emit(&o, start, (size_t)(f - start) + 1);
            } else {
                ic__double(&o, s, va_arg(ap, double), c);
            }
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
