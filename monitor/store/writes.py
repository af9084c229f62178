"""Writing the store: cycles, one row per journey × browser × attempt with its counters, retention.

Why one transaction per attempt: the rows and the counters they add to are committed together
(``monitor.store.accounting``), as soon as the child reports, so a ``kill -9`` mid-cycle loses at
most the attempt in flight and never leaves a counter out of step with its rows.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Iterable, Sequence

from fixtures.core.contract import JourneyResult
from monitor import metrics
from monitor.budgets import Budgets
from monitor.classify import browser_label, journey_label
from monitor.store import accounting, artifact_files
from monitor.store.connection import StoreConnection
from monitor.store.errors import StoreError
from monitor.store.schema import CYCLE_STATUSES


class StoreWrites(StoreConnection):
    """The writer's half of :class:`monitor.store.results_db.Store`."""

    def recover_interrupted(self) -> int:
        """Mark cycles left 'running' (the monitor was killed) as 'interrupted'."""
        def go() -> int:
            with self.transaction() as c:
                ids = [r[0] for r in c.execute("SELECT id FROM cycles WHERE status = 'running'")]
                for cid in ids:
                    last = c.execute("SELECT max(ts) FROM results WHERE cycle_id = ?", (cid,)).fetchone()[0]
                    c.execute("UPDATE cycles SET status = 'interrupted', finished_at = coalesce(?, started_at), "
                              "message = 'monitor stopped mid-cycle (killed or crashed); found at start-up' WHERE id = ?",
                              (last, cid))
                    accounting.count(c, metrics.CYCLES, 1, status="interrupted")
                    accounting.count(c, metrics.CYCLE_ERRORS, 1, reason="interrupted")
                return len(ids)
        return self._run(go)

    def start_cycle(self, journeys: Sequence[str], browsers: Sequence[str], mode: str = "run",
                    now: float | None = None) -> int:
        def go() -> int:
            with self.transaction() as c:
                cur = c.execute("INSERT INTO cycles (started_at, status, mode, journeys, browsers, pid) "
                                "VALUES (?, 'running', ?, ?, ?, ?)",
                                (now or time.time(), mode, json.dumps(list(journeys)), json.dumps(list(browsers)), os.getpid()))
                if cur.lastrowid is None:  # sqlite3 always gives the rowid of an INSERT
                    raise StoreError(f"{self.path}: the new cycle got no row id")
                return cur.lastrowid
        return self._run(go)

    def finish_cycle(self, cycle_id: int, status: str, message: str | None = None, now: float | None = None) -> None:
        if status not in CYCLE_STATUSES or status == "running":
            raise ValueError(f"bad final status {status!r}")

        def go() -> None:
            with self.transaction() as c:
                c.execute("UPDATE cycles SET status = ?, finished_at = ?, message = ? WHERE id = ?",
                          (status, now or time.time(), message, cycle_id))
                accounting.count(c, metrics.CYCLES, 1, status=status)
                if status == "completed":
                    accounting.gauge(c, metrics.LAST_CYCLE, now or time.time(), now or time.time())
        self._run(go)

    def record_cycle_error(self, reason: str, n: int = 1) -> None:
        """Count one of the monitor's own errors (never a target failure)."""
        def go() -> None:
            with self.transaction() as c:
                accounting.count(c, metrics.CYCLE_ERRORS, n, reason=reason)
        self._run(go)

    def record_attempt(self, cycle_id: int, attempt: int, results: Iterable[JourneyResult],
                       now: float | None = None, budgets: Budgets | None = None) -> None:
        """Store one attempt's results and update counters and gauges, in one transaction.

        ``runs_total`` counts attempt 1 only (what rates count); ``flaky_total`` counts a
        later attempt that passes after a failed first one. Step durations and ``budgets``
        (``monitor.budgets``) count every attempt that judged the target, as journey durations do.
        """
        budgets = budgets or Budgets()
        ts = now or time.time()
        results = list(results)
        for r in results:  # the contract's rules (a known outcome, a not-run reason) before any row
            r.check(f"attempt {attempt} {r.journey}/{r.browser}")

        def go() -> None:
            with self.transaction() as c:
                for r in results:
                    j, b = journey_label(r.journey), browser_label(r.browser)
                    c.execute(
                        "INSERT INTO results (cycle_id, ts, journey, browser, attempt, outcome, failure_class, message, "
                        "test, duration_seconds, steps, mail_latencies, spam_scores, incident_notice, artifacts, "
                        "record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (cycle_id, ts, j, b, attempt, r.outcome, r.failure_class, r.message, r.test or None,
                         r.duration_seconds, json.dumps(r.to_dict()["steps"]),
                         json.dumps([m.__dict__ for m in r.mail_latencies]), json.dumps(list(r.spam_scores)),
                         None if r.incident_notice is None else int(r.incident_notice), json.dumps(list(r.artifacts)),
                         # The whole record: fields added to the contract are kept without a schema change.
                         json.dumps({**r.to_dict(), "journey": j, "browser": b}, ensure_ascii=False)))
                    accounting.account(c, cycle_id, attempt, r, j, b, ts, budgets)
        self._run(go)

    def apply_retention(self, *, results_max_age: float, artifacts_dir: Path | None, artifacts_max_age: float,
                        artifacts_max_bytes: int, now: float | None = None) -> dict[str, int]:
        """Delete old cycles/rows, then old artifacts and the oldest ones past the size cap.

        Only files inside ``artifacts_dir`` are ever deleted (paths elsewhere are left alone).
        Counters are kept; gauges not updated within the row retention are dropped.
        """
        now = now or time.time()
        done = {"cycles": 0, "results": 0, "artifact_files": 0, "artifact_bytes": 0}
        if results_max_age > 0:
            cutoff = now - results_max_age

            def go() -> list[str]:
                with self.transaction() as c:
                    ids = [r[0] for r in c.execute("SELECT id FROM cycles WHERE started_at < ? AND status != 'running'", (cutoff,))]
                    paths: list[str] = []
                    for cid in ids:
                        for (a,) in c.execute("SELECT artifacts FROM results WHERE cycle_id = ?", (cid,)):
                            paths.extend(json.loads(a or "[]"))
                        done["results"] += c.execute("DELETE FROM results WHERE cycle_id = ?", (cid,)).rowcount
                        c.execute("DELETE FROM cycles WHERE id = ?", (cid,))
                    done["cycles"] = len(ids)
                    c.execute("DELETE FROM gauges WHERE ts < ?", (cutoff,))
                    return paths
            artifact_files.delete_listed(self._run(go), artifacts_dir, done)
        artifact_files.sweep(artifacts_dir, max_age=artifacts_max_age, max_bytes=artifacts_max_bytes, now=now, done=done)
        return done
