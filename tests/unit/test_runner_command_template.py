"""The cycle runner's child command line: the ``[run] command`` template expanded. The runner with
a real (fake) child, its retries, crashes and kills: tests/integration/test_monitor_runner.py.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from support.fake_child import COMMAND

from monitor.config import Config
from monitor.cycle.runner import build_command

ROOT = Path(__file__).resolve().parents[2]


def make_cfg(tmp_path: Path, **kw) -> Config:
    base: dict[str, Any] = dict(journeys=("J1", "N1"), browsers=("chromium", "firefox"), command=COMMAND, python=sys.executable,
                workdir=ROOT, db_path=tmp_path / "m.db", artifacts_dir=tmp_path / "artifacts",
                cycle_timeout=30.0, kill_grace=1.0)
    base.update(kw)
    return Config(**base)


def test_command_template_expansion(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, command=("{python}", "-m", "pytest", "{targets}", "-p", "fixtures.plugin.results_output",
                                      "--results-json", "{results_json}", "{browser_args}", "{k_args}"),
                   extra_args=("--allow-writes",))
    argv = build_command(cfg, results_json=Path("/r.json"), output_dir=Path("/o"), browsers=["chromium", "firefox"],
                         targets=["journeys"], k_expr="")
    assert argv == [sys.executable, "-m", "pytest", "journeys", "-p", "fixtures.plugin.results_output", "--results-json", "/r.json",
                    "--browser", "chromium", "--browser", "firefox", "--allow-writes"]
    argv = build_command(cfg, results_json=Path("/r.json"), output_dir=Path("/o"), browsers=["firefox"],
                         targets=["a::b[firefox]"], k_expr="J1")
    assert argv[3] == "a::b[firefox]" and argv[-3:] == ["-k", "J1", "--allow-writes"]


