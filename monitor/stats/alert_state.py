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

**Ending at the recovery** (issue #29): ``persistent_series`` adds what the hysteresis alone
cannot see, that the browser is back. During a spell, a Page CUSUM of the likelihood ratio
"back to the comparator's rate" (``p_ok``: the other browser's recent rate, or the browser's own
baseline) against "still worse" (``p_ok + m``, ``m`` = ``STILL_WORSE`` (¾) of the difference δ
seen over the spell before the stretch judged, taken at its lower confidence bound, and at least
``MIN_DELTA``) is read after every cycle. Whenever the true rate is at least ``p_ok + m`` (the
browser kept ¾ of a difference the spell's data bound from below), the exponential of that CUSUM's every excursion is a test
supermartingale (a binomial likelihood ratio of p_ok against p_bad has expectation ≤ 1 under any
rate ≥ p_bad), so by Ville's inequality it reaches ``END_EVIDENCE`` (10⁴) with probability ≤ 10⁻⁴
from any start: the
runs are called **clean since** the CUSUM's change point once it reaches ``CLEAN_EVIDENCE`` (shown,
not acted on), and the spell **ends** once it reaches ``END_EVIDENCE``. The evidence of a
difference then **restarts at the recovery**: only the e-processes started at or after the clean
stretch's first cycle are read (for a CUSUM e-detector, it is recomputed from there). Reading a
subset of the same e-processes can only lower the chance of a false alarm, so the detector's
guarantee stands; it stops the old e-processes, which still carry the incident for up to a window
(12 h between browsers, days for a CUSUM), from holding or re-firing the alert. The quiet-period
rule stays as a backstop (an alert whose evidence faded for a day ends even if the rates never
looked "clean"). Why a likelihood ratio against the spell's own difference rather than a fixed
delay: a hard outage's recovery shows in one or two cycles, a 30 % → 2 % one in about an hour,
a stable 20 % vs 10 % almost never (the ratio drifts the other way).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

HOLD_FRACTION = 0.2  # the hold line is threshold ** HOLD_FRACTION
QUIET_SECONDS = 24 * 3600.0  # a full day with no evidence before an alert ends (the backstop)
CLEAN_EVIDENCE = 20.0  # likelihood ratio "back to the comparator" vs "still worse" that says "clean since"
END_EVIDENCE = 1e4  # ... that ends the spell (Ville: a false end has probability ≤ 1e-4 per excursion)
MIN_DELTA = 0.05  # the "still worse" alternative is at least this many points above the comparator
STILL_WORSE = 0.75  # ... and at least this share of the difference seen over the spell
DELTA_Z = 2.0  # that difference: its lower confidence bound, in standard errors (spell_difference)


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


# --- ending at the recovery (issue #29) ---------------------------------------------------------
def recovery_llr(failures: float, trials: float, p_ok: float, p_bad: float) -> float:
    """Log likelihood ratio of one cycle's ``failures`` of ``trials``: rate ``p_ok`` against ``p_bad``."""
    p_ok = min(max(p_ok, 1e-4), 1 - 1e-4)
    p_bad = min(max(p_bad, p_ok + 1e-4), 1 - 1e-5)
    return failures * math.log(p_ok / p_bad) + (trials - failures) * math.log((1 - p_ok) / (1 - p_bad))


def spell_difference(failures: float, reference: float, trials: float) -> float:
    """Lower confidence bound (``DELTA_Z`` standard errors) of the difference seen over a spell's runs.

    A spell starts when the evidence crosses its line, i.e. after a bad streak: over its first cycles
    the plain difference overstates the truth, and a "still worse" alternative set from it would let a
    browser that is still as bad as before look "recovered" (measured: 1 false end in 8 weeks of a stable
    20 % vs 10 %). The bound shrinks it while the spell is short and costs nothing after an outage
    (96 runs at 100 % against 8 %: 0.92 − 0.06)."""
    if trials <= 0:
        return 0.0
    rx, rr = failures / trials, reference / trials
    se = math.sqrt(max(rx * (1 - rx) + rr * (1 - rr), 0.0) / trials)
    return rx - rr - DELTA_Z * se


@dataclass
class PersistentSeries:
    """After every cycle: the state, the log evidence it stands on (restarted at each recovery), and
    the first cycle of the clean stretch (−1 while the runs are not clean, or the state is off)."""

    on: np.ndarray
    evidence: np.ndarray
    clean_from: np.ndarray
    began: np.ndarray  # first cycle of the current spell (−1 when off)


def persistent_series(evidence_since: Callable[[int, int], float], failures: np.ndarray, trials: np.ndarray,
                      reference: np.ndarray, p_ok: np.ndarray, h: Hysteresis) -> PersistentSeries:
    """The persistent comparison's state machine, one series (last axis = cycles), causal.

    ``evidence_since(t, s)``: log evidence after cycle ``t`` from the e-processes started at cycle
    ``s`` or later. ``failures``/``trials``: the browser judged; ``reference``: the comparator's
    failures over the same trials (the other browser's, or the baseline's expectation), for the
    spell's difference; ``p_ok``: the comparator's rate before each cycle (predictable). On when
    the evidence crosses ``h.log_on``; off when the recovery CUSUM reaches ``END_EVIDENCE`` (the
    evidence then restarts at the clean stretch's first cycle) or, as a backstop, after ``h.quiet``
    cycles under ``h.log_hold``.
    """
    T = len(failures)
    x, n, ref, ok = (np.asarray(a, dtype=float).tolist() for a in (failures, trials, reference, p_ok))
    cx, cr, cn = (np.concatenate([[0.0], np.cumsum(a)]).tolist() for a in (failures, reference, trials))
    log_clean, log_end = math.log(CLEAN_EVIDENCE), math.log(END_EVIDENCE)
    on_out, ev_out, clean_out, began_out = [False] * T, [0.0] * T, [-1] * T, [-1] * T
    on, since, began, quiet = False, 0, -1, 0
    c, change, clean = 0.0, 0, False
    for t in range(T):
        ev = evidence_since(t, since)
        if on:
            # δ: the difference over the spell before the stretch the CUSUM stands on (predictable).
            upto = max(change, began + 1)
            delta = spell_difference(cx[upto] - cx[began], cr[upto] - cr[began], cn[upto] - cn[began])
            if n[t] > 0:
                c += recovery_llr(x[t], n[t], ok[t], ok[t] + max(STILL_WORSE * delta, MIN_DELTA))
            if c <= 0.0:
                c, change, clean = 0.0, t + 1, False
            clean = clean or c >= log_clean
            quiet = quiet + 1 if ev < h.log_hold else 0
            if c >= log_end or quiet >= h.quiet:
                if c >= log_end:
                    since = change  # the evidence restarts at the recovery
                    ev = evidence_since(t, since)
                on, began, quiet, c, clean = False, -1, 0, 0.0, False
        elif ev >= h.log_on:
            on, began, quiet, c, change, clean = True, t, 0, 0.0, t + 1, False
        on_out[t], ev_out[t], began_out[t] = on, ev, began
        clean_out[t] = change if on and clean else -1
    return PersistentSeries(np.array(on_out, dtype=bool), np.array(ev_out), np.array(clean_out, dtype=int),
                            np.array(began_out, dtype=int))
