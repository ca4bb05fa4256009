#!/usr/bin/env bash
# Runs the peer workloads of ../shared/peers (Go, Erlang, plain C++) and the same
# workloads written in Rholang (bench/rholang/) in one session, and prints rhovm's
# rate next to the peers' as ratios (rhovm / peer: above 1 means rhovm is faster).
#
#   bash bench/compare.sh            # REPS=3 runs per row, medians
#   REPS=5 bash bench/compare.sh
#   SKIP_PEERS=1 bash bench/compare.sh   # rhovm rows only (no Go/Erlang install)
#
# Timing: rhovm's own clock from the first machine to quiescence (`run --time`),
# after compilation and LMDB start-up, as the peers time inside their programs
# (without the per-sequence profiling of `run --stats`: the peers profile nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target rhovm core_latency >/dev/null
RHOVM=$PWD/build/release/cli/rhovm
# Results stay in build/compare/ (peers.raw, rhovm.raw) for a later look.
work=$PWD/build/compare
mkdir -p "$work"

peers_raw=${PEERS_RAW:-}   # PEERS_RAW=file reuses an earlier peers run
if [ -z "$peers_raw" ] && [ -z "${SKIP_PEERS:-}" ] && [ -d ../shared/peers ]; then
    rm -rf "$work/peers"
    # shared/ is read-only: run the peers from a copy.
    cp -r ../shared/peers "$work/peers"
    echo "== peers (../shared/peers/run.sh, REPS=$REPS)"
    (cd "$work/peers" && REPS=$REPS bash run.sh >"$work/peers.log" 2>&1) || {
        echo "peers run failed; see below" >&2
        tail -20 "$work/peers.log" >&2
    }
    cp "$work/peers/build/raw.txt" "$work/peers.raw"
    peers_raw="$work/peers.raw"
fi

# median of stdin numbers
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

declare -A OPS=([pingpong]=1000000 [ring]=1000000 [spawn]=1000000 [fanin]=1000000 [pfib]=242785)
declare -A UNIT=([pingpong]="msgs/s" [ring]="hops/s" [spawn]="spawns/s" [fanin]="msgs/s" [pfib]="procs/s")
RAW="$work/rhovm.raw"
: >"$RAW"
echo "== rhovm (REPS=$REPS)"
# One and two threads alternate run by run, so that a slow spell of the host (this VM
# has them: whole runs 1.6x slower) falls on both alike and the 2/1 ratio stays fair.
for w in pingpong ring spawn fanin pfib; do
    for r in $(seq "$REPS"); do
        for threads in 1 2; do
            secs=$("$RHOVM" run --time --threads "$threads" "bench/rholang/$w.rho" 2>&1 >/dev/null |
                sed -n 's/^seconds \([0-9.]*\)$/\1/p')
            echo "$w|$threads|$secs" >>"$RAW"
        done
    done
done

peer_rate() { # workload impl-prefix -> the best rate among that implementation's rows (ops / median s)
    local w=$1 impl=$2 best="" label
    [ -n "$peers_raw" ] && [ -f "$peers_raw" ] || { echo ""; return; }
    while IFS= read -r label; do
        local ops med rate
        ops=$(awk -F'|' -v l="$label" -v w="$w" '$1 == l && $2 == w { print $3; exit }' "$peers_raw")
        med=$(awk -F'|' -v l="$label" -v w="$w" '$1 == l && $2 == w { print $4 }' "$peers_raw" | median)
        rate=$(awk -v o="$ops" -v s="$med" 'BEGIN { printf "%.0f", o / s }')
        if [ -z "$best" ] || [ "$rate" -gt "$best" ]; then best=$rate; fi
    done < <(awk -F'|' -v w="$w" -v impl="$impl" 'index($1, impl) == 1 && $2 == w { print $1 }' "$peers_raw" | sort -u)
    echo "$best"
}

fmt() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else if (x >= 1e6) printf "%.2f M", x / 1e6;
                                else if (x >= 1e3) printf "%.1f k", x / 1e3; else printf "%.0f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.3f", a / b }'; }

SUMMARY="$work/summary.tsv" # for bench/plot_compare.sh
echo -e "workload\trhovm_1\trhovm_2\tgo\terlang\tcpp" >"$SUMMARY"
echo
echo "| workload | rhovm 1 thread | rhovm 2 threads | 2 / 1 thread | 2 / 1 paired | Go (best) | Erlang (best) | C++ floor | rhovm/Go | rhovm/Erlang | unit |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for w in pingpong ring spawn fanin pfib; do
    r1=$(awk -F'|' -v w="$w" '$1 == w && $2 == 1 { print $3 }' "$RAW" | median)
    r2=$(awk -F'|' -v w="$w" '$1 == w && $2 == 2 { print $3 }' "$RAW" | median)
    # Each one-thread run and the two-thread run right after it saw the host in (most
    # likely) the same state: the median of their ratios is steadier under the host's
    # slow spells than the ratio of the two medians.
    paired=$(awk -F'|' -v w="$w" '$1 == w && $2 == 1 { one = $3 } $1 == w && $2 == 2 && one > 0 && $3 > 0 { printf "%.6f\n", one / $3; one = "" }' "$RAW" | median)
    rate1=$(awk -v o="${OPS[$w]}" -v s="$r1" 'BEGIN { printf "%.0f", o / s }')
    rate2=$(awk -v o="${OPS[$w]}" -v s="$r2" 'BEGIN { printf "%.0f", o / s }')
    best=$((rate1 > rate2 ? rate1 : rate2))
    go=$(peer_rate "$w" "Go")
    erl=$(peer_rate "$w" "Erlang")
    cpp=$(peer_rate "$w" "C++")
    echo "| $w | $(fmt "$rate1") | $(fmt "$rate2") | $(ratio "$rate2" "$rate1") | $(ratio "$paired" 1) | $(fmt "$go") | $(fmt "$erl") | $(fmt "$cpp") | $(ratio "$best" "$go") | $(ratio "$best" "$erl") | ${UNIT[$w]} |"
    echo -e "$w\t$rate1\t$rate2\t${go:-0}\t${erl:-0}\t${cpp:-0}" >>"$SUMMARY"
done
echo
echo "(rhovm: median of $REPS runs, wall time inside the run, one and two threads alternating; \"2 / 1 paired\":"
echo " median over the runs of one-thread time / two-thread time of the same round; peers: ../shared/peers/run.sh in this session)"
# What two threads can gain on one shared channel depends on this (bench/core_latency.cpp).
echo "($("$PWD/build/release/bench/core_latency" 2>&1 || echo "cross-core round trip: not measured"))"
