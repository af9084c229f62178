"""ops/alertmanager/alertmanager.yml passes ``amtool check-config`` and routes every alert of the
Prometheus rules to the receiver of its failure class (``scope`` label), checked with
``amtool config routes test`` on each rule's own labels (so a rule added without a scope, or a
route that swallows another class, fails here). The inhibit and mute rules read as YAML, with no amtool:
tests/unit/test_alertmanager_inhibit_and_mute.py."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from support.ops_files import ALERTMANAGER_CONFIG, alert_rules

CONFIG = ALERTMANAGER_CONFIG
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
