"""`python -m monitor calibrate`: the statistics and verdict logic with known values, the
simulated false-alarm rate against α, and one small real calibration proving the wiring."""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.engines.resolve import resolve_engine
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

ROOT = Path(__file__).resolve().parents[2]


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


def test_cli_refuses_bad_rates_with_exit_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "monitor", "calibrate", "--browser", "chromium", "--browser", "firefox",
                           "--rates", "chromium=2,firefox=0"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
                          env={k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")})
    assert proc.returncode == 2
    assert "chromium=2" in proc.stderr and "calibrate --help" in proc.stderr


def test_cli_calibrates_every_available_engine_by_default() -> None:
    """No --browser: the engines this machine runs (WebKit included where it is), whatever [run] says."""
    available = [name for name in ("chromium", "firefox", "webkit") if resolve_engine(name).available]
    if available == ["chromium", "firefox"]:
        pytest.skip("WebKit is unavailable here: the default engines are the two the rates name (a real run)")
    proc = subprocess.run([sys.executable, "-m", "monitor", "calibrate", "--rates", "chromium=0.3,firefox=0.02",
                           "--cycles", "0"],  # never a real run: the arguments are refused either way
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                          env={k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")})
    assert proc.returncode == 2
    assert f"--rates must name exactly the browsers of the run ({', '.join(available)})" in proc.stderr


@pytest.mark.integration
@pytest.mark.skipif(not (resolve_engine("chromium").available and resolve_engine("firefox").available),
                    reason="needs chromium and firefox")
def test_real_calibration_with_certain_rates(tmp_path: Path) -> None:
    """6 real cycles, chromium never fails, firefox always fails at the home page: the
    outcome is deterministic, so this proves the wiring (fault profile → extranet → child
    pytest → monitor store → rates, intervals and verdict)."""
    db = tmp_path / "cal.db"
    proc = subprocess.run([sys.executable, "-m", "monitor", "calibrate", "--browser", "chromium", "--browser", "firefox",
                           "--rates", "chromium=0,firefox=1", "--cycles", "6", "--real-repeats", "0",
                           "--simulations", "200", "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
                          env={k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r"chromium\s+0\s+100.0 %\s+100 % \(6/6\)\s+\[61–100\]\s+yes", out), out
    assert re.search(r"firefox\s+1\s+0.0 %\s+0 % \(0/6\)\s+\[0–39\]\s+yes", out), out
    assert "Verdict: Firefox 0 % [0–39] vs Chromium 100 % [61–100]: significant (p=0.0022)." in out
    assert "the significant verdict is right." in out
    assert re.search(r"cost: 6 cycles .* = \d+\.\d s per cycle", out), out
    assert "REAL: not run" in out and "SIMULATION (Bernoulli draws" in out
    from monitor.store.results_db import Store
    with Store.open_reader(db) as store:  # the cycles went through the monitor's own store
        rows = store.results()
        assert len(store.cycles()) == 6 and len(rows) == 12
        assert {(r.browser, r.outcome) for r in rows} == {("chromium", "success"), ("firefox", "failure")}
