"""Where a real program's threads waited for a core: run it under `perf sched record` and
split the time each runnable thread spent without a core three ways.

- woken onto an idle core: from the wake-up to running there (the IPI, the idle exit);
- queued on a busy core while another core idled: the scheduler kept it on its core's run
  queue (per-core queues, balanced only now and then; a thread that ran there in the last
  sched_migration_cost, 0.5 ms, counts as cache-hot and is not pulled);
- queued with every core busy: what a single, fair run queue would also make it wait.

gilsim's kernel has one global run queue (docs/model.md), so in the model the second kind is
always zero; this tool measures how much of it a real run has.  Linux only, needs perf.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable

from .common import UserError
from .common import log as _log

TOOL = "run_queue"

SWITCH = re.compile(r"\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch: prev_comm=(.*?) prev_pid=(\d+) "
                    r"prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)")
WAKEUP = re.compile(r"\[(\d+)\]\s+([\d.]+):\s+sched:sched_wakeup(?:_new)?: comm=(.*?) pid=(\d+) "
                    r"prio=\d+ target_cpu=(\d+)")
MIGRATE = re.compile(r"\[(\d+)\]\s+([\d.]+):\s+sched:sched_migrate_task: comm=(.*?) pid=(\d+) "
                     r"prio=\d+ orig_cpu=(\d+) dest_cpu=(\d+)")

KINDS = ("woken onto an idle core", "queued on a busy core while another idled",
         "queued with every core busy")


def log(msg: str) -> None:
    _log(TOOL, msg)


def classify(lines: Iterable[str], comm: str, cpus: int) -> dict[str, float]:
    """Seconds of waiting of each kind, summed over the threads named `comm`, and the cores'
    idle time ("idle core time"), from `perf script` lines of sched events."""
    running = {c: 0 for c in range(cpus)}  # pid 0: the idle task
    waiting: dict[int, int] = {}  # runnable pid -> the core whose queue holds it
    names: dict[int, str] = {}
    total = dict.fromkeys(KINDS + ("idle core time",), 0.0)
    last = None
    for line in lines:
        m = SWITCH.search(line) or WAKEUP.search(line) or MIGRATE.search(line)
        if not m:
            continue
        now = float(m.group(2))
        if last is not None:
            dt = now - last
            idle = [c for c, pid in running.items() if pid == 0]
            total["idle core time"] += len(idle) * dt
            for pid, core in waiting.items():
                if names.get(pid) != comm:
                    continue
                if running.get(core) == 0:
                    total[KINDS[0]] += dt
                elif idle:
                    total[KINDS[1]] += dt
                else:
                    total[KINDS[2]] += dt
        last = now
        if m.re is SWITCH:
            core, prev, nxt = int(m.group(1)), int(m.group(4)), int(m.group(7))
            names[prev], names[nxt] = m.group(3), m.group(6)
            if prev and m.group(5).startswith("R"):  # preempted: still runnable, on this core
                waiting[prev] = core
            waiting.pop(nxt, None)
            running[core] = nxt
        elif m.re is WAKEUP:
            pid = int(m.group(4))
            names[pid] = m.group(3)
            if pid not in running.values():
                waiting[pid] = int(m.group(5))
        elif int(m.group(4)) in waiting:
            waiting[int(m.group(4))] = int(m.group(6))
    return total


def record(command: list[str], data: str) -> None:
    if shutil.which(command[0]) is None:
        raise UserError(f"cannot run {command[0]!r}: no such program (give a path, or a "
                        "program on PATH)")
    if shutil.which("perf") is None:
        raise UserError("perf is not installed; install it (Debian: apt-get install linux-perf) "
                        "and run again")
    done = subprocess.run(["perf", "sched", "record", "-q", "-o", data, "--", *command],
                          stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise UserError(f"`perf sched record -- {' '.join(command)}` failed (exit "
                        f"{done.returncode}): {tail[0]}; perf needs access to the sched "
                        "tracepoints (run as root, or lower kernel.perf_event_paranoid)")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="run_queue.py", description=__doc__.split("\n\n")[0],
        epilog="example: tools/run_queue.py -- python3 my_pool.py")
    ap.add_argument("--comm", help="count the threads with this name (default: the command's "
                    "program name, e.g. python3)")
    ap.add_argument("command", nargs="+", help="the program to run, after --")
    args = ap.parse_args(argv)
    comm = args.comm or os.path.basename(args.command[0])[:15]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "sched.data")
            record(args.command, data)
            script = subprocess.run(["perf", "script", "-i", data, "-F", "cpu,time,event,trace"],
                                    capture_output=True, text=True)
            if script.returncode != 0:
                raise UserError(f"`perf script` failed (exit {script.returncode}): "
                                f"{script.stderr.strip()[:200]}")
        total = classify(script.stdout.splitlines(), comm, os.cpu_count() or 1)
    except UserError as e:
        print(f"{TOOL}: error: {e}", file=sys.stderr)
        return 2
    waited = sum(total[k] for k in KINDS)
    print(f"threads named {comm!r} waited {waited * 1e3:.1f} ms for a core in all "
          f"({os.cpu_count()} cores; {total['idle core time'] * 1e3:.1f} ms of idle core time):")
    for k in KINDS:
        share = total[k] / waited if waited else 0.0
        print(f"  {k:<44} {total[k] * 1e3:9.1f} ms  {share:6.1%}")
    return 0
