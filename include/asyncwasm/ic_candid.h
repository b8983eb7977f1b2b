/*
 * ic_candid.h - reading and writing the Candid messages of a canister's methods, fast.
 *
 * A method's arguments and results have a fixed Candid type, e.g. `(principal, text)`. An ic_types
 * holds such a tuple type; its first use builds the message header ("DIDL", type table,
 * argument types) for it. The grammar is that of method signatures: primitives, blob, opt, vec,
 * record { name : type; ... } and variant { tag; tag : type; ... }. Other types (named types,
 * func, service, numbered or quoted field names) are refused (CANDID_E_TYPE): use the Candid
 * library (<asyncwasm/candid.h>) for those. No parser is linked into the canister for this.
 *
 * Reading (ic_reader): when an incoming message starts with exactly that header - what every
 * Candid implementation sends for these types - the values are read straight from the bytes, with
 * every check the spec requires (UTF-8, lengths, ranges, no trailing bytes). Any other message
 * (another but compatible type table, extra arguments, a subtype) goes through the Candid
 * library's type-directed decoder, which applies the subtyping and coercion rules. Both paths give
 * the same values and report errors with the byte offset.
 *
 * Writing (ic_writer): the header is copied, then the values are appended in order.
 *
 * Values are read and written in the order of the type: arguments left to right; the fields of a
 * record in increasing field-id order (the order of idl_hash of the names: `candid_hash`), which
 * is the order the encoding uses. Containers are opened by their reader and their contents then
 * read with the ordinary readers: ic_read_record (then each field), ic_read_vec (then n items),
 * ic_read_opt (then the value when present), ic_read_variant (then the tag's value unless its
 * type is null). Nesting goes 16 deep.
 *
 * Every reader returns 0 or a negative CANDID_E_* code; after the first error the others return
 * it too, and ic_reader_error gives the message. Text, blob and principal results point into the
 * message bytes: keep them alive while you use the results.
 */
#ifndef ASYNCWASM_IC_CANDID_H
#define ASYNCWASM_IC_CANDID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "candid.h"
#include "ic.h"

/* A tuple of Candid types, prepared on first use. Define with IC_TYPES; keep it static. */
typedef struct ic_types {
    const char *text; /* the tuple type, e.g. "(principal, text)" */
    int state;        /* 0 not prepared, 1 ready, -1 failed (a type outside the grammar) */
    uint8_t *header;  /* the message header for them ("DIDL", type table, argument types) */
    size_t header_len;
    bool env_ready;     /* `types` holds the header decoded (needed by the fallback only) */
    bool slow_only;     /* has a variant: the fallback checks tag indexes against the type */
    candid_dec types;   /* the header read by the Candid library: types.wire, types.wire_args */
    candid_arena arena; /* its values (none) */
} ic_types;
#define IC_TYPES(tuple_text)                                                                       \
    {                                                                                              \
        .text = (tuple_text)                                                                       \
    }

/* Types of "any message, decoded by the Candid library": a reader started at them opens the
 * library's decoder over the message (checking its header, the spec's rules) and never takes the
 * fast path; its values are then read through ic_reader_decoder (the `M_in_from` functions that
 * `candid gen c` generates for arguments outside the reader's kinds do that), not with the
 * ic_read_* functions, which fail with CANDID_E_USAGE. Writing a message of these types fails
 * with CANDID_E_TYPE. */
#define IC_TYPES_ANY                                                                               \
    {                                                                                              \
        .text = NULL                                                                               \
    }

/* Prepare `t` (build the header). Returns 0, CANDID_E_NOMEM, or CANDID_E_TYPE for a text outside
 * the grammar (a programming error: the text is in the source). */
int ic_types_prepare(ic_types *t);

/* ---- reading ------------------------------------------------------------------------------ */

/* A container being read on the fallback path (internal). */
typedef struct ic__open {
    const void *items; /* record fields, vec items, or the one value of an opt or variant */
    uint32_t n, i;     /* how many, next */
    uint8_t kind;      /* which of the three */
} ic__open;

typedef struct ic_reader {
    ic_types *types;
    const uint8_t *start, *pos, *end; /* the message; pos is the fast path's cursor */
    bool fast;                        /* the message header matched */
    int error;                        /* first error (sticky) */
    candid_error err;                 /* its message */
    /* fallback: the Candid library's decoder */
    candid_dec dec;
    candid_arena arena;
    bool dec_open;
    uint32_t arg;      /* next argument */
    ic__open open[16]; /* the containers being read on the fallback path, innermost last */
    uint32_t depth;
    uint8_t *owned; /* the message bytes when the reader copied them (ic_read_args) */
    uint8_t small[64];
} ic_reader;

/* Start reading `len` bytes at `data` as a message of types `t`. Returns 0 or the error. Call
 * ic_reader_end (success) or ic_reader_free (giving up) afterwards in every case. */
int ic_reader_begin(ic_reader *r, ic_types *t, const uint8_t *data, size_t len);

/* ic_reader_begin on the current message's argument, copied into the reader (kept until
 * ic_reader_end or ic_reader_free). CANDID_E_NOMEM when the copy cannot be allocated. */
int ic_read_args(ic_reader *r, ic_types *t);

int ic_read_bool(ic_reader *r, bool *out);
int ic_read_nat(ic_reader *r, uint64_t *out); /* nat that fits in 64 bits */
int ic_read_int(ic_reader *r, int64_t *out);  /* int that fits in 64 bits */
int ic_read_nat64(ic_reader *r, uint64_t *out);
int ic_read_text(ic_reader *r, const char **s, size_t *len); /* not NUL-terminated */
int ic_read_blob(ic_reader *r, const uint8_t **p, size_t *len);
int ic_read_principal(ic_reader *r, ic_principal *out);
/* Open the next value, a record: its fields follow, in field-id order. */
int ic_read_record(ic_reader *r);
/* Open the next value, a vec (not a blob: use ic_read_blob): *n items follow. */
int ic_read_vec(ic_reader *r, size_t *n);
/* Open the next value, an opt: *present tells whether its value follows. */
int ic_read_opt(ic_reader *r, bool *present);
/* Open the next value, a variant: *index is the tag's position in field-id order; the tag's value
 * follows unless its type is null (then there is nothing to read). */
int ic_read_variant(ic_reader *r, uint32_t *index);

/* Check that nothing is left (extra arguments are skipped and validated on the fallback path)
 * and release the reader. Returns 0 or the error. */
int ic_reader_end(ic_reader *r);

/* The same check, keeping the message's bytes available until ic_reader_free. */
int ic_reader_finish(ic_reader *r);

/* Mark the whole message as read, after decoding it by other means (for example with the
 * `M_in_args` function that `candid gen c` generates, which decodes r's message itself), so that
 * ic_reader_finish / ic_reader_end do not report its values as unexpected bytes. */
void ic_reader_skip(ic_reader *r);

/* The Candid library's decoder reading r's message, positioned at the next argument, for
 * decoding the rest with the library (candid_dec_arg, or a generated `_read`), or NULL when r
 * reads on the fast path or has failed. A decoder error writes its message into r's; the caller
 * then sets r->error to the code so that ic_reader_error reports it. */
candid_dec *ic_reader_decoder(ic_reader *r);

/* Release the reader without checking the rest. */
void ic_reader_free(ic_reader *r);

/* The message of the first error ("byte 7: text is not valid UTF-8"), "" when none. */
const char *ic_reader_error(const ic_reader *r);

/* Reads values from a message into `out`; returns 0 or the reader's error code. */
typedef int (*ic_read_fn)(ic_reader *r, void *out);

/* The whole argument step of a synchronous method: read the current message's arguments of types
 * `t` with `read` (which must copy what it keeps: the bytes are released on return) and check the
 * end. On a decode error, reject the call with "<method>: invalid arguments: <message>" and return
 * false. */
bool ic_args(ic_types *t, ic_read_fn read, void *out, const char *method);

/* ---- writing ------------------------------------------------------------------------------ */

typedef struct ic_writer {
    uint8_t *data; /* the message so far (inline buffer or malloc'd) */
    size_t len, cap;
    int error; /* first error (sticky): CANDID_E_NOMEM, or the ic_types failure */
    uint8_t small[96];
} ic_writer;

/* Start a message of types `t`: writes the header. Returns 0 or the error. Always call
 * ic_writer_free afterwards (ic_reply_writer does it). */
int ic_writer_begin(ic_writer *w, ic_types *t);

int ic_write_bool(ic_writer *w, bool v);
int ic_write_nat(ic_writer *w, uint64_t v);
int ic_write_int(ic_writer *w, int64_t v);
int ic_write_nat64(ic_writer *w, uint64_t v);
int ic_write_text(ic_writer *w, const char *s, size_t len); /* CANDID_E_VALUE if not UTF-8 */
int ic_write_blob(ic_writer *w, const void *p, size_t len);
int ic_write_principal(ic_writer *w, const ic_principal *p);
int ic_write_opt(ic_writer *w, bool present);       /* then the value when present */
int ic_write_vec(ic_writer *w, size_t n);           /* then n values */
int ic_write_variant(ic_writer *w, uint32_t index); /* tag index in field-id order, then value */

void ic_writer_free(ic_writer *w);

/* Reply to the current call with the message (or reject with "out of memory" when writing
 * failed) and free the writer. */
void ic_reply_writer(ic_writer *w);

#endif /* ASYNCWASM_IC_CANDID_H */
