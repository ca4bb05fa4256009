# Sourced by the bench scripts: RHOVM is the rhovm given as the script's first argument,
# or the release build's (configured and built here when none is given).
RHOVM=${1:-}
if [ -z "$RHOVM" ]; then
    cmake --preset release >/dev/null
    cmake --build --preset release --target rhovm >/dev/null
    RHOVM=$PWD/build/release/cli/rhovm
fi
