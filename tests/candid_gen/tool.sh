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
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
