// Figures for icsim's management services and the Motoko compile helper (not a test: it asserts
// nothing and prints a table). Times each service method called directly, as icsim's management
// canister dispatch calls it, and a Motoko compile with and without the on-disk cache.
// Run: node_modules/.bin/node tests/icsim/mgmt/bench.mjs

import { IDL } from '@dfinity/candid';
import { performance } from 'node:perf_hooks';
import { createMgmtServices, TYPES } from '../../../tools/icsim/src/mgmt_services.js';
import { compileMotoko } from '../../../tools/icsim/src/motoko.js';

const CALLER = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1, 1, 1);
const ctx = {
  callerId: CALLER,
  cyclesAttached: 10n ** 12n,
  timeNs: 0n,
  callQuery: async () => new Uint8Array(IDL.encode([TYPES.http_request.result], [{ status: 200n, headers: [], body: new Uint8Array(0) }])),
};
const svc = createMgmtServices({ seed: 1, httpHandler: () => ({ status: 200, body: 'ok' }) });
const enc = (m, v) => new Uint8Array(IDL.encode([TYPES[m].arg], [v]));
const path = [new TextEncoder().encode('bench'), Uint8Array.of(0, 0, 0, 1)];
const ecdsaKey = { curve: { secp256k1: null }, name: 'dfx_test_key' };
const key = (algorithm) => ({ algorithm: { [algorithm]: null }, name: 'dfx_test_key' });

const cases = [
  ['ecdsa_public_key', enc('ecdsa_public_key', { canister_id: [], derivation_path: path, key_id: ecdsaKey })],
  ['sign_with_ecdsa', enc('sign_with_ecdsa', { message_hash: new Uint8Array(32), derivation_path: path, key_id: ecdsaKey })],
  ['sign_with_schnorr', enc('sign_with_schnorr', {
    message: new Uint8Array(100), derivation_path: path, key_id: key('bip340secp256k1'), aux: [],
  }), 'bip340'],
  ['sign_with_schnorr', enc('sign_with_schnorr', {
    message: new Uint8Array(100), derivation_path: path, key_id: key('ed25519'), aux: [],
  }), 'ed25519'],
  ['http_request', enc('http_request', {
    url: 'https://example.com/', max_response_bytes: [1000n], method: { get: null }, headers: [], body: [],
    transform: [], is_replicated: [],
  })],
];

console.log('| management method | calls | ms per call |');
console.log('| --- | --- | --- |');
for (const [method, arg, label] of cases) {
  const n = 200;
  await svc.methods[method](ctx, arg); // warm-up: master key, JIT
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await svc.methods[method](ctx, arg);
  const ms = (performance.now() - t0) / n;
  console.log(`| ${method}${label ? ` (${label})` : ''} | ${n} | ${ms.toFixed(3)} |`);
}

const src = `persistent actor { var n : Nat = 0; public func inc() : async Nat { n += 1; n } };\n// ${Date.now()}\n`;
let t0 = performance.now();
await compileMotoko({ files: { 'Bench.mo': src }, main: 'Bench.mo', cacheDir: null });
const cold = performance.now() - t0;
t0 = performance.now();
await compileMotoko({ files: { 'Bench.mo': src + ' ' }, main: 'Bench.mo', cacheDir: null });
const warm = performance.now() - t0;
const cacheSrc = { 'Counter.mo': 'persistent actor { public query func one() : async Nat { 1 } };\n' };
await compileMotoko({ files: cacheSrc, main: 'Counter.mo' });
t0 = performance.now();
await compileMotoko({ files: cacheSrc, main: 'Counter.mo' });
const cached = performance.now() - t0;
console.log('');
console.log('| Motoko compile | ms |');
console.log('| --- | --- |');
console.log(`| first compile (loads moc.js) | ${cold.toFixed(0)} |`);
console.log(`| next compile, compiler loaded | ${warm.toFixed(0)} |`);
console.log(`| cache hit | ${cached.toFixed(1)} |`);
