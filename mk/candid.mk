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

# The tool gets a 4 MB stack (the default 64 KB is too small for deeply nested text values).
$(CANDID_WASM): $(CANDID_ALL_SRCS) $(CANDID_DEPS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) $(CANDID_TOOL_INC) $(CANDID_ALL_SRCS) -lm \
	    -Wl,-z,stack-size=4194304 -o $@

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

TEST_SUITES += candid-conformance candid-unit candid-san candid-wasm candid-fuzz candid-crosscheck

# ---- fuzzing: libFuzzer on the decoder (`make fuzz`), and a 20-second smoke run in `make test`

FUZZ_SECONDS ?= 60
CANDID_FUZZ_SEEDS := $(CANDID_B)/fuzz/seeds

$(CANDID_FUZZ): tests/candid/fuzz_decode.c $(CANDID_LIB_SRCS) $(CANDID_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) $(INCLUDES) -O1 -g -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all $< $(CANDID_LIB_SRCS) -lm -o $@

# Seeds: a few valid messages made by the tool.
$(CANDID_FUZZ_SEEDS)/.done: $(CANDID_TOOL)
	@mkdir -p $(dir $@)
	@i=0; for args in '(42, -7, "hi", opt true)' '(opt record { a = 1; b = opt "x"; c = vec { 1; -2 } })' \
	    '(variant { err = record { code = 3 : nat32; msg = "no" } })' \
	    '(principal "w7x7r-cok77-xa", service "aaaaa-aa", func "aaaaa-aa".m)' \
	    '(vec { opt record {}; null }, 1.5, blob "\00\01")'; do \
	    i=$$((i+1)); h=$$($(CANDID_TOOL) encode "$$args") || exit 1; \
	    printf "$$(sed 's/../\\x&/g' <<<"$$h")" > $(dir $@)/seed$$i; done
	@touch $@

.PHONY: fuzz-candid-decode test-candid-fuzz
fuzz-candid-decode: $(CANDID_FUZZ) $(CANDID_FUZZ_SEEDS)/.done
	@mkdir -p $(CANDID_B)/fuzz/corpus
	$(CANDID_FUZZ) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(CANDID_B)/fuzz/corpus \
	    $(CANDID_FUZZ_SEEDS)

test-candid-fuzz: $(CANDID_FUZZ) $(CANDID_FUZZ_SEEDS)/.done
	@mkdir -p $(CANDID_B)/fuzz/corpus
	$(CANDID_FUZZ) -max_total_time=20 -max_len=4096 -print_final_stats=1 \
	    $(CANDID_B)/fuzz/corpus $(CANDID_FUZZ_SEEDS) > $(CANDID_B)/fuzz/smoke.log 2>&1 \
	    && { grep -E 'stat::number_of_executed_units' $(CANDID_B)/fuzz/smoke.log; \
	         echo "1 passed, 0 failed"; } \
	    || { tail -n 40 $(CANDID_B)/fuzz/smoke.log; echo "0 passed, 1 failed"; exit 1; }

FUZZ_TARGETS += fuzz-candid-decode

# ---- cross-check against @dfinity/candid (npm, pinned): 1,000 generated values, seed 42,
# C -> JS (JS decodes our bytes) and JS -> C (we decode JS's bytes); see tests/candid/crosscheck.c.

CANDID_XCHECK := $(CANDID_B)/crosscheck
CANDID_XCHECK_SEED ?= 42
CANDID_XCHECK_N ?= 1000

$(CANDID_XCHECK): tests/candid/crosscheck.c $(CANDID_LIB_SRCS) $(CANDID_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) $< $(CANDID_LIB_SRCS) -lm -o $@

.PHONY: test-candid-crosscheck
test-candid-crosscheck: $(CANDID_XCHECK)
	$(CANDID_XCHECK) gen $(CANDID_XCHECK_SEED) $(CANDID_XCHECK_N) > $(CANDID_B)/xcheck-cases.jsonl
	@js=$$($(NODE) $(NODE_FLAGS) tests/candid/crosscheck.mjs $(CANDID_B)/xcheck-cases.jsonl \
	        $(CANDID_B)/xcheck-js.hex); jrc=$$?; echo "$$js" | sed 's/^/C -> JS: /'; \
	 c=$$($(CANDID_XCHECK) check $(CANDID_XCHECK_SEED) $(CANDID_XCHECK_N) \
	        < $(CANDID_B)/xcheck-js.hex); crc=$$?; echo "$$c" | sed 's/^/JS -> C: /'; \
	 p=0; f=0; for l in "$$(tail -n 1 <<<"$$js")" "$$(tail -n 1 <<<"$$c")"; do \
	   set -- $$l; p=$$((p + $${1:-0})); f=$$((f + $${3:-1})); done; \
	 echo "$$p passed, $$f failed"; [ $$jrc -eq 0 ] && [ $$crc -eq 0 ] && [ $$f -eq 0 ]

# ---- benchmark: ~1 MB message, native C vs @dfinity/candid on Node (same bytes, same run), and
# wasm32 instructions per byte of decoding (wasm-interp --trace on a module with no imports).

CANDID_BENCH_WASM_RECORDS := 300
CANDID_BENCH_WASM_SRCS := bench/candid/bench.c src/candid/decode.c src/candid/did.c src/candid/env.c \
    src/candid/lexer.c src/candid/util.c src/candid/encode.c src/candid/value.c

$(CANDID_BENCH): bench/candid/bench.c $(CANDID_LIB_SRCS) $(CANDID_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) $< $(CANDID_LIB_SRCS) -lm -o $@

$(CANDID_B)/bench-%.wasm: $(CANDID_BENCH_WASM_SRCS) $(CANDID_LIB_HDRS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(CSTD) $(WARN) $(INCLUDES) -$* -mexec-model=reactor -DCANDID_BENCH_WASM \
	    -DBENCH_WASM_RECORDS=$(CANDID_BENCH_WASM_RECORDS) $(CANDID_BENCH_WASM_SRCS) -o $@

.PHONY: bench-candid
bench-candid: $(CANDID_BENCH) $(CANDID_B)/bench-O2.wasm $(CANDID_B)/bench-Oz.wasm
	@echo "== Candid: ~1 MB message, vec of record { id : nat; name : text; owner : principal; note : opt text; scores : vec nat32 }"
	@$(CANDID_BENCH) $(CANDID_B)/bench-message.bin | tee $(CANDID_B)/bench-c.txt | grep -v '_MBS='
	@$(NODE) $(NODE_FLAGS) bench/candid/bench.mjs $(CANDID_B)/bench-message.bin \
	    | tee $(CANDID_B)/bench-js.txt | grep -v '_MBS='
	@cat $(CANDID_B)/bench-c.txt $(CANDID_B)/bench-js.txt | awk -F= '/_MBS=/{v[$$1]=$$2} END { \
	    printf "C / @dfinity/candid: decode %.0fx, encode %.0fx (target: >= 10x)\n", \
	    v["C_DECODE_MBS"]/v["JS_DECODE_MBS"], v["C_ENCODE_MBS"]/v["JS_ENCODE_MBS"] }'
	@for opt in O2 Oz; do \
	    wasm-interp $(CANDID_B)/bench-$$opt.wasm --run-all-exports --trace | awk -v opt=$$opt \
	    '/^>>> running export "encode_only"/ {f = "e"} /^>>> running export "encode_decode"/ {f = "d"} \
	     /^#/ {c[f]++} /^encode_decode\(\) => i32:/ {split($$0, p, ":"); len = p[2]} \
	     END { printf "wasm32 -%s: decoding %d bytes ($(CANDID_BENCH_WASM_RECORDS) records) took %d instructions = %.1f per byte\n", \
	           opt, len, c["d"] - c["e"], (c["d"] - c["e"]) / len }'; done

BENCH_TARGETS += bench-candid
