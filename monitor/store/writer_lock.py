"""The writer lock: one monitor writes a database at a time (``<db>.lock``, flock, holder's pid inside).

Why a lock file beside the database: a second monitor on the same file must fail fast, naming the
holder, instead of interleaving its cycles with the first one's. The kernel drops the lock when
the holder dies, so a killed monitor never leaves a stale lock behind.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from monitor.store.errors import StoreError, StoreLockedError


def take(db: Path) -> int:
    """Take the lock of ``db`` (never waits); the file descriptor to :func:`release`."""
    lock_path = db.with_name(db.name + ".lock")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot use {db} ({exc.strerror}): point [store] path at a writable directory") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise StoreLockedError(f"database {db} is in use by another monitor (pid {holder}); stop it first, "
                               "or give this one its own [store] path. Nothing was changed.") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def release(fd: int) -> None:
    os.close(fd)  # releases the flock
