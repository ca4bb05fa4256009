#!/usr/bin/env bash
# Sets up, builds the release configuration and runs an example program.
# Usage: bash scripts/demo.sh [examples/FILE.rho]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target rhovm
program=${1:-examples/bank_account.rho}
echo "== rhovm run $program"
./build/release/cli/rhovm run "$program"
