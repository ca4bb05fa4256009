#!/usr/bin/env bash
# End-to-end tests of `rhovm check`: both formats (text as `run` prints it, JSON),
# exit codes 0/1/2, line/column of every diagnostic, JSON escaping, stdin, .rbc files.
# Expected positions are counted by hand from the programs below.
# Usage: check_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$(realpath "$1") # absolute: the tests run inside $dir
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1

# Runs rhovm with the remaining arguments; sets $out, $err and $rc.
rhovm() {
    out=$("$RHOVM" "$@" 2>"$dir/stderr")
    rc=$?
    err=$(cat "$dir/stderr")
}

# The JSON in $out parses, and the Python expression $1 holds for it (as d); when
# python3 is absent the check is skipped and counted as passed (it is only a parse check).
if command -v python3 >/dev/null; then
    has_python=1
else
    has_python=0
    echo "note: no python3, JSON parse checks skipped"
fi
json_holds() {
    [ "$has_python" = 0 ] && return 0
    python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" <<<"$out" 2>/dev/null
}

# A clean program: exit 0, nothing on either stream; JSON lists no diagnostics.
echo 'new o(`rho:io:stdout`) in { o!(1 + 1) }' >ok.rho
rhovm check ok.rho
check "clean: exit 0" test "$rc" = 0
check "clean: nothing on stdout" test -z "$out"
check "clean: nothing on stderr" test -z "$err"
# An unknown URN is found without running anything, at its `new` (line 2, column 3);
# known ones (system processes, deploy values) pass.
printf 'new o(`rho:io:stdout`), d(`rho:rchain:deployerId`), h(`rho:crypto:sha256Hash`) in {\n  new x(`rho:nope`) in { x!(1) } }\n' >urn.rho
rhovm check urn.rho
check "unknown URN: exit 1" test "$rc" = 1
check "unknown URN: named at its position" grep -qF 'urn.rho:2:7: error: No value set for `rho:nope`' <<<"$err"
check "unknown URN: only that one" test "$(grep -c 'error:' <<<"$err")" = 1
rhovm check --format json ok.rho
check "clean json: exit 0" test "$rc" = 0
check "clean json: the document" test "$out" = '{
  "file": "ok.rho",
  "diagnostics": []
}'
check "clean json: nothing on stderr" test -z "$err"
check "clean json: parses" json_holds 'd == {"file": "ok.rho", "diagnostics": []}'
check "clean: check runs nothing" test -z "$("$RHOVM" check ok.rho 2>&1)"

# Two undefined variables: x at 2:6 (two spaces, then o ! ( x), yy at 3:8 (four spaces);
# each spans its name, so the ends (one past the last character) are 2:7 and 3:10.
printf 'new o(`rho:io:stdout`) in {\n  o!(x) |\n    o!(yy)\n}\n' >two.rho
rhovm check two.rho
check "two errors: exit 1" test "$rc" = 1
check "two errors: nothing on stdout" test -z "$out"
expected_text='two.rho:2:6: error: Top level free variables are not allowed: x.
    o!(x) |
       ^
two.rho:3:8: error: Top level free variables are not allowed: yy.
      o!(yy)
         ^'
check "two errors: text is the run rendering" test "$err" = "$expected_text"
check "two errors: same text as run" test "$err" = "$("$RHOVM" run two.rho 2>&1)"
rhovm check --format json two.rho
check "two errors json: exit 1" test "$rc" = 1
check "two errors json: nothing on stderr" test -z "$err"
expected_json='{
  "file": "two.rho",
  "diagnostics": [
    {
      "file": "two.rho",
      "line": 2,
      "column": 6,
      "endLine": 2,
      "endColumn": 7,
      "severity": "error",
      "message": "Top level free variables are not allowed: x."
    },
    {
      "file": "two.rho",
      "line": 3,
      "column": 8,
      "endLine": 3,
      "endColumn": 10,
      "severity": "error",
      "message": "Top level free variables are not allowed: yy."
    }
  ]
}'
check "two errors json: the document" test "$out" = "$expected_json"
check "two errors json: parses, both positions" \
    json_holds '[(x["line"], x["column"], x["endLine"], x["endColumn"]) for x in d["diagnostics"]] == [(2, 6, 2, 7), (3, 8, 3, 10)]'

# A syntax error: the '}' is character 16 of `new o in { o!( }`; the parser spans it.
echo 'new o in { o!( }' >syntax.rho
rhovm check syntax.rho
check "syntax: exit 1" test "$rc" = 1
check "syntax: text" test "$err" = "syntax.rho:1:16: error: syntax error, unexpected '}'
  new o in { o!( }
                 ^"
rhovm check --format json syntax.rho
check "syntax json: exit 1" test "$rc" = 1
check "syntax json: the document" test "$out" = '{
  "file": "syntax.rho",
  "diagnostics": [
    {
      "file": "syntax.rho",
      "line": 1,
      "column": 16,
      "endLine": 1,
      "endColumn": 17,
      "severity": "error",
      "message": "syntax error, unexpected '"'}'"'"
    }
  ]
}'

# A lexer error whose message holds quotes and a backslash: \q at 1:9-1:11 in @"a"!("x\q").
echo '@"a"!("x\q")' >lex.rho
rhovm check lex.rho
check "lexer: exit 1" test "$rc" = 1
check "lexer: text" grep -qxF "lex.rho:1:9: error: Illegal escape sequence '\\q' in string" "$dir/stderr"
rhovm check --format json lex.rho
check "lexer json: exit 1" test "$rc" = 1
check "lexer json: backslash escaped" grep -qxF '      "message": "Illegal escape sequence '"'\\\\q'"' in string"' <<<"$out"
check "lexer json: span" grep -qzF '"line": 1,
      "column": 9,
      "endLine": 1,
      "endColumn": 11,' <<<"$out"
check "lexer json: parses, message intact" json_holds 'd["diagnostics"][0]["message"] == "Illegal escape sequence '"'\\\\q'"' in string"'

# A raw tab inside the message (the lexer quotes the escaped character as it is): \u0009.
printf '@"a"!("x\\\t")\n' >tab.rho
rhovm check --format json tab.rho
check "control character json: \\t" grep -qF "\"message\": \"Illegal escape sequence '\\\\\\t' in string\"" <<<"$out"
check "control character json: parses" json_holds 'd["diagnostics"][0]["message"] == "Illegal escape sequence '"'\\\\\\t'"' in string"'

# Non-ASCII: é passes through as UTF-8; a stray \xff byte (not UTF-8) becomes \ufffd.
printf '@"a"!(1) | \xc3\xa9\n' >utf8.rho
printf '@"a"!(1) | \xff\n' >bad_utf8.rho
rhovm check --format json utf8.rho
check "utf-8 json: passed through" grep -qF "\"message\": \"Illegal character '$(printf '\xc3\xa9')'\"" <<<"$out"
check "utf-8 json: parses" json_holds 'd["diagnostics"][0]["message"] == "Illegal character \u0027\u00e9\u0027"'
rhovm check --format json bad_utf8.rho
check "invalid utf-8 json: U+FFFD" grep -qF "\"message\": \"Illegal character '$(printf '\xef\xbf\xbd')'\"" <<<"$out"
check "invalid utf-8 json: parses" json_holds 'd["diagnostics"][0]["message"] == "Illegal character \u0027\ufffd\u0027"'

# A file name with a quote and a backslash is escaped in both "file" fields.
echo '@"c"!(z)' >'q"b\c.rho'
rhovm check --format json 'q"b\c.rho'
check "file name json: escaped" grep -qxF '  "file": "q\"b\\c.rho",' <<<"$out"
check "file name json: parses" json_holds 'd["file"] == "q\"b\\c.rho" and d["diagnostics"][0]["file"] == d["file"]'

# stdin: - reads the program, which is called <stdin>; x is at 1:7 in @"c"!(x).
out=$(echo '@"c"!(x)' | "$RHOVM" check - 2>"$dir/stderr")
rc=$?
check "stdin: exit 1" test "$rc" = 1
check "stdin: text" grep -qxF '<stdin>:1:7: error: Top level free variables are not allowed: x.' "$dir/stderr"
out=$(echo '@"c"!(x)' | "$RHOVM" check --format json -)
rc=$?
check "stdin json: exit 1" test "$rc" = 1
check "stdin json: file and position" grep -qzF '"file": "<stdin>",
      "line": 1,
      "column": 7,
      "endLine": 1,
      "endColumn": 8,' <<<"$out"
check "stdin clean: exit 0" bash -c "echo 'Nil' | '$RHOVM' check -"

# Unreadable files: a missing one and a directory -> exit 2, a message, no JSON.
rhovm check --format json missing.rho
check "missing: exit 2" test "$rc" = 2
check "missing: says so" test "$err" = "rhovm: cannot read missing.rho"
check "missing: nothing on stdout" test -z "$out"
mkdir adir
rhovm check adir
check "directory: exit 2" test "$rc" = 2
check "directory: says so" test "$err" = "rhovm: cannot read adir"
rhovm check --format xml ok.rho
check "unknown format: exit 2" test "$rc" = 2

# .rbc files are decoded and validated; a bad one is an error without a position.
"$RHOVM" compile -o ok.rbc ok.rho
rhovm check ok.rbc
check "rbc: clean" test "$rc:$out:$err" = "0::"
head -c 20 ok.rbc >trunc.rbc
rhovm check trunc.rbc
check "truncated rbc: exit 1" test "$rc" = 1
check "truncated rbc: same text as run" test "$err" = "$("$RHOVM" run trunc.rbc 2>&1)"
rhovm check --format json trunc.rbc
check "truncated rbc json: no position" grep -qzF '"line": 0,
      "column": 0,
      "endLine": 0,
      "endColumn": 0,' <<<"$out"
check "truncated rbc json: parses" json_holds '"truncated" in d["diagnostics"][0]["message"]'

finish
