// C and Motoko canisters awaiting each other in icsim (Motoko compiled by moc from npm through
// icsim's cached compile helper): C awaits Motoko, Motoko awaits C, rejects and traps crossing
// the language boundary in both directions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileMotokoFiles } from '../../tools/icsim/src/motoko.js';
import { test, run, eq, sim, enc, replied, rejected, IDL, Principal, RejectCode, REPO } from './harness.mjs';

const { wasm: greeterWasm } = await compileMotokoFiles([join(REPO, 'examples/interop/Greeter.mo')]);
const T = IDL.Text;
const P = (b) => Principal.fromUint8Array(b);
// The bridge calls its peer through the stub generated from peer.did: a failed call's trace
// starts in the stub's task.
const STUB = '\\n  at peer__call_run \\(build/ic/gen/interop/peer\\.c:\\d+\\)';

function setup() {
  const s = sim();
  const bridge = s.install('bridge');
  const mo = s.createCanister();
  s.installCode(mo, greeterWasm, enc([], []));
  const ask = (from, args) => s.updateCall(from, 'ask', args);
  return { s, bridge, mo, ask };
}

test('C awaits Motoko', async () => {
  const { bridge, mo, ask } = setup();
  eq(replied(await ask(bridge, enc([IDL.Principal, T, T], [P(mo), 'greet', 'C'])), [T]),
    ['C got: Hello from Motoko, C!']);
});

test('Motoko awaits C', async () => {
  const { bridge, mo, ask } = setup();
  eq(replied(await ask(mo, enc([IDL.Principal, T], [P(bridge), 'Motoko'])), [T]),
    ['Motoko got: Hello from C, Motoko!']);
});

test('a Motoko reject reaches the C caller with its code and message', async () => {
  const { bridge, mo, ask } = setup();
  rejected(await ask(bridge, enc([IDL.Principal, T, T], [P(mo), 'fail', 'x'])), RejectCode.CANISTER_REJECT,
    new RegExp(`^ask: IC call rejected: ${P(mo).toText()}\\.fail rejected \\(CANISTER_REJECT\\): Motoko says no \\(code 4\\)${STUB}\\n  at ask_run \\(examples/interop/bridge\\.c:\\d+\\)$`));
});

test('a C trap reaches the Motoko caller, which catches it', async () => {
  const { bridge, mo, ask } = setup();
  const [text] = replied(await ask(mo, enc([IDL.Principal, T], [P(bridge), 'trap'])), [T]);
  eq(text.startsWith('Motoko caught: '), true, text);
  eq(text.includes('bridge: asked to trap'), true, text);
});

test('Motoko -> C (async handler) -> Motoko: a chain of awaits across both languages', async () => {
  const { s, bridge, mo } = setup();
  const mo2 = s.createCanister();
  s.installCode(mo2, greeterWasm, enc([], []));
  eq(replied(await s.updateCall(mo, 'askVia', enc([IDL.Principal, IDL.Principal, T], [P(bridge), P(mo2), 'chain'])), [T]),
    ['Motoko got: C got: Hello from Motoko, chain!']);
});

test('long texts are kept whole: ask replies with all of the peer\'s text, greet greets the whole name', async () => {
  const { s, bridge, mo, ask } = setup();
  // multi-byte UTF-8 as well, so that no cut could land inside a character unnoticed
  const name = 'a long name, ü €, '.repeat(40); // 800 characters, more bytes
  eq(replied(await ask(bridge, enc([IDL.Principal, T, T], [P(mo), 'greet', name])), [T]),
    [`C got: Hello from Motoko, ${name}!`]);
  eq(replied(await s.updateCall(bridge, 'greet', enc([T], [name])), [T]), [`Hello from C, ${name}!`]);
  const peer = s.install('bridge'); // C asks C: the peer's reply is itself longer than 128 bytes
  eq(replied(await ask(bridge, enc([IDL.Principal, T, T], [P(peer), 'greet', name])), [T]),
    [`C got: Hello from C, ${name}!`]);
});

test('robustCall (the seed): the error is handled by the code, not propagated', async () => {
  const { s, bridge, mo } = setup();
  const robust = (method) =>
    s.updateCall(bridge, 'robustCall', enc([IDL.Principal, T, T], [P(mo), method, 'data']));
  eq(replied(await robust('greet'), [T]), ['Hello from Motoko, data!']);
  rejected(await robust('fail'), RejectCode.CANISTER_REJECT,
    `Processing failed: ${P(mo).toText()}.fail rejected (CANISTER_REJECT): Motoko says no`);
});

test('a reply that does not decode at the expected type fails the await with a decode error naming the method', async () => {
  const { s, bridge } = setup();
  const hello = s.install('hello');
  // hello.inc replies (nat64); bridge.ask expects (text).
  const src = readFileSync(join(REPO, 'examples/interop/bridge.c'), 'utf8').split('\n');
  const start = src.findIndex((l) => l.includes('static aw_status ask_run'));
  const line = start + src.slice(start).findIndex((l) => l.includes('AW_AWAIT(f, ask_peer(f), &f->got)')) + 1;
  rejected(await s.updateCall(bridge, 'ask', enc([IDL.Principal, T, T], [P(hello), 'inc', 'x'])), RejectCode.CANISTER_REJECT,
    new RegExp('^ask: Candid decode: inc reply: byte 7: type mismatch: wire type nat64 cannot be decoded at expected type text \\(code -3\\)' +
      `${STUB}\\n  at ask_run \\(examples/interop/bridge\\.c:${line}\\)$`));
  rejected(await s.updateCall(bridge, 'robustCall', enc([IDL.Principal, T, T], [P(hello), 'inc', 'x'])), RejectCode.CANISTER_REJECT,
    'Processing failed: inc reply: byte 7: type mismatch: wire type nat64 cannot be decoded at expected type text');
});

test('a method name with a NUL byte fails before any call', async () => {
  const { bridge, mo, ask } = setup();
  rejected(await ask(bridge, enc([IDL.Principal, T, T], [P(mo), 'gr\0eet', 'x'])), RejectCode.CANISTER_REJECT,
    /^ask: error: the method name contains a NUL byte\n  at ask_run \(examples\/interop\/bridge\.c:\d+\)$/);
});

test('ask reads its arguments once from the runtime reader: subtyping holds, bad input is rejected', async () => {
  const { bridge, mo, ask } = setup();
  // an extra argument: another type table, read by the reader's fallback decoder
  eq(replied(await ask(bridge, enc([IDL.Principal, T, T, IDL.Nat], [P(mo), 'greet', 'C', 5n])), [T]),
    ['C got: Hello from Motoko, C!']);
  rejected(await ask(bridge, enc([IDL.Principal, T], [P(mo), 'greet'])), RejectCode.CANISTER_REJECT,
    /^ask: invalid arguments: .+/);
  rejected(await ask(bridge, enc([T, T, T], ['x', 'greet', 'C'])), RejectCode.CANISTER_REJECT,
    /^ask: invalid arguments: .*type mismatch/);
  const valid = enc([IDL.Principal, T, T], [P(mo), 'greet', 'C']);
  rejected(await ask(bridge, new Uint8Array([...valid, 0])), RejectCode.CANISTER_REJECT,
    `ask: invalid arguments: byte ${valid.length}: 1 unexpected bytes after the last argument`);
  const badUtf8 = Uint8Array.from(valid); badUtf8[badUtf8.length - 1] = 0xff;
  rejected(await ask(bridge, badUtf8), RejectCode.CANISTER_REJECT, /^ask: invalid arguments: byte \d+: .*UTF-8/);
});

await run();
