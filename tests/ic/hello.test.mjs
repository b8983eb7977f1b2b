// The synchronous hello canister in icsim: replies in Candid for text, nat64 and principal; a
// malformed argument is rejected with a message (not a trap); state kept between updates; stdio
// output reaches the canister log through the WASI polyfill.
import { test, run, eq, sim, enc, replied, rejected, IDL, Principal, RejectCode } from './harness.mjs';

test('greet replies with text', async () => {
  const s = sim();
  const id = s.install('hello');
  const r = await s.queryCall(id, 'greet', enc([IDL.Text], ['C']));
  eq(replied(r, [IDL.Text]), ['Hello, C!']);
});

test('greet rejects a malformed argument with a message', async () => {
  const s = sim();
  const id = s.install('hello');
  rejected(await s.queryCall(id, 'greet', enc([IDL.Nat], [5n])), RejectCode.CANISTER_REJECT,
    'greet: expected one short text argument');
});

test('inc keeps its counter across updates and prints to the log', async () => {
  const s = sim();
  const id = s.install('hello');
  eq(replied(await s.updateCall(id, 'inc', enc([], [])), [IDL.Nat64]), [1n]);
  eq(replied(await s.updateCall(id, 'inc', enc([], [])), [IDL.Nat64]), [2n]);
  eq(s.logs(id).map((l) => l.text), ['counter is now 1', 'counter is now 2']);
});

test('whoami replies with the caller principal', async () => {
  const s = sim();
  const id = s.install('hello');
  const me = Principal.fromText('2vxsx-fae');
  const [p] = replied(await s.queryCall(id, 'whoami', enc([], []), { sender: me }), [IDL.Principal]);
  eq(p.toText(), '2vxsx-fae');
});

await run();
