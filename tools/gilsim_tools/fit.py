"""Find the value of one gilsim parameter for which gilsim reproduces a measured figure.

Some costs cannot be read off a micro-benchmark by subtraction: a process pool's worker start-up
overlaps the parent's own work (forking the next worker, starting the manager and feeder
threads) on the same cores, so "first result of a fresh pool" is not a sum of parameters.  For
those, calibrate.py describes the benchmark as a tiny scenario and bisects the parameter until
gilsim's prediction of that scenario equals the measurement: the parameter then means what the
model needs it to mean, measured the way pools use it.  The prediction must grow with the
parameter (it does for every cost fitted here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Callable

from .common import UserError, duration_text

Metric = Callable[[dict], float]  # gilsim's JSON output -> seconds


def predict(gilsim: str, scenario: dict, params: dict[str, float], metric: Metric) -> float:
    with tempfile.TemporaryDirectory(prefix="gilsim-fit-") as tmp:
        scen_path = os.path.join(tmp, "scenario.json")
        prof_path = os.path.join(tmp, "profile.json")
        with open(scen_path, "w") as f:
            json.dump(scenario, f)
        with open(prof_path, "w") as f:
            json.dump({"name": "fit", "params": {k: duration_text(v) for k, v in params.items()}}, f)
        done = subprocess.run([gilsim, "run", scen_path, "--profile", prof_path, "--format", "json"],
                              capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise UserError(f"gilsim failed while fitting (exit {done.returncode}): "
                        f"{done.stderr.strip()[:300]}")
    return metric(json.loads(done.stdout))


def solve(evaluate: Callable[[dict[str, float]], float], params: dict[str, float],
          names: list[str], target: float, hi: float) -> float | None:
    """x in [0, hi] such that evaluate(params with every parameter in `names` set to x) equals
    `target` (with several names: x scales their values in `params`, keeping their split);
    None when x = 0 already predicts more than the target: the rest of the model costs more
    than was measured."""
    def at(x: float) -> float:
        trial = dict(params)
        for n in names:
            trial[n] = x * params[n] if len(names) > 1 else x
        return evaluate(trial)

    lo = 0.0
    if at(lo) > target:
        return None
    while at(hi) < target:
        hi *= 2
        if hi > 1e3:
            raise UserError(f"cannot fit {', '.join(names)}: the prediction never reaches "
                            f"{target:.6f} s")
    for _ in range(30):
        mid = (lo + hi) / 2
        if at(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def running_python() -> str:
    """The scenario's "python" for the CPython this runs on: pools differ by version (3.12's
    thread-pool workers release the idle semaphore only when the queue is empty)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _noop_map(name: str, tasks: int, strategy: dict, python: str, cores: int = 2) -> dict:
    """`tasks` trivial calls mapped on `cores` under `strategy`, as calibrate.py times them."""
    return {"name": name, "machine": {"cores": cores}, "python": python or running_python(),
            "workload": {"tasks": [{"name": "noop", "count": tasks, "ops": [{"cpu": "1us"}]}]},
            "strategies": [strategy]}


def pool_scenario(method: str, tasks: int, chunksize: int = 1, python: str = "",
                  cores: int = 2) -> dict:
    """A fresh ProcessPoolExecutor(2) mapping trivial calls."""
    strategy = {"kind": "processes", "workers": 2, "start_method": method}
    if chunksize > 1:
        strategy["chunksize"] = chunksize
    return _noop_map(f"fit-{method}-{tasks}", tasks, strategy, python, cores)


def thread_pool_scenario(tasks: int, python: str = "") -> dict:
    """ThreadPoolExecutor(4) mapping trivial calls."""
    return _noop_map(f"fit-threads-{tasks}", tasks, {"kind": "threads", "workers": 4}, python)


def per_item(gilsim: str, small: dict, big: dict, params: dict[str, float]) -> float:
    """The model's cost of one more item: the two maps' wall times apart, per item."""
    extra = big["workload"]["tasks"][0]["count"] - small["workload"]["tasks"][0]["count"]
    return (predict(gilsim, big, params, wall) - predict(gilsim, small, params, wall)) / extra


def first_latency(doc: dict) -> float:
    return doc["results"][0]["task_latency_p50_s"]


def longest_latency(doc: dict) -> float:
    """The longest task's latency (p99 of a few tasks): with calls submitted at once, about the
    last result's time."""
    return doc["results"][0]["task_latency_p99_s"]


def wall(doc: dict) -> float:
    return doc["results"][0]["wall_s"]
