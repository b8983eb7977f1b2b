// Tests of icsim's management services (tools/icsim/src/mgmt_services.js, threshold.js):
// threshold key derivation against @dfinity/ic-pub-key, signatures checked with @noble/curves,
// rejects for malformed arguments, unknown keys and too few cycles, and HTTP outcalls served by
// a test handler with a transform. The services are called directly, with Candid-encoded
// arguments, exactly as icsim's management canister dispatch calls them.
// Run: node_modules/.bin/node tests/icsim/mgmt/run.mjs   (ends with `N passed, M failed`)

import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { ecdsa as icEcdsa, schnorr as icSchnorr } from '@dfinity/ic-pub-key';
import { secp256k1, schnorr } from '@noble/curves/secp256k1';
import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha256';
import {
  createMgmtServices,
  httpRequestFee,
  TYPES,
  REJECT,
  HTTP_LIMITS,
} from '../../../tools/icsim/src/mgmt_services.js';
import { derivePublicKey } from '../../../tools/icsim/src/threshold.js';
import { test, run, eq, ok, bytesEq, rejects } from './harness.mjs';

const CALLER = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai').toUint8Array();
const OTHER = Principal.fromText('rwlgt-iiaaa-aaaaa-aaaaa-cai').toUint8Array();
const FEE = 10_000_000_000n;

function ctx(extra = {}) {
  return {
    callerId: CALLER,
    cyclesAttached: 0n,
    timeNs: 1_700_000_000_000_000_000n,
    callQuery: async () => {
      throw new Error('no query expected');
    },
    ...extra,
  };
}

function enc(method, value) {
  return new Uint8Array(IDL.encode([TYPES[method].arg], [value]));
}

function dec(method, bytes) {
  return IDL.decode([TYPES[method].result], bytes)[0];
}

async function call(svc, method, value, extra) {
  const r = await svc.methods[method](ctx(extra), enc(method, value));
  return { value: dec(method, r.reply), cyclesAccepted: r.cyclesAccepted };
}

const hex = (b) => Buffer.from(b).toString('hex');
const u8 = (...xs) => new Uint8Array(xs);
const ecdsaKey = (name = 'dfx_test_key') => ({ curve: { secp256k1: null }, name });
const schnorrKey = (alg, name = 'dfx_test_key') => ({ algorithm: { [alg]: null }, name });
const PATHS = [[], [u8(0, 0, 0, 1)], [u8(0, 0, 0, 7), u8()], [new TextEncoder().encode('user-42'), u8(255, 1)]];

const svc = createMgmtServices({ seed: 7 });

// ---- derivation: known answers -----------------------------------------------------------------

// Keys PocketIC (the IC's own implementation) derived from its test master keys for canister
// uzt4z-lp777-77774-qaabq-cai and the path "Test Derivation For PocketIC <Scheme> <key>" split
// at spaces; recorded in the test suite of github.com/dfinity/ic-pub-key
// (src/*/*.tests/pocketic_derivation.test.ts). The master keys come from @dfinity/ic-pub-key.
const POCKETIC_VECTORS = [
  ['ecdsa', 'ECDSA secp256k1', 'key_1', '03bca84b5629dc70a37cadb5b3cda0bfc35abc5658f1d9bf8335b10199785a3836'],
  ['ecdsa', 'ECDSA secp256k1', 'test_key_1', '022ff35c84bd4cf899707789cfe5db76ce4a650563e678c53e8b128cb4bf4c3763'],
  ['ecdsa', 'ECDSA secp256k1', 'dfx_test_key', '03f005cf69911ae75f622ce0a621ccddba1a30ea1f6c3d67dd56acbbddb88a9374'],
  ['bip340secp256k1', 'Bip340secp256k1', 'key_1', '024f77f16549f46e56ef2d33223487dddce3ca4fab7368e2b2cb5c03286d59756a'],
  ['bip340secp256k1', 'Bip340secp256k1', 'test_key_1', '029b3356b7f6070eb611f88a9a0ea1071131269ed4a6765ce8809796d048aafb33'],
  ['bip340secp256k1', 'Bip340secp256k1', 'dfx_test_key', '02cf1cf363bf09db82d48a8e18a58abbc7d95a9c9e85167a6cc5dea5d81cac2904'],
  ['ed25519', 'Ed25519', 'key_1', '41a958daab5eded78e32e06be097ff85563a0d71230114bf52cfb7d633110393'],
  ['ed25519', 'Ed25519', 'test_key_1', '6a0d9ea275f24797b451a42b824bda2a8576d35c73de08417092cbe0128849dc'],
  ['ed25519', 'Ed25519', 'dfx_test_key', '3e9346f7c29d9c3a651309edbf92afbe1ac2eb6c02f2d384f6c105a5b6e8c75f'],
];

test('derivation reproduces the keys PocketIC derives from its master keys (9 vectors)', async () => {
  const canister = Principal.fromText('uzt4z-lp777-77774-qaabq-cai').toUint8Array();
  for (const [scheme, label, name, want] of POCKETIC_VECTORS) {
    const lib = scheme === 'ecdsa' ? icEcdsa.secp256k1 : icSchnorr[scheme];
    const m = lib.PublicKeyWithChainCode.forPocketIcKey(name).public_key;
    const masterBytes = scheme === 'ed25519' ? Buffer.from(m.toHex(), 'hex') : m.bytes;
    const path = `Test Derivation For PocketIC ${label} ${name}`.split(' ').map((w) => new TextEncoder().encode(w));
    eq(hex(derivePublicKey(scheme, masterBytes, canister, path).publicKey), want, `${scheme} ${name}`);
  }
});

// ---- ECDSA ------------------------------------------------------------------------------------

test('ecdsa_public_key derivation matches @dfinity/ic-pub-key for several paths', async () => {
  const m = svc.keys.masterPublicKey('ecdsa', 'dfx_test_key');
  const k = icEcdsa.secp256k1;
  const master = new k.PublicKeyWithChainCode(new k.Sec1EncodedPublicKey(m.publicKey), new k.ChainCode(m.chainCode));
  for (const path of PATHS) {
    const { value } = await call(svc, 'ecdsa_public_key', { canister_id: [], derivation_path: path, key_id: ecdsaKey() });
    const want = master.deriveSubkeyWithChainCode(k.DerivationPath.withCanisterPrefix(Principal.fromUint8Array(CALLER), path));
    eq(value.public_key.length, 33, 'SEC1 compressed length');
    ok(value.public_key[0] === 2 || value.public_key[0] === 3, 'SEC1 compressed prefix');
    eq(hex(value.public_key), want.public_key.toHex(), 'public key');
    eq(hex(value.chain_code), want.chain_code.toHex(), 'chain code');
  }
});

test('ecdsa_public_key: canister_id defaults to the caller, explicit id gives that canister key', async () => {
  const mine = await call(svc, 'ecdsa_public_key', { canister_id: [], derivation_path: [], key_id: ecdsaKey() });
  const explicit = await call(svc, 'ecdsa_public_key', {
    canister_id: [Principal.fromUint8Array(CALLER)], derivation_path: [], key_id: ecdsaKey(),
  });
  const other = await call(svc, 'ecdsa_public_key', {
    canister_id: [Principal.fromUint8Array(OTHER)], derivation_path: [], key_id: ecdsaKey(),
  });
  bytesEq(mine.value.public_key, explicit.value.public_key, 'default = caller');
  ok(hex(mine.value.public_key) !== hex(other.value.public_key), 'another canister has another key');
  eq(mine.cyclesAccepted, 0n, 'public keys are free');
});

test('master keys are fixed by the seed and differ per key name', async () => {
  const a = createMgmtServices({ seed: 7 }).keys.masterPublicKey('ecdsa', 'test_key_1').publicKey;
  const b = createMgmtServices({ seed: 7 }).keys.masterPublicKey('ecdsa', 'test_key_1').publicKey;
  const c = createMgmtServices({ seed: 8 }).keys.masterPublicKey('ecdsa', 'test_key_1').publicKey;
  const d = createMgmtServices({ seed: 7 }).keys.masterPublicKey('ecdsa', 'key_1').publicKey;
  bytesEq(a, b, 'same seed, same key');
  ok(hex(a) !== hex(c), 'other seed, other key');
  ok(hex(a) !== hex(d), 'other name, other key');
});

// The ECDSA verification equation written out (SEC1 4.1.4): (z/s)G + (r/s)Q has x = r (mod n),
// where z is the 32-byte hash itself; guards against any library hashing the hash again.
function ecdsaEquationHolds(sig, hash, sec1) {
  const n = secp256k1.CURVE.n;
  const big = (b) => BigInt('0x' + hex(b));
  const [r, s, z] = [big(sig.slice(0, 32)), big(sig.slice(32)), big(hash)];
  let [a, b, x0, x1] = [s % n, n, 1n, 0n];
  while (a) {
    const q = b / a;
    [a, b] = [b - q * a, a];
    [x0, x1] = [x1 - q * x0, x0];
  }
  const w = ((x1 % n) + n) % n; // s^-1 mod n
  const G = secp256k1.ProjectivePoint.BASE;
  const R = G.multiply((z * w) % n).add(secp256k1.ProjectivePoint.fromHex(sec1).multiply((r * w) % n));
  return R.toAffine().x % n === r;
}

test('sign_with_ecdsa: 64-byte low-s signature verifying with @noble/curves; fee accepted', async () => {
  for (const path of PATHS) {
    const hash = sha256(new TextEncoder().encode('hello ' + path.length));
    const { value: pk } = await call(svc, 'ecdsa_public_key', { canister_id: [], derivation_path: path, key_id: ecdsaKey() });
    const { value, cyclesAccepted } = await call(
      svc, 'sign_with_ecdsa', { message_hash: hash, derivation_path: path, key_id: ecdsaKey() },
      { cyclesAttached: FEE + 5n },
    );
    eq(value.signature.length, 64, 'signature length');
    eq(cyclesAccepted, FEE, 'accepted exactly the fee');
    const s = BigInt('0x' + hex(value.signature.slice(32)));
    ok(s <= secp256k1.CURVE.n / 2n, 's is low');
    ok(secp256k1.verify(value.signature, hash, pk.public_key, { prehash: false }), 'verifies');
    ok(ecdsaEquationHolds(value.signature, hash, pk.public_key), 'verification equation on the raw hash');
    ok(!secp256k1.verify(value.signature, sha256(u8(1)), pk.public_key, { prehash: false }), 'not for another hash');
  }
});

test('sign_with_ecdsa: a signature does not verify under another path key', async () => {
  const hash = sha256(u8(9));
  const { value: pk } = await call(svc, 'ecdsa_public_key', { canister_id: [], derivation_path: [u8(1)], key_id: ecdsaKey() });
  const { value } = await call(svc, 'sign_with_ecdsa', { message_hash: hash, derivation_path: [u8(2)], key_id: ecdsaKey() },
    { cyclesAttached: FEE });
  ok(!secp256k1.verify(value.signature, hash, pk.public_key, { prehash: false }), 'wrong key rejects');
});

test('sign_with_ecdsa: key_1 costs 26,153,846,153 cycles', async () => {
  const args = { message_hash: new Uint8Array(32), derivation_path: [], key_id: ecdsaKey('key_1') };
  await rejects(call(svc, 'sign_with_ecdsa', args, { cyclesAttached: FEE }), REJECT.CANISTER_REJECT,
    'sign_with_ecdsa request sent with 10000000000 cycles, but 26153846153 cycles are required.');
  const r = await call(svc, 'sign_with_ecdsa', args, { cyclesAttached: 30_000_000_000n });
  eq(r.cyclesAccepted, 26_153_846_153n, 'accepted');
});

test('sign_with_ecdsa rejects: too few cycles, short hash, unknown key, long path, bad Candid', async () => {
  const good = { message_hash: new Uint8Array(32), derivation_path: [], key_id: ecdsaKey() };
  await rejects(call(svc, 'sign_with_ecdsa', good, { cyclesAttached: FEE - 1n }), REJECT.CANISTER_REJECT,
    'sign_with_ecdsa request sent with 9999999999 cycles, but 10000000000 cycles are required.');
  await rejects(call(svc, 'sign_with_ecdsa', { ...good, message_hash: new Uint8Array(31) }, { cyclesAttached: FEE }),
    REJECT.CANISTER_REJECT, 'message_hash must be 32 bytes');
  await rejects(call(svc, 'sign_with_ecdsa', { ...good, key_id: ecdsaKey('dfx_test_key1') }, { cyclesAttached: FEE }),
    REJECT.CANISTER_REJECT,
    'Unable to route management canister request sign_with_ecdsa: IDkgKeyError("Requested unknown or signing ' +
    'disabled threshold key: ecdsa:Secp256k1:dfx_test_key1, existing keys with signing enabled: ' +
    '[ecdsa:Secp256k1:dfx_test_key, ecdsa:Secp256k1:test_key_1, ecdsa:Secp256k1:key_1]")');
  await rejects(call(svc, 'sign_with_ecdsa', { ...good, derivation_path: Array.from({ length: 256 }, () => u8()) },
    { cyclesAttached: FEE }), REJECT.CANISTER_REJECT,
    'sign_with_ecdsa: derivation_path has 256 elements, at most 255 are allowed');
  await rejects(svc.methods.sign_with_ecdsa(ctx({ cyclesAttached: FEE }), u8(1, 2, 3)), REJECT.CANISTER_ERROR,
    /^Error decoding candid: /);
  const wrongType = new Uint8Array(IDL.encode([IDL.Record({ message_hash: IDL.Text })], [{ message_hash: 'x' }]));
  await rejects(svc.methods.sign_with_ecdsa(ctx({ cyclesAttached: FEE }), wrongType), REJECT.CANISTER_ERROR,
    /^Error decoding candid: /);
});

test('same seed, same signatures: ECDSA signing is deterministic (RFC 6979)', async () => {
  const args = { message_hash: sha256(u8(1, 2, 3)), derivation_path: [u8(5)], key_id: ecdsaKey('test_key_1') };
  const a = await call(createMgmtServices({ seed: 'x' }), 'sign_with_ecdsa', args, { cyclesAttached: FEE });
  const b = await call(createMgmtServices({ seed: 'x' }), 'sign_with_ecdsa', args, { cyclesAttached: FEE });
  bytesEq(a.value.signature, b.value.signature, 'signature');
});

test('ecdsa_public_key rejects an unknown key name before looking at the path', async () => {
  const long = Array.from({ length: 300 }, () => u8());
  await rejects(call(svc, 'ecdsa_public_key', { canister_id: [], derivation_path: long, key_id: ecdsaKey('nope') }),
    REJECT.CANISTER_REJECT, /^Unable to route management canister request ecdsa_public_key: /);
  await rejects(call(svc, 'ecdsa_public_key', { canister_id: [], derivation_path: long, key_id: ecdsaKey() }),
    REJECT.CANISTER_REJECT, 'ecdsa_public_key: derivation_path has 300 elements, at most 255 are allowed');
  await rejects(call(svc, 'ecdsa_public_key', { canister_id: [], derivation_path: [], key_id: ecdsaKey('nope') }),
    REJECT.CANISTER_REJECT,
    'Unable to route management canister request ecdsa_public_key: IDkgKeyError("Requested unknown threshold ' +
    'key: ecdsa:Secp256k1:nope, existing keys: [ecdsa:Secp256k1:dfx_test_key, ecdsa:Secp256k1:test_key_1, ' +
    'ecdsa:Secp256k1:key_1]")');
});

// ---- Schnorr ----------------------------------------------------------------------------------

test('schnorr bip340 public key derivation matches @dfinity/ic-pub-key', async () => {
  const m = svc.keys.masterPublicKey('bip340secp256k1', 'test_key_1', 'schnorr_public_key');
  const k = icSchnorr.bip340secp256k1;
  const master = new k.PublicKeyWithChainCode(new k.Sec1EncodedPublicKey(m.publicKey), new k.ChainCode(m.chainCode));
  for (const path of PATHS) {
    const { value } = await call(svc, 'schnorr_public_key', {
      canister_id: [], derivation_path: path, key_id: schnorrKey('bip340secp256k1', 'test_key_1'),
    });
    const want = master.deriveSubkeyWithChainCode(k.DerivationPath.withCanisterPrefix(Principal.fromUint8Array(CALLER), path));
    eq(hex(value.public_key), want.public_key.toHex(), 'public key');
    eq(hex(value.chain_code), want.chain_code.toHex(), 'chain code');
  }
});

test('schnorr ed25519 public key derivation matches @dfinity/ic-pub-key', async () => {
  const m = svc.keys.masterPublicKey('ed25519', 'key_1', 'schnorr_public_key');
  const k = icSchnorr.ed25519;
  const master = new k.PublicKeyWithChainCode(k.PublicKey.fromHex(hex(m.publicKey)), new k.ChainCode(m.chainCode));
  for (const path of PATHS) {
    const { value } = await call(svc, 'schnorr_public_key', {
      canister_id: [], derivation_path: path, key_id: schnorrKey('ed25519', 'key_1'),
    });
    const want = master.deriveSubkeyWithChainCode(k.DerivationPath.withCanisterPrefix(Principal.fromUint8Array(CALLER), path));
    eq(value.public_key.length, 32, 'ed25519 key length');
    eq(hex(value.public_key), want.public_key.toHex(), 'public key');
    eq(hex(value.chain_code), want.chain_code.toHex(), 'chain code');
  }
});

test('sign_with_schnorr bip340: verifies against the x-only key (bytes 1..32), any message length', async () => {
  for (const msg of [u8(), new Uint8Array(32).fill(5), new TextEncoder().encode('a longer message '.repeat(7))]) {
    const path = [u8(0, 0, 0, 3)];
    const { value: pk } = await call(svc, 'schnorr_public_key', {
      canister_id: [], derivation_path: path, key_id: schnorrKey('bip340secp256k1'),
    });
    const { value, cyclesAccepted } = await call(svc, 'sign_with_schnorr', {
      message: msg, derivation_path: path, key_id: schnorrKey('bip340secp256k1'), aux: [],
    }, { cyclesAttached: FEE });
    eq(value.signature.length, 64, 'signature length');
    eq(cyclesAccepted, FEE, 'fee');
    ok(schnorr.verify(value.signature, msg, pk.public_key.slice(1)), 'BIP340 verify');
  }
});

// The BIP341 output key Q = P' + t*G, P' = P with even y, t = hash_TapTweak(x(P) || root).
function taprootOutputKey(sec1, root) {
  const P = secp256k1.ProjectivePoint.fromHex(sec1);
  const even = (P.toAffine().y & 1n) === 0n ? P : P.negate();
  const t = BigInt('0x' + hex(schnorr.utils.taggedHash('TapTweak', sec1.slice(1), root)));
  return even.add(secp256k1.ProjectivePoint.BASE.multiply(t)).toRawBytes(true).slice(1);
}

test('sign_with_schnorr bip341: signature verifies against the taproot-tweaked output key', async () => {
  const { value: pk } = await call(svc, 'schnorr_public_key', {
    canister_id: [], derivation_path: [], key_id: schnorrKey('bip340secp256k1'),
  });
  const msg = sha256(u8(4, 2));
  for (const root of [u8(), new Uint8Array(32).fill(0xab)]) {
    const { value } = await call(svc, 'sign_with_schnorr', {
      message: msg, derivation_path: [], key_id: schnorrKey('bip340secp256k1'),
      aux: [{ bip341: { merkle_root_hash: root } }],
    }, { cyclesAttached: FEE });
    ok(schnorr.verify(value.signature, msg, taprootOutputKey(pk.public_key, root)), 'verifies with tweaked key');
    ok(!schnorr.verify(value.signature, msg, pk.public_key.slice(1)), 'not with the internal key');
  }
});

test('sign_with_schnorr ed25519: signature verifies with @noble/curves ed25519', async () => {
  const path = [new TextEncoder().encode('wallet'), u8(0, 0, 0, 0)];
  const { value: pk } = await call(svc, 'schnorr_public_key', {
    canister_id: [], derivation_path: path, key_id: schnorrKey('ed25519'),
  });
  for (const msg of [u8(), new TextEncoder().encode('pay 10 to bob')]) {
    const { value } = await call(svc, 'sign_with_schnorr', {
      message: msg, derivation_path: path, key_id: schnorrKey('ed25519'), aux: [],
    }, { cyclesAttached: FEE });
    eq(value.signature.length, 64, 'length');
    ok(ed25519.verify(value.signature, msg, pk.public_key), 'RFC 8032 verify');
    ok(!ed25519.verify(value.signature, u8(1), pk.public_key), 'not for another message');
  }
});

test('sign_with_schnorr rejects: too few cycles, unknown key, bip341 on ed25519, bad merkle root', async () => {
  const base = { message: u8(1), derivation_path: [], key_id: schnorrKey('ed25519'), aux: [] };
  await rejects(call(svc, 'sign_with_schnorr', base, { cyclesAttached: 0n }), REJECT.CANISTER_REJECT,
    'sign_with_schnorr request sent with 0 cycles, but 10000000000 cycles are required.');
  await rejects(call(svc, 'sign_with_schnorr', { ...base, key_id: schnorrKey('ed25519', 'x') }, { cyclesAttached: FEE }),
    REJECT.CANISTER_REJECT, /Requested unknown or signing disabled threshold key: schnorr:Ed25519:x,/);
  await rejects(call(svc, 'sign_with_schnorr', { ...base, aux: [{ bip341: { merkle_root_hash: u8() } }] },
    { cyclesAttached: FEE }), REJECT.CANISTER_REJECT,
    'sign_with_schnorr: the bip341 aux is only allowed for bip340secp256k1 keys');
  await rejects(call(svc, 'sign_with_schnorr', {
    ...base, key_id: schnorrKey('bip340secp256k1'), aux: [{ bip341: { merkle_root_hash: u8(1, 2) } }],
  }, { cyclesAttached: FEE }), REJECT.CANISTER_REJECT,
  'sign_with_schnorr: bip341 merkle_root_hash must be 0 or 32 bytes, got 2');
  await rejects(call(svc, 'schnorr_public_key', { canister_id: [], derivation_path: [], key_id: schnorrKey('bip340secp256k1', 'k') }),
    REJECT.CANISTER_REJECT, /Requested unknown threshold key: schnorr:Bip340Secp256k1:k, existing keys: \[/);
});

// ---- HTTP outcalls ----------------------------------------------------------------------------

const BIG = 10n ** 12n;

function httpArgs(over = {}) {
  return {
    url: 'https://example.com/api?q=1',
    max_response_bytes: [],
    method: { get: null },
    headers: [],
    body: [],
    transform: [],
    is_replicated: [],
    ...over,
  };
}

test('http_request: the handler sees the request (user-agent added), reply is http_request_result', async () => {
  const seen = [];
  const s = createMgmtServices({
    httpHandler: async (req) => {
      seen.push(req);
      return { status: 200, headers: [['content-type', 'text/plain']], body: 'hi' };
    },
  });
  const args = httpArgs({ headers: [{ name: 'X-Id', value: '1' }], method: { post: null }, body: [u8(7, 8)] });
  const { value, cyclesAccepted } = await call(s, 'http_request', args, { cyclesAttached: BIG });
  eq(seen.length, 1, 'one request');
  eq(seen[0].url, 'https://example.com/api?q=1', 'url');
  eq(seen[0].method, 'POST', 'method');
  eq(JSON.stringify(seen[0].headers), JSON.stringify([{ name: 'X-Id', value: '1' }, { name: 'user-agent', value: 'ic/1.0' }]), 'headers');
  bytesEq(seen[0].body, u8(7, 8), 'body');
  eq(seen[0].maxResponseBytes, 2_000_000n, 'default max_response_bytes');
  eq(value.status, 200n, 'status');
  eq(value.headers.map((h) => `${h.name}: ${h.value}`).join('|'), 'content-type: text/plain', 'response headers');
  eq(new TextDecoder().decode(value.body), 'hi', 'body');
  // request bytes: url 27 + headers 5 + body 2 = 34; default max_response_bytes 2,000,000.
  const fee = (3_000_000n + 60_000n * 13n) * 13n + (400n * 34n + 800n * 2_000_000n) * 13n;
  eq(httpRequestFee(34, 2_000_000n), fee, 'fee formula');
  eq(cyclesAccepted, fee, 'accepted the fee');
  eq(fee, 20_849_316_800n, 'fee value');
});

test('http_request: transform is called as a query with { response; context } and its result returned', async () => {
  const queries = [];
  const s = createMgmtServices({
    httpHandler: () => ({ status: 201, headers: [{ name: 'date', value: 'today' }], body: u8(1, 2, 3) }),
  });
  const callQuery = async (canister, method, arg) => {
    queries.push({ canister, method, arg: IDL.decode([TYPES.http_request.transformArg], arg)[0] });
    return new Uint8Array(IDL.encode([TYPES.http_request.result], [{ status: 200n, headers: [], body: u8(9) }]));
  };
  const args = httpArgs({
    max_response_bytes: [1000n],
    transform: [{ function: [Principal.fromUint8Array(CALLER), 'clean'], context: u8(42) }],
  });
  const { value, cyclesAccepted } = await call(s, 'http_request', args, { cyclesAttached: BIG, callQuery });
  eq(queries.length, 1, 'one transform call');
  bytesEq(queries[0].canister, CALLER, 'transform on the caller');
  eq(queries[0].method, 'clean', 'transform method');
  eq(queries[0].arg.response.status, 201n, 'raw status given to transform');
  eq(queries[0].arg.response.headers[0].value, 'today', 'raw headers given to transform');
  bytesEq(queries[0].arg.response.body, u8(1, 2, 3), 'raw body given to transform');
  bytesEq(queries[0].arg.context, u8(42), 'context');
  eq(value.status, 200n, 'transformed status');
  eq(value.headers.length, 0, 'transformed headers');
  bytesEq(value.body, u8(9), 'transformed body');
  // request bytes: url 27 + transform name 5 + context 1 = 33.
  eq(cyclesAccepted, httpRequestFee(33, 1000n), 'fee charged on max_response_bytes 1000');
});

test('http_request: a transform reject or trap is passed on; its reply is passed on undecoded', async () => {
  const s = createMgmtServices({ httpHandler: () => ({ status: 200, body: 'x' }) });
  const args = httpArgs({
    max_response_bytes: [64n],
    transform: [{ function: [Principal.fromUint8Array(CALLER), 'clean'], context: u8() }],
  });
  const failing = (e) => async () => {
    throw e;
  };
  await rejects(call(s, 'http_request', args, { cyclesAttached: BIG, callQuery: failing({ rejectCode: 5, message: 'trapped: boom' }) }),
    5, 'trapped: boom');
  await rejects(call(s, 'http_request', args, { cyclesAttached: BIG, callQuery: failing({ rejectCode: 4, message: 'no' }) }),
    4, 'no');
  await rejects(call(s, 'http_request', args, { cyclesAttached: BIG, callQuery: failing(new Error('gone')) }),
    REJECT.SYS_FATAL, "Calling transform function 'clean' failed: gone");
  await rejects(call(s, 'http_request', args, { cyclesAttached: BIG, callQuery: async () => new Uint8Array(65) }),
    REJECT.SYS_FATAL, 'Transformed http response exceeds limit: 64');
  const raw = await s.methods.http_request(ctx({ cyclesAttached: BIG, callQuery: async () => u8(1, 2, 3) }),
    enc('http_request', args));
  bytesEq(raw.reply, u8(1, 2, 3), 'the transform reply is the http_request reply');
});

test('http_request: the transform must belong to the calling canister', async () => {
  const s = createMgmtServices({ httpHandler: () => ({ status: 200, body: 'x' }) });
  await rejects(call(s, 'http_request', httpArgs({
    transform: [{ function: [Principal.fromUint8Array(OTHER), 'clean'], context: u8() }],
  }), { cyclesAttached: BIG }), REJECT.CANISTER_REJECT,
  'http_request: the transform function must be exported by the calling canister rrkah-fqaaa-aaaaa-aaaaq-cai, ' +
  'not rwlgt-iiaaa-aaaaa-aaaaa-cai');
});

test('http_request rejects: http scheme, long url, many headers, big max_response_bytes, PUT replicated', async () => {
  const s = createMgmtServices({ httpHandler: () => ({ status: 200 }) });
  const c = { cyclesAttached: BIG };
  await rejects(call(s, 'http_request', httpArgs({ url: 'http://example.com' }), c), REJECT.SYS_FATAL,
    'Url need to specify https scheme');
  await rejects(call(s, 'http_request', httpArgs({ url: 'https://e.com/' + 'a'.repeat(8192) }), c),
    REJECT.CANISTER_REJECT, 'http_request: url length 8206 exceeds the limit of 8192');
  const headers = Array.from({ length: 65 }, (_, i) => ({ name: 'h' + i, value: 'v' }));
  await rejects(call(s, 'http_request', httpArgs({ headers }), c), REJECT.CANISTER_REJECT,
    'http_request: request has 65 headers, at most 64 are allowed');
  await rejects(call(s, 'http_request', httpArgs({ max_response_bytes: [2_000_001n] }), c), REJECT.CANISTER_REJECT,
    'http_request: max_response_bytes expected to be in the range [0..2000000], got 2000001');
  await rejects(call(s, 'http_request', httpArgs({ method: { put: null } }), c), REJECT.CANISTER_REJECT,
    'http_request: method PUT is supported in non-replicated mode only (is_replicated = opt false)');
  const put = await call(s, 'http_request', httpArgs({ method: { put: null }, is_replicated: [false] }), c);
  eq(put.value.status, 200n, 'PUT allowed when not replicated');
  await rejects(call(s, 'http_request', httpArgs({ body: [new Uint8Array(HTTP_LIMITS.maxRequestBytes + 1)] }), c),
    REJECT.CANISTER_REJECT, 'http_request: request size 2000001 exceeds the limit of 2000000 bytes');
});

test('http_request rejects: too few cycles, response over max_response_bytes, no handler, handler error', async () => {
  const s = createMgmtServices({ httpHandler: () => ({ status: 200, headers: [['a', 'bc']], body: new Uint8Array(98) }) });
  const need = httpRequestFee(27, 100n);
  await rejects(call(s, 'http_request', httpArgs({ max_response_bytes: [100n] }), { cyclesAttached: need - 1n }),
    REJECT.CANISTER_REJECT, `http_request request sent with ${need - 1n} cycles, but ${need} cycles are required.`);
  await rejects(call(s, 'http_request', httpArgs({ max_response_bytes: [100n] }), { cyclesAttached: need }),
    REJECT.SYS_FATAL, 'Http body exceeds size limit of 100 bytes.');
  await rejects(call(s, 'http_request', httpArgs({ max_response_bytes: [2n] }), { cyclesAttached: BIG }),
    REJECT.SYS_FATAL, 'Header size exceeds specified response size limit 2');
  const fits = await call(s, 'http_request', httpArgs({ max_response_bytes: [101n] }), { cyclesAttached: BIG });
  eq(fits.value.body.length, 98, 'headers 3 + body 98 = 101 bytes fit');
  await rejects(call(createMgmtServices({}), 'http_request', httpArgs(), { cyclesAttached: BIG }), REJECT.SYS_TRANSIENT,
    'Connecting to example.com failed: icsim has no HTTP handler (no network)');
  const failing = createMgmtServices({ httpHandler: () => { throw new Error('connection refused'); } });
  await rejects(call(failing, 'http_request', httpArgs(), { cyclesAttached: BIG }), REJECT.SYS_TRANSIENT,
    'Connecting to example.com failed: connection refused');
  const injected = createMgmtServices({ httpHandler: () => { throw { rejectCode: 2, message: 'Timeout expired' }; } });
  await rejects(call(injected, 'http_request', httpArgs(), { cyclesAttached: BIG }), 2, 'Timeout expired');
});

await run();
