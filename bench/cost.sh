#!/usr/bin/env bash
# Phlogiston metering (`run --cost`): the peer workloads of bench/rholang/ run without
# and with the meter, one thread, the median of 5 runs of rhovm's own clock (`run
# --stats`), release build. The unmetered column is the default path, which the meter
# must not slow: compare it with the same build before the meter (BASELINE=path to
# another rhovm adds its column). Measured 2026-12-03 (BASELINE at e8d706e, s):
#   pingpong 0.217 -> 0.192, ring 0.256 -> 0.245, spawn 0.874 -> 0.823,
#   fanin 0.947 -> 0.835, pfib 0.181 -> 0.184: no slowdown;
# metered runs are 25-35x slower (each term's protobuf size is computed as it is charged).
#   bash bench/cost.sh [RHOVM]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=release_rhovm.sh
source bench/release_rhovm.sh
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
seconds() { # rhovm flags...
    for _ in 1 2 3 4 5; do
        "$@" 2>&1 >/dev/null | sed -n 's/^seconds \([0-9.]*\),.*/\1/p'
    done | median
}
printf '%-10s %12s %12s %10s%s\n' workload unmetered metered ratio "${BASELINE:+   baseline}"
for w in pingpong ring spawn fanin pfib; do
    plain=$(seconds "$RHOVM" run --stats --threads 1 "bench/rholang/$w.rho")
    metered=$(seconds "$RHOVM" run --stats --cost --threads 1 "bench/rholang/$w.rho")
    base=""
    [ -n "${BASELINE:-}" ] && base=$(seconds "$BASELINE" run --stats --threads 1 "bench/rholang/$w.rho")
    printf '%-10s %12s %12s %10.1f%s\n' "$w" "$plain" "$metered" "$(awk -v m="$metered" -v p="$plain" 'BEGIN {print m / p}')" "${base:+   $base}"
done
