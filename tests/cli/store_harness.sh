#!/usr/bin/env bash
# The crash-and-corruption harness of the durable store (issue 9). Three parts:
#  1. kill -9 at random moments of runs (during the COMMs and during the checkpoint):
#     after each, `verify` says sound and `inspect` shows exactly the state after the
#     previous run or after the killed one, never something between.
#  2. truncation of data.mdb at every page boundary: verify, inspect and run end with
#     an error naming the damage, never a signal.
#  3. random overwrites of data.mdb (a few bytes, or a whole page of garbage):
#     verify, inspect and run never end by a signal or hang, and whenever inspect
#     succeeds it shows a state the store really had (its last checkpoint or the one
#     before): damage is reported, never read back as data.
# Usage: store_harness.sh RHOVM [KILLS] [CORRUPTIONS] [SEED]
# (CI runs a small size; scripts/store_harness.sh a long one.) Prints the figures.
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
KILLS=${2:-20}
CORRUPTIONS=${3:-200}
RANDOM=${4:-20261202}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
LIMIT=60 # seconds any one command may take on a damaged store before it counts as a hang

# The space: a counter, a log of every run, 2,000 channels @[i] whose one datum each
# run replaces (so a checkpoint rewrites 2,000 records), and a persistent contract on
# a public name that does the replacing.
cat >"$work/setup.rho" <<'RHO'
contract @"refresh"(@i, @n) = {
  if (i < 2000) { for (_ <- @[i]) { @[i]!(n) } | @"refresh"!(i + 1, n) }
} |
new fill in {
  contract fill(@i) = { if (i < 2000) { @[i]!(0) | fill!(i + 1) } } | fill!(0)
} |
@"counter"!(1)
RHO
cat >"$work/step.rho" <<'RHO'
for (@n <- @"counter") { @"counter"!(n + 1) | @"log"!(n) | @"refresh"!(0, n) }
RHO
# setup.rho's `fill` contract stays on an unforgeable name; inspect numbers such names
# canonically (u_0, ...), so two stores that ran the same runs print the same text.
state() { "$RHOVM" inspect "$1" 2>&1; }

"$RHOVM" run --data-dir "$work/ref" "$work/setup.rho" >/dev/null || { echo "setup failed"; exit 1; }
"$RHOVM" run --data-dir "$work/test" "$work/setup.rho" >/dev/null || { echo "setup failed"; exit 1; }
declare -a S
S[0]=$(state "$work/ref")
refRuns=0
ensure() { # k: makes S[k], the state after k step runs, on the reference store (not in a subshell)
    while [ "$refRuns" -lt "$1" ]; do
        "$RHOVM" run --data-dir "$work/ref" "$work/step.rho" >/dev/null
        refRuns=$((refRuns + 1))
        S[refRuns]=$(state "$work/ref")
    done
}
ensure 1
check "the reference states differ run to run" test "${S[1]}" != "${S[0]}"

# How long an unkilled step takes, to spread the kills over it.
t0=$(date +%s%N)
"$RHOVM" run --data-dir "$work/timing" "$work/setup.rho" >/dev/null
"$RHOVM" run --data-dir "$work/timing" "$work/step.rho" >/dev/null
span_us=$((($(date +%s%N) - t0) / 2000))
[ "$span_us" -gt 1000 ] || span_us=1000

# 1. kill -9
done_runs=0
kills=0
between=0
for ((i = 0; i < KILLS; i++)); do
    "$RHOVM" run --data-dir "$work/test" "$work/step.rho" >/dev/null 2>&1 &
    pid=$!
    delay_us=$((RANDOM * 32768 + RANDOM))
    delay_us=$((delay_us % (span_us * 3 / 2)))
    sleep "$(printf '0.%06d' "$delay_us")"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    now=$(state "$work/test")
    ensure $((done_runs + 1))
    if [ "$now" = "${S[done_runs + 1]}" ]; then
        done_runs=$((done_runs + 1))
    elif [ "$now" != "${S[done_runs]}" ]; then
        between=$((between + 1))
        echo "after kill $i: the state is neither that of run $done_runs nor of run $((done_runs + 1))"
    fi
    "$RHOVM" verify "$work/test" >/dev/null 2>&1 || { between=$((between + 1)); echo "after kill $i: verify failed"; }
done
check "after $KILLS kills the store always held a completed run's state" test "$between" = 0
check "a run after the kills continues from there" \
    "$RHOVM" run --data-dir "$work/test" "$work/step.rho"
echo "kill -9: $KILLS runs killed at random moments ($kills while running), $done_runs completed, 0 states between: $([ "$between" = 0 ] && echo yes || echo NO)"

# The store the damage is done to, and the two states it really had.
cp -r "$work/test" "$work/good"
good=$(state "$work/good")
"$RHOVM" run --data-dir "$work/test" "$work/step.rho" >/dev/null
cp -r "$work/test" "$work/good"
previous=$good
good=$(state "$work/good")
size=$(stat -c %s "$work/good/data.mdb")

signals=0
silent=0
hangs=0
tried=0
probe() { # dir: verify, inspect and run on a damaged store
    local out rc
    for cmd in verify inspect run; do
        case $cmd in
        verify) out=$(timeout "$LIMIT" "$RHOVM" verify "$1" 2>&1) ;;
        inspect) out=$(timeout "$LIMIT" "$RHOVM" inspect "$1" 2>&1) ;;
        run) out=$(timeout "$LIMIT" "$RHOVM" run --data-dir "$1" "$work/step.rho" 2>&1) ;;
        esac
        rc=$?
        if [ "$rc" = 124 ]; then
            hangs=$((hangs + 1))
            echo "$2: $cmd hung"
        elif [ "$rc" -ge 128 ]; then
            signals=$((signals + 1))
            echo "$2: $cmd ended by signal $((rc - 128)): $(tail -1 <<<"$out")"
        fi
        if [ "$cmd" = inspect ] && [ "$rc" = 0 ]; then
            local seen
            seen=$out
            if [ "$seen" != "$good" ] && [ "$seen" != "$previous" ]; then
                silent=$((silent + 1))
                echo "$2: inspect read back a state the store never had"
            fi
        fi
    done
    tried=$((tried + 1))
}

# 2. truncation at every page boundary (and to zero)
truncations=0
for ((cut = 0; cut < size; cut += 4096)); do
    rm -rf "$work/bad" && cp -r "$work/good" "$work/bad"
    truncate -s "$cut" "$work/bad/data.mdb"
    probe "$work/bad" "truncated to $cut"
    truncations=$((truncations + 1))
done

# 3. random overwrites
for ((i = 0; i < CORRUPTIONS; i++)); do
    rm -rf "$work/bad" && cp -r "$work/good" "$work/bad"
    off=$(((RANDOM * 32768 + RANDOM) % size))
    if ((RANDOM % 4 == 0)); then # a whole page of garbage
        off=$((off / 4096 * 4096))
        len=4096
    else
        len=$((RANDOM % 16 + 1))
    fi
    head -c "$len" /dev/urandom | dd of="$work/bad/data.mdb" bs=1 seek="$off" conv=notrunc status=none
    probe "$work/bad" "overwrite of $len bytes at $off"
done
check "no signal on a damaged store" test "$signals" = 0
check "no hang on a damaged store" test "$hangs" = 0
check "no damaged store read back as a state it never had" test "$silent" = 0
echo "damage: $truncations truncations and $CORRUPTIONS overwrites of a $size-byte store, $tried stores probed with verify, inspect and run: $signals signals, $hangs hangs, $silent silent changes"
finish
