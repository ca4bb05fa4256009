#!/usr/bin/env bash
# Checks the module dependency rule of STYLE.md section 2: each folder may include
# only the public headers of the modules it is allowed to depend on.
#   grammar -> base            bytecode -> base            rspace -> base
#   compiler -> grammar, bytecode      primitives -> rspace, bytecode
#   machine -> primitives, rspace, bytecode      (cli, tests, bench: anything)
# Exit 1 and a list of offending lines when a forbidden edge exists.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
check() { # folder allowed-modules...
    local folder=$1
    shift
    local allowed="base $*"
    while IFS= read -r line; do
        file=${line%%:*}
        mod=$(sed -n 's/.*#include "rho\/\([a-z_]*\)\/.*/\1/p' <<<"$line")
        [ -n "$mod" ] || continue
        if ! grep -qw "$mod" <<<"$allowed"; then
            echo "layering: $file includes rho/$mod/ (allowed from $folder: $allowed)"
            fail=1
        fi
    done < <(grep -rn '#include "rho/' "$folder" --include='*.h' --include='*.cpp' --include='*.y' --include='*.l' || true)
}

check grammar grammar
check bytecode bytecode
check compiler compiler grammar bytecode
check rspace rspace
check primitives primitives rspace bytecode
check machine machine primitives rspace bytecode
if [ "$fail" -eq 0 ]; then
    echo "layering: ok"
fi
exit "$fail"
