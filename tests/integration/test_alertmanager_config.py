"""ops/alertmanager/alertmanager.yml passes ``amtool check-config`` and routes every alert of the
Prometheus rules to the receiver of its failure class (``scope`` label), checked with
``amtool config routes test`` on each rule's own labels (so a rule added without a scope, or a
route that swallows another class, fails here)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

OPS = Path(__file__).resolve().parents[2] / "ops"
CONFIG = OPS / "alertmanager" / "alertmanager.yml"
RULES = OPS / "prometheus" / "extranet-monitor.rules.yml"
AMTOOL = shutil.which("amtool") or ""  # "": not installed (the tests skip)
pytestmark = pytest.mark.skipif(not AMTOOL, reason="amtool not installed (Debian package 'prometheus-alertmanager')")

#: Who acts on each failure class: the expectation, stated here independently of the config.
RECEIVER_OF_SCOPE = {"target": "extranet-oncall", "browser": "frontend", "mail": "mail-path",
                     "prober": "monitor-operators"}


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=60)


def routes_to(labels: dict[str, str]) -> str:
    proc = amtool("config", "routes", "test", f"--config.file={CONFIG}", *(f"{k}={v}" for k, v in labels.items()))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.strip()


def alert_rules() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [r for g in groups for r in g["rules"] if "alert" in r]


def test_amtool_check_config() -> None:
    proc = amtool("check-config", str(CONFIG))
    assert proc.returncode == 0 and "SUCCESS" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_every_alert_routes_to_its_failure_class(rule: dict) -> None:
    labels = rule.get("labels", {})
    assert labels.get("scope") in RECEIVER_OF_SCOPE, f"{rule['alert']}: needs a scope label, one of {sorted(RECEIVER_OF_SCOPE)}"
    # The labels the alert carries once firing: its own, the alertname, and a browser/journey from the series.
    sample = {"alertname": rule["alert"], **{k: str(v) for k, v in labels.items()},
              "browser": "chromium", "versus": "firefox", "journey": "J2.2b", "location": "paris-1"}
    assert routes_to(sample) == RECEIVER_OF_SCOPE[labels["scope"]]


def test_amtool_verify_receivers_catches_a_wrong_route() -> None:
    """``--verify.receivers`` fails on a mismatch: the expectation above is not vacuous."""
    proc = amtool("config", "routes", "test", f"--config.file={CONFIG}", "--verify.receivers=frontend",
                  "scope=mail", "alertname=ExtranetMailNotReceived")
    assert proc.returncode != 0 and proc.stdout.strip().startswith("mail-path"), proc.stdout + proc.stderr


def test_unlabelled_alert_reaches_the_monitor_operators() -> None:
    assert routes_to({"alertname": "SomethingNew"}) == "monitor-operators"


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
