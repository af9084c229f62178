"""Every field of the result record survives fold → store → read → report (property-based).

Why: the record once changed shape six times between the plugin and the report, and a hand-written
fold dropped three fields for journeys made of several tests. Records are drawn from the contract's
type hints (``support.record_strategies``), so a field added to ``JourneyResult`` is covered here
with no change to this file.
"""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.record_strategies import journey_results, journey_tests

from fixtures.core import fold
from fixtures.core.contract import JourneyResult
from fixtures.core.outcomes import NOT_RUN_OUTCOMES, Outcome
from monitor.classify import PRECEDENCE, aggregate
from monitor.report.history_model import compute
from monitor.store.results_db import Store

SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])


def differences(expected: Any, got: Any) -> list[str]:
    """The fields that differ, by name (what a failing example should say)."""
    return [f"{f.name}: {getattr(expected, f.name)!r} != {getattr(got, f.name)!r}"
            for f in dataclasses.fields(expected) if getattr(expected, f.name) != getattr(got, f.name)]


def expected_rows(tests: list[JourneyResult]) -> dict[tuple[str, str], JourneyResult]:
    """What folding must give, field by field from each field's declared (or type's) rule.

    Built from ``fold.rules`` and the outcome precedence, never from ``aggregate``: a fold that
    lists fields by hand and forgets one disagrees with this on that field."""
    groups: dict[tuple[str, str], list[JourneyResult]] = {}
    for t in tests:
        groups.setdefault((t.journey, t.browser), []).append(t)
    out = {}
    for key, group in groups.items():
        worst = min(range(len(group)), key=lambda i: PRECEDENCE.index(group[i].outcome))
        out[key] = JourneyResult(**{name: rule([getattr(t, name) for t in group], worst, group)
                                    for name, rule in fold.rules(JourneyResult)}) if len(group) > 1 else group[0]
    return out


@SLOW
@given(journey_tests())
def test_fold_applies_every_fields_rule(tests: list[JourneyResult]) -> None:
    """The folded row holds, for every field, what that field's rule makes of the tests' values."""
    expected = expected_rows(tests)
    for row in aggregate(tests):
        want = expected[row.journey, row.browser]
        assert row == want, differences(want, row)


@SLOW
@given(st.lists(journey_results, min_size=2, max_size=4), st.data())
def test_a_field_set_by_one_test_is_carried(tests: list[JourneyResult], data: st.DataObject) -> None:
    """A field with no rule of its own, set by one test only, reaches the folded row as that test set it.

    Independent of ``fold``'s code: the spec of the default rules, checked on every such field."""
    tests = [dataclasses.replace(t, journey="J2", browser="firefox") for t in tests]
    one = data.draw(st.integers(0, len(tests) - 1))
    (row,) = aggregate(tests)
    for f in dataclasses.fields(JourneyResult):
        if fold.FOLD in f.metadata:
            continue
        default = f.default if f.default is not dataclasses.MISSING else None
        value = getattr(tests[one], f.name)
        if value == default or any(getattr(t, f.name) != default for i, t in enumerate(tests) if i != one):
            continue
        assert getattr(row, f.name) == value, f"{f.name} set by one test was not carried"


def test_a_field_added_later_is_folded_with_no_other_change() -> None:
    """A subclass with one more field (as another helper adds one): carried by the same fold."""
    @dataclasses.dataclass(frozen=True)
    class Newer(JourneyResult):
        a11y_violations: tuple[str, ...] = ()
        lcp_seconds: float | None = None

    tests = [Newer("J2", "firefox", "success", a11y_violations=("contrast",)),
             Newer("J2", "firefox", "failure", failure_class="assertion", lcp_seconds=2.5)]
    (row,) = aggregate(tests)
    assert isinstance(row, Newer) and row.a11y_violations == ("contrast",) and row.lcp_seconds == 2.5


@SLOW
@given(journey_tests())
def test_every_field_survives_fold_store_read_report(tests: list[JourneyResult]) -> None:
    folded = {(r.journey, r.browser): r for r in aggregate(tests)}
    expected = expected_rows(tests)
    now = 1_800_000_000.0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.db"
        with Store.open_writer(path) as store:
            cycle = store.start_cycle(sorted({j for j, _ in folded}), sorted({b for _, b in folded}), now=now - 60)
            store.record_attempt(cycle, 1, folded.values(), now=now - 50)
            store.finish_cycle(cycle, "completed", now=now - 40)
        with Store.open_reader(path) as store:
            read = {(r.journey, r.browser): r.record for r in store.results(cycle_id=cycle)}
            report = compute(store, [3600], now=now, failures=len(folded))
    assert read.keys() == expected.keys()
    for key, record in expected.items():
        assert record == read[key], differences(record, read[key])
    shown = {(r.journey, r.browser): r.record for r in [*report.failures, *report.not_run]}
    not_succeeded = {k: r for k, r in expected.items()
                     if r.outcome != Outcome.SUCCESS.value}  # the report lists every record that did not succeed
    assert shown.keys() == not_succeeded.keys()
    for key, record in not_succeeded.items():
        assert record == shown[key], differences(record, shown[key])
    assert all(r.outcome in NOT_RUN_OUTCOMES for r in report.not_run)
