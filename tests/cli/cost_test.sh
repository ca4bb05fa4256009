#!/usr/bin/env bash
# Phlogiston accounting (issue 10; RHOLANG.md 13): `run --cost` and `--phlo-limit`.
#
# The programs and their totals below are the reference's own expectations, from
# rchain/rchain rholang/src/test/scala/coop/rchain/rholang/interpreter/accounting/
# CostAccountingSpec.scala (Apache License 2.0, (c) RChain Cooperative); each program is
# written byte for byte as there, since parsing costs one phlogiston per byte. The last,
# keccak256Hash, charges a system process: its name is bound to bundle+{fixed channel},
# substituted at that size (13 bytes) and stored unbundled (7).
# Usage: cost_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# cost program: the total and the program's text, as the reference's table has them.
cases=(
    $'97 @0!(2)'
    $'197 @0!(2) | @1!(1)'
    $'128 for(x <- @0){ Nil }'
    $'329 for(x <- @0){ Nil } | @0!(2)'
    $'342 @0!!(0) | for (_ <- @0) { 0 }'
    $'342 @0!!(0) | for (x <- @0) { 0 }'
    $'336 @0!!(0) | for (@0 <- @0) { 0 }'
    $'443 @0!!(0) | @0!!(0) | for (_ <- @0) { 0 }'
    $'596 @0!!(0) | @1!!(1) | for (_ <- @0 & _ <- @1) { 0 }'
    $'333 @0!(0) | for (_ <- @0) { 0 }'
    $'333 @0!(0) | for (x <- @0) { 0 }'
    $'327 @0!(0) | for (@0 <- @0) { 0 }'
    $'354 @0!(0) | for (_ <= @0) { 0 }'
    $'356 @0!(0) | for (x <= @0) { 0 }'
    $'341 @0!(0) | for (@0 <= @0) { 0 }'
    $'574 @0!(0) | @0!(0) | for (_ <= @0) { 0 }'
    $'663 @0!(0) | for (@0 <- @0) { 0 } | @0!(0) | for (_ <- @0) { 0 }'
    $'551 @0!(0) | for (@0 <- @0) { 0 } | @0!(0) | for (@1 <- @0) { 0 }'
    $'406 @0!(0) | for (_ <<- @0) { 0 }'
    $'343 @0!!(0) | for (_ <<- @0) { 0 }'
    $'444 @0!!(0) | @0!!(0) | for (_ <<- @0) { 0 }'
    $'3892 new loop in {\n         contract loop(@n) = {\n           match n {\n             0 => Nil\n             _ => loop!(n-1)\n           }\n         } |\n         loop!(10)\n       }'
    $'336 42 | @0!(2) | for (x <- @0) { Nil }'
    $'1264 @1!(1) |\n        for(x <- @1) { Nil } |\n        new x in { x!(10) | for(X <- x) { @2!(Set(X!(7)).add(*X).contains(10)) }} |\n        match 42 {\n          38 => Nil\n          42 => @3!(42)\n        }\n     '
    $'782 new ret, keccak256Hash(`rho:crypto:keccak256Hash`) in {\n  keccak256Hash!("TEST".toByteArray(), *ret) |\n  for (_ <- ret) { Nil }\n}'
)

costOf() { # file [flags...]: the cost --cost reports, or "exit N"
    local out rc
    out=$("$RHOVM" run --threads 1 --cost "$@" 2>&1 >/dev/null)
    rc=$?
    local line
    line=$(grep -o 'cost: [0-9]*' <<<"$out" | head -1)
    if [ $rc -ne 0 ]; then
        echo "exit $rc ${line#cost: }"
    else
        echo "${line#cost: }"
    fi
}

i=0
while [ $i -lt ${#cases[@]} ]; do
    read -r total program <<<"${cases[$i]}"
    program=${cases[$i]#* }
    printf '%s' "$program" >"$dir/p$i.rho"
    got=$(costOf "$dir/p$i.rho")
    check "cost of $(head -c 40 "$dir/p$i.rho" | tr '\n' ' ') is $total (got $got)" test "$got" = "$total"
    i=$((i + 1))
done

# Determinism: the same total on two threads and in another run (the reference's "be
# deterministic" property; the order of COMMs must not change the sum).
for i in 4 8 15 16 24; do
    read -r total _ <<<"${cases[$i]}"
    got=$("$RHOVM" run --threads 2 --cost "$dir/p$i.rho" 2>&1 >/dev/null | grep -o 'cost: [0-9]*')
    check "p$i on two threads costs $total too (got $got)" test "$got" = "cost: $total"
done

# A limit equal to the total is enough; one less runs out, in every branch: exit 3, the
# reference's message, the whole limit charged (its "running out of phlogistons" tests).
for i in 0 3 8 12 21 24; do
    read -r total _ <<<"${cases[$i]}"
    got=$(costOf "$dir/p$i.rho" --phlo-limit "$total")
    check "p$i with --phlo-limit $total: enough (got $got)" test "$got" = "$total"
    out=$("$RHOVM" run --threads 1 --cost --phlo-limit $((total - 1)) "$dir/p$i.rho" 2>&1 >/dev/null)
    rc=$?
    check "p$i with --phlo-limit $((total - 1)): exit 3 (got $rc)" test $rc = 3
    check "p$i with --phlo-limit $((total - 1)): the reference's message" grep -qF 'Computation ran out of phlogistons.' <<<"$out"
    check "p$i with --phlo-limit $((total - 1)): the whole limit is the cost" grep -qF "cost: $((total - 1)) of $((total - 1))" <<<"$out"
done

# Not even parsing fits: nothing runs. `@1!(1)` parses for 6.
printf '@1!(1)' >"$dir/one.rho"
check "parsing alone over the limit: exit 3" test "$(costOf "$dir/one.rho" --phlo-limit 5)" = "exit 3 5"
# Out of phlogistons before the send: it has no effect (nothing printed).
printf 'new out(`rho:io:stdout`) in { out!("never") }' >"$dir/out.rho"
out=$("$RHOVM" run --threads 1 --phlo-limit 60 "$dir/out.rho" 2>/dev/null)
check "a send past the limit does nothing" test -z "$out"
out=$("$RHOVM" run --threads 1 --phlo-limit 100000 "$dir/out.rho" 2>/dev/null)
check "within the limit it prints" test "$out" = '"never"'
# A `new` costs 10 + 2 per name (newBindingsCost): `new a in { new b in { P } }` pays the
# 10 twice, `new a, b in { P }` once; the texts differ by 10 bytes of parsing.
printf 'new a in { new b in { a!(1) | b!(2) } }' >"$dir/nested.rho"
printf 'new a, b in { a!(1) | b!(2) }' >"$dir/flat.rho"
nested=$(costOf "$dir/nested.rho")
flat=$(costOf "$dir/flat.rho")
check "nested news cost 10 (parsing) + 10 (a second new) more than one (got $nested, $flat)" \
    test "$((nested - flat))" = 20

# Without --cost or --phlo-limit nothing is said about cost.
check "no cost line by default" test -z "$("$RHOVM" run "$dir/one.rho" 2>&1)"
check "--phlo-limit 0 is refused" bash -c "! '$RHOVM' run --phlo-limit 0 '$dir/one.rho' 2>/dev/null"

finish
