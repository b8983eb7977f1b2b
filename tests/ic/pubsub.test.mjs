// The pub-sub example in icsim: a subscriber's setup_subscribe awaits the publisher's subscribe
// (one inter-canister call, Candid both ways); publish reaches the subscribers of its topic only
// (one-way calls); malformed arguments are rejected with the Candid decoder's message.
import { test, run, eq, sim, enc, replied, rejected, IDL, Principal, RejectCode } from './harness.mjs';

const Counter = IDL.Record({ topic: IDL.Text, value: IDL.Nat64 });

async function setup() {
  const s = sim();
  const pub = s.install('publisher');
  const apples = s.install('subscriber');
  const pears = s.install('subscriber');
  for (const [sub, topic] of [[apples, 'Apples'], [pears, 'Pears']]) {
    const r = await s.updateCall(sub, 'setup_subscribe',
      enc([IDL.Principal, IDL.Text], [Principal.fromUint8Array(pub), topic]));
    eq(replied(r, []), [], 'setup_subscribe reply');
  }
  return { s, pub, apples, pears };
}

async function count(s, id) {
  return replied(await s.queryCall(id, 'get_count', enc([], [])), [IDL.Nat64])[0];
}

test('setup_subscribe awaits subscribe and publish reaches the topic\'s subscribers', async () => {
  const { s, pub, apples, pears } = await setup();
  eq(replied(await s.updateCall(pub, 'publish', enc([Counter], [{ topic: 'Apples', value: 2n }])), []), []);
  eq(replied(await s.updateCall(pub, 'publish', enc([Counter], [{ topic: 'Apples', value: 5n }])), []), []);
  await s.tick(3); // the one-way calls run in later rounds
  eq(await count(s, apples), 7n, 'Apples count');
  eq(await count(s, pears), 0n, 'Pears count');
});

test('setup_subscribe with a publisher that does not exist rejects with the call error', async () => {
  const s = sim();
  const sub = s.install('subscriber');
  const nowhere = Principal.fromText('aaaaa-aa');
  const r = await s.updateCall(sub, 'setup_subscribe', enc([IDL.Principal, IDL.Text], [nowhere, 'x']));
  eq(r.status, 'rejected');
  eq(r.rejectCode, RejectCode.CANISTER_REJECT);
  eq(r.rejectMessage.split('\n')[0].startsWith('setup_subscribe: IC call rejected: aaaaa-aa.subscribe rejected ('), true,
    `first line of ${JSON.stringify(r.rejectMessage)}`);
});

test('malformed arguments are rejected with the decoder\'s message', async () => {
  const s = sim();
  const sub = s.install('subscriber');
  const r = await s.updateCall(sub, 'setup_subscribe', enc([IDL.Text], ['no principal']));
  rejected(r, RejectCode.CANISTER_REJECT, /^setup_subscribe: invalid arguments: /);
  const pub = s.install('publisher');
  rejected(await s.updateCall(pub, 'publish', enc([IDL.Nat], [1n])), RejectCode.CANISTER_REJECT,
    /^publish: invalid arguments: /);
});

test('compatible messages with another type table go through the full Candid decoder', async () => {
  const { s, pub, apples } = await setup();
  // An extra argument and an extra record field: Candid subtyping accepts and skips both.
  const sub2 = s.install('subscriber');
  const r = await s.updateCall(sub2, 'setup_subscribe',
    enc([IDL.Principal, IDL.Text, IDL.Nat], [Principal.fromUint8Array(pub), 'Apples', 5n]));
  eq(replied(r, []), []);
  const Wide = IDL.Record({ topic: IDL.Text, value: IDL.Nat64, note: IDL.Text });
  eq(replied(await s.updateCall(pub, 'publish', enc([Wide], [{ topic: 'Apples', value: 3n, note: 'x' }])), []), []);
  await s.tick(3);
  eq(await count(s, apples), 3n, 'first subscriber');
  eq(await count(s, sub2), 3n, 'second subscriber');
});

test('the subscriber written with generated call stubs behaves the same', async () => {
  const s = sim();
  const pub = s.install('publisher');
  const sub = s.install('subscriber_gen');
  eq(replied(await s.updateCall(sub, 'setup_subscribe',
    enc([IDL.Principal, IDL.Text], [Principal.fromUint8Array(pub), 'Apples'])), []), []);
  eq(replied(await s.updateCall(pub, 'publish', enc([Counter], [{ topic: 'Apples', value: 4n }])), []), []);
  await s.tick(3);
  eq(await count(s, sub), 4n);
  const nowhere = Principal.fromText('aaaaa-aa');
  const r = await s.updateCall(sub, 'setup_subscribe', enc([IDL.Principal, IDL.Text], [nowhere, 'x']));
  eq([r.status, r.rejectCode], ['rejected', RejectCode.CANISTER_REJECT]);
  eq(r.rejectMessage.startsWith('setup_subscribe: IC call rejected: aaaaa-aa.subscribe rejected ('), true, r.rejectMessage);
});

await run();
