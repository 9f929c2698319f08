#!/usr/bin/env python3
"""Tests of `gilsim run --trace` and `--timeline`: the trace invariants on several scenarios, the
golden trace of a small window, the window and thread filters, the choice of strategy, errors,
and the timeline picture's structure.

usage: python3 tests/trace_test.py path/to/gilsim   (ctest runs it from the repository root)

The trace is checked against itself (slices, GIL holdings, flows and counters agree) and against
the run's own JSON results (the per-thread breakdown, hand-off and switch counts): two views of
one simulation that must tell the same story. tools/regen_golden.sh rewrites the golden files.
"""

import collections
import decimal
import difflib
import json
import os
import subprocess
import stat
import sys
import tempfile
import threading
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.json"))
GILSIM = str(ROOT / "build" / "gilsim")  # replaced by the command-line argument
GIL_TID_BASE = 1_000_000
STATE_KEYS = {  # slice name -> the run JSON's per-thread column
    "Python Code": "python_s", "Native Code": "native_s", "Waiting for GIL": "gil_wait_s",
    "Waiting for lock": "lock_wait_s", "Runnable (no free core)": "runnable_s",
    "Blocked on I/O": "io_s", "Pickling and IPC": "ipc_s", "Starting up": "startup_s",
    "Idle": "idle_s", "Interpreter overhead": "overhead_s", "Kernel (wake-ups, exits)": "kernel_s",
}
SVG = "{http://www.w3.org/2000/svg}"

# More threads than cores and every op kind: runnable states, native code with and without the
# GIL, forced switches, a pool.
BUSY = {
    "name": "busy", "seed": 3, "machine": {"cores": 2},
    "workload": {"tasks": [{"name": "t", "count": 24, "ops": [
        {"cpu": {"lognormal": {"mean": "2ms", "cv": 0.5}}},
        {"io": {"uniform": {"low": "1ms", "high": "4ms"}}},
        {"native": "700us"}, {"native_gil": "300us"}, {"cpu": "6ms"}]}]},
    "strategies": ["serial", {"kind": "threads", "workers": 6}],
}


def gilsim(*args, cwd=ROOT):
    done = subprocess.run([GILSIM, *map(str, args)], cwd=cwd, capture_output=True, timeout=120)
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


def ns(value):
    """A trace time (microseconds, Decimal) in integer nanoseconds."""
    exact = value * 1000
    assert exact == int(exact), f"{value} us is not a whole number of ns"
    return int(exact)


def seconds_to_ns(value):
    return round(value * 1e9)


class Trace:
    """A trace file, parsed exactly (Decimal times) and indexed."""

    def __init__(self, path):
        self.text = Path(path).read_text()
        doc = json.loads(self.text, parse_float=decimal.Decimal)
        self.doc = doc
        self.events = doc["traceEvents"]
        self.thread_names, self.process_names = {}, {}
        self.slices = collections.defaultdict(list)   # tid -> [(start, end, name)]
        self.instants = collections.defaultdict(list)  # tid -> [(ts, name, args)]
        self.counters = collections.defaultdict(list)  # (pid, name) -> [(ts, args)]
        self.flows = collections.defaultdict(list)     # id -> [event]
        self.pid_of = {}
        for e in self.events:
            ph = e["ph"]
            if ph == "M":
                if e["name"] == "thread_name":
                    self.thread_names[e["tid"]] = e["args"]["name"]
                    self.pid_of[e["tid"]] = e["pid"]
                elif e["name"] == "process_name":
                    self.process_names[e["pid"]] = e["args"]["name"]
            elif ph == "X":
                start = ns(e["ts"])
                self.slices[e["tid"]].append((start, start + ns(e["dur"]), e["name"]))
            elif ph == "i":
                self.instants[e["tid"]].append((ns(e["ts"]), e["name"], e.get("args", {})))
            elif ph == "C":
                self.counters[(e["pid"], e["name"])].append((ns(e["ts"]), e["args"]))
            elif ph in "sf":
                self.flows[e["id"]].append(e)
        for spans in self.slices.values():
            spans.sort()

    def threads(self):
        """Real threads' tids (not GIL tracks)."""
        return sorted(t for t in self.thread_names if t < GIL_TID_BASE)

    def gil_tracks(self):
        return sorted(t for t in self.thread_names if t >= GIL_TID_BASE)

    def qualified(self, tid):
        return (self.process_names[self.pid_of[tid]], self.thread_names[tid])

    def state_at(self, tid, t):
        for start, end, name in self.slices[tid]:
            if start <= t < end:
                return name
        return None


def run_json(scenario, *args, cwd=ROOT):
    code, out, err = gilsim("run", scenario, "--format", "json", *args, cwd=cwd)
    if code != 0:
        raise AssertionError(f"gilsim run {scenario} {' '.join(map(str, args))}: {err}")
    return json.loads(out)


class Invariants(unittest.TestCase):
    """Every strategy of every bundled scenario and of BUSY, traced whole."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        busy = tmp / "busy.json"
        busy.write_text(json.dumps(BUSY))
        cls.cases = []  # (label, Trace, result JSON of that strategy)
        for scenario in [*SCENARIOS, busy]:
            out = tmp / scenario.stem
            out.mkdir()
            doc = run_json(scenario, "--trace", out / "{strategy}.json")
            results = {(r["strategy"], r["workers"]): r for r in doc["results"]}
            for path in sorted(out.glob("*.json")):
                trace = Trace(path)
                key = (trace.doc["otherData"]["strategy"], trace.doc["otherData"]["workers"])
                if key in results:  # the serial baseline is traced but not reported
                    cls.cases.append((f"{scenario.stem}/{path.stem}", trace, results[key]))
        if len(cls.cases) < 8:
            raise RuntimeError(f"only {len(cls.cases)} traces to check")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_header_comes_first(self):
        for label, trace, result in self.cases:
            with self.subTest(trace=label):
                self.assertTrue(trace.text.startswith('{"displayTimeUnit":"ns","otherData":{'))
                self.assertEqual(list(trace.doc), ["displayTimeUnit", "otherData", "traceEvents"])
                self.assertEqual(trace.doc["otherData"]["strategy"], result["strategy"])
                self.assertTrue(trace.text.endswith("\n]}\n"))

    def test_slices_on_a_thread_never_overlap(self):
        for label, trace, result in self.cases:
            with self.subTest(trace=label):
                for tid, spans in trace.slices.items():
                    for (s0, e0, n0), (s1, e1, n1) in zip(spans, spans[1:]):
                        self.assertLess(s0, e0)
                        self.assertLessEqual(e0, s1, f"tid {tid}: {n0} {s0}-{e0} overlaps {n1} {s1}")

    def test_slices_cover_each_thread_lifetime_as_the_breakdown_says(self):
        for label, trace, result in self.cases:
            with self.subTest(trace=label):
                # Simulated tid t is trace tid t + 1, and the results list threads by tid.
                self.assertEqual(trace.threads(), list(range(1, len(result["threads"]) + 1)))
                for tid in trace.threads():
                    summary = result["threads"][tid - 1]
                    self.assertEqual(trace.qualified(tid), (summary["process"], summary["name"]))
                    spans = trace.slices[tid]
                    self.assertEqual(spans[0][0], seconds_to_ns(summary["created_s"]))
                    self.assertEqual(spans[-1][1], seconds_to_ns(summary["exited_s"]))
                    for (_, e0, _), (s1, _, _) in zip(spans, spans[1:]):
                        self.assertEqual(e0, s1, f"a gap in {trace.thread_names[tid]}'s slices")
                    totals = collections.Counter()
                    for start, end, name in spans:
                        totals[STATE_KEYS[name]] += end - start
                    for key in STATE_KEYS.values():
                        self.assertAlmostEqual(totals[key] / 1e9, summary.get(key, 0.0), places=9,
                                               msg=f"{trace.thread_names[tid]} {key}")

    def test_at_most_one_thread_per_interpreter_holds_the_gil(self):
        for label, trace, result in self.cases:
            with self.subTest(trace=label):
                tracks = trace.gil_tracks()
                for track in tracks:
                    spans = trace.slices[track]
                    for (_, e0, _), (s1, _, _) in zip(spans, spans[1:]):
                        self.assertLessEqual(e0, s1)
                # Independently of the GIL tracks' own order: a thread runs Python only inside
                # one of its own holdings of a GIL of its process (none: a free-threaded build),
                # and no two threads run Python at once under one GIL.
                has_gil = {pid for pid, name in trace.counters if name.startswith("GIL")}
                python = collections.defaultdict(list)  # GIL track -> [(start, end, tid)]
                for tid in trace.threads():
                    pid, name = trace.pid_of[tid], trace.thread_names[tid]
                    for start, end, state in trace.slices[tid]:
                        if state != "Python Code" or pid not in has_gil:
                            continue
                        under = [t for t in tracks if trace.pid_of[t] == pid and any(
                            a <= start and end <= b and holder == name
                            for a, b, holder in trace.slices[t])]
                        self.assertEqual(len(under), 1, f"{name} runs Python at {start} without "
                                                        "the GIL")
                        python[under[0]].append((start, end, tid))
                for spans in python.values():
                    spans.sort()
                    for (_, e0, t0), (s1, _, t1) in zip(spans, spans[1:]):
                        self.assertLessEqual(e0, s1, f"tids {t0} and {t1} both run Python")

    def test_flows_pair_up_from_dropper_to_taker(self):
        for label, trace, result in self.cases:
            with self.subTest(trace=label):
                self.assertEqual(len(trace.flows), result["gil_handoffs"])
                for fid, pair in trace.flows.items():
                    self.assertEqual(sorted(e["ph"] for e in pair), ["f", "s"], f"flow {fid}")
                    start, finish = sorted(pair, key=lambda e: e["ph"], reverse=True)
                    self.assertEqual(finish["bp"], "e")
                    for key in ("cat", "name"):
                        self.assertEqual(start[key], finish[key])
                    self.assertNotEqual(start["tid"], finish["tid"])
                    self.assertLessEqual(ns(start["ts"]), ns(finish["ts"]))
                    # The GIL counter says the dropper let go at the start and the taker took
                    # it at the finish (holdings of 0 ns have no slice, but a counter value).
                    gil = [t for t in trace.gil_tracks() if trace.pid_of[t] == start["pid"]]
                    names = {trace.thread_names[t] for t in gil} or {"GIL"}
                    values = [(ts, a["holder tid"]) for n in names
                              for ts, a in trace.counters[(start["pid"], n)]]
                    self.assertIn((ns(start["ts"]), 0), values)
                    self.assertIn((ns(finish["ts"]), finish["tid"]), values)

    def test_instants_count_what_the_run_counts(self):
        for label, trace, result in self.cases:
            with self.subTest(trace=label):
                names = collections.Counter(n for marks in trace.instants.values() for _, n, _ in marks)
                self.assertEqual(names["GIL drop request"], result["drop_requests"])
                self.assertEqual(names["Forced switch"], result["forced_switches"])
                self.assertEqual(set(names) - {"GIL drop request", "Forced switch"}, set())
                for e in trace.events:
                    if e["ph"] == "i":
                        self.assertEqual(e["s"], "t")
                for tid, marks in trace.instants.items():
                    for ts, name, args in marks:
                        if name == "Forced switch":  # the holder has just dropped: it waits
                            self.assertEqual(trace.state_at(tid, ts), "Waiting for GIL")
                        else:  # the requester waits, the holder named holds the GIL
                            self.assertEqual(trace.state_at(tid, ts), "Waiting for GIL")
                            self.assertIsInstance(args["holder"], str)

    def test_counters_agree_with_the_slices(self):
        for label, trace, result in self.cases:
            with self.subTest(trace=label):
                main_pid = min(trace.process_names)
                runnable = trace.counters[(main_pid, "Runnable threads")]
                self.assertTrue(runnable)
                times = [ts for ts, _ in runnable]
                self.assertEqual(times, sorted(set(times)), "one runnable value per instant")
                for ts, args in runnable:
                    count = sum(trace.state_at(t, ts) == "Runnable (no free core)"
                                for t in trace.threads())
                    self.assertEqual(args["count"], count, f"at {ts} ns")
                for track in trace.gil_tracks():
                    values = dict(trace.counters[(trace.pid_of[track], trace.thread_names[track])])
                    tid_of = {trace.thread_names[t]: t for t in trace.threads()
                              if trace.pid_of[t] == trace.pid_of[track]}
                    for start, end, holder in trace.slices[track]:
                        self.assertEqual(values[start]["holder tid"], tid_of[holder])
                        self.assertIn(end, values)

    def test_ids_are_linux_like(self):
        for label, trace, result in self.cases:
            with self.subTest(trace=label):
                for pid, name in trace.process_names.items():
                    self.assertIn(pid, trace.thread_names, f"{name}: no thread with tid == pid")
                for e in trace.events:
                    self.assertGreater(e["pid"], 0)
                    self.assertGreater(e["tid"], 0)


class Golden(unittest.TestCase):
    def test_convoy_window_trace_is_the_golden_one(self):
        golden = GOLDEN / "convoy.trace.json"
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "t.json"
            code, _, err = gilsim("run", "scenarios/convoy.json", "--trace", out,
                                  "--trace-window", "5ms:12ms")
            self.assertEqual(code, 0, err)
            self.assert_same(golden, out.read_text())

    def test_docs_timeline_is_current(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "t.svg"
            code, _, err = gilsim("run", "scenarios/convoy.json", "--timeline", out)
            self.assertEqual(code, 0, err)
            self.assert_same(ROOT / "docs" / "img" / "convoy-timeline.svg", out.read_text())

    def assert_same(self, golden, text):
        if not golden.exists():
            self.fail(f"missing {golden.relative_to(ROOT)}; make it with tools/regen_golden.sh")
        expected = golden.read_text()
        if text != expected:
            diff = "".join(list(difflib.unified_diff(expected.splitlines(True),
                                                     text.splitlines(True)))[:30])
            self.fail(f"{golden.relative_to(ROOT)} differs:\n{diff}\n"
                      "if intended, regenerate with tools/regen_golden.sh and review the diff")


class Filters(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        code, _, err = gilsim("run", "scenarios/convoy.json", "--trace", cls.dir / "whole.json")
        if code != 0:
            raise RuntimeError(err)
        cls.whole = Trace(cls.dir / "whole.json")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def trace(self, *args):
        out = self.dir / "part.json"
        code, _, err = gilsim("run", "scenarios/convoy.json", "--trace", out, *args)
        self.assertEqual(code, 0, err)
        return Trace(out)

    def test_window_clips_slices_and_keeps_what_is_inside(self):
        part = self.trace("--trace-window", "100ms:150.5ms")
        lo, hi = 100_000_000, 150_500_000
        self.assertEqual(part.doc["otherData"]["window_ns"], [lo, hi])
        for tid in self.whole.slices:
            clipped = [(max(s, lo), min(e, hi), n) for s, e, n in self.whole.slices[tid]
                       if min(e, hi) > max(s, lo)]
            self.assertEqual(part.slices.get(tid, []), clipped, f"tid {tid}")
        inside = sum(lo <= ts < hi for marks in self.whole.instants.values() for ts, _, _ in marks)
        self.assertEqual(sum(len(m) for m in part.instants.values()), inside)
        self.assertGreater(inside, 0)
        for pair in part.flows.values():
            self.assertEqual(len(pair), 2)
            for e in pair:
                self.assertTrue(lo <= ns(e["ts"]) < hi)
        # Counters start at the window with the values they had then.
        for key, values in part.counters.items():
            self.assertEqual(values[0][0], lo, key)

    def test_window_to_the_end(self):
        part = self.trace("--trace-window", "1.2s:")
        end = max(e for spans in self.whole.slices.values() for _, e, _ in spans)
        self.assertEqual(max(e for spans in part.slices.values() for _, e, _ in spans), end)
        self.assertEqual(min(s for spans in part.slices.values() for s, _, _ in spans),
                         1_200_000_000)

    def test_thread_filter_keeps_only_those_threads(self):
        part = self.trace("--trace-threads", "io, Main*")
        self.assertEqual(sorted(part.thread_names[t] for t in part.threads()), ["MainThread", "io"])
        for tid in part.threads():
            self.assertEqual(part.slices[tid], self.whole.slices[tid])
        self.assertEqual(part.gil_tracks(), self.whole.gil_tracks())  # the GIL stays
        self.assertEqual(part.slices[GIL_TID_BASE], self.whole.slices[GIL_TID_BASE])
        kept = set(part.threads())
        for pair in part.flows.values():  # only hand-offs between kept threads
            self.assertTrue({e["tid"] for e in pair} <= kept)
        self.assertLess(len(part.flows), len(self.whole.flows))

    def test_process_qualified_names(self):
        part = self.trace("--trace-threads", "MainProcess/spinner")
        self.assertEqual([part.thread_names[t] for t in part.threads()], ["spinner"])


class ChoosingTheStrategy(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        both = dict(BUSY, strategies=["serial", "threads", {"kind": "threads", "workers": 2}])
        (self.dir / "two.json").write_text(json.dumps(
            dict(BUSY, strategies=["threads", "serial"])))
        (self.dir / "dup.json").write_text(json.dumps(both))

    def test_default_is_the_only_strategy_other_than_serial(self):
        code, _, err = gilsim("run", ROOT / "scenarios/mixed.json", "--trace", "t.json",
                              cwd=self.dir)
        self.assertEqual(code, 0, err)
        self.assertEqual(Trace(self.dir / "t.json").doc["otherData"]["strategy"], "threads")

    def test_trace_strategy_picks_one_even_the_baseline(self):
        code, _, err = gilsim("run", ROOT / "scenarios/seed-io-fetch.json", "--trace", "t.json",
                              "--trace-strategy", "serial", cwd=self.dir)
        self.assertEqual(code, 0, err)
        trace = Trace(self.dir / "t.json")
        self.assertEqual(trace.doc["otherData"]["strategy"], "serial")
        self.assertEqual([trace.thread_names[t] for t in trace.threads()], ["MainThread"])

    def test_placeholder_writes_one_file_per_strategy(self):
        code, _, err = gilsim("run", "two.json", "--trace", "t-{strategy}.json", "--timeline",
                              "p-{strategy}.svg", cwd=self.dir)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(p.name for p in self.dir.glob("[tp]-*")),
                         ["p-serial.svg", "p-threads.svg", "t-serial.json", "t-threads.json"])

    def test_ambiguous_choice_is_an_error_with_the_fix(self):
        code, out, err = gilsim("run", "dup.json", "--trace", "t.json", cwd=self.dir)
        self.assertEqual((code, out), (2, b""))
        self.assertEqual(err.splitlines()[0], 'gilsim: error: --trace: the scenario compares 3 '
                         'strategies (serial, threads-6, threads-2): which one should "t.json" '
                         'show?')
        self.assertIn("--trace-strategy threads-6", err)
        self.assertIn("--trace t-{strategy}.json", err)
        code, _, err = gilsim("run", "dup.json", "--trace", "t.json", "--trace-strategy",
                              "threads", cwd=self.dir)
        self.assertEqual(code, 2)
        self.assertIn('several strategies are "threads"', err)
        self.assertIn("name one of them: threads-6, threads-2", err)
        self.assertEqual(sorted(p.name for p in self.dir.iterdir()), ["dup.json", "two.json"])

    def test_runs_with_one_label_get_their_workers_in_the_name(self):
        code, _, err = gilsim("run", "dup.json", "--trace", "t-{strategy}.json", cwd=self.dir)
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(p.name for p in self.dir.glob("t-*")),
                         ["t-serial.json", "t-threads-2.json", "t-threads-6.json"])
        code, _, err = gilsim("run", "dup.json", "--trace", "t.json", "--trace-strategy",
                              "threads-2", cwd=self.dir)
        self.assertEqual(code, 0, err)
        self.assertEqual(Trace(self.dir / "t.json").doc["otherData"]["workers"], 2)


class Errors(unittest.TestCase):
    """Bad options: exit 2, one error line and a hint, and no file (not even a temporary one)."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)

    def assert_fails(self, args, first_line, files=()):
        code, out, err = gilsim("run", ROOT / "scenarios" / "convoy.json", *args, cwd=self.dir)
        self.assertEqual((code, out), (2, b""), err)
        lines = err.splitlines()
        self.assertEqual(lines[0], first_line)
        self.assertEqual(len(lines), 2, err)
        self.assertTrue(lines[1].startswith("  hint: "), err)
        self.assertEqual(sorted(p.name for p in self.dir.iterdir()), sorted(files))

    def test_bad_windows(self):
        cases = {
            "50ms": 'gilsim: error: --trace-window: "50ms" is not START:END',
            "0:5 parsecs": 'gilsim: error: --trace-window: "5 parsecs" is not a duration',
            "10ms:5ms": 'gilsim: error: --trace-window: the window "10ms:5ms" ends before it '
                        'starts',
            "5ms:5ms": 'gilsim: error: --trace-window: the window "5ms:5ms" ends before it starts',
            "5s:": "gilsim: error: --trace-window: the window starts at 5 s, after the program "
                   "run ended (at 1.225 s)",
        }
        for window, message in cases.items():
            with self.subTest(window=window):
                self.assert_fails(["--trace", "t.json", "--trace-window", window], message)

    def test_unknown_thread(self):
        self.assert_fails(["--trace", "t.json", "--trace-threads", "io,ThreadPoolExecutor-0_*"],
                          'gilsim: error: --trace-threads: no thread of the program run is '
                          'called "ThreadPoolExecutor-0_*"')
        code, _, err = gilsim("run", ROOT / "scenarios" / "convoy.json", "--timeline", "t.svg",
                              "--trace-threads", "nobody", cwd=self.dir)
        self.assertEqual(code, 2)
        self.assertIn("its threads are MainThread, spinner, io", err)

    def test_one_file_for_two_outputs(self):
        self.assert_fails(["--trace", "x", "--timeline", "x"],
                          'gilsim: error: --timeline: "x" is also the --trace file')

    def test_unknown_strategy(self):
        self.assert_fails(["--trace", "t.json", "--trace-strategy", "processes"],
                          'gilsim: error: --trace-strategy: this run has no strategy "processes"')

    def test_options_that_need_a_trace(self):
        self.assert_fails(["--trace-window", "0:1ms"],
                          "gilsim: error: --trace-window: only applies with --trace or --timeline")
        self.assert_fails(["--trace", "t.json", "--timeline-window", "0:1ms"],
                          "gilsim: error: --timeline-window: only applies with --timeline")

    def test_unwritable_paths(self):
        (self.dir / "taken").mkdir()
        self.assert_fails(["--trace", "nodir/t.json"],
                          'gilsim: error: --trace: cannot write "nodir/t.json": No such file or '
                          'directory', files=["taken"])
        self.assert_fails(["--trace", "taken"],
                          'gilsim: error: --trace: cannot write to "taken": it is a directory',
                          files=["taken"])
        self.assert_fails(["--timeline", "nodir/t.svg"],
                          'gilsim: error: --timeline: cannot write "nodir/t.svg": No such file or '
                          'directory', files=["taken"])
        self.assert_fails(["--trace", "-"],
                          'gilsim: error: --trace: cannot write to "-": this output needs a file',
                          files=["taken"])

    def test_a_failing_run_leaves_an_old_trace_alone(self):
        (self.dir / "t.json").write_text("old\n")
        self.assert_fails(["--trace", "t.json", "--trace-threads", "nobody"],
                          'gilsim: error: --trace-threads: no thread of the program run is called '
                          '"nobody"', files=["t.json"])
        self.assertEqual((self.dir / "t.json").read_text(), "old\n")


class SpecialFiles(unittest.TestCase):
    """A pipe or a device is written in place, never replaced by a renamed temporary file (a
    rename over /dev/null, as root, would replace the device). A FIFO stands in for /dev/null."""

    def test_trace_and_output_into_a_fifo(self):
        with tempfile.TemporaryDirectory() as tmp:
            for option, check in (("--trace", lambda text: json.loads(text)["traceEvents"]),
                                  ("-o", lambda text: json.loads(text)["results"])):
                with self.subTest(option=option):
                    fifo = Path(tmp) / "fifo"
                    os.mkfifo(fifo)
                    got = []
                    reader = threading.Thread(target=lambda: got.append(fifo.read_text()),
                                              daemon=True)
                    reader.start()
                    args = ["--format", "json", "-o", fifo] if option == "-o" else [
                        "--trace", fifo]
                    code, _, err = gilsim("run", "scenarios/convoy.json", *args)
                    reader.join(timeout=60)
                    self.assertEqual(code, 0, err)
                    self.assertTrue(check(got[0]))
                    self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
                    self.assertEqual(sorted(p.name for p in Path(tmp).iterdir()), ["fifo"])
                    fifo.unlink()


class TimelinePicture(unittest.TestCase):
    def draw(self, scenario, *args):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "t.svg"
            code, _, err = gilsim("run", scenario, "--timeline", out, *args)
            self.assertEqual(code, 0, err)
            return ET.parse(out).getroot()  # well-formed XML, or this raises

    @staticmethod
    def rows(root, cls):
        return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]

    def test_one_row_per_thread_grouped_under_the_gil(self):
        root = self.draw("scenarios/convoy.json")
        self.assertEqual(root.tag, f"{SVG}svg")
        self.assertEqual([g.get("data-name") for g in self.rows(root, "thread")],
                         ["MainThread", "spinner", "io"])
        self.assertEqual(len(self.rows(root, "gil")), 1)
        texts = [t.text for t in root.iter(f"{SVG}text")]
        self.assertIn("MainProcess", texts)
        for label in ("Python Code", "Waiting for GIL", "Blocked on I/O"):
            self.assertIn(label, texts)
        self.assertIn("50 ms", texts)  # the default window's end on the axis

    def test_marks_for_handoffs_requests_and_forced_switches(self):
        root = self.draw("scenarios/convoy.json", "--timeline-window", "0:30ms")
        classes = collections.Counter(e.get("class") for e in root.iter())
        whole = run_json("scenarios/convoy.json")["results"][0]
        self.assertGreater(classes["handoff"], 4)
        self.assertGreater(classes["request"], 2)
        self.assertGreater(classes["forced"], 2)
        self.assertLess(classes["handoff"], whole["gil_handoffs"])

    def test_a_pool_draws_each_worker_and_the_filter_applies(self):
        root = self.draw("scenarios/mixed.json", "--timeline-window", "0:300ms")
        names = [g.get("data-name") for g in self.rows(root, "thread")]
        self.assertEqual(names, ["MainThread"] + [f"ThreadPoolExecutor-0_{i}" for i in range(8)])
        root = self.draw("scenarios/mixed.json", "--trace-threads", "*_3,*_5")
        self.assertEqual([g.get("data-name") for g in self.rows(root, "thread")],
                         ["ThreadPoolExecutor-0_3", "ThreadPoolExecutor-0_5"])

    def test_special_characters_in_names_are_escaped(self):
        with tempfile.TemporaryDirectory() as tmp:
            scenario = Path(tmp) / "s.json"
            scenario.write_text(json.dumps({"name": "a <b> & \"c\"", "program": {"threads": [
                {"name": "<io> & \"x\"", "ops": [{"io": "1ms"}, {"cpu": "1ms"}], "repeat": 3}]}}))
            root = self.draw(scenario)
            self.assertEqual([g.get("data-name") for g in self.rows(root, "thread")],
                             ["MainThread", '<io> & "x"'])
            code, _, err = gilsim("run", scenario, "--trace", Path(tmp) / "t.json")
            self.assertEqual(code, 0, err)
            trace = Trace(Path(tmp) / "t.json")
            self.assertIn('<io> & "x"', trace.thread_names.values())
            self.assertEqual(trace.doc["otherData"]["scenario"], 'a <b> & "c"')


if __name__ == "__main__":
    sys.exit(harness.main(__name__, GILSIM))
