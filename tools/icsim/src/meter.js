// Instruction metering. The IC charges a canister for every wasm instruction it executes and
// for the System API calls it makes, and stops a message that exceeds its limit. icsim does the
// same by rewriting the module before compiling it: two i64 globals are added (the counter,
// exported as `icsim:instructions`, and the limit, `icsim:limit`), and at the start of every
// straight-line stretch of code (function entry, loop body, if/else arm, the code after a
// block's end or after a conditional branch) the stretch's instruction count is added to the
// counter. Function entries and loop headers also compare the counter with the limit and execute
// `unreachable` when it is exceeded; the simulator then reports the instruction limit trap.
// Each instruction costs 1 (structure markers block/loop/end/else cost 0), like the IC's base
// metering; the System API charges are added by system_api.js.
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

// Opcodes after which a new straight-line stretch begins.
const SPLIT_AFTER = new Set([0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x19, 0x18, 0x1f, 0xd4, 0xd6, 0x12, 0x13, 0x15]);
const FREE = new Set([0x02, 0x03, 0x05, 0x0b, 0x01, 0x06, 0x07, 0x19, 0x18, 0x1f]);

function meterBody(bytes, start, end, counter, limit) {
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
    if (!FREE.has(op)) segment.count++;
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
        const body = meterBody(b, cur.pos, cur.pos + size, counter, limit);
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
