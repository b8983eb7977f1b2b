// Harness of the canister suites (tests/ic/*.test.mjs): registers tests, runs them in order and
// ends with `N passed, M failed`; plus what every suite needs: the built canister modules
// (build/ic/NAME.wasm), a fresh icsim with canisters installed, and Candid through @dfinity/candid
// so that the expected values are written independently of our C Candid library.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { IcSim, RejectCode } from '../../tools/icsim/src/index.js';

export { IDL, Principal, IcSim, RejectCode };
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Registering, checking and running tests is icsim's harness, shared by every Node suite.
import { test, eq, ok, run } from '../icsim/harness.mjs';

export { test, eq, ok, run };

/** The bytes of build/ic/NAME.wasm. */
export function wasm(name) {
  return readFileSync(join(REPO, 'build', 'ic', `${name}.wasm`));
}

/** Candid-encodes `vals` at `types` (arrays of IDL types and JS values). */
export function enc(types, vals) {
  return new Uint8Array(IDL.encode(types, vals));
}

/** A fresh simulator; `install(name, arg?)` creates a canister running build/ic/NAME.wasm. */
export function sim(options = {}) {
  const s = new IcSim({ seed: 7, ...options });
  s.install = (name, arg = enc([], [])) => {
    const id = s.createCanister();
    s.installCode(id, wasm(name), arg);
    return id;
  };
  return s;
}

/**
 * Expects a reply and decodes it at `types`; throws with the reject otherwise. Returns the
 * decoded values (an array).
 */
export function replied(r, types) {
  if (r.status !== 'replied')
    throw new Error(`expected a reply, got reject ${r.rejectCode}: ${r.rejectMessage}`);
  return IDL.decode(types, r.reply);
}

/** Expects a reject with `code` and exactly `message` (a string) or a message matching a RegExp. */
export function rejected(r, code, message) {
  if (r.status !== 'rejected')
    throw new Error(`expected reject ${code} ${inspect(message)}, got a reply (${Buffer.from(r.reply).toString('hex')})`);
  eq(r.rejectCode, code, 'reject code');
  if (message instanceof RegExp) ok(message.test(r.rejectMessage), `reject message ${inspect(r.rejectMessage)} matches ${message}`);
  else eq(r.rejectMessage, message, 'reject message');
}
