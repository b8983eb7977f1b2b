// Motoko acceptance suite for icsim: canisters compiled by moc (npm `motoko`, pinned) from the
// unmodified sources in ./canisters run in icsim and must give the replies Motoko promises:
// a counter, inter-canister calls with await, try/catch of a reject and of a trap, timers, an
// upgrade that keeps stable variables (and one Motoko must refuse), threshold signatures and an
// HTTP outcall with a transform. Compiled modules are cached in build/icsim-mgmt/motoko-cache.
// Run: node_modules/.bin/node tests/icsim/motoko/run.mjs [name-filter]  (ends `N passed, M failed`)

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { secp256k1 } from '@noble/curves/secp256k1';
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha256';
import { IcSim } from '../../../tools/icsim/src/sim.js';
import { compileMotoko, compileMotokoFiles } from '../../../tools/icsim/src/motoko.js';
import { test, run, eq, ok, bytesEq } from '../mgmt/harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCES = join(HERE, 'canisters');
const SECOND = 1_000_000_000n;

// ---- helpers ----------------------------------------------------------------------------------

const wasmCache = new Map();
async function wasmOf(name) {
  if (!wasmCache.has(name)) wasmCache.set(name, (await compileMotokoFiles([join(SOURCES, `${name}.mo`)])).wasm);
  return wasmCache.get(name);
}

/** Creates a canister, installs the Motoko canister `name` (no init argument); returns its id. */
async function deploy(sim, name) {
  const id = sim.createCanister();
  sim.installCode(id, await wasmOf(name), new Uint8Array(IDL.encode([], [])));
  return id;
}

function decodeReply(r, retTypes, what) {
  if (r.status !== 'replied')
    throw new Error(`${what} was rejected (code ${r.rejectCode}): ${r.rejectMessage}`);
  const vals = IDL.decode(retTypes, r.reply);
  return retTypes.length === 1 ? vals[0] : vals;
}

/** An update call with Candid arguments; returns the decoded reply or throws on a reject. */
async function update(sim, id, method, argTypes = [], args = [], retTypes = []) {
  const r = await sim.updateCall(id, method, new Uint8Array(IDL.encode(argTypes, args)));
  return decodeReply(r, retTypes, `update ${method}`);
}

/** A query call with Candid arguments; returns the decoded reply or throws on a reject. */
async function query(sim, id, method, argTypes = [], args = [], retTypes = []) {
  const r = await sim.queryCall(id, method, new Uint8Array(IDL.encode(argTypes, args)));
  return decodeReply(r, retTypes, `query ${method}`);
}

/**
 * Upgrades canister `id` to the Motoko canister `name` the way dfx does: an ingress call to the
 * management canister's install_code from the controller (the anonymous principal, icsim's
 * default), with `wasm_memory_persistence = opt keep`, which Motoko's enhanced orthogonal
 * persistence requires (abstract-behavior.md, "IC Management Canister: Code upgrade").
 * Returns the call's result: `{ status: 'replied' | 'rejected', rejectCode, rejectMessage }`.
 */
async function upgrade(sim, id, name) {
  const InstallCodeArgs = IDL.Record({
    mode: IDL.Variant({
      install: IDL.Null,
      reinstall: IDL.Null,
      upgrade: IDL.Opt(IDL.Record({
        skip_pre_upgrade: IDL.Opt(IDL.Bool),
        wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
      })),
    }),
    canister_id: IDL.Principal,
    wasm_module: IDL.Vec(IDL.Nat8),
    arg: IDL.Vec(IDL.Nat8),
    sender_canister_version: IDL.Opt(IDL.Nat64),
  });
  const args = {
    mode: { upgrade: [{ skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] }] },
    canister_id: Principal.fromUint8Array(id),
    wasm_module: await wasmOf(name),
    arg: new Uint8Array(IDL.encode([], [])),
    sender_canister_version: [],
  };
  return sim.updateCall(new Uint8Array(0), 'install_code', new Uint8Array(IDL.encode([InstallCodeArgs], [args])));
}

const P = (bytes) => Principal.fromUint8Array(bytes);
const Blob = IDL.Vec(IDL.Nat8);
const CounterRef = IDL.Service({
  inc: IDL.Func([], [IDL.Nat], []),
  get: IDL.Func([], [IDL.Nat], ['query']),
});
const FailerRef = IDL.Service({
  fail: IDL.Func([IDL.Text], [IDL.Nat], []),
  trap: IDL.Func([IDL.Text], [IDL.Nat], []),
  ok: IDL.Func([IDL.Nat], [IDL.Nat], []),
});

// ---- compilation ------------------------------------------------------------------------------

test('moc compiles every canister; the Candid interface is the one the source declares', async () => {
  const names = readdirSync(SOURCES).filter((f) => f.endsWith('.mo'));
  eq(names.length, 8, 'number of sources');
  for (const f of names) {
    const r = await compileMotokoFiles([join(SOURCES, f)]);
    eq(Buffer.from(r.wasm.subarray(0, 4)).toString('hex'), '0061736d', `${f}: wasm magic`);
    ok(/^service\s*:/m.test(r.candid), `${f}: candid service`);
  }
  const counter = await compileMotokoFiles([join(SOURCES, 'Counter.mo')]);
  ok(counter.candid.includes('get: () -> (nat) query;'), 'get is a query returning nat');
  ok(counter.candid.includes('inc: () -> (nat);'), 'inc is an update returning nat');
});

test('compile cache: a second compile of the same sources is served from the cache', async () => {
  const src = readFileSync(join(SOURCES, 'Counter.mo'), 'utf8');
  const first = await compileMotoko({ files: { 'Counter.mo': src }, main: 'Counter.mo' });
  const again = await compileMotoko({ files: { 'Counter.mo': src }, main: 'Counter.mo' });
  eq(again.cached, true, 'cached');
  bytesEq(again.wasm, first.wasm, 'same module');
});

test('compile errors name the file, line and the compiler message', async () => {
  let msg = '';
  try {
    await compileMotoko({
      files: { 'Bad.mo': 'persistent actor {\n  public func f() : async Nat { "x" };\n};\n' },
      main: 'Bad.mo',
      cacheDir: null,
    });
  } catch (e) {
    msg = e.message;
  }
  eq(msg, 'moc: Bad.mo does not compile:\nBad.mo:2:33: error M0050: literal of type Text does not have expected type Nat',
    'error text');
});

// ---- running in icsim -------------------------------------------------------------------------

test('counter: updates change the state, queries read it and never keep changes', async () => {
  const sim = new IcSim({ seed: 1 });
  const c = await deploy(sim, 'Counter');
  eq(await update(sim, c, 'inc', [], [], [IDL.Nat]), 1n, 'inc');
  eq(await update(sim, c, 'inc', [], [], [IDL.Nat]), 2n, 'inc');
  eq(await update(sim, c, 'add', [IDL.Nat], [40n], [IDL.Nat]), 42n, 'add 40');
  eq(await query(sim, c, 'get', [], [], [IDL.Nat]), 42n, 'get');
  eq(await query(sim, c, 'incInQuery', [], [], [IDL.Nat]), 142n, 'query sees its own change');
  eq(await query(sim, c, 'get', [], [], [IDL.Nat]), 42n, 'query change discarded');
});

test('inter-canister calls with await: two updates and a query in sequence', async () => {
  const sim = new IcSim({ seed: 2 });
  const counter = await deploy(sim, 'Counter');
  const caller = await deploy(sim, 'Caller');
  eq(await update(sim, caller, 'incTwice', [CounterRef], [P(counter)], [IDL.Text]), '1,2,2', 'replies in order');
  eq(await query(sim, counter, 'get', [], [], [IDL.Nat]), 2n, 'callee state');
});

test('two calls in flight: awaits interleave, state changes between them, no increment is lost', async () => {
  let interleaved = 0;
  for (const seed of [0, 1, 2, 3]) {
    const sim = new IcSim({ seed });
    const counter = await deploy(sim, 'Counter');
    const caller = await deploy(sim, 'Caller');
    const arg = new Uint8Array(IDL.encode([CounterRef], [P(counter)]));
    const handles = [sim.submitCall(caller, 'incTwice', arg), sim.submitCall(caller, 'incTwice', arg)];
    const seen = [];
    for (const h of handles) {
      const [a, b] = decodeReply(await sim.awaitCall(h), [IDL.Text], 'incTwice').split(',').map(Number);
      ok(a < b, `seed ${seed}: each call sees its own increments in order: ${a},${b}`);
      if (b !== a + 1) interleaved++; // the other call's increment ran between this call's awaits
      seen.push(a, b);
    }
    eq(seen.sort().join(','), '1,2,3,4', `seed ${seed}: four distinct increments`);
    eq(await query(sim, counter, 'get', [], [], [IDL.Nat]), 4n, `seed ${seed}: counter`);
  }
  ok(interleaved > 0, 'some seed interleaves the two calls');
});

test('try/catch of a reject: #canister_reject with the message; state before await kept', async () => {
  const sim = new IcSim({ seed: 3 });
  const failer = await deploy(sim, 'Failer');
  const caller = await deploy(sim, 'Caller');
  eq(await update(sim, caller, 'catchReject', [FailerRef, IDL.Text], [P(failer), 'not today'], [IDL.Text]),
    '#canister_reject not today', 'caught reject');
  eq((await query(sim, caller, 'getLog', [], [], [IDL.Vec(IDL.Text)])).join(','), 'before,caught', 'log');
  eq(await query(sim, failer, 'getCalls', [], [], [IDL.Nat]), 1n, 'a reject commits the callee state');
});

test('try/catch of a trap: #canister_error; the callee trap rolls its state back', async () => {
  const sim = new IcSim({ seed: 4 });
  const failer = await deploy(sim, 'Failer');
  const caller = await deploy(sim, 'Caller');
  const text = await update(sim, caller, 'catchTrap', [FailerRef, IDL.Text], [P(failer), 'deliberate'], [IDL.Text]);
  ok(text.startsWith('#canister_error '), `error code of a trap: ${text}`);
  ok(text.includes('deliberate'), `trap message passed on: ${text}`);
  eq(await query(sim, failer, 'getCalls', [], [], [IDL.Nat]), 0n, 'trap rolled back calls += 1');
  eq(await update(sim, caller, 'tryOk', [FailerRef, IDL.Nat], [P(failer), 21n], [IDL.Text]), '42', 'no error path');
  eq(await query(sim, failer, 'getCalls', [], [], [IDL.Nat]), 1n, 'successful call committed');
});

test('timers: a one-shot timer fires once after its delay; a recurring one until cancelled', async () => {
  const sim = new IcSim({ seed: 5 });
  const t = await deploy(sim, 'Ticker');
  const counts = async () => (await query(sim, t, 'counts', [], [], [IDL.Nat, IDL.Nat])).join(',');
  await update(sim, t, 'startOnce', [IDL.Nat], [5n]);
  await sim.tick(5);
  eq(await counts(), '0,0', 'not yet');
  sim.advanceTime(4n * SECOND);
  await sim.tick(5);
  eq(await counts(), '0,0', 'still not due after 4 s');
  sim.advanceTime(2n * SECOND);
  await sim.tick(5);
  eq(await counts(), '1,0', 'fired after 6 s');
  sim.advanceTime(60n * SECOND);
  await sim.tick(5);
  eq(await counts(), '1,0', 'one-shot fires once');
  await update(sim, t, 'startRecurring', [IDL.Nat], [10n]);
  for (let i = 1; i <= 3; i++) {
    sim.advanceTime(10n * SECOND);
    await sim.tick(5);
    eq(await counts(), `1,${i}`, `recurring after ${10 * i} s`);
  }
  await update(sim, t, 'stopRecurring');
  sim.advanceTime(50n * SECOND);
  await sim.tick(5);
  eq(await counts(), '1,3', 'cancelled');
});

test('upgrade keeps stable variables, initialises new ones and resets transient ones', async () => {
  const sim = new IcSim({ seed: 6 });
  const c = await deploy(sim, 'Counter');
  await update(sim, c, 'add', [IDL.Nat], [41n], [IDL.Nat]);
  eq(await update(sim, c, 'inc', [], [], [IDL.Nat]), 42n, 'before upgrade');
  const r = await upgrade(sim, c, 'CounterV2');
  eq(r.status, 'replied', `upgrade: ${r.rejectMessage}`);
  eq(await query(sim, c, 'get', [], [], [IDL.Nat]), 42n, 'count kept');
  const info = async () => (await query(sim, c, 'info', [], [], [IDL.Nat, IDL.Text, IDL.Nat])).join(',');
  eq(await info(), '42,v2,0', 'new stable var initialised, transient reset');
  eq(await update(sim, c, 'inc', [], [], [IDL.Nat]), 43n, 'v2 inc');
  eq(await info(), '43,v2,1', 'after a v2 call');
});

test('an incompatible upgrade (stable Nat to Text) fails and leaves the old version running', async () => {
  const sim = new IcSim({ seed: 7 });
  const c = await deploy(sim, 'Counter');
  await update(sim, c, 'add', [IDL.Nat], [7n], [IDL.Nat]);
  const r = await upgrade(sim, c, 'CounterBad');
  eq(r.status, 'rejected', 'upgrade refused');
  eq(r.rejectCode, 5, 'CANISTER_ERROR');
  ok(/incompatible/i.test(r.rejectMessage), `Motoko's reason is passed on: ${r.rejectMessage}`);
  eq(await query(sim, c, 'get', [], [], [IDL.Nat]), 7n, 'old state and code still there');
  eq(await update(sim, c, 'inc', [], [], [IDL.Nat]), 8n, 'old version answers updates');
});

test('threshold ECDSA and Ed25519 from Motoko: signatures verify; too few cycles is caught', async () => {
  const sim = new IcSim({ seed: 8 });
  const s = await deploy(sim, 'Signer');
  const path = [new TextEncoder().encode('alice')];
  const pk = await update(sim, s, 'publicKey', [IDL.Vec(Blob)], [path], [Blob]);
  eq(pk.length, 33, 'SEC1 compressed');
  const hash = sha256(new TextEncoder().encode('transfer 5'));
  const sig = await update(sim, s, 'sign', [IDL.Vec(Blob), Blob, IDL.Nat], [path, hash, 10_000_000_000n], [Blob]);
  eq(sig.length, 64, 'r||s');
  ok(secp256k1.verify(sig, hash, pk, { prehash: false }), 'ECDSA signature verifies');
  eq(await update(sim, s, 'trySign', [Blob, IDL.Nat], [hash, 1n], [IDL.Text]),
    '#canister_reject sign_with_ecdsa request sent with 1 cycles, but 10000000000 cycles are required.', 'fee reject');
  eq(await update(sim, s, 'signRefund', [Blob, IDL.Nat], [hash, 12_500_000_000n], [IDL.Nat]), 2_500_000_000n,
    'cycles beyond the fee are refunded');
  const edPk = await update(sim, s, 'edPublicKey', [], [], [Blob]);
  const msg = new TextEncoder().encode('hello ed25519');
  const edSig = await update(sim, s, 'edSign', [Blob], [msg], [Blob]);
  ok(ed25519.verify(edSig, msg, edPk), 'Ed25519 signature verifies');
});

test('HTTP outcall from Motoko: served by the handler, transformed by the canister query', async () => {
  const seen = [];
  const sim = new IcSim({
    seed: 9,
    httpHandler: (req) => {
      seen.push(req);
      return { status: 200, headers: [['date', 'Mon, 23 Nov 2026']], body: `hello from ${new URL(req.url).pathname}` };
    },
  });
  const f = await deploy(sim, 'Fetcher');
  eq(await update(sim, f, 'fetch', [IDL.Text], ['https://example.com/greeting'], [IDL.Text]),
    '200 hello from /greeting transform-caller=aaaaa-aa', 'transformed reply, transform called by aaaaa-aa');
  eq(seen.length, 1, 'one request');
  eq(seen[0].method, 'GET', 'method');
  eq(seen[0].maxResponseBytes, 10_000n, 'max_response_bytes');
  eq(seen[0].headers.map((h) => `${h.name}=${h.value}`).join(';'), 'accept=text/plain;user-agent=ic/1.0', 'headers');
});

await run();
