# The Candid -> C binding generator (`candid gen c`, tools/candid/gen_c.c, issue 3 item 5).
# mk/candid.mk builds it into $(BUILD)/bin/candid. This fragment generates bindings for
# tests/candid_gen/kinds.did (every type kind) and for the IC's ic.did (the management canister,
# prefix ic_mc), compiles them with -Wall -Wextra -Werror natively (clang, gcc, clang with
# ASan+UBSan), for wasm32-wasi and for wasm32 canisters (AW_BACKEND_IC: the call stubs), and runs
# tests/candid_gen/run.c on every build that can run. Everything goes under $(BUILD)/candid_gen.

# For other fragments (included after this one):
#   $(call candid_gen_c,NAME,FILE.did,PREFIX)  adds a rule writing $(CGEN_GEN)/NAME/NAME.h and .c;
#       depend on $(CGEN_GEN)/NAME/NAME.stamp, add -I$(CGEN_GEN)/NAME, compile NAME.c.
#   The management canister: $(CGEN_IC_MC_DIR)/ic_mc.h and ic_mc.c (prefix ic_mc), made by
#       $(CGEN_IC_MC_STAMP).
CGEN_B := $(BUILD)/candid_gen
CGEN_TOOL := $(BUILD)/bin/candid
# The IC's interface (spec 0.66.0), checked in beside the canister tests.
CGEN_IC_DID := tests/ic/ic.did
CGEN_KINDS_DID := tests/candid_gen/kinds.did
CGEN_GEN := $(CGEN_B)/gen
CGEN_IC_MC_DIR := $(CGEN_GEN)/ic_mc
CGEN_IC_MC_STAMP := $(CGEN_IC_MC_DIR)/ic_mc.stamp
CGEN_SRCS := $(CGEN_GEN)/kinds.c $(CGEN_GEN)/kinds_big.c $(CGEN_GEN)/importer.c \
    $(CGEN_IC_MC_DIR)/ic_mc.c
CGEN_LIB_SRCS := $(sort $(wildcard src/candid/*.c))
CGEN_DEPS := tests/candid_gen/run.c tests/harness.h include/asyncwasm/candid.h $(CGEN_LIB_SRCS) \
    $(CGEN_GEN)/kinds.stamp $(CGEN_GEN)/kinds_big.stamp $(CGEN_GEN)/importer.stamp \
    $(CGEN_IC_MC_STAMP)
CGEN_TEST_INC := -Itests -I$(CGEN_GEN) -I$(CGEN_IC_MC_DIR)

# Generation. A stamp per .did because one command writes both the .h and the .c.
$(CGEN_GEN)/kinds.stamp: $(CGEN_KINDS_DID) $(CGEN_TOOL)
	@mkdir -p $(CGEN_GEN)
	$(CGEN_TOOL) gen c $< -o $(CGEN_GEN)
	@touch $@
# kinds.did again with --bignum: nat and int as candid_bignum.
$(CGEN_GEN)/kinds_big.stamp: $(CGEN_KINDS_DID) $(CGEN_TOOL)
	@mkdir -p $(CGEN_GEN)
	$(CGEN_TOOL) gen c $< -o $(CGEN_GEN) --name kinds_big --bignum
	@touch $@
$(CGEN_GEN)/importer.stamp: tests/candid_gen/importer.did $(CGEN_KINDS_DID) $(CGEN_TOOL)
	@mkdir -p $(CGEN_GEN)
	$(CGEN_TOOL) gen c $< -o $(CGEN_GEN)
	@touch $@

define candid_gen_c
$(CGEN_GEN)/$(1)/$(1).stamp: $(2) $(CGEN_TOOL)
	@mkdir -p $$(dir $$@)
	$(CGEN_TOOL) gen c $$< -o $$(dir $$@) --name $(1) --prefix $(3)
	@touch $$@
$(CGEN_GEN)/$(1)/$(1).c $(CGEN_GEN)/$(1)/$(1).h: $(CGEN_GEN)/$(1)/$(1).stamp
endef
$(eval $(call candid_gen_c,ic_mc,$(CGEN_IC_DID),ic_mc))
$(CGEN_GEN)/kinds.c $(CGEN_GEN)/kinds_big.c $(CGEN_GEN)/importer.c: $(CGEN_GEN)/%.c: $(CGEN_GEN)/%.stamp

# The test program, three native ways and as wasm32-wasi.
$(CGEN_B)/clang/run: $(CGEN_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) $(CGEN_TEST_INC) tests/candid_gen/run.c $(CGEN_SRCS) $(CGEN_LIB_SRCS) -lm -o $@
$(CGEN_B)/gcc/run: $(CGEN_DEPS)
	@mkdir -p $(dir $@)
	$(GCC) $(GCC_CFLAGS) $(CGEN_TEST_INC) tests/candid_gen/run.c $(CGEN_SRCS) $(CGEN_LIB_SRCS) -lm -o $@
$(CGEN_B)/san/run: $(CGEN_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) $(SAN_CFLAGS) $(CGEN_TEST_INC) tests/candid_gen/run.c $(CGEN_SRCS) $(CGEN_LIB_SRCS) -lm -o $@
$(CGEN_B)/wasi/run.wasm: $(CGEN_DEPS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) $(CGEN_TEST_INC) tests/candid_gen/run.c $(CGEN_SRCS) $(CGEN_LIB_SRCS) -lm -o $@

# The generated sources as a canister compiles them: wasm32, -Oz, AW_BACKEND_IC (call stubs).
$(CGEN_B)/ic/%.o: $(CGEN_GEN)/%.c $(CGEN_GEN)/%.stamp $(wildcard include/asyncwasm/*.h)
	@mkdir -p $(dir $@)
	$(IC_CC) $(IC_CFLAGS) -I$(CGEN_GEN) -c $< -o $@
$(CGEN_B)/ic/ic_mc.o: $(CGEN_IC_MC_STAMP) $(wildcard include/asyncwasm/*.h)
	@mkdir -p $(dir $@)
	$(IC_CC) $(IC_CFLAGS) -I$(CGEN_IC_MC_DIR) -c $(CGEN_IC_MC_DIR)/ic_mc.c -o $@

# Edge shapes (tests/candid_gen/edge.did): compiled by clang and gcc natively and for canisters.
$(eval $(call candid_gen_c,edge,tests/candid_gen/edge.did,edge))
CGEN_EDGE_C := $(CGEN_GEN)/edge/edge.c
$(CGEN_B)/edge/clang.o: $(CGEN_GEN)/edge/edge.stamp
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) -c $(CGEN_EDGE_C) -o $@
$(CGEN_B)/edge/gcc.o: $(CGEN_GEN)/edge/edge.stamp
	@mkdir -p $(dir $@)
	$(GCC) $(GCC_CFLAGS) -c $(CGEN_EDGE_C) -o $@
$(CGEN_B)/edge/ic.o: $(CGEN_GEN)/edge/edge.stamp
	@mkdir -p $(dir $@)
	$(IC_CC) $(IC_CFLAGS) -c $(CGEN_EDGE_C) -o $@
CGEN_EDGE_OBJS := $(CGEN_B)/edge/clang.o $(CGEN_B)/edge/gcc.o $(CGEN_B)/edge/ic.o

CGEN_NATIVE := $(CGEN_B)/clang/run $(CGEN_B)/gcc/run $(CGEN_B)/san/run
CGEN_IC_OBJS := $(CGEN_B)/ic/kinds.o $(CGEN_B)/ic/kinds_big.o $(CGEN_B)/ic/importer.o \
    $(CGEN_B)/ic/ic_mc.o

TEST_SUITES += candid-gen
.PHONY: test-candid-gen
# Each build runs the same tests, then the command-line checks; the last line adds them up.
test-candid-gen: $(CGEN_NATIVE) $(CGEN_B)/wasi/run.wasm $(CGEN_IC_OBJS) $(CGEN_EDGE_OBJS) $(CGEN_TOOL)
	@rm -rf $(CGEN_B)/wasi/files && mkdir -p $(CGEN_B)/wasi/files
	@cp $(CGEN_KINDS_DID) $(CGEN_IC_DID) $(CGEN_B)/wasi/files/
	@p=0; f=0; \
	for prog in $(CGEN_NATIVE) wasi tool; do \
	    if [ $$prog = tool ]; then \
	        tests/candid_gen/tool.sh $(CGEN_TOOL) $(CGEN_B)/tool >$(CGEN_B)/out.txt 2>&1; \
	    elif [ $$prog = wasi ]; then \
	        $(NODE) $(NODE_FLAGS) tests/aw/run_wasi.mjs $(CGEN_B)/wasi/run.wasm --dir $(CGEN_B)/wasi/files \
	            /work/kinds.did /work/ic.did >$(CGEN_B)/out.txt 2>&1; \
	    else \
	        $$prog $(CGEN_KINDS_DID) $(CGEN_IC_DID) >$(CGEN_B)/out.txt 2>&1; \
	    fi; \
	    rc=$$?; sed "s|^|$$prog: |" $(CGEN_B)/out.txt; \
	    line=$$(tail -n 1 $(CGEN_B)/out.txt); \
	    case "$$line" in *" passed, "*" failed") ;; *) line="0 passed, 1 failed";; esac; \
	    set -- $$line; p=$$((p + $$1)); f=$$((f + $$3)); \
	    if [ $$rc -ne 0 ] && [ $$3 -eq 0 ]; then f=$$((f + 1)); fi; \
	done; \
	echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

# ---- the management canister's bindings, generated at build time ---------------------------
# src/ic/mgmt.c (the ic_mgmt_* helpers) uses bindings generated from ic.did for the nine methods
# it calls: prefix ic_mc, nat as candid_bignum (a balance may exceed 64 bits). They are written
# into $(CGEN_MGMT_DIR) (`asyncwasm/ic_mgmt_did.h` and `mgmt_did.c`) whenever ic.did or the
# generator changes; mk/ic.mk compiles them into the canister library and puts the directory on
# the include path of the runtime and of canisters.
CGEN_MGMT_METHODS := raw_rand ecdsa_public_key sign_with_ecdsa schnorr_public_key sign_with_schnorr \
    http_request canister_status create_canister install_code
CGEN_COMMA := ,
CGEN_MGMT_DIR := $(CGEN_B)/mgmt_did
CGEN_MGMT_H := $(CGEN_MGMT_DIR)/asyncwasm/ic_mgmt_did.h
CGEN_MGMT_C := $(CGEN_MGMT_DIR)/mgmt_did.c
$(CGEN_MGMT_H) $(CGEN_MGMT_C) &: $(CGEN_IC_DID) $(CGEN_TOOL)
	@rm -rf $(CGEN_MGMT_DIR) && mkdir -p $(CGEN_MGMT_DIR)/asyncwasm
	$(CGEN_TOOL) gen c $< -o $(CGEN_MGMT_DIR) --prefix ic_mc --name ic_mgmt_did --bignum \
	    --include asyncwasm/ic_mgmt_did.h --source mgmt_did.c --methods $(subst $(eval) ,$(CGEN_COMMA),$(strip $(CGEN_MGMT_METHODS)))
	@mv $(CGEN_MGMT_DIR)/ic_mgmt_did.h $(CGEN_MGMT_H)

# ---- the call stubs end to end -----------------------------------------------------------------
# A C canister (tests/candid_gen/stubs/caller.c) built from generated bindings only awaits a
# Motoko canister (Store.mo) through the stubs generated from store.did, in icsim. It links the
# canister runtime that mk/ic.mk builds (library and WASI polyfill object).
CGEN_STUBS := tests/candid_gen/stubs
CGEN_IC_RT := $(BUILD)/ic/obj/src/ic/wasi_polyfill.o $(BUILD)/ic/libasyncwasm-ic.a
$(eval $(call candid_gen_c,store,$(CGEN_STUBS)/store.did,store))
$(eval $(call candid_gen_c,caller,$(CGEN_STUBS)/caller.did,caller))
$(CGEN_B)/canister/caller.wasm: $(CGEN_STUBS)/caller.c $(CGEN_GEN)/store/store.stamp \
    $(CGEN_GEN)/caller/caller.stamp $(CGEN_IC_RT) $(wildcard include/asyncwasm/*.h)
	@mkdir -p $(dir $@)
	$(IC_CC) $(IC_CFLAGS) $(IC_LDFLAGS) -I$(CGEN_GEN)/store -I$(CGEN_GEN)/caller -o $@ $< \
	    $(CGEN_GEN)/store/store.c $(CGEN_GEN)/caller/caller.c $(CGEN_IC_RT)

TEST_SUITES += candid-gen-stubs
.PHONY: test-candid-gen-stubs
test-candid-gen-stubs: $(CGEN_B)/canister/caller.wasm
	@CGEN_CALLER_WASM=$(CGEN_B)/canister/caller.wasm $(NODE) $(NODE_FLAGS) $(CGEN_STUBS)/stubs.test.mjs

# ---- benchmark ---------------------------------------------------------------------------------
# bench-candid-gen: generated encoder/decoder vs the library's dynamic path on a 1 MB message.
$(CGEN_GEN)/bench/bench_gen.stamp: tests/candid_gen/bench.did $(CGEN_TOOL)
	@mkdir -p $(dir $@)
	$(CGEN_TOOL) gen c $< -o $(dir $@) --name bench_gen
	@touch $@
$(CGEN_B)/bench/bench: tests/candid_gen/bench.c $(CGEN_GEN)/bench/bench_gen.stamp $(CGEN_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) -I$(CGEN_GEN)/bench $< $(CGEN_GEN)/bench/bench_gen.c $(CGEN_LIB_SRCS) -lm -o $@

BENCH_TARGETS += bench-candid-gen
.PHONY: bench-candid-gen
bench-candid-gen: $(CGEN_B)/bench/bench
	@echo "== candid gen c: generated bindings vs the library's dynamic path =="
	@$(CGEN_B)/bench/bench

# ---- fuzzing -----------------------------------------------------------------------------------
# fuzz-candid-gen: libFuzzer on the generated decoders of kinds.did with a fixed-point property
# (tests/candid_gen/fuzz.c), seeded with messages the candid tool encodes from
# tests/candid_gen/fuzz_seeds.txt (types TAB value per line); `make test` runs 10 seconds of it.
CGEN_FUZZ := $(CGEN_B)/fuzz/fuzz_gen
CGEN_FUZZ_SEEDS := $(CGEN_B)/fuzz/seeds
$(CGEN_FUZZ): tests/candid_gen/fuzz.c $(CGEN_GEN)/kinds.stamp $(CGEN_GEN)/kinds_big.stamp $(CGEN_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CSTD) $(WARN) $(INCLUDES) -I$(CGEN_GEN) -O1 -g -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all $< $(CGEN_GEN)/kinds.c $(CGEN_GEN)/kinds_big.c $(CGEN_LIB_SRCS) \
	    -lm -o $@
$(CGEN_FUZZ_SEEDS)/.done: tests/candid_gen/fuzz_seeds.txt $(CGEN_KINDS_DID) $(CGEN_TOOL)
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	@i=0; while IFS=$$'\t' read -r types value; do \
	    i=$$((i + 1)); h=$$($(CGEN_TOOL) encode "$$value" --did $(CGEN_KINDS_DID) --types "$$types") \
	        || exit 1; \
	    printf "$$(sed 's/../\\x&/g' <<<"$$h")" > $(dir $@)/seed$$i; \
	done < tests/candid_gen/fuzz_seeds.txt
	@touch $@

FUZZ_TARGETS += fuzz-candid-gen
TEST_SUITES += candid-gen-fuzz
.PHONY: fuzz-candid-gen test-candid-gen-fuzz
fuzz-candid-gen: $(CGEN_FUZZ) $(CGEN_FUZZ_SEEDS)/.done
	@mkdir -p $(CGEN_B)/fuzz/corpus
	$(CGEN_FUZZ) -max_total_time=$(or $(FUZZ_SECONDS),60) -max_len=4096 $(CGEN_B)/fuzz/corpus \
	    $(CGEN_FUZZ_SEEDS)
test-candid-gen-fuzz: $(CGEN_FUZZ) $(CGEN_FUZZ_SEEDS)/.done
	@mkdir -p $(CGEN_B)/fuzz/corpus
	@$(CGEN_FUZZ) -max_total_time=10 -max_len=4096 -print_final_stats=1 $(CGEN_B)/fuzz/corpus \
	    $(CGEN_FUZZ_SEEDS) > $(CGEN_B)/fuzz/smoke.log 2>&1 \
	    && { grep -E 'stat::number_of_executed_units' $(CGEN_B)/fuzz/smoke.log; \
	         echo "1 passed, 0 failed"; } \
	    || { tail -n 40 $(CGEN_B)/fuzz/smoke.log; echo "0 passed, 1 failed"; exit 1; }
