#!/usr/bin/env bash
# Builds gilsim (Release) in BUILD_DIR for a benchmark and prints the binary's path. A build
# directory of another type is refused: timing a Debug build measures the wrong thing.
#
#   gilsim="$(tools/bench/release_build.sh BUILD_DIR)"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="$1"
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
build_type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")"
if [[ "$build_type" != "Release" ]]; then
  echo "$(basename "$0"): $build_dir is a '$build_type' build; use a Release one (BUILD_DIR=...)" >&2
  exit 2
fi
cmake --build "$build_dir" --target gilsim -j2 >/dev/null
echo "$build_dir/gilsim"
