// run_wasi.mjs - run a wasm32-wasi program under Node's WASI (preview1) and exit with its status.
// Usage: node run_wasi.mjs PROGRAM.wasm [--dir HOST_DIR] [ARGS...]
// With --dir, HOST_DIR is preopened in the guest as /work (the fd I/O tests write files there).
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const argv = process.argv.slice(2);
const program = argv.shift();
const preopens = {};
if (argv[0] === '--dir') {
    argv.shift();
    preopens['/work'] = argv.shift();
}
const wasi = new WASI({ version: 'preview1', args: [program, ...argv], env: {}, preopens,
                        returnOnExit: true });
const module = await WebAssembly.compile(await readFile(program));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
