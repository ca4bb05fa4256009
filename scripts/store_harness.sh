#!/usr/bin/env bash
# The long run of the store's crash-and-corruption harness (tests/cli/store_harness.sh;
# ctest runs a small one): 1,000 kill -9 and 10,000 random overwrites by default, on
# the release build. About 40 minutes on 2 cores.
# Usage: scripts/store_harness.sh [KILLS] [CORRUPTIONS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build build/release -j2 --target rhovm >/dev/null
exec bash tests/cli/store_harness.sh build/release/cli/rhovm "${1:-1000}" "${2:-10000}" "${3:-20261202}"
