#!/usr/bin/env bash
# Each compile-time error case of ../shared/conformance reports its message at the
# right line and column (shared_error_positions.txt, checked by hand).
# Usage: error_positions.sh RHOVM SHARED_CONFORMANCE_DIR LIST
set -uo pipefail
rhovm=$1
dir=$2
list=$3
passes=0
failures=0
while IFS= read -r line; do
    case "$line" in '#'* | '') continue ;; esac
    name=${line%% *}
    rest=${line#* }
    pos=${rest%% *}
    message=${rest#* }
    out=$(cd "$dir" && "$rhovm" check "$name.rho" 2>&1)
    first=$(head -1 <<<"$out")
    if [[ "$first" == "$name.rho:$pos: error: $message"* ]]; then
        passes=$((passes + 1))
    else
        echo "FAIL: $name: expected '$name.rho:$pos: error: $message...', got '$first'"
        failures=$((failures + 1))
    fi
done <"$list"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ] && [ "$passes" -gt 0 ]
