"""The fleet example's Wilson recording rules give monitor/stats/rates.py's figures, checked by promtool
(the example's files read as text: tests/unit/test_fleet_example_files.py).

The Wilson check writes a promtool unit test whose expected values are Python's
``wilson_interval`` for a range of (successes, trials), fed as counters whose 1 h increase is
exact (two samples exactly one hour apart: nothing to extrapolate).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.stats.rates import wilson_interval

FLEET = Path(__file__).resolve().parents[2] / "ops" / "fleet"
PROMTOOL = shutil.which("promtool") or ""  # "": not installed (the tests skip)
pytestmark = pytest.mark.skipif(not PROMTOOL, reason="promtool not installed (Debian package 'prometheus')")
#: (successes, trials): the edges (0 and all), small n where Wilson matters, and a large n.
CASES = [(0, 1), (1, 1), (0, 12), (12, 12), (1, 3), (7, 10), (45, 60), (59, 60), (120, 240), (990, 1000)]


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def _wilson_unit_test() -> str:
    """One input per case, one check per bound: |rule − Python| < 1e-12 (Go and Python round the
    same formula differently in the last bits, and Python pins the edges to exactly 0 and 1)."""
    series, checks = [], []
    for i, (s, n) in enumerate(CASES):
        loc = f"case-{i}"
        for outcome, count in (("success", s), ("failure", n - s)):
            series.append(f"      - series: 'extranet_journey_runs_total{{journey=\"J1\",browser=\"chromium\","
                          f"outcome=\"{outcome}\",location=\"{loc}\"}}'\n        values: '0 {count}'\n")
        for bound, value in zip(("lower", "upper"), wilson_interval(s, n), strict=True):
            checks.append(f"      - expr: abs(location_browser:extranet_journey_success:wilson_{bound}95_1h"
                          f"{{location=\"{loc}\"}} - {value!r}) < bool 1e-12\n"
                          f"        eval_time: 1h\n        exp_samples:\n"
                          f"          - labels: '{{location=\"{loc}\",browser=\"chromium\"}}'\n            value: 1\n")
    return ("rule_files:\n  - fleet.rules.yml\nevaluation_interval: 1h\ntests:\n  - interval: 1h\n"
            "    input_series:\n" + "".join(series) + "    promql_expr_test:\n" + "".join(checks))


def test_wilson_recording_rules_give_pythons_intervals(tmp_path: Path) -> None:
    shutil.copy(FLEET / "central" / "fleet.rules.yml", tmp_path / "fleet.rules.yml")
    (tmp_path / "wilson.test.yml").write_text(_wilson_unit_test())
    proc = promtool("test", "rules", "wilson.test.yml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


