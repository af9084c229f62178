"""The monitor config the integration tests write: one cycle's journeys and browsers against a target file."""
from __future__ import annotations

import json
from pathlib import Path

from fixtures.services.ports import free_port


def monitor_config(tmp_path: Path, target: Path, journeys: list[str], browsers: list[str], *,
                   interval: str | None = None, cycle_timeout: str = "6m", exporter: bool = False) -> Path:
    """``tmp_path/monitor.toml``: no retry, the store and artifacts under ``tmp_path``; ``interval`` adds a
    ``[schedule]`` (no jitter), ``exporter`` a ``/metrics`` listener on a free loopback port. No trace:
    no test that writes this config opens one, and recording it is about a tenth of a journey's CPU."""
    schedule = f'[schedule]\ninterval = "{interval}"\njitter = "0s"\n' if interval else ""
    listen = f'[exporter]\nlisten = "127.0.0.1:{free_port()}"\n' if exporter else ""
    config = tmp_path / "monitor.toml"
    config.write_text(f"""{schedule}[run]
journeys = {json.dumps(journeys)}
browsers = {json.dumps(browsers)}
retries = 0
cycle_timeout = "{cycle_timeout}"
extra_args = ["--target-config", "{target}", "--tracing=off"]
[store]
path = "{tmp_path / 'monitor.db'}"
artifacts_dir = "{tmp_path / 'artifacts'}"
{listen}""", encoding="utf-8")
    return config
