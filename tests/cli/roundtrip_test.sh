#!/usr/bin/env bash
# inspect's round-trip property over programs: run each into a fresh durable space,
# inspect it (t1), check that `rhovm check` accepts t1, run t1 into another fresh space,
# inspect that (t2): t1 and t2 must be equal. The text names unforgeable names by
# variables bound around it, numbered in a canonical order, so spaces that differ only
# in their unforgeable names list alike.
# Usage: roundtrip_test.sh RHOVM DIR...   (every *.rho in each DIR that exists)
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$(realpath "$1")
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

programs=0 nonempty=0
for folder in "$@"; do
    if [ ! -d "$folder" ]; then
        echo "note: $folder is not there; its programs are skipped"
        continue
    fi
    for prog in "$folder"/*.rho; do
        [ -e "$prog" ] || continue
        name=$(basename "$(dirname "$prog")")/$(basename "$prog")
        programs=$((programs + 1))
        rm -rf "$work/d1" "$work/d2"
        # The program's own output and errors are not the subject; one thread keeps
        # each channel's order of arrival the order of the program text.
        timeout 60 "$RHOVM" run --threads 1 --data-dir "$work/d1" "$prog" >/dev/null 2>&1
        [ -d "$work/d1" ] || continue # a compile error: nothing ran
        if ! "$RHOVM" inspect "$work/d1" >"$work/t1.rho" 2>"$work/err"; then
            check "$name: inspect" false
            cat "$work/err"
            continue
        fi
        if grep -qx 'The space is empty.' "$work/t1.rho"; then
            continue
        fi
        nonempty=$((nonempty + 1))
        check "$name: check accepts the inspected text" "$RHOVM" check "$work/t1.rho"
        timeout 60 "$RHOVM" run --threads 1 --data-dir "$work/d2" "$work/t1.rho" >/dev/null 2>&1
        "$RHOVM" inspect "$work/d2" >"$work/t2.rho" 2>&1
        if ! cmp -s "$work/t1.rho" "$work/t2.rho"; then
            check "$name: the space recreated from its text lists alike" false
            diff "$work/t1.rho" "$work/t2.rho" | head -20
        else
            passes=$((passes + 1))
        fi
    done
done
echo "$programs programs, $nonempty leave something in the space"
check "some programs leave something to list" test "$nonempty" -gt 0
finish
