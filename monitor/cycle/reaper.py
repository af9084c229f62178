"""Run a command at the root of its own process tree; exit only when the whole tree is gone.

Why a process of its own that is a *child subreaper* (``PR_SET_CHILD_SUBREAPER``), and not a
process group: Playwright starts every browser with ``setsid`` (its ``detached: true``), so the
browsers leave the pytest child's group, and once their parent (the driver) dies they are
reparented to init, out of sight. ``killpg`` neither reaches them nor can tell when they are
gone. A subreaper inherits every orphan below it, so ``waitpid(-1)`` reaps each descendant
whatever its group or session, and ``ECHILD`` proves that none is left: the kernel's own
event, no polling of ``/proc``, no cgroup (often not delegated in a container). Why not the
monitor itself: it would inherit and have to reap orphans that are none of the cycle's (the
runner also runs inside pytest workers that own other services).

Usage: ``python reaper.py GRACE KILL_WAIT REPORT_FD -- COMMAND...`` (stdlib only: it starts fast,
with no import of the project). The command runs in this process's group. When it exits, or on
SIGTERM (the runner's stop or timeout, or the monitor's death through ``PR_SET_PDEATHSIG``),
every descendant gets SIGTERM, and SIGKILL ``GRACE`` seconds later. This process exits with the
command's status (a death by signal is re-raised) once every descendant is reaped, or
``KILL_WAIT`` seconds after the SIGKILL, having written each descendant still there (``pid
name`` lines: a process in uninterruptible sleep survives SIGKILL) to ``REPORT_FD``.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
from typing import Callable

_PR_SET_CHILD_SUBREAPER = 36
EXIT_NOT_STARTED = 127  # the shell's « command not found »


def set_subreaper() -> None:
    """Make this process the child subreaper of everything it starts (Linux ``PR_SET_CHILD_SUBREAPER``)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _stat(pid: str) -> tuple[int, str] | None:
    """(parent pid, name) of a process, None when it is gone or a zombie (nothing left to signal)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode("ascii", "replace")
    except OSError:
        return None
    name, _, rest = raw.partition(" (")[2].rpartition(")")
    fields = rest.split()
    if len(fields) < 2 or fields[0] in ("Z", "X"):
        return None
    return int(fields[1]), "".join(c if c.isprintable() and c.isascii() else "?" for c in name)


def descendants(root: int) -> dict[int, str]:
    """Every live process below ``root`` (pid → name), through parent links, whatever its session."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(entry)) is not None:
            children.setdefault(st[0], []).append((int(entry), st[1]))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for pid, name in children.get(todo.pop(), ()):
            if pid not in found:
                found[pid] = name
                todo.append(pid)
    return found


class Teardown:
    """SIGTERM to every descendant, SIGKILL after the grace, the survivors named after the wait.

    Why a lock: the steps run from the SIGTERM handler, the main loop and two timers.
    """

    def __init__(self, grace: float, kill_wait: float, report_fd: int, give_up: Callable[[], None]) -> None:
        self.grace, self.kill_wait, self.report_fd = grace, kill_wait, report_fd
        self._give_up = give_up
        self._lock = threading.Lock()
        self.started = self.killing = False

    def _signal_all(self, sig: int) -> None:
        for pid in descendants(os.getpid()):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def start(self) -> None:
        with self._lock:
            if self.started:
                return
            self.started = True
        self._signal_all(signal.SIGTERM)
        _timer(self.grace, self.kill)

    def kill(self) -> None:
        with self._lock:
            self.killing = True
        self._signal_all(signal.SIGKILL)
        _timer(self.kill_wait, self.report_and_leave)

    def reaped(self) -> None:
        """A process was reaped: in the kill phase, orphans it left are now ours and get SIGKILL too."""
        if self.killing:
            self._signal_all(signal.SIGKILL)

    def started_late(self) -> None:
        """The command started after the teardown began (a SIGTERM while this process was starting): it gets
        the signal of the phase, which it missed."""
        if self.started:
            self._signal_all(signal.SIGKILL if self.killing else signal.SIGTERM)

    def report_and_leave(self) -> None:
        left = descendants(os.getpid())
        if left:
            os.write(self.report_fd, "".join(f"{pid} {name}\n" for pid, name in sorted(left.items())).encode())
        self._give_up()


def _timer(seconds: float, fn: Callable[[], None]) -> None:
    t = threading.Timer(max(0.0, seconds), fn)
    t.daemon = True
    t.start()


def _leave(status: int | None, *, started: bool = True) -> None:
    """Exit as the command did: its code, or the same signal (so the runner reads « killed by SIGABRT »).

    ``status`` None: the command never started (127), or itself outlived the SIGKILL (exit as killed).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    if status is None and not started:
        os._exit(EXIT_NOT_STARTED)
    sig = signal.SIGKILL if status is None else os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    if sig:
        if sig != signal.SIGKILL:
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)  # a signal whose default is not to terminate: cannot kill, say it anyway
    assert status is not None
    os._exit(os.waitstatus_to_exitcode(status))


def main(argv: list[str]) -> None:
    try:
        sep = argv.index("--")
        grace, kill_wait, report_fd = float(argv[0]), float(argv[1]), int(argv[2])
        command = argv[sep + 1:]
    except (ValueError, IndexError):
        print("usage: reaper.py GRACE KILL_WAIT REPORT_FD -- COMMAND...", file=sys.stderr)
        sys.exit(2)
    if not command:
        print("reaper: no command", file=sys.stderr)
        sys.exit(2)
    os.set_inheritable(report_fd, False)
    set_subreaper()
    status: list[int] = []
    teardown = Teardown(grace, kill_wait, report_fd, lambda: _leave(status[0] if status else None))
    signal.signal(signal.SIGTERM, lambda *_: teardown.start())
    try:
        proc = subprocess.Popen(command)
    except OSError as exc:
        print(f"reaper: could not start {command[0]}: {exc}", file=sys.stderr)
        _leave(None, started=False)
        return
    teardown.started_late()
    while True:
        try:
            pid, st = os.waitpid(-1, 0)
        except ChildProcessError:
            break  # no descendant left: every orphan was ours to reap
        if pid == proc.pid:
            status.append(st)
            teardown.start()
        teardown.reaped()
    _leave(status[0] if status else None)


if __name__ == "__main__":
    main(sys.argv[1:])
