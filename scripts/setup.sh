#!/usr/bin/env bash
# Installs what the build and the tests need, and nothing when it is already there.
#
# Debian packages (clang-19 toolchain for native and wasm32, wasi-libc, wabt, binaryen) come from
# apt-get; Node.js packages come from npm, pinned by package-lock.json. A second run finds
# everything present and returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_file() { [ -e "$1" ]; }

have_cmd clang-19 || need_pkgs+=(clang-19)
have_cmd wasm-ld-19 || need_pkgs+=(lld-19)
have_cmd llvm-ar-19 || need_pkgs+=(llvm-19)
have_file /usr/include/wasm32-wasi/stdio.h || need_pkgs+=(wasi-libc)
have_file /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a ||
    need_pkgs+=(libclang-rt-19-dev-wasm32)
have_file /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a ||
    need_pkgs+=(libclang-rt-19-dev)
have_cmd wat2wasm || need_pkgs+=(wabt)
have_cmd gcc || need_pkgs+=(gcc)
have_cmd npm || need_pkgs+=(npm)

if [ "${#need_pkgs[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${need_pkgs[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# npm packages: reinstall only when the lockfile changed since the last install.
stamp=node_modules/.asyncwasm-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    echo "$want" >"$stamp"
fi
