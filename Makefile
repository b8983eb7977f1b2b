# asyncwasm - top-level build.
#
#   make          build the native libraries and tools and the wasm32 libraries
#   make demo     install what is missing, build the examples and run them
#   make test     install what is missing, run every test suite; ends with `N passed, M failed`
#   make bench    print the benchmark tables (figures, not tests)
#   make fuzz     run the libFuzzer targets for a while (FUZZ_SECONDS, default 60 each)
#
# Each part of the project adds its targets in its own fragment under mk/ (core, candid, icsim,
# ic); mk/toolchain.mk holds the compilers and flags they share. A fragment appends to:
#   ALL_TARGETS    files `make` builds          TEST_SUITES   names NAME with a rule test-NAME
#   DEMO_TARGETS   phony targets of `make demo` BENCH_TARGETS phony targets of `make bench`
#   FUZZ_TARGETS   phony targets of `make fuzz`
SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

ALL_TARGETS :=
TEST_SUITES :=
DEMO_TARGETS :=
BENCH_TARGETS :=
FUZZ_TARGETS :=

include mk/toolchain.mk
include $(sort $(filter-out mk/toolchain.mk,$(wildcard mk/*.mk)))

.PHONY: all setup test demo bench fuzz clean format run-tests run-demo run-bench run-fuzz

all: $(ALL_TARGETS)

# The set-up step installs missing Debian and npm packages; it is quick when all is there.
setup:
	@scripts/setup.sh

# `test`, `demo`, `bench` and `fuzz` first run the set-up, then a second make that can rely on it.
test: setup
	@$(MAKE) --no-print-directory run-tests
demo: setup
	@$(MAKE) --no-print-directory run-demo
bench: setup
	@$(MAKE) --no-print-directory run-bench
fuzz: setup
	@$(MAKE) --no-print-directory run-fuzz

run-tests: $(ALL_TARGETS)
	@scripts/run-suites.sh $(TEST_SUITES)
run-demo: $(DEMO_TARGETS)
run-bench: $(BENCH_TARGETS)
run-fuzz: $(FUZZ_TARGETS)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h' '*.cc')

clean:
	rm -rf build
