"""One SQLite connection to the store: opened checked, WAL for writers, transactions, errors said plainly.

Why WAL + ``synchronous=FULL``: each attempt is committed as soon as the child reports it, so a
``kill -9`` mid-cycle loses at most the attempt in flight, and the exporter and reports read
while the scheduler writes. Every SQLite error leaves as a :class:`StoreError` saying what to do.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Callable, TypeVar

from monitor.store import schema
from monitor.store.errors import StoreCorruptError, wrap

T = TypeVar("T")


class StoreConnection:
    """The connection the store's reads and writes share."""

    def __init__(self, path: str | Path, *, readonly: bool = False, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock_fd: int | None = None
        schema.check_file(self.path, readonly)
        try:
            if readonly:
                uri = f"file:{self.path.resolve()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None,
                                            check_same_thread=False)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            schema.check_identity(self.conn, self.path)
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = FULL")
                schema.migrate(self.conn, self.transaction)
        except sqlite3.Error as exc:
            self._close_quietly()
            raise wrap(self.path, exc) from None

    def integrity_check(self) -> None:
        """``PRAGMA quick_check``; raise :class:`StoreCorruptError` unless it says ok."""
        rows = [r[0] for r in self._run(lambda: self.conn.execute("PRAGMA quick_check").fetchall())]
        if rows != ["ok"]:
            raise StoreCorruptError(f"database {self.path} failed its integrity check ({'; '.join(rows[:3])}). "
                                    "It was left untouched: move it aside or restore a backup.")

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
            from monitor.store import writer_lock
            writer_lock.release(self._lock_fd)
            self._lock_fd = None

    class _Tx:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def __enter__(self) -> sqlite3.Connection:
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn

        def __exit__(self, exc_type: Any, *_: Any) -> None:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")

    def transaction(self) -> "StoreConnection._Tx":
        return StoreConnection._Tx(self.conn)

    def _run(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return fn(*args)
        except sqlite3.Error as exc:
            raise wrap(self.path, exc) from None
