"""Is anything else using the CPUs?  Measurements on a shared 2-vCPU machine are only worth
something while nothing else runs; this module tells how much CPU time other processes used."""

from __future__ import annotations

import os
import resource
import time

from .common import log


class LoadMonitor:
    """CPU time used by everything except this process and its descendants, from the 'cpu' line
    of /proc/stat (clock-tick resolution, 10 ms).

    Interrupt time (irq, softirq) is left out: it is mostly this process's own timer and
    wake-up interrupts (a threads run on 2 cores shows 0.1-0.2 cores of softirq here with
    nothing else running), and it used to make every such run look disturbed.  Descendants
    are counted as our own: reaped children through RUSAGE_CHILDREN, living ones (a forkserver
    and the workers it forked, which are not our children) through /proc/PID/stat."""

    def __init__(self, tool: str = "gilsim-tools") -> None:
        self.tool = tool
        self.tick = 1.0 / os.sysconf("SC_CLK_TCK")
        self.available = os.path.exists("/proc/stat")

    def _busy(self) -> float:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        # user nice system idle iowait irq softirq steal (guest is included in user)
        v = [int(x) for x in fields[1:9]]
        return (v[0] + v[1] + v[2] + v[7]) * self.tick

    def _descendants(self) -> float:
        """CPU seconds of living descendants (with their reaped children)."""
        me = os.getpid()
        parent: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    text = f.read()
            except OSError:
                continue
            rest = text[text.rindex(")") + 2:].split()
            pid = int(entry)
            parent[pid] = int(rest[1])
            cpu[pid] = sum(int(x) for x in rest[11:15]) * self.tick  # utime stime cutime cstime
        total = 0.0
        for pid in cpu:
            p, hops = parent.get(pid, 0), 0
            while p > 1 and p != me and hops < 64:
                p, hops = parent.get(p, 0), hops + 1
            if p == me and pid != me:
                total += cpu[pid]
        return total

    def _own(self) -> float:
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + ch.ru_utime + ch.ru_stime + self._descendants()

    def mark(self) -> tuple[float, float, float]:
        if not self.available:
            return (0.0, 0.0, time.perf_counter())
        return (self._busy(), self._own(), time.perf_counter())

    def foreign_since(self, m: tuple[float, float, float]) -> tuple[float, float]:
        """(CPU seconds used by others since mark m, elapsed seconds)."""
        now = self.mark()
        return max(0.0, (now[0] - m[0]) - (now[1] - m[1])), now[2] - m[2]

    def wait_quiet(self, max_wait: float, window: float = 0.3, limit: float = 0.03) -> float:
        """Wait until a window passes in which others used at most `limit` CPU seconds.

        Returns the seconds waited (or -1 if it never got quiet within max_wait)."""
        if not self.available or max_wait <= 0:
            return 0.0
        t0 = time.perf_counter()
        announced = False
        while True:
            m = self.mark()
            time.sleep(window)
            foreign, _ = self.foreign_since(m)
            if foreign <= limit:
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > max_wait:
                return -1.0
            if not announced:
                log(self.tool, f"  other processes are using the CPUs ({foreign / window:.2f} cores); waiting "
                    f"for quiet (up to {max_wait:.0f}s)")
                announced = True
