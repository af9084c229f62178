"""SQLite results store (WAL): cycles, one row per journey × browser × attempt, and the
cumulative counters and last-value gauges the exporter serves.

Why these choices:

* WAL + ``synchronous=FULL``: each attempt is committed as soon as the child reports it,
  so a ``kill -9`` mid-cycle loses at most the attempt in flight, and the exporter and
  reports read while the scheduler writes.
* Counters live in their own table, updated in the same transaction as the rows they
  count, and retention never deletes them: a restart or a clean-up never makes a
  Prometheus counter go backwards (which ``rate()`` would read as a reset and a spike).
* A file that is not our database, is corrupt, or belongs to a newer version is reported
  and left untouched (never re-created, never "repaired" by overwriting). A database
  another monitor is writing is reported as locked, with the holder's pid.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from fixtures.core.contract import JourneyResult, MailLatency, Step, parse_result
from fixtures.core.mail_path import MECHANISMS, hop_label
from fixtures.core.outcomes import JUDGED_OUTCOMES, NOT_RUN_OUTCOMES, TARGET_FAILURES, AccountQuota
from fixtures.core.procedure import spends_of
from fixtures.core.steps import step_label
from monitor.budgets import Budgets, judged_steps, overruns
from monitor.cycle.classify import PROBE_ERROR, SUCCESS, Run, browser_label, fold_attempts, journey_label
from monitor.export import metrics
from monitor.export.metrics import Metric, bucket_label, label_key
from monitor.stats.funnel import failed_step_ids

SCHEMA_VERSION = 2  # 2: outcomes checked by the results contract; the whole record kept as JSON
APPLICATION_ID = 0x4150534D  # 'APSM': tells our database from any other SQLite file
SQLITE_MAGIC = b"SQLite format 3\x00"
CYCLE_STATUSES = ("running", "completed", "interrupted", "timeout")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS cycles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL CHECK (status IN {CYCLE_STATUSES!r}),
    mode TEXT NOT NULL DEFAULT 'run',
    journeys TEXT NOT NULL DEFAULT '[]',
    browsers TEXT NOT NULL DEFAULT '[]',
    pid INTEGER,
    message TEXT
);
CREATE INDEX IF NOT EXISTS cycles_started ON cycles (started_at);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cycle_id INTEGER NOT NULL REFERENCES cycles (id),
    ts REAL NOT NULL,
    journey TEXT NOT NULL,
    browser TEXT NOT NULL,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    outcome TEXT NOT NULL,
    failure_class TEXT,
    message TEXT,
    test TEXT,
    duration_seconds REAL,
    steps TEXT NOT NULL DEFAULT '[]',
    mail_latencies TEXT NOT NULL DEFAULT '[]',
    spam_scores TEXT NOT NULL DEFAULT '[]',
    incident_notice INTEGER,
    artifacts TEXT NOT NULL DEFAULT '[]',
    record TEXT,
    UNIQUE (cycle_id, journey, browser, attempt)
);
CREATE INDEX IF NOT EXISTS results_ts ON results (ts);
CREATE INDEX IF NOT EXISTS results_cycle ON results (cycle_id);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (name, labels)
);
CREATE TABLE IF NOT EXISTS gauges (
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    value REAL NOT NULL,
    ts REAL NOT NULL,
    PRIMARY KEY (name, labels)
);
"""


class StoreError(RuntimeError):
    """The store cannot be used; the message says why and what to do."""


class StoreCorruptError(StoreError):
    pass


class StoreLockedError(StoreError):
    pass


def _wrap(path: Path, exc: sqlite3.Error) -> StoreError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreLockedError(f"database {path} is locked by another process ({exc}); "
                                "wait for it or stop the other monitor. Nothing was changed.")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreCorruptError(f"database {path} is corrupt ({exc}). It was left untouched: move it aside "
                                 "(or restore a backup) and start again; the monitor never overwrites it.")
    return StoreError(f"database {path}: {exc}")


@dataclass(frozen=True)
class StoredResult:
    id: int
    cycle_id: int
    ts: float
    journey: str
    browser: str
    attempt: int
    outcome: str
    failure_class: str | None
    message: str | None
    test: str | None
    duration_seconds: float | None
    steps: list[dict[str, Any]]
    mail_latencies: list[dict[str, Any]]
    spam_scores: list[float]
    incident_notice: bool | None
    artifacts: list[str]
    record: dict[str, Any] | None = None  # the contract's record as written (None for rows of schema 1)


@dataclass(frozen=True)
class CycleRow:
    id: int
    started_at: float
    finished_at: float | None
    status: str
    mode: str
    journeys: list[str]
    browsers: list[str]
    message: str | None


class Store:
    """One connection to the monitor database. Writers use :meth:`open_writer`."""

    def __init__(self, path: str | Path, *, readonly: bool = False, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock_fd: int | None = None
        self._check_file()
        try:
            if readonly:
                uri = f"file:{self.path.resolve()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None,
                                            check_same_thread=False)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._check_identity()
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = FULL")
                self._migrate()
        except sqlite3.Error as exc:
            self._close_quietly()
            raise _wrap(self.path, exc) from None

    # --- opening -------------------------------------------------------------------
    def _check_file(self) -> None:
        if not self.path.exists():
            if self.readonly:
                raise StoreError(f"database {self.path} does not exist yet: run `python -m monitor once` "
                                 "or `run` first, or point --db / [store] path at the right file")
            return
        if self.path.is_dir():
            raise StoreError(f"database path {self.path} is a directory; give a file path")
        with open(self.path, "rb") as f:
            head = f.read(16)
        if head and head != SQLITE_MAGIC:
            raise StoreCorruptError(f"{self.path} is not a SQLite database (header {head[:16]!r}). It was left "
                                    "untouched: check [store] path, or move the file aside; the monitor never overwrites it.")

    def _check_identity(self) -> None:
        app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and app_id != APPLICATION_ID:
            raise StoreCorruptError(f"{self.path} is a SQLite database but not a monitor store "
                                    f"(tables: {', '.join(sorted(tables)[:5])}). It was left untouched: check [store] path.")
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer monitor (schema {version} > {SCHEMA_VERSION}); "
                             "upgrade this monitor. Nothing was changed.")

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        with self.transaction():
            if version == 1:
                # v1 checked outcomes against a hand-written list (SQLite cannot drop a CHECK: copy
                # the table). Outcomes are now checked by the results contract on the way in.
                self.conn.execute("ALTER TABLE results RENAME TO results_v1")
                self.conn.execute("DROP INDEX IF EXISTS results_ts")
                self.conn.execute("DROP INDEX IF EXISTS results_cycle")
                self.conn.execute(_SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS results"):].split(";")[0])
                columns = ("id, cycle_id, ts, journey, browser, attempt, outcome, failure_class, message, test, "
                           "duration_seconds, steps, mail_latencies, spam_scores, incident_notice, artifacts")
                self.conn.execute(f"INSERT INTO results ({columns}) SELECT {columns} FROM results_v1")
                self.conn.execute("DROP TABLE results_v1")
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self.conn.execute(stmt)
            self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def integrity_check(self) -> None:
        """``PRAGMA quick_check``; raise :class:`StoreCorruptError` unless it says ok."""
        try:
            rows = [r[0] for r in self.conn.execute("PRAGMA quick_check")]
        except sqlite3.Error as exc:
            raise _wrap(self.path, exc) from None
        if rows != ["ok"]:
            raise StoreCorruptError(f"database {self.path} failed its integrity check ({'; '.join(rows[:3])}). "
                                    "It was left untouched: move it aside or restore a backup.")

    @classmethod
    def open_writer(cls, path: str | Path, *, busy_timeout: float = 5.0) -> "Store":
        """Open for writing: take the writer lock, check integrity, migrate, recover.

        The lock file (``<db>.lock``, flock) makes a second monitor on the same database
        fail fast with the holder's pid instead of interleaving cycles.
        """
        p = Path(path)
        lock_path = p.with_name(p.name + ".lock")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot use {p} ({exc.strerror}): point [store] path at a writable directory") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreLockedError(f"database {p} is in use by another monitor (pid {holder}); stop it first, "
                                   "or give this one its own [store] path. Nothing was changed.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            store = cls(p, busy_timeout=busy_timeout)
            store._lock_fd = fd
            store.integrity_check()
        except BaseException:
            os.close(fd)
            raise
        store.recover_interrupted()
        return store

    @classmethod
    def open_reader(cls, path: str | Path, *, busy_timeout: float = 5.0) -> "Store":
        return cls(path, readonly=True, busy_timeout=busy_timeout)

    def _close_quietly(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def close(self) -> None:
        self._close_quietly()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    class _Tx:
        def __init__(self, store: "Store") -> None:
            self.store = store

        def __enter__(self) -> sqlite3.Connection:
            self.store.conn.execute("BEGIN IMMEDIATE")
            return self.store.conn

        def __exit__(self, exc_type: Any, *_: Any) -> None:
            self.store.conn.execute("ROLLBACK" if exc_type else "COMMIT")

    def transaction(self) -> "Store._Tx":
        return Store._Tx(self)

    def _run(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except sqlite3.Error as exc:
            raise _wrap(self.path, exc) from None

    # --- writing -------------------------------------------------------------------
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
                    self._count(c, metrics.CYCLES, 1, status="interrupted")
                    self._count(c, metrics.CYCLE_ERRORS, 1, reason="interrupted")
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
                self._count(c, metrics.CYCLES, 1, status=status)
                if status == "completed":
                    self._gauge(c, metrics.LAST_CYCLE, now or time.time(), now or time.time())
        self._run(go)

    def record_cycle_error(self, reason: str, n: int = 1) -> None:
        """Count one of the monitor's own errors (never a target failure)."""
        def go() -> None:
            with self.transaction() as c:
                self._count(c, metrics.CYCLE_ERRORS, n, reason=reason)
        self._run(go)

    @staticmethod
    def _count(c: sqlite3.Connection, metric: Metric, n: float, **labels: str) -> None:
        Store._add(c, metric.key, n, labels)

    @staticmethod
    def _add(c: sqlite3.Connection, name: str, n: float, labels: dict[str, str]) -> None:
        c.execute("INSERT INTO counters (name, labels, value) VALUES (?, ?, ?) "
                  "ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
                  (name, label_key(labels), n))

    @staticmethod
    def _gauge(c: sqlite3.Connection, metric: Metric, value: float, ts: float, **labels: str) -> None:
        c.execute("INSERT INTO gauges (name, labels, value, ts) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (name, labels) DO UPDATE SET value = excluded.value, ts = excluded.ts",
                  (metric.key, label_key(labels), value, ts))

    @classmethod
    def _observe(cls, c: sqlite3.Connection, metric: Metric, value: float, **labels: str) -> None:
        """A histogram observation as counter rows ``<key>_bucket{le}``, ``<key>_sum``, ``<key>_count``."""
        for le in (*metric.buckets, float("inf")):
            if value <= le:
                cls._add(c, f"{metric.key}_bucket", 1, {**labels, "le": bucket_label(le)})
        cls._add(c, f"{metric.key}_sum", value, labels)
        cls._add(c, f"{metric.key}_count", 1, labels)

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
                         r.duration_seconds, json.dumps([s.__dict__ for s in r.steps]),
                         json.dumps([m.__dict__ for m in r.mail_latencies]), json.dumps(list(r.spam_scores)),
                         None if r.incident_notice is None else int(r.incident_notice), json.dumps(list(r.artifacts)),
                         # The whole record: fields added to the contract are kept without a schema change.
                         json.dumps({**r.to_dict(), "journey": j, "browser": b}, ensure_ascii=False)))
                    if attempt == 1:
                        self._count(c, metrics.RUNS, 1, journey=j, browser=b, outcome=r.outcome)
                        if r.outcome in JUDGED_OUTCOMES:
                            # Every step reached gets its series at 0 first, so Prometheus sees the
                            # first failure there as an increase (a series born at 1 would hide it).
                            for step in sorted({step_label(s.id) for s in r.steps}):
                                self._count(c, metrics.STEP_FAILURES, 0, journey=j, browser=b, step=step)
                        if r.outcome in TARGET_FAILURES:  # where the target failed, by fixed step id
                            for step in failed_step_ids(r):
                                self._count(c, metrics.STEP_FAILURES, 1, journey=j, browser=b, step=step)
                    elif r.outcome == SUCCESS:
                        first = c.execute("SELECT outcome FROM results WHERE cycle_id = ? AND journey = ? AND browser = ? "
                                          "AND attempt = 1", (cycle_id, j, b)).fetchone()
                        if first and first[0] != SUCCESS:
                            self._count(c, metrics.FLAKY, 1, journey=j, browser=b)
                    if r.outcome in JUDGED_OUTCOMES:
                        self._gauge(c, metrics.PROBE_SUCCESS, 1.0 if r.outcome == SUCCESS else 0.0, ts, journey=j, browser=b)
                        self._observe(c, metrics.DURATION, r.duration_seconds, journey=j, browser=b)
                    self._record_timings(c, r, j, b, budgets)
                    if r.outcome not in NOT_RUN_OUTCOMES:
                        self._gauge(c, metrics.PROBE_ERROR, 1.0 if r.outcome == PROBE_ERROR else 0.0, ts, journey=j, browser=b)
                    if r.outcome == SUCCESS:
                        self._gauge(c, metrics.LAST_SUCCESS, ts, ts, journey=j, browser=b)
                    for m in r.mail_latencies:
                        self._observe(c, metrics.MAIL_DELIVERY, m.delivery_seconds, journey=j)
                        if m.placement is not None:  # read over IMAP: the folder the mailbox filed it in
                            self._count(c, metrics.MAIL_PLACEMENT, 1, journey=j, folder=m.placement)
                    for path in r.mail_paths:  # each mail is a fact of the mail path, whatever the attempt
                        for mechanism in MECHANISMS:
                            self._count(c, metrics.MAIL_AUTH, 1, mechanism=mechanism, result=getattr(path, mechanism))
                        for hop in path.hops:
                            if hop.delay_seconds is not None:
                                self._observe(c, metrics.MAIL_HOP_DELAY, hop.delay_seconds, hop=hop_label(hop.index))
                    if r.spam_scores:
                        self._gauge(c, metrics.SPAM_SCORE, max(r.spam_scores), ts, journey=j)
                    if r.incident_notice is not None:
                        self._gauge(c, metrics.INCIDENT_NOTICE, 1.0 if r.incident_notice else 0.0, ts)
                    if r.failure_class == AccountQuota.failure_class:
                        if attempt == 1:
                            self._count(c, metrics.ACCOUNTS_EXHAUSTED, 1, journey=j, browser=b)
                        self._gauge(c, metrics.ACCOUNTS_MISSING, float(r.accounts_short or 1), ts)
                    elif r.outcome in JUDGED_OUTCOMES and spends_of(r.journey):  # it got an account
                        self._gauge(c, metrics.ACCOUNTS_MISSING, 0.0, ts)
        self._run(go)

    @classmethod
    def _record_timings(cls, c: sqlite3.Connection, r: JourneyResult, j: str, b: str, budgets: Budgets) -> None:
        """Step durations (histogram) and budget overruns; a budgeted series starts at 0 so its first
        overrun is an increase Prometheus sees."""
        over = overruns(r, budgets)
        for step, _words, seconds in judged_steps(r):
            cls._observe(c, metrics.STEP_DURATION, seconds, journey=j, browser=b, step=step)
            if budgets.for_step(step) > 0:
                cls._count(c, metrics.STEP_OVER_BUDGET, 0, journey=j, browser=b, step=step)
        for o in over:
            if o.step_id is not None:
                cls._count(c, metrics.STEP_OVER_BUDGET, 1, journey=j, browser=b, step=o.step_id)
        if r.outcome == SUCCESS and budgets.journeys.get(r.journey, 0.0) > 0:
            cls._count(c, metrics.JOURNEY_OVER_BUDGET, sum(1 for o in over if o.step_id is None),
                       journey=j, browser=b)

    # --- retention -----------------------------------------------------------------
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
            for p in self._run(go):
                done["artifact_bytes"] += _delete_inside(Path(p), artifacts_dir, done)
        if artifacts_dir is not None and artifacts_dir.is_dir():
            files = []
            for f in _walk_files(artifacts_dir):
                try:
                    st = f.lstat()
                except OSError:
                    continue
                files.append((st.st_mtime, st.st_size, f))
            files.sort()
            total = sum(s for _, s, _ in files)
            for mtime, _size, f in files:
                too_old = artifacts_max_age > 0 and mtime < now - artifacts_max_age
                too_big = artifacts_max_bytes > 0 and total > artifacts_max_bytes
                if not (too_old or too_big):
                    continue
                freed = _delete_inside(f, artifacts_dir, done)
                total -= freed
                done["artifact_bytes"] += freed
            _prune_empty_dirs(artifacts_dir)
        return done

    # --- reading -------------------------------------------------------------------
    def counters(self) -> list[tuple[str, dict[str, str], float]]:
        return self._run(lambda: [(n, json.loads(labels), v) for n, labels, v in
                                  self.conn.execute("SELECT name, labels, value FROM counters ORDER BY name, labels")])

    def gauges(self) -> list[tuple[str, dict[str, str], float, float]]:
        return self._run(lambda: [(n, json.loads(labels), v, t) for n, labels, v, t in
                                  self.conn.execute("SELECT name, labels, value, ts FROM gauges ORDER BY name, labels")])

    def cycles(self, limit: int = 50) -> list[CycleRow]:
        rows = self._run(lambda: self.conn.execute(
            "SELECT id, started_at, finished_at, status, mode, journeys, browsers, message FROM cycles "
            "ORDER BY id DESC LIMIT ?", (limit,)).fetchall())
        return [CycleRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), r[7]) for r in rows]

    def cycle(self, cycle_id: int) -> CycleRow | None:
        r = self._run(lambda: self.conn.execute(
            "SELECT id, started_at, finished_at, status, mode, journeys, browsers, message FROM cycles WHERE id = ?",
            (cycle_id,)).fetchone())
        return CycleRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), r[7]) if r else None

    def results(self, *, cycle_id: int | None = None, since: float | None = None,
                where: str = "", limit: int | None = None, newest_first: bool = False) -> list[StoredResult]:
        sql = ("SELECT id, cycle_id, ts, journey, browser, attempt, outcome, failure_class, message, test, "
               "duration_seconds, steps, mail_latencies, spam_scores, incident_notice, artifacts, record "
               "FROM results WHERE 1=1")
        args: list[Any] = []
        if cycle_id is not None:
            sql += " AND cycle_id = ?"
            args.append(cycle_id)
        if since is not None:
            sql += " AND cycle_id IN (SELECT id FROM cycles WHERE started_at >= ?)"
            args.append(since)
        if where:
            sql += f" AND ({where})"
        sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        rows = self._run(lambda: self.conn.execute(sql, args).fetchall())
        return [StoredResult(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], json.loads(r[11]),
                             json.loads(r[12]), json.loads(r[13]), None if r[14] is None else bool(r[14]),
                             json.loads(r[15]), json.loads(r[16]) if r[16] else None) for r in rows]

    def runs(self, *, since: float | None = None, cycle_id: int | None = None) -> list[tuple[float, int, Run]]:
        """(start time of the cycle, cycle id, Run) for every journey × browser run."""
        rows = self.results(since=since, cycle_id=cycle_id)
        starts = dict(self._run(lambda: self.conn.execute("SELECT id, started_at FROM cycles").fetchall()))
        by_cycle: dict[int, list[tuple[int, JourneyResult]]] = {}
        for r in rows:
            by_cycle.setdefault(r.cycle_id, []).append((r.attempt, to_journey_result(r)))
        out = []
        for cid, attempts in sorted(by_cycle.items()):
            for run in fold_attempts(attempts):
                out.append((starts.get(cid, 0.0), cid, run))
        return out

    def first_outcomes(self, *, since: float) -> list[tuple[float, int, str, str, str]]:
        """(cycle start, cycle id, journey, browser, first-attempt outcome) of cycles started since
        ``since``: what the browser comparison needs, without parsing full records (cheap per scrape)."""
        return self._run(lambda: self.conn.execute(
            "SELECT c.started_at, r.cycle_id, r.journey, r.browser, r.outcome FROM results r "
            "JOIN cycles c ON c.id = r.cycle_id WHERE r.attempt = 1 AND c.started_at >= ? "
            "ORDER BY c.started_at, r.cycle_id", (since,)).fetchall())

    def last_completed_cycle_ts(self) -> float | None:
        return self._run(lambda: self.conn.execute(
            "SELECT max(finished_at) FROM cycles WHERE status = 'completed'").fetchone()[0])


def to_journey_result(r: StoredResult) -> JourneyResult:
    if r.record is not None:
        return parse_result(r.record, f"results row {r.id}")
    return JourneyResult(
        journey=r.journey, browser=r.browser, outcome=r.outcome, test=r.test or "", failure_class=r.failure_class,
        message=r.message, duration_seconds=r.duration_seconds or 0.0,
        steps=tuple(Step(**s) for s in r.steps), mail_latencies=tuple(MailLatency(**m) for m in r.mail_latencies),
        spam_scores=tuple(r.spam_scores), incident_notice=r.incident_notice, artifacts=tuple(r.artifacts))


def _walk_files(root: Path) -> Iterator[Path]:
    for dirpath, _dirs, files in os.walk(root, followlinks=False):
        for name in files:
            yield Path(dirpath) / name


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _delete_inside(path: Path, root: Path | None, done: dict[str, int]) -> int:
    """Delete ``path`` (file or directory) only if it lies inside ``root``; return bytes freed."""
    if root is None or not _inside(path, root) or path.resolve() == root.resolve():
        return 0
    try:
        if path.is_dir() and not path.is_symlink():
            size = sum(f.lstat().st_size for f in _walk_files(path))
            shutil.rmtree(path, ignore_errors=True)
        else:
            size = path.lstat().st_size
            path.unlink()
    except FileNotFoundError:
        return 0
    except OSError:
        return 0
    done["artifact_files"] += 1
    return size


def _prune_empty_dirs(root: Path) -> None:
    for dirpath, _dirs, _files in os.walk(root, topdown=False):
        p = Path(dirpath)
        if p != root and not any(p.iterdir()):
            try:
                p.rmdir()
            except OSError:
                pass
