#!/usr/bin/env bash
# `rhovm inspect` (issue 10): sorted by channel, items joined by `|` so the text is one
# Rholang process that `check` accepts and that recreates the space when run (for a
# space of public channels), a summary line, --channel, --unmatched-sends-only,
# --format json, and --stat with the figures mdb_stat gives.
# Usage: inspect_test.sh RHOVM
set -uo pipefail
# shellcheck source=check_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/check_lib.sh"
RHOVM=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/space.rho" <<'RHO'
@"zeta"!(1) | @"zeta"!!("forever") | @"alpha"!([1, 2], {"k": 3}) |
for (@b <= @"ch") { @"out"!(b) } |
contract @"svc"(@x, ret) = { ret!(x + 1) } |
for (@a <- @"j1" & @c <- @"j2") { @"joined"!(a, c) } | @"j2"!(5)
RHO
"$RHOVM" run --data-dir "$dir/s" "$dir/space.rho"
out=$("$RHOVM" inspect "$dir/s")
check "inspect exits 0" test $? = 0
# Channels in the order of their printed names: "alpha" < "ch" < "j1" < "j2" < "svc" < "zeta".
order=$(sed -n 's|^// channel ||p' <<<"$out" | tr '\n' ' ')
check "channels sorted by name (got: $order)" test "$order" = '@{"alpha"} @{"ch"} @{"j1"} @{"j2"} @{"svc"} @{"zeta"} '
check "the summary: 6 channels, 4 sends, 3 receives (the join once)" \
    test "$(tail -1 <<<"$out")" = "// 6 channels, 4 sends, 3 receives"
check "items are joined by |: 7 items, 6 joins" test "$(grep -c ' |$' <<<"$out")" = 6
echo "$out" >"$dir/inspected.rho"
"$RHOVM" check "$dir/inspected.rho"
check "rhovm check accepts the inspected text" test $? = 0
"$RHOVM" run --data-dir "$dir/again" "$dir/inspected.rho"
check "running the inspected text into a fresh space recreates it" \
    test "$("$RHOVM" inspect "$dir/again")" = "$out"

out=$("$RHOVM" inspect --channel zeta "$dir/s")
# Within a channel the items are in the order of their text ('!' sorts before '(').
check "--channel keeps the channels it names" test "$out" = '// channel @{"zeta"}
@{"zeta"}!!("forever") |
@{"zeta"}!(1)
// 1 channel, 2 sends, 0 receives'
check "--channel with no match says so" test "$("$RHOVM" inspect --channel nope "$dir/s")" = "No channel matches."
out=$("$RHOVM" inspect --unmatched-sends-only "$dir/s")
check "--unmatched-sends-only lists the sends only" test "$(tail -1 <<<"$out")" = "// 3 channels, 4 sends, 0 receives"
check "... and no receive" bash -c '! grep -q "for(" <<<"$1"' _ "$out"

json=$("$RHOVM" inspect --format json "$dir/s")
check "--format json is one JSON document with the same summary" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["summary"] == {"channels": 6, "sends": 4, "receives": 3}, d["summary"]
assert [c["channel"] for c in d["channels"]] == ["@{\"alpha\"}", "@{\"ch\"}", "@{\"j1\"}", "@{\"j2\"}", "@{\"svc\"}", "@{\"zeta\"}"]
z = [c for c in d["channels"] if c["channel"] == "@{\"zeta\"}"][0]
assert z["sends"] == ["@{\"zeta\"}!(1)", "@{\"zeta\"}!!(\"forever\")"] and z["receives"] == []
' "$json"

stat=$("$RHOVM" inspect --stat "$dir/s")
check "--stat exits 0" test $? = 0
# The figures of mdb_stat (lmdb-utils), database by database: entries and pages.
if command -v mdb_stat >/dev/null; then
    for db in data conts meta; do
        want=$(mdb_stat -s "$db" "$dir/s" | sed -n 's/^  Entries: //p')
        got=$(awk -v db="$db" '$1 == db { print $2 }' <<<"$stat")
        check "--stat: $db entries as mdb_stat ($want)" test "$got" = "$want"
        want=$(mdb_stat -s "$db" "$dir/s" | sed -n 's/^  Leaf pages: //p')
        got=$(awk -v db="$db" '$1 == db { print $5 }' <<<"$stat")
        check "--stat: $db leaf pages as mdb_stat ($want)" test "$got" = "$want"
    done
    want=$(mdb_stat -e "$dir/s" | sed -n 's/^  Page size: //p')
    check "--stat: the page size" grep -q "page size: $want bytes" <<<"$stat"
else
    echo "skipped: the mdb_stat comparison (lmdb-utils is not installed)"
fi
check "--stat --format json parses" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["pageSize"] > 0 and {x["name"] for x in d["databases"]} == {"main", "meta", "data", "conts", "waits"}
' "$("$RHOVM" inspect --stat --format json "$dir/s")"

finish
