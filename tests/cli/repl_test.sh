#!/usr/bin/env bash
# End-to-end tests of `rhovm repl`: through a pseudo-terminal with expect (libedit's
# prompt and continuation, Ctrl-C at the prompt and during a run, the history, UTF-8,
# errors with their caret, a durable space, `rhovm` alone on a terminal), then with
# entries piped in (no terminal: no prompt, entries run in order).
# Usage: repl_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1

if ! command -v expect >/dev/null; then
    echo "FAIL: expect is not installed (scripts/setup.sh installs it); the terminal tests cannot run"
    exit 1
fi

# The expect part prints PASS/FAIL lines; every `step` waits for its text (10 s at most).
cat >session.exp <<'EXP'
set timeout 10
# Text sent to the terminal is UTF-8 whatever the locale of the machine running the test.
encoding system utf-8
set rhovm [lindex $argv 0]
set dir [lindex $argv 1]
proc step {name text} {
    expect {
        -ex $text { puts "\nPASS: $name" }
        timeout { puts "\nFAIL: $name (waited for: $text)" }
        eof { puts "\nFAIL: $name (the REPL ended; waited for: $text)" }
    }
}
proc done {name} {
    expect {
        eof { puts "\nPASS: $name" }
        timeout { puts "\nFAIL: $name (still running)"; exec kill -9 [exp_pid] }
    }
    lassign [wait] pid spawnid oserr status
    if {$status == 0} { puts "\nPASS: $name: exit 0" } else { puts "\nFAIL: $name: exit $status" }
}

# --- an in-memory session ---
spawn env TERM=xterm NO_COLOR=1 $rhovm repl --history $dir/history
step "banner" "Rholang REPL"
step "in memory" "The space: in memory"
step "prompt" "rho> "
# A contract over two lines: the first leaves a brace open, so the prompt continues.
send "contract @\"double\"(@x, ret) = {\r"
step "continuation prompt" "...> "
send "  ret!(x * 2) }\r"
step "entry ran: prompt again" "rho> "
send "new out(`rho:io:stdout`) in { @\"double\"!(21, *out) }\r"
step "the contract of the earlier entry answers" "42"
step "prompt after output" "rho> "
# A trailing | continues the entry too.
send "new out(`rho:io:stdout`) in { out!(\"a\") } |\r"
step "trailing bar continues" "...> "
send "new out(`rho:io:stdout`) in { out!(\"b\") }\r"
expect -re {"[ab]"[^"]*"[ab]"} { puts "\nPASS: both halves ran" } timeout { puts "\nFAIL: both halves ran" }
step "prompt after the two" "rho> "
# Ctrl-C drops the entry being typed: the next prompt is a fresh one, not a continuation.
send "new x in {\r"
step "open entry" "...> "
send "\x03"
step "Ctrl-C echoed" "^C"
step "fresh prompt after Ctrl-C" "rho> "
send "new out(`rho:io:stdout`) in { out!(\"fresh\") }\r"
step "the dropped entry left nothing open" "\"fresh\""
step "prompt" "rho> "
# Ctrl-C during a run that never ends stops that run; the session goes on.
send "new loop in { contract loop(@n) = { loop!(n + 1) } | loop!(0) }\r"
sleep 0.5
send "\x03"
step "run interrupted" "interrupted: the entry's processes were stopped"
step "prompt after the interrupt" "rho> "
send "new out(`rho:io:stdout`) in { out!(\"after\") }\r"
step "entries run after an interrupt" "\"after\""
step "prompt" "rho> "
# Up-arrow recalls the last entry (the history); Enter runs it again.
send "\033\[A"
step "history recalls the entry" "out!(\"after\")"
send "\r"
step "the recalled entry ran" "\"after\""
step "prompt" "rho> "
# UTF-8 typed at the terminal reaches the program intact.
send "new out(`rho:io:stdout`) in { out!(\"h\u00e9llo \u03bb\") }\r"
step "UTF-8 round trip" "\"h\u00e9llo \u03bb\""
step "prompt" "rho> "
# A compile error: the entry's name, line:col, the source line and a caret.
send "@\"x\"!(y)\r"
step "compile error position" "<repl:9>:1:7: error: Top level free variables are not allowed: y."
step "compile error caret" "^"
step "prompt" "rho> "
send ".space \"double\"\r"
step ".space lists the contract" "<= @{\"double\"}"
step ".space summary" "// 1 channel, 0 sends, 1 receive"
send ".dis\r"
step ".dis shows the last entry" "sequence 0"
send ".checkpoint\r"
step ".checkpoint in memory says why not" "No data directory"
send ".help\r"
step ".help" ".load FILE"
send ".quit\r"
done ".quit ends the session"

# --- a durable session: entries are kept at the end of the session ---
spawn env TERM=xterm $rhovm repl --no-history --data-dir $dir/space
step "durable banner" "The space: $dir/space (0 channels)"
step "prompt" "rho> "
send "@\"keep\"!(7)\r"
step "prompt" "rho> "
send ".quit\r"
step "checkpoint at the end" "Checkpointed to $dir/space."
done "durable session ends"

# --- a second one: .reset goes back to the last checkpoint; Ctrl-D ends ---
spawn env TERM=xterm $rhovm repl --no-history --data-dir $dir/space
step "durable banner again" "(1 channels)"
step "prompt" "rho> "
send "@\"drop\"!(1)\r"
step "prompt" "rho> "
set inspect [exec $rhovm inspect $dir/space]
if {[string first "@{\"keep\"}!(7)" $inspect] >= 0} { puts "\nPASS: inspect beside the open REPL" } else { puts "\nFAIL: inspect beside the open REPL: $inspect" }
if {[catch {exec $rhovm run --data-dir $dir/space -e Nil} msg opts]} {
    set code [lindex [dict get $opts -errorcode] 2]
    if {$code == 4} { puts "\nPASS: another writer is refused (exit 4)" } else { puts "\nFAIL: another writer: exit $code: $msg" }
} else { puts "\nFAIL: another writer ran beside the REPL" }
send ".reset\r"
step ".reset" "Back to the last checkpoint of $dir/space."
send ".space\r"
step ".space after .reset keeps the checkpoint" "@{\"keep\"}!(7)"
step "summary after .reset: no drop" "// 1 channel, 1 send, 0 receives"
# Ctrl-D at an empty prompt (sent before libedit has the terminal, it would be a NUL byte).
step "prompt" "rho> "
send "\x04"
done "Ctrl-D ends the session"

# --- rhovm alone on a terminal is the REPL ---
spawn env TERM=xterm RHOVM_HISTORY=$dir/history2 $rhovm
step "rhovm alone: the REPL" "Rholang REPL"
step "prompt" "rho> "
send "new out(`rho:io:stdout`) in { out!(3 * 5) }\r"
step "rhovm alone runs entries" "15"
send ".exit\r"
done "rhovm alone: .exit"
EXP

expect -f session.exp "$RHOVM" "$dir" >expect.log 2>&1
passes=$((passes + $(grep -c '^PASS:' expect.log)))
fails=$(grep -c '^FAIL:' expect.log)
if [ "$fails" -ne 0 ]; then
    grep '^FAIL:' expect.log
    echo "--- the terminal session ---"
    cat expect.log
fi
failures=$((failures + fails))

# The history file holds the entries, the multi-line one included.
check "history file written" test -s history
# libedit writes it vis(3)-encoded: a space as \040, a newline as \012.
check "history holds an entry" grep -qF 'out!("after")' history
check "history holds the multi-line entry as one" grep -qF 'contract\040@"double"(@x,\040ret)\040=\040{\012' history
check "history: the durable runs kept none" test ! -e "$dir/space/history"

# The durable space after both sessions: keep, and no drop.
out=$("$RHOVM" inspect space)
check "durable: the entry of the first session is kept" grep -qxF '@{"keep"}!(7)' <<<"$out"
check "durable: the entry before .reset is gone" test "$(grep -c drop <<<"$out")" = 0

# No terminal: entries piped in run in order, with no prompt or banner.
out=$(printf 'contract @"inc"(@x, ret) = {\n  ret!(x + 1)\n}\nnew out(`rho:io:stdout`) in { @"inc"!(41, *out) }\n.space "inc"\n' |
    "$RHOVM" repl --no-history 2>&1)
check "piped: the contract answers the later entry" grep -qxF 42 <<<"$out"
check "piped: no prompt" test "$(grep -c 'rho>' <<<"$out")" = 0
check "piped: .space" grep -qF '<= @{"inc"}' <<<"$out"
# .load runs a file in the space; .dis PROGRAM lists bytecode without running it.
echo 'contract @"twice"(@s, ret) = { ret!(s ++ s) }' >lib.rho
out=$(printf '.load lib.rho\nnew out(`rho:io:stdout`) in { @"twice"!("ab", *out) }\n.dis @"never"!(1)\n.space never\n' |
    "$RHOVM" repl --no-history 2>&1)
check "piped: .load" grep -qxF '"abab"' <<<"$out"
check "piped: .dis PROGRAM lists it" grep -qF '"never"' <<<"$out"
check "piped: .dis PROGRAM runs nothing" grep -qxF 'No channel matches.' <<<"$out"
check "piped: .load of a missing file" bash -c "printf '.load nope.rho\n' | '$RHOVM' repl --no-history 2>&1 | grep -qxF 'rhovm: cannot read nope.rho'"
# An entry still open at the end of the input runs (and its error is reported).
out=$(printf 'new out(`rho:io:stdout`) in { out!(1 + }' | "$RHOVM" repl --no-history 2>&1)
check "piped: an unfinished entry is compiled at the end" grep -qF '<repl:1>:1:' <<<"$out"
check "piped: an unknown command" bash -c "printf '.nope\n' | '$RHOVM' repl --no-history 2>&1 | grep -qF 'Unknown command .nope'"
finish
