"""Server-side sessions: an opaque random id in the ``extranet_session`` cookie, the data in SQLite.

Why not Starlette's ``SessionMiddleware``: its cookie is signed but readable base64 JSON, so
the account identifier travelled in every ``Cookie`` header and landed in traces (issue 10).
A real portal keeps the session on the server. Here the cookie is 32 random bytes
(``secrets.token_urlsafe``) and the row is keyed by its SHA-256, so neither the cookie nor a
copy of the database gives the other away. Expiry is idle time (``IDLE_SECONDS`` after the
last use, wall clock: the operator's clock offset moves link validity, not sessions);
``rotate_session`` at login issues a new id (no session fixation); ``end_session`` at logout
deletes the row and the cookie.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .security import looks_like_token, new_link_token, token_hash
from .store import Store

COOKIE = "extranet_session"
IDLE_SECONDS = 8 * 3600
#: A request that changes nothing rewrites the expiry at most this often (one write a minute).
TOUCH_SECONDS = 60
_ACTION = "extranet.session_action"


def rotate_session(request: Request) -> None:
    """The next response carries a new session id; the old one is deleted (call at login)."""
    request.scope[_ACTION] = "rotate"


def end_session(request: Request) -> None:
    """Delete the session and its cookie with the next response (call at logout)."""
    request.session.clear()
    request.scope[_ACTION] = "end"


def _encode(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


class ServerSessions:
    """ASGI middleware giving ``request.session`` a dict kept in the store under an opaque id."""

    def __init__(self, app: ASGIApp, store: Store, *, cookie: str = COOKIE, idle_seconds: float = IDLE_SECONDS,
                 same_site: str = "lax", clock: Callable[[], float] = time.time, path: str = "/") -> None:
        self.app = app
        self.path = path  # the root path (``/aparts``): the cookie is the portal's, not the host's
        self.store = store
        self.cookie = cookie
        self.idle_seconds = idle_seconds
        self.same_site = same_site
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        session_id: str | None = HTTPConnection(scope).cookies.get(self.cookie)
        loaded = None
        if session_id and looks_like_token(session_id):
            loaded = self.store.session_data(token_hash(session_id), self.clock())
        if loaded is None:
            session_id = None
        stored, expires_at = loaded if loaded else ("{}", 0.0)
        scope["session"] = json.loads(stored)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._commit(scope, MutableHeaders(scope=message), session_id, stored, expires_at)
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def _commit(self, scope: Scope, headers: MutableHeaders, session_id: str | None, stored: str,
                expires_at: float) -> None:
        """Write what the handler left in ``scope["session"]`` and set or clear the cookie."""
        now = self.clock()
        session = scope["session"]
        action = scope.get(_ACTION)
        if session_id and (action in ("rotate", "end") or not session):
            self.store.delete_session(token_hash(session_id), now)
            session_id = None
            if action == "end" or not session:
                headers.append("Set-Cookie", self._cookie_header(scope, "", 0))
                return
        if not session:
            return  # nothing to keep and no session to forget
        data = _encode(session)
        if session_id and data == stored and expires_at - now > self.idle_seconds - TOUCH_SECONDS:
            return  # unchanged and recently touched: no write, the browser keeps its cookie
        if session_id is None:
            session_id, _ = new_link_token()
        self.store.save_session(token_hash(session_id), data, now + self.idle_seconds, now)
        headers.append("Set-Cookie", self._cookie_header(scope, session_id, int(self.idle_seconds)))

    def _cookie_header(self, scope: Scope, value: str, max_age: int) -> str:
        secure = "; Secure" if scope.get("scheme") in ("https", "wss") else ""
        return f"{self.cookie}={value}; Path={self.path}; Max-Age={max_age}; HttpOnly; SameSite={self.same_site}{secure}"
