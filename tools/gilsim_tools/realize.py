"""Run a gilsim scenario for real in CPython and measure it.

gilsim predicts; this tool is the ground truth it is checked against.  It turns each op of a
scenario into real code (see workload.py: cpu is a calibrated pure-Python loop, io a sleep,
native a sha256 that releases the GIL, native_gil a builtin sum() that keeps it, subprocess an
external `seq` that keeps a core busy), times every strategy several times, and reports wall
times (min / median / max) plus, for every thread, each op's measured latency.

Calibration.  Each op kind's size (iterations, bytes, numbers) for a wanted duration is found
*at that size*: short loops run at a different speed per iteration than long ones (small-int
caching), so every distinct duration (and a grid over a distribution's range) is its own point.
Every point is timed again in a validation pass; points that disagree are redone.

Speed drift.  The VM's single-core speed moves by 10-60 % for seconds at a time (other tenants,
the other vCPU busy), and its two vCPUs do not always run at the same speed (one at 33 ns per
loop iteration while the other ran at 18 ns, for tens of seconds, nothing else running in the
VM).  Right before and right after every timed run each calibrated op kind is timed again on
every CPU the run may use (a "probe").  A run starts only when the probe on every CPU is within
--max-drift (8 %) of the calibration and no other process is using the CPUs.  It is kept only
if the work itself ran at the calibrated speed: the thread CPU time of the calibrated ops (every
op of 1 ms or more, and one shorter op per millisecond of short ones on each thread), summed over
the run, is within --max-work-drift (6 %) of their requested durations (op kinds without such
ops, such as subprocess: the probe after the run is in the band), every worker (process or
thread) with 10 ms of such ops ran its own within the same band (the vCPUs differ, and the
slower one sets a parallel run's wall time), and other processes used
less than --max-foreign-load cores meanwhile (interrupt time is not counted: it is the run's own
timers and wake-ups).  Otherwise the run is retried (at most --retries times; the last attempt
is kept and flagged).  If the speed stays off but steady on all CPUs alike while nothing else
runs, the kind is calibrated again (with --profile, the cpu op only at the profile's speed level:
see there).  --rescale instead scales each run's op sizes by the speed
probed before it (faster, but the overheads around the ops are not scaled: see its help).
Repeats of the strategies are interleaved (serial #1, threads #1, serial #2,
...) so slow drift hits them alike.  Before and after each run a timer probe (eight 2 ms timed
lock waits) records the overshoot.

Sanity guard.  Every run's wall time is checked against a lower bound that no correct run can
beat: one interpreter runs its bytecode and GIL-holding C calls one at a time, and CPU work
cannot finish faster than the cores allow.  A run below the bound (by more than
--max-work-drift) is reported as a warning and counted in wall_lower_bound_violated_runs.

Strategies (timed from creating the executor or loop to the end of its shutdown, i.e. including
worker start-up and shutdown):
  serial      a loop in the main thread.
  threads     ThreadPoolExecutor(workers); list(ex.map(run_task, tasks)).
  processes   ProcessPoolExecutor(workers, mp_context=start_method); list(ex.map(run_task,
              tasks, chunksize=k)); each task's argument carries arg_bytes and its result
              result_bytes of payload, pickled through the pool's pipes.  With
              threads_per_worker t > 1 the tasks are cut into chunks of k and each worker runs a
              chunk on its own ThreadPoolExecutor(t).  A forkserver is stopped after every run
              (untimed), so each run pays for starting it, as a program that starts one does.
              import_time: a spawn or forkserver child spins that long when it imports the main
              module (spawn: every worker; forkserver: the server, once).
  asyncio     asyncio.run(): one task per workload task, all gathered at once (or limited by an
              asyncio.Semaphore(concurrency)); io is `await asyncio.sleep(d)`; op kinds listed in
              to_thread go through asyncio.to_thread; every other op runs on the loop, blocking it.
  program     the main thread starts the listed threads in order, joins the finite ones, sets a
              stop flag that the until_others_finish threads check between iterations of their op
              list, and joins those; timed from the first start() to the last join().
  free-threaded and subinterpreters cannot be run on a GIL build of CPython 3.11: reported and
  skipped.

Random durations are drawn from random.Random("<seed>/<task or thread>/<instance>"); the draws
are the same in every repeat and strategy but are not the simulator's draws.

Output: a table or JSON (schema_version 1) on stdout, progress on stderr.  Exit status 0 on
success, 2 for bad usage or a bad scenario file, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import json
import math
import multiprocessing
import os
import platform
import random
import re
import resource
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from . import workload as wl
from .common import UserError, describe, fmt_dur, mmm, write_atomically
from .common import log as _log
from .hostload import LoadMonitor
from .scenario import Duration, OpSpec, Scenario, Strategy, load_scenario, parse_seconds

SCHEMA_VERSION = 1
TOOL = "realize"
CALIBRATED_KINDS = ("cpu", "native", "native_gil", "subprocess")
WORK_SPEED_KINDS = ("cpu", "native", "native_gil")  # kinds whose thread CPU time is the work
REALIZABLE = ("serial", "threads", "processes", "asyncio", "program")
START_TIME = time.time()


def log(msg: str) -> None:
    _log(TOOL, msg)


# --------------------------------------------------------------------------------------------
# Calibration: op size (iterations, bytes, numbers) for a wanted duration, at that size.


@dataclass
class Engine:
    kind: str
    unit: str
    run: Any  # size -> None
    min_size: int
    first_guess: int  # size for ~1 ms, refined at once
    points: list[tuple[float, int, float]] = field(default_factory=list)  # (d, size, t_meas)
    baseline: float = 0.0  # subtracted from every timing (the subprocess op's fork/exec/wait)
    baseline_cpu: float = 0.0  # the CPU time of that baseline command

    def time_once(self, size: int) -> float:
        pc = time.perf_counter
        t0 = pc()
        self.run(size)
        return pc() - t0 - self.baseline

    def median_time(self, size: int, reps: int) -> float:
        return statistics.median(self.time_once(size) for _ in range(reps))

    def size_for(self, d: float) -> int:
        """Interpolate log(size) over log(duration) between calibrated points."""
        pts = self.points
        if not pts:
            raise RuntimeError(f"{self.kind}: not calibrated")
        if d <= pts[0][0]:
            s = pts[0][1] * d / pts[0][0]
        elif d >= pts[-1][0]:
            s = pts[-1][1] * d / pts[-1][0]
        else:
            for (d0, s0, _), (d1, s1, _) in zip(pts, pts[1:]):
                if d0 <= d <= d1:
                    f = math.log(d / d0) / math.log(d1 / d0) if d1 > d0 else 0.0
                    s = math.exp(math.log(s0) + f * (math.log(s1) - math.log(s0)))
                    break
        return max(self.min_size, int(round(s)))


def _reps_for(d: float, budget: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(budget / max(d, 1e-9))))


def calibrate_point(eng: Engine, d: float) -> tuple[int, float]:
    """Find the size whose median run time is d (within 1.5 %), measured at that size."""
    size = eng.size_for(d) if eng.points else max(eng.min_size, int(eng.first_guess * d / 1e-3))
    reps = _reps_for(d, 0.15, 5, 400)
    t = eng.median_time(size, reps)
    seconds_per_unit = [max(t, 1e-9) / size]
    for _ in range(6):
        if abs(t / d - 1) < 0.015 or (size == eng.min_size and t > d):
            return size, t
        size = max(eng.min_size, int(round(size * d / max(t, d / 100))))
        t = eng.median_time(size, reps)
        seconds_per_unit.append(max(t, 1e-9) / size)
    # No convergence (the speed kept moving): use the median speed seen over all attempts.
    rate = statistics.median(seconds_per_unit)
    size = max(eng.min_size, int(round(d / rate)))
    return size, rate * size


def grid_for(durations: list[Duration]) -> list[float]:
    """Calibration points: every fixed duration, and distribution supports at ratio <= 2."""
    pts: set[float] = set()
    for dur in durations:
        lo, hi = dur.support()
        lo = max(lo, 1e-6)
        pts.add(lo)
        pts.add(hi)
        if hi > lo:
            n = max(1, math.ceil(math.log2(hi / lo)))
            pts.update(lo * (hi / lo) ** (i / n) for i in range(n + 1))
    return sorted(pts)


# How far the cpu op's speed may be from the profile's: the VM's speed levels are 1.5-1.8x
# apart, and calibrate.py's and this tool's loops agree within ~8 % at one level.
LEVEL_TOLERANCE = 0.15
LEVEL_TRIES = 30  # calibrations, 2 s apart, before giving up on the level (with a warning)


def spin_level(path: str) -> list[tuple[float, float]]:
    """(iterations, seconds per iteration) of a profile's spin_ns_per_iter(n=...) figures."""
    try:
        with open(path) as f:
            figures = json.load(f)["measured"]["figures"]
    except OSError as e:
        raise UserError(f"--profile {path}: {e.strerror}") from None
    except (json.JSONDecodeError, KeyError, TypeError):
        raise UserError(f"--profile {path}: not a profile written by tools/calibrate.py (no "
                        "\"measured\" figures)") from None
    points = []
    for row in figures:
        m = re.fullmatch(r"spin_ns_per_iter\(n=([0-9.e+]+)\)", str(row.get("figure", "")))
        if m:
            points.append((float(m.group(1)), row["median"] * 1e-9))
    if not points:
        raise UserError(f"--profile {path}: it has no spin_ns_per_iter figures; measure them "
                        "with tools/calibrate.py --only spin")
    return sorted(points)


def expected_per_iter(level: list[tuple[float, float]], n: float) -> float:
    """The profile's seconds per iteration for a loop of n, log-linear between its figures."""
    if n <= level[0][0]:
        return level[0][1]
    for (n0, s0), (n1, s1) in zip(level, level[1:]):
        if n <= n1:
            f = math.log(n / n0) / math.log(n1 / n0)
            return math.exp(math.log(s0) + f * (math.log(s1) - math.log(s0)))
    return level[-1][1]


def level_ratios(points: list[tuple[float, float]], level: list[tuple[float, float]]) -> list[float]:
    """Each calibrated (iterations, seconds per iteration) point's speed against the profile's
    level: its time per iteration over the profile's at that loop size (1.5: 1.5x slower)."""
    return [per_iter / expected_per_iter(level, n) for n, per_iter in points]


def make_engine(kind: str) -> Engine:
    if kind == "cpu":
        return Engine("cpu", "iterations", wl.spin, 1, 40_000)
    if kind == "native":
        return Engine("native", "bytes", wl.hash_bytes, wl.HASHLIB_GIL_MINSIZE, 1_600_000)
    if kind == "native_gil":
        return Engine("native_gil", "bytes", wl.sum_bytes, 1, 200_000)
    eng = Engine("subprocess", "numbers", wl.run_command, 1, 120_000)
    before = children_cpu()
    eng.baseline = statistics.median(eng.time_once(1) for _ in range(21))  # fork, exec, wait
    eng.baseline_cpu = (children_cpu() - before) / 21  # the CPU time of `seq 1 1` itself
    return eng


def children_cpu() -> float:
    """User + system CPU time of this process's waited-for children: the subprocess ops' seq."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def subprocess_speed(streams: list[list], cpu_s: float, baseline_cpu: float) -> dict[str, dict]:
    """The subprocess ops' speed: their children's CPU time (less each op's `seq 1 1` share)
    over their requested durations, as work_speed does for the other kinds."""
    ops = [r for ops in streams for r in ops if r[0] == wl.SUBPROC]
    req = sum(r[4] for r in ops)
    if req <= 0:
        return {}
    work = cpu_s - len(ops) * baseline_cpu
    return {"subprocess": {"cpu_s": work, "requested_s": req, "factor": work / req}}


ENGINE_CODE = {
    "cpu": "for i in range(n): x ^= i",
    "native": "hashlib.sha256(buf[:n])  (GIL released, n >= 2048)",
    "native_gil": "sum(memoryview(buf)[:n])  (GIL held)",
    "subprocess": "subprocess.run(['seq', '1', str(n)], stdout=DEVNULL), less the time of n = 1",
}


class Calibration:
    """Calibrated engines for the op kinds a scenario uses, and speed probes."""

    def __init__(self, scenario: Scenario, short_io: float, monitor: LoadMonitor,
                 quiet_wait: float, cpus: list[int],
                 level: list[tuple[float, float]] | None = None) -> None:
        self.short_io = short_io
        self.level = level or []
        self.monitor = monitor
        self.quiet_wait = quiet_wait
        self.cpus = cpus
        by_kind: dict[str, list[Duration]] = {}
        for op in scenario.all_ops():
            by_kind.setdefault(op.kind, []).append(op.duration)
        if scenario.import_time > 0:  # spun by spawn/forkserver children as cpu work
            by_kind.setdefault("cpu", []).append(Duration("fixed", scenario.import_time))
        self.durations = by_kind
        self.engines: dict[str, Engine] = {}
        self.probe_points: dict[str, tuple[float, int]] = {}
        self.last_by_cpu: dict[int, dict[str, float]] = {}
        self.warnings: list[str] = []

    def build(self) -> None:
        max_d = {k: max(d.support()[1] for d in ds) for k, ds in self.durations.items()}
        # sha256 ~0.6 ns/byte and sum ~5 ns/byte here; sized generously, grown if need be
        if "native" in max_d or "native_gil" in max_d:
            need = max(max(max_d.get("native", 0), 0.02) / 0.4e-9,
                       max(max_d.get("native_gil", 0), 0.02) / 3e-9)
            wl.ensure_buffer(int(need) + (1 << 20))
        for kind in CALIBRATED_KINDS:
            if kind in self.durations:
                self.calibrate_kind(kind)
                if kind == "cpu" and self.level:
                    self.match_level()
        for kind in ("native", "native_gil"):
            if kind in self.engines:
                wl.ensure_buffer(int(self.engines[kind].size_for(max_d[kind]) * 1.3))
        if "io" in self.durations:
            lo = min(d.support()[0] for d in self.durations["io"])
            hi = max(d.support()[1] for d in self.durations["io"])
            if lo < self.short_io <= hi:
                self.warnings.append(
                    f"io durations straddle --short-io {fmt_dur(self.short_io)}: those below are "
                    "os.read on a full pipe (~1-2 us, whatever was asked), those above time.sleep")
            elif hi < self.short_io:
                self.warnings.append(
                    f"io ops below {fmt_dur(self.short_io)} run as os.read(pipe, 1) "
                    "(a GIL-releasing syscall returning at once, ~1-2 us), not as a timed wait")

    def calibrate_kind(self, kind: str) -> None:
        """Calibrate every grid point of one op kind, then check the points against each other.

        A point measured while the VM was briefly slow (another tenant, the other vCPU busy)
        would make every op of that size too short; so after the first pass every point is
        timed again at its size, and points whose speed differs from the others' by more than
        5 % are calibrated again (at most three passes).  Each point waits for quiet first."""
        eng = make_engine(kind)
        self.engines[kind] = eng
        warm_until = time.perf_counter() + (0.05 if kind == "subprocess" else 0.3)
        while time.perf_counter() < warm_until:  # specialise the bytecode, fault pages in
            eng.run(eng.first_guess)
        durs = self.durations[kind]
        total: dict[Duration, float] = {}
        for dur in durs:
            total[dur] = total.get(dur, 0) + dur.mean()
        dominant = max(total, key=total.get)
        probe_d = max(min(dominant.mean(), 0.02), 1e-4 if kind != "subprocess" else 2e-3)
        todo = sorted(set(grid_for(durs)) | {probe_d})
        for _ in range(3):
            for d in todo:
                self.monitor.wait_quiet(self.quiet_wait)
                size, t = calibrate_point(eng, d)
                if kind in ("native", "native_gil") and size > wl.buffer_size():
                    wl.ensure_buffer(int(size * 1.3))  # the slice was cut short: measure again
                    size, t = calibrate_point(eng, d)
                eng.points = sorted([p for p in eng.points if p[0] != d] + [(d, size, t)])
                log(f"calibrated {kind} {fmt_dur(d)} -> {size} {eng.unit} "
                    f"(measured {fmt_dur(t)}, {t / size * 1e9:.3f} ns/{eng.unit[:-1]})")
            ratios = {}  # validation pass: time each point again at its calibrated size
            for d, size, _ in eng.points:
                ratios[d] = eng.median_time(size, _reps_for(d, 0.1, 5, 400)) / d
            mid = statistics.median(ratios.values())
            todo = [d for d, r in ratios.items() if abs(r / mid - 1) > 0.05 or abs(r - 1) > 0.08]
            if not todo:
                break
            log(f"  {kind}: re-timed points off by "
                + ", ".join(f"{fmt_dur(d)} x{ratios[d]:.2f}" for d in todo) + "; recalibrating")
        else:
            self.warnings.append(f"{kind}: calibration points still disagree after three "
                                 "passes; the machine is noisy")
        for d, size, t in eng.points:
            if kind == "native" and size == wl.HASHLIB_GIL_MINSIZE and t > d * 1.05:
                self.warnings.append(
                    f"native {fmt_dur(d)} is shorter than hashing HASHLIB_GIL_MINSIZE bytes "
                    f"({fmt_dur(t)}); it runs as {wl.HASHLIB_GIL_MINSIZE} bytes")
        self.probe_points[kind] = (probe_d, eng.size_for(probe_d))

    def level_ratios(self) -> list[float]:
        return level_ratios([(size, t / size) for _, size, t in self.engines["cpu"].points],
                            self.level)

    def match_level(self) -> None:
        """Calibrate the cpu op again until it runs at the profile's speed level: the ops would
        be right at any level, but the pools' and the interpreter's overheads around them run
        at this moment's speed, and the model has them at the profile's.  Every point must be
        at that level, not their median: the probe times one point only, and on the Intel KVM
        guest short loops flip between ~37 and ~56 ns/iteration from one second to the next,
        so a 50 us point calibrated fast beside a 100 us point calibrated slow made every run
        start on the slow probe and run its 50 us ops at x1.5."""
        for _ in range(LEVEL_TRIES):
            worst = max(self.level_ratios(), key=lambda r: abs(r - 1))
            if abs(worst - 1) <= LEVEL_TOLERANCE:
                return
            log(f"  cpu: the busy loop runs at x{1 / worst:.2f} of the profile's speed; "
                "waiting for its speed level")
            time.sleep(2.0)
            self.calibrate_kind("cpu")
        self.warnings.append(
            "cpu: calibrated at " + ", ".join(f"x{1 / r:.2f}" for r in self.level_ratios())
            + " of the profile's speed (it did not come back); the overheads around the ops "
            "run at that speed, which the prediction does not")

    @staticmethod
    def timer_probe(n: int = 8, timeout: float = 0.002) -> dict[str, float]:
        """Overshoot of a 2 ms timed lock wait (the kind of wait take_gil does).

        On this VM a timed wait on an idle vCPU sometimes fires up to a host tick (4 ms) late;
        recording it before and after each run tells which runs met such a phase."""
        lock = threading.Lock()
        lock.acquire()
        over = []
        for _ in range(n):
            t0 = time.perf_counter()
            lock.acquire(timeout=timeout)
            over.append(time.perf_counter() - t0 - timeout)
        return {"median_s": statistics.median(over), "max_s": max(over)}

    def probe(self) -> dict[str, float]:
        """Speed now relative to the calibration: time of the probe op / calibrated time.

        Timed on every CPU the run may use, one after the other (the main thread pinned to each
        in turn): the vCPUs of this VM do not always run at the same speed, and a run whose
        threads spread over both cores would otherwise be sized by the speed of the one core the
        main thread happened to sit on.  Per kind the factor returned is the one furthest from
        1; self.last_by_cpu keeps them all."""
        by_cpu: dict[int, dict[str, float]] = {}
        try:
            for cpu in self.cpus:
                if len(self.cpus) > 1:
                    os.sched_setaffinity(0, [cpu])
                by_cpu[cpu] = {}
                for kind, (d, size) in self.probe_points.items():
                    eng = self.engines[kind]
                    eng.run(size)  # after a migration: warm this core's caches first
                    by_cpu[cpu][kind] = eng.median_time(size, _reps_for(d, 0.06, 3, 200)) / d
        finally:
            os.sched_setaffinity(0, self.cpus)
        self.last_by_cpu = by_cpu
        return {kind: max((f[kind] for f in by_cpu.values()), key=lambda x: abs(x - 1))
                for kind in self.probe_points}

    def cpus_agree(self, tolerance: float) -> bool:
        """Whether the last probe found every CPU at the same speed, within tolerance."""
        for kind in self.probe_points:
            fs = [f[kind] for f in self.last_by_cpu.values()]
            if max(fs) / min(fs) - 1 > tolerance:
                return False
        return True

    def describe_last_probe(self) -> str:
        return "; ".join(f"cpu{c}: " + ", ".join(f"{k} x{v:.2f}" for k, v in f.items())
                         for c, f in self.last_by_cpu.items())

    def to_json(self) -> dict:
        out: dict[str, Any] = {
            kind: {
                "unit": eng.unit, "code": ENGINE_CODE[kind],
                "points": [{"duration_s": d, "size": s, "measured_s": t,
                            "ns_per_unit": t / s * 1e9} for d, s, t in eng.points],
                "probe": {"duration_s": self.probe_points[kind][0],
                          "size": self.probe_points[kind][1]},
            } | ({"baseline_s": eng.baseline} if eng.baseline else {})
            for kind, eng in self.engines.items()
        }
        out["io"] = {"long": "time.sleep(d); under asyncio await asyncio.sleep(d)",
                     "short": "os.read(pipe_with_data, 1)", "short_below_s": self.short_io}
        return out


# --------------------------------------------------------------------------------------------
# Preparing the concrete ops of one run


class Preparer:
    def __init__(self, cal: Calibration, factors: dict[str, float], rescale: bool) -> None:
        self.cal = cal
        self.factors = factors if rescale else {}

    def op(self, spec: OpSpec, rng: random.Random) -> tuple[int, Any, float]:
        d = spec.duration.draw(rng)
        if spec.kind == "io":
            return (wl.PIPE_READ, None, d) if d < self.cal.short_io else (wl.SLEEP, d, d)
        eng = self.cal.engines[spec.kind]
        size = max(eng.min_size, int(eng.size_for(d) / self.factors.get(spec.kind, 1.0)))
        return (wl.KIND_CODE[spec.kind], size, d)

    def body(self, ops: list[OpSpec], repeat: int, rng: random.Random) -> list:
        return [self.op(op, rng) for _ in range(repeat) for op in ops]

    def tasks(self, sc: Scenario) -> list[tuple[int, list, bytes, int]]:
        """(index, ops, argument payload, result size) per task, in the scenario's order."""
        out = []
        payloads: dict[int, bytes] = {}
        for kind in sc.tasks:
            payload = payloads.setdefault(kind.arg_bytes, b"\x5a" * kind.arg_bytes)
            for i in range(kind.count):
                rng = random.Random(f"{sc.seed}/{kind.name}/{i}")
                out.append((len(out), self.body(kind.ops, kind.repeat, rng), payload,
                            kind.result_bytes))
        return out

    def import_spin(self, sc: Scenario) -> int:
        return self.cal.engines["cpu"].size_for(sc.import_time) if sc.import_time > 0 else 0


def task_kind_names(sc: Scenario) -> list[str]:
    return [k.name for k in sc.tasks for _ in range(k.count)]


# --------------------------------------------------------------------------------------------
# Strategies


@dataclass
class RunResult:
    wall_s: float
    records: list  # per thread or task: (label or index, ident, [op records], ...)
    t_origin: float
    workers: int | None = None
    extra: dict = field(default_factory=dict)


def run_serial(tasks: list) -> RunResult:
    t0 = time.perf_counter()
    results = [wl.run_task(t[:3]) for t in tasks]
    t1 = time.perf_counter()
    return RunResult(t1 - t0, results, t0, 1)


def run_threads(tasks: list, workers: int | None) -> RunResult:
    items = [t[:3] for t in tasks]
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        used = ex._max_workers
        results = list(ex.map(wl.run_task, items))
    t1 = time.perf_counter()
    return RunResult(t1 - t0, results, t0, used)


def run_processes(tasks: list, strat: Strategy, interval: float, import_spin: int) -> RunResult:
    ctx = multiprocessing.get_context(strat.start_method)
    os.environ["REALIZE_IMPORT_SPIN"] = str(import_spin)
    tpw, k = strat.threads_per_worker, strat.chunksize
    t0 = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(
            max_workers=strat.workers, mp_context=ctx, initializer=wl.pool_initializer,
            initargs=(wl.buffer_size(), interval, tpw)) as ex:
        used = ex._max_workers
        if tpw == 1:
            results = list(ex.map(wl.run_task_in_process, tasks, chunksize=k))
        else:
            chunks = [tasks[i:i + k] for i in range(0, len(tasks), k)]
            results = [r for chunk in ex.map(wl.run_chunk_in_process, chunks) for r in chunk]
    t1 = time.perf_counter()
    method = ctx.get_start_method()
    if method == "forkserver":  # untimed: the next run starts its own server, as this one did
        from multiprocessing import forkserver
        stop = getattr(forkserver._forkserver, "_stop", None)
        if stop is not None:
            stop()
    return RunResult(t1 - t0, [r[:3] for r in results], t0, used, {"start_method": method})


def run_asyncio(tasks: list, strat: Strategy) -> RunResult:
    import asyncio
    to_thread = frozenset(wl.KIND_CODE[k] for k in strat.to_thread)

    async def main() -> list:
        sem = asyncio.Semaphore(strat.concurrency) if strat.concurrency else None

        async def one(task: tuple) -> tuple:
            index, ops = task[0], task[1]
            out: list = []
            if sem is None:
                await wl.execute_async(ops, out, to_thread)
            else:
                async with sem:
                    await wl.execute_async(ops, out, to_thread)
            return index, threading.get_ident(), out

        return await asyncio.gather(*(one(t) for t in tasks))

    t0 = time.perf_counter()
    results = asyncio.run(main())
    t1 = time.perf_counter()
    return RunResult(t1 - t0, list(results), t0, strat.concurrency or len(tasks))


def run_program(sc: Scenario, prep: Preparer) -> RunResult:
    """Main thread starts the threads, joins finite ones, stops the until_others_finish ones."""
    stop = [False]
    bodies = []
    for spec in sc.threads:
        rng = random.Random(f"{sc.seed}/{spec.name}/0")
        fixed = all(op.duration.shape == "fixed" for op in spec.ops)
        if spec.until_others_finish:
            # one body reused; with random durations a cycle of 1000 pre-drawn bodies
            bodies.append([prep.body(spec.ops, 1, rng) for _ in range(1 if fixed else 1000)])
        else:
            bodies.append(prep.body(spec.ops, spec.repeat, rng))
    records: list = [None] * len(sc.threads)

    def thread_main(i: int) -> None:
        out: list = []
        t_start = time.perf_counter()
        if sc.threads[i].until_others_finish:
            cycle = bodies[i]
            k = 0
            while not stop[0]:
                wl.execute(cycle[k], out)
                k = (k + 1) % len(cycle)
        else:
            wl.execute(bodies[i], out)
        records[i] = (sc.threads[i].name, threading.get_ident(), out, t_start, time.perf_counter())

    threads = [threading.Thread(target=thread_main, args=(i,), name=s.name)
               for i, s in enumerate(sc.threads)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th, spec in zip(threads, sc.threads):
        if not spec.until_others_finish:
            th.join()
    stop[0] = True
    for th in threads:
        th.join()
    t1 = time.perf_counter()
    return RunResult(t1 - t0, records, t0, len(threads))


def run_strategy(sc: Scenario, strat: Strategy, prep: Preparer) -> RunResult:
    if strat.kind == "program":
        return run_program(sc, prep)
    tasks = prep.tasks(sc)
    gc.collect()
    if strat.kind == "serial":
        return run_serial(tasks)
    if strat.kind == "threads":
        return run_threads(tasks, strat.workers)
    if strat.kind == "processes":
        return run_processes(tasks, strat, sc.switch_interval, prep.import_spin(sc))
    return run_asyncio(tasks, strat)


# --------------------------------------------------------------------------------------------
# What a run tells


def run_streams(res: RunResult) -> list[list]:
    """The op records of a run, one list per program thread or per task."""
    return [r[2] for r in res.records]


def latency_by_kind(ops: list) -> dict[str, list[float]]:
    by: dict[str, list[float]] = {}
    for code, t0, t1, *_ in ops:
        by.setdefault(wl.CODE_KIND[code], []).append(t1 - t0)
    return by


def work_speed(streams: list[list]) -> dict[str, dict]:
    """Per calibrated op kind: the ops' thread CPU time over their requested durations.

    1.0 means the work ran at the calibrated speed; 1.2 that the machine was 20 % slower during
    the run than at calibration (or that the op was sized wrong), 0.8 that it was faster.  Unlike
    the probes before and after a run, this sees the speed of whichever cores the run's threads
    actually used, while they used them."""
    totals: dict[str, list[float]] = {}
    for ops in streams:
        for kind, cpu_s, requested in checked_ops(ops):
            t = totals.setdefault(kind, [0.0, 0.0])
            t[0] += cpu_s
            t[1] += requested
    return {k: {"cpu_s": cpu, "requested_s": req,
                "factor": cpu / req if req > 0 else float("nan")} for k, (cpu, req) in totals.items()}


def checked_ops(ops: list) -> Iterator[tuple[str, float, float]]:
    """(kind, thread CPU time, requested duration) of the ops whose thread clock was read."""
    for code, _, _, cpu_s, requested in ops:
        kind = wl.CODE_KIND[code]
        if kind in WORK_SPEED_KINDS and cpu_s >= 0:
            yield kind, cpu_s, requested


MIN_WORKER_WORK = 0.01  # s of checked work a worker needs before its own speed is judged


def worker_speeds(res: RunResult) -> dict[str, list[float]]:
    """Per calibrated op kind: the speed of each worker (process or thread) with at least
    MIN_WORKER_WORK of checked ops, as work_speed measures the run's.  The two vCPUs often run
    at different speeds; with the work split over them the slower one sets the wall time, so a
    run whose kinds are on speed overall can still have one worker 10 % slow and one 10 % fast."""
    totals: dict[tuple[Any, str], list[float]] = {}
    for rec in res.records:
        for kind, cpu_s, requested in checked_ops(rec[2]):
            t = totals.setdefault((rec[1], kind), [0.0, 0.0])
            t[0] += cpu_s
            t[1] += requested
    out: dict[str, list[float]] = {}
    for (_, kind), (cpu, req) in sorted(totals.items(), key=lambda kv: str(kv[0])):
        if req >= MIN_WORKER_WORK:
            out.setdefault(kind, []).append(cpu / req)
    return out


def wall_lower_bound(sc: Scenario, strat: Strategy, cores: int, res: RunResult) -> tuple[float, str]:
    """The shortest wall time the run could possibly have taken, from the requested durations of
    the ops it ran (not the background threads of a program, which run until the others end).

    One interpreter runs bytecode and GIL-holding C calls one at a time, so under serial,
    threads, asyncio and a program their sum bounds the wall time from below; all work that
    needs a core is bounded by the cores (and a process pool's workers).  A measured wall time
    well below the bound means the ops were bigger on paper than in reality: the speed the ops
    were sized at was not the speed they ran at (the bug this guard was written for: a threads
    run of 8 x 50 ms of Python finishing in 292 ms, sized on the slower of two vCPUs)."""
    streams = run_streams(res)
    if sc.is_program:
        streams = [r[2] for r, spec in zip(res.records, sc.threads) if not spec.until_others_finish]
    total: dict[str, float] = {}
    for ops in streams:
        for code, _, _, _, requested in ops:
            total[wl.CODE_KIND[code]] = total.get(wl.CODE_KIND[code], 0.0) + requested
    gil = total.get("cpu", 0.0) + total.get("native_gil", 0.0)
    core = gil + total.get("native", 0.0) + total.get("subprocess", 0.0)
    bounds = []
    if strat.kind == "serial":
        bounds.append((sum(total.values()), "serial: the sum of every op"))
    elif strat.kind == "processes":
        procs = min(res.workers or cores, cores)
        bounds.append((core / procs, f"CPU work / {procs} processes"))
    elif strat.kind == "asyncio":
        awaited = ("io", "subprocess")  # asyncio.sleep, create_subprocess_exec + wait
        on_loop = sum(v for k, v in total.items() if k not in awaited and k not in strat.to_thread)
        bounds.append((max(gil, on_loop), "one loop thread: every op not awaited or sent to a thread"))
    else:
        bounds.append((gil, "one GIL: the sum of cpu and native_gil ops"))
    bounds.append((core / cores, f"CPU work / {cores} cores"))
    return max(bounds)


def holder_changes(streams: list[list], t_origin: float, wall: float) -> dict:
    """GIL holder changes seen at op boundaries.

    Every op end is stamped by the thread that holds the GIL at that moment, so merging all
    threads' op ends by time gives the holder sequence at op granularity.  A change of thread
    between consecutive op ends is one observed hand-off; holds shorter than one op are not seen,
    so this is a lower bound on switches.  hold_s: time between consecutive observed changes.
    """
    events = sorted((op[2], i) for i, ops in enumerate(streams) for op in ops)
    changes = [t for (t, i), (_, j) in zip(events[1:], events) if i != j]
    holds = [b - a for a, b in zip(changes, changes[1:])]
    return {"count": len(changes), "per_s": len(changes) / wall if wall > 0 else 0.0,
            "hold_s": describe(holds) if holds else {"count": 0}}


def summarize_run(sc: Scenario, res: RunResult) -> dict:
    out: dict[str, Any] = {"wall_s": res.wall_s}
    if sc.is_program:
        threads = []
        for name, ident, ops, t_start, t_end in res.records:
            lat = latency_by_kind(ops)
            threads.append({
                "name": name, "ops": len(ops),
                "ops_by_kind": {k: len(v) for k, v in lat.items()},
                "total_s": t_end - t_start, "finished_at_s": t_end - res.t_origin,
                "latency_s": {k: describe(v) for k, v in lat.items()},
            })
        out["threads"] = threads
        out["holder_changes"] = holder_changes(run_streams(res), res.t_origin, res.wall_s)
    else:
        names = task_kind_names(sc)
        by_task: dict[str, dict[str, list[float]]] = {}
        finish: dict[str, list[float]] = {}
        per_ident: dict[int, list] = {}
        for index, ident, ops in res.records:
            for k, v in latency_by_kind(ops).items():
                by_task.setdefault(names[index], {}).setdefault(k, []).extend(v)
            if ops:
                finish.setdefault(names[index], []).append(ops[-1][2] - res.t_origin)
            per_ident.setdefault(ident, []).extend(ops)
        out["workers_used"] = res.workers
        out["workers_seen"] = len(per_ident)
        out["tasks"] = [{"name": n, "latency_s": {k: describe(v) for k, v in by_task[n].items()},
                         "finished_at_s": describe(finish.get(n, []))} for n in by_task]
        out["holder_changes"] = holder_changes(list(per_ident.values()), res.t_origin,
                                               res.wall_s)
    out["work_speed"] = work_speed(run_streams(res))
    out.update(res.extra)
    return out


def aggregate_threads(sc: Scenario, runs: list[dict]) -> list[dict]:
    """Per program thread over all runs: latencies pooled, totals as min/median/max."""
    out = []
    for i, spec in enumerate(sc.threads):
        pooled: dict[str, list[float]] = {}
        per_run_median: dict[str, list[float]] = {}
        per_run_mean: dict[str, list[float]] = {}
        for run in runs:
            t = run["_raw"][i]
            for k, v in latency_by_kind(t[2]).items():
                pooled.setdefault(k, []).extend(v)
                per_run_median.setdefault(k, []).append(statistics.median(v))
                per_run_mean.setdefault(k, []).append(sum(v) / len(v))
        requested = {op.kind: op.duration.mean() for op in spec.ops}
        out.append({
            "name": spec.name,
            "repeat": "until_others_finish" if spec.until_others_finish else spec.repeat,
            "ops_per_run": mmm([r["threads"][i]["ops"] for r in runs]),
            "total_s": mmm([r["threads"][i]["total_s"] for r in runs]),
            "latency_s": {k: describe(v) | {"requested_mean": requested.get(k),
                                            "per_run_median": mmm(per_run_median[k]),
                                            "per_run_mean": mmm(per_run_mean[k])}
                          for k, v in pooled.items()},
        })
    return out


# --------------------------------------------------------------------------------------------
# Driver


def choose_cores(requested: int | None, sc: Scenario) -> tuple[list[int], int]:
    allowed = sorted(os.sched_getaffinity(0))
    host = len(allowed)
    want = requested if requested is not None else sc.cores
    if want > host:
        log(f"warning: {want} cores asked ({'--cores' if requested else 'machine.cores'}), "
            f"the host allows {host}: using {host}")
        want = host
    return allowed[:want], host


def cannot_realize(strat: Strategy) -> str | None:
    """Why this interpreter cannot run the strategy for real, or None if it can."""
    if strat.kind in REALIZABLE:
        return None
    if strat.kind == "free-threaded":
        gil_check = getattr(sys, "_is_gil_enabled", None)
        if gil_check is None or gil_check():
            return (f"needs a free-threaded CPython build (3.13t/3.14t); this is "
                    f"{platform.python_version()} with a GIL")
        return "free-threaded runs are not implemented in realize yet"
    if strat.kind == "subinterpreters":
        return "needs InterpreterPoolExecutor (CPython 3.14); realize does not run it yet"
    return f"unknown strategy {strat.kind}"


def select_strategies(sc: Scenario, names: list[str] | None) -> tuple[list[Strategy], list[dict]]:
    strategies = sc.strategies
    if names:
        picked = [s for s in strategies if s.kind in names or s.label in names]
        unknown = [n for n in names if not any(n in (s.kind, s.label) for s in strategies)]
        if unknown:
            raise UserError(f"--strategy {unknown[0]}: the scenario has "
                            f"{', '.join(s.label for s in strategies)}")
        strategies = picked
    runnable, skipped = [], []
    for s in strategies:
        why = cannot_realize(s)
        if why is None:
            runnable.append(s)
        else:
            log(f"warning: strategy {s.label} cannot be run here: {why}; skipped")
            skipped.append({"strategy": s.kind, "label": s.label, "index": s.index, "why": why})
    if not runnable:
        raise UserError("none of the scenario's strategies can be run here ("
                        + "; ".join(f"{k['label']}: {k['why']}" for k in skipped) + ")")
    return runnable, skipped


def probe_in_band(cal: Calibration, mon: LoadMonitor, args) -> tuple[dict, dict, float]:
    """Wait for quiet and a speed within --max-drift of the calibration on every CPU.

    Returns (speed factors, timer overshoot, seconds waited).  If the speed stays out of band
    over several probes that agree with each other, taken while no other process used the CPUs,
    and the CPUs agree among themselves, the machine really changed speed: the op kinds are
    calibrated again (not the cpu op with --profile: it waits for the profile's speed level).
    A slowdown while others compile is contention, not a new speed: it is waited out, as are
    CPUs that disagree with each other (recalibrating on one would not help)."""
    waited = 0.0
    history: list[tuple[dict, bool]] = []
    while True:
        w = mon.wait_quiet(args.quiet_wait)
        waited += max(w, 0.0)
        timer = cal.timer_probe()
        mark = mon.mark()
        factors = cal.probe()
        foreign, window = mon.foreign_since(mark)
        quiet = w >= 0 and foreign <= 0.03
        off = {k: f for k, f in factors.items() if abs(f - 1) > args.max_drift}
        if not off or args.rescale:
            return factors, timer, waited
        history.append((factors, quiet))
        recent = history[-3:]
        if len(history) >= 4 and all(q for _, q in recent) and cal.cpus_agree(args.max_drift):
            steady = all(abs(h[k] / recent[0][0][k] - 1) < args.max_drift
                         for h, _ in recent for k in off)
            # With --profile the cpu op keeps the profile's speed level: wait for it instead.
            movable = [k for k in off if not (k == "cpu" and cal.level)]
            if steady and movable:
                log(f"  speed moved for good ({cal.describe_last_probe()}); calibrating again")
                for k in movable:
                    cal.calibrate_kind(k)
                history.clear()
                continue
        if len(history) >= args.max_wait_probes:
            log("  warning: the speed keeps moving; running anyway (flagged)")
            return factors, timer, waited
        if len(history) == 1:
            log(f"  speed off the calibration ({cal.describe_last_probe()}); waiting for it to "
                "settle")
        time.sleep(1.0)
        waited += 1.0


def timed_run(sc: Scenario, strat: Strategy, cal: Calibration, mon: LoadMonitor,
              args) -> tuple[RunResult, dict]:
    """One measured run.  It starts only when the probes on every CPU are within --max-drift
    of the calibration.  It is accepted only if the work ran at the calibrated speed (each op
    kind's thread CPU time within --max-work-drift of the requested durations; for kinds
    without such ops, the probes after the run within --max-drift), and no other process used
    more than --max-foreign-load cores meanwhile; otherwise retried (at most --retries times,
    the last attempt is kept and flagged)."""
    attempts = []
    for attempt in range(args.retries + 1):
        pre, timer_pre, waited = probe_in_band(cal, mon, args)
        prep = Preparer(cal, pre, args.rescale)
        mark = mon.mark()
        children = children_cpu()
        res = run_strategy(sc, strat, prep)
        children = children_cpu() - children
        foreign, window = mon.foreign_since(mark)
        post = cal.probe()
        timer_post = cal.timer_probe()
        foreign_load = foreign / window if window > 0 else 0.0
        noisy = foreign > 0.03 and foreign_load > args.max_foreign_load
        speed = work_speed(run_streams(res))
        if "subprocess" in cal.engines and strat.kind != "processes":  # no pool workers reaped
            speed.update(subprocess_speed(run_streams(res), children,
                                          cal.engines["subprocess"].baseline_cpu))
        work_off = {k: v["factor"] for k, v in speed.items()
                    if abs(v["factor"] - 1) > args.max_work_drift}
        workers = worker_speeds(res)
        worker_off = {k: (min(v), max(v)) for k, v in workers.items() if len(v) > 1 and
                      max(abs(f - 1) for f in v) > args.max_work_drift}
        # A kind whose work speed was measured in the run is judged by it: the probe after the
        # run only guesses what happened during it.  The others are judged by the probes.
        unseen = [k for k in pre if k not in speed]
        drift = max((abs(post[k] / pre[k] - 1) for k in unseen), default=0.0)
        if not args.rescale:
            drift = max([drift] + [abs(post[k] - 1) for k in unseen])
        bound, bound_why = wall_lower_bound(sc, strat, len(cal.cpus), res)
        attempts.append({"speed_before": pre, "speed_after": post, "drift": drift,
                         "work_speed": {k: v["factor"] for k, v in speed.items()},
                         "worker_speeds": workers,
                         "wall_s": res.wall_s, "foreign_load": foreign_load,
                         "waited_for_quiet_s": waited})
        if drift <= args.max_drift and not noisy and not work_off and not worker_off:
            break
        why = []
        if drift > args.max_drift:
            why.append("speed moved " + ", ".join(f"{k} {pre[k]:.3f}->{post[k]:.3f}"
                                                  for k in unseen))
        if work_off:
            why.append("the work itself took " + ", ".join(f"{k} x{f:.3f}"
                                                           for k, f in work_off.items())
                       + " of its calibrated CPU time")
        if worker_off:
            why.append("its workers' work ran at " + ", ".join(
                f"{k} x{lo:.3f}..x{hi:.3f}" for k, (lo, hi) in worker_off.items()))
        if noisy:
            why.append(f"other processes used {foreign_load:.2f} cores")
        log(f"  {strat.label}: {' and '.join(why)} during the run (wall {fmt_dur(res.wall_s)}); " +
            ("retrying" if attempt < args.retries else "giving up, keeping it (flagged)"))
    info = {"attempts": len(attempts), "speed_before": pre, "speed_after": post,
            "speed_by_cpu_after": {str(c): f for c, f in cal.last_by_cpu.items()},
            "drift": drift, "drift_exceeded": drift > args.max_drift,
            "work_speed": speed, "work_speed_exceeded": bool(work_off or worker_off),
            "worker_speeds": workers,
            "wall_lower_bound": {"s": bound, "why": bound_why,
                                 "violated": res.wall_s < bound * (1 - args.max_work_drift)},
            "foreign_load": foreign_load, "foreign_load_exceeded": noisy,
            "waited_for_quiet_s": waited,
            "timer_overshoot_before": timer_pre, "timer_overshoot_after": timer_post,
            "discarded": attempts[:-1]}
    return res, info


def aggregate(sc: Scenario, strat: Strategy, rs: list[dict], warnings: list[str]) -> dict:
    entry: dict[str, Any] = {
        "strategy": strat.kind, "label": strat.label, "index": strat.index,
        "workers": strat.workers, "workers_used": rs[0].get("workers_used"),
        "wall_s": mmm([r["wall_s"] for r in rs]),
        "retried_runs": sum(1 for r in rs if r["attempts"] > 1),
        "drift_exceeded_runs": sum(1 for r in rs if r["drift_exceeded"]),
        "work_speed_exceeded_runs": sum(1 for r in rs if r["work_speed_exceeded"]),
        "foreign_load_exceeded_runs": sum(1 for r in rs if r["foreign_load_exceeded"]),
        "foreign_load_max": max(r["foreign_load"] for r in rs),
        "work_speed": {k: mmm([r["work_speed"][k]["factor"] for r in rs])
                       for k in rs[0]["work_speed"]},
        "wall_lower_bound_s": rs[0]["wall_lower_bound"]["s"],
        "wall_lower_bound_violated_runs": sum(1 for r in rs if r["wall_lower_bound"]["violated"]),
    }
    if "start_method" in rs[0]:
        entry["start_method"] = rs[0]["start_method"]
    if entry["wall_lower_bound_violated_runs"]:
        warnings.append(
            f"{strat.label}: {entry['wall_lower_bound_violated_runs']} of {len(rs)} runs finished "
            f"faster than possible (wall {fmt_dur(entry['wall_s']['min'])} < lower bound "
            f"{fmt_dur(entry['wall_lower_bound_s'])}: {rs[0]['wall_lower_bound']['why']}); the op "
            "sizes did not match the speed the work ran at: do not trust this result")
    if sc.is_program:
        entry["threads"] = aggregate_threads(sc, rs)
    entry["holder_changes"] = {
        "count": mmm([r["holder_changes"]["count"] for r in rs]),
        "hold_s_median": mmm([r["holder_changes"]["hold_s"].get("median", float("nan"))
                              for r in rs if r["holder_changes"]["hold_s"].get("count")]),
    }
    for r in rs:
        r.pop("_raw", None)
    entry["runs"] = rs
    return entry


def realize(args) -> dict:
    sc = load_scenario(args.scenario)
    if args.switch_interval is not None:
        sc.switch_interval = parse_seconds(args.switch_interval, "--switch-interval")
    if sc.switch_interval <= 0:
        raise UserError("switch interval must be > 0")
    strategies, skipped = select_strategies(sc, args.strategy)
    cpus, host = choose_cores(args.cores, sc)
    os.sched_setaffinity(0, cpus)  # before any thread or process exists: all inherit it
    sys.setswitchinterval(sc.switch_interval)
    running = ".".join(platform.python_version_tuple()[:2])
    warnings: list[str] = []
    if sc.python is not None and sc.python != running:
        warnings.append(f"the scenario is for Python {sc.python}; this is {running} (run "
                        f"realize.py with python{sc.python.rstrip('t')} to match)")
    log(f"{sc.name}: CPython {platform.python_version()}, pinned to CPU(s) "
        f"{','.join(map(str, cpus))} of {host}, switch interval {fmt_dur(sys.getswitchinterval())}")

    mon = LoadMonitor(TOOL)
    if mon.wait_quiet(args.quiet_wait) < 0:
        log("warning: other processes keep the CPUs busy; calibrating anyway")
    cal = Calibration(sc, args.short_io, mon, args.quiet_wait, cpus, args.spin_level)
    cal.build()
    warnings += cal.warnings
    for w in warnings:
        log(f"warning: {w}")

    runs: dict[int, list[dict]] = {i: [] for i in range(len(strategies))}
    for rep in range(args.repeat):
        for i, strat in enumerate(strategies):  # interleaved: slow drift hits all alike
            res, info = timed_run(sc, strat, cal, mon, args)
            summary = summarize_run(sc, res) | info | {"repeat_index": rep}
            if sc.is_program:
                summary["_raw"] = res.records
            runs[i].append(summary)
            before = ", ".join(f"{k} {v:.3f}" for k, v in info["speed_before"].items())
            worked = ", ".join(f"{k} {v['factor']:.3f}" for k, v in summary["work_speed"].items())
            log(f"  {strat.label} run {rep + 1}/{args.repeat}: wall {fmt_dur(res.wall_s)}"
                f"  (timer overshoot max {fmt_dur(info['timer_overshoot_before']['max_s'])}/"
                f"{fmt_dur(info['timer_overshoot_after']['max_s'])}; speed before {before}; "
                f"work ran at {worked or '-'}{', retried' if info['attempts'] > 1 else ''})")

    n_before = len(warnings)
    results = [aggregate(sc, strat, runs[i], warnings) for i, strat in enumerate(strategies)]
    for w in warnings[n_before:]:
        log(f"warning: {w}")
    return {
        "schema_version": SCHEMA_VERSION, "tool": TOOL,
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "python_build": sys.version, "executable": sys.executable,
        "host": f"{platform.machine()}, Linux {platform.release()}",
        "host_cores": host, "cores": len(cpus), "cpus": cpus,
        "scenario": sc.name, "scenario_path": sc.path, "scenario_hash": sc.content_hash,
        "seed": sc.seed, "switch_interval_s": sys.getswitchinterval(),
        "repeat": args.repeat, "rescale": args.rescale, "max_drift": args.max_drift,
        "max_work_drift": args.max_work_drift, "started_unix": START_TIME,
        "finished_unix": time.time(),
        "results": results, "skipped": skipped, "calibration": cal.to_json(),
        "warnings": warnings,
    }


# --------------------------------------------------------------------------------------------
# Output


def table(doc: dict) -> str:
    lines = [f"{doc['scenario']}: CPython {doc['python']}, {doc['host_cores']}-CPU host, "
             f"pinned to {doc['cores']} core(s), switch interval "
             f"{fmt_dur(doc['switch_interval_s'])}, {doc['repeat']} runs each"]
    lines.append(f"{'strategy':<36} {'workers':>7}  {'wall min':>10} {'median':>10} {'max':>10}"
                 f"  {'switches':>8}  retried")
    for r in doc["results"]:
        w = r["wall_s"]
        hc = r["holder_changes"]["count"]
        lines.append(f"{r['label']:<36} {str(r.get('workers_used') or '-'):>7}  "
                     f"{fmt_dur(w['min']):>10} {fmt_dur(w['median']):>10} {fmt_dur(w['max']):>10}"
                     f"  {hc.get('median', 0):>8.0f}  {r['retried_runs']}"
                     + (f" ({r['drift_exceeded_runs']} still drifting)"
                        if r['drift_exceeded_runs'] else "")
                     + (f" ({r['work_speed_exceeded_runs']} work off speed)"
                        if r['work_speed_exceeded_runs'] else "")
                     + (f" ({r['foreign_load_exceeded_runs']} with other load)"
                        if r['foreign_load_exceeded_runs'] else ""))
        for t in r.get("threads", []):
            tot = t["total_s"]
            lines.append(f"  thread {t['name']}: {t['ops_per_run']['median']:.0f} ops/run, total "
                         f"{fmt_dur(tot['min'])} / {fmt_dur(tot['median'])} / {fmt_dur(tot['max'])}")
            for kind, st in t["latency_s"].items():
                req = st.get("requested_mean")
                lines.append(f"    {kind:<10} n={st['count']:<6} median {fmt_dur(st['median']):>9}"
                             f"  p90 {fmt_dur(st['p90']):>9}  p99 {fmt_dur(st['p99']):>9}"
                             f"  max {fmt_dur(st['max']):>9}"
                             + (f"  (asked {fmt_dur(req)})" if req is not None else ""))
    for k in doc["skipped"]:
        lines.append(f"{k['label']:<36} not run here: {k['why']}")
    for w in doc["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="realize.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a gilsim scenario for real in this CPython and measure wall times and "
                    "per-op latencies.\n\n" + __doc__.split("\n\n", 1)[1].split("\n\nOutput:")[0],
        epilog="Example: python3 tools/realize.py scenarios/convoy.json --cores 2 --repeat 5 "
               "--switch-interval 1ms --format table")
    p.add_argument("scenario", help="scenario JSON file")
    p.add_argument("--cores", type=int, help="pin to the first N allowed CPUs (default: the "
                   "scenario's machine.cores, capped at the host's)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per strategy (default 5)")
    p.add_argument("--strategy", action="append", help="run only this strategy (kind or label "
                   "such as 'threads(4)'); may be repeated")
    p.add_argument("--switch-interval", help="override the scenario's switch_interval, e.g. 1ms")
    p.add_argument("--format", choices=("json", "table"), default="table")
    p.add_argument("--output", "-o", help="also write the JSON result to this file (whole or "
                   "not at all)")
    p.add_argument("--max-drift", type=float, default=0.08, help="retry a run when the probed "
                   "speed on any CPU is off the calibration by more than this fraction before "
                   "or after it (default 0.08)")
    p.add_argument("--max-work-drift", type=float, default=0.06, help="retry a run when its "
                   "calibrated ops (all of 1 ms or more, a sample of shorter ones) used more than this "
                   "fraction more (or less) "
                   "thread CPU time than asked (default 0.06)")
    p.add_argument("--retries", type=int, default=3, help="retries per run (default 3)")
    p.add_argument("--max-foreign-load", type=float, default=0.10, help="retry a run when "
                   "other processes used more than this many cores on average (default 0.10)")
    p.add_argument("--quiet-wait", type=float, default=60.0, help="before each run wait up to "
                   "this many seconds for other processes to leave the CPUs idle (default 60)")
    p.add_argument("--max-wait-probes", type=int, default=30, help="probes (about 1.5 s "
                   "apart) to wait for the speed to come back before a run starts anyway, "
                   "flagged (default 30)")
    p.add_argument("--rescale", action="store_true", help="instead of waiting for the speed "
                   "to come back to the calibrated one, scale each run's op sizes by the speed "
                   "probed right before it.  Faster on a noisy host, but biased: the overheads "
                   "(process start, pickling, pool bookkeeping) are not scaled, so at a slow "
                   "speed level an overhead-heavy case measures slow")
    p.add_argument("--short-io", default="20us", help="io ops shorter than this become "
                   "os.read on a full pipe instead of time.sleep (default 20us)")
    p.add_argument("--profile", help="the host profile the measurements will be compared "
                   "with (tools/calibrate.py): calibrate the cpu op only while the busy loop "
                   "runs at the speed of the profile's spin_ns_per_iter figures, so the "
                   "overheads around the ops run at the speed its costs were measured at "
                   "(this VM's speed level moves by 1.5x for minutes); without --rescale the "
                   "runs then wait for that level too")
    a = p.parse_args(argv)
    if a.cores is not None and a.cores < 1:
        p.error("--cores must be >= 1")
    if a.repeat < 1:
        p.error("--repeat must be >= 1")
    if a.retries < 0 or a.max_drift <= 0 or a.max_work_drift <= 0 or a.max_wait_probes < 1:
        p.error("--retries must be >= 0, --max-drift and --max-work-drift > 0, "
                "--max-wait-probes >= 1")
    try:
        a.short_io = parse_seconds(a.short_io, "--short-io")
        a.spin_level = spin_level(a.profile) if a.profile else []
    except UserError as e:
        p.error(str(e))
    return a


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        doc = realize(args)
    except UserError as e:
        print(f"realize: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("realize: interrupted", file=sys.stderr)
        return 130
    text = json.dumps(doc, indent=1)
    if args.output:
        write_atomically(args.output, text + "\n")
    print(text if args.format == "json" else table(doc))
    return 0
