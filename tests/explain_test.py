#!/usr/bin/env python3
"""Tests of `gilsim explain`: golden outputs for two bundled scenarios, and the claims checked
against `gilsim run`: the walls it quotes are the run's, and every "would win" it reports is
what a run of the changed scenario gives (found by re-simulating, not by guessing).

usage: python3 tests/explain_test.py path/to/gilsim   (ctest runs it from the repository root)
tools/regen_golden.sh rewrites tests/golden/*.explain.txt.
"""

import copy
import difflib
import json
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
GILSIM = str(ROOT / "build" / "gilsim")

# Threads win by a little because their I/O overlaps; with a third of the I/O they lose.
CLOSE_CALL = {
    "name": "close-call", "description": "Python with a little I/O", "machine": {"cores": 4},
    "workload": {"tasks": [{"name": "t", "count": 16, "ops": [{"cpu": "2ms"}, {"io": "200us"}]}]},
    "strategies": ["serial", {"kind": "threads", "workers": 4}],
}
UNITS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9}


def gilsim(*args, cwd=ROOT):
    done = subprocess.run([GILSIM, *map(str, args)], cwd=cwd, capture_output=True, timeout=300)
    return done.returncode, done.stdout.decode(), done.stderr.decode("utf-8", "replace")


def duration(text):
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?) (ns|us|ms|s)", text).groups()
    return float(number) * UNITS[unit]


def run_walls(scenario, *args):
    code, out, err = gilsim("run", scenario, "--format", "json", *args)
    assert code == 0, err
    return {r["strategy"]: r["wall_s"] * 1e9 for r in json.loads(out)["results"]}


def scaled(scenario, kind, factor):
    """The scenario with every `kind` op's fixed duration times `factor`."""
    changed = copy.deepcopy(scenario)
    for task in changed["workload"]["tasks"]:
        for op in task["ops"]:
            if kind in op:
                op[kind] = f"{round(duration(op[kind][:-2] + ' ' + op[kind][-2:]) * factor)}ns"
    return changed


class Golden(unittest.TestCase):
    def check(self, name):
        golden = GOLDEN / f"{name}.explain.txt"
        code, out, err = gilsim("explain", f"scenarios/{name}.json")
        self.assertEqual((code, err), (0, ""))
        if not golden.exists():
            self.fail(f"missing {golden.relative_to(ROOT)}; make it with tools/regen_golden.sh")
        if out != golden.read_text():
            diff = "".join(list(difflib.unified_diff(golden.read_text().splitlines(True),
                                                     out.splitlines(True)))[:40])
            self.fail(f"explain {name} differs from the golden file:\n{diff}\nif intended, "
                      "regenerate with tools/regen_golden.sh and review the diff")

    def test_convoy(self):
        self.check("convoy")

    def test_cpu_bound(self):
        self.check("cpu-bound")

    def test_same_bytes_every_time(self):  # the variants run on several host threads
        first = gilsim("explain", "scenarios/mixed.json")
        self.assertEqual(first[0], 0)
        for _ in range(3):
            self.assertEqual(gilsim("explain", "scenarios/mixed.json"), first)


class Claims(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.close_call = cls.dir / "close-call.json"
        cls.close_call.write_text(json.dumps(CLOSE_CALL))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def explain(self, scenario, *args):
        code, out, err = gilsim("explain", scenario, *args)
        self.assertEqual((code, err), (0, ""))
        return out

    def test_walls_and_winner_are_the_runs(self):
        for scenario in ("scenarios/mixed.json", "scenarios/cpu-bound.json", self.close_call):
            with self.subTest(scenario=str(scenario)):
                out = self.explain(scenario)
                walls = run_walls(scenario)
                for strategy, wall in walls.items():
                    match = re.search(rf"^{strategy}(?: \(\d+ workers\))?: ([\d.]+ \w+),", out,
                                      re.M)
                    self.assertIsNotNone(match, f"no section for {strategy}:\n{out}")
                    self.assertAlmostEqual(duration(match[1]), wall, delta=wall * 1e-3)
                winner = min(walls, key=walls.get)
                self.assertRegex(out, rf"\nwinner: {winner}, ")

    def test_a_reported_flip_is_what_a_run_of_the_changed_scenario_gives(self):
        out = self.explain(self.close_call)
        self.assertIn("winner: threads, ", out)
        match = re.search(r"^  with 1/(\d+) the I/O per task, serial would win, ([\d.]+)% faster "
                          r"than threads \(([\d.]+ \w+) against ([\d.]+ \w+)\)$", out, re.M)
        self.assertIsNotNone(match, out)
        changed = self.dir / "changed.json"
        changed.write_text(json.dumps(scaled(CLOSE_CALL, "io", 1 / int(match[1]))))
        walls = run_walls(changed)
        self.assertLess(walls["serial"], walls["threads"])
        self.assertAlmostEqual(walls["serial"], duration(match[3]), delta=1e3)
        self.assertAlmostEqual(walls["threads"], duration(match[4]), delta=1e3)
        # ... and the smaller step before it on the ladder does not flip (smallest tried).
        if int(match[1]) > 2:
            smaller = {3: 2, 5: 3, 10: 5}[int(match[1])]
            changed.write_text(json.dumps(scaled(CLOSE_CALL, "io", 1 / smaller)))
            walls = run_walls(changed)
            self.assertLess(walls["threads"], walls["serial"])

    def test_fewer_cores_flip_native_code(self):
        out = self.explain("scenarios/native-hashlib.json")
        self.assertIn("with 1 core instead of 2, serial would win", out)
        walls = run_walls("scenarios/native-hashlib.json", "--cores", "1")
        self.assertLess(walls["serial"], walls["threads"])

    def test_bottleneck_in_words(self):
        out = self.explain("scenarios/cpu-bound.json")
        self.assertRegex(out, r"bottleneck: threads wait \d+\.\d% of the time for the GIL: "
                              r"CPU-bound Python")
        out = self.explain("scenarios/seed-io-fetch.json")
        self.assertIn("bottleneck: blocked on I/O 100.0% of the time, one wait after another", out)
        out = self.explain("scenarios/convoy.json")
        self.assertRegex(out, r"bottleneck: io waits \d+\.\d% of its life for the GIL: after each "
                              r"I/O it queues for the GIL behind spinner.*\(the convoy effect\)")

    def test_program_responds_to_the_switch_interval(self):
        out = self.explain("scenarios/convoy.json")
        match = re.search(r"with a 1 ms switch interval instead of 5 ms: wall ([\d.]+ \w+) "
                          r"\(-[\d.]+%\), an I/O op takes ([\d.]+ \w+)", out)
        self.assertIsNotNone(match, out)
        walls = run_walls("scenarios/convoy.json", "--switch-interval", "1ms")
        self.assertAlmostEqual(walls["program"], duration(match[1]), delta=1e3)
        self.assertLess(duration(match[2]), 3e6)  # the I/O thread waits ~1 ms, not ~5 ms

    def test_options_change_the_machine(self):
        out = self.explain("scenarios/mixed.json", "--cores", "2", "--switch-interval", "1ms")
        self.assertIn("machine: 2 cores, profile default, switch interval 1 ms, seed 1", out)

    def test_output_file_and_errors(self):
        target = self.dir / "explained.txt"
        code, out, err = gilsim("explain", "scenarios/mixed.json", "-o", target)
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertEqual(target.read_text(), self.explain("scenarios/mixed.json"))
        code, out, err = gilsim("explain", "no-such.json")
        self.assertEqual((code, out), (2, ""))
        self.assertTrue(err.startswith("gilsim: error: no-such.json"), err)
        code, out, _ = gilsim("explain", "--help")
        self.assertEqual(code, 0)
        self.assertIn("re-simulating", out)


if __name__ == "__main__":
    sys.exit(harness.main(__name__, GILSIM))
