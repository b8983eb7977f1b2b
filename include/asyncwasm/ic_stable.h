/*
 * ic_stable.h - stable memory: the canister's storage that survives upgrades.
 *
 * Stable memory is a separate byte array of 64 KiB pages (spec CI "Stable memory"), kept across
 * upgrades while wasm memory is dropped. These helpers wrap the 64-bit ic0.stable64_* API with
 * bounds checks (the raw API traps on an access beyond the end) and offer a simple way to keep
 * state across an upgrade: save one blob in canister_pre_upgrade, load it in
 * canister_post_upgrade.
 *
 *     IC_PRE_UPGRADE()  { ic_stable_save(&state, sizeof state); }
 *     IC_POST_UPGRADE() { ic_stable_load_into(&state, sizeof state); }
 *
 * The async forms (ic_stable_read_async / ic_stable_write_async, the seed's readAsync/writeAsync)
 * are in <asyncwasm/ic_async.h>: on the IC a stable memory access completes at once, so their
 * futures are already finished when returned.
 */
#ifndef ASYNCWASM_IC_STABLE_H
#define ASYNCWASM_IC_STABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IC_STABLE_PAGE 65536u

/* Status codes of the stable memory helpers. */
enum {
    IC_STABLE_OK = 0,
    IC_STABLE_E_RANGE = -1, /* offset + size beyond the current size */
    IC_STABLE_E_GROW = -2,  /* the IC refused to grow stable memory (limit or cycles) */
    IC_STABLE_E_EMPTY = -3, /* no saved blob (fresh canister, or never saved) */
    IC_STABLE_E_SIZE = -4,  /* the saved blob has another size than asked for */
    IC_STABLE_E_NOMEM = -5, /* malloc failed */
};

/* Current size in bytes (pages * 64 KiB). */
uint64_t ic_stable_bytes(void);

/* Grow by `pages` pages. Returns the previous size in pages, or -1 when the IC refuses. */
int64_t ic_stable_grow(uint64_t pages);

/* Make sure stable memory holds at least `bytes` bytes, growing it if needed. Returns
 * IC_STABLE_OK or IC_STABLE_E_GROW. */
int ic_stable_ensure(uint64_t bytes);

/* Copy `size` bytes at `offset` into dst. Returns IC_STABLE_OK, or IC_STABLE_E_RANGE (nothing
 * copied) when the range is not inside stable memory. */
int ic_stable_read(void *dst, uint64_t offset, size_t size);

/* Copy `size` bytes from src to `offset`, growing stable memory when the range goes beyond its
 * end. Returns IC_STABLE_OK or IC_STABLE_E_GROW (nothing written). */
int ic_stable_write(uint64_t offset, const void *src, size_t size);

/* Save one blob at offset 0 with a small header (magic, length): the usual pre_upgrade step.
 * Returns IC_STABLE_OK or IC_STABLE_E_GROW. */
int ic_stable_save(const void *data, size_t len);

/* Load the blob saved by ic_stable_save into a fresh malloc'd buffer (*data; free it) of *len
 * bytes. Returns IC_STABLE_OK, IC_STABLE_E_EMPTY, or IC_STABLE_E_NOMEM. */
int ic_stable_load(void **data, size_t *len);

/* Load the saved blob into a buffer of exactly `len` bytes. Returns IC_STABLE_OK,
 * IC_STABLE_E_EMPTY or IC_STABLE_E_SIZE (nothing copied). */
int ic_stable_load_into(void *data, size_t len);

#endif /* ASYNCWASM_IC_STABLE_H */
