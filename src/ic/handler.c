/*
 * handler.c - async entry points (IC_UPDATE_ASYNC, IC_COMPOSITE_QUERY_ASYNC): start the handler
 * task of a new call context, and answer the context when the task finishes without having done
 * so itself.
 *
 * Per handler: one block (from a per-size free list) holding the call context record (ic__cc,
 * with the argument bytes, so that text and blob arguments may point into them while the handler
 * runs) and then the task's frame. The record's references: one for the task, one per outstanding
 * call; when the last goes (usually in the done callback, later when the task was cancelled with
 * calls in flight) the whole block returns to its free list. The done callback, which receives only
 * the task, finds the record just before the frame.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_async.h"
#include "internal.h"

/* Handler frames are recycled per size: a free list for each of a few frame sizes, so that a
 * handler costs no malloc in steady state. A block is a header with the call context record, then
 * the frame. */
#define IC__FRAME_SIZES 8
typedef struct ic__frame_list ic__frame_list;

typedef union ic__frame_block {
    struct {
        union ic__frame_block *next; /* in the free list of its size */
        ic__frame_list *list;        /* the free list of its size, or NULL (all lists taken) */
        ic__cc cc;                   /* the handler's call context record */
    } h;
    max_align_t align;
} ic__frame_block;

static struct ic__frame_list {
    size_t size;
    ic__frame_block *free;
} ic__frames[IC__FRAME_SIZES];

/* The free list of frames of `size` (the first unused one becomes it), or NULL when all are
 * taken by other sizes. */
static ic__frame_list *ic__frame_list_of(size_t size)
{
    for (int i = 0; i < IC__FRAME_SIZES; i++)
        if (ic__frames[i].size == size || ic__frames[i].size == 0) {
            ic__frames[i].size = size;
            return &ic__frames[i];
        }
    return NULL;
}

/* Zero a handler's frame of `size` bytes (16-byte aligned) but for the task header, which
 * aw_task_init sets whole: from the header's last 8-byte boundary on. Up to 16 words (128 bytes)
 * go in straight-line 8-byte stores at constant offsets, entered at the right one (3 instructions
 * a word in the IC's weights, where a memory.fill costs 100 whatever its size), then the bytes of
 * a size that is not a multiple of 8. The empty asm hides the word count from the optimiser,
 * which would otherwise, knowing a handler's frame size, merge the stores back into a
 * memory.fill. */
static void ic__zero_frame(aw_task *task, size_t size)
{
    size_t from = sizeof *task & ~(size_t)7;
    uint8_t *p = (uint8_t *)task + from;
    uint64_t *w = (uint64_t *)(void *)p;
    size -= from;
    size_t n = size / 8;
    __asm__("" : "+r"(n));
    if (n > 16) {
        memset(p, 0, size);
        return;
    }
    if (size & 7) /* rare: a frame of only 4-byte members */
        memset(p + (size & ~(size_t)7), 0, size & 7);
        /* clang-format off */
#define IC__Z(k) case k: w[k - 1] = 0; AW__FALLTHROUGH;
    switch (n) {
    IC__Z(16) IC__Z(15) IC__Z(14) IC__Z(13) IC__Z(12) IC__Z(11) IC__Z(10) IC__Z(9)
    IC__Z(8) IC__Z(7) IC__Z(6) IC__Z(5) IC__Z(4) IC__Z(3) IC__Z(2) IC__Z(1)
    default:
        break;
    }
    /* clang-format on */
#undef IC__Z
}

/* A block for a frame of `size` bytes (NULL when memory runs out): from the free list `*slot`
 * (the handler's, NULL before its first block), else new. */
static ic__frame_block *ic__block_get(size_t size, void **slot)
{
    ic__frame_list *list = *slot;
    ic__frame_block *b;
    if (list && (b = list->free) != NULL) {
        list->free = b->h.next;
        return b;
    }
    if (!(b = malloc(sizeof *b + size)))
        return NULL;
    *slot = b->h.list = ic__frame_list_of(size);
    return b;
}

/* ic__handler_block_free, inline in the done callback. */
static inline __attribute__((always_inline)) void ic__block_free(ic__cc *cc)
{
    ic__frame_block *b = (ic__frame_block *)(void *)((char *)cc - offsetof(ic__frame_block, h.cc));
    ic__frame_list *list = b->h.list;
    if (ic__rt.cc == cc)
        ic__rt.cc = NULL;
    if (cc->arg != cc->small_arg)
        free(cc->arg);
    if (!list) {
        free(b); /* more distinct sizes than lists */
        return;
    }
    b->h.next = list->free;
    list->free = b;
}

void ic__handler_block_free(ic__cc *cc)
{
    ic__block_free(cc);
}

/* A handler finished without answering its call: reject it, or log why that is impossible. Out
 * of line (the formatting needs a stack frame). */
__attribute__((noinline)) static void ic__handler_unanswered(ic__cc *cc, const aw_error *err)
{
    if (ic__rt.ctx == IC_CTX_CLEANUP) {
        /* A callback of this handler trapped: FINALLY ran; the IC answers the caller. */
        ic_printf("asyncwasm: %s: cancelled in the cleanup of a trapped callback", cc->method);
    } else if (ic__rt.cc != cc) {
        /* Finished in another message (woken by a timer or another context's call): the IC
         * routes a reply to the message running now, so this call cannot be answered. */
        ic_printf("asyncwasm: %s: the async handler finished outside its own call context; "
                  "its caller gets the IC's reject",
                  cc->method);
    } else if (err) {
        char text[1536];
        aw_error_format(err, text, sizeof text);
        ic_rejectf("%s: %s", cc->method, text);
    } else {
        ic_rejectf("%s: the async handler finished without replying", cc->method);
    }
}

static void ic__handler_done(aw_task *task, const aw_error *err)
{
    ic__cc *cc = &((ic__frame_block *)(void *)task - 1)->h.cc;
    cc->handler_pending = false;
    if (!cc->replied && !cc->ended)
        ic__handler_unanswered(cc, err);
    if (--cc->refs == 0) /* the last reference frees the block, frame included */
        ic__block_free(cc);
}

/* The message's bytes into the record: inline when small. */
static bool ic__keep_arg(ic__cc *cc)
{
    size_t n = ic0_msg_arg_data_size();
    cc->arg = n <= sizeof cc->small_arg ? cc->small_arg : malloc(n);
    if (!cc->arg)
        return false;
    cc->arg_len = n;
    ic0_msg_arg_data_copy(IC__ADDR(cc->arg), 0, (uint32_t)n);
    return true;
}

void ic__start_handler(ic_context ctx, const char *method, size_t frame_size, aw_step_fn step,
                       ic_types *in, ic_args_fn args, void **frames)
{
    static ic_types no_args = IC_TYPES("()");
    ic__enter_as(ctx, NULL, ctx == IC_CTX_COMPOSITE); /* the record follows */
    ic__frame_block *b = ic__block_get(frame_size, frames);
    if (!b) {
        ic__enter(ctx); /* the entry point's static record answers */
        ic_rejectf("%s: out of memory", method);
        return;
    }
    ic__cc *cc = &b->h.cc;
    cc->method = method; /* cc->arg: ic__keep_arg's */
    cc->refs = 1;
    cc->heap = cc->in_block = true;
    cc->replied = cc->ended = cc->handler_pending = false;
    ic__rt.cc = cc;
    if (!ic__keep_arg(cc)) {
        ic_rejectf("%s: out of memory", method);
        ic__cc_release(cc);
        return;
    }
    aw_task *task = (aw_task *)(void *)(b + 1);
    ic__zero_frame(task, frame_size);
    aw_task_init(task, step);

    /* Decode the arguments before the first step: a malformed message is rejected with the
     * decoder's error and the handler never runs. */
    ic_reader r;
    int rc = ic_reader_begin(&r, in ? in : &no_args, cc->arg, cc->arg_len);
    if (rc == 0 && args)
        rc = args(&r, task);
    if (rc == 0)
        rc = ic__reader_end(&r);
    else
        ic_reader_free(&r);
    if (rc != 0) {
        ic_rejectf("%s: invalid arguments: %s", method, ic_reader_error(&r));
        ic__cc_release(cc);
        return;
    }

    cc->handler_pending = true;
    aw_task_run_cb(task, ic__handler_done);
}
