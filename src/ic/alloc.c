/*
 * alloc.c - the canister's memory allocator: malloc, free, calloc, realloc, aligned_alloc and
 * posix_memalign for canisters, in place of wasi-libc's dlmalloc (about 10 KB of code).
 *
 * The model. A canister's wasm memory only grows (the IC has no way to give pages back), and a
 * canister keeps few distinct object sizes alive: call records, frames, messages. So a block's
 * size is a power of two from 32 bytes to 2 GiB (its class), and a freed block goes on the free
 * list of its class, where the next request of the same class takes it back. Blocks are carved
 * from the end of the heap (from `__heap_base`), growing the memory with memory.grow when it runs
 * out. Every operation is a few instructions; the price is up to half of a block unused, and
 * memory freed in one class is never reused for another.
 *
 * Each block starts with a 16-byte header (so that payloads keep the 16-byte alignment of
 * max_align_t on wasm32): the class, and the distance from the block's start to the payload, which
 * is 16 except for over-aligned payloads (aligned_alloc). Allocation failure - no class large
 * enough, or memory.grow refused by the IC - returns NULL with errno ENOMEM, as C requires.
 *
 * The module is part of libasyncwasm-ic.a: the linker takes these definitions before it searches
 * libc.a, so dlmalloc is never linked into a canister.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IC__ALLOC_HEADER    16u
#define IC__ALLOC_MIN_CLASS 5u  /* 32-byte blocks */
#define IC__ALLOC_MAX_CLASS 31u /* 2 GiB blocks */
#define IC__PAGE            65536u

typedef struct ic__block {
    uint32_t cls;           /* log2 of the block's size */
    uint32_t offset;        /* from the block's start to the payload */
    struct ic__block *next; /* in the free list of its class, while free */
} ic__block;

extern unsigned char __heap_base;

static ic__block *ic__free_blocks[IC__ALLOC_MAX_CLASS + 1];
/* The unused part of the heap, [next, end). 64-bit: a memory of 4 GiB ends at 2^32, which a
 * wasm32 pointer cannot hold. */
static uint64_t ic__heap_next, ic__heap_end;

/* The class of a block holding `size` payload bytes behind a header, or 0 when too large. */
static uint32_t ic__class_of(size_t size)
{
    if (size > ((size_t)1 << IC__ALLOC_MAX_CLASS) - IC__ALLOC_HEADER)
        return 0;
    uint32_t total = (uint32_t)size + IC__ALLOC_HEADER - 1;
    uint32_t cls = 32u - (uint32_t)__builtin_clz(total | 1u);
    return cls < IC__ALLOC_MIN_CLASS ? IC__ALLOC_MIN_CLASS : cls;
}

/* A new block of class `cls` from the end of the heap, growing the memory as needed. */
static ic__block *ic__carve(uint32_t cls)
{
    uint64_t size = (uint64_t)1 << cls;
    if (!ic__heap_next) {
        ic__heap_next = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
        ic__heap_end = (uint64_t)__builtin_wasm_memory_size(0) * IC__PAGE;
    }
    if (ic__heap_end - ic__heap_next < size) {
        uint64_t pages = (size - (ic__heap_end - ic__heap_next) + IC__PAGE - 1) / IC__PAGE;
        if (pages > 65536u || __builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1)
            return NULL;
        ic__heap_end += pages * IC__PAGE;
    }
    ic__block *b = (ic__block *)(uintptr_t)ic__heap_next;
    ic__heap_next += size;
    b->cls = cls;
    return b;
}

/* A block of class `cls`: a freed one, else a new one; NULL when memory is exhausted. */
static ic__block *ic__take(uint32_t cls)
{
    ic__block *b = ic__free_blocks[cls];
    if (b) {
        ic__free_blocks[cls] = b->next;
        return b;
    }
    return ic__carve(cls);
}

static ic__block *ic__block_of(void *p)
{
    uint32_t offset = ((uint32_t *)p)[-3]; /* the header's `offset`, just before the payload */
    return (ic__block *)(void *)((char *)p - offset);
}

/* Allocate `size` bytes aligned to 16; NULL with errno ENOMEM when memory is exhausted. */
void *malloc(size_t size)
{
    uint32_t cls = ic__class_of(size);
    ic__block *b = cls ? ic__take(cls) : NULL;
    if (!b) {
        errno = ENOMEM;
        return NULL;
    }
    b->offset = IC__ALLOC_HEADER;
    return (char *)b + IC__ALLOC_HEADER;
}

/* Give a block back to the free list of its class. NULL is ignored. */
void free(void *p)
{
    if (!p)
        return;
    ic__block *b = ic__block_of(p);
    b->next = ic__free_blocks[b->cls];
    ic__free_blocks[b->cls] = b;
}

/* `n` zeroed elements of `size` bytes; NULL (errno ENOMEM) on overflow or exhaustion. */
void *calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

/* Resize: the same block while the new size still fits its class, else a new block with the
 * contents copied. NULL (errno ENOMEM, the old block untouched) when memory is exhausted. */
void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    ic__block *b = ic__block_of(p);
    size_t room = ((size_t)1 << b->cls) - b->offset;
    if (size <= room)
        return p;
    void *q = malloc(size);
    if (q) {
        memcpy(q, p, room);
        free(p);
    }
    return q;
}

/* `size` bytes aligned to `align` (a power of two): NULL with errno EINVAL for another alignment,
 * ENOMEM when memory is exhausted. */
void *aligned_alloc(size_t align, size_t size)
{
    if (align & (align - 1)) {
        errno = EINVAL;
        return NULL;
    }
    if (align <= IC__ALLOC_HEADER)
        return malloc(size);
    uint32_t cls = size <= SIZE_MAX - align ? ic__class_of(size + align) : 0;
    ic__block *b = cls ? ic__take(cls) : NULL;
    if (!b) {
        errno = ENOMEM;
        return NULL;
    }
    uintptr_t payload = ((uintptr_t)b + IC__ALLOC_HEADER + align - 1) & ~(uintptr_t)(align - 1);
    ((uint32_t *)payload)[-3] = (uint32_t)(payload - (uintptr_t)b); /* found by free */
    b->offset = (uint32_t)(payload - (uintptr_t)b);
    return (void *)payload;
}

/* POSIX form of aligned_alloc: 0, EINVAL (not a power-of-two multiple of sizeof(void *)) or
 * ENOMEM; *out is set only on success. */
int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = aligned_alloc(align, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}
