"""The ops/ files that tests read: the Prometheus alert rules and the Alertmanager configuration."""
from __future__ import annotations

from pathlib import Path

import yaml

OPS = Path(__file__).resolve().parents[2] / "ops"
ALERTMANAGER_CONFIG = OPS / "alertmanager" / "alertmanager.yml"
MONITOR_RULES = OPS / "prometheus" / "extranet-monitor.rules.yml"


def alert_rules() -> list[dict]:
    """Every alerting rule (not the recording rules) of the monitor's rules file, in file order."""
    groups = yaml.safe_load(MONITOR_RULES.read_text())["groups"]
    return [r for g in groups for r in g["rules"] if "alert" in r]
