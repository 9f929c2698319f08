#!/usr/bin/env python3
"""Run a gilsim scenario for real in CPython and measure it.

gilsim predicts; this tool is the ground truth it is checked against.  It turns each op of a
scenario into real code, times every strategy several times, and prints wall times (min /
median / max) plus, for every thread, each op's measured latency:

  cpu         a pure-Python loop (``for i in range(n): x ^= i``) holding the GIL; the number of
              iterations is calibrated *at the chunk size used*, since short loops run at a
              different speed per iteration than long ones.  Every iteration ends in a backward
              jump, an eval-breaker check point, so drop requests are honoured at once.
  io          ``time.sleep(d)``: the GIL is released, no core is used.  Sleeps always overshoot
              by the timer slack (~50 us) plus the wake-up latency; that is part of the real
              cost and is reported, not hidden.  An io op shorter than --short-io (20 us by
              default) cannot be a sleep: it becomes ``os.read(fd, 1)`` on a pipe that already
              holds data, a GIL-releasing system call that returns at once (~1-2 us here).
  native      ``hashlib.sha256(buffer[:n])``: OpenSSL's digest releases the GIL for inputs of at
              least HASHLIB_GIL_MINSIZE (2048) bytes and keeps a core busy; n is calibrated.
  native_gil  ``sum(buffer_memoryview[:n])``: builtin sum() iterating over n bytes in C, one
              long call that keeps the GIL and reaches no eval-breaker check until it returns
              (the items are cached small ints: no allocation, ~5 ns/byte, linear and steadier
              than a sorted() of a list, whose timing depends on malloc's mmap threshold).

Speed drift.  The VM's single-core speed moves by 10-60 % for seconds at a time (other tenants,
the other vCPU busy), and its two vCPUs do not always run at the same speed (one at 33 ns per
loop iteration while the other ran at 18 ns, for tens of seconds, nothing else running in the
VM).  The op sizes are calibrated once at start (each point timed again in a validation pass;
points that disagree are redone).  Right before and right after every timed run the tool times
each calibrated op kind again on every CPU the run may use (a "probe").  A run starts only when
the probe on every CPU is within --max-drift (8 %) of the calibration and no other process is
using the CPUs; it is kept only if the probe after it is in the band too, other processes used
less than --max-foreign-load cores meanwhile (interrupt time is not counted: it is the run's own
timers and wake-ups), and the work itself ran at the calibrated speed: the thread CPU time of
the calibrated ops, summed over the run, is within --max-work-drift (10 %) of their requested
durations.  Otherwise the run is retried (at most --retries times; the last attempt is kept and
flagged).  If the speed stays off but steady on all CPUs alike, the kind is calibrated again.
--rescale instead scales each run's op sizes by the speed probed before it.  Repeats of the
strategies are interleaved (serial #1, threads #1, serial #2, ...) so slow drift hits them alike.
Before and after each run a timer probe (eight 2 ms timed lock waits) records the overshoot.

Sanity guard.  Every run's wall time is checked against a lower bound that no correct run can
beat: one interpreter runs its bytecode and GIL-holding C calls one at a time, and CPU work
cannot finish faster than cores allow.  A run below the bound (by more than --max-work-drift) is
reported as a warning and counted in wall_lower_bound_violated_runs.

Strategies.  Workload form: ``serial`` (a loop in the main thread), ``threads``
(``ThreadPoolExecutor(workers)`` and ``list(ex.map(run_task, tasks))``, timed from creating the
executor to the end of its ``with`` block, i.e. including thread start-up and shutdown) and
``processes`` (``ProcessPoolExecutor``, same timing; ``start_method`` as in the scenario, else
the platform default).  Program form: the main thread starts the listed threads in order,
joins the finite ones, sets a stop flag that the ``until_others_finish`` threads check between
iterations of their op list, and joins those; wall time runs from the first ``start()`` to the
last ``join()``.

Random durations are drawn from ``random.Random("<seed>/<task or thread>/<instance>")``; the
draws are the same in every repeat but are not the simulator's draws.  Tasks are run in the
order of the scenario (all instances of the first task kind, then the next kind, ...).

Output: a table or JSON (schema_version 1) on stdout, progress on stderr.  Exit status 0 on
success, 2 for bad usage or a bad scenario file, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fcntl
import gc
import hashlib
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
from typing import Any

SCHEMA_VERSION = 1
TOOL = "realize"
OP_KINDS = ("cpu", "io", "native", "native_gil")
CALIBRATED_KINDS = ("cpu", "native", "native_gil")
HASHLIB_GIL_MINSIZE = 2048  # Modules/hashlib.h: smaller inputs are hashed with the GIL held
F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ exists only from Python 3.10 on some builds


class UserError(Exception):
    """A mistake in the command line or the scenario file: reported on one line, exit 2."""


def log(msg: str) -> None:
    print(f"realize: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Durations and the scenario file


_DURATION_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ns|us|µs|ms|s)\s*$")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}


def parse_seconds(value: Any, where: str) -> float:
    if not isinstance(value, str):
        raise UserError(f"{where}: expected a duration string like \"5ms\", got {json.dumps(value)}")
    m = _DURATION_RE.match(value)
    if not m:
        raise UserError(f"{where}: bad duration {json.dumps(value)}: use a number and one of "
                        "ns, us, ms, s (e.g. \"200us\")")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


@dataclass(frozen=True)
class Duration:
    """A fixed duration or a distribution, in seconds."""
    shape: str  # fixed | uniform | lognormal
    a: float = 0.0  # fixed value, uniform low, lognormal mean
    b: float = 0.0  # uniform high, lognormal cv

    def draw(self, rng: random.Random) -> float:
        if self.shape == "fixed":
            return self.a
        if self.shape == "uniform":
            return rng.uniform(self.a, self.b)
        sigma2 = math.log(1.0 + self.b * self.b)
        return rng.lognormvariate(math.log(self.a) - sigma2 / 2, math.sqrt(sigma2))

    def support(self) -> tuple[float, float]:
        """The range of values worth calibrating for (lognormal: ~99.9 % of draws)."""
        if self.shape == "fixed":
            return self.a, self.a
        if self.shape == "uniform":
            return self.a, self.b
        sigma = math.sqrt(math.log(1.0 + self.b * self.b))
        mu = math.log(self.a) - sigma * sigma / 2
        return math.exp(mu - 3.3 * sigma), math.exp(mu + 3.3 * sigma)

    def mean(self) -> float:
        return self.a if self.shape in ("fixed", "lognormal") else (self.a + self.b) / 2


def parse_duration(value: Any, where: str) -> Duration:
    if isinstance(value, str):
        return Duration("fixed", parse_seconds(value, where))
    if isinstance(value, dict) and len(value) == 1:
        (shape, p), = value.items()
        if shape == "uniform" and isinstance(p, dict) and set(p) == {"low", "high"}:
            low = parse_seconds(p["low"], f"{where}/uniform/low")
            high = parse_seconds(p["high"], f"{where}/uniform/high")
            if high < low:
                raise UserError(f"{where}/uniform: high is below low")
            return Duration("uniform", low, high)
        if shape == "lognormal" and isinstance(p, dict) and set(p) == {"mean", "cv"}:
            mean = parse_seconds(p["mean"], f"{where}/lognormal/mean")
            cv = p["cv"]
            if not isinstance(cv, (int, float)) or isinstance(cv, bool) or cv < 0:
                raise UserError(f"{where}/lognormal/cv: expected a number >= 0")
            if mean <= 0:
                raise UserError(f"{where}/lognormal/mean: must be > 0")
            return Duration("lognormal", mean, float(cv))
    raise UserError(f"{where}: expected a duration string, {{\"uniform\": {{\"low\", \"high\"}}}} "
                    f"or {{\"lognormal\": {{\"mean\", \"cv\"}}}}, got {json.dumps(value)}")


@dataclass(frozen=True)
class OpSpec:
    kind: str
    duration: Duration


@dataclass
class TaskKind:
    name: str
    count: int
    repeat: int
    ops: list[OpSpec]


@dataclass
class ThreadSpec:
    name: str
    ops: list[OpSpec]
    repeat: int  # ignored when until_others_finish
    until_others_finish: bool


@dataclass
class Strategy:
    kind: str  # serial | threads | processes | program
    workers: int | None = None
    start_method: str | None = None

    @property
    def label(self) -> str:
        if self.kind in ("threads", "processes"):
            w = self.workers if self.workers is not None else "default"
            sm = f",{self.start_method}" if self.start_method else ""
            return f"{self.kind}({w}{sm})"
        return self.kind


@dataclass
class Scenario:
    path: str
    name: str
    description: str
    content_hash: str
    seed: int
    switch_interval: float
    cores: int
    tasks: list[TaskKind] = field(default_factory=list)
    threads: list[ThreadSpec] = field(default_factory=list)
    strategies: list[Strategy] = field(default_factory=list)

    @property
    def is_program(self) -> bool:
        return bool(self.threads)

    def all_ops(self) -> list[OpSpec]:
        ops = [op for t in self.tasks for op in t.ops]
        return ops + [op for t in self.threads for op in t.ops]


def fnv1a64(data: bytes) -> str:
    h = 0xcbf29ce484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def _expect(obj: Any, typ: type | tuple, where: str, what: str) -> Any:
    if not isinstance(obj, typ) or (typ is int and isinstance(obj, bool)):
        raise UserError(f"{where}: expected {what}, got {json.dumps(obj)}")
    return obj


def _known_keys(obj: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise UserError(f"{where}: unknown field {json.dumps(unknown[0])} "
                        f"(allowed: {', '.join(sorted(allowed))})")


def _parse_ops(ops: Any, where: str) -> list[OpSpec]:
    _expect(ops, list, where, "a list of ops")
    if not ops:
        raise UserError(f"{where}: the op list is empty")
    out = []
    for i, op in enumerate(ops):
        w = f"{where}/{i}"
        _expect(op, dict, w, 'an op like {"cpu": "1ms"}')
        if len(op) != 1:
            raise UserError(f"{w}: an op has exactly one key, its kind ({', '.join(OP_KINDS)})")
        (kind, dur), = op.items()
        if kind not in OP_KINDS:
            raise UserError(f"{w}: unknown op kind {json.dumps(kind)} (expected {', '.join(OP_KINDS)})")
        out.append(OpSpec(kind, parse_duration(dur, f"{w}/{kind}")))
    return out


def _parse_count(value: Any, where: str, minimum: int) -> int:
    _expect(value, int, where, f"an integer >= {minimum}")
    if value < minimum:
        raise UserError(f"{where}: must be >= {minimum}")
    return value


def _parse_strategy(s: Any, where: str) -> Strategy:
    if isinstance(s, str):
        s = {"kind": s}
    _expect(s, dict, where, 'a strategy name or {"kind": ..., "workers": N}')
    kind = s.get("kind")
    _expect(kind, str, f"{where}/kind", "a strategy name")
    workers = s.get("workers")
    if workers is not None:
        workers = _parse_count(workers, f"{where}/workers", 1)
    sm = s.get("start_method")
    if sm is not None:
        _expect(sm, str, f"{where}/start_method", "fork, forkserver or spawn")
    return Strategy(kind, workers, sm)


def load_scenario(path: str) -> Scenario:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise UserError(f"{path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None
    try:
        return _build_scenario(path, raw, doc)
    except UserError as e:
        raise UserError(f"{path}: {e}") from None


def _build_scenario(path: str, raw: bytes, doc: Any) -> Scenario:
    _expect(doc, dict, "/", "a JSON object")
    _known_keys(doc, {"name", "description", "seed", "switch_interval", "machine", "workload",
                      "program", "strategies", "max_virtual_time"}, "/")
    name = doc.get("name", os.path.splitext(os.path.basename(path))[0])
    _expect(name, str, "/name", "a string")
    desc = doc.get("description", "")
    _expect(desc, str, "/description", "a string")
    seed = _parse_count(doc.get("seed", 1), "/seed", 0)
    interval = parse_seconds(doc.get("switch_interval", "5ms"), "/switch_interval")
    machine = doc.get("machine", {})
    _expect(machine, dict, "/machine", "an object")
    cores = _parse_count(machine.get("cores", 4), "/machine/cores", 1)
    sc = Scenario(path, name, desc, fnv1a64(raw), seed, interval, cores)

    if ("workload" in doc) == ("program" in doc):
        raise UserError("/: give exactly one of \"workload\" (tasks run by a strategy) or "
                        "\"program\" (explicit threads)")
    if "workload" in doc:
        wl = _expect(doc["workload"], dict, "/workload", "an object with \"tasks\"")
        tasks = _expect(wl.get("tasks"), list, "/workload/tasks", "a list of task kinds")
        if not tasks:
            raise UserError("/workload/tasks: no tasks")
        for i, t in enumerate(tasks):
            w = f"/workload/tasks/{i}"
            _expect(t, dict, w, "an object")
            _known_keys(t, {"name", "count", "repeat", "ops", "arg_bytes", "result_bytes"}, w)
            sc.tasks.append(TaskKind(
                name=_expect(t.get("name", f"task{i}"), str, f"{w}/name", "a string"),
                count=_parse_count(t.get("count", 1), f"{w}/count", 1),
                repeat=_parse_count(t.get("repeat", 1), f"{w}/repeat", 1),
                ops=_parse_ops(t.get("ops"), f"{w}/ops")))
        strategies = doc.get("strategies", ["serial", "threads"])
        _expect(strategies, list, "/strategies", "a list")
        sc.strategies = [_parse_strategy(s, f"/strategies/{i}") for i, s in enumerate(strategies)]
    else:
        prog = _expect(doc["program"], dict, "/program", "an object with \"threads\"")
        threads = _expect(prog.get("threads"), list, "/program/threads", "a list of threads")
        if not threads:
            raise UserError("/program/threads: no threads")
        for i, t in enumerate(threads):
            w = f"/program/threads/{i}"
            _expect(t, dict, w, "an object")
            _known_keys(t, {"name", "ops", "repeat"}, w)
            rep = t.get("repeat", 1)
            until = rep == "until_others_finish"
            if not until:
                if isinstance(rep, str):
                    raise UserError(f"{w}/repeat: expected an integer or \"until_others_finish\"")
                rep = _parse_count(rep, f"{w}/repeat", 0)
            sc.threads.append(ThreadSpec(
                name=_expect(t.get("name", f"thread{i}"), str, f"{w}/name", "a string"),
                ops=_parse_ops(t.get("ops"), f"{w}/ops"),
                repeat=0 if until else rep, until_others_finish=until))
        if all(t.until_others_finish for t in sc.threads):
            raise UserError("/program/threads: every thread repeats until_others_finish, so none "
                            "would ever finish; give at least one a repeat count")
        sc.strategies = [Strategy("program")]
    return sc


# --------------------------------------------------------------------------------------------
# The real ops.  Module-level state so that worker processes (fork or spawn) can rebuild it.

CPU, SLEEP, PIPE_READ, HASH, HOLD = range(5)
CODE_KIND = {CPU: "cpu", SLEEP: "io", PIPE_READ: "io", HASH: "native", HOLD: "native_gil"}

_BUF: memoryview = memoryview(b"")  # input of native (sha256) and native_gil (sum) ops
_tls = threading.local()


def spin(n: int) -> int:
    """The cpu op: n iterations of pure Python, a check point (JUMP_BACKWARD) in each."""
    x = 0
    for i in range(n):
        x ^= i
    return x


def hash_bytes(n: int) -> None:
    """The native op: OpenSSL SHA-256 of n bytes, GIL released (n >= HASHLIB_GIL_MINSIZE)."""
    hashlib.sha256(_BUF[:n])


def sum_bytes(n: int) -> None:
    """The native_gil op: one C call (builtin sum) over n bytes, GIL held, no check point."""
    sum(_BUF[:n])


def ensure_buffer(nbytes: int) -> None:
    """Build (or grow) the input of the native and native_gil ops."""
    global _BUF
    if len(_BUF) < nbytes:
        _BUF = memoryview(b"\x5a" * nbytes)  # touches every page, unlike bytes(n)


def _pool_initializer(nbytes: int, interval: float) -> None:
    sys.setswitchinterval(interval)
    ensure_buffer(nbytes)


def _refill_pipe() -> int:
    """Per-thread pipe for the short io op: made on first use, refilled outside any timing."""
    fds = getattr(_tls, "pipe", None)
    if fds is None:
        fds = os.pipe()
        try:
            fcntl.fcntl(fds[1], F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass  # default 64 KiB: just refill more often
        _tls.pipe = fds
    size = 1 << 16
    try:
        size = fcntl.fcntl(fds[1], 1032)  # F_GETPIPE_SZ
    except OSError:
        pass
    os.write(fds[1], b"x" * size)
    _tls.pipe_left = size
    _tls.refills = getattr(_tls, "refills", 0) + 1
    return fds[0]


def execute(ops: list[tuple[int, Any, float]], out: list) -> None:
    """Run prepared ops; append (code, t_before, t_after, thread_cpu_s, requested_s) for each.

    t_after is read when Python code runs again after the op, i.e. after the GIL was re-taken.
    thread_cpu_s is the op's CPU time on this thread (CLOCK_THREAD_CPUTIME_ID): for a calibrated
    op it is the work itself, whatever the op waited for the GIL or a core, so summed over a run
    and divided by the requested durations it tells the speed the work really ran at.
    """
    pc = time.perf_counter
    tt = time.thread_time
    for code, arg, requested in ops:
        if code == PIPE_READ:
            left = getattr(_tls, "pipe_left", 0)
            rfd = _refill_pipe() if left <= 0 else _tls.pipe[0]
            _tls.pipe_left = getattr(_tls, "pipe_left") - 1
            c0 = tt()
            t0 = pc()
            os.read(rfd, 1)
        else:
            c0 = tt()
            t0 = pc()
            if code == CPU:
                spin(arg)
            elif code == SLEEP:
                time.sleep(arg)
            elif code == HASH:
                hashlib.sha256(_BUF[:arg])
            else:
                sum(_BUF[:arg])
        t1 = pc()
        out.append((code, t0, t1, tt() - c0, requested))


def run_task(task: tuple[int, list]) -> tuple[int, int, list]:
    """One workload task; returns (task index, thread ident, op records)."""
    index, ops = task
    out: list = []
    execute(ops, out)
    return index, threading.get_ident(), out


def run_task_in_process(task: tuple[int, list]) -> tuple[int, int, list]:
    index, ident, out = run_task(task)
    return index, os.getpid(), out


# --------------------------------------------------------------------------------------------
# Calibration: op size (iterations, bytes, elements) for a wanted duration, at that size.


@dataclass
class Engine:
    kind: str
    unit: str
    run: Any  # size -> None
    min_size: int
    first_guess: int  # size for ~1 ms, refined at once
    points: list[tuple[float, int, float]] = field(default_factory=list)  # (d, size, t_meas)

    def time_once(self, size: int) -> float:
        pc = time.perf_counter
        t0 = pc()
        self.run(size)
        return pc() - t0

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
    seconds_per_unit = [t / size]
    for _ in range(6):
        if abs(t / d - 1) < 0.015 or (size == eng.min_size and t > d):
            return size, t
        size = max(eng.min_size, int(round(size * d / t)))
        t = eng.median_time(size, reps)
        seconds_per_unit.append(t / size)
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


class Calibration:
    """Calibrated engines for the op kinds a scenario uses, and speed probes."""

    def __init__(self, scenario: Scenario, short_io: float, monitor: "LoadMonitor",
                 quiet_wait: float) -> None:
        self.short_io = short_io
        self.monitor = monitor
        self.quiet_wait = quiet_wait
        by_kind: dict[str, list[Duration]] = {}
        for op in scenario.all_ops():
            by_kind.setdefault(op.kind, []).append(op.duration)
        self.durations = by_kind
        self.engines: dict[str, Engine] = {}
        self.probe_points: dict[str, tuple[float, int]] = {}
        self.cpus: list[int] = sorted(os.sched_getaffinity(0))
        self.last_by_cpu: dict[int, dict[str, float]] = {}
        self.warnings: list[str] = []

    def build(self) -> None:
        max_d = {k: max(d.support()[1] for d in ds) for k, ds in self.durations.items()}
        # sha256 ~0.6 ns/byte and sum ~5 ns/byte here; sized generously, grown if need be
        need = max([max(max_d.get("native", 0), 0.02) / 0.4e-9,
                    max(max_d.get("native_gil", 0), 0.02) / 3e-9]) if (
            "native" in max_d or "native_gil" in max_d) else 0
        ensure_buffer(int(need) + (1 << 20))
        makers = {
            "cpu": lambda: Engine("cpu", "iterations", spin, 1, 40_000),
            "native": lambda: Engine("native", "bytes", hash_bytes, HASHLIB_GIL_MINSIZE, 1_600_000),
            "native_gil": lambda: Engine("native_gil", "bytes", sum_bytes, 1, 200_000),
        }
        self.makers = makers
        for kind in CALIBRATED_KINDS:
            if kind in self.durations:
                self.calibrate_kind(kind)
        for kind in ("native", "native_gil"):
            if kind in self.engines:
                ensure_buffer(int(self.engines[kind].size_for(max_d[kind]) * 1.3))
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
        eng = self.makers[kind]()
        self.engines[kind] = eng
        warm_until = time.perf_counter() + 0.3  # specialise the bytecode, fault pages in
        while time.perf_counter() < warm_until:
            eng.run(eng.first_guess)
        durs = self.durations[kind]
        total: dict[Duration, float] = {}
        for dur in durs:
            total[dur] = total.get(dur, 0) + dur.mean()
        dominant = max(total, key=total.get)
        probe_d = min(dominant.mean(), 0.02)
        todo = sorted(set(grid_for(durs)) | {probe_d})
        for _ in range(3):
            for d in todo:
                self.monitor.wait_quiet(self.quiet_wait)
                size, t = calibrate_point(eng, d)
                if size > len(_BUF):  # the slice was cut short: grow the buffer, measure again
                    ensure_buffer(int(size * 1.3))
                    size, t = calibrate_point(eng, d)
                eng.points = sorted([p for p in eng.points if p[0] != d] + [(d, size, t)])
                log(f"calibrated {kind} {fmt_dur(d)} -> {size} {eng.unit} "
                    f"(measured {fmt_dur(t)}, {t / size * 1e9:.3f} ns/{eng.unit[:-1]})")
            # validation pass: time each point again at its calibrated size
            ratios = {}
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
            if kind == "native" and size == HASHLIB_GIL_MINSIZE and t > d * 1.05:
                self.warnings.append(
                    f"native {fmt_dur(d)} is shorter than hashing HASHLIB_GIL_MINSIZE bytes "
                    f"({fmt_dur(t)}); it runs as {HASHLIB_GIL_MINSIZE} bytes")
        self.probe_points[kind] = (probe_d, eng.size_for(probe_d))

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
        in turn): the vCPUs of this VM do not always run at the same speed (one measured 33 ns
        per loop iteration while the other ran at 18 ns, for tens of seconds, with nothing else
        running in the VM), and a run whose threads spread over both cores would otherwise be
        sized by the speed of the one core the main thread happened to sit on.  Per kind the
        factor returned is the one furthest from 1; self.last_by_cpu keeps them all."""
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
        if len(self.last_by_cpu) == 1:
            (f,), = [tuple(self.last_by_cpu.values())]
            return ", ".join(f"{k} x{v:.2f}" for k, v in f.items())
        return "; ".join(f"cpu{c}: " + ", ".join(f"{k} x{v:.2f}" for k, v in f.items())
                         for c, f in self.last_by_cpu.items())

    def to_json(self) -> dict:
        return {
            kind: {
                "unit": eng.unit,
                "code": {"cpu": "for i in range(n): x ^= i",
                         "native": "hashlib.sha256(buf[:n])  (GIL released, n >= 2048)",
                         "native_gil": "sum(memoryview(buf)[:n])  (GIL held)"}[kind],
                "points": [{"duration_s": d, "size": s, "measured_s": t,
                            "ns_per_unit": t / s * 1e9} for d, s, t in eng.points],
                "probe": {"duration_s": self.probe_points[kind][0],
                          "size": self.probe_points[kind][1]},
            }
            for kind, eng in self.engines.items()
        } | {"io": {"long": "time.sleep(d)", "short": "os.read(pipe_with_data, 1)",
                    "short_below_s": self.short_io}}


# --------------------------------------------------------------------------------------------
# Preparing the concrete ops of one run


class Preparer:
    def __init__(self, cal: Calibration, factors: dict[str, float], rescale: bool) -> None:
        self.cal = cal
        self.factors = factors if rescale else {}

    def op(self, spec: OpSpec, rng: random.Random) -> tuple[int, Any]:
        d = spec.duration.draw(rng)
        if spec.kind == "io":
            return (PIPE_READ, None, d) if d < self.cal.short_io else (SLEEP, d, d)
        eng = self.cal.engines[spec.kind]
        size = max(eng.min_size, int(eng.size_for(d) / self.factors.get(spec.kind, 1.0)))
        return ({"cpu": CPU, "native": HASH, "native_gil": HOLD}[spec.kind], size, d)

    def body(self, ops: list[OpSpec], repeat: int, rng: random.Random) -> list:
        return [self.op(op, rng) for _ in range(repeat) for op in ops]

    def tasks(self, sc: Scenario) -> list[tuple[int, list]]:
        out = []
        for kind in sc.tasks:
            for i in range(kind.count):
                rng = random.Random(f"{sc.seed}/{kind.name}/{i}")
                out.append((len(out), self.body(kind.ops, kind.repeat, rng)))
        return out


def task_kind_names(sc: Scenario) -> list[str]:
    return [k.name for k in sc.tasks for _ in range(k.count)]


# --------------------------------------------------------------------------------------------
# Strategies


@dataclass
class RunResult:
    wall_s: float
    records: list  # per thread or task: (label, ident, [(code, t0, t1)], t_start, t_end)
    t_origin: float
    workers: int | None = None
    extra: dict = field(default_factory=dict)


def run_serial(tasks: list) -> RunResult:
    t0 = time.perf_counter()
    results = [run_task(t) for t in tasks]
    t1 = time.perf_counter()
    return RunResult(t1 - t0, results, t0, 1)


def run_threads(tasks: list, workers: int | None) -> RunResult:
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        used = ex._max_workers
        results = list(ex.map(run_task, tasks))
    t1 = time.perf_counter()
    return RunResult(t1 - t0, results, t0, used)


def run_processes(tasks: list, workers: int | None, start_method: str | None,
                  interval: float) -> RunResult:
    ctx = multiprocessing.get_context(start_method)
    t0 = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_pool_initializer,
            initargs=(len(_BUF), interval)) as ex:
        used = ex._max_workers
        results = list(ex.map(run_task_in_process, tasks))
    t1 = time.perf_counter()
    return RunResult(t1 - t0, results, t0, used, {"start_method": ctx.get_start_method()})


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
                execute(cycle[k], out)
                k = (k + 1) % len(cycle)
        else:
            execute(bodies[i], out)
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


# --------------------------------------------------------------------------------------------
# Statistics


def wall_lower_bound(sc: Scenario, strat: Strategy, cores: int, res: RunResult) -> tuple[float, str]:
    """The shortest wall time the run could possibly have taken, from the requested durations of
    the ops it ran (not the background threads of a program, which run until the others end).

    One interpreter runs bytecode and GIL-holding C calls one at a time, so under serial,
    threads and a program their sum bounds the wall time from below; all work that needs a
    core is bounded by the cores (and a process pool's workers).  A measured wall time well
    below the bound means the ops were bigger on paper than in reality: the speed the ops were
    sized at was not the speed they ran at (the bug this guard was written for: a threads run
    of 8 x 50 ms of Python finishing in 292 ms, sized on the slower of two vCPUs)."""
    streams = run_streams(sc, res)
    if sc.is_program:
        streams = [r[2] for r, spec in zip(res.records, sc.threads) if not spec.until_others_finish]
    total: dict[str, float] = {}
    for ops in streams:
        for code, _, _, _, requested in ops:
            total[CODE_KIND[code]] = total.get(CODE_KIND[code], 0.0) + requested
    gil = total.get("cpu", 0.0) + total.get("native_gil", 0.0)
    core = gil + total.get("native", 0.0)
    bounds = []
    if strat.kind == "serial":
        bounds.append((sum(total.values()), "serial: the sum of every op"))
    elif strat.kind == "processes":
        procs = min(res.workers or cores, cores)
        bounds.append((core / procs, f"CPU work / {procs} processes"))
    else:
        bounds.append((gil, "one GIL: the sum of cpu and native_gil ops"))
        bounds.append((core / cores, f"CPU work / {cores} cores"))
    return max(bounds)


def quantile(sorted_xs: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_xs:
        return float("nan")
    pos = q * (len(sorted_xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def describe(xs: list[float]) -> dict:
    s = sorted(xs)
    if not s:
        return {"count": 0}
    return {"count": len(s), "min": s[0], "median": quantile(s, 0.5), "p90": quantile(s, 0.9),
            "p99": quantile(s, 0.99), "max": s[-1], "mean": sum(s) / len(s), "sum": sum(s)}


def mmm(xs: list[float]) -> dict:
    s = sorted(xs)
    return {"min": s[0], "median": quantile(s, 0.5), "max": s[-1]} if s else {}


def latency_by_kind(ops: list) -> dict[str, list[float]]:
    by: dict[str, list[float]] = {}
    for code, t0, t1, *_ in ops:
        by.setdefault(CODE_KIND[code], []).append(t1 - t0)
    return by


def run_streams(sc: Scenario, res: "RunResult") -> list[list]:
    """The op records of a run, one list per program thread or per task."""
    return [r[2] for r in res.records]


def work_speed(streams: list[list]) -> dict[str, dict]:
    """Per calibrated op kind: the ops' thread CPU time over their requested durations.

    1.0 means the work ran at the calibrated speed; 1.2 that the machine was 20 % slower during
    the run than at calibration (or that the op was sized wrong), 0.8 that it was faster.  Unlike
    the probes before and after a run, this sees the speed of whichever cores the run's threads
    actually used, while they used them."""
    cpu: dict[str, float] = {}
    req: dict[str, float] = {}
    for ops in streams:
        for code, _, _, cpu_s, requested in ops:
            kind = CODE_KIND[code]
            if kind in CALIBRATED_KINDS:
                cpu[kind] = cpu.get(kind, 0.0) + cpu_s
                req[kind] = req.get(kind, 0.0) + requested
    return {k: {"cpu_s": cpu[k], "requested_s": req[k],
                "factor": cpu[k] / req[k] if req[k] > 0 else float("nan")} for k in cpu}


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
        out["holder_changes"] = holder_changes([r[2] for r in res.records], res.t_origin,
                                               res.wall_s)
        out["work_speed"] = work_speed([r[2] for r in res.records])
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
        out["work_speed"] = work_speed(list(per_ident.values()))
    out.update(res.extra)
    return out


def aggregate_threads(sc: Scenario, runs: list[dict]) -> list[dict]:
    """Per program thread over all runs: latencies pooled, totals as min/median/max."""
    out = []
    for i, spec in enumerate(sc.threads):
        pooled: dict[str, list[float]] = {}
        per_run_median: dict[str, list[float]] = {}
        for run in runs:
            t = run["_raw"][i]
            for k, v in latency_by_kind(t[2]).items():
                pooled.setdefault(k, []).extend(v)
                per_run_median.setdefault(k, []).append(statistics.median(v))
        requested = {op.kind: op.duration.mean() for op in spec.ops}
        out.append({
            "name": spec.name,
            "repeat": "until_others_finish" if spec.until_others_finish else spec.repeat,
            "ops_per_run": mmm([r["threads"][i]["ops"] for r in runs]),
            "total_s": mmm([r["threads"][i]["total_s"] for r in runs]),
            "latency_s": {k: describe(v) | {"requested_mean": requested.get(k),
                                            "per_run_median": mmm(per_run_median[k])}
                          for k, v in pooled.items()},
        })
    return out


# --------------------------------------------------------------------------------------------
# Other processes' CPU use: the VM has 2 vCPUs, and anything else running (a compiler, another
# measurement) slows the single-core speed and steals the cores the strategies need.


class LoadMonitor:
    """CPU time used by everything except this process and its descendants, from the 'cpu' line
    of /proc/stat (clock-tick resolution, 10 ms).

    Interrupt time (irq, softirq) is left out: it is mostly this process's own timer and
    wake-up interrupts (a threads run on 2 cores shows 0.1-0.2 cores of softirq here with
    nothing else running), and it used to make every such run look disturbed.  Descendants
    are counted as our own: reaped children through RUSAGE_CHILDREN, living ones (a forkserver
    and the workers it forked, which are not our children) through /proc/PID/stat."""

    def __init__(self) -> None:
        self.tick = 1.0 / os.sysconf("SC_CLK_TCK")
        self.available = os.path.exists("/proc/stat")

    def _busy(self) -> float:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        # user nice system idle iowait irq softirq steal (guest is included in user)
        v = [int(x) for x in fields[1:9]]
        return (v[0] + v[1] + v[2] + v[7]) * self.tick

    def _descendants(self) -> float:
        """CPU seconds of living descendants (with their reaped children)."""
        me = os.getpid()
        parent: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    text = f.read()
            except OSError:
                continue
            rest = text[text.rindex(")") + 2:].split()
            pid = int(entry)
            parent[pid] = int(rest[1])
            cpu[pid] = sum(int(x) for x in rest[11:15]) * self.tick  # utime stime cutime cstime
        total = 0.0
        for pid in cpu:
            p, hops = parent.get(pid, 0), 0
            while p > 1 and p != me and hops < 64:
                p, hops = parent.get(p, 0), hops + 1
            if p == me and pid != me:
                total += cpu[pid]
        return total

    def _own(self) -> float:
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + ch.ru_utime + ch.ru_stime + self._descendants()

    def mark(self) -> tuple[float, float, float]:
        if not self.available:
            return (0.0, 0.0, time.perf_counter())
        return (self._busy(), self._own(), time.perf_counter())

    def foreign_since(self, m: tuple[float, float, float]) -> tuple[float, float]:
        """(CPU seconds used by others since mark m, elapsed seconds)."""
        now = self.mark()
        return max(0.0, (now[0] - m[0]) - (now[1] - m[1])), now[2] - m[2]

    def wait_quiet(self, max_wait: float, window: float = 0.3, limit: float = 0.03) -> float:
        """Wait until a window passes in which others used at most `limit` CPU seconds.

        Returns the seconds waited (or -1 if it never got quiet within max_wait)."""
        if not self.available or max_wait <= 0:
            return 0.0
        t0 = time.perf_counter()
        announced = False
        while True:
            m = self.mark()
            time.sleep(window)
            foreign, _ = self.foreign_since(m)
            if foreign <= limit:
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > max_wait:
                return -1.0
            if not announced:
                log(f"  other processes are using the CPUs ({foreign / window:.2f} cores); waiting "
                    f"for quiet (up to {max_wait:.0f}s)")
                announced = True


# --------------------------------------------------------------------------------------------
# Driver


def fmt_dur(s: float) -> str:
    if s != s:
        return "nan"
    a = abs(s)
    if a >= 1:
        return f"{s:.3f}s"
    if a >= 1e-3:
        return f"{s * 1e3:.3f}ms"
    if a >= 1e-6:
        return f"{s * 1e6:.1f}us"
    return f"{s * 1e9:.0f}ns"


def choose_cores(requested: int | None, sc: Scenario) -> tuple[list[int], int]:
    allowed = sorted(os.sched_getaffinity(0))
    host = len(allowed)
    want = requested if requested is not None else sc.cores
    if want > host:
        log(f"warning: {want} cores asked ({'--cores' if requested else 'machine.cores'}), "
            f"the host allows {host}: using {host}")
        want = host
    return allowed[:want], host


def select_strategies(sc: Scenario, names: list[str] | None) -> list[Strategy]:
    strategies = sc.strategies
    if names:
        picked = [s for s in strategies if s.kind in names or s.label in names]
        unknown = [n for n in names if not any(n in (s.kind, s.label) for s in strategies)]
        if unknown:
            raise UserError(f"--strategy {unknown[0]}: the scenario has "
                            f"{', '.join(s.label for s in strategies)}")
        strategies = picked
    runnable = []
    for s in strategies:
        if s.kind in ("serial", "threads", "processes", "program"):
            runnable.append(s)
        else:
            log(f"warning: strategy {s.label} cannot be realized yet; skipped")
    if not runnable:
        raise UserError("none of the scenario's strategies can be realized "
                        "(realize runs serial, threads, processes and program)")
    return runnable


def probe_in_band(cal: Calibration, mon: LoadMonitor, args) -> tuple[dict, dict, float]:
    """Wait for quiet and a speed within --max-drift of the calibration on every CPU.

    Returns (speed factors, timer overshoot, seconds waited).  If the speed stays out of band
    over several probes that agree with each other, and the CPUs agree among themselves, the
    machine really changed speed: the op kinds are calibrated again.  CPUs that disagree with
    each other are waited out (recalibrating on one of them would not help)."""
    waited = 0.0
    history: list[dict] = []
    while True:
        w = mon.wait_quiet(args.quiet_wait)
        waited += max(w, 0.0)
        timer = cal.timer_probe()
        factors = cal.probe()
        off = {k: f for k, f in factors.items() if abs(f - 1) > args.max_drift}
        if not off or args.rescale:
            return factors, timer, waited
        history.append(factors)
        if len(history) >= 4 and cal.cpus_agree(args.max_drift):
            recent = history[-3:]
            steady = all(abs(h[k] / recent[0][k] - 1) < args.max_drift for h in recent for k in off)
            if steady:
                log(f"  speed moved for good ({cal.describe_last_probe()}); calibrating again")
                for k in off:
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
    """One measured run, accepted only if the speed probes right before and right after it are
    within --max-drift of the calibration and of each other, and no other process used more
    than --max-foreign-load cores meanwhile; otherwise retried (at most --retries times, the
    last attempt is kept and flagged)."""
    attempts = []
    for attempt in range(args.retries + 1):
        pre, timer_pre, waited = probe_in_band(cal, mon, args)
        mark = mon.mark()
        prep = Preparer(cal, pre, args.rescale)
        tasks = None if sc.is_program else prep.tasks(sc)
        gc.collect()
        if strat.kind == "serial":
            res = run_serial(tasks)
        elif strat.kind == "threads":
            res = run_threads(tasks, strat.workers)
        elif strat.kind == "processes":
            res = run_processes(tasks, strat.workers, strat.start_method, sc.switch_interval)
        else:
            res = run_program(sc, prep)
        foreign, window = mon.foreign_since(mark)
        post = cal.probe()
        timer_post = cal.timer_probe()
        foreign_load = foreign / window if window > 0 else 0.0
        drift = max((abs(post[k] / pre[k] - 1) for k in pre), default=0.0)
        if not args.rescale:
            drift = max([drift] + [abs(post[k] - 1) for k in post])
        noisy = foreign > 0.03 and foreign_load > args.max_foreign_load
        speed = work_speed(run_streams(sc, res))
        work_off = {k: v["factor"] for k, v in speed.items()
                    if abs(v["factor"] - 1) > args.max_work_drift}
        bound, bound_why = wall_lower_bound(sc, strat, len(cal.cpus), res)
        attempts.append({"speed_before": pre, "speed_after": post, "drift": drift,
                         "work_speed": {k: v["factor"] for k, v in speed.items()},
                         "wall_s": res.wall_s, "foreign_load": foreign_load,
                         "waited_for_quiet_s": waited})
        if drift <= args.max_drift and not noisy and not work_off:
            break
        why = []
        if drift > args.max_drift:
            why.append("speed moved " + ", ".join(f"{k} {pre[k]:.3f}->{post[k]:.3f}" for k in pre))
        if work_off:
            why.append("the work itself ran at " + ", ".join(f"{k} x{f:.3f}"
                                                           for k, f in work_off.items())
                       + " of the calibrated CPU time")
        if noisy:
            why.append(f"other processes used {foreign_load:.2f} cores")
        log(f"  {strat.label}: {' and '.join(why)} during the run (wall {fmt_dur(res.wall_s)}); " +
            ("retrying" if attempt < args.retries else "giving up, keeping it (flagged)"))
    info = {"attempts": len(attempts), "speed_before": pre, "speed_after": post,
            "speed_by_cpu_after": {str(c): f for c, f in cal.last_by_cpu.items()},
            "drift": drift, "drift_exceeded": drift > args.max_drift,
            "work_speed_exceeded": bool(work_off),
            "wall_lower_bound": {"s": bound, "why": bound_why,
                                 "violated": res.wall_s < bound * (1 - args.max_work_drift)},
            "foreign_load": foreign_load, "foreign_load_exceeded": noisy,
            "waited_for_quiet_s": waited,
            "timer_overshoot_before": timer_pre, "timer_overshoot_after": timer_post,
            "discarded": [a for a in attempts[:-1]]}
    return res, info


def realize(args) -> dict:
    sc = load_scenario(args.scenario)
    if args.switch_interval is not None:
        sc.switch_interval = parse_seconds(args.switch_interval, "--switch-interval")
    if sc.switch_interval <= 0:
        raise UserError("switch interval must be > 0")
    strategies = select_strategies(sc, args.strategy)
    cpus, host = choose_cores(args.cores, sc)
    os.sched_setaffinity(0, cpus)  # before any thread exists: all of them inherit it
    sys.setswitchinterval(sc.switch_interval)
    log(f"{sc.name}: CPython {platform.python_version()}, pinned to CPU(s) "
        f"{','.join(map(str, cpus))} of {host}, switch interval {fmt_dur(sys.getswitchinterval())}")

    mon = LoadMonitor()
    if mon.wait_quiet(args.quiet_wait) < 0:
        log("warning: other processes keep the CPUs busy; calibrating anyway")
    cal = Calibration(sc, args.short_io, mon, args.quiet_wait)
    cal.cpus = cpus
    cal.build()
    for w in cal.warnings:
        log(f"warning: {w}")

    runs: dict[int, list[dict]] = {i: [] for i in range(len(strategies))}
    raws: dict[int, list[RunResult]] = {i: [] for i in range(len(strategies))}
    for rep in range(args.repeat):
        for i, strat in enumerate(strategies):  # interleaved: slow drift hits all alike
            res, info = timed_run(sc, strat, cal, mon, args)
            summary = summarize_run(sc, res) | info | {"repeat_index": rep}
            if sc.is_program:
                summary["_raw"] = res.records
            runs[i].append(summary)
            raws[i].append(res)
            before = ", ".join(f"{k} {v:.3f}" for k, v in info["speed_before"].items())
            worked = ", ".join(f"{k} {v['factor']:.3f}" for k, v in summary["work_speed"].items())
            log(f"  {strat.label} run {rep + 1}/{args.repeat}: wall {fmt_dur(res.wall_s)}"
                f"  (timer overshoot max {fmt_dur(info['timer_overshoot_before']['max_s'])}/"
                f"{fmt_dur(info['timer_overshoot_after']['max_s'])}; speed before {before}; "
                f"work ran at {worked}{', retried' if info['attempts'] > 1 else ''})")

    results = []
    warnings = list(cal.warnings)
    for i, strat in enumerate(strategies):
        rs = runs[i]
        entry: dict[str, Any] = {
            "strategy": strat.kind, "label": strat.label, "workers": strat.workers,
            "workers_used": rs[0].get("workers_used"),
            "wall_s": mmm([r["wall_s"] for r in rs]),
            "retried_runs": sum(1 for r in rs if r["attempts"] > 1),
            "drift_exceeded_runs": sum(1 for r in rs if r["drift_exceeded"]),
            "foreign_load_exceeded_runs": sum(1 for r in rs if r["foreign_load_exceeded"]),
            "foreign_load_max": max(r["foreign_load"] for r in rs),
            "work_speed": {k: mmm([r["work_speed"][k]["factor"] for r in rs])
                           for k in rs[0]["work_speed"]},
            "work_speed_exceeded_runs": sum(1 for r in rs if r["work_speed_exceeded"]),
            "wall_lower_bound_s": rs[0]["wall_lower_bound"]["s"],
            "wall_lower_bound_violated_runs": sum(1 for r in rs
                                                  if r["wall_lower_bound"]["violated"]),
        }
        if entry["wall_lower_bound_violated_runs"]:
            warnings.append(
                f"{strat.label}: {entry['wall_lower_bound_violated_runs']} of {len(rs)} runs "
                f"finished faster than possible (wall {fmt_dur(entry['wall_s']['min'])} < lower "
                f"bound {fmt_dur(entry['wall_lower_bound_s'])}: "
                f"{rs[0]['wall_lower_bound']['why']}); the op sizes did not match the speed "
                "the work ran at: do not trust this result")
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
        results.append(entry)

    for w in warnings[len(cal.warnings):]:
        log(f"warning: {w}")
    return {
        "schema_version": SCHEMA_VERSION, "tool": TOOL,
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "python_build": sys.version, "executable": sys.executable,
        "host_cores": host, "cores": len(cpus), "cpus": cpus,
        "scenario": sc.name, "scenario_path": sc.path, "scenario_hash": sc.content_hash,
        "seed": sc.seed, "switch_interval_s": sys.getswitchinterval(),
        "repeat": args.repeat, "rescale": args.rescale, "max_drift": args.max_drift,
        "started_unix": START_TIME,
        "results": results, "calibration": cal.to_json(), "warnings": warnings,
    }


START_TIME = time.time()


# --------------------------------------------------------------------------------------------
# Output


def table(doc: dict) -> str:
    lines = [f"{doc['scenario']}: CPython {doc['python']}, {doc['host_cores']}-CPU host, "
             f"pinned to {doc['cores']} core(s), switch interval "
             f"{fmt_dur(doc['switch_interval_s'])}, {doc['repeat']} runs each"]
    lines.append(f"{'strategy':<24} {'workers':>7}  {'wall min':>10} {'median':>10} {'max':>10}"
                 f"  {'switches':>8}  retried")
    for r in doc["results"]:
        w = r["wall_s"]
        hc = r["holder_changes"]["count"]
        lines.append(f"{r['label']:<24} {str(r.get('workers_used') or '-'):>7}  "
                     f"{fmt_dur(w['min']):>10} {fmt_dur(w['median']):>10} {fmt_dur(w['max']):>10}"
                     f"  {hc.get('median', 0):>8.0f}  {r['retried_runs']}"
                     + (f" ({r['drift_exceeded_runs']} still drifting)"
                        if r['drift_exceeded_runs'] else "")
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
    for w in doc["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="realize.py",
        description="Run a gilsim scenario for real in this CPython and measure wall times and "
                    "per-op latencies.",
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
    p.add_argument("--output", "-o", help="also write the JSON result to this file")
    p.add_argument("--max-drift", type=float, default=0.08, help="retry a run when the probed "
                   "speed moved by more than this fraction across it (default 0.08)")
    p.add_argument("--retries", type=int, default=3, help="retries per run for drift (default 3)")
    p.add_argument("--max-work-drift", type=float, default=0.10, help="retry a run when its "
                   "calibrated ops used more than this fraction more (or less) thread CPU time "
                   "than asked (default 0.10)")
    p.add_argument("--max-foreign-load", type=float, default=0.10, help="retry a run when "
                   "other processes used more than this many cores on average (default 0.10)")
    p.add_argument("--quiet-wait", type=float, default=60.0, help="before each run wait up to "
                   "this many seconds for other processes to leave the CPUs idle (default 60)")
    p.add_argument("--max-wait-probes", type=int, default=30, help="probes (about 1.5 s "
                   "apart) to wait for the speed to come back before a run starts anyway, "
                   "flagged (default 30)")
    p.add_argument("--rescale", action="store_true", help="instead of waiting for the speed "
                   "to come back to the calibrated one, scale each run's op sizes by the speed "
                   "probed right before it")
    p.add_argument("--short-io", default="20us", help="io ops shorter than this become "
                   "os.read on a full pipe instead of time.sleep (default 20us)")
    a = p.parse_args(argv)
    if a.cores is not None and a.cores < 1:
        p.error("--cores must be >= 1")
    if a.repeat < 1:
        p.error("--repeat must be >= 1")
    if a.retries < 0 or a.max_drift <= 0:
        p.error("--retries must be >= 0 and --max-drift > 0")
    try:
        a.short_io = parse_seconds(a.short_io, "--short-io")
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
