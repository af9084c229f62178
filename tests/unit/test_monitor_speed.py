"""The browser speed comparison against known truths: simulated lognormal step durations."""
from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest

from monitor.stats.speed import DIRECT_WALSH, StepTime, _lower_critical, _walsh_order, compare_browsers, hodges_lehmann

VALIDER = "Ouvrir le lien et saisir deux fois le nouveau mot de passe"


def simulate(rng: np.random.Generator, n: int, ratios: dict[str, float], steps: dict[str, float],
             added: tuple[str, str, float] | None = None) -> list[StepTime]:
    """``n`` cycles; each step's median time × a shared cycle effect × the browser's ratio × noise.

    ``added``: (browser, step, seconds) added to that browser's step (a slow endpoint's delay).
    """
    times = []
    for cycle in range(n):
        for step, median in steps.items():
            shared = rng.normal(0, 0.4)  # the server's state this cycle: both browsers see it
            for browser, ratio in ratios.items():
                seconds = median * ratio * math.exp(shared + rng.normal(0, 0.25))
                if added and (browser, step) == added[:2]:
                    seconds += added[2]
                times.append(StepTime(cycle, "J2.2b", browser, step, step.replace("_", " "), seconds))
    return times


def test_the_ratio_interval_covers_the_true_ratio_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(20261202)
    covered, runs = 0, 400
    for _ in range(runs):
        times = simulate(rng, 15, {"chromium": 1.0, "firefox": 1.8}, {"valider": 0.8})
        (c,) = compare_browsers(times, ["chromium", "firefox"], alpha=0.05)
        covered += c.ratio.low <= 1.8 <= c.ratio.high if c.slower == "firefox" else 0
    assert 0.93 <= covered / runs <= 0.99, covered / runs  # exact interval: at least 95 %, up to discreteness


def test_equal_browsers_give_false_claims_under_alpha_across_all_steps_and_pairs() -> None:
    rng = np.random.default_rng(7)
    steps = {f"step_{i}": 0.3 + i for i in range(6)}
    false_runs, runs = 0, 200
    for _ in range(runs):
        times = simulate(rng, 12, {"chromium": 1.0, "firefox": 1.0, "webkit": 1.0}, steps)
        comparisons = compare_browsers(times, ["chromium", "firefox", "webkit"], alpha=0.05)
        assert len(comparisons) == 18 and comparisons[0].comparisons == 18
        false_runs += any(c.claimed for c in comparisons)
    assert false_runs / runs <= 0.06, false_runs / runs  # family-wise, Bonferroni


def test_a_slow_endpoint_for_one_engine_is_named_with_its_step_and_added_seconds() -> None:
    rng = np.random.default_rng(3)
    steps = {"login": 0.5, "open_reset_link_new_password": 0.6, "forgot_password": 0.4}
    times = simulate(rng, 10, {"chromium": 1.0, "firefox": 1.0, "webkit": 1.0}, steps,
                     added=("firefox", "open_reset_link_new_password", 2.0))
    comparisons = compare_browsers(times, ["chromium", "firefox", "webkit"])
    claimed = [c for c in comparisons if c.claimed]
    assert {(c.slower, c.step) for c in claimed} == {("firefox", "open_reset_link_new_password")}
    assert {c.faster for c in claimed} == {"chromium", "webkit"}
    for c in claimed:
        assert c.added is not None and c.added.low <= 2.0 <= c.added.high + 0.3  # the delay, ± the noise on 0.6 s
        assert c.ratio.low > 1.0


def test_the_sentence_reads_like_the_issue_and_only_claims_what_the_interval_supports() -> None:
    rng = np.random.default_rng(11)
    times = simulate(rng, 30, {"chromium": 1.0, "firefox": 1.8}, {"valider": 0.8})
    times = [StepTime(t.cycle, t.journey, t.browser, t.step, "Valider", t.seconds) for t in times]
    (c,) = compare_browsers(times, ["chromium", "firefox"])
    sentence = c.sentence(str.capitalize)
    assert sentence.startswith(f"Firefox is {c.ratio.estimate:.1f}× slower than Chromium at « Valider » "
                               f"[{c.ratio.low:.1f}–{c.ratio.high:.1f}]"), sentence
    few = simulate(rng, 6, {"chromium": 1.0, "firefox": 1.05}, {"valider": 0.8})
    (d,) = compare_browsers(few, ["chromium", "firefox"])
    assert not d.claimed and "includes 1, no claim" in d.sentence()


def test_pairs_are_made_by_cycle_and_journey_and_too_few_pairs_give_no_interval() -> None:
    times = [StepTime(1, "J2.2b", "chromium", "login", "Se connecter", 1.0),
             StepTime(2, "J2.2b", "firefox", "login", "Se connecter", 3.0)]  # different cycles: no pair
    assert compare_browsers(times, ["chromium", "firefox"], min_pairs=1) == []
    assert hodges_lehmann([0.1, 0.2, 0.3, 0.4, 0.5], alpha=0.05) is None  # 5 pairs cannot reach 95 %
    six = hodges_lehmann([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], alpha=0.05)
    assert six is not None and (six.low, six.estimate, six.high) == pytest.approx((0.1, 0.35, 0.6))


@pytest.mark.parametrize("seed", range(40))
def test_hodges_lehmann_is_the_median_and_order_statistics_of_every_walsh_average(seed: int) -> None:
    """The n²-free selection gives what sorting all the Walsh averages gives (ties included)."""
    rng = np.random.default_rng(seed)
    d = np.round(rng.normal(size=int(rng.integers(6, 60))), int(rng.integers(0, 3)))
    i, j = np.triu_indices(d.size)
    walsh = np.sort((d[i] + d[j]) / 2)
    got = hodges_lehmann(list(d), alpha=0.05)
    assert got is not None and d.size <= DIRECT_WALSH
    c = _lower_critical(d.size, 0.05)  # Wilcoxon's critical rank
    assert c is not None
    assert got.estimate == pytest.approx(float(np.median(walsh)), abs=1e-12)
    assert got.low == pytest.approx(float(walsh[c]), abs=1e-12)
    assert got.high == pytest.approx(float(walsh[walsh.size - 1 - c]), abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_the_selection_months_of_pairs_take_gives_every_order_statistic_of_the_walsh_averages(seed: int) -> None:
    """Beyond ``DIRECT_WALSH`` pairs the averages are selected without their n² array: each rank, ties included."""
    rng = np.random.default_rng(seed)
    d = np.sort(np.round(rng.normal(size=int(rng.integers(2, 30))), int(rng.integers(0, 3))))
    i, j = np.triu_indices(d.size)
    walsh = np.sort((d[i] + d[j]) / 2)
    assert [_walsh_order(d, k) for k in range(walsh.size)] == pytest.approx(list(walsh), abs=1e-12)


# -- the records' two times: browsers compared on browser time, never on the prober's wall clock (issue 28) ------

def records(rng: np.random.Generator, n: int, *, delay: tuple[str, str, float] | None = None) -> list:
    """``n`` cycles of one journey in three engines at two steps: equal browser times (a shared cycle effect,
    lognormal noise), prober times = browser time + the driver's round trips (BiDi 2.8× CDP, WebKit's
    inspector 6×), WebKit without Event Timing at the step that loads no page. ``delay``: (browser, step, s)."""
    from fixtures.core.contract import JourneyResult, Step
    from fixtures.core.page_load import INTERACTION, NAVIGATION, NOT_EXPOSED, BrowserTime

    driver = {"chromium": 0.5, "firefox": 1.4, "webkit": 3.0}
    steps = {"forgot_identifier": (0.25, NAVIGATION), "read_identifier_mail": (0.03, INTERACTION)}
    out = []
    for cycle in range(n):
        shared = {step: rng.normal(0, 0.3) for step in steps}
        for browser in ("chromium", "firefox", "webkit"):
            made = []
            for step, (median, source) in steps.items():
                seconds = median * math.exp(shared[step] + rng.normal(0, 0.1))
                if delay is not None and (browser, step) == delay[:2]:
                    seconds += delay[2]
                time = (BrowserTime(None, reason=NOT_EXPOSED, text="not exposed by webkit")
                        if browser == "webkit" and source == INTERACTION else BrowserTime(round(seconds, 4), source))
                made.append(Step(step, round(seconds + driver[browser] * math.exp(rng.normal(0, 0.1)), 4), True, step,
                                 browser=time))
            out.append((cycle, JourneyResult("J2.2a", browser, "success", steps=tuple(made))))
    return out


def test_equal_browser_times_give_no_claim_however_far_apart_the_prober_times_are() -> None:
    from monitor.report.timings_section import timings_from, timings_text

    rng = np.random.default_rng(28)
    false_claims = 0
    for _ in range(40):
        data = timings_from(records(rng, 10), ["chromium", "firefox", "webkit"])
        assert {(c.step, frozenset((c.slower, c.faster))) for c in data.comparisons} == {
            ("forgot_identifier", frozenset(pair)) for pair in combinations(["chromium", "firefox", "webkit"], 2)
        } | {("read_identifier_mail", frozenset(("chromium", "firefox")))}  # WebKit's unmeasured step: not compared
        false_claims += bool(data.claims)
    assert false_claims <= 3, false_claims  # family-wise α = 5 %, over 40 runs
    rows = {(r.step, r.browser): r for r in data.rows}
    firefox, chromium = rows["forgot_identifier", "firefox"], rows["forgot_identifier", "chromium"]
    assert firefox.median_prober / chromium.median_prober > 2  # what the wall clock would have claimed
    webkit = rows["read_identifier_mail", "webkit"]
    assert (webkit.median_browser, webkit.browser_missing) == (None, "not exposed by webkit")
    text = "\n".join(timings_text(data, "7d"))
    assert "WebKit: browser time — not exposed by webkit" in text and "Prober time: the step's wall clock" in text


def test_a_delay_in_one_engines_browser_time_is_named_and_its_interval_holds_it() -> None:
    from monitor.report.timings_section import timings_from

    rng = np.random.default_rng(31)
    held = 0
    for _ in range(20):
        data = timings_from(records(rng, 10, delay=("firefox", "forgot_identifier", 0.4)),
                            ["chromium", "firefox", "webkit"])
        assert {(c.slower, c.step) for c in data.claims} == {("firefox", "forgot_identifier")}, data.claims
        assert all(c.faster in ("chromium", "webkit") for c in data.claims)
        held += all(c.added is not None and c.added.low <= 0.4 <= c.added.high for c in data.claims)
    assert held >= 18, held
