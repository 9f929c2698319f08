#!/usr/bin/env bash
# Rewrites the example plots of docs/sweeps.md: for each line "NAME ARGUMENTS" of
# docs/img/plots.txt, docs/img/NAME.svg from `gilsim sweep ARGUMENTS --plot docs/img/NAME.svg`.
#
# usage: tools/regen_doc_plots.sh [path/to/gilsim]   (default: build/gilsim)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
gilsim=${1:-$root/build/gilsim}
if [[ $gilsim == */* && -x $gilsim && ! -d $gilsim ]]; then
  gilsim=$(cd "$(dirname "$gilsim")" && pwd)/$(basename "$gilsim")
fi
if [[ ! -x $gilsim || -d $gilsim ]]; then
  echo "regen_doc_plots.sh: error: no gilsim binary at '$gilsim'" >&2
  echo "  hint: build it first (tools/setup.sh), or pass its path" >&2
  exit 2
fi

cd "$root"
table=$(mktemp)
trap 'rm -f "$table"' EXIT
while read -r name args; do
  [[ -z $name || $name == \#* ]] && continue
  # shellcheck disable=SC2086  # ARGUMENTS are words, split on purpose
  "$gilsim" sweep $args --plot "docs/img/$name.svg" -o "$table"
  echo "docs/img/$name.svg"
done <docs/img/plots.txt
