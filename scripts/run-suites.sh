#!/usr/bin/env bash
# Runs each test suite named on the command line (as `make test-<suite>`), keeps its log in
# build/test-logs/<suite>.log, and adds up the `N passed, M failed` line every suite ends with.
# A suite that exits non-zero without such a line counts as one failure. Ends with the total.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/test-logs
total_pass=0
total_fail=0
for suite in "$@"; do
    log=build/test-logs/$suite.log
    start=$(date +%s)
    make --no-print-directory -s "test-$suite" >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
        f=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/' <<<"$line")
    else
        p=0
        f=0
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    if [ "$f" -ne 0 ]; then
        echo "---- $suite: FAILED (exit $rc); last lines of $log:"
        tail -n 40 "$log" | sed 's/^/    /'
    fi
    printf '[%s] %d passed, %d failed (%ds)\n' "$suite" "$p" "$f" "$secs"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
