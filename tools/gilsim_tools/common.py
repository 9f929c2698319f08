"""Small helpers every tool uses: errors, logging, durations as text, statistics, atomic writes."""

from __future__ import annotations

import math
import os
import sys


# tools/, where the gilsim_tools package and the tools' scripts live.
TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class UserError(Exception):
    """A mistake in the command line or an input file: reported on one line, exit status 2."""


def log(tool: str, msg: str) -> None:
    print(f"{tool}: {msg}", file=sys.stderr, flush=True)


def fmt_dur(s: float) -> str:
    if s != s:
        return "nan"
    a = abs(s)
    if a >= 1:
        return f"{s:.3f}s"
    if a >= 1e-3:
        return f"{s * 1e3:.3f}ms"
    if a >= 1e-6:
        return f"{s * 1e6:.1f}us"
    return f"{s * 1e9:.0f}ns"


def duration_text(s: float) -> str:
    """A duration as gilsim reads it: whole nanoseconds with a unit ("12345ns", "12us")."""
    ns = max(0, int(round(s * 1e9)))
    for unit, scale in (("s", 10**9), ("ms", 10**6), ("us", 10**3)):
        if ns >= scale and ns % scale == 0:
            return f"{ns // scale}{unit}"
    return f"{ns}ns"


def quantile(sorted_xs: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_xs:
        return float("nan")
    pos = q * (len(sorted_xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def describe(xs: list[float]) -> dict:
    s = sorted(xs)
    if not s:
        return {"count": 0}
    return {"count": len(s), "min": s[0], "median": quantile(s, 0.5), "p90": quantile(s, 0.9),
            "p99": quantile(s, 0.99), "max": s[-1], "mean": sum(s) / len(s), "sum": sum(s)}


def mmm(xs: list[float]) -> dict:
    """min / median / max: how every repeated figure is reported."""
    s = sorted(xs)
    return {"min": s[0], "median": quantile(s, 0.5), "max": s[-1]} if s else {}


def write_atomically(path: str, text: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, renamed on success."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
