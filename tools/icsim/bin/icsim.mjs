// Entry point of the icsim command; the work is in ../src/cli.js.
import { main } from '../src/cli.js';

process.exitCode = await main(process.argv.slice(2));
