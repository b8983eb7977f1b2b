/*
 * candid.h - Candid for C: type representation, .did parser, binary codec, dynamic values and the
 * textual value format.
 *
 * The layers, bottom up (docs/candid.md explains each with examples):
 *
 *   candid_arena      bump allocator that owns every value, string and type node a call creates;
 *                     freed in one go. Decoding never calls malloc per value.
 *   candid_env        a type environment: an array of constructed type nodes (opt, vec, record,
 *                     variant, func, service, future) referenced by `candid_tref`, plus the named
 *                     definitions and the main service of a .did file. A wire type table decoded
 *                     from a message is a candid_env too, so subtyping works between any two.
 *   .did parser       candid_parse_did / candid_parse_type / candid_parse_tuptype fill an env.
 *   candid_enc        streaming encoder: declare the argument types, then write the values with
 *                     candid_enc_nat64, candid_enc_text, ... (or candid_enc_value for a dynamic
 *                     value); candid_enc_finish produces the message.
 *   candid_dec        type-directed decoder: validates the whole header, then decodes argument by
 *                     argument at an expected type, applying the spec's subtyping and coercion
 *                     rules, under a decoding quota, a skipping quota and a depth limit.
 *   candid_value      the dynamic value tree that the decoder and the text parser produce, with
 *                     printing in the didc style and structural equality.
 *
 * Every function that can fail returns 0 on success or a negative CANDID_E_* code, and fills a
 * caller-provided candid_error (which may be NULL) with the code, the byte offset or line:column
 * and a message. Allocation failure is reported as CANDID_E_NOMEM, never a crash. The encode and
 * decode paths use no stdio and no POSIX API, so the library links into wasm32 IC canisters.
 *
 * Authority: the Candid specification (reference/candid/Candid.md); section names are cited at
 * the rules that need them.
 */
#ifndef ASYNCWASM_CANDID_H
#define ASYNCWASM_CANDID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* X(NAME, code, description): the one table of error codes. */
#define CANDID_ERRORS(X)                                                                           \
    X(OK, 0, "ok")                                                                                 \
    X(NOMEM, -1, "out of memory")                                                                  \
    X(MALFORMED, -2, "malformed binary data")                                                      \
    X(MISMATCH, -3, "type mismatch")                                                               \
    X(QUOTA, -4, "decoding quota exceeded")                                                        \
    X(DEPTH, -5, "nesting depth limit exceeded")                                                   \
    X(SYNTAX, -6, "syntax error")                                                                  \
    X(TYPE, -7, "invalid type")                                                                    \
    X(VALUE, -8, "invalid value")                                                                  \
    X(IMPORT, -9, "import failed")                                                                 \
    X(USAGE, -10, "invalid use of the API")

enum {
#define CANDID__ERR_ENUM(name, code, text) CANDID_E_##name = code,
    CANDID_ERRORS(CANDID__ERR_ENUM)
#undef CANDID__ERR_ENUM
};

/* Where and why an operation failed. `offset` is the byte offset into binary input (or
 * SIZE_MAX when not applicable); `line`/`column` (1-based, 0 when not applicable) locate errors
 * in text input. `message` is NUL-terminated and always starts with the location, for example
 * "byte 12: expected 3 more bytes of text, 1 left" or "t.did:4:17: unknown type name `Foo`". */
typedef struct candid_error {
    int code;
    size_t offset;
    uint32_t line, column;
    char message[200];
} candid_error;

/* The short description of an error code ("type mismatch"); "unknown error" for other values. */
const char *candid_strerror(int code);

/* ------------------------------------------------------------------------------------------ */
/* Arena                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* A bump allocator made of malloc'ed chunks. Zero-initialise it (or call candid_arena_init);
 * everything allocated from it lives until candid_arena_free. Not thread-safe. */
typedef struct candid_arena {
    struct candid__chunk *head; /* newest chunk first */
    size_t used;                /* bytes used in head */
    size_t total;               /* bytes allocated in all chunks, for statistics */
} candid_arena;

void candid_arena_init(candid_arena *a);

/* Returns `n` bytes aligned to 8, or NULL when malloc fails (or n is absurdly large). The
 * memory is not zeroed. */
void *candid_arena_alloc(candid_arena *a, size_t n);

/* Releases every chunk; the arena can be used again afterwards. */
void candid_arena_free(candid_arena *a);

/* A growable byte buffer (malloc/realloc). After an allocation failure `oom` is set and further
 * appends are ignored, so a sequence of appends needs one check at the end. */
typedef struct candid_buf {
    uint8_t *data;
    size_t len, cap;
    int oom;
} candid_buf;

/* Appends bytes; returns 0 or CANDID_E_NOMEM (and sets b->oom). */
int candid_buf_append(candid_buf *b, const void *p, size_t n);
/* Releases the storage and zeroes the buffer. */
void candid_buf_free(candid_buf *b);

/* ------------------------------------------------------------------------------------------ */
/* Types                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* X(NAME, keyword, opcode): every Candid type opcode (spec "Binary Format / Types"). Primitive
 * types (-1..-17 and -24) are referenced directly by their opcode; constructors (-18..-23) live
 * in an environment. Opcodes below -24 are future types, only ever seen on the wire. */
#define CANDID_PRIMITIVES(X)                                                                       \
    X(NULL, "null", -1)                                                                            \
    X(BOOL, "bool", -2)                                                                            \
    X(NAT, "nat", -3)                                                                              \
    X(INT, "int", -4)                                                                              \
    X(NAT8, "nat8", -5)                                                                            \
    X(NAT16, "nat16", -6)                                                                          \
    X(NAT32, "nat32", -7)                                                                          \
    X(NAT64, "nat64", -8)                                                                          \
    X(INT8, "int8", -9)                                                                            \
    X(INT16, "int16", -10)                                                                         \
    X(INT32, "int32", -11)                                                                         \
    X(INT64, "int64", -12)                                                                         \
    X(FLOAT32, "float32", -13)                                                                     \
    X(FLOAT64, "float64", -14)                                                                     \
    X(TEXT, "text", -15)                                                                           \
    X(RESERVED, "reserved", -16)                                                                   \
    X(EMPTY, "empty", -17)                                                                         \
    X(PRINCIPAL, "principal", -24)

#define CANDID_CONSTRUCTORS(X)                                                                     \
    X(OPT, "opt", -18)                                                                             \
    X(VEC, "vec", -19)                                                                             \
    X(RECORD, "record", -20)                                                                       \
    X(VARIANT, "variant", -21)                                                                     \
    X(FUNC, "func", -22)                                                                           \
    X(SERVICE, "service", -23)

/* The kind of a type or a value. The numbers are the wire opcodes, so a primitive kind is also a
 * valid candid_tref. CANDID_FUTURE stands for every opcode below -24; CANDID_BLOB is a value
 * kind only (a `vec nat8` held as bytes). */
typedef enum candid_kind {
#define CANDID__KIND_ENUM(name, kw, op) CANDID_##name = op,
    CANDID_PRIMITIVES(CANDID__KIND_ENUM) CANDID_CONSTRUCTORS(CANDID__KIND_ENUM)
#undef CANDID__KIND_ENUM
        CANDID_FUTURE = -25,
    CANDID_BLOB = -100
} candid_kind;

/* A type reference: a primitive opcode (< 0) or the index of a node in a candid_env (>= 0). */
typedef int32_t candid_tref;
#define CANDID_NO_TYPE ((candid_tref)INT32_MIN)

/* Function annotations (a bit set; on the wire 1 = query, 2 = oneway, 3 = composite_query). */
enum { CANDID_ANN_QUERY = 1, CANDID_ANN_ONEWAY = 2, CANDID_ANN_COMPOSITE_QUERY = 4 };

/* A record field or variant tag. `id` is the field id (idl_hash of the name, or the number);
 * `name` is the source name (NUL-terminated) or NULL when the field was given by number. */
typedef struct candid_field {
    uint32_t id;
    const char *name;
    candid_tref type;
} candid_field;

/* A service method: a name (UTF-8, NUL-terminated, may contain any character) and a func type. */
typedef struct candid_method {
    const char *name;
    uint32_t name_len;
    candid_tref type;
} candid_method;

/* A constructed type node.
 * Invariants (established by the parser and by the wire decoder): record/variant fields are
 * sorted by strictly increasing id; service methods are sorted by strictly increasing name
 * bytes, each method type is a func node; no tref points at an alias (names are resolved). */
typedef struct candid_type {
    candid_kind kind; /* CANDID_OPT .. CANDID_SERVICE, or CANDID_FUTURE (wire only) */
    const char *name; /* the .did definition that introduced this node, or NULL */
    union {
        candid_tref inner; /* opt, vec */
        struct {
            candid_field *fields;
            uint32_t n;
            uint8_t tuple; /* fields were written without names or numbers: ids 0..n-1 */
        } rec;             /* record, variant */
        struct {
            candid_tref *args, *rets;
            const char **arg_names, **ret_names; /* documentation names or NULL entries */
            uint32_t nargs, nrets;
            uint32_t ann; /* CANDID_ANN_* bits */
        } func;
        struct {
            candid_method *methods;
            uint32_t n;
        } svc;
        struct {
            int64_t opcode;  /* < -24 */
            uint64_t length; /* bytes of the type's body that were skipped */
        } future;
    } u;
} candid_type;

/* A named definition of a .did file (`type name = t`), in source order, imports included. */
typedef struct candid_def {
    const char *name;
    candid_tref type; /* the resolved type: a primitive or a node */
} candid_def;

/* A type environment. Owns its nodes and strings (in its arena). Zero-initialise it or call
 * candid_env_init; release with candid_env_free. */
typedef struct candid_env {
    candid_arena arena;
    candid_type *types; /* nodes, referenced by index */
    uint32_t ntypes, captypes;
    candid_def *defs;
    uint32_t ndefs, capdefs;
    candid_tref actor;      /* the main service (a service node), or CANDID_NO_TYPE */
    candid_tref *init_args; /* service constructor arguments (`service : (A) -> {...}`) */
    uint32_t ninit_args;
    int has_init; /* the main service is a service constructor */
} candid_env;

void candid_env_init(candid_env *e);
void candid_env_free(candid_env *e);

/* Appends a copy of node `t` (arrays and strings it points to are shared, not copied: allocate
 * them in e->arena or keep them alive). Stores its reference in *out. Returns 0 or
 * CANDID_E_NOMEM. */
int candid_env_add(candid_env *e, const candid_type *t, candid_tref *out);

/* The node for `t`, or NULL when t is a primitive or out of range. */
const candid_type *candid_env_node(const candid_env *e, candid_tref t);

/* The kind of `t`: its opcode for a primitive, the node's kind otherwise. */
candid_kind candid_env_kind(const candid_env *e, candid_tref t);

/* The definition named `name`, or CANDID_NO_TYPE. */
candid_tref candid_env_lookup(const candid_env *e, const char *name);

/* The keyword of a primitive or constructor kind ("nat64", "record"), or NULL. */
const char *candid_kind_name(candid_kind k);

/* idl_hash of a field name: h = h * 223 + byte, mod 2^32 (spec "Shorthand: Symbolic Field Ids"). */
uint32_t candid_hash(const char *name, size_t len);

/* Strict UTF-8 check: no overlong forms, no surrogates, nothing above U+10FFFF. Returns 1 if
 * the `len` bytes are valid UTF-8, else 0. */
int candid_utf8_valid(const uint8_t *s, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* .did parser                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Reads an imported file. `importer` is the name of the importing file (as given to
 * candid_parse_did), `path` the text of the import. On success store a malloc'ed copy of the
 * contents in *text and *len and a malloc'ed canonical name in *resolved (used for the error
 * locations of that file and to import each file once), and return 0. Return non-zero on
 * failure (the parser reports CANDID_E_IMPORT at the import). */
typedef int (*candid_loader)(void *ctx, const char *importer, const char *path, char **resolved,
                             char **text, size_t *len);

/* Parses a .did file (`<def>;* <actor>?`: type definitions, imports, comments, and the main
 * service) into `e`, adding its definitions to those already there. `filename` names the source
 * in error messages. `loader` may be NULL, then any import is an error. Named types are resolved
 * (mutually recursive definitions allowed; vacuous cycles like `type A = B; type B = A` are an
 * error); record and variant fields are sorted by id and checked unique; service methods sorted
 * and unique. Errors carry line:column. Returns 0 or a CANDID_E_* code; after an error the env
 * may hold part of the file and is only good for candid_env_free. */
int candid_parse_did(candid_env *e, const char *src, size_t len, const char *filename,
                     candid_loader loader, void *loader_ctx, candid_error *err);

/* Parses one `<datatype>` (names refer to the definitions already in `e`) and stores its
 * reference in *out. Returns 0 or a CANDID_E_* code. */
int candid_parse_type(candid_env *e, const char *src, size_t len, candid_tref *out,
                      candid_error *err);

/* Parses a tuple type `( <argtype>,* )`; *out receives an array (in e->arena) of *n references. */
int candid_parse_tuptype(candid_env *e, const char *src, size_t len, candid_tref **out, uint32_t *n,
                         candid_error *err);

/* Writes `t` as Candid type text (named nodes by their name) to `out`. Returns 0 or NOMEM. */
int candid_print_type(candid_buf *out, const candid_env *e, candid_tref t);

/* ------------------------------------------------------------------------------------------ */
/* Dynamic values                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct candid_value candid_value;

/* A natural or integer number of any size. When `limbs` is NULL the magnitude is `small`;
 * otherwise it is `nlimbs` little-endian 32-bit limbs (no leading zero limb) and does not fit in
 * 64 bits. Zero is never negative. */
typedef struct candid_bignum {
    uint64_t small;
    const uint32_t *limbs;
    uint32_t nlimbs;
    uint8_t negative;
} candid_bignum;

/* A record field value; fields are sorted by id. `name` is known when the value came from a
 * type or text that named the field, else NULL. */
typedef struct candid_field_value {
    uint32_t id;
    const char *name;
    candid_value *value;
} candid_field_value;

/* A value. Its kind is the kind of the type it was decoded or coerced at:
 *   NULL, RESERVED: no payload.   BOOL: u.b.   NAT, INT: u.num.
 *   NAT8..NAT64: u.u64.  INT8..INT64: u.i64.  FLOAT32: u.f32.  FLOAT64: u.f64.
 *   TEXT, BLOB, PRINCIPAL, SERVICE: u.bytes (TEXT is valid UTF-8 and NUL-terminated after len).
 *   OPT: u.opt (NULL for `null`).  VEC: u.vec.  RECORD: u.rec.  VARIANT: u.var.  FUNC: u.func.
 * A `vec nat8` is always a BLOB value. */
struct candid_value {
    candid_kind kind;
    union {
        int b;
        uint64_t u64;
        int64_t i64;
        float f32;
        double f64;
        candid_bignum num;
        struct {
            const uint8_t *data;
            size_t len;
        } bytes;
        candid_value *opt;
        struct {
            candid_value *items;
            size_t n;
        } vec;
        struct {
            candid_field_value *fields;
            uint32_t n;
        } rec;
        struct {
            uint32_t id;
            uint32_t index; /* position of the tag in the type's sorted tag list */
            const char *name;
            candid_value *value;
        } var;
        struct {
            const uint8_t *principal;
            size_t principal_len;
            const char *method;
            size_t method_len;
        } func;
    } u;
};

/* Structural equality: same kind and same content (record fields by id; names ignored; floats
 * bit for bit). Returns 1 or 0. */
int candid_value_equal(const candid_value *a, const candid_value *b);

/* The value of a NAT or INT number if it fits in 64 bits (INT: in int64_t). Return 0 on success,
 * CANDID_E_VALUE when it does not fit or the value is of another kind. */
int candid_value_u64(const candid_value *v, uint64_t *out);
int candid_value_i64(const candid_value *v, int64_t *out);

/* The record field with id `id`, or NULL. */
const candid_value *candid_value_field(const candid_value *rec, uint32_t id);

/* Prints values in the textual format didc uses: `(42 : nat, opt "a", record { foo = 1 : nat8 })`.
 * Numbers carry their type annotation; `vec nat8` prints as `blob "..."`; principals, services
 * and funcs in their text form. Returns 0 or CANDID_E_NOMEM. */
int candid_print_args(candid_buf *out, const candid_value *vals, size_t n);
int candid_print_value(candid_buf *out, const candid_value *v);

/* Parses textual arguments `( <annval>,* )`. With `types` (n types of `e`) every argument is
 * coerced at its expected type: untyped literals take the expected type, record fields absent
 * from the type are dropped, missing opt/null/reserved arguments and fields become null, and a
 * mismatch is an error (CANDID_E_MISMATCH, or CANDID_E_VALUE for an out-of-range number). With
 * `types` NULL each argument's type is inferred (numbers as int, or the annotation) and added to
 * `e`; *out_types (if not NULL) receives them. Values live in arena `a`. Returns 0 or an error. */
int candid_parse_args(candid_env *e, candid_arena *a, const char *src, size_t len,
                      const candid_tref *types, uint32_t ntypes, candid_value **out, uint32_t *nout,
                      candid_tref **out_types, candid_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Principals                                                                                  */
/* ------------------------------------------------------------------------------------------ */

#define CANDID_PRINCIPAL_MAX      29 /* bytes */
#define CANDID_PRINCIPAL_TEXT_MAX 64 /* characters of the text form, with the NUL */

/* Writes the text form (base32 of CRC32-BE ++ bytes, lower case, a dash every 5 characters) of
 * a principal of n <= 29 bytes to `out` (at least CANDID_PRINCIPAL_TEXT_MAX bytes), NUL-
 * terminated. Returns its length, or CANDID_E_VALUE when n > 29. */
int candid_principal_to_text(const uint8_t *bytes, size_t n, char *out);

/* Parses a principal's text form into out[CANDID_PRINCIPAL_MAX]; *n receives the length.
 * Checks the alphabet, the dash positions, the length and the CRC32, with a message naming the
 * problem. Returns 0 or CANDID_E_VALUE. */
int candid_principal_from_text(const char *text, size_t len, uint8_t *out, size_t *n,
                               candid_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Encoder                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* A message under construction. Declare the argument types in order with candid_enc_arg_type
 * (this builds the type table, sharing identical and recursive types), write the values in the
 * same order with the candid_enc_* writers, then call candid_enc_finish. The writers do not
 * check the values against the declared types (candid_enc_value does); writing a value that
 * does not match produces a message the receiver rejects. */
typedef struct candid_enc {
    candid_buf entries; /* bytes of the type table entries, in creation order */
    candid_buf args;    /* argument type references */
    candid_buf values;  /* the values */
    uint32_t nargs;
    struct candid__enc_entry *entry; /* per table index: where its bytes are in `entries` */
    uint32_t nentry, capentry;
    struct candid__enc_node *node; /* per node of `node_env`: its table index, if emitted */
    uint32_t nnode;
    const candid_env *node_env;
    int error; /* first error of a writer (sticky) */
} candid_enc;

void candid_enc_init(candid_enc *enc);
void candid_enc_free(candid_enc *enc);

/* Declares the next argument's type `t` of env `e` (e may be NULL for a primitive). Returns 0,
 * CANDID_E_NOMEM, or CANDID_E_TYPE for a reference out of range. */
int candid_enc_arg_type(candid_enc *enc, const candid_env *e, candid_tref t);

/* Value writers. Each returns 0, or the sticky error (CANDID_E_NOMEM; CANDID_E_VALUE for text
 * that is not UTF-8 or a principal longer than 29 bytes). */
int candid_enc_bool(candid_enc *enc, int v);
int candid_enc_nat(candid_enc *enc, uint64_t v);                            /* nat (LEB128) */
int candid_enc_int(candid_enc *enc, int64_t v);                             /* int (SLEB128) */
int candid_enc_bignum(candid_enc *enc, const candid_bignum *v, int is_int); /* any size */
int candid_enc_fixed(candid_enc *enc, uint64_t v, unsigned bytes);          /* nat8..64, int8..64 */
int candid_enc_nat8(candid_enc *enc, uint8_t v);
int candid_enc_nat16(candid_enc *enc, uint16_t v);
int candid_enc_nat32(candid_enc *enc, uint32_t v);
int candid_enc_nat64(candid_enc *enc, uint64_t v);
int candid_enc_int8(candid_enc *enc, int8_t v);
int candid_enc_int16(candid_enc *enc, int16_t v);
int candid_enc_int32(candid_enc *enc, int32_t v);
int candid_enc_int64(candid_enc *enc, int64_t v);
int candid_enc_float32(candid_enc *enc, float v);
int candid_enc_float64(candid_enc *enc, double v);
int candid_enc_text(candid_enc *enc, const char *s, size_t len);
int candid_enc_blob(candid_enc *enc, const uint8_t *p, size_t len);      /* a whole vec nat8 */
int candid_enc_principal(candid_enc *enc, const uint8_t *p, size_t len); /* also service */
int candid_enc_func(candid_enc *enc, const uint8_t *principal, size_t plen, const char *method,
                    size_t mlen);
int candid_enc_opt(candid_enc *enc, int present);        /* then the value if present */
int candid_enc_vec(candid_enc *enc, size_t n);           /* then n element values */
int candid_enc_variant(candid_enc *enc, uint32_t index); /* index in the sorted tag list */
/* Records: write the field values in increasing field-id order; nothing else. null, reserved:
 * nothing to write. */

/* Writes dynamic value `v` at type `t` of `e`, checking that it fits (kinds, record fields
 * present, variant tag in the type, number ranges). Returns 0 or CANDID_E_MISMATCH /
 * CANDID_E_VALUE / CANDID_E_NOMEM with a message in err. */
int candid_enc_value(candid_enc *enc, const candid_env *e, candid_tref t, const candid_value *v,
                     candid_error *err);

/* Appends the finished message ("DIDL", table, argument types, values) to `out`. The encoder
 * can be freed afterwards. Returns 0, the sticky error, or CANDID_E_NOMEM. */
int candid_enc_finish(candid_enc *enc, candid_buf *out);

/* One call: encodes n values at types `types` of `e` and appends the message to `out`. */
int candid_encode(const candid_env *e, const candid_tref *types, const candid_value *vals,
                  uint32_t n, candid_buf *out, candid_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Decoder                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Resource limits (DIGEST section 12). Costs: 1 unit per decoded value node, plus 1 per 8 bytes
 * of text/blob/principal; a skipped value (an extra argument or field, an opt that fell back to
 * null) costs 4 units per node and also counts against skipping_quota; checking that a func or
 * service value's type is a subtype of the expected one costs the type pairs, fields and
 * methods it compares. Running out is CANDID_E_QUOTA; nesting beyond max_depth CANDID_E_DEPTH. */
typedef struct candid_dec_config {
    uint64_t decoding_quota; /* 0: the default, 200,000 + 32 * input length */
    uint64_t skipping_quota; /* 0: no separate limit on skipped nodes */
    uint32_t max_depth;      /* 0: the default, 256 nested values */
} candid_dec_config;

/* A decoder over one message. The fields are private; allocate it anywhere. */
typedef struct candid_dec {
    const uint8_t *buf, *pos, *end;
    candid_env wire;        /* the message's type table */
    candid_tref *wire_args; /* wire argument types */
    uint32_t nwire_args, next_arg;
    uint64_t quota, skip_quota;
    uint32_t max_depth, depth;
    uint8_t *zero_sized; /* per wire node: values may take no bytes */
    candid_arena *arena;
    candid_error *err;
    int borrow;          /* leaf readers: point into the input instead of copying */
    candid_env blob_env; /* the expected type `vec nat8` of candid_dec_blob */
    struct {
        const candid_env *env;
        candid_tref wire, expected;
        int result;
    } subtype_cache[4]; /* recent reference subtype checks, so a vector of func values of
                           one type is checked once */
    uint32_t subtype_next;
} candid_dec;

/* Checks the magic and the whole type table and argument list (every rule of the spec's
 * "Binary Format", including unused entries), and positions the decoder on the first value.
 * `cfg` may be NULL (defaults). Values are allocated in `a`; errors go to `err` (may be NULL).
 * The input must stay alive while the decoder is used. Returns 0 or an error; on error (and
 * when done) call candid_dec_free. */
int candid_dec_begin(candid_dec *d, const uint8_t *buf, size_t len, const candid_dec_config *cfg,
                     candid_arena *a, candid_error *err);

/* Decodes the next argument at expected type `t` of env `e` into *out (allocated in the arena).
 * When the message has no more arguments, the result is null for an expected null, opt or
 * reserved type, else CANDID_E_MISMATCH. Returns 0 or an error; errors are final. */
int candid_dec_arg(candid_dec *d, const candid_env *e, candid_tref t, candid_value *out);

/* Decodes the next argument at its own wire type (no expected type; field names unknown). */
int candid_dec_arg_wire(candid_dec *d, candid_value *out);

/* Allocation-free readers of the next argument at a primitive expected type (nat accepts wire
 * nat; int accepts nat and int; each fails with CANDID_E_VALUE when the number does not fit in
 * the C type). Text, blob and principal point into the input buffer (no copy; text is not
 * NUL-terminated). */
int candid_dec_bool(candid_dec *d, int *out);
int candid_dec_nat(candid_dec *d, uint64_t *out);
int candid_dec_int(candid_dec *d, int64_t *out);
int candid_dec_nat8(candid_dec *d, uint8_t *out);
int candid_dec_nat16(candid_dec *d, uint16_t *out);
int candid_dec_nat32(candid_dec *d, uint32_t *out);
int candid_dec_nat64(candid_dec *d, uint64_t *out);
int candid_dec_int8(candid_dec *d, int8_t *out);
int candid_dec_int16(candid_dec *d, int16_t *out);
int candid_dec_int32(candid_dec *d, int32_t *out);
int candid_dec_int64(candid_dec *d, int64_t *out);
int candid_dec_float32(candid_dec *d, float *out);
int candid_dec_float64(candid_dec *d, double *out);
int candid_dec_text(candid_dec *d, const char **s, size_t *len);
int candid_dec_blob(candid_dec *d, const uint8_t **p, size_t *len);
int candid_dec_principal(candid_dec *d, const uint8_t **p, size_t *len);

/* Skips (and validates) the remaining wire arguments and checks that no byte follows them.
 * Returns 0 or an error. */
int candid_dec_end(candid_dec *d);

/* Releases what the decoder allocated itself (the wire type table). */
void candid_dec_free(candid_dec *d);

/* One call: decodes a whole message. With `types` (ntypes types of `e`) the arguments are
 * decoded at those types; with `types` NULL at the message's own types (then *nout = the wire
 * argument count). *out receives an array of values in `a` (which must not be NULL: else
 * CANDID_E_USAGE). Returns 0 or an error. */
int candid_decode(const uint8_t *buf, size_t len, const candid_env *e, const candid_tref *types,
                  uint32_t ntypes, const candid_dec_config *cfg, candid_arena *a,
                  candid_value **out, uint32_t *nout, candid_error *err);

#ifdef __cplusplus
}
#endif

#endif
