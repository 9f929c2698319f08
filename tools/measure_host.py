#!/usr/bin/env python3
"""Measure the host figures gilsim's machine profile needs (a first cut of calibrate.py).

Each figure is measured --runs times (default 5); a run gives a median over many samples, and
the table shows the median of the run medians with their spread (min .. max), plus the
within-run p10/p90/p99/max of the last run.  Figures that depend on the core count are measured pinned
to 1 CPU and to 2 CPUs (os.sched_setaffinity on the main thread before the threads are made;
new threads inherit it).

  event_pingpong_half_rtt   two threads bounce a threading.Event: round trip / 2.  One
                            "wake a blocked thread and let it run Python" step: a futex wake,
                            the wakee's scheduling latency, and a GIL hand-off (the waker
                            releases the GIL when it blocks on its own Event).
  wake_after_idle(X)        the same wake, but of a thread that has been blocked for X (its
                            vCPU idle) while the waker spins: shows slow wake-ups of idle vCPUs.
  gil_forced_switch_hold    two CPU-bound threads; each notes the time when it sees that it
                            was not the last thread to run (checked every ~5 us of work).
                            Hold = time between consecutive changes of holder; also the
                            number of switches per second.  Expect switch_interval + wake-up.
  lock_timeout_overshoot    Lock.acquire(timeout=5ms) on a held lock, actual - 5 ms: the slack
                            of a timed futex wait, as in take_gil's 5 ms COND_TIMED_WAIT.
  thread_start_join         Thread(target=noop).start(); .join().
  tpe_submit_result         ThreadPoolExecutor(1).submit(noop).result(), pool warmed up.
  tpe_map_per_item          list(ThreadPoolExecutor(4).map(noop, range(2000))) / 2000.
  sleep_1ms_slack           time.sleep(0.001) actual - requested (also 100 us and 5 ms).
  spin_ns_per_iter          `for i in range(n): x ^= i` per iteration at n = 1e3, 5e4, 1e6
                            (realize.py's cpu op).
  pipe_read_1byte           os.read(fd, 1) on a pipe that holds data (realize.py's short io).
  sha256_ns_per_byte        hashlib.sha256 over 1 MiB (realize.py's native op).

Output: a table on stdout (or --format json), progress on stderr.  Standard library only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import platform
import statistics
import sys
import threading
import time

pc = time.perf_counter


def log(msg: str) -> None:
    print(f"measure_host: {msg}", file=sys.stderr, flush=True)


def quantile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def spin(n: int) -> int:
    x = 0
    for i in range(n):
        x ^= i
    return x


def noop() -> None:
    pass


# Each measurement returns a list of samples (seconds, or a dimensionless count) for one run.


def event_pingpong(rounds: int = 2000) -> list[float]:
    ping, pong = threading.Event(), threading.Event()

    def partner() -> None:
        for _ in range(rounds):
            ping.wait()
            ping.clear()
            pong.set()

    th = threading.Thread(target=partner)
    th.start()
    samples = []
    for _ in range(rounds):
        t0 = pc()
        ping.set()
        pong.wait()
        pong.clear()
        samples.append((pc() - t0) / 2)
    th.join()
    return samples[50:]  # drop the start-up rounds


def wake_after_idle(idle: float, rounds: int = 40) -> list[float]:
    """Latency to wake a thread that has been blocked for `idle` seconds.

    The main thread keeps its own CPU busy (spinning, GIL held; the partner is blocked with the
    GIL released, so it does not compete) for `idle`, then sets an Event and blocks itself; the
    sample is the time from set() to the partner running Python again.  On this VM a vCPU that
    has been idle for more than ~1 ms can be slow to wake (the host must reschedule it)."""
    go, done = threading.Event(), threading.Event()
    woke = [0.0]

    def partner() -> None:
        for _ in range(rounds):
            go.wait()
            woke[0] = pc()
            go.clear()
            done.set()

    th = threading.Thread(target=partner)
    th.start()
    samples = []
    for _ in range(rounds):
        end = pc() + idle
        while pc() < end:
            spin(100)
        t0 = pc()
        go.set()
        done.wait()
        done.clear()
        samples.append(woke[0] - t0)
    th.join()
    return samples


def gil_forced_switch(duration: float = 2.0) -> tuple[list[float], float]:
    """Two CPU-bound threads; returns (hold durations, switches per second)."""
    last = [None]
    changes: list[float] = []
    stop = [False]

    def worker(me: int) -> None:
        while not stop[0]:
            if last[0] != me:
                changes.append(pc())
                last[0] = me
            spin(200)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    t0 = pc()
    for th in threads:
        th.start()
    time.sleep(duration)  # the main thread sleeps: it does not compete for the GIL
    stop[0] = True
    for th in threads:
        th.join()
    wall = pc() - t0
    holds = [b - a for a, b in zip(changes[1:], changes[2:])]
    return holds, (len(changes) - 1) / wall


def lock_timeout_overshoot(n: int = 100, timeout: float = 0.005) -> list[float]:
    lock = threading.Lock()
    lock.acquire()
    samples = []
    for _ in range(n):
        t0 = pc()
        lock.acquire(timeout=timeout)
        samples.append(pc() - t0 - timeout)
    return samples


def thread_start_join(n: int = 300) -> list[float]:
    samples = []
    for _ in range(n):
        t0 = pc()
        th = threading.Thread(target=noop)
        th.start()
        th.join()
        samples.append(pc() - t0)
    return samples


def tpe_submit_result(n: int = 2000) -> list[float]:
    samples = []
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        for _ in range(50):
            ex.submit(noop).result()
        for _ in range(n):
            t0 = pc()
            ex.submit(noop).result()
            samples.append(pc() - t0)
    return samples


def tpe_map_per_item(batches: int = 20, items: int = 2000) -> list[float]:
    samples = []
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(int, range(200)))
        for _ in range(batches):
            t0 = pc()
            list(ex.map(int, range(items)))
            samples.append((pc() - t0) / items)
    return samples


def sleep_slack(requested: float, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        t0 = pc()
        time.sleep(requested)
        samples.append(pc() - t0 - requested)
    return samples


def spin_per_iter(n: int, budget: float = 0.2) -> list[float]:
    reps = max(5, min(2000, int(budget / (n * 25e-9))))
    spin(n)
    samples = []
    for _ in range(reps):
        t0 = pc()
        spin(n)
        samples.append((pc() - t0) / n)
    return samples


def pipe_read(n: int = 20000) -> list[float]:
    r, w = os.pipe()
    os.write(w, b"x" * n)
    samples = []
    for _ in range(n):
        t0 = pc()
        os.read(r, 1)
        samples.append(pc() - t0)
    os.close(r)
    os.close(w)
    return samples


def sha256_per_byte(nbytes: int = 1 << 20, n: int = 100) -> list[float]:
    buf = memoryview(b"\x5a" * nbytes)
    hashlib.sha256(buf)
    samples = []
    for _ in range(n):
        t0 = pc()
        hashlib.sha256(buf)
        samples.append((pc() - t0) / nbytes)
    return samples


# (name, unit, function returning samples, core counts to measure on)
MEASUREMENTS = [
    ("event_pingpong_half_rtt", "us", event_pingpong, (1, 2)),
    ("wake_after_idle(50us)", "us", lambda: wake_after_idle(50e-6, 200), (1, 2)),
    ("wake_after_idle(1ms)", "us", lambda: wake_after_idle(1e-3, 100), (1, 2)),
    ("wake_after_idle(5ms)", "us", lambda: wake_after_idle(5e-3, 40), (1, 2)),
    ("gil_forced_switch_hold", "ms", None, (1, 2)),
    ("gil_forced_switches_per_s", "/s", None, (1, 2)),
    ("lock_timeout_overshoot(5ms)", "us", lock_timeout_overshoot, (1, 2)),
    ("thread_start_join", "us", thread_start_join, (1, 2)),
    ("tpe_submit_result", "us", tpe_submit_result, (1, 2)),
    ("tpe_map_per_item", "us", tpe_map_per_item, (1, 2)),
    ("sleep_1ms_slack", "us", lambda: sleep_slack(0.001, 200), (1,)),
    ("sleep_100us_slack", "us", lambda: sleep_slack(0.0001, 300), (1,)),
    ("sleep_5ms_slack", "us", lambda: sleep_slack(0.005, 60), (1,)),
    ("spin_ns_per_iter(n=1e3)", "ns", lambda: spin_per_iter(1000), (1,)),
    ("spin_ns_per_iter(n=5e4)", "ns", lambda: spin_per_iter(50_000), (1,)),
    ("spin_ns_per_iter(n=1e6)", "ns", lambda: spin_per_iter(1_000_000, 0.5), (1,)),
    ("pipe_read_1byte", "us", pipe_read, (1,)),
    ("sha256_ns_per_byte", "ns", sha256_per_byte, (1,)),
]
SCALE = {"us": 1e6, "ms": 1e3, "ns": 1e9, "/s": 1.0}


def measure(runs: int, only: list[str] | None, cores_list: tuple[int, ...]) -> list[dict]:
    allowed = sorted(os.sched_getaffinity(0))
    rows = []
    for cores in cores_list:
        if cores > len(allowed):
            log(f"skipping {cores} cores: the host allows {len(allowed)}")
            continue
        os.sched_setaffinity(0, allowed[:cores])
        for name, unit, fn, on in MEASUREMENTS:
            if cores not in on or (only and not any(o in name for o in only)):
                continue
            if name == "gil_forced_switches_per_s":
                continue  # measured together with the hold
            per_run: list[float] = []
            rate_runs: list[float] = []
            last: list[float] = []
            for _ in range(runs):
                if name == "gil_forced_switch_hold":
                    samples, rate = gil_forced_switch()
                    rate_runs.append(rate)
                else:
                    samples = fn()
                per_run.append(statistics.median(samples))
                last = samples
            rows.append(row(name, unit, cores, per_run, last))
            log(f"{cores} core(s) {name}: {fmt(rows[-1])}")
            if name == "gil_forced_switch_hold":
                rows.append(row("gil_forced_switches_per_s", "/s", cores, rate_runs, rate_runs))
    os.sched_setaffinity(0, allowed)
    return rows


def row(name: str, unit: str, cores: int, per_run: list[float], last: list[float]) -> dict:
    k = SCALE[unit]
    return {"name": name, "unit": unit, "cores": cores,
            "median": statistics.median(per_run) * k,
            "run_medians_min": min(per_run) * k, "run_medians_max": max(per_run) * k,
            "last_run_p10": quantile(last, 0.1) * k, "last_run_p90": quantile(last, 0.9) * k,
            "last_run_p99": quantile(last, 0.99) * k, "last_run_max": max(last) * k,
            "last_run_samples": len(last), "runs": len(per_run)}


def fmt(r: dict) -> str:
    return (f"{r['median']:.3f} {r['unit']} (runs {r['run_medians_min']:.3f} .. "
            f"{r['run_medians_max']:.3f}; p10 {r['last_run_p10']:.3f} p90 {r['last_run_p90']:.3f})")


def table(doc: dict) -> str:
    lines = [f"CPython {doc['python']} on {doc['host_cores']}-CPU host "
             f"({doc['machine']}), switch interval {doc['switch_interval_s'] * 1e3:g} ms, "
             f"{doc['runs']} runs per figure",
             f"{'figure':<30} {'cores':>5} {'median':>10} {'runs min':>10} {'runs max':>10} "
             f"{'p10':>10} {'p90':>10} {'p99':>10} {'max':>10}  unit"]
    for r in doc["rows"]:
        lines.append(f"{r['name']:<30} {r['cores']:>5} {r['median']:>10.3f} "
                     f"{r['run_medians_min']:>10.3f} {r['run_medians_max']:>10.3f} "
                     f"{r['last_run_p10']:>10.3f} {r['last_run_p90']:>10.3f} "
                     f"{r['last_run_p99']:>10.3f} {r['last_run_max']:>10.3f}  {r['unit']}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="measure_host.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    p.add_argument("--only", action="append", help="only figures whose name contains this")
    p.add_argument("--cores", default="1,2", help="core counts to pin to (default 1,2)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--output", "-o", help="also write the JSON result to this file")
    a = p.parse_args(argv)
    try:
        cores = tuple(int(c) for c in a.cores.split(","))
    except ValueError:
        p.error("--cores takes a comma-separated list of integers, e.g. 1,2")
    if a.runs < 1 or any(c < 1 for c in cores):
        p.error("--runs and --cores must be >= 1")
    try:
        rows = measure(a.runs, a.only, cores)
    except KeyboardInterrupt:
        print("measure_host: interrupted", file=sys.stderr)
        return 130
    doc = {"schema_version": 1, "tool": "measure_host", "python": platform.python_version(),
           "python_build": sys.version, "host_cores": len(os.sched_getaffinity(0)),
           "machine": f"{platform.machine()}, Linux {platform.release()}",
           "switch_interval_s": sys.getswitchinterval(), "runs": a.runs, "rows": rows}
    text = json.dumps(doc, indent=1)
    if a.output:
        tmp = f"{a.output}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, a.output)
    print(text if a.format == "json" else table(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
