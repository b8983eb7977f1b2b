// Module instrumentation: instruction metering, and write tracking for cheap rollback (below).
//
// Instruction metering. The IC charges a canister for every wasm instruction it executes and
// for the System API calls it makes, and stops a message that exceeds its limit. icsim does the
// same by rewriting the module before compiling it: two i64 globals are added (the counter,
// exported as `icsim:instructions`, and the limit, `icsim:limit`), and at the start of every
// straight-line stretch of code (function entry, loop body, if/else arm, the code after a
// block's end or after a conditional branch) the stretch's cost is added to the counter.
// Function entries and loop headers also compare the counter with the limit and execute
// `unreachable` when it is exceeded; the simulator then reports the instruction limit trap.
//
// Costs per instruction follow the IC's current weights (dfinity/ic,
// rs/embedders/src/wasm_utils/instrumentation.rs, `instruction_to_cost`): structure markers
// 0; constants, locals, integer arithmetic and comparisons 1; division and remainder 10;
// globals 2; loads and stores 1 (2 with a 64-bit memory); branches 2; call 5, call_indirect
// 10; float operations 1 to 18; conversions up to 20; memory.grow 300; bulk memory 100. The IC
// also charges bulk memory operations per byte at run time; icsim does not. SIMD and atomic
// instructions cost 1 here (their loads and stores as other loads and stores). The System API
// charges are added by system_api.js.
//
// The decoder below reads the instruction set clang and moc emit: MVP, sign extension,
// saturating conversions, bulk memory, reference types, multi-value, memory64, exceptions,
// tail calls, SIMD and threads' atomics (their immediates only).

import { ModuleError, Reader, concatBytes, leb, parseModule } from './wasm_module.js';

function sleb64(v) {
  const out = [];
  let x = BigInt(v);
  for (;;) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if ((x === 0n && !(b & 0x40)) || (x === -1n && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// Immediates of the one-byte opcodes that have any.
const U32_1 = new Set([0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
  0x08, 0x09, 0x07, 0x18, 0xd2, 0xd4, 0xd6, 0x3f, 0x40]);
const BLOCKS = new Set([0x02, 0x03, 0x04, 0x06]);

// Reads the immediates of the instruction whose opcode `op` was just read.
function skipImmediates(c, op) {
  if (BLOCKS.has(op)) c.blockType();
  else if (U32_1.has(op)) c.skipLeb();
  else if (op === 0x11 || op === 0x13) {
    c.skipLeb();
    c.skipLeb();
  } else if (op === 0x0e) {
    for (let n = c.u32(); n >= 0; n--) c.skipLeb();
  } else if (op === 0x1c) {
    for (let n = c.u32(); n > 0; n--) c.byte();
  } else if (op >= 0x28 && op <= 0x3e) c.memarg();
  else if (op === 0x41 || op === 0x42) c.skipLeb();
  else if (op === 0x43) c.skip(4);
  else if (op === 0x44) c.skip(8);
  else if (op === 0xd0) c.blockType();
  else if (op === 0x1f) {
    c.blockType();
    for (let n = c.u32(); n > 0; n--) {
      const kind = c.byte();
      if (kind <= 1) c.skipLeb();
      c.skipLeb();
    }
  } else if (op === 0xfc) {
    const sub = c.u32();
    if ([8, 12, 14].includes(sub) || sub === 10) {
      c.skipLeb();
      c.skipLeb();
    } else if ([9, 11, 13, 15, 16, 17].includes(sub)) c.skipLeb();
  } else if (op === 0xfd) {
    const sub = c.u32();
    if (sub <= 11 || sub === 92 || sub === 93) c.memarg();
    else if (sub === 12 || sub === 13) c.skip(16);
    else if (sub >= 21 && sub <= 34) c.skip(1);
    else if (sub >= 84 && sub <= 91) {
      c.memarg();
      c.skip(1);
    }
  } else if (op === 0xfe) {
    const sub = c.u32();
    if (sub === 3) c.skip(1);
    else c.memarg();
  } else if (op === 0xfb) throw new ModuleError('icsim cannot meter modules that use GC instructions');
}

// Costs of one-byte opcodes, as [cost, first opcode, last opcode] ranges; anything not listed
// costs 1.
const COST_RANGES = [
  [0, 0x02, 0x03], [2, 0x04, 0x04], [0, 0x05, 0x05], [0, 0x0b, 0x0b], [2, 0x0c, 0x0e], [5, 0x10, 0x10],
  [10, 0x11, 0x11], [3, 0x12, 0x12], [60, 0x13, 0x13], [2, 0x23, 0x24], [5, 0x25, 0x26], [20, 0x3f, 0x3f],
  [300, 0x40, 0x40], [3, 0x5b, 0x66], [10, 0x6d, 0x70], [10, 0x7f, 0x82], [2, 0x8d, 0x90], [5, 0x91, 0x91],
  [2, 0x92, 0x94], [3, 0x95, 0x95], [18, 0x96, 0x97], [2, 0x98, 0x98], [2, 0x9b, 0x9e], [8, 0x9f, 0x9f],
  [2, 0xa0, 0xa2], [5, 0xa3, 0xa3], [18, 0xa4, 0xa5], [3, 0xa6, 0xa6], [20, 0xa8, 0xab], [20, 0xae, 0xb1],
  [3, 0xb2, 0xb2], [16, 0xb3, 0xb3], [3, 0xb4, 0xb4], [16, 0xb5, 0xb5], [3, 0xb7, 0xb7], [16, 0xb8, 0xb8],
  [3, 0xb9, 0xb9], [16, 0xba, 0xba], [5, 0xd1, 0xd1], [130, 0xd2, 0xd2],
  // exception handling markers (try, catch, catch_all, delegate, try_table) cost nothing
  [0, 0x06, 0x07], [0, 0x18, 0x19], [0, 0x1f, 0x1f],
];
const OP_COST = new Uint16Array(256).fill(1);
for (const [cost, from, to] of COST_RANGES) OP_COST.fill(cost, from, to + 1);
// 0xfc sub-opcodes: saturating truncations 20, bulk memory and table operations 100, drops and
// table.grow 300, table.size 100.
const FC_COST = [20, 20, 20, 20, 20, 20, 20, 20, 100, 300, 100, 100, 100, 300, 100, 300, 100, 100];

// The cost of the instruction at `from` (opcode `op`) in a module whose memory is `wide`.
function costOf(bytes, from, op, wide) {
  if (op >= 0x28 && op <= 0x3e) return wide ? 2 : 1;
  if (op === 0xfc) return FC_COST[new Reader(bytes, from + 1).u32()] ?? 1;
  if (op === 0xfd) {
    const sub = new Reader(bytes, from + 1).u32();
    return wide && (sub <= 11 || (sub >= 84 && sub <= 93)) ? 2 : 1;
  }
  return OP_COST[op];
}

// Opcodes after which a new straight-line stretch begins.
const SPLIT_AFTER = new Set([0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x19, 0x18, 0x1f, 0xd4, 0xd6, 0x12, 0x13, 0x15]);

// Write tracking. With `track`, every store and bulk memory write also sets a byte in a second
// memory, the dirty map (one byte per 4 KiB chunk of the canister's memory, exported as
// `icsim:dirty`), so that the simulator can save and restore only the chunks an execution wrote
// instead of copying the whole memory (canister.js). The marks go before the write: a store
// saves its operands in added locals, marks the chunks of its first and last byte, and puts the
// operands back; a bulk operation calls an added helper that marks a whole range.
export const CHUNK_SHIFT = 12;

// Store opcodes: value type and access size.
const STORES = {
  0x36: ['i32', 4], 0x37: ['i64', 8], 0x38: ['f32', 4], 0x39: ['f64', 8], 0x3a: ['i32', 1], 0x3b: ['i32', 2],
  0x3c: ['i64', 1], 0x3d: ['i64', 2], 0x3e: ['i64', 4],
};
// SIMD stores (0xfd sub-opcodes): v128.store and the lane stores.
const SIMD_STORES = { 11: 16, 88: 1, 89: 2, 90: 4, 91: 8 };
// The locals added to each function for the operands, by role (index offsets from the first).
const TEMP = { addr32: 0, i32: 1, n32: 2, addr64: 3, ea: 4, i64: 5, f32: 6, f64: 7, v128: 8 };
const TEMP_DECL = [5, 3, 0x7f, 3, 0x7e, 1, 0x7d, 1, 0x7c, 1, 0x7b]; // 5 groups: 3 i32, 3 i64, f32, f64, v128

/** The error that makes meterModule fall back to a module without write tracking. */
class Untrackable extends Error {}

// Code marking the chunks of [ea, ea + size) where ea (i64) is in local `ea`; 1 <= size <= 16.
function markAccess(t, size) {
  const mark = [0xa7, 0x41, 0x01, 0x3a, 0x40, 0x01, 0x00]; // i32.wrap_i64; i32.const 1; i32.store8 memory 1
  return [
    0x42, CHUNK_SHIFT, 0x88, ...mark, // (ea >> 12) <- 1
    0x20, ...leb(t + TEMP.ea), 0x42, size - 1, 0x7c, 0x42, CHUNK_SHIFT, 0x88, ...mark, // ((ea + size - 1) >> 12) <- 1
  ];
}

// The marking code to put before the instruction `op` read from `c` (already past its
// immediates, which start at `immStart`), or null for an instruction that writes no memory.
function markingCode(bytes, op, immStart, t, wide, helper) {
  const get = (i) => [0x20, ...leb(t + i)];
  const set = (i) => [0x21, ...leb(t + i)];
  const tee = (i) => [0x22, ...leb(t + i)];
  const addr = wide ? TEMP.addr64 : TEMP.addr32;
  const toI64 = wide ? [] : [0xad]; // i64.extend_i32_u
  const store = (type, size, memargAt) => {
    const r = new Reader(bytes, memargAt);
    const align = r.u32();
    if (align & 0x40 && r.u32() !== 0) throw new Untrackable('a store to a second memory');
    const offset = r.u32();
    return {
      before: [...set(TEMP[type]), ...tee(addr), ...toI64, 0x42, ...sleb64(offset), 0x7c, ...tee(TEMP.ea), ...markAccess(t, size)],
      after: [...get(addr), ...get(TEMP[type])],
    };
  };
  if (STORES[op]) return store(STORES[op][0], STORES[op][1], immStart);
  if (op === 0xfd) {
    const r = new Reader(bytes, immStart);
    const sub = r.u32();
    return SIMD_STORES[sub] ? store('v128', SIMD_STORES[sub], r.pos) : null;
  }
  if (op === 0xfe) throw new Untrackable('atomic instructions');
  if (op !== 0xfc) return null;
  const sub = new Reader(bytes, immStart).u32();
  if (sub !== 8 && sub !== 10 && sub !== 11) return null;
  // memory.init (d: I, s: i32, n: i32), memory.copy (d, s, n: I), memory.fill (d: I, v: i32, n: I)
  const nIsI32 = sub === 8 || !wide;
  const n = nIsI32 ? TEMP.n32 : TEMP.i64;
  const second = sub === 10 && wide ? TEMP.ea : TEMP.i32;
  return {
    before: [...set(n), ...set(second), ...tee(addr), ...toI64, ...get(n), ...(nIsI32 ? [0xad] : []), 0x10, ...leb(helper)],
    after: [...get(addr), ...get(second), ...get(n)],
  };
}

// The helper (d: i64, n: i64) -> () marking the chunks of [d, d + n), as a function body.
function markRangeBody() {
  const P = 2; // local i32: current chunk
  const L = 3; // local i32: last chunk
  return Uint8Array.from([
    1, 2, 0x7f, // locals: 2 i32
    0x20, 1, 0x50, 0x04, 0x40, 0x0f, 0x0b, // if n == 0 return
    0x20, 0, 0x42, CHUNK_SHIFT, 0x88, 0xa7, 0x21, P,
    0x20, 0, 0x20, 1, 0x7c, 0x42, 1, 0x7d, 0x42, CHUNK_SHIFT, 0x88, 0xa7, 0x21, L,
    0x03, 0x40, // loop
    0x20, P, 0x41, 1, 0x3a, 0x40, 0x01, 0x00, // dirty[p] = 1
    0x20, P, 0x41, 1, 0x6a, 0x22, P, 0x20, L, 0x4d, 0x0d, 0, // p += 1; br_if p <= last
    0x0b, 0x0b,
  ]);
}

function meterBody(bytes, start, end, counter, limit, wide, track) {
  const c = new Reader(bytes, start, end);
  const groups = c.u32();
  let temps = 0;
  const declStart = c.pos;
  for (let n = groups; n > 0; n--) {
    temps += c.u32();
    c.byte();
  }
  const out = track
    ? [Uint8Array.from([...leb(groups + TEMP_DECL[0]), ...bytes.subarray(declStart, c.pos), ...TEMP_DECL.slice(1)])]
    : [bytes.subarray(start, c.pos)];
  const t = track ? track.params + temps : 0;
  const charge = (count) => [0x23, ...leb(counter), 0x42, ...sleb64(count), 0x7c, 0x24, ...leb(counter)];
  const check = [0x23, ...leb(counter), 0x23, ...leb(limit), 0x56, 0x04, 0x40, 0x00, 0x0b];
  let segment = { at: out.length, count: 0 };
  out.push(null);
  out.push(Uint8Array.from(check));
  let depth = 0;
  while (c.pos < end) {
    const from = c.pos;
    const op = c.byte();
    skipImmediates(c, op);
    const marks = track ? markingCode(bytes, op, from + 1, t, wide, track.helper) : null;
    if (marks) out.push(Uint8Array.from(marks.before), Uint8Array.from(marks.after));
    out.push(bytes.subarray(from, c.pos));
    segment.count += costOf(bytes, from, op, wide);
    if (BLOCKS.has(op) || op === 0x1f) depth++;
    if (op === 0x0b) {
      if (depth === 0) break; // the function's own end
      depth--;
    }
    if (SPLIT_AFTER.has(op)) {
      out[segment.at] = segment.count ? Uint8Array.from(charge(segment.count)) : new Uint8Array(0);
      segment = { at: out.length, count: 0 };
      out.push(null);
      if (op === 0x03) out.push(Uint8Array.from(check));
    }
  }
  out[segment.at] = segment.count ? Uint8Array.from(charge(segment.count)) : new Uint8Array(0);
  return concatBytes(out);
}

/**
 * Returns `{ bytes, counter, limit, dirty }`: a metered copy of the wasm binary `input` (see the
 * file comment), the indices of the two globals added, and the index of the dirty map memory
 * (null when writes are not tracked: with `track` false, a module without exactly one memory of
 * its own, or one using atomics or a second memory). Throws ModuleError for code it cannot read.
 */
export function meterModule(input, { track = true } = {}) {
  const m = parseModule(input);
  const trackable = track && m.memories.length === 1 && !m.imports.some((i) => i.kind === 2);
  if (trackable) {
    try {
      return rewrite(m, true);
    } catch (e) {
      if (!(e instanceof Untrackable)) throw e;
    }
  }
  return rewrite(m, false);
}

function rewrite(m, track) {
  const b = m.bytes;
  const wide = m.ptr === 'i64';
  const counter = m.importedGlobals + m.globals.length;
  const limit = counter + 1;
  const helper = m.funcTypes.length; // appended after every function: no index changes
  const helperType = m.types.length;
  // Bitmap size: one byte per chunk of the largest memory the canister may have (wasm32: 4 GiB;
  // wasm64: its declared maximum, at most 16 GiB, more than a JavaScript engine gives a memory).
  const maxBytes = wide ? Math.min(m.memories[0].max ?? 262144, 262144) * 65536 : 4 * 1024 * 1024 * 1024;
  const dirtyPages = Math.max(1, Math.ceil(maxBytes / 2 ** CHUNK_SHIFT / 65536));
  // Entries appended to vector sections: [section id, count, bytes].
  const appended = new Map([[6, [2, [0x7e, 0x01, 0x42, 0x00, 0x0b, 0x7e, 0x01, 0x42, ...sleb64((1n << 63n) - 1n), 0x0b]]]]);
  if (track) {
    appended.set(1, [1, [0x60, 2, 0x7e, 0x7e, 0]]);
    appended.set(3, [1, leb(helperType)]);
    appended.set(5, [1, [0x00, ...leb(dirtyPages)]]);
  }
  const parts = [b.subarray(0, 8)];
  const section = (id, payload) => Uint8Array.from([id, ...leb(payload.length), ...payload]);
  const extend = (id, existing) => {
    const [count, extra] = appended.get(id);
    appended.delete(id);
    if (!existing) return parts.push(section(id, [...leb(count), ...extra]));
    const cur = new Reader(b, existing.payload, existing.end);
    const n = cur.u32();
    return parts.push(section(id, [...leb(n + count), ...b.subarray(cur.pos, existing.end), ...extra]));
  };
  const order = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };
  const pending = () => [...appended.keys()].sort((x, y) => order[x] - order[y]);
  for (const s of m.sections) {
    for (const id of pending()) if (s.id !== 0 && order[s.id] > order[id]) extend(id, null);
    if (appended.has(s.id)) extend(s.id, s);
    else if (s.id === 10) {
      const cur = new Reader(b, s.payload, s.end);
      const n = cur.u32();
      const bodies = [];
      for (let i = 0; i < n; i++) {
        const size = cur.u32();
        const type = m.types[m.funcTypes[m.funcImports + i]];
        const t = track ? { params: type.params.length, helper } : null;
        const body = meterBody(b, cur.pos, cur.pos + size, counter, limit, wide, t);
        cur.pos += size;
        bodies.push(Uint8Array.from(leb(body.length)), body);
      }
      if (track) {
        const body = markRangeBody();
        bodies.push(Uint8Array.from(leb(body.length)), body);
      }
      const payload = concatBytes([Uint8Array.from(leb(n + (track ? 1 : 0))), ...bodies]);
      parts.push(Uint8Array.from([10, ...leb(payload.length)]), payload);
    } else parts.push(b.subarray(s.start, s.end));
  }
  for (const id of pending()) extend(id, null);
  return { bytes: concatBytes(parts), counter, limit, dirty: track ? m.memories.length : null };
}
