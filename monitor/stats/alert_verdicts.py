"""The alerts' verdicts per browser and for the target: two questions, two answers (issue #29).

Pure (numbers in, verdicts out); ``monitor.verdicts`` reads the store and gives them, with the
detectors' own verdicts, to ``/metrics``, the report and the public status page, which must say
the same thing about a browser at the same moment.

* **Incident** ("is it failing now?", ``monitor.stats.incident``): on within two cycles of a hard
  outage, off two cycles after the recovery.
* **Persistent** ("is it persistently worse?"): the always-valid comparisons between browsers
  (``monitor.stats.browser_difference``) and against the browser's own past
  (``monitor.stats.degradation``, with the target's alert when every browser degrades), which end
  when the recent runs show the recovery (``monitor.stats.alert_state.persistent_series``) and
  say "recovered since" meanwhile.

``AlertVerdict`` holds both states, since when, and since when the runs are clean;
``current_verdicts`` is the pure function that gives them from the stored cycles
(``monitor.verdicts.read_verdicts`` reads the store once for everything). The exported per-browser alert
(``ExtranetBrowserFailsMoreOften``) is on while either state is: one alert, one notification, per
incident, resolved when both answers are off. Every series is causal, so ``alert_series``'s
columns are what the report would have said after each cycle: simulations (``bench.alert_end``,
``calibrate --continuous``) read them through this code.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from monitor.stats.alert_state import spell_start
from monitor.stats.browser_difference import (
    CycleOutcomes,
    Direction,
    PairVerdict,
    design_for,
    direction_series_from_counts,
    evaluate,
    paired_counts,
    time_grid,
)
from monitor.stats.degradation import (
    Degradation,
    OwnSeries,
    browser_counts,
    evaluate_degradation,
    own_series_from_counts,
    split_series,
)
from monitor.stats.incident import incident_states, last_good_run

TARGET = "target"  # the subject of the target's verdict (never an engine name)


@dataclass(frozen=True)
class AlertVerdict:
    """One subject (a browser engine, or ``TARGET``) after the last cycle read. Times are cycle starts (Unix)."""

    subject: str
    incident: bool  # failing now (recent runs only)
    incident_since: float | None
    persistent: bool  # persistently worse than another browser or than its own past (the target: than its past)
    persistent_since: float | None
    clean_since: float | None  # an alert on, but its runs clean since then: it is ending

    @property
    def alert(self) -> bool:
        """What ``/metrics`` exports for the subject's alert: either answer on."""
        return self.incident or self.persistent


@dataclass
class AlertSeries:
    """Every state after every cycle (index = cycle read, oldest first)."""

    incident: dict[str, np.ndarray]  # per browser, held back while the target's incident is on
    between: dict[str, np.ndarray]  # fails more often than some other browser
    own: dict[str, np.ndarray]  # fails more often than its own past (held back when every browser does)
    alert: dict[str, np.ndarray]  # the exported per-browser alert
    target_incident: np.ndarray
    target_own: np.ndarray
    clean: dict[str, np.ndarray]  # per browser: first cycle of the clean stretch, −1 when none (see clean_from)
    directions: dict[tuple[str, str], list[Direction]]  # per browser pair, both directions
    own_series: OwnSeries
    counts: dict[str, tuple[np.ndarray, np.ndarray]]  # per browser: failures, judged runs per cycle

    @property
    def target_alert(self) -> np.ndarray:
        return self.target_incident | self.target_own


def alert_series(cycles: Sequence[CycleOutcomes], browsers: Sequence[str], interval: float,
                 alpha: float = 0.05, grid: tuple[np.ndarray, np.ndarray] | None = None) -> AlertSeries:
    """Both answers for every browser and the target, after every cycle of ``cycles`` (oldest first).

    ``grid`` overrides the time-anchored e-process starts (``calibrate --continuous`` runs on the design's grid).
    """
    design = design_for(interval, alpha, max(2, len(browsers)))
    if grid is None:
        grid = time_grid([c.started_at for c in cycles], design.restart_seconds, design.window_seconds)
    T = len(cycles)
    counts = {b: browser_counts(cycles, b) for b in browsers}
    directions = {}
    for a, b in itertools.combinations(browsers, 2):
        fa, fb, n, _ = paired_counts(cycles, a, b)
        directions[(a, b)] = direction_series_from_counts(fa, fb, n, a, b, design, grid)
    own = own_series_from_counts(counts, np.asarray([c.started_at for c in cycles], dtype=float), interval)
    return combine(counts, directions, own, T)


def combine(counts: dict[str, tuple[np.ndarray, np.ndarray]], directions: dict[tuple[str, str], list[Direction]],
            own: OwnSeries, cycles: int) -> AlertSeries:
    """The per-browser and target series from each detector's (the counts-level entry for simulations)."""
    browsers = list(counts)
    raw = {b: incident_states(*counts[b]) for b in browsers}
    if browsers:
        incident, target_incident = split_series(raw, raw)
    else:
        incident, target_incident = {}, np.zeros(cycles, dtype=bool)
    between = {b: np.zeros(cycles, dtype=bool) for b in browsers}
    clean_parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {b: [] for b in browsers}  # (on, clean_from)
    for sides in directions.values():
        for d in sides:
            between[d.worse] |= d.states
            clean_parts[d.worse].append((d.states, d.series.clean_from))
    for b in browsers:
        clean_parts[b].append((own.per[b], own.persistent[b].clean_from))
    alert = {b: incident[b] | between[b] | own.per[b] for b in browsers}
    clean = {b: clean_from(clean_parts[b], cycles) for b in browsers}
    return AlertSeries(incident, between, dict(own.per), alert, target_incident, own.target, clean, directions, own,
                       counts)


def clean_from(parts: list[tuple[np.ndarray, np.ndarray]], cycles: int) -> np.ndarray:
    """First cycle of the clean stretch of a combined state: every part that is on is clean (the latest of their
    clean stretches), −1 when some part on is not clean or none is on."""
    out = np.full(cycles, -1, dtype=int)
    any_on = np.zeros(cycles, dtype=bool)
    all_clean = np.ones(cycles, dtype=bool)
    for on, cf in parts:
        any_on |= on
        all_clean &= ~on | (cf >= 0)
        out = np.where(on, np.maximum(out, cf), out)
    return np.where(any_on & all_clean, out, -1)


def verdicts_at_end(series: AlertSeries, starts_at: Sequence[float]) -> list[AlertVerdict]:
    """The verdicts after the last cycle: one per browser (in order), then the target's."""
    def when(states: np.ndarray) -> float | None:
        k = spell_start(states)
        return starts_at[k] if k is not None else None

    def at(k: int) -> float | None:
        return starts_at[k] if 0 <= k < len(starts_at) else None

    def good_since(browsers: list[str]) -> float | None:  # an incident ending: its runs clean since
        firsts = [last_good_run(*series.counts[b]) for b in browsers]
        return at(max(firsts)) if firsts and min(firsts) >= 0 else None

    def ending(parts: list[float | None]) -> float | None:  # every answer on is clean: since the latest
        return max(parts) if parts and all(p is not None for p in parts) else None  # type: ignore[type-var]

    out = []
    for b, alert in series.alert.items():
        if not alert.size:
            out.append(AlertVerdict(b, False, None, False, None, None))
            continue
        persistent = series.between[b] | series.own[b]
        incident = bool(series.incident[b][-1])
        parts = ([at(int(series.clean[b][-1]))] if persistent[-1] else []) + ([good_since([b])] if incident else [])
        clean = ending(parts)
        out.append(AlertVerdict(b, incident, when(series.incident[b]), bool(persistent[-1]), when(persistent), clean))
    if not series.target_incident.size:
        return [*out, AlertVerdict(TARGET, False, None, False, None, None)]
    t_incident, t_own = bool(series.target_incident[-1]), bool(series.target_own[-1])
    froms = [int(s.clean_from[-1]) for s in series.own_series.persistent.values()]
    t_parts = ([at(max(froms)) if froms and min(froms) >= 0 else None] if t_own else []) + \
        ([good_since(list(series.counts))] if t_incident else [])
    t_clean = ending(t_parts)
    out.append(AlertVerdict(TARGET, t_incident, when(series.target_incident), t_own, when(series.target_own), t_clean))
    return out


def current_verdicts(cycles: Sequence[CycleOutcomes], browsers: Sequence[str], interval: float,
                     alpha: float = 0.05) -> list[AlertVerdict]:
    """Per browser and for the target: the incident and the persistent comparison, since when, clean since when.

    The one pure function the exporter, the report and the status page read (from the stored cycles
    ``browser_difference.read_cycles`` returns)."""
    if not cycles:
        return [AlertVerdict(b, False, None, False, None, None) for b in [*browsers, TARGET]]
    return verdicts_at_end(alert_series(cycles, browsers, interval, alpha), [c.started_at for c in cycles])




def all_verdicts(cycles: Sequence[CycleOutcomes], browsers: Sequence[str], interval: float,
                 alpha: float = 0.05) -> tuple[list[PairVerdict], Degradation, list[AlertVerdict]]:
    """Every verdict over ``cycles`` (oldest first): the pairs', each browser's against its own past, and
    the alerts' per subject, each detector's series computed once and read by all three (what
    ``monitor.verdicts.read_verdicts`` gives ``/metrics`` and the status page, and the report reads)."""
    design = design_for(interval, alpha, max(2, len(browsers)))
    if not cycles:
        return [], evaluate_degradation(cycles, browsers, interval), current_verdicts(cycles, browsers, interval, alpha)
    series = alert_series(cycles, browsers, interval, alpha)
    return (evaluate(cycles, browsers, design, directions=series.directions),
            evaluate_degradation(cycles, browsers, interval, series=series.own_series),
            verdicts_at_end(series, [c.started_at for c in cycles]))


def sentence(v: AlertVerdict) -> str:
    """The report's line for one verdict: which alert is on, since when, and since when its runs are clean."""
    from fixtures.core.engine_names import display_name
    from monitor.stats.browser_difference import _when
    name = "The extranet (every browser)" if v.subject == TARGET else display_name(v.subject)
    if not v.alert:
        return f"{name}: no alert (not failing now, not persistently worse)."
    parts = []
    if v.incident:
        parts.append(f"failing now since {_when(v.incident_since)}")
    if v.persistent:
        parts.append(("fails more often than it used to" if v.subject == TARGET else
                      "persistently worse (than another browser or its own past)") + f" since {_when(v.persistent_since)}")
    clean = (f"; recovered since {_when(v.clean_since)}: the runs are clean, the alert ends when the recent runs "
             "confirm it" if v.clean_since is not None else "")
    return f"{name}: alert on — {' and '.join(parts)}{clean}."
