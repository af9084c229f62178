"""Helpers shared by the benchmark scripts: machine banner, percentiles, paths."""
from __future__ import annotations

import datetime as _dt
import math
import os
import sys
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def banner(name: str, when: str = "start") -> None:
    """Every script prints this at start and end: the figures depend on a shared machine."""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"[{name}] {when}: {now}  os.cpu_count()={os.cpu_count()}  "
          f"loadavg(1/5/15 min)={loadavg()}", flush=True)


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat's first line.

    Why machine-wide: getrusage(RUSAGE_CHILDREN) only counts processes their parent reaped, and
    browser helpers (Firefox content processes, Chromium renderers) are often reparented when
    the browser is killed at close, so it undercounts; /proc/stat counts everything (other
    people's load too: read it with the load average beside it).
    """
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Average number of busy cores between two ``cpu_ticks()`` readings."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return (os.cpu_count() or 1) * busy / total if total else float("nan")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); no interpolation, so p95 of 50 values is the 48th."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
