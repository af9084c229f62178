"""The Alertmanager configuration read as YAML, no amtool needed: target alerts inhibit the browser and mail
ones, and maintenance mutes the target's routes but never the prober's. ``amtool`` checks the file and
each alert's route in tests/integration/test_alertmanager_config.py."""
from __future__ import annotations

import yaml
from support.ops_files import ALERTMANAGER_CONFIG as CONFIG
from support.ops_files import alert_rules


def test_target_alerts_inhibit_browser_and_mail_alerts() -> None:
    """The inhibit rule's matchers select the target alerts as sources and the browser/mail ones as
    targets (Alertmanager's own matcher syntax, read by amtool check-config above)."""
    config = yaml.safe_load(CONFIG.read_text())
    [rule] = config["inhibit_rules"]
    assert 'scope="target"' in rule["source_matchers"]
    assert rule["target_matchers"] == ['scope=~"browser|mail"']
    assert rule["equal"] == ["location"]
    scopes = {r["alert"]: r["labels"]["scope"] for r in alert_rules()}
    assert scopes["ExtranetTargetDown"] == scopes["ExtranetTargetDegraded"] == "target"
    assert scopes["ExtranetBrowserFailsMoreOften"] == "browser"


def test_maintenance_mutes_target_routes_but_not_the_prober() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    muted = {r["receiver"]: r.get("mute_time_intervals", []) for r in config["route"]["routes"]}
    assert muted["monitor-operators"] == []
    for receiver in ("extranet-oncall", "frontend", "mail-path"):
        assert muted[receiver] == ["extranet-maintenance"]
    assert [t["name"] for t in config["time_intervals"]] == ["extranet-maintenance"]
