"""Detection power for the schedule in use: how fast the detectors name a given change.

Why: whether a rise from 10 % to 20 % is named in 4 hours or in 2 days depends on the journeys
per cycle and the cycle's length; an operator needs the figure for *their* schedule to know when
more journeys or a shorter interval are needed. Computed by a small seeded simulation through
the detectors' own functions (never a table typed in), so it follows any change of the
statistics. Pure: numbers in, delays out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from monitor.stats.degradation import Detector, cusum, log_likelihood_ratios
from monitor.stats.sequential import Design, detect, grid_starts, log_evalues

REPS = 200  # simulated changes per figure: a median to a few percent, in well under a second


@dataclass(frozen=True)
class Power:
    """Delays (cycles from the change to the first alarm; inf = not within the horizon)."""

    what: str
    before: float
    after: float
    delays: np.ndarray
    interval: float

    def hours(self, q: float) -> float:
        """The q-th percentile of the delays in hours (an order statistic: inf when too few were named)."""
        ordered = np.sort(self.delays)
        return float(ordered[max(0, int(np.ceil(q / 100 * ordered.size)) - 1)]) * self.interval / 3600.0

    def text(self) -> str:
        caught = np.isfinite(self.delays).mean()
        med = self.hours(50)
        if not np.isfinite(med):
            return f"{self.what} from {_pct(self.before)} to {_pct(self.after)}: not named within a day"
        tail = f", p90 {_h(self.hours(90))}" if np.isfinite(self.hours(90)) else f", named within a day in {100 * caught:.0f} %"
        return f"{self.what} from {_pct(self.before)} to {_pct(self.after)}: median {_h(med)}{tail}"


def first_alarm_after(alarm: np.ndarray, change: np.ndarray) -> np.ndarray:
    """Cycles from ``change[i]`` to the first alarm of row i at or after it (1 = the first cycle after), inf if none."""
    idx = change[:, None] + np.arange(alarm.shape[-1])[None, :]
    after = np.where(idx < alarm.shape[-1], np.take_along_axis(alarm, np.minimum(idx, alarm.shape[-1] - 1), -1), False)
    return np.where(after.any(-1), after.argmax(-1) + 1.0, np.inf)


def own_baseline(*, interval: float, journeys: int, before: float = 0.10, after: float = 0.20,
                 reps: int = REPS, seed: int = 0, horizon: float = 86400.0) -> Power:
    """One browser's rate rises from ``before`` to ``after`` after a week at ``before``: the own-baseline detector."""
    rng = np.random.default_rng(seed)
    d = Detector.for_schedule(interval)
    lead, span = d.baseline, max(1, round(horizon / interval))
    t = np.arange(lead + span)
    change = lead + rng.integers(0, max(1, round(4 * 3600 / interval)), reps)
    f = rng.binomial(journeys, np.where(t[None, :] < change[:, None], before, after)).astype(float)
    log_m = cusum(log_likelihood_ratios(f, np.full(f.shape, float(journeys)), d))
    delays = first_alarm_after(log_m >= d.log_threshold, change)
    delays[delays > span] = np.inf
    return Power("a rise on one browser (against its own past)", before, after, delays, interval)


def between_browsers(*, interval: float, journeys: int, design: Design, before: float = 0.02, after: float = 0.30,
                     reps: int = REPS, seed: int = 0, horizon: float = 86400.0) -> Power:
    """One browser jumps from ``before`` to ``after`` while the other stays: the comparison between browsers."""
    rng = np.random.default_rng(seed)
    lead, span = max(design.window, 96), max(1, round(horizon / interval))
    cycles = lead + span
    t = np.arange(cycles)
    change = lead + rng.integers(0, design.restart, reps)
    n = np.full((reps, cycles), float(journeys))
    fa = rng.binomial(journeys, np.where(t[None, :] < change[:, None], before, after)).astype(float)
    fb = rng.binomial(journeys, before, (reps, cycles)).astype(float)
    evidence, _ = detect(log_evalues(fa, fb, n, design.lookback), *grid_starts(cycles, design.restart, design.window))
    delays = first_alarm_after(evidence >= design.log_threshold, change)
    delays[delays > span] = np.inf
    return Power("a jump on one browser (against the others)", before, after, delays, interval)


def report_lines(*, interval: float, journeys: int, design: Design, seed: int = 0) -> list[str]:
    """The report's lines: what the schedule in use detects, and how fast."""
    figures = [own_baseline(interval=interval, journeys=journeys, seed=seed),
               own_baseline(interval=interval, journeys=journeys, after=0.15, seed=seed + 1),
               between_browsers(interval=interval, journeys=journeys, design=design, seed=seed + 2),
               between_browsers(interval=interval, journeys=journeys, design=design, before=0.10, after=0.20,
                                seed=seed + 3)]
    head = (f"Detection power at this schedule ({journeys} journeys per browser every {_h(interval / 3600.0)}; "
            f"simulated, {REPS} changes each, through the detectors' own code):")
    return [head] + [f"  {p.text()}" for p in figures]


def _pct(x: float) -> str:
    return f"{100 * x:g} %"


def _h(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{hours:.1f} h" if hours < 10 else f"{hours:.0f} h"
