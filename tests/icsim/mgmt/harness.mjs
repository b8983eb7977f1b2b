// A small test harness for icsim's Node test suites: `test(name, fn)` registers a test,
// `run()` runs them in order, prints one line per failure and a final `N passed, M failed`
// line, and sets a non-zero exit code when any test failed. Assertions throw on mismatch.

import { inspect } from 'node:util';

const tests = [];

/** Registers an (async) test named `name`. */
export function test(name, fn) {
  tests.push({ name, fn });
}

/** Runs every registered test (or only those whose name contains argv[2]); prints the summary. */
export async function run(prefix = '') {
  const filter = process.argv[2] || '';
  let passed = 0;
  let failed = 0;
  for (const t of tests) {
    if (filter && !t.name.includes(filter)) continue;
    try {
      await t.fn();
      passed++;
      if (process.env.VERBOSE) console.log(`ok   ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}\n     ${e && e.stack ? e.stack.split('\n').slice(0, 4).join('\n     ') : inspect(e)}`);
    }
  }
  console.log(`${prefix}${passed} passed, ${failed} failed`);
  if (failed) process.exitCode = 1;
}

/** Fails unless `actual === expected` (bigints and numbers compared strictly). */
export function eq(actual, expected, what = 'value') {
  if (actual !== expected)
    throw new Error(`${what}: expected ${inspect(expected)}, got ${inspect(actual)}`);
}

/** Fails unless `cond` is true. */
export function ok(cond, what = 'condition') {
  if (cond !== true) throw new Error(`${what}: expected true, got ${inspect(cond)}`);
}

/** Fails unless the two byte arrays hold the same bytes. */
export function bytesEq(actual, expected, what = 'bytes') {
  const a = Buffer.from(actual).toString('hex');
  const b = Buffer.from(expected).toString('hex');
  if (a !== b) throw new Error(`${what}: expected ${b}, got ${a}`);
}

/**
 * Awaits `promise` and fails unless it rejects with `{ rejectCode: code }` and a message equal to
 * `message` (a string) or matching it (a RegExp). Returns the reject.
 */
export async function rejects(promise, code, message) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error(`expected a reject with code ${code}, but the call succeeded`);
  if (err.rejectCode !== code)
    throw new Error(`expected reject code ${code}, got ${inspect(err.rejectCode)} (${err.message})`);
  const good = message instanceof RegExp ? message.test(err.message) : err.message === message;
  if (!good) throw new Error(`reject message: expected ${inspect(message)}, got ${inspect(err.message)}`);
  return err;
}
