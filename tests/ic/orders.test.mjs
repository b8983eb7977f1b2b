// The orders example in icsim: front.placeOrder awaits users, inventory and orders in sequence.
// Cases: success, out of stock, a rejecting callee, a trapping callee (the lock is released), a
// continuation that traps after its await (the cleanup callback runs FINALLY: lock released),
// two orders interleaving, and a second order of the same user refused while the first is in
// progress. Rejects are asserted exactly, async trace included (lines looked up in front.c).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, eq, ok, sim, enc, replied, rejected, IDL, Principal, RejectCode, REPO } from './harness.mjs';

const SRC = 'examples/orders/front.c';
const lines = readFileSync(join(REPO, SRC), 'utf8').split('\n');
const lineOf = (needle) => {
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${SRC}`);
  return i + 1;
};
const at = (needle) => `\n  at place_order_run (${SRC}:${lineOf(needle)})`;
// A failed call awaited through a stub generated from the callee's .did: the trace starts in the
// stub's task (build/ic/gen/orders/NAME.c), then the await in front.c.
const stubAt = (name, needle) => {
  const file = join('build', 'ic', 'gen', 'orders', `${name}.c`);
  const gen = readFileSync(join(REPO, file), 'utf8').split('\n');
  const i = gen.findIndex((l) => l.includes('AW_AWAIT(f, f->call, &f->reply);'));
  if (i < 0) throw new Error(`no stub await in ${file}`);
  return `\n  at ${name}__call_run (${file}:${i + 1})` + at(needle);
};
const N = IDL.Nat64;

async function setup(seed = 7) {
  const s = sim({ seed });
  const users = s.install('orders_users');
  const inventory = s.install('orders_inventory');
  const orders = s.install('orders_orders');
  const P = (b) => Principal.fromUint8Array(b);
  const front = s.install('orders_front', enc([IDL.Principal, IDL.Principal, IDL.Principal], [P(users), P(inventory), P(orders)]));
  const place = (user, product) => s.updateCall(front, 'placeOrder', enc([N, N], [user, product]));
  const submit = (user, product) => s.submitCall(front, 'placeOrder', enc([N, N], [user, product]));
  const locked = async (user) => replied(await s.queryCall(front, 'locked', enc([N], [user])), [IDL.Bool])[0];
  const stock = async (p) => replied(await s.queryCall(inventory, 'stock', enc([N], [p])), [N])[0];
  const count = async () => replied(await s.queryCall(orders, 'count', enc([], [])), [N])[0];
  return { s, users, inventory, orders, front, place, submit, locked, stock, count, text: (b) => P(b).toText() };
}

test('an order awaits the three canisters and replies', async () => {
  const o = await setup();
  eq(replied(await o.place(1n, 1n), [IDL.Text]), ['order 1: alice bought product 1']);
  eq(await o.stock(1n), 1n, 'stock of product 1');
  eq(await o.locked(1n), false, 'lock of user 1');
});

test('out of stock: the thrown error rejects the call with its trace, the lock is released', async () => {
  const o = await setup();
  rejected(await o.place(2n, 2n), RejectCode.CANISTER_REJECT,
    'placeOrder: application error: product 2 is out of stock (code 2)' + at('/* out of stock */'));
  eq(await o.locked(2n), false, 'lock of user 2');
  eq(await o.count(), 0n, 'orders created');
});

test('a rejecting callee: the reject propagates through the await with code and callee', async () => {
  const o = await setup();
  rejected(await o.place(9n, 1n), RejectCode.CANISTER_REJECT,
    `placeOrder: IC call rejected: ${o.text(o.users)}.get_user rejected (CANISTER_REJECT): no user 9 (code 4)` +
    stubAt('users', 'AW_AWAIT(f, users_get_user('));
  eq(await o.locked(9n), false, 'lock of user 9');
  eq(await o.stock(1n), 2n, 'nothing reserved');
});

test('a trapping callee: CANISTER_ERROR reaches the caller and the lock is released', async () => {
  const o = await setup();
  const r = await o.place(1n, 13n);
  rejected(r, RejectCode.CANISTER_REJECT,
    new RegExp(`^placeOrder: IC call rejected: ${o.text(o.orders)}\\.create_order rejected \\(CANISTER_ERROR\\): .*product 13 crashes the order book.* \\(code 5\\)` +
      stubAt('orders', 'AW_AWAIT(f, orders_create_order(').replace(/[()]/g, '\\$&') + '$'));
  eq(await o.locked(1n), false, 'lock of user 1');
  eq(replied(await o.place(1n, 1n), [IDL.Text]), ['order 1: alice bought product 1'], 'next order of user 1');
});

test('a trap after an await: the cleanup callback runs FINALLY and releases the lock', async () => {
  const o = await setup();
  const r = await o.place(3n, 666n);
  eq(r.status, 'rejected');
  eq(r.rejectCode, RejectCode.CANISTER_ERROR, 'the IC answers for the trapped continuation');
  ok(r.rejectMessage.includes('product 666 traps after the order was created'), `message ${r.rejectMessage}`);
  eq(await o.locked(3n), false, 'lock of user 3 released in cleanup');
  eq(await o.count(), 1n, 'the order committed before the trap stays');
  eq(await o.stock(666n), 9n, 'the reservation committed before the trap stays');
  eq(replied(await o.place(3n, 1n), [IDL.Text]), ['order 2: carol bought product 1'], 'next order of user 3');
});

test('two orders interleave and both complete; a third finds the stock empty', async () => {
  for (const seed of [1, 2, 3]) {
    const o = await setup(seed);
    const a = o.submit(1n, 1n);
    const b = o.submit(2n, 1n);
    const ra = replied(await o.s.awaitCall(a), [IDL.Text])[0];
    const rb = replied(await o.s.awaitCall(b), [IDL.Text])[0];
    eq([ra, rb].map((t) => t.replace(/^order \d+/, 'order N')).sort(),
      ['order N: alice bought product 1', 'order N: bob bought product 1'], `seed ${seed}`);
    eq([ra, rb].map((t) => t.match(/^order (\d+)/)[1]).sort(), ['1', '2'], `order ids, seed ${seed}`);
    rejected(await o.place(3n, 1n), RejectCode.CANISTER_REJECT,
      'placeOrder: application error: product 1 is out of stock (code 2)' + at('/* out of stock */'));
  }
});

test('a second order of the same user is refused while the first awaits', async () => {
  const o = await setup();
  const a = o.submit(1n, 1n);
  const b = o.submit(1n, 1n);
  const ra = await o.s.awaitCall(a);
  const rb = await o.s.awaitCall(b);
  const results = [ra, rb];
  const refused = results.filter((r) => r.status === 'rejected');
  eq(refused.length, 1, 'one order refused');
  eq(refused[0].rejectMessage,
    'placeOrder: application error: user 1 already has an order in progress (code 1)' + at('/* busy */'));
  eq(results.filter((r) => r.status === 'replied').length, 1, 'one order placed');
  eq(await o.locked(1n), false, 'lock released at the end');
  eq(await o.stock(1n), 1n, 'one unit reserved');
});

test('placeOrder reads its arguments once from the runtime reader: subtyping holds, bad input is rejected and changes nothing', async () => {
  const o = await setup();
  const up = (args) => o.s.updateCall(o.front, 'placeOrder', args);
  // an extra argument: another type table, read by the reader's fallback decoder
  eq(replied(await up(enc([N, N, IDL.Text], [1n, 1n, 'gift wrap'])), [IDL.Text]), ['order 1: alice bought product 1']);
  rejected(await up(enc([N], [1n])), RejectCode.CANISTER_REJECT, /^placeOrder: invalid arguments: .+/);
  rejected(await up(enc([IDL.Text, N], ['1', 1n])), RejectCode.CANISTER_REJECT,
    /^placeOrder: invalid arguments: .*type mismatch.*text.*nat64/);
  const valid = enc([N, N], [1n, 1n]);
  rejected(await up(new Uint8Array([...valid, 0])), RejectCode.CANISTER_REJECT,
    `placeOrder: invalid arguments: byte ${valid.length}: 1 unexpected bytes after the last argument`);
  rejected(await up(valid.slice(0, -1)), RejectCode.CANISTER_REJECT, /^placeOrder: invalid arguments: byte \d+: .+/);
  eq(await o.stock(1n), 1n, 'only the first order reserved a unit');
  eq(await o.count(), 1n, 'only the first order was created');
  eq(await o.locked(1n), false, 'no lock left');
});

await run();
