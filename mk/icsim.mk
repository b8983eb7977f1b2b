# icsim, the local IC in Node.js (tools/icsim/, docs/icsim.md). No build step: the suites run the
# JavaScript directly with the pinned Node and assemble their WAT canisters into build/icsim/.
ICSIM_BUILD := $(BUILD)/icsim
ICSIM_SRCS := $(wildcard tools/icsim/src/*.js)
ICSIM_RUN := WAT2WASM=$(WAT2WASM) $(NODE) $(NODE_FLAGS)

TEST_SUITES += icsim-basics icsim-availability icsim-calls icsim-rollback icsim-cli
.PHONY: test-icsim-basics test-icsim-availability test-icsim-calls test-icsim-rollback test-icsim-cli
test-icsim-basics:
	@mkdir -p $(ICSIM_BUILD)
	@$(ICSIM_RUN) tests/icsim/basics.test.mjs

test-icsim-availability:
	@mkdir -p $(ICSIM_BUILD)
	@$(ICSIM_RUN) tests/icsim/availability.test.mjs
test-icsim-calls:
	@mkdir -p $(ICSIM_BUILD)
	@$(ICSIM_RUN) tests/icsim/calls.test.mjs
test-icsim-rollback:
	@mkdir -p $(ICSIM_BUILD)
	@$(ICSIM_RUN) tests/icsim/rollback.test.mjs

# The command line needs the Candid tool's wasm32-wasi build.
test-icsim-cli: $(CANDID_WASM)
	@mkdir -p $(ICSIM_BUILD)
	@$(ICSIM_RUN) tests/icsim/cli.test.mjs

# Wall time per call in icsim (the issue asks for at most 1 ms for a trivial update call).
BENCH_TARGETS += bench-icsim
.PHONY: bench-icsim
bench-icsim:
	@mkdir -p $(ICSIM_BUILD)
	@$(ICSIM_RUN) tests/icsim/bench.mjs
