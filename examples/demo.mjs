// `make demo` for canisters: builds nothing itself (make did), installs the examples in icsim and
// calls them the way `dfx canister call` does, printing each call, its reply (or reject) in
// Candid text through the `candid` tool (build/bin/candid), and the instructions it used.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Principal } from '@dfinity/principal';
import { IcSim } from '../tools/icsim/src/index.js';
import { compileMotokoFiles } from '../tools/icsim/src/motoko.js';

const REPO = join(import.meta.dirname, '..');
const CANDID = join(REPO, 'build', 'bin', 'candid');
const wasm = (name) => readFileSync(join(REPO, 'build', 'ic', `${name}.wasm`));
const candid = (...args) => execFileSync(CANDID, args, { encoding: 'utf8' }).trim();
const encode = (text) => Uint8Array.from(Buffer.from(candid('encode', text), 'hex'));

const sim = new IcSim({
  seed: 42,
  httpHandler: async () => ({ status: 200, headers: [], body: 'ok' }),
});
const names = new Map();
function install(name, file, arg = '()') {
  const id = sim.createCanister();
  sim.installCode(id, typeof file === 'string' ? wasm(file) : file, encode(arg));
  names.set(Principal.fromUint8Array(id).toText(), name);
  return id;
}
const text = (id) => Principal.fromUint8Array(id).toText();

// One `dfx canister call`: prints the command, then the reply decoded at `ret` or the reject.
async function call(id, method, args, ret, { query = false } = {}) {
  console.log(`$ dfx canister call ${names.get(text(id))} ${method} '${args}'${query ? ' --query' : ''}`);
  const r = query ? await sim.queryCall(id, method, encode(args)) : await sim.updateCall(id, method, encode(args));
  const used = `${Number(r.instructions).toLocaleString('en-US')} instructions`;
  if (r.status === 'replied') {
    console.log(`${candid('decode', Buffer.from(r.reply).toString('hex'), '--types', ret)}    -- ${used}`);
  } else {
    console.log(`Error: the replica returned a rejection error: reject code ${r.rejectCode}, reject message ${r.rejectMessage.replace(/\n/g, '\n    ')}    -- ${used}`);
  }
  console.log('');
  return r;
}

console.log('== hello: a synchronous canister ==\n');
const hello = install('hello', 'hello');
await call(hello, 'greet', '("World")', '(text)', { query: true });
await call(hello, 'inc', '()', '(nat64)');
await call(hello, 'inc', '()', '(nat64)');

console.log('== orders: placeOrder awaits users, inventory and orders in sequence (typed stubs) ==\n');
const users = install('users', 'orders_users');
const inventory = install('inventory', 'orders_inventory');
const orders = install('orders', 'orders_orders');
const front = install('front', 'orders_front',
  `(principal "${text(users)}", principal "${text(inventory)}", principal "${text(orders)}")`);
await call(front, 'placeOrder', '(1 : nat64, 1 : nat64)', '(text)');
await call(front, 'placeOrder', '(2 : nat64, 2 : nat64)', '(text)');
await call(front, 'placeOrder', '(9 : nat64, 1 : nat64)', '(text)');
await call(front, 'placeOrder', '(1 : nat64, 13 : nat64)', '(text)');
await call(front, 'placeOrder', '(3 : nat64, 666 : nat64)', '(text)');
await call(front, 'locked', '(3 : nat64)', '(bool)', { query: true });
await call(inventory, 'stock', '(1 : nat64)', '(nat64)', { query: true });

console.log('== async_t_ecdsa: getPublicKey awaits the management canister ==\n');
const ecdsa = install('async_t_ecdsa', 'async_t_ecdsa');
await call(ecdsa, 'getPublicKey', '()', '(record { public_key : blob; chain_code : blob })');

console.log('== pubsub: a subscriber awaits the publisher; publish notifies one-way ==\n');
const pub = install('publisher', 'publisher');
const sub = install('subscriber', 'subscriber');
await call(sub, 'setup_subscribe', `(principal "${text(pub)}", "Apples")`, '()');
await call(pub, 'publish', '(record { topic = "Apples"; value = 2 : nat64 })', '()');
await sim.tick(2);
await call(sub, 'get_count', '()', '(nat64)', { query: true });

console.log('== interop: C and Motoko await each other ==\n');
const { wasm: greeter } = await compileMotokoFiles([join(REPO, 'examples/interop/Greeter.mo')]);
const bridge = install('bridge', 'bridge');
const mo = install('greeter (Motoko)', greeter);
await call(bridge, 'ask', `(principal "${text(mo)}", "greet", "C")`, '(text)');
await call(mo, 'askVia', `(principal "${text(bridge)}", principal "${text(mo)}", "Motoko")`, '(text)');
await call(bridge, 'ask', `(principal "${text(mo)}", "fail", "C")`, '(text)');
await call(bridge, 'robustCall', `(principal "${text(mo)}", "fail", "data")`, '(text)');
