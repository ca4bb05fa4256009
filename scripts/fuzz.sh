#!/usr/bin/env bash
# Builds the libFuzzer programs (the `fuzz` preset: Clang, ASan + UBSan, libraries
# coverage-instrumented) and runs each in turn for FUZZ_SECONDS (default 60) with
# the Rholang dictionary (STYLE.md §8).
#
# Seeds, read only: tests/fuzz/corpus/<target>/ and, for the parser and the compiler,
# every .rho of tests/conformance/, examples/, bench/rholang/ and ../shared/conformance/.
# New inputs go to build/fuzz/corpus/<target>/ (never the committed corpus), crash,
# timeout and leak reproducers to build/fuzz/crashes/<target>/, logs to build/fuzz/logs/.
#
# Usage: bash scripts/fuzz.sh
#        FUZZ_SECONDS=600 FUZZ_TARGETS="parser rbc_loader" bash scripts/fuzz.sh
#        FUZZ_FLAGS="-max_len=65536" bash scripts/fuzz.sh   (more libFuzzer flags)
# Exit status 1 when a fuzzer found something (the reproducers are listed).
#
# Replay a reproducer:   build/fuzz/tests/fuzz/parser_fuzz build/fuzz/crashes/parser/crash-...
# Minimize it:           build/fuzz/tests/fuzz/parser_fuzz -minimize_crash=1 -runs=100000 crash-...
# Add new inputs to the committed corpus, minimized (keep it a few hundred KB in all):
# first what adds edges, then short inputs that add hit counts:
#   build/fuzz/tests/fuzz/parser_fuzz -merge=1 -use_counters=0 tests/fuzz/corpus/parser build/fuzz/corpus/parser
#   build/fuzz/tests/fuzz/parser_fuzz -merge=1 -max_len=128 tests/fuzz/corpus/parser build/fuzz/corpus/parser
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-parser compiler rbc_loader}
FUZZ_FLAGS=${FUZZ_FLAGS:-}

# Build dependencies, then Clang and its libFuzzer runtime (only what is missing).
bash scripts/setup.sh clang libclang-rt-14-dev

echo "== fuzz: build"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

build=$root/build/fuzz
programs=()
for dir in tests/conformance examples bench/rholang ../shared/conformance; do
    if [ -d "$dir" ]; then
        programs+=("$dir")
    fi
done

found=0
for target in $FUZZ_TARGETS; do
    bin=$build/tests/fuzz/${target}_fuzz
    if [ ! -x "$bin" ]; then
        echo "fuzz: no such target: $target (parser, compiler, rbc_loader)" >&2
        exit 2
    fi
    scratch=$build/corpus/$target
    crashes=$build/crashes/$target
    log=$build/logs/$target.log
    mkdir -p "$scratch" "$crashes" "$build/logs"
    inputs=("$scratch" "tests/fuzz/corpus/$target")
    flags=(-max_total_time="$FUZZ_SECONDS" -timeout=30 -print_final_stats=1 -artifact_prefix="$crashes/")
    if [ "$target" != rbc_loader ]; then
        # The Rholang programs, .rho files only (libFuzzer reads every file of a folder).
        seeds=$build/seeds/$target
        rm -rf "$seeds"
        mkdir -p "$seeds"
        for dir in "${programs[@]}"; do
            find "$dir" -name '*.rho' -exec cp -t "$seeds" {} +
        done
        inputs+=("$seeds")
        flags+=(-dict="$root/tests/fuzz/rholang.dict")
    fi
    echo "== fuzz: $target for ${FUZZ_SECONDS}s (log: build/fuzz/logs/$target.log)"
    status=0
    # shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags
    "$bin" "${flags[@]}" $FUZZ_FLAGS "${inputs[@]}" >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" | sed "s/^/   $target: /" || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" | sed "s/^/   $target: /" || true
    if [ "$status" -ne 0 ]; then
        found=1
        echo "   $target: FOUND SOMETHING (exit $status):"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|[a-z_]+_fuzz: )' "$log" | head -5 | sed 's/^/     /' || true
        grep -E '^artifact_prefix=|Test unit written to' "$log" | sed 's/^/     /' || true
    fi
done

if [ "$found" -ne 0 ]; then
    echo "fuzz: findings above; reproducers in build/fuzz/crashes/"
    exit 1
fi
echo "fuzz: nothing found"
