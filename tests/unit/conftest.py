"""The fast tier's promise, enforced: a unit test starts no process and opens no network connection.

Why a guard and not a convention: a test that quietly starts Mailpit or a browser makes `make check`
slow and flaky for everyone; here it fails at once and says where it belongs (tests/integration/).
Written by hand (a few lines) because it must cover processes as well as sockets.
"""
from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

MOVE_IT = "belongs in tests/integration/ (tests/unit/ starts no process and opens no connection)"


class UnitTierViolation(AssertionError):
    """A unit test reached for a process or the network."""


@pytest.fixture(autouse=True)
def no_process_no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse_process(*args: Any, **kwargs: Any) -> Any:
        raise UnitTierViolation(f"this test starts a process {args[1:2]!r}: it {MOVE_IT}")

    def refuse_connect(self: socket.socket, address: Any) -> Any:
        if self.family == getattr(socket, "AF_UNIX", None):
            return real_connect(self, address)  # in-process plumbing (e.g. asyncio's self-pipe) is not a service
        raise UnitTierViolation(f"this test connects to {address!r}: it {MOVE_IT}")

    real_connect = socket.socket.connect
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse_process)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(socket.socket, "bind", lambda self, address: refuse_connect(self, address))
    yield
