/*
 * stable.c - bounds-checked stable memory and the save/load of one blob across upgrades
 * (<asyncwasm/ic_stable.h>), over the 64-bit ic0.stable64_* imports.
 *
 * The saved blob's layout at offset 0: 8 bytes magic "AWSTABLE", 8 bytes little-endian length,
 * then the bytes. A fresh canister has no stable memory, hence no magic: IC_STABLE_E_EMPTY.
 */
#include <stdlib.h>
#include <string.h>

#include "asyncwasm/ic_stable.h"
#include "internal.h"

static const char ic__stable_magic[8] = {'A', 'W', 'S', 'T', 'A', 'B', 'L', 'E'};

uint64_t ic_stable_bytes(void)
{
    return ic0_stable64_size() * IC_STABLE_PAGE;
}

int64_t ic_stable_grow(uint64_t pages)
{
    return ic0_stable64_grow(pages);
}

int ic_stable_ensure(uint64_t bytes)
{
    uint64_t have = ic_stable_bytes();
    if (bytes <= have)
        return IC_STABLE_OK;
    uint64_t pages = (bytes - have + IC_STABLE_PAGE - 1) / IC_STABLE_PAGE;
    return ic0_stable64_grow(pages) < 0 ? IC_STABLE_E_GROW : IC_STABLE_OK;
}

int ic_stable_read(void *dst, uint64_t offset, size_t size)
{
    uint64_t have = ic_stable_bytes();
    if (offset > have || size > have - offset)
        return IC_STABLE_E_RANGE;
    ic0_stable64_read((uint64_t)(uintptr_t)dst, offset, size);
    return IC_STABLE_OK;
}

int ic_stable_write(uint64_t offset, const void *src, size_t size)
{
    if (offset + size < offset || ic_stable_ensure(offset + size) != IC_STABLE_OK)
        return IC_STABLE_E_GROW;
    ic0_stable64_write(offset, (uint64_t)(uintptr_t)src, size);
    return IC_STABLE_OK;
}

int ic_stable_save(const void *data, size_t len)
{
    uint8_t head[16];
    uint64_t n = len;
    memcpy(head, ic__stable_magic, 8);
    memcpy(head + 8, &n, 8); /* wasm32 is little-endian */
    if (ic_stable_ensure(16 + (uint64_t)len) != IC_STABLE_OK)
        return IC_STABLE_E_GROW;
    ic0_stable64_write(0, (uint64_t)(uintptr_t)head, 16);
    ic0_stable64_write(16, (uint64_t)(uintptr_t)data, len);
    return IC_STABLE_OK;
}

/* The saved blob's length, or -1 when there is none. */
static int64_t ic__stable_saved_len(void)
{
    uint8_t head[16];
    uint64_t n;
    if (ic_stable_read(head, 0, 16) != IC_STABLE_OK || memcmp(head, ic__stable_magic, 8) != 0)
        return -1;
    memcpy(&n, head + 8, 8);
    if (n > ic_stable_bytes() - 16)
        return -1;
    return (int64_t)n;
}

int ic_stable_load(void **data, size_t *len)
{
    int64_t n = ic__stable_saved_len();
    if (n < 0)
        return IC_STABLE_E_EMPTY;
    void *buf = malloc(n ? (size_t)n : 1);
    if (!buf)
        return IC_STABLE_E_NOMEM;
    ic0_stable64_read((uint64_t)(uintptr_t)buf, 16, (uint64_t)n);
    *data = buf;
    *len = (size_t)n;
    return IC_STABLE_OK;
}

int ic_stable_load_into(void *data, size_t len)
{
    int64_t n = ic__stable_saved_len();
    if (n < 0)
        return IC_STABLE_E_EMPTY;
    if ((uint64_t)n != len)
        return IC_STABLE_E_SIZE;
    ic0_stable64_read((uint64_t)(uintptr_t)data, 16, len);
    return IC_STABLE_OK;
}
