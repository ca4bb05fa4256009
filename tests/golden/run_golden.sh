#!/usr/bin/env bash
# Golden test: runs one rhovm command on NAME.rho (from NAME.rho's folder, so paths
# print as NAME.rho) and compares its combined output with NAME.expected, printing a
# unified diff on a mismatch. With GOLDEN_UPDATE=1 it writes NAME.actual beside the
# expected file for a person to check; it never writes NAME.expected.
#   run_golden.sh RHOVM errors|compiler NAME.rho
set -uo pipefail
rhovm=$1
mode=$2
program=$3
dir=$(dirname "$program")
name=$(basename "$program" .rho)
cd "$dir" || exit 2
case $mode in
    errors) actual=$("$rhovm" check "$name.rho" 2>&1) ;;
    compiler) actual=$("$rhovm" compile --disasm "$name.rho" 2>&1) ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
    printf '%s\n' "$actual" >"$name.actual"
fi
if ! diff -u "$name.expected" <(printf '%s\n' "$actual"); then
    echo "FAIL: $name differs from $name.expected (GOLDEN_UPDATE=1 writes $name.actual)"
    exit 1
fi
