#!/usr/bin/env bash
# Draws the last bench/compare.sh run (build/compare/summary.tsv) as a bar chart:
# each workload's rate, per implementation, on a log scale.
#   bash bench/plot_compare.sh [OUT.png]      (default docs/performance.png)
# Installs gnuplot (Debian's gnuplot-nox) if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/performance.png}
summary=build/compare/summary.tsv
[ -f "$summary" ] || { echo "no $summary: run bench/compare.sh first" >&2; exit 2; }
bash scripts/setup.sh gnuplot-nox
data=$(mktemp)
trap 'rm -f "$data"' EXIT
tail -n +2 "$summary" >"$data" # rows only: gnuplot would draw the header as an empty group
gnuplot <<GNUPLOT
set terminal pngcairo size 1000,520 font "DejaVu Sans,11"
set output "$out"
set title "Peer workloads: rate per implementation (higher is better; log scale)"
set datafile separator "\t"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1e4:*]
set xrange [-0.6:4.6]
set ylabel "operations per second"
set grid ytics
set key outside right top
set xtics nomirror
plot "$data" using 2:xtic(1) title "rhovm, 1 thread" lc rgb "#1f77b4", \
     "" using 3 title "rhovm, 2 threads" lc rgb "#6baed6", \
     "" using 4 title "Go (best)" lc rgb "#2ca02c", \
     "" using 5 title "Erlang (best)" lc rgb "#d62728", \
     "" using 6 title "C++ 1-thread floor" lc rgb "#7f7f7f"
GNUPLOT
echo "wrote $out"
