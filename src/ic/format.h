/*
 * format.h - what the canister formatter's two parts share (src/ic/format.c, the format string
 * and everything but doubles; src/ic/format_double.c, f F e E g G). Private to them.
 */
#ifndef ASYNCWASM_SRC_IC_FORMAT_H
#define ASYNCWASM_SRC_IC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Output with C's "length needed" accounting: bytes past the buffer are counted, not stored. */
typedef struct ic__out {
    char *buf;
    size_t size; /* room, including the terminating NUL */
    size_t len;  /* length so far */
} ic__out;

/* A conversion's flags, width and precision. */
typedef struct ic__spec {
    bool left, zero, plus, space, alt;
    int width, prec; /* prec -1: none */
} ic__spec;

/* Append n bytes. */
void ic__emit(ic__out *o, const char *s, size_t n);

/* One converted field: sign/prefix, zero padding, body, within `width` (left-aligned with '-';
 * with '0' the zeros go between the prefix and the body). */
void ic__field(ic__out *o, const ic__spec *s, const char *prefix, size_t zeros, const char *body,
               size_t n);

/* Digits of v in `base` at the end of buf[64]; returns the first. */
char *ic__digits(char *end, uint64_t v, unsigned base, bool upper);

/* A double converted with f F e E g G (format_double.c). The formatter calls it through a weak
 * reference: a canister links it unless its build leaves it out (mk/ic.mk, IC_FORMAT_FLOATS);
 * without it these conversions print as written. */
void ic__format_double(ic__out *o, ic__spec s, double v, char conv);

#endif
