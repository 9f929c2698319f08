#!/usr/bin/env python3
"""Tests of the gilsim command line: golden outputs, determinism, exit codes and messages.

usage: python3 tests/cli_test.py path/to/gilsim   (ctest runs it from the repository root)

The golden files in tests/golden/ are rewritten by tools/regen_golden.sh; review their diff.
Error messages are checked word for word where conventions.md fixes their form
(`gilsim: error: FILE:LINE:COL: /json/path: what`, then `  hint: ...`), so a changed message
shows up here as a failing test, like any other changed output.
"""

import csv
import difflib
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.json"))
FORMATS = {"table": "table.txt", "json": "json", "csv": "csv"}
GILSIM = str(ROOT / "build" / "gilsim")  # replaced by the command-line argument


def gilsim(*args, cwd=ROOT, env=None):
    """Runs gilsim; returns (exit code, stdout, stderr) as bytes, bytes, str."""
    done = subprocess.run([GILSIM, *map(str, args)], cwd=cwd, capture_output=True, timeout=60,
                          env=env)
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


def scenario_arg(path):
    """A bundled scenario as the golden files were made: relative to the repository root."""
    return path.relative_to(ROOT).as_posix()


def numbers(node, path=""):
    """Every number in a JSON document, with its JSON pointer."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from numbers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from numbers(value, f"{path}/{i}")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, node


class GoldenOutputs(unittest.TestCase):
    """`gilsim run S` in each format, byte for byte against tests/golden/. Tests are added below."""

    def check_golden(self, scenario, fmt):
        golden = GOLDEN / f"{scenario.stem}.{FORMATS[fmt]}"
        binary = Path(GILSIM)
        regen = "tools/regen_golden.sh " + str(
            binary.relative_to(ROOT) if binary.is_relative_to(ROOT) else binary)
        code, out, err = gilsim("run", scenario_arg(scenario), "--format", fmt)
        self.assertEqual(code, 0, err)
        if not golden.exists():
            self.fail(f"missing golden file {golden.relative_to(ROOT)}; make it with: {regen}")
        expected = golden.read_bytes()
        if out == expected:
            return
        diff = list(difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            out.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=str(golden.relative_to(ROOT)), tofile=f"gilsim run {scenario_arg(scenario)}"
            f" --format {fmt}"))
        shown = "".join(diff[:40]) + (f"... ({len(diff) - 40} more diff lines)\n"
                                      if len(diff) > 40 else "")
        self.fail(f"output differs from the golden file:\n{shown}"
                  f"if the change is intended, regenerate and review the diff: {regen}")


def add_golden_tests():
    for scenario in SCENARIOS:
        for fmt in FORMATS:
            name = f"test_{scenario.stem.replace('-', '_')}_{fmt}"
            setattr(GoldenOutputs, name,
                    lambda self, s=scenario, f=fmt: self.check_golden(s, f))


add_golden_tests()


class Determinism(unittest.TestCase):
    def test_same_scenario_twice_gives_the_same_bytes(self):
        for scenario in SCENARIOS:
            with self.subTest(scenario=scenario.name):
                first = gilsim("run", scenario_arg(scenario), "--format", "json")
                second = gilsim("run", scenario_arg(scenario), "--format", "json")
                self.assertEqual(first[0], 0, first[2])
                self.assertEqual(first, second)

    def test_heap_contents_do_not_change_the_result(self):
        # glibc fills freed and new heap memory with this byte: a read of a stale reference
        # (a Thread& kept across the growth of its container) would change the numbers.
        # 300 pool threads and 40 processes outgrow every container's first allocation.
        scenario = {"machine": {"cores": 8}, "workload": {"tasks": [
            {"count": 600, "ops": [{"cpu": "300us"}, {"io": "2ms"}, {"native_gil": "50us"}]}]},
            "strategies": [{"kind": "threads", "workers": 300}, {"kind": "processes",
                           "workers": 40}, {"kind": "asyncio", "to_thread": ["native_gil"]}]}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "many.json"
            path.write_text(json.dumps(scenario))
            plain = gilsim("run", path, "--format", "json")
            self.assertEqual(plain[0], 0, plain[2])
            for byte in ("165", "90"):
                with self.subTest(MALLOC_PERTURB_=byte):
                    env = {**os.environ, "MALLOC_PERTURB_": byte}
                    self.assertEqual(gilsim("run", path, "--format", "json", env=env), plain)

    def test_output_file_holds_what_stdout_gets(self):
        scenario = scenario_arg(ROOT / "scenarios" / "cpu-bound.json")
        with tempfile.TemporaryDirectory() as tmp:
            for fmt in FORMATS:
                with self.subTest(format=fmt):
                    target = Path(tmp) / f"out.{fmt}"
                    code, out, err = gilsim("run", scenario, "--format", fmt, "-o", target)
                    self.assertEqual((code, out, err), (0, b"", ""))
                    stdout = gilsim("run", scenario, "--format", fmt)[1]
                    self.assertEqual(target.read_bytes(), stdout)
            self.assertEqual(sorted(p.name for p in Path(tmp).iterdir()),
                             ["out.csv", "out.json", "out.table"])


class HelpAndVersion(unittest.TestCase):
    def test_help_goes_to_stdout(self):
        for args in (["--help"], ["-h"], ["run", "--help"], ["check", "--help"],
                     ["profile", "--help"]):
            with self.subTest(args=args):
                code, out, err = gilsim(*args)
                self.assertEqual((code, err), (0, ""))
                self.assertIn(b"Usage:", out)
        top = gilsim("--help")[1].decode()
        for sub in ("run", "check", "profile"):
            self.assertRegex(top, rf"\n\s+{sub}\s")

    def test_version_goes_to_stdout(self):
        code, out, err = gilsim("--version")
        self.assertEqual((code, err), (0, ""))
        self.assertRegex(out.decode(), r"^gilsim \d+\.\d+\.\d+\n$")


class UsageErrors(unittest.TestCase):
    """CLI11's own errors: exit 2, a message on stderr, nothing on stdout."""

    def assert_usage_error(self, args, mentions=None):
        code, out, err = gilsim(*args)
        self.assertEqual(code, 2, f"gilsim {' '.join(map(str, args))}: {err}")
        self.assertEqual(out, b"")
        self.assertTrue(err.strip(), "no message on stderr")
        if mentions:
            self.assertIn(mentions, err)
        return err

    def test_no_subcommand(self):
        self.assertIn("subcommand", self.assert_usage_error([]))

    def test_unknown_option(self):
        self.assert_usage_error(["run", "scenarios/convoy.json", "--bogus"], mentions="--bogus")
        self.assert_usage_error(["--bogus"])

    def test_bad_format(self):
        self.assert_usage_error(["run", "scenarios/convoy.json", "--format", "xml"], mentions="xml")
        self.assert_usage_error(["profile", "--format", "csv"], mentions="csv")

    def test_bad_cores(self):
        for cores in ("0", "-1", "4097", "two"):
            with self.subTest(cores=cores):
                self.assert_usage_error(["run", "scenarios/convoy.json", "--cores", cores],
                                        mentions="--cores")

    def test_missing_arguments(self):
        self.assert_usage_error(["run"], mentions="scenario")
        self.assert_usage_error(["check"], mentions="scenarios")

    def test_bad_switch_interval(self):
        code, out, err = gilsim("run", "scenarios/convoy.json", "--switch-interval", "0ms")
        self.assertEqual((code, out), (2, b""))
        self.assertEqual(err, 'gilsim: error: --switch-interval: "0ms" is not a positive duration\n'
                              "  hint: write a number and a unit, e.g. 5ms, 100us or 0.5s\n")
        for text in ("5", "-1ms", "fast", "999ns", "10.001s"):
            with self.subTest(text=text):
                code, _, err = gilsim("run", "scenarios/convoy.json", "--switch-interval", text)
                self.assertEqual(code, 2)
                self.assertIn(f'--switch-interval: "{text}"', err)
        code, _, err = gilsim("run", "scenarios/convoy.json", "--switch-interval", "20s")
        self.assertEqual(err, 'gilsim: error: --switch-interval: "20s" is out of range: allowed '
                              "1us to 10s\n  hint: CPython's default is 5ms; "
                              "sys.setswitchinterval takes microseconds\n")


# Bad scenarios: file name -> (content, exact stderr or None to check only the form).
BAD_SCENARIOS = {
    "syntax.json": (
        '{\n  "name": "x",\n  "workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]},\n}\n',
        "gilsim: error: syntax.json:4:1: invalid JSON: unexpected '}', expected a string in "
        "double quotes\n  hint: remove the comma before it: JSON allows no trailing comma\n"),
    "unknown.json": (
        '{\n  "workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]},\n  "machine": {"corse": 2}\n}\n',
        'gilsim: error: unknown.json:3:15: /machine/corse: unknown key "corse"; allowed here: '
        '"cores" and "profile"\n  hint: did you mean "cores"?\n'),
    "type.json": (
        '{\n  "workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]},\n'
        '  "machine": {"cores": "two"}\n}\n',
        'gilsim: error: type.json:3:24: /machine/cores: expected an integer from 1 to 4096, '
        'found the string "two"\n  hint: e.g. "cores": 4\n'),
    "unit.json": (
        '{\n  "workload": {"tasks": [{"ops": [{"cpu": "1 parsec"}]}]}\n}\n',
        'gilsim: error: unit.json:2:43: /workload/tasks/0/ops/0/cpu: "1 parsec" is not a '
        'duration\n  hint: write a number and a unit (ns, us, ms or s), e.g. "5ms", "1.5s" or '
        '"200us"\n'),
    "bare-number.json": (
        '{\n  "workload": {"tasks": [{"ops": [{"io": 1}]}]}\n}\n',
        'gilsim: error: bare-number.json:2:42: /workload/tasks/0/ops/0/io: expected a duration '
        'string like "5ms", found the number 1\n  hint: add a unit and quotes: "1ms" (units: '
        'ns, us, ms, s)\n'),
    "negative-count.json": (
        '{\n  "workload": {"tasks": [{"count": -3, "ops": [{"cpu": "1ms"}]}]}\n}\n',
        'gilsim: error: negative-count.json:2:36: /workload/tasks/0/count: expected an integer '
        'from 1 to 10000000, found the number -3\n  hint: e.g. "count": 8\n'),
    "both.json": (
        '{\n  "workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]},\n'
        '  "program": {"threads": [{"name": "a", "ops": [{"cpu": "1ms"}]}]}\n}\n',
        'gilsim: error: both.json:3:3: /program: a scenario has "workload" or "program", not '
        'both\n  hint: keep "workload" to compare strategies on tasks, or "program" to run the '
        'threads as written\n'),
    "program-strategies.json": (
        '{\n  "program": {"threads": [{"name": "a", "ops": [{"cpu": "1ms"}]}]},\n'
        '  "strategies": ["serial"]\n}\n',
        'gilsim: error: program-strategies.json:3:3: /strategies: "strategies" cannot be used '
        'with "program": a program runs as written\n  hint: remove "strategies", or describe '
        'the work as a "workload" to compare strategies\n'),
    "negative-duration.json": (
        '{\n  "workload": {"tasks": [{"ops": [{"cpu": "-1ms"}]}]}\n}\n', None),
    "duplicate.json": (
        '{\n  "seed": 1,\n  "seed": 2,\n  "workload": {"tasks": [{"ops": [{"cpu": "1ms"}]}]}\n}\n',
        'gilsim: error: duplicate.json:3:3: /seed: duplicate key "seed": it is already set at '
        'duplicate.json:2:3\n  hint: remove one of the two; JSON keeps only one value per key\n'),
}

# Bad profiles, for `run --profile` and `profile --profile`.
BAD_PROFILES = {
    "unknown-param.json": (
        '{\n  "name": "p",\n  "params": {\n    "gil_wake_latencyy": "10us"\n  }\n}\n',
        "unknown-param.json:4:5: /params/gil_wake_latencyy: unknown parameter"),
    "bad-duration.json": (
        '{\n  "name": "p",\n  "params": {\n    "gil_wake_latency": "10 furlongs"\n  }\n}\n',
        "bad-duration.json:4:25: /params/gil_wake_latency: expected a duration string"),
    "bare-number.json": (
        '{\n  "name": "p",\n  "params": {"timer_slack": 50}\n}\n',
        "bare-number.json:3:29: /params/timer_slack: expected a duration string"),
    "unknown-field.json": (
        '{\n  "name": "p",\n  "parms": {}\n}\n', 'unknown-field.json:3:3: /parms: unknown field'),
}

ERROR_FORM = re.compile(r"^gilsim: error: (?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): "
                        r"(?P<rest>.+)\n  hint: \S.*\n$")


class BadInput(unittest.TestCase):
    """Mistakes in files: exit 2, `gilsim: error: FILE:LINE:COL: /path: ...` and a hint."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        for name, (content, _) in BAD_SCENARIOS.items():
            (cls.dir / name).write_text(content)
        (cls.dir / "profiles").mkdir()
        for name, (content, _) in BAD_PROFILES.items():
            (cls.dir / "profiles" / name).write_text(content)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_bad_scenarios(self):
        for name, (_, expected) in BAD_SCENARIOS.items():
            for command in ("run", "check"):
                with self.subTest(scenario=name, command=command):
                    code, out, err = gilsim(command, name, cwd=self.dir)
                    self.assertEqual((code, out), (2, b""), err)
                    form = ERROR_FORM.match(err)
                    self.assertIsNotNone(form, f"not in the error form:\n{err}")
                    self.assertEqual(form["file"], name)
                    if name != "syntax.json":  # invalid JSON has no JSON path to give
                        self.assertRegex(form["rest"], r"^/\S+: ")
                    if expected is not None:
                        self.assertEqual(err, expected)

    def test_check_stops_at_the_first_bad_file_with_exit_2(self):
        good = ROOT / "scenarios" / "convoy.json"
        code, out, err = gilsim("check", good, "both.json", cwd=self.dir)
        self.assertEqual(code, 2)
        self.assertIn(b": ok", out)
        self.assertTrue(err.startswith("gilsim: error: both.json:3:3: /program: "), err)

    def test_missing_scenario_file(self):
        for command in ("run", "check"):
            with self.subTest(command=command):
                code, out, err = gilsim(command, "no-such-scenario.json", cwd=self.dir)
                self.assertEqual((code, out), (2, b""))
                self.assertTrue(err.startswith("gilsim: error: no-such-scenario.json"), err)
                self.assertIn("\n  hint: ", err)

    def test_bad_profiles(self):
        scenario = ROOT / "scenarios" / "convoy.json"
        for name, (_, location) in BAD_PROFILES.items():
            profile = f"profiles/{name}"
            for args in (["run", scenario, "--profile", profile],
                         ["profile", "--profile", profile]):
                with self.subTest(profile=name, command=args[0]):
                    code, out, err = gilsim(*args, cwd=self.dir)
                    self.assertEqual((code, out), (2, b""), err)
                    self.assertRegex(err, ERROR_FORM)
                    self.assertTrue(err.startswith(f"gilsim: error: profiles/{location}"), err)

    def test_missing_profile_file(self):
        code, out, err = gilsim("run", ROOT / "scenarios" / "convoy.json", "--profile",
                                "no-such-profile.json", cwd=self.dir)
        self.assertEqual((code, out), (2, b""))
        self.assertTrue(err.startswith("gilsim: error: no-such-profile.json"), err)


class NoPartialOutput(unittest.TestCase):
    """A failing run writes no -o file and leaves no temporary file behind."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        (self.dir / "both.json").write_text(BAD_SCENARIOS["both.json"][0])
        (self.dir / "bad-profile.json").write_text(BAD_PROFILES["bad-duration.json"][0])

    def leftovers(self):
        return sorted(str(p.relative_to(self.dir)) for p in self.dir.rglob("*.tmp*"))

    def test_failing_runs_leave_no_file(self):
        convoy = ROOT / "scenarios" / "convoy.json"
        failing = {
            "bad scenario": ["both.json"],
            "bad switch interval": [convoy, "--switch-interval", "0ms"],
            "bad profile": [convoy, "--profile", "bad-profile.json"],
            "missing scenario": ["missing.json"],
        }
        for what, args in failing.items():
            for fmt in FORMATS:
                with self.subTest(what=what, format=fmt):
                    code, out, _ = gilsim("run", *args, "--format", fmt, "-o", "out", cwd=self.dir)
                    self.assertEqual((code, out), (2, b""))
                    self.assertFalse((self.dir / "out").exists())
                    self.assertEqual(self.leftovers(), [])

    def test_failing_run_keeps_an_existing_output_file(self):
        (self.dir / "out").write_text("previous results\n")
        code, _, _ = gilsim("run", "both.json", "-o", "out", cwd=self.dir)
        self.assertEqual(code, 2)
        self.assertEqual((self.dir / "out").read_text(), "previous results\n")

    def test_output_into_a_missing_directory(self):
        convoy = ROOT / "scenarios" / "convoy.json"
        code, out, err = gilsim("run", convoy, "-o", "nodir/out.json", cwd=self.dir)
        self.assertEqual((code, out), (2, b""))
        self.assertTrue(err.startswith("gilsim: error: nodir/out.json: "), err)
        self.assertIn("\n  hint: ", err)
        self.assertFalse((self.dir / "nodir").exists())
        self.assertEqual(self.leftovers(), [])

    def test_output_onto_a_directory(self):
        (self.dir / "taken").mkdir()
        code, _, err = gilsim("run", ROOT / "scenarios" / "convoy.json", "-o", "taken",
                              cwd=self.dir)
        self.assertEqual(code, 2)
        self.assertTrue(err.startswith("gilsim: error: taken: "), err)
        self.assertEqual(list((self.dir / "taken").iterdir()), [])
        self.assertEqual(self.leftovers(), [])


class Check(unittest.TestCase):
    def test_every_bundled_scenario_is_ok(self):
        files = [scenario_arg(s) for s in SCENARIOS]
        code, out, err = gilsim("check", *files)
        self.assertEqual((code, err), (0, ""))
        lines = out.decode().splitlines()
        self.assertEqual(len(lines), len(files), out)
        for file, line in zip(files, lines):
            self.assertTrue(line.startswith(f"{file}: "), line)
            self.assertIn("ok", line)


class Formats(unittest.TestCase):
    """The JSON and CSV results say what produced them and agree with each other."""

    @classmethod
    def setUpClass(cls):
        cls.version = gilsim("--version")[1].decode().split()[-1]
        cls.runs = {}
        for scenario in SCENARIOS:
            code_j, out_j, err_j = gilsim("run", scenario_arg(scenario), "--format", "json")
            code_c, out_c, err_c = gilsim("run", scenario_arg(scenario), "--format", "csv")
            if (code_j, code_c) != (0, 0):
                raise RuntimeError(f"gilsim run {scenario_arg(scenario)}: {err_j}{err_c}")
            cls.runs[scenario] = (json.loads(out_j), out_c.decode())

    def test_json_says_what_produced_it(self):
        for scenario, (doc, _) in self.runs.items():
            with self.subTest(scenario=scenario.name):
                source = json.loads(scenario.read_text())
                self.assertIsInstance(doc["schema_version"], int)
                self.assertEqual(doc["gilsim_version"], self.version)
                self.assertEqual(doc["scenario"]["name"], source.get("name", scenario.stem))
                self.assertRegex(doc["scenario"]["content_hash"], r"^[0-9a-f]{8,}$")
                self.assertEqual(doc["scenario"]["seed"], source.get("seed", 1))
                self.assertGreater(len(doc["results"]), 0)
                for result in doc["results"]:
                    self.assertIsInstance(result["wall_s"], float)
                    self.assertGreater(result["wall_s"], 0)

    def test_json_numbers_are_finite_and_times_not_negative(self):
        for scenario, (doc, _) in self.runs.items():
            for path, value in numbers(doc):
                with self.subTest(scenario=scenario.name, path=path):
                    self.assertTrue(math.isfinite(value), value)
                    if path.endswith("_s") or path.endswith("_frac"):
                        self.assertGreaterEqual(value, 0)

    def test_thread_states_add_up_to_the_lifetime(self):
        states = ("python_s", "native_s", "gil_wait_s", "lock_wait_s", "runnable_s", "io_s",
                  "ipc_s", "startup_s", "idle_s", "overhead_s", "kernel_s")
        for scenario, (doc, _) in self.runs.items():
            for result in doc["results"]:
                for thread in result["threads"]:
                    with self.subTest(scenario=scenario.name, strategy=result["strategy"],
                                      thread=thread["name"]):
                        lifetime = thread["exited_s"] - thread["created_s"]
                        self.assertAlmostEqual(sum(thread[s] for s in states), lifetime, places=9)
                        self.assertLessEqual(thread["exited_s"], result["wall_s"])

    def test_csv_has_a_row_per_strategy_matching_the_json(self):
        for scenario, (doc, text) in self.runs.items():
            with self.subTest(scenario=scenario.name):
                rows = list(csv.reader(io.StringIO(text, newline="")))
                header, body = rows[0], rows[1:]
                for column in ("schema_version", "gilsim_version", "scenario", "content_hash",
                               "seed", "strategy", "wall_s"):
                    self.assertIn(column, header)
                self.assertEqual(len(body), len(doc["results"]))
                for row, result in zip(body, doc["results"]):
                    self.assertEqual(len(row), len(header))
                    record = dict(zip(header, row))
                    self.assertEqual(record["strategy"], result["strategy"])
                    self.assertEqual(record["scenario"], doc["scenario"]["name"])
                    self.assertEqual(record["content_hash"], doc["scenario"]["content_hash"])
                    self.assertEqual(int(record["seed"]), doc["scenario"]["seed"])
                    self.assertEqual(int(record["schema_version"]), doc["schema_version"])
                    self.assertEqual(record["gilsim_version"], doc["gilsim_version"])
                    self.assertAlmostEqual(float(record["wall_s"]), result["wall_s"], places=9)

    def test_no_threads_leaves_out_only_the_per_thread_tables(self):
        scenario = scenario_arg(ROOT / "scenarios" / "mixed.json")
        full = gilsim("run", scenario)[1].decode()
        code, out, err = gilsim("run", scenario, "--no-threads")
        self.assertEqual((code, err), (0, ""))
        short = out.decode()
        self.assertNotIn("where each thread's time went", short)
        self.assertIn("where each thread's time went", full)
        self.assertEqual(short.split("\n\n")[:2], full.split("\n\n")[:2])
        self.assertEqual(short.split("\n\n")[-1], full.split("\n\n")[-1])


VALUE = re.compile(r"^(\d+(?:\.\d+)?) ?(ns|us|ms|s|%)$")
SCALE = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "%": 10**4}


def to_units(text):
    """A profile value in its integer unit: nanoseconds, or parts per million for "40%"."""
    number, unit = VALUE.match(text).groups()
    return round(float(number) * SCALE[unit])


class Profile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        code, out, err = gilsim("profile", "--format", "json")
        if code != 0:
            raise RuntimeError(f"gilsim profile --format json: exit {code}: {err}")
        cls.json_text = out
        cls.profile = json.loads(out)

    def test_table_lists_every_parameter_with_its_value_and_source(self):
        code, out, err = gilsim("profile")
        self.assertEqual((code, err), (0, ""))
        rows = {line.split()[0]: line for line in out.decode().splitlines()[3:] if line}
        self.assertEqual(sorted(rows), sorted(self.profile["params"]))
        row = re.compile(r"^(\w+) +(\d+(?:\.\d+)? ?(?:ns|us|ms|s|%))  (.+); (.+)$")
        for name, value in self.profile["params"].items():
            with self.subTest(parameter=name):
                match = row.match(rows[name])
                self.assertIsNotNone(match, rows[name])
                self.assertEqual(to_units(match[2]), to_units(value))
                self.assertTrue(match[4].strip(), "no source")

    def test_an_older_profile_keeps_what_its_parameters_meant(self):
        # Written before receive_per_mib existed, its pickle_per_mib measured both sides; before
        # forkserver_startup, its server started as a spawned child (interpreter_startup).
        default = self.profile["params"]
        cases = (("receive_per_mib", {"pickle_per_mib": "1ms"}, "1ms"),
                 ("receive_per_mib", {"pickle_per_mib": "1ms", "receive_per_mib": "3ms"}, "3ms"),
                 ("receive_per_mib", {}, default["receive_per_mib"]),
                 ("forkserver_startup", {"interpreter_startup": "50ms"}, "50ms"),
                 ("forkserver_startup", {"interpreter_startup": "50ms",
                                         "forkserver_startup": "30ms"}, "30ms"),
                 ("forkserver_startup", {}, default["forkserver_startup"]))
        with tempfile.TemporaryDirectory() as tmp:
            for name, params, expected in cases:
                with self.subTest(params=params):
                    path = Path(tmp) / "p.json"
                    path.write_text(json.dumps({"name": "old", "params": params}))
                    code, out, err = gilsim("profile", "--profile", path, "--format", "json")
                    self.assertEqual((code, err), (0, ""))
                    self.assertEqual(json.loads(out)["params"][name], expected)

    def test_json_fed_back_gives_the_same_results(self):
        with tempfile.TemporaryDirectory() as tmp:
            saved = Path(tmp) / "profile.json"
            saved.write_bytes(self.json_text)
            renamed = Path(tmp) / "renamed.json"
            renamed.write_text(json.dumps({**self.profile, "name": "myhost"}))
            code, out, err = gilsim("profile", "--profile", saved, "--format", "json")
            self.assertEqual((code, err, out), (0, "", self.json_text))
            for scenario in SCENARIOS:
                default = gilsim("run", scenario_arg(scenario), "--format", "json")
                for profile, name in ((saved, self.profile["name"]), (renamed, "myhost")):
                    with self.subTest(scenario=scenario.name, profile=profile.name):
                        code, out, err = gilsim("run", scenario_arg(scenario), "--format", "json",
                                                "--profile", profile)
                        self.assertEqual((code, err), (0, ""))
                        ours, theirs = json.loads(out), json.loads(default[1])
                        self.assertEqual(ours["machine"].pop("profile"), name)
                        theirs["machine"].pop("profile")
                        self.assertEqual(ours, theirs)


def main():
    global GILSIM
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        print("usage: python3 tests/cli_test.py [path/to/gilsim]", file=sys.stderr)
        print("0 passed, 1 failed")
        return 2
    if len(sys.argv) == 2:
        GILSIM = os.path.abspath(sys.argv[1])
    if not os.access(GILSIM, os.X_OK):
        print(f"cli_test.py: no gilsim binary at {GILSIM}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 2
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    # A test whose subtests fail is listed once per failing subtest: count tests, not entries.
    # A failing setUpClass is listed as a non-test holder, and its class's tests never run.
    listed = [test for test, _ in result.failures + result.errors]
    failed_tests = {getattr(t, "test_case", t).id() for t in listed
                    if isinstance(t, unittest.TestCase)}
    failed_tests |= {t.id() for t in result.unexpectedSuccesses}
    holders = [t for t in listed if not isinstance(t, unittest.TestCase)]
    passed = result.testsRun - len(failed_tests) - len(result.skipped)
    failed = len(failed_tests) + len(holders)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not result.testsRun else 0


if __name__ == "__main__":
    sys.exit(main())
