#!/usr/bin/env bash
# The throughput benchmark (docs/performance.md): builds gilsim (Release) if needed, runs
# tools/bench/mixed-64core.json a few times, and prints host wall time, simulated events,
# events per second and peak RSS beside two floors: a bare event heap and a bare Boost.Fiber
# calendar (../shared/floors), run at the same number of events. It prints figures and asserts
# nothing about timing: a slow machine is not a failure.
#
#   tools/bench/run.sh            # REPEATS=3 BUILD_DIR=build-bench FLOORS_DIR=/work/shared/floors
#
# gilsim runs every strategy of a scenario in one process, and a scenario without "serial" runs
# serial anyway (for the speedup column). So the serial figures come from a copy of the scenario
# with only "serial", and the threads figures are (whole run) - (serial-only run): the process
# start, parsing and output cancel out. timed.py measures one command; table.py prints.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
repeats="${REPEATS:-3}"
build_dir="${BUILD_DIR:-$root/build-bench}"
floors_dir="${FLOORS_DIR:-/work/shared/floors}"
scenario="$root/tools/bench/mixed-64core.json"
timed=(python3 "$root/tools/bench/timed.py" "$repeats")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

gilsim="$("$root/tools/bench/release_build.sh" "$build_dir")"

# The serial-only copy lives in $work; a relative machine profile is made absolute so it still
# resolves from there.
serial_only="$work/mixed-64core-serial.json"
python3 - "$scenario" "$serial_only" <<'EOF'
import json, os, sys
scenario = json.load(open(sys.argv[1]))
scenario["strategies"] = ["serial"]
machine = scenario.get("machine", {})
if machine.get("profile", "default") != "default":
    machine["profile"] = os.path.join(os.path.dirname(sys.argv[1]), machine["profile"])
json.dump(scenario, open(sys.argv[2], "w"))
EOF

echo "measuring gilsim ($repeats runs each)..." >&2
"${timed[@]}" "$gilsim" run "$scenario" --format json >"$work/whole.json"
"${timed[@]}" "$gilsim" run "$serial_only" --format json >"$work/serial.json"
"${timed[@]}" true >"$work/spawn.json"

# The floors at the size of the threads run: 256 entities, the same number of events.
threads_events="$(python3 - "$work/whole.json" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
print(next(r["events"] for r in json.loads(run["stdout"])["results"] if r["strategy"] == "threads"))
EOF
)"
entities=256
if [[ -f "$floors_dir/heap_des.cpp" && -f "$floors_dir/fiber_des.cpp" ]]; then
  mkdir -p "$build_dir/floors"
  for floor in heap_des fiber_des; do
    if [[ ! "$build_dir/floors/$floor" -nt "$floors_dir/$floor.cpp" ]]; then
      g++ -O2 -std=c++20 -o "$build_dir/floors/$floor" "$floors_dir/$floor.cpp" \
        -lboost_fiber -lboost_context
    fi
  done
  echo "measuring the floors ($repeats runs each)..." >&2
  "${timed[@]}" "$build_dir/floors/heap_des" "$entities" "$threads_events" >"$work/heap.json"
  "${timed[@]}" "$build_dir/floors/fiber_des" "$entities" \
    "$(((threads_events + entities - 1) / entities))" >"$work/fiber.json"
else
  echo "run.sh: no floors in $floors_dir; printing gilsim only" >&2
fi

python3 "$root/tools/bench/table.py" "$work" "$scenario"
