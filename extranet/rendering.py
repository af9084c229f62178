"""Pages and forms as every route renders and reads them: CSRF token, kept values, errors.

Why shared: every form of the procedure carries the same CSRF token and shows errors the same
way (``role="alert"``), which the page objects rely on.
"""
from __future__ import annotations

import re
from typing import Any

from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from .faults import hostile_texts
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
    if extranet.faults().profile.hostile_text:
        context["hostile"] = hostile_texts()  # fault hostile_text: this screen is replaced
    response = extranet.templates.TemplateResponse(request, template, context, status_code=status_code,
                                                   background=background)
    overrides = extranet.faults().profile.label_overrides
    if overrides:  # the label_overrides fault: renamed labels, as a redesigned portal shows them
        response.body = relabel(bytes(response.body).decode("utf-8"), overrides).encode("utf-8")
        response.init_headers()
    response.headers["Cache-Control"] = "no-store"
    return response


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
