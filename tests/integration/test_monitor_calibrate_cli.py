"""``python -m monitor calibrate`` as a command: bad rates refused (exit 2), every available engine
by default, and one small real calibration at certain rates proving the wiring. Its statistics:
tests/unit/test_calibration_statistics.py.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.engines.resolve import resolve_engine
from monitor.stats.rates import Rate

ROOT = Path(__file__).resolve().parents[2]


def rate(label: str, successes: int, failures: int) -> Rate:
    r = Rate(label)
    r.successes, r.failures = successes, failures
    return r


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
@pytest.mark.long_running(seconds=50)
@pytest.mark.skipif(not (resolve_engine("chromium").available and resolve_engine("firefox").available),
                    reason="needs chromium and firefox")
def test_real_calibration_with_certain_rates(tmp_path: Path) -> None:
    """4 real cycles, chromium never fails, firefox always fails at the home page: the
    outcome is deterministic, so this proves the wiring (fault profile → extranet → child
    pytest → monitor store → rates, intervals and verdict). Four is the fewest that Fisher's
    test calls significant at α = 5 % (p = 2/70; three give 0.1): six proved nothing more, at 1.5× the cost."""
    db = tmp_path / "cal.db"
    proc = subprocess.run([sys.executable, "-m", "monitor", "calibrate", "--browser", "chromium", "--browser", "firefox",
                           "--rates", "chromium=0,firefox=1", "--cycles", "4", "--real-repeats", "0",
                           "--simulations", "200", "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
                          env={k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert re.search(r"chromium\s+0\s+100.0 %\s+100 % \(4/4\)\s+\[51–100\]\s+yes", out), out
    assert re.search(r"firefox\s+1\s+0.0 %\s+0 % \(0/4\)\s+\[0–49\]\s+yes", out), out
    assert "Verdict: Firefox 0 % [0–49] vs Chromium 100 % [51–100]: significant (p=0.029)." in out
    assert "the significant verdict is right." in out
    assert re.search(r"cost: 4 cycles .* = \d+\.\d s per cycle", out), out
    assert "REAL: not run" in out and "SIMULATION (Bernoulli draws" in out
    from monitor.store.results_db import Store
    with Store.open_reader(db) as store:  # the cycles went through the monitor's own store
        rows = store.results()
        assert len(store.cycles()) == 4 and len(rows) == 8
        assert {(r.browser, r.outcome) for r in rows} == {("chromium", "success"), ("firefox", "failure")}
