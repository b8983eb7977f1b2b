/*
 * channel.c - bounded FIFO channels between tasks.
 *
 * A channel has a ring buffer of `capacity` elements and two queues of pending futures: senders
 * (each entry keeps a copy of the element it wants to deliver) and receivers. At most one of the
 * queues is non-empty. A send first hands its element to the oldest pending receiver, else
 * buffers it, else waits; a receive first takes the oldest buffered element (letting the oldest
 * pending sender refill the buffer), else takes directly from the oldest pending sender, else
 * waits. Futures cancelled while queued stay in the queue and are skipped when reached.
 */
#include <string.h>

#include "internal.h"

/* A growable ring of fixed-size entries: a future pointer followed by `extra` bytes. */
typedef struct aw__ring {
    unsigned char *items;
    size_t entry, head, len, cap;
} aw__ring;

struct aw_channel {
    size_t elem_size, capacity;
    unsigned char *buf; /* capacity elements */
    size_t head, len;
    aw__ring senders, receivers;
    int closed;
};

static inline unsigned char *aw__ring_at(aw__ring *r, size_t i)
{
    return r->items + ((r->head + i) % r->cap) * r->entry;
}

static int aw__ring_push(aw__ring *r, aw_future *fut, const void *extra)
{
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        unsigned char *items = aw__malloc(cap * r->entry);
        if (!items)
            return AW_ERR_NOMEM;
        for (size_t i = 0; i < r->len; i++)
            memcpy(items + i * r->entry, aw__ring_at(r, i), r->entry);
        aw__mfree(r->items);
        r->items = items;
        r->cap = cap;
        r->head = 0;
    }
    unsigned char *e = aw__ring_at(r, r->len++);
    memcpy(e, &fut, sizeof fut);
    if (r->entry > sizeof fut)
        memcpy(e + sizeof fut, extra, r->entry - sizeof fut);
    return AW_OK;
}

/* Queue the pending `fut` (the ring takes its own reference) and return it; on allocation failure
 * drop it and return NULL. */
static aw_future *aw__enqueue(aw__ring *r, aw_future *fut, const void *extra)
{
    if (aw__ring_push(r, aw_future_retain(fut), extra) == AW_OK)
        return fut;
    aw_future_release(fut);
    aw_future_release(fut);
    return NULL;
}

/* Pop the oldest entry whose future is still pending (dropping cancelled ones); its element, if
 * any, is copied to `extra`. Returns the future (the ring's reference moves to the caller), or
 * NULL when none is left. */
static aw_future *aw__ring_pop_live(aw__ring *r, void *extra)
{
    while (r->len) {
        unsigned char *e = aw__ring_at(r, 0);
        aw_future *fut;
        memcpy(&fut, e, sizeof fut);
        r->head = (r->head + 1) % r->cap;
        r->len--;
        if (fut->state == AW_FUTURE_PENDING) {
            if (extra && r->entry > sizeof fut)
                memcpy(extra, e + sizeof fut, r->entry - sizeof fut);
            return fut;
        }
        aw_future_release(fut);
    }
    return NULL;
}

aw_channel *aw_channel_new(size_t elem_size, size_t capacity)
{
    if (elem_size == 0 || elem_size > UINT32_MAX || capacity > SIZE_MAX / elem_size)
        return NULL;
    aw_channel *ch = aw__malloc(sizeof *ch);
    if (!ch)
        return NULL;
    memset(ch, 0, sizeof *ch);
    ch->elem_size = elem_size;
    ch->capacity = capacity;
    if (capacity) {
        ch->buf = aw__malloc(capacity * elem_size);
        if (!ch->buf) {
            aw__mfree(ch);
            return NULL;
        }
    }
    ch->senders.entry = sizeof(aw_future *) + elem_size;
    ch->receivers.entry = sizeof(aw_future *);
    return ch;
}

static aw_future *aw__closed_future(void)
{
    return aw_future_failed(aw_error_new(AW_E_CHANNEL_CLOSED, 0, "channel closed"));
}

aw_future *(aw_channel_send)(aw_channel *ch, const void *elem)
{
    if (!ch || !elem)
        return aw_future_failed(aw_error_new(AW_E_STATE, 0, "send on a NULL channel or element"));
    if (ch->closed)
        return aw__closed_future();
    aw_future *rx = aw__ring_pop_live(&ch->receivers, NULL);
    if (rx) {
        aw_future_complete(rx, elem, ch->elem_size);
        aw_future_release(rx);
        return aw_future_completed(NULL, 0);
    }
    if (ch->len < ch->capacity) {
        memcpy(ch->buf + ((ch->head + ch->len) % ch->capacity) * ch->elem_size, elem,
               ch->elem_size);
        ch->len++;
        return aw_future_completed(NULL, 0);
    }
    aw_future *fut = (aw_future_new)(0);
    return fut ? aw__enqueue(&ch->senders, fut, elem) : NULL;
}

aw_future *(aw_channel_recv)(aw_channel *ch)
{
    if (!ch)
        return aw_future_failed(aw_error_new(AW_E_STATE, 0, "receive on a NULL channel"));
    aw_future *fut = (aw_future_new)(ch->elem_size);
    if (!fut)
        return NULL;
    unsigned char *value = AW__FUT_VALUE(fut);
    if (ch->len) {
        memcpy(value, ch->buf + ch->head * ch->elem_size, ch->elem_size);
        ch->head = (ch->head + 1) % ch->capacity;
        ch->len--;
        /* A waiting sender can now put its element into the freed slot. */
        aw_future *tx = aw__ring_pop_live(
            &ch->senders, ch->buf + ((ch->head + ch->len) % ch->capacity) * ch->elem_size);
        if (tx) {
            ch->len++;
            aw_future_complete(tx, NULL, 0);
            aw_future_release(tx);
        }
        aw__future_settle(fut, AW_FUTURE_COMPLETED, NULL);
        return fut;
    }
    aw_future *tx = aw__ring_pop_live(&ch->senders, value);
    if (tx) {
        aw_future_complete(tx, NULL, 0);
        aw_future_release(tx);
        aw__future_settle(fut, AW_FUTURE_COMPLETED, NULL);
        return fut;
    }
    if (ch->closed) {
        aw__future_settle(fut, AW_FUTURE_FAILED,
                          aw_error_new(AW_E_CHANNEL_CLOSED, 0, "channel closed"));
        return fut;
    }
    return aw__enqueue(&ch->receivers, fut, NULL);
}

/* Fail every pending future of a ring with the channel-closed error and empty it. */
static void aw__ring_fail_all(aw__ring *r)
{
    aw_future *fut;
    while ((fut = aw__ring_pop_live(r, NULL)) != NULL) {
        aw_future_fail(fut, aw_error_new(AW_E_CHANNEL_CLOSED, 0, "channel closed"));
        aw_future_release(fut);
    }
}

int aw_channel_close(aw_channel *ch)
{
    if (!ch)
        return AW_ERR_INVALID;
    if (ch->closed)
        return AW_ERR_STATE;
    ch->closed = 1;
    aw__ring_fail_all(&ch->receivers);
    aw__ring_fail_all(&ch->senders);
    return AW_OK;
}

size_t aw_channel_len(const aw_channel *ch)
{
    return ch ? ch->len : 0;
}

void aw_channel_free(aw_channel *ch)
{
    if (!ch)
        return;
    if (!ch->closed)
        aw_channel_close(ch);
    aw__mfree(ch->senders.items);
    aw__mfree(ch->receivers.items);
    aw__mfree(ch->buf);
    aw__mfree(ch);
}
