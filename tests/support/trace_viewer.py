"""Open a trace in Playwright's own trace viewer and read what it shows.

Why: "the trace still opens" is only proven by the viewer itself parsing it. ``playwright
show-trace --host --port`` serves the viewer over HTTP; a headless Chromium loads it and we
count the actions the viewer lists. A trace the viewer cannot parse lists none.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from fixtures.engines.resolve import resolve_engine


def viewer_actions(playwright: Any, trace: Path, timeout_s: float = 60.0) -> list[str]:
    """The action titles the trace viewer lists for ``trace`` (empty if it cannot load it)."""
    proc = subprocess.Popen([sys.executable, "-m", "playwright", "show-trace", "--host", "127.0.0.1", "--port", "0",
                             str(trace)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env={**os.environ, "BROWSER": "true"})
    try:
        url = None
        assert proc.stdout is not None
        for line in proc.stdout:  # the first line that says where it listens
            match = re.search(r"Listening on (http://\S+)", line)
            if match:
                url = match.group(1)
                break
        if url is None:
            raise AssertionError(f"show-trace did not start (exit {proc.poll()})")
        engine = resolve_engine("chromium")
        browser = playwright.chromium.launch(**engine.launch_options())
        try:
            page = browser.new_page()
            page.goto(url, timeout=timeout_s * 1000)
            titles = page.locator(".action-title")
            try:
                titles.first.wait_for(timeout=timeout_s * 1000)
            except Exception:  # noqa: BLE001 - nothing listed: the viewer could not read the trace
                return []
            return [t.strip() for t in titles.all_inner_texts()]
        finally:
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
