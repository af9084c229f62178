"""Time budgets: how long a step of the procedure (or a whole journey) may take before it is a warning.

Why budgets: the reset link is valid 60 minutes, and "it hangs, then the link has expired" is
how users live a slow step. A step over its budget is not a failure (the procedure worked), it
is a warning in the cycle summary and a counter (``extranet_journey_step_over_budget_total``)
that an alert reads over a sustained period. Set in the monitor config (``[budgets]``, parsed
and checked by ``monitor.config``); this module only says which records overran them (pure).

What is judged: the *browser time* of the steps that completed (``fixtures.core.page_load.BrowserTime``:
what the browser measured for the person; a failed step's time is the time to its failure, counted
as a failure already) of attempts that judged the target. Never the prober time (the step's wall
clock in the driver): it holds the automation protocol's round trips, so a budget on it fired on
Firefox over WebDriver BiDi first whatever the portal did (issue 28). A step without a browser time
(the engine does not expose it, its page had not loaded) is not judged. A journey's own budget
applies to successful attempts only (a failure stops early and proves nothing about speed), on the
journey's browser time: its steps' browser times plus each mail's delivery (the portal's time a
person waits), a step without a browser time adding nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from fixtures.core.contract import JourneyResult
from fixtures.core.outcomes import JUDGED_OUTCOMES, Outcome
from fixtures.core.page_load import NOT_COLLECTED, PageLoad
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
    seconds: float  # browser time
    budget: float

    def line(self) -> str:
        where = f"« {self.words} » ({self.step_id})" if self.step_id else "the whole journey"
        return (f"{self.journey} {self.browser}: {where} took {self.seconds:.2f}s of browser time, "
                f"over its {self.budget:g}s budget")


@dataclass(frozen=True)
class JudgedStep:
    """A completed step of an attempt that judged the target, with its two times."""

    step: str  # label (fixtures.core.steps)
    words: str
    prober_seconds: float  # the driver's wall clock: shown apart, never judged
    browser_seconds: float | None  # the browser's own clocks; None: not measured (``reason`` says why)
    reason: str = ""  # fixtures.core.page_load REASONS, or "not_collected" for a record without one


def judged_steps(result: JourneyResult) -> list[JudgedStep]:
    """The completed steps of an attempt that judged the target."""
    if result.outcome not in JUDGED_OUTCOMES:
        return []
    return [JudgedStep(step_label(s.id), s.name, s.seconds,
                       s.browser.seconds if s.browser is not None else None,
                       (s.browser.reason or "") if s.browser is not None else NOT_COLLECTED)
            for s in result.steps if s.ok]


def journey_browser_seconds(result: JourneyResult) -> float:
    """The journey's browser time: its completed steps' browser times plus each mail's delivery."""
    return (sum(s.browser_seconds or 0.0 for s in judged_steps(result))
            + sum(m.delivery_seconds for m in result.mail_latencies))


def judged_page_loads(result: JourneyResult) -> list[tuple[str, PageLoad]]:
    """(step label, page-load figures) of the completed steps of an attempt that judged the target."""
    if result.outcome not in JUDGED_OUTCOMES:
        return []
    return [(step_label(s.id), s.page_load) for s in result.steps if s.ok and s.page_load is not None]


def overruns(result: JourneyResult, budgets: Budgets) -> list[Overrun]:
    """Every completed step of ``result`` over its budget, then the journey if it is over its own."""
    found = [Overrun(result.journey, result.browser, s.step, s.words, s.browser_seconds, budget)
             for s in judged_steps(result)
             if (budget := budgets.for_step(s.step)) > 0 and s.browser_seconds is not None and s.browser_seconds > budget]
    journey_budget = budgets.journeys.get(result.journey, 0.0)
    if result.outcome == Outcome.SUCCESS.value and journey_budget > 0:
        seconds = journey_browser_seconds(result)
        if seconds > journey_budget:
            found.append(Overrun(result.journey, result.browser, None, result.journey, round(seconds, 4),
                                 journey_budget))
    return found

