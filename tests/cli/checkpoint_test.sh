#!/usr/bin/env bash
# Checkpoints during a run (issue 9): `run --checkpoint-every N` (COMMs) or `Ns` /
# `Nms` (seconds) makes a long run durable as it goes. A run killed with kill -9 leaves
# the store at its last checkpoint: sound (verify), with the contract and the
# persistent datum deployed before its endless loop in every one of them (a checkpoint
# is taken between steps, never between a persistent send's COMM and its reissue).
# Without the flag the same kill leaves nothing of the run. Bad values are refused.
# Usage: checkpoint_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT

# A service and a persistent datum, then a loop that calls the service for ever; each
# call also reads the datum (a COMM that leaves it in place).
cat >"$dir/endless.rho" <<'RHO'
new loop in {
  contract @"svc"(@x, ret) = { ret!(x + 1) } |
  @"config"!!(42) |
  contract loop(@n) = {
    new r in { @"svc"!(n, *r) | for (@m <- r; @c <- @"config") { loop!(m + c) } }
  } |
  loop!(0)
}
RHO

# Waits (up to 20 s) until `inspect` of $1 lists the service: a checkpoint was written.
await_checkpoint() {
    for _ in $(seq 200); do
        "$RHOVM" inspect "$1" 2>/dev/null | grep -q '@{"svc"}' && return 0
        sleep 0.1
    done
    return 1
}

for i in 1 2 3 4; do
    store="$dir/killed$i"
    "$RHOVM" run --threads 2 --data-dir "$store" --checkpoint-every 100ms "$dir/endless.rho" >/dev/null 2>&1 &
    pid=$!
    check "kill $i: a checkpoint is written while the run goes on" await_checkpoint "$store"
    sleep "0.$((i * 2))"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    out=$("$RHOVM" inspect "$store" 2>&1)
    check "kill $i: inspect reads the store after kill -9" test $? = 0
    check "kill $i: the contract deployed before the loop is there" grep -qF '<= @{"svc"} )' <<<"$out"
    check "kill $i: the persistent datum is there" grep -qF '@{"config"}!!(42)' <<<"$out"
    check "kill $i: the loop's own contract is there" grep -Eq '^for\( @\{x0\} <= u_[0-9]+ \)' <<<"$out"
    "$RHOVM" verify "$store" >/dev/null 2>&1
    check "kill $i: verify finds the store sound" test $? = 0
done

# The same kill without --checkpoint-every keeps nothing of the run.
store="$dir/unchecked"
"$RHOVM" run --threads 2 --data-dir "$store" "$dir/endless.rho" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "without --checkpoint-every a killed run leaves no contract" \
    bash -c '! "$1" inspect "$2" 2>/dev/null | grep -q "svc"' _ "$RHOVM" "$store"

# By COMMs: a finite run checkpoints every 2,000 COMMs and reports how many it wrote.
cat >"$dir/finite.rho" <<'RHO'
new stdout(`rho:io:stdout`), loop in {
  contract @"svc"(@x, ret) = { ret!(x + 1) } |
  contract loop(@n) = {
    if (n < 10000) { new r in { @"svc"!(n, *r) | for (@m <- r) { loop!(m) } } } else { stdout!("done") }
  } |
  loop!(0)
}
RHO
out=$("$RHOVM" run --stats --data-dir "$dir/finite" --checkpoint-every 2000 "$dir/finite.rho" 2>&1)
check "a run with --checkpoint-every COMMs ends normally" test $? = 0
check "its output is complete" grep -q '"done"' <<<"$out"
n=$(sed -n 's/^checkpoints during the run \([0-9]*\)$/\1/p' <<<"$out")
# 10,000 calls of two COMMs each: 20,000 COMMs, a checkpoint every 2,000 of them
# (the monitor looks every 2 ms, so a fast run may pass a mark before it looks).
check "--stats counts the checkpoints written during the run (got '${n:-none}')" test "${n:-0}" -ge 2
check "the final state is there" grep -qF '<= @{"svc"} )' <<<"$("$RHOVM" inspect "$dir/finite")"

# Bad values.
out=$("$RHOVM" run --checkpoint-every 5s "$dir/finite.rho" 2>&1)
check "--checkpoint-every without --data-dir is refused (exit 2)" test $? = 2
check "... saying it needs --data-dir" grep -q "needs --data-dir" <<<"$out"
for bad in 0 5x -3 1.5 s 0s; do
    out=$("$RHOVM" run --data-dir "$dir/bad" --checkpoint-every "$bad" "$dir/finite.rho" 2>&1)
    check "--checkpoint-every '$bad' is refused (exit 2)" test $? = 2
    check "... with a message naming it" grep -qF "not '$bad'" <<<"$out"
done
check "a refused run writes no store" test ! -e "$dir/bad/data.mdb"

finish
