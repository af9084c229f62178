"""The per-target readers-writer lock: readers together, a writer alone, writers not starved.

Checked with non-blocking probes and events, not sleeps: each step asks the kernel whether a
lock could be taken right now.
"""
from __future__ import annotations

import fcntl
import threading
from pathlib import Path

from fixtures.target.lock import TargetLock


def can_lock(path: Path, mode: int) -> bool:
    """Would ``mode`` be granted right now to another open file? (then released at once)"""
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def wait_until(predicate, what: str, timeout: float = 10.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        done.wait(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def in_thread(lock_cm, entered: threading.Event, leave: threading.Event) -> threading.Thread:
    def hold() -> None:
        with lock_cm():
            entered.set()
            leave.wait(20)
    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def test_readers_share_and_a_writer_waits_for_them(tmp_path: Path) -> None:
    lock = TargetLock("http://127.0.0.1:8000/", directory=tmp_path)
    with lock.shared():
        with lock.shared():  # a second reader (another open file) is not blocked
            assert not can_lock(lock.path, fcntl.LOCK_EX)
        entered, leave = threading.Event(), threading.Event()
        writer = in_thread(lock.exclusive, entered, leave)
        wait_until(lambda: not can_lock(lock.turnstile_path, fcntl.LOCK_EX), "the writer at the turnstile")
        assert not entered.is_set(), "the writer must wait for the reader in progress"
    assert entered.wait(10), "the writer enters once the reader left"
    assert not can_lock(lock.path, fcntl.LOCK_SH), "no reader while the writer holds the lock"
    leave.set()
    writer.join(10)
    assert can_lock(lock.path, fcntl.LOCK_EX)


def test_a_waiting_writer_is_not_starved_by_new_readers(tmp_path: Path) -> None:
    lock = TargetLock("http://127.0.0.1:8000", directory=tmp_path)
    first_reader_leaves = threading.Event()
    reader_in = threading.Event()
    reader = in_thread(lock.shared, reader_in, first_reader_leaves)
    assert reader_in.wait(10)
    writer_in, writer_leaves = threading.Event(), threading.Event()
    writer = in_thread(lock.exclusive, writer_in, writer_leaves)
    wait_until(lambda: not can_lock(lock.turnstile_path, fcntl.LOCK_EX), "the writer at the turnstile")
    late_in, late_leaves = threading.Event(), threading.Event()
    late = in_thread(lock.shared, late_in, late_leaves)
    first_reader_leaves.set()
    assert writer_in.wait(10), "the writer goes before the reader that came after it"
    assert not late_in.is_set()
    writer_leaves.set()
    assert late_in.wait(10), "the late reader enters once the writer is done"
    late_leaves.set()
    for thread in (reader, writer, late):
        thread.join(10)


def test_one_lock_per_target_and_the_url_is_not_in_the_file_name(tmp_path: Path) -> None:
    a = TargetLock("http://user:secret@127.0.0.1:8000/", directory=tmp_path)
    b = TargetLock("http://127.0.0.1:8001", directory=tmp_path)
    assert a.path != b.path
    assert TargetLock("http://user:secret@127.0.0.1:8000", directory=tmp_path).path == a.path
    assert "secret" not in a.path.name and "8000" not in a.path.name
    with a.exclusive():
        assert can_lock(b.path, fcntl.LOCK_EX), "another target is not held up"
