// Fault injection: rules that make the simulated IC misbehave in the ways the real one may, so
// tests can check a canister's error paths. Every rule names a kind and optionally the canister
// (principal bytes or text) and method it applies to, how many times it fires (`times`, default
// unlimited) and with what probability (`probability`, default 1; drawn from the simulator's
// seeded PRNG, so a run is reproducible with the same seed). Kinds:
//   reject          a request to the canister/method is answered with `code` and `message`
//                   without running the callee
//   trap            the callee traps when the request arrives (the caller sees CANISTER_ERROR)
//   perform_fail    ic0.call_perform in the canister (to `method`, if given) returns 2
//   delay           a request to the canister/method waits `rounds` more rounds before delivery
//   reorder         requests to the canister/method lose the IC's ordering guarantee: they may
//                   overtake earlier requests from the same caller
//   exhaust_cycles  the canister's balance drops to 0: it is frozen (requests to it get
//                   SYS_TRANSIENT, its calls fail) until cycles are added

import { Principal } from '@dfinity/principal';

const KINDS = new Set(['reject', 'trap', 'perform_fail', 'delay', 'reorder', 'exhaust_cycles']);

function toHex(p) {
  if (p === undefined || p === null) return null;
  const bytes = typeof p === 'string' ? Principal.fromText(p).toUint8Array() : p;
  return Buffer.from(bytes).toString('hex');
}

export class Faults {
  constructor(sim) {
    this.sim = sim;
    this.rules = [];
    this.nextId = 1;
  }

  /**
   * Adds a rule (see the file comment) and returns its id; `exhaust_cycles` acts at once and
   * returns 0. Throws a TypeError on an unknown kind or a missing field.
   */
  add(spec) {
    if (!KINDS.has(spec.kind)) throw new TypeError(`unknown fault kind "${spec.kind}" (one of ${[...KINDS].join(', ')})`);
    if (spec.kind === 'reject' && !(spec.code >= 1 && spec.code <= 6)) throw new TypeError('a reject fault needs a code 1..6');
    if (spec.kind === 'delay' && !(spec.rounds > 0)) throw new TypeError('a delay fault needs rounds > 0');
    if (spec.kind === 'exhaust_cycles') {
      if (!spec.canister) throw new TypeError('exhaust_cycles needs a canister');
      const c = this.sim.canister(spec.canister);
      c.cycles = 0n;
      c.frozen = true;
      return 0;
    }
    const rule = { ...spec, id: this.nextId++, canisterHex: toHex(spec.canister), left: spec.times ?? Infinity };
    this.rules.push(rule);
    return rule.id;
  }

  clear() {
    this.rules = [];
  }

  // The first live rule of `kind` matching the canister and method, consumed if it fires.
  fire(kind, canisterHex, method) {
    for (const r of this.rules) {
      if (r.kind !== kind || r.left <= 0) continue;
      if (r.canisterHex !== null && r.canisterHex !== canisterHex) continue;
      if (r.method !== undefined && r.method !== method) continue;
      if (r.probability !== undefined && this.sim.random() >= r.probability) continue;
      r.left--;
      return r;
    }
    return null;
  }

  /** For a request arriving at canister `c`: `{rejectCode, message}`, `{trap}` or null. */
  onDeliver(c, method) {
    const hex = Buffer.from(c.id).toString('hex');
    const rej = this.fire('reject', hex, method);
    if (rej) return { rejectCode: rej.code, message: rej.message ?? `injected reject of ${c.text}.${method}` };
    const trap = this.fire('trap', hex, method);
    if (trap) return { trap: trap.message ?? `injected trap in ${c.text}.${method}` };
    return null;
  }

  /** True if ic0.call_perform of canister `c` for pending call `p` must fail. */
  performFails(c, p) {
    return this.fire('perform_fail', Buffer.from(c.id).toString('hex'), p.method) !== null;
  }

  /** True if request `msg` may overtake earlier requests of its caller (not consumed). */
  reorders(msg) {
    const hex = Buffer.from(msg.to).toString('hex');
    return this.rules.some((r) => r.kind === 'reorder' && r.left > 0 && (r.canisterHex === null || r.canisterHex === hex)
      && (r.method === undefined || r.method === msg.method));
  }

  /** Rounds to hold request `msg` back (0 = deliver now). A request is delayed at most once. */
  delayFor(msg) {
    if (msg.delayed) return 0;
    const r = this.fire('delay', Buffer.from(msg.to).toString('hex'), msg.method);
    if (!r) return 0;
    msg.delayed = true;
    return r.rounds;
  }
}
