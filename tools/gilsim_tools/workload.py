"""The real ops a scenario turns into, and the task functions the strategies run.

Kept apart from the rest of realize and light on imports: a process-pool worker imports this
module (and, with "spawn" or "forkserver", the thin tools/realize.py launcher), so its size is
part of what a worker's start costs.

  cpu         spin(n): ``for i in range(n): x ^= i``, pure Python holding the GIL; every
              iteration ends in a backward jump, an eval-breaker check point.
  io          ``time.sleep(d)`` (GIL released, no core); below --short-io ``os.read(fd, 1)`` on a
              pipe that holds data: a GIL-releasing system call that returns at once.  Under
              asyncio every io op is ``await asyncio.sleep(d)``.
  native      ``hashlib.sha256(buf[:n])``: OpenSSL, GIL released for n >= 2048 bytes.
  native_gil  ``sum(memoryview(buf)[:n])``: one C call over n bytes, GIL held, no check point.
  subprocess  ``subprocess.run(["seq", "1", str(n)], stdout=DEVNULL)``: an external command that
              keeps a core busy (GNU seq formats n numbers, ~8 ns each) while the Python thread
              waits in waitpid with the GIL released.  Under asyncio (unless in to_thread) it is
              ``await (await asyncio.create_subprocess_exec(...)).wait()``.

Each executed op leaves a record (code, t_before, t_after, thread_cpu_s, requested_s).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sys
import threading
import time
from typing import Any

CPU, SLEEP, PIPE_READ, HASH, HOLD, SUBPROC = range(6)
CODE_KIND = {CPU: "cpu", SLEEP: "io", PIPE_READ: "io", HASH: "native", HOLD: "native_gil",
             SUBPROC: "subprocess"}
KIND_CODE = {"cpu": CPU, "native": HASH, "native_gil": HOLD, "subprocess": SUBPROC}
HASHLIB_GIL_MINSIZE = 2048  # Modules/hashlib.h: smaller inputs are hashed with the GIL held
F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032  # fcntl.F_SETPIPE_SZ is missing from some builds

_BUF: memoryview = memoryview(b"")  # input of native (sha256) and native_gil (sum) ops
_tls = threading.local()
_SEQ: list[str] = []  # path of GNU seq, found on first use
_RESULTS: dict[int, bytes] = {}  # result payloads by size, made once per process
_WORKER_POOL: Any = None  # a process-pool worker's own ThreadPoolExecutor (threads_per_worker)


def noop(*_args: Any) -> None:
    """A task that does nothing: calibrate.py times pools and process starts with it, from this
    light module, so that a spawned child imports what a realize.py worker imports."""
    return None


def send_last_message(conn: Any) -> None:
    """A child's target that says it is done and returns: calibrate.py times the exit after."""
    conn.send_bytes(b"done")
    conn.close()


def spin(n: int) -> int:
    """The cpu op: n iterations of pure Python, a check point (JUMP_BACKWARD) in each."""
    x = 0
    for i in range(n):
        x ^= i
    return x


def hash_bytes(n: int) -> None:
    """The native op: OpenSSL SHA-256 of n bytes, GIL released (n >= HASHLIB_GIL_MINSIZE)."""
    hashlib.sha256(_BUF[:n])


def sum_bytes(n: int) -> None:
    """The native_gil op: one C call (builtin sum) over n bytes, GIL held, no check point."""
    sum(_BUF[:n])


def seq_path() -> str:
    if not _SEQ:
        import shutil
        path = shutil.which("seq")
        if path is None:
            raise RuntimeError("the subprocess op needs GNU seq (coreutils) on PATH")
        _SEQ.append(path)
    return _SEQ[0]


def run_command(n: int) -> None:
    """The subprocess op: an external command busy for a calibrated time; GIL released."""
    import subprocess
    subprocess.run([seq_path(), "1", str(n)], stdout=subprocess.DEVNULL, check=True)


def buffer_size() -> int:
    return len(_BUF)


def ensure_buffer(nbytes: int) -> None:
    """Build (or grow) the input of the native and native_gil ops."""
    global _BUF
    if len(_BUF) < nbytes:
        _BUF = memoryview(b"\x5a" * nbytes)  # touches every page, unlike bytes(n)


def pool_initializer(nbytes: int, interval: float, threads_per_worker: int) -> None:
    """A process-pool worker: the parent's switch interval, the op buffer, its thread pool."""
    global _WORKER_POOL
    sys.setswitchinterval(interval)
    ensure_buffer(nbytes)
    if threads_per_worker > 1:
        import concurrent.futures
        _WORKER_POOL = concurrent.futures.ThreadPoolExecutor(threads_per_worker)


def _refill_pipe() -> int:
    """Per-thread pipe for the short io op: made on first use, refilled outside any timing."""
    fds = getattr(_tls, "pipe", None)
    if fds is None:
        fds = os.pipe()
        try:
            fcntl.fcntl(fds[1], F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass  # default 64 KiB: just refill more often
        _tls.pipe = fds
    size = 1 << 16
    try:
        size = fcntl.fcntl(fds[1], F_GETPIPE_SZ)
    except OSError:
        pass
    os.write(fds[1], b"x" * size)
    _tls.pipe_left = size
    return fds[0]


THREAD_TIME_MIN = 1e-3  # an op this long has its thread CPU time read; shorter ones are sampled


def _sampled(requested: float) -> bool:
    """Whether to read the thread CPU time around this op: always from THREAD_TIME_MIN up;
    below, one op each time this thread's unread short ops add up to THREAD_TIME_MIN, so the
    reads cost the same share of the work whatever the op size (deterministic: by op order)."""
    if requested >= THREAD_TIME_MIN:
        return True
    owed = getattr(_tls, "unsampled", 0.0) + requested
    _tls.unsampled = 0.0 if owed >= THREAD_TIME_MIN else owed
    return owed >= THREAD_TIME_MIN


def execute(ops: list[tuple[int, Any, float]], out: list) -> None:
    """Run prepared ops; append (code, t_before, t_after, thread_cpu_s, requested_s) for each.

    t_after is read when Python code runs again after the op, i.e. after the GIL was re-taken.
    thread_cpu_s is the op's CPU time on this thread (CLOCK_THREAD_CPUTIME_ID): for a calibrated
    op it is the work itself, however long the op waited for the GIL or a core, so summed over a
    run and divided by the requested durations it tells the speed the work really ran at.
    Reading that clock is a system call (1.8 us on the AMD VM, 0.5 us on the Intel one, against
    54-170 ns for perf_counter), so it is read around cpu, native and native_gil ops of at least
    THREAD_TIME_MIN, and around a sample of the shorter ones, one per THREAD_TIME_MIN of their
    work (see _sampled: an overhead of at most 0.4 % either way); other ops record -1.  What
    remains costs ~0.3 us per op.
    """
    pc = time.perf_counter
    tt = time.thread_time
    for code, arg, requested in ops:
        c0 = tt() if code in (CPU, HASH, HOLD) and _sampled(requested) else None
        if code == PIPE_READ:
            left = getattr(_tls, "pipe_left", 0)
            rfd = _refill_pipe() if left <= 0 else _tls.pipe[0]
            _tls.pipe_left -= 1
            t0 = pc()
            os.read(rfd, 1)
        else:
            t0 = pc()
            if code == CPU:
                spin(arg)
            elif code == SLEEP:
                time.sleep(arg)
            elif code == HASH:
                hashlib.sha256(_BUF[:arg])
            elif code == HOLD:
                sum(_BUF[:arg])
            else:
                run_command(arg)
        t1 = pc()
        out.append((code, t0, t1, -1.0 if c0 is None else tt() - c0, requested))


def execute_one(op: tuple[int, Any, float]) -> tuple:
    """One op on whatever thread calls it (asyncio.to_thread); returns its record."""
    out: list = []
    execute([op], out)
    return out[0]


async def execute_async(ops: list[tuple[int, Any, float]], out: list,
                        to_thread: frozenset[int]) -> None:
    """An asyncio task's ops: io and subprocess are awaits (asyncio.sleep,
    create_subprocess_exec + wait: the loop runs other tasks meanwhile), op kinds in to_thread
    go through asyncio.to_thread (the loop's default ThreadPoolExecutor), every other op runs
    right here and blocks the loop.  The record's times are the loop's view: from the
    op's start to the task running again."""
    import asyncio
    pc = time.perf_counter
    for op in ops:
        code, arg, requested = op
        if code in (SLEEP, PIPE_READ):
            t0 = pc()
            await asyncio.sleep(requested)
            out.append((code, t0, pc(), -1.0, requested))
        elif code in to_thread:
            t0 = pc()
            rec = await asyncio.to_thread(execute_one, op)
            out.append((code, t0, pc(), rec[3], requested))
        elif code == SUBPROC:  # the format's asyncio subprocess: create_subprocess_exec, awaited
            t0 = pc()
            proc = await asyncio.create_subprocess_exec(
                seq_path(), "1", str(arg), stdout=asyncio.subprocess.DEVNULL)
            await proc.wait()
            out.append((code, t0, pc(), -1.0, requested))
        else:
            execute([op], out)


def run_task(task: tuple[int, list, bytes]) -> tuple[int, int, list]:
    """One workload task; returns (task index, thread ident, op records)."""
    index, ops, _payload = task
    out: list = []
    execute(ops, out)
    return index, threading.get_ident(), out


def result_payload(nbytes: int) -> bytes:
    """A task's result of nbytes, made once per size and process (pickled on every return)."""
    payload = _RESULTS.get(nbytes)
    if payload is None:
        payload = _RESULTS[nbytes] = b"\x5a" * nbytes
    return payload


def run_task_in_process(task: tuple[int, list, bytes, int]) -> tuple[int, int, list, bytes]:
    """One task in a pool worker process; its argument and result carry the scenario's
    arg_bytes and result_bytes, which the pool pickles and sends through its pipes."""
    index, ops, payload, result_bytes = task
    _, _, out = run_task((index, ops, payload))
    return index, os.getpid(), out, result_payload(result_bytes)


def run_chunk_in_process(chunk: list) -> list:
    """threads_per_worker > 1: one chunk of tasks on the worker's own ThreadPoolExecutor."""
    return list(_WORKER_POOL.map(run_task_in_process, chunk))


def spin_for_import() -> None:
    """The scenario's import_time: a spawn or forkserver child re-imports the main module; the
    launcher calls this when it is imported as __mp_main__ (REALIZE_IMPORT_SPIN iterations)."""
    n = int(os.environ.get("REALIZE_IMPORT_SPIN", "0") or 0)
    if n > 0:
        spin(n)
