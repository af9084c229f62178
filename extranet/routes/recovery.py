"""Forgotten identifier and forgotten password (PROCEDURE.md J2.1, J2.2): the two requests.

Both answer the same page whether or not an account matches (no enumeration) and are
rate-limited per SIRET / identifier. The reset link the mail carries is served by
``routes.links``.
"""
from __future__ import annotations

import hashlib
import logging

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import mailer as mail
from ..rendering import email_error, field, page, read_form, session_expired
from ..security import IDENTIFIER_RE, log_ref, new_link_token
from ..siret import normalize, siret_error
from ..state import extranet_of

log = logging.getLogger("extranet")

RATE_WINDOW_SECONDS = 3600


def bucket(kind: str, value: str) -> str:
    """A rate-limit key that does not store the SIRET or identifier in clear."""
    return kind + ":" + hashlib.sha256(value.encode()).hexdigest()


async def identifiant_oublie(request: Request) -> Response:
    extranet = extranet_of(request)
    if request.method == "GET":
        return page(request, "identifiant_oublie.html")
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    raw_siret, courriel = field(form, "siret"), field(form, "courriel")
    errors = [e for e in (siret_error(raw_siret), email_error(courriel)) if e]
    if errors:
        return page(request, "identifiant_oublie.html", 422, values={"siret": raw_siret, "courriel": courriel},
                    errors=errors)
    siret = normalize(raw_siret)
    # Same work and the same answer whether or not an account matches: no enumeration.
    limit = extranet.settings.reset_rate_limit
    allowed = extranet.store.rate_limit_allow(bucket("identifiant-oublie", siret), limit, RATE_WINDOW_SECONDS,
                                              extranet.now())
    account = extranet.store.account_by_siret(siret)
    task = None
    if not allowed:
        log.warning("rate limit: forgotten-identifier requests for siret=%s over %d/hour; no mail sent",
                    log_ref(siret), limit)
    elif account and account.courriel.lower() == courriel.lower():
        outgoing = mail.render("identifiant", account.courriel, civilite=account.civilite, nom=account.nom,
                               denomination=account.denomination, siret=account.siret,
                               identifiant=account.identifiant)
        task = BackgroundTask(extranet.deliver, outgoing, extranet.faults())
    log.info("forgotten-identifier request siret=%s handled", log_ref(siret))
    return page(request, "demande_enregistree.html", background=task)


async def mot_de_passe_oublie(request: Request) -> Response:
    extranet = extranet_of(request)
    if request.method == "GET":
        return page(request, "mot_de_passe_oublie.html")
    form, ok = await read_form(request)
    if not ok:
        return session_expired(request)
    identifiant = field(form, "identifiant").upper()
    if not identifiant:
        return page(request, "mot_de_passe_oublie.html", 422, errors=["Le champ « Identifiant » est obligatoire."])
    now = extranet.now()
    limit = extranet.settings.reset_rate_limit
    allowed = extranet.store.rate_limit_allow(bucket("mot-de-passe-oublie", identifiant), limit,
                                              RATE_WINDOW_SECONDS, now)
    account = extranet.store.account(identifiant) if IDENTIFIER_RE.fullmatch(identifiant) else None
    task = None
    if not allowed:
        log.warning("rate limit: password-reset requests for identifiant=%s over %d/hour; no mail sent",
                    log_ref(identifiant), limit)
    elif account:
        token, digest = new_link_token()
        ttl_minutes = extranet.settings.token_ttl_minutes
        extranet.store.add_token(digest, "reinitialisation", account.identifiant, now + ttl_minutes * 60, now)
        outgoing = mail.render("reinitialisation", account.courriel, civilite=account.civilite, nom=account.nom,
                               link=f"{extranet.settings.base_url}/reinitialisation/{token}",
                               ttl_minutes=ttl_minutes)
        task = BackgroundTask(extranet.deliver, outgoing, extranet.faults())
    log.info("password-reset request identifiant=%s handled", log_ref(identifiant))
    return page(request, "demande_enregistree.html", background=task)


ROUTES = [
    Route("/identifiant-oublie", identifiant_oublie, methods=["GET", "POST"]),
    Route("/mot-de-passe-oublie", mot_de_passe_oublie, methods=["GET", "POST"]),
]
