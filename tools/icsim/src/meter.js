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

function meterBody(bytes, start, end, counter, limit, wide) {
  const c = new Reader(bytes, start, end);
  for (let n = c.u32(); n > 0; n--) {
    c.skipLeb();
    c.byte();
  }
  const out = [bytes.subarray(start, c.pos)];
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
 * Returns `{ bytes, counter, limit }`: a metered copy of the wasm binary `input` (see the file
 * comment) and the indices of the two globals added. Throws ModuleError for code it cannot read.
 */
export function meterModule(input) {
  const m = parseModule(input);
  const b = m.bytes;
  const counter = m.importedGlobals + m.globals.length;
  const limit = counter + 1;
  const newGlobals = [0x7e, 0x01, 0x42, 0x00, 0x0b, 0x7e, 0x01, 0x42, ...sleb64((1n << 63n) - 1n), 0x0b];
  const parts = [b.subarray(0, 8)];
  const section = (id, payload) => Uint8Array.from([id, ...leb(payload.length), ...payload]);
  let globalsDone = false;
  const addGlobals = (existing) => {
    let payload;
    if (existing) {
      const cur = new Reader(b, existing.payload, existing.end);
      const n = cur.u32();
      payload = [...leb(n + 2), ...b.subarray(cur.pos, existing.end), ...newGlobals];
    } else payload = [...leb(2), ...newGlobals];
    parts.push(section(6, payload));
    globalsDone = true;
  };
  const order = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };
  for (const s of m.sections) {
    if (!globalsDone && s.id !== 0 && order[s.id] > order[6]) addGlobals(null);
    if (s.id === 6) addGlobals(s);
    else if (s.id === 10) {
      const cur = new Reader(b, s.payload, s.end);
      const n = cur.u32();
      const bodies = [];
      let total = leb(n).length;
      for (let i = 0; i < n; i++) {
        const size = cur.u32();
        const body = meterBody(b, cur.pos, cur.pos + size, counter, limit, m.ptr === 'i64');
        cur.pos += size;
        const head = Uint8Array.from(leb(body.length));
        bodies.push(head, body);
        total += head.length + body.length;
      }
      const head = Uint8Array.from([10, ...leb(total), ...leb(n)]);
      parts.push(head, ...bodies);
    } else parts.push(b.subarray(s.start, s.end));
  }
  if (!globalsDone) addGlobals(null);
  return { bytes: concatBytes(parts), counter, limit };
}
