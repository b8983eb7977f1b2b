# icsim's management-canister services (threshold signatures, HTTP outcalls) and the Motoko
# acceptance suite: Node scripts that print their own `N passed, M failed` line.
TEST_SUITES += icsim-mgmt

test-icsim-mgmt:
	$(NODE) $(NODE_FLAGS) tests/icsim/mgmt/run.mjs
