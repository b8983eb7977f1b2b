# The example canisters beyond hello and pub-sub (orders, async_t_ecdsa, interop), the test
# canister of the management canister's generated bindings, and their icsim suites. Included by
# mk/ic.mk after its own canisters (it uses ic_canister, ic_node_suite and IC_CANISTERS).

# The management canister's bindings, generated from the IC's ic.did under the prefix mgmt_.
$(IC_BUILD)/gen/mgmt.c $(IC_BUILD)/gen/mgmt.h: tests/ic/ic.did $(BUILD)/bin/candid
	@mkdir -p $(dir $@)
	@cp tests/ic/ic.did $(IC_BUILD)/gen/mgmt.did
	$(BUILD)/bin/candid gen c $(IC_BUILD)/gen/mgmt.did -o $(IC_BUILD)/gen

$(eval $(call ic_canister,mgmt_gen,tests/ic/mgmt_gen.c $(IC_BUILD)/gen/mgmt.c,tests/ic/mgmt_gen.did))
$(IC_BUILD)/mgmt_gen.raw.wasm: IC_RT_CFLAGS += -I$(IC_BUILD)/gen
# async_t_ecdsa: its reply is written by the bindings generated from its .did.
ECDSA_GEN := $(IC_BUILD)/gen/async_t_ecdsa
$(ECDSA_GEN)/%.c $(ECDSA_GEN)/%.h: examples/async_t_ecdsa/%.did $(BUILD)/bin/candid
	@mkdir -p $(dir $@)
	$(BUILD)/bin/candid gen c $< -o $(ECDSA_GEN)
$(eval $(call ic_canister,async_t_ecdsa,examples/async_t_ecdsa/async_t_ecdsa.c \
	$(ECDSA_GEN)/async_t_ecdsa.c,examples/async_t_ecdsa/async_t_ecdsa.did))
$(IC_BUILD)/async_t_ecdsa.raw.wasm: IC_RT_CFLAGS += -I$(ECDSA_GEN)
$(IC_BUILD)/async_t_ecdsa.raw.wasm: $(ECDSA_GEN)/async_t_ecdsa.h
# interop: the C bridge reads its arguments with bindings from bridge.did and calls the peer's
# method through the stub generated from peer.did (build/ic/gen/interop/).
INTEROP_GEN := $(IC_BUILD)/gen/interop
$(INTEROP_GEN)/%.c $(INTEROP_GEN)/%.h: examples/interop/%.did $(BUILD)/bin/candid
	@mkdir -p $(dir $@)
	$(BUILD)/bin/candid gen c $< -o $(INTEROP_GEN)
$(eval $(call ic_canister,bridge,examples/interop/bridge.c $(INTEROP_GEN)/bridge.c \
	$(INTEROP_GEN)/peer.c,examples/interop/bridge.did))
$(IC_BUILD)/bridge.raw.wasm: IC_RT_CFLAGS += -I$(INTEROP_GEN)
$(IC_BUILD)/bridge.raw.wasm: $(INTEROP_GEN)/bridge.h $(INTEROP_GEN)/peer.h
# orders: the front canister awaits the others through typed stubs generated from their .did
# files, and reads its own arguments and writes its reply with bindings from front.did
# (build/ic/gen/orders/NAME.{c,h}, prefix NAME).
ORDERS_GEN := $(IC_BUILD)/gen/orders
ORDERS_DIDS := users inventory orders front
$(ORDERS_GEN)/%.c $(ORDERS_GEN)/%.h: examples/orders/%.did $(BUILD)/bin/candid
	@mkdir -p $(dir $@)
	$(BUILD)/bin/candid gen c $< -o $(ORDERS_GEN)
# The callees read their arguments and write their replies with the bindings from their own .did.
$(foreach c,users inventory orders,\
	$(eval $(call ic_canister,orders_$(c),examples/orders/$(c).c $(ORDERS_GEN)/$(c).c,\
		examples/orders/$(c).did)))
$(foreach c,users inventory orders,$(eval $(IC_BUILD)/orders_$(c).raw.wasm: IC_RT_CFLAGS += -I$(ORDERS_GEN)))
$(foreach c,users inventory orders,$(eval $(IC_BUILD)/orders_$(c).raw.wasm: $(ORDERS_GEN)/$(c).h))
$(eval $(call ic_canister,orders_front,examples/orders/front.c \
	$(patsubst %,$(ORDERS_GEN)/%.c,$(ORDERS_DIDS)),examples/orders/front.did))
$(IC_BUILD)/orders_front.raw.wasm: IC_RT_CFLAGS += -I$(ORDERS_GEN)
$(IC_BUILD)/orders_front.raw.wasm: $(patsubst %,$(ORDERS_GEN)/%.h,$(ORDERS_DIDS))

IC_NODE_SUITES += orders interop badinput

# Every management canister helper (src/ic/mgmt.c) behind a method of a test canister.
$(eval $(call ic_canister,mgmt,tests/ic/mgmt.c,tests/ic/mgmt.did))
IC_NODE_SUITES += mgmt
BENCH_TARGETS += bench-ic-mgmt
.PHONY: bench-ic-mgmt
bench-ic-mgmt: $(IC_BUILD)/mgmt.wasm
	@echo "== the management canister helpers in icsim =="
	@$(NODE) $(NODE_FLAGS) tests/ic/mgmt.bench.mjs
