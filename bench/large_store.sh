#!/usr/bin/env bash
# A space larger than memory (issue 9): a run reads a channel from the store when it
# first touches it, so its start and its memory do not grow with the store.
# Fills a store of GIB GiB (default 10) in runs of about 1 GiB each (10^5 channels
# @["k", i], each holding one datum of about 10 KiB), then measures, as wall time
# and peak resident memory (private, and the store's mapped pages apart):
#   open      `rhovm run` of Nil on the store (attach, the system processes, exit)
#   touch 1%  a run that peeks at every 100th channel (1% of them; a peek leaves the
#             store as it was, so the run writes nothing) and counts what it read
#   send 1    a run that sends one datum: its checkpoint writes one record, and (the
#             first commit of an open store) walks every branch and leaf page first,
#             so that LMDB never writes through a damaged one
#   verify    `rhovm verify`, which reads every record (what opening the store cost
#             before, when a run loaded all of it)
#   bash bench/large_store.sh [RHOVM]      GIB=10 DIR=/path/to/store KEEP=1 (keep it)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=release_rhovm.sh
source bench/release_rhovm.sh
GIB=${GIB:-10}
work=$(mktemp -d)
DIR=${DIR:-$work/store}
cleanup() {
    rm -rf "$work"
    [ -n "${KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
per=100000                                      # channels a fill run adds (~1 GiB)
total=$((GIB * 1024 * 1024 * 1024 / 10240))     # channels of ~10 KiB for GIB GiB
big=$(head -c 10200 /dev/zero | tr '\0' 'x')
# [measure LABEL CMD...]: wall seconds of CMD and the peaks of its private memory
# (RssAnon) and of the store's pages it has mapped (RssFile: LMDB's map, shared and
# reclaimable page cache), sampled every 2 ms; its stderr kept in $work/err.
measure() {
    local label=$1
    shift
    python3 - "$work/err" "$@" <<'PY' | sed "s/^/$label /"
import subprocess, sys, time
def rss(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssFile:")):
                    k, v = line.split(":")
                    out[k] = int(v.split()[0]) / 1024
    except OSError:
        pass
    return out
start = time.monotonic()
peak = {"RssAnon": 0.0, "RssFile": 0.0}
with open(sys.argv[1], "w") as err:
    p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    while p.poll() is None:
        for k, v in rss(p.pid).items():
            peak[k] = max(peak[k], v)
        time.sleep(0.002)
wall = time.monotonic() - start
print(f"{wall:10.3f} s {peak['RssAnon']:10.1f} MiB {peak['RssFile']:10.1f} MiB  exit {p.returncode}")
PY
}
if [ ! -f "$DIR/data.mdb" ]; then
    echo "filling $DIR with $total channels (~$GIB GiB) in runs of $per"
    for ((from = 0; from < total; from += per)); do
        to=$((from + per < total ? from + per : total))
        cat >"$work/fill.rho" <<RHO
new fill in { contract fill(@i) = { if (i < $to) { @["k", i]!((i, "$big")) | fill!(i + 1) } } | fill!($from) }
RHO
        "$RHOVM" run --threads 2 --data-dir "$DIR" "$work/fill.rho" >/dev/null
    done
fi
echo "store: $(du -sh "$DIR/data.mdb" | cut -f1) on disk"
echo Nil >"$work/nil.rho"
cat >"$work/touch.rho" <<RHO
new touch in { contract touch(@i) = { if (i < $total) { for (@_ <<- @["k", i]) { Nil } | touch!(i + 100) } } | touch!(0) }
RHO
printf '%-9s %12s %14s %14s\n' "" "wall" "private" "store pages"
measure "open    " "$RHOVM" run --threads 2 --data-dir "$DIR" "$work/nil.rho"
measure "touch 1%" "$RHOVM" run --stats --threads 2 --data-dir "$DIR" "$work/touch.rho"
grep -h "channels read from the store" "$work/err" || true
echo '@"one more"!(1)' >"$work/send.rho"
measure "send 1  " "$RHOVM" run --threads 2 --data-dir "$DIR" "$work/send.rho"
measure "verify  " "$RHOVM" verify "$DIR"
