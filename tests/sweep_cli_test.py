#!/usr/bin/env python3
"""Tests of `gilsim sweep` and `gilsim merge` from the command line: golden outputs, the same
bytes for any --jobs, shards merged equal the whole, merge refusals, the SVG read back with
xml.etree, bad grid specs (exit 2 and the message), and the progress line on a terminal only.

usage: python3 tests/sweep_cli_test.py path/to/gilsim   (ctest runs it from the repository root)

The golden files are listed in tests/golden/sweeps.txt and rewritten by tools/regen_golden.sh.
"""

import csv
import difflib
import io
import json
import os
import pty
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

import cli_test
from cli_test import GOLDEN, ROOT

SVG = "{http://www.w3.org/2000/svg}"
MIXED = "scenarios/mixed.json"
GRID = ["--cores", "1-4:x2", "--workers", "2,8"]  # 6 points, serial and threads at each


def gilsim(*args, cwd=ROOT):
    return cli_test.gilsim(*args, cwd=cwd)


def sweep(*args, cwd=ROOT):
    """`gilsim sweep ARGS` that must succeed; returns stdout."""
    code, out, err = gilsim("sweep", *args, cwd=cwd)
    if code != 0:
        raise AssertionError(f"gilsim sweep {' '.join(map(str, args))}: exit {code}: {err}")
    return out


def golden_sweeps():
    for line in (GOLDEN / "sweeps.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, *args = line.split()
            yield name, args


def rows(csv_bytes):
    return list(csv.DictReader(io.StringIO(csv_bytes.decode(), newline="")))


class Golden(unittest.TestCase):
    """Each sweep of tests/golden/sweeps.txt, byte for byte, in every format."""

    def test_golden_sweeps(self):
        regen = "tools/regen_golden.sh " + os.path.relpath(cli_test.GILSIM, ROOT)
        for name, args in golden_sweeps():
            for fmt, suffix in (("table", "table.txt"), ("csv", "csv"), ("json", "json")):
                with self.subTest(sweep=name, format=fmt):
                    golden = GOLDEN / f"{name}.{suffix}"
                    self.assertTrue(golden.exists(), f"missing {golden}; make it with: {regen}")
                    out = sweep(*args, "--format", fmt)
                    if out != golden.read_bytes():
                        diff = difflib.unified_diff(
                            golden.read_text().splitlines(True), out.decode().splitlines(True),
                            str(golden.relative_to(ROOT)), "gilsim sweep " + " ".join(args))
                        self.fail("".join(list(diff)[:40]) + f"if intended, regenerate: {regen}")

    def test_csv_and_json_rows_agree_and_carry_every_run_column(self):
        run_columns = rows(gilsim("run", MIXED, "--format", "csv")[1])[0].keys()
        doc = json.loads(sweep(MIXED, *GRID, "--format", "json"))
        table = rows(sweep(MIXED, *GRID, "--format", "csv"))
        self.assertEqual(len(table), 12)
        self.assertEqual(len(doc["rows"]), 12)
        for column in run_columns:
            self.assertIn(column, table[0])
        for record, row in zip(table, doc["rows"]):
            self.assertEqual(record["strategy"], row["strategy"])
            self.assertEqual(int(record["point"]), row["point"])
            self.assertAlmostEqual(float(record["wall_s"]), row["wall_s"], places=9)
            for column in run_columns:
                if column not in ("schema_version", "gilsim_version", "scenario",
                                  "content_hash", "seed"):
                    self.assertIn(column, row)
        self.assertEqual(doc["scenario"]["content_hash"], table[0]["content_hash"])

    def test_speedup_is_against_serial_at_the_same_point(self):
        # --strategies threads: serial still runs at each point, for the speed-up, unreported
        table = rows(sweep(MIXED, "--cores", "1,4", "--strategies", "threads", "--format", "csv"))
        self.assertEqual([r["strategy"] for r in table], ["threads", "threads"])
        for record in table:
            code, out, err = gilsim("run", MIXED, "--cores", record["cores"], "--format", "csv")
            by_strategy = {r["strategy"]: r for r in rows(out)}
            self.assertEqual(record["speedup_vs_serial"],
                             by_strategy["threads"]["speedup_vs_serial"])
            self.assertEqual(record["wall_s"], by_strategy["threads"]["wall_s"])


class Determinism(unittest.TestCase):
    def test_the_same_bytes_for_any_jobs(self):
        with tempfile.TemporaryDirectory() as tmp:
            outputs = {}
            for jobs in ("1", "2", "8"):
                base = Path(tmp) / f"j{jobs}"
                sweep(MIXED, *GRID, "--jobs", jobs, "-o", f"{base}.csv", "-o", f"{base}.json",
                      "-o", f"{base}.txt", "--plot", f"{base}.svg")
                outputs[jobs] = [Path(f"{base}.{ext}").read_bytes()
                                 for ext in ("csv", "json", "txt", "svg")]
            self.assertEqual(outputs["1"], outputs["2"])
            self.assertEqual(outputs["1"], outputs["8"])


class ShardAndMerge(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        sweep(ROOT / MIXED, *GRID, "-o", "whole.json", "-o", "whole.csv", cwd=self.dir)
        for i in (1, 2, 3):
            sweep(ROOT / MIXED, *GRID, "--shard", f"{i}/3", "-o", f"part{i}.json", cwd=self.dir)

    def merge(self, *args):
        return gilsim("merge", *args, cwd=self.dir)

    def test_shards_merged_equal_the_whole(self):
        code, out, err = self.merge("part3.json", "part1.json", "part2.json",
                                    "-o", "all.json", "-o", "all.csv")
        self.assertEqual((code, out, err), (0, b"", ""))
        self.assertEqual((self.dir / "all.json").read_bytes(),
                         (self.dir / "whole.json").read_bytes())
        self.assertEqual((self.dir / "all.csv").read_bytes(), (self.dir / "whole.csv").read_bytes())

    def test_a_shard_holds_every_nth_point(self):
        part = json.loads((self.dir / "part2.json").read_text())
        self.assertEqual(part["shard"], {"index": 2, "count": 3, "points": [1, 4]})
        self.assertEqual(sorted({r["point"] for r in part["rows"]}), [1, 4])
        self.assertEqual(part["grid"]["points"], 6)

    def assert_refused(self, args, message, hint=None):
        code, out, err = self.merge(*args, "-o", "all.csv")
        self.assertEqual((code, out), (2, b""), err)
        self.assertEqual(err.splitlines()[0], "gilsim: error: " + message)
        if hint:
            self.assertEqual(err.splitlines()[1], "  hint: " + hint)
        self.assertFalse((self.dir / "all.csv").exists())

    def test_merge_refuses_a_gap(self):
        self.assert_refused(
            ["part1.json", "part3.json"],
            "merge: 2 of the 6 grid points are in no part: 1 (--cores 1 --workers 8), "
            "4 (--cores 4 --workers 2)",
            "shard 2/3 is missing: run it with --shard and merge again")

    def test_merge_refuses_an_overlap(self):
        self.assert_refused(["part1.json", "part2.json", "part2.json", "part3.json"],
                            "part2.json: overlaps part2.json: both hold grid points "
                            "1 (--cores 1 --workers 8), 4 (--cores 4 --workers 2)",
                            "the same file is given twice; give each part once")

    def test_merge_refuses_another_sweep(self):
        sweep(ROOT / MIXED, "--cores", "1-4:x2", "--workers", "2,4", "--shard", "2/3",
              "-o", "other.json", cwd=self.dir)
        self.assert_refused(["part1.json", "other.json", "part3.json"],
                            "other.json: not a part of the same sweep as part1.json: it comes "
                            "from a different grid (--cores 1-4:x2 --workers 2,4, not "
                            "--cores 1-4:x2 --workers 2,8)")

    def test_merge_refuses_csv_and_missing_files(self):
        self.assert_refused(["whole.csv"], "whole.csv: not a gilsim sweep result: it is not "
                            "valid JSON (a CSV? merge reads the JSON of each shard)")
        code, _, err = self.merge("nope.json")
        self.assertEqual(code, 2)
        self.assertTrue(err.startswith("gilsim: error: nope.json: cannot open the sweep part"))


class Plot(unittest.TestCase):
    def plot(self, *args):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "plot.svg"
            out = sweep(*args, "--format", "csv", "--plot", target)
            return ET.parse(target).getroot(), rows(out)

    def test_line_plot_has_a_series_per_strategy_with_every_point(self):
        svg, table = self.plot("scenarios/cpu-bound.json", "--cores", "1-16:x2")
        self.assertEqual(svg.tag, SVG + "svg")
        self.assertEqual((svg.get("data-kind"), svg.get("data-metric")), ("line", "speedup"))
        series = {g.get("data-label"): g for g in svg.iter(SVG + "g")
                  if "series" in g.get("class", "").split()}
        self.assertEqual(list(series), ["serial", "threads"])
        self.assertIn("baseline", series["serial"].get("class"))
        for label, group in series.items():
            points = [(c.get("data-x"), float(c.get("data-y")))
                      for c in group.iter(SVG + "circle")]
            expected = [(r["cores"], float(r["speedup_vs_serial"])) for r in table
                        if r["strategy"] == label]
            self.assertEqual([x for x, _ in points], [x for x, _ in expected])
            for (_, y), (_, want) in zip(points, expected):
                self.assertAlmostEqual(y, want, places=4)
            self.assertEqual(len(group.findall(SVG + "polyline")), 1)
        texts = [t.text for t in svg.iter(SVG + "text")]
        self.assertIn("cores (log scale)", texts)
        self.assertIn("speed-up over serial (x)", texts)
        self.assertIn("threads", texts)  # the legend

    def test_a_linear_axis_for_evenly_spaced_values_and_wall_time_on_request(self):
        svg, _ = self.plot("scenarios/cpu-bound.json", "--cores", "1-6", "--plot-metric", "wall")
        self.assertEqual(svg.get("data-metric"), "wall")
        texts = [t.text for t in svg.iter(SVG + "text")]
        self.assertIn("cores", texts)
        self.assertIn("wall time (ms)", texts)

    def test_a_program_plots_wall_time(self):
        svg, _ = self.plot("scenarios/convoy.json", "--switch-interval", "1ms,5ms,20ms")
        self.assertEqual(svg.get("data-metric"), "wall")
        labels = [g.get("data-label") for g in svg.iter(SVG + "g") if g.get("data-label")]
        self.assertEqual(labels, ["program"])
        xs = [c.get("data-x") for c in svg.iter(SVG + "circle")]
        self.assertEqual(xs, ["1ms", "5ms", "20ms"])

    def test_a_series_per_strategy_when_the_strategies_differ_between_points(self):
        # No "strategies": the defaults depend on the Python version (subinterpreters from 3.12).
        with tempfile.TemporaryDirectory() as tmp:
            scenario = Path(tmp) / "defaults.json"
            scenario.write_text('{"workload": {"tasks": [{"count": 4, "ops": [{"cpu": "10ms"}]}]}}')
            svg, table = self.plot(scenario, "--python", "3.11,3.12")
        series = {g.get("data-label"): [c.get("data-x") for c in g.iter(SVG + "circle")]
                  for g in svg.iter(SVG + "g") if "series" in g.get("class", "").split()}
        self.assertEqual(set(series), {r["strategy"] for r in table})
        self.assertEqual(series["subinterpreters"], ["3.12"])
        self.assertEqual(series["serial"], ["3.11", "3.12"])

    def test_two_axes_make_a_heat_map_per_strategy(self):
        svg, table = self.plot(MIXED, *GRID)
        self.assertEqual(svg.get("data-kind"), "heatmap")
        panels = [g for g in svg.iter(SVG + "g") if g.get("class") == "panel"]
        self.assertEqual([p.get("data-label") for p in panels], ["threads"])  # not the baseline
        cells = {(c.get("data-x"), c.get("data-y")): float(c.get("data-value"))
                 for c in panels[0].iter(SVG + "rect")}
        self.assertEqual(len(cells), 6)
        for r in table:
            if r["strategy"] == "threads":
                self.assertAlmostEqual(cells[(r["cores"], r["workers"])],
                                       float(r["speedup_vs_serial"]), places=4)

    def test_the_docs_plots_are_up_to_date(self):
        listed = (ROOT / "docs" / "img" / "plots.txt").read_text().splitlines()
        for name, *args in (line.split() for line in listed if line and line[0] != "#"):
            with self.subTest(plot=name), tempfile.TemporaryDirectory() as tmp:
                sweep(*args, "--plot", Path(tmp) / "plot.svg", "-o", Path(tmp) / "table.txt")
                self.assertEqual((Path(tmp) / "plot.svg").read_bytes(),
                                 (ROOT / "docs" / "img" / f"{name}.svg").read_bytes(),
                                 f"docs/img/{name}.svg is out of date: tools/regen_doc_plots.sh")

    def test_plot_problems_are_found_before_the_sweep_runs(self):
        with tempfile.TemporaryDirectory() as tmp:
            cases = {
                ("--cores", "1,2", "--workers", "2", "--switch-interval", "1ms,2ms"):
                    "gilsim: error: --plot: a plot shows one or two swept axes, and this "
                    "sweep has 3",
            }
            for args, message in cases.items():
                code, out, err = gilsim("sweep", ROOT / MIXED, *args, "--plot", "p.svg",
                                        "-o", "out.csv", cwd=tmp)
                self.assertEqual((code, out), (2, b""))
                self.assertEqual(err.splitlines()[0], message)
                self.assertEqual(os.listdir(tmp), [])
            code, _, err = gilsim("sweep", ROOT / "scenarios/convoy.json", "--switch-interval",
                                  "1ms,2ms", "--plot", "p.svg", "--plot-metric", "speedup",
                                  cwd=tmp)
            self.assertEqual(code, 2)
            self.assertIn("--plot-metric: no speed-up to plot", err)
            self.assertEqual(os.listdir(tmp), [])


# Bad grid specs: arguments after `gilsim sweep scenarios/cpu-bound.json` -> exact stderr.
BAD_SPECS = {
    ("--cores", "0"):
        "gilsim: error: --cores 0: expected an integer from 1 to 4096, found the number 0\n"
        "  hint: e.g. --cores 1,2,4,8 or --cores 1-64:x2 (1 to 4096 cores)\n",
    ("--cores", "8-4"):
        "gilsim: error: --cores: empty range \"8-4\": it starts after it ends\n"
        "  hint: write the smaller end first, e.g. 1-64\n",
    ("--cores", "1,2,2"):
        "gilsim: error: --cores: 2 is listed twice\n"
        "  hint: list each value once; overlapping ranges repeat their common values\n",
    ("--workers", "0"):
        "gilsim: error: --workers 0: expected an integer from 1 to 100000, found the number 0\n"
        "  hint: e.g. --workers 4,8,16\n",
    ("--switch-interval", "0ms"):
        "gilsim: error: --switch-interval 0ms: duration \"0ms\" is out of range: allowed 1us "
        "to 10s\n  hint: e.g. --switch-interval 0.1ms,1ms,5ms (1us to 10s)\n",
    ("--cores", "2", "--strategies", "serial,thread"):
        "gilsim: error: --strategies thread: unknown strategy \"thread\"; the known strategies "
        "are \"serial\", \"threads\", \"processes\", \"asyncio\", \"free-threaded\" and "
        "\"subinterpreters\"\n  hint: did you mean \"threads\"?\n",
    ("--set", "/workload/tasks/1/count=1,2"):
        "gilsim: error: --set /workload/tasks/1/count: the scenario has no /workload/tasks/1: "
        "/workload/tasks has 1 element\n  hint: use an index from 0 to 0\n",
    ("--set", "/workload/tasks/0/cuont=1,2"):
        "gilsim: error: --set /workload/tasks/0/cuont=1: unknown key \"cuont\"; allowed here: "
        "\"name\", \"count\", \"repeat\", \"arg_bytes\", \"result_bytes\" and \"ops\"\n"
        "  hint: did you mean \"count\"?\n",
    ("--cores", "2", "--set", "/machine/cores=1,2"):
        "gilsim: error: --set /machine/cores: --cores already sets /machine/cores\n"
        "  hint: sweep each scenario field with one option\n",
    ("--python", "3.9"):
        "gilsim: error: --python 3.9: unknown Python version \"3.9\"; known: \"3.10\", \"3.11\", "
        "\"3.12\", \"3.13\", \"3.13t\", \"3.14\" and \"3.14t\"\n  hint: e.g. \"python\": \"3.12\"\n",
    ("--python", "3.10,3.12", "--strategies", "serial,subinterpreters"):
        "gilsim: error: --python 3.10: /strategies/1: subinterpreters with their own GIL need "
        "Python 3.12 or later (PEP 684); this scenario runs 3.10\n  hint: set \"python\": "
        "\"3.14\" (InterpreterPoolExecutor) or leave this strategy out\n",
    ():
        "gilsim: error: sweep: nothing to sweep: no axis given\n  hint: give at least one of "
        "--cores, --workers, --switch-interval, --python or --set, e.g. --cores 1,2,4,8\n",
    ("--cores", "1,2", "--shard", "0/4"):
        "gilsim: error: --shard: \"0/4\" is not a shard: shards are numbered from 1 to 4\n"
        "  hint: e.g. 1/4 to 4/4; with a 0-based array index (Kubernetes), add 1\n",
}


class BadSpecs(unittest.TestCase):
    def test_bad_specs_exit_2_with_the_message(self):
        for args, expected in BAD_SPECS.items():
            with self.subTest(args=args):
                code, out, err = gilsim("sweep", "scenarios/cpu-bound.json", *args)
                self.assertEqual((code, out), (2, b""))
                self.assertEqual(err, expected)

    def test_bad_usage_exits_2(self):
        for args in (["sweep"], ["merge"], ["sweep", "scenarios/cpu-bound.json", "--jobs", "0"],
                     ["sweep", "scenarios/cpu-bound.json", "--cores", "1", "--plot-metric", "x"]):
            with self.subTest(args=args):
                code, out, err = gilsim(*args)
                self.assertEqual((code, out), (2, b""))
                self.assertTrue(err.startswith("gilsim: error: "), err)

    def test_help_lists_sweep_and_merge(self):
        top = gilsim("--help")[1].decode()
        for sub in ("sweep", "merge"):
            self.assertRegex(top, rf"\n\s+{sub}\s")
            code, out, err = gilsim(sub, "--help")
            self.assertEqual((code, err), (0, ""))
            self.assertIn(b"Usage:", out)


class OutputTargets(unittest.TestCase):
    """-o onto a device or a pipe is written in place; through a symbolic link, the file it
    names."""

    def test_a_pipe_stays_a_pipe(self):
        # A FIFO stands for /dev/null and /dev/stdout: renaming a file over one would replace
        # it (as root, over /dev/null, for the whole machine), so the test does not use those.
        import stat
        import threading
        for command in (["run", ROOT / "scenarios/cpu-bound.json", "--format", "csv"],
                        ["sweep", ROOT / "scenarios/cpu-bound.json", "--cores", "1,2",
                         "--format", "csv"]):
            with self.subTest(command=command[0]), tempfile.TemporaryDirectory() as tmp:
                fifo = Path(tmp) / "fifo"
                os.mkfifo(fifo)
                received = []
                reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
                reader.start()
                code, out, err = gilsim(*command, "-o", fifo, cwd=tmp)
                reader.join(timeout=60)
                self.assertEqual((code, out, err), (0, b"", ""))
                self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
                self.assertTrue(received and received[0].startswith(b"schema_version,"))
                self.assertEqual(sorted(os.listdir(tmp)), ["fifo"])

    def test_a_symbolic_link_is_followed(self):
        with tempfile.TemporaryDirectory() as tmp:
            link = Path(tmp) / "link.csv"
            link.symlink_to("real.csv")  # dangling until written
            sweep(ROOT / "scenarios" / "cpu-bound.json", "--cores", "1,2", "-o", link, cwd=tmp)
            self.assertTrue(link.is_symlink())
            self.assertTrue((Path(tmp) / "real.csv").read_text().startswith("schema_version,"))


class Progress(unittest.TestCase):
    ARGS = [MIXED, "--cores", "1-8", "--workers", "1,2,4,8", "--jobs", "1"]

    def test_silent_when_stderr_is_not_a_terminal(self):
        code, out, err = gilsim("sweep", *self.ARGS)
        self.assertEqual((code, err), (0, ""))

    def test_a_progress_line_on_a_terminal_and_the_same_stdout(self):
        expected = sweep(*self.ARGS)
        leader, follower = pty.openpty()
        try:
            done = subprocess.run([cli_test.GILSIM, "sweep", *self.ARGS], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=follower, timeout=60)
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # EIO: the terminal has no more writers
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(leader)
        self.assertEqual(done.returncode, 0)
        self.assertEqual(done.stdout, expected)
        err = b"".join(chunks).decode()
        self.assertIn("sweep [", err)
        self.assertIn("/32 points", err)
        self.assertTrue(err.endswith("\r\x1b[K"), repr(err[-40:]))  # the line is erased


def main():
    if len(sys.argv) != 2:
        print("usage: python3 tests/sweep_cli_test.py path/to/gilsim", file=sys.stderr)
        return 2
    cli_test.GILSIM = os.path.abspath(sys.argv[1])
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    return 0 if result.wasSuccessful() and result.testsRun else 1


if __name__ == "__main__":
    sys.exit(main())
