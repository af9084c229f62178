"""Server-side sessions of the reference extranet (issue 10), in process: a session expires after its
idle time, a read-only request keeps it alive, a restart keeps it. The cookie as a browser sees it
(opaque, rotated at login, deleted at logout): tests/integration/test_extranet_session_cookie.py.

Why it matters: the former signed cookie was readable base64 JSON holding the account
identifier, and traces recorded it in every ``Cookie`` header.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from support.extranet_helpers import (  # tests/ is on sys.path (pytest's rootdir-relative import)
    OPERATOR_KEY,
    ExtranetClient,
)

from extranet.sessions import IDLE_SECONDS, TOUCH_SECONDS, ServerSessions
from extranet.store import Store
from fixtures.services.processes import ExtranetService


@pytest.fixture
def client(extranet: ExtranetService) -> Iterator[ExtranetClient]:
    c = ExtranetClient(extranet.base_url, OPERATOR_KEY)
    yield c
    c.close()


# -- expiry, with the middleware's clock in the test's hands ---------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _visit(request: Request) -> JSONResponse:
    request.session["visits"] = int(request.session.get("visits", 0)) + 1
    return JSONResponse(request.session)


async def _look(request: Request) -> JSONResponse:
    return JSONResponse(dict(request.session))


def counter_app(store: Store, clock: FakeClock) -> Starlette:
    """A two-route app counting visits in its session, on a real SQLite store."""
    return Starlette(routes=[Route("/visit", _visit), Route("/look", _look)],
                     middleware=[Middleware(ServerSessions, store=store, clock=clock)])


def run(app: Starlette, steps: Callable[[httpx.AsyncClient], Awaitable[None]],
        cookies: dict[str, str] | None = None) -> dict[str, str]:
    """Drive ``app`` in-process with one cookie jar; returns the jar at the end."""

    async def main() -> dict[str, str]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1",
                                     cookies=cookies) as client:
            await steps(client)
            return {cookie.name: cookie.value for cookie in client.cookies.jar if cookie.value}

    # In a thread of its own: once a journey has run in this session, pytest-playwright's sync
    # Playwright holds the main thread's event loop, and asyncio.run() refuses to start there.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def visits(client: httpx.AsyncClient, path: str = "/visit") -> Any:
    return (await client.get(path)).json().get("visits")


def test_a_session_expires_after_the_idle_time(tmp_path: Path) -> None:
    clock = FakeClock()

    async def steps(client: httpx.AsyncClient) -> None:
        assert await visits(client) == 1 and await visits(client) == 2
        clock.now += IDLE_SECONDS + 1
        assert await visits(client) == 1, "an idle session outlived IDLE_SECONDS"

    run(counter_app(Store(tmp_path / "s.db"), clock), steps)


def test_a_read_only_request_keeps_a_session_alive(tmp_path: Path) -> None:
    clock, store = FakeClock(), Store(tmp_path / "s.db")

    async def steps(client: httpx.AsyncClient) -> None:
        assert await visits(client) == 1
        clock.now += TOUCH_SECONDS + 1
        assert await visits(client, "/look") == 1  # unchanged data: only the expiry is rewritten
        clock.now += IDLE_SECONDS - 10
        assert await visits(client, "/look") == 1, "a session in use expired"

    run(counter_app(store, clock), steps)
    assert store.session_count() == 1


def test_a_restart_keeps_sessions(tmp_path: Path) -> None:
    clock = FakeClock()

    async def first(client: httpx.AsyncClient) -> None:
        assert await visits(client) == 1

    async def after_restart(client: httpx.AsyncClient) -> None:
        assert await visits(client) == 2

    jar = run(counter_app(Store(tmp_path / "s.db"), clock), first)
    run(counter_app(Store(tmp_path / "s.db"), clock), after_restart, cookies=jar)
