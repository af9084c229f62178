"""Every Prometheus file under ops/ passes promtool: rules checked, rule unit tests green, configs valid.

One module for all of them (it was two, one per folder): a rules file, a ``*.rules.test.yml`` or a
Prometheus config added anywhere under ops/ is found and checked with no change here. Agent configs
(``agent.yml``) are checked in agent mode, as the fleet runs them.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

OPS = Path(__file__).resolve().parents[2] / "ops"
PROMTOOL = shutil.which("promtool") or ""  # "": not installed (the tests skip)
pytestmark = pytest.mark.skipif(not PROMTOOL, reason="promtool not installed (Debian package 'prometheus')")

RULES = sorted(p for p in OPS.rglob("*.rules.yml"))
RULE_TESTS = sorted(OPS.rglob("*.rules.test.yml"))
CONFIGS = sorted([*OPS.rglob("prometheus*.yml"), *OPS.rglob("agent.yml")])


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(OPS)) for p in paths]


def test_ops_has_the_files_these_checks_are_for() -> None:
    """A rename must not make the checks below silently vacuous."""
    assert len(RULES) >= 2 and len(RULE_TESTS) >= 2 and len(CONFIGS) >= 4, (RULES, RULE_TESTS, CONFIGS)
    assert {p.name for p in RULES} >= {"extranet-monitor.rules.yml", "fleet.rules.yml"}


@pytest.mark.parametrize("rules", RULES, ids=_ids(RULES))
def test_rules_pass_promtool_check(rules: Path) -> None:
    proc = promtool("check", "rules", str(rules))
    assert proc.returncode == 0 and "SUCCESS" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("unit_test", RULE_TESTS, ids=_ids(RULE_TESTS))
def test_rule_unit_tests_pass(unit_test: Path) -> None:
    proc = promtool("test", "rules", unit_test.name, cwd=unit_test.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("config", CONFIGS, ids=_ids(CONFIGS))
def test_prometheus_configs_pass_promtool_check(config: Path) -> None:
    agent = ["--agent"] if config.name == "agent.yml" else []
    proc = promtool("check", "config", *agent, str(config))
    assert proc.returncode == 0, proc.stdout + proc.stderr
