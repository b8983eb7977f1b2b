#!/usr/bin/env bash
# ic_compile_fail.sh - on the IC target the blocking executor functions must not compile.
# Usage: ic_compile_fail.sh "IC compiler and flags" "WASI compiler and flags" WORKDIR CORE_SRC...
# For each of aw_wait_for, aw_run_forever, aw_run and aw_poll, a two-line program calling it must
# fail to compile with the IC flags, naming the reason, and compile with the WASI flags; the same
# program without the call must compile with the IC flags (so the call is what fails). Finally the
# core sources must compile with the IC flags (no POSIX-only API in them).
set -uo pipefail
ic_cc=$1
wasi_cc=$2
dir=$3
shift 3
mkdir -p "$dir"
pass=0
fail=0
check() { # check NAME CONDITION-STATUS
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1"; fi
}
for call in 'aw_wait_for(fut)' 'aw_run_forever()' 'aw_run()' 'aw_poll(0)'; do
    name=${call%%(*}
    src=$dir/$name.c
    printf '#include "asyncwasm/aw.h"\nint use(aw_future *fut) { (void)fut; return %s; }\n' \
        "$call" >"$src"
    # shellcheck disable=SC2086
    if $ic_cc -c "$src" -o "$dir/$name.o" 2>"$dir/$name.err"; then
        check "$name compiles on the IC" 1
    else
        grep -q "blocking is impossible on the IC" "$dir/$name.err"
        check "$name fails on the IC with the reason" $?
    fi
    # shellcheck disable=SC2086
    $wasi_cc -c "$src" -o "$dir/$name.wasi.o"
    check "$name compiles for WASI" $?
    printf '#include "asyncwasm/aw.h"\nint use(aw_future *fut) { (void)fut; return 0; }\n' \
        >"$dir/control.c"
    # shellcheck disable=SC2086
    $ic_cc -c "$dir/control.c" -o "$dir/control.o"
    check "control program compiles on the IC" $?
done
for src in "$@"; do
    # shellcheck disable=SC2086
    $ic_cc -Isrc -c "$src" -o "$dir/$(basename "$src").o"
    check "$src compiles for the IC" $?
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
