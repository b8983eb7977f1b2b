# The async core (src/aw/), its POSIX and WASI backends, tests, example and benchmark.
# Everything is built under build/core/.
#
# Other fragments use:
#   AW_CORE_SRCS   backend-independent core sources (the IC build compiles them with IC_CFLAGS)
#   AW_POSIX_SRCS  sources to add for a native program (poll(2) backend and fd futures)
#   AW_WASI_SRCS   sources to add for a wasm32-wasi program (poll_oneoff backend and fd futures)
AW_IO_SRCS := src/aw/io.c
AW_CORE_SRCS := $(filter-out $(AW_IO_SRCS),$(sort $(wildcard src/aw/*.c)))
AW_POSIX_SRCS := src/backend/posix.c $(AW_IO_SRCS)
AW_WASI_SRCS := src/backend/wasi.c $(AW_IO_SRCS)
AW_HEADERS := $(wildcard include/asyncwasm/aw*.h) $(wildcard src/aw/*.h)

CORE_BUILD := $(BUILD)/core
AW_TEST_DEPS := $(AW_HEADERS) tests/harness.h

# Native builds of one test program: clang, gcc, clang with ASan+UBSan.
$(CORE_BUILD)/clang/%: tests/aw/%.c $(AW_CORE_SRCS) $(AW_POSIX_SRCS) $(AW_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) -o $@ $< $(AW_CORE_SRCS) $(AW_POSIX_SRCS)
$(CORE_BUILD)/gcc/%: tests/aw/%.c $(AW_CORE_SRCS) $(AW_POSIX_SRCS) $(AW_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(GCC) $(GCC_CFLAGS) -o $@ $< $(AW_CORE_SRCS) $(AW_POSIX_SRCS)
$(CORE_BUILD)/san/%: tests/aw/%.c $(AW_CORE_SRCS) $(AW_POSIX_SRCS) $(AW_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) $(SAN_CFLAGS) -DAW_NO_POOL -o $@ $< $(AW_CORE_SRCS) $(AW_POSIX_SRCS)
$(CORE_BUILD)/debug/%: tests/aw/%.c $(AW_CORE_SRCS) $(AW_POSIX_SRCS) $(AW_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(CLANG) $(SAN_CFLAGS) -DAW_NO_POOL -DAW_DEBUG -DAW_PROFILE -o $@ $< $(AW_CORE_SRCS) $(AW_POSIX_SRCS)
$(CORE_BUILD)/wasi/%.wasm: tests/aw/%.c $(AW_CORE_SRCS) $(AW_WASI_SRCS) $(AW_TEST_DEPS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) -o $@ $< $(AW_CORE_SRCS) $(AW_WASI_SRCS)

# Libraries `make` builds: the core with the POSIX backend (native) and with the WASI backend.
AW_POSIX_LIB := $(CORE_BUILD)/libasyncwasm-posix.a
AW_WASI_LIB := $(CORE_BUILD)/libasyncwasm-wasi.a
AW_POSIX_OBJS := $(patsubst %.c,$(CORE_BUILD)/obj/posix/%.o,$(AW_CORE_SRCS) $(AW_POSIX_SRCS))
AW_WASI_OBJS := $(patsubst %.c,$(CORE_BUILD)/obj/wasi/%.o,$(AW_CORE_SRCS) $(AW_WASI_SRCS))
$(CORE_BUILD)/obj/posix/%.o: %.c $(AW_HEADERS)
	@mkdir -p $(dir $@)
	$(CLANG) $(NATIVE_CFLAGS) -c $< -o $@
$(CORE_BUILD)/obj/wasi/%.o: %.c $(AW_HEADERS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) -c $< -o $@
$(AW_POSIX_LIB): $(AW_POSIX_OBJS)
	@rm -f $@
	$(LLVM_AR) rcs $@ $^
$(AW_WASI_LIB): $(AW_WASI_OBJS)
	@rm -f $@
	$(LLVM_AR) rcs $@ $^
ALL_TARGETS += $(AW_POSIX_LIB) $(AW_WASI_LIB)

# ---- example -----------------------------------------------------------------------------------
# demo-wasi-echo: examples/wasi_echo built for wasm32-wasi and run by Node's WASI on piped input.
AW_ECHO_WASM := $(CORE_BUILD)/examples/wasi_echo.wasm
$(AW_ECHO_WASM): examples/wasi_echo/echo.c $(AW_CORE_SRCS) $(AW_WASI_SRCS) $(AW_HEADERS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_CFLAGS) -o $@ $< $(AW_CORE_SRCS) $(AW_WASI_SRCS)
ALL_TARGETS += $(AW_ECHO_WASM)

# ---- test suites ------------------------------------------------------------------------------
# core-native: the core tests built with clang, with gcc, and with clang under ASan+UBSan (pools
# off so the sanitizer sees every block), plus a sanitized build with AW_DEBUG and AW_PROFILE.
# core-wasi: the same tests (test_core, test_op), the fd I/O tests and examples/wasi_echo compiled
# to wasm32-wasi and run by Node's WASI.
AW_NATIVE_VARIANTS := clang gcc san debug
AW_NATIVE_TESTS := test_core test_io test_op

TEST_SUITES += core-native core-wasi
.PHONY: test-core-native test-core-wasi
AW_NATIVE_PROGRAMS := $(foreach v,$(AW_NATIVE_VARIANTS),$(foreach t,$(AW_NATIVE_TESTS),$(CORE_BUILD)/$(v)/$(t)))
test-core-native: $(AW_NATIVE_PROGRAMS)
	@tests/aw/run_native.sh $(AW_NATIVE_PROGRAMS)
test-core-wasi: $(CORE_BUILD)/wasi/test_core.wasm $(CORE_BUILD)/wasi/test_io.wasm $(AW_ECHO_WASM) \
    $(CORE_BUILD)/wasi/test_wasi_poll.wasm $(CORE_BUILD)/wasi/test_op.wasm
	@tests/aw/run_wasi_suite.sh $(NODE) $(CORE_BUILD)/wasi $^

# core-ic-compile: aw_wait_for/aw_run_forever/aw_run/aw_poll must not compile for the IC.
TEST_SUITES += core-ic-compile
.PHONY: test-core-ic-compile
test-core-ic-compile: $(AW_HEADERS)
	@tests/aw/ic_compile_fail.sh "$(IC_CC) $(IC_CFLAGS)" "$(WASI_CC) $(WASI_CFLAGS)" \
	    $(CORE_BUILD)/ic-compile $(AW_CORE_SRCS)

# ---- benchmark -----------------------------------------------------------------------------
# bench-core: issue 2's table. The wasm figure comes from a freestanding wasm32 build of the
# workload run by wasm-interp --trace (two iteration counts, the difference per iteration).
AW_BENCH_CFLAGS := $(CSTD) $(WARN) $(ASYNC_WARN_CLANG) $(INCLUDES) -O2 -D_POSIX_C_SOURCE=200809L
AW_BENCH_WASM_CFLAGS := $(WASI_CFLAGS) -nostartfiles -Wl,--no-entry -Wl,--gc-sections
$(CORE_BUILD)/bench/bench_core: bench/core/bench_core.c bench/core/workload.h $(AW_CORE_SRCS) $(AW_POSIX_SRCS) $(AW_HEADERS)
	@mkdir -p $(dir $@)
	$(CLANG) $(AW_BENCH_CFLAGS) -o $@ $< $(AW_CORE_SRCS) $(AW_POSIX_SRCS)
$(CORE_BUILD)/bench/workload_%.wasm: bench/core/wasm_workload.c bench/core/workload.h $(AW_CORE_SRCS) $(AW_HEADERS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(AW_BENCH_WASM_CFLAGS) -DWL_ITERATIONS=$* -o $@ $< $(AW_CORE_SRCS)
# bench/core/floor.c: the same workload with the least machinery each kind of design needs (the
# floor of the wasm figure), and as plain calls.
# The stem is VARIANT_ITERATIONS (floor_direct_110.wasm).
$(CORE_BUILD)/bench/floor_%.wasm: bench/core/floor.c
	@mkdir -p $(dir $@)
	$(WASI_CC) $(AW_BENCH_WASM_CFLAGS) -DFLOOR_$(shell echo $(word 1,$(subst _, ,$*)) | tr a-z A-Z) \
	    -DFLOOR_ITERATIONS=$(word 2,$(subst _, ,$*)) -o $@ $<
# bench/core/cxx20.cc: the workload with C++20 coroutines, to check our count against the issue's
# reference figure (clang++ from the same package, no libc++ needed).
$(CORE_BUILD)/bench/cxx20_%.wasm: bench/core/cxx20.cc
	@mkdir -p $(dir $@)
	$(CLANGXX) --target=wasm32-wasi -std=c++20 -O2 -Wall -Wextra -Werror -fno-exceptions -fno-rtti \
	    -nostdlib++ -nostartfiles -Wl,--no-entry -Wl,--gc-sections -DCXX_ITERATIONS=$* -o $@ $<
$(CORE_BUILD)/bench/workload_fut_%.wasm: bench/core/wasm_workload.c bench/core/workload.h $(AW_CORE_SRCS) $(AW_HEADERS)
	@mkdir -p $(dir $@)
	$(WASI_CC) $(AW_BENCH_WASM_CFLAGS) -DWL_IO_FUTURE -DWL_ITERATIONS=$* -o $@ $< $(AW_CORE_SRCS)

BENCH_TARGETS += bench-core
.PHONY: bench-core
AW_BENCH_FLOORS := plain direct poll directerr pollerr pollguard
AW_BENCH_WASM := $(foreach n,10 110,$(CORE_BUILD)/bench/workload_$(n).wasm $(CORE_BUILD)/bench/workload_fut_$(n).wasm \
    $(foreach v,$(AW_BENCH_FLOORS),$(CORE_BUILD)/bench/floor_$(v)_$(n).wasm) $(CORE_BUILD)/bench/cxx20_$(n).wasm)
bench-core: $(CORE_BUILD)/bench/bench_core $(AW_BENCH_WASM)
	@bench/core/count_wasm.sh $(CORE_BUILD)/bench/workload_10.wasm 10 \
	    $(CORE_BUILD)/bench/workload_110.wasm 110 >$(CORE_BUILD)/bench/figures.txt
	@bench/core/count_wasm.sh $(CORE_BUILD)/bench/workload_fut_10.wasm 10 \
	    $(CORE_BUILD)/bench/workload_fut_110.wasm 110 _futures >>$(CORE_BUILD)/bench/figures.txt
	@for v in $(AW_BENCH_FLOORS); do bench/core/count_wasm.sh $(CORE_BUILD)/bench/floor_$${v}_10.wasm 10 \
	    $(CORE_BUILD)/bench/floor_$${v}_110.wasm 110 _floor_$$v; done >>$(CORE_BUILD)/bench/figures.txt
	@bench/core/count_wasm.sh $(CORE_BUILD)/bench/cxx20_10.wasm 10 $(CORE_BUILD)/bench/cxx20_110.wasm 110 \
	    _cxx20 >>$(CORE_BUILD)/bench/figures.txt
	@$(CORE_BUILD)/bench/bench_core >>$(CORE_BUILD)/bench/figures.txt
	@bench/core/report.sh $(CORE_BUILD)/bench/figures.txt

DEMO_TARGETS += demo-wasi-echo
.PHONY: demo-wasi-echo
demo-wasi-echo: $(AW_ECHO_WASM)
	@echo "== examples/wasi_echo (wasm32-wasi under Node): three tasks, a channel, fd I/O"
	@printf 'hello\nasync world\nfrom a wasi program\n' | $(NODE) $(NODE_FLAGS) tests/aw/run_wasi.mjs $<
