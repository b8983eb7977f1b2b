// run_wasi.mjs - run a wasm32-wasi program under Node's WASI (preview1) and exit with its status.
// Usage: node run_wasi.mjs PROGRAM.wasm [--dir HOST_DIR] [--fd-events] [ARGS...]
// With --dir, HOST_DIR is preopened in the guest as /work (the fd I/O tests write files there).
// With --fd-events, poll_oneoff accepts fd subscriptions, which Node's WASI refuses, and answers
// them by a fixed script (for tests/aw/test_wasi_poll.c; see fdEventsPoll below).
import { readFile } from 'node:fs/promises';
import { appendFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import process from 'node:process';

const argv = process.argv.slice(2);
const program = argv.shift();
const preopens = {};
let fdEvents = false;
for (;;) {
    if (argv[0] === '--dir') {
        argv.shift();
        preopens['/work'] = argv.shift();
    } else if (argv[0] === '--fd-events') {
        argv.shift();
        fdEvents = true;
    } else {
        break;
    }
}
const wasi = new WASI({ version: 'preview1', args: [program, ...argv], env: {}, preopens,
                        returnOnExit: true });
const imports = wasi.getImportObject();
let memory = null;

// Layouts of WASI preview1: a subscription is 48 bytes (userdata u64 at 0, tag u8 at 8, then at
// 16 a clock {id u32, timeout u64 at 24, precision u64 at 32, flags u16 at 40} or an fd u32); an
// event is 32 bytes (userdata u64 at 0, error u16 at 8, type u8 at 10, nbytes u64 at 16, flags u16
// at 24).
const SUB_SIZE = 48, TAG_CLOCK = 0;

// The script: a wait that subscribes a clock next to fds only lets the clock expire (the clock
// subscriptions are passed to Node's own poll_oneoff, which sleeps; it may wake a little early,
// and the guest then waits again); a wait with fds and no clock reports exactly one of them ready,
// the last subscribed, with 1 byte available. Waits without fds go to Node's poll_oneoff unchanged.
// FD_EVENTS_LOG=FILE appends the subscriptions' tags of each wait to FILE.
const realPoll = imports.wasi_snapshot_preview1.poll_oneoff;
function fdEventsPoll(inPtr, outPtr, nsubs, neventsPtr) {
    const view = new DataView(memory.buffer);
    const subs = [];
    for (let i = 0; i < nsubs; i++) {
        const at = inPtr + i * SUB_SIZE;
        subs.push({ at, tag: view.getUint8(at + 8) });
    }
    if (process.env.FD_EVENTS_LOG)
        appendFileSync(process.env.FD_EVENTS_LOG, `wait ${subs.map((s) => s.tag)}\n`);
    const clocks = subs.filter((s) => s.tag === TAG_CLOCK);
    const fds = subs.filter((s) => s.tag !== TAG_CLOCK);
    if (fds.length === 0)
        return realPoll(inPtr, outPtr, nsubs, neventsPtr);
    if (clocks.length > 0) {
        // move the clock subscriptions to the front and let Node wait for them alone
        const bytes = new Uint8Array(memory.buffer);
        const copies = clocks.map((s) => bytes.slice(s.at, s.at + SUB_SIZE));
        copies.forEach((copy, i) => bytes.set(copy, inPtr + i * SUB_SIZE));
        return realPoll(inPtr, outPtr, clocks.length, neventsPtr);
    }
    const ready = fds[fds.length - 1];
    view.setBigUint64(outPtr, view.getBigUint64(ready.at, true), true);
    view.setUint16(outPtr + 8, 0, true);
    view.setUint8(outPtr + 10, ready.tag);
    view.setBigUint64(outPtr + 16, 1n, true);
    view.setUint16(outPtr + 24, 0, true);
    view.setUint32(neventsPtr, 1, true);
    return 0;
}
if (fdEvents)
    imports.wasi_snapshot_preview1 = { ...imports.wasi_snapshot_preview1, poll_oneoff: fdEventsPoll };

const module = await WebAssembly.compile(await readFile(program));
const instance = await WebAssembly.instantiate(module, imports);
memory = instance.exports.memory;
process.exitCode = wasi.start(instance);
