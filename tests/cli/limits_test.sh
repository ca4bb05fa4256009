#!/usr/bin/env bash
# Limits that hold and signals that lose nothing (issue 9): --max-steps, --timeout and
# --max-memory end a runaway run with exit 3 and a message naming the limit, the
# memory limit overshot by at most 10% (the peak resident memory measured by
# /usr/bin/time) on each runaway shape; SIGTERM and SIGINT stop a run at a safe point
# with its output flushed and, with --data-dir, the space checkpointed as it stood
# (exit 143 and 130).
# Usage: limits_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "skipped: needs /usr/bin/time (Debian package time)"; exit 0; }

echo 'for (@x <= @"t") { Nil } | @"t"!!(1)' >"$dir/endless.rho"
out=$("$RHOVM" run --timeout 1 "$dir/endless.rho" 2>&1)
check "--timeout ends an endless run with exit 3" test $? = 3
check "--timeout says which limit" grep -q "time limit of 1 seconds (--timeout)" <<<"$out"
out=$("$RHOVM" run --max-steps 20000 "$dir/endless.rho" 2>&1)
check "--max-steps ends it with exit 3" test $? = 3
check "--max-steps says which limit" grep -q "step limit of 20000 reductions (--max-steps)" <<<"$out"

# An endless fan-in on two threads: the receiver drains a deep channel that a sender on
# the other worker keeps filling (Kernel::drainSlice renews its slice for as long as
# that lasts); the limits still end the run.
cat >"$dir/drain.rho" <<'RHO'
new sink, producer, collect in {
  contract producer(@k) = { sink!(k) | producer!(k + 1) } |
  contract collect(@n) = { for (_ <- sink) { collect!(n + 1) } } |
  producer!(0) | collect!(0)
}
RHO
out=$("$RHOVM" run --threads 2 --timeout 1 "$dir/drain.rho" 2>&1)
check "--timeout ends an endless drain on two threads with exit 3" test $? = 3
check "... and says which limit" grep -q "time limit of 1 seconds (--timeout)" <<<"$out"
out=$("$RHOVM" run --threads 2 --max-steps 3000000 "$dir/drain.rho" 2>&1)
check "--max-steps ends an endless drain on two threads with exit 3" test $? = 3
check "... and says which limit" grep -q "step limit of 3000000 reductions (--max-steps)" <<<"$out"

# Runaway shapes under --max-memory 256M. (Under a sanitizer the peak is not measured
# against the limit: its shadow memory, redzones and quarantine of freed blocks are
# resident memory the program never allocated.)
sanitized=no
grep -qE 'lib(a|t)san' <<<"$(ldd "$RHOVM")" && sanitized=yes
limit=$((256 * 1024 * 1024))
cat >"$dir/string.rho" <<'RHO'
new out(`rho:io:stdout`), dbl in {
  contract dbl(@n, @s) = { if (n == 0) { out!(s.length()) } else { dbl!(n - 1, s ++ s) } } | dbl!(40, "ab")
}
RHO
cat >"$dir/list.rho" <<'RHO'
new out(`rho:io:stdout`), dbl in {
  contract dbl(@n, @s) = { if (n == 0) { out!(s.length()) } else { dbl!(n - 1, s ++ s) } } | dbl!(40, [1, 2])
}
RHO
cat >"$dir/flood.rho" <<'RHO'
new flood in { contract flood(@n) = { @"junk"!(n, "some text to make each datum bigger") | flood!(n + 1) } | flood!(0) }
RHO
# A template naming its value twice, and a byte array turned to hex and back to bytes
# (twice as long each time): builders the limit checks before they allocate.
cat >"$dir/interpolation.rho" <<'RHO'
new out(`rho:io:stdout`), dbl in {
  contract dbl(@n, @s) = { if (n == 0) { out!(s.length()) } else { dbl!(n - 1, "${a}${a}" %% {"a": s}) } } | dbl!(40, "ab")
}
RHO
cat >"$dir/hex.rho" <<'RHO'
new out(`rho:io:stdout`), grow in {
  contract grow(@n, @b) = { if (n == 0) { out!(b.length()) } else { grow!(n - 1, b.bytesToHex().toUtf8Bytes()) } } |
  grow!(40, "ab".toUtf8Bytes())
}
RHO
for shape in string list flood interpolation hex; do
    out=$("$TIME" -f "RSS %M" "$RHOVM" run --max-memory 256M "$dir/$shape.rho" 2>&1)
    rc=$?
    rss_kb=$(sed -n 's/^RSS \([0-9]*\)$/\1/p' <<<"$out")
    check "--max-memory stops the $shape runaway with exit 3" test "$rc" = 3
    check "--max-memory names the limit ($shape)" grep -q "memory limit of $limit bytes (--max-memory)" <<<"$out"
    # The resource map accounts each process's values: the report names what built them.
    [ "$shape" = flood ] &&
        check "--max-memory names the process that built the most (flood's contract body)" \
            grep -qE "the processes that built the most: [^ ]*/flood.rho:1:[0-9]+ \([0-9]+ bytes in [0-9]+ processes\)" <<<"$out"
    [ "$sanitized" = yes ] ||
        check "the $shape runaway peaked within 10% of the limit (peak ${rss_kb} KiB)" \
            test "$((rss_kb * 1024))" -le "$((limit + limit / 10))"
    echo "$shape: peak $((rss_kb / 1024)) MiB under a 256 MiB limit"
done

# Address space: rhovm starts and runs under ulimit -v 2G (it reserved 4 GiB of map,
# 2 GiB of stack and 1 GiB per worker before).
if [ "$sanitized" = yes ]; then
    echo "skipped: the ulimit -v check (a sanitizer reserves terabytes of shadow memory)"
else
out=$(ulimit -v 2097152 && echo 'new o(`rho:io:stdout`) in { o!(6 * 7) | @"x"!(1) }' |
    "$RHOVM" run --threads 2 --data-dir "$dir/small" - 2>&1)
check "a run under ulimit -v 2G works (exit 0, prints 42)" test "$out" = 42
fi

# Signals: a run that printed, deployed a contract and left data, then loops.
cat >"$dir/sig.rho" <<'RHO'
new out(`rho:io:stdout`) in {
  out!("started") | @"deployed"!(1) | contract @"svc"(@x) = { Nil } |
  for (@x <= @"t") { Nil } | @"t"!!(1)
}
RHO
for sig in TERM INT; do
    rm -rf "$dir/s"
    "$RHOVM" run --data-dir "$dir/s" "$dir/sig.rho" >"$dir/out" 2>"$dir/err" &
    pid=$!
    for _ in $(seq 100); do grep -q started "$dir/out" 2>/dev/null && break; sleep 0.05; done
    sleep 0.5
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    want=$([ "$sig" = TERM ] && echo 143 || echo 130)
    check "SIG$sig stops the run with exit $want" test "$rc" = "$want"
    check "SIG$sig: the output printed before it is there" grep -qx '"started"' "$dir/out"
    check "SIG$sig: the message says so" grep -q "stopped by SIG$sig; the space was checkpointed" "$dir/err"
    text=$("$RHOVM" inspect "$dir/s")
    check "SIG$sig: the data sent before it are in the space" grep -qF '@{"deployed"}!(1)' <<<"$text"
    check "SIG$sig: the contract deployed before it is in the space" grep -qF '<= @{"svc"}' <<<"$text"
    check "SIG$sig: the store is sound" "$RHOVM" verify "$dir/s"
done
finish
