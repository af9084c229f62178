"""A service that drops privileges (as spamd does) still dies when the suite is SIGKILLed.

The kernel forgets PR_SET_PDEATHSIG when a process changes its credentials; ``guarded`` puts a
guard in front that keeps it and takes the whole process group down.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A "suite" that starts a service which drops to nobody, prints the service's pid and waits.
SUITE = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from fixtures.services.lifeline import guarded
    from fixtures.services.processes import spawn
    service = [sys.executable, "-c", "import os, time; os.setuid(65534); print(os.getpid(), flush=True); time.sleep(300)"]
    argv = guarded(service) if sys.argv[1] == "guarded" else service
    proc = spawn("dropper", argv, Path(sys.argv[2]))
    time.sleep(300)
""")


def _service_pid(log: Path) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the child announces itself only in its log
        text = log.read_text() if log.exists() else ""
        if text.strip():
            return int(text.split()[0])
        time.sleep(0.05)
    raise AssertionError(f"the service never started: {log}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for init counts as gone
        return stat.read().split(")")[1].split()[0] != "Z"


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(os.geteuid() != 0 or not sys.platform.startswith("linux"), reason="needs root (setuid) on Linux")
@pytest.mark.parametrize("mode", ["guarded", "bare"])
def test_a_service_that_drops_privileges_dies_with_a_killed_suite(mode: str, tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    suite = subprocess.Popen([sys.executable, "-c", SUITE, mode, str(log)], cwd=ROOT)
    pid = _service_pid(log)
    try:
        suite.kill()
        suite.wait()
        gone = _gone_within(pid, 10)
        # "bare" is the control: without the guard the kernel's death signal is lost.
        assert gone is (mode == "guarded"), f"{mode}: service {'gone' if gone else 'still running'}"
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
