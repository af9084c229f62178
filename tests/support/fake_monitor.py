"""The monitor run with the fake child (``support/fake_child.py``) instead of browsers: its config
file, its command line, the runner's ``Config``, and a real Pushgateway to push to.

Shared by the monitor's integration modules (CLI, runner, location, not-run records), which used to
import them from one another's test modules.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.services.ports import free_port
from monitor.config import Config
from support.fake_child import COMMAND
from support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def config(tmp_path: Path, **sections: str) -> Path:
    """A monitor.toml whose child is the fake one; ``sections`` replace whole sections' bodies."""
    base = {
        "schedule": 'interval = "1h"\njitter = 0',
        "run": (f'journeys = ["J1", "N1"]\nbrowsers = ["chromium", "firefox"]\ncycle_timeout = "20s"\n'
                f'kill_grace = "1s"\ncommand = {json.dumps(list(COMMAND))}'),
        "store": f'path = "{tmp_path / "m.db"}"\nartifacts_dir = "{tmp_path / "artifacts"}"',
        "exporter": 'listen = "127.0.0.1:0"',
    }
    base.update(sections)
    p = tmp_path / "monitor.toml"
    p.write_text("".join(f"[{k}]\n{v}\n" for k, v in base.items()))
    return p


def env_with(spec: dict) -> dict:
    """The environment without the caller's MONITOR_* overrides, with the fake child's spec."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["FAKE_CHILD_SPEC"] = json.dumps(spec)
    return env


def monitor(*args: str, spec: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m monitor ARGS`` from the repository, the fake child behaving as ``spec`` says."""
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env_with(spec), timeout=timeout)


def make_cfg(tmp_path: Path, **kw: Any) -> Config:
    """The runner's ``Config`` with the fake child, two journeys and two browsers; ``kw`` overrides."""
    base: dict[str, Any] = dict(journeys=("J1", "N1"), browsers=("chromium", "firefox"), command=COMMAND,
                                python=sys.executable, workdir=ROOT, db_path=tmp_path / "m.db",
                                artifacts_dir=tmp_path / "artifacts", cycle_timeout=30.0, kill_grace=1.0)
    base.update(kw)
    return Config(**base)


def spec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **kw: Any) -> dict:
    """Set the fake child's behaviour for this test (``FAKE_CHILD_SPEC``); its state file in ``tmp_path``."""
    kw.setdefault("state", str(tmp_path / "state.json"))
    monkeypatch.setenv("FAKE_CHILD_SPEC", json.dumps(kw))
    return kw


class Watched:
    """The fake child's processes (spec ``hold``), held by pidfd while they surely live.

    Why pidfds: a pid read after its process ended may already name another process, and a
    process killed a moment ago may still be exiting; a pidfd names that one process and turns
    readable once it has ended, so « gone when the cycle returned » is read without a race. The
    fake child waits for SIGUSR1 once it has written its pids, so each pidfd is opened while its
    process lives; the child gets the signal (through its pidfd) once all are open.
    """

    def __init__(self, pid_file: Path, count: int) -> None:
        self.pid_file, self.count = pid_file, count
        self.fds: dict[int, int] = {}
        self.ready = threading.Event()  # every pid seen was held, and the child told to go on
        self._give_up = threading.Event()
        threading.Thread(target=self._open, daemon=True).start()

    def _open(self) -> None:
        deadline = time.monotonic() + 60
        pids: list[int] = []
        while time.monotonic() < deadline and len(pids) < self.count and not self._give_up.is_set():
            threading.Event().wait(0.02)  # the pid file has no event to wait on
            pids = [int(p) for p in self.pid_file.read_text().split()] if self.pid_file.exists() else []
        for pid in pids:
            try:
                self.fds[pid] = os.pidfd_open(pid)
            except ProcessLookupError:  # killed before it was held (the timeout test): already gone
                pass
        if pids and pids[0] in self.fds:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self.fds[pids[0]], signal.SIGUSR1)  # the child: go on
        self.ready.set()

    def living(self, *, started: bool = True) -> list[int]:
        """The watched processes still running; ``started``: each must have been held while it lived."""
        if not started:
            self._give_up.set()  # no more waiting for pids that may never come
        self.ready.wait(60)
        assert len(self.fds) >= self.count or not started, f"held {len(self.fds)} of the {self.count} processes"
        ended, _, _ = select.select(list(self.fds.values()), [], [], 0)
        return [pid for pid, fd in self.fds.items() if fd not in ended]

    def close(self) -> None:
        for fd in self.fds.values():
            os.close(fd)


@contextlib.contextmanager
def pushgateway() -> Iterator[str]:
    """A real Pushgateway on a free loopback port, ready; its URL. Stopped on exit."""
    port = free_port()
    gw = subprocess.Popen(["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{port}",
                           # Debian's default persists to /var/lib: keep this test's pushes in memory only
                           "--persistence.file="],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        def ready() -> bool:
            try:
                with urllib.request.urlopen(url + "/-/ready", timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_for(ready, 20, "the Pushgateway")
        yield url
    finally:
        gw.terminate()
        gw.wait(10)
