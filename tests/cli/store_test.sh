#!/usr/bin/env bash
# The durable store from the command line (issue 9): one writer at a time (exit 4,
# naming the other; --wait), inspect beside a writer and without writing, verify on a
# sound and a damaged store, truncated and empty files, --map-size, a full disk.
# Usage: store_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
cleanup() {
    mountpoint -q "$dir/full" 2>/dev/null && umount "$dir/full"
    rm -rf "$dir"
}
trap cleanup EXIT

# One writer at a time. The first run counts down long enough for the others to meet it.
cat >"$dir/long.rho" <<'RHO'
new loop, out(`rho:io:stdout`) in {
  contract loop(@n) = { if (n > 0) { loop!(n - 1) } else { out!("long done") } } |
  loop!(4000000) | @"first"!(1)
}
RHO
"$RHOVM" run --data-dir "$dir/s" "$dir/long.rho" >"$dir/long.out" 2>&1 &
first=$!
for _ in $(seq 200); do # until the first run holds the store
    [ "$(cat "$dir/s/writer.lock" 2>/dev/null)" = "$first" ] && break
    sleep 0.05
done
out=$(echo '@"second"!(2)' | "$RHOVM" run --data-dir "$dir/s" - 2>&1)
rc=$?
check "a second writer exits 4" test "$rc" = 4
check "a second writer is told who holds the store" grep -q "in use by another rhovm run (pid $first)" <<<"$out"
check "and how to wait" grep -q -- "--wait" <<<"$out"
check "inspect reads beside the writer" bash -c "'$RHOVM' inspect '$dir/s' >/dev/null"
check "the first run was still running meanwhile" kill -0 "$first"
out=$(echo '@"second"!(2)' | "$RHOVM" run --wait --data-dir "$dir/s" - 2>&1)
rc=$?
check "run --wait waits for the store, then runs" test "$rc" = 0
wait "$first"
check "the first run finished" grep -qx '"long done"' "$dir/long.out"
text=$("$RHOVM" inspect "$dir/s")
check "both runs' data are there, nothing lost" \
    bash -c "grep -qF '@{\"first\"}!(1)' <<<'$text' && grep -qF '@{\"second\"}!(2)' <<<'$text'"

# inspect and verify only read.
before=$(md5sum <"$dir/s/data.mdb")
"$RHOVM" inspect "$dir/s" >/dev/null
"$RHOVM" verify "$dir/s" >/dev/null
check "inspect and verify leave data.mdb as it was" test "$(md5sum <"$dir/s/data.mdb")" = "$before"
out=$("$RHOVM" verify "$dir/s")
check "verify of a sound store exits 0" test $? = 0
check "verify says sound and counts the records" grep -q "sound: 2 channel records, 1 continuation records, 0 problems" <<<"$out"
mkdir "$dir/empty"
for cmd in inspect verify; do
    out=$("$RHOVM" $cmd "$dir/empty" 2>&1)
    rc=$?
    check "$cmd of a directory without a store exits 2" test "$rc" = 2
    check "$cmd says there is no store" grep -q "holds no tuplespace" <<<"$out"
    check "$cmd made nothing there" test -z "$(ls "$dir/empty")"
done

# A changed datum: verify names the record, inspect and run refuse the store.
echo '@"victim"!("AAAAAAAAAAAAAAAA") | @"other"!(1)' | "$RHOVM" run --data-dir "$dir/d" -
off=$(grep -obUaP 'AAAAAAAAAAAAAAAA' "$dir/d/data.mdb" | head -1 | cut -d: -f1)
check "the datum is found in the file" test -n "$off"
printf 'B' | dd of="$dir/d/data.mdb" bs=1 seek="$off" conv=notrunc status=none
out=$("$RHOVM" verify "$dir/d" 2>&1)
rc=$?
check "verify of a damaged store exits 1" test "$rc" = 1
check "verify names the damaged record" grep -q "damaged: data record [0-9a-f]* is damaged (its checksum or the header of its overflow pages does not match)" <<<"$out"
check "verify's summary says DAMAGED" grep -q "DAMAGED: 2 channel records, 0 continuation records, 1 problems" <<<"$out"
out=$("$RHOVM" inspect "$dir/d" 2>&1)
rc=$?
check "inspect of a damaged store exits 2" test "$rc" = 2
check "inspect says which record is damaged" grep -q "its checksum or the header of its overflow pages" <<<"$out"
check "inspect does not print the changed datum" bash -c "! grep -q BAAA <<<'$out'"
# A run reads a channel when it first touches it: one that leaves the damaged record
# alone runs and leaves it as it was; one that touches it is refused its checkpoint.
out=$(echo '@"other"!(2)' | "$RHOVM" run --data-dir "$dir/d" - 2>&1)
check "a run beside the damaged record exits 0" test $? = 0
out=$("$RHOVM" verify "$dir/d" 2>&1)
check "... and leaves it damaged, and only it" grep -q "DAMAGED: 2 channel records, 0 continuation records, 1 problems" <<<"$out"
out=$(echo 'for (_ <- @"victim") { Nil }' | "$RHOVM" run --data-dir "$dir/d" - 2>&1)
check "a run that touches the damaged record exits 2" test $? = 2
check "... naming it" grep -q "checkpoint refused (nothing written): a channel could not be read from the store: .*its checksum or the header of its overflow pages" <<<"$out"
out=$("$RHOVM" verify "$dir/d" 2>&1)
check "... and writes nothing" grep -q "DAMAGED: 2 channel records, 0 continuation records, 1 problems" <<<"$out"

# Truncated files.
echo '@"x"!(1)' | "$RHOVM" run --data-dir "$dir/t" -
cp "$dir/t/data.mdb" "$dir/t.whole"
truncate -s 0 "$dir/t/data.mdb"
out=$("$RHOVM" inspect "$dir/t" 2>&1)
rc=$?
check "an empty data.mdb is an error, exit 2" test "$rc" = 2
check "an empty data.mdb is called so" grep -q "is empty (0 bytes)" <<<"$out"
out=$(echo 'Nil' | "$RHOVM" run --data-dir "$dir/t" - 2>&1)
check "a run does not start a new space over an empty data.mdb" test $? = 2
head -c 12288 "$dir/t.whole" >"$dir/t/data.mdb"
out=$("$RHOVM" verify "$dir/t" 2>&1)
rc=$?
check "a truncated data.mdb is an error, exit 2" test "$rc" = 2
check "a truncated data.mdb is called so" grep -q "is truncated" <<<"$out"

# --map-size: the most the map may grow to.
src='new fill in { contract fill(@i) = { if (i < 20000) { @[i]!("0123456789012345678901234567890123456789") | fill!(i + 1) } } | fill!(0) }'
out=$(echo "$src" | "$RHOVM" run --map-size 1M --data-dir "$dir/m" - 2>&1)
rc=$?
check "a store beyond --map-size fails the run, exit 2" test "$rc" = 2
check "and says the map is full" grep -q "MDB_MAP_FULL" <<<"$out"
check "a bad --map-size is a usage error" bash -c "echo Nil | '$RHOVM' run --map-size lots - 2>/dev/null; test \$? = 2"

# Depth: what a checkpoint writes, a later run reads back. A list nested 440,000
# deep is stored and read; one nested 460,000 deep (past the decoder's 450,000) is
# refused at the checkpoint with exit 2, and the store keeps its earlier state.
deep='new deep in { contract deep(@n, @v) = { if (n == 0) { @"out"!(v) } else { deep!(n - 1, [v]) } } | deep!(N, 0) }'
echo '@"before"!(1)' | "$RHOVM" run --data-dir "$dir/deep" -
out=$(echo "${deep/N/460000}" | "$RHOVM" run --data-dir "$dir/deep" - 2>&1)
check "a value too deep to read back fails the checkpoint, exit 2" test $? = 2
check "... saying so" grep -q "nested deeper than a store can read back" <<<"$out"
out=$("$RHOVM" inspect "$dir/deep" 2>&1)
check "... and the store keeps its earlier state" test "$out" = $'// channel @{"before"}\n@{"before"}!(1)\n// 1 channel, 1 send, 0 receives'
echo "${deep/N/440000}" | "$RHOVM" run --data-dir "$dir/deep" -
check "a value 440,000 deep is stored" test $? = 0
check "... and the store reads back whole" bash -c "'$RHOVM' verify '$dir/deep' >/dev/null"
check "... its datum included" bash -c "'$RHOVM' inspect '$dir/deep' | grep -q '^@{\"out\"}!(\[\[\[\['"

# A store larger than what a run touches: a run reads the channels it touches (a
# join's with it), not the store; checkpoints during a run drop what went cold.
cat >"$dir/many.rho" <<'RHO'
new fill in { contract fill(@i) = { if (i < 3000) { @["m", i]!(i) | fill!(i + 1) } } | fill!(0) } |
contract @"twice"(@x, ret) = { ret!(2 * x) } |
for (@a <- @"left" & @b <- @"right") { @"sum"!(a + b) }
RHO
"$RHOVM" run --data-dir "$dir/lazy" "$dir/many.rho" >/dev/null
out=$(echo 'new r, out(`rho:io:stdout`) in { @"twice"!(21, *r) | for (@v <- r) { out!(v) } | for (@m <- @["m", 1234]) { out!(m) } | @"left"!(1) }' |
    "$RHOVM" run --stats --data-dir "$dir/lazy" - 2>&1)
check "a run on a big store sees the contract and the datum it touches" bash -c "grep -qx 42 <<<'$out' && grep -qx 1234 <<<'$out'"
check "... reading only them and the join's two channels" grep -q "^channels read from the store 4, dropped from memory after checkpoints 0$" <<<"$out"
out=$(echo 'new out(`rho:io:stdout`) in { @"right"!(41) | for (@s <- @"sum") { out!(s) } }' | "$RHOVM" run --data-dir "$dir/lazy" - 2>&1)
check "a join stored half-fed by the run before fires" test "$out" = 42
out=$("$RHOVM" inspect "$dir/lazy" | tail -1)
check "... and the store holds the rest, untouched" test "$out" = "// 3001 channels, 2999 sends, 2 receives"
cat >"$dir/walk.rho" <<'RHO'
new walk in {
  contract walk(@i) = { if (i == 1234) { walk!(i + 1) } else if (i < 3000) { for (@_ <<- @["m", i]) { walk!(i + 1) } } } |
  walk!(0)
}
RHO
out=$("$RHOVM" run --stats --checkpoint-every 200 --data-dir "$dir/lazy" "$dir/walk.rho" 2>&1)
dropped=$(sed -n 's/^channels read from the store [0-9]*, dropped from memory after checkpoints \([0-9]*\)$/\1/p' <<<"$out")
check "a run walking the store with checkpoints drops the channels it left behind ($dropped)" test "${dropped:-0}" -gt 0
check "... and the store is sound and whole after it" bash -c "'$RHOVM' verify '$dir/lazy' | grep -q '^.*: sound: 2999 channel records, 3 continuation records, 0 problems'"
# A page of garbage the run never reads (a leaf of the store, past its 16-byte header's
# page number and flags): LMDB would write through it at the checkpoint (a heap
# corruption, found by the store harness). The run's first checkpoint walks every page
# first and is refused; the file is left as it was.
cp -r "$dir/lazy" "$dir/garbled"
pages=$(($(stat -c %s "$dir/garbled/data.mdb") / 4096))
leaves=()
for ((p = 2; p < pages; p++)); do
    [ "$(od -An -tx1 -j $((p * 4096 + 10)) -N1 "$dir/garbled/data.mdb" | tr -d ' ')" = 02 ] && leaves+=("$p")
done
check "the store has leaf pages (${#leaves[@]})" test "${#leaves[@]}" -gt 10
for i in $(seq 1 64); do echo "$i" | sha256sum; done | head -c 4084 |
    dd of="$dir/garbled/data.mdb" bs=1 seek=$((leaves[${#leaves[@]} / 2] * 4096 + 12)) conv=notrunc status=none
cp "$dir/garbled/data.mdb" "$dir/garbled.mdb"
out=$(echo '@"somewhere else"!(1)' | "$RHOVM" run --data-dir "$dir/garbled" - 2>&1)
check "a run over a page of garbage it never read exits 2 (no signal)" test $? = 2
check "... saying the store is damaged, nothing written" grep -q "is damaged (.*); nothing was written over it" <<<"$out"
check "... and the file is as it was" cmp -s "$dir/garbled/data.mdb" "$dir/garbled.mdb"

# A full disk: said as such (needs a small tmpfs; skipped where mounting is not allowed).
mkdir "$dir/full"
if mount -t tmpfs -o size=512k tmpfs "$dir/full" 2>/dev/null; then
    out=$(echo "$src" | "$RHOVM" run --data-dir "$dir/full/s" - 2>&1)
    rc=$?
    check "a full disk fails the run, exit 2" test "$rc" = 2
    check "a full disk says No space left on device" grep -q "No space left on device" <<<"$out"
    umount "$dir/full"
    # A store on a read-only file system: a run is refused with a clear message,
    # inspect still reads it.
    mount -t tmpfs -o size=4m tmpfs "$dir/full"
    echo '@"ro"!(1)' | "$RHOVM" run --data-dir "$dir/full/s" -
    mount -o remount,ro "$dir/full"
    out=$(echo 'Nil' | "$RHOVM" run --data-dir "$dir/full/s" - 2>&1)
    rc=$?
    check "a run on a read-only store exits 2" test "$rc" = 2
    check "and says the file system is read-only" grep -q "is on a read-only file system" <<<"$out"
    check "inspect reads a store on a read-only file system" \
        bash -c "'$RHOVM' inspect '$dir/full/s' | grep -qF '@{\"ro\"}!(1)'"
    umount "$dir/full"
else
    echo "skipped: the full-disk check (cannot mount a tmpfs here)"
fi
finish
