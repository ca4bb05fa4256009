#!/usr/bin/env bash
# Sets up, builds the debug configuration and runs the whole test suite with ctest.
# Usage: bash scripts/test.sh            (debug build, every test)
#        RHO_PRESET=asan bash scripts/test.sh   (the same under ASan + UBSan)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
preset=${RHO_PRESET:-debug}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" -j2
