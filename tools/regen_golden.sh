#!/usr/bin/env bash
# Rewrites the golden outputs the tests compare against: for every bundled scenario S,
# tests/golden/S.table.txt, S.json and S.csv from `gilsim run scenarios/S.json` (cli_test.py);
# for each sweep NAME listed in tests/golden/sweeps.txt, tests/golden/NAME.table.txt, NAME.json
# and NAME.csv (sweep_cli_test.py); `gilsim explain` of two scenarios (explain_test.py); a convoy
# trace (trace_test.py); and the timeline pictures in docs/img/.
# Review the diff before committing it: a changed number is a changed model.
#
# usage: tools/regen_golden.sh [path/to/gilsim]   (default: build/gilsim)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
gilsim=${1:-$root/build/gilsim}
# Resolve the binary before moving to the repository root, so a relative path still works.
if [[ $gilsim != */* ]]; then
  gilsim=$(command -v "$gilsim" || true)
elif [[ -x $gilsim && ! -d $gilsim ]]; then
  gilsim=$(cd "$(dirname "$gilsim")" && pwd)/$(basename "$gilsim")
fi
if [[ -z $gilsim || ! -x $gilsim || -d $gilsim ]]; then
  echo "regen_golden.sh: error: no gilsim binary at '${1:-build/gilsim}'" >&2
  echo "  hint: build it first, or pass its path: tools/regen_golden.sh build-dbg/gilsim" >&2
  exit 2
fi

cd "$root"
mkdir -p tests/golden
# Relative scenario paths, as the test runs them, so nothing host-specific gets in the files.
for scenario in scenarios/*.json; do
  name=$(basename "$scenario" .json)
  # -o writes through a temporary file and renames it: a failing run leaves the old golden.
  "$gilsim" run "$scenario" -o "tests/golden/$name.table.txt"
  "$gilsim" run "$scenario" --format json -o "tests/golden/$name.json"
  "$gilsim" run "$scenario" --format csv -o "tests/golden/$name.csv"
  echo "tests/golden/$name.{table.txt,json,csv}"
done

# Sweeps: one per line of tests/golden/sweeps.txt, "NAME ARGUMENTS", # for comments.
while read -r name args; do
  [[ -z $name || $name == \#* ]] && continue
  # shellcheck disable=SC2086  # ARGUMENTS are words, split on purpose
  "$gilsim" sweep $args -o "tests/golden/$name.table.txt" -o "tests/golden/$name.json" \
    -o "tests/golden/$name.csv"
  echo "tests/golden/$name.{table.txt,json,csv}"
done <tests/golden/sweeps.txt

# What `gilsim explain` says about two scenarios (tests/explain_test.py).
for name in convoy cpu-bound; do
  "$gilsim" explain "scenarios/$name.json" -o "tests/golden/$name.explain.txt"
  echo "tests/golden/$name.explain.txt"
done

# The trace of a small window of the convoy (tests/trace_test.py), and the timeline pictures
# docs/reading-a-trace.md shows (the test checks the first is current).
"$gilsim" run scenarios/convoy.json --trace tests/golden/convoy.trace.json \
  --trace-window 5ms:12ms >/dev/null
echo "tests/golden/convoy.trace.json"
mkdir -p docs/img
"$gilsim" run scenarios/convoy.json --timeline docs/img/convoy-timeline.svg >/dev/null
"$gilsim" run scenarios/convoy.json --timeline docs/img/convoy-one-switch.svg \
  --timeline-window 16.56ms:16.71ms >/dev/null
"$gilsim" run scenarios/cpu-heavy-processes.json --trace-strategy processes \
  --timeline docs/img/process-pool-start.svg --timeline-window 0:30ms >/dev/null
echo "docs/img/convoy-timeline.svg docs/img/convoy-one-switch.svg docs/img/process-pool-start.svg"
