/*
 * fuzz.c - libFuzzer target of the generated decoders (`make fuzz-candid-gen`; a short run in
 * `make test-candid-gen-fuzz`). Any input either fails to decode with an error, or decodes to C
 * values that encode without error, and the encoding is a fixed point: decoding it and encoding
 * again gives the same bytes. Run at the argument tuple of kinds.did's `put` (every type kind,
 * recursion included), at its `get` result and at definitions `tree` and `list`, and at the
 * `put` arguments of the --bignum bindings.
 */
#include "kinds.h"
#include "kinds_big.h"

#include <stdlib.h>
#include <string.h>

/* Checks the property for one decoder/encoder pair; aborts (a libFuzzer crash) when broken. */
#define FIXED_POINT(T, data, size)                                                                 \
    do {                                                                                           \
        candid_arena a;                                                                            \
        candid_arena_init(&a);                                                                     \
        T v, v2;                                                                                   \
        candid_buf b1 = {0}, b2 = {0};                                                             \
        if (T##_decode((data), (size), &a, &v, NULL) == 0) {                                       \
            if (T##_encode(&v, &b1, NULL) || T##_decode(b1.data, b1.len, &a, &v2, NULL) ||         \
                T##_encode(&v2, &b2, NULL) || b1.len != b2.len ||                                  \
                memcmp(b1.data, b2.data, b1.len))                                                  \
                abort();                                                                           \
        }                                                                                          \
        candid_buf_free(&b1);                                                                      \
        candid_buf_free(&b2);                                                                      \
        candid_arena_free(&a);                                                                     \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FIXED_POINT(kinds_put_in, data, size);
    FIXED_POINT(kinds_get_out, data, size);
    FIXED_POINT(kinds_tree, data, size);
    FIXED_POINT(kinds_list, data, size);
    FIXED_POINT(kinds_big_put_in, data, size);
    return 0;
}
