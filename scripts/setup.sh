#!/usr/bin/env bash
# Installs rhovm's build dependencies from Debian 12 packages, only those missing,
# plus any packages named as arguments (scripts/fuzz.sh adds clang and its libFuzzer
# runtime). Idempotent and quiet when everything is already installed. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
    g++ cmake ninja-build pkg-config bison flex
    liblmdb-dev lmdb-utils libabsl-dev libxxhash-dev libboost-fiber-dev libboost-context-dev
    catch2 libbenchmark-dev libcli11-dev nlohmann-json3-dev libgmp-dev libedit-dev expect
    libssl-dev libsodium-dev libsecp256k1-dev libcrypto++-dev libprotobuf-dev protobuf-compiler
    gnuplot-nox jq
    "$@"
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
