#!/usr/bin/env python3
"""gilsim's predictions against the committed measurements of real CPython runs.

usage: python3 tests/validation_test.py path/to/gilsim   (ctest runs it from the repo root)

Predictions only: for every host in HOSTS, every scenario in scenarios/validation/ goes
through `gilsim run` with the profile measured on that host (docs/validation/HOST/
host-profile.json); nothing runs for real, so this takes a few seconds.  The measurements were
taken on the development machines with tools/realize.py (5 runs each, median) and are compared
as tools/validate.py does; each host passes or fails on its own, and so does each of its other
Python versions (VERSIONS, predicted for that version) and its set pinned to one core (PINNED,
predicted on one core).  Tolerance (issue 5): median |error|
<= 5 % and worst |error| <= 15 % on wall time, and the predicted winner right in every scenario
(a measured tie within 3 % counts, and so does a tie gilsim itself called: under 1 %).

A case the model is known to miss is listed in KNOWN_GAPS with the reason and the measured
evidence: it is reported but does not fail the test, so every other case still guards against
regressions.  Never widen the tolerance to make a case pass; fix the model or the measurement,
then remove the case from the list (the test prints which known gaps pass now).  A strategy
gilsim does not model yet is skipped with the reason printed.  To re-measure: see
docs/validation.md.
"""

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from gilsim_tools import validate  # noqa: E402
from gilsim_tools.common import UserError  # noqa: E402
from gilsim_tools.scenario import load_scenario  # noqa: E402

SCENARIOS = ROOT / "scenarios" / "validation"
MEASURED = ROOT / "docs" / "validation"
# Every host whose measurements are committed: its directory under docs/validation/ holds the
# realize.py results of every validation scenario and the host profile calibrate.py measured
# beside them.  Each host is checked against its own profile, with the same tolerance.
HOSTS = ("intel-xeon", "amd-epyc", "amd-zen3")
# Hosts measured on some of the scenarios only (a session on that machine ran out of time),
# each with its own profile beside the measurements.
PARTIAL_HOSTS = ("amd-zen5", "amd-zen5-pvm", "intel-m167")
# Other Python versions measured on a host, on a few scenarios: HOST-VERSION/ holds those,
# predicted for that version with the host's profile.
VERSIONS = ("intel-xeon-3.12", "intel-xeon-3.13", "amd-epyc-3.12", "amd-epyc-3.13",
            "amd-zen5-pvm-1core-3.12", "amd-zen5-pvm-1core-3.13")
# The 2-core scenarios measured pinned to one CPU (realize.py --cores 1) on a host whose two
# vCPUs seldom ran at one speed: HOST-1core/ holds those, predicted on one core with the host's
# profile.
PINNED = ("amd-zen5-pvm-1core",)
MEDIAN_MAX = 0.05
WORST_MAX = 0.15
TIE = 0.03

# (host, scenario, strategy label) -> why the model misses it, with the measured evidence.
# A winner check can be waived for a scenario with (host, scenario, "winner").
KNOWN_GAPS: dict[tuple[str, str, str], str] = {
    ("intel-xeon", "processes-forkserver", "winner"):
        "the forkserver pool is predicted 7 % fast (193.6 ms against 208.8 measured, within "
        "the tolerance), which puts it 3 % ahead of serial (200 ms); measured it is 4 % behind. "
        "9 of the 10 process pools on 2 cores here are predicted fast, by 1-14 %: the model's "
        "fresh pool still misses part of what a real one costs on busy cores "
        "(docs/validation.md, Known gaps)",
    ("amd-epyc", "process-thread-pipeline", "processes(2,fork,chunksize=8,threads_per_worker=4)"):
        "pool start-up under load: the real workers start their first task ~84 ms after the "
        "pool is created, a noop pool's first result (what fork_child is fitted to) comes at "
        "60 ms; the parent's threads and the workers' own pools compete with the children's "
        "copy-on-write start-up, which the model charges as a fixed cost (docs/validation.md)",
    ("amd-epyc-3.12", "cpu-threads-2cores", "winner"):
        "the measurement: threads(2) at 199.4 ms beat serial at 206.1 ms, which one GIL "
        "cannot do for pure Python; the model has them 1.05 % apart, just outside its 1 % tie",
    ("amd-epyc", "process-thread-pipeline", "winner"):
        "follows from the pool start-up gap above: 168 ms predicted against 218 ms measured "
        "puts the pipeline ahead of threads(4) (191 ms measured)",
    ("amd-epyc", "small-tasks-processes", "processes(2,fork)"):
        "a fresh pool's per-task cost: 500 tasks of 50 us cost ~330 us each in the real run "
        "((226 ms - ~60 ms start-up) / 500), a warm pool's map(noop) 150 us (what the model's "
        "per-task costs are fitted to); the fresh pool's parent faults in every page it writes "
        "after the forks, which the model does not charge (docs/validation.md)",
    ("amd-epyc", "small-tasks-processes", "processes(2,fork,chunksize=50)"):
        "same family: the workers' 50 us ops took a median 56-86 us of wall time per run "
        "(the VM's slower speed level, which realize cannot check on sub-millisecond ops "
        "without reading the thread clock, 1.8 us a read), plus the fresh-pool faults",
    ("amd-epyc", "small-tasks-threads", "threads(4)"):
        "real runs take one of two courses (docs/validation.md, Known gaps): the lock convoy on "
        "the pool's idle semaphore (550-770 GIL holder changes) or 5 ms turns (15-19 changes); "
        "4 of 5 runs here took the second, as the model does with this profile (36 changes), "
        "but in 68-87 ms against 62 predicted.  Serial is 12 % short too (50 us ops measured "
        "before realize sampled their speed), and the set was measured off the profile's speed "
        "level (x0.7)",
    ("amd-zen3", "small-tasks-threads", "threads(4)"):
        "real runs take one of two courses (docs/validation.md, Known gaps): the lock convoy on "
        "the pool's idle semaphore (407-800 GIL holder changes, 94-149 ms) or 5 ms turns (14-18 "
        "changes, 81-97 ms, median 88.5).  6 of these 15 runs fell into the convoy; the model "
        "takes the other course with this profile (41 changes, 79 ms, 2.5 % under the fastest "
        "such run).  Serial is 11 % short in the same runs: the 50 us ops ran slow (5 of 15 "
        "flagged)",
    ("amd-epyc", "subprocess-threads", "threads(2)"):
        "most likely the measurement: these runs were judged by the speed probes alone, which "
        "do not see the seq children's speed during the run; the overlapping strategies are "
        "15-21 % slower than predicted, serial 4 %.  Since realize checks the children's CPU "
        "time, the Intel VM's runs of this scenario are within 6 % for every strategy",
    ("amd-epyc", "subprocess-threads", "asyncio"): "as threads(2)",
    ("amd-zen5-pvm", "process-thread-pipeline",
     "processes(2,fork,chunksize=8,threads_per_worker=4)"):
        "a fresh fork pool under load, as on the AMD VM: 197.4 ms measured (179.0..212.7) "
        "against 158.5 on two vCPUs, -2.2 % pinned to one.  Its first task (10 ms of Python "
        "among four threads, 20 ms of I/O) ends 87-113 ms after the pool is made, so the "
        "workers start ~50-70 ms in (the model's first ~47: fork_parent + fork_child + its "
        "shootdowns); each worker's four threads run on both "
        "vCPUs, so its copy-on-write faults flush both (change 14), which the model charges "
        "only during a child's start-up",
    ("amd-zen5-pvm", "process-thread-pipeline", "winner"):
        "follows from the pool gap above: 158.5 ms predicted puts the pipeline ahead of "
        "threads(4) (185.9 ms measured, 183.1 predicted)",
    ("amd-zen5-pvm", "small-tasks-processes", "processes(2,fork)"):
        "a fresh fork pool's per-task cost, as on the AMD VM: 190.4 ms measured (167.3..238.8) "
        "against 124.3 on two vCPUs; its 50 us ops ran at x0.96-1.57 of their calibrated CPU "
        "time (4 of 5 kept runs flagged after retries): a fresh pool's parent and children "
        "fault in the pages they write after the forks, dearer here (change 12), which the "
        "model does not charge",
    ("amd-zen5-pvm", "small-tasks-processes", "processes(2,fork,chunksize=50)"):
        "the same: 96.7 ms against 68.0, every kept run flagged (the ops at x1.47-1.88)",
    ("amd-zen5-pvm", "subprocess-threads", "threads(2)"):
        "two seq children side by side on the two vCPUs run slower than one alone here: 138.4 "
        "ms measured against 117.0, and in 4 of the 5 kept runs (each after retries, flagged) "
        "their CPU time was x1.03-1.13 of the calibration, while serial's was x0.97-1.04; "
        "timed by hand, `seq 1 2300000` took 32.5 ms alone and 39.5 two at once (the Python "
        "busy loop does not slow so).  The model has no contention between cores",
    ("amd-zen5-pvm", "subprocess-threads", "asyncio"): "as threads(2) (x1.06-1.10, 4 flagged)",
    ("amd-zen5-pvm", "subprocess-threads", "asyncio(to_thread=subprocess)"):
        "as threads(2) (x1.01-1.16, 3 flagged)",
    ("amd-zen5-pvm", "io-threads", "threads(32)"):
        "32 threads started back to back on two vCPUs: 38.1 ms measured against 30.9.  Since "
        "change 17 the model charges a thread's end and glibc's stack cache (pinned to one vCPU "
        "the same case is within 8 %), but on two vCPUs a plain script's pool of 32 took 9.4-12.3 "
        "ms to start its threads against 4.4 in the model (~300 us a start against ~140): each "
        "start wakes the other vCPU, which here halts after ~130 us idle (wake_after_idle over "
        "75-500 us) and then takes 60-160 us to wake; the model's poll window is 200 us.  4 of "
        "the 5 runs are flagged for the speed of their 0.2 ms ops",
    ("amd-zen5-pvm", "small-tasks-threads", "threads(4)"):
        "real runs take one of two courses (docs/validation.md, Known gaps): 2 of these 5 fell "
        "into the lock convoy on the pool's idle semaphore (478 and 751 GIL holder changes, "
        "94.8 and 102.2 ms), 3 kept 5 ms turns (15 changes, 65.8-75.9 ms); the model takes the "
        "second course with this profile (35 hand-offs, 63.5 ms, 3.5 % under the fastest such "
        "run).  Serial is within 1.3 %",
    ("amd-zen5-pvm", "processes-spawn", "processes(2,spawn)"):
        "a fresh spawn pool's start-up: 389.9 ms measured (358.0..416.6) against "
        "316.9 on two vCPUs, while pinned to one vCPU the same pool is +2.4 %: its first 50 ms "
        "task ends 176-225 ms after the pool is made, so its children took ~125-175 ms to "
        "start side by side, the model's ~100 (interpreter_startup fitted to one child's, 100 "
        "ms).  Timed by hand, two spawned children started together in 118 ms (one alone in "
        "104): they overlap here, unlike forked ones (change 18); the rest is not found",
    ("amd-zen5-pvm-1core", "pickle-heavy", "processes(2,fork)"):
        "a payload's copies cost what glibc's heap and this guest's page reporting make them: "
        "654 ms measured against 891.6 (the receiver charged 9.2 ms of CPU per MiB, measured "
        "in a fresh interpreter with 4 MiB payloads; the same figure measured 2.5-10.2 on "
        "other runs and 8.5-19 with 1-2 MiB ones).  A plain script of the same pool, pinned "
        "to one vCPU, ran in 460 ms the first time and 354-384 after.  Before the receiver "
        "had its own rate the model said 194 ms (-70 %)",
    ("amd-zen5-pvm-1core-3.13", "small-tasks-threads", "serial"):
        "the measurement: serial is the sum of 1000 ops of 50 us, and in the 5 runs kept "
        "(each flagged after 8 retries) they took x1.17-1.42 of their calibrated CPU time; "
        "59.7 ms against 50.0.  Under 3.11 (x1.14-1.22) and 3.12 (x0.97-1.17), pinned alike, "
        "serial is 13 % and 11 % short, inside the tolerance",
    ("amd-zen5-pvm-1core-3.12", "io-threads", "threads(32)"):
        "36.5 ms (33.3..37.7) against 30.3, measured with the cpu op at x0.47 of the profile's "
        "speed (the overheads around the ops ran at that speed); under 3.11, pinned alike and "
        "at the profile's speed, 33.0 against 30.3 (-8 %)",
    ("amd-epyc", "io-threads", "threads(32)"):
        "32 threads started back to back: ~0.5 ms apart in the real run, ~0.3 ms in the model "
        "even with the live-thread start cost; not explained (8 workers are within 5 %), and "
        "not seen on the Intel VM, where threads(32) is within 3 %",
}


def check_host(host: str, gilsim: str, failures: list[str], notes: list[str]) -> None:
    """The validation scenarios predicted with the host's profile against its measurements:
    every one for a host, those measured for a partial host, a host's other Python version or
    its pinned set."""
    measured = MEASURED / host
    # A version or pinned set's profile is its host's: the longest host name it starts with.
    base = max((h for h in HOSTS + PARTIAL_HOSTS if host == h or host.startswith(h + "-")),
               key=len, default=host)
    profile = str(MEASURED / base / validate.PROFILE_NAME)
    paths = sorted(SCENARIOS.glob("*.json"))
    if host not in HOSTS:
        paths = [p for p in paths if (measured / p.name).exists()]
    errors, gap_errors = [], []
    for path in paths:
        rel = path.relative_to(ROOT).as_posix()
        try:
            sc = load_scenario(rel)
            runs = validate.read_measured(sc, str(measured))
            if note := validate.level_note(sc, runs, profile):
                notes.append(f"{host}: {note}")
            report, _ = validate.evaluate(sc, runs, gilsim, profile, TIE)
        except (validate.BrokenRun, UserError) as e:
            failures.append(f"{host}: {e}")
            continue
        for c in report["cases"]:
            key = (host, sc.name, c["strategy"])
            if c["not_predicted"] or c["not_measured"]:
                notes.append(f"{host}: skip {sc.name} {c['strategy']}: "
                             f"{c['not_predicted'] or c['not_measured']}")
                continue
            err = c["error"]
            line = (f"{host}: {sc.name} {c['strategy']}: predicted {c['predicted_s'] * 1e3:.1f} ms, "
                    f"measured {c['measured_s']['median'] * 1e3:.1f} ms "
                    f"({c['measured_s']['min'] * 1e3:.1f}..{c['measured_s']['max'] * 1e3:.1f}), "
                    f"error {err * 100:+.1f} %")
            if key in KNOWN_GAPS:
                gap_errors.append(abs(err))
                notes.append(f"known gap {line}"
                             + (" -- within tolerance now: remove it from KNOWN_GAPS"
                                if abs(err) <= WORST_MAX else ""))
                continue
            errors.append(abs(err))
            if abs(err) > WORST_MAX:
                failures.append(f"{line}: beyond {WORST_MAX * 100:.0f} %")
        w = report["winner"]
        if w and not w["right"]:
            msg = f"{host}: {sc.name}: gilsim picks {w['predicted']}, the measurements {w['measured']}"
            if (host, sc.name, "winner") in KNOWN_GAPS or (host, sc.name, w["predicted"]) in KNOWN_GAPS:
                notes.append(f"known gap {msg}")
            else:
                failures.append(msg)
    if not errors:
        failures.append(f"{host}: no case could be compared")
        return
    med = statistics.median(errors)
    if med > MEDIAN_MAX:
        failures.append(f"{host}: median |error| {med * 100:.1f} % over {len(errors)} cases is "
                        f"beyond {MEDIAN_MAX * 100:.0f} %")
    all_med = statistics.median(errors + gap_errors)
    notes.append(f"{host}: {len(errors)} cases within the checks: median |error| {med * 100:.1f} %, "
                 f"worst {max(errors) * 100:.1f} %; with its {len(gap_errors)} known gaps: "
                 f"median {all_med * 100:.1f} %")


def main() -> int:
    gilsim = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "gilsim")
    os.chdir(ROOT)
    failures: list[str] = []
    notes: list[str] = []
    if len(list(SCENARIOS.glob("*.json"))) < 20:
        failures.append("fewer than 20 validation scenarios; issue 5 asks for at least 20")
    validated = HOSTS + PARTIAL_HOSTS + VERSIONS + PINNED
    for host in validated:
        check_host(host, gilsim, failures, notes)
    stale = {k for k in KNOWN_GAPS
             if k[0] not in validated or not (SCENARIOS / f"{k[1]}.json").exists()}
    failures += [f"KNOWN_GAPS names {k}, which is not a validated host and scenario" for k in stale]
    for n in notes:
        print(n)
    for f in failures:
        print(f"FAIL {f}")
    print("validation: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
