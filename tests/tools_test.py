#!/usr/bin/env python3
"""The measuring tools' own rules (tools/gilsim_tools): merging calibrations, which figure fits
which start-up cost, sampling the thread clock around short ops, judging subprocess ops by their
children's CPU time and each worker by its own ops, and the validation's winner check.  Nothing
here runs a real workload.

Run by ctest from the repository root as `python3 tests/tools_test.py <gilsim binary>`.
"""

import argparse
import os
import subprocess
import sys
import unittest
from unittest import mock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))

import harness  # noqa: E402
from gilsim_tools import calibrate, realize, run_queue, validate  # noqa: E402
from gilsim_tools import workload as wl  # noqa: E402

GILSIM = None


def row(figure, cores, median, lo, hi, runs=5):
    return {"figure": figure, "unit": "us", "cores": cores, "median": median, "min": lo,
            "max": hi, "runs": runs, "last_run": {"samples": 1, "p10": lo, "p90": hi, "max": hi}}


class MergeFigures(unittest.TestCase):
    def test_median_of_medians_and_the_whole_range(self):
        merged = calibrate.merge_figures([
            [row("gil_handoff", 2, 25.0, 24.0, 26.0), row("gil_handoff", 1, 28.0, 27.0, 30.0)],
            [row("gil_handoff", 2, 40.0, 30.0, 41.0)],
            [row("gil_handoff", 2, 30.0, 29.0, 35.0)],
        ])
        by = {(r["figure"], r["cores"]): r for r in merged}
        two = by[("gil_handoff", 2)]
        self.assertEqual(two["median"], 30.0)
        self.assertEqual((two["min"], two["max"]), (24.0, 41.0))
        self.assertEqual((two["runs"], two["calibrations"]), (15, 3))
        self.assertEqual(by[("gil_handoff", 1)]["median"], 28.0)  # measured once: kept as is

    def test_a_merge_merged_again_counts_every_calibration(self):
        first = calibrate.merge_figures([[row("gil_handoff", 2, 25.0, 24.0, 26.0)],
                                         [row("gil_handoff", 2, 30.0, 29.0, 35.0)]])
        again = calibrate.merge_figures([first, [row("gil_handoff", 2, 40.0, 30.0, 41.0)]])
        self.assertEqual((again[0]["runs"], again[0]["calibrations"]), (15, 3))

    def test_one_profile_is_unchanged(self):
        rows = [row("thread_start", 1, 46.0, 45.0, 47.0)]
        merged = calibrate.merge_figures([rows])
        self.assertEqual(merged[0]["median"], 46.0)
        self.assertEqual(merged[0]["runs"], 5)


class StartupFits(unittest.TestCase):
    PARAMS = {"fork_child": 0.01, "fork_child_shootdowns": 0.005, "interpreter_startup": 0.08}

    def fits(self, rows, method="fork", name="fork_child"):
        return [(p, r["cores"]) for p, r in calibrate.startup_figures(rows, method, name,
                                                                        self.PARAMS)]

    def test_fork_on_one_core_and_two_splits_the_start_up(self):
        rows = [row("ppe_first_result(fork)", 2, 44.5, 43.0, 46.0),
                row("ppe_first_result(fork)", 1, 38.9, 38.0, 39.5)]
        self.assertEqual(self.fits(rows), [("fork_child", 1), ("fork_child_shootdowns", 2)])

    def test_two_cores_only_fits_the_whole_start_up_there(self):
        rows = [row("ppe_first_result(fork)", 2, 44.5, 43.0, 46.0)]
        self.assertEqual(self.fits(rows), [("fork_child", 2)])

    def test_other_methods_have_no_split(self):
        rows = [row("ppe_first_result(spawn)", 2, 100.0, 99.0, 101.0),
                row("ppe_first_result(spawn)", 1, 90.0, 89.0, 91.0)]
        self.assertEqual(self.fits(rows, "spawn", "interpreter_startup"),
                         [("interpreter_startup", 2)])

    def test_no_figure_no_fit(self):
        self.assertEqual(self.fits([]), [])

    def test_the_fits_run_in_order_each_on_its_core_count(self):
        # A stand-in for gilsim: a fork pool's first result is 1 ms of the rest of the model,
        # fork_child, and fork_child_shootdowns with more than one core.
        def predict(_gilsim, scenario, p, _metric):
            more = scenario["machine"]["cores"] > 1
            return 1e-3 + p["fork_child"] + (p["fork_child_shootdowns"] if more else 0.0)

        rows = [dict(row("ppe_first_result(fork)", 2, 25.0, 24.0, 26.0), unit="ms"),
                dict(row("ppe_first_result(fork)", 1, 10.0, 9.0, 11.0), unit="ms")]
        out = {}
        with mock.patch.object(calibrate.fit, "predict", predict):
            calibrate.derive_pools(rows, dict(self.PARAMS), out, "gilsim", "3.11")
        self.assertAlmostEqual(out["fork_child"][0], 9e-3, places=6)
        self.assertAlmostEqual(out["fork_child_shootdowns"][0], 15e-3, places=6)

    def test_a_fit_the_rest_already_exceeds_is_zero(self):
        rows = [dict(row("ppe_first_result(fork)", 1, 0.5, 0.4, 0.6), unit="ms")]
        out = {}
        with mock.patch.object(calibrate.fit, "predict", lambda *_: 1e-3):
            calibrate.derive_pools(rows, dict(self.PARAMS), out, "gilsim", "3.11")
        self.assertEqual(out["fork_child"][0], 0.0)
        self.assertIn("costs more", out["fork_child"][1])


class ForkserverFits(unittest.TestCase):
    PARAMS = {"interpreter_startup": 0.08, "exec_parent": 0.002, "forkserver_startup": 0.07,
              "forkserver_child": 0.03, "forkserver_child_shootdowns": 0.0}
    FRESH = dict(row("ppe_first_result(forkserver)", 2, 150.0, 140.0, 160.0), unit="ms")
    LONE = dict(row(calibrate.FORKSERVER_LONE, 1, 50.0, 49.0, 51.0), unit="ms")
    PAIR = dict(row(calibrate.FORKSERVER_PAIR, 2, 100.0, 98.0, 102.0), unit="ms")

    @staticmethod
    def predict(_gilsim, scenario, p, metric):
        """A stand-in for gilsim: the first result after 1 ms of the rest of the model, the
        server's spawn and start, a child's start, and with two calls on two cores one
        sibling's shootdowns; the later of two results 5 ms after the first."""
        pair = scenario["workload"]["tasks"][0]["count"] == 2 and scenario["machine"]["cores"] > 1
        first = (1e-3 + p["exec_parent"] + p["forkserver_startup"] + p["forkserver_child"]
                 + (p["forkserver_child_shootdowns"] if pair else 0.0))
        later = first + (5e-3 if pair else 0.0)
        return metric({"results": [{"task_latency_p50_s": first, "task_latency_p99_s": later}]})

    def derive(self, rows):
        out = {}
        with mock.patch.object(calibrate.fit, "predict", self.predict):
            calibrate.derive_forkserver(rows, dict(self.PARAMS), out, "gilsim", "3.11")
        return {k: v[0] for k, v in out.items()}

    def test_a_warm_server_splits_the_child_its_siblings_and_the_server(self):
        got = self.derive([self.FRESH, self.LONE, self.PAIR])
        # A warm server is neither spawned nor started: the lone child is 50 - 1 ms.
        self.assertAlmostEqual(got["forkserver_child"], 49e-3, places=6)
        # The pair's figure is its later result: 100 - 1 - 49 - 5 ms.
        self.assertAlmostEqual(got["forkserver_child_shootdowns"], 45e-3, places=6)
        self.assertAlmostEqual(got["forkserver_startup"], 98e-3, places=6)

    def test_without_a_warm_server_the_server_starts_as_a_spawned_child(self):
        got = self.derive([self.FRESH])
        self.assertEqual(got["forkserver_startup"], 0.08)
        self.assertAlmostEqual(got["forkserver_child"], 67e-3, places=6)
        self.assertNotIn("forkserver_child_shootdowns", got)

    def test_without_the_pair_on_two_cores_no_shootdowns(self):
        got = self.derive([self.FRESH, self.LONE, dict(self.PAIR, cores=1)])
        self.assertAlmostEqual(got["forkserver_child"], 49e-3, places=6)
        self.assertAlmostEqual(got["forkserver_startup"], 98e-3, places=6)
        self.assertNotIn("forkserver_child_shootdowns", got)


class ProfileHeader(unittest.TestCase):
    SOURCE = {"name": "amd", "description": "one calibration",
              "measured": {"started_unix": 1.0, "finished_unix": 2.0, "runs": 5, "figures": []}}

    def build(self, name=None, only=None, derive_only=False):
        args = argparse.Namespace(name=name, only=only, derive_only=derive_only, runs=3,
                                  started=10.0, gilsim="gilsim")
        return calibrate.build_profile([], {}, args, [self.SOURCE])

    def test_figures_measured_again_keep_the_profile_and_say_which(self):
        doc = self.build(only=["ppe_first_result(forkserver"])
        self.assertEqual(doc["name"], "amd")
        self.assertEqual(doc["description"],
                         "one calibration; then ppe_first_result(forkserver measured again")
        merged = doc["measured"]["merged"]
        self.assertEqual([m["started_unix"] for m in merged], [1.0, 10.0])
        self.assertEqual(merged[1]["only"], "ppe_first_result(forkserver")

    def test_derived_again_is_the_same_profile(self):
        doc = self.build(derive_only=True)
        self.assertEqual((doc["name"], doc["description"]), ("amd", "one calibration"))
        self.assertNotIn("merged", doc["measured"])

    def test_a_name_given_wins(self):
        self.assertEqual(self.build(name="zen", derive_only=True)["name"], "zen")


class TransferCosts(unittest.TestCase):
    DEFAULTS = {"pipe_per_mib": 0.004}  # 4 ms per MiB

    def figure(self, name, median, unit):
        return dict(row(name, 2, median, median, median), unit=unit)

    def derive(self, rows):
        out = {}
        calibrate.derive_transfer(rows, self.DEFAULTS, out)
        return {k: round(v[0] * 1e3, 6) for k, v in out.items()}  # ms per MiB

    PIPE = ("pipe_MBps", calibrate.MIB / 1e3, "MB/s")  # 1 ms per MiB

    def test_each_side_its_own_cost_the_pipe_on_the_sender(self):
        rows = [self.figure(*self.PIPE), self.figure("ppe_transfer_cpu(send)", 3.0, "ms"),
                self.figure("ppe_transfer_cpu(receive)", 9.0, "ms")]
        self.assertEqual(self.derive(rows), {"pipe_per_mib": 1.0, "pickle_per_mib": 2.0,
                                             "receive_per_mib": 9.0})

    def test_without_the_pipe_figure_the_default_pipe_is_the_senders_too(self):
        rows = [self.figure("ppe_transfer_cpu(send)", 5.0, "ms"),
                self.figure("ppe_transfer_cpu(receive)", 9.0, "ms")]
        self.assertEqual(self.derive(rows), {"pickle_per_mib": 1.0, "receive_per_mib": 9.0})

    def test_a_sender_cheaper_than_the_pipe_pickles_for_nothing(self):
        rows = [self.figure(*self.PIPE), self.figure("ppe_transfer_cpu(send)", 0.5, "ms"),
                self.figure("ppe_transfer_cpu(receive)", 9.0, "ms")]
        self.assertEqual(self.derive(rows)["pickle_per_mib"], 0.0)

    def test_a_profile_measured_before_is_symmetric_as_it_was(self):
        rows = [self.figure(*self.PIPE),
                self.figure("ppe_arg_MBps", calibrate.MIB / 5e3, "MB/s")]  # 5 ms per MiB
        self.assertEqual(self.derive(rows), {"pipe_per_mib": 1.0, "pickle_per_mib": 2.0,
                                             "receive_per_mib": 2.0})

    def fresh(self, **done):
        """ppe_transfer_cpu with the child interpreter's answer stubbed; returns it and argv."""
        answer = {"returncode": 0, "stdout": "[0.002, 0.003]", "stderr": ""} | done
        with mock.patch.object(calibrate, "_transfer_samples",
                               side_effect=AssertionError("measured in-process")):
            with mock.patch.object(calibrate.subprocess, "run",
                                   return_value=mock.Mock(**answer)) as run:
                samples = calibrate.ppe_transfer_cpu("receive")
        return samples, run.call_args.args[0]

    def test_the_transfer_figures_come_from_a_fresh_interpreter(self):
        samples, argv = self.fresh()
        self.assertEqual(samples, [0.002, 0.003])
        self.assertEqual(argv[:3], [sys.executable, "-I", "-c"])
        self.assertIn("_transfer_samples('receive')", argv[3])

    def test_the_child_finds_the_tools_package(self):
        _, argv = self.fresh()
        setup = argv[3].split("from gilsim_tools")[0]  # the child's code before its import
        done = subprocess.run([sys.executable, "-I", "-c", setup + "import gilsim_tools.calibrate"],
                              capture_output=True, text=True, cwd="/")
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_a_failed_or_garbled_child_is_a_clear_error(self):
        cases = [({"returncode": 1, "stderr": "Traceback ...\nMemoryError: out"},
                  r"failed \(exit 1\): MemoryError: out$"),
                 ({"returncode": -9, "stderr": ""}, r"failed \(exit -9\): no message$"),
                 ({"stdout": "oops"}, r"printed 'oops', not a list of samples$"),
                 ({"stdout": "[]"}, r"printed '\[\]', not a list of samples$")]
        for done, message in cases:
            with self.subTest(done=done):
                with self.assertRaisesRegex(calibrate.UserError,
                                            r"^ppe_transfer_cpu\(receive\) runs in a fresh "
                                            r"interpreter .*" + message):
                    self.fresh(**done)
        with self.assertRaises(ValueError):
            calibrate.ppe_transfer_cpu("recieve")


class TimerSlack(unittest.TestCase):
    DEFAULTS = {"gil_wake_latency": 5e-6, "resume_cost": 15e-6, "idle_exit_latency": 150e-6}

    def slack_us(self, rows):
        out = {}
        calibrate.derive_wakeups(rows, self.DEFAULTS, out)
        return round(out["timer_slack"][0] * 1e6, 6), out["timer_slack"][1]

    def test_a_busy_core_has_no_idle_exit_to_take_away(self):
        rows = [row("timed_wait_overshoot(5ms)", 2, 130.0, 129.0, 131.0),
                row("timed_wait_overshoot(5ms, busy core)", 1, 100.0, 99.0, 101.0)]
        slack, how = self.slack_us(rows)
        self.assertEqual(slack, 80.0)  # 100 less the wake-up (5) and the resume (15)
        self.assertTrue(how.startswith("timed_wait_overshoot(5ms, busy core) less"), how)

    def test_without_it_an_idle_core_exit_is_taken_away(self):
        rows = [row("timed_wait_overshoot(5ms)", 2, 230.0, 229.0, 231.0)]
        self.assertEqual(self.slack_us(rows)[0], 60.0)  # 230 - 5 - 15 - 150


class IdleExitRamp(unittest.TestCase):
    DEFAULTS = {"idle_poll_window": 200e-6}

    def derive(self, grid):
        rows = [row("wake_after_idle(50us)", 2, 20.0, 19.0, 21.0),
                row("wake_after_idle(5ms)", 2, 170.0, 169.0, 171.0)]
        rows += [row(f"wake_after_idle({us}us)", 2, extra + 20.0, 0, 0) for us, extra in grid]
        out = {}
        calibrate.derive_wakeups(rows, self.DEFAULTS, out)
        return {k: round(out[k][0] * 1e6, 3) for k in ("idle_exit_latency", "idle_exit_ramp")
                if k in out}

    def test_the_grid_fits_the_idle_time_where_the_exit_is_whole(self):
        # A 150 us exit that is whole at 2.2 ms: 0.5 us more per 10 us of idle past 200 us;
        # the points at and below the window and from 5 ms up do not count.
        grid = [(100, 0.0), (200, 40.0), (700, 37.5), (1200, 75.0), (1700, 112.5), (3000, 150.0)]
        self.assertEqual(self.derive(grid), {"idle_exit_latency": 150.0, "idle_exit_ramp": 2200.0})

    def test_one_point_past_the_window_is_no_fit(self):
        self.assertEqual(self.derive([(100, 0.0), (1000, 60.0)]), {"idle_exit_latency": 150.0})


class ThreadCosts(unittest.TestCase):
    DEFAULTS = {"context_switch": 10e-6, "thread_bootstrap": 20e-6}

    def derive_us(self, rows):
        out = {}
        calibrate.derive_threads(rows, self.DEFAULTS, out)
        return {k: round(v[0] * 1e6, 6) for k, v in out.items()
                if k in ("thread_start", "stack_map", "thread_exit", "stack_unmap")}

    def test_cached_stacks_split_a_start_and_an_end_from_their_stack_costs(self):
        rows = [row("thread_start_kept", 1, 110.0, 109.0, 111.0),
                row("thread_start_kept(cached stacks)", 1, 70.0, 69.0, 71.0),
                row("thread_object", 1, 4.0, 3.9, 4.1),
                row("thread_exit_chain", 1, 100.0, 99.0, 101.0),
                row("thread_exit_chain(cached stacks)", 1, 44.0, 43.0, 45.0)]
        self.assertEqual(self.derive_us(rows), {
            "thread_start": 34.0,  # 4 + 70 - 20 (bootstrap) - 2 x 10 (switches)
            "stack_map": 40.0,     # 110 - 70: the kept figure's median start maps a stack
            "thread_exit": 24.0,   # 44 - 2 x 10: the joiner's switch in and out
            "stack_unmap": 64.0})  # (100 - 44) x 32 / 28: four of 32 ends keep their stack

    def test_an_older_profile_keeps_the_fresh_stack_in_thread_start(self):
        rows = [row("thread_start_kept", 1, 110.0, 109.0, 111.0)]
        self.assertEqual(self.derive_us(rows), {"thread_start": 70.0})


class SampledThreadTime(unittest.TestCase):
    def setUp(self):
        wl._tls.unsampled = 0.0

    def test_long_ops_are_always_read(self):
        self.assertTrue(all(wl._sampled(2e-3) for _ in range(5)))

    def test_one_short_op_per_millisecond_of_them(self):
        picks = [wl._sampled(50e-6) for _ in range(100)]  # 5 ms of 50 us ops
        self.assertEqual(sum(picks), 5)
        self.assertTrue(picks[19] and not any(picks[:19]))  # the 20th completes 1 ms


class SubprocessSpeed(unittest.TestCase):
    def test_children_cpu_less_the_baseline_over_the_requests(self):
        ops = [(wl.SUBPROC, 1000, 0.0, -1.0, 0.025), (wl.CPU, 10, 0.0, -1.0, 0.001)]
        speed = realize.subprocess_speed([ops, ops], 0.055, 0.0005)
        self.assertAlmostEqual(speed["subprocess"]["factor"], (0.055 - 0.001) / 0.05)

    def test_no_subprocess_op_no_figure(self):
        self.assertEqual(realize.subprocess_speed([[(wl.CPU, 10, 0.0, -1.0, 0.001)]], 1.0, 0.0),
                         {})


class WorkerSpeeds(unittest.TestCase):
    def test_each_worker_with_enough_checked_work(self):
        slow = [(wl.CPU, 1, 0.0, 0.0011, 0.001)] * 20   # 20 ms at x1.1
        fast = [(wl.CPU, 1, 0.0, 0.0009, 0.001)] * 20   # 20 ms at x0.9
        brief = [(wl.CPU, 1, 0.0, 0.002, 0.001)] * 5    # 5 ms: too little to judge
        unread = [(wl.CPU, 1, 0.0, -1.0, 0.001)] * 50   # no thread clock read
        res = realize.RunResult(0.1, [(0, "a", slow), (1, "b", fast), (2, "c", brief),
                                      (3, "d", unread)], 0.0)
        speeds = realize.worker_speeds(res)
        self.assertEqual(sorted(round(f, 3) for f in speeds["cpu"]), [0.9, 1.1])

    def test_a_worker_is_its_tasks_together(self):
        half = [(wl.CPU, 1, 0.0, 0.006, 0.006)]
        res = realize.RunResult(0.1, [(0, 7, half), (1, 7, half)], 0.0)
        self.assertEqual(realize.worker_speeds(res), {"cpu": [1.0]})


class WinnerCheck(unittest.TestCase):
    def case(self, name, predicted, measured):
        return {"strategy": name, "predicted_s": predicted, "error": 0.0,
                "measured_s": {"median": measured}}

    def winner(self, cases):
        pred_best = min(cases, key=lambda c: c["predicted_s"])
        meas_best = min(cases, key=lambda c: c["measured_s"]["median"])
        return validate.winner_right(pred_best, meas_best, 0.03)

    def test_measured_tie_counts(self):
        self.assertTrue(self.winner([self.case("a", 1.0, 1.02), self.case("b", 1.1, 1.0)]))

    def test_a_tie_gilsim_called_counts(self):
        self.assertTrue(self.winner([self.case("a", 1.000, 1.10), self.case("b", 1.009, 1.0)]))

    def test_a_clear_miss_does_not(self):
        self.assertFalse(self.winner([self.case("a", 1.0, 1.10), self.case("b", 1.02, 1.0)]))


def switch(cpu, t, prev, prev_pid, state, nxt, nxt_pid):
    return (f"[{cpu:03d}] {t:.6f}: sched:sched_switch: prev_comm={prev} prev_pid={prev_pid} "
            f"prev_prio=120 prev_state={state} ==> next_comm={nxt} next_pid={nxt_pid} "
            "next_prio=120")


def wakeup(cpu, t, comm, pid, target):
    return f"[{cpu:03d}] {t:.6f}: sched:sched_wakeup: comm={comm} pid={pid} prio=120 target_cpu={target:03d}"


class RunQueue(unittest.TestCase):
    def test_each_kind_of_wait(self):
        lines = [
            switch(0, 1.000, "swapper/0", 0, "R", "py", 10),   # 10 runs on core 0
            switch(1, 1.000, "swapper/1", 0, "R", "py", 11),   # 11 runs on core 1
            wakeup(0, 1.001, "py", 12, 0),                     # 12 queued on busy core 0
            switch(1, 1.003, "py", 11, "S", "swapper/1", 0),   # core 1 idles: 12 stays queued
            wakeup(0, 1.004, "py", 11, 1),                     # 11 woken onto idle core 1
            switch(1, 1.0045, "swapper/1", 0, "R", "py", 11),
            switch(0, 1.006, "py", 10, "R", "py", 12),         # 10 preempted, queued, cores busy
            switch(0, 1.007, "py", 12, "S", "py", 10),
            switch(0, 1.008, "py", 10, "S", "swapper/0", 0),
        ]
        total = run_queue.classify(lines, "py", 2)
        self.assertAlmostEqual(total[run_queue.KINDS[0]], 0.0005)
        # 12: 1.001-1.003 with both busy, 1.003-1.004 while core 1 idled, 1.004-1.006 busy.
        self.assertAlmostEqual(total[run_queue.KINDS[1]], 0.0010 + 0.0005)
        self.assertAlmostEqual(total[run_queue.KINDS[2]], 0.0020 + 0.0015 + 0.0010)
        self.assertAlmostEqual(total["idle core time"], 0.0015)

    def test_other_programs_are_not_counted(self):
        lines = [switch(0, 1.0, "swapper/0", 0, "R", "cc", 5), wakeup(0, 1.1, "ld", 6, 0),
                 switch(0, 1.2, "cc", 5, "S", "ld", 6)]
        total = run_queue.classify(lines, "py", 1)
        self.assertEqual(sum(total[k] for k in run_queue.KINDS), 0.0)


class SpeedLevel(unittest.TestCase):
    def test_log_linear_between_the_figures_and_flat_outside(self):
        level = [(1e3, 10e-9), (1e5, 40e-9)]
        self.assertAlmostEqual(realize.expected_per_iter(level, 1e4), 20e-9)
        self.assertEqual(realize.expected_per_iter(level, 10), 10e-9)
        self.assertEqual(realize.expected_per_iter(level, 1e7), 40e-9)

    def test_each_point_against_the_level_at_its_own_size(self):
        level = [(1e3, 40e-9), (1e5, 60e-9)]
        ratios = realize.level_ratios([(1e3, 40e-9), (1e5, 90e-9), (1e4, 20e-9)], level)
        self.assertEqual([round(r, 3) for r in ratios], [1.0, 1.5, 0.408])

    def test_one_point_off_the_level_is_calibrated_again(self):
        cal = realize.Calibration.__new__(realize.Calibration)
        cal.level = [(1e3, 40e-9), (1e6, 40e-9)]
        cal.warnings = []
        off = [(d, n, n * 40e-9) for d, n in ((1e-4, 2500), (1e-3, 25000))] + [(5e-5, 833, 5e-5)]
        cal.engines = {"cpu": realize.Engine("cpu", "iterations", None, 1, 1, points=off)}
        recalibrated = []

        def calibrate_kind(kind):  # the next calibration finds every point at the level
            recalibrated.append(kind)
            cal.engines["cpu"].points = [(d, n, n * 40e-9) for d, n, _ in off]

        cal.calibrate_kind = calibrate_kind
        with mock.patch.object(realize.time, "sleep"), mock.patch.object(realize, "log"):
            cal.match_level()
        self.assertEqual(recalibrated, ["cpu"])  # the median point was at the level; one was not
        self.assertEqual(cal.warnings, [])

    def test_reads_the_spin_figures_of_a_profile(self):
        import json
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"measured": {"figures": [
                {"figure": "spin_ns_per_iter(n=1e6)", "median": 21.0},
                {"figure": "pipe_MBps", "median": 9.0},
                {"figure": "spin_ns_per_iter(n=1e3)", "median": 17.0}]}}, f)
        self.addCleanup(os.unlink, f.name)
        level = realize.spin_level(f.name)
        self.assertEqual([n for n, _ in level], [1e3, 1e6])
        self.assertEqual([round(s * 1e9, 6) for _, s in level], [17.0, 21.0])

        class Sc:
            name = "s"

        def measured(ns):
            return {"calibration": {"cpu": {"points": [{"size": 1000, "ns_per_unit": ns}]}}}

        self.assertIsNone(validate.level_note(Sc, measured(18.0), f.name))
        self.assertIn("x0.57 of the profile's speed", validate.level_note(Sc, measured(30.0), f.name))


class MeasuredCores(unittest.TestCase):
    def test_predicted_on_the_cores_it_was_measured_on(self):
        # realize.py --cores 1 ran a 2-core scenario pinned to one CPU: compare like with like.
        sc = validate.load_scenario(str(ROOT / "scenarios/validation/processes-fork.json"))
        pool = next(s.index for s in sc.strategies if s.kind == "processes")

        def pool_case(cores):
            runs = [{"index": s.index, "wall_s": {"median": 0.2, "min": 0.2, "max": 0.2}}
                    for s in sc.strategies]
            measured = {"results": runs} | ({"cores": cores} if cores else {})
            report, _ = validate.evaluate(sc, measured, GILSIM, None, 0.03)
            return report["cases"][pool]

        on_one, on_two, unsaid = pool_case(1), pool_case(2), pool_case(None)
        self.assertEqual((on_one["cores"], on_two["cores"], unsaid["cores"]), (1, 2, 2))
        # Two workers' 100 ms halves run side by side on two cores, one after the other on one.
        self.assertGreater(on_one["predicted_s"], on_two["predicted_s"] + 0.09)
        self.assertEqual((on_one["naive_s"], on_two["naive_s"]), (0.2, 0.1))
        self.assertEqual(unsaid["predicted_s"], on_two["predicted_s"])

if __name__ == "__main__":
    sys.exit(harness.main(__name__, str(ROOT / "build" / "gilsim")))
