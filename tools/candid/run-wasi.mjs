// run-wasi.mjs - runs a wasm32-wasi command module with Node's WASI, passing the command line
// through and giving it the current directory (so `candid test FILE` can read files).
//   node tools/candid/run-wasi.mjs build/candid/candid.wasm encode '(42)'
// The process exits with the module's exit code.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [, , wasmPath, ...args] = process.argv;
if (!wasmPath) {
  process.stderr.write('usage: node run-wasi.mjs MODULE.wasm ARGS...\n');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: ['candid', ...args],
  env: { PWD: process.cwd() },
  preopens: { '/': '/' },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
