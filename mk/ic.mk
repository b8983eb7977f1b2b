# Canisters in C: the IC runtime (src/ic/, src/backend/ic.c), the examples, their tests in icsim,
# `make demo` and the canister benchmark. Everything is built under build/ic/.
#
# A canister is linked from its own sources, the WASI polyfill object (it must be an object, not an
# archive member, so that it replaces wasi-libc's WASI imports) and libasyncwasm-ic.a (runtime, async
# core, Candid library, all built with IC_CFLAGS). Then ic-wasm shrinks it, embeds the .did as the
# public `candid:service` metadata and checks the exports against the .did.
IC_BUILD := $(BUILD)/ic
IC_OBJ := $(IC_BUILD)/obj

IC_RT_SRCS := $(wildcard src/ic/*.c) $(wildcard src/backend/ic.c)
IC_POLYFILL_SRC := src/ic/wasi_polyfill.c
IC_LIB_SRCS := $(filter-out $(IC_POLYFILL_SRC),$(IC_RT_SRCS)) $(AW_CORE_SRCS) \
	$(or $(CANDID_LIB_SRCS),$(wildcard src/candid/*.c))
IC_LIB_OBJS := $(patsubst %.c,$(IC_OBJ)/%.o,$(IC_LIB_SRCS))
IC_POLYFILL_OBJ := $(IC_OBJ)/src/ic/wasi_polyfill.o
IC_LIB := $(IC_BUILD)/libasyncwasm-ic.a
IC_HEADERS := $(wildcard include/asyncwasm/*.h) $(wildcard src/ic/*.h) $(wildcard src/aw/*.h) \
	$(wildcard src/candid/*.h)
# No start files and no entry: the IC calls only the canister_* exports; ic__enter runs the
# constructors. -Isrc lets the runtime reach the core's internal backend interface.
IC_LDFLAGS := -nostartfiles -Wl,--no-entry -Wl,--gc-sections -Wl,-z,stack-size=65536
IC_RT_CFLAGS := $(IC_CFLAGS) -Isrc -Isrc/ic

$(IC_OBJ)/%.o: %.c $(IC_HEADERS)
	@mkdir -p $(dir $@)
	$(IC_CC) $(IC_RT_CFLAGS) -c $< -o $@

$(IC_LIB): $(IC_LIB_OBJS)
	@rm -f $@
	$(LLVM_AR) rcs $@ $^

# $(call ic_canister,NAME,SOURCES,DID): build/ic/NAME.wasm (shrunk, with metadata, checked).
# Endpoints the runtime itself may export (build/ic/hidden.txt) are not in a .did: the ones a
# module has are passed to check-endpoints as hidden. ic-wasm 0.11.1 expects a `canister_query`
# export for a `composite_query` method, so composite queries (one method per line in our .did
# files) are left out of that check; icsim's install checks them.
define ic_canister
$(IC_BUILD)/$(1).raw.wasm: $(2) $(IC_LIB) $(IC_POLYFILL_OBJ) $(IC_HEADERS)
	@mkdir -p $$(dir $$@)
	$(IC_CC) $(IC_RT_CFLAGS) $(IC_LDFLAGS) -o $$@ $(2) $(IC_POLYFILL_OBJ) $(IC_LIB)
$(IC_BUILD)/$(1).wasm: $(IC_BUILD)/$(1).raw.wasm $(3) $(IC_BUILD)/hidden.txt
	$(IC_WASM) $$< -o $$@.tmp shrink
	@wasm-objdump -x -j Export $$< | sed -n 's/.*-> "\(.*\)"$$$$/\1/p' >$$@.exports
	@{ grep -xF -f $(IC_BUILD)/hidden.txt $$@.exports; sed -n 's/^canister_composite_query /canister_composite_query:/p' $$@.exports; \
		true; } >$$@.hidden
	@sed '/composite_query/d' $(3) >$$@.did
	$(IC_WASM) $$@.tmp check-endpoints --candid $$@.did --hidden $$@.hidden
	$(IC_WASM) $$@.tmp -o $$@.tmp metadata candid:service -f $(3) -v public
	@mv $$@.tmp $$@
IC_CANISTERS += $(IC_BUILD)/$(1).wasm
endef

$(IC_BUILD)/hidden.txt: mk/ic.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' canister_global_timer canister_init canister_pre_upgrade canister_post_upgrade \
		canister_heartbeat canister_inspect_message >$@

IC_CANISTERS :=
$(eval $(call ic_canister,hello,examples/hello/hello.c,examples/hello/hello.did))
$(eval $(call ic_canister,publisher,examples/pubsub/publisher.c,examples/pubsub/publisher.did))
$(eval $(call ic_canister,subscriber,examples/pubsub/subscriber.c,examples/pubsub/subscriber.did))
$(eval $(call ic_canister,async_t_ecdsa,examples/async_t_ecdsa/async_t_ecdsa.c,\
	examples/async_t_ecdsa/async_t_ecdsa.did))
$(eval $(call ic_canister,runtime,tests/ic/runtime.c,tests/ic/runtime.did))
$(eval $(call ic_canister,ticker,bench/ic/ticker.c,bench/ic/ticker.did))
$(eval $(call ic_canister,sysapi,tests/ic/sysapi.c,tests/ic/sysapi.did))
$(eval $(call ic_canister,bridge,examples/interop/bridge.c,examples/interop/bridge.did))
$(foreach c,users inventory orders front,\
	$(eval $(call ic_canister,orders_$(c),examples/orders/$(c).c,examples/orders/$(c).did)))

ALL_TARGETS += $(IC_CANISTERS)

# ---- tests ---------------------------------------------------------------------------------
# test-ic-module: the modules the IC would load: only ic0 imports, one memory, the right exports.
TEST_SUITES += ic-module
.PHONY: test-ic-module
test-ic-module: $(IC_CANISTERS) $(IC_BUILD)/all_imports.wasm
	@IC_WASM=$(IC_WASM) tests/ic/check_modules.sh --all-imports $(IC_BUILD)/all_imports.wasm \
		$(IC_CANISTERS)

# Every ic0 declaration, imported once, to check ic0.h against the spec's list.
$(IC_BUILD)/all_imports.wasm: tests/ic/all_imports.c include/asyncwasm/ic0.h
	@mkdir -p $(dir $@)
	$(IC_CC) $(IC_CFLAGS) $(IC_LDFLAGS) -o $@ $<

# Canister behaviour in icsim: one Node suite per example (tests/ic/NAME.test.mjs).
IC_NODE_SUITES := hello pubsub orders runtime interop sysapi
define ic_node_suite
TEST_SUITES += ic-$(1)
.PHONY: test-ic-$(1)
test-ic-$(1): $(IC_CANISTERS)
	@$(NODE) $(NODE_FLAGS) tests/ic/$(1).test.mjs
endef
$(foreach s,$(IC_NODE_SUITES),$(eval $(call ic_node_suite,$(s))))

# ---- benchmark -----------------------------------------------------------------------------
BENCH_TARGETS += bench-ic
.PHONY: bench-ic
bench-ic: $(IC_BUILD)/publisher.wasm $(IC_BUILD)/subscriber.wasm $(IC_BUILD)/ticker.wasm
	@$(NODE) $(NODE_FLAGS) bench/ic/bench.mjs

# ---- demo ----------------------------------------------------------------------------------
DEMO_TARGETS += demo-ic
.PHONY: demo-ic
demo-ic: $(IC_CANISTERS) $(BUILD)/bin/candid
	@$(NODE) $(NODE_FLAGS) examples/demo.mjs
