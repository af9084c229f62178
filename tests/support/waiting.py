"""Bounded waits for what no event announces (another process's files, an HTTP endpoint coming up).

One copy for every test module (there were six): each wait has a deadline and names what it
waited for, so a test that times out says on what, never hangs, and never sleeps a fixed time.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> None:
    """Return once ``predicate()`` is truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def poll_until(fn: Callable[[], T | None], deadline: float, what: str,
               tolerate: tuple[type[Exception], ...] = (OSError,), interval: float = 0.1) -> T:
    """``fn()``'s first truthy value before the monotonic ``deadline`` (shared by several waits).

    ``tolerate``: the errors that mean "not up yet" (a refused connection), kept for the message.
    """
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            got = fn()
            if got:
                return got
        except tolerate as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last error: {last})")


def poll(fn: Callable[[], T | None], timeout: float, what: str,
         tolerate: tuple[type[Exception], ...] = (OSError,), interval: float = 0.1) -> T:
    """``poll_until`` with a deadline ``timeout`` seconds from now."""
    return poll_until(fn, time.monotonic() + timeout, what, tolerate, interval)


def alive(pid: int) -> bool:
    """True unless the process is gone or a zombie (PID 1 here may not reap orphans)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
