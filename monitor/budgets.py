"""Time budgets: how long a step of the procedure (or a whole journey) may take before it is a warning.

Why budgets: the reset link is valid 60 minutes, and "it hangs, then the link has expired" is
how users live a slow step. A step over its budget is not a failure (the procedure worked), it
is a warning in the cycle summary and a counter (``extranet_journey_step_over_budget_total``)
that an alert reads over a sustained period. Set in the monitor config (``[budgets]``, parsed
and checked by ``monitor.config``); this module only says which records overran them (pure).

What is judged: the steps that completed (a failed step's time is the time to its failure,
counted as a failure already) of attempts that judged the target; a journey's own budget
applies to successful attempts only (a failure stops early and proves nothing about speed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from fixtures.core.contract import JourneyResult
from fixtures.core.outcomes import JUDGED_OUTCOMES, Outcome
from fixtures.core.page_load import PageLoad
from fixtures.core.steps import step_label


@dataclass(frozen=True)
class Budgets:
    """Seconds allowed per step id (``fixtures.core.steps``) and per journey id; 0 or absent = none."""

    steps: Mapping[str, float] = field(default_factory=dict)
    journeys: Mapping[str, float] = field(default_factory=dict)
    #: Every step without its own budget gets this one (0 = none).
    default_step: float = 0.0

    def for_step(self, step_id: str) -> float:
        return self.steps.get(step_id, self.default_step)

    def __bool__(self) -> bool:
        return bool(self.steps or self.journeys or self.default_step)


@dataclass(frozen=True)
class Overrun:
    """One step (or, with ``step_id`` None, one whole journey) that took longer than its budget."""

    journey: str
    browser: str
    step_id: str | None
    words: str  # the help page's words for the step, or the journey id
    seconds: float
    budget: float

    def line(self) -> str:
        where = f"« {self.words} » ({self.step_id})" if self.step_id else "the whole journey"
        return (f"{self.journey} {self.browser}: {where} took {self.seconds:.1f}s, "
                f"over its {self.budget:g}s budget")


def judged_steps(result: JourneyResult) -> list[tuple[str, str, float]]:
    """(step label, words, seconds) of the completed steps of an attempt that judged the target."""
    if result.outcome not in JUDGED_OUTCOMES:
        return []
    return [(step_label(s.id), s.name, s.seconds) for s in result.steps if s.ok]


def judged_page_loads(result: JourneyResult) -> list[tuple[str, PageLoad]]:
    """(step label, page-load figures) of the completed steps of an attempt that judged the target."""
    if result.outcome not in JUDGED_OUTCOMES:
        return []
    return [(step_label(s.id), s.page_load) for s in result.steps if s.ok and s.page_load is not None]


def overruns(result: JourneyResult, budgets: Budgets) -> list[Overrun]:
    """Every completed step of ``result`` over its budget, then the journey if it is over its own."""
    found = [Overrun(result.journey, result.browser, step, words, seconds, budget)
             for step, words, seconds in judged_steps(result)
             if (budget := budgets.for_step(step)) > 0 and seconds > budget]
    journey_budget = budgets.journeys.get(result.journey, 0.0)
    if result.outcome == Outcome.SUCCESS.value and 0 < journey_budget < result.duration_seconds:
        found.append(Overrun(result.journey, result.browser, None, result.journey, result.duration_seconds,
                             journey_budget))
    return found

