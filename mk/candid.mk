# Candid (issue 3): the library, the `candid` tool (native and wasm32-wasi), its tests, fuzzing
# and benchmark. Everything builds under $(BUILD)/candid; the native tool is $(BUILD)/bin/candid.

CANDID_LIB_SRCS := $(sort $(wildcard src/candid/*.c))
CANDID_LIB_HDRS := include/asyncwasm/candid.h $(wildcard src/candid/*.h)
CANDID_GEN_SRC := $(wildcard tools/candid/gen_c.c)
CANDID_TOOL_SRCS := tools/candid/main.c tools/candid/test.c $(CANDID_GEN_SRC)
CANDID_TOOL_DEFS := $(if $(CANDID_GEN_SRC),-DCANDID_TOOL_HAVE_GEN=1)
CANDID_TOOL_HDRS := $(wildcard tools/candid/*.h)
CANDID_TESTS := $(sort $(wildcard /work/shared/reference/candid/tests/*.test.did))
CANDID_TESTS := $(if $(CANDID_TESTS),$(CANDID_TESTS),$(sort $(wildcard ../shared/reference/candid/tests/*.test.did)))
CANDID_B := $(BUILD)/candid

CANDID_TOOL := $(BUILD)/bin/candid
CANDID_TOOL_SAN := $(CANDID_B)/san/candid
CANDID_WASM := $(CANDID_B)/candid.wasm
CANDID_LIB_IC := $(CANDID_B)/ic/libcandid.a
CANDID_UNIT := $(CANDID_B)/unit
CANDID_UNIT_SAN := $(CANDID_B)/san/unit
CANDID_UNIT_GCC := $(CANDID_B)/gcc/unit
CANDID_FUZZ := $(CANDID_B)/fuzz/fuzz_decode
CANDID_BENCH := $(CANDID_B)/bench

ALL_TARGETS += $(CANDID_TOOL) $(CANDID_WASM) $(CANDID_LIB_IC)

CANDID_ALL_SRCS := $(CANDID_LIB_SRCS) $(CANDID_TOOL_SRCS)
CANDID_DEPS := $(CANDID_LIB_HDRS) $(CANDID_TOOL_HDRS)
CANDID_TOOL_INC := -Isrc/candid -Itools/candid $(CANDID_TOOL_DEFS)

$(CANDID_TOOL): $(CANDID_ALL_SRCS) $(CANDID_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) $(CANDID_TOOL_INC) $(CANDID_ALL_SRCS) -lm -o $@

$(CANDID_TOOL_SAN): $(CANDID_ALL_SRCS) $(CANDID_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) $(SAN_CFLAGS) $(CANDID_TOOL_INC) $(CANDID_ALL_SRCS) -lm -o $@

$(CANDID_WASM): $(CANDID_ALL_SRCS) $(CANDID_DEPS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) $(CANDID_TOOL_INC) $(CANDID_ALL_SRCS) -lm -o $@

# The library as canisters link it: wasm32, -Oz, no stdio on the encode/decode path.
$(CANDID_B)/ic/%.o: src/candid/%.c $(CANDID_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(IC_CC) $(IC_CFLAGS) -c $< -o $@

$(CANDID_LIB_IC): $(patsubst src/candid/%.c,$(CANDID_B)/ic/%.o,$(CANDID_LIB_SRCS))
	@rm -f $@
	$(LLVM_AR) rcs $@ $^

# ---- tests

$(CANDID_UNIT): tests/candid/unit.c $(CANDID_LIB_SRCS) $(CANDID_LIB_HDRS) tests/harness.h
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) -Isrc/candid -Itests tests/candid/unit.c $(CANDID_LIB_SRCS) -lm -o $@

$(CANDID_UNIT_SAN): tests/candid/unit.c $(CANDID_LIB_SRCS) $(CANDID_LIB_HDRS) tests/harness.h
	@mkdir -p $(dir $@)
	$(CLANG) $(SAN_CFLAGS) -Isrc/candid -Itests tests/candid/unit.c $(CANDID_LIB_SRCS) -lm -o $@

$(CANDID_UNIT_GCC): tests/candid/unit.c $(CANDID_LIB_SRCS) $(CANDID_LIB_HDRS) tests/harness.h
	@mkdir -p $(dir $@)
	$(GCC) $(GCC_CFLAGS) -Isrc/candid -Itests tests/candid/unit.c $(CANDID_LIB_SRCS) -lm -o $@

.PHONY: test-candid-conformance test-candid-unit test-candid-san test-candid-wasm

# The five official conformance files (409 asserts).
test-candid-conformance: $(CANDID_TOOL)
	$(CANDID_TOOL) test $(CANDID_TESTS)

# C unit tests (clang and gcc builds).
test-candid-unit: $(CANDID_UNIT) $(CANDID_UNIT_GCC)
	$(CANDID_UNIT_GCC) > $(CANDID_B)/unit-gcc.log || { cat $(CANDID_B)/unit-gcc.log; exit 1; }
	$(CANDID_UNIT)

# The whole Candid test set under AddressSanitizer and UndefinedBehaviorSanitizer.
test-candid-san: $(CANDID_TOOL_SAN) $(CANDID_UNIT_SAN)
	$(CANDID_UNIT_SAN) > $(CANDID_B)/san/unit.log 2>&1 || { cat $(CANDID_B)/san/unit.log; exit 1; }
	$(CANDID_TOOL_SAN) test $(CANDID_TESTS)

# The wasm32-wasi tool, run with Node's WASI, on the conformance files.
test-candid-wasm: $(CANDID_WASM)
	$(NODE) $(NODE_FLAGS) tools/candid/run-wasi.mjs $(CANDID_WASM) test $(CANDID_TESTS)

TEST_SUITES += candid-conformance candid-unit candid-san candid-wasm
