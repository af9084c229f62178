"""Serving the extranet under a path (``--root-path /aparts``), as the real portal is.

Why: the real portal is a Java application deployed under ``/aparts/``; its pages link, redirect
and set cookies under that path, and anything else on the host is not the portal (404). The
suite must be tested against the same shape. This middleware is the one place that knows the
request side: it answers 404 outside the path, sends ``/aparts`` to ``/aparts/`` (as servlet
containers do) and sets the ASGI ``root_path`` so Starlette routes the rest unchanged
(``path`` keeps the full path, as the ASGI spec says). The response side (links, redirects,
cookie path, static files, mail links) uses ``Settings.root_path`` through ``rendering``.

The path is matched without regard to case (public guides write ``/APARTS/``), but everything
the extranet generates uses the spelling it was given, and a request in another case is sent
there (308, the rest of the URL kept): browsers compare a cookie's ``Path`` with case, so a page
served at ``/APARTS/…`` would not get the session cookie (``Path=/aparts``) back, and its next
form would answer « Session expirée » (seen with ``base_url = …/APARTS/``).
"""
from __future__ import annotations

import re
from urllib.parse import quote

from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send


def route_path(scope: Scope) -> str:
    """The request's path below the root path (``/mot-de-passe-oublie`` for ``/aparts/mot-de-passe-oublie``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return (path[len(root):] or "/") if root and path.startswith(root) else path


_PATH_PARAMETERS = re.compile(r";[^/]*")


def without_path_parameters(path: str) -> str:
    """``/aparts/mon-espace;jsessionid=5E8F`` → ``/aparts/mon-espace``, as servlet containers route."""
    return _PATH_PARAMETERS.sub("", path) if ";" in path else path


class RootPath:
    """Routes requests under ``root_path`` to the app; the rest answer 404. Path parameters
    (``;jsessionid=…``) are left out of routing, as a servlet container does."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app, self.root_path = app, root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asked: str = scope.get("path", "")  # with its path parameters, for a redirect to keep them
        if scope["type"] in ("http", "websocket") and ";" in scope["path"]:
            scope = {**scope, "path": without_path_parameters(scope["path"])}
        if scope["type"] not in ("http", "websocket") or not self.root_path:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        given = path[:len(self.root_path)]
        rest = path[len(self.root_path):]
        if given.lower() != self.root_path.lower() or rest[:1] not in ("", "/"):
            response = PlainTextResponse(f"Not Found: this server serves {self.root_path}/ only", status_code=404)
            await response(scope, receive, send)
            return
        if scope["type"] == "http" and (not rest or given != self.root_path):
            query = scope.get("query_string", b"").decode("latin-1")
            below = asked[len(self.root_path):]  # /APARTS → /aparts/; /APARTS/x;jsessionid=… → /aparts/x;…
            below = below if below.startswith("/") else "/" + below  # /aparts;jsessionid=… → /aparts/;…
            location = quote(self.root_path + below, safe="/;=%:@!$&'()*+,~-._") + (f"?{query}" if query else "")
            await RedirectResponse(location, status_code=308)(scope, receive, send)
            return
        await self.app({**scope, "root_path": scope.get("root_path", "") + given}, receive, send)
