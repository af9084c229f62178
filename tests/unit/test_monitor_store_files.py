"""The store's files: corrupt, foreign or locked databases refused and left untouched, one writer,
what a reader of a missing database is told, retention. kill -9 mid-cycle:
tests/integration/test_monitor_store_kill9.py.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import pytest

from fixtures.core.contract import JourneyResult
from monitor.store.results_db import Store, StoreCorruptError, StoreError, StoreLockedError


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_not_a_database_is_reported_and_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    db.write_bytes(b"these are my notes, not a database\n" * 100)
    before = digest(db)
    with pytest.raises(StoreCorruptError, match="not a SQLite database.*never overwrites"):
        Store.open_writer(db)
    with pytest.raises(StoreCorruptError):
        Store.open_reader(db)
    assert digest(db) == before


def test_corrupt_pages_are_reported_and_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    with Store.open_writer(db) as store:
        cid = store.start_cycle(["J1"], ["chromium"])
        store.record_attempt(cid, 1, [JourneyResult(f"J{i}", "chromium", "success", message="x" * 500) for i in range(200)])
        store.finish_cycle(cid, "completed")
    data = bytearray(db.read_bytes())
    assert len(data) > 8 * 4096
    data[4096 * 2:4096 * 6] = b"\xde\xad\xbe\xef" * 4096  # garbage over b-tree pages, header intact
    db.write_bytes(bytes(data))
    before = digest(db)
    with pytest.raises(StoreCorruptError, match="corrupt|integrity"):
        Store.open_writer(db)
    assert digest(db) == before


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(StoreCorruptError, match="not a monitor store"):
        Store.open_writer(db)


def test_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    with Store.open_writer(db):
        with pytest.raises(StoreLockedError, match=f"pid {os.getpid()}"):
            Store.open_writer(db)
        with Store.open_reader(db) as reader:  # readers are never blocked by the writer
            assert reader.cycles() == []


def test_sqlite_lock_held_elsewhere_is_reported_as_locked(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    store = Store.open_writer(db, busy_timeout=0.2)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreLockedError, match="locked"):
            store.start_cycle(["J1"], ["chromium"])
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()


def test_reader_of_missing_database_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist yet"):
        Store.open_reader(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_retention_by_age_and_size_keeps_counters_and_stays_inside_artifacts(tmp_path: Path) -> None:
    art = tmp_path / "artifacts"
    outside = tmp_path / "precious.png"
    outside.write_bytes(b"x" * 10)
    now = time.time()
    with Store.open_writer(tmp_path / "m.db") as store:
        old_file = art / "cycle-1" / "shot.png"
        old_file.parent.mkdir(parents=True)
        old_file.write_bytes(b"o" * 1000)
        cid = store.start_cycle(["J1"], ["chromium"], now=now - 40 * 86400)
        store.record_attempt(cid, 1, [JourneyResult("J1", "chromium", "failure", artifacts=(str(old_file), str(outside)))],
                             now=now - 40 * 86400)
        store.finish_cycle(cid, "completed", now=now - 40 * 86400)
        new = []
        for i in range(5):  # recent artifacts, 1000 bytes each, oldest first
            f = art / "cycle-2" / f"f{i}.bin"
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(b"n" * 1000)
            os.utime(f, (now - 3600 * (5 - i), now - 3600 * (5 - i)))
            new.append(f)
        stale = art / "loose" / "stale.log"
        stale.parent.mkdir(parents=True)
        stale.write_bytes(b"s" * 10)
        os.utime(stale, (now - 20 * 86400, now - 20 * 86400))
        cid2 = store.start_cycle(["J1"], ["chromium"], now=now)
        store.record_attempt(cid2, 1, [JourneyResult("J1", "chromium", "success")], now=now)
        store.finish_cycle(cid2, "completed", now=now)
        done = store.apply_retention(results_max_age=30 * 86400, artifacts_dir=art, artifacts_max_age=14 * 86400,
                                     artifacts_max_bytes=3000, now=now)
        assert done["cycles"] == 1 and done["results"] == 1
        assert not old_file.exists() and not stale.exists()
        assert outside.exists()  # never delete outside the artifacts directory
        assert [f.exists() for f in new] == [False, False, True, True, True]  # oldest went first
        assert [c.id for c in store.cycles()] == [cid2]
        counters = {(n, tuple(sorted(lab.items()))): v for n, lab, v in store.counters()}
        assert counters[("runs_total", (("browser", "chromium"), ("journey", "J1"), ("outcome", "failure")))] == 1
