// Bad input never loses anything: every method of every example canister, read from the
// `candid:service` metadata of its module (so a new method is covered without editing this file),
// receives six kinds of bad argument bytes:
//   empty       no bytes at all
//   not Candid  bytes without the DIDL magic
//   wrong types a well-formed message whose first argument that could fail to coerce (not opt,
//               null or reserved) has another type; a method without one gets an extra argument
//   truncated   a valid message without its last byte
//   huge length a text or blob whose length prefix is leb128(2^32), far beyond the input
//   trailing    a valid message followed by two more bytes
// Each must be rejected by the canister with CANISTER_REJECT (4; a trap would give 5) and a
// message that starts with the method's name; afterwards what the canister's state probe reads
// is unchanged, and after all six a valid call of the method still replies.
// Where the Candid spec accepts a message it is asserted accepted instead (see `accepted`).
import { test, run, eq, ok, sim, enc, wasm, IDL, Principal, RejectCode } from './harness.mjs';

// ---- the service's methods, from the module's candid:service metadata -------------------------

/** The `candid:service` text of build/ic/NAME.wasm (a public or private metadata section). */
function serviceText(name) {
  const mod = new WebAssembly.Module(wasm(name));
  for (const sec of ['icp:public candid:service', 'icp:private candid:service']) {
    const found = WebAssembly.Module.customSections(mod, sec);
    if (found.length) return new TextDecoder().decode(found[0]);
  }
  throw new Error(`${name}.wasm has no candid:service metadata`);
}

const PRIMS = {
  text: IDL.Text, nat: IDL.Nat, int: IDL.Int, bool: IDL.Bool, null: IDL.Null, principal: IDL.Principal,
  nat8: IDL.Nat8, nat16: IDL.Nat16, nat32: IDL.Nat32, nat64: IDL.Nat64,
  int8: IDL.Int8, int16: IDL.Int16, int32: IDL.Int32, int64: IDL.Int64,
  float32: IDL.Float32, float64: IDL.Float64, reserved: IDL.Reserved, blob: IDL.Vec(IDL.Nat8),
};

/**
 * Parses the service description (the subset of Candid's textual grammar, Candid spec section
 * "Core Grammar", that a .did of ours uses: type definitions, records, variants, vec, opt, blob,
 * named arguments, query annotations) into [{ name, args: [IDL type], query }]. An unknown
 * construct throws, so a .did this parser cannot read fails the suite loudly.
 */
function parseService(src) {
  const toks = src.replace(/\/\/[^\n]*/g, ' ').match(/"(?:[^"\\]|\\.)*"|->|[A-Za-z_][A-Za-z0-9_]*|\d+|[{}();:=,]/g);
  let i = 0;
  const peek = () => toks[i];
  const take = (want) => {
    const t = toks[i++];
    if (want !== undefined && t !== want) throw new Error(`candid:service: expected ${want}, got ${t}`);
    return t;
  };
  const defs = {};
  const name = () => { const t = take(); return t.startsWith('"') ? JSON.parse(t) : t; };
  const fields = (variant) => {
    take('{');
    const out = {};
    while (peek() !== '}') {
      const key = name();
      if (peek() === ':') { take(':'); out[key] = type(); }
      else if (variant) out[key] = IDL.Null;
      else throw new Error(`candid:service: record field ${key} has no type`);
      if (peek() === ';') take(';');
    }
    take('}');
    return out;
  };
  function type() {
    const t = take();
    if (t === 'record') return IDL.Record(fields(false));
    if (t === 'variant') return IDL.Variant(fields(true));
    if (t === 'vec') return IDL.Vec(type());
    if (t === 'opt') return IDL.Opt(type());
    if (PRIMS[t]) return PRIMS[t];
    if (t in defs) return defs[t];
    throw new Error(`candid:service: unsupported type ${t}`);
  }
  const argList = () => {
    take('(');
    const out = [];
    while (peek() !== ')') {
      if (toks[i + 1] === ':') { take(); take(':'); }
      out.push(type());
      if (peek() === ',') take(',');
    }
    take(')');
    return out;
  };
  while (peek() === 'type') {
    take('type');
    const id = take();
    take('=');
    defs[id] = type();
    take(';');
  }
  take('service');
  take(':');
  if (peek() === '(') { argList(); take('->'); }
  take('{');
  const methods = [];
  while (peek() !== '}') {
    const m = name();
    take(':');
    const args = argList();
    take('->');
    argList();
    let query = false;
    while (peek() !== ';' && peek() !== '}') query = ['query', 'composite_query'].includes(take()) || query;
    if (peek() === ';') take(';');
    methods.push({ name: m, args, query });
  }
  return methods;
}

// ---- valid and bad argument bytes ---------------------------------------------------------------

/** A value of type `t`, with the texts and principals the canister's context supplies. */
function sample(t, ctx) {
  if (t === IDL.Text) return ctx.text;
  if (t === IDL.Principal) return ctx.principal;
  if (t === IDL.Bool) return false;
  if (t === IDL.Null || t === IDL.Reserved) return null;
  if (t instanceof IDL.RecordClass) return Object.fromEntries(t._fields.map(([k, ft]) => [k, sample(ft, ctx)]));
  if (t instanceof IDL.VariantClass) { const [k, ft] = t._fields[0]; return { [k]: sample(ft, ctx) }; }
  if (t instanceof IDL.VecClass || t instanceof IDL.OptClass) return [];
  if (t instanceof IDL.FixedNatClass && t._bits <= 32) return 1;
  if (t instanceof IDL.FixedIntClass && t._bits <= 32) return 1;
  if (t instanceof IDL.FloatClass) return 1;
  return 1n; // nat, int, nat64, int64
}

const MARK = 'bad-input-marker';

/** Does `t` hold a text or blob that `sample` fills (a place for the huge length)? */
function hasBytes(t) {
  if (t === IDL.Text) return true;
  if (t instanceof IDL.VecClass) return t._type === IDL.Nat8;
  if (t instanceof IDL.RecordClass) return t._fields.some(([, ft]) => hasBytes(ft));
  return false;
}

// leb128(2^32): five bytes, the last carrying bit 32.
const HUGE = [0x80, 0x80, 0x80, 0x80, 0x10];

/**
 * The six cases for a method with argument types `args`. The huge length goes into the first
 * text or blob argument (at a marker value); a method without one gets it in an extra text
 * argument, which the decoder must still check (spec section "Deserialisation": the whole
 * message is decoded before extra arguments are dropped, Candid digest b.2).
 */
function cases(args, ctx) {
  const valid = enc(args, args.map((t) => sample(t, ctx)));
  const at = args.findIndex(hasBytes);
  const hugeTypes = at >= 0 ? args : [...args, IDL.Text];
  const markCtx = { ...ctx, text: MARK };
  const marked = enc(hugeTypes, hugeTypes.map((t, k) => sample(t, k === (at >= 0 ? at : args.length) ? markCtx : ctx)));
  const mark = [MARK.length, ...new TextEncoder().encode(MARK)];
  let pos = -1;
  for (let k = 0; k + mark.length <= marked.length && pos < 0; k++)
    if (mark.every((b, j) => marked[k + j] === b)) pos = k;
  if (pos < 0) throw new Error('marker not found in the encoded message');
  const huge = new Uint8Array([...marked.slice(0, pos), ...HUGE, ...marked.slice(pos + 1)]);
  const w = wrongAt(args);
  const wrongTypes = w < 0 ? [...args, IDL.Text] : args.map((t, k) => (k !== w ? t : t === IDL.Text ? IDL.Nat64 : IDL.Text));
  const wrong = enc(wrongTypes, wrongTypes.map((t, k) => (k === w || k === args.length ? (t === IDL.Text ? 'wrong' : 9n) : sample(t, ctx))));
  return {
    valid,
    bad: [
      ['empty', new Uint8Array(0)],
      ['not Candid', new TextEncoder().encode('hello, not Candid')],
      ['wrong types', wrong],
      ['truncated', valid.slice(0, -1)],
      ['huge length', huge],
      ['trailing', new Uint8Array([...valid, 0xde, 0xad])],
    ],
  };
}

/**
 * The first argument whose value can fail to coerce, or -1. Candid spec section "Coercion":
 * any value coerces at `reserved`, and at `opt t` a value that does not coerce reads as null
 * (a wire null only at `null`, but a missing one too, so these are left alone).
 */
function wrongAt(args) {
  return args.findIndex((t) => !(t instanceof IDL.OptClass || t === IDL.Reserved || t === IDL.Null));
}

/**
 * Is this case legitimately accepted? Candid spec section "Tuple types" (under "Coercion"):
 * argument sequences coerce like tuple records, so "extra arguments are ignored": a method with no
 * argument that can fail to coerce accepts a well-formed message with one more text argument.
 * Bytes after the last value are not an extra argument; they are an error (Candid digest b.2,
 * "Leftover bytes are an error").
 */
function accepted(kind, args) {
  return kind === 'wrong types' && wrongAt(args) < 0;
}

// ---- the canisters, their context and their state probes ----------------------------------------

const N = IDL.Nat64;
const P = (b) => Principal.fromUint8Array(b);
const reply = (r, types, what) => {
  if (r.status !== 'replied') throw new Error(`${what}: expected a reply, got reject ${r.rejectCode}: ${r.rejectMessage}`);
  return IDL.decode(types, r.reply);
};

/** A subscriber (build/ic/NAME.wasm) and a publisher for its principal arguments. */
function subscriber(s, name) {
  const id = s.install(name);
  const pub = s.install('publisher');
  return {
    id, ctx: { text: 'x', principal: P(pub) },
    probe: async () => reply(await s.queryCall(id, 'get_count', enc([], [])), [N], 'get_count')[0],
  };
}

/**
 * Each example canister: `setup(s)` installs it (and what it talks to) and returns its id, the
 * context of its sample values, and `probe()`, which reads the state the methods could change.
 * A probe that must itself change state (hello's counter) subtracts its own effect.
 */
const CANISTERS = {
  hello: (s) => {
    const id = s.install('hello');
    let probes = 0n;
    return {
      id, ctx: { text: 'x' },
      probe: async () => reply(await s.updateCall(id, 'inc', enc([], [])), [N], 'inc')[0] - ++probes,
    };
  },
  publisher: async (s) => {
    const id = s.install('publisher');
    const sub = s.install('subscriber');
    eq(reply(await s.updateCall(sub, 'setup_subscribe', enc([IDL.Principal, IDL.Text], [P(id), 'probe'])), [], 'setup'), []);
    let probes = 0n;
    const Counter = IDL.Record({ topic: IDL.Text, value: N });
    return {
      id, ctx: { text: 'x', principal: P(sub) },
      // one publish to the subscribed topic reaches the subscriber exactly once
      probe: async () => {
        reply(await s.updateCall(id, 'publish', enc([Counter], [{ topic: 'probe', value: 1n }])), [], 'publish');
        await s.tick(3);
        return reply(await s.queryCall(sub, 'get_count', enc([], [])), [N], 'get_count')[0] - ++probes;
      },
    };
  },
  subscriber: (s) => subscriber(s, 'subscriber'),
  // the same service, its arguments and calls through bindings generated from the .did files
  subscriber_gen: (s) => subscriber(s, 'subscriber_gen'),
  orders_users: (s) => {
    const id = s.install('orders_users');
    return { id, ctx: { text: 'x' }, probe: async () => reply(await s.queryCall(id, 'get_user', enc([N], [1n])), [IDL.Text], 'get_user') };
  },
  orders_inventory: (s) => {
    const id = s.install('orders_inventory');
    return {
      id, ctx: { text: 'x' },
      probe: async () => Promise.all([1n, 2n, 666n].map(async (p) =>
        reply(await s.queryCall(id, 'stock', enc([N], [p])), [N], 'stock')[0])),
    };
  },
  orders_orders: (s) => {
    const id = s.install('orders_orders');
    return { id, ctx: { text: 'x' }, probe: async () => reply(await s.queryCall(id, 'count', enc([], [])), [N], 'count')[0] };
  },
  orders_front: (s) => {
    const [users, inventory, orders] = ['orders_users', 'orders_inventory', 'orders_orders'].map((c) => s.install(c));
    const id = s.install('orders_front', enc([IDL.Principal, IDL.Principal, IDL.Principal], [P(users), P(inventory), P(orders)]));
    return {
      id, ctx: { text: 'x' },
      probe: async () => [
        reply(await s.queryCall(id, 'locked', enc([N], [1n])), [IDL.Bool], 'locked')[0],
        reply(await s.queryCall(orders, 'count', enc([], [])), [N], 'count')[0],
        reply(await s.queryCall(inventory, 'stock', enc([N], [1n])), [N], 'stock')[0],
      ],
    };
  },
  async_t_ecdsa: (s) => {
    const id = s.install('async_t_ecdsa');
    const Key = IDL.Record({ public_key: IDL.Vec(IDL.Nat8), chain_code: IDL.Vec(IDL.Nat8) });
    return {
      id, ctx: { text: 'x' },
      probe: async () => Buffer.from(IDL.encode([Key], reply(await s.updateCall(id, 'getPublicKey', enc([], [])), [Key], 'getPublicKey'))).toString('hex'),
    };
  },
  bridge: (s) => {
    const id = s.install('bridge');
    const peer = s.install('bridge');
    // texts are "greet": the peer's method the bridge's ask and robustCall call by name
    return {
      id, ctx: { text: 'greet', principal: P(peer) },
      probe: async () => reply(await s.updateCall(id, 'ask', enc([IDL.Principal, IDL.Text, IDL.Text], [P(peer), 'greet', 'probe'])), [IDL.Text], 'ask')[0],
    };
  },
};

for (const [name, setup] of Object.entries(CANISTERS)) {
  const methods = parseService(serviceText(name));
  for (const m of methods) {
    test(`${name}.${m.name}: bad argument bytes are rejected and change nothing`, async () => {
      const s = sim();
      const c = await setup(s);
      const call = (arg) => (m.query ? s.queryCall(c.id, m.name, arg) : s.updateCall(c.id, m.name, arg));
      const { valid, bad } = cases(m.args, c.ctx);
      let before = await c.probe();
      for (const [kind, bytes] of bad) {
        const r = await call(bytes);
        const what = `${name}.${m.name} (${kind}: ${Buffer.from(bytes).toString('hex')})`;
        if (accepted(kind, m.args)) {
          eq(r.status, 'replied', `${what}: extra arguments are ignored (Candid spec, "Tuple types")`);
          before = await c.probe(); // the call ran: its effect is legitimate
          continue;
        }
        eq(r.status, 'rejected', `${what}: status`);
        eq(r.rejectCode, RejectCode.CANISTER_REJECT, `${what}: reject code (message ${JSON.stringify(r.rejectMessage)})`);
        ok(r.rejectMessage.startsWith(`${m.name}: `), `${what}: the message ${JSON.stringify(r.rejectMessage)} names the method`);
        eq(await c.probe(), before, `${what}: state afterwards`);
      }
      const r = await call(valid);
      eq(r.status, 'replied', `${name}.${m.name}: a valid call afterwards (${r.rejectCode}: ${r.rejectMessage})`);
    });
  }
}

test('the methods read from each candid:service are exactly the methods its module exports', async () => {
  for (const name of Object.keys(CANISTERS)) {
    const exported = WebAssembly.Module.exports(new WebAssembly.Module(wasm(name)))
      .map((e) => e.name.match(/^canister_(update|query|composite_query) (.*)$/))
      .filter(Boolean).map((m) => `${m[2]}${m[1] === 'update' ? '' : ' query'}`).sort();
    const read = parseService(serviceText(name)).map((m) => `${m.name}${m.query ? ' query' : ''}`).sort();
    ok(read.length > 0, `${name} has methods`);
    eq(read, exported, `${name}: methods and modes`);
  }
});

test('the service parser reads types, names, records and modes', async () => {
  const [m, q] = parseService(`// a comment
    type C = record { topic : text; "value" : nat64 };
    service : (init : principal) -> { put : (c : C, vec opt blob) -> (); get : () -> (C) query; }`);
  eq([m.name, m.args.length, m.query, q.name, q.args.length, q.query], ['put', 2, false, 'get', 0, true]);
  eq(m.args[0].display(), 'record {topic:text; value:nat64}');
  eq(m.args[1].display(), 'vec opt vec nat8');
  eq(Buffer.from(enc(m.args, [{ topic: 't', value: 1n }, [[Uint8Array.from([7])]]])).toString('hex'),
    Buffer.from(enc([IDL.Record({ topic: IDL.Text, value: IDL.Nat64 }), IDL.Vec(IDL.Opt(IDL.Vec(IDL.Nat8)))],
      [{ topic: 't', value: 1n }, [[Uint8Array.from([7])]]])).toString('hex'));
  let err = '';
  try { parseService('service : { f : (float128) -> () }'); } catch (e) { err = e.message; }
  eq(err, 'candid:service: unsupported type float128');
});

await run('ic-badinput');
