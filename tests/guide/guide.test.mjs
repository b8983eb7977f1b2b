// guide.test.mjs - the code of docs/guide-first-canister.md works as printed.
//
// mk/ic_guide.mk extracts the guide's C, Candid and JavaScript blocks (tests/guide/extract.sh)
// and builds build/ic/mine.wasm from them with the guide's make line. This suite runs the
// guide's own test script (section 4) from the repository root, as a reader would, and checks
// what the guide says about the canister: the relay through hello, the visits counter, and the
// state kept across an upgrade by the hooks of section 6.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, eq, ok, run, sim, wasm, enc, replied, rejected, IDL, Principal, RejectCode, REPO } from '../ic/harness.mjs';

const build = join(REPO, 'build', 'guide');

test("the guide's test script (section 4) prints hello's greeting", () => {
  const r = spawnSync(process.execPath, ['--input-type=module'], {
    cwd: REPO,
    input: readFileSync(join(build, 'test.mjs')),
    encoding: 'utf8',
  });
  eq(r.status, 0, `exit status (stderr: ${r.stderr})`);
  ok(/^\[ 'Hello, you!' \] \d+n\n$/.test(r.stdout), `output ${JSON.stringify(r.stdout)}`);
});

test('relay (section 2) answers with the other canister\'s reply and rejects a bad callee', async () => {
  const s = sim();
  const mine = s.install('mine');
  const hello = s.install('hello');
  const arg = (p, name) => enc([IDL.Principal, IDL.Text], [p, name]);
  const r = await s.updateCall(mine, 'relay', arg(Principal.fromUint8Array(hello), 'C'));
  eq(replied(r, [IDL.Text]), ['Hello, C!'], 'reply');
  // A callee without the method rejects; the runtime rejects relay with that error and its trace.
  rejected(await s.updateCall(mine, 'relay', arg(Principal.fromUint8Array(mine), 'x')),
    RejectCode.CANISTER_REJECT, /greet[\s\S]*greet_run/);
  // Malformed arguments are rejected with the decoder's message, not a trap.
  rejected(await s.updateCall(mine, 'relay', enc([IDL.Text], ['only text'])),
    RejectCode.CANISTER_REJECT, /relay/);
});

test('visits counts (section 1) and survives an upgrade (section 6)', async () => {
  const s = sim();
  const mine = s.install('mine');
  const visit = async () => replied(await s.updateCall(mine, 'visits', enc([], [])), [IDL.Nat64]);
  eq(await visit(), [1n], 'first visit');
  eq(await visit(), [2n], 'second visit');
  s.installCode(mine, wasm('mine'), enc([], []), { mode: 'upgrade' });
  eq(await visit(), [3n], 'after the upgrade');
});

await run('guide');
