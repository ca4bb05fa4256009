#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite with ctest: in the debug
# configuration, under AddressSanitizer + UBSan (the asan preset), and the tuplespace,
# primitives and machine tests under ThreadSanitizer (the tsan preset).
# Usage: bash scripts/test.sh                  (debug, asan, tsan)
#        RHO_PRESETS=debug bash scripts/test.sh (one configuration only)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for preset in ${RHO_PRESETS:-debug asan tsan}; do
    echo "== $preset: build"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
    echo "== $preset: ctest"
    ctest --preset "$preset" -j2
done
