"""Store durability against a real kill: a monitor SIGKILLed mid-cycle keeps its committed rows and
the cycle is marked interrupted. The store's file checks: tests/unit/test_monitor_store_files.py.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from monitor.store.results_db import Store

ROOT = Path(__file__).resolve().parents[2]

WRITER = r"""
import sys, time
from monitor.store.results_db import Store
from fixtures.core.contract import JourneyResult
store = Store.open_writer(sys.argv[1])
cid = store.start_cycle(["J1"], ["chromium", "firefox"])
for i in range(1, 100000):
    store.record_attempt(cid, 1, [JourneyResult(f"J{i}", "chromium", "success" if i % 3 else "failure",
                                                duration_seconds=1.0)])
    print(i, flush=True)
"""


def test_kill_9_mid_cycle_keeps_committed_rows_and_marks_cycle_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    committed = 0
    deadline = time.monotonic() + 30
    while committed < 25 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed = int(line)
    os.kill(proc.pid, signal.SIGKILL)  # mid-cycle, possibly mid-transaction
    proc.wait()
    assert committed >= 25, "writer did not get going"
    with Store.open_writer(db) as store:  # the kernel released the writer lock
        store.integrity_check()
        cycle = store.cycles()[0]
        assert cycle.status == "interrupted"
        assert "found at start-up" in (cycle.message or "")
        rows = store.results()
        assert len(rows) >= committed  # everything reported as committed is there
        counters = {(n, tuple(sorted(lab.items()))): v for n, lab, v in store.counters()}
        runs = sum(v for (n, _), v in counters.items() if n == "runs_total")
        assert runs == len(rows)  # counters moved in the same transactions as the rows
        assert counters[("cycle_errors_total", (("reason", "interrupted"),))] == 1
        cid = store.start_cycle(["J1"], ["chromium"])  # and the store keeps working
        store.finish_cycle(cid, "completed")
    with Store.open_writer(db) as store:  # history survives a restart; nothing re-marked
        assert [c.status for c in store.cycles()] == ["completed", "interrupted"]


