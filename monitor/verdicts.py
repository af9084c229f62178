"""The verdicts the alerts stand on, read once: every reader asks :func:`read_verdicts`.

Why one function: ``/metrics`` (whose gauges the Prometheus alerts read) and the public status
page must say the same thing about a browser at the same moment. Both read the two always-valid
detectors here — the comparison between browsers (``browser_difference``) and each browser
against its own past (``degradation``, with the target's alert when every browser degrades) —
with the same design, over the same history, instead of each calling the statistics its own way.

Why here, above the store and beside its readers, not in ``monitor.stats``: this reads the store;
the statistics it applies stay pure (numbers in, numbers out).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from monitor.stats.browser_difference import (
    CycleOutcomes,
    Design,
    PairVerdict,
    cycles_from_first_outcomes,
    design_for,
    evaluate,
    history_seconds,
)
from monitor.stats.degradation import BrowserDegradation, Degradation, evaluate_degradation
from monitor.store.reads import StoreReads


@dataclass(frozen=True)
class Verdicts:
    """What the alerting detectors say after the last stored cycle."""

    design: Design
    pairs: list[PairVerdict]  # one per browser pair (``ExtranetBrowserFailsMoreOften`` reads their alert)
    own: Degradation  # each browser against its own past, and the target's alert (``ExtranetTargetDegraded``)

    def browser_alert(self, browser: str) -> bool:
        """``ExtranetBrowserFailsMoreOften``'s condition for ``browser``: either detector's alert state is on."""
        return bool(self.worse_than(browser)) or any(r.alert for r in self.own.browsers if r.browser == browser)

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
        """Start of the earliest alert spell on ``browser`` that is on now (either detector), or None."""
        starts = [v.alert_since for v in self.pairs if v.worse == browser and v.alert and v.alert_since is not None]
        starts += [r.since_at for r in self.own.browsers if r.browser == browser and r.alert and r.since_at is not None]
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
    cycles = read_cycles(store, design, now)
    return Verdicts(design, evaluate(cycles, browsers, design), evaluate_degradation(cycles, browsers, interval))
