# Shared by the command-line test scripts (sourced): counts checks and prints the
# closing `N passed, M failed` line.
failures=0
passes=0

check() { # name, condition command...
    local name=$1
    shift
    if "$@"; then
        passes=$((passes + 1))
    else
        echo "FAIL: $name"
        failures=$((failures + 1))
    fi
}

# Prints the summary; the script's exit status is non-zero on any failure.
finish() {
    echo "$passes passed, $failures failed"
    [ "$failures" -eq 0 ] && [ "$passes" -gt 0 ]
}
