#!/usr/bin/env bash
# BigInt arithmetic on large operands (bench/rholang/bigint.rho: 15 squarings up to
# 15,635 digits, a division by a 7,818-digit number): the median of 5 runs of rhovm's
# own clock (`run --stats`), release build. Measured 2026-12-02: 4 ms with GMP (mpz)
# against 0.91 s with the schoolbook decimal code it replaced (commit 7b80f47).
#   bash bench/bigint.sh [RHOVM]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=release_rhovm.sh
source bench/release_rhovm.sh
out=$("$RHOVM" run bench/rholang/bigint.rho)
[ "$out" = "BigInt(57323177)" ] || { echo "wrong result: $out" >&2; exit 1; }
for _ in 1 2 3 4 5; do
    "$RHOVM" run --stats bench/rholang/bigint.rho 2>&1 >/dev/null | sed -n 's/^seconds \([0-9.]*\),.*/\1/p'
done | sort -g | awk '{a[NR] = $1} END {printf "bigint: %.4f s (median of 5)\n", a[3]}'
