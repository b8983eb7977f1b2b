#!/usr/bin/env bash
# tool.sh CANDID OUTDIR - the command line of `candid gen c`: exit statuses, error messages,
# options, and that generating twice gives the same files. Ends with `N passed, M failed`.
set -u
tool=$1
out=$2
pass=0
fail=0
# check NAME EXPECTED_STATUS STDERR_PREFIX -- COMMAND...
check() {
    local name=$1 want=$2 prefix=$3
    shift 4
    local err
    err=$("$@" 2>&1 >/dev/null)
    local rc=$?
    if [ "$rc" -eq "$want" ] && [ "${err#"$prefix"}" != "$err" -o -z "$prefix" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name: status $rc (want $want), stderr: $err"
    fi
}
rm -rf "$out" && mkdir -p "$out"
check "syntax error names file:line:col" 1 "candid gen: tests/candid_gen/bad.did:2:1: " -- \
    "$tool" gen c tests/candid_gen/bad.did -o "$out"
check "missing file" 1 "candid: cannot open tests/candid_gen/none.did" -- \
    "$tool" gen c tests/candid_gen/none.did -o "$out"
check "no arguments" 2 "usage: candid gen c FILE.did -o DIR" -- "$tool" gen c
check "no output directory" 2 "usage: " -- "$tool" gen c tests/candid_gen/kinds.did
check "unknown option" 2 "usage: " -- "$tool" gen c tests/candid_gen/kinds.did -o "$out" --fast
check "unknown language" 2 "usage: " -- "$tool" gen rust tests/candid_gen/kinds.did -o "$out"
check "two input files" 2 "usage: " -- "$tool" gen c tests/candid_gen/kinds.did tests/candid_gen/kinds.did -o "$out"
check "output directory cannot be created" 1 "candid gen: cannot create $out/no/such: " -- \
    "$tool" gen c tests/candid_gen/kinds.did -o "$out/no/such"
check "--prefix and --name" 0 "" -- "$tool" gen c tests/candid_gen/kinds.did -o "$out/a" --prefix pfx --name nm
if [ -f "$out/a/nm.h" ] && grep -q '^typedef struct pfx_everything pfx_everything;$' "$out/a/nm.h" &&
    grep -q '^#include "nm.h"$' "$out/a/nm.c"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL --prefix/--name did not name the files and types"
fi
"$tool" gen c tests/candid_gen/kinds.did -o "$out/b" --prefix pfx --name nm
if cmp -s "$out/a/nm.c" "$out/b/nm.c" && cmp -s "$out/a/nm.h" "$out/b/nm.h"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL generating twice gave different files"
fi
# expect NAME COMMAND...: a check that passes when COMMAND succeeds.
expect() {
    local name=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name"
    fi
}
check "--methods: a method the service lacks" 1 \
    'candid gen: --methods: the service of tests/candid_gen/kinds.did has no method "nope"' -- \
    "$tool" gen c tests/candid_gen/kinds.did -o "$out/m" --methods put,nope
check "--methods: an empty name" 1 'candid gen: --methods: the service of tests/candid_gen/kinds.did has no method ""' -- \
    "$tool" gen c tests/candid_gen/kinds.did -o "$out/m" --methods put,
sed '/^service/,$d' tests/candid_gen/kinds.did >"$out/kinds_types.did"
check "--methods: a file without a service" 1 "candid gen: --methods: $out/kinds_types.did has no main service" -- \
    "$tool" gen c "$out/kinds_types.did" -o "$out/m" --methods put
check "--methods and --include" 0 "" -- \
    "$tool" gen c tests/candid_gen/kinds.did -o "$out/m" --methods swap,get --include sub/kinds.h
# Only the listed methods get stubs; the definitions they use stay (get returns everything, which
# holds a tree), the ones only other methods use go (forest: forest_size's argument).
expect "--methods keeps get and swap" grep -q '^aw_future \*kinds_get(const ic_principal' "$out/m/kinds.h"
expect "--methods keeps swap" grep -q '^aw_future \*kinds_swap_with(const ic_call' "$out/m/kinds.h"
expect "--methods drops put" eval '! grep -q "kinds_put" "$out/m/kinds.h"'
expect "--methods keeps used definitions" grep -q '^typedef struct kinds_tree kinds_tree;$' "$out/m/kinds.h"
expect "--methods drops unused definitions" eval '! grep -q "kinds_forest" "$out/m/kinds.h"'
expect "--methods named in the comment" grep -q 'from tests/candid_gen/kinds.did (methods swap,get)' "$out/m/kinds.c"
expect "--include names the header" grep -q '^#include "sub/kinds.h"$' "$out/m/kinds.c"
expect "generated files are left alone by clang-format" grep -qx '/\* clang-format off \*/' "$out/m/kinds.c"
expect "the header's first comment names it" grep -q '^ \* kinds\.h - Candid bindings generated' "$out/m/kinds.h"
expect "the source's first comment names it" grep -q '^ \* kinds\.c - Candid bindings generated' "$out/m/kinds.c"
check "--source names the source file" 0 "" -- \
    "$tool" gen c tests/candid_gen/kinds.did -o "$out/s" --name lib_kinds --source kinds_impl.c
expect "--source: the file written" test -f "$out/s/kinds_impl.c" -a -f "$out/s/lib_kinds.h" -a ! -e "$out/s/lib_kinds.c"
expect "--source: its first comment names it" grep -q '^ \* kinds_impl\.c - Candid bindings generated' "$out/s/kinds_impl.c"
expect "--source: it includes the header" grep -q '^#include "lib_kinds.h"$' "$out/s/kinds_impl.c"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
