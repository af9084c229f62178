"""Always-valid comparison of two browsers, for a monitor that is read all the time.

Fisher's exact test on a fixed window is valid for ONE look; a monitor recomputes it after
every cycle, so over a week it "finds" a difference between two equal browsers most weeks.
This module replaces it, as the verdict's driver, with an e-process that may be read after
every cycle, forever, and a change detector built from it.

Method (one line, as cited in docs/statistics.md): the safe test for 2×2 tables of Turner, Ly &
Grünwald (2024, "Generic e-variables for exact sequential k-sample tests that allow for
optional stopping", Statistics & Probability Letters; arXiv:2106.02693), with a predictable
plug-in alternative, restarted on a fixed schedule and combined as a windowed CUSUM-type
e-detector (Shin, Ramdas & Rinaldo 2024, "E-detectors", arXiv:2203.03532).

* **E-value of one cycle** (browsers A, B paired by journey: only journeys where both have a
  counted first attempt). With plug-in failure probabilities ``ta`` ≥ ``tb`` learnt from the
  previous ``lookback`` cycles and ``t0`` their mean (the reverse information projection of
  the alternative on the null, Turner et al.),
  ``e = Π_pairs p_ta(xa) p_tb(xb) / (p_t0(xa) p_t0(xb))``. For any failure probability θ of a
  pair, ``E[e] = (θ ta/t0 + (1-θ)(1-ta)/(1-t0)) (θ tb/t0 + (1-θ)(1-tb)/(1-t0)) ≤ 1`` by
  Jensen, and also whenever A's θ ≤ B's θ (the one-sided null "A is not worse"), because
  ``ta ≥ t0 ≥ tb``. So the null allows each journey its own rate, varying over time.
  When ``ta ≤ tb`` the cycle bets nothing (``e = 1``).
* **E-process**: the product of the cycles' e-values from a start cycle, mixed (equal
  weights) over four alternatives: the plug-in one, and "A jumped 10, 25 or 50 points above
  B's recent rate" (bets from the first cycle after a sudden breakage, where a plug-in still
  believes the past). A mixture of test supermartingales is one; by Ville's inequality it
  reaches ``A`` with probability ≤ ``1/A`` however often it is read.
* **Change detection**: a new e-process starts every ``restart`` cycles on a fixed grid and
  lives ``window`` cycles; the evidence is the largest live one (so a browser that *becomes*
  worse is judged on the data since shortly before the change, and old evidence expires: a
  recovered browser stops being called worse at most ``window + restart`` cycles later).
* **Threshold**: at most ``K = 2 · pairs · ceil((horizon + window) / restart)`` e-processes
  can be read during any ``horizon`` (a week): both directions, every browser pair, every
  start that is live during it. A union bound over Ville's inequality gives
  P(any false alarm during a given week) ≤ K / A, so ``A = K / α``.

Written here (numpy, vectorised over simulated weeks) because no maintained Python package
implements safe 2×2 tests (``safestats`` is R only; ``confseq`` is a C++ build for Howard et
al.'s boundaries and has no e-detector).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

PRIOR = 0.5  # Krichevsky–Trofimov smoothing of the plug-in: never 0 or 1, so no e-value is 0 or ∞
JUMPS = (0.10, 0.25, 0.50)  # sudden breakages bet on from the first cycle after them
BASELINE_LOOKBACK = 16  # cycles behind the better browser's rate those jumps are added to
WEIGHTS = np.full(1 + len(JUMPS), 1.0 / (1 + len(JUMPS)))  # mixture: costs log 4 once, not per cycle


@dataclass(frozen=True)
class Design:
    """The detector's parameters, in cycles, and the threshold they imply."""

    alpha: float = 0.05
    horizon: int = 672  # cycles in the period the false-alarm guarantee is stated for (a week of 15 min)
    window: int = 48  # lifetime of one e-process (12 h of 15 min)
    restart: int = 16  # a new e-process every ... cycles (4 h of 15 min)
    lookback: int = 4  # cycles the plug-in alternative learns from
    pairs: int = 1  # browser pairs watched at the same threshold
    interval: float = 900.0  # seconds per cycle (to anchor start cycles on time in the store)

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha={self.alpha} must be in (0, 1)")
        for name in ("horizon", "window", "restart", "lookback", "pairs"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be ≥ 1 cycle")
        if self.restart > self.window:
            raise ValueError(f"restart={self.restart} must not exceed window={self.window}: "
                             "a cycle would then belong to no e-process")

    @property
    def processes(self) -> int:
        """E-processes that can be read during one horizon (both directions, all pairs)."""
        return 2 * self.pairs * math.ceil((self.horizon + self.window) / self.restart)

    @property
    def threshold(self) -> float:
        """Evidence needed to claim a difference: K / α (union bound over Ville's inequality)."""
        return self.processes / self.alpha

    @property
    def log_threshold(self) -> float:
        return math.log(self.threshold)

    @property
    def window_seconds(self) -> float:
        return self.window * self.interval

    @property
    def restart_seconds(self) -> float:
        return self.restart * self.interval

    @classmethod
    def for_schedule(cls, *, interval: float, alpha: float, browsers: int, horizon: float = 7 * 86400.0,
                     window: float = 86400.0, restart: float = 4 * 3600.0, lookback: int = 4) -> "Design":
        """Durations in seconds → cycles at the monitor's interval."""
        def cycles(seconds: float) -> int:
            return max(1, round(seconds / interval))
        return cls(alpha=alpha, horizon=cycles(horizon), window=cycles(window), restart=min(cycles(restart), cycles(window)),
                   lookback=lookback, pairs=max(1, browsers * (browsers - 1) // 2), interval=interval)


def plug_in(failures: np.ndarray, pairs: np.ndarray, lookback: int) -> np.ndarray:
    """Predictable estimate of the failure probability before each cycle: smoothed rate of the
    previous ``lookback`` cycles (the cycle itself is never used, or the e-value would be invalid)."""
    f = np.concatenate([np.zeros(failures.shape[:-1] + (1,)), np.cumsum(failures, -1)], -1)
    n = np.concatenate([np.zeros(pairs.shape[:-1] + (1,)), np.cumsum(pairs, -1)], -1)
    t = np.arange(failures.shape[-1])
    lo = np.maximum(t - lookback, 0)
    return (f[..., t] - f[..., lo] + PRIOR) / (n[..., t] - n[..., lo] + 2 * PRIOR)


def log_evalues(fa: np.ndarray, fb: np.ndarray, pairs: np.ndarray, lookback: int) -> np.ndarray:
    """Log e-values per cycle for "A fails more often than B", one row per alternative.

    Shape ``(len(WEIGHTS),) + fa.shape``. ``fa``/``fb``: failures of A and B among the cycle's
    ``pairs`` paired journeys. Alternative 0 learns both rates from the last ``lookback``
    cycles; the others bet that A jumped by ``JUMPS`` above B's recent rate (a release that
    breaks one browser): learning alone would need a cycle to notice the jump.
    """
    fa, fb, pairs = (np.asarray(x, dtype=float) for x in (fa, fb, pairs))
    ta, tb = plug_in(fa, pairs, lookback), plug_in(fb, pairs, lookback)
    base = plug_in(fb, pairs, BASELINE_LOOKBACK)
    rows = [log_evalue(fa, fb, pairs, ta, tb)]
    rows += [log_evalue(fa, fb, pairs, np.minimum(base + jump, 1 - PRIOR / (BASELINE_LOOKBACK + 1)), base)
             for jump in JUMPS]
    return np.stack(rows)


def log_evalue(fa, fb, n, ta, tb):  # type: ignore[no-untyped-def]
    """Log e-value of one block with given (predictable) alternative ``ta``, ``tb``; 0 unless ta > tb."""
    t0 = (ta + tb) / 2
    bet = ta > tb
    le = (fa * np.log(ta / t0) + (n - fa) * np.log((1 - ta) / (1 - t0))
          + fb * np.log(tb / t0) + (n - fb) * np.log((1 - tb) / (1 - t0)))
    return np.where(bet, le, 0.0)


def grid_starts(cycles: int, restart: int, window: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Start cycles on a fixed grid (every ``restart`` cycles) and the last cycle each is read."""
    starts = np.arange((-offset) % restart, cycles, restart)
    return starts, starts + window - 1


def detect(log_e: np.ndarray, starts: Sequence[int] | np.ndarray,
           ends: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Evidence after each cycle: log of the largest live e-process, and the start it comes from.

    ``log_e`` has shape (alternatives, ..., T) as returned by ``log_evalues``; the e-process
    started at ``starts[i]`` is the ``WEIGHTS``-mixture of the alternatives' products over
    cycles ``starts[i]..t``, read while ``t ≤ ends[i]``. Before any live start the evidence is
    0 (e = 1) and the start −1.
    """
    log_e = np.asarray(log_e, dtype=float)
    T = log_e.shape[-1]
    cum = np.concatenate([np.zeros(log_e.shape[:-1] + (1,)), np.cumsum(log_e, -1)], -1)
    log_w = np.log(WEIGHTS).reshape((-1,) + (1,) * (log_e.ndim - 1))
    starts, ends = np.asarray(starts, dtype=int), np.asarray(ends, dtype=int)
    evidence = np.full(log_e.shape[1:], -np.inf)
    origin = np.full(log_e.shape[1:], -1, dtype=int)
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):  # one block of cycles per e-process
        stop = min(end, T - 1) + 1
        if start >= stop:
            continue
        values = np.logaddexp.reduce(log_w + cum[..., start + 1:stop + 1] - cum[..., start:start + 1], axis=0)
        better = values > evidence[..., start:stop]
        evidence[..., start:stop] = np.where(better, values, evidence[..., start:stop])
        origin[..., start:stop] = np.where(better, start, origin[..., start:stop])
    return np.where(origin >= 0, evidence, 0.0), origin


class ProcessEvidence:
    """One series' e-processes, each read on its own: the evidence after cycle ``t`` from those
    started at cycle ``s`` or later (``monitor.stats.alert_state.persistent_series`` restarts the
    evidence at a recovery by reading only these: a subset of the same e-processes)."""

    def __init__(self, log_e: np.ndarray, starts: Sequence[int] | np.ndarray, ends: Sequence[int] | np.ndarray) -> None:
        log_e = np.asarray(log_e, dtype=float)  # (alternatives, T): one series
        T = log_e.shape[-1]
        cum = np.concatenate([np.zeros(log_e.shape[:-1] + (1,)), np.cumsum(log_e, -1)], -1)
        log_w = np.log(WEIGHTS)[:, None]
        self.live: list[list[tuple[int, float]]] = [[] for _ in range(T)]  # per cycle: (start, log value)
        for start, end in zip(np.asarray(starts, int).tolist(), np.asarray(ends, int).tolist(), strict=True):
            stop = min(end, T - 1) + 1
            if start >= stop:
                continue
            values = np.logaddexp.reduce(log_w + cum[:, start + 1:stop + 1] - cum[:, start:start + 1], axis=0)
            for t, v in zip(range(start, stop), values.tolist(), strict=True):
                self.live[t].append((start, v))

    def since(self, t: int, first: int) -> float:
        """Log of the largest live e-process started at ``first`` or later (0 when none: e = 1)."""
        best = max((v for s, v in self.live[t] if s >= first), default=None)
        return 0.0 if best is None else best


def crossing(alarm: np.ndarray) -> int | None:
    """Index of the cycle where the current (last) run of alarms began, or None if not alarmed now."""
    alarm = np.asarray(alarm, dtype=bool)
    if alarm.size == 0 or not alarm[-1]:
        return None
    quiet = np.flatnonzero(~alarm)
    return int(quiet[-1] + 1) if quiet.size else 0


# --- always-valid interval for the difference of failure rates ----------------------------
def difference_interval(diffs: Sequence[float] | np.ndarray, alpha: float,
                        grid: int = 201, tune: int | None = None) -> tuple[float, float]:
    """Confidence sequence for the mean of paired differences ``xa − xb`` ∈ {−1, 0, 1}.

    Waudby-Smith & Ramdas (2024, "Estimating means of bounded random variables by betting",
    JRSS B, hedged capital process with predictable plug-in bets, their eq. (26)-(27)) on
    y = (d + 1) / 2 ∈ [0, 1]: the interval is every mean m whose capital stays below 1/α,
    valid at every cycle at once when the mean difference is constant since the first pair.
    With ``tune`` (pairs, fixed in advance: e.g. a week's at the schedule), the capital is the
    average of two such processes, the paper's bets and bets tuned to be sharpest at ``tune``
    pairs (λ constant until then): an average of test martingales is one, so the interval stays
    always-valid, is as sharp as either (up to log 2), and tightens with a long stable history.
    The set is an interval (the hedged capital is quasi-convex in m); its ends are found by
    bisection from the running mean (a few dozen evaluations instead of a grid: a month of pairs
    is read at every scrape), each end closed outward.
    """
    y = (np.asarray(diffs, dtype=float) + 1.0) / 2.0
    if y.size == 0:
        return (-1.0, 1.0)
    t = np.arange(1, y.size + 1)
    mean_incl = (0.5 + np.cumsum(y)) / (t + 1)  # μ̂_t, including y_t
    spread = np.concatenate([[0.0], np.cumsum((y - mean_incl) ** 2)[:-1]])  # Σ_{i<t} (y_i − μ̂_i)²
    var_before = (0.25 + spread) / t  # σ̂²_{t−1}: predictable
    lams = [np.sqrt(2 * math.log(2 / alpha) / (var_before * t * np.log1p(t)))]
    if tune:
        lams.append(np.sqrt(2 * math.log(2 / alpha) / (var_before * np.maximum(t, tune))))

    def kept(m: np.ndarray) -> np.ndarray:
        m = m[:, None]
        capitals = []
        for lam in lams:
            up = np.minimum(lam, 0.5 / m)  # truncation keeps every factor ≥ 1/2: capital never hits 0
            down = np.minimum(lam, 0.5 / (1 - m))
            capitals.append(np.logaddexp(np.log1p(up * (y - m)).sum(-1), np.log1p(-down * (y - m)).sum(-1))
                            - math.log(2))  # hedged: half the money on each side
        capital = np.logaddexp.reduce(capitals, axis=0) - math.log(len(capitals))
        return capital < math.log(1 / alpha)

    centre = float(np.clip(y.mean(), 1e-9, 1 - 1e-9))
    if not kept(np.array([centre]))[0]:  # the running mean is outside: only with tiny α and few pairs
        coarse = np.linspace(0.0, 1.0, grid)[1:-1]
        inside = coarse[kept(coarse)]
        if inside.size == 0:
            return (2 * centre - 1, 2 * centre - 1)
        centre = float(inside[len(inside) // 2])
    ends = []
    for outside in (0.0, 1.0):  # bisection between the centre (kept) and each end of [0, 1]
        a, b = centre, outside
        if kept(np.array([min(max(outside, 1e-9), 1 - 1e-9)]))[0]:
            ends.append(outside)
            continue
        for _ in range(precision_steps(grid)):
            mid = (a + b) / 2
            a, b = (mid, b) if kept(np.array([mid]))[0] else (a, mid)
        ends.append(b)  # the first value ruled out: the interval is closed outward
    return (2 * ends[0] - 1, 2 * ends[1] - 1)


def precision_steps(grid: int) -> int:
    """Bisection steps for a precision finer than ``grid`` points on [0, 1] (about a hundredth of a point)."""
    return max(14, math.ceil(math.log2(grid)) + 7)


def stable_segment(per_cycle: Sequence[np.ndarray], candidates: Sequence[int] | np.ndarray,
                   alpha: float) -> tuple[int, bool]:
    """Where the current stable stretch of the difference begins: (cycle index, change shown).

    A change is claimed only when the data show one: at the candidate start (a grid cycle) where
    the mean difference shifts most (the two-sample CUSUM statistic), the always-valid intervals
    before and after it, at ``alpha / (2 × candidates)`` each, must not overlap. Else the stretch
    is the whole history read (index 0). Searched again after a shown change (a newer one wins).
    """
    sums = np.array([float(np.sum(d)) for d in per_cycle])
    counts = np.array([float(np.size(d)) for d in per_cycle])
    cands = [int(k) for k in candidates if 0 < int(k) < len(per_cycle)]
    level = alpha / max(2 * len(cands), 1)
    start, shown = 0, False
    for _ in range(3):
        ks = [k for k in cands if k > start]
        if not ks:
            break
        cs, cn = np.cumsum(sums[start:]), np.cumsum(counts[start:])
        best, score = None, 0.0
        for k in ks:
            nb, na = cn[k - start - 1], cn[-1] - cn[k - start - 1]
            if nb < 2 or na < 2:
                continue
            mb, ma = cs[k - start - 1] / nb, (cs[-1] - cs[k - start - 1]) / na
            z = abs(ma - mb) / math.sqrt(1 / nb + 1 / na)
            if z > score:
                best, score = k, z
        if best is None:
            break
        before = difference_interval(np.concatenate([np.asarray(d, float) for d in per_cycle[start:best]]), level)
        after = difference_interval(np.concatenate([np.asarray(d, float) for d in per_cycle[best:]]), level)
        if before[1] < after[0] or after[1] < before[0]:
            start, shown = best, True
        else:
            break
    return start, shown
