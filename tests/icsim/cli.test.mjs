// The icsim command: `icsim call` with Candid text in and out (through the Candid tool
// build/candid/candid.wasm), text and JSON scenarios with expected replies and rejects, and a
// clear error when the Candid tool is missing.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, eq, contains, REPO, watModule } from './harness.mjs';
import { canisterWat } from './wat.mjs';

const BIN = join(REPO, 'tools', 'icsim', 'bin', 'icsim');
const DIR = join(REPO, 'build', 'icsim', 'cli');
mkdirSync(DIR, { recursive: true });

// echo replies with its argument; hello prints a log line; boom traps.
const ECHO = canisterWat(`
  (data (i32.const 300) "hello from echo" "boom")
  (func (export "canister_update echo")
    (call $msg_arg_data_copy (i32.const 1024) (i32.const 0) (call $msg_arg_data_size))
    (call $msg_reply_data_append (i32.const 1024) (call $msg_arg_data_size))
    (call $msg_reply))
  (func (export "canister_query qecho")
    (call $msg_arg_data_copy (i32.const 1024) (i32.const 0) (call $msg_arg_data_size))
    (call $msg_reply_data_append (i32.const 1024) (call $msg_arg_data_size))
    (call $msg_reply))
  (func (export "canister_init") (call $debug_print (i32.const 300) (i32.const 15)))
  (func (export "canister_update boom") (call $trap (i32.const 315) (i32.const 4)))
`);
const echoPath = join(DIR, 'echo.wasm');
writeFileSync(echoPath, watModule(ECHO));

function icsim(args, env = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test('icsim call: Candid text in, Candid text out', () => {
  const r = icsim(['call', echoPath, 'echo', '(42 : nat, "hi", vec { 1 : nat8 })']);
  eq([r.code, r.out], [0, '(42 : nat, "hi", blob "\\01")']);
});

test('icsim call --query, --raw and --logs', () => {
  eq(icsim(['call', echoPath, 'qecho', '(true)', '--query']).out, '(true)');
  eq(icsim(['call', echoPath, 'echo', 'cafe', '--raw']).out, 'cafe');
  contains(icsim(['call', echoPath, 'echo', '()', '--logs']).err, '[log] hello from echo');
});

test('icsim call --arg-types and --ret-types name record fields', () => {
  const r = icsim(['call', echoPath, 'echo', '(record { name = "x"; age = 3 })',
    '--arg-types', '(record { name : text; age : nat8 })', '--ret-types', '(record { name : text; age : nat8 })']);
  eq([r.code, r.out], [0, '(record { age = 3 : nat8; name = "x" })']);
});

test('icsim call: a reject is printed with its code and exits 1', () => {
  const r = icsim(['call', echoPath, 'boom']);
  eq(r.code, 1);
  contains(r.err, 'rejected (code 5): Canister rwlgt-iiaaa-aaaaa-aaaaa-cai trapped: called ic0.trap with message: boom');
});

test('icsim: usage and Candid errors exit 2 with a message', () => {
  eq(icsim(['frobnicate']).code, 2);
  const r = icsim(['call', echoPath, 'echo', '(oops']);
  eq(r.code, 2);
  contains(r.err, 'icsim: candid encode:');
  contains(icsim(['call', join(DIR, 'missing.wasm'), 'echo']).err, 'cannot read');
});

test('icsim: a missing Candid tool is reported clearly', () => {
  const r = icsim(['call', echoPath, 'echo', '()'], { ICSIM_CANDID_WASM: join(DIR, 'no-candid.wasm') });
  eq(r.code, 2);
  contains(r.err, `the Candid tool ${join(DIR, 'no-candid.wasm')} is missing`);
});

test('icsim run: a text scenario checks replies, rejects, logs and principals', () => {
  const path = join(DIR, 'scenario.txt');
  writeFileSync(path, `# two echo canisters
seed 4
canister a echo.wasm
canister b echo.wasm ("init arg")
call a echo (1 : nat, "x") -> (1 : nat, "x")
query b qecho ($a) -> ($a)
call a echo ("x") -> ("y")
call a nope -> reject 5 "has no update"
call a boom -> reject 5 "trapped"
tick 2
advance 5s
logs a contains "hello from echo"
stop b
call b echo -> reject 5 "is stopped"
start b
call b echo (7 : int) -> (7 : int)
`);
  const r = icsim(['run', path]);
  eq(r.code, 1, 'one deliberate mismatch');
  const lines = r.out.split('\n');
  eq(lines[lines.length - 1], '9 passed, 1 failed');
  contains(r.out, 'FAIL line 7: a.echo expected ("y"), got ("x")');
  contains(r.out, 'ok   line 6: b.qecho (principal "rwlgt-iiaaa-aaaaa-aaaaa-cai")');
});

test('icsim run: a JSON scenario', () => {
  const path = join(DIR, 'scenario.json');
  writeFileSync(path, JSON.stringify({
    seed: 1,
    steps: [
      { op: 'canister', canister: 'a', wasm: 'echo.wasm' },
      { op: 'call', canister: 'a', method: 'echo', args: '(opt 5 : opt nat)', expect: '(opt (5 : nat))' },
      { op: 'call', canister: 'a', method: 'echo', args: '(record { x = 1 })', argTypes: '(record { x : nat16 })',
        retTypes: '(record { x : nat16 })', expect: '(record { x = 1 })' },
      { op: 'query', canister: 'a', method: 'echo', expectReject: { code: 5 } },
    ],
  }));
  const r = icsim(['run', path]);
  eq([r.code, r.out.split('\n').pop()], [0, '4 passed, 0 failed'], r.out);
});

await run('icsim-cli');
