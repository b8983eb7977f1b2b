#!/usr/bin/env bash
# check_modules.sh - checks canister modules the way the IC validates them (spec CI "WebAssembly
# module requirements"), one test per module and rule:
#   - every import comes from `ic0`, names one of the 74 functions of spec 0.66, with its wasm32
#     type (tests/ic/ic0-signatures.txt); in particular no `wasi_snapshot_preview1` import is left;
#   - exactly one memory, declared (not imported), and no imported table or global;
#   - every export starting with `canister_` is a valid entry point name;
#   - the public `candid:service` metadata section is present (modules built with a .did).
# Usage: check_modules.sh [--all-imports RAW.wasm] MODULE.wasm...   Ends with `N passed, M failed`.
set -uo pipefail
here=$(dirname "$0")
sigs=$here/ic0-signatures.txt
IC_WASM=${IC_WASM:-node_modules/@icp-sdk/ic-wasm-linux-x64/bin/ic-wasm}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '    %s\n' "$@"; }

# Prints "name (params) -> result" for each import of module $1, using its Type section.
imports_of() {
    wasm-objdump -x "$1" | awk '
        /^ - type\[/ { n = $2; sub(/^type\[/, "", n); sub(/\]$/, "", n); $1 = ""; $2 = "";
                       sig = substr($0, 3); types[n] = sig; next }
        /^ - func\[.*<-/ { s = $3; sub(/^sig=/, "", s); what = $NF; print what " " types[s] }
        /^ - (memory|table|global)\[.*<-/ { print $NF " " $2 }'
}

check_imports() { # module
    local m=$1 bad_lines=()
    while read -r line; do
        [ -z "$line" ] && continue
        local what=${line%% *} rest=${line#* }
        case $what in
        ic0.*)
            local want
            want=$(grep -E "^${what#ic0.} " "$sigs" | head -n 1)
            if [ "$want" != "${what#ic0.} $rest" ]; then
                bad_lines+=("$what has type $rest; spec: ${want:-no such ic0 function}")
            fi
            ;;
        *) bad_lines+=("import $what ($rest) is not from ic0") ;;
        esac
    done < <(imports_of "$m")
    if [ ${#bad_lines[@]} -eq 0 ]; then ok; else bad "$m: imports" "${bad_lines[@]}"; fi
}

check_memory() { # module
    local m=$1 n
    n=$(wasm-objdump -x -j Memory "$m" 2>/dev/null | grep -c '^ - memory\[')
    if [ "$n" -eq 1 ]; then ok; else bad "$m: memory" "expected exactly one declared memory, found $n"; fi
}

check_exports() { # module
    local m=$1 bad_names=()
    while read -r name; do
        case $name in
        "canister_update "?* | "canister_query "?* | "canister_composite_query "?*)
            local method=${name#* }
            [[ $method == *" "* && $method == " "* ]] && bad_names+=("$name: more than one space")
            ;;
        canister_init | canister_pre_upgrade | canister_post_upgrade | canister_inspect_message | \
            canister_heartbeat | canister_global_timer | canister_on_low_wasm_memory) ;;
        canister_*) bad_names+=("$name is not an entry point the IC knows") ;;
        esac
    done < <(wasm-objdump -x -j Export "$m" | sed -n 's/.*-> "\(.*\)"$/\1/p')
    if [ ${#bad_names[@]} -eq 0 ]; then ok; else bad "$m: exports" "${bad_names[@]}"; fi
}

check_metadata() { # module
    local m=$1
    if "$IC_WASM" "$m" metadata | grep -qx 'icp:public candid:service'; then ok; else
        bad "$m: metadata" "no public candid:service section"
    fi
}

if [ "${1:-}" = --all-imports ]; then
    m=$2
    shift 2
    check_imports "$m"
    n=$(imports_of "$m" | grep -c '^ic0\.')
    want=$(grep -vc '^#' "$sigs")
    if [ "$n" -eq "$want" ]; then ok; else bad "$m: import count" "imports $n ic0 functions, spec lists $want"; fi
fi
for m in "$@"; do
    check_imports "$m"
    check_memory "$m"
    check_exports "$m"
    check_metadata "$m"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
