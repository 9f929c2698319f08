#!/usr/bin/env python3
"""Prints tools/bench/run.sh's table from the timed.py outputs it left in one directory:
whole.json (the benchmark scenario), serial.json (its serial-only copy), spawn.json (`true`),
and, if the floors were built, heap.json and fiber.json.

    table.py WORK_DIR SCENARIO

Events per second are events / wall: "best" uses the fastest run, "med" the median one.
"""
import datetime
import json
import os
import platform
import statistics
import sys


def load(work, name):
    path = os.path.join(work, name)
    return json.load(open(path))["runs"] if os.path.exists(path) else None


def results(runs):
    return {r["strategy"]: r for r in json.loads(runs[0]["stdout"])["results"]}


def figures(runs, key):
    values = sorted(r[key] for r in runs)
    return values[0], statistics.median(values)


def rss_mib(runs):
    return max(r["max_rss_kib"] for r in runs) / 1024


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def gilsim_rows(whole, serial):
    """Serial from the serial-only run; threads as whole minus serial-only, which cancels the
    process start, the parsing and the output."""
    by_strategy = results(whole)
    wall_w, wall_s = figures(whole, "wall_s"), figures(serial, "wall_s")
    cpu_w, cpu_s = figures(whole, "cpu_s"), figures(serial, "cpu_s")
    return [
        ("gilsim serial", results(serial)["serial"]["events"], wall_s, cpu_s[1], rss_mib(serial),
         "serial-only run, whole process"),
        ("gilsim threads", by_strategy["threads"]["events"],
         (wall_w[0] - wall_s[0], wall_w[1] - wall_s[1]), cpu_w[1] - cpu_s[1], rss_mib(whole),
         "whole run minus serial-only run"),
        ("gilsim whole run", sum(r["events"] for r in by_strategy.values()), wall_w, cpu_w[1],
         rss_mib(whole), "both strategies, whole process"),
    ]


def floor_row(name, runs):
    """A floor times its own loop (no process start) and prints `key=value` fields."""
    fields = [dict(kv.split("=", 1) for kv in r["stdout"].split() if "=" in kv) for r in runs]
    secs = sorted(float(f["sec"]) for f in fields)
    return (name, int(fields[0]["events"]), (secs[0], statistics.median(secs)),
            figures(runs, "cpu_s")[1], rss_mib(runs), "its own timer, 256 entities")


def main():
    work, scenario = sys.argv[1], sys.argv[2]
    whole, serial, spawn = (load(work, n) for n in ("whole.json", "serial.json", "spawn.json"))
    rows = gilsim_rows(whole, serial)
    for name, file in (("floor heap_des", "heap.json"), ("floor fiber_des", "fiber.json")):
        if (runs := load(work, file)) is not None:
            rows.append(floor_row(name, runs))

    threads = results(whole)["threads"]
    print(f"gilsim throughput benchmark: {os.path.relpath(scenario)}, {len(whole)} runs each, "
          f"{datetime.date.today().isoformat()}")
    print(f"host: {os.cpu_count()} CPUs, {cpu_model()}, {platform.system()} {platform.release()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"threads run: {threads['workers']} workers on {threads['cores']} cores, virtual wall "
          f"{threads['wall_s']:.3f} s, {threads['gil_handoffs']} GIL hand-offs")
    print()
    print(f"{'':<17}{'events':>10}{'wall s min':>12}{'wall s med':>12}{'cpu s med':>11}"
          f"{'events/s best':>15}{'events/s med':>14}{'max RSS MiB':>13}")
    for name, events, (wall_min, wall_med), cpu_med, rss, note in rows:
        print(f"{name:<17}{events:>10}{wall_min:>12.3f}{wall_med:>12.3f}{cpu_med:>11.2f}"
              f"{events / wall_min:>15,.0f}{events / wall_med:>14,.0f}{rss:>13.1f}  {note}")
    print()
    print(f"process start on this host (`true` under /usr/bin/time): "
          f"{figures(spawn, 'wall_s')[1]:.3f} s median, inside the whole-process walls")


if __name__ == "__main__":
    main()
