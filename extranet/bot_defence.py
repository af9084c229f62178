"""Prober faults: a bot defence in front of the extranet, as state portals have one (``extranet/faults.py``).

Why: the suite must tell a defence that refuses the *prober* from a portal that fails its users
(``fixtures/core/blocking.py``). Three defences, each keyed on what real ones key on, each
answering with the page a real product sends, combinable with each other and every other fault:

- ``bot_defence_user_agent``: the user agent (and its client hints) names a headless browser or one of
  the profile's tokens → ``403`` F5-style « Request Rejected … Your support ID is: N »;
- ``bot_defence_automation``: a JavaScript challenge (``403`` « Vérification de votre navigateur »)
  that lets the browser in (a cookie, then a reload) only when ``navigator.webdriver`` is false, as
  the automation checks of bot defences do; the browser that fails it stays on the challenge;
- ``bot_defence_rate``: more than N requests in a sliding window → ``429`` with ``Retry-After``.

Operator routes and ``/healthz`` are never refused (the suite's own controls are not a visitor).
"""
from __future__ import annotations

import collections
import hashlib
import math
import secrets
import threading
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .root_path import route_path
from .state import extranet_of

CHALLENGE_COOKIE = "bd_challenge"
_EXEMPT = ("/__operator__", "/healthz")

F5_PAGE = ("<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
           "Please consult with your administrator.<br><br>Your support ID is: {support_id}<br><br>"
           "<a href='javascript:history.back();'>[Go Back]</a></body></html>")
CHALLENGE_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Vérification…</title></head>
<body><h2>Vérification de votre navigateur avant d'accéder au site…</h2>
<p>Cette vérification est automatique. Référence : {reference}</p>
<script>
if (navigator.webdriver) {{
  document.querySelector("p").textContent = "Accès refusé : navigateur automatisé. Référence : {reference}";
}} else {{
  document.cookie = "{cookie}={token}; path=/; SameSite=Lax";
  location.reload();
}}
</script></body></html>"""
RATE_PAGE = ("<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>429 Too Many Requests</title>"
             "</head><body><h1>Too Many Requests</h1><p>Trop de requêtes : réessayez dans {seconds} s.</p></body></html>")


def refuses_user_agent(headers: Any, tokens: tuple[str, ...]) -> bool:
    """Does the user agent or its client-hint brands carry one of ``tokens``?"""
    seen = f"{headers.get('user-agent', '')} {headers.get('sec-ch-ua', '')}"
    return any(token in seen for token in tokens)


class RateWindow:
    """Requests seen in a sliding window (one client: the suite's loopback)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: collections.deque[float] = collections.deque()

    def admit(self, limit: int, window: float, now: float | None = None) -> float | None:
        """None if this request is within ``limit`` per ``window`` s, else the seconds until one is."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._times and self._times[0] <= now - window:
                self._times.popleft()
            if len(self._times) >= limit:
                return max(self._times[0] + window - now, 0.0)
            self._times.append(now)
            return None


class BotDefence:
    """The defences of the fault profile in force, before the sessions (a defence sees the raw request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.rate = RateWindow()
        self._state: Any = None
        self._secret = secrets.token_hex(16)

    def token(self) -> str:
        """The challenge cookie's value: only this server's challenge script hands it out."""
        return hashlib.sha256(f"challenge:{self._secret}".encode()).hexdigest()[:32]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope).startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        state = extranet_of(request).faults()
        if state is not self._state:  # a new profile counts its own requests
            self._state, self.rate = state, RateWindow()
        profile = state.profile
        response = None
        if profile.bot_defence_user_agent and refuses_user_agent(request.headers, profile.bot_defence_user_agent):
            support_id = str(secrets.randbelow(10 ** 19)).zfill(19)
            response = HTMLResponse(F5_PAGE.format(support_id=support_id), status_code=403)
        elif profile.bot_defence_automation and request.cookies.get(CHALLENGE_COOKIE) != self.token() \
                and scope["method"] == "GET" and "text/html" in request.headers.get("accept", "text/html"):
            response = HTMLResponse(CHALLENGE_PAGE.format(reference=secrets.token_hex(8), cookie=CHALLENGE_COOKIE,
                                                          token=self.token()), status_code=403)
        elif profile.bot_defence_rate:
            wait = self.rate.admit(int(profile.bot_defence_rate["requests"]),
                                   float(profile.bot_defence_rate["window_seconds"]))
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                response = HTMLResponse(RATE_PAGE.format(seconds=seconds), status_code=429,
                                        headers={"Retry-After": str(seconds)})
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
