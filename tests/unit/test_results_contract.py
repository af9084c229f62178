"""The results contract: one record, written by the plugin, read by the monitor, kept by the store.

Not-run journeys travel the whole way: recorded with their reason, shown as *not run*,
never counted in a rate, never a monitor error.
"""
from __future__ import annotations

import dataclasses
import json
import sqlite3
import sys
from pathlib import Path

import pytest

from fixtures.core.contract import JourneyResult, ResultsFileError, Step, TargetLockHold, parse_result, parse_results
from fixtures.core.outcomes import (
    NOT_RUN_REASONS,
    EngineUnavailable,
    Group,
    NeedsOperator,
    Outcome,
    WriteGuarded,
    classify,
    success_rate,
)
from monitor.store.results_db import Store


def test_every_outcome_has_a_group_and_only_judged_ones_count():
    assert {o: o.group for o in Outcome} == {
        Outcome.SUCCESS: Group.JUDGED, Outcome.FAILURE: Group.JUDGED, Outcome.MAIL_NOT_RECEIVED: Group.JUDGED,
        Outcome.PROBE_ERROR: Group.PROBER, Outcome.UNAVAILABLE: Group.NOT_RUN, Outcome.NOT_RUN: Group.NOT_RUN}
    assert success_rate({"success": 1, "failure": 1, "not_run": 50, "unavailable": 3, "probe_error": 9}) == 0.5


def test_not_run_exceptions_own_their_reason():
    assert classify(WriteGuarded("x")) == classify(WriteGuarded("y"))
    assert (classify(NeedsOperator("x")).outcome, classify(NeedsOperator("x")).failure_class) == \
        (Outcome.NOT_RUN, "needs_operator")
    assert classify(EngineUnavailable("x")).outcome is Outcome.UNAVAILABLE
    assert set(NOT_RUN_REASONS) >= {"write_guard", "needs_operator", "needs_test_account", "engine_unavailable"}


def test_a_not_run_record_needs_its_reason():
    with pytest.raises(ResultsFileError, match=r"results\[0\].failure_class: a not_run record needs its reason"):
        parse_results({"results": [{"journey": "J1", "browser": "chromium", "outcome": "not_run"}]})
    with pytest.raises(ResultsFileError, match=r"'skipped' is not one of"):
        parse_results({"results": [{"journey": "J1", "browser": "chromium", "outcome": "skipped"}]})


def test_every_field_round_trips_and_unknown_fields_are_ignored():
    full = JourneyResult("J2.2b", "firefox", "failure", test="t", failure_class="assertion", message="m",
                         failed_step="step 2", duration_seconds=3.5, spam_flagged=True, incident_notice=False,
                         target_lock=TargetLockHold("shared", 0.1, 1.0, 2.0), artifacts=("a.png",))
    assert parse_result(json.loads(json.dumps(full.to_dict()))) == full
    assert parse_result({**full.to_dict(), "from_a_newer_plugin": [1, 2]}) == full
    with pytest.raises(ResultsFileError, match=r"result.target_lock.wait_seconds: expected a number"):
        parse_result({**full.to_dict(), "target_lock": {"mode": "shared", "wait_seconds": "long",
                                                         "held_from": 1, "held_until": 2}})


@dataclasses.dataclass(frozen=True)
class Placement:  # the shape of a field another helper adds (mail placement)
    folder: str


@dataclasses.dataclass(frozen=True)
class Extended:
    journey: str
    placement: tuple[Placement, ...] = ()
    signature: str | None = None


def test_a_field_added_to_the_contract_is_parsed_from_its_type_hint():
    from fixtures.core.contract import _parse_object
    parsed = _parse_object(Extended, {"journey": "J1", "placement": [{"folder": "junk"}]}, "r")
    assert parsed == Extended("J1", (Placement("junk"),), None)
    with pytest.raises(ResultsFileError, match=r"r.placement\[0\].folder: expected a string"):
        _parse_object(Extended, {"journey": "J1", "placement": [{"folder": 3}]}, "r")
    with pytest.raises(ResultsFileError, match=r"r.signature: expected a string"):
        _parse_object(Extended, {"journey": "J1", "signature": 3}, "r")


def test_a_schema_1_store_is_migrated_without_losing_a_row(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.executescript("""
        PRAGMA application_id = 1095783245; PRAGMA user_version = 1;
        CREATE TABLE cycles (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at REAL NOT NULL, finished_at REAL,
            status TEXT NOT NULL, mode TEXT NOT NULL DEFAULT 'run', journeys TEXT NOT NULL DEFAULT '[]',
            browsers TEXT NOT NULL DEFAULT '[]', pid INTEGER, message TEXT);
        CREATE TABLE results (id INTEGER PRIMARY KEY AUTOINCREMENT, cycle_id INTEGER NOT NULL REFERENCES cycles (id),
            ts REAL NOT NULL, journey TEXT NOT NULL, browser TEXT NOT NULL, attempt INTEGER NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'mail_not_received', 'probe_error',
            'unavailable')), failure_class TEXT, message TEXT, test TEXT, duration_seconds REAL,
            steps TEXT NOT NULL DEFAULT '[]', mail_latencies TEXT NOT NULL DEFAULT '[]',
            spam_scores TEXT NOT NULL DEFAULT '[]', incident_notice INTEGER, artifacts TEXT NOT NULL DEFAULT '[]',
            UNIQUE (cycle_id, journey, browser, attempt));
        CREATE TABLE counters (name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (name, labels));
        CREATE TABLE gauges (name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, ts REAL NOT NULL,
            PRIMARY KEY (name, labels));
        INSERT INTO cycles (started_at, finished_at, status) VALUES (1.0, 2.0, 'completed');
        INSERT INTO results (cycle_id, ts, journey, browser, attempt, outcome, failure_class, steps)
            VALUES (1, 1.5, 'J1', 'chromium', 1, 'failure', 'assertion', '[{"name": "a", "seconds": 1.0}]');
    """)
    conn.close()
    with Store.open_writer(db) as store:
        old = store.results()
        # A schema-1 row (no whole record) comes back as the contract's type, rebuilt from its columns.
        assert [r.record for r in old] == [JourneyResult("J1", "chromium", "failure", failure_class="assertion",
                                                         steps=(Step("a", 1.0),))]
        cid = store.start_cycle(["J1"], ["chromium"])
        store.record_attempt(cid, 1, [JourneyResult("J1", "chromium", "not_run", failure_class="write_guard",
                                                    message="writes off", failed_step=None)])
        runs = [run for _, _, run in store.runs()]
        assert [(r.first, r.failure_class) for r in runs] == [("failure", "assertion"), ("not_run", "write_guard")]
    assert sys.modules["monitor.store.results_db"].SCHEMA_VERSION == 2


def test_the_store_refuses_a_record_the_contract_rejects(tmp_path: Path) -> None:
    with Store.open_writer(tmp_path / "m.db") as store:
        cid = store.start_cycle(["J1"], ["chromium"])
        with pytest.raises(ResultsFileError, match="needs its reason"):
            store.record_attempt(cid, 1, [JourneyResult("J1", "chromium", "not_run")])
        assert store.results() == []
