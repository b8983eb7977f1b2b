# The guide docs/guide-first-canister.md, checked: its C, Candid and JavaScript blocks are
# extracted (tests/guide/extract.sh), built with the guide's make line into build/ic/mine.wasm and
# run by tests/guide/guide.test.mjs. Read after mk/ic.mk (it uses ic_canister).
GUIDE_BUILD := $(BUILD)/guide

$(GUIDE_BUILD)/mine.c $(GUIDE_BUILD)/mine.did $(GUIDE_BUILD)/test.mjs &: docs/guide-first-canister.md \
		tests/guide/extract.sh
	@tests/guide/extract.sh $< $(GUIDE_BUILD)

$(eval $(call ic_canister,mine,$(GUIDE_BUILD)/mine.c,$(GUIDE_BUILD)/mine.did))

TEST_SUITES += guide
.PHONY: test-guide
test-guide: $(IC_BUILD)/mine.wasm $(IC_BUILD)/hello.wasm $(GUIDE_BUILD)/test.mjs
	@IC_WASM=$(IC_WASM) tests/ic/check_modules.sh $(IC_BUILD)/mine.wasm >$(GUIDE_BUILD)/modules.log \
		|| { cat $(GUIDE_BUILD)/modules.log; exit 1; }
	@$(NODE) $(NODE_FLAGS) tests/guide/guide.test.mjs
