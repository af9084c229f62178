"""Hypothesis strategies for the results contract, derived from its dataclasses' type hints.

Why derived: the round-trip test must cover a field added to ``JourneyResult`` tomorrow without
anyone remembering to list it here. Every field gets a value from its type hint (``str``, ``float``,
``int``, ``bool``, ``X | None``, ``tuple[X, ...]``, a nested dataclass); only the fields the contract
constrains beyond their type (an outcome, a not-run reason, a mail's folder, a lock mode) are
narrowed below. A field of a type this module cannot draw fails loudly, never silently.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from hypothesis import strategies as st

from fixtures.core.contract import LOCK_MODES, JourneyResult, MailLatency, Step, TargetLockHold
from fixtures.core.engine_names import ENGINE_NAMES
from fixtures.core.mail_path import (
    AUTH_RESULTS,
    MAX_LINK_PROBLEMS,
    DmarcPolicy,
    HopNote,
    LinkProblem,
    MailHop,
    MailPath,
    SenderProblem,
    Verdict,
)
from fixtures.core.outcomes import NOT_RUN_OUTCOMES, NOT_RUN_REASONS, OUTCOMES
from fixtures.core.page_load import FIGURES, REASONS, SOURCES, BrowserTime, PageLoad, Unmeasured
from fixtures.core.placement import Placement
from fixtures.core.procedure import JOURNEY_IDS

SEQUENCE_MAX = 2  # items per tuple field: enough to fold, within every bound the contract sets (MAX_HOPS…)
# Text the contract carries: any character JSON and SQLite keep (no lone surrogates), bounded.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=8)
# Finite, non-negative (a negative duration is clamped to 0 on the way in, by design), and ints
# small enough to survive the contract's number parsing (JSON numbers pass through float).
NUMBER = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
INT = st.integers(min_value=-(2 ** 31), max_value=2 ** 31)



@st.composite
def page_loads(draw: st.DrawFn) -> PageLoad:
    """A step's page-load figures as the contract allows them: each one measured, or None with its reason."""
    values: dict[str, float | None] = {}
    missing = []
    for figure in FIGURES:
        values[figure.field] = draw(st.none() | NUMBER)
        if values[figure.field] is None:
            missing.append(Unmeasured(figure.id, draw(st.sampled_from(REASONS)), draw(TEXT)))
    return PageLoad(**values, documents=draw(INT), unmeasured=tuple(missing))  # type: ignore[arg-type]


@st.composite
def browser_times(draw: st.DrawFn) -> BrowserTime:
    """A step's browser time as the contract allows it: measured from a source, or None with its reason."""
    if draw(st.booleans()):
        return BrowserTime(draw(NUMBER), draw(st.sampled_from(SOURCES)))
    return BrowserTime(None, reason=draw(st.sampled_from(REASONS)), text=draw(TEXT))


#: Fields whose values the contract narrows beyond their type.
NARROWED: dict[tuple[type, str], st.SearchStrategy[Any]] = {
    (JourneyResult, "journey"): st.sampled_from(JOURNEY_IDS),
    (JourneyResult, "browser"): st.sampled_from(ENGINE_NAMES),
    (JourneyResult, "outcome"): st.sampled_from(OUTCOMES),
    (MailLatency, "placement"): st.none() | st.sampled_from([p.value for p in Placement]),
    (TargetLockHold, "mode"): st.sampled_from(LOCK_MODES),
    **{(MailPath, m): st.sampled_from(AUTH_RESULTS) for m in ("spf", "dkim", "dmarc")},
    (MailPath, "dmarc_policy"): st.none() | st.sampled_from([p.value for p in DmarcPolicy]),
    (MailPath, "sender_problem"): st.none() | st.sampled_from([p.value for p in SenderProblem]),
    (MailHop, "note"): st.none() | st.sampled_from([n.value for n in HopNote]),
    (MailPath, "link_problems"): st.lists(st.sampled_from([p.value for p in LinkProblem]),
                                          max_size=min(SEQUENCE_MAX, MAX_LINK_PROBLEMS)).map(tuple),
    (MailPath, "placement"): st.none() | st.sampled_from([p.value for p in Placement]),
    (MailPath, "verdict"): st.sampled_from([v.value for v in Verdict]),
    (Step, "page_load"): st.none() | page_loads(),
    (Step, "browser"): st.none() | browser_times(),
}


def for_type(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for one type hint of the contract."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return st.none() | for_type(inner[0])
    if origin is tuple:
        return st.lists(for_type(typing.get_args(tp)[0]), max_size=SEQUENCE_MAX).map(tuple)
    if dataclasses.is_dataclass(tp):
        return for_dataclass(tp)  # type: ignore[arg-type]
    if tp is str:
        return TEXT
    if tp is bool:
        return st.booleans()
    if tp is float:
        return NUMBER
    if tp is int:
        return INT
    raise TypeError(f"no strategy for {tp!r}: teach tests/support/record_strategies.py the contract's new type")


def for_dataclass(cls: type) -> st.SearchStrategy[Any]:
    """Every field of ``cls`` drawn (defaults included), narrowed where the contract says so."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: NARROWED[cls, f.name] if (cls, f.name) in NARROWED else for_type(hints[f.name])
              for f in dataclasses.fields(cls)}
    return st.fixed_dictionaries(fields).map(lambda kwargs: cls(**kwargs))


def _valid(result: JourneyResult) -> JourneyResult:
    """A record the contract accepts: a not-run outcome carries its reason."""
    if result.outcome in NOT_RUN_OUTCOMES and result.failure_class not in NOT_RUN_REASONS:
        return dataclasses.replace(result, failure_class=NOT_RUN_REASONS[len(result.test) % len(NOT_RUN_REASONS)])
    return result


journey_results: st.SearchStrategy[JourneyResult] = for_dataclass(JourneyResult).map(_valid)


@st.composite
def journey_tests(draw: st.DrawFn) -> list[JourneyResult]:
    """The tests one cycle ran: 1–4 tests per journey × browser, for a few journeys and browsers."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(JOURNEY_IDS), st.sampled_from(ENGINE_NAMES)),
                          min_size=1, max_size=4, unique=True))
    out = []
    for journey, browser in pairs:
        for r in draw(st.lists(journey_results, min_size=1, max_size=4)):
            out.append(dataclasses.replace(r, journey=journey, browser=browser))
    return out
