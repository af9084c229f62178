"""``monitor calibrate``'s statistics without a browser: rates parsed, the truth against the Wilson
interval with known values, claims and verdicts, the simulated false-alarm rate against α and the
simulated power. The command and one small real calibration: tests/integration/test_monitor_calibrate_cli.py.
"""
from __future__ import annotations

import random
import re

import pytest

from monitor.calibration.calibrate import (
    CalibrationError,
    EngineCheck,
    claims_difference,
    parse_rates,
    proportion_text,
    rates_from_outcomes,
    simulate_claims,
    table,
    verdict_lines,
)
from monitor.stats.rates import Rate


def rate(label: str, successes: int, failures: int) -> Rate:
    r = Rate(label)
    r.successes, r.failures = successes, failures
    return r


def test_parse_rates() -> None:
    assert parse_rates("chromium=0.3, firefox=0.02") == {"chromium": 0.3, "firefox": 0.02}
    assert parse_rates("chromium=0,firefox=1", ["chromium", "firefox"]) == {"chromium": 0.0, "firefox": 1.0}
    for bad in ("chromium=1.5,firefox=0", "chromium,firefox=0", "chromium=x,firefox=0", "chromium=0.1",
                "chromium=0.1,chromium=0.2"):
        with pytest.raises(CalibrationError):
            parse_rates(bad)
    with pytest.raises(CalibrationError, match="missing: firefox"):
        parse_rates("chromium=0.3,webkit=0.2", ["chromium", "firefox"])


def test_truth_inside_the_wilson_interval_known_values() -> None:
    # 7/10: Wilson 95 % = [0.3968, 0.8922] (R: prop.test(7, 10, correct=FALSE)$conf.int).
    seven = rate("chromium", 7, 3)
    assert seven.interval == pytest.approx((0.39678, 0.89221), abs=1e-5)
    assert EngineCheck(seven, failure_rate=0.3).inside is True  # truth 0.70
    assert EngineCheck(seven, failure_rate=0.02).inside is False  # truth 0.98 > 0.8922
    assert EngineCheck(rate("firefox", 0, 0), failure_rate=0.1).inside is None  # no runs: cannot say
    assert EngineCheck(rate("firefox", 6, 0), failure_rate=0.0).inside is True  # 1.0 inside [0.61, 1]


def test_rates_count_first_attempts_like_the_report() -> None:
    (r,) = rates_from_outcomes({"firefox": ["success", "failure", "mail_not_received", "probe_error", "success"]})
    assert (r.successes, r.failures, r.excluded["probe_error"]) == (2, 2, 1)


def test_claims_and_verdicts() -> None:
    assert claims_difference([rate("chromium", 6, 0), rate("firefox", 0, 6)], 0.05)  # Fisher p = 0.0022
    assert not claims_difference([rate("chromium", 10, 10), rate("firefox", 11, 9)], 0.05)
    assert not claims_difference([rate("chromium", 2, 0), rate("firefox", 0, 2)], 0.05)  # p = 0.33

    right = verdict_lines([EngineCheck(rate("chromium", 0, 6), 1.0), EngineCheck(rate("firefox", 6, 0), 0.0)], 0.05)
    assert right[0].startswith("  Verdict: Chromium 0 % [0–39] vs Firefox 100 % [61–100]: significant (p=0.0022).")
    assert right[-1].endswith("the significant verdict is right.")
    miss = verdict_lines([EngineCheck(rate("chromium", 0, 2), 1.0), EngineCheck(rate("firefox", 2, 0), 0.0)], 0.05)
    assert "not significant (p=0.33)" in miss[0] and "is a miss" in miss[-1]
    false_alarm = verdict_lines([EngineCheck(rate("chromium", 0, 6), 0.5), EngineCheck(rate("firefox", 6, 0), 0.5)],
                                0.05)
    assert "FALSE ALARM" in false_alarm[-1]


def test_table_and_proportion_text() -> None:
    lines = table([EngineCheck(rate("chromium", 7, 3), 0.3), EngineCheck(rate("firefox", 9, 1), 0.02)])
    assert re.search(r"chromium\s+0.3\s+70.0 %\s+70 % \(7/10\)\s+\[40–89\]\s+yes", lines[1]), lines[1]
    assert re.search(r"firefox\s+0.02\s+98.0 %\s+90 % \(9/10\)\s+\[60–98\]\s+yes", lines[2]), lines[2]
    assert proportion_text(42, 2000) == "2.1 % (42/2000) [1.6–2.8]"
    assert proportion_text(0, 0).startswith("–")


def test_simulated_false_alarm_rate_stays_at_or_below_alpha() -> None:
    """Equal true rates, 2000 repetitions: Fisher's test is conservative, so the monitor
    claims a difference in at most α of them (tolerance: ~2 standard errors of 2000 draws)."""
    alpha, reps = 0.05, 2000
    for n, p in ((20, 0.3), (50, 0.1)):
        claims = simulate_claims({"chromium": n, "firefox": n}, {"chromium": p, "firefox": p}, reps, alpha,
                                 random.Random(7))
        assert claims / reps <= alpha + 0.01, (n, p, claims)
        assert claims > 0  # it does happen: the test is not vacuous


def test_simulated_power_with_certain_difference() -> None:
    claims = simulate_claims({"chromium": 6, "firefox": 6}, {"chromium": 0.0, "firefox": 1.0}, 100, 0.05,
                             random.Random(1))
    assert claims == 100  # 6/6 vs 0/6: p = 0.0022 every time


