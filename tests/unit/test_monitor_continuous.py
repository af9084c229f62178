"""``calibrate --continuous``: both methods side by side, the lines the issue asks for (seeded)."""
from __future__ import annotations

import numpy as np
import pytest

from monitor.__main__ import main
from monitor.calibration.continuous import after, first_true, run_continuous, simulate
from monitor.config import Config
from monitor.stats.browser_difference import design_for


def test_simulation_puts_fisher_and_the_sequential_test_side_by_side() -> None:
    design = design_for(900.0, 0.05, 2)
    figures = simulate(weeks=60, journeys=8, alpha=0.05, design=design, seed=3)
    fisher, seq = figures["fisher"], figures["sequential"]
    # Seeded, so exact: Fisher read after every cycle cries wolf in most weeks, the new test does not.
    assert fisher.false_alarm_weeks > 0.5 * 60
    assert seq.false_alarm_weeks <= 0.05 * 60
    assert np.isfinite(seq.delays).all() and np.median(seq.delays) <= 12
    assert np.median(seq.recoveries) < np.median(fisher.recoveries)


def test_delays_count_from_each_weeks_change() -> None:
    x = np.array([[0, 0, 1, 1], [0, 0, 0, 1]], bool)
    assert list(first_true(after(x, np.array([1, 1])))) == [2.0, 3.0]
    assert list(first_true(after(x, np.array([3, 0])))) == [1.0, 4.0]
    assert first_true(np.zeros((1, 3), bool))[0] == np.inf


def test_prints_the_two_benchmark_lines() -> None:
    lines: list[str] = []
    cfg = Config()
    cfg.browsers = ("chromium", "firefox", "webkit")
    run_continuous(cfg, weeks=20, journeys=8, alpha=0.05, real_cycles=0, seed=1, out=lines.append)
    assert any(line.startswith("false alarms under continuous monitoring: Fisher 24 h ") and "sequential" in line
               for line in lines)
    assert any(line.startswith("detection delay: Fisher 24 h median ") and "; sequential median " in line
               for line in lines)
    assert any("with 3 browsers (3 pairs watched) the threshold is 5400" in line for line in lines)
    # The alert lines (issue #24): one spell per week for a stable difference, the own-baseline delay.
    spells = [line for line in lines if line.startswith("alert spells per week: ")]
    assert len(spells) == 2 and "for a stable 0.2 vs 0.1 difference" in spells[0]
    assert float(spells[0].split()[4]) <= 1.2
    assert any(line.startswith("detection delay (own baseline): median ") for line in lines)
    # Issue #29: how soon the exported alert ends after a recovery, median and p90 in hours.
    [end] = [line for line in lines if line.startswith("alert end after recovery: ")]
    outage, back = end.split(" after a 3-hour outage")[0], end.split("; ")[1]
    assert float(outage.split("median ")[1].split(" h")[0]) <= 1.0  # the outage: within the hour
    assert "p90" in outage and back.startswith("median ") and "after 30 % → 2 %" in back


def test_bad_arguments_are_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--continuous", "--weeks", "0", "--real-cycles", "0"]) == 2
    assert "--weeks and --journeys must be ≥ 1" in capsys.readouterr().err
