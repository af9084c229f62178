"""Which browser is slower at a step, honestly: a paired, distribution-free interval on the ratio.

Why this test: step durations are skewed (a long right tail: a slow server answer, a GC pause),
so a t-test on seconds is wrong and "the mean is 1.8× higher" is dominated by one outlier. Two
browsers run the same step in the same cycle, against the same server state: pairing by cycle
(and journey) removes what they share. On the log scale a ratio is a shift, so per pair
d = log(t_A) − log(t_B); the Hodges–Lehmann estimate (median of the Walsh averages of d) is
the typical log-ratio, and the Wilcoxon signed-rank test inverted gives its exact confidence
interval (valid for any continuous distribution of d symmetric about its centre, which the
difference of two same-shaped log-durations is). ``exp`` turns both into a ratio: "Firefox is
1.8× slower at « Valider » [1.5–2.1]". The same on seconds gives the added time ("+2.0 s").

Many steps × browser pairs are compared at once: Bonferroni, each interval at level 1 − α/m
(m = comparisons with enough pairs to be made), so the chance that any claim is false stays
under α. A claim is said only when its interval excludes 1. Written with numpy (exact null
distribution by dynamic programming, normal approximation past 200 pairs), not scipy: scipy's
``wilcoxon`` gives a p-value, not the inverted interval, and would be a 40 MB dependency for
forty lines.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from statistics import NormalDist
from typing import Callable, Iterable, Sequence

import numpy as np

EXACT_UP_TO = 200  # pairs; past this the signed-rank statistic's normal approximation is used


@dataclass(frozen=True)
class Interval:
    """A Hodges–Lehmann estimate of a paired shift and its signed-rank confidence interval."""

    estimate: float
    low: float
    high: float
    n: int
    level: float  # the confidence level asked (1 − α/m); the exact interval's is at least this


@lru_cache(maxsize=1024)
def _lower_critical(n: int, alpha: float) -> int | None:
    """The largest c with P(T+ ≤ c) ≤ α/2 under the null (T+: Wilcoxon signed-rank sum), or None."""
    if n <= EXACT_UP_TO:
        total = n * (n + 1) // 2
        probs = np.zeros(total + 1)
        probs[0] = 1.0
        for i in range(1, n + 1):  # each rank i is in T+ with probability 1/2
            shifted = np.zeros_like(probs)
            shifted[i:] = probs[:-i]
            probs = (probs + shifted) / 2
        cdf = np.cumsum(probs)
        below = np.nonzero(cdf <= alpha / 2 + 1e-12)[0]
        return int(below[-1]) if below.size else None
    mean, sd = n * (n + 1) / 4, math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    return int(math.floor(mean - z * sd - 0.5))


#: Up to this many pairs the Walsh averages are sorted whole (≤ 9 MB); beyond, selected without the array.
DIRECT_WALSH = 1500


def hodges_lehmann(differences: Sequence[float], alpha: float) -> Interval | None:
    """The paired shift's estimate and its 1 − α interval; None when too few pairs to reach that level."""
    d = np.asarray(differences, dtype=float)
    n = d.size
    if n < 2:
        return None
    c = _lower_critical(n, alpha)
    if c is None:
        return None
    m = n * (n + 1) // 2  # Walsh averages (d_i + d_j) / 2, i ≤ j
    if n <= DIRECT_WALSH:  # a few MB: sorting them all is quicker than selecting three
        i, j = np.triu_indices(n)
        walsh = np.sort((d[i] + d[j]) / 2)
        return Interval(float(np.median(walsh)), float(walsh[c]), float(walsh[m - 1 - c]), int(n), 1 - alpha)
    d = np.sort(d)
    median = (_walsh_order(d, (m - 1) // 2) + _walsh_order(d, m // 2)) / 2
    return Interval(median, _walsh_order(d, c), _walsh_order(d, m - 1 - c), int(n), 1 - alpha)


def _walsh_count(d: np.ndarray, total: float) -> int:
    """How many pairs i ≤ j of the sorted ``d`` have d_i + d_j ≤ ``total``."""
    ends = np.searchsorted(d, total - d, side="right")
    return int(np.maximum(ends - np.arange(d.size), 0).sum())


def _walsh_order(d: np.ndarray, k: int) -> float:
    """The k-th smallest (from 0) Walsh average of the sorted ``d``, without the n² array of them.

    Why not sort them all: a month of paired runs is ~3 000 pairs, 4.5 M averages, hundreds of MB
    in the report. Bisect on the sum instead (each count is n binary searches), then take the
    largest sum at or below the bound found: that is an actual Walsh sum, the k-th one.
    """
    lo, hi = 2 * float(d[0]), 2 * float(d[-1])  # count(lo) ≥ 1, count(hi) = all
    if _walsh_count(d, lo) > k:
        return float(d[0])
    while True:  # invariant: count(lo) ≤ k < count(hi)
        mid = (lo + hi) / 2
        if not lo < mid < hi:
            break
        if _walsh_count(d, mid) > k:
            hi = mid
        else:
            lo = mid
    ends = np.searchsorted(d, hi - d, side="right") - 1  # for each i, the largest j with d_i + d_j ≤ hi
    ok = ends >= np.arange(d.size)
    return float((d[ok] + d[ends[ok]]).max() / 2)


@dataclass(frozen=True)
class StepTime:
    """One completed step of a first attempt: what the comparison pairs (by cycle and journey)."""

    cycle: int
    journey: str
    browser: str
    step: str  # fixed id (fixtures.core.steps)
    words: str
    #: the step's browser time (fixtures.core.page_load.BrowserTime), never the driver's wall clock: the
    #: wall clock holds the automation protocol's round trips, which differ by engine (issue 28)
    seconds: float


@dataclass(frozen=True)
class SpeedComparison:
    """Browser ``slower`` against ``faster`` at one step: their duration ratio and added seconds."""

    step: str
    words: str
    slower: str
    faster: str
    ratio: Interval  # slower / faster, exp of the log-scale interval
    added: Interval | None  # seconds slower − faster
    comparisons: int  # m of the Bonferroni correction

    @property
    def claimed(self) -> bool:
        """The data support "slower": the ratio's interval lies above 1."""
        return self.ratio.low > 1.0

    def sentence(self, name: Callable[[str], str] = str) -> str:
        r = self.ratio
        added = (f", {self.added.estimate:+.1f} s [{self.added.low:+.1f} to {self.added.high:+.1f}]"
                 if self.added is not None else "")
        if self.claimed:
            return (f"{name(self.slower)} is {r.estimate:.1f}× slower than {name(self.faster)} at « {self.words} » "
                    f"[{r.low:.1f}–{r.high:.1f}]{added} (browser time, {r.n} paired runs, {r.level:.1%} interval "
                    f"for {self.comparisons} comparisons)")
        return (f"{name(self.slower)} vs {name(self.faster)} at « {self.words} »: ratio {r.estimate:.2f} "
                f"[{r.low:.2f}–{r.high:.2f}] includes 1, no claim ({r.n} paired runs)")


def paired_durations(times: Iterable[StepTime], a: str, b: str) -> dict[str, list[tuple[float, float]]]:
    """Per step id, (seconds in ``a``, seconds in ``b``) of each cycle × journey both completed it.

    A step met twice in one run (two tests of a journey) counts its total time there.
    """
    by_key: dict[tuple[str, int, str], dict[str, float]] = {}
    for t in times:
        if t.browser in (a, b) and t.seconds > 0:
            cell = by_key.setdefault((t.step, t.cycle, t.journey), {})
            cell[t.browser] = cell.get(t.browser, 0.0) + t.seconds
    out: dict[str, list[tuple[float, float]]] = {}
    for (step, _cycle, _journey), cell in sorted(by_key.items()):
        if a in cell and b in cell:
            out.setdefault(step, []).append((cell[a], cell[b]))
    return out


def compare_browsers(times: Sequence[StepTime], browsers: Sequence[str], alpha: float = 0.05,
                     min_pairs: int = 5) -> list[SpeedComparison]:
    """Every step × browser pair with at least ``min_pairs`` paired runs, Bonferroni-corrected.

    Each comparison is oriented so that ``slower`` has the larger estimate; claimed ones (interval
    above 1) come first, largest ratio first.
    """
    words = {t.step: t.words for t in times}
    pairs = {(a, b): paired_durations(times, a, b) for a, b in combinations(sorted(browsers), 2)}
    tested = [(a, b, step, durations) for (a, b), steps in pairs.items() for step, durations in steps.items()
              if len(durations) >= min_pairs]
    m = max(1, len(tested))
    out = []
    for a, b, step, durations in tested:
        ta, tb = np.array([x for x, _ in durations]), np.array([y for _, y in durations])
        log_shift = hodges_lehmann(np.log(ta) - np.log(tb), alpha / m)
        if log_shift is None:
            continue
        added = hodges_lehmann(ta - tb, alpha / m)
        ratio = Interval(math.exp(log_shift.estimate), math.exp(log_shift.low), math.exp(log_shift.high),
                         log_shift.n, log_shift.level)
        if ratio.estimate >= 1:
            out.append(SpeedComparison(step, words[step], a, b, ratio, added, m))
        else:  # b is the slower one: the same interval, turned over
            flipped = Interval(1 / ratio.estimate, 1 / ratio.high, 1 / ratio.low, ratio.n, ratio.level)
            turned = (Interval(-added.estimate, -added.high, -added.low, added.n, added.level)
                      if added is not None else None)
            out.append(SpeedComparison(step, words[step], b, a, flipped, turned, m))
    return sorted(out, key=lambda c: (not c.claimed, -c.ratio.estimate, c.step))
