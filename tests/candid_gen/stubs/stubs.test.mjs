// The generated call stubs end to end, in icsim: the C canister caller.c (generated bindings
// only) awaits the Motoko canister Store.mo through the stubs generated from store.did. Every
// call crosses two Candid implementations (ours encodes, Motoko decodes, and back). The expected
// values are written here by hand, with @dfinity/candid only to build and read `run`'s messages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileMotokoFiles } from '../../../tools/icsim/src/motoko.js';
import { test, run, eq, ok, sim, enc, replied, rejected, IDL, Principal, RejectCode, REPO } from '../../ic/harness.mjs';

const callerWasm = readFileSync(process.env.CGEN_CALLER_WASM ?? join(REPO, 'build/candid_gen/canister/caller.wasm'));
const { wasm: storeWasm } = await compileMotokoFiles([join(REPO, 'tests/candid_gen/stubs/Store.mo')]);

function setup() {
  const s = sim();
  const caller = s.createCanister();
  s.installCode(caller, callerWasm, enc([], []));
  const store = s.createCanister();
  s.installCode(store, storeWasm, enc([], []));
  const call = (name) => s.updateCall(caller, 'run', enc([IDL.Principal, IDL.Text], [Principal.fromUint8Array(store), name]));
  return { s, caller, store, call };
}

test('every kind of call through the generated stubs', async () => {
  const { store, call } = setup();
  const [text] = replied(await call('apple'), [IDL.Text]);
  const lines = text.split('\n');
  eq(lines[0], 'put: ok 0', 'record argument, variant result');
  eq(lines[1], 'get: apple x3 [red, green] owner is me', 'opt record result');
  ok(/^refuse: IC call rejected: .*\.refuse rejected \(CANISTER_REJECT\): refused: no reason$/.test(lines[2]) &&
     lines[2].includes(Principal.fromUint8Array(store).toText()), `reject reaches the caller: ${lines[2]}`);
  ok(/^mistyped: Candid decode: mistyped reply: byte \d+: .+/.test(lines[3]), `decode error: ${lines[3]}`);
  eq(lines[4], 'ping: 0', 'oneway sent');
  eq(lines[5], 'stats: puts 1, pings 1', 'query after the oneway');
  eq(lines.length, 6, 'lines');
});

test('a variant error result and a null opt', async () => {
  const { call } = setup();
  const [text] = replied(await call(''), [IDL.Text]);
  eq(text.split('\n').slice(0, 2), ['put: err empty name', 'get: null']);
});

test('malformed arguments are rejected with the generated decoder\'s message', async () => {
  const { s, caller } = setup();
  const r = await s.updateCall(caller, 'run', enc([IDL.Text], ['not a principal']));
  rejected(r, RejectCode.CANISTER_REJECT, /^run: invalid arguments: byte \d+: .+/);
});

test('a second run sees the state the first one left', async () => {
  const { call } = setup();
  replied(await call('pear'), [IDL.Text]);
  const [text] = replied(await call('plum'), [IDL.Text]);
  eq(text.split('\n')[0], 'put: ok 1');
  eq(text.split('\n')[5], 'stats: puts 2, pings 2');
});

test('two stub calls in flight at once, awaited with aw_all', async () => {
  const { s, caller, store, call } = setup();
  replied(await call('fig'), [IDL.Text]);
  const r = await s.updateCall(caller, 'both', enc([IDL.Principal], [Principal.fromUint8Array(store)]));
  eq(replied(r, [IDL.Text]), ['both: 2 in flight; puts 1 and 1']);
});

await run();
