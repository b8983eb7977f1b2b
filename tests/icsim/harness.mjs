// A minimal test harness for icsim's JavaScript suites: `test(name, fn)` registers a test,
// `run(suite)` runs them in order, prints each failure with its reason and ends with the line
// `<suite>: N passed, M failed` that scripts/run-suites.sh reads; the exit code is 1 on failure.
// `watModule(text)` assembles WAT with wabt's wat2wasm into build/icsim/ (cached by content).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(REPO, 'build', 'icsim', 'wat');
const tests = [];

/** Registers a test; `fn` may be async and fails by throwing. */
export function test(name, fn) {
  tests.push({ name, fn });
}

/** Throws unless `actual` deep-equals `expected`. */
export function eq(actual, expected, what = 'value') {
  if (!isDeepStrictEqual(actual, expected))
    throw new Error(`${what}: expected ${inspect(expected, { depth: 5 })}, got ${inspect(actual, { depth: 5 })}`);
}

/** Throws unless string `s` contains `part`. */
export function contains(s, part, what = 'text') {
  if (typeof s !== 'string' || !s.includes(part)) throw new Error(`${what}: expected to contain ${inspect(part)}, got ${inspect(s)}`);
}

/** Throws unless `cond` holds. */
export function ok(cond, what) {
  if (!cond) throw new Error(`${what}: condition failed`);
}

/** Throws unless `fn()` (sync or async) throws an error whose message contains `part`. */
export async function throwsWith(fn, part) {
  try {
    await fn();
  } catch (e) {
    contains(e.message, part, 'error message');
    return;
  }
  throw new Error(`expected an error containing ${inspect(part)}`);
}

/** Assembles WAT source to wasm bytes (wat2wasm, cached in build/icsim/wat). */
export function watModule(text) {
  mkdirSync(OUT, { recursive: true });
  const h = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const wasm = join(OUT, `${h}.wasm`);
  if (!existsSync(wasm)) {
    const src = join(OUT, `${h}.wat`);
    writeFileSync(src, text);
    execFileSync(process.env.WAT2WASM || 'wat2wasm', ['--enable-all', src, '-o', wasm]);
  }
  return readFileSync(wasm);
}

/** Runs the registered tests and prints the summary line (prefixed by `suite` when given); sets
 * the exit code. */
export async function run(suite) {
  let passed = 0;
  let failed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      passed++;
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}: ${e && e.stack ? e.stack : e}`);
    }
  }
  console.log(`${suite ? `${suite}: ` : ''}${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
