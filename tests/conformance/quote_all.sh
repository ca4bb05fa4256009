#!/usr/bin/env bash
# quote_all.sh RHOVM DIR...: every program in DIR that compiles and is not an error
# case (NAME.error) is also printed and serialized as a quoted process, `{ PROGRAM }` and `{ PROGRAM }.toByteArray()`: the
# run must end with exit 0 and print both. Exercises the normalized-term builder, the
# PrettyPrinter and the protobuf encoder (bytecode/normal_term.h) on every construct the
# suites use, none of which may abort or fail.
set -u
rhovm=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checked=0
failed=0
for dir in "$@"; do
    for f in "$dir"/*.rho; do
        # An error case may fail quoted too: the expressions of sent data are evaluated.
        [ -f "${f%.rho}.error" ] && continue
        "$rhovm" check "$f" >/dev/null 2>&1 || continue
        w="$work/wrapped.rho"
        {
            printf 'new __out(`rho:io:stdout`) in { __out!({\n'
            cat "$f"
            printf '\n}) | __out!({\n'
            cat "$f"
            printf '\n}.toByteArray()) }\n'
        } >"$w"
        out=$("$rhovm" run --threads 1 "$w" 2>"$work/err")
        rc=$?
        checked=$((checked + 1))
        # Two prints: the text (one line or more) and a hex line.
        if [ "$rc" != 0 ] || ! grep -Eq '^[0-9a-f]+$' <<<"$out" || [ "$(wc -l <<<"$out")" -lt 2 ]; then
            failed=$((failed + 1))
            echo "FAIL: $f (exit $rc)"
            head -3 "$work/err"
        fi
    done
done
echo "$checked programs quoted, $failed failed"
[ "$checked" -gt 0 ] && [ "$failed" = 0 ]
