#!/usr/bin/env bash
# Streaming check for `gilsim run --trace` (docs/reading-a-trace.md): runs one long program at
# two lengths, each with and without a trace, the longer one writing about 1 GB of trace, and
# prints host wall time, peak RSS, simulated events per second and trace size. If the trace
# writer streams, peak RSS is the same with and without a trace and at both lengths. It prints
# figures and asserts nothing about timing: a slow machine is not a failure.
#
#   tools/bench/trace-rss.sh            # REPEATS=100000 BUILD_DIR=build-bench TMPDIR=/tmp
#
# REPEATS sets the longer run (each repeat is ~10 KB of trace; 100000 gives ~1 GB); the shorter
# one is a quarter of it. The trace goes to $TMPDIR and is deleted at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
repeats="${REPEATS:-100000}"
build_dir="${BUILD_DIR:-$root/build-bench}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

gilsim="$("$root/tools/bench/release_build.sh" "$build_dir")"

# A CPU-bound spinner and six workers mixing Python, I/O and native code on 4 cores: every kind
# of trace event (slices of every common state, hand-offs, drop requests, forced switches,
# counters) in a steady stream.
scenario() {
  python3 - "$1" <<'PY'
import json, sys
threads = [{"name": "spinner", "ops": [{"cpu": "1ms"}], "repeat": "until_others_finish"}]
threads += [{"name": f"worker-{i}", "repeat": int(sys.argv[1]),
             "ops": [{"cpu": "200us"}, {"io": "1ms"}, {"native": "300us"}]} for i in range(6)]
print(json.dumps({"name": "trace-rss", "machine": {"cores": 4},
                  "max_virtual_time": "100000s", "program": {"threads": threads}}))
PY
}
short=$((repeats / 4))
scenario "$short" >"$work/short.json"
scenario "$repeats" >"$work/long.json"

timed=(python3 "$root/tools/bench/timed.py" 1)
echo "measuring (2-vCPU machines take a minute or two)..." >&2
for length in short long; do
  "${timed[@]}" "$gilsim" run "$work/$length.json" --format json >"$work/$length-plain.run"
  "${timed[@]}" "$gilsim" run "$work/$length.json" --format json \
    --trace "$work/$length-trace.json" >"$work/$length-trace.run"
  stat -c %s "$work/$length-trace.json" >"$work/$length-trace.size"
  rm -f "$work/$length-trace.json"
done

python3 - "$work" "$short" "$repeats" <<'PY'
import json, sys
from pathlib import Path
work, short, long = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
print(f"{'run':34} {'trace':>10} {'host wall':>10} {'peak RSS':>10} {'events':>11} {'events/s':>10}")
for length, repeats in (("short", short), ("long", long)):
    for kind in ("plain", "trace"):
        run = json.loads((work / f"{length}-{kind}.run").read_text())["runs"][0]
        events = json.loads(run["stdout"])["results"][0]["events"]
        size = (f"{int((work / f'{length}-trace.size').read_text()) / 1e6:.0f} MB"
                if kind == "trace" else "-")
        label = f"{repeats} repeats, {'--trace' if kind == 'trace' else 'no trace'}"
        print(f"{label:34} {size:>10} {run['wall_s']:9.2f}s {run['max_rss_kib'] / 1024:7.1f} MiB"
              f" {events:>11,} {events / run['wall_s'] / 1e6:8.2f} M")
PY
