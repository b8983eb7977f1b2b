/*
 * aw_error.h - error values of the asyncwasm async core.
 *
 * An aw_error is what a failed future holds and what an async function propagates: a kind (one
 * row of AW_ERROR_KINDS), a numeric code (the IC reject code for AW_E_IC_REJECT, errno for
 * AW_E_IO, 0 when there is none), a message, and an async trace: the async function and
 * `file:line` of every await the error passed through, innermost first. aw_error_format prints
 * all of it in one call.
 *
 * Errors are reference counted and shared: when many tasks await one failed future, each gets the
 * same error; adding a trace entry to a shared error copies it first (copy on write), so every
 * awaiter sees its own trace. When memory runs out, the constructors return a static
 * out-of-memory error (kind AW_E_NOMEM) instead of NULL, so an error path never needs an error
 * path of its own.
 *
 * Status codes of the library functions (AW_OK and the negative AW_ERR_*) also live here.
 */
#ifndef ASYNCWASM_AW_ERROR_H
#define ASYNCWASM_AW_ERROR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The one table of error kinds: X(enum name, text). Kinds from AW_E_APP on are free for
 * applications (AW_E_APP + n).
 */
#define AW_ERROR_KINDS(X)                                                                          \
    X(AW_E_GENERIC, "error")                                                                       \
    X(AW_E_TIMEOUT, "timeout")                                                                     \
    X(AW_E_CANCELLED, "cancelled")                                                                 \
    X(AW_E_CHANNEL_CLOSED, "channel closed")                                                       \
    X(AW_E_IC_REJECT, "IC call rejected")                                                          \
    X(AW_E_CALL_PERFORM, "call perform failed")                                                    \
    X(AW_E_CANDID_DECODE, "Candid decode")                                                         \
    X(AW_E_NOMEM, "out of memory")                                                                 \
    X(AW_E_IO, "I/O error")                                                                        \
    X(AW_E_STATE, "invalid state")                                                                 \
    X(AW_E_APP, "application error")

#define AW__KIND_ENUM(name, text) name,
typedef enum aw_error_kind { AW_ERROR_KINDS(AW__KIND_ENUM) AW_E__COUNT } aw_error_kind;
#undef AW__KIND_ENUM

/* Status codes returned by library functions: X(name, value, text). */
#define AW_STATUS_CODES(X)                                                                         \
    X(AW_OK, 0, "ok")                                                                              \
    X(AW_ERR_STATE, -1, "future or task already finished")                                         \
    X(AW_ERR_SIZE, -2, "value size does not match the future")                                     \
    X(AW_ERR_CANCELLED, -3, "future was cancelled")                                                \
    X(AW_ERR_NOMEM, -4, "out of memory")                                                           \
    X(AW_ERR_INVALID, -5, "invalid argument")                                                      \
    X(AW_ERR_BUSY, -6, "task is running; cancellation takes effect at its next await")             \
    X(AW_ERR_IO, -7, "I/O error in the backend")

#define AW__CODE_ENUM(name, value, text) name = value,
enum { AW_STATUS_CODES(AW__CODE_ENUM) };
#undef AW__CODE_ENUM

/* Text of a status code (AW_OK, AW_ERR_*); "unknown status" for anything else. */
const char *aw_strerror(int status);

/* Text of an error kind from AW_ERROR_KINDS; kinds >= AW_E_APP give "application error". */
const char *aw_error_kind_name(int kind);

/* One step of an async trace: the async function and the await (or throw) site. */
typedef struct aw_trace_entry {
    const char *func; /* function name (__func__ of the step function); static storage */
    const char *file; /* source file (__FILE__); static storage */
    uint32_t line;    /* source line */
} aw_trace_entry;

typedef struct aw_error aw_error;

/*
 * Create an error with one reference. `message` is copied (NULL means ""). Never returns NULL:
 * when memory runs out it returns the static out-of-memory error.
 */
aw_error *aw_error_new(int kind, int64_t code, const char *message);

/* Like aw_error_new with a printf-style message (truncated to 1023 bytes). Never returns NULL. */
aw_error *aw_error_newf(int kind, int64_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Add a reference and return `err`. NULL is passed through. */
aw_error *aw_error_retain(aw_error *err);

/* Drop a reference; the last one frees the error. NULL is ignored. */
void aw_error_release(aw_error *err);

/* The kind, the numeric code and the message ("" when none) of `err`. */
int aw_error_kind_of(const aw_error *err);
int64_t aw_error_code(const aw_error *err);
const char *aw_error_message(const aw_error *err);

/* Number of trace entries, and entry `i` (0 = innermost, where the error was thrown or first
 * awaited); NULL when `i` is out of range. */
size_t aw_error_trace_len(const aw_error *err);
const aw_trace_entry *aw_error_trace_at(const aw_error *err, size_t i);

/*
 * Append a trace entry to *errp. If the error is shared it is copied first and *errp is replaced
 * by the copy (the caller's reference moves to the copy). Returns AW_OK, or AW_ERR_NOMEM when the
 * entry could not be stored (the error then counts the lost entry and prints "... N more").
 */
int aw_error_add_trace(aw_error **errp, const char *func, const char *file, uint32_t line);

/*
 * Write the error as text into buf (snprintf semantics: at most size-1 bytes and a NUL; returns
 * the length the whole text needs). Format:
 *     <kind>: <message> (code <code>)
 *       at <func> (<file>:<line>)        one line per trace entry, innermost first
 */
size_t aw_error_format(const aw_error *err, char *buf, size_t size);

/* Print the error as aw_error_format does, to the backend's log (stderr; debug_print on the IC).
 * Allocates nothing (long text is cut at 4 KiB). */
void aw_error_print(const aw_error *err);

#ifdef __cplusplus
}
#endif

#endif
