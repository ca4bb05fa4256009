#!/usr/bin/env bash
# End-to-end tests of the rhovm command line, as a user types it:
# compile -o / run .rbc, --disasm, --data-dir across runs + inspect, stdin, exit codes,
# bad bytecode files, --seed determinism, --max-steps.
# Usage: cli_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/prog.rho" <<'RHO'
new out(`rho:io:stdout`) in { @"a"!(6 * 7) | for (@v <- @"a") { out!([v, "x"]) } }
RHO

# compile -o, then run the .rbc: the same output as running the source
"$RHOVM" compile -o "$dir/prog.rbc" "$dir/prog.rho"
check "compile -o writes a file" test -s "$dir/prog.rbc"
check "run .rbc prints what the source prints" \
    test "$("$RHOVM" run "$dir/prog.rbc")" = "$("$RHOVM" run "$dir/prog.rho")"
check "run .rbc output" test "$("$RHOVM" run "$dir/prog.rbc")" = '[42, "x"]'
check "disasm of the .rbc equals disasm of the source" \
    test "$("$RHOVM" compile --disasm "$dir/prog.rbc")" = "$("$RHOVM" compile --disasm "$dir/prog.rho")"

# --disasm: one sequence per par branch, QUOTE for quotes
listing=$("$RHOVM" compile --disasm "$dir/prog.rho")
check "disasm heads sequences with the word sequence" grep -q '^sequence 0' <<<"$listing"
check "disasm shows QUOTE" grep -q 'QUOTE' <<<"$listing"

# bad bytecode: truncated, corrupted, wrong version -> clear error, exit 1, no crash
head -c 20 "$dir/prog.rbc" >"$dir/trunc.rbc"
out=$("$RHOVM" run "$dir/trunc.rbc" 2>&1)
rc=$?
check "truncated .rbc exits 1" test "$rc" = 1
check "truncated .rbc says truncated" grep -q 'truncated' <<<"$out"
printf 'RHBC\x63\x00\x00\x00' >"$dir/v99.rbc"
out=$("$RHOVM" run "$dir/v99.rbc" 2>&1)
rc=$?
check "wrong version exits 1" test "$rc" = 1
check "wrong version is named" grep -q 'bytecode version 99' <<<"$out"

# program from stdin
check "stdin" test "$(echo 'new o(`rho:io:stdout`) in { o!(1 + 1) }' | "$RHOVM" run -)" = 2

# compile errors: file:line:col, caret, exit 1, nothing runs
printf 'new o(`rho:io:stdout`) in {\n  o!("ran") | o!(nope)\n}\n' >"$dir/bad.rho"
out=$("$RHOVM" run "$dir/bad.rho" 2>"$dir/err")
rc=$?
check "compile error exits 1" test "$rc" = 1
check "compile error runs nothing" test -z "$out"
check "compile error format" grep -q "bad.rho:2:18: error: Top level free variables are not allowed: nope." "$dir/err"
check "compile error caret" grep -qxF '                   ^' "$dir/err"

# run-time error: exit 1, position, siblings ran
printf 'new o(`rho:io:stdout`) in {\n  o!("ran") | o!(1 / 0)\n}\n' >"$dir/rt.rho"
out=$("$RHOVM" run "$dir/rt.rho" 2>"$dir/err")
rc=$?
check "run-time error exits 1" test "$rc" = 1
check "run-time error sibling ran" test "$out" = '"ran"'
check "run-time error names its position" grep -q "rt.rho:2:18: error: / by zero" "$dir/err"

# --data-dir: a contract deployed in one run answers a send made in a later run
echo 'contract @"double"(@n, ret) = { ret!(n * 2) } | @"note"!("kept")' | "$RHOVM" run --data-dir "$dir/space" -
check "second run gets the contract's answer" test "$(echo 'new o(`rho:io:stdout`), r in { @"double"!(21, *r) | for (@v <- r) { o!(v) } }' | "$RHOVM" run --data-dir "$dir/space" -)" = 42
text=$("$RHOVM" inspect "$dir/space")
# printed as the reference's PrettyPrinter prints a receive (RHOLANG.md 11)
check "inspect shows the contract" grep -qxF 'for( @{x0}, @{x1} <= @{"double"} ) {' <<<"$text"
check "inspect shows the contract's body" grep -qxF '  @{x1}!((x0 * 2))' <<<"$text"
check "inspect shows waiting data" grep -qF '@{"note"}!("kept")' <<<"$text"
check "inspect of a non-space dir fails" bash -c "! '$RHOVM' inspect '$dir' 2>/dev/null"

# The registry lives in the space: a contract registered with insertArbitrary in one
# run answers a lookup of its URI in a later run.
uri=$(echo 'new insert(`rho:registry:insertArbitrary`), o(`rho:io:stdout`), r, c in {
  contract c(@x, ret) = { ret!(x * 2) } | insert!(bundle+{*c}, *r) | for (@uri <- r) { o!(uri) } }' |
    "$RHOVM" run --data-dir "$dir/registry" -)
check "insertArbitrary answers a rho:id: URI" grep -qE '^`rho:id:[ybndrfg8ejkmcpqxot1uwisza345h769]{54}`$' <<<"$uri"
check "a later run's lookup finds the registered contract" test "$(echo "new lookup(\`rho:registry:lookup\`), o(\`rho:io:stdout\`), l, m in {
  lookup!($uri, *l) | for (svc <- l) { svc!(21, *m) | for (@v <- m) { o!(v) } } }" | "$RHOVM" run --data-dir "$dir/registry" -)" = 42

# The deploy and block a run stands for: --deployer-key, --block-number, --block-sender
src='new o(`rho:io:stdout`), d(`rho:rchain:deployerId`), ops(`rho:rchain:deployerId:ops`), bd(`rho:block:data`), r, s in {
  ops!("pubKeyBytes", *d, *r) | bd!(*s) | for (@k <- r; @n, @sender <- s) { o!([k, n, sender]) } }'
check "--deployer-key and --block-* reach the system processes" \
    test "$(echo "$src" | "$RHOVM" run --deployer-key 02AbCd --block-number 7 --block-sender ff -)" = '[02abcd, 7, ff]'
check "a deployer key that is not hex is a usage error" \
    bash -c "echo 'Nil' | '$RHOVM' run --deployer-key 0g - 2>/dev/null; test \$? = 2"

# --preload: files deployed into the same space first; a library they register under
# the deployer's key is found by the program; a preload that fails stops the run.
echo 'new insert(`rho:registry:insertSigned:secp256k1`), d(`rho:rchain:deployerId`), r, Lib in {
  contract Lib(@x, ret) = { ret!(x + 100) } | insert!((1, bundle+{*Lib}), *d, *r) }' >"$dir/lib.rho"
echo 'new o(`rho:io:stdout`), lookup(`rho:registry:lookup`), ops(`rho:registry:ops`), d(`rho:rchain:deployerId`),
  dops(`rho:rchain:deployerId:ops`), pk, u, l, r in { dops!("pubKeyBytes", *d, *pk) | for (@k <- pk) {
  ops!("buildUri", k, *u) | for (@uri <- u) { lookup!(uri, *l) | for (@(_, lib) <- l) { @lib!(1, *r) |
  for (@v <- r) { o!(v) } } } } }' >"$dir/uselib.rho"
check "--preload: the program uses what the preload registered" \
    test "$("$RHOVM" run --preload "$dir/lib.rho" "$dir/uselib.rho")" = 101
echo 'new o(`rho:io:stdout`) in { o!(1 / 0) }' >"$dir/badlib.rho"
check "--preload: a failing preload stops the run with exit 1" \
    bash -c "'$RHOVM' run --preload '$dir/badlib.rho' '$dir/uselib.rho' >/dev/null 2>&1; test \$? = 1"

# rhovm test: a RhoSpec file (the reference's format) passes, one with a failed
# assertion fails with exit 1 and names it, assertMany (which stops at its first
# failed assertion, as the reference's does) and "== <-" work.
cat >"$dir/good_test.rho" <<'RHO'
new rl(`rho:registry:lookup`), specCh, t1, t2 in {
  rl!(`rho:id:zphjgsfy13h1k85isc8rtwtgt3t9zzt5pjd5ihykfmyapfc4wt3x5h`, *specCh) |
  for (@(_, RhoSpec) <- specCh) { @RhoSpec!("testSuite", [("adds", *t1), ("reads a channel", *t2)]) } |
  contract t1(spec, _, ack) = { spec!("assertMany", [((2, "==", 1 + 1), "one and one"), (true, "plain true")], *ack) } |
  contract t2(spec, _, ack) = { new ch in { ch!(42) | spec!("assert", (42, "== <-", *ch), "reads 42", *ack) } }
}
RHO
sed -e 's/1 + 1/1 + 2/' "$dir/good_test.rho" >"$dir/bad_test.rho"
out=$("$RHOVM" test "$dir/good_test.rho")
check "rhovm test: a passing suite exits 0" test $? = 0
check "rhovm test: counts its assertions" grep -q 'good_test.rho: 3 assertions, 0 failed' <<<"$out"
out=$("$RHOVM" test "$dir/good_test.rho" "$dir/bad_test.rho")
check "rhovm test: a failed assertion exits 1" test $? = 1
check "rhovm test: names the failed assertion" grep -qF 'FAIL adds (attempt 1): one and one -- expected 2, got 3' <<<"$out"
check "rhovm test: summarises all files" grep -q '^2 files, 1 failed; 5 assertions, 1 failed$' <<<"$out"

# --seeds: the race finder. Two philosophers who take their forks in opposite orders
# may deadlock; over 50 seeds both a deadlock (no output) and a completed dinner show,
# and each outcome replays with --seed.
cat >"$dir/philosophers.rho" <<'RHO'
new north, south, o(`rho:io:stdout`) in {
  north!("knife") | south!("spoon") |
  for (@k <- north) { for (@s <- south) { o!("one ate") | north!(k) | south!(s) } } |
  for (@s <- south) { for (@k <- north) { o!("two ate") | north!(k) | south!(s) } }
}
RHO
out=$("$RHOVM" run --seeds 1..50 "$dir/philosophers.rho")
check "--seeds: reports the distinct outputs" grep -q '^seeds 1..50: [23] distinct outputs$' <<<"$out"
check "--seeds: finds the deadlock" grep -qx '(nothing)' <<<"$out"
check "--seeds: finds a completed dinner" grep -qx '"two ate"' <<<"$out"
deadlock_seed=$(grep -B1 -x '(nothing)' <<<"$out" | sed -n 's/.*(seeds \([0-9]*\).*/\1/p')
check "--seeds: a deadlock seed replays as a deadlock" test -z "$("$RHOVM" run --seed "$deadlock_seed" "$dir/philosophers.rho")"
check "--seeds: a malformed range is a usage error" \
    bash -c "'$RHOVM' run --seeds 5..1 '$dir/philosophers.rho' >/dev/null 2>&1; test \$? = 2"

# --seed: same output twice, names included
src='new o(`rho:io:stdout`), a in { o!(*a) | o!(1) | o!(2) }'
check "seed is deterministic" test "$(echo "$src" | "$RHOVM" run --seed 5 -)" = "$(echo "$src" | "$RHOVM" run --seed 5 -)"

# --max-steps stops an endless program, exit 3, and says so
out=$(echo 'for (@x <= @"t") { Nil } | @"t"!!(1)' | "$RHOVM" run --max-steps 10000 - 2>&1)
rc=$?
check "max-steps exits 3" test "$rc" = 3
check "max-steps says so" grep -q 'step limit' <<<"$out"

# The front door: --version, help, a mistyped command or option, compile with nothing
# to do, and output that cannot be written.
out=$("$RHOVM" --version)
check "--version names the release and the formats" grep -qE '^rhovm [0-9]+\.[0-9]+\.[0-9]+ \(bytecode version [0-9]+, store format [0-9]+\)$' <<<"$out"
check "rhovm version says the same" test "$("$RHOVM" version)" = "$out"
check "rhovm help lists the commands (exit 0)" bash -c "'$RHOVM' help | grep -q 'inspect'"
check "rhovm help run shows run's options" bash -c "'$RHOVM' help run | grep -q -- '--checkpoint-every'"
out=$("$RHOVM" 2>&1)
check "rhovm alone is a usage error (exit 2)" test $? = 2
check "... that shows the usage" grep -q "Usage: rhovm" <<<"$out"
out=$("$RHOVM" rn "$dir/prog.rho" 2>&1)
check "a mistyped command exits 2" test $? = 2
check "... and suggests the command" grep -q "'rn' is not a command. Did you mean 'run'?" <<<"$out"
out=$("$RHOVM" inpsect "$dir" 2>&1)
check "a transposed command is suggested too" grep -q "Did you mean 'inspect'?" <<<"$out"
out=$("$RHOVM" zzzzzz 2>&1)
check "a word near no command gets no suggestion" bash -c '! grep -q "Did you mean" <<<"$1" && grep -q "The commands are" <<<"$1"' _ "$out"
out=$("$RHOVM" run --thread 2 "$dir/prog.rho" 2>&1)
check "a mistyped option exits 2" test $? = 2
check "... and suggests the option" grep -q "unknown option --thread; did you mean --threads?" <<<"$out"
out=$("$RHOVM" compile "$dir/prog.rho" 2>&1)
check "compile with neither -o nor --disasm exits 2" test $? = 2
check "... saying there is nothing to do" grep -q "nothing to do" <<<"$out"
echo 'new o(`rho:io:stdout`) in { o!(1) }' >"$dir/one.rho"
out=$("$RHOVM" run "$dir/one.rho" 2>&1 >/dev/full)
check "output to a full disk exits 4" test $? = 4
check "... saying why" grep -q "cannot write the output: No space left on device" <<<"$out"
check "... once" test "$(grep -c 'cannot write' <<<"$out")" = 1
out=$("$RHOVM" run "$dir/one.rho" 2>&1 >&-)
check "output to a closed stdout exits 4" test $? = 4
cat >"$dir/late.rho" <<'RHO'
new o(`rho:io:stdout`), loop in { contract loop(@n) = { if (n == 0) { o!("late") } else { loop!(n - 1) } } | loop!(200000) }
RHO
"$RHOVM" run "$dir/late.rho" 2>"$dir/pipe.err" | true
check "output to a closed pipe exits 4" test "${PIPESTATUS[0]}" = 4
check "... saying Broken pipe" grep -q "Broken pipe" "$dir/pipe.err"
out=$("$RHOVM" compile --disasm "$dir/prog.rho" 2>&1 >/dev/full)
check "compile --disasm to a full disk exits 4" test $? = 4

# Run-time errors read like compile errors: the position once, the message without a
# second "Error:", the source line and a caret under the column (checked by hand: the
# `"x"` of line 3 starts at column 6).
printf 'new o(`rho:io:stdout`) in {\n  o!(1) |\n  o!("x" + 1)\n}\n' >"$dir/rt.rho"
out=$("$RHOVM" run "$dir/rt.rho" 2>&1 >/dev/null)
check "a run-time error is one report of three lines" test "$out" = "$dir/rt.rho:3:6: error: Operator \`+\` is not defined on String.
    o!(\"x\" + 1)
       ^"
esc=$(printf '\033')
out=$("$RHOVM" run --color=always "$dir/rt.rho" 2>&1 >/dev/null)
check "--color=always colours the report" grep -q "${esc}\[1;31merror:" <<<"$out"
out=$("$RHOVM" --color=never check "$dir/bad.rho" 2>&1)
check "--color=never (before the command too) does not" bash -c '! grep -q "$1" <<<"$2"' _ "$esc" "$out"
out=$("$RHOVM" run "$dir/rt.rho" 2>&1 >/dev/null)
check "auto: no colour when stderr is not a terminal" bash -c '! grep -q "$1" <<<"$2"' _ "$esc" "$out"
if command -v script >/dev/null; then
    out=$(TERM=xterm script -qec "'$RHOVM' run '$dir/rt.rho'" /dev/null 2>&1)
    check "auto: colour on a terminal" grep -q "${esc}\[1;31merror:" <<<"$out"
    out=$(NO_COLOR=1 TERM=xterm script -qec "'$RHOVM' run '$dir/rt.rho'" /dev/null 2>&1)
    check "auto: NO_COLOR turns it off on a terminal" bash -c '! grep -q "$1" <<<"$2"' _ "$esc" "$out"
fi
out=$("$RHOVM" run --color=blue "$dir/rt.rho" 2>&1)
check "--color takes auto, always or never" test $? = 2

# rnode eval's ways: -e, several files in one space, the storage contents after the run
# (RholangCLI's "Storage Contents:", --unmatched-sends-only), --quiet.
out=$("$RHOVM" run -e 'new o(`rho:io:stdout`) in { o!(6 * 7) }')
check "-e runs the program text" test "$out" = 42
printf 'contract @"svc"(@x, ret) = { ret!(x) } | @"left"!(1, 2) | for (@z <- @"w") { Nil }\n' >"$dir/lib.rho"
printf 'new o(`rho:io:stdout`), r in { @"svc"!(5, *r) | for (@v <- r) { o!(v) } }\n' >"$dir/use.rho"
out=$("$RHOVM" run "$dir/lib.rho" "$dir/use.rho")
check "several files run in one space, in order (the second calls the first's contract)" test "$out" = 5
out=$("$RHOVM" run "$dir/lib.rho" -e 'new o(`rho:io:stdout`) in { o!("e") }' "$dir/use.rho")
check "files first, then -e (a file after -e is a file)" test "$out" = $'5\n"e"'
out=$("$RHOVM" run "$dir/lib.rho" --print-storage)
check "--print-storage prints the storage contents after the run" test "$out" = '
Storage Contents:
// channel @{"left"}
@{"left"}!(1, 2) |
// channel @{"svc"}
for( @{x0}, @{x1} <= @{"svc"} ) {
  @{x1}!(x0)
} |
// channel @{"w"}
for( @{x0} <- @{"w"} ) {
  Nil
}
// 3 channels, 1 send, 2 receives'
out=$("$RHOVM" run "$dir/lib.rho" --unmatched-sends-only)
check "--unmatched-sends-only prints only the sends" test "$out" = $'\nStorage Contents:\n// channel @{"left"}\n@{"left"}!(1, 2)\n// 1 channel, 1 send, 0 receives'
out=$("$RHOVM" run -e 'Nil' --unmatched-sends-only)
check "... or says there are none" test "$out" = $'\nStorage Contents:\nNo unmatched sends.'
out=$("$RHOVM" run -e 'Nil' --print-storage)
check "--print-storage of an empty space says so" test "$out" = $'\nStorage Contents:\nThe space is empty.'
out=$("$RHOVM" run -q --stats --time --print-storage "$dir/lib.rho" 2>&1)
check "--quiet prints nothing of rhovm's own" test -z "$out"
out=$("$RHOVM" run --time -e 'new o(`rho:io:stdout`) in { o!(1 + 1) }' 2>"$dir/time.err")
check "--time leaves the program's output alone" test "$out" = 2
check "... and prints one line on stderr: the run's seconds" grep -qx 'seconds [0-9]*\.[0-9]\{6\}' "$dir/time.err"
check "... and nothing else (no --stats counts)" test "$(wc -l <"$dir/time.err")" = 1
out=$("$RHOVM" run -e 'x' "$dir/lib.rho" -e 'new o(`rho:io:stdout`) in { o!("ran") }' 2>&1)
check "a compile error in one program runs none (exit 1)" test $? = 1
check "... and names the -e text it is in" grep -q '^<-e 1>:1:1: error: Top level free variables are not allowed: x.$' <<<"$out"
check "... nothing ran" bash -c '! grep -q ran <<<"$1"' _ "$out"
out=$("$RHOVM" run 2>&1)
check "run without a program is a usage error (exit 2)" test $? = 2
check "... saying what to give" grep -q "give a program" <<<"$out"

finish
