// icsim's public entry point: the simulator class and the helpers a test needs. See
// docs/icsim.md for the model and the API.

export { IcSim, RejectCode, LIMITS, principalBytes, principalText } from './sim.js';
export { ModuleError } from './wasm_module.js';
export { IC0, CONTEXTS, CONTEXT_NAMES } from './ic0_table.js';
