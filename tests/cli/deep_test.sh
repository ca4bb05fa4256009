#!/usr/bin/env bash
# Deep nesting end to end: programs nested up to the parser's limit (100,000 levels)
# check, compile, disassemble and run without overflowing any stack; one level more
# is one clear diagnostic.   Usage: deep_test.sh RHOVM
set -uo pipefail
rhovm=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
passes=0
failures=0
repeat() { local s=$1 n=$2 out=""; out=$(printf "%${n}s" ""); printf '%s' "${out// /$s}"; }

# name, program
programs=(
    "list" "new o(\`rho:io:stdout\`) in { o!($(repeat '[' 99990)1$(repeat ']' 99990)) }"
    "par" "$(repeat '@"c"!(1) | {' 99990)Nil$(repeat '}' 99990)"
    "paren" "@\"c\"!($(repeat '(' 99990)1$(repeat ')' 99990))"
    "quote" "@\"c\"!($(repeat '*@{' 49990)1$(repeat '}' 49990))"
    "for" "$(repeat 'for (x <- @"a") { ' 49990)Nil$(repeat ' }' 49990)"
    "match" "$(repeat 'match 1 { x => { ' 49990)@\"out\"!(1)$(repeat ' } }' 49990)"
)
for ((i = 0; i < ${#programs[@]}; i += 2)); do
    name=${programs[i]}
    printf '%s\n' "${programs[i + 1]}" >"$dir/$name.rho"
    for cmd in check "compile --disasm" run; do
        # shellcheck disable=SC2086
        if timeout 600 "$rhovm" $cmd "$dir/$name.rho" >/dev/null 2>"$dir/err"; then
            passes=$((passes + 1))
        else
            echo "FAIL: $cmd $name: $(head -c 200 "$dir/err")"
            failures=$((failures + 1))
        fi
    done
done

# One level past the limit: a diagnostic, exit 1, no crash.
printf '@"c"!(%s1%s)\n' "$(repeat '[' 100001)" "$(repeat ']' 100001)" >"$dir/too_deep.rho"
out=$("$rhovm" check "$dir/too_deep.rho" 2>&1)
if [ $? -eq 1 ] && grep -q "nesting deeper than 100000 levels" <<<"$out"; then
    passes=$((passes + 1))
else
    echo "FAIL: too deep: $(head -c 200 <<<"$out")"
    failures=$((failures + 1))
fi
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
