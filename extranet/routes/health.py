"""``/healthz``: the database answers, and which version runs (the monitor and CI wait on it)."""
from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import __version__
from ..state import extranet_of

log = logging.getLogger("extranet")


async def healthz(request: Request) -> Response:
    try:
        extranet_of(request).store.ping()
    except Exception as exc:  # noqa: BLE001 - any database failure means "not healthy"
        log.error("health check: database error %s", type(exc).__name__)
        return JSONResponse({"status": "error", "version": __version__, "database": "error"}, status_code=503)
    return JSONResponse({"status": "ok", "version": __version__, "database": "ok"})


ROUTES = [Route("/healthz", healthz, methods=["GET"])]
