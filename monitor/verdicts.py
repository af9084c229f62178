"""The verdicts the alerts stand on, read once: every reader asks :func:`read_verdicts`.

Why one function: ``/metrics`` (whose gauges the Prometheus alerts read) and the public status
page (and the report) must say the same thing about a browser at the same moment. All read the two
always-valid detectors here — the comparison between browsers (``browser_difference``) and each
browser against its own past (``degradation``, with the target's alert when every browser
degrades) — and the alerts' two answers per browser and for the target (failing now, persistently
worse: ``monitor.stats.alert_verdicts``, issue #29), with the same design, over the same history,
computed once, instead of each calling the statistics its own way.

Why here, above the store and beside its readers, not in ``monitor.stats``: this reads the store;
the statistics it applies stay pure (numbers in, numbers out).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from monitor.stats.alert_verdicts import AlertVerdict, all_verdicts
from monitor.stats.browser_difference import (
    CycleOutcomes,
    Design,
    PairVerdict,
    cycles_from_first_outcomes,
    design_for,
    history_seconds,
)
from monitor.stats.degradation import BrowserDegradation, Degradation
from monitor.store.reads import StoreReads


@dataclass(frozen=True)
class Verdicts:
    """What the alerting detectors say after the last stored cycle."""

    design: Design
    pairs: list[PairVerdict]  # one per browser pair (``ExtranetBrowserFailsMoreOften`` reads their alert)
    own: Degradation  # each browser against its own past, and the target's alert (``ExtranetTargetDegraded``)
    alerts: list[AlertVerdict]  # per browser (configured order), then the target: failing now, persistently worse

    def alert_of(self, subject: str) -> AlertVerdict | None:
        """The incident and persistent states of a browser, or of ``monitor.stats.alert_verdicts.TARGET``."""
        return next((v for v in self.alerts if v.subject == subject), None)

    def browser_alert(self, browser: str) -> bool:
        """``ExtranetBrowserFailsMoreOften``'s condition for ``browser``: failing now, or persistently worse."""
        v = self.alert_of(browser)
        return bool(v and v.alert)

    def worse_than(self, browser: str) -> list[str]:
        """The browsers ``browser`` is alerted to fail more often than."""
        out = []
        for v in self.pairs:
            if v.worse == browser and v.alert:
                out.append(v.better)
            elif v.better == browser and v.reverse_alert:
                out.append(v.worse)
        return out

    def alert_since(self, browser: str) -> float | None:
        """Start of the earliest spell on ``browser`` that is on now (failing now or persistently worse), or None."""
        v = self.alert_of(browser)
        if v is None:
            return None
        starts = [s for on, s in ((v.incident, v.incident_since), (v.persistent, v.persistent_since)) if on and s is not None]
        return min(starts, default=None)

    def degradation(self, browser: str) -> BrowserDegradation | None:
        return next((r for r in self.own.browsers if r.browser == browser), None)


def history_version_since(design: Design, now: float) -> float:
    """The oldest cycle start the verdicts read (for a reader's cache key)."""
    return now - history_seconds(design)


def read_cycles(store: StoreReads, design: Design, now: float) -> list[CycleOutcomes]:
    """The stored cycles the verdicts stand on (``history_seconds``), oldest first: one cheap query."""
    return cycles_from_first_outcomes(store.first_outcomes(since=now - history_seconds(design)))


def read_verdicts(store: StoreReads, browsers: Sequence[str], *, interval: float, alpha: float,
                  now: float) -> Verdicts:
    """Both detectors over the history they need, for ``browsers`` (the configured ones)."""
    design = design_for(interval, alpha, max(2, len(browsers)))
    return verdicts_from_cycles(read_cycles(store, design, now), browsers, interval=interval, alpha=alpha)


def verdicts_from_cycles(cycles: Sequence[CycleOutcomes], browsers: Sequence[str], *, interval: float,
                         alpha: float) -> Verdicts:
    """Every verdict over ``cycles`` (oldest first): each detector's series computed once, read by all."""
    return Verdicts(design_for(interval, alpha, max(2, len(browsers))), *all_verdicts(cycles, browsers, interval, alpha))
