"""Reading a gilsim scenario (docs/scenario-format.md, with the planned v1 additions of
processes, asyncio, free-threaded, subinterpreters, "python", "import_time" and the subprocess
op) for the tools.  gilsim's own parser (sim/scenario.cpp) is the authority on what is valid;
this one checks enough to run a scenario for real and to say clearly what is wrong."""

from __future__ import annotations

import json
import math
import os
import random
import re
from dataclasses import dataclass, field
from typing import Any

from .common import UserError

OP_KINDS = ("cpu", "io", "native", "native_gil", "subprocess")
STRATEGY_KINDS = ("serial", "threads", "processes", "asyncio", "free-threaded", "subinterpreters")
START_METHODS = ("fork", "forkserver", "spawn")
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.13t", "3.14", "3.14t")

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
        if shape == "fixed":
            return Duration("fixed", parse_seconds(p, f"{where}/fixed"))
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
    arg_bytes: int = 0
    result_bytes: int = 0


@dataclass
class ThreadSpec:
    name: str
    ops: list[OpSpec]
    repeat: int  # ignored when until_others_finish
    until_others_finish: bool


@dataclass(frozen=True)
class Strategy:
    kind: str  # serial | threads | processes | asyncio | free-threaded | subinterpreters | program
    workers: int | None = None
    start_method: str | None = None
    chunksize: int = 1
    threads_per_worker: int = 1
    concurrency: int | None = None
    to_thread: tuple[str, ...] = ()
    shared_fraction: float = 0.0
    index: int = 0  # position in the scenario's list

    @property
    def label(self) -> str:
        parts = []
        if self.kind in ("threads", "processes", "free-threaded", "subinterpreters"):
            parts.append(str(self.workers) if self.workers is not None else "default")
        if self.start_method:
            parts.append(self.start_method)
        if self.chunksize != 1:
            parts.append(f"chunksize={self.chunksize}")
        if self.threads_per_worker != 1:
            parts.append(f"threads_per_worker={self.threads_per_worker}")
        if self.concurrency is not None:
            parts.append(f"concurrency={self.concurrency}")
        if self.to_thread:
            parts.append("to_thread=" + "+".join(self.to_thread))
        if self.shared_fraction:
            parts.append(f"shared_fraction={self.shared_fraction:g}")
        return f"{self.kind}({','.join(parts)})" if parts else self.kind


@dataclass
class Scenario:
    path: str
    name: str
    description: str
    content_hash: str
    seed: int
    switch_interval: float
    cores: int
    python: str | None = None
    import_time: float = 0.0
    tasks: list[TaskKind] = field(default_factory=list)
    threads: list[ThreadSpec] = field(default_factory=list)
    strategies: list[Strategy] = field(default_factory=list)
    doc: dict = field(default_factory=dict)

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


_STRATEGY_FIELDS = {
    "serial": set(),
    "threads": {"workers"},
    "processes": {"workers", "start_method", "chunksize", "threads_per_worker"},
    "asyncio": {"concurrency", "to_thread"},
    "free-threaded": {"workers", "shared_fraction"},
    "subinterpreters": {"workers"},
}


def _parse_strategy(s: Any, where: str, index: int) -> Strategy:
    if isinstance(s, str):
        s = {"kind": s}
    _expect(s, dict, where, 'a strategy name or {"kind": ..., "workers": N}')
    kind = s.get("kind")
    _expect(kind, str, f"{where}/kind", "a strategy name")
    if kind not in _STRATEGY_FIELDS:
        raise UserError(f"{where}/kind: unknown strategy {json.dumps(kind)} "
                        f"(expected {', '.join(STRATEGY_KINDS)})")
    _known_keys(s, {"kind"} | _STRATEGY_FIELDS[kind], where)
    workers = s.get("workers")
    if workers is not None:
        workers = _parse_count(workers, f"{where}/workers", 1)
    sm = s.get("start_method")
    if sm is not None and sm not in START_METHODS:
        raise UserError(f"{where}/start_method: expected one of {', '.join(START_METHODS)}, "
                        f"got {json.dumps(sm)}")
    conc = s.get("concurrency")
    if conc is not None:
        conc = _parse_count(conc, f"{where}/concurrency", 1)
    to_thread = s.get("to_thread", [])
    _expect(to_thread, list, f"{where}/to_thread", "a list of op kinds")
    for i, k in enumerate(to_thread):
        if k not in OP_KINDS or k == "io":
            raise UserError(f"{where}/to_thread/{i}: expected an op kind other than io "
                            f"({', '.join(k for k in OP_KINDS if k != 'io')}), got {json.dumps(k)}")
    shared = s.get("shared_fraction", 0.0)
    if not isinstance(shared, (int, float)) or isinstance(shared, bool) or not 0 <= shared <= 1:
        raise UserError(f"{where}/shared_fraction: expected a number from 0 to 1")
    return Strategy(kind, workers, sm,
                    chunksize=_parse_count(s.get("chunksize", 1), f"{where}/chunksize", 1),
                    threads_per_worker=_parse_count(s.get("threads_per_worker", 1),
                                                    f"{where}/threads_per_worker", 1),
                    concurrency=conc, to_thread=tuple(to_thread), shared_fraction=float(shared),
                    index=index)


def load_scenario(path: str) -> Scenario:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror}") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
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
                      "program", "strategies", "max_virtual_time", "python", "import_time",
                      "$schema"}, "/")
    name = doc.get("name", os.path.splitext(os.path.basename(path))[0])
    _expect(name, str, "/name", "a string")
    desc = doc.get("description", "")
    _expect(desc, str, "/description", "a string")
    seed = _parse_count(doc.get("seed", 1), "/seed", 0)
    interval = parse_seconds(doc.get("switch_interval", "5ms"), "/switch_interval")
    machine = doc.get("machine", {})
    _expect(machine, dict, "/machine", "an object")
    _known_keys(machine, {"cores", "profile"}, "/machine")
    cores = _parse_count(machine.get("cores", 4), "/machine/cores", 1)
    python = doc.get("python")
    if python is not None and python not in PYTHONS:
        raise UserError(f"/python: expected one of {', '.join(PYTHONS)}, got {json.dumps(python)}")
    import_time = parse_seconds(doc.get("import_time", "0ms"), "/import_time")
    sc = Scenario(path, name, desc, fnv1a64(raw), seed, interval, cores, python, import_time,
                  doc=doc)

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
                ops=_parse_ops(t.get("ops"), f"{w}/ops"),
                arg_bytes=_parse_count(t.get("arg_bytes", 0), f"{w}/arg_bytes", 0),
                result_bytes=_parse_count(t.get("result_bytes", 0), f"{w}/result_bytes", 0)))
        strategies = doc.get("strategies", ["serial", "threads", "processes", "asyncio"])
        _expect(strategies, list, "/strategies", "a list")
        sc.strategies = [_parse_strategy(s, f"/strategies/{i}", i)
                         for i, s in enumerate(strategies)]
    else:
        if "strategies" in doc:
            raise UserError("/strategies: a program runs as written; remove \"strategies\"")
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
