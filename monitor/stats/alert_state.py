"""One alert per incident: an alert state with hysteresis over an always-valid evidence series.

Why: the windowed e-detector (``monitor.stats.sequential``) expires old evidence so that a
recovery shows; with a *stable* moderate difference its largest live e-process therefore rises
over the threshold and falls back under it many times a week, and an alert that follows it
flaps (18–20 spells a week at 20 % vs 10 %). Here the alert turns **on** exactly when the
evidence crosses the threshold (so the false-alarm guarantee and the detection delay are the
detector's own) and turns **off** only after a *quiet period*: ``quiet`` consecutive cycles in
which no live e-process held even ``hold`` of evidence (``hold`` = threshold^(1/5), about 4.5
for a week's threshold of 1800: far below what any real difference keeps showing, and far
above what an e-process started after a recovery reaches). Turning off later never adds a
false alarm (an alert can only start on a crossing), it only merges the crossings of one
incident into one spell.

Chosen by simulation (``monitor calibrate --continuous`` prints the figures): with 8 journeys
per browser per 15-minute cycle, 20 % vs 10 % gives 1.0 spell per week (1 % of weeks with a
second spell), and a browser back from 30 % to 2 % stops being alerted about ~1.3 days later.
Pure functions over numpy arrays, vectorised over leading axes (simulated weeks).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HOLD_FRACTION = 0.2  # the hold line is threshold ** HOLD_FRACTION
QUIET_SECONDS = 24 * 3600.0  # a full day with no evidence before an alert ends


@dataclass(frozen=True)
class Hysteresis:
    """On at ``log_on``; off after ``quiet`` consecutive cycles with log evidence below ``log_hold``."""

    log_on: float
    log_hold: float
    quiet: int

    def __post_init__(self) -> None:
        if not self.log_hold <= self.log_on:
            raise ValueError(f"hold line {self.log_hold} must not exceed the threshold {self.log_on}")
        if self.quiet < 1:
            raise ValueError(f"quiet={self.quiet} must be ≥ 1 cycle")

    @classmethod
    def for_threshold(cls, log_threshold: float, interval: float, *, hold_fraction: float = HOLD_FRACTION,
                      quiet_seconds: float = QUIET_SECONDS) -> "Hysteresis":
        return cls(log_threshold, hold_fraction * log_threshold, max(1, math.ceil(quiet_seconds / interval)))


def alert_states(log_evidence: np.ndarray, h: Hysteresis) -> np.ndarray:
    """Alert state after each cycle (last axis = cycles), from log evidence read after each cycle."""
    ev = np.asarray(log_evidence, dtype=float)
    if ev.ndim == 1:  # one series (the report, /metrics): a plain loop is ~50× faster than 0-d numpy
        return np.array(_states_one(ev.tolist(), h), dtype=bool)
    state = np.zeros(ev.shape[:-1], dtype=bool)
    quiet = np.zeros(ev.shape[:-1], dtype=int)
    out = np.zeros(ev.shape, dtype=bool)
    for t in range(ev.shape[-1]):  # a state machine: each cycle depends on the previous state
        e = ev[..., t]
        state = state | (e >= h.log_on)
        quiet = np.where(state & (e < h.log_hold), quiet + 1, 0)
        state = state & (quiet < h.quiet)
        quiet = np.where(state, quiet, 0)
        out[..., t] = state
    return out


def _states_one(ev: list[float], h: Hysteresis) -> list[bool]:
    on, quiet, out = False, 0, []
    for e in ev:
        on = on or e >= h.log_on
        quiet = quiet + 1 if on and e < h.log_hold else 0
        if quiet >= h.quiet:
            on, quiet = False, 0
        out.append(on)
    return out


def spells(states: np.ndarray) -> np.ndarray:
    """Number of alert spells (runs of True) along the last axis; one already on at the start counts."""
    s = np.asarray(states, dtype=bool)
    if s.shape[-1] == 0:
        return np.zeros(s.shape[:-1], dtype=int)
    return (s[..., 1:] & ~s[..., :-1]).sum(-1) + s[..., 0]


def spell_start(states: np.ndarray) -> int | None:
    """Index of the cycle where the current (last) spell began, None if the alert is off now."""
    s = np.asarray(states, dtype=bool)
    if s.size == 0 or not s[-1]:
        return None
    off = np.flatnonzero(~s)
    return int(off[-1] + 1) if off.size else 0
