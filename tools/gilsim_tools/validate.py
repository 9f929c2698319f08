"""Check gilsim's predictions against real CPython runs.

For each scenario: `gilsim run --format json` predicts every strategy; realize.py runs them for
real (or a committed measurement is read with --measured DIR); per case (scenario x strategy)
the table shows the prediction, the measured wall time (median, min..max over the runs), the
error, a naive model's prediction and error, and whether the predicted winner is right.  For a
program (explicit threads) each finite thread's mean I/O latency is compared as well: the
convoy effect is a per-I/O cost, not only a total.  Each case is predicted on the core count
it was measured on (a run with `realize.py --cores 1` of a 2-core scenario, on one core).

  error          (predicted - measured median) / measured median
  naive model    serial: the sum of every op.  threads: cpu and native_gil serialise on the
                 GIL, io overlaps perfectly: max(GIL work, core work / cores, task time /
                 workers, longest task).  processes: core work divided by min(workers, cores),
                 or task time / (workers x threads_per_worker), or the longest task; no start-up,
                 no pickling.  asyncio: the ops on the loop (everything but io and to_thread
                 kinds) vs the longest task (io overlaps).  program: the longest finite thread's
                 own ops, or the finite threads' GIL work.  Means of distributions.
  winner         per scenario, the strategy with the smallest predicted wall time is right when
                 its measured median is within --tie (3 %) of the best measured median, or
                 when gilsim predicts the measured best within 1 % of its own winner (its
                 verdict calls a lead under 1 % a tie).

A strategy gilsim cannot predict yet (gilsim says "not modelled yet", or rejects a key of the
planned v1 format) is listed as "not predicted yet" and left out of the summary; each strategy
is then asked for on its own, so the others are still predicted.  A strategy realize.py cannot
run here is "not measured".

Exit status: 0 whatever the size of the errors; 1 when a run broke (gilsim failed for another
reason, realize.py failed, a measured file is missing or for another version of the scenario);
2 for bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from typing import Any

from . import realize
from .common import TOOLS_DIR, UserError, write_atomically
from .common import log as _log
from .scenario import Scenario, Strategy, load_scenario

TOOL = "validate"
SCHEMA_VERSION = 1
PROFILE_NAME = "host-profile.json"
VERDICT_TIE = 0.01  # sim/report.cpp: a lead under 1 % is a tie in gilsim's verdict
# Names from the planned v1 format additions: gilsim rejecting one of them means "not yet".
PLANNED = ("processes", "asyncio", "free-threaded", "subinterpreters", "start_method",
           "chunksize", "threads_per_worker", "concurrency", "to_thread", "shared_fraction",
           "python", "import_time", "subprocess")


def log(msg: str) -> None:
    _log(TOOL, msg)


class BrokenRun(Exception):
    """gilsim or realize.py failed in a way that is not "not modelled yet"."""


# --------------------------------------------------------------------------------------------
# Predictions


def _not_yet(stderr: str) -> bool:
    first = stderr.strip().splitlines()[0] if stderr.strip() else ""
    if "not modelled yet" in first or "not modeled yet" in first:
        return True
    return any(f'unknown key "{name}"' in first or f"unknown op kind \"{name}\"" in first
               or f'unknown strategy "{name}"' in first for name in PLANNED)


def _gist(stderr: str) -> str:
    """"unknown key "chunksize"" out of gilsim's "gilsim: error: FILE:L:C: /ptr: what; ..."."""
    first = stderr.strip().splitlines()[0] if stderr.strip() else "no message"
    return first.split(": ", 4)[-1].split(";")[0]


def _run_gilsim(gilsim: str, path: str, profile: str | None,
                cores: int) -> tuple[int, dict | None, str]:
    argv = [gilsim, "run", path, "--format", "json", "--cores", str(cores)]
    if profile:
        argv += ["--profile", profile]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    except OSError as e:
        raise UserError(f"cannot run gilsim at {gilsim}: {e.strerror}; build it (cmake --build "
                        "build) or pass --gilsim PATH") from None
    except subprocess.TimeoutExpired:
        return 1, None, f"{' '.join(argv)}: no answer within 300 s"
    if done.returncode != 0:
        return done.returncode, None, done.stderr
    try:
        return 0, json.loads(done.stdout), ""
    except json.JSONDecodeError as e:
        return 1, None, f"{' '.join(argv)}: printed invalid JSON ({e})"


def _single_strategy_doc(sc: Scenario, strat: Strategy) -> dict:
    """The scenario with only this strategy, and without planned top-level keys that cannot
    change it: import_time matters only to spawn/forkserver children, python "3.11" is the
    default.  A relative machine.profile is made absolute."""
    doc = json.loads(json.dumps(sc.doc))
    doc["strategies"] = [sc.doc["strategies"][strat.index]]
    starts_children = strat.kind == "processes" and strat.start_method in (None, "spawn",
                                                                           "forkserver")
    if "import_time" in doc and not starts_children:
        del doc["import_time"]
    if doc.get("python") == "3.11":
        del doc["python"]
    return _portable(sc, doc)


def _portable(sc: Scenario, doc: dict) -> dict:
    """`doc` (a changed copy of sc's) with a relative machine.profile made absolute, so it can
    be run from a temporary directory."""
    prof = doc.get("machine", {}).get("profile")
    if prof and prof != "default" and not os.path.isabs(prof):
        doc["machine"]["profile"] = os.path.join(os.path.dirname(os.path.abspath(sc.path)), prof)
    return doc


@dataclass
class Prediction:
    wall_s: float | None = None
    why_not: str | None = None  # "not predicted yet: ..."
    result: dict = field(default_factory=dict)


def measured_python(measured: dict) -> str | None:
    """The CPython a measurement ran on, as a scenario's "python" ("3.12"), if it says."""
    version = measured.get("python")
    return ".".join(version.split(".")[:2]) if isinstance(version, str) else None


def _as_python(sc: Scenario, python: str, tmp: str) -> str:
    """A copy of the scenario for that Python (a measurement on another version than the
    scenario names): its path."""
    doc = json.loads(json.dumps(sc.doc))
    doc["python"] = python
    path = os.path.join(tmp, os.path.basename(sc.path))
    with open(path, "w") as f:
        json.dump(_portable(sc, doc), f)
    return path


def as_measured(sc: Scenario, measured: dict) -> Scenario:
    """The scenario on the core count it was measured on (realize.py --cores)."""
    return replace(sc, cores=measured.get("cores", sc.cores))


def predict(sc: Scenario, gilsim: str, profile: str | None,
            python: str | None = None) -> tuple[dict[int, Prediction], str]:
    """Strategy index -> prediction, and the gilsim version.  Raises BrokenRun.  `python`: the
    version the measurement ran on; a scenario that names none is predicted for it."""
    if python and sc.python is None and python != "3.11":
        with tempfile.TemporaryDirectory(prefix="gilsim-validate-") as tmp:
            code, doc, err = _run_gilsim(gilsim, _as_python(sc, python, tmp), profile, sc.cores)
    else:
        code, doc, err = _run_gilsim(gilsim, sc.path, profile, sc.cores)
    if code == 0:
        results = doc["results"]
        if len(results) != len(sc.strategies):
            raise BrokenRun(f"{sc.path}: gilsim gave {len(results)} results for "
                            f"{len(sc.strategies)} strategies")
        out = {}
        for strat, res in zip(sc.strategies, results):
            if res.get("kind", res.get("strategy")) != strat.kind:
                raise BrokenRun(f"{sc.path}: gilsim's result {strat.index} is "
                                f"{res.get('kind')}, the scenario says {strat.kind}")
            out[strat.index] = Prediction(res["wall_s"], None, res)
        return out, doc.get("gilsim_version", "?")
    if code != 2 or not _not_yet(err) or sc.is_program:
        raise BrokenRun(f"gilsim run {sc.path} failed (exit {code}): {err.strip()}")
    out, version = {}, "?"
    with tempfile.TemporaryDirectory(prefix="gilsim-validate-") as tmp:
        for strat in sc.strategies:
            path = os.path.join(tmp, os.path.basename(sc.path))
            with open(path, "w") as f:
                json.dump(_single_strategy_doc(sc, strat), f)
            code, doc, err = _run_gilsim(gilsim, path, profile, sc.cores)
            if code == 0:
                out[strat.index] = Prediction(doc["results"][0]["wall_s"], None,
                                              doc["results"][0])
                version = doc.get("gilsim_version", version)
            elif code == 2 and _not_yet(err):
                out[strat.index] = Prediction(None, "not predicted yet: " + _gist(err))
            else:
                raise BrokenRun(f"gilsim run (only {strat.label} of {sc.path}) failed "
                                f"(exit {code}): {err.strip()}")
    return out, version


# --------------------------------------------------------------------------------------------
# The naive model


def _totals(ops) -> dict[str, float]:
    t: dict[str, float] = {}
    for op in ops:
        t[op.kind] = t.get(op.kind, 0.0) + op.duration.mean()
    return t


def naive(sc: Scenario, strat: Strategy) -> float:
    """What a back-of-the-envelope model says: see the module docstring."""
    cores = sc.cores
    if sc.is_program:
        finite = [t for t in sc.threads if not t.until_others_finish]
        own = [sum(_totals(t.ops).values()) * t.repeat for t in finite]
        gil = sum((_totals(t.ops).get("cpu", 0) + _totals(t.ops).get("native_gil", 0)) * t.repeat
                  for t in finite)
        return max(max(own), gil)
    per_task = []
    kinds: dict[str, float] = {}
    for k in sc.tasks:
        tot = _totals(k.ops)
        per_task += [sum(tot.values()) * k.repeat] * k.count
        for kind, v in tot.items():
            kinds[kind] = kinds.get(kind, 0.0) + v * k.repeat * k.count
    total = sum(per_task)
    longest = max(per_task)
    gil = kinds.get("cpu", 0) + kinds.get("native_gil", 0)
    core = gil + kinds.get("native", 0) + kinds.get("subprocess", 0)
    n_tasks = len(per_task)
    if strat.kind == "serial":
        return total
    if strat.kind == "threads":
        workers = strat.workers or min(32, cores + 4)
        return max(gil, core / cores, total / workers, longest)
    if strat.kind in ("processes", "free-threaded", "subinterpreters"):
        workers = strat.workers or cores
        per = strat.threads_per_worker
        return max(core / min(workers, cores), total / (workers * per), longest)
    if strat.kind == "asyncio":
        on_loop = sum(v for k, v in kinds.items() if k != "io" and k not in strat.to_thread)
        off_loop = sum(v for k, v in kinds.items() if k in strat.to_thread)
        conc = strat.concurrency or n_tasks
        return max(on_loop, off_loop / cores, total / conc, longest)
    return float("nan")


# --------------------------------------------------------------------------------------------
# Measurements


def level_note(sc: Scenario, measured: dict, profile: str | None) -> str | None:
    """A warning when the measurement's cpu op was calibrated away from the profile's speed
    level (realize.py --profile prevents it): its overheads ran at another speed than the
    profile's costs were measured at."""
    points = measured.get("calibration", {}).get("cpu", {}).get("points", [])
    if not profile or not points or not measured_spin(profile):
        return None
    level = realize.spin_level(profile)
    ratio = statistics.median(realize.level_ratios(
        [(p["size"], p["ns_per_unit"] * 1e-9) for p in points], level))
    if abs(ratio - 1) <= realize.LEVEL_TOLERANCE:
        return None
    return (f"{sc.name}: measured with its cpu op calibrated at x{1 / ratio:.2f} of the "
            "profile's speed, so the overheads around the ops ran at that speed, not the "
            f"profile's (measure again with realize.py --profile {profile})")


def measured_spin(profile: str) -> bool:
    """Whether a profile holds calibrate.py's busy-loop figures (realize.py --profile)."""
    try:
        return bool(realize.spin_level(profile))
    except UserError:
        return False


def measure(sc: Scenario, args, save_dir: str | None, profile: str | None) -> dict:
    """Run realize.py on the scenario (at the profile's speed level, if there is a measured
    profile); returns its JSON.  Raises BrokenRun."""
    with tempfile.TemporaryDirectory(prefix="gilsim-validate-") as tmp:
        out = os.path.join(tmp, "measured.json")
        argv = [sys.executable, os.path.join(TOOLS_DIR, "realize.py"), sc.path,
                "--repeat", str(args.repeat), "--format", "json", "-o", out]
        if profile and measured_spin(profile):
            argv += ["--profile", profile]
        log(f"running {sc.name} for real ({args.repeat} runs per strategy)")
        done = subprocess.run(argv, stdout=subprocess.DEVNULL)
        if done.returncode != 0:
            raise BrokenRun(f"realize.py {sc.path} failed (exit {done.returncode})")
        with open(out) as f:
            text = f.read()
    if save_dir:
        os.makedirs(save_dir, exist_ok=True)
        write_atomically(os.path.join(save_dir, f"{sc.name}.json"), text)
    return json.loads(text)


def read_measured(sc: Scenario, directory: str) -> dict:
    path = os.path.join(directory, f"{sc.name}.json")
    try:
        with open(path) as f:
            doc = json.load(f)
    except OSError as e:
        raise BrokenRun(f"{path}: cannot read the measurement of {sc.name}: {e.strerror} "
                        f"(measure it: tools/realize.py {sc.path} --repeat 5 -o {path})") from None
    except json.JSONDecodeError as e:
        raise BrokenRun(f"{path}: invalid JSON: {e}") from None
    if doc.get("scenario_hash") != sc.content_hash:
        raise BrokenRun(f"{path}: measured for another version of {sc.path} (hash "
                        f"{doc.get('scenario_hash')}, the file now has {sc.content_hash}); "
                        "measure it again")
    return doc


# --------------------------------------------------------------------------------------------
# Comparing


def rel_error(pred: float | None, meas: float | None) -> float | None:
    if pred is None or meas is None or meas <= 0:
        return None
    return (pred - meas) / meas


def winner_right(pred_best: dict, meas_best: dict, tie: float) -> bool:
    """The predicted winner ran within `tie` of the measured best, or gilsim predicted the
    measured best within VERDICT_TIE of its winner: its verdict called the two a tie."""
    return (pred_best["measured_s"]["median"] <= meas_best["measured_s"]["median"] * (1 + tie)
            or meas_best["predicted_s"] <= pred_best["predicted_s"] * (1 + VERDICT_TIE))


def compare(sc: Scenario, preds: dict[int, Prediction], measured: dict, tie: float) -> dict:
    """One scenario: its cases (strategies), latency cases and winner."""
    by_index = {r["index"]: r for r in measured["results"]}
    skipped = {k["index"]: k["why"] for k in measured.get("skipped", [])}
    cases = []
    for strat in sc.strategies:
        p = preds.get(strat.index, Prediction(None, "not predicted"))
        m = by_index.get(strat.index)
        nv = naive(sc, strat)
        case = {"scenario": sc.name, "strategy": strat.label, "kind": strat.kind,
                "index": strat.index, "cores": sc.cores,
                "predicted_s": p.wall_s, "not_predicted": p.why_not,
                "measured_s": m["wall_s"] if m else None,
                "not_measured": None if m else ("not measured: "
                                                + skipped.get(strat.index, "no result")),
                "naive_s": nv}
        med = m["wall_s"]["median"] if m else None
        case["error"] = rel_error(p.wall_s, med)
        case["naive_error"] = rel_error(nv, med)
        cases.append(case)
    both = [c for c in cases if c["error"] is not None]
    winner = None
    if len(both) >= 2:
        pred_best = min(both, key=lambda c: c["predicted_s"])
        meas_best = min(both, key=lambda c: c["measured_s"]["median"])
        ok = winner_right(pred_best, meas_best, tie)
        winner = {"predicted": pred_best["strategy"], "measured": meas_best["strategy"],
                  "right": ok, "tie": ok and pred_best is not meas_best}
    latency = []
    if sc.is_program and measured["results"] and preds.get(0) and preds[0].result:
        pthreads = {t["name"]: t for t in preds[0].result.get("threads", [])}
        for t in measured["results"][0].get("threads", []):
            io = t["latency_s"].get("io")
            pt = pthreads.get(t["name"])
            if t["repeat"] == "until_others_finish" or not io or not pt:
                continue
            pred = pt.get("io_latency_mean_s")
            meas = io["per_run_mean"]["median"]
            latency.append({"scenario": sc.name, "thread": t["name"], "predicted_s": pred,
                            "measured_s": io["per_run_mean"], "requested_s": io["requested_mean"],
                            "error": rel_error(pred, meas)})
    return {"scenario": sc.name, "path": sc.path, "description": sc.description,
            "cores": sc.cores, "cases": cases, "latency": latency,
            "winner": winner, "measured_python": measured.get("python"),
            "measured_warnings": measured.get("warnings", [])}


def evaluate(sc: Scenario, measured: dict, gilsim: str, profile: str | None,
             tie: float) -> tuple[dict, str]:
    """One scenario's report and the gilsim version: predicted on the core count and for the
    Python version it was measured on, then compared."""
    sc = as_measured(sc, measured)
    preds, version = predict(sc, gilsim, profile, measured_python(measured))
    return compare(sc, preds, measured, tie), version


def summarize(reports: list[dict]) -> dict:
    cases = [c for r in reports for c in r["cases"]]
    scored = [c for c in cases if c["error"] is not None]
    errs = [abs(c["error"]) for c in scored]
    naive_errs = [abs(c["naive_error"]) for c in scored if c["naive_error"] is not None]
    lat = [abs(c["error"]) for r in reports for c in r["latency"] if c["error"] is not None]
    winners = [r["winner"] for r in reports if r["winner"]]
    worst = max(scored, key=lambda c: abs(c["error"])) if scored else None
    return {
        "cases": len(cases), "compared": len(scored),
        "not_predicted": sum(1 for c in cases if c["not_predicted"]),
        "not_measured": sum(1 for c in cases if c["not_measured"]),
        "median_abs_error": statistics.median(errs) if errs else None,
        "worst_abs_error": max(errs) if errs else None,
        "worst_case": f"{worst['scenario']} {worst['strategy']}" if worst else None,
        "naive_median_abs_error": statistics.median(naive_errs) if naive_errs else None,
        "naive_worst_abs_error": max(naive_errs) if naive_errs else None,
        "latency_cases": len(lat),
        "latency_median_abs_error": statistics.median(lat) if lat else None,
        "latency_worst_abs_error": max(lat) if lat else None,
        "winners_right": sum(1 for w in winners if w["right"]), "winners_checked": len(winners),
    }


# --------------------------------------------------------------------------------------------
# Output


def _ms(s: float | None) -> str:
    return "-" if s is None else f"{s * 1e3:.1f}"


def _pct(e: float | None) -> str:
    return "-" if e is None else f"{e * 100:+.1f}%"


def rows(reports: list[dict]) -> list[list[str]]:
    out = []
    for r in reports:
        for c in r["cases"]:
            m = c["measured_s"]
            w = r["winner"]
            mark = ""
            if w and c["strategy"] == w["predicted"]:
                mark = "right" + (" (tie)" if w["tie"] else "") if w["right"] else \
                    f"WRONG (measured: {w['measured']})"
            note = c["not_predicted"] or c["not_measured"] or ""
            out.append([r["scenario"], c["strategy"], str(c["cores"]), _ms(c["predicted_s"]),
                        _ms(m["median"]) if m else "-",
                        f"{_ms(m['min'])}..{_ms(m['max'])}" if m else "-",
                        _pct(c["error"]), _ms(c["naive_s"]), _pct(c["naive_error"]),
                        mark or note])
        for c in r["latency"]:
            m = c["measured_s"]
            out.append([r["scenario"], f"io latency, thread {c['thread']}", str(r["cores"]),
                        _ms(c["predicted_s"]), _ms(m["median"]),
                        f"{_ms(m['min'])}..{_ms(m['max'])}", _pct(c["error"]),
                        _ms(c["requested_s"]), "", "mean per I/O op (naive: the I/O itself)"])
    return out


HEADER = ["scenario", "strategy", "cores", "predicted ms", "measured ms", "min..max",
          "error", "naive ms", "naive error", "winner / note"]


def summary_line(s: dict) -> str:
    def p(x):
        return "-" if x is None else f"{x * 100:.1f} %"
    line = (f"{s['compared']} of {s['cases']} cases compared: median |error| "
            f"{p(s['median_abs_error'])}, worst {p(s['worst_abs_error'])} ({s['worst_case']}); "
            f"naive model median {p(s['naive_median_abs_error'])}, worst "
            f"{p(s['naive_worst_abs_error'])}; winner right in {s['winners_right']} of "
            f"{s['winners_checked']} scenarios")
    if s["latency_cases"]:
        line += (f"; I/O latency: median |error| {p(s['latency_median_abs_error'])}, worst "
                 f"{p(s['latency_worst_abs_error'])} over {s['latency_cases']} threads")
    if s["not_predicted"]:
        line += f"; {s['not_predicted']} not predicted yet"
    if s["not_measured"]:
        line += f"; {s['not_measured']} not measured"
    return line


def text_table(reports: list[dict], summary: dict) -> str:
    body = rows(reports)
    widths = [max(len(HEADER[i]), *(len(r[i]) for r in body)) if body else len(HEADER[i])
              for i in range(len(HEADER))]
    widths[-1] = 0
    fmt = lambda r: "  ".join(v.rjust(w) if 2 <= i <= 8 else v.ljust(w)  # noqa: E731
                              for i, (v, w) in enumerate(zip(r, widths))).rstrip()
    return "\n".join([fmt(HEADER)] + [fmt(r) for r in body] + ["", summary_line(summary)])


def markdown_table(reports: list[dict], summary: dict) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows(reports):
        lines.append("| " + " | ".join(v.replace("|", "\\|") for v in r) + " |")
    return "\n".join(lines + ["", summary_line(summary)])


# --------------------------------------------------------------------------------------------
# Driver


def scenario_paths(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".json"))
            if not found:
                raise UserError(f"{p}: no scenario files (*.json) in this directory")
            out += found
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise UserError(f"{p}: no such file or directory")
    return out


def run(args) -> tuple[list[dict], dict, list[str]]:
    scenarios = [load_scenario(p) for p in scenario_paths(args.scenarios)]
    profile = args.profile
    if args.calibrate:
        profile = args.save_profile or os.path.join(tempfile.mkdtemp(prefix="gilsim-validate-"),
                                                    PROFILE_NAME)
        log(f"measuring this host's profile into {profile}")
        done = subprocess.run([sys.executable, os.path.join(TOOLS_DIR, "calibrate.py"),
                               "--gilsim", args.gilsim, "-o", profile])
        if done.returncode != 0:
            raise BrokenRun(f"calibrate.py failed (exit {done.returncode})")
    elif profile is None and args.measured:
        beside = os.path.join(args.measured, PROFILE_NAME)
        profile = beside if os.path.exists(beside) else None
    if profile and not os.path.exists(profile):
        raise UserError(f"--profile {profile}: no such file")
    reports, broken = [], []
    version = "?"
    for sc in scenarios:
        try:
            measured = (read_measured(sc, args.measured) if args.measured
                        else measure(sc, args, args.save_measured, profile))
            if note := level_note(sc, measured, profile):
                log(f"warning: {note}")
            report, version = evaluate(sc, measured, args.gilsim, profile, args.tie)
            reports.append(report)
        except BrokenRun as e:
            log(f"error: {e}")
            broken.append(str(e))
    summary = summarize(reports) | {"gilsim_version": version, "profile": profile or "default",
                                    "broken": broken}
    return reports, summary, broken


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="validate.py",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description=__doc__.split("\n\nExit status")[0],
                                epilog="Examples:\n  tools/validate.py scenarios/validation "
                                       "--calibrate           # measure this host, run all\n"
                                       "  tools/validate.py scenarios/validation --measured "
                                       "docs/validation/measured   # committed results")
    p.add_argument("scenarios", nargs="+", help="scenario files or directories of them")
    p.add_argument("--gilsim", default="build/gilsim", help="gilsim binary (default build/gilsim)")
    p.add_argument("--profile", help="machine profile for gilsim run --profile (default: "
                   f"{PROFILE_NAME} in the --measured directory if there is one, else gilsim's)")
    p.add_argument("--calibrate", action="store_true", help="first measure this host with "
                   "calibrate.py and predict with that profile")
    p.add_argument("--save-profile", help="with --calibrate: keep the profile in this file")
    p.add_argument("--measured", help="read realize.py results from this directory "
                   "(<scenario name>.json) instead of running the scenarios")
    p.add_argument("--save-measured", help="keep the realize.py results in this directory")
    p.add_argument("--repeat", type=int, default=5, help="realize.py runs per strategy "
                   "(default 5)")
    p.add_argument("--tie", type=float, default=0.03, help="the predicted winner is right when "
                   "its measured median is within this fraction of the best (default 0.03)")
    p.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    p.add_argument("--output", "-o", help="also write the JSON report to this file")
    a = p.parse_args(argv)
    if a.repeat < 1 or a.tie < 0:
        p.error("--repeat must be >= 1 and --tie >= 0")
    if a.measured and (a.calibrate or a.save_measured):
        p.error("--measured reads results; it does not go with --calibrate or --save-measured")
    if a.measured and not os.path.isdir(a.measured):
        p.error(f"--measured {a.measured}: no such directory")
    if a.save_profile and not a.calibrate:
        p.error("--save-profile goes with --calibrate")
    if shutil.which(a.gilsim) is None and not os.path.exists(a.gilsim):
        p.error(f"--gilsim {a.gilsim}: not found; build it (cmake -S . -B build && cmake --build "
                "build) or pass the path")
    return a


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        reports, summary, broken = run(args)
    except UserError as e:
        print(f"validate: error: {e}", file=sys.stderr)
        return 2
    except BrokenRun as e:
        print(f"validate: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("validate: interrupted", file=sys.stderr)
        return 130
    doc = {"schema_version": SCHEMA_VERSION, "tool": TOOL, "summary": summary,
           "scenarios": reports}
    if args.output:
        write_atomically(args.output, json.dumps(doc, indent=1) + "\n")
    if args.format == "json":
        print(json.dumps(doc, indent=1))
    elif args.format == "markdown":
        print(markdown_table(reports, summary))
    else:
        print(text_table(reports, summary))
    return 1 if broken else 0
