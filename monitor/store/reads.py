"""Reading the store through named queries that hand back the contract's types.

Why named queries: the SQL stays in this package (callers ask for "the recent non-successes",
never pass a WHERE clause), and each row's record is parsed once, into the
``fixtures.core.contract.JourneyResult`` the plugin wrote, whatever schema wrote the row (a
schema-1 row, without the whole record, is rebuilt from its columns by SQLite's ``json_object``).
Queries that only count (runs, rates, the exporter's comparison) read the key columns and parse
no record at all.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from fixtures.core.contract import JourneyResult, parse_result
from fixtures.core.outcomes import NOT_RUN_OUTCOMES, Outcome
from monitor.classify import Run, fold_attempts
from monitor.store.connection import StoreConnection

# The row's record: the contract's JSON, or for a row of schema 1 the same object built from its columns.
_RECORD = ("coalesce(record, json_object('journey', journey, 'browser', browser, 'outcome', outcome, "
           "'test', coalesce(test, ''), 'failure_class', failure_class, 'message', message, "
           "'duration_seconds', coalesce(duration_seconds, 0.0), 'steps', json(steps), "
           "'mail_latencies', json(mail_latencies), 'spam_scores', json(spam_scores), 'incident_notice', "
           "CASE WHEN incident_notice IS NULL THEN NULL WHEN incident_notice THEN json('true') ELSE json('false') END, "
           "'artifacts', json(artifacts)))")
_STORED = f"SELECT id, cycle_id, ts, attempt, {_RECORD} FROM results"
_CYCLE = "SELECT id, started_at, finished_at, status, mode, journeys, browsers, message FROM cycles"
_NOT_RUN = tuple(NOT_RUN_OUTCOMES)


@dataclass(frozen=True, slots=True)
class StoredResult:
    """One stored attempt: where it sits in the history, and the contract's record."""

    id: int
    cycle_id: int
    ts: float
    attempt: int
    record: JourneyResult

    @property
    def journey(self) -> str:
        return self.record.journey

    @property
    def browser(self) -> str:
        return self.record.browser

    @property
    def outcome(self) -> str:
        return self.record.outcome

    @property
    def failure_class(self) -> str | None:
        return self.record.failure_class

    @property
    def message(self) -> str | None:
        return self.record.message

    @property
    def artifacts(self) -> tuple[str, ...]:
        return self.record.artifacts


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


class _Attempt(NamedTuple):
    """What folding attempts into runs reads of a row (key columns only)."""

    journey: str
    browser: str
    outcome: str
    failure_class: str | None


def _stored(row: tuple[Any, ...]) -> StoredResult:
    return StoredResult(row[0], row[1], row[2], row[3], parse_result(json.loads(row[4]), f"results row {row[0]}"))


def _cycle(r: tuple[Any, ...]) -> CycleRow:
    return CycleRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), r[7])


class StoreReads(StoreConnection):
    """The reader's half of :class:`monitor.store.results_db.Store`: every query the monitor asks."""

    def _select(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._run(lambda: self.conn.execute(sql, args).fetchall())

    # --- records -------------------------------------------------------------------
    def results(self, *, cycle_id: int | None = None, since: float | None = None) -> list[StoredResult]:
        """Every attempt (of one cycle, or of the cycles started since ``since``), oldest first."""
        where, args = _cycle_filter(cycle_id, since)
        return [_stored(r) for r in self._select(f"{_STORED} WHERE {where} ORDER BY id", args)]

    def recent_non_successes(self, limit: int) -> list[StoredResult]:
        """The newest ``limit`` attempts that judged the target and failed, or broke the prober; newest first."""
        marks = ", ".join("?" * len(_NOT_RUN))
        return [_stored(r) for r in self._select(
            f"{_STORED} WHERE outcome != ? AND outcome NOT IN ({marks}) ORDER BY id DESC LIMIT ?",
            (Outcome.SUCCESS.value, *_NOT_RUN, limit))]

    # --- runs and outcomes (key columns only) --------------------------------------
    def runs(self, *, since: float | None = None, cycle_id: int | None = None) -> list[tuple[float, int, Run]]:
        """(start time of the cycle, cycle id, Run) for every journey × browser run."""
        where, args = _cycle_filter(cycle_id, since, column="r.cycle_id")
        rows = self._select("SELECT r.cycle_id, coalesce(c.started_at, 0.0), r.attempt, r.journey, r.browser, "
                            "r.outcome, r.failure_class FROM results r LEFT JOIN cycles c ON c.id = r.cycle_id "
                            f"WHERE {where} ORDER BY r.cycle_id, r.id", args)
        by_cycle: dict[int, tuple[float, list[tuple[int, _Attempt]]]] = {}
        for cid, started, attempt, journey, browser, outcome, failure_class in rows:
            by_cycle.setdefault(cid, (started, []))[1].append((attempt, _Attempt(journey, browser, outcome,
                                                                                  failure_class)))
        return [(started, cid, run) for cid, (started, attempts) in sorted(by_cycle.items())
                for run in fold_attempts(attempts)]

    def first_outcomes(self, *, since: float) -> list[tuple[float, int, str, str, str]]:
        """(cycle start, cycle id, journey, browser, first-attempt outcome) of cycles started since
        ``since``: what the browser comparison needs, without parsing full records (cheap per scrape)."""
        return self._select(
            "SELECT c.started_at, r.cycle_id, r.journey, r.browser, r.outcome FROM results r "
            "JOIN cycles c ON c.id = r.cycle_id WHERE r.attempt = 1 AND c.started_at >= ? "
            "ORDER BY c.started_at, r.cycle_id", (since,))

    def history_version(self, *, since: float) -> tuple[int, int]:
        """(newest row id, oldest cycle id started since ``since``): changes whenever what
        :meth:`first_outcomes` would return for ``since`` may change (a row written, a cycle out of
        the window or deleted), so a reader can keep what it computed from it until then."""
        return self._select("SELECT (SELECT coalesce(max(id), 0) FROM results), "
                            "(SELECT coalesce(min(id), 0) FROM cycles WHERE started_at >= ?)", (since,))[0]

    # --- cycles --------------------------------------------------------------------
    def cycles(self, limit: int = 50) -> list[CycleRow]:
        return [_cycle(r) for r in self._select(f"{_CYCLE} ORDER BY id DESC LIMIT ?", (limit,))]

    def cycle(self, cycle_id: int) -> CycleRow | None:
        rows = self._select(f"{_CYCLE} WHERE id = ?", (cycle_id,))
        return _cycle(rows[0]) if rows else None

    def cycle_counts(self, *, since: float) -> dict[str, int]:
        """Cycles started since ``since``, per status."""
        return dict(self._select("SELECT status, count(*) FROM cycles WHERE started_at >= ? GROUP BY status",
                                 (since,)))

    def last_completed_cycle_ts(self) -> float | None:
        return self._select("SELECT max(finished_at) FROM cycles WHERE status = 'completed'")[0][0]

    # --- metrics -------------------------------------------------------------------
    def counters(self) -> list[tuple[str, dict[str, str], float]]:
        return [(n, json.loads(labels), v) for n, labels, v in
                self._select("SELECT name, labels, value FROM counters ORDER BY name, labels")]

    def gauges(self) -> list[tuple[str, dict[str, str], float, float]]:
        return [(n, json.loads(labels), v, t) for n, labels, v, t in
                self._select("SELECT name, labels, value, ts FROM gauges ORDER BY name, labels")]


def _cycle_filter(cycle_id: int | None, since: float | None, column: str = "cycle_id") -> tuple[str, tuple[Any, ...]]:
    where: list[str] = ["1=1"]
    args: list[Any] = []
    if cycle_id is not None:
        where.append(f"{column} = ?")
        args.append(cycle_id)
    if since is not None:
        where.append(f"{column} IN (SELECT id FROM cycles WHERE started_at >= ?)")
        args.append(since)
    return " AND ".join(where), tuple(args)
