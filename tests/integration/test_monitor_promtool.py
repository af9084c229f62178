"""The Prometheus rules in ops/ pass ``promtool check rules`` and their unit tests."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

OPS = Path(__file__).resolve().parents[2] / "ops"
PROMTOOL = shutil.which("promtool") or ""  # "": not installed (the tests skip)
needs_promtool = pytest.mark.skipif(not PROMTOOL, reason="promtool not installed (Debian package 'prometheus')")


@needs_promtool
def test_promtool_check_rules() -> None:
    proc = subprocess.run([PROMTOOL, "check", "rules", str(OPS / "prometheus" / "extranet-monitor.rules.yml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


@needs_promtool
def test_promtool_test_rules() -> None:
    proc = subprocess.run([PROMTOOL, "test", "rules", "extranet-monitor.rules.test.yml"], cwd=OPS / "prometheus",
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_promtool
def test_promtool_check_example_config() -> None:
    proc = subprocess.run([PROMTOOL, "check", "config", str(OPS / "prometheus" / "prometheus.example.yml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
