"""Which browser is worse, since when: the sequential verdict read from the stored runs.

Glue between the store (runs per cycle) and ``monitor.stats.sequential`` (the statistics): builds
the per-cycle paired counts of every browser pair, runs the e-detector in both directions,
and says in one sentence which browser fails more often, since which cycle the evidence has
been over the line, and the always-valid interval for the difference. The report, the
exporter's ``extranet_browser_difference_evidence`` gauge and ``calibrate --continuous``
all read it here, so they cannot disagree.

Start cycles of the e-processes are anchored on UTC time (the first cycle of every
``restart`` period), never on the position in what was read: the set of e-processes, hence
the union bound behind the threshold, must not depend on when someone looks.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from fixtures.core.engine_names import display_name
from fixtures.core.outcomes import JUDGED_OUTCOMES, TARGET_FAILURES
from monitor.stats.alert_state import Hysteresis, PersistentSeries, persistent_series, spell_start
from monitor.stats.sequential import (
    BASELINE_LOOKBACK,
    Design,
    ProcessEvidence,
    crossing,
    difference_interval,
    log_evalues,
    plug_in,
    stable_segment,
)

WEEK = 7 * 86400.0
WINDOW = 12 * 3600.0  # lifetime of an e-process: old evidence expires, a recovery shows within ~16 h
RESTART = 4 * 3600.0  # a new e-process every 4 h
RECOVERY_LOOKBACK = 48  # cycles of the better browser's rate a recovery is judged against (12 h of 15 min)
HISTORY = 30 * 86400.0  # what the verdict reads: an alert held for days, a difference as old as a month


@dataclass(frozen=True)
class CycleOutcomes:
    """First-attempt outcomes of one cycle: {(journey, browser): outcome}."""

    cycle_id: int
    started_at: float
    outcomes: dict[tuple[str, str], str]


def cycles_from_runs(runs: Iterable[tuple[float, int, object]]) -> list[CycleOutcomes]:
    """``Store.runs()`` rows → one ``CycleOutcomes`` per cycle, oldest first."""
    by_cycle: dict[int, CycleOutcomes] = {}
    for ts, cid, run in runs:
        c = by_cycle.setdefault(cid, CycleOutcomes(cid, ts, {}))
        c.outcomes[(run.journey, run.browser)] = run.first  # type: ignore[attr-defined]
    return sorted(by_cycle.values(), key=lambda c: (c.started_at, c.cycle_id))


def cycles_from_first_outcomes(rows: Iterable[tuple[float, int, str, str, str]]) -> list[CycleOutcomes]:
    """``Store.first_outcomes()`` rows → one ``CycleOutcomes`` per cycle, oldest first."""
    by_cycle: dict[int, CycleOutcomes] = {}
    for ts, cid, journey, browser, outcome in rows:
        by_cycle.setdefault(cid, CycleOutcomes(cid, ts, {})).outcomes[(journey, browser)] = outcome
    return sorted(by_cycle.values(), key=lambda c: (c.started_at, c.cycle_id))


def paired_counts(cycles: Sequence[CycleOutcomes], a: str, b: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Per cycle: A's failures, B's failures, pairs, and the pairs' differences (xa − xb).

    A pair is a journey whose first attempt judged the target (success, failure,
    mail_not_received) in both browsers in the same cycle; any other outcome drops the pair.
    """
    fa, fb, n, diffs = [], [], [], []
    for c in cycles:
        journeys = sorted({j for j, _ in c.outcomes})
        xa, xb = [], []
        for j in journeys:
            oa, ob = c.outcomes.get((j, a)), c.outcomes.get((j, b))
            if oa in JUDGED_OUTCOMES and ob in JUDGED_OUTCOMES:
                xa.append(oa in TARGET_FAILURES)
                xb.append(ob in TARGET_FAILURES)
        fa.append(sum(xa))
        fb.append(sum(xb))
        n.append(len(xa))
        diffs.append(np.asarray(xa, dtype=float) - np.asarray(xb, dtype=float))
    return np.asarray(fa, float), np.asarray(fb, float), np.asarray(n, float), diffs


def time_grid(starts_at: Sequence[float], restart: float, window: float) -> tuple[np.ndarray, np.ndarray]:
    """Start cycle = first cycle of each UTC ``restart`` period; it is read for ``window`` seconds.

    The period of the oldest cycle read is skipped: its first cycle in the store may be older
    than what was read, and a start must not move with the moment someone reads.
    """
    ts = np.asarray(starts_at, dtype=float)
    if ts.size == 0:
        return np.zeros(0, int), np.zeros(0, int)
    bucket = np.floor(ts / restart)
    first = np.flatnonzero(np.r_[False, bucket[1:] != bucket[:-1]])
    ends = np.searchsorted(ts, ts[first] + window, side="left") - 1
    return first, ends


@dataclass
class PairVerdict:
    """The sequential verdict for one browser pair, after the last cycle read."""

    worse: str
    better: str
    evidence: float  # e-value of "worse fails more often than better" (largest live e-process)
    threshold: float
    alarm: bool
    crossed_at: float | None  # start time of the cycle where the evidence crossed the line (current alarm)
    crossed_cycle: int | None
    since_at: float | None  # start of the stable stretch the verdict stands on (a shown change, or the history's start)
    interval: tuple[float, float]  # always-valid interval for failure rate(worse) − failure rate(better), whole stretch
    pairs: int  # paired runs behind the interval (the whole stretch)
    history_start: float | None = None
    alarm_runs_from_start: bool = False  # no change shown: the difference is at least as old as the history read
    alpha: float = 0.05
    reverse_evidence: float = 1.0  # e-value of the other direction ("better" fails more often than "worse")
    alert: bool = False  # the alert state (hysteresis over the evidence, monitor.stats.alert_state): one spell per incident
    alert_since: float | None = None  # start time of the cycle where the current alert spell began
    reverse_alert: bool = False  # the other direction's alert state
    change_shown: bool = False  # the data show a change of the difference at since_at
    mean_before: float | None = None  # mean difference before that change
    mean_since: float | None = None  # mean difference over the stretch
    last_at: float | None = None  # start of the last cycle read
    clean_since: float | None = None  # alert on but the runs look clean since (start of that cycle): recovering

    @property
    def claimed(self) -> bool:
        """The verdict names a worse browser: evidence over the line now, or an alert held through a dip."""
        return self.alarm or self.alert
    def sentence(self) -> str:
        """The statistics clause of the verdict (the report adds rates and descriptive lines)."""
        w, bt = display_name(self.worse), display_name(self.better)
        lo, hi = self.interval
        ci = (f"difference in failure rate {_pp(lo)} to {_pp(hi)} points (always-valid {100 * (1 - self.alpha):g} %, "
              f"{self.pairs} paired runs over that stretch)")
        if self.claimed:
            state = (f"evidence {_e(self.evidence)} ≥ {_e(self.threshold)}" if self.alarm else
                     f"evidence {_e(self.evidence)} under {_e(self.threshold)} now, the alert held until the runs "
                     "show a recovery")
            on = f"; alert on since {_when(self.alert_since)}" if self.alert_since is not None else ""
            if self.clean_since is not None:
                on += f", recovered since {_when(self.clean_since)} (ends when the recent runs confirm it)"
            return f"{w} fails more often than {bt} {self.stretch()}: {state}{on}; {ci}."
        return (f"{w} vs {bt}: no evidence that they differ (evidence {_e(self.evidence)} < {_e(self.threshold)}) "
                f"{self.stretch()}; {ci}.")

    def stretch(self) -> str:
        """Since when the difference is what it is: a change the data show, or as far back as the history goes."""
        if self.change_shown:
            return (f"since about {_when(self.since_at)} (a change the data show: {_pp(self.mean_before or 0.0)} points "
                    f"before, {_pp(self.mean_since or 0.0)} after)")
        days = ((self.last_at or 0.0) - (self.since_at or 0.0)) / 86400.0
        return (f"for at least {_days(days)}, as far back as the history goes (since {_when(self.since_at)})")


@dataclass
class Direction:
    """One direction of a pair after every cycle: "``worse`` fails more often than ``better``"."""

    worse: str
    better: str
    sign: float  # +1 when ``worse`` is the pair's first browser (the differences' sign)
    series: PersistentSeries  # state, evidence (restarted at each recovery), clean stretch, spell start

    @property
    def evidence(self) -> np.ndarray:
        return self.series.evidence

    @property
    def states(self) -> np.ndarray:
        return self.series.on


def direction_series(cycles: Sequence[CycleOutcomes], a: str, b: str, design: Design,
                     grid: tuple[np.ndarray, np.ndarray]) -> list[Direction]:
    """Both directions of one pair after every cycle (``monitor.stats.alert_state.persistent_series``).

    The state after cycle t depends only on cycles up to t (plug-ins and starts are predictable),
    so this series is what the report and ``/metrics`` would have said after each cycle:
    simulations read it here, through the same code, instead of re-evaluating every prefix.
    """
    fa, fb, n, _ = paired_counts(cycles, a, b)
    return direction_series_from_counts(fa, fb, n, a, b, design, grid)


def direction_series_from_counts(fa: np.ndarray, fb: np.ndarray, n: np.ndarray, a: str, b: str, design: Design,
                                 grid: tuple[np.ndarray, np.ndarray]) -> list[Direction]:
    starts, ends = grid
    hysteresis = Hysteresis.for_threshold(design.log_threshold, design.interval)
    sides = []
    for worse, better, x, y, sign in ((a, b, fa, fb, 1.0), (b, a, fb, fa, -1.0)):
        processes = ProcessEvidence(log_evalues(x, y, n, design.lookback), starts, ends)
        # "Back to the better browser's rate": its smoothed rate over the last RECOVERY_LOOKBACK cycles.
        series = persistent_series(processes.since, x, n, y, plug_in(y, n, RECOVERY_LOOKBACK), hysteresis)
        sides.append(Direction(worse, better, sign, series))
    return sides


def evaluate(cycles: Sequence[CycleOutcomes], browsers: Sequence[str], design: Design,
             grid: tuple[np.ndarray, np.ndarray] | None = None,
             directions: dict[tuple[str, str], list[Direction]] | None = None) -> list[PairVerdict]:
    """One verdict per browser pair (the direction with more evidence), strongest first.

    ``grid`` overrides the time-anchored start cycles (index arrays ``starts``, ``ends``):
    ``calibrate --continuous`` runs cycles back to back and uses the design's cycle grid.
    ``directions``: the pairs' series already computed over the same cycles and design
    (``monitor.stats.alert_verdicts.alert_series``), so that a reader of both computes them once.
    """
    if not cycles:
        return []
    if grid is None:
        grid = time_grid([c.started_at for c in cycles], design.restart_seconds, design.window_seconds)
    starts, _ends = grid
    out = []
    for a, b in itertools.combinations(browsers, 2):
        fa, fb, n, diffs = paired_counts(cycles, a, b)
        if n.sum() == 0:
            continue
        sides = (directions or {}).get((a, b)) or direction_series_from_counts(fa, fb, n, a, b, design, grid)
        # The direction alerted about, else the one with more evidence.
        chosen = max((0, 1), key=lambda i: (bool(sides[i].states[-1]), sides[i].evidence[-1]))
        side = sides[chosen]
        worse, better, evidence, states, sign = side.worse, side.better, side.evidence, side.states, side.sign
        top = evidence[-1]
        other, other_states = sides[1 - chosen].evidence[-1], sides[1 - chosen].states
        began = spell_start(states)
        clean_from = int(side.series.clean_from[-1])
        alarm = evidence >= design.log_threshold
        cross = crossing(alarm)
        # The verdict stands on the whole stable stretch of the difference: back to a change the
        # data show (a grid start), else as far back as the history read goes.
        signed = [sign * x for x in diffs]
        level = design.alpha / max(design.processes, len(starts) + 1)  # one interval per candidate start
        first, changed = stable_segment(signed, starts, design.alpha)
        d = np.concatenate(signed[first:]) if signed[first:] else np.zeros(0)
        iv = difference_interval(d, level, tune=design.horizon * int(n.max()))  # sharpest at a week of pairs
        before = np.concatenate(signed[:first]) if changed else np.zeros(0)
        v = PairVerdict(worse, better, math.exp(min(top, 700.0)), design.threshold, bool(alarm[-1]),
                        cycles[cross].started_at if cross is not None else None,
                        cycles[cross].cycle_id if cross is not None else None,
                        cycles[first].started_at, iv, int(d.size), cycles[0].started_at,
                        not changed, design.alpha, math.exp(min(other, 700.0)),
                        bool(states[-1]), cycles[began].started_at if began is not None else None,
                        bool(other_states[-1]), changed, float(before.mean()) if before.size else None,
                        float(d.mean()) if d.size else None, cycles[-1].started_at,
                        cycles[clean_from].started_at if 0 <= clean_from < len(cycles) else None)
        out.append(v)
    out.sort(key=lambda v: -v.evidence)
    return out


def evidence_by_direction(verdicts: Sequence[PairVerdict]) -> dict[tuple[str, str], float]:
    """{(browser, versus): e-value that browser fails more often than versus}, both directions."""
    out = {}
    for v in verdicts:
        out[(v.worse, v.better)] = v.evidence
        out[(v.better, v.worse)] = v.reverse_evidence
    return out


def alert_by_direction(verdicts: Sequence[PairVerdict]) -> dict[tuple[str, str], float]:
    """{(browser, versus): 1.0 while the alert "browser fails more often than versus" is on, else 0.0}."""
    out = {}
    for v in verdicts:
        out[(v.worse, v.better)] = float(v.alert)
        out[(v.better, v.worse)] = float(v.reverse_alert)
    return out


def design_for(interval: float, alpha: float, browsers: int) -> Design:
    """The monitor's detector: a week's guarantee, one-day e-processes restarted every 4 h."""
    return Design.for_schedule(interval=interval, alpha=alpha, browsers=browsers, horizon=WEEK, window=WINDOW,
                               restart=RESTART)


def history_seconds(design: Design) -> float:
    """How far back the verdict reads: ``HISTORY`` (the alert state's hysteresis and the verdict's "since"
    stand on it), never less than two windows plus the plug-ins' lookback."""
    return max(HISTORY, 2 * design.window_seconds + (max(design.lookback, BASELINE_LOOKBACK) + 1) * design.interval)


def _pp(x: float) -> str:
    points = round(100 * x)
    return f"{points:+d}" if points else "0"


def _e(x: float) -> str:
    return f"{x:.3g}" if x < 1e6 else f"{x:.1e}"


def _days(days: float) -> str:
    return f"{days:.0f} days" if days >= 2 else f"{days * 24:.0f} h"


def _when(ts: float | None) -> str:
    if ts is None:
        return "–"
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
