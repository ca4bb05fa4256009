#!/usr/bin/env bash
# `rhovm bench` (issue 11) end to end, at its quick sizes: the cases it lists, the
# table, Google Benchmark's JSON (read with jq) and the PNG plot (gnuplot). Every case
# checks its own program's output (a join round that lost a message would never print
# "bench done"; fib(15) must print 610), so a passing run also ran each workload
# correctly. Item counts were worked out by hand: 500 rounds per join, deep and wide
# case; fib(15) makes 2 fib(16) - 1 = 1973 calls.
# Usage: bench_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

list=$("$RHOVM" bench --list)
check "19 cases" test "$(wc -l <<<"$list")" -eq 19
check "the joins, 1 to 16 channels" test "$(grep -c '^join/' <<<"$list")" -eq 5
check "deep, wide, waiters" test "$(grep -cE '^(deep|wide|waiters)/' <<<"$list")" -eq 9
check "the five peer workloads" test "$(grep -cE '^peer/(pingpong|ring|spawn|fanin|pfib)$' <<<"$list")" -eq 5
check "--filter" test "$("$RHOVM" bench --list --filter '^join/1')" = $'join/1\njoin/16'

"$RHOVM" bench --quick --repetitions 2 --threads 1,2 --filter '^join/(1|4)$|^wide/4$|^waiters/10$|pfib' \
    --json "$dir/b.json" --plot "$dir/b.png" >"$dir/table" 2>"$dir/err"
check "bench: exit 0" test $? -eq 0
table=$(cat "$dir/table")
check "table: 5 cases x 2 thread counts" test "$(grep -cE '^(join|wide|waiters|peer)/' <<<"$table")" -eq 10
check "table: join/4 on 2 threads, 500 joins" grep -qE '^join/4 +2 +500 +[0-9.]+ +[0-9.]+( k| M)? joins/s$' "$dir/table"
check "table: pfib, 1973 processes" grep -qE '^peer/pfib +1 +1973 ' "$dir/table"
check "table: waiters, 2000 COMMs" grep -qE '^waiters/10 +1 +2000 ' "$dir/table"
check "nothing on stderr" test ! -s "$dir/err"

# Google Benchmark's format: per case and thread count, 2 iterations and 3 aggregates.
j() { jq -r "$1" "$dir/b.json"; }
check "json: 50 entries" test "$(j '.benchmarks | length')" -eq 50
check "json: context" test "$(j '.context | has("date") and has("num_cpus") and has("library_build_type")')" = true
check "json: iteration entry" test "$(j '[.benchmarks[] | select(.name == "join/4/threads:2" and .run_type == "iteration")] | length')" -eq 2
check "json: median aggregate" test "$(j '[.benchmarks[] | select(.name == "peer/pfib/threads:1_median" and .aggregate_name == "median" and .run_name == "peer/pfib/threads:1")] | length')" -eq 1
check "json: rates agree with the times" test "$(j '[.benchmarks[] | select(.run_type == "iteration") | (.items_per_second * .real_time / 1000)] | map(. > 0) | all')" = true
check "json: pfib items" test "$(j '.benchmarks[] | select(.name == "peer/pfib/threads:1" and .repetition_index == 0) | (.items_per_second * .real_time / 1000 + 0.5 | floor)')" -eq 1973
check "json: time unit ms, 1 iteration" test "$(j '[.benchmarks[] | select(.run_type == "iteration") | (.time_unit == "ms" and .iterations == 1)] | all')" = true

check "plot: a PNG" test "$(head -c 4 "$dir/b.png" | od -An -c | tr -d ' ')" = '211PNG'
check "plot: not empty" test "$(stat -c %s "$dir/b.png")" -gt 5000

# One case on one thread: one rate, which gnuplot's own range leaves empty (a warning).
"$RHOVM" bench --quick --filter '^join/1$' --plot "$dir/one.png" >"$dir/one.err" 2>&1
check "plot of one rate: exit 0" test $? -eq 0
check "plot of one rate: no gnuplot warning" bash -c '! grep -qi warning "$1"' _ "$dir/one.err"
check "plot of one rate: a PNG" test "$(head -c 4 "$dir/one.png" | od -An -c | tr -d ' ')" = '211PNG'

"$RHOVM" bench --filter 'no such case' >/dev/null 2>"$dir/err"
check "no case matched: exit 2" test $? -eq 2
check "no case matched: says so" grep -q "no case matches --filter 'no such case'" "$dir/err"
"$RHOVM" bench --threads 1,x --list >/dev/null 2>"$dir/err"
check "bad --threads: exit 2" test $? -eq 2

finish
