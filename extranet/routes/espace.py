"""Home page, login, personal space and logout: where every branch starts and ends."""
from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..rendering import field, page, read_form, redirect, session_expired
from ..security import log_ref, new_csrf_token, verify_password
from ..sessions import end_session, rotate_session
from ..state import extranet_of

log = logging.getLogger("extranet")


async def home(request: Request) -> Response:
    return page(request, "accueil.html", incident=extranet_of(request).incident_text())


async def login(request: Request) -> Response:
    extranet = extranet_of(request)
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    identifiant = field(form, "identifiant").upper()
    password = str(form.get("mot_de_passe") or "")
    account = extranet.store.account(identifiant) if identifiant else None
    valid = await run_in_threadpool(verify_password, password, account.password_hash if account else None)
    if not (valid and account):
        log.info("login refused for identifiant=%s", log_ref(identifiant))
        return page(request, "accueil.html", incident=extranet.incident_text(), values={"identifiant": identifiant},
                    errors=["Identifiant ou mot de passe incorrect."])
    request.session.clear()
    rotate_session(request)
    request.session["identifiant"] = account.identifiant
    request.session["csrf"] = new_csrf_token()
    log.info("login ok for identifiant=%s", log_ref(identifiant))
    return redirect(request, "/mon-espace")


async def mon_espace(request: Request) -> Response:
    identifiant = request.session.get("identifiant")
    account = extranet_of(request).store.account(identifiant) if identifiant else None
    if account is None:
        request.session.pop("identifiant", None)
        return redirect(request, "/")
    return page(request, "mon_espace.html", account=account)


async def logout(request: Request) -> Response:
    _form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    end_session(request)
    return redirect(request, "/")


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/connexion", login, methods=["POST"]),
    Route("/mon-espace", mon_espace, methods=["GET"]),
    Route("/deconnexion", logout, methods=["POST"]),
]
