"""The one-time links mails carry: activation (end of J1) and reset (J2.2).

Why one handler for both: the same new-password form, the same refusals of an expired,
used or forged link; only the mail sent after an activation differs.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import mailer as mail
from ..rendering import field, page, read_form, session_expired
from ..security import PASSWORD_POLICY_TEXT, hash_password, log_ref, looks_like_token, password_problems, token_hash
from ..state import extranet_of
from .espace import login_bucket

log = logging.getLogger("extranet")

LINK_EXPIRED = "Ce lien a expiré : il n'est valable que {minutes} minutes."
LINK_INVALID = "Ce lien n'est plus valide."
CLIENT_HINTS_MISSING = ("La vérification de sécurité de votre navigateur a échoué : votre mot de passe n'a pas été "
                        "modifié. Essayez avec un autre navigateur.")


def link_handler(kind: str) -> Callable[[Request], Awaitable[Response]]:
    """GET shows the new-password form; POST sets it. Both refuse expired/used/forged links."""
    done_title = "Compte activé" if kind == "activation" else "Mot de passe modifié"

    async def handler(request: Request) -> Response:
        extranet = extranet_of(request)
        token = request.path_params["token"]
        digest = token_hash(token) if looks_like_token(token) else None
        state = extranet.store.token_state(digest, kind, extranet.now()) if digest else None
        if state is None or state.status != "valid":
            return invalid_link(request, kind, token, expired=bool(state and state.status == "expired"))
        client_hints = extranet.faults().profile.reset_requires_client_hints
        if request.method == "GET":
            return page(request, "mot_de_passe.html", policy=PASSWORD_POLICY_TEXT, client_hints=client_hints)
        form, ok = await read_form(request)
        if not ok:
            return session_expired(request)
        if client_hints and not field(form, "empreinte"):
            # Fault reset_requires_client_hints: the page's script needs navigator.userAgentData,
            # which Firefox and WebKit do not implement (see extranet/faults.py).
            log.info("fault reset_requires_client_hints: %s refused, no browser fingerprint", kind)
            return page(request, "mot_de_passe.html", 422, policy=PASSWORD_POLICY_TEXT, client_hints=client_hints,
                        errors=[CLIENT_HINTS_MISSING])
        password = str(form.get("mot_de_passe") or "")
        confirmation = str(form.get("confirmation") or "")
        errors = password_problems(password)
        if password != confirmation:
            errors.append("Les deux mots de passe ne sont pas identiques.")
        if errors:
            return page(request, "mot_de_passe.html", 422, policy=PASSWORD_POLICY_TEXT, errors=errors,
                        client_hints=client_hints)
        password_hash = await run_in_threadpool(hash_password, password)
        result = extranet.store.use_token_and_set_password(digest, kind, password_hash,  # type: ignore[arg-type]
                                                           extranet.now())
        if result.status != "valid":
            return invalid_link(request, kind, token, expired=result.status == "expired")
        log.info("%s link used for identifiant=%s", kind, log_ref(result.identifiant or ""))
        extranet.store.clear_login_failures(login_bucket(result.identifiant or ""))  # a new password unlocks
        if kind == "activation":
            account = extranet.store.account(result.identifiant or "")
            if account:
                await extranet.send_mail(mail.render("habilitation", account.courriel, civilite=account.civilite,
                                                     nom=account.nom, denomination=account.denomination,
                                                     siret=account.siret, base_url=extranet.settings.base_url))
        return page(request, "mot_de_passe_ok.html", title=done_title, kind=kind)

    return handler


def invalid_link(request: Request, kind: str, token: str, *, expired: bool) -> Response:
    log.info("%s link refused (%s) ref=%s", kind, "expired" if expired else "invalid", log_ref(token))
    minutes = extranet_of(request).settings.token_ttl_minutes
    return page(request, "lien_invalide.html", 410 if expired else 404,
                message=LINK_EXPIRED.format(minutes=minutes) if expired else LINK_INVALID)


ROUTES = [
    Route("/reinitialisation/{token:path}", link_handler("reinitialisation"), methods=["GET", "POST"]),
    Route("/activation/{token:path}", link_handler("activation"), methods=["GET", "POST"]),
]
