"""The two ASGI middlewares of the extranet: fault injection and the access log.

Why plain ASGI classes: the access log must see the status and close its line before a
background task (mail) runs, and a fault must answer before the route runs; both are a few
lines at the ASGI level and awkward through Starlette's ``BaseHTTPMiddleware``.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .faults import endpoint_of, engine_of
from .rendering import page
from .root_path import route_path
from .security import log_ref
from .state import extranet_of

log = logging.getLogger("extranet")
access_log = logging.getLogger("extranet.access")

_PATH_PARAMETERS = re.compile(r";[^/]*")
_SECRET_PATH = re.compile(r"^(.*?)/(activation|reinitialisation)/(.+)$")


def redact_path(path: str) -> str:
    """Paths as logged (root path included): link tokens become a short reference, path
    parameters (``;jsessionid=…``, a session) are left out."""
    path = _PATH_PARAMETERS.sub(";…", path)
    match = _SECRET_PATH.match(path)
    return f"{match.group(1)}/{match.group(2)}/<ref {log_ref(match.group(3))}>" if match else path


class FaultInjection:
    """Endpoint faults of the profile in force: delay, forced error status, per-engine failures.

    Sits inside the session middleware so that the error page is the app's own. Operator
    routes, static files and /healthz are never faulted (``endpoint_of`` gives them no endpoint).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = endpoint_of(scope["method"], route_path(scope)) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        extranet = extranet_of(request)
        state = extranet.faults()
        profile = state.profile
        delay = profile.endpoint_delays_seconds.get(endpoint, 0.0)
        if delay:
            log.warning("fault: endpoint %s delayed by %s s", endpoint, delay)
            await asyncio.sleep(delay)
        status = profile.endpoint_errors.get(endpoint)
        if status is None and profile.engine_failure_rates and endpoint == profile.failure_endpoint:
            engine = engine_of(request.headers)
            rate = profile.failure_rate(engine)
            if extranet.draw_fault(state, rate):
                log.warning("fault: endpoint %s failed for engine %s (rate %s)", endpoint, engine, rate)
                status = 500
        if status is None:
            await self.app(scope, receive, send)
            return
        log.warning("fault: endpoint %s answers %d", endpoint, status)
        response = page(request, "erreur.html", status, title="Erreur",
                        message="Une erreur est survenue, veuillez réessayer plus tard.")
        await response(scope, receive, send)


class AccessLogAndHeaders:
    """Logs one line per request with tokens redacted (uvicorn's access log is turned off
    because it would print reset links) and adds headers every response needs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 500
        logged = False

        def log_once() -> None:
            nonlocal logged
            if not logged:
                logged = True
                access_log.info("%s %s %d %.0fms", scope["method"], redact_path(scope["path"]), status,
                                (time.monotonic() - started) * 1000)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))  # links carry tokens
                headers.append((b"x-frame-options", b"DENY"))
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                log_once()  # before any background task (mail) runs

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log_once()
