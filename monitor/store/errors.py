"""What goes wrong with the results store, as exceptions whose message says why and what to do.

Why its own module: the scheduler, the exporter and the CLI catch these without importing the
store's SQL; a file that is not ours, corrupt or locked is reported and left untouched.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path


class StoreError(RuntimeError):
    """The store cannot be used; the message says why and what to do."""


class StoreCorruptError(StoreError):
    pass


class StoreLockedError(StoreError):
    pass


def wrap(path: Path, exc: sqlite3.Error) -> StoreError:
    """A SQLite error as the store's own, with what to do about it."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreLockedError(f"database {path} is locked by another process ({exc}); "
                                "wait for it or stop the other monitor. Nothing was changed.")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreCorruptError(f"database {path} is corrupt ({exc}). It was left untouched: move it aside "
                                 "(or restore a backup) and start again; the monitor never overwrites it.")
    return StoreError(f"database {path}: {exc}")
