/*
 * echo.c - a WASI program written with asyncwasm: three tasks and a channel.
 *
 *   reader   reads stdin with aw_read (the seed's readAsync) and sends each line into a channel;
 *            at end of input it closes the channel.
 *   shouter  receives lines from the channel, upper-cases them and writes them to stdout with
 *            aw_write (writeAsync); the channel-closed error ends its loop.
 *   main     starts both, awaits them with aw_all under aw_with_timeout, prints a summary, and
 *            shows what an error with its async trace looks like (a deliberate timeout).
 *
 * Build: clang-19 --target=wasm32-wasi -Iinclude examples/wasi_echo/echo.c <core> <wasi backend>
 * Run:   printf 'hello\nasync world\n' | node tests/aw/run_wasi.mjs echo.wasm
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "asyncwasm/aw.h"

#define LINE_MAX_LEN 256

typedef struct line {
    char text[LINE_MAX_LEN];
} line;

/* ---- reader: stdin -> channel ------------------------------------------------------------ */

typedef struct reader {
    aw_task task;
    aw_channel *out;
    char buf[512];
    size_t len; /* bytes in buf */
    int64_t n;
    line next;
    int lines;
} reader;

/* Move the first complete line of r->buf (or, at end of input, the unterminated rest) into
 * r->next, cut to LINE_MAX_LEN - 1 bytes. Returns 1 if there was one. */
static int take_line(reader *r, int at_eof)
{
    char *nl = memchr(r->buf, '\n', r->len);
    size_t end;
    if (nl)
        end = (size_t)(nl - r->buf);
    else if (at_eof && r->len)
        end = r->len;
    else
        return 0;
    size_t copy = end < LINE_MAX_LEN - 1 ? end : LINE_MAX_LEN - 1;
    memcpy(r->next.text, r->buf, copy);
    r->next.text[copy] = '\0';
    size_t used = nl ? end + 1 : end;
    memmove(r->buf, r->buf + used, r->len - used);
    r->len -= used;
    return 1;
}

AW_ASYNC(reader, reader_run)
static aw_status reader_run(reader *f)
{
    AW_BEGIN(f);
    for (;;) {
        if (f->len == sizeof f->buf)
            f->len = 0; /* a line longer than the buffer: drop it */
        AW_AWAIT(f, aw_read(0, f->buf + f->len, sizeof f->buf - f->len), &f->n);
        if (f->n > 0)
            f->len += (size_t)f->n;
        while (take_line(f, f->n == 0)) {
            f->lines++;
            AW_AWAIT(f, aw_channel_send(f->out, &f->next), AW_DISCARD);
        }
        if (f->n == 0)
            break;
    }
    AW_FINALLY(f);
    aw_channel_close(f->out); /* on every path: the shouter must not wait for ever */
    AW_END(f);
}

/* ---- shouter: channel -> stdout ----------------------------------------------------------- */

typedef struct shouter {
    aw_task task;
    aw_channel *in;
    line cur;
    char out[LINE_MAX_LEN + 8];
    size_t out_len;
    aw_error *err;
    int lines;
} shouter;

AW_ASYNC(shouter, shouter_run)
static aw_status shouter_run(shouter *f)
{
    AW_BEGIN(f);
    for (;;) {
        AW_AWAIT_TRY(f, aw_channel_recv(f->in), &f->cur, &f->err);
        if (f->err) {
            if (aw_error_kind_of(f->err) != AW_E_CHANNEL_CLOSED)
                AW_THROW_ERROR(f, f->err);
            aw_error_release(f->err);
            break;
        }
        f->out_len = 0;
        for (const char *p = f->cur.text; *p; p++)
            f->out[f->out_len++] = (char)toupper((unsigned char)*p);
        f->out[f->out_len++] = '!';
        f->out[f->out_len++] = '\n';
        f->lines++;
        AW_AWAIT(f, aw_write(1, f->out, f->out_len), AW_DISCARD);
    }
    AW_END(f);
}

/* ---- main task ---------------------------------------------------------------------------- */

typedef struct app {
    aw_task task;
    aw_channel *ch;
    reader *rd;
    shouter *sh;
    aw_future *parts[2];
    aw_future *never;
    int counts[2]; /* lines read, lines written: in the frame, since they cross an await */
    aw_error *err;
} app;

AW_ASYNC(app, app_run)
static aw_status app_run(app *f)
{
    AW_BEGIN(f);
    f->ch = aw_channel_new(sizeof(line), 4);
    f->rd = aw_task_new(sizeof *f->rd, reader_run_step);
    f->sh = aw_task_new(sizeof *f->sh, shouter_run_step);
    if (!f->ch || !f->rd || !f->sh) {
        aw_task_free((aw_task *)f->rd); /* NULL is fine */
        aw_task_free((aw_task *)f->sh);
        AW_THROW(f, AW_E_NOMEM, "cannot set up the echo");
    }
    f->rd->out = f->ch;
    f->sh->in = f->ch;
    /* The frames stay alive until the futures are released: results are read from them. */
    f->parts[0] = aw_task_start(&f->rd->task, &f->rd->lines, sizeof f->rd->lines);
    f->parts[1] = aw_task_start(&f->sh->task, &f->sh->lines, sizeof f->sh->lines);
    AW_AWAIT(f, aw_with_timeout(aw_all(f->parts, 2), 10ull * 1000 * 1000 * 1000), &f->counts);
    printf("echo: %d lines read, %d lines written\n", f->counts[0], f->counts[1]);

    /* An error and its async trace: a future nobody completes, under a 5 ms timeout. */
    f->never = aw_future_new(0);
    AW_AWAIT_TRY(f, aw_with_timeout(f->never, 5ull * 1000 * 1000), AW_DISCARD, &f->err);
    if (f->err) {
        char text[512];
        aw_error_format(f->err, text, sizeof text);
        printf("echo: as expected, %s\n", text);
        aw_error_release(f->err);
    }
    AW_FINALLY(f);
    for (int i = 0; i < 2; i++)
        aw_future_release(f->parts[i]);
    aw_future_release(f->never);
    aw_channel_free(f->ch);
    AW_END(f);
}

int main(void)
{
    static app a;
    aw_future *done = aw_task_start(aw_task_init(&a.task, app_run_step), NULL, 0);
    int rc = aw_wait_for(done);
    if (rc != AW_OK) {
        aw_error_print(aw_future_error(done));
        aw_future_release(done);
        return 1;
    }
    aw_future_release(done);
    return 0;
}
