"""Home page, login, personal space and logout: where every branch starts and ends."""
from __future__ import annotations

import hashlib
import logging
import math

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..rendering import field, page, read_form, redirect, session_expired
from ..security import log_ref, new_csrf_token, verify_password
from ..sessions import end_session, rotate_session
from ..state import extranet_of

log = logging.getLogger("extranet")


def login_bucket(identifiant: str) -> str:
    """The key wrong passwords are counted under (the identifier is not stored in clear)."""
    return "connexion:" + hashlib.sha256(identifiant.encode()).hexdigest()


async def home(request: Request) -> Response:
    return page(request, "accueil.html", incident=extranet_of(request).incident_text())


async def login(request: Request) -> Response:
    extranet = extranet_of(request)
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    identifiant = field(form, "identifiant").upper()
    password = str(form.get("mot_de_passe") or "")
    settings, now, key = extranet.settings, extranet.now(), login_bucket(identifiant)
    window, lock = settings.login_lockout_window_minutes * 60, settings.login_lockout_minutes * 60
    locked_until = extranet.store.login_locked_until(key, settings.login_lockout_attempts, window, lock, now)
    if locked_until is not None:  # even the right password: the identifier is locked (no count while locked)
        log.warning("login refused for identifiant=%s: locked after %d wrong passwords", log_ref(identifiant),
                    settings.login_lockout_attempts)
        minutes = max(1, math.ceil((locked_until - now) / 60))
        return page(request, "accueil.html", incident=extranet.incident_text(),
                    values={"identifiant": identifiant},
                    errors=[f"Votre compte est temporairement bloqué suite à un trop grand nombre de tentatives de "
                            f"connexion infructueuses. Veuillez réessayer dans {minutes} minute{'s' if minutes > 1 else ''} "
                            "ou réinitialiser votre mot de passe avec « J'ai oublié mon mot de passe »."])
    account = extranet.store.account(identifiant) if identifiant else None
    valid = await run_in_threadpool(verify_password, password, account.password_hash if account else None)
    if not (valid and account):
        log.info("login refused for identifiant=%s", log_ref(identifiant))
        if identifiant and settings.login_lockout_attempts:  # known or not: no enumeration
            extranet.store.note_login_failure(key, now, window + lock)
        return page(request, "accueil.html", incident=extranet.incident_text(), values={"identifiant": identifiant},
                    errors=["Identifiant ou mot de passe incorrect."])
    extranet.store.clear_login_failures(key)
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
