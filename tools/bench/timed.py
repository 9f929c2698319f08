#!/usr/bin/env python3
"""Runs a command several times and prints, as one JSON object, each run's host wall time, CPU
time (user + system), peak RSS and stdout. tools/bench/run.sh uses it; it measures, it judges
nothing.

CPU time and peak RSS come from GNU time (`/usr/bin/time -f "%U %S %M"`, 10 ms resolution), not
from this script's wait4(): a child forked from Python inherits Python's resident set, and Linux
carries that high-water mark across exec(), so wait4() would report at least Python's 14 MiB.

    timed.py REPEATS COMMAND [ARG...]
"""
import json
import subprocess
import sys
import tempfile
import time


def run_once(argv):
    with tempfile.NamedTemporaryFile("r") as usage_file:
        started = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", usage_file.name, *argv],
                              stdout=subprocess.PIPE, text=True, check=False)
        wall_s = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"timed.py: {' '.join(argv)} exited with status {done.returncode}")
        user_s, sys_s, max_rss_kib = usage_file.read().split()[-3:]
    return {"wall_s": wall_s, "cpu_s": float(user_s) + float(sys_s),
            "max_rss_kib": int(max_rss_kib), "stdout": done.stdout}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    repeats = int(sys.argv[1])
    print(json.dumps({"runs": [run_once(sys.argv[2:]) for _ in range(repeats)]}))


if __name__ == "__main__":
    main()
