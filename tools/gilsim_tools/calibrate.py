"""Measure this host's machine profile and write it as a profile file gilsim reads (--profile).

Every figure is measured --runs times (default 5); a run takes many samples and keeps their
median; a figure is the median of its run medians, with the spread (min .. max of the run
medians) and the last run's p10 / p90.  Before each figure the tool waits until no other
process uses the CPUs (as realize.py does) and records how much they used meanwhile.  Figures
that depend on the core count are measured pinned to 1 CPU and to 2 (or the host's count).

The profile file:
  "params"    the parameters `gilsim profile --format json` lists (asked at run time, so this
              tool keeps up with the model), as duration strings in whole nanoseconds, each
              derived from the figures below as "how" in "measured"/"derivations" says;
  "measured"  every figure with its spread, including those no parameter uses yet: process start
              per start method, pickling and pipe throughput, ProcessPoolExecutor and asyncio
              per-task costs, subprocess fork/exec, the busy loop's speed.

Figures (samples of one run):
  spin_ns_per_iter(n)         `for i in range(n): x ^= i` per iteration (realize's cpu op) at
                              n = 1e3, 5e4, 1e6: short loops are faster (small-int cache)
  sha256_ns_per_byte, sum_ns_per_byte   realize's native and native_gil ops, per byte
  pipe_read_1byte             os.read(fd, 1) on a pipe holding data (realize's short io op)
  event_pingpong_half_rtt     two threads bounce a threading.Event: round trip / 2
  wake_after_idle(x)          the same wake of a thread blocked for x while the waker spins;
                              on 2 cores also over a grid of x from 75 us to 3 ms: where an
                              idle vCPU stops polling and halts, and how its exit grows with
                              the idle time (idle_exit_ramp); a timer's wake of a halted vCPU
                              costs somewhat less than this cross-CPU one (not modelled)
  wake_cpu_waker, _wakee      wake_after_idle(50us)'s CPU time: the waker's across set(), the
                              sleeper's across its wait(), less the same calls with no sleeper
  sched_tick                  1/CONFIG_HZ, read from /proc/config.gz (when the kernel has it)
  gil_handoff                 two CPU-bound threads; at every change of GIL holder, the gap
                              between the old holder's last and the new holder's first
                              timestamp (taken every ~2 us of work): drop -> signal -> wake ->
                              take, the cost of one forced switch
  gil_hold_per_switch         the time between holder changes (expect the switch interval)
  timed_wait_overshoot(5ms)   Lock.acquire(timeout=5ms) on a held lock, late by (take_gil waits so)
  timed_wait_overshoot(5ms, busy core)   the same, another process spinning on the waiter's
                              one core: no idle exit in it (fits timer_slack)
  sleep_overshoot(d)          time.sleep(d) late by, d = 100us, 1ms, 5ms (realize's io op)
  thread_start, thread_start_join   Thread(target=noop).start(), and with .join()
  thread_start_kept           start() of 32 threads that stay alive (most need a new stack:
                              glibc's cache keeps four of the default 8 MiB stacks)
  thread_start_kept(cached stacks)   the same with 256 KiB stacks, which the cache keeps
  thread_object               threading.Thread(target=noop) made (before start()), per thread
  thread_exit_chain           32 threads blocked in SimpleQueue.get() pass one None on and
                              return, the main thread joins them: a pool's shutdown, per thread
  thread_exit_chain(cached stacks)   the same with 256 KiB stacks (no munmap at exit)
  tpe_submit_result           ThreadPoolExecutor(1).submit(noop).result(), pool warm
  tpe_map_per_item            list(ThreadPoolExecutor(4).map(noop, range(2000))) / 2000
  tpe_submit                  submit(noop) to a pool whose one worker is busy, per call
  semaphore_acquire(_empty)   threading.Semaphore.acquire(timeout=0) with a count to take (and
                              with none), one thread: the pool's _idle_semaphore in submit()
  semaphore_release           threading.Semaphore.release(): a pool worker after each task
  process_start(m)            multiprocessing Process(target=noop).start(); join(), per start
                              method m (forkserver: the server running; its own start apart)
  process_start_call(m)       Process.start() alone: the parent's part of the start method
  process_exit(m)             join() after the child's last message (fork, spawn)
  forkserver_server_start     starting a fresh forkserver (the first forkserver Process)
  ppe_first_result(m)         ProcessPoolExecutor(2) created -> first trivial result (fork: on 1
                              core too, which fits fork_child; 2 cores fit fork_child_shootdowns;
                              forkserver: fits the server's forkserver_startup, or without the
                              warm server's figure forkserver_child)
  ppe_first_result(forkserver, warm server)   the same while the server already runs, on 1
                              core (fits forkserver_child)
  ppe_first_result(forkserver, warm server, 2 calls)   two calls at once, both workers starting,
                              until the last result, on 2 cores (fits forkserver_child_shootdowns)
  cow_fault(child)            a forked child's copy-on-write fault, CPU time per page
  cow_fault(child, parent too)   the same while the parent writes the same pages (no parameter)
  ppe_shutdown(m)             shutdown(wait=True) of a warm ProcessPoolExecutor(2)
  ppe_submit_result(m)        a warm pool's trivial submit -> result round trip
  ppe_map_per_item(k)         fork pool of 2: map(noop, range(N), chunksize=k) per item, k = 1, 64
  pickle_dumps/loads_MBps     pickle of a 4 MB bytes object (protocol 5 default)
  pipe_MBps                   4 MB through multiprocessing Connection send_bytes/recv_bytes to a
                              forked child and back (one direction counted)
  ppe_transfer_cpu(side)      CPU per MiB of the sending and of the receiving process, a 4 MiB
                              argument and a 4 MiB result through a warm fork pool of one, in a
                              fresh interpreter (its allocator's state is a new program's)
  asyncio_task_gather         create_task + gather of a trivial coroutine, per task
  asyncio_sleep0              `await asyncio.sleep(0)`, per iteration
  asyncio_to_thread           `await asyncio.to_thread(noop)` round trip
  subprocess_run(true)        subprocess.run(["true"]): fork/exec/wait of a trivial command
  subprocess_run(seq 1)       the baseline realize.py subtracts from its subprocess op
  subprocess_popen(seq 1)     Popen([seq, 1]) returning in the parent (fork_exec, GIL held)

Output: the profile JSON (stdout, or --output FILE written whole or not at all) and a table of
figures on stderr.  Exit status 0, 2 for bad usage (e.g. gilsim not found), 130 if interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import functools
import json
import mmap
import multiprocessing
import os
import pickle
import platform
import queue
import statistics
import subprocess
import sys
import threading
import time
from typing import Any, Callable

from . import fit
from . import workload as wl
from .common import TOOLS_DIR, UserError, duration_text, quantile, write_atomically
from .common import log as _log
from .hostload import LoadMonitor

TOOL = "calibrate"
SCHEMA_VERSION = 1
pc = time.perf_counter


def log(msg: str) -> None:
    _log(TOOL, msg)


noop = wl.noop


# --------------------------------------------------------------------------------------------
# Measurements: each returns the samples of one run (seconds, or a rate)


def spin_per_iter(n: int) -> list[float]:
    reps = max(5, min(2000, int(0.2 / (n * 25e-9))))
    wl.spin(n)
    out = []
    for _ in range(reps):
        t0 = pc()
        wl.spin(n)
        out.append((pc() - t0) / n)
    return out


def event_pingpong(rounds: int = 1000) -> list[float]:
    ping, pong = threading.Event(), threading.Event()

    def partner() -> None:
        for _ in range(rounds):
            ping.wait()
            ping.clear()
            pong.set()

    th = threading.Thread(target=partner)
    th.start()
    out = []
    for _ in range(rounds):
        t0 = pc()
        ping.set()
        pong.wait()
        pong.clear()
        out.append((pc() - t0) / 2)
    th.join()
    return out[50:]


def wake_rounds(idle: float, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Wake a thread that has been blocked for `idle` while the waker spins, `rounds` times:
    the latency from set() to the woken thread running, the waker's thread time across set(),
    the sleeper's across its wait().  In seconds."""
    tt = time.thread_time
    go, done = threading.Event(), threading.Event()
    woke = [0.0]
    latency, waker, wakee = [], [], []

    def partner() -> None:
        for _ in range(rounds):
            c0 = tt()
            go.wait()
            woke[0] = pc()
            wakee.append(tt() - c0)
            go.clear()
            done.set()

    th = threading.Thread(target=partner)
    th.start()
    for _ in range(rounds):
        end = pc() + idle
        while pc() < end:
            wl.spin(100)
        c0 = tt()
        t0 = pc()
        go.set()
        waker.append(tt() - c0)
        done.wait()
        done.clear()
        latency.append(woke[0] - t0)
    th.join()
    return latency, waker, wakee


def wake_after_idle(idle: float, rounds: int) -> list[float]:
    """Latency to wake a thread that has been blocked for `idle` while the waker spins: on
    this VM a vCPU idle for more than ~1 ms can be slow to wake (the host reschedules it)."""
    return wake_rounds(idle, rounds)[0]


def wake_cpu(side: str, rounds: int, idle: float = 50e-6) -> list[float]:
    """CPU time of a wake-up, as wake_after_idle(50us) makes it: the waker's thread time across
    Event.set() with the partner asleep, or the partner's across its blocking Event.wait(),
    each less the same call when nobody sleeps (the bytecode, which the model charges
    elsewhere).  The rest is the kernel's: the IPI that kicks the idle core (a VM exit in a
    KVM guest) and the way back to user code.  In seconds."""
    _, waker, wakee = wake_rounds(idle, rounds)
    # The same call with nobody asleep: set() on a clear Event, wait() on a set one.
    tt = time.thread_time
    quiet = threading.Event()
    call, ready = (quiet.set, quiet.clear) if side == "waker" else (quiet.wait, quiet.set)
    base = []
    for _ in range(rounds):
        ready()
        t0 = tt()
        call()
        base.append(tt() - t0)
    rest = statistics.median(base)
    return [x - rest for x in (waker if side == "waker" else wakee)]


def kernel_hz() -> int | None:
    """CONFIG_HZ of the running kernel, from /proc/config.gz (None if it is not there)."""
    import gzip
    try:
        with gzip.open("/proc/config.gz", "rt") as f:
            for line in f:
                if line.startswith("CONFIG_HZ="):
                    return int(line.split("=", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def per_byte(fn: Callable[[int], None], nbytes: int = 1 << 20, n: int = 60) -> list[float]:
    wl.ensure_buffer(nbytes)
    fn(nbytes)
    out = []
    for _ in range(n):
        t0 = pc()
        fn(nbytes)
        out.append((pc() - t0) / nbytes)
    return out


def pipe_read_1byte(n: int = 20000) -> list[float]:
    r, w = os.pipe()
    os.write(w, b"x" * n)
    out = []
    for _ in range(n):
        t0 = pc()
        os.read(r, 1)
        out.append(pc() - t0)
    os.close(r)
    os.close(w)
    return out


def gil_switches(duration: float = 1.0) -> tuple[list[float], list[float]]:
    """Two CPU-bound threads stamp the time every ~2 us of work; returns (hand-off gaps,
    holds between holder changes)."""
    stamps: list[tuple[float, int]] = []
    stop = [False]

    def worker(me: int) -> None:
        append = stamps.append
        while not stop[0]:
            append((pc(), me))
            wl.spin(60)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    time.sleep(duration)  # the main thread sleeps: it does not compete for the GIL
    stop[0] = True
    for th in threads:
        th.join()
    gaps, changes = [], []
    for (t0, a), (t1, b) in zip(stamps, stamps[1:]):
        if a != b:
            gaps.append(t1 - t0)
            changes.append(t1)
    holds = [b - a for a, b in zip(changes[1:], changes[2:])]
    return gaps[1:], holds


def timed_wait_overshoot(timeout: float = 0.005, n: int = 60) -> list[float]:
    lock = threading.Lock()
    lock.acquire()
    out = []
    for _ in range(n):
        t0 = pc()
        lock.acquire(timeout=timeout)
        out.append(pc() - t0 - timeout)
    return out


def timed_wait_overshoot_busy(n: int = 60) -> list[float]:
    """timed_wait_overshoot with another process spinning on the waiter's core (the caller
    pins this one to a single core; the spinner inherits it): the timer fires on a core that
    is running, so no idle exit is in the figure, only the timer's slack and the wake-up."""
    spinner = subprocess.Popen([sys.executable, "-I", "-c", "while True: pass"])
    try:
        time.sleep(0.05)  # let it reach its loop
        return timed_wait_overshoot(n=n)
    finally:
        spinner.kill()
        spinner.wait()


def sleep_overshoot(d: float, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = pc()
        time.sleep(d)
        out.append(pc() - t0 - d)
    return out


def thread_start(n: int = 200, join: bool = False) -> list[float]:
    out = []
    for _ in range(n):
        th = threading.Thread(target=noop)
        t0 = pc()
        th.start()
        if join:
            th.join()
        out.append(pc() - t0)
        if not join:
            th.join()
    return out


POOL_THREADS = 32  # threads alive at once in the thread figures, as in a full pool
CACHED_STACK = 256 * 1024  # small enough that glibc's 40 MiB stack cache keeps every one
CACHED_STACKS = 4  # default 8 MiB stacks that cache keeps (sim/threading.cpp kCachedStacks)


def thread_start_kept(batches: int = 6, threads: int = POOL_THREADS) -> list[float]:
    """start() while the threads started before stay alive, as a pool's workers do: all but
    the CACHED_STACKS that glibc kept from the last batch need a fresh stack."""
    out = []
    for _ in range(batches):
        release = threading.Event()
        alive = [threading.Thread(target=release.wait) for _ in range(threads)]
        for th in alive:
            t0 = pc()
            th.start()
            out.append(pc() - t0)
        release.set()
        for th in alive:
            th.join()
    return out


def with_stack_size(size: int, fn: Callable[[], list[float]]) -> list[float]:
    """fn() with threads made at this stack size (0: the default, RLIMIT_STACK)."""
    old = threading.stack_size(size)
    try:
        return fn()
    finally:
        threading.stack_size(old)


def thread_object(n: int = 2000) -> list[float]:
    """threading.Thread(target=noop): the object a pool makes before start() (its name, its
    Event, its tstate lock slot), per thread."""
    out = []
    for _ in range(n // 100):
        t0 = pc()
        for _ in range(100):
            threading.Thread(target=noop)
        out.append((pc() - t0) / 100)
    return out


def thread_start_kept_cached(batches: int = 6, threads: int = POOL_THREADS) -> list[float]:
    """thread_start_kept with stacks glibc's cache keeps: one batch first fills the cache, so
    every start timed reuses a stack (no mmap, no fresh stack pages)."""
    def run() -> list[float]:
        thread_start_kept(1, threads)
        return thread_start_kept(batches, threads)
    return with_stack_size(CACHED_STACK, run)


def thread_exit_chain(rounds: int = 6, threads: int = POOL_THREADS,
                      stack: int = 0) -> list[float]:
    """A thread pool's shutdown without the pool, per thread: `threads` threads blocked in
    SimpleQueue.get() in start order; one None goes in, each thread passes it on and returns
    (as ThreadPoolExecutor's workers pass the sentinel), the main thread joins them in start
    order.  With default stacks glibc's cache keeps CACHED_STACKS and unmaps the others' as
    they exit; with `stack` = CACHED_STACK it keeps them all (one round first fills it)."""
    def relay(q: Any) -> None:
        q.get()
        q.put(None)

    def run() -> list[float]:
        out = []
        for r in range(rounds + 1):
            q = queue.SimpleQueue()
            alive = [threading.Thread(target=relay, args=(q,)) for _ in range(threads)]
            for th in alive:
                th.start()
            time.sleep(0.01)  # every thread blocked in get()
            t0 = pc()
            q.put(None)
            for th in alive:
                th.join()
            if r:
                out.append((pc() - t0) / threads)
        return out
    return with_stack_size(stack, run)


def tpe_submit_result(n: int = 1000) -> list[float]:
    out = []
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        for _ in range(50):
            ex.submit(noop).result()
        for _ in range(n):
            t0 = pc()
            ex.submit(noop).result()
            out.append(pc() - t0)
    return out


def tpe_submit(batches: int = 10, items: int = 1000) -> list[float]:
    """submit() alone: a pool of one worker kept busy, so every call finds the idle semaphore
    empty and starts no thread (the Future, the work item, the put, _adjust_thread_count)."""
    out = []
    for _ in range(batches):
        busy = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            ex.submit(busy.wait)
            time.sleep(0.01)
            t0 = pc()
            for _ in range(items):
                ex.submit(noop)
            out.append((pc() - t0) / items)
            busy.set()
    return out


def semaphore_op(op: str, n: int = 20000) -> list[float]:
    """ThreadPoolExecutor's _idle_semaphore, one thread: acquire(timeout=0) with a count to take
    ("acquire"), with none ("acquire_empty": Condition.wait(0) allocates a lock and gives up),
    and release()."""
    sem = threading.Semaphore(0)
    out = []
    for _ in range(n):
        if op == "acquire":
            sem.release()
        t0 = pc()
        if op == "release":
            sem.release()
        else:
            sem.acquire(timeout=0)
        out.append(pc() - t0)
    return out


def tpe_map_per_item(batches: int = 10, items: int = 2000) -> list[float]:
    out = []
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        list(ex.map(noop, range(200)))
        for _ in range(batches):
            t0 = pc()
            list(ex.map(noop, range(items)))
            out.append((pc() - t0) / items)
    return out


def process_start(method: str, n: int, call_only: bool = False) -> list[float]:
    """Process(target=noop).start() and join(), or (call_only) how long start() alone keeps the
    parent busy: fork's os.fork, spawn's fork_exec and preparation data, forkserver's request
    to a running server."""
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        _start_forkserver(ctx)
    out = []
    for _ in range(n):
        t0 = pc()
        p = ctx.Process(target=noop)
        if call_only:
            t0 = pc()
        p.start()
        if call_only:
            out.append(pc() - t0)
        p.join()
        if not call_only:
            out.append(pc() - t0)
    return out


COW_PAGES = 4096  # 16 MiB: long enough to time on any host, short enough to repeat


def cow_fault(both: bool, n: int = 3) -> list[float]:
    """The CPU time of one copy-on-write fault: a forked child writes a byte to each page of a
    private mapping its parent wrote before the fork, less a second pass over the same pages
    (the loop alone).  both: the parent writes the same pages meanwhile, as a pool's parent
    does while its children start (on the Zen 5 PVM guest: 28 us against 15 alone)."""
    size = COW_PAGES * mmap.PAGESIZE
    buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    buf.madvise(mmap.MADV_NOHUGEPAGE)  # 4 KiB pages: one fault per page, as a heap takes them
    pages = range(0, size, mmap.PAGESIZE)
    for off in pages:
        buf[off] = 1
    out = []
    for _ in range(n):
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:
            _time_child_faults(buf, pages, writer)
        os.close(writer)
        if both:
            for off in pages:
                buf[off] = 1
        report = os.read(reader, 64)
        os.close(reader)
        os.waitpid(pid, 0)
        if not report:
            raise UserError("cow_fault: the forked child died before it reported")
        out.append(float(report) / COW_PAGES)
    buf.close()
    return out


def _time_child_faults(buf: mmap.mmap, pages: range, writer: int) -> None:
    """In the forked child: report its faults' CPU time and leave at once, whatever happens
    (the child must never return into the calibration)."""
    try:
        c0 = time.process_time()
        for off in pages:
            buf[off] = 2
        c1 = time.process_time()
        for off in pages:
            buf[off] = 3
        c2 = time.process_time()
        os.write(writer, repr((c1 - c0) - (c2 - c1)).encode())
    finally:
        os._exit(0)


def process_exit(method: str, n: int) -> list[float]:
    """join() of a child after its target's last message: the child's exit (atexit, os._exit;
    spawn: Py_Finalize too) until its sentinel fires."""
    ctx = multiprocessing.get_context(method)
    out = []
    for _ in range(n):
        reader, writer = ctx.Pipe(duplex=False)
        p = ctx.Process(target=wl.send_last_message, args=(writer,))
        p.start()
        writer.close()
        reader.recv_bytes()
        t0 = pc()
        p.join()
        out.append(pc() - t0)
        reader.close()
    return out


def _start_forkserver(ctx) -> None:
    """One trivial Process: the server is running from here on."""
    p = ctx.Process(target=noop)
    p.start()
    p.join()


def _stop_forkserver() -> None:
    from multiprocessing import forkserver
    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def forkserver_server_start(n: int = 3) -> list[float]:
    """A first forkserver Process (server start + one child) less a warm one."""
    ctx = multiprocessing.get_context("forkserver")
    out = []
    for _ in range(n):
        _stop_forkserver()
        t0 = pc()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        first = pc() - t0
        t0 = pc()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        out.append(first - (pc() - t0))
    _stop_forkserver()
    return out


def ppe_first_result(method: str, n: int = 3) -> list[float]:
    ctx = multiprocessing.get_context(method)
    out = []
    for _ in range(n):
        if method == "forkserver":
            _stop_forkserver()  # a fresh server each time, as a program starting a pool pays
        t0 = pc()
        ex = concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx)
        ex.submit(noop).result()
        out.append(pc() - t0)
        ex.shutdown()
    return out


def ppe_first_result_warm(calls: int, n: int = 3) -> list[float]:
    """A fresh forkserver ProcessPoolExecutor(2) while the server already runs: `calls` trivial
    calls submitted at once, until the last result.  With two, both workers start together (a
    pool starts one per call that finds none idle); the first one up may take both calls."""
    ctx = multiprocessing.get_context("forkserver")
    _stop_forkserver()
    _start_forkserver(ctx)
    out = []
    for _ in range(n):
        t0 = pc()
        ex = concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx)
        for f in [ex.submit(noop) for _ in range(calls)]:
            f.result()
        out.append(pc() - t0)
        ex.shutdown()
    _stop_forkserver()
    return out


def ppe_shutdown(method: str, n: int = 3) -> list[float]:
    ctx = multiprocessing.get_context(method)
    out = []
    for _ in range(n):
        ex = concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx)
        list(ex.map(noop, range(8)))
        t0 = pc()
        ex.shutdown(wait=True)
        out.append(pc() - t0)
    return out


def ppe_submit_result(method: str, n: int = 200) -> list[float]:
    ctx = multiprocessing.get_context(method)
    out = []
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
        for _ in range(20):
            ex.submit(noop).result()
        for _ in range(n):
            t0 = pc()
            ex.submit(noop).result()
            out.append(pc() - t0)
    return out


def ppe_map_per_item(chunksize: int, items: int = 3000, batches: int = 3) -> list[float]:
    ctx = multiprocessing.get_context("fork")
    out = []
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        list(ex.map(noop, range(100)))
        for _ in range(batches):
            t0 = pc()
            list(ex.map(noop, range(items), chunksize=chunksize))
            out.append((pc() - t0) / items)
    return out


MIB = 1 << 20
PAYLOAD = 4 * MIB


def pickle_rate(loads: bool, n: int = 30) -> list[float]:
    data = b"\x5a" * PAYLOAD
    blob = pickle.dumps(data)
    out = []
    for _ in range(n):
        t0 = pc()
        if loads:
            pickle.loads(blob)
        else:
            pickle.dumps(data)
        out.append(PAYLOAD / (pc() - t0) / 1e6)
    return out


def _echo_child(conn) -> None:
    while True:
        data = conn.recv_bytes()
        if not data:
            return
        conn.send_bytes(data)


def pipe_rate(n: int = 15) -> list[float]:
    ctx = multiprocessing.get_context("fork")
    a, b = ctx.Pipe()
    p = ctx.Process(target=_echo_child, args=(b,))
    p.start()
    data = b"\x5a" * PAYLOAD
    a.send_bytes(data)
    a.recv_bytes()
    out = []
    for _ in range(n):
        t0 = pc()
        a.send_bytes(data)
        a.recv_bytes()
        out.append(2 * PAYLOAD / (pc() - t0) / 1e6)
    a.send_bytes(b"")
    p.join()
    return out


def _process_cpu(_: object = None) -> float:
    return time.process_time()


@functools.cache
def _payload_result(_: object) -> bytes:
    """The worker's result, made once (as realize.py's is): only its transfer is timed."""
    return b"\x5a" * PAYLOAD


TRANSFER_SIDES = ("send", "receive")
FRESH_TIMEOUT = 120  # seconds: one run takes about one


def ppe_transfer_cpu(side: str) -> list[float]:
    """CPU seconds per MiB on one side of a 4 MiB payload through a warm fork pool of one, in a
    fresh interpreter: a program's allocator, not this tool's (whose earlier figures freed 4 MiB
    buffers, so glibc keeps such buffers in its heap and the copies cost no page faults; a new
    program's copies land in fresh pages)."""
    if side not in TRANSFER_SIDES:
        raise ValueError(f"ppe_transfer_cpu: side {side!r}, not one of {TRANSFER_SIDES}")
    code = (f"import json, sys\nsys.path.insert(0, {TOOLS_DIR!r})\n"
            "from gilsim_tools.calibrate import _transfer_samples\n"
            f"json.dump(_transfer_samples({side!r}), sys.stdout)\n")
    how = f"ppe_transfer_cpu({side}) runs in a fresh interpreter ({sys.executable})"
    try:
        done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                              timeout=FRESH_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise UserError(f"{how}: no answer within {FRESH_TIMEOUT} s; measure it again with "
                        f"--only 'ppe_transfer_cpu'") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise UserError(f"{how}: it failed (exit {done.returncode}): {last}")
    try:
        samples = json.loads(done.stdout)
    except json.JSONDecodeError:
        samples = None
    if not (isinstance(samples, list) and samples
            and all(isinstance(x, (int, float)) for x in samples)):
        raise UserError(f"{how}: it printed {done.stdout[:80]!r}, not a list of samples")
    return samples


def _transfer_samples(side: str, n: int = 8) -> list[float]:
    """Per MiB, each direction in turn: the argument (the parent sends, the worker receives) and
    the result (the worker sends, the parent receives); each side's process_time() across the
    round trip less that of a round trip without payload."""
    ctx = multiprocessing.get_context("fork")
    arg = b"\x5a" * PAYLOAD
    mib = PAYLOAD / MIB
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
        def trip(fn: Callable, x: object) -> tuple[float, float]:
            worker0, parent0 = ex.submit(_process_cpu).result(), time.process_time()
            ex.submit(fn, x).result()
            parent1, worker1 = time.process_time(), ex.submit(_process_cpu).result()
            return parent1 - parent0, worker1 - worker0
        for _ in range(2):  # the pool's and the payload's first touches
            trip(_process_cpu, arg)
            trip(_payload_result, None)
        out = []
        for _ in range(n):
            base_parent, base_worker = trip(_process_cpu, None)
            arg_parent, arg_worker = trip(_process_cpu, arg)
            res_parent, res_worker = trip(_payload_result, None)
            if side == "send":
                out.append((arg_parent + res_worker - base_parent - base_worker) / 2 / mib)
            else:
                out.append((arg_worker + res_parent - base_parent - base_worker) / 2 / mib)
    return out


def asyncio_task_gather(n: int = 5000, batches: int = 5) -> list[float]:
    async def trivial() -> None:
        return None

    async def main() -> list[float]:
        out = []
        for _ in range(batches):
            t0 = pc()
            await asyncio.gather(*(asyncio.ensure_future(trivial()) for _ in range(n)))
            out.append((pc() - t0) / n)
        return out

    return asyncio.run(main())


def asyncio_sleep0(n: int = 20000) -> list[float]:
    async def main() -> list[float]:
        out = []
        for _ in range(5):
            t0 = pc()
            for _ in range(n // 5):
                await asyncio.sleep(0)
            out.append((pc() - t0) / (n // 5))
        return out

    return asyncio.run(main())


def asyncio_to_thread(n: int = 300) -> list[float]:
    async def main() -> list[float]:
        for _ in range(20):
            await asyncio.to_thread(noop)
        out = []
        for _ in range(n):
            t0 = pc()
            await asyncio.to_thread(noop)
            out.append(pc() - t0)
        return out

    return asyncio.run(main())


def subprocess_run(argv: list[str], n: int = 40) -> list[float]:
    out = []
    for _ in range(n):
        t0 = pc()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        out.append(pc() - t0)
    return out


def subprocess_popen(argv: list[str], n: int = 40) -> list[float]:
    out = []
    for _ in range(n):
        t0 = pc()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        out.append(pc() - t0)
        child.wait()
    return out


# (name, unit, samples of one run, core counts; None = measured once, unpinned beyond the host)
Figure = tuple[str, str, Callable[[], list[float]], tuple[int, ...]]


def figures(quick: bool) -> list[Figure]:
    k = 0.4 if quick else 1.0
    sp = [(m, m) for m in ("fork", "forkserver", "spawn")]
    out: list[Figure] = [
        ("spin_ns_per_iter(n=1e3)", "ns", lambda: spin_per_iter(1000), (1,)),
        ("spin_ns_per_iter(n=5e4)", "ns", lambda: spin_per_iter(50_000), (1,)),
        ("spin_ns_per_iter(n=1e6)", "ns", lambda: spin_per_iter(1_000_000), (1,)),
        ("event_pingpong_half_rtt", "us", lambda: event_pingpong(int(1000 * k)), (1, 2)),
        ("sha256_ns_per_byte", "ns", lambda: per_byte(wl.hash_bytes), (1,)),
        ("sum_ns_per_byte", "ns", lambda: per_byte(wl.sum_bytes, 1 << 18), (1,)),
        ("pipe_read_1byte", "us", lambda: pipe_read_1byte(int(20000 * k)), (1,)),
        ("wake_after_idle(50us)", "us", lambda: wake_after_idle(50e-6, int(200 * k)), (1, 2)),
        ("wake_after_idle(5ms)", "us", lambda: wake_after_idle(5e-3, int(40 * k)), (1, 2)),
    ]
    # Where an idle vCPU stops polling and halts, and how its exit grows with the idle time
    # up to 5 ms: a grid between the two (see the docstring).
    out += [(f"wake_after_idle({us}us)", "us",
             (lambda us=us: wake_after_idle(us * 1e-6, int(min(200, 0.2 / (us * 1e-6)) * k))),
             (2,))
            for us in (75, 100, 125, 150, 200, 300, 500, 1000, 2000, 3000)]
    out += [
        ("wake_cpu_waker", "us", lambda: wake_cpu("waker", int(200 * k)), (1, 2)),
        ("wake_cpu_wakee", "us", lambda: wake_cpu("wakee", int(200 * k)), (1, 2)),
        ("gil_handoff", "us", None, (1, 2)),  # with gil_hold_per_switch
        ("timed_wait_overshoot(5ms)", "us", lambda: timed_wait_overshoot(n=int(60 * k)), (1, 2)),
        ("timed_wait_overshoot(5ms, busy core)", "us",
         lambda: timed_wait_overshoot_busy(n=int(60 * k)), (1,)),
        ("sleep_overshoot(100us)", "us", lambda: sleep_overshoot(1e-4, int(300 * k)), (1,)),
        ("sleep_overshoot(1ms)", "us", lambda: sleep_overshoot(1e-3, int(200 * k)), (1,)),
        ("sleep_overshoot(5ms)", "us", lambda: sleep_overshoot(5e-3, int(60 * k)), (1,)),
        ("thread_start", "us", lambda: thread_start(int(200 * k)), (1, 2)),
        ("thread_start_join", "us", lambda: thread_start(int(200 * k), join=True), (1, 2)),
        ("thread_start_kept", "us", lambda: thread_start_kept(max(2, int(6 * k))), (1, 2)),
        ("thread_object", "us", lambda: thread_object(int(2000 * k)), (1,)),
        ("thread_start_kept(cached stacks)", "us",
         lambda: thread_start_kept_cached(max(2, int(6 * k))), (1,)),
        ("thread_exit_chain", "us", lambda: thread_exit_chain(max(2, int(6 * k))), (1, 2)),
        ("thread_exit_chain(cached stacks)", "us",
         lambda: thread_exit_chain(max(2, int(6 * k)), stack=CACHED_STACK), (1,)),
        ("tpe_submit_result", "us", lambda: tpe_submit_result(int(1000 * k)), (1, 2)),
        ("tpe_map_per_item", "us", lambda: tpe_map_per_item(max(3, int(10 * k))), (1, 2)),
        ("tpe_submit", "us", lambda: tpe_submit(max(3, int(10 * k))), (1,)),
        ("semaphore_acquire", "us", lambda: semaphore_op("acquire", int(20000 * k)), (1,)),
        ("semaphore_acquire_empty", "us", lambda: semaphore_op("acquire_empty", int(20000 * k)),
         (1,)),
        ("semaphore_release", "us", lambda: semaphore_op("release", int(20000 * k)), (1,)),
    ]
    starts = {"fork": 20, "forkserver": 10, "spawn": 5}
    for name, m in sp:
        n = max(3, int(starts[m] * k))
        out.append((f"process_start({name})", "ms", (lambda m=m, n=n: process_start(m, n)), (2,)))
        out.append((f"process_start_call({name})", "ms",
                    (lambda m=m, n=n: process_start(m, n, call_only=True)), (2,)))
        if m != "forkserver":
            out.append((f"process_exit({name})", "ms", (lambda m=m, n=n: process_exit(m, n)),
                        (2,)))
    out.append(("forkserver_server_start", "ms", lambda: forkserver_server_start(), (2,)))
    out.append(("cow_fault(child)", "us", lambda: cow_fault(False), (1, 2)))
    out.append(("cow_fault(child, parent too)", "us", lambda: cow_fault(True), (2,)))
    for name, m in sp:
        cores = (1, 2) if m == "fork" else (2,)  # fork_child on 1, fork_child_shootdowns on 2
        out.append((f"ppe_first_result({name})", "ms", lambda m=m: ppe_first_result(m), cores))
        out.append((f"ppe_shutdown({name})", "ms", lambda m=m: ppe_shutdown(m), (2,)))
    # forkserver_child alone on one core, then what a sibling starting beside it adds on two
    out.append((FORKSERVER_LONE, "ms", lambda: ppe_first_result_warm(1), (1,)))
    out.append((FORKSERVER_PAIR, "ms", lambda: ppe_first_result_warm(2), (2,)))
    out.append(("ppe_submit_result(fork)", "us", lambda: ppe_submit_result("fork", int(200 * k)),
                (1, 2)))
    out += [
        ("ppe_map_per_item(chunksize=1)", "us", lambda: ppe_map_per_item(1), (1, 2)),
        ("ppe_map_per_item(chunksize=64)", "us", lambda: ppe_map_per_item(64), (1, 2)),
        ("pickle_dumps_MBps", "MB/s", lambda: pickle_rate(False), (1,)),
        ("pickle_loads_MBps", "MB/s", lambda: pickle_rate(True), (1,)),
        ("pipe_MBps", "MB/s", lambda: pipe_rate(), (2,)),
        ("ppe_transfer_cpu(send)", "ms", lambda: ppe_transfer_cpu("send"), (2,)),
        ("ppe_transfer_cpu(receive)", "ms", lambda: ppe_transfer_cpu("receive"), (2,)),
        ("asyncio_task_gather", "us", lambda: asyncio_task_gather(), (1,)),
        ("asyncio_sleep0", "us", lambda: asyncio_sleep0(), (1,)),
        ("asyncio_to_thread", "us", lambda: asyncio_to_thread(int(300 * k)), (1, 2)),
        ("subprocess_run(true)", "ms", lambda: subprocess_run(["true"], int(40 * k)), (1, 2)),
        ("subprocess_run(seq 1)", "ms", lambda: subprocess_run([wl.seq_path(), "1"], int(40 * k)),
         (1, 2)),
        ("subprocess_popen(seq 1)", "ms",
         lambda: subprocess_popen([wl.seq_path(), "1"], int(40 * k)), (1, 2)),
    ]
    hz = kernel_hz()
    if hz:  # read, not timed: the tick at which idle cores balance
        out.append(("sched_tick", "ms", lambda: [1.0 / hz], (1,)))
    return out


SCALE = {"ns": 1e9, "us": 1e6, "ms": 1e3, "MB/s": 1.0}


def summary(name: str, unit: str, cores: int, per_run: list[float], last: list[float],
            foreign: float) -> dict:
    k = SCALE[unit]
    s = sorted(last)
    return {"figure": name, "unit": unit, "cores": cores,
            "median": statistics.median(per_run) * k,
            "min": min(per_run) * k, "max": max(per_run) * k, "runs": len(per_run),
            "last_run": {"samples": len(s), "p10": quantile(s, 0.1) * k,
                         "p90": quantile(s, 0.9) * k, "max": s[-1] * k},
            "other_processes_cores": round(foreign, 3)}


def measure(args) -> list[dict]:
    allowed = sorted(os.sched_getaffinity(0))
    mon = LoadMonitor(TOOL)
    rows = []
    core_counts = [c for c in args.cores if c <= len(allowed)]
    for c in args.cores:
        if c > len(allowed):
            log(f"skipping {c} cores: the host allows {len(allowed)}")
    for name, unit, fn, on in figures(args.quick):
        if args.only and not any(o in name for o in args.only):
            continue
        for cores in core_counts:
            if cores not in on and not (max(on) > len(allowed) and cores == len(allowed)):
                continue
            os.sched_setaffinity(0, allowed[:cores])
            if mon.wait_quiet(args.quiet_wait) < 0:
                log("  warning: other processes keep the CPUs busy; measuring anyway")
            mark = mon.mark()
            per_run, last, holds_per_run, holds_last = [], [], [], []
            for _ in range(args.runs):
                if fn is None:
                    samples, holds = gil_switches(0.5 if args.quick else 1.0)
                    holds_per_run.append(statistics.median(holds))
                    holds_last = holds
                else:
                    samples = fn()
                per_run.append(statistics.median(samples))
                last = samples
            foreign, window = mon.foreign_since(mark)
            load = foreign / window if window > 0 else 0.0
            row = summary(name, unit, cores, per_run, last, load)
            rows.append(row)
            log(f"{cores} core(s) {name:<32} {row['median']:10.3f} {unit:<4} "
                f"(runs {row['min']:.3f} .. {row['max']:.3f}; others {load:.2f} cores)")
            if fn is None:
                rows.append(summary("gil_hold_per_switch", "ms", cores, holds_per_run,
                                    holds_last, load))
                log(f"{cores} core(s) {'gil_hold_per_switch':<32} {rows[-1]['median']:10.3f} ms")
    os.sched_setaffinity(0, allowed)
    return rows


# --------------------------------------------------------------------------------------------
# From figures to the parameters gilsim knows


def pick(rows: list[dict], name: str, cores: int | None = None) -> dict | None:
    """The row of a figure, on the most cores measured unless cores is given."""
    found = [r for r in rows if r["figure"] == name and (cores is None or r["cores"] == cores)]
    return max(found, key=lambda r: r["cores"]) if found else None


def seconds(row: dict) -> float:
    return row["median"] / SCALE[row["unit"]]


def derive(rows: list[dict], defaults: dict[str, float], gilsim: str,
           python: str = "") -> dict[str, tuple[float, str]]:
    """Parameter -> (seconds, how it was derived).  Only what the figures determine; the rest of
    gilsim's parameters keep their defaults (and are not written).  Later derivations build on
    earlier ones, so the order matters.  `python`: the version the figures were measured on
    (the fits simulate its pools; default: the running one)."""
    out: dict[str, tuple[float, str]] = {}
    derive_wakeups(rows, defaults, out)
    derive_threads(rows, defaults, out)
    derive_transfer(rows, defaults, out)
    derive_asyncio(rows, defaults, out)
    derive_subprocess(rows, defaults, out)
    derive_processes(rows, out)
    derive_thread_pool(rows, defaults, out, gilsim, python)
    derive_pools(rows, defaults, out, gilsim, python)
    return {k: v for k, v in out.items() if k in defaults}


def value(name: str, defaults: dict[str, float], out: dict) -> float:
    return out[name][0] if name in out else defaults.get(name, 0.0)


def derive_wakeups(rows: list[dict], defaults: dict[str, float], out: dict) -> None:
    # A wake onto a core idle for 50 us (still polling) is the plain wake-up; one idle for 5 ms
    # (halted) pays the idle exit on top.  The GIL's timed wait on 2 cores idles its core for
    # the whole 5 ms, so its overshoot is slack + wake + idle exit.
    # The woken thread's own CPU time on the way back (resume_cost) ends that latency, so the
    # model's latency is the rest; the waker's (wake_cost) runs beside it.
    fast = pick(rows, "wake_after_idle(50us)")
    slow = pick(rows, "wake_after_idle(5ms)")
    waker = pick(rows, "wake_cpu_waker")
    wakee = pick(rows, "wake_cpu_wakee")
    if waker and waker["cores"] > 1:
        out["wake_cost"] = (max(0.0, seconds(waker)), f"wake_cpu_waker, {waker['cores']} cores: "
                            "thread_time across Event.set() waking a sleeper, less set() alone")
    if wakee and wakee["cores"] > 1:
        out["resume_cost"] = (max(0.0, seconds(wakee)), f"wake_cpu_wakee, {wakee['cores']} "
                              "cores: thread_time across a blocking Event.wait(), less a "
                              "non-blocking one")
    tick = pick(rows, "sched_tick")
    if tick:
        out["sched_tick"] = (seconds(tick), "sched_tick: 1/CONFIG_HZ of the kernel "
                             "(/proc/config.gz)")
    queued = pick(rows, "wake_cpu_wakee", 1)
    if queued:
        # One core: the sleeper is queued and handed the core back; its CPU time across the
        # wait is one hand-over's worth (its half of the switch out, its half of the switch in).
        out["context_switch"] = (max(0.0, seconds(queued)), "wake_cpu_wakee, 1 core: "
                                 "thread_time across a blocking Event.wait() (switched out and "
                                 "back in), less a non-blocking one")
    if fast:
        resume = value("resume_cost", defaults, out)
        out["gil_wake_latency"] = (max(0.0, seconds(fast) - resume),
                                   f"wake_after_idle(50us), {fast['cores']} cores: a thread "
                                   "woken onto a core that idled briefly, less resume_cost")
    if fast and slow and slow["cores"] == fast["cores"] > 1:
        out["idle_exit_latency"] = (max(0.0, seconds(slow) - seconds(fast)),
                                    f"wake_after_idle(5ms) less wake_after_idle(50us), "
                                    f"{slow['cores']} cores: the core halted meanwhile")
        window = value("idle_poll_window", defaults, out)
        ramp = fit_idle_exit_ramp(rows, fast, window, out["idle_exit_latency"][0])
        if ramp:
            out["idle_exit_ramp"] = ramp
    if fast and "last_run" in fast:
        # A uniform spread has 80 % of its width between p10 and p90.
        spread = (fast["last_run"]["p90"] - fast["last_run"]["p10"]) / SCALE[fast["unit"]]
        out["wake_jitter"] = (max(0.0, spread / 0.8), f"wake_after_idle(50us), {fast['cores']} "
                              "cores: the p10-p90 spread of its last run / 0.8 (uniform)")
    busy = pick(rows, "timed_wait_overshoot(5ms, busy core)")
    wait = busy or pick(rows, "timed_wait_overshoot(5ms)")
    if wait:
        # On a busy core the timer's slack and the wake-up are all there is; an idle core's
        # exit is a cross-CPU wake's figure, which a timer on a halted vCPU need not match.
        extra = value("gil_wake_latency", defaults, out) + value("resume_cost", defaults, out)
        how = f"{wait['figure']} less gil_wake_latency, resume_cost"
        if wait["cores"] > 1:
            extra += value("idle_exit_latency", defaults, out)
            how += f" and idle_exit_latency ({wait['cores']} cores: the waiter's core halts)"
        out["timer_slack"] = (max(0.0, seconds(wait) - extra), how)


def fit_idle_exit_ramp(rows: list[dict], fast: dict, window: float,
                       whole: float) -> tuple[float, str] | None:
    """The idle time at which the idle exit is whole, the model's exit rising linearly to it
    from the poll window: least squares over wake_after_idle's grid (less its 50 us figure)
    between the window and 5 ms, in 10 us steps.  None without two such points."""
    points = []
    for row in rows:
        us = row["figure"].removeprefix("wake_after_idle(").removesuffix("us)")
        if us.isdigit() and row["cores"] == fast["cores"] and window < int(us) * 1e-6 < 5e-3:
            points.append((int(us) * 1e-6, seconds(row) - seconds(fast)))
    points.sort()
    if len(points) < 2 or whole <= 0:
        return None

    def misfit(ramp: float) -> float:
        return sum((extra - whole * min(1.0, (idle - window) / (ramp - window))) ** 2
                   for idle, extra in points)

    steps = int(round((5e-3 - window) / 10e-6))
    ramp = min((window + i * 10e-6 for i in range(1, steps + 1)), key=misfit)
    return ramp, (f"wake_after_idle over {len(points)} idle times from "
                  f"{duration_text(points[0][0])} to {duration_text(points[-1][0])}, "
                  f"{fast['cores']} cores, less wake_after_idle(50us): least squares of a "
                  "linear rise from idle_poll_window to idle_exit_latency")


def derive_threads(rows: list[dict], defaults: dict[str, float], out: dict) -> None:
    # start() = thread_start + wake of the new thread + thread_bootstrap + wake of the starter
    # (it waits on the _started Event).  Pinned to 1 core those wakes are context switches on
    # a busy core; on 2 cores they include waking an idle vCPU, which is not what thread_start
    # means, so the 1-core figures are used.  The model keeps glibc's stack cache: a start
    # with a cached stack costs thread_start, one with a new stack stack_map more (most of a
    # batch of 32 kept threads needs one, so that figure's median is such a start).
    boot = defaults.get("thread_bootstrap", 20e-6)
    switch = value("context_switch", defaults, out)
    cached = pick(rows, "thread_start_kept(cached stacks)", 1)
    fresh = pick(rows, "thread_start_kept", 1)
    start = cached or fresh or pick(rows, "thread_start", 1) or pick(rows, "thread_start")
    made = pick(rows, "thread_object", 1)
    if start:
        obj = seconds(made) if made else 0.0
        out["thread_start"] = (max(1e-6, obj + seconds(start) - boot - 2 * switch),
                               (f"{made['figure']} plus " if made else "") +
                               f"{start['figure']} ({start['cores']} core: start() returning after "
                               "the new thread's bootstrap) less thread_bootstrap and two "
                               "context switches")
    if cached and fresh:
        out["stack_map"] = (max(0.0, seconds(fresh) - seconds(cached)),
                            "thread_start_kept less thread_start_kept(cached stacks), 1 core")
    # The exit chain, per thread on 1 core: the thread's end plus the joiner's switch in and out.
    ended = pick(rows, "thread_exit_chain", 1)
    ended_cached = pick(rows, "thread_exit_chain(cached stacks)", 1)
    if ended_cached:
        out["thread_exit"] = (max(0.0, seconds(ended_cached) - 2 * switch),
                              "thread_exit_chain(cached stacks), 1 core, less two context "
                              "switches (the joiner's)")
    if ended and ended_cached:
        unmapped = POOL_THREADS - CACHED_STACKS  # the chain's first exits keep their stacks
        per_thread = seconds(ended) - seconds(ended_cached)
        out["stack_unmap"] = (max(0.0, per_thread * POOL_THREADS / unmapped),
                              "thread_exit_chain less thread_exit_chain(cached stacks), 1 core, "
                              f"per unmapped stack ({unmapped} of {POOL_THREADS})")
    for op in ("semaphore_acquire", "semaphore_acquire_empty", "semaphore_release"):
        row = pick(rows, op)
        if row:
            out[op] = (seconds(row), f"{op}: one thread, uncontended")


def derive_transfer(rows: list[dict], defaults: dict[str, float], out: dict) -> None:
    pipe = pick(rows, "pipe_MBps")
    if pipe:
        out["pipe_per_mib"] = (MIB / (pipe["median"] * 1e6), "pipe_MBps: Connection "
                               "send_bytes/recv_bytes of 4 MB to a forked child, per MiB")
    send = pick(rows, "ppe_transfer_cpu(send)")
    receive = pick(rows, "ppe_transfer_cpu(receive)")
    if send and receive:
        # The model charges the sender pickle_per_mib and pipe_per_mib, the receiver
        # receive_per_mib: each side's CPU as a fresh program spends it.
        pipe_s = value("pipe_per_mib", defaults, out)
        out["pickle_per_mib"] = (max(0.0, seconds(send) - pipe_s),
                                 "ppe_transfer_cpu(send) less pipe_per_mib")
        out["receive_per_mib"] = (seconds(receive), "ppe_transfer_cpu(receive)")
        return
    arg = pick(rows, "ppe_arg_MBps")  # profiles measured before ppe_transfer_cpu
    trip = pick(rows, "ppe_submit_result(fork)")
    if arg and "pipe_per_mib" in out:
        # One 4 MB argument through a warm pool: dumps in the parent, the pipe, loads in the
        # worker (with the allocation and page faults of the copy).  The rest is halved between
        # the two sides.
        per_mib = MIB / (arg["median"] * 1e6)
        if trip:
            per_mib -= seconds(trip) / (PAYLOAD / MIB)
        half = max(0.0, (per_mib - out["pipe_per_mib"][0]) / 2)
        how = ("ppe_arg_MBps (a 4 MB argument through a warm fork pool) per MiB, less "
               "ppe_submit_result's share and pipe_per_mib, halved between the sender and the "
               "receiver")
        out["pickle_per_mib"] = (half, how)
        out["receive_per_mib"] = (half, how)


def derive_asyncio(rows: list[dict], defaults: dict[str, float], out: dict) -> None:
    sleep0 = pick(rows, "asyncio_sleep0")
    if sleep0:
        # One `await asyncio.sleep(0)`: one loop iteration and one step of the task.
        out["task_step"] = (max(0.0, seconds(sleep0) - defaults.get("loop_iteration", 0.0)),
                            "asyncio_sleep0 less loop_iteration")
    gather = pick(rows, "asyncio_task_gather")
    if gather and "task_step" in out:
        out["task_create"] = (max(0.0, seconds(gather) - out["task_step"][0]),
                              "asyncio_task_gather (create_task + gather + one step, per task) "
                              "less task_step")


def derive_subprocess(rows: list[dict], defaults: dict[str, float], out: dict) -> None:
    # seq is the command realize.py runs (its op is seq's own work plus this baseline); a
    # smaller binary such as true loads faster (2.1 ms against 2.9 ms here).
    popen = pick(rows, "subprocess_popen(seq 1)")
    if popen:
        out["subprocess_spawn"] = (seconds(popen), "subprocess_popen(seq 1): Popen() returning "
                                   "in the parent")
    run = pick(rows, "subprocess_run(seq 1)") or pick(rows, "subprocess_run(true)")
    if run:
        spawn = value("subprocess_spawn", defaults, out)
        out["subprocess_exec"] = (max(0.0, seconds(run) - spawn),
                                  f"{run['figure']} less subprocess_spawn")


START_CALL_OF = {"fork": "fork_parent", "spawn": "exec_parent", "forkserver": "forkserver_request"}


def derive_processes(rows: list[dict], out: dict) -> None:
    """The parent's part of Process.start() and a child's exit, each timed on its own."""
    for method, name in START_CALL_OF.items():
        call = pick(rows, f"process_start_call({method})")
        if call:
            out[name] = (seconds(call), f"process_start_call({method}): Process.start() "
                         "returning in the parent")
    exit_fork = pick(rows, "process_exit(fork)")
    if exit_fork:
        out["process_exit"] = (seconds(exit_fork), "process_exit(fork): join() after the "
                               "child's last message")
    exit_spawn = pick(rows, "process_exit(spawn)")
    if exit_spawn and exit_fork:
        out["interpreter_finalize"] = (max(0.0, seconds(exit_spawn) - seconds(exit_fork)),
                                       "process_exit(spawn) less process_exit(fork): the "
                                       "spawned child's Py_Finalize")


POOL_TASK_COSTS = ["process_submit", "process_dispatch", "process_result", "process_worker_task"]
SHOOTDOWNS_OF = {"fork": "fork_child_shootdowns"}  # what more than one core adds to it
STARTUP_OF = {"fork": "fork_child", "spawn": "interpreter_startup"}  # forkserver: on its own
FORKSERVER_LONE = "ppe_first_result(forkserver, warm server)"
FORKSERVER_PAIR = "ppe_first_result(forkserver, warm server, 2 calls)"


def derive_thread_pool(rows: list[dict], defaults: dict[str, float], out: dict,
                       gilsim: str, python: str) -> None:
    """submit()'s own cost timed alone; the worker's per-task cost fitted through the model
    (see fit.py) to a busy map, so that the hand-offs the map itself causes (the idle
    semaphore's lock is in the model) are the model's, not folded into the cost."""
    submit = pick(rows, "tpe_submit")
    if submit:
        empty = value("semaphore_acquire_empty", defaults, out)
        out["pool_submit"] = (max(0.0, seconds(submit) - empty), "tpe_submit (a busy pool's "
                              "submit(), 1 core) less semaphore_acquire_empty")
    per_item = pick(rows, "tpe_map_per_item")
    params = {k: value(k, defaults, out) for k in defaults}
    if not per_item or "pool_task" not in params:
        return
    small, big = fit.thread_pool_scenario(100, python), fit.thread_pool_scenario(2100, python)
    x = fit.solve(lambda p: fit.per_item(gilsim, small, big, p), params, ["pool_task"],
                  seconds(per_item), hi=1e-4)
    out["pool_task"] = (x or 0.0, f"tpe_map_per_item ({per_item['cores']} cores, 4 workers) "
                        "fitted through the model, pool_submit and the semaphore costs given"
                        + ("" if x is not None else " (those alone cost more: 0)"))


def derive_pools(rows: list[dict], defaults: dict[str, float], out: dict, gilsim: str,
                 python: str) -> None:
    """Fitted through the model (see fit.py): a pool's costs overlap on the cores."""
    params = {k: value(k, defaults, out) for k in defaults}
    per_item = pick(rows, "ppe_map_per_item(chunksize=1)")
    if per_item and all(n in params for n in POOL_TASK_COSTS):
        small = fit.pool_scenario("fork", 100, python=python)
        big = fit.pool_scenario("fork", 1100, python=python)
        x = fit.solve(lambda p: fit.per_item(gilsim, small, big, p), params, POOL_TASK_COSTS,
                      seconds(per_item), hi=10.0)
        if x is not None:
            for n in POOL_TASK_COSTS:
                params[n] *= x
                out[n] = (params[n], f"ppe_map_per_item(chunksize=1) fitted through the model: "
                          f"the four per-task costs scaled together (x{x:.2f})")
    for method, name in STARTUP_OF.items():
        for param, first in startup_figures(rows, method, name, params):
            fit_startup(gilsim, python, params, out=out, method=method, param=param,
                        figure=first, calls=1, metric=fit.first_latency,
                        what="a fresh ProcessPoolExecutor(2)'s first trivial result"
                        + (f", {name} given" if param != name else ""))
    derive_forkserver(rows, params, out, gilsim, python)


def derive_forkserver(rows: list[dict], params: dict[str, float], out: dict, gilsim: str,
                      python: str) -> None:
    """With a warm server's figure: forkserver_child from a lone child on one core and (with
    the pair's figure) forkserver_child_shootdowns from two starting together on two, the
    server's start left out of both, then forkserver_startup from a fresh pool.  Without it the
    server starts as a spawned child does (interpreter_startup), as before those parameters,
    and the fresh pool fits forkserver_child."""
    fresh = pick(rows, "ppe_first_result(forkserver)")
    if not fresh or "forkserver_child" not in params:
        return
    fit_one = functools.partial(fit_startup, gilsim, python, out=out, method="forkserver")
    lone, pair = pick(rows, FORKSERVER_LONE, 1), pick(rows, FORKSERVER_PAIR)
    if lone and "forkserver_startup" in params:
        # a warm server: nothing spawned, nothing to wait for
        warm = dict(params, forkserver_startup=0.0, exec_parent=0.0)
        fit_one(warm, param="forkserver_child", figure=lone, calls=1, metric=fit.first_latency,
                what="with the server's start left out: a lone child")
        if pair and pair["cores"] > 1 and "forkserver_child_shootdowns" in params:
            fit_one(warm, param="forkserver_child_shootdowns", figure=pair, calls=2,
                    metric=fit.longest_latency,
                    what="with the server's start left out: two calls at once, the later result")
            params["forkserver_child_shootdowns"] = warm["forkserver_child_shootdowns"]
        params["forkserver_child"] = warm["forkserver_child"]
        fit_one(params, param="forkserver_startup", figure=fresh, calls=1,
                metric=fit.first_latency,
                what="a fresh pool's first trivial result, forkserver_child given")
        return
    if "forkserver_startup" in params:
        params["forkserver_startup"] = value("interpreter_startup", params, out)
        out["forkserver_startup"] = (params["forkserver_startup"], "interpreter_startup (no warm "
                                     "server's figure: the server starts as a spawned child does)")
    fit_one(params, param="forkserver_child", figure=fresh, calls=1, metric=fit.first_latency,
            what="a fresh pool's first trivial result")


def fit_startup(gilsim: str, python: str, params: dict[str, float], *, out: dict, method: str,
                param: str, figure: dict, calls: int, metric: fit.Metric, what: str) -> None:
    """Fit `param` (into params and out) through the model to a fresh pool's figure: `calls`
    trivial calls on a ProcessPoolExecutor(2) with this start method."""
    scenario = fit.pool_scenario(method, calls, python=python, cores=figure["cores"])
    x = fit.solve(lambda p: fit.predict(gilsim, scenario, p, metric), params, [param],
                  seconds(figure), hi=max(0.01, 2 * seconds(figure)))
    params[param] = x or 0.0
    out[param] = (params[param], f"{figure['figure']} fitted through the model, "
                  f"{figure['cores']} core(s): {what}"
                  + ("" if x is not None else " (the rest of the model alone costs more: 0)"))


def startup_figures(rows: list[dict], method: str, name: str,
                    params: dict[str, float]) -> list[tuple[str, dict]]:
    """Which start-up parameter each ppe_first_result figure fits, in order.  With fork's figure
    on 1 core too: fork_child there, where a fault flushes no other CPU's TLB, then
    fork_child_shootdowns, what a second core adds, on 2.  Otherwise the child's start-up on
    the most cores measured, all of it."""
    figure = f"ppe_first_result({method})"
    one, most = pick(rows, figure, 1), pick(rows, figure)
    if name not in params or not most:
        return []
    shootdowns = SHOOTDOWNS_OF.get(method)
    if one and most["cores"] > 1 and shootdowns in params:
        return [(name, one), (shootdowns, most)]
    return [(name, most)]


def gilsim_params(gilsim: str) -> dict[str, float]:
    """The parameters this gilsim knows, with their defaults in seconds."""
    try:
        done = subprocess.run([gilsim, "profile", "--format", "json"], capture_output=True,
                              text=True, timeout=60)
    except OSError as e:
        raise UserError(f"cannot run gilsim at {gilsim}: {e.strerror}; build it (cmake --build "
                        "build) or pass --gilsim PATH") from None
    if done.returncode != 0:
        raise UserError(f"`{gilsim} profile --format json` failed (exit {done.returncode}): "
                        f"{done.stderr.strip().splitlines()[0] if done.stderr.strip() else ''}")
    try:
        params = json.loads(done.stdout)["params"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise UserError(f"`{gilsim} profile --format json` printed no \"params\" object") from None
    from .scenario import parse_seconds
    out = {}
    for name, value in params.items():
        try:
            out[name] = parse_seconds(value, f"gilsim profile: {name}")
        except UserError:
            continue
    return out


def build_profile(rows: list[dict], defaults: dict[str, float], args,
                  sources: list[dict]) -> dict:
    """`sources`: the profiles given with --update.  Measuring nothing from one of them keeps
    its description and host; merging several lists when each was measured."""
    measured_on = sources[0]["measured"].get("python", "") if args.derive_only and sources else ""
    derived = derive(rows, defaults, args.gilsim, ".".join(measured_on.split(".")[:2]))
    here = {
        "description": (f"measured by tools/calibrate.py on {platform.node() or 'this host'} "
                        f"({platform.machine()}, Linux {platform.release()}, "
                        f"{len(os.sched_getaffinity(0))} CPUs), CPython "
                        f"{platform.python_version()}, {args.runs} runs per figure"),
        "measured": {
            "schema_version": SCHEMA_VERSION, "tool": TOOL,
            "python": platform.python_version(), "python_build": sys.version,
            "host": f"{platform.machine()}, Linux {platform.release()}",
            "host_cores": len(os.sched_getaffinity(0)), "runs": args.runs,
            "switch_interval_s": sys.getswitchinterval(),
            "started_unix": args.started, "finished_unix": time.time()}}
    if len(sources) == 1 and (args.derive_only or args.only):
        # Derived again, or a few figures measured again: still that profile, with its
        # description and the calibrations it merged, and now this one.
        src = sources[0]
        now = {k: here["measured"][k] for k in ("started_unix", "finished_unix", "runs")}
        here = {"description": src.get("description", here["description"]),
                "measured": {k: v for k, v in src["measured"].items()
                             if k not in ("derivations", "not_measured", "figures")}}
        if not args.derive_only:
            here["measured"]["merged"] = (calibrations(src["measured"])
                                          + [dict(now, only=", ".join(args.only))])
            here["description"] += f"; then {', '.join(args.only)} measured again"
    measured = here["measured"]
    if len(sources) > 1:
        # A source that was itself a merge stands for the calibrations it lists.
        measured["merged"] = [entry for src in sources for entry in calibrations(src["measured"])]
        here["description"] += f", {len(measured['merged'])} calibrations merged"
    measured.update({
        "derivations": {k: {"value": duration_text(v), "how": how}
                        for k, (v, how) in sorted(derived.items())},
        "not_measured": sorted(k for k in defaults if k not in derived),
        "figures": rows})
    name = args.name or (sources[0].get("name", "host") if len(sources) == 1 else "host")
    return {"name": name, "description": here["description"],
            "params": {k: duration_text(v) for k, (v, _) in sorted(derived.items())},
            "measured": measured}


def calibrations(measured: dict) -> list[dict]:
    """The calibrations a profile's figures come from: those it merged, or its own."""
    return measured.get("merged", [{k: measured.get(k)
                                    for k in ("started_unix", "finished_unix", "runs")}])


def read_profile(path: str) -> dict:
    try:
        with open(path) as f:
            doc = json.load(f)
        doc["measured"]["figures"]
        return doc
    except OSError as e:
        raise UserError(f"--update {path}: cannot read: {e.strerror}") from None
    except (json.JSONDecodeError, KeyError, TypeError):
        raise UserError(f"--update {path}: not a profile written by calibrate.py (no "
                        "measured/figures)") from None


def merge_figures(profiles: list[list[dict]]) -> list[dict]:
    """Several calibrations of one host as one: per figure and core count, the median of their
    medians (and of their last runs' quantiles), the range over all their runs.  On a host
    whose speed moves for minutes at a time, calibrations spread over a measuring session
    describe it better than any one of them."""
    by_key: dict[tuple[str, int], list[dict]] = {}
    for rows in profiles:
        for r in rows:
            by_key.setdefault((r["figure"], r["cores"]), []).append(r)
    merged = []
    for same in by_key.values():
        row = dict(same[0])
        row["median"] = statistics.median(r["median"] for r in same)
        row["min"] = min(r["min"] for r in same)
        row["max"] = max(r["max"] for r in same)
        row["runs"] = sum(r["runs"] for r in same)
        row["last_run"] = {k: statistics.median(r["last_run"][k] for r in same)
                           for k in same[0]["last_run"]}
        row["calibrations"] = sum(r.get("calibrations", 1) for r in same)
        merged.append(row)
    return merged


def table(rows: list[dict]) -> str:
    lines = [f"{'figure':<34} {'cores':>5} {'median':>10} {'min':>10} {'max':>10} "
             f"{'p10':>10} {'p90':>10}  unit"]
    for r in rows:
        lines.append(f"{r['figure']:<34} {r['cores']:>5} {r['median']:>10.3f} {r['min']:>10.3f} "
                     f"{r['max']:>10.3f} {r['last_run']['p10']:>10.3f} "
                     f"{r['last_run']['p90']:>10.3f}  {r['unit']}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="calibrate.py",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description=__doc__.split("\n\nOutput:")[0],
                                epilog="Example: python3 tools/calibrate.py -o myhost.json && "
                                       "build/gilsim run scenarios/cpu-bound.json --profile "
                                       "myhost.json")
    p.add_argument("--gilsim", default="build/gilsim", help="the gilsim binary whose parameter "
                   "names to fill in (default build/gilsim)")
    p.add_argument("--output", "-o", help="write the profile here (default: stdout)")
    p.add_argument("--name", help="the profile's name (default: with one --update, its name; "
                   "otherwise host)")
    p.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    p.add_argument("--cores", default="1,2", help="core counts to pin to (default 1,2)")
    p.add_argument("--only", action="append", help="only figures whose name contains this "
                   "(may be repeated)")
    p.add_argument("--update", metavar="PROFILE", action="append", help="start from this "
                   "profile's figures and replace only those measured now (with --only: "
                   "re-measure a few figures that other processes disturbed); the result goes to "
                   "--output as usual.  Given several times, their figures are merged first (per "
                   "figure: the median of their medians)")
    p.add_argument("--derive-only", action="store_true", help="with --update: measure nothing, "
                   "derive the parameters again from its figures (after a model change)")
    p.add_argument("--quick", action="store_true", help="fewer samples per run (~40 %%)")
    p.add_argument("--quiet-wait", type=float, default=60.0, help="wait up to this many seconds "
                   "for other processes to leave the CPUs idle before each figure (default 60)")
    a = p.parse_args(argv)
    try:
        a.cores = [int(c) for c in a.cores.split(",")]
    except ValueError:
        p.error("--cores takes a comma-separated list of integers, e.g. 1,2")
    if a.derive_only and not a.update:
        p.error("--derive-only needs --update PROFILE: the figures to derive from")
    if a.runs < 1 or any(c < 1 for c in a.cores):
        p.error("--runs and --cores must be >= 1")
    a.started = time.time()
    return a


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        defaults = gilsim_params(args.gilsim)
        sources = [read_profile(u) for u in args.update or []]
        old_rows = merge_figures([src["measured"]["figures"] for src in sources])
        rows = [] if args.derive_only else measure(args)
        fresh = {(r["figure"], r["cores"]) for r in rows}
        rows = [r for r in old_rows if (r["figure"], r["cores"]) not in fresh] + rows
        profile = build_profile(rows, defaults, args, sources)
    except UserError as e:
        print(f"calibrate: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("calibrate: interrupted", file=sys.stderr)
        return 130
    print(table(rows), file=sys.stderr)
    for k, v in profile["params"].items():
        log(f"param {k} = {v}  ({profile['measured']['derivations'][k]['how']})")
    text = json.dumps(profile, indent=1) + "\n"
    if args.output:
        write_atomically(args.output, text)
        log(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0
