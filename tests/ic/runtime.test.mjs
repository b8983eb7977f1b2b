// The IC runtime's behaviours in icsim, through tests/ic/runtime.c (and async_t_ecdsa): sleeping
// in a call context, refusing a stranded handler, handlers that do not reply, many calls in flight
// (aw_all, aw_any), call_perform failure, bounded-wait calls, one-way calls, an async composite
// query, timers, stable memory across upgrades, async stable access, and the management canister
// helpers (signatures checked with @noble/curves against icsim's key derivation).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { secp256k1, schnorr } from '@noble/curves/secp256k1';
import { ed25519 } from '@noble/curves/ed25519';
import { createThreshold } from '../../tools/icsim/src/threshold.js';
import { test, run, eq, ok, sim, enc, replied, rejected, wasm, IDL, Principal, RejectCode, REPO } from './harness.mjs';

const SRC = 'tests/ic/runtime.c';
const lines = readFileSync(join(REPO, SRC), 'utf8').split('\n');
const at = (fn, needle) => {
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${SRC}`);
  return `\n  at ${fn} (${SRC}:${i + 1})`;
};
const N = IDL.Nat64;
const P = (b) => Principal.fromUint8Array(b);
const bytes = (x) => Uint8Array.from(x);

function setup(options = {}) {
  const s = sim(options);
  const rt = s.install('runtime');
  const hello = s.install('hello');
  return { s, rt, hello, text: (b) => P(b).toText() };
}

test('ic_sleep keeps the call open across rounds until the time has passed', async () => {
  const { s, rt } = setup();
  const h = s.submitCall(rt, 'sleep', enc([N], [5_000_000_000n]));
  await s.tick(5); // each round: one raw_rand call keeps the context alive
  s.advanceTime(5_000_000_000n);
  eq(replied(await s.awaitCall(h), [N]), [5_000_000_000n]);
});

test('aw_sleep in a handler is refused with a message naming the cause; the late reply is dropped', async () => {
  const { s, rt } = setup();
  rejected(await s.updateCall(rt, 'core_sleep', enc([N], [1_000_000_000n])), RejectCode.CANISTER_REJECT,
    'core_sleep: the async handler is suspended on something other than an inter-canister call ' +
    "(aw_sleep, a channel, another call context's future) and has no call outstanding, so the IC " +
    'would end this call without a reply; use ic_sleep() in handlers');
  s.advanceTime(1_000_000_000n);
  await s.tick(1);
  const log = s.logs(rt).map((l) => l.text);
  ok(log.includes('asyncwasm: reply or reject dropped: this message execution (cleanup, timer, init ...) has no call to answer'),
    `log of the dropped reply: ${JSON.stringify(log)}`);
});

test('a handler that finishes without replying rejects saying so', async () => {
  const { s, rt } = setup();
  rejected(await s.updateCall(rt, 'silent', enc([], [])), RejectCode.CANISTER_REJECT,
    'silent: the async handler finished without replying');
});

test('aw_all over calls: three in flight, replies in input order', async () => {
  const { s, rt, hello } = setup();
  eq(replied(await s.updateCall(rt, 'all', enc([IDL.Principal, N], [P(hello), 3n])), [IDL.Vec(IDL.Text)]),
    [['Hello, a!', 'Hello, b!', 'Hello, c!']]);
});

test('aw_all fails with the first reject, trace included', async () => {
  const { s, rt, hello, text } = setup();
  s.injectFault({ kind: 'reject', canister: hello, method: 'greet', code: 4, message: 'nope', times: 1 });
  rejected(await s.updateCall(rt, 'all', enc([IDL.Principal, N], [P(hello), 3n])), RejectCode.CANISTER_REJECT,
    `all: IC call rejected: ${text(hello)}.greet rejected (CANISTER_REJECT): nope (code 4)` +
    at('all_run', 'AW_AWAIT(f, aw_future_retain(f->all)'));
});

test('aw_any over calls: the first success wins after two rejects', async () => {
  const { s, rt, hello } = setup();
  s.injectFault({ kind: 'reject', canister: hello, method: 'greet', code: 4, message: 'nope', times: 2 });
  eq(replied(await s.updateCall(rt, 'any', enc([IDL.Principal, N], [P(hello), 3n])), [N]), [2n]);
});

test('call_perform failure fails the future at once', async () => {
  const { s, rt, hello, text } = setup();
  s.injectFault({ kind: 'perform_fail', canister: rt, method: 'greet', times: 1 });
  rejected(await s.updateCall(rt, 'greet_via', enc([IDL.Principal, N], [P(hello), 0n])), RejectCode.CANISTER_REJECT,
    `greet_via: call perform failed: ${text(hello)}.greet: call_perform failed: the IC did not make the call (code 2)` +
    at('greet_via_run', 'AW_AWAIT(f, greet(&f->hello, "via"'));
});

test('a bounded-wait call past its deadline fails with SYS_UNKNOWN', async () => {
  const { s, rt, hello, text } = setup();
  s.injectFault({ kind: 'delay', canister: hello, method: 'greet', rounds: 100, times: 1 });
  const h = s.submitCall(rt, 'greet_via', enc([IDL.Principal, N], [P(hello), 5n]));
  await s.tick(2);
  s.advanceTime(6_000_000_000n);
  const r = await s.awaitCall(h);
  rejected(r, RejectCode.CANISTER_REJECT,
    new RegExp(`^greet_via: IC call rejected: ${text(hello)}\\.greet rejected \\(SYS_UNKNOWN\\): .* \\(code 6\\)\\n  at greet_via_run`));
  eq(replied(await s.updateCall(rt, 'greet_via', enc([IDL.Principal, N], [P(hello), 5n])), [IDL.Text]), ['Hello, via!'],
    'the next bounded-wait call');
});

test('calls through an operation slot: raw, from an ic_call, decoded into the frame', async () => {
  const { s, rt, hello } = setup();
  for (const mode of [0n, 1n, 2n])
    eq(replied(await s.updateCall(rt, 'greet_op', enc([IDL.Principal, N], [P(hello), mode])), [IDL.Text]),
      ['Hello, op!'], `mode ${mode}`);
  eq(replied(await s.queryCall(rt, 'op_finally', enc([], [])), [N]), [3n], 'FINALLY ran once per call');
});

test('a slot call whose reply does not decode fails with the decoder error', async () => {
  const { s, rt, hello, text } = setup();
  rejected(await s.updateCall(rt, 'greet_op', enc([IDL.Principal, N], [P(hello), 3n])), RejectCode.CANISTER_REJECT,
    `greet_op: Candid decode: ${text(hello)}.greet reply: byte 7: type mismatch: wire type text cannot be decoded ` +
    'at expected type nat64 (code -3)' + at('greet_op_run', 'sizeof greet_op_arg - 1, &t_nat64'));
});

test('a slot call: reject and call_perform failure fail the slot with their messages', async () => {
  const { s, rt, hello, text } = setup();
  s.injectFault({ kind: 'reject', canister: hello, method: 'greet', code: 4, message: 'nope', times: 1 });
  rejected(await s.updateCall(rt, 'greet_op', enc([IDL.Principal, N], [P(hello), 2n])), RejectCode.CANISTER_REJECT,
    `greet_op: IC call rejected: ${text(hello)}.greet rejected (CANISTER_REJECT): nope (code 4)` +
    at('greet_op_run', ' f->text));'));
  s.injectFault({ kind: 'perform_fail', canister: rt, method: 'greet', times: 1 });
  rejected(await s.updateCall(rt, 'greet_op', enc([IDL.Principal, N], [P(hello), 0n])), RejectCode.CANISTER_REJECT,
    `greet_op: call perform failed: ${text(hello)}.greet: call_perform failed: the IC did not make the call (code 2)` +
    at('greet_op_run', 'sizeof greet_op_arg - 1));'));
});

test('a slot call whose waiter was cancelled: the late reply is dropped, nothing written to the reused frame', async () => {
  const { s, rt, hello } = setup();
  const state = async () => replied(await s.queryCall(rt, 'cancel_op_state', enc([], [])), [N, N, N, IDL.Bool]);
  for (const mode of [0n, 1n]) { // ic_call_decode_op, ic_call_raw_op
    const h = s.submitCall(rt, 'cancel_op', enc([IDL.Principal, N], [P(hello), mode]));
    eq(replied(await s.awaitCall(h), [N]), [1n], `mode ${mode}: replied with the cancelled call still in flight`);
    await s.tick(4); // hello answers; the reply callback runs on the runtime's record only
    const [inFlight, finallyRuns, cancelled, intact] = await state();
    eq([inFlight, finallyRuns, cancelled], [0n, mode + 1n, mode + 1n], `mode ${mode}: call ended, FINALLY ran cancelled`);
    eq(intact, true, `mode ${mode}: the reused frame is untouched`);
  }
  eq(replied(await s.updateCall(rt, 'greet_op', enc([IDL.Principal, N], [P(hello), 2n])), [IDL.Text]), ['Hello, op!'],
    'the next slot call (its record reused)');
});

test("the core's log reaches debug_print one line per call (a detached task's uncaught error)", async () => {
  const { s, rt } = setup();
  replied(await s.updateCall(rt, 'detached_fail', enc([], [])), []);
  const log = s.logs(rt).map((l) => l.text);
  const i = log.findIndex((l) => l.startsWith('asyncwasm: uncaught error in detached task 0x'));
  ok(i >= 0 && log[i].endsWith(':'), `the hook's first line: ${JSON.stringify(log)}`);
  eq(log.slice(i + 1), ['application error: detached failure',
    at('detached_run', 'AW_THROW(f, AW_E_APP, "detached failure")').slice(1)], 'then one entry per line, no newline');
});

test('a trap after a slot await: cleanup cancels the slot and FINALLY runs', async () => {
  const { s, rt, hello } = setup();
  const r = await s.updateCall(rt, 'greet_op', enc([IDL.Principal, N], [P(hello), 4n]));
  eq(r.rejectCode, RejectCode.CANISTER_ERROR, 'the IC answers for the trapped callback');
  ok(r.rejectMessage.includes('greet_op: trapping after the await'), `message ${r.rejectMessage}`);
  eq(replied(await s.queryCall(rt, 'op_finally', enc([], [])), [N]), [1n], 'FINALLY ran in cleanup');
  eq(replied(await s.updateCall(rt, 'greet_op', enc([IDL.Principal, N], [P(hello), 2n])), [IDL.Text]), ['Hello, op!'],
    'the next slot call');
});

test('a one-way call is performed and its target runs', async () => {
  const { s, rt, hello } = setup();
  eq(replied(await s.updateCall(rt, 'notify', enc([IDL.Principal], [P(hello)])), [N]), [0n]);
  await s.tick(3);
  eq(replied(await s.updateCall(hello, 'inc', enc([], [])), [N]), [2n], 'counter after notify + inc');
});

test('an async composite query awaits another canister\'s query', async () => {
  const { s, rt, hello } = setup();
  eq(replied(await s.queryCall(rt, 'cq_greet', enc([IDL.Principal], [P(hello)])), [IDL.Text]), ['Hello, composite!']);
});

test('timers: one-shot and interval on the global timer; cancel stops the interval', async () => {
  const { s, rt } = setup();
  const fired = async () => replied(await s.queryCall(rt, 'fired', enc([], [])), [N, N]);
  const [id] = replied(await s.updateCall(rt, 'timers', enc([N, N], [1_000_000_000n, 2_000_000_000n])), [N]);
  eq(await fired(), [0n, 0n], 'before');
  s.advanceTime(1_000_000_000n); await s.tick(1);
  eq(await fired(), [1n, 0n], 'after 1 s');
  s.advanceTime(1_000_000_000n); await s.tick(1);
  eq(await fired(), [1n, 1n], 'after 2 s');
  s.advanceTime(2_000_000_000n); await s.tick(1);
  eq(await fired(), [1n, 2n], 'after 4 s');
  eq(replied(await s.updateCall(rt, 'cancel', enc([N], [id])), [IDL.Bool]), [true], 'cancel');
  s.advanceTime(4_000_000_000n); await s.tick(2);
  eq(await fired(), [1n, 2n], 'after cancel');
  eq(replied(await s.updateCall(rt, 'cancel', enc([N], [id])), [IDL.Bool]), [false], 'cancel again');
  eq(s.canister(rt).timer, 0n, 'global timer disarmed when nothing is scheduled');
});

test('a reader at IC_TYPES_ANY: the library decoder reads the argument (subtyping, end check); ic_read_* and writers are refused', async () => {
  const { s, rt } = setup();
  const q = (bytes) => s.queryCall(rt, 'any_types', bytes);
  const rest = '; ic_read_nat64: invalid use of the API; ic_writer_begin: invalid type';
  eq(replied(await q(enc([N], [5n])), [IDL.Text]), [`n 5${rest}`]);
  eq(replied(await q(enc([N, IDL.Text], [7n, 'extra'])), [IDL.Text]), [`n 7${rest}`], 'an extra argument');
  rejected(await q(enc([IDL.Text], ['x'])), RejectCode.CANISTER_REJECT, /^any_types: invalid arguments: .*type mismatch/);
  rejected(await q(enc([], [])), RejectCode.CANISTER_REJECT, /^any_types: invalid arguments: .+/);
  const valid = enc([N], [5n]);
  rejected(await q(new Uint8Array([...valid, 0])), RejectCode.CANISTER_REJECT, /^any_types: invalid arguments: .+/);
  rejected(await q(valid.slice(0, -1)), RejectCode.CANISTER_REJECT, /^any_types: invalid arguments: .+/);
});

test('stable memory keeps state across an upgrade (pre_upgrade save, post_upgrade load)', async () => {
  const { s, rt } = setup();
  eq(replied(await s.updateCall(rt, 'set_note', enc([IDL.Text], ['kept'])), []), []);
  s.installCode(rt, wasm('runtime'), enc([], []), { mode: 'upgrade' });
  eq(replied(await s.queryCall(rt, 'get_note', enc([], [])), [IDL.Text]), ['kept']);
});

test('async stable memory: write then read back; a read beyond the end fails', async () => {
  const { s, rt } = setup();
  eq(replied(await s.updateCall(rt, 'stable_roundtrip', enc([IDL.Vec(IDL.Nat8)], [bytes([1, 2, 3])])), [IDL.Vec(IDL.Nat8)]),
    [bytes([1, 2, 3])]);
  rejected(await s.updateCall(rt, 'stable_read_beyond', enc([], [])), RejectCode.CANISTER_REJECT,
    'stable_read_beyond: I/O error: stable memory read out of range' +
    at('stable_beyond_run', 'AW_AWAIT(f, ic_stable_read_async(f->back, ic_stable_bytes()'));
});

test('raw_rand gives 32 bytes, different each time', async () => {
  const { s, rt } = setup();
  const [a] = replied(await s.updateCall(rt, 'rand', enc([], [])), [IDL.Vec(IDL.Nat8)]);
  const [b] = replied(await s.updateCall(rt, 'rand', enc([], [])), [IDL.Vec(IDL.Nat8)]);
  eq(a.length, 32);
  ok(Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0, 'two draws differ');
});

test('sign_with_ecdsa: the signature verifies under the derived public key', async () => {
  const { s, rt } = setup();
  const me = Principal.fromText('2vxsx-fae');
  const hash = bytes(Array.from({ length: 32 }, (_, i) => i));
  const [sig] = replied(await s.updateCall(rt, 'sign_ecdsa', enc([IDL.Vec(IDL.Nat8)], [hash]), { sender: me }), [IDL.Vec(IDL.Nat8)]);
  const { publicKey } = createThreshold(s.seed).ecdsaPublicKey('dfx_test_key', rt, [me.toUint8Array()]);
  eq(sig.length, 64);
  ok(secp256k1.verify(sig, hash, publicKey, { prehash: false }), 'ECDSA signature verifies');
});

test('sign_with_ecdsa with an unknown key fails before any call', async () => {
  const { s, rt } = setup();
  rejected(await s.updateCall(rt, 'sign_bad_key', enc([IDL.Vec(IDL.Nat8)], [new Uint8Array(32)])), RejectCode.CANISTER_REJECT,
    'sign_bad_key: error: sign_with_ecdsa: unknown key name "no_such_key"' +
    at('sign_bad_run', 'AW_AWAIT(f, sign_ecdsa(f, "no_such_key")'));
});

test('schnorr_public_key and sign_with_schnorr (BIP340 and Ed25519) verify', async () => {
  const { s, rt } = setup();
  const me = Principal.fromText('2vxsx-fae');
  const th = createThreshold(s.seed);
  const call = async (ed, msg) => replied(await s.updateCall(rt, 'schnorr',
    enc([IDL.Bool, IDL.Vec(IDL.Nat8)], [ed, msg]), { sender: me }), [IDL.Vec(IDL.Nat8)])[0];
  const msg = new TextEncoder().encode('asyncwasm');
  const bip = th.schnorrPublicKey('bip340secp256k1', 'dfx_test_key', rt, [me.toUint8Array()]).publicKey;
  eq(await call(false, new Uint8Array(0)), bytes(bip), 'BIP340 public key');
  ok(schnorr.verify(await call(false, msg), msg, bip.slice(1)), 'BIP340 signature verifies');
  const edk = th.schnorrPublicKey('ed25519', 'dfx_test_key', rt, [me.toUint8Array()]).publicKey;
  eq(await call(true, new Uint8Array(0)), bytes(edk), 'Ed25519 public key');
  ok(ed25519.verify(await call(true, msg), msg, edk), 'Ed25519 signature verifies');
});

test('http_request: the outcall reaches the handler, status and body come back', async () => {
  const { s, rt } = setup({
    httpHandler: async (req) => ({ status: 201, headers: [], body: `${req.method} ${req.url}` }),
  });
  eq(replied(await s.updateCall(rt, 'fetch', enc([IDL.Text], ['https://example.org/x'])), [IDL.Nat, IDL.Vec(IDL.Nat8)]),
    [201n, bytes(Buffer.from('GET https://example.org/x'))]);
});

test('canister_status of itself: running, with a module', async () => {
  const { s, rt } = setup();
  eq(replied(await s.updateCall(rt, 'status', enc([], [])), [N, IDL.Bool]), [1n, true]);
});

test('create_canister + install_code: the new canister answers', async () => {
  const { s, rt } = setup();
  const [id] = replied(await s.updateCall(rt, 'spawn', enc([IDL.Vec(IDL.Nat8)], [bytes(wasm('hello'))])), [IDL.Principal]);
  eq(replied(await s.queryCall(id, 'greet', enc([IDL.Text], ['child'])), [IDL.Text]), ['Hello, child!']);
});

test('async_t_ecdsa getPublicKey replies the key derived from the caller', async () => {
  const s = sim();
  const id = s.install('async_t_ecdsa');
  const me = Principal.fromText('2vxsx-fae');
  const Result = IDL.Record({ public_key: IDL.Vec(IDL.Nat8), chain_code: IDL.Vec(IDL.Nat8) });
  const [r] = replied(await s.updateCall(id, 'getPublicKey', enc([], []), { sender: me }), [Result]);
  const want = createThreshold(s.seed).ecdsaPublicKey('dfx_test_key', id, [me.toUint8Array()]);
  eq(r.public_key, bytes(want.publicKey), 'public key');
  eq(r.chain_code, bytes(want.chainCode), 'chain code');
  eq(r.public_key.length, 33);
});

test('generated management bindings (candid gen c of ic.did) give the same key as the helper', async () => {
  const s = sim();
  const gen = s.install('mgmt_gen');
  const me = Principal.fromText('2vxsx-fae');
  const [key] = replied(await s.updateCall(gen, 'ecdsa_key', enc([], []), { sender: me }), [IDL.Vec(IDL.Nat8)]);
  const want = createThreshold(s.seed).ecdsaPublicKey('dfx_test_key', gen, [me.toUint8Array()]);
  eq(key, bytes(want.publicKey));
});

await run();
