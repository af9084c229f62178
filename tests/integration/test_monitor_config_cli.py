"""Configuration errors met by the running command: an unreachable Pushgateway and an unknown
``MONITOR_*`` override stop ``python -m monitor`` with exit 2 before any cycle. Parsing and
messages: tests/unit/test_monitor_config.py.
"""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "monitor.toml"
    p.write_text(text)
    return p


def test_cli_unreachable_pushgateway_exits_2_before_the_cycle(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = write(tmp_path, f'[store]\npath = "{tmp_path / "m.db"}"\n')
    proc = subprocess.run([sys.executable, "-m", "monitor", "--config", str(p), "once", "--pushgateway",
                           f"http://127.0.0.1:{port}"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "--pushgateway / [pushgateway] url" in proc.stderr and "unreachable" in proc.stderr
    assert not (tmp_path / "m.db").exists()  # nothing was started


def test_cli_unknown_env_override_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "monitor", "check-config"], capture_output=True, text=True, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "MONITOR_RUN_BROWSER": "firefox"}, timeout=60)
    assert proc.returncode == 2
    assert "MONITOR_RUN_BROWSER" in proc.stderr and "MONITOR_RUN_BROWSERS" in proc.stderr


