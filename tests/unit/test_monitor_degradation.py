"""Each browser against its own past: the e-detector's validity, its speed, and the target split."""
from __future__ import annotations

import math

import numpy as np
import pytest

from monitor.stats.alert_state import spells
from monitor.stats.browser_difference import CycleOutcomes
from monitor.stats.degradation import (
    Detector,
    baseline_rate,
    cusum,
    degradation_series,
    evaluate_degradation,
    log_likelihood_ratios,
    split_series,
)
from monitor.stats.power import between_browsers, own_baseline

D = Detector(arl=480, baseline=672, min_baseline=96)


def test_the_cycle_likelihood_ratio_has_expectation_at_most_one_under_the_null() -> None:
    """Exact enumeration over 8 journeys: E_p[L] ≤ 1 for every true rate p ≤ the baseline bound p₀."""
    from math import comb
    f = np.array([[1.0] * 200])  # a baseline of 200 cycles at 1 failure in 8
    n = np.full(f.shape, 8.0)
    bounds, ready = baseline_rate(f, n, D)
    p0 = float(bounds[0, -1])
    assert ready[0, -1] and 0.125 < p0 < 0.14  # the upper bound sits above the estimate
    q = min(max(2 * p0, p0 + 0.05), 0.95)
    for p in (0.0, 0.05, 0.1, p0):
        e = sum(comb(8, k) * p ** k * (1 - p) ** (8 - k) * (q / p0) ** k * ((1 - q) / (1 - p0)) ** (8 - k)
                for k in range(9))
        assert e <= 1 + 1e-12
    assert sum(comb(8, k) * 0.3 ** k * 0.7 ** (8 - k) * (q / p0) ** k * ((1 - q) / (1 - p0)) ** (8 - k)
               for k in range(9)) > 1.5  # and grows when the rate rose


def test_the_baseline_never_sees_the_cycle_it_judges() -> None:
    f = np.array([0.0] * 100 + [8.0])
    n = np.full(f.shape, 8.0)
    before, _ = baseline_rate(f, n, D)
    f2 = f.copy()
    f2[-1] = 0.0
    after, _ = baseline_rate(f2, n, D)
    assert before[-1] == after[-1]
    assert (log_likelihood_ratios(f[:50], n[:50], D) == 0).all()  # under a day of history: no bet


def test_cusum_recursion() -> None:
    got = cusum(np.array([1.0, -3.0, 0.5, 2.0]))
    assert got.tolist() == pytest.approx([1.0, -2.0, 0.5, 2.5])


def test_false_alarms_stay_rare_and_a_doubling_is_seen_within_hours() -> None:
    rng = np.random.default_rng(8)
    f = rng.binomial(8, 0.1, (60, 96 * 14)).astype(float)
    alarms = cusum(log_likelihood_ratios(f, np.full(f.shape, 8.0), D)) >= math.log(D.arl)
    assert alarms[:, 96:].any(-1).mean() <= 0.35  # ≤ 1 alarm in 13 days for most browsers (ARL ≥ 5 days)
    p = own_baseline(interval=900.0, journeys=8, reps=80, seed=3)
    assert np.median(p.delays) <= 20  # the 10 % → 20 %: 16 cycles median at full scale


def test_the_comparison_between_browsers_names_a_jump_fast() -> None:
    from monitor.stats.browser_difference import design_for
    p = between_browsers(interval=900.0, journeys=8, design=design_for(900.0, 0.05, 2), reps=60, seed=4)
    assert np.median(p.delays) <= 10 and "from 2 % to 30 %: median" in p.text()


def series(text: str) -> np.ndarray:
    return np.array([c == "1" for c in text])


def test_every_browser_degrading_is_the_target_one_alert() -> None:
    per, target = split_series({"chromium": series("0111111"), "firefox": series("0011111")},
                               {"chromium": series("0111100"), "firefox": series("0111100")})
    assert target.tolist() == series("0011111").tolist()  # on once both alarm and rise; held while both alarm
    assert per["firefox"].tolist() == series("0000000").tolist()
    # Chromium crossed one cycle before Firefox while Firefox was already on its way: not Chromium's own.
    assert per["chromium"].tolist() == series("0000000").tolist()


def test_the_tail_of_a_target_alert_is_not_a_browser_alert() -> None:
    """After a common outage Firefox's alarm ends a day before Chromium's: Chromium's rest is the target's."""
    per, target = split_series({"chromium": series("0111111"), "firefox": series("0111000")},
                               {"chromium": series("0110000"), "firefox": series("0110000")})
    assert target.tolist() == series("0111000").tolist()
    assert not per["chromium"].any() and not per["firefox"].any()


def test_a_browser_alert_does_not_flap_with_another_browsers_wandering_evidence() -> None:
    """Firefox's evidence going over and under half the line must not switch Chromium's alert on and off."""
    per, target = split_series({"chromium": series("0111111110"), "firefox": series("0000000000")},
                               {"chromium": series("0111111110"), "firefox": series("0010101010")})
    assert not target.any()
    assert per["chromium"].tolist() == series("0111111110").tolist() and spells(per["chromium"]) == 1


def test_an_old_alarm_held_through_its_quiet_day_does_not_make_a_new_one_the_targets() -> None:
    """Firefox still holds a false alarm (no evidence now): Chromium degrading is Chromium's alert."""
    per, target = split_series({"chromium": series("001111"), "firefox": series("111111")},
                               {"chromium": series("001111"), "firefox": series("000000")})
    assert not target.any()
    assert per["chromium"].tolist() == series("001111").tolist()


def test_the_exported_browser_alert_is_one_spell_a_month_at_most_under_equal_rates() -> None:
    """Through ``degradation_series`` (what /metrics and the report read): a month at equal 10 % after a
    week of baseline, per browser: alert spells as rare as the detector's own alarms (≤ 1 a month)."""
    spells_seen, time_on = [], []
    for seed in range(6):
        cycles = history(lambda i: {"chromium": 0.1, "firefox": 0.1}, 96 * 37, seed=100 + seed)
        _m, states, per, _t = degradation_series(cycles, ["chromium", "firefox"], 900.0)
        for b in ("chromium", "firefox"):
            assert spells(per[b][672:]) <= spells(states[b][672:])  # never more spells than the detector's
            spells_seen.append(int(spells(per[b][672:])))
            time_on.append(float(per[b][672:].mean()))
    assert np.mean(spells_seen) <= 1.0, spells_seen
    # ...and a false alarm ends: not held for weeks by the CUSUM's everyday excursions.
    assert np.mean(time_on) <= 0.12, time_on


def history(rates_at, cycles: int, seed: int) -> list[CycleOutcomes]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(cycles):
        outcomes = {(f"J{j}", b): ("failure" if rng.random() < p else "success")
                    for j in range(8) for b, p in rates_at(i).items()}
        out.append(CycleOutcomes(i + 1, 1.79e9 + 900 * i, outcomes))
    return out


def test_from_stored_outcomes_one_browser_then_the_target() -> None:
    one = history(lambda i: {"chromium": 0.1 if i < 300 else 0.4, "firefox": 0.1}, 330, seed=1)
    got = evaluate_degradation(one, ["chromium", "firefox"], 900.0)
    chromium, firefox = got.browsers
    assert chromium.alert and chromium.alarm and not firefox.alarm and not got.target
    assert chromium.since_at is not None and 1.79e9 + 900 * 300 <= chromium.since_at <= 1.79e9 + 900 * 315
    assert chromium.baseline == pytest.approx(0.1, abs=0.03) and chromium.recent > 0.25
    both = history(lambda i: {"chromium": 0.1 if i < 300 else 0.5, "firefox": 0.1 if i < 300 else 0.5}, 330, seed=2)
    got = evaluate_degradation(both, ["chromium", "firefox"], 900.0)
    assert got.target and not any(r.alert for r in got.browsers)


def rhythm_counts(days: int, seed: int) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """Every browser 3 % by night, 15 % by day (07:00–19:00 UTC), 8 journeys per 15-min cycle."""
    rng = np.random.default_rng(seed)
    times = 1_790_035_200.0 + 900.0 * np.arange(96 * days)  # from a UTC midnight
    hour = (times % 86400) / 3600
    p = np.where((hour >= 7) & (hour < 19), 0.15, 0.03)
    n = np.full(times.size, 8.0)
    return {b: (rng.binomial(8, p).astype(float), n) for b in ("chromium", "firefox")}, times


def test_a_daily_rhythm_on_every_browser_is_not_a_degradation() -> None:
    """Issue #29: three weeks of a 3 % / 15 % night/day rhythm, four seeds: with the time-of-day baseline
    no target alert and at most the detector's own false alarms per browser (~0.15 a month: ≤ 1 in these 16
    browser-weeks); the whole-week baseline (the control) calls days degradations."""
    from monitor.stats.degradation import own_series_from_counts
    per_browser = 0
    for seed in (1, 2, 3, 4):
        counts, times = rhythm_counts(21, seed)
        got = own_series_from_counts(counts, times, 900.0)
        per_browser += sum(int(spells(got.per[b][672:])) for b in counts)
        assert not got.target[672:].any()
        f, n = counts["chromium"]
        by_day = ((times % 86400) / 3600 >= 10) & ((times % 86400) / 3600 < 16)
        slot, _ = baseline_rate(f, n, D, times)
        flat, _ = baseline_rate(f, n, D)
        assert 0.14 < np.median(slot[672:][by_day[672:]]) < 0.19  # by day, the past days' daytime
        assert np.median(flat[672:][by_day[672:]]) < 0.11  # the whole week: nights included
        daily = cusum(np.where(by_day, log_likelihood_ratios(f, n, D), 0.0))
        assert (daily[672:] >= math.log(D.arl)).any()  # the control: judged against the whole week, days alarm
    assert per_browser <= 1
