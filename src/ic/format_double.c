/*
 * format_double.c - the conversions f F e E g G of the canister formatter (src/ic/format.c).
 *
 * A double gets at most 17 significant digits (enough to read back the same value), computed
 * with double-double arithmetic; digits beyond those print as 0. This is about 2.7 KB of code, so
 * it is its own archive member, which format.c reaches through a weak reference: mk/ic.mk links
 * it into every canister (-u ic__format_double) unless the canister's build leaves it out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "format.h"

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

void ic__format_double(ic__out *o, ic__spec s, double v, char conv)
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
