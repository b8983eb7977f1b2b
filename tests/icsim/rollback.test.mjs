// Rollback by tracked writes, checked against rollback by full copies. The same random sequence
// of executions (stores of every width, SIMD stores, memory.fill/copy, memory.grow, System API
// copies into memory, traps after all of that, queries) runs on two simulators, one with
// `trackWrites` (the default: only the chunks written are saved and restored) and one without
// (the whole memory is copied before each execution). After every call both must give the same
// result and have byte-for-byte the same memory, for wasm32 and wasm64 modules.

import { IcSim } from '../../tools/icsim/src/index.js';
import { test, run, eq, ok, watModule } from './harness.mjs';
import { canisterWat } from './wat.mjs';

// The canister interprets its argument: 16-byte commands (kind, x, y, z as u32), the last word
// of the argument says whether to trap at the end. Addresses are widened for wasm64.
function interpreter(ptr) {
  const A = (e) => (ptr === 'i64' ? `(i64.extend_i32_u ${e})` : e);
  const x = A('(local.get $x)');
  const y = A('(local.get $y)');
  const z = A('(local.get $z)');
  const k = (n) => `(${ptr}.const ${n})`;
  const cases = [
    `(i32.store8 ${x} (local.get $y))`,
    `(i32.store16 ${x} (local.get $y))`,
    `(i32.store ${x} (local.get $y))`,
    `(i64.store offset=3 ${x} (i64.or (i64.extend_i32_u (local.get $y)) (i64.shl (i64.extend_i32_u (local.get $z)) (i64.const 32))))`,
    `(f64.store ${x} (f64.convert_i32_u (local.get $y)))`,
    `(v128.store ${x} (i32x4.splat (local.get $y)))`,
    `(memory.fill ${x} (local.get $y) ${z})`,
    `(memory.copy ${x} ${y} ${z})`,
    `(drop (memory.grow ${A('(i32.and (local.get $x) (i32.const 1))')}))`,
    `(if (i64.eqz (call $stable64_size)) (then (drop (call $stable64_grow (i64.const 1)))))
     (call $stable64_read (i64.extend_i32_u (local.get $x)) (i64.const 0) (i64.extend_i32_u (i32.and (local.get $z) (i32.const 0xffff))))`,
    `(call $msg_arg_data_copy ${x} ${k(0)} ${A('(i32.and (local.get $z) (i32.const 15))')})`,
    `(i64.store32 offset=1 ${x} (i64.extend_i32_u (local.get $y)))`,
    `(v128.store8_lane 5 ${x} (i32x4.splat (local.get $y)))`,
  ];
  const dispatch = cases.map((c, i) => `(if (i32.eq (local.get $kind) (i32.const ${i})) (then ${c}))`).join('\n      ');
  return canisterWat(`
  (func $run
    (local $n i32) (local $i i32) (local $kind i32) (local $x i32) (local $y i32) (local $z i32)
    (local.set $n (i32.wrap_${ptr === 'i64' ? 'i64' : 'i32'} (call $msg_arg_data_size)))
    (call $msg_arg_data_copy ${k(65536 * 2 - 4096)} ${k(0)} (call $msg_arg_data_size))
    (block $done (loop $next
      (br_if $done (i32.ge_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
      (local.set $kind (i32.load ${A(`(i32.add (i32.const ${65536 * 2 - 4096}) (local.get $i))`)}))
      (local.set $x (i32.load ${A(`(i32.add (i32.const ${65536 * 2 - 4092}) (local.get $i))`)}))
      (local.set $y (i32.load ${A(`(i32.add (i32.const ${65536 * 2 - 4088}) (local.get $i))`)}))
      (local.set $z (i32.load ${A(`(i32.add (i32.const ${65536 * 2 - 4084}) (local.get $i))`)}))
      ${dispatch}
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))
    (if (i32.load ${A(`(i32.add (i32.const ${65536 * 2 - 4096}) (local.get $i))`)}) (then (unreachable)))
    (call $msg_reply))
  (func (export "canister_update run") (call $run))
  (func (export "canister_query peek") (call $run))
`.replace('i32.wrap_i32', 'i32.add (i32.const 0)'), { ptr, pages: 2 });
}

function program(rnd, pages) {
  const size = pages * 65536;
  const cmds = [];
  for (let n = 1 + (rnd() % 6); n > 0; n--) {
    const kind = rnd() % 13;
    // mostly in bounds, sometimes near or past the end (a wasm trap)
    const addr = rnd() % 20 === 0 ? size - (rnd() % 8) : rnd() % (size - 4200);
    const len = kind === 6 || kind === 7 ? rnd() % 9000 : rnd() % 70000;
    cmds.push(kind, addr, kind === 7 ? rnd() % (size - 10000) : rnd(), len);
  }
  cmds.push(rnd() % 4 === 0 ? 1 : 0);
  const bytes = new Uint8Array(cmds.length * 4);
  const v = new DataView(bytes.buffer);
  cmds.forEach((c, i) => v.setUint32(i * 4, c >>> 0, true));
  return bytes;
}

for (const ptr of ['i32', 'i64']) {
  test(`${ptr}: tracked rollback equals full-copy rollback over 300 random executions`, async () => {
    const wasm = watModule(interpreter(ptr));
    const sims = [new IcSim({ seed: 1 }), new IcSim({ seed: 1, trackWrites: false })];
    const ids = sims.map((s) => {
      const id = s.createCanister();
      s.installCode(id, wasm);
      return id;
    });
    ok(sims[0].canister(ids[0]).dirty && !sims[1].canister(ids[1]).dirty, 'one tracked, one not');
    let seed = ptr === 'i32' ? 99 : 7;
    const rnd = () => { // xorshift32
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const outcomes = new Set();
    for (let step = 0; step < 300; step++) {
      const pages = sims[1].canister(ids[1]).mem.buffer.byteLength / 65536;
      const arg = program(rnd, pages);
      const query = rnd() % 5 === 0;
      const rs = [];
      for (let k = 0; k < 2; k++) rs.push(await (query ? sims[k].queryCall(ids[k], 'peek', arg) : sims[k].updateCall(ids[k], 'run', arg)));
      eq([rs[0].status, rs[0].rejectMessage], [rs[1].status, rs[1].rejectMessage], `step ${step} result`);
      outcomes.add(`${query ? 'query' : 'update'} ${rs[0].status}`);
      const mems = ids.map((id, k) => new Uint8Array(sims[k].canister(id).mem.buffer));
      eq(mems[0].length, mems[1].length, `step ${step} memory size`);
      ok(Buffer.from(mems[0]).equals(Buffer.from(mems[1])), `step ${step}: memories differ`);
    }
    eq([...outcomes].sort(), ['query rejected', 'query replied', 'update rejected', 'update replied'], 'all kinds of outcome seen');
  });
}

await run('icsim-rollback');
