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


def child(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one ``python -m monitor …`` child, its stdout discarded."""
    began = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "-m", "monitor", *args], cwd=ROOT, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"monitor {' '.join(args)} exited {proc.returncode}")
    return wall, usage.ru_maxrss / 1024  # Linux: KiB


def scrapes(db: Path, n: int) -> list[float]:
    server = ExporterServer(StoreCollector(db, browsers=list(RATES)), "127.0.0.1", 0).start()
    try:
        times = []
        for _ in range(n + 1):
            began = time.perf_counter()
            with urllib.request.urlopen(f"{server.url}/metrics", timeout=30) as response:
                response.read()
            times.append(time.perf_counter() - began)
        return times[1:]  # the first one warms imports and SQLite's page cache
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
                wall, rss = child(["report", "--db", str(db), *extra])
                print(f"{name:<14} run {i + 1}: wall {wall:.2f} s, peak RSS {rss:.0f} MiB", flush=True)
        times = scrapes(db, args.scrapes)
        print(f"/metrics scrape ({len(times)}): median {ms(statistics.median(times))}, "
              f"p95 {ms(percentile(times, 95))}, max {ms(max(times))}", flush=True)
    banner("report_speed", "end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
