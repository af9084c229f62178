"""Statistics on published values: Wilson (Newcombe 1998) and Fisher (R / scipy)."""
from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from monitor.stats.rates import Rate, compare, fisher_exact, format_p, holm, verdict, wilson_interval


# Newcombe R.G., "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Stat Med 1998;17:857-872, Table I, method 3 (score interval, no correction).
@pytest.mark.parametrize("k,n,lo,hi", [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_1998(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


def test_wilson_edges_and_errors() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(29, 29)
    assert hi == 1.0 and 0.88 < lo < 0.89
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


# Two-sided p-values as printed by R's fisher.test and scipy.stats.fisher_exact.
@pytest.mark.parametrize("table,p", [
    ((3, 1, 1, 3), 0.4857142857142857),  # Fisher's lady tasting tea
    ((1, 9, 11, 3), 0.0027594561852200836),  # scipy docs / Wikipedia example
    ((8, 2, 1, 5), 0.03496503496503495),  # scipy docs, whales and sharks
    ((4, 14, 3, 1), 0.07655502392344499),
    ((45, 40, 10, 5), 0.4048121346770015),
])
def test_fisher_matches_known_p_values(table: tuple[int, int, int, int], p: float) -> None:
    assert fisher_exact(*table) == pytest.approx(p, rel=1e-9)


def test_fisher_degenerate_tables_and_symmetry() -> None:
    assert fisher_exact(0, 0, 5, 5) == 1.0
    assert fisher_exact(5, 0, 5, 0) == 1.0
    assert fisher_exact(10, 2, 3, 9) == pytest.approx(fisher_exact(3, 9, 10, 2))
    assert fisher_exact(10, 2, 3, 9) == pytest.approx(fisher_exact(2, 10, 9, 3))


def _exact_fisher(a: int, b: int, c: int, d: int) -> Fraction:
    """The definition, in exact integers: the sum of the tables no more likely than the observed one."""
    r1, r2, c1 = a + b, c + d, a + c
    weights = [math.comb(r1, x) * math.comb(r2, c1 - x) for x in range(max(0, c1 - r2), min(r1, c1) + 1)]
    observed = weights[a - max(0, c1 - r2)]
    return Fraction(sum(w for w in weights if w <= observed), math.comb(r1 + r2, c1))


def test_fisher_in_log_space_matches_the_exact_definition() -> None:
    rng = random.Random(7)
    tables = [tuple(rng.randint(0, 40) for _ in range(4)) for _ in range(300)]
    tables += [(5000, 300, 4700, 600), (23000, 800, 22500, 1300), (0, 9000, 3, 8997)]  # a month of runs
    for t in tables:
        if sum(t) and (t[0] + t[1]) and (t[2] + t[3]) and (t[0] + t[2]) and (t[1] + t[3]):
            assert fisher_exact(*t) == pytest.approx(float(_exact_fisher(*t)), rel=1e-9, abs=1e-300), t


def test_holm_adjustment() -> None:
    # Classic example: p = 0.01, 0.04, 0.03 → 0.03, 0.06, 0.06 (order kept).
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_rate_counts_first_attempts_and_leaves_out_prober_outcomes() -> None:
    r = Rate("chromium")
    for outcome in ["success"] * 7 + ["failure", "mail_not_received", "probe_error", "unavailable", "not_run"]:
        r.add(outcome)
    r.add("failure", flaky=True)
    assert (r.successes, r.failures, r.flaky, r.trials) == (7, 3, 1, 10)
    assert r.excluded == {"probe_error": 1, "unavailable": 1, "not_run": 1}
    assert r.ratio == pytest.approx(0.7)


def test_sentence_for_two_browsers_is_actionable() -> None:
    chromium = Rate("chromium", successes=142, failures=58)
    firefox = Rate("firefox", successes=196, failures=4)
    chromium.excluded["probe_error"] = 3
    lines = verdict([chromium, firefox])
    assert lines[0].startswith("Chromium 71 % [64–77] vs Firefox 98 % [95–99]: significant (p<0.0001).")
    assert "look at Chromium" in lines[0]
    assert "probe_error and journeys not run (unavailable, not_run) are left out (Chromium: 3 probe_error)" in lines[1]


def test_not_significant_with_few_runs_says_so() -> None:
    lines = verdict([Rate("chromium", successes=4, failures=1), Rate("firefox", successes=5, failures=0)])
    assert "not significant (p=1.00)" in lines[0]
    assert "Too few runs" in lines[0]


def test_three_browsers_each_against_best_with_holm() -> None:
    rates = [Rate("chromium", successes=70, failures=30), Rate("firefox", successes=98, failures=2),
             Rate("webkit", successes=95, failures=5)]
    comps = compare(rates)
    assert [c.better.label for c in comps] == ["firefox", "firefox"]
    raw = sorted(c.p_value for c in comps)
    adj = sorted(c.p_adjusted for c in comps)
    assert adj[0] == pytest.approx(min(1, 2 * raw[0]))
    assert comps[0].worse.label == "chromium" and comps[0].significant
    assert comps[1].worse.label == "webkit" and not comps[1].significant
    assert "Holm-adjusted vs best" in verdict(rates)[0]


def test_single_browser_and_no_data() -> None:
    assert "nothing to compare" in verdict([Rate("firefox", successes=3)])[0]
    assert verdict([Rate("firefox")])[0] == "No counted runs yet."


def test_format_p() -> None:
    assert format_p(0.00003) == "p<0.0001"
    assert format_p(0.0003) == "p=0.0003"
    assert format_p(0.041) == "p=0.041"
    assert format_p(0.41) == "p=0.41"
