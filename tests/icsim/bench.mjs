// icsim benchmark (figures, not a test): wall time of a trivial update call (reply with 4
// bytes) and of a query, on a canister with a 1-page memory and on one with 32 pages (2 MiB,
// the memory of a typical C canister with a heap), and of a call between two canisters; then
// the same update on our C example canister (build/ic/hello.wasm, if built) and on a Motoko
// counter (wasm64, compiled by moc.js; its 4 MiB heap is copied for every execution).
// Run: make bench-icsim   (or node_modules/.bin/node tests/icsim/bench.mjs)

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDL } from '@dfinity/candid';
import { IcSim } from '../../tools/icsim/src/index.js';
import { REPO, watModule } from './harness.mjs';
import { canisterWat } from './wat.mjs';

const body = `
  (global $n (mut i32) (i32.const 0))
  (table 1 funcref)
  (elem (i32.const 0) $back)
  (func $reply (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $n))
    (call $msg_reply_data_append (i32.const 0) (i32.const 4))
    (call $msg_reply))
  (func (export "canister_update inc") (call $reply))
  (func (export "canister_query get") (call $reply))
  (func $back (param i32) (call $reply))
  (func (export "canister_update call")
    (call $msg_arg_data_copy (i32.const 64) (i32.const 0) (call $msg_arg_data_size))
    (call $call_new (i32.const 64) (call $msg_arg_data_size) (i32.const 200) (i32.const 3)
      (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (drop (call $call_perform)))
  (data (i32.const 200) "inc")`;

async function measure(label, n, fn) {
  for (let i = 0; i < Math.min(200, n); i++) await fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  const us = Number(process.hrtime.bigint() - t) / 1000 / n;
  console.log(`${label.padEnd(52)} ${us.toFixed(1).padStart(8)} us/call`);
}

for (const pages of [1, 32]) {
  const sim = new IcSim({ seed: 1 });
  const wasm = watModule(canisterWat(body, { pages }));
  const [a, b] = [sim.createCanister(), sim.createCanister()];
  sim.installCode(a, wasm);
  sim.installCode(b, wasm);
  await measure(`trivial update call, ${pages * 64} KiB memory`, 3000, () => sim.updateCall(a, 'inc'));
  await measure(`query call, ${pages * 64} KiB memory`, 3000, () => sim.queryCall(a, 'get'));
  await measure(`update with one inter-canister call, ${pages * 64} KiB`, 1000, () => sim.updateCall(a, 'call', b));
}

const empty = new Uint8Array(IDL.encode([], []));
const hello = join(REPO, 'build', 'ic', 'hello.wasm');
if (existsSync(hello)) {
  const sim = new IcSim({ seed: 1 });
  const id = sim.createCanister();
  sim.installCode(id, readFileSync(hello), empty);
  await measure('C canister (build/ic/hello.wasm) update inc', 3000, () => sim.updateCall(id, 'inc', empty));
} else console.log('C canister: build/ic/hello.wasm not built, skipped');

const { compileMotokoFiles } = await import('../../tools/icsim/src/motoko.js');
const { wasm } = await compileMotokoFiles([join(REPO, 'tests', 'icsim', 'motoko', 'canisters', 'Counter.mo')]);
const sim = new IcSim({ seed: 1 });
const id = sim.createCanister();
sim.installCode(id, wasm, empty);
await measure('Motoko counter (wasm64) update inc', 1000, () => sim.updateCall(id, 'inc', empty));
