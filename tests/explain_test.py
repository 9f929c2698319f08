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


def resolution(text):
    """Half the last digit of a printed duration, in ns: how far the truth may be from it."""
    number, unit = text.split()
    decimals = len(number.split(".")[1]) if "." in number else 0
    return 0.5 * 10**-decimals * UNITS[unit] + 1


def run_walls(scenario, *args):
    code, out, err = gilsim("run", scenario, "--format", "json", *args)
    assert code == 0, err
    return {r["strategy"]: r["wall_s"] * 1e9 for r in json.loads(out)["results"]}


def scaled(scenario, kinds, num, den):
    """The scenario with every duration of ops of `kinds` times num/den in whole ns, rounded
    down as gilsim scales them (sim/variants.cpp)."""
    def scale(value):
        if isinstance(value, str):
            number, unit = re.fullmatch(r"(\d+(?:\.\d+)?) ?(ns|us|ms|s)", value).groups()
            return f"{round(float(number) * UNITS[unit]) * num // den}ns"
        return {k: v if k == "cv" else scale(v) for k, v in value.items()}

    changed = copy.deepcopy(scenario)
    for task in changed["workload"]["tasks"]:
        for op in task["ops"]:
            for kind in kinds & op.keys():
                op[kind] = scale(op[kind])
    return changed


# A line of "what would change the answer": the change, and the run it claims.
KINDS = {"I/O": {"io"}, "Python": {"cpu"}, "native code": {"native", "native_gil"},
         "subprocess time": {"subprocess"}}
CHANGE = re.compile(r"^  with (?:(?:(?P<up>\d+)x more|1/(?P<down>\d+) the) (?P<what>.+) per task"
                    r"|(?P<cores>\d+) cores? instead of \d+"
                    r"|a (?P<interval>[\d.]+ \w+) switch interval instead of [\d.]+ \w+), ")
FLIP = re.compile(r", (?P<winner>.+) would win, [\d.]+(?:x|%) faster than (?P<other>.+) "
                  r"\((?P<wall>[\d.]+ \w+) against (?P<other_wall>[\d.]+ \w+)\)$")
TIE = re.compile(r", .+ would no longer win: (?P<winner>.+) and (?P<other>.+) tie "
                 r"\((?P<wall>[\d.]+ \w+) against (?P<other_wall>[\d.]+ \w+)\)$")


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
                    match = re.search(rf"^{strategy}(?:, \d+ workers)?: ([\d.]+ \w+),", out, re.M)
                    self.assertIsNotNone(match, f"no section for {strategy}:\n{out}")
                    self.assertAlmostEqual(duration(match[1]), wall, delta=wall * 1e-3)
                ranked = sorted(walls, key=walls.get)
                if walls[ranked[1]] / walls[ranked[0]] >= 1.01:
                    self.assertIn(f"\nwinner: {ranked[0]}, ", out)
                else:
                    self.assertIn(f"\nwinner: none by 1% or more: {ranked[0]} and {ranked[1]} "
                                  "tie", out)

    def check_flips(self, scenario_path):
        """Runs every "would win" line of explain again with `gilsim run`; returns how many."""
        source = json.loads(Path(scenario_path).read_text())
        checked = 0
        for line in self.explain(scenario_path).splitlines():
            change, flip = CHANGE.match(line), FLIP.search(line) or TIE.search(line)
            if not flip:
                continue
            with self.subTest(line=line):
                self.assertIsNotNone(change, "a change the test cannot read")
                args, target = [], scenario_path
                if change["cores"]:
                    args = ["--cores", change["cores"]]
                elif change["interval"]:
                    args = ["--switch-interval", change["interval"].replace(" ", "")]
                else:
                    num, den = int(change["up"] or 1), int(change["down"] or 1)
                    target = self.dir / "changed.json"
                    target.write_text(json.dumps(scaled(source, KINDS[change["what"]], num, den)))
                walls = run_walls(target, *args)
                self.assertEqual(min(walls, key=walls.get), flip["winner"])
                for who, wall in (("winner", "wall"), ("other", "other_wall")):
                    self.assertAlmostEqual(walls[flip[who]], duration(flip[wall]),
                                           delta=resolution(flip[wall]))
                lead = walls[flip["other"]] / walls[flip["winner"]]
                if flip.re is FLIP:
                    self.assertGreaterEqual(lead, 1.01)
                else:
                    self.assertLess(lead, 1.01)
                checked += 1
        return checked

    def test_every_reported_flip_is_what_a_run_of_the_changed_scenario_gives(self):
        checked = sum(self.check_flips(s) for s in (
            self.close_call, ROOT / "scenarios/cpu-bound.json", ROOT / "scenarios/mixed.json",
            ROOT / "scenarios/cpu-heavy-processes.json"))
        self.assertGreaterEqual(checked, 5)

    def test_the_step_before_a_reported_flip_does_not_flip(self):
        out = self.explain(self.close_call)
        self.assertIn("\nwinner: threads, ", out)
        match = re.search(r"^  with 1/(\d+) the I/O per task, (?:serial would win|threads would "
                          r"no longer win)", out, re.M)
        self.assertIsNotNone(match, out)
        if int(match[1]) > 2:
            smaller = {3: 2, 5: 3, 10: 5}[int(match[1])]
            changed = self.dir / "smaller.json"
            changed.write_text(json.dumps(scaled(CLOSE_CALL, {"io"}, 1, smaller)))
            walls = run_walls(changed)
            self.assertGreaterEqual(walls["serial"] / walls["threads"], 1.01)  # still threads

    def test_a_tie_is_called_a_tie(self):
        out = self.explain(ROOT / "scenarios/cpu-bound.json")
        self.assertRegex(out, r"\nwinner: none by 1% or more: serial and threads tie \(")
        self.assertIn("what would make one strategy win by 1% or more", out)

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
        self.assertIn("machine: 2 cores, Python 3.11, profile default, switch interval 1 ms, "
                      "seed 1", out)

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
