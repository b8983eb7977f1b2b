/*
 * error.c - error values: construction, reference counting, async traces, formatting.
 *
 * Errors are rare, so they favour simplicity over speed: one block holds the header and the
 * message, the trace is a separately grown array. A shared error (refs > 1) is copied before a
 * trace entry is added, so tasks that awaited the same failed future keep separate traces. The
 * static out-of-memory error (refs == AW__STATIC_REFS) is never freed and never changed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define AW__STATIC_REFS UINT32_MAX

struct aw_error {
    uint32_t refs;
    int kind;
    int64_t code;
    const char *message;   /* points into the same block, or to a literal for static errors */
    aw_trace_entry *trace; /* ntrace entries, innermost first */
    uint32_t ntrace, cap;
    uint32_t lost; /* entries that could not be stored */
    size_t block;  /* size of the block holding this header and the message */
};

static aw_error aw__nomem = {AW__STATIC_REFS, AW_E_NOMEM, 0, "out of memory", NULL, 0, 0, 0, 0};

#define AW__KIND_TEXT(name, text) text,
static const char *const aw__kind_text[] = {AW_ERROR_KINDS(AW__KIND_TEXT)};
#undef AW__KIND_TEXT

aw_error *aw__error_nomem(void)
{
    return &aw__nomem;
}

const char *aw_error_kind_name(int kind)
{
    if (kind >= 0 && kind < AW_E_APP)
        return aw__kind_text[kind];
    return aw__kind_text[AW_E_APP];
}

const char *aw_strerror(int status)
{
#define AW__CODE_CASE(name, value, text)                                                           \
    case value:                                                                                    \
        return text;
    switch (status) {
        AW_STATUS_CODES(AW__CODE_CASE)
    default:
        return "unknown status";
    }
#undef AW__CODE_CASE
}

aw_error *aw_error_new(int kind, int64_t code, const char *message)
{
    size_t len = message ? strlen(message) : 0;
    size_t block = sizeof(aw_error) + len + 1;
    aw_error *err = aw__alloc(block);
    if (!err)
        return &aw__nomem;
    char *text = (char *)(err + 1);
    if (len)
        memcpy(text, message, len);
    text[len] = '\0';
    *err = (aw_error){1, kind, code, text, NULL, 0, 0, 0, block};
    return err;
}

aw_error *aw_error_newf(int kind, int64_t code, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return aw_error_new(kind, code, buf);
}

aw_error *aw_error_retain(aw_error *err)
{
    if (err && err->refs != AW__STATIC_REFS)
        err->refs++;
    return err;
}

void aw_error_release(aw_error *err)
{
    if (!err || err->refs == AW__STATIC_REFS)
        return;
    if (--err->refs)
        return;
    if (err->trace)
        aw__free(err->trace, err->cap * sizeof(aw_trace_entry));
    aw__free(err, err->block);
}

int aw_error_kind_of(const aw_error *err)
{
    return err ? err->kind : AW_E_GENERIC;
}

int64_t aw_error_code(const aw_error *err)
{
    return err ? err->code : 0;
}

const char *aw_error_message(const aw_error *err)
{
    return err ? err->message : "";
}

size_t aw_error_trace_len(const aw_error *err)
{
    return err ? err->ntrace : 0;
}

const aw_trace_entry *aw_error_trace_at(const aw_error *err, size_t i)
{
    return err && i < err->ntrace ? &err->trace[i] : NULL;
}

/* A private copy of a shared error with room for one more trace entry; NULL on failure. */
static aw_error *aw__error_copy(const aw_error *src)
{
    aw_error *err = aw_error_new(src->kind, src->code, src->message);
    if (err == &aw__nomem)
        return NULL;
    if (src->ntrace) {
        uint32_t cap = src->ntrace + 4;
        err->trace = aw__alloc(cap * sizeof(aw_trace_entry));
        if (!err->trace) {
            aw_error_release(err);
            return NULL;
        }
        memcpy(err->trace, src->trace, src->ntrace * sizeof(aw_trace_entry));
        err->cap = cap;
        err->ntrace = src->ntrace;
    }
    err->lost = src->lost;
    return err;
}

int aw_error_add_trace(aw_error **errp, const char *func, const char *file, uint32_t line)
{
    aw_error *err = *errp;
    if (!err || err->refs == AW__STATIC_REFS)
        return AW_ERR_NOMEM;
    if (err->refs > 1) {
        aw_error *copy = aw__error_copy(err);
        if (!copy) {
            err->lost++;
            return AW_ERR_NOMEM;
        }
        err->refs--;
        *errp = err = copy;
    }
    if (err->ntrace == err->cap) {
        uint32_t cap = err->cap ? err->cap * 2 : 4;
        aw_trace_entry *grown = aw__alloc(cap * sizeof(aw_trace_entry));
        if (!grown) {
            err->lost++;
            return AW_ERR_NOMEM;
        }
        if (err->ntrace)
            memcpy(grown, err->trace, err->ntrace * sizeof(aw_trace_entry));
        if (err->trace)
            aw__free(err->trace, err->cap * sizeof(aw_trace_entry));
        err->trace = grown;
        err->cap = cap;
    }
    err->trace[err->ntrace++] = (aw_trace_entry){func, file, line};
    return AW_OK;
}

/* Append printf output to buf at *pos, keeping snprintf's "length needed" accounting. */
static void aw__append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void aw__append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*pos < size ? buf + *pos : NULL, *pos < size ? size - *pos : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n;
}

size_t aw_error_format(const aw_error *err, char *buf, size_t size)
{
    size_t pos = 0;
    if (size)
        buf[0] = '\0';
    if (!err)
        return 0;
    const char *kind = aw_error_kind_name(err->kind);
    if (err->message[0])
        aw__append(buf, size, &pos, "%s: %s", kind, err->message);
    else
        aw__append(buf, size, &pos, "%s", kind);
    if (err->code)
        aw__append(buf, size, &pos, " (code %lld)", (long long)err->code);
    for (uint32_t i = 0; i < err->ntrace; i++)
        aw__append(buf, size, &pos, "\n  at %s (%s:%u)", err->trace[i].func, err->trace[i].file,
                   (unsigned)err->trace[i].line);
    if (err->lost)
        aw__append(buf, size, &pos, "\n  ... %u more", (unsigned)err->lost);
    return pos;
}

void aw_error_print(const aw_error *err)
{
    char buf[4096];
    size_t n = aw_error_format(err, buf, sizeof buf - 1);
    if (n > sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    aw__backend_log(buf, n);
}
