"""The fleet example's files read as text: the central rules use Python's z (monitor/stats/rates.py),
the Grafana dashboard follows the location variable, and each agent labels its samples with its site.
promtool runs the rules in tests/integration/test_fleet_rules.py.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from monitor.stats.rates import Z95

FLEET = Path(__file__).resolve().parents[2] / "ops" / "fleet"


def test_the_rules_use_pythons_z() -> None:
    text = (FLEET / "central" / "fleet.rules.yml").read_text()
    assert repr(Z95) in text and repr(Z95 ** 2) in text


def test_dashboard_has_a_location_variable_and_a_browser_by_location_panel() -> None:
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


def test_each_agent_labels_its_samples_with_its_sites_location() -> None:
    """The agent's location label is the site's ``[monitor] location`` (promtool checks the files: tests/integration/test_promtool.py)."""
    agents = sorted((FLEET / "sites").glob("*/agent.yml"))
    assert len(agents) >= 2
    for agent in agents:
        location = agent.parent.name
        assert f"    location: {location}\n" in agent.read_text()
        assert f'location = "{location}"' in (agent.parent / "monitor.toml").read_text()
