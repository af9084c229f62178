"""How fast the monitor reads its history: `monitor report` (text and HTML) and a /metrics scrape.

Builds the history first (``support.synthetic.populate``, written through the store exactly as
the runner writes: 30 days × 8 journeys × 3 browsers every 15 minutes by default, ~75 000 rows),
then prints for each report the wall time and the peak RSS of the child process that made it
(``os.wait4``'s rusage of that one child), and the median and p95 of /metrics scrapes served by
the real exporter over HTTP. Targets (issue #23): report --html ≤ 5 s and ≤ 150 MB, a scrape
≤ 20 ms. It prints figures and never asserts: read them with the load average beside them.

    .venv/bin/python -m bench.report_speed                  # build (once) and measure
    .venv/bin/python -m bench.report_speed --db /tmp/h.db   # keep the history to measure again
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._common import PYTHON, ROOT, banner, ms, percentile

sys.path.insert(0, str(ROOT / "tests"))  # support.synthetic: the history the tests use

from support.synthetic import populate  # noqa: E402

from fixtures.core.procedure import JOURNEY_IDS  # noqa: E402
from monitor.export.exporter import ExporterServer, StoreCollector  # noqa: E402
from monitor.store.results_db import Store  # noqa: E402

RATES = {"chromium": 0.71, "firefox": 0.98, "webkit": 0.9}


def build(db: Path, days: float, journeys: int, interval: float) -> None:
    cycles = int(days * 86400 / interval)
    began = time.perf_counter()
    with Store.open_writer(db) as store:
        populate(store, cycles=cycles, step=interval, journeys=JOURNEY_IDS[:journeys], rates=RATES)
    print(f"history: {cycles} cycles × {journeys} journeys × {len(RATES)} browsers written in "
          f"{time.perf_counter() - began:.1f} s", flush=True)


def rows_in(db: Path) -> int:
    with Store.open_reader(db) as store:
        return sum(1 for _ in store.results())


#: Run in the child: the monitor's CLI, then its own peak RSS (VmHWM of its address space) on stderr's last line.
#: Why not wait4's ru_maxrss: it keeps the high-water mark of the image the child was forked from (this
#: bench, a few hundred MB once the history is built), so it overstated the report by ~70 MB.
_CHILD = ("import atexit, runpy, sys\n"
          "atexit.register(lambda: sys.stderr.write([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]))\n"
          "sys.argv = ['monitor', *sys.argv[1:]]\n"
          "runpy.run_module('monitor', run_name='__main__', alter_sys=True)\n")


def child(args: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of one ``python -m monitor …`` child, its stdout discarded.

    CPU beside wall: on a loaded machine (CI, parallel work) the wall time says more about the
    neighbours than about the report."""
    began = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-c", _CHILD, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = err.rstrip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("VmHWM"):
        raise SystemExit(f"monitor {' '.join(args)} exited {proc.returncode}: {err[-2000:]}")
    peak_kib = int(lines[-1].split()[1])
    return wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024


def scrapes(db: Path, n: int) -> tuple[list[float], float]:
    """Wall seconds of each scrape over HTTP, and this process's CPU seconds per scrape (exporter
    and client together: an upper bound of the exporter's)."""
    server = ExporterServer(StoreCollector(db, browsers=list(RATES)), "127.0.0.1", 0).start()
    try:
        times, cpu = [], 0.0
        for i in range(n + 1):
            cpu_began = time.process_time()
            began = time.perf_counter()
            with urllib.request.urlopen(f"{server.url}/metrics", timeout=30) as response:
                response.read()
            times.append(time.perf_counter() - began)
            cpu += (time.process_time() - cpu_began) if i else 0.0
        return times[1:], cpu / n  # the first one warms imports, SQLite's page cache and the verdicts' cache
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="history database (built if absent, reused if present)")
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--journeys", type=int, default=8)
    ap.add_argument("--interval", type=float, default=900.0, help="seconds between cycles")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each report")
    ap.add_argument("--scrapes", type=int, default=30)
    args = ap.parse_args(argv)
    banner("report_speed")
    with tempfile.TemporaryDirectory(prefix="report-speed-") as tmp:
        db = args.db or Path(tmp) / "history.db"
        if not db.exists():
            build(db, args.days, args.journeys, args.interval)
        print(f"store: {db} ({db.stat().st_size / 2**20:.1f} MiB, {rows_in(db)} rows)", flush=True)
        for name, extra in (("report (text)", []), ("report --html", ["--html", str(Path(tmp) / "report.html")])):
            for i in range(args.repeat):
                wall, cpu, rss = child(["report", "--db", str(db), *extra])
                print(f"{name:<14} run {i + 1}: wall {wall:.2f} s, CPU {cpu:.2f} s, peak RSS {rss:.0f} MiB", flush=True)
        times, cpu_each = scrapes(db, args.scrapes)
        print(f"/metrics scrape ({len(times)}): median {ms(statistics.median(times))}, "
              f"p95 {ms(percentile(times, 95))}, max {ms(max(times))}; CPU {ms(cpu_each)} a scrape", flush=True)
    banner("report_speed", "end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
