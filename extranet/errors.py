"""Error pages: the app's own page for HTTP errors, a plain line for an unhandled exception.

Why a plain text 500: the template machinery may be what failed; the log names the
exception type only (its message could hold a form value).
"""
from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from .middleware import redact_path
from .rendering import page

log = logging.getLogger("extranet")


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        return Response("Méthode non autorisée.", status_code=405, media_type="text/plain; charset=utf-8")
    title = "Page introuvable" if status == 404 else "Erreur"
    message = ("La page demandée n'existe pas." if status == 404
               else "Une erreur est survenue, veuillez réessayer plus tard.")
    return page(request, "erreur.html", status, title=title, message=message)


async def server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s: %s", request.method, redact_path(request.url.path), type(exc).__name__)
    return Response("Une erreur est survenue, veuillez réessayer plus tard.", status_code=500,
                    media_type="text/plain; charset=utf-8")


HANDLERS = {HTTPException: http_error, Exception: server_error}
