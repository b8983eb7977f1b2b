// `make bench-ic-profile`: where the pub-sub caller's wasm instructions go, by function and by
// straight-line stretch.
//
// The subscriber is built a second time with its function names kept (build/ic/prof/, the same
// code as build/ic/subscriber.wasm: only the name section differs). This script meters it with
// icsim's own instrumentation (meter.js: the cost of every straight-line stretch is added to one
// counter), then adds to each of those charges a second one, to a counter of its own (one i64
// global per stretch; icsim takes at most 1,000 globals, so a first run counts per function and a
// second per stretch in the functions that ran). The module runs in an icsim without metering of
// its own, so the counters hold exactly icsim's wasm instruction count, split by where it was
// spent (a function's callees count for themselves). The steady-state setup_subscribe call is
// measured as in bench.mjs; the system-API charges are the difference from the metered run's
// total. Usage: profile.mjs [module [N]] prints the functions, then the N costliest stretches with
// their offsets in the module (to read next to `wasm-objdump -d`). Prints figures; asserts only
// that the counters add up to the metered wasm total.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { IcSim } from '../../tools/icsim/src/index.js';
import { meterModule } from '../../tools/icsim/src/meter.js';
import { Reader, concatBytes, leb, parseModule } from '../../tools/icsim/src/wasm_module.js';

const REPO = join(import.meta.dirname, '..', '..');
const enc = (types, vals) => new Uint8Array(IDL.encode(types, vals));

// Function names from the `name` custom section (subsection 1), by function index.
function functionNames(m) {
  const names = new Map();
  for (const s of m.sections) {
    if (s.id !== 0) continue;
    const r = new Reader(m.bytes, s.payload, s.end);
    if (r.name() !== 'name') continue;
    while (r.pos < s.end) {
      const id = r.byte();
      const end = r.u32() + r.pos;
      if (id === 1) for (let n = r.u32(); n > 0; n--) names.set(r.u32(), r.name());
      r.pos = end;
    }
  }
  return names;
}

const sleb = (v) => {
  const out = [];
  for (let x = BigInt(v); ; ) {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    if ((x === 0n && !(b & 0x40)) || (x === -1n && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};

// Reads a signed LEB128 at r (an i64.const immediate).
function readSleb(r) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = r.byte();
    result |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (!(b & 0x80)) return b & 0x40 ? result - (1n << shift) : result;
  }
}

// The metered module `bytes` (counter global `counter`, limit `limit`) with one more i64 global
// per metered stretch, charged alongside the counter. Returns { bytes, first, stretches }: the
// index of the first added global and, per stretch, { func, at, cost } (its defined-function
// index, the offset in the original module of its first instruction, its cost), stretch k's
// global being first + k. Offsets are recovered by discounting the metering code meter.js
// inserted (the charges and the limit checks).
function addStretchCounters(bytes, counter, limit, originalCodeStart, wanted) {
  const m = parseModule(bytes);
  const first = m.importedGlobals + m.globals.length;
  const charge = [0x23, ...leb(counter), 0x42];
  const tail = [0x7c, 0x24, ...leb(counter)];
  const check = [0x23, ...leb(counter), 0x23, ...leb(limit), 0x56, 0x04, 0x40, 0x00, 0x0b];
  const matches = (b, at, seq) => seq.every((x, k) => b[at + k] === x);
  const stretches = [];
  const slot = new Map();
  const bodies = [];
  let nbodies = 0;
  const orig = new Reader(original, originalCodeStart);
  orig.u32();
  for (const s of m.sections) {
    if (s.id !== 10) continue;
    const r = new Reader(bytes, s.payload, s.end);
    nbodies = r.u32();
    for (let i = 0; i < nbodies; i++) {
      const size = r.u32();
      const end = r.pos + size;
      const osize = orig.u32();
      const obody = orig.pos;
      orig.pos += osize;
      const out = [];
      let from = r.pos;
      let inserted = 0;
      for (let p = r.pos; p < end; p++) {
        if (matches(bytes, p, check)) {
          inserted += check.length;
          p += check.length - 1;
          continue;
        }
        if (!matches(bytes, p, charge)) continue;
        const k = new Reader(bytes, p + charge.length, end);
        const cost = readSleb(k);
        if (!matches(bytes, k.pos, tail)) continue;
        const after = k.pos + tail.length;
        inserted += after - p;
        // one counter per stretch of a wanted function, one for all the others of a function
        const at = obody + (after - r.pos) - inserted;
        const key = wanted(i) ? at : -1 - i;
        let idx = slot.get(key);
        if (idx === undefined) {
          slot.set(key, (idx = stretches.length));
          stretches.push({ func: i, at: key >= 0 ? at : null, cost });
        }
        const g = leb(first + idx);
        out.push(bytes.subarray(from, after), Uint8Array.from([0x23, ...g, 0x42, ...sleb(cost), 0x7c, 0x24, ...g]));
        from = after;
        p = after - 1;
      }
      out.push(bytes.subarray(from, end));
      const body = concatBytes(out);
      bodies.push(Uint8Array.from(leb(body.length)), body);
      r.pos = end;
    }
  }
  const parts = [bytes.subarray(0, 8)];
  for (const s of m.sections) {
    if (s.id === 6) {
      const r = new Reader(bytes, s.payload, s.end);
      const n = r.u32();
      const added = [];
      for (let i = 0; i < stretches.length; i++) added.push(0x7e, 0x01, 0x42, 0x00, 0x0b);
      const payload = [...leb(n + stretches.length), ...bytes.subarray(r.pos, s.end), ...added];
      parts.push(Uint8Array.from([6, ...leb(payload.length), ...payload]));
    } else if (s.id === 10) {
      const payload = concatBytes([Uint8Array.from(leb(nbodies)), ...bodies]);
      parts.push(Uint8Array.from([10, ...leb(payload.length)]), payload);
    } else parts.push(bytes.subarray(s.start, s.end));
  }
  return { bytes: concatBytes(parts), first, stretches };
}

const wasmPath = process.argv[2] || join(REPO, 'build/ic/prof/subscriber.wasm');
const showStretches = Number(process.argv[3] || 0);
const original = new Uint8Array(readFileSync(wasmPath));
const info = parseModule(original);
const names = functionNames(info);
const metered = meterModule(original, { track: false });
const codeStart = info.sections.find((s) => s.id === 10).payload;
const instrument = (wanted) => addStretchCounters(metered.bytes, metered.counter, metered.limit, codeStart, wanted);

// The same scenario as bench.mjs: a warm-up call, then the measured steady-state call.
async function run(sim, subscriberWasm, onSteady) {
  const install = (wasm) => {
    const id = sim.createCanister();
    sim.installCode(id, wasm, enc([], []));
    return id;
  };
  const pub = install(readFileSync(join(REPO, 'build/ic/publisher.wasm')));
  const sub = install(subscriberWasm);
  const call = async (topic) => {
    const r = await sim.updateCall(sub, 'setup_subscribe', enc([IDL.Principal, IDL.Text], [Principal.fromUint8Array(pub), topic]));
    if (r.status !== 'replied') throw new Error(`setup_subscribe rejected: ${r.rejectMessage}`);
    return r;
  };
  await call('Warmup');
  const before = onSteady(sim.canister(sub));
  const r = await call('Apples');
  return { r, before, after: onSteady(sim.canister(sub)) };
}

const total = (await run(new IcSim({ seed: 1 }), original, () => null)).r.instructions;
// icsim accepts at most 1,000 globals: a first run counts by function, the second by stretch in
// the functions that ran.
async function profile(profiled) {
  const read = (c) => {
    const ex = c.instance.exports;
    return { counter: ex[`icsim:g${metered.counter}`].value, v: profiled.stretches.map((_, k) => ex[`icsim:g${profiled.first + k}`].value) };
  };
  return run(new IcSim({ seed: 1, metering: false }), profiled.bytes, read);
}
const byFunction = instrument(() => false);
const p1 = await profile(byFunction);
const ran = new Set(byFunction.stretches.filter((_, k) => p1.after.v[k] !== p1.before.v[k]).map((st) => st.func));
const profiled = instrument((f) => ran.has(f));
const p = await profile(profiled);
const wasmTotal = p.after.counter - p.before.counter;
const fname = (i) => names.get(info.funcImports + i) ?? `func ${info.funcImports + i}`;
const byFunc = new Map();
const hot = [];
profiled.stretches.forEach((st, k) => {
  const d = p.after.v[k] - p.before.v[k];
  if (d === 0n) return;
  byFunc.set(st.func, (byFunc.get(st.func) ?? 0n) + d);
  hot.push({ ...st, d });
});
const rows = [...byFunc].sort((a, b) => Number(b[1] - a[1]));
const sum = rows.reduce((a, [, d]) => a + d, 0n);
const fmt = (n) => Number(n).toLocaleString('en-US');
console.log(`pub-sub caller (setup_subscribe), steady: ${fmt(total)} instructions (icsim metering)`);
console.log(`  system-API charges ${fmt(total - wasmTotal)}, wasm instructions ${fmt(wasmTotal)}, by function:`);
for (const [f, d] of rows) console.log(`${fmt(d).padStart(8)}  ${fname(f)}`);
if (showStretches) {
  console.log(`\nthe ${showStretches} costliest stretches (offset in ${wasmPath}, as wasm-objdump -d shows it):`);
  hot.sort((a, b) => Number(b.d - a.d));
  for (const h of hot.slice(0, showStretches))
    console.log(`${fmt(h.d).padStart(8)}  ${String(h.d / h.cost).padStart(3)} x ${String(h.cost).padStart(3)}  0x${h.at.toString(16)}  ${fname(h.func)}`);
}
if (sum !== wasmTotal) {
  console.error(`profile error: the stretches' counters add up to ${sum}, the metered wasm total is ${wasmTotal}`);
  process.exit(1);
}
