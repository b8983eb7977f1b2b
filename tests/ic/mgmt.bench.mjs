// `make bench-ic-mgmt`: what the management canister helpers cost in icsim (figures, not tests).
// For each helper, the instructions of an update of tests/ic/mgmt.c (or of tests/ic/runtime.c
// when MGMT_BENCH_WASM names another module: its `rand`, `sign_ecdsa`, `status`, `fetch`
// methods) that awaits it once and replies; the cost includes the handler, the Candid of the
// method's own arguments and reply, and icsim's system-API charges. Then the module's size.
import { readFileSync } from 'node:fs';
import { IDL, Principal, sim, enc, replied } from './harness.mjs';

const file = process.env.MGMT_BENCH_WASM;
const s = sim({ httpHandler: async () => ({ status: 200, headers: [], body: 'ok' }) });
const id = s.createCanister();
const module = file ? readFileSync(file) : readFileSync(new URL('../../build/ic/mgmt.wasm', import.meta.url));
s.installCode(id, module, enc([], []));
const Blob = IDL.Vec(IDL.Nat8);
const self = Principal.fromUint8Array(id);
const cases = file
  ? [
      ['raw_rand', 'rand', [], []],
      ['sign_with_ecdsa', 'sign_ecdsa', [Blob], [new Uint8Array(32)]],
      ['canister_status', 'status', [], []],
      ['http_request', 'fetch', [IDL.Text], ['https://example.org/x']],
    ]
  : [
      ['raw_rand', 'rand', [], []],
      ['ecdsa_public_key', 'ecdsa_key', [IDL.Opt(IDL.Principal)], [[]]],
      ['sign_with_ecdsa', 'sign_ecdsa', [IDL.Text, Blob], ['dfx_test_key', new Uint8Array(32)]],
      ['sign_with_schnorr', 'sign_schnorr', [IDL.Text, IDL.Bool, Blob], ['dfx_test_key', true, new Uint8Array(32)]],
      ['canister_status', 'status', [IDL.Principal], [self]],
      ['http_request', 'fetch', [IDL.Text, IDL.Text, IDL.Opt(Blob), IDL.Nat64], ['get', 'https://example.org/x', [], 4096n]],
      ['create_canister', 'spawn', [IDL.Nat64], [0n]],
    ];
console.log(`${'helper'.padEnd(20)} instructions (second call; the first pays one-time set-up)`);
for (const [helper, method, types, vals] of cases) {
  let r;
  for (let i = 0; i < 2; i++) r = await s.updateCall(id, method, enc(types, vals));
  if (r.status !== 'replied') throw new Error(`${method}: ${r.rejectMessage}`);
  console.log(`${helper.padEnd(20)} ${Number(r.instructions).toLocaleString('en-US')}`);
}
console.log(`module size after ic-wasm shrink: ${(module.length / 1024).toFixed(1)} KB (${file ?? 'build/ic/mgmt.wasm'})`);
