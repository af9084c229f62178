"""The store's tables, its identity (application id, schema version) and migrations.

Why these choices: a file that is not our database, is corrupt, or was written by a newer
monitor is reported and left untouched (never re-created, never "repaired" by overwriting).
Rows keep the contract's record whole as JSON (column ``record``) beside the key columns the
store queries (cycle, time, journey, browser, attempt, outcome, failure class), so a field added
to the contract is kept without a schema change. The other columns are those of schema 1,
still written so an older monitor reading this file sees what it knows.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable, ContextManager

from monitor.store.errors import StoreCorruptError, StoreError

SCHEMA_VERSION = 2  # 2: outcomes checked by the results contract; the whole record kept as JSON
APPLICATION_ID = 0x4150534D  # 'APSM': tells our database from any other SQLite file
SQLITE_MAGIC = b"SQLite format 3\x00"
CYCLE_STATUSES = ("running", "completed", "interrupted", "timeout")

SCHEMA = f"""
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



def check_file(path: Path, readonly: bool) -> None:
    """Refuse, before SQLite opens it, a path that is missing (to read), a directory, or not SQLite."""
    if not path.exists():
        if readonly:
            raise StoreError(f"database {path} does not exist yet: run `python -m monitor once` "
                             "or `run` first, or point --db / [store] path at the right file")
        return
    if path.is_dir():
        raise StoreError(f"database path {path} is a directory; give a file path")
    with open(path, "rb") as f:
        head = f.read(16)
    if head and head != SQLITE_MAGIC:
        raise StoreCorruptError(f"{path} is not a SQLite database (header {head[:16]!r}). It was left "
                                "untouched: check [store] path, or move the file aside; the monitor never overwrites it.")


def check_identity(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse another application's database and one of a newer schema."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and app_id != APPLICATION_ID:
        raise StoreCorruptError(f"{path} is a SQLite database but not a monitor store "
                                f"(tables: {', '.join(sorted(tables)[:5])}). It was left untouched: check [store] path.")
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer monitor (schema {version} > {SCHEMA_VERSION}); "
                         "upgrade this monitor. Nothing was changed.")


def migrate(conn: sqlite3.Connection, transaction: Callable[[], ContextManager[sqlite3.Connection]]) -> None:
    """Create the tables of a new store, or bring an older one to ``SCHEMA_VERSION``, in one transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    with transaction():
        if version == 1:
            # v1 checked outcomes against a hand-written list (SQLite cannot drop a CHECK: copy
            # the table). Outcomes are now checked by the results contract on the way in.
            conn.execute("ALTER TABLE results RENAME TO results_v1")
            conn.execute("DROP INDEX IF EXISTS results_ts")
            conn.execute("DROP INDEX IF EXISTS results_cycle")
            conn.execute(SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS results"):].split(";")[0])
            columns = ("id, cycle_id, ts, journey, browser, attempt, outcome, failure_class, message, test, "
                       "duration_seconds, steps, mail_latencies, spam_scores, incident_notice, artifacts")
            conn.execute(f"INSERT INTO results ({columns}) SELECT {columns} FROM results_v1")
            conn.execute("DROP TABLE results_v1")
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
