// The management canister helpers (include/asyncwasm/ic_mgmt.h, src/ic/mgmt.c over the bindings
// generated from ic.did) in icsim, through tests/ic/mgmt.c. For each helper: what the management
// canister receives (the decoded argument and the cycles attached, seen by a spy on icsim's
// request delivery), what the canister's balance pays, and what the helper makes of the reply.
// Keys and signatures are checked against icsim's key derivation with @noble/curves; the
// expected fees are the interface spec's cost imports as icsim prices them (13-node subnet).
import { createHash } from 'node:crypto';
import { secp256k1, schnorr } from '@noble/curves/secp256k1';
import { ed25519 } from '@noble/curves/ed25519';
import { createThreshold } from '../../tools/icsim/src/threshold.js';
import { test, run, eq, ok, sim, enc, replied, rejected, wasm, IDL, Principal, RejectCode } from './harness.mjs';

const Blob = IDL.Vec(IDL.Nat8);
const me = Principal.fromText('2vxsx-fae'); // the anonymous caller of every update below
const bytes = (a) => Uint8Array.from(a);
const hex = (b) => Buffer.from(b).toString('hex');
// A call's reject as the helpers report it: the generated stub's task, then the helper's.
const STUB_TRACE = '\\n  at ic_mc__call_run \\(build/candid_gen/mgmt_did/mgmt_did\\.c:\\d+\\)\\n  at mgmt_run \\(src/ic/mgmt\\.c:\\d+\\)';

// icsim's prices (tools/icsim/src/system_api.js): what the helpers must attach.
const SIGN_FEE = { dfx_test_key: 10_000_000_000n, test_key_1: 10_000_000_000n, key_1: 26_153_846_153n };
const CREATE_FEE = 500_000_000_000n;
const httpFee = (requestBytes, maxResponse) => 49_140_000n + 5_200n * BigInt(requestBytes) + 10_400n * BigInt(maxResponse);

/** A simulator with tests/ic/mgmt.c installed, recording every request to the management canister. */
function setup(options = {}) {
  const s = sim(options);
  const calls = [];
  const deliver = s.deliverRequest.bind(s);
  s.deliverRequest = (msg) => {
    if (msg.to.length === 0) calls.push({ method: msg.method, cycles: msg.cycles, arg: msg.arg });
    return deliver(msg);
  };
  const id = s.install('mgmt');
  const update = (method, types, vals) => s.updateCall(id, method, enc(types, vals), { sender: me });
  return { s, id, calls, update, th: createThreshold(s.seed) };
}

/** The one management call made since `from`: its method and attached cycles. */
function oneCall(calls, method, cycles) {
  eq(calls.length, 1, `management calls (${calls.map((c) => c.method).join(', ')})`);
  eq(calls[0].method, method, 'method');
  eq(calls[0].cycles, cycles, `cycles attached to ${method}`);
}

test('raw_rand: 32 bytes, no cycles attached, nothing paid', async () => {
  const { s, id, calls, update } = setup();
  const before = s.cycleBalance(id);
  const [a] = replied(await update('rand', [], []), [Blob]);
  oneCall(calls, 'raw_rand', 0n);
  eq(a.length, 32, 'bytes');
  eq(s.cycleBalance(id), before, 'balance');
  const [b] = replied(await update('rand', [], []), [Blob]);
  ok(hex(a) !== hex(b), 'two draws differ');
});

test('a helper cancelled while its call is in flight: the late reply is dropped, the canister goes on', async () => {
  const { s, id, calls, update } = setup();
  const [a] = replied(await update('rand_cancelled', [], []), [Blob]);
  eq(calls.map((c) => c.method), ['raw_rand', 'raw_rand'], 'both calls were made');
  eq(a.length, 32, 'the second draw');
  await s.tick(3);
  eq(s.logs(id).filter((l) => l.text.startsWith('[TRAP]')).length, 0, 'no trap');
  ok(!s.hasWork(), 'the late reply was delivered');
  const [b] = replied(await update('rand', [], []), [Blob]);
  eq(b.length, 32, 'the canister still answers');
});

test('ecdsa_public_key: this canister\'s key or another\'s, under the path [caller], no cycles', async () => {
  const { s, id, calls, update, th } = setup();
  const other = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
  const [pk, cc] = replied(await update('ecdsa_key', [IDL.Opt(IDL.Principal)], [[]]), [Blob, Blob]);
  oneCall(calls, 'ecdsa_public_key', 0n);
  const want = th.ecdsaPublicKey('dfx_test_key', id, [me.toUint8Array()]);
  eq(hex(pk), hex(want.publicKey), 'public key of this canister');
  eq(hex(cc), hex(want.chainCode), 'chain code');
  const [pk2] = replied(await update('ecdsa_key', [IDL.Opt(IDL.Principal)], [[other]]), [Blob, Blob]);
  eq(hex(pk2), hex(th.ecdsaPublicKey('dfx_test_key', other.toUint8Array(), [me.toUint8Array()]).publicKey),
    'public key of canister_id');
  eq(s.cycleBalance(id), 100_000_000_000_000n, 'balance');
});

test('schnorr_public_key: BIP340 and Ed25519 keys of this canister or another', async () => {
  const { id, calls, update, th } = setup();
  const other = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
  for (const [ed, alg, len] of [[false, 'bip340secp256k1', 33], [true, 'ed25519', 32]]) {
    calls.length = 0;
    const [pk, cc] = replied(await update('schnorr_key', [IDL.Bool, IDL.Opt(IDL.Principal)], [ed, []]), [Blob, Blob]);
    oneCall(calls, 'schnorr_public_key', 0n);
    const want = th.schnorrPublicKey(alg, 'test_key_1', id, [me.toUint8Array()]);
    eq(pk.length, len, `${alg} key length`);
    eq(hex(pk), hex(want.publicKey), `${alg} key`);
    eq(hex(cc), hex(want.chainCode), `${alg} chain code`);
    const [pk2] = replied(await update('schnorr_key', [IDL.Bool, IDL.Opt(IDL.Principal)], [ed, [other]]), [Blob, Blob]);
    eq(hex(pk2), hex(th.schnorrPublicKey(alg, 'test_key_1', other.toUint8Array(), [me.toUint8Array()]).publicKey),
      `${alg} key of canister_id`);
  }
});

test('sign_with_ecdsa attaches ic0.cost_sign_with_ecdsa for the key, and the signature verifies', async () => {
  const { s, id, calls, update, th } = setup();
  const hash = bytes(Array.from({ length: 32 }, (_, i) => 255 - i));
  for (const key of ['dfx_test_key', 'key_1']) {
    calls.length = 0;
    const before = s.cycleBalance(id);
    const [sig] = replied(await update('sign_ecdsa', [IDL.Text, Blob], [key, hash]), [Blob]);
    oneCall(calls, 'sign_with_ecdsa', SIGN_FEE[key]);
    eq(before - s.cycleBalance(id), SIGN_FEE[key], `${key}: cycles paid`);
    const { publicKey } = th.ecdsaPublicKey(key, id, [me.toUint8Array()]);
    ok(secp256k1.verify(sig, hash, publicKey, { prehash: false }), `${key}: signature verifies`);
  }
});

test('sign_with_schnorr attaches ic0.cost_sign_with_schnorr; BIP340 and Ed25519 signatures verify', async () => {
  const { s, id, calls, update, th } = setup();
  const msg = new TextEncoder().encode('a message of any length, not a hash');
  for (const [ed, alg, verify] of [
    [false, 'bip340secp256k1', (sig, pk) => schnorr.verify(sig, msg, pk.slice(1))],
    [true, 'ed25519', (sig, pk) => ed25519.verify(sig, msg, pk)],
  ]) {
    calls.length = 0;
    const before = s.cycleBalance(id);
    const [sig] = replied(await update('sign_schnorr', [IDL.Text, IDL.Bool, Blob], ['key_1', ed, msg]), [Blob]);
    oneCall(calls, 'sign_with_schnorr', SIGN_FEE.key_1);
    eq(before - s.cycleBalance(id), SIGN_FEE.key_1, `${alg}: cycles paid`);
    eq(sig.length, 64, `${alg}: signature length`);
    ok(verify(sig, th.schnorrPublicKey(alg, 'key_1', id, [me.toUint8Array()]).publicKey), `${alg}: verifies`);
  }
});

test('an unknown key name fails before any call, for ECDSA and Schnorr', async () => {
  const { calls, update } = setup();
  const r1 = await update('sign_ecdsa', [IDL.Text, Blob], ['no_such_key', new Uint8Array(32)]);
  rejected(r1, RejectCode.CANISTER_REJECT, /^sign_ecdsa: error: sign_with_ecdsa: unknown key name "no_such_key"\n  at sign_ecdsa_run \(tests\/ic\/mgmt\.c:\d+\)$/);
  const r2 = await update('sign_schnorr', [IDL.Text, IDL.Bool, Blob], ['nope', true, new Uint8Array(3)]);
  rejected(r2, RejectCode.CANISTER_REJECT, /^sign_schnorr: error: sign_with_schnorr: unknown key name "nope"\n  at sign_schnorr_run /);
  eq(calls.length, 0, 'no management call');
});

test('http_request: method, url, body and limit reach the outcall; the fee is attached and paid', async () => {
  const seen = [];
  const { s, id, calls, update } = setup({
    httpHandler: async (req) => {
      seen.push(req);
      return { status: 201, headers: [], body: `${req.method} ${req.url} ${Buffer.from(req.body ?? []).toString()}` };
    },
  });
  const url = 'https://example.org/items';
  const T = [IDL.Text, IDL.Text, IDL.Opt(Blob), IDL.Nat64];
  const before = s.cycleBalance(id);
  const [status, body] = replied(await update('fetch', T, ['post', url, [bytes([104, 105])], 1000n]), [IDL.Nat, Blob]);
  eq(status, 201n, 'status');
  eq(Buffer.from(body).toString(), `POST ${url} hi`, 'body');
  eq(seen[0].maxResponseBytes, 1000n, 'max_response_bytes');
  oneCall(calls, 'http_request', httpFee(url.length + 2, 1000));
  eq(before - s.cycleBalance(id), httpFee(url.length + 2, 1000), 'cycles paid');

  // No body and no limit: the fee reserves the IC's default response size, 2,000,000 bytes.
  calls.length = 0;
  replied(await update('fetch', T, ['get', url, [], 0n]), [IDL.Nat, Blob]);
  eq(seen[1].method, 'GET', 'method');
  eq(seen[1].maxResponseBytes, 2_000_000n, 'default max_response_bytes');
  oneCall(calls, 'http_request', httpFee(url.length, 2_000_000));
});

test('http_request: an unknown method fails before any call; a rejected outcall rejects', async () => {
  const { calls, update } = setup({ httpHandler: () => { throw { rejectCode: 2, message: 'Timeout expired' }; } });
  const T = [IDL.Text, IDL.Text, IDL.Opt(Blob), IDL.Nat64];
  rejected(await update('fetch', T, ['trace', 'https://x.org', [], 0n]), RejectCode.CANISTER_REJECT,
    /^fetch: error: http_request: unknown method "trace"\n  at fetch_run /);
  eq(calls.length, 0, 'no management call');
  rejected(await update('fetch', T, ['head', 'https://x.org', [], 0n]), RejectCode.CANISTER_REJECT,
    new RegExp('^fetch: IC call rejected: aaaaa-aa\\.http_request rejected \\(SYS_TRANSIENT\\): Timeout expired \\(code 2\\)' +
      STUB_TRACE + '\\n  at fetch_run '));
});

test('canister_status of itself: running, memory, balance and module hash; no cycles', async () => {
  const { s, id, calls, update } = setup();
  const T = [IDL.Nat, IDL.Nat64, IDL.Nat64, IDL.Nat64, IDL.Opt(Blob)];
  const [status, memory, hi, lo, hash] = replied(await update('status', [IDL.Principal], [Principal.fromUint8Array(id)]), T);
  oneCall(calls, 'canister_status', 0n);
  eq(status, 1n, 'IC_STATUS_RUNNING');
  ok(memory >= 65536n && memory % 65536n === 0n, `memory_size ${memory}: whole wasm pages`);
  eq((hi << 64n) | lo, s.cycleBalance(id), 'cycles');
  eq(hex(hash[0]), createHash('sha256').update(wasm('mgmt')).digest('hex'), 'module hash');
});

test('canister_status of a canister it does not control: the reject reaches the caller', async () => {
  const { s, update } = setup();
  const stranger = s.install('hello');
  const text = Principal.fromUint8Array(stranger).toText();
  rejected(await update('status', [IDL.Principal], [Principal.fromUint8Array(stranger)]), RejectCode.CANISTER_REJECT,
    new RegExp(`^status: IC call rejected: aaaaa-aa\\.canister_status rejected \\(CANISTER_ERROR\\): Only the controllers of canister ${text} can call canister_status \\(code 5\\)${STUB_TRACE}\\n  at status_run `));
});

test('create_canister attaches ic0.cost_create_canister plus the balance asked for', async () => {
  const { s, id, calls, update } = setup();
  eq(replied(await update('cost_create', [], []), [IDL.Nat64, IDL.Nat64]), [0n, CREATE_FEE], 'ic_cost_create_canister');
  const before = s.cycleBalance(id);
  const [child] = replied(await update('spawn', [IDL.Nat64], [2_000_000_000_000n]), [IDL.Principal]);
  oneCall(calls, 'create_canister', CREATE_FEE + 2_000_000_000_000n);
  eq(before - s.cycleBalance(id), CREATE_FEE + 2_000_000_000_000n, 'cycles paid');
  const c = s.canister(child.toUint8Array());
  eq(c.controllers.map((p) => hex(p)), [hex(id)], 'the spawner controls the new canister');
});

test('install_code: install, upgrade and reinstall of a created canister; no cycles', async () => {
  const { s, calls, update } = setup();
  const [child] = replied(await update('spawn', [IDL.Nat64], [1_000_000_000_000n]), [IDL.Principal]);
  const T = [IDL.Principal, IDL.Nat, Blob, Blob];
  const empty = enc([], []);
  const greet = async () => replied(await s.updateCall(child.toUint8Array(), 'greet', enc([IDL.Text], ['c'])), [IDL.Text])[0];
  for (const [mode, name] of [[0n, 'install'], [2n, 'upgrade'], [1n, 'reinstall']]) {
    calls.length = 0;
    replied(await update('install', T, [child, mode, wasm('hello'), empty]), []);
    oneCall(calls, 'install_code', 0n);
    const mgmtArg = IDL.decode([IDL.Record({ mode: IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Opt(IDL.Record({})) }) })], calls[0].arg)[0];
    eq(Object.keys(mgmtArg.mode), [name], 'mode sent');
    eq(await greet(), 'Hello, c!', `${name}: the module answers`);
  }
  eq(s.canister(child.toUint8Array()).version, 3n, 'canister version after three installs');
  // Installing again over code is refused by the IC: the reject reaches the caller.
  rejected(await update('install', T, [child, 0n, wasm('hello'), empty]), RejectCode.CANISTER_REJECT,
    new RegExp(`^install: IC call rejected: aaaaa-aa\\.install_code rejected \\(CANISTER_ERROR\\): .*${STUB_TRACE}\\n  at install_run `));
});

await run();
