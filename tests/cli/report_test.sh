#!/usr/bin/env bash
# What `rhovm run` tells about a run beside the program's output (issue 11):
#   --report-stuck  every send and receive left waiting, where it was made and why
#                   nothing takes it. The expected positions and reasons were read off
#                   the programs by hand (line and column of each send or `for`, what
#                   waits opposite).
#   --progress      the live status line once a run passes two seconds: on a
#                   terminal by default (checked through a pseudo-terminal with
#                   expect), erased before the program's output reaches the terminal.
#   --top           the etop-style view: busiest sequences, longest channel queues.
# Usage: report_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

has() { grep -qF -- "$2" <<<"$1"; }

cat >"$dir/stuck.rho" <<'RHO'
new hello, out(`rho:io:stdout`) in {
  contract @"hello"(@who, ret) = { ret!("hi " ++ who) } |
  new r in {
    @"helo"!("world", *r) |
    for (@greeting <- r) { out!(greeting) }
  } |
  for (@1 <- @"numbers") { Nil } |
  @"numbers"!(2) |
  for (@a <- @"left" & @b <- @"right") { Nil } |
  @"left"!(1) |
  out!(1, 2)
}
RHO
for threads in 1 2; do
    report=$("$RHOVM" run --threads "$threads" --report-stuck "$dir/stuck.rho" 2>&1 >/dev/null)
    check "exit 0 ($threads threads)" test $? -eq 0
    t="($threads threads)"
    check "summary $t" has "$report" "stuck: 4 sends and 3 receives left waiting (besides 1 contract listening)"
    check "typo send: where $t" has "$report" "stuck.rho:4:5: @{\"helo\"}!(\"world\", "
    check "typo send: why $t" has "$report" "nothing receives on @{\"helo\"}; a receive waits on @{\"hello\"}: a typo?"
    check "no match: where $t" has "$report" "stuck.rho:8:3: @{\"numbers\"}!(2)"
    check "no match: why $t" has "$report" "1 receive waits on @{\"numbers\"}, and no pattern there matches it"
    check "join half: where $t" has "$report" "stuck.rho:10:3: @{\"left\"}!(1)"
    check "join half: why $t" has "$report" "stuck.rho:9:3 would take it, once its other channels hold matching sends"
    check "system arity $t" has "$report" "stuck.rho:11:3: \`rho:io:stdout\`!(1, 2)"
    check "system arity: why $t" has "$report" "the system process on \`rho:io:stdout\` takes 1 value"
    check "receive, no send $t" has "$report" "stuck.rho:5:5: for( @{x0} <- "
    check "receive, no send: why $t" has "$report" "nothing was sent on "
    check "pattern matches none $t" has "$report" "stuck.rho:7:3: for( @{1} <- @{\"numbers\"} ) { Nil }"
    check "pattern matches none: why $t" has "$report" "@{\"numbers\"} holds 1 send, and the pattern matches none"
    check "join: where $t" has "$report" "stuck.rho:9:3: for( @{x0} <- @{\"left\"} & @{x1} <- @{\"right\"} ) { Nil }"
    check "join: why $t" has "$report" "the join waits for a matching send on @{\"right\"}"
    check "contract $t" has "$report" "stuck.rho:2:3: for( @{x0}, @{x1} <= @{\"hello\"} )"
    check "contract: listening $t" has "$report" "listening on @{\"hello\"}"
done
# Listed in source order: the send of line 4 before that of line 8, 10 and 11.
order=$(grep -o 'stuck.rho:[0-9]*:[0-9]*: [@`]' <<<"$report" | cut -d: -f2 | tr '\n' ' ')
check "sends in source order" test "$order" = "4 8 10 11 "

# Without the flag: no report.
plain=$("$RHOVM" run --threads 1 "$dir/stuck.rho" 2>&1 >/dev/null)
check "no report unless asked" test -z "$plain"

# Everything met: nothing is stuck.
echo 'new x in { x!(1) | for (_ <- x) { Nil } }' >"$dir/done.rho"
report=$("$RHOVM" run --report-stuck "$dir/done.rho" 2>&1 >/dev/null)
check "nothing stuck" has "$report" "stuck: nothing; no send or receive is left waiting"

# 100 sends made at one place on one channel fold into one line.
cat >"$dir/fold.rho" <<'RHO'
new loop in {
  contract loop(@n) = { if (n > 0) { @"sink"!(n) | loop!(n - 1) } } |
  loop!(100)
}
RHO
report=$("$RHOVM" run --report-stuck "$dir/fold.rho" 2>&1 >/dev/null)
check "folded: summary" has "$report" "stuck: 100 sends and 0 receives left waiting (besides 1 contract listening)"
check "folded: one line" has "$report" "(x100)"
check "folded: where" has "$report" "fold.rho:2:38: @{\"sink\"}!("
check "folded: why" has "$report" "nothing receives on @{\"sink\"}"

# What an earlier run left in a data directory has no known origin.
echo '@"left over"!(7)' >"$dir/leave.rho"
"$RHOVM" run --data-dir "$dir/space" "$dir/leave.rho" >/dev/null 2>&1
echo 'Nil' >"$dir/nil.rho"
report=$("$RHOVM" run --data-dir "$dir/space" --report-stuck "$dir/nil.rho" 2>&1 >/dev/null)
check "earlier run: unknown origin" has "$report" "(unknown): @{\"left over\"}!(7)"

# The live status: a run of about three seconds (a counting loop stopped by --timeout).
cat >"$dir/loop.rho" <<'RHO'
new loop, out(`rho:io:stdout`) in {
  contract loop(@n) = { if (n % 100000 == 0) { out!(n) } | loop!(n + 1) } | loop!(0)
}
RHO
"$RHOVM" run --progress always --timeout 3 "$dir/loop.rho" >"$dir/loop.out" 2>"$dir/loop.err"
check "status run: stopped by the limit (exit 3)" test $? -eq 3
err=$(cat "$dir/loop.err")
check "status: rates" grep -qE 'rhovm 2\.[0-9]s: [0-9.]+[kM]? reductions/s, [0-9.]+[kM]? COMMs/s, ' "$dir/loop.err"
check "status: the contract is the one parked continuation" grep -qE ' live machines?, 1 parked' "$dir/loop.err"
check "status: one machine is singular" bash -c '! grep -q ", 1 live machines" "$1"' _ "$dir/loop.err"
check "status: erased before the closing message" has "$err" $'\r\e[Krhovm: the time limit of 3 seconds'
check "status: not in the program's output" bash -c "! grep -q 'reductions/s' '$dir/loop.out'"
check "status: the program's output intact" bash -c "head -2 '$dir/loop.out' | tr '\n' ' ' | grep -qx '0 100000 '"
"$RHOVM" run --progress never --timeout 2.5 "$dir/loop.rho" >/dev/null 2>"$dir/never.err"
check "--progress never: no status" bash -c "! grep -q 'reductions/s' '$dir/never.err'"
"$RHOVM" run --timeout 2.5 "$dir/loop.rho" >/dev/null 2>"$dir/auto.err"
check "auto, stderr not a terminal: no status" bash -c "! grep -q 'reductions/s' '$dir/auto.err'"

# On a terminal (auto): the status appears, and each line of the program's output
# erases it before it is written (never "...parked300000").
if command -v expect >/dev/null; then
    RHOVM_BIN=$RHOVM LOOP=$dir/loop.rho expect -f - >"$dir/pty.log" 2>&1 <<'EXP'
set timeout 20
spawn $env(RHOVM_BIN) run --timeout 4 $env(LOOP)
expect {
    -re {parked\r\x1b\[K[0-9]+\r\n} { puts "\nPTY-ERASED" }
    timeout { puts "\nPTY-TIMEOUT"; exit 1 }
    eof { puts "\nPTY-EOF"; exit 1 }
}
expect eof
EXP
    check "terminal: the status erased before program output" grep -q PTY-ERASED "$dir/pty.log"
    check "terminal: no output run into the status" bash -c "! grep -qE 'parked[0-9]' '$dir/pty.log'"
else
    check "expect is installed (scripts/setup.sh)" false
fi

# --top: a loop that piles messages on @"sink" for about two and a half seconds.
cat >"$dir/pile.rho" <<'RHO'
new loop, out(`rho:io:stdout`) in {
  contract loop(@n) = { @"sink"!(n) | if (n == 0) { out!("started") } | loop!(n + 1) } | loop!(0)
}
RHO
"$RHOVM" run --top --timeout 2.5 "$dir/pile.rho" >"$dir/top.out" 2>"$dir/top.err"
check "top: stopped by the limit (exit 3)" test $? -eq 3
top=$(cat "$dir/top.err")
check "top: two frames or more" test "$(grep -c '^rhovm top ' "$dir/top.err")" -ge 2
check "top: header" has "$top" "SEQUENCE (machines ended)"
check "top: the loop's body is a busy sequence" grep -qE 'pile\.rho:2:[0-9]+ +[0-9.]+[kM] +[0-9.]+[kM]' "$dir/top.err"
check "top: the pile is the longest queue" grep -qE '^@\{"sink"\} +[0-9.]+[kM]? +0$' "$dir/top.err"
check "top: the program's output" test "$(head -1 "$dir/top.out")" = '"started"'
check "top: not in the program's output" bash -c "! grep -q 'rhovm top' '$dir/top.out'"

# On a terminal: the alternate screen, and the program's output only after the run.
if command -v expect >/dev/null; then
    RHOVM_BIN=$RHOVM PILE=$dir/pile.rho expect -f - >"$dir/toppty.log" 2>&1 <<'EXP'
set timeout 20
spawn $env(RHOVM_BIN) run --top --timeout 2.5 $env(PILE)
expect eof
EXP
    check "terminal top: alternate screen" grep -qF $'\e[?1049h' "$dir/toppty.log"
    check "terminal top: the output after the view" bash -c "sed -n \$'/\\e\\[?1049l/,\$p' '$dir/toppty.log' | grep -q started"
else
    check "expect is installed (scripts/setup.sh)" false
fi

finish
