#!/usr/bin/env bash
# run_native.sh - run native test programs and add up their `N passed, M failed` lines.
# Usage: run_native.sh PROGRAM...   Each program's stderr goes to PROGRAM.stderr; a program that
# exits non-zero without reporting a failure counts as one failure (and its stderr is shown).
set -uo pipefail
pass=0
fail=0
for prog in "$@"; do
    echo "== $prog"
    out=$("$prog" 2>"$prog.stderr")
    rc=$?
    echo "$out"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
    p=0
    f=0
    if [ -n "$line" ]; then
        p=${line%% *}
        f=$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$line")
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        cat "$prog.stderr"
    fi
    pass=$((pass + p))
    fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
