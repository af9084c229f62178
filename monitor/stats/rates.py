"""Success rates with Wilson intervals, and whether browsers really differ.

Hand-written on purpose: two exact formulas (Wilson score interval, Fisher's exact test by
the hypergeometric distribution) do not justify a ~40 MB scipy dependency.

Choices, stated once:

* A *rate* counts first attempts only: ``success / (success + failure + mail_not_received)``.
  ``probe_error`` (our own infrastructure broke) and the journeys not run (``unavailable``:
  engine not installed; ``not_run``: write-guard, needs the operator…) say nothing about the
  target, so they are left out of both numerator and denominator,
  and every sentence says how many were left out. Passing only on retry is *flaky*: it is
  not a first-attempt success and is reported beside the rate.
* Two browsers: Fisher's exact test, two-sided, p = sum of the probabilities of every table
  with the same margins that is no more likely than the observed one (the definition R and
  scipy use), computed with exact integers so ties are exact.
* More than two browsers: each browser against the best one by Fisher's exact test, the
  p-values adjusted with Holm's step-down method. Chosen over a k×2 chi-square because the
  answer names *which* browser is worse, which is what a person can act on, and it stays
  exact for the small counts a monitor sees in an hour.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from fixtures.core.engine_names import display_name
from fixtures.core.outcomes import EXCLUDED_OUTCOMES, TARGET_FAILURES, Outcome

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval (no continuity correction) for a binomial proportion.

    Why Wilson: the plain normal interval collapses to [1, 1] at 100 % success and is
    wrong for the small n of a monitoring window; Wilson stays inside [0, 1] and keeps
    its coverage for small n.
    """
    if trials <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= trials:
        raise ValueError(f"successes={successes} must be between 0 and trials={trials}")
    p = successes / trials
    z2 = z * z
    denom = 1.0 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = (z / denom) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    # Exact bounds at the edges (floating error would otherwise print 1e-17).
    if successes == 0:
        lo = 0.0
    if successes == trials:
        hi = 1.0
    return (lo, hi)


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test for the 2×2 table [[a, b], [c, d]]."""
    if min(a, b, c, d) < 0:
        raise ValueError("table cells must be non-negative")
    r1, r2, c1 = a + b, c + d, a + c
    n = r1 + r2
    if n == 0 or r1 == 0 or r2 == 0 or c1 == 0 or c1 == n:
        return 1.0
    lo, hi = max(0, c1 - r2), min(r1, c1)
    # The hypergeometric pmf in log space, each term from the previous one's ratio: exact integers
    # (math.comb) cost seconds on a month of runs (tens of thousands per browser); this is what
    # R's fisher.test and scipy do, with their relative tolerance for ties.
    x = np.arange(lo, hi, dtype=float)
    ratios = (r1 - x) * (c1 - x) / ((x + 1) * (r2 - c1 + x + 1))
    logs = np.concatenate(([0.0], np.cumsum(np.log(ratios))))
    weights = np.exp(logs - logs.max())
    observed = weights[a - lo]
    return float(min(1.0, weights[weights <= observed * (1 + 1e-7)].sum() / weights.sum()))


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment (controls the family-wise error rate), input order kept."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


@dataclass
class Rate:
    """First-attempt success rate of one group (a browser, or a journey × browser)."""

    label: str
    successes: int = 0
    failures: int = 0  # failure + mail_not_received, first attempt
    flaky: int = 0  # first attempt failed, a retry passed (also counted in failures)
    excluded: dict[str, int] = field(default_factory=lambda: {o: 0 for o in EXCLUDED_OUTCOMES})

    @property
    def trials(self) -> int:
        return self.successes + self.failures

    @property
    def ratio(self) -> float | None:
        return self.successes / self.trials if self.trials else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.successes, self.trials)

    def add(self, first_outcome: str, flaky: bool = False) -> None:
        """Count one journey × browser run by its first-attempt outcome."""
        if first_outcome == Outcome.SUCCESS:
            self.successes += 1
        elif first_outcome in TARGET_FAILURES:
            self.failures += 1
            if flaky:
                self.flaky += 1
        elif first_outcome in EXCLUDED_OUTCOMES:
            self.excluded[first_outcome] = self.excluded.get(first_outcome, 0) + 1
        else:
            raise ValueError(f"unknown outcome {first_outcome!r}")

    def text(self) -> str:
        """'Chromium 71 % [64–77]' or 'Chromium: no runs'."""
        if not self.trials:
            return f"{display_name(self.label)}: no runs"
        lo, hi = self.interval
        return f"{display_name(self.label)} {pct(self.ratio)} % [{pct(lo)}–{pct(hi)}]"

    def excluded_text(self) -> str:
        parts = [f"{n} {o}" for o, n in self.excluded.items() if n]
        return ", ".join(parts)


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}"


def format_p(p: float) -> str:
    if p < 0.0001:
        return "p<0.0001"
    if p >= 0.1:
        return f"p={p:.2f}"
    return f"p={p:.2g}" if p >= 0.001 else f"p={p:.1g}"


@dataclass
class Comparison:
    """One browser against another (the best one when there are more than two)."""

    worse: Rate
    better: Rate
    p_value: float
    p_adjusted: float
    alpha: float = 0.05

    @property
    def significant(self) -> bool:
        return self.p_adjusted < self.alpha

    def sentence(self, adjusted_by: str | None = None, descriptive: bool = False) -> str:
        """A sentence a person can act on; ``descriptive``: the window's figure only, no verdict
        (a monitor reads it after every cycle, so "significant" would cry wolf: see monitor.stats.sequential)."""
        head = f"{self.worse.text()} vs {self.better.text()}"
        if self.worse.trials == 0 or self.better.trials == 0:
            return f"{head}: cannot compare, one side has no counted runs."
        pv = format_p(self.p_adjusted)
        if adjusted_by:
            pv += f", {adjusted_by}"
        if descriptive:
            return f"{head}: Fisher's exact test on this window {pv} (descriptive, one look)."
        if self.significant:
            return (f"{head}: significant ({pv}). {display_name(self.worse.label)} fails more often than "
                    f"{display_name(self.better.label)}: look at {display_name(self.worse.label)}'s recent failures.")
        small = min(self.worse.trials, self.better.trials) < 20
        tail = " Too few runs to tell: keep monitoring." if small else " No evidence that the browsers differ."
        return f"{head}: not significant ({pv}).{tail}"


def compare(rates: list[Rate], alpha: float = 0.05) -> list[Comparison]:
    """Compare browsers: Fisher for two, each vs the best with Holm for more."""
    usable = [r for r in rates if r.trials > 0]
    if len(usable) < 2:
        return []
    best = max(usable, key=lambda r: (r.ratio, r.trials))
    others = [r for r in usable if r is not best]
    raw = [fisher_exact(best.successes, best.failures, r.successes, r.failures) for r in others]
    adjusted = holm(raw) if len(others) > 1 else raw
    comps = [Comparison(worse=r, better=best, p_value=p, p_adjusted=q, alpha=alpha) for r, p, q in zip(others, raw, adjusted, strict=True)]
    comps.sort(key=lambda c: c.p_adjusted)
    return comps


def verdict(rates: list[Rate], alpha: float = 0.05, window: str | None = None,
            descriptive: bool = False) -> list[str]:
    """Sentences comparing browsers, plus what was left out and why (``descriptive``: see Comparison)."""
    comps = compare(rates, alpha)
    prefix = f"[{window}] " if window else ""
    if not comps:
        counted = [r for r in rates if r.trials]
        if not counted:
            lines = [f"{prefix}No counted runs yet."]
        else:
            lines = [f"{prefix}{counted[0].text()}: only one browser has counted runs, nothing to compare."]
    else:
        how = "Holm-adjusted vs best" if len(comps) > 1 else None
        lines = [prefix + c.sentence(how, descriptive) for c in comps]
    excl = [f"{display_name(r.label)}: {r.excluded_text()}" for r in rates if r.excluded_text()]
    note = ("Rates count first attempts of success, failure and mail_not_received; probe_error and "
            "journeys not run (unavailable, not_run) are left out")
    lines.append(f"{prefix}{note}" + (f" ({'; '.join(excl)})." if excl else "."))
    flaky = [f"{display_name(r.label)} {r.flaky}" for r in rates if r.flaky]
    if flaky:
        lines.append(f"{prefix}Flaky (failed first, passed on retry; counted as failures above): {', '.join(flaky)}.")
    return lines
