#!/usr/bin/env python3
"""The cluster examples of docs/sweeps.md run as their schedulers would run them: every task of
the Slurm array (tools/cluster/slurm-sweep.sh, with the SLURM_* variables sbatch sets) and every
pod of the Kubernetes Indexed Job (the command of tools/cluster/k8s-sweep.yaml, with
JOB_COMPLETION_INDEX), then `gilsim merge`: the merged parts equal one whole sweep.

usage: python3 tests/cluster_test.py path/to/gilsim   (ctest runs it from the repository root)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GILSIM = str(ROOT / "build" / "gilsim")  # replaced by the command-line argument


def run(args, cwd, env=None):
    done = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, timeout=120)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))}: exit {done.returncode}: "
                             f"{done.stderr.decode()}")
    return done.stdout


class Slurm(unittest.TestCase):
    SWEEP = [str(ROOT / "scenarios" / "mixed.json"), "--cores", "1-4:x2", "--workers", "2,8"]

    def check_array(self, first, count):
        with tempfile.TemporaryDirectory() as tmp:
            for task in range(first, first + count):
                run(["bash", ROOT / "tools" / "cluster" / "slurm-sweep.sh", *self.SWEEP], tmp, {
                    "SLURM_ARRAY_JOB_ID": "42", "SLURM_ARRAY_TASK_ID": str(task),
                    "SLURM_ARRAY_TASK_MIN": str(first), "SLURM_ARRAY_TASK_COUNT": str(count),
                    "SLURM_CPUS_PER_TASK": "2", "GILSIM": GILSIM})
            parts = sorted(p.name for p in (Path(tmp) / "sweep-42").iterdir())
            self.assertEqual(parts, sorted(f"part{i}.json" for i in range(1, count + 1)))
            merged = run([GILSIM, "merge", *sorted((Path(tmp) / "sweep-42").iterdir()),
                          "--format", "csv"], tmp)
            whole = run([GILSIM, "sweep", *self.SWEEP, "--format", "csv"], tmp)
            self.assertEqual(merged, whole)

    def test_an_array_from_1(self):
        self.check_array(1, 4)

    def test_an_array_from_0(self):
        self.check_array(0, 3)


class Kubernetes(unittest.TestCase):
    def test_every_pod_of_the_indexed_job_then_merge(self):
        docs = list(yaml.safe_load_all((ROOT / "tools" / "cluster" / "k8s-sweep.yaml").read_text()))
        job = next(d for d in docs if d["kind"] == "Job")
        self.assertEqual(job["spec"]["completionMode"], "Indexed")
        pod = job["spec"]["template"]["spec"]
        container = pod["containers"][0]
        env = {e["name"]: e["value"] for e in container["env"]}
        completions = job["spec"]["completions"]
        self.assertEqual(int(env["SHARDS"]), completions)
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        self.assertEqual(mounts, {"scenarios": container["workingDir"] + "/scenarios",
                                  "results": container["workingDir"] + "/results"})
        # The same command, on a grid small enough for a test (most shards get 0 or 1 point).
        script = container["args"][0]
        self.assertIn("--cores 1-1024", script)
        script = script.replace("--cores 1-1024", "--cores 1-8")
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "scenarios").mkdir()
            (Path(tmp) / "results").mkdir()
            shutil.copy(ROOT / "scenarios" / "web-api.json", Path(tmp) / "scenarios")
            (Path(tmp) / "bin").mkdir()
            os.symlink(GILSIM, Path(tmp) / "bin" / "gilsim")
            path = f"{tmp}/bin:{os.environ['PATH']}"
            for index in range(completions):
                run([*container["command"], script], tmp,
                    {**env, "JOB_COMPLETION_INDEX": str(index), "PATH": path})
            parts = sorted((Path(tmp) / "results").iterdir())
            self.assertEqual(len(parts), completions)
            merged = run([GILSIM, "merge", *parts, "--format", "json"], tmp)
            whole = run([GILSIM, "sweep", "scenarios/web-api.json", "--cores", "1-8",
                         "--format", "json"], tmp)
            self.assertEqual(merged, whole)


def main():
    global GILSIM
    if len(sys.argv) != 2:
        print("usage: python3 tests/cluster_test.py path/to/gilsim", file=sys.stderr)
        return 2
    GILSIM = os.path.abspath(sys.argv[1])
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    return 0 if result.wasSuccessful() and result.testsRun else 1


if __name__ == "__main__":
    sys.exit(main())
