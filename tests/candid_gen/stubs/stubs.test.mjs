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

// M_in_take: a synchronous method's arguments. describe's (nat64, bool, principal, text) are read
// by the runtime's reader (its fast path for the exact header, the library's fallback for
// another table); summary's record by the generated decoder. Bad input is rejected with the
// method's name and the decoder's message either way.
const Note = IDL.Record({ title: IDL.Text, tags: IDL.Vec(IDL.Text), urgent: IDL.Bool });
const D = [IDL.Nat64, IDL.Bool, IDL.Principal, IDL.Text];

test('M_in_take: arguments on the reader\'s path, exact header and subtyping', async () => {
  const { s, caller } = setup();
  const who = Principal.fromUint8Array(Uint8Array.from([1, 2, 3]));
  const q = async (bytes) => replied(await s.queryCall(caller, 'describe', bytes), [IDL.Text])[0];
  eq(await q(enc(D, [7n, true, who, 'héllo'])), 'n 7, flag true, who 3 bytes, name héllo (6 bytes)');
  // an extra argument and a different type table: the fallback, same values
  eq(await q(enc([...D, IDL.Vec(IDL.Nat)], [18446744073709551615n, false, who, '', [1n]])),
    'n 18446744073709551615, flag false, who 3 bytes, name  (0 bytes)');
  rejected(await s.queryCall(caller, 'describe', enc([IDL.Nat64, IDL.Bool, IDL.Principal], [1n, true, who])),
    RejectCode.CANISTER_REJECT, /^describe: invalid arguments: .+/);
  rejected(await s.queryCall(caller, 'describe', enc([IDL.Nat, IDL.Bool, IDL.Principal, IDL.Text], [1n, true, who, 'x'])),
    RejectCode.CANISTER_REJECT, /^describe: invalid arguments: .*type mismatch.*nat.*nat64/);
  const valid = enc(D, [1n, true, who, 'x']);
  rejected(await s.queryCall(caller, 'describe', new Uint8Array([...valid, 0])), RejectCode.CANISTER_REJECT,
    `describe: invalid arguments: byte ${valid.length}: 1 unexpected bytes after the last argument`);
  const badUtf8 = Uint8Array.from(valid); badUtf8[badUtf8.length - 1] = 0xff;
  rejected(await s.queryCall(caller, 'describe', badUtf8), RejectCode.CANISTER_REJECT, /^describe: invalid arguments: .*UTF-8/);
});

test('M_in_take: arguments through the generated decoder', async () => {
  const { s, caller } = setup();
  const q = (bytes) => s.queryCall(caller, 'summary', bytes);
  eq(replied(await q(enc([Note], [{ title: 'list', tags: ['a', 'b', 'c'], urgent: true }])), [IDL.Text]), ['list: 3 tags, urgent']);
  // a record with an extra field: Candid subtyping drops it
  const Wider = IDL.Record({ title: IDL.Text, tags: IDL.Vec(IDL.Text), urgent: IDL.Bool, extra: IDL.Nat });
  eq(replied(await q(enc([Wider], [{ title: 't', tags: [], urgent: false, extra: 5n }])), [IDL.Text]), ['t: 0 tags']);
  rejected(await q(new Uint8Array(0)), RejectCode.CANISTER_REJECT, /^summary: invalid arguments: .+/);
  rejected(await q(enc([IDL.Text], ['no record'])), RejectCode.CANISTER_REJECT, /^summary: invalid arguments: .+/);
  const valid = enc([Note], [{ title: 'x', tags: [], urgent: false }]);
  rejected(await q(valid.slice(0, -1)), RejectCode.CANISTER_REJECT, /^summary: invalid arguments: .+/);
});

// M_in_from: an async handler declared with the generated M_in_types reads its arguments once,
// from the runtime's reader: run's (principal, text) on the reader's fast path for the exact
// header and its fallback (the library's decoder, subtyping) otherwise; tally's record through
// the reader's decoder (M_in_types is IC_TYPES_ANY). Bad input is rejected with the method's
// name and the decoder's message, before the handler starts.
test('M_in_from: run\'s arguments, exact header, subtyping and bad input', async () => {
  const { s, caller, store } = setup();
  const p = Principal.fromUint8Array(store);
  const up = (bytes) => s.updateCall(caller, 'run', bytes);
  // an extra argument (another type table): the fallback accepts it and skips it
  const [text] = replied(await up(enc([IDL.Principal, IDL.Text, IDL.Vec(IDL.Nat)], [p, 'kiwi', [1n, 2n]])), [IDL.Text]);
  eq(text.split('\n')[0], 'put: ok 0', 'extra argument accepted');
  ok(text.split('\n')[1].startsWith('get: kiwi x3'), `the name decoded on the fallback: ${text.split('\n')[1]}`);
  rejected(await up(enc([IDL.Principal], [p])), RejectCode.CANISTER_REJECT, /^run: invalid arguments: .+/);
  rejected(await up(enc([IDL.Principal, IDL.Nat], [p, 1n])), RejectCode.CANISTER_REJECT,
    /^run: invalid arguments: .*type mismatch/);
  const valid = enc([IDL.Principal, IDL.Text], [p, 'x']);
  rejected(await up(new Uint8Array([...valid, 0])), RejectCode.CANISTER_REJECT,
    `run: invalid arguments: byte ${valid.length}: 1 unexpected bytes after the last argument`);
  const badUtf8 = Uint8Array.from(valid); badUtf8[badUtf8.length - 1] = 0xff;
  rejected(await up(badUtf8), RejectCode.CANISTER_REJECT, /^run: invalid arguments: byte \d+: .*UTF-8/);
  rejected(await up(valid.slice(0, -1)), RejectCode.CANISTER_REJECT, /^run: invalid arguments: byte \d+: .+/);
  // nothing of the rejected calls reached the store: the next run is its first put
  eq(replied(await up(valid), [IDL.Text])[0].split('\n')[0], 'put: ok 1');
});

test('M_in_from: tally\'s record through the reader\'s decoder', async () => {
  const { s, caller } = setup();
  const up = async (bytes) => s.updateCall(caller, 'tally', bytes);
  eq(replied(await up(enc([Note], [{ title: 'list', tags: ['a', 'b'], urgent: true }])), [IDL.Text]),
    ['list: 2 tags, urgent, first a']);
  const Wider = IDL.Record({ title: IDL.Text, tags: IDL.Vec(IDL.Text), urgent: IDL.Bool, extra: IDL.Nat });
  eq(replied(await up(enc([Wider], [{ title: 't', tags: [], urgent: false, extra: 5n }])), [IDL.Text]),
    ['t: 0 tags, first none'], 'a record with an extra field');
  eq(replied(await up(enc([Note, IDL.Text], [{ title: 'u', tags: ['z'], urgent: false }, 'more'])), [IDL.Text]),
    ['u: 1 tags, first z'], 'an extra argument');
  rejected(await up(new Uint8Array(0)), RejectCode.CANISTER_REJECT, /^tally: invalid arguments: .+/);
  rejected(await up(enc([IDL.Text], ['no record'])), RejectCode.CANISTER_REJECT, /^tally: invalid arguments: .+/);
  const valid = enc([Note], [{ title: 'x', tags: [], urgent: false }]);
  rejected(await up(valid.slice(0, -1)), RejectCode.CANISTER_REJECT, /^tally: invalid arguments: .+/);
  rejected(await up(new Uint8Array([...valid, 0])), RejectCode.CANISTER_REJECT, /^tally: invalid arguments: .+/);
  const badUtf8 = enc([Note], [{ title: 'ab', tags: [], urgent: false }]);
  badUtf8[badUtf8.lastIndexOf(0x61)] = 0xff;
  rejected(await up(badUtf8), RejectCode.CANISTER_REJECT, /^tally: invalid arguments: .*UTF-8/);
});

test('M_in_from given a reader started at other types than M_in_types: a usage error', async () => {
  const { s, caller } = setup();
  eq(replied(await s.queryCall(caller, 'misread', enc([], [])), [IDL.Text]),
    ['invalid use of the API: the argument reader was not started at caller_run_in_types; name 0 bytes']);
});

await run();
