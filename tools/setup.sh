#!/usr/bin/env bash
# Installs gilsim's Debian packages and builds it (Release) in ./build.
# Used by the README's quick start and by CI; run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make python3 python3-jsonschema python3-yaml libboost-fiber-dev nlohmann-json3-dev
          doctest-dev libfmt-dev libcli11-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGILSIM_WERROR="$werror" >/dev/null
cmake --build build -j "$(nproc)"
