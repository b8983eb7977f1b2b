// `make bench` for canisters: the pub-sub caller (subscriber.setup_subscribe, an update that
// awaits one inter-canister call, Candid included) and callee (publisher.subscribe), and a timer
// firing an empty job, in C (asyncwasm) and in Motoko (compiled by moc in this run), side by side.
// Instructions come from icsim's metering (wasm instructions + the IC's system-API charges) and
// are those of the whole call context of the measured canister. Sizes are after `ic-wasm shrink`.
// Prints figures; asserts nothing. Targets (issue 5): caller <= 12,000 instructions, <= 40 KB.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { IcSim } from '../../tools/icsim/src/index.js';
import { compileMotokoFiles } from '../../tools/icsim/src/motoko.js';

const REPO = join(import.meta.dirname, '..', '..');
const OUT = join(REPO, 'build', 'ic', 'bench');
const IC_WASM = join(REPO, 'node_modules', '@icp-sdk', 'ic-wasm-linux-x64', 'bin', 'ic-wasm');
mkdirSync(OUT, { recursive: true });

const enc = (types, vals) => new Uint8Array(IDL.encode(types, vals));

function shrunkSize(name, wasm) {
  const src = join(OUT, `${name}.wasm`);
  writeFileSync(src, wasm);
  try {
    execFileSync(IC_WASM, [src, '-o', `${src}.shrunk`, 'shrink'], { stdio: 'pipe' });
    return readFileSync(`${src}.shrunk`).length;
  } catch {
    return null; // ic-wasm could not read it
  }
}

// A simulator that records every call context it opens, so that the callee's and the timer's
// instructions can be read as well as the ingress caller's.
function simWithContexts() {
  const s = new IcSim({ seed: 1 });
  s.opened = [];
  const open = s.newContext.bind(s);
  s.newContext = (c, ctx, origin, fields) => {
    const cc = open(c, ctx, origin, fields);
    s.opened.push({ canister: c.text, ctx, cc });
    return cc;
  };
  return s;
}

async function measure(impl, mods) {
  const s = simWithContexts();
  const install = (wasm) => {
    const id = s.createCanister();
    s.installCode(id, wasm, enc([], []));
    return id;
  };
  const pub = install(mods.publisher);
  const sub = install(mods.subscriber);
  const tick = install(mods.ticker);
  const pubText = Principal.fromUint8Array(pub).toText();
  const call = async (topic) => {
    const before = s.opened.length;
    const r = await s.updateCall(sub, 'setup_subscribe', enc([IDL.Principal, IDL.Text], [Principal.fromUint8Array(pub), topic]));
    if (r.status !== 'replied') throw new Error(`${impl}: setup_subscribe rejected: ${r.rejectMessage}`);
    const callee = s.opened.slice(before).find((o) => o.canister === pubText);
    return { caller: r.instructions, callee: callee.cc.instructions };
  };
  const first = await call('Warmup');
  const steady = await call('Apples');
  const armed = await s.updateCall(tick, 'arm', enc([], []));
  if (armed.status !== 'replied') throw new Error(`${impl}: arm rejected: ${armed.rejectMessage}`);
  const before = s.opened.length;
  s.advanceTime(1_000_000_001n);
  await s.tick(4); // Motoko runs a timer's job in a self-call after canister_global_timer
  const tickText = Principal.fromUint8Array(tick).toText();
  const timerCtxs = s.opened.slice(before).filter((o) => o.canister === tickText);
  const fired = IDL.decode([IDL.Nat], (await s.queryCall(tick, 'count', enc([], []))).reply)[0];
  if (fired !== 1n) throw new Error(`${impl}: the timer job ran ${fired} times`);
  return {
    first, steady, timer: timerCtxs.reduce((a, o) => a + o.cc.instructions, 0n),
    sizes: { publisher: shrunkSize(`${impl}-publisher`, mods.publisher), subscriber: shrunkSize(`${impl}-subscriber`, mods.subscriber) },
  };
}

const c = {
  publisher: readFileSync(join(REPO, 'build/ic/publisher.wasm')),
  subscriber: readFileSync(join(REPO, 'build/ic/subscriber.wasm')),
  ticker: readFileSync(join(REPO, 'build/ic/ticker.wasm')),
};
const mo = {};
for (const n of ['Publisher', 'Subscriber', 'Ticker'])
  mo[n.toLowerCase()] = (await compileMotokoFiles([join(REPO, 'bench/ic/motoko', `${n}.mo`)])).wasm;

const rc = await measure('c', c);
const rm = await measure('motoko', mo);
const fmt = (n) => (n === null ? 'n/a' : Number(n).toLocaleString('en-US'));
const kb = (n) => (n === null ? 'n/a' : `${(n / 1024).toFixed(1)} KB`);
const rows = [
  ['pub-sub caller (setup_subscribe), steady', rc.steady.caller, rm.steady.caller, '<= 12,000'],
  ['pub-sub caller, first call of the instance', rc.first.caller, rm.first.caller, ''],
  ['pub-sub callee (subscribe)', rc.steady.callee, rm.steady.callee, ''],
  ['timer firing an empty job (all its executions)', rc.timer, rm.timer, ''],
];
console.log('canister instructions (icsim metering: wasm instructions + IC system-API charges)');
console.log(`${'measure'.padEnd(44)}${'C (asyncwasm)'.padStart(15)}${'Motoko'.padStart(12)}  target`);
for (const [what, a, b, target] of rows) console.log(`${what.padEnd(44)}${fmt(a).padStart(15)}${fmt(b).padStart(12)}  ${target}`);
console.log('\nwasm size after ic-wasm shrink');
for (const n of ['publisher', 'subscriber'])
  console.log(`${n.padEnd(44)}${kb(rc.sizes[n]).padStart(15)}${kb(rm.sizes[n]).padStart(12)}  <= 40 KB`);
console.log('published on the real IC (Nov 2024): caller Motoko 32,863 / Rust 59,348; size Motoko 165 KB / Rust 593 KB');
