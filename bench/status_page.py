"""What the public status page costs: ``monitor status-page`` (wall time, peak RSS, bytes written) and
``/status/`` served by ``monitor serve`` (first request, then cached requests, over HTTP).

Builds a history first (``support.synthetic.populate``: days × 8 journeys × 3 browsers every 15 minutes,
written through the store as the runner writes), or reuses ``--db``. Prints figures, never asserts.

    .venv/bin/python -m bench.status_page                     # 2 days, built once
    .venv/bin/python -m bench.status_page --days 30 --db /tmp/s.db
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
from fixtures.services.ports import free_port  # noqa: E402
from monitor.store.results_db import Store  # noqa: E402

RATES = {"firefox": 0.98, "chromium": 0.71, "webkit": 0.9}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=float, default=2.0)
    ap.add_argument("--db", type=Path, default=None, help="history to use (built when missing)")
    ap.add_argument("--requests", type=int, default=50)
    args = ap.parse_args()
    banner("status_page")
    work = Path(tempfile.mkdtemp(prefix="bench-status-"))
    db = args.db or work / "history.db"
    if not db.exists():
        began = time.perf_counter()
        store = Store.open_writer(db)
        populate(store, cycles=int(args.days * 96), journeys=JOURNEY_IDS[:8], rates=RATES, seed=1, junk_rate=0.1)
        store.close()
        print(f"history: {args.days:g} days × 8 journeys × 3 browsers built in {time.perf_counter() - began:.1f} s")
    port = free_port()
    config = work / "monitor.toml"
    config.write_text(f'[run]\nbrowsers = ["firefox", "chromium", "webkit"]\n[store]\npath = "{db}"\n'
                      f'[exporter]\nlisten = "127.0.0.1:{port}"\n')
    began = time.perf_counter()
    child = subprocess.Popen([PYTHON, "-m", "monitor", "--config", str(config), "status-page", "--out",
                              str(work / "out")], cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    sizes = {p.name: p.stat().st_size for p in sorted((work / "out").iterdir())}
    print(f"status-page: {wall:.2f} s wall, peak RSS {usage.ru_maxrss / 1024:.0f} MB, exit {os.waitstatus_to_exitcode(status)}")
    print(f"files: {sizes}  total {sum(sizes.values())} bytes")
    serve = subprocess.Popen([PYTHON, "-m", "monitor", "--config", str(config), "serve"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/status/"
        while True:
            try:
                began = time.perf_counter()
                urllib.request.urlopen(url, timeout=60).read()
                first = time.perf_counter() - began
                break
            except OSError:
                time.sleep(0.1)
        times = []
        for _ in range(args.requests):
            began = time.perf_counter()
            urllib.request.urlopen(url, timeout=60).read()
            times.append(time.perf_counter() - began)
        print(f"/status/: first request {ms(first)} (builds the page), then {args.requests} requests: median "
              f"{ms(statistics.median(times))}, p95 {ms(percentile(times, 95))}")
    finally:
        serve.terminate()
        serve.wait()
    banner("status_page", "end")


if __name__ == "__main__":
    main()
