#!/usr/bin/env bash
# Printing and inspecting deeply nested quoted processes (issue 9): a process nested n
# deep is built at run time (no compile-time nesting limit applies), printed to stdout,
# stored with --data-dir and listed by inspect. Linear work shows as a constant time
# per level from 10^4 to 10^6 levels; the quadratic printer this replaced took 3.2 s
# for 40,000 levels and minutes for 10^6.
# Stores and inspects only up to 400,000 levels: the store's decoder stops at 450,000
# (a deeper value is refused when read; see issue 9's note).
# Usage: bench/deep_print.sh [RHOVM] [LEVELS...]   (default: release build; 1e4 1e5 1e6)
set -euo pipefail
RHOVM=${1:-build/release/cli/rhovm}
shift || true
levels=("$@")
[ ${#levels[@]} -gt 0 ] || levels=(10000 100000 1000000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%10s %10s %12s %10s %12s %12s\n' levels "print s" "print us/lvl" "inspect s" "inspect us/lvl" "max RSS MB"
for n in "${levels[@]}"; do
    cat >"$work/print.rho" <<RHO
new out(\`rho:io:stdout\`), wrap in {
  contract wrap(@n, @p) = { if (n == 0) { out!(p) } else { wrap!(n - 1, @"a"!(p)) } } | wrap!($n, Nil)
}
RHO
    sed 's/out!(p)/@"k"!(p)/' "$work/print.rho" >"$work/store.rho"
    t0=$(date +%s.%N)
    /usr/bin/time -f %M -o "$work/rss1" "$RHOVM" run "$work/print.rho" >"$work/out"
    t1=$(date +%s.%N)
    [ "$(wc -c <"$work/out")" -eq $((9 * n + 4)) ] || { echo "wrong output size at $n levels" >&2; exit 1; }
    t2=0
    t3=0
    echo 0 >"$work/rss2"
    if [ "$n" -le 400000 ]; then # the store's decoder reads values up to 450,000 levels deep
        rm -rf "$work/space"
        "$RHOVM" run --data-dir "$work/space" "$work/store.rho"
        t2=$(date +%s.%N)
        /usr/bin/time -f %M -o "$work/rss2" "$RHOVM" inspect "$work/space" >/dev/null
        t3=$(date +%s.%N)
    fi
    rss=$(sort -n "$work/rss1" "$work/rss2" | tail -1)
    awk -v n="$n" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v r="$rss" \
        'BEGIN { p = t1 - t0; i = t3 - t2; printf "%10d %10.2f %12.2f %10.2f %12.2f %12.0f\n", n, p, p * 1e6 / n, i, i * 1e6 / n, r / 1024 }'
done
