"""A browser degrading against its own past: an always-valid change detector per browser.

The comparison between browsers (``monitor.stats.sequential``) cannot see a browser that gets
worse while the others stay as they were only slowly, and cannot see at all a target that gets
worse for every browser. Here each browser is compared with **its own baseline**.

Method: a CUSUM e-detector (Shin, Ramdas & Rinaldo 2024, "E-detectors",
arXiv:2203.03532, §3): ``M_t = max(M_{t−1}, 1) · L_t``, alarm when ``M_t ≥ A``, where ``L_t`` is
the likelihood ratio of the cycle's failures (``f`` of ``n`` judged first attempts) under
"the failure rate doubled" (``q = min(max(2 p₀, p₀ + 0.05), 0.95)``) against the baseline ``p₀``. For
every true rate ``p ≤ p₀``, ``E[L_t] ≤ 1`` (the likelihood ratio of q > p₀ is increasing in the
failures), so M is an e-detector (its Shiryaev–Roberts sum dominates it) and the mean time to a false alarm is ≥ ``A``
cycles (the e-detector's guarantee, Shin et al. Thm 3.2): ``A = ARL`` cycles.

The baseline is estimated from the browser's history: failures over the ``BASELINE`` seconds
before the cycle (predictable: never the cycle itself), at least ``MIN_BASELINE`` of history or
the cycle bets nothing. **Time of day** (issue #29): where the history holds the same hour of the
day (± ``SLOT``) on at least ``MIN_SLOT_DAYS`` of the previous ``BASELINE`` days, the baseline is
the higher of two upper bounds, those hours' rate and the whole trailing week's, so a site that
fails more by day than by night (every browser alike) is compared by day with its past days, not
with its nights. Why the higher one and not the hours' alone: both bound the true baseline, so the
guarantee holds either way, and the hours' rate stands on 7× fewer runs; alone it doubled the
false alarms at a steady 10 % (3 % of weeks, 0 % with the maximum) and at 2 % (9 % → 1 %). The
price: a rise at night is judged against the week's rate (a night at 3 % rising to 8 % is not
seen while the day runs at 15 %). Care for the estimation error: the detector tests against an upper
confidence bound ``p̂ + Z·sqrt(p̂(1−p̂)/N)`` (the guarantee holds whenever the true baseline is
under it, which the bound makes likely), so a baseline under-estimated by chance does not read
as a degradation. When every browser alarms together the target degraded, not a browser
(``split_series``): one target alert, the per-browser ones held back.

Written here (numpy, vectorised over simulated weeks) for the reasons given in ``sequential``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from monitor.stats.alert_state import PersistentSeries

BASELINE = 7 * 86400.0  # the browser's own past the baseline is estimated from
MIN_BASELINE = 86400.0  # less history than this: no bet (e = 1)
Z = 0.5  # upper confidence bound of the baseline, in standard errors
MIN_RISE = 0.05  # the alternative: the failure rate doubled, and at least this much higher
ARL_SECONDS = 20 * 86400.0  # guaranteed mean time to a false alarm (measured: ~0.15 spells a month per browser, bench.alert_figures)
RISING = 0.5  # "on its way": evidence at least threshold ** RISING (the split's line, and the alert's hold line)
QUIET_SECONDS = 2 * 86400.0  # backstop: an alert ends after this long with the evidence never on its way
SLOT = 3600.0  # the time-of-day baseline: cycles within this of the same time on previous days
MIN_SLOT_DAYS = 3  # previous days holding that slot before the time-of-day baseline is used


@dataclass(frozen=True)
class Detector:
    """CUSUM e-detector parameters, in cycles."""

    arl: int  # threshold A: mean cycles to a false alarm ≥ A
    baseline: int  # cycles the baseline is estimated from
    min_baseline: int  # cycles of history needed before betting
    z: float = Z
    interval: float = 900.0  # seconds per cycle (the time-of-day baseline's days)

    @property
    def log_threshold(self) -> float:
        return math.log(self.arl)

    @classmethod
    def for_schedule(cls, interval: float, *, arl_seconds: float = ARL_SECONDS, baseline: float = BASELINE,
                     min_baseline: float = MIN_BASELINE) -> "Detector":
        def cycles(seconds: float) -> int:
            return max(1, round(seconds / interval))
        return cls(arl=cycles(arl_seconds), baseline=cycles(baseline), min_baseline=cycles(min_baseline),
                   interval=interval)


def baseline_rate(failures: np.ndarray, trials: np.ndarray, d: Detector,
                  starts_at: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Predictable baseline before each cycle: the upper bound ``p₀`` and whether there is enough history.

    With ``starts_at`` (the cycles' start times, last axis), the time-of-day bound too wherever the
    history allows it, and the higher of the two (module docstring)."""
    f = np.concatenate([np.zeros(failures.shape[:-1] + (1,)), np.cumsum(failures, -1)], -1)
    n = np.concatenate([np.zeros(trials.shape[:-1] + (1,)), np.cumsum(trials, -1)], -1)
    t = np.arange(failures.shape[-1])
    lo = np.maximum(t - d.baseline, 0)
    nf, nn = f[..., t] - f[..., lo], n[..., t] - n[..., lo]
    p = (nf + 0.5) / (nn + 1.0)  # smoothed: never 0 or 1
    upper = np.minimum(p + d.z * np.sqrt(p * (1 - p) / np.maximum(nn, 1.0)), 0.9)
    if starts_at is not None and len(starts_at):
        sf, sn, days = slot_counts(f, n, np.asarray(starts_at, dtype=float), round(d.baseline * d.interval / 86400.0))
        ps = (sf + 0.5) / (sn + 1.0)
        slot = np.minimum(ps + d.z * np.sqrt(ps * (1 - ps) / np.maximum(sn, 1.0)), 0.9)
        upper = np.where(days >= MIN_SLOT_DAYS, np.maximum(upper, slot), upper)
    return upper, np.broadcast_to(t >= d.min_baseline, upper.shape) & (nn > 0)


def slot_counts(f: np.ndarray, n: np.ndarray, ts: np.ndarray, days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Failures, trials and days with data at the same time of day (± ``SLOT``) on each of the previous
    ``days`` days, per cycle (``f``/``n``: cumulative sums with a leading 0; all predictable)."""
    sf = np.zeros(f.shape[:-1] + ts.shape)
    sn = np.zeros(n.shape[:-1] + ts.shape)
    have = np.zeros(n.shape[:-1] + ts.shape)
    for k in range(1, max(1, days) + 1):
        lo = np.searchsorted(ts, ts - k * 86400.0 - SLOT, side="left")
        hi = np.searchsorted(ts, ts - k * 86400.0 + SLOT, side="right")
        sf += f[..., hi] - f[..., lo]
        sn += n[..., hi] - n[..., lo]
        have += n[..., hi] - n[..., lo] > 0
    return sf, sn, have


def log_likelihood_ratios(failures: np.ndarray, trials: np.ndarray, d: Detector,
                          starts_at: np.ndarray | None = None) -> np.ndarray:
    """Log ``L_t`` per cycle: "doubled" against the baseline's upper bound; 0 without a baseline."""
    failures, trials = np.asarray(failures, dtype=float), np.asarray(trials, dtype=float)
    p0, ready = baseline_rate(failures, trials, d, starts_at)
    return np.where(ready, cycle_llr(failures, trials, p0), 0.0)


def cycle_llr(failures: np.ndarray, trials: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """The likelihood ratio of "doubled" (``q``) against ``p0`` for each cycle's failures."""
    q = np.minimum(np.maximum(2 * p0, p0 + MIN_RISE), 0.95)
    return failures * np.log(q / p0) + (trials - failures) * np.log((1 - q) / (1 - p0))


def cusum(log_l: np.ndarray) -> np.ndarray:
    """Log ``M_t`` after each cycle (last axis), ``M_t = max(M_{t−1}, 1) · L_t``, ``M_{−1} = 1``."""
    log_l = np.asarray(log_l, dtype=float)
    out = np.empty(log_l.shape)
    log_m = np.zeros(log_l.shape[:-1])
    for t in range(log_l.shape[-1]):  # a recursion: each cycle depends on the previous one
        log_m = np.maximum(log_m, 0.0) + log_l[..., t]
        out[..., t] = log_m
    return out


class CusumEvidence:
    """The CUSUM of one series read from a given cycle on: ``since(t, s)`` is ``log M_t`` of the
    e-detector restarted at cycle ``s`` (``M_{s−1} = 1``), i.e. the largest of the e-processes
    started at ``s`` or later (``monitor.stats.alert_state.persistent_series`` restarts it at a recovery)."""

    def __init__(self, log_l: np.ndarray) -> None:
        self.log_l = np.asarray(log_l, dtype=float).tolist()
        self.first, self.t, self.log_m = 0, -1, 0.0

    def since(self, t: int, first: int) -> float:
        if first != self.first or t != self.t + 1:  # a restart (rare): recomputed from there
            self.first, self.log_m = first, 0.0
            for u in range(first, t):
                self.log_m = max(self.log_m, 0.0) + self.log_l[u]
        self.log_m = max(self.log_m, 0.0) + self.log_l[t] if t >= first else 0.0
        self.t = t
        return self.log_m


# --- read from the stored runs (the report, /metrics and calibrate use this) -----------------
@dataclass
class BrowserDegradation:
    """One browser against its own past, after the last cycle read."""

    browser: str
    evidence: float  # e-value of "fails more often than its baseline" (the CUSUM statistic)
    threshold: float
    alarm: bool  # the detector's alert state (hysteresis, ``monitor.stats.alert_state``)
    alert: bool  # the per-browser alert: held back when every browser degrades (the target's)
    since_at: float | None  # start of the cycle where the current alarm began
    baseline: float  # failure rate over the baseline period before the alarm (or before now)
    recent: float  # failure rate since the alarm began (or over the last day)
    clean_since: float | None = None  # alarm on but the runs look back to the baseline since (start of that cycle)


@dataclass
class Degradation:
    browsers: list[BrowserDegradation]
    target: bool  # every browser degraded together: the target, one alert
    target_since: float | None


def browser_counts(cycles, browser: str) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Per cycle: the browser's failures and judged first attempts (probe errors, not-run left out)."""
    from fixtures.core.outcomes import JUDGED_OUTCOMES, TARGET_FAILURES
    f, n = [], []
    for c in cycles:
        outs = [o for (_j, b), o in c.outcomes.items() if b == browser and o in JUDGED_OUTCOMES]
        f.append(sum(o in TARGET_FAILURES for o in outs))
        n.append(len(outs))
    return np.asarray(f, dtype=float), np.asarray(n, dtype=float)


@dataclass
class OwnSeries:
    """Each browser against its own past, after every cycle."""

    persistent: dict[str, PersistentSeries]  # the detector's state (evidence restarted at each recovery)
    per: dict[str, np.ndarray]  # the per-browser alert (held back when every browser degrades)
    target: np.ndarray  # every browser degraded together: the target's alert

    @property
    def log_ms(self) -> dict[str, np.ndarray]:
        return {b: s.evidence for b, s in self.persistent.items()}

    @property
    def states(self) -> dict[str, np.ndarray]:
        return {b: s.on for b, s in self.persistent.items()}


def own_series(cycles, browsers, interval: float) -> OwnSeries:  # type: ignore[no-untyped-def]
    """After every cycle: each browser's persistent state against its own past, the per-browser alert,
    and the target alert. Causal (every cycle's state depends only on the cycles before it), so the
    last column is what the report and ``/metrics`` say now, and a simulation reads the whole series
    through this code. ``split`` is applied at every cycle."""
    return own_series_from_counts({b: browser_counts(cycles, b) for b in browsers},
                                  np.asarray([c.started_at for c in cycles], dtype=float), interval)


def own_series_from_counts(counts: dict[str, tuple[np.ndarray, np.ndarray]], starts_at: np.ndarray,
                           interval: float) -> OwnSeries:
    """``own_series`` from each browser's (failures, trials) per cycle and the cycles' start times."""
    from monitor.stats.alert_state import Hysteresis, persistent_series
    d = Detector.for_schedule(interval)
    # The CUSUM restarts from 1 whenever the evidence falls under it, so under a steady rate it makes
    # short excursions many times a day: the backstop's hold line is the "on its way" line and its
    # quiet period two days. The alert normally ends earlier, when the runs show the recovery.
    h = Hysteresis.for_threshold(d.log_threshold, interval, hold_fraction=RISING, quiet_seconds=QUIET_SECONDS)
    persistent = {}
    for b, (f, n) in counts.items():
        p0, ready = baseline_rate(f, n, d, starts_at)
        log_l = np.where(ready, cycle_llr(f, n, p0), 0.0)
        # "Back to its own past": the baseline's upper bound; the spell's difference against it.
        persistent[b] = persistent_series(CusumEvidence(log_l).since, f, n, np.where(ready, p0, 0.0) * n,
                                          np.where(ready, p0, 0.5), h)
    if not counts:
        return OwnSeries({}, {}, np.zeros(len(starts_at), dtype=bool))
    per, target = split_series({b: s.on for b, s in persistent.items()},
                               {b: s.evidence >= RISING * d.log_threshold for b, s in persistent.items()})
    return OwnSeries(persistent, per, target)


def degradation_series(cycles, browsers, interval: float  # type: ignore[no-untyped-def]
                       ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """``own_series`` as (each browser's log evidence, its state, the per-browser alert, the target alert)."""
    s = own_series(cycles, browsers, interval)
    return s.log_ms, s.states, s.per, s.target


def split_series(states: dict[str, np.ndarray], rising: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``split`` after every cycle, with memory so that neither alert flaps.

    ``states``: each browser's alarm state (hysteresis); ``rising``: its evidence at least half the
    threshold's log now (over the line or on its way). The **target** alert turns on when every
    browser is alarmed *and* rising at the same cycle (an alarm only held through its quiet day,
    an old false alarm of one browser, does not make a new degradation of another the target's),
    and stays on while every browser stays alarmed. A **browser's** alert turns on when it is
    alarmed, the target is not, and some other browser is not rising; it stays on while the
    browser stays alarmed and the target does not take over. An alarm the target took over stays
    the target's until it ends (the browsers' alarms end on different days after a common outage:
    the last one is not a browser's own incident). Read cycle by cycle, neither depends on the
    other browsers' evidence wandering around a line: one spell per incident.
    """
    names = list(states)
    cycles = len(next(iter(states.values()))) if names else 0
    target = np.zeros(cycles, dtype=bool)
    per = {b: np.zeros(cycles, dtype=bool) for b in names}
    on = {b: False for b in names}
    targets = {b: False for b in names}  # this browser's current alarm was (also) the target's
    t_on = False
    for t in range(cycles):
        alarmed = {b: bool(states[b][t]) for b in names}
        up = {b: bool(rising[b][t]) for b in names}
        t_on = all(alarmed.values()) and (t_on or all(up.values()))
        target[t] = t_on
        for b in names:
            targets[b] = alarmed[b] and (targets[b] or t_on)
            on[b] = alarmed[b] and not targets[b] and (on[b] or any(not up[o] for o in names if o != b))
            per[b][t] = on[b]
    return per, target


def evaluate_degradation(cycles, browsers, interval: float,  # type: ignore[no-untyped-def]
                         series: OwnSeries | None = None) -> Degradation:
    """Each browser's detector over ``cycles`` (oldest first), and the target's verdict (``series``: already
    computed over the same cycles, ``monitor.stats.alert_verdicts.alert_series``)."""
    from monitor.stats.alert_state import spell_start
    d = Detector.for_schedule(interval)
    starts = [c.started_at for c in cycles]
    day = max(1, round(86400.0 / interval))
    series = series or own_series(cycles, browsers, interval)
    log_ms, states, per, target_series = series.log_ms, series.states, series.per, series.target
    rows = []
    for b in browsers:
        f, n = browser_counts(cycles, b)
        began = spell_start(states[b])
        cut = began if began is not None else max(0, len(cycles) - day)
        base = slice(max(0, cut - d.baseline), cut)
        last = float(log_ms[b][-1]) if log_ms[b].size else 0.0
        alarm = bool(states[b][-1]) if states[b].size else False
        alert = bool(per[b][-1]) if per[b].size else False
        rows.append(BrowserDegradation(b, math.exp(min(last, 700.0)), float(d.arl), alarm, alert,
                                       starts[began] if began is not None else None, _rate(f, n, base),
                                       _rate(f, n, slice(cut, None)), _clean_since(series.persistent[b], starts)))
    target = bool(target_series[-1]) if rows and target_series.size else False
    since = max((r.since_at for r in rows if r.since_at is not None), default=None) if target else None
    return Degradation(rows, target, since)


def sentence(r: BrowserDegradation) -> str:
    """The report's line for one browser."""
    from fixtures.core.engine_names import display_name
    from monitor.stats.browser_difference import _e, _when
    name = display_name(r.browser)
    if r.alarm:
        state = (f"evidence {_e(r.evidence)} ≥ {_e(r.threshold)}" if r.evidence >= r.threshold else
                 f"evidence {_e(r.evidence)} under {_e(r.threshold)} now, the alert held until the runs show a recovery")
        clean = (f"; recovered since {_when(r.clean_since)} (ends when the recent runs confirm it)"
                 if r.clean_since is not None else "")
        return (f"{name} fails more often than it used to: {_pct(r.recent)} since {_when(r.since_at)} against "
                f"{_pct(r.baseline)} before ({state}{clean}).")
    return f"{name}: no change against its own past (evidence {_e(r.evidence)} < {_e(r.threshold)})."


def _clean_since(s: PersistentSeries, starts: list[float]) -> float | None:
    k = int(s.clean_from[-1]) if s.clean_from.size else -1
    return starts[k] if 0 <= k < len(starts) else None


def _rate(f: np.ndarray, n: np.ndarray, s: slice) -> float:
    return float(f[s].sum() / n[s].sum()) if n[s].sum() else float("nan")


def _pct(x: float) -> str:
    return "–" if x != x else f"{100 * x:.1f} %"
