#!/usr/bin/env bash
# extract.sh - the code of docs/guide-first-canister.md, as a reader would copy it.
# Usage: extract.sh GUIDE OUTDIR
# Writes OUTDIR/mine.c (every ```c block, in order), OUTDIR/mine.did (the ```candid block) and
# OUTDIR/test.mjs (the ```js block), so that the guide's code is built and run by the test suite
# exactly as printed.
set -euo pipefail
guide=$1 out=$2
mkdir -p "$out"
block() { awk -v lang="$1" '$0 == "```" lang { on = 1; next } on && $0 == "```" { on = 0; print ""; next } on' "$guide"; }
block c >"$out/mine.c.tmp"
block candid >"$out/mine.did.tmp"
block js >"$out/test.mjs.tmp"
for f in mine.c mine.did test.mjs; do
    [ -s "$out/$f.tmp" ] || { echo "extract.sh: no $f code in $guide" >&2; exit 1; }
    # keep the old file (and its timestamp) when nothing changed, so make does not rebuild
    if cmp -s "$out/$f.tmp" "$out/$f"; then rm "$out/$f.tmp"; else mv "$out/$f.tmp" "$out/$f"; fi
done
