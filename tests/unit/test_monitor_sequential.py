"""The always-valid browser comparison: exact expectations, the threshold, the detector, the
interval, and false alarms under continuous reading (fixed seeds: deterministic)."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from monitor.calibration.continuous import FisherTables, sequential_claims
from monitor.stats.rates import fisher_exact
from monitor.stats.sequential import (
    JUMPS,
    WEIGHTS,
    Design,
    crossing,
    detect,
    difference_interval,
    grid_starts,
    log_evalue,
    log_evalues,
    plug_in,
)

GRID = (0.01, 0.05, 0.2, 0.5, 0.8, 0.97)


def binom_pmf(n: int, p: float) -> list[float]:
    return [math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(n + 1)]


def expected_evalue(n: int, theta_a: float, theta_b: float, ta: float, tb: float) -> float:
    """E[e] by exact enumeration of every (failures of A, failures of B) in a block of n pairs."""
    pa, pb = binom_pmf(n, theta_a), binom_pmf(n, theta_b)
    return sum(pa[x] * pb[y] * math.exp(float(log_evalue(x, y, n, ta, tb)))
               for x in range(n + 1) for y in range(n + 1))


@pytest.mark.parametrize("n", [1, 3, 8])
def test_cycle_evalue_has_expectation_at_most_one_under_the_one_sided_null(n: int) -> None:
    # Null "A is not worse": theta_a ≤ theta_b, any bet ta, tb. Exact sums, no simulation.
    worst = 0.0
    for theta_a, theta_b, ta, tb in itertools.product(GRID, GRID, GRID, GRID):
        if theta_a <= theta_b:
            worst = max(worst, expected_evalue(n, theta_a, theta_b, ta, tb))
    assert worst <= 1 + 1e-12
    assert worst == pytest.approx(1.0)  # reached when the bet is off (ta ≤ tb gives e = 1)


def test_cycle_evalue_holds_when_journeys_have_different_rates() -> None:
    # Two pairs in one cycle, journey 1 fails 50 %, journey 2 fails 1 % (same in both browsers):
    # the product over pairs with one common bet still has expectation ≤ 1.
    for ta, tb in itertools.product(GRID, GRID):
        e = expected_evalue(1, 0.5, 0.5, ta, tb) * expected_evalue(1, 0.01, 0.01, ta, tb)
        assert e <= 1 + 1e-12


def test_cycle_evalue_grows_at_the_kullback_leibler_rate_when_a_is_really_worse() -> None:
    # Power, not validity: with A at 30 % and B at 2 % and the bet on the truth, the expected log
    # e-value of a cycle of 8 pairs is exactly 8 × (KL(A ‖ pooled) + KL(B ‖ pooled)), pooled 16 %.
    pa, pb = binom_pmf(8, 0.30), binom_pmf(8, 0.02)
    growth = sum(pa[x] * pb[y] * float(log_evalue(x, y, 8, 0.30, 0.02)) for x in range(9) for y in range(9))
    kl = (0.3 * math.log(0.3 / 0.16) + 0.7 * math.log(0.7 / 0.84)
          + 0.02 * math.log(0.02 / 0.16) + 0.98 * math.log(0.98 / 0.84))
    assert growth == pytest.approx(8 * kl, rel=1e-12)
    assert growth == pytest.approx(1.3635, abs=1e-4)


def test_the_plug_in_never_looks_at_the_cycle_it_bets_on() -> None:
    # Changing cycle t's data must not change the bet made for cycle t, only later ones.
    rng = np.random.default_rng(3)
    fa = rng.binomial(8, 0.2, 40).astype(float)
    n = np.full(40, 8.0)
    before = plug_in(fa, n, 4)
    fa2 = fa.copy()
    fa2[20] = 8 - fa[20]
    after = plug_in(fa2, n, 4)
    assert np.array_equal(before[:21], after[:21])
    assert not np.allclose(before[21:25], after[21:25])  # later cycles learn from it
    assert np.array_equal(before[25:], after[25:])  # and forget it after the lookback


def test_threshold_is_a_union_bound_over_the_week() -> None:
    d = Design(alpha=0.05, horizon=672, window=48, restart=16, pairs=1)
    assert d.processes == 2 * 1 * 45  # both directions × starts live during a week
    assert d.threshold == pytest.approx(90 / 0.05)
    three = Design(alpha=0.05, horizon=672, window=48, restart=16, pairs=3)
    assert three.threshold == pytest.approx(3 * d.threshold)
    with pytest.raises(ValueError):
        Design(window=8, restart=16)
    assert Design.for_schedule(interval=900, alpha=0.05, browsers=3, window=12 * 3600).pairs == 3


def test_detect_matches_a_brute_force_maximum() -> None:
    rng = np.random.default_rng(0)
    log_e = rng.normal(0, 1, (len(WEIGHTS), 30))
    starts, ends = grid_starts(30, 4, 10, offset=1)
    evidence, origin = detect(log_e, starts, ends)
    for t in range(30):
        best, where = -np.inf, -1
        for s, e in zip(starts, ends, strict=True):
            if s <= t <= e:
                v = math.log(sum(w * math.exp(log_e[c, s:t + 1].sum()) for c, w in enumerate(WEIGHTS)))
                if v > best:
                    best, where = v, s
        assert origin[t] == where
        assert evidence[t] == pytest.approx(best if where >= 0 else 0.0)
    assert list(starts[:3]) == [3, 7, 11]


def test_crossing_is_the_start_of_the_current_alarm() -> None:
    assert crossing(np.array([0, 1, 1, 0, 1, 1, 1], bool)) == 4
    assert crossing(np.array([1, 1], bool)) == 0
    assert crossing(np.array([1, 0], bool)) is None


def alarmed_weeks(weeks: int, rate: float, design: Design, seed: int, log_threshold: float) -> int:
    """Weeks (after a day of history) in which some read after some cycle claims a difference."""
    rng = np.random.default_rng(seed)
    fa = rng.binomial(8, rate, (weeks, 96 + design.horizon)).astype(float)
    fb = rng.binomial(8, rate, (weeks, 96 + design.horizon)).astype(float)
    n = np.full(fa.shape, 8.0)
    starts, ends = grid_starts(fa.shape[-1], design.restart, design.window)
    alarmed = np.zeros(weeks, bool)
    for x, y in ((fa, fb), (fb, fa)):
        evidence, _ = detect(log_evalues(x, y, n, design.lookback), starts, ends)
        alarmed |= (evidence[:, 96:] >= log_threshold).any(-1)
    return int(alarmed.sum())


def test_continuous_reading_keeps_false_alarms_under_alpha_and_a_naive_threshold_does_not() -> None:
    # Equal 10 % failure rates, read after every cycle for a week (seeded, so deterministic).
    design = Design(alpha=0.05, window=48, restart=16)
    assert alarmed_weeks(300, 0.10, design, 11, design.log_threshold) <= 0.05 * 300
    # The same detector with Ville's 1/α for ONE e-process (no union bound over the week's starts
    # and directions) cries wolf: this is what the threshold protects against.
    assert alarmed_weeks(300, 0.10, design, 11, math.log(1 / 0.05)) > 0.05 * 300


def test_a_jump_is_detected_in_the_right_direction() -> None:
    rng = np.random.default_rng(5)
    design = Design(alpha=0.05, window=48, restart=16)
    t = np.arange(200)
    fa = rng.binomial(8, np.where(t < 100, 0.02, 0.30), (50, 200)).astype(float)
    fb = rng.binomial(8, 0.02, (50, 200)).astype(float)
    a, b = sequential_claims(fa, fb, np.full(200, 8.0), design)
    assert a[:, 100:120].any(-1).all()  # every simulated run names A within 20 cycles
    assert not b.any()
    assert len(JUMPS) + 1 == len(WEIGHTS)


def test_fisher_tables_match_the_exact_integer_test() -> None:
    tables = [(3, 5, 7, 1), (10, 0, 0, 10), (0, 4, 0, 4), (5, 5, 5, 5), (700, 68, 690, 78), (1, 9, 11, 3)]
    ft = FisherTables(2000)
    got = ft.pvalues(*(np.array([t[i] for t in tables]) for i in range(4)))
    for t, p in zip(tables, got, strict=True):
        assert p == pytest.approx(fisher_exact(*t), rel=1e-9, abs=1e-15)


def test_difference_interval_covers_at_every_look() -> None:
    # 200 seeded sequences of 300 pairs, true difference 0.30 − 0.10 = 0.2; the interval must
    # cover at every look at once in ≥ 95 % of sequences (time-uniform, not per look).
    rng = np.random.default_rng(21)
    misses = 0
    looks = (10, 25, 50, 100, 200, 300)
    for _ in range(200):
        d = (rng.random(300) < 0.3).astype(float) - (rng.random(300) < 0.1).astype(float)
        if any(not (lo <= 0.2 <= hi) for lo, hi in (difference_interval(d[:k], 0.05, grid=401) for k in looks)):
            misses += 1
    assert misses <= 10
    wide, narrow = difference_interval(d[:25], 0.05), difference_interval(d, 0.05)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    assert difference_interval([], 0.05) == (-1.0, 1.0)


def test_tuned_interval_covers_at_every_look_and_is_sharper_at_its_tuning() -> None:
    # The mixture with bets tuned to 300 pairs: still time-uniform (α = 0.2 so misses are seen), and
    # narrower than the paper's bets alone at 300 pairs.
    rng = np.random.default_rng(22)
    misses, looks = 0, (10, 50, 150, 300)
    for _ in range(150):
        d = (rng.random(300) < 0.3).astype(float) - (rng.random(300) < 0.1).astype(float)
        if any(not (lo <= 0.2 <= hi) for lo, hi in (difference_interval(d[:k], 0.2, tune=300) for k in looks)):
            misses += 1
    assert misses <= 0.2 * 150
    tuned, plain = difference_interval(d, 0.01, tune=300), difference_interval(d, 0.01)
    assert tuned[1] - tuned[0] < plain[1] - plain[0]
