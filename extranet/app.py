"""The Starlette application of the reference extranet, put together from its parts.

Why this module is short: each branch of docs/PROCEDURE.md is a module of ``extranet.routes``
a reader opens alone (espace, creation, recovery, links, assistance), the operator API is
``routes.operator``, the middlewares are ``extranet.middleware`` and ``extranet.sessions``,
the error pages ``extranet.errors``; the rules live in siret, cryptogram, security, store and
mailer.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from . import __version__, errors
from . import mailer as mail
from .cryptogram import Cryptograms
from .middleware import AccessLogAndHeaders, FaultInjection
from .rendering import link_maker
from .root_path import RootPath
from .routes import assistance, creation, espace, health, links, operator, recovery
from .security import Clock
from .sessions import ServerSessions
from .settings import Settings
from .state import Extranet
from .store import Store

log = logging.getLogger("extranet")

#: Templates and static files are package data, found by the package's name (importlib.resources through
#: Jinja's PackageLoader and Starlette's ``packages=``), as installed from the wheel or in a checkout.
PACKAGE = __package__ or "extranet"


def _dkim_key(settings: Settings) -> mail.DkimKey | None:
    if settings.dkim_key is None:
        return None
    pem = Path(settings.dkim_key).expanduser().read_bytes()
    return mail.DkimKey(pem, settings.dkim_selector, settings.dkim_domain)


def create_app(settings: Settings, *, mailer: mail.Mailer | None = None) -> Starlette:
    """Build the application; the database schema is created here, before the first request."""
    store = Store(settings.database)
    extranet = Extranet(
        settings=settings, store=store, clock=Clock(store.clock_offset), cryptograms=Cryptograms(store),
        mailer=mailer or mail.Mailer(settings.smtp_host, settings.smtp_port, dkim_key=_dkim_key(settings),
                                     envelope_from=settings.envelope_from, from_domain=settings.mail_from_domain),
        # autoescape as Jinja2Templates(directory=…) sets it: the target's pages echo what users typed.
        templates=Jinja2Templates(env=jinja2.Environment(loader=jinja2.PackageLoader(PACKAGE, "templates"), autoescape=True),
                                  context_processors=[lambda request: {"url": link_maker(request)}]),
    )
    extranet.templates.env.globals["version"] = __version__

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        log.info("extranet %s ready on %s (operator controls %s)", __version__, settings.base_url,
                 "enabled" if settings.operator_key else "disabled")
        yield

    routes = [
        *espace.ROUTES, *creation.ROUTES, *recovery.ROUTES, *links.ROUTES, *assistance.ROUTES,
        *health.ROUTES, *operator.ROUTES,
        Mount("/static", StaticFiles(packages=[(PACKAGE, "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(AccessLogAndHeaders),
            Middleware(RootPath, root_path=settings.root_path),
            Middleware(ServerSessions, store=store, path=settings.root_path or "/"),
            Middleware(FaultInjection),
        ],
        exception_handlers=errors.HANDLERS,
        lifespan=lifespan,
    )
    app.state.extranet = extranet
    return app
