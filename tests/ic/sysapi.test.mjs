// The synchronous canister API and the WASI polyfill in icsim (tests/ic/sysapi.c).
import { test, run, eq, ok, sim, enc, replied, rejected, IDL, Principal, RejectCode } from './harness.mjs';

const anon = Principal.fromText('2vxsx-fae');

test('inspect_message refuses one method and accepts the others', async () => {
  const s = sim();
  const id = s.install('sysapi');
  const r = await s.updateCall(id, 'forbidden', enc([], []));
  eq([r.status, r.rejectCode], ['rejected', RejectCode.CANISTER_REJECT]);
  ok(r.rejectMessage.includes('canister_inspect_message'), r.rejectMessage);
  eq(replied(await s.updateCall(id, 'me', enc([], [])), [IDL.Nat64, IDL.Bool])[1], true, 'anonymous is the controller');
});

test('heartbeat runs every round; a synchronous composite query reads it', async () => {
  const s = sim();
  const id = s.install('sysapi');
  await s.tick(3);
  eq(replied(await s.queryCall(id, 'beats', enc([], [])), [IDL.Nat64]), [3n]);
});

test('principals to and from text', async () => {
  const s = sim();
  const id = s.install('sysapi');
  for (const text of ['aaaaa-aa', '2vxsx-fae', 'rwlgt-iiaaa-aaaaa-aaaaa-cai', 'em77e-bvlzu-aq']) {
    eq(replied(await s.queryCall(id, 'to_text', enc([IDL.Principal], [Principal.fromText(text)])), [IDL.Text]), [text]);
    const [p] = replied(await s.queryCall(id, 'from_text', enc([IDL.Text], [text])), [IDL.Opt(IDL.Principal)]);
    eq(p.length === 1 && p[0].toText(), text, `round trip of ${text}`);
  }
  for (const bad of ['aaaaa-ab', 'AAAAA-AA-', 'rwlgt-iiaaa-aaaaa-aaaaa-cab', '', 'hello'])
    eq(replied(await s.queryCall(id, 'from_text', enc([IDL.Text], [bad])), [IDL.Opt(IDL.Principal)]), [[]], `refuses ${bad}`);
  eq(replied(await s.queryCall(id, 'from_text', enc([IDL.Text], ['AAAAA-AA'])), [IDL.Opt(IDL.Principal)])[0][0].toText(),
    'aaaaa-aa', 'upper case accepted');
});

test('text arguments: non-ASCII UTF-8 is accepted, invalid UTF-8 rejected with the byte offset', async () => {
  const s = sim();
  const id = s.install('sysapi');
  eq(replied(await s.queryCall(id, 'from_text', enc([IDL.Text], ['Grüße, 世界'])), [IDL.Opt(IDL.Principal)]), [[]]);
  const bad = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0, 1, 0x71, 3, 0x61, 0xc3, 0x28]);
  rejected(await s.queryCall(id, 'from_text', bad), RejectCode.CANISTER_REJECT,
    'from_text: invalid arguments: byte 8: text is not valid UTF-8');
  // the bad sequence in the last (overlapping) word of a longer text, and a valid one there
  const badTail = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0, 1, 0x71, 6, 0x61, 0x62, 0x63, 0x64, 0xc3, 0x28]);
  rejected(await s.queryCall(id, 'from_text', badTail), RejectCode.CANISTER_REJECT,
    'from_text: invalid arguments: byte 8: text is not valid UTF-8');
  eq(replied(await s.queryCall(id, 'from_text', enc([IDL.Text], ['abcdü'])), [IDL.Opt(IDL.Principal)]), [[]]);
  // a length of 2^32 + 3 with 3 bytes after it: compared at 64 bits, never truncated to 3
  const long = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0, 1, 0x71, 0x83, 0x80, 0x80, 0x80, 0x10, 0x61, 0x62, 0x63]);
  rejected(await s.queryCall(id, 'from_text', long), RejectCode.CANISTER_REJECT,
    'from_text: invalid arguments: byte 12: expected 4294967299 more bytes of text, 3 left');
});

test('container readers: vec, opt, variant, nested record, on both decoding paths', async () => {
  const s = sim();
  const id = s.install('sysapi');
  const V = IDL.Variant({ none: IDL.Null, some: IDL.Text });
  const R = IDL.Record({ a: IDL.Nat, b: IDL.Vec(IDL.Bool) });
  const types = [IDL.Vec(IDL.Text), IDL.Opt(IDL.Nat64), V, R];
  const call = async (t, v) => replied(await s.queryCall(id, 'shapes', enc(t, v)), [IDL.Text])[0];
  eq(await call(types, [['x', 'yz'], [7n], { some: 'hi' }, { a: 5n, b: [true, false] }]),
    'vec[2]: x yz; opt 7; some hi; a=5 b=TF');
  eq(await call(types, [[], [], { none: null }, { a: 0n, b: [] }]), 'vec[0]:; null; none; a=0 b=');
  // The same values with an extra argument and an extra record field (the fallback decoder).
  const R2 = IDL.Record({ a: IDL.Nat, b: IDL.Vec(IDL.Bool), c: IDL.Text });
  eq(await call([IDL.Vec(IDL.Text), IDL.Opt(IDL.Nat64), V, R2, IDL.Nat],
    [['q'], [1n], { some: '' }, { a: 2n, b: [false], c: 'extra' }, 9n]), 'vec[1]: q; opt 1; some ; a=2 b=F');
  rejected(await s.queryCall(id, 'shapes', enc([IDL.Vec(IDL.Nat)], [[1n]])), RejectCode.CANISTER_REJECT,
    /^shapes: invalid arguments: /);
});

test('canister facts: status, version, replicated execution, instruction counter, replied', async () => {
  const s = sim();
  const id = s.install('sysapi');
  const F = [IDL.Nat64, IDL.Nat64, IDL.Bool, IDL.Bool, IDL.Bool];
  eq(replied(await s.updateCall(id, 'facts', enc([], [])), F), [1n, 1n, true, true, false]);
  eq(s.logs(id).at(-1).text, 'replied after: 1');
  s.installCode(id, (await import('./harness.mjs')).wasm('sysapi'), enc([], []), { mode: 'upgrade' });
  eq(replied(await s.updateCall(id, 'facts', enc([], [])), F)[1], 2n, 'version after an upgrade');
});

test('cycle balance and controller check', async () => {
  const s = sim();
  const id = s.install('sysapi');
  const other = Principal.fromText('em77e-bvlzu-aq');
  const [bal, ctl] = replied(await s.updateCall(id, 'me', enc([], []), { sender: anon }), [IDL.Nat64, IDL.Bool]);
  eq([bal, ctl], [s.cycleBalance(id), true]);
  eq(replied(await s.updateCall(id, 'me', enc([], []), { sender: other }), [IDL.Nat64, IDL.Bool])[1], false);
});

test('the C library through the WASI polyfill: clock, entropy, environment, stdio', async () => {
  const s = sim();
  const id = s.createCanister({ envVars: [['GREETING', 'hi there']] });
  s.installCode(id, (await import('./harness.mjs')).wasm('sysapi'), enc([], []));
  eq(replied(await s.updateCall(id, 'wasi', enc([], [])), [IDL.Text]),
    ['clock=ic0.time entropy=0 env=hi there missing=(none)']);
  eq(s.logs(id).map((l) => l.text), ['stderr line', 'stdout line without newline']);
});

test('the canister allocator and formatter (in place of dlmalloc and printf)', async () => {
  const s = sim();
  const id = s.install('sysapi');
  eq(replied(await s.updateCall(id, 'libc', enc([], [])), [IDL.Text]),
    ['-42|    7|ab  |0ff|0XAB|3.14|0.0001|1.234568e+04|9|-5|Z|abc|   1|+3|2|4|0.10000000000000001|1e+20|100|% n=103 cut=5:hel']);
});

test('exit() traps with its status', async () => {
  const s = sim();
  const id = s.install('sysapi');
  const r = await s.updateCall(id, 'quit', enc([], []));
  eq([r.status, r.rejectCode], ['rejected', RejectCode.CANISTER_ERROR]);
  ok(r.rejectMessage.includes('exit(3)'), r.rejectMessage);
});

test('a timer set in post_upgrade is armed on the global timer and fires', async () => {
  const s = sim();
  const id = s.install('sysapi');
  eq(s.canister(id).timer, 0n, 'no timer before');
  s.installCode(id, (await import('./harness.mjs')).wasm('sysapi'), enc([], []), { mode: 'upgrade' });
  eq(s.canister(id).timer, s.getTime() + 1_000_000_000n, 'armed by post_upgrade');
  s.advanceTime(1_000_000_000n);
  await s.tick(1);
  eq(replied(await s.queryCall(id, 'upgraded', enc([], [])), [IDL.Nat64]), [1n]);
  eq(s.canister(id).timer, 0n, 'disarmed after the last timer');
});

await run();
