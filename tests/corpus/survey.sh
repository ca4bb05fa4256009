#!/usr/bin/env bash
# survey.sh RHOVM CORPUS_DIR OLD_TSV > NEW_TSV
#
# Reruns every program listed in OLD_TSV (public_programs.tsv) with RHOVM and prints
# the list again with fresh status and first_error columns (README.md says what they
# mean). CORPUS_DIR holds each repository's files under OWNER+NAME/PATH, as extracted
# from the snapshot at the listed commit. Two programs run at a time.
set -u
rhovm=$(realpath "$1")
corpus=$(realpath "$2")
tsv=$3

classify() {
    local repo=$1 commit=$2 path=$3
    local dir="$corpus/${repo/\//+}"
    local file="$dir/$path"
    local out err rc status first
    err=$(mktemp)
    (cd "$dir" && timeout 20 "$rhovm" run --threads 1 "$file" </dev/null >/dev/null 2>"$err")
    rc=$?
    first=$(grep -m1 'error:' "$err" | sed -E 's/^[^ ]*:[0-9]+:[0-9]+: error: //; s/^error: //' | cut -c1-160)
    if [ "$rc" = 0 ] && ! grep -q 'error:' "$err"; then
        status=clean first=
    elif [ "$rc" = 124 ]; then
        status=timeout first=
    elif [ "$rc" -ge 128 ] || [ "$rc" -gt 4 ]; then
        status=crash
    elif (cd "$dir" && "$rhovm" check "$file" </dev/null >/dev/null 2>&1); then
        status=runtime-error
    elif (cd "$dir" && "$rhovm" check "$file" </dev/null 2>&1 | grep -q 'unknown system process URN'); then
        status=runtime-error
    else
        status=compile-error
    fi
    rm -f "$err"
    printf '%s\t%s\t%s\t%s\t%s\n' "$repo" "$commit" "$path" "$status" "$first"
}
export -f classify
export rhovm corpus

head -1 "$tsv"
tail -n +2 "$tsv" | cut -f1-3 | tr '\t' '\n' | xargs -d '\n' -n 3 -P 2 bash -c 'classify "$0" "$1" "$2"' | sort -t$'\t' -k1,1 -k3,3
