# icsim's management-canister services (threshold signatures, HTTP outcalls) and the Motoko
# acceptance suite: Node scripts that print their own `N passed, M failed` line.
TEST_SUITES += icsim-mgmt icsim-motoko
BENCH_TARGETS += bench-icsim-mgmt
.PHONY: test-icsim-mgmt test-icsim-motoko bench-icsim-mgmt

test-icsim-mgmt:
	$(NODE) $(NODE_FLAGS) tests/icsim/mgmt/run.mjs

test-icsim-motoko:
	$(NODE) $(NODE_FLAGS) tests/icsim/motoko/run.mjs

bench-icsim-mgmt:
	$(NODE) $(NODE_FLAGS) tests/icsim/mgmt/bench.mjs
