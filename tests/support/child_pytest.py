"""Run the suite's pytest in a child process, as a user or CI does, and read its JSON results."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_pytest(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """pytest with the repository's configuration; results from ``--results-json``, artifacts in tmp_path/out.

    Not traced unless ``args`` ask for it (``--tracing=…``): recording a trace is about a tenth of a
    journey's CPU, and only the tests that open one need it (they say so).
    """
    results = tmp_path / "results.json"
    tracing = [] if any(a.startswith("--tracing") for a in args) else ["--tracing=off"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
         "--results-json", str(results), "--output", str(tmp_path / "out"), *tracing, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
    return proc, (json.loads(results.read_text())["results"] if results.exists() else [])
