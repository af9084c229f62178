"""The SQLite results store (WAL): cycles, one row per journey × browser × attempt, and the
cumulative counters and last-value gauges the exporter serves. The only package that holds SQL.

The store is put together from small modules, one job each:

* ``schema``: tables, identity, migrations; ``errors``: what goes wrong, said plainly;
* ``connection``: one connection (WAL, transactions); ``writer_lock``: one writer per database;
* ``writes``: cycles and attempts, with ``accounting`` (their counters, in the same transaction)
  and retention, whose file clean-up is ``artifact_files``;
* ``reads``: named queries that hand back the contract's types (``StoredResult.record`` is a
  ``JourneyResult``); callers never write SQL.
"""
from __future__ import annotations

from pathlib import Path

from monitor.store import writer_lock
from monitor.store.errors import StoreCorruptError, StoreError, StoreLockedError
from monitor.store.reads import CycleRow, StoredResult, StoreReads
from monitor.store.schema import CYCLE_STATUSES, SCHEMA_VERSION
from monitor.store.writes import StoreWrites

__all__ = ["CYCLE_STATUSES", "SCHEMA_VERSION", "CycleRow", "Store", "StoreCorruptError", "StoreError",
           "StoreLockedError", "StoredResult"]


class Store(StoreWrites, StoreReads):
    """One connection to the monitor database. Writers use :meth:`open_writer`, readers :meth:`open_reader`."""

    @classmethod
    def open_writer(cls, path: str | Path, *, busy_timeout: float = 5.0) -> "Store":
        """Open for writing: take the writer lock, check integrity, migrate, recover.

        The lock file (``<db>.lock``, flock) makes a second monitor on the same database
        fail fast with the holder's pid instead of interleaving cycles.
        """
        p = Path(path)
        fd = writer_lock.take(p)
        try:
            store = cls(p, busy_timeout=busy_timeout)
            store._lock_fd = fd
            store.integrity_check()
        except BaseException:
            writer_lock.release(fd)
            raise
        store.recover_interrupted()
        return store

    @classmethod
    def open_reader(cls, path: str | Path, *, busy_timeout: float = 5.0) -> "Store":
        return cls(path, readonly=True, busy_timeout=busy_timeout)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
