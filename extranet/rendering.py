"""Pages and forms as every route renders and reads them: CSRF token, kept values, errors.

Why shared: every form of the procedure carries the same CSRF token and shows errors the same
way (``role="alert"``), which the page objects rely on.
"""
from __future__ import annotations

import re
import secrets
from typing import Any, Callable

from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .relabel import relabel
from .security import csrf_matches, new_csrf_token
from .state import extranet_of

SESSION_EXPIRED = "Session expirée, veuillez recommencer."
CIVILITES = ("Madame", "Monsieur")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return str(token)


def page(request: Request, template: str, status_code: int = 200, background: BackgroundTask | None = None,
         **context: Any) -> Response:
    """Render a page with the CSRF token, errors and kept values every form needs."""
    context.setdefault("errors", [])
    context.setdefault("values", {})
    context["csrf_token"] = csrf_token(request)
    extranet = extranet_of(request)
    response = extranet.templates.TemplateResponse(request, template, context, status_code=status_code,
                                                   background=background)
    overrides = extranet.faults().profile.label_overrides
    if overrides:  # the label_overrides fault: renamed labels, as a redesigned portal shows them
        response.body = relabel(bytes(response.body).decode("utf-8"), overrides).encode("utf-8")
        response.init_headers()
    response.headers["Cache-Control"] = "no-store"
    return response


def link_maker(request: Request) -> Callable[[str], str]:
    """How this response writes the extranet's own paths (templates call it ``url``): under the
    root path, ``/aparts/mon-espace``, as a Java portal's ``encodeURL`` does.

    Two faults bend it the way misconfigured Java portals do: ``links_leave_root_path`` drops the
    root path (the app does not know it is behind ``/aparts/``), ``session_in_url`` adds the
    session as a path parameter, ``/aparts/mon-espace;jsessionid=5E8F…`` (Servlet URL rewriting).
    """
    extranet = extranet_of(request)
    profile = extranet.faults().profile
    root = "" if profile.links_leave_root_path else extranet.settings.root_path
    session = f";jsessionid={jsessionid(request)}" if profile.session_in_url else ""

    def url(chemin: str) -> str:
        path, sep, query = chemin.partition("?")
        return root + path + session + sep + query

    return url


def jsessionid(request: Request) -> str:
    """The session's id as a Java server would put it in URLs (fault ``session_in_url``): 32
    random upper-case hex digits, one per session. Never the ``extranet_session`` cookie itself."""
    value = request.session.get("jsessionid")
    if not value:
        value = request.session["jsessionid"] = secrets.token_hex(16).upper()
    return str(value)


def redirect(request: Request, chemin: str) -> RedirectResponse:
    """``303 See Other`` to a path of the extranet, written as its links are (``link_maker``)."""
    return RedirectResponse(link_maker(request)(chemin), status_code=303)


def session_expired(request: Request) -> Response:
    request.session.pop("csrf", None)
    return page(request, "erreur.html", 403, title="Session expirée", message=SESSION_EXPIRED)


async def read_form(request: Request) -> tuple[FormData, bool]:
    """The submitted form and whether its CSRF token matches the session's."""
    form = await request.form()
    return form, csrf_matches(request.session.get("csrf"), str(form.get("csrf_token") or ""))


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def email_error(value: str, label: str = "Courriel") -> str | None:
    if not value:
        return f"Le champ « {label} » est obligatoire."
    if len(value) > 254 or not EMAIL_RE.fullmatch(value):
        return f"Le champ « {label} » doit être une adresse électronique valide (par exemple nom@entreprise.fr)."
    return None
