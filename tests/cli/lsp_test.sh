#!/usr/bin/env bash
# `rhovm lsp` (issue 11) through a scripted JSON-RPC session: initialize, open a
# document, ask for definitions, references, hovers and the document's symbols, change
# it into programs with errors, shut down. The expected positions were counted by hand
# on the document below (LSP positions are 0-based: line 6, column 24 is {5, 23}); a
# diagnostic's message must be the one `rhovm check --format json` gives.
# Usage: lsp_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
trap "rm -rf $dir" EXIT

has_text() { grep -qF -- "$2" <<<"$1"; }
msg() { printf 'Content-Length: %d\r\n\r\n%s' "${#1}" "$1"; }
json_string() { jq -Rs . <<<"$1" | sed 's/\\n"$/"/'; } # text as a JSON string (without the here-string's newline)

doc='new out(`rho:io:stdout`), greeter in {
  contract greeter(@name, ret) = {
    ret!("hello " ++ name)
  } |
  new r in {
    greeter!("world", *r) |
    for (@msg <- r) { out!(msg) }
  }
}'
bad='new x in { y!(1) }'
broken='new x in { x!(1) '
printf '%s' "$bad" >"$dir/bad.rho"
quoted='contract @"hello"(@who) = { Nil } |
@"hello"!("x")'
uri='file:///work/greeter.rho'
uri2='file:///work/hello.rho'
td="{\"uri\":\"$uri\"}"
{
    msg '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
    msg '{"jsonrpc":"2.0","method":"initialized","params":{}}'
    msg "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"$uri\",\"languageId\":\"rholang\",\"version\":1,\"text\":$(json_string "$doc")}}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/definition\",\"params\":{\"textDocument\":$td,\"position\":{\"line\":5,\"character\":23}}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"textDocument/references\",\"params\":{\"textDocument\":$td,\"position\":{\"line\":2,\"character\":21},\"context\":{\"includeDeclaration\":true}}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"textDocument/hover\",\"params\":{\"textDocument\":$td,\"position\":{\"line\":6,\"character\":27}}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"textDocument/hover\",\"params\":{\"textDocument\":$td,\"position\":{\"line\":2,\"character\":4}}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"textDocument/hover\",\"params\":{\"textDocument\":$td,\"position\":{\"line\":6,\"character\":22}}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"textDocument/documentSymbol\",\"params\":{\"textDocument\":$td}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"textDocument/definition\",\"params\":{\"textDocument\":$td,\"position\":{\"line\":3,\"character\":0}}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"textDocument/definition\",\"params\":{\"textDocument\":$td,\"position\":{\"line\":5,\"character\":4}}}"
    msg "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{\"textDocument\":{\"uri\":\"$uri\",\"version\":2},\"contentChanges\":[{\"text\":$(json_string "$bad")}]}}"
    msg "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{\"textDocument\":{\"uri\":\"$uri\",\"version\":3},\"contentChanges\":[{\"text\":$(json_string "$broken")}]}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"textDocument/definition\",\"params\":{\"textDocument\":$td,\"position\":{\"line\":0,\"character\":4}}}"
    msg "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"$uri2\",\"languageId\":\"rholang\",\"version\":1,\"text\":$(json_string "$quoted")}}}"
    msg "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"textDocument/definition\",\"params\":{\"textDocument\":{\"uri\":\"$uri2\"},\"position\":{\"line\":1,\"character\":2}}}"
    msg '{"jsonrpc":"2.0","id":10,"method":"workspace/noSuchThing","params":{}}'
    msg '{"jsonrpc":"2.0","id":11,"method":"shutdown"}'
    msg '{"jsonrpc":"2.0","method":"exit"}'
} >"$dir/in"
"$RHOVM" lsp <"$dir/in" >"$dir/out" 2>"$dir/err"
check "exit 0 after shutdown and exit" test $? -eq 0
tr -d '\r' <"$dir/out" | sed 's/Content-Length: [0-9]*//g' | jq -c . >"$dir/messages" 2>"$dir/jq.err"
check "every answer is framed JSON" test ! -s "$dir/jq.err"
reply() { jq -c "select(.id == $1)" "$dir/messages"; }
q() { jq -r "$2" <<<"$(reply "$1")"; }

check "initialize: capabilities" test "$(q 1 '.result.capabilities | [.definitionProvider, .referencesProvider, .hoverProvider, .documentSymbolProvider, .textDocumentSync] | map(tostring) | join(",")')" = "true,true,true,true,1"
diags=$(jq -c "select(.method == \"textDocument/publishDiagnostics\" and .params.uri == \"$uri\") | .params.diagnostics" "$dir/messages")
check "three diagnostics notices (open, two changes)" test "$(wc -l <<<"$diags")" -eq 3
check "open: a clean document" test "$(sed -n 1p <<<"$diags")" = "[]"
check "definition of r (6:24) is its new (5:7)" test "$(q 2 '.result.range.start | "\(.line):\(.character)"')" = "4:6"
check "definition: the same document" test "$(q 2 '.result.uri')" = "$uri"
check "references of name: its formal and its use" test "$(q 3 '[.result[].range.start | "\(.line):\(.character)"] | join(" ")')" = "1:20 2:21"
check "hover msg: a process from the for" test "$(q 4 '.result.contents.value')" = '`msg`: a process, bound by a for'"'"'s pattern at 7:11; 1 use'
check "hover ret: a name from the formals" test "$(q 5 '.result.contents.value')" = '`ret`: a name, bound by a contract'"'"'s formals at 2:27; 1 use'
check "hover out: a name from new" test "$(q 6 '.result.contents.value')" = '`out`: a name, bound by new at 1:5; 1 use'
check "symbols: the contract greeter" test "$(q 7 '[.result[] | "\(.name) \(.kind) \(.selectionRange.start.line):\(.selectionRange.start.character)"] | join(",")')" = "greeter 12 1:11"
check "no variable there: null" test "$(q 8 '.result')" = "null"
want=$("$RHOVM" check --format json "$dir/bad.rho" | jq -r '.diagnostics[0].message')
check "change: the error check gives" test "$(sed -n 2p <<<"$diags" | jq -r '.[0].message')" = "$want"
check "change: its range" test "$(sed -n 2p <<<"$diags" | jq -r '.[0].range.start | "\(.line):\(.character)"')" = "0:11"
check "a syntax error is reported" test "$(sed -n 3p <<<"$diags" | jq 'length')" -ge 1
check "navigation keeps the last version that parsed" test "$(q 9 '.result.range.start | "\(.line):\(.character)"')" = "0:4"
# The call greeter!(...) is at 6:5: its contract (2:12) first, then its new (1:27).
check "definition of a contract's name: the contract, then the new" test "$(q 12 '[.result[].range.start | "\(.line):\(.character)"] | join(" ")')" = "1:11 0:26"
check "definition of a quoted channel: its contract" test "$(q 13 '.result.range.start | "\(.line):\(.character)"')" = "0:9"
check "unknown method: error -32601" test "$(q 10 '.error.code')" = "-32601"
check "shutdown: null" test "$(q 11 '.result')" = "null"

# A malformed notification (no document) and a body that is not JSON do not stop it.
out=$({
    msg '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{}}'
    msg '{"jsonrpc":"2.0",'
    msg '{"jsonrpc":"2.0","id":1,"method":"shutdown"}'
    msg '{"jsonrpc":"2.0","method":"exit"}'
} | "$RHOVM" lsp)
check "malformed input: still serves, exits 0" test $? -eq 0
check "malformed input: a parse error answered" has_text "$out" '"code":-32700'
check "malformed input: shutdown answered" has_text "$out" '{"id":1,"jsonrpc":"2.0","result":null}'

# Without shutdown, exit gives 1 (the protocol's rule).
msg '{"jsonrpc":"2.0","method":"exit"}' | "$RHOVM" lsp >/dev/null
check "exit without shutdown: 1" test $? -eq 1

finish
