#!/usr/bin/env bash
# The end-of-run checkpoint against raw LMDB (issue 12): for N = 10^4, 10^5, 10^6, the
# peers' LMDB bulk put of N records in one durable transaction (../shared/peers/cpp/
# lmdb_bench.cpp, mode "big") and rhovm's checkpoint of a space holding N data tuples
# (`run --stats --data-dir`: "checkpoint at the end"), the median of 3 runs each, and
# rhovm's rate as a ratio of LMDB's (above 1: faster). Also the whole run's wall time
# beside its --stats time (what start-up, the checkpoint and teardown add), and the
# wall time of a run of `Nil` on the store the fill left (reopening it: the load), and
# of `rhovm inspect` and `inspect --format json` of that store (to /dev/null).
#   bash bench/checkpoint.sh [RHOVM]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=release_rhovm.sh
source bench/release_rhovm.sh
PEER=../shared/peers/cpp/lmdb_bench.cpp
[ -f "$PEER" ] || { echo "bench/checkpoint.sh: $PEER is not there" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O2 -o "$work/lmdb_bench" "$PEER" -llmdb
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo Nil >"$work/nil.rho"
printf '%-9s %12s %14s %8s %12s %12s %12s %12s %12s\n' N "lmdb put s" "checkpoint s" ratio "run s" "wall s" "reopen s" "inspect s" "json s"
for n in 10000 100000 1000000; do
    cat >"$work/fill.rho" <<RHO
new fill in { contract fill(@i) = { if (i < $n) { @i!(i) | fill!(i + 1) } } | fill!(0) }
RHO
    lmdb=$(for _ in 1 2 3; do
        rm -rf "$work/lm" && mkdir "$work/lm"
        "$work/lmdb_bench" big "$n" "$work/lm" | awk '/big-put/ {print $5}'
    done | median)
    : >"$work/runs"
    for _ in 1 2 3; do
        rm -rf "$work/space"
        start=$(date +%s.%N)
        out=$("$RHOVM" run --stats --threads 1 --data-dir "$work/space" "$work/fill.rho" 2>&1 >/dev/null)
        end=$(date +%s.%N)
        ckpt=$(sed -n 's/^checkpoint at the end \([0-9.]*\) seconds/\1/p' <<<"$out")
        run=$(sed -n 's/^seconds \([0-9.]*\),.*/\1/p' <<<"$out")
        echo "$ckpt $run $(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" >>"$work/runs"
    done
    reopen=$(for _ in 1 2 3; do
        start=$(date +%s.%N)
        "$RHOVM" run --threads 1 --data-dir "$work/space" "$work/nil.rho" >/dev/null
        end=$(date +%s.%N)
        awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'
    done | median)
    timed() { # the median wall time of 3 runs of the command
        for _ in 1 2 3; do
            start=$(date +%s.%N)
            "$@" >/dev/null
            end=$(date +%s.%N)
            awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'
        done | median
    }
    inspect=$(timed "$RHOVM" inspect "$work/space")
    json=$(timed "$RHOVM" inspect --format json "$work/space")
    ckpt=$(awk '{print $1}' "$work/runs" | median)
    run=$(awk '{print $2}' "$work/runs" | median)
    wall=$(awk '{print $3}' "$work/runs" | median)
    printf '%-9s %12.3f %14.3f %8.2f %12.3f %12.3f %12.3f %12.3f %12.3f\n' "$n" "$lmdb" "$ckpt" \
        "$(awk -v l="$lmdb" -v c="$ckpt" 'BEGIN {print l / c}')" "$run" "$wall" "$reopen" "$inspect" "$json"
done
